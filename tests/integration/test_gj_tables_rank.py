"""Game Jolt scores/tables and scores/get-rank."""

import json
import random

import pytest

from gjtest import (E_RANK, E_TABLE, INT64_MAX, INT64_MIN, assert_error, assert_ok,
                    new_gj, php_json)


def tbl(t, primary):
    return [("id", str(t["id"])), ("name", t["name"]), ("description", t["description"]),
            ("primary", "1" if primary else "0")]


# ================================================================ tables
def test_tables_single(gj):
    r = gj.get("scores/tables")
    assert_ok(r, lists=[("tables", "table", [tbl(gj.table, True)])])
    t = gj.table
    assert r.text == ('{"response":{"success":"true","tables":[{"id":"%d","name":"Main",'
                      '"description":"","primary":"1"}]}}' % t["id"])


def test_tables_primary_moves(gj):
    t2 = gj.new_table("Second", "--description", "Second / best é")
    t3 = gj.new_table("Third", "--primary", "--description", 'with "quotes"')
    r = gj.get("scores/tables")
    assert_ok(r, lists=[("tables", "table", [tbl(gj.table, False), tbl(t2, False),
                                             tbl(t3, True)])])
    assert '"description":"Second \\/ best \\u00e9"' in r.text


@pytest.mark.parametrize("fmt", ["keypair", "dump", "xml"])
def test_tables_other_formats(gj, fmt):
    t2 = gj.new_table("Two", "--description", "d]]>x\"y")
    assert_ok(gj.get("scores/tables", [("format", fmt)]), fmt,
              lists=[("tables", "table", [tbl(gj.table, True), tbl(t2, False)])])


def test_tables_v1_default_keypair(gj):
    r = gj.get("scores/tables", version="v1")
    t = gj.table
    assert_ok(r, "keypair", lists=[("tables", "table", [tbl(t, True)])])
    assert r.text == ('success:"true"\r\nid:"%d"\r\nname:"Main"\r\ndescription:""\r\n'
                      'primary:"1"\r\n' % t["id"])


def test_tables_game_without_tables(stack):
    game = stack.ctl("game", "create", "--name", "no-tables")
    r = stack.gj_get("scores/tables", [("game_id", str(game["id"]))], game)
    assert_ok(r, lists=[("tables", "table", [])])
    assert r.text == '{"response":{"success":"true","tables":[]}}'


def test_tables_are_per_game(stack, gj):
    other = new_gj(stack, "other")
    other.new_table("Theirs")
    assert_ok(gj.get("scores/tables"), lists=[("tables", "table", [tbl(gj.table, True)])])


def test_table_create_output(stack):
    game = stack.ctl("game", "create", "--name", "ctl-tables")
    t1 = stack.ctl("table", "create", "--game", game["id"], "--name", "A")
    assert t1 == {"id": t1["id"], "game": game["id"], "name": "A", "description": "",
                  "primary": True, "guests": "allow", "order": "desc", "unique": False}
    assert isinstance(t1["id"], int)
    t2 = stack.ctl("table", "create", "--game", game["id"], "--name", "B",
                   "--description", "dd", "--guests", "deny", "--order", "asc", "--unique")
    assert t2 == {"id": t2["id"], "game": game["id"], "name": "B", "description": "dd",
                  "primary": False, "guests": "deny", "order": "asc", "unique": True}
    t3 = stack.ctl("table", "create", "--game", game["id"], "--name", "C", "--primary")
    assert t3["primary"] is True
    assert len({t1["id"], t2["id"], t3["id"]}) == 3


# ================================================================ get-rank
def test_rank_empty_table(gj):
    r = gj.rank(12345)
    assert_ok(r, pairs=[("rank", "1")])
    assert r.text == '{"response":{"success":"true","rank":"1"}}'
    gj.assert_rank(INT64_MIN, 1)
    gj.assert_rank(INT64_MAX, 1)


@pytest.fixture(scope="module")
def ranked(stack):
    """desc and asc tables holding 50, 40, 40, 30, 10."""
    d = new_gj(stack, "rank-desc")
    a = new_gj(stack, "rank-asc", ("--order", "asc"))
    for i, s in enumerate([40, 10, 50, 40, 30]):
        d.add_guest(f"g{i}", s)
        a.add_guest(f"g{i}", s)
    return d, a


@pytest.mark.parametrize("sort,rank", [
    (1000, 1), (51, 1), (50, 1), (45, 2), (40, 2), (35, 4), (30, 4), (20, 5), (10, 5),
    (9, 6), (-1000, 6), (INT64_MAX, 1), (INT64_MIN, 6), (0, 6)])
def test_rank_desc(ranked, sort, rank):
    ranked[0].assert_rank(sort, rank)


@pytest.mark.parametrize("sort,rank", [
    (-1000, 1), (9, 1), (10, 1), (20, 2), (30, 2), (35, 3), (40, 3), (45, 5), (50, 5),
    (51, 6), (1000, 6), (INT64_MIN, 1), (INT64_MAX, 6)])
def test_rank_asc(ranked, sort, rank):
    ranked[1].assert_rank(sort, rank)


def test_rank_with_int64_extremes_stored(gj, make_gj):
    for s in [INT64_MAX, INT64_MIN, 0, INT64_MAX, INT64_MIN]:
        gj.add_guest("g", s)
    gj.assert_rank(INT64_MAX, 1)
    gj.assert_rank(INT64_MAX - 1, 3)
    gj.assert_rank(0, 3)
    gj.assert_rank(-1, 4)
    gj.assert_rank(INT64_MIN, 4)
    a = make_gj("--order", "asc")
    for s in [INT64_MAX, INT64_MIN, 0]:
        a.add_guest("g", s)
    a.assert_rank(INT64_MIN, 1)
    a.assert_rank(INT64_MIN + 1, 2)
    a.assert_rank(INT64_MAX, 3)


def test_rank_explicit_table_and_primary(gj):
    t2 = gj.new_table("Second")
    gj.add_guest("a", 100, table=t2)
    gj.add_guest("b", 1)
    gj.assert_rank(50, 2, table=t2)
    gj.assert_rank(50, 1)


def test_rank_counts_every_owner(gj):
    p = gj.player("p")
    gj.add_user(p, 10)
    gj.add_user(p, 20)
    gj.add_guest("g", 30)
    gj.assert_rank(5, 4)


@pytest.mark.parametrize("sort", [None, "", "abc", "1.5", " 1", "9223372036854775808",
                                  "-9223372036854775809"])
def test_rank_bad_sort(gj, sort):
    params = [] if sort is None else [("sort", sort)]
    assert_error(gj.get("scores/get-rank", params), E_RANK)


def test_rank_other_games_table(stack, gj):
    other = new_gj(stack, "other")
    assert_error(gj.rank(5, table=other.table), E_TABLE)


def test_rank_unknown_table(gj):
    assert_error(gj.rank(5, table_id="999999999"), E_TABLE)


@pytest.mark.parametrize("fmt,body", [
    ("keypair", 'success:"true"\r\nrank:"1"\r\n'),
    ("dump", 'SUCCESS\r\nrank:"1"\r\n'),
    ("xml", '<?xml version="1.0" encoding="UTF-8"?>\n<response><success><![CDATA[true]]>'
            '</success><rank><![CDATA[1]]></rank></response>'),
])
def test_rank_formats(gj, fmt, body):
    r = gj.rank(5, format=fmt)
    assert_ok(r, fmt, pairs=[("rank", "1")])
    text = r.text[:-1] if fmt == "xml" and r.text.endswith("\n") else r.text
    assert text == body


def test_rank_types_json(gj):
    gj.add_guest("g", 5)
    r = gj.rank(1)
    assert r.text == php_json({"response": {"success": "true", "rank": "2"}})


# ------------------------------------------- ranks agree with a reference model
@pytest.mark.parametrize("order", ["desc", "asc"])
def test_rank_and_order_match_reference_model(make_gj, order):
    """60 scores with duplicates and extremes (fixed seed): the fetched order is
    a stable sort of the submissions, and every rank is 1 + strictly better."""
    rnd = random.Random(20240601 if order == "desc" else 7)
    g = make_gj("--order", order)
    pool = [INT64_MIN, INT64_MAX, 0, -1, 1] + [rnd.randint(-20, 20) for _ in range(15)]
    sorts = [rnd.choice(pool) for _ in range(60)]
    for i, s in enumerate(sorts):
        g.add_guest(f"g{i:02d}", s)
    better = (lambda a, b: a > b) if order == "desc" else (lambda a, b: a < b)
    model = sorted(range(len(sorts)), key=lambda i: -sorts[i] if order == "desc" else sorts[i])
    r = g.fetch(limit="100")
    got = [(int(x["sort"]), x["guest"]) for x in json.loads(r.text)["response"]["scores"]]
    assert got == [(sorts[i], f"g{i:02d}") for i in model]
    probes = sorted(set(pool) | {INT64_MIN + 1, INT64_MAX - 1, -21, 21})
    for p in probes:
        g.assert_rank(p, 1 + sum(1 for s in sorts if better(s, p)))


def test_rank_empty_table_id_means_primary(gj):
    t2 = gj.new_table("Other")
    gj.add_guest("a", 10, table=t2)
    gj.add_guest("b", 1)
    assert_ok(gj.rank(5, table_id=""), pairs=[("rank", "1")])      # not t2's 2
    assert_ok(gj.rank(0, table_id=""), pairs=[("rank", "2")])
