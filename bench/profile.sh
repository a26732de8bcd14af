#!/bin/sh
# Instructions per request for each scenario, counted by callgrind: one
# arcaded process behind nginx, the same request N times (bench/profile.py
# says what is counted). Steady on a busy machine, unlike req/s: use it to
# see what a change to a hot path saves.
#
# Usage: sh bench/profile.sh [SCENARIO...]   (top10 rank add user batch patch)
# Needs: valgrind, nginx, python3 with requests, the build dependencies.
# PROFILE_N requests per scenario (300); other knobs: top of bench/profile.py.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
[ $# -gt 0 ] && export PROFILE_ONLY="$(echo "$@" | tr ' ' ,)"

. "$here/build.sh"
py=/usr/bin/python3
[ -x "$py" ] || py=python3
"$py" "$here/profile.py"
