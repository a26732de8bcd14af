"""The shipped nginx site file (nginx/arcade.conf), as the quickstart installs
it, in front of a real arcaded: it serves all three families, and its access
log carries no credential. Query strings are left out (Game Jolt player
tokens and signatures travel in them), and an upload URL's token is cut to
its first 8 characters, as in arcaded's own log (docs/security.md)."""

import os
import re
import time

from harness import REPO, SNIPPET, Stack, target_of

SITE = os.path.join(REPO, "nginx", "arcade.conf")
GIF = b"GIF89a\x01\x00\x01\x00" + b"\x00" * 40


class SiteStack(Stack):
    """A Stack whose nginx runs the site file itself: only the socket, the
    port, the access log's path and the snippet's path are put in."""

    def _nginx_conf(self):
        self.access_log = os.path.join(self.tmp, "site-access.log")
        site = open(SITE).read()
        for old, new in (("server unix:/run/arcade/arcaded.sock;", f"server unix:{self.socket_path};"),
                         ("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{self.port};"),
                         ("/var/log/nginx/arcade.access.log", self.access_log),
                         ("include snippets/arcade.conf;", f"include {SNIPPET};")):
            assert site.count(old) == 1, f"nginx/arcade.conf no longer has {old!r}"
            site = site.replace(old, new)
        conf = super()._nginx_conf()
        return conf[:conf.index("    upstream arcade")] + site + "\n}\n"


def access_lines(path, want, timeout=10.0):
    """The log's lines but the harness's start-up probe (GET scores/), once
    there are `want` of them: nginx writes a line after the answer has
    left, so the client can be faster than the log."""
    deadline = time.monotonic() + timeout
    while True:
        with open(path) as f:
            lines = [ln for ln in f.read().splitlines() if '"GET /api/game/v1_2/scores/ ' not in ln]
        if len(lines) >= want or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


def test_shipped_site_serves_and_logs_no_credential():
    with SiteStack(workers=1) as s:
        g = s.ctl("game", "create", "--name", "site")
        p = s.ctl("player", "create", "--game", g["id"], "--username", "alice")
        r = s.gj_get("users/auth", [("game_id", g["id"]), ("username", "alice"),
                                    ("user_token", p["token"])], g)
        assert (r.status_code, r.text) == (200, '{"response":{"success":"true"}}')
        tb = s.ctl("key", "create", "--game", g["id"], "--kind", "teambattles",
                   "--perm", "uploads=read-write")
        r = s.request("POST", "/api/v1/uploads/image-url", headers={"Authorization": "Bearer " + tb["key"]})
        assert r.status_code == 200, r.text
        url = r.json()["uploadUrl"]
        token = url.rsplit("/", 1)[1]
        r = s.request("POST", target_of(url), data=GIF, headers={"Content-Type": "image/gif"})
        assert r.status_code == 200, r.text
        app = s.ctl("key", "create", "--game", g["id"], "--kind", "app")
        r = s.request("GET", "/api/v1/apps/players?limit=5", headers={"x-app-api-key": app["key"]})
        assert r.status_code == 200, r.text
        lines = access_lines(s.access_log, 4)
    paths = [re.search(r'"(\S+) (\S+) HTTP/1\.1" (\d+) ', ln).groups() for ln in lines]
    assert paths == [
        ("GET", "/api/game/v1_2/users/auth/", "200"),
        ("POST", "/api/v1/uploads/image-url", "200"),
        ("POST", "/api/v1/uploads/" + token[:8] + "...", "200"),
        ("GET", "/api/v1/apps/players", "200"),
    ], lines
    text = "\n".join(lines)
    for secret in (p["token"], token, tb["key"], app["key"], g["private_key"]):
        assert secret.lower() not in text.lower(), secret
    assert "?" not in text and "signature" not in text
