"""How a worker ends a FastCGI connection (worker_finish in src/worker.c).

Once a request's input has been read to its end record, the worker closes
the connection at once, instead of libfcgi's default of shutting down its
side and waiting (up to 2 s) for the web server to close first. The web
server sees the answer, then end of file, and by then the worker holds no
socket of that connection: it is already back in accept().

Input left unread (a body refused for its size before it was read) keeps
libfcgi's careful close, or the web server, still sending the body, would
get a broken pipe and answer 502 instead of the family's 413 (through
nginx: test_gj_transport.py::test_body_over_1mib_413). So does every
request on a connection the web server keeps (FCGI_KEEP_CONN)."""

import os
import socket
import struct

import pytest

from harness import Stack
from test_hostile_kit import FCGI_END, fcgi_message, fcgi_params


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


KEEP_CONN = 1  # FCGI_BEGIN_REQUEST flag: the web server keeps the connection


def send_request(sk, params, body, flags=0, end=True):
    """One request; end=False leaves the body unfinished (no end record)."""
    sk.sendall(fcgi_message(params, body, close_stdin=end, flags=flags))


def record_types(data):
    types = []
    while len(data) >= 8:
        _v, rtype, _id, clen, plen, _r = struct.unpack(">BBHHBB", data[:8])
        types.append(rtype)
        data = data[8 + clen + plen:]
    return types


def read_to_eof(sk):
    """Every byte until the worker's end of file; the record types seen."""
    data = b""
    while True:
        chunk = sk.recv(65536)
        if not chunk:
            break
        data += chunk
    return record_types(data)


def read_answer(sk, settle=0.5):
    """The records up to FCGI_END_REQUEST, then whatever else arrives within
    `settle` seconds; whether the worker ended the connection (EOF)."""
    data, eof = b"", False
    while FCGI_END not in record_types(data):
        chunk = sk.recv(65536)
        if not chunk:
            return record_types(data), True
        data += chunk
    sk.settimeout(settle)
    try:
        eof = sk.recv(65536) == b""
    except socket.timeout:
        pass
    sk.settimeout(10)
    return record_types(data), eof


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


def refused_params(port):
    """A POST whose declared body is over the worker's --max-body."""
    return fcgi_params("POST", "/api/game/v1_2/scores/add/?game_id=1", f"127.0.0.1:{port}",
                       body_len=2 * 1024 * 1024, ctype="application/x-www-form-urlencoded")


def test_unread_body_keeps_the_careful_close(one_worker):
    """A body refused before it was read: the worker shuts its side down and
    waits for ours; it still holds the connection when we see its EOF."""
    pid = one_worker.worker_pids()[0]
    idle = worker_sockets(pid)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sk:
        sk.settimeout(10)
        sk.connect(one_worker.socket_path)
        send_request(sk, refused_params(one_worker.port), b"score=1&" * 1000, end=False)
        types = read_to_eof(sk)
        held = worker_sockets(pid)
    assert types[-1] == FCGI_END, types
    assert held != idle, (held, idle)


def test_kept_connection_is_never_closed_at_once(one_worker):
    """FCGI_KEEP_CONN: after a request read to its end the connection stays
    open, and a later refused body on it still gets the careful close (or
    none): the worker never drops it at once while input is unread."""
    pid = one_worker.worker_pids()[0]
    idle = worker_sockets(pid)
    get = fcgi_params("GET", "/api/game/v1_2/scores/?game_id=1", f"127.0.0.1:{one_worker.port}")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sk:
        sk.settimeout(10)
        sk.connect(one_worker.socket_path)
        send_request(sk, get, b"", flags=KEEP_CONN)
        types, eof = read_answer(sk)
        assert types[-1] == FCGI_END and not eof, (types, eof)
        send_request(sk, refused_params(one_worker.port), b"score=1&" * 1000, flags=KEEP_CONN, end=False)
        types, _eof = read_answer(sk)
        held = worker_sockets(pid)
    assert types[-1] == FCGI_END, types
    assert held != idle, (held, idle)
