"""Helpers for the TeamBattles integration tests (docs/teambattles.md): a
small client bound to one game and its developer key, exact error bodies,
and tiny valid images of every accepted type."""

import itertools
import json
import re

ALL_PERMS = ("game.scores=write", "game.lifecycle=read-write",
             "game.matches=read", "uploads=read-write")

ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
SID = re.compile(r"^[0-9a-f]{32}$")

_names = itertools.count(1)


def err(code, details=None):
    """The exact body of a TeamBattles error."""
    body = {"error": code}
    if details is not None:
        body["details"] = details
    return body


D_OBJECT = "the body must be a JSON object"
D_ITEMS = "items must be an array of 1 to 50 map scores"
D_MAPS = "maps must be an array of 1 to 7 map scores"
D_LIMIT = "limit must be a whole number from 1 to 100"
D_CURSOR = "cursor must be one this API returned"
D_STATUS = ("status must be one of PENDING, ACCEPTED, READY, IN_PROGRESS, "
            "COMPLETED, CANCELLED, DISPUTED, FORFEITED")
D_MAPINDEX = "mapIndex must be a whole number below the match's bestOf"
D_STATS = "playerStats must be an object keyed by user id"
D_IMAGE = "the body must be a png, jpeg, gif, webp or avif image"

# The smallest byte strings each sniffer accepts, padded to look real.
IMAGES = {
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40,
    "jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40,
    "gif": b"GIF89a\x01\x00\x01\x00" + b"\x00" * 40,
    "webp": b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 40,
    "avif": b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + b"\x00" * 40,
}


def item(match, index, cs=10, os_=5, map_id="de_dust2", **extra):
    """One batch item."""
    it = {"matchId": str(match["id"] if isinstance(match, dict) else match),
          "mapIndex": index, "mapId": map_id,
          "creatorTeamScore": cs, "opponentTeamScore": os_}
    it.update(extra)
    return it


def ok(match, index):
    return {"matchId": str(match["id"]), "mapIndex": index, "status": "confirmed"}


def failed(match_id, index, code):
    return {"matchId": match_id, "mapIndex": index, "status": "failed", "error": code}


class TB:
    """One game, its teams and matches, and a developer key with every
    permission (unless told otherwise)."""

    def __init__(self, stack, perms=ALL_PERMS, key_args=()):
        self.s = stack
        self.game = stack.ctl("game", "create", "--name", f"tb-{next(_names)}")
        self.gid = self.game["id"]
        self.key = self.new_key(*perms, extra=key_args)
        self.teams = [self.team("Alpha", "ALP"), self.team("Bravo")]

    def new_key(self, *perms, extra=(), kind="teambattles"):
        args = ["key", "create", "--game", self.gid, "--kind", kind]
        for p in perms:
            args += ["--perm", p]
        return self.s.ctl(*args, *extra)["key"]

    def team(self, name, tag=None):
        args = ["team", "create", "--game", self.gid, "--name", name]
        if tag:
            args += ["--tag", tag]
        return self.s.ctl(*args)

    def match(self, best_of=3, status="READY", mode=None):
        args = ["match", "create", "--game", self.gid,
                "--creator-team", self.teams[0]["id"],
                "--opponent-team", self.teams[1]["id"],
                "--best-of", best_of, "--status", status]
        if mode:
            args += ["--game-mode", mode]
        return self.s.ctl(*args)

    def pending(self, match, index, cs, os_, map_id=None):
        args = ["score", "pending", "--match", match["id"], "--map-index", index,
                "--creator-score", cs, "--opponent-score", os_]
        if map_id:
            args += ["--map-id", map_id]
        return self.s.ctl(*args)

    # -- HTTP ------------------------------------------------------------

    def call(self, method, path, body=None, key=None, raw=None, headers=None):
        h = {"Authorization": "Bearer " + (key or self.key)}
        if key == "":
            h = {}
        data = raw
        if body is not None:
            data = json.dumps(body)
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        return self.s.request(method, path, data=data, headers=h)

    def batch(self, items, **kw):
        return self.call("POST", "/api/v1/game/matches/batch-scores", {"items": items}, **kw)

    def scores(self, match, **kw):
        return self.call("GET", f"/api/v1/game/matches/{match['id']}/scores", **kw)

    def map_score(self, match, index, body, **kw):
        return self.call("POST", f"/api/v1/game/matches/{match['id']}/scores/{index}", body, **kw)

    def maps(self, match, maps, **kw):
        return self.call("POST", f"/api/v1/game/matches/{match['id']}/scores", {"maps": maps}, **kw)

    def stats(self, match, body, **kw):
        return self.call("POST", f"/api/v1/game/matches/{match['id']}/player-stats", body, **kw)

    def status(self, match, status, **kw):
        return self.call("PATCH", f"/api/v1/game/matches/{match['id']}/status", {"status": status}, **kw)

    def list(self, body=None, **kw):
        if body is None:
            return self.call("POST", "/api/v1/game/matches", raw=b"", **kw)
        return self.call("POST", "/api/v1/game/matches", body, **kw)

    def listed(self, match):
        """The match as the list route shows it (pages through all)."""
        cursor = None
        while True:
            body = {"limit": 100}
            if cursor:
                body["cursor"] = cursor
            r = self.list(body).json()
            for m in r["matches"]:
                if m["id"] == str(match["id"]):
                    return m
            if not r["hasMore"]:
                raise AssertionError(f"match {match['id']} not listed")
            cursor = r["cursor"]

    def upload_url(self, **kw):
        r = self.call("POST", "/api/v1/uploads/image-url", **kw)
        assert r.status_code == 200, r.text
        return r.json()["uploadUrl"]

    def upload(self, data, url=None, ctype="image/png"):
        url = url or self.upload_url()
        target = url.split("://", 1)[1]
        target = target[target.index("/"):]
        return self.s.request("POST", target, data=data, headers={"Content-Type": ctype})

    def storage_id(self, kind="png"):
        r = self.upload(IMAGES[kind])
        assert r.status_code == 200, r.text
        return r.json()["storageId"]
