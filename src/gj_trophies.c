/* gj_trophies: Game Jolt trophies/, trophies/add-achieved and
 * trophies/remove-achieved, and the trophy records arcadectl creates.
 *   rec 'R' game trophy        -> title, description, difficulty, image url, created
 *   idx 'A' game player trophy -> achieved (ms)                               */
#include "config.h"
#include "gamejolt.h"
#include "errors.h"
#include "gj_core.h"
#include "key.h"
#include "rec.h"
#include "util.h"

#include <json-c/json.h>
#include <string.h>
#include <strings.h>

#define TROPHY_FILTER_MAX 100

static const char *const trophy_levels[] = { "", "Bronze", "Silver", "Gold", "Platinum" };

int trophy_difficulty_parse(const char *s)
{
	for (int i = 1; i < 5; i++)
		if (strcasecmp(s, trophy_levels[i]) == 0)
			return i;
	return -1;
}

static void trophy_key(struct key *k, uint64_t game, uint64_t id)
{
	key_init(k, 'R');
	key_u64(k, game);
	key_u64(k, id);
}

static void achieved_key(struct key *k, uint64_t game, uint64_t player, uint64_t trophy)
{
	key_init(k, 'A');
	key_u64(k, game);
	key_u64(k, player);
	key_u64(k, trophy);
}

int trophy_create(struct store *s, MDB_txn *txn, uint64_t game, const char *title, const char *description,
		  int difficulty, const char *image_url, uint64_t now_ms, uint64_t *id)
{
	struct game g;
	struct key k;
	struct buf b;
	int rc;

	if ((rc = game_get(s, txn, game, &g)))
		return rc;
	game_free(&g);
	if ((rc = store_seq_next(s, txn, "trophy", id)))
		return rc;
	buf_init(&b);
	rec_put_str(&b, title);
	rec_put_str(&b, description);
	rec_put_u64(&b, (uint64_t)difficulty);
	rec_put_str(&b, image_url);
	rec_put_u64(&b, now_ms);
	trophy_key(&k, game, *id);
	rc = store_put(txn, s->rec, &k, b.p, b.len, 0);
	buf_free(&b);
	return rc;
}

/* When the player achieved the trophy, or 0. */
static int trophy_achieved(struct store *s, MDB_txn *txn, uint64_t game, uint64_t player, uint64_t trophy,
			   uint64_t *when)
{
	struct key k;
	MDB_val v;
	int rc;

	achieved_key(&k, game, player, trophy);
	rc = store_get(txn, s->idx, &k, &v);
	*when = rc == 0 && v.mv_size == 8 ? key_get_u64(v.mv_data) : 0;
	return rc == ARC_ENOENT ? 0 : rc;
}

/* ---- trophies/ ---- */

struct gj_trophies {
	struct gj_call *g;
	uint64_t ids[TROPHY_FILTER_MAX];
	size_t nids;
	int achieved; /* -1 all, 0 not achieved, 1 achieved */
	struct json_object *list;
	int no_user;
};

static int gj_trophy_wanted(const struct gj_trophies *t, uint64_t id)
{
	if (!t->nids)
		return 1;
	for (size_t i = 0; i < t->nids; i++)
		if (t->ids[i] == id)
			return 1;
	return 0;
}

static int gj_trophy_item(struct store *s, MDB_txn *txn, struct gj_trophies *t, uint64_t player, uint64_t id,
			  const MDB_val *v)
{
	struct rec_reader r;
	struct json_object *o;
	uint64_t when, diff;
	char *title, *desc, *img;
	int rc = trophy_achieved(s, txn, t->g->game.id, player, id, &when);

	if (rc)
		return rc;
	if (t->achieved >= 0 && (when != 0) != t->achieved)
		return 0;
	rec_reader_init(&r, v->mv_data, v->mv_size);
	title = rec_get_str(&r);
	desc = rec_get_str(&r);
	diff = rec_get_u64(&r);
	img = rec_get_str(&r);
	o = json_object_new_object();
	json_object_object_add(o, "id", gj_u64(id));
	json_object_object_add(o, "title", gj_str(title));
	json_object_object_add(o, "description", gj_str(desc));
	json_object_object_add(o, "difficulty", gj_str(diff < 5 ? trophy_levels[diff] : ""));
	json_object_object_add(o, "image_url", gj_str(img));
	/* Game Jolt's "achieved" is "false" or when, in words. */
	json_object_object_add(o, "achieved", when ? gj_ago_json(t->g->c->now_ms, when) : gj_str("false"));
	json_object_array_add(t->list, o);
	free(title);
	free(desc);
	free(img);
	return r.bad ? ARC_EINTERNAL : 0;
}

static int gj_trophies_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct gj_trophies *t = arg;
	struct player p;
	MDB_cursor *cur;
	struct key k;
	MDB_val kv, vv;
	uint64_t player;
	int rc = gj_player(s, txn, t->g, &p);

	if (rc) {
		t->no_user = rc == ARC_ENOENT;
		return t->no_user ? 0 : rc;
	}
	player = p.id;
	player_free(&p);
	key_init(&k, 'R');
	key_u64(&k, t->g->game.id);
	if ((rc = mdb_cursor_open(txn, s->rec, &cur)))
		return store_err(rc);
	kv.mv_size = k.n;
	kv.mv_data = k.b;
	rc = mdb_cursor_get(cur, &kv, &vv, MDB_SET_RANGE);
	while (rc == 0 && kv.mv_size == k.n + 8 && memcmp(kv.mv_data, k.b, k.n) == 0) {
		uint64_t id = key_get_u64((unsigned char *)kv.mv_data + k.n);
		int frc = gj_trophy_wanted(t, id) ? gj_trophy_item(s, txn, t, player, id, &vv) : 0;
		if (frc) {
			mdb_cursor_close(cur);
			return frc;
		}
		rc = mdb_cursor_get(cur, &kv, &vv, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_err(rc);
}

/* "1,2,3": ids of this game's trophies; a malformed one matches nothing. */
static int gj_trophy_ids(struct gj_trophies *t, const char *list)
{
	for (const char *q = list; *q;) {
		size_t n = strcspn(q, ",");
		char one[24];
		if (t->nids == TROPHY_FILTER_MAX)
			return -1;
		t->ids[t->nids] = 0;
		if (n < sizeof(one)) {
			memcpy(one, q, n);
			one[n] = '\0';
			util_parse_u64(one, &t->ids[t->nids]);
		}
		t->nids++;
		q += n;
		if (*q == ',')
			q++;
	}
	return 0;
}

int gj_trophies_fetch(struct ctx *c)
{
	struct gj_call g;
	struct gj_trophies t;
	const char *ach;
	int rc;

	if (gj_begin(c, &g, &rc))
		return rc;
	memset(&t, 0, sizeof(t));
	t.g = &g;
	ach = gj_param(&g, "achieved");
	t.achieved = !*ach ? -1 : strcmp(ach, "true") == 0 || strcmp(ach, "1") == 0;
	if (gj_trophy_ids(&t, gj_param(&g, "trophy_id")) < 0) {
		rc = gj_fail(&g, GJM_TOO_MANY_IDS);
		goto out;
	}
	t.list = json_object_new_array();
	rc = store_read(c->store, gj_trophies_txn, &t);
	if (rc == 0 && t.no_user) {
		gj_fail(&g, GJM_NO_USER);
	} else if (rc == 0) {
		struct json_object *data = json_object_new_object();
		json_object_object_add(data, "trophies", json_object_get(t.list));
		gj_ok(&g, data);
	}
	json_object_put(t.list);
out:
	gj_end(&g);
	return rc;
}

/* ---- trophies/add-achieved, trophies/remove-achieved ---- */

struct gj_achieve {
	struct gj_call *g;
	uint64_t trophy;
	int add;
	enum gj_msg fail;
	int failed;
};

static int gj_achieve_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct gj_achieve *a = arg;
	uint64_t game = a->g->game.id, when;
	struct player p;
	struct key k;
	MDB_val v;
	unsigned char b[8];
	int rc = gj_player(s, txn, a->g, &p);

	if (rc) {
		if (rc != ARC_ENOENT)
			return rc;
		a->failed = 1, a->fail = GJM_NO_USER;
		return 0;
	}
	trophy_key(&k, game, a->trophy);
	rc = a->trophy ? store_get(txn, s->rec, &k, &v) : ARC_ENOENT;
	if (rc == 0)
		rc = trophy_achieved(s, txn, game, p.id, a->trophy, &when);
	if (rc == ARC_ENOENT) {
		a->failed = 1, a->fail = GJM_BAD_TROPHY;
		rc = 0;
	} else if (rc == 0 && a->add && when) {
		a->failed = 1, a->fail = GJM_HAS_TROPHY;
	} else if (rc == 0 && !a->add && !when) {
		a->failed = 1, a->fail = GJM_NOT_HAS_TROPHY;
	} else if (rc == 0) {
		achieved_key(&k, game, p.id, a->trophy);
		key_put_u64(b, a->g->c->now_ms);
		rc = a->add ? store_put(txn, s->idx, &k, b, 8, 0) : store_del(txn, s->idx, &k);
	}
	player_free(&p);
	return rc;
}

static int gj_achieve(struct ctx *c, int add)
{
	struct gj_call g;
	struct gj_achieve a;
	const char *tid;
	int rc;

	if (gj_begin(c, &g, &rc))
		return rc;
	memset(&a, 0, sizeof(a));
	a.g = &g;
	a.add = add;
	tid = gj_param(&g, "trophy_id");
	if (!*tid) {
		rc = gj_fail(&g, GJM_NEED_TROPHY);
		goto out;
	}
	if (util_parse_u64(tid, &a.trophy) < 0)
		a.trophy = 0; /* not a number: no such trophy */
	rc = store_write(c->store, gj_achieve_txn, &a);
	if (rc == 0)
		a.failed ? gj_fail(&g, a.fail) : gj_ok(&g, NULL);
out:
	gj_end(&g);
	return rc;
}

int gj_trophies_add(struct ctx *c) { return gj_achieve(c, 1); }
int gj_trophies_remove(struct ctx *c) { return gj_achieve(c, 0); }
