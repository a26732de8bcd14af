/* teambattles: the TeamBattles game-developer API family (API-TEAMBATTLES.md). */
#ifndef ARCADE_TEAMBATTLES_H
#define ARCADE_TEAMBATTLES_H

#include "handler.h"

void tb_error(struct ctx *c, int err);

int tb_batch_scores(struct ctx *c);   /* POST /api/v1/game/matches/batch-scores */
int tb_map_score(struct ctx *c);      /* POST /api/v1/game/matches/{id}/scores/{mapIndex} */
int tb_match_scores(struct ctx *c);   /* POST /api/v1/game/matches/{id}/scores */
int tb_get_scores(struct ctx *c);     /* GET  /api/v1/game/matches/{id}/scores */
int tb_player_stats(struct ctx *c);   /* POST /api/v1/game/matches/{id}/player-stats */
int tb_list_matches(struct ctx *c);   /* POST /api/v1/game/matches */
int tb_set_status(struct ctx *c);     /* PATCH /api/v1/game/matches/{id}/status */
int tb_image_url(struct ctx *c);      /* POST /api/v1/uploads/image-url */
int tb_upload(struct ctx *c);         /* POST /api/v1/uploads/{token} (the single-use URL) */
#endif
