/* secret: random hex secrets, SHA-256 storage hashes, constant-time compare. */
#include "config.h"
#include "secret.h"
#include "util.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

int secret_random_hex(char *out, size_t nbytes)
{
	unsigned char raw[64];

	if (nbytes > sizeof(raw) || RAND_bytes(raw, (int)nbytes) != 1)
		return -1;
	util_hex(raw, nbytes, out);
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

/* OpenSSL 3 looks the implementation of a legacy handle (EVP_md5() ...) up
 * again on every EVP_Digest, about 5,000 instructions on each signed request;
 * one fetched per process is kept instead (docs/performance.md). */
static const EVP_MD *secret_md(const EVP_MD *legacy)
{
	static EVP_MD *fetched[3];
	static const char *const names[3] = { "MD5", "SHA1", "SHA256" };
	int i = legacy == EVP_md5() ? 0 : legacy == EVP_sha1() ? 1 : legacy == EVP_sha256() ? 2 : -1;

	if (i < 0)
		return legacy;
	if (!fetched[i])
		fetched[i] = EVP_MD_fetch(NULL, names[i], NULL);
	return fetched[i] ? fetched[i] : legacy;
}

void secret_init(void)
{
	(void)secret_md(EVP_md5());
	(void)secret_md(EVP_sha1());
	(void)secret_md(EVP_sha256());
}

static void secret_digest(const EVP_MD *md, const void *p, size_t n, unsigned char *out)
{
	unsigned int len = 0;

	md = secret_md(md);
	if (EVP_Digest(p, n, out, &len, md, NULL) != 1)
		memset(out, 0, (size_t)EVP_MD_get_size(md));
}

void secret_hash(const char *secret, unsigned char out[SECRET_HASH_LEN])
{
	size_t n = strlen(secret);
	char *low = xstrndup(secret, n);

	util_lower(low);
	secret_digest(EVP_sha256(), low, n, out);
	OPENSSL_cleanse(low, n);
	free(low);
}

int secret_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

void secret_md5_hex(const void *p, size_t n, char out[33])
{
	unsigned char d[16];
	secret_digest(EVP_md5(), p, n, d);
	util_hex(d, 16, out);
}

void secret_sha256(const void *p, size_t n, unsigned char out[SECRET_HASH_LEN])
{
	secret_digest(EVP_sha256(), p, n, out);
}

void secret_sha1_hex(const void *p, size_t n, char out[41])
{
	unsigned char d[20];
	secret_digest(EVP_sha1(), p, n, d);
	util_hex(d, 20, out);
}
