"""Helpers shared by the hostile-input tests (test_hostile_*.py); this file
holds no tests of its own.

Each hostile module runs its own stack (so that "the same workers
afterwards" means something) with one game that has objects in all three
families, and checks around every test that no worker died or was
replaced. `unchanged(s)` checks that a refused request wrote nothing: the
data environment's last transaction id and entry count stay the same
(rate-limit buckets live in another environment)."""

import contextlib
import json
import socket
import struct
import time

from harness import Stack, target_of

GJ_TOO_LARGE = '{"response":{"success":"false","message":"The request body is too large."}}'
GJ_BADENC = ('{"response":{"success":"false","message":'
             '"The request contains invalid percent-encoding."}}')
GJ_UTF8 = ('{"response":{"success":"false","message":'
           '"The request contains text that is not valid UTF-8."}}')
GJ_TOOMANY = '{"response":{"success":"false","message":"The request has too many parameters."}}'
GJ_TOOLONG = '{"response":{"success":"false","message":"A request parameter is too long."}}'
GJ_INCOMPLETE = '{"response":{"success":"false","message":"The request body is incomplete."}}'
GJ_OK = '{"response":{"success":"true"}}'

TB_TOO_LARGE = '{"error":"error_payload_too_large"}'
TB_INVALID = '{"error":"error_invalid_request"}'
MM_TOO_LARGE = '{"error":"The request body is too large."}'
MM_NOT_JSON = '{"error":"The request body is not valid JSON."}'
MM_BADENC = '{"error":"The request contains invalid percent-encoding."}'
MM_UTF8 = '{"error":"The request contains text that is not valid UTF-8."}'

MIB = 1 << 20


def gj_fail(message):
    return json.dumps({"response": {"success": "false", "message": message}},
                      separators=(",", ":")).replace("/", "\\/")


class World:
    """Game A with a Game Jolt table, player, trophy and data; a TeamBattles
    key with every permission, two teams and a best-of-3 match; a MeshMap
    app key, mini-game type, session and registered player."""

    def __init__(self, s, name="hostile"):
        self.s = s
        self.game = s.ctl("game", "create", "--name", name)
        self.gid = self.game["id"]
        self.table = s.ctl("table", "create", "--game", self.gid, "--name", "Main")
        self.player = s.ctl("player", "create", "--game", self.gid, "--username", "alice")
        self.trophy = s.ctl("trophy", "create", "--game", self.gid, "--title", "T",
                            "--description", "D", "--difficulty", "gold")
        self.tb = s.ctl("key", "create", "--game", self.gid, "--kind", "teambattles",
                        "--perm", "game.scores=write", "--perm", "game.lifecycle=read-write",
                        "--perm", "game.matches=read", "--perm", "uploads=read-write")["key"]
        self.teams = [s.ctl("team", "create", "--game", self.gid, "--name", n)["id"]
                      for n in ("Red", "Blue")]
        self.match = self.new_match()
        self.app = s.ctl("key", "create", "--game", self.gid, "--kind", "app")["key"]
        r = self.mm("POST", "/api/v1/apps/minigame-types", {"name": "race"})
        assert r.status_code == 201, r.text
        self.mtype = r.json()["id"]
        r = self.mm("POST", "/api/v1/apps/game-sessions", {"name": "s", "miniGameTypeId": self.mtype})
        assert r.status_code == 201, r.text
        self.session = r.json()["id"]
        r = self.mm("POST", "/api/v1/apps/players", {"displayName": "mia"})
        assert r.status_code == 201, r.text
        self.mplayer = r.json()["id"]
        r = self.mm("POST", f"/api/v1/apps/game-sessions/{self.session}/players",
                    {"playerId": self.mplayer})
        assert r.status_code == 201, r.text
        r = self.gj("data-store/set", [("key", "save"), ("data", "kept")])
        assert r.text == GJ_OK, r.text

    def new_match(self, best_of=3):
        return str(self.s.ctl("match", "create", "--game", self.gid, "--creator-team",
                              self.teams[0], "--opponent-team", self.teams[1],
                              "--best-of", best_of)["id"])

    # -- requests ---------------------------------------------------------

    def gj_target(self, endpoint, params, fields=None):
        url = self.s.gj_url(endpoint, [("game_id", self.gid)] + list(params), self.game,
                            fields=fields)
        return target_of(url)

    def gj(self, endpoint, params=(), **kw):
        return self.s.request("GET", self.gj_target(endpoint, params), **kw)

    def gj_post_raw(self, endpoint, body, ctype="application/x-www-form-urlencoded",
                    params=(), fields=None):
        """POST `body` as is; the URL is signed over `fields` (None: none)."""
        h = {"Content-Type": ctype} if ctype else {}
        return self.s.request("POST", self.gj_target(endpoint, params, fields), data=body,
                              headers=h)

    def tbh(self, extra=None):
        h = {"Authorization": "Bearer " + self.tb}
        h.update(extra or {})
        return h

    def tbr(self, method, path, body=None, raw=None, headers=None):
        h = self.tbh(headers)
        data = raw
        if body is not None:
            data = json.dumps(body)
            h.setdefault("Content-Type", "application/json")
        return self.s.request(method, path, data=data, headers=h)

    def mmh(self, extra=None):
        h = {"x-app-api-key": self.app}
        h.update(extra or {})
        return h

    def mm(self, method, path, body=None, raw=None, headers=None):
        h = self.mmh(headers)
        data = raw
        if body is not None:
            data = json.dumps(body)
            h.setdefault("Content-Type", "application/json")
        return self.s.request(method, path, data=data, headers=h)


class Guarded:
    """A stack and its world; `check()` asserts the pool is the one it was."""

    def __init__(self, s, world):
        self.s = s
        self.w = world
        self.workers = s.worker_pids()
        self.master = s.arcaded_pid

    def check(self):
        assert self.s.arcaded.poll() is None, "arcaded exited\n" + self.s.log()
        now = self.s.worker_pids()
        assert now == self.workers, f"workers changed: {self.workers} -> {now}\n{self.s.log()[-3000:]}"
        died = [ln for ln in self.s.log().splitlines() if "died (" in ln]
        assert not died, died


def guarded_stack(workers=2, **kw):
    """Module fixture body: yields a Guarded stack."""
    with Stack(workers=workers, **kw) as s:
        deadline = time.monotonic() + 10
        while len(s.worker_pids()) != workers and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(s.worker_pids()) == workers, s.log()
        yield Guarded(s, World(s))


def state(s):
    st = s.ctl("stats")
    return st["last_txn"], st["entries"]


@contextlib.contextmanager
def unchanged(s):
    """The block wrote nothing to the data environment."""
    before = state(s)
    yield
    after = state(s)
    assert after == before, f"the data changed: (last_txn, entries) {before} -> {after}"


def assert_answer(r, status, body, ctype="application/json"):
    assert (r.status_code, r.text) == (status, body), (r.status_code, r.text[:300])
    assert r.headers.get("Content-Type", "").split(";")[0] == ctype, r.headers
    assert r.headers.get("Access-Control-Allow-Origin") == "*", dict(r.headers)


def mm_issue(code, message, path):
    return json.dumps({"error": [{"code": code, "message": message, "path": path}]},
                      separators=(",", ":"))


# --------------------------------------------------------------------------
# a raw FastCGI client, to speak to arcaded's socket without nginx (the
# application must enforce its limits itself, ARCHITECTURE.md)
# --------------------------------------------------------------------------

FCGI_BEGIN, FCGI_END, FCGI_PARAMS, FCGI_STDIN, FCGI_STDOUT, FCGI_STDERR = 1, 3, 4, 5, 6, 7


def _record(rtype, content, req_id=1):
    out = b""
    for i in range(0, max(len(content), 1), 65535):
        chunk = content[i:i + 65535]
        pad = (-len(chunk)) % 8
        out += struct.pack(">BBHHBB", 1, rtype, req_id, len(chunk), pad, 0) + chunk + b"\0" * pad
        if not content:
            break
    return out


def _nv(name, value):
    def ln(n):
        return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)
    return ln(len(name)) + ln(len(value)) + name + value


def fcgi_params(method, uri, host, body_len=None, ctype=None, extra=None):
    path, _, query = uri.partition("?")
    p = {"REQUEST_METHOD": method, "REQUEST_URI": uri, "QUERY_STRING": query,
         "DOCUMENT_URI": path, "SCRIPT_NAME": path, "SERVER_PROTOCOL": "HTTP/1.1",
         "REQUEST_SCHEME": "http", "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "40000",
         "SERVER_ADDR": "127.0.0.1", "SERVER_PORT": host.rsplit(":", 1)[-1],
         "SERVER_NAME": "_", "HTTP_HOST": host, "GATEWAY_INTERFACE": "CGI/1.1"}
    if body_len is not None:
        p["CONTENT_LENGTH"] = str(body_len)
    if ctype:
        p["CONTENT_TYPE"] = ctype
    p.update(extra or {})
    return p


def fcgi_message(params, stdin=b"", close_stdin=True, flags=0):
    """The bytes of one FastCGI request: begin (with flags), params, stdin,
    and stdin's end record unless close_stdin is false."""
    msg = _record(FCGI_BEGIN, struct.pack(">HB5x", 1, flags))
    pb = b"".join(_nv(k.encode(), v.encode() if isinstance(v, str) else v)
                  for k, v in params.items())
    msg += _record(FCGI_PARAMS, pb) + _record(FCGI_PARAMS, b"")
    if stdin:
        msg += _record(FCGI_STDIN, stdin)
    if close_stdin:
        msg += _record(FCGI_STDIN, b"")
    return msg


def fcgi_request(socket_path, params, stdin=b"", close_stdin=True, timeout=30):
    """Sends one FastCGI request; returns (status, headers, body) parsed from
    the CGI answer on STDOUT."""
    sk = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sk.settimeout(timeout)
    try:
        sk.connect(socket_path)
        sk.sendall(fcgi_message(params, stdin, close_stdin))
        out, buf = b"", b""
        while True:
            while len(buf) < 8:
                chunk = sk.recv(65536)
                if not chunk:
                    raise ConnectionError("arcaded closed the connection mid-answer")
                buf += chunk
            _v, rtype, _id, clen, plen, _r = struct.unpack(">BBHHBB", buf[:8])
            while len(buf) < 8 + clen + plen:
                chunk = sk.recv(65536)
                if not chunk:
                    raise ConnectionError("arcaded closed the connection mid-record")
                buf += chunk
            content, buf = buf[8:8 + clen], buf[8 + clen + plen:]
            if rtype == FCGI_STDOUT:
                out += content
            elif rtype == FCGI_END:
                break
    finally:
        sk.close()
    head, _, body = out.partition(b"\r\n\r\n")
    headers = {}
    for line in head.split(b"\r\n"):
        k, _, v = line.partition(b":")
        headers[k.strip().decode().lower()] = v.strip().decode()
    status = int(headers.get("status", "200").split()[0])
    return status, headers, body.decode("utf-8", "replace")


