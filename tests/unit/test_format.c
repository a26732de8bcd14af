/* test_format: the four Game Jolt answer formats, byte for byte, per
 * API-GAMEJOLT.md and docs/gamejolt-contract-notes.md: json the way PHP's
 * json_encode writes it, keypair with CRLF and escaped values, dump, and
 * xml with every value in CDATA. */
#include "check.h"
#include "../../src/gj_format.h"
#include "../../src/util.h"

#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* gj_json_string on n bytes, as a C string in b. */
static const char *jstr(struct buf *b, const char *s, size_t n)
{
	buf_reset(b);
	gj_json_string(b, s, n);
	return b->p;
}

static void test_json_string(void)
{
	struct buf b;

	check_section("gj_json_string");
	buf_init(&b);
	CHECK_EQ_STR(jstr(&b, "", 0), "\"\"");
	CHECK_EQ_STR(jstr(&b, "plain text 123", 14), "\"plain text 123\"");
	CHECK_EQ_STR_MSG(jstr(&b, "a/b", 3), "\"a\\/b\"", "'/' -> \\/");
	CHECK_EQ_STR_MSG(jstr(&b, "q\"b\\", 4), "\"q\\\"b\\\\\"", "quote and backslash");
	CHECK_EQ_STR_MSG(jstr(&b, "\xc3\xa9", 2), "\"\\u00e9\"", "é -> \\u00e9");
	CHECK_EQ_STR_MSG(jstr(&b, "Zo\xc3\xab!", 5), "\"Zo\\u00eb!\"", "ë inside text");
	CHECK_EQ_STR_MSG(jstr(&b, "\xc2\x80", 2), "\"\\u0080\"", "U+0080");
	CHECK_EQ_STR_MSG(jstr(&b, "\xe2\x82\xac", 3), "\"\\u20ac\"", "€ -> \\u20ac");
	CHECK_EQ_STR_MSG(jstr(&b, "\xef\xbf\xbf", 3), "\"\\uffff\"", "U+FFFF");
	CHECK_EQ_STR_MSG(jstr(&b, "\xf0\x9f\x98\x80", 4), "\"\\ud83d\\ude00\"", "😀 -> surrogate pair");
	CHECK_EQ_STR_MSG(jstr(&b, "\xf0\x90\x80\x80", 4), "\"\\ud800\\udc00\"", "U+10000");
	CHECK_EQ_STR_MSG(jstr(&b, "\xf4\x8f\xbf\xbf", 4), "\"\\udbff\\udfff\"", "U+10FFFF");
	CHECK_EQ_STR_MSG(jstr(&b, "a\xf0\x9f\x98\x80" "b\xc3\xa9" "c", 9), "\"a\\ud83d\\ude00b\\u00e9c\"",
			 "mixed ASCII and non-ASCII");
	CHECK_EQ_STR_MSG(jstr(&b, "\b\f\n\r\t", 5), "\"\\b\\f\\n\\r\\t\"", "short escapes");
	CHECK_EQ_STR_MSG(jstr(&b, "\x01\x1f\x0b", 3), "\"\\u0001\\u001f\\u000b\"", "other control characters");
	CHECK_EQ_STR_MSG(jstr(&b, "a\0b", 3), "\"a\\u0000b\"", "NUL inside n bytes");
	CHECK_EQ_STR_MSG(jstr(&b, "\x7f~ <>&'", 7), "\"\x7f~ <>&'\"", "DEL and <>&' are left alone");
	CHECK_EQ_STR_MSG(jstr(&b, "abcdef", 3), "\"abc\"", "exactly n bytes");
	buf_free(&b);
}

/* {"name": ..., "count": 3, "scores": [{"score": ..., "sort": ...}, ...]} */
static struct json_object *sample(void)
{
	struct json_object *d = json_object_new_object(), *list = json_object_new_array(), *it;

	json_object_object_add(d, "name", json_object_new_string("Zo\xc3\xab \"q\" a/b\\c\r\nend"));
	json_object_object_add(d, "count", json_object_new_int64(3));
	it = json_object_new_object();
	json_object_object_add(it, "score", json_object_new_string("10 pts"));
	json_object_object_add(it, "sort", json_object_new_string("10"));
	json_object_array_add(list, it);
	it = json_object_new_object();
	json_object_object_add(it, "score", json_object_new_string("a]]>b\xf0\x9f\x98\x80"));
	json_object_object_add(it, "sort", json_object_new_string("-2"));
	json_object_array_add(list, it);
	json_object_object_add(d, "scores", list);
	return d;
}

static const char *render(struct buf *b, enum gj_fmt f, int success, const char *msg, struct json_object *data)
{
	buf_reset(b);
	gj_format_write(b, f, success, msg, data);
	return b->p ? b->p : "";
}

#define XML_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

static void test_write(void)
{
	struct buf b;
	struct json_object *d = sample(), *e;

	buf_init(&b);
	check_section("json");
	CHECK_EQ_STR_MSG(render(&b, GJ_JSON, 1, NULL, NULL), "{\"response\":{\"success\":\"true\"}}", "bare success");
	CHECK_EQ_STR_MSG(render(&b, GJ_JSON, 0, "No such user with the credentials passed in could be found.", NULL),
			 "{\"response\":{\"success\":\"false\",\"message\":\"No such user with the credentials passed "
			 "in could be found.\"}}",
			 "failure with message");
	CHECK_EQ_STR_MSG(render(&b, GJ_JSON, 0, "'username' and 'guest' are mutually exclusive", NULL),
			 "{\"response\":{\"success\":\"false\",\"message\":\"'username' and 'guest' are mutually "
			 "exclusive\"}}",
			 "single quotes are not escaped");
	CHECK_EQ_STR_MSG(render(&b, GJ_JSON, 1, NULL, d),
			 "{\"response\":{\"success\":\"true\",\"name\":\"Zo\\u00eb \\\"q\\\" a\\/b\\\\c\\r\\nend\","
			 "\"count\":3,\"scores\":[{\"score\":\"10 pts\",\"sort\":\"10\"},"
			 "{\"score\":\"a]]>b\\ud83d\\ude00\",\"sort\":\"-2\"}]}}",
			 "data: string, integer, array of objects");
	e = json_object_new_object();
	json_object_object_add(e, "scores", json_object_new_array());
	json_object_object_add(e, "big", json_object_new_int64(INT64_MIN));
	CHECK_EQ_STR_MSG(render(&b, GJ_JSON, 1, NULL, e),
			 "{\"response\":{\"success\":\"true\",\"scores\":[],\"big\":-9223372036854775808}}",
			 "empty list, INT64_MIN");
	CHECK_EQ_STR_MSG(render(&b, GJ_JSON, 0, "Bad </x>", e),
			 "{\"response\":{\"success\":\"false\",\"message\":\"Bad <\\/x>\",\"scores\":[],"
			 "\"big\":-9223372036854775808}}",
			 "message before data");

	check_section("keypair");
	CHECK_EQ_STR_MSG(render(&b, GJ_KEYPAIR, 1, NULL, NULL), "success:\"true\"\r\n", "bare success");
	CHECK_EQ_STR_MSG(render(&b, GJ_KEYPAIR, 0, "You must enter a score.", NULL),
			 "success:\"false\"\r\nmessage:\"You must enter a score.\"\r\n", "failure with message");
	CHECK_EQ_STR_MSG(render(&b, GJ_KEYPAIR, 1, NULL, d),
			 "success:\"true\"\r\n"
			 "name:\"Zo\xc3\xab \\\"q\\\" a/b\\\\c\\r\\nend\"\r\n"
			 "count:\"3\"\r\n"
			 "score:\"10 pts\"\r\n"
			 "sort:\"10\"\r\n"
			 "score:\"a]]>b\xf0\x9f\x98\x80\"\r\n"
			 "sort:\"-2\"\r\n",
			 "data: escaped value, integer, list items repeat their keys");
	CHECK_EQ_STR_MSG(render(&b, GJ_KEYPAIR, 1, NULL, e), "success:\"true\"\r\nbig:\"-9223372036854775808\"\r\n",
			 "an empty list writes nothing");

	check_section("dump");
	CHECK_EQ_STR_MSG(render(&b, GJ_DUMP, 1, NULL, NULL), "SUCCESS\r\n", "bare success");
	CHECK_EQ_STR_MSG(render(&b, GJ_DUMP, 0, "You must enter a score.", NULL), "FAILURE\r\nYou must enter a score.",
			 "failure: the message as is");
	CHECK_EQ_STR_MSG(render(&b, GJ_DUMP, 0, "a \"b\"\nc", NULL), "FAILURE\r\na \"b\"\nc",
			 "failure message is not escaped");
	CHECK_EQ_STR_MSG(render(&b, GJ_DUMP, 1, NULL, d),
			 "SUCCESS\r\n"
			 "name:\"Zo\xc3\xab \\\"q\\\" a/b\\\\c\\r\\nend\"\r\n"
			 "count:\"3\"\r\n"
			 "score:\"10 pts\"\r\n"
			 "sort:\"10\"\r\n"
			 "score:\"a]]>b\xf0\x9f\x98\x80\"\r\n"
			 "sort:\"-2\"\r\n",
			 "success: the keypair lines of the result");
	{
		struct json_object *raw = json_object_new_object();
		json_object_object_add(raw, "data", json_object_new_string("raw \"data\"\r\nline 2"));
		CHECK_EQ_STR_MSG(render(&b, GJ_DUMP, 1, NULL, raw), "SUCCESS\r\nraw \"data\"\r\nline 2",
				 "data-store fetch: the raw data");
		CHECK_EQ_STR_MSG(render(&b, GJ_KEYPAIR, 1, NULL, raw),
				 "success:\"true\"\r\ndata:\"raw \\\"data\\\"\\r\\nline 2\"\r\n", "same in keypair");
		json_object_put(raw);
	}

	check_section("xml");
	CHECK_EQ_STR_MSG(render(&b, GJ_XML, 1, NULL, NULL),
			 XML_HEAD "<response><success><![CDATA[true]]></success></response>", "bare success");
	CHECK_EQ_STR_MSG(render(&b, GJ_XML, 0, "Bad <x> & ]]> end", NULL),
			 XML_HEAD "<response><success><![CDATA[false]]></success>"
				  "<message><![CDATA[Bad <x> & ]]]]><![CDATA[> end]]></message></response>",
			 "failure with message, ]]> split");
	CHECK_EQ_STR_MSG(render(&b, GJ_XML, 1, NULL, d),
			 XML_HEAD "<response><success><![CDATA[true]]></success>"
				  "<name><![CDATA[Zo\xc3\xab \"q\" a/b\\c\r\nend]]></name>"
				  "<count><![CDATA[3]]></count>"
				  "<scores>"
				  "<score><score><![CDATA[10 pts]]></score><sort><![CDATA[10]]></sort></score>"
				  "<score><score><![CDATA[a]]]]><![CDATA[>b\xf0\x9f\x98\x80]]></score>"
				  "<sort><![CDATA[-2]]></sort></score>"
				  "</scores></response>",
			 "data: CDATA values, list items named <score>");
	CHECK_EQ_STR_MSG(render(&b, GJ_XML, 1, NULL, e),
			 XML_HEAD "<response><success><![CDATA[true]]></success><scores></scores>"
				  "<big><![CDATA[-9223372036854775808]]></big></response>",
			 "empty list");
	{
		static const struct { const char *list, *item; } names[] = {
			{ "tables", "table" }, { "users", "user" }, { "trophies", "trophy" }, { "keys", "key" },
			{ "friends", "friend" }, { "responses", "response" },
		};
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			struct json_object *o = json_object_new_object(), *l = json_object_new_array(),
					   *it = json_object_new_object();
			char want[256], desc[64];
			json_object_object_add(it, "id", json_object_new_string("1"));
			json_object_array_add(l, it);
			json_object_object_add(o, names[i].list, l);
			snprintf(want, sizeof(want),
				 XML_HEAD "<response><success><![CDATA[true]]></success><%s><%s><id><![CDATA[1]]></id>"
					  "</%s></%s></response>",
				 names[i].list, names[i].item, names[i].item, names[i].list);
			snprintf(desc, sizeof(desc), "<%s> holds <%s>", names[i].list, names[i].item);
			CHECK_EQ_STR_MSG(render(&b, GJ_XML, 1, NULL, o), want, desc);
			json_object_put(o);
		}
	}
	{
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "v", json_object_new_string("]]>]]>x]]"));
		CHECK_EQ_STR_MSG(render(&b, GJ_XML, 1, NULL, o),
				 XML_HEAD "<response><success><![CDATA[true]]></success>"
					  "<v><![CDATA[]]]]><![CDATA[>]]]]><![CDATA[>x]]]]></v></response>",
				 "two ]]> in a row and a trailing ]]");
		json_object_put(o);
	}

	check_section("gj_format_parse / ctype");
	{
		enum gj_fmt f = GJ_XML;
		CHECK_EQ_INT(gj_format_parse("json", &f), 0);
		CHECK_EQ_INT(f, GJ_JSON);
		CHECK_EQ_INT(gj_format_parse("keypair", &f), 0);
		CHECK_EQ_INT(f, GJ_KEYPAIR);
		CHECK_EQ_INT(gj_format_parse("dump", &f), 0);
		CHECK_EQ_INT(f, GJ_DUMP);
		CHECK_EQ_INT(gj_format_parse("xml", &f), 0);
		CHECK_EQ_INT(f, GJ_XML);
		CHECK_EQ_INT(gj_format_parse("yaml", &f), -1);
		CHECK_EQ_INT(gj_format_parse("", &f), -1);
		CHECK_EQ_INT(gj_format_parse("jsonx", &f), -1);
		CHECK_EQ_STR(gj_format_ctype(GJ_JSON), "application/json");
		CHECK_MSG(strncmp(gj_format_ctype(GJ_KEYPAIR), "text/plain", 10) == 0, "keypair is text/plain");
		CHECK_MSG(strncmp(gj_format_ctype(GJ_DUMP), "text/plain", 10) == 0, "dump is text/plain");
		CHECK_MSG(strncmp(gj_format_ctype(GJ_XML), "text/xml", 8) == 0, "xml is text/xml");
	}
	json_object_put(d);
	json_object_put(e);
	buf_free(&b);
}

/* Every number in every answer is printed by these two: each digit count,
 * both ends of the range, against printf. */
static void test_decimal(void)
{
	static const uint64_t u[] = { 0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 12345, 100000, 1234567,
				      UINT64_C(9999999999), UINT64_C(10000000000), UINT64_MAX - 1, UINT64_MAX };
	static const int64_t s[] = { 0, -1, -9, -10, -99, -100, 42, -123456789, INT64_MAX, INT64_MIN,
				     INT64_MIN + 1 };
	char got[24], want[24];
	uint64_t p = 1;

	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		snprintf(want, sizeof(want), "%llu", (unsigned long long)u[i]);
		CHECK_EQ_U64(util_u64_dec(u[i], got), strlen(want));
		CHECK_EQ_STR(got, want);
	}
	for (int d = 1; d <= 19; d++, p *= 10) { /* 10^k - 1 and 10^k: every length */
		snprintf(want, sizeof(want), "%llu", (unsigned long long)p);
		util_u64_dec(p, got);
		CHECK_EQ_STR(got, want);
		snprintf(want, sizeof(want), "%llu", (unsigned long long)(p - 1));
		util_u64_dec(p - 1, got);
		CHECK_EQ_STR(got, want);
	}
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		snprintf(want, sizeof(want), "%lld", (long long)s[i]);
		CHECK_EQ_U64(util_i64_dec(s[i], got), strlen(want));
		CHECK_EQ_STR(got, want);
	}
}

int main(void)
{
	test_decimal();
	test_json_string();
	test_write();
	return check_done();
}
