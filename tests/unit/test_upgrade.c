/* test_upgrade: the schema upgrade (upgrade.h) on a real LMDB environment
 * in a temp dir. Scores are added with today's code, the database is taken
 * back to schema 1's layout by hand (the record under rec 'S' game table
 * id, an empty idx 'O' game table image id entry), and the upgrade must
 * give back the very listings it had: in one transaction that may outgrow
 * the map, done once, refusing (and changing nothing) on an index entry
 * without its record or on a newer schema. Adds count their ids per table
 * (2^32 above the global sequence in meta, which they leave alone), and a
 * record an older build adds beside an upgraded database is moved without
 * meeting an id of this one. */
#include "check.h"
#include "../../src/errors.h"
#include "../../src/games.h"
#include "../../src/key.h"
#include "../../src/rec.h"
#include "../../src/scores.h"
#include "../../src/store.h"
#include "../../src/upgrade.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define N_SCORES 6000
#define LIST_LEN 8192

static char tmpdir[] = "/tmp/arcade-upgrade-XXXXXX";
static char compact[] = "/tmp/arcade-upgrade-compact-XXXXXX";
static char racedir[] = "/tmp/arcade-upgrade-race-XXXXXX";
static const struct table T_DESC = { 1, 7, NULL, NULL, 0, 0 };
static const struct table T_ASC = { 2, 7, NULL, NULL, TABLE_ASC, 0 };

static int add_many(struct store *s, MDB_txn *txn, void *ctx)
{
	int *from = ctx;

	for (int i = *from; i < *from + 1000; i++) {
		char score[32], guest[16];
		struct score_owner o = { i % 3 ? 'g' : 'u', (uint64_t)(i % 7) + 1, guest };
		int stored, rc;

		snprintf(score, sizeof(score), "%d points", i);
		snprintf(guest, sizeof(guest), "g%d", i % 5);
		/* sorts repeat, so ties are ordered by id */
		rc = score_add(s, txn, i % 2 ? &T_DESC : &T_ASC, &o, score, "x", (int64_t)((i * 7919) % 1500) - 700,
			       1700000000000ULL + (uint64_t)i, &stored);
		if (rc)
			return rc;
	}
	return 0;
}

struct list_ctx {
	const struct table *t;
	const struct score_owner *o;
	enum score_window w;
	int64_t pivot;
	char out[LIST_LEN];
};

static int list_fn(struct store *s, MDB_txn *txn, void *ctx)
{
	static struct score sc[FETCH_MAX];
	struct list_ctx *l = ctx;
	size_t n, len = 0;
	int rc = score_fetch(s, txn, l->t, l->o, l->w, l->pivot, FETCH_MAX, sc, &n);

	for (size_t i = 0; i < n; i++) {
		len += (size_t)snprintf(l->out + len, LIST_LEN - len, "%s/%lld/%llu/%s/%s|", sc[i].score,
					(long long)sc[i].sort, (unsigned long long)sc[i].user_id, sc[i].guest,
					sc[i].extra);
		score_free(&sc[i]);
		if (len >= LIST_LEN)
			return ARC_EINTERNAL;
	}
	return rc;
}

/* Every listing the tests compare, one after another in out. */
static void listings(struct store *s, char out[][LIST_LEN])
{
	static const struct score_owner guest = { 'g', 0, "g2" }, user = { 'u', 4, NULL };
	const struct table *t[] = { &T_DESC, &T_ASC };
	size_t k = 0;

	for (size_t i = 0; i < 2; i++) {
		struct list_ctx l[] = {
			{ t[i], NULL, SCORE_TOP, 0, "" },	    { t[i], NULL, SCORE_BETTER_THAN, 10, "" },
			{ t[i], NULL, SCORE_WORSE_THAN, -10, "" }, { t[i], &guest, SCORE_TOP, 0, "" },
			{ t[i], &user, SCORE_WORSE_THAN, 0, "" },
		};
		for (size_t j = 0; j < sizeof(l) / sizeof(l[0]); j++, k++) {
			int rc = store_read(s, list_fn, &l[j]);
			snprintf(out[k], LIST_LEN, "%s", rc ? "(failed)" : l[j].out);
		}
	}
}

/* Counts the keys of db starting with byte p, by length: *short_n those of
 * schema 1's record length (25), *long_n the rest. */
struct count_ctx {
	int which; /* 0 rec, 1 idx */
	unsigned char p;
	size_t short_n, long_n;
};

static int count_fn(struct store *s, MDB_txn *txn, void *ctx)
{
	struct count_ctx *c = ctx;
	MDB_cursor *cur;
	MDB_val k = { 1, &c->p }, v;
	int rc = mdb_cursor_open(txn, c->which ? s->idx : s->rec, &cur);

	c->short_n = c->long_n = 0;
	if (rc)
		return ARC_EINTERNAL;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && ((unsigned char *)k.mv_data)[0] == c->p;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		*(k.mv_size == 25 ? &c->short_n : &c->long_n) += 1;
	mdb_cursor_close(cur);
	return 0;
}

static size_t count(struct store *s, int which, unsigned char p, int want_short)
{
	struct count_ctx c = { which, p, 0, 0 };
	if (store_read(s, count_fn, &c))
		return (size_t)-1;
	return want_short ? c.short_n : c.long_n;
}

/* Back to schema 1: each 'S' game table image id record moves to 'S' game
 * table id with an empty 'O' game table image id entry; schema 1. With
 * dangle set, one record is left out (its order entry dangles); with only
 * set, just that many move and the version stays (what a build before
 * schema 2 adds beside an upgraded database). */
struct v1_opts {
	int dangle;
	size_t only;
};

static int to_v1(struct store *s, MDB_txn *txn, void *ctx)
{
	static unsigned char keys[N_SCORES][33];
	const struct v1_opts *opt = ctx;
	int dangle = opt->dangle;
	unsigned char sk = 'S', ver[8];
	MDB_cursor *cur;
	MDB_val k = { 1, &sk }, v, sv = { 8, ver }, schema = { 6, "schema" };
	size_t n = 0;
	int rc = mdb_cursor_open(txn, s->rec, &cur);

	if (rc)
		return store_err(rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && ((unsigned char *)k.mv_data)[0] == 'S';
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		if (k.mv_size == 33 && n < (opt->only ? opt->only : N_SCORES))
			memcpy(keys[n++], k.mv_data, 33);
	mdb_cursor_close(cur);
	for (size_t i = 0; i < n; i++) {
		unsigned char old[25], ord[33];
		MDB_val nk = { 33, keys[i] }, ok = { 25, old }, ordk = { 33, ord }, empty = { 0, "" }, val;
		void *copy;

		memcpy(old, keys[i], 17);
		memcpy(old + 17, keys[i] + 25, 8);
		memcpy(ord, keys[i], 33);
		ord[0] = 'O';
		if ((rc = mdb_get(txn, s->rec, &nk, &val)))
			return store_err(rc);
		copy = malloc(val.mv_size + 1);
		memcpy(copy, val.mv_data, val.mv_size);
		val.mv_data = copy;
		rc = (dangle && i == n / 2) ? 0 : mdb_put(txn, s->rec, &ok, &val, 0);
		free(copy);
		if (rc || (rc = mdb_put(txn, s->idx, &ordk, &empty, 0)) || (rc = mdb_del(txn, s->rec, &nk, NULL)))
			return store_err(rc); /* MDB_MAP_FULL: store_write grows the map */
	}
	key_put_u64(ver, 1);
	return opt->only ? 0 : store_err(mdb_put(txn, s->meta, &schema, &sv, 0));
}

static int set_schema(struct store *s, MDB_txn *txn, void *ctx)
{
	unsigned char ver[8];
	MDB_val sv = { 8, ver }, schema = { 6, "schema" };

	key_put_u64(ver, *(uint64_t *)ctx);
	return mdb_put(txn, s->meta, &schema, &sv, 0) ? ARC_EINTERNAL : 0;
}

struct ids_ctx {
	const struct table *t;
	uint64_t table_last, global_last;
};

static int ids_fn(struct store *s, MDB_txn *txn, void *ctx)
{
	struct ids_ctx *c = ctx;
	struct key k;
	MDB_val v;
	int rc;

	key_init(&k, 'C');
	key_u64(&k, c->t->game);
	key_u64(&k, c->t->id);
	key_u8(&k, 0);
	rc = store_get(txn, s->cnt, &k, &v);
	c->table_last = rc == 0 && v.mv_size == 8 ? key_get_u64(v.mv_data) : 0;
	return rc ? rc : store_seq_last(s, txn, "score", &c->global_last);
}

/* What a build before schema 2, left running beside an upgraded database,
 * adds to T_ASC: its sort -700 (the first score added there), and its id
 * from the global sequence, which schema 2 no longer moves: 1. */
static int old_build_add(struct store *s, MDB_txn *txn, void *ctx)
{
	unsigned char rk[25], ok[33];
	MDB_val r = { sizeof(rk), rk }, o = { sizeof(ok), ok }, v, empty = { 0, "" };
	struct key k;
	struct buf b;
	int rc;

	(void)ctx;
	key_init(&k, 'S');
	key_u64(&k, T_ASC.game);
	key_u64(&k, T_ASC.id);
	key_u64(&k, 1);
	memcpy(rk, k.b, sizeof(rk));
	memcpy(ok, k.b, 17);
	ok[0] = 'O';
	key_put_u64(ok + 17, key_sort_image(-700, 0));
	key_put_u64(ok + 25, 1);
	buf_init(&b);
	rec_put_u64(&b, (uint64_t)(int64_t)-700); /* sort, stored, user; score, extra, guest */
	rec_put_u64(&b, 1700000000000ULL);
	rec_put_u64(&b, 0);
	rec_put_str(&b, "old");
	rec_put_str(&b, "");
	rec_put_str(&b, "oldguest");
	v.mv_size = b.len;
	v.mv_data = b.p;
	rc = mdb_put(txn, s->rec, &r, &v, 0);
	buf_free(&b);
	return store_err(rc ? rc : mdb_put(txn, s->idx, &o, &empty, 0));
}

static uint64_t last_txn(struct store *s)
{
	MDB_envinfo info;
	return mdb_env_info(s->env, &info) ? 0 : (uint64_t)info.me_last_txnid;
}

static uint64_t version(struct store *s)
{
	uint64_t v = 99;
	return upgrade_version(s, &v) ? 98 : v;
}

static int open_store(struct store *s, const char *dir, size_t map)
{
	struct store_opts o = { dir, map, 1024u << 20, STORE_SYNC_OFF, 0 };
	return store_open(s, &o);
}

static void test_upgrade(void)
{
	static char before[10][LIST_LEN], after[10][LIST_LEN];
	struct store s;
	MDB_envinfo info;
	size_t map_before;
	uint64_t txn;
	struct v1_opts all = { 0, 0 }, five = { 0, 5 };

	check_section("a schema-1 database is upgraded to schema 2");
	if (open_store(&s, tmpdir, 1u << 20) != 0) {
		CHECK_MSG(0, "store_open");
		return;
	}
	CHECK_EQ_U64_MSG(version(&s), 2, "a new database is made at schema 2");
	for (int from = 0; from < N_SCORES; from += 1000)
		CHECK_EQ_INT_MSG(store_write(&s, add_many, &from), 0, "1000 scores added");
	{
		struct ids_ctx a = { &T_DESC, 0, 9 }, b = { &T_ASC, 0, 9 };
		CHECK_MSG(store_read(&s, ids_fn, &a) == 0 && store_read(&s, ids_fn, &b) == 0, "id counters read");
		CHECK_EQ_U64_MSG(a.table_last, ((uint64_t)1 << 32) + N_SCORES / 2,
				 "ids counted per table (cnt 'C' game table 0), 2^32 above the global sequence");
		CHECK_EQ_U64_MSG(b.table_last, ((uint64_t)1 << 32) + N_SCORES / 2, "... in each table");
		CHECK_EQ_U64_MSG(a.global_last, 0, "the global sequence in meta is not written by an add");
	}
	listings(&s, before);
	CHECK_MSG(strstr(before[0], "points") && strstr(before[3], "/g2/") && strstr(before[9], "/4/"),
		  "the listings have scores in them (guest g2, user 4)");
	CHECK_EQ_INT_MSG(store_write(&s, to_v1, &all), 0, "taken back to schema 1's layout");
	CHECK_EQ_U64_MSG(version(&s), 1, "schema 1");
	CHECK_EQ_U64_MSG(count(&s, 0, 'S', 1), N_SCORES, "schema-1 records (game table id)");
	CHECK_EQ_U64_MSG(count(&s, 1, 'O', 0), N_SCORES, "schema-1 order entries");
	/* A copy without free pages, opened with a map just as large: the
	 * upgrade's one transaction cannot fit, and the map must grow. */
	CHECK_EQ_INT_MSG(mdb_env_copy2(s.env, compact, MDB_CP_COMPACT), 0, "compacted copy");
	store_close(&s);
	CHECK_EQ_INT_MSG(open_store(&s, compact, 1u << 20), 0, "the copy opened with a 1 MiB map");
	map_before = mdb_env_info(s.env, &info) ? 0 : info.me_mapsize;
	CHECK_EQ_INT_MSG(upgrade_store(&s), 0, "upgraded");
	CHECK_EQ_U64_MSG(version(&s), 2, "schema 2");
	CHECK_MSG(mdb_env_info(s.env, &info) == 0 && info.me_mapsize > map_before, "the map grew during the upgrade");
	CHECK_EQ_U64_MSG(count(&s, 0, 'S', 1), 0, "no schema-1 record left");
	CHECK_EQ_U64_MSG(count(&s, 0, 'S', 0), N_SCORES, "every record at its schema-2 key");
	CHECK_EQ_U64_MSG(count(&s, 1, 'O', 0), 0, "no order entry left");
	listings(&s, after);
	for (size_t i = 0; i < 10; i++)
		CHECK_EQ_STR_MSG(after[i], before[i], "a listing reads as before the round trip");
	txn = last_txn(&s);
	CHECK_EQ_INT_MSG(upgrade_store(&s), 0, "upgrading again");
	CHECK_EQ_U64_MSG(last_txn(&s), txn, "... writes nothing");

	check_section("schema-1 records written after the upgrade");
	CHECK_EQ_INT_MSG(store_write(&s, to_v1, &five), 0, "five records in schema 1's layout, version 2");
	CHECK_EQ_U64_MSG(version(&s), 2, "schema 2 still");
	listings(&s, after);
	CHECK_MSG(strcmp(after[0], before[0]) != 0 && strlen(after[0]) > strlen(before[0]) / 2,
		  "a listing skips them and goes on (it does not stop at the first)");
	CHECK_EQ_INT_MSG(upgrade_store(&s), 0, "the next open moves them");
	CHECK_EQ_U64_MSG(count(&s, 1, 'O', 0), 0, "... no order entry left");
	CHECK_EQ_U64_MSG(count(&s, 0, 'S', 1), 0, "... no schema-1 record left");
	listings(&s, after);
	for (size_t i = 0; i < 10; i++)
		CHECK_EQ_STR_MSG(after[i], before[i], "a listing reads as before");
	CHECK_EQ_INT_MSG(store_write(&s, old_build_add, NULL), 0, "an older build adds a score, its id from meta");
	CHECK_EQ_INT_MSG(upgrade_store(&s), 0, "moved at the next open (no id of this build to meet)");
	CHECK_EQ_U64_MSG(count(&s, 0, 'S', 0), N_SCORES + 1, "... beside every other record");
	store_close(&s);
}

static void test_refusals(void)
{
	struct store s;
	uint64_t txn, three = 3;
	struct v1_opts dangle = { 1, 0 };

	check_section("refusals change nothing");
	if (open_store(&s, tmpdir, 64u << 20) != 0) {
		CHECK_MSG(0, "store_open");
		return;
	}
	CHECK_EQ_INT_MSG(upgrade_store(&s), 0, "the original upgraded too");
	CHECK_EQ_INT_MSG(store_write(&s, to_v1, &dangle), 0, "schema 1 with one order entry missing its record");
	txn = last_txn(&s);
	CHECK_EQ_INT_MSG(upgrade_store(&s), ARC_EINTERNAL, "the upgrade refuses an entry without its record");
	CHECK_EQ_U64_MSG(last_txn(&s), txn, "... and commits nothing");
	CHECK_EQ_U64_MSG(version(&s), 1, "... still schema 1");
	CHECK_EQ_U64_MSG(count(&s, 1, 'O', 0), N_SCORES, "... every order entry still there");
	CHECK_EQ_U64_MSG(count(&s, 0, 'S', 1), N_SCORES - 1, "... and every record");

	CHECK_EQ_INT_MSG(store_write(&s, set_schema, &three), 0, "schema 3");
	txn = last_txn(&s);
	CHECK_EQ_INT_MSG(upgrade_store(&s), ARC_EINTERNAL, "a newer schema is refused");
	CHECK_EQ_U64_MSG(last_txn(&s), txn, "... and nothing committed");
	CHECK_EQ_U64_MSG(version(&s), 3, "... still schema 3");
	store_close(&s);
}

/* A child opens the store itself, and in one write transaction sets the
 * schema to 3 (what a newer arcade would do), tells the parent, and
 * commits a second later. */
static void race_child(int fd)
{
	struct store s;
	MDB_txn *txn;
	unsigned char ver[8];
	MDB_val sv = { 8, ver }, schema = { 6, "schema" };
	int ok = open_store(&s, racedir, 64u << 20) == 0 && mdb_txn_begin(s.env, NULL, 0, &txn) == 0;

	key_put_u64(ver, 3);
	ok = ok && mdb_put(txn, s.meta, &schema, &sv, 0) == 0;
	if (write(fd, ok ? "y" : "n", 1) != 1 || !ok)
		_exit(1);
	sleep(1);
	_exit(mdb_txn_commit(txn) == 0 ? 0 : 1);
}

static void test_newer_during_upgrade(void)
{
	struct store s;
	struct v1_opts all = { 0, 0 };
	int p[2], from = 0, status = -1;
	char c = 0;
	pid_t pid;

	check_section("a newer arcade upgrades first");
	if (open_store(&s, racedir, 64u << 20) != 0 || pipe(p) != 0) {
		CHECK_MSG(0, "store_open, pipe");
		return;
	}
	CHECK_EQ_INT_MSG(store_write(&s, add_many, &from), 0, "1000 scores");
	CHECK_EQ_INT_MSG(store_write(&s, to_v1, &all), 0, "schema 1");
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		race_child(p[1]);
	CHECK_MSG(pid > 0 && read(p[0], &c, 1) == 1 && c == 'y', "the child holds the writer lock with schema 3");
	CHECK_EQ_INT_MSG(upgrade_store(&s), ARC_EINTERNAL, "the upgrade, queued behind it, refuses");
	CHECK_MSG(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "the child committed");
	CHECK_EQ_U64_MSG(version(&s), 3, "schema 3 stays");
	CHECK_EQ_U64_MSG(count(&s, 1, 'O', 0), 1000, "nothing moved");
	close(p[0]);
	close(p[1]);
	store_close(&s);
}

int main(void)
{
	if (!mkdtemp(tmpdir) || !mkdtemp(compact) || !mkdtemp(racedir)) {
		perror("mkdtemp");
		return 1;
	}
	test_upgrade();
	test_refusals();
	test_newer_during_upgrade();
	check_rm_dir(racedir);
	check_rm_dir(tmpdir);
	check_rm_dir(compact);
	return check_done();
}
