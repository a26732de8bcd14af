/* Unit tests of ratelimit: the token-bucket arithmetic alone, then the
 * LMDB table in a temp dir (charging, persistence, exactness across
 * processes, idle expiry under a flood of 100,000 keys, a full map) and
 * fail open when the environment cannot be opened. */
#include "config.h"
#include "check.h"
#include "../../src/errors.h"
#include "../../src/handler.h"
#include "../../src/ratelimit.h"
#include "../../src/response.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NEAR(a, b) ((a) - (b) < 1e-6 && (b) - (a) < 1e-6)

static char tmpdir[256];

static void rm_env(const char *dir)
{
	char p[600];

	snprintf(p, sizeof(p), "%s/data.mdb", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", dir);
	unlink(p);
	rmdir(dir);
}

static const char *subdir(const char *name)
{
	static char p[512];

	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	return p;
}

/* Runs before anything else complains: the once-per-interval log state is
 * per process. */
static void test_fail_open_logging(void)
{
	char logpath[512], buf[4096];
	struct rl *rl = (struct rl *)1;
	struct ctx c;
	struct resp resp;
	struct conf_rate r = { 1, 0 };
	int saved, fd, allowed = 0, lines = 0;
	ssize_t got;

	check_section("fail open");
	snprintf(logpath, sizeof(logpath), "%s/stderr.log", tmpdir);
	fflush(stderr);
	saved = dup(2);
	fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	close(fd);

	CHECK(rl_open(&rl, "/nonexistent-arcade-dir/sub/limits") != 0);
	CHECK_NULL(rl);
	memset(&c, 0, sizeof(c));
	resp_init(&resp);
	c.resp = &resp;
	c.now_ms = 1000;
	c.rl = NULL;
	/* A bucket of one token that never refills, charged 1000 times: all
	 * allowed, since nothing can be counted. */
	for (int i = 0; i < 1000; i++)
		allowed += rl_take(&c, "ip", "1.2.3.4", &r, 1) == 0;
	CHECK_EQ_INT_MSG(allowed, 1000, "every request allowed without an environment");
	CHECK_NULL(c.rl_note.name);
	rl_headers(&c);
	CHECK_EQ_U64_MSG(resp.head.len, 0, "no rate headers when nothing was counted");
	resp_free(&resp);

	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fd = open(logpath, O_RDONLY);
	got = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[got > 0 ? got : 0] = '\0';
	for (char *p = buf; (p = strstr(p, "ratelimit:")); p++)
		lines++;
	CHECK_EQ_INT_MSG(lines, 1, "one log line for 1 open failure + 1000 charges within the interval");
	CHECK_MSG(strstr(buf, "/nonexistent-arcade-dir/sub/limits") != NULL, "the log line names the directory");
	CHECK_MSG(strstr(buf, "fail open") != NULL, "the log line says requests are allowed");
	unlink(logpath);

	/* A regular file where the directory should be. */
	{
		char file[512], dir[600];
		snprintf(file, sizeof(file), "%s/afile", tmpdir);
		fd = open(file, O_WRONLY | O_CREAT, 0600);
		close(fd);
		snprintf(dir, sizeof(dir), "%s/limits", file);
		rl = (struct rl *)1;
		CHECK(rl_open(&rl, dir) != 0);
		CHECK_NULL(rl);
		rl = (struct rl *)1;
		CHECK(rl_open(&rl, file) != 0);
		CHECK_MSG(rl == NULL, "a file given as the directory: not opened");
		unlink(file);
	}
}

static void test_arithmetic(void)
{
	struct conf_rate r = { 10, 5 };
	struct rl_bucket b;

	check_section("arithmetic");
	/* A new bucket is full. */
	b = (struct rl_bucket){ 10, 1000 };
	CHECK(rl_spend(&b, &r, 1, 1000));
	CHECK(NEAR(b.tokens, 9));
	/* Refill: 5/s, 200 ms make one token. */
	b = (struct rl_bucket){ 0, 1000 };
	rl_refill(&b, &r, 1200);
	CHECK(NEAR(b.tokens, 1));
	CHECK_EQ_U64(b.last_ms, 1200);
	/* Capacity: a long idle time fills to the capacity, no further. */
	rl_refill(&b, &r, 1000000);
	CHECK(NEAR(b.tokens, 10));
	/* Capacity lowered since (per-key override): clamped. */
	{
		struct conf_rate small = { 4, 5 };
		rl_refill(&b, &small, 1000000);
		CHECK(NEAR(b.tokens, 4));
	}
	/* Cost > 1. */
	b = (struct rl_bucket){ 5, 0 };
	CHECK(rl_spend(&b, &r, 3, 0));
	CHECK(NEAR(b.tokens, 2));
	CHECK_MSG(!rl_spend(&b, &r, 3, 0), "3 do not fit into 2");
	CHECK_MSG(NEAR(b.tokens, 2), "a refusal takes nothing");
	CHECK(NEAR(rl_wait_s(&b, &r, 3), 0.2));
	CHECK_MSG(rl_spend(&b, &r, 3, 200), "200 ms later they do");
	CHECK(NEAR(b.tokens, 0));
	/* Cost > capacity never fits, even full. */
	b = (struct rl_bucket){ 10, 0 };
	CHECK(!rl_spend(&b, &r, 11, 0));
	CHECK(NEAR(b.tokens, 10));
	CHECK(rl_wait_s(&b, &r, 11) == HUGE_VAL);
	/* Exact fit. */
	CHECK(rl_spend(&b, &r, 10, 0));
	CHECK(NEAR(b.tokens, 0));
	CHECK(!rl_spend(&b, &r, 1, 0));

	/* Clock going backwards: no tokens added, never negative, and the
	 * time already counted is not counted twice when it comes back. */
	b = (struct rl_bucket){ 0, 10000 };
	rl_refill(&b, &r, 5000);
	CHECK(NEAR(b.tokens, 0));
	CHECK_EQ_U64_MSG(b.last_ms, 10000, "last_ms kept when the clock goes back");
	CHECK(!rl_spend(&b, &r, 1, 4000));
	CHECK(b.tokens >= 0);
	rl_refill(&b, &r, 10200);
	CHECK_MSG(NEAR(b.tokens, 1), "back at 10200: 200 ms of refill, not 5200");
	b = (struct rl_bucket){ 3, 10000 };
	CHECK_MSG(rl_spend(&b, &r, 1, 0), "tokens already there can be spent while the clock is behind");
	CHECK(NEAR(b.tokens, 2));
	CHECK_EQ_U64(b.last_ms, 10000);

	/* Fractional refill: 20/0.001 is one token per 1000 s. */
	{
		struct conf_rate slow = { 20, 0.001 };
		int ok = 0;
		b = (struct rl_bucket){ 20, 0 };
		for (int i = 0; i < 60; i++)
			ok += rl_spend(&b, &slow, 1, (uint64_t)i * 10); /* 60 in 0.6 s */
		CHECK_EQ_INT_MSG(ok, 20, "20/0.001: 20 of 60 quick requests fit");
		CHECK(!rl_spend(&b, &slow, 1, 999000));
		CHECK_MSG(rl_spend(&b, &slow, 1, 1000000), "one more after 1000 s");
		CHECK(NEAR(rl_wait_s(&b, &slow, 1), 1000));
	}
	/* Float noise: 50/s, 20 steps of 1 ms make exactly one token. */
	{
		struct conf_rate fast = { 300, 50 };
		b = (struct rl_bucket){ 0, 0 };
		for (uint64_t t = 1; t <= 20; t++)
			rl_refill(&b, &fast, t);
		CHECK_MSG(rl_spend(&b, &fast, 1, 20), "20 x 1 ms at 50/s pay one token");
	}
	/* No refill at all. */
	{
		struct conf_rate none = { 2, 0 };
		b = (struct rl_bucket){ 2, 0 };
		CHECK(rl_spend(&b, &none, 2, 0));
		CHECK(!rl_spend(&b, &none, 1, 1000000000));
		CHECK(rl_wait_s(&b, &none, 1) == HUGE_VAL);
	}
}

static void test_table(void)
{
	const char *dir = subdir("table");
	struct conf_rate r = { 3, 1 };
	struct rl_note n;
	struct rl *rl;
	size_t entries;
	char longa[301], longb[301];

	check_section("table");
	CHECK_EQ_INT(rl_open(&rl, dir), 0);
	CHECK_NOT_NULL(rl);
	if (!rl)
		return;
	for (int i = 0; i < 3; i++) {
		CHECK_EQ_INT(rl_charge(rl, "ip", "1.2.3.4", &r, 1, 5000, &n), 0);
		CHECK_EQ_INT(n.refused, 0);
		CHECK(NEAR(n.tokens, 2 - i));
	}
	CHECK_EQ_STR(n.name, "ip");
	CHECK_EQ_INT(rl_charge(rl, "ip", "1.2.3.4", &r, 1, 5000, &n), 0);
	CHECK_EQ_INT_MSG(n.refused, ARC_ERATE_IP, "the fourth is refused by the ip bucket");
	CHECK(NEAR(n.retry_s, 1));
	CHECK_EQ_INT(rl_charge(rl, "ip", "1.2.3.4", &r, 1, 5500, &n), 0);
	CHECK_MSG(n.refused && NEAR(n.retry_s, 1), "retry-after is at least 1 s (0.5 s needed)");
	CHECK_EQ_INT(rl_charge(rl, "ip", "1.2.3.4", &r, 1, 6000, &n), 0);
	CHECK_MSG(!n.refused, "one token back after 1 s");
	CHECK_EQ_INT(rl_charge(rl, "ip", "5.6.7.8", &r, 1, 6000, &n), 0);
	CHECK_MSG(!n.refused && NEAR(n.tokens, 2), "another IP has its own bucket");
	CHECK_EQ_INT(rl_charge(rl, "key", "1.2.3.4", &r, 1, 6000, &n), 0);
	CHECK_MSG(!n.refused && NEAR(n.tokens, 2), "same id, another bucket name: separate");
	CHECK_EQ_INT(rl_charge(rl, "key", "k1", &r, 4, 6000, &n), 0);
	CHECK_EQ_INT_MSG(n.refused, ARC_ERATE_KEY, "cost above capacity: refused by the key bucket");
	CHECK_MSG(n.retry_s >= 1, "and told to retry later");
	CHECK_EQ_INT(rl_charge(rl, "batch", "k1", &r, 3, 6000, &n), 0);
	CHECK_EQ_INT(n.refused, 0);
	CHECK_EQ_INT(rl_charge(rl, "batch", "k1", &r, 1, 6000, &n), 0);
	CHECK_EQ_INT_MSG(n.refused, ARC_ERATE_KEY, "batch bucket refusals are api-rate errors");
	CHECK_EQ_INT(rl_charge(rl, "game", "7", &r, 1, 6000, &n), 0);
	CHECK_EQ_STR(n.name, "game");
	CHECK_MSG(rl_charge(rl, "nosuch", "x", &r, 1, 6000, &n) != 0, "unknown bucket name is an error");
	CHECK_MSG(rl_charge(rl, "ip", "x", &r, -1, 6000, &n) != 0, "negative cost is an error");

	/* Ids too long for a key are hashed, still distinct. */
	memset(longa, 'a', 300);
	longa[300] = '\0';
	memcpy(longb, longa, sizeof(longa));
	longb[299] = 'b';
	CHECK_EQ_INT(rl_charge(rl, "ip", longa, &r, 3, 6000, &n), 0);
	CHECK_EQ_INT(n.refused, 0);
	CHECK_EQ_INT(rl_charge(rl, "ip", longa, &r, 1, 6000, &n), 0);
	CHECK_MSG(n.refused, "a 300-byte id is counted");
	CHECK_EQ_INT(rl_charge(rl, "ip", longb, &r, 1, 6000, &n), 0);
	CHECK_MSG(!n.refused, "another 300-byte id sharing 299 bytes is separate");

	/* Survives close and reopen: it is in the file, not in the process. */
	CHECK_EQ_INT(rl_charge(rl, "ip", "9.9.9.9", &r, 2, 7000, &n), 0);
	rl_close(rl);
	CHECK_EQ_INT(rl_open(&rl, dir), 0);
	if (!rl)
		return;
	CHECK_EQ_INT(rl_charge(rl, "ip", "9.9.9.9", &r, 1, 7000, &n), 0);
	CHECK_MSG(!n.refused && NEAR(n.tokens, 0), "after reopening, the bucket carries on");
	CHECK_EQ_INT(rl_entries(rl, &entries), 0);
	CHECK(entries > 0);
	/* Full buckets are deleted: at t = 1e9 every bucket has refilled. */
	for (int i = 0; i < 4; i++)
		rl_charge(rl, "ip", "sweeper", &r, 0, 1000000000, &n);
	CHECK_EQ_INT(rl_entries(rl, &entries), 0);
	CHECK_EQ_U64_MSG(entries, 0, "every refilled bucket swept, a zero-cost charge leaves none");
	rl_close(rl);
	rm_env(dir);
}

/* Several processes charging one bucket: LMDB serialises the writers, so
 * exactly the capacity is granted. */
static void test_processes(void)
{
	const char *dir = subdir("procs");
	struct conf_rate r = { 100, 0 };
	int fds[2], total = 0, nproc = 6;

	check_section("processes");
	if (pipe(fds) != 0)
		return;
	for (int p = 0; p < nproc; p++) {
		if (fork() == 0) {
			struct rl *rl;
			struct rl_note n;
			int ok = 0;
			close(fds[0]);
			if (rl_open(&rl, dir) == 0) {
				for (int i = 0; i < 50; i++)
					if (rl_charge(rl, "ip", "10.0.0.1", &r, 1, 1000, &n) == 0 && !n.refused)
						ok++;
				rl_close(rl);
			}
			if (write(fds[1], &ok, sizeof(ok)) != sizeof(ok))
				_exit(1);
			_exit(0);
		}
	}
	close(fds[1]);
	for (int p = 0; p < nproc; p++) {
		int ok = 0;
		if (read(fds[0], &ok, sizeof(ok)) == sizeof(ok))
			total += ok;
		wait(NULL);
	}
	close(fds[0]);
	CHECK_EQ_INT_MSG(total, 100, "6 processes x 50 charges against 100 tokens: exactly 100 granted");
	rm_env(dir);
}

/* The flood: 100,000 distinct keys. */
static void test_flood(void)
{
	const char *dir = subdir("flood");
	struct conf_rate dflt = { 300, 50 }, slow = { 20, 0.001 };
	struct rl_note n;
	struct rl *rl;
	size_t entries = 0, most = 0;
	char id[32];
	int errors = 0;

	check_section("idle expiry");
	CHECK_EQ_INT(rl_open(&rl, dir), 0);
	if (!rl)
		return;
	/* (a) 100,000 distinct IPs at 1,000 per second with the default ip
	 * bucket (300, 50/s): one token refills in 20 ms, so about 20 buckets
	 * are not yet full at any time; the sweep (8 entries per charge) keeps
	 * the table at a small multiple of that. Bound checked: 64. */
	for (int i = 0; i < 100000; i++) {
		snprintf(id, sizeof(id), "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
		errors += rl_charge(rl, "ip", id, &dflt, 1, 1000000 + (uint64_t)i, &n) != 0;
		if (i % 500 == 499) {
			rl_entries(rl, &entries);
			if (entries > most)
				most = entries;
		}
	}
	CHECK_EQ_INT(errors, 0);
	printf("# flood at 1000/s: at most %zu entries\n", most);
	CHECK_MSG(most <= 64, "flood of 100,000 IPs at 1000/s: never more than 64 entries");

	/* (b) 100,000 distinct keys at one instant with a bucket that takes
	 * 1000 s to refill one token: all of them are live state and kept. */
	for (int i = 0; i < 100000; i++) {
		snprintf(id, sizeof(id), "k%d", i);
		errors += rl_charge(rl, "key", id, &slow, 1, 5000000, &n) != 0;
	}
	CHECK_EQ_INT(errors, 0);
	rl_entries(rl, &entries);
	CHECK_MSG(entries >= 100000 && entries <= 100000 + 64, "100,000 live buckets are all kept");
	/* Past full refill (1000 s later) one client keeps calling: every
	 * charge examines 8 entries, so 100,000 / 8 = 12,500 charges sweep the
	 * whole table. */
	most = 0;
	for (int i = 0; i < 12600; i++)
		errors += rl_charge(rl, "key", "steady", &slow, 1, 5000000 + 1001000, &n) != 0;
	CHECK_EQ_INT(errors, 0);
	rl_entries(rl, &entries);
	printf("# after 12,600 charges past refill: %zu entries\n", entries);
	CHECK_MSG(entries <= 1, "after one sweep round only the live bucket is left");
	/* And a second flood of new keys after that time also replaces, not
	 * adds to, whatever is expired: at most live + 64. */
	for (int i = 0; i < 20000; i++) {
		snprintf(id, sizeof(id), "n%d", i);
		errors += rl_charge(rl, "ip", id, &dflt, 1, 9000000 + (uint64_t)i, &n) != 0;
		if (i % 500 == 499) {
			rl_entries(rl, &entries);
			if (entries > most)
				most = entries;
		}
	}
	CHECK_MSG(most <= 64, "second flood stays bounded too");
	rl_close(rl);
	rm_env(dir);
}

/* A map too small for the flood: once buckets fill half of it, new clients
 * are allowed uncounted (fail open) while known ones are still counted;
 * once buckets have refilled, the sweep makes room and counting resumes. */
static void test_map_full(void)
{
	const char *dir = subdir("full");
	struct conf_rate slow = { 5, 0.001 };
	struct rl_note n;
	struct rl *rl;
	struct ctx c;
	struct resp resp;
	size_t entries = 0;
	char id[32], full_id[32] = "";
	int failed_at = -1, allowed = 0, counted_at = -1;

	check_section("map full");
	CHECK_EQ_INT(rl_open_sized(&rl, dir, 256 * 1024), 0);
	if (!rl)
		return;
	for (int i = 0; i < 100000 && failed_at < 0; i++) {
		snprintf(id, sizeof(id), "f%d", i);
		if (rl_charge(rl, "ip", id, &slow, 1, 1000, &n) != 0) {
			failed_at = i;
			snprintf(full_id, sizeof(full_id), "%s", id);
		}
	}
	rl_entries(rl, &entries);
	printf("# a 256 KiB map took %d buckets (%zu entries)\n", failed_at, entries);
	CHECK_MSG(failed_at > 0, "a small map fills up");
	memset(&c, 0, sizeof(c));
	resp_init(&resp);
	c.resp = &resp;
	c.rl = rl;
	c.now_ms = 1000;
	/* A new client charged its whole capacity 10 times: had it been
	 * counted, the second would have been refused. */
	for (int i = 0; i < 10; i++)
		allowed += rl_take(&c, "ip", full_id, &slow, 5) == 0;
	CHECK_EQ_INT_MSG(allowed, 10, "table full: a new client is allowed (fail open)");
	CHECK_NULL(c.rl_note.name);
	resp_free(&resp);
	/* A known client is still counted: f0 has 4 tokens left. */
	CHECK_EQ_INT(rl_charge(rl, "ip", "f0", &slow, 4, 1000, &n), 0);
	CHECK_MSG(!n.refused, "table full: a known client still spends");
	CHECK_EQ_INT(rl_charge(rl, "ip", "f0", &slow, 1, 1000, &n), 0);
	CHECK_MSG(n.refused, "table full: a known client is still refused");
	/* Everything has refilled (5 tokens at 0.001/s: 5000 s); a new client's
	 * calls sweep 8 entries each until there is room. */
	for (int i = 0; i < 2000 && counted_at < 0; i++)
		if (rl_charge(rl, "ip", "after", &slow, 5, 1000 + 5000001, &n) == 0)
			counted_at = i;
	printf("# counted again after %d charges\n", counted_at);
	CHECK_MSG(counted_at >= 0 && counted_at <= failed_at / RL_SWEEP + 8,
		  "after the refill the sweep makes room within one round");
	CHECK_EQ_INT(rl_charge(rl, "ip", "after", &slow, 1, 1000 + 5000001, &n), 0);
	CHECK_MSG(n.refused, "and counts again");
	rl_close(rl);
	rm_env(dir);
}

static const char *header(const struct resp *p, const char *name)
{
	static char v[256];
	const char *s = p->head.p;
	size_t nl = strlen(name);

	while (s && *s) {
		const char *e = strstr(s, "\r\n");
		if (!e)
			break;
		if (strncmp(s, name, nl) == 0 && s[nl] == ':') {
			const char *b = s + nl + 1;
			while (*b == ' ')
				b++;
			snprintf(v, sizeof(v), "%.*s", (int)(e - b), b);
			return v;
		}
		s = e + 2;
	}
	return NULL;
}

/* rl_take and rl_headers as a handler sees them. */
static void test_request(void)
{
	const char *dir = subdir("req");
	struct conf_rate ip = { 300, 50 }, key = { 60, 1 }, slow = { 20, 0.001 };
	struct rl *rl;
	struct ctx c;
	struct resp resp;

	check_section("request");
	CHECK_EQ_INT(rl_open(&rl, dir), 0);
	if (!rl)
		return;
	memset(&c, 0, sizeof(c));
	resp_init(&resp);
	c.resp = &resp;
	c.rl = rl;
	c.now_ms = 1000000;
	CHECK_EQ_INT(rl_take(&c, "ip", "1.1.1.1", &ip, 1), 0);
	CHECK_EQ_INT(rl_take(&c, "key", "k", &key, 1), 0);
	CHECK_EQ_STR_MSG(c.rl_note.name, "key", "the most restrictive bucket is the one with fewest tokens");
	rl_headers(&c);
	CHECK_EQ_STR(header(&resp, "RateLimit-Policy"), "\"key\";q=60;w=60");
	CHECK_EQ_STR(header(&resp, "RateLimit"), "\"key\";r=59;t=1");
	CHECK_EQ_STR(header(&resp, "X-RateLimit-Limit"), "60");
	CHECK_EQ_STR(header(&resp, "X-RateLimit-Remaining"), "59");
	CHECK_EQ_STR(header(&resp, "X-RateLimit-Reset"), "1");
	CHECK_NULL(header(&resp, "Retry-After"));
	resp_free(&resp);

	/* The ip bucket with 20/0.001, then refused. */
	for (int i = 0; i < 20; i++) {
		memset(&c.rl_note, 0, sizeof(c.rl_note));
		CHECK_EQ_INT(rl_take(&c, "ip", "2.2.2.2", &slow, 1), 0);
	}
	resp_init(&resp);
	c.resp = &resp;
	rl_headers(&c);
	CHECK_EQ_STR(header(&resp, "RateLimit-Policy"), "\"ip\";q=20;w=20000");
	CHECK_EQ_STR(header(&resp, "RateLimit"), "\"ip\";r=0;t=20000");
	CHECK_EQ_STR(header(&resp, "X-RateLimit-Reset"), "20000");
	resp_free(&resp);
	memset(&c.rl_note, 0, sizeof(c.rl_note));
	resp_init(&resp);
	c.resp = &resp;
	CHECK_EQ_INT(rl_take(&c, "ip", "2.2.2.2", &slow, 1), ARC_ERATE_IP);
	CHECK_EQ_INT_MSG(rl_take(&c, "key", "k", &key, 1), ARC_ERATE_IP, "after a refusal nothing more is charged");
	rl_headers(&c);
	CHECK_EQ_STR(header(&resp, "RateLimit"), "\"ip\";r=0;t=20000");
	CHECK_EQ_STR(header(&resp, "X-RateLimit-Remaining"), "0");
	CHECK_EQ_STR(header(&resp, "Retry-After"), "1000");
	resp_free(&resp);

	/* A key refusal after an ip charge reports the key bucket. */
	memset(&c.rl_note, 0, sizeof(c.rl_note));
	resp_init(&resp);
	c.resp = &resp;
	CHECK_EQ_INT(rl_take(&c, "ip", "3.3.3.3", &ip, 1), 0);
	CHECK_EQ_INT(rl_take(&c, "batch", "k", &key, 61), ARC_ERATE_KEY);
	CHECK_EQ_STR(c.rl_note.name, "batch");
	rl_headers(&c);
	CHECK_EQ_STR(header(&resp, "RateLimit-Policy"), "\"batch\";q=60;w=60");
	CHECK_EQ_STR(header(&resp, "RateLimit"), "\"batch\";r=60;t=0");
	CHECK_EQ_STR_MSG(header(&resp, "Retry-After"), "1", "a batch that can never fit: at least 1");
	resp_free(&resp);
	/* The key bucket was not charged by the refused request. */
	memset(&c.rl_note, 0, sizeof(c.rl_note));
	CHECK_EQ_INT(rl_take(&c, "key", "k", &key, 1), 0);
	CHECK(NEAR(c.rl_note.tokens, 58));

	rl_close(rl);
	rm_env(dir);
}

int main(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	snprintf(tmpdir, sizeof(tmpdir), "%s/arcade-rl-XXXXXX", base);
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_fail_open_logging();
	test_arithmetic();
	test_table();
	test_processes();
	test_request();
	test_map_full();
	test_flood();
	rmdir(tmpdir);
	return check_done();
}
