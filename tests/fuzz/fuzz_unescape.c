/* fuzz_unescape: percent-decoding (req_unescape), checked against a second,
 * independent decoder written here from RFC 3986 and the HTML form rules.
 * Input: one flag byte ('+' as space when odd), then the text. */
#include "config.h"
#include "fuzz.h"
#include "../../src/errors.h"
#include "../../src/request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int hexval(unsigned char c)
{
	static const char digits[] = "0123456789abcdef";
	const char *p;
	if (c >= 'A' && c <= 'F')
		c = (unsigned char)(c - 'A' + 'a');
	p = c ? strchr(digits, c) : NULL;
	return p ? (int)(p - digits) : -1;
}

/* -1 for a '%' not followed by two hex digits. */
static long reference(const unsigned char *s, size_t n, int plus, unsigned char *out)
{
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (n - i < 3 || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0)
				return -1;
			out[j++] = (unsigned char)(hexval(s[i + 1]) << 4 | hexval(s[i + 2]));
			i += 2;
		} else {
			out[j++] = plus && s[i] == '+' ? ' ' : s[i];
		}
	}
	return (long)j;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f;
	int plus;
	size_t n, outlen = 0;
	char *in, *out = NULL;
	unsigned char *want;
	long wlen;
	int rc;

	FUZZ_INPUT(data);
	fz_init(&f, data, size);
	plus = fz_byte(&f) & 1;
	in = fz_rest(&f, &n); /* not NUL-terminated: the length is what counts */
	want = malloc(n + 1);
	if (!want)
		abort();
	wlen = reference((const unsigned char *)in, n, plus, want);
	rc = req_unescape(in, n, plus, &out, &outlen);
	if (wlen < 0) {
		FUZZ_CHECK(rc == ARC_EBADENC);
	} else {
		FUZZ_CHECK(rc == 0);
		FUZZ_CHECK(outlen == (size_t)wlen);
		FUZZ_CHECK(memcmp(out, want, outlen) == 0);
		FUZZ_CHECK(out[outlen] == '\0');
		free(out);
	}
	free(want);
	free(in);
	return 0;
}
