/* gamejolt: Game Jolt handlers. Each one: gj_begin() (format, game_id,
 * signature), then its own checks in the documented order, one
 * transaction, and an answer in the requested format. Application errors
 * are HTTP 200 with success "false", as on Game Jolt. */
#include "config.h"
#include "gamejolt.h"
#include "errors.h"
#include "games.h"
#include "gj_format.h"
#include "gj_sig.h"
#include "scores.h"
#include "util.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum gj_msg {
	GJM_NO_SIGNATURE, GJM_BAD_SIGNATURE, GJM_BAD_GAME, GJM_NO_USER, GJM_BAD_TABLE,
	GJM_USER_XOR_GUEST, GJM_BETTER_XOR_WORSE, GJM_NO_RANK, GJM_GUESTS_DENIED, GJM_NO_OWNER,
	GJM_NO_SCORE, GJM_NO_SORT, GJM_ADD_FAILED, GJM_WINDOW_NUMERIC, GJM_SCORE_LONG, GJM_EXTRA_LONG,
	GJM_GUEST_NAME,
};

static const char *const gj_msgs[] = {
	[GJM_NO_SIGNATURE] = "You must enter a signature with your request.",
	[GJM_BAD_SIGNATURE] = "The signature you entered for the request is invalid.",
	[GJM_BAD_GAME] = "The game ID you passed in does not point to a valid game.",
	[GJM_NO_USER] = "No such user with the credentials passed in could be found.",
	[GJM_BAD_TABLE] = "The high score table ID you passed in does not belong to this game or has been deleted.",
	[GJM_USER_XOR_GUEST] = "'username' and 'guest' are mutually exclusive",
	[GJM_BETTER_XOR_WORSE] = "'better-than' and 'worse-than' are mutually exclusive",
	[GJM_NO_RANK] = "Could not get a rank for the parameters you entered.",
	[GJM_GUESTS_DENIED] = "Guests are not allowed to enter scores for this game.",
	[GJM_NO_OWNER] = "You must pass in a user/guest for this score.",
	[GJM_NO_SCORE] = "You must enter a score.",
	[GJM_NO_SORT] = "You must enter a sort value for this score, and it must be numeric.",
	[GJM_ADD_FAILED] = "Unknown error has occured",
	[GJM_WINDOW_NUMERIC] = "'better_than' and 'worse_than' must be numeric.",
	[GJM_SCORE_LONG] = "The score you entered is too long (at most 255 bytes).",
	[GJM_EXTRA_LONG] = "The extra data you entered is too long (at most 16384 bytes).",
	[GJM_GUEST_NAME] = "The guest name must be 1 to 100 characters without control characters.",
};

/* Everything a handler knows after gj_begin(). */
struct gj_call {
	struct ctx *c;
	enum gj_fmt fmt;
	struct game game;
};

/* The API version is the path segment after /api/game/; it picks the
 * default format (keypair before v1_2). */
static enum gj_fmt gj_fmt_of(const struct req *r)
{
	const char *fmt = r->nparams ? req_param(r, "format") : NULL;
	enum gj_fmt f;

	if (fmt && gj_format_parse(fmt, &f) == 0)
		return f;
	return strncmp(r->path, "/api/game/v1_2/", 15) == 0 || strcmp(r->path, "/api/game/v1_2") == 0
		       ? GJ_JSON : GJ_KEYPAIR;
}

static void gj_answer(struct ctx *c, enum gj_fmt f, int success, const char *msg, struct json_object *data)
{
	c->resp->ctype = gj_format_ctype(f);
	buf_reset(&c->resp->body);
	gj_format_write(&c->resp->body, f, success, msg, data);
}

static int gj_fail(struct gj_call *g, enum gj_msg m)
{
	gj_answer(g->c, g->fmt, 0, gj_msgs[m], NULL);
	return 0;
}

void gj_error(struct ctx *c, int err)
{
	const struct arc_err_info *e = arc_err_info(err);
	c->resp->status = e->status;
	gj_answer(c, gj_fmt_of(c->req), 0, e->text, NULL);
}

static const char *gj_param(const struct gj_call *g, const char *name)
{
	const char *v = req_param(g->c->req, name);
	return v ? v : "";
}

/* POST fields sorted by name, each as name+value ("requests[]" counts as
 * "requests"): the part of the signed text that follows the URL. */
static int gj_kv_cmp(const void *a, const void *b)
{
	const struct kv *x = *(const struct kv *const *)a, *y = *(const struct kv *const *)b;
	int d = strcmp(x->key, y->key);
	return d ? d : (x < y ? -1 : x > y);
}

static char *gj_post_suffix(const struct req *r)
{
	size_t n = r->nparams - r->nquery, m = 0;
	const struct kv **f = xcalloc(n ? n : 1, sizeof(*f));
	struct buf b;

	for (size_t i = r->nquery; i < r->nparams; i++)
		if (strcmp(r->params[i].key, "signature") != 0)
			f[m++] = &r->params[i];
	qsort(f, m, sizeof(*f), gj_kv_cmp);
	buf_init(&b);
	buf_adds(&b, "");
	for (size_t i = 0; i < m; i++) {
		size_t kl = strlen(f[i]->key);
		if (kl >= 2 && strcmp(f[i]->key + kl - 2, "[]") == 0)
			kl -= 2;
		buf_add(&b, f[i]->key, kl);
		buf_add(&b, f[i]->val, f[i]->vlen);
	}
	free(f);
	return buf_detach(&b);
}

static int gj_check_signature(struct gj_call *g)
{
	const struct req *r = g->c->req;
	char *uri, *sig;
	const char *field;
	struct gj_sig_in in;
	int ok;

	gj_sig_strip(r->uri, &uri, &sig);
	if (!sig && (field = req_param(r, "signature")) && *field)
		sig = xstrdup(field);
	if (!sig || !*sig) {
		free(uri);
		free(sig);
		return gj_fail(g, GJM_NO_SIGNATURE), -1;
	}
	in.uri = uri;
	in.host = r->host;
	in.aliases = g->c->cfg->gj_hosts;
	in.naliases = g->c->cfg->n_gj_hosts;
	in.post = gj_post_suffix(r);
	in.key = g->game.private_key;
	in.sig = sig;
	ok = gj_sig_verify(&in);
	free((char *)in.post);
	free(uri);
	free(sig);
	return ok ? 0 : (gj_fail(g, GJM_BAD_SIGNATURE), -1);
}

static int gj_load_game(struct store *s, MDB_txn *txn, void *arg)
{
	struct gj_call *g = arg;
	return game_get(s, txn, g->game.id, &g->game);
}

/* Format, game and signature. Returns 0 to go on; otherwise the answer is
 * written and the handler returns *rc. */
static int gj_begin(struct ctx *c, struct gj_call *g, int *rc)
{
	const char *id;
	uint64_t gid;

	memset(g, 0, sizeof(*g));
	g->c = c;
	g->fmt = gj_fmt_of(c->req);
	*rc = 0;
	id = gj_param(g, "game_id");
	if (util_parse_u64(id, &gid) < 0 || gid == 0)
		return gj_fail(g, GJM_BAD_GAME), -1;
	g->game.id = gid;
	*rc = store_read(c->store, gj_load_game, g);
	if (*rc == ARC_ENOENT) {
		*rc = 0;
		return gj_fail(g, GJM_BAD_GAME), -1;
	}
	if (*rc)
		return -1;
	if (gj_check_signature(g) < 0) {
		game_free(&g->game);
		return -1;
	}
	return 0;
}

static void gj_end(struct gj_call *g)
{
	game_free(&g->game);
}

/* ---- users/auth ---- */

struct gj_auth {
	struct gj_call *g;
	const char *username, *token;
	struct player player;
};

static int gj_auth_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct gj_auth *a = arg;
	return player_auth(s, txn, a->g->game.id, a->username, a->token, &a->player);
}

int gj_users_auth(struct ctx *c)
{
	struct gj_call g;
	struct gj_auth a;
	int rc;

	if (gj_begin(c, &g, &rc))
		return rc;
	a.g = &g;
	a.username = gj_param(&g, "username");
	a.token = gj_param(&g, "user_token");
	rc = store_read(c->store, gj_auth_txn, &a);
	if (rc == ARC_ENOENT)
		rc = gj_fail(&g, GJM_NO_USER);
	else if (rc == 0) {
		player_free(&a.player);
		gj_answer(c, g.fmt, 1, NULL, NULL);
	}
	gj_end(&g);
	return rc;
}

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
		rc = player_auth(s, txn, a->g->game.id, a->username, a->token, &p);
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
	enum gj_msg fail;
	int failed;
};

static void gj_ago(uint64_t now_s, uint64_t then_s, char *out, size_t n)
{
	static const struct { uint64_t below, unit; const char *name; } steps[] = {
		{ 60, 1, "second" }, { 3600, 60, "minute" }, { 86400, 3600, "hour" },
		{ 7 * 86400, 86400, "day" }, { 30 * 86400, 7 * 86400, "week" },
		{ 365 * 86400, 30 * 86400, "month" }, { UINT64_MAX, 365 * 86400, "year" },
	};
	uint64_t d = now_s > then_s ? now_s - then_s : 0;

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (d < steps[i].below) {
			uint64_t k = d / steps[i].unit;
			snprintf(out, n, "%llu %s%s ago", (unsigned long long)k, steps[i].name, k == 1 ? "" : "s");
			return;
		}
}

static struct json_object *gj_str(const char *s)
{
	return json_object_new_string(s);
}

static struct json_object *gj_u64(uint64_t v)
{
	char b[24];
	snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
	return json_object_new_string(b);
}

static struct json_object *gj_score_json(const struct score *sc, const char *user, uint64_t now_ms)
{
	struct json_object *o = json_object_new_object();
	char sort[24], ago[48];

	snprintf(sort, sizeof(sort), "%lld", (long long)sc->sort);
	gj_ago(now_ms / 1000, sc->stored_ms / 1000, ago, sizeof(ago));
	json_object_object_add(o, "score", gj_str(sc->score));
	json_object_object_add(o, "sort", gj_str(sort));
	json_object_object_add(o, "extra_data", gj_str(sc->extra));
	json_object_object_add(o, "user", gj_str(user));
	json_object_object_add(o, "user_id", sc->user_id ? gj_u64(sc->user_id) : gj_str(""));
	json_object_object_add(o, "guest", gj_str(sc->guest));
	json_object_object_add(o, "stored", gj_str(ago));
	json_object_object_add(o, "stored_timestamp", json_object_new_int64((int64_t)(sc->stored_ms / 1000)));
	return o;
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
		rc = player_auth(s, txn, f->g->game.id, f->username, f->token, &p);
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
	f->list = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		const char *user = "";
		int have = list[i].user_id && player_get(s, txn, f->g->game.id, list[i].user_id, &p) == 0;
		if (have)
			user = p.username;
		json_object_array_add(f->list, gj_score_json(&list[i], user, f->g->c->now_ms));
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
	rc = store_read(c->store, gj_fetch_txn, &f);
	if (rc == 0 && f.failed) {
		rc = gj_fail(&g, f.fail);
	} else if (rc == 0) {
		struct json_object *data = json_object_new_object();
		json_object_object_add(data, "scores", f.list);
		f.list = NULL;
		gj_answer(c, g.fmt, 1, NULL, data);
		json_object_put(data);
	}
	if (f.list)
		json_object_put(f.list);
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
