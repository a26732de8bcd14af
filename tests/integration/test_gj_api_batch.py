"""Game Jolt batch/ (API-GAMEJOLT.md: Signature (batch sub-requests signed over
their relative path; POST `requests[]` signed as "requests"+value), endpoint
table; docs/gamejolt.md: batch notes, deliberate differences, messages)."""

import hashlib

import pytest

from gjapi import (AGO, DEFAULT_FMT, E_BADSIG, E_BATCH_DUMP, E_BATCH_EXCL, E_BATCH_MANY,
                   E_BATCH_NESTED, E_BATCH_NONE, E_GAME, E_NO_ITEM, E_NOSIG, FORMATS, NASTY,
                   TS, VERSIONS, assert_doc, assert_fail, batch_get, batch_post, creds, jresp,
                   make_trophy, sub, sub_request, time_data, trophy_item, with_fmt)
from gjtest import E_ENDPOINT, new_gj
from harness import encode_params, gj_signature, target_of


def ok(**data):
    return dict({"success": "true"}, **data)


def fail(msg):
    return {"success": "false", "message": msg}


def time_ok():
    return ok(**time_data())


def score_ok(sort, guest):
    return {"score": str(sort), "sort": str(sort), "extra_data": "", "user": "", "user_id": "",
            "guest": guest, "stored": AGO, "stored_timestamp": TS}


def assert_batch(r, responses, fmt="json"):
    assert_doc(r, fmt, data={"responses": responses})


def ds_value(gj, key):
    r = gj.get("data-store", [("key", key)])
    resp = jresp(r)
    return resp.get("data") if resp["success"] == "true" else None


# ================================================================ basics
def test_relative_signature_is_md5_of_relative_url_plus_key(gj):
    """The design's rule, spelled out: md5("/scores/?game_id=G&limit=10" + key)."""
    rel = f"/scores/?game_id={gj.id}&limit=10"
    u = sub(gj, "scores", [("limit", "10")])
    assert u == rel + "&signature=" + hashlib.md5((rel + gj.game["private_key"]).encode()).hexdigest()
    gj.add_guest("g", 7)
    assert_batch(batch_get(gj, [u]), [ok(scores=[score_ok(7, "g")])])


def test_several_subrequests_get_in_order(gj):
    gj.add_guest("g1", 10)
    gj.add_guest("g2", 20)
    p = gj.player("alice")
    subs = [sub(gj, "time"),
            sub(gj, "scores", [("limit", "10")]),
            sub(gj, "users/auth", creds(p)),
            sub(gj, "scores", [("limit", "1")]),
            sub(gj, "data-store/set", [("key", "k"), ("data", "1")]),
            sub(gj, "data-store/update", [("key", "k"), ("operation", "add"), ("value", "2")]),
            sub(gj, "data-store", [("key", "k")])]
    r = batch_get(gj, subs)
    expected = [time_ok(), ok(scores=[score_ok(20, "g2"), score_ok(10, "g1")]), ok(),
                ok(scores=[score_ok(20, "g2")]), ok(), ok(data="3"), ok(data="3")]
    assert_batch(r, expected)
    resp = jresp(r)["responses"]
    assert type(resp[0]["timestamp"]) is int and type(resp[1]["scores"][0]["stored_timestamp"]) is int
    assert ds_value(gj, "k") == "3"


def test_post_requests_fields(gj):
    gj.add_guest("g", 5)
    subs = [sub(gj, "scores"), sub(gj, "data-store/set", [("key", "a"), ("data", "x")]),
            sub(gj, "data-store", [("key", "a")])]
    r = batch_post(gj, subs)
    assert_batch(r, [ok(scores=[score_ok(5, "g")]), ok(), ok(data="x")])


def test_post_signature_covers_requests_fields(stack, gj):
    """POST: signature = H(URL + "requests"+v1 + "requests"+v2 ... + key)."""
    subs = [sub(gj, "time"), sub(gj, "get-time")]
    url = stack.gj_plain_url("batch", [("game_id", gj.id)])
    signed = url + "".join("requests" + u for u in subs)
    sig = hashlib.md5((signed + gj.game["private_key"]).encode()).hexdigest()
    assert sig == gj_signature(url, gj.game["private_key"], [("requests[]", u) for u in subs])
    body = encode_params([("requests[]", u) for u in subs])
    hdr = {"Content-Type": "application/x-www-form-urlencoded"}
    r = stack.request("POST", target_of(url + "&signature=" + sig), data=body, headers=hdr)
    assert_batch(r, [time_ok(), time_ok()])
    # signed over the URL alone: the fields are not covered
    bad = hashlib.md5((url + gj.game["private_key"]).encode()).hexdigest()
    r = stack.request("POST", target_of(url + "&signature=" + bad), data=body, headers=hdr)
    assert_fail(r, E_BADSIG)
    # fields in another order than signed: still the sorted-by-key rule, values in order
    body2 = encode_params([("requests[]", u) for u in reversed(subs)])
    r = stack.request("POST", target_of(url + "&signature=" + sig), data=body2, headers=hdr)
    assert_fail(r, E_BADSIG)


def test_outer_bad_signature_runs_nothing(stack, gj):
    subs = [sub(gj, "data-store/set", [("key", "k"), ("data", "ran")])]
    url = stack.gj_plain_url("batch", [("game_id", gj.id)] + [("requests[]", u) for u in subs])
    for fmt_url, fmt in [(url, "json"), (url + "&format=xml", "xml")]:
        r = stack.get(target_of(fmt_url + "&signature=" + "0" * 32))
        assert_fail(r, E_BADSIG, fmt)
        r = stack.get(target_of(fmt_url))
        assert_fail(r, E_NOSIG, fmt)
    assert ds_value(gj, "k") is None


def test_subrequest_sha1_and_uppercase_signature(gj):
    u1 = sub(gj, "time", sha1=True)
    assert len(u1.rsplit("=", 1)[1]) == 40
    base, sig = sub(gj, "get-time").rsplit("=", 1)
    u2 = base + "=" + sig.upper()
    assert_batch(batch_get(gj, [u1, u2]), [time_ok(), time_ok()])


def test_subrequest_aliases_and_no_trailing_slash(gj):
    t = make_trophy(gj, "Tr", "desc", "silver")
    p = gj.player("alice")
    rel = f"/time?game_id={gj.id}"
    nos = rel + "&signature=" + hashlib.md5((rel + gj.game["private_key"]).encode()).hexdigest()
    subs = [nos, sub(gj, "get-time"),
            sub(gj, "trophies/add_achieved", creds(p) + [("trophy_id", str(t["id"]))]),
            sub(gj, "trophies", creds(p)),
            sub(gj, "trophies/remove_achieved", creds(p) + [("trophy_id", str(t["id"]))]),
            sub(gj, "scores/fetch")]
    assert_batch(batch_get(gj, subs), [time_ok(), time_ok(), ok(),
                                       ok(trophies=[trophy_item(t, AGO)]), ok(),
                                       ok(scores=[])])


def test_subrequest_nasty_values(gj):
    subs = [sub(gj, "data-store/set", [("key", "n"), ("data", NASTY)]),
            sub(gj, "data-store", [("key", "n")])]
    for fmt in ("json", "keypair", "xml"):
        assert_batch(batch_get(gj, subs, with_fmt([], fmt)), [ok(), ok(data=NASTY)], fmt)
        assert_batch(batch_post(gj, subs, with_fmt([], fmt)), [ok(), ok(data=NASTY)], fmt)
    assert ds_value(gj, "n") == NASTY


# ================================================================ failures
def test_bad_subrequest_signature_fails_alone(gj):
    good = sub(gj, "time")
    bad = sub(gj, "time", key="not-the-key")
    unsigned = f"/time/?game_id={gj.id}"
    empty = f"/time/?game_id={gj.id}&signature="
    subs = [good, bad, sub(gj, "data-store/set", [("key", "k"), ("data", "v")]), unsigned, empty,
            good]
    assert_batch(batch_get(gj, subs), [time_ok(), fail(E_BADSIG), ok(), fail(E_NOSIG),
                                       fail(E_NOSIG), time_ok()])
    assert ds_value(gj, "k") == "v"


def test_subrequest_signed_over_full_url_is_bad(stack, gj):
    full = stack.gj_plain_url("time", [("game_id", gj.id)])
    sig = gj_signature(full, gj.game["private_key"])
    u = f"/time/?game_id={gj.id}&signature={sig}"
    assert_batch(batch_get(gj, [u, sub(gj, "time")]), [fail(E_BADSIG), time_ok()])


def test_subrequest_application_error_fails_alone(gj):
    subs = [sub(gj, "data-store", [("key", "missing")]), sub(gj, "time")]
    assert_batch(batch_get(gj, subs), [fail(E_NO_ITEM), time_ok()])


def test_subrequest_unknown_endpoint_fails_alone(gj):
    subs = [sub(gj, "no-such-endpoint"), sub(gj, "time")]
    assert_batch(batch_get(gj, subs), [fail(E_ENDPOINT), time_ok()])


def test_subrequest_naming_another_game(stack, gj):
    other = new_gj(stack, "other-batch")
    other.get("data-store/set", [("key", "secret"), ("data", "other's secret")])
    other.add_guest("theirs", 99)
    # signed with the batch game's key but naming the other game
    a_signed = sub_request(other.id, "data-store", [("key", "secret")], game=gj.game)
    # signed with the other game's own key
    b_signed = sub_request(other.id, "data-store", [("key", "secret")], game=other.game)
    b_scores = sub_request(other.id, "scores", [], game=other.game)
    unknown = sub_request("987654321", "time", [], game=gj.game)
    r = batch_get(gj, [a_signed, b_signed, b_scores, unknown, sub(gj, "time")])
    assert "secret" not in r.text and "theirs" not in r.text
    resp = jresp(r)["responses"]
    assert resp[0] == fail(E_GAME)
    assert resp[1] in (fail(E_GAME), fail(E_BADSIG)), resp[1]
    assert resp[2] in (fail(E_GAME), fail(E_BADSIG)), resp[2]
    assert resp[3] == fail(E_GAME)
    assert_batch(r, [fail(E_GAME), resp[1], resp[2], fail(E_GAME), time_ok()])
    # a write naming the other game does not happen
    w = sub_request(other.id, "data-store/set", [("key", "secret"), ("data", "pwned")],
                    game=gj.game)
    assert_batch(batch_get(gj, [w]), [fail(E_GAME)])
    assert ds_value(other, "secret") == "other's secret"


@pytest.mark.parametrize("fmt", ["json", "keypair", "xml"])
def test_nested_batch_refused(gj, fmt):
    inner = sub(gj, "batch", [("requests[]", sub(gj, "time"))])
    assert_batch(batch_get(gj, [sub(gj, "time"), inner, sub(gj, "time")], with_fmt([], fmt)),
                 [time_ok(), fail(E_BATCH_NESTED), time_ok()], fmt)


@pytest.mark.parametrize("fmt", ["json", "keypair", "xml"])
def test_no_requests(gj, fmt):
    assert_fail(gj.get("batch", with_fmt([], fmt)), E_BATCH_NONE, fmt)
    assert_fail(gj.post("batch", with_fmt([], fmt), []), E_BATCH_NONE, fmt)


def test_fifty_allowed(gj):
    subs = [sub(gj, "data-store/set", [("key", f"k{i}"), ("data", str(i))]) for i in range(50)]
    assert_batch(batch_post(gj, subs), [ok()] * 50)
    assert ds_value(gj, "k49") == "49"


def test_more_than_fifty_refused(gj):
    subs = [sub(gj, "data-store/set", [("key", f"k{i}"), ("data", str(i))]) for i in range(51)]
    for fmt in ("json", "keypair", "xml"):
        assert_fail(batch_post(gj, subs, with_fmt([], fmt)), E_BATCH_MANY, fmt)
    assert_fail(batch_get(gj, subs), E_BATCH_MANY)
    assert ds_value(gj, "k0") is None           # nothing ran


@pytest.mark.parametrize("fmt", ["json", "keypair", "xml"])
def test_parallel_and_break_on_error_exclusive(gj, fmt):
    subs = [sub(gj, "data-store/set", [("key", "k"), ("data", "v")])]
    r = batch_get(gj, subs, with_fmt([("parallel", "true"), ("break_on_error", "true")], fmt))
    assert_fail(r, E_BATCH_EXCL, fmt)
    r = batch_post(gj, subs, [("break_on_error", "true"), ("parallel", "true")])
    assert_fail(r, E_BATCH_EXCL)
    assert ds_value(gj, "k") is None


def test_parallel_same_results(gj):
    gj.add_guest("g", 3)
    subs = [sub(gj, "data-store/set", [("key", "k"), ("data", "1")]),
            sub(gj, "data-store/update", [("key", "k"), ("operation", "multiply"), ("value", "5")]),
            sub(gj, "time", key="bad"),
            sub(gj, "data-store", [("key", "k")]),
            sub(gj, "scores")]
    expected = [ok(), ok(data="5"), fail(E_BADSIG), ok(data="5"), ok(scores=[score_ok(3, "g")])]
    assert_batch(batch_get(gj, subs, [("parallel", "true")]), expected)
    assert_batch(batch_post(gj, subs, [("parallel", "true")]), expected)


@pytest.mark.parametrize("fmt", ["json", "keypair", "xml"])
def test_break_on_error_stops_at_first_failure(gj, fmt):
    subs = [sub(gj, "data-store/set", [("key", "a"), ("data", "1")]),
            sub(gj, "data-store", [("key", "missing")]),
            sub(gj, "data-store/set", [("key", "b"), ("data", "2")]),
            sub(gj, "time", key="bad")]
    r = batch_get(gj, subs, with_fmt([("break_on_error", "true")], fmt))
    assert_batch(r, [ok(), fail(E_NO_ITEM)], fmt)
    assert ds_value(gj, "a") == "1"
    assert ds_value(gj, "b") is None            # never ran


def test_break_on_error_on_bad_signature(gj):
    subs = [sub(gj, "time", key="bad"), sub(gj, "data-store/set", [("key", "b"), ("data", "2")])]
    assert_batch(batch_post(gj, subs, [("break_on_error", "true")]), [fail(E_BADSIG)])
    assert ds_value(gj, "b") is None


def test_without_break_on_error_all_run(gj):
    subs = [sub(gj, "data-store/set", [("key", "a"), ("data", "1")]),
            sub(gj, "data-store", [("key", "missing")]),
            sub(gj, "data-store/set", [("key", "b"), ("data", "2")])]
    assert_batch(batch_get(gj, subs), [ok(), fail(E_NO_ITEM), ok()])
    assert ds_value(gj, "b") == "2"


def test_break_on_error_all_succeed(gj):
    subs = [sub(gj, "time"), sub(gj, "data-store/set", [("key", "b"), ("data", "2")])]
    assert_batch(batch_get(gj, subs, [("break_on_error", "true")]), [time_ok(), ok()])


def test_dump_refused(gj):
    subs = [sub(gj, "data-store/set", [("key", "k"), ("data", "v")])]
    r = batch_get(gj, subs, [("format", "dump")])
    assert_fail(r, E_BATCH_DUMP, "dump")
    assert r.content == b"FAILURE\r\n" + E_BATCH_DUMP.encode()
    assert_fail(batch_post(gj, subs, [("format", "dump")]), E_BATCH_DUMP, "dump")
    assert ds_value(gj, "k") is None


# ================================================================ rendering
@pytest.mark.parametrize("fmt", ["json", "keypair", "xml"])
def test_rendering_every_format(gj, fmt):
    gj.add_guest("g1", 1)
    gj.add_guest("g2", 2)
    subs = [sub(gj, "scores"), sub(gj, "time"), sub(gj, "time", key="x"),
            sub(gj, "data-store/set", [("key", "k"), ("data", 'a"b')]),
            sub(gj, "data-store/get-keys"), sub(gj, "data-store", [("key", "k")])]
    expected = [ok(scores=[score_ok(2, "g2"), score_ok(1, "g1")]), time_ok(), fail(E_BADSIG),
                ok(), ok(keys=[{"key": "k"}]), ok(data='a"b')]
    assert_batch(batch_get(gj, subs, with_fmt([], fmt)), expected, fmt)


def test_keypair_and_xml_bytes(gj):
    subs = [sub(gj, "data-store/set", [("key", "k"), ("data", "v")]), sub(gj, "time", key="x"),
            sub(gj, "data-store", [("key", "k")])]
    r = batch_get(gj, subs, [("format", "keypair")])
    assert r.content == (b'success:"true"\r\nsuccess:"true"\r\nsuccess:"false"\r\n'
                         b'message:"' + E_BADSIG.encode() + b'"\r\nsuccess:"true"\r\n'
                         b'data:"v"\r\n')
    r = batch_get(gj, subs, [("format", "xml")])
    assert r.content.rstrip(b"\n") == (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<response><success><![CDATA[true]]></success>'
        b'<responses><response><success><![CDATA[true]]></success></response>'
        b'<response><success><![CDATA[false]]></success><message><![CDATA['
        + E_BADSIG.encode() + b']]></message></response>'
        b'<response><success><![CDATA[true]]></success><data><![CDATA[v]]></data></response>'
        b'</responses></response>')
    r = batch_get(gj, subs)
    assert r.content == (b'{"response":{"success":"true","responses":[{"success":"true"},'
                         b'{"success":"false","message":"' + E_BADSIG.encode() + b'"},'
                         b'{"success":"true","data":"v"}]}}')


@pytest.mark.parametrize("version", VERSIONS)
def test_versions_default_format(gj, version):
    subs = [sub(gj, "data-store/set", [("key", "k"), ("data", "v")]),
            sub(gj, "data-store", [("key", "k")]), sub(gj, "time")]
    assert_batch(batch_get(gj, subs, version=version), [ok(), ok(data="v"), time_ok()],
                 DEFAULT_FMT[version])
    for fmt in ("json", "keypair", "xml"):
        assert_batch(batch_post(gj, subs, with_fmt([], fmt), version=version),
                     [ok(), ok(data="v"), time_ok()], fmt)
    assert_fail(batch_get(gj, subs, [("format", "dump")], version=version), E_BATCH_DUMP, "dump")


def test_all_formats_listed():
    assert set(FORMATS) == {"json", "keypair", "dump", "xml"}


def test_version_segment_named_batch(gj):
    """Any version segment is served (keypair by default before v1_2); a
    batch under one that starts with "batch" still serves its sub-requests
    under that same version (the sub-request's path is built from the
    route's version capture, not from the first "/batch" in the path)."""
    subs = [sub(gj, "data-store/set", [("key", "k"), ("data", "v")]), sub(gj, "time")]
    assert_batch(batch_get(gj, subs, version="batch"), [ok(), time_ok()], "keypair")
