/* fuzz_cgi: FastCGI params (as libfcgi hands them over: "NAME=value"
 * strings), the request line split into path and query, and the query and
 * an urlencoded body decoded into parameters.
 * Input: CGI params, one per line; then a NUL byte and the body. */
#include "config.h"
#include "fuzz.h"
#include "../../src/errors.h"
#include "../../src/request.h"
#include "../../src/router.h"
#include "../../src/util.h"

#define MAX_ENV 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_params(const struct req *r)
{
	FUZZ_CHECK(r->nparams <= REQ_MAX_PARAMS);
	FUZZ_CHECK(r->nquery <= r->nparams);
	for (size_t i = 0; i < r->nparams; i++) {
		const struct kv *p = &r->params[i];
		size_t kl = strlen(p->key);
		/* Decoded text is UTF-8 without NUL: it reaches JSON, XML, LMDB keys. */
		FUZZ_CHECK(kl <= REQ_MAX_NAME);
		FUZZ_CHECK(strlen(p->val) == p->vlen);
		FUZZ_CHECK(util_utf8_valid(p->key, kl));
		FUZZ_CHECK(util_utf8_valid(p->val, p->vlen));
		/* PHP semantics: the last value of a name wins. */
		const char *v = req_param(r, p->key);
		FUZZ_CHECK(v != NULL);
		if (i + 1 == r->nparams)
			FUZZ_CHECK(v == p->val);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul;
	size_t envlen;
	char *env[MAX_ENV + 1];
	size_t n = 0;
	struct fz f;
	struct req r;
	int rc;

	FUZZ_INPUT(data);
	nul = memchr(data, 0, size);
	envlen = nul ? (size_t)(nul - data) : size;
	fz_init(&f, data, envlen);
	while (f.n && n < MAX_ENV)
		env[n++] = fz_field(&f, '\n', NULL);
	env[n] = NULL;

	rc = req_init(&r, env);
	if (rc == 0) {
		size_t ul = strlen(r.uri), pl = strlen(r.path), ql = strlen(r.query);
		/* The path ends at the first '?' or '&'; the query is what follows. */
		FUZZ_CHECK(r.method && r.host && r.scheme && r.remote_addr && r.content_type);
		FUZZ_CHECK(strncmp(r.uri, r.path, pl) == 0);
		FUZZ_CHECK(strpbrk(r.path, "?&") == NULL);
		FUZZ_CHECK(pl == ul ? ql == 0 : pl + 1 + ql == ul && strcmp(r.uri + pl + 1, r.query) == 0);
		FUZZ_CHECK(router_family(r.path) != NULL);
		if (nul) {
			/* The worker reads exactly CONTENT_LENGTH bytes and adds a NUL. */
			r.body_len = size - envlen - 1;
			r.body = malloc(r.body_len + 1);
			if (!r.body)
				abort();
			memcpy(r.body, nul + 1, r.body_len);
			r.body[r.body_len] = '\0';
		}
		rc = req_parse_params(&r);
		FUZZ_CHECK(rc >= 0 && rc < ARC__COUNT);
		if (rc == 0)
			check_params(&r);
		else
			FUZZ_CHECK(rc == ARC_EBADENC || rc == ARC_ETOOMANY || rc == ARC_ETOOLONG || rc == ARC_EUTF8);
		req_free(&r);
	} else {
		FUZZ_CHECK(rc == ARC_ETOOLONG);
		req_free(&r);
	}
	for (size_t i = 0; i < n; i++)
		free(env[i]);
	return 0;
}
