/* mm_wire: the MeshMap family's wire format: JSON answers (ids as strings,
 * ISO 8601 UTC times with milliseconds, numbers as JavaScript prints them)
 * and validation of queries and bodies with zod-style issues:
 *   400 {"error":[{"code":..., "message":..., "path":[field]}]}
 * Codes: invalid_type, invalid_enum_value, too_small, too_big, not_finite,
 * custom (docs/meshmap.md lists every one). */
#ifndef ARCADE_MM_WIRE_H
#define ARCADE_MM_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include "handler.h"
#include "util.h"

struct json_object;

/* A helper's "the answer is written" (ARC_E* values are positive). */
#define MM_DONE (-2)

#define MM_LIMIT_MAX 100

/* ---- answers ---- */

void mm_js_str(struct buf *b, const char *s);         /* NULL: null */
void mm_js_str_or_null(struct buf *b, const char *s); /* NULL or "": null */
void mm_js_id(struct buf *b, uint64_t id);            /* "123" */
void mm_js_time(struct buf *b, uint64_t ms);          /* "2026-11-20T23:04:15.123Z" */
void mm_js_num(struct buf *b, double d);              /* shortest round trip; 12, 12.5 */
const char *mm_status_name(int status);               /* "ACTIVE" / "COMPLETED" */
/* Sets status, JSON content type and body; returns MM_DONE. */
int mm_answer(struct ctx *c, int status, const struct buf *body);

/* ---- validation ---- */

struct mm_v {
	struct buf b; /* the issues so far, comma-separated */
	int n;
	int lenient;  /* the body parsed only leniently: it must not be accepted */
};

void mm_v_init(struct mm_v *v);
/* One issue; field NULL for the body itself (path []). */
void mm_issue(struct mm_v *v, const char *code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Frees v. With issues: writes the 400 and returns MM_DONE. A lenient body
 * without issues: ARC_EJSON. Otherwise 0. */
int mm_v_end(struct ctx *c, struct mm_v *v);

/* The body as an object in *out: an empty body is {}; another JSON value
 * is an issue (*out NULL). A body that is not JSON only because of NaN or
 * Infinity is parsed leniently, so the field gets its issue. */
int mm_body(struct ctx *c, struct mm_v *v, struct json_object **out);

enum { F_BAD = -1, F_ABSENT = 0, F_NULL = 1, F_VALUE = 2 };
#define MMF_REQUIRED 1u
#define MMF_NULLABLE 2u
#define MMF_NAME 4u /* a name: no control characters (name_valid) */

/* Field getters return F_*; *out points into the parsed body. */
int mm_get_str(struct mm_v *v, struct json_object *obj, const char *field, size_t min, size_t max,
	       unsigned flags, const char **out);
/* Optional "ACTIVE" | "COMPLETED"; *out -1 when absent. */
int mm_get_status(struct mm_v *v, struct json_object *obj, const char *field, int *out);
/* Required finite number. */
int mm_get_number(struct mm_v *v, struct json_object *obj, const char *field, double *out);

int mm_parse_status(const char *s); /* -1 if neither */
void mm_enum_issue(struct mm_v *v, const char *field, const char *got);

/* A query parameter; an empty value counts as absent (NULL). */
const char *mm_query(struct ctx *c, const char *name);
/* ?limit= as an integer in 1..MM_LIMIT_MAX into *out (left alone when absent). */
int mm_query_limit(struct mm_v *v, struct ctx *c, uint64_t *out);

/* Ids are decimal strings: 1-19 digits, no leading zero. Anything else is
 * 0, an id that names nothing (so it is answered 404 like an absent one). */
uint64_t mm_id(const char *s, size_t n);
uint64_t mm_id_str(const char *s);
uint64_t mm_path_id(struct ctx *c, size_t i); /* the route's i-th "*" segment */
#endif
