"""The write map of `--sync off` (src/store_map.h, docs/architecture.md).

With MDB_WRITEMAP, LMDB sets the data file's length to the map size of the
process that opens it or resizes its map. arcade reserves the file on disk
before a map covers it (a hole written through the map on a full disk would
be a SIGBUS), never maps less than the file (a process with a smaller map
would cut the file under the others' maps: a SIGBUS for them), and shares
the environment with processes that write without the write map
(arcadectl). The full-disk case is in tests/fault/test_fault_disk_full.py.
"""

import fcntl
import json
import os
import re
import subprocess
import threading
import time

import pytest

from harness import ARCADECTL, Stack, mount, target_of, unmount

MIB = 1 << 20
GJ_FULL = ('{"response":{"success":"false","message":'
           '"The server\'s storage is full. Try again later."}}')
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


def test_adopting_a_grown_map_never_cuts_the_file(tmp_path):
    """Pool B opens while the file is small; pool A then grows it. When B's
    data outgrows B's map, B adopts a larger one: set to what B knew (LMDB
    rounds it up to the data) the file would shrink under A's map."""
    data = str(tmp_path / "data")
    args = ["--sync", "off", "--map-size", "1m"]
    with Stack(data_dir=data, arcaded_args=args) as a, Stack(data_dir=data, arcaded_args=args) as b:
        game, _ = _setup(a)
        a_workers, b_workers = a.worker_pids(), b.worker_pids()
        _fill(a, game, "a", 10)
        grown = _data_file(a).st_size
        assert grown >= 8 * MIB, grown
        _fill(b, game, "b", 1)                  # B adopts: the data is past its 1 MiB
        assert _data_file(b).st_size == grown
        _fill(a, game, "more", 2)
        assert _get(b, game, "more1")["data"] == "more1-" + "x" * VALUE
        _no_deaths(a, a_workers)
        _no_deaths(b, b_workers)


def _write_in_thread(fn):
    box = {}
    t = threading.Thread(target=lambda: box.setdefault("r", fn()), daemon=True)
    t.start()
    return t, box


def test_writers_without_the_write_map_hold_the_directory_lock(tmp_path):
    """A --sync full pool and arcadectl lengthen the file with pwrite; each
    of their writes holds the data directory's lock shared, so a write map
    is never resized (exclusive) in the middle of one. Held exclusively
    here, their writes wait; released, they complete."""
    data = str(tmp_path / "data")
    with Stack(data_dir=data) as s:
        game, table = _setup(s)
        url = s.gj_url("scores/add", {"game_id": game["id"], "table_id": table["id"],
                                      "guest": "g", "score": "1 point", "sort": 1}, game)
        dirfd = os.open(data, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(dirfd, fcntl.LOCK_EX)
            t, box = _write_in_thread(lambda: s.request("GET", target_of(url), timeout=20))
            ctl = subprocess.Popen([ARCADECTL, "--data", data, "--json", "table", "create",
                                    "--game", str(game["id"]), "--name", "Held"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(1.0)
            assert t.is_alive() and "r" not in box, box
            assert ctl.poll() is None
            reads = s.gj_get("scores", {"game_id": game["id"], "table_id": table["id"]}, game)
            assert reads.status_code == 200, reads.text      # reads take no lock
        finally:
            fcntl.flock(dirfd, fcntl.LOCK_UN)
            os.close(dirfd)
        t.join(20)
        out, err = ctl.communicate(timeout=20)
        assert box["r"].text == '{"response":{"success":"true"}}', box["r"].text
        assert ctl.returncode == 0 and json.loads(out)["name"] == "Held", (out, err)


@pytest.fixture
def small_tmpfs(tmp_path):
    mnt = str(tmp_path / "tmpfs")
    os.makedirs(mnt)
    why = mount(["-t", "tmpfs", "-o", "size=8m,mode=0755", "tmpfs"], mnt)
    if why:
        pytest.skip(f"cannot mount a tmpfs: {why}")
    try:
        yield mnt
    finally:
        unmount(mnt)


@pytest.fixture
def small_ext4(tmp_path):
    """A 16 MiB ext4 on a loop device: unlike tmpfs, ext4 keeps the blocks
    a refused fallocate did get, and the length it set."""
    img, mnt = str(tmp_path / "ext4.img"), str(tmp_path / "mnt")
    os.makedirs(mnt)
    with open(img, "wb") as f:
        f.truncate(16 * MIB)
    p = subprocess.run(["mkfs.ext4", "-q", "-F", img], capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip(f"no mkfs.ext4: {p.stderr.strip()}")
    why = mount(["-o", "loop", img], mnt)
    if why:
        pytest.skip(f"cannot mount a loop device: {why}")
    try:
        yield mnt
    finally:
        unmount(mnt)


def _fill_until_full(s, game):
    answers = []
    for i in range(40):
        r = _set(s, game, f"k{i}", "x" * VALUE)
        answers.append(r.status_code)
        if r.status_code == 503:
            assert r.text == GJ_FULL, r.text
            break
        assert r.text == '{"response":{"success":"true"}}', r.text
    assert answers[-1] == 503 and answers.count(200) >= 2, answers


def test_a_refused_growth_gives_the_disk_back(small_ext4):
    """The growth that found the disk full leaves the file at the map every
    process has, and the disk with the room it had."""
    data = os.path.join(small_ext4, "data")
    with Stack(data_dir=data, arcaded_args=["--sync", "off", "--map-size", "2m"]) as s:
        game, _ = _setup(s)
        workers = s.worker_pids()
        _fill_until_full(s, game)
        grown = [int(x) for x in re.findall(r"store: map grown to (\d+) bytes", s.log())]
        assert grown and _data_file(s).st_size == max(grown), (grown, _data_file(s).st_size)
        st = os.statvfs(small_ext4)
        assert st.f_bavail * st.f_frsize >= MIB, st
        assert _get(s, game, "k0")["data"] == "x" * VALUE
        _no_deaths(s, workers)


def test_an_import_into_a_disk_too_small_for_the_map(small_tmpfs, tmp_path):
    """arcadectl import writes a new database through the write map with a
    1 GiB map: on an 8 MiB disk the map is halved until the disk holds it."""
    with Stack(data_dir=str(tmp_path / "data")) as s:
        game, _ = _setup(s)
        _fill(s, game, "k", 2)
        dump = subprocess.run([ARCADECTL, "--data", s.data_dir, "export"], capture_output=True,
                              text=True, check=True).stdout
    new = os.path.join(small_tmpfs, "new")
    p = subprocess.run([ARCADECTL, "--data", new, "import"], input=dump, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "the disk cannot hold a map of 1073741824 bytes" in p.stderr, p.stderr
    again = subprocess.run([ARCADECTL, "--data", new, "export"], capture_output=True,
                           text=True, check=True).stdout
    assert again == dump


def test_a_disk_too_small_for_the_map_still_starts(small_tmpfs):
    """--map-size 64m on an 8 MiB disk: the map cannot be reserved whole, so
    the pool maps what the file holds, writes until growth is refused, then
    answers 503 "full"; nothing crashes."""
    data = os.path.join(small_tmpfs, "data")
    with Stack(data_dir=data, arcaded_args=["--sync", "off", "--map-size", "64m"]) as s:
        assert "the disk cannot hold a map of" in s.log(), s.log()[-2000:]
        game, _ = _setup(s)
        workers = s.worker_pids()
        _fill_until_full(s, game)
        assert _get(s, game, "k0")["data"] == "x" * VALUE
        _no_deaths(s, workers)


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
        # score records: key 'S' + game + table + image + id, value starts with the sort
        recs = [json.loads(line) for line in out.splitlines()]
        sorts = [int(r["value"][:16], 16) for r in recs if r.get("db") == "rec" and r.get("key", "").startswith("53")]
        assert sorted(sorts) == sorted(list(range(20)) + [7]), out[-2000:]
        listed = s.gj_get("scores", {"game_id": game["id"], "table_id": table["id"], "limit": 50}, game)
        assert listed.json()["response"]["scores"][0]["guest"] == "g19", listed.text
        _no_deaths(s, workers)
