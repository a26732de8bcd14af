/* scores: adding, listing and ranking scores. */
#include "config.h"
#include "scores.h"
#include "errors.h"
#include "key.h"
#include "log.h"
#include "rank.h"
#include "rec.h"
#include "secret.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define OWNER_LEN 17

static int score_desc(const struct table *t)
{
	return !(t->flags & TABLE_ASC);
}

static void score_owner_bytes(const struct score_owner *o, unsigned char out[OWNER_LEN])
{
	memset(out, 0, OWNER_LEN);
	out[0] = (unsigned char)o->kind;
	if (o->kind == 'u') {
		key_put_u64(out + 1, o->user_id);
	} else {
		/* Guest names are free text: a fixed-length digest keeps them
		 * out of the key's structure. Listings compare the stored name. */
		unsigned char d[SECRET_HASH_LEN];
		secret_sha256(o->guest, strlen(o->guest), d);
		memcpy(out + 1, d, OWNER_LEN - 1);
	}
}

static void score_table_prefix(struct key *k, unsigned char ent, const struct table *t)
{
	key_init(k, ent);
	key_u64(k, t->game);
	key_u64(k, t->id);
}

/* A score's record, keyed by its place in the table (scores.h). */
static void score_rec_key(struct key *k, const struct table *t, uint64_t img, uint64_t id)
{
	score_table_prefix(k, 'S', t);
	key_u64(k, img);
	key_u64(k, id);
}

static void score_owner_key(struct key *k, const struct table *t, const unsigned char *owner, uint64_t img,
			    uint64_t id)
{
	score_table_prefix(k, 'W', t);
	key_bytes(k, owner, OWNER_LEN);
	key_u64(k, img);
	key_u64(k, id);
}

static int score_count(struct store *s, MDB_txn *txn, const struct table *t, uint64_t img, int delta)
{
	struct key p;
	score_table_prefix(&p, 'C', t);
	return rank_add(txn, s->cnt, p.b, p.n, img, delta);
}

static int score_remove(struct store *s, MDB_txn *txn, const struct table *t, const unsigned char *owner,
			uint64_t img, uint64_t id)
{
	struct key k;
	int rc;

	score_rec_key(&k, t, img, id);
	if ((rc = store_del(txn, s->rec, &k)))
		return rc;
	score_owner_key(&k, t, owner, img, id);
	if ((rc = store_del(txn, s->idx, &k)))
		return rc;
	return score_count(s, txn, t, img, -1);
}

/* The next id of a score in table t, kept beside the table's rank counters
 * (cnt 'C' game table 0), whose first leaf an add writes anyway: the one
 * global sequence in meta cost every add a page more. Ids are unique per
 * table (the records' keys have the table in them). A table without its
 * own counter yet starts above the global sequence, which gave ids until
 * this counter came and gives none now, so its new scores still come
 * after its old ones where sorts tie; and starts SCORE_ID_GAP above it, so
 * that ids a build before schema 2 still gives from that sequence (one
 * left running beside this one) never meet these when upgrade.c moves its
 * records. */
#define SCORE_ID_GAP ((uint64_t)1 << 32)

static int score_next_id(struct store *s, MDB_txn *txn, const struct table *t, uint64_t *id)
{
	struct key k;
	MDB_val v;
	unsigned char b[8];
	uint64_t last = 0;
	int rc;

	score_table_prefix(&k, 'C', t);
	key_u8(&k, 0); /* below every level of the trie (rank.c: levels 1-16) */
	rc = store_get(txn, s->cnt, &k, &v);
	if (rc == ARC_OK && v.mv_size != 8)
		return ARC_EINTERNAL;
	if (rc == ARC_OK)
		last = key_get_u64(v.mv_data);
	else if (rc == ARC_ENOENT && (rc = store_seq_last(s, txn, "score", &last)) == 0)
		last += SCORE_ID_GAP;
	if (rc)
		return rc;
	key_put_u64(b, last + 1);
	rc = store_put(txn, s->cnt, &k, b, 8, 0);
	*id = last + 1;
	return rc;
}

/* The owner's best score in a unique table: *found, its image and id. */
static int score_owner_best(struct store *s, MDB_txn *txn, const struct table *t, const unsigned char *owner,
			    int *found, uint64_t *img, uint64_t *id)
{
	MDB_cursor *cur;
	struct key k;
	MDB_val kv, vv;
	size_t plen;
	int rc = mdb_cursor_open(txn, s->idx, &cur);

	if (rc)
		return store_err(rc);
	score_table_prefix(&k, 'W', t);
	key_bytes(&k, owner, OWNER_LEN);
	plen = k.n;
	kv.mv_size = k.n;
	kv.mv_data = k.b;
	rc = mdb_cursor_get(cur, &kv, &vv, MDB_SET_RANGE);
	*found = rc == 0 && kv.mv_size == plen + 16 && memcmp(kv.mv_data, k.b, plen) == 0;
	if (*found) {
		*img = key_get_u64((unsigned char *)kv.mv_data + plen);
		*id = key_get_u64((unsigned char *)kv.mv_data + plen + 8);
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_err(rc);
}

int score_add(struct store *s, MDB_txn *txn, const struct table *t, const struct score_owner *o,
	      const char *score, const char *extra, int64_t sort, uint64_t now_ms, int *stored)
{
	unsigned char owner[OWNER_LEN];
	uint64_t img = key_sort_image(sort, score_desc(t)), id;
	struct key k;
	struct buf b;
	int rc;

	*stored = 0;
	score_owner_bytes(o, owner);
	if (t->flags & TABLE_UNIQUE) {
		int found;
		uint64_t old_img, old_id;
		rc = score_owner_best(s, txn, t, owner, &found, &old_img, &old_id);
		if (rc)
			return rc;
		if (found && img >= old_img)
			return 0; /* not strictly better: the best stays */
		if (found && (rc = score_remove(s, txn, t, owner, old_img, old_id)))
			return rc;
	}
	rc = score_next_id(s, txn, t, &id);
	if (rc)
		return rc;
	buf_init(&b);
	rec_put_u64(&b, (uint64_t)sort);
	rec_put_u64(&b, now_ms);
	rec_put_u64(&b, o->kind == 'u' ? o->user_id : 0);
	rec_put_str(&b, score);
	rec_put_str(&b, extra);
	rec_put_str(&b, o->kind == 'g' ? o->guest : "");
	score_rec_key(&k, t, img, id);
	rc = store_put(txn, s->rec, &k, b.p, b.len, 0);
	buf_free(&b);
	if (rc)
		return rc;
	score_owner_key(&k, t, owner, img, id);
	if ((rc = store_put(txn, s->idx, &k, "", 0, 0)))
		return rc;
	if ((rc = score_count(s, txn, t, img, +1)))
		return rc;
	*stored = 1;
	return 0;
}

/* The score, extra data and guest name, copied out of the record into one
 * allocation that sc->score owns: a top 10 made thirty allocations and
 * thirty frees before, a tenth of its instructions. */
static int score_strings(struct rec_reader *r, struct score *sc)
{
	char **dst[] = { &sc->score, &sc->extra, &sc->guest };
	const char *src[3];
	size_t n[3];
	char *p;

	for (size_t i = 0; i < 3; i++)
		src[i] = rec_get_view(r, &n[i]);
	if (r->bad)
		return ARC_EINTERNAL;
	p = xmalloc(n[0] + n[1] + n[2] + 3);
	for (size_t i = 0; i < 3; i++) {
		memcpy(p, src[i], n[i]);
		p[n[i]] = '\0';
		*dst[i] = p;
		p += n[i] + 1;
	}
	return 0;
}

/* One score found in a range: its place, and its record when the range
 * holds the records themselves (rec.mv_data NULL: an owner's index entry,
 * looked up by score_load). The record points into LMDB's pages, valid for
 * the transaction: score_fetch writes nothing. */
struct score_hit {
	uint64_t img, id;
	MDB_val rec;
};

static int score_load(struct store *s, MDB_txn *txn, const struct table *t, const struct score_hit *h,
		      struct score *sc)
{
	struct key k;
	MDB_val v = h->rec;
	struct rec_reader r;
	int rc;

	memset(sc, 0, sizeof(*sc));
	if (!v.mv_data) {
		score_rec_key(&k, t, h->img, h->id);
		rc = store_get(txn, s->rec, &k, &v);
		if (rc)
			return rc == ARC_ENOENT ? ARC_EINTERNAL : rc; /* index without record */
	}
	rec_reader_init(&r, v.mv_data, v.mv_size);
	sc->id = h->id;
	sc->sort = (int64_t)rec_get_u64(&r);
	sc->stored_ms = rec_get_u64(&r);
	sc->user_id = rec_get_u64(&r);
	return score_strings(&r, sc);
}

struct score_scan {
	const unsigned char *prefix;
	size_t plen;
	int records; /* the range is the table's records, not an owner's index */
	struct score_hit hits[FETCH_MAX];
	size_t n, limit;
};

/* 1: a score of the range; 0: past the range; -1: in the range but of
 * another length, skipped: a schema-1 record that a build before schema 2,
 * still running beside this one, added after the upgrade (the next open
 * moves it: upgrade.c). */
static int score_in_range(const MDB_val *kv, const struct score_scan *sc)
{
	if (kv->mv_size < sc->plen || memcmp(kv->mv_data, sc->prefix, sc->plen) != 0)
		return 0;
	return kv->mv_size == sc->plen + 16 ? 1 : -1;
}

static void score_take(struct score_scan *sc, const MDB_val *kv, const MDB_val *vv)
{
	struct score_hit *h = &sc->hits[sc->n++];
	const unsigned char *p = (const unsigned char *)kv->mv_data + sc->plen;

	h->img = key_get_u64(p);
	h->id = key_get_u64(p + 8);
	h->rec.mv_size = sc->records ? vv->mv_size : 0;
	h->rec.mv_data = sc->records ? vv->mv_data : NULL;
}

/* Collects scores from a range in table order. */
static int score_scan_range(MDB_txn *txn, MDB_dbi dbi, struct score_scan *sc, enum score_window w, uint64_t pivot)
{
	MDB_cursor *cur;
	struct key start;
	MDB_val kv, vv;
	int in, rc = mdb_cursor_open(txn, dbi, &cur);

	if (rc)
		return store_err(rc);
	start.n = 0;
	start.overflow = 0;
	key_bytes(&start, sc->prefix, sc->plen);
	if (w == SCORE_WORSE_THAN) {
		if (pivot == UINT64_MAX)
			goto done;
		key_u64(&start, pivot + 1);
	} else if (w == SCORE_BETTER_THAN) {
		key_u64(&start, pivot);
	}
	kv.mv_size = start.n;
	kv.mv_data = start.b;
	rc = mdb_cursor_get(cur, &kv, &vv, MDB_SET_RANGE);
	if (w == SCORE_BETTER_THAN) {
		/* Walk backwards from just below the pivot, then restore order. */
		rc = rc == 0 ? mdb_cursor_get(cur, &kv, &vv, MDB_PREV)
			     : mdb_cursor_get(cur, &kv, &vv, MDB_LAST);
		while (rc == 0 && sc->n < sc->limit && (in = score_in_range(&kv, sc)) != 0) {
			if (in > 0)
				score_take(sc, &kv, &vv);
			rc = mdb_cursor_get(cur, &kv, &vv, MDB_PREV);
		}
		for (size_t i = 0; i < sc->n / 2; i++) {
			struct score_hit tmp = sc->hits[i];
			sc->hits[i] = sc->hits[sc->n - 1 - i];
			sc->hits[sc->n - 1 - i] = tmp;
		}
	} else {
		while (rc == 0 && sc->n < sc->limit && (in = score_in_range(&kv, sc)) != 0) {
			if (in > 0)
				score_take(sc, &kv, &vv);
			rc = mdb_cursor_get(cur, &kv, &vv, MDB_NEXT);
		}
	}
done:
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_err(rc);
}

int score_fetch(struct store *s, MDB_txn *txn, const struct table *t, const struct score_owner *o,
		enum score_window w, int64_t pivot, size_t limit, struct score *out, size_t *n)
{
	struct key p;
	struct score_scan sc;
	int rc;

	*n = 0;
	sc.records = !(o && o->kind);
	if (!sc.records) {
		unsigned char owner[OWNER_LEN];
		score_owner_bytes(o, owner);
		score_table_prefix(&p, 'W', t);
		key_bytes(&p, owner, OWNER_LEN);
	} else {
		score_table_prefix(&p, 'S', t);
	}
	sc.prefix = p.b;
	sc.plen = p.n;
	sc.n = 0;
	sc.limit = limit > FETCH_MAX ? FETCH_MAX : limit;
	rc = score_scan_range(txn, sc.records ? s->rec : s->idx, &sc, w, key_sort_image(pivot, score_desc(t)));
	if (rc)
		return rc;
	for (size_t i = 0; i < sc.n; i++) {
		rc = score_load(s, txn, t, &sc.hits[i], &out[*n]);
		if (rc)
			goto fail;
		/* Two guest names sharing a digest prefix: not this guest's score. */
		if (o && o->kind == 'g' && strcmp(out[*n].guest, o->guest) != 0) {
			score_free(&out[*n]);
			continue;
		}
		(*n)++;
	}
	return 0;
fail:
	for (size_t i = 0; i < *n; i++)
		score_free(&out[i]);
	*n = 0;
	return rc;
}

int score_rank(struct store *s, MDB_txn *txn, const struct table *t, int64_t sort, uint64_t *rank)
{
	struct key p;
	uint64_t below;
	int rc;

	score_table_prefix(&p, 'C', t);
	rc = rank_count_below(txn, s->cnt, p.b, p.n, key_sort_image(sort, score_desc(t)), &below);
	if (rc)
		return rc;
	*rank = below + 1;
	return 0;
}

void score_free(struct score *sc)
{
	free(sc->score); /* extra and guest too: score_strings */
	free(sc->user);
	sc->score = sc->extra = sc->guest = sc->user = NULL;
}

/* Schema 1's keys of a score (see score_schema_2). */
#define SCORE_V1_ORDER_LEN 33 /* idx 'O' game table image id */
#define SCORE_V1_REC_LEN 25   /* rec 'S' game table id */

/* Moves the record of one schema-1 order entry o to its schema-2 key. */
static int score_move_v1(struct store *s, MDB_txn *txn, const unsigned char *o)
{
	unsigned char old[SCORE_V1_REC_LEN], now[SCORE_V1_ORDER_LEN];
	MDB_val ok = { sizeof(old), old }, nk = { sizeof(now), now }, v;
	void *copy;
	int rc;

	old[0] = now[0] = 'S';
	memcpy(old + 1, o + 1, 16);     /* game, table */
	memcpy(old + 17, o + 25, 8);    /* id */
	memcpy(now + 1, o + 1, 32);     /* game, table, image, id */
	rc = store_err(mdb_get(txn, s->rec, &ok, &v));
	if (rc == ARC_ENOENT) {
		log_msg(LOG_ERR, "store: score %llu of game %llu, table %llu has an order entry and no record",
			(unsigned long long)key_get_u64(o + 25), (unsigned long long)key_get_u64(o + 1),
			(unsigned long long)key_get_u64(o + 9));
		return ARC_EINTERNAL;
	}
	if (rc)
		return rc;
	/* A put may spill dirty pages (v among them) before it copies v. */
	copy = xmalloc(v.mv_size + 1);
	memcpy(copy, v.mv_data, v.mv_size);
	v.mv_data = copy;
	rc = store_err(mdb_put(txn, s->rec, &nk, &v, MDB_NOOVERWRITE));
	free(copy);
	if (rc == 0)
		rc = store_err(mdb_del(txn, s->rec, &ok, NULL));
	return rc;
}

/* Whether idx holds schema-1 order entries: at schema 1, or written after
 * the upgrade by a build before schema 2 still running beside this one. */
int score_schema_1_left(struct store *s, MDB_txn *txn, int *left)
{
	unsigned char o = 'O';
	MDB_val kv = { 1, &o }, vv;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, s->idx, &cur);

	*left = 0;
	if (rc)
		return store_err(rc);
	rc = mdb_cursor_get(cur, &kv, &vv, MDB_SET_RANGE);
	*left = rc == 0 && ((const unsigned char *)kv.mv_data)[0] == 'O';
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_err(rc);
}

/* Schema 1 kept a score's record under rec 'S' game table id and its place
 * in the table under idx 'O' game table image id, an empty entry. Schema 2
 * keys the record by that place (scores.h): an added score writes one tree
 * fewer, and a listing reads the records as it walks them. Every order
 * entry's record moves to its new key, and the order entry goes. The
 * cursor looks again after each change (it never relies on where LMDB
 * leaves it after a delete). */
int score_schema_2(struct store *s, MDB_txn *txn)
{
	unsigned char o[SCORE_V1_ORDER_LEN];
	MDB_cursor *cur;
	MDB_val kv = { 1, o }, vv;
	int rc = mdb_cursor_open(txn, s->idx, &cur);

	if (rc)
		return store_err(rc);
	o[0] = 'O';
	rc = store_err(mdb_cursor_get(cur, &kv, &vv, MDB_SET_RANGE));
	while (rc == 0 && ((const unsigned char *)kv.mv_data)[0] == 'O') {
		if (kv.mv_size != sizeof(o)) {
			rc = ARC_EINTERNAL; /* not a schema-1 order entry */
			break;
		}
		memcpy(o, kv.mv_data, sizeof(o));
		rc = score_move_v1(s, txn, o);
		if (rc == 0)
			rc = store_err(mdb_cursor_del(cur, 0));
		kv.mv_size = sizeof(o);
		kv.mv_data = o;
		if (rc == 0)
			rc = store_err(mdb_cursor_get(cur, &kv, &vv, MDB_SET_RANGE));
	}
	mdb_cursor_close(cur);
	return rc == ARC_ENOENT ? 0 : rc; /* past the last entry */
}
