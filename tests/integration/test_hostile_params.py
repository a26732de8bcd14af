"""Hostile parameters and ids, in every family: invalid percent-encoding,
invalid UTF-8 and NUL in decoded values, 100,000 parameters, over-long
names, 10,000-character ids, ids made of key separators, slashes, `..` and
NUL, numbers out of range (sort beyond int64, TeamBattles scores beyond
1000, NaN, Infinity), and duplicate items in one batch. Each gets a clear
error in the family's format, writes nothing, and the workers survive."""

import json

import pytest

from harness import target_of
from test_hostile_kit import (GJ_BADENC, GJ_OK, GJ_TOOLONG, GJ_TOOMANY, GJ_UTF8, MM_BADENC,
                              MM_UTF8, TB_INVALID, assert_answer, fcgi_params, fcgi_request,
                              gj_fail, guarded_stack, mm_issue, unchanged)

E_GAME = "The game ID you passed in does not point to a valid game."
E_TABLE = "The high score table ID you passed in does not belong to this game or has been deleted."
E_CREDS = "No such user with the credentials passed in could be found."
E_NOUSER = "No such user could be found."
E_TROPHY = "The trophy ID you passed in does not belong to this game."
E_KEYLONG = "The key is too long (at most 255 bytes)."
E_GUEST = "The guest name must be 1 to 100 characters without control characters."
E_SORT = "You must enter a sort value for this score, and it must be numeric."
E_RANK = "Could not get a rank for the parameters you entered."
E_WINDOW = "'better_than' and 'worse_than' must be numeric."
E_NOITEM = "There is no item with the key passed in."
E_BADSIG = "The signature you entered for the request is invalid."
TB_NOT_FOUND = '{"error":"error_match_not_found"}'
TB_NOT_OBJECT = '{"error":"error_invalid_request","details":"the body must be a JSON object"}'
MM_NO_SESSION = '{"error":"Game session not found"}'

LONG_NUM = "1" * 10_000
LONG_STR = "x" * 10_000


@pytest.fixture(scope="module")
def g():
    yield from guarded_stack()


@pytest.fixture(autouse=True)
def same_workers(g):
    yield
    g.check()


def gj_raw(g, endpoint, raw_query):
    """A signed Game Jolt GET whose query holds raw (possibly malformed)
    text: signed over exactly the bytes sent."""
    from harness import gj_signature
    url = f"http://127.0.0.1:{g.s.port}/api/game/v1_2/{endpoint}/?game_id={g.w.gid}&{raw_query}"
    return g.s.request("GET", target_of(url + "&signature=" + gj_signature(url, g.w.game["private_key"])))


# ------------------------------------------------------------ percent-encoding

BAD_ESCAPES = ["%zz", "%4", "%", "%%41", "%g0", "%4%31"]


@pytest.mark.parametrize("esc", BAD_ESCAPES)
def test_invalid_percent_encoding_gj(g, esc):
    with unchanged(g.s):
        r = gj_raw(g, "data-store/set", f"key=k{esc}&data=v")
        assert_answer(r, 400, GJ_BADENC)
        r = gj_raw(g, "data-store/set", f"key=k&data=v&x{esc}=1")
        assert_answer(r, 400, GJ_BADENC)
        r = g.w.gj_post_raw("data-store/set", f"key=k&data=v{esc}".encode(),
                            fields=[("key", "k"), ("data", "v" + esc)])
        assert_answer(r, 400, GJ_BADENC)


@pytest.mark.parametrize("esc", BAD_ESCAPES)
def test_invalid_percent_encoding_mm_tb(g, esc):
    w = g.w
    with unchanged(g.s):
        r = w.mm("GET", f"/api/v1/apps/game-sessions?status=A{esc}")
        assert_answer(r, 400, MM_BADENC)
        r = w.mm("POST", f"/api/v1/apps/players?x={esc}", {"displayName": "pct"})
        assert_answer(r, 400, MM_BADENC)
        r = w.tbr("POST", f"/api/v1/game/matches/batch-scores?x={esc}", {"items": [
            {"matchId": w.match, "mapIndex": 0, "mapId": "m",
             "creatorTeamScore": 1, "opponentTeamScore": 0}]})
        assert_answer(r, 400, TB_INVALID)


def nginx_refused(r):
    """nginx's own clean refusal of a request line it will not pass on."""
    return r.status_code == 400 and "<center>nginx" in r.text


def fcgi(g, method, target, headers=None, body=None):
    """The same request straight to arcaded's socket (no nginx to filter it)."""
    extra = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in (headers or {}).items()}
    p = fcgi_params(method, target, f"127.0.0.1:{g.s.port}", len(body) if body else None,
                    "application/json" if body else None, extra)
    return fcgi_request(g.s.socket_path, p, body or b"")


def test_bad_escapes_in_path_ids_name_nothing(g):
    """In a path an id segment is compared raw: a malformed escape is an id
    that does not exist (nginx refuses some such request lines itself;
    arcaded, reached directly, answers them in the family's format)."""
    w = g.w
    with unchanged(g.s):
        for seg in ("%zz", "%", "1%", "%31", "%00", "1%00"):
            r = w.mm("GET", f"/api/v1/apps/game-sessions/{seg}")
            assert nginx_refused(r) or (r.status_code, r.text) == (404, MM_NO_SESSION), (seg, r.text)
            r = w.tbr("GET", f"/api/v1/game/matches/{seg}/scores")
            assert nginx_refused(r) or (r.status_code, r.text) == (404, TB_NOT_FOUND), (seg, r.text)
            status, _h, text = fcgi(g, "GET", f"/api/v1/apps/game-sessions/{seg}", w.mmh())
            assert (status, text) == (404, MM_NO_SESSION), (seg, status, text)
            status, _h, text = fcgi(g, "GET", f"/api/v1/game/matches/{seg}/scores", w.tbh())
            assert (status, text) == (404, TB_NOT_FOUND), (seg, status, text)


# ------------------------------------------------------------ UTF-8 and NUL in values

BAD_UTF8 = ["%ff", "%c0%af", "%ed%a0%80", "%e2%82", "%00", "a%00b", "%c3"]


@pytest.mark.parametrize("bad", BAD_UTF8)
def test_bad_text_in_gj_params(g, bad):
    with unchanged(g.s):
        for q in (f"guest={bad}&score=1&sort=1", f"guest=g&score=s{bad}&sort=1",
                  f"guest=g&score=1&sort=1&extra_data={bad}", f"guest=g&score=1&sort=1&{bad}=1"):
            assert_answer(gj_raw(g, "scores/add", q), 400, GJ_UTF8)
        assert_answer(gj_raw(g, "data-store/set", f"key={bad}&data=v"), 400, GJ_UTF8)
        assert_answer(gj_raw(g, "users/auth", f"username={bad}&user_token=t"), 400, GJ_UTF8)


@pytest.mark.parametrize("bad", BAD_UTF8)
def test_bad_text_in_mm_tb_queries(g, bad):
    w = g.w
    with unchanged(g.s):
        r = w.mm("GET", f"/api/v1/apps/minigame-types?miniGameTypeName={bad}")
        assert_answer(r, 400, MM_UTF8)
        r = w.tbr("POST", f"/api/v1/game/matches?x={bad}", {"limit": 1})
        assert_answer(r, 400, TB_INVALID)


def test_bad_text_in_headers_and_keys(g):
    """Keys that are not text: refused as unknown keys."""
    s = g.s
    with unchanged(s):
        r = s.request("GET", "/api/v1/apps/players", headers={"x-app-api-key": "\xff" * 40})
        assert_answer(r, 401, '{"error":"Invalid API key"}')
        r = s.request("POST", "/api/v1/game/matches", data=b"{}",
                      headers={"Authorization": "Bearer tb_\xff\xfe"})
        assert_answer(r, 401, '{"error":"error_api_key_invalid"}')


# ------------------------------------------------------------ parameter counts and names

def test_100k_parameters_in_the_query(g):
    """nginx refuses a query that long (414, its header buffers) before any
    worker sees it: a clean refusal, nothing written."""
    q = "&".join(f"p{i}=1" for i in range(100_000))
    with unchanged(g.s):
        for target in (f"/api/game/v1_2/scores/add/?game_id={g.w.gid}&guest=g&score=1&sort=1&{q}",
                       f"/api/v1/apps/players?{q}"):
            r = g.s.request("GET", target, headers={"x-app-api-key": g.w.app})
            assert r.status_code == 414, (r.status_code, r.text[:200])


def test_100k_parameters_in_a_form_body(g):
    """~900 KB of parameters fit under the body limit: arcaded refuses them
    itself (at most 256 parameters)."""
    w = g.w
    body = ("key=many&data=v&" + "&".join(f"p{i}=1" for i in range(100_000))).encode()
    assert len(body) < (1 << 20)
    with unchanged(g.s):
        r = w.gj_post_raw("data-store/set", body, fields=[("key", "many"), ("data", "v")])
    assert_answer(r, 400, GJ_TOOMANY)


def test_100k_parameters_straight_to_arcaded(g):
    """Without nginx in front, arcaded enforces its own limits: a 600 KB
    query string is refused, not parsed."""
    s, w = g.s, g.w
    host = f"127.0.0.1:{s.port}"
    q = "&".join(f"p{i}=1" for i in range(100_000))
    with unchanged(s):
        status, _h, text = fcgi_request(s.socket_path, fcgi_params(
            "GET", f"/api/game/v1_2/scores/add/?game_id={w.gid}&guest=g&score=1&sort=1&{q}", host))
        # in the Game Jolt envelope: the path says which family it is
        assert status == 400 and text in (GJ_TOOMANY, GJ_TOOLONG), (status, text)
        status, _h, text = fcgi_request(s.socket_path, fcgi_params(
            "GET", f"/api/v1/apps/players?{'&'.join(f'p{i}=1' for i in range(300))}", host,
            extra={"HTTP_X_APP_API_KEY": w.app}))
        assert (status, text) == (400, '{"error":"The request has too many parameters."}')


def test_parameter_count_limit_is_256(g):
    """Exactly 256 parameters (game_id and signature included) are read;
    257 are refused."""
    def filler(n):
        return "&".join(f"p{i}=1" for i in range(n))
    r = gj_raw(g, "scores", filler(256 - 2))
    assert r.status_code == 200 and r.text.startswith('{"response":{"success":"true"'), r.text
    with unchanged(g.s):
        assert_answer(gj_raw(g, "scores", filler(257 - 2)), 400, GJ_TOOMANY)
        assert_answer(gj_raw(g, "scores/add", "guest=g&score=1&sort=1&" + filler(257 - 5)),
                      400, GJ_TOOMANY)


def test_long_parameter_names(g):
    with unchanged(g.s):
        assert_answer(gj_raw(g, "scores/add", "guest=g&score=1&sort=1&" + "n" * 257 + "=1"),
                      400, GJ_TOOLONG)
        assert_answer(gj_raw(g, "scores/add", "guest=g&score=1&sort=1&" + "%41" * 257 + "=1"),
                      400, GJ_TOOLONG)
        r = g.w.mm("GET", "/api/v1/apps/players?" + "n" * 10_000 + "=1")
        assert_answer(r, 400, '{"error":"A request parameter is too long."}')


# ------------------------------------------------------------ 10,000-character ids

def test_long_ids_game_jolt(g):
    w, s = g.w, g.s
    p = w.player
    me = [("username", p["username"]), ("user_token", p["token"])]
    cases = [
        ("scores/add", [("guest", "g"), ("score", "1"), ("sort", "1"), ("table_id", LONG_NUM)], E_TABLE),
        ("scores", [("table_id", LONG_NUM)], E_TABLE),
        ("scores/get-rank", [("sort", "1"), ("table_id", LONG_NUM)], E_TABLE),
        ("scores/add", [("guest", LONG_STR), ("score", "1"), ("sort", "1")], E_GUEST),
        ("users", [("user_id", LONG_NUM)], E_NOUSER),
        ("users", [("username", LONG_STR)], E_NOUSER),
        ("users/auth", [("username", LONG_STR), ("user_token", "t")], E_CREDS),
        ("users/auth", [("username", p["username"]), ("user_token", LONG_STR)], E_CREDS),
        ("sessions/open", [("username", LONG_STR), ("user_token", "t")], E_CREDS),
        ("friends", [("username", p["username"]), ("user_token", LONG_STR)], E_CREDS),
        ("trophies/add-achieved", me + [("trophy_id", LONG_NUM)], E_TROPHY),
        ("trophies", me + [("trophy_id", LONG_NUM)], None),
        ("data-store/set", [("key", LONG_STR), ("data", "d")], E_KEYLONG),
        ("data-store", [("key", LONG_STR)], E_KEYLONG),
        ("data-store/update", [("key", LONG_STR), ("operation", "add"), ("value", "1")], E_KEYLONG),
        ("data-store/remove", [("key", LONG_STR)], E_KEYLONG),
        ("data-store/set", [("key", "k"), ("data", "d")] + [("username", LONG_STR), ("user_token", "t")], E_CREDS),
    ]
    with unchanged(s):
        for endpoint, params, msg in cases:
            r = w.gj(endpoint, params)
            assert r.status_code == 200, (endpoint, r.status_code)
            if msg:
                assert r.text == gj_fail(msg), (endpoint, params[0][0], r.text)
            else:
                assert json.loads(r.text)["response"]["success"] in ("true", "false"), r.text
        r = s.request("GET", f"/api/game/v1_2/scores/?game_id={LONG_NUM}")
        assert_answer(r, 200, gj_fail(E_GAME))
        r = s.request("GET", f"/api/game/v1_2/scores/?game_id={w.gid}&signature={LONG_STR}")
        assert_answer(r, 200, gj_fail(E_BADSIG))


def test_long_ids_teambattles(g):
    w, s = g.w, g.s
    m = w.match
    it = {"matchId": m, "mapIndex": 0, "mapId": "m", "creatorTeamScore": 1, "opponentTeamScore": 0}
    with unchanged(s):
        for method, path, body in [
            ("GET", f"/api/v1/game/matches/{LONG_NUM}/scores", None),
            ("POST", f"/api/v1/game/matches/{LONG_NUM}/scores", {"maps": [dict(it, matchId=None)]}),
            ("POST", f"/api/v1/game/matches/{LONG_NUM}/scores/0", it),
            ("POST", f"/api/v1/game/matches/{LONG_NUM}/player-stats", {"mapIndex": 0, "playerStats": {}}),
            ("PATCH", f"/api/v1/game/matches/{LONG_NUM}/status", {"status": "CANCELLED"}),
        ]:
            assert_answer(w.tbr(method, path, body), 404, TB_NOT_FOUND)
        r = w.tbr("POST", f"/api/v1/game/matches/{m}/scores/{LONG_NUM}", it)
        assert r.status_code == 400 and r.json()["error"] == "error_invalid_request", r.text
        for bad in ({"matchId": LONG_NUM}, {"mapId": LONG_STR}, {"screenshotStorageIds": [LONG_STR]},
                    {"screenshotUrls": ["https://example.com/" + LONG_STR]},
                    {"playerStats": {LONG_STR: {"k": 1}}}):
            r = w.tbr("POST", "/api/v1/game/matches/batch-scores", {"items": [dict(it, **bad)]})
            code = "error_match_not_found" if "matchId" in bad else "error_invalid_request"
            assert r.status_code == 200 and r.json() == {"success": False, "submitted": [
                {"matchId": bad.get("matchId", m), "mapIndex": 0, "status": "failed", "error": code}],
                "count": 0}, (list(bad), r.text[:300])
        r = w.tbr("POST", "/api/v1/game/matches", {"cursor": LONG_STR})
        assert r.status_code == 400 and r.json()["error"] == "error_invalid_cursor", r.text
        r = s.request("POST", "/api/v1/uploads/" + LONG_STR, data=b"\x89PNG")
        assert_answer(r, 404, '{"error":"error_not_found"}')
        r = s.request("POST", "/api/v1/game/matches", data=b"{}",
                      headers={"Authorization": "Bearer tb_" + LONG_STR})
        assert_answer(r, 401, '{"error":"error_api_key_invalid"}')


def test_long_ids_meshmap(g):
    w, s = g.w, g.s
    sess = f"/api/v1/apps/game-sessions/{w.session}"
    with unchanged(s):
        for method, path, body in [
            ("GET", f"/api/v1/apps/game-sessions/{LONG_NUM}", None),
            ("PATCH", f"/api/v1/apps/game-sessions/{LONG_NUM}", {"name": "n"}),
            ("GET", f"/api/v1/apps/game-sessions/{LONG_NUM}/players", None),
            ("POST", f"/api/v1/apps/game-sessions/{LONG_NUM}/players", {"playerId": w.mplayer}),
            ("PATCH", f"/api/v1/apps/game-sessions/{LONG_NUM}/players/{w.mplayer}", {"score": 1}),
        ]:
            assert_answer(w.mm(method, path, body), 404, MM_NO_SESSION)
        assert_answer(w.mm("PATCH", f"{sess}/players/{LONG_NUM}", {"score": 1}), 404,
                      '{"error":"Player is not registered in this game session"}')
        assert_answer(w.mm("POST", f"{sess}/players", {"playerId": LONG_NUM}), 400,
                      mm_issue("too_big", "String must contain at most 64 byte(s)", ["playerId"]))
        assert_answer(w.mm("POST", "/api/v1/apps/game-sessions", {"miniGameTypeId": LONG_NUM}), 400,
                      mm_issue("too_big", "String must contain at most 64 byte(s)", ["miniGameTypeId"]))
        assert_answer(w.mm("POST", "/api/v1/apps/game-sessions", {"miniGameTypeName": LONG_STR}), 400,
                      mm_issue("too_big", "String must contain at most 100 byte(s)", ["miniGameTypeName"]))
        assert_answer(w.mm("POST", "/api/v1/apps/players", {"displayName": LONG_STR}), 400,
                      mm_issue("too_big", "String must contain at most 100 byte(s)", ["displayName"]))
        assert_answer(w.mm("GET", f"/api/v1/apps/global-leaderboards?miniGameTypeId={LONG_NUM}"),
                      404, '{"error":"Mini game type not found"}')
        assert_answer(w.mm("GET", f"/api/v1/apps/game-sessions?miniGameTypeId={LONG_NUM}"),
                      200, '{"gameSessions":[]}')
        assert_answer(w.mm("GET", f"/api/v1/apps/minigame-types?miniGameTypeName={LONG_STR}"),
                      200, '{"miniGameTypes":[]}')
        assert_answer(w.mm("GET", f"/api/v1/apps/game-sessions?cursor={LONG_NUM}"), 400,
                      mm_issue("custom", "Invalid cursor", ["cursor"]))
        r = s.request("GET", "/api/v1/apps/players", headers={"x-app-api-key": LONG_STR})
        assert_answer(r, 401, '{"error":"Invalid API key"}')


# ------------------------------------------------------------ separators, slashes, .., NUL

SEPARATOR_IDS = ["1/2", "../1", "..", "1/../1", "1%2F2", "%2e%2e", "1%00", "1;2", "1:2",
                 "1,2", "1\\2", "1 1", "+1", "-1", "0x1", "01", "1.0", "1e0"]
GJ_SEPARATOR_IDS = ["1/2", "../1", "..", "1/../1", "1;2", "1:2", "1\\2", "1 1", " 1", "1 ",
                    "+1", "-1", "0x1", "1.0", "1e0", "1\t", "\u0661"]   # "01" is 1: a number


def test_separator_ids_teambattles(g):
    """A match id from a path or an item is digits or nothing: any of these
    names no match (never another match, never another game's)."""
    w = g.w
    it = {"mapIndex": 0, "mapId": "m", "creatorTeamScore": 1, "opponentTeamScore": 0}
    with unchanged(g.s):
        for mid in SEPARATOR_IDS:
            seg = mid.replace("\\", "%5C").replace(" ", "%20")
            r = w.tbr("GET", f"/api/v1/game/matches/{seg}/scores")
            assert nginx_refused(r) or (r.status_code == 404 and r.json()["error"] in (
                "error_match_not_found", "error_not_found")), (mid, r.text)
            status, _h, text = fcgi(g, "GET", f"/api/v1/game/matches/{seg}/scores", w.tbh())
            assert status == 404 and json.loads(text)["error"] in (
                "error_match_not_found", "error_not_found"), (mid, status, text)
            r = w.tbr("POST", "/api/v1/game/matches/batch-scores",
                      {"items": [dict(it, matchId=mid.replace("%00", "\u0000"))]})
            assert r.status_code == 200 and r.json()["submitted"][0]["status"] == "failed" \
                and r.json()["submitted"][0]["error"] in ("error_match_not_found",
                                                          "error_invalid_request"), (mid, r.text)


def test_separator_ids_meshmap(g):
    w = g.w
    with unchanged(g.s):
        for sid in SEPARATOR_IDS:
            seg = sid.replace("\\", "%5C").replace(" ", "%20")
            r = w.mm("GET", f"/api/v1/apps/game-sessions/{seg}")
            assert nginx_refused(r) or (r.status_code == 404 and r.json()["error"] in (
                "Game session not found", "Unknown endpoint.")), (sid, r.text)
            status, _h, text = fcgi(g, "GET", f"/api/v1/apps/game-sessions/{seg}", w.mmh())
            assert status == 404 and json.loads(text)["error"] in (
                "Game session not found", "Unknown endpoint."), (sid, status, text)
            r = w.mm("PATCH", f"/api/v1/apps/game-sessions/{w.session}/players/{seg}", {"score": 5})
            assert nginx_refused(r) or r.status_code == 404, (sid, r.text)
            r = w.mm("POST", f"/api/v1/apps/game-sessions/{w.session}/players",
                     {"playerId": sid.replace("%00", "\u0000")})
            assert r.status_code in (400, 404), (sid, r.text)
    r = w.mm("GET", f"/api/v1/apps/game-sessions/{w.session}/players")
    assert [p["score"] for p in r.json()["players"]] == [0], r.text


def test_separator_ids_game_jolt(g):
    w = g.w
    p = w.player
    me = [("username", p["username"]), ("user_token", p["token"])]
    with unchanged(g.s):
        for tid in GJ_SEPARATOR_IDS:
            r = w.gj("scores/add", [("guest", "g"), ("score", "1"), ("sort", "1"), ("table_id", tid)])
            assert r.text in (gj_fail(E_TABLE),), (tid, r.text)
            r = w.gj("trophies/add-achieved", me + [("trophy_id", tid.replace("1", str(w.trophy["id"])))])
            assert r.text == gj_fail(E_TROPHY), (tid, r.text)
            r = w.gj("users", [("user_id", tid.replace("1", str(w.player["id"])))])
            assert r.text == gj_fail(E_NOUSER), (tid, r.text)
            r = w.gj("users/auth", [("username", "../" + p["username"]), ("user_token", p["token"])])
            assert r.text == gj_fail(E_CREDS), r.text


def test_data_store_keys_with_separators_stay_in_their_game(g):
    """Data-store keys are opaque text: slashes, dots, colons are ordinary
    characters, stored and found as given, in this game only."""
    w, s = g.w, g.s
    other = s.ctl("game", "create", "--name", "other")
    keys = ["a/b", "../save", "..", "/", "save/..", "a:b", "a\\b", "*", "save\x7f"]
    for k in keys:
        r = w.gj("data-store/set", [("key", k), ("data", "v:" + k)])
        assert r.text == GJ_OK, (k, r.text)
    for k in keys:
        r = w.gj("data-store", [("key", k)])
        assert json.loads(r.text)["response"]["data"] == "v:" + k, (k, r.text)
        url = s.gj_url("data-store", [("game_id", other["id"]), ("key", k)], other)
        assert s.get(target_of(url)).text == gj_fail(E_NOITEM), k
    r = w.gj("data-store", [("key", "save")])
    assert json.loads(r.text)["response"]["data"] == "kept", r.text


# ------------------------------------------------------------ numbers out of range

@pytest.mark.parametrize("sort", ["9223372036854775808", "-9223372036854775809",
                                  "99999999999999999999999999", "1e5", "NaN", "nan", "Infinity",
                                  "-Infinity", "inf", "1.5", "0x10", " 1", "1 ", "--1", "", "+"])
def test_gj_sort_out_of_range(g, sort):
    w = g.w
    with unchanged(g.s):
        r = w.gj("scores/add", [("guest", "range"), ("score", "1"), ("sort", sort)])
        assert_answer(r, 200, gj_fail(E_SORT))
        r = w.gj("scores/get-rank", [("sort", sort)])
        assert_answer(r, 200, gj_fail(E_RANK))
        if sort:
            r = w.gj("scores", [("better_than", sort)])
            assert_answer(r, 200, gj_fail(E_WINDOW))


def test_gj_sort_int64_edges_are_exact(g):
    w, s = g.w, g.s
    t = s.ctl("table", "create", "--game", w.gid, "--name", "edges")
    for v in ("9223372036854775807", "-9223372036854775808", "0"):
        r = w.gj("scores/add", [("guest", "e"), ("score", v), ("sort", v), ("table_id", t["id"])])
        assert r.text == GJ_OK, r.text
    r = w.gj("scores", [("table_id", t["id"])])
    assert [x["sort"] for x in json.loads(r.text)["response"]["scores"]] == \
        ["9223372036854775807", "0", "-9223372036854775808"], r.text
    for v, rank in (("9223372036854775807", "1"), ("-9223372036854775808", "3")):
        r = w.gj("scores/get-rank", [("sort", v), ("table_id", t["id"])])
        assert json.loads(r.text)["response"]["rank"] == rank, r.text


def test_gj_data_store_arithmetic_out_of_range(g):
    w = g.w
    assert w.gj("data-store/set", [("key", "n"), ("data", "9223372036854775807")]).text == GJ_OK
    with unchanged(g.s):
        for op, v in (("add", "1"), ("multiply", "2"), ("subtract", "-1"), ("multiply", "1e308")):
            r = w.gj("data-store/update", [("key", "n"), ("operation", op), ("value", v)])
            assert_answer(r, 200, gj_fail("The result is out of range."))
        for v in ("NaN", "Infinity", "1e400"):
            r = w.gj("data-store/update", [("key", "n"), ("operation", "add"), ("value", v)])
            assert r.text in (gj_fail("This operation needs numeric data and a numeric value."),
                              gj_fail("The result is out of range.")), (v, r.text)
    r = w.gj("data-store", [("key", "n")])
    assert json.loads(r.text)["response"]["data"] == "9223372036854775807"


TB_BAD_NUMBERS = [("creatorTeamScore", 1001), ("opponentTeamScore", 1001), ("creatorTeamScore", -1),
                  ("creatorTeamScore", 2 ** 63), ("creatorTeamScore", 2 ** 64 + 1),
                  ("creatorTeamScore", 1000.5), ("creatorTeamScore", 1.0), ("creatorTeamScore", "5"),
                  ("creatorTeamScore", True), ("creatorTeamScore", None), ("mapIndex", -1),
                  ("mapIndex", 3), ("mapIndex", 2 ** 63), ("mapIndex", 2 ** 64), ("mapIndex", 0.5)]


@pytest.mark.parametrize("field,value", TB_BAD_NUMBERS)
def test_tb_numbers_out_of_range(g, field, value):
    w = g.w
    it = {"matchId": w.match, "mapIndex": 0, "mapId": "m",
          "creatorTeamScore": 1000, "opponentTeamScore": 0}
    it[field] = value
    with unchanged(g.s):
        r = w.tbr("POST", "/api/v1/game/matches/batch-scores", {"items": [it]})
        assert r.status_code == 200, r.text
        doc = r.json()
        assert doc["success"] is False and doc["count"] == 0, r.text
        sub = doc["submitted"][0]
        assert (sub["status"], sub["error"]) == ("failed", "error_invalid_request"), r.text
        # the echo is what was sent when a JSON reader holds it exactly
        # (|x| <= 2^53), else null: never a different number (docs/teambattles.md)
        if field == "mapIndex":
            exact = isinstance(value, int) and not isinstance(value, bool) and abs(value) <= 2 ** 53
            assert sub["mapIndex"] == (value if exact else None), (value, sub)
        single = {k: v for k, v in it.items() if k not in ("matchId", "mapIndex")}
        if field != "mapIndex":
            r = w.tbr("POST", f"/api/v1/game/matches/{w.match}/scores/0", single)
            assert r.status_code == 400 and r.json()["error"] == "error_invalid_request", r.text


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity", b"1e400", b"-1e400",
                                     b"100000000000000000000000000000", b"0x10", b"01"])
def test_tb_non_json_numbers(g, literal):
    """NaN/Infinity and other non-JSON numbers make the body not JSON (400);
    JSON numbers too large for any score fail their item."""
    w = g.w
    raw = (b'{"items":[{"matchId":"' + w.match.encode() + b'","mapIndex":0,"mapId":"m",'
           b'"creatorTeamScore":' + literal + b',"opponentTeamScore":0}]}')
    with unchanged(g.s):
        r = w.tbr("POST", "/api/v1/game/matches/batch-scores", raw=raw,
                  headers={"Content-Type": "application/json"})
    if literal in (b"NaN", b"Infinity", b"-Infinity", b"0x10", b"01"):
        assert_answer(r, 400, TB_NOT_OBJECT)
    else:
        assert r.status_code == 200 and r.json()["submitted"][0]["error"] == "error_invalid_request", r.text


@pytest.mark.parametrize("literal,issue", [
    (b"NaN", ("invalid_type", "Expected number, received nan")),
    (b"Infinity", ("not_finite", "Number must be finite")),
    (b"-Infinity", ("not_finite", "Number must be finite")),
    (b"1e400", ("not_finite", "Number must be finite")),
    (b"18446744073709551616", ("too_big", "Number must be less than 18446744073709551615")),
    (b"-9223372036854775809", ("too_small", "Number must be greater than -9223372036854775808")),
    (b'"7"', ("invalid_type", "Expected number, received string")),
    (b"null", ("invalid_type", "Expected number, received null")),
])
def test_mm_score_out_of_range(g, literal, issue):
    w = g.w
    with unchanged(g.s):
        r = w.mm("PATCH", f"/api/v1/apps/game-sessions/{w.session}/players/{w.mplayer}",
                 raw=b'{"score":' + literal + b"}", headers={"Content-Type": "application/json"})
    assert_answer(r, 400, mm_issue(issue[0], issue[1], ["score"]))


@pytest.mark.parametrize("limit,issue", [
    ("0", ("too_small", "Number must be greater than or equal to 1")),
    ("101", ("too_big", "Number must be less than or equal to 100")),
    ("99999999999999999999999", ("too_big", "Number must be less than or equal to 100")),
    ("-1", ("too_small", "Number must be greater than or equal to 1")),
    ("1.5", ("invalid_type", "Expected integer, received float")),
    ("NaN", ("invalid_type", "Expected number, received nan")),
])
def test_mm_limit_out_of_range(g, limit, issue):
    r = g.w.mm("GET", f"/api/v1/apps/global-leaderboards?limit={limit}")
    assert_answer(r, 400, mm_issue(issue[0], issue[1], ["limit"]))


@pytest.mark.parametrize("limit", [b"0", b"101", b"-1", b"1.5", b"1e2", b"18446744073709551617", b'"5"'])
def test_tb_list_limit_out_of_range(g, limit):
    r = g.w.tbr("POST", "/api/v1/game/matches", raw=b'{"limit":' + limit + b"}",
                headers={"Content-Type": "application/json"})
    assert_answer(r, 400, '{"error":"error_invalid_limit","details":'
                          '"limit must be a whole number from 1 to 100"}')


# ------------------------------------------------------------ duplicates in one batch

def test_tb_duplicate_items_in_one_batch(g):
    """The same map twice in one call: the first is confirmed, the second
    answers error_score_already_submitted_by_game; stored once, first wins."""
    w = g.w
    m = w.new_match()
    it = {"matchId": m, "mapIndex": 0, "mapId": "first", "creatorTeamScore": 3, "opponentTeamScore": 1}
    r = w.tbr("POST", "/api/v1/game/matches/batch-scores",
              {"items": [it, dict(it, mapId="second", creatorTeamScore=0), it]})
    assert r.status_code == 200 and r.json() == {"success": False, "count": 1, "submitted": [
        {"matchId": m, "mapIndex": 0, "status": "confirmed"},
        {"matchId": m, "mapIndex": 0, "status": "failed", "error": "error_score_already_submitted_by_game"},
        {"matchId": m, "mapIndex": 0, "status": "failed", "error": "error_score_already_submitted_by_game"},
    ]}, r.text
    scores = w.tbr("GET", f"/api/v1/game/matches/{m}/scores").json()["scores"]
    assert [(x["mapIndex"], x["mapId"], x["creatorTeamScore"]) for x in scores] == [(0, "first", 3)]
    r = w.tbr("POST", f"/api/v1/game/matches/{m}/scores", {"maps": [
        {"mapIndex": 1, "mapId": "a", "creatorTeamScore": 1, "opponentTeamScore": 2},
        {"mapIndex": 1, "mapId": "b", "creatorTeamScore": 2, "opponentTeamScore": 1}]})
    assert r.status_code == 200 and r.json()["submitted"] == [
        {"mapIndex": 1, "status": "confirmed"},
        {"mapIndex": 1, "status": "failed", "error": "error_score_already_submitted_by_game"}], r.text
    scores = w.tbr("GET", f"/api/v1/game/matches/{m}/scores").json()["scores"]
    assert [(x["mapIndex"], x["mapId"]) for x in scores] == [(0, "first"), (1, "a")]


def test_tb_duplicate_storage_ids(g):
    w, s = g.w, g.s
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
    url = w.tbr("POST", "/api/v1/uploads/image-url").json()["uploadUrl"]
    sid = s.request("POST", target_of(url), data=png, headers={"Content-Type": "image/png"}).json()["storageId"]
    m = w.new_match()
    it = {"matchId": m, "mapIndex": 0, "mapId": "m", "creatorTeamScore": 1, "opponentTeamScore": 0}
    with unchanged(s):
        r = w.tbr("POST", "/api/v1/game/matches/batch-scores",
                  {"items": [dict(it, screenshotStorageIds=[sid, sid])]})
        assert r.json()["submitted"][0]["error"] == "error_invalid_request", r.text
    r = w.tbr("POST", "/api/v1/game/matches/batch-scores", {"items": [
        dict(it, screenshotStorageIds=[sid]), dict(it, mapIndex=1, screenshotStorageIds=[sid])]})
    assert [x["status"] for x in r.json()["submitted"]] == ["confirmed", "failed"], r.text
    assert r.json()["submitted"][1]["error"] == "error_invalid_request", r.text


def test_tb_too_many_items(g):
    w = g.w
    it = {"matchId": w.match, "mapIndex": 0, "mapId": "m", "creatorTeamScore": 1, "opponentTeamScore": 0}
    with unchanged(g.s):
        r = w.tbr("POST", "/api/v1/game/matches/batch-scores", {"items": [it] * 51})
    assert_answer(r, 400, '{"error":"error_invalid_num_items","details":'
                          '"items must be an array of 1 to 50 map scores"}')


def test_gj_duplicate_parameters_last_wins(g):
    """Repeated parameters (PHP semantics: the last wins), never both."""
    w = g.w
    t = g.s.ctl("table", "create", "--game", w.gid, "--name", "dups")
    r = w.gj("scores/add", [("guest", "first"), ("guest", "last"), ("score", "1"), ("sort", "1"),
                            ("sort", "2"), ("table_id", t["id"])])
    assert r.text == GJ_OK
    r = w.gj("scores", [("table_id", t["id"])])
    got = [(x["guest"], x["sort"]) for x in json.loads(r.text)["response"]["scores"]]
    assert got == [("last", "2")], got


def test_gj_batch_hostile_sub_requests(g):
    """A batch of 51, a nested batch, a sub-request naming another game."""
    from harness import gj_signature
    w, s = g.w, g.s
    key = w.game["private_key"]

    def sub(path):
        return path + "&signature=" + gj_signature(path, key)
    one = sub(f"/data-store/set/?game_id={w.gid}&key=b&data=v")
    with unchanged(s):
        r = w.gj("batch", [("requests[]", one)] * 51)
        assert_answer(r, 200, gj_fail("You can pass in at most 50 requests."))
        r = w.gj("batch", [("requests[]", sub(f"/batch/?game_id={w.gid}&requests[]=x"))])
        doc = json.loads(r.text)["response"]
        assert doc["responses"][0] == {"success": "false", "message":
                                       "A batch request cannot contain another batch request."}, r.text
        r = w.gj("batch", [("requests[]", sub("/data-store/set/?game_id=999999&key=b&data=v"))])
        assert json.loads(r.text)["response"]["responses"][0] == {"success": "false", "message": E_GAME}
