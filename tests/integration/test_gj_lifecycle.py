"""Durability across a restart on the same data directory, and the worker
pool: a killed worker is replaced, workers follow the master."""

import calendar
import os
import re
import signal
import time

import pytest

from harness import Stack, pid_alive
from gjtest import GJ, assert_ok, assert_scores, new_gj, score_item, sorts_of

pytestmark = pytest.mark.slow


def wait_for(pred, timeout=10.0, step=0.05):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            return v
        time.sleep(step)


def test_scores_survive_restart(tmp_path):
    data = str(tmp_path / "data")
    with Stack(workers=2, data_dir=data) as s1:
        g = new_gj(s1, "durable")
        p = g.player("Keeper")
        g.add_user(p, 42, score="forty-two", extra_data="x")
        g.add_guest("gg", 7)
        game, table = g.game, g.table
        workers = s1.worker_pids()
        assert len(workers) == 2
    # SIGTERM stopped the master without needing SIGKILL, and it said so cleanly
    assert s1.arcaded.returncode == 0, s1.arcaded.returncode
    assert wait_for(lambda: not any(pid_alive(w) for w in workers), 5), "workers outlived the master"

    with Stack(workers=2, data_dir=data) as s2:         # init runs again: must be idempotent
        g2 = GJ(s2, game, table)
        assert_scores(g2.fetch(), [
            score_item(42, score="forty-two", extra_data="x", user="Keeper", user_id=p["id"]),
            score_item(7, guest="gg")])
        assert_ok(g2.get("users/auth", [("username", "keeper"), ("user_token", p["token"])]))
        g2.add_guest("after", 1)
        assert sorts_of(g2.fetch()) == [42, 7, 1]
        other = s2.ctl("game", "create", "--name", "later")
        assert other["id"] != game["id"]      # ids are not reused after a restart


def test_init_is_idempotent(stack):
    out = stack.ctl("init")
    assert out == {"data": stack.data_dir, "schema": 2}


def test_killed_worker_is_replaced():
    with Stack(workers=2) as s:
        g = new_gj(s, "pool")
        workers = wait_for(lambda: s.worker_pids() if len(s.worker_pids()) == 2 else None, 5)
        assert workers and len(workers) == 2, s.worker_pids()
        victim = workers[0]
        os.kill(victim, signal.SIGKILL)
        # A worker blocked in accept() that has been sent SIGKILL but not yet
        # run can still take a connection off the queue before it dies (the
        # kernel looks for a connection before it looks for the signal), and
        # nginx then answers 502 for that one request: nothing was read, so
        # nothing was done. That window is the kernel's; wait it out.
        assert wait_for(lambda: not pid_alive(victim), 5), "the killed worker is still running"
        # the pool keeps answering while the worker is replaced, and after
        for i in range(20):
            g.add_guest(f"g{i}", i)
        assert sorts_of(g.fetch(limit="100")) == list(range(19, -1, -1))
        replaced = wait_for(lambda: (len(s.worker_pids()) == 2
                                     and victim not in s.worker_pids()), 10)
        assert replaced, f"children now: {s.worker_pids()}\n{s.log()}"
        assert s.arcaded.poll() is None
        # the new worker serves too: enough requests to reach both workers
        for _ in range(10):
            assert_scores(g.fetch(limit="1"), [score_item(19, guest="g19")])


def test_workers_exit_when_master_dies():
    with Stack(workers=2) as s:
        workers = wait_for(lambda: s.worker_pids() if len(s.worker_pids()) == 2 else None, 5)
        assert workers and len(workers) == 2
        os.kill(s.arcaded_pid, signal.SIGKILL)
        s.arcaded.wait(10)
        gone = wait_for(lambda: not any(pid_alive(w) for w in workers), 10)
        if not gone:            # do not leave them behind
            for w in workers:
                if pid_alive(w):
                    os.kill(w, signal.SIGKILL)
        assert gone, "workers kept running after the master was killed"


def test_log_lines_carry_the_pid_of_the_process_that_wrote_them():
    """Each line: UTC time with milliseconds, [pid], level, message. Workers
    keep their pid between lines, so a forked worker must not go on
    printing its master's."""
    line = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})Z \[(\d+)\] (error|warn|info|debug): (.*)$")
    with Stack(workers=2) as s:
        g = new_gj(s, "logs")
        for i in range(6):
            g.add_guest(f"l{i}", i)
        workers = set(s.worker_pids())
        master = s.arcaded_pid
        lines = [line.match(ln) for ln in s.log().splitlines() if ln.strip()]
    assert all(lines), s.log()
    requests = [m for m in lines if m.group(4).startswith("GET /api/game/v1_2/scores/add/ 200 ")]
    assert len(requests) == 6, s.log()
    assert {int(m.group(2)) for m in requests} <= workers, (workers, s.log())
    started = [m for m in lines if m.group(4).startswith("pool: master ")]
    assert started and int(started[0].group(2)) == master
    assert started[0].group(4).startswith(f"pool: master {master}, 2 workers")
    # The stamp is UTC (now, within a minute).
    last = calendar.timegm(time.strptime(lines[-1].group(1).split(".")[0], "%Y-%m-%dT%H:%M:%S"))
    assert abs(last - time.time()) < 60, lines[-1].group(0)
