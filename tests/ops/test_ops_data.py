"""Data care: `arcadectl backup` (a consistent, compacted hot copy while
arcaded serves writes), `arcadectl export` / `import` (JSON lines that
round-trip a database exactly) and `arcadectl stats`."""

import json
import os
import shutil
import subprocess
import threading
import time

import pytest

from harness import ARCADECTL, Stack
from gjtest import GJ, assert_scores, new_gj, score_item
from opslib import gj_scores_checks, need


def ctl(data, *args, check=True):
    p = subprocess.run([ARCADECTL, "--data", str(data), *map(str, args)], capture_output=True,
                       text=True, timeout=120, stdin=subprocess.DEVNULL)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def ctl_json(data, *args):
    return json.loads(ctl(data, "--json", *args).stdout)


def ds_keys(gj):
    r = gj.get("data-store/get-keys")
    assert r.status_code == 200, r.text
    doc = json.loads(r.text)["response"]
    assert doc["success"] == "true", r.text
    return {k["key"] for k in doc.get("keys", [])}


def mdb_dump(path):
    """Every database of an environment as mdb_dump prints it, without the
    header lines that describe the environment rather than its contents."""
    out = subprocess.run([need("mdb_dump"), "-a", str(path)], capture_output=True, text=True,
                         check=True).stdout
    return [ln for ln in out.splitlines() if not ln.startswith(("mapsize=", "maxreaders="))]


# ------------------------------------------------------------------ backup

def test_backup_while_serving_writes_holds_every_acknowledged_write(tmp_path):
    """Writers add data-store items and scores through nginx without pause.
    A backup taken meanwhile opens on its own and holds every write whose
    answer arrived before the backup began (and, being one snapshot, no
    hole: what it holds of each writer is a prefix of that writer's writes)."""
    with Stack(workers=2) as s:
        gj = new_gj(s, "backup")
        acked = {}                      # key -> monotonic time of the answer
        acked_scores = {}               # sort -> monotonic time of the answer
        errors = []
        stop = threading.Event()

        def writer(w):
            i = 0
            while not stop.is_set():
                key = f"w{w}-{i:05d}"
                r = gj.get("data-store/set", [("key", key), ("data", f"value {i}")])
                if r.status_code != 200 or '"success":"true"' not in r.text:
                    errors.append(r.text)
                    return
                acked[key] = time.monotonic()
                r = gj.add(i * 10 + w, guest=f"g{w}")
                if r.status_code != 200 or '"success":"true"' not in r.text:
                    errors.append(r.text)
                    return
                acked_scores[i * 10 + w] = time.monotonic()
                i += 1

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(3)]
        for t in threads:
            t.start()
        try:
            time.sleep(1.0)
            began = time.monotonic()
            before = {k for k, t in list(acked.items()) if t < began}
            scores_before = sum(1 for t in list(acked_scores.values()) if t < began)
            p = ctl(s.data_dir, "--json", "backup", tmp_path / "copy")
            ended = time.monotonic()
            time.sleep(0.3)
        finally:
            stop.set()
            for t in threads:
                t.join()
        assert not errors, errors[:3]
        out = json.loads(p.stdout)
        assert out["dest"] == str(tmp_path / "copy")
        assert sorted(os.listdir(tmp_path / "copy")) == ["data.mdb"]
        assert out["bytes"] == os.path.getsize(tmp_path / "copy" / "data.mdb")
        assert len(before) >= 30, f"too little load to mean anything: {len(before)}"
        written = set(acked)
        assert len(written) > len(before)   # writes went on during and after it
        assert ended > began

    # The copy, on its own: stats open it; a fresh stack serves from it.
    stats = ctl_json(tmp_path / "copy", "stats")
    assert stats["databases"]["rec"]["entries"] > 0
    with Stack(workers=1, data_dir=tmp_path / "copy") as s2:
        gj2 = GJ(s2, gj.game, gj.table)
        have = ds_keys(gj2)
        assert before <= have, sorted(before - have)[:10]
        assert have <= written
        for w in range(3):
            mine = sorted(k for k in have if k.startswith(f"w{w}-"))
            assert mine == [f"w{w}-{i:05d}" for i in range(len(mine))]
        # Scores too. The table is best-first (desc); every score is >= 0, so
        # the rank a sort of -1 would take is 1 + the number of scores.
        r = gj2.rank(-1)
        n_scores = int(json.loads(r.text)["response"]["rank"]) - 1
        assert scores_before <= n_scores <= len(acked_scores), (scores_before, n_scores)


def test_backup_is_compacted_and_refuses_to_overwrite(tmp_path):
    with Stack(workers=1) as s:
        gj = new_gj(s, "compact")
        big = "x" * 3000
        for i in range(150):
            assert '"success":"true"' in gj.get("data-store/set", [("key", f"k{i}"), ("data", big)]).text
        for i in range(150):
            assert '"success":"true"' in gj.get("data-store/remove", [("key", f"k{i}")]).text
        src = ctl_json(s.data_dir, "stats")
        out = ctl_json(s.data_dir, "backup", tmp_path / "b1")
        # Freed pages are left out: the copy is smaller than the pages in use.
        assert out["pages"] * src["page_size"] < src["map_used"] / 2, (out, src)
        assert mdb_dump(tmp_path / "b1") == mdb_dump(s.data_dir)
        p = ctl(s.data_dir, "backup", tmp_path / "b1", check=False)
        assert p.returncode == 1
        assert p.stderr == f"arcadectl: {tmp_path}/b1 already holds a database; give a new directory\n"
        p = ctl(s.data_dir, "backup", tmp_path / "no" / "such" / "dir", check=False)
        assert p.returncode == 1 and "cannot create" in p.stderr
        p = ctl(s.data_dir, "backup", check=False)
        assert p.returncode == 1 and "usage: arcadectl backup DEST" in p.stderr


# ------------------------------------------------------------------ export / import

def varied_data(s):
    """Some of everything the three APIs store."""
    gj = gj_scores_checks(s, "export")
    bob = gj.player("bob")
    s.ctl("friend", "add", "--game", gj.game["id"], "--player", bob["id"], "--player", 1)
    s.ctl("trophy", "create", "--game", gj.game["id"], "--title", "T", "--description", "D",
          "--difficulty", "gold")
    assert '"success":"true"' in gj.get("data-store/set", [("key", "bin"), ("data", "é\u00ff\u4e16")]).text
    tb = s.ctl("key", "create", "--game", gj.game["id"], "--kind", "teambattles")
    s.ctl("key", "create", "--game", gj.game["id"], "--kind", "app", "--rate", "10/0.5")
    t1 = s.ctl("team", "create", "--game", gj.game["id"], "--name", "Alpha", "--tag", "ALP")
    t2 = s.ctl("team", "create", "--game", gj.game["id"], "--name", "Bravo")
    s.ctl("match", "create", "--game", gj.game["id"], "--creator-team", t1["id"],
          "--opponent-team", t2["id"], "--best-of", 3)
    other = s.ctl("game", "create", "--name", "second game")
    s.ctl("table", "create", "--game", other["id"], "--name", "Asc", "--order", "asc")
    return gj, tb


def test_export_import_round_trip_exactly(tmp_path):
    with Stack(workers=1) as s:
        gj, _tb = varied_data(s)
        a = tmp_path / "a.jsonl"
        ctl(s.data_dir, "export", a)
        # stdout and FILE give the same bytes.
        assert ctl(s.data_dir, "export").stdout == a.read_text()
        src_dump = mdb_dump(s.data_dir)
        src_stats = ctl_json(s.data_dir, "stats")

    lines = a.read_text().splitlines()
    header, end = json.loads(lines[0]), json.loads(lines[-1])
    assert header == {"format": "arcade-export", "version": 1, "schema": 2}
    records = [json.loads(ln) for ln in lines[1:-1] if '"key"' in ln]
    assert end == {"end": True, "records": len(records)}
    assert {r["db"] for r in records} == {"rec", "idx", "cnt", "meta"}
    assert len(records) == src_stats["entries"]

    b = tmp_path / "b"
    out = json.loads(subprocess.run([ARCADECTL, "--data", str(b), "--json", "import"],
                                    stdin=open(a), capture_output=True, text=True,
                                    check=True).stdout)
    assert out == {"data": str(b), "databases": 4, "records": len(records)}
    assert ctl(b, "export").stdout == a.read_text()
    assert mdb_dump(b) == src_dump

    # The imported copy serves the same answers, with the same secrets.
    with Stack(workers=1, data_dir=b) as s2:
        gj2 = GJ(s2, gj.game, gj.table)
        assert_scores(gj2.fetch(), [
            score_item(120, score="120 points", extra_data="x=1&y=2", user="alice", user_id=1),
            score_item(95, score="95 points", guest="carol"),
            score_item(80, guest="bob")])


def test_import_refuses_what_it_cannot_take_whole(tmp_path):
    with Stack(workers=1) as s:
        varied_data(s)
        a = tmp_path / "a.jsonl"
        ctl(s.data_dir, "export", a)
        # Not into a database that holds anything.
        p = ctl(s.data_dir, "import", a, check=False)
        assert p.returncode == 1
        assert p.stderr == f"arcadectl: the database in {s.data_dir} is not empty: import into a new directory\n"
    lines = a.read_text().splitlines(keepends=True)
    cases = {
        "cut": ("".join(lines[:-1]), "the file ends before its last line"),
        "count": ("".join(lines[:3] + lines[4:]), "fewer records than announced"),
        "hex": ("".join(lines[:3]) + lines[3].replace('"value":"', '"value":"zz') + "".join(lines[4:]),
                "line 4: the value is not lowercase hex"),
        "header": ("".join(lines[1:]), "line 1: not an arcade export"),
        "json": ("".join(lines[:2]) + "{oops\n" + "".join(lines[2:]), "line 3: not a JSON object"),
    }
    for name, (text, message) in cases.items():
        f = tmp_path / f"{name}.jsonl"
        f.write_text(text)
        p = ctl(tmp_path / f"db-{name}", "import", f, check=False)
        assert p.returncode == 1, name
        assert message in p.stderr, (name, p.stderr)


def test_import_takes_records_in_any_json_shape_the_same(tmp_path):
    """import reads export's own record lines without json-c and any other
    JSON shape with it: both must give the same database and errors."""
    with Stack(workers=1) as s:
        varied_data(s)
        a = tmp_path / "a.jsonl"
        ctl(s.data_dir, "export", a)
        src_dump = mdb_dump(s.data_dir)
    lines = a.read_text().splitlines(keepends=True)
    rec = [i for i, ln in enumerate(lines) if '"key"' in ln]
    assert len(rec) >= 6
    other = list(lines)
    for n, i in enumerate(rec):
        r = json.loads(lines[i])
        if n % 3 == 0:      # other key order and spacing
            other[i] = '{ "value" : "%s", "key" : "%s", "db" : "%s" }\n' % (r["value"], r["key"], r["db"])
        elif n % 3 == 1:    # the export's shape, hex digits escaped (json-c decodes them)
            k = r["key"]
            other[i] = '{"db":"%s","key":"\\u00%02x%s","value":"%s"}\n' % (r["db"], ord(k[0]), k[1:], r["value"])
    b = tmp_path / "b"
    f = tmp_path / "other.jsonl"
    f.write_text("".join(other))
    out = ctl_json(b, "import", f)
    assert out["records"] == len(rec)
    assert mdb_dump(b) == src_dump

    # The export's own shape with what only the fast reader sees: the same
    # messages as through json-c.
    first = rec[0]
    r = json.loads(lines[first])
    cases = {
        "upper": '{"db":"%s","key":"%s","value":"%s"}\n' % (r["db"], "A" + r["key"][1:], r["value"]),
        "odd": '{"db":"%s","key":"%s","value":"%s"}\n' % (r["db"], r["key"], r["value"] + "0"),
        "section": '{"db":"%s","key":"%s","value":"%s"}\n' % ("zz" + r["db"], r["key"], r["value"]),
        "empty": '{"db":"%s","key":"","value":"%s"}\n' % (r["db"], r["value"]),
    }
    want = {"upper": "the key is not lowercase hex", "odd": "the value is not lowercase hex",
            "section": "a record outside its database's section", "empty": "a key must be 1 to 511 bytes"}
    for name, line in cases.items():
        for spaced in (False, True):
            text = line.replace('":"', '": "') if spaced else line
            g = tmp_path / f"{name}{spaced}.jsonl"
            g.write_text("".join(lines[:first]) + text + "".join(lines[first + 1:]))
            p = ctl(tmp_path / f"db-{name}{spaced}", "import", g, check=False)
            assert p.returncode == 1, (name, spaced)
            assert p.stderr.startswith(f"arcadectl: import: line {first + 1}: {want[name]}\n"), (name, spaced, p.stderr)


def test_stats_reports_the_database(tmp_path):
    with Stack(workers=2) as s:
        gj_scores_checks(s, "stats")
        st = ctl_json(s.data_dir, "stats")
        assert set(st) >= {"entries", "map_size", "map_used", "page_size", "readers",
                           "max_readers", "last_txn", "databases"}
        assert set(st["databases"]) == {"rec", "idx", "cnt", "meta"}
        assert st["entries"] == sum(d["entries"] for d in st["databases"].values())
        assert 0 < st["map_used"] <= st["map_size"]
        assert st["readers"] >= 2        # each worker holds a reader slot
        text = ctl(s.data_dir, "stats").stdout
        assert f"entries: {st['entries']}\n" in text


@pytest.fixture(autouse=True)
def _tidy(tmp_path):
    yield
    shutil.rmtree(tmp_path, ignore_errors=True)
