"""The per-game bucket of signed Game Jolt calls: the server default
(--rate-game) and one game's own setting (arcadectl game create/set --rate),
which is charged after the signature is checked and is separate per game."""

import pytest

from harness import Stack

GJ_429 = '{"response":{"success":"false","message":"Rate limit exceeded. Try again later."}}'


@pytest.fixture(scope="module")
def stack():
    # ip and key buckets out of the way; the game default small but not tiny
    with Stack(workers=2, relaxed_limits=False,
               arcaded_args=["--rate-ip", "100000/100000", "--rate-game", "6/0.001"]) as s:
        yield s


def tables(stack, game):
    return stack.gj_get("scores/tables", {"game_id": game["id"]}, game)


def test_server_default_game_bucket(stack):
    g = stack.ctl("game", "create", "--name", "default bucket")
    codes = [tables(stack, g).status_code for _ in range(8)]
    assert codes == [200] * 6 + [429] * 2, codes
    r = tables(stack, g)
    assert r.status_code == 429 and r.text == GJ_429
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert r.headers["X-RateLimit-Limit"] == "6"
    assert r.headers["X-RateLimit-Remaining"] == "0"
    assert r.headers["RateLimit-Policy"] == '"game";q=6;w=6000'
    assert int(r.headers["Retry-After"]) >= 900


def test_game_own_rate_overrides_default(stack):
    g = stack.ctl("game", "create", "--name", "own bucket", "--rate", "2/0.001")
    assert g["rate"] == "2/0.001"
    codes = [tables(stack, g).status_code for _ in range(3)]
    assert codes == [200, 200, 429], codes


def test_game_set_rate_and_games_are_separate(stack):
    a = stack.ctl("game", "create", "--name", "a")
    b = stack.ctl("game", "create", "--name", "b")
    assert stack.ctl("game", "set", "--game", str(a["id"]), "--rate", "1/0.001")["rate"] == "1/0.001"
    assert [tables(stack, a).status_code for _ in range(2)] == [200, 429]
    # b is untouched by a's exhaustion and keeps the server default
    r = tables(stack, b)
    assert r.status_code == 200 and r.headers["X-RateLimit-Limit"] == "6"


def test_bad_signature_is_not_charged_to_the_game(stack):
    g = stack.ctl("game", "create", "--name", "unsigned", "--rate", "1/0.001")
    for _ in range(3):
        r = stack.get(f"/api/game/v1_2/scores/tables/?game_id={g['id']}&signature=00")
        assert r.status_code == 200
        assert r.json()["response"]["message"] == "The signature you entered for the request is invalid."
    assert tables(stack, g).status_code == 200
