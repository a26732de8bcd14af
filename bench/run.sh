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

if [ -z "${ARCADE_BUILDDIR:-}" ]; then
	cd "$root"
	if [ ! -f Makefile ]; then
		autoreconf -fi >/dev/null
		./configure -q
	fi
	# Several builds of one tree at once would trip over each other.
	if command -v flock >/dev/null; then
		flock /tmp/arcade-build.lock make -j"$(nproc)" >/dev/null
	else
		make -j"$(nproc)" >/dev/null
	fi
	ARCADE_BUILDDIR=$root
fi
export ARCADE_BUILDDIR

tools=$(mktemp -d /tmp/arcade-bench-tools.XXXXXX)
trap 'rm -rf "$tools"' EXIT INT TERM
cflags="-O2 -g -Wall -Wextra"
libs=$(pkg-config --libs lmdb libcrypto json-c)
cc $cflags "$here/ref_responder.c" -lfcgi -o "$tools/ref_responder"
cc $cflags "$here/lmdb_commit.c" $(pkg-config --libs lmdb) -o "$tools/lmdb_commit"
cc $cflags -I "$ARCADE_BUILDDIR" -I "$root/src" "$here/load.c" "$ARCADE_BUILDDIR/libarcade.a" \
	$libs -lfcgi -o "$tools/load"
export BENCH_TOOLS="$tools"
# Debian's python3 has requests (a pyenv python on PATH may not).
py=/usr/bin/python3
[ -x "$py" ] || py=python3
"$py" "$here/bench.py"
