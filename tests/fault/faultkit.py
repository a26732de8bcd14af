"""Machinery of the fault layer (tests/fault/): a Stack that can lose and
regain its processes, a world of objects in all three API families, a mixed
write load driven from several client threads, a ledger of every write
attempted and whether it was answered as success, and the record-by-record
checks that every acknowledged write is stored exactly once.

Every process started here is stopped by pid; every load loop is bounded in
time and in count; everything listens on loopback only.
"""

import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import threading
import time

from harness import (NGINX, Stack, StackError, children_of, pid_alive,
                     stop_process, target_of)

HTTP_TIMEOUT = 10.0
GJ_OK = '{"response":{"success":"true"}}'
GJ_FULL = ('{"response":{"success":"false","message":'
           '"The server\'s storage is full. Try again later."}}')


def wait_for(pred, timeout=10.0, step=0.05):
    """Polls pred until it returns something true or the time is up; returns
    its last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(step)


# --------------------------------------------------------------------------
# the stack
# --------------------------------------------------------------------------

class FaultStack(Stack):
    """A Stack whose arcaded and nginx can be killed and started again (same
    data directory, same socket, same port)."""

    def request(self, method, target, data=None, headers=None, timeout=HTTP_TIMEOUT):
        return super().request(method, target, data=data, headers=headers, timeout=timeout)

    # -- arcaded ---------------------------------------------------------

    def start_arcaded(self, extra_args=None):
        """Starts a new arcaded with the original arguments (plus extra_args,
        which override: later options win) on the same data dir and socket."""
        if extra_args:
            self.arcaded_args = list(self.arcaded_args) + list(extra_args)
        if self._log is not None:
            self._log.close()
            self._log = None
        self._start_arcaded()

    def stop_arcaded(self):
        stop_process(self.arcaded)

    def kill_master(self):
        """SIGKILL the master; returns the worker pids it had."""
        workers = self.worker_pids()
        os.kill(self.arcaded.pid, signal.SIGKILL)
        self.arcaded.wait(timeout=10)
        return workers

    def wait_workers(self, n, timeout=10.0):
        """Waits until the pool has exactly n live workers; returns them."""
        got = wait_for(lambda: len(self.worker_pids()) == n, timeout)
        return self.worker_pids() if got else None

    # -- nginx -----------------------------------------------------------

    def nginx_workers(self):
        return [p for p in children_of(self.nginx_pid) if pid_alive(p)]

    def stop_nginx(self, hard=False):
        """Stops nginx by pid: SIGTERM (nginx's fast shutdown) or, hard,
        SIGKILL of the master and then of each of its workers."""
        if self.nginx is None:
            return
        if hard:
            workers = self.nginx_workers()
            os.kill(self.nginx.pid, signal.SIGKILL)
            self.nginx.wait(timeout=10)
            for w in workers:
                try:
                    os.kill(w, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            assert wait_for(lambda: not any(pid_alive(w) for w in workers), 10), \
                f"nginx workers {workers} survived SIGKILL"
        else:
            stop_process(self.nginx)
        self.nginx = None

    def start_nginx_same_port(self, timeout=10.0):
        """nginx again, same configuration and port (nginx binds with
        SO_REUSEADDR, so connections in TIME_WAIT do not stop it)."""
        conf = os.path.join(self.tmp, "nginx.conf")
        deadline = time.monotonic() + timeout
        while True:
            self.nginx = subprocess.Popen(
                [NGINX, "-p", self.tmp, "-e", os.path.join(self.tmp, "nginx-error.log"),
                 "-c", conf],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._nginx_err)
            while time.monotonic() < deadline and self.nginx.poll() is None:
                try:
                    socket.create_connection(("127.0.0.1", self.port), 0.5).close()
                    return
                except OSError:
                    time.sleep(0.05)
            stop_process(self.nginx)
            self.nginx = None
            if time.monotonic() > deadline:
                raise StackError(f"nginx did not start again on port {self.port}\n"
                                 f"{self.nginx_log()}")
            time.sleep(0.2)

    # -- inspection ------------------------------------------------------

    def full_log(self):
        """All of arcaded's log (every start of this stack)."""
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stats(self):
        return self.ctl("stats")

    def mdb_stat(self, *flags):
        """Runs lmdb-utils' mdb_stat on the data dir."""
        return subprocess.run(["mdb_stat", *flags, self.data_dir], capture_output=True,
                              text=True, timeout=60, stdin=subprocess.DEVNULL)

    def reader_slots(self):
        """(pid, txnid) of every occupied reader slot (`mdb_stat -r`)."""
        p = self.mdb_stat("-r")
        # mdb_stat exits 1 when the table is empty ("(no active readers)")
        assert "Reader Table Status" in p.stdout, (p.returncode, p.stdout, p.stderr)
        slots = []
        for line in p.stdout.splitlines():
            m = re.match(r"\s*(\d+)\s+([0-9a-f]+)\s+(\S+)\s*$", line)
            if m:
                slots.append((int(m.group(1)), m.group(3)))
        return slots

    def env_used_bytes(self):
        """Bytes of the map in use: pages used (`mdb_stat -e`) x page size.
        (Its "Map size" is no help: LMDB records the largest size any
        process ever opened the file with, arcadectl's included.)"""
        p = self.mdb_stat("-e")
        assert p.returncode == 0, p.stderr
        pages = re.search(r"Number of pages used: (\d+)", p.stdout)
        psize = re.search(r"Page size: (\d+)", p.stdout)
        assert pages and psize, p.stdout
        return int(pages.group(1)) * int(psize.group(1))


def assert_env_clean(s):
    """mdb_stat reads every database of the environment without error."""
    p = s.mdb_stat("-a")
    assert p.returncode == 0, f"mdb_stat -a failed: {p.stdout}\n{p.stderr}"
    for db in ("rec", "idx", "cnt", "meta"):
        assert f"Status of {db}" in p.stdout, p.stdout
    st = s.stats()
    assert st["entries"] > 0 and set(st["databases"]) == {"rec", "idx", "cnt", "meta"}, st
    return st


# --------------------------------------------------------------------------
# HTTP without exceptions
# --------------------------------------------------------------------------

class Answer:
    """What a client saw: status, body text, or the transport error."""

    def __init__(self, status=None, text="", error=None):
        self.status = status
        self.text = text
        self.error = error

    def json(self):
        try:
            return json.loads(self.text)
        except ValueError:
            return None

    def __repr__(self):
        return f"Answer({self.status}, {self.text[:120]!r}, {self.error!r})"


def call(s, method, target, body=None, headers=None, timeout=HTTP_TIMEOUT):
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
        headers = dict(headers or {}, **{"Content-Type": "application/json"})
    try:
        r = s.request(method, target, data=body, headers=headers, timeout=timeout)
    except (OSError, http.client.HTTPException) as e:
        return Answer(error=type(e).__name__)
    try:
        text = r.content.decode("utf-8")
    except UnicodeDecodeError:
        text = repr(r.content)
    return Answer(r.status_code, text)


# --------------------------------------------------------------------------
# the world: one game with objects in all three families
# --------------------------------------------------------------------------

class World:
    """One game: a guest-friendly primary table (Game Jolt), an app key and,
    per client thread, a MeshMap session with three registered players, a
    data-store log key, and TeamBattles best-of-7 matches (ties never end a
    match, so every map stays open until it is scored)."""

    def __init__(self, s, threads, tb_matches=0, mm=True, name="fault"):
        self.s = s
        self.threads = threads
        self.game = s.ctl("game", "create", "--name", name)
        self.gid = self.game["id"]
        self.table = s.ctl("table", "create", "--game", self.gid, "--name", "Main")
        self.app = s.ctl("key", "create", "--game", self.gid, "--kind", "app")["key"]
        self.tb = s.ctl("key", "create", "--game", self.gid, "--kind", "teambattles",
                        "--perm", "game.scores=write", "--perm", "game.matches=read")["key"]
        self.mm_session = {}
        self.mm_players = {}
        self.tb_maps = {}
        for t in range(threads):
            r = self.gj("data-store/set", [("key", f"log{t}"), ("data", "|")])
            assert r.status == 200 and r.text == GJ_OK, r
            if mm:
                sess = self.mm("POST", "/api/v1/apps/game-sessions", {"name": f"board{t}"})
                assert sess.status == 201, sess
                sid = sess.json()["id"]
                self.mm_session[t] = sid
                self.mm_players[t] = []
                for k in range(3):
                    p = self.mm("POST", "/api/v1/apps/players", {"displayName": f"p{t}-{k}"})
                    assert p.status == 201, p
                    pid = p.json()["id"]
                    reg = self.mm("POST", f"/api/v1/apps/game-sessions/{sid}/players",
                                  {"playerId": pid})
                    assert reg.status == 201, reg
                    self.mm_players[t].append(pid)
        if tb_matches:
            a = s.ctl("team", "create", "--game", self.gid, "--name", "Alpha")
            b = s.ctl("team", "create", "--game", self.gid, "--name", "Bravo")
            for t in range(threads):
                maps = []
                for _ in range(tb_matches):
                    m = s.ctl("match", "create", "--game", self.gid, "--creator-team", a["id"],
                              "--opponent-team", b["id"], "--best-of", "7")
                    maps += [(str(m["id"]), i) for i in range(7)]
                self.tb_maps[t] = maps

    # -- calls -----------------------------------------------------------

    def gj(self, endpoint, params, **kw):
        url = self.s.gj_url(endpoint, [("game_id", self.gid)] + list(params), self.game)
        return call(self.s, "GET", target_of(url), **kw)

    def mm(self, method, path, body=None, **kw):
        return call(self.s, method, path, body, {"x-app-api-key": self.app}, **kw)

    def tbcall(self, method, path, body=None, **kw):
        return call(self.s, method, path, body, {"Authorization": "Bearer " + self.tb}, **kw)


# --------------------------------------------------------------------------
# the ledger
# --------------------------------------------------------------------------

class Ledger:
    """Every write attempted: (kind, thread, n, payload, acknowledged,
    answer, monotonic time). Thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rows = []

    def add(self, kind, t, n, payload, ok, answer):
        with self.lock:
            self.rows.append((kind, t, n, payload, ok, answer, time.monotonic()))

    def of(self, kind):
        with self.lock:
            return [r for r in self.rows if r[0] == kind]

    def acked(self, kind=None):
        with self.lock:
            return [r for r in self.rows if r[4] and (kind is None or r[0] == kind)]

    def summary(self):
        out = {}
        with self.lock:
            for r in self.rows:
                a, k = out.setdefault(r[0], [0, 0])
                out[r[0]] = [a + 1, k + (1 if r[4] else 0)]
        return {k: {"attempted": v[0], "acknowledged": v[1]} for k, v in out.items()}

    def answers(self, kind=None):
        """A histogram of what failed writes saw: status or error name."""
        h = {}
        with self.lock:
            for r in self.rows:
                if r[4] or (kind and r[0] != kind):
                    continue
                a = r[5]
                key = a.error or f"{a.status} {a.text[:90]}"
                h[key] = h.get(key, 0) + 1
        return h


# --------------------------------------------------------------------------
# the writes
# --------------------------------------------------------------------------

def sort_of(t, n):
    return t * 1_000_000 + n + 1


def op_gj_score(w, t, n, led):
    guest = f"g{t}-{n}"
    a = w.gj("scores/add", [("guest", guest), ("score", f"s{t}-{n}"),
                            ("sort", str(sort_of(t, n))), ("extra_data", f"e{t}-{n}")])
    led.add("gj_score", t, n, guest, a.status == 200 and a.text == GJ_OK, a)


BIG = 12000     # bytes of data in a "gj_big" write (the URL stays under nginx's 16k line)


def ds_value(kind, t, n):
    v = f"v{t}-{n}"
    return v + "-" + "x" * BIG if kind == "gj_big" else v


def ds_key(kind, t, n):
    return f"{'b' if kind == 'gj_big' else 'k'}{t}-{n}"


def op_gj_set(w, t, n, led, kind="gj_set"):
    key = ds_key(kind, t, n)
    a = w.gj("data-store/set", [("key", key), ("data", ds_value(kind, t, n))])
    led.add(kind, t, n, key, a.status == 200 and a.text == GJ_OK, a)


def op_gj_big(w, t, n, led):
    op_gj_set(w, t, n, led, "gj_big")


def op_gj_append(w, t, n, led):
    """Not idempotent: a write applied twice would show its number twice."""
    a = w.gj("data-store/update", [("key", f"log{t}"), ("operation", "append"),
                                   ("value", f"{n}|")])
    doc = a.json() if a.status == 200 else None
    ok = bool(doc and doc.get("response", {}).get("success") == "true"
              and doc["response"].get("data", "").endswith(f"|{n}|"))
    led.add("gj_append", t, n, n, ok, a)


def op_mm_score(w, t, n, led):
    sid = w.mm_session[t]
    pid = w.mm_players[t][n % 3]
    a = w.mm("PATCH", f"/api/v1/apps/game-sessions/{sid}/players/{pid}", {"score": n})
    doc = a.json() if a.status == 200 else None
    ok = bool(doc and doc.get("score") == n and doc.get("playerId") == pid)
    led.add("mm_score", t, n, (sid, pid, n), ok, a)


def op_mm_session(w, t, n, led):
    name = f"s{t}-{n}"
    a = w.mm("POST", "/api/v1/apps/game-sessions", {"name": name})
    doc = a.json() if a.status == 201 else None
    led.add("mm_session", t, n, name, bool(doc and doc.get("name") == name), a)


def op_tb_batch(w, t, n, led):
    maps = w.tb_maps.get(t)
    if not maps:
        return False
    take, w.tb_maps[t] = maps[:2], maps[2:]
    items = []
    for mid, idx in take:
        v = (n * 7 + idx) % 1001
        items.append({"matchId": mid, "mapIndex": idx, "mapId": f"m{t}-{n}",
                      "creatorTeamScore": v, "opponentTeamScore": v})
    a = w.tbcall("POST", "/api/v1/game/matches/batch-scores", {"items": items})
    doc = a.json() if a.status == 200 else None
    sub = doc.get("submitted") if isinstance(doc, dict) else None
    for i, it in enumerate(items):
        ok = bool(sub and len(sub) == len(items) and sub[i].get("status") == "confirmed"
                  and sub[i].get("matchId") == it["matchId"])
        led.add("tb_map", t, n, it, ok, a)
    return True


OPS = {
    "gj_score": op_gj_score,
    "gj_set": op_gj_set,
    "gj_big": op_gj_big,
    "gj_append": op_gj_append,
    "mm_score": op_mm_score,
    "mm_session": op_mm_session,
    "tb_map": op_tb_batch,
}


class Load:
    """`threads` client threads, each cycling through `kinds` until stopped,
    `seconds` have passed or it made `max_ops` writes."""

    def __init__(self, world, kinds, threads, seconds, max_ops=100_000):
        self.w = world
        self.kinds = list(kinds)
        self.threads = threads
        self.seconds = seconds
        self.max_ops = max_ops
        self.ledger = Ledger()
        self.stop = threading.Event()
        self._th = []
        self.errors = []

    def _run(self, t):
        deadline = time.monotonic() + self.seconds
        n = 0
        kinds = list(self.kinds)
        try:
            while not self.stop.is_set() and time.monotonic() < deadline and n < self.max_ops:
                kind = kinds[n % len(kinds)]
                if OPS[kind](self.w, t, n, self.ledger) is False:
                    kinds.remove(kind)      # out of TeamBattles maps
                    if not kinds:
                        break
                    continue
                n += 1
        except Exception as e:      # a bug in the test itself: surface it
            self.errors.append(repr(e))

    def start(self):
        for t in range(self.threads):
            th = threading.Thread(target=self._run, args=(t,), daemon=True)
            th.start()
            self._th.append(th)
        return self

    def join(self, timeout=None):
        self.stop.set()
        for th in self._th:
            th.join(timeout if timeout is not None else self.seconds + 4 * HTTP_TIMEOUT)
        assert not any(th.is_alive() for th in self._th), "a load thread did not stop"
        assert not self.errors, self.errors


# --------------------------------------------------------------------------
# record-by-record verification
# --------------------------------------------------------------------------

def _uncertain(rows):
    """Attempts whose outcome the client does not know."""
    return [r for r in rows if not r[4]]


def fetch_all_scores(w):
    """Every score of the table, by pages of 100 (worse_than windows; sorts
    are distinct, so no score is skipped or seen twice)."""
    out = []
    params = [("limit", "100")]
    for _ in range(10_000):
        a = w.gj("scores", params, timeout=30)
        doc = a.json()
        assert a.status == 200 and doc["response"]["success"] == "true", a
        page = doc["response"]["scores"]
        out += page
        if len(page) < 100:
            return out
        params = [("limit", "100"), ("worse_than", page[-1]["sort"])]
    raise AssertionError("scores paging did not end")


def verify_gj_scores(w, led):
    rows = led.of("gj_score")
    stored = fetch_all_scores(w)
    by_guest = {}
    for sc in stored:
        by_guest.setdefault(sc["guest"], []).append(sc)
    attempted = {r[3]: r for r in rows}
    problems = []
    for guest, scs in by_guest.items():
        if guest not in attempted:
            problems.append(f"score of a guest never sent: {scs}")
        elif len(scs) > 1:
            problems.append(f"{guest} stored {len(scs)} times: {scs}")
    for guest, r in attempted.items():
        t, n = r[1], r[2]
        scs = by_guest.get(guest, [])
        if r[4] and len(scs) != 1:
            problems.append(f"acknowledged score of {guest} stored {len(scs)} times")
        for sc in scs:
            want = {"score": f"s{t}-{n}", "sort": str(sort_of(t, n)),
                    "extra_data": f"e{t}-{n}", "guest": guest, "user": "", "user_id": ""}
            got = {k: sc[k] for k in want}
            if got != want:
                problems.append(f"{guest}: stored {got}, sent {want}")
    assert not problems, "\n".join(problems[:30])
    return len(stored)


def verify_gj_set(w, led, kind="gj_set"):
    rows = led.of(kind)
    problems = []
    for _kind, t, n, key, ok, _a, _ts in rows:
        a = w.gj("data-store", [("key", key)], timeout=30)
        doc = a.json()
        assert a.status == 200 and doc, a
        resp = doc["response"]
        if resp["success"] == "true":
            if resp.get("data") != ds_value(kind, t, n):
                problems.append(f"{key}: data {resp.get('data')[:50]!r}")
        elif ok:
            problems.append(f"acknowledged {key} missing: {resp}")
    prefix = ds_key(kind, 0, 0)[0]
    a = w.gj("data-store/get-keys", [("pattern", prefix + "*")], timeout=30)
    doc = a.json()
    assert a.status == 200 and doc["response"]["success"] == "true", a
    keys = [k["key"] for k in doc["response"].get("keys", [])]
    sent = {r[3] for r in rows}
    if len(keys) != len(set(keys)):
        problems.append("get-keys lists a key twice")
    stray = set(keys) - sent
    if stray:
        problems.append(f"keys never sent: {sorted(stray)[:10]}")
    missing = {r[3] for r in rows if r[4]} - set(keys)
    if missing:
        problems.append(f"acknowledged keys not listed: {sorted(missing)[:10]}")
    assert not problems, "\n".join(problems[:30])


def verify_gj_big(w, led):
    verify_gj_set(w, led, "gj_big")


def verify_gj_append(w, led):
    problems = []
    for t in range(w.threads):
        rows = [r for r in led.of("gj_append") if r[1] == t]
        a = w.gj("data-store", [("key", f"log{t}")], timeout=30)
        doc = a.json()
        assert a.status == 200 and doc["response"]["success"] == "true", a
        data = doc["response"]["data"]
        assert data.startswith("|") and data.endswith("|"), data[:200]
        nums = [int(x) for x in data.strip("|").split("|")] if data != "|" else []
        if len(nums) != len(set(nums)):
            dup = sorted({x for x in nums if nums.count(x) > 1})
            problems.append(f"log{t}: appended twice: {dup[:20]}")
        sent = {r[2] for r in rows}
        if set(nums) - sent:
            problems.append(f"log{t}: never sent: {sorted(set(nums) - sent)[:20]}")
        lost = {r[2] for r in rows if r[4]} - set(nums)
        if lost:
            problems.append(f"log{t}: acknowledged appends lost: {sorted(lost)[:20]}")
    assert not problems, "\n".join(problems)


def verify_mm_scores(w, led):
    problems = []
    for t in range(w.threads):
        sid = w.mm_session[t]
        a = w.mm("GET", f"/api/v1/apps/game-sessions/{sid}/players", timeout=30)
        assert a.status == 200, a
        got = {p["playerId"]: p["score"] for p in a.json()["players"]}
        if sorted(got) != sorted(w.mm_players[t]):
            problems.append(f"session {sid}: players {sorted(got)}")
        for pid in w.mm_players[t]:
            rows = [r for r in led.of("mm_score") if r[1] == t and r[3][1] == pid]
            rows.sort(key=lambda r: r[2])
            last_ok = max((r[2] for r in rows if r[4]), default=None)
            allowed = {r[2] for r in rows if not r[4] and (last_ok is None or r[2] > last_ok
                                                           or r[5].error in ("timeout", "TimeoutError"))}
            allowed |= {0} if last_ok is None else {last_ok}
            if got.get(pid) not in allowed:
                problems.append(f"session {sid} player {pid}: score {got.get(pid)}, "
                                f"last acknowledged {last_ok}")
    assert not problems, "\n".join(problems)


def verify_mm_sessions(w, led):
    rows = led.of("mm_session")
    a = w.mm("GET", "/api/v1/apps/game-sessions", timeout=30)
    assert a.status == 200, a
    names = [x["name"] for x in a.json()["gameSessions"] if x["name"].startswith("s")]
    problems = []
    sent = {r[3] for r in rows}
    for nm in set(names):
        if names.count(nm) > 1:
            problems.append(f"session {nm} stored {names.count(nm)} times")
        if nm not in sent:
            problems.append(f"session {nm} never sent")
    lost = {r[3] for r in rows if r[4]} - set(names)
    if lost:
        problems.append(f"acknowledged sessions missing: {sorted(lost)[:20]}")
    assert not problems, "\n".join(problems[:30])


def verify_tb_maps(w, led):
    rows = led.of("tb_map")
    by_match = {}
    for r in rows:
        by_match.setdefault(r[3]["matchId"], []).append(r)
    problems = []
    for mid, mrows in by_match.items():
        a = w.tbcall("GET", f"/api/v1/game/matches/{mid}/scores", timeout=30)
        assert a.status == 200, a
        stored = {}
        for sc in a.json()["scores"]:
            if sc["mapIndex"] in stored:
                problems.append(f"match {mid} map {sc['mapIndex']} listed twice")
            stored[sc["mapIndex"]] = sc
        sent = {r[3]["mapIndex"]: r for r in mrows}
        for idx, sc in stored.items():
            r = sent.get(idx)
            if r is None:
                problems.append(f"match {mid} map {idx} never sent: {sc}")
                continue
            it = r[3]
            want = (it["mapId"], it["creatorTeamScore"], it["opponentTeamScore"], "CONFIRMED")
            got = (sc["mapId"], sc["creatorTeamScore"], sc["opponentTeamScore"], sc["scoreStatus"])
            if got != want:
                problems.append(f"match {mid} map {idx}: stored {got}, sent {want}")
        for idx, r in sent.items():
            if r[4] and idx not in stored:
                problems.append(f"acknowledged match {mid} map {idx} missing")
    assert not problems, "\n".join(problems[:30])


VERIFY = {
    "gj_score": verify_gj_scores,
    "gj_set": verify_gj_set,
    "gj_big": verify_gj_big,
    "gj_append": verify_gj_append,
    "mm_score": verify_mm_scores,
    "mm_session": verify_mm_sessions,
    "tb_map": verify_tb_maps,
}


def verify_all(w, led, kinds):
    for k in kinds:
        VERIFY[k](w, led)


def random_worker(s, rng=random):
    w = s.worker_pids()
    return rng.choice(w) if w else None
