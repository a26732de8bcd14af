/* handler: what every endpoint handler receives. A handler parses and
 * validates its input, authenticates, runs one transaction, and fills the
 * response; it returns 0, or an ARC_E* value that the family's error writer
 * turns into its wire format. */
#ifndef ARCADE_HANDLER_H
#define ARCADE_HANDLER_H

#include "conf.h"
#include "ratelimit.h"
#include "request.h"
#include "response.h"
#include "store.h"

struct ctx {
	struct req *req;
	struct resp *resp;
	struct store *store;
	const struct arcade_config *cfg;
	uint64_t now_ms;
	struct rl *rl;          /* the limits env; NULL: limits not enforced */
	struct rl_note rl_note; /* this request's charges, for the headers */
	/* Game Jolt batch: sub-requests append their results here instead of
	 * writing a response, and were signed as part of the batch of game
	 * gj_batch_game (gamejolt batch, gj_batch.c). */
	struct json_object *gj_collect;
	uint64_t gj_batch_game;
};

typedef int (*handler_fn)(struct ctx *c);
#endif
