/* gj_users: Game Jolt users/, users/auth, sessions/(open|ping|check|close),
 * friends/ and time/.
 *   rec 'E' game player        -> session: opened, last ping, status
 *   idx 'F' game player friend -> (both directions, made by arcadectl)
 * A session is open while its last ping is under 120 s old; nothing needs
 * to sweep old ones, a stale record simply reads as closed. */
#include "config.h"
#include "gamejolt.h"
#include "errors.h"
#include "gj_core.h"
#include "key.h"
#include "rec.h"
#include "util.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SESSION_TTL_MS 120000
#define USERS_MAX_IDS 100

enum { SESSION_ACTIVE = 0, SESSION_IDLE = 1 };

struct gj_session {
	uint64_t opened_ms, last_ms, status;
};

static void session_key(struct key *k, uint64_t game, uint64_t player)
{
	key_init(k, 'E');
	key_u64(k, game);
	key_u64(k, player);
}

/* ARC_ENOENT when there is no session record at all. */
static int session_get(struct store *s, MDB_txn *txn, uint64_t game, uint64_t player, struct gj_session *out)
{
	struct key k;
	struct rec_reader r;
	MDB_val v;
	int rc;

	session_key(&k, game, player);
	if ((rc = store_get(txn, s->rec, &k, &v)))
		return rc;
	rec_reader_init(&r, v.mv_data, v.mv_size);
	out->opened_ms = rec_get_u64(&r);
	out->last_ms = rec_get_u64(&r);
	out->status = rec_get_u64(&r);
	return r.bad ? ARC_EINTERNAL : 0;
}

static int session_put(struct store *s, MDB_txn *txn, uint64_t game, uint64_t player, const struct gj_session *v)
{
	struct key k;
	struct buf b;
	int rc;

	buf_init(&b);
	rec_put_u64(&b, v->opened_ms);
	rec_put_u64(&b, v->last_ms);
	rec_put_u64(&b, v->status);
	session_key(&k, game, player);
	rc = store_put(txn, s->rec, &k, b.p, b.len, 0);
	buf_free(&b);
	return rc;
}

static int session_is_open(const struct gj_session *v, uint64_t now_ms)
{
	return now_ms < v->last_ms + SESSION_TTL_MS;
}

/* ---- users/auth ---- */

static int gj_auth_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct gj_call *g = arg;
	struct player p;
	int rc = gj_player(s, txn, g, &p);
	if (rc == 0)
		player_free(&p);
	return rc;
}

int gj_users_auth(struct ctx *c)
{
	struct gj_call g;
	int rc;

	if (gj_begin(c, &g, &rc))
		return rc;
	rc = store_read(c->store, gj_auth_txn, &g);
	if (rc == ARC_ENOENT)
		rc = gj_fail(&g, GJM_NO_USER);
	else if (rc == 0)
		gj_ok(&g, NULL);
	gj_end(&g);
	return rc;
}

/* ---- users/ ---- */

struct gj_users {
	struct gj_call *g;
	struct json_object *list;
};

static struct json_object *gj_user_json(struct store *s, MDB_txn *txn, const struct player *p, uint64_t now_ms)
{
	struct json_object *o = json_object_new_object();
	struct gj_session sess;
	uint64_t seen = p->created_ms;
	int online = 0;

	if (session_get(s, txn, p->game, p->id, &sess) == 0) {
		seen = sess.last_ms;
		online = session_is_open(&sess, now_ms);
	}
	json_object_object_add(o, "id", gj_u64(p->id));
	json_object_object_add(o, "type", gj_str("User"));
	json_object_object_add(o, "username", gj_str(p->username));
	json_object_object_add(o, "avatar_url", gj_str(p->image_url));
	json_object_object_add(o, "signed_up", gj_ago_json(now_ms, p->created_ms));
	json_object_object_add(o, "signed_up_timestamp", json_object_new_int64((int64_t)(p->created_ms / 1000)));
	json_object_object_add(o, "last_logged_in", online ? gj_str("Online Now") : gj_ago_json(now_ms, seen));
	json_object_object_add(o, "last_logged_in_timestamp", json_object_new_int64((int64_t)(seen / 1000)));
	json_object_object_add(o, "status", gj_str("Active"));
	json_object_object_add(o, "developer_name", gj_str(p->username));
	json_object_object_add(o, "developer_website", gj_str(""));
	json_object_object_add(o, "developer_description", gj_str(""));
	return o;
}

static int gj_users_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct gj_users *u = arg;
	const char *name = gj_param(u->g, "username"), *ids = gj_param(u->g, "user_id");
	struct player p;
	int rc;

	if (*name) {
		if ((rc = player_find(s, txn, u->g->game.id, name, &p)))
			return rc == ARC_ENOENT ? 0 : rc;
		json_object_array_add(u->list, gj_user_json(s, txn, &p, u->g->c->now_ms));
		player_free(&p);
		return 0;
	}
	/* A comma list of ids: unknown ones are left out. */
	for (const char *q = ids; *q;) {
		size_t n = strcspn(q, ",");
		char one[24];
		uint64_t id;
		if (n < sizeof(one)) {
			memcpy(one, q, n);
			one[n] = '\0';
			if (util_parse_u64(one, &id) == 0 && player_get(s, txn, u->g->game.id, id, &p) == 0) {
				json_object_array_add(u->list, gj_user_json(s, txn, &p, u->g->c->now_ms));
				player_free(&p);
			}
		}
		q += n;
		if (*q == ',')
			q++;
	}
	return 0;
}

int gj_users_fetch(struct ctx *c)
{
	struct gj_call g;
	struct gj_users u;
	const char *ids;
	size_t commas = 0;
	int rc;

	if (gj_begin(c, &g, &rc))
		return rc;
	ids = gj_param(&g, "user_id");
	for (const char *q = ids; *q; q++)
		commas += *q == ',';
	if (!*gj_param(&g, "username") && !*ids) {
		rc = gj_fail(&g, GJM_USERS_NONE);
	} else if (commas >= USERS_MAX_IDS) {
		rc = gj_fail(&g, GJM_TOO_MANY_IDS);
	} else {
		u.g = &g;
		u.list = json_object_new_array();
		rc = store_read(c->store, gj_users_txn, &u);
		if (rc == 0 && json_object_array_length(u.list) == 0) {
			rc = gj_fail(&g, GJM_USER_NOT_FOUND);
		} else if (rc == 0) {
			struct json_object *data = json_object_new_object();
			json_object_object_add(data, "users", json_object_get(u.list));
			gj_ok(&g, data);
		}
		json_object_put(u.list);
	}
	gj_end(&g);
	return rc;
}

/* ---- sessions/open, ping, check, close ---- */

enum gj_session_op { SESS_OPEN, SESS_PING, SESS_CHECK, SESS_CLOSE };

struct gj_sess {
	struct gj_call *g;
	enum gj_session_op op;
	uint64_t status;
	int no_user, no_session;
};

static int gj_sess_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct gj_sess *q = arg;
	uint64_t now = q->g->c->now_ms, game = q->g->game.id;
	struct gj_session v;
	struct player p;
	struct key k;
	int rc = gj_player(s, txn, q->g, &p), open;

	if (rc) {
		q->no_user = rc == ARC_ENOENT;
		return q->no_user ? 0 : rc;
	}
	rc = session_get(s, txn, game, p.id, &v);
	if (rc && rc != ARC_ENOENT)
		goto out;
	open = rc == 0 && session_is_open(&v, now);
	rc = 0;
	switch (q->op) {
	case SESS_OPEN: /* opening replaces whatever was open */
		v.opened_ms = v.last_ms = now;
		v.status = q->status;
		rc = session_put(s, txn, game, p.id, &v);
		break;
	case SESS_PING:
		if (!open) {
			q->no_session = 1;
			break;
		}
		v.last_ms = now;
		v.status = q->status;
		rc = session_put(s, txn, game, p.id, &v);
		break;
	case SESS_CHECK:
		q->no_session = !open;
		break;
	case SESS_CLOSE:
		if (!open) {
			q->no_session = 1;
			break;
		}
		session_key(&k, game, p.id);
		rc = store_del(txn, s->rec, &k);
		break;
	}
out:
	player_free(&p);
	return rc;
}

static int gj_session_call(struct ctx *c, enum gj_session_op op)
{
	struct gj_call g;
	struct gj_sess q;
	const char *status;
	int rc;

	if (gj_begin(c, &g, &rc))
		return rc;
	memset(&q, 0, sizeof(q));
	q.g = &g;
	q.op = op;
	status = gj_param(&g, "status");
	if (strcmp(status, "idle") == 0)
		q.status = SESSION_IDLE;
	else if (*status && strcmp(status, "active") != 0 && op == SESS_PING) {
		rc = gj_fail(&g, GJM_BAD_STATUS);
		goto out;
	}
	rc = op == SESS_CHECK ? store_read(c->store, gj_sess_txn, &q) : store_write(c->store, gj_sess_txn, &q);
	if (rc)
		goto out;
	if (q.no_user)
		gj_fail(&g, GJM_NO_USER);
	else if (q.no_session && op == SESS_CHECK)
		gj_answer(c, g.fmt, 0, NULL, NULL); /* "false", no message: Game Jolt's own answer */
	else if (q.no_session)
		gj_fail(&g, GJM_NO_SESSION);
	else
		gj_ok(&g, NULL);
out:
	gj_end(&g);
	return rc;
}

int gj_sessions_open(struct ctx *c) { return gj_session_call(c, SESS_OPEN); }
int gj_sessions_ping(struct ctx *c) { return gj_session_call(c, SESS_PING); }
int gj_sessions_check(struct ctx *c) { return gj_session_call(c, SESS_CHECK); }
int gj_sessions_close(struct ctx *c) { return gj_session_call(c, SESS_CLOSE); }

/* ---- friends/ ---- */

static void friend_key(struct key *k, uint64_t game, uint64_t player, uint64_t friend)
{
	key_init(k, 'F');
	key_u64(k, game);
	key_u64(k, player);
	key_u64(k, friend);
}

int friend_add(struct store *s, MDB_txn *txn, uint64_t game, uint64_t a, uint64_t b)
{
	struct player p;
	struct key k;
	int rc;

	if (a == b)
		return ARC_EEXIST;
	if ((rc = player_get(s, txn, game, a, &p)))
		return rc;
	player_free(&p);
	if ((rc = player_get(s, txn, game, b, &p)))
		return rc;
	player_free(&p);
	friend_key(&k, game, a, b);
	if ((rc = store_put(txn, s->idx, &k, "", 0, 0)))
		return rc;
	friend_key(&k, game, b, a);
	return store_put(txn, s->idx, &k, "", 0, 0);
}

struct gj_friends {
	struct gj_call *g;
	struct json_object *list;
	int no_user;
};

static int gj_friends_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct gj_friends *f = arg;
	struct player p;
	MDB_cursor *cur;
	struct key k;
	MDB_val kv, vv;
	int rc = gj_player(s, txn, f->g, &p);

	if (rc) {
		f->no_user = rc == ARC_ENOENT;
		return f->no_user ? 0 : rc;
	}
	key_init(&k, 'F');
	key_u64(&k, f->g->game.id);
	key_u64(&k, p.id);
	player_free(&p);
	if ((rc = mdb_cursor_open(txn, s->idx, &cur)))
		return store_err(rc);
	kv.mv_size = k.n;
	kv.mv_data = k.b;
	rc = mdb_cursor_get(cur, &kv, &vv, MDB_SET_RANGE);
	while (rc == 0 && kv.mv_size == k.n + 8 && memcmp(kv.mv_data, k.b, k.n) == 0) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "friend_id", gj_u64(key_get_u64((unsigned char *)kv.mv_data + k.n)));
		json_object_array_add(f->list, o);
		rc = mdb_cursor_get(cur, &kv, &vv, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_err(rc);
}

int gj_friends(struct ctx *c)
{
	struct gj_call g;
	struct gj_friends f;
	int rc;

	if (gj_begin(c, &g, &rc))
		return rc;
	memset(&f, 0, sizeof(f));
	f.g = &g;
	f.list = json_object_new_array();
	rc = store_read(c->store, gj_friends_txn, &f);
	if (rc == 0 && f.no_user) {
		gj_fail(&g, GJM_NO_USER);
	} else if (rc == 0) {
		struct json_object *data = json_object_new_object();
		json_object_object_add(data, "friends", json_object_get(f.list));
		gj_ok(&g, data);
	}
	json_object_put(f.list);
	gj_end(&g);
	return rc;
}

/* ---- time/ ---- */

/* Game Jolt answers in its own time zone (America/New_York); arcade serves
 * many places and answers in UTC, saying so in `timezone`. */
int gj_time(struct ctx *c)
{
	struct gj_call g;
	struct json_object *data;
	time_t now;
	struct tm tm;
	int rc;

	if (gj_begin(c, &g, &rc))
		return rc;
	now = (time_t)(c->now_ms / 1000);
	gmtime_r(&now, &tm);
	data = json_object_new_object();
	json_object_object_add(data, "timestamp", json_object_new_int64((int64_t)now));
	json_object_object_add(data, "timezone", gj_str("UTC"));
	json_object_object_add(data, "year", json_object_new_int(tm.tm_year + 1900));
	json_object_object_add(data, "month", json_object_new_int(tm.tm_mon + 1));
	json_object_object_add(data, "day", json_object_new_int(tm.tm_mday));
	json_object_object_add(data, "hour", json_object_new_int(tm.tm_hour));
	json_object_object_add(data, "minute", json_object_new_int(tm.tm_min));
	json_object_object_add(data, "second", json_object_new_int(tm.tm_sec));
	gj_ok(&g, data);
	gj_end(&g);
	return 0;
}
