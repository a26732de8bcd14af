/* util: growable buffers, strict number parsing, UTF-8 checks, time.
 * Small pieces every other module uses; nothing here knows about HTTP or LMDB. */
#ifndef ARCADE_UTIL_H
#define ARCADE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <string.h>

/* A byte buffer that always keeps a NUL after its contents. Allocation
 * failure aborts: a worker that cannot allocate a few KiB cannot answer. */
struct buf {
	char *p;
	size_t len, cap;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
/* Room for n bytes (and the NUL) before the buffer next has to grow. */
void buf_reserve(struct buf *b, size_t n);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_addc(struct buf *b, char c);
/* Inline, so that the length of a literal is counted by the compiler:
 * answers are mostly literals between values. */
static inline void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *buf_detach(struct buf *b);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Strict decimal parsers: optional sign (i64 only), digits only, no spaces,
 * no overflow. Return 0 on success, -1 otherwise. */
int util_parse_i64(const char *s, int64_t *out);
int util_parse_u64(const char *s, uint64_t *out);
/* "C/S": capacity and a refill per second that may be fractional. */
int util_parse_rate(const char *s, double *cap, double *per_sec);

/* Decimal text of v into out (room for 21 bytes), NUL-terminated; returns
 * the length. snprintf's general machinery costs ~1,000 instructions a
 * number, and answers print many. */
size_t util_u64_dec(uint64_t v, char *out);
size_t util_i64_dec(int64_t v, char *out);
/* ms since the epoch as ISO 8601 UTC with milliseconds, 2024-05-01T12:00:00.000Z
 * (24 characters up to the year 9999); returns the length. */
size_t util_iso8601(uint64_t ms, char out[32]);

int util_utf8_valid(const char *s, size_t n);
void util_hex(const unsigned char *in, size_t n, char *out); /* out: 2n+1 */
void util_lower(char *s);

/* flock(2) that a signal (a graceful stop) does not abandon halfway:
 * retried on EINTR. 0, or -1 with errno. */
int util_flock(int fd, int op);
uint64_t util_now_ms(void);       /* wall clock, ms since the epoch */
uint64_t util_mono_ms(void);      /* monotonic, for durations */
#endif
