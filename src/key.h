/* key: building LMDB keys so that memcmp order is the order we want.
 * Integers are big-endian; signed ones have their sign bit flipped, so
 * INT64_MIN sorts first. A key starts with a one-byte entity prefix and,
 * for everything a game owns, the game id: no key of one game can be a
 * prefix of, or equal to, a key of another. */
#ifndef ARCADE_KEY_H
#define ARCADE_KEY_H

#include <stddef.h>
#include <stdint.h>

#define KEY_MAX 480 /* below LMDB's default 511-byte limit */

struct key {
	unsigned char b[KEY_MAX];
	size_t n;
	int overflow; /* set when an append did not fit; such a key is never used */
};

void key_init(struct key *k, unsigned char prefix);
void key_u8(struct key *k, unsigned char v);
void key_u64(struct key *k, uint64_t v);
void key_i64(struct key *k, int64_t v);
void key_bytes(struct key *k, const void *p, size_t n);

uint64_t key_get_u64(const unsigned char *p);
int64_t key_get_i64(const unsigned char *p);
void key_put_u64(unsigned char *p, uint64_t v);

/* The order-preserving image of a signed sort value: ascending tables use it
 * as is, descending tables its complement, so "better" is always "smaller". */
uint64_t key_sort_image(int64_t sort, int descending);
int64_t key_sort_from_image(uint64_t img, int descending);
#endif
