/* tb_plain: the plain batch-scores body (see tb_plain.h). One pass that
 * only looks, so that a body refused halfway is left as it was for json-c;
 * the strings are ended in place once the whole body is taken. */
#include "config.h"
#include "tb_plain.h"

#include <stddef.h>
#include <string.h>

/* Digits of a number this reader takes: below 2^53, exact for any reader. */
#define TBP_DIGITS_MAX 15

enum { TBP_MATCH, TBP_INDEX, TBP_MAP, TBP_CS, TBP_OS, TBP_FIELDS };

static const struct {
	const char *name;
	size_t len;
	int is_string;
} tbp_fields[TBP_FIELDS] = {
	[TBP_MATCH] = { "matchId", 7, 1 },
	[TBP_INDEX] = { "mapIndex", 8, 0 },
	[TBP_MAP] = { "mapId", 5, 1 },
	[TBP_CS] = { "creatorTeamScore", 16, 0 },
	[TBP_OS] = { "opponentTeamScore", 17, 0 },
};

struct tbp {
	char *s;
	size_t n, i;
};

/* Bytes inside a string: 0 taken, 1 its end, 2 refused (escapes, controls,
 * anything not printable ASCII). */
static const unsigned char tbp_class[256] = {
	[0 ... 0x1f] = 2, ['"'] = 1, ['\\'] = 2, [0x7f ... 0xff] = 2,
};

static void tbp_ws(struct tbp *p)
{
	while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r'))
		p->i++;
}

/* The next non-blank byte is c: step over it. */
static int tbp_take(struct tbp *p, char c)
{
	tbp_ws(p);
	if (p->i >= p->n || p->s[p->i] != c)
		return 0;
	p->i++;
	return 1;
}

/* A string without escapes; *at is its opening quote, *len its length
 * between the quotes. Only printable ASCII: then json-c prints it back as
 * exactly these bytes (a non-ASCII matchId is refused later anyway). */
static int tbp_string(struct tbp *p, size_t *at, size_t *len)
{
	size_t j;

	if (!tbp_take(p, '"'))
		return 0;
	*at = p->i - 1;
	for (j = p->i; j < p->n && tbp_class[(unsigned char)p->s[j]] == 0; j++)
		;
	if (j >= p->n || p->s[j] != '"')
		return 0;
	*len = j - p->i;
	p->i = j + 1;
	return 1;
}

/* -?digits: what json-c reads as an int; no fraction, no exponent. */
static int tbp_int(struct tbp *p, int64_t *out)
{
	int neg = 0;
	size_t d = 0;
	int64_t v = 0;

	tbp_ws(p);
	if (p->i < p->n && p->s[p->i] == '-') {
		neg = 1;
		p->i++;
	}
	for (; p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9'; p->i++, d++)
		if (d < TBP_DIGITS_MAX) /* more is refused below: never overflows */
			v = v * 10 + (p->s[p->i] - '0');
	if (d == 0 || d > TBP_DIGITS_MAX || (d > 1 && p->s[p->i - d] == '0'))
		return 0;
	if (p->i < p->n && (p->s[p->i] == '.' || p->s[p->i] == 'e' || p->s[p->i] == 'E'))
		return 0;
	*out = neg ? -v : v;
	return 1;
}

static int tbp_field(const char *name, size_t len)
{
	for (int f = 0; f < TBP_FIELDS; f++)
		if (tbp_fields[f].len == len && memcmp(tbp_fields[f].name, name, len) == 0)
			return f;
	return -1;
}

/* One {...} with each of the five members once. */
static int tbp_item(struct tbp *p, struct tb_plain *it)
{
	unsigned seen = 0;

	if (!tbp_take(p, '{'))
		return 0;
	do {
		size_t at, len;
		int f;
		if (!tbp_string(p, &at, &len) || (f = tbp_field(p->s + at + 1, len)) < 0 || (seen & (1u << f)) ||
		    !tbp_take(p, ':'))
			return 0;
		seen |= 1u << f;
		if (tbp_fields[f].is_string) {
			if (!tbp_string(p, &at, &len))
				return 0;
			if (f == TBP_MATCH) {
				it->match_id = p->s + at + 1;
				it->match_len = len;
			} else {
				it->map_id = p->s + at + 1;
				it->map_len = len;
			}
		} else {
			int64_t v;
			if (!tbp_int(p, &v))
				return 0;
			*(f == TBP_INDEX ? &it->index : f == TBP_CS ? &it->cs : &it->os) = v;
		}
	} while (tbp_take(p, ','));
	return seen == (1u << TBP_FIELDS) - 1 && tbp_take(p, '}');
}

/* {"items":[item, ...]} and nothing after it but white space. */
static int tbp_body(struct tbp *p, struct tb_plain *out, size_t cap)
{
	size_t at, len, k = 0;

	if (!tbp_take(p, '{') || !tbp_string(p, &at, &len) || len != 5 || memcmp(p->s + at + 1, "items", 5) ||
	    !tbp_take(p, ':') || !tbp_take(p, '['))
		return -1;
	do {
		if (k == cap || !tbp_item(p, &out[k]))
			return -1;
		k++;
	} while (tbp_take(p, ','));
	if (!tbp_take(p, ']') || !tbp_take(p, '}'))
		return -1;
	tbp_ws(p);
	return p->i == p->n ? (int)k : -1;
}

int tb_plain_read(char *text, size_t n, struct tb_plain *out, size_t cap)
{
	struct tbp p = { text, n, 0 };
	int k = tbp_body(&p, out, cap);

	for (int i = 0; i < k; i++) {
		text[out[i].match_id - text + (ptrdiff_t)out[i].match_len] = '\0';
		text[out[i].map_id - text + (ptrdiff_t)out[i].map_len] = '\0';
	}
	return k;
}
