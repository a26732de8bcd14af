/* key: order-preserving key encoding for LMDB. */
#include "config.h"
#include "key.h"

#include <string.h>

void key_init(struct key *k, unsigned char prefix)
{
	k->n = 0;
	k->overflow = 0;
	key_u8(k, prefix);
}

void key_bytes(struct key *k, const void *p, size_t n)
{
	if (k->overflow || n > KEY_MAX - k->n) {
		k->overflow = 1;
		return;
	}
	memcpy(k->b + k->n, p, n);
	k->n += n;
}

void key_u8(struct key *k, unsigned char v)
{
	key_bytes(k, &v, 1);
}

void key_put_u64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
}

void key_u64(struct key *k, uint64_t v)
{
	unsigned char b[8];
	key_put_u64(b, v);
	key_bytes(k, b, 8);
}

void key_i64(struct key *k, int64_t v)
{
	key_u64(k, (uint64_t)v ^ 0x8000000000000000ULL);
}

uint64_t key_get_u64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

int64_t key_get_i64(const unsigned char *p)
{
	return (int64_t)(key_get_u64(p) ^ 0x8000000000000000ULL);
}

uint64_t key_sort_image(int64_t sort, int descending)
{
	uint64_t img = (uint64_t)sort ^ 0x8000000000000000ULL;
	return descending ? ~img : img;
}

int64_t key_sort_from_image(uint64_t img, int descending)
{
	if (descending)
		img = ~img;
	return (int64_t)(img ^ 0x8000000000000000ULL);
}
