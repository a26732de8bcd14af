"""arcadectl --json outputs that the tests (and operators' scripts) rely on
(CLI.md and the harness contract)."""

import re

HEX32 = re.compile(r"[0-9a-f]{32}")


def test_game_create_and_list(stack):
    g = stack.ctl("game", "create", "--name", "Listed Game")
    # CLI.md's fields, plus "rate" (the game's Game Jolt bucket; fields may be added)
    assert set(g) == {"id", "name", "private_key", "rate"}, g
    assert g["rate"] == "default"
    assert isinstance(g["id"], int) and not isinstance(g["id"], bool)
    assert g["name"] == "Listed Game"
    assert HEX32.fullmatch(g["private_key"]), g["private_key"]
    items = stack.ctl("game", "list")["items"]
    mine = [it for it in items if it.get("id") == g["id"]]
    assert len(mine) == 1 and mine[0]["name"] == "Listed Game", items
    for it in items:            # fields may be added (CLI.md), secrets never listed
        assert {"id", "name"} <= set(it), it
        assert "private_key" not in it, it
        assert g["private_key"] not in repr(it)


def test_private_keys_differ(stack):
    a = stack.ctl("game", "create", "--name", "a")
    b = stack.ctl("game", "create", "--name", "b")
    assert a["id"] != b["id"]
    assert a["private_key"] != b["private_key"]


def test_player_create(stack):
    g = stack.ctl("game", "create", "--name", "players")
    p = stack.ctl("player", "create", "--game", g["id"], "--username", "Neo")
    assert set(p) == {"id", "game", "username", "token"}
    assert p["game"] == g["id"] and p["username"] == "Neo"
    assert isinstance(p["id"], int) and not isinstance(p["id"], bool)
    assert HEX32.fullmatch(p["token"]), p["token"]


def test_player_duplicate_username_case_insensitive_fails(stack):
    g = stack.ctl("game", "create", "--name", "dups")
    stack.ctl("player", "create", "--game", g["id"], "--username", "Trinity")
    for name in ("Trinity", "TRINITY", "trinity"):
        p = stack.ctl_raw("player", "create", "--game", g["id"], "--username", name)
        assert p.returncode != 0, p.stdout
        assert p.stderr.strip(), "a failure says why on stderr"


def test_same_username_in_another_game_is_fine(stack):
    g1 = stack.ctl("game", "create", "--name", "g1")
    g2 = stack.ctl("game", "create", "--name", "g2")
    a = stack.ctl("player", "create", "--game", g1["id"], "--username", "Morpheus")
    b = stack.ctl("player", "create", "--game", g2["id"], "--username", "Morpheus")
    assert a["id"] != b["id"] and a["token"] != b["token"]


def test_ids_of_each_kind_unique_across_games(stack):
    games, tables, players = [], [], []
    for i in range(3):
        g = stack.ctl("game", "create", "--name", f"ids{i}")
        games.append(g["id"])
        for j in range(2):
            tables.append(stack.ctl("table", "create", "--game", g["id"], "--name", "t")["id"])
            players.append(stack.ctl("player", "create", "--game", g["id"],
                                     "--username", f"u{j}")["id"])
    for ids in (games, tables, players):
        assert len(set(ids)) == len(ids), ids


def test_stats(stack):
    st = stack.ctl("stats")
    for k in ("map_size", "map_used", "readers", "entries"):
        assert k in st, st
        assert isinstance(st[k], int), (k, st[k])
    assert st["map_size"] >= st["map_used"] > 0


def test_table_create_unknown_game_fails(stack):
    p = stack.ctl_raw("table", "create", "--game", "987654321", "--name", "x")
    assert p.returncode != 0
    assert p.stderr.strip()
