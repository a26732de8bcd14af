"""A map that fills up under load (`--map-size 1M --map-max 4M`): the map
grows to its maximum while clients write, then writes answer the family's
clear 503 and change nothing, reads keep working, no worker crashes, the
environment stays clean (mdb_stat, arcadectl stats); started again with a
larger --map-max the map grows and service continues with every
acknowledged write still there."""

import time

import pytest

from faultkit import (BIG, GJ_FULL, FaultStack, Load, World, assert_env_clean,
                      verify_all)

pytestmark = pytest.mark.slow

WORKERS = 2
THREADS = 3
KINDS = ["gj_big", "gj_score", "gj_append", "mm_session", "mm_score", "tb_map"]
FILL_SECONDS = 20          # upper bound; the fill stops well before
MAX_OPS = 1500             # per thread: ~750 writes of 12 KB in all, twice what fits
FULL_ANSWERS = 3           # stop filling once each of FULL_KINDS saw this many 503s
FULL_KINDS = ("gj_big", "gj_score", "mm_session")     # writes that need new pages
MM_FULL = '{"error":"The server\'s storage is full. Try again later."}'

MIB = 1 << 20


def full_answer(kind, a):
    """The family's clear 'storage full' error, exactly."""
    if a.status != 503:
        return False
    if kind.startswith("gj_"):
        return a.text == GJ_FULL
    if kind.startswith("mm_"):
        return a.text == MM_FULL
    doc = a.json()              # TeamBattles: {"error": CODE}
    return isinstance(doc, dict) and list(doc) == ["error"] and isinstance(doc["error"], str)


def grown_sizes(log):
    """The sizes of every "store: map grown to N bytes" line."""
    return [int(ln.rsplit("to ", 1)[1].split()[0])
            for ln in log.splitlines() if "store: map grown to" in ln]


class Filled:
    pass


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    data = str(tmp_path_factory.mktemp("mapfull") / "data")
    s = FaultStack(workers=WORKERS, data_dir=data,
                   arcaded_args=["--map-size", "1M", "--map-max", "4M"])
    with s:
        f = Filled()
        f.s = s
        f.world = World(s, THREADS, tb_matches=8)      # arcadectl writes first
        f.workers = s.wait_workers(WORKERS, 10)
        assert f.workers, s.log()
        load = Load(f.world, KINDS, THREADS, seconds=FILL_SECONDS, max_ops=MAX_OPS).start()
        deadline = time.monotonic() + FILL_SECONDS
        while time.monotonic() < deadline:
            time.sleep(0.2)
            fails = [r[0] for r in load.ledger.rows if not r[4]]
            if all(fails.count(k) >= FULL_ANSWERS for k in FULL_KINDS):
                break
        load.join()
        f.ledger = load.ledger
        f.used = s.env_used_bytes()
        f.workers_after = s.worker_pids()
        f.log = s.full_log()
        yield f


def test_map_grew_to_its_maximum_under_load(filled):
    sizes = grown_sizes(filled.log)
    assert sizes and max(sizes) <= 4 * MIB, sizes
    assert filled.used > 3 * MIB, filled.used       # from 1 MiB to (nearly) 4 MiB
    acked_big = len(filled.ledger.acked("gj_big"))
    assert acked_big * BIG > 2 * MIB, filled.ledger.summary()


def test_map_never_exceeds_its_maximum(filled):
    """--map-max bounds the database: what was acknowledged fits in 4 MiB."""
    acked_big = len(filled.ledger.acked("gj_big"))
    assert filled.used <= 4 * MIB, (filled.used, filled.ledger.summary())
    assert acked_big * BIG <= 4 * MIB, (
        f"{acked_big} writes of {BIG} bytes acknowledged under --map-max 4M "
        f"(database now {filled.used} bytes)")


def test_full_map_answers_clear_503(filled):
    led = filled.ledger
    fails = [r for r in led.rows if not r[4]]
    unclear = {}
    for r in fails:
        if not full_answer(r[0], r[5]):
            k = f"{r[0]}: {r[5].status} {r[5].text[:100]}"
            unclear[k] = unclear.get(k, 0) + 1
    assert not unclear, "\n".join(f"{n} x {k}" for k, n in unclear.items())
    kinds = [r[0] for r in fails]
    assert all(kinds.count(k) >= FULL_ANSWERS for k in FULL_KINDS), \
        (led.summary(), led.answers())


def test_no_worker_crashed(filled):
    assert filled.workers_after == filled.workers, filled.log[-3000:]
    assert "died (" not in filled.log, filled.log[-3000:]


def test_reads_work_while_full(filled):
    w = filled.world
    row = filled.ledger.acked("gj_big")[-1]
    a = w.gj("data-store", [("key", row[3])])
    assert a.status == 200 and a.json()["response"]["data"].startswith(f"v{row[1]}-{row[2]}-"), a
    a = w.gj("scores", [("limit", "1")])
    assert a.status == 200 and a.json()["response"]["success"] == "true", a
    a = w.mm("GET", "/api/v1/apps/game-sessions")
    assert a.status == 200, a
    a = w.tbcall("POST", "/api/v1/game/matches", {"limit": 5})
    assert a.status == 200, a


def refused_cleanly(s, write, tries):
    """Writes until one is refused; that one must change nothing. Once the
    load has stopped, no reader holds the pages the last transactions freed,
    so LMDB may reuse them and a write or two can still fit."""
    for i in range(tries):
        before = s.stats()
        a = write(i)
        if a.status == 503:
            break
    assert a.status == 503, f"none of {tries} writes was refused: {a}"
    after = s.stats()
    assert (after["last_txn"], after["entries"]) == (before["last_txn"], before["entries"]), \
        (before, after)
    return i, a


def test_still_full_and_unchanged(filled):
    """A write to the full map changes nothing: same last transaction."""
    s, w = filled.s, filled.world

    def big(i):
        a = w.gj("data-store/set", [("key", f"late{i}"), ("data", "y" * BIG)])
        assert a.status == 503 or a.json()["response"]["success"] == "true", a
        return a
    i, a = refused_cleanly(s, big, 20)
    assert a.status == 503 and a.text == GJ_FULL, a
    a = w.gj("data-store", [("key", f"late{i}")])
    assert a.json()["response"]["success"] == "false", a
    # and again: a full map stays full
    before = s.stats()
    for j in range(3):
        a = w.gj("data-store/set", [("key", f"later{j}"), ("data", "y" * BIG)])
        assert a.status == 503 and a.text == GJ_FULL, a
    after = s.stats()
    assert (after["last_txn"], after["entries"]) == (before["last_txn"], before["entries"])
    # small inserts may still find a free page or two
    def session(i):
        a = w.mm("POST", "/api/v1/apps/game-sessions", {"name": f"late{i}", "description": "d" * 900})
        assert a.status in (201, 503), a
        return a
    _i, a = refused_cleanly(s, session, 100)
    assert a.status == 503 and a.text == MM_FULL, a


def test_environment_clean_when_full(filled):
    assert_env_clean(filled.s)


def test_arcadectl_stats_sees_the_full_map(filled):
    st = filled.s.stats()
    assert 3 * MIB < st["map_used"] <= 4 * MIB, st
    assert st["map_used"] == filled.s.env_used_bytes(), st


def test_grows_with_larger_max_and_keeps_everything(filled):
    """Must run last: restarts arcaded with --map-max 64M."""
    s, w = filled.s, filled.world
    s.stop_arcaded()
    s.start_arcaded(["--map-max", "64M"])
    assert s.wait_workers(WORKERS, 10), s.log()
    verify_all(w, filled.ledger, KINDS)
    more = []
    for i in range(80):
        a = w.gj("data-store/set", [("key", f"grow{i}"), ("data", f"g{i}-" + "z" * 12000)])
        assert a.status == 200 and a.text == '{"response":{"success":"true"}}', (i, a)
        more.append(i)
    assert max(grown_sizes(s.full_log())) > 4 * MIB, grown_sizes(s.full_log())
    assert s.env_used_bytes() > 4 * MIB
    for i in more:
        a = w.gj("data-store", [("key", f"grow{i}")])
        assert a.status == 200 and a.json()["response"]["data"] == f"g{i}-" + "z" * 12000, a
    assert_env_clean(s)
    verify_all(w, filled.ledger, KINDS)
