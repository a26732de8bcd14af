/* teambattles: TeamBattles handlers. Each one: tb_begin() (Bearer key,
 * scope, permission, key bucket), the match the path names, the body, one
 * transaction, a JSON answer. Errors are {"error": code} with an optional
 * "details"; map-score items fail one by one inside a 200.
 * docs/teambattles.md records the choices the design leaves open. */
#include "config.h"
#include "teambattles.h"
#include "tb_plain.h"
#include "apikeys.h"
#include "errors.h"
#include "games.h"
#include "matches.h"
#include "secret.h"
#include "uploads.h"
#include "util.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TB_MAX_ITEMS 50          /* batch-scores */
#define TB_MAX_SHOTS 10          /* screenshot URLs, and storage ids, per map */
#define TB_MAX_PLAYERS 100       /* entries of playerStats */
#define TB_STATS_MAX_BYTES 16384 /* playerStats as JSON text */
#define TB_URL_MAX_BYTES 2048
#define TB_LIST_DEFAULT 20
#define TB_LIST_MAX 100

/* TeamBattles' own answers, numbered apart from the family-neutral ARC_E*. */
enum tb_err {
	TB_E_BASE = 1000,
	TB_EKEY_REQUIRED = TB_E_BASE,
	TB_EKEY_INVALID,
	TB_ESCOPE,
	TB_EPERM,
	TB_EINVALID,
	TB_ENUM_ITEMS,
	TB_ELIMIT,
	TB_ECURSOR,
	TB_EMATCH,
	TB_ESTATE,
	TB_EALREADY,
	TB_ESCORE_NF,
	TB__END
};

static const struct {
	int status;
	const char *code;
} tb_errs[TB__END - TB_E_BASE] = {
	[TB_EKEY_REQUIRED - TB_E_BASE] = { 401, "error_api_key_required" },
	[TB_EKEY_INVALID - TB_E_BASE] = { 401, "error_api_key_invalid" },
	[TB_ESCOPE - TB_E_BASE] = { 403, "error_game_scope_mismatch" },
	[TB_EPERM - TB_E_BASE] = { 403, "error_api_key_permission_denied" },
	[TB_EINVALID - TB_E_BASE] = { 400, "error_invalid_request" },
	[TB_ENUM_ITEMS - TB_E_BASE] = { 400, "error_invalid_num_items" },
	[TB_ELIMIT - TB_E_BASE] = { 400, "error_invalid_limit" },
	[TB_ECURSOR - TB_E_BASE] = { 400, "error_invalid_cursor" },
	[TB_EMATCH - TB_E_BASE] = { 404, "error_match_not_found" },
	[TB_ESTATE - TB_E_BASE] = { 409, "error_match_not_in_valid_state" },
	[TB_EALREADY - TB_E_BASE] = { 409, "error_score_already_submitted_by_game" },
	[TB_ESCORE_NF - TB_E_BASE] = { 404, "error_score_not_found" },
};

static int tb_is_own(int err)
{
	return err >= TB_E_BASE && err < TB__END;
}

static const char *tb_code(int err)
{
	return tb_is_own(err) ? tb_errs[err - TB_E_BASE].code : arc_err_info(err)->code;
}

static void tb_send(struct ctx *c, int status, struct json_object *o)
{
	c->resp->status = status;
	c->resp->ctype = "application/json";
	buf_reset(&c->resp->body);
	buf_adds(&c->resp->body, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* Writes the error answer; returns 0 so the handler can return it. */
static int tb_fail(struct ctx *c, int err, const char *details)
{
	struct json_object *o = json_object_new_object();
	int status = tb_is_own(err) ? tb_errs[err - TB_E_BASE].status : arc_err_info(err)->status;

	json_object_object_add(o, "error", json_object_new_string(tb_code(err)));
	if (details)
		json_object_object_add(o, "details", json_object_new_string(details));
	tb_send(c, status, o);
	return 0;
}

void tb_error(struct ctx *c, int err)
{
	tb_fail(c, err, NULL);
}

static struct json_object *tb_time(uint64_t ms)
{
	char b[32];

	if (!ms)
		return NULL;
	util_iso8601(ms, b);
	return json_object_new_string(b);
}

static struct json_object *tb_id(uint64_t id)
{
	char b[24];
	snprintf(b, sizeof(b), "%llu", (unsigned long long)id);
	return json_object_new_string(b);
}

static struct json_object *tb_text_or_null(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

/* ---- authentication ---- */

struct tb_call {
	struct ctx *c;
	struct apikey key;
	uint64_t game;
	char key_id[24];
};

struct tb_auth {
	const char *secret;
	struct apikey key;
};

static int tb_auth_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct tb_auth *a = arg;
	struct game g;
	int rc = apikey_find(s, txn, a->secret, &a->key);

	if (rc == ARC_ENOENT)
		return TB_EKEY_INVALID;
	if (rc)
		return rc;
	if (a->key.kind != APIKEY_TEAMBATTLES || a->key.game == 0)
		return TB_ESCOPE;
	rc = game_get(s, txn, a->key.game, &g);
	if (rc == ARC_ENOENT)
		return TB_ESCOPE;
	if (rc == 0)
		game_free(&g);
	return rc;
}

/* The token of "Authorization: Bearer <token>", or NULL. */
static const char *tb_bearer(const struct req *r)
{
	const char *h = req_env(r, "HTTP_AUTHORIZATION");

	if (!h)
		return NULL;
	h += strspn(h, " \t");
	if (strncasecmp(h, "Bearer", 6) != 0 || (h[6] != ' ' && h[6] != '\t'))
		return NULL;
	h += 6;
	h += strspn(h, " \t");
	return *h ? h : NULL;
}

/* The key, its game and scope, one of up to two permissions (perm2 -1:
 * none), then the key's request bucket. Requests that fail here have been
 * charged to the ip bucket alone. */
static int tb_begin(struct ctx *c, struct tb_call *t, int perm, int level, int perm2, int level2)
{
	struct tb_auth a;
	const struct conf_rate *rate;
	int rc;

	memset(t, 0, sizeof(*t));
	memset(&a, 0, sizeof(a));
	t->c = c;
	if (!(a.secret = tb_bearer(c->req)))
		return TB_EKEY_REQUIRED;
	if ((rc = store_read(c->store, tb_auth_txn, &a)))
		return rc;
	if (!apikey_allows(&a.key, perm, level) && !(perm2 >= 0 && apikey_allows(&a.key, perm2, level2)))
		return TB_EPERM;
	t->key = a.key;
	t->game = a.key.game;
	snprintf(t->key_id, sizeof(t->key_id), "%llu", (unsigned long long)a.key.id);
	rate = t->key.rate.cap > 0 ? &t->key.rate : &c->cfg->rate_key;
	return rl_take(c, "key", t->key_id, rate, 1);
}

/* ---- the match a path names ---- */

struct tb_bind {
	uint64_t game, id;
};

static int tb_bind_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct tb_bind *b = arg;
	struct tb_match m;
	int rc = tb_match_get(s, txn, b->game, b->id, &m);

	if (rc == ARC_ENOENT)
		return TB_EMATCH;
	if (rc == 0)
		free(m.game_mode);
	return rc;
}

/* The match in path segment cap must be one of the key's game's; another
 * game's match reads exactly like a missing one. */
static int tb_bind_match(struct tb_call *t, size_t cap, uint64_t *id)
{
	const struct req *r = t->c->req;
	struct tb_bind b;
	const char *seg;

	if (cap >= r->ncaps)
		return TB_EMATCH;
	seg = r->caps[cap];
	if (tb_id_parse(seg, strcspn(seg, "/"), id) < 0)
		return TB_EMATCH;
	b.game = t->game;
	b.id = *id;
	return store_read(t->c->store, tb_bind_txn, &b);
}

/* ---- JSON fields ---- */

/* The body as a JSON object, or NULL. */
static struct json_object *tb_body(struct ctx *c)
{
	if (req_parse_json(c->req) || !json_object_is_type(c->req->json, json_type_object))
		return NULL;
	return c->req->json;
}

/* A member's value; NULL when absent or JSON null. */
static struct json_object *tb_field(struct json_object *o, const char *name)
{
	struct json_object *v = NULL;
	json_object_object_get_ex(o, name, &v);
	return v;
}

static int tb_int(struct json_object *v, int64_t lo, int64_t hi, int64_t *out)
{
	int64_t x;

	if (!v || !json_object_is_type(v, json_type_int))
		return -1;
	x = json_object_get_int64(v);
	if (x < lo || x > hi)
		return -1;
	*out = x;
	return 0;
}

/* A string member without NUL characters, or NULL. */
static const char *tb_str(struct json_object *v)
{
	const char *s;

	if (!v || !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	return strlen(s) == (size_t)json_object_get_string_len(v) ? s : NULL;
}

static char *tb_json_text(struct json_object *v)
{
	return xstrdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* A dotted-quad IPv4 literal in a private, loopback, link-local, shared or
 * otherwise non-public range (1), a public one (0), or not IPv4 at all (-1). */
static int tb_ipv4_private(const char *h, size_t n)
{
	unsigned o[4];
	char tail, tmp[16];

	if (n >= sizeof(tmp))
		return -1;
	memcpy(tmp, h, n);
	tmp[n] = '\0';
	if (strspn(tmp, "0123456789.") != n ||
	    sscanf(tmp, "%3u.%3u.%3u.%3u%c", &o[0], &o[1], &o[2], &o[3], &tail) != 4)
		return -1;
	if (o[0] > 255 || o[1] > 255 || o[2] > 255 || o[3] > 255)
		return 1; /* not an address anyone can reach */
	return o[0] == 0 || o[0] == 10 || o[0] == 127 || o[0] >= 224 || (o[0] == 169 && o[1] == 254) ||
	       (o[0] == 172 && o[1] >= 16 && o[1] <= 31) || (o[0] == 192 && o[1] == 168) ||
	       (o[0] == 100 && o[1] >= 64 && o[1] <= 127);
}

/* A public https URL: https://host[:port][/...], host a dotted DNS name or
 * a public IPv4 address; no credentials, no white space or controls. */
static int tb_url_ok(const char *s)
{
	size_t n = strlen(s), alen, hlen;
	const char *auth, *colon;

	if (n > TB_URL_MAX_BYTES || strncasecmp(s, "https://", 8) != 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f || s[i] == '\\')
			return 0;
	auth = s + 8;
	alen = strcspn(auth, "/?#");
	if (memchr(auth, '@', alen))
		return 0;
	colon = memchr(auth, ':', alen);
	hlen = colon ? (size_t)(colon - auth) : alen;
	if (colon) {
		size_t plen = alen - hlen - 1;
		unsigned long port = 0;
		if (plen == 0 || plen > 5 || strspn(colon + 1, "0123456789") < plen)
			return 0;
		for (size_t i = 1; i <= plen; i++)
			port = port * 10 + (unsigned long)(colon[i] - '0');
		if (port == 0 || port > 65535)
			return 0;
	}
	if (hlen == 0 || hlen > 253 || !memchr(auth, '.', hlen) || auth[hlen - 1] == '.' || auth[0] == '.')
		return 0;
	for (size_t i = 0; i < hlen; i++) {
		char ch = auth[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
		      ch == '.' || ch == '_'))
			return 0;
	}
	if (hlen >= 10 && strncasecmp(auth + hlen - 10, ".localhost", 10) == 0)
		return 0;
	return tb_ipv4_private(auth, hlen) != 1;
}

/* ---- one map score from JSON ---- */

struct tb_item {
	/* What the answer echoes: matchId's JSON text (NULL: null; quote: the
	 * text is the value, to be put in quotes) and mapIndex (if has_index). */
	const char *echo_match;
	int echo_quote, echo_has_index;
	int64_t echo_index;
	int err;        /* a field error found before the transaction, or 0 */
	uint64_t match;
	uint64_t index;
	const char *map_id;
	unsigned cs, os;
	char *stats, *urls, *sids_json; /* JSON texts to store; NULL: none */
	const char *sids[TB_MAX_SHOTS];
	size_t nsids;
	int result;     /* after the transaction: 0 confirmed, else TB_E* */
};

enum { TBI_MATCH = 1, TBI_INDEX = 2 }; /* which keys the item itself carries */

static int tb_parse_urls(struct json_object *v, struct tb_item *it)
{
	size_t n;

	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_array) || (n = json_object_array_length(v)) > TB_MAX_SHOTS)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *u = tb_str(json_object_array_get_idx(v, i));
		if (!u || !tb_url_ok(u))
			return -1;
	}
	it->urls = tb_json_text(v);
	return 0;
}

static int tb_parse_sids(struct json_object *v, struct tb_item *it)
{
	size_t n;

	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_array) || (n = json_object_array_length(v)) > TB_MAX_SHOTS)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *id = tb_str(json_object_array_get_idx(v, i));
		if (!id || !upload_hex_valid(id, strlen(id), UPLOAD_SID_LEN))
			return -1;
		for (size_t j = 0; j < it->nsids; j++)
			if (strcmp(it->sids[j], id) == 0)
				return -1;
		it->sids[it->nsids++] = id;
	}
	it->sids_json = tb_json_text(v);
	return 0;
}

/* playerStats: an object keyed by user id (1..100 bytes); the values are
 * the game's own. */
static int tb_stats_ok(struct json_object *v)
{
	size_t n = 0;

	if (!json_object_is_type(v, json_type_object))
		return 0;
	json_object_object_foreach(v, k, val) {
		size_t kl = strlen(k);
		(void)val;
		if (++n > TB_MAX_PLAYERS || kl == 0 || kl > 100)
			return 0;
	}
	return strlen(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN)) <= TB_STATS_MAX_BYTES;
}

static int tb_parse_stats(struct json_object *v, struct tb_item *it)
{
	if (!v)
		return 0;
	if (!tb_stats_ok(v))
		return -1;
	it->stats = tb_json_text(v);
	return 0;
}

/* The checks of an item's five values, whichever reader found them (json-c
 * or tb_plain). match is NULL when matchId is a string no id can be.
 * Returns -1 (invalid), or what the item's error is once its optional
 * members are read too: 0, or TB_EMATCH for an id that cannot exist. */
static int tb_item_accept(struct tb_item *it, unsigned keys, const char *match, int64_t index, const char *map_id,
			  int64_t cs, int64_t os)
{
	int bad_id = (keys & TBI_MATCH) && (!match || tb_id_parse(match, strlen(match), &it->match) < 0);

	if (index < 0 || !map_id || !name_valid(map_id) || cs < 0 || cs > TB_SCORE_MAX || os < 0 ||
	    os > TB_SCORE_MAX)
		return -1;
	if (keys & TBI_INDEX)
		it->index = (uint64_t)index;
	it->map_id = map_id;
	it->cs = (unsigned)cs;
	it->os = (unsigned)os;
	return bad_id ? TB_EMATCH : 0;
}

/* The answer echoes matchId as json-c prints the string the client sent,
 * and mapIndex when it is a whole number every JSON reader holds exactly
 * (json-c saturates what does not fit 64 bits: a saturated 2^64 must not
 * come back as 2^64-1). */
static void tb_item_echo(struct tb_item *it, struct json_object *o)
{
	struct json_object *v = tb_field(o, "matchId");
	int64_t x;

	if (v && json_object_is_type(v, json_type_string))
		it->echo_match =
			json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	v = tb_field(o, "mapIndex");
	if (v && json_object_is_type(v, json_type_int) && (x = json_object_get_int64(v)) >= -(1LL << 53) &&
	    x <= (1LL << 53)) {
		it->echo_has_index = 1;
		it->echo_index = x;
	}
}

static void tb_item_parse(struct tb_item *it, struct json_object *o, unsigned keys)
{
	struct json_object *v;
	const char *match = NULL;
	int64_t index = 0, cs, os;
	int err;

	it->err = TB_EINVALID;
	if (!o || !json_object_is_type(o, json_type_object))
		return;
	tb_item_echo(it, o);
	if (keys & TBI_MATCH) {
		v = tb_field(o, "matchId");
		if (!v || !json_object_is_type(v, json_type_string))
			return;
		match = tb_str(v);
	}
	if (((keys & TBI_INDEX) && tb_int(tb_field(o, "mapIndex"), 0, INT64_MAX, &index) < 0) ||
	    tb_int(tb_field(o, "creatorTeamScore"), INT64_MIN, INT64_MAX, &cs) < 0 ||
	    tb_int(tb_field(o, "opponentTeamScore"), INT64_MIN, INT64_MAX, &os) < 0 ||
	    (err = tb_item_accept(it, keys, match, index, tb_str(tb_field(o, "mapId")), cs, os)) < 0)
		return;
	if (tb_parse_urls(tb_field(o, "screenshotUrls"), it) < 0 ||
	    tb_parse_sids(tb_field(o, "screenshotStorageIds"), it) < 0 ||
	    tb_parse_stats(tb_field(o, "playerStats"), it) < 0)
		return;
	it->err = err;
}

/* An item of a plain body (tb_plain.h): the five values, nothing optional. */
static void tb_item_plain(struct tb_item *it, const struct tb_plain *p)
{
	int err = tb_item_accept(it, TBI_MATCH | TBI_INDEX, p->match_id, p->index, p->map_id, p->cs, p->os);

	it->echo_match = p->match_id;
	it->echo_quote = 1;
	it->echo_has_index = 1; /* at most 15 digits: always exact */
	it->echo_index = p->index;
	it->err = err < 0 ? TB_EINVALID : err;
}

static void tb_items_free(struct tb_item *items, size_t n)
{
	for (size_t i = 0; items && i < n; i++) {
		free(items[i].stats);
		free(items[i].urls);
		free(items[i].sids_json);
	}
	free(items);
}

/* ---- confirming map scores ---- */

/* The matches a call has touched, inside its one transaction: each is read
 * once, its series (maps won by each side) counted once, and it is written
 * once when the call's items are done. A later item of the same match sees
 * through this what the earlier ones did, as it would through the store;
 * reading, recounting and rewriting the match for every item were a third
 * of a 50-item batch. Nothing else writes these matches or their maps
 * meanwhile, and a confirmed map is never confirmed again. */
struct tb_touched {
	size_t n;
	struct tb_touch {
		struct tb_match m;
		int stored_status; /* for the status index, when written */
		int counted, dirty;
		unsigned cw, ow;
	} e[TB_MAX_ITEMS];
};

/* The call's copy of match id, read on first use; ARC_ENOENT as the store. */
static int tb_touch(struct store *s, MDB_txn *txn, struct tb_touched *t, uint64_t game, uint64_t id,
		    struct tb_touch **out)
{
	struct tb_touch *e;
	int rc;

	for (size_t i = 0; i < t->n; i++)
		if (t->e[i].m.id == id) {
			*out = &t->e[i];
			return 0;
		}
	if (t->n == TB_MAX_ITEMS)
		return ARC_EINTERNAL; /* one match per item: cannot happen */
	e = &t->e[t->n];
	if ((rc = tb_match_get(s, txn, game, id, &e->m)))
		return rc;
	e->stored_status = e->m.status;
	e->counted = e->dirty = 0;
	t->n++;
	*out = e;
	return 0;
}

/* Writes the matches that changed; frees every copy. */
static int tb_touched_end(struct store *s, MDB_txn *txn, struct tb_touched *t, int rc)
{
	for (size_t i = 0; i < t->n; i++) {
		if (rc == 0 && t->e[i].dirty)
			rc = tb_match_put(s, txn, &t->e[i].m, t->e[i].stored_status);
		free(t->e[i].m.game_mode);
	}
	t->n = 0;
	return rc;
}

/* After a confirmed map (scores cs:os, already written): a READY match is
 * under way, and one that a side has won (a majority of bestOf) is
 * complete. */
static int tb_match_advance(struct store *s, MDB_txn *txn, struct tb_touch *e, unsigned cs, unsigned os,
			    uint64_t now)
{
	struct tb_match *m = &e->m;
	unsigned need = m->best_of / 2 + 1;
	int rc;

	if (e->counted) {
		e->cw += cs > os;
		e->ow += os > cs;
	} else if ((rc = tb_match_series(s, txn, m->game, m->id, &e->cw, &e->ow))) {
		return rc;
	}
	e->counted = 1;
	if (m->status == TBS_READY) {
		m->status = TBS_IN_PROGRESS;
		if (!m->started_ms)
			m->started_ms = now;
	}
	if (e->cw >= need || e->ow >= need) {
		m->status = TBS_COMPLETED;
		m->completed_ms = now;
	}
	m->updated_ms = now;
	e->dirty = 1;
	return 0;
}

/* The storage ids of an item: all known to the game (used 0), or none of
 * them used yet (used 1). 1 if so, 0 if not, <0 on a store error. */
static int tb_sids_check(struct store *s, MDB_txn *txn, uint64_t game, const struct tb_item *it, int used,
			 int *rc)
{
	struct upload u;

	for (size_t i = 0; i < it->nsids; i++) {
		*rc = upload_get(s, txn, game, it->sids[i], &u);
		if (*rc == ARC_ENOENT) {
			*rc = 0;
			return 0;
		}
		if (*rc)
			return -1;
		if (used && u.used)
			return 0;
	}
	return 1;
}

/* The map score an item confirms. */
static void tb_item_map(struct tb_map *map, uint64_t game, uint64_t match, uint64_t now, const struct tb_item *it)
{
	map->game = game;
	map->match = match;
	map->index = (unsigned)it->index;
	map->status = TBM_CONFIRMED;
	map->map_id = (char *)it->map_id;
	map->creator_score = it->cs;
	map->opponent_score = it->os;
	map->player_stats = it->stats ? it->stats : "";
	map->urls = it->urls ? it->urls : "";
	map->storage_ids = it->sids_json ? it->sids_json : "";
	map->submitted_ms = map->confirmed_ms = now;
}

/* One item, in the documented order: fields → storage ids known → match of
 * this game → mapIndex below bestOf → not confirmed yet → match takes
 * scores → storage ids unused. Sets it->result; returns a store error.
 * The last two are looked at before the map, and answered after it: when
 * both allow the score, the map is put unless it is confirmed, in one
 * look-up of its key (a look and then a put took two: a seventh of a
 * batch's instructions). A captain's PENDING score is overwritten whole. */
static int tb_item_apply(struct store *s, MDB_txn *txn, struct tb_touched *t, uint64_t game, uint64_t now,
			 struct tb_item *it)
{
	struct tb_touch *e;
	struct tb_match *m;
	struct tb_map map;
	struct upload u;
	int rc = 0, was = -1, ready, unused = 1;

	it->result = it->err;
	if (it->result)
		return 0;
	if (tb_sids_check(s, txn, game, it, 0, &rc) <= 0) {
		it->result = TB_EINVALID;
		return rc;
	}
	rc = tb_touch(s, txn, t, game, it->match, &e);
	if (rc == ARC_ENOENT) {
		it->result = TB_EMATCH;
		return 0;
	}
	if (rc)
		return rc;
	m = &e->m;
	if (it->index >= m->best_of) {
		it->result = TB_EINVALID;
		return 0;
	}
	ready = m->status == TBS_READY || m->status == TBS_IN_PROGRESS;
	if (ready && (unused = tb_sids_check(s, txn, game, it, 1, &rc)) < 0)
		return rc;
	tb_item_map(&map, game, m->id, now, it);
	if (ready && unused)
		rc = tb_map_confirm(s, txn, &map, &was);
	else if ((rc = tb_map_status(s, txn, game, m->id, map.index, &was)) == ARC_ENOENT)
		rc = 0;
	if (rc)
		return rc;
	if (was == TBM_CONFIRMED)
		it->result = TB_EALREADY;
	else if (!ready)
		it->result = TB_ESTATE;
	else if (!unused)
		it->result = TB_EINVALID;
	if (it->result)
		return 0;
	for (size_t i = 0; i < it->nsids; i++) {
		if ((rc = upload_get(s, txn, game, it->sids[i], &u)))
			return rc;
		u.used = 1;
		u.match = m->id;
		u.map = (unsigned)it->index;
		if ((rc = upload_put(s, txn, &u)))
			return rc;
	}
	return tb_match_advance(s, txn, e, it->cs, it->os, now);
}

struct tb_write {
	struct tb_call *t;
	struct tb_item *items;
	size_t n;
};

/* Every item of a call in one transaction: a later item sees what an
 * earlier one wrote (the same map twice: the second is already confirmed).
 * A transaction run again (the map grew) reads its matches afresh. */
static int tb_write_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct tb_write *w = arg;
	struct tb_touched t;
	int rc = 0;

	t.n = 0;
	for (size_t i = 0; i < w->n && rc == 0; i++)
		rc = tb_item_apply(s, txn, &t, w->t->game, w->t->c->now_ms, &w->items[i]);
	return tb_touched_end(s, txn, &t, rc);
}

/* {success, submitted:[{matchId?, mapIndex, status, error?}], count},
 * written straight into the answer (a batch has up to 50 items: building
 * and freeing a json-c tree for it cost more than confirming them). The
 * bytes are those json-c printed: matchId is json-c's own text of the
 * string the client sent. */
static void tb_send_submitted(struct ctx *c, const struct tb_item *items, size_t n, int with_match)
{
	struct buf *b = &c->resp->body;
	size_t count = 0;
	char d[24];

	for (size_t i = 0; i < n; i++)
		count += items[i].result == 0;
	c->resp->status = 200;
	c->resp->ctype = "application/json";
	buf_reset(b);
	buf_adds(b, count == n ? "{\"success\":true,\"submitted\":[" : "{\"success\":false,\"submitted\":[");
	for (size_t i = 0; i < n; i++) {
		const struct tb_item *it = &items[i];

		buf_adds(b, i ? ",{" : "{");
		if (with_match) {
			buf_adds(b, "\"matchId\":");
			if (it->echo_quote)
				buf_addc(b, '"');
			buf_adds(b, it->echo_match ? it->echo_match : "null");
			buf_adds(b, it->echo_quote ? "\"," : ",");
		}
		buf_adds(b, "\"mapIndex\":");
		if (it->echo_has_index)
			buf_add(b, d, util_i64_dec(it->echo_index, d));
		else
			buf_adds(b, "null");
		if (it->result) {
			buf_adds(b, ",\"status\":\"failed\",\"error\":\"");
			buf_adds(b, tb_code(it->result));
			buf_adds(b, "\"}");
		} else {
			buf_adds(b, ",\"status\":\"confirmed\"}");
		}
	}
	buf_adds(b, "],\"count\":");
	buf_add(b, d, util_u64_dec(count, d));
	buf_addc(b, '}');
}

/* ---- POST /game/matches/batch-scores ---- */

/* The items of a batch body: by tb_plain when the body has the plain shape
 * (its copy, where the strings end, is *text), else through json-c.
 * Returns 0, or the error to answer with and *why its details. */
static int tb_batch_items(struct ctx *c, struct tb_write *w, char **text, const char **why)
{
	struct tb_plain plain[TB_MAX_ITEMS];
	struct json_object *body, *arr = NULL;
	int np = -1;

	if (c->req->body_len) {
		*text = xmalloc(c->req->body_len);
		memcpy(*text, c->req->body, c->req->body_len);
		np = tb_plain_read(*text, c->req->body_len, plain, TB_MAX_ITEMS);
	}
	if (np > 0) {
		w->n = (size_t)np;
		w->items = xcalloc(w->n, sizeof(*w->items));
		for (size_t i = 0; i < w->n; i++)
			tb_item_plain(&w->items[i], &plain[i]);
		return 0;
	}
	if (!(body = tb_body(c))) {
		*why = "the body must be a JSON object";
		return TB_EINVALID;
	}
	json_object_object_get_ex(body, "items", &arr);
	if (!json_object_is_type(arr, json_type_array) || json_object_array_length(arr) < 1 ||
	    json_object_array_length(arr) > TB_MAX_ITEMS) {
		*why = "items must be an array of 1 to 50 map scores";
		return TB_ENUM_ITEMS;
	}
	w->n = json_object_array_length(arr);
	w->items = xcalloc(w->n, sizeof(*w->items));
	for (size_t i = 0; i < w->n; i++)
		tb_item_parse(&w->items[i], json_object_array_get_idx(arr, i), TBI_MATCH | TBI_INDEX);
	return 0;
}

int tb_batch_scores(struct ctx *c)
{
	struct tb_call t;
	struct tb_write w = { &t, NULL, 0 };
	const struct conf_rate *rate;
	const char *why = NULL;
	char *text = NULL;
	int rc, err;

	if ((rc = tb_begin(c, &t, PERM_GAME_SCORES, LVL_WRITE, -1, 0)))
		return rc;
	if ((err = tb_batch_items(c, &w, &text, &why))) {
		rc = tb_fail(c, err, why);
		goto out;
	}
	/* The whole batch fits in the bucket or nothing is written. */
	rate = t.key.batch_rate.cap > 0 ? &t.key.batch_rate : &c->cfg->rate_batch;
	if ((rc = rl_take(c, "batch", t.key_id, rate, (double)w.n)))
		goto out;
	rc = store_write(c->store, tb_write_txn, &w);
	if (rc == 0)
		tb_send_submitted(c, w.items, w.n, 1);
out:
	tb_items_free(w.items, w.n);
	free(text);
	return rc;
}

/* ---- POST /game/matches/{matchId}/scores ---- */

int tb_match_scores(struct ctx *c)
{
	struct tb_call t;
	struct tb_write w;
	struct json_object *body, *arr = NULL;
	uint64_t id;
	size_t n;
	int rc;

	if ((rc = tb_begin(c, &t, PERM_GAME_SCORES, LVL_WRITE, -1, 0)) || (rc = tb_bind_match(&t, 0, &id)))
		return rc;
	if (!(body = tb_body(c)))
		return tb_fail(c, TB_EINVALID, "the body must be a JSON object");
	json_object_object_get_ex(body, "maps", &arr);
	if (!json_object_is_type(arr, json_type_array) || (n = json_object_array_length(arr)) < 1 ||
	    n > TB_MAX_BEST_OF)
		return tb_fail(c, TB_ENUM_ITEMS, "maps must be an array of 1 to 7 map scores");
	w.t = &t;
	w.n = n;
	w.items = xcalloc(n, sizeof(*w.items));
	for (size_t i = 0; i < n; i++) {
		tb_item_parse(&w.items[i], json_object_array_get_idx(arr, i), TBI_INDEX);
		w.items[i].match = id;
	}
	rc = store_write(c->store, tb_write_txn, &w);
	if (rc == 0)
		tb_send_submitted(c, w.items, n, 0);
	tb_items_free(w.items, n);
	return rc;
}

/* ---- POST /game/matches/{matchId}/scores/{mapIndex} ---- */

int tb_map_score(struct ctx *c)
{
	struct tb_call t;
	struct tb_write w;
	struct tb_item *it;
	struct json_object *body, *o;
	const char *seg;
	uint64_t id, index;
	char ibuf[8];
	size_t len;
	int rc;

	if ((rc = tb_begin(c, &t, PERM_GAME_SCORES, LVL_WRITE, -1, 0)) || (rc = tb_bind_match(&t, 0, &id)))
		return rc;
	seg = c->req->caps[1];
	len = strcspn(seg, "/");
	if (len == 0 || len >= sizeof(ibuf) || strspn(seg, "0123456789") < len)
		return tb_fail(c, TB_EINVALID, "mapIndex must be a whole number below the match's bestOf");
	memcpy(ibuf, seg, len);
	ibuf[len] = '\0';
	if (util_parse_u64(ibuf, &index) < 0)
		return tb_fail(c, TB_EINVALID, "mapIndex must be a whole number below the match's bestOf");
	if (!(body = tb_body(c)))
		return tb_fail(c, TB_EINVALID, "the body must be a JSON object");
	it = xcalloc(1, sizeof(*it));
	tb_item_parse(it, body, 0);
	it->match = id;
	it->index = index;
	w.t = &t;
	w.items = it;
	w.n = 1;
	rc = store_write(c->store, tb_write_txn, &w);
	if (rc == 0 && it->result) {
		rc = tb_fail(c, it->result, NULL);
	} else if (rc == 0) {
		o = json_object_new_object();
		json_object_object_add(o, "success", json_object_new_boolean(1));
		json_object_object_add(o, "mapIndex", json_object_new_int64((int64_t)index));
		json_object_object_add(o, "scoreStatus", json_object_new_string("CONFIRMED"));
		tb_send(c, 200, o);
	}
	tb_items_free(it, 1);
	return rc;
}

/* ---- GET /game/matches/{matchId}/scores ---- */

static struct json_object *tb_parse_stored(const char *text)
{
	return text && *text ? json_tokener_parse(text) : NULL;
}

static int tb_score_json(const struct tb_map *m, void *arg)
{
	struct json_object *o = json_object_new_object(), *v;

	json_object_object_add(o, "mapIndex", json_object_new_int((int)m->index));
	json_object_object_add(o, "mapId", tb_text_or_null(m->map_id));
	json_object_object_add(o, "creatorTeamScore", json_object_new_int((int)m->creator_score));
	json_object_object_add(o, "opponentTeamScore", json_object_new_int((int)m->opponent_score));
	json_object_object_add(o, "scoreStatus",
			       json_object_new_string(m->status == TBM_CONFIRMED ? "CONFIRMED" : "PENDING"));
	json_object_object_add(o, "playerStats", tb_parse_stored(m->player_stats));
	v = tb_parse_stored(m->urls);
	json_object_object_add(o, "screenshotUrls", v ? v : json_object_new_array());
	v = tb_parse_stored(m->storage_ids);
	json_object_object_add(o, "screenshotStorageIds", v ? v : json_object_new_array());
	json_object_object_add(o, "submittedAt", tb_time(m->submitted_ms));
	json_object_object_add(o, "confirmedAt", m->status == TBM_CONFIRMED ? tb_time(m->confirmed_ms) : NULL);
	json_object_array_add(arg, o);
	return 0;
}

struct tb_scores {
	uint64_t game, id;
	struct json_object *list;
	unsigned cw, ow;
};

static int tb_scores_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct tb_scores *q = arg;
	int rc = tb_map_each(s, txn, q->game, q->id, tb_score_json, q->list);
	return rc ? rc : tb_match_series(s, txn, q->game, q->id, &q->cw, &q->ow);
}

int tb_get_scores(struct ctx *c)
{
	struct tb_call t;
	struct tb_scores q;
	struct json_object *o, *series;
	int rc;

	if ((rc = tb_begin(c, &t, PERM_GAME_SCORES, LVL_WRITE, PERM_GAME_MATCHES, LVL_READ)) ||
	    (rc = tb_bind_match(&t, 0, &q.id)))
		return rc;
	q.game = t.game;
	q.list = json_object_new_array();
	if ((rc = store_read(c->store, tb_scores_txn, &q))) {
		json_object_put(q.list);
		return rc;
	}
	o = json_object_new_object();
	series = json_object_new_object();
	json_object_object_add(series, "creatorMapWins", json_object_new_int((int)q.cw));
	json_object_object_add(series, "opponentMapWins", json_object_new_int((int)q.ow));
	json_object_object_add(o, "scores", q.list);
	json_object_object_add(o, "seriesScore", series);
	json_object_object_add(o, "timestamp", tb_time(c->now_ms));
	tb_send(c, 200, o);
	return 0;
}

/* ---- POST /game/matches/{matchId}/player-stats ---- */

struct tb_stats {
	uint64_t game, id, index;
	struct json_object *stats;
};

/* Players named in the call replace their entries; the others stay. */
static int tb_stats_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct tb_stats *q = arg;
	struct tb_match m;
	struct tb_map map;
	struct json_object *merged;
	char *text;
	int rc = tb_match_get(s, txn, q->game, q->id, &m);

	if (rc)
		return rc == ARC_ENOENT ? TB_EMATCH : rc;
	free(m.game_mode);
	if (q->index >= m.best_of)
		return TB_EINVALID;
	rc = tb_map_get(s, txn, q->game, q->id, (unsigned)q->index, &map);
	if (rc)
		return rc == ARC_ENOENT ? TB_ESCORE_NF : rc;
	merged = tb_parse_stored(map.player_stats);
	if (!json_object_is_type(merged, json_type_object)) {
		json_object_put(merged);
		merged = json_object_new_object();
	}
	json_object_object_foreach(q->stats, k, v) json_object_object_add(merged, k, json_object_get(v));
	if (!tb_stats_ok(merged)) {
		json_object_put(merged);
		tb_map_free(&map);
		return TB_EINVALID;
	}
	text = tb_json_text(merged);
	json_object_put(merged);
	free(map.player_stats);
	map.player_stats = text;
	rc = tb_map_put(s, txn, &map);
	tb_map_free(&map);
	return rc;
}

int tb_player_stats(struct ctx *c)
{
	struct tb_call t;
	struct tb_stats q;
	struct json_object *body, *o;
	int64_t x;
	int rc;

	if ((rc = tb_begin(c, &t, PERM_GAME_SCORES, LVL_WRITE, -1, 0)) || (rc = tb_bind_match(&t, 0, &q.id)))
		return rc;
	if (!(body = tb_body(c)))
		return tb_fail(c, TB_EINVALID, "the body must be a JSON object");
	if (tb_int(tb_field(body, "mapIndex"), 0, INT64_MAX, &x) < 0)
		return tb_fail(c, TB_EINVALID, "mapIndex must be a whole number below the match's bestOf");
	q.stats = tb_field(body, "playerStats");
	if (!q.stats || !tb_stats_ok(q.stats))
		return tb_fail(c, TB_EINVALID, "playerStats must be an object keyed by user id");
	q.game = t.game;
	q.index = (uint64_t)x;
	rc = store_write(c->store, tb_stats_txn, &q);
	if (rc == TB_EINVALID)
		return tb_fail(c, rc, "mapIndex must be below the match's bestOf, and playerStats stay within 100 players");
	if (rc)
		return rc;
	o = json_object_new_object();
	json_object_object_add(o, "success", json_object_new_boolean(1));
	json_object_object_add(o, "mapIndex", json_object_new_int64(x));
	json_object_object_add(o, "action", json_object_new_string("updated"));
	tb_send(c, 200, o);
	return 0;
}

/* ---- POST /game/matches (list) ---- */

struct tb_list {
	uint64_t game, before;
	int status;
	size_t limit;
	struct json_object *list;
	uint64_t last;
	int more;
};

static struct json_object *tb_team_json(struct store *s, MDB_txn *txn, uint64_t game, uint64_t id, int *rc)
{
	struct json_object *o = json_object_new_object();
	struct tb_team t;

	*rc = tb_team_get(s, txn, game, id, &t);
	json_object_object_add(o, "id", tb_id(id));
	json_object_object_add(o, "name", *rc ? NULL : json_object_new_string(t.name));
	json_object_object_add(o, "tag", *rc ? NULL : tb_text_or_null(t.tag));
	if (*rc == 0)
		tb_team_free(&t);
	if (*rc == ARC_ENOENT)
		*rc = 0;
	return o;
}

static int tb_match_json(struct store *s, MDB_txn *txn, const struct tb_match *m, struct json_object *list)
{
	struct json_object *o = json_object_new_object();
	unsigned cw, ow;
	int rc;

	json_object_array_add(list, o);
	json_object_object_add(o, "id", tb_id(m->id));
	json_object_object_add(o, "status", json_object_new_string(tb_status_name(m->status)));
	json_object_object_add(o, "gameMode", tb_text_or_null(m->game_mode));
	json_object_object_add(o, "bestOf", json_object_new_int((int)m->best_of));
	json_object_object_add(o, "creatorTeam", tb_team_json(s, txn, m->game, m->creator, &rc));
	if (rc)
		return rc;
	json_object_object_add(o, "acceptedTeam", tb_team_json(s, txn, m->game, m->opponent, &rc));
	if (rc || (rc = tb_match_series(s, txn, m->game, m->id, &cw, &ow)))
		return rc;
	json_object_object_add(o, "creatorTeamScore", json_object_new_int((int)cw));
	json_object_object_add(o, "acceptedTeamScore", json_object_new_int((int)ow));
	json_object_object_add(o, "scheduledAt", tb_time(m->scheduled_ms));
	json_object_object_add(o, "startedAt", tb_time(m->started_ms));
	json_object_object_add(o, "completedAt", tb_time(m->completed_ms));
	json_object_object_add(o, "createdAt", tb_time(m->created_ms));
	return 0;
}

static int tb_list_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct tb_list *q = arg;
	uint64_t ids[TB_LIST_MAX + 1];
	size_t n;
	int rc = tb_match_ids(s, txn, q->game, q->status, q->before, ids, q->limit + 1, &n);

	if (rc)
		return rc;
	q->more = n > q->limit;
	if (q->more)
		n = q->limit;
	for (size_t i = 0; i < n; i++) {
		struct tb_match m;
		if ((rc = tb_match_get(s, txn, q->game, ids[i], &m)))
			return rc;
		rc = tb_match_json(s, txn, &m, q->list);
		free(m.game_mode);
		if (rc)
			return rc;
		q->last = ids[i];
	}
	return 0;
}

/* Cursors are "c" + 16 hex digits: the last match id of the page. */
static int tb_cursor_parse(struct json_object *v, uint64_t *id)
{
	const char *s = tb_str(v);
	uint64_t x = 0;

	if (!s || strlen(s) != 17 || s[0] != 'c' || !upload_hex_valid(s + 1, 16, 16))
		return -1;
	for (int i = 1; i <= 16; i++)
		x = x << 4 | (uint64_t)(s[i] <= '9' ? s[i] - '0' : s[i] - 'a' + 10);
	if (x == 0)
		return -1;
	*id = x;
	return 0;
}

int tb_list_matches(struct ctx *c)
{
	struct tb_call t;
	struct tb_list q;
	struct json_object *body = NULL, *v, *o;
	const char *st;
	int64_t limit = TB_LIST_DEFAULT;
	char cur[24];
	int rc;

	if ((rc = tb_begin(c, &t, PERM_GAME_MATCHES, LVL_READ, -1, 0)))
		return rc;
	memset(&q, 0, sizeof(q));
	q.game = t.game;
	q.status = -1;
	/* An empty body means no filters. */
	if (c->req->body_len && strspn(c->req->body, " \t\r\n") < c->req->body_len && !(body = tb_body(c)))
		return tb_fail(c, TB_EINVALID, "the body must be a JSON object");
	if (body && (v = tb_field(body, "status"))) {
		if (!(st = tb_str(v)) || (q.status = tb_status_parse(st)) < 0)
			return tb_fail(c, TB_EINVALID, "status must be one of PENDING, ACCEPTED, READY, IN_PROGRESS, "
						       "COMPLETED, CANCELLED, DISPUTED, FORFEITED");
	}
	if (body && (v = tb_field(body, "limit")) && tb_int(v, 1, TB_LIST_MAX, &limit) < 0)
		return tb_fail(c, TB_ELIMIT, "limit must be a whole number from 1 to 100");
	if (body && (v = tb_field(body, "cursor")) && tb_cursor_parse(v, &q.before) < 0)
		return tb_fail(c, TB_ECURSOR, "cursor must be one this API returned");
	q.limit = (size_t)limit;
	q.list = json_object_new_array();
	if ((rc = store_read(c->store, tb_list_txn, &q))) {
		json_object_put(q.list);
		return rc;
	}
	o = json_object_new_object();
	json_object_object_add(o, "matches", q.list);
	snprintf(cur, sizeof(cur), "c%016llx", (unsigned long long)q.last);
	json_object_object_add(o, "cursor", q.more ? json_object_new_string(cur) : NULL);
	json_object_object_add(o, "hasMore", json_object_new_boolean(q.more));
	tb_send(c, 200, o);
	return 0;
}

/* ---- PATCH /game/matches/{matchId}/status ---- */

static const struct {
	int from, to;
} tb_transitions[] = {
	{ TBS_READY, TBS_IN_PROGRESS },
	{ TBS_IN_PROGRESS, TBS_CANCELLED },
	{ TBS_ACCEPTED, TBS_CANCELLED },
};

struct tb_status_set {
	uint64_t game, id;
	int to;
	uint64_t now;
};

static int tb_status_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct tb_status_set *q = arg;
	struct tb_match m;
	int rc = tb_match_get(s, txn, q->game, q->id, &m), old;

	if (rc)
		return rc == ARC_ENOENT ? TB_EMATCH : rc;
	rc = TB_ESTATE;
	for (size_t i = 0; i < sizeof(tb_transitions) / sizeof(tb_transitions[0]); i++)
		if (tb_transitions[i].from == m.status && tb_transitions[i].to == q->to)
			rc = 0;
	if (rc == 0) {
		old = m.status;
		m.status = q->to;
		if (q->to == TBS_IN_PROGRESS && !m.started_ms)
			m.started_ms = q->now;
		m.updated_ms = q->now;
		rc = tb_match_put(s, txn, &m, old);
	}
	free(m.game_mode);
	return rc;
}

int tb_set_status(struct ctx *c)
{
	struct tb_call t;
	struct tb_status_set q;
	struct json_object *body, *o;
	const char *st;
	int rc;

	if ((rc = tb_begin(c, &t, PERM_GAME_LIFECYCLE, LVL_WRITE, -1, 0)) || (rc = tb_bind_match(&t, 0, &q.id)))
		return rc;
	if (!(body = tb_body(c)))
		return tb_fail(c, TB_EINVALID, "the body must be a JSON object");
	if (!(st = tb_str(tb_field(body, "status"))) || (q.to = tb_status_parse(st)) < 0)
		return tb_fail(c, TB_EINVALID, "status must be one of PENDING, ACCEPTED, READY, IN_PROGRESS, "
					       "COMPLETED, CANCELLED, DISPUTED, FORFEITED");
	q.game = t.game;
	q.now = c->now_ms;
	if ((rc = store_write(c->store, tb_status_txn, &q)))
		return rc;
	o = json_object_new_object();
	json_object_object_add(o, "success", json_object_new_boolean(1));
	json_object_object_add(o, "status", json_object_new_string(tb_status_name(q.to)));
	tb_send(c, 200, o);
	return 0;
}

/* ---- POST /uploads/image-url ---- */

struct tb_slot {
	uint64_t game, now;
	char token[UPLOAD_TOKEN_LEN + 1];
};

static int tb_slot_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct tb_slot *q = arg;
	return upload_slot_create(s, txn, q->game, q->now, q->token);
}

/* The Host the client used, if it can stand in a URL as it is. */
static int tb_host_ok(const char *h)
{
	size_t n = strlen(h);
	return n > 0 && n <= 255 &&
	       strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:[]") == n;
}

int tb_image_url(struct ctx *c)
{
	struct tb_call t;
	struct tb_slot q;
	struct json_object *o;
	struct buf url;
	const char *scheme = strcasecmp(c->req->scheme, "https") == 0 ? "https" : "http";
	int rc;

	if ((rc = tb_begin(c, &t, PERM_UPLOADS, LVL_WRITE, -1, 0)))
		return rc;
	if (!tb_host_ok(c->req->host))
		return tb_fail(c, TB_EINVALID, "the request's Host header cannot form an upload URL");
	q.game = t.game;
	q.now = c->now_ms;
	if ((rc = store_write(c->store, tb_slot_txn, &q)))
		return rc;
	buf_init(&url);
	buf_printf(&url, "%s://%s/api/v1/uploads/%s", scheme, c->req->host, q.token);
	o = json_object_new_object();
	json_object_object_add(o, "uploadUrl", json_object_new_string(url.p));
	buf_free(&url);
	tb_send(c, 200, o);
	return 0;
}

/* ---- POST /uploads/{token}: the single-use URL ---- */

struct tb_put {
	char token[UPLOAD_TOKEN_LEN + 1];
	uint64_t game, now;
	struct upload u;
};

static int tb_put_check_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct tb_put *q = arg;
	return upload_slot_get(s, txn, q->token, q->now, &q->game);
}

/* Using the token up and recording the file happen together: of two
 * uploads racing on one URL, exactly one gets a storage id. */
static int tb_put_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct tb_put *q = arg;
	uint64_t game;
	int rc = upload_slot_get(s, txn, q->token, q->now, &game);

	if (rc == 0 && game != q->game)
		rc = ARC_ENOENT;
	if (rc == 0)
		rc = upload_slot_claim(s, txn, q->token);
	return rc ? rc : upload_put(s, txn, &q->u);
}

int tb_upload(struct ctx *c)
{
	struct tb_put q;
	struct json_object *o;
	const char *seg = c->req->caps[0], *ctype;
	size_t len = strcspn(seg, "/");
	int rc;

	memset(&q, 0, sizeof(q));
	if (!upload_hex_valid(seg, len, UPLOAD_TOKEN_LEN))
		return ARC_ENOENT;
	memcpy(q.token, seg, len);
	q.now = c->now_ms;
	if ((rc = store_read(c->store, tb_put_check_txn, &q)))
		return rc;
	if (c->req->body_len > c->cfg->max_upload)
		return ARC_EBODY;
	if (!(ctype = upload_sniff(c->req->body, c->req->body_len)))
		return tb_fail(c, TB_EINVALID, "the body must be a png, jpeg, gif, webp or avif image");
	if (secret_random_hex(q.u.sid, UPLOAD_SID_BYTES) < 0)
		return ARC_EINTERNAL;
	q.u.game = q.game;
	snprintf(q.u.ctype, sizeof(q.u.ctype), "%s", ctype);
	q.u.size = c->req->body_len;
	q.u.created_ms = c->now_ms;
	if ((rc = upload_file_write(c->cfg->data_dir, q.game, q.u.sid, c->req->body, c->req->body_len)))
		return rc;
	if ((rc = store_write(c->store, tb_put_txn, &q))) {
		upload_file_remove(c->cfg->data_dir, q.game, q.u.sid);
		return rc;
	}
	o = json_object_new_object();
	json_object_object_add(o, "storageId", json_object_new_string(q.u.sid));
	tb_send(c, 200, o);
	return 0;
}
