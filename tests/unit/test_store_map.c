/* Unit tests for the data environment's map (store_map.c): without the
 * write map (--sync full and strict) data.mdb is mapped through a read-only
 * descriptor, after the open, after this process grows the map and after it
 * adopts a map another process grew, so that a sync's writeback skips it;
 * with the write map (--sync off) the map stays writable; and every kind of
 * map reads what the others wrote. The kernel's own account of each map
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAP_START ((size_t)1 << 20)
#define RECORD 1000

static char tmpdir[] = "/tmp/arcade-storemap-XXXXXX";

struct map_seen {
	int count;          /* maps of data.mdb in this process */
	char flags[256];    /* the last one's VmFlags, each between spaces */
	unsigned long size; /* its length */
};

/* The maps of DIR/data.mdb in this process, found by inode. */
static struct map_seen maps_of_data(void)
{
	struct map_seen m = { 0, "", 0 };
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

/* Another process grows the map to hold records from..to-1 and exits. */
static int grow_elsewhere(uint64_t from, uint64_t to)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		struct store cs;
		int ok = open_mode(&cs, STORE_SYNC_FULL) == ARC_OK && put_range(&cs, from, to) == ARC_OK;
		store_close(&cs);
		_exit(ok ? 0 : 1);
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
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
	CHECK_EQ_U64_MSG(map_size(&s), MAP_START, "the map starts at 1 MiB");
	check_read_only_view("after the open");
	CHECK_EQ_INT(put_range(&s, 0, 100), ARC_OK);
	CHECK_EQ_U64_MSG(records(&s, 100), 100, "the view reads what this process wrote");

	check_section("--sync full, a map another process grew");
	before = map_size(&s);
	CHECK_MSG(grow_elsewhere(100, 3000), "a second process wrote 2,900 records of 1 KB (3 MB: its map grew)");
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

	check_rm_dir(tmpdir);
	return check_done();
}
