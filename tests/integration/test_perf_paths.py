"""Fast paths taken for speed (docs/performance.md) answer exactly what the
general paths answer.

* scores/ in the json format writes its list straight into the answer; every
  other format, and the same request inside a batch, goes through the json-c
  tree and gj_format. The `scores` arrays must be the same bytes.
"""

import json
import re

from harness import encode_params, gj_signature

NASTY = ["plain", 'quote " and \\ backslash', "slash / and </script>", "tab\tnew\nline\rcr",
         "\x01\x1f controls", "caf\u00e9 \u00fc\u00df", "\u4e2d\u6587", "emoji \U0001F600 \U0001F680",
         "]]> cdata", "&amp; <b>", ""]


def _signed(stack, game, endpoint, params):
    url = stack.gj_plain_url(endpoint, params)
    return url + "&signature=" + gj_signature(url, game["private_key"])


def _scores_array(text):
    """The raw bytes of the "scores":[...] array of a json answer."""
    m = re.search(r'"scores":(\[.*?\])[,}]', text, re.S)
    assert m, text
    return m.group(1)


def test_scores_json_direct_matches_tree_and_batch(stack):
    game = stack.ctl("game", "create", "--name", "fast-path")
    table = stack.ctl("table", "create", "--game", game["id"], "--name", "T", "--primary")
    player = stack.ctl("player", "create", "--game", game["id"], "--username", "p\u00e9/\"x")
    for i, s in enumerate(NASTY):
        base = {"game_id": game["id"], "table_id": table["id"], "score": s or "empty",
                "sort": (i * 7919) % 23 - 11, "extra_data": s}
        if i % 3 == 0:
            base.update(username=player["username"], user_token=player["token"])
        else:
            base.update(guest=re.sub(r"[\x00-\x1f]", "", s) or "g")   # names: no controls
        r = stack.get(stack.gj_url("scores/add", base, game).split(str(stack.port), 1)[1])
        assert '"success":"true"' in r.text, r.text

    for params in ({"limit": 100}, {"limit": 5, "better_than": 0}, {"limit": 3, "worse_than": -2}):
        q = dict(params, game_id=game["id"], table_id=table["id"])
        for _attempt in range(3):       # "stored" is relative to now: retry across a second tick
            direct = stack.get(stack.gj_url("scores", q, game).split(str(stack.port), 1)[1])
            sub = "/scores/?" + encode_params(q)
            sub += "&signature=" + gj_signature(sub, game["private_key"])
            batch = stack.get(stack.gj_url("batch", {"game_id": game["id"], "requests[]": sub},
                                           game).split(str(stack.port), 1)[1])
            if _scores_array(direct.text) == _scores_array(batch.text):
                break
        assert direct.status_code == 200 and batch.status_code == 200
        assert direct.headers["Content-Type"].startswith("application/json")
        assert _scores_array(direct.text) == _scores_array(batch.text)
        doc = json.loads(direct.text)
        assert doc["response"]["success"] == "true"
        assert len(doc["response"]["scores"]) == min(params["limit"], len(doc["response"]["scores"]))
        assert list(doc["response"].keys()) == ["success", "scores"]
        assert all(list(s.keys()) == ["score", "sort", "extra_data", "user", "user_id", "guest",
                                      "stored", "stored_timestamp"] for s in doc["response"]["scores"])
