/* meshmap: the MeshMap app API family (API-MESHMAP.md, docs/meshmap.md):
 * game sessions and their players, players, mini-game types, global
 * leaderboards, for apps authenticated by an x-app-api-key. */
#ifndef ARCADE_MESHMAP_H
#define ARCADE_MESHMAP_H

#include "handler.h"

void mm_error(struct ctx *c, int err);

int mm_get_sessions(struct ctx *c);
int mm_post_sessions(struct ctx *c);
int mm_get_session(struct ctx *c);
int mm_patch_session(struct ctx *c);
int mm_get_session_players(struct ctx *c);
int mm_post_session_players(struct ctx *c);
int mm_patch_session_player(struct ctx *c);
int mm_get_players(struct ctx *c);
int mm_post_players(struct ctx *c);
int mm_get_types(struct ctx *c);
int mm_post_types(struct ctx *c);
int mm_get_leaderboards(struct ctx *c);
#endif
