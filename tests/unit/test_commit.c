/* Unit tests for group commit (commit.c through store_write in the default
 * --sync full mode): concurrent writers in several processes all get their
 * writes, the shared page accounts for them, fsyncs are shared rather than
 * one per commit, and a transaction that changed nothing waits for nothing. */
#include "config.h"
#include "check.h"
#include "../../src/commit.h"
#include "../../src/errors.h"
#include "../../src/key.h"
#include "../../src/store.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROCS 6
#define PER_PROC 150

static char tmpdir[] = "/tmp/arcade-commit-XXXXXX";

struct put {
	uint64_t who, i;
};

static void put_key(struct key *k, uint64_t who, uint64_t i)
{
	key_init(k, 'z');
	key_u64(k, who);
	key_u64(k, i);
}

static int put_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct put *p = arg;
	struct key k;
	put_key(&k, p->who, p->i);
	return store_put(txn, s->rec, &k, "v", 1, 0);
}

static int nothing_txn(struct store *s, MDB_txn *txn, void *arg)
{
	(void)s;
	(void)txn;
	(void)arg;
	return 0;
}

struct count {
	uint64_t n;
};

static int count_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct count *c = arg;
	for (uint64_t who = 0; who < PROCS; who++)
		for (uint64_t i = 0; i < PER_PROC; i++) {
			struct key k;
			MDB_val v;
			put_key(&k, who, i);
			if (store_get(txn, s->rec, &k, &v) == ARC_OK)
				c->n++;
		}
	return 0;
}

static int open_full(struct store *s)
{
	struct store_opts o = { tmpdir, 64u << 20, 256u << 20, STORE_SYNC_FULL, 0 };
	return store_open(s, &o);
}

/* A child holds a write transaction open while the parent opens the store:
 * opening an existing store must not take the writer lock (a worker that
 * starts during a long write, an import, would stall) nor wait for a sync. */
static void open_beside_a_writer(void)
{
	int ready[2], done[2];
	char c = 0;
	struct store s;
	struct commit_stats a, b;
	pid_t pid;

	if (pipe(ready) || pipe(done)) {
		CHECK_MSG(0, "pipe");
		return;
	}
	pid = fork();
	if (pid == 0) {
		struct store cs;
		MDB_txn *txn;
		close(done[1]); /* the parent's end: its death reads as EOF here */
		close(ready[0]);
		if (open_full(&cs) || mdb_txn_begin(cs.env, NULL, 0, &txn))
			_exit(2);
		if (write(ready[1], "r", 1) != 1 || read(done[0], &c, 1) != 1)
			_exit(3);
		mdb_txn_abort(txn);
		store_close(&cs);
		_exit(0);
	}
	CHECK_MSG(read(ready[0], &c, 1) == 1, "the child holds a write transaction");
	alarm(10); /* a blocked open ends the program: the check fails */
	if (CHECK_EQ_INT_MSG(open_full(&s), ARC_OK, "an existing store opens while another process writes")) {
		alarm(0);
		commit_stats(s.commit, &a);
		store_close(&s);
		CHECK_EQ_INT(open_full(&s), ARC_OK);
		commit_stats(s.commit, &b);
		CHECK_EQ_U64_MSG(b.waits, a.waits, "opening an existing store waits for no sync");
		store_close(&s);
	}
	alarm(0);
	CHECK_MSG(write(done[1], "d", 1) == 1, "the child is told to finish");
	{
		int status;
		CHECK_MSG(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
			  "the writer ended cleanly");
	}
	close(ready[0]), close(ready[1]), close(done[0]), close(done[1]);
}

/* Offsets in struct commit_page (commit.c) of `synced` and `round`. */
#define PAGE_SYNCED 32
#define PAGE_ROUND 56

/* A child that takes the sync lock (as a syncer in the middle of its
 * fdatasync would) and holds it until told or killed. */
static pid_t hold_sync_lock(int done_fd_out[2])
{
	int ready[2];
	char c = 0;
	pid_t pid;

	if (pipe(ready) || pipe(done_fd_out))
		return -1;
	pid = fork();
	if (pid == 0) {
		char path[512];
		int fd;
		snprintf(path, sizeof(path), "%s/sync.shm", tmpdir);
		fd = open(path, O_RDWR);
		if (fd < 0 || flock(fd, LOCK_EX) < 0 || write(ready[1], "r", 1) != 1)
			_exit(2);
		(void)read(done_fd_out[0], &c, 1);
		_exit(0);
	}
	if (read(ready[0], &c, 1) != 1)
		pid = -1;
	close(ready[0]), close(ready[1]);
	return pid;
}

/* A child that opens the store (commit_open takes the sync lock for a
 * moment, so before anyone holds it), then on "go" writes one record and
 * exits 0 once store_write said OK. */
struct writer {
	pid_t pid;
	int go;
};

static struct writer one_writer(uint64_t who)
{
	struct writer w = { -1, -1 };
	int ready[2], go[2];
	char c = 0;

	if (pipe(ready) || pipe(go))
		return w;
	w.pid = fork();
	if (w.pid == 0) {
		struct store cs;
		struct put p = { who, 0 };
		if (open_full(&cs) || write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(store_write(&cs, put_txn, &p) == ARC_OK ? 0 : 1);
	}
	if (read(ready[0], &c, 1) != 1)
		w.pid = -1;
	close(ready[0]), close(ready[1]), close(go[0]);
	w.go = go[1];
	return w;
}

static void writer_go(struct writer *w)
{
	if (write(w->go, "g", 1) != 1)
		CHECK_MSG(0, "writer told to go");
	close(w->go);
}

/* waitpid with a bound: 1 if pid exited 0 within ms milliseconds. */
static int exited_ok_within(pid_t pid, int ms)
{
	struct timespec nap = { 0, 10 * 1000 * 1000 };
	int status;

	for (int t = 0; t < ms; t += 10) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) && WEXITSTATUS(status) == 0;
		nanosleep(&nap, NULL);
	}
	return 0;
}

/* Waits (bounded) until the shared page has counted `n` waits. */
static int waits_reach(struct store *s, uint64_t n)
{
	struct timespec nap = { 0, 5 * 1000 * 1000 };
	struct commit_stats st;

	for (int i = 0; i < 2000; i++) {
		commit_stats(s->commit, &st);
		if (st.waits >= n)
			return 1;
		nanosleep(&nap, NULL);
	}
	return 0;
}

/* sync.shm mapped as the processes under test map it (NULL, checked, if
 * it cannot be), for playing a syncer or another version by hand. */
static unsigned char *map_sync_page(void)
{
	char path[512];
	void *page;
	int fd;

	snprintf(path, sizeof(path), "%s/sync.shm", tmpdir);
	fd = open(path, O_RDWR);
	page = fd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (fd >= 0)
		close(fd); /* the mapping stays */
	return CHECK_MSG(page != MAP_FAILED, "sync.shm mapped") ? page : NULL;
}

/* The store opened (group commit) and its sync.shm mapped; NULL, checked
 * and with nothing left open, if either fails. */
static unsigned char *open_with_page(struct store *s)
{
	unsigned char *page;

	if (!CHECK_EQ_INT(open_full(s), ARC_OK))
		return NULL;
	page = map_sync_page();
	if (!page)
		store_close(s);
	return page;
}

/* A waiter already covered by a finished sync returns at once, even while
 * another process holds the lock for the next sync (queueing on the lock,
 * it waited that sync out too); and a waiter whose syncer dies holding the
 * lock takes over by itself. */
static void covered_waiters_do_not_queue(void)
{
	struct store s;
	struct commit_stats st;
	int done[2];
	struct writer w, w2;
	pid_t holder;
	unsigned char *page;

	page = open_with_page(&s);
	if (!page)
		return;
	w = one_writer(1000);
	w2 = one_writer(1001);
	holder = hold_sync_lock(done);
	CHECK_MSG(holder > 0 && w.pid > 0 && w2.pid > 0, "a process holds the sync lock, two writers ready");
	commit_stats(s.commit, &st);
	writer_go(&w);
	CHECK_MSG(waits_reach(&s, st.waits + 1), "the writer committed and waits");
	CHECK_MSG(!exited_ok_within(w.pid, 200), "not covered: it keeps waiting");
	{
		/* Play the syncer that holds the lock: everything is on disk,
		 * `synced` says so, the others are woken. */
		MDB_envinfo info;
		mdb_env_sync(s.env, 1);
		mdb_env_info(s.env, &info);
		__atomic_store_n((uint64_t *)(page + PAGE_SYNCED), (uint64_t)info.me_last_txnid, __ATOMIC_RELEASE);
		__atomic_add_fetch((uint32_t *)(page + PAGE_ROUND), 1, __ATOMIC_RELEASE);
		syscall(SYS_futex, (uint32_t *)(page + PAGE_ROUND), FUTEX_WAKE, 64, NULL, NULL, 0);
	}
	CHECK_MSG(exited_ok_within(w.pid, 5000), "covered: it returns while the lock is still held");

	commit_stats(s.commit, &st);
	writer_go(&w2);
	CHECK_MSG(waits_reach(&s, st.waits + 1), "a second writer waits");
	kill(holder, SIGKILL); /* the syncer dies holding the lock, wakes nobody */
	waitpid(holder, NULL, 0);
	CHECK_MSG(exited_ok_within(w2.pid, 5000), "a syncer that died does not block the next one");
	commit_stats(s.commit, &st);
	{
		MDB_envinfo info;
		mdb_env_info(s.env, &info);
		CHECK_EQ_U64_MSG(st.synced_txn, info.me_last_txnid, "the waiter synced for itself");
	}
	kill(w.pid, SIGKILL), kill(w2.pid, SIGKILL); /* already gone when the checks passed */
	waitpid(w.pid, NULL, 0), waitpid(w2.pid, NULL, 0);
	close(done[0]), close(done[1]);
	munmap(page, 4096);
	store_close(&s);
}

/* Bounded: 1 once pid sleeps in a futex wait (its wchan says so). */
static int asleep_in_futex(pid_t pid)
{
	struct timespec nap = { 0, 2 * 1000 * 1000 };
	char path[64], w[64];

	snprintf(path, sizeof(path), "/proc/%d/wchan", (int)pid);
	for (int i = 0; i < 500; i++) {
		FILE *f = fopen(path, "r");
		size_t n = f ? fread(w, 1, sizeof(w) - 1, f) : 0;
		if (f)
			fclose(f);
		w[n] = '\0';
		if (strstr(w, "futex"))
			return 1;
		nanosleep(&nap, NULL);
	}
	return 0;
}

/* Plays a syncer's wake: `round` moves, then the sleepers on mask's bits.
 * Returns how many the kernel woke. */
static long wake_bits(unsigned char *page, uint32_t mask)
{
	__atomic_add_fetch((uint32_t *)(page + PAGE_ROUND), 1, __ATOMIC_SEQ_CST);
	return syscall(SYS_futex, (uint32_t *)(page + PAGE_ROUND), FUTEX_WAKE_BITSET, 64, NULL, NULL, mask);
}

/* Wakes mask's sleepers until one is woken (the waiter may be between two
 * naps at the first try). 1 if one was, within a bound. */
static int wakes_one(unsigned char *page, uint32_t mask)
{
	struct timespec nap = { 0, 1000 * 1000 };

	for (int i = 0; i < 2000; i++) {
		if (wake_bits(page, mask) == 1)
			return 1;
		nanosleep(&nap, NULL);
	}
	return 0;
}

/* A waiter sleeps on the bit of its txn id (id % 32), so the wake of a sync
 * that did not cover it leaves it asleep (woken with the others, it only
 * went back to sleep: a task switch per write for nothing), and the wake of
 * its own bit reaches it. */
static void uncovered_waiters_sleep_on(void)
{
	struct store s;
	struct commit_stats st;
	MDB_envinfo info;
	int done[2];
	struct writer w;
	pid_t holder;
	unsigned char *page;
	uint64_t id;

	page = open_with_page(&s);
	if (!page)
		return;
	w = one_writer(1002);
	holder = hold_sync_lock(done);
	CHECK_MSG(holder > 0 && w.pid > 0, "a process holds the sync lock, a writer ready");
	commit_stats(s.commit, &st);
	writer_go(&w);
	CHECK_MSG(waits_reach(&s, st.waits + 1), "the writer committed and waits");
	mdb_env_info(s.env, &info);
	id = (uint64_t)info.me_last_txnid;
	CHECK_MSG(asleep_in_futex(w.pid), "the writer sleeps");
	commit_stats(s.commit, &st);
	CHECK_EQ_INT_MSG((int)wake_bits(page, ~(1u << (id % 32))), 0, "a wake for other commits wakes nobody");
	CHECK_MSG(!exited_ok_within(w.pid, 50), "not covered: it keeps waiting");
	CHECK_MSG(wakes_one(page, 1u << (id % 32)), "the wake of its own bit reaches it");
	CHECK_MSG(!exited_ok_within(w.pid, 50), "still not covered: it sleeps again");
	mdb_env_sync(s.env, 1);
	__atomic_store_n((uint64_t *)(page + PAGE_SYNCED), id, __ATOMIC_RELEASE);
	wake_bits(page, 1u << (id % 32));
	CHECK_MSG(exited_ok_within(w.pid, 5000), "covered: its wait ends");
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	kill(w.pid, SIGKILL); /* already gone when the check passed */
	waitpid(w.pid, NULL, 0);
	close(done[0]), close(done[1]);
	munmap(page, 4096);
	store_close(&s);
}

/* fdatasync, as LMDB calls it, held or failed in one chosen process: the
 * test decides when a real syncer's sync ends, so it can commit other
 * writes while it runs. The state is shared with the writer children. */
struct inject {
	pid_t pid;      /* the process whose fdatasync calls are steered */
	int held;       /* its first call waits until `release` */
	int fail_call;  /* this call of it fails with EIO (0: none) */
	int in_sync;    /* its first call has begun */
	int release;
	int calls;      /* its calls so far */
};
static struct inject *inject;

int fdatasync(int fd)
{
	static int calls;
	struct timespec nap = { 0, 1000 * 1000 };

	if (inject && inject->pid == getpid()) {
		inject->calls = ++calls;
		if (calls == 1 && inject->held) {
			__atomic_store_n(&inject->in_sync, 1, __ATOMIC_SEQ_CST);
			for (int i = 0; i < 20000 && !__atomic_load_n(&inject->release, __ATOMIC_SEQ_CST); i++)
				nanosleep(&nap, NULL);
		}
		if (calls == inject->fail_call) {
			errno = EIO;
			return -1;
		}
	}
	return (int)syscall(SYS_fdatasync, fd);
}

/* Bounded: 1 once the steered process is inside its first fdatasync. */
static int sync_begun(void)
{
	struct timespec nap = { 0, 1000 * 1000 };

	for (int i = 0; i < 10000; i++) {
		if (__atomic_load_n(&inject->in_sync, __ATOMIC_SEQ_CST))
			return 1;
		nanosleep(&nap, NULL);
	}
	return 0;
}

/* Writer S syncs, held inside its fdatasync until `others` writers have
 * committed and sleep (not covered: S read its target before). Returns 0
 * with S still held, or -1. */
static int syncer_with_waiters(struct store *s, struct writer *sw, struct writer *ws, int others,
			       int fail_call)
{
	struct commit_stats st;

	memset(inject, 0, sizeof(*inject));
	*sw = one_writer(2000);
	for (int i = 0; i < others; i++)
		ws[i] = one_writer(2001 + (uint64_t)i);
	inject->pid = sw->pid;
	inject->held = 1;
	inject->fail_call = fail_call;
	writer_go(sw);
	if (!CHECK_MSG(sync_begun(), "the first writer syncs"))
		return -1;
	for (int i = 0; i < others; i++) {
		commit_stats(s->commit, &st);
		writer_go(&ws[i]);
		if (!CHECK_MSG(waits_reach(s, st.waits + 1) && asleep_in_futex(ws[i].pid),
			       "another writer committed during that sync and sleeps"))
			return -1;
	}
	return 0;
}

static void reap(struct writer *w, int n)
{
	for (int i = 0; i < n; i++) {
		kill(w[i].pid, SIGKILL); /* gone already unless a check failed */
		waitpid(w[i].pid, NULL, 0);
	}
}

/* Commits left uncovered by a sync: the syncer releases the lock and wakes
 * one of their waiters to sync next (not after a 5 ms nap: the wake is
 * counted), and that sync wakes the others it covered. */
static void syncer_hands_over(void)
{
	struct store s;
	struct commit_stats st0, st1;
	struct writer sw, ws[2];

	if (!CHECK_EQ_INT(open_full(&s), ARC_OK))
		return;
	commit_stats(s.commit, &st0);
	if (syncer_with_waiters(&s, &sw, ws, 1, 0) == 0) {
		inject->release = 1;
		CHECK_MSG(exited_ok_within(sw.pid, 5000), "the syncer's write is acknowledged");
		CHECK_MSG(exited_ok_within(ws[0].pid, 5000), "the waiter's too");
		commit_stats(s.commit, &st1);
		CHECK_EQ_U64_MSG(st1.syncs - st0.syncs, 2, "two syncs: the syncer's, then the waiter's own");
		CHECK_EQ_INT_MSG(inject->calls, 1, "the syncer synced once");
		CHECK_MSG(st1.wakes - st0.wakes >= 1, "the waiter was woken to take over (not after a nap)");
	}
	reap(&sw, 1), reap(ws, 1);

	commit_stats(s.commit, &st0);
	if (syncer_with_waiters(&s, &sw, ws, 2, 0) == 0) {
		inject->release = 1;
		CHECK_MSG(exited_ok_within(sw.pid, 5000), "the syncer's write is acknowledged");
		CHECK_MSG(exited_ok_within(ws[0].pid, 5000) && exited_ok_within(ws[1].pid, 5000),
			  "both waiters' too");
		commit_stats(s.commit, &st1);
		CHECK_EQ_U64_MSG(st1.syncs - st0.syncs, 2, "two syncs: the second covers both waiters");
		CHECK_MSG(st1.wakes - st0.wakes >= 2, "one waiter woken to take over, the other by its sync");
	}
	reap(&sw, 1), reap(ws, 2);
	store_close(&s);
}

/* 1 if pid exits with status 1 (store_write failed) within 5 s. */
static int exited_failing(pid_t pid)
{
	int status;

	for (int t = 0; t < 5000; t += 10) {
		struct timespec nap = { 0, 10 * 1000 * 1000 };
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) && WEXITSTATUS(status) == 1;
		nanosleep(&nap, NULL);
	}
	return 0;
}

/* A writer of one record that exits 1 if store_write failed, in the given
 * --sync mode; runs to the end by itself. */
static pid_t writer_in(uint64_t who, int mode)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct store cs;
		struct store_opts o = { tmpdir, 64u << 20, 256u << 20, mode, 0 };
		struct put p = { who, 0 };
		if (store_open(&cs, &o))
			_exit(2);
		_exit(store_write(&cs, put_txn, &p) == ARC_OK ? 0 : 1);
	}
	return pid;
}

static int has_record(struct store *s, uint64_t who)
{
	struct one { uint64_t who; int found; } q = { who, 0 };
	struct key k;
	MDB_txn *txn;
	MDB_val v;

	put_key(&k, who, 0);
	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn))
		return -1;
	q.found = store_get(txn, s->rec, &k, &v) == ARC_OK;
	mdb_txn_abort(txn);
	return q.found;
}

static void tmp_path(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", tmpdir, name);
}

/* After a failed flush, no later commit is acknowledged, though the next
 * fdatasync succeeds: Linux reports a writeback error once per open file
 * and marks the pages it could not write clean. That holds in every
 * process, after a reopen, after sync.shm was reset (another version's
 * process), without sync.shm, with --sync strict and off, through
 * DATA/sync.failed; a refused write changes nothing. It ends when an
 * operator removes sync.failed and sync.shm with the pool stopped
 * (docs/operations.md). Runs last: it leaves the database refusing. */
static void failed_flush_refuses(void)
{
	struct store s;
	struct writer sw, ws[2];
	char shm[512], moved[512], marker[512];
	unsigned char *page;
	pid_t w;

	if (!CHECK_EQ_INT(open_full(&s), ARC_OK))
		return;
	tmp_path(shm, sizeof(shm), "sync.shm");
	tmp_path(moved, sizeof(moved), "sync.shm.away");
	tmp_path(marker, sizeof(marker), "sync.failed");
	if (syncer_with_waiters(&s, &sw, ws, 2, 1) == 0) {
		inject->release = 1;
		CHECK_MSG(exited_failing(sw.pid), "a failed sync fails its syncer's write");
		CHECK_MSG(exited_failing(ws[0].pid) && exited_failing(ws[1].pid),
			  "the writes committed during it are not acknowledged either");
	}
	reap(&sw, 1), reap(ws, 2);
	inject->pid = 0;
	CHECK_MSG(access(marker, F_OK) == 0, "DATA/sync.failed marks it");
	w = writer_in(3000, STORE_SYNC_FULL);
	CHECK_MSG(exited_failing(w), "a later write is refused, its own fdatasync would succeed");
	CHECK_EQ_INT_MSG(has_record(&s, 3000), 0, "and changes nothing");
	reap(&(struct writer){ w, -1 }, 1);

	page = map_sync_page();
	if (page) {
		*(uint32_t *)(page + 8) = 2; /* what a process of the previous version does */
		munmap(page, 4096);
	}
	w = writer_in(3001, STORE_SYNC_FULL);
	CHECK_MSG(exited_failing(w), "after sync.shm was reset too");
	reap(&(struct writer){ w, -1 }, 1);

	CHECK_MSG(rename(shm, moved) == 0 && mkdir(shm, 0700) == 0, "sync.shm made unusable");
	w = writer_in(3002, STORE_SYNC_FULL);
	CHECK_MSG(exited_failing(w), "by a process that syncs alone");
	reap(&(struct writer){ w, -1 }, 1);
	CHECK_MSG(rmdir(shm) == 0 && rename(moved, shm) == 0, "sync.shm back");
	w = writer_in(3003, STORE_SYNC_STRICT);
	CHECK_MSG(exited_failing(w), "and with --sync strict");
	reap(&(struct writer){ w, -1 }, 1);
	w = writer_in(3006, STORE_SYNC_OFF);
	CHECK_MSG(exited_failing(w), "and with --sync off");
	reap(&(struct writer){ w, -1 }, 1);
	CHECK_MSG(has_record(&s, 3001) == 0 && has_record(&s, 3002) == 0 && has_record(&s, 3003) == 0 &&
		  has_record(&s, 3006) == 0, "none of them changed anything");
	store_close(&s);

	CHECK_MSG(unlink(marker) == 0, "the operator removes sync.failed ...");
	w = writer_in(3004, STORE_SYNC_FULL);
	CHECK_MSG(exited_failing(w), "(sync.shm alone still refuses)");
	reap(&(struct writer){ w, -1 }, 1);
	CHECK_MSG(unlink(shm) == 0, "... and sync.shm");
	w = writer_in(3005, STORE_SYNC_FULL);
	CHECK_MSG(exited_ok_within(w, 5000), "then writes are acknowledged again");
	reap(&(struct writer){ w, -1 }, 1);
}

int main(void)
{
	struct store s;
	struct commit_stats st0, st1;
	struct count c = { 0 };
	int status, ok_children = 0;

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	check_section("open");
	if (!CHECK_EQ_INT(open_full(&s), ARC_OK)) {
		check_rm_dir(tmpdir);
		return check_done();
	}
	CHECK_MSG(s.commit != NULL, "sync.shm opened: commits are shared");
	CHECK_MSG(s.sync == STORE_SYNC_FULL, "the mode is group commit");
	commit_stats(s.commit, &st0);

	check_section("an empty transaction");
	CHECK_EQ_INT(store_write(&s, nothing_txn, NULL), ARC_OK);
	commit_stats(s.commit, &st1);
	CHECK_EQ_U64_MSG(st1.waits, st0.waits, "a write that changed nothing does not wait for a sync");
	store_close(&s);

	check_section("opening an existing store");
	open_beside_a_writer();

	check_section("concurrent writers");
	for (int w = 0; w < PROCS; w++) {
		pid_t pid = fork();
		if (pid == 0) {
			struct store cs;
			int bad = 0;
			/* An LMDB env never crosses a fork: each writer opens its own. */
			if (open_full(&cs))
				_exit(2);
			for (uint64_t i = 0; i < PER_PROC; i++) {
				struct put p = { (uint64_t)w, i };
				if (store_write(&cs, put_txn, &p) != ARC_OK)
					bad++;
			}
			store_close(&cs);
			_exit(bad ? 1 : 0);
		}
	}
	for (int w = 0; w < PROCS; w++)
		if (wait(&status) > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
			ok_children++;
	CHECK_EQ_INT_MSG(ok_children, PROCS, "every writer's every store_write succeeded");

	if (!CHECK_EQ_INT(open_full(&s), ARC_OK)) {
		check_rm_dir(tmpdir);
		return check_done();
	}
	CHECK_EQ_INT(store_read(&s, count_txn, &c), ARC_OK);
	CHECK_EQ_U64_MSG(c.n, PROCS * PER_PROC, "every acknowledged write is there");
	commit_stats(s.commit, &st1);
	CHECK_EQ_U64_MSG(st1.waits - st0.waits, PROCS * PER_PROC, "each write waited for a covering sync");
	CHECK_MSG(st1.syncs > st0.syncs, "syncs happened");
	CHECK_MSG(st1.syncs - st0.syncs <= st1.waits - st0.waits, "never more syncs than commits");
	{
		MDB_envinfo info;
		mdb_env_info(s.env, &info);
		CHECK_EQ_U64_MSG(st1.synced_txn, info.me_last_txnid, "the last commit is covered");
	}
	printf("# %llu commits, %llu fsyncs, %llu wakes\n", (unsigned long long)(st1.waits - st0.waits),
	       (unsigned long long)(st1.syncs - st0.syncs), (unsigned long long)(st1.wakes - st0.wakes));
	store_close(&s);

	check_section("waiters covered while the lock is held");
	covered_waiters_do_not_queue();

	check_section("a sync wakes the waiters it covered");
	uncovered_waiters_sleep_on();

	check_section("a syncer hands over");
	inject = mmap(NULL, sizeof(*inject), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (CHECK_MSG(inject != MAP_FAILED, "shared page for the fdatasync steering")) {
		syncer_hands_over();
		check_section("a failed flush");
		failed_flush_refuses();
	} else {
		inject = NULL;
	}
	check_rm_dir(tmpdir);
	return check_done();
}
