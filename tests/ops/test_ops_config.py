"""The config file (/etc/arcade/arcaded.conf): every command-line option is
a directive, a bad line stops arcaded with the file and line, the command
line wins over the file, and the shipped commented example is complete and
valid (as shipped and with every line uncommented)."""

import os
import re
import subprocess

import pytest

from harness import ARCADED, Stack
from opslib import EXAMPLE_CONF, descendants, exe_name

# A valid value and an invalid one for each option of `arcaded --help`. An
# option added without a line here fails test_every_option_is_a_directive.
VALUES = {
    "data": ("/var/lib/arcade", None),
    "limits": ("/run/arcade", None),
    "listen": ("unix:/run/arcade/arcaded.sock", "nowhere"),
    "socket-mode": ("0660", "0999"),
    "socket-group": ("www-data", None),
    "workers": ("4", "many"),
    "max-requests": ("1000", "-1"),
    "map-size": ("1G", "1Q"),
    "map-max": ("64G", "0"),
    "sync": ("off", "sometimes"),
    "log-level": ("warn", "loud"),
    "log-file": ("{tmp}/arcaded.log", None),      # opened at start: must be writable
    "foreground": ("yes", "maybe"),
    "rate-ip": ("300/50", "300"),
    "rate-key": ("60/1", "x/1"),
    "rate-game": ("6000/1000", "6000/-1"),
    "rate-batch": ("200/2", "/2"),
    "gamejolt-host": ("api.gamejolt.com", "a/b"),
    "max-body": ("1M", "100"),
}


def help_options():
    out = subprocess.run([ARCADED, "--help"], capture_output=True, text=True, check=True).stdout
    names = re.findall(r"^\s+--([a-z][a-z0-9-]*)", out, re.M)
    return [n for n in names if n not in ("help", "version", "config")]


def arcaded(*args):
    return subprocess.run([ARCADED, *args], capture_output=True, text=True, timeout=30,
                          stdin=subprocess.DEVNULL)


def parses(path):
    """(True, stderr) when arcaded accepts the file: with data pointing
    nowhere it then stops at the database (exit 1), not at the configuration
    or the log file (exit 2)."""
    p = arcaded("--config", path, "--data", "/nonexistent/arcade-ops")
    assert p.returncode in (1, 2), (p.returncode, p.stderr)
    # (With log-file set, the database message goes to that file.)
    return p.returncode == 1, p.stderr


def test_every_option_is_a_directive(tmp_path):
    names = help_options()
    assert len(names) >= 19, names
    assert set(names) == set(VALUES), set(names) ^ set(VALUES)
    for name in names:
        good, bad = VALUES[name]
        good = good.format(tmp=tmp_path)
        f = tmp_path / f"{name}.conf"
        f.write_text(f"# {name}\n{name} = {good}\n")
        ok, err = parses(str(f))
        assert ok, (name, err)
        if bad is None:
            continue
        f.write_text(f"# {name}\n\n{name} = {bad}\n")
        p = arcaded("--config", str(f), "--data", "/nonexistent/arcade-ops")
        assert p.returncode == 2
        assert p.stderr == f"arcaded: {f}:3: bad value for '{name}': '{bad}'\n", p.stderr


@pytest.mark.parametrize("text, line, message", [
    ("workers = 2\nworkerz = 2\n", 2, "unknown directive 'workerz'"),
    ("\n\n\nlisten\n", 4, "bad value for 'listen': ''"),
    ("config = /etc/other.conf\n", 1, "unknown directive 'config'"),
    ("# comment\n   # indented comment\n\t\nsync = full\nsync = fast\n", 5, "bad value for 'sync': 'fast'"),
])
def test_errors_name_file_and_line(tmp_path, text, line, message):
    f = tmp_path / "arcaded.conf"
    f.write_text(text)
    p = arcaded("--config", str(f))
    assert p.returncode == 2
    assert p.stderr == f"arcaded: {f}:{line}: {message}\n"


def test_missing_config_file_is_named(tmp_path):
    p = arcaded("--config", str(tmp_path / "absent.conf"))
    assert p.returncode == 2
    assert p.stderr.startswith(f"arcaded: cannot open {tmp_path}/absent.conf: ")


def example_directives():
    with open(EXAMPLE_CONF) as f:
        return re.findall(r"^# ([a-z][a-z0-9-]*) = (.*)$", f.read(), re.M)


def test_example_documents_every_directive():
    documented = {name for name, _ in example_directives()}
    assert documented == set(help_options()), documented ^ set(help_options())
    with open(EXAMPLE_CONF) as f:
        live = [ln for ln in f if ln.strip() and not ln.lstrip().startswith("#")]
    assert live == [], "the example must change nothing: every directive commented out"


def test_example_parses_as_shipped_and_uncommented(tmp_path):
    ok, err = parses(EXAMPLE_CONF)
    assert ok, err
    with open(EXAMPLE_CONF) as f:
        text = re.sub(r"^# ([a-z][a-z0-9-]*) = ", r"\1 = ", f.read(), flags=re.M)
    # The log file is opened at start: point it somewhere writable.
    text, n = re.subn(r"^log-file = .*$", f"log-file = {tmp_path}/arcaded.log", text, flags=re.M)
    assert n == 1
    f = tmp_path / "uncommented.conf"
    f.write_text(text)
    ok, err = parses(str(f))
    assert ok, err


def test_file_applies_and_command_line_wins(tmp_path):
    """workers in the file loses to --workers on the command line; the file's
    max-body, log-file and gamejolt-host lines take effect."""
    log = tmp_path / "from-config.log"
    conf = tmp_path / "arcaded.conf"
    conf.write_text(f"# from the file\nworkers = 3\nmax-body = 2K\nlog-file = {log}\n"
                    "gamejolt-host = api.gamejolt.com\ngamejolt-host = example.org:8080\n")
    with Stack(workers=1, arcaded_args=["--config", str(conf)]) as s:
        kids = [p for p in descendants(s.arcaded_pid) if exe_name(p) == "arcaded"]
        assert len(kids) == 1
        r = s.request("POST", "/api/game/v1_2/scores/add/?game_id=1", data="x=" + "a" * 3000,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert r.status_code == 413
        game = s.ctl("game", "create", "--name", "cfg")
        s.ctl("table", "create", "--game", game["id"], "--name", "Main")
        for host in ("api.gamejolt.com", "example.org:8080"):
            r = s.gj_get("scores", [("game_id", game["id"])], game, host=host)
            assert r.status_code == 200 and '"success":"true"' in r.text, (host, r.text)
        r = s.gj_get("scores", [("game_id", game["id"])], game, host="other.example")
        assert '"success":"false"' in r.text
        assert "POST /api/game/v1_2/scores/add/ 413" in log.read_text()
        assert os.path.getsize(s.log_path) == 0 or "413" not in open(s.log_path).read()
