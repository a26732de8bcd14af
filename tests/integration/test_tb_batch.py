"""POST /api/v1/game/matches/batch-scores exactly as spec/001 and
API-TEAMBATTLES.md: item count, per-item envelopes in submission order,
field rules, the documented check order, idempotent retries, PENDING
overwrite, automatic completion, several games in one call, and 50-item
batches from several keys at once."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tbtest import (D_ITEMS, D_OBJECT, ISO_MS, TB, err, failed, item, ok)

BATCH = "/api/v1/game/matches/batch-scores"


@pytest.fixture
def tb(stack):
    return TB(stack)


def scores_of(tb, m):
    r = tb.scores(m)
    assert r.status_code == 200, r.text
    return r.json()


# ---------------------------------------------------------------- envelope

def test_confirmed_items_exact_body(tb):
    m1, m2 = tb.match(), tb.match(best_of=5)
    items = [item(m1, 0, 16, 14), item(m2, 3, 2, 13), item(m1, 1, 0, 0)]
    r = tb.batch(items)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == {"success": True,
                        "submitted": [ok(m1, 0), ok(m2, 3), ok(m1, 1)],
                        "count": 3}
    s = scores_of(tb, m1)
    assert [x["mapIndex"] for x in s["scores"]] == [0, 1]
    first = s["scores"][0]
    assert first["mapId"] == "de_dust2"
    assert (first["creatorTeamScore"], first["opponentTeamScore"]) == (16, 14)
    assert first["scoreStatus"] == "CONFIRMED"
    assert first["playerStats"] is None
    assert first["screenshotUrls"] == [] and first["screenshotStorageIds"] == []
    assert ISO_MS.match(first["submittedAt"]) and ISO_MS.match(first["confirmedAt"])
    assert ISO_MS.match(s["timestamp"])
    assert s["seriesScore"] == {"creatorMapWins": 1, "opponentMapWins": 0}


def test_mixed_results_keep_order_and_count(tb):
    m = tb.match()
    items = [item(m, 0), item("424242424242", 0), item(m, 7), item(m, 1),
             {"matchId": str(m["id"])}]
    r = tb.batch(items)
    assert r.status_code == 200
    assert r.json() == {"success": False, "count": 2, "submitted": [
        ok(m, 0),
        failed("424242424242", 0, "error_match_not_found"),
        failed(str(m["id"]), 7, "error_invalid_request"),
        ok(m, 1),
        {"matchId": str(m["id"]), "mapIndex": None, "status": "failed",
         "error": "error_invalid_request"},
    ]}


def test_all_failed_is_still_200(tb):
    r = tb.batch([item("1234567", 0)])
    assert r.status_code == 200
    assert r.json() == {"success": False, "count": 0,
                        "submitted": [failed("1234567", 0, "error_match_not_found")]}


@pytest.mark.parametrize("n", [1, 50])
def test_item_count_bounds_accepted(tb, n):
    m = tb.match(best_of=7)
    items = [item(m, i % 7, 0, 0) for i in range(n)]
    r = tb.batch(items)
    assert r.status_code == 200
    body = r.json()
    assert len(body["submitted"]) == n
    assert body["count"] == min(n, 7)


@pytest.mark.parametrize("body", [
    {"items": []},
    {"items": [{}] * 51},
    {"items": [{}] * 200},
    {},
    {"items": None},
    {"items": "x"},
    {"items": {"0": {}}},
    {"items": 3},
    {"other": [{}]},
], ids=["0", "51", "200", "missing", "null", "string", "object", "number", "other-key"])
def test_invalid_num_items(tb, body):
    r = tb.call("POST", BATCH, body)
    assert r.status_code == 400
    assert r.json() == err("error_invalid_num_items", D_ITEMS)


@pytest.mark.parametrize("raw", [
    b"", b"[]", b'"items"', b"5", b"null", b"{", b'{"items": [}', b"{'items': []}",
    b'{"items": [NaN]}', b'{"items": [Infinity]}', b'{"items": []} x',
    b"[" * 40 + b"]" * 40, b'{"items": [{"a": ' + b"[" * 40 + b"]" * 40 + b"}]}",
    b"\xff\xfe", b'{"items": [1]}\x00',
], ids=["empty", "array", "string", "number", "null", "open", "broken", "quotes",
        "nan", "inf", "trailing", "deep", "deep-item", "not-utf8", "nul"])
def test_malformed_body_invalid_request(tb, raw):
    r = tb.call("POST", BATCH, raw=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.json() == err("error_invalid_request", D_OBJECT)


def test_body_over_max_body_is_413(tb):
    m = tb.match()
    big = {"items": [item(m, 0, playerStats={"p": "x" * (1 << 20)})]}
    r = tb.call("POST", BATCH, big)
    assert r.status_code == 413
    assert r.json() == err("error_payload_too_large")


# ---------------------------------------------------------------- fields

GOOD = {"mapIndex": 0, "mapId": "de_inferno", "creatorTeamScore": 3, "opponentTeamScore": 1}

BAD_FIELDS = [
    ("mapIndex", -1), ("mapIndex", 1.5), ("mapIndex", 0.0), ("mapIndex", "0"),
    ("mapIndex", True), ("mapIndex", None), ("mapIndex", [0]),
    ("mapId", ""), ("mapId", 5), ("mapId", None), ("mapId", "x" * 101),
    ("mapId", "a\nb"), ("mapId", "a\u0000b"), ("mapId", ["de_dust2"]),
    ("creatorTeamScore", -1), ("creatorTeamScore", 1001), ("creatorTeamScore", 1.0),
    ("creatorTeamScore", "5"), ("creatorTeamScore", None), ("creatorTeamScore", 10 ** 30),
    ("opponentTeamScore", -5), ("opponentTeamScore", 100000), ("opponentTeamScore", 2.5),
    ("opponentTeamScore", False),
    ("screenshotUrls", "https://cdn.example.com/a.png"),
    ("screenshotUrls", ["http://cdn.example.com/a.png"]),
    ("screenshotUrls", ["ftp://cdn.example.com/a.png"]),
    ("screenshotUrls", ["https://localhost/a.png"]),
    ("screenshotUrls", ["https://foo.localhost/a.png"]),
    ("screenshotUrls", ["https://127.0.0.1/a.png"]),
    ("screenshotUrls", ["https://10.1.2.3/a.png"]),
    ("screenshotUrls", ["https://192.168.0.1/a.png"]),
    ("screenshotUrls", ["https://172.20.0.1/a.png"]),
    ("screenshotUrls", ["https://169.254.169.254/latest"]),
    ("screenshotUrls", ["https://[::1]/a.png"]),
    ("screenshotUrls", ["https://user:pw@cdn.example.com/a.png"]),
    ("screenshotUrls", ["https://intranet/a.png"]),
    ("screenshotUrls", ["https://cdn.example.com/a b.png"]),
    ("screenshotUrls", ["https://cdn.example.com:0/a.png"]),
    ("screenshotUrls", ["https://cdn.example.com:99999/a.png"]),
    ("screenshotUrls", ["https:///a.png"]),
    ("screenshotUrls", ["https://cdn.example.com/" + "a" * 2048]),
    ("screenshotUrls", [5]),
    ("screenshotUrls", ["https://cdn.example.com/%d.png" % i for i in range(11)]),
    ("screenshotStorageIds", "0" * 32),
    ("screenshotStorageIds", ["nothex"]),
    ("screenshotStorageIds", ["A" * 32]),
    ("screenshotStorageIds", ["0" * 31]),
    ("screenshotStorageIds", [7]),
    ("screenshotStorageIds", ["0" * 32]),          # well formed, unknown
    ("playerStats", []), ("playerStats", "x"), ("playerStats", 5),
    ("playerStats", {"": {"kills": 1}}),
    ("playerStats", {"u" * 101: {"kills": 1}}),
    ("playerStats", {f"u{i}": 1 for i in range(101)}),
    ("playerStats", {"u1": "x" * 17000}),
]


@pytest.mark.parametrize("field,value", BAD_FIELDS,
                         ids=[f"{f}={json.dumps(v)[:30]}" for f, v in BAD_FIELDS])
def test_bad_field_per_item(tb, field, value):
    m = tb.match()
    bad = dict(GOOD, matchId=str(m["id"]))
    bad[field] = value
    r = tb.batch([bad, item(m, 1)])
    assert r.status_code == 200
    sub = r.json()["submitted"]
    assert sub[0]["status"] == "failed" and sub[0]["error"] == "error_invalid_request"
    assert sub[1] == ok(m, 1)
    assert [x["mapIndex"] for x in scores_of(tb, m)["scores"]] == [1]


@pytest.mark.parametrize("field", ["matchId", "mapIndex", "mapId",
                                   "creatorTeamScore", "opponentTeamScore"])
def test_missing_required_field(tb, field):
    m = tb.match()
    it = dict(GOOD, matchId=str(m["id"]))
    del it[field]
    r = tb.batch([it])
    assert r.json()["submitted"][0]["error"] == "error_invalid_request"


@pytest.mark.parametrize("mid", [5, None, ["1"], {"id": "1"}, True])
def test_match_id_wrong_type_is_invalid_request(tb, mid):
    r = tb.batch([dict(GOOD, matchId=mid)])
    assert r.json()["submitted"] == [
        {"matchId": None, "mapIndex": 0, "status": "failed", "error": "error_invalid_request"}]


@pytest.mark.parametrize("mid", ["", "abc", "0", "007", "-3", "1 ", "12345678901234567890"])
def test_malformed_match_id_string_is_not_found(tb, mid):
    r = tb.batch([dict(GOOD, matchId=mid)])
    assert r.json()["submitted"] == [failed(mid, 0, "error_match_not_found")]


@pytest.mark.parametrize("it", [5, "x", None, [], True])
def test_item_not_an_object(tb, it):
    m = tb.match()
    r = tb.batch([it, item(m, 0)])
    assert r.json() == {"success": False, "count": 1, "submitted": [
        {"matchId": None, "mapIndex": None, "status": "failed", "error": "error_invalid_request"},
        ok(m, 0)]}


def test_good_optional_fields_stored(tb):
    m = tb.match()
    urls = ["https://cdn.example.com/shots/1.png", "HTTPS://img.example.org:8443/a?b=c#d",
            "https://8.8.8.8/x.jpg"]
    stats = {"user_1": {"kills": 20, "deaths": 3}, "user_2": {"kills": 4, "mvp": True},
             "u3": 7}
    r = tb.batch([item(m, 0, 13, 11, screenshotUrls=urls, playerStats=stats,
                       screenshotStorageIds=[]),
                  item(m, 1, 5, 13, screenshotUrls=None, playerStats=None)])
    assert r.json()["count"] == 2
    s = scores_of(tb, m)["scores"]
    assert s[0]["screenshotUrls"] == urls
    assert s[0]["playerStats"] == stats
    assert s[1]["screenshotUrls"] == [] and s[1]["playerStats"] is None


def test_unknown_fields_ignored(tb):
    m = tb.match()
    r = tb.call("POST", BATCH, {"items": [item(m, 0, extra="x")], "idempotencyKey": "k"})
    assert r.json()["count"] == 1


# ---------------------------------------------------------------- check order

def test_fields_checked_before_match(tb, stack):
    other = TB(stack).match()
    r = tb.batch([item(other, 0, 2000, 0), item("99999", 0, mapId=""),
                  item(other, 0)])
    assert [x.get("error") for x in r.json()["submitted"]] == [
        "error_invalid_request", "error_invalid_request", "error_match_not_found"]


def test_match_checked_before_map_index(tb, stack):
    other = TB(stack).match(best_of=1)
    r = tb.batch([item(other, 5), item("31415926", 6)])
    assert [x["error"] for x in r.json()["submitted"]] == [
        "error_match_not_found", "error_match_not_found"]


@pytest.mark.parametrize("best_of", [1, 3, 5, 7])
def test_map_index_below_best_of(tb, best_of):
    m = tb.match(best_of=best_of)
    items = [item(m, best_of - 1, 0, 0), item(m, best_of), item(m, best_of + 100),
             item(m, 2 ** 62)]
    r = tb.batch(items).json()
    assert r["submitted"][0] == ok(m, best_of - 1)
    assert [x["error"] for x in r["submitted"][1:]] == ["error_invalid_request"] * 3


def test_map_index_checked_before_state(tb):
    m = tb.match(best_of=3, status="CANCELLED")
    r = tb.batch([item(m, 3), item(m, 0)]).json()
    assert [x["error"] for x in r["submitted"]] == [
        "error_invalid_request", "error_match_not_in_valid_state"]


def test_confirmed_checked_before_state(tb):
    """A retry after the match completed reads 'already submitted'."""
    m = tb.match(best_of=1)
    assert tb.batch([item(m, 0, 5, 1)]).json()["count"] == 1
    assert tb.listed(m)["status"] == "COMPLETED"
    r = tb.batch([item(m, 0, 5, 1)]).json()
    assert r["submitted"] == [failed(str(m["id"]), 0, "error_score_already_submitted_by_game")]


@pytest.mark.parametrize("status", ["PENDING", "ACCEPTED", "COMPLETED", "CANCELLED",
                                    "DISPUTED", "FORFEITED"])
def test_state_that_takes_no_scores(tb, status):
    m = tb.match(status=status)
    r = tb.batch([item(m, 0)]).json()
    assert r["submitted"] == [failed(str(m["id"]), 0, "error_match_not_in_valid_state")]
    assert scores_of(tb, m)["scores"] == []
    assert tb.listed(m)["status"] == status


@pytest.mark.parametrize("status", ["READY", "IN_PROGRESS"])
def test_states_that_take_scores(tb, status):
    m = tb.match(status=status)
    assert tb.batch([item(m, 0)]).json()["count"] == 1
    listed = tb.listed(m)
    assert listed["status"] == "IN_PROGRESS"
    assert ISO_MS.match(listed["startedAt"])


# The map's own state outranks the match's, which outranks used storage ids;
# arcaded reads the last two before the map (one look-up to put a new map),
# so each pairing is checked here, with what it leaves behind.

def used_sid(tb):
    """A storage id already used by a confirmed map of another match."""
    sid = tb.storage_id()
    other = tb.match()
    assert tb.batch([item(other, 0, screenshotStorageIds=[sid])]).json()["count"] == 1
    return sid


def sid_unused(tb, sid):
    """Whether sid can still be used (using it, on a fresh match)."""
    r = tb.batch([item(tb.match(), 0, screenshotStorageIds=[sid])]).json()
    return r["count"] == 1


def pending_kept(tb, m):
    got = scores_of(tb, m)["scores"]
    return [(x["mapIndex"], x["scoreStatus"], x["creatorTeamScore"], x["opponentTeamScore"])
            for x in got] == [(0, "PENDING", 3, 16)]


def test_pending_map_in_a_match_that_takes_no_scores(tb):
    m = tb.match(status="CANCELLED")
    tb.pending(m, 0, 3, 16)
    r = tb.batch([item(m, 0)]).json()
    assert r["submitted"] == [failed(str(m["id"]), 0, "error_match_not_in_valid_state")]
    assert pending_kept(tb, m)


def test_pending_map_with_a_used_storage_id(tb):
    m = tb.match()
    tb.pending(m, 0, 3, 16)
    used, fresh = used_sid(tb), tb.storage_id()
    r = tb.batch([item(m, 0, screenshotStorageIds=[fresh, used])]).json()
    assert r["submitted"] == [failed(str(m["id"]), 0, "error_invalid_request")]
    assert pending_kept(tb, m)
    assert sid_unused(tb, fresh)


def test_pending_map_overwritten_with_storage_ids(tb):
    m = tb.match()
    tb.pending(m, 0, 3, 16)
    sid = tb.storage_id()
    assert tb.batch([item(m, 0, 16, 2, screenshotStorageIds=[sid])]).json()["submitted"] == [ok(m, 0)]
    got = scores_of(tb, m)["scores"]
    assert [(x["scoreStatus"], x["creatorTeamScore"], x["screenshotStorageIds"]) for x in got] == [
        ("CONFIRMED", 16, [sid])]
    assert not sid_unused(tb, sid)


def test_confirmed_map_leaves_fresh_storage_ids_unused(tb):
    m = tb.match()
    assert tb.batch([item(m, 0)]).json()["count"] == 1
    sid = tb.storage_id()
    r = tb.batch([item(m, 0, screenshotStorageIds=[sid])]).json()
    assert r["submitted"] == [failed(str(m["id"]), 0, "error_score_already_submitted_by_game")]
    assert sid_unused(tb, sid)


@pytest.mark.parametrize("ids", ["unused", "used"])
def test_confirmed_map_outranks_state_and_storage_ids(tb, ids):
    m = tb.match(best_of=3)
    assert tb.batch([item(m, 0)]).json()["count"] == 1
    assert tb.status(m, "CANCELLED").status_code == 200
    sid = tb.storage_id() if ids == "unused" else used_sid(tb)
    r = tb.batch([item(m, 0, screenshotStorageIds=[sid])]).json()
    assert r["submitted"] == [failed(str(m["id"]), 0, "error_score_already_submitted_by_game")]
    assert sid_unused(tb, sid) == (ids == "unused")


def test_state_outranks_used_storage_ids(tb):
    m = tb.match(status="CANCELLED")
    r = tb.batch([item(m, 0, screenshotStorageIds=[used_sid(tb)])]).json()
    assert r["submitted"] == [failed(str(m["id"]), 0, "error_match_not_in_valid_state")]
    assert scores_of(tb, m)["scores"] == []


# ---------------------------------------------------------------- idempotency

def test_retried_batch(tb):
    ms = [tb.match(best_of=5) for _ in range(3)]
    items = [item(ms[0], 0, 10, 3), item(ms[1], 2, 1, 9, playerStats={"p": {"k": 1}}),
             item(ms[2], 4, 7, 7), item(ms[0], 1, 3, 10)]
    first = tb.batch(items)
    assert first.json() == {"success": True, "count": 4,
                            "submitted": [ok(ms[0], 0), ok(ms[1], 2), ok(ms[2], 4), ok(ms[0], 1)]}
    before = [scores_of(tb, m) for m in ms]
    listed = [tb.listed(m) for m in ms]
    second = tb.batch(items)
    assert second.status_code == 200
    assert second.json() == {"success": False, "count": 0, "submitted": [
        failed(str(ms[0]["id"]), 0, "error_score_already_submitted_by_game"),
        failed(str(ms[1]["id"]), 2, "error_score_already_submitted_by_game"),
        failed(str(ms[2]["id"]), 4, "error_score_already_submitted_by_game"),
        failed(str(ms[0]["id"]), 1, "error_score_already_submitted_by_game")]}
    after = [scores_of(tb, m) for m in ms]
    for b, a in zip(before, after):
        assert b["scores"] == a["scores"] and b["seriesScore"] == a["seriesScore"]
    assert [tb.listed(m) for m in ms] == listed


def test_retry_with_different_values_changes_nothing(tb):
    m = tb.match()
    tb.batch([item(m, 0, 10, 2)])
    before = scores_of(tb, m)["scores"]
    r = tb.batch([item(m, 0, 0, 13, map_id="other")]).json()
    assert r["submitted"][0]["error"] == "error_score_already_submitted_by_game"
    assert scores_of(tb, m)["scores"] == before


def test_same_map_twice_in_one_call(tb):
    m = tb.match()
    r = tb.batch([item(m, 0, 9, 1), item(m, 0, 1, 9), item(m, 1, 4, 4)]).json()
    assert r == {"success": False, "count": 2, "submitted": [
        ok(m, 0), failed(str(m["id"]), 0, "error_score_already_submitted_by_game"), ok(m, 1)]}
    s = scores_of(tb, m)["scores"][0]
    assert (s["creatorTeamScore"], s["opponentTeamScore"]) == (9, 1)


def test_pending_overwritten_and_confirmed(tb):
    m = tb.match(best_of=3)
    p = tb.pending(m, 0, 3, 16, map_id="captains_map")
    assert p == {"id": f"{m['id']}:0", "game": tb.gid, "match": m["id"], "map_index": 0,
                 "map_id": "captains_map", "creator_score": 3, "opponent_score": 16,
                 "status": "PENDING"}
    tb.pending(m, 1, 1, 0)
    s = scores_of(tb, m)
    assert [(x["mapIndex"], x["scoreStatus"], x["confirmedAt"]) for x in s["scores"]] == [
        (0, "PENDING", None), (1, "PENDING", None)]
    assert s["scores"][1]["mapId"] is None
    assert ISO_MS.match(s["scores"][0]["submittedAt"])
    # PENDING maps do not count in the series or the match's scores.
    assert s["seriesScore"] == {"creatorMapWins": 0, "opponentMapWins": 0}
    assert tb.listed(m)["creatorTeamScore"] == 0
    # A captain may re-submit while it is pending.
    tb.pending(m, 0, 4, 16, map_id="captains_map")
    r = tb.batch([item(m, 0, 16, 12, map_id="de_nuke")]).json()
    assert r["submitted"] == [ok(m, 0)]
    s = scores_of(tb, m)
    got = s["scores"][0]
    assert (got["mapId"], got["creatorTeamScore"], got["opponentTeamScore"], got["scoreStatus"]) == (
        "de_nuke", 16, 12, "CONFIRMED")
    assert ISO_MS.match(got["confirmedAt"])
    assert s["scores"][1]["scoreStatus"] == "PENDING"
    assert s["seriesScore"] == {"creatorMapWins": 1, "opponentMapWins": 0}
    # A confirmed map is never turned back into a pending one.
    p = stack_ctl_raw(tb, "score", "pending", "--match", m["id"], "--map-index", 0,
                      "--creator-score", 0, "--opponent-score", 0)
    assert p.returncode != 0 and "already confirmed" in p.stderr
    assert scores_of(tb, m)["scores"][0] == got


def stack_ctl_raw(tb, *args):
    return tb.s.ctl_raw(*args)


# ---------------------------------------------------------------- series

@pytest.mark.parametrize("best_of,wins", [(1, 1), (3, 2), (5, 3), (7, 4)])
def test_completes_on_majority(tb, best_of, wins):
    m = tb.match(best_of=best_of)
    # A tie first: it counts for neither side.
    items = [item(m, 0, 8, 8)] if best_of > 1 else []
    for i in range(wins - 1):
        items.append(item(m, len(items), 10, 3))
    if items:
        r = tb.batch(items).json()
        assert r["count"] == len(items)
        listed = tb.listed(m)
        assert listed["status"] == "IN_PROGRESS" and listed["completedAt"] is None
    last = len(items)
    r = tb.batch([item(m, last, 2, 1)] + ([item(m, last + 1, 1, 2)] if last + 1 < best_of else [])).json()
    assert r["submitted"][0] == ok(m, last)
    if last + 1 < best_of:
        assert r["submitted"][1] == failed(str(m["id"]), last + 1, "error_match_not_in_valid_state")
    listed = tb.listed(m)
    assert listed["status"] == "COMPLETED"
    assert ISO_MS.match(listed["completedAt"])
    assert (listed["creatorTeamScore"], listed["acceptedTeamScore"]) == (wins, 0)
    assert scores_of(tb, m)["seriesScore"] == {"creatorMapWins": wins, "opponentMapWins": 0}


def test_series_strictly_higher(tb):
    m = tb.match(best_of=7)
    r = tb.batch([item(m, 0, 5, 5), item(m, 1, 0, 0), item(m, 2, 1000, 999),
                  item(m, 3, 13, 16), item(m, 4, 0, 1)]).json()
    assert r["count"] == 5
    assert scores_of(tb, m)["seriesScore"] == {"creatorMapWins": 1, "opponentMapWins": 2}
    listed = tb.listed(m)
    assert (listed["creatorTeamScore"], listed["acceptedTeamScore"]) == (1, 2)
    assert listed["status"] == "IN_PROGRESS"


def test_opponent_can_win(tb):
    m = tb.match(best_of=3)
    tb.batch([item(m, 0, 1, 2), item(m, 1, 3, 16)])
    listed = tb.listed(m)
    assert listed["status"] == "COMPLETED"
    assert (listed["creatorTeamScore"], listed["acceptedTeamScore"]) == (0, 2)


# ---------------------------------------------------------------- tenants

def test_batch_mixing_three_games(stack):
    a, b, c = TB(stack), TB(stack), TB(stack)
    ma, mb, mc = a.match(), b.match(), c.match()
    items = [item(mb, 0), item(ma, 0), item(mc, 1), item(ma, 1, 2, 9), item(mb, 2)]
    r = a.batch(items)
    assert r.status_code == 200
    assert r.json() == {"success": False, "count": 2, "submitted": [
        failed(str(mb["id"]), 0, "error_match_not_found"), ok(ma, 0),
        failed(str(mc["id"]), 1, "error_match_not_found"), ok(ma, 1),
        failed(str(mb["id"]), 2, "error_match_not_found")]}
    assert b.scores(mb).json()["scores"] == [] and c.scores(mc).json()["scores"] == []
    assert b.listed(mb)["status"] == "READY" and c.listed(mc)["status"] == "READY"
    # Each game's own key confirms its own items in the same kind of call.
    assert b.batch([item(mb, 0)]).json()["submitted"] == [ok(mb, 0)]
    assert c.batch([item(mc, 1), item(ma, 2)]).json()["submitted"] == [
        ok(mc, 1), failed(str(ma["id"]), 2, "error_match_not_found")]


# ---------------------------------------------------------------- concurrency

def test_concurrent_full_batches_from_several_keys(stack):
    """Three games, two keys each. Every key sends the same two 50-item
    batches (in opposite orders) at once: each map is confirmed exactly
    once across all calls, nothing is lost, every match completes 3-2."""
    games = []
    for _ in range(3):
        t = TB(stack)
        t.keys = [t.key, t.new_key("game.scores=write", "game.matches=read")]
        ms = [t.match(best_of=5) for _ in range(20)]
        # Creator wins maps 0, 2, 4; opponent 1, 3: 3-2 after the last map.
        mk = [item(m, i, 10 + i, 5 + 2 * i) if i % 2 == 0 else item(m, i, 1, 9 + i)
              for m in ms for i in range(5)]
        t.ms, t.batches = ms, [mk[:50], mk[50:]]
        games.append(t)
    jobs = []
    for t in games:
        jobs.append((t, t.keys[0], t.batches[0]))
        jobs.append((t, t.keys[0], t.batches[1]))
        jobs.append((t, t.keys[1], t.batches[1]))
        jobs.append((t, t.keys[1], t.batches[0]))
    gate = threading.Barrier(len(jobs))

    def run(job):
        t, key, items = job
        gate.wait(timeout=30)
        return t.batch(items, key=key)

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        results = list(pool.map(run, jobs))
    for t in games:
        confirmed = {}
        for (jt, _key, items), r in zip(jobs, results):
            if jt is not t:
                continue
            assert r.status_code == 200, r.text
            body = r.json()
            assert len(body["submitted"]) == 50
            for it, res in zip(items, body["submitted"]):
                assert (res["matchId"], res["mapIndex"]) == (it["matchId"], it["mapIndex"])
                k = (it["matchId"], it["mapIndex"])
                if res["status"] == "confirmed":
                    confirmed[k] = confirmed.get(k, 0) + 1
                else:
                    assert res["error"] in ("error_score_already_submitted_by_game",
                                            "error_match_not_in_valid_state"), res
        assert len(confirmed) == 100 and set(confirmed.values()) == {1}
        for m in t.ms:
            s = t.scores(m).json()
            assert [x["mapIndex"] for x in s["scores"]] == [0, 1, 2, 3, 4]
            assert all(x["scoreStatus"] == "CONFIRMED" for x in s["scores"])
            assert s["seriesScore"] == {"creatorMapWins": 3, "opponentMapWins": 2}
            assert t.listed(m)["status"] == "COMPLETED"


# ---------------------------------------------------------------- two readers

# Items as raw JSON text: {m1}/{m2} stand for the two matches' ids. Every one
# of them is in the plain shape that src/tb_plain.c reads without json-c.
PLAIN_ITEMS = [
    '{"matchId":"{m1}","mapIndex":0,"mapId":"de_dust2","creatorTeamScore":16,"opponentTeamScore":14}',
    '{"matchId":"{m1}","mapIndex":-0,"mapId":"de_dust2","creatorTeamScore":1,"opponentTeamScore":2}',
    '{ "mapId" : "nuke" , "opponentTeamScore":1000,"matchId":"{m2}","creatorTeamScore":0,"mapIndex":2}',
    '{"matchId":"{m2}","mapIndex":3,"mapId":"de_dust2","creatorTeamScore":1,"opponentTeamScore":2}',
    '{"matchId":"{m2}","mapIndex":-1,"mapId":"de_dust2","creatorTeamScore":1,"opponentTeamScore":2}',
    '{"matchId":"{m2}","mapIndex":1,"mapId":"","creatorTeamScore":1,"opponentTeamScore":2}',
    '{"matchId":"{m2}","mapIndex":1,"mapId":"de_dust2","creatorTeamScore":1001,"opponentTeamScore":2}',
    '{"matchId":"{m2}","mapIndex":1,"mapId":"de_dust2","creatorTeamScore":1,"opponentTeamScore":-1}',
    '{"matchId":"abc","mapIndex":1,"mapId":"de_dust2","creatorTeamScore":1,"opponentTeamScore":2}',
    '{"matchId":"0","mapIndex":123456789012345,"mapId":"de_dust2","creatorTeamScore":1,"opponentTeamScore":2}',
    '{"matchId":"424242424242","mapIndex":0,"mapId":"x y/z","creatorTeamScore":1,"opponentTeamScore":2}',
    '{"matchId":"{m1}","mapIndex":1,"mapId":"' + "m" * 100 + '","creatorTeamScore":3,"opponentTeamScore":16}',
    '{"matchId":"{m2}","mapIndex":0,"mapId":"' + "m" * 101 + '","creatorTeamScore":3,"opponentTeamScore":16}',
    '{"matchId":"{m1}","mapIndex":2,"mapId":"inferno","creatorTeamScore":9,"opponentTeamScore":7}',
]


def batch_both_ways(stack, extra):
    """A fresh game and two matches; the items with `extra` added to each
    (nothing, or a member that the plain reader refuses); the answer and the
    stored scores, with the matches' ids put back as {m1}/{m2}."""
    tb = TB(stack)
    m1, m2 = tb.match(best_of=3), tb.match(best_of=3)
    ids = {str(m1["id"]): "{m1}", str(m2["id"]): "{m2}"}
    body = '{"items":[' + ",".join(
        i.replace("{m1}", str(m1["id"])).replace("{m2}", str(m2["id"]))[:-1] + extra + "}"
        for i in PLAIN_ITEMS) + "]}"
    r = tb.call("POST", BATCH, raw=body, headers={"Content-Type": "application/json"})
    answer = r.text
    for real, name in ids.items():
        answer = answer.replace(f'"{real}"', f'"{name}"')
    stored = []
    for m in (m1, m2):
        s = scores_of(tb, m)
        stored.append((s["seriesScore"], [(x["mapIndex"], x["mapId"], x["creatorTeamScore"],
                                           x["opponentTeamScore"], x["scoreStatus"]) for x in s["scores"]]))
    return r.status_code, answer, stored


def test_plain_and_other_bodies_answer_alike(stack):
    """A plain batch (five members an item, strings without escapes, short
    whole numbers) is read without json-c; with one member more the same
    items go through json-c. Answers and stored scores must not differ."""
    plain = batch_both_ways(stack, "")
    general = batch_both_ways(stack, ',"note":{"by":"json-c"}')
    assert general == plain
    status, answer, stored = plain
    assert status == 200
    assert json.loads(answer) == {"success": False, "count": 4, "submitted": [
        {"matchId": "{m1}", "mapIndex": 0, "status": "confirmed"},
        failed("{m1}", 0, "error_score_already_submitted_by_game"),
        {"matchId": "{m2}", "mapIndex": 2, "status": "confirmed"},
        failed("{m2}", 3, "error_invalid_request"),
        failed("{m2}", -1, "error_invalid_request"),
        failed("{m2}", 1, "error_invalid_request"),
        failed("{m2}", 1, "error_invalid_request"),
        failed("{m2}", 1, "error_invalid_request"),
        failed("abc", 1, "error_match_not_found"),
        failed("0", 123456789012345, "error_match_not_found"),
        failed("424242424242", 0, "error_match_not_found"),
        {"matchId": "{m1}", "mapIndex": 1, "status": "confirmed"},
        failed("{m2}", 0, "error_invalid_request"),
        {"matchId": "{m1}", "mapIndex": 2, "status": "confirmed"},
    ]}
    assert stored[0] == ({"creatorMapWins": 2, "opponentMapWins": 1},
                         [(0, "de_dust2", 16, 14, "CONFIRMED"), (1, "m" * 100, 3, 16, "CONFIRMED"),
                          (2, "inferno", 9, 7, "CONFIRMED")])
    assert stored[1] == ({"creatorMapWins": 0, "opponentMapWins": 1}, [(2, "nuke", 0, 1000, "CONFIRMED")])
