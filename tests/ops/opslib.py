"""Operations layer helpers: arcade started the ways operators start it.

Each stack below is a harness.Stack (same ctl, gj_get, request, ...) whose
arcaded, or whose front server, is started differently:

    SocketActivatedStack  systemd-socket-activate hands arcaded its socket
                          (LISTEN_FDS), with the ExecStart of the shipped
                          systemd/arcaded.service; nginx in front
    SpawnFcgiStack        spawn-fcgi puts the socket on arcaded's fd 0; nginx
    LighttpdStack         lighttpd spawns arcaded itself (bin-path) with the
                          shipped nginx/lighttpd-arcade.conf
    ApacheStack           Apache + mod_fcgid with the shipped
                          nginx/apache-arcade.conf: one arcaded per request
                          in flight, each with no pool of its own
    ApacheHtaccessStack   the shared-hosting variant of docs/operations.md
                          (arcade.fcgi + .htaccess, taken from the guide)

Shipped files are used as they are, except for the absolute paths of an
installed system (binary, config file, socket), which point into the test's
temp dir; `shipped()` fails if such a path is no longer in the file, so a
changed file cannot silently escape its test.

Every process is started by the test and stopped by pid; the front servers'
children (arcaded processes) are listed before the stop and checked gone
after it.
"""

import json
import os
import pwd
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import time

from harness import (ARCADED, REPO, RELAXED_RATE_ARGS, Stack, StackError,
                     children_of, free_port, pid_alive, stop_process)
from gjtest import (E_BADSIG, assert_error, assert_ok, assert_scores, new_gj,
                    score_item)

SYSTEMD_DIR = os.path.join(REPO, "systemd")
SERVICE = os.path.join(SYSTEMD_DIR, "arcaded.service")
SOCKET_UNIT = os.path.join(SYSTEMD_DIR, "arcaded.socket")
LIGHTTPD_CONF = os.path.join(REPO, "nginx", "lighttpd-arcade.conf")
APACHE_CONF = os.path.join(REPO, "nginx", "apache-arcade.conf")
EXAMPLE_CONF = os.path.join(REPO, "docs", "arcaded.conf.example")
APACHE_MODULES = "/usr/lib/apache2/modules"
WEB_USER = "www-data"


def need(tool):
    """The path of a tool the ops layer needs (tests/install-deps.sh installs
    them all); a clear failure otherwise."""
    path = shutil.which(tool, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
    assert path, f"{tool} is not installed (sh tests/install-deps.sh installs it)"
    return path


def shipped(path, replacements):
    """The text of a shipped file with the given absolute paths replaced;
    each one must occur in it."""
    with open(path) as f:
        text = f.read()
    for old, new in replacements.items():
        assert old in text, f"{os.path.basename(path)} no longer mentions {old}"
        text = text.replace(old, new)
    return text


def unit_value(path, key):
    """The value of KEY= in a unit file (last assignment wins)."""
    val = None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith(key + "="):
                val = line[len(key) + 1:]
    return val


def descendants(pid):
    out = []
    for kid in children_of(pid):
        out.append(kid)
        out.extend(descendants(kid))
    return out


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return [a.decode() for a in f.read().split(b"\0") if a]
    except (FileNotFoundError, ProcessLookupError):
        return []


def exe_name(pid):
    try:
        return os.path.basename(os.readlink(f"/proc/{pid}/exe"))
    except OSError:
        return ""


def wait_gone(pids, timeout=10.0):
    """Waits until none of pids is alive; SIGKILLs (by pid) what is left and
    returns the list of pids that had to be killed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = [p for p in pids if pid_alive(p)]
        if not left:
            return []
        time.sleep(0.05)
    left = [p for p in pids if pid_alive(p)]
    for p in left:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return left


def unix_listening(path):
    """True once a unix socket at path is listening (not merely bound),
    read from /proc/net/unix without connecting: a connection would start a
    socket-activated service."""
    with open("/proc/net/unix") as f:
        for ln in f.read().splitlines()[1:]:
            parts = ln.split()
            # Num RefCount Protocol Flags Type St Inode Path; Flags 00010000
            # is __SO_ACCEPTCON, a listening socket.
            if len(parts) >= 8 and parts[7] == path and int(parts[3], 16) & 0x10000:
                return True
    return False


def wait_socket(path, timeout=10.0, proc=None, log=lambda: ""):
    """Waits until something listens on the unix socket path."""
    deadline = time.monotonic() + timeout
    while not unix_listening(path):
        if proc is not None and proc.poll() is not None:
            raise StackError(f"exited {proc.returncode} before {path} listened\n{log()}")
        if time.monotonic() > deadline:
            raise StackError(f"{path} is not listening\n{log()}")
        time.sleep(0.02)


def write_config(path, lines):
    with open(path, "w") as f:
        f.write("".join(line + "\n" for line in lines))


def relaxed_config_lines():
    """RELAXED_RATE_ARGS as config-file lines."""
    args = list(RELAXED_RATE_ARGS)
    return [f"{args[i][2:]} = {args[i + 1]}" for i in range(0, len(args), 2)]


# --------------------------------------------------------------------------
# FastCGI, spoken directly (for checks without a front server)
# --------------------------------------------------------------------------

def _fcgi_record(rtype, content, req_id=1):
    return struct.pack(">BBHHBB", 1, rtype, req_id, len(content), 0, 0) + content


def _fcgi_pair(k, v):
    def ln(n):
        return struct.pack(">B", n) if n < 128 else struct.pack(">I", n | 0x80000000)
    k, v = k.encode(), v.encode()
    return ln(len(k)) + ln(len(v)) + k + v


def fcgi_get(sock_path, uri, host="localhost", remote="127.0.0.1", timeout=10.0):
    """One FastCGI GET over a unix socket: (status, headers dict, body)."""
    params = {"REQUEST_METHOD": "GET", "REQUEST_URI": uri, "QUERY_STRING": uri.partition("?")[2],
              "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": host, "REMOTE_ADDR": remote,
              "SERVER_NAME": host, "SERVER_PORT": "80", "REQUEST_SCHEME": "http",
              "CONTENT_LENGTH": ""}
    body = b"".join(_fcgi_pair(k, v) for k, v in params.items())
    msg = (_fcgi_record(1, struct.pack(">HB5x", 1, 0)) + _fcgi_record(4, body) +
           _fcgi_record(4, b"") + _fcgi_record(5, b""))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    out = b""
    try:
        s.connect(sock_path)
        s.sendall(msg)
        buf = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        while len(buf) >= 8:
            _v, rtype, _id, clen, plen, _r = struct.unpack(">BBHHBB", buf[:8])
            content = buf[8:8 + clen]
            buf = buf[8 + clen + plen:]
            if rtype == 6:
                out += content
            elif rtype == 3:
                break
    finally:
        s.close()
    head, _, payload = out.partition(b"\r\n\r\n")
    headers = {}
    for line in head.decode().split("\r\n"):
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    status = int(headers.get("status", "200").split()[0])
    return status, headers, payload


# --------------------------------------------------------------------------
# the checks every deployment must pass
# --------------------------------------------------------------------------

def gj_scores_checks(s, name="ops"):
    """Game Jolt scores through the front server: signed GET and POST adds
    (user and guest), the exact fetch, a rank, the tables, a bad signature.
    Signatures cover the URL with its port, so they also prove that the front
    server passed the raw URI and the Host header through."""
    gj = new_gj(s, name)
    alice = gj.player("alice")
    gj.add_user(alice, 120, score="120 points", extra_data="x=1&y=2")
    gj.add_guest("bob", 80)
    r = gj.post("scores/add", (), [("score", "95 points"), ("sort", "95"), ("guest", "carol")])
    assert_ok(r)
    assert_scores(gj.fetch(), [
        score_item(120, score="120 points", extra_data="x=1&y=2", user="alice",
                   user_id=alice["id"]),
        score_item(95, score="95 points", guest="carol"),
        score_item(80, guest="bob")])
    gj.assert_rank(100, 2)
    gj.assert_rank(1000, 1)
    r = gj.get("scores/tables")
    assert r.status_code == 200, r.text
    tables = json.loads(r.text)["response"]["tables"]
    assert [t["id"] for t in tables] == [str(gj.table["id"])]
    url = s.gj_plain_url("scores", gj.params([]))
    assert_error(s.request("GET", url.split(f":{s.port}", 1)[1] + "&signature=" + "0" * 32), E_BADSIG)
    return gj


def header_auth_checks(s, gj):
    """The two header-keyed families: TeamBattles' Authorization: Bearer (which
    Apache withholds from FastCGI unless told) and MeshMap's x-app-api-key."""
    tb = s.ctl("key", "create", "--game", gj.game["id"], "--kind", "teambattles",
               "--perm", "game.matches=read")
    r = s.request("POST", "/api/v1/game/matches", data="",
                  headers={"Authorization": "Bearer " + tb["key"]})
    assert r.status_code == 200, r.text
    assert r.json() == {"matches": [], "cursor": None, "hasMore": False}
    r = s.request("POST", "/api/v1/game/matches", data="")
    assert r.status_code == 401 and r.json() == {"error": "error_api_key_required"}, r.text
    app = s.ctl("key", "create", "--game", gj.game["id"], "--kind", "app")
    r = s.request("GET", "/api/v1/apps/players", headers={"x-app-api-key": app["key"]})
    assert r.status_code == 200, r.text
    assert [p["displayName"] for p in r.json()["players"]] == ["alice"]


# --------------------------------------------------------------------------
# stacks
# --------------------------------------------------------------------------

class SocketActivatedStack(Stack):
    """arcaded started as arcaded.service would start it: the unit's
    ExecStart, under systemd-socket-activate, which listens on the socket,
    waits for the first connection and execs arcaded with LISTEN_FDS=1. The
    first request is made before arcaded exists; it must be answered."""

    def _start_arcaded(self):
        need("systemd-socket-activate")
        conf = os.path.join(self.tmp, "arcaded.conf")
        write_config(conf, [f"data = {self.data_dir}", f"limits = {self.limits_dir}",
                            f"workers = {self.workers}", f"log-file = {self.log_path}"]
                     + (relaxed_config_lines() if self.relaxed_limits else []))
        exec_start = shlex.split(unit_value(SERVICE, "ExecStart"))
        assert exec_start[0] == "/usr/bin/arcaded", exec_start
        argv = [ARCADED] + [conf if a == "/etc/arcade/arcaded.conf" else a for a in exec_start[1:]]
        assert conf in argv, f"ExecStart no longer reads /etc/arcade/arcaded.conf: {exec_start}"
        self.arcaded_cmd = argv
        self._log = open(os.path.join(self.tmp, "activate.log"), "ab")
        self.arcaded = subprocess.Popen(
            ["systemd-socket-activate", "-l", self.socket_path] + argv + self.arcaded_args,
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log)
        wait_socket(self.socket_path, proc=self.arcaded, log=self.log)
        os.chmod(self.socket_path, 0o666)   # what SocketMode= does for nginx's user

    def _probe(self):
        # Only now does arcaded start: the probe's connection activates it.
        super()._probe()
        assert exe_name(self.arcaded.pid) == "arcaded", cmdline(self.arcaded.pid)


class SpawnFcgiStack(Stack):
    """spawn-fcgi creates the socket, forks `children` times, puts the socket
    on fd 0 of each arcaded and exits; arcaded (--foreground) is the pid in
    spawn-fcgi's pid file (one line per child)."""

    def __init__(self, children=1, **kw):
        super().__init__(**kw)
        self.children = children
        self.pids = []

    def _start_arcaded(self):
        spawn = need("spawn-fcgi")
        pidfile = os.path.join(self.tmp, "arcaded.pid")
        # spawn-fcgi sends arcaded's stderr to /dev/null: log to a file.
        argv = [ARCADED, "--data", self.data_dir, "--limits", self.limits_dir,
                "--workers", str(self.workers), "--foreground", "--log-file", self.log_path]
        if self.relaxed_limits:
            argv += RELAXED_RATE_ARGS
        argv += self.arcaded_args
        self.arcaded_cmd = argv
        p = subprocess.run([spawn, "-s", self.socket_path, "-M", "0666", "-F", str(self.children),
                            "-P", pidfile, "--"] + argv, capture_output=True, text=True, timeout=30)
        if p.returncode != 0:
            raise StackError(f"spawn-fcgi failed: {p.stderr}{p.stdout}")
        with open(pidfile) as f:
            self.pids = [int(x) for x in f.read().split()]

    @property
    def arcaded_pid(self):
        return self.pids[0] if self.pids else None

    def stop(self):
        stop_process(self.nginx)
        self.nginx = None
        procs = [p for pid in self.pids for p in [pid] + descendants(pid)]
        for pid in self.pids:
            if pid_alive(pid):
                os.kill(pid, signal.SIGTERM)
        self.left_behind = wait_gone(procs)
        self.pids = []
        super().stop()


class _FrontStack(Stack):
    """A front server that starts arcaded itself: no arcaded of ours, the
    server on a free loopback port in place of nginx. `config` adds lines to
    the arcaded.conf the server's command line names."""

    server = None
    server_name = "server"
    left_behind = ()

    def __init__(self, config=(), **kw):
        super().__init__(**kw)
        self.extra_config = list(config)

    def _start_arcaded(self):
        # The server's user runs arcaded: it gets the directories and a copy
        # of the binary in the (world-traversable) temp dir.
        self.bin = os.path.join(self.tmp, "arcaded")
        shutil.copy2(ARCADED, self.bin)
        self.conf = os.path.join(self.tmp, "arcaded.conf")
        write_config(self.conf, [f"data = {self.data_dir}", f"limits = {self.limits_dir}",
                                 f"workers = {self.workers}"]
                     + (relaxed_config_lines() if self.relaxed_limits else [])
                     + self.extra_config)
        pw = pwd.getpwnam(WEB_USER)
        for root, dirs, files in os.walk(self.data_dir):
            for n in dirs + files + ["."]:
                os.chown(os.path.join(root, n), pw.pw_uid, pw.pw_gid)
        os.chown(self.limits_dir, pw.pw_uid, pw.pw_gid)
        self.run_dir = os.path.join(self.tmp, "run")
        os.makedirs(self.run_dir)
        os.chown(self.run_dir, pw.pw_uid, pw.pw_gid)

    def _server_argv(self, conf):
        raise NotImplementedError

    def _server_conf(self):
        raise NotImplementedError

    def _start_nginx(self):
        last = ""
        for _attempt in range(5):
            self.port = free_port()
            self.base = f"http://127.0.0.1:{self.port}"
            conf = self._server_conf()
            err = open(os.path.join(self.tmp, f"{self.server_name}-stderr.log"), "ab")
            self.server = subprocess.Popen(self._server_argv(conf), stdin=subprocess.DEVNULL,
                                           stdout=err, stderr=err)
            err.close()
            deadline = time.monotonic() + self.start_timeout
            while time.monotonic() < deadline and self.server.poll() is None:
                try:
                    socket.create_connection(("127.0.0.1", self.port), 0.5).close()
                    return
                except OSError:
                    time.sleep(0.05)
            last = self.log()
            self._stop_server()
        raise StackError(f"{self.server_name} did not start\n{last}")

    def arcaded_pids(self):
        return [p for p in descendants(self.server.pid) if exe_name(p) == "arcaded" and pid_alive(p)]

    def _stop_server(self):
        """Stops the server by pid; every arcaded it started must go with it."""
        if self.server is None:
            return []
        kids = descendants(self.server.pid)
        stop_process(self.server, timeout=20)
        self.server = None
        return wait_gone(kids)

    def stop(self):
        self.left_behind = self._stop_server()
        super().stop()

    def log(self):
        """Every *.log of the temp dir and its run/ (the server's, arcaded's)."""
        out = ""
        for d in (self.tmp, getattr(self, "run_dir", None)):
            if not d or not os.path.isdir(d):
                continue
            for name in sorted(os.listdir(d)):
                if name.endswith(".log"):
                    try:
                        with open(os.path.join(d, name), "rb") as f:
                            out += f"--- {name}\n" + f.read().decode("utf-8", "replace")[-6000:]
                    except OSError:
                        pass
        return out

    nginx_log = log


class LighttpdStack(_FrontStack):
    """lighttpd (as www-data) spawns arcaded from "bin-path", on a socket of
    its own, passed as fd 0."""

    server_name = "lighttpd"

    def _server_conf(self):
        frag = os.path.join(self.tmp, "lighttpd-arcade.conf")
        with open(frag, "w") as f:
            f.write(shipped(LIGHTTPD_CONF, {
                "/run/lighttpd/arcaded.sock": os.path.join(self.run_dir, "arcaded.sock"),
                "/usr/bin/arcaded": self.bin,
                "/etc/arcade/arcaded.conf": self.conf}))
        www = os.path.join(self.tmp, "www")
        os.makedirs(www, exist_ok=True)
        conf = os.path.join(self.tmp, "lighttpd.conf")
        with open(conf, "w") as f:
            f.write(f"""server.document-root = "{www}"
server.bind = "127.0.0.1"
server.port = {self.port}
server.username = "{WEB_USER}"
server.groupname = "{WEB_USER}"
server.errorlog = "{self.run_dir}/lighttpd-error.log"
server.upload-dirs = ( "{self.run_dir}" )
include "{frag}"
""")
        return conf

    def _server_argv(self, conf):
        return [need("lighttpd"), "-D", "-f", conf]


class ApacheStack(_FrontStack):
    """Apache (event MPM, children as www-data) with mod_fcgid, in its own
    ServerRoot, config file and pid file; mod_fcgid starts `arcaded
    --workers 0` processes on its own sockets (fd 0)."""

    server_name = "apache"

    def _server_conf(self):
        frag = os.path.join(self.tmp, "apache-arcade.conf")
        with open(frag, "w") as f:
            f.write(shipped(APACHE_CONF, {"/usr/bin/arcaded": self.bin,
                                          "/etc/arcade/arcaded.conf": self.conf}))
        www = os.path.join(self.tmp, "www")
        os.makedirs(www, exist_ok=True)
        m = APACHE_MODULES
        conf = os.path.join(self.tmp, "httpd.conf")
        with open(conf, "w") as f:
            f.write(f"""ServerRoot "{self.tmp}"
ServerName 127.0.0.1
Listen 127.0.0.1:{self.port}
PidFile "{self.tmp}/httpd.pid"
DefaultRuntimeDir "{self.run_dir}"
Mutex file:{self.run_dir} default
User {WEB_USER}
Group {WEB_USER}
ErrorLog "{self.tmp}/apache-error.log"
LogLevel warn
LoadModule mpm_event_module {m}/mod_mpm_event.so
LoadModule authz_core_module {m}/mod_authz_core.so
LoadModule fcgid_module {m}/mod_fcgid.so
DocumentRoot "{www}"
FcgidIPCDir "{self.run_dir}/fcgid"
FcgidProcessTableFile "{self.run_dir}/fcgid_shm"
Include "{frag}"
""")
        return conf

    def _server_argv(self, conf):
        return [need("apache2"), "-f", conf, "-DFOREGROUND"]


def doc_block(path, intro):
    """The indented code block that follows the line `intro` in a markdown
    file, unindented."""
    with open(path) as f:
        lines = f.read().split("\n")
    i = lines.index(intro) + 1
    while not lines[i].strip():
        i += 1
    block = []
    while i < len(lines) and (lines[i].startswith("    ") or not lines[i].strip()):
        block.append(lines[i][4:])
        i += 1
    return "\n".join(block).strip("\n") + "\n"


OPERATIONS = os.path.join(REPO, "docs", "operations.md")


class ApacheHtaccessStack(ApacheStack):
    """The shared-hosting variant of docs/operations.md taken verbatim from
    the guide: no server config of arcade's, only the guide's arcade.fcgi
    wrapper and .htaccess in the document root."""

    def _server_conf(self):
        www = os.path.join(self.tmp, "www")
        os.makedirs(www, exist_ok=True)
        home = "/home/me/arcade"
        wrapper = doc_block(OPERATIONS, "`arcade.fcgi`, mode 0755, in the document root:")
        for old, new in ((f"{home}/bin/arcaded", self.bin), (f"{home}/data", self.data_dir),
                         (f"{home}/limits", self.limits_dir)):
            assert old in wrapper, f"the guide's arcade.fcgi no longer mentions {old}"
            wrapper = wrapper.replace(old, new)
        with open(os.path.join(www, "arcade.fcgi"), "w") as f:
            f.write(wrapper)
        os.chmod(os.path.join(www, "arcade.fcgi"), 0o755)
        with open(os.path.join(www, ".htaccess"), "w") as f:
            f.write(doc_block(OPERATIONS, "`.htaccess`, beside it:"))
        with open(os.path.join(self.tmp, "mime.types"), "w"):
            pass
        m = APACHE_MODULES
        conf = os.path.join(self.tmp, "httpd.conf")
        with open(conf, "w") as f:
            f.write(f"""ServerRoot "{self.tmp}"
ServerName 127.0.0.1
Listen 127.0.0.1:{self.port}
PidFile "{self.tmp}/httpd.pid"
DefaultRuntimeDir "{self.run_dir}"
Mutex file:{self.run_dir} default
User {WEB_USER}
Group {WEB_USER}
ErrorLog "{self.tmp}/apache-error.log"
LogLevel warn
LoadModule mpm_event_module {m}/mod_mpm_event.so
LoadModule authz_core_module {m}/mod_authz_core.so
LoadModule mime_module {m}/mod_mime.so
LoadModule rewrite_module {m}/mod_rewrite.so
LoadModule setenvif_module {m}/mod_setenvif.so
LoadModule fcgid_module {m}/mod_fcgid.so
FcgidIPCDir "{self.run_dir}/fcgid"
FcgidProcessTableFile "{self.run_dir}/fcgid_shm"
DocumentRoot "{www}"
<Directory "{www}">
    AllowOverride FileInfo Options
    Require all granted
</Directory>
""")
        return conf


def run(cmd, timeout=600, **kw):
    """subprocess.run with text output; returns the CompletedProcess."""
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
