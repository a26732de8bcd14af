"""arcade benchmark driver (run it through bench/run.sh, which builds first).

Starts nginx (the shipped snippet) in front of a FastCGI pool on a unix
socket, exactly as the integration tests do (tests/harness.py), loads data,
drives load with wrk from a separate process, and prints one table.

Machines are noisy (this one is shared), so every scenario is measured in
rounds that alternate with the reference responder (bench/ref_responder.c: a
constant answer from a libfcgi pool of the same size behind its own copy of
the same nginx set-up, up for the whole benchmark), with the same wrk
settings: BENCH_ROUNDS pairs, the order flipped each round. The ratio is the
median of the rounds' ratios; req/s, latencies and CPU per request are
medians over the rounds. Durable writes alternate the same way with raw
LMDB's durable single-put commit loop (bench/lmdb_commit.c) on the same disk.

Environment: BENCH_SECONDS (12: per scenario, and as much again for its
reference rounds), BENCH_ROUNDS (3), BENCH_WORKERS (2),
BENCH_CONNS (32), BENCH_SCORES (1000000), BENCH_NGINX_WORKERS (auto),
BENCH_ONLY (comma-separated: top10,rank,add,mixed,batch,patch,durable),
BENCH_TMP (where data directories go; default /tmp: the disk under test),
BENCH_LIMITS (where the rate-limit table goes; default /dev/shm, a tmpfs),
BENCH_DURABLE_WORKERS (durable writes again with these worker counts: "8";
"" for none),
BENCH_KEEP=1 (keep the data), BENCH_JSON (write the results there as JSON).
"""

import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))
import harness  # noqa: E402
from harness import Stack, gj_signature  # noqa: E402

SECS = int(os.environ.get("BENCH_SECONDS", "12"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
CONNS = int(os.environ.get("BENCH_CONNS", "32"))
NSCORES = int(os.environ.get("BENCH_SCORES", "1000000"))
NGINX_WORKERS = os.environ.get("BENCH_NGINX_WORKERS", "auto")
ONLY = set(filter(None, os.environ.get("BENCH_ONLY", "").split(",")))
TMP = os.environ.get("BENCH_TMP", "/tmp")
LIMITS_FS = os.environ.get("BENCH_LIMITS", "/dev/shm")
# Fresh matches for each batch-scores round: its two wrk threads, at up to
# 3,500 batches (of 50 maps, 7 maps a match) a second each, for the round.
BATCH_ROUND_MATCHES = 2 * (max(2, round(SECS / ROUNDS)) * 3500 * 50 // 7 + 1)
TOOLS = os.environ["BENCH_TOOLS"]          # set by run.sh: compiled bench programs
BIG = "100000000/100000000"                 # rate limits on, never refusing
RATES = ["--rate-ip", BIG, "--rate-game", BIG, "--rate-key", BIG, "--rate-batch", BIG]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def wanted(name):
    return not ONLY or name in ONLY


# --------------------------------------------------------------------------
# stacks
# --------------------------------------------------------------------------

class BenchStack(Stack):
    """The test harness's stack, with the deployed nginx worker count, the
    rate-limit table on tmpfs and rate limits on (high)."""

    def __init__(self, **kw):
        self.limits_tmp = tempfile.mkdtemp(prefix="arcade-bench-limits-", dir=LIMITS_FS)
        kw.setdefault("workers", WORKERS)
        kw["relaxed_limits"] = False
        kw["arcaded_args"] = RATES + ["--limits", self.limits_tmp] + list(kw.get("arcaded_args", []))
        super().__init__(**kw)

    def _start_arcaded(self):
        # One log line per request, as deployed; journald takes it in memory,
        # so the log goes to tmpfs here rather than to the disk under test.
        self.log_path = os.path.join(self.limits_tmp, "arcaded.log")
        super()._start_arcaded()

    def _nginx_conf(self):
        conf = super()._nginx_conf()
        conf = conf.replace("worker_processes 1;", f"worker_processes {NGINX_WORKERS};")
        return conf.replace("worker_connections 256;", "worker_connections 4096;")

    def nginx_pids(self):
        return harness.children_of(self.nginx_pid) + [self.nginx_pid]

    def stop(self):
        super().stop()
        shutil.rmtree(self.limits_tmp, ignore_errors=True)


class RefStack(BenchStack):
    """nginx + the reference responder on the same kind of socket."""

    def _start_arcaded(self):
        self._log = open(self.log_path, "ab")
        self.arcaded = subprocess.Popen(
            [os.path.join(TOOLS, "ref_responder"), self.socket_path, str(self.workers)],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log)
        deadline = time.monotonic() + 10
        while not os.path.exists(self.socket_path):
            if self.arcaded.poll() is not None or time.monotonic() > deadline:
                raise harness.StackError("ref_responder did not start\n" + self.log())
            time.sleep(0.02)


# --------------------------------------------------------------------------
# measuring
# --------------------------------------------------------------------------

def cpu_ticks(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def to_ms(s):
    m = re.match(r"([\d.]+)(us|ms|s)$", s)
    v = float(m.group(1))
    return v / 1000 if m.group(2) == "us" else v * 1000 if m.group(2) == "s" else v


LUA_LIST = r"""
-- Rotates through pre-built requests, one list per wrk thread.
local reqs = {}
local i = 0
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end
function init(args)
  local f = io.open(LIST_PATH)
  for line in f:lines() do
    local method, path, body = line:match("^(%S+) (%S+) ?(.*)$")
    local headers = {}
    for k, v in pairs(HEADERS) do headers[k] = v end
    if body == "" then body = nil end
    reqs[#reqs + 1] = wrk.format(method, path, headers, body)
  end
  f:close()
  i = (tid or 1) * 7919 % #reqs
end
function request()
  i = i % #reqs + 1
  return reqs[i]
end
"""

LUA_BATCH = r"""
-- TeamBattles batch-scores: every request confirms 50 maps no request has
-- confirmed before (7 maps per best-of-7 match, tie scores so no match
-- completes); threads take disjoint match ranges.
local n = 0
local counter = 0
local threads = {}
failed = 0
function setup(thread)
  thread:set("tid", counter)
  table.insert(threads, thread)
  counter = counter + 1
end
-- A batch answers 200 whatever its items did: count the answers in which
-- not every item was confirmed.
function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"success":true', 1, true) then
    failed = failed + 1
  end
end
function done(summary, latency, requests)
  local f = 0
  for _, t in ipairs(threads) do f = f + t:get("failed") end
  io.write("batch-answers-not-all-confirmed " .. f .. "\n")
end
function init(args)
  n = tid * PER_THREAD * 7      -- tid: set by setup() in this thread's state
end
function request()
  local items = {}
  for k = 1, 50 do
    local m = FIRST + math.floor(n / 7)
    items[k] = string.format(
      '{"matchId":"%d","mapIndex":%d,"mapId":"de_dust2","creatorTeamScore":5,"opponentTeamScore":5}',
      m, n % 7)
    n = n + 1
  end
  return wrk.format("POST", "/api/v1/game/matches/batch-scores", HEADERS,
                    '{"items":[' .. table.concat(items, ",") .. ']}')
end
"""


def lua_headers(h):
    return "{" + ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in h.items()) + "}"


def write_script(tmp, name, text):
    path = os.path.join(tmp, name + ".lua")
    with open(path, "w") as f:
        f.write(text)
    return path


def wrk(stack, target, secs=SECS, conns=CONNS, script=None, check=True):
    """One wrk run; returns a dict of the figures. A non-2xx answer fails
    the run: every scenario must be doing the work it claims to."""
    url = stack.base + target
    cmd = ["wrk", "-t2", f"-c{conns}", f"-d{secs}s", "--latency", "--timeout", "10s"]
    if script:
        cmd += ["-s", script]
    cmd.append(url)
    pids = stack.worker_pids()
    npids = stack.nginx_pids()
    t0, n0 = cpu_ticks(pids), cpu_ticks(npids)
    c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(cmd, capture_output=True, text=True, check=True)
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = p.stdout
    if p.stderr.strip():
        raise SystemExit(f"bench: wrk complained for {target}:\n{p.stderr}")
    ticks, nticks = cpu_ticks(pids) - t0, cpu_ticks(npids) - n0
    n = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errs = re.search(r"Socket errors:(.*)", out)
    partial = re.search(r"batch-answers-not-all-confirmed (\d+)", out)
    if check and partial and int(partial.group(1)):
        raise SystemExit(f"bench: {partial.group(1)} batch answers had unconfirmed items:\n{out}")
    if check and (bad or n == 0):
        raise SystemExit(f"bench: non-2xx answers or no requests for {target}:\n{out}\n"
                         f"{stack.log()[-3000:]}")
    tick_us = 1e6 / os.sysconf("SC_CLK_TCK")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": to_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),
        "p99": to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),
        "requests": n,
        "worker_us": ticks * tick_us / max(n, 1),
        "nginx_us": nticks * tick_us / max(n, 1),
        # wrk's own CPU: the client shares the machine's CPUs with the server.
        "client_us": (c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime) * 1e6 / max(n, 1),
        "socket_errors": errs.group(1).strip() if errs else "",
        "conns": conns,
    }


REF = None                  # the reference stack, up for the whole run
REF_TARGET = "/api/game/v1_2/scores/?game_id=1&limit=10&signature=x"


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def measure(stack, name, target, script=None, conns=CONNS, warm=2):
    """ROUNDS pairs of (reference, scenario) runs of SECS/ROUNDS each, the
    order flipped every round; every figure is the median over the rounds,
    the ratio the median of the rounds' own ratios. Bursts of load from
    elsewhere then move single rounds, not the result."""
    per = max(2, round(SECS / ROUNDS))
    pick = script if callable(script) else (lambda i: script)   # a script per round, or one
    if warm:
        wrk(stack, target, secs=warm, conns=conns, script=pick(0))
    runs, refs = [], []
    for i in range(ROUNDS):
        if i % 2 == 0:
            refs.append(wrk(REF, REF_TARGET, secs=per, conns=conns))
            runs.append(wrk(stack, target, secs=per, conns=conns, script=pick(i)))
        else:
            runs.append(wrk(stack, target, secs=per, conns=conns, script=pick(i)))
            refs.append(wrk(REF, REF_TARGET, secs=per, conns=conns))
    r = {k: median([x[k] for x in runs]) for k in ("rps", "p50", "p99", "worker_us", "nginx_us", "client_us")}
    r.update(name=name, conns=conns, requests=sum(x["requests"] for x in runs),
             p99_max=max(x["p99"] for x in runs), rounds=[x["rps"] for x in runs],
             ref_rounds=[x["rps"] for x in refs], ref_rps=median([x["rps"] for x in refs]),
             ref_worker_us=median([x["worker_us"] for x in refs]),
             ratio=median([a["rps"] / b["rps"] for a, b in zip(runs, refs)]))
    log(f"  {name:32} {r['rps']:8.0f} req/s  p50 {r['p50']:7.2f} ms  p99 {r['p99']:7.2f} ms  "
        f"ratio {r['ratio']:.2f}  worker {r['worker_us']:6.1f} us/req (reference {r['ref_worker_us']:.1f})  "
        f"nginx {r['nginx_us']:.1f} wrk {r['client_us']:.1f} us/req  "
        f"rounds {' '.join(f'{a:.0f}/{b:.0f}' for a, b in zip(r['rounds'], r['ref_rounds']))}")
    return r


def rss(pids):
    """Per-worker resident memory from /proc, in KiB: VmRSS, and VmRSS split
    into the LMDB maps (data.mdb, lock.mdb of both environments: pages of
    the kernel's page cache, shared by every process that maps them) and
    everything else (heap, stack, the program and its libraries)."""
    out = []
    for pid in pids:
        d = {"lmdb": 0, "own": 0, "private": 0}
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
                    d[k] = int(v.split()[0])
        lmdb = False
        with open(f"/proc/{pid}/smaps") as f:
            for line in f:
                first = line.split(None, 1)[0]
                if "-" in first and not first.endswith(":"):
                    lmdb = line.rstrip().endswith(".mdb")
                elif first == "Rss:":
                    d["lmdb" if lmdb else "own"] += int(line.split()[1])
                elif first in ("Private_Clean:", "Private_Dirty:") and not lmdb:
                    d["private"] += int(line.split()[1])
        out.append(d)
    return out


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------

def ctl(data, *args):
    p = subprocess.run([harness.ARCADECTL, "--data", data, "--json", *map(str, args)],
                       capture_output=True, text=True, timeout=600)
    if p.returncode:
        raise SystemExit(f"bench: arcadectl {' '.join(map(str, args))}: {p.stderr}")
    return json.loads(p.stdout) if p.stdout.strip().startswith("{") else p.stdout


def load(*args):
    t0 = time.monotonic()
    p = subprocess.run([os.path.join(TOOLS, "load"), *map(str, args)], capture_output=True, text=True)
    if p.returncode:
        raise SystemExit(f"bench: load {' '.join(map(str, args))}: {p.stderr}")
    return p.stdout.strip(), time.monotonic() - t0


def new_data(tmp, name):
    d = os.path.join(tmp, name)
    os.makedirs(d)
    ctl(d, "init")
    game = ctl(d, "game", "create", "--name", "bench")
    table = ctl(d, "table", "create", "--game", game["id"], "--name", "Main", "--primary")
    player = ctl(d, "player", "create", "--game", game["id"], "--username", "bencher")
    return {"dir": d, "game": game, "table": table, "player": player}


def gj_target(stack, data, endpoint, params):
    """A signed Game Jolt request target for this stack's host:port."""
    params = dict(params, game_id=data["game"]["id"])
    url = stack.gj_plain_url(endpoint, params)
    url += "&signature=" + gj_signature(url, data["game"]["private_key"])
    return harness.target_of(url)


def expect_ok(stack, target, method="GET", body=None, headers=None, want='"success":"true"'):
    r = stack.request(method, target, data=body, headers=headers)
    if r.status_code >= 300 or (want and want not in r.text):
        raise SystemExit(f"bench: {method} {target} answered {r.status_code}: {r.text[:500]}")
    return r


def mm_patch_setup(stack, appkey):
    """A MeshMap player in a game session: the PATCH target, body and headers
    that set its score."""
    h = {"x-app-api-key": appkey, "Content-Type": "application/json"}
    pl = json.loads(expect_ok(stack, "/api/v1/apps/players", "POST", json.dumps({"displayName": "p1"}),
                              h, want=None).text)
    ses = json.loads(expect_ok(stack, "/api/v1/apps/game-sessions", "POST", json.dumps({"name": "s"}),
                               h, want=None).text)
    expect_ok(stack, f"/api/v1/apps/game-sessions/{ses['id']}/players", "POST",
              json.dumps({"playerId": pl["id"]}), h, want=None)
    return (f"/api/v1/apps/game-sessions/{ses['id']}/players/{pl['id']}", json.dumps({"score": 4242}), h)


# --------------------------------------------------------------------------
# the run
# --------------------------------------------------------------------------

def main():
    global REF
    results, notes = [], {}
    tmp = tempfile.mkdtemp(prefix="arcade-bench-", dir=TMP)
    log(f"bench: data under {tmp}, limits on {LIMITS_FS}, {WORKERS} workers, wrk -t2 -c{CONNS} "
        f"-d{SECS}s, nginx worker_processes {NGINX_WORKERS}, nproc {os.cpu_count()}")
    try:
        with RefStack() as REF:
            wrk(REF, REF_TARGET, secs=2)
            run(tmp, results, notes)
    finally:
        if os.environ.get("BENCH_KEEP") != "1":
            shutil.rmtree(tmp, ignore_errors=True)
    report(results, notes)


def run(tmp, results, notes):
    # -- data: 1M scores through arcadectl import, 1k scores, matches --------
    log(f"loading {NSCORES} scores, exporting them, importing them ...")
    big = import_scores(tmp, notes)
    small = new_data(tmp, "small")
    gid, tid = big["game"]["id"], big["table"]["id"]
    load("scores", small["dir"], small["game"]["id"], small["table"]["id"], 1000)
    team1 = ctl(big["dir"], "team", "create", "--game", gid, "--name", "Red")
    team2 = ctl(big["dir"], "team", "create", "--game", gid, "--name", "Blue")
    nmatches = BATCH_ROUND_MATCHES * ROUNDS     # each round confirms maps of its own matches
    first_match, _ = load("matches", big["dir"], gid, team1["id"], team2["id"], nmatches)
    tbkey = ctl(big["dir"], "key", "create", "--game", gid, "--kind", "teambattles")["key"]
    appkey = ctl(big["dir"], "key", "create", "--game", gid, "--kind", "app")["key"]
    with open(os.path.join(tmp, "bench-data.json"), "w") as f:   # for BENCH_KEEP=1 and profiling
        json.dump({"big": big, "small": small, "tbkey": tbkey, "appkey": appkey,
                   "first_match": first_match}, f, indent=1)

    # -- arcade, --sync off: reads, writes, families -------------------------
    log("arcade (--sync off), 1M scores:")
    with BenchStack(data_dir=big["dir"], arcaded_args=["--sync", "off"]) as s:
        top10 = gj_target(s, big, "scores", {"table_id": tid, "limit": 10})
        rank = gj_target(s, big, "scores/get-rank", {"table_id": tid, "sort": 500000000})
        add_g = gj_target(s, big, "scores/add", {"table_id": tid, "guest": "wrk", "score": "1234 points",
                                                 "sort": 1234})
        add_u = gj_target(s, big, "scores/add", {"table_id": tid, "username": "bencher",
                                                 "user_token": big["player"]["token"],
                                                 "score": "1234 points", "sort": 1234})
        r = expect_ok(s, top10)
        assert r.text.count('"score":') == 10, r.text
        r = expect_ok(s, rank)
        notes["rank_1m"] = json.loads(r.text)["response"]["rank"]
        expect_ok(s, add_g)
        expect_ok(s, add_u)
        if wanted("top10"):
            results.append(measure(s, "gj scores top 10 @1M", top10))
        if wanted("rank"):
            results.append(measure(s, "gj get-rank @1M", rank))
        if wanted("mixed"):
            lst = os.path.join(tmp, "mixed.txt")
            with open(lst, "w") as f:
                for i in range(20):
                    f.write(f"GET {add_g if i == 10 else (top10 if i % 2 else rank)}\n")
            script = write_script(tmp, "mixed", f'LIST_PATH = "{lst}"\nHEADERS = {{}}\n' + LUA_LIST)
            results.append(measure(s, "mixed 90/10 read/write", "/", script=script))
        if wanted("add"):
            results.append(measure(s, "gj scores/add guest (sync off)", add_g))
            results.append(measure(s, "gj scores/add user (sync off)", add_u))
        if wanted("batch"):
            h = {"Authorization": "Bearer " + tbkey, "Content-Type": "application/json"}
            def batch_script(i):
                return write_script(tmp, f"batch{i}", f"FIRST = {int(first_match) + BATCH_ROUND_MATCHES * i}\n"
                                    f"PER_THREAD = {BATCH_ROUND_MATCHES // 2}\n"
                                    f"HEADERS = {lua_headers(h)}\n" + LUA_BATCH)
            r = measure(s, "tb batch-scores 50 items", "/", script=batch_script, conns=16, warm=0)
            results.append(r)
            notes["batch_maps"] = r["requests"] * 50
        if wanted("patch"):
            target, body, h = mm_patch_setup(s, appkey)
            expect_ok(s, target, "PATCH", body, h, want='"score":4242')
            script = write_script(tmp, "patch", f'wrk.method = "PATCH"\nwrk.body = {json.dumps(body)}\n'
                                                f"wrk.headers = {lua_headers(h)}\n")
            results.append(measure(s, "mm session score PATCH", target, script=script))
        notes["rss"] = rss(s.worker_pids())

    if wanted("rank"):
        log("arcade (--sync off), 1k scores:")
        with BenchStack(data_dir=small["dir"], arcaded_args=["--sync", "off"]) as s:
            rank = gj_target(s, small, "scores/get-rank", {"table_id": small["table"]["id"],
                                                           "sort": 500000000})
            expect_ok(s, rank)
            results.append(measure(s, "gj get-rank @1k", rank))

    if wanted("durable"):
        notes["durable"] = [durable(tmp, WORKERS)]
        for w in filter(None, os.environ.get("BENCH_DURABLE_WORKERS", "8").split(",")):
            notes["durable"].append(durable(tmp, int(w)))


def raw_lmdb(tmp, secs):
    rd = tempfile.mkdtemp(prefix="lmdb-", dir=tmp)
    out = subprocess.run([os.path.join(TOOLS, "lmdb_commit"), rd, str(secs), "1"],
                         capture_output=True, text=True, check=True).stdout
    shutil.rmtree(rd, ignore_errors=True)
    return float(out.split()[0])


def durable(tmp, workers):
    """Durable scores/add (the default --sync full: group commit) in rounds
    alternating with raw LMDB's durable single-put commit loop on the same
    disk; figures are medians over the rounds."""
    log(f"durable writes ({workers} workers) vs raw LMDB on the same disk:")
    d = new_data(tmp, f"durable{workers}")
    per = max(2, round(SECS / ROUNDS))
    runs, raws = [], []
    with BenchStack(data_dir=d["dir"], workers=workers) as s:
        add = gj_target(s, d, "scores/add", {"table_id": d["table"]["id"], "guest": "wrk",
                                             "score": "1 point", "sort": 1})
        expect_ok(s, add)
        wrk(s, add, secs=2)
        before = sync_page(d["dir"])
        for i in range(ROUNDS):
            if i % 2 == 0:
                raws.append(raw_lmdb(tmp, per))
                runs.append(wrk(s, add, secs=per))
            else:
                runs.append(wrk(s, add, secs=per))
                raws.append(raw_lmdb(tmp, per))
        after = sync_page(d["dir"])
    r = {k: median([x[k] for x in runs]) for k in ("rps", "p50", "p99", "worker_us")}
    r.update(name=f"gj scores/add durable, {workers} workers", conns=CONNS, raw=median(raws), raw_runs=raws,
             rounds=[x["rps"] for x in runs], ratio_raw=median([a["rps"] / b for a, b in zip(runs, raws)]),
             commits_per_fsync=(after["waits"] - before["waits"]) / max(1, after["syncs"] - before["syncs"]),
             wakes_per_commit=(after["wakes"] - before["wakes"]) / max(1, after["waits"] - before["waits"]))
    log(f"  raw LMDB {' '.join(f'{x:.0f}' for x in raws)} commits/s; arcade "
        f"{' '.join(f'{x:.0f}' for x in r['rounds'])} req/s, p99 {r['p99']:.2f} ms, "
        f"{r['commits_per_fsync']:.1f} commits per fsync, {r['wakes_per_commit']:.2f} wakes per commit: "
        f"{r['ratio_raw']:.2f}x raw")
    return r


def sync_page(data_dir):
    """Counters of the group commit (src/commit.c, struct commit_page)."""
    import struct
    with open(os.path.join(data_dir, "sync.shm"), "rb") as f:
        (_m, _v, _p, _d, _i, synced, waits, syncs, _round, _p2,
         wakes) = struct.unpack("<QIIQQQQQIIQ", f.read(72))
    return {"synced": synced, "waits": waits, "syncs": syncs, "wakes": wakes}


def import_scores(tmp, notes):
    """NSCORES scores go into a scratch database through the store's own
    functions (bench/load.c), out with `arcadectl export`, and into the
    benchmark's database with `arcadectl import`, timed: the import is the
    scenario, and the database served afterwards is the imported one."""
    seed = new_data(tmp, "seed")
    _, t_load = load("scores", seed["dir"], seed["game"]["id"], seed["table"]["id"], NSCORES)
    dump = os.path.join(tmp, "scores.jsonl")
    t0 = time.monotonic()
    ctl(seed["dir"], "export", dump)
    t_export = time.monotonic() - t0
    shutil.rmtree(seed["dir"])
    big = dict(seed, dir=os.path.join(tmp, "big"))
    t0 = time.monotonic()
    out = ctl(big["dir"], "import", dump)
    t_import = time.monotonic() - t0
    notes["import"] = {"seconds": t_import, "records": out["records"], "bytes": os.path.getsize(dump),
                       "load_seconds": t_load, "export_seconds": t_export}
    os.unlink(dump)
    log(f"  loaded in {t_load:.1f} s, exported in {t_export:.1f} s, imported ({out['records']} records) "
        f"in {t_import:.1f} s")
    return big


# --------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------

def report(results, notes):
    print()
    print(f"arcade benchmark: {WORKERS} workers, unix socket, nginx worker_processes {NGINX_WORKERS}, "
          f"wrk -t2, {ROUNDS} rounds of {max(2, round(SECS / ROUNDS))} s per scenario alternating with the "
          f"reference; nproc {os.cpu_count()}; medians over rounds")
    print()
    print(f"| {'scenario':34} | {'req/s':>7} | {'p50 ms':>7} | {'p99 ms':>7} | {'ratio':>5} | "
          f"{'conns':>5} | {'worker us/req':>13} | {'ref req/s':>9} |")
    print(f"|{'-' * 36}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 7}|{'-' * 7}|{'-' * 15}|{'-' * 11}|")
    for r in results:
        print(f"| {r['name']:34} | {r['rps']:7.0f} | {r['p50']:7.2f} | {r['p99']:7.2f} | "
              f"{r['ratio']:5.2f} | {r['conns']:5d} | {r['worker_us']:13.1f} | {r['ref_rps']:9.0f} |")
    for r in notes.get("durable", []):
        print(f"| {r['name']:34} | {r['rps']:7.0f} | {r['p50']:7.2f} | {r['p99']:7.2f} | "
              f"{'':>5} | {r['conns']:5d} | {r['worker_us']:13.1f} | {'':>9} |")
    print()
    for r in notes.get("durable", []):
        print(f"{r['name']}: {r['rps']:.0f} req/s = {r['ratio_raw']:.2f}x raw LMDB's durable single-put "
              f"commit rate on the same disk (rounds: {' '.join(f'{x:.0f}' for x in r['rounds'])} req/s vs "
              f"{' '.join(f'{x:.0f}' for x in r['raw_runs'])} commits/s); "
              f"{r['commits_per_fsync']:.1f} commits per fsync, {r['wakes_per_commit']:.2f} wakes per commit")
    byname = {r["name"]: r for r in results}
    if "gj get-rank @1M" in byname and "gj get-rank @1k" in byname:
        a, b = byname["gj get-rank @1M"], byname["gj get-rank @1k"]
        print(f"get-rank at 1M / at 1k: {a['worker_us'] / b['worker_us']:.2f}x worker CPU per request, "
              f"{(b['ratio']) / (a['ratio']):.2f}x time per request (reference-normalised)")
    if "tb batch-scores 50 items" in byname:
        b = byname["tb batch-scores 50 items"]
        print(f"batch-scores 50 items at {b['conns']} clients: p99 {b['p99']:.2f} ms (median of rounds), "
              f"worst round {b['p99_max']:.2f} ms")
    if "batch_maps" in notes:
        print(f"batch-scores: {notes['batch_maps']} map scores confirmed in the measured run")
    if "rss" in notes:
        for i, m in enumerate(notes["rss"]):
            print(f"worker {i + 1} resident memory after the run: {m['own'] / 1024:.1f} MiB of its own "
                  f"({m['private'] / 1024:.1f} MiB private, {m.get('RssAnon', 0) / 1024:.1f} MiB anonymous) "
                  f"+ {m['lmdb'] / 1024:.1f} MiB of LMDB maps (shared page cache) = VmRSS "
                  f"{m.get('VmRSS', 0) / 1024:.1f} MiB")
    if "import" in notes:
        im = notes["import"]
        print(f"arcadectl import of {NSCORES} scores ({im['records']} records, "
              f"{im['bytes'] / 1e6:.0f} MB of JSON lines): {im['seconds']:.1f} s")
    if os.environ.get("BENCH_JSON"):
        with open(os.environ["BENCH_JSON"], "w") as f:
            json.dump({"results": results, "notes": notes}, f, indent=1)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    main()
