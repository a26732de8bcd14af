"""Secrets at rest (ARCHITECTURE.md, Data: secrets are shown once at
creation and stored as hashes). After creating API keys (`tb_` and app,
one of them revoked), player tokens (created, rotated, made by MeshMap) and
upload URLs, and using each of them, every file under the data directory
and the rate-limit directory is read raw and none of those secrets is found
in any form: lowercase or uppercase hex, the raw bytes the hex stands for,
with or without the `tb_` prefix. The same holds for `arcadectl export`
and `arcadectl backup` when the build has them, and for arcaded's log.

The one documented exception: a Game Jolt game's private key. A Game Jolt
signature is MD5/SHA-1 over the URL *and the key*, so the server must hold
the key itself to check one (ARCHITECTURE.md: "private keys where
possible"). The tests here pin that the key stays usable across a restart,
and that the files that hold it are not readable by other users."""

import json
import os
import stat

import pytest

from harness import Stack, target_of


def forms(secret):
    """Every way a secret could sit in a file in clear."""
    out = {secret.encode(), secret.upper().encode(), secret.lower().encode()}
    hexpart = secret[3:] if secret.startswith("tb_") else secret
    out |= {hexpart.encode(), hexpart.upper().encode()}
    try:
        raw = bytes.fromhex(hexpart)
        out.add(raw)
    except ValueError:
        pass
    return out


def files_under(*dirs):
    for d in dirs:
        for root, _dirs, names in os.walk(d):
            for n in names:
                yield os.path.join(root, n)


def find(secrets_by_name, blobs):
    """[(secret name, where)] for every secret found in any blob."""
    hits = []
    for name, secret in secrets_by_name.items():
        for f in forms(secret):
            for where, blob in blobs.items():
                if f in blob:
                    hits.append((name, where))
    return hits


class World:
    pass


@pytest.fixture(scope="module")
def w(tmp_path_factory):
    with Stack(workers=2) as s:
        x = World()
        x.s = s
        x.tmp = tmp_path_factory.mktemp("secrets")
        g = s.ctl("game", "create", "--name", "secretive")
        x.game = g
        s.ctl("table", "create", "--game", g["id"], "--name", "T")
        x.secrets = {}
        p1 = s.ctl("player", "create", "--game", g["id"], "--username", "alice")
        x.secrets["player token"] = p1["token"]
        p2 = s.ctl("player", "create", "--game", g["id"], "--username", "bob")
        x.secrets["old player token"] = p2["token"]
        p2 = s.ctl("player", "token", "--game", g["id"], "--player", p2["id"])
        x.secrets["rotated player token"] = p2["token"]
        x.alice, x.bob = p1, p2
        tbk = s.ctl("key", "create", "--game", g["id"], "--kind", "teambattles",
                    "--perm", "game.scores=write", "--perm", "uploads=read-write")
        x.secrets["tb_ key"] = tbk["key"]
        app = s.ctl("key", "create", "--game", g["id"], "--kind", "app")
        x.secrets["app key"] = app["key"]
        dead = s.ctl("key", "create", "--game", g["id"], "--kind", "app")
        s.ctl("key", "revoke", "--key-id", dead["id"])
        x.secrets["revoked app key"] = dead["key"]
        # use every credential, so that nothing is only in a creation path
        for p in (p1, p2):
            r = s.gj_get("users/auth", [("game_id", g["id"]), ("username", p["username"]),
                                        ("user_token", p["token"])], g)
            assert r.text == '{"response":{"success":"true"}}', r.text
            r = s.gj_get("sessions/open", [("game_id", g["id"]), ("username", p["username"]),
                                           ("user_token", p["token"])], g)
            assert r.text == '{"response":{"success":"true"}}', r.text
            r = s.gj_get("scores/add", [("game_id", g["id"]), ("username", p["username"]),
                                        ("user_token", p["token"]), ("score", "1"), ("sort", "1")], g)
            assert r.text == '{"response":{"success":"true"}}', r.text
        r = s.request("GET", "/api/v1/apps/players", headers={"x-app-api-key": app["key"]})
        assert r.status_code == 200, r.text
        r = s.request("POST", "/api/v1/apps/players", data='{"displayName":"mm-made"}',
                      headers={"x-app-api-key": app["key"], "Content-Type": "application/json"})
        assert r.status_code == 201, r.text
        r = s.request("GET", "/api/v1/apps/players", headers={"x-app-api-key": dead["key"]})
        assert r.status_code == 401, r.text
        h = {"Authorization": "Bearer " + tbk["key"]}
        used = s.request("POST", "/api/v1/uploads/image-url", headers=h).json()["uploadUrl"]
        x.secrets["used upload token"] = used.rsplit("/", 1)[1]
        r = s.request("POST", target_of(used), data=b"GIF89a\x01\x00\x01\x00" + b"\x00" * 40,
                      headers={"Content-Type": "image/gif"})
        assert r.status_code == 200, r.text
        unused = s.request("POST", "/api/v1/uploads/image-url", headers=h).json()["uploadUrl"]
        x.secrets["unused upload token"] = unused.rsplit("/", 1)[1]
        yield x


def data_blobs(s):
    blobs = {}
    for path in files_under(s.data_dir, s.limits_dir):
        with open(path, "rb") as f:
            blobs[os.path.relpath(path, s.tmp)] = f.read()
    return blobs


def test_secrets_are_what_the_contract_says(w):
    """Sanity: the secrets are long random hex, so a hit cannot be chance."""
    for name, v in w.secrets.items():
        hexpart = v[3:] if v.startswith("tb_") else v
        assert len(hexpart) >= 32 and all(c in "0123456789abcdef" for c in hexpart), (name, v)
    assert w.secrets["tb_ key"].startswith("tb_") and len(w.secrets["tb_ key"]) == 43


def test_no_secret_in_the_data_files(w):
    blobs = data_blobs(w.s)
    assert any(k.endswith("data.mdb") for k in blobs), list(blobs)
    assert sum(len(b) for b in blobs.values()) > 0
    hits = find(w.secrets, blobs)
    assert not hits, f"secrets in clear: {hits}"


def test_the_scan_would_find_a_secret(w):
    """The scan is not blind: data the API stores as given (a data-store
    value) is found in data.mdb."""
    g = w.game
    marker = "f00dfacecafe" * 4
    r = w.s.gj_get("data-store/set", [("game_id", g["id"]), ("key", "m"), ("data", marker)], g)
    assert r.text == '{"response":{"success":"true"}}'
    assert find({"marker": marker}, data_blobs(w.s)), "the marker was not found"


def test_no_secret_in_export_or_backup(w):
    s = w.s
    p = s.ctl_raw("export", json_output=False)
    if p.returncode != 0 and ("unknown" in p.stderr.lower() or "usage" in p.stderr.lower()):
        pytest.skip("this build has no arcadectl export")
    assert p.returncode == 0, p.stderr
    text = p.stdout
    blobs = {"export": text.encode()}
    # export writes keys and values in hex: decode them too
    raw = b""
    for line in text.splitlines():
        doc = json.loads(line)
        for k in ("key", "value"):
            if k in doc:
                raw += bytes.fromhex(doc[k]) + b"\n"
    blobs["export (decoded)"] = raw
    dest = str(w.tmp / "backup")
    p = s.ctl_raw("backup", dest, json_output=False)
    if p.returncode == 0:
        for path in files_under(dest):
            with open(path, "rb") as f:
                blobs["backup/" + os.path.basename(path)] = f.read()
    hits = find(w.secrets, blobs)
    assert not hits, f"secrets in clear: {hits}"


def test_no_credential_in_the_log(w):
    """arcaded's log never carries an API key, a player token, an upload
    token or a private key (keys and player tokens travel in query strings
    and headers, and the log line has the path only; an upload URL's path is
    its credential, so the log keeps the token's first 8 characters). The
    unused upload URL is also tried with a method it does not take and
    with a trailing segment, which no route matches: logged cut short too."""
    unused = w.secrets["unused upload token"]
    for method, path in (("GET", unused), ("POST", unused + "/x")):
        r = w.s.request(method, "/api/v1/uploads/" + path)
        assert r.status_code in (404, 405), (method, path, r.status_code, r.text)
    log = w.s.log().encode()
    secrets = dict(w.secrets)
    secrets["private key"] = w.game["private_key"]
    hits = find(secrets, {"arcaded log": log})
    assert not hits, hits
    for name in ("used upload token", "unused upload token"):
        shown = b"/api/v1/uploads/" + w.secrets[name][:8].encode() + b"... "
        assert shown in log, (name, log[-2000:])
    assert b"POST /api/v1/uploads/image-url 200 " in log


def test_data_files_not_readable_by_others(w):
    """The data files hold Game Jolt private keys in clear: arcade creates
    them closed to other users (0640; the directory itself is the
    operator's, see systemd/ and docs/security.md)."""
    bad = []
    made = list(files_under(w.s.data_dir))
    made += [os.path.join(r, d) for r, ds, _f in os.walk(w.s.data_dir) for d in ds]
    assert any("uploads" in p for p in made), made
    for path in made:
        mode = os.stat(path).st_mode
        if mode & (stat.S_IROTH | stat.S_IWOTH):
            bad.append((path, oct(mode)))
    assert not bad, bad


def test_private_key_is_the_documented_exception(tmp_path):
    """The private key must stay usable: after a restart on the same data,
    signatures made with it still verify (so the server holds the key, not
    a one-way hash of it), and a player's token still authenticates though
    only its hash was kept."""
    data = str(tmp_path / "data")
    with Stack(workers=1, data_dir=data) as s1:
        g = s1.ctl("game", "create", "--name", "kept")
        p = s1.ctl("player", "create", "--game", g["id"], "--username", "kim")
    with Stack(workers=1, data_dir=data) as s2:
        r = s2.gj_get("users/auth", [("game_id", g["id"]), ("username", "kim"),
                                     ("user_token", p["token"])], g)
        assert r.text == '{"response":{"success":"true"}}', r.text
        r = s2.gj_get("users/auth", [("game_id", g["id"]), ("username", "kim"),
                                     ("user_token", p["token"])], g, sha1=True)
        assert r.text == '{"response":{"success":"true"}}', r.text
        blob = open(os.path.join(data, "data.mdb"), "rb").read()
        assert not any(f in blob for f in forms(p["token"]))


def test_tokens_compare_case_insensitively_but_are_hashed(w):
    """Tokens are hex and compare case-insensitively (Game Jolt clients
    upper-case them): the stored hash is of the lowercase form, so an
    uppercase token works and no case variant is stored."""
    g = w.game
    r = w.s.gj_get("users/auth", [("game_id", g["id"]), ("username", "ALICE"),
                                  ("user_token", w.alice["token"].upper())], g)
    assert r.text == '{"response":{"success":"true"}}', r.text
    r = w.s.gj_get("users/auth", [("game_id", g["id"]), ("username", "bob"),
                                  ("user_token", w.secrets["old player token"])], g)
    assert r.text != '{"response":{"success":"true"}}', "a rotated token still works"
    assert not find(w.secrets, data_blobs(w.s))
