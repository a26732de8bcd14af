"""Durable writes with group commit (docs/performance.md, "Durability").

In the default mode (--sync full) a write is committed with MDB_NOSYNC and
answered only after an fdatasync that began after the commit has finished;
fsyncs are shared between concurrent writers through DATA/sync.shm. These
tests kill the whole pool (master and workers, SIGKILL, at once) in the
middle of concurrent writes and check, with a new pool on the same data,
that every acknowledged write is there and that the pool serves and
writes again (a syncer killed while holding the lock must not block its
successors). A process kill cannot show that the fsync happened (the page
cache survives it; a power cut cannot be simulated here), but it exercises
the commit path under the conditions it was built for.
"""

import os
import signal
import struct
import threading
import time

import pytest

from harness import Stack, pid_alive, target_of


def _add(s, game, table, guest, sort):
    url = s.gj_url("scores/add", {"game_id": game["id"], "table_id": table["id"], "guest": guest,
                                  "score": f"{sort} points", "sort": sort}, game)
    return s.request("GET", target_of(url), timeout=10)


def _has(s, game, table, guest, sort):
    url = s.gj_url("scores", {"game_id": game["id"], "table_id": table["id"], "guest": guest,
                              "limit": 100}, game)
    r = s.request("GET", target_of(url))
    assert r.status_code == 200, r.text
    return f'"sort":"{sort}"' in r.text


def _writers(s, game, table, n_threads, stop, acked, errors):
    def run(t):
        i = 0
        while not stop.is_set():
            guest = f"w{t}-{i}"
            try:
                r = _add(s, game, table, guest, i)
            except OSError:
                return          # the pool is gone: this one was never acknowledged
            if r.status_code == 200 and '"success":"true"' in r.text:
                acked.append((guest, i))
            elif r.status_code not in (502, 503, 504):
                errors.append((r.status_code, r.text))
            i += 1
    threads = [threading.Thread(target=run, args=(t,), daemon=True) for t in range(n_threads)]
    for t in threads:
        t.start()
    return threads


def _sync_page(data_dir):
    with open(os.path.join(data_dir, "sync.shm"), "rb") as f:
        magic, version, _pad, _dev, _ino, synced, waits, syncs = struct.unpack("<QIIQQQQQ", f.read(56))
    return {"magic": magic, "synced": synced, "waits": waits, "syncs": syncs}


@pytest.mark.slow
def test_acknowledged_writes_survive_sigkill_of_the_whole_pool(tmp_path):
    data = str(tmp_path / "data")
    with Stack(workers=4, data_dir=data) as s:
        game = s.ctl("game", "create", "--name", "durable")
        table = s.ctl("table", "create", "--game", game["id"], "--name", "T", "--primary")
        stop, acked, errors = threading.Event(), [], []
        threads = _writers(s, game, table, 8, stop, acked, errors)
        deadline = time.monotonic() + 20
        while len(acked) < 300 and time.monotonic() < deadline:
            time.sleep(0.05)
        # Master and every worker at the same instant, mid-write.
        pids = [s.arcaded_pid] + s.worker_pids()
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        stop.set()
        for t in threads:
            t.join(timeout=30)
        s.arcaded.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(pid_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not errors, errors[:3]
        assert len(acked) >= 300, len(acked)
        page = _sync_page(data)
        # Group commit at work: fewer fsyncs than commits that waited.
        assert 0 < page["syncs"] < page["waits"], page
        s.arcaded = None        # already dead: nothing for stop() to do

    with Stack(workers=2, data_dir=data) as s2:
        missing = [a for a in acked if not _has(s2, game, table, *a)]
        assert not missing, f"{len(missing)} of {len(acked)} acknowledged writes lost: {missing[:5]}"
        # Writes go on (no lock left behind by a killed syncer), and are durable.
        t0 = time.monotonic()
        for i in range(20):
            r = _add(s2, game, table, "after", 1000 + i)
            assert r.status_code == 200 and '"success":"true"' in r.text, r.text
        assert time.monotonic() - t0 < 20
        assert _has(s2, game, table, "after", 1019)
        assert _sync_page(data)["synced"] > page["synced"]


def test_sync_modes_all_acknowledge_and_persist(tmp_path):
    """off, full (group commit) and strict (LMDB's own synchronous commit)
    all serve; what each wrote is there after a restart."""
    data = str(tmp_path / "data")
    for mode in ("off", "full", "strict"):
        with Stack(workers=2, data_dir=data, arcaded_args=["--sync", mode]) as s:
            if mode == "off":
                game = s.ctl("game", "create", "--name", "modes")
                table = s.ctl("table", "create", "--game", game["id"], "--name", "T", "--primary")
            r = _add(s, game, table, mode, 7)
            assert r.status_code == 200 and '"success":"true"' in r.text, r.text
    with Stack(workers=1, data_dir=data) as s:
        for mode in ("off", "full", "strict"):
            assert _has(s, game, table, mode, 7), mode


def test_sync_page_is_reset_when_it_claims_more_than_the_database(tmp_path):
    """A sync.shm that does not describe this data.mdb (restored from a
    backup, copied in) must not let a write skip its fsync."""
    data = str(tmp_path / "data")
    with Stack(workers=1, data_dir=data) as s:
        game = s.ctl("game", "create", "--name", "reset")
        table = s.ctl("table", "create", "--game", game["id"], "--name", "T", "--primary")
        assert _add(s, game, table, "a", 1).status_code == 200
    path = os.path.join(data, "sync.shm")
    with open(path, "r+b") as f:
        f.seek(32)
        f.write(struct.pack("<Q", 2**62))      # "synced" far beyond any txn id
    with Stack(workers=1, data_dir=data) as s:
        before = _sync_page(data)
        assert before["synced"] < 2**62, before
        assert _add(s, game, table, "b", 2).status_code == 200
        after = _sync_page(data)
        assert after["syncs"] > before["syncs"], (before, after)
        assert _has(s, game, table, "b", 2)
