"""The write map of `--sync off` (src/store_map.h, docs/architecture.md).

With MDB_WRITEMAP, LMDB sets the data file's length to the map size of the
process that opens it or resizes its map. arcade reserves the file on disk
before a map covers it (a hole written through the map on a full disk would
be a SIGBUS), never maps less than the file (a process with a smaller map
would cut the file under the others' maps: a SIGBUS for them), and shares
the environment with processes that write without the write map
(arcadectl). The full-disk case is in tests/fault/test_fault_disk_full.py.
"""

import json
import os
import subprocess

from harness import ARCADECTL, Stack, target_of

MIB = 1 << 20
VALUE = 600_000             # bytes of one data-store item: a few grow the map


def _setup(s):
    game = s.ctl("game", "create", "--name", "writemap")
    table = s.ctl("table", "create", "--game", game["id"], "--name", "T", "--primary")
    return game, table


def _set(s, game, key, data):
    return s.gj_post("data-store/set", {"game_id": game["id"], "key": key}, {"data": data}, game)


def _get(s, game, key):
    url = s.gj_url("data-store", {"game_id": game["id"], "key": key}, game)
    r = s.request("GET", target_of(url), timeout=20)
    assert r.status_code == 200, r.text
    return r.json()["response"]


def _fill(s, game, prefix, n):
    for i in range(n):
        r = _set(s, game, f"{prefix}{i}", f"{prefix}{i}-" + "x" * VALUE)
        assert (r.status_code, r.text) == (200, '{"response":{"success":"true"}}'), r.text


def _data_file(s):
    return os.stat(os.path.join(s.data_dir, "data.mdb"))


def _no_deaths(s, workers):
    assert s.worker_pids() == workers, s.log()[-3000:]
    assert "died (" not in s.log(), s.log()[-3000:]


def test_write_map_file_is_reserved_on_disk(tmp_path):
    """Grown twice from 1 MiB: the file is as long as the map and has no
    holes (LMDB alone would leave it sparse: ftruncate)."""
    with Stack(data_dir=str(tmp_path / "data"), arcaded_args=["--sync", "off", "--map-size", "1m"]) as s:
        game, _ = _setup(s)
        _fill(s, game, "k", 4)
        st = _data_file(s)
        assert "store: map grown to 4194304 bytes" in s.log(), s.log()[-2000:]
        assert st.st_size >= 4 * MIB, st
        assert st.st_blocks * 512 >= st.st_size, (st.st_size, st.st_blocks)
        assert _get(s, game, "k3")["data"] == "k3-" + "x" * VALUE


def test_a_smaller_map_never_cuts_the_file(tmp_path):
    """Pool A grows the map; pool B then opens the same data with a 1 MiB
    map. Cutting the file to B's map (or to the data) would kill A's
    workers with SIGBUS as soon as they write past the cut."""
    data = str(tmp_path / "data")
    args = ["--sync", "off", "--map-size", "1m"]
    with Stack(data_dir=data, arcaded_args=args) as a:
        game, _ = _setup(a)
        _fill(a, game, "a", 6)
        grown = _data_file(a).st_size
        a_workers = a.worker_pids()
        with Stack(data_dir=data, arcaded_args=args) as b:
            assert _data_file(b).st_size == grown
            _fill(a, game, "more", 2)           # new pages past the data B saw
            _fill(b, game, "b", 1)
            assert _get(b, game, "more1")["data"] == "more1-" + "x" * VALUE
            assert _get(a, game, "b0")["data"] == "b0-" + "x" * VALUE
            _no_deaths(a, a_workers)
            assert "died (" not in b.log(), b.log()[-3000:]
        assert _data_file(a).st_size >= grown
        _no_deaths(a, a_workers)


def test_arcadectl_writes_beside_a_write_map_pool(tmp_path):
    """arcadectl opens without the write map (its own --sync) and commits
    with pwrite while the pool changes pages in place: each sees the
    other's writes, and the export holds them all."""
    data = str(tmp_path / "data")
    with Stack(data_dir=data, arcaded_args=["--sync", "off"]) as s:
        game, table = _setup(s)
        workers = s.worker_pids()
        for i in range(20):
            url = s.gj_url("scores/add", {"game_id": game["id"], "table_id": table["id"],
                                          "guest": f"g{i}", "score": f"{i} points", "sort": i}, game)
            r = s.request("GET", target_of(url))
            assert r.text == '{"response":{"success":"true"}}', r.text
            if i == 10:
                t2 = s.ctl("table", "create", "--game", game["id"], "--name", "Second")
        url = s.gj_url("scores/add", {"game_id": game["id"], "table_id": t2["id"],
                                      "guest": "late", "score": "7 points", "sort": 7}, game)
        assert s.request("GET", target_of(url)).text == '{"response":{"success":"true"}}'
        out = subprocess.run([ARCADECTL, "--data", data, "export"], capture_output=True,
                             text=True, check=True).stdout
        # score records: key 'S' + game + table + id, value starts with the sort
        recs = [json.loads(line) for line in out.splitlines()]
        sorts = [int(r["value"][:16], 16) for r in recs if r.get("db") == "rec" and r.get("key", "").startswith("53")]
        assert sorted(sorts) == sorted(list(range(20)) + [7]), out[-2000:]
        listed = s.gj_get("scores", {"game_id": game["id"], "table_id": table["id"], "limit": 50}, game)
        assert listed.json()["response"]["scores"][0]["guest"] == "g19", listed.text
        _no_deaths(s, workers)
