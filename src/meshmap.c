/* meshmap: the MeshMap app API (API-MESHMAP.md; docs/meshmap.md). Each
 * handler: authenticate the app key and charge its bucket, validate the
 * query and body (mm_wire.c), one transaction, answer. Errors are
 * {"error": "message"}; validation errors {"error": [{code, message, path}]}. */
#include "config.h"
#include "meshmap.h"
#include "apikeys.h"
#include "errors.h"
#include "games.h"
#include "mm_store.h"
#include "mm_wire.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MM_BOARD_DEFAULT 10
#define MM_USERID_MAX 255
#define MM_URL_MAX 2048

enum mm_msg {
	MSG_NO_KEY, MSG_BAD_KEY, MSG_NO_SESSION, MSG_NO_PLAYER, MSG_NO_TYPE, MSG_NOT_REGISTERED,
	MSG_REGISTERED, MSG_COMPLETED, MSG_PLAYER_EXISTS, MSG_TYPE_EXISTS,
};

static const struct { int status; const char *text; } mm_msgs[] = {
	[MSG_NO_KEY] = { 401, "Missing API key" },
	[MSG_BAD_KEY] = { 401, "Invalid API key" },
	[MSG_NO_SESSION] = { 404, "Game session not found" },
	[MSG_NO_PLAYER] = { 404, "Player not found" },
	[MSG_NO_TYPE] = { 404, "Mini game type not found" },
	[MSG_NOT_REGISTERED] = { 404, "Player is not registered in this game session" },
	[MSG_REGISTERED] = { 409, "Player is already registered in this game session" },
	[MSG_COMPLETED] = { 409, "Game session is completed" },
	[MSG_PLAYER_EXISTS] = { 409, "A player with this display name already exists" },
	[MSG_TYPE_EXISTS] = { 409, "A mini game type with this name already exists" },
};

/* ---- answers ---- */

static int mm_fail(struct ctx *c, enum mm_msg m)
{
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "{\"error\":");
	mm_js_str(&b, mm_msgs[m].text);
	buf_adds(&b, "}");
	mm_answer(c, mm_msgs[m].status, &b);
	buf_free(&b);
	return MM_DONE;
}

void mm_error(struct ctx *c, int err)
{
	const struct arc_err_info *e = arc_err_info(err);
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "{\"error\":");
	mm_js_str(&b, e->mm_text ? e->mm_text : e->text);
	buf_adds(&b, "}");
	mm_answer(c, e->status, &b);
	buf_free(&b);
}

static int mm_ret(int rc)
{
	return rc == MM_DONE ? 0 : rc;
}

/* ---- authentication ---- */

struct mm_auth {
	const char *secret;
	struct apikey key;
};

static int mm_auth_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct mm_auth *a = arg;
	return apikey_find(s, txn, a->secret, &a->key);
}

/* The app key (x-app-api-key) and its bucket. Sets *game. */
static int mm_begin(struct ctx *c, uint64_t *game)
{
	struct mm_auth a;
	const struct conf_rate *rate;
	char id[24];
	int rc;

	memset(&a, 0, sizeof(a));
	a.secret = req_env(c->req, "HTTP_X_APP_API_KEY");
	if (!a.secret || !*a.secret)
		return mm_fail(c, MSG_NO_KEY);
	rc = store_read(c->store, mm_auth_txn, &a);
	if (rc == ARC_ENOENT || (rc == 0 && a.key.kind != APIKEY_APP))
		return mm_fail(c, MSG_BAD_KEY);
	if (rc)
		return rc;
	*game = a.key.game;
	rate = a.key.rate.cap > 0 ? &a.key.rate : &c->cfg->rate_key;
	snprintf(id, sizeof(id), "%llu", (unsigned long long)a.key.id);
	return rl_take(c, "key", id, rate, 1);
}

/* ---- one operation: inputs, and the answer its transaction builds ---- */

struct mm_op {
	struct ctx *c;
	uint64_t game;
	struct buf out;
	int status;
	int fail; /* an mm_msg + 1, or 0 */
	/* inputs */
	uint64_t session, player, type;
	const char *name, *description, *image_url, *user_id, *type_name, *type_id;
	int has_name, has_description, has_type_id, has_type_name;
	int new_status, filter_status;
	double score;
	uint64_t below, limit;
	int paged;
	/* listing state */
	size_t count;
	int more;
	uint64_t last;
};

static void mm_op_init(struct mm_op *op, struct ctx *c, uint64_t game)
{
	memset(op, 0, sizeof(*op));
	op->c = c;
	op->game = game;
	op->new_status = op->filter_status = -1;
	buf_init(&op->out);
}

/* Start of every transaction body: a write may run more than once. */
static void mm_op_reset(struct mm_op *op, int status)
{
	buf_reset(&op->out);
	op->status = status;
	op->fail = 0;
	op->count = 0;
	op->more = 0;
	op->last = 0;
}

static int mm_op_fail(struct mm_op *op, enum mm_msg m)
{
	op->fail = (int)m + 1;
	return 0;
}

static int mm_op_end(struct mm_op *op, int rc)
{
	if (rc == 0 && op->fail)
		rc = mm_fail(op->c, (enum mm_msg)(op->fail - 1));
	else if (rc == 0)
		rc = mm_answer(op->c, op->status, &op->out);
	buf_free(&op->out);
	return mm_ret(rc);
}

static void mm_comma(struct mm_op *op)
{
	if (op->count++)
		buf_addc(&op->out, ',');
}

/* ---- object shapes ---- */

static void type_json(struct buf *b, const struct mm_type *t)
{
	buf_adds(b, "{\"id\":");
	mm_js_id(b, t->id);
	buf_adds(b, ",\"name\":");
	mm_js_str(b, t->name);
	buf_adds(b, ",\"description\":");
	mm_js_str(b, t->description);
	buf_adds(b, ",\"imageUrl\":");
	mm_js_str(b, t->image_url);
	buf_adds(b, ",\"createdAt\":");
	mm_js_time(b, t->created_ms);
	buf_adds(b, "}");
}

static int session_json(struct store *s, MDB_txn *txn, struct buf *b, const struct mm_session *ses)
{
	buf_adds(b, "{\"id\":");
	mm_js_id(b, ses->id);
	buf_adds(b, ",\"name\":");
	mm_js_str(b, ses->name);
	buf_adds(b, ",\"description\":");
	mm_js_str(b, ses->description);
	buf_printf(b, ",\"status\":\"%s\",\"startTime\":", mm_status_name(ses->status));
	mm_js_time(b, ses->start_ms);
	buf_adds(b, ",\"endTime\":");
	if (ses->end_ms)
		mm_js_time(b, ses->end_ms);
	else
		buf_adds(b, "null");
	buf_adds(b, ",\"createdAt\":");
	mm_js_time(b, ses->created_ms);
	buf_adds(b, ",\"updatedAt\":");
	mm_js_time(b, ses->updated_ms);
	buf_printf(b, ",\"playerCount\":%llu,\"miniGameType\":", (unsigned long long)ses->player_count);
	if (ses->type) {
		struct mm_type t;
		int rc = mm_type_get(s, txn, ses->game, ses->type, &t);
		if (rc)
			return rc == ARC_ENOENT ? ARC_EINTERNAL : rc;
		type_json(b, &t);
		mm_type_free(&t);
	} else {
		buf_adds(b, "null");
	}
	buf_adds(b, "}");
	return 0;
}

static void player_json(struct buf *b, const struct player *p)
{
	buf_adds(b, "{\"id\":");
	mm_js_id(b, p->id);
	buf_adds(b, ",\"displayName\":");
	mm_js_str(b, p->username);
	buf_adds(b, ",\"userId\":");
	mm_js_str_or_null(b, p->user_ref);
	buf_adds(b, ",\"imageUrl\":");
	mm_js_str_or_null(b, p->image_url);
	buf_adds(b, ",\"createdAt\":");
	mm_js_time(b, p->created_ms);
	buf_adds(b, ",\"updatedAt\":");
	mm_js_time(b, p->updated_ms);
	buf_adds(b, "}");
}

static int sp_json(struct store *s, MDB_txn *txn, uint64_t game, struct buf *b, const struct mm_splayer *sp)
{
	struct player p;
	int rc = player_get(s, txn, game, sp->player, &p);

	if (rc)
		return rc == ARC_ENOENT ? ARC_EINTERNAL : rc;
	buf_adds(b, "{\"score\":");
	mm_js_num(b, sp->score);
	buf_adds(b, ",\"createdAt\":");
	mm_js_time(b, sp->created_ms);
	buf_adds(b, ",\"updatedAt\":");
	mm_js_time(b, sp->updated_ms);
	buf_adds(b, ",\"playerId\":");
	mm_js_id(b, sp->player);
	buf_adds(b, ",\"displayName\":");
	mm_js_str(b, p.username);
	buf_adds(b, ",\"imageUrl\":");
	mm_js_str_or_null(b, p.image_url);
	buf_adds(b, "}");
	player_free(&p);
	return 0;
}

static int board_entry_json(struct store *s, MDB_txn *txn, uint64_t game, struct buf *b,
			    const struct mm_splayer *sp)
{
	struct player p;
	int rc = player_get(s, txn, game, sp->player, &p);

	if (rc)
		return rc == ARC_ENOENT ? ARC_EINTERNAL : rc;
	buf_adds(b, "{\"playerId\":");
	mm_js_id(b, sp->player);
	buf_adds(b, ",\"playerDisplayName\":");
	mm_js_str(b, p.username);
	buf_adds(b, ",\"playerScore\":");
	mm_js_num(b, sp->score);
	buf_adds(b, ",\"playerImageUrl\":");
	mm_js_str_or_null(b, p.image_url);
	buf_adds(b, ",\"gameSessionId\":");
	mm_js_id(b, sp->session);
	buf_adds(b, ",\"createdAt\":");
	mm_js_time(b, sp->created_ms);
	buf_adds(b, ",\"updatedAt\":");
	mm_js_time(b, sp->updated_ms);
	buf_adds(b, "}");
	player_free(&p);
	return 0;
}

/* ---- GET /apps/game-sessions ---- */

struct mm_list_ctx {
	struct mm_op *op;
	struct store *s;
	MDB_txn *txn;
};

static int sessions_list_cb(const struct mm_session *ses, void *arg)
{
	struct mm_list_ctx *l = arg;
	struct mm_op *op = l->op;

	if (op->limit && op->count == op->limit) {
		op->more = 1;
		return MM_STOP;
	}
	mm_comma(op);
	op->last = ses->id;
	return session_json(l->s, l->txn, &op->out, ses);
}

static int sessions_list_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct mm_op *op = arg;
	struct mm_list_ctx l = { op, s, txn };
	int rc = 0;

	mm_op_reset(op, 200);
	buf_adds(&op->out, "{\"gameSessions\":[");
	if (op->has_type_id) {
		/* A filter on a type this app does not have matches nothing. */
		struct mm_type t;
		rc = op->type ? mm_type_get(s, txn, op->game, op->type, &t) : ARC_ENOENT;
		if (rc == 0)
			mm_type_free(&t);
	}
	if (rc == 0)
		rc = mm_session_list(s, txn, op->game, op->filter_status, op->type, op->below, sessions_list_cb, &l);
	else if (rc == ARC_ENOENT)
		rc = 0;
	if (rc)
		return rc;
	buf_adds(&op->out, "]");
	if (op->paged) {
		buf_adds(&op->out, ",\"nextCursor\":");
		if (op->more)
			mm_js_id(&op->out, op->last);
		else
			buf_adds(&op->out, "null");
	}
	buf_adds(&op->out, "}");
	return 0;
}

int mm_get_sessions(struct ctx *c)
{
	struct mm_op op;
	struct mm_v v;
	const char *status, *cursor;
	uint64_t game;
	int rc;

	if ((rc = mm_begin(c, &game)))
		return mm_ret(rc);
	mm_op_init(&op, c, game);
	mm_v_init(&v);
	if ((status = mm_query(c, "status")) && (op.filter_status = mm_parse_status(status)) < 0)
		mm_enum_issue(&v, "status", status);
	if (mm_query(c, "miniGameTypeId")) {
		op.has_type_id = 1;
		op.type = mm_id_str(mm_query(c, "miniGameTypeId"));
	}
	if (mm_query_limit(&v, c, &op.limit) == F_VALUE)
		op.paged = 1;
	if ((cursor = mm_query(c, "cursor"))) {
		op.paged = 1;
		if (!(op.below = mm_id_str(cursor)))
			mm_issue(&v, "custom", "cursor", "Invalid cursor");
	}
	if ((rc = mm_v_end(c, &v)))
		return mm_op_end(&op, rc);
	return mm_op_end(&op, store_read(c->store, sessions_list_txn, &op));
}

/* ---- POST /apps/game-sessions ---- */

static int sessions_create_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct mm_op *op = arg;
	struct mm_session ses;
	struct mm_type t;
	int rc;

	mm_op_reset(op, 201);
	memset(&ses, 0, sizeof(ses));
	if (op->has_type_id || op->has_type_name) {
		rc = op->has_type_id ? (op->type ? mm_type_get(s, txn, op->game, op->type, &t) : ARC_ENOENT)
				     : mm_type_find(s, txn, op->game, op->type_name, &t);
		if (rc == ARC_ENOENT)
			return mm_op_fail(op, MSG_NO_TYPE);
		if (rc)
			return rc;
		ses.type = t.id;
		mm_type_free(&t);
	}
	ses.game = op->game;
	ses.name = (char *)op->name;
	ses.description = (char *)op->description;
	ses.status = op->new_status < 0 ? MM_ACTIVE : op->new_status;
	ses.start_ms = ses.created_ms = ses.updated_ms = op->c->now_ms;
	ses.end_ms = ses.status == MM_COMPLETED ? op->c->now_ms : 0;
	if ((rc = mm_session_create(s, txn, &ses)))
		return rc;
	return session_json(s, txn, &op->out, &ses);
}

int mm_post_sessions(struct ctx *c)
{
	struct mm_op op;
	struct mm_v v;
	struct json_object *body;
	uint64_t game;
	int rc, id, name;

	if ((rc = mm_begin(c, &game)))
		return mm_ret(rc);
	mm_op_init(&op, c, game);
	mm_v_init(&v);
	if ((rc = mm_body(c, &v, &body))) {
		buf_free(&v.b);
		return mm_op_end(&op, rc);
	}
	mm_get_str(&v, body, "name", 0, NAME_MAX_BYTES, MMF_NULLABLE, &op.name);
	mm_get_str(&v, body, "description", 0, TEXT_MAX_BYTES, MMF_NULLABLE, &op.description);
	mm_get_status(&v, body, "status", &op.new_status);
	id = mm_get_str(&v, body, "miniGameTypeId", 0, 64, MMF_NULLABLE, &op.type_id);
	name = mm_get_str(&v, body, "miniGameTypeName", 0, NAME_MAX_BYTES, MMF_NULLABLE, &op.type_name);
	if (id == F_VALUE && name == F_VALUE)
		mm_issue(&v, "custom", "miniGameTypeName",
			 "Cannot specify both miniGameTypeId and miniGameTypeName");
	op.has_type_id = id == F_VALUE;
	op.has_type_name = name == F_VALUE;
	op.type = mm_id_str(op.type_id);
	if ((rc = mm_v_end(c, &v)))
		return mm_op_end(&op, rc);
	return mm_op_end(&op, store_write(c->store, sessions_create_txn, &op));
}

/* ---- GET and PATCH /apps/game-sessions/{id} ---- */

static int session_get_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct mm_op *op = arg;
	struct mm_session ses;
	int rc;

	mm_op_reset(op, 200);
	rc = mm_session_get(s, txn, op->game, op->session, &ses);
	if (rc == ARC_ENOENT)
		return mm_op_fail(op, MSG_NO_SESSION);
	if (rc)
		return rc;
	rc = session_json(s, txn, &op->out, &ses);
	mm_session_free(&ses);
	return rc;
}

int mm_get_session(struct ctx *c)
{
	struct mm_op op;
	uint64_t game;
	int rc;

	if ((rc = mm_begin(c, &game)))
		return mm_ret(rc);
	mm_op_init(&op, c, game);
	op.session = mm_path_id(c, 0);
	return mm_op_end(&op, store_read(c->store, session_get_txn, &op));
}

static void replace_str(char **dst, const char *src)
{
	free(*dst);
	*dst = src ? xstrdup(src) : NULL;
}

static int session_patch_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct mm_op *op = arg;
	struct mm_session ses;
	int rc, old;

	mm_op_reset(op, 200);
	rc = mm_session_get(s, txn, op->game, op->session, &ses);
	if (rc == ARC_ENOENT)
		return mm_op_fail(op, MSG_NO_SESSION);
	if (rc)
		return rc;
	old = ses.status;
	if (op->has_name)
		replace_str(&ses.name, op->name);
	if (op->has_description)
		replace_str(&ses.description, op->description);
	if (op->new_status >= 0 && op->new_status != ses.status) {
		/* Completing ends the session; reopening it clears the end. */
		ses.status = op->new_status;
		ses.end_ms = ses.status == MM_COMPLETED ? op->c->now_ms : 0;
	}
	if (op->has_name || op->has_description || op->new_status >= 0)
		ses.updated_ms = op->c->now_ms;
	rc = mm_session_update(s, txn, &ses, old);
	if (rc == 0)
		rc = session_json(s, txn, &op->out, &ses);
	mm_session_free(&ses);
	return rc;
}

int mm_patch_session(struct ctx *c)
{
	struct mm_op op;
	struct mm_v v;
	struct json_object *body;
	uint64_t game;
	int rc;

	if ((rc = mm_begin(c, &game)))
		return mm_ret(rc);
	mm_op_init(&op, c, game);
	op.session = mm_path_id(c, 0);
	mm_v_init(&v);
	if ((rc = mm_body(c, &v, &body))) {
		buf_free(&v.b);
		return mm_op_end(&op, rc);
	}
	op.has_name = mm_get_str(&v, body, "name", 0, NAME_MAX_BYTES, MMF_NULLABLE, &op.name) > 0;
	op.has_description =
		mm_get_str(&v, body, "description", 0, TEXT_MAX_BYTES, MMF_NULLABLE, &op.description) > 0;
	mm_get_status(&v, body, "status", &op.new_status);
	if ((rc = mm_v_end(c, &v)))
		return mm_op_end(&op, rc);
	return mm_op_end(&op, store_write(c->store, session_patch_txn, &op));
}

/* ---- /apps/game-sessions/{id}/players ---- */

struct mm_sp_ctx {
	struct mm_op *op;
	struct store *s;
	MDB_txn *txn;
};

static int session_players_cb(const struct mm_splayer *sp, void *arg)
{
	struct mm_sp_ctx *l = arg;
	mm_comma(l->op);
	return sp_json(l->s, l->txn, l->op->game, &l->op->out, sp);
}

static int session_players_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct mm_op *op = arg;
	struct mm_sp_ctx l = { op, s, txn };
	struct mm_session ses;
	int rc;

	mm_op_reset(op, 200);
	rc = mm_session_get(s, txn, op->game, op->session, &ses);
	if (rc == ARC_ENOENT)
		return mm_op_fail(op, MSG_NO_SESSION);
	if (rc)
		return rc;
	mm_session_free(&ses);
	buf_adds(&op->out, "{\"players\":[");
	if ((rc = mm_sp_each(s, txn, op->game, op->session, session_players_cb, &l)))
		return rc;
	buf_adds(&op->out, "]}");
	return 0;
}

int mm_get_session_players(struct ctx *c)
{
	struct mm_op op;
	uint64_t game;
	int rc;

	if ((rc = mm_begin(c, &game)))
		return mm_ret(rc);
	mm_op_init(&op, c, game);
	op.session = mm_path_id(c, 0);
	return mm_op_end(&op, store_read(c->store, session_players_txn, &op));
}

static int session_register_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct mm_op *op = arg;
	struct mm_session ses;
	struct mm_splayer sp;
	struct player p;
	int rc;

	mm_op_reset(op, 201);
	rc = mm_session_get(s, txn, op->game, op->session, &ses);
	if (rc == ARC_ENOENT)
		return mm_op_fail(op, MSG_NO_SESSION);
	if (rc)
		return rc;
	rc = op->player ? player_get(s, txn, op->game, op->player, &p) : ARC_ENOENT;
	if (rc == 0) {
		player_free(&p);
		rc = mm_sp_register(s, txn, &ses, op->player, op->c->now_ms, &sp);
		if (rc == ARC_EEXIST)
			rc = mm_op_fail(op, MSG_REGISTERED);
		else if (rc == 0)
			rc = sp_json(s, txn, op->game, &op->out, &sp);
	} else if (rc == ARC_ENOENT) {
		rc = mm_op_fail(op, MSG_NO_PLAYER);
	}
	mm_session_free(&ses);
	return rc;
}

int mm_post_session_players(struct ctx *c)
{
	struct mm_op op;
	struct mm_v v;
	struct json_object *body;
	const char *pid;
	uint64_t game;
	int rc;

	if ((rc = mm_begin(c, &game)))
		return mm_ret(rc);
	mm_op_init(&op, c, game);
	op.session = mm_path_id(c, 0);
	mm_v_init(&v);
	if ((rc = mm_body(c, &v, &body))) {
		buf_free(&v.b);
		return mm_op_end(&op, rc);
	}
	if (mm_get_str(&v, body, "playerId", 0, 64, MMF_REQUIRED, &pid) == F_VALUE)
		op.player = mm_id_str(pid);
	if ((rc = mm_v_end(c, &v)))
		return mm_op_end(&op, rc);
	return mm_op_end(&op, store_write(c->store, session_register_txn, &op));
}

/* ---- PATCH /apps/game-sessions/{id}/players/{playerId} ---- */

static int session_score_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct mm_op *op = arg;
	struct mm_session ses;
	struct mm_splayer sp;
	int rc;

	mm_op_reset(op, 200);
	rc = mm_session_get(s, txn, op->game, op->session, &ses);
	if (rc == ARC_ENOENT)
		return mm_op_fail(op, MSG_NO_SESSION);
	if (rc)
		return rc;
	rc = mm_sp_get(s, txn, op->game, op->session, op->player, &sp);
	if (rc == ARC_ENOENT)
		rc = mm_op_fail(op, MSG_NOT_REGISTERED);
	else if (rc == 0 && ses.status == MM_COMPLETED)
		rc = mm_op_fail(op, MSG_COMPLETED);
	else if (rc == 0 && (rc = mm_sp_set_score(s, txn, &ses, &sp, op->score, op->c->now_ms)) == 0)
		rc = sp_json(s, txn, op->game, &op->out, &sp);
	mm_session_free(&ses);
	return rc;
}

int mm_patch_session_player(struct ctx *c)
{
	struct mm_op op;
	struct mm_v v;
	struct json_object *body;
	uint64_t game;
	int rc;

	if ((rc = mm_begin(c, &game)))
		return mm_ret(rc);
	mm_op_init(&op, c, game);
	op.session = mm_path_id(c, 0);
	op.player = mm_path_id(c, 1);
	mm_v_init(&v);
	if ((rc = mm_body(c, &v, &body))) {
		buf_free(&v.b);
		return mm_op_end(&op, rc);
	}
	mm_get_number(&v, body, "score", &op.score);
	if ((rc = mm_v_end(c, &v)))
		return mm_op_end(&op, rc);
	return mm_op_end(&op, store_write(c->store, session_score_txn, &op));
}

/* ---- /apps/players ---- */

static int players_list_cb(const struct player *p, void *arg)
{
	struct mm_op *op = arg;
	mm_comma(op);
	player_json(&op->out, p);
	return 0;
}

static int players_list_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct mm_op *op = arg;
	int rc;

	mm_op_reset(op, 200);
	buf_adds(&op->out, "{\"players\":[");
	if ((rc = player_each(s, txn, op->game, players_list_cb, op)))
		return rc;
	buf_adds(&op->out, "]}");
	return 0;
}

int mm_get_players(struct ctx *c)
{
	struct mm_op op;
	uint64_t game;
	int rc;

	if ((rc = mm_begin(c, &game)))
		return mm_ret(rc);
	mm_op_init(&op, c, game);
	return mm_op_end(&op, store_read(c->store, players_list_txn, &op));
}

static int players_create_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct mm_op *op = arg;
	char token[2 * KEY_HEX_BYTES + 1]; /* the Game Jolt token: never shown here */
	struct player p;
	int rc;

	mm_op_reset(op, 201);
	rc = player_create(s, txn, op->game, op->name, op->image_url, op->user_id, op->c->now_ms, token, &p);
	memset(token, 0, sizeof(token));
	if (rc == ARC_EEXIST)
		return mm_op_fail(op, MSG_PLAYER_EXISTS);
	if (rc)
		return rc;
	player_json(&op->out, &p);
	player_free(&p);
	return 0;
}

int mm_post_players(struct ctx *c)
{
	struct mm_op op;
	struct mm_v v;
	struct json_object *body;
	uint64_t game;
	int rc;

	if ((rc = mm_begin(c, &game)))
		return mm_ret(rc);
	mm_op_init(&op, c, game);
	mm_v_init(&v);
	if ((rc = mm_body(c, &v, &body))) {
		buf_free(&v.b);
		return mm_op_end(&op, rc);
	}
	mm_get_str(&v, body, "displayName", 1, NAME_MAX_BYTES, MMF_REQUIRED | MMF_NAME, &op.name);
	mm_get_str(&v, body, "userId", 0, MM_USERID_MAX, MMF_NULLABLE, &op.user_id);
	mm_get_str(&v, body, "imageUrl", 0, MM_URL_MAX, MMF_NULLABLE, &op.image_url);
	if ((rc = mm_v_end(c, &v)))
		return mm_op_end(&op, rc);
	return mm_op_end(&op, store_write(c->store, players_create_txn, &op));
}

/* ---- /apps/minigame-types ---- */

static int types_list_cb(const struct mm_type *t, void *arg)
{
	struct mm_op *op = arg;
	mm_comma(op);
	type_json(&op->out, t);
	return 0;
}

static int types_list_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct mm_op *op = arg;
	int rc = 0;

	mm_op_reset(op, 200);
	buf_adds(&op->out, "{\"miniGameTypes\":[");
	if (op->type_name) {
		struct mm_type t;
		rc = strlen(op->type_name) <= NAME_MAX_BYTES ? mm_type_find(s, txn, op->game, op->type_name, &t)
							     : ARC_ENOENT;
		if (rc == 0) {
			types_list_cb(&t, op);
			mm_type_free(&t);
		} else if (rc == ARC_ENOENT) {
			rc = 0;
		}
	} else {
		rc = mm_type_each(s, txn, op->game, types_list_cb, op);
	}
	if (rc)
		return rc;
	buf_adds(&op->out, "]}");
	return 0;
}

int mm_get_types(struct ctx *c)
{
	struct mm_op op;
	uint64_t game;
	int rc;

	if ((rc = mm_begin(c, &game)))
		return mm_ret(rc);
	mm_op_init(&op, c, game);
	op.type_name = mm_query(c, "miniGameTypeName");
	return mm_op_end(&op, store_read(c->store, types_list_txn, &op));
}

static int types_create_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct mm_op *op = arg;
	struct mm_type t;
	int rc;

	mm_op_reset(op, 201);
	memset(&t, 0, sizeof(t));
	t.game = op->game;
	t.name = (char *)op->name;
	t.description = (char *)op->description;
	t.image_url = (char *)op->image_url;
	t.created_ms = op->c->now_ms;
	rc = mm_type_create(s, txn, &t);
	if (rc == ARC_EEXIST)
		return mm_op_fail(op, MSG_TYPE_EXISTS);
	if (rc)
		return rc;
	type_json(&op->out, &t);
	return 0;
}

int mm_post_types(struct ctx *c)
{
	struct mm_op op;
	struct mm_v v;
	struct json_object *body;
	uint64_t game;
	int rc;

	if ((rc = mm_begin(c, &game)))
		return mm_ret(rc);
	mm_op_init(&op, c, game);
	mm_v_init(&v);
	if ((rc = mm_body(c, &v, &body))) {
		buf_free(&v.b);
		return mm_op_end(&op, rc);
	}
	mm_get_str(&v, body, "name", 1, NAME_MAX_BYTES, MMF_REQUIRED | MMF_NAME, &op.name);
	mm_get_str(&v, body, "description", 0, TEXT_MAX_BYTES, MMF_NULLABLE, &op.description);
	mm_get_str(&v, body, "imageUrl", 0, MM_URL_MAX, MMF_NULLABLE, &op.image_url);
	if ((rc = mm_v_end(c, &v)))
		return mm_op_end(&op, rc);
	return mm_op_end(&op, store_write(c->store, types_create_txn, &op));
}

/* ---- GET /apps/global-leaderboards ---- */

static int board_cb(const struct mm_splayer *sp, void *arg)
{
	struct mm_sp_ctx *l = arg;
	mm_comma(l->op);
	return board_entry_json(l->s, l->txn, l->op->game, &l->op->out, sp);
}

struct mm_boards {
	struct mm_op *op;
	struct store *s;
	MDB_txn *txn;
	size_t ntypes;
};

static int boards_type_cb(const struct mm_type *t, void *arg)
{
	struct mm_boards *bs = arg;
	struct mm_op *op = bs->op;
	struct mm_sp_ctx l = { op, bs->s, bs->txn };
	int rc;

	if (bs->ntypes++)
		buf_addc(&op->out, ',');
	buf_adds(&op->out, "{\"miniGameTypeId\":");
	mm_js_id(&op->out, t->id);
	buf_adds(&op->out, ",\"miniGameTypeName\":");
	mm_js_str(&op->out, t->name);
	buf_adds(&op->out, ",\"leaderboard\":[");
	op->count = 0;
	if ((rc = mm_board_each(bs->s, bs->txn, op->game, t->id, (size_t)op->limit, board_cb, &l)))
		return rc;
	buf_adds(&op->out, "]}");
	return 0;
}

static int boards_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct mm_op *op = arg;
	struct mm_boards bs = { op, s, txn, 0 };
	int rc;

	mm_op_reset(op, 200);
	buf_adds(&op->out, "{\"leaderboards\":[");
	if (op->has_type_id) {
		struct mm_type t;
		rc = op->type ? mm_type_get(s, txn, op->game, op->type, &t) : ARC_ENOENT;
		if (rc == ARC_ENOENT)
			return mm_op_fail(op, MSG_NO_TYPE);
		if (rc)
			return rc;
		rc = boards_type_cb(&t, &bs);
		mm_type_free(&t);
	} else {
		rc = mm_type_each(s, txn, op->game, boards_type_cb, &bs);
	}
	if (rc)
		return rc;
	buf_adds(&op->out, "]}");
	return 0;
}

int mm_get_leaderboards(struct ctx *c)
{
	struct mm_op op;
	struct mm_v v;
	uint64_t game;
	int rc;

	if ((rc = mm_begin(c, &game)))
		return mm_ret(rc);
	mm_op_init(&op, c, game);
	mm_v_init(&v);
	op.limit = MM_BOARD_DEFAULT;
	mm_query_limit(&v, c, &op.limit);
	if (mm_query(c, "miniGameTypeId")) {
		op.has_type_id = 1;
		op.type = mm_id_str(mm_query(c, "miniGameTypeId"));
	}
	if ((rc = mm_v_end(c, &v)))
		return mm_op_end(&op, rc);
	return mm_op_end(&op, store_read(c->store, boards_txn, &op));
}
