/* gamejolt: the Game Jolt Game API family (API-GAMEJOLT.md). */
#ifndef ARCADE_GAMEJOLT_H
#define ARCADE_GAMEJOLT_H

#include "handler.h"

void gj_error(struct ctx *c, int err);
int gj_users_auth(struct ctx *c);
int gj_scores_add(struct ctx *c);
int gj_scores_fetch(struct ctx *c);
int gj_scores_tables(struct ctx *c);
int gj_scores_rank(struct ctx *c);
#endif
