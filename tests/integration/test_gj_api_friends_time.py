"""Game Jolt friends/ and time/ (get-time/) (API-GAMEJOLT.md endpoint table;
docs/gamejolt.md: friendships made with `arcadectl friend add`, time/ in UTC)."""

import calendar
import datetime
import time

import pytest

from gjapi import (E_USER, FORMATS, VERSIONS, DEFAULT_FMT, answer_leaves, assert_doc,
                   assert_fail, befriend, creds, jresp, time_data, with_fmt)
from gjtest import new_gj


def friends(gj, p, fmt=None):
    return gj.get("friends", with_fmt(creds(p), fmt))


def assert_friends(r, expected_players, fmt="json"):
    """Exactly these friends (order not fixed by the contract: taken from the
    answer), exact bytes in that order."""
    assert r.status_code == 200, r.text
    got = [v for k, v in answer_leaves(r.content.decode("utf-8"), fmt) if k == "friend_id"]
    assert sorted(got) == sorted(str(p["id"]) for p in expected_players), got
    assert_doc(r, fmt, data={"friends": [{"friend_id": i} for i in got]})


# ================================================================ friends/
@pytest.mark.parametrize("fmt", FORMATS)
def test_friends_empty(gj, fmt):
    p = gj.player("loner")
    assert_doc(friends(gj, p, fmt), fmt, data={"friends": []})


def test_friends_empty_bytes(gj):
    p = gj.player("loner")
    assert friends(gj, p).content == b'{"response":{"success":"true","friends":[]}}'


@pytest.mark.parametrize("fmt", FORMATS)
def test_friends_after_friend_add(gj, fmt):
    a, b, c = gj.player("a"), gj.player("b"), gj.player("c")
    befriend(gj, a, b)
    assert_friends(friends(gj, a, fmt), [b], fmt)
    assert_friends(friends(gj, b, fmt), [a], fmt)          # both ways
    assert_doc(friends(gj, c, fmt), fmt, data={"friends": []})


def test_friend_id_is_a_string(gj):
    a, b = gj.player("a"), gj.player("b")
    befriend(gj, a, b)
    r = friends(gj, a)
    assert r.content == ('{"response":{"success":"true","friends":[{"friend_id":"%d"}]}}'
                         % b["id"]).encode()
    assert type(jresp(r)["friends"][0]["friend_id"]) is str


def test_several_friends(gj):
    a, b, c, d = (gj.player(n) for n in "abcd")
    befriend(gj, a, b)
    befriend(gj, a, c)
    befriend(gj, d, a)
    for fmt in FORMATS:
        assert_friends(friends(gj, a, fmt), [b, c, d], fmt)
    assert_friends(friends(gj, b), [a])
    assert_friends(friends(gj, d), [a])


def test_friend_add_twice_lists_once(gj):
    a, b = gj.player("a"), gj.player("b")
    befriend(gj, a, b)
    try:
        befriend(gj, b, a)
    except Exception:
        pass                              # refusing a duplicate is fine too
    assert_friends(friends(gj, a), [b])
    assert_friends(friends(gj, b), [a])


def test_friends_bad_credentials(gj):
    a, b = gj.player("a"), gj.player("b")
    befriend(gj, a, b)
    for fmt in FORMATS:
        assert_fail(gj.get("friends", with_fmt([("username", "a"), ("user_token", "0" * 32)], fmt)),
                    E_USER, fmt)
    assert_fail(gj.get("friends", [("username", "nobody"), ("user_token", a["token"])]), E_USER)
    assert_fail(gj.get("friends", [("username", "a")]), E_USER)
    assert_fail(gj.get("friends", []), E_USER)


def test_friends_uppercase_credentials(gj):
    a, b = gj.player("Anna"), gj.player("b")
    befriend(gj, a, b)
    assert_friends(gj.get("friends", [("username", "ANNA"), ("user_token", a["token"].upper())]),
                   [b])


def test_friends_post(gj):
    a, b = gj.player("a"), gj.player("b")
    befriend(gj, a, b)
    assert_friends(gj.post("friends", [], creds(a)), [b])


def test_friend_add_across_games_refused(stack, gj):
    other = new_gj(stack, "other-friends")
    a = gj.player("a")
    q = other.player("q")
    p = stack.ctl_raw("friend", "add", "--game", gj.game["id"], "--player", a["id"],
                      "--player", q["id"])
    assert p.returncode != 0, p.stdout
    assert_doc(friends(gj, a), data={"friends": []})
    assert_doc(friends(other, q), data={"friends": []})


# ================================================================== time/
def check_time_consistent(resp):
    ts = resp["timestamp"]
    dt = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)
    assert (resp["year"], resp["month"], resp["day"], resp["hour"], resp["minute"],
            resp["second"]) == (dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second), resp
    assert calendar.timegm((resp["year"], resp["month"], resp["day"], resp["hour"],
                            resp["minute"], resp["second"])) == ts


@pytest.mark.parametrize("ep", ["time", "get-time"])
def test_time_json_types_and_values(gj, ep):
    before = time.time()
    r = gj.get(ep, [])
    after = time.time()
    resp = jresp(r)
    assert list(resp) == ["success", "timestamp", "timezone", "year", "month", "day", "hour",
                          "minute", "second"]
    assert resp["success"] == "true"
    assert resp["timezone"] == "UTC"
    for k in ("timestamp", "year", "month", "day", "hour", "minute", "second"):
        assert type(resp[k]) is int, (k, resp[k])          # numbers, not strings
    assert int(before) - 3 <= resp["timestamp"] <= after + 3
    check_time_consistent(resp)
    assert_doc(r, data=time_data())


@pytest.mark.parametrize("ep", ["time", "get-time"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_time_every_format(gj, ep, fmt):
    r = gj.get(ep, with_fmt([], fmt))
    assert_doc(r, fmt, data=time_data())
    vals = dict(answer_leaves(r.content.decode("utf-8"), fmt))
    if fmt != "json":
        assert all(isinstance(v, str) for v in vals.values())
        vals = {k: (v if k in ("success", "timezone") else int(v)) for k, v in vals.items()}
    assert vals["timezone"] == "UTC"
    assert abs(vals["timestamp"] - time.time()) <= 5
    check_time_consistent(vals)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("ep", ["time", "get-time"])
def test_time_versions_default_format(gj, version, ep):
    fmt = DEFAULT_FMT[version]
    assert_doc(gj.get(ep, [], version=version), fmt, data=time_data())


def test_time_post_and_no_other_parameters_needed(gj):
    assert_doc(gj.post("time", [], []), data=time_data())
    assert_doc(gj.post("get-time", [], [("format", "xml")]), "xml", data=time_data())


def test_time_keypair_bytes_shape(gj):
    r = gj.get("time", [("format", "keypair")])
    lines = r.content.decode().split("\r\n")
    assert lines[-1] == ""
    assert lines[0] == 'success:"true"' and lines[2] == 'timezone:"UTC"'
    assert [ln.split(":", 1)[0] for ln in lines[:-1]] == [
        "success", "timestamp", "timezone", "year", "month", "day", "hour", "minute", "second"]
