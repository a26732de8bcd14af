"""Evidence uploads: POST /api/v1/uploads/image-url hands out an absolute,
single-use URL on this server; the raw image bytes POSTed there are judged
by content, kept under the data directory, and referred to by storage id
from map scores (known ids of the key's game, each used once)."""

import http.client
import json
import os
import re

import pytest

from tbtest import D_IMAGE, IMAGES, SID, TB, err, failed, item, ok

MAX = 5 * 1024 * 1024  # 5,242,880 bytes


@pytest.fixture
def tb(stack):
    return TB(stack)


def test_upload_url_shape(tb):
    url = tb.upload_url()
    assert re.fullmatch(rf"http://127\.0\.0\.1:{tb.s.port}/api/v1/uploads/[0-9a-f]{{40}}", url), url
    assert tb.upload_url() != url


def post_with_host(tb, host):
    conn = http.client.HTTPConnection("127.0.0.1", tb.s.port, timeout=30)
    try:
        conn.putrequest("POST", "/api/v1/uploads/image-url", skip_host=True,
                        skip_accept_encoding=True)
        conn.putheader("Host", host)
        conn.putheader("Authorization", "Bearer " + tb.key)
        conn.putheader("Content-Length", "0")
        conn.endheaders()
        r = conn.getresponse()
        return r.status, json.loads(r.read())
    finally:
        conn.close()


def test_upload_url_uses_the_host_the_client_used(tb):
    status, body = post_with_host(tb, "shots.example.com:8443")
    assert status == 200
    assert list(body) == ["uploadUrl"]
    assert re.fullmatch(r"http://shots\.example\.com:8443/api/v1/uploads/[0-9a-f]{40}",
                        body["uploadUrl"])
    # The URL works on this server whatever host name it carries.
    assert tb.upload(IMAGES["png"], url=body["uploadUrl"]).status_code == 200


@pytest.mark.parametrize("kind", sorted(IMAGES))
def test_each_image_type(tb, kind):
    # The Content-Type header is not what decides.
    r = tb.upload(IMAGES[kind], ctype="application/octet-stream")
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == ["storageId"] and SID.match(body["storageId"])
    path = os.path.join(tb.s.data_dir, "uploads", str(tb.gid), body["storageId"])
    with open(path, "rb") as f:
        assert f.read() == IMAGES[kind]


@pytest.mark.parametrize("data", [
    b"hello, world, this is not an image at all",
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,                 # signature without IHDR
    b"GIF88a" + b"\x00" * 40,
    b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 40,
    b"\x00\x00\x00\x1cftypheic\x00\x00\x00\x00mif1heicmiaf" + b"\x00" * 40,
    b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    b"BM" + b"\x00" * 60,
    b"\xff\xd8",
    b"",
], ids=["text", "png-no-ihdr", "gif88", "wav", "heic", "svg", "bmp", "short-jpeg", "empty"])
def test_wrong_type_400(tb, data):
    url = tb.upload_url()
    r = tb.upload(data, url=url, ctype="image/png")
    assert r.status_code == 400
    assert r.json() == err("error_invalid_request", D_IMAGE)
    # A refused body does not use the URL up.
    assert tb.upload(IMAGES["png"], url=url).status_code == 200


def test_size_limit(tb):
    url = tb.upload_url()
    big = IMAGES["png"] + b"\x00" * (MAX + 1 - len(IMAGES["png"]))
    r = tb.upload(big, url=url)
    assert r.status_code == 413
    assert r.json() == err("error_payload_too_large")
    exact = big[:MAX]
    r = tb.upload(exact, url=url)
    assert r.status_code == 200, r.text
    path = os.path.join(tb.s.data_dir, "uploads", str(tb.gid), r.json()["storageId"])
    assert os.path.getsize(path) == MAX


def test_single_use(tb):
    url = tb.upload_url()
    assert tb.upload(IMAGES["gif"], url=url).status_code == 200
    for data in (IMAGES["gif"], IMAGES["png"]):
        r = tb.upload(data, url=url)
        assert (r.status_code, r.json()) == (404, err("error_not_found"))


@pytest.mark.parametrize("token", ["0" * 40, "abc", "A" * 40, "0" * 41, "image-url-x"])
def test_unknown_upload_url(tb, token):
    r = tb.s.request("POST", f"/api/v1/uploads/{token}", data=IMAGES["png"],
                     headers={"Content-Type": "image/png"})
    assert (r.status_code, r.json()) == (404, err("error_not_found"))


def test_upload_needs_no_key_but_url_does(tb):
    r = tb.call("POST", "/api/v1/uploads/image-url", key="")
    assert (r.status_code, r.json()) == (401, err("error_api_key_required"))
    r = tb.call("GET", "/api/v1/uploads/image-url")
    assert r.status_code == 405
    # The upload itself carries no Authorization; a wrong one is ignored.
    url = tb.upload_url()
    target = url[url.index("/api/"):]
    r = tb.s.request("POST", target, data=IMAGES["jpeg"],
                     headers={"Authorization": "Bearer tb_nope"})
    assert r.status_code == 200


def test_other_routes_keep_max_body(tb):
    m = tb.match()
    pad = "x" * (2 * 1024 * 1024)
    r = tb.map_score(m, 0, {"mapId": "m", "creatorTeamScore": 1, "opponentTeamScore": 0,
                            "pad": pad})
    assert (r.status_code, r.json()) == (413, err("error_payload_too_large"))


# ---------------------------------------------------------------- storage ids in scores

def test_storage_ids_in_batch(tb, stack):
    m = tb.match(best_of=5)
    a, b, c = tb.storage_id("png"), tb.storage_id("webp"), tb.storage_id("avif")
    foreign = TB(stack).storage_id("jpeg")
    r = tb.batch([
        item(m, 0, screenshotStorageIds=[a, b]),
        item(m, 1, screenshotStorageIds=[b]),            # b used by the item before
        item(m, 2, screenshotStorageIds=[foreign]),      # another game's id
        item(m, 3, screenshotStorageIds=["0" * 32]),     # nobody's id
        item(m, 4, screenshotStorageIds=[c, c]),         # twice in one item
    ])
    mid = str(m["id"])
    assert r.json() == {"success": False, "count": 1, "submitted": [
        ok(m, 0), failed(mid, 1, "error_invalid_request"), failed(mid, 2, "error_invalid_request"),
        failed(mid, 3, "error_invalid_request"), failed(mid, 4, "error_invalid_request")]}
    s = tb.scores(m).json()["scores"]
    assert [(x["mapIndex"], x["screenshotStorageIds"]) for x in s] == [(0, [a, b])]
    # c is still unused: it can go with another map.
    r = tb.batch([item(m, 4, screenshotStorageIds=[c])])
    assert r.json()["submitted"] == [ok(m, 4)]
    # a used id is refused on the single-map route as well.
    r = tb.map_score(m, 1, {"mapId": "m", "creatorTeamScore": 1, "opponentTeamScore": 0,
                            "screenshotStorageIds": [a]})
    assert (r.status_code, r.json()) == (400, err("error_invalid_request"))


def test_retry_with_storage_ids_reads_already_submitted(tb):
    m = tb.match()
    sid = tb.storage_id()
    items = [item(m, 0, screenshotStorageIds=[sid],
                  screenshotUrls=["https://cdn.example.com/0.png"])]
    assert tb.batch(items).json()["submitted"] == [ok(m, 0)]
    assert tb.batch(items).json()["submitted"] == [
        failed(str(m["id"]), 0, "error_score_already_submitted_by_game")]


def test_unknown_storage_id_checked_before_match(tb):
    r = tb.batch([item("987654321", 0, screenshotStorageIds=["1" * 32])])
    assert r.json()["submitted"] == [failed("987654321", 0, "error_invalid_request")]


def test_upload_key_is_game_bound(tb, stack):
    """A storage id from an upload URL of game B cannot be used by game A,
    even though the upload itself carried no key."""
    other = TB(stack)
    sid = other.storage_id()
    m = tb.match()
    r = tb.batch([item(m, 0, screenshotStorageIds=[sid])])
    assert r.json()["submitted"] == [failed(str(m["id"]), 0, "error_invalid_request")]
    om = other.match()
    assert other.batch([item(om, 0, screenshotStorageIds=[sid])]).json()["count"] == 1
