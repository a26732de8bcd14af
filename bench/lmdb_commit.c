/* lmdb_commit: raw LMDB's durable single-put commit rate on one disk — the
 * yardstick for arcade's durable writes. P processes (default 1) each loop
 * for SECONDS: begin a write transaction, put one small record under a new
 * key, commit with LMDB's default (synchronous) durability. Prints commits
 * per second over all processes. More processes do not help raw LMDB: one
 * writer at a time, and each commit pays its own fsync.
 *
 * Usage: lmdb_commit DIR [SECONDS] [PROCESSES] */
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static long run(const char *dir, double secs, int who)
{
	MDB_env *env;
	MDB_dbi dbi;
	MDB_txn *txn;
	long n = 0;
	double end;
	char val[64];
	int rc;

	if ((rc = mdb_env_create(&env)) || (rc = mdb_env_set_mapsize(env, (size_t)1 << 30)) ||
	    (rc = mdb_env_open(env, dir, MDB_NORDAHEAD, 0640))) {
		fprintf(stderr, "lmdb_commit: %s: %s\n", dir, mdb_strerror(rc));
		exit(2);
	}
	if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) || (rc = mdb_dbi_open(txn, NULL, 0, &dbi)) ||
	    (rc = mdb_txn_commit(txn))) {
		fprintf(stderr, "lmdb_commit: %s\n", mdb_strerror(rc));
		exit(2);
	}
	memset(val, 'v', sizeof(val));
	end = now_s() + secs;
	while (now_s() < end) {
		uint64_t k = ((uint64_t)who << 48) | (uint64_t)n;
		MDB_val kv = { sizeof(k), &k }, vv = { sizeof(val), val };
		if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) || (rc = mdb_put(txn, dbi, &kv, &vv, 0)) ||
		    (rc = mdb_txn_commit(txn))) {
			fprintf(stderr, "lmdb_commit: %s\n", mdb_strerror(rc));
			exit(2);
		}
		n++;
	}
	mdb_env_close(env);
	return n;
}

int main(int argc, char **argv)
{
	double secs = argc > 2 ? atof(argv[2]) : 5;
	int procs = argc > 3 ? atoi(argv[3]) : 1;
	long *counts, total = 0;
	double t0;

	if (argc < 2 || secs <= 0 || procs < 1 || procs > 64) {
		fprintf(stderr, "usage: lmdb_commit DIR [SECONDS] [PROCESSES]\n");
		return 2;
	}
	counts = mmap(NULL, sizeof(long) * (size_t)procs, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counts == MAP_FAILED)
		return 2;
	t0 = now_s();
	for (int i = 0; i < procs; i++)
		if (fork() == 0) {
			counts[i] = run(argv[1], secs, i);
			_exit(0);
		}
	for (int i = 0; i < procs; i++)
		wait(NULL);
	for (int i = 0; i < procs; i++)
		total += counts[i];
	printf("%.1f commits/s (%ld commits, %d process(es), %.1f s)\n", total / (now_s() - t0), total, procs,
	       now_s() - t0);
	return 0;
}
