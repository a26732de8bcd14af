/* json_check: a recursive-descent JSON syntax checker (no allocation). */
#include "config.h"
#include "json_check.h"

struct jc {
	const unsigned char *s;
	size_t n, i;
	int depth, max_depth;
};

static int jc_value(struct jc *j);

static void jc_ws(struct jc *j)
{
	while (j->i < j->n && (j->s[j->i] == ' ' || j->s[j->i] == '\t' || j->s[j->i] == '\n' || j->s[j->i] == '\r'))
		j->i++;
}

static int jc_peek(const struct jc *j)
{
	return j->i < j->n ? j->s[j->i] : -1;
}

static int jc_lit(struct jc *j, const char *lit)
{
	for (; *lit; lit++, j->i++)
		if (j->i >= j->n || j->s[j->i] != (unsigned char)*lit)
			return 0;
	return 1;
}

static int jc_digits(struct jc *j)
{
	size_t start = j->i;
	while (j->i < j->n && j->s[j->i] >= '0' && j->s[j->i] <= '9')
		j->i++;
	return j->i > start;
}

static int jc_number(struct jc *j)
{
	if (jc_peek(j) == '-')
		j->i++;
	if (jc_peek(j) == '0')
		j->i++;
	else if (!jc_digits(j))
		return 0;
	if (jc_peek(j) == '.') {
		j->i++;
		if (!jc_digits(j))
			return 0;
	}
	if (jc_peek(j) == 'e' || jc_peek(j) == 'E') {
		j->i++;
		if (jc_peek(j) == '+' || jc_peek(j) == '-')
			j->i++;
		if (!jc_digits(j))
			return 0;
	}
	return 1;
}

static int jc_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int jc_string(struct jc *j)
{
	j->i++; /* opening quote */
	while (j->i < j->n) {
		unsigned char c = j->s[j->i++];
		if (c == '"')
			return 1;
		if (c < 0x20)
			return 0;
		if (c == '\\') {
			int e = jc_peek(j);
			j->i++;
			if (e == 'u') {
				for (int k = 0; k < 4; k++, j->i++)
					if (!jc_hex(jc_peek(j)))
						return 0;
			} else if (e < 0 || !(e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' ||
					      e == 'r' || e == 't')) {
				return 0;
			}
		}
	}
	return 0;
}

/* Members of an object or elements of an array, after the opening bracket. */
static int jc_container(struct jc *j, int close, int is_object)
{
	if (++j->depth > j->max_depth)
		return 0;
	j->i++;
	jc_ws(j);
	if (jc_peek(j) == close) {
		j->i++;
		j->depth--;
		return 1;
	}
	for (;;) {
		jc_ws(j);
		if (is_object) {
			if (jc_peek(j) != '"' || !jc_string(j))
				return 0;
			jc_ws(j);
			if (jc_peek(j) != ':')
				return 0;
			j->i++;
		}
		if (!jc_value(j))
			return 0;
		jc_ws(j);
		if (jc_peek(j) == ',') {
			j->i++;
			continue;
		}
		if (jc_peek(j) != close)
			return 0;
		j->i++;
		j->depth--;
		return 1;
	}
}

static int jc_value(struct jc *j)
{
	jc_ws(j);
	switch (jc_peek(j)) {
	case '{': return jc_container(j, '}', 1);
	case '[': return jc_container(j, ']', 0);
	case '"': return jc_string(j);
	case 't': return jc_lit(j, "true");
	case 'f': return jc_lit(j, "false");
	case 'n': return jc_lit(j, "null");
	default: return jc_number(j);
	}
}

int json_check(const char *s, size_t n, int max_depth)
{
	struct jc j = { (const unsigned char *)s, n, 0, 0, max_depth };

	if (!jc_value(&j))
		return 0;
	jc_ws(&j);
	return j.i == n;
}
