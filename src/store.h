/* store: the LMDB data environment. One environment, a few named databases
 * by shape:
 *   rec  records, keyed by entity prefix + owning game + ids
 *   idx  indexes (orderings, names to ids); values are empty or an id
 *        (a table's scores need none: their records are kept in table order)
 *   cnt  rank counters (rank.c)
 *   meta schema version and id sequences
 * A write runs inside store_write(), which commits durably (unless --sync
 * off), grows the map and retries when it is full, and turns LMDB's errors
 * into ARC_E* values. A write transaction never spans network I/O.
 * Durable commits are group commits by default (commit.h). */
#ifndef ARCADE_STORE_H
#define ARCADE_STORE_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>
#include "key.h"

/* 2: score records keyed by their place in the table (scores.h; upgrade.h) */
#define STORE_SCHEMA 2

/* --sync: what a successful store_write() has done before it returns.
 *   OFF     committed (MDB_NOSYNC): survives a killed process, not a power cut
 *   FULL    committed, and an fdatasync covering it has finished; fsyncs are
 *           shared between concurrent writers (group commit, commit.h)
 *   STRICT  LMDB's own synchronous commit: data pages flushed, then the meta
 *           page, one writer at a time (two flushes per write, none shared) */
enum store_sync { STORE_SYNC_OFF = 0, STORE_SYNC_FULL = 1, STORE_SYNC_STRICT = 2 };

struct commit;

struct store_opts {
	const char *dir;
	size_t map_size; /* initial map size */
	size_t map_max;  /* growth stops here: then writes answer ARC_EFULL */
	int sync;        /* enum store_sync */
	int readonly;
};

struct store {
	MDB_env *env;
	MDB_dbi rec, idx, cnt, meta;
	size_t map_max;
	int readonly;
	int sync;
	int writemap;          /* MDB_WRITEMAP (--sync off): store_map.h */
	int dirfd;             /* without the write map: held around writes */
	char *dir;
	struct commit *commit; /* STORE_SYNC_FULL: shared sync state (NULL: sync alone) */
	int flush_failed;      /* --sync off: DATA/sync.failed named this data at open */
};

typedef int (*store_fn)(struct store *s, MDB_txn *txn, void *ctx);

int store_open(struct store *s, const struct store_opts *o);
void store_close(struct store *s);
int store_read(struct store *s, store_fn fn, void *ctx);
int store_write(struct store *s, store_fn fn, void *ctx);

int store_get(MDB_txn *txn, MDB_dbi dbi, const struct key *k, MDB_val *out);
int store_put(MDB_txn *txn, MDB_dbi dbi, const struct key *k, const void *v, size_t n, unsigned flags);
/* Puts k unless it is there: ARC_EEXIST then, with the stored value in *old
 * (nothing written; *old points into LMDB's pages, valid until the next
 * write of the transaction). One look-up either way. */
int store_put_new(MDB_txn *txn, MDB_dbi dbi, const struct key *k, const void *v, size_t n, MDB_val *old);
int store_del(MDB_txn *txn, MDB_dbi dbi, const struct key *k);
/* Calls fn for every entry whose key starts with prefix and is klen bytes
 * long, in key order, until fn returns non-zero (which is returned). */
int store_scan(MDB_txn *txn, MDB_dbi dbi, const void *prefix, size_t plen, size_t klen,
	       int (*fn)(const MDB_val *k, const MDB_val *v, void *ctx), void *ctx);
/* The next value of a named sequence (1, 2, ...); ids are never reused. */
int store_seq_next(struct store *s, MDB_txn *txn, const char *name, uint64_t *out);
/* The last value a named sequence gave (0: none yet), changing nothing. */
int store_seq_last(struct store *s, MDB_txn *txn, const char *name, uint64_t *out);
/* Adopts a map grown by another process, capped at this process's
 * --map-max (the store is the env's user context). 0 or an LMDB/errno
 * code (the write map could not be reserved on disk). */
int store_adopt_map(MDB_env *env);
/* LMDB return code to ARC_E*. */
int store_err(int rc);
#endif
