/* fuzz.h: what the libFuzzer targets share: carving one fuzz input into
 * fields, and invariant checks that abort (libFuzzer then keeps the input
 * as a crash file). Each field is copied into its own allocation so that
 * AddressSanitizer sees a read one byte past its end. */
#ifndef ARCADE_FUZZ_H
#define ARCADE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* libFuzzer passes NULL for the empty input; the string functions must not
 * see it (UBSan's nonnull check). Each target starts with this. */
#define FUZZ_INPUT(data) \
	do { \
		if (!(data)) \
			(data) = (const uint8_t *)""; \
	} while (0)

struct fz {
	const uint8_t *p;
	size_t n;
};

static inline void fz_init(struct fz *f, const uint8_t *p, size_t n)
{
	f->p = p;
	f->n = n;
}

/* One byte (0 once the input is used up). */
static inline unsigned fz_byte(struct fz *f)
{
	if (!f->n)
		return 0;
	f->n--;
	return *f->p++;
}

static inline uint64_t fz_u64(struct fz *f)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | fz_byte(f);
	return v;
}

/* n bytes as a new NUL-terminated copy (NUL bytes inside are kept). */
static inline char *fz_cstr(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* The bytes up to the next sep (or the end), as a new NUL-terminated copy;
 * *len gets their count (NUL bytes inside are kept). */
static inline char *fz_field(struct fz *f, int sep, size_t *len)
{
	const uint8_t *e = memchr(f->p, sep, f->n);
	size_t n = e ? (size_t)(e - f->p) : f->n;
	char *s = fz_cstr(f->p, n);

	f->p += n;
	f->n -= n;
	if (e) {
		f->p++;
		f->n--;
	}
	if (len)
		*len = n;
	return s;
}

/* Everything left, as a new copy that is not NUL-terminated (an exact-size
 * allocation: a read past n is caught). */
static inline char *fz_rest(struct fz *f, size_t *len)
{
	char *s = malloc(f->n ? f->n : 1);

	if (!s)
		abort();
	memcpy(s, f->p, f->n);
	*len = f->n;
	f->p += f->n;
	f->n = 0;
	return s;
}
#endif
