/* secret: generating, hashing and comparing secrets (player tokens, API
 * keys, private keys). Random bytes come from OpenSSL's CSPRNG, seeded by the
 * OS; stored forms are SHA-256 digests; comparisons are constant-time. */
#ifndef ARCADE_SECRET_H
#define ARCADE_SECRET_H

#include <stddef.h>

#define SECRET_HASH_LEN 32

/* Loads OpenSSL's digests now (its first use reads its configuration:
 * millions of instructions) rather than in a worker's first request. */
void secret_init(void);
/* Writes 2*nbytes lowercase hex digits and a NUL into out. 0 or -1. */
int secret_random_hex(char *out, size_t nbytes);
/* SHA-256 of the ASCII-lowercased secret: tokens compare case-insensitively. */
void secret_hash(const char *secret, unsigned char out[SECRET_HASH_LEN]);
int secret_equal(const void *a, const void *b, size_t n);
/* Lowercase hex digests for Game Jolt signatures: 32 (MD5) or 40 (SHA-1) digits. */
void secret_md5_hex(const void *p, size_t n, char out[33]);
void secret_sha1_hex(const void *p, size_t n, char out[41]);
/* Plain SHA-256 of n bytes (digests of names in keys; nothing secret). */
void secret_sha256(const void *p, size_t n, unsigned char out[SECRET_HASH_LEN]);
#endif
