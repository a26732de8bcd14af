/* fuzz_gj_format: the four Game Jolt answer writers fed hostile strings.
 * The target builds an answer tree the way handlers do (string, integer and
 * boolean members, arrays of strings or of objects, nested as batch/ nests
 * them), writes it in every format and reads each one back with a reader
 * written here:
 *   json     strict JSON (json_check), ASCII only, and, for UTF-8 strings,
 *            the same values as json-c reads them (but see jsonc_misreads);
 *   keypair  lines key:"value" CRLF, no raw CR or LF inside a value, the
 *            values decode back to the strings given;
 *   xml      tags balanced, text only inside CDATA, no "]]>" inside a CDATA
 *            section, the sections join back to the strings given;
 *   dump     the status line.
 * gj_json_string() also gets the raw input (NUL and invalid UTF-8 included).
 * Input: a flag byte, then a program of member operations; strings end at a
 * NUL byte. */
#include "config.h"
#include "fuzz.h"
#include "../../src/gj_format.h"
#include "../../src/json_check.h"
#include "../../src/request.h"
#include "../../src/util.h"

#include <json-c/json.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const leaf_keys[] = {
	"score", "sort", "extra_data", "user", "guest", "stored", "data", "key", "username", "avatar_url",
	"title", "description", "name", "difficulty", "image_url", "primary", "id", "message", "success",
};
/* List names the XML writer knows (and one it does not). */
static const char *const list_keys[] = { "scores", "tables", "users", "trophies", "keys", "friends", "responses",
					  "items" };
static const char *const list_items[] = { "score", "table", "user", "trophy", "key", "friend", "response",
					  "item" };

struct leaves {
	char **v;
	size_t n, cap;
	int utf8; /* every string is UTF-8 */
};

/* json-c 0.16 (Debian 12) reads an escaped surrogate pair as U+FFFD when the
 * code point's low 16 bits fall in D800-DFFF (U+1D800-U+1DFFF, U+2D800...,
 * one in 32 of the astral code points): the writer is right, the reader is
 * not (docs/fuzzing.md). Such strings are not compared after a json-c read. */
static int jsonc_misreads(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	for (size_t i = 0; i + 3 < n; i++)
		if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			unsigned cp = (s[i] & 7u) << 18 | (s[i + 1] & 0x3fu) << 12 | (s[i + 2] & 0x3fu) << 6 | (s[i + 3] & 0x3fu);
			if ((cp & 0xf800) == 0xd800)
				return 1;
		}
	return 0;
}

static void leaves_add(struct leaves *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			abort();
	}
	l->v[l->n++] = strdup(s);
}

static void leaves_free(struct leaves *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static struct json_object *build_leaf(struct fz *f, int *utf8)
{
	unsigned t = fz_byte(f) % 4;
	if (t == 1)
		return json_object_new_int64((int64_t)fz_u64(f));
	if (t == 2)
		return json_object_new_boolean(fz_byte(f) & 1);
	{
		size_t n;
		char *s = fz_field(f, 0, &n);
		struct json_object *o = json_object_new_string_len(s, (int)n);
		if (!util_utf8_valid(s, n) || jsonc_misreads(s, n))
			*utf8 = 0;
		free(s);
		return o;
	}
}

/* An object: members until the input or the budget runs out. Top-level
 * objects never get "success" or "message" (the writer puts those first). */
static struct json_object *build_object(struct fz *f, int depth, int top, int *utf8)
{
	struct json_object *o = json_object_new_object();
	unsigned members = depth ? fz_byte(f) % 6 : 64;

	for (unsigned m = 0; m < members && f->n; m++) {
		unsigned op = fz_byte(f);
		const char *key;
		struct json_object *v;

		if ((op & 3) == 3 && depth < 3) {
			size_t li = (op >> 2) % (sizeof(list_keys) / sizeof(list_keys[0]));
			unsigned items = fz_byte(f) % 5;
			int objects = (op >> 5) & 1;
			key = list_keys[li];
			v = json_object_new_array();
			for (unsigned i = 0; i < items; i++)
				json_object_array_add(v, objects ? build_object(f, depth + 1, 0, utf8) : build_leaf(f, utf8));
		} else {
			size_t nk = sizeof(leaf_keys) / sizeof(leaf_keys[0]) - (top ? 2 : 0);
			key = leaf_keys[(op >> 2) % nk];
			v = build_leaf(f, utf8);
		}
		if (json_object_object_get_ex(o, key, NULL)) {
			json_object_put(v); /* one member per name, as handlers build them */
			continue;
		}
		json_object_object_add(o, key, v);
	}
	return o;
}

static const char *item_name(const char *list)
{
	for (size_t i = 0; i < sizeof(list_keys) / sizeof(list_keys[0]); i++)
		if (strcmp(list, list_keys[i]) == 0)
			return list_items[i];
	return "item";
}

/* The leaves in document order, as keypair and xml write them. */
static void walk(struct json_object *o, struct leaves *kp, struct leaves *keys)
{
	json_object_object_foreach(o, k, v) {
		if (json_object_is_type(v, json_type_array)) {
			for (size_t i = 0; i < json_object_array_length(v); i++) {
				struct json_object *it = json_object_array_get_idx(v, i);
				if (json_object_is_type(it, json_type_object)) {
					walk(it, kp, keys);
				} else {
					leaves_add(kp, json_object_get_string(it));
					leaves_add(keys, k);
				}
			}
		} else {
			leaves_add(kp, json_object_get_string(v));
			leaves_add(keys, k);
		}
	}
}

static void check_json(const struct buf *b, int success, const char *msg, struct json_object *d, int utf8)
{
	struct json_object *o, *resp, *x;

	FUZZ_CHECK(json_check(b->p, b->len, 64));
	for (size_t i = 0; i < b->len; i++)
		FUZZ_CHECK((unsigned char)b->p[i] >= 0x20 && (unsigned char)b->p[i] < 0x80);
	if (!utf8 || (msg && (!util_utf8_valid(msg, strlen(msg)) || jsonc_misreads(msg, strlen(msg)))))
		return;
	{
		struct json_tokener *tok = json_tokener_new_ex(64);
		o = json_tokener_parse_ex(tok, b->p, (int)b->len);
		json_tokener_free(tok);
	}
	FUZZ_CHECK(o && json_object_object_get_ex(o, "response", &resp));
	FUZZ_CHECK(json_object_object_get_ex(resp, "success", &x));
	FUZZ_CHECK(strcmp(json_object_get_string(x), success ? "true" : "false") == 0);
	if (msg)
		FUZZ_CHECK(json_object_object_get_ex(resp, "message", &x) && strcmp(json_object_get_string(x), msg) == 0);
	if (d) {
		json_object_object_foreach(d, k, v) {
			FUZZ_CHECK(json_object_object_get_ex(resp, k, &x));
			FUZZ_CHECK(json_object_equal(v, x));
		}
	}
	json_object_put(o);
}

static void check_keypair(const struct buf *b, const struct leaves *want, const struct leaves *keys)
{
	const char *p = b->p, *end = b->p + b->len;
	size_t i = 0;
	struct buf v;

	buf_init(&v);
	while (p < end) {
		const char *colon = memchr(p, ':', (size_t)(end - p));
		FUZZ_CHECK(colon && i < want->n);
		FUZZ_CHECK((size_t)(colon - p) == strlen(keys->v[i]) && memcmp(p, keys->v[i], strlen(keys->v[i])) == 0);
		p = colon + 1;
		FUZZ_CHECK(p < end && *p == '"');
		p++;
		buf_reset(&v);
		for (;;) {
			FUZZ_CHECK(p < end);
			FUZZ_CHECK(*p != '\r' && *p != '\n'); /* no raw line break inside a value */
			if (*p == '"')
				break;
			if (*p == '\\') {
				FUZZ_CHECK(p + 1 < end);
				p++;
				FUZZ_CHECK(*p == '"' || *p == '\\' || *p == 'n' || *p == 'r');
				buf_addc(&v, *p == 'n' ? '\n' : *p == 'r' ? '\r' : *p);
			} else {
				buf_addc(&v, *p);
			}
			p++;
		}
		FUZZ_CHECK(strcmp(v.p, want->v[i]) == 0);
		p++;
		FUZZ_CHECK(end - p >= 2 && p[0] == '\r' && p[1] == '\n');
		p += 2;
		i++;
	}
	FUZZ_CHECK(i == want->n);
	buf_free(&v);
}

/* A reader for exactly what the writer may produce: elements, and text only
 * as CDATA sections; adjacent sections make one text. */
static void check_xml(const struct buf *b, const struct leaves *want)
{
	static const char head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
	const char *p = b->p, *end = b->p + b->len;
	const char *stack[16];
	size_t sl[16], depth = 0, i = 0;
	struct buf text;
	int in_text = 0;

	FUZZ_CHECK(b->len >= sizeof(head) - 1 && memcmp(p, head, sizeof(head) - 1) == 0);
	p += sizeof(head) - 1;
	buf_init(&text);
	while (p < end) {
		FUZZ_CHECK(*p == '<');
		if (end - p >= 9 && memcmp(p, "<![CDATA[", 9) == 0) {
			const char *close = NULL;
			p += 9;
			for (const char *q = p; q + 3 <= end; q++)
				if (memcmp(q, "]]>", 3) == 0) {
					close = q;
					break;
				}
			FUZZ_CHECK(close != NULL);
			buf_add(&text, p, (size_t)(close - p));
			in_text = 1;
			p = close + 3;
			continue;
		}
		if (in_text) { /* the element's text ends here */
			if (depth > 0 && !(depth == 2 && strncmp(stack[1], "success", 7) == 0 && sl[1] == 7)) {
				FUZZ_CHECK(i < want->n && strcmp(text.p, want->v[i]) == 0);
				i++;
			}
			buf_reset(&text);
			in_text = 0;
		}
		{
			int closing = p[1] == '/';
			const char *name = p + 1 + closing, *gt = memchr(name, '>', (size_t)(end - name));
			FUZZ_CHECK(gt != NULL);
			for (const char *q = name; q < gt; q++)
				FUZZ_CHECK((*q >= 'a' && *q <= 'z') || *q == '_');
			if (closing) {
				FUZZ_CHECK(depth > 0 && sl[depth - 1] == (size_t)(gt - name) &&
					   memcmp(stack[depth - 1], name, sl[depth - 1]) == 0);
				depth--;
			} else {
				FUZZ_CHECK(depth < 16);
				stack[depth] = name;
				sl[depth++] = (size_t)(gt - name);
			}
			p = gt + 1;
		}
	}
	FUZZ_CHECK(depth == 0 && !in_text);
	FUZZ_CHECK(i == want->n);
	buf_free(&text);
}

static void raw_string(const uint8_t *data, size_t size)
{
	struct buf b;
	char *s = malloc(size ? size : 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	buf_init(&b);
	gj_json_string(&b, s, size);
	FUZZ_CHECK(json_check(b.p, b.len, 1));
	for (size_t i = 0; i < b.len; i++)
		FUZZ_CHECK((unsigned char)b.p[i] >= 0x20 && (unsigned char)b.p[i] < 0x80);
	if (util_utf8_valid(s, size) && !jsonc_misreads(s, size)) {
		struct json_object *o = json_tokener_parse(b.p);
		FUZZ_CHECK(o && json_object_is_type(o, json_type_string));
		FUZZ_CHECK((size_t)json_object_get_string_len(o) == size);
		FUZZ_CHECK(memcmp(json_object_get_string(o), s, size) == 0);
		json_object_put(o);
	}
	buf_free(&b);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f;
	unsigned flags;
	int success, utf8 = 1;
	char *msg = NULL;
	struct json_object *d = NULL;
	struct buf b;

	FUZZ_INPUT(data);
	raw_string(data, size);
	fz_init(&f, data, size);
	flags = fz_byte(&f);
	success = flags & 1;
	if (flags & 2)
		msg = fz_field(&f, 0, NULL);
	if (flags & 4)
		d = build_object(&f, 0, 1, &utf8);
	buf_init(&b);

	gj_format_write(&b, GJ_JSON, success, msg, d);
	check_json(&b, success, msg, d, utf8);

	{
		struct leaves want = { 0 }, keys = { 0 };
		leaves_add(&want, success ? "true" : "false");
		leaves_add(&keys, "success");
		if (msg) {
			leaves_add(&want, msg);
			leaves_add(&keys, "message");
		}
		if (d)
			walk(d, &want, &keys);
		buf_reset(&b);
		gj_format_write(&b, GJ_KEYPAIR, success, msg, d);
		check_keypair(&b, &want, &keys);
		buf_reset(&b);
		gj_format_write(&b, GJ_XML, success, msg, d);
		/* The xml reader skips <success>: compare from the message on. */
		{
			struct leaves rest = { want.v + 1, want.n - 1, want.n - 1, 1 };
			check_xml(&b, &rest);
		}
		leaves_free(&want);
		leaves_free(&keys);
	}

	buf_reset(&b);
	gj_format_write(&b, GJ_DUMP, success, msg, d);
	FUZZ_CHECK(strncmp(b.p, success ? "SUCCESS\r\n" : "FAILURE\r\n", 9) == 0);

	buf_free(&b);
	if (d)
		json_object_put(d);
	free(msg);
	return 0;
}
