/* request: one FastCGI request turned into plain data: method, the raw URI
 * (Game Jolt signatures cover its exact bytes), path, decoded parameters from
 * the query and an urlencoded body, the body itself, and headers. Every limit
 * on untrusted input is enforced here, before any handler runs. */
#ifndef ARCADE_REQUEST_H
#define ARCADE_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#define REQ_MAX_PARAMS 256
#define REQ_MAX_NAME 256
#define REQ_MAX_URI 65536
#define REQ_JSON_DEPTH 32
#define REQ_MAX_CAPS 4

struct json_object;

struct kv {
	char *key;
	char *val;
	size_t vlen;
};

enum req_method { M_GET = 1, M_POST = 2, M_PATCH = 4, M_PUT = 8, M_DELETE = 16, M_OPTIONS = 32, M_HEAD = 64 };

struct req {
	char **envp;          /* CGI params, owned by libfcgi */
	const char *method;
	unsigned method_id;
	char *uri;            /* raw REQUEST_URI */
	char *path;           /* raw path: up to the first '?' or '&' */
	char *query;          /* raw query: what follows that separator */
	const char *host;     /* Host as the client sent it, port included */
	const char *scheme;
	const char *remote_addr;
	const char *content_type;
	char *body;
	size_t body_len;
	int body_read;        /* the whole body (or none) was read from the server */
	struct kv *params;    /* query parameters, then form fields */
	size_t nparams, nquery, capparams;
	const char *caps[REQ_MAX_CAPS]; /* path segments captured by the route (raw) */
	size_t ncaps;
	struct json_object *json;
};

/* Fills method, URI, path, query, host, scheme from CGI params. */
int req_init(struct req *r, char **envp);
void req_free(struct req *r);
const char *req_env(const struct req *r, const char *name);
/* Decodes "a=1&b=2" (either '+' or %20 for space) and appends the pairs. */
int req_decode_pairs(struct req *r, const char *s, size_t n);
/* Decodes the query and, for application/x-www-form-urlencoded, the body. */
int req_parse_params(struct req *r);
/* The last value of a parameter (PHP semantics), or NULL. */
const char *req_param(const struct req *r, const char *name);
/* 0 when the body is one JSON value that req_parse_json takes (strict
 * RFC 8259, UTF-8, no NUL, depth-limited), else ARC_EJSON. */
int req_json_valid(const struct req *r);
/* Parses the body as JSON (depth-limited) into r->json. */
int req_parse_json(struct req *r);
/* Percent-decodes n bytes into a new string; '+' becomes ' ' if plus. */
int req_unescape(const char *s, size_t n, int plus, char **out, size_t *outlen);
unsigned req_method_id(const char *m);
#endif
