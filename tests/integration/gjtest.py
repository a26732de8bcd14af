"""Helpers for the Game Jolt integration tests: exact expected bytes for each
format (docs/gamejolt-contract-notes.md), error strings, and a small client
bound to one game."""

import json
import re
import time

from harness import encode_params, gj_signature, target_of

# ---------------------------------------------------------------- messages
E_GUESTS = "Guests are not allowed to enter scores for this game."
E_OWNER = "You must pass in a user/guest for this score."
E_SCORE = "You must enter a score."
E_SORT = "You must enter a sort value for this score, and it must be numeric."
E_NOSIG = "You must enter a signature with your request."
E_BADSIG = "The signature you entered for the request is invalid."
E_GAME = "The game ID you passed in does not point to a valid game."
E_USER = "No such user with the credentials passed in could be found."
E_TABLE = ("The high score table ID you passed in does not belong to this "
           "game or has been deleted.")
E_EXCL_GUEST = "'username' and 'guest' are mutually exclusive"
E_EXCL_BW = "'better-than' and 'worse-than' are mutually exclusive"
E_BW_NUM = "'better_than' and 'worse_than' must be numeric."
E_RANK = "Could not get a rank for the parameters you entered."
E_ENDPOINT = "Unknown endpoint."

INT64_MAX = 9223372036854775807
INT64_MIN = -9223372036854775808

SCORE_KEYS = ["score", "sort", "extra_data", "user", "user_id", "guest",
              "stored", "stored_timestamp"]
TABLE_KEYS = ["id", "name", "description", "primary"]

XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'

CONTENT_TYPES = {"json": "application/json", "keypair": "text/plain",
                 "dump": "text/plain", "xml": "text/xml"}


# ---------------------------------------------------------------- encoders
def php_json(obj):
    """Compact JSON as PHP's json_encode writes it: `/` as `\\/`, non-ASCII
    as \\uXXXX (surrogate pairs above U+FFFF)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/")


def kp_escape(v):
    return (str(v).replace("\\", "\\\\").replace('"', '\\"')
            .replace("\r", "\\r").replace("\n", "\\n"))


def keypair(pairs):
    return "".join(f'{k}:"{kp_escape(v)}"\r\n' for k, v in pairs)


def cdata(v):
    return "<![CDATA[" + str(v).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def xml_fields(pairs):
    return "".join(f"<{k}>{cdata(v)}</{k}>" for k, v in pairs)


# ------------------------------------------------------- expected documents
def ok_body(fmt, pairs=(), lists=()):
    """Success document. `pairs`: (key, value) of scalar results; `lists`:
    (list name, item element name, [item pairs, ...])."""
    pairs = list(pairs)
    if fmt == "json":
        resp = {"success": "true"}
        resp.update(pairs)
        for name, _item, items in lists:
            resp[name] = [dict(it) for it in items]
        return php_json({"response": resp})
    if fmt in ("keypair", "dump"):
        flat = list(pairs)
        for _name, _item, items in lists:
            for it in items:
                flat.extend(it)
        return ("SUCCESS\r\n" if fmt == "dump" else 'success:"true"\r\n') + keypair(flat)
    if fmt == "xml":
        body = "<response><success>" + cdata("true") + "</success>" + xml_fields(pairs)
        for name, item, items in lists:
            body += f"<{name}>" + "".join(
                f"<{item}>" + xml_fields(it) + f"</{item}>" for it in items) + f"</{name}>"
        return XML_HEAD + body + "</response>"
    raise ValueError(fmt)


def err_body(fmt, msg):
    if fmt == "json":
        return php_json({"response": {"success": "false", "message": msg}})
    if fmt == "keypair":
        return keypair([("success", "false"), ("message", msg)])
    if fmt == "dump":
        return "FAILURE\r\n" + msg
    if fmt == "xml":
        return (XML_HEAD + "<response><success>" + cdata("false") + "</success><message>"
                + cdata(msg) + "</message></response>")
    raise ValueError(fmt)


def _body_matches(r, expected, fmt):
    text = r.content.decode("utf-8")
    if fmt == "xml" and text.endswith("\n") and not expected.endswith("\n"):
        text = text[:-1]        # the contract does not fix a final newline for xml
    return text == expected


def media_type(r):
    return r.headers.get("Content-Type", "").split(";")[0].strip().lower()


def assert_cors(r):
    assert r.headers.get("Access-Control-Allow-Origin") == "*", dict(r.headers)


def assert_body(r, expected, fmt="json", status=200):
    assert r.status_code == status, (r.status_code, r.text)
    assert _body_matches(r, expected, fmt), \
        f"\nexpected: {expected!r}\n     got: {r.content!r}"
    assert media_type(r) == CONTENT_TYPES[fmt], r.headers.get("Content-Type")
    assert_cors(r)


def assert_ok(r, fmt="json", pairs=(), lists=()):
    assert_body(r, ok_body(fmt, pairs, lists), fmt)


def assert_error(r, msg, fmt="json"):
    assert_body(r, err_body(fmt, msg), fmt)


def assert_envelope_error(r, status, fmt="json"):
    """A request-level error whose message the contract does not fix: exact
    status, Game Jolt envelope, success "false", some message."""
    assert r.status_code == status, (r.status_code, r.text)
    assert_cors(r)
    assert media_type(r) == CONTENT_TYPES[fmt], r.headers.get("Content-Type")
    if fmt == "json":
        doc = json.loads(r.text)
        assert list(doc) == ["response"]
        assert list(doc["response"]) == ["success", "message"], doc
        assert doc["response"]["success"] == "false"
        assert isinstance(doc["response"]["message"], str) and doc["response"]["message"]
        assert r.text == err_body("json", doc["response"]["message"])
    elif fmt == "keypair":
        m = re.fullmatch(r'success:"false"\r\nmessage:"([^\r\n]+)"\r\n', r.text)
        assert m, repr(r.text)


# ------------------------------------------------------------------ scores
STORED_RE = re.compile(r"(\d+) (second|minute|hour|day|week|month|year)(s?) ago")


def check_stored(stored, ts, now=None):
    now = time.time() if now is None else now
    assert isinstance(ts, int) and not isinstance(ts, bool), repr(ts)
    assert now - 600 <= ts <= now + 2, (ts, now)
    m = STORED_RE.fullmatch(stored)
    assert m, repr(stored)
    n = int(m.group(1))
    assert (m.group(3) == "") == (n == 1), f"plural form: {stored!r}"
    if now - ts < 55:
        assert m.group(2) == "second", stored
        assert abs(n - (now - ts)) <= 3, (stored, now - ts)


def score_item(sort, score=None, extra_data="", user="", user_id="", guest=""):
    return {"score": str(sort) if score is None else score, "sort": str(sort),
            "extra_data": extra_data, "user": user,
            "user_id": "" if user_id in ("", None) else str(user_id), "guest": guest}


def assert_scores(r, expected):
    """JSON scores answer: field order and types, then the exact bytes."""
    assert r.status_code == 200, r.text
    assert media_type(r) == "application/json", r.headers.get("Content-Type")
    assert_cors(r)
    doc = json.loads(r.text)
    resp = doc["response"]
    assert list(resp) == ["success", "scores"], resp
    assert resp["success"] == "true"
    got = resp["scores"]
    assert isinstance(got, list)
    for it in got:
        assert list(it) == SCORE_KEYS, it
        for k in SCORE_KEYS[:-1]:
            assert isinstance(it[k], str), (k, it)
        check_stored(it["stored"], it["stored_timestamp"])
    summary = [{k: it[k] for k in SCORE_KEYS[:6]} for it in got]
    assert summary == expected
    full = []
    for exp, it in zip(expected, got):
        d = dict(exp)
        d["stored"] = it["stored"]
        d["stored_timestamp"] = it["stored_timestamp"]
        full.append(d)
    assert r.text == php_json({"response": {"success": "true", "scores": full}})
    return got


def sorts_of(r):
    doc = json.loads(r.text)
    assert doc["response"]["success"] == "true", r.text
    return [int(s["sort"]) for s in doc["response"]["scores"]]


# ------------------------------------------------------------------ client
class GJ:
    """A game of the stack with its primary table; requests signed with its key."""

    def __init__(self, stack, game, table):
        self.s = stack
        self.game = game
        self.table = table
        self.id = str(game["id"])

    def new_table(self, name="T", *opts):
        return self.s.ctl("table", "create", "--game", self.game["id"], "--name", name, *opts)

    def player(self, username):
        return self.s.ctl("player", "create", "--game", self.game["id"], "--username", username)

    def params(self, params):
        p = [("game_id", self.id)]
        if isinstance(params, dict):
            params = list(params.items())
        return p + [(k, v) for k, v in params if v is not None]

    def get(self, endpoint, params=(), **kw):
        return self.s.gj_get(endpoint, self.params(params), self.game, **kw)

    def post(self, endpoint, query=(), fields=(), **kw):
        return self.s.gj_post(endpoint, self.params(query), list(fields), self.game, **kw)

    # shorthands
    def add(self, sort, score=None, table=None, **p):
        params = [("score", str(sort) if score is None else score), ("sort", str(sort))]
        if table is not None:
            params.append(("table_id", str(table["id"] if isinstance(table, dict) else table)))
        params += list(p.items())
        return self.get("scores/add", params)

    def add_ok(self, sort, **kw):
        r = self.add(sort, **kw)
        assert_ok(r)
        return r

    def add_guest(self, guest, sort, **kw):
        return self.add_ok(sort, guest=guest, **kw)

    def add_user(self, player, sort, **kw):
        return self.add_ok(sort, username=player["username"], user_token=player["token"], **kw)

    def fetch(self, table=None, **p):
        params = []
        if table is not None:
            params.append(("table_id", str(table["id"] if isinstance(table, dict) else table)))
        params += list(p.items())
        return self.get("scores", params)

    def rank(self, sort, table=None, **p):
        params = [("sort", str(sort))]
        if table is not None:
            params.append(("table_id", str(table["id"] if isinstance(table, dict) else table)))
        params += list(p.items())
        return self.get("scores/get-rank", params)

    def assert_rank(self, sort, expected, table=None):
        assert_ok(self.rank(sort, table), pairs=[("rank", str(expected))])


def new_gj(stack, name="game", table_opts=()):
    game = stack.ctl("game", "create", "--name", name)
    table = stack.ctl("table", "create", "--game", game["id"], "--name", "Main", *table_opts)
    return GJ(stack, game, table)


def signed_target(stack, url, game, sha1=False, fields=None):
    return target_of(url + "&signature=" + gj_signature(url, game["private_key"], fields, sha1))


__all__ = [n for n in dir() if not n.startswith("_")] + ["encode_params"]
