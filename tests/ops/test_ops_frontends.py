"""arcade behind the front servers that start it themselves: lighttpd
(bin-path), Apache with mod_fcgid (one request per arcaded process) and
spawn-fcgi, each real, on a loopback port, with the shipped config files.
The Game Jolt scores checks (signed GET and POST, exact bodies, ranks) pass
through each; every process started is stopped by pid, and no arcaded may
outlive its front server."""

import concurrent.futures
import os
import re

from harness import children_of
from opslib import (ApacheHtaccessStack, ApacheStack, LighttpdStack, SpawnFcgiStack, cmdline, descendants,
                    exe_name, gj_scores_checks, header_auth_checks, pid_alive)

PROBE = "/api/game/v1_2/scores/?game_id=1"


def fd0_is_socket(pid):
    return os.readlink(f"/proc/{pid}/fd/0").startswith("socket:")


def arcaded_under(pid):
    return [p for p in descendants(pid) if exe_name(p) == "arcaded"]


def burst(s, target, n):
    with concurrent.futures.ThreadPoolExecutor(n) as ex:
        return list(ex.map(lambda _: s.request("GET", target), range(n)))


# ------------------------------------------------------------------ lighttpd

def test_lighttpd_spawns_arcaded_and_serves_game_jolt():
    with LighttpdStack(workers=2) as s:
        masters = [p for p in children_of(s.server.pid) if exe_name(p) == "arcaded"]
        assert len(masters) == 1, [cmdline(p) for p in s.arcaded_pids()]
        master = masters[0]
        # lighttpd's socket on fd 0; arcaded's own pool of 2 under it.
        assert fd0_is_socket(master)
        assert cmdline(master)[1:] == ["--config", s.conf, "--foreground"]
        assert len(arcaded_under(master)) == 2
        gj = gj_scores_checks(s, "lighttpd")
        header_auth_checks(s, gj)
        assert "listen: socket on fd 0" in s.log()
        pids = s.arcaded_pids()
    assert not s.left_behind
    assert not [p for p in pids if pid_alive(p)]


# ------------------------------------------------------------------ Apache

def test_apache_mod_fcgid_one_request_per_process():
    with ApacheStack() as s:
        gj = gj_scores_checks(s, "apache")
        header_auth_checks(s, gj)
        # Concurrent requests: mod_fcgid may start more processes; each one is
        # a lone arcaded (--workers 0) on mod_fcgid's socket, no pool under it.
        rs = burst(s, PROBE, 8)
        assert [r.status_code for r in rs] == [200] * 8
        procs = s.arcaded_pids()
        assert procs
        for p in procs:
            assert cmdline(p)[1:] == ["--workers", "0", "--config", s.conf]
            assert fd0_is_socket(p)
            assert not arcaded_under(p)
        assert "listen: socket on fd 0" in s.log()
    assert not s.left_behind
    assert not [p for p in procs if pid_alive(p)]


def test_apache_limits_come_from_arcaded_conf():
    """Limits set in arcaded.conf hold under mod_fcgid, and Apache lets
    arcaded answer in its own format: the 6th request in a bucket of 5 is
    429 in the Game Jolt envelope, a body over max-body is 413."""
    with ApacheStack(relaxed_limits=False, config=["rate-ip = 5/0.001", "max-body = 2K"]) as s:
        # The start-up probe took a token or more: the headers say how many
        # are left, and exactly that many more requests get through.
        r = s.request("GET", PROBE)
        assert r.status_code == 200 and r.headers["X-RateLimit-Limit"] == "5"
        left = int(r.headers["X-RateLimit-Remaining"])
        assert 0 < left < 4
        rs = [s.request("GET", PROBE) for _ in range(left + 1)]
        assert [r.status_code for r in rs] == [200] * left + [429]
        assert rs[-1].json() == {"response": {"success": "false",
                                              "message": "Rate limit exceeded. Try again later."}}
    assert not s.left_behind
    with ApacheStack(config=["max-body = 2K"]) as s:
        r = s.request("POST", PROBE, data="x=" + "a" * 4000,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert r.status_code == 413, (r.status_code, r.text[:300])
        assert r.json()["response"]["success"] == "false"
    assert not s.left_behind


def test_apache_shared_hosting_htaccess_from_the_guide():
    """Shared hosting without server config: the guide's arcade.fcgi and
    .htaccess, verbatim, in the document root."""
    with ApacheHtaccessStack() as s:
        gj = gj_scores_checks(s, "htaccess")
        header_auth_checks(s, gj)
        procs = s.arcaded_pids()
        assert procs
        for p in procs:
            assert cmdline(p)[1:3] == ["--workers", "0"] and not arcaded_under(p)
    assert not s.left_behind


# ------------------------------------------------------------------ spawn-fcgi

def test_spawn_fcgi_pool_serves_game_jolt():
    with SpawnFcgiStack(workers=2) as s:
        master = s.arcaded_pid
        assert exe_name(master) == "arcaded" and fd0_is_socket(master)
        assert len(arcaded_under(master)) == 2
        gj_scores_checks(s, "spawn-fcgi")
        assert "listen: socket on fd 0" in s.log()
    assert not s.left_behind


def test_spawn_fcgi_children_share_one_rate_limit():
    """spawn-fcgi -F 3 with --workers 0: three independent arcaded processes
    on one socket, one request at a time each. The ip bucket (5, no refill to
    speak of) holds across the three."""
    with SpawnFcgiStack(children=3, workers=0, relaxed_limits=False,
                        arcaded_args=["--rate-ip", "5/0.001"]) as s:
        assert len(s.pids) == 3
        for p in s.pids:
            assert fd0_is_socket(p) and not arcaded_under(p)
        r = s.request("GET", PROBE)    # after the start-up probe's token(s)
        assert r.status_code == 200 and r.headers["X-RateLimit-Limit"] == "5"
        left = int(r.headers["X-RateLimit-Remaining"])
        assert 0 < left < 4
        rs = burst(s, PROBE, 9)
        assert sorted(r.status_code for r in rs) == [200] * left + [429] * (9 - left)
        # ... and those 9 were served by more than one of the three processes.
        served = set(re.findall(r"\[(\d+)\] info: GET /api/game/", s.log()))
        assert len(served) > 1 and served <= {str(p) for p in s.pids}, served
    assert not s.left_behind
