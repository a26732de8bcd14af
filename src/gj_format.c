/* gj_format: the four Game Jolt response formats. */
#include "config.h"
#include "gj_format.h"

#include <json-c/json.h>
#include <string.h>

static const struct { const char *name; enum gj_fmt fmt; const char *ctype; } gj_fmts[] = {
	{ "json", GJ_JSON, "application/json" },
	{ "keypair", GJ_KEYPAIR, "text/plain; charset=utf-8" },
	{ "dump", GJ_DUMP, "text/plain; charset=utf-8" },
	{ "xml", GJ_XML, "text/xml; charset=utf-8" },
};

/* XML element names of list items. */
static const struct { const char *list, *item; } gj_items[] = {
	{ "scores", "score" }, { "tables", "table" }, { "users", "user" }, { "trophies", "trophy" },
	{ "keys", "key" }, { "friends", "friend" }, { "responses", "response" },
};

int gj_format_parse(const char *s, enum gj_fmt *out)
{
	for (size_t i = 0; i < sizeof(gj_fmts) / sizeof(gj_fmts[0]); i++)
		if (strcmp(s, gj_fmts[i].name) == 0) {
			*out = gj_fmts[i].fmt;
			return 0;
		}
	return -1;
}

const char *gj_format_ctype(enum gj_fmt f)
{
	return gj_fmts[f].ctype;
}

static const char *gj_item_name(const char *list)
{
	for (size_t i = 0; i < sizeof(gj_items) / sizeof(gj_items[0]); i++)
		if (strcmp(list, gj_items[i].list) == 0)
			return gj_items[i].item;
	return "item";
}

/* Decodes one UTF-8 sequence (input is validated on the way in). */
static unsigned gj_utf8_next(const unsigned char *s, size_t n, size_t *i)
{
	unsigned c = s[*i], cp;
	size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;

	cp = c & (len == 4 ? 0x07 : len == 3 ? 0x0f : 0x1f);
	for (size_t k = 1; k < len && *i + k < n; k++)
		cp = (cp << 6) | (s[*i + k] & 0x3f);
	*i += len;
	return cp;
}

void gj_json_string(struct buf *out, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	buf_addc(out, '"');
	while (i < n) {
		unsigned c = s[i];
		size_t run = i;
		/* Plain characters go in as one run: most text has nothing to escape. */
		while (run < n && s[run] >= 0x20 && s[run] < 0x80 && s[run] != '"' && s[run] != '\\' && s[run] != '/')
			run++;
		if (run > i) {
			buf_add(out, s + i, run - i);
			i = run;
			continue;
		}
		if (c >= 0x80) {
			unsigned cp = gj_utf8_next(s, n, &i);
			if (cp >= 0x10000) {
				cp -= 0x10000;
				buf_printf(out, "\\u%04x\\u%04x", 0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
			} else {
				buf_printf(out, "\\u%04x", cp);
			}
			continue;
		}
		i++;
		switch (c) {
		case '"': buf_adds(out, "\\\""); break;
		case '\\': buf_adds(out, "\\\\"); break;
		case '/': buf_adds(out, "\\/"); break;
		case '\b': buf_adds(out, "\\b"); break;
		case '\f': buf_adds(out, "\\f"); break;
		case '\n': buf_adds(out, "\\n"); break;
		case '\r': buf_adds(out, "\\r"); break;
		case '\t': buf_adds(out, "\\t"); break;
		default:
			if (c < 0x20)
				buf_printf(out, "\\u%04x", c);
			else
				buf_addc(out, (char)c);
		}
	}
	buf_addc(out, '"');
}

static void gj_json_value(struct buf *out, struct json_object *v);

static void gj_json_members(struct buf *out, struct json_object *o, int first)
{
	json_object_object_foreach(o, k, v) {
		if (!first)
			buf_addc(out, ',');
		first = 0;
		gj_json_string(out, k, strlen(k));
		buf_addc(out, ':');
		gj_json_value(out, v);
	}
}

static void gj_json_value(struct buf *out, struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_string:
		gj_json_string(out, json_object_get_string(v), (size_t)json_object_get_string_len(v));
		break;
	case json_type_int: {
		char b[24];
		size_t n = util_i64_dec(json_object_get_int64(v), b);
		buf_add(out, b, n);
		break;
	}
	case json_type_boolean:
		buf_adds(out, json_object_get_boolean(v) ? "true" : "false");
		break;
	case json_type_array:
		buf_addc(out, '[');
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			if (i)
				buf_addc(out, ',');
			gj_json_value(out, json_object_array_get_idx(v, i));
		}
		buf_addc(out, ']');
		break;
	case json_type_object:
		buf_addc(out, '{');
		gj_json_members(out, v, 1);
		buf_addc(out, '}');
		break;
	default:
		buf_adds(out, "null");
	}
}

/* keypair values: quotes, backslashes and line breaks escaped. */
static void gj_kp_line(struct buf *out, const char *k, const char *v)
{
	buf_adds(out, k);
	buf_adds(out, ":\"");
	for (; *v; v++) {
		switch (*v) {
		case '"': buf_adds(out, "\\\""); break;
		case '\\': buf_adds(out, "\\\\"); break;
		case '\n': buf_adds(out, "\\n"); break;
		case '\r': buf_adds(out, "\\r"); break;
		default: buf_addc(out, *v);
		}
	}
	buf_adds(out, "\"\r\n");
}

static void gj_kp_members(struct buf *out, struct json_object *o)
{
	json_object_object_foreach(o, k, v) {
		if (json_object_is_type(v, json_type_array)) {
			for (size_t i = 0; i < json_object_array_length(v); i++) {
				struct json_object *it = json_object_array_get_idx(v, i);
				if (json_object_is_type(it, json_type_object))
					gj_kp_members(out, it);
				else
					gj_kp_line(out, k, json_object_get_string(it));
			}
		} else {
			gj_kp_line(out, k, json_object_get_string(v));
		}
	}
}

static void gj_xml_cdata(struct buf *out, const char *v)
{
	const char *end;

	buf_adds(out, "<![CDATA[");
	/* "]]>" cannot appear inside CDATA: close after "]]" and reopen. */
	while ((end = strstr(v, "]]>")) != NULL) {
		buf_add(out, v, (size_t)(end - v) + 2);
		buf_adds(out, "]]><![CDATA[");
		v = end + 2;
	}
	buf_adds(out, v);
	buf_adds(out, "]]>");
}

static void gj_xml_members(struct buf *out, struct json_object *o)
{
	json_object_object_foreach(o, k, v) {
		buf_printf(out, "<%s>", k);
		if (json_object_is_type(v, json_type_array)) {
			const char *item = gj_item_name(k);
			for (size_t i = 0; i < json_object_array_length(v); i++) {
				struct json_object *it = json_object_array_get_idx(v, i);
				buf_printf(out, "<%s>", item);
				if (json_object_is_type(it, json_type_object))
					gj_xml_members(out, it);
				else
					gj_xml_cdata(out, json_object_get_string(it));
				buf_printf(out, "</%s>", item);
			}
		} else {
			gj_xml_cdata(out, json_object_get_string(v));
		}
		buf_printf(out, "</%s>", k);
	}
}

void gj_format_write(struct buf *out, enum gj_fmt f, int success, const char *message,
		     struct json_object *data)
{
	const char *ok = success ? "true" : "false";

	switch (f) {
	case GJ_JSON:
		buf_adds(out, "{\"response\":{\"success\":");
		gj_json_string(out, ok, strlen(ok));
		if (message) {
			buf_adds(out, ",\"message\":");
			gj_json_string(out, message, strlen(message));
		}
		if (data)
			gj_json_members(out, data, 0);
		buf_adds(out, "}}");
		break;
	case GJ_KEYPAIR:
		gj_kp_line(out, "success", ok);
		if (message)
			gj_kp_line(out, "message", message);
		if (data)
			gj_kp_members(out, data);
		break;
	case GJ_DUMP: {
		struct json_object *raw = NULL;
		buf_adds(out, success ? "SUCCESS\r\n" : "FAILURE\r\n");
		if (!success)
			buf_adds(out, message ? message : "");
		else if (data && json_object_object_get_ex(data, "data", &raw) && json_object_object_length(data) == 1)
			buf_adds(out, json_object_get_string(raw));
		else if (data)
			gj_kp_members(out, data);
		break;
	}
	case GJ_XML:
		buf_adds(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<response><success>");
		gj_xml_cdata(out, ok);
		buf_adds(out, "</success>");
		if (message) {
			buf_adds(out, "<message>");
			gj_xml_cdata(out, message);
			buf_adds(out, "</message>");
		}
		if (data)
			gj_xml_members(out, data);
		buf_adds(out, "</response>");
		break;
	}
}
