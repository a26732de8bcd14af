/* fuzz_mm_body: MeshMap request validation: the query (?limit=, ids), the
 * JSON body (strict, then the lenient NaN/Infinity pass), the field getters,
 * and the zod-style 400 answer that quotes what the client sent. Whatever
 * the input, the answer must be strict JSON of the documented shape.
 * Input: the query string, a newline, then the body. */
#include "config.h"
#include "fuzz.h"
#include "../../src/errors.h"
#include "../../src/json_check.h"
#include "../../src/mm_wire.h"
#include "../../src/request.h"
#include "../../src/response.h"
#include "../../src/util.h"

#include <json-c/json.h>
#include <math.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_answer(const struct resp *p)
{
	struct json_object *o, *err;

	FUZZ_CHECK(p->status == 400);
	FUZZ_CHECK(json_check(p->body.p, p->body.len, REQ_JSON_DEPTH));
	o = json_tokener_parse(p->body.p);
	FUZZ_CHECK(o && json_object_object_get_ex(o, "error", &err));
	FUZZ_CHECK(json_object_is_type(err, json_type_array) && json_object_array_length(err) > 0);
	for (size_t i = 0; i < json_object_array_length(err); i++) {
		struct json_object *it = json_object_array_get_idx(err, i), *x;
		FUZZ_CHECK(json_object_object_get_ex(it, "code", &x) && json_object_is_type(x, json_type_string));
		FUZZ_CHECK(json_object_object_get_ex(it, "message", &x) && json_object_is_type(x, json_type_string));
		FUZZ_CHECK(json_object_object_get_ex(it, "path", &x) && json_object_is_type(x, json_type_array));
	}
	json_object_put(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *env[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/api/v1/apps/players",
			       "CONTENT_TYPE=application/json", NULL };
	struct fz f;
	struct req r;
	struct resp p;
	struct ctx c;
	struct mm_v v;
	struct json_object *body = NULL;
	const char *s;
	char *q;
	size_t qlen;
	uint64_t limit = 20;
	double d;
	int st, rc;

	FUZZ_INPUT(data);
	fz_init(&f, data, size);
	q = fz_field(&f, '\n', &qlen);
	FUZZ_CHECK(req_init(&r, env) == 0);
	free(r.query);
	r.query = q;
	r.body = fz_rest(&f, &r.body_len);
	r.body = realloc(r.body, r.body_len + 1);
	if (!r.body)
		abort();
	r.body[r.body_len] = '\0';
	resp_init(&p);
	memset(&c, 0, sizeof(c));
	c.req = &r;
	c.resp = &p;

	mm_v_init(&v);
	rc = req_parse_params(&r);
	if (rc == 0) {
		if (mm_query_limit(&v, &c, &limit) == F_VALUE)
			FUZZ_CHECK(limit >= 1 && limit <= MM_LIMIT_MAX);
		(void)mm_id_str(mm_query(&c, "miniGameTypeId"));
		if ((s = mm_query(&c, "status"))) {
			st = mm_parse_status(s);
			FUZZ_CHECK(st >= -1 && st <= 1);
		}
		rc = mm_body(&c, &v, &body);
	}
	if (rc == 0) {
		const char *name, *desc, *uid, *pid;
		int status;

		FUZZ_CHECK(body == NULL || json_object_is_type(body, json_type_object));
		if (mm_get_str(&v, body, "displayName", 1, 100, MMF_REQUIRED | MMF_NAME, &name) == F_VALUE)
			FUZZ_CHECK(strlen(name) >= 1 && strlen(name) <= 100);
		if (mm_get_str(&v, body, "description", 0, 1000, MMF_NULLABLE, &desc) == F_VALUE)
			FUZZ_CHECK(strlen(desc) <= 1000);
		mm_get_str(&v, body, "userId", 0, 64, MMF_NULLABLE, &uid);
		if (mm_get_str(&v, body, "playerId", 0, 64, MMF_REQUIRED, &pid) == F_VALUE)
			(void)mm_id_str(pid);
		if (mm_get_status(&v, body, "status", &status) == F_VALUE)
			FUZZ_CHECK(status == 0 || status == 1);
		if (mm_get_number(&v, body, "score", &d) == F_VALUE)
			FUZZ_CHECK(isfinite(d));
		if (v.n)
			mm_enum_issue(&v, "status", r.body); /* a long, hostile quote */
		rc = mm_v_end(&c, &v);
		if (rc == MM_DONE)
			check_answer(&p);
		else
			FUZZ_CHECK(rc == 0 || rc == ARC_EJSON);
	} else {
		int issues = v.n;
		FUZZ_CHECK(rc > 0 && rc < ARC__COUNT);
		int end = mm_v_end(&c, &v);
		FUZZ_CHECK(issues ? end == MM_DONE : end == 0 || end == ARC_EJSON);
		if (issues)
			check_answer(&p);
	}
	resp_free(&p);
	req_free(&r);
	return 0;
}
