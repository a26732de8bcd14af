/* load: puts benchmark data straight into a stopped arcade data directory
 * through the same store functions the server uses (so indexes and rank
 * counters are exactly what the API would have written), in large
 * transactions. Linked against libarcade.a by bench/run.sh.
 *
 *   load scores DIR GAME TABLE N        N guest scores (1,000 guests), sorts spread over 0..999,999,999
 *   load matches DIR GAME TEAM1 TEAM2 N N READY best-of-7 matches; prints the first id
 *
 * The import scenario does not use this: it times `arcadectl import`. */
#include "config.h"
#include "errors.h"
#include "games.h"
#include "matches.h"
#include "scores.h"
#include "store.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PER_TXN 20000

struct job {
	uint64_t game, table, a, b;
	uint64_t done, n, first;
	uint64_t rng;
};

/* xorshift64*: the same data on every run. */
static uint64_t rnd(struct job *j)
{
	j->rng ^= j->rng >> 12;
	j->rng ^= j->rng << 25;
	j->rng ^= j->rng >> 27;
	return j->rng * 2685821657736338717ULL;
}

static int scores_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct job *j = arg;
	struct table t;
	uint64_t now = util_now_ms();
	int rc = table_get(s, txn, j->game, j->table, &t);

	if (rc)
		return rc;
	for (uint64_t i = 0; i < PER_TXN && j->done + i < j->n; i++) {
		char guest[32], score[32];
		struct score_owner o = { 'g', 0, guest };
		/* Ascending sorts (with jitter) spread over 0..999,999,999: inserts
		 * then land near each other in every index, so a transaction
		 * rewrites a few hundred pages, not most of the database. */
		uint64_t k = j->done + i;
		int64_t sort = (int64_t)(k * (1000000000 / j->n) + rnd(j) % (1000000000 / j->n));
		int stored;

		snprintf(guest, sizeof(guest), "guest%llu", (unsigned long long)(k % 1000));
		snprintf(score, sizeof(score), "%lld points", (long long)sort);
		if ((rc = score_add(s, txn, &t, &o, score, "", sort, now, &stored)))
			break;
	}
	table_free(&t);
	return rc;
}

static int matches_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct job *j = arg;
	uint64_t now = util_now_ms();
	int rc = 0;

	for (uint64_t i = 0; i < PER_TXN && j->done + i < j->n; i++) {
		struct tb_match m;
		memset(&m, 0, sizeof(m));
		m.game = j->game;
		m.creator = j->a;
		m.opponent = j->b;
		m.best_of = 7;
		m.status = TBS_READY;
		m.game_mode = "";
		m.created_ms = m.updated_ms = now;
		if ((rc = tb_match_create(s, txn, &m)))
			break;
		if (!j->first)
			j->first = m.id;
	}
	return rc;
}

static int run(const char *dir, store_fn fn, struct job *j)
{
	struct store s;
	struct store_opts o = { dir, (size_t)1 << 30, (size_t)64 << 30, 0, 0 };
	int rc;

	if (store_open(&s, &o))
		return 1;
	for (j->done = 0; j->done < j->n; j->done += PER_TXN)
		if ((rc = store_write(&s, fn, j))) {
			fprintf(stderr, "load: %s\n", arc_err_info(rc)->text);
			store_close(&s);
			return 1;
		}
	/* Loaded without syncing each transaction: one sync at the end. */
	mdb_env_sync(s.env, 1);
	store_close(&s);
	return 0;
}

int main(int argc, char **argv)
{
	struct job j;

	memset(&j, 0, sizeof(j));
	j.rng = 0x9e3779b97f4a7c15ULL;
	if (argc == 6 && strcmp(argv[1], "scores") == 0) {
		j.game = strtoull(argv[3], NULL, 10);
		j.table = strtoull(argv[4], NULL, 10);
		j.n = strtoull(argv[5], NULL, 10);
		return run(argv[2], scores_txn, &j);
	}
	if (argc == 7 && strcmp(argv[1], "matches") == 0) {
		j.game = strtoull(argv[3], NULL, 10);
		j.a = strtoull(argv[4], NULL, 10);
		j.b = strtoull(argv[5], NULL, 10);
		j.n = strtoull(argv[6], NULL, 10);
		if (run(argv[2], matches_txn, &j))
			return 1;
		printf("%llu\n", (unsigned long long)j.first);
		return 0;
	}
	fprintf(stderr, "usage: load scores DIR GAME TABLE N | load matches DIR GAME TEAM1 TEAM2 N\n");
	return 2;
}
