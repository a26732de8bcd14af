/* arcadectl: administration (CLI.md). Global --data DIR and --json may come
 * anywhere; with --json every result is one JSON object on stdout. Each
 * subcommand is a row of the command table: parse options, one transaction,
 * print. Secrets are printed once, when created. */
#include "config.h"
#include "apikeys.h"
#include "errors.h"
#include "gamejolt.h"
#include "games.h"
#include "gj_sig.h"
#include "matches.h"
#include "secret.h"
#include "store.h"
#include "upgrade.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define CTL_MAX_OPTS 64

struct ctl_opt {
	const char *name, *val;
};

struct ctl {
	const char *data;
	int json;
	const char *pos[8];
	int npos;
	struct ctl_opt opt[CTL_MAX_OPTS];
	int nopt;
	struct store store;
};

/* Options that take no value. */
static const char *const ctl_flags[] = { "json", "primary", "unique", "sha1", "help", "version" };

static int ctl_fail(const char *fmt, const char *arg)
{
	fprintf(stderr, "arcadectl: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 1;
}

static const char *ctl_get(const struct ctl *c, const char *name)
{
	const char *v = NULL;
	for (int i = 0; i < c->nopt; i++)
		if (strcmp(c->opt[i].name, name) == 0)
			v = c->opt[i].val;
	return v;
}

static int ctl_u64(const struct ctl *c, const char *name, uint64_t *out)
{
	const char *v = ctl_get(c, name);
	if (!v)
		return ctl_fail("missing --%s", name);
	if (util_parse_u64(v, out) < 0 || *out == 0)
		return ctl_fail("--%s needs a positive whole number", name);
	return 0;
}

/* "--NAME C/S" into r; absent leaves r alone. */
static int ctl_rate(const struct ctl *c, const char *name, struct conf_rate *r)
{
	const char *v = ctl_get(c, name);
	if (v && util_parse_rate(v, &r->cap, &r->per_sec) < 0)
		return ctl_fail("--%s takes CAPACITY/PER_SECOND, e.g. 60/1 or 20/0.5", name);
	return 0;
}

static struct json_object *ctl_rate_json(double cap, double per_sec)
{
	char b[64];
	if (cap <= 0)
		return json_object_new_string("default");
	snprintf(b, sizeof(b), "%.0f/%g", cap, per_sec);
	return json_object_new_string(b);
}

static void ctl_print(const struct ctl *c, struct json_object *o)
{
	if (c->json) {
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		json_object_object_foreach(o, k, v) {
			if (json_object_is_type(v, json_type_array)) {
				for (size_t i = 0; i < json_object_array_length(v); i++)
					puts(json_object_to_json_string_ext(json_object_array_get_idx(v, i),
									    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
			} else {
				printf("%s: %s\n", k, json_object_get_string(v));
			}
		}
	}
	json_object_put(o);
}

static int ctl_open_sync(struct ctl *c, int readonly, int sync)
{
	struct store_opts o = { c->data, (size_t)1 << 30, (size_t)64 << 30, sync, readonly };
	if (store_open(&c->store, &o))
		return ctl_fail("cannot open the database in %s (run arcadectl init)", c->data);
	if (upgrade_store(&c->store)) {
		store_close(&c->store);
		return ctl_fail("cannot upgrade the database in %s (see above)", c->data);
	}
	return 0;
}

static int ctl_open(struct ctl *c, int readonly)
{
	return ctl_open_sync(c, readonly, STORE_SYNC_FULL);
}

static int ctl_store_rc(int rc)
{
	if (rc == ARC_EEXIST)
		return ctl_fail("%s", "already exists (names are unique per game)");
	if (rc == ARC_ENOENT)
		return ctl_fail("%s", "no such game or record");
	if (rc == ARC_EUTF8)
		return ctl_fail("%s", "invalid name: 1 to 100 bytes of UTF-8, no control characters");
	if (rc)
		return ctl_fail("%s", arc_err_info(rc)->text);
	return 0;
}

/* ---- init ---- */

static int ctl_init(struct ctl *c)
{
	struct json_object *o;

	if (mkdir(c->data, 0750) < 0 && errno != EEXIST)
		return ctl_fail("cannot create %s", c->data);
	if (ctl_open(c, 0))
		return 1;
	o = json_object_new_object();
	json_object_object_add(o, "data", json_object_new_string(c->data));
	json_object_object_add(o, "schema", json_object_new_int(STORE_SCHEMA));
	ctl_print(c, o);
	return 0;
}

/* ---- games ---- */

struct ctl_game_new {
	const char *name;
	struct conf_rate rate;
	struct game g;
};

static int ctl_game_create_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct ctl_game_new *n = arg;
	int rc = game_create(s, txn, n->name, util_now_ms(), &n->g);
	if (rc || n->rate.cap <= 0)
		return rc;
	n->g.rate_cap = n->rate.cap;
	n->g.rate_per_sec = n->rate.per_sec;
	return game_put(s, txn, &n->g);
}

static int ctl_game_create(struct ctl *c)
{
	struct ctl_game_new n;
	struct json_object *o;
	int rc;

	memset(&n, 0, sizeof(n));
	n.name = ctl_get(c, "name");
	if (!n.name)
		return ctl_fail("%s", "missing --name");
	if (ctl_rate(c, "rate", &n.rate))
		return 1;
	if (ctl_open(c, 0))
		return 1;
	rc = store_write(&c->store, ctl_game_create_txn, &n);
	if (rc)
		return ctl_store_rc(rc);
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64((int64_t)n.g.id));
	json_object_object_add(o, "name", json_object_new_string(n.g.name));
	json_object_object_add(o, "private_key", json_object_new_string(n.g.private_key));
	json_object_object_add(o, "rate", ctl_rate_json(n.g.rate_cap, n.g.rate_per_sec));
	game_free(&n.g);
	ctl_print(c, o);
	return 0;
}

static int ctl_game_item(const struct game *g, void *arg)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64((int64_t)g->id));
	json_object_object_add(o, "name", json_object_new_string(g->name));
	json_object_object_add(o, "primary_table", json_object_new_int64((int64_t)g->primary_table));
	json_object_object_add(o, "rate", ctl_rate_json(g->rate_cap, g->rate_per_sec));
	json_object_array_add(arg, o);
	return 0;
}

static int ctl_game_list_txn(struct store *s, MDB_txn *txn, void *arg)
{
	return game_each(s, txn, ctl_game_item, arg);
}

static int ctl_game_list(struct ctl *c)
{
	struct json_object *items = json_object_new_array(), *o;
	int rc;

	if (ctl_open(c, 1)) {
		json_object_put(items);
		return 1;
	}
	rc = store_read(&c->store, ctl_game_list_txn, items);
	if (rc) {
		json_object_put(items);
		return ctl_store_rc(rc);
	}
	o = json_object_new_object();
	json_object_object_add(o, "items", items);
	ctl_print(c, o);
	return 0;
}

/* ---- score tables ---- */

struct ctl_table_new {
	struct table t;
	int primary;
};

static int ctl_table_create_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct ctl_table_new *n = arg;
	return table_create(s, txn, &n->t, n->primary);
}

/* table_create makes a game's first table primary: report what happened. */
static int ctl_table_primary_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct ctl_table_new *n = arg;
	struct game g;
	int rc = game_get(s, txn, n->t.game, &g);
	if (rc)
		return rc;
	n->primary = g.primary_table == n->t.id;
	game_free(&g);
	return 0;
}

static int ctl_table_create(struct ctl *c)
{
	struct ctl_table_new n;
	const char *guests = ctl_get(c, "guests"), *order = ctl_get(c, "order");
	struct json_object *o;
	int rc;

	memset(&n, 0, sizeof(n));
	if (ctl_u64(c, "game", &n.t.game))
		return 1;
	n.t.name = (char *)ctl_get(c, "name");
	n.t.description = (char *)(ctl_get(c, "description") ? ctl_get(c, "description") : "");
	if (!n.t.name || !name_valid(n.t.name))
		return ctl_fail("%s", "--name: 1 to 100 bytes of UTF-8, no control characters");
	if (strlen(n.t.description) > TEXT_MAX_BYTES)
		return ctl_fail("%s", "--description is too long");
	if (guests && strcmp(guests, "allow") && strcmp(guests, "deny"))
		return ctl_fail("%s", "--guests is allow or deny");
	if (order && strcmp(order, "desc") && strcmp(order, "asc"))
		return ctl_fail("%s", "--order is desc (higher is better) or asc (lower is better)");
	n.t.flags = (guests && !strcmp(guests, "deny") ? TABLE_GUESTS_DENY : 0) |
		    (order && !strcmp(order, "asc") ? TABLE_ASC : 0) | (ctl_get(c, "unique") ? TABLE_UNIQUE : 0);
	n.t.created_ms = util_now_ms();
	n.primary = ctl_get(c, "primary") != NULL;
	if (ctl_open(c, 0))
		return 1;
	rc = store_write(&c->store, ctl_table_create_txn, &n);
	if (rc == 0)
		rc = store_read(&c->store, ctl_table_primary_txn, &n);
	if (rc)
		return ctl_store_rc(rc);
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64((int64_t)n.t.id));
	json_object_object_add(o, "game", json_object_new_int64((int64_t)n.t.game));
	json_object_object_add(o, "name", json_object_new_string(n.t.name));
	json_object_object_add(o, "description", json_object_new_string(n.t.description));
	json_object_object_add(o, "primary", json_object_new_boolean(n.primary));
	json_object_object_add(o, "guests", json_object_new_string(n.t.flags & TABLE_GUESTS_DENY ? "deny" : "allow"));
	json_object_object_add(o, "order", json_object_new_string(n.t.flags & TABLE_ASC ? "asc" : "desc"));
	json_object_object_add(o, "unique", json_object_new_boolean(n.t.flags & TABLE_UNIQUE));
	ctl_print(c, o);
	return 0;
}

/* ---- players ---- */

struct ctl_player_new {
	uint64_t game;
	const char *username, *image;
	char token[2 * KEY_HEX_BYTES + 1];
	struct player p;
};

static int ctl_player_create_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct ctl_player_new *n = arg;
	return player_create(s, txn, n->game, n->username, n->image, NULL, util_now_ms(), n->token, &n->p);
}

static int ctl_player_create(struct ctl *c)
{
	struct ctl_player_new n;
	struct json_object *o;
	int rc;

	memset(&n, 0, sizeof(n));
	if (ctl_u64(c, "game", &n.game))
		return 1;
	n.username = ctl_get(c, "username");
	n.image = ctl_get(c, "image-url");
	if (!n.username)
		return ctl_fail("%s", "missing --username");
	if (n.image && strlen(n.image) > TEXT_MAX_BYTES)
		return ctl_fail("%s", "--image-url is too long");
	if (ctl_open(c, 0))
		return 1;
	rc = store_write(&c->store, ctl_player_create_txn, &n);
	if (rc)
		return ctl_store_rc(rc);
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64((int64_t)n.p.id));
	json_object_object_add(o, "game", json_object_new_int64((int64_t)n.game));
	json_object_object_add(o, "username", json_object_new_string(n.p.username));
	json_object_object_add(o, "token", json_object_new_string(n.token));
	player_free(&n.p);
	ctl_print(c, o);
	return 0;
}

/* ---- game set ---- */

struct ctl_game_set {
	uint64_t id;
	struct conf_rate rate;
	struct game g;
};

static int ctl_game_set_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct ctl_game_set *q = arg;
	int rc = game_get(s, txn, q->id, &q->g);
	if (rc)
		return rc;
	q->g.rate_cap = q->rate.cap;
	q->g.rate_per_sec = q->rate.per_sec;
	return game_put(s, txn, &q->g);
}

static int ctl_game_set(struct ctl *c)
{
	struct ctl_game_set q;
	struct json_object *o;
	int rc;

	memset(&q, 0, sizeof(q));
	if (ctl_u64(c, "game", &q.id))
		return 1;
	if (!ctl_get(c, "rate"))
		return ctl_fail("%s", "missing --rate C/S");
	if (ctl_rate(c, "rate", &q.rate) || ctl_open(c, 0))
		return 1;
	rc = store_write(&c->store, ctl_game_set_txn, &q);
	if (rc)
		return ctl_store_rc(rc);
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64((int64_t)q.g.id));
	json_object_object_add(o, "name", json_object_new_string(q.g.name));
	json_object_object_add(o, "rate", ctl_rate_json(q.g.rate_cap, q.g.rate_per_sec));
	game_free(&q.g);
	ctl_print(c, o);
	return 0;
}

/* ---- API keys ---- */

struct ctl_key_new {
	struct apikey k;
	char secret[APIKEY_SECRET_MAX];
};

static int ctl_key_create_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct ctl_key_new *n = arg;
	struct game g;
	int rc = game_get(s, txn, n->k.game, &g);
	if (rc)
		return rc;
	game_free(&g);
	return apikey_create(s, txn, &n->k, util_now_ms(), n->secret);
}

static int ctl_key_create(struct ctl *c)
{
	struct ctl_key_new n;
	const char *kind = ctl_get(c, "kind");
	struct json_object *o, *perms;
	int nperm = 0, rc;

	memset(&n, 0, sizeof(n));
	if (ctl_u64(c, "game", &n.k.game))
		return 1;
	if (!kind || (strcmp(kind, "teambattles") && strcmp(kind, "app")))
		return ctl_fail("%s", "--kind is teambattles or app");
	n.k.kind = strcmp(kind, "app") ? APIKEY_TEAMBATTLES : APIKEY_APP;
	for (int i = 0; i < c->nopt; i++) {
		if (strcmp(c->opt[i].name, "perm") != 0)
			continue;
		if (n.k.kind != APIKEY_TEAMBATTLES)
			return ctl_fail("%s", "--perm applies to teambattles keys only");
		if (apikey_perm_parse(&n.k, c->opt[i].val) < 0)
			return ctl_fail("bad --perm '%s' (game.scores=none|write, game.lifecycle=none|read|read-write, "
					"game.matches=none|read, uploads=none|read-write)", c->opt[i].val);
		nperm++;
	}
	/* With no --perm at all, a developer key may write scores and nothing else. */
	if (n.k.kind == APIKEY_TEAMBATTLES && nperm == 0)
		n.k.levels[PERM_GAME_SCORES] = LVL_WRITE;
	if (ctl_rate(c, "rate", &n.k.rate) || ctl_rate(c, "batch-rate", &n.k.batch_rate))
		return 1;
	if (n.k.kind != APIKEY_TEAMBATTLES && ctl_get(c, "batch-rate"))
		return ctl_fail("%s", "--batch-rate applies to teambattles keys only");
	if (ctl_open(c, 0))
		return 1;
	rc = store_write(&c->store, ctl_key_create_txn, &n);
	if (rc)
		return ctl_store_rc(rc);
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64((int64_t)n.k.id));
	json_object_object_add(o, "game", json_object_new_int64((int64_t)n.k.game));
	json_object_object_add(o, "kind", json_object_new_string(kind));
	json_object_object_add(o, "key", json_object_new_string(n.secret));
	if (n.k.kind == APIKEY_TEAMBATTLES) {
		perms = json_object_new_object();
		for (int p = 0; p < PERM__COUNT; p++)
			json_object_object_add(perms, apikey_perm_name(p),
					       json_object_new_string(apikey_level_name(n.k.levels[p])));
		json_object_object_add(o, "permissions", perms);
		json_object_object_add(o, "batch_rate", ctl_rate_json(n.k.batch_rate.cap, n.k.batch_rate.per_sec));
	}
	json_object_object_add(o, "rate", ctl_rate_json(n.k.rate.cap, n.k.rate.per_sec));
	ctl_print(c, o);
	return 0;
}

static int ctl_key_revoke_txn(struct store *s, MDB_txn *txn, void *arg)
{
	return apikey_revoke(s, txn, *(uint64_t *)arg);
}

static int ctl_key_revoke(struct ctl *c)
{
	uint64_t id;
	struct json_object *o;
	int rc;

	if (ctl_u64(c, "key-id", &id) || ctl_open(c, 0))
		return 1;
	rc = store_write(&c->store, ctl_key_revoke_txn, &id);
	if (rc)
		return ctl_store_rc(rc);
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64((int64_t)id));
	json_object_object_add(o, "revoked", json_object_new_boolean(1));
	ctl_print(c, o);
	return 0;
}

/* ---- player token ---- */

struct ctl_player_token {
	uint64_t game, id;
	char token[2 * KEY_HEX_BYTES + 1];
	struct player p;
};

static int ctl_player_token_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct ctl_player_token *q = arg;
	int rc = player_get(s, txn, q->game, q->id, &q->p);
	return rc ? rc : player_new_token(s, txn, &q->p, util_now_ms(), q->token);
}

static int ctl_player_token(struct ctl *c)
{
	struct ctl_player_token q;
	struct json_object *o;
	int rc;

	memset(&q, 0, sizeof(q));
	if (ctl_u64(c, "game", &q.game) || ctl_u64(c, "player", &q.id) || ctl_open(c, 0))
		return 1;
	rc = store_write(&c->store, ctl_player_token_txn, &q);
	if (rc)
		return ctl_store_rc(rc);
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64((int64_t)q.p.id));
	json_object_object_add(o, "username", json_object_new_string(q.p.username));
	json_object_object_add(o, "token", json_object_new_string(q.token));
	player_free(&q.p);
	ctl_print(c, o);
	return 0;
}

/* ---- trophies and friends (Game Jolt) ---- */

struct ctl_trophy_new {
	uint64_t game, id;
	const char *title, *description, *image;
	int difficulty;
};

static int ctl_trophy_create_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct ctl_trophy_new *t = arg;
	return trophy_create(s, txn, t->game, t->title, t->description, t->difficulty, t->image, util_now_ms(),
			     &t->id);
}

static int ctl_trophy_create(struct ctl *c)
{
	struct ctl_trophy_new t;
	const char *diff = ctl_get(c, "difficulty");
	struct json_object *o;
	int rc;

	memset(&t, 0, sizeof(t));
	if (ctl_u64(c, "game", &t.game))
		return 1;
	t.title = ctl_get(c, "title");
	t.description = ctl_get(c, "description") ? ctl_get(c, "description") : "";
	t.image = ctl_get(c, "image-url") ? ctl_get(c, "image-url") : "";
	if (!t.title || !name_valid(t.title))
		return ctl_fail("%s", "--title: 1 to 100 bytes of UTF-8, no control characters");
	if (strlen(t.description) > TEXT_MAX_BYTES || strlen(t.image) > TEXT_MAX_BYTES)
		return ctl_fail("%s", "--description and --image-url are at most 1000 bytes");
	t.difficulty = diff ? trophy_difficulty_parse(diff) : -1;
	if (t.difficulty < 0)
		return ctl_fail("%s", "--difficulty is bronze, silver, gold or platinum");
	if (ctl_open(c, 0))
		return 1;
	rc = store_write(&c->store, ctl_trophy_create_txn, &t);
	if (rc)
		return ctl_store_rc(rc);
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64((int64_t)t.id));
	json_object_object_add(o, "game", json_object_new_int64((int64_t)t.game));
	json_object_object_add(o, "title", json_object_new_string(t.title));
	json_object_object_add(o, "description", json_object_new_string(t.description));
	json_object_object_add(o, "difficulty", json_object_new_string(diff));
	json_object_object_add(o, "image_url", json_object_new_string(t.image));
	ctl_print(c, o);
	return 0;
}

struct ctl_friends {
	uint64_t game, a, b;
};

static int ctl_friend_add_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct ctl_friends *f = arg;
	return friend_add(s, txn, f->game, f->a, f->b);
}

static int ctl_friend_add(struct ctl *c)
{
	struct ctl_friends f;
	struct json_object *o, *ids;
	int n = 0, rc;

	memset(&f, 0, sizeof(f));
	if (ctl_u64(c, "game", &f.game))
		return 1;
	for (int i = 0; i < c->nopt; i++) {
		uint64_t *dst = n == 0 ? &f.a : &f.b;
		if (strcmp(c->opt[i].name, "player") != 0)
			continue;
		if (n == 2 || util_parse_u64(c->opt[i].val, dst) < 0 || *dst == 0)
			return ctl_fail("%s", "friend add takes exactly two --player IDs");
		n++;
	}
	if (n != 2 || f.a == f.b)
		return ctl_fail("%s", "friend add takes two different --player IDs");
	if (ctl_open(c, 0))
		return 1;
	rc = store_write(&c->store, ctl_friend_add_txn, &f);
	if (rc)
		return ctl_store_rc(rc);
	o = json_object_new_object();
	ids = json_object_new_array();
	json_object_array_add(ids, json_object_new_int64((int64_t)f.a));
	json_object_array_add(ids, json_object_new_int64((int64_t)f.b));
	json_object_object_add(o, "players", ids);
	ctl_print(c, o);
	return 0;
}

/* ---- sign ---- */

struct ctl_game_get {
	uint64_t id;
	struct game g;
};

static int ctl_game_get_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct ctl_game_get *q = arg;
	return game_get(s, txn, q->id, &q->g);
}

static int ctl_sign(struct ctl *c)
{
	struct ctl_game_get q;
	const char *url = c->npos > 1 ? c->pos[1] : ctl_get(c, "url");
	char hex[41];
	struct buf msg, out;
	struct json_object *o;
	int rc;

	memset(&q, 0, sizeof(q));
	if (!url)
		return ctl_fail("%s", "usage: arcadectl sign URL --game ID [--sha1]");
	if (ctl_u64(c, "game", &q.id) || ctl_open(c, 1))
		return 1;
	rc = store_read(&c->store, ctl_game_get_txn, &q);
	if (rc)
		return ctl_store_rc(rc);
	buf_init(&msg);
	buf_printf(&msg, "%s%s", url, q.g.private_key);
	if (ctl_get(c, "sha1"))
		secret_sha1_hex(msg.p, msg.len, hex);
	else
		secret_md5_hex(msg.p, msg.len, hex);
	buf_init(&out);
	buf_printf(&out, "%s%csignature=%s", url, strpbrk(url, "?&") ? '&' : '?', hex);
	o = json_object_new_object();
	json_object_object_add(o, "url", json_object_new_string(out.p));
	if (c->json)
		ctl_print(c, o);
	else {
		puts(out.p);
		json_object_put(o);
	}
	buf_free(&msg);
	buf_free(&out);
	game_free(&q.g);
	return 0;
}

/* ---- stats ---- */

static void ctl_dbi_stat(MDB_txn *txn, MDB_dbi dbi, const char *name, struct json_object *dbs, uint64_t *total)
{
	MDB_stat st;
	struct json_object *o = json_object_new_object();

	if (mdb_stat(txn, dbi, &st) == 0) {
		json_object_object_add(o, "entries", json_object_new_int64((int64_t)st.ms_entries));
		json_object_object_add(o, "depth", json_object_new_int((int)st.ms_depth));
		json_object_object_add(o, "pages",
				       json_object_new_int64((int64_t)(st.ms_branch_pages + st.ms_leaf_pages +
								      st.ms_overflow_pages)));
		*total += st.ms_entries;
	}
	json_object_object_add(dbs, name, o);
}

static int ctl_stats_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct json_object *o = arg, *dbs = json_object_new_object();
	MDB_envinfo info;
	MDB_stat st;
	uint64_t total = 0;

	mdb_env_info(s->env, &info);
	mdb_env_stat(s->env, &st);
	ctl_dbi_stat(txn, s->rec, "rec", dbs, &total);
	ctl_dbi_stat(txn, s->idx, "idx", dbs, &total);
	ctl_dbi_stat(txn, s->cnt, "cnt", dbs, &total);
	ctl_dbi_stat(txn, s->meta, "meta", dbs, &total);
	json_object_object_add(o, "entries", json_object_new_int64((int64_t)total));
	json_object_object_add(o, "map_size", json_object_new_int64((int64_t)info.me_mapsize));
	json_object_object_add(o, "map_used", json_object_new_int64((int64_t)((info.me_last_pgno + 1) * st.ms_psize)));
	json_object_object_add(o, "page_size", json_object_new_int((int)st.ms_psize));
	json_object_object_add(o, "readers", json_object_new_int((int)info.me_numreaders));
	json_object_object_add(o, "max_readers", json_object_new_int((int)info.me_maxreaders));
	json_object_object_add(o, "last_txn", json_object_new_int64((int64_t)info.me_last_txnid));
	json_object_object_add(o, "databases", dbs);
	return 0;
}

static int ctl_stats(struct ctl *c)
{
	struct json_object *o = json_object_new_object();
	int rc;

	if (ctl_open(c, 1)) {
		json_object_put(o);
		return 1;
	}
	rc = store_read(&c->store, ctl_stats_txn, o);
	if (rc) {
		json_object_put(o);
		return ctl_store_rc(rc);
	}
	ctl_print(c, o);
	return 0;
}

/* ---- data care: backup, export, import ---- */

/* A consistent, compacted copy taken inside one read transaction, so
 * arcaded keeps serving (and writing) meanwhile. Written to a temporary name
 * and renamed, so DEST/data.mdb is either absent or a whole copy. */
static int ctl_backup(struct ctl *c)
{
	const char *dest = c->npos > 1 ? c->pos[1] : NULL;
	char part[4096], final[4096];
	struct json_object *o;
	struct stat st;
	MDB_env *copy = NULL;
	MDB_stat ms;
	MDB_envinfo info;
	int fd, dfd, rc;

	if (!dest || c->npos > 2)
		return ctl_fail("%s", "usage: arcadectl backup DEST (a new or empty directory)");
	if ((size_t)snprintf(final, sizeof(final), "%s/data.mdb", dest) >= sizeof(final) ||
	    (size_t)snprintf(part, sizeof(part), "%s/data.mdb.part", dest) >= sizeof(part))
		return ctl_fail("%s", "DEST is too long");
	if (mkdir(dest, 0750) < 0 && errno != EEXIST)
		return ctl_fail("cannot create %s", dest);
	if (stat(final, &st) == 0)
		return ctl_fail("%s already holds a database; give a new directory", dest);
	if (ctl_open(c, 1))
		return 1;
	fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return ctl_fail("cannot write %s", part);
	rc = mdb_env_copyfd2(c->store.env, fd, MDB_CP_COMPACT);
	if (rc == 0 && fsync(fd) < 0)
		rc = errno;
	if (close(fd) < 0 && rc == 0)
		rc = errno;
	if (rc == 0 && rename(part, final) < 0)
		rc = errno;
	if (rc) {
		unlink(part);
		return ctl_fail("backup failed: %s", mdb_strerror(rc));
	}
	dfd = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		if (fsync(dfd) < 0)
			fprintf(stderr, "arcadectl: warning: fsync %s: %s\n", dest, strerror(errno));
		close(dfd);
	}
	/* The copy must open on its own: a backup that does not is no backup. */
	rc = mdb_env_create(&copy);
	if (rc == 0) {
		mdb_env_set_maxdbs(copy, 64);
		rc = mdb_env_open(copy, dest, MDB_RDONLY | MDB_NOLOCK, 0640);
	}
	if (rc == 0)
		rc = mdb_env_stat(copy, &ms);
	if (rc == 0)
		rc = mdb_env_info(copy, &info);
	if (rc) {
		if (copy)
			mdb_env_close(copy);
		return ctl_fail("the copy does not open: %s", mdb_strerror(rc));
	}
	o = json_object_new_object();
	json_object_object_add(o, "dest", json_object_new_string(dest));
	json_object_object_add(o, "bytes", json_object_new_int64(stat(final, &st) == 0 ? (int64_t)st.st_size : -1));
	json_object_object_add(o, "pages", json_object_new_int64((int64_t)info.me_last_pgno + 1));
	json_object_object_add(o, "databases", json_object_new_int64((int64_t)ms.ms_entries));
	mdb_env_close(copy);
	ctl_print(c, o);
	return 0;
}

/* Export: JSON lines, one read transaction. First a header line, then for
 * each named database a line with its name, flags and entry count followed
 * by one line per record ({"db","key","value"}, both hex), and a last line
 * with the total, so that import can tell a whole file from a cut one. */
#define CTL_EXPORT_VERSION 1

static const char ctl_hexd[] = "0123456789abcdef";

static void ctl_put_hex(FILE *f, const unsigned char *p, size_t n)
{
	char b[512];
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		b[k++] = ctl_hexd[p[i] >> 4];
		b[k++] = ctl_hexd[p[i] & 15];
		if (k == sizeof(b)) {
			fwrite(b, 1, k, f);
			k = 0;
		}
	}
	fwrite(b, 1, k, f);
}

/* Valid names are printable ASCII without quotes or backslashes: the names
 * arcade gives its databases. Anything else is refused rather than escaped. */
static int ctl_db_name_ok(const char *p, size_t n)
{
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x21 || p[i] > 0x7e || p[i] == '"' || p[i] == '\\')
			return 0;
	return 1;
}

struct ctl_export {
	FILE *out;
	uint64_t records;
};

static int ctl_export_db(MDB_txn *txn, const char *name, struct ctl_export *x)
{
	MDB_dbi dbi;
	MDB_cursor *cur;
	MDB_val k, v;
	MDB_stat st;
	unsigned flags = 0;
	int rc = mdb_dbi_open(txn, name, 0, &dbi);

	if (rc == MDB_INCOMPATIBLE || rc == MDB_NOTFOUND)
		return 0; /* a plain key in the main database, not a database */
	if (rc || (rc = mdb_dbi_flags(txn, dbi, &flags)) || (rc = mdb_stat(txn, dbi, &st)))
		return rc;
	fprintf(x->out, "{\"db\":\"%s\",\"flags\":%u,\"entries\":%llu}\n", name, flags,
		(unsigned long long)st.ms_entries);
	rc = mdb_cursor_open(txn, dbi, &cur);
	if (rc)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		fprintf(x->out, "{\"db\":\"%s\",\"key\":\"", name);
		ctl_put_hex(x->out, k.mv_data, k.mv_size);
		fputs("\",\"value\":\"", x->out);
		ctl_put_hex(x->out, v.mv_data, v.mv_size);
		fputs("\"}\n", x->out);
		x->records++;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int ctl_export_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct ctl_export *x = arg;
	MDB_dbi main_dbi;
	MDB_cursor *cur;
	MDB_val k, v, sk = { 6, "schema" }, sv;
	char name[65];
	uint64_t schema = 0;
	int rc;

	if (mdb_get(txn, s->meta, &sk, &sv) == 0 && sv.mv_size == 8)
		schema = key_get_u64(sv.mv_data);
	fprintf(x->out, "{\"format\":\"arcade-export\",\"version\":%d,\"schema\":%llu}\n", CTL_EXPORT_VERSION,
		(unsigned long long)schema);
	rc = mdb_dbi_open(txn, NULL, 0, &main_dbi);
	if (rc == 0)
		rc = mdb_cursor_open(txn, main_dbi, &cur);
	if (rc)
		return store_err(rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		int e;
		if (!ctl_db_name_ok(k.mv_data, k.mv_size))
			continue;
		memcpy(name, k.mv_data, k.mv_size);
		name[k.mv_size] = '\0';
		e = ctl_export_db(txn, name, x);
		if (e) {
			rc = e;
			break;
		}
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND)
		return store_err(rc);
	fprintf(x->out, "{\"end\":true,\"records\":%llu}\n", (unsigned long long)x->records);
	return 0;
}

static FILE *ctl_stream(struct ctl *c, const char *mode, FILE *std)
{
	const char *path = c->npos > 1 ? c->pos[1] : "-";
	FILE *f;

	if (c->npos > 2) {
		ctl_fail("%s", "too many arguments (one FILE, or none for stdin/stdout)");
		return NULL;
	}
	if (strcmp(path, "-") == 0)
		return std;
	f = fopen(path, mode);
	if (!f)
		ctl_fail("cannot open %s", path);
	return f;
}

static int ctl_export(struct ctl *c)
{
	struct ctl_export x = { NULL, 0 };
	int rc, bad;

	x.out = ctl_stream(c, "w", stdout);
	if (!x.out)
		return 1;
	if (ctl_open(c, 1)) {
		if (x.out != stdout)
			fclose(x.out);
		return 1;
	}
	rc = store_read(&c->store, ctl_export_txn, &x);
	bad = fflush(x.out) != 0 || ferror(x.out);
	if (x.out != stdout)
		bad |= fclose(x.out) != 0;
	if (rc)
		return ctl_store_rc(rc);
	if (bad)
		return ctl_fail("%s", "export: write error (disk full?)");
	return 0;
}

/* Import: into a database that holds nothing yet (a new directory, or one
 * just made by init). Records are written in batches, each one transaction
 * (store_write grows the map as needed), and the file is checked as it goes:
 * entry counts per database and the total on the last line. */
#define CTL_IMPORT_BATCH 4096
#define CTL_IMPORT_BATCH_BYTES (16u << 20)

struct ctl_rec {
	char db[65];
	unsigned flags;
	MDB_val k, v;
};

struct ctl_import {
	struct ctl_rec *b;
	size_t n, bytes;
	char db[65];
	unsigned flags;
	uint64_t expect, seen, total, dbs, committed;
};

static int ctl_import_flush_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct ctl_import *im = arg;
	(void)s;
	for (size_t i = 0; i < im->n; i++) {
		MDB_dbi dbi;
		int rc = mdb_dbi_open(txn, im->b[i].db, MDB_CREATE | im->b[i].flags, &dbi);
		if (rc == 0)
			rc = mdb_put(txn, dbi, &im->b[i].k, &im->b[i].v, 0);
		if (rc)
			return store_err(rc);
	}
	return 0;
}

static void ctl_import_flush_free(struct ctl_import *im)
{
	for (size_t i = 0; i < im->n; i++) {
		free(im->b[i].k.mv_data);
		free(im->b[i].v.mv_data);
	}
	im->n = 0;
	im->bytes = 0;
}

static int ctl_import_flush(struct ctl *c, struct ctl_import *im)
{
	int rc = im->n ? store_write(&c->store, ctl_import_flush_txn, im) : 0;

	if (rc == 0)
		im->committed += im->n;
	ctl_import_flush_free(im);
	return rc;
}

/* Lowercase hex digit values; -1 for anything else. */
static signed char ctl_hexv[256];

static void ctl_hexv_init(void)
{
	memset(ctl_hexv, -1, sizeof(ctl_hexv));
	for (int i = 0; i < 16; i++)
		ctl_hexv[(unsigned char)ctl_hexd[i]] = (signed char)i;
}

static int ctl_unhex(const char *h, size_t n, MDB_val *out)
{
	unsigned char *p;

	if (n % 2)
		return -1;
	p = xmalloc(n / 2 + 1);
	for (size_t i = 0; i < n / 2; i++) {
		int a = ctl_hexv[(unsigned char)h[2 * i]], b = ctl_hexv[(unsigned char)h[2 * i + 1]];
		if (a < 0 || b < 0) {
			free(p);
			return -1;
		}
		p[i] = (unsigned char)(a << 4 | b);
	}
	out->mv_data = p;
	out->mv_size = n / 2;
	return 0;
}

/* Empty: no records anywhere but meta's schema line, which init writes. */
static int ctl_import_empty_txn(struct store *s, MDB_txn *txn, void *arg)
{
	MDB_dbi main_dbi;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, *empty = arg;

	(void)s;
	*empty = 1;
	rc = mdb_dbi_open(txn, NULL, 0, &main_dbi);
	if (rc == 0)
		rc = mdb_cursor_open(txn, main_dbi, &cur);
	if (rc)
		return store_err(rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		char name[65];
		MDB_dbi dbi;
		MDB_stat st;
		if (!ctl_db_name_ok(k.mv_data, k.mv_size)) {
			*empty = 0;
			continue;
		}
		memcpy(name, k.mv_data, k.mv_size);
		name[k.mv_size] = '\0';
		if (mdb_dbi_open(txn, name, 0, &dbi) || mdb_stat(txn, dbi, &st) ||
		    st.ms_entries > (strcmp(name, "meta") == 0 ? 1u : 0u))
			*empty = 0;
	}
	mdb_cursor_close(cur);
	return 0;
}

static int ctl_import_bad(int lineno, const char *msg)
{
	fprintf(stderr, "arcadectl: import: line %d: %s\n", lineno, msg);
	return -1;
}

/* One record of the current database: keys and values in lowercase hex. */
static int ctl_import_record(struct ctl *c, struct ctl_import *im, const char *db, const char *key, size_t klen,
			     const char *val, size_t vlen, int lineno)
{
	struct ctl_rec *r;

	if (strcmp(im->db, db) != 0)
		return ctl_import_bad(lineno, "a record outside its database's section");
	if (++im->seen > im->expect)
		return ctl_import_bad(lineno, "more records than the database line announced");
	if (im->n == CTL_IMPORT_BATCH || im->bytes > CTL_IMPORT_BATCH_BYTES) {
		int rc = ctl_import_flush(c, im);
		if (rc) {
			ctl_store_rc(rc);
			return -1;
		}
	}
	r = &im->b[im->n];
	if (ctl_unhex(key, klen, &r->k) < 0)
		return ctl_import_bad(lineno, "the key is not lowercase hex");
	if (ctl_unhex(val, vlen, &r->v) < 0) {
		free(r->k.mv_data);
		return ctl_import_bad(lineno, "the value is not lowercase hex");
	}
	if (r->k.mv_size == 0 || r->k.mv_size > 511) {
		free(r->k.mv_data);
		free(r->v.mv_data);
		return ctl_import_bad(lineno, "a key must be 1 to 511 bytes");
	}
	snprintf(r->db, sizeof(r->db), "%s", im->db);
	r->flags = im->flags;
	im->bytes += r->k.mv_size + r->v.mv_size;
	im->n++;
	im->total++;
	return 0;
}

/* A record line exactly as export writes it, {"db":"D","key":"K","value":"V"},
 * taken apart without json-c (six million of them in an export of a million
 * scores). Anything else, even valid JSON in another shape, returns 0 and
 * goes through json-c. key and val point into line. */
static int ctl_import_fast(const char *line, size_t len, char db[65], const char **key, size_t *klen,
			   const char **val, size_t *vlen)
{
	static const char p1[] = "{\"db\":\"", p2[] = "\",\"key\":\"", p3[] = "\",\"value\":\"", end[] = "\"}\n";
	const char *q = line, *e = line + len, *z;

	if (len < sizeof(p1) - 1 || memcmp(q, p1, sizeof(p1) - 1) != 0)
		return 0;
	q += sizeof(p1) - 1;
	if (!(z = memchr(q, '"', (size_t)(e - q))) || (size_t)(e - z) < sizeof(p2) - 1 ||
	    memcmp(z, p2, sizeof(p2) - 1) != 0 || !ctl_db_name_ok(q, (size_t)(z - q)))
		return 0;
	memcpy(db, q, (size_t)(z - q));
	db[z - q] = '\0';
	*key = q = z + sizeof(p2) - 1;
	if (!(z = memchr(q, '"', (size_t)(e - q))) || (size_t)(e - z) < sizeof(p3) - 1 ||
	    memcmp(z, p3, sizeof(p3) - 1) != 0)
		return 0;
	*klen = (size_t)(z - q);
	if (memchr(q, '\\', *klen))
		return 0; /* an escape: json-c decodes it */
	*val = q = z + sizeof(p3) - 1;
	if (!(z = memchr(q, '"', (size_t)(e - q))) || (size_t)(e - z) != sizeof(end) - 1 ||
	    memcmp(z, end, sizeof(end) - 1) != 0)
		return 0;
	*vlen = (size_t)(z - q);
	return !memchr(q, '\\', *vlen);
}

/* One line after the header. Returns 0, 1 for the end line, -1 after
 * printing why the file is refused. */
static int ctl_import_line(struct ctl *c, struct ctl_import *im, struct json_object *o, int lineno)
{
	struct json_object *f_db, *f_key, *f_val, *f;
	const char *db;

	if (json_object_object_get_ex(o, "end", NULL)) {
		if (im->db[0] && im->seen != im->expect)
			return ctl_import_bad(lineno, "the last database has fewer records than announced");
		if (!json_object_object_get_ex(o, "records", &f) || !json_object_is_type(f, json_type_int) ||
		    (uint64_t)json_object_get_int64(f) != im->total)
			return ctl_import_bad(lineno, "the record count does not match the file");
		return 1;
	}
	if (!json_object_object_get_ex(o, "db", &f_db) || !json_object_is_type(f_db, json_type_string))
		return ctl_import_bad(lineno, "no \"db\" name");
	db = json_object_get_string(f_db);
	if (!ctl_db_name_ok(db, strlen(db)))
		return ctl_import_bad(lineno, "invalid database name");
	if (!json_object_object_get_ex(o, "key", &f_key)) {
		/* A database's own line: name, flags, how many records follow. */
		if (im->db[0] && im->seen != im->expect)
			return ctl_import_bad(lineno, "the previous database has fewer records than announced");
		if (!json_object_object_get_ex(o, "flags", &f) || !json_object_is_type(f, json_type_int))
			return ctl_import_bad(lineno, "a database line needs \"flags\"");
		im->flags = (unsigned)json_object_get_int64(f) &
			    (MDB_REVERSEKEY | MDB_DUPSORT | MDB_INTEGERKEY | MDB_DUPFIXED | MDB_INTEGERDUP | MDB_REVERSEDUP);
		if (!json_object_object_get_ex(o, "entries", &f) || !json_object_is_type(f, json_type_int) ||
		    json_object_get_int64(f) < 0)
			return ctl_import_bad(lineno, "a database line needs \"entries\"");
		im->expect = (uint64_t)json_object_get_int64(f);
		im->seen = 0;
		snprintf(im->db, sizeof(im->db), "%s", db);
		im->dbs++;
		return 0;
	}
	if (!json_object_object_get_ex(o, "value", &f_val) || !json_object_is_type(f_key, json_type_string) ||
	    !json_object_is_type(f_val, json_type_string))
		return strcmp(im->db, db) != 0 ? ctl_import_bad(lineno, "a record outside its database's section")
					       : ctl_import_bad(lineno, "a record needs \"key\" and \"value\" strings");
	return ctl_import_record(c, im, db, json_object_get_string(f_key), (size_t)json_object_get_string_len(f_key),
				 json_object_get_string(f_val), (size_t)json_object_get_string_len(f_val), lineno);
}

static int ctl_import_header(struct json_object *o)
{
	struct json_object *f;
	const char *fmt = json_object_object_get_ex(o, "format", &f) ? json_object_get_string(f) : NULL;
	int64_t ver = json_object_object_get_ex(o, "version", &f) ? json_object_get_int64(f) : 0;
	int64_t schema = json_object_object_get_ex(o, "schema", &f) ? json_object_get_int64(f) : -1;

	if (!fmt || strcmp(fmt, "arcade-export") != 0 || ver != CTL_EXPORT_VERSION)
		return ctl_import_bad(1, "not an arcade export (format arcade-export, version 1)");
	if (schema < 0 || schema > STORE_SCHEMA)
		return ctl_import_bad(1, "made by a newer arcade (schema): upgrade arcadectl first");
	return 0;
}

static int ctl_import(struct ctl *c)
{
	struct ctl_import im;
	struct json_object *o;
	FILE *in;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int lineno = 0, rc = -1, empty = 0, done = 0;

	memset(&im, 0, sizeof(im));
	in = ctl_stream(c, "r", stdin);
	if (!in)
		return 1;
	if (mkdir(c->data, 0750) < 0 && errno != EEXIST) {
		ctl_fail("cannot create %s", c->data);
		goto out;
	}
	/* Batches are committed without a sync each and the whole file is
	 * flushed once at the end, before success is reported: an import is
	 * all or nothing anyway (one cut short leaves a directory to remove). */
	if (ctl_open_sync(c, 0, STORE_SYNC_OFF))
		goto out;
	rc = store_read(&c->store, ctl_import_empty_txn, &empty);
	if (rc) {
		ctl_store_rc(rc);
		rc = -1;
		goto out;
	}
	rc = -1;
	if (!empty) {
		ctl_fail("the database in %s is not empty: import into a new directory", c->data);
		goto out;
	}
	im.b = xcalloc(CTL_IMPORT_BATCH, sizeof(*im.b));
	ctl_hexv_init();
	while (!done && (len = getline(&line, &cap, in)) > 0) {
		const char *key, *val;
		char db[65];
		size_t klen, vlen;
		int r;
		lineno++;
		if (lineno > 1 && ctl_import_fast(line, (size_t)len, db, &key, &klen, &val, &vlen)) {
			if (ctl_import_record(c, &im, db, key, klen, val, vlen, lineno) < 0)
				goto out;
			continue;
		}
		o = json_tokener_parse(line);
		if (!o || !json_object_is_type(o, json_type_object)) {
			json_object_put(o);
			ctl_import_bad(lineno, "not a JSON object");
			goto out;
		}
		r = lineno == 1 ? ctl_import_header(o) : ctl_import_line(c, &im, o, lineno);
		json_object_put(o);
		if (r < 0)
			goto out;
		done = r == 1;
	}
	if (ferror(in)) {
		ctl_fail("%s", "import: read error");
		goto out;
	}
	if (!done) {
		ctl_fail("%s", "import: the file ends before its last line (cut short?)");
		goto out;
	}
	/* An export of an older arcade is loaded as it is (export, import,
	 * export again gives the same bytes); the next arcaded or arcadectl
	 * that opens it for writing upgrades it (upgrade.h). */
	rc = ctl_import_flush(c, &im);
	if (rc) {
		ctl_store_rc(rc);
		rc = -1;
		goto out;
	}
	if ((rc = mdb_env_sync(c->store.env, 1)) != 0) {
		ctl_fail("import: flushing the database to disk failed: %s", mdb_strerror(rc));
		rc = -1;
		goto out;
	}
	o = json_object_new_object();
	json_object_object_add(o, "data", json_object_new_string(c->data));
	json_object_object_add(o, "databases", json_object_new_int64((int64_t)im.dbs));
	json_object_object_add(o, "records", json_object_new_int64((int64_t)im.total));
	ctl_print(c, o);
	rc = 0;
out:
	if (rc && im.committed)
		fprintf(stderr, "arcadectl: %s now holds part of the import: remove it before trying again\n",
			c->data);
	if (im.b) {
		ctl_import_flush_free(&im);
		free(im.b);
	}
	free(line);
	if (in != stdin)
		fclose(in);
	return rc ? 1 : 0;
}

/* ---- TeamBattles: teams, matches, captains' scores ---- */

static int ctl_team_create_txn(struct store *s, MDB_txn *txn, void *arg)
{
	return tb_team_create(s, txn, arg);
}

static int ctl_team_create(struct ctl *c)
{
	struct tb_team t;
	struct json_object *o;
	int rc;

	memset(&t, 0, sizeof(t));
	if (ctl_u64(c, "game", &t.game))
		return 1;
	t.name = (char *)ctl_get(c, "name");
	t.tag = (char *)(ctl_get(c, "tag") ? ctl_get(c, "tag") : "");
	if (!t.name || !name_valid(t.name))
		return ctl_fail("%s", "--name: 1 to 100 bytes of UTF-8, no control characters");
	if (*t.tag && (!name_valid(t.tag) || strlen(t.tag) > TB_TAG_MAX_BYTES))
		return ctl_fail("%s", "--tag: 1 to 16 bytes of UTF-8, no control characters");
	t.created_ms = util_now_ms();
	if (ctl_open(c, 0))
		return 1;
	rc = store_write(&c->store, ctl_team_create_txn, &t);
	if (rc)
		return ctl_store_rc(rc);
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64((int64_t)t.id));
	json_object_object_add(o, "game", json_object_new_int64((int64_t)t.game));
	json_object_object_add(o, "name", json_object_new_string(t.name));
	json_object_object_add(o, "tag", *t.tag ? json_object_new_string(t.tag) : NULL);
	ctl_print(c, o);
	return 0;
}

static int ctl_match_create_txn(struct store *s, MDB_txn *txn, void *arg)
{
	return tb_match_create(s, txn, arg);
}

static int ctl_match_create(struct ctl *c)
{
	struct tb_match m;
	const char *bo = ctl_get(c, "best-of"), *st = ctl_get(c, "status");
	struct json_object *o;
	int rc;

	memset(&m, 0, sizeof(m));
	if (ctl_u64(c, "game", &m.game) || ctl_u64(c, "creator-team", &m.creator) ||
	    ctl_u64(c, "opponent-team", &m.opponent))
		return 1;
	if (m.creator == m.opponent)
		return ctl_fail("%s", "--creator-team and --opponent-team must be two different teams");
	m.best_of = 1;
	if (bo && (strlen(bo) != 1 || !strchr("1357", bo[0])))
		return ctl_fail("%s", "--best-of is 1, 3, 5 or 7");
	if (bo)
		m.best_of = (unsigned)(bo[0] - '0');
	m.status = st ? tb_status_parse(st) : TBS_READY;
	if (m.status < 0)
		return ctl_fail("%s", "--status is PENDING, ACCEPTED, READY, IN_PROGRESS, COMPLETED, CANCELLED, "
				      "DISPUTED or FORFEITED");
	m.game_mode = (char *)(ctl_get(c, "game-mode") ? ctl_get(c, "game-mode") : "");
	if (*m.game_mode && !name_valid(m.game_mode))
		return ctl_fail("%s", "--game-mode: 1 to 100 bytes of UTF-8, no control characters");
	m.created_ms = m.updated_ms = util_now_ms();
	if (m.status == TBS_IN_PROGRESS || m.status == TBS_COMPLETED)
		m.started_ms = m.created_ms;
	if (m.status == TBS_COMPLETED)
		m.completed_ms = m.created_ms;
	if (ctl_open(c, 0))
		return 1;
	rc = store_write(&c->store, ctl_match_create_txn, &m);
	if (rc == ARC_ENOENT)
		return ctl_fail("%s", "no such game, or a team that is not the game's");
	if (rc)
		return ctl_store_rc(rc);
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64((int64_t)m.id));
	json_object_object_add(o, "game", json_object_new_int64((int64_t)m.game));
	json_object_object_add(o, "status", json_object_new_string(tb_status_name(m.status)));
	json_object_object_add(o, "best_of", json_object_new_int((int)m.best_of));
	json_object_object_add(o, "creator_team", json_object_new_int64((int64_t)m.creator));
	json_object_object_add(o, "opponent_team", json_object_new_int64((int64_t)m.opponent));
	json_object_object_add(o, "game_mode", *m.game_mode ? json_object_new_string(m.game_mode) : NULL);
	ctl_print(c, o);
	return 0;
}

struct ctl_pending {
	struct tb_map map;
	const char *why; /* a refusal to report instead of the store error */
};

/* A captain's score waits for confirmation; a confirmed map stays as is. */
static int ctl_score_pending_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct ctl_pending *q = arg;
	struct tb_match m;
	struct tb_map old;
	int rc;

	if ((rc = tb_match_game(s, txn, q->map.match, &q->map.game)) ||
	    (rc = tb_match_get(s, txn, q->map.game, q->map.match, &m)))
		return rc;
	free(m.game_mode);
	if (q->map.index >= m.best_of) {
		q->why = "--map-index must be below the match's best-of";
		return ARC_EINTERNAL;
	}
	rc = tb_map_get(s, txn, q->map.game, q->map.match, q->map.index, &old);
	if (rc == 0) {
		int confirmed = old.status == TBM_CONFIRMED;
		tb_map_free(&old);
		if (confirmed) {
			q->why = "that map's score is already confirmed";
			return ARC_EEXIST;
		}
	} else if (rc != ARC_ENOENT) {
		return rc;
	}
	return tb_map_put(s, txn, &q->map);
}

static int ctl_score_pending(struct ctl *c)
{
	struct ctl_pending q;
	const char *idx = ctl_get(c, "map-index"), *cs = ctl_get(c, "creator-score"), *os = ctl_get(c, "opponent-score");
	uint64_t v[3];
	char id[48];
	struct json_object *o;
	int rc;

	memset(&q, 0, sizeof(q));
	if (ctl_u64(c, "match", &q.map.match))
		return 1;
	if (!idx || util_parse_u64(idx, &v[0]) < 0 || v[0] >= TB_MAX_BEST_OF)
		return ctl_fail("%s", "--map-index is a whole number from 0 to 6");
	if (!cs || !os || util_parse_u64(cs, &v[1]) < 0 || util_parse_u64(os, &v[2]) < 0 || v[1] > TB_SCORE_MAX ||
	    v[2] > TB_SCORE_MAX)
		return ctl_fail("%s", "--creator-score and --opponent-score are whole numbers from 0 to 1000");
	q.map.map_id = (char *)(ctl_get(c, "map-id") ? ctl_get(c, "map-id") : "");
	if (*q.map.map_id && !name_valid(q.map.map_id))
		return ctl_fail("%s", "--map-id: 1 to 100 bytes of UTF-8, no control characters");
	q.map.index = (unsigned)v[0];
	q.map.status = TBM_PENDING;
	q.map.creator_score = (unsigned)v[1];
	q.map.opponent_score = (unsigned)v[2];
	q.map.player_stats = q.map.urls = q.map.storage_ids = "";
	q.map.submitted_ms = util_now_ms();
	if (ctl_open(c, 0))
		return 1;
	rc = store_write(&c->store, ctl_score_pending_txn, &q);
	if (rc && q.why)
		return ctl_fail("%s", q.why);
	if (rc == ARC_ENOENT)
		return ctl_fail("%s", "no such match");
	if (rc)
		return ctl_store_rc(rc);
	snprintf(id, sizeof(id), "%llu:%u", (unsigned long long)q.map.match, q.map.index);
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "game", json_object_new_int64((int64_t)q.map.game));
	json_object_object_add(o, "match", json_object_new_int64((int64_t)q.map.match));
	json_object_object_add(o, "map_index", json_object_new_int((int)q.map.index));
	json_object_object_add(o, "map_id", *q.map.map_id ? json_object_new_string(q.map.map_id) : NULL);
	json_object_object_add(o, "creator_score", json_object_new_int((int)q.map.creator_score));
	json_object_object_add(o, "opponent_score", json_object_new_int((int)q.map.opponent_score));
	json_object_object_add(o, "status", json_object_new_string("PENDING"));
	ctl_print(c, o);
	return 0;
}

/* ---- dispatch ---- */

struct ctl_cmd {
	const char *noun, *verb;
	int (*fn)(struct ctl *c);
	const char *usage;
};

static const struct ctl_cmd ctl_cmds[] = {
	{ "init", NULL, ctl_init, "init                              create or upgrade the database" },
	{ "game", "create", ctl_game_create, "game create --name NAME [--rate C/S] -> {id, name, private_key}" },
	{ "game", "list", ctl_game_list, "game list" },
	{ "game", "set", ctl_game_set, "game set --game ID --rate C/S     per-game bucket for signed Game Jolt calls" },
	{ "table", "create", ctl_table_create,
	  "table create --game ID --name NAME [--description T] [--primary] [--guests allow|deny] [--order desc|asc] [--unique]" },
	{ "player", "create", ctl_player_create, "player create --game ID --username NAME [--image-url URL] -> {id, username, token}" },
	{ "player", "token", ctl_player_token, "player token --game ID --player ID  -> {id, username, token}: a new Game Jolt token" },
	{ "key", "create", ctl_key_create,
	  "key create --game ID --kind teambattles|app [--perm NAME=LEVEL ...] [--rate C/S] [--batch-rate C/S] -> {id, key}" },
	{ "key", "revoke", ctl_key_revoke, "key revoke --key-id ID" },
	{ "trophy", "create", ctl_trophy_create,
	  "trophy create --game ID --title T --description D --difficulty bronze|silver|gold|platinum [--image-url URL]" },
	{ "friend", "add", ctl_friend_add, "friend add --game ID --player ID --player ID   make two players friends" },
	{ "team", "create", ctl_team_create, "team create --game ID --name NAME [--tag TAG] -> {id, ...}" },
	{ "match", "create", ctl_match_create,
	  "match create --game ID --creator-team ID --opponent-team ID [--best-of 1|3|5|7] [--status S] [--game-mode T] -> {id, ...}" },
	{ "score", "pending", ctl_score_pending,
	  "score pending --match ID --map-index N --creator-score A --opponent-score B [--map-id M]  a captain's PENDING score" },
	{ "sign", NULL, ctl_sign, "sign URL --game ID [--sha1]       print URL with a Game Jolt signature" },
	{ "stats", NULL, ctl_stats, "stats                             entries, sizes, map use, readers" },
	{ "backup", NULL, ctl_backup, "backup DEST                       consistent compacted copy into directory DEST, while arcaded runs" },
	{ "export", NULL, ctl_export, "export [FILE]                     every record as JSON lines (stdout by default)" },
	{ "import", NULL, ctl_import, "import [FILE]                     load an export into a new, empty database (stdin by default)" },
};

static void ctl_usage(FILE *f)
{
	fprintf(f, "usage: arcadectl [--data DIR] [--json] COMMAND ...\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++)
		fprintf(f, "  %s\n", ctl_cmds[i].usage);
}

static int ctl_is_flag(const char *name)
{
	for (size_t i = 0; i < sizeof(ctl_flags) / sizeof(ctl_flags[0]); i++)
		if (strcmp(name, ctl_flags[i]) == 0)
			return 1;
	return 0;
}

static int ctl_parse(struct ctl *c, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strncmp(a, "--", 2) != 0) {
			if (c->npos == 8)
				return ctl_fail("too many arguments at '%s'", a);
			c->pos[c->npos++] = a;
			continue;
		}
		if (c->nopt == CTL_MAX_OPTS)
			return ctl_fail("too many options at '%s'", a);
		c->opt[c->nopt].name = a + 2;
		if (ctl_is_flag(a + 2)) {
			c->opt[c->nopt++].val = "";
		} else {
			if (i + 1 >= argc)
				return ctl_fail("option %s needs a value", a);
			c->opt[c->nopt++].val = argv[++i];
		}
	}
	c->json = ctl_get(c, "json") != NULL;
	c->data = ctl_get(c, "data") ? ctl_get(c, "data") : "/var/lib/arcade";
	return 0;
}

int main(int argc, char **argv)
{
	struct ctl c;
	int rc;

	memset(&c, 0, sizeof(c));
	if (ctl_parse(&c, argc, argv))
		return 2;
	if (ctl_get(&c, "version") || (c.npos > 0 && strcmp(c.pos[0], "version") == 0)) {
		printf("arcadectl %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (ctl_get(&c, "help") || c.npos == 0) {
		ctl_usage(c.npos == 0 && !ctl_get(&c, "help") ? stderr : stdout);
		return c.npos == 0 && !ctl_get(&c, "help") ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++) {
		const struct ctl_cmd *k = &ctl_cmds[i];
		if (strcmp(c.pos[0], k->noun) != 0 || (k->verb && (c.npos < 2 || strcmp(c.pos[1], k->verb) != 0)))
			continue;
		rc = k->fn(&c);
		if (c.store.env)
			store_close(&c.store);
		return rc;
	}
	ctl_fail("unknown command '%s' (see --help)", c.pos[0]);
	return 2;
}
