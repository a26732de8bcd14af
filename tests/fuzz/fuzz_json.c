/* fuzz_json: JSON request bodies: json_check's strict RFC 8259 grammar, then
 * json-c (req_parse_json). A body that passes must come out of json-c's
 * writer (as TeamBattles stores and returns it) as strict JSON that reads
 * back as the same value.
 * Input: the body. */
#include "config.h"
#include "fuzz.h"
#include "../../src/errors.h"
#include "../../src/json_check.h"
#include "../../src/request.h"
#include "../../src/util.h"

#include <json-c/json.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct req r;
	int rc, strict;

	FUZZ_INPUT(data);
	memset(&r, 0, sizeof(r));
	r.body = fz_cstr(data, size);
	r.body_len = size;
	/* json_check alone, on bytes that are not NUL-terminated. */
	{
		char *exact = malloc(size ? size : 1);
		if (!exact)
			abort();
		memcpy(exact, data, size);
		strict = json_check(exact, size, REQ_JSON_DEPTH);
		(void)json_check(exact, size, 1);
		free(exact);
	}
	rc = req_parse_json(&r);
	if (rc == 0) {
		const char *text;
		struct json_object *back;

		FUZZ_CHECK(r.json != NULL);
		FUZZ_CHECK(strict);
		text = json_object_to_json_string_ext(r.json, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		FUZZ_CHECK(json_check(text, strlen(text), REQ_JSON_DEPTH));
		back = json_tokener_parse(text);
		FUZZ_CHECK(back != NULL);
		FUZZ_CHECK(json_object_equal(back, r.json));
		json_object_put(back);
		/* Parsing twice is a no-op. */
		FUZZ_CHECK(req_parse_json(&r) == 0);
	} else {
		FUZZ_CHECK(rc == ARC_EJSON);
		FUZZ_CHECK(r.json == NULL);
	}
	req_free(&r);
	return 0;
}
