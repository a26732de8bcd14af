"""A real arcade stack for tests: a fresh LMDB data dir, an arcaded pool on a
unix socket, and nginx in front of it using the shipped snippet verbatim.

    from harness import Stack
    with Stack(workers=2) as s:
        game = s.ctl("game", "create", "--name", "g")
        r = s.gj_get("scores", {"game_id": game["id"]}, game)

Besides the basics (base, port, ctl, ctl_raw, gj_url, gj_get, gj_post, pids,
tmp, data_dir, log_path):
    s.request(method, target, data=None, headers=None)  exact raw target, no re-encoding
    s.gj_plain_url(endpoint, params, ...)                the unsigned URL a client builds
    gj_url(..., slash=False, qmark=False, upper=True, fields=[...])  path/sign variants
    s.worker_pids(), s.log(), s.nginx_log()
    Stack(data_dir=...)            reuse a data directory (kept at teardown)
    Stack(relaxed_limits=False)    keep arcaded's default rate limits
    ARCADE_KEEP_TMP=1              keep the temp dir (logs, nginx.conf) for debugging

The Game Jolt signer here is written from shared/design/API-GAMEJOLT.md on
purpose: it checks the C implementation independently.
"""

import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
BUILDDIR = os.path.abspath(os.environ.get("ARCADE_BUILDDIR", REPO))
ARCADED = os.path.join(BUILDDIR, "src", "arcaded")
ARCADECTL = os.path.join(BUILDDIR, "src", "arcadectl")
NGINX = os.environ.get("ARCADE_NGINX", "/usr/sbin/nginx")
SNIPPET = os.path.join(REPO, "nginx", "snippets", "arcade.conf")

# Tests send many requests from one address in a short time; the default
# buckets (300 burst, 50/s per IP) would turn later tests into 429s. Rate
# limit tests pass relaxed_limits=False and set their own numbers.
RELAXED_RATE_ARGS = [
    "--rate-ip", "1000000/1000000",
    "--rate-key", "1000000/1000000",
    "--rate-game", "1000000/1000000",
    "--rate-batch", "1000000/1000000",
]

HTTP_TIMEOUT = 30


# --------------------------------------------------------------------------
# Game Jolt signing (API-GAMEJOLT.md, "Signature")
# --------------------------------------------------------------------------

def _pairs(fields):
    if fields is None:
        return []
    if isinstance(fields, dict):
        return list(fields.items())
    return list(fields)


def gj_sign_string(url, fields=None):
    """The string that is hashed, without the private key: the URL, then for
    each POST field sorted by key (stable, "name[]" counts as "name"):
    key + value."""
    norm = []
    for k, v in _pairs(fields):
        k = str(k)
        if k.endswith("[]"):
            k = k[:-2]
        norm.append((k, str(v)))
    norm.sort(key=lambda kv: kv[0].encode("utf-8"))
    return url + "".join(k + v for k, v in norm)


def gj_signature(url, private_key, fields=None, sha1=False):
    """Lowercase hex MD5 (or SHA-1) of URL [+ sorted POST fields] + key."""
    h = hashlib.sha1 if sha1 else hashlib.md5
    data = (gj_sign_string(url, fields) + private_key).encode("utf-8")
    return h(data).hexdigest()


def encode_params(params):
    """application/x-www-form-urlencoded, like the clients build it (space as +)."""
    return urllib.parse.urlencode([(str(k), str(v)) for k, v in _pairs(params)])


def target_of(url):
    """The request target (path + query, raw) of an absolute URL."""
    rest = url.split("://", 1)[1]
    i = rest.find("/")
    return "/" if i < 0 else rest[i:]


# --------------------------------------------------------------------------
# processes
# --------------------------------------------------------------------------

def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def stop_process(proc, timeout=10.0):
    """SIGTERM one process we started (by pid), wait, then SIGKILL."""
    if proc is None or proc.poll() is not None:
        return
    try:
        proc.send_signal(signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            proc.send_signal(signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=timeout)


def children_of(pid):
    """Direct child pids of pid (Linux /proc)."""
    kids = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return kids
    for t in tasks:
        try:
            with open(f"/proc/{pid}/task/{t}/children") as f:
                kids.extend(int(x) for x in f.read().split())
        except (FileNotFoundError, ProcessLookupError):
            pass
    return sorted(set(kids))


def pid_alive(pid):
    """True if pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return False
    state = stat.rsplit(")", 1)[1].split()[0]
    return state not in ("Z", "X")


def mount(args, mnt):
    """`mount ARGS... MNT` (a small tmpfs or loop filesystem for a test of a
    full disk). None when mounted, else why it cannot be here."""
    if os.geteuid() != 0:
        return "mounting needs root"
    p = subprocess.run(["mount", *args, mnt], capture_output=True, text=True)
    return None if p.returncode == 0 else (p.stderr.strip() or f"mount exited {p.returncode}")


def unmount(mnt):
    """Unmounts MNT, waiting up to 5 s for its last user, lazily after that."""
    for _ in range(50):
        if subprocess.run(["umount", mnt], capture_output=True).returncode == 0:
            return
        time.sleep(0.1)
    subprocess.run(["umount", "-l", mnt], capture_output=True)


class StackError(RuntimeError):
    pass


class CtlError(RuntimeError):
    def __init__(self, args, proc):
        self.proc = proc
        super().__init__(
            f"arcadectl {' '.join(args)} exited {proc.returncode}\n"
            f"stdout: {proc.stdout}\nstderr: {proc.stderr}")


class Stack:
    """nginx + an arcaded pool on a fresh (or given) data directory."""

    def __init__(self, workers=2, arcaded_args=(), gamejolt_hosts=(),
                 data_dir=None, relaxed_limits=True, start_timeout=10.0,
                 nginx_user=None, wrapper=()):
        self.workers = workers
        # e.g. valgrind and its options (bench/profile.py). The wrapper must
        # run arcaded as its own process (valgrind does): the stop signal
        # goes to that pid. strace would leave arcaded running as its child.
        self.wrapper = list(wrapper)
        self.arcaded_args = list(arcaded_args)
        self.gamejolt_hosts = list(gamejolt_hosts)
        self._given_data_dir = data_dir
        self.relaxed_limits = relaxed_limits
        self.start_timeout = start_timeout
        self.nginx_user = nginx_user
        self.tmp = None
        self.data_dir = None
        self.limits_dir = None
        self.socket_path = None
        self.log_path = None
        self.port = None
        self.base = None
        self.arcaded = None
        self.nginx = None
        self._log = None
        self._nginx_err = None
        self.session = requests.Session()
        self.session.trust_env = False      # never route loopback via a proxy

    # -- life cycle -------------------------------------------------------

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    @property
    def arcaded_pid(self):
        return self.arcaded.pid if self.arcaded else None

    @property
    def nginx_pid(self):
        return self.nginx.pid if self.nginx else None

    def start(self):
        for binary in (ARCADED, ARCADECTL):
            if not os.access(binary, os.X_OK):
                raise StackError(f"{binary} is missing: build first "
                                 f"(or set ARCADE_BUILDDIR)")
        self.tmp = tempfile.mkdtemp(prefix="arcade-it-")
        os.chmod(self.tmp, 0o755)
        if self._given_data_dir:
            self.data_dir = os.path.abspath(self._given_data_dir)
        else:
            self.data_dir = os.path.join(self.tmp, "data")
        os.makedirs(self.data_dir, exist_ok=True)
        self.limits_dir = os.path.join(self.tmp, "limits")
        os.makedirs(self.limits_dir, exist_ok=True)
        self.socket_path = os.path.join(self.tmp, "arcaded.sock")
        self.log_path = os.path.join(self.tmp, "arcaded.log")

        self.ctl("init")
        self._start_arcaded()
        self._start_nginx()
        self._probe()

    def _start_arcaded(self):
        args = self.wrapper + [ARCADED, "--data", self.data_dir, "--limits", self.limits_dir,
                "--listen", "unix:" + self.socket_path,
                "--socket-mode", "0666",
                "--workers", str(self.workers), "--foreground"]
        for h in self.gamejolt_hosts:
            args += ["--gamejolt-host", h]
        if self.relaxed_limits:
            args += RELAXED_RATE_ARGS
        args += self.arcaded_args
        self.arcaded_cmd = args
        self._log = open(self.log_path, "ab")
        self.arcaded = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                        stdout=self._log, stderr=self._log)
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self.arcaded.poll() is not None:
                raise StackError(f"arcaded exited {self.arcaded.returncode} "
                                 f"at start\n{self.log()}")
            if os.path.exists(self.socket_path):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    s.connect(self.socket_path)
                    break
                except OSError:
                    pass
                finally:
                    s.close()
            if time.monotonic() > deadline:
                raise StackError(f"arcaded socket {self.socket_path} not "
                                 f"accepting after {self.start_timeout}s\n"
                                 f"{self.log()}")
            time.sleep(0.05)

    def _nginx_conf(self):
        t = self.tmp
        user = f"user {self.nginx_user};\n" if self.nginx_user else ""
        return f"""{user}daemon off;
master_process on;
worker_processes 1;
pid {t}/nginx.pid;
error_log {t}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {t}/client_body_temp;
    fastcgi_temp_path {t}/fastcgi_temp;
    proxy_temp_path {t}/proxy_temp;
    uwsgi_temp_path {t}/uwsgi_temp;
    scgi_temp_path {t}/scgi_temp;
    upstream arcade {{
        server unix:{self.socket_path};
    }}
    server {{
        listen 127.0.0.1:{self.port};
        server_name _;
        include {SNIPPET};
    }}
}}
"""

    def _start_nginx(self):
        last = None
        for _attempt in range(5):       # a free port can be taken meanwhile
            self.port = free_port()
            self.base = f"http://127.0.0.1:{self.port}"
            conf = os.path.join(self.tmp, "nginx.conf")
            with open(conf, "w") as f:
                f.write(self._nginx_conf())
            if self._nginx_err is None:
                self._nginx_err = open(os.path.join(self.tmp, "nginx-stderr.log"), "ab")
            self.nginx = subprocess.Popen(
                [NGINX, "-p", self.tmp, "-e", os.path.join(self.tmp, "nginx-error.log"),
                 "-c", conf],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=self._nginx_err)
            deadline = time.monotonic() + self.start_timeout
            while time.monotonic() < deadline:
                if self.nginx.poll() is not None:
                    break
                try:
                    socket.create_connection(("127.0.0.1", self.port), 0.5).close()
                    return
                except OSError:
                    time.sleep(0.05)
            last = self.nginx_log()
            stop_process(self.nginx)
            self.nginx = None
        raise StackError(f"nginx did not start\n{last}")

    def _probe(self):
        """One request through nginx to the pool: a 502 means nginx cannot
        reach arcaded (socket mode, path), which would fail every test."""
        deadline = time.monotonic() + self.start_timeout
        while True:
            try:
                r = self.request("GET", "/api/game/v1_2/scores/", timeout=5)
                if r.status_code not in (502, 503, 504):
                    return
                last = f"HTTP {r.status_code}: {r.text[:300]}"
            except (OSError, http.client.HTTPException) as e:
                last = repr(e)
            if time.monotonic() > deadline:
                raise StackError(f"stack not answering: {last}\n"
                                 f"nginx:\n{self.nginx_log()}\n"
                                 f"arcaded:\n{self.log()}")
            time.sleep(0.1)

    def stop(self):
        stop_process(self.nginx)
        stop_process(self.arcaded)
        for name in ("_log", "_nginx_err"):
            f = getattr(self, name, None)
            if f is not None:
                f.close()
                setattr(self, name, None)
        self.session.close()
        if self.tmp and os.environ.get("ARCADE_KEEP_TMP") != "1":
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- inspection -------------------------------------------------------

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")[-20000:]
        except (OSError, TypeError):
            return ""

    def nginx_log(self):
        out = ""
        for name in ("nginx-error.log", "nginx-stderr.log"):
            try:
                with open(os.path.join(self.tmp, name), "rb") as f:
                    out += f.read().decode("utf-8", "replace")[-5000:]
            except OSError:
                pass
        return out

    def worker_pids(self):
        return [p for p in children_of(self.arcaded_pid) if pid_alive(p)]

    # -- arcadectl --------------------------------------------------------

    def ctl_raw(self, *args, json_output=True, data_dir=None):
        cmd = [ARCADECTL, "--data", data_dir or self.data_dir]
        if json_output:
            cmd.append("--json")
        cmd += [str(a) for a in args]
        return subprocess.run(cmd, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=60)

    def ctl(self, *args):
        p = self.ctl_raw(*args)
        if p.returncode != 0:
            raise CtlError([str(a) for a in args], p)
        try:
            return json.loads(p.stdout)
        except ValueError:
            raise CtlError([str(a) for a in args], p)

    # -- HTTP -------------------------------------------------------------

    def request(self, method, target, data=None, headers=None, timeout=HTTP_TIMEOUT):
        """Send exactly `target` (raw path + query, byte for byte: no
        re-encoding, malformed escapes included) to nginx. Host is
        "127.0.0.1:PORT". Returns a requests.Response (text decoded as UTF-8)."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.putrequest(method, target, skip_accept_encoding=True)
            hdrs = dict(headers or {})
            if data is not None or method in ("POST", "PUT", "PATCH"):
                hdrs.setdefault("Content-Length", str(len(data or b"")))
            for k, v in hdrs.items():
                conn.putheader(k, v)
            conn.endheaders(data)
            hr = conn.getresponse()
            r = requests.models.Response()
            r.status_code = hr.status
            r.reason = hr.reason
            r.headers = requests.structures.CaseInsensitiveDict(hr.getheaders())
            r._content = hr.read()
            r.encoding = "utf-8"
            r.url = self.base + target
            return r
        finally:
            conn.close()

    def get(self, target, **kw):
        return self.request("GET", target, **kw)

    def gj_plain_url(self, endpoint, params, version="v1_2", host=None,
                     scheme="http", slash=True, qmark=True):
        """The unsigned URL a client builds."""
        host = host or f"127.0.0.1:{self.port}"
        path = f"/api/game/{version}/{endpoint.strip('/')}"
        if slash:
            path += "/"
        return f"{scheme}://{host}{path}" + ("?" if qmark else "&") + encode_params(params)

    def gj_url(self, endpoint, params, game, version="v1_2", sha1=False,
               host=None, scheme="http", slash=True, qmark=True, fields=None,
               upper=False):
        url = self.gj_plain_url(endpoint, params, version, host, scheme, slash, qmark)
        sig = gj_signature(url, game["private_key"], fields, sha1)
        if upper:
            sig = sig.upper()
        return url + "&signature=" + sig

    def gj_get(self, endpoint, params, game, headers=None, **kw):
        url = self.gj_url(endpoint, params, game, **kw)
        return self.request("GET", target_of(url), headers=headers)

    def gj_post(self, endpoint, query_params, fields, game, headers=None, **kw):
        url = self.gj_url(endpoint, query_params, game, fields=fields, **kw)
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        h.update(headers or {})
        return self.request("POST", target_of(url), data=encode_params(fields),
                            headers=h)
