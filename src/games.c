/* games: games, score tables and players in the store. */
#include "config.h"
#include "games.h"
#include "errors.h"
#include "key.h"
#include "rec.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

int name_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > NAME_MAX_BYTES || !util_utf8_valid(s, n))
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* ---- games ---- */

static void game_key(struct key *k, uint64_t id)
{
	key_init(k, 'G');
	key_u64(k, id);
}

static int game_decode(const MDB_val *v, uint64_t id, struct game *g)
{
	struct rec_reader r;
	rec_reader_init(&r, v->mv_data, v->mv_size);
	g->id = id;
	g->name = rec_get_str(&r);
	g->private_key = rec_get_str(&r);
	g->primary_table = rec_get_u64(&r);
	g->created_ms = rec_get_u64(&r);
	g->rate_cap = g->rate_per_sec = 0;
	if (r.off < r.len) { /* fields added after schema 1's first records */
		g->rate_cap = rec_get_dbl(&r);
		g->rate_per_sec = rec_get_dbl(&r);
	}
	if (r.bad) {
		game_free(g);
		return ARC_EINTERNAL;
	}
	return 0;
}

int game_put(struct store *s, MDB_txn *txn, const struct game *g)
{
	struct key k;
	struct buf b;
	int rc;

	buf_init(&b);
	rec_put_str(&b, g->name);
	rec_put_str(&b, g->private_key);
	rec_put_u64(&b, g->primary_table);
	rec_put_u64(&b, g->created_ms);
	rec_put_dbl(&b, g->rate_cap);
	rec_put_dbl(&b, g->rate_per_sec);
	game_key(&k, g->id);
	rc = store_put(txn, s->rec, &k, b.p, b.len, 0);
	buf_free(&b);
	return rc;
}

int game_create(struct store *s, MDB_txn *txn, const char *name, uint64_t now_ms, struct game *out)
{
	char key[2 * KEY_HEX_BYTES + 1];
	int rc;

	if (!name_valid(name))
		return ARC_EUTF8;
	/* The private key signs requests, so it is kept as is: Game Jolt's
	 * scheme needs the key itself to check a signature. */
	if (secret_random_hex(key, KEY_HEX_BYTES) < 0)
		return ARC_EINTERNAL;
	memset(out, 0, sizeof(*out));
	rc = store_seq_next(s, txn, "game", &out->id);
	if (rc)
		return rc;
	out->name = xstrdup(name);
	out->private_key = xstrdup(key);
	out->created_ms = now_ms;
	rc = game_put(s, txn, out);
	if (rc)
		game_free(out);
	return rc;
}

int game_get(struct store *s, MDB_txn *txn, uint64_t id, struct game *out)
{
	struct key k;
	MDB_val v;
	int rc;

	memset(out, 0, sizeof(*out));
	game_key(&k, id);
	rc = store_get(txn, s->rec, &k, &v);
	return rc ? rc : game_decode(&v, id, out);
}

/* What game_each, table_each and player_each hand to store_scan. */
struct game_scan {
	int (*fn)(const struct game *g, void *ctx);
	void *ctx;
};

struct table_scan {
	uint64_t game;
	int (*fn)(const struct table *t, void *ctx);
	void *ctx;
};

struct player_scan {
	uint64_t game;
	int (*fn)(const struct player *p, void *ctx);
	void *ctx;
};

static int game_scan_one(const MDB_val *k, const MDB_val *v, void *arg)
{
	const struct game_scan *gs = arg;
	struct game g;
	int rc = game_decode(v, key_get_u64((unsigned char *)k->mv_data + 1), &g);

	if (rc)
		return rc;
	rc = gs->fn(&g, gs->ctx);
	game_free(&g);
	return rc;
}

int game_each(struct store *s, MDB_txn *txn, int (*fn)(const struct game *g, void *ctx), void *ctx)
{
	struct game_scan gs = { fn, ctx };
	return store_scan(txn, s->rec, "G", 1, 9, game_scan_one, &gs);
}

void game_free(struct game *g)
{
	free(g->name);
	free(g->private_key);
	g->name = g->private_key = NULL;
}

/* ---- score tables ---- */

static void table_key(struct key *k, uint64_t game, uint64_t id)
{
	key_init(k, 'T');
	key_u64(k, game);
	key_u64(k, id);
}

static int table_decode(const MDB_val *v, uint64_t game, uint64_t id, struct table *t)
{
	struct rec_reader r;
	rec_reader_init(&r, v->mv_data, v->mv_size);
	t->id = id;
	t->game = game;
	t->name = rec_get_str(&r);
	t->description = rec_get_str(&r);
	t->flags = (unsigned)rec_get_u64(&r);
	t->created_ms = rec_get_u64(&r);
	if (r.bad) {
		table_free(t);
		return ARC_EINTERNAL;
	}
	return 0;
}

int table_create(struct store *s, MDB_txn *txn, struct table *t, int make_primary)
{
	struct game g;
	struct key k;
	struct buf b;
	int rc = game_get(s, txn, t->game, &g);

	if (rc)
		return rc;
	rc = store_seq_next(s, txn, "table", &t->id);
	if (rc)
		goto fail;
	buf_init(&b);
	rec_put_str(&b, t->name);
	rec_put_str(&b, t->description);
	rec_put_u64(&b, t->flags);
	rec_put_u64(&b, t->created_ms);
	table_key(&k, t->game, t->id);
	rc = store_put(txn, s->rec, &k, b.p, b.len, 0);
	buf_free(&b);
	if (rc)
		goto fail;
	/* A game's first table is its primary table until another is named. */
	if (make_primary || g.primary_table == 0) {
		g.primary_table = t->id;
		rc = game_put(s, txn, &g);
	}
fail:
	game_free(&g);
	return rc;
}

int table_get(struct store *s, MDB_txn *txn, uint64_t game, uint64_t id, struct table *out)
{
	struct key k;
	MDB_val v;
	int rc;

	memset(out, 0, sizeof(*out));
	table_key(&k, game, id);
	rc = store_get(txn, s->rec, &k, &v);
	return rc ? rc : table_decode(&v, game, id, out);
}

static int table_scan_one(const MDB_val *k, const MDB_val *v, void *arg)
{
	const struct table_scan *gs = arg;
	struct table t;
	int rc = table_decode(v, gs->game, key_get_u64((unsigned char *)k->mv_data + 9), &t);

	if (rc)
		return rc;
	rc = gs->fn(&t, gs->ctx);
	table_free(&t);
	return rc;
}

int table_each(struct store *s, MDB_txn *txn, uint64_t game, int (*fn)(const struct table *t, void *ctx),
	       void *ctx)
{
	struct table_scan gs = { game, fn, ctx };
	struct key k;

	key_init(&k, 'T');
	key_u64(&k, game);
	return store_scan(txn, s->rec, k.b, k.n, 17, table_scan_one, &gs);
}

void table_free(struct table *t)
{
	free(t->name);
	free(t->description);
	t->name = t->description = NULL;
}

/* ---- players ---- */

static void player_key(struct key *k, uint64_t game, uint64_t id)
{
	key_init(k, 'P');
	key_u64(k, game);
	key_u64(k, id);
}

/* Names are unique per game regardless of ASCII case. */
static void player_name_key(struct key *k, uint64_t game, const char *name)
{
	char *low = xstrdup(name);
	util_lower(low);
	key_init(k, 'N');
	key_u64(k, game);
	key_bytes(k, low, strlen(low));
	free(low);
}

static int player_decode(const MDB_val *v, uint64_t game, uint64_t id, struct player *p)
{
	struct rec_reader r;
	rec_reader_init(&r, v->mv_data, v->mv_size);
	p->id = id;
	p->game = game;
	p->username = rec_get_str(&r);
	rec_get_bytes(&r, p->token_hash, SECRET_HASH_LEN);
	p->image_url = rec_get_str(&r);
	p->created_ms = rec_get_u64(&r);
	p->updated_ms = rec_get_u64(&r);
	p->user_ref = r.off < r.len ? rec_get_str(&r) : xstrdup("");
	if (r.bad) {
		player_free(p);
		return ARC_EINTERNAL;
	}
	return 0;
}

int player_put(struct store *s, MDB_txn *txn, const struct player *p)
{
	struct key k;
	struct buf b;
	int rc;

	buf_init(&b);
	rec_put_str(&b, p->username);
	rec_put_bytes(&b, p->token_hash, SECRET_HASH_LEN);
	rec_put_str(&b, p->image_url);
	rec_put_u64(&b, p->created_ms);
	rec_put_u64(&b, p->updated_ms);
	rec_put_str(&b, p->user_ref);
	player_key(&k, p->game, p->id);
	rc = store_put(txn, s->rec, &k, b.p, b.len, 0);
	buf_free(&b);
	return rc;
}

int player_create(struct store *s, MDB_txn *txn, uint64_t game, const char *username, const char *image_url,
		  const char *user_ref, uint64_t now_ms, char token_out[2 * KEY_HEX_BYTES + 1], struct player *out)
{
	struct key nk;
	struct game g;
	unsigned char idb[8];
	int rc;

	memset(out, 0, sizeof(*out));
	if (!name_valid(username))
		return ARC_EUTF8;
	rc = game_get(s, txn, game, &g);
	if (rc)
		return rc;
	game_free(&g);
	if (secret_random_hex(token_out, KEY_HEX_BYTES) < 0)
		return ARC_EINTERNAL;
	rc = store_seq_next(s, txn, "player", &out->id);
	if (rc)
		return rc;
	key_put_u64(idb, out->id);
	player_name_key(&nk, game, username);
	rc = store_put(txn, s->idx, &nk, idb, 8, MDB_NOOVERWRITE);
	if (rc)
		return rc;
	out->game = game;
	out->username = xstrdup(username);
	out->image_url = xstrdup(image_url ? image_url : "");
	out->user_ref = xstrdup(user_ref ? user_ref : "");
	secret_hash(token_out, out->token_hash);
	out->created_ms = out->updated_ms = now_ms;
	rc = player_put(s, txn, out);
	if (rc)
		player_free(out);
	return rc;
}

int player_get(struct store *s, MDB_txn *txn, uint64_t game, uint64_t id, struct player *out)
{
	struct key k;
	MDB_val v;
	int rc;

	memset(out, 0, sizeof(*out));
	player_key(&k, game, id);
	rc = store_get(txn, s->rec, &k, &v);
	return rc ? rc : player_decode(&v, game, id, out);
}

int player_find(struct store *s, MDB_txn *txn, uint64_t game, const char *username, struct player *out)
{
	struct key k;
	MDB_val v;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!*username || strlen(username) > NAME_MAX_BYTES)
		return ARC_ENOENT;
	player_name_key(&k, game, username);
	rc = store_get(txn, s->idx, &k, &v);
	if (rc)
		return rc;
	if (v.mv_size != 8)
		return ARC_EINTERNAL;
	return player_get(s, txn, game, key_get_u64(v.mv_data), out);
}

int player_auth(struct store *s, MDB_txn *txn, uint64_t game, const char *username, const char *token,
		struct player *out)
{
	unsigned char h[SECRET_HASH_LEN];
	int rc = player_find(s, txn, game, username, out);

	if (rc)
		return rc;
	secret_hash(token, h);
	if (!secret_equal(h, out->token_hash, SECRET_HASH_LEN)) {
		player_free(out);
		return ARC_ENOENT;
	}
	return 0;
}

int player_new_token(struct store *s, MDB_txn *txn, struct player *p, uint64_t now_ms,
		     char token_out[2 * KEY_HEX_BYTES + 1])
{
	if (secret_random_hex(token_out, KEY_HEX_BYTES) < 0)
		return ARC_EINTERNAL;
	secret_hash(token_out, p->token_hash);
	p->updated_ms = now_ms;
	return player_put(s, txn, p);
}

static int player_scan_one(const MDB_val *k, const MDB_val *v, void *arg)
{
	const struct player_scan *gs = arg;
	struct player p;
	int rc = player_decode(v, gs->game, key_get_u64((unsigned char *)k->mv_data + 9), &p);

	if (rc)
		return rc;
	rc = gs->fn(&p, gs->ctx);
	player_free(&p);
	return rc;
}

int player_each(struct store *s, MDB_txn *txn, uint64_t game, int (*fn)(const struct player *p, void *ctx),
		void *ctx)
{
	struct player_scan gs = { game, fn, ctx };
	struct key k;

	key_init(&k, 'P');
	key_u64(&k, game);
	return store_scan(txn, s->rec, k.b, k.n, 17, player_scan_one, &gs);
}

void player_free(struct player *p)
{
	free(p->username);
	free(p->image_url);
	free(p->user_ref);
	p->username = p->image_url = p->user_ref = NULL;
}
