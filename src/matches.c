/* matches: TeamBattles teams, matches and map scores in the store. */
#include "config.h"
#include "matches.h"
#include "errors.h"
#include "games.h"
#include "key.h"
#include "rec.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const tb_statuses[TBS__COUNT] = {
	[TBS_PENDING] = "PENDING",       [TBS_ACCEPTED] = "ACCEPTED",   [TBS_READY] = "READY",
	[TBS_IN_PROGRESS] = "IN_PROGRESS", [TBS_COMPLETED] = "COMPLETED", [TBS_CANCELLED] = "CANCELLED",
	[TBS_DISPUTED] = "DISPUTED",     [TBS_FORFEITED] = "FORFEITED",
};

const char *tb_status_name(int status)
{
	return status >= 0 && status < TBS__COUNT ? tb_statuses[status] : "PENDING";
}

int tb_status_parse(const char *s)
{
	for (int i = 0; i < TBS__COUNT; i++)
		if (strcmp(s, tb_statuses[i]) == 0)
			return i;
	return -1;
}

int tb_id_parse(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > TB_ID_MAX_DIGITS || s[0] == '0')
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0'); /* 19 digits never overflow a u64 */
	}
	*out = v;
	return 0;
}

/* ---- teams ---- */

static void tb_team_key(struct key *k, uint64_t game, uint64_t id)
{
	key_init(k, 'B');
	key_u64(k, game);
	key_u64(k, id);
}

int tb_team_create(struct store *s, MDB_txn *txn, struct tb_team *t)
{
	struct game g;
	struct key k;
	struct buf b;
	int rc = game_get(s, txn, t->game, &g);

	if (rc)
		return rc;
	game_free(&g);
	if ((rc = store_seq_next(s, txn, "team", &t->id)))
		return rc;
	buf_init(&b);
	rec_put_str(&b, t->name);
	rec_put_str(&b, t->tag);
	rec_put_u64(&b, t->created_ms);
	tb_team_key(&k, t->game, t->id);
	rc = store_put(txn, s->rec, &k, b.p, b.len, 0);
	buf_free(&b);
	return rc;
}

int tb_team_get(struct store *s, MDB_txn *txn, uint64_t game, uint64_t id, struct tb_team *out)
{
	struct rec_reader r;
	struct key k;
	MDB_val v;
	int rc;

	memset(out, 0, sizeof(*out));
	tb_team_key(&k, game, id);
	if ((rc = store_get(txn, s->rec, &k, &v)))
		return rc;
	rec_reader_init(&r, v.mv_data, v.mv_size);
	out->id = id;
	out->game = game;
	out->name = rec_get_str(&r);
	out->tag = rec_get_str(&r);
	out->created_ms = rec_get_u64(&r);
	if (r.bad) {
		tb_team_free(out);
		return ARC_EINTERNAL;
	}
	return 0;
}

void tb_team_free(struct tb_team *t)
{
	free(t->name);
	free(t->tag);
	t->name = t->tag = NULL;
}

/* ---- matches ---- */

static void tb_match_key(struct key *k, uint64_t game, uint64_t id)
{
	key_init(k, 'M');
	key_u64(k, game);
	key_u64(k, id);
}

static void tb_status_key(struct key *k, uint64_t game, int status, uint64_t id)
{
	key_init(k, 'J');
	key_u64(k, game);
	key_u8(k, (unsigned char)status);
	key_u64(k, id);
}

static void tb_owner_key(struct key *k, uint64_t id)
{
	key_init(k, 'I');
	key_u64(k, id);
}

int tb_match_put(struct store *s, MDB_txn *txn, const struct tb_match *m, int old_status)
{
	struct key k;
	struct buf b;
	int rc;

	buf_init(&b);
	rec_put_u64(&b, m->creator);
	rec_put_u64(&b, m->opponent);
	rec_put_u64(&b, m->best_of);
	rec_put_u64(&b, (uint64_t)m->status);
	rec_put_str(&b, m->game_mode);
	rec_put_u64(&b, m->scheduled_ms);
	rec_put_u64(&b, m->started_ms);
	rec_put_u64(&b, m->completed_ms);
	rec_put_u64(&b, m->created_ms);
	rec_put_u64(&b, m->updated_ms);
	tb_match_key(&k, m->game, m->id);
	rc = store_put(txn, s->rec, &k, b.p, b.len, 0);
	buf_free(&b);
	if (rc || old_status == m->status)
		return rc;
	if (old_status >= 0) {
		tb_status_key(&k, m->game, old_status, m->id);
		rc = store_del(txn, s->idx, &k);
		if (rc && rc != ARC_ENOENT)
			return rc;
	}
	tb_status_key(&k, m->game, m->status, m->id);
	return store_put(txn, s->idx, &k, "", 0, 0);
}

int tb_match_create(struct store *s, MDB_txn *txn, struct tb_match *m)
{
	struct tb_team t;
	struct key k;
	unsigned char gb[8];
	int rc;

	if ((rc = tb_team_get(s, txn, m->game, m->creator, &t)))
		return rc;
	tb_team_free(&t);
	if ((rc = tb_team_get(s, txn, m->game, m->opponent, &t)))
		return rc;
	tb_team_free(&t);
	if ((rc = store_seq_next(s, txn, "match", &m->id)))
		return rc;
	key_put_u64(gb, m->game);
	tb_owner_key(&k, m->id);
	if ((rc = store_put(txn, s->idx, &k, gb, 8, MDB_NOOVERWRITE)))
		return rc;
	return tb_match_put(s, txn, m, -1);
}

int tb_match_get(struct store *s, MDB_txn *txn, uint64_t game, uint64_t id, struct tb_match *out)
{
	struct rec_reader r;
	struct key k;
	MDB_val v;
	int rc;

	memset(out, 0, sizeof(*out));
	tb_match_key(&k, game, id);
	if ((rc = store_get(txn, s->rec, &k, &v)))
		return rc;
	rec_reader_init(&r, v.mv_data, v.mv_size);
	out->id = id;
	out->game = game;
	out->creator = rec_get_u64(&r);
	out->opponent = rec_get_u64(&r);
	out->best_of = (unsigned)rec_get_u64(&r);
	out->status = (int)rec_get_u64(&r);
	out->game_mode = rec_get_str(&r);
	out->scheduled_ms = rec_get_u64(&r);
	out->started_ms = rec_get_u64(&r);
	out->completed_ms = rec_get_u64(&r);
	out->created_ms = rec_get_u64(&r);
	out->updated_ms = rec_get_u64(&r);
	if (r.bad || out->status < 0 || out->status >= TBS__COUNT || out->best_of < 1 ||
	    out->best_of > TB_MAX_BEST_OF) {
		free(out->game_mode);
		out->game_mode = NULL;
		return ARC_EINTERNAL;
	}
	return 0;
}

int tb_match_game(struct store *s, MDB_txn *txn, uint64_t id, uint64_t *game)
{
	struct key k;
	MDB_val v;
	int rc;

	tb_owner_key(&k, id);
	if ((rc = store_get(txn, s->idx, &k, &v)))
		return rc;
	if (v.mv_size != 8)
		return ARC_EINTERNAL;
	*game = key_get_u64(v.mv_data);
	return 0;
}

int tb_match_ids(struct store *s, MDB_txn *txn, uint64_t game, int status, uint64_t before, uint64_t *ids,
		 size_t max, size_t *n)
{
	struct key prefix, start;
	MDB_cursor *cur;
	MDB_dbi dbi = status < 0 ? s->rec : s->idx;
	MDB_val kv, vv;
	int rc;

	*n = 0;
	if (status < 0) {
		key_init(&prefix, 'M');
		key_u64(&prefix, game);
	} else {
		key_init(&prefix, 'J');
		key_u64(&prefix, game);
		key_u8(&prefix, (unsigned char)status);
	}
	start = prefix;
	key_u64(&start, before ? before : UINT64_MAX);
	if ((rc = mdb_cursor_open(txn, dbi, &cur)))
		return store_err(rc);
	/* Newest first: find the first key at or after the start, step back. */
	kv.mv_size = start.n;
	kv.mv_data = start.b;
	rc = mdb_cursor_get(cur, &kv, &vv, MDB_SET_RANGE);
	if (rc == 0)
		rc = mdb_cursor_get(cur, &kv, &vv, MDB_PREV);
	else if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(cur, &kv, &vv, MDB_LAST);
	while (rc == 0 && *n < max && kv.mv_size == prefix.n + 8 && memcmp(kv.mv_data, prefix.b, prefix.n) == 0) {
		ids[(*n)++] = key_get_u64((unsigned char *)kv.mv_data + prefix.n);
		rc = mdb_cursor_get(cur, &kv, &vv, MDB_PREV);
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : store_err(rc);
}

/* ---- map scores ---- */

static void tb_map_key(struct key *k, uint64_t game, uint64_t match, unsigned index)
{
	key_init(k, 'L');
	key_u64(k, game);
	key_u64(k, match);
	key_u8(k, (unsigned char)index);
}

static int tb_map_decode(const MDB_val *v, uint64_t game, uint64_t match, unsigned index, struct tb_map *m)
{
	struct rec_reader r;

	rec_reader_init(&r, v->mv_data, v->mv_size);
	m->game = game;
	m->match = match;
	m->index = index;
	m->status = (int)rec_get_u64(&r);
	m->map_id = rec_get_str(&r);
	m->creator_score = (unsigned)rec_get_u64(&r);
	m->opponent_score = (unsigned)rec_get_u64(&r);
	m->player_stats = rec_get_str(&r);
	m->urls = rec_get_str(&r);
	m->storage_ids = rec_get_str(&r);
	m->submitted_ms = rec_get_u64(&r);
	m->confirmed_ms = rec_get_u64(&r);
	if (r.bad) {
		tb_map_free(m);
		return ARC_EINTERNAL;
	}
	return 0;
}

static void tb_map_encode(struct buf *b, struct key *k, const struct tb_map *m)
{
	buf_init(b);
	rec_put_u64(b, (uint64_t)m->status);
	rec_put_str(b, m->map_id);
	rec_put_u64(b, m->creator_score);
	rec_put_u64(b, m->opponent_score);
	rec_put_str(b, m->player_stats);
	rec_put_str(b, m->urls);
	rec_put_str(b, m->storage_ids);
	rec_put_u64(b, m->submitted_ms);
	rec_put_u64(b, m->confirmed_ms);
	tb_map_key(k, m->game, m->match, m->index);
}

/* The status at the head of a stored map score. */
static int tb_map_status_of(const MDB_val *v, int *status)
{
	struct rec_reader r;

	rec_reader_init(&r, v->mv_data, v->mv_size);
	*status = (int)rec_get_u64(&r);
	return r.bad ? ARC_EINTERNAL : 0;
}

int tb_map_put(struct store *s, MDB_txn *txn, const struct tb_map *m)
{
	struct key k;
	struct buf b;
	int rc;

	tb_map_encode(&b, &k, m);
	rc = store_put(txn, s->rec, &k, b.p, b.len, 0);
	buf_free(&b);
	return rc;
}

int tb_map_confirm(struct store *s, MDB_txn *txn, const struct tb_map *m, int *was)
{
	struct key k;
	struct buf b;
	MDB_val old;
	int rc;

	tb_map_encode(&b, &k, m);
	*was = -1;
	rc = store_put_new(txn, s->rec, &k, b.p, b.len, &old);
	if (rc == ARC_EEXIST && (rc = tb_map_status_of(&old, was)) == 0 && *was != TBM_CONFIRMED)
		rc = store_put(txn, s->rec, &k, b.p, b.len, 0);
	buf_free(&b);
	return rc;
}

int tb_map_get(struct store *s, MDB_txn *txn, uint64_t game, uint64_t match, unsigned index, struct tb_map *out)
{
	struct key k;
	MDB_val v;
	int rc;

	memset(out, 0, sizeof(*out));
	tb_map_key(&k, game, match, index);
	if ((rc = store_get(txn, s->rec, &k, &v)))
		return rc;
	return tb_map_decode(&v, game, match, index, out);
}

int tb_map_status(struct store *s, MDB_txn *txn, uint64_t game, uint64_t match, unsigned index, int *status)
{
	struct key k;
	MDB_val v;
	int rc;

	tb_map_key(&k, game, match, index);
	if ((rc = store_get(txn, s->rec, &k, &v)))
		return rc;
	return tb_map_status_of(&v, status);
}

struct tb_map_walk {
	uint64_t game, match;
	size_t plen;
	int (*fn)(const struct tb_map *m, void *ctx);
	void *ctx;
};

static int tb_map_walk_one(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct tb_map_walk *w = arg;
	struct tb_map m;
	int rc;

	rc = tb_map_decode(v, w->game, w->match, ((unsigned char *)k->mv_data)[w->plen], &m);
	if (rc)
		return rc;
	rc = w->fn(&m, w->ctx);
	tb_map_free(&m);
	return rc;
}

int tb_map_each(struct store *s, MDB_txn *txn, uint64_t game, uint64_t match,
		int (*fn)(const struct tb_map *m, void *ctx), void *ctx)
{
	struct tb_map_walk w = { game, match, 17, fn, ctx };
	struct key prefix;

	key_init(&prefix, 'L');
	key_u64(&prefix, game);
	key_u64(&prefix, match);
	return store_scan(txn, s->rec, prefix.b, prefix.n, prefix.n + 1, tb_map_walk_one, &w);
}

void tb_map_free(struct tb_map *m)
{
	free(m->map_id);
	free(m->player_stats);
	free(m->urls);
	free(m->storage_ids);
	m->map_id = m->player_stats = m->urls = m->storage_ids = NULL;
}

struct tb_series {
	unsigned creator, opponent;
};

/* Only the status and the two scores of each map: every confirmed map score
 * recounts its match's series, so no string of the record is copied. */
static int tb_series_one(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct tb_series *sr = arg;
	struct rec_reader r;
	uint64_t status, cs, os;

	(void)k;
	rec_reader_init(&r, v->mv_data, v->mv_size);
	status = rec_get_u64(&r);
	rec_skip(&r);
	cs = rec_get_u64(&r);
	os = rec_get_u64(&r);
	if (r.bad)
		return ARC_EINTERNAL;
	if (status != TBM_CONFIRMED)
		return 0;
	if (cs > os)
		sr->creator++;
	else if (os > cs)
		sr->opponent++;
	return 0;
}

int tb_match_series(struct store *s, MDB_txn *txn, uint64_t game, uint64_t match, unsigned *creator_wins,
		    unsigned *opponent_wins)
{
	struct tb_series sr = { 0, 0 };
	struct key prefix;
	int rc;

	key_init(&prefix, 'L');
	key_u64(&prefix, game);
	key_u64(&prefix, match);
	rc = store_scan(txn, s->rec, prefix.b, prefix.n, prefix.n + 1, tb_series_one, &sr);
	*creator_wins = sr.creator;
	*opponent_wins = sr.opponent;
	return rc;
}
