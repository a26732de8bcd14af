/* store: opening the LMDB environment, transactions with map growth, and
 * small get/put helpers that speak ARC_E*. */
#include "config.h"
#include "store.h"
#include "commit.h"
#include "errors.h"
#include "log.h"
#include "store_map.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STORE_RETRIES 8

int store_err(int rc)
{
	switch (rc) {
	case 0:
		return ARC_OK;
	case MDB_NOTFOUND:
		return ARC_ENOENT;
	case MDB_KEYEXIST:
		return ARC_EEXIST;
	case MDB_MAP_FULL:
		return ARC_EMAPFULL;
	case EIO: /* LMDB's word for a short write: the disk filled up */
	case ENOSPC:
	case EDQUOT:
		return ARC_EFULL;
	default:
		return ARC_EINTERNAL;
	}
}

/* Commits txn with the durability the store was opened with, releasing
 * the caller's directory hold (store_map_hold) as soon as the file's
 * length is settled, before any wait for a sync. A write
 * transaction that changed nothing commits nothing (LMDB writes no meta
 * page and its id is used again): then there is nothing to wait for. If
 * another process commits that id before mdb_env_info looks, this waits
 * for its sync as well: one wait too many, never one too few. */
static int store_commit(struct store *s, MDB_txn *txn)
{
	uint64_t id = (uint64_t)mdb_txn_id(txn);
	MDB_envinfo info;
	int rc = mdb_txn_commit(txn);

	/* The file's length is settled: a write map may resize during the
	 * wait for the sync (flock has no writer preference, so holding on
	 * through busy syncs could starve it). */
	store_map_release(s->dirfd);
	if (rc == 0 && s->sync == STORE_SYNC_FULL && mdb_env_info(s->env, &info) == 0 &&
	    (uint64_t)info.me_last_txnid >= id)
		rc = commit_wait(s->commit, s->env, id);
	return rc;
}

static const struct { const char *name; size_t off; } store_dbis[] = {
	{ "rec", offsetof(struct store, rec) },
	{ "idx", offsetof(struct store, idx) },
	{ "cnt", offsetof(struct store, cnt) },
	{ "meta", offsetof(struct store, meta) },
};

static const MDB_val store_schema_key = { 6, "schema" };

/* Opens the named databases in txn, creating them when create is set. */
static int store_dbis_in(struct store *s, MDB_txn *txn, unsigned create)
{
	for (size_t i = 0; i < sizeof(store_dbis) / sizeof(store_dbis[0]); i++) {
		MDB_dbi *d = (MDB_dbi *)((char *)s + store_dbis[i].off);
		int rc = mdb_dbi_open(txn, store_dbis[i].name, create, d);
		if (rc)
			return rc;
	}
	return 0;
}

/* An existing store is opened in a read transaction: a worker starting
 * neither takes the writer lock nor waits for a sync. (A write transaction
 * that changed nothing cannot tell afterwards that it changed nothing when
 * another process commits the same id at once; see store_commit.) */
static int store_open_existing(struct store *s)
{
	MDB_txn *txn;
	MDB_val v;
	int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);

	if (rc)
		return rc;
	rc = store_dbis_in(s, txn, 0);
	if (rc == 0 && !s->readonly)
		rc = mdb_get(txn, s->meta, (MDB_val *)&store_schema_key, &v);
	if (rc) {
		mdb_txn_abort(txn);
		return rc;
	}
	return mdb_txn_commit(txn); /* keeps the handles */
}

static int store_open_dbis(struct store *s)
{
	MDB_txn *txn;
	MDB_val v;
	unsigned char ver[8];
	int rc = store_open_existing(s);

	if (rc != MDB_NOTFOUND || s->readonly)
		return rc;
	if (store_map_hold(s->dirfd) < 0)
		return errno;
	rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc)
		goto out;
	rc = store_dbis_in(s, txn, MDB_CREATE);
	key_put_u64(ver, STORE_SCHEMA);
	v.mv_size = 8;
	v.mv_data = ver;
	if (rc == 0)
		rc = mdb_put(txn, s->meta, (MDB_val *)&store_schema_key, &v, MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST)
		rc = 0;
	if (rc == 0)
		return store_commit(s, txn); /* releases the hold */
	mdb_txn_abort(txn);
out:
	store_map_release(s->dirfd);
	return rc;
}

static int store_env_open(struct store *s, const struct store_opts *o, unsigned flags)
{
	int rc = mdb_env_create(&s->env);

	if (rc)
		return rc;
	mdb_env_set_maxdbs(s->env, 8);
	mdb_env_set_maxreaders(s->env, 512);
	mdb_env_set_userctx(s->env, s); /* for store_adopt_map */
	return store_map_open(s->env, o->dir, o->map_size, flags);
}

int store_open(struct store *s, const struct store_opts *o)
{
	unsigned flags = MDB_NORDAHEAD;
	int rc, dead = 0;

	memset(s, 0, sizeof(*s));
	s->map_max = o->map_max;
	s->readonly = o->readonly;
	s->sync = o->readonly ? STORE_SYNC_OFF : o->sync;
	/* FULL commits without syncing, then waits for a shared sync. */
	if (s->sync != STORE_SYNC_STRICT)
		flags |= MDB_NOSYNC;
	/* OFF changes pages in place: no copy, no pwrite per dirty page. */
	s->writemap = !o->readonly && s->sync == STORE_SYNC_OFF;
	if (s->writemap)
		flags |= MDB_WRITEMAP;
	s->dir = xstrdup(o->dir);
	s->dirfd = -1;
	if (o->readonly)
		flags |= MDB_RDONLY;
	rc = store_env_open(s, o, flags);
	if (rc == EOPNOTSUPP && s->writemap) {
		log_msg(LOG_WARN, "store: %s cannot reserve disk space (fallocate): no write map", o->dir);
		mdb_env_close(s->env);
		s->env = NULL;
		s->writemap = 0;
		rc = store_env_open(s, o, flags & ~MDB_WRITEMAP);
	}
	if (rc)
		goto fail;
	/* Writers without the write map hold the directory lock around each
	 * write transaction (store_map.h). */
	if (!s->readonly && !s->writemap && (s->dirfd = store_map_dir_fd(o->dir)) < 0) {
		rc = errno;
		goto fail;
	}
	/* Reader slots of killed processes would pin old pages forever. */
	mdb_reader_check(s->env, &dead);
	if (dead)
		log_msg(LOG_WARN, "store: cleared %d stale reader slot(s)", dead);
	if (s->sync == STORE_SYNC_FULL)
		commit_open(&s->commit, s->env, o->dir); /* failure: logged, sync alone */
	if (!o->readonly && s->sync == STORE_SYNC_OFF)
		s->flush_failed = commit_flush_failed(s->env);
	rc = store_open_dbis(s);
	if (rc)
		goto fail;
	return 0;
fail:
	log_msg(LOG_ERR, "store: cannot open %s: %s", o->dir, mdb_strerror(rc));
	commit_close(s->commit);
	s->commit = NULL;
	if (s->env)
		mdb_env_close(s->env);
	s->env = NULL;
	free(s->dir);
	s->dir = NULL;
	if (s->dirfd >= 0)
		close(s->dirfd);
	s->dirfd = -1;
	return rc == ENOSPC || rc == EDQUOT ? ARC_EFULL : ARC_EINTERNAL;
}

void store_close(struct store *s)
{
	commit_close(s->commit);
	s->commit = NULL;
	if (s->env)
		mdb_env_close(s->env);
	s->env = NULL;
	free(s->dir);
	s->dir = NULL;
	if (s->dirfd >= 0)
		close(s->dirfd);
	s->dirfd = -1;
}

int store_adopt_map(MDB_env *env)
{
	struct store *s = mdb_env_get_userctx(env);
	MDB_envinfo info;
	int rc;

	/* With the write map: the file's length, which holds all the data
	 * (store_map.h). Otherwise the file records the largest map any
	 * process used (arcadectl's default among them); --map-max still
	 * bounds this process. LMDB keeps the map at least as large as the
	 * data. */
	if (s->writemap) {
		mdb_env_info(env, &info);
		return store_map_resize(env, s->dir, info.me_mapsize, 1);
	}
	rc = store_map_resize(env, s->dir, 0, 0);
	mdb_env_info(env, &info);
	if (rc == 0 && s->map_max && info.me_mapsize > s->map_max)
		rc = store_map_resize(env, s->dir, s->map_max, 0);
	return rc;
}

/* Another process grew the map: adopt its size before beginning. */
static int store_begin(struct store *s, unsigned flags, MDB_txn **txn)
{
	int rc = mdb_txn_begin(s->env, NULL, flags, txn);
	if (rc == MDB_MAP_RESIZED) {
		rc = store_adopt_map(s->env);
		if (rc == 0)
			rc = mdb_txn_begin(s->env, NULL, flags, txn);
	}
	return rc;
}

int store_read(struct store *s, store_fn fn, void *ctx)
{
	MDB_txn *txn;
	int rc = store_begin(s, MDB_RDONLY, &txn);

	if (rc)
		return store_err(rc);
	rc = fn(s, txn, ctx);
	mdb_txn_abort(txn);
	return rc;
}

static int store_grow(struct store *s)
{
	MDB_envinfo info;
	size_t next;

	mdb_env_info(s->env, &info);
	if (info.me_mapsize >= s->map_max)
		return ARC_EFULL;
	next = info.me_mapsize * 2;
	if (next > s->map_max)
		next = s->map_max;
	if (store_map_resize(s->env, s->dir, next, s->writemap))
		return ARC_EFULL;
	log_msg(LOG_INFO, "store: map grown to %zu bytes", next);
	return 0;
}

/* One write transaction, committed; a writer without the write map holds
 * the directory lock shared throughout (store_map.h). */
static int store_attempt(struct store *s, store_fn fn, void *ctx)
{
	MDB_txn *txn;
	int rc;

	if (store_map_hold(s->dirfd) < 0)
		return ARC_EINTERNAL;
	rc = store_begin(s, 0, &txn);
	if (rc) {
		store_map_release(s->dirfd);
		return store_err(rc);
	}
	rc = fn(s, txn, ctx);
	if (rc) {
		mdb_txn_abort(txn);
		store_map_release(s->dirfd);
		return rc;
	}
	return store_err(store_commit(s, txn)); /* releases the hold */
}

/* After a failed flush a write is refused before it begins, so it changes
 * nothing (commit.h). A process without the shared page, and --sync
 * strict, look at the marker file; --sync off, which never syncs, looked
 * once when it opened the data (switching to it must not write on). */
static int store_refusing(struct store *s)
{
	if (s->sync == STORE_SYNC_OFF)
		return s->flush_failed;
	return s->commit ? commit_refusing(s->commit) : commit_flush_failed(s->env);
}

int store_write(struct store *s, store_fn fn, void *ctx)
{
	if (store_refusing(s))
		return ARC_EFULL;
	for (int attempt = 0; attempt < STORE_RETRIES; attempt++) {
		int rc = store_attempt(s, fn, ctx);

		if (rc != ARC_EMAPFULL)
			return rc;
		rc = store_grow(s);
		if (rc)
			return rc;
	}
	return ARC_EFULL;
}

int store_get(MDB_txn *txn, MDB_dbi dbi, const struct key *k, MDB_val *out)
{
	MDB_val kv = { k->n, (void *)k->b };
	if (k->overflow)
		return ARC_ENOENT;
	return store_err(mdb_get(txn, dbi, &kv, out));
}

int store_put(MDB_txn *txn, MDB_dbi dbi, const struct key *k, const void *v, size_t n, unsigned flags)
{
	MDB_val kv = { k->n, (void *)k->b }, vv = { n, (void *)v };
	if (k->overflow)
		return ARC_EINTERNAL;
	return store_err(mdb_put(txn, dbi, &kv, &vv, flags));
}

int store_put_new(MDB_txn *txn, MDB_dbi dbi, const struct key *k, const void *v, size_t n, MDB_val *old)
{
	MDB_val kv = { k->n, (void *)k->b };
	if (k->overflow)
		return ARC_EINTERNAL;
	old->mv_size = n;
	old->mv_data = (void *)v;
	return store_err(mdb_put(txn, dbi, &kv, old, MDB_NOOVERWRITE)); /* LMDB points old at the stored value */
}

int store_del(MDB_txn *txn, MDB_dbi dbi, const struct key *k)
{
	MDB_val kv = { k->n, (void *)k->b };
	if (k->overflow)
		return ARC_ENOENT;
	return store_err(mdb_del(txn, dbi, &kv, NULL));
}

int store_scan(MDB_txn *txn, MDB_dbi dbi, const void *prefix, size_t plen, size_t klen,
	       int (*fn)(const MDB_val *k, const MDB_val *v, void *ctx), void *ctx)
{
	MDB_cursor *cur;
	MDB_val kv = { plen, (void *)prefix }, vv;
	int rc = mdb_cursor_open(txn, dbi, &cur), frc = 0;

	if (rc)
		return store_err(rc);
	rc = mdb_cursor_get(cur, &kv, &vv, MDB_SET_RANGE);
	while (rc == 0 && kv.mv_size >= plen && memcmp(kv.mv_data, prefix, plen) == 0) {
		if (kv.mv_size == klen && (frc = fn(&kv, &vv, ctx)) != 0)
			break;
		rc = mdb_cursor_get(cur, &kv, &vv, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	if (frc)
		return frc;
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : store_err(rc);
}

static void store_seq_key(struct key *k, const char *name)
{
	key_init(k, 'q');
	key_bytes(k, name, strlen(name));
}

int store_seq_last(struct store *s, MDB_txn *txn, const char *name, uint64_t *out)
{
	struct key k;
	MDB_val v;
	int rc;

	store_seq_key(&k, name);
	rc = store_get(txn, s->meta, &k, &v);
	*out = rc == ARC_OK && v.mv_size == 8 ? key_get_u64(v.mv_data) : 0;
	return rc == ARC_ENOENT ? 0 : rc;
}

int store_seq_next(struct store *s, MDB_txn *txn, const char *name, uint64_t *out)
{
	struct key k;
	uint64_t last;
	unsigned char b[8];
	int rc = store_seq_last(s, txn, name, &last);

	if (rc)
		return rc;
	store_seq_key(&k, name);
	key_put_u64(b, last + 1);
	rc = store_put(txn, s->meta, &k, b, 8, 0);
	if (rc)
		return rc;
	*out = last + 1;
	return 0;
}
