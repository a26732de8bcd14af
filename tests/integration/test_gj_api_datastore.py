"""Game Jolt data store: data-store/ (fetch), set, update, remove, get-keys;
game and user storage (API-GAMEJOLT.md endpoint table; docs/gamejolt.md:
endpoint notes, limits, messages, arithmetic rules, dump = raw data)."""

import pytest

from gjapi import (E_DATA, E_DATA_LONG, E_DIV0, E_KEY, E_KEY_LONG, E_NO_ITEM, E_NUMERIC,
                   E_OP, E_RANGE, E_USER, E_VALUE, FORMATS, NASTY, answer_leaves,
                   assert_doc, assert_fail, assert_success, creds, jresp, render, with_fmt)
from gjtest import new_gj

I64MAX = "9223372036854775807"
I64MIN = "-9223372036854775808"


def ds_set(gj, key, data, user=None, post=False):
    p = [("key", key), ("data", data)] + (creds(user) if user else [])
    r = gj.post("data-store/set", [], p) if post else gj.get("data-store/set", p)
    assert_success(r)


def ds_fetch(gj, key, user=None, fmt=None):
    return gj.get("data-store", with_fmt([("key", key)] + (creds(user) if user else []), fmt))


def assert_data(gj, key, value, user=None):
    for fmt in FORMATS:
        assert_doc(ds_fetch(gj, key, user, fmt), fmt, data={"data": value}, raw=value)


def update(gj, key, op, value, user=None, fmt=None):
    p = [("key", key), ("operation", op)]
    if value is not None:
        p.append(("value", value))
    return gj.get("data-store/update", with_fmt(p + (creds(user) if user else []), fmt))


def get_keys(gj, pattern=None, user=None, fmt=None):
    p = ([("pattern", pattern)] if pattern is not None else []) + (creds(user) if user else [])
    return gj.get("data-store/get-keys", with_fmt(p, fmt))


def assert_keys(r, expected, fmt="json"):
    """get-keys: exactly the `expected` keys (order not fixed by the
    contract: taken from the answer) and exact bytes in that order."""
    assert r.status_code == 200, r.text
    got = [v for k, v in answer_leaves(r.content.decode("utf-8"), fmt) if k == "key"]
    assert sorted(got) == sorted(expected), (got, expected)
    assert_doc(r, fmt, data={"keys": [{"key": k} for k in got]})


# ================================================================ fetch/set
@pytest.mark.parametrize("fmt", FORMATS)
def test_set_and_fetch_every_format(gj, fmt):
    assert_doc(gj.get("data-store/set", with_fmt([("key", "score"), ("data", "12345")], fmt)), fmt)
    assert_doc(ds_fetch(gj, "score", fmt=fmt), fmt, data={"data": "12345"}, raw="12345")


def test_fetch_json_bytes(gj):
    ds_set(gj, "k", "hello world")
    r = ds_fetch(gj, "k")
    assert r.content == b'{"response":{"success":"true","data":"hello world"}}'
    r = ds_fetch(gj, "k", fmt="dump")
    assert r.content == b"SUCCESS\r\nhello world"
    r = ds_fetch(gj, "k", fmt="keypair")
    assert r.content == b'success:"true"\r\ndata:"hello world"\r\n'


def test_set_overwrites(gj):
    ds_set(gj, "k", "1")
    ds_set(gj, "k", "two")
    assert_data(gj, "k", "two")


def test_set_by_post(gj):
    ds_set(gj, "k", "posted value", post=True)
    assert_data(gj, "k", "posted value")


@pytest.mark.parametrize("via_post", [False, True], ids=["get", "post"])
def test_nasty_value_every_format(gj, via_post):
    """quotes, backslash, CR LF, `]]>`, `/`, non-ASCII in and above the BMP."""
    ds_set(gj, "nasty", NASTY, post=via_post)
    assert_data(gj, "nasty", NASTY)
    r = ds_fetch(gj, "nasty")
    assert "\\u00e9" in r.text and "\\ud83d\\ude00" in r.text and "<\\/tag>" in r.text
    assert "]]]]><![CDATA[>" in ds_fetch(gj, "nasty", fmt="xml").text
    assert ds_fetch(gj, "nasty", fmt="dump").content == b"SUCCESS\r\n" + NASTY.encode("utf-8")


def test_nasty_key_every_format(gj):
    key = 'k"ey \\ ]]> é 😀 /x'
    ds_set(gj, key, "v", post=True)
    assert_data(gj, key, "v")
    for fmt in ("json", "keypair", "xml", "dump"):
        assert_keys(get_keys(gj, fmt=fmt), [key], fmt)


def test_fetch_missing_item(gj):
    for fmt in FORMATS:
        assert_fail(ds_fetch(gj, "nothing", fmt=fmt), E_NO_ITEM, fmt)


@pytest.mark.parametrize("ep", ["data-store", "data-store/set", "data-store/update",
                                "data-store/remove"])
def test_missing_key(gj, ep):
    params = {"data-store/set": [("data", "x")],
              "data-store/update": [("operation", "add"), ("value", "1")]}.get(ep, [])
    for fmt in FORMATS:
        assert_fail(gj.get(ep, with_fmt(params, fmt)), E_KEY, fmt)
    assert_fail(gj.get(ep, [("key", "")] + params), E_KEY)


def test_set_missing_data(gj):
    for fmt in FORMATS:
        assert_fail(gj.get("data-store/set", with_fmt([("key", "k")], fmt)), E_DATA, fmt)
    assert_fail(ds_fetch(gj, "k"), E_NO_ITEM)


def test_key_length_limit_in_bytes(gj):
    ok = "k" * 255
    ds_set(gj, ok, "v")
    assert_data(gj, ok, "v")
    assert_fail(gj.get("data-store/set", [("key", "k" * 256), ("data", "v")]), E_KEY_LONG)
    mb = "é" * 127 + "a"                         # 255 bytes
    ds_set(gj, mb, "w")
    assert_data(gj, mb, "w")
    assert_fail(gj.get("data-store/set", [("key", "é" * 128), ("data", "v")]), E_KEY_LONG)
    for fmt in FORMATS:
        assert_fail(gj.get("data-store/set", with_fmt([("key", "x" * 300), ("data", "v")], fmt)),
                    E_KEY_LONG, fmt)
    assert_keys(get_keys(gj), [ok, mb])


def test_data_length_limit(gj):
    big = "x" * 1000000
    ds_set(gj, "big", big, post=True)
    r = ds_fetch(gj, "big", fmt="dump")
    assert r.status_code == 200 and r.content == b"SUCCESS\r\n" + big.encode()
    assert jresp(ds_fetch(gj, "big"))["data"] == big
    r = gj.post("data-store/set", [], [("key", "big2"), ("data", big + "y")])
    assert_fail(r, E_DATA_LONG)
    assert_fail(ds_fetch(gj, "big2"), E_NO_ITEM)
    # 1,000,000 bytes is the limit, not characters (é is two bytes)
    r = gj.post("data-store/set", [], [("key", "big3"), ("data", "x" * 999999 + "é")])
    assert_fail(r, E_DATA_LONG)
    ds_set(gj, "big4", "x" * 999998 + "é", post=True)
    # update may not grow it beyond the limit either
    assert_fail(update(gj, "big", "append", "y"), E_DATA_LONG)
    assert_fail(update(gj, "big", "prepend", "y"), E_DATA_LONG)
    r = ds_fetch(gj, "big", fmt="dump")
    assert r.content == b"SUCCESS\r\n" + big.encode()


# ================================================================ update
ARITH = [
    # whole numbers stay whole
    ("5", "add", "3", "8"),
    ("5", "subtract", "8", "-3"),
    ("-4", "multiply", "6", "-24"),
    ("84", "divide", "4", "21"),
    ("0", "add", "-0", "0"),
    (I64MAX[:-1] + "6", "add", "1", I64MAX),
    (I64MIN[:-1] + "7", "subtract", "1", I64MIN),
    (I64MAX, "multiply", "1", I64MAX),
    (I64MIN, "divide", "1", I64MIN),
    # a divide that is not exact falls back to floating point
    ("7", "divide", "2", "3.5"),
    ("-7", "divide", "2", "-3.5"),
    ("1", "divide", "3", "0.333333333333333"),
    ("2", "divide", "3", "0.666666666666667"),
    # decimals: 15 significant digits
    ("1.5", "add", "2.25", "3.75"),
    ("0.1", "add", "0.2", "0.3"),
    ("5", "add", "2.5", "7.5"),
    ("10", "subtract", "0.5", "9.5"),
    ("-1.25", "multiply", "4.5", "-5.625"),
    ("2", "multiply", "0.5", "1"),
    ("9.75", "divide", "0.5", "19.5"),
    # strings
    ("abc", "append", "def", "abcdef"),
    ("abc", "prepend", "xy", "xyabc"),
    ("5", "append", "5", "55"),
    ("5", "prepend", "-", "-5"),
]


@pytest.mark.parametrize("data,op,value,result", ARITH,
                         ids=[f"{d}-{o}-{v}" for d, o, v, _ in ARITH])
def test_update(gj, data, op, value, result):
    ds_set(gj, "n", data)
    assert_doc(update(gj, "n", op, value), data={"data": result})
    assert_data(gj, "n", result)


@pytest.mark.parametrize("fmt", ["json", "keypair", "xml"])
def test_update_answer_every_format(gj, fmt):
    ds_set(gj, "n", "40")
    assert_doc(update(gj, "n", "add", "2", fmt=fmt), fmt, data={"data": "42"})


def test_update_answer_dump_is_raw_data(gj):
    """docs/gamejolt.md Formats: where the result is data-store data alone
    (fetch and update), dump answers SUCCESS and the raw data."""
    ds_set(gj, "n", "40")
    assert_doc(update(gj, "n", "add", "2", fmt="dump"), "dump", raw="42")
    assert update(gj, "n", "add", "1", fmt="dump").content == b"SUCCESS\r\n43"


def test_update_sequence(gj):
    ds_set(gj, "n", "10")
    for op, v, res in [("add", "5", "15"), ("subtract", "20", "-5"), ("multiply", "-3", "15"),
                       ("divide", "5", "3"), ("divide", "2", "1.5"), ("multiply", "2", "3"),
                       ("append", "0", "30"), ("add", "1", "31"), ("prepend", "1", "131")]:
        assert_doc(update(gj, "n", op, v), data={"data": res})
    assert_data(gj, "n", "131")


def test_update_nasty_append(gj):
    ds_set(gj, "s", "start:")
    for fmt in ("json", "keypair", "xml"):
        ds_set(gj, "s", "start:")
        assert_doc(update(gj, "s", "append", NASTY, fmt=fmt), fmt, data={"data": "start:" + NASTY})
    assert_data(gj, "s", "start:" + NASTY)


@pytest.mark.parametrize("data,op,value", [
    ("5", "divide", "0"),
    ("-5", "divide", "0"),
    ("5.5", "divide", "0"),
    ("5", "divide", "0.0"),
    ("0", "divide", "0"),
])
def test_update_divide_by_zero(gj, data, op, value):
    ds_set(gj, "n", data)
    for fmt in FORMATS:
        assert_fail(update(gj, "n", op, value, fmt=fmt), E_DIV0, fmt)
    assert_data(gj, "n", data)


@pytest.mark.parametrize("data,op,value", [
    (I64MAX, "add", "1"),
    (I64MIN, "subtract", "1"),
    (I64MIN, "add", "-1"),
    (I64MAX, "subtract", "-1"),
    (I64MAX, "multiply", "2"),
    (I64MIN, "multiply", "-1"),
    (I64MIN, "divide", "-1"),
    ("4294967296", "multiply", "4294967296"),
])
def test_update_overflow(gj, data, op, value):
    ds_set(gj, "n", data)
    for fmt in FORMATS:
        assert_fail(update(gj, "n", op, value, fmt=fmt), E_RANGE, fmt)
    assert_data(gj, "n", data)


@pytest.mark.parametrize("data,op,value", [
    ("abc", "add", "1"),
    ("5", "add", "x"),
    ("5", "subtract", "1a"),
    ("1.5.2", "multiply", "2"),
    ("5", "divide", "two"),
    ("inf", "add", "1"),
    ("nan", "add", "1"),
    ("5", "multiply", "inf"),
    ("0x10", "add", "1"),
    ("5", "add", " "),
])
def test_update_non_numeric(gj, data, op, value):
    ds_set(gj, "n", data)
    for fmt in FORMATS:
        assert_fail(update(gj, "n", op, value, fmt=fmt), E_NUMERIC, fmt)
    assert_data(gj, "n", data)


@pytest.mark.parametrize("op", ["mod", "concat", "ADDITION", "set"])
def test_update_unknown_operation(gj, op):
    ds_set(gj, "n", "5")
    for fmt in FORMATS:
        assert_fail(update(gj, "n", op, "1", fmt=fmt), E_OP, fmt)
    assert_data(gj, "n", "5")


def test_update_missing_operation(gj):
    ds_set(gj, "n", "5")
    assert_fail(gj.get("data-store/update", [("key", "n"), ("value", "1")]), E_OP)
    assert_data(gj, "n", "5")


@pytest.mark.parametrize("op", ["add", "subtract", "multiply", "divide", "append", "prepend"])
def test_update_missing_value(gj, op):
    ds_set(gj, "n", "5")
    for fmt in FORMATS:
        assert_fail(update(gj, "n", op, None, fmt=fmt), E_VALUE, fmt)
    assert_data(gj, "n", "5")


@pytest.mark.parametrize("op", ["add", "append"])
def test_update_missing_item(gj, op):
    for fmt in FORMATS:
        assert_fail(update(gj, "nothing", op, "1", fmt=fmt), E_NO_ITEM, fmt)
    assert_fail(ds_fetch(gj, "nothing"), E_NO_ITEM)


def test_update_by_post(gj):
    ds_set(gj, "n", "1")
    r = gj.post("data-store/update", [], [("key", "n"), ("operation", "add"), ("value", "41")])
    assert_doc(r, data={"data": "42"})


# ================================================================ remove
@pytest.mark.parametrize("fmt", FORMATS)
def test_remove(gj, fmt):
    ds_set(gj, "k", "v")
    ds_set(gj, "other", "w")
    assert_doc(gj.get("data-store/remove", with_fmt([("key", "k")], fmt)), fmt)
    assert_fail(ds_fetch(gj, "k", fmt=fmt), E_NO_ITEM, fmt)
    assert_fail(gj.get("data-store/remove", with_fmt([("key", "k")], fmt)), E_NO_ITEM, fmt)
    assert_fail(update(gj, "k", "add", "1", fmt=fmt), E_NO_ITEM, fmt)
    assert_data(gj, "other", "w")
    assert_keys(get_keys(gj), ["other"])


def test_remove_then_set_again(gj):
    ds_set(gj, "k", "v")
    assert_success(gj.get("data-store/remove", [("key", "k")]))
    ds_set(gj, "k", "v2")
    assert_data(gj, "k", "v2")


# ================================================================ get-keys
KEYS = ["a1", "a2", "b1", "xa", "a?", "a*b"]


@pytest.fixture
def keyed(gj):
    for k in KEYS:
        ds_set(gj, k, "v-" + k)
    return gj


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_keys_all(keyed, fmt):
    assert_keys(get_keys(keyed, fmt=fmt), KEYS, fmt)


@pytest.mark.parametrize("pattern,expected", [
    ("*", KEYS),
    ("a*", ["a1", "a2", "a?", "a*b"]),
    ("*1", ["a1", "b1"]),
    ("*a*", ["a1", "a2", "xa", "a?", "a*b"]),
    ("a1", ["a1"]),
    ("a?", ["a?"]),                  # only `*` is a wildcard
    ("a*b", ["a*b"]),
    ("*b*", ["b1", "a*b"]),
    ("x*a", ["xa"]),
    ("z*", []),
    ("a", []),
    ("A*", []),
])
def test_get_keys_pattern(keyed, pattern, expected):
    for fmt in FORMATS:
        assert_keys(get_keys(keyed, pattern, fmt=fmt), expected, fmt)


def test_get_keys_empty(gj):
    for fmt in FORMATS:
        assert_doc(get_keys(gj, fmt=fmt), fmt, data={"keys": []})
    assert get_keys(gj).content == b'{"response":{"success":"true","keys":[]}}'
    assert get_keys(gj, fmt="keypair").content == b'success:"true"\r\n'
    assert get_keys(gj, fmt="dump").content == b"SUCCESS\r\n"


def test_get_keys_json_bytes(gj):
    ds_set(gj, "only/one", "v")
    assert get_keys(gj).content == b'{"response":{"success":"true","keys":[{"key":"only\\/one"}]}}'
    assert get_keys(gj, fmt="xml").content.rstrip(b"\n") == (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<response><success><![CDATA[true]]></success>'
        b'<keys><key><key><![CDATA[only/one]]></key></key></keys></response>')


# ============================================================ user storage
def test_game_and_user_storage_isolated(gj):
    a, b = gj.player("alice"), gj.player("bob")
    ds_set(gj, "save", "game data")
    ds_set(gj, "save", "alice data", user=a)
    ds_set(gj, "save", "bob data", user=b)
    ds_set(gj, "alice-only", "x", user=a)
    assert_data(gj, "save", "game data")
    assert_data(gj, "save", "alice data", user=a)
    assert_data(gj, "save", "bob data", user=b)
    assert_fail(ds_fetch(gj, "alice-only"), E_NO_ITEM)
    assert_fail(ds_fetch(gj, "alice-only", user=b), E_NO_ITEM)
    assert_keys(get_keys(gj), ["save"])
    assert_keys(get_keys(gj, user=a), ["save", "alice-only"])
    assert_keys(get_keys(gj, user=b), ["save"])
    assert_keys(get_keys(gj, "alice*", user=a), ["alice-only"])
    # update and remove touch one storage only
    ds_set(gj, "n", "1")
    ds_set(gj, "n", "100", user=a)
    assert_doc(update(gj, "n", "add", "1", user=a), data={"data": "101"})
    assert_data(gj, "n", "1")
    assert_success(gj.get("data-store/remove", [("key", "save")] + creds(a)))
    assert_fail(ds_fetch(gj, "save", user=a), E_NO_ITEM)
    assert_data(gj, "save", "game data")
    assert_data(gj, "save", "bob data", user=b)
    assert_fail(update(gj, "alice-only", "append", "y", user=b), E_NO_ITEM)


def test_user_storage_case_insensitive_credentials(gj):
    a = gj.player("Alice")
    ds_set(gj, "k", "mine", user=a)
    upper = {"username": "ALICE", "token": a["token"].upper()}
    assert_data(gj, "k", "mine", user=upper)


@pytest.mark.parametrize("ep,params", [
    ("data-store", [("key", "k")]),
    ("data-store/set", [("key", "k"), ("data", "x")]),
    ("data-store/update", [("key", "k"), ("operation", "add"), ("value", "1")]),
    ("data-store/remove", [("key", "k")]),
    ("data-store/get-keys", []),
])
def test_user_storage_bad_credentials(gj, ep, params):
    a = gj.player("alice")
    ds_set(gj, "k", "5", user=a)
    ds_set(gj, "k", "7")
    for fmt in FORMATS:
        bad = [("username", "alice"), ("user_token", "0" * 32)]
        assert_fail(gj.get(ep, with_fmt(params + bad, fmt)), E_USER, fmt)
        bad = [("username", "nobody"), ("user_token", a["token"])]
        assert_fail(gj.get(ep, with_fmt(params + bad, fmt)), E_USER, fmt)
    assert_data(gj, "k", "5", user=a)
    assert_data(gj, "k", "7")


def test_user_storage_player_of_another_game(stack, gj):
    other = new_gj(stack, "other-ds-user")
    q = other.player("alice")
    gj.player("alice")
    assert_fail(gj.get("data-store/set", [("key", "k"), ("data", "x")] + creds(q)), E_USER)
    ds_set(other, "k", "theirs", user=q)
    assert_fail(gj.get("data-store", [("key", "k")] + creds(q)), E_USER)


def test_key_of_another_game_not_visible(stack, gj):
    other = new_gj(stack, "other-ds")
    ds_set(other, "shared-name", "other game's")
    ds_set(other, "only-there", "x")
    ds_set(gj, "shared-name", "mine")
    assert_data(gj, "shared-name", "mine")
    assert_data(other, "shared-name", "other game's")
    assert_fail(ds_fetch(gj, "only-there"), E_NO_ITEM)
    assert_fail(update(gj, "only-there", "append", "!"), E_NO_ITEM)
    assert_fail(gj.get("data-store/remove", [("key", "only-there")]), E_NO_ITEM)
    assert_keys(get_keys(gj), ["shared-name"])
    assert_keys(get_keys(gj, "*"), ["shared-name"])
    assert_success(gj.get("data-store/remove", [("key", "shared-name")]))
    assert_data(other, "shared-name", "other game's")
    assert_data(other, "only-there", "x")
    assert_keys(get_keys(other), ["shared-name", "only-there"])


def test_render_of_raw_dump_matches_contract():
    """Self-check of the expected-bytes builder against the contract text."""
    assert render("dump", {"data": "a\r\nb"}, raw="a\r\nb") == "SUCCESS\r\na\r\nb"
    assert render("keypair", {"data": 'a"\\\r\n'}) == 'success:"true"\r\ndata:"a\\"\\\\\\r\\n"\r\n'
