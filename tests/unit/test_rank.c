/* test_rank: the rank-count trie (rank.h) against a brute-force count, and
 * score tables (scores.h) on a real LMDB environment in a temp dir: ranks,
 * table order in both directions, ties, better_than/worse_than windows
 * (docs/gamejolt-contract-notes.md) and unique tables. */
#include "check.h"
#include "../../src/errors.h"
#include "../../src/games.h"
#include "../../src/key.h"
#include "../../src/rank.h"
#include "../../src/scores.h"
#include "../../src/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;
static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

/* ------------------------------------------------------------------ */
/* rank.h */

static const unsigned char PFX_A[] = { 'C', 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 1 };
static const unsigned char PFX_B[] = { 'C', 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 2 };

struct rank_op {
	const unsigned char *prefix;
	const uint64_t *imgs;
	size_t n;
	int delta;
	uint64_t *out; /* count mode when set */
};

static int rank_apply(struct store *s, MDB_txn *txn, void *ctx)
{
	struct rank_op *op = ctx;
	for (size_t i = 0; i < op->n; i++) {
		int rc;
		if (op->out)
			rc = rank_count_below(txn, s->cnt, op->prefix, sizeof(PFX_A), op->imgs[i], &op->out[i]);
		else
			rc = rank_add(txn, s->cnt, op->prefix, sizeof(PFX_A), op->imgs[i], op->delta);
		if (rc)
			return rc;
	}
	return 0;
}

static uint64_t brute_below(const uint64_t *v, size_t n, uint64_t t)
{
	uint64_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += v[i] < t;
	return c;
}

#define NIMG 3000
#define NPROBE 700

/* Compares rank_count_below with brute force for a set of probes. */
static void rank_compare(struct store *s, const unsigned char *prefix, const uint64_t *set, size_t n,
			 const char *what)
{
	static uint64_t probes[NPROBE], got[NPROBE];
	struct rank_op op = { prefix, probes, 0, 0, got };
	size_t np = 0;
	int rc, wrong = 0;
	char d[128];

	probes[np++] = 0;
	probes[np++] = 1;
	probes[np++] = UINT64_MAX;
	probes[np++] = UINT64_MAX - 1;
	probes[np++] = 0x8000000000000000ULL;
	while (np < NPROBE) {
		uint64_t x;
		switch (np % 5) {
		case 0:
			x = rng();
			break;
		case 1:
		case 2:
			x = n ? set[rng() % n] : rng();
			break;
		case 3:
			x = n ? set[rng() % n] + 1 : rng();
			break;
		default:
			x = n ? set[rng() % n] - 1 : rng();
		}
		probes[np++] = x;
	}
	op.n = np;
	rc = store_read(s, rank_apply, &op);
	snprintf(d, sizeof(d), "%s: %zu counts read", what, np);
	CHECK_EQ_INT_MSG(rc, ARC_OK, d);
	for (size_t i = 0; i < np && rc == 0; i++) {
		uint64_t want = brute_below(set, n, probes[i]);
		if (got[i] != want) {
			if (wrong < 5)
				printf("# %s: below(0x%016llx) = %llu, brute force %llu\n", what,
				       (unsigned long long)probes[i], (unsigned long long)got[i],
				       (unsigned long long)want);
			wrong++;
		}
	}
	snprintf(d, sizeof(d), "%s: %zu probes agree with brute force over %zu images", what, np, n);
	CHECK_EQ_INT_MSG(wrong, 0, d);
}

static void test_rank(struct store *s)
{
	static uint64_t set[NIMG], del[NIMG];
	size_t n = 0, nd = 0;
	struct rank_op op;
	uint64_t one, probe;
	int rc;

	check_section("rank");
	/* Empty trie. */
	probe = 12345;
	op = (struct rank_op){ PFX_A, &probe, 1, 0, &one };
	one = 99;
	rc = store_read(s, rank_apply, &op);
	CHECK_EQ_INT(rc, ARC_OK);
	CHECK_EQ_U64_MSG(one, 0, "empty trie counts 0");

	/* Images: random, clustered (long shared prefixes), duplicates, the extremes. */
	set[n++] = 0;
	set[n++] = 0;
	set[n++] = UINT64_MAX;
	set[n++] = UINT64_MAX;
	set[n++] = 1;
	set[n++] = UINT64_MAX - 1;
	set[n++] = 0x8000000000000000ULL;
	set[n++] = 0x7fffffffffffffffULL;
	while (n < NIMG) {
		uint64_t x;
		switch (n % 4) {
		case 0:
			x = rng();
			break;
		case 1:
			x = 0x8000000000000000ULL + rng() % 64; /* many shared nibbles */
			break;
		case 2:
			x = set[rng() % n]; /* a duplicate */
			break;
		default:
			x = rng() & 0xf0f0f0f0f0f0f0f0ULL;
		}
		set[n++] = x;
	}
	op = (struct rank_op){ PFX_A, set, n, +1, NULL };
	rc = store_write(s, rank_apply, &op);
	CHECK_EQ_INT_MSG(rc, ARC_OK, "3000 images added");
	rank_compare(s, PFX_A, set, n, "after inserts");

	/* Other prefix: independent. */
	{
		static const uint64_t b[] = { 0, 5, 5, UINT64_MAX };
		static const uint64_t p[] = { 0, 1, 5, 6, UINT64_MAX };
		uint64_t got[5];
		op = (struct rank_op){ PFX_B, b, 4, +1, NULL };
		rc = store_write(s, rank_apply, &op);
		CHECK_EQ_INT(rc, ARC_OK);
		op = (struct rank_op){ PFX_B, p, 5, 0, got };
		rc = store_read(s, rank_apply, &op);
		CHECK_EQ_INT(rc, ARC_OK);
		CHECK_EQ_U64(got[0], 0);
		CHECK_EQ_U64(got[1], 1);
		CHECK_EQ_U64(got[2], 1);
		CHECK_EQ_U64(got[3], 3);
		CHECK_EQ_U64(got[4], 3);
		rank_compare(s, PFX_A, set, n, "prefix A after prefix B inserts");
	}

	/* Delete a third, including both copies of 0 and one of UINT64_MAX. */
	{
		size_t keep = 0;
		for (size_t i = 0; i < n; i++) {
			if (i < 3 || rng() % 3 == 0)
				del[nd++] = set[i];
			else
				set[keep++] = set[i];
		}
		n = keep;
	}
	op = (struct rank_op){ PFX_A, del, nd, -1, NULL };
	rc = store_write(s, rank_apply, &op);
	CHECK_EQ_INT_MSG(rc, ARC_OK, "a third of the images deleted");
	rank_compare(s, PFX_A, set, n, "after deletions");
	probe = UINT64_MAX;
	op = (struct rank_op){ PFX_A, &probe, 1, 0, &one };
	rc = store_read(s, rank_apply, &op);
	CHECK_EQ_INT(rc, ARC_OK);
	{
		uint64_t maxes = 0;
		for (size_t i = 0; i < n; i++)
			maxes += set[i] == UINT64_MAX;
		CHECK_MSG(maxes >= 1, "a UINT64_MAX image remains");
		CHECK_EQ_U64_MSG(one, n - maxes, "below(UINT64_MAX) = all but the UINT64_MAX images");
	}

	/* Deleting what is not there must fail, not wrap a counter. */
	{
		uint64_t gone = 0;
		for (;; gone++) { /* the smallest image not in the set */
			size_t i = 0;
			while (i < n && set[i] != gone)
				i++;
			if (i == n)
				break;
		}
		op = (struct rank_op){ PFX_A, &gone, 1, -1, NULL };
		rc = store_write(s, rank_apply, &op);
		CHECK_MSG(rc != ARC_OK, "deleting an absent image fails");
		rank_compare(s, PFX_A, set, n, "after the refused deletion");
	}

	/* Delete everything: back to zero everywhere. */
	op = (struct rank_op){ PFX_A, set, n, -1, NULL };
	rc = store_write(s, rank_apply, &op);
	CHECK_EQ_INT(rc, ARC_OK);
	rank_compare(s, PFX_A, set, 0, "after deleting everything");
	{
		MDB_txn *txn;
		MDB_cursor *cur;
		MDB_val k, v;
		size_t left = 0;
		mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
		mdb_cursor_open(txn, s->cnt, &cur);
		for (int r = mdb_cursor_get(cur, &k, &v, MDB_FIRST); r == 0; r = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
			if (k.mv_size >= sizeof(PFX_A) && memcmp(k.mv_data, PFX_A, sizeof(PFX_A)) == 0)
				left++;
		mdb_cursor_close(cur);
		mdb_txn_abort(txn);
		CHECK_EQ_U64_MSG(left, 0, "no counters left under prefix A");
	}
}

/* ------------------------------------------------------------------ */
/* scores.h */

struct add_ctx {
	const struct table *t;
	struct score_owner o;
	const char *score, *extra;
	int64_t sort;
	uint64_t now;
	int stored;
};

static int add_fn(struct store *s, MDB_txn *txn, void *ctx)
{
	struct add_ctx *a = ctx;
	return score_add(s, txn, a->t, &a->o, a->score, a->extra, a->sort, a->now, &a->stored);
}

/* Adds one score; returns *stored, or -1 on an error. */
static int add(struct store *s, const struct table *t, char kind, uint64_t uid, const char *guest,
	       const char *score, int64_t sort)
{
	struct add_ctx a = { t, { kind, uid, guest }, score, "", sort, 1700000000000ULL + (uint64_t)sort, -1 };
	char extra[64];
	int rc;

	snprintf(extra, sizeof(extra), "x:%s", score);
	a.extra = extra;
	rc = store_write(s, add_fn, &a);
	if (rc) {
		printf("# score_add(%s, %lld) failed: %d\n", score, (long long)sort, rc);
		return -1;
	}
	return a.stored;
}

struct rank_ctx {
	const struct table *t;
	int64_t sort;
	uint64_t rank;
};

static int rank_fn(struct store *s, MDB_txn *txn, void *ctx)
{
	struct rank_ctx *r = ctx;
	return score_rank(s, txn, r->t, r->sort, &r->rank);
}

static uint64_t rank_of(struct store *s, const struct table *t, int64_t sort)
{
	struct rank_ctx r = { t, sort, 0 };
	if (store_read(s, rank_fn, &r))
		return 0;
	return r.rank;
}

struct fetch_ctx {
	const struct table *t;
	const struct score_owner *o;
	enum score_window w;
	int64_t pivot;
	size_t limit, n;
	struct score out[FETCH_MAX];
};

static int fetch_fn(struct store *s, MDB_txn *txn, void *ctx)
{
	struct fetch_ctx *f = ctx;
	return score_fetch(s, txn, f->t, f->o, f->w, f->pivot, f->limit, f->out, &f->n);
}

/* Fetches and renders the list as "score,score,..." for one comparison. */
static void fetch_str(struct store *s, const struct table *t, const struct score_owner *o, enum score_window w,
		      int64_t pivot, size_t limit, char *dst, size_t dlen)
{
	static struct fetch_ctx f;
	int rc;
	size_t len = 0;

	memset(&f, 0, sizeof(f));
	f.t = t;
	f.o = o;
	f.w = w;
	f.pivot = pivot;
	f.limit = limit;
	rc = store_read(s, fetch_fn, &f);
	dst[0] = '\0';
	if (rc) {
		snprintf(dst, dlen, "error %d", rc);
		return;
	}
	for (size_t i = 0; i < f.n; i++) {
		len += (size_t)snprintf(dst + len, dlen - len, "%s%s", i ? "," : "", f.out[i].score);
		score_free(&f.out[i]);
	}
}

#define FETCH(t, o, w, pivot, limit, want, desc)                                                                    \
	do {                                                                                                        \
		char got_[1024];                                                                                   \
		fetch_str(s, (t), (o), (w), (pivot), (limit), got_, sizeof(got_));                                \
		CHECK_EQ_STR_MSG(got_, (want), (desc));                                                            \
	} while (0)

#define RANK(t, sort, want) CHECK_EQ_U64_MSG(rank_of(s, (t), (sort)), (want), "rank of sort " #sort)

static void test_scores_desc(struct store *s)
{
	const struct table t = { .id = 1, .game = 1, .flags = 0 };
	const struct table other_game = { .id = 1, .game = 2, .flags = 0 };
	const struct score_owner ga = { 'g', 0, "alice" }, gc = { 'g', 0, "carol" }, u7 = { 'u', 7, NULL },
				 gz = { 'g', 0, "zed" }, u8 = { 'u', 8, NULL };

	check_section("scores, higher is better");
	RANK(&t, 0, 1);
	RANK(&t, INT64_MIN, 1);
	RANK(&t, INT64_MAX, 1);
	FETCH(&t, NULL, SCORE_TOP, 0, 10, "", "empty table lists nothing");

	CHECK_EQ_INT(add(s, &t, 'g', 0, "alice", "A100", 100), 1);
	CHECK_EQ_INT(add(s, &t, 'g', 0, "bob", "B50", 50), 1);
	CHECK_EQ_INT(add(s, &t, 'g', 0, "carol", "C100", 100), 1);
	CHECK_EQ_INT(add(s, &t, 'u', 7, NULL, "U200", 200), 1);
	CHECK_EQ_INT(add(s, &t, 'u', 8, NULL, "Um5", -5), 1);
	CHECK_EQ_INT(add(s, &t, 'g', 0, "alice", "A50", 50), 1);
	/* Table: U200, A100, C100, B50, A50, Um5 (ties in submission order). */

	RANK(&t, INT64_MAX, 1);
	RANK(&t, 300, 1);
	RANK(&t, 200, 1);
	RANK(&t, 199, 2);
	RANK(&t, 100, 2);
	RANK(&t, 99, 4);
	RANK(&t, 50, 4);
	RANK(&t, 49, 6);
	RANK(&t, -5, 6);
	RANK(&t, -6, 7);
	RANK(&t, INT64_MIN, 7);

	FETCH(&t, NULL, SCORE_TOP, 0, 10, "U200,A100,C100,B50,A50,Um5", "table order, ties in submission order");
	FETCH(&t, NULL, SCORE_TOP, 0, 3, "U200,A100,C100", "top 3");
	FETCH(&t, NULL, SCORE_TOP, 0, 1, "U200", "top 1");
	FETCH(&t, NULL, SCORE_BETTER_THAN, 50, 10, "U200,A100,C100", "better_than 50");
	FETCH(&t, NULL, SCORE_BETTER_THAN, 50, 2, "A100,C100", "better_than 50, limit 2: the nearest two");
	FETCH(&t, NULL, SCORE_BETTER_THAN, 50, 1, "C100", "better_than 50, limit 1: the nearest");
	FETCH(&t, NULL, SCORE_BETTER_THAN, 60, 10, "U200,A100,C100", "better_than 60");
	FETCH(&t, NULL, SCORE_BETTER_THAN, 100, 10, "U200", "better_than 100 (ties are not better)");
	FETCH(&t, NULL, SCORE_BETTER_THAN, 200, 10, "", "better_than the best");
	FETCH(&t, NULL, SCORE_BETTER_THAN, INT64_MAX, 10, "", "better_than INT64_MAX");
	FETCH(&t, NULL, SCORE_BETTER_THAN, INT64_MIN, 10, "U200,A100,C100,B50,A50,Um5", "better_than INT64_MIN");
	FETCH(&t, NULL, SCORE_BETTER_THAN, INT64_MIN, 4, "C100,B50,A50,Um5", "better_than INT64_MIN, limit 4");
	FETCH(&t, NULL, SCORE_WORSE_THAN, 100, 10, "B50,A50,Um5", "worse_than 100");
	FETCH(&t, NULL, SCORE_WORSE_THAN, 100, 2, "B50,A50", "worse_than 100, limit 2: the best two");
	FETCH(&t, NULL, SCORE_WORSE_THAN, 101, 10, "A100,C100,B50,A50,Um5", "worse_than 101");
	FETCH(&t, NULL, SCORE_WORSE_THAN, 50, 10, "Um5", "worse_than 50");
	FETCH(&t, NULL, SCORE_WORSE_THAN, -5, 10, "", "worse_than the worst");
	FETCH(&t, NULL, SCORE_WORSE_THAN, INT64_MIN, 10, "", "worse_than INT64_MIN");
	FETCH(&t, NULL, SCORE_WORSE_THAN, INT64_MAX, 10, "U200,A100,C100,B50,A50,Um5", "worse_than INT64_MAX");

	/* One owner's scores. */
	FETCH(&t, &ga, SCORE_TOP, 0, 10, "A100,A50", "guest alice");
	FETCH(&t, &gc, SCORE_TOP, 0, 10, "C100", "guest carol");
	FETCH(&t, &u7, SCORE_TOP, 0, 10, "U200", "user 7");
	FETCH(&t, &u8, SCORE_TOP, 0, 10, "Um5", "user 8");
	FETCH(&t, &gz, SCORE_TOP, 0, 10, "", "a guest without scores");
	FETCH(&t, &ga, SCORE_BETTER_THAN, 60, 10, "A100", "guest alice better_than 60");
	FETCH(&t, &ga, SCORE_WORSE_THAN, 100, 10, "A50", "guest alice worse_than 100");
	FETCH(&t, &ga, SCORE_TOP, 0, 1, "A100", "guest alice, limit 1");
	/* User 8's keys are the last ones in the index: the window starts past its end. */
	FETCH(&t, &u8, SCORE_BETTER_THAN, INT64_MIN, 10, "Um5", "user 8 better_than INT64_MIN");
	FETCH(&t, &u8, SCORE_BETTER_THAN, -6, 10, "Um5", "user 8 better_than -6");
	FETCH(&t, &u8, SCORE_BETTER_THAN, -5, 10, "", "user 8 better_than -5");
	FETCH(&t, &u7, SCORE_BETTER_THAN, INT64_MIN, 10, "U200", "user 7 better_than INT64_MIN");
	FETCH(&t, &u7, SCORE_WORSE_THAN, 300, 10, "U200", "user 7 worse_than 300");

	/* Another game's table with the same id is another table. */
	RANK(&other_game, 0, 1);
	FETCH(&other_game, NULL, SCORE_TOP, 0, 10, "", "same table id, other game: empty");

	/* Fields come back as stored. */
	{
		static struct fetch_ctx f;
		int rc;
		memset(&f, 0, sizeof(f));
		f.t = &t;
		f.w = SCORE_TOP;
		f.limit = 10;
		rc = store_read(s, fetch_fn, &f);
		CHECK_EQ_INT(rc, ARC_OK);
		CHECK_EQ_U64(f.n, 6);
		if (f.n == 6) {
			CHECK_EQ_I64(f.out[0].sort, 200);
			CHECK_EQ_U64(f.out[0].user_id, 7);
			CHECK_EQ_STR(f.out[0].guest, "");
			CHECK_EQ_STR(f.out[0].extra, "x:U200");
			CHECK_EQ_U64(f.out[0].stored_ms, 1700000000200ULL);
			CHECK_EQ_I64(f.out[1].sort, 100);
			CHECK_EQ_STR(f.out[1].guest, "alice");
			CHECK_EQ_U64(f.out[1].user_id, 0);
			CHECK_MSG(f.out[1].id < f.out[2].id, "tie: earlier id first");
			CHECK_EQ_I64(f.out[5].sort, -5);
			CHECK_EQ_U64(f.out[5].stored_ms, 1700000000000ULL - 5);
		}
		for (size_t i = 0; i < f.n; i++)
			score_free(&f.out[i]);
	}
}

static void test_scores_asc(struct store *s)
{
	const struct table t = { .id = 2, .game = 1, .flags = TABLE_ASC };

	check_section("scores, lower is better");
	RANK(&t, 10, 1);
	CHECK_EQ_INT(add(s, &t, 'g', 0, "a", "A30", 30), 1);
	CHECK_EQ_INT(add(s, &t, 'g', 0, "b", "B10", 10), 1);
	CHECK_EQ_INT(add(s, &t, 'g', 0, "c", "C20", 20), 1);
	CHECK_EQ_INT(add(s, &t, 'g', 0, "d", "D10", 10), 1);
	CHECK_EQ_INT(add(s, &t, 'u', 3, NULL, "E40", 40), 1);
	CHECK_EQ_INT(add(s, &t, 'u', 4, NULL, "Fm100", -100), 1);
	/* Table: Fm100, B10, D10, C20, A30, E40 */
	FETCH(&t, NULL, SCORE_TOP, 0, 10, "Fm100,B10,D10,C20,A30,E40", "table order, lowest first");
	RANK(&t, INT64_MIN, 1);
	RANK(&t, -100, 1);
	RANK(&t, -99, 2);
	RANK(&t, 10, 2);
	RANK(&t, 11, 4);
	RANK(&t, 20, 4);
	RANK(&t, 30, 5);
	RANK(&t, 40, 6);
	RANK(&t, 41, 7);
	RANK(&t, INT64_MAX, 7);
	FETCH(&t, NULL, SCORE_BETTER_THAN, 30, 10, "Fm100,B10,D10,C20", "better_than 30");
	FETCH(&t, NULL, SCORE_BETTER_THAN, 30, 2, "D10,C20", "better_than 30, limit 2");
	FETCH(&t, NULL, SCORE_BETTER_THAN, -100, 10, "", "better_than the best");
	FETCH(&t, NULL, SCORE_BETTER_THAN, INT64_MAX, 10, "Fm100,B10,D10,C20,A30,E40", "better_than INT64_MAX");
	FETCH(&t, NULL, SCORE_WORSE_THAN, 10, 10, "C20,A30,E40", "worse_than 10");
	FETCH(&t, NULL, SCORE_WORSE_THAN, 10, 2, "C20,A30", "worse_than 10, limit 2");
	FETCH(&t, NULL, SCORE_WORSE_THAN, 9, 10, "B10,D10,C20,A30,E40", "worse_than 9");
	FETCH(&t, NULL, SCORE_WORSE_THAN, INT64_MAX, 10, "", "worse_than INT64_MAX");
	FETCH(&t, NULL, SCORE_WORSE_THAN, INT64_MIN, 10, "Fm100,B10,D10,C20,A30,E40", "worse_than INT64_MIN");
}

static void test_scores_extremes(struct store *s)
{
	const struct table d = { .id = 5, .game = 1, .flags = 0 };
	const struct table a = { .id = 6, .game = 1, .flags = TABLE_ASC };

	check_section("scores, extreme sort values");
	CHECK_EQ_INT(add(s, &d, 'u', 1, NULL, "MAX", INT64_MAX), 1);
	CHECK_EQ_INT(add(s, &d, 'u', 1, NULL, "MIN", INT64_MIN), 1);
	CHECK_EQ_INT(add(s, &d, 'u', 1, NULL, "ZERO", 0), 1);
	FETCH(&d, NULL, SCORE_TOP, 0, 10, "MAX,ZERO,MIN", "descending");
	RANK(&d, INT64_MAX, 1);
	RANK(&d, INT64_MAX - 1, 2);
	RANK(&d, INT64_MIN, 3);
	FETCH(&d, NULL, SCORE_WORSE_THAN, INT64_MAX, 10, "ZERO,MIN", "worse_than INT64_MAX");
	FETCH(&d, NULL, SCORE_BETTER_THAN, INT64_MIN, 10, "MAX,ZERO", "better_than INT64_MIN");
	CHECK_EQ_INT(add(s, &a, 'u', 1, NULL, "MAX", INT64_MAX), 1);
	CHECK_EQ_INT(add(s, &a, 'u', 1, NULL, "MIN", INT64_MIN), 1);
	CHECK_EQ_INT(add(s, &a, 'u', 1, NULL, "ZERO", 0), 1);
	FETCH(&a, NULL, SCORE_TOP, 0, 10, "MIN,ZERO,MAX", "ascending");
	RANK(&a, INT64_MIN, 1);
	RANK(&a, INT64_MAX, 3);
	FETCH(&a, NULL, SCORE_WORSE_THAN, INT64_MIN, 10, "ZERO,MAX", "worse_than INT64_MIN");
	FETCH(&a, NULL, SCORE_BETTER_THAN, INT64_MAX, 10, "MIN,ZERO", "better_than INT64_MAX");
}

static void test_scores_unique(struct store *s)
{
	const struct table t = { .id = 3, .game = 1, .flags = TABLE_UNIQUE };
	const struct table ta = { .id = 4, .game = 1, .flags = TABLE_UNIQUE | TABLE_ASC };
	const struct score_owner ga = { 'g', 0, "alice" }, u9 = { 'u', 9, NULL };

	check_section("scores, unique table");
	CHECK_EQ_INT_MSG(add(s, &t, 'g', 0, "alice", "a50", 50), 1, "alice 50 stored");
	CHECK_EQ_INT_MSG(add(s, &t, 'g', 0, "alice", "a40", 40), 0, "alice 40: worse, not stored");
	CHECK_EQ_INT_MSG(add(s, &t, 'g', 0, "alice", "a50b", 50), 0, "alice 50 again: not strictly better");
	CHECK_EQ_INT_MSG(add(s, &t, 'g', 0, "alice", "a60", 60), 1, "alice 60: better, replaces");
	CHECK_EQ_INT_MSG(add(s, &t, 'g', 0, "bob", "b55", 55), 1, "bob 55");
	CHECK_EQ_INT_MSG(add(s, &t, 'u', 9, NULL, "u10", 10), 1, "user 9 10");
	CHECK_EQ_INT_MSG(add(s, &t, 'u', 9, NULL, "u5", 5), 0, "user 9 5: worse");
	CHECK_EQ_INT_MSG(add(s, &t, 'g', 0, "9", "g9", 1), 1, "guest \"9\" is not user 9");
	FETCH(&t, NULL, SCORE_TOP, 0, 10, "a60,b55,u10,g9", "one best score per owner");
	FETCH(&t, &ga, SCORE_TOP, 0, 10, "a60", "alice keeps only her best");
	FETCH(&t, &u9, SCORE_TOP, 0, 10, "u10", "user 9 keeps only the best");
	RANK(&t, 60, 1);
	RANK(&t, 59, 2);
	RANK(&t, 55, 2);
	RANK(&t, 54, 3);
	RANK(&t, 45, 3); /* the replaced 50 no longer counts */
	RANK(&t, 10, 3);
	RANK(&t, 9, 4);
	RANK(&t, 0, 5);

	check_section("scores, unique ascending table");
	CHECK_EQ_INT_MSG(add(s, &ta, 'g', 0, "alice", "a50", 50), 1, "alice 50");
	CHECK_EQ_INT_MSG(add(s, &ta, 'g', 0, "alice", "a60", 60), 0, "alice 60: worse when lower is better");
	CHECK_EQ_INT_MSG(add(s, &ta, 'g', 0, "alice", "a40", 40), 1, "alice 40: better, replaces");
	CHECK_EQ_INT_MSG(add(s, &ta, 'u', 9, NULL, "u45", 45), 1, "user 9 45");
	FETCH(&ta, NULL, SCORE_TOP, 0, 10, "a40,u45", "unique ascending");
	RANK(&ta, 45, 2);
	RANK(&ta, 50, 3);
}

/* Random scores with many ties: rank and order agree with brute force. */
static void test_scores_random(struct store *s)
{
	const struct table t = { .id = 7, .game = 1, .flags = 0 };
	enum { N = 400 };
	static int64_t sorts[N];
	int bad = 0;

	check_section("scores, random");
	for (int i = 0; i < N; i++) {
		char sc[32];
		sorts[i] = (int64_t)(rng() % 61) - 30;
		snprintf(sc, sizeof(sc), "%d", i);
		if (add(s, &t, 'u', (uint64_t)i, NULL, sc, sorts[i]) != 1)
			bad++;
	}
	CHECK_EQ_INT_MSG(bad, 0, "400 scores stored");
	bad = 0;
	for (int64_t q = -32; q <= 32; q++) {
		uint64_t want = 1;
		for (int i = 0; i < N; i++)
			want += sorts[i] > q;
		if (rank_of(s, &t, q) != want)
			bad++;
	}
	CHECK_EQ_INT_MSG(bad, 0, "ranks of -32..32 agree with brute force");
	{
		static struct fetch_ctx f;
		int rc, order_bad = 0;
		memset(&f, 0, sizeof(f));
		f.t = &t;
		f.w = SCORE_TOP;
		f.limit = 500;
		rc = store_read(s, fetch_fn, &f);
		CHECK_EQ_INT(rc, ARC_OK);
		CHECK_EQ_U64_MSG(f.n, FETCH_MAX, "a limit above FETCH_MAX gives FETCH_MAX");
		for (size_t i = 1; i < f.n; i++) {
			int prev = atoi(f.out[i - 1].score), cur = atoi(f.out[i].score);
			if (f.out[i - 1].sort < f.out[i].sort || (f.out[i - 1].sort == f.out[i].sort && prev > cur))
				order_bad++;
		}
		/* The top 100 are the 100 highest, ties broken by submission. */
		for (size_t i = 0; i < f.n; i++) {
			int idx = atoi(f.out[i].score);
			uint64_t better = 0;
			for (int j = 0; j < N; j++)
				better += sorts[j] > sorts[idx] || (sorts[j] == sorts[idx] && j < idx);
			if (better != i)
				order_bad++;
		}
		CHECK_EQ_INT_MSG(order_bad, 0, "top 100 in table order");
		for (size_t i = 0; i < f.n; i++)
			score_free(&f.out[i]);
	}
}

static char tmpdir[] = "/tmp/arcade-test-rank-XXXXXX";

static void rm_tmp(void)
{
	static const char *const files[] = { "data.mdb", "lock.mdb" };
	char p[256];
	for (size_t i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s/%s", tmpdir, files[i]);
		unlink(p);
	}
	CHECK_EQ_INT_MSG(rmdir(tmpdir), 0, "temp dir removed");
}

int main(void)
{
	struct store s;
	struct store_opts o = { 0 };
	int rc;

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	o.dir = tmpdir;
	o.map_size = 64u << 20;
	o.map_max = 1024u << 20;
	o.sync = 0;
	rc = store_open(&s, &o);
	CHECK_EQ_INT_MSG(rc, ARC_OK, "store_open in a temp dir");
	if (rc) {
		rm_tmp();
		return check_done();
	}
	test_rank(&s);
	test_scores_desc(&s);
	test_scores_asc(&s);
	test_scores_extremes(&s);
	test_scores_unique(&s);
	test_scores_random(&s);
	store_close(&s);
	rm_tmp();
	return check_done();
}
