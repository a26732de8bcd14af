/* rec: the byte layout of stored records. A record is a sequence of fields,
 * each a varint-free fixed u64 or a length-prefixed string, read back in the
 * order written. Readers check every length against the value's size, so a
 * damaged record is an error, never an out-of-bounds read. */
#ifndef ARCADE_REC_H
#define ARCADE_REC_H

#include <stddef.h>
#include <stdint.h>
#include "util.h"

struct rec_reader {
	const unsigned char *p;
	size_t len, off;
	int bad;
};

void rec_put_u64(struct buf *b, uint64_t v);
void rec_put_str(struct buf *b, const char *s);
void rec_put_bytes(struct buf *b, const void *p, size_t n);
void rec_put_dbl(struct buf *b, double d);

void rec_reader_init(struct rec_reader *r, const void *p, size_t len);
uint64_t rec_get_u64(struct rec_reader *r);
double rec_get_dbl(struct rec_reader *r);
/* Returns a NUL-terminated copy the caller frees (empty string when bad). */
char *rec_get_str(struct rec_reader *r);
/* A string or bytes field where it lies in the record (not NUL-terminated:
 * *n bytes), valid as long as the record; NULL and 0 when bad. */
const char *rec_get_view(struct rec_reader *r, size_t *n);
/* Steps over a string or bytes field without copying it. */
void rec_skip(struct rec_reader *r);
/* Copies exactly n bytes out; marks the reader bad if the field differs. */
void rec_get_bytes(struct rec_reader *r, void *out, size_t n);
#endif
