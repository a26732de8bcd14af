"""Slow clients against nginx (slowloris): many connections that send their
headers or their body a byte at a time, and clients that never read a large
answer. nginx buffers requests and answers, so none of them holds an arcaded
worker: with every slow client connected, normal requests of all three
families still succeed at once, and the pool is unchanged. Bounded: 120
slow connections (the test nginx allows 256), a few seconds."""

import socket
import threading
import time

import pytest

from test_hostile_kit import GJ_OK, guarded_stack

SLOW_HEADERS = 50
SLOW_BODIES = 50
NON_READERS = 20
HOLD_SECONDS = 4.0


@pytest.fixture(scope="module")
def g():
    yield from guarded_stack(workers=2)


@pytest.fixture(autouse=True)
def same_workers(g):
    yield
    g.check()


class Slowloris:
    def __init__(self, port):
        self.port = port
        self.socks = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.thread = None

    def open(self, first_bytes):
        sk = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        sk.sendall(first_bytes)
        with self.lock:
            self.socks.append(sk)

    def start(self, headers_n, bodies_n, target, host):
        for i in range(headers_n):
            self.open(f"GET {target}&slow={i} HTTP/1.1\r\nHost: {host}\r\n".encode())
        for i in range(bodies_n):
            self.open((f"POST /api/v1/apps/players HTTP/1.1\r\nHost: {host}\r\n"
                       f"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
                       '{"displayName":"').encode())
        self.thread = threading.Thread(target=self._drip, daemon=True)
        self.thread.start()

    def _drip(self):
        """One more byte on every connection every half second."""
        n = 0
        while not self.stop.wait(0.5):
            n += 1
            with self.lock:
                for sk in self.socks:
                    try:
                        sk.send(b"X-a: b\r\n" if n % 2 else b"a")
                    except OSError:
                        pass

    def close(self):
        self.stop.set()
        if self.thread:
            self.thread.join(5)
        with self.lock:
            for sk in self.socks:
                sk.close()
            self.socks = []


def normal_requests(g):
    """One ordinary request per family; each must answer at once."""
    w = g.w
    out = []
    r = w.gj("data-store", [("key", "save")])
    out.append(("gj", r.status_code, '"data":"kept"' in r.text))
    r = w.mm("GET", "/api/v1/apps/players")
    out.append(("mm", r.status_code, '"displayName":"mia"' in r.text))
    r = w.tbr("GET", f"/api/v1/game/matches/{w.match}/scores")
    out.append(("tb", r.status_code, '"scores":[]' in r.text))
    r = w.gj("scores/add", [("guest", "steady"), ("score", "1"), ("sort", "1")])
    out.append(("gj write", r.status_code, r.text == GJ_OK))
    return out


def test_slowloris_does_not_pin_the_workers(g):
    s, w = g.s, g.w
    target = w.gj_target("scores", [])
    loris = Slowloris(s.port)
    try:
        loris.start(SLOW_HEADERS, SLOW_BODIES, target, f"127.0.0.1:{s.port}")
        time.sleep(1.0)
        deadline = time.monotonic() + HOLD_SECONDS
        rounds = 0
        while time.monotonic() < deadline:
            got = normal_requests(g)
            # a pinned pool would not answer (nginx's 504 after 30 s)
            assert all(st == 200 and ok for _f, st, ok in got), got
            rounds += 1
        assert rounds >= 2
        with loris.lock:
            alive = len(loris.socks)
        assert alive == SLOW_HEADERS + SLOW_BODIES
    finally:
        loris.close()
    r = w.mm("GET", "/api/v1/apps/players")      # no slow body reached the store
    assert sorted(p["displayName"] for p in r.json()["players"]) == ["alice", "mia"], r.text


def test_clients_that_never_read(g):
    """Large answers to clients that do not read them: nginx takes the
    answer off the worker, which moves on."""
    s, w = g.s, g.w
    big = "y" * 900_000
    assert w.gj_post_raw("data-store/set", f"key=bigread&data={big}".encode(),
                         fields=[("key", "bigread"), ("data", big)]).text == GJ_OK
    target = w.gj_target("data-store", [("key", "bigread"), ("format", "dump")])
    socks = []
    try:
        for _ in range(NON_READERS):
            sk = socket.create_connection(("127.0.0.1", s.port), timeout=5)
            sk.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sk.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{s.port}\r\n\r\n".encode())
            socks.append(sk)
        time.sleep(1.0)
        got = normal_requests(g)
        assert all(st == 200 and ok for _f, st, ok in got), got
    finally:
        for sk in socks:
            sk.close()
