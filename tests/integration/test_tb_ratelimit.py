"""TeamBattles rate limits through a real stack with real (small) buckets:
the per-key request bucket, the per-key batch bucket charged one token per
item (a batch that does not fit is refused whole, nothing written), per-key
overrides, and the ip bucket in TeamBattles' error format."""

import http.client
import json

import pytest
import requests

from harness import Stack
from tbtest import TB, err, item, ok


@pytest.fixture(scope="module")
def limited():
    """Roomy ip and key buckets; a batch bucket of 60 that barely refills."""
    with Stack(workers=2, relaxed_limits=False,
               arcaded_args=["--rate-ip", "100000/100000", "--rate-key", "100000/100000",
                             "--rate-batch", "60/0.001"]) as s:
        yield s


def tie_items(ms, start, n):
    """n items on fresh maps of bo7 matches, all ties (no match completes)."""
    out = []
    for k in range(start, start + n):
        out.append(item(ms[k // 7], k % 7, 4, 4))
    return out


def test_batch_bucket_refuses_whole_batch(limited):
    t = TB(limited)
    ms = [t.match(best_of=7) for _ in range(10)]
    r = t.batch(tie_items(ms, 0, 50))
    assert r.status_code == 200 and r.json()["count"] == 50
    assert r.headers["RateLimit"].startswith('"batch";r=10;')
    refused = tie_items(ms, 50, 11)
    r = t.batch(refused)
    assert r.status_code == 429
    assert r.json() == err("error_api_rate_limited")
    assert r.headers["Content-Type"] == "application/json"
    assert int(r.headers["Retry-After"]) >= 1
    assert r.headers["RateLimit-Policy"].startswith('"batch";q=60;')
    # Nothing of the refused batch was written.
    assert [len(t.scores(m).json()["scores"]) for m in ms] == [7] * 7 + [1, 0, 0]
    # Exactly what is left still fits; then nothing does.
    r = t.batch(tie_items(ms, 50, 10))
    assert r.status_code == 200 and r.json()["count"] == 10
    r = t.batch(tie_items(ms, 60, 1))
    assert (r.status_code, r.json()) == (429, err("error_api_rate_limited"))
    # Another key of the same game has its own batch bucket.
    other = t.new_key("game.scores=write")
    r = t.batch(tie_items(ms, 60, 5), key=other)
    assert r.status_code == 200 and r.json()["count"] == 5


def test_per_key_batch_rate_and_free_refusals(limited):
    t = TB(limited, key_args=("--batch-rate", "5/0.001"))
    ms = [t.match(best_of=7) for _ in range(2)]
    # Requests refused before the items are counted cost no batch tokens.
    for body in ({"items": []}, {"items": [{}] * 51}, {"nope": 1}):
        r = t.call("POST", "/api/v1/game/matches/batch-scores", body)
        assert r.status_code == 400
    r = t.batch(tie_items(ms, 0, 6))
    assert (r.status_code, r.json()) == (429, err("error_api_rate_limited"))
    assert t.scores(ms[0]).json()["scores"] == []
    r = t.batch(tie_items(ms, 0, 5))
    assert r.json() == {"success": True, "count": 5,
                        "submitted": [ok(ms[0], i) for i in range(5)]}
    # Failed items are charged too: the bucket counts items, not confirmations.
    r = t.batch([item("1", 0)])
    assert r.status_code == 429


def test_key_bucket(limited):
    t = TB(limited, key_args=("--rate", "3/0.001"))
    m = t.match()
    for _ in range(3):
        assert t.scores(m).status_code == 200
    r = t.scores(m)
    assert (r.status_code, r.json()) == (429, err("error_api_rate_limited"))
    assert r.headers["RateLimit-Policy"].startswith('"key";q=3;')
    assert int(r.headers["Retry-After"]) >= 1
    # The batch route pays the same bucket before anything else.
    r = t.batch([item(m, 0)])
    assert (r.status_code, r.json()) == (429, err("error_api_rate_limited"))
    assert t.scores(m, key=t.new_key("game.scores=write")).status_code == 200


def test_auth_failures_not_charged_to_key(limited):
    t = TB(limited, perms=("game.scores=write",), key_args=("--rate", "2/0.001"))
    m = t.match()
    for _ in range(5):
        r = t.list()
        assert (r.status_code, r.json()) == (403, err("error_api_key_permission_denied"))
    assert t.batch([item(m, 0)]).status_code == 200
    assert t.batch([item(m, 1)]).status_code == 200
    assert t.batch([item(m, 2)]).status_code == 429


def send_from(stack, source, method, target, headers):
    conn = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=30,
                                      source_address=(source, 0))
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        for k, v in headers.items():
            conn.putheader(k, v)
        conn.putheader("Content-Length", "0")
        conn.endheaders()
        hr = conn.getresponse()
        r = requests.models.Response()
        r.status_code = hr.status
        r.headers = requests.structures.CaseInsensitiveDict(hr.getheaders())
        r._content = hr.read()
        return r
    finally:
        conn.close()


def test_ip_bucket_in_teambattles_format():
    with Stack(workers=2, relaxed_limits=False, arcaded_args=["--rate-ip", "3/0.001"]) as s:
        t = TB(s)
        m = t.match()
        h = {"Authorization": "Bearer " + t.key}
        target = f"/api/v1/game/matches/{m['id']}/scores"
        codes = [send_from(s, "127.0.0.7", "GET", target, h).status_code for _ in range(3)]
        assert codes == [200, 200, 200]
        r = send_from(s, "127.0.0.7", "GET", target, h)
        assert r.status_code == 429
        assert json.loads(r.content) == err("error_ip_rate_limited")
        assert r.headers["RateLimit-Policy"].startswith('"ip";q=3;')
        # Unauthenticated requests pay the ip bucket alone, and are refused by it too.
        r = send_from(s, "127.0.0.8", "GET", target, {})
        assert (r.status_code, json.loads(r.content)) == (401, err("error_api_key_required"))
