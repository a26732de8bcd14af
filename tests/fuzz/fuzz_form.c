/* fuzz_form: an application/x-www-form-urlencoded body decoded into
 * parameters (req_parse_params). Whatever decodes must decode to the same
 * pairs again once re-encoded, so nothing is lost or invented.
 * Input: the body. */
#include "config.h"
#include "fuzz.h"
#include "../../src/errors.h"
#include "../../src/request.h"
#include "../../src/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void encode(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		    c == '_' || c == '.') {
			buf_addc(b, (char)c);
		} else if (c == ' ') {
			buf_addc(b, '+');
		} else {
			buf_addc(b, '%');
			buf_addc(b, hex[c >> 4]);
			buf_addc(b, hex[c & 15]);
		}
	}
}

static void body_req(struct req *r, const char *p, size_t n)
{
	static char *env[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/api/game/v1_2/data-store/set/",
			       "CONTENT_TYPE=application/x-www-form-urlencoded", NULL };
	FUZZ_CHECK(req_init(r, env) == 0);
	r->body = malloc(n + 1);
	if (!r->body)
		abort();
	memcpy(r->body, p, n);
	r->body[n] = '\0';
	r->body_len = n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct req r, again;
	struct buf b;
	int rc;

	FUZZ_INPUT(data);
	body_req(&r, (const char *)data, size);
	rc = req_parse_params(&r);
	if (rc != 0) {
		FUZZ_CHECK(rc == ARC_EBADENC || rc == ARC_ETOOMANY || rc == ARC_ETOOLONG || rc == ARC_EUTF8);
		req_free(&r);
		return 0;
	}
	FUZZ_CHECK(r.nquery == 0 && r.nparams <= REQ_MAX_PARAMS);
	buf_init(&b);
	for (size_t i = 0; i < r.nparams; i++) {
		if (i)
			buf_addc(&b, '&');
		encode(&b, r.params[i].key, strlen(r.params[i].key));
		buf_addc(&b, '=');
		encode(&b, r.params[i].val, r.params[i].vlen);
	}
	body_req(&again, b.len ? b.p : "", b.len);
	rc = req_parse_params(&again);
	/* A key longer than REQ_MAX_NAME * 3 bytes once encoded is refused
	 * before decoding; every decoded key is at most REQ_MAX_NAME bytes,
	 * so its encoding (3 per byte at most) always passes. */
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(again.nparams == r.nparams);
	for (size_t i = 0; i < r.nparams; i++) {
		FUZZ_CHECK(strcmp(again.params[i].key, r.params[i].key) == 0);
		FUZZ_CHECK(again.params[i].vlen == r.params[i].vlen);
		FUZZ_CHECK(memcmp(again.params[i].val, r.params[i].val, r.params[i].vlen) == 0);
	}
	buf_free(&b);
	req_free(&again);
	req_free(&r);
	return 0;
}
