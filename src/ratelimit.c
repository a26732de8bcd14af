/* ratelimit: token-bucket arithmetic, the shared LMDB table of buckets with
 * its idle sweep, and the per-request helper that turns a charge into a 429
 * and RateLimit headers. */
#include "config.h"
#include "ratelimit.h"
#include "errors.h"
#include "handler.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <lmdb.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Float noise tolerance: 20 refills of 0.05 must make 1 token. */
#define RL_EPS 1e-9
/* Largest number of seconds printed in a header ("never"). */
#define RL_NEVER_S 999999999.0
/* At most one complaint per process per interval. */
#define RL_LOG_INTERVAL_MS 60000
#define RL_KEY_MAX (16 + 1 + RL_ID_MAX)

struct rl {
	MDB_env *env;
	MDB_dbi dbi;
	/* Where this process's idle sweep goes on next (a key, maybe gone). */
	unsigned char sweep_key[RL_KEY_MAX];
	size_t sweep_len;
};

/* One stored bucket. full_ms, when the bucket will have refilled to its
 * capacity, lets the sweep expire it without knowing its rate (rates can
 * be set per key or per game). Native layout: the file lives on tmpfs and
 * is never moved between machines. */
struct rl_rec {
	double tokens;
	uint64_t last_ms;
	uint64_t full_ms;
};

static const struct {
	const char *name;
	int err;
} rl_buckets[] = {
	{ "ip", ARC_ERATE_IP },
	{ "key", ARC_ERATE_KEY },
	{ "game", ARC_ERATE_KEY },
	{ "batch", ARC_ERATE_KEY },
};

/* ---- arithmetic ---------------------------------------------------------- */

void rl_refill(struct rl_bucket *b, const struct conf_rate *r, uint64_t now_ms)
{
	if (now_ms > b->last_ms) {
		/* ms * rate first: 20 ms at 50/s is exactly 1.0 token. */
		b->tokens += (double)(now_ms - b->last_ms) * r->per_sec / 1000.0;
		b->last_ms = now_ms;
	}
	/* Also clamps a bucket whose capacity was lowered since. */
	if (b->tokens > r->cap)
		b->tokens = r->cap;
	if (b->tokens < 0)
		b->tokens = 0;
}

int rl_spend(struct rl_bucket *b, const struct conf_rate *r, double cost, uint64_t now_ms)
{
	rl_refill(b, r, now_ms);
	if (cost > r->cap || b->tokens + RL_EPS < cost)
		return 0;
	b->tokens -= cost;
	if (b->tokens < 0)
		b->tokens = 0;
	return 1;
}

double rl_wait_s(const struct rl_bucket *b, const struct conf_rate *r, double want)
{
	double missing = want - b->tokens;

	if (missing <= RL_EPS)
		return 0;
	if (want > r->cap || r->per_sec <= 0)
		return HUGE_VAL;
	return missing / r->per_sec;
}

/* Rounds a non-negative, bounded x up (no libm needed). */
static uint64_t rl_ceil(double x)
{
	uint64_t i;

	if (!(x > 0))
		return 0;
	i = (uint64_t)x;
	return (double)i < x ? i + 1 : i;
}

/* Whole seconds for a header: rounded up, float noise forgiven. */
static unsigned long long rl_secs(double s)
{
	if (!(s > RL_EPS))
		return 0;
	if (s > RL_NEVER_S)
		return (unsigned long long)RL_NEVER_S;
	return rl_ceil(s - RL_EPS);
}

/* ---- the shared table ---------------------------------------------------- */

/* Fail-open complaints: a broken table would otherwise log every request. */
static void rl_complain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void rl_complain(const char *fmt, ...)
{
	static uint64_t last;
	static int said;
	uint64_t now = util_mono_ms();
	char line[512];
	va_list ap;

	if (said && now - last < RL_LOG_INTERVAL_MS)
		return;
	said = 1;
	last = now;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_msg(LOG_ERR, "%s", line);
}

static int rl_bucket_err(const char *name, const char **canon)
{
	for (size_t i = 0; i < sizeof(rl_buckets) / sizeof(rl_buckets[0]); i++)
		if (strcmp(name, rl_buckets[i].name) == 0) {
			*canon = rl_buckets[i].name;
			return rl_buckets[i].err;
		}
	return 0;
}

/* "bucket\0id"; an id too long for a key becomes '#' + its SHA-256. */
static size_t rl_key(unsigned char *out, const char *bucket, const char *id)
{
	size_t bl = strlen(bucket) + 1, il = strlen(id);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	memcpy(out, bucket, bl);
	if (il <= RL_ID_MAX) {
		memcpy(out + bl, id, il);
		return bl + il;
	}
	EVP_Digest(id, il, md, &mdlen, EVP_sha256(), NULL);
	out[bl] = '#';
	util_hex(md, mdlen, (char *)out + bl + 1); /* writes a NUL after: room left */
	return bl + 1 + 2 * (size_t)mdlen;
}

static int rl_begin(struct rl *rl, unsigned flags, MDB_txn **txn)
{
	int rc = mdb_txn_begin(rl->env, NULL, flags, txn);

	if (rc == MDB_MAP_RESIZED) {
		mdb_env_set_mapsize(rl->env, 0);
		rc = mdb_txn_begin(rl->env, NULL, flags, txn);
	}
	return rc;
}

/* Examines up to max entries after this process's rotating position and
 * deletes the ones that have refilled to full by now: a full bucket is the
 * same as no bucket. Sets *dirty when it deleted something. */
static int rl_sweep(struct rl *rl, MDB_txn *txn, uint64_t now_ms, int max, int *dirty)
{
	MDB_cursor *cur;
	MDB_val k, v;
	struct rl_rec rec;
	int rc, wrapped = 0;

	rc = mdb_cursor_open(txn, rl->dbi, &cur);
	if (rc)
		return rc;
	rc = MDB_NOTFOUND;
	if (rl->sweep_len) {
		k.mv_size = rl->sweep_len;
		k.mv_data = rl->sweep_key;
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	}
	for (int i = 0; i < max; i++) {
		if (rc == MDB_NOTFOUND) {
			if (wrapped++)
				break;
			rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
			if (rc)
				break;
		}
		if (rc)
			goto out;
		if (v.mv_size == sizeof(rec))
			memcpy(&rec, v.mv_data, sizeof(rec));
		if (v.mv_size != sizeof(rec) || rec.full_ms <= now_ms) {
			rc = mdb_cursor_del(cur, 0);
			if (rc)
				goto out;
			*dirty = 1;
		}
		/* After a delete, LMDB's NEXT yields the entry that followed. */
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	rl->sweep_len = 0;
	if (rc == 0 && k.mv_size <= sizeof(rl->sweep_key)) {
		memcpy(rl->sweep_key, k.mv_data, k.mv_size);
		rl->sweep_len = k.mv_size;
	}
	rc = 0;
out:
	if (rc == MDB_NOTFOUND)
		rc = 0;
	mdb_cursor_close(cur);
	return rc;
}

/* Over half the map in use by buckets: no new bucket is made (that request
 * is allowed), so LMDB keeps the headroom it needs for copy-on-write and
 * its free list, and a flood can never wedge the table; the sweep of the
 * charges that still run brings it back under. */
static int rl_crowded(struct rl *rl, MDB_txn *txn)
{
	MDB_stat st;
	MDB_envinfo info;

	if (mdb_stat(txn, rl->dbi, &st))
		return 1;
	mdb_env_info(rl->env, &info);
	return (st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages) * (size_t)st.ms_psize >
	       info.me_mapsize / 2;
}

static int rl_charge_txn(struct rl *rl, const MDB_val *key, const struct conf_rate *r, double cost,
			  uint64_t now_ms, struct rl_note *n)
{
	MDB_txn *txn;
	MDB_val v;
	struct rl_rec rec;
	struct rl_bucket b = { r->cap, now_ms }; /* a missing bucket is full */
	int rc, taken = 0, dirty = 0, crowded = 0;

	rc = rl_begin(rl, 0, &txn);
	if (rc)
		return rc;
	rc = mdb_get(txn, rl->dbi, (MDB_val *)key, &v);
	if (rc == 0 && v.mv_size == sizeof(rec)) {
		memcpy(&rec, v.mv_data, sizeof(rec));
		b.tokens = rec.tokens;
		b.last_ms = rec.last_ms;
	} else if (rc && rc != MDB_NOTFOUND) {
		goto fail;
	} else if (rc == MDB_NOTFOUND && rl_crowded(rl, txn)) {
		crowded = 1;
		goto sweep;
	}
	taken = rl_spend(&b, r, cost, now_ms);
	/* A refusal writes nothing: refilling is a function of time alone, so
	 * the stored state gives the same answer next time. */
	if (taken) {
		if (b.tokens + RL_EPS >= r->cap) {
			rc = mdb_del(txn, rl->dbi, (MDB_val *)key, NULL);
			if (rc && rc != MDB_NOTFOUND)
				goto fail;
		} else {
			double until = rl_wait_s(&b, r, r->cap) * 1000.0;
			rec.tokens = b.tokens;
			rec.last_ms = b.last_ms;
			rec.full_ms = until >= 1e15 ? UINT64_MAX : b.last_ms + rl_ceil(until);
			v.mv_size = sizeof(rec);
			v.mv_data = &rec;
			rc = mdb_put(txn, rl->dbi, (MDB_val *)key, &v, 0);
			if (rc)
				goto fail;
		}
		dirty = 1;
	}
sweep:
	rc = rl_sweep(rl, txn, now_ms, RL_SWEEP, &dirty);
	if (rc)
		goto fail;
	if (dirty) {
		rc = mdb_txn_commit(txn);
		if (rc)
			return rc;
	} else {
		mdb_txn_abort(txn);
	}
	if (crowded)
		return MDB_MAP_FULL;
	n->cap = r->cap;
	n->per_sec = r->per_sec;
	n->tokens = b.tokens;
	n->retry_s = 0;
	n->refused = !taken;
	if (!taken) {
		n->retry_s = rl_wait_s(&b, r, cost);
		if (n->retry_s == HUGE_VAL) /* never fits: at least wait until full */
			n->retry_s = rl_wait_s(&b, r, r->cap);
		if (n->retry_s < 1)
			n->retry_s = 1;
	}
	return 0;
fail:
	mdb_txn_abort(txn);
	return rc;
}

int rl_charge(struct rl *rl, const char *bucket, const char *id, const struct conf_rate *r, double cost,
	      uint64_t now_ms, struct rl_note *n)
{
	unsigned char kb[RL_KEY_MAX + 2 * EVP_MAX_MD_SIZE];
	MDB_val key;
	const char *name = NULL;
	int err, rc;

	memset(n, 0, sizeof(*n));
	if (!rl || !rl->env)
		return ARC_EINTERNAL;
	err = rl_bucket_err(bucket, &name);
	if (!err || !(cost >= 0)) {
		rl_complain("ratelimit: bad charge to bucket %s", bucket);
		return ARC_EINTERNAL;
	}
	key.mv_data = kb;
	key.mv_size = rl_key(kb, name, id ? id : "-");
	rc = rl_charge_txn(rl, &key, r, cost, now_ms, n);
	if (rc == MDB_MAP_FULL)
		rl_complain("ratelimit: the limits table is full; requests of new clients are allowed uncounted "
			    "(fail open) until idle buckets expire");
	else if (rc)
		rl_complain("ratelimit: the limits table is unusable (%s); requests are allowed (fail open)",
			    mdb_strerror(rc));
	if (rc)
		return store_err(rc);
	n->name = name;
	n->refused = n->refused ? err : 0;
	return 0;
}

int rl_entries(struct rl *rl, size_t *out)
{
	MDB_txn *txn;
	MDB_stat st;
	int rc;

	*out = 0;
	if (!rl || !rl->env)
		return ARC_EINTERNAL;
	rc = rl_begin(rl, MDB_RDONLY, &txn);
	if (rc)
		return store_err(rc);
	rc = mdb_stat(txn, rl->dbi, &st);
	mdb_txn_abort(txn);
	if (rc)
		return store_err(rc);
	*out = st.ms_entries;
	return 0;
}

int rl_open_sized(struct rl **out, const char *dir, size_t map_size)
{
	struct rl *rl = xcalloc(1, sizeof(*rl));
	MDB_txn *txn;
	int rc, dead = 0;

	*out = NULL;
	if (!dir || !*dir) {
		rc = ENOENT;
		goto fail;
	}
	/* systemd's RuntimeDirectory= or tmpfiles.d makes it in production;
	 * one level is created here for hand-run pools and tests. */
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		rc = errno;
		goto fail;
	}
	rc = mdb_env_create(&rl->env);
	if (rc)
		goto fail;
	mdb_env_set_maxdbs(rl->env, 2);
	mdb_env_set_mapsize(rl->env, map_size);
	/* tmpfs: nothing to sync; WRITEMAP saves the copy of each dirty page. */
	rc = mdb_env_open(rl->env, dir, MDB_NOSYNC | MDB_NOMETASYNC | MDB_WRITEMAP | MDB_NORDAHEAD, 0640);
	if (rc)
		goto fail;
	mdb_reader_check(rl->env, &dead);
	rc = mdb_txn_begin(rl->env, NULL, 0, &txn);
	if (rc)
		goto fail;
	rc = mdb_dbi_open(txn, "buckets", MDB_CREATE, &rl->dbi);
	if (rc) {
		mdb_txn_abort(txn);
		goto fail;
	}
	rc = mdb_txn_commit(txn);
	if (rc)
		goto fail;
	*out = rl;
	return 0;
fail:
	rl_complain("ratelimit: cannot open limits environment %s: %s; requests are not limited (fail open)",
		    dir ? dir : "(none)", mdb_strerror(rc));
	if (rl->env)
		mdb_env_close(rl->env);
	free(rl);
	return store_err(rc);
}

int rl_open(struct rl **out, const char *dir)
{
	return rl_open_sized(out, dir, RL_MAP_SIZE);
}

void rl_close(struct rl *rl)
{
	if (!rl)
		return;
	if (rl->env)
		mdb_env_close(rl->env);
	free(rl);
}

/* ---- per request --------------------------------------------------------- */

int rl_take(struct ctx *c, const char *bucket, const char *id, const struct conf_rate *r, double cost)
{
	struct rl_note n;

	if (c->rl_note.refused)
		return c->rl_note.refused;
	if (!c->rl) {
		rl_complain("ratelimit: no limits environment; requests are not limited (fail open)");
		return 0;
	}
	if (rl_charge(c->rl, bucket, id, r, cost, c->now_ms, &n))
		return 0; /* fail open; rl_charge has complained */
	if (n.refused || !c->rl_note.name || n.tokens < c->rl_note.tokens)
		c->rl_note = n;
	return n.refused;
}

/* Header values put together without printf: every limited answer has
 * five or six of them. */
struct rl_hv {
	char p[128];
	size_t n;
};

static void rl_hv_add(struct rl_hv *h, const char *s, size_t n)
{
	if (n > sizeof(h->p) - h->n)
		n = sizeof(h->p) - h->n;
	memcpy(h->p + h->n, s, n);
	h->n += n;
}

static void rl_hv_u64(struct rl_hv *h, uint64_t v)
{
	char d[24];
	rl_hv_add(h, d, util_u64_dec(v, d));
}

/* A capacity as "%.0f" prints it: configured capacities are whole numbers. */
static void rl_hv_num(struct rl_hv *h, double v)
{
	char d[64];
	if (v >= 0 && v < 1e15 && v == (double)(uint64_t)v)
		rl_hv_u64(h, (uint64_t)v);
	else
		rl_hv_add(h, d, (size_t)snprintf(d, sizeof(d), "%.0f", v));
}

/* "name";a=...;b=... (the IETF RateLimit fields). */
static void rl_hv_named(struct rl_hv *h, const char *name, const char *a)
{
	h->n = 0;
	rl_hv_add(h, "\"", 1);
	rl_hv_add(h, name, strlen(name));
	rl_hv_add(h, "\";", 2);
	rl_hv_add(h, a, strlen(a));
}

void rl_headers(struct ctx *c)
{
	const struct rl_note *n = &c->rl_note;
	struct rl_bucket b;
	struct conf_rate r;
	struct rl_hv h;
	uint64_t left, reset, window;

	if (!n->name)
		return;
	b.tokens = n->tokens;
	b.last_ms = 0;
	r.cap = n->cap;
	r.per_sec = n->per_sec;
	left = n->tokens > 0 ? (uint64_t)(n->tokens + RL_EPS) : 0;
	reset = rl_secs(rl_wait_s(&b, &r, n->cap));
	b.tokens = 0;
	window = rl_secs(rl_wait_s(&b, &r, n->cap));
	rl_hv_named(&h, n->name, "q=");
	rl_hv_num(&h, n->cap);
	rl_hv_add(&h, ";w=", 3);
	rl_hv_u64(&h, window);
	resp_header_n(c->resp, "RateLimit-Policy", h.p, h.n);
	rl_hv_named(&h, n->name, "r=");
	rl_hv_u64(&h, left);
	rl_hv_add(&h, ";t=", 3);
	rl_hv_u64(&h, reset);
	resp_header_n(c->resp, "RateLimit", h.p, h.n);
	h.n = 0;
	rl_hv_num(&h, n->cap);
	resp_header_n(c->resp, "X-RateLimit-Limit", h.p, h.n);
	resp_header_u64(c->resp, "X-RateLimit-Remaining", left);
	resp_header_u64(c->resp, "X-RateLimit-Reset", reset);
	if (n->refused)
		resp_header_u64(c->resp, "Retry-After", rl_secs(n->retry_s) ? rl_secs(n->retry_s) : 1);
}
