"""A disk that fails a flush (docs/operations.md, "A failed flush").

arcaded runs with tests/fault/failflush.c preloaded: while a trigger file
exists, fdatasync fails with EIO. Linux reports a writeback error once per
open file and marks the pages it could not write clean, so the flush after
it succeeds without them; with group commit (--sync full) the meta page is
already written. So after one failed flush no later write may be
acknowledged: every write answers the family's 503 and changes nothing,
in every worker, after the disk "recovers" and after a restart; reads go
on. DATA/sync.failed records it; removing it and sync.shm with arcaded
stopped (an operator, after a false alarm) lets writes through again.
"""

import os
import shutil
import subprocess

import pytest

from faultkit import GJ_FULL, FaultStack
from harness import target_of

pytestmark = pytest.mark.slow

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(scope="module")
def preload(tmp_path_factory):
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.skip("no C compiler for the preloaded library")
    so = str(tmp_path_factory.mktemp("failflush") / "failflush.so")
    subprocess.run([cc, "-shared", "-fPIC", "-O2", "-o", so, os.path.join(HERE, "failflush.c")],
                   check=True, capture_output=True)
    return so


def _add(s, game, table, guest, sort):
    url = s.gj_url("scores/add", {"game_id": game["id"], "table_id": table["id"], "guest": guest,
                                  "score": f"{sort} points", "sort": sort}, game)
    return s.request("GET", target_of(url), timeout=10)


def _scores(s, game, table):
    url = s.gj_url("scores", {"game_id": game["id"], "table_id": table["id"], "limit": 100}, game)
    return s.request("GET", target_of(url), timeout=10)


def _ok(r):
    return r.status_code == 200 and '"success":"true"' in r.text


def _refused(r):
    return r.status_code == 503 and r.text == GJ_FULL


def test_a_failed_flush_refuses_every_later_write_until_cleared(tmp_path, preload):
    data = str(tmp_path / "data")
    trigger = str(tmp_path / "fail-flush")
    wrapper = ["env", f"LD_PRELOAD={preload}", f"ARCADE_FAIL_FLUSH={trigger}"]
    with FaultStack(workers=2, data_dir=data, wrapper=wrapper) as s:
        game = s.ctl("game", "create", "--name", "flush")
        table = s.ctl("table", "create", "--game", game["id"], "--name", "T", "--primary")
        r = _add(s, game, table, "before", 1)
        assert _ok(r), r.text

        open(trigger, "w").close()          # the disk starts failing
        r = _add(s, game, table, "during", 2)
        assert _refused(r), (r.status_code, r.text)
        assert "commit: sync failed: Input/output error; durable writes are refused" in s.full_log()

        os.unlink(trigger)                  # flushes succeed again, the lost pages stay lost
        for i in range(6):                  # both workers
            r = _add(s, game, table, "after", 3 + i)
            assert _refused(r), (i, r.status_code, r.text)
        r = _scores(s, game, table)         # reads go on; the refused writes changed nothing
        assert r.status_code == 200 and '"sort":"1"' in r.text, r.text
        assert not any(f'"sort":"{3 + i}"' in r.text for i in range(6)), r.text
        assert os.path.exists(os.path.join(data, "sync.failed"))

        s.stop_arcaded()
        s.start_arcaded()                   # a restart does not forget it
        r = _add(s, game, table, "restarted", 10)
        assert _refused(r), (r.status_code, r.text)
        assert "failed earlier: durable writes are refused" in s.full_log()

        s.stop_arcaded()                    # a false alarm: the operator clears it
        os.unlink(os.path.join(data, "sync.failed"))
        s.start_arcaded()
        r = _add(s, game, table, "half-cleared", 15)
        assert _refused(r), (r.status_code, r.text)
        s.stop_arcaded()
        os.unlink(os.path.join(data, "sync.shm"))
        s.start_arcaded()
        for i in range(4):
            r = _add(s, game, table, "fixed", 20 + i)
            assert _ok(r), (i, r.text)
        r = _scores(s, game, table)
        assert '"sort":"1"' in r.text and '"sort":"23"' in r.text, r.text
