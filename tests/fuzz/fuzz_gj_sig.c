/* fuzz_gj_sig: the Game Jolt signature check. gj_sig_strip() on a hostile
 * URI, gj_sig_verify() with a hostile signature (must never crash), and
 * with signatures computed here over each accepted URL form (must pass),
 * and one digit off (must fail).
 * Input: a flag byte, then URI, host, alias, key and signature, each ending
 * in a newline, then the POST suffix (the rest). */
#include "config.h"
#include "fuzz.h"
#include "../../src/gj_sig.h"
#include "../../src/request.h"
#include "../../src/secret.h"
#include "../../src/util.h"

#include <ctype.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sign(const char *scheme, const char *host, const char *uri, const char *post, const char *key,
		 int sha1, char out[41])
{
	struct buf b;
	buf_init(&b);
	buf_printf(&b, "%s://%s%s%s%s", scheme, host, uri, post, key);
	if (sha1)
		secret_sha1_hex(b.p, b.len, out);
	else
		secret_md5_hex(b.p, b.len, out);
	buf_free(&b);
}

static int verify(const char *uri, const char *host, const char *alias, const char *post, const char *key,
		  const char *sig)
{
	const char *aliases[1] = { alias };
	struct gj_sig_in in = { uri, host, aliases, 1, post, key, sig };
	return gj_sig_verify(&in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f;
	unsigned flags;
	char *uri, *host, *alias, *key, *sig, *post, *bare, *got, want[41];
	size_t postlen;

	FUZZ_INPUT(data);
	fz_init(&f, data, size);
	flags = fz_byte(&f);
	uri = fz_field(&f, '\n', NULL);
	host = fz_field(&f, '\n', NULL);
	alias = fz_field(&f, '\n', NULL);
	key = fz_field(&f, '\n', NULL);
	sig = fz_field(&f, '\n', NULL);
	post = fz_rest(&f, &postlen);
	post = realloc(post, postlen + 1);
	if (!post)
		abort();
	post[postlen] = '\0';

	/* Stripping removes exactly "?signature=" or "&signature=" and the value
	 * (or the value and the '&' after it, keeping the '?'). */
	gj_sig_strip(uri, &bare, &got);
	FUZZ_CHECK(bare != NULL);
	if (!got)
		FUZZ_CHECK(strcmp(bare, uri) == 0);
	else
		FUZZ_CHECK(strlen(bare) + 11 + strlen(got) == strlen(uri) && strstr(uri, got) != NULL);

	/* Anything the client sends as a signature. */
	(void)verify(bare, host, alias, post, key, sig);
	(void)gj_sig_match(uri, strlen(uri), key, sig);

	/* A signature made over one accepted form passes, and one digit off fails. */
	{
		static const char *const schemes[] = { "http", "https" };
		const char *h = flags & 1 ? alias : host, *form = bare;
		char *dec = NULL;
		size_t declen;
		int sha1 = (flags >> 1) & 1;

		if ((flags & 4) && req_unescape(bare, strlen(bare), (flags >> 3) & 1, &dec, &declen) == 0 &&
		    strlen(dec) == declen)
			form = dec;
		sign(schemes[(flags >> 4) & 1], h, form, post, key, sha1, want);
		if (flags & 32)
			for (char *p = want; *p; p++)
				*p = (char)toupper((unsigned char)*p);
		FUZZ_CHECK(verify(bare, host, alias, post, key, want) == 1);
		want[flags % (sha1 ? 40 : 32)] ^= 0x01; /* '0'<->'1', 'a'<->'`'... always another byte */
		FUZZ_CHECK(verify(bare, host, alias, post, key, want) == 0);
		free(dec);
	}
	free(bare);
	free(got);
	free(uri);
	free(host);
	free(alias);
	free(key);
	free(sig);
	free(post);
	return 0;
}
