/* gj_batch: Game Jolt batch/. Each of up to 50 `requests[]` is a relative
 * URL ("/scores/?game_id=1&limit=10&signature=...") signed over that
 * relative URL alone. Sub-requests run one after another through the same
 * handlers; their answers are collected into `responses` instead of being
 * written. They are charged to the rate buckets as the one batch call.
 * `parallel` is accepted and means nothing more here: the results are the
 * same, in the same order, as a serial run. */
#include "config.h"
#include "gamejolt.h"
#include "errors.h"
#include "gj_core.h"
#include "gj_sig.h"
#include "router.h"
#include "util.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_MAX 50

static void gj_batch_fail(struct ctx *c, const char *msg)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "success", gj_str("false"));
	json_object_object_add(o, "message", gj_str(msg));
	json_object_array_add(c->gj_collect, o);
}

/* Runs one sub-request URL; its answer is appended to c->gj_collect. */
static void gj_batch_one(struct ctx *c, const struct gj_call *g, const char *url)
{
	struct req sub;
	struct resp resp;
	struct ctx sc = *c;
	const struct route *route = NULL;
	char *bare, *sig;
	const char *sep;
	struct buf path;
	int rc;

	if (url[0] != '/') {
		gj_batch_fail(c, gj_message(GJM_UNKNOWN_ENDPOINT));
		return;
	}
	gj_sig_strip(url, &bare, &sig);
	if (!sig || !*sig || !gj_sig_match(bare, strlen(bare), g->game.private_key, sig)) {
		gj_batch_fail(c, gj_message(sig && *sig ? GJM_BAD_SIGNATURE : GJM_NO_SIGNATURE));
		free(bare);
		free(sig);
		return;
	}
	free(sig);
	/* The sub-request is served as if it came in under this API version. */
	memset(&sub, 0, sizeof(sub));
	sub.envp = c->req->envp;
	sub.method = "GET";
	sub.method_id = M_GET;
	sub.host = c->req->host;
	sub.scheme = c->req->scheme;
	sub.remote_addr = c->req->remote_addr;
	sub.content_type = "";
	sep = bare + strcspn(bare, "?&");
	buf_init(&path);
	/* "/api/game/{version}": the route's one capture is the version. */
	buf_add(&path, c->req->path, (size_t)(c->req->caps[0] - c->req->path) + strcspn(c->req->caps[0], "/"));
	buf_add(&path, bare, (size_t)(sep - bare));
	sub.path = buf_detach(&path);
	sub.uri = xstrdup(bare);
	sub.query = xstrdup(*sep ? sep + 1 : "");
	free(bare);
	resp_init(&resp);
	sc.req = &sub;
	sc.resp = &resp;
	rc = req_parse_params(&sub);
	if (rc == 0)
		rc = router_match(&sub, &route);
	if (rc == 0 && route->family != FAM_GAMEJOLT)
		rc = ARC_ENOROUTE;
	if (rc == 0 && route->fn == gj_batch)
		gj_batch_fail(c, gj_message(GJM_BATCH_NESTED));
	else if (rc == 0)
		rc = route->fn(&sc);
	if (rc)
		gj_error(&sc, rc);
	resp_free(&resp);
	req_free(&sub);
}

/* `requests[]` (or `requests`) values, in order. */
static size_t gj_batch_urls(const struct req *r, const char **urls, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nparams; i++)
		if (strcmp(r->params[i].key, "requests[]") == 0 || strcmp(r->params[i].key, "requests") == 0) {
			if (n < max)
				urls[n] = r->params[i].val;
			n++;
		}
	return n;
}

static int gj_batch_last_failed(struct json_object *list)
{
	size_t n = json_object_array_length(list);
	struct json_object *last = n ? json_object_array_get_idx(list, n - 1) : NULL, *ok;
	return last && json_object_object_get_ex(last, "success", &ok) &&
	       strcmp(json_object_get_string(ok), "true") != 0;
}

int gj_batch(struct ctx *c)
{
	struct gj_call g;
	const char *urls[BATCH_MAX];
	size_t n;
	int rc, brk;

	if (gj_begin(c, &g, &rc))
		return rc;
	n = gj_batch_urls(c->req, urls, BATCH_MAX);
	brk = *gj_param(&g, "break_on_error") && strcmp(gj_param(&g, "break_on_error"), "false") != 0;
	if (g.fmt == GJ_DUMP)
		rc = gj_fail(&g, GJM_BATCH_DUMP);
	else if (n == 0)
		rc = gj_fail(&g, GJM_BATCH_NONE);
	else if (n > BATCH_MAX)
		rc = gj_fail(&g, GJM_BATCH_MANY);
	else if (brk && *gj_param(&g, "parallel") && strcmp(gj_param(&g, "parallel"), "false") != 0)
		rc = gj_fail(&g, GJM_BATCH_PAR_BREAK);
	else {
		struct json_object *data = json_object_new_object(), *list = json_object_new_array();
		c->gj_collect = list;
		c->gj_batch_game = g.game.id;
		for (size_t i = 0; i < n; i++) {
			gj_batch_one(c, &g, urls[i]);
			if (brk && gj_batch_last_failed(list))
				break;
		}
		c->gj_collect = NULL;
		json_object_object_add(data, "responses", list);
		gj_ok(&g, data);
	}
	gj_end(&g);
	return rc;
}
