#!/bin/sh
# The benchmark: builds arcade and the bench programs, then runs every
# scenario through nginx + arcaded as deployed and prints one table with the
# ratio of each scenario to the reference responder measured in the same
# run. docs/performance.md explains the scenarios, targets and results.
#
# Usage: sh bench/run.sh [SECONDS_PER_SCENARIO]
# Needs: nginx, wrk, python3 with requests, the build dependencies
# (tests/install-deps.sh installs them; wrk is the Debian package "wrk").
# ARCADE_BUILDDIR: use that (already built) tree's binaries instead of
# building here. Other knobs: see the top of bench/bench.py.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
[ $# -gt 0 ] && export BENCH_SECONDS="$1"

command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }

. "$here/build.sh"
# Debian's python3 has requests (a pyenv python on PATH may not).
py=/usr/bin/python3
[ -x "$py" ] || py=python3
"$py" "$here/bench.py"
