"""Game Jolt request signatures and game identification (API-GAMEJOLT.md
"Signature"; contract notes "Check order")."""

import hashlib

import pytest

from harness import Stack, gj_signature, target_of
from gjtest import (E_BADSIG, E_GAME, E_NOSIG, E_SCORE, assert_error, assert_ok,
                    assert_scores, encode_params, score_item)

KEY = "my_awesome_private_key"


# ------------------------------------------------- the Python signer itself
def test_signer_reproduces_documented_get_vector():
    url = ("http://api.gamejolt.com/api/game/v1_2/trophies/?game_id=32&username=CROS"
           "&user_token=123456&achieved=true")
    assert gj_signature(url, KEY) == "fc3e8e0ea54544b3551058f0cf524303"


def test_signer_reproduces_documented_post_vector():
    url = "http://api.gamejolt.com/api/game/v1_2/trophies/?game_id=32&username=CROS"
    fields = [("user_token", "123456"), ("achieved", "true")]     # unsorted on purpose
    assert gj_signature(url, KEY, fields) == "d1eefdaaa2cb35ee3ceac5ce11079c89"


def test_signer_reproduces_documented_batch_vector():
    url = "http://api.gamejolt.com/api/game/v1_2/batch/?game_id=32&username=CROS"
    fields = [("requests[]", "abc"), ("requests[]", "def"), ("requests[]", "ghi")]
    assert gj_signature(url, KEY, fields) == "d1387db85719d80afae538c5d5bca040"


def test_signer_sha1_is_40_hex():
    url = "http://x/api/game/v1_2/time/?game_id=1"
    assert gj_signature(url, KEY, sha1=True) == hashlib.sha1((url + KEY).encode()).hexdigest()


# ------------------------------------------------------- arcadectl sign
def test_arcadectl_sign_matches_python_signer(stack, gj):
    url = stack.gj_plain_url("scores", [("game_id", gj.id), ("limit", "5")])
    out = stack.ctl("sign", url, "--game", gj.game["id"])
    assert out == {"url": url + "&signature=" + gj_signature(url, gj.game["private_key"])}
    out = stack.ctl("sign", url, "--game", gj.game["id"], "--sha1")
    assert out == {"url": url + "&signature="
                   + gj_signature(url, gj.game["private_key"], sha1=True)}


def test_arcadectl_sign_plain_prints_url_and_server_accepts_it(stack, gj):
    gj.add_guest("ann", 3)
    url = stack.gj_plain_url("scores", [("game_id", gj.id)])
    p = stack.ctl_raw("sign", url, "--game", gj.game["id"], json_output=False)
    assert p.returncode == 0, p.stderr
    signed = p.stdout.strip()
    assert signed == url + "&signature=" + gj_signature(url, gj.game["private_key"])
    assert_scores(stack.get(target_of(signed)), [score_item(3, guest="ann")])


# ------------------------------------------------------------ accepted
def test_md5_signature_accepted(gj):
    assert_ok(gj.get("scores/add", [("guest", "a"), ("score", "1"), ("sort", "1")]))


def test_sha1_signature_accepted(gj):
    assert_ok(gj.get("scores/add", [("guest", "a"), ("score", "1"), ("sort", "1")], sha1=True))
    assert_scores(gj.fetch(), [score_item(1, guest="a")])


@pytest.mark.parametrize("sha1", [False, True])
def test_uppercase_hex_signature_accepted(gj, sha1):
    assert_ok(gj.get("scores/add", [("guest", "a"), ("score", "1"), ("sort", "1")],
                     sha1=sha1, upper=True))


def test_https_scheme_signed_accepted(gj):
    assert_ok(gj.get("scores/add", [("guest", "a"), ("score", "1"), ("sort", "1")],
                     scheme="https"))
    assert_scores(gj.fetch(), [score_item(1, guest="a")])


def test_signed_percent_decoded_url_sent_encoded(stack, gj):
    """The client signed the URL with raw (decoded) values but sent it
    percent-encoded: accepted, and the values arrive decoded."""
    host = f"127.0.0.1:{stack.port}"
    base = f"http://{host}/api/game/v1_2/scores/add/?"
    decoded = f"game_id={gj.id}&guest=Zoë Q&score=12 pts/ok&sort=12"
    sent = (f"game_id={gj.id}&guest=Zo%C3%AB%20Q&score=12%20pts%2Fok&sort=12")
    sig = gj_signature(base + decoded, gj.game["private_key"])
    r = stack.get(target_of(base + sent) + "&signature=" + sig)
    assert_ok(r)
    assert_scores(gj.fetch(), [score_item(12, score="12 pts/ok", guest="Zoë Q")])


def test_signed_with_space_sent_with_plus(stack, gj):
    host = f"127.0.0.1:{stack.port}"
    base = f"http://{host}/api/game/v1_2/scores/add/?"
    sig = gj_signature(base + f"game_id={gj.id}&guest=Al Bo&score=7 pts&sort=7",
                       gj.game["private_key"])
    r = stack.get(target_of(base) + f"game_id={gj.id}&guest=Al+Bo&score=7+pts&sort=7"
                  + "&signature=" + sig)
    assert_ok(r)
    assert_scores(gj.fetch(), [score_item(7, score="7 pts", guest="Al Bo")])


def test_signed_with_plus_sent_with_plus(gj):
    """Plain raw match; `+` decodes to a space in the stored values."""
    assert_ok(gj.get("scores/add", [("guest", "Al Bo"), ("score", "7 pts"), ("sort", "7")]))
    assert_scores(gj.fetch(), [score_item(7, score="7 pts", guest="Al Bo")])


def test_post_signature_covers_sorted_fields(gj):
    r = gj.post("scores/add", [], [("sort", "9"), ("score", "9 pts"), ("guest", "p"),
                                   ("extra_data", "x")])
    assert_ok(r)
    assert_scores(gj.fetch(), [score_item(9, score="9 pts", guest="p", extra_data="x")])


def test_post_signed_without_fields_rejected(stack, gj):
    fields = [("guest", "p"), ("score", "1"), ("sort", "1")]
    url = stack.gj_url("scores/add", [("game_id", gj.id)], gj.game)   # fields not signed
    r = stack.request("POST", target_of(url), data=encode_params(fields),
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_error(r, E_BADSIG)
    assert_scores(gj.fetch(), [])


def test_post_field_changed_after_signing_rejected(stack, gj):
    signed_fields = [("guest", "p"), ("score", "1"), ("sort", "1")]
    url = stack.gj_url("scores/add", [("game_id", gj.id)], gj.game, fields=signed_fields)
    sent = [("guest", "p"), ("score", "1"), ("sort", "1000")]
    r = stack.request("POST", target_of(url), data=encode_params(sent),
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_error(r, E_BADSIG)
    assert_scores(gj.fetch(), [])


# ------------------------------------------------------------ rejected
def test_signature_missing(stack, gj):
    url = stack.gj_plain_url("scores/add", [("game_id", gj.id), ("guest", "a"),
                                            ("score", "1"), ("sort", "1")])
    assert_error(stack.get(target_of(url)), E_NOSIG)
    assert_scores(gj.fetch(), [])


def test_signature_missing_comes_before_endpoint_checks(stack, gj):
    url = stack.gj_plain_url("scores/add", [("game_id", gj.id)])
    assert_error(stack.get(target_of(url)), E_NOSIG)


def test_signature_wrong(stack, gj):
    url = stack.gj_plain_url("scores/add", [("game_id", gj.id), ("guest", "a"),
                                            ("score", "1"), ("sort", "1")])
    r = stack.get(target_of(url) + "&signature=" + "0" * 32)
    assert_error(r, E_BADSIG)
    assert_scores(gj.fetch(), [])


def test_signature_wrong_comes_before_endpoint_checks(stack, gj):
    url = stack.gj_plain_url("scores/add", [("game_id", gj.id)])
    assert_error(stack.get(target_of(url) + "&signature=" + "f" * 32), E_BADSIG)


def test_signature_truncated(stack, gj):
    url = stack.gj_plain_url("scores", [("game_id", gj.id)])
    sig = gj_signature(url, gj.game["private_key"])
    assert_error(stack.get(target_of(url) + "&signature=" + sig[:-1]), E_BADSIG)


def test_signature_over_other_params_rejected(stack, gj):
    """Signed for sort=1, sent with sort=2."""
    url = stack.gj_plain_url("scores/add", [("game_id", gj.id), ("guest", "a"),
                                            ("score", "1"), ("sort", "1")])
    sig = gj_signature(url, gj.game["private_key"])
    r = stack.get(target_of(url).replace("sort=1", "sort=2") + "&signature=" + sig)
    assert_error(r, E_BADSIG)


def test_signature_with_other_games_key(stack, gj):
    other = stack.ctl("game", "create", "--name", "other")
    params = [("game_id", gj.id), ("guest", "a"), ("score", "1"), ("sort", "1")]
    r = stack.gj_get("scores/add", params, other)     # game A's id, game B's key
    assert_error(r, E_BADSIG)
    assert_scores(gj.fetch(), [])


def test_signature_over_other_host_rejected_without_alias(stack, gj):
    r = gj.get("scores/add", [("guest", "a"), ("score", "1"), ("sort", "1")],
               host="api.gamejolt.com", scheme="https")
    assert_error(r, E_BADSIG)


def test_signature_over_other_port_rejected(stack, gj):
    r = gj.get("scores", [], host=f"127.0.0.1:{stack.port + 1}")
    assert_error(r, E_BADSIG)


# ----------------------------------------------------- game identification
@pytest.mark.parametrize("game_id", [None, "", "abc", "0", "-1", "1.0", " 1", "1e2",
                                     "0x10", "999999999", "18446744073709551617"])
def test_bad_game_id(stack, gj, game_id):
    """Missing, malformed or unknown game_id, even with a signature made with
    a real key: the game message comes first."""
    params = [("guest", "a"), ("score", "1"), ("sort", "1")]
    if game_id is not None:
        params.insert(0, ("game_id", game_id))
    assert_error(stack.gj_get("scores/add", params, gj.game), E_GAME)


def test_unknown_game_id_without_signature(stack):
    url = stack.gj_plain_url("scores", [("game_id", "987654321")])
    assert_error(stack.get(target_of(url)), E_GAME)


def test_game_check_before_signature_check(stack, gj):
    url = stack.gj_plain_url("scores", [("game_id", "abc")])
    assert_error(stack.get(target_of(url) + "&signature=" + "0" * 32), E_GAME)


def test_check_order_signature_then_endpoint(gj):
    """Valid signature, missing score: the endpoint's own message."""
    assert_error(gj.get("scores/add", [("guest", "a"), ("sort", "1")]), E_SCORE)


# --------------------------------------------------------- host aliases
@pytest.fixture(scope="module")
def alias_stack():
    with Stack(workers=1, gamejolt_hosts=["api.gamejolt.com"]) as s:
        yield s


@pytest.mark.parametrize("scheme", ["https", "http"])
def test_host_alias_accepted(alias_stack, scheme):
    s = alias_stack
    game = s.ctl("game", "create", "--name", "aliased")
    s.ctl("table", "create", "--game", game["id"], "--name", "Main")
    params = [("game_id", str(game["id"])), ("guest", "al"), ("score", "5"), ("sort", "5")]
    assert_ok(s.gj_get("scores/add", params, game, host="api.gamejolt.com", scheme=scheme))
    # and the stack's own host still works
    r = s.gj_get("scores", [("game_id", str(game["id"]))], game)
    assert_scores(r, [score_item(5, guest="al")])


def test_host_alias_does_not_accept_other_hosts(alias_stack):
    s = alias_stack
    game = s.ctl("game", "create", "--name", "aliased2")
    s.ctl("table", "create", "--game", game["id"], "--name", "Main")
    r = s.gj_get("scores", [("game_id", str(game["id"]))], game, host="api.gamejolt.net",
                 scheme="https")
    assert_error(r, E_BADSIG)


def test_no_question_mark_form_signed_as_sent(stack, gj):
    gj.add_guest("q", 4)
    url = stack.gj_plain_url("scores", [("game_id", gj.id), ("limit", "10")], qmark=False)
    assert "/scores/&game_id=" in url
    sig = gj_signature(url, gj.game["private_key"])
    assert_scores(stack.get(target_of(url) + "&signature=" + sig), [score_item(4, guest="q")])
    # the same URL signed as if it had a '?' does not match what was sent
    wrong = gj_signature(url.replace("/scores/&", "/scores/?"), gj.game["private_key"])
    assert_error(stack.get(target_of(url) + "&signature=" + wrong), E_BADSIG)


def test_signature_binds_the_path(stack, gj):
    """A signature made for scores/ does not authorise scores/add with the same query."""
    q = [("game_id", gj.id), ("guest", "a"), ("score", "1"), ("sort", "1")]
    url = stack.gj_plain_url("scores", q)
    sig = gj_signature(url, gj.game["private_key"])
    add_target = target_of(stack.gj_plain_url("scores/add", q))
    assert_error(stack.get(add_target + "&signature=" + sig), E_BADSIG)
    assert_scores(gj.fetch(), [])


def test_encoded_query_values_roundtrip(stack, gj):
    """Values needing percent-encoding (& = % # + / and UTF-8) survive as sent."""
    tricky = "a&b=c%d#e+f/g é"
    assert_ok(gj.get("scores/add", [("guest", "g"), ("score", tricky), ("sort", "3"),
                                    ("extra_data", tricky)]))
    assert_scores(gj.fetch(), [score_item(3, score=tricky, extra_data=tricky, guest="g")])
