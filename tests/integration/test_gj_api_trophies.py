"""Game Jolt trophies/, trophies/add-achieved (add_achieved) and
trophies/remove-achieved (remove_achieved) (API-GAMEJOLT.md endpoint table;
docs/gamejolt.md: no secret flag, `achieved` "false" or a time in words,
messages)."""

import pytest

from gjapi import (AGO, E_BAD_TROPHY, E_HAS_TROPHY, E_MANY_IDS, E_NEED_TROPHY,
                   E_NOT_HAS_TROPHY, E_USER, FORMATS, NASTY, assert_doc, assert_fail,
                   assert_success, creds, jresp, make_trophy, trophy_item, with_fmt)
from gjtest import new_gj

TROPHY_KEYS = ["id", "title", "description", "difficulty", "image_url", "achieved"]
ADD_ALIASES = ["trophies/add-achieved", "trophies/add_achieved"]
REMOVE_ALIASES = ["trophies/remove-achieved", "trophies/remove_achieved"]


@pytest.fixture
def four(gj):
    """A game with one trophy of each difficulty and a player."""
    ts = [make_trophy(gj, "First", "Do a thing", "bronze"),
          make_trophy(gj, "Second", "Do more", "silver", "https://x.example/t/2.png"),
          make_trophy(gj, "Third", "Even more", "gold"),
          make_trophy(gj, "Fourth", "Everything", "platinum")]
    return gj, ts, gj.player("alice")


def fetch(gj, p, extra=(), fmt=None):
    return gj.get("trophies", with_fmt(creds(p) + list(extra), fmt))


def achieve(gj, p, t, endpoint="trophies/add-achieved"):
    assert_success(gj.get(endpoint, creds(p) + [("trophy_id", str(t["id"]))]))


# ============================================================ trophies/
def test_fetch_all_none_achieved_fields_types(four):
    gj, ts, p = four
    r = fetch(gj, p)
    resp = jresp(r)
    assert list(resp) == ["success", "trophies"]
    for it in resp["trophies"]:
        assert list(it) == TROPHY_KEYS
        assert all(type(v) is str for v in it.values()), it     # ids are strings
    assert [it["difficulty"] for it in resp["trophies"]] == ["Bronze", "Silver", "Gold",
                                                             "Platinum"]
    assert_doc(r, data={"trophies": [trophy_item(t) for t in ts]})


@pytest.mark.parametrize("fmt", FORMATS)
def test_fetch_every_format(four, fmt):
    gj, ts, p = four
    achieve(gj, p, ts[1])
    items = [trophy_item(t, AGO if t is ts[1] else "false") for t in ts]
    assert_doc(fetch(gj, p, fmt=fmt), fmt, data={"trophies": items})


def test_image_url_escaped_in_json(four):
    gj, ts, p = four
    r = fetch(gj, p, [("trophy_id", str(ts[1]["id"]))])
    assert '"image_url":"https:\\/\\/x.example\\/t\\/2.png"' in r.text
    assert_doc(r, data={"trophies": [trophy_item(ts[1])]})


def test_achieved_filter(four):
    gj, ts, p = four
    achieve(gj, p, ts[0])
    achieve(gj, p, ts[2])
    assert_doc(fetch(gj, p), data={"trophies": [
        trophy_item(ts[0], AGO), trophy_item(ts[1]), trophy_item(ts[2], AGO),
        trophy_item(ts[3])]})
    assert_doc(fetch(gj, p, [("achieved", "true")]), data={"trophies": [
        trophy_item(ts[0], AGO), trophy_item(ts[2], AGO)]})
    assert_doc(fetch(gj, p, [("achieved", "false")]), data={"trophies": [
        trophy_item(ts[1]), trophy_item(ts[3])]})


def test_achieved_filter_empty_results(four):
    gj, ts, p = four
    assert_doc(fetch(gj, p, [("achieved", "true")]), data={"trophies": []})
    for fmt in FORMATS:
        assert_doc(fetch(gj, p, [("achieved", "true")], fmt), fmt, data={"trophies": []})
    for t in ts:
        achieve(gj, p, t)
    assert_doc(fetch(gj, p, [("achieved", "false")]), data={"trophies": []})


def test_achieved_is_a_time_in_words(four):
    gj, ts, p = four
    achieve(gj, p, ts[3])
    it = jresp(fetch(gj, p, [("trophy_id", str(ts[3]["id"]))]))["trophies"][0]
    assert it["achieved"] != "false"
    assert it["achieved"].endswith(" ago"), it
    AGO.check(it["achieved"], "json")


def test_trophy_id_list(four):
    gj, ts, p = four
    achieve(gj, p, ts[2])
    assert_doc(fetch(gj, p, [("trophy_id", f"{ts[0]['id']},{ts[2]['id']}")]),
               data={"trophies": [trophy_item(ts[0]), trophy_item(ts[2], AGO)]})
    assert_doc(fetch(gj, p, [("trophy_id", str(ts[3]["id"]))]),
               data={"trophies": [trophy_item(ts[3])]})


def test_trophy_id_list_any_order(four):
    gj, ts, p = four
    resp = jresp(fetch(gj, p, [("trophy_id", f"{ts[3]['id']},{ts[0]['id']}")]))
    assert resp["success"] == "true"
    assert sorted(it["id"] for it in resp["trophies"]) == sorted(
        [str(ts[0]["id"]), str(ts[3]["id"])])


def test_trophy_id_list_unknown_and_malformed_left_out(four):
    gj, ts, p = four
    r = fetch(gj, p, [("trophy_id", f"999999999,{ts[1]['id']},abc")])
    assert_doc(r, data={"trophies": [trophy_item(ts[1])]})


def test_trophy_id_of_another_game_never_shown(stack, four):
    gj, ts, p = four
    other = new_gj(stack, "other-trophies")
    secret = make_trophy(other, "Secret title", "Secret description", "gold")
    r = fetch(gj, p, [("trophy_id", str(secret["id"]))])
    assert "Secret" not in r.text
    resp = jresp(r)
    assert resp["success"] == "true" and resp["trophies"] == [] or \
        resp == {"success": "false", "message": E_BAD_TROPHY}, resp
    r = fetch(gj, p, [("trophy_id", f"{secret['id']},{ts[0]['id']}")])
    assert "Secret" not in r.text


def test_trophy_id_more_than_100(four):
    gj, ts, p = four
    ids = [str(ts[0]["id"])] + [str(900000000 + i) for i in range(99)]
    assert_doc(fetch(gj, p, [("trophy_id", ",".join(ids))]),
               data={"trophies": [trophy_item(ts[0])]})
    ids.append("900000999")
    assert_fail(fetch(gj, p, [("trophy_id", ",".join(ids))]), E_MANY_IDS)


def test_no_trophies(gj):
    p = gj.player("alice")
    for fmt in FORMATS:
        assert_doc(fetch(gj, p, fmt=fmt), fmt, data={"trophies": []})


def test_nasty_title_description_every_format(gj):
    title = NASTY.replace("\r\n", " ")        # titles hold no control characters
    try:
        t = make_trophy(gj, title, "desc " + NASTY, "gold")
    except Exception:                           # descriptions may refuse them too
        t = make_trophy(gj, title, "desc " + title, "gold")
    p = gj.player("alice")
    for fmt in FORMATS:
        assert_doc(fetch(gj, p, fmt=fmt), fmt, data={"trophies": [trophy_item(t)]})


def test_achievements_are_per_player(four):
    gj, ts, p = four
    q = gj.player("bob")
    achieve(gj, p, ts[0])
    assert_doc(fetch(gj, q, [("achieved", "true")]), data={"trophies": []})
    assert_doc(fetch(gj, p, [("achieved", "true")]), data={"trophies": [trophy_item(ts[0], AGO)]})


def test_fetch_bad_credentials(four):
    gj, ts, p = four
    for fmt in FORMATS:
        assert_fail(gj.get("trophies", with_fmt([("username", "alice"), ("user_token", "x")],
                                                fmt)), E_USER, fmt)
    assert_fail(gj.get("trophies", [("username", "nobody"), ("user_token", p["token"])]), E_USER)
    assert_fail(gj.get("trophies", [("username", "alice")]), E_USER)
    assert_fail(gj.get("trophies", []), E_USER)


def test_fetch_uppercase_token(four):
    gj, ts, p = four
    assert_doc(gj.get("trophies", [("username", "ALICE"), ("user_token", p["token"].upper()),
                                   ("trophy_id", str(ts[0]["id"]))]),
               data={"trophies": [trophy_item(ts[0])]})


# ================================================ add-achieved / remove
@pytest.mark.parametrize("add_ep", ADD_ALIASES)
@pytest.mark.parametrize("remove_ep", REMOVE_ALIASES)
def test_add_then_remove(four, add_ep, remove_ep):
    gj, ts, p = four
    tid = [("trophy_id", str(ts[1]["id"]))]
    assert_success(gj.get(add_ep, creds(p) + tid))
    assert_doc(fetch(gj, p, tid), data={"trophies": [trophy_item(ts[1], AGO)]})
    assert_fail(gj.get(add_ep, creds(p) + tid), E_HAS_TROPHY)
    assert_success(gj.get(remove_ep, creds(p) + tid))
    assert_doc(fetch(gj, p, tid), data={"trophies": [trophy_item(ts[1])]})
    assert_fail(gj.get(remove_ep, creds(p) + tid), E_NOT_HAS_TROPHY)


@pytest.mark.parametrize("fmt", FORMATS)
def test_add_remove_every_format(four, fmt):
    gj, ts, p = four
    tid = [("trophy_id", str(ts[0]["id"]))]
    assert_doc(gj.get("trophies/add-achieved", with_fmt(creds(p) + tid, fmt)), fmt)
    assert_fail(gj.get("trophies/add-achieved", with_fmt(creds(p) + tid, fmt)),
                E_HAS_TROPHY, fmt)
    assert_doc(gj.get("trophies/remove-achieved", with_fmt(creds(p) + tid, fmt)), fmt)
    assert_fail(gj.get("trophies/remove-achieved", with_fmt(creds(p) + tid, fmt)),
                E_NOT_HAS_TROPHY, fmt)


@pytest.mark.parametrize("ep", ADD_ALIASES + REMOVE_ALIASES)
def test_missing_trophy_id(four, ep):
    gj, ts, p = four
    for fmt in FORMATS:
        assert_fail(gj.get(ep, with_fmt(creds(p), fmt)), E_NEED_TROPHY, fmt)
    assert_fail(gj.get(ep, creds(p) + [("trophy_id", "")]), E_NEED_TROPHY)


@pytest.mark.parametrize("ep", ADD_ALIASES + REMOVE_ALIASES)
@pytest.mark.parametrize("bad", ["abc", "1x", "-1", "0", "999999999", "1,2"])
def test_bad_trophy_id(four, ep, bad):
    gj, ts, p = four
    assert_fail(gj.get(ep, creds(p) + [("trophy_id", bad)]), E_BAD_TROPHY)
    assert_doc(fetch(gj, p, [("achieved", "true")]), data={"trophies": []})


@pytest.mark.parametrize("ep", ADD_ALIASES + REMOVE_ALIASES)
def test_trophy_of_another_game(stack, four, ep):
    gj, ts, p = four
    other = new_gj(stack, "other-trophy")
    theirs = make_trophy(other, "Theirs", "not yours", "bronze")
    q = other.player("alice")
    if "remove" in ep:
        # the trophy is achieved in its own game: still not removable from here
        achieve(other, q, theirs)
    assert_fail(gj.get(ep, creds(p) + [("trophy_id", str(theirs["id"]))]), E_BAD_TROPHY)
    assert_doc(fetch(gj, p, [("achieved", "true")]), data={"trophies": []})
    expected = AGO if "remove" in ep else "false"
    assert_doc(fetch(other, q), data={"trophies": [trophy_item(theirs, expected)]})


@pytest.mark.parametrize("ep", ADD_ALIASES + REMOVE_ALIASES)
def test_add_remove_bad_credentials(four, ep):
    gj, ts, p = four
    tid = [("trophy_id", str(ts[0]["id"]))]
    for fmt in FORMATS:
        assert_fail(gj.get(ep, with_fmt([("username", "alice"), ("user_token", "0" * 32)] + tid,
                                        fmt)), E_USER, fmt)
    assert_fail(gj.get(ep, [("username", "nobody"), ("user_token", p["token"])] + tid), E_USER)
    assert_fail(gj.get(ep, tid), E_USER)
    assert_doc(fetch(gj, p, [("achieved", "true")]), data={"trophies": []})


def test_add_with_uppercase_credentials_and_post(four):
    gj, ts, p = four
    assert_success(gj.post("trophies/add-achieved", [],
                           [("username", "ALICE"), ("user_token", p["token"].upper()),
                            ("trophy_id", str(ts[2]["id"]))]))
    assert_doc(fetch(gj, p, [("achieved", "true")]), data={"trophies": [trophy_item(ts[2], AGO)]})
    assert_success(gj.post("trophies/remove_achieved", [],
                           creds(p) + [("trophy_id", str(ts[2]["id"]))]))
    assert_doc(fetch(gj, p, [("achieved", "true")]), data={"trophies": []})
