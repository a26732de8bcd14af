"""MeshMap app API (shared/design/API-MESHMAP.md, docs/meshmap.md) through a
real nginx and arcaded pool: every route, status code and error shape; app
key authentication; one app's key reaching none of another app's sessions,
players or types; players shared with the Game Jolt API; global
leaderboards (each player's best session score per mini-game type)."""

import itertools
import json
import re

import pytest

from gjtest import E_USER, assert_error, assert_ok
from harness import Stack

API = "/api/v1/apps"
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
SESSION_KEYS = ["id", "name", "description", "status", "startTime", "endTime", "createdAt",
                "updatedAt", "playerCount", "miniGameType"]
TYPE_KEYS = ["id", "name", "description", "imageUrl", "createdAt"]
SP_KEYS = ["score", "createdAt", "updatedAt", "playerId", "displayName", "imageUrl"]
PLAYER_KEYS = ["id", "displayName", "userId", "imageUrl", "createdAt", "updatedAt"]
ENTRY_KEYS = ["playerId", "playerDisplayName", "playerScore", "playerImageUrl", "gameSessionId",
              "createdAt", "updatedAt"]

# Ids that name nothing: absent, malformed, zero, leading zero, too long,
# percent-encoded digits.
BAD_IDS = ["999999", "abc", "0", "01", "1a", "-1", "12345678901234567890", "%31"]

ROUTES = [("GET", "/game-sessions"), ("POST", "/game-sessions"), ("GET", "/game-sessions/1"),
          ("PATCH", "/game-sessions/1"), ("GET", "/game-sessions/1/players"),
          ("POST", "/game-sessions/1/players"), ("PATCH", "/game-sessions/1/players/1"),
          ("GET", "/players"), ("POST", "/players"), ("GET", "/minigame-types"),
          ("POST", "/minigame-types"), ("GET", "/global-leaderboards")]

_n = itertools.count(1)


@pytest.fixture(scope="module")
def s():
    with Stack(workers=2) as st:
        yield st


def compact(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


class App:
    """One game with one app key, and a small JSON client for it."""

    def __init__(self, stack):
        self.s = stack
        self.game = stack.ctl("game", "create", "--name", f"app-{next(_n)}")
        self.key = stack.ctl("key", "create", "--game", self.game["id"], "--kind", "app")["key"]

    def call(self, method, path, body=None, raw=None, key=None, headers=None):
        h = {"Content-Type": "application/json"}
        if key is None:
            key = self.key
        if key is not False:
            h["x-app-api-key"] = key
        h.update(headers or {})
        data = raw if raw is not None else (None if body is None else json.dumps(body))
        return self.s.request(method, API + path, data=data, headers=h)

    def ok(self, method, path, body=None, status=200, raw=None):
        r = self.call(method, path, body, raw=raw)
        assert r.status_code == status, r.text
        assert r.headers["Content-Type"].startswith("application/json")
        return r.json()

    # shortcuts
    def player(self, name, **extra):
        return self.ok("POST", "/players", {"displayName": name, **extra}, 201)

    def mtype(self, name, **extra):
        return self.ok("POST", "/minigame-types", {"name": name, **extra}, 201)

    def session(self, **body):
        return self.ok("POST", "/game-sessions", body, 201)

    def register(self, sid, pid):
        return self.ok("POST", f"/game-sessions/{sid}/players", {"playerId": pid}, 201)

    def score(self, sid, pid, score):
        return self.ok("PATCH", f"/game-sessions/{sid}/players/{pid}", {"score": score})


@pytest.fixture
def app(s):
    return App(s)


def assert_error_body(r, status, message):
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.text == compact({"error": message})


def assert_issues(r, *issues):
    """A 400 validation error: issues as (code, message, path) tuples."""
    assert r.status_code == 400, r.text
    want = [{"code": c, "message": m, "path": p} for c, m, p in issues]
    assert r.text == compact({"error": want})


NOT_JSON = "The request body is not valid JSON."


def check_session(doc, **want):
    assert list(doc) == SESSION_KEYS
    assert re.fullmatch(r"[1-9][0-9]*", doc["id"])
    for k in ("startTime", "createdAt", "updatedAt"):
        assert ISO.fullmatch(doc[k]), doc
    assert doc["endTime"] is None or ISO.fullmatch(doc["endTime"])
    for k, v in want.items():
        assert doc[k] == v, (k, doc)


# --------------------------------------------------------------- auth


@pytest.mark.parametrize("method,path", ROUTES)
def test_missing_key_401(s, app, method, path):
    assert_error_body(app.call(method, path, {}, key=False), 401, "Missing API key")
    assert_error_body(app.call(method, path, {}, key=""), 401, "Missing API key")


@pytest.mark.parametrize("method,path", ROUTES)
def test_unknown_key_401(s, app, method, path):
    assert_error_body(app.call(method, path, {}, key="0" * 40), 401, "Invalid API key")


def test_teambattles_and_revoked_keys_401(s, app):
    tb = s.ctl("key", "create", "--game", app.game["id"], "--kind", "teambattles")
    assert_error_body(app.call("GET", "/players", key=tb["key"]), 401, "Invalid API key")
    k = s.ctl("key", "create", "--game", app.game["id"], "--kind", "app")
    assert app.call("GET", "/players", key=k["key"]).status_code == 200
    s.ctl("key", "revoke", "--key-id", k["id"])
    assert_error_body(app.call("GET", "/players", key=k["key"]), 401, "Invalid API key")
    # The original key of the app is untouched.
    assert app.call("GET", "/players").status_code == 200


def test_auth_comes_before_validation(s, app):
    assert_error_body(app.call("POST", "/players", raw="{", key=False), 401, "Missing API key")
    assert_error_body(app.call("PATCH", "/game-sessions/x/players/y", {"score": "x"}, key="1" * 40),
                      401, "Invalid API key")


def test_unknown_endpoint_and_method(s, app):
    assert_error_body(app.call("GET", "/nothing"), 404, "Unknown endpoint.")
    assert_error_body(app.call("GET", "/game-sessions/1/players/1"), 405, "Method not allowed.")
    assert_error_body(app.call("PATCH", "/players"), 405, "Method not allowed.")


# ------------------------------------------------------ mini-game types


def test_types_create_and_list(s, app):
    assert app.ok("GET", "/minigame-types") == {"miniGameTypes": []}
    t1 = app.mtype("Race", description="fast", imageUrl="https://x/r.png")
    assert list(t1) == TYPE_KEYS
    assert t1["name"] == "Race" and t1["description"] == "fast" and t1["imageUrl"] == "https://x/r.png"
    assert ISO.fullmatch(t1["createdAt"])
    t2 = app.mtype("Quiz")
    assert t2["description"] is None and t2["imageUrl"] is None
    t3 = app.mtype("Maze", description=None, imageUrl=None)
    assert app.ok("GET", "/minigame-types") == {"miniGameTypes": [t1, t2, t3]}
    assert app.ok("GET", "/minigame-types?miniGameTypeName=Quiz") == {"miniGameTypes": [t2]}
    # Names are matched exactly (case counts); an empty filter is no filter.
    assert app.ok("GET", "/minigame-types?miniGameTypeName=quiz") == {"miniGameTypes": []}
    assert app.ok("GET", "/minigame-types?miniGameTypeName=None") == {"miniGameTypes": []}
    assert app.ok("GET", "/minigame-types?miniGameTypeName=") == {"miniGameTypes": [t1, t2, t3]}
    assert app.ok("GET", "/minigame-types?miniGameTypeName=" + "x" * 300) == {"miniGameTypes": []}


def test_types_duplicate_409(s, app):
    app.mtype("Race")
    assert_error_body(app.call("POST", "/minigame-types", {"name": "Race"}), 409,
                      "A mini game type with this name already exists")
    app.mtype("race")   # exact names: another case is another name


def test_types_validation(s, app):
    assert_issues(app.call("POST", "/minigame-types", {}), ("invalid_type", "Required", ["name"]))
    assert_issues(app.call("POST", "/minigame-types", {"name": ""}),
                  ("too_small", "String must contain at least 1 character(s)", ["name"]))
    assert_issues(app.call("POST", "/minigame-types", {"name": "x" * 101}),
                  ("too_big", "String must contain at most 100 byte(s)", ["name"]))
    assert_issues(app.call("POST", "/minigame-types", {"name": "a\tb"}),
                  ("custom", "String must not contain control characters", ["name"]))
    assert_issues(app.call("POST", "/minigame-types", {"name": None, "description": 5, "imageUrl": []}),
                  ("invalid_type", "Expected string, received null", ["name"]),
                  ("invalid_type", "Expected string, received number", ["description"]),
                  ("invalid_type", "Expected string, received array", ["imageUrl"]))
    assert_issues(app.call("POST", "/minigame-types", {"name": "n", "description": "d" * 1001}),
                  ("too_big", "String must contain at most 1000 byte(s)", ["description"]))
    assert_issues(app.call("POST", "/minigame-types", {"name": "a\u0000b"}),
                  ("custom", "String must not contain NUL characters", ["name"]))
    assert app.ok("GET", "/minigame-types") == {"miniGameTypes": []}
    app.mtype("x" * 100)


# ------------------------------------------------------------- players


def test_players_create_and_list(s, app):
    assert app.ok("GET", "/players") == {"players": []}
    a = app.player("alice", userId="ext-1", imageUrl="https://img/a.png")
    assert list(a) == PLAYER_KEYS
    assert a["displayName"] == "alice" and a["userId"] == "ext-1" and a["imageUrl"] == "https://img/a.png"
    assert ISO.fullmatch(a["createdAt"]) and a["createdAt"] == a["updatedAt"]
    b = app.player("bob")
    assert b["userId"] is None and b["imageUrl"] is None
    c = app.player("carol", userId=None)
    assert int(a["id"]) < int(b["id"]) < int(c["id"])
    assert app.ok("GET", "/players") == {"players": [a, b, c]}


def test_players_duplicate_409(s, app):
    app.player("Dup")
    for name in ("Dup", "dup", "DUP"):
        assert_error_body(app.call("POST", "/players", {"displayName": name}), 409,
                          "A player with this display name already exists")
    assert len(app.ok("GET", "/players")["players"]) == 1


def test_players_validation(s, app):
    assert_issues(app.call("POST", "/players", {}), ("invalid_type", "Required", ["displayName"]))
    assert_issues(app.call("POST", "/players", {"displayName": 7}),
                  ("invalid_type", "Expected string, received number", ["displayName"]))
    assert_issues(app.call("POST", "/players", {"displayName": ""}),
                  ("too_small", "String must contain at least 1 character(s)", ["displayName"]))
    assert_issues(app.call("POST", "/players", {"displayName": "é" * 51}),
                  ("too_big", "String must contain at most 100 byte(s)", ["displayName"]))
    assert_issues(app.call("POST", "/players", {"displayName": "a\nb"}),
                  ("custom", "String must not contain control characters", ["displayName"]))
    assert_issues(app.call("POST", "/players", {"displayName": "ok", "userId": 12}),
                  ("invalid_type", "Expected string, received number", ["userId"]))
    assert_issues(app.call("POST", "/players", {"displayName": "ok", "userId": "u" * 256}),
                  ("too_big", "String must contain at most 255 byte(s)", ["userId"]))
    assert_issues(app.call("POST", "/players", raw="[1]"),
                  ("invalid_type", "Expected object, received array", []))
    assert_issues(app.call("POST", "/players", raw='"x"'),
                  ("invalid_type", "Expected object, received string", []))
    assert_error_body(app.call("POST", "/players", raw='{"displayName":"x",}'), 400, NOT_JSON)
    assert_error_body(app.call("POST", "/players", raw="{"), 400, NOT_JSON)
    assert_error_body(app.call("POST", "/players", raw=" "), 400, NOT_JSON)
    assert app.ok("GET", "/players") == {"players": []}
    assert app.player("é" * 50)["displayName"] == "é" * 50


# ------------------------------------------------- players shared with Game Jolt


def test_meshmap_player_authenticates_to_game_jolt(s, app):
    p = app.player("Shared", userId="u-9")
    game = app.game
    # No token yet that anybody knows: the one made at creation is never shown.
    assert "token" not in p
    tok = s.ctl("player", "token", "--game", game["id"], "--player", p["id"])
    assert str(tok["id"]) == p["id"] and tok["username"] == "Shared"
    assert_ok(s.gj_get("users/auth", {"game_id": game["id"], "username": "shared",
                                      "user_token": tok["token"]}, game))
    assert_error(s.gj_get("users/auth", {"game_id": game["id"], "username": "Shared",
                                         "user_token": "0" * 32}, game), E_USER)
    # The token changed updatedAt, nothing else.
    [listed] = app.ok("GET", "/players")["players"]
    assert listed["id"] == p["id"] and listed["userId"] == "u-9" and listed["createdAt"] == p["createdAt"]


def test_game_jolt_user_is_a_meshmap_player(s, app):
    u = s.ctl("player", "create", "--game", app.game["id"], "--username", "GjUser",
              "--image-url", "https://img/gj.png")
    [listed] = app.ok("GET", "/players")["players"]
    assert listed["id"] == str(u["id"]) and listed["displayName"] == "GjUser"
    assert listed["userId"] is None and listed["imageUrl"] == "https://img/gj.png"
    assert_error_body(app.call("POST", "/players", {"displayName": "gjuser"}), 409,
                      "A player with this display name already exists")
    # ... and plays in sessions like any other player.
    ses = app.session()
    sp = app.register(ses["id"], listed["id"])
    assert sp["displayName"] == "GjUser" and sp["imageUrl"] == "https://img/gj.png"


# ------------------------------------------------------------ sessions


def test_session_create_defaults(s, app):
    d = app.session()
    check_session(d, name=None, description=None, status="ACTIVE", endTime=None, playerCount=0,
                  miniGameType=None)
    assert d["startTime"] == d["createdAt"] == d["updatedAt"]
    # An empty body is an empty object.
    e = app.ok("POST", "/game-sessions", raw="", status=201)
    check_session(e, name=None, status="ACTIVE", miniGameType=None)
    assert int(e["id"]) > int(d["id"])


def test_session_create_fields_and_types(s, app):
    t = app.mtype("Race", description="d")
    a = app.session(name="Round 1", description="first", status="COMPLETED")
    check_session(a, name="Round 1", description="first", status="COMPLETED", miniGameType=None)
    assert a["endTime"] == a["startTime"]
    b = app.session(miniGameTypeId=t["id"])
    check_session(b, miniGameType=t, status="ACTIVE", endTime=None)
    c = app.session(miniGameTypeName="Race", name=None, description=None)
    check_session(c, miniGameType=t, name=None)
    # null counts as not given
    d = app.session(miniGameTypeId=t["id"], miniGameTypeName=None)
    check_session(d, miniGameType=t)
    e = app.session(miniGameTypeId=None, miniGameTypeName=None)
    check_session(e, miniGameType=None)


def test_session_create_both_type_fields_400(s, app):
    t = app.mtype("Race")
    assert_issues(app.call("POST", "/game-sessions", {"miniGameTypeId": t["id"], "miniGameTypeName": "Race"}),
                  ("custom", "Cannot specify both miniGameTypeId and miniGameTypeName",
                   ["miniGameTypeName"]))
    assert app.ok("GET", "/game-sessions") == {"gameSessions": []}


@pytest.mark.parametrize("body", [{"miniGameTypeId": i} for i in BAD_IDS + [""]] +
                         [{"miniGameTypeName": "Nope"}, {"miniGameTypeName": "race"},
                          {"miniGameTypeName": ""}])
def test_session_create_unknown_type_404(s, app, body):
    app.mtype("Race")
    assert_error_body(app.call("POST", "/game-sessions", body), 404, "Mini game type not found")
    assert app.ok("GET", "/game-sessions") == {"gameSessions": []}


def test_session_create_validation(s, app):
    assert_issues(app.call("POST", "/game-sessions", {"name": 1, "description": True, "status": "DONE"}),
                  ("invalid_type", "Expected string, received number", ["name"]),
                  ("invalid_type", "Expected string, received boolean", ["description"]),
                  ("invalid_enum_value",
                   "Invalid enum value. Expected 'ACTIVE' | 'COMPLETED', received 'DONE'", ["status"]))
    assert_issues(app.call("POST", "/game-sessions", {"status": None}),
                  ("invalid_type", "Expected 'ACTIVE' | 'COMPLETED', received null", ["status"]))
    assert_issues(app.call("POST", "/game-sessions", {"status": "active"}),
                  ("invalid_enum_value",
                   "Invalid enum value. Expected 'ACTIVE' | 'COMPLETED', received 'active'", ["status"]))
    assert_issues(app.call("POST", "/game-sessions", {"name": "n" * 101}),
                  ("too_big", "String must contain at most 100 byte(s)", ["name"]))
    assert_issues(app.call("POST", "/game-sessions", {"miniGameTypeId": 5}),
                  ("invalid_type", "Expected string, received number", ["miniGameTypeId"]))
    assert_issues(app.call("POST", "/game-sessions", raw="[]"),
                  ("invalid_type", "Expected object, received array", []))
    assert_error_body(app.call("POST", "/game-sessions", raw="{'a':1}"), 400, NOT_JSON)
    assert app.ok("GET", "/game-sessions") == {"gameSessions": []}


def test_session_get(s, app):
    a = app.session(name="A")
    assert app.ok("GET", f"/game-sessions/{a['id']}") == a
    assert app.ok("GET", f"/game-sessions/{a['id']}/") == a


@pytest.mark.parametrize("bad", BAD_IDS)
def test_session_bad_ids_404(s, app, bad):
    app.session()
    p = app.player("p")
    for method, path, body in [("GET", f"/game-sessions/{bad}", None),
                               ("PATCH", f"/game-sessions/{bad}", {"name": "x"}),
                               ("GET", f"/game-sessions/{bad}/players", None),
                               ("POST", f"/game-sessions/{bad}/players", {"playerId": p["id"]}),
                               ("PATCH", f"/game-sessions/{bad}/players/{p['id']}", {"score": 1})]:
        assert_error_body(app.call(method, path, body), 404, "Game session not found")


def test_session_patch(s, app):
    t = app.mtype("Race")
    a = app.session(name="A", description="d", miniGameTypeId=t["id"])
    # Nothing given: nothing changes, updatedAt included.
    assert app.ok("PATCH", f"/game-sessions/{a['id']}", {}) == a
    b = app.ok("PATCH", f"/game-sessions/{a['id']}", {"name": "B", "description": None})
    check_session(b, id=a["id"], name="B", description=None, status="ACTIVE", endTime=None,
                  miniGameType=t, createdAt=a["createdAt"], startTime=a["startTime"])
    assert b["updatedAt"] >= a["updatedAt"]
    c = app.ok("PATCH", f"/game-sessions/{a['id']}", {"status": "COMPLETED"})
    check_session(c, name="B", status="COMPLETED")
    assert c["endTime"] is not None and c["endTime"] >= c["startTime"] and c["endTime"] == c["updatedAt"]
    # Completing again keeps the first end.
    d = app.ok("PATCH", f"/game-sessions/{a['id']}", {"status": "COMPLETED", "name": "C"})
    check_session(d, name="C", status="COMPLETED", endTime=c["endTime"])
    # Reopening clears it.
    e = app.ok("PATCH", f"/game-sessions/{a['id']}", {"status": "ACTIVE"})
    check_session(e, status="ACTIVE", endTime=None, name="C")
    assert app.ok("GET", f"/game-sessions/{a['id']}") == e
    # The type stays: PATCH does not take type fields.
    f = app.ok("PATCH", f"/game-sessions/{a['id']}", {"miniGameTypeId": None})
    assert f["miniGameType"] == t


def test_session_patch_validation(s, app):
    a = app.session(name="A")
    assert_issues(app.call("PATCH", f"/game-sessions/{a['id']}", {"name": 3, "status": "OPEN"}),
                  ("invalid_type", "Expected string, received number", ["name"]),
                  ("invalid_enum_value",
                   "Invalid enum value. Expected 'ACTIVE' | 'COMPLETED', received 'OPEN'", ["status"]))
    assert_issues(app.call("PATCH", f"/game-sessions/{a['id']}", {"description": "x" * 1001}),
                  ("too_big", "String must contain at most 1000 byte(s)", ["description"]))
    assert_error_body(app.call("PATCH", f"/game-sessions/{a['id']}", raw="{"), 400, NOT_JSON)
    assert app.ok("GET", f"/game-sessions/{a['id']}") == a


def test_session_list_filters(s, app):
    t1, t2 = app.mtype("T1"), app.mtype("T2")
    a = app.session(miniGameTypeId=t1["id"])
    b = app.session(miniGameTypeId=t2["id"], status="COMPLETED")
    c = app.session()
    d = app.session(miniGameTypeId=t1["id"], status="COMPLETED")
    e = app.session(miniGameTypeId=t1["id"])
    a = app.ok("PATCH", f"/game-sessions/{a['id']}", {"status": "COMPLETED"})
    e_done = app.ok("PATCH", f"/game-sessions/{e['id']}", {"status": "COMPLETED"})
    e = app.ok("PATCH", f"/game-sessions/{e['id']}", {"status": "ACTIVE"})
    assert e_done["id"] == e["id"]

    def ids(q):
        doc = app.ok("GET", "/game-sessions" + q)
        assert list(doc) == ["gameSessions"]
        return [x["id"] for x in doc["gameSessions"]]

    # Newest first.
    assert ids("") == [e["id"], d["id"], c["id"], b["id"], a["id"]]
    assert app.ok("GET", "/game-sessions")["gameSessions"][0] == e
    assert ids("?status=ACTIVE") == [e["id"], c["id"]]
    assert ids("?status=COMPLETED") == [d["id"], b["id"], a["id"]]
    assert ids(f"?miniGameTypeId={t1['id']}") == [e["id"], d["id"], a["id"]]
    assert ids(f"?miniGameTypeId={t2['id']}") == [b["id"]]
    assert ids(f"?miniGameTypeId={t1['id']}&status=COMPLETED") == [d["id"], a["id"]]
    assert ids(f"?miniGameTypeId={t2['id']}&status=ACTIVE") == []
    assert ids("?status=&miniGameTypeId=") == ids("")
    for bad in BAD_IDS:
        assert ids(f"?miniGameTypeId={bad}") == []


def test_session_list_paging(s, app):
    made = [app.session(name=f"s{i}")["id"] for i in range(5)]
    newest = made[::-1]
    p1 = app.ok("GET", "/game-sessions?limit=2")
    assert [x["id"] for x in p1["gameSessions"]] == newest[:2]
    assert list(p1) == ["gameSessions", "nextCursor"] and p1["nextCursor"] == newest[1]
    p2 = app.ok("GET", f"/game-sessions?limit=2&cursor={p1['nextCursor']}")
    assert [x["id"] for x in p2["gameSessions"]] == newest[2:4] and p2["nextCursor"] == newest[3]
    p3 = app.ok("GET", f"/game-sessions?limit=2&cursor={p2['nextCursor']}")
    assert [x["id"] for x in p3["gameSessions"]] == newest[4:] and p3["nextCursor"] is None
    # A page that ends exactly at the last session says so.
    full = app.ok("GET", "/game-sessions?limit=5")
    assert len(full["gameSessions"]) == 5 and full["nextCursor"] is None
    # A cursor alone pages with no limit (the rest).
    rest = app.ok("GET", f"/game-sessions?cursor={newest[0]}")
    assert [x["id"] for x in rest["gameSessions"]] == newest[1:] and rest["nextCursor"] is None
    # Paging with a filter.
    app.ok("PATCH", f"/game-sessions/{made[1]}", {"status": "COMPLETED"})
    q = app.ok("GET", "/game-sessions?status=ACTIVE&limit=3")
    assert [x["id"] for x in q["gameSessions"]] == [made[4], made[3], made[2]]
    q2 = app.ok("GET", f"/game-sessions?status=ACTIVE&limit=3&cursor={q['nextCursor']}")
    assert [x["id"] for x in q2["gameSessions"]] == [made[0]] and q2["nextCursor"] is None
    assert len(app.ok("GET", "/game-sessions?limit=100")["gameSessions"]) == 5


@pytest.mark.parametrize("q,issue", [
    ("limit=0", ("too_small", "Number must be greater than or equal to 1", ["limit"])),
    ("limit=-3", ("too_small", "Number must be greater than or equal to 1", ["limit"])),
    ("limit=101", ("too_big", "Number must be less than or equal to 100", ["limit"])),
    ("limit=99999999999999999999999", ("too_big", "Number must be less than or equal to 100", ["limit"])),
    ("limit=abc", ("invalid_type", "Expected number, received nan", ["limit"])),
    ("limit=1.5", ("invalid_type", "Expected integer, received float", ["limit"])),
    ("limit=NaN", ("invalid_type", "Expected number, received nan", ["limit"])),
    ("cursor=abc", ("custom", "Invalid cursor", ["cursor"])),
    ("cursor=0", ("custom", "Invalid cursor", ["cursor"])),
    ("status=DONE", ("invalid_enum_value",
                     "Invalid enum value. Expected 'ACTIVE' | 'COMPLETED', received 'DONE'", ["status"])),
])
def test_session_list_query_validation(s, app, q, issue):
    assert_issues(app.call("GET", "/game-sessions?" + q), issue)


def test_session_list_integral_limit_forms(s, app):
    for _ in range(3):
        app.session()
    assert len(app.ok("GET", "/game-sessions?limit=2.0")["gameSessions"]) == 2
    assert len(app.ok("GET", "/game-sessions?limit=1e0")["gameSessions"]) == 1


# ----------------------------------------------------- session players


def test_register_and_list(s, app):
    ses = app.session()
    a = app.player("ann", imageUrl="https://img/ann.png")
    b = app.player("ben")
    assert app.ok("GET", f"/game-sessions/{ses['id']}/players") == {"players": []}
    ra = app.register(ses["id"], a["id"])
    assert list(ra) == SP_KEYS
    assert ra["score"] == 0 and ra["playerId"] == a["id"] and ra["displayName"] == "ann"
    assert ra["imageUrl"] == "https://img/ann.png" and ra["createdAt"] == ra["updatedAt"]
    r = app.call("POST", f"/game-sessions/{ses['id']}/players", {"playerId": b["id"]})
    assert r.status_code == 201 and '"score":0,' in r.text
    rb = r.json()
    assert app.ok("GET", f"/game-sessions/{ses['id']}")["playerCount"] == 2
    assert_error_body(app.call("POST", f"/game-sessions/{ses['id']}/players", {"playerId": a["id"]}),
                      409, "Player is already registered in this game session")
    assert app.ok("GET", f"/game-sessions/{ses['id']}")["playerCount"] == 2
    # Equal scores: whoever reached the score first comes first.
    assert app.ok("GET", f"/game-sessions/{ses['id']}/players") == {"players": [ra, rb]}
    # A completed session still takes registrations (only scores are frozen).
    app.ok("PATCH", f"/game-sessions/{ses['id']}", {"status": "COMPLETED"})
    c = app.player("cy")
    app.register(ses["id"], c["id"])
    assert app.ok("GET", f"/game-sessions/{ses['id']}")["playerCount"] == 3


def test_register_errors(s, app):
    ses = app.session()
    for bad in BAD_IDS + [""]:
        assert_error_body(app.call("POST", f"/game-sessions/{ses['id']}/players", {"playerId": bad}),
                          404, "Player not found")
    assert_issues(app.call("POST", f"/game-sessions/{ses['id']}/players", {}),
                  ("invalid_type", "Required", ["playerId"]))
    assert_issues(app.call("POST", f"/game-sessions/{ses['id']}/players", {"playerId": 1}),
                  ("invalid_type", "Expected string, received number", ["playerId"]))
    assert_issues(app.call("POST", f"/game-sessions/{ses['id']}/players", {"playerId": None}),
                  ("invalid_type", "Expected string, received null", ["playerId"]))
    assert_issues(app.call("POST", f"/game-sessions/{ses['id']}/players", raw=""),
                  ("invalid_type", "Required", ["playerId"]))
    assert app.ok("GET", f"/game-sessions/{ses['id']}")["playerCount"] == 0


def test_scores_order_and_shape(s, app):
    ses = app.session()
    ps = [app.player(n) for n in ("p1", "p2", "p3", "p4")]
    regs = [app.register(ses["id"], p["id"]) for p in ps]
    u = app.score(ses["id"], ps[0]["id"], 12.5)
    assert list(u) == SP_KEYS and u["score"] == 12.5 and u["createdAt"] == regs[0]["createdAt"]
    assert u["updatedAt"] >= regs[0]["updatedAt"]
    app.score(ses["id"], ps[1]["id"], -3)
    app.score(ses["id"], ps[2]["id"], 1e300)
    app.score(ses["id"], ps[3]["id"], 12)
    doc = app.ok("GET", f"/game-sessions/{ses['id']}/players")
    assert [(x["displayName"], x["score"]) for x in doc["players"]] == \
        [("p3", 1e300), ("p1", 12.5), ("p4", 12), ("p2", -3)]
    # Lowering a score moves the player down.
    app.score(ses["id"], ps[2]["id"], 0)
    doc = app.ok("GET", f"/game-sessions/{ses['id']}/players")
    assert [x["displayName"] for x in doc["players"]] == ["p1", "p4", "p3", "p2"]
    assert app.ok("GET", f"/game-sessions/{ses['id']}")["playerCount"] == 4


@pytest.mark.parametrize("raw,text", [
    ('{"score":3}', '"score":3,'), ('{"score":3.0}', '"score":3,'), ('{"score":0.1}', '"score":0.1,'),
    ('{"score":-0.0}', '"score":0,'), ('{"score":1e21}', '"score":1e+21,'),
    ('{"score":-2.5e-7}', '"score":-2.5e-7,'), ('{"score":9007199254740993}', '"score":9007199254740992,'),
    ('{"score":123456789.125}', '"score":123456789.125,'),
])
def test_score_numbers_round_trip(s, app, raw, text):
    ses = app.session()
    p = app.player("n")
    app.register(ses["id"], p["id"])
    r = app.call("PATCH", f"/game-sessions/{ses['id']}/players/{p['id']}", raw=raw)
    assert r.status_code == 200 and r.text.startswith("{" + text), r.text
    assert app.call("GET", f"/game-sessions/{ses['id']}/players").text.startswith('{"players":[{' + text)


@pytest.mark.parametrize("raw,issue", [
    ('{"score":NaN}', ("invalid_type", "Expected number, received nan", ["score"])),
    ('{"score":Infinity}', ("not_finite", "Number must be finite", ["score"])),
    ('{"score":-Infinity}', ("not_finite", "Number must be finite", ["score"])),
    ('{"score":1e400}', ("not_finite", "Number must be finite", ["score"])),
    ('{"score":-1e400}', ("not_finite", "Number must be finite", ["score"])),
    ('{"score":"12"}', ("invalid_type", "Expected number, received string", ["score"])),
    ('{"score":null}', ("invalid_type", "Expected number, received null", ["score"])),
    ('{"score":true}', ("invalid_type", "Expected number, received boolean", ["score"])),
    ('{"score":[1]}', ("invalid_type", "Expected number, received array", ["score"])),
    ('{"score":{}}', ("invalid_type", "Expected number, received object", ["score"])),
    ('{}', ("invalid_type", "Required", ["score"])),
    ('{"points":1}', ("invalid_type", "Required", ["score"])),
    ('{"score":123456789012345678901234567890}',
     ("too_big", "Number must be less than 18446744073709551615", ["score"])),
    ('{"score":-123456789012345678901234567890}',
     ("too_small", "Number must be greater than -9223372036854775808", ["score"])),
    ('"5"', ("invalid_type", "Expected object, received string", [])),
])
def test_score_validation(s, app, raw, issue):
    ses = app.session()
    p = app.player("v")
    app.register(ses["id"], p["id"])
    assert_issues(app.call("PATCH", f"/game-sessions/{ses['id']}/players/{p['id']}", raw=raw), issue)
    assert app.ok("GET", f"/game-sessions/{ses['id']}/players")["players"][0]["score"] == 0


@pytest.mark.parametrize("raw", ['{"score":nan}', '{"score":1,"x":NaN}', '{"score":1.}',
                                 '{"score":01}', '{"score":+1}', '{"score":1', 'NaN'])
def test_score_not_json(s, app, raw):
    ses = app.session()
    p = app.player("j")
    app.register(ses["id"], p["id"])
    assert_error_body(app.call("PATCH", f"/game-sessions/{ses['id']}/players/{p['id']}", raw=raw),
                      400, NOT_JSON)
    assert app.ok("GET", f"/game-sessions/{ses['id']}/players")["players"][0]["score"] == 0


def test_score_errors(s, app):
    ses = app.session()
    p, q = app.player("in"), app.player("out")
    app.register(ses["id"], p["id"])
    for bad in BAD_IDS + [q["id"]]:
        assert_error_body(app.call("PATCH", f"/game-sessions/{ses['id']}/players/{bad}", {"score": 1}),
                          404, "Player is not registered in this game session")
    app.score(ses["id"], p["id"], 5)
    app.ok("PATCH", f"/game-sessions/{ses['id']}", {"status": "COMPLETED"})
    assert_error_body(app.call("PATCH", f"/game-sessions/{ses['id']}/players/{p['id']}", {"score": 9}),
                      409, "Game session is completed")
    # Validation comes first, then the session, then the registration.
    assert_issues(app.call("PATCH", f"/game-sessions/{ses['id']}/players/{p['id']}", {"score": "9"}),
                  ("invalid_type", "Expected number, received string", ["score"]))
    [row] = app.ok("GET", f"/game-sessions/{ses['id']}/players")["players"]
    assert row["score"] == 5
    app.ok("PATCH", f"/game-sessions/{ses['id']}", {"status": "ACTIVE"})
    assert app.score(ses["id"], p["id"], 9)["score"] == 9


# -------------------------------------------------------- leaderboards


def board(app, q=""):
    doc = app.ok("GET", "/global-leaderboards" + q)
    assert list(doc) == ["leaderboards"]
    for lb in doc["leaderboards"]:
        assert list(lb) == ["miniGameTypeId", "miniGameTypeName", "leaderboard"]
        for e in lb["leaderboard"]:
            assert list(e) == ENTRY_KEYS
    return doc["leaderboards"]


def summary(lbs):
    return [(lb["miniGameTypeName"], [(e["playerDisplayName"], e["playerScore"], e["gameSessionId"])
                                      for e in lb["leaderboard"]]) for lb in lbs]


def test_leaderboards_best_per_player_per_type(s, app):
    assert board(app) == []
    ta, tb, tc = app.mtype("A"), app.mtype("B"), app.mtype("Empty")
    s1 = app.session(miniGameTypeId=ta["id"])["id"]
    s2 = app.session(miniGameTypeName="A")["id"]
    s3 = app.session(miniGameTypeId=tb["id"])["id"]
    s4 = app.session()["id"]  # no type: in no global leaderboard
    p1 = app.player("p1", imageUrl="https://i/1")
    p2, p3 = app.player("p2"), app.player("p3")
    for sid, pid in [(s1, p1), (s1, p2), (s2, p1), (s2, p2), (s3, p1), (s3, p3), (s4, p2)]:
        app.register(sid, pid["id"])
    app.score(s1, p1["id"], 10)
    app.score(s1, p2["id"], 30)
    best = app.score(s2, p1["id"], 50)
    app.score(s2, p2["id"], 20)
    app.score(s3, p1["id"], 5)
    app.score(s3, p3["id"], 7)
    app.score(s4, p2["id"], 1000)
    lbs = board(app)
    assert summary(lbs) == [("A", [("p1", 50, s2), ("p2", 30, s1)]),
                            ("B", [("p3", 7, s3), ("p1", 5, s3)]),
                            ("Empty", [])]
    assert [lb["miniGameTypeId"] for lb in lbs] == [ta["id"], tb["id"], tc["id"]]
    top = lbs[0]["leaderboard"][0]
    assert top == {"playerId": p1["id"], "playerDisplayName": "p1", "playerScore": 50,
                   "playerImageUrl": "https://i/1", "gameSessionId": s2,
                   "createdAt": best["createdAt"], "updatedAt": best["updatedAt"]}
    assert lbs[0]["leaderboard"][1]["playerImageUrl"] is None
    # p1's best in A drops from 50 to 10 (their other session of A).
    app.score(s2, p1["id"], 1)
    assert summary(board(app))[0] == ("A", [("p2", 30, s1), ("p1", 10, s1)])
    # ... and back up.
    app.score(s1, p1["id"], 31)
    assert summary(board(app))[0] == ("A", [("p1", 31, s1), ("p2", 30, s1)])
    # Filter by type; limit.
    assert summary(board(app, f"?miniGameTypeId={tb['id']}")) == [("B", [("p3", 7, s3), ("p1", 5, s3)])]
    assert summary(board(app, "?limit=1")) == [("A", [("p1", 31, s1)]), ("B", [("p3", 7, s3)]),
                                               ("Empty", [])]
    assert summary(board(app, f"?miniGameTypeId={ta['id']}&limit=1")) == [("A", [("p1", 31, s1)])]
    assert summary(board(app, "?miniGameTypeId=&limit=")) == summary(board(app))


def test_leaderboard_registration_counts_as_zero_and_ties(s, app):
    t = app.mtype("T")
    s1 = app.session(miniGameTypeId=t["id"])["id"]
    s2 = app.session(miniGameTypeId=t["id"])["id"]
    a, b = app.player("a"), app.player("b")
    app.register(s1, a["id"])
    assert summary(board(app)) == [("T", [("a", 0, s1)])]
    app.register(s2, a["id"])  # equal to the best: the first session keeps it
    app.register(s2, b["id"])
    assert summary(board(app)) == [("T", [("a", 0, s1), ("b", 0, s2)])]
    app.score(s2, a["id"], -5)
    app.score(s1, a["id"], -1)
    assert summary(board(app)) == [("T", [("b", 0, s2), ("a", -1, s1)])]


def test_leaderboard_limit_default_and_bounds(s, app):
    t = app.mtype("Big")
    sid = app.session(miniGameTypeId=t["id"])["id"]
    for i in range(12):
        p = app.player(f"q{i:02d}")
        app.register(sid, p["id"])
        app.score(sid, p["id"], i)
    [lb] = board(app)
    assert [e["playerScore"] for e in lb["leaderboard"]] == list(range(11, 1, -1))
    [lb] = board(app, "?limit=100")
    assert len(lb["leaderboard"]) == 12
    for q, issue in [("0", ("too_small", "Number must be greater than or equal to 1", ["limit"])),
                     ("101", ("too_big", "Number must be less than or equal to 100", ["limit"])),
                     ("x", ("invalid_type", "Expected number, received nan", ["limit"])),
                     ("2.5", ("invalid_type", "Expected integer, received float", ["limit"]))]:
        assert_issues(app.call("GET", "/global-leaderboards?limit=" + q), issue)


@pytest.mark.parametrize("bad", BAD_IDS)
def test_leaderboard_unknown_type_404(s, app, bad):
    app.mtype("T")
    assert_error_body(app.call("GET", f"/global-leaderboards?miniGameTypeId={bad}"), 404,
                      "Mini game type not found")


def test_leaderboards_ignore_other_types_sessions(s, app):
    """Many sessions of another type do not change a type's leaderboard
    (the ordering is kept per type, docs/meshmap.md)."""
    t1, t2 = app.mtype("One"), app.mtype("Two")
    s1 = app.session(miniGameTypeId=t1["id"])["id"]
    p = app.player("solo")
    app.register(s1, p["id"])
    app.score(s1, p["id"], 3)
    crowd = app.player("crowd")
    for i in range(30):
        sid = app.session(miniGameTypeId=t2["id"])["id"]
        app.register(sid, crowd["id"])
        app.score(sid, crowd["id"], 100 + i)
    assert summary(board(app, f"?miniGameTypeId={t1['id']}")) == [("One", [("solo", 3, s1)])]
    [two] = board(app, f"?miniGameTypeId={t2['id']}")
    assert [(e["playerDisplayName"], e["playerScore"]) for e in two["leaderboard"]] == [("crowd", 129)]


# ------------------------------------------------------ tenant isolation


def test_other_app_reaches_nothing(s):
    a, b = App(s), App(s)
    t = a.mtype("Secret")
    ses = a.session(miniGameTypeId=t["id"], name="mine")
    p = a.player("owner")
    a.register(ses["id"], p["id"])
    a.score(ses["id"], p["id"], 42)
    bs = b.session()
    bp = b.player("owner")  # display names are unique per app, not across apps
    assert bp["id"] != p["id"]
    none_id = "987654321"

    def same_404(method, path, body, msg):
        theirs = b.call(method, path.format(id=ses["id"], pid=p["id"], tid=t["id"]), body)
        absent = b.call(method, path.format(id=none_id, pid=none_id, tid=none_id), body)
        assert_error_body(theirs, 404, msg)
        assert theirs.text == absent.text

    same_404("GET", "/game-sessions/{id}", None, "Game session not found")
    same_404("PATCH", "/game-sessions/{id}", {"status": "COMPLETED"}, "Game session not found")
    same_404("GET", "/game-sessions/{id}/players", None, "Game session not found")
    same_404("POST", "/game-sessions/{id}/players", {"playerId": bp["id"]}, "Game session not found")
    same_404("PATCH", "/game-sessions/{id}/players/{pid}", {"score": 1}, "Game session not found")
    same_404("GET", "/global-leaderboards?miniGameTypeId={tid}", None, "Mini game type not found")
    for body in ({"miniGameTypeId": t["id"]}, {"miniGameTypeName": "Secret"}):
        assert_error_body(b.call("POST", "/game-sessions", body), 404, "Mini game type not found")
    theirs = b.call("POST", f"/game-sessions/{bs['id']}/players", {"playerId": p["id"]})
    assert_error_body(theirs, 404, "Player not found")
    assert_error_body(b.call("PATCH", f"/game-sessions/{bs['id']}/players/{p['id']}", {"score": 1}),
                      404, "Player is not registered in this game session")
    # Lists show only b's own things.
    assert [x["id"] for x in b.ok("GET", "/game-sessions")["gameSessions"]] == [bs["id"]]
    assert b.ok("GET", f"/game-sessions?miniGameTypeId={t['id']}") == {"gameSessions": []}
    assert b.ok("GET", "/players") == {"players": [bp]}
    assert b.ok("GET", "/minigame-types") == {"miniGameTypes": []}
    assert b.ok("GET", "/minigame-types?miniGameTypeName=Secret") == {"miniGameTypes": []}
    assert b.ok("GET", "/global-leaderboards") == {"leaderboards": []}
    # b can use the same type name.
    b.mtype("Secret")
    # Nothing of a's changed.
    got = a.ok("GET", f"/game-sessions/{ses['id']}")
    assert got["status"] == "ACTIVE" and got["playerCount"] == 1 and got["name"] == "mine"
    assert summary(board(a)) == [("Secret", [("owner", 42, ses["id"])])]
