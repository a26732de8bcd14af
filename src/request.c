/* request: CGI params, query strings and bodies to plain data, with limits. */
#include "config.h"
#include "request.h"
#include "errors.h"
#include "json_check.h"
#include "util.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct { const char *name; unsigned id; } req_methods[] = {
	{ "GET", M_GET }, { "POST", M_POST }, { "PATCH", M_PATCH }, { "PUT", M_PUT },
	{ "DELETE", M_DELETE }, { "OPTIONS", M_OPTIONS }, { "HEAD", M_HEAD },
};

unsigned req_method_id(const char *m)
{
	for (size_t i = 0; i < sizeof(req_methods) / sizeof(req_methods[0]); i++)
		if (strcmp(m, req_methods[i].name) == 0)
			return req_methods[i].id;
	return 0;
}

const char *req_env(const struct req *r, const char *name)
{
	size_t n = strlen(name);
	if (!r->envp)
		return NULL;
	for (char **e = r->envp; *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

int req_init(struct req *r, char **envp)
{
	const char *uri, *https, *sep;

	memset(r, 0, sizeof(*r));
	r->envp = envp;
	r->method = req_env(r, "REQUEST_METHOD");
	if (!r->method)
		r->method = "GET";
	r->method_id = req_method_id(r->method);
	uri = req_env(r, "REQUEST_URI");
	if (!uri || !*uri)
		uri = "/";
	/* An over-long URI is refused, but its path is still read so that the
	 * refusal comes in the family's own format. */
	r->uri = strlen(uri) > REQ_MAX_URI ? xstrndup(uri, REQ_MAX_URI) : xstrdup(uri);
	/* Some Game Jolt clients send ".../scores/&limit=10" with no '?':
	 * the first '?' or '&' ends the path either way. */
	sep = r->uri + strcspn(r->uri, "?&");
	r->path = xstrndup(r->uri, (size_t)(sep - r->uri));
	r->query = xstrdup(*sep ? sep + 1 : "");
	r->host = req_env(r, "HTTP_HOST");
	if (!r->host || !*r->host)
		r->host = req_env(r, "SERVER_NAME");
	if (!r->host)
		r->host = "";
	https = req_env(r, "HTTPS");
	r->scheme = req_env(r, "REQUEST_SCHEME");
	if (!r->scheme || !*r->scheme)
		r->scheme = https && *https && strcasecmp(https, "off") ? "https" : "http";
	r->remote_addr = req_env(r, "REMOTE_ADDR");
	if (!r->remote_addr)
		r->remote_addr = "-";
	r->content_type = req_env(r, "CONTENT_TYPE");
	if (!r->content_type)
		r->content_type = "";
	return strlen(uri) > REQ_MAX_URI ? ARC_ETOOLONG : 0;
}

void req_free(struct req *r)
{
	for (size_t i = 0; i < r->nparams; i++) {
		free(r->params[i].key);
		free(r->params[i].val);
	}
	free(r->params);
	free(r->uri);
	free(r->path);
	free(r->query);
	free(r->body);
	if (r->json)
		json_object_put(r->json);
	memset(r, 0, sizeof(*r));
}

static int req_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int req_unescape(const char *s, size_t n, int plus, char **out, size_t *outlen)
{
	char *d = xmalloc(n + 1);
	size_t j = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi, lo;
			if (i + 2 >= n || (hi = req_hexval((unsigned char)s[i + 1])) < 0 ||
			    (lo = req_hexval((unsigned char)s[i + 2])) < 0) {
				free(d);
				return ARC_EBADENC;
			}
			d[j++] = (char)(hi * 16 + lo);
			i += 2;
		} else if (s[i] == '+' && plus) {
			d[j++] = ' ';
		} else {
			d[j++] = s[i];
		}
	}
	d[j] = '\0';
	*out = d;
	*outlen = j;
	return 0;
}

/* Decoded text must be UTF-8 without NUL: it ends up in JSON and XML. */
static int req_text_ok(const char *s, size_t n)
{
	return memchr(s, '\0', n) == NULL && util_utf8_valid(s, n);
}

static int req_add_pair(struct req *r, const char *p, size_t n)
{
	const char *eq = memchr(p, '=', n);
	size_t klen = eq ? (size_t)(eq - p) : n;
	char *k, *v;
	size_t kl, vl;
	int rc;

	if (n == 0)
		return 0; /* "a=1&&b=2" */
	if (r->nparams >= REQ_MAX_PARAMS)
		return ARC_ETOOMANY;
	if (klen > REQ_MAX_NAME * 3)
		return ARC_ETOOLONG;
	rc = req_unescape(p, klen, 1, &k, &kl);
	if (rc)
		return rc;
	if (kl > REQ_MAX_NAME) {
		free(k);
		return ARC_ETOOLONG;
	}
	rc = eq ? req_unescape(eq + 1, n - klen - 1, 1, &v, &vl) : 0;
	if (rc) {
		free(k);
		return rc;
	}
	if (!eq) {
		v = xstrdup("");
		vl = 0;
	}
	if (!req_text_ok(k, kl) || !req_text_ok(v, vl)) {
		free(k);
		free(v);
		return ARC_EUTF8;
	}
	if (r->nparams == r->capparams) {
		r->capparams = r->capparams ? r->capparams * 2 : 16;
		r->params = xrealloc(r->params, r->capparams * sizeof(*r->params));
	}
	r->params[r->nparams].key = k;
	r->params[r->nparams].val = v;
	r->params[r->nparams].vlen = vl;
	r->nparams++;
	return 0;
}

int req_decode_pairs(struct req *r, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		const char *amp = memchr(s + i, '&', n - i);
		size_t end = amp ? (size_t)(amp - s) : n;
		int rc = req_add_pair(r, s + i, end - i);
		if (rc)
			return rc;
		i = end + 1;
	}
	return 0;
}

static int req_is_form(const char *ct)
{
	static const char form[] = "application/x-www-form-urlencoded";
	return strncasecmp(ct, form, sizeof(form) - 1) == 0 &&
	       (ct[sizeof(form) - 1] == '\0' || ct[sizeof(form) - 1] == ';' || ct[sizeof(form) - 1] == ' ');
}

int req_parse_params(struct req *r)
{
	int rc = req_decode_pairs(r, r->query, strlen(r->query));

	if (rc)
		return rc;
	r->nquery = r->nparams;
	if (r->body_len && req_is_form(r->content_type))
		rc = req_decode_pairs(r, r->body, r->body_len);
	return rc;
}

const char *req_param(const struct req *r, const char *name)
{
	for (size_t i = r->nparams; i-- > 0;)
		if (strcmp(r->params[i].key, name) == 0)
			return r->params[i].val;
	return NULL;
}

int req_json_valid(const struct req *r)
{
	if (!r->body_len || memchr(r->body, '\0', r->body_len) || !util_utf8_valid(r->body, r->body_len) ||
	    !json_check(r->body, r->body_len, REQ_JSON_DEPTH))
		return ARC_EJSON;
	return 0;
}

int req_parse_json(struct req *r)
{
	struct json_tokener *tok;
	enum json_tokener_error jerr;

	if (r->json)
		return 0;
	if (req_json_valid(r))
		return ARC_EJSON;
	tok = json_tokener_new_ex(REQ_JSON_DEPTH);
	if (!tok)
		return ARC_EINTERNAL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	/* The body is NUL-terminated; handing json-c the NUL too lets it finish
	 * a bare top-level number ("5"), which it otherwise waits to continue. */
	r->json = json_tokener_parse_ex(tok, r->body, (int)r->body_len + 1);
	jerr = json_tokener_get_error(tok);
	/* Trailing bytes after the value (besides white space) are an error too. */
	if (jerr == json_tokener_success) {
		size_t off = json_tokener_get_parse_end(tok);
		if (off > r->body_len)
			off = r->body_len;
		while (off < r->body_len && strchr(" \t\r\n", r->body[off]))
			off++;
		if (off != r->body_len)
			jerr = json_tokener_error_parse_unexpected;
	}
	json_tokener_free(tok);
	if (jerr != json_tokener_success || !r->json) {
		if (r->json)
			json_object_put(r->json);
		r->json = NULL;
		return ARC_EJSON;
	}
	return 0;
}
