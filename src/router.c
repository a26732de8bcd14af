/* router: the route table of all three API families. */
#include "config.h"
#include "router.h"
#include "errors.h"
#include "gamejolt.h"
#include "meshmap.h"
#include "teambattles.h"

#include <string.h>

static void none_error(struct ctx *c, int err);

static const struct family_info families[] = {
	{ FAM_GAMEJOLT, "gamejolt", "/api/game/", "GET, POST, OPTIONS", gj_error },
	/* MeshMap's prefix lies inside TeamBattles': it must come first. */
	{ FAM_MESHMAP, "meshmap", "/api/v1/apps/", "GET, POST, PATCH, OPTIONS", mm_error },
	{ FAM_TEAMBATTLES, "teambattles", "/api/v1/", "GET, POST, PATCH, OPTIONS", tb_error },
	{ FAM_NONE, "none", "/", "GET, POST, PATCH, OPTIONS", none_error },
};

#define GJ(path, fn) { FAM_GAMEJOLT, M_GET | M_POST, "/api/game/*/" path, fn }

static const struct route routes[] = {
	GJ("users", gj_users_fetch),
	GJ("users/auth", gj_users_auth),
	GJ("sessions/open", gj_sessions_open),
	GJ("sessions/ping", gj_sessions_ping),
	GJ("sessions/check", gj_sessions_check),
	GJ("sessions/close", gj_sessions_close),
	GJ("friends", gj_friends),
	GJ("time", gj_time),
	GJ("get-time", gj_time),
	GJ("scores/add", gj_scores_add),
	GJ("scores", gj_scores_fetch),
	GJ("scores/fetch", gj_scores_fetch),
	GJ("scores/tables", gj_scores_tables),
	GJ("scores/get-rank", gj_scores_rank),
	GJ("trophies", gj_trophies_fetch),
	GJ("trophies/add-achieved", gj_trophies_add),
	GJ("trophies/add_achieved", gj_trophies_add),
	GJ("trophies/remove-achieved", gj_trophies_remove),
	GJ("trophies/remove_achieved", gj_trophies_remove),
	GJ("data-store", gj_ds_fetch),
	GJ("data-store/set", gj_ds_set),
	GJ("data-store/update", gj_ds_update),
	GJ("data-store/remove", gj_ds_remove),
	GJ("data-store/get-keys", gj_ds_keys),
	GJ("batch", gj_batch),
	/* TeamBattles routes (teambattles.c) */
	{ FAM_TEAMBATTLES, M_POST, "/api/v1/game/matches", tb_list_matches },
	{ FAM_TEAMBATTLES, M_POST, "/api/v1/game/matches/batch-scores", tb_batch_scores },
	{ FAM_TEAMBATTLES, M_GET, "/api/v1/game/matches/*/scores", tb_get_scores },
	{ FAM_TEAMBATTLES, M_POST, "/api/v1/game/matches/*/scores", tb_match_scores },
	{ FAM_TEAMBATTLES, M_POST, "/api/v1/game/matches/*/scores/*", tb_map_score },
	{ FAM_TEAMBATTLES, M_POST, "/api/v1/game/matches/*/player-stats", tb_player_stats },
	{ FAM_TEAMBATTLES, M_PATCH, "/api/v1/game/matches/*/status", tb_set_status },
	/* image-url before the single-use upload URLs it hands out */
	{ FAM_TEAMBATTLES, M_POST, "/api/v1/uploads/image-url", tb_image_url },
	{ FAM_TEAMBATTLES, M_POST | ROUTE_UPLOAD, "/api/v1/uploads/*", tb_upload },
	/* MeshMap routes (meshmap.c) */
	{ FAM_MESHMAP, M_GET, "/api/v1/apps/game-sessions", mm_get_sessions },
	{ FAM_MESHMAP, M_POST, "/api/v1/apps/game-sessions", mm_post_sessions },
	{ FAM_MESHMAP, M_GET, "/api/v1/apps/game-sessions/*", mm_get_session },
	{ FAM_MESHMAP, M_PATCH, "/api/v1/apps/game-sessions/*", mm_patch_session },
	{ FAM_MESHMAP, M_GET, "/api/v1/apps/game-sessions/*/players", mm_get_session_players },
	{ FAM_MESHMAP, M_POST, "/api/v1/apps/game-sessions/*/players", mm_post_session_players },
	{ FAM_MESHMAP, M_PATCH, "/api/v1/apps/game-sessions/*/players/*", mm_patch_session_player },
	{ FAM_MESHMAP, M_GET, "/api/v1/apps/players", mm_get_players },
	{ FAM_MESHMAP, M_POST, "/api/v1/apps/players", mm_post_players },
	{ FAM_MESHMAP, M_GET, "/api/v1/apps/minigame-types", mm_get_types },
	{ FAM_MESHMAP, M_POST, "/api/v1/apps/minigame-types", mm_post_types },
	{ FAM_MESHMAP, M_GET, "/api/v1/apps/global-leaderboards", mm_get_leaderboards },
};

/* Capability URLs: the path segment after the prefix is the credential
 * (TeamBattles upload URLs), unless it is a route of its own. */
static const struct {
	const char *prefix;
	const char *not_token;
} router_capabilities[] = {
	{ "/api/v1/uploads/", "image-url" },
};

size_t router_log_len(const char *path)
{
	size_t n = strlen(path);

	for (size_t i = 0; i < sizeof(router_capabilities) / sizeof(router_capabilities[0]); i++) {
		size_t pl = strlen(router_capabilities[i].prefix);
		const char *seg = path + pl, *own = router_capabilities[i].not_token;
		size_t ol = strlen(own);

		if (strncmp(path, router_capabilities[i].prefix, pl) != 0 ||
		    (strncmp(seg, own, ol) == 0 && (seg[ol] == '\0' || seg[ol] == '/')))
			continue;
		if (n > pl + ROUTER_LOG_TOKEN_SHOWN)
			return pl + ROUTER_LOG_TOKEN_SHOWN;
	}
	return n;
}

/* Outside every family: a bare JSON error. */
static void none_error(struct ctx *c, int err)
{
	const struct arc_err_info *e = arc_err_info(err);
	c->resp->status = e->status;
	c->resp->ctype = "application/json";
	buf_printf(&c->resp->body, "{\"error\":\"%s\"}", e->code);
}

const struct family_info *router_family(const char *path)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (strncmp(path, families[i].prefix, strlen(families[i].prefix)) == 0)
			return &families[i];
	return &families[sizeof(families) / sizeof(families[0]) - 1];
}

int router_path_match(const char *pattern, const char *path, struct req *r)
{
	const char *p = pattern, *s = path;

	r->ncaps = 0;
	while (*p && *s) {
		if (*p == '*') {
			size_t seg = strcspn(s, "/");
			if (seg == 0 || r->ncaps == REQ_MAX_CAPS)
				return 0;
			r->caps[r->ncaps++] = s; /* raw: the caller copies up to '/' */
			s += seg;
			p++;
		} else if (*p++ != *s++) {
			return 0;
		}
	}
	/* One trailing slash is optional. */
	if (*s == '/' && s[1] == '\0')
		s++;
	return *p == '\0' && *s == '\0';
}

int router_match(struct req *r, const struct route **out)
{
	int path_seen = 0;

	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (!router_path_match(routes[i].pattern, r->path, r))
			continue;
		if (routes[i].methods & r->method_id) {
			*out = &routes[i];
			return 0;
		}
		path_seen = 1;
	}
	r->ncaps = 0;
	return path_seen ? ARC_EMETHOD : ARC_ENOROUTE;
}
