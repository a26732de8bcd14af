"""The systemd units (systemd/): hardened (systemd-analyze security
--offline), clean (systemd-analyze verify, in a private root that holds the
binary the unit names), the sysusers/tmpfiles entries applied to a private
root, and socket activation for real: systemd-socket-activate holds the
socket and execs the unit's own ExecStart with LISTEN_FDS, behind nginx."""

import json
import os
import re
import shutil
import signal
import stat
import subprocess
import time

from harness import ARCADECTL, ARCADED, REPO, children_of, gj_signature
from opslib import (SERVICE, SOCKET_UNIT, SYSTEMD_DIR, SocketActivatedStack, descendants,
                    exe_name, fcgi_get, gj_scores_checks, need, run, unit_value, wait_gone,
                    wait_socket)

SYSUSERS = os.path.join(SYSTEMD_DIR, "sysusers.d", "arcade.conf")
TMPFILES = os.path.join(SYSTEMD_DIR, "tmpfiles.d", "arcade.conf")


def test_service_exposure_at_most_2():
    p = run([need("systemd-analyze"), "security", "--offline=true", SERVICE])
    m = re.search(r"Overall exposure level for arcaded\.service: (\d+\.\d+)", p.stdout)
    assert m, p.stdout[-2000:] + p.stderr
    assert float(m.group(1)) <= 2.0, p.stdout


def test_units_verify_clean(tmp_path):
    """verify checks that ExecStart's binary exists, so it runs in a root
    holding /usr/bin/arcaded (the build), /bin/kill (ExecReload) and the
    distribution's units (sysinit.target, ...). Any output is a finding."""
    root = tmp_path / "root"
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    (root / "usr/bin").mkdir(parents=True)
    shutil.copy2(ARCADED, root / "usr/bin/arcaded")
    (root / "bin").mkdir()
    shutil.copy2("/bin/kill", root / "bin/kill")
    units = root / "etc/systemd/system"
    units.mkdir(parents=True)
    for u in (SERVICE, SOCKET_UNIT):
        shutil.copy2(u, units)
    p = run([need("systemd-analyze"), "verify", "--man=no", f"--root={root}",
             "arcaded.service", "arcaded.socket"])
    assert p.returncode == 0 and p.stdout == "" and p.stderr == "", p.stdout + p.stderr


def test_units_agree_with_each_other_and_nginx():
    """The socket nginx connects to is the one the socket unit makes, in the
    directory tmpfiles creates and the service may write; the service runs
    as the sysusers user, with the data in its StateDirectory."""
    listen = unit_value(SOCKET_UNIT, "ListenStream")
    assert listen == "/run/arcade/arcaded.sock"
    with open(os.path.join(REPO, "nginx", "arcade.conf")) as f:
        assert f"server unix:{listen};" in f.read()
    with open(TMPFILES) as f:
        tmpfiles = f.read()
    assert re.search(r"^d\s+/run/arcade\s+0755\s+arcade\s+arcade", tmpfiles, re.M)
    assert re.search(r"^d\s+/var/lib/arcade\s+0750\s+arcade\s+arcade", tmpfiles, re.M)
    assert unit_value(SERVICE, "ReadWritePaths") == "/run/arcade"
    assert unit_value(SERVICE, "StateDirectory") == "arcade"
    assert unit_value(SERVICE, "User") == "arcade"
    assert unit_value(SOCKET_UNIT, "SocketGroup") == "www-data"
    assert unit_value(SOCKET_UNIT, "SocketMode") == "0660"
    with open(SYSUSERS) as f:
        assert re.search(r"^u\s+arcade\s+-\s+\"[^\"]+\"\s+/var/lib/arcade\s+/usr/sbin/nologin", f.read(), re.M)


def test_sysusers_and_tmpfiles_in_a_private_root(tmp_path):
    root = tmp_path
    (root / "etc").mkdir()
    for n in ("passwd", "group", "shadow", "gshadow"):
        (root / "etc" / n).touch()
    p = run([need("systemd-sysusers"), f"--root={root}", SYSUSERS])
    assert p.returncode == 0, p.stderr
    passwd = (root / "etc/passwd").read_text()
    m = re.search(r"^arcade:x:(\d+):(\d+):arcade game backend:/var/lib/arcade:/usr/sbin/nologin$",
                  passwd, re.M)
    assert m, passwd
    uid, gid = int(m.group(1)), int(m.group(2))
    assert uid < 1000                      # a system user
    p = run([need("systemd-tmpfiles"), f"--root={root}", "--create", TMPFILES])
    assert p.returncode == 0, p.stderr
    for path, mode in (("var/lib/arcade", 0o750), ("run/arcade", 0o755)):
        st = os.stat(root / path)
        assert stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) == mode, path
        assert (st.st_uid, st.st_gid) == (uid, gid), path


def test_socket_activation_serves_game_jolt():
    with SocketActivatedStack(workers=2) as s:
        pid = s.arcaded.pid
        # systemd-socket-activate exec'd arcaded in its place, fd 3 = socket.
        assert exe_name(pid) == "arcaded"
        assert os.readlink(f"/proc/{pid}/fd/3").startswith("socket:")
        assert "listen: socket from systemd (fd 3)" in s.log()
        gj_scores_checks(s, "socket-activated")
        # ExecReload: SIGHUP to the main pid is a rolling restart; the socket
        # stays open throughout, so requests keep being answered.
        old = set(descendants(pid))
        assert len(old) == 2
        os.kill(pid, signal.SIGHUP)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            now = set(p for p in descendants(pid) if exe_name(p) == "arcaded")
            if len(now) == 2 and not now & old:
                break
            assert s.get("/api/game/v1_2/scores/?game_id=1").status_code == 200
            time.sleep(0.05)
        else:
            raise AssertionError(f"no rolling restart: {old} -> {now}")
        gj_scores_checks(s, "after-reload")
        procs = [pid] + descendants(pid)
    assert not wait_gone(procs, 5)


def test_socket_activation_keeps_connections_while_arcaded_is_down(tmp_path):
    """What socket activation buys: the socket exists before arcaded does, and
    a request sent then is queued and answered once arcaded has started."""
    data, lim, sock = tmp_path / "data", tmp_path / "limits", str(tmp_path / "sock")
    lim.mkdir()
    assert run([ARCADECTL, "--data", str(data), "init"]).returncode == 0
    proc = subprocess.Popen([need("systemd-socket-activate"), "-l", sock, ARCADED, "--data", str(data),
                             "--limits", str(lim), "--workers", "1", "--foreground"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_socket(sock, proc=proc)
        assert exe_name(proc.pid) != "arcaded"          # not started yet
        status, headers, body = fcgi_get(sock, "/api/game/v1_2/scores/?game_id=1")
        assert status == 200 and headers["content-type"] == "application/json"
        assert body == (b'{"response":{"success":"false","message":"The game ID you passed in '
                        b'does not point to a valid game."}}')
        assert exe_name(proc.pid) == "arcaded"
    finally:
        kids = descendants(proc.pid)
        proc.terminate()
        proc.wait(timeout=10)
        assert not wait_gone(kids, 5)


def _expand(group, seen=None):
    """A SystemCallFilter= group as systemd-analyze lists it, recursively."""
    seen = set() if seen is None else seen
    out = set()
    p = run([need("systemd-analyze"), "syscall-filter", group])
    assert p.returncode == 0, p.stderr
    for ln in p.stdout.splitlines()[1:]:
        name = ln.strip()
        if not name or name.startswith("#"):
            continue
        if name.startswith("@"):
            if name not in seen:
                seen.add(name)
                out |= _expand(name, seen)
        else:
            out.add(name)
    return out


def test_sandbox_allows_every_system_call_arcaded_makes(tmp_path):
    """There is no booted systemd here to run the unit, so the sandbox is
    checked against what arcaded does: under strace, socket-activated, it
    starts a pool, serves Game Jolt writes and reads, reloads (SIGHUP) and
    stops (SIGTERM). Every system call it made must pass the unit's
    SystemCallFilter=, it must open no socket of a family outside
    RestrictAddressFamilies=, and map no memory writable and executable
    (MemoryDenyWriteExecute=)."""
    allow, deny = set(), set()
    with open(SERVICE) as f:
        for ln in f:
            if ln.startswith("SystemCallFilter="):
                val = ln.split("=", 1)[1].strip()
                target = deny if val.startswith("~") else allow
                for g in val.lstrip("~").split():
                    target |= _expand(g) if g.startswith("@") else {g}
    assert allow and deny
    permitted = allow - deny
    families = unit_value(SERVICE, "RestrictAddressFamilies").split()

    data, lim, sock = tmp_path / "data", tmp_path / "limits", str(tmp_path / "sock")
    lim.mkdir()
    assert run([ARCADECTL, "--data", str(data), "init"]).returncode == 0
    game = json.loads(run([ARCADECTL, "--data", str(data), "--json", "game", "create",
                           "--name", "g"]).stdout)
    assert run([ARCADECTL, "--data", str(data), "table", "create", "--game", str(game["id"]),
                "--name", "Main"]).returncode == 0

    def gj(uri):
        sig = gj_signature("http://localhost" + uri, game["private_key"])
        status, _, body = fcgi_get(sock, f"{uri}&signature={sig}")
        assert status == 200, body
        return body

    trace = tmp_path / "trace"
    proc = subprocess.Popen([need("strace"), "-f", "-qq", "-o", str(trace),
                             need("systemd-socket-activate"), "-l", sock, ARCADED, "--data", str(data),
                             "--limits", str(lim), "--workers", "2", "--foreground"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    procs = []
    try:
        wait_socket(sock, proc=proc)
        for i in range(6):
            assert gj(f"/api/game/v1_2/scores/add/?game_id={game['id']}&score={i}&sort={i}&guest=g") \
                == b'{"response":{"success":"true"}}'
            if i == 2:      # a reload in the middle: new workers, old ones stop
                master = [p for p in children_of(proc.pid) if exe_name(p) == "arcaded"][0]
                old = set(descendants(master))
                os.kill(master, signal.SIGHUP)
                deadline = time.monotonic() + 10
                while set(descendants(master)) & old and time.monotonic() < deadline:
                    time.sleep(0.05)
        assert gj(f"/api/game/v1_2/scores/get-rank/?game_id={game['id']}&sort=3") == \
            b'{"response":{"success":"true","rank":"3"}}'
        procs = [master] + descendants(master)
        os.kill(master, signal.SIGTERM)
        proc.wait(timeout=40)
    finally:
        if proc.poll() is None:
            left = descendants(proc.pid)
            proc.kill()
            proc.wait()
            wait_gone(left, 0)       # strace's tracees too, by pid
    assert not wait_gone(procs, 5)

    # strace -f lines: "PID call(args) = result". The first process is
    # systemd-socket-activate until it execs arcaded (it forks nothing
    # before); every other process is arcaded or one of its workers.
    calls, first, execd, lines = {}, None, False, []
    for ln in trace.read_text().splitlines():
        m = re.match(r"^(\d+)\s+(?:<\.\.\. )?([a-z_0-9]+)[(\s]", ln)
        if not m:
            continue
        pid, name = int(m.group(1)), m.group(2)
        first = pid if first is None else first
        if pid == first and not execd:
            execd = name == "execve" and f'"{ARCADED}"' in ln
            if not execd:
                continue
        calls.setdefault(name, ln)
        lines.append(ln)
    assert execd and "accept" in calls and "fdatasync" in calls, sorted(calls)
    refused = sorted(set(calls) - permitted)
    assert not refused, {c: calls[c] for c in refused}
    for ln in lines:
        if re.search(r"\bsocket(pair)?\(", ln):
            assert any(f in ln for f in families), ln
    wx = [ln for ln in lines if re.search(r"\b(mmap|mprotect|pkey_mprotect)\(", ln)
          and "PROT_WRITE" in ln and "PROT_EXEC" in ln]
    assert not wx, wx[:3]
