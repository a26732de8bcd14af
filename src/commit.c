/* commit: group commit across processes (see commit.h). */
#include "config.h"
#include "commit.h"
#include "store.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <linux/futex.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define COMMIT_MAGIC 0x6172636164657363ULL /* "arcadesc" */
#define COMMIT_VERSION 3
#define COMMIT_PAGE 4096
/* How long a waiter sleeps before looking again by itself: only matters
 * when a syncer died between taking the lock and waking the others. */
#define COMMIT_NAP_NS 5000000L

/* The shared page. `synced` only grows while the data file stays the same
 * one; it is reset when sync.shm does not describe the data.mdb beside it. */
struct commit_page {
	uint64_t magic;
	uint32_t version, pad;
	uint64_t dev, ino;  /* data.mdb this page belongs to */
	uint64_t synced;    /* every txn id <= this is on disk */
	uint64_t waits;     /* commits that waited for a sync (statistics) */
	uint64_t syncs;     /* fsyncs performed for them (statistics) */
	uint32_t round;     /* futex word: bumped before every wake */
	uint32_t pad2;
	uint64_t wakes;     /* a waiter looked again: woken, or `round` moved
			     * as it went to sleep (statistics) */
	uint64_t failed;    /* a sync of this data file failed: no later
			     * commit is acknowledged (commit_refused) */
};

struct commit {
	int fd;
	struct commit_page *page;
};

/* The last txn id whose commit has completed: a read transaction starts
 * from the id LMDB publishes after the meta page is written, never one
 * still being written. */
static int commit_last_txn(MDB_env *env, uint64_t *out)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);

	if (rc == MDB_MAP_RESIZED) {
		rc = store_adopt_map(env);
		if (rc == 0)
			rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
	}
	if (rc)
		return rc;
	*out = (uint64_t)mdb_txn_id(txn);
	mdb_txn_abort(txn);
	return 0;
}

/* A waiter sleeps on one of 32 futex bits, picked by its txn id, so that
 * a finished sync wakes the waiters it covered and leaves the others (who
 * committed while it ran) asleep. Ids are consecutive, so the few dozen
 * ids a sync covers map to distinct bits; a collision only wakes a waiter
 * early, and it looks again. */
static uint32_t commit_bit(uint64_t id)
{
	return 1u << (id % 32);
}

/* The bits of the ids in (from, to]. */
static uint32_t commit_bits(uint64_t from, uint64_t to)
{
	uint32_t mask = 0;

	if (to <= from)
		return 0;
	if (to - from >= 32)
		return UINT32_MAX;
	for (uint64_t id = from + 1; id <= to; id++)
		mask |= commit_bit(id);
	return mask;
}

/* Wakes up to n sleepers whose bit is in mask. `round` moves first, so a
 * waiter that read it before and is only about to sleep does not. */
static void commit_wake(struct commit_page *p, uint32_t mask, int n)
{
	if (!mask)
		return;
	__atomic_add_fetch(&p->round, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &p->round, FUTEX_WAKE_BITSET, n, NULL, NULL, mask);
}

int commit_open(struct commit **out, MDB_env *env, const char *dir)
{
	struct commit *c = xcalloc(1, sizeof(*c));
	struct commit_page *p;
	struct stat st, data;
	char path[4096];
	uint64_t last = 0;
	int fd;

	*out = NULL;
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	if (stat(path, &data) < 0)
		goto fail;
	snprintf(path, sizeof(path), "%s/sync.shm", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		goto fail;
	c->fd = fd;
	if (util_flock(fd, LOCK_EX) < 0)
		goto fail_fd;
	/* Read under the lock: `synced` only moves under it, never past a
	 * commit that had completed, so it cannot exceed this. */
	if (commit_last_txn(env, &last))
		goto fail_unlock;
	if (fstat(fd, &st) < 0 || (st.st_size < COMMIT_PAGE && ftruncate(fd, COMMIT_PAGE) < 0))
		goto fail_unlock;
	p = mmap(NULL, COMMIT_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		goto fail_unlock;
	c->page = p;
	/* Under the lock, nobody is syncing: a page from an older format, for
	 * another data file (restored, replaced) or claiming more than the
	 * database holds starts over from "nothing synced yet". */
	if (p->magic != COMMIT_MAGIC || p->version != COMMIT_VERSION || p->dev != (uint64_t)data.st_dev ||
	    p->ino != (uint64_t)data.st_ino || p->synced > last) {
		__atomic_store_n(&p->magic, 0, __ATOMIC_RELEASE);
		p->version = COMMIT_VERSION;
		p->dev = (uint64_t)data.st_dev;
		p->ino = (uint64_t)data.st_ino;
		p->waits = p->syncs = p->wakes = 0;
		__atomic_store_n(&p->failed, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&p->synced, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&p->magic, COMMIT_MAGIC, __ATOMIC_RELEASE);
	}
	if (commit_flush_failed(env))
		__atomic_store_n(&p->failed, 1, __ATOMIC_RELEASE);
	if (__atomic_load_n(&p->failed, __ATOMIC_ACQUIRE))
		log_msg(LOG_ERR, "commit: a flush of %s/data.mdb failed earlier: durable writes are refused "
			"(docs/operations.md, \"A failed flush\")", dir);
	util_flock(fd, LOCK_UN);
	/* Whoever found the lock taken meanwhile naps; it looks again now. */
	commit_wake(p, UINT32_MAX, INT32_MAX);
	*out = c;
	return 0;
fail_unlock:
	util_flock(fd, LOCK_UN);
fail_fd:
	close(fd);
fail:
	log_msg(LOG_WARN, "commit: %s unusable (%s): each process syncs its own commits", path, strerror(errno));
	free(c);
	return -1;
}

void commit_close(struct commit *c)
{
	if (!c)
		return;
	munmap(c->page, COMMIT_PAGE);
	close(c->fd);
	free(c);
}

/* Sleeps on id's bit until woken, or until `round` is no longer `seen`,
 * or a nap passes (FUTEX_WAIT_BITSET's timeout is absolute). */
static void commit_nap(struct commit_page *p, uint32_t seen, uint64_t id)
{
	struct timespec ts;
	long rc;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += COMMIT_NAP_NS;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	rc = syscall(SYS_futex, &p->round, FUTEX_WAIT_BITSET, seen, &ts, NULL, commit_bit(id));
	if (rc == 0 || (rc < 0 && errno == EAGAIN))
		__atomic_add_fetch(&p->wakes, 1, __ATOMIC_RELAXED);
}

/* A failure this process saw: it holds whatever else fails (the marker
 * cannot be written on the failing disk, sync.shm is reset under it). */
static int commit_failed_here;

/* After a failed flush nothing more is acknowledged, in any process: the
 * kernel reports a writeback error once per open file and marks the pages
 * it could not write clean, so a later fdatasync succeeds without them,
 * and LMDB's later pages build on them. What was synced before stays
 * acknowledged. Only a restored data file (or an operator) ends it. */
static int commit_page_failed(const struct commit_page *p)
{
	return commit_failed_here || __atomic_load_n(&p->failed, __ATOMIC_ACQUIRE) != 0;
}

static int commit_refused(const struct commit_page *p, uint64_t id)
{
	return __atomic_load_n(&p->synced, __ATOMIC_ACQUIRE) < id && commit_page_failed(p);
}

/* The failure also goes into DATA/sync.failed, which names the data.mdb
 * (device, inode) whose flush failed: it outlives sync.shm (a page reset,
 * a process of another version) and reaches processes without the page and
 * --sync strict. A restored data.mdb is another inode, so it is not
 * refused; an operator may also remove the file (docs/operations.md). */
static int commit_data_id(MDB_env *env, char *marker, size_t n, uint64_t *dev, uint64_t *ino)
{
	const char *dir;
	char path[4096];
	struct stat st;

	if (mdb_env_get_path(env, &dir))
		return -1;
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	snprintf(marker, n, "%s/sync.failed", dir);
	if (stat(path, &st) < 0)
		return -1;
	*dev = (uint64_t)st.st_dev;
	*ino = (uint64_t)st.st_ino;
	return 0;
}

int commit_flush_failed(MDB_env *env)
{
	char marker[4096], text[64];
	unsigned long long dev, ino;
	uint64_t mdev, mino;
	ssize_t n;
	int fd;

	if (commit_failed_here)
		return 1;
	if (commit_data_id(env, marker, sizeof(marker), &mdev, &mino))
		return 1; /* cannot tell: refuse rather than acknowledge */
	fd = open(marker, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno != ENOENT;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	text[n > 0 ? n : 0] = '\0';
	return sscanf(text, "%llu %llu", &dev, &ino) == 2 && dev == mdev && ino == mino;
}

/* Marks the failure in this process, in the page (if any) and in
 * DATA/sync.failed. The file is written whole under another name, then
 * renamed: a reader never sees a part of it. Its flush is tried but not
 * required: on the disk that just failed one it may fail too, and the page
 * cache keeps the marker for the processes started after this one. */
static void commit_mark_failed(struct commit_page *p, MDB_env *env, int rc)
{
	char marker[4096], part[4200], text[64], *slash;
	uint64_t dev, ino;
	int fd, len, ok;

	commit_failed_here = 1;
	if (p)
		__atomic_store_n(&p->failed, 1, __ATOMIC_RELEASE);
	log_msg(LOG_ERR, "commit: sync failed: %s; durable writes are refused from now on "
		"(docs/operations.md, \"A failed flush\")", mdb_strerror(rc));
	if (commit_data_id(env, marker, sizeof(marker), &dev, &ino))
		return;
	len = snprintf(text, sizeof(text), "%llu %llu\n", (unsigned long long)dev, (unsigned long long)ino);
	snprintf(part, sizeof(part), "%s.part", marker);
	fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	ok = fd >= 0 && write(fd, text, (size_t)len) == len;
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	if (!ok || rename(part, marker) < 0) {
		log_msg(LOG_ERR, "commit: %s: %s (this process refuses writes still)", marker, strerror(errno));
		return;
	}
	slash = strrchr(marker, '/');
	if (slash)
		*slash = '\0';
	fd = open(marker, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* A process without the shared page syncs each of its commits alone; the
 * same rule holds for it, through the marker and this process's memory. A
 * page holder that falls back here marks its page too. */
static int commit_sync_alone(struct commit_page *p, MDB_env *env)
{
	int rc;

	if (commit_flush_failed(env))
		return EIO;
	rc = mdb_env_sync(env, 1);
	if (rc)
		commit_mark_failed(p, env, rc);
	return rc;
}

/* Under the lock: syncs for everything committed so far unless a sync
 * that finished meanwhile covered id already. */
static int commit_sync_locked(struct commit *c, MDB_env *env, uint64_t id)
{
	struct commit_page *p = c->page;
	uint64_t target;
	int rc;

	if (__atomic_load_n(&p->synced, __ATOMIC_ACQUIRE) >= id)
		return 0;
	if (commit_refused(p, id))
		return EIO;
	/* Read before the sync: everything committed up to here is in the
	 * page cache, so the fdatasync below puts it on disk. */
	rc = commit_last_txn(env, &target);
	if (rc) {
		log_msg(LOG_ERR, "commit: cannot read the last commit: %s", mdb_strerror(rc));
		return rc;
	}
	rc = mdb_env_sync(env, 1);
	if (rc) {
		commit_mark_failed(p, env, rc);
		return rc;
	}
	__atomic_add_fetch(&p->syncs, 1, __ATOMIC_RELAXED);
	if (target > __atomic_load_n(&p->synced, __ATOMIC_RELAXED))
		__atomic_store_n(&p->synced, target, __ATOMIC_RELEASE);
	return 0;
}

/* Holding the lock: syncs for id and wakes the waiters that sync covered
 * (none if it failed: the hand-over then has the next one try). */
static int commit_lead(struct commit *c, MDB_env *env, uint64_t id)
{
	struct commit_page *p = c->page;
	uint64_t before = __atomic_load_n(&p->synced, __ATOMIC_ACQUIRE);
	int rc = commit_sync_locked(c, env, id);

	commit_wake(p, commit_bits(before, __atomic_load_n(&p->synced, __ATOMIC_ACQUIRE)), INT32_MAX);
	return rc;
}

/* After the lock is released: if a commit is still uncovered, one sleeper
 * among the uncovered ids is woken to take over. A waiter commits before
 * it tries the lock, so one that found the lock taken is among the commits
 * read here (and a waiter of the previous version, which sleeps on every
 * bit, is woken the same way). */
static void commit_hand_over(struct commit_page *p, MDB_env *env)
{
	uint64_t synced = __atomic_load_n(&p->synced, __ATOMIC_ACQUIRE), last;

	if (commit_last_txn(env, &last))
		commit_wake(p, UINT32_MAX, 1); /* cannot tell: one of anyone */
	else if (last > synced)
		commit_wake(p, commit_bits(synced, last), 1);
}

/* A waiter never queues on the lock behind a sync it does not need: it
 * sleeps while another process syncs, is woken by the sync that covers it,
 * and takes the lock only to sync itself. (Queueing on flock, waiters
 * already covered waited out the next sync before they could see it:
 * about 2 commits per fsync with 8 workers; woken all at once after every
 * sync, those the sync did not cover went back to sleep: one task switch
 * an add for nothing.) */
int commit_wait(struct commit *c, MDB_env *env, uint64_t id)
{
	struct commit_page *p;
	int rc;

	if (!c)
		return commit_sync_alone(NULL, env);
	p = c->page;
	__atomic_add_fetch(&p->waits, 1, __ATOMIC_RELAXED);
	for (;;) {
		uint32_t seen = __atomic_load_n(&p->round, __ATOMIC_SEQ_CST);

		if (__atomic_load_n(&p->synced, __ATOMIC_ACQUIRE) >= id)
			return 0;
		if (commit_refused(p, id))
			return EIO;
		if (flock(c->fd, LOCK_EX | LOCK_NB) == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return commit_sync_alone(p, env);
		commit_nap(p, seen, id);
	}
	rc = commit_lead(c, env, id);
	util_flock(c->fd, LOCK_UN);
	commit_hand_over(p, env);
	return rc;
}

int commit_refusing(const struct commit *c)
{
	return commit_page_failed(c->page);
}

int commit_stats(const struct commit *c, struct commit_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!c)
		return -1;
	out->waits = __atomic_load_n(&c->page->waits, __ATOMIC_RELAXED);
	out->syncs = __atomic_load_n(&c->page->syncs, __ATOMIC_RELAXED);
	out->wakes = __atomic_load_n(&c->page->wakes, __ATOMIC_RELAXED);
	out->synced_txn = __atomic_load_n(&c->page->synced, __ATOMIC_ACQUIRE);
	return 0;
}
