/* gj_scores: Game Jolt score endpoints: scores/add, scores (fetch),
 * scores/tables, scores/get-rank. Each: gj_begin(), its own checks in the
 * documented order, one transaction, an answer in the requested format.
 * Application errors are HTTP 200 with success "false", as on Game Jolt. */
#include "config.h"
#include "gamejolt.h"
#include "errors.h"
#include "games.h"
#include "gj_core.h"
#include "scores.h"
#include "util.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- shared by the score endpoints ---- */

/* table_id absent or empty: the game's primary table. */
static int gj_pick_table(struct store *s, MDB_txn *txn, const struct gj_call *g, struct table *t)
{
	const char *tid = gj_param(g, "table_id");
	uint64_t id = g->game.primary_table;

	if (*tid && (util_parse_u64(tid, &id) < 0 || id == 0))
		return ARC_ENOENT;
	if (id == 0)
		return ARC_ENOENT;
	return table_get(s, txn, g->game.id, id, t);
}

/* ---- scores/add ---- */

struct gj_add {
	struct gj_call *g;
	struct score_owner owner;
	const char *username, *token, *score, *extra;
	int64_t sort;
	enum gj_msg fail;
	int failed;
};

static int gj_add_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct gj_add *a = arg;
	struct table t;
	struct player p;
	int rc, stored;

	if ((rc = gj_pick_table(s, txn, a->g, &t))) {
		if (rc != ARC_ENOENT)
			return rc;
		a->failed = 1, a->fail = GJM_BAD_TABLE;
		return 0;
	}
	if (a->owner.kind == 'u') {
		rc = gj_player(s, txn, a->g, &p);
		if (rc) {
			table_free(&t);
			if (rc != ARC_ENOENT)
				return rc;
			a->failed = 1, a->fail = GJM_NO_USER;
			return 0;
		}
		a->owner.user_id = p.id;
		player_free(&p);
	} else if (t.flags & TABLE_GUESTS_DENY) {
		table_free(&t);
		a->failed = 1, a->fail = GJM_GUESTS_DENIED;
		return 0;
	}
	rc = score_add(s, txn, &t, &a->owner, a->score, a->extra, a->sort, a->g->c->now_ms, &stored);
	table_free(&t);
	return rc;
}

/* The owner rules of spec/000: a full user, else a guest, never both. */
static int gj_owner(struct gj_call *g, const char **user, const char **token, struct score_owner *o)
{
	const char *guest = gj_param(g, "guest");

	*user = gj_param(g, "username");
	*token = gj_param(g, "user_token");
	memset(o, 0, sizeof(*o));
	if (**user && **token) {
		if (*guest)
			return gj_fail(g, GJM_USER_XOR_GUEST), -1;
		o->kind = 'u';
	} else if (*guest) {
		if (!name_valid(guest))
			return gj_fail(g, GJM_GUEST_NAME), -1;
		o->kind = 'g';
		o->guest = guest;
	}
	return 0;
}

int gj_scores_add(struct ctx *c)
{
	struct gj_call g;
	struct gj_add a;
	int rc;

	if (gj_begin(c, &g, &rc))
		return rc;
	memset(&a, 0, sizeof(a));
	a.g = &g;
	if (gj_owner(&g, &a.username, &a.token, &a.owner) < 0)
		goto out;
	a.score = gj_param(&g, "score");
	a.extra = gj_param(&g, "extra_data");
	if (!a.owner.kind)
		rc = gj_fail(&g, GJM_NO_OWNER);
	else if (!*a.score)
		rc = gj_fail(&g, GJM_NO_SCORE);
	else if (util_parse_i64(gj_param(&g, "sort"), &a.sort) < 0)
		rc = gj_fail(&g, GJM_NO_SORT);
	else if (strlen(a.score) > SCORE_MAX_BYTES)
		rc = gj_fail(&g, GJM_SCORE_LONG);
	else if (strlen(a.extra) > EXTRA_MAX_BYTES)
		rc = gj_fail(&g, GJM_EXTRA_LONG);
	else {
		rc = store_write(c->store, gj_add_txn, &a);
		if (rc == 0 && a.failed)
			rc = gj_fail(&g, a.fail);
		else if (rc == 0)
			gj_answer(c, g.fmt, 1, NULL, NULL);
		else if (rc != ARC_EFULL)
			rc = gj_fail(&g, GJM_ADD_FAILED);
	}
out:
	gj_end(&g);
	return rc;
}

/* ---- scores/ (fetch) ---- */

struct gj_fetch {
	struct gj_call *g;
	struct score_owner owner;
	const char *username, *token;
	enum score_window window;
	int64_t pivot;
	size_t limit;
	struct json_object *list;
	struct buf *direct; /* JSON answer: the items, written straight here */
	enum gj_msg fail;
	int failed;
};

static struct json_object *gj_score_json(const struct score *sc, const char *user, uint64_t now_ms)
{
	struct json_object *o = json_object_new_object();
	char sort[24];

	util_i64_dec(sc->sort, sort);
	json_object_object_add(o, "score", gj_str(sc->score));
	json_object_object_add(o, "sort", gj_str(sort));
	json_object_object_add(o, "extra_data", gj_str(sc->extra));
	json_object_object_add(o, "user", gj_str(user));
	json_object_object_add(o, "user_id", sc->user_id ? gj_u64(sc->user_id) : gj_str(""));
	json_object_object_add(o, "guest", gj_str(sc->guest));
	json_object_object_add(o, "stored", gj_ago_json(now_ms, sc->stored_ms));
	json_object_object_add(o, "stored_timestamp", json_object_new_int64((int64_t)(sc->stored_ms / 1000)));
	return o;
}

/* The same object as gj_score_json, as gj_format_write renders it in the
 * json format, written directly: building, walking and freeing a json-c
 * tree of ten scores was most of a listing's CPU (docs/performance.md).
 * tests/integration/test_perf_paths.py compares both paths' output. */
static void gj_score_json_direct(struct buf *b, const struct score *sc, const char *user, uint64_t now_ms)
{
	char num[24], ago[48];

	buf_adds(b, "{\"score\":");
	gj_json_string(b, sc->score, strlen(sc->score));
	buf_adds(b, ",\"sort\":\"");
	buf_add(b, num, util_i64_dec(sc->sort, num));
	buf_adds(b, "\",\"extra_data\":");
	gj_json_string(b, sc->extra, strlen(sc->extra));
	buf_adds(b, ",\"user\":");
	gj_json_string(b, user, strlen(user));
	buf_adds(b, ",\"user_id\":\"");
	if (sc->user_id)
		buf_add(b, num, util_u64_dec(sc->user_id, num));
	buf_adds(b, "\",\"guest\":");
	gj_json_string(b, sc->guest, strlen(sc->guest));
	buf_adds(b, ",\"stored\":");
	gj_ago(now_ms, sc->stored_ms, ago, sizeof(ago));
	gj_json_string(b, ago, strlen(ago));
	buf_adds(b, ",\"stored_timestamp\":");
	buf_add(b, num, util_i64_dec((int64_t)(sc->stored_ms / 1000), num));
	buf_addc(b, '}');
}

static int gj_fetch_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct gj_fetch *f = arg;
	struct score list[FETCH_MAX];
	struct table t;
	struct player p;
	size_t n;
	int rc;

	if ((rc = gj_pick_table(s, txn, f->g, &t))) {
		if (rc != ARC_ENOENT)
			return rc;
		f->failed = 1, f->fail = GJM_BAD_TABLE;
		return 0;
	}
	if (f->owner.kind == 'u') {
		rc = gj_player(s, txn, f->g, &p);
		if (rc) {
			table_free(&t);
			if (rc != ARC_ENOENT)
				return rc;
			f->failed = 1, f->fail = GJM_NO_USER;
			return 0;
		}
		f->owner.user_id = p.id;
		player_free(&p);
	}
	rc = score_fetch(s, txn, &t, &f->owner, f->window, f->pivot, f->limit, list, &n);
	table_free(&t);
	if (rc)
		return rc;
	if (!f->direct)
		f->list = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		const char *user = "";
		int have = list[i].user_id && player_get(s, txn, f->g->game.id, list[i].user_id, &p) == 0;
		if (have)
			user = p.username;
		if (f->direct) {
			if (i)
				buf_addc(f->direct, ',');
			gj_score_json_direct(f->direct, &list[i], user, f->g->c->now_ms);
		} else {
			json_object_array_add(f->list, gj_score_json(&list[i], user, f->g->c->now_ms));
		}
		if (have)
			player_free(&p);
		score_free(&list[i]);
	}
	return 0;
}

static int gj_window(struct gj_call *g, struct gj_fetch *f)
{
	const char *better = gj_param(g, "better_than"), *worse = gj_param(g, "worse_than");

	f->window = SCORE_TOP;
	if (*better && *worse)
		return gj_fail(g, GJM_BETTER_XOR_WORSE), -1;
	if (*better || *worse) {
		if (util_parse_i64(*better ? better : worse, &f->pivot) < 0)
			return gj_fail(g, GJM_WINDOW_NUMERIC), -1;
		f->window = *better ? SCORE_BETTER_THAN : SCORE_WORSE_THAN;
	}
	return 0;
}

int gj_scores_fetch(struct ctx *c)
{
	struct gj_call g;
	struct gj_fetch f;
	struct buf direct;
	uint64_t limit = 10;
	const char *guest;
	int rc;

	if (gj_begin(c, &g, &rc))
		return rc;
	memset(&f, 0, sizeof(f));
	f.g = &g;
	f.username = gj_param(&g, "username");
	f.token = gj_param(&g, "user_token");
	guest = gj_param(&g, "guest");
	if (*f.username && *guest) {
		rc = gj_fail(&g, GJM_USER_XOR_GUEST);
		goto out;
	}
	if (gj_window(&g, &f) < 0)
		goto out;
	if (util_parse_u64(gj_param(&g, "limit"), &limit) < 0) {
		const char *l = gj_param(&g, "limit");
		/* All digits but too large for 64 bits is still "a lot": clamp. */
		limit = *l && strspn(l, "0123456789") == strlen(l) ? FETCH_MAX : 10;
	}
	f.limit = limit < 1 ? 1 : limit > FETCH_MAX ? FETCH_MAX : (size_t)limit;
	if (*f.username)
		f.owner.kind = 'u';
	else if (*guest)
		f.owner.kind = 'g', f.owner.guest = guest;
	/* json outside a batch (the common case) skips the json-c tree. */
	if (g.fmt == GJ_JSON && !c->gj_collect) {
		buf_init(&direct);
		f.direct = &direct;
	}
	rc = store_read(c->store, gj_fetch_txn, &f);
	if (rc == 0 && f.failed) {
		rc = gj_fail(&g, f.fail);
	} else if (rc == 0 && f.direct) {
		c->resp->ctype = gj_format_ctype(GJ_JSON);
		buf_reset(&c->resp->body);
		buf_adds(&c->resp->body, "{\"response\":{\"success\":\"true\",\"scores\":[");
		buf_add(&c->resp->body, direct.p, direct.len);
		buf_adds(&c->resp->body, "]}}");
	} else if (rc == 0) {
		struct json_object *data = json_object_new_object();
		json_object_object_add(data, "scores", f.list);
		f.list = NULL;
		gj_answer(c, g.fmt, 1, NULL, data);
		json_object_put(data);
	}
	if (f.list)
		json_object_put(f.list);
	if (f.direct)
		buf_free(&direct);
out:
	gj_end(&g);
	return rc;
}

/* ---- scores/tables ---- */

struct gj_tables {
	uint64_t primary;
	struct json_object *list;
};

static int gj_table_item(const struct table *t, void *arg)
{
	struct gj_tables *l = arg;
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", gj_u64(t->id));
	json_object_object_add(o, "name", gj_str(t->name));
	json_object_object_add(o, "description", gj_str(t->description));
	json_object_object_add(o, "primary", gj_str(t->id == l->primary ? "1" : "0"));
	json_object_array_add(l->list, o);
	return 0;
}

struct gj_tables_call {
	struct gj_call *g;
	struct gj_tables l;
};

static int gj_tables_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct gj_tables_call *t = arg;
	return table_each(s, txn, t->g->game.id, gj_table_item, &t->l);
}

int gj_scores_tables(struct ctx *c)
{
	struct gj_call g;
	struct gj_tables_call t;
	int rc;

	if (gj_begin(c, &g, &rc))
		return rc;
	t.g = &g;
	t.l.primary = g.game.primary_table;
	t.l.list = json_object_new_array();
	rc = store_read(c->store, gj_tables_txn, &t);
	if (rc == 0) {
		struct json_object *data = json_object_new_object();
		json_object_object_add(data, "tables", t.l.list);
		gj_answer(c, g.fmt, 1, NULL, data);
		json_object_put(data);
	} else {
		json_object_put(t.l.list);
	}
	gj_end(&g);
	return rc;
}

/* ---- scores/get-rank ---- */

struct gj_rank {
	struct gj_call *g;
	int64_t sort;
	uint64_t rank;
	int no_table;
};

static int gj_rank_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct gj_rank *k = arg;
	struct table t;
	int rc = gj_pick_table(s, txn, k->g, &t);

	if (rc == ARC_ENOENT) {
		k->no_table = 1;
		return 0;
	}
	if (rc)
		return rc;
	rc = score_rank(s, txn, &t, k->sort, &k->rank);
	table_free(&t);
	return rc;
}

int gj_scores_rank(struct ctx *c)
{
	struct gj_call g;
	struct gj_rank k;
	int rc;

	if (gj_begin(c, &g, &rc))
		return rc;
	memset(&k, 0, sizeof(k));
	k.g = &g;
	if (util_parse_i64(gj_param(&g, "sort"), &k.sort) < 0) {
		rc = gj_fail(&g, GJM_NO_RANK);
	} else {
		rc = store_read(c->store, gj_rank_txn, &k);
		if (rc == 0 && k.no_table) {
			rc = gj_fail(&g, GJM_BAD_TABLE);
		} else if (rc == 0) {
			struct json_object *data = json_object_new_object();
			json_object_object_add(data, "rank", gj_u64(k.rank));
			gj_answer(c, g.fmt, 1, NULL, data);
			json_object_put(data);
		}
	}
	gj_end(&g);
	return rc;
}
