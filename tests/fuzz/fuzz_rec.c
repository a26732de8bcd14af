/* fuzz_rec: stored records and keys. rec.h promises that a damaged record
 * is an error, never a read out of bounds: the reader gets hostile bytes and
 * a hostile sequence of field reads. Writing fields and reading them back
 * gives them back; integer keys sort as their numbers, and a key never
 * grows past KEY_MAX.
 * Input: a count byte, that many field-type bytes, then the record. */
#include "config.h"
#include "fuzz.h"
#include "../../src/key.h"
#include "../../src/rec.h"
#include "../../src/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_damaged(const unsigned char *ops, size_t nops, const uint8_t *p, size_t n)
{
	char *copy = malloc(n ? n : 1);
	struct rec_reader r;
	unsigned char out[64];

	if (!copy)
		abort();
	memcpy(copy, p, n);
	rec_reader_init(&r, copy, n);
	for (size_t i = 0; i < nops; i++) {
		int was_bad = r.bad;
		switch (ops[i] % 5) {
		case 0: (void)rec_get_u64(&r); break;
		case 1: (void)rec_get_dbl(&r); break;
		case 2: free(rec_get_str(&r)); break;
		case 3: rec_get_bytes(&r, out, ops[i] % sizeof(out)); break;
		case 4: rec_skip(&r); break;
		}
		FUZZ_CHECK(r.off <= r.len);
		FUZZ_CHECK(!was_bad || r.bad); /* bad stays bad */
	}
	free(copy);
}

static void round_trip(const uint8_t *p, size_t n)
{
	struct fz f;
	struct buf b;
	struct rec_reader r;
	uint64_t u;
	char *s, *got;
	size_t sl;

	fz_init(&f, p, n);
	u = fz_u64(&f);
	s = fz_field(&f, 0, &sl);
	buf_init(&b);
	rec_put_u64(&b, u);
	rec_put_str(&b, s);
	rec_put_bytes(&b, p, n);
	rec_reader_init(&r, b.p, b.len);
	FUZZ_CHECK(rec_get_u64(&r) == u);
	got = rec_get_str(&r);
	FUZZ_CHECK(strcmp(got, s) == 0);
	free(got);
	{
		/* Skipping a field lands where reading it does. */
		struct rec_reader k;
		rec_reader_init(&k, b.p, b.len);
		(void)rec_get_u64(&k);
		rec_skip(&k);
		FUZZ_CHECK(!k.bad && k.off == r.off);
	}
	got = rec_get_str(&r); /* the bytes, read as a string up to a NUL */
	FUZZ_CHECK(!r.bad && r.off == r.len && strncmp(got, (const char *)p, n) == 0);
	free(got);
	buf_free(&b);
	free(s);
}

static void keys(const uint8_t *p, size_t n)
{
	struct fz f;
	int64_t a, b;
	struct key ka, kb;

	fz_init(&f, p, n);
	a = (int64_t)fz_u64(&f);
	b = (int64_t)fz_u64(&f);
	key_init(&ka, 'S');
	key_i64(&ka, a);
	key_init(&kb, 'S');
	key_i64(&kb, b);
	{
		int c = memcmp(ka.b, kb.b, ka.n);
		FUZZ_CHECK(a < b ? c < 0 : a > b ? c > 0 : c == 0);
	}
	FUZZ_CHECK(key_get_i64(ka.b + 1) == a);
	for (int desc = 0; desc < 2; desc++) {
		uint64_t ia = key_sort_image(a, desc), ib = key_sort_image(b, desc);
		FUZZ_CHECK(key_sort_from_image(ia, desc) == a);
		/* "better" is always smaller */
		if (a != b)
			FUZZ_CHECK((ia < ib) == (desc ? a > b : a < b));
	}
	key_bytes(&ka, p, n);
	FUZZ_CHECK(ka.n <= KEY_MAX);
	FUZZ_CHECK(ka.overflow == (1 + 8 + n > KEY_MAX));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f;
	unsigned nops;
	unsigned char ops[256];

	FUZZ_INPUT(data);
	fz_init(&f, data, size);
	nops = fz_byte(&f);
	for (unsigned i = 0; i < nops; i++)
		ops[i] = (unsigned char)fz_byte(&f);
	read_damaged(ops, nops, f.p, f.n);
	round_trip(data, size);
	keys(data, size);
	return 0;
}
