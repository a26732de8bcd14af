/* gj_datastore: Game Jolt data-store/ (fetch), set, update, remove,
 * get-keys. Items belong to the game, or to one of its players when the
 * request names username + user_token.
 *   rec 'D' game owner key -> data     (owner 0 = the game's own storage) */
#include "config.h"
#include "gamejolt.h"
#include "errors.h"
#include "gj_core.h"
#include "key.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DS_KEY_MAX 255
#define DS_DATA_MAX 1000000

enum ds_op { DS_FETCH, DS_SET, DS_UPDATE, DS_REMOVE, DS_KEYS };

struct gj_ds {
	struct gj_call *g;
	enum ds_op op;
	const char *key, *data, *operation, *value, *pattern;
	uint64_t owner;
	char *result;             /* data to answer with */
	struct json_object *keys; /* get-keys */
	enum gj_msg fail;
	int failed;
};

static void ds_key(struct key *k, uint64_t game, uint64_t owner, const char *name)
{
	key_init(k, 'D');
	key_u64(k, game);
	key_u64(k, owner);
	key_bytes(k, name, strlen(name));
}

/* '*' matches any run of bytes; everything else matches itself. One
 * backtrack point (the last '*') keeps this O(pattern * key): a hostile
 * pattern cannot make it exponential. */
static int ds_glob(const char *p, const char *s, size_t n)
{
	const char *star = NULL;
	size_t i = 0, mark = 0;

	while (i < n) {
		if (*p == '*') {
			star = ++p;
			mark = i;
		} else if (*p && *p == s[i]) {
			p++;
			i++;
		} else if (star) {
			p = star;
			i = ++mark;
		} else {
			return 0;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

static int ds_is_int(const char *s, int64_t *v)
{
	return util_parse_i64(s, v) == 0;
}

/* Decimal only: strtod alone would also take hex, "inf" and "nan". */
static int ds_is_num(const char *s, double *v)
{
	char *end;
	if (!*s || strspn(s, "+-0123456789.eE") != strlen(s))
		return 0;
	errno = 0;
	*v = strtod(s, &end);
	return !*end && !errno && isfinite(*v);
}

/* Integers stay integers while the result is exact; otherwise doubles. */
static int ds_arith(struct gj_ds *d, const char *old)
{
	int64_t a, b, r = 0;
	double x, y, z;
	char out[64];
	int op = d->operation[0];
	int ints = ds_is_int(old, &a) && ds_is_int(d->value, &b);

	if (!ints && !(ds_is_num(old, &x) && ds_is_num(d->value, &y)))
		return d->failed = 1, d->fail = GJM_NOT_NUMERIC, 0;
	if (ints) {
		int over = 0;
		if (op == 'a')
			over = __builtin_add_overflow(a, b, &r);
		else if (op == 's')
			over = __builtin_sub_overflow(a, b, &r);
		else if (op == 'm')
			over = __builtin_mul_overflow(a, b, &r);
		else if (b == 0)
			return d->failed = 1, d->fail = GJM_DIV_ZERO, 0;
		else if (a == INT64_MIN && b == -1)
			over = 1; /* the one quotient that does not fit; a % b would trap */
		else if (a % b == 0)
			r = a / b;
		else
			ints = 0, x = (double)a, y = (double)b;
		if (over)
			return d->failed = 1, d->fail = GJM_OVERFLOW, 0;
		if (ints) {
			snprintf(out, sizeof(out), "%lld", (long long)r);
			d->result = xstrdup(out);
			return 0;
		}
	}
	if (op == 'd' && y == 0)
		return d->failed = 1, d->fail = GJM_DIV_ZERO, 0;
	z = op == 'a' ? x + y : op == 's' ? x - y : op == 'm' ? x * y : x / y;
	if (!isfinite(z))
		return d->failed = 1, d->fail = GJM_OVERFLOW, 0;
	snprintf(out, sizeof(out), "%.15g", z);
	d->result = xstrdup(out);
	return 0;
}

static const char *const ds_ops[] = { "add", "subtract", "multiply", "divide", "append", "prepend" };

static int ds_update(struct gj_ds *d, const char *old, size_t oldlen)
{
	struct buf b;

	if (d->operation[0] == 'a' && d->operation[1] == 'p') { /* append */
		buf_init(&b);
		buf_add(&b, old, oldlen);
		buf_adds(&b, d->value);
	} else if (d->operation[0] == 'p') { /* prepend */
		buf_init(&b);
		buf_adds(&b, d->value);
		buf_add(&b, old, oldlen);
	} else {
		char *o = xstrndup(old, oldlen);
		int rc = ds_arith(d, o);
		free(o);
		return rc;
	}
	if (b.len > DS_DATA_MAX) {
		buf_free(&b);
		return d->failed = 1, d->fail = GJM_DATA_LONG, 0;
	}
	d->result = buf_detach(&b);
	return 0;
}

static int ds_keys(struct store *s, MDB_txn *txn, struct gj_ds *d)
{
	MDB_cursor *cur;
	struct key k;
	MDB_val kv, vv;
	size_t plen;
	int rc;

	ds_key(&k, d->g->game.id, d->owner, "");
	plen = k.n;
	if ((rc = mdb_cursor_open(txn, s->rec, &cur)))
		return store_err(rc);
	kv.mv_size = k.n;
	kv.mv_data = k.b;
	d->keys = json_object_new_array();
	rc = mdb_cursor_get(cur, &kv, &vv, MDB_SET_RANGE);
	while (rc == 0 && kv.mv_size > plen && memcmp(kv.mv_data, k.b, plen) == 0) {
		const char *name = (const char *)kv.mv_data + plen;
		size_t n = kv.mv_size - plen;
		if (!*d->pattern || ds_glob(d->pattern, name, n)) {
			struct json_object *o = json_object_new_object();
			json_object_object_add(o, "key", json_object_new_string_len(name, (int)n));
			json_object_array_add(d->keys, o);
		}
		rc = mdb_cursor_get(cur, &kv, &vv, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_err(rc);
}

static int gj_ds_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct gj_ds *d = arg;
	struct key k;
	MDB_val v;
	int rc;

	free(d->result);
	d->result = NULL;
	if (*gj_param(d->g, "username") || *gj_param(d->g, "user_token")) {
		struct player p;
		if ((rc = gj_player(s, txn, d->g, &p))) {
			if (rc != ARC_ENOENT)
				return rc;
			return d->failed = 1, d->fail = GJM_NO_USER, 0;
		}
		d->owner = p.id;
		player_free(&p);
	}
	if (d->op == DS_KEYS)
		return ds_keys(s, txn, d);
	ds_key(&k, d->g->game.id, d->owner, d->key);
	if (d->op == DS_SET)
		return store_put(txn, s->rec, &k, d->data, strlen(d->data), 0);
	rc = store_get(txn, s->rec, &k, &v);
	if (rc == ARC_ENOENT)
		return d->failed = 1, d->fail = GJM_NO_ITEM, 0;
	if (rc)
		return rc;
	if (d->op == DS_FETCH) {
		d->result = xstrndup(v.mv_data, v.mv_size);
		return 0;
	}
	if (d->op == DS_REMOVE)
		return store_del(txn, s->rec, &k);
	if ((rc = ds_update(d, v.mv_data, v.mv_size)) || d->failed)
		return rc;
	return store_put(txn, s->rec, &k, d->result, strlen(d->result), 0);
}

/* The checks that need no transaction, in order; 0 to go on. */
static int gj_ds_check(struct gj_ds *d)
{
	if (d->op != DS_KEYS && !*d->key)
		return gj_fail(d->g, GJM_NEED_KEY), -1;
	if (strlen(d->key) > DS_KEY_MAX)
		return gj_fail(d->g, GJM_KEY_LONG), -1;
	if (d->op == DS_SET && !*d->data)
		return gj_fail(d->g, GJM_NEED_DATA), -1;
	if (d->op == DS_SET && strlen(d->data) > DS_DATA_MAX)
		return gj_fail(d->g, GJM_DATA_LONG), -1;
	if (d->op == DS_UPDATE) {
		size_t i;
		for (i = 0; i < sizeof(ds_ops) / sizeof(ds_ops[0]); i++)
			if (strcmp(d->operation, ds_ops[i]) == 0)
				break;
		if (i == sizeof(ds_ops) / sizeof(ds_ops[0]))
			return gj_fail(d->g, GJM_BAD_OPERATION), -1;
		if (!*d->value)
			return gj_fail(d->g, GJM_NEED_VALUE), -1;
	}
	return 0;
}

static int gj_ds_call(struct ctx *c, enum ds_op op)
{
	struct gj_call g;
	struct gj_ds d;
	int rc;

	if (gj_begin(c, &g, &rc))
		return rc;
	memset(&d, 0, sizeof(d));
	d.g = &g;
	d.op = op;
	d.key = gj_param(&g, "key");
	d.data = gj_param(&g, "data");
	d.operation = gj_param(&g, "operation");
	d.value = gj_param(&g, "value");
	d.pattern = gj_param(&g, "pattern");
	if (gj_ds_check(&d) < 0)
		goto out;
	rc = op == DS_FETCH || op == DS_KEYS ? store_read(c->store, gj_ds_txn, &d) : store_write(c->store, gj_ds_txn, &d);
	if (rc)
		goto out;
	if (d.failed) {
		gj_fail(&g, d.fail);
	} else if (op == DS_FETCH || op == DS_UPDATE) {
		struct json_object *data = json_object_new_object();
		json_object_object_add(data, "data", gj_str(d.result));
		gj_ok(&g, data);
	} else if (op == DS_KEYS) {
		struct json_object *data = json_object_new_object();
		json_object_object_add(data, "keys", d.keys);
		d.keys = NULL;
		gj_ok(&g, data);
	} else {
		gj_ok(&g, NULL);
	}
out:
	if (d.keys)
		json_object_put(d.keys);
	free(d.result);
	gj_end(&g);
	return rc;
}

int gj_ds_fetch(struct ctx *c) { return gj_ds_call(c, DS_FETCH); }
int gj_ds_set(struct ctx *c) { return gj_ds_call(c, DS_SET); }
int gj_ds_update(struct ctx *c) { return gj_ds_call(c, DS_UPDATE); }
int gj_ds_remove(struct ctx *c) { return gj_ds_call(c, DS_REMOVE); }
int gj_ds_keys(struct ctx *c) { return gj_ds_call(c, DS_KEYS); }
