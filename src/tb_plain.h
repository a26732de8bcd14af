/* tb_plain: the batch-scores body in its plain shape, read without json-c.
 *
 * Nearly every batch a game sends is {"items":[{five members}, ...]}: the
 * five members of a map score, each once, strings without escapes, whole
 * numbers of at most 15 digits. Building and freeing a json-c tree for 50
 * such items cost more than confirming them. This reader takes exactly that
 * shape and refuses anything else, so that the caller reads the body through
 * json-c instead: either way the same values come out (fuzz_tb_plain checks
 * this against json-c for every body it accepts). */
#ifndef ARCADE_TB_PLAIN_H
#define ARCADE_TB_PLAIN_H

#include <stddef.h>
#include <stdint.h>

struct tb_plain {
	/* NUL-terminated inside the text; printable ASCII without '"' or
	 * '\\', so its JSON text is itself in quotes, as json-c prints it. */
	const char *match_id;
	const char *map_id;   /* NUL-terminated inside the text */
	size_t match_len, map_len;
	int64_t index, cs, os;
};

/* Reads text[0..n), any bytes, into out. What it takes is strict JSON in
 * ASCII without NUL (req_json_valid holds), so it may be called first. Ends
 * the two strings of each item with a NUL in place (text must be writable
 * and is not JSON afterwards when this succeeds). Returns the number of
 * items, 1..cap, or -1 when the body is not in the plain shape (text is
 * then unchanged). */
int tb_plain_read(char *text, size_t n, struct tb_plain *out, size_t cap);
#endif
