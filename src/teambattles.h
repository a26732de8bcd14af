/* teambattles: the TeamBattles game-developer API family (API-TEAMBATTLES.md). */
#ifndef ARCADE_TEAMBATTLES_H
#define ARCADE_TEAMBATTLES_H

#include "handler.h"

void tb_error(struct ctx *c, int err);
#endif
