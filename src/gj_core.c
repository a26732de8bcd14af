/* gj_core: shared Game Jolt plumbing (see gj_core.h). */
#include "config.h"
#include "gj_core.h"
#include "gamejolt.h"
#include "errors.h"
#include "gj_sig.h"
#include "ratelimit.h"
#include "util.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Byte for byte: clients compare some of these. The first block is Game
 * Jolt's own wording (spec/000, API-GAMEJOLT.md); the rest is arcade's
 * where Game Jolt documents none (docs/gamejolt.md lists them). */
static const char *const gj_msgs[GJM__COUNT] = {
	[GJM_NO_SIGNATURE] = "You must enter a signature with your request.",
	[GJM_BAD_SIGNATURE] = "The signature you entered for the request is invalid.",
	[GJM_BAD_GAME] = "The game ID you passed in does not point to a valid game.",
	[GJM_NO_USER] = "No such user with the credentials passed in could be found.",
	[GJM_BAD_TABLE] = "The high score table ID you passed in does not belong to this game or has been deleted.",
	[GJM_USER_XOR_GUEST] = "'username' and 'guest' are mutually exclusive",
	[GJM_BETTER_XOR_WORSE] = "'better-than' and 'worse-than' are mutually exclusive",
	[GJM_NO_RANK] = "Could not get a rank for the parameters you entered.",
	[GJM_GUESTS_DENIED] = "Guests are not allowed to enter scores for this game.",
	[GJM_NO_OWNER] = "You must pass in a user/guest for this score.",
	[GJM_NO_SCORE] = "You must enter a score.",
	[GJM_NO_SORT] = "You must enter a sort value for this score, and it must be numeric.",
	[GJM_ADD_FAILED] = "Unknown error has occured",
	[GJM_WINDOW_NUMERIC] = "'better_than' and 'worse_than' must be numeric.",
	[GJM_SCORE_LONG] = "The score you entered is too long (at most 255 bytes).",
	[GJM_EXTRA_LONG] = "The extra data you entered is too long (at most 16384 bytes).",
	[GJM_GUEST_NAME] = "The guest name must be 1 to 100 characters without control characters.",
	[GJM_USERS_NONE] = "You must pass in a username or user_id.",
	[GJM_USER_NOT_FOUND] = "No such user could be found.",
	[GJM_NO_SESSION] = "There is no open session for this user.",
	[GJM_BAD_STATUS] = "The status must be active or idle.",
	[GJM_NEED_TROPHY] = "You must pass in a trophy ID.",
	[GJM_BAD_TROPHY] = "The trophy ID you passed in does not belong to this game.",
	[GJM_HAS_TROPHY] = "The user already has this trophy.",
	[GJM_NOT_HAS_TROPHY] = "The user does not have this trophy.",
	[GJM_NEED_KEY] = "You must enter a key.",
	[GJM_KEY_LONG] = "The key is too long (at most 255 bytes).",
	[GJM_NO_ITEM] = "There is no item with the key passed in.",
	[GJM_NEED_DATA] = "You must enter data.",
	[GJM_DATA_LONG] = "The data is too long (at most 1000000 bytes).",
	[GJM_BAD_OPERATION] = "The operation must be add, subtract, multiply, divide, append or prepend.",
	[GJM_NEED_VALUE] = "You must enter a value for the operation.",
	[GJM_NOT_NUMERIC] = "This operation needs numeric data and a numeric value.",
	[GJM_DIV_ZERO] = "You cannot divide by zero.",
	[GJM_OVERFLOW] = "The result is out of range.",
	[GJM_BATCH_NONE] = "You must pass in at least one request.",
	[GJM_BATCH_MANY] = "You can pass in at most 50 requests.",
	[GJM_BATCH_PAR_BREAK] = "'parallel' and 'break_on_error' are mutually exclusive",
	[GJM_BATCH_DUMP] = "The dump format is not allowed in batch requests.",
	[GJM_BATCH_NESTED] = "A batch request cannot contain another batch request.",
	[GJM_UNKNOWN_ENDPOINT] = "Unknown endpoint.",
	[GJM_TOO_MANY_IDS] = "You can pass in at most 100 IDs.",
};

const char *gj_message(enum gj_msg m)
{
	return gj_msgs[m];
}

/* The API version is the path segment after /api/game/; it picks the
 * default format (keypair before v1_2). */
enum gj_fmt gj_fmt_of(const struct req *r)
{
	const char *fmt = r->nparams ? req_param(r, "format") : NULL;
	enum gj_fmt f;

	if (fmt && gj_format_parse(fmt, &f) == 0)
		return f;
	return strncmp(r->path, "/api/game/v1_2/", 15) == 0 || strcmp(r->path, "/api/game/v1_2") == 0
		       ? GJ_JSON : GJ_KEYPAIR;
}

static void gj_collect(struct ctx *c, int success, const char *msg, struct json_object *data)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "success", gj_str(success ? "true" : "false"));
	if (msg)
		json_object_object_add(o, "message", gj_str(msg));
	if (data) {
		json_object_object_foreach(data, k, v) json_object_object_add(o, k, json_object_get(v));
	}
	json_object_array_add(c->gj_collect, o);
}

void gj_answer(struct ctx *c, enum gj_fmt f, int success, const char *msg, struct json_object *data)
{
	if (c->gj_collect) {
		gj_collect(c, success, msg, data);
		return;
	}
	c->resp->ctype = gj_format_ctype(f);
	buf_reset(&c->resp->body);
	gj_format_write(&c->resp->body, f, success, msg, data);
}

int gj_ok(struct gj_call *g, struct json_object *data)
{
	gj_answer(g->c, g->fmt, 1, NULL, data);
	if (data)
		json_object_put(data);
	return 0;
}

int gj_fail(struct gj_call *g, enum gj_msg m)
{
	gj_answer(g->c, g->fmt, 0, gj_msgs[m], NULL);
	return 0;
}

void gj_error(struct ctx *c, int err)
{
	const struct arc_err_info *e = arc_err_info(err);
	if (!c->gj_collect)
		c->resp->status = e->status;
	gj_answer(c, gj_fmt_of(c->req), 0, e->text, NULL);
}

const char *gj_param(const struct gj_call *g, const char *name)
{
	const char *v = req_param(g->c->req, name);
	return v ? v : "";
}

/* POST fields sorted by name, each as name+value ("requests[]" counts as
 * "requests"): the part of the signed text that follows the URL. */
static int gj_kv_cmp(const void *a, const void *b)
{
	const struct kv *x = *(const struct kv *const *)a, *y = *(const struct kv *const *)b;
	int d = strcmp(x->key, y->key);
	return d ? d : (x < y ? -1 : x > y);
}

static char *gj_post_suffix(const struct req *r)
{
	size_t n = r->nparams - r->nquery, m = 0;
	const struct kv **f = xcalloc(n ? n : 1, sizeof(*f));
	struct buf b;

	for (size_t i = r->nquery; i < r->nparams; i++)
		if (strcmp(r->params[i].key, "signature") != 0)
			f[m++] = &r->params[i];
	qsort(f, m, sizeof(*f), gj_kv_cmp);
	buf_init(&b);
	buf_adds(&b, "");
	for (size_t i = 0; i < m; i++) {
		size_t kl = strlen(f[i]->key);
		if (kl >= 2 && strcmp(f[i]->key + kl - 2, "[]") == 0)
			kl -= 2;
		buf_add(&b, f[i]->key, kl);
		buf_add(&b, f[i]->val, f[i]->vlen);
	}
	free(f);
	return buf_detach(&b);
}

static int gj_check_signature(struct gj_call *g)
{
	const struct req *r = g->c->req;
	char *uri, *sig;
	const char *field;
	struct gj_sig_in in;
	int ok;

	gj_sig_strip(r->uri, &uri, &sig);
	if (!sig && (field = req_param(r, "signature")) && *field)
		sig = xstrdup(field);
	if (!sig || !*sig) {
		free(uri);
		free(sig);
		return gj_fail(g, GJM_NO_SIGNATURE), -1;
	}
	in.uri = uri;
	in.host = r->host;
	in.aliases = g->c->cfg->gj_hosts;
	in.naliases = g->c->cfg->n_gj_hosts;
	in.post = gj_post_suffix(r);
	in.key = g->game.private_key;
	in.sig = sig;
	ok = gj_sig_verify(&in);
	free((char *)in.post);
	free(uri);
	free(sig);
	return ok ? 0 : (gj_fail(g, GJM_BAD_SIGNATURE), -1);
}

static int gj_load_game(struct store *s, MDB_txn *txn, void *arg)
{
	struct gj_call *g = arg;
	return game_get(s, txn, g->game.id, &g->game);
}

/* A game's players share one game_id, so the bucket is per game and large;
 * `arcadectl game set --rate` overrides the server's default for one game. */
static int gj_charge_game(struct gj_call *g)
{
	struct conf_rate rate = g->c->cfg->rate_game;
	char id[24];

	if (g->game.rate_cap > 0) {
		rate.cap = g->game.rate_cap;
		rate.per_sec = g->game.rate_per_sec;
	}
	snprintf(id, sizeof(id), "%llu", (unsigned long long)g->game.id);
	return rl_take(g->c, "game", id, &rate, 1);
}

int gj_begin(struct ctx *c, struct gj_call *g, int *rc)
{
	const char *id;
	uint64_t gid;

	memset(g, 0, sizeof(*g));
	g->c = c;
	g->fmt = gj_fmt_of(c->req);
	*rc = 0;
	id = gj_param(g, "game_id");
	if (util_parse_u64(id, &gid) < 0 || gid == 0)
		return gj_fail(g, GJM_BAD_GAME), -1;
	/* Inside a batch, the batch's signature vouches for its own game only. */
	if (c->gj_collect && gid != c->gj_batch_game)
		return gj_fail(g, GJM_BAD_GAME), -1;
	g->game.id = gid;
	*rc = store_read(c->store, gj_load_game, g);
	if (*rc == ARC_ENOENT) {
		*rc = 0;
		return gj_fail(g, GJM_BAD_GAME), -1;
	}
	if (*rc)
		return -1;
	if (!c->gj_collect && (gj_check_signature(g) < 0 || (*rc = gj_charge_game(g)))) {
		game_free(&g->game);
		return -1;
	}
	return 0;
}

void gj_end(struct gj_call *g)
{
	game_free(&g->game);
}

int gj_player(struct store *s, MDB_txn *txn, const struct gj_call *g, struct player *out)
{
	return player_auth(s, txn, g->game.id, gj_param(g, "username"), gj_param(g, "user_token"), out);
}

struct json_object *gj_str(const char *s)
{
	return json_object_new_string(s);
}

struct json_object *gj_u64(uint64_t v)
{
	char b[24];
	size_t n = util_u64_dec(v, b);
	return json_object_new_string_len(b, (int)n);
}

void gj_ago(uint64_t now_ms, uint64_t then_ms, char *out, size_t n)
{
	static const struct { uint64_t below, unit; const char *name; } steps[] = {
		{ 60, 1, "second" }, { 3600, 60, "minute" }, { 86400, 3600, "hour" },
		{ 7 * 86400, 86400, "day" }, { 30 * 86400, 7 * 86400, "week" },
		{ 365 * 86400, 30 * 86400, "month" }, { UINT64_MAX, 365 * 86400, "year" },
	};
	/* Whole seconds on each side, as the _timestamp fields show them. */
	uint64_t d = now_ms / 1000 > then_ms / 1000 ? now_ms / 1000 - then_ms / 1000 : 0;

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (d < steps[i].below) {
			/* "%llu %s%s ago" without snprintf: a listing prints ten of these. */
			uint64_t k = d / steps[i].unit;
			char b[64];
			size_t len = util_u64_dec(k, b), nl = strlen(steps[i].name);
			b[len++] = ' ';
			memcpy(b + len, steps[i].name, nl);
			len += nl;
			if (k != 1)
				b[len++] = 's';
			memcpy(b + len, " ago", 5);
			len += 4;
			if (n) {
				if (len >= n)
					len = n - 1;
				memcpy(out, b, len);
				out[len] = '\0';
			}
			return;
		}
}

struct json_object *gj_ago_json(uint64_t now_ms, uint64_t then_ms)
{
	char b[48];
	gj_ago(now_ms, then_ms, b, sizeof(b));
	return json_object_new_string(b);
}
