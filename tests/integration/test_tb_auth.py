"""TeamBattles authentication, permissions and tenant isolation through a
real nginx + arcaded: every auth error with its exact status and body, on
every route; another game's match reads exactly like a missing one."""

import pytest

from tbtest import TB, err, item

# (method, path template, body): every route that takes a developer key.
ROUTES = [
    ("POST", "/api/v1/game/matches/batch-scores", {"items": [{}]}),
    ("POST", "/api/v1/game/matches/{m}/scores/0", {}),
    ("POST", "/api/v1/game/matches/{m}/scores", {"maps": [{}]}),
    ("GET", "/api/v1/game/matches/{m}/scores", None),
    ("POST", "/api/v1/game/matches/{m}/player-stats", {}),
    ("POST", "/api/v1/game/matches", {}),
    ("PATCH", "/api/v1/game/matches/{m}/status", {"status": "CANCELLED"}),
    ("POST", "/api/v1/uploads/image-url", None),
]
IDS = [f"{m} {p}" for m, p, _ in ROUTES]

# Which permission each route needs, and a key that lacks it.
NEEDS = {
    "/api/v1/game/matches/batch-scores": "game.matches=read",
    "/api/v1/game/matches/{m}/scores/0": "game.matches=read",
    "/api/v1/game/matches/{m}/scores": "game.lifecycle=read-write",
    "/api/v1/game/matches/{m}/player-stats": "game.matches=read",
    "/api/v1/game/matches": "game.scores=write",
    "/api/v1/game/matches/{m}/status": "game.lifecycle=read",
    "/api/v1/uploads/image-url": "game.scores=write",
}


@pytest.fixture(scope="module")
def tb(stack):
    t = TB(stack)
    t.m = t.match()
    return t


def send(tb, method, path, body, headers):
    path = path.format(m=tb.m["id"])
    import json
    data = json.dumps(body) if body is not None else None
    return tb.s.request(method, path, data=data, headers=headers)


@pytest.mark.parametrize("method,path,body", ROUTES, ids=IDS)
@pytest.mark.parametrize("header", [
    None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token tb_x",
])
def test_key_required(tb, method, path, body, header):
    h = {} if header is None else {"Authorization": header}
    r = send(tb, method, path, body, h)
    assert r.status_code == 401
    assert r.json() == err("error_api_key_required")
    assert r.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("method,path,body", ROUTES, ids=IDS)
def test_key_invalid(tb, method, path, body):
    for secret in ("tb_" + "0" * 40, "tb_nope", "x" * 300, tb.key + "0"):
        r = send(tb, method, path, body, {"Authorization": "Bearer " + secret})
        assert r.status_code == 401, secret
        assert r.json() == err("error_api_key_invalid")


def test_bearer_scheme_case_and_spaces(tb):
    for h in ("bearer " + tb.key, "BEARER  " + tb.key, "Bearer\t" + tb.key):
        r = tb.s.request("GET", f"/api/v1/game/matches/{tb.m['id']}/scores",
                         headers={"Authorization": h})
        assert r.status_code == 200, h


def test_revoked_key_invalid(stack):
    t = TB(stack)
    m = t.match()
    created = stack.ctl("key", "create", "--game", t.gid, "--kind", "teambattles")
    assert t.scores(m, key=created["key"]).status_code == 200
    stack.ctl("key", "revoke", "--key-id", created["id"])
    r = t.scores(m, key=created["key"])
    assert r.status_code == 401
    assert r.json() == err("error_api_key_invalid")


@pytest.mark.parametrize("method,path,body", ROUTES, ids=IDS)
def test_app_key_scope_mismatch(tb, method, path, body):
    app = tb.new_key(kind="app")
    assert not app.startswith("tb_")
    r = send(tb, method, path, body, {"Authorization": "Bearer " + app})
    assert r.status_code == 403
    assert r.json() == err("error_game_scope_mismatch")


@pytest.mark.parametrize("method,path,body", ROUTES, ids=IDS)
def test_permission_denied(tb, method, path, body):
    lacking = tb.new_key(NEEDS.get(path, "game.lifecycle=read"))
    r = send(tb, method, path, body, {"Authorization": "Bearer " + lacking})
    assert r.status_code == 403
    assert r.json() == err("error_api_key_permission_denied")


def test_get_scores_needs_either_permission(tb):
    for perms, code in ((["game.scores=write"], 200), (["game.matches=read"], 200),
                        (["game.lifecycle=read-write", "uploads=read-write"], 403),
                        (["game.scores=none"], 403)):
        r = tb.scores(tb.m, key=tb.new_key(*perms))
        assert r.status_code == code, perms


def test_default_key_writes_scores_only(stack):
    t = TB(stack, perms=())
    m = t.match()
    r = t.batch([item(m, 0)])
    assert r.status_code == 200 and r.json()["count"] == 1
    assert t.list().status_code == 403
    assert t.status(m, "CANCELLED").status_code == 403
    assert t.call("POST", "/api/v1/uploads/image-url").status_code == 403


def test_lifecycle_read_cannot_change_status(tb):
    m = tb.match(status="ACCEPTED")
    r = tb.status(m, "CANCELLED", key=tb.new_key("game.lifecycle=read"))
    assert r.status_code == 403
    assert r.json() == err("error_api_key_permission_denied")
    assert tb.listed(m)["status"] == "ACCEPTED"


def test_auth_checked_before_match(tb):
    """A missing key on a match that does not exist is still a 401."""
    r = tb.call("GET", "/api/v1/game/matches/999999999/scores", key="")
    assert r.status_code == 401
    r = tb.call("GET", "/api/v1/game/matches/abc/scores", key="tb_" + "1" * 40)
    assert r.status_code == 401


# ---------------------------------------------------------------- tenants

SINGLE = [
    ("POST", "/api/v1/game/matches/{m}/scores/0",
     {"mapId": "m", "creatorTeamScore": 1, "opponentTeamScore": 0}),
    ("POST", "/api/v1/game/matches/{m}/scores", {"maps": [{"mapIndex": 0}]}),
    ("GET", "/api/v1/game/matches/{m}/scores", None),
    ("POST", "/api/v1/game/matches/{m}/player-stats", {"mapIndex": 0, "playerStats": {}}),
    ("PATCH", "/api/v1/game/matches/{m}/status", {"status": "IN_PROGRESS"}),
]


@pytest.mark.parametrize("method,path,body", SINGLE, ids=[f"{m} {p}" for m, p, _ in SINGLE])
def test_other_games_match_not_found(stack, tb, method, path, body):
    other = TB(stack)
    theirs = other.match()
    other.batch([item(theirs, 1)])
    before = other.scores(theirs).json()["scores"]
    r = tb.call(method, path.format(m=theirs["id"]), body)
    assert r.status_code == 404
    assert r.json() == err("error_match_not_found")
    # The same answer as a match that does not exist at all.
    r2 = tb.call(method, path.format(m=9999999999), body)
    assert (r2.status_code, r2.json()) == (404, err("error_match_not_found"))
    # Nothing of theirs changed.
    assert other.scores(theirs).json()["scores"] == before
    assert other.listed(theirs)["status"] == "IN_PROGRESS"


@pytest.mark.parametrize("mid", ["abc", "0", "007", "-1", "1.0", "1e3", "%31",
                                 "99999999999999999999", "9" * 19, "%EF%BC%91"])
@pytest.mark.parametrize("method,path,body", SINGLE, ids=[f"{m} {p}" for m, p, _ in SINGLE])
def test_malformed_match_id_not_found(tb, mid, method, path, body):
    r = tb.call(method, path.format(m=mid), body)
    assert r.status_code == 404
    assert r.json() == err("error_match_not_found")


def test_match_check_precedes_body_check(tb, stack):
    """Single-match routes bind the match first: a bad body on another
    game's match is a 404, not a 400."""
    other = TB(stack).match()
    for method, path in (("POST", "/api/v1/game/matches/{m}/scores/0"),
                         ("POST", "/api/v1/game/matches/{m}/scores"),
                         ("POST", "/api/v1/game/matches/{m}/player-stats"),
                         ("PATCH", "/api/v1/game/matches/{m}/status")):
        r = tb.call(method, path.format(m=other["id"]), raw=b"not json")
        assert (r.status_code, r.json()) == (404, err("error_match_not_found")), path


def test_unknown_route_and_method(tb):
    r = tb.call("GET", "/api/v1/game/matches/batch-scores")
    assert (r.status_code, r.json()) == (405, err("error_method_not_allowed"))
    r = tb.call("GET", "/api/v1/game/nothing-here")
    assert (r.status_code, r.json()) == (404, err("error_not_found"))
    r = tb.call("DELETE", f"/api/v1/game/matches/{tb.m['id']}/status")
    assert r.status_code == 405


def test_cors_preflight(tb):
    r = tb.s.request("OPTIONS", "/api/v1/game/matches/batch-scores",
                     headers={"Origin": "https://x.example",
                              "Access-Control-Request-Headers": "authorization, content-type"})
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Methods"] == "GET, POST, PATCH, OPTIONS"
    assert r.headers["Access-Control-Allow-Headers"] == "authorization, content-type"
