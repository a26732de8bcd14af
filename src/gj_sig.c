/* gj_sig: Game Jolt signature checking. */
#include "config.h"
#include "gj_sig.h"
#include "request.h"
#include "secret.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

void gj_sig_strip(const char *uri, char **uri_out, char **sig)
{
	size_t qs = strcspn(uri, "?&"), n = strlen(uri);
	size_t best_start = 0, best_end = 0;
	int found = 0;

	*sig = NULL;
	/* Walk the parameters after the path; remember the last "signature". */
	for (size_t i = qs; i < n;) {
		size_t start = i + 1, end = start + strcspn(uri + start, "&");
		if (end - start >= 10 && strncmp(uri + start, "signature=", 10) == 0) {
			found = 1;
			best_start = i;
			best_end = end;
		}
		i = end;
	}
	if (!found) {
		*uri_out = xstrdup(uri);
		return;
	}
	*sig = xstrndup(uri + best_start + 11, best_end - best_start - 11);
	{
		struct buf b;
		buf_init(&b);
		if (uri[best_start] == '?' && best_end < n) {
			/* "?signature=x&a=1" keeps the '?' and drops "signature=x&". */
			buf_add(&b, uri, best_start + 1);
			buf_adds(&b, uri + best_end + 1);
		} else {
			buf_add(&b, uri, best_start);
			buf_adds(&b, uri + best_end);
		}
		*uri_out = buf_detach(&b);
	}
}

int gj_sig_match(const char *text, size_t n, const char *key, const char *sig)
{
	char want[41], got[41];
	size_t slen = strlen(sig), klen = strlen(key);
	char *msg;
	int ok;

	if (slen != 32 && slen != 40)
		return 0;
	memcpy(got, sig, slen + 1);
	util_lower(got);
	msg = xmalloc(n + klen + 1);
	memcpy(msg, text, n);
	memcpy(msg + n, key, klen + 1);
	if (slen == 32)
		secret_md5_hex(msg, n + klen, want);
	else
		secret_sha1_hex(msg, n + klen, want);
	free(msg);
	ok = secret_equal(want, got, slen);
	return ok;
}

static int gj_sig_try(const char *scheme, const char *host, const char *uri, const struct gj_sig_in *in)
{
	struct buf b;
	int ok;

	buf_init(&b);
	buf_printf(&b, "%s://%s%s%s", scheme, host, uri, in->post);
	ok = gj_sig_match(b.p, b.len, in->key, in->sig);
	buf_free(&b);
	return ok;
}

/* Node's `request` signs a URL built with encodeURIComponent, then escapes
 * !'()* as well before sending: undo just those. */
static char *gj_sig_unescape_subdelims(const char *uri)
{
	static const char *const from[] = { "%21", "%27", "%28", "%29", "%2A", "%2a" };
	static const char to[] = { '!', '\'', '(', ')', '*', '*' };
	char *out = xstrdup(uri), *w = out;

	for (const char *r = uri; *r;) {
		size_t i;
		for (i = 0; i < sizeof(to); i++)
			if (strncmp(r, from[i], 3) == 0)
				break;
		if (i < sizeof(to)) {
			*w++ = to[i];
			r += 3;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return out;
}

int gj_sig_verify(const struct gj_sig_in *in)
{
	static const char *const schemes[] = { "http", "https" };
	char *forms[4] = { NULL, NULL, NULL, NULL };
	size_t nforms = 0, len;
	int ok = 0;

	forms[nforms++] = xstrdup(in->uri);
	if (req_unescape(in->uri, strlen(in->uri), 0, &forms[nforms], &len) == 0)
		nforms++;
	if (req_unescape(in->uri, strlen(in->uri), 1, &forms[nforms], &len) == 0)
		nforms++;
	if (strchr(in->uri, '%'))
		forms[nforms++] = gj_sig_unescape_subdelims(in->uri);
	for (size_t f = 0; f < nforms && !ok; f++)
		for (size_t h = 0; h <= in->naliases && !ok; h++)
			for (size_t s = 0; s < 2 && !ok; s++)
				ok = gj_sig_try(schemes[s], h == 0 ? in->host : in->aliases[h - 1], forms[f], in);
	for (size_t f = 0; f < nforms; f++)
		free(forms[f]);
	return ok;
}
