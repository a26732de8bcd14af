/* gj_format: Game Jolt answers in json, keypair, dump and xml. A handler
 * builds its result as a json-c object (strings, integers, arrays of
 * objects, in the order they must appear); the writer renders it. */
#ifndef ARCADE_GJ_FORMAT_H
#define ARCADE_GJ_FORMAT_H

#include "util.h"

struct json_object;

enum gj_fmt { GJ_JSON, GJ_KEYPAIR, GJ_DUMP, GJ_XML };

/* 0 and *out, or -1 for an unknown format name. */
int gj_format_parse(const char *s, enum gj_fmt *out);
const char *gj_format_ctype(enum gj_fmt f);
/* message may be NULL (no message field); data may be NULL. */
void gj_format_write(struct buf *out, enum gj_fmt f, int success, const char *message,
		     struct json_object *data);
/* JSON string the way PHP's json_encode writes it (exposed for tests). */
void gj_json_string(struct buf *out, const char *s, size_t n);
#endif
