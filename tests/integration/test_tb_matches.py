"""The single-match TeamBattles routes and the match list: one map's score,
several maps of one match, GET scores with the series, player stats, the
match list with its filters and cursor, and status transitions."""

import pytest

from tbtest import (D_CURSOR, D_LIMIT, D_MAPINDEX, D_MAPS, D_OBJECT, D_STATS,
                    D_STATUS, ISO_MS, TB, err, item, ok)


@pytest.fixture
def tb(stack):
    return TB(stack)


MAP = {"mapId": "de_mirage", "creatorTeamScore": 16, "opponentTeamScore": 9}


# ---------------------------------------------------------------- one map

def test_single_map_confirmed(tb):
    m = tb.match()
    r = tb.map_score(m, 1, dict(MAP, playerStats={"u": {"k": 1}},
                                screenshotUrls=["https://cdn.example.com/x.png"]))
    assert r.status_code == 200
    assert r.json() == {"success": True, "mapIndex": 1, "scoreStatus": "CONFIRMED"}
    s = tb.scores(m).json()["scores"]
    assert [(x["mapIndex"], x["mapId"], x["creatorTeamScore"], x["opponentTeamScore"],
             x["scoreStatus"], x["playerStats"], x["screenshotUrls"]) for x in s] == [
        (1, "de_mirage", 16, 9, "CONFIRMED", {"u": {"k": 1}}, ["https://cdn.example.com/x.png"])]


def test_single_map_errors(tb):
    m = tb.match(best_of=3)
    assert tb.map_score(m, 0, MAP).status_code == 200
    r = tb.map_score(m, 0, MAP)
    assert (r.status_code, r.json()) == (409, err("error_score_already_submitted_by_game"))
    r = tb.map_score(m, 3, MAP)
    assert (r.status_code, r.json()) == (400, err("error_invalid_request"))
    for bad in (dict(MAP, creatorTeamScore=1001), dict(MAP, mapId=""), {"mapId": "x"},
                dict(MAP, screenshotUrls=["http://x.example.com/a.png"]),
                dict(MAP, playerStats=[1]), dict(MAP, screenshotStorageIds=["f" * 32])):
        r = tb.map_score(m, 1, bad)
        assert (r.status_code, r.json()) == (400, err("error_invalid_request")), bad
    for raw in (b"[]", b'"x"', b"", b"{"):
        r = tb.call("POST", f"/api/v1/game/matches/{m['id']}/scores/1", raw=raw)
        assert (r.status_code, r.json()) == (400, err("error_invalid_request", D_OBJECT)), raw
    for idx in ("abc", "-1", "1.0", "99999999999999999999", "%30"):
        r = tb.call("POST", f"/api/v1/game/matches/{m['id']}/scores/{idx}", MAP)
        assert (r.status_code, r.json()) == (400, err("error_invalid_request", D_MAPINDEX)), idx
    assert [x["mapIndex"] for x in tb.scores(m).json()["scores"]] == [0]
    c = tb.match(status="CANCELLED")
    r = tb.map_score(c, 0, MAP)
    assert (r.status_code, r.json()) == (409, err("error_match_not_in_valid_state"))


def test_single_map_completes_match_and_overwrites_pending(tb):
    m = tb.match(best_of=1)
    tb.pending(m, 0, 0, 13)
    r = tb.map_score(m, 0, MAP)
    assert r.json() == {"success": True, "mapIndex": 0, "scoreStatus": "CONFIRMED"}
    assert tb.listed(m)["status"] == "COMPLETED"
    r = tb.map_score(m, 0, MAP)
    assert (r.status_code, r.json()) == (409, err("error_score_already_submitted_by_game"))


# ---------------------------------------------------------------- one match, several maps

def test_match_maps(tb):
    m = tb.match(best_of=5)
    maps = [dict(MAP, mapIndex=0), dict(MAP, mapIndex=0), dict(MAP, mapIndex=9),
            dict(MAP, mapIndex=2, creatorTeamScore=-1), dict(MAP, mapIndex=3), 7]
    r = tb.maps(m, maps)
    assert r.status_code == 200
    assert r.json() == {"success": False, "count": 2, "submitted": [
        {"mapIndex": 0, "status": "confirmed"},
        {"mapIndex": 0, "status": "failed", "error": "error_score_already_submitted_by_game"},
        {"mapIndex": 9, "status": "failed", "error": "error_invalid_request"},
        {"mapIndex": 2, "status": "failed", "error": "error_invalid_request"},
        {"mapIndex": 3, "status": "confirmed"},
        {"mapIndex": None, "status": "failed", "error": "error_invalid_request"}]}
    # Maps 0 and 3 won by the creator; map 1 is the third win: the match
    # completes inside the call and map 2 finds it completed.
    r = tb.maps(m, [dict(MAP, mapIndex=1), dict(MAP, mapIndex=2)])
    assert r.json() == {"success": False, "count": 1, "submitted": [
        {"mapIndex": 1, "status": "confirmed"},
        {"mapIndex": 2, "status": "failed", "error": "error_match_not_in_valid_state"}]}
    assert tb.listed(m)["status"] == "COMPLETED"
    assert tb.scores(m).json()["seriesScore"] == {"creatorMapWins": 3, "opponentMapWins": 0}


def test_match_maps_bad_bodies(tb):
    m = tb.match()
    path = f"/api/v1/game/matches/{m['id']}/scores"
    for body in ({}, {"maps": []}, {"maps": [MAP] * 8}, {"maps": "x"}, {"maps": None},
                 {"items": [MAP]}):
        r = tb.call("POST", path, body)
        assert (r.status_code, r.json()) == (400, err("error_invalid_num_items", D_MAPS)), body
    for raw in (b"[]", b"5", b"nope"):
        r = tb.call("POST", path, raw=raw)
        assert (r.status_code, r.json()) == (400, err("error_invalid_request", D_OBJECT))


# ---------------------------------------------------------------- GET scores

def test_get_scores_empty_and_full(tb):
    m = tb.match(best_of=3)
    r = tb.scores(m)
    assert r.status_code == 200
    body = r.json()
    assert list(body) == ["scores", "seriesScore", "timestamp"]
    assert body["scores"] == []
    assert body["seriesScore"] == {"creatorMapWins": 0, "opponentMapWins": 0}
    assert ISO_MS.match(body["timestamp"])
    tb.batch([item(m, 2, 3, 5, playerStats={"a": 1})])
    tb.pending(m, 0, 9, 0, map_id="x")
    body = tb.scores(m).json()
    assert [list(x) for x in body["scores"]] == [[
        "mapIndex", "mapId", "creatorTeamScore", "opponentTeamScore", "scoreStatus",
        "playerStats", "screenshotUrls", "screenshotStorageIds", "submittedAt",
        "confirmedAt"]] * 2
    assert [(x["mapIndex"], x["scoreStatus"]) for x in body["scores"]] == [
        (0, "PENDING"), (2, "CONFIRMED")]
    assert body["seriesScore"] == {"creatorMapWins": 0, "opponentMapWins": 1}


def test_get_scores_with_matches_read_only_key(tb):
    m = tb.match()
    tb.batch([item(m, 0)])
    r = tb.scores(m, key=tb.new_key("game.matches=read"))
    assert r.status_code == 200 and len(r.json()["scores"]) == 1


# ---------------------------------------------------------------- player stats

def test_player_stats(tb):
    m = tb.match(best_of=3)
    r = tb.stats(m, {"mapIndex": 0, "playerStats": {"u1": {"kills": 1}}})
    assert (r.status_code, r.json()) == (404, err("error_score_not_found"))
    tb.batch([item(m, 0, playerStats={"u1": {"kills": 1}, "u2": {"kills": 2}})])
    r = tb.stats(m, {"mapIndex": 0, "playerStats": {"u2": {"kills": 5}, "u3": {"kills": 0}}})
    assert r.status_code == 200
    assert r.json() == {"success": True, "mapIndex": 0, "action": "updated"}
    s = tb.scores(m).json()["scores"][0]
    assert s["playerStats"] == {"u1": {"kills": 1}, "u2": {"kills": 5}, "u3": {"kills": 0}}
    assert s["scoreStatus"] == "CONFIRMED"
    # A captain's pending score takes stats too; it stays pending.
    tb.pending(m, 1, 1, 2)
    assert tb.stats(m, {"mapIndex": 1, "playerStats": {"c": {"x": 1}}}).status_code == 200
    s = tb.scores(m).json()["scores"][1]
    assert (s["scoreStatus"], s["playerStats"]) == ("PENDING", {"c": {"x": 1}})


def test_player_stats_errors(tb):
    m = tb.match(best_of=3)
    tb.batch([item(m, 0)])
    for body, details in (({"playerStats": {}}, D_MAPINDEX),
                          ({"mapIndex": -1, "playerStats": {}}, D_MAPINDEX),
                          ({"mapIndex": "0", "playerStats": {}}, D_MAPINDEX),
                          ({"mapIndex": 0}, D_STATS),
                          ({"mapIndex": 0, "playerStats": [1]}, D_STATS),
                          ({"mapIndex": 0, "playerStats": {"": 1}}, D_STATS),
                          ({"mapIndex": 0, "playerStats": "x"}, D_STATS)):
        r = tb.stats(m, body)
        assert (r.status_code, r.json()) == (400, err("error_invalid_request", details)), body
    r = tb.stats(m, {"mapIndex": 3, "playerStats": {"a": 1}})
    assert r.status_code == 400 and r.json()["error"] == "error_invalid_request"
    r = tb.call("POST", f"/api/v1/game/matches/{m['id']}/player-stats", raw=b"[]")
    assert (r.status_code, r.json()) == (400, err("error_invalid_request", D_OBJECT))
    # Merging may not grow past 100 players.
    tb.stats(m, {"mapIndex": 0, "playerStats": {f"p{i}": i for i in range(100)}})
    r = tb.stats(m, {"mapIndex": 0, "playerStats": {"one-more": 1}})
    assert r.status_code == 400
    r = tb.stats(m, {"mapIndex": 2, "playerStats": {"a": 1}})
    assert (r.status_code, r.json()) == (404, err("error_score_not_found"))


# ---------------------------------------------------------------- list

def test_list_shape(tb):
    m = tb.match(best_of=5, mode="5v5 ranked")
    tb.batch([item(m, 0, 1, 0), item(m, 1, 0, 1), item(m, 2, 2, 0)])
    r = tb.list()
    assert r.status_code == 200
    body = r.json()
    assert list(body) == ["matches", "cursor", "hasMore"]
    assert body["cursor"] is None and body["hasMore"] is False
    got = body["matches"][0]
    created, started = got.pop("createdAt"), got.pop("startedAt")
    assert ISO_MS.match(created) and ISO_MS.match(started)
    assert got == {
        "id": str(m["id"]), "status": "IN_PROGRESS", "gameMode": "5v5 ranked", "bestOf": 5,
        "creatorTeam": {"id": str(tb.teams[0]["id"]), "name": "Alpha", "tag": "ALP"},
        "acceptedTeam": {"id": str(tb.teams[1]["id"]), "name": "Bravo", "tag": None},
        "creatorTeamScore": 2, "acceptedTeamScore": 1,
        "scheduledAt": None, "completedAt": None}


def test_list_pages_newest_first(tb, stack):
    ids = [str(tb.match()["id"]) for _ in range(45)]
    TB(stack).match()  # another game's match is never listed
    assert [m["id"] for m in tb.list().json()["matches"]] == ids[::-1][:20]
    seen, cursor, pages = [], None, 0
    while True:
        body = {"limit": 7}
        if cursor:
            body["cursor"] = cursor
        r = tb.list(body).json()
        pages += 1
        seen += [m["id"] for m in r["matches"]]
        assert len(r["matches"]) == (7 if r["hasMore"] else 45 % 7)
        if not r["hasMore"]:
            assert r["cursor"] is None
            break
        assert isinstance(r["cursor"], str)
        cursor = r["cursor"]
    assert pages == 7 and seen == ids[::-1]
    # A page that ends exactly at the last match says so.
    r = tb.list({"limit": 45}).json()
    assert len(r["matches"]) == 45 and r["hasMore"] is False and r["cursor"] is None
    r = tb.list({"limit": 44}).json()
    assert r["hasMore"] is True
    last = tb.list({"limit": 100, "cursor": r["cursor"]}).json()
    assert [m["id"] for m in last["matches"]] == [ids[0]] and last["hasMore"] is False


def test_list_status_filter(tb):
    made = {s: [tb.match(status=s)["id"] for _ in range(2)]
            for s in ("READY", "IN_PROGRESS", "CANCELLED", "PENDING")}
    for s, ids in made.items():
        r = tb.list({"status": s}).json()
        assert [m["id"] for m in r["matches"]] == [str(i) for i in ids[::-1]], s
        assert all(m["status"] == s for m in r["matches"])
    assert tb.list({"status": "DISPUTED"}).json() == {"matches": [], "cursor": None, "hasMore": False}
    # The index follows status changes.
    m = {"id": made["READY"][0]}
    tb.status(m, "IN_PROGRESS")
    assert str(m["id"]) in [x["id"] for x in tb.list({"status": "IN_PROGRESS"}).json()["matches"]]
    assert str(m["id"]) not in [x["id"] for x in tb.list({"status": "READY"}).json()["matches"]]
    r = tb.list({"status": "IN_PROGRESS", "limit": 1}).json()
    assert r["hasMore"] is True
    r2 = tb.list({"status": "IN_PROGRESS", "limit": 5, "cursor": r["cursor"]}).json()
    assert len(r2["matches"]) == 2 and r2["hasMore"] is False


def test_list_bad_filters(tb):
    for body in ({"limit": 0}, {"limit": 101}, {"limit": -1}, {"limit": "5"}, {"limit": 5.5},
                 {"limit": True}, {"limit": 10 ** 20}):
        r = tb.list(body)
        assert (r.status_code, r.json()) == (400, err("error_invalid_limit", D_LIMIT)), body
    for cur in ("x", "", "c0000000000000000", "c00000000000000zz", 5, ["c"], "C000000000000002a"):
        r = tb.list({"cursor": cur})
        assert (r.status_code, r.json()) == (400, err("error_invalid_cursor", D_CURSOR)), cur
    for st in ("ready", "DONE", "", 3):
        r = tb.list({"status": st})
        assert (r.status_code, r.json()) == (400, err("error_invalid_request", D_STATUS)), st
    for raw in (b"[]", b'"x"', b"{", b"null"):
        r = tb.call("POST", "/api/v1/game/matches", raw=raw)
        assert (r.status_code, r.json()) == (400, err("error_invalid_request", D_OBJECT)), raw
    for body in ({}, {"status": None, "limit": None, "cursor": None}):
        assert tb.list(body).status_code == 200
    assert tb.call("POST", "/api/v1/game/matches", raw=b"  \n").status_code == 200


# ---------------------------------------------------------------- status

@pytest.mark.parametrize("start,to", [("READY", "IN_PROGRESS"), ("IN_PROGRESS", "CANCELLED"),
                                      ("ACCEPTED", "CANCELLED")])
def test_allowed_transitions(tb, start, to):
    m = tb.match(status=start)
    r = tb.status(m, to)
    assert r.status_code == 200
    assert r.json() == {"success": True, "status": to}
    listed = tb.listed(m)
    assert listed["status"] == to
    if to == "IN_PROGRESS":
        assert ISO_MS.match(listed["startedAt"])


ALL = ["PENDING", "ACCEPTED", "READY", "IN_PROGRESS", "COMPLETED", "CANCELLED",
       "DISPUTED", "FORFEITED"]
ALLOWED = {("READY", "IN_PROGRESS"), ("IN_PROGRESS", "CANCELLED"), ("ACCEPTED", "CANCELLED")}


@pytest.mark.parametrize("start", ALL)
def test_refused_transitions(tb, start):
    m = tb.match(status=start)
    for to in ALL:
        if (start, to) in ALLOWED:
            continue
        r = tb.status(m, to)
        assert (r.status_code, r.json()) == (409, err("error_match_not_in_valid_state")), (start, to)
    assert tb.listed(m)["status"] == start


def test_status_bad_bodies(tb):
    m = tb.match()
    path = f"/api/v1/game/matches/{m['id']}/status"
    for body in ({"status": "in_progress"}, {"status": "STARTED"}, {"status": ""}, {},
                 {"status": None}, {"status": 2}, {"status": ["READY"]}):
        r = tb.call("PATCH", path, body)
        assert (r.status_code, r.json()) == (400, err("error_invalid_request", D_STATUS)), body
    for raw in (b"[]", b'"IN_PROGRESS"', b"", b"{"):
        r = tb.call("PATCH", path, raw=raw)
        assert (r.status_code, r.json()) == (400, err("error_invalid_request", D_OBJECT)), raw
    assert tb.listed(m)["status"] == "READY"
    r = tb.call("POST", path, {"status": "IN_PROGRESS"})
    assert (r.status_code, r.json()) == (405, err("error_method_not_allowed"))


def test_cancelled_match_takes_no_scores(tb):
    m = tb.match()
    tb.batch([item(m, 0)])
    assert tb.status(m, "CANCELLED").json() == {"success": True, "status": "CANCELLED"}
    r = tb.batch([item(m, 1), item(m, 0)]).json()
    assert [x["error"] for x in r["submitted"]] == [
        "error_match_not_in_valid_state", "error_score_already_submitted_by_game"]


# ---------------------------------------------------------------- arcadectl

def test_ctl_shapes_and_refusals(tb, stack):
    t = tb.team("Charlie")
    assert t == {"id": t["id"], "game": tb.gid, "name": "Charlie", "tag": None}
    m = stack.ctl("match", "create", "--game", tb.gid, "--creator-team", tb.teams[0]["id"],
                  "--opponent-team", t["id"])
    assert m == {"id": m["id"], "game": tb.gid, "status": "READY", "best_of": 1,
                 "creator_team": tb.teams[0]["id"], "opponent_team": t["id"], "game_mode": None}
    other = TB(stack)
    bad = [
        ("team", "create", "--game", 999999, "--name", "x"),
        ("team", "create", "--game", tb.gid),
        ("team", "create", "--game", tb.gid, "--name", "x", "--tag", "t" * 17),
        ("match", "create", "--game", tb.gid, "--creator-team", tb.teams[0]["id"],
         "--opponent-team", other.teams[0]["id"]),
        ("match", "create", "--game", tb.gid, "--creator-team", tb.teams[0]["id"],
         "--opponent-team", tb.teams[0]["id"]),
        ("match", "create", "--game", tb.gid, "--creator-team", tb.teams[0]["id"],
         "--opponent-team", t["id"], "--best-of", 2),
        ("match", "create", "--game", tb.gid, "--creator-team", tb.teams[0]["id"],
         "--opponent-team", t["id"], "--status", "LIVE"),
        ("score", "pending", "--match", 99999999, "--map-index", 0, "--creator-score", 1,
         "--opponent-score", 2),
        ("score", "pending", "--match", m["id"], "--map-index", 1, "--creator-score", 1,
         "--opponent-score", 2),
        ("score", "pending", "--match", m["id"], "--map-index", 0, "--creator-score", 1001,
         "--opponent-score", 2),
    ]
    for args in bad:
        p = stack.ctl_raw(*args)
        assert p.returncode != 0 and p.stderr.startswith("arcadectl: "), args
        assert p.stdout == ""
    for args in (("team", "create"), ("match", "create"), ("score", "pending")):
        p = stack.ctl_raw(*args, "--help", json_output=False)
        assert p.returncode == 0 and "usage" in p.stdout
