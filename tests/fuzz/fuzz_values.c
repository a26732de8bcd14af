/* fuzz_values: the small parsers every handler runs on parameter values and
 * the MeshMap/TeamBattles value writers, each checked against a reference
 * written here or by a round trip:
 *   util_utf8_valid        against a decoder of the Unicode well-formed table
 *   util_parse_u64/_i64    against arithmetic in 128 bits
 *   tb_id_parse, mm_id     print back to the same text
 *   status/format/trophy   names print back (or match case-insensitively)
 *   mm_js_str, mm_js_num   strict JSON that reads back to the same value
 *   mm_js_time, util_iso8601 what strftime and printf write
 * Input: the value (the numeric writers read its first 8 bytes). */
#include "config.h"
#include "fuzz.h"
#include "../../src/gamejolt.h"
#include "../../src/gj_format.h"
#include "../../src/json_check.h"
#include "../../src/matches.h"
#include "../../src/mm_wire.h"
#include "../../src/util.h"

#include <json-c/json.h>
#include <math.h>
#include <strings.h>
#include <time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Unicode 15, table 3-7: well-formed UTF-8 byte sequences. */
static int ref_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i], lo = 0x80, hi = 0xbf;
		size_t len;
		if (c <= 0x7f) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4;
		else
			return 0;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
		else if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
		if (n - i < len || s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		for (size_t k = 2; k < len; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xbf)
				return 0;
		i += len;
	}
	return 1;
}

/* -1, or 0 with the value: digits only, at least one, no overflow. */
static int ref_u64(const char *s, unsigned __int128 limit, unsigned __int128 *out)
{
	unsigned __int128 v = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > limit)
			return -1;
	}
	*out = v;
	return 0;
}

static void check_text(const char *s, size_t n)
{
	uint64_t u, id;
	int64_t i;
	unsigned __int128 w;
	char back[32];
	int st;
	enum gj_fmt fmt;

	FUZZ_CHECK(util_utf8_valid(s, n) == ref_utf8((const unsigned char *)s, n));
	if (strlen(s) != n)
		return; /* the rest take C strings */

	FUZZ_CHECK((util_parse_u64(s, &u) == 0) == (ref_u64(s, UINT64_MAX, &w) == 0));
	if (util_parse_u64(s, &u) == 0)
		FUZZ_CHECK(u == (uint64_t)w);
	{
		const char *d = s + (*s == '-' || *s == '+');
		int neg = *s == '-';
		int ok = ref_u64(d, (unsigned __int128)INT64_MAX + neg, &w) == 0;
		FUZZ_CHECK((util_parse_i64(s, &i) == 0) == ok);
		if (ok)
			FUZZ_CHECK(neg ? (unsigned __int128)(-(__int128)i) == w : (unsigned __int128)i == w);
	}
	if (tb_id_parse(s, n, &id) == 0) {
		snprintf(back, sizeof(back), "%llu", (unsigned long long)id);
		FUZZ_CHECK(id != 0 && strcmp(back, s) == 0);
	}
	if ((id = mm_id(s, n)) != 0) {
		snprintf(back, sizeof(back), "%llu", (unsigned long long)id);
		FUZZ_CHECK(strcmp(back, s) == 0);
	}
	FUZZ_CHECK(mm_id_str(s) == mm_id(s, n));
	if ((st = tb_status_parse(s)) >= 0)
		FUZZ_CHECK(strcmp(tb_status_name(st), s) == 0);
	if ((st = mm_parse_status(s)) >= 0)
		FUZZ_CHECK(strcmp(mm_status_name(st), s) == 0);
	if (gj_format_parse(s, &fmt) == 0)
		FUZZ_CHECK(gj_format_ctype(fmt) != NULL);
	if ((st = trophy_difficulty_parse(s)) >= 0)
		FUZZ_CHECK(st >= 1 && st <= 4);
	if (name_valid(s))
		for (const char *p = s; *p; p++)
			FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);

	/* mm_js_str: its input is UTF-8 (every request value is). */
	if (util_utf8_valid(s, n)) {
		struct buf b;
		struct json_object *o;
		buf_init(&b);
		mm_js_str(&b, s);
		FUZZ_CHECK(json_check(b.p, b.len, 1));
		o = json_tokener_parse(b.p);
		FUZZ_CHECK(o && json_object_is_type(o, json_type_string) && strcmp(json_object_get_string(o), s) == 0);
		json_object_put(o);
		buf_free(&b);
	}
}

static void check_number(uint64_t bits)
{
	double d;
	struct buf b;

	memcpy(&d, &bits, sizeof(d));
	buf_init(&b);
	if (isfinite(d)) { /* mm_get_number only lets finite numbers in */
		mm_js_num(&b, d);
		FUZZ_CHECK(json_check(b.p, b.len, 1));
		FUZZ_CHECK(strtod(b.p, NULL) == d);
		if (fabs(d) < 9007199254740992.0 && d == trunc(d) && d != 0) {
			/* Whole numbers: exactly their digits, as JavaScript prints them. */
			char ref[40];
			snprintf(ref, sizeof(ref), "%.0f", d);
			FUZZ_CHECK(b.len == strlen(ref) && memcmp(b.p, ref, b.len) == 0);
		}
	}
	/* Times: anything up to the year 9999 (the server's clock writes them). */
	{
		uint64_t ms = bits % 253402300800000ull;
		char iso[32], ref[40];
		time_t t = (time_t)(ms / 1000);
		struct tm tm;
		FUZZ_CHECK(util_iso8601(ms, iso) == 24 && gmtime_r(&t, &tm));
		strftime(ref, 20, "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(ref + 19, 21, ".%03uZ", (unsigned)(ms % 1000));
		FUZZ_CHECK(strcmp(iso, ref) == 0);
		buf_reset(&b);
		mm_js_time(&b, ms);
		FUZZ_CHECK(b.len == 26 && b.p[0] == '"' && strncmp(b.p + 1, iso, 24) == 0);
		buf_reset(&b);
		mm_js_id(&b, bits);
		/* Ids are 1 to 19 digits (the sequences never get near 10^19). */
		if (bits && bits < 10000000000000000000ull)
			FUZZ_CHECK(b.p[0] == '"' && mm_id(b.p + 1, b.len - 2) == bits);
	}
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f;
	size_t n;
	char *s;
	uint64_t bits;

	FUZZ_INPUT(data);
	fz_init(&f, data, size);
	s = fz_rest(&f, &n);
	s = realloc(s, n + 1);
	if (!s)
		abort();
	s[n] = '\0';
	check_text(s, n);
	free(s);
	fz_init(&f, data, size);
	bits = fz_u64(&f);
	check_number(bits);
	return 0;
}
