/* Unit tests for the data environment's map (store_map.c): without the
 * write map (--sync full and strict) data.mdb is mapped through a read-only
 * descriptor, after the open, after this process grows the map and after it
 * adopts a map another process grew, so that a sync's writeback skips it;
 * with the write map (--sync off) the map stays writable; a forked process
 * that inherited a map replaces neither; every kind of map reads what the
 * others wrote; a refused read-only map is put back as LMDB's kind, and a
 * map lost for good stops the process. The kernel's own account of each map
 * (/proc/self/smaps, VmFlags) is what is checked: "sh" and "mw" are the
 * flags that make writeback look the map up. */
#include "config.h"
#include "check.h"
#include "../../src/errors.h"
#include "../../src/key.h"
#include "../../src/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAP_START ((size_t)1 << 20)
#define RECORD 1000

static char tmpdir[] = "/tmp/arcade-storemap-XXXXXX";

struct map_seen {
	int count;          /* maps of data.mdb in this process */
	int shared;         /* of them, VM_SHARED ones ("sh") */
	char flags[256];    /* the last one's VmFlags, each between spaces */
	unsigned long size; /* its length */
};

/* The maps of DIR/data.mdb in this process, found by inode. */
static struct map_seen maps_of_data(void)
{
	struct map_seen m = { 0, 0, "", 0 };
	char path[512], line[4200];
	struct stat st;
	unsigned long lo, hi, ino = 0, cur = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/data.mdb", tmpdir);
	if (stat(path, &st) < 0 || !(f = fopen("/proc/self/smaps", "r")))
		return m;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %*s %*s %*s %lu", &lo, &hi, &ino) == 3) {
			cur = ino == st.st_ino ? hi - lo : 0;
			if (cur)
				m.count++;
		} else if (cur && strncmp(line, "VmFlags:", 8) == 0) {
			snprintf(m.flags, sizeof(m.flags), "%.200s", line + 8);
			m.flags[strcspn(m.flags, "\n")] = ' '; /* " rd mr ... " */
			m.size = cur;
			m.shared += strstr(m.flags, " sh ") != NULL;
		}
	}
	fclose(f);
	return m;
}

static int has_flag(const struct map_seen *m, const char *flag)
{
	char want[8];
	snprintf(want, sizeof(want), " %s ", flag);
	return strstr(m->flags, want) != NULL;
}

/* Whether /proc/self/maps shows files of tmpdir's filesystem under the
 * device stat gives them, as store_map.c needs to find LMDB's map: not on
 * btrfs or overlayfs, where it keeps LMDB's own map (only slower). */
static int maps_show_stat_device(void)
{
	char path[512], line[4200];
	struct stat st;
	int fd, same = 0;
	void *p = MAP_FAILED;
	FILE *f = NULL;

	snprintf(path, sizeof(path), "%s/probe", tmpdir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0 && ftruncate(fd, 4096) == 0 && fstat(fd, &st) == 0)
		p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	if (p != MAP_FAILED && (f = fopen("/proc/self/maps", "r")))
		while (fgets(line, sizeof(line), f)) {
			unsigned long lo;
			unsigned maj, min;
			if (sscanf(line, "%lx-%*x %*s %*s %x:%x", &lo, &maj, &min) == 3 && (void *)lo == p)
				same = makedev(maj, min) == st.st_dev;
		}
	if (f)
		fclose(f);
	if (p != MAP_FAILED)
		munmap(p, 4096);
	if (fd >= 0)
		close(fd);
	unlink(path);
	return same;
}

/* One map of data.mdb, readable, and neither shared-writable nor able to
 * become so: the kernel skips it in writeback. */
static void check_read_only_view(const char *when)
{
	struct map_seen m = maps_of_data();
	char d[400];

	snprintf(d, sizeof(d), "%s: one map of data.mdb", when);
	CHECK_EQ_INT_MSG(m.count, 1, d);
	snprintf(d, sizeof(d), "%s: readable (VmFlags%.200s)", when, m.flags);
	CHECK_MSG(has_flag(&m, "rd"), d);
	snprintf(d, sizeof(d), "%s: not VM_SHARED (VmFlags%.200s)", when, m.flags);
	CHECK_MSG(!has_flag(&m, "sh"), d);
	snprintf(d, sizeof(d), "%s: not VM_MAYWRITE (VmFlags%.200s)", when, m.flags);
	CHECK_MSG(!has_flag(&m, "mw"), d);
}

struct put {
	uint64_t from, to;
};

static void rec_key(struct key *k, uint64_t i)
{
	key_init(k, 'm');
	key_u64(k, i);
}

/* Records from..to-1, RECORD bytes each, the index repeated in the value. */
static int put_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct put *p = arg;
	unsigned char v[RECORD];
	struct key k;
	int rc = 0;

	for (uint64_t i = p->from; rc == 0 && i < p->to; i++) {
		for (size_t j = 0; j < sizeof(v); j += 8)
			key_put_u64(v + j, i);
		rec_key(&k, i);
		rc = store_put(txn, s->rec, &k, v, sizeof(v), 0);
	}
	return rc;
}

struct count {
	uint64_t to, good;
};

/* How many of records 0..to-1 are there with the value they were put with. */
static int count_txn(struct store *s, MDB_txn *txn, void *arg)
{
	struct count *c = arg;
	struct key k;
	MDB_val v;

	c->good = 0;
	for (uint64_t i = 0; i < c->to; i++) {
		rec_key(&k, i);
		if (store_get(txn, s->rec, &k, &v) == ARC_OK && v.mv_size == RECORD &&
		    key_get_u64((unsigned char *)v.mv_data + RECORD - 8) == i)
			c->good++;
	}
	return 0;
}

static uint64_t records(struct store *s, uint64_t to)
{
	struct count c = { to, 0 };
	return store_read(s, count_txn, &c) == ARC_OK ? c.good : (uint64_t)-1;
}

static int put_range(struct store *s, uint64_t from, uint64_t to)
{
	int rc = ARC_OK;
	/* 100 records a transaction: the map fills and grows between them. */
	for (uint64_t i = from; rc == ARC_OK && i < to; i += 100) {
		struct put p = { i, i + 100 < to ? i + 100 : to };
		rc = store_write(s, put_txn, &p);
	}
	return rc;
}

static int open_mode(struct store *s, int sync)
{
	struct store_opts o = { tmpdir, MAP_START, 256u << 20, sync, 0 };
	return store_open(s, &o);
}

static size_t map_size(struct store *s)
{
	MDB_envinfo info;
	mdb_env_info(s->env, &info);
	return info.me_mapsize;
}

/* A child's exit status, or 128 + its signal. */
static int child_status(pid_t pid)
{
	int status;

	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Another process grows the map to hold records from..to-1 and exits: 0,
 * 1 if its writes failed, 2 if its maps were not the ones expected. It
 * opens its store beside the read-only map it inherited from this one (of
 * the same size): two maps fit, so it must replace neither. */
static int grow_elsewhere(uint64_t from, uint64_t to)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct store cs;
		struct map_seen m;
		int rc = open_mode(&cs, STORE_SYNC_FULL) == ARC_OK ? 0 : 1;

		m = maps_of_data();
		if (rc == 0 && (m.count != 2 || m.shared != 1))
			rc = 2;
		if (rc == 0 && put_range(&cs, from, to) != ARC_OK)
			rc = 1;
		store_close(&cs);
		_exit(rc);
	}
	return child_status(pid);
}

/* The test's own mmap, which LMDB and store_map.c call too: while
 * fail_fixed is above zero, that many read-only MAP_FIXED maps of a file
 * fail with ENOMEM after unmapping the range, as a kernel that had torn the
 * old map down before failing leaves it. Everything else goes through. */
static int fail_fixed;

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (fail_fixed > 0 && (flags & MAP_FIXED) && fd >= 0 && prot == PROT_READ) {
		fail_fixed--;
		syscall(SYS_munmap, addr, len);
		errno = ENOMEM;
		return MAP_FAILED;
	}
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

/* With both the read-only map and LMDB's kind after it refused, the
 * process has no map of its data: it must stop (SIGABRT), not go on. */
static int open_with_no_map(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct store cs;
		struct rlimit no_core = { 0, 0 };

		setrlimit(RLIMIT_CORE, &no_core);
		fail_fixed = 2;
		open_mode(&cs, STORE_SYNC_FULL);
		_exit(records(&cs, 1) == 1 ? 0 : 1); /* not reached if it stopped */
	}
	return child_status(pid);
}

int main(void)
{
	struct store s;
	struct map_seen m;
	size_t before;

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	check_section("--sync full, opened");
	if (!CHECK_EQ_INT(open_mode(&s, STORE_SYNC_FULL), ARC_OK)) {
		check_rm_dir(tmpdir);
		return check_done();
	}
	if (!maps_show_stat_device()) {
		printf("# skip: %s's filesystem shows other devices in /proc/self/maps than stat: "
		       "LMDB's own map stays; only that the store works is checked\n", tmpdir);
		CHECK_EQ_INT(put_range(&s, 0, 100), ARC_OK);
		CHECK_EQ_U64_MSG(records(&s, 100), 100, "the store reads what it wrote");
		store_close(&s);
		check_rm_dir(tmpdir);
		return check_done();
	}
	CHECK_EQ_U64_MSG(map_size(&s), MAP_START, "the map starts at 1 MiB");
	check_read_only_view("after the open");
	CHECK_EQ_INT(put_range(&s, 0, 100), ARC_OK);
	CHECK_EQ_U64_MSG(records(&s, 100), 100, "the view reads what this process wrote");

	check_section("--sync full, a map another process grew");
	before = map_size(&s);
	CHECK_EQ_INT_MSG(grow_elsewhere(100, 3000), 0,
			 "a second process, forked, kept the map it inherited and its own, and wrote 2,900 "
			 "records of 1 KB (3 MB: its map grew)");
	CHECK_EQ_U64_MSG(records(&s, 3000), 3000, "the first process reads them all, after adopting the larger map");
	CHECK_MSG(map_size(&s) > before, "the first process's map grew");
	check_read_only_view("after adopting a grown map");
	m = maps_of_data();
	CHECK_EQ_U64_MSG(m.size, map_size(&s), "the view covers the whole new map");

	check_section("--sync full, a map this process grows");
	before = map_size(&s);
	CHECK_EQ_INT(put_range(&s, 3000, 12000), ARC_OK);
	CHECK_MSG(map_size(&s) > before, "writing 9 MB more grew the map");
	check_read_only_view("after growing the map");
	CHECK_EQ_U64_MSG(records(&s, 12000), 12000, "every record reads back through the new view");
	store_close(&s);

	check_section("--sync strict");
	CHECK_EQ_INT(open_mode(&s, STORE_SYNC_STRICT), ARC_OK);
	check_read_only_view("strict, after the open");
	CHECK_EQ_U64_MSG(records(&s, 12000), 12000, "strict reads what full wrote");
	store_close(&s);

	check_section("--sync off keeps LMDB's write map");
	CHECK_EQ_INT(open_mode(&s, STORE_SYNC_OFF), ARC_OK);
	CHECK_MSG(s.writemap, "the store uses the write map");
	m = maps_of_data();
	CHECK_EQ_INT_MSG(m.count, 1, "one map of data.mdb");
	CHECK_MSG(has_flag(&m, "sh") && has_flag(&m, "wr"), "shared and writable: commits write through it");
	CHECK_EQ_INT(put_range(&s, 12000, 12100), ARC_OK);
	CHECK_EQ_U64_MSG(records(&s, 12100), 12100, "the write map reads and writes beside the others' data");
	store_close(&s);

	check_section("--sync full after --sync off");
	CHECK_EQ_INT(open_mode(&s, STORE_SYNC_FULL), ARC_OK);
	check_read_only_view("full, reopened");
	CHECK_EQ_U64_MSG(records(&s, 12100), 12100, "the read-only view sees what the write map wrote");
	store_close(&s);

	check_section("a read-only map that cannot be made");
	fail_fixed = 1;
	CHECK_EQ_INT(open_mode(&s, STORE_SYNC_FULL), ARC_OK);
	CHECK_EQ_INT_MSG(fail_fixed, 0, "the read-only map was tried and refused");
	m = maps_of_data();
	CHECK_EQ_INT_MSG(m.count, 1, "one map of data.mdb: LMDB's kind, put back");
	CHECK_MSG(has_flag(&m, "sh"), "the map put back is LMDB's kind (VM_SHARED)");
	CHECK_EQ_U64_MSG(records(&s, 12100), 12100, "every record reads back through it");
	CHECK_EQ_INT(put_range(&s, 12100, 12200), ARC_OK);
	CHECK_EQ_U64_MSG(records(&s, 12200), 12200, "and writing goes on");
	store_close(&s);

	check_section("a map lost for good");
	CHECK_EQ_INT_MSG(open_with_no_map(), 128 + SIGABRT,
			 "neither map could be made: the process stops (SIGABRT) instead of using a lost map");

	check_rm_dir(tmpdir);
	return check_done();
}
