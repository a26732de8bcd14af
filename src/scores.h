/* scores: Game Jolt score tables in the store (schema 2).
 *   rec 'S' game table image id              -> sort, stored, user id, score, extra, guest
 *   idx 'W' game table owner image id        -> (one owner's scores, same order)
 *   cnt 'C' game table 0                     -> the table's last score id
 *   cnt 'C' game table level nibbles         -> rank counters (rank.h)
 * "image" is key_sort_image(sort, descending): smaller is better in both
 * table orders, so one ordering serves both; the records themselves are in
 * table order (best first, ties by id), so a listing walks them and an
 * added score writes two trees, not three. Ids grow, so equal sorts keep
 * submission order. */
#ifndef ARCADE_SCORES_H
#define ARCADE_SCORES_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>
#include "games.h"
#include "store.h"

#define SCORE_MAX_BYTES 255
#define EXTRA_MAX_BYTES 16384
#define FETCH_MAX 100

struct score {
	uint64_t id;
	int64_t sort;
	uint64_t stored_ms;
	uint64_t user_id;
	char *score, *extra, *guest; /* one allocation, owned by score */
	char *user; /* filled by the caller that resolves user_id */
};

/* Who a score belongs to: a user (by id) or a guest (by name). */
struct score_owner {
	char kind; /* 'u', 'g', or 0 for none */
	uint64_t user_id;
	const char *guest;
};

enum score_window { SCORE_TOP, SCORE_BETTER_THAN, SCORE_WORSE_THAN };

/* *stored is 0 when a unique table already holds a score at least as good. */
int score_add(struct store *s, MDB_txn *txn, const struct table *t, const struct score_owner *o,
	      const char *score, const char *extra, int64_t sort, uint64_t now_ms, int *stored);
/* Up to limit scores in table order; owner NULL for everyone's. */
int score_fetch(struct store *s, MDB_txn *txn, const struct table *t, const struct score_owner *o,
		enum score_window w, int64_t pivot, size_t limit, struct score *out, size_t *n);
/* 1 + the number of scores strictly better than sort. */
int score_rank(struct store *s, MDB_txn *txn, const struct table *t, int64_t sort, uint64_t *rank);
void score_free(struct score *sc);
/* The upgrade from schema 1 (upgrade.c): moves every score's record to
 * its schema-2 key, in the caller's write transaction; nothing to do once
 * score_schema_1_left finds no schema-1 order entry. */
int score_schema_2(struct store *s, MDB_txn *txn);
int score_schema_1_left(struct store *s, MDB_txn *txn, int *left);
#endif
