# bench/build.sh, sourced by run.sh and profile.sh (with $here and $root
# set): builds arcade unless ARCADE_BUILDDIR names a built tree, and the
# bench programs into a temporary $BENCH_TOOLS removed on exit.
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
