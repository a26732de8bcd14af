/* json_check: an RFC 8259 syntax check run before json-c parses a body.
 * json-c's strict mode still takes NaN, Infinity, "1.", single quotes and
 * raw control characters inside strings; none of those may reach a handler. */
#ifndef ARCADE_JSON_CHECK_H
#define ARCADE_JSON_CHECK_H

#include <stddef.h>

/* 1 when s[0..n) is exactly one JSON value (white space around it allowed)
 * nested at most max_depth arrays/objects deep. */
int json_check(const char *s, size_t n, int max_depth);
#endif
