"""Instructions per request, counted by callgrind (run it through
bench/profile.sh, which builds first).

CPU time on a shared machine moves by tens of percent between runs; the
number of instructions a worker executes for the same request does not. For
each scenario this starts one arcaded process (`--workers 0`) under
`valgrind --tool=callgrind` behind nginx, deployed as bench/bench.py deploys
it (rate limits on, never refusing; `--sync off`), sends the scenario's
request PROFILE_N times, stops it, and prints the instructions counted inside
`worker_serve` (one request, from its parameters to its answer written out):
callgrind writes one dump per request, the figure is the median over the
scenario's requests, and the functions that cost the most in that median
request are listed, exclusive and inclusive. FastCGI's accept, the kernel, nginx and the client are not
counted: this measures arcaded's own code and the libraries it calls.

Environment: PROFILE_N (requests per scenario, 300), PROFILE_ONLY
(comma-separated: top10,rank,add,user,batch,patch), PROFILE_SCORES (scores
in the table, 100000), PROFILE_TOP (functions listed, 25), PROFILE_KEEP (a
directory to keep the callgrind files in).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench import BenchStack, ctl, load, new_data, gj_target, mm_patch_setup  # noqa: E402

N = int(os.environ.get("PROFILE_N", "300"))
ONLY = set(filter(None, os.environ.get("PROFILE_ONLY", "").split(",")))
NSCORES = int(os.environ.get("PROFILE_SCORES", "100000"))
TOP = int(os.environ.get("PROFILE_TOP", "25"))
KEEP = os.environ.get("PROFILE_KEEP")


def grind(out, data_dir):
    """A stack whose single arcaded process runs under callgrind, collecting
    only inside worker_serve."""
    wrapper = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--collect-atstart=no",
               "--toggle-collect=worker_serve", "--dump-after=worker_serve", "--quiet"]
    return BenchStack(data_dir=data_dir, workers=0, start_timeout=120, wrapper=wrapper,
                      arcaded_args=["--sync", "off"])


def annotate(out, inclusive):
    p = subprocess.run(["callgrind_annotate", "--threshold=100", f"--inclusive={'yes' if inclusive else 'no'}", out],
                       capture_output=True, text=True, check=True)
    return p.stdout


def report(name, out, n):
    """callgrind dumps a file after every worker_serve (out.1, out.2, ...):
    one per request. The last n are the scenario's; the median of their
    counts is the figure (the first requests of a process also pay for
    warming caches of its own), and the request with that count is the one
    broken down."""
    dumps = []
    for f in os.listdir(os.path.dirname(out)):
        m = re.fullmatch(re.escape(os.path.basename(out)) + r"\.(\d+)", f)
        if m:
            path = os.path.join(os.path.dirname(out), f)
            with open(path) as fh:
                ir = int(re.search(r"^summary: (\d+)$", fh.read(), re.M).group(1))
            dumps.append((int(m.group(1)), ir, path))
    dumps = sorted(dumps)[-n:]
    ranked = sorted(dumps, key=lambda d: d[1])
    _, median, path = ranked[len(ranked) // 2]
    excl = annotate(path, False)
    print(f"\n== {name}: {median:,} instructions per request (median of {len(dumps)} requests; "
          f"{ranked[0][1]:,} to {ranked[-1][1]:,})")
    n = 1       # the breakdown below is of that one request
    for title, text in (("exclusive", excl), ("inclusive", annotate(path, True))):
        print(f"   {title}:")
        seen, shown = set(), 0
        for ln in text.splitlines():
            m = re.match(r"^ *([\d,]+) +\( *([\d.]+)%\) +(.*)$", ln)
            if not m or "PROGRAM TOTALS" in ln:
                continue
            fn = re.sub(r"^\S*:", "", m.group(3).split(" [")[0])
            # callgrind lists a function once per object file; the frames
            # above worker_serve hold the whole count, not information.
            if fn in seen or (m.group(2) == "100.0" and fn != "worker_serve") \
                    or (title == "inclusive" and fn.startswith("0x")):
                continue
            seen.add(fn)
            print(f"   {int(m.group(1).replace(',', '')) / n:>11,.0f} {m.group(2):>6}% {fn}")
            shown += 1
            if shown == TOP:
                break
    return median


def run_scenario(tmp, name, data_dir, requests):
    out = os.path.join(KEEP or tmp, f"callgrind.{name}")
    with grind(out, data_dir) as s:
        n = 0
        for method, target, body, headers, want in requests(s):
            r = s.request(method, target, data=body, headers=headers, timeout=60)
            if r.status_code >= 300 or (want and want not in r.text):
                raise SystemExit(f"profile: {name}: {method} {target} answered {r.status_code}: {r.text[:300]}")
            n += 1
    return report(name, out, n)


def gj_reqs(data, endpoint, params):
    def gen(s):
        t = gj_target(s, data, endpoint, params)
        return [("GET", t, None, None, '"success":"true"')] * N
    return gen


def batch_reqs(first, key):
    h = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}

    def gen(s):
        out, k = [], 0
        for _ in range(N):
            items = []
            for _ in range(50):
                items.append({"matchId": str(first + k // 7), "mapIndex": k % 7, "mapId": "de_dust2",
                              "creatorTeamScore": 5, "opponentTeamScore": 5})
                k += 1
            out.append(("POST", "/api/v1/game/matches/batch-scores", json.dumps({"items": items}), h,
                        '"success":true'))
        return out
    return gen


def patch_reqs(key):
    def gen(s):
        t, body, h = mm_patch_setup(s, key)
        return [("PATCH", t, body, h, '"score":4242')] * N
    return gen


def main():
    if not shutil.which("valgrind") or not shutil.which("callgrind_annotate"):
        raise SystemExit("profile: valgrind is missing (apt-get install valgrind)")
    tmp = tempfile.mkdtemp(prefix="arcade-profile-")
    try:
        d = new_data(tmp, "data")
        gid, tid = d["game"]["id"], d["table"]["id"]
        load("scores", d["dir"], gid, tid, NSCORES)
        t1 = ctl(d["dir"], "team", "create", "--game", gid, "--name", "Red")
        t2 = ctl(d["dir"], "team", "create", "--game", gid, "--name", "Blue")
        first, _ = load("matches", d["dir"], gid, t1["id"], t2["id"], N * 50 // 7 + 8)
        tbkey = ctl(d["dir"], "key", "create", "--game", gid, "--kind", "teambattles")["key"]
        appkey = ctl(d["dir"], "key", "create", "--game", gid, "--kind", "app")["key"]
        scenarios = [
            ("top10", gj_reqs(d, "scores", {"table_id": tid, "limit": 10})),
            ("rank", gj_reqs(d, "scores/get-rank", {"table_id": tid, "sort": NSCORES // 2})),
            ("add", gj_reqs(d, "scores/add", {"table_id": tid, "guest": "wrk", "score": "1234 points",
                                              "sort": 1234})),
            ("user", gj_reqs(d, "scores/add", {"table_id": tid, "username": "bencher",
                                               "user_token": d["player"]["token"],
                                               "score": "1234 points", "sort": 1234})),
            ("batch", batch_reqs(int(first), tbkey)),
            ("patch", patch_reqs(appkey)),
        ]
        summary = []
        for name, gen in scenarios:
            if not ONLY or name in ONLY:
                summary.append((name, run_scenario(tmp, name, d["dir"], gen)))
        print("\nscenario  instructions/request")
        for name, ir in summary:
            print(f"{name:9} {ir:>12,.0f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
