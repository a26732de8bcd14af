/* meshmap: the MeshMap app API family (API-MESHMAP.md). */
#ifndef ARCADE_MESHMAP_H
#define ARCADE_MESHMAP_H

#include "handler.h"

void mm_error(struct ctx *c, int err);
#endif
