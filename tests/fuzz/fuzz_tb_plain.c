/* fuzz_tb_plain: the plain batch-scores reader (tb_plain_read) against
 * json-c. Every body the reader takes must pass req_json_valid (the reader
 * runs before it), and json-c must read the same thing from it: an object
 * whose one member is "items", an array of as many objects, each with
 * exactly the five members of the types and values the reader gave; json-c
 * must print matchId as the reader's value in quotes (the answer echoes it).
 * A body the reader refuses, also for want of room, is left as it was.
 * Input: the body. */
#include "config.h"
#include "fuzz.h"
#include "../../src/request.h"
#include "../../src/tb_plain.h"

#include <json-c/json.h>

#define CAP 50

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct json_object *member(struct json_object *o, const char *name, json_type t)
{
	struct json_object *v = NULL;
	FUZZ_CHECK(json_object_object_get_ex(o, name, &v));
	FUZZ_CHECK(json_object_is_type(v, t));
	return v;
}

static void same_string(struct json_object *v, const char *s)
{
	FUZZ_CHECK((size_t)json_object_get_string_len(v) == strlen(s));
	FUZZ_CHECK(strcmp(json_object_get_string(v), s) == 0);
}

static void same_item(struct json_object *o, const struct tb_plain *it)
{
	struct json_object *m;
	const char *printed;

	FUZZ_CHECK(json_object_is_type(o, json_type_object));
	FUZZ_CHECK(json_object_object_length(o) == 5);
	m = member(o, "matchId", json_type_string);
	same_string(m, it->match_id);
	printed = json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	FUZZ_CHECK(strlen(it->match_id) == it->match_len && strlen(it->map_id) == it->map_len);
	FUZZ_CHECK(strlen(printed) == strlen(it->match_id) + 2 && printed[0] == '"');
	FUZZ_CHECK(memcmp(printed + 1, it->match_id, strlen(it->match_id)) == 0 && printed[strlen(printed) - 1] == '"');
	same_string(member(o, "mapId", json_type_string), it->map_id);
	FUZZ_CHECK(json_object_get_int64(member(o, "mapIndex", json_type_int)) == it->index);
	FUZZ_CHECK(json_object_get_int64(member(o, "creatorTeamScore", json_type_int)) == it->cs);
	FUZZ_CHECK(json_object_get_int64(member(o, "opponentTeamScore", json_type_int)) == it->os);
}

/* A refused body is unchanged: json-c reads it next. */
static int read_copy(const uint8_t *data, size_t size, struct tb_plain *it, size_t cap, char **out)
{
	char *copy = malloc(size ? size : 1);
	int n;

	if (!copy)
		abort();
	memcpy(copy, data, size);
	n = tb_plain_read(copy, size, it, cap);
	FUZZ_CHECK(n == -1 || (n >= 1 && (size_t)n <= cap));
	if (n < 0)
		FUZZ_CHECK(memcmp(copy, data, size) == 0);
	*out = copy;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tb_plain it[CAP], spare[CAP];
	struct json_object *items;
	struct req r;
	char *copy, *small;
	int n;

	FUZZ_INPUT(data);
	memset(&r, 0, sizeof(r));
	r.body = fz_cstr(data, size);
	r.body_len = size;
	n = read_copy(data, size, it, CAP, &copy);
	/* What it takes passes the checks before json-c: it may go first. */
	if (n > 0)
		FUZZ_CHECK(req_json_valid(&r) == 0);
	if (n > 1) {
		/* One item too many for the room: refused whole. */
		FUZZ_CHECK(read_copy(data, size, spare, (size_t)n - 1, &small) == -1);
		free(small);
	}
	if (n > 0) {
		FUZZ_CHECK(req_parse_json(&r) == 0);
		FUZZ_CHECK(json_object_is_type(r.json, json_type_object));
		FUZZ_CHECK(json_object_object_length(r.json) == 1);
		items = member(r.json, "items", json_type_array);
		FUZZ_CHECK(json_object_array_length(items) == (size_t)n);
		for (int i = 0; i < n; i++)
			same_item(json_object_array_get_idx(items, (size_t)i), &it[i]);
	}
	free(copy);
	req_free(&r);
	return 0;
}
