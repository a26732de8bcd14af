"""Every Game Jolt endpoint in every format (json, keypair, dump, xml) and
under every version (v1, v1_1, v1_2, with their default formats), by GET and
POST, plus the check order every endpoint shares (API-GAMEJOLT.md: Paths,
Formats and status; docs/gamejolt.md: Endpoints, Formats, Check order)."""

import pytest

from gjapi import (AGO, DEFAULT_FMT, E_BADSIG, E_BATCH_DUMP, E_GAME, E_NOSIG, FORMATS, TS,
                   VERSIONS, assert_doc, assert_fail, befriend, creds, make_trophy, sub,
                   time_data, trophy_item, user_item)
from harness import target_of

VALUE = 'v"1 \\ é/]]>'       # stored data used by the data-store cases


def _player(gj):
    return gj.player("pl")


def c_users(gj):
    p = _player(gj)
    return "users", [("username", "pl")], {"users": [user_item(p)]}, None


def c_users_ids(gj):
    p, q = _player(gj), gj.player("q2")
    return "users", [("user_id", f"{p['id']},{q['id']}")], \
        {"users": [user_item(p), user_item(q)]}, None


def c_auth(gj):
    return "users/auth", creds(_player(gj)), {}, None


def c_open(gj):
    return "sessions/open", creds(_player(gj)), {}, None


def _opened(gj):
    p = _player(gj)
    assert_doc(gj.get("sessions/open", creds(p)))
    return p


def c_ping(gj):
    return "sessions/ping", creds(_opened(gj)) + [("status", "idle")], {}, None


def c_check(gj):
    return "sessions/check", creds(_opened(gj)), {}, None


def c_close(gj):
    return "sessions/close", creds(_opened(gj)), {}, None


def c_scores_add(gj):
    return "scores/add", [("score", "12 pts"), ("sort", "12"), ("guest", "g")], {}, None


def _score(gj):
    gj.add_guest("g", 12)
    return {"scores": [{"score": "12", "sort": "12", "extra_data": "", "user": "", "user_id": "",
                        "guest": "g", "stored": AGO, "stored_timestamp": TS}]}


def c_scores(gj):
    return "scores", [], _score(gj), None


def c_scores_fetch(gj):
    return "scores/fetch", [("limit", "5")], _score(gj), None


def c_tables(gj):
    return "scores/tables", [], {"tables": [{"id": str(gj.table["id"]), "name": "Main",
                                             "description": "", "primary": "1"}]}, None


def c_rank(gj):
    gj.add_guest("g", 12)
    return "scores/get-rank", [("sort", "5")], {"rank": "2"}, None


def _trophy(gj):
    return make_trophy(gj, "Tr/1", 'A "quoted" desc', "gold", "http://i.example/t.png")


def c_trophies(gj):
    t = _trophy(gj)
    p = _player(gj)
    t2 = make_trophy(gj, "Tr2", "d", "platinum")
    assert_doc(gj.get("trophies/add-achieved", creds(p) + [("trophy_id", str(t2["id"]))]))
    return "trophies", creds(p), {"trophies": [trophy_item(t), trophy_item(t2, AGO)]}, None


def _add(endpoint):
    def case(gj):
        t = _trophy(gj)
        return endpoint, creds(_player(gj)) + [("trophy_id", str(t["id"]))], {}, None
    return case


def _remove(endpoint):
    def case(gj):
        t = _trophy(gj)
        p = _player(gj)
        assert_doc(gj.get("trophies/add-achieved", creds(p) + [("trophy_id", str(t["id"]))]))
        return endpoint, creds(p) + [("trophy_id", str(t["id"]))], {}, None
    return case


def c_ds_set(gj):
    return "data-store/set", [("key", "k"), ("data", VALUE)], {}, None


def _stored(gj, value=VALUE):
    assert_doc(gj.get("data-store/set", [("key", "k"), ("data", value)]))


def c_ds_fetch(gj):
    _stored(gj)
    return "data-store", [("key", "k")], {"data": VALUE}, VALUE


def c_ds_fetch_user(gj):
    p = _player(gj)
    _stored(gj, "game")
    assert_doc(gj.get("data-store/set", [("key", "k"), ("data", VALUE)] + creds(p)))
    return "data-store", [("key", "k")] + creds(p), {"data": VALUE}, VALUE


def c_ds_update(gj):
    _stored(gj, "20")
    return "data-store/update", [("key", "k"), ("operation", "subtract"), ("value", "22")], \
        {"data": "-2"}, None


def c_ds_remove(gj):
    _stored(gj)
    return "data-store/remove", [("key", "k")], {}, None


def c_ds_keys(gj):
    _stored(gj)
    return "data-store/get-keys", [], {"keys": [{"key": "k"}]}, None


def c_ds_keys_pattern(gj):
    _stored(gj)
    assert_doc(gj.get("data-store/set", [("key", "other"), ("data", "x")]))
    return "data-store/get-keys", [("pattern", "k*")], {"keys": [{"key": "k"}]}, None


def c_friends(gj):
    p, q = _player(gj), gj.player("buddy")
    befriend(gj, p, q)
    return "friends", creds(p), {"friends": [{"friend_id": str(q["id"])}]}, None


def c_time(gj):
    return "time", [], time_data(), None


def c_get_time(gj):
    return "get-time", [], time_data(), None


def c_batch(gj):
    subs = [sub(gj, "data-store/set", [("key", "k"), ("data", VALUE)]),
            sub(gj, "data-store", [("key", "k")]), sub(gj, "time", key="wrong")]
    return "batch", [("requests[]", u) for u in subs], {"responses": [
        {"success": "true"}, {"success": "true", "data": VALUE},
        {"success": "false", "message": E_BADSIG}]}, None


CASES = {
    "users": c_users, "users-ids": c_users_ids, "users/auth": c_auth,
    "sessions/open": c_open, "sessions/ping": c_ping, "sessions/check": c_check,
    "sessions/close": c_close,
    "scores/add": c_scores_add, "scores": c_scores, "scores/fetch": c_scores_fetch,
    "scores/tables": c_tables, "scores/get-rank": c_rank,
    "trophies": c_trophies,
    "trophies/add-achieved": _add("trophies/add-achieved"),
    "trophies/add_achieved": _add("trophies/add_achieved"),
    "trophies/remove-achieved": _remove("trophies/remove-achieved"),
    "trophies/remove_achieved": _remove("trophies/remove_achieved"),
    "data-store/set": c_ds_set, "data-store": c_ds_fetch, "data-store-user": c_ds_fetch_user,
    "data-store/update": c_ds_update, "data-store/remove": c_ds_remove,
    "data-store/get-keys": c_ds_keys, "data-store/get-keys-pattern": c_ds_keys_pattern,
    "friends": c_friends, "time": c_time, "get-time": c_get_time, "batch": c_batch,
}


def expected_for(name, endpoint, fmt, data, raw):
    """(success, message, data, raw) the contract gives for this format."""
    if endpoint == "batch" and fmt == "dump":
        return False, E_BATCH_DUMP, None, None
    if endpoint == "data-store/update" and fmt == "dump":
        # docs/gamejolt.md Formats: update's result is data alone: dump is raw
        return True, None, data, data["data"]
    return True, None, data, raw


# format=None: no format parameter, the version's default
@pytest.mark.parametrize("fmt", [None] + list(FORMATS), ids=["default"] + list(FORMATS))
@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", list(CASES))
def test_endpoint_format_version_get(gj, name, version, fmt):
    endpoint, params, data, raw = CASES[name](gj)
    params = list(params) + ([("format", fmt)] if fmt else [])
    shown = fmt or DEFAULT_FMT[version]
    ok, msg, data, raw = expected_for(name, endpoint, shown, data, raw)
    r = gj.get(endpoint, params, version=version)
    assert_doc(r, shown, data=data, success=ok, message=msg, raw=raw)


@pytest.mark.parametrize("fmt", [None] + list(FORMATS), ids=["default"] + list(FORMATS))
@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", list(CASES))
def test_endpoint_format_version_post(gj, name, version, fmt):
    """The same, with every parameter but game_id as a POST field."""
    endpoint, params, data, raw = CASES[name](gj)
    params = list(params) + ([("format", fmt)] if fmt else [])
    shown = fmt or DEFAULT_FMT[version]
    ok, msg, data, raw = expected_for(name, endpoint, shown, data, raw)
    r = gj.post(endpoint, [], params, version=version)
    assert_doc(r, shown, data=data, success=ok, message=msg, raw=raw)


@pytest.mark.parametrize("name", ["users", "sessions/check", "trophies", "data-store",
                                  "friends", "time", "batch"])
def test_endpoint_without_trailing_slash(gj, name):
    endpoint, params, data, raw = CASES[name](gj)
    r = gj.get(endpoint, params, slash=False)
    assert_doc(r, data=data, raw=raw)


# ============================================================ check order
ENDPOINTS = ["users", "users/auth", "sessions/open", "sessions/ping", "sessions/check",
             "sessions/close", "trophies", "trophies/add-achieved", "trophies/add_achieved",
             "trophies/remove-achieved", "trophies/remove_achieved", "data-store",
             "data-store/set", "data-store/update", "data-store/remove", "data-store/get-keys",
             "friends", "time", "get-time", "batch"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_check_order(stack, gj, endpoint, fmt):
    """1. game_id missing, malformed or unknown; 2. signature missing;
    3. signature wrong — before any of the endpoint's own checks (which an
    empty parameter list would otherwise trigger)."""
    f = [("format", fmt)]
    for gid in (None, "abc", "0", "987654321", "-1", ""):
        params = ([("game_id", gid)] if gid is not None else []) + f
        url = stack.gj_plain_url(endpoint, params)
        assert_fail(stack.get(target_of(url)), E_GAME, fmt)
        assert_fail(stack.get(target_of(url + "&signature=" + "0" * 32)), E_GAME, fmt)
    url = stack.gj_plain_url(endpoint, [("game_id", gj.id)] + f)
    assert_fail(stack.get(target_of(url)), E_NOSIG, fmt)
    assert_fail(stack.get(target_of(url + "&signature=")), E_NOSIG, fmt)
    assert_fail(stack.get(target_of(url + "&signature=" + "0" * 32)), E_BADSIG, fmt)
    # signed with another game's key
    other = stack.ctl("game", "create", "--name", "signer")
    assert_fail(stack.gj_get(endpoint, [("game_id", gj.id)] + f, other), E_BADSIG, fmt)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("endpoint", ["users", "trophies/add_achieved", "data-store/get-keys",
                                      "friends", "get-time", "batch"])
def test_check_order_default_format(stack, gj, endpoint, version):
    fmt = DEFAULT_FMT[version]
    url = stack.gj_plain_url(endpoint, [("game_id", gj.id)], version=version)
    assert_fail(stack.get(target_of(url)), E_NOSIG, fmt)
    assert_fail(stack.get(target_of(url + "&signature=" + "f" * 32)), E_BADSIG, fmt)
    url = stack.gj_plain_url(endpoint, [], version=version)
    assert_fail(stack.get(target_of(url)), E_GAME, fmt)
