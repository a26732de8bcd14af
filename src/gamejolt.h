/* gamejolt: the Game Jolt Game API family (API-GAMEJOLT.md): its handlers,
 * spread over gj_scores.c, gj_users.c, gj_trophies.c, gj_datastore.c and
 * gj_batch.c, and the records only this family has, which arcadectl makes. */
#ifndef ARCADE_GAMEJOLT_H
#define ARCADE_GAMEJOLT_H

#include <lmdb.h>
#include "handler.h"

void gj_error(struct ctx *c, int err);

int gj_users_fetch(struct ctx *c);
int gj_users_auth(struct ctx *c);
int gj_sessions_open(struct ctx *c);
int gj_sessions_ping(struct ctx *c);
int gj_sessions_check(struct ctx *c);
int gj_sessions_close(struct ctx *c);
int gj_friends(struct ctx *c);
int gj_time(struct ctx *c);
int gj_scores_add(struct ctx *c);
int gj_scores_fetch(struct ctx *c);
int gj_scores_tables(struct ctx *c);
int gj_scores_rank(struct ctx *c);
int gj_trophies_fetch(struct ctx *c);
int gj_trophies_add(struct ctx *c);
int gj_trophies_remove(struct ctx *c);
int gj_ds_fetch(struct ctx *c);
int gj_ds_set(struct ctx *c);
int gj_ds_update(struct ctx *c);
int gj_ds_remove(struct ctx *c);
int gj_ds_keys(struct ctx *c);
int gj_batch(struct ctx *c);

/* bronze, silver, gold, platinum (any case) -> 1..4, else -1. */
int trophy_difficulty_parse(const char *s);
int trophy_create(struct store *s, MDB_txn *txn, uint64_t game, const char *title, const char *description,
		  int difficulty, const char *image_url, uint64_t now_ms, uint64_t *id);
/* Makes two players of a game friends of each other. */
int friend_add(struct store *s, MDB_txn *txn, uint64_t game, uint64_t a, uint64_t b);
#endif
