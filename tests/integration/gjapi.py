"""Helpers for the whole-Game-Jolt-API integration tests (test_gj_api_*.py).

Written from shared/design/API-GAMEJOLT.md and docs/gamejolt.md, not from the
C code:

* `render(fmt, data, ...)` builds the exact bytes of an answer in any of the
  four formats, with nested lists (batch `responses` holding `scores` ...).
* Values that depend on the clock (`*_timestamp`, relative times, time/
  fields) are written in the expected document as `Volatile` placeholders;
  `assert_doc` reads those values out of the answer, checks each one (type
  per format, range, shape), puts them in and then compares the whole body
  byte for byte.
* The arcade-chosen messages (docs/gamejolt.md, "Messages arcade had to
  choose") as constants, and a few builders (users, trophies, batch
  sub-requests).
"""

import hashlib
import json
import re
import time

from harness import encode_params, gj_signature, target_of
from gjtest import (CONTENT_TYPES, E_BADSIG, E_GAME, E_NOSIG, E_USER, STORED_RE,
                    XML_HEAD, assert_cors, cdata, kp_escape, media_type, php_json)

FORMATS = ("json", "keypair", "dump", "xml")
VERSIONS = ("v1", "v1_1", "v1_2")
DEFAULT_FMT = {"v1": "keypair", "v1_1": "keypair", "v1_2": "json"}

# ---------------------------------------------- docs/gamejolt.md messages
E_NEED_USER = "You must pass in a username or user_id."
E_NO_USER_FOUND = "No such user could be found."
E_NO_SESSION = "There is no open session for this user."
E_STATUS = "The status must be active or idle."
E_NEED_TROPHY = "You must pass in a trophy ID."
E_BAD_TROPHY = "The trophy ID you passed in does not belong to this game."
E_HAS_TROPHY = "The user already has this trophy."
E_NOT_HAS_TROPHY = "The user does not have this trophy."
E_KEY = "You must enter a key."
E_KEY_LONG = "The key is too long (at most 255 bytes)."
E_NO_ITEM = "There is no item with the key passed in."
E_DATA = "You must enter data."
E_DATA_LONG = "The data is too long (at most 1000000 bytes)."
E_OP = "The operation must be add, subtract, multiply, divide, append or prepend."
E_VALUE = "You must enter a value for the operation."
E_NUMERIC = "This operation needs numeric data and a numeric value."
E_DIV0 = "You cannot divide by zero."
E_RANGE = "The result is out of range."
E_BATCH_NONE = "You must pass in at least one request."
E_BATCH_MANY = "You can pass in at most 50 requests."
E_BATCH_EXCL = "'parallel' and 'break_on_error' are mutually exclusive"
E_BATCH_DUMP = "The dump format is not allowed in batch requests."
E_BATCH_NESTED = "A batch request cannot contain another batch request."
E_MANY_IDS = "You can pass in at most 100 IDs."

__all__ = []  # filled at the end

# XML element of one item of each list (docs/gamejolt.md, "Formats").
ITEM_NAMES = {"scores": "score", "tables": "table", "users": "user",
              "trophies": "trophy", "keys": "key", "friends": "friend",
              "responses": "response"}

# A value with everything the formats must escape: quotes, backslash, CR, LF,
# "]]>", "/", non-ASCII in the BMP and above it.
NASTY = 'q"uo\'te \\back\r\nline]]>cdata </tag> & é 中 😀 end'


# ------------------------------------------------------------ volatiles
class Volatile:
    """A placeholder for a value that depends on the clock. `check(value,
    fmt)` gets the value as the answer carries it (a Python int or str for
    json, always a str for the text formats) and asserts on it."""

    def __init__(self, check, name="volatile"):
        self.check = check
        self.name = name

    def __repr__(self):
        return f"<{self.name}>"


def _as_int(v, fmt, what):
    if fmt == "json":
        assert isinstance(v, int) and not isinstance(v, bool), \
            f"{what}: json must carry a number, got {v!r}"
        return v
    assert isinstance(v, str) and re.fullmatch(r"-?\d+", v), f"{what}: {v!r}"
    return int(v)


def _check_ts(v, fmt):
    ts = _as_int(v, fmt, "timestamp")
    now = time.time()
    assert now - 900 <= ts <= now + 3, (ts, now)


def _check_ago(v, fmt):
    assert isinstance(v, str), f"relative time must be a string: {v!r}"
    m = STORED_RE.fullmatch(v)
    assert m, f"not relative English time: {v!r}"
    n = int(m.group(1))
    assert (m.group(3) == "") == (n == 1), f"plural form: {v!r}"
    # everything in these tests happened within the last few minutes
    assert m.group(2) in ("second", "minute"), v


def _check_recent_ago(v, fmt):
    _check_ago(v, fmt)
    m = STORED_RE.fullmatch(v)
    assert m.group(2) == "second" and int(m.group(1)) <= 30, v


def int_between(lo, hi, name="int"):
    def check(v, fmt):
        n = _as_int(v, fmt, name)
        assert lo <= n <= hi, (name, n)
    return Volatile(check, name)


TS = Volatile(_check_ts, "timestamp")          # number in json, near now
AGO = Volatile(_check_recent_ago, "ago")       # "N seconds ago", just now


# ------------------------------------------------------------ rendering
def _leaves(success, message, data):
    """(key, value) of every scalar in document order, as rendered."""
    out = [("success", "true" if success else "false")]
    if message is not None:
        out.append(("message", message))

    def walk(d):
        for k, v in d.items():
            if isinstance(v, list):
                for it in v:
                    if isinstance(it, dict):
                        walk(it)
                    else:
                        out.append((k, it))
            else:
                out.append((k, v))
    walk(data or {})
    return out


def _kp_members(d):
    out = ""
    for k, v in d.items():
        if isinstance(v, list):
            for it in v:
                out += _kp_members(it) if isinstance(it, dict) else f'{k}:"{kp_escape(it)}"\r\n'
        else:
            out += f'{k}:"{kp_escape(v)}"\r\n'
    return out


def _xml_members(d):
    out = ""
    for k, v in d.items():
        out += f"<{k}>"
        if isinstance(v, list):
            item = ITEM_NAMES[k]
            for it in v:
                out += f"<{item}>" + (_xml_members(it) if isinstance(it, dict) else cdata(it)) \
                    + f"</{item}>"
        else:
            out += cdata(v)
        out += f"</{k}>"
    return out


def _json_ready(v):
    if isinstance(v, dict):
        return {k: _json_ready(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_json_ready(x) for x in v]
    return v


def render(fmt, data=None, success=True, message=None, raw=None):
    """Exact answer body. `data`: dict of str | int | [dict...]; ints stay
    numbers in json and are written as decimal text elsewhere. `raw`: the
    dump body after SUCCESS\\r\\n (data-store fetch)."""
    data = data or {}
    ok = "true" if success else "false"
    if fmt == "json":
        resp = {"success": ok}
        if message is not None:
            resp["message"] = message
        resp.update(_json_ready(data))
        return php_json({"response": resp})
    if fmt == "keypair":
        return f'success:"{ok}"\r\n' + (f'message:"{kp_escape(message)}"\r\n'
                                         if message is not None else "") + _kp_members(data)
    if fmt == "dump":
        if not success:
            return "FAILURE\r\n" + (message or "")
        return "SUCCESS\r\n" + (raw if raw is not None else _kp_members(data))
    if fmt == "xml":
        return (XML_HEAD + "<response><success>" + cdata(ok) + "</success>"
                + ("<message>" + cdata(message) + "</message>" if message is not None else "")
                + _xml_members(data) + "</response>")
    raise ValueError(fmt)


# ------------------------------------------------------ reading answers
def _unescape_kp(v):
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), v)


def answer_leaves(text, fmt):
    """(key, value) of every scalar of an answer, in document order."""
    if fmt == "json":
        out = []

        def walk(k, v):
            if isinstance(v, dict):
                for kk, vv in v.items():
                    walk(kk, vv)
            elif isinstance(v, list):
                for it in v:
                    walk(k, it)
            else:
                out.append((k, v))
        doc = json.loads(text)
        walk(None, doc["response"])
        return out
    if fmt in ("keypair", "dump"):
        body = text
        if fmt == "dump":
            head, _, body = text.partition("\r\n")
            out = [("success", "true" if head == "SUCCESS" else "false")]
        else:
            out = []
        for m in re.finditer(r'([^:\r\n"]+):"((?:[^"\\\r\n]|\\.)*)"\r\n', body):
            out.append((m.group(1), _unescape_kp(m.group(2))))
        return out
    if fmt == "xml":
        out = []
        for m in re.finditer(r"<([A-Za-z_]+)>((?:<!\[CDATA\[(?:(?!\]\]>).)*\]\]>)+)</\1>",
                             text, re.S):
            parts = re.findall(r"<!\[CDATA\[((?:(?!\]\]>).)*)\]\]>", m.group(2), re.S)
            out.append((m.group(1), "".join(parts)))
        return out
    raise ValueError(fmt)


def _substitute(data, values):
    """Copy of data with each Volatile replaced by the next of values."""
    it = iter(values)

    def sub(d):
        out = {}
        for k, v in d.items():
            if isinstance(v, list):
                out[k] = [sub(x) if isinstance(x, dict) else
                          (next(it) if isinstance(x, Volatile) else x) for x in v]
            elif isinstance(v, Volatile):
                out[k] = next(it)
            else:
                out[k] = v
        return out
    return sub(data or {})


def expected_body(r, fmt, data=None, success=True, message=None, raw=None):
    """The expected bytes with the answer's own values in place of the
    Volatile placeholders (each checked first)."""
    exp = _leaves(success, message, data)
    vols = [(k, v) for k, v in exp if isinstance(v, Volatile)]
    if not vols:
        return render(fmt, data, success, message, raw)
    got = answer_leaves(r.content.decode("utf-8"), fmt)
    assert [k for k, _ in got] == [k for k, _ in exp], \
        f"\nfields expected: {exp!r}\n           got: {got!r}"
    values = []
    for (k, e), (_, g) in zip(exp, got):
        if isinstance(e, Volatile):
            e.check(g, fmt)
            values.append(g)
    return render(fmt, _substitute(data, values), success, message, raw)


def assert_doc(r, fmt="json", data=None, success=True, message=None, raw=None, status=200):
    """Exact status, content type, CORS and body bytes."""
    assert r.status_code == status, (r.status_code, r.text)
    assert media_type(r) == CONTENT_TYPES[fmt], (fmt, r.headers.get("Content-Type"))
    assert_cors(r)
    expected = expected_body(r, fmt, data, success, message, raw)
    got = r.content.decode("utf-8")
    if fmt == "xml" and got.endswith("\n") and not expected.endswith("\n"):
        got = got[:-1]          # the contract does not fix a final newline for xml
    assert got == expected, f"\nexpected: {expected!r}\n     got: {r.content!r}"


def assert_fail(r, message, fmt="json"):
    assert_doc(r, fmt, success=False, message=message)


def assert_success(r, fmt="json", **data):
    assert_doc(r, fmt, data=data)


def jresp(r):
    """The `response` object of a json answer (asserting HTTP 200)."""
    assert r.status_code == 200, (r.status_code, r.text)
    doc = json.loads(r.text)
    assert list(doc) == ["response"], doc
    return doc["response"]


def with_fmt(params, fmt):
    """params + format=fmt (fmt None: no format parameter)."""
    params = list(params.items()) if isinstance(params, dict) else list(params)
    return params + ([("format", fmt)] if fmt else [])


# ------------------------------------------------------------- builders
def creds(player):
    return [("username", player["username"]), ("user_token", player["token"])]


def user_item(player, last_logged_in=AGO, avatar_url=""):
    """One users/ item (docs/gamejolt.md, deliberate differences)."""
    return {"id": str(player["id"]), "type": "User", "username": player["username"],
            "avatar_url": avatar_url, "signed_up": AGO, "signed_up_timestamp": TS,
            "last_logged_in": last_logged_in, "last_logged_in_timestamp": TS,
            "status": "Active", "developer_name": player["username"],
            "developer_website": "", "developer_description": ""}


DIFFICULTY = {"bronze": "Bronze", "silver": "Silver", "gold": "Gold", "platinum": "Platinum"}


def make_trophy(gj, title="T", description="D", difficulty="bronze", image_url=None):
    args = ["trophy", "create", "--game", gj.game["id"], "--title", title,
            "--description", description, "--difficulty", difficulty]
    if image_url is not None:
        args += ["--image-url", image_url]
    t = gj.s.ctl(*args)
    t["_difficulty"] = difficulty
    t["_image_url"] = image_url or ""
    t["_title"], t["_description"] = title, description
    return t


def trophy_item(t, achieved="false"):
    """One trophies/ item; `difficulty` as Game Jolt names the levels
    (Bronze, Silver, Gold, Platinum)."""
    return {"id": str(t["id"]), "title": t["_title"], "description": t["_description"],
            "difficulty": DIFFICULTY[t["_difficulty"]], "image_url": t["_image_url"],
            "achieved": achieved}


def befriend(gj, a, b):
    return gj.s.ctl("friend", "add", "--game", gj.game["id"], "--player", a["id"],
                    "--player", b["id"])


def time_data():
    return {"timestamp": TS, "timezone": "UTC",
            "year": int_between(2000, 3000, "year"), "month": int_between(1, 12, "month"),
            "day": int_between(1, 31, "day"), "hour": int_between(0, 23, "hour"),
            "minute": int_between(0, 59, "minute"), "second": int_between(0, 60, "second")}


# ---------------------------------------------------------------- batch
def sub_request(game_id, endpoint, params=(), key=None, game=None, sha1=False):
    """A batch sub-request: the relative URL "/endpoint/?game_id=G&..." and
    `&signature=` + H(that relative URL + private key). `key` overrides the
    signing key (default: game's)."""
    rel = "/" + endpoint.strip("/") + "/?" + encode_params([("game_id", str(game_id))]
                                                           + list(params))
    key = key if key is not None else game["private_key"]
    h = hashlib.sha1 if sha1 else hashlib.md5
    return rel + "&signature=" + h((rel + key).encode("utf-8")).hexdigest()


def sub(gj, endpoint, params=(), **kw):
    return sub_request(gj.id, endpoint, params, game=gj.game, **kw)


def batch_get(gj, subs, extra=(), **kw):
    return gj.get("batch", [("requests[]", u) for u in subs] + list(extra), **kw)


def batch_post(gj, subs, extra=(), **kw):
    return gj.post("batch", list(extra), [("requests[]", u) for u in subs], **kw)


__all__ = [n for n in dir() if not n.startswith("_")] + [
    "E_BADSIG", "E_GAME", "E_NOSIG", "E_USER", "gj_signature", "target_of"]
