/* matches: TeamBattles teams, matches and map scores in the store. Every
 * record key starts with its entity byte and the owning game's id, so a
 * lookup made with one game's id can never find another game's record.
 *   rec 'B' game team            -> name, tag, created
 *   rec 'M' game match           -> teams, bestOf, status, mode, times
 *   rec 'L' game match mapIndex  -> status, mapId, scores, stats, screenshots, times
 *   idx 'J' game status match    -> (empty): a game's matches by status
 *   idx 'I' match                -> game: finds a match by id alone (arcadectl) */
#ifndef ARCADE_MATCHES_H
#define ARCADE_MATCHES_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>
#include "store.h"

#define TB_MAX_BEST_OF 7
#define TB_SCORE_MAX 1000
#define TB_TAG_MAX_BYTES 16
#define TB_ID_MAX_DIGITS 19

enum tb_status {
	TBS_PENDING, TBS_ACCEPTED, TBS_READY, TBS_IN_PROGRESS, TBS_COMPLETED, TBS_CANCELLED, TBS_DISPUTED,
	TBS_FORFEITED, TBS__COUNT
};

enum tb_map_status { TBM_PENDING = 0, TBM_CONFIRMED = 1 };

struct tb_team {
	uint64_t id, game;
	char *name, *tag; /* tag "" when none */
	uint64_t created_ms;
};

struct tb_match {
	uint64_t id, game, creator, opponent;
	unsigned best_of;
	int status;
	char *game_mode; /* "" when none */
	uint64_t scheduled_ms, started_ms, completed_ms, created_ms, updated_ms; /* 0: not yet */
};

struct tb_map {
	uint64_t game, match;
	unsigned index;
	int status;
	char *map_id;        /* "" when a captain gave none */
	unsigned creator_score, opponent_score;
	char *player_stats;  /* JSON object text, "" when none */
	char *urls;          /* JSON array text of screenshot URLs, "" when none */
	char *storage_ids;   /* JSON array text of storage ids, "" when none */
	uint64_t submitted_ms, confirmed_ms;
};

const char *tb_status_name(int status);
/* The status named exactly s, or -1. */
int tb_status_parse(const char *s);
/* A match or team id as text: 1 to 19 decimal digits, no leading zero, not
 * zero. 0 and *out set, or -1 (callers answer "not found"). */
int tb_id_parse(const char *s, size_t n, uint64_t *out);

int tb_team_create(struct store *s, MDB_txn *txn, struct tb_team *t);
int tb_team_get(struct store *s, MDB_txn *txn, uint64_t game, uint64_t id, struct tb_team *out);
void tb_team_free(struct tb_team *t);

/* Both teams must belong to m->game; sets m->id. */
int tb_match_create(struct store *s, MDB_txn *txn, struct tb_match *m);
int tb_match_get(struct store *s, MDB_txn *txn, uint64_t game, uint64_t id, struct tb_match *out);
/* Writes m; old_status is the status it had when read (keeps the index). */
int tb_match_put(struct store *s, MDB_txn *txn, const struct tb_match *m, int old_status);
/* The game a match belongs to (ARC_ENOENT if none). */
int tb_match_game(struct store *s, MDB_txn *txn, uint64_t id, uint64_t *game);
/* Up to max ids of a game's matches below `before` (0: from the newest),
 * newest first, optionally only those with a status (-1: any). */
int tb_match_ids(struct store *s, MDB_txn *txn, uint64_t game, int status, uint64_t before, uint64_t *ids,
		 size_t max, size_t *n);
/* Maps won by each side among the confirmed maps (strictly higher score). */
int tb_match_series(struct store *s, MDB_txn *txn, uint64_t game, uint64_t match, unsigned *creator_wins,
		    unsigned *opponent_wins);

int tb_map_get(struct store *s, MDB_txn *txn, uint64_t game, uint64_t match, unsigned index, struct tb_map *out);
/* Only a map score's status (PENDING or CONFIRMED), nothing copied. */
int tb_map_status(struct store *s, MDB_txn *txn, uint64_t game, uint64_t match, unsigned index, int *status);
int tb_map_put(struct store *s, MDB_txn *txn, const struct tb_map *m);
/* Puts m unless the stored map score of its match and index is confirmed;
 * *was is the stored one's status before (-1: there was none). Returns 0
 * in both cases: the caller must look at *was, since nothing is written
 * when it is TBM_CONFIRMED. A new map takes one look-up, where
 * tb_map_status and then tb_map_put take two. */
int tb_map_confirm(struct store *s, MDB_txn *txn, const struct tb_map *m, int *was);
/* Every map score of a match, in mapIndex order. */
int tb_map_each(struct store *s, MDB_txn *txn, uint64_t game, uint64_t match,
		int (*fn)(const struct tb_map *m, void *ctx), void *ctx);
void tb_map_free(struct tb_map *m);
#endif
