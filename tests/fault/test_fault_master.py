"""SIGKILL the master under write load: its workers exit by themselves
(PR_SET_PDEATHSIG), and a new arcaded on the same data directory serves
every write that was acknowledged before, in all three families."""

import os
import signal
import time

import pytest

from faultkit import (FaultStack, Load, World, assert_env_clean, verify_all,
                      wait_for)
from harness import pid_alive

pytestmark = pytest.mark.slow

WORKERS = 3
THREADS = 3
KINDS = ["gj_score", "gj_set", "gj_append", "mm_score", "mm_session", "tb_map"]


def test_master_killed_under_load():
    with FaultStack(workers=WORKERS) as s:
        assert s.wait_workers(WORKERS, 10), s.log()
        w = World(s, THREADS, tb_matches=6)
        load = Load(w, KINDS, THREADS, seconds=20).start()
        time.sleep(3.0)
        before = len(load.ledger.acked())
        assert before > 0, load.ledger.answers()
        master = s.arcaded_pid
        workers = s.kill_master()
        assert len(workers) == WORKERS
        try:
            gone = wait_for(lambda: not any(pid_alive(p) for p in workers), 10)
            alive = [p for p in workers if pid_alive(p)]
        finally:
            for p in workers:           # never leave one behind, whatever happened
                if pid_alive(p):
                    os.kill(p, signal.SIGKILL)
        assert gone, f"workers {alive} outlived master {master}"
        t_gone = time.monotonic()
        # clients now get nginx's 502 (no one accepts on the socket)
        time.sleep(1.0)
        load.join()
        led = load.ledger
        assert led.acked(), led.answers()
        tail = [r for r in led.rows if r[6] > t_gone + 0.2]
        assert tail, "the load stopped with the master"
        assert not any(r[4] for r in tail), "writes acknowledged with no arcaded running"

        s.start_arcaded()
        assert s.wait_workers(WORKERS, 10), s.log()
        assert s.arcaded_pid != master
        verify_all(w, led, KINDS)
        for kind in KINDS:
            assert led.acked(kind), f"no acknowledged {kind}: {led.summary()}"
        st = assert_env_clean(s)
        dead = [pid for pid, _ in s.reader_slots() if not os.path.exists(f"/proc/{pid}")]
        assert not dead, f"reader slots of dead processes after restart: {dead}"
        assert st["readers"] <= 2 * WORKERS + 2, st
        # and it takes new writes in every family
        a = w.gj("scores/add", [("guest", "reborn"), ("score", "1"), ("sort", "-1")])
        assert (a.status, a.text) == (200, '{"response":{"success":"true"}}'), a
        a = w.mm("POST", "/api/v1/apps/game-sessions", {"name": "reborn"})
        assert a.status == 201, a
