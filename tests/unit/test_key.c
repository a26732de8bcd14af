/* test_key: order-preserving key encoding (key.h) and record layout (rec.h).
 * key.h: integers are big-endian, signed ones with the sign bit flipped;
 * the sort image is the value as is (ascending) or its complement
 * (descending), so a smaller image is always a better score. */
#include "check.h"
#include "../../src/key.h"
#include "../../src/rec.h"
#include "../../src/util.h"

#include <stdlib.h>
#include <string.h>

/* A small deterministic generator (xorshift64*). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static int key_cmp(const struct key *a, const struct key *b)
{
	size_t n = a->n < b->n ? a->n : b->n;
	int c = memcmp(a->b, b->b, n);
	return c ? c : (a->n > b->n) - (a->n < b->n);
}

static int sign(int c)
{
	return (c > 0) - (c < 0);
}

static void test_ints(void)
{
	static const int64_t v[] = { INT64_MIN, INT64_MIN + 1, -256, -1, 0, 1, 255, 256, INT64_MAX - 1, INT64_MAX };
	static const unsigned char want[][9] = {
		{ 'x', 0x00, 0, 0, 0, 0, 0, 0, 0x00 }, { 'x', 0x00, 0, 0, 0, 0, 0, 0, 0x01 },
		{ 'x', 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00 },
		{ 'x', 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, { 'x', 0x80, 0, 0, 0, 0, 0, 0, 0x00 },
		{ 'x', 0x80, 0, 0, 0, 0, 0, 0, 0x01 }, { 'x', 0x80, 0, 0, 0, 0, 0, 0, 0xff },
		{ 'x', 0x80, 0, 0, 0, 0, 0, 0x01, 0x00 },
		{ 'x', 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe },
		{ 'x', 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};
	struct key k[10];
	const size_t n = sizeof(v) / sizeof(v[0]);

	check_section("key_i64");
	for (size_t i = 0; i < n; i++) {
		char d[64];
		key_init(&k[i], 'x');
		key_i64(&k[i], v[i]);
		snprintf(d, sizeof(d), "bytes of %lld", (long long)v[i]);
		CHECK_EQ_MEM_MSG(k[i].b, k[i].n, want[i], 9, d);
		CHECK_EQ_I64(key_get_i64(k[i].b + 1), v[i]);
	}
	for (size_t i = 0; i + 1 < n; i++) {
		char d[96];
		snprintf(d, sizeof(d), "memcmp(%lld) < memcmp(%lld)", (long long)v[i], (long long)v[i + 1]);
		CHECK_MSG(memcmp(k[i].b, k[i + 1].b, 9) < 0, d);
	}
	/* Random pairs: memcmp order is numeric order. */
	{
		int bad = 0;
		for (int i = 0; i < 20000; i++) {
			int64_t a = (int64_t)rng(), b = (int64_t)rng();
			struct key ka, kb;
			if (i % 3 == 0)
				b = a + (int64_t)(rng() % 5) - 2;
			if (i % 7 == 0)
				a = -a;
			key_init(&ka, 'x');
			key_init(&kb, 'x');
			key_i64(&ka, a);
			key_i64(&kb, b);
			if (sign(key_cmp(&ka, &kb)) != (a > b) - (a < b))
				bad++;
			if (key_get_i64(ka.b + 1) != a)
				bad++;
		}
		CHECK_EQ_INT_MSG(bad, 0, "20000 random i64 pairs: memcmp order = numeric order, round trip");
	}

	check_section("key_u64");
	{
		static const unsigned char w[] = { 'q', 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };
		struct key a, b;
		unsigned char p[8];
		key_init(&a, 'q');
		key_u64(&a, 0x0102030405060708ULL);
		CHECK_EQ_MEM(a.b, a.n, w, sizeof(w));
		CHECK_EQ_U64(key_get_u64(a.b + 1), 0x0102030405060708ULL);
		key_put_u64(p, 0xfedcba9876543210ULL);
		CHECK_EQ_MEM(p, 8, "\xfe\xdc\xba\x98\x76\x54\x32\x10", 8);
		key_init(&a, 'q');
		key_u64(&a, 255);
		key_init(&b, 'q');
		key_u64(&b, 256);
		CHECK_MSG(key_cmp(&a, &b) < 0, "255 before 256");
		key_init(&a, 'q');
		key_u64(&a, UINT64_MAX);
		CHECK_EQ_MEM(a.b, a.n, "q\xff\xff\xff\xff\xff\xff\xff\xff", 9);
		key_init(&a, 'G');
		key_u8(&a, 0xab);
		key_bytes(&a, "xyz", 3);
		CHECK_EQ_MEM(a.b, a.n, "G\xabxyz", 5);
		CHECK_EQ_INT(a.overflow, 0);
	}
}

static void test_sort_image(void)
{
	check_section("key_sort_image");
	/* Ascending tables: the image is the flipped value, smaller is better. */
	CHECK_EQ_U64(key_sort_image(INT64_MIN, 0), 0);
	CHECK_EQ_U64(key_sort_image(-1, 0), 0x7fffffffffffffffULL);
	CHECK_EQ_U64(key_sort_image(0, 0), 0x8000000000000000ULL);
	CHECK_EQ_U64(key_sort_image(1, 0), 0x8000000000000001ULL);
	CHECK_EQ_U64(key_sort_image(INT64_MAX, 0), UINT64_MAX);
	/* Descending: the complement, so the highest value has image 0. */
	CHECK_EQ_U64(key_sort_image(INT64_MAX, 1), 0);
	CHECK_EQ_U64(key_sort_image(1, 1), 0x7ffffffffffffffeULL);
	CHECK_EQ_U64(key_sort_image(0, 1), 0x7fffffffffffffffULL);
	CHECK_EQ_U64(key_sort_image(-1, 1), 0x8000000000000000ULL);
	CHECK_EQ_U64(key_sort_image(INT64_MIN, 1), UINT64_MAX);

	static const int64_t v[] = { INT64_MIN, INT64_MIN + 1, -1000, -1, 0, 1, 1000, INT64_MAX - 1, INT64_MAX };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char d[96];
		snprintf(d, sizeof(d), "round trip ascending %lld", (long long)v[i]);
		CHECK_EQ_INT_MSG(key_sort_from_image(key_sort_image(v[i], 0), 0), v[i], d);
		snprintf(d, sizeof(d), "round trip descending %lld", (long long)v[i]);
		CHECK_EQ_INT_MSG(key_sort_from_image(key_sort_image(v[i], 1), 1), v[i], d);
	}
	{
		int bad_order = 0, bad_trip = 0;
		for (int i = 0; i < 20000; i++) {
			int64_t a = (int64_t)rng(), b = (int64_t)rng();
			if (i % 3 == 0)
				b = a + (int64_t)(rng() % 3) - 1;
			uint64_t ia = key_sort_image(a, 0), ib = key_sort_image(b, 0);
			uint64_t da = key_sort_image(a, 1), db = key_sort_image(b, 1);
			if ((a < b) != (ia < ib) || (a == b) != (ia == ib))
				bad_order++;
			if ((a < b) != (da > db) || (a == b) != (da == db))
				bad_order++;
			if (key_sort_from_image(ia, 0) != a || key_sort_from_image(da, 1) != a)
				bad_trip++;
		}
		CHECK_EQ_INT_MSG(bad_order, 0, "20000 random pairs: ascending keeps order, descending reverses it");
		CHECK_EQ_INT_MSG(bad_trip, 0, "20000 random values round trip in both directions");
	}
}

static void test_overflow(void)
{
	struct key k;
	unsigned char big[KEY_MAX + 8];

	check_section("key overflow");
	memset(big, 'z', sizeof(big));
	key_init(&k, 'a');
	key_bytes(&k, big, KEY_MAX - 1);
	CHECK_EQ_U64(k.n, KEY_MAX);
	CHECK_EQ_INT_MSG(k.overflow, 0, "exactly KEY_MAX bytes fit");
	key_u8(&k, 1);
	CHECK_EQ_INT_MSG(k.overflow, 1, "one byte past KEY_MAX sets overflow");
	CHECK_EQ_U64_MSG(k.n, KEY_MAX, "n unchanged by the failed append");
	key_init(&k, 'a');
	CHECK_EQ_INT_MSG(k.overflow, 0, "key_init clears overflow");
	CHECK_EQ_U64(k.n, 1);

	key_init(&k, 'a');
	key_bytes(&k, big, KEY_MAX - 1 - 8);
	key_u64(&k, 7);
	CHECK_EQ_U64(k.n, KEY_MAX);
	CHECK_EQ_INT_MSG(k.overflow, 0, "a u64 ending exactly at KEY_MAX");

	key_init(&k, 'a');
	key_bytes(&k, big, KEY_MAX - 1 - 7);
	key_i64(&k, 7);
	CHECK_EQ_INT_MSG(k.overflow, 1, "a u64 one byte too long");
	CHECK_EQ_U64(k.n, KEY_MAX - 7);
	key_u8(&k, 1);
	CHECK_EQ_INT_MSG(k.overflow, 1, "overflow is sticky, even when a byte would fit");
	CHECK_EQ_U64_MSG(k.n, KEY_MAX - 7, "nothing appended after overflow");

	key_init(&k, 'a');
	key_bytes(&k, big, KEY_MAX);
	CHECK_EQ_INT_MSG(k.overflow, 1, "prefix + KEY_MAX bytes");
	key_init(&k, 'a');
	key_bytes(&k, big, (size_t)-1);
	CHECK_EQ_INT_MSG(k.overflow, 1, "SIZE_MAX bytes (no wrap-around)");
	CHECK_EQ_U64(k.n, 1);
}

static void test_rec(void)
{
	struct buf b;
	struct rec_reader r;
	unsigned char blob[16], got[16];
	char *s;

	check_section("rec");
	for (int i = 0; i < 16; i++)
		blob[i] = (unsigned char)(i * 17);
	buf_init(&b);
	rec_put_u64(&b, 0x1122334455667788ULL);
	rec_put_str(&b, "hello");
	rec_put_str(&b, "");
	rec_put_str(&b, NULL);
	rec_put_bytes(&b, blob, 16);
	rec_put_u64(&b, UINT64_MAX);
	rec_put_str(&b, "Zo\xc3\xab \"q\"\n");

	rec_reader_init(&r, b.p, b.len);
	CHECK_EQ_U64(rec_get_u64(&r), 0x1122334455667788ULL);
	s = rec_get_str(&r);
	CHECK_EQ_STR(s, "hello");
	free(s);
	s = rec_get_str(&r);
	CHECK_EQ_STR(s, "");
	free(s);
	s = rec_get_str(&r);
	CHECK_EQ_STR_MSG(s, "", "NULL is written as empty");
	free(s);
	memset(got, 0, sizeof(got));
	rec_get_bytes(&r, got, 16);
	CHECK_EQ_MEM(got, 16, blob, 16);
	CHECK_EQ_U64(rec_get_u64(&r), UINT64_MAX);
	s = rec_get_str(&r);
	CHECK_EQ_STR(s, "Zo\xc3\xab \"q\"\n");
	free(s);
	CHECK_EQ_INT_MSG(r.bad, 0, "full read is not bad");
	CHECK_EQ_U64_MSG(r.off, b.len, "everything consumed");
	/* Reading past the end. */
	CHECK_EQ_U64(rec_get_u64(&r), 0);
	CHECK_EQ_INT_MSG(r.bad, 1, "u64 past the end is bad");

	/* Every truncation of the record makes the full read bad. */
	{
		int missed = 0, leaked_text = 0;
		for (size_t cut = 0; cut < b.len; cut++) {
			struct rec_reader t;
			char *s1, *s2, *s3, *s4;
			rec_reader_init(&t, b.p, cut);
			rec_get_u64(&t);
			s1 = rec_get_str(&t);
			s2 = rec_get_str(&t);
			s3 = rec_get_str(&t);
			rec_get_bytes(&t, got, 16);
			rec_get_u64(&t);
			s4 = rec_get_str(&t);
			if (!t.bad)
				missed++;
			if (t.bad && strcmp(s4, "") != 0)
				leaked_text++;
			if (t.off > cut)
				missed++;
			free(s1);
			free(s2);
			free(s3);
			free(s4);
		}
		CHECK_EQ_INT_MSG(missed, 0, "every truncation (0..len-1 bytes) is bad, never read past len");
		CHECK_EQ_INT_MSG(leaked_text, 0, "a bad reader returns empty strings");
	}

	/* A string whose length field is damaged. */
	{
		struct buf d;
		buf_init(&d);
		rec_put_str(&d, "abc");
		memset(d.p, 0xff, d.len);
		rec_reader_init(&r, d.p, d.len);
		s = rec_get_str(&r);
		CHECK_EQ_INT_MSG(r.bad, 1, "length field of 0xff bytes");
		CHECK_EQ_STR(s, "");
		free(s);
		buf_free(&d);
	}
	/* Bytes of the wrong size. */
	rec_reader_init(&r, b.p, b.len);
	rec_get_u64(&r);
	memset(got, 0x55, sizeof(got));
	rec_get_bytes(&r, got, 4);
	CHECK_EQ_INT_MSG(r.bad, 1, "rec_get_bytes of 4 on a 5-byte field is bad");
	rec_reader_init(&r, b.p, b.len);
	rec_get_u64(&r);
	rec_get_bytes(&r, got, 6);
	CHECK_EQ_INT_MSG(r.bad, 1, "rec_get_bytes of 6 on a 5-byte field is bad");
	rec_reader_init(&r, b.p, b.len);
	rec_get_u64(&r);
	rec_get_bytes(&r, got, 5);
	CHECK_EQ_INT_MSG(r.bad, 0, "rec_get_bytes of 5 on a 5-byte field");
	CHECK_EQ_MEM(got, 5, "hello", 5);
	buf_free(&b);
}

int main(void)
{
	test_ints();
	test_sort_image();
	test_overflow();
	test_rec();
	return check_done();
}
