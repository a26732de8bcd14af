/* mm_store: MeshMap's own records in the store — mini-game types, game
 * sessions, the players registered in a session, and the orderings that
 * make a session's board and a type's global leaderboard bounded range
 * scans. Players themselves are the game's players (games.h).
 *   rec 'y' game type                              -> flags, name, description, image url, created
 *   idx 'z' game name                              -> type id
 *   rec 'e' game session                           -> flags, name, description, status, type,
 *                                                     start, end, created, updated, player count
 *   idx 'f' game status session                    -> (sessions by status)
 *   idx 'g' game type session                      -> (sessions by mini-game type)
 *   rec 'j' game session player                    -> score, created, updated
 *   idx 'k' game session img updated player        -> (a session's board, best first)
 *   idx 'u' game type player img updated session   -> (a player's session scores in a type)
 *   idx 'x' game type img updated player           -> session id (each player's best in a type)
 * "img" is the score's order image (best = smallest); ties go to whoever
 * reached the score first (updated), then to the smaller id. */
#ifndef ARCADE_MM_STORE_H
#define ARCADE_MM_STORE_H

#include <lmdb.h>
#include <stdint.h>
#include "store.h"

enum mm_status { MM_ACTIVE = 0, MM_COMPLETED = 1 };

/* A callback's "stop here, no error" (ARC_E* values are positive). */
#define MM_STOP (-1)

struct mm_type {
	uint64_t id, game;
	char *name;
	char *description, *image_url; /* NULL: JSON null */
	uint64_t created_ms;
};

struct mm_session {
	uint64_t id, game;
	char *name, *description; /* NULL: JSON null */
	int status;
	uint64_t type;            /* 0: no mini-game type */
	uint64_t start_ms, end_ms; /* end 0: not ended */
	uint64_t created_ms, updated_ms;
	uint64_t player_count;
};

struct mm_splayer {
	uint64_t session, player;
	double score;
	uint64_t created_ms, updated_ms;
};

/* Sets t->id. ARC_EEXIST when the game has a type of that exact name. */
int mm_type_create(struct store *s, MDB_txn *txn, struct mm_type *t);
int mm_type_get(struct store *s, MDB_txn *txn, uint64_t game, uint64_t id, struct mm_type *out);
int mm_type_find(struct store *s, MDB_txn *txn, uint64_t game, const char *name, struct mm_type *out);
/* Every type of a game in id order; fn returns 0 to go on, MM_STOP or an error to stop. */
int mm_type_each(struct store *s, MDB_txn *txn, uint64_t game, int (*fn)(const struct mm_type *t, void *ctx),
		 void *ctx);
void mm_type_free(struct mm_type *t);

/* Sets ses->id and writes the session with its indexes. */
int mm_session_create(struct store *s, MDB_txn *txn, struct mm_session *ses);
int mm_session_get(struct store *s, MDB_txn *txn, uint64_t game, uint64_t id, struct mm_session *out);
/* Rewrites a session; old_status is what its status index says now. */
int mm_session_update(struct store *s, MDB_txn *txn, const struct mm_session *ses, int old_status);
/* Sessions newest first, ids strictly below `below` (0: from the newest),
 * only of `status` (-1: any) and `type` (0: any). fn as for mm_type_each. */
int mm_session_list(struct store *s, MDB_txn *txn, uint64_t game, int status, uint64_t type, uint64_t below,
		    int (*fn)(const struct mm_session *ses, void *ctx), void *ctx);
void mm_session_free(struct mm_session *ses);

int mm_sp_get(struct store *s, MDB_txn *txn, uint64_t game, uint64_t session, uint64_t player,
	      struct mm_splayer *out);
/* Registers a player (score 0) and counts it in ses (rewritten).
 * ARC_EEXIST when already registered. */
int mm_sp_register(struct store *s, MDB_txn *txn, struct mm_session *ses, uint64_t player, uint64_t now_ms,
		   struct mm_splayer *out);
/* Sets sp's score, moving it in the session's board and, for a typed
 * session, in the player's best for the type. */
int mm_sp_set_score(struct store *s, MDB_txn *txn, const struct mm_session *ses, struct mm_splayer *sp,
		    double score, uint64_t now_ms);
/* A session's players, best score first. */
int mm_sp_each(struct store *s, MDB_txn *txn, uint64_t game, uint64_t session,
	       int (*fn)(const struct mm_splayer *sp, void *ctx), void *ctx);
/* Up to limit players of a type's global leaderboard, best first, each with
 * the session entry that holds their best score. */
int mm_board_each(struct store *s, MDB_txn *txn, uint64_t game, uint64_t type, size_t limit,
		  int (*fn)(const struct mm_splayer *sp, void *ctx), void *ctx);

/* The order image of a score: higher scores get smaller images. */
uint64_t mm_score_img(double score);
#endif
