"""Hostile request bodies, in every family: over the size limit (1 MiB;
5 MiB for uploads), truncated (through nginx, and straight to arcaded's
FastCGI socket), with the wrong content type, invalid UTF-8, NUL bytes,
and JSON nested 1000 deep. Each is answered with a clear error in the
family's format, writes nothing, and leaves the same workers running."""

import json
import socket
import time

import pytest

from harness import target_of
from test_hostile_kit import (GJ_INCOMPLETE, GJ_OK, GJ_TOO_LARGE, GJ_UTF8, MIB,
                              MM_NOT_JSON, MM_TOO_LARGE, TB_INVALID, TB_TOO_LARGE,
                              assert_answer, fcgi_params, fcgi_request, gj_fail,
                              guarded_stack, mm_issue, unchanged)

E_BADSIG = "The signature you entered for the request is invalid."
TB_NOT_OBJECT = '{"error":"error_invalid_request","details":"the body must be a JSON object"}'
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40


@pytest.fixture(scope="module")
def g():
    yield from guarded_stack()


@pytest.fixture(autouse=True)
def same_workers(g):
    yield
    g.check()


# ------------------------------------------------------------ size limits

def padded_json(size, obj):
    """A JSON object of exactly `size` bytes: obj plus a padding member."""
    base = json.dumps(dict(obj, pad=""), separators=(",", ":"))
    body = json.dumps(dict(obj, pad="p" * (size - len(base))), separators=(",", ":"))
    assert len(body) == size
    return body.encode()


def padded_form(size, fields):
    base = "&".join(f"{k}={v}" for k, v in fields) + "&pad="
    return (base + "p" * (size - len(base))).encode()


def test_gj_body_over_limit(g):
    w = g.w
    body = padded_form(MIB + 1, [("key", "big"), ("data", "x")])
    with unchanged(g.s):
        r = w.gj_post_raw("data-store/set", body, fields=[("key", "big"), ("data", "x")])
    assert_answer(r, 413, GJ_TOO_LARGE)
    r = w.gj("data-store", [("key", "big")])
    assert r.text == gj_fail("There is no item with the key passed in."), r.text


def test_gj_body_at_limit_is_read(g):
    """Exactly 1 MiB is within the limit: the body is read and judged (the
    signature covers the fields, and this one has a stray `pad`)."""
    w = g.w
    body = padded_form(MIB, [("key", "atlimit"), ("data", "x")])
    fields = [tuple(p.split("=", 1)) for p in body.decode().split("&")]
    r = w.gj_post_raw("data-store/set", body, fields=fields)
    assert_answer(r, 200, GJ_OK)


def test_tb_body_over_limit(g):
    w = g.w
    item = {"matchId": w.match, "mapIndex": 0, "mapId": "m",
            "creatorTeamScore": 1, "opponentTeamScore": 0}
    with unchanged(g.s):
        r = w.tbr("POST", "/api/v1/game/matches/batch-scores",
                  raw=padded_json(MIB + 1, {"items": [item]}),
                  headers={"Content-Type": "application/json"})
    assert_answer(r, 413, TB_TOO_LARGE)
    r = w.tbr("GET", f"/api/v1/game/matches/{w.match}/scores")
    assert r.status_code == 200 and r.json()["scores"] == [], r.text


def test_mm_body_over_limit(g):
    w = g.w
    with unchanged(g.s):
        r = w.mm("POST", "/api/v1/apps/players", raw=padded_json(MIB + 1, {"displayName": "huge"}),
                 headers={"Content-Type": "application/json"})
    assert_answer(r, 413, MM_TOO_LARGE)
    # at the limit the body is read: unknown members are ignored
    r = w.mm("POST", "/api/v1/apps/players", raw=padded_json(MIB, {"displayName": "atlimit"}),
             headers={"Content-Type": "application/json"})
    assert r.status_code == 201 and r.json()["displayName"] == "atlimit", r.text[:200]


def test_upload_over_limit_then_url_still_works(g):
    w = g.w
    r = w.tbr("POST", "/api/v1/uploads/image-url")
    assert r.status_code == 200, r.text
    target = target_of(r.json()["uploadUrl"])
    with unchanged(g.s):
        r = g.s.request("POST", target, data=PNG + b"\0" * (5 * MIB + 1 - len(PNG)),
                        headers={"Content-Type": "image/png"})
    assert_answer(r, 413, TB_TOO_LARGE)
    r = g.s.request("POST", target, data=PNG + b"\0" * (5 * MIB - len(PNG)),
                    headers={"Content-Type": "image/png"})
    assert r.status_code == 200 and list(r.json()) == ["storageId"], r.text


def test_far_over_limit_nginx_answers_cleanly(g):
    """Beyond nginx's own cap (6 MiB) nginx answers 413 itself: a clean
    refusal before any worker is involved."""
    with unchanged(g.s):
        r = g.s.request("POST", "/api/v1/apps/players", data=b"{" + b" " * (7 * MIB) + b"}",
                        headers={"x-app-api-key": g.w.app, "Content-Type": "application/json"})
    assert r.status_code == 413, r.status_code


# ------------------------------------------------------------ truncated bodies

def send_truncated(s, target, headers, body, length, half_close):
    sk = socket.create_connection(("127.0.0.1", s.port), timeout=15)
    try:
        head = f"POST {target} HTTP/1.1\r\nHost: 127.0.0.1:{s.port}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        head += f"Content-Length: {length}\r\nConnection: close\r\n\r\n"
        sk.sendall(head.encode() + body)
        if not half_close:
            return b""
        sk.shutdown(socket.SHUT_WR)
        data = b""
        while True:
            c = sk.recv(65536)
            if not c:
                return data
            data += c
    finally:
        sk.close()


@pytest.mark.parametrize("half_close", [False, True], ids=["close", "half-close"])
def test_truncated_bodies_through_nginx(g, half_close):
    """Content-Length larger than what is sent, then the client goes away:
    nginx buffers bodies, so no worker sees a partial one; nothing is
    written, and whatever comes back is not a success."""
    w = g.w
    cases = [
        (w.gj_target("data-store/set", [], fields=[("key", "trunc"), ("data", "v")]),
         {"Content-Type": "application/x-www-form-urlencoded"}, b"key=trunc&da"),
        ("/api/v1/game/matches/batch-scores",
         {"Content-Type": "application/json", "Authorization": "Bearer " + w.tb},
         b'{"items":[{"matchId":"' + w.match.encode() + b'","mapIndex":0,'),
        ("/api/v1/apps/players",
         {"Content-Type": "application/json", "x-app-api-key": w.app}, b'{"displayName":"tru'),
    ]
    with unchanged(g.s):
        for target, headers, body in cases:
            got = send_truncated(g.s, target, headers, body, 1000, half_close)
            assert not got or got.startswith(b"HTTP/1.1 400") or got.startswith(b"HTTP/1.1 408"), got[:200]
        time.sleep(0.3)
    r = w.mm("GET", "/api/v1/apps/players")
    assert "tru" not in r.text


@pytest.mark.parametrize("family", ["gj", "tb", "mm"])
def test_truncated_body_straight_to_arcaded(g, family):
    """Without nginx: a FastCGI request whose STDIN ends before
    CONTENT_LENGTH gets the family's 'incomplete body' error."""
    w, s = g.w, g.s
    host = f"127.0.0.1:{s.port}"
    if family == "gj":
        p = fcgi_params("POST", w.gj_target("data-store/set", [], fields=[("key", "fc"), ("data", "v")]),
                        host, 1000, "application/x-www-form-urlencoded")
        body, want = b"key=fc&data=v", GJ_INCOMPLETE
    elif family == "tb":
        p = fcgi_params("POST", "/api/v1/game/matches/batch-scores", host, 1000, "application/json",
                        {"HTTP_AUTHORIZATION": "Bearer " + w.tb})
        body, want = b'{"items":[]}', TB_INVALID
    else:
        p = fcgi_params("POST", "/api/v1/apps/players", host, 1000, "application/json",
                        {"HTTP_X_APP_API_KEY": w.app})
        body, want = b'{"displayName":"fc"}', '{"error":"The request body is incomplete."}'
    with unchanged(s):
        status, headers, text = fcgi_request(s.socket_path, p, body)
    assert (status, text) == (400, want)
    assert headers["content-type"] == "application/json"


def test_fastcgi_content_length_lies(g):
    """CONTENT_LENGTH far beyond the limit is refused before reading; one
    that is not a number is refused too."""
    w, s = g.w, g.s
    host = f"127.0.0.1:{s.port}"
    target = w.gj_target("data-store/set", [], fields=[("key", "fc"), ("data", "v")])
    with unchanged(s):
        status, _h, text = fcgi_request(s.socket_path, fcgi_params(
            "POST", target, host, 10 ** 12, "application/x-www-form-urlencoded"), b"key=fc&data=v")
        assert (status, text) == (413, GJ_TOO_LARGE)
        status, _h, text = fcgi_request(s.socket_path, fcgi_params(
            "POST", target, host, "12abc", "application/x-www-form-urlencoded"), b"key=fc&data=v")
        assert (status, text) == (400, GJ_INCOMPLETE)
    # the same request told the truth: written
    status, _h, text = fcgi_request(s.socket_path, fcgi_params(
        "POST", target, host, 13, "application/x-www-form-urlencoded"), b"key=fc&data=v")
    assert (status, text) == (200, GJ_OK)


# ------------------------------------------------------------ content types

@pytest.mark.parametrize("ctype", ["application/json", "multipart/form-data; boundary=x",
                                   "text/plain", None])
def test_gj_fields_with_wrong_content_type_are_not_read(g, ctype):
    """Game Jolt POST fields count only as application/x-www-form-urlencoded:
    otherwise the body is not read as fields, and the signature (made over
    them) does not match."""
    w = g.w
    with unchanged(g.s):
        r = w.gj_post_raw("data-store/set", b"key=ctype&data=v", ctype=ctype,
                          fields=[("key", "ctype"), ("data", "v")])
    assert_answer(r, 200, gj_fail(E_BADSIG))


@pytest.mark.parametrize("ctype,body", [
    ("application/x-www-form-urlencoded", b"items=1"),
    ("multipart/form-data; boundary=x", b'--x\r\nContent-Disposition: form-data; name="items"\r\n\r\n1\r\n--x--'),
    ("text/plain", b"items"),
])
def test_tb_non_json_bodies(g, ctype, body):
    with unchanged(g.s):
        r = g.w.tbr("POST", "/api/v1/game/matches/batch-scores", raw=body,
                    headers={"Content-Type": ctype})
    assert_answer(r, 400, TB_NOT_OBJECT)


@pytest.mark.parametrize("ctype,body", [
    ("application/x-www-form-urlencoded", b"displayName=formy"),
    ("multipart/form-data; boundary=x", b'--x\r\nContent-Disposition: form-data; name="displayName"\r\n\r\nformy\r\n--x--'),
    ("application/xml", b"<displayName>formy</displayName>"),
])
def test_mm_non_json_bodies(g, ctype, body):
    with unchanged(g.s):
        r = g.w.mm("POST", "/api/v1/apps/players", raw=body, headers={"Content-Type": ctype})
    assert_answer(r, 400, MM_NOT_JSON)


# ------------------------------------------------------------ invalid UTF-8 and NUL

BAD_TEXT = [b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82", b"\xf8\x88\x80\x80\x80"]


@pytest.mark.parametrize("bad", BAD_TEXT + [b"\x00"], ids=["ff", "overlong", "surrogate",
                                                          "truncated", "5byte", "nul"])
def test_raw_bad_bytes_in_json_bodies(g, bad):
    w = g.w
    with unchanged(g.s):
        r = w.mm("POST", "/api/v1/apps/players", raw=b'{"displayName":"a' + bad + b'"}',
                 headers={"Content-Type": "application/json"})
        assert_answer(r, 400, MM_NOT_JSON)
        raw = (b'{"items":[{"matchId":"' + w.match.encode() + b'","mapIndex":0,"mapId":"m'
               + bad + b'","creatorTeamScore":1,"opponentTeamScore":0}]}')
        r = w.tbr("POST", "/api/v1/game/matches/batch-scores", raw=raw,
                  headers={"Content-Type": "application/json"})
        assert_answer(r, 400, TB_NOT_OBJECT)


@pytest.mark.parametrize("bad", BAD_TEXT + [b"\x00"], ids=["ff", "overlong", "surrogate",
                                                          "truncated", "5byte", "nul"])
def test_raw_bad_bytes_in_gj_form_bodies(g, bad):
    """Raw (not percent-encoded) bad bytes in an urlencoded body."""
    w = g.w
    with unchanged(g.s):
        r = w.gj_post_raw("data-store/set", b"key=raw&data=a" + bad + b"b",
                          fields=[("key", "raw"), ("data", "a" + bad.decode("latin-1") + "b")])
    assert_answer(r, 400, GJ_UTF8)


def test_escaped_nul_in_json_strings(g):
    """\\u0000 is valid JSON but not a valid name, id or map id."""
    w = g.w
    with unchanged(g.s):
        r = w.mm("POST", "/api/v1/apps/players", {"displayName": "a\u0000b"})
        assert_answer(r, 400, mm_issue("custom", "String must not contain NUL characters",
                                       ["displayName"]))
        r = w.mm("PATCH", f"/api/v1/apps/game-sessions/{w.session}", {"name": "x\u0000"})
        assert_answer(r, 400, mm_issue("custom", "String must not contain NUL characters", ["name"]))
        r = w.tbr("POST", "/api/v1/game/matches/batch-scores", {"items": [
            {"matchId": w.match, "mapIndex": 0, "mapId": "m\u0000",
             "creatorTeamScore": 1, "opponentTeamScore": 0}]})
        assert r.status_code == 200 and r.json() == {
            "success": False, "count": 0, "submitted": [
                {"matchId": w.match, "mapIndex": 0, "status": "failed",
                 "error": "error_invalid_request"}]}, r.text
        r = w.tbr("POST", "/api/v1/game/matches/batch-scores", {"items": [
            {"matchId": w.match + "\u0000", "mapIndex": 0, "mapId": "m",
             "creatorTeamScore": 1, "opponentTeamScore": 0}]})
        assert r.status_code == 200 and r.json()["submitted"][0]["status"] == "failed", r.text


def test_utf16_and_bom_bodies(g):
    """A UTF-16 body, or one starting with a UTF-8 byte order mark, is not
    RFC 8259 JSON for these APIs."""
    w = g.w
    with unchanged(g.s):
        r = w.mm("POST", "/api/v1/apps/players", raw='{"displayName":"u16"}'.encode("utf-16"),
                 headers={"Content-Type": "application/json"})
        assert_answer(r, 400, MM_NOT_JSON)
        r = w.mm("POST", "/api/v1/apps/players", raw=b'\xef\xbb\xbf{"displayName":"bom"}',
                 headers={"Content-Type": "application/json"})
        assert_answer(r, 400, MM_NOT_JSON)


# ------------------------------------------------------------ deep JSON

def nested(depth, leaf=b"1"):
    return b'{"a":' * depth + leaf + b"}" * depth


def test_json_nested_1000_deep(g):
    w = g.w
    with unchanged(g.s):
        r = w.mm("POST", "/api/v1/apps/players", raw=b"[" * 1000 + b"]" * 1000,
                 headers={"Content-Type": "application/json"})
        assert_answer(r, 400, MM_NOT_JSON)
        r = w.mm("POST", "/api/v1/apps/players",
                 raw=b'{"displayName":"deep","x":' + nested(1000) + b"}",
                 headers={"Content-Type": "application/json"})
        assert_answer(r, 400, MM_NOT_JSON)
        r = w.mm("PATCH", f"/api/v1/apps/game-sessions/{w.session}/players/{w.mplayer}",
                 raw=b'{"score":' + nested(1000) + b"}", headers={"Content-Type": "application/json"})
        assert_answer(r, 400, MM_NOT_JSON)
        for raw in (b"[" * 1000 + b"]" * 1000,
                    b'{"items":' + b"[" * 1000 + b"]" * 1000 + b"}",
                    b'{"items":[{"matchId":"' + w.match.encode() + b'","mapIndex":0,"mapId":"m",'
                    b'"creatorTeamScore":1,"opponentTeamScore":0,"playerStats":{"u":'
                    + nested(1000) + b"}}]}"):
            r = w.tbr("POST", "/api/v1/game/matches/batch-scores", raw=raw,
                      headers={"Content-Type": "application/json"})
            assert_answer(r, 400, TB_NOT_OBJECT)
        r = w.tbr("POST", "/api/v1/game/matches", raw=nested(1000),
                  headers={"Content-Type": "application/json"})
        assert_answer(r, 400, TB_NOT_OBJECT)
        r = w.tbr("PATCH", f"/api/v1/game/matches/{w.match}/status",
                  raw=b'{"status":' + nested(1000, b'"CANCELLED"') + b"}",
                  headers={"Content-Type": "application/json"})
        assert_answer(r, 400, TB_NOT_OBJECT)


def test_json_depth_limit_is_32(g):
    """The documented depth limit, exactly: 32 levels parse, 33 do not."""
    w = g.w
    r = w.mm("POST", "/api/v1/apps/players", raw=b"[" * 32 + b"]" * 32,
             headers={"Content-Type": "application/json"})
    assert_answer(r, 400, mm_issue("invalid_type", "Expected object, received array", []))
    with unchanged(g.s):
        r = w.mm("POST", "/api/v1/apps/players", raw=b"[" * 33 + b"]" * 33,
                 headers={"Content-Type": "application/json"})
        assert_answer(r, 400, MM_NOT_JSON)


def test_huge_flat_json(g):
    """Wide rather than deep: 50,000 members, 100,000 array items (under 1 MiB)."""
    w = g.w
    members = b",".join(b'"k%d":%d' % (i, i) for i in range(50_000))
    with unchanged(g.s):
        r = w.mm("POST", "/api/v1/apps/players", raw=b'{"displayName":"' + b"w" * 101 + b'",' + members + b"}",
                 headers={"Content-Type": "application/json"})
        assert_answer(r, 400, mm_issue("too_big", "String must contain at most 100 byte(s)",
                                       ["displayName"]))
        r = w.tbr("POST", "/api/v1/game/matches/batch-scores",
                  raw=b'{"items":[' + b",".join([b"{}"] * 100_000) + b"]}",
                  headers={"Content-Type": "application/json"})
        assert_answer(r, 400, '{"error":"error_invalid_num_items","details":'
                              '"items must be an array of 1 to 50 map scores"}')
