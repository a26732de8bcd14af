/* commit: group commit for the data environment (--sync full, the default).
 *
 * Every write transaction is committed with MDB_NOSYNC; before its answer
 * leaves, the writer waits until an fdatasync that began after its commit
 * has finished. The first waiter performs that sync for everyone committed
 * so far and publishes the highest transaction id it covered; waiters whose
 * id is already covered return at once. So one fsync serves all the commits
 * that arrived while the previous one ran, across every process of the pool
 * (and arcadectl), and an acknowledged write is still on disk.
 *
 * The shared state is one page in DIR/sync.shm: the covered txn id, read
 * and written with atomics, and flock(2) on the same file, taken without
 * blocking, to elect the one process that syncs (the kernel drops a dead
 * process's lock, so a killed syncer never blocks the others). The other
 * waiters sleep on a futex word of the page, each on one of 32 bits picked
 * by its txn id: a finished sync wakes just the waiters it covered, so a
 * covered waiter never queues behind the next sync and an uncovered one
 * sleeps on; when the syncer is done, it wakes one of those to sync next.
 * docs/performance.md states the promise and what it does not cover. */
#ifndef ARCADE_COMMIT_H
#define ARCADE_COMMIT_H

#include <lmdb.h>
#include <stdint.h>

struct commit;

/* Opens (creating if needed) DIR/sync.shm for env, which must be open
 * already. On failure returns -1 with *out NULL; the caller then syncs each
 * of its own commits (durable, just not shared). */
int commit_open(struct commit **out, MDB_env *env, const char *dir);
void commit_close(struct commit *c);
/* Returns 0 once txn `id` of env (committed, MDB_NOSYNC) is on disk, or an
 * LMDB/errno code if the sync failed (the write must not be acknowledged).
 * After one failed sync of the data file, every commit not synced before
 * it gets EIO, in every process and after restarts, until the data file is
 * restored (or an operator removes DATA/sync.failed and DATA/sync.shm): the
 * kernel reports a writeback error once and forgets the pages it could not
 * write.
 * c may be NULL: then this process syncs by itself (and refuses alike). */
int commit_wait(struct commit *c, MDB_env *env, uint64_t id);
/* 1 when a flush failed: writes are refused before they begin (so that
 * they change nothing). commit_refusing: this environment's shared page
 * says so; commit_flush_failed: DATA/sync.failed names this data.mdb (any
 * durable mode, with or without the page). */
int commit_refusing(const struct commit *c);
int commit_flush_failed(MDB_env *env);

/* Counters of this environment since sync.shm was made (tests, the
 * benchmark): commits that waited, fsyncs performed for them, and times a
 * waiter looked again because a sync was done (woken, or `round` moved as
 * it went to sleep): about one a wait, since a sync wakes only the waiters
 * it covered, plus the one it hands over to. A nap that ran out is not
 * counted. */
struct commit_stats {
	uint64_t waits, syncs, wakes, synced_txn;
};
int commit_stats(const struct commit *c, struct commit_stats *out);
#endif
