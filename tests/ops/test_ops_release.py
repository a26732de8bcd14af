"""Releases: the man pages, `make distcheck`, and the Debian package built
from the release tarball (`dpkg-buildpackage -us -uc -b`), installed with
dpkg, checked without systemctl (user, directories, units, binaries,
`arcadectl init` as arcade, a request answered by the installed arcaded
under socket activation), then purged.

Everything builds in copies under /tmp. The package test installs for real
(the dpkg database, /etc/passwd) but inside a private mount namespace in
which /var/lib/arcade, /run/arcade and /etc/arcade, if they exist already
(a quickstart's, say), are hidden under empty tmpfs mounts, so nothing of
theirs is touched; what the test creates outside them it removes. It does
not run where an arcade package is installed already."""

import fnmatch
import glob
import grp
import json
import os
import pwd
import re
import shutil
import signal
import stat
import subprocess
import tarfile
import tempfile
import time

import pytest

from harness import ARCADECTL, ARCADED, REPO, gj_signature
from opslib import (descendants, exe_name, fcgi_get, need, run, wait_gone,
                    wait_socket)

MAN = {"arcaded": os.path.join(REPO, "docs", "arcaded.8"),
       "arcadectl": os.path.join(REPO, "docs", "arcadectl.1")}


def version():
    with open(os.path.join(REPO, "configure.ac")) as f:
        return re.search(r"AC_INIT\(\[arcade\], \[([^]]+)\]", f.read()).group(1)


def render(path):
    p = run([need("groff"), "-man", "-Tascii", "-ww", "-rHY=0", "-rLL=300n", "-P-cbou", path])
    assert p.returncode == 0 and p.stderr == "", p.stderr
    return p.stdout


# ------------------------------------------------------------------ man pages

def test_man_pages_render_cleanly_and_cover_every_option_and_command():
    text = render(MAN["arcaded"])
    out = run([ARCADED, "--help"]).stdout
    for opt in re.findall(r"^\s+(--[a-z][a-z0-9-]*)", out, re.M):
        assert opt in text, f"arcaded(8) does not describe {opt}"
    text = " ".join(render(MAN["arcadectl"]).split())
    out = run([ARCADECTL, "--help"]).stdout
    for line in out.splitlines()[3:]:
        synopsis = re.split(r"\s{2,}| -> ", line.strip())[0]
        words = []
        for w in synopsis.split()[:2]:
            if not re.fullmatch(r"[a-z]+", w):
                break
            words.append(w)
        cmd = " ".join(words)
        assert cmd and cmd in text, f"arcadectl(1) does not describe '{cmd}'"
        for opt in re.findall(r"--[a-z][a-z-]*", synopsis):
            assert opt in text, f"arcadectl(1) does not mention {opt} ({cmd})"
    for page in MAN.values():
        with open(page) as f:
            assert f'"arcade {version()}"' in f.read().split("\n", 1)[0]


# ------------------------------------------------------------------ make distcheck

def source_files():
    """The files of the tree a clean clone would have: tracked and new,
    minus what .gitignore names (build output). Without git (an unpacked
    tarball), the same from .gitignore's patterns, roughly."""
    p = run(["git", "-C", REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard"])
    if p.returncode == 0 and os.path.isdir(os.path.join(REPO, ".git")):
        return [f for f in p.stdout.split("\0") if f and os.path.lexists(os.path.join(REPO, f))]
    with open(os.path.join(REPO, ".gitignore")) as f:
        pats = [ln.strip().rstrip("/") for ln in f if ln.strip() and not ln.startswith("#")]
    out = []
    for root, dirs, files in os.walk(REPO):
        rel = os.path.relpath(root, REPO)
        dirs[:] = [d for d in dirs if d != ".git" and not _ignored(os.path.join(rel, d), pats)]
        out += [os.path.normpath(os.path.join(rel, n)) for n in files
                if not _ignored(os.path.join(rel, n), pats)]
    return out


def _ignored(rel, pats):
    """git's rule, roughly: the last pattern that matches decides; `!`
    re-includes."""
    rel, ignored = os.path.normpath(rel), False
    for pat in pats:
        neg = pat.startswith("!")
        pat = pat.lstrip("!")
        if fnmatch.fnmatch(os.path.basename(rel), pat) or fnmatch.fnmatch(rel, pat):
            ignored = not neg
    return ignored


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    """A clean copy of the tree, `make distcheck` in it; yields the tarball."""
    work = tmp_path_factory.mktemp("release")
    src = work / "src"
    for f in source_files():
        dst = src / f
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(os.path.join(REPO, f), dst, follow_symlinks=False)
    jobs = str(os.cpu_count() or 2)
    t0 = time.monotonic()
    for cmd in (["autoreconf", "-fi"], ["./configure", "-q"], ["make", "-j" + jobs, "distcheck"]):
        p = run(cmd, cwd=src, timeout=1500)
        assert p.returncode == 0, f"{' '.join(cmd)} failed:\n{p.stdout[-6000:]}\n{p.stderr[-6000:]}"
    took = time.monotonic() - t0
    assert "archives ready for distribution" in p.stdout
    tarball = src / f"arcade-{version()}.tar.gz"
    assert tarball.exists()
    print(f"\nmake distcheck: {took:.0f} s")
    yield {"tarball": tarball, "work": work, "src": src, "distcheck_seconds": took}
    shutil.rmtree(work, ignore_errors=True)


def test_make_distcheck(release):
    with tarfile.open(release["tarball"]) as t:
        names = set(t.getnames())
    top = f"arcade-{version()}/"
    for f in ("configure", "Makefile.in", "docs/arcaded.8", "docs/arcadectl.1", "docs/operations.md",
              "docs/arcaded.conf.example", "systemd/arcaded.service", "systemd/arcaded.socket",
              "systemd/sysusers.d/arcade.conf", "systemd/tmpfiles.d/arcade.conf",
              "nginx/lighttpd-arcade.conf", "nginx/apache-arcade.conf", "debian/rules",
              "debian/control", "tests/ops/test_ops_release.py"):
        assert top + f in names, f
    assert not [n for n in names if "__pycache__" in n or n.startswith(top + "debian/arcade/")]


def test_make_install_puts_man_pages_config_and_guide(release, tmp_path):
    """make install-data (the release tree, configured by the fixture) with
    DESTDIR: the man pages, the guide, and the example as
    $(sysconfdir)/arcade/arcaded.conf, never over an existing one; uninstall
    leaves an edited config alone. (Binaries: distcheck installs them.)"""
    dest = tmp_path / "root"
    src = release["src"]

    def make(target):
        p = run(["make", f"DESTDIR={dest}", target], cwd=src, timeout=300)
        assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]

    make("install-data")
    found = {str(f.relative_to(dest)) for f in dest.rglob("*") if f.is_file()}
    for f in ("usr/local/share/man/man8/arcaded.8", "usr/local/share/man/man1/arcadectl.1",
              "usr/local/share/doc/arcade/operations.md",
              "usr/local/share/doc/arcade/arcaded.conf.example", "usr/local/etc/arcade/arcaded.conf"):
        assert f in found, (f, sorted(found))
    conf = dest / "usr/local/etc/arcade/arcaded.conf"
    with open(os.path.join(REPO, "docs", "arcaded.conf.example")) as b:
        assert conf.read_text() == b.read()
    conf.write_text("workers = 3\n")
    make("install-data")
    assert conf.read_text() == "workers = 3\n"
    (dest / "usr/local/bin").mkdir(parents=True)      # nothing there to uninstall
    make("uninstall")
    assert conf.read_text() == "workers = 3\n"
    assert not (dest / "usr/local/share/man/man8/arcaded.8").exists()


# ------------------------------------------------------------------ the Debian package

@pytest.fixture(scope="module")
def deb(release):
    work = release["work"] / "deb"
    work.mkdir()
    with tarfile.open(release["tarball"]) as t:
        t.extractall(work)
    tree = work / f"arcade-{version()}"
    env = dict(os.environ)
    # make check already ran in distcheck, on these same files.
    env["DEB_BUILD_OPTIONS"] = f"nocheck parallel={os.cpu_count() or 2}"
    need("dpkg-buildpackage")
    t0 = time.monotonic()
    p = run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=tree, env=env, timeout=1500)
    print(f"\ndpkg-buildpackage: {time.monotonic() - t0:.0f} s")
    assert p.returncode == 0, p.stdout[-6000:] + p.stderr[-6000:]
    debs = glob.glob(str(work / f"arcade_{version()}-*_*.deb"))
    assert len(debs) == 1, os.listdir(work)
    return debs[0]


def test_package_contents(deb):
    p = run(["dpkg-deb", "-c", deb])
    files = {ln.split()[-1].lstrip(".") for ln in p.stdout.splitlines()}
    for f in ("/usr/bin/arcaded", "/usr/bin/arcadectl", "/etc/arcade/arcaded.conf",
              "/lib/systemd/system/arcaded.service", "/lib/systemd/system/arcaded.socket",
              "/usr/lib/sysusers.d/arcade.conf", "/usr/lib/tmpfiles.d/arcade.conf",
              "/usr/share/man/man8/arcaded.8.gz", "/usr/share/man/man1/arcadectl.1.gz",
              "/usr/share/doc/arcade/operations.md",
              "/usr/share/doc/arcade/examples/nginx/snippets/arcade.conf",
              "/usr/share/doc/arcade/examples/lighttpd/50-arcade.conf",
              "/usr/share/doc/arcade/examples/apache2/arcade.conf"):
        assert f in files, f
    info = run(["dpkg-deb", "-f", deb, "Package", "Version", "Depends"]).stdout
    assert f"Version: {version()}-" in info
    for lib in ("libfcgi0ldbl", "libjson-c5", "liblmdb0", "libssl3"):
        assert lib in info, info
    assert "systemd" not in info.split("Depends:", 1)[1], "must install without systemd"
    assert run(["dpkg-deb", "--ctrl-tarfile", deb]).returncode == 0
    assert run(["dpkg-deb", "-I", deb, "conffiles"]).stdout.split() == ["/etc/arcade/arcaded.conf"]


class Namespace:
    """A private mount namespace (a sleeping process holds it); commands run
    in it through nsenter."""

    HIDE = ("/var/lib/arcade", "/run/arcade", "/etc/arcade")

    def __init__(self):
        self.proc = subprocess.Popen(["unshare", "--mount", "--propagation", "private",
                                      "sleep", "3600"], stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while os.readlink(f"/proc/{self.proc.pid}/ns/mnt") == os.readlink("/proc/self/ns/mnt"):
            assert time.monotonic() < deadline and self.proc.poll() is None, "unshare failed"
            time.sleep(0.02)
        self.hidden = [d for d in self.HIDE if os.path.exists(d)]
        for d in self.hidden:
            p = self.run(["mount", "-t", "tmpfs", "-o", "mode=0755", "arcade-test", d])
            assert p.returncode == 0, p.stderr

    def argv(self, cmd):
        return ["nsenter", "-t", str(self.proc.pid), "-m", "--"] + list(cmd)

    def run(self, cmd, **kw):
        return run(self.argv(cmd), **kw)

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def test_package_installs_and_is_ready(deb, tmp_path):
    if run(["dpkg-query", "-W", "-f=${Status}", "arcade"]).stdout.startswith("install ok"):
        pytest.skip("an arcade package is installed on this machine; not touching it")
    need("nsenter")
    user_existed = _exists_user("arcade")
    ns = Namespace()
    created = [d for d in Namespace.HIDE if d not in ns.hidden]
    act = sockdir = None
    arcaded_pids = []
    try:
        p = ns.run(["dpkg", "--force-confdef", "--force-confold", "-i", deb], timeout=300)
        assert p.returncode == 0, p.stdout + p.stderr
        # The user, a system one, and its directories.
        pw = pwd.getpwnam("arcade")
        assert pw.pw_uid < 1000 and pw.pw_dir == "/var/lib/arcade"
        assert pw.pw_shell in ("/usr/sbin/nologin", "/sbin/nologin")
        for d, mode in (("/var/lib/arcade", 0o750), ("/run/arcade", 0o755)):
            st = os.stat(_in_ns(ns, d))
            assert stat.S_IMODE(st.st_mode) == mode and st.st_uid == pw.pw_uid, d
        # The units where systemd looks, enabled (by symlink: no systemctl).
        for u in ("arcaded.service", "arcaded.socket"):
            assert os.path.isfile(f"/lib/systemd/system/{u}")
        assert os.path.islink("/etc/systemd/system/multi-user.target.wants/arcaded.service")
        assert os.path.islink("/etc/systemd/system/sockets.target.wants/arcaded.socket")
        p = ns.run(["systemd-analyze", "verify", "--man=no", "arcaded.service", "arcaded.socket"])
        assert p.returncode == 0 and p.stdout + p.stderr == "", p.stdout + p.stderr
        p = ns.run(["systemd-analyze", "security", "--offline=true", "arcaded.service"])
        assert float(re.search(r"exposure level for arcaded\.service: (\d+\.\d+)", p.stdout).group(1)) <= 2.0
        # The binaries, the man pages, the config.
        for b in ("arcaded", "arcadectl"):
            p = ns.run([f"/usr/bin/{b}", "--version"])
            assert p.returncode == 0 and p.stdout == f"{b} {version()}\n", p.stdout + p.stderr
        for page in ("/usr/share/man/man8/arcaded.8.gz", "/usr/share/man/man1/arcadectl.1.gz"):
            assert os.path.isfile(page)
        # arcadectl init as arcade, then a game to be served.
        asuser = ["runuser", "-u", "arcade", "--"]
        p = ns.run(asuser + ["arcadectl", "--json", "init"])
        assert p.returncode == 0 and p.stdout == '{"data":"/var/lib/arcade","schema":2}\n', p.stderr
        game = json.loads(ns.run(asuser + ["arcadectl", "--json", "game", "create",
                                                         "--name", "deb"]).stdout)
        assert ns.run(asuser + ["arcadectl", "table", "create", "--game", str(game["id"]),
                                "--name", "Main"]).returncode == 0
        for f in ("data.mdb", "lock.mdb"):
            assert os.stat(_in_ns(ns, f"/var/lib/arcade/{f}")).st_uid == pw.pw_uid
        # Ready to run: the installed unit's ExecStart, as arcade, under
        # socket activation, reading the installed config and directories.
        exec_start = None
        with open("/lib/systemd/system/arcaded.service") as f:
            for ln in f:
                if ln.startswith("ExecStart="):
                    exec_start = ln.split("=", 1)[1].split()
        sockdir = tempfile.mkdtemp(prefix="arcade-deb-")   # traversable by arcade
        os.chmod(sockdir, 0o755)
        os.chown(sockdir, pw.pw_uid, pw.pw_gid)
        sock = os.path.join(sockdir, "arcaded.sock")
        log = open(tmp_path / "arcaded.log", "wb")
        # nsenter (mount namespace only), setpriv and systemd-socket-activate
        # each exec the next: act.pid ends up being arcaded's master.
        act = subprocess.Popen(ns.argv(["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}",
                                        "--init-groups", "systemd-socket-activate", "-l", sock]
                                       + exec_start + ["--workers", "1"]),
                               stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()
        wait_socket(sock, proc=act)
        uri = f"/api/game/v1_2/scores/?game_id={game['id']}"
        sig = gj_signature(f"http://localhost{uri}", game["private_key"])
        status, headers, body = fcgi_get(sock, f"{uri}&signature={sig}")
        assert (status, body) == (200, b'{"response":{"success":"true","scores":[]}}'), \
            (status, body, (tmp_path / "arcaded.log").read_text())
        assert exe_name(act.pid) == "arcaded"
        assert os.stat(f"/proc/{act.pid}").st_uid == pw.pw_uid
        arcaded_pids = [act.pid] + descendants(act.pid)
        assert len(arcaded_pids) == 2
    finally:
        if act is not None:
            act.send_signal(signal.SIGTERM)
            try:
                act.wait(timeout=40)
            except subprocess.TimeoutExpired:
                act.kill()
                act.wait()
        purge = ns.run(["dpkg", "--purge", "arcade"], timeout=300)
        ns.close()
        if sockdir:
            shutil.rmtree(sockdir, ignore_errors=True)
        for d in created:
            shutil.rmtree(d, ignore_errors=True)
        if not user_existed and _exists_user("arcade"):
            run(["userdel", "arcade"])
            if _exists_group("arcade"):
                run(["groupdel", "arcade"])
    assert purge.returncode == 0, purge.stdout + purge.stderr
    assert not wait_gone(arcaded_pids, 5)
    assert not os.path.exists("/lib/systemd/system/arcaded.service")
    assert not os.path.exists("/etc/systemd/system/sockets.target.wants/arcaded.socket")
    assert not os.path.exists("/usr/bin/arcaded")
    assert run(["dpkg-query", "-W", "-f=${Status}", "arcade"]).stdout in ("", "unknown ok not-installed")
    for d in created:
        assert not os.path.exists(d)


def _in_ns(ns, path):
    """A path as the namespace sees it (through the sleeper's root)."""
    return f"/proc/{ns.proc.pid}/root{path}"


def _exists_user(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def _exists_group(name):
    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False

