"""A database made by an older arcade (store schema 1) is upgraded when
arcaded or `arcadectl init` opens it, and then answers exactly what the old
build answered (tests/integration/data/README.md)."""

import json
import os
import subprocess

import pytest

from harness import ARCADECTL, Stack
from gjtest import GJ, sorts_of

pytestmark = pytest.mark.slow

DATA = os.path.join(os.path.dirname(__file__), "data")
EXPORT = os.path.join(DATA, "schema1-export.jsonl")
FIXTURE = json.load(open(os.path.join(DATA, "schema1-answers.json")))


def ctl(data, *args, check=True):
    p = subprocess.run([ARCADECTL, "--data", data, "--json", *args], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=60)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def import_schema1(tmp_path, name="data"):
    data = str(tmp_path / name)
    out = json.loads(ctl(data, "import", EXPORT).stdout)
    assert out == {"data": data, "databases": 4, "records": 147}, out
    return data


def export_lines(data):
    return ctl(data, "export").stdout.splitlines()


def start_without_init(data):
    """A stack whose arcaded is the first to open the database (the harness
    runs `arcadectl init` first otherwise, which would upgrade it)."""
    s = Stack(workers=2, data_dir=data)
    real = s.ctl
    s.ctl = lambda *a: None if a == ("init",) else real(*a)
    return s


def game_of(stack):
    return GJ(stack, FIXTURE["game"], {"id": 1})


def replay(g):
    for q in FIXTURE["answers"]:
        params = dict(q["params"])
        if params.get("user_token") == "NEO_TOKEN":
            params["user_token"] = FIXTURE["neo_token"]
        r = g.get(q["endpoint"], params)
        doc = r.json()
        for sc in doc["response"].get("scores", []):
            del sc["stored"]  # relative to now
        assert (r.status_code, doc) == (q["status"], q["answer"]), (q["endpoint"], params, r.text)


def assert_schema2(lines, scores_expected=14):
    assert json.loads(lines[0]) == {"format": "arcade-export", "version": 1, "schema": 2}
    recs = [json.loads(x) for x in lines[1:] if '"key"' in x]
    # no order entries, every score record keyed game, table, image, id
    assert not [r for r in recs if r["db"] == "idx" and r["key"].startswith("4f")], lines
    scores = [r for r in recs if r["db"] == "rec" and r["key"].startswith("53")]
    assert len(scores) == scores_expected and {len(r["key"]) for r in scores} == {66}, scores



def test_import_keeps_schema1_as_it_is(tmp_path):
    data = import_schema1(tmp_path)
    # export, import, export again: the same bytes, an older schema too
    with open(EXPORT) as f:
        assert export_lines(data) == f.read().splitlines()


def test_arcaded_upgrades_at_start_and_answers_as_before(tmp_path):
    data = import_schema1(tmp_path)
    with start_without_init(data) as s:
        assert s.log().count("upgrading %s from schema 1 to 2" % data) == 1, s.log()
        g = game_of(s)
        replay(g)
        # new scores go after the old ones they tie with (ids carry on)
        g.add_guest("late", 30, score="30 late")
        r = g.fetch(limit=50)
        assert sorts_of(r) == [45, 45, 30, 30, 30, 20, 10, -5], r.text
        assert [x["guest"] for x in r.json()["response"]["scores"]][2:5] == ["ann", "cy", "late"], r.text
        g.assert_rank(30, 3)
        g.assert_rank(29, 6)
        # the unique table keeps finding an owner's best through its index
        g.add_guest("zed", 2, table={"id": 3})      # not better than 8: not stored
        g.add_guest("zed", 12, table={"id": 3})     # replaces 8
        assert sorts_of(g.fetch(table={"id": 3})) == [12, 9]
        assert sorts_of(g.fetch(table={"id": 3}, guest="zed")) == [12]
        o = GJ(s, FIXTURE["other_game"], {"id": FIXTURE["other_game"]["table"]})
        r = o.fetch()
        assert r.status_code == 200 and [(x["guest"], x["score"]) for x in r.json()["response"]["scores"]] == [("solo", "one")], r.text
    assert_schema2(export_lines(data), 15)  # one added, one replaced
    # the second start finds it upgraded and says nothing of it
    with Stack(workers=2, data_dir=data) as s:
        assert "upgrading" not in s.log(), s.log()
        replay_after = game_of(s).fetch(limit=50)
        assert sorts_of(replay_after) == [45, 45, 30, 30, 30, 20, 10, -5]


def test_arcadectl_init_upgrades(tmp_path):
    data = import_schema1(tmp_path)
    p = ctl(data, "init")
    assert json.loads(p.stdout) == {"data": data, "schema": 2}, p.stdout
    assert "upgrading %s from schema 1 to 2" % data in p.stderr, p.stderr
    assert_schema2(export_lines(data))
    p = ctl(data, "init")
    assert "upgrading" not in p.stderr, p.stderr
    with Stack(workers=2, data_dir=data) as s:
        replay(game_of(s))


def test_newer_schema_is_refused(tmp_path):
    # a database whose schema record says 3: made by a newer arcade
    with open(EXPORT) as f:
        lines = f.read().splitlines()
    schema_key = b"schema".hex()
    i = next(n for n, x in enumerate(lines) if f'"key":"{schema_key}"' in x)
    lines[i] = json.dumps({"db": "meta", "key": schema_key, "value": "%016x" % 3}, separators=(",", ":"))
    newer = tmp_path / "newer.jsonl"
    newer.write_text("\n".join(lines) + "\n")
    data = str(tmp_path / "data")
    ctl(data, "import", str(newer))
    before = open(os.path.join(data, "data.mdb"), "rb").read()
    p = ctl(data, "init", check=False)
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    assert "was written by a newer arcade (schema 3; this one knows 2)" in p.stderr, p.stderr
    s = start_without_init(data)
    with pytest.raises(Exception) as e:
        s.start()
    s.stop()
    assert "newer arcade" in str(e.value), str(e.value)
    assert open(os.path.join(data, "data.mdb"), "rb").read() == before
