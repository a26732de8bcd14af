"""Game Jolt sessions/open, ping, check, close (API-GAMEJOLT.md endpoint
table; docs/gamejolt.md endpoint notes and messages)."""

import pytest

from gjapi import (E_NO_SESSION, E_STATUS, E_USER, FORMATS, assert_doc, assert_fail,
                   assert_success, creds, with_fmt)


def check_false(r, fmt="json"):
    """`check` with no open session: success "false" and no message."""
    assert_doc(r, fmt, success=False, message=None)


@pytest.mark.parametrize("fmt", FORMATS)
def test_check_without_session_is_false_without_message(gj, fmt):
    p = gj.player("alice")
    r = gj.get("sessions/check", with_fmt(creds(p), fmt))
    check_false(r, fmt)
    if fmt == "json":
        assert r.content == b'{"response":{"success":"false"}}'
    if fmt == "keypair":
        assert r.content == b'success:"false"\r\n'


@pytest.mark.parametrize("fmt", FORMATS)
def test_open_check_ping_close_check(gj, fmt):
    p = gj.player("alice")
    c = creds(p)
    assert_doc(gj.get("sessions/open", with_fmt(c, fmt)), fmt)
    assert_doc(gj.get("sessions/check", with_fmt(c, fmt)), fmt)
    assert_doc(gj.get("sessions/ping", with_fmt(c, fmt)), fmt)
    assert_doc(gj.get("sessions/ping", with_fmt(c + [("status", "active")], fmt)), fmt)
    assert_doc(gj.get("sessions/ping", with_fmt(c + [("status", "idle")], fmt)), fmt)
    assert_doc(gj.get("sessions/check", with_fmt(c, fmt)), fmt)
    assert_doc(gj.get("sessions/close", with_fmt(c, fmt)), fmt)
    check_false(gj.get("sessions/check", with_fmt(c, fmt)), fmt)
    assert_fail(gj.get("sessions/close", with_fmt(c, fmt)), E_NO_SESSION, fmt)
    assert_fail(gj.get("sessions/ping", with_fmt(c, fmt)), E_NO_SESSION, fmt)


def test_ping_without_session(gj):
    p = gj.player("alice")
    assert_fail(gj.get("sessions/ping", creds(p)), E_NO_SESSION)
    assert_fail(gj.get("sessions/ping", creds(p) + [("status", "idle")]), E_NO_SESSION)
    check_false(gj.get("sessions/check", creds(p)))      # ping opened nothing


def test_close_without_session(gj):
    p = gj.player("alice")
    assert_fail(gj.get("sessions/close", creds(p)), E_NO_SESSION)


def test_close_twice(gj):
    p = gj.player("alice")
    assert_success(gj.get("sessions/open", creds(p)))
    assert_success(gj.get("sessions/close", creds(p)))
    assert_fail(gj.get("sessions/close", creds(p)), E_NO_SESSION)
    check_false(gj.get("sessions/check", creds(p)))


@pytest.mark.parametrize("status", ["away", "Idle ", "offline", "1"])
def test_ping_invalid_status(gj, status):
    p = gj.player("alice")
    assert_success(gj.get("sessions/open", creds(p)))
    for fmt in FORMATS:
        assert_fail(gj.get("sessions/ping", with_fmt(creds(p) + [("status", status)], fmt)),
                    E_STATUS, fmt)
    assert_success(gj.get("sessions/check", creds(p)))   # still open


def test_open_with_idle_status_then_ping_active(gj):
    p = gj.player("alice")
    assert_success(gj.get("sessions/open", creds(p)))
    assert_success(gj.get("sessions/ping", creds(p) + [("status", "idle")]))
    assert_success(gj.get("sessions/ping", creds(p) + [("status", "active")]))
    assert_success(gj.get("sessions/check", creds(p)))


def test_open_twice_replaces(gj):
    p = gj.player("alice")
    assert_success(gj.get("sessions/open", creds(p)))
    assert_success(gj.get("sessions/open", creds(p)))
    assert_success(gj.get("sessions/check", creds(p)))
    assert_success(gj.get("sessions/close", creds(p)))
    # one session only: the first one was replaced, not kept alongside
    check_false(gj.get("sessions/check", creds(p)))
    assert_fail(gj.get("sessions/close", creds(p)), E_NO_SESSION)


def test_reopen_after_close(gj):
    p = gj.player("alice")
    assert_success(gj.get("sessions/open", creds(p)))
    assert_success(gj.get("sessions/close", creds(p)))
    assert_success(gj.get("sessions/open", creds(p)))
    assert_success(gj.get("sessions/check", creds(p)))


def test_sessions_are_per_player(gj):
    a, b = gj.player("a"), gj.player("b")
    assert_success(gj.get("sessions/open", creds(a)))
    check_false(gj.get("sessions/check", creds(b)))
    assert_fail(gj.get("sessions/close", creds(b)), E_NO_SESSION)
    assert_success(gj.get("sessions/check", creds(a)))


def test_sessions_case_insensitive_credentials(gj):
    p = gj.player("Alice")
    up = [("username", "ALICE"), ("user_token", p["token"].upper())]
    assert_success(gj.get("sessions/open", up))
    assert_success(gj.get("sessions/check", creds(p)))
    assert_success(gj.get("sessions/close", [("username", "alice"),
                                             ("user_token", p["token"].lower())]))


@pytest.mark.parametrize("op", ["open", "ping", "check", "close"])
def test_sessions_bad_credentials(gj, op):
    p = gj.player("alice")
    assert_success(gj.get("sessions/open", creds(p)))
    for fmt in FORMATS:
        assert_fail(gj.get(f"sessions/{op}", with_fmt([("username", "alice"),
                                                      ("user_token", "0" * 32)], fmt)),
                    E_USER, fmt)
        assert_fail(gj.get(f"sessions/{op}", with_fmt([("username", "nobody"),
                                                      ("user_token", p["token"])], fmt)),
                    E_USER, fmt)
    assert_fail(gj.get(f"sessions/{op}", [("username", "alice")]), E_USER)
    assert_success(gj.get("sessions/check", creds(p)))      # untouched


def test_sessions_post(gj):
    p = gj.player("alice")
    assert_success(gj.post("sessions/open", [], creds(p)))
    assert_success(gj.post("sessions/ping", [], creds(p) + [("status", "idle")]))
    assert_success(gj.post("sessions/check", [], creds(p)))
    assert_success(gj.post("sessions/close", [], creds(p)))
    check_false(gj.post("sessions/check", [], creds(p)))
