"""The shared rate-limit table through a real nginx and a real arcaded pool:
exact under concurrency across workers, 429 in the Game Jolt envelope with
CORS and Retry-After, RateLimit headers, buckets surviving a pool restart,
and fail open when the limits environment cannot be opened.

Every Stack's start-up probe is charged to 127.0.0.1's bucket, so tests that
count tokens send from other loopback addresses (127.0.0.2, ...): nginx
passes the connection's source as REMOTE_ADDR, and a fresh address has a
fresh, full bucket.
"""

import http.client
import os
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from gjtest import assert_body, err_body
from harness import Stack, stop_process

MSG = "Rate limit exceeded. Try again later."
GJ_429 = '{"response":{"success":"false","message":"Rate limit exceeded. Try again later."}}'
# An unsigned call: answered 200 with Game Jolt's "no signature" envelope,
# without touching the data; enough to be charged to the ip bucket.
TARGET = "/api/game/v1_2/scores/"
RATE_HEADERS = ("RateLimit-Policy", "RateLimit", "X-RateLimit-Limit",
                "X-RateLimit-Remaining", "X-RateLimit-Reset")


def send(stack, target=TARGET, source="127.0.0.1", method="GET", headers=None):
    """One request to the stack's nginx from a chosen loopback address."""
    conn = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=30,
                                      source_address=(source, 0))
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.endheaders()
        hr = conn.getresponse()
        r = requests.models.Response()
        r.status_code = hr.status
        r.headers = requests.structures.CaseInsensitiveDict(hr.getheaders())
        r._content = hr.read()
        r.encoding = "utf-8"
        return r
    finally:
        conn.close()


def burst(stack, n, source):
    """n requests at once (one thread each, released together)."""
    gate = threading.Barrier(n)

    def one(_):
        gate.wait()
        return send(stack, source=source)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


def limited_stack(rate_ip, workers=2, extra=()):
    return Stack(workers=workers, relaxed_limits=False,
                 arcaded_args=["--rate-ip", rate_ip, *extra])


@pytest.mark.slow
@pytest.mark.parametrize("round_", [1, 2, 3])
def test_exact_across_workers(round_):
    """Capacity 20, one token per 1000 s, 3 workers, 60 concurrent clients:
    exactly 20 are served and 40 refused, every time."""
    with limited_stack("20/0.001", workers=3) as s:
        assert len(s.worker_pids()) == 3
        rs = burst(s, 60, source=f"127.0.0.{1 + round_}")
        statuses = sorted(r.status_code for r in rs)
        assert statuses.count(200) == 20, statuses
        assert statuses.count(429) == 40, statuses
        for r in rs:
            if r.status_code == 429:
                assert r.text == GJ_429
                assert r.headers.get("Retry-After") == "1000"
        # The same total seen from outside: one more is refused.
        assert send(s, source=f"127.0.0.{1 + round_}").status_code == 429


def test_429_envelope_and_headers():
    with limited_stack("5/0.001") as s:
        src = "127.0.0.9"
        r = send(s, source=src)
        assert r.status_code == 200, r.text
        assert r.headers["RateLimit-Policy"] == '"ip";q=5;w=5000'
        assert r.headers["RateLimit"] == '"ip";r=4;t=1000'
        assert r.headers["X-RateLimit-Limit"] == "5"
        assert r.headers["X-RateLimit-Remaining"] == "4"
        assert r.headers["X-RateLimit-Reset"] == "1000"
        assert "Retry-After" not in r.headers
        for left in (3, 2, 1, 0):
            r = send(s, source=src)
            assert r.status_code == 200
            assert r.headers["X-RateLimit-Remaining"] == str(left)
        assert r.headers["RateLimit"] == '"ip";r=0;t=5000'

        r = send(s, source=src)
        assert_body(r, GJ_429, "json", status=429)   # exact body, type, CORS
        assert r.headers["Retry-After"] == "1000"
        assert r.headers["RateLimit-Policy"] == '"ip";q=5;w=5000'
        assert r.headers["RateLimit"] == '"ip";r=0;t=5000'
        assert r.headers["X-RateLimit-Remaining"] == "0"
        assert r.headers["X-RateLimit-Reset"] == "5000"

        # The family's format rules hold on a 429 too.
        r = send(s, "/api/game/v1_2/scores/?format=keypair", source=src)
        assert_body(r, err_body("keypair", MSG), "keypair", status=429)
        r = send(s, "/api/game/v1/scores/", source=src)
        assert_body(r, err_body("keypair", MSG), "keypair", status=429)
        r = send(s, "/api/game/v1_2/scores/?format=xml", source=src)
        assert_body(r, err_body("xml", MSG), "xml", status=429)

        # A preflight is neither charged nor refused.
        r = send(s, method="OPTIONS", source=src,
                 headers={"Origin": "http://example.com",
                          "Access-Control-Request-Method": "GET"})
        assert r.status_code == 204
        assert r.headers.get("Access-Control-Allow-Origin") == "*"
        for h in RATE_HEADERS:
            assert h not in r.headers

        # Every address has its own bucket.
        r = send(s, source="127.0.0.10")
        assert r.status_code == 200
        assert r.headers["X-RateLimit-Remaining"] == "4"


def test_unknown_route_is_charged():
    """Every request pays its ip token, even one that matches no route."""
    with limited_stack("2/0.001") as s:
        src = "127.0.0.11"
        r = send(s, "/api/game/v1_2/nosuch/", source=src)
        assert r.status_code == 404
        assert r.headers["X-RateLimit-Remaining"] == "1"
        assert send(s, "/nowhere", source=src).status_code == 404
        r = send(s, source=src)
        assert r.status_code == 429
        assert r.text == GJ_429


@pytest.mark.parametrize("method,target,body", [
    ("POST", "/api/v1/game/matches", '{"error":"error_ip_rate_limited"}'),
    ("GET", "/api/v1/apps/players", '{"error":"Too many requests"}'),
    ("GET", "/api/game/v1_2/scores/", GJ_429),
])
def test_ip_429_in_each_family_format(method, target, body):
    """The ip bucket refuses before routing, so before any key is looked at;
    each family still answers in its own format, with CORS and Retry-After."""
    with limited_stack("1/0.001") as s:
        src = "127.0.0.14"
        assert send(s, source=src).status_code == 200
        r = send(s, target, source=src, method=method)
        assert r.status_code == 429
        assert r.text == body
        assert r.headers["Content-Type"].startswith("application/json")
        assert r.headers.get("Access-Control-Allow-Origin") == "*"
        assert r.headers["Retry-After"] == "1000"
        assert r.headers["RateLimit"] == '"ip";r=0;t=1000'


@pytest.mark.slow
def test_buckets_survive_pool_restart():
    with limited_stack("10/0.001") as s:
        src = "127.0.0.12"
        for left in range(9, 5, -1):                       # 4 spent
            r = send(s, source=src)
            assert r.headers["X-RateLimit-Remaining"] == str(left)
        old_workers = set(s.worker_pids())

        # A new pool on the same --limits directory.
        stop_process(s.arcaded)
        s._log.close()
        s._start_arcaded()
        assert not old_workers & set(s.worker_pids())

        r = send(s, source=src)
        assert r.status_code == 200, r.text
        assert r.headers["X-RateLimit-Remaining"] == "5"   # carries on
        for _ in range(5):
            send(s, source=src)
        assert send(s, source=src).status_code == 429


def test_fail_open_when_limits_dir_unusable():
    with tempfile.TemporaryDirectory() as tmp:
        blocker = os.path.join(tmp, "not-a-dir")
        with open(blocker, "w") as f:
            f.write("a file where the limits directory should be\n")
        bad = os.path.join(blocker, "limits")
        with limited_stack("2/0.001", extra=["--limits", bad]) as s:
            rs = [send(s, source="127.0.0.13") for _ in range(10)]
            assert [r.status_code for r in rs] == [200] * 10
            for h in RATE_HEADERS:
                assert h not in rs[-1].headers
            deadline = time.monotonic() + 5
            while "cannot open limits environment" not in s.log():
                assert time.monotonic() < deadline, s.log()
                time.sleep(0.05)
            log = s.log()
            assert bad in log
            assert "fail open" in log
            # Logged once per worker per interval, not once per request.
            assert log.count("ratelimit:") <= 2 * len(s.worker_pids()), log
