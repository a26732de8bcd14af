/* fuzz_upload_sniff: image type sniffing of TeamBattles uploads
 * (upload_sniff) and the hex checks of upload tokens and storage ids. A type
 * is only ever named when its signature bytes are there, and the bytes are
 * read within their length (an exact-size copy).
 * Input: the uploaded bytes. */
#include "config.h"
#include "fuzz.h"
#include "../../src/uploads.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f;
	size_t n;
	char *b;
	const char *t;

	FUZZ_INPUT(data);
	fz_init(&f, data, size);
	b = fz_rest(&f, &n);
	t = upload_sniff(b, n);
	if (t) {
		const unsigned char *u = (const unsigned char *)b;
		if (strcmp(t, "image/png") == 0)
			FUZZ_CHECK(n >= 16 && memcmp(u, "\x89PNG\r\n\x1a\n", 8) == 0);
		else if (strcmp(t, "image/jpeg") == 0)
			FUZZ_CHECK(n >= 3 && u[0] == 0xff && u[1] == 0xd8 && u[2] == 0xff);
		else if (strcmp(t, "image/gif") == 0)
			FUZZ_CHECK(n >= 6 && memcmp(u, "GIF8", 4) == 0);
		else if (strcmp(t, "image/webp") == 0)
			FUZZ_CHECK(n >= 16 && memcmp(u, "RIFF", 4) == 0 && memcmp(u + 8, "WEBP", 4) == 0);
		else
			FUZZ_CHECK(strcmp(t, "image/avif") == 0 && n >= 16 && memcmp(u + 4, "ftyp", 4) == 0);
		/* The same bytes, the same answer. */
		FUZZ_CHECK(upload_sniff(b, n) == t);
	}
	/* Tokens and storage ids arrive in the URL path and in JSON bodies. */
	if (upload_hex_valid(b, n, n))
		for (size_t i = 0; i < n; i++)
			FUZZ_CHECK((b[i] >= '0' && b[i] <= '9') || (b[i] >= 'a' && b[i] <= 'f'));
	FUZZ_CHECK(!upload_hex_valid(b, n, n + 1));
	(void)upload_hex_valid(b, n, UPLOAD_TOKEN_LEN);
	(void)upload_hex_valid(b, n, UPLOAD_SID_LEN);
	free(b);
	return 0;
}
