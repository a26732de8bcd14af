/* gj_core: what every Game Jolt handler shares: the messages, the format of
 * the answer, gj_begin() (format, game, signature, the game's rate bucket),
 * player authentication, and small value helpers. */
#ifndef ARCADE_GJ_CORE_H
#define ARCADE_GJ_CORE_H

#include <lmdb.h>
#include "games.h"
#include "gj_format.h"
#include "handler.h"

struct json_object;

enum gj_msg {
	GJM_NO_SIGNATURE, GJM_BAD_SIGNATURE, GJM_BAD_GAME, GJM_NO_USER, GJM_BAD_TABLE,
	GJM_USER_XOR_GUEST, GJM_BETTER_XOR_WORSE, GJM_NO_RANK, GJM_GUESTS_DENIED, GJM_NO_OWNER,
	GJM_NO_SCORE, GJM_NO_SORT, GJM_ADD_FAILED, GJM_WINDOW_NUMERIC, GJM_SCORE_LONG, GJM_EXTRA_LONG,
	GJM_GUEST_NAME, GJM_USERS_NONE, GJM_USER_NOT_FOUND, GJM_NO_SESSION, GJM_BAD_STATUS,
	GJM_NEED_TROPHY, GJM_BAD_TROPHY, GJM_HAS_TROPHY, GJM_NOT_HAS_TROPHY, GJM_NEED_KEY, GJM_KEY_LONG,
	GJM_NO_ITEM, GJM_NEED_DATA, GJM_DATA_LONG, GJM_BAD_OPERATION, GJM_NEED_VALUE, GJM_NOT_NUMERIC,
	GJM_DIV_ZERO, GJM_OVERFLOW, GJM_BATCH_NONE, GJM_BATCH_MANY, GJM_BATCH_PAR_BREAK, GJM_BATCH_DUMP,
	GJM_BATCH_NESTED, GJM_UNKNOWN_ENDPOINT, GJM_TOO_MANY_IDS,
	GJM__COUNT
};

struct gj_call {
	struct ctx *c;
	enum gj_fmt fmt;
	struct game game;
};

/* Format, game_id, signature (unless inside a batch), the game's bucket.
 * 0: go on. Otherwise the answer is written; the handler returns *rc. */
int gj_begin(struct ctx *c, struct gj_call *g, int *rc);
void gj_end(struct gj_call *g);

/* Writes the answer, or inside a batch appends it to c->gj_collect. */
void gj_answer(struct ctx *c, enum gj_fmt f, int success, const char *msg, struct json_object *data);
/* Answers success with data (consumed; NULL for none). Returns 0. */
int gj_ok(struct gj_call *g, struct json_object *data);
/* Answers failure with a message; returns 0 (the failure is the answer). */
int gj_fail(struct gj_call *g, enum gj_msg m);
const char *gj_message(enum gj_msg m);
const char *gj_param(const struct gj_call *g, const char *name);
enum gj_fmt gj_fmt_of(const struct req *r);

/* The player named by username + user_token, or ARC_ENOENT. */
int gj_player(struct store *s, MDB_txn *txn, const struct gj_call *g, struct player *out);

struct json_object *gj_str(const char *s);
struct json_object *gj_u64(uint64_t v);
/* "5 minutes ago"-style text for a past time (ms since the epoch). */
void gj_ago(uint64_t now_ms, uint64_t then_ms, char *out, size_t n);
struct json_object *gj_ago_json(uint64_t now_ms, uint64_t then_ms);
#endif
