/* mm_wire: the MeshMap family's wire format — JSON answers written as
 * JavaScript would (ids as strings, ISO 8601 times with milliseconds,
 * shortest round-trip numbers) and request validation that reports
 * zod-style issues {code, message, path}. */
#include "config.h"
#include "mm_wire.h"
#include "errors.h"
#include "games.h"
#include "mm_store.h"
#include "util.h"

#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const mm_status_names[] = { [MM_ACTIVE] = "ACTIVE", [MM_COMPLETED] = "COMPLETED" };

const char *mm_status_name(int status)
{
	return mm_status_names[status == MM_COMPLETED ? MM_COMPLETED : MM_ACTIVE];
}

/* ---- JSON output ---- */

void mm_js_str(struct buf *b, const char *s)
{
	if (!s) {
		buf_adds(b, "null");
		return;
	}
	buf_addc(b, '"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		switch (ch) {
		case '"': buf_adds(b, "\\\""); break;
		case '\\': buf_adds(b, "\\\\"); break;
		case '\b': buf_adds(b, "\\b"); break;
		case '\f': buf_adds(b, "\\f"); break;
		case '\n': buf_adds(b, "\\n"); break;
		case '\r': buf_adds(b, "\\r"); break;
		case '\t': buf_adds(b, "\\t"); break;
		default:
			if (ch < 0x20 || ch == 0x7f)
				buf_printf(b, "\\u%04x", ch);
			else
				buf_addc(b, (char)ch);
		}
	}
	buf_addc(b, '"');
}

/* "" stands for "none" in the shared player record. */
void mm_js_str_or_null(struct buf *b, const char *s)
{
	mm_js_str(b, s && *s ? s : NULL);
}

void mm_js_id(struct buf *b, uint64_t id)
{
	char d[24];
	buf_addc(b, '"');
	buf_add(b, d, util_u64_dec(id, d));
	buf_addc(b, '"');
}

void mm_js_time(struct buf *b, uint64_t ms)
{
	char t[32];
	buf_addc(b, '"');
	buf_add(b, t, util_iso8601(ms, t));
	buf_addc(b, '"');
}

/* Numbers as JavaScript's Number.prototype.toString writes them: the
 * shortest digits that read back as the same double, plain notation for
 * magnitudes in [1e-6, 1e21), exponent notation ("1e+21", "2.5e-7") beyond. */
void mm_js_num(struct buf *b, double d)
{
	char e[40], digits[24];
	char *x;
	int k = 0, n;

	if (d == 0) {
		buf_adds(b, "0");
		return;
	}
	if (d < 0) {
		buf_addc(b, '-');
		d = -d;
	}
	if (d < 9007199254740992.0 && d == (double)(uint64_t)d) {
		/* A whole number below 2^53 (most scores): its digits, exactly. */
		buf_add(b, digits, util_u64_dec((uint64_t)d, digits));
		return;
	}
	for (int p = 1; p <= 17; p++) {
		snprintf(e, sizeof(e), "%.*e", p - 1, d);
		if (strtod(e, NULL) == d)
			break;
	}
	x = strchr(e, 'e');
	for (char *q = e; q < x; q++)
		if (*q != '.')
			digits[k++] = *q;
	while (k > 1 && digits[k - 1] == '0')
		k--;
	n = atoi(x + 1) + 1; /* the decimal point sits after n digits */
	if (k <= n && n <= 21) {
		buf_add(b, digits, (size_t)k);
		for (int i = k; i < n; i++)
			buf_addc(b, '0');
	} else if (0 < n && n <= 21) {
		buf_add(b, digits, (size_t)n);
		buf_addc(b, '.');
		buf_add(b, digits + n, (size_t)(k - n));
	} else if (-6 < n && n <= 0) {
		buf_adds(b, "0.");
		for (int i = n; i < 0; i++)
			buf_addc(b, '0');
		buf_add(b, digits, (size_t)k);
	} else {
		buf_addc(b, digits[0]);
		if (k > 1) {
			buf_addc(b, '.');
			buf_add(b, digits + 1, (size_t)(k - 1));
		}
		buf_printf(b, "e%c%d", n - 1 >= 0 ? '+' : '-', abs(n - 1));
	}
}

/* ---- answers ---- */

int mm_answer(struct ctx *c, int status, const struct buf *body)
{
	c->resp->status = status;
	c->resp->ctype = "application/json";
	buf_reset(&c->resp->body);
	buf_add(&c->resp->body, body->p, body->len);
	return MM_DONE;
}

/* ---- validation issues ---- */

void mm_v_init(struct mm_v *v)
{
	buf_init(&v->b);
	v->n = 0;
	v->lenient = 0;
}

void mm_issue(struct mm_v *v, const char *code, const char *field, const char *fmt, ...)
{
	va_list ap;
	char *text;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	text = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(text, (size_t)n + 1, fmt, ap);
	va_end(ap);
	if (v->n++)
		buf_addc(&v->b, ',');
	buf_adds(&v->b, "{\"code\":");
	mm_js_str(&v->b, code);
	buf_adds(&v->b, ",\"message\":");
	mm_js_str(&v->b, text);
	buf_adds(&v->b, ",\"path\":[");
	if (field)
		mm_js_str(&v->b, field);
	buf_adds(&v->b, "]}");
	free(text);
}

/* Writes the 400 if there are issues. A body that only parsed leniently
 * (NaN, Infinity) and raised no issue is still not JSON. */
int mm_v_end(struct ctx *c, struct mm_v *v)
{
	int rc = 0;

	if (v->n) {
		struct buf b;
		buf_init(&b);
		buf_adds(&b, "{\"error\":[");
		buf_add(&b, v->b.p, v->b.len);
		buf_adds(&b, "]}");
		rc = mm_answer(c, 400, &b);
		buf_free(&b);
	} else if (v->lenient) {
		rc = ARC_EJSON;
	}
	buf_free(&v->b);
	return rc;
}

static const char *mm_type_name(struct json_object *o)
{
	double d;

	switch (json_object_get_type(o)) {
	case json_type_null: return "null";
	case json_type_boolean: return "boolean";
	case json_type_int: return "number";
	case json_type_double:
		d = json_object_get_double(o);
		return isnan(d) ? "nan" : isinf(d) ? "infinity" : "number";
	case json_type_string: return "string";
	case json_type_object: return "object";
	case json_type_array: return "array";
	}
	return "unknown";
}

/* At most 100 bytes of s, cut on a character boundary, for messages. */
static char *mm_excerpt(const char *s)
{
	size_t n = strlen(s);

	if (n > 100) {
		n = 100;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	return xstrndup(s, n);
}

/* json_check's strict grammar refused the body. If json-c still reads it
 * (it takes NaN and Infinity), the handler validates it so that a
 * non-finite number is reported against its field; the body is refused
 * either way. */
static int mm_lenient(struct req *r, struct mm_v *v)
{
	struct json_tokener *tok;
	struct json_object *o;
	int ok;

	if (!r->body_len || memchr(r->body, '\0', r->body_len) || !util_utf8_valid(r->body, r->body_len))
		return ARC_EJSON;
	tok = json_tokener_new_ex(REQ_JSON_DEPTH);
	if (!tok)
		return ARC_EINTERNAL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, r->body, (int)r->body_len);
	ok = o && json_tokener_get_error(tok) == json_tokener_success;
	if (ok) {
		size_t off = json_tokener_get_parse_end(tok);
		while (off < r->body_len && strchr(" \t\r\n", r->body[off]))
			off++;
		ok = off == r->body_len;
	}
	json_tokener_free(tok);
	if (!ok) {
		if (o)
			json_object_put(o);
		return ARC_EJSON;
	}
	r->json = o;
	v->lenient = 1;
	return 0;
}

/* The body as a JSON object in *out (an empty body is {}); NULL with an
 * issue when it is another JSON value. */
int mm_body(struct ctx *c, struct mm_v *v, struct json_object **out)
{
	struct req *r = c->req;
	int rc;

	*out = NULL;
	if (r->body_len == 0) {
		if (!r->json)
			r->json = json_object_new_object();
		*out = r->json;
		return 0;
	}
	rc = req_parse_json(r);
	if (rc == ARC_EJSON)
		rc = mm_lenient(r, v);
	if (rc)
		return rc;
	if (!json_object_is_type(r->json, json_type_object)) {
		if (v->lenient)
			return ARC_EJSON;
		mm_issue(v, "invalid_type", NULL, "Expected object, received %s", mm_type_name(r->json));
		return 0;
	}
	*out = r->json;
	return 0;
}


/* A string field. With obj NULL (the body was not an object) every field
 * is absent and nothing more is reported. */
int mm_get_str(struct mm_v *v, struct json_object *obj, const char *field, size_t min, size_t max,
		      unsigned flags, const char **out)
{
	struct json_object *f;
	const char *s;
	size_t n;

	*out = NULL;
	if (!obj)
		return F_ABSENT;
	if (!json_object_object_get_ex(obj, field, &f)) {
		if (!(flags & MMF_REQUIRED))
			return F_ABSENT;
		mm_issue(v, "invalid_type", field, "Required");
		return F_BAD;
	}
	if (!f && (flags & MMF_NULLABLE))
		return F_NULL;
	if (!json_object_is_type(f, json_type_string)) {
		mm_issue(v, "invalid_type", field, "Expected string, received %s", f ? mm_type_name(f) : "null");
		return F_BAD;
	}
	s = json_object_get_string(f);
	n = (size_t)json_object_get_string_len(f);
	if (strlen(s) != n) {
		mm_issue(v, "custom", field, "String must not contain NUL characters");
		return F_BAD;
	}
	if (n < min) {
		mm_issue(v, "too_small", field, "String must contain at least %zu character(s)", min);
		return F_BAD;
	}
	if (n > max) {
		mm_issue(v, "too_big", field, "String must contain at most %zu byte(s)", max);
		return F_BAD;
	}
	if ((flags & MMF_NAME) && !name_valid(s)) {
		mm_issue(v, "custom", field, "String must not contain control characters");
		return F_BAD;
	}
	*out = s;
	return F_VALUE;
}

static const char *const mm_enum_expect = "'ACTIVE' | 'COMPLETED'";

int mm_parse_status(const char *s)
{
	for (int i = 0; i < (int)(sizeof(mm_status_names) / sizeof(mm_status_names[0])); i++)
		if (strcmp(s, mm_status_names[i]) == 0)
			return i;
	return -1;
}

void mm_enum_issue(struct mm_v *v, const char *field, const char *got)
{
	char *ex = mm_excerpt(got);
	mm_issue(v, "invalid_enum_value", field, "Invalid enum value. Expected %s, received '%s'", mm_enum_expect,
		 ex);
	free(ex);
}

/* An optional status field: *out is -1 when absent. */
int mm_get_status(struct mm_v *v, struct json_object *obj, const char *field, int *out)
{
	struct json_object *f;

	*out = -1;
	if (!obj || !json_object_object_get_ex(obj, field, &f))
		return F_ABSENT;
	if (!f || !json_object_is_type(f, json_type_string)) {
		mm_issue(v, "invalid_type", field, "Expected %s, received %s", mm_enum_expect,
			 f ? mm_type_name(f) : "null");
		return F_BAD;
	}
	if ((*out = mm_parse_status(json_object_get_string(f))) < 0) {
		mm_enum_issue(v, field, json_object_get_string(f));
		return F_BAD;
	}
	return F_VALUE;
}

/* A required finite number. Integer literals outside 64 bits are clamped
 * by the parser, so they are refused rather than silently changed. */
int mm_get_number(struct mm_v *v, struct json_object *obj, const char *field, double *out)
{
	struct json_object *f;
	double d;

	if (!obj)
		return F_ABSENT;
	if (!json_object_object_get_ex(obj, field, &f)) {
		mm_issue(v, "invalid_type", field, "Required");
		return F_BAD;
	}
	if (f && json_object_is_type(f, json_type_int)) {
		int64_t i = json_object_get_int64(f);
		if (i == INT64_MIN) {
			mm_issue(v, "too_small", field, "Number must be greater than %lld", (long long)INT64_MIN);
			return F_BAD;
		}
		if (i == INT64_MAX) {
			uint64_t u = json_object_get_uint64(f);
			if (u == UINT64_MAX) {
				mm_issue(v, "too_big", field, "Number must be less than %llu",
					 (unsigned long long)UINT64_MAX);
				return F_BAD;
			}
			*out = (double)u;
			return F_VALUE;
		}
		*out = (double)i;
		return F_VALUE;
	}
	if (!f || !json_object_is_type(f, json_type_double)) {
		mm_issue(v, "invalid_type", field, "Expected number, received %s", f ? mm_type_name(f) : "null");
		return F_BAD;
	}
	d = json_object_get_double(f);
	if (isnan(d)) {
		mm_issue(v, "invalid_type", field, "Expected number, received nan");
		return F_BAD;
	}
	if (isinf(d)) {
		mm_issue(v, "not_finite", field, "Number must be finite");
		return F_BAD;
	}
	*out = d;
	return F_VALUE;
}

/* A query parameter; an empty value counts as absent. */
const char *mm_query(struct ctx *c, const char *name)
{
	const char *s = req_param(c->req, name);
	return s && *s ? s : NULL;
}

/* ?limit=: an integer in 1..MM_LIMIT_MAX; *out keeps its default when absent. */
int mm_query_limit(struct mm_v *v, struct ctx *c, uint64_t *out)
{
	const char *s = mm_query(c, "limit");
	const char *d = s;
	int64_t n;

	if (!s)
		return F_ABSENT;
	if (*d == '-' || *d == '+')
		d++;
	if (util_parse_i64(s, &n) < 0) {
		char *end;
		double x = strtod(s, &end);
		if (*d && strspn(d, "0123456789") == strlen(d))
			n = *s == '-' ? INT64_MIN : INT64_MAX; /* all digits, beyond 64 bits */
		else {
			int num = strspn(s, "0123456789+-.eE") == strlen(s) && *end == '\0' && isfinite(x);
			if (num && x == floor(x)) {
				n = x < -1e18 ? INT64_MIN : x > 1e18 ? INT64_MAX : (int64_t)x; /* "10.0", "1e2" */
			} else {
				mm_issue(v, "invalid_type", "limit",
					 num ? "Expected integer, received float" : "Expected number, received nan");
				return F_BAD;
			}
		}
	}
	if (n < 1) {
		mm_issue(v, "too_small", "limit", "Number must be greater than or equal to 1");
		return F_BAD;
	}
	if (n > MM_LIMIT_MAX) {
		mm_issue(v, "too_big", "limit", "Number must be less than or equal to %d", MM_LIMIT_MAX);
		return F_BAD;
	}
	*out = (uint64_t)n;
	return F_VALUE;
}

/* Ids are decimal strings: digits only, no leading zero, at most 19 of
 * them. Anything else is an id that names nothing (0). */
uint64_t mm_id(const char *s, size_t n)
{
	uint64_t id = 0;

	if (n == 0 || n > 19 || s[0] == '0')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		id = id * 10 + (uint64_t)(s[i] - '0');
	}
	return id;
}

uint64_t mm_id_str(const char *s)
{
	return s ? mm_id(s, strlen(s)) : 0;
}

uint64_t mm_path_id(struct ctx *c, size_t i)
{
	const char *s = i < c->req->ncaps ? c->req->caps[i] : "";
	return mm_id(s, strcspn(s, "/"));
}
