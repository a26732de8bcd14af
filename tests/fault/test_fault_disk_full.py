"""A disk that fills up: the data directory on a small tmpfs (8 MiB, mounted
by the test, unmounted at the end) nearly taken by a filler file. Writes
then answer the family's clear 503 and change nothing, reads keep working,
no worker crashes; once the filler is deleted the service writes again, and
every acknowledged write is there, also after a restart.

Both ways of writing pages: `--sync full` (the default: pwrite, the disk
fills page by page) and `--sync off` (the write map, src/store_map.h: the
disk fills when the map cannot grow; without the reservation a page
written through the map into a hole on the full disk is a SIGBUS)."""

import os
import shutil
import tempfile
import time

import pytest

from harness import mount, unmount
from faultkit import (BIG, GJ_FULL, OPS, FaultStack, Load, World, assert_env_clean,
                      verify_all, wait_for)

pytestmark = pytest.mark.slow

WORKERS = 2
THREADS = 3
KINDS = ["gj_big", "gj_score", "gj_append", "mm_session", "mm_score", "tb_map"]
FULL_KINDS = ("gj_big", "gj_score", "mm_session")
FULL_ANSWERS = 8
FILL_SECONDS = 20
MAX_OPS = 1500
MM_FULL = '{"error":"The server\'s storage is full. Try again later."}'
MIB = 1 << 20


def full_answer(kind, a):
    if a.status != 503:
        return False
    if kind.startswith("gj_"):
        return a.text == GJ_FULL
    if kind.startswith("mm_"):
        return a.text == MM_FULL
    doc = a.json()
    return isinstance(doc, dict) and list(doc) == ["error"] and isinstance(doc["error"], str)


def statvfs_free(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


@pytest.fixture(scope="module")
def tmpfs():
    mnt = tempfile.mkdtemp(prefix="arcade-fault-tmpfs-")
    why = mount(["-t", "tmpfs", "-o", "size=8m,mode=0755", "tmpfs"], mnt)
    if why:
        os.rmdir(mnt)
        pytest.skip(f"cannot mount a tmpfs: {why}")
    try:
        yield mnt
    finally:
        unmount(mnt)
        os.rmdir(mnt)


class Full:
    pass


# --sync off starts with a small map so that it grows into the full disk.
MODES = {"pwrite": [], "writemap": ["--sync", "off", "--map-size", "1m"]}


@pytest.fixture(scope="module", params=sorted(MODES))
def full(tmpfs, request):
    data = os.path.join(tmpfs, "data")
    filler = os.path.join(tmpfs, "filler")
    with FaultStack(workers=WORKERS, data_dir=data, arcaded_args=MODES[request.param]) as s:
        f = Full()
        f.s, f.filler, f.mode = s, filler, request.param
        f.world = World(s, THREADS, tb_matches=8)
        f.workers = s.wait_workers(WORKERS, 10)
        assert f.workers, s.log()
        # leave about 1.5 MiB free
        with open(filler, "wb") as fh:
            fh.write(b"\0" * max(0, statvfs_free(tmpfs) - 3 * MIB // 2))
        f.free_at_start = statvfs_free(tmpfs)
        load = Load(f.world, KINDS, THREADS, seconds=FILL_SECONDS, max_ops=MAX_OPS).start()
        deadline = time.monotonic() + FILL_SECONDS
        while time.monotonic() < deadline:
            time.sleep(0.2)
            fails = [r[0] for r in load.ledger.rows if not r[4]]
            if all(fails.count(k) >= FULL_ANSWERS for k in FULL_KINDS):
                break
        load.join()
        f.ledger = load.ledger
        f.free_when_full = statvfs_free(tmpfs)
        f.data_size = os.stat(os.path.join(data, "data.mdb")).st_size
        f.workers_after = s.worker_pids()
        f.log = s.full_log()
        yield f
    shutil.rmtree(data)
    if os.path.exists(filler):
        os.unlink(filler)


def test_disk_filled(full):
    assert full.free_at_start < 2 * MIB, full.free_at_start
    if full.mode == "writemap":
        # the refused growth would have doubled the file, reserved whole
        assert full.free_when_full < full.data_size, (full.free_when_full, full.data_size)
        assert "the disk is full" in full.log, full.log[-3000:]
    else:
        assert full.free_when_full < 256 * 1024, full.free_when_full
    assert len(full.ledger.acked("gj_big")) * BIG > MIB // 2, full.ledger.summary()


def test_full_disk_answers_clear_503(full):
    led = full.ledger
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


def test_no_worker_crashed(full):
    assert full.workers_after == full.workers, full.log[-3000:]
    assert "died (" not in full.log, full.log[-3000:]


def test_reads_and_refusals_while_full(full):
    s, w = full.s, full.world
    row = full.ledger.acked("gj_big")[-1]
    a = w.gj("data-store", [("key", row[3])])
    assert a.status == 200 and a.json()["response"]["data"].startswith(f"v{row[1]}-{row[2]}-"), a
    a = w.mm("GET", "/api/v1/apps/game-sessions")
    assert a.status == 200, a
    before = s.stats()
    a = w.gj("data-store/set", [("key", "refused"), ("data", "r" * BIG)])
    assert (a.status, a.text) == (503, GJ_FULL), a
    after = s.stats()
    assert (after["last_txn"], after["entries"]) == (before["last_txn"], before["entries"])


def test_service_resumes_when_space_returns(full):
    """Must run after the checks of the full state: deletes the filler."""
    s, w = full.s, full.world
    os.unlink(full.filler)
    a = wait_for(lambda: (lambda x: x if x.status == 200 else None)(
        w.gj("data-store/set", [("key", "resumed"), ("data", "b" * BIG)])), 10, 0.2)
    assert a and a.text == '{"response":{"success":"true"}}', a
    led = full.ledger
    for i in range(20):     # thread number 99: writes after the disk had room again
        for kind in ("gj_score", "gj_big", "mm_session"):
            OPS[kind](w, 99, i, led)
            assert led.rows[-1][4], led.rows[-1]
    verify_all(w, full.ledger, KINDS)
    assert_env_clean(s)
    assert s.worker_pids() == full.workers


def test_acknowledged_writes_survive_restart(full):
    s, w = full.s, full.world
    s.stop_arcaded()
    s.start_arcaded()
    assert s.wait_workers(WORKERS, 10), s.log()
    verify_all(w, full.ledger, KINDS)
    a = w.gj("data-store", [("key", "resumed")])
    assert a.status == 200 and a.json()["response"]["data"] == "b" * BIG, a
    assert_env_clean(s)
