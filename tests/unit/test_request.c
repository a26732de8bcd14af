/* test_request: query/form decoding, CGI parameters, JSON bodies and route
 * pattern matching. Expected values come from request.h, the Game Jolt
 * design and the contract notes (limits: 256 params, 256-byte names). */
#include "check.h"
#include "../../src/errors.h"
#include "../../src/request.h"
#include "../../src/router.h"
#include "../../src/util.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

/* req_unescape on a C string; returns rc, fills *out (NULL on error). */
static int unesc(const char *s, int plus, char **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	return req_unescape(s, strlen(s), plus, out, len);
}

/* Decodes s into a fresh request; returns the rc. */
static int decode(struct req *r, const char *s)
{
	memset(r, 0, sizeof(*r));
	return req_decode_pairs(r, s, strlen(s));
}

static void test_unescape(void)
{
	char *o;
	size_t n;
	int rc;

	check_section("req_unescape");
	rc = unesc("a%20b+c", 1, &o, &n);
	CHECK_EQ_INT(rc, ARC_OK);
	CHECK_EQ_STR(o, "a b c");
	CHECK_EQ_U64(n, 5);
	free(o);

	rc = unesc("a%20b+c", 0, &o, &n);
	CHECK_EQ_INT(rc, ARC_OK);
	CHECK_EQ_STR_MSG(o, "a b+c", "'+' kept when plus is 0");
	free(o);

	rc = unesc("%41%42%2b%2B%25", 1, &o, &n);
	CHECK_EQ_INT(rc, ARC_OK);
	CHECK_EQ_STR_MSG(o, "AB++%", "upper- and lowercase hex digits");
	CHECK_EQ_U64(n, 5);
	free(o);

	rc = unesc("%C3%A9%e2%82%ac", 1, &o, &n);
	CHECK_EQ_INT(rc, ARC_OK);
	CHECK_EQ_STR(o, "\xc3\xa9\xe2\x82\xac");
	free(o);

	rc = unesc("a%00b", 1, &o, &n);
	CHECK_EQ_INT(rc, ARC_OK);
	CHECK_EQ_MEM(o, n, "a\0b", 3);
	free(o);

	rc = unesc("", 1, &o, &n);
	CHECK_EQ_INT(rc, ARC_OK);
	CHECK_EQ_STR(o, "");
	CHECK_EQ_U64(n, 0);
	free(o);

	/* Only the first n bytes are decoded. */
	o = NULL;
	rc = req_unescape("ab%41cd", 5, 1, &o, &n);
	CHECK_EQ_INT(rc, ARC_OK);
	CHECK_EQ_STR_MSG(o, "abA", "decodes exactly n bytes");
	free(o);
	o = NULL;
	rc = req_unescape("ab%41", 4, 1, &o, &n);
	CHECK_EQ_INT_MSG(rc, ARC_EBADENC, "escape cut by n is truncated");
	if (rc == ARC_OK)
		free(o);

	static const char *const bad[] = { "%zz", "%4", "abc%", "%", "%4g", "%g4", "a%2", "%%41", "x%-1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char desc[64];
		rc = unesc(bad[i], 1, &o, &n);
		snprintf(desc, sizeof(desc), "\"%s\" -> ARC_EBADENC", bad[i]);
		CHECK_EQ_INT_MSG(rc, ARC_EBADENC, desc);
		if (rc == ARC_OK)
			free(o);
	}
}

static void test_pairs(void)
{
	struct req r;
	int rc;

	check_section("req_decode_pairs");
	rc = decode(&r, "a=1&b=hello+world&c=%2B&d=x%20y");
	CHECK_EQ_INT(rc, ARC_OK);
	CHECK_EQ_U64(r.nparams, 4);
	CHECK_EQ_STR(req_param(&r, "a"), "1");
	CHECK_EQ_STR_MSG(req_param(&r, "b"), "hello world", "'+' is a space");
	CHECK_EQ_STR_MSG(req_param(&r, "c"), "+", "%2B is a plus");
	CHECK_EQ_STR(req_param(&r, "d"), "x y");
	CHECK_NULL(req_param(&r, "e"));
	CHECK_NULL(req_param(&r, "A"));
	if (r.nparams == 4) {
		CHECK_EQ_STR(r.params[1].key, "b");
		CHECK_EQ_U64(r.params[1].vlen, 11);
	}
	req_free(&r);

	rc = decode(&r, "a=1&a=2&b=x&a=3");
	CHECK_EQ_INT(rc, ARC_OK);
	CHECK_EQ_STR_MSG(req_param(&r, "a"), "3", "repeated parameter: last wins");
	CHECK_EQ_U64(r.nparams, 4);
	req_free(&r);

	rc = decode(&r, "a=1&&b=2");
	CHECK_EQ_INT(rc, ARC_OK);
	CHECK_EQ_U64_MSG(r.nparams, 2, "empty pair skipped");
	CHECK_EQ_STR(req_param(&r, "a"), "1");
	CHECK_EQ_STR(req_param(&r, "b"), "2");
	req_free(&r);

	rc = decode(&r, "&&x=1&");
	CHECK_EQ_INT(rc, ARC_OK);
	CHECK_EQ_U64(r.nparams, 1);
	CHECK_EQ_STR(req_param(&r, "x"), "1");
	req_free(&r);

	rc = decode(&r, "");
	CHECK_EQ_INT(rc, ARC_OK);
	CHECK_EQ_U64(r.nparams, 0);
	req_free(&r);

	rc = decode(&r, "flag&x=1&empty=");
	CHECK_EQ_INT(rc, ARC_OK);
	CHECK_EQ_U64(r.nparams, 3);
	CHECK_EQ_STR_MSG(req_param(&r, "flag"), "", "key without '=' has an empty value");
	CHECK_EQ_STR(req_param(&r, "empty"), "");
	CHECK_EQ_STR(req_param(&r, "x"), "1");
	req_free(&r);

	rc = decode(&r, "a+b%3D=c+d&e=f=g");
	CHECK_EQ_INT(rc, ARC_OK);
	CHECK_EQ_STR_MSG(req_param(&r, "a b="), "c d", "name decoded too");
	CHECK_EQ_STR_MSG(req_param(&r, "e"), "f=g", "value split at the first '='");
	req_free(&r);

	rc = decode(&r, "guest=Zo%C3%AB&emoji=%F0%9F%98%80");
	CHECK_EQ_INT(rc, ARC_OK);
	CHECK_EQ_STR(req_param(&r, "guest"), "Zo\xc3\xab");
	CHECK_EQ_STR(req_param(&r, "emoji"), "\xf0\x9f\x98\x80");
	req_free(&r);

	/* Decoding appends: a second call adds after the first (form after query). */
	rc = decode(&r, "x=1");
	CHECK_EQ_INT(rc, ARC_OK);
	rc = req_decode_pairs(&r, "x=2", 3);
	CHECK_EQ_INT(rc, ARC_OK);
	CHECK_EQ_U64(r.nparams, 2);
	CHECK_EQ_STR_MSG(req_param(&r, "x"), "2", "later call wins");
	req_free(&r);

	/* Errors. */
	rc = decode(&r, "a=%zz");
	CHECK_EQ_INT_MSG(rc, ARC_EBADENC, "a=%zz");
	req_free(&r);
	rc = decode(&r, "a=1&b=%4");
	CHECK_EQ_INT_MSG(rc, ARC_EBADENC, "b=%4 (truncated)");
	req_free(&r);
	rc = decode(&r, "%zz=1");
	CHECK_EQ_INT_MSG(rc, ARC_EBADENC, "bad escape in a name");
	req_free(&r);
	rc = decode(&r, "a=%4&b=1");
	CHECK_EQ_INT_MSG(rc, ARC_EBADENC, "%4 followed by '&'");
	req_free(&r);

	static const struct { const char *in, *why; } utf8[] = {
		{ "a=%C3%28", "%C3%28: bad continuation" },
		{ "a=%C0%AF", "%C0%AF: overlong '/'" },
		{ "a=%E0%80%AF", "%E0%80%AF: overlong 3-byte" },
		{ "a=%ED%A0%80", "%ED%A0%80: surrogate" },
		{ "a=%F4%90%80%80", "%F4%90%80%80: past U+10FFFF" },
		{ "a=%C3", "%C3: truncated sequence" },
		{ "a=%80", "%80: lone continuation" },
		{ "a=%FF", "%FF" },
		{ "a=%00", "%00 in a value" },
		{ "x%00y=1", "%00 in a name" },
		{ "%C3%28=1", "invalid UTF-8 in a name" },
		{ "a=\xff", "raw 0xff byte" },
	};
	for (size_t i = 0; i < sizeof(utf8) / sizeof(utf8[0]); i++) {
		char desc[80];
		rc = decode(&r, utf8[i].in);
		snprintf(desc, sizeof(desc), "%s -> ARC_EUTF8", utf8[i].why);
		CHECK_EQ_INT_MSG(rc, ARC_EUTF8, desc);
		req_free(&r);
	}
	rc = decode(&r, "a=%C3%A9%E2%82%AC%EF%BF%BF%F4%8F%BF%BF");
	CHECK_EQ_INT_MSG(rc, ARC_OK, "valid 2-, 3- and 4-byte sequences up to U+10FFFF");
	req_free(&r);
}

static void test_limits(void)
{
	struct buf b;
	struct req r;
	char name[300];
	int rc;

	check_section("limits");
	buf_init(&b);
	for (int i = 0; i < 256; i++)
		buf_printf(&b, "%sp%d=%d", i ? "&" : "", i, i);
	rc = decode(&r, b.p);
	CHECK_EQ_INT_MSG(rc, ARC_OK, "256 parameters accepted");
	CHECK_EQ_U64(r.nparams, 256);
	CHECK_EQ_STR(req_param(&r, "p255"), "255");
	CHECK_EQ_STR(req_param(&r, "p0"), "0");
	rc = req_decode_pairs(&r, "one=more", 8);
	CHECK_EQ_INT_MSG(rc, ARC_ETOOMANY, "a 257th parameter in a later call");
	req_free(&r);

	buf_adds(&b, "&p256=256");
	rc = decode(&r, b.p);
	CHECK_EQ_INT_MSG(rc, ARC_ETOOMANY, "257 parameters");
	req_free(&r);

	/* Empty pairs do not count. */
	buf_reset(&b);
	for (int i = 0; i < 256; i++)
		buf_printf(&b, "p%d=%d&&", i, i);
	rc = decode(&r, b.p);
	CHECK_EQ_INT_MSG(rc, ARC_OK, "256 parameters and 256 empty pairs");
	CHECK_EQ_U64(r.nparams, 256);
	req_free(&r);

	/* Repeats count: they are separate parameters. */
	buf_reset(&b);
	for (int i = 0; i < 257; i++)
		buf_printf(&b, "%sa=%d", i ? "&" : "", i);
	rc = decode(&r, b.p);
	CHECK_EQ_INT_MSG(rc, ARC_ETOOMANY, "257 repeats of one name");
	req_free(&r);

	memset(name, 'n', 256);
	strcpy(name + 256, "=1");
	rc = decode(&r, name);
	CHECK_EQ_INT_MSG(rc, ARC_OK, "a 256-byte name");
	CHECK_EQ_U64(r.nparams, 1);
	if (r.nparams == 1)
		CHECK_EQ_U64(strlen(r.params[0].key), 256);
	req_free(&r);

	memset(name, 'n', 257);
	strcpy(name + 257, "=1");
	rc = decode(&r, name);
	CHECK_EQ_INT_MSG(rc, ARC_ETOOLONG, "a 257-byte name");
	req_free(&r);

	memset(name, 'n', 257);
	name[257] = '\0';
	rc = decode(&r, name);
	CHECK_EQ_INT_MSG(rc, ARC_ETOOLONG, "a 257-byte name without '='");
	req_free(&r);

	/* The limit is on the decoded name: 256 bytes written as %41 each. */
	buf_reset(&b);
	for (int i = 0; i < 256; i++)
		buf_adds(&b, "%41");
	buf_adds(&b, "=v");
	rc = decode(&r, b.p);
	CHECK_EQ_INT_MSG(rc, ARC_OK, "a 256-byte name percent-encoded (768 bytes raw)");
	req_free(&r);
	buf_reset(&b);
	for (int i = 0; i < 257; i++)
		buf_adds(&b, "%41");
	buf_adds(&b, "=v");
	rc = decode(&r, b.p);
	CHECK_EQ_INT_MSG(rc, ARC_ETOOLONG, "a 257-byte name percent-encoded");
	req_free(&r);
	buf_free(&b);
}

static void test_init(void)
{
	struct req r;
	int rc;

	check_section("req_init");
	{
		char *env[] = { "REQUEST_METHOD=GET", "HTTP_HOSTX=evil.example",
				"REQUEST_URI=/api/game/v1_2/scores/&limit=10&game_id=1", "HTTP_HOST=127.0.0.1:8080",
				"REMOTE_ADDR=10.1.2.3", NULL };
		rc = req_init(&r, env);
		CHECK_EQ_INT(rc, ARC_OK);
		CHECK_EQ_STR(r.method, "GET");
		CHECK_EQ_U64(r.method_id, M_GET);
		CHECK_EQ_STR(r.uri, "/api/game/v1_2/scores/&limit=10&game_id=1");
		CHECK_EQ_STR_MSG(r.path, "/api/game/v1_2/scores/", "path ends at the first '&'");
		CHECK_EQ_STR(r.query, "limit=10&game_id=1");
		CHECK_EQ_STR_MSG(r.host, "127.0.0.1:8080", "host keeps its port; HTTP_HOSTX ignored");
		CHECK_EQ_STR(r.scheme, "http");
		CHECK_EQ_STR(r.remote_addr, "10.1.2.3");
		CHECK_EQ_STR(req_env(&r, "REMOTE_ADDR"), "10.1.2.3");
		CHECK_NULL(req_env(&r, "HTTP_HOS"));
		CHECK_NULL(req_env(&r, "NOPE"));
		rc = req_parse_params(&r);
		CHECK_EQ_INT(rc, ARC_OK);
		CHECK_EQ_U64(r.nparams, 2);
		CHECK_EQ_U64(r.nquery, 2);
		CHECK_EQ_STR(req_param(&r, "limit"), "10");
		CHECK_EQ_STR(req_param(&r, "game_id"), "1");
		req_free(&r);
	}
	{
		char *env[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/api/game/v1/scores/add/?game_id=7&x=%2F&y=1?2",
				"HTTP_HOST=api.gamejolt.com", "HTTPS=on", NULL };
		rc = req_init(&r, env);
		CHECK_EQ_INT(rc, ARC_OK);
		CHECK_EQ_U64(r.method_id, M_POST);
		CHECK_EQ_STR(r.path, "/api/game/v1/scores/add/");
		CHECK_EQ_STR_MSG(r.query, "game_id=7&x=%2F&y=1?2", "query stays raw");
		CHECK_EQ_STR(r.host, "api.gamejolt.com");
		CHECK_EQ_STR_MSG(r.scheme, "https", "HTTPS=on gives https");
		rc = req_parse_params(&r);
		CHECK_EQ_INT(rc, ARC_OK);
		CHECK_EQ_STR(req_param(&r, "x"), "/");
		CHECK_EQ_STR(req_param(&r, "y"), "1?2");
		req_free(&r);
	}
	{
		char *env[] = { "REQUEST_URI=/p&a=1?b=2", "HTTPS=off", NULL };
		rc = req_init(&r, env);
		CHECK_EQ_INT(rc, ARC_OK);
		CHECK_EQ_STR(r.path, "/p");
		CHECK_EQ_STR(r.query, "a=1?b=2");
		CHECK_EQ_STR_MSG(r.scheme, "http", "HTTPS=off gives http");
		CHECK_EQ_STR_MSG(r.method, "GET", "no REQUEST_METHOD: GET");
		req_free(&r);
	}
	{
		char *env[] = { "REQUEST_METHOD=BREW", "REQUEST_URI=/api/game/v1_2/time/", NULL };
		rc = req_init(&r, env);
		CHECK_EQ_INT(rc, ARC_OK);
		CHECK_EQ_U64_MSG(r.method_id, 0, "unknown method has no id");
		CHECK_EQ_STR(r.path, "/api/game/v1_2/time/");
		CHECK_EQ_STR(r.query, "");
		req_free(&r);
	}
	{
		char *env[] = { NULL };
		rc = req_init(&r, env);
		CHECK_EQ_INT(rc, ARC_OK);
		CHECK_EQ_STR_MSG(r.path, "/", "no REQUEST_URI: /");
		CHECK_EQ_STR(r.query, "");
		CHECK_EQ_STR(r.scheme, "http");
		req_free(&r);
	}
	{
		/* REQ_MAX_URI bytes of URI accepted, one more refused. */
		char *uri = xmalloc(REQ_MAX_URI + 32);
		char *env[] = { uri, NULL };
		size_t pre = strlen("REQUEST_URI=");
		memcpy(uri, "REQUEST_URI=/?a=", pre + 4);
		memset(uri + pre + 4, 'x', REQ_MAX_URI - 4);
		uri[pre + REQ_MAX_URI] = '\0';
		rc = req_init(&r, env);
		CHECK_EQ_INT_MSG(rc, ARC_OK, "a URI of REQ_MAX_URI bytes");
		if (rc == ARC_OK)
			CHECK_EQ_U64(strlen(r.uri), REQ_MAX_URI);
		req_free(&r);
		uri[pre + REQ_MAX_URI] = 'x';
		uri[pre + REQ_MAX_URI + 1] = '\0';
		rc = req_init(&r, env);
		CHECK_EQ_INT_MSG(rc, ARC_ETOOLONG, "a URI of REQ_MAX_URI + 1 bytes");
		req_free(&r);
		free(uri);
	}
	CHECK_EQ_U64(req_method_id("GET"), M_GET);
	CHECK_EQ_U64(req_method_id("POST"), M_POST);
	CHECK_EQ_U64(req_method_id("OPTIONS"), M_OPTIONS);
	CHECK_EQ_U64(req_method_id("PATCH"), M_PATCH);
	CHECK_EQ_U64(req_method_id("get"), 0);

	/* A form body is decoded after the query: a field wins. */
	{
		char *env[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/api/game/v1_2/scores/add/?x=query&q=1",
				"CONTENT_TYPE=application/x-www-form-urlencoded", NULL };
		rc = req_init(&r, env);
		CHECK_EQ_INT(rc, ARC_OK);
		r.body = xstrdup("x=field&score=10+points");
		r.body_len = strlen(r.body);
		rc = req_parse_params(&r);
		CHECK_EQ_INT(rc, ARC_OK);
		CHECK_EQ_U64(r.nquery, 2);
		CHECK_EQ_U64(r.nparams, 4);
		CHECK_EQ_STR_MSG(req_param(&r, "x"), "field", "POST field wins over the query");
		CHECK_EQ_STR(req_param(&r, "score"), "10 points");
		CHECK_EQ_STR(req_param(&r, "q"), "1");
		req_free(&r);
	}
	{
		char *env[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/x?a=1", "CONTENT_TYPE=application/json", NULL };
		rc = req_init(&r, env);
		CHECK_EQ_INT(rc, ARC_OK);
		r.body = xstrdup("b=2");
		r.body_len = 3;
		rc = req_parse_params(&r);
		CHECK_EQ_INT(rc, ARC_OK);
		CHECK_EQ_U64_MSG(r.nparams, 1, "a JSON body is not decoded as a form");
		CHECK_NULL(req_param(&r, "b"));
		req_free(&r);
	}
}

/* Runs req_parse_json on body; returns the rc and leaves r for inspection. */
static int parse_json(struct req *r, const char *body, size_t n)
{
	memset(r, 0, sizeof(*r));
	r->body = xmalloc(n + 1);
	memcpy(r->body, body, n);
	r->body[n] = '\0';
	r->body_len = n;
	return req_parse_json(r);
}

static char *nested(int depth)
{
	char *s = xmalloc((size_t)depth * 2 + 1);
	for (int i = 0; i < depth; i++) {
		s[i] = '[';
		s[2 * depth - 1 - i] = ']';
	}
	s[2 * depth] = '\0';
	return s;
}

static void test_json(void)
{
	struct req r;
	struct json_object *a, *b;
	char *s;
	int rc;

	check_section("req_parse_json");
	s = "{\"a\":[1,2,{\"b\":\"c\\u00e9\"}],\"n\":-5}";
	rc = parse_json(&r, s, strlen(s));
	CHECK_EQ_INT(rc, ARC_OK);
	CHECK(r.json && json_object_is_type(r.json, json_type_object));
	if (r.json && json_object_object_get_ex(r.json, "a", &a) && json_object_is_type(a, json_type_array)) {
		CHECK_EQ_U64(json_object_array_length(a), 3);
		b = json_object_object_get(json_object_array_get_idx(a, 2), "b");
		CHECK_EQ_STR(json_object_get_string(b), "c\xc3\xa9");
	} else {
		CHECK_MSG(0, "member a is an array");
	}
	if (r.json)
		CHECK_EQ_I64(json_object_get_int64(json_object_object_get(r.json, "n")), -5);
	req_free(&r);

	s = "{\"a\":1}  \r\n\t";
	rc = parse_json(&r, s, strlen(s));
	CHECK_EQ_INT_MSG(rc, ARC_OK, "trailing white space is fine");
	req_free(&r);

	static const char *const bad[] = {
		"{\"a\":1} x", "{\"a\":1}{\"b\":2}", "[1,2]]", "{\"a\":1", "{\"a\":1,}", "", "   ", "nul",
		"{\"a\":'x'}", "[01]", "[+1]", "[.5]", "[1]/*c*/", "[True]",
		/* Not JSON either (RFC 8259), but json-c lets them through even
		 * with JSON_TOKENER_STRICT: single-quoted names, NaN and
		 * Infinity, "1." and a raw control character inside a string. */
		"{'a':1}", "[NaN]", "[Infinity]", "[-Infinity]", "[1.]", "[\"a\tb\"]", "[\"a\nb\"]",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char desc[80];
		rc = parse_json(&r, bad[i], strlen(bad[i]));
		snprintf(desc, sizeof(desc), "body %zu ('%s') -> ARC_EJSON", i, bad[i]);
		CHECK_EQ_INT_MSG(rc, ARC_EJSON, desc);
		if (rc == ARC_EJSON)
			CHECK_NULL(r.json);
		req_free(&r);
	}
	rc = parse_json(&r, "{\"a\":1}\0", 8);
	CHECK_EQ_INT_MSG(rc, ARC_EJSON, "NUL byte after the value");
	req_free(&r);
	rc = parse_json(&r, "{\"a\":\"\xc3\x28\"}", 10);
	CHECK_EQ_INT_MSG(rc, ARC_EJSON, "invalid UTF-8 in a string");
	req_free(&r);

	s = nested(REQ_JSON_DEPTH);
	rc = parse_json(&r, s, strlen(s));
	CHECK_EQ_INT_MSG(rc, ARC_OK, "nesting of exactly REQ_JSON_DEPTH (32) accepted");
	req_free(&r);
	free(s);
	s = nested(REQ_JSON_DEPTH + 1);
	rc = parse_json(&r, s, strlen(s));
	CHECK_EQ_INT_MSG(rc, ARC_EJSON, "nesting of REQ_JSON_DEPTH + 1 (33) rejected");
	req_free(&r);
	free(s);
	s = nested(5000);
	rc = parse_json(&r, s, strlen(s));
	CHECK_EQ_INT_MSG(rc, ARC_EJSON, "nesting of 5000 rejected");
	req_free(&r);
	free(s);
}

/* The length of capture i, up to the next '/' or the end. */
static size_t cap_len(const struct req *r, size_t i)
{
	return strcspn(r->caps[i], "/");
}

static void test_router(void)
{
	static const char pat[] = "/api/game/*/scores/add";
	struct req r;

	check_section("router_path_match");
	memset(&r, 0, sizeof(r));
	CHECK_EQ_INT(router_path_match(pat, "/api/game/v1_2/scores/add", &r), 1);
	CHECK_EQ_U64(r.ncaps, 1);
	if (r.ncaps == 1)
		CHECK_EQ_MEM(r.caps[0], cap_len(&r, 0), "v1_2", 4);
	CHECK_EQ_INT_MSG(router_path_match(pat, "/api/game/v1_2/scores/add/", &r), 1, "one trailing slash");
	CHECK_EQ_U64(r.ncaps, 1);
	CHECK_EQ_INT_MSG(router_path_match(pat, "/api/game/v1_2/scores/add//", &r), 0, "two trailing slashes");
	CHECK_EQ_INT(router_path_match(pat, "/api/game/v1/scores/add", &r), 1);
	if (r.ncaps == 1)
		CHECK_EQ_MEM(r.caps[0], cap_len(&r, 0), "v1", 2);
	CHECK_EQ_INT(router_path_match(pat, "/api/game/v1_2/scores/adds", &r), 0);
	CHECK_EQ_INT(router_path_match(pat, "/api/game/v1_2/scores/ad", &r), 0);
	CHECK_EQ_INT(router_path_match(pat, "/api/game/v1_2/scores", &r), 0);
	CHECK_EQ_INT(router_path_match(pat, "/api/game/v1_2/scores/", &r), 0);
	CHECK_EQ_INT_MSG(router_path_match(pat, "/api/game//scores/add", &r), 0, "'*' needs a non-empty segment");
	CHECK_EQ_INT_MSG(router_path_match(pat, "/api/game/a/b/scores/add", &r), 0, "'*' is one segment");
	CHECK_EQ_INT(router_path_match(pat, "/api/game/v1_2/scores/add/x", &r), 0);
	CHECK_EQ_INT(router_path_match(pat, "/API/game/v1_2/scores/add", &r), 0);
	CHECK_EQ_INT(router_path_match(pat, "", &r), 0);

	CHECK_EQ_INT(router_path_match("/a/*/b/*", "/a/xx/b/yyy", &r), 1);
	CHECK_EQ_U64(r.ncaps, 2);
	if (r.ncaps == 2) {
		CHECK_EQ_MEM(r.caps[0], cap_len(&r, 0), "xx", 2);
		CHECK_EQ_MEM(r.caps[1], cap_len(&r, 1), "yyy", 3);
	}
	CHECK_EQ_INT(router_path_match("/a/*/b/*", "/a/xx/b/yyy/", &r), 1);
	CHECK_EQ_INT(router_path_match("/a/*/b/*", "/a/xx/b/", &r), 0);
	CHECK_EQ_INT(router_path_match("/a/*/b/*", "/a/xx/b", &r), 0);
	CHECK_EQ_INT(router_path_match("/a/*/b/*", "/a/xx/c/yyy", &r), 0);
}

int main(void)
{
	test_unescape();
	test_pairs();
	test_limits();
	test_init();
	test_json();
	test_router();
	return check_done();
}
