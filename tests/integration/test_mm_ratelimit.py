"""MeshMap under arcaded's real rate limits: an app key's bucket (--rate-key,
or the key's own --rate), the client IP's bucket, and the 429 body
{"error":"Too many requests"} for both. Requests that fail authentication
are charged to the IP alone.

Each test sends from its own loopback address (nginx passes it as
REMOTE_ADDR), so its IP bucket starts full whatever the others spent."""

import http.client
import json

import pytest
import requests

from harness import Stack

BODY_429 = '{"error":"Too many requests"}'


@pytest.fixture(scope="module")
def s():
    with Stack(workers=2, relaxed_limits=False,
               arcaded_args=["--rate-key", "3/0.001", "--rate-ip", "8/0.001"]) as st:
        yield st


def send(stack, path, key, source, method="GET", body=None):
    conn = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=30,
                                      source_address=(source, 0))
    try:
        data = None if body is None else json.dumps(body).encode()
        conn.putrequest(method, "/api/v1/apps" + path, skip_accept_encoding=True)
        if key is not None:
            conn.putheader("x-app-api-key", key)
        if data is not None:
            conn.putheader("Content-Type", "application/json")
            conn.putheader("Content-Length", str(len(data)))
        conn.endheaders(data)
        hr = conn.getresponse()
        r = requests.models.Response()
        r.status_code = hr.status
        r.headers = requests.structures.CaseInsensitiveDict(hr.getheaders())
        r._content = hr.read()
        r.encoding = "utf-8"
        return r
    finally:
        conn.close()


def app_key(stack, *opts):
    game = stack.ctl("game", "create", "--name", "rl")
    return stack.ctl("key", "create", "--game", game["id"], "--kind", "app", *opts)["key"]


def assert_429(r):
    assert r.status_code == 429, r.text
    assert r.text == BODY_429
    assert r.headers["Content-Type"].startswith("application/json")
    assert int(r.headers["Retry-After"]) >= 1


def test_key_bucket(s):
    key = app_key(s)
    src = "127.0.0.11"
    # Failed authentication costs the key nothing.
    for _ in range(2):
        assert send(s, "/players", "f" * 40, src).status_code == 401
    for i in range(3):
        r = send(s, "/players", key, src)
        assert r.status_code == 200, r.text
        assert r.headers["RateLimit"].startswith('"key";r=%d;' % (2 - i))
        assert r.headers["RateLimit-Policy"].startswith('"key";q=3;')
    r = send(s, "/game-sessions", key, src, "POST", {})
    assert_429(r)
    assert r.headers["RateLimit"].startswith('"key";r=0;')
    # Refused requests change nothing.
    other = app_key(s)
    assert send(s, "/game-sessions", other, "127.0.0.12").text == '{"gameSessions":[]}'


def test_key_own_rate_overrides_default(s):
    key = app_key(s, "--rate", "1/0.001")
    src = "127.0.0.13"
    assert send(s, "/minigame-types", key, src).status_code == 200
    assert_429(send(s, "/minigame-types", key, src))
    roomy = app_key(s, "--rate", "50/1")
    for _ in range(5):
        assert send(s, "/players", roomy, "127.0.0.14").status_code == 200


def test_ip_bucket(s):
    key = app_key(s, "--rate", "100/1")
    src = "127.0.0.15"
    for _ in range(8):
        assert send(s, "/global-leaderboards", key, src).status_code == 200
    assert_429(send(s, "/global-leaderboards", key, src))
    assert_429(send(s, "/players", None, src))  # the IP is refused before authentication
    assert send(s, "/global-leaderboards", key, "127.0.0.16").status_code == 200
