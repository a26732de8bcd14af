#!/bin/sh
# ratelimit-cost: what the shared rate-limit table costs. Throughput of Game
# Jolt scores/add (guest) through nginx + an arcaded pool, with limiting on
# and with the limits environment unusable (fail open: no LMDB work, the
# closest thing to "off"), in the same run, alternating on/off so that
# machine noise hits both. Figures go into docs/rate-limits.md.
#
# Usage (from a built tree): bench/ratelimit-cost.sh [SECONDS] [ROUNDS] [CONNECTIONS]
# ARCADE_BUILDDIR as for the tests; SYNC="off full" picks the --sync modes;
# LIMITS_FS (default /dev/shm, a tmpfs) is where the limits table goes.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
exec python3 - "$here/.." "${1:-5}" "${2:-10}" "${3:-32}" <<'EOF'
import os, re, shutil, statistics, subprocess, sys, tempfile

root, secs, rounds, conns = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
sys.path.insert(0, os.path.join(root, "tests"))
from harness import Stack  # noqa: E402

WORKERS = 2
LIMITS_FS = os.environ.get("LIMITS_FS", "/dev/shm")
# Big enough never to refuse during the run: every request does the full
# charges (ip, then game for a signed Game Jolt call: get, refill, compare,
# put, sweep) and nothing is turned away.
BIG = "100000000/100000000"
ON = ["--rate-ip", BIG, "--rate-game", BIG, "--rate-key", BIG, "--rate-batch", BIG]


def cpu_ticks(pids):
    """utime + stime of the pool's workers, in clock ticks."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total


def wrk(stack, url):
    """req/s, p50, p99, and the workers' CPU time per request (us): the
    latter is less at the mercy of whatever else the machine is doing."""
    pids = stack.worker_pids()
    t0 = cpu_ticks(pids)
    out = subprocess.run(["wrk", "-t2", "-c" + conns, "-d%ds" % secs, "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    ticks = cpu_ticks(pids) - t0
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    n = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)
    if bad:
        sys.exit("non-2xx answers during the run:\n" + out)
    return rps, p50, p99, ticks * 1e6 / os.sysconf("SC_CLK_TCK") / n


MICRO = r"""
#include "config.h"
#include "ratelimit.h"
#include "util.h"
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double cpu_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* One process's charges: same key, then 65,536 keys; CPU us per charge. */
static void run(const char *dir, int procs)
{
	struct rl *rl;
	struct rl_note n;
	struct conf_rate r = { 100000000, 100000000 };
	const int N = 200000;
	char id[32];
	double t0, t1, t2;

	if (rl_open(&rl, dir))
		exit(1);
	t0 = cpu_us();
	for (int i = 0; i < N; i++)
		rl_charge(rl, "ip", "127.0.0.1", &r, 1, util_now_ms(), &n);
	t1 = cpu_us();
	for (int i = 0; i < N; i++) {
		snprintf(id, sizeof(id), "10.0.%d.%d", (i >> 8) & 255, i & 255);
		rl_charge(rl, "ip", id, &r, 1, util_now_ms(), &n);
	}
	t2 = cpu_us();
	printf("charge, %d process(es) at once: one key %.2f us CPU, 65,536 keys %.2f us CPU\n", procs,
	       (t1 - t0) / N, (t2 - t1) / N);
	rl_close(rl);
}

int main(int argc, char **argv)
{
	run(argv[1], 1);
	fflush(stdout);
	if (fork() == 0) {
		run(argv[1], 2);
		_exit(0);
	}
	run(argv[1], 2);
	wait(NULL);
	return 0;
}
"""


def micro(tmp):
    """CPU cost of one charge, alone and with a second process contending."""
    build = os.path.abspath(os.environ.get("ARCADE_BUILDDIR", root))
    src = os.path.join(tmp, "micro.c")
    with open(src, "w") as f:
        f.write(MICRO)
    libs = subprocess.run(["pkg-config", "--libs", "lmdb", "libcrypto", "json-c"],
                          capture_output=True, text=True, check=True).stdout.split()
    exe = os.path.join(tmp, "micro")
    subprocess.run(["cc", "-O2", "-I", build, "-I", os.path.join(root, "src"), src,
                    os.path.join(build, "libarcade.a"), *libs, "-lfcgi", "-o", exe], check=True)
    d = tempfile.mkdtemp(prefix="arcade-bench-micro-", dir=LIMITS_FS)
    try:
        print(subprocess.run([exe, d], capture_output=True, text=True, check=True).stdout, end="")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def url_of(s):
    game = s.ctl("game", "create", "--name", "bench")
    table = s.ctl("table", "create", "--game", game["id"], "--name", "Main", "--primary")
    params = {"game_id": game["id"], "table_id": table["id"], "guest": "bench",
              "score": "100 points", "sort": 100}
    url = s.gj_url("scores/add", params, game)
    r = s.get(url.split(str(s.port), 1)[1])
    assert r.status_code == 200 and '"success":"true"' in r.text, r.text
    return url


modes = os.environ.get("SYNC", "off full").split()
print(f"# scores/add (guest), {WORKERS} workers, wrk -t2 -c{conns} -d{secs}s, "
      f"{rounds} round(s), on/off then off/on; nproc={os.cpu_count()}")
with tempfile.TemporaryDirectory() as tmp:
    micro(tmp)
    blocker = os.path.join(tmp, "file")
    open(blocker, "w").close()
    # Tiny buckets that would refuse nearly everything if they were counted:
    # every 2xx proves the table was really out of the way.
    OFF = ["--rate-ip", "1/0", "--rate-game", "1/0", "--limits", os.path.join(blocker, "limits")]
    for sync in modes:
        common = ["--sync", sync]
        # Limits on tmpfs, as deployed (/run/arcade); the harness's default
        # directory sits beside the data, on disk.
        with tempfile.TemporaryDirectory(prefix="arcade-bench-limits-", dir=LIMITS_FS) as shm, \
             Stack(workers=WORKERS, relaxed_limits=False,
                   arcaded_args=common + ON + ["--limits", shm]) as on, \
             Stack(workers=WORKERS, relaxed_limits=False, arcaded_args=common + OFF) as off:
            urls = {"on": url_of(on), "off": url_of(off)}
            stacks = {"on": on, "off": off}
            got = {"on": [], "off": []}
            cpu = {"on": [], "off": []}
            for i in range(rounds):
                # on/off, then off/on: neither always runs first.
                for name in (("on", "off") if i % 2 == 0 else ("off", "on")):
                    rps, p50, p99, us = wrk(stacks[name], urls[name])
                    got[name].append(rps)
                    cpu[name].append(us)
                    print(f"sync={sync} round {i + 1} limiting {name:3}: {rps:7.0f} req/s  "
                          f"p50 {p50:>8}  p99 {p99:>8}  worker CPU {us:5.1f} us/req", flush=True)
            # Each round's on/off pair ran back to back: the median of the
            # pairs' ratios is what machine noise disturbs least.
            ratios = sorted(on_ / off_ for on_, off_ in zip(got["on"], got["off"]))
            cratios = sorted(on_ / off_ for on_, off_ in zip(cpu["on"], cpu["off"]))
            a, b = sum(got["on"]) / rounds, sum(got["off"]) / rounds
            ca, cb = sum(cpu["on"]) / rounds, sum(cpu["off"]) / rounds
            print(f"sync={sync} mean: on {a:.0f} req/s, off {b:.0f} req/s; worker CPU on {ca:.1f}, "
                  f"off {cb:.1f} us/req", flush=True)
            print(f"sync={sync} median of paired rounds: throughput cost "
                  f"{100 * (1 - statistics.median(ratios)):+.1f}%, worker CPU cost "
                  f"{100 * (statistics.median(cratios) - 1):+.1f}%", flush=True)
EOF
