"""How a worker ends a FastCGI connection (worker_finish in src/worker.c).

Once a request's input has been read to its end record, the worker closes
the connection at once, instead of libfcgi's default of shutting down its
side and waiting (up to 2 s) for the web server to close first. The web
server sees the answer, then end of file, and by then the worker holds no
socket of that connection: it is already back in accept().

Input left unread (a body refused for its size before it was read) keeps
libfcgi's careful close, or the web server, still sending the body, would
get a broken pipe and answer 502 instead of the family's 413:
test_gj_transport.py::test_body_over_1mib_413 goes through nginx for that
(it fails with a 502 when the worker closes at once in that case)."""

import os
import socket
import struct

import pytest

from harness import Stack
from test_hostile_kit import FCGI_BEGIN, FCGI_END, FCGI_PARAMS, FCGI_STDIN, _nv, _record, fcgi_params


@pytest.fixture(scope="module")
def one_worker():
    with Stack(workers=1) as s:
        yield s


def worker_sockets(pid):
    """The socket descriptors a process holds."""
    fd_dir = f"/proc/{pid}/fd"
    out = set()
    for name in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, name))
        except OSError:
            continue            # closed while listing
        if target.startswith("socket:"):
            out.add(target)
    return out


def send_request(sk, params, body):
    pb = b"".join(_nv(k.encode(), v.encode()) for k, v in params.items())
    msg = _record(FCGI_BEGIN, struct.pack(">HB5x", 1, 0))
    msg += _record(FCGI_PARAMS, pb) + _record(FCGI_PARAMS, b"")
    if body:
        msg += _record(FCGI_STDIN, body)
    msg += _record(FCGI_STDIN, b"")
    sk.sendall(msg)


def read_to_eof(sk):
    """Every byte until the worker's end of file; the record types seen."""
    data = b""
    while True:
        chunk = sk.recv(65536)
        if not chunk:
            break
        data += chunk
    types = []
    while data:
        _v, rtype, _id, clen, plen, _r = struct.unpack(">BBHHBB", data[:8])
        types.append(rtype)
        data = data[8 + clen + plen:]
    return types


CASES = {
    "GET, no body": ("GET", "/api/game/v1_2/scores/?game_id=1", b"", None),
    "POST, form body": ("POST", "/api/game/v1_2/scores/add/?game_id=1", b"score=1&sort=1&guest=a",
                        "application/x-www-form-urlencoded"),
    "TeamBattles POST, JSON body": ("POST", "/api/v1/game/matches/m1/scores", b'{"scores":[]}',
                                    "application/json"),
    "MeshMap PATCH, JSON body": ("PATCH", "/api/v1/apps/game-sessions/s1", b'{"score":1}',
                                 "application/json"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_connection_closed_before_the_server_closes(one_worker, case):
    method, uri, body, ctype = CASES[case]
    pid = one_worker.worker_pids()[0]
    idle = worker_sockets(pid)
    params = fcgi_params(method, uri, f"127.0.0.1:{one_worker.port}",
                         body_len=len(body) if body else None, ctype=ctype)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sk:
        sk.settimeout(10)
        sk.connect(one_worker.socket_path)
        send_request(sk, params, body)
        types = read_to_eof(sk)
        # Our end is still open: a worker that waits for us to close first
        # would still hold its end of this connection here.
        held = worker_sockets(pid)
    assert types[-1] == FCGI_END, types
    assert held == idle, (held, idle)
