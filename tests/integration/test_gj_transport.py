"""Game Jolt transport: paths and versions, aliases, the no-'?' form, repeated
parameters, GET and POST, formats and content types, CORS, request-level
errors (400, 413, 404), users/auth and case-insensitive credentials."""

import json
import re

import pytest

from harness import Stack, gj_signature, target_of
from gjtest import (E_ENDPOINT, E_GAME, E_NOSIG, E_SCORE, E_USER, assert_body,
                    assert_cors, assert_envelope_error, assert_error, assert_ok,
                    assert_scores, check_stored, err_body, new_gj, ok_body, score_item,
                    sorts_of)

ADD = [("guest", "g"), ("score", "1"), ("sort", "1")]


# ============================================================ paths
@pytest.mark.parametrize("slash", [True, False], ids=["slash", "noslash"])
@pytest.mark.parametrize("version", ["v1", "v1_1", "v1_2"])
def test_versions_and_trailing_slash(gj, version, slash):
    assert_ok(gj.get("scores/add", ADD + [("format", "json")], version=version, slash=slash))
    assert_scores(gj.get("scores", [("format", "json")], version=version, slash=slash),
                  [score_item(1, guest="g")])
    assert_scores(gj.get("scores/fetch", [("format", "json")], version=version, slash=slash),
                  [score_item(1, guest="g")])
    assert_ok(gj.get("scores/get-rank", [("sort", "0"), ("format", "json")],
                     version=version, slash=slash), pairs=[("rank", "2")])
    assert_ok(gj.get("scores/tables", [("format", "json")], version=version, slash=slash),
              lists=[("tables", "table", [[("id", str(gj.table["id"])), ("name", "Main"),
                                           ("description", ""), ("primary", "1")]])])
    p = gj.player("pathy")
    assert_ok(gj.get("users/auth", [("username", "PATHY"), ("user_token", p["token"]),
                                    ("format", "json")], version=version, slash=slash))


@pytest.mark.parametrize("version,fmt", [("v1", "keypair"), ("v1_1", "keypair"),
                                         ("v1_2", "json")])
def test_default_format_per_version(stack, gj, version, fmt):
    assert_ok(gj.get("scores/add", ADD, version=version), fmt)
    assert_error(gj.get("scores/add", [("guest", "g")], version=version), E_SCORE, fmt)
    url = stack.gj_plain_url("scores", [("game_id", "abc")], version=version)
    assert_error(stack.get(target_of(url)), E_GAME, fmt)


def test_fetch_alias(gj):
    gj.add_guest("a", 1)
    gj.add_guest("b", 2)
    expected = [score_item(2, guest="b"), score_item(1, guest="a")]
    assert_scores(gj.get("scores/fetch", []), expected)
    assert_scores(gj.get("scores/fetch", [("limit", "1")]), expected[:1])


def test_no_question_mark_form(stack, gj):
    """`.../scores/&limit=10&game_id=1`: parsed, and signed over the URL as sent."""
    url = stack.gj_url("scores/add", [("game_id", gj.id)] + ADD, gj.game, qmark=False)
    assert "/scores/add/&game_id=" in url
    assert_ok(stack.get(target_of(url)))
    url = stack.gj_url("scores", [("limit", "10"), ("game_id", gj.id)], gj.game, qmark=False)
    assert_scores(stack.get(target_of(url)), [score_item(1, guest="g")])


def test_repeated_parameter_last_wins(gj):
    assert_ok(gj.get("scores/add", [("guest", "first"), ("score", "s1"), ("sort", "1"),
                                    ("guest", "second"), ("score", "s2"), ("sort", "2")]))
    assert_scores(gj.fetch(), [score_item(2, score="s2", guest="second")])
    for s in range(3, 8):
        gj.add_guest("x", s)
    assert sorts_of(gj.get("scores", [("limit", "1"), ("limit", "3")])) == [7, 6, 5]


def test_repeated_game_id_last_wins(stack, gj):
    r = stack.gj_get("scores/add", [("game_id", "987654321"), ("game_id", gj.id)] + ADD,
                     gj.game)
    assert_ok(r)
    r = stack.gj_get("scores", [("game_id", gj.id), ("game_id", "987654321")], gj.game)
    assert_error(r, E_GAME)


# ============================================================ POST
def test_post_add(gj):
    assert_ok(gj.post("scores/add", [], [("guest", "poster"), ("score", "12 pts"),
                                         ("sort", "12"), ("extra_data", "a=b&c")]))
    assert_scores(gj.fetch(), [score_item(12, score="12 pts", guest="poster",
                                          extra_data="a=b&c")])


def test_post_field_wins_over_query(gj):
    assert_ok(gj.post("scores/add", [("guest", "q"), ("score", "q"), ("sort", "1")],
                      [("sort", "2"), ("score", "f")]))
    assert_scores(gj.fetch(), [score_item(2, score="f", guest="q")])


def test_post_fetch_and_alias(gj):
    gj.add_guest("g", 5)
    gj.add_guest("h", 6)
    assert_scores(gj.post("scores", [], []), [score_item(6, guest="h"), score_item(5, guest="g")])
    assert_scores(gj.post("scores/fetch", [], [("limit", "1")]), [score_item(6, guest="h")])


def test_post_tables(gj):
    assert_ok(gj.post("scores/tables", [], []),
              lists=[("tables", "table", [[("id", str(gj.table["id"])), ("name", "Main"),
                                           ("description", ""), ("primary", "1")]])])


def test_post_get_rank(gj):
    gj.add_guest("g", 5)
    assert_ok(gj.post("scores/get-rank", [], [("sort", "1")]), pairs=[("rank", "2")])


def test_post_users_auth(gj):
    p = gj.player("poster")
    assert_ok(gj.post("users/auth", [], [("username", p["username"]),
                                         ("user_token", p["token"])]))
    assert_error(gj.post("users/auth", [], [("username", p["username"]),
                                            ("user_token", "0" * 32)]), E_USER)


def test_post_missing_signature(stack, gj):
    url = stack.gj_plain_url("scores/add", [("game_id", gj.id)])
    r = stack.request("POST", target_of(url), data="guest=g&score=1&sort=1",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_error(r, E_NOSIG)


# ============================================================ formats
FORMATS = ["json", "keypair", "dump", "xml"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_add_success_formats(gj, fmt):
    r = gj.get("scores/add", ADD + [("format", fmt)])
    assert_ok(r, fmt)
    expected = {"json": '{"response":{"success":"true"}}',
                "keypair": 'success:"true"\r\n',
                "dump": "SUCCESS\r\n",
                "xml": '<?xml version="1.0" encoding="UTF-8"?>\n'
                       '<response><success><![CDATA[true]]></success></response>'}[fmt]
    text = r.text[:-1] if fmt == "xml" and r.text.endswith("\n") else r.text
    assert text == expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_error_formats(gj, fmt):
    r = gj.get("scores/add", [("format", fmt)])
    assert_error(r, "You must pass in a user/guest for this score.", fmt)
    expected = {
        "json": '{"response":{"success":"false","message":'
                '"You must pass in a user\\/guest for this score."}}',
        "keypair": 'success:"false"\r\nmessage:"You must pass in a user/guest for this score."\r\n',
        "dump": "FAILURE\r\nYou must pass in a user/guest for this score.",
        "xml": '<?xml version="1.0" encoding="UTF-8"?>\n<response><success><![CDATA[false]]>'
               '</success><message><![CDATA[You must pass in a user/guest for this score.]]>'
               '</message></response>'}[fmt]
    text = r.text[:-1] if fmt == "xml" and r.text.endswith("\n") else r.text
    assert text == expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_game_error_formats(stack, fmt):
    url = stack.gj_plain_url("scores", [("game_id", "987654321"), ("format", fmt)])
    assert_error(stack.get(target_of(url)), E_GAME, fmt)


def test_error_message_with_quotes_json_and_keypair(gj):
    p = gj.player("q")
    for fmt in ("json", "keypair"):
        r = gj.get("scores/add", [("username", p["username"]), ("user_token", p["token"]),
                                  ("guest", "g"), ("format", fmt)])
        assert_error(r, "'username' and 'guest' are mutually exclusive", fmt)


KP_SCORE = re.compile(r'stored:"([^"]*)"\r\nstored_timestamp:"(\d+)"\r\n')
XML_SCORE = re.compile(r"<stored><!\[CDATA\[(.*?)\]\]></stored>"
                       r"<stored_timestamp><!\[CDATA\[(\d+)\]\]></stored_timestamp>")


def _items(expected, stamps):
    assert len(stamps) == len(expected)
    out = []
    for e, (stored, ts) in zip(expected, stamps):
        check_stored(stored, int(ts))
        out.append(list(e.items()) + [("stored", stored), ("stored_timestamp", ts)])
    return out


@pytest.mark.parametrize("fmt", ["keypair", "dump", "xml"])
def test_fetch_other_formats_exact(gj, fmt):
    tricky = 'q"uo\\te\r\nline ]]> é'
    p = gj.player("kp")
    gj.add_user(p, 2, score=tricky, extra_data="x")
    gj.add_guest("gst", 1)
    r = gj.fetch(format=fmt)
    expected = [score_item(2, score=tricky, extra_data="x", user="kp", user_id=p["id"]),
                score_item(1, guest="gst")]
    stamps = (XML_SCORE if fmt == "xml" else KP_SCORE).findall(r.text)
    assert_ok(r, fmt, lists=[("scores", "score", _items(expected, stamps))])


def test_fetch_keypair_escaping_bytes(gj):
    gj.add_guest("g", 1, score='a"b\\c\r\nd')
    r = gj.fetch(format="keypair")
    assert r.text.startswith('success:"true"\r\nscore:"a\\"b\\\\c\\r\\nd"\r\nsort:"1"\r\n')


def test_fetch_empty_other_formats(gj):
    assert_body(gj.fetch(format="keypair"), 'success:"true"\r\n', "keypair")
    assert_body(gj.fetch(format="dump"), "SUCCESS\r\n", "dump")


def test_v1_fetch_defaults_to_keypair(gj):
    gj.add_guest("g", 3)
    r = gj.get("scores", [], version="v1")
    stamps = KP_SCORE.findall(r.text)
    assert_ok(r, "keypair", lists=[("scores", "score",
                                    _items([score_item(3, guest="g")], stamps))])


def test_json_stored_timestamp_is_number(gj):
    gj.add_guest("g", 3)
    doc = json.loads(gj.fetch().text)
    s = doc["response"]["scores"][0]
    assert isinstance(s["stored_timestamp"], int)
    assert isinstance(s["sort"], str) and isinstance(s["user_id"], str)
    assert doc["response"]["success"] == "true"


# ============================================================ CORS
def test_cors_on_success_and_errors(stack, gj):
    assert_cors(gj.fetch())
    assert_cors(gj.get("scores/add", []))
    assert_cors(stack.get("/api/game/v1_2/scores/?game_id=abc"))
    assert_cors(stack.get("/api/game/v1_2/no-such-endpoint/"))


@pytest.mark.parametrize("path", ["/api/game/v1_2/scores/", "/api/game/v1/scores/add/",
                                  "/api/game/v1_2/no-such-endpoint/"])
def test_options_preflight(stack, path):
    r = stack.request("OPTIONS", path, headers={
        "Origin": "https://html5.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "X-Requested-With, Content-Type"})
    assert r.status_code == 204, r.text
    assert r.headers.get("Access-Control-Allow-Origin") == "*"
    assert r.headers.get("Access-Control-Allow-Methods") == "GET, POST, OPTIONS"
    assert r.headers.get("Access-Control-Allow-Headers") == "X-Requested-With, Content-Type"
    assert r.headers.get("Access-Control-Max-Age") == "86400"
    assert r.content == b""


# ============================================================ 400 / 413 / 404
@pytest.mark.parametrize("bad", ["x=%zz", "x=%4", "x=abc%", "x=%G1", "%zz=1", "x=%FF",
                                 "x=%C3", "x=a%00b", "x=%ED%A0%80",
                                 "x=%C0%AF", "%00=1"])
def test_bad_encoding_400(stack, gj, bad):
    url = stack.gj_plain_url("scores", [("game_id", gj.id)])
    target = target_of(url) + "&" + bad
    r = stack.get(target + "&signature=" + gj_signature(stack.base + target,
                                                        gj.game["private_key"]))
    assert_envelope_error(r, 400)


@pytest.mark.parametrize("bad", ["guest=%zz", "guest=a%00", "guest=%FF", "gu%st=a"])
def test_bad_encoding_in_post_body_400(stack, gj, bad):
    url = stack.gj_url("scores/add", [("game_id", gj.id)], gj.game)
    r = stack.request("POST", target_of(url), data=bad + "&score=1&sort=1",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_envelope_error(r, 400)
    assert_scores(gj.fetch(), [])


def test_256_params_accepted(stack, gj):
    params = [("game_id", gj.id)] + [(f"p{i}", "1") for i in range(254)]
    r = stack.gj_get("scores", params, gj.game)     # 254 + game_id + signature = 256
    assert_scores(r, [])


def test_257_params_400(stack, gj):
    params = [("game_id", gj.id)] + [(f"p{i}", "1") for i in range(255)]
    r = stack.gj_get("scores", params, gj.game)     # 257 with the signature
    assert_envelope_error(r, 400)


def test_257_params_400_in_v1_keypair(stack, gj):
    params = [("game_id", gj.id)] + [(f"p{i}", "1") for i in range(255)]
    r = stack.gj_get("scores", params, gj.game, version="v1")
    assert_envelope_error(r, 400, "keypair")


def test_param_name_256_accepted_257_rejected(stack, gj):
    r = stack.gj_get("scores", [("game_id", gj.id), ("n" * 256, "1")], gj.game)
    assert_scores(r, [])
    r = stack.gj_get("scores", [("game_id", gj.id), ("n" * 257, "1")], gj.game)
    assert_envelope_error(r, 400)


def _post_body(stack, gj, size, path="scores/add"):
    url = stack.gj_url(path, [("game_id", gj.id)], gj.game)
    body = "extra_data=" + "a" * (size - len("extra_data="))
    assert len(body) == size
    return stack.request("POST", target_of(url), data=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})


def test_body_over_1mib_413(stack, gj):
    r = _post_body(stack, gj, 1024 * 1024 + 1)
    assert_envelope_error(r, 413)
    assert_scores(gj.fetch(), [])


def test_body_of_1mib_not_413(stack, gj):
    r = _post_body(stack, gj, 1024 * 1024)
    assert r.status_code != 413, r.text
    assert_cors(r)


@pytest.fixture(scope="module")
def small_body_stack():
    with Stack(workers=1, arcaded_args=["--max-body", "4096"]) as s:
        yield s


def test_max_body_option(small_body_stack):
    s = small_body_stack
    g = new_gj(s, "small")
    assert _post_body(s, g, 4096).status_code == 200
    assert_envelope_error(_post_body(s, g, 4097), 413)


@pytest.mark.parametrize("path", ["/api/game/v1_2/nope/", "/api/game/v1_2/scores/nope/",
                                  "/api/game/v1_2/scores/add/extra/", "/api/game/v1_2/",
                                  "/api/game/v1_2/nope?game_id=1"])
def test_unknown_endpoint_404(stack, path):
    r = stack.get(path)
    assert_body(r, err_body("json", E_ENDPOINT), "json", status=404)
    assert r.text == '{"response":{"success":"false","message":"Unknown endpoint."}}'


def test_unknown_endpoint_404_v1_keypair(stack):
    r = stack.get("/api/game/v1/nope/")
    assert_body(r, 'success:"false"\r\nmessage:"Unknown endpoint."\r\n', "keypair", status=404)


def test_unknown_endpoint_404_post(stack):
    r = stack.request("POST", "/api/game/v1_2/nope/", data="a=b",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_body(r, err_body("json", E_ENDPOINT), "json", status=404)


# ============================================================ users/auth
def test_auth_ok(gj):
    p = gj.player("Authy")
    r = gj.get("users/auth", [("username", p["username"]), ("user_token", p["token"])])
    assert_ok(r)
    assert r.text == '{"response":{"success":"true"}}'


@pytest.mark.parametrize("fmt", ["keypair", "dump", "xml"])
def test_auth_ok_formats(gj, fmt):
    p = gj.player("Authy")
    assert_ok(gj.get("users/auth", [("username", p["username"]), ("user_token", p["token"]),
                                    ("format", fmt)]), fmt)


def test_auth_case_insensitive(gj):
    p = gj.player("Authy")
    for name, token in [("AUTHY", p["token"]), ("authy", p["token"].upper()),
                        ("aUtHy", p["token"].upper())]:
        assert_ok(gj.get("users/auth", [("username", name), ("user_token", token)]))


def test_auth_wrong_token(gj):
    p = gj.player("Authy")
    assert_error(gj.get("users/auth", [("username", p["username"]),
                                       ("user_token", "0" * 32)]), E_USER)


def test_auth_unknown_user(gj):
    assert_error(gj.get("users/auth", [("username", "nobody-at-all"),
                                       ("user_token", "0" * 32)]), E_USER)


def test_auth_player_of_other_game(stack, gj):
    other = new_gj(stack, "other")
    p = other.player("Elsewhere")
    assert_error(gj.get("users/auth", [("username", p["username"]),
                                       ("user_token", p["token"])]), E_USER)
    assert_ok(other.get("users/auth", [("username", p["username"]),
                                       ("user_token", p["token"])]))


def test_auth_token_of_other_player(gj):
    a = gj.player("a")
    b = gj.player("b")
    assert_error(gj.get("users/auth", [("username", a["username"]),
                                       ("user_token", b["token"])]), E_USER)


@pytest.mark.parametrize("params", [[("username", "Authy")], [("user_token", "x")], []])
def test_auth_missing_credentials(gj, params):
    gj.player("Authy")
    r = gj.get("users/auth", params)
    assert r.status_code == 200
    resp = json.loads(r.text)["response"]
    assert list(resp) == ["success", "message"]
    assert resp["success"] == "false" and resp["message"]


def test_auth_unsigned(stack, gj):
    p = gj.player("Authy")
    url = stack.gj_plain_url("users/auth", [("game_id", gj.id), ("username", p["username"]),
                                            ("user_token", p["token"])])
    assert_error(stack.get(target_of(url)), E_NOSIG)


def test_ok_body_helper_self_check():
    """The expected-bytes builder itself (so a wrong helper cannot hide a bug)."""
    assert ok_body("json", [("rank", "3")]) == '{"response":{"success":"true","rank":"3"}}'
    assert ok_body("keypair", lists=[("x", "y", [[("a", 'q"')], [("a", "2")]])]) == \
        'success:"true"\r\na:"q\\""\r\na:"2"\r\n'
    assert err_body("json", "a/b é") == \
        '{"response":{"success":"false","message":"a\\/b \\u00e9"}}'
