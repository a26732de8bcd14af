"""nginx stopped and started again on the same port under write load, once
gracefully (SIGTERM) and once abruptly (SIGKILL of its master and workers,
dropping FastCGI connections in the middle of requests): arcaded's pool is
untouched (same master, same workers, no crash) and serves again as soon as
nginx is back; every acknowledged write is stored exactly once."""

import time

import pytest

from faultkit import FaultStack, Load, World, assert_env_clean, verify_all, wait_for

pytestmark = pytest.mark.slow

WORKERS = 2
THREADS = 3
KINDS = ["gj_score", "gj_set", "gj_append", "mm_score", "mm_session", "tb_map"]


@pytest.mark.parametrize("hard", [False, True], ids=["sigterm", "sigkill"])
def test_nginx_restarted_under_load(hard):
    with FaultStack(workers=WORKERS) as s:
        workers = s.wait_workers(WORKERS, 10)
        assert workers, s.log()
        master = s.arcaded_pid
        w = World(s, THREADS, tb_matches=6)
        load = Load(w, KINDS, THREADS, seconds=12).start()
        time.sleep(2.0)
        assert load.ledger.acked(), load.ledger.answers()
        s.stop_nginx(hard=hard)
        t_down = time.monotonic()
        time.sleep(1.0)
        t_starting = time.monotonic()
        s.start_nginx_same_port()
        t_up = time.monotonic()
        back = wait_for(lambda: any(r[4] and r[6] > t_up for r in load.ledger.rows), 10)
        assert back, f"no write succeeded after nginx came back: {load.ledger.answers()}"
        time.sleep(2.0)
        load.join()
        led = load.ledger
        down = [r for r in led.rows if t_down + 0.2 < r[6] < t_starting]
        assert down and not any(r[4] for r in down), "writes acknowledged while nginx was down"
        after = [r for r in led.rows if r[6] > t_up + 0.5]
        assert after and all(r[4] for r in after), \
            [r[5] for r in after if not r[4]][:5]
        # the pool never noticed
        assert s.arcaded_pid == master and s.arcaded.poll() is None
        assert s.worker_pids() == workers, (workers, s.worker_pids(), s.log()[-2000:])
        assert "died (" not in s.full_log()
        verify_all(w, led, KINDS)
        assert_env_clean(s)
