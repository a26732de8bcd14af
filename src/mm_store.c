/* mm_store: MeshMap types, sessions, session players and leaderboards in
 * the store (layout in mm_store.h). Every write keeps the orderings in step
 * with the records in the same transaction. */
#include "config.h"
#include "mm_store.h"
#include "errors.h"
#include "key.h"
#include "rec.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define HAS_NAME 1u
#define HAS_DESC 2u
#define HAS_IMAGE 4u

uint64_t mm_score_img(double score)
{
	uint64_t b;

	if (score == 0)
		score = 0; /* -0 and 0 are one score */
	memcpy(&b, &score, sizeof(b));
	/* IEEE-754 bits made memcmp-ascending, then complemented: best first. */
	b = (b >> 63) ? ~b : b | 0x8000000000000000ULL;
	return ~b;
}

static void mm_key(struct key *k, unsigned char ent, uint64_t game)
{
	key_init(k, ent);
	key_u64(k, game);
}

static void put_opt(struct buf *b, const char *s)
{
	rec_put_str(b, s ? s : "");
}

static char *get_opt(struct rec_reader *r, int present)
{
	char *s = rec_get_str(r);
	if (!present) {
		free(s);
		return NULL;
	}
	return s;
}

/* The first key under prefix p whose length is p.n + tail; *found. */
static int mm_first(MDB_txn *txn, MDB_dbi dbi, const struct key *p, size_t tail, MDB_val *kout, MDB_val *vout,
		    int *found)
{
	MDB_cursor *cur;
	MDB_val kv = { p->n, (void *)p->b };
	int rc = mdb_cursor_open(txn, dbi, &cur);

	*found = 0;
	if (rc)
		return store_err(rc);
	rc = mdb_cursor_get(cur, &kv, vout, MDB_SET_RANGE);
	if (rc == 0 && kv.mv_size == p->n + tail && memcmp(kv.mv_data, p->b, p->n) == 0) {
		*found = 1;
		*kout = kv;
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_err(rc);
}

/* ---- mini-game types ---- */

static void type_key(struct key *k, uint64_t game, uint64_t id)
{
	mm_key(k, 'y', game);
	key_u64(k, id);
}

static void type_name_key(struct key *k, uint64_t game, const char *name)
{
	mm_key(k, 'z', game);
	key_bytes(k, name, strlen(name));
}

static int type_decode(const MDB_val *v, uint64_t game, uint64_t id, struct mm_type *t)
{
	struct rec_reader r;
	unsigned flags;

	rec_reader_init(&r, v->mv_data, v->mv_size);
	t->id = id;
	t->game = game;
	flags = (unsigned)rec_get_u64(&r);
	t->name = rec_get_str(&r);
	t->description = get_opt(&r, flags & HAS_DESC);
	t->image_url = get_opt(&r, flags & HAS_IMAGE);
	t->created_ms = rec_get_u64(&r);
	if (r.bad) {
		mm_type_free(t);
		return ARC_EINTERNAL;
	}
	return 0;
}

int mm_type_create(struct store *s, MDB_txn *txn, struct mm_type *t)
{
	struct key k;
	struct buf b;
	unsigned char idb[8];
	int rc;

	rc = store_seq_next(s, txn, "mm_type", &t->id);
	if (rc)
		return rc;
	type_name_key(&k, t->game, t->name);
	key_put_u64(idb, t->id);
	if ((rc = store_put(txn, s->idx, &k, idb, 8, MDB_NOOVERWRITE)))
		return rc;
	buf_init(&b);
	rec_put_u64(&b, (t->description ? HAS_DESC : 0) | (t->image_url ? HAS_IMAGE : 0));
	rec_put_str(&b, t->name);
	put_opt(&b, t->description);
	put_opt(&b, t->image_url);
	rec_put_u64(&b, t->created_ms);
	type_key(&k, t->game, t->id);
	rc = store_put(txn, s->rec, &k, b.p, b.len, 0);
	buf_free(&b);
	return rc;
}

int mm_type_get(struct store *s, MDB_txn *txn, uint64_t game, uint64_t id, struct mm_type *out)
{
	struct key k;
	MDB_val v;
	int rc;

	memset(out, 0, sizeof(*out));
	type_key(&k, game, id);
	rc = store_get(txn, s->rec, &k, &v);
	return rc ? rc : type_decode(&v, game, id, out);
}

int mm_type_find(struct store *s, MDB_txn *txn, uint64_t game, const char *name, struct mm_type *out)
{
	struct key k;
	MDB_val v;
	int rc;

	memset(out, 0, sizeof(*out));
	type_name_key(&k, game, name);
	if ((rc = store_get(txn, s->idx, &k, &v)))
		return rc;
	if (v.mv_size != 8)
		return ARC_EINTERNAL;
	rc = mm_type_get(s, txn, game, key_get_u64(v.mv_data), out);
	return rc == ARC_ENOENT ? ARC_EINTERNAL : rc;
}

int mm_type_each(struct store *s, MDB_txn *txn, uint64_t game, int (*fn)(const struct mm_type *t, void *ctx),
		 void *ctx)
{
	MDB_cursor *cur;
	struct key p;
	MDB_val kv, vv;
	int rc = mdb_cursor_open(txn, s->rec, &cur);

	if (rc)
		return store_err(rc);
	mm_key(&p, 'y', game);
	kv.mv_size = p.n;
	kv.mv_data = p.b;
	rc = mdb_cursor_get(cur, &kv, &vv, MDB_SET_RANGE);
	while (rc == 0 && kv.mv_size == p.n + 8 && memcmp(kv.mv_data, p.b, p.n) == 0) {
		struct mm_type t;
		int frc = type_decode(&vv, game, key_get_u64((unsigned char *)kv.mv_data + p.n), &t);
		if (frc == 0) {
			frc = fn(&t, ctx);
			mm_type_free(&t);
		}
		if (frc) {
			mdb_cursor_close(cur);
			return frc == MM_STOP ? 0 : frc;
		}
		rc = mdb_cursor_get(cur, &kv, &vv, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_err(rc);
}

void mm_type_free(struct mm_type *t)
{
	free(t->name);
	free(t->description);
	free(t->image_url);
	t->name = t->description = t->image_url = NULL;
}

/* ---- game sessions ---- */

static void session_key(struct key *k, uint64_t game, uint64_t id)
{
	mm_key(k, 'e', game);
	key_u64(k, id);
}

static void session_status_key(struct key *k, uint64_t game, int status, uint64_t id)
{
	mm_key(k, 'f', game);
	key_u8(k, (unsigned char)status);
	if (id)
		key_u64(k, id);
}

static void session_type_key(struct key *k, uint64_t game, uint64_t type, uint64_t id)
{
	mm_key(k, 'g', game);
	key_u64(k, type);
	if (id)
		key_u64(k, id);
}

static int session_decode(const MDB_val *v, uint64_t game, uint64_t id, struct mm_session *ses)
{
	struct rec_reader r;
	unsigned flags;

	rec_reader_init(&r, v->mv_data, v->mv_size);
	ses->id = id;
	ses->game = game;
	flags = (unsigned)rec_get_u64(&r);
	ses->name = get_opt(&r, flags & HAS_NAME);
	ses->description = get_opt(&r, flags & HAS_DESC);
	ses->status = (int)rec_get_u64(&r);
	ses->type = rec_get_u64(&r);
	ses->start_ms = rec_get_u64(&r);
	ses->end_ms = rec_get_u64(&r);
	ses->created_ms = rec_get_u64(&r);
	ses->updated_ms = rec_get_u64(&r);
	ses->player_count = rec_get_u64(&r);
	if (r.bad) {
		mm_session_free(ses);
		return ARC_EINTERNAL;
	}
	return 0;
}

static int session_put(struct store *s, MDB_txn *txn, const struct mm_session *ses)
{
	struct key k;
	struct buf b;
	int rc;

	buf_init(&b);
	rec_put_u64(&b, (ses->name ? HAS_NAME : 0) | (ses->description ? HAS_DESC : 0));
	put_opt(&b, ses->name);
	put_opt(&b, ses->description);
	rec_put_u64(&b, (uint64_t)ses->status);
	rec_put_u64(&b, ses->type);
	rec_put_u64(&b, ses->start_ms);
	rec_put_u64(&b, ses->end_ms);
	rec_put_u64(&b, ses->created_ms);
	rec_put_u64(&b, ses->updated_ms);
	rec_put_u64(&b, ses->player_count);
	session_key(&k, ses->game, ses->id);
	rc = store_put(txn, s->rec, &k, b.p, b.len, 0);
	buf_free(&b);
	return rc;
}

int mm_session_create(struct store *s, MDB_txn *txn, struct mm_session *ses)
{
	struct key k;
	int rc = store_seq_next(s, txn, "mm_session", &ses->id);

	if (rc || (rc = session_put(s, txn, ses)))
		return rc;
	session_status_key(&k, ses->game, ses->status, ses->id);
	if ((rc = store_put(txn, s->idx, &k, "", 0, 0)))
		return rc;
	if (ses->type) {
		session_type_key(&k, ses->game, ses->type, ses->id);
		rc = store_put(txn, s->idx, &k, "", 0, 0);
	}
	return rc;
}

int mm_session_get(struct store *s, MDB_txn *txn, uint64_t game, uint64_t id, struct mm_session *out)
{
	struct key k;
	MDB_val v;
	int rc;

	memset(out, 0, sizeof(*out));
	session_key(&k, game, id);
	rc = store_get(txn, s->rec, &k, &v);
	return rc ? rc : session_decode(&v, game, id, out);
}

int mm_session_update(struct store *s, MDB_txn *txn, const struct mm_session *ses, int old_status)
{
	struct key k;
	int rc = session_put(s, txn, ses);

	if (rc || old_status == ses->status)
		return rc;
	session_status_key(&k, ses->game, old_status, ses->id);
	if ((rc = store_del(txn, s->idx, &k)))
		return rc;
	session_status_key(&k, ses->game, ses->status, ses->id);
	return store_put(txn, s->idx, &k, "", 0, 0);
}

int mm_session_list(struct store *s, MDB_txn *txn, uint64_t game, int status, uint64_t type, uint64_t below,
		    int (*fn)(const struct mm_session *ses, void *ctx), void *ctx)
{
	MDB_cursor *cur;
	MDB_dbi dbi = s->idx;
	struct key p, start;
	MDB_val kv, vv;
	int rc;

	/* The narrowest ordering that holds every match; each lists ids. */
	if (type)
		session_type_key(&p, game, type, 0);
	else if (status >= 0)
		session_status_key(&p, game, status, 0);
	else
		mm_key(&p, 'e', game), dbi = s->rec;
	start = p;
	key_u64(&start, below ? below : UINT64_MAX);
	if ((rc = mdb_cursor_open(txn, dbi, &cur)))
		return store_err(rc);
	kv.mv_size = start.n;
	kv.mv_data = start.b;
	rc = mdb_cursor_get(cur, &kv, &vv, MDB_SET_RANGE);
	if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(cur, &kv, &vv, MDB_LAST);
	else if (rc == 0)
		rc = mdb_cursor_get(cur, &kv, &vv, MDB_PREV);
	while (rc == 0 && kv.mv_size == p.n + 8 && memcmp(kv.mv_data, p.b, p.n) == 0) {
		uint64_t id = key_get_u64((unsigned char *)kv.mv_data + p.n);
		struct mm_session ses;
		int frc = dbi == s->rec ? session_decode(&vv, game, id, &ses) : mm_session_get(s, txn, game, id, &ses);

		if (frc == ARC_ENOENT)
			frc = ARC_EINTERNAL; /* an index entry without its record */
		if (frc == 0) {
			if (status < 0 || ses.status == status)
				frc = fn(&ses, ctx);
			mm_session_free(&ses);
		}
		if (frc) {
			mdb_cursor_close(cur);
			return frc == MM_STOP ? 0 : frc;
		}
		rc = mdb_cursor_get(cur, &kv, &vv, MDB_PREV);
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_err(rc);
}

void mm_session_free(struct mm_session *ses)
{
	free(ses->name);
	free(ses->description);
	ses->name = ses->description = NULL;
}

/* ---- session players, boards ---- */

static void sp_key(struct key *k, uint64_t game, uint64_t session, uint64_t player)
{
	mm_key(k, 'j', game);
	key_u64(k, session);
	key_u64(k, player);
}

static void board_key(struct key *k, uint64_t game, uint64_t session, const struct mm_splayer *sp)
{
	mm_key(k, 'k', game);
	key_u64(k, session);
	if (sp) {
		key_u64(k, mm_score_img(sp->score));
		key_u64(k, sp->updated_ms);
		key_u64(k, sp->player);
	}
}

static void mine_key(struct key *k, uint64_t game, uint64_t type, uint64_t player, const struct mm_splayer *sp)
{
	mm_key(k, 'u', game);
	key_u64(k, type);
	key_u64(k, player);
	if (sp) {
		key_u64(k, mm_score_img(sp->score));
		key_u64(k, sp->updated_ms);
		key_u64(k, sp->session);
	}
}

static void best_prefix(struct key *k, uint64_t game, uint64_t type)
{
	mm_key(k, 'x', game);
	key_u64(k, type);
}

static void best_key(struct key *k, uint64_t game, uint64_t type, uint64_t img, uint64_t updated, uint64_t player)
{
	best_prefix(k, game, type);
	key_u64(k, img);
	key_u64(k, updated);
	key_u64(k, player);
}

static int sp_decode(const MDB_val *v, uint64_t session, uint64_t player, struct mm_splayer *sp)
{
	struct rec_reader r;

	rec_reader_init(&r, v->mv_data, v->mv_size);
	sp->session = session;
	sp->player = player;
	sp->score = rec_get_dbl(&r);
	sp->created_ms = rec_get_u64(&r);
	sp->updated_ms = rec_get_u64(&r);
	return r.bad ? ARC_EINTERNAL : 0;
}

static int sp_put(struct store *s, MDB_txn *txn, uint64_t game, const struct mm_splayer *sp, unsigned flags)
{
	struct key k;
	struct buf b;
	int rc;

	buf_init(&b);
	rec_put_dbl(&b, sp->score);
	rec_put_u64(&b, sp->created_ms);
	rec_put_u64(&b, sp->updated_ms);
	sp_key(&k, game, sp->session, sp->player);
	rc = store_put(txn, s->rec, &k, b.p, b.len, flags);
	buf_free(&b);
	return rc;
}

int mm_sp_get(struct store *s, MDB_txn *txn, uint64_t game, uint64_t session, uint64_t player,
	      struct mm_splayer *out)
{
	struct key k;
	MDB_val v;
	int rc;

	memset(out, 0, sizeof(*out));
	sp_key(&k, game, session, player);
	rc = store_get(txn, s->rec, &k, &v);
	return rc ? rc : sp_decode(&v, session, player, out);
}

/* A player's best entry in a type: the first of their 'u' entries. */
struct mm_best {
	int found;
	uint64_t img, updated, session;
};

static int best_of(struct store *s, MDB_txn *txn, uint64_t game, uint64_t type, uint64_t player,
		   struct mm_best *b)
{
	struct key p;
	MDB_val kv = { 0, NULL }, vv;
	int rc;

	mine_key(&p, game, type, player, NULL);
	rc = mm_first(txn, s->idx, &p, 24, &kv, &vv, &b->found);
	if (rc == 0 && b->found) {
		const unsigned char *t = (const unsigned char *)kv.mv_data + p.n;
		b->img = key_get_u64(t);
		b->updated = key_get_u64(t + 8);
		b->session = key_get_u64(t + 16);
	}
	return rc;
}

/* Replaces old (NULL: none) by now among the player's entries for the type,
 * and moves their leaderboard entry if their best changed. */
static int best_update(struct store *s, MDB_txn *txn, uint64_t game, uint64_t type, const struct mm_splayer *old,
		       const struct mm_splayer *now)
{
	struct mm_best before, after;
	struct key k;
	unsigned char sid[8];
	int rc;

	if ((rc = best_of(s, txn, game, type, now->player, &before)))
		return rc;
	if (old) {
		mine_key(&k, game, type, old->player, old);
		if ((rc = store_del(txn, s->idx, &k)))
			return rc;
	}
	mine_key(&k, game, type, now->player, now);
	if ((rc = store_put(txn, s->idx, &k, "", 0, 0)))
		return rc;
	if ((rc = best_of(s, txn, game, type, now->player, &after)))
		return rc;
	if (before.found && before.img == after.img && before.updated == after.updated &&
	    before.session == after.session)
		return 0;
	if (before.found) {
		best_key(&k, game, type, before.img, before.updated, now->player);
		if ((rc = store_del(txn, s->idx, &k)))
			return rc;
	}
	best_key(&k, game, type, after.img, after.updated, now->player);
	key_put_u64(sid, after.session);
	return store_put(txn, s->idx, &k, sid, 8, 0);
}

int mm_sp_register(struct store *s, MDB_txn *txn, struct mm_session *ses, uint64_t player, uint64_t now_ms,
		   struct mm_splayer *out)
{
	struct key k;
	int rc;

	memset(out, 0, sizeof(*out));
	out->session = ses->id;
	out->player = player;
	out->score = 0;
	out->created_ms = out->updated_ms = now_ms;
	if ((rc = sp_put(s, txn, ses->game, out, MDB_NOOVERWRITE)))
		return rc;
	board_key(&k, ses->game, ses->id, out);
	if ((rc = store_put(txn, s->idx, &k, "", 0, 0)))
		return rc;
	if (ses->type && (rc = best_update(s, txn, ses->game, ses->type, NULL, out)))
		return rc;
	ses->player_count++;
	return session_put(s, txn, ses);
}

int mm_sp_set_score(struct store *s, MDB_txn *txn, const struct mm_session *ses, struct mm_splayer *sp,
		    double score, uint64_t now_ms)
{
	struct mm_splayer old = *sp;
	struct key k;
	int rc;

	sp->score = score == 0 ? 0 : score;
	sp->updated_ms = now_ms;
	if ((rc = sp_put(s, txn, ses->game, sp, 0)))
		return rc;
	board_key(&k, ses->game, ses->id, &old);
	if ((rc = store_del(txn, s->idx, &k)))
		return rc;
	board_key(&k, ses->game, ses->id, sp);
	if ((rc = store_put(txn, s->idx, &k, "", 0, 0)))
		return rc;
	return ses->type ? best_update(s, txn, ses->game, ses->type, &old, sp) : 0;
}

/* Walks the keys under p (each p + img + updated + id, value v) in order,
 * at most limit of them (0: all); each is turned into a session player. */
static int board_walk(struct store *s, MDB_txn *txn, uint64_t game, const struct key *p, uint64_t session,
		      size_t limit, int (*fn)(const struct mm_splayer *sp, void *ctx), void *ctx)
{
	MDB_cursor *cur;
	MDB_val kv = { p->n, (void *)p->b }, vv;
	size_t n = 0;
	int bad = 0, rc = mdb_cursor_open(txn, s->idx, &cur);

	if (rc)
		return store_err(rc);
	rc = mdb_cursor_get(cur, &kv, &vv, MDB_SET_RANGE);
	while (rc == 0 && kv.mv_size == p->n + 24 && memcmp(kv.mv_data, p->b, p->n) == 0 &&
	       (limit == 0 || n < limit)) {
		uint64_t player = key_get_u64((unsigned char *)kv.mv_data + p->n + 16);
		uint64_t sid = session;
		struct mm_splayer sp;
		int frc;

		if (!sid) { /* a leaderboard entry: its value names the session */
			if (vv.mv_size != 8) {
				bad = 1;
				break;
			}
			sid = key_get_u64(vv.mv_data);
		}
		frc = mm_sp_get(s, txn, game, sid, player, &sp);
		if (frc == ARC_ENOENT)
			frc = ARC_EINTERNAL;
		if (frc == 0)
			frc = fn(&sp, ctx);
		if (frc) {
			mdb_cursor_close(cur);
			return frc == MM_STOP ? 0 : frc;
		}
		n++;
		rc = mdb_cursor_get(cur, &kv, &vv, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	if (bad)
		return ARC_EINTERNAL;
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_err(rc);
}

int mm_sp_each(struct store *s, MDB_txn *txn, uint64_t game, uint64_t session,
	       int (*fn)(const struct mm_splayer *sp, void *ctx), void *ctx)
{
	struct key p;
	board_key(&p, game, session, NULL);
	return board_walk(s, txn, game, &p, session, 0, fn, ctx);
}

int mm_board_each(struct store *s, MDB_txn *txn, uint64_t game, uint64_t type, size_t limit,
		  int (*fn)(const struct mm_splayer *sp, void *ctx), void *ctx)
{
	struct key p;
	best_prefix(&p, game, type);
	return board_walk(s, txn, game, &p, 0, limit, fn, ctx);
}
