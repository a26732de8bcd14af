"""Tenant isolation matrix: for every route of every family (src/router.c),
a credential of game A (its Game Jolt private key, a player's token, its
`tb_` key, its app key) aimed at game B's objects is refused and reveals
nothing: the answer is byte for byte the answer for an object that does not
exist (ids echoed in the answer are normalised first). Afterwards B's
objects are exactly as they were.

Game ids themselves are public: Game Jolt clients send game_id in every
URL and the documented check order answers an unknown game_id before the
signature (docs/gamejolt.md). So for the signature itself the comparison
is: game B's id signed with A's key answers exactly like B's id signed with
any wrong key."""

import json
import re
import secrets

import pytest

from harness import Stack, gj_signature, target_of

GHOST = "987654321"              # an id no object has
GHOST_NAME = "ghost-name-never-made"


class Game:
    pass


def make_game(s, tag):
    g = Game()
    g.game = s.ctl("game", "create", "--name", f"iso-{tag}")
    g.id = str(g.game["id"])
    g.table = str(s.ctl("table", "create", "--game", g.id, "--name", f"T{tag}")["id"])
    g.player = s.ctl("player", "create", "--game", g.id, "--username", f"only{tag}")
    g.shared = s.ctl("player", "create", "--game", g.id, "--username", "sam")
    g.friend = s.ctl("player", "create", "--game", g.id, "--username", f"friend{tag}")
    s.ctl("friend", "add", "--game", g.id, "--player", g.player["id"], "--player", g.friend["id"])
    g.trophy = str(s.ctl("trophy", "create", "--game", g.id, "--title", f"tr{tag}",
                         "--description", "d", "--difficulty", "gold")["id"])
    g.tb = s.ctl("key", "create", "--game", g.id, "--kind", "teambattles",
                 "--perm", "game.scores=write", "--perm", "game.lifecycle=read-write",
                 "--perm", "game.matches=read", "--perm", "uploads=read-write")["key"]
    g.app = s.ctl("key", "create", "--game", g.id, "--kind", "app")["key"]
    teams = [s.ctl("team", "create", "--game", g.id, "--name", n)["id"] for n in ("X", "Y")]
    g.match = str(s.ctl("match", "create", "--game", g.id, "--creator-team", teams[0],
                        "--opponent-team", teams[1], "--best-of", "3")["id"])
    s.ctl("score", "pending", "--match", g.match, "--map-index", "1", "--creator-score", "3",
          "--opponent-score", "1")
    return g


class World:
    pass


@pytest.fixture(scope="module")
def w():
    with Stack(workers=2) as s:
        x = World()
        x.s = s
        x.A = make_game(s, "A")
        x.B = make_game(s, "B")
        for g, tag in ((x.A, "A"), (x.B, "B")):
            x.g = g
            assert gj(x, g, "data-store/set", [("key", f"only{tag}"), ("data", tag)]).status_code == 200
            assert gj(x, g, "data-store/set", [("key", "shared"), ("data", tag)]).status_code == 200
            assert gj(x, g, "data-store/set", [("key", "mine"), ("data", tag)] + creds(g.player)).status_code == 200
            assert gj(x, g, "scores/add", [("guest", f"guest{tag}"), ("score", "5"), ("sort", "5"),
                                           ("table_id", g.table)]).status_code == 200
            assert gj(x, g, "trophies/add-achieved", creds(g.player) + [("trophy_id", g.trophy)]).status_code == 200
            assert gj(x, g, "sessions/open", creds(g.player)).status_code == 200
            t = mm(x, g, "POST", "/api/v1/apps/minigame-types", {"name": f"type{tag}"})
            g.mtype = t.json()["id"]
            g.mtype_name = f"type{tag}"
            g.session = mm(x, g, "POST", "/api/v1/apps/game-sessions",
                           {"name": f"s{tag}", "miniGameTypeId": g.mtype}).json()["id"]
            g.mplayer = mm(x, g, "POST", "/api/v1/apps/players", {"displayName": f"mp{tag}"}).json()["id"]
            r = mm(x, g, "POST", f"/api/v1/apps/game-sessions/{g.session}/players", {"playerId": g.mplayer})
            assert r.status_code == 201, r.text
            r = mm(x, g, "PATCH", f"/api/v1/apps/game-sessions/{g.session}/players/{g.mplayer}", {"score": 42})
            assert r.status_code == 200, r.text
            url = tb(x, g, "POST", "/api/v1/uploads/image-url").json()["uploadUrl"]
            r = s.request("POST", target_of(url), data=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40,
                          headers={"Content-Type": "image/png"})
            g.storage = r.json()["storageId"]
        x.before = snapshot(x, x.B)
        yield x


# ------------------------------------------------------------ clients

def creds(p):
    return [("username", p["username"]), ("user_token", p["token"])]


def gj(x, g, endpoint, params, game_id=None, key=None):
    """Signed GET to Game Jolt `endpoint` as game g (game_id may differ from
    the key's game: that is the point of some cases)."""
    gid = g.id if game_id is None else game_id
    url = x.s.gj_plain_url(endpoint, [("game_id", gid)] + list(params))
    sig = gj_signature(url, key or g.game["private_key"])
    return x.s.request("GET", target_of(url + "&signature=" + sig))


def tb(x, g, method, path, body=None, key=None):
    h = {"Authorization": "Bearer " + (key or g.tb)}
    data = None
    if body is not None:
        data = json.dumps(body)
        h["Content-Type"] = "application/json"
    return x.s.request(method, path, data=data, headers=h)


def mm(x, g, method, path, body=None, key=None):
    h = {"x-app-api-key": key or g.app}
    data = None
    if body is not None:
        data = json.dumps(body)
        h["Content-Type"] = "application/json"
    return x.s.request(method, path, data=data, headers=h)


def answer(r, *ids):
    """What a client learns: status, media type, body with ids normalised."""
    body = r.content.decode("utf-8")
    for i in ids:
        body = body.replace(json.dumps(str(i)), '"ID"')
    return r.status_code, r.headers.get("Content-Type"), body


AGO = re.compile(r'"(stored|achieved|last_logged_in|signed_up)":"[^"]*"')


def snapshot(x, g):
    """Everything game g has, read with g's own credentials (relative times
    like "1 second ago" left out: they move on their own)."""
    out = {}
    out["scores"] = gj(x, g, "scores", [("table_id", g.table), ("limit", "100")]).text
    out["tables"] = gj(x, g, "scores/tables", []).text
    out["keys"] = gj(x, g, "data-store/get-keys", []).text
    out["data"] = "\n".join(gj(x, g, "data-store", [("key", k)]).text for k in ("onlyB", "onlyA", "shared"))
    out["udata"] = gj(x, g, "data-store", [("key", "mine")] + creds(g.player)).text
    out["trophies"] = gj(x, g, "trophies", creds(g.player)).text
    out["friends"] = gj(x, g, "friends", creds(g.player)).text
    out["auth"] = gj(x, g, "users/auth", creds(g.player)).text
    out["shared_auth"] = gj(x, g, "users/auth", creds(g.shared)).text
    out["session"] = gj(x, g, "sessions/check", creds(g.player)).text
    out["tb_scores"] = tb(x, g, "GET", f"/api/v1/game/matches/{g.match}/scores").json()
    out["tb_scores"].pop("timestamp")
    out["tb_list"] = tb(x, g, "POST", "/api/v1/game/matches", {"limit": 100}).text
    out["mm_sessions"] = mm(x, g, "GET", "/api/v1/apps/game-sessions").text
    out["mm_players"] = mm(x, g, "GET", f"/api/v1/apps/game-sessions/{g.session}/players").text
    out["mm_all_players"] = mm(x, g, "GET", "/api/v1/apps/players").text
    out["mm_types"] = mm(x, g, "GET", "/api/v1/apps/minigame-types").text
    out["mm_boards"] = mm(x, g, "GET", "/api/v1/apps/global-leaderboards").text
    return {k: AGO.sub(r'"\1":"-"', v) if isinstance(v, str) else v for k, v in out.items()}


# ------------------------------------------------------------ Game Jolt

GJ_ROUTES = ["users", "users/auth", "sessions/open", "sessions/ping", "sessions/check",
             "sessions/close", "friends", "time", "get-time", "scores/add", "scores",
             "scores/fetch", "scores/tables", "scores/get-rank", "trophies",
             "trophies/add-achieved", "trophies/add_achieved", "trophies/remove-achieved",
             "trophies/remove_achieved", "data-store", "data-store/set", "data-store/update",
             "data-store/remove", "data-store/get-keys", "batch"]


def gj_params(x, g, route):
    """Plausible parameters for each route, with game g's own objects."""
    p = creds(g.player)
    return {
        "users": [("username", g.player["username"])],
        "users/auth": p, "sessions/open": p, "sessions/ping": p, "sessions/check": p,
        "sessions/close": p, "friends": p, "time": [], "get-time": [],
        "scores/add": [("guest", "z"), ("score", "1"), ("sort", "1"), ("table_id", g.table)],
        "scores": [("table_id", g.table)], "scores/fetch": [("table_id", g.table)],
        "scores/tables": [], "scores/get-rank": [("sort", "1"), ("table_id", g.table)],
        "trophies": p, "trophies/add-achieved": p + [("trophy_id", g.trophy)],
        "trophies/add_achieved": p + [("trophy_id", g.trophy)],
        "trophies/remove-achieved": p + [("trophy_id", g.trophy)],
        "trophies/remove_achieved": p + [("trophy_id", g.trophy)],
        "data-store": [("key", "shared")], "data-store/set": [("key", "shared"), ("data", "pwned")],
        "data-store/update": [("key", "shared"), ("operation", "append"), ("value", "pwned")],
        "data-store/remove": [("key", "shared")], "data-store/get-keys": [],
        "batch": [("requests[]", "/time/?game_id=" + g.id + "&signature=x")],
    }[route]


@pytest.mark.parametrize("route", GJ_ROUTES)
def test_gj_signature_of_a_for_game_b(w, route):
    """game_id=B signed with A's private key: refused exactly like B's id
    signed with a random key."""
    params = gj_params(w, w.B, route)
    with_a = gj(w, w.B, route, params, key=w.A.game["private_key"])
    with_random = gj(w, w.B, route, params, key=secrets.token_hex(16))
    assert answer(with_a) == answer(with_random)
    assert json.loads(with_a.text)["response"] == {
        "success": "false", "message": "The signature you entered for the request is invalid."}


@pytest.mark.parametrize("route", ["users/auth", "sessions/open", "sessions/ping", "sessions/check",
                                   "sessions/close", "friends", "trophies", "trophies/add-achieved",
                                   "trophies/remove-achieved", "scores/add", "scores",
                                   "data-store", "data-store/set"])
def test_gj_player_token_of_a_in_game_b(w, route):
    """Both games have a player 'sam'. A's sam's token, sent in a request B
    signed properly, does not make anyone sam in B: same answer as a
    random token."""
    base = [(k, v) for k, v in gj_params(w, w.B, route) if k not in ("username", "user_token")]
    if route in ("scores/add",):
        base = [(k, v) for k, v in base if k != "guest"]
    if route in ("trophies/add-achieved", "trophies/remove-achieved"):
        base = [("trophy_id", w.B.trophy)]
    r_a = gj(w, w.B, route, base + [("username", "sam"), ("user_token", w.A.shared["token"])])
    r_x = gj(w, w.B, route, base + [("username", "sam"), ("user_token", secrets.token_hex(16))])
    assert answer(r_a) == answer(r_x)
    assert json.loads(r_a.text)["response"]["success"] == "false", r_a.text


def gj_object_cases(x):
    """(route, params with B's object, params with a ghost) as game A."""
    A, B = x.A, x.B
    pa = creds(A.player)
    return [
        ("users", [("user_id", B.player["id"])], [("user_id", GHOST)]),
        ("users", [("username", B.player["username"])], [("username", GHOST_NAME)]),
        ("users/auth", creds(B.player), [("username", GHOST_NAME), ("user_token", B.player["token"])]),
        ("sessions/open", creds(B.player), [("username", GHOST_NAME), ("user_token", B.player["token"])]),
        ("sessions/ping", creds(B.player), [("username", GHOST_NAME), ("user_token", B.player["token"])]),
        ("sessions/check", creds(B.player), [("username", GHOST_NAME), ("user_token", B.player["token"])]),
        ("sessions/close", creds(B.player), [("username", GHOST_NAME), ("user_token", B.player["token"])]),
        ("friends", creds(B.player), [("username", GHOST_NAME), ("user_token", B.player["token"])]),
        ("scores/add", [("guest", "g"), ("score", "1"), ("sort", "1"), ("table_id", B.table)],
         [("guest", "g"), ("score", "1"), ("sort", "1"), ("table_id", GHOST)]),
        ("scores/add", [("score", "1"), ("sort", "1")] + creds(B.player),
         [("score", "1"), ("sort", "1"), ("username", GHOST_NAME), ("user_token", B.player["token"])]),
        ("scores", [("table_id", B.table)], [("table_id", GHOST)]),
        ("scores/fetch", [("table_id", B.table)], [("table_id", GHOST)]),
        ("scores", creds(B.player), [("username", GHOST_NAME), ("user_token", B.player["token"])]),
        ("scores/get-rank", [("sort", "1"), ("table_id", B.table)], [("sort", "1"), ("table_id", GHOST)]),
        ("trophies", pa + [("trophy_id", B.trophy)], pa + [("trophy_id", GHOST)]),
        ("trophies", creds(B.player), [("username", GHOST_NAME), ("user_token", B.player["token"])]),
        ("trophies/add-achieved", pa + [("trophy_id", B.trophy)], pa + [("trophy_id", GHOST)]),
        ("trophies/add_achieved", pa + [("trophy_id", B.trophy)], pa + [("trophy_id", GHOST)]),
        ("trophies/remove-achieved", pa + [("trophy_id", B.trophy)], pa + [("trophy_id", GHOST)]),
        ("trophies/remove_achieved", pa + [("trophy_id", B.trophy)], pa + [("trophy_id", GHOST)]),
        ("data-store", [("key", "onlyB")], [("key", GHOST_NAME)]),
        ("data-store", [("key", "mine")] + creds(B.player),
         [("key", "mine"), ("username", GHOST_NAME), ("user_token", B.player["token"])]),
        ("data-store/update", [("key", "onlyB"), ("operation", "append"), ("value", "x")],
         [("key", GHOST_NAME), ("operation", "append"), ("value", "x")]),
        ("data-store/remove", [("key", "onlyB")], [("key", GHOST_NAME)]),
        ("data-store/get-keys", [("pattern", "onlyB")], [("pattern", GHOST_NAME)]),
        ("data-store/set", [("key", "k"), ("data", "x")] + creds(B.player),
         [("key", "k"), ("data", "x"), ("username", GHOST_NAME), ("user_token", B.player["token"])]),
    ]


GJ_OBJECT_IDS = [f"{i}-{c[0]}" for i, c in enumerate([
    ("users",), ("users-name",), ("users/auth",), ("sessions/open",), ("sessions/ping",),
    ("sessions/check",), ("sessions/close",), ("friends",), ("scores/add-table",), ("scores/add-user",),
    ("scores",), ("scores/fetch",), ("scores-user",), ("scores/get-rank",), ("trophies-id",),
    ("trophies-user",), ("trophies/add-achieved",), ("trophies/add_achieved",),
    ("trophies/remove-achieved",), ("trophies/remove_achieved",), ("data-store",),
    ("data-store-user",), ("data-store/update",), ("data-store/remove",), ("data-store/get-keys",),
    ("data-store/set-user",)])]


@pytest.mark.parametrize("case", range(len(GJ_OBJECT_IDS)), ids=GJ_OBJECT_IDS)
def test_gj_objects_of_b_as_game_a(w, case):
    cases = gj_object_cases(w)
    assert len(cases) == len(GJ_OBJECT_IDS)
    route, with_b, with_ghost = cases[case]
    assert GJ_OBJECT_IDS[case].split("-", 1)[1].startswith(route)
    r_b = gj(w, w.A, route, with_b)
    r_g = gj(w, w.A, route, with_ghost)
    assert answer(r_b) == answer(r_g), (route, r_b.text, r_g.text)
    doc = json.loads(r_b.text)["response"]
    assert doc["success"] == "false" or doc.get("keys") == [] or doc.get("trophies") == [], r_b.text


def test_gj_lists_of_a_show_nothing_of_b(w):
    A, B = w.A, w.B
    tables = json.loads(gj(w, A, "scores/tables", []).text)["response"]["tables"]
    assert [t["id"] for t in tables] == [A.table]
    keys = json.loads(gj(w, A, "data-store/get-keys", []).text)["response"]["keys"]
    assert "onlyB" not in [k["key"] for k in keys]
    scores = json.loads(gj(w, A, "scores", [("limit", "100")]).text)["response"]["scores"]
    assert "guestB" not in [s["guest"] for s in scores]
    users = gj(w, A, "users", [("user_id", ",".join([A.player["id"].__str__(), str(B.player["id"])]))])
    assert [u["username"] for u in json.loads(users.text)["response"]["users"]] == ["onlyA"]


def test_gj_batch_sub_request_for_game_b(w):
    """Inside A's batch, a sub-request naming B (even signed with B's key)
    is answered exactly like one naming a game that does not exist."""
    A, B = w.A, w.B

    def sub(gid, key):
        path = f"/data-store/?game_id={gid}&key=onlyB"
        return path + "&signature=" + gj_signature(path, key)
    r_b = gj(w, A, "batch", [("requests[]", sub(B.id, B.game["private_key"]))])
    r_g = gj(w, A, "batch", [("requests[]", sub(GHOST, B.game["private_key"]))])
    assert answer(r_b) == answer(r_g)
    assert "onlyB" not in r_b.text and '"B"' not in r_b.text


# ------------------------------------------------------------ TeamBattles

def tb_cases(x):
    """(name, method, path-with-ID, body-with-ID) as A's key; ID is B's
    match or a ghost."""
    item = {"mapIndex": 0, "mapId": "m", "creatorTeamScore": 1, "opponentTeamScore": 0}
    return [
        ("batch-scores", "POST", "/api/v1/game/matches/batch-scores",
         lambda i: {"items": [dict(item, matchId=i)]}),
        ("get-scores", "GET", "/api/v1/game/matches/{}/scores", None),
        ("match-scores", "POST", "/api/v1/game/matches/{}/scores", lambda i: {"maps": [item]}),
        ("map-score", "POST", "/api/v1/game/matches/{}/scores/1",
         lambda i: {"mapId": "m", "creatorTeamScore": 1, "opponentTeamScore": 0}),
        ("player-stats", "POST", "/api/v1/game/matches/{}/player-stats",
         lambda i: {"mapIndex": 1, "playerStats": {"u1": {"k": 1}}}),
        ("status", "PATCH", "/api/v1/game/matches/{}/status", lambda i: {"status": "IN_PROGRESS"}),
    ]


TB_NAMES = ["batch-scores", "get-scores", "match-scores", "map-score", "player-stats", "status"]


@pytest.mark.parametrize("name", TB_NAMES)
def test_tb_match_of_b_with_key_of_a(w, name):
    case = {c[0]: c for c in tb_cases(w)}[name]
    _n, method, path, body = case

    def call(mid):
        return tb(w, w.A, method, path.format(mid), body(mid) if body else None)
    r_b, r_g = call(w.B.match), call(GHOST)
    assert answer(r_b, w.B.match) == answer(r_g, GHOST), (r_b.text, r_g.text)
    assert "error_match_not_found" in r_b.text, r_b.text


@pytest.mark.parametrize("name", TB_NAMES)
def test_tb_app_key_of_a_on_b_match(w, name):
    """An app key (A's) on TeamBattles routes: refused before any lookup."""
    _n, method, path, body = {c[0]: c for c in tb_cases(w)}[name]
    r_b = tb(w, w.A, method, path.format(w.B.match), body(w.B.match) if body else None, key=w.A.app)
    r_g = tb(w, w.A, method, path.format(GHOST), body(GHOST) if body else None, key=w.A.app)
    assert answer(r_b, w.B.match) == answer(r_g, GHOST)
    assert (r_b.status_code, r_b.json()) == (403, {"error": "error_game_scope_mismatch"})


def test_tb_storage_id_of_b(w):
    """B's storage id in A's score: the same as a storage id never issued."""
    item = {"matchId": w.A.match, "mapIndex": 0, "mapId": "m", "creatorTeamScore": 1,
            "opponentTeamScore": 0}
    r_b = tb(w, w.A, "POST", "/api/v1/game/matches/batch-scores",
             {"items": [dict(item, screenshotStorageIds=[w.B.storage])]})
    r_g = tb(w, w.A, "POST", "/api/v1/game/matches/batch-scores",
             {"items": [dict(item, screenshotStorageIds=["0" * 32])]})
    assert answer(r_b) == answer(r_g)
    assert r_b.json()["submitted"][0]["error"] == "error_invalid_request"


def test_tb_list_of_a_shows_nothing_of_b(w):
    r = tb(w, w.A, "POST", "/api/v1/game/matches", {"limit": 100})
    assert [m["id"] for m in r.json()["matches"]] == [w.A.match], r.text
    r = tb(w, w.A, "POST", "/api/v1/game/matches", {"limit": 1, "cursor": "c" + "0" * 15 + "9"})
    assert all(m["id"] != w.B.match for m in r.json().get("matches", [])), r.text


def test_tb_upload_url_of_a_stores_in_a(w):
    url = tb(w, w.A, "POST", "/api/v1/uploads/image-url").json()["uploadUrl"]
    r = w.s.request("POST", target_of(url), data=b"GIF89a\x01\x00\x01\x00" + b"\x00" * 40,
                    headers={"Content-Type": "image/gif"})
    sid = r.json()["storageId"]
    item = {"matchId": w.B.match, "mapIndex": 2, "mapId": "m", "creatorTeamScore": 1,
            "opponentTeamScore": 0, "screenshotStorageIds": [sid]}
    r = tb(w, w.B, "POST", "/api/v1/game/matches/batch-scores", {"items": [item]})
    assert r.json()["submitted"][0]["error"] == "error_invalid_request", r.text


# ------------------------------------------------------------ MeshMap

def mm_cases(x):
    """(name, method, path, body) as A's app key with B's object / a ghost."""
    A, B = x.A, x.B
    return [
        ("get-session", lambda i: ("GET", f"/api/v1/apps/game-sessions/{i}", None), B.session),
        ("patch-session", lambda i: ("PATCH", f"/api/v1/apps/game-sessions/{i}", {"name": "pwned"}), B.session),
        ("session-players", lambda i: ("GET", f"/api/v1/apps/game-sessions/{i}/players", None), B.session),
        ("register-in-b", lambda i: ("POST", f"/api/v1/apps/game-sessions/{i}/players",
                                     {"playerId": A.mplayer}), B.session),
        ("register-b-player", lambda i: ("POST", f"/api/v1/apps/game-sessions/{A.session}/players",
                                         {"playerId": i}), B.mplayer),
        ("score-in-b", lambda i: ("PATCH", f"/api/v1/apps/game-sessions/{i}/players/{B.mplayer}",
                                  {"score": 1}), B.session),
        ("score-b-player", lambda i: ("PATCH", f"/api/v1/apps/game-sessions/{A.session}/players/{i}",
                                      {"score": 1}), B.mplayer),
        ("session-with-b-type", lambda i: ("POST", "/api/v1/apps/game-sessions",
                                           {"miniGameTypeId": i}), B.mtype),
        ("session-with-b-type-name", lambda i: ("POST", "/api/v1/apps/game-sessions",
                                                {"miniGameTypeName": i}), B.mtype_name),
        ("list-by-b-type", lambda i: ("GET", f"/api/v1/apps/game-sessions?miniGameTypeId={i}", None), B.mtype),
        ("types-by-b-name", lambda i: ("GET", f"/api/v1/apps/minigame-types?miniGameTypeName={i}", None),
         B.mtype_name),
        ("board-of-b-type", lambda i: ("GET", f"/api/v1/apps/global-leaderboards?miniGameTypeId={i}", None),
         B.mtype),
    ]


MM_NAMES = ["get-session", "patch-session", "session-players", "register-in-b", "register-b-player",
            "score-in-b", "score-b-player", "session-with-b-type", "session-with-b-type-name",
            "list-by-b-type", "types-by-b-name", "board-of-b-type"]


@pytest.mark.parametrize("name", MM_NAMES)
def test_mm_objects_of_b_with_key_of_a(w, name):
    case = {c[0]: c for c in mm_cases(w)}[name]
    _n, build, b_obj = case
    ghost = GHOST_NAME if name.endswith("name") else GHOST
    r_b = mm(w, w.A, *build(b_obj))
    r_g = mm(w, w.A, *build(ghost))
    assert answer(r_b, b_obj) == answer(r_g, ghost), (r_b.text, r_g.text)
    assert r_b.status_code in (200, 404), r_b.text
    if r_b.status_code == 200:
        assert r_b.json() in ({"gameSessions": []}, {"miniGameTypes": []}), r_b.text


@pytest.mark.parametrize("name", MM_NAMES)
def test_mm_tb_key_of_a_on_b_objects(w, name):
    """A's tb_ key on MeshMap routes: 401 whatever the object."""
    _n, build, b_obj = {c[0]: c for c in mm_cases(w)}[name]
    ghost = GHOST_NAME if name.endswith("name") else GHOST
    r_b = mm(w, w.A, *build(b_obj), key=w.A.tb)
    r_g = mm(w, w.A, *build(ghost), key=w.A.tb)
    assert answer(r_b, b_obj) == answer(r_g, ghost)
    assert (r_b.status_code, r_b.text) == (401, '{"error":"Invalid API key"}')


def test_mm_lists_of_a_show_nothing_of_b(w):
    A, B = w.A, w.B
    ss = mm(w, A, "GET", "/api/v1/apps/game-sessions").json()["gameSessions"]
    assert [s["id"] for s in ss] == [A.session]
    players = mm(w, A, "GET", "/api/v1/apps/players").json()["players"]
    assert B.mplayer not in [p["id"] for p in players]
    assert "mpB" not in [p["displayName"] for p in players]
    types = mm(w, A, "GET", "/api/v1/apps/minigame-types").json()["miniGameTypes"]
    assert [t["id"] for t in types] == [A.mtype]
    boards = mm(w, A, "GET", "/api/v1/apps/global-leaderboards").json()["leaderboards"]
    assert [b["miniGameTypeId"] for b in boards] == [A.mtype]
    assert all(e["playerId"] != B.mplayer for b in boards for e in b["leaderboard"])
    # names are per app: A may use B's names without a conflict
    r = mm(w, A, "POST", "/api/v1/apps/minigame-types", {"name": B.mtype_name})
    assert r.status_code == 201, r.text
    r = mm(w, A, "POST", "/api/v1/apps/players", {"displayName": "mpB"})
    assert r.status_code == 201, r.text
    r = mm(w, A, "POST", "/api/v1/apps/players", {"displayName": B.player["username"]})
    assert r.status_code == 201, r.text


# ------------------------------------------------------------ afterwards

def test_zz_game_b_unchanged(w):
    """Runs last (name order within this module): nothing above touched B."""
    after = snapshot(w, w.B)
    for k in w.before:
        assert after[k] == w.before[k], k
