/* gj_sig: Game Jolt request signatures.
 *   signature = hex(H(URL + private_key)), H = MD5 or SHA-1
 * where URL is what the client built ("scheme://host/path?query" without
 * the signature parameter) followed, for POST, by every field sorted by name
 * as name+value. Clients differ in the URL they signed, so a request passes
 * if any of these matches: the request's host or a configured alias, http or
 * https, the raw URI or its percent-decoded form (with or without '+' as a
 * space). Hex is compared case-insensitively and in constant time. */
#ifndef ARCADE_GJ_SIG_H
#define ARCADE_GJ_SIG_H

#include <stddef.h>

struct gj_sig_in {
	const char *uri;              /* raw request URI, signature removed */
	const char *host;             /* Host the request came in on */
	const char *const *aliases;   /* further hosts clients may have signed */
	size_t naliases;
	const char *post;             /* sorted POST fields, concatenated; "" for none */
	const char *key;              /* the game's private key */
	const char *sig;              /* as sent */
};

/* Removes the signature parameter from a raw URI. *sig is NULL when the URI
 * has none. Both results are newly allocated. */
void gj_sig_strip(const char *uri, char **uri_out, char **sig);
/* 1 when the signature matches one of the accepted URL forms. */
int gj_sig_verify(const struct gj_sig_in *in);
/* 1 when sig = H(text + key) for MD5 or SHA-1 (batch sub-requests). */
int gj_sig_match(const char *text, size_t n, const char *key, const char *sig);
#endif
