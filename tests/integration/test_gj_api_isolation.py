"""Tenant isolation across the Game Jolt API: game A's signature, players,
trophy ids, data and friendships never reach game B (API-GAMEJOLT.md:
Signature; docs/gamejolt.md: Check order, batch notes)."""

import pytest

from gjapi import (AGO, E_BAD_TROPHY, E_BADSIG, E_GAME, E_NO_ITEM, E_NO_USER_FOUND, E_USER,
                   assert_doc, assert_fail, assert_success, batch_get, befriend, creds, jresp,
                   make_trophy, sub, sub_request, trophy_item, user_item)
from gjtest import new_gj


class World:
    pass


@pytest.fixture
def two(stack):
    """Games A and B, each with players alice and bob (same names, their own
    tokens), a trophy, game data under the same key, alice's user data, and
    alice+bob friends in A only."""
    w = World()
    w.s = stack
    w.A, w.B = new_gj(stack, "tenant-A"), new_gj(stack, "tenant-B")
    w.aA, w.bA = w.A.player("alice"), w.A.player("bob")
    w.aB, w.bB = w.B.player("alice"), w.B.player("bob")
    assert w.aA["token"] != w.aB["token"]
    w.tA = make_trophy(w.A, "A's trophy", "only in A", "gold")
    w.tB = make_trophy(w.B, "B's trophy", "only in B", "bronze")
    for g, who in ((w.A, "A"), (w.B, "B")):
        assert_success(g.get("data-store/set", [("key", "save"), ("data", f"game {who}")]))
        assert_success(g.get("data-store/set", [("key", f"only-{who}"), ("data", who)]))
    assert_success(w.A.get("data-store/set", [("key", "save"), ("data", "alice in A")]
                           + creds(w.aA)))
    assert_success(w.B.get("data-store/set", [("key", "save"), ("data", "alice in B")]
                           + creds(w.aB)))
    befriend(w.A, w.aA, w.bA)
    return w


def signed_for(w, game_signing, endpoint, params, game_id):
    """A request naming `game_id` but signed with `game_signing`'s key."""
    return w.s.gj_get(endpoint, [("game_id", str(game_id))] + list(params), game_signing)


@pytest.mark.parametrize("endpoint,params", [
    ("users", [("username", "alice")]),
    ("users/auth", None),
    ("sessions/open", None),
    ("trophies", None),
    ("trophies/add-achieved", "trophy"),
    ("data-store", [("key", "save")]),
    ("data-store/set", [("key", "save"), ("data", "overwritten")]),
    ("data-store/remove", [("key", "save")]),
    ("data-store/get-keys", []),
    ("friends", None),
    ("time", []),
    ("batch", "batch"),
])
def test_signature_of_A_never_accepted_for_B(two, endpoint, params):
    w = two
    if params is None:
        params = creds(w.aB)
    elif params == "trophy":
        params = creds(w.aB) + [("trophy_id", str(w.tB["id"]))]
    elif params == "batch":
        params = [("requests[]", sub(w.B, "data-store/set", [("key", "save"), ("data", "x")]))]
    r = signed_for(w, w.A.game, endpoint, params, w.B.id)
    assert_fail(r, E_BADSIG)
    for fmt in ("keypair", "xml", "dump"):
        assert_fail(signed_for(w, w.A.game, endpoint, params + [("format", fmt)], w.B.id),
                    E_BADSIG, fmt)
    # B is untouched
    assert_doc(w.B.get("data-store", [("key", "save")]), data={"data": "game B"})
    assert_doc(w.B.get("trophies", creds(w.aB)), data={"trophies": [trophy_item(w.tB)]})


def test_players_of_A_unknown_in_B(two):
    w = two
    aA = w.aA
    for ep, extra in [("users/auth", []), ("sessions/open", []), ("sessions/check", []),
                      ("trophies", []), ("friends", []),
                      ("trophies/add-achieved", [("trophy_id", str(w.tB["id"]))]),
                      ("data-store", [("key", "save")]),
                      ("data-store/set", [("key", "save"), ("data", "x")]),
                      ("data-store/get-keys", [])]:
        assert_fail(w.B.get(ep, creds(aA) + extra), E_USER)
    assert_fail(w.B.get("users", [("user_id", str(aA["id"]))]), E_NO_USER_FOUND)
    # the same name in B is B's own player, with B's id
    assert_doc(w.B.get("users", [("username", "alice")]), data={"users": [user_item(w.aB)]})
    assert_doc(w.B.get("users", [("user_id", f"{aA['id']},{w.aB['id']}")]),
               data={"users": [user_item(w.aB)]})


def test_trophy_ids_of_A_do_nothing_in_B(two):
    w = two
    tid = [("trophy_id", str(w.tA["id"]))]
    assert_fail(w.B.get("trophies/add-achieved", creds(w.aB) + tid), E_BAD_TROPHY)
    assert_fail(w.B.get("trophies/remove-achieved", creds(w.aB) + tid), E_BAD_TROPHY)
    r = w.B.get("trophies", creds(w.aB) + tid)
    assert "A's trophy" not in r.text
    # achieving in A shows in A only
    assert_success(w.A.get("trophies/add-achieved", creds(w.aA) + tid))
    assert_doc(w.A.get("trophies", creds(w.aA)), data={"trophies": [trophy_item(w.tA, AGO)]})
    assert_doc(w.B.get("trophies", creds(w.aB)), data={"trophies": [trophy_item(w.tB)]})
    assert_doc(w.B.get("trophies", creds(w.aB) + [("achieved", "true")]), data={"trophies": []})


def test_data_of_A_not_in_B(two):
    w = two
    assert_doc(w.A.get("data-store", [("key", "save")]), data={"data": "game A"})
    assert_doc(w.B.get("data-store", [("key", "save")]), data={"data": "game B"})
    assert_doc(w.A.get("data-store", [("key", "save")] + creds(w.aA)), data={"data": "alice in A"})
    assert_doc(w.B.get("data-store", [("key", "save")] + creds(w.aB)), data={"data": "alice in B"})
    assert_fail(w.B.get("data-store", [("key", "only-A")]), E_NO_ITEM)
    keys = sorted(k["key"] for k in jresp(w.B.get("data-store/get-keys", []))["keys"])
    assert keys == ["only-B", "save"]
    keys = [k["key"] for k in jresp(w.B.get("data-store/get-keys", [("pattern", "only*")]))["keys"]]
    assert keys == ["only-B"]
    assert_fail(w.B.get("data-store/update", [("key", "only-A"), ("operation", "append"),
                                              ("value", "x")]), E_NO_ITEM)
    assert_success(w.B.get("data-store/remove", [("key", "save")]))
    assert_success(w.B.get("data-store/remove", [("key", "save")] + creds(w.aB)))
    assert_doc(w.A.get("data-store", [("key", "save")]), data={"data": "game A"})
    assert_doc(w.A.get("data-store", [("key", "save")] + creds(w.aA)), data={"data": "alice in A"})


def test_friends_of_A_not_in_B(two):
    w = two
    assert_doc(w.A.get("friends", creds(w.aA)), data={"friends": [{"friend_id": str(w.bA["id"])}]})
    assert_doc(w.B.get("friends", creds(w.aB)), data={"friends": []})
    assert_doc(w.B.get("friends", creds(w.bB)), data={"friends": []})


def test_sessions_of_A_not_in_B(two):
    w = two
    assert_success(w.A.get("sessions/open", creds(w.aA)))
    assert_doc(w.B.get("sessions/check", creds(w.aB)), success=False)
    assert_doc(w.B.get("users", [("username", "alice")]), data={"users": [user_item(w.aB)]})
    assert_doc(w.A.get("users", [("username", "alice")]),
               data={"users": [user_item(w.aA, last_logged_in="Online Now")]})


def test_batch_of_A_never_reaches_B(two):
    w = two
    subs = [sub_request(w.B.id, "data-store", [("key", "save")], game=w.A.game),
            sub_request(w.B.id, "data-store/set", [("key", "save"), ("data", "x")], game=w.A.game),
            sub_request(w.B.id, "friends", creds(w.aB), game=w.A.game),
            sub_request(w.B.id, "trophies", creds(w.aB), game=w.A.game),
            sub_request(w.B.id, "users", [("username", "alice")], game=w.A.game),
            sub(w.A, "data-store", [("key", "save")])]
    r = batch_get(w.A, subs)
    assert "game B" not in r.text and "B's trophy" not in r.text
    err = {"success": "false", "message": E_GAME}
    assert_doc(r, data={"responses": [err] * 5 + [{"success": "true", "data": "game A"}]})
    assert_doc(w.B.get("data-store", [("key", "save")]), data={"data": "game B"})
    # B's players' credentials inside A's batch: not A's players
    r = batch_get(w.A, [sub(w.A, "friends", creds(w.aB)), sub(w.A, "users/auth", creds(w.bB))])
    assert_doc(r, data={"responses": [{"success": "false", "message": E_USER}] * 2})
