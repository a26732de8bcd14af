"""Game Jolt users/ and users/auth/ (API-GAMEJOLT.md endpoint table;
docs/gamejolt.md: users/ notes, deliberate differences, messages)."""

import json

import pytest

from gjapi import (E_MANY_IDS, E_NEED_USER, E_NO_USER_FOUND, E_USER, FORMATS,
                   assert_doc, assert_fail, assert_success, creds, jresp, user_item,
                   with_fmt)
from gjtest import new_gj

USER_KEYS = ["id", "type", "username", "avatar_url", "signed_up", "signed_up_timestamp",
             "last_logged_in", "last_logged_in_timestamp", "status", "developer_name",
             "developer_website", "developer_description"]


# ================================================================ users/
def test_users_by_username_fields_types_and_bytes(gj):
    p = gj.player("alice")
    r = gj.get("users", [("username", "alice")])
    resp = jresp(r)
    assert list(resp) == ["success", "users"]
    assert resp["success"] == "true"
    (u,) = resp["users"]
    assert list(u) == USER_KEYS
    for k in USER_KEYS:
        if k.endswith("_timestamp"):
            assert type(u[k]) is int, (k, u[k])        # *_timestamp: numbers
        else:
            assert type(u[k]) is str, (k, u[k])        # ids and the rest: strings
    assert u["id"] == str(p["id"])
    assert u["type"] == "User" and u["status"] == "Active"
    assert u["developer_name"] == "alice"
    assert u["developer_website"] == "" and u["developer_description"] == ""
    # never opened a session: last_logged_in is the sign-up time
    assert u["last_logged_in_timestamp"] == u["signed_up_timestamp"]
    assert_doc(r, data={"users": [user_item(p)]})


@pytest.mark.parametrize("fmt", FORMATS)
def test_users_by_username_every_format(gj, fmt):
    p = gj.player("alice")
    assert_doc(gj.get("users", with_fmt([("username", "alice")], fmt)), fmt,
               data={"users": [user_item(p)]})


def test_users_username_case_insensitive(gj):
    p = gj.player("Alice")
    assert_doc(gj.get("users", [("username", "aLICE")]), data={"users": [user_item(p)]})


def test_users_avatar_url_is_player_image(gj):
    url = "https://cdn.example.com/a/b.png"
    p = gj.s.ctl("player", "create", "--game", gj.game["id"], "--username", "pic",
                 "--image-url", url)
    r = gj.get("users", [("username", "pic")])
    assert '"avatar_url":"https:\\/\\/cdn.example.com\\/a\\/b.png"' in r.text
    assert_doc(r, data={"users": [user_item(p, avatar_url=url)]})


def test_users_unknown_username(gj):
    gj.player("alice")
    assert_fail(gj.get("users", [("username", "bob")]), E_NO_USER_FOUND)


def test_users_neither_username_nor_id(gj):
    gj.player("alice")
    for fmt in FORMATS:
        assert_fail(gj.get("users", with_fmt([], fmt)), E_NEED_USER, fmt)


def test_users_by_single_id(gj):
    p = gj.player("alice")
    gj.player("bob")
    assert_doc(gj.get("users", [("user_id", str(p["id"]))]), data={"users": [user_item(p)]})


def test_users_by_id_list(gj):
    a = gj.player("a")
    gj.player("b")                  # between them, not asked for
    c = gj.player("c")
    ids = f"{a['id']},{c['id']}"
    assert_doc(gj.get("users", [("user_id", ids)]), data={"users": [user_item(a), user_item(c)]})
    for fmt in FORMATS:
        assert_doc(gj.get("users", with_fmt([("user_id", ids)], fmt)), fmt,
                   data={"users": [user_item(a), user_item(c)]})


def test_users_by_id_list_any_order_finds_all(gj):
    a, b, c = gj.player("a"), gj.player("b"), gj.player("c")
    r = gj.get("users", [("user_id", f"{c['id']},{a['id']},{b['id']}")])
    resp = jresp(r)
    assert resp["success"] == "true"
    assert sorted(u["username"] for u in resp["users"]) == ["a", "b", "c"]
    assert sorted(u["id"] for u in resp["users"]) == sorted(str(p["id"]) for p in (a, b, c))


def test_users_unknown_ids_left_out(gj):
    a, b = gj.player("a"), gj.player("b")
    big = str(a["id"] + b["id"] + 100000)
    r = gj.get("users", [("user_id", f"{big},{a['id']},999999999,{b['id']}")])
    assert_doc(r, data={"users": [user_item(a), user_item(b)]})


def test_users_no_id_found(gj):
    gj.player("a")
    assert_fail(gj.get("users", [("user_id", "999999998,999999999")]), E_NO_USER_FOUND)
    assert_fail(gj.get("users", [("user_id", "999999999")]), E_NO_USER_FOUND)


def test_users_100_ids_allowed_101_refused(gj):
    a = gj.player("a")
    ids = [str(a["id"])] + [str(900000000 + i) for i in range(99)]
    assert len(ids) == 100
    assert_doc(gj.get("users", [("user_id", ",".join(ids))]), data={"users": [user_item(a)]})
    ids.append("900000999")
    for fmt in FORMATS:
        assert_fail(gj.get("users", with_fmt([("user_id", ",".join(ids))], fmt)),
                    E_MANY_IDS, fmt)


def test_users_last_logged_in_online_now_while_session_open(gj):
    p = gj.player("alice")
    assert_success(gj.get("sessions/open", creds(p)))
    r = gj.get("users", [("username", "alice")])
    assert_doc(r, data={"users": [user_item(p, last_logged_in="Online Now")]})
    u = jresp(r)["users"][0]
    assert type(u["last_logged_in_timestamp"]) is int
    for fmt in FORMATS:
        assert_doc(gj.get("users", with_fmt([("user_id", str(p["id"]))], fmt)), fmt,
                   data={"users": [user_item(p, last_logged_in="Online Now")]})
    # after close: a time again ("N seconds ago"), still a number in json
    assert_success(gj.get("sessions/close", creds(p)))
    r = gj.get("users", [("username", "alice")])
    assert_doc(r, data={"users": [user_item(p)]})
    u = jresp(r)["users"][0]
    assert u["last_logged_in"] != "Online Now"


def test_users_online_now_only_for_the_player_with_the_session(gj):
    a, b = gj.player("a"), gj.player("b")
    assert_success(gj.get("sessions/open", creds(a)))
    r = gj.get("users", [("user_id", f"{a['id']},{b['id']}")])
    assert_doc(r, data={"users": [user_item(a, last_logged_in="Online Now"), user_item(b)]})


def test_users_of_another_game_not_found(stack, gj):
    other = new_gj(stack, "other-users")
    q = other.player("stranger")
    gj.player("local")
    assert_fail(gj.get("users", [("username", "stranger")]), E_NO_USER_FOUND)
    assert_fail(gj.get("users", [("user_id", str(q["id"]))]), E_NO_USER_FOUND)
    # and the other game does see its own player
    assert_doc(other.get("users", [("user_id", str(q["id"]))]), data={"users": [user_item(q)]})


def test_users_mixed_list_only_this_games_players(stack, gj):
    other = new_gj(stack, "other-users2")
    q = other.player("stranger")
    p = gj.player("local")
    r = gj.get("users", [("user_id", f"{q['id']},{p['id']}")])
    assert_doc(r, data={"users": [user_item(p)]})


# ============================================================ users/auth
@pytest.mark.parametrize("fmt", FORMATS)
def test_auth_success(gj, fmt):
    p = gj.player("alice")
    assert_doc(gj.get("users/auth", with_fmt(creds(p), fmt)), fmt)


def test_auth_uppercase_token_and_username(gj):
    p = gj.player("alice")
    assert p["token"] != p["token"].upper()
    assert_success(gj.get("users/auth", [("username", "ALICE"),
                                         ("user_token", p["token"].upper())]))


@pytest.mark.parametrize("fmt", FORMATS)
def test_auth_wrong_token(gj, fmt):
    p = gj.player("alice")
    bad = ("0" if p["token"][0] != "0" else "1") + p["token"][1:]
    assert_fail(gj.get("users/auth", with_fmt([("username", "alice"), ("user_token", bad)], fmt)),
                E_USER, fmt)


def test_auth_unknown_user(gj):
    p = gj.player("alice")
    assert_fail(gj.get("users/auth", [("username", "nobody"), ("user_token", p["token"])]),
                E_USER)


def test_auth_missing_token_or_username(gj):
    p = gj.player("alice")
    assert_fail(gj.get("users/auth", [("username", "alice")]), E_USER)
    assert_fail(gj.get("users/auth", [("username", "alice"), ("user_token", "")]), E_USER)
    assert_fail(gj.get("users/auth", [("user_token", p["token"])]), E_USER)


def test_auth_other_players_token(gj):
    gj.player("alice")
    b = gj.player("bob")
    assert_fail(gj.get("users/auth", [("username", "alice"), ("user_token", b["token"])]), E_USER)


def test_auth_after_new_token(gj):
    p = gj.player("alice")
    q = gj.s.ctl("player", "token", "--game", gj.game["id"], "--player", p["id"])
    assert q["token"] != p["token"]
    assert_fail(gj.get("users/auth", creds(p)), E_USER)
    assert_success(gj.get("users/auth", creds(q)))


def test_auth_player_of_another_game(stack, gj):
    other = new_gj(stack, "other-auth")
    q = other.player("stranger")
    assert_fail(gj.get("users/auth", creds(q)), E_USER)
    assert_success(other.get("users/auth", creds(q)))


def test_auth_post_fields(gj):
    p = gj.player("alice")
    assert_success(gj.post("users/auth", [], creds(p)))
    r = gj.post("users/auth", [], [("username", "alice"), ("user_token", "nope")])
    assert_fail(r, E_USER)
    assert json.loads(r.text)["response"]["success"] == "false"
