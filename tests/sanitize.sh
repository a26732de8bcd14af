#!/bin/sh
# tests/sanitize.sh: the whole integration suite against an arcaded built
# with AddressSanitizer and UndefinedBehaviorSanitizer (--enable-sanitizers),
# in a copy of the tree under /tmp so the tree's own build is left alone.
#
# Every sanitizer report fails the run, even one from a worker whose test
# passed (a pool respawns a worker that died): reports go to files under the
# work dir's reports/ (ASAN_OPTIONS/UBSAN_OPTIONS log_path), which are
# checked once the suite has finished. A process stops at its first report
# (abort_on_error, halt_on_error).
#
# Leaks: LeakSanitizer checks a process when it exits. Workers leave through
# _exit() (right for a forked child), which skips that check, so a small
# preloaded shim (built here) runs the check first: memory a worker lost
# while serving requests is reported when the test stack stops the pool.
# One thing is left out on purpose: arcaded parses its command line twice
# (before and after a --config file) and the strings of the first pass are
# replaced, never freed; that happens once, at start, and is suppressed by
# the frames conf_parse_args/conf_load_file, which no request ever runs.
#
# Usage: sh tests/sanitize.sh [pytest args...]   (default: tests/integration)
# ARCADE_SAN_DIR reuses a work dir (incremental build); without it a
# temporary one is made, and removed unless something failed. CC picks the
# compiler (configure's default otherwise).
# Ends with "sanitize: N passed, N failed".
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${ARCADE_SAN_DIR:-}
keep=1
[ -n "$work" ] || { work=$(mktemp -d /tmp/arcade-san.XXXXXX); keep=0; }
tree=$work/tree
reports=$work/reports
mkdir -p "$tree"

fail() {
	echo "sanitize: $*"
	echo "sanitize: 0 passed, 1 failed (work dir: $work)"
	exit 1
}

if git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$repo" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) | tar -x -C "$tree"
else
	(cd "$repo" && tar --exclude=node_modules --exclude='*.o' --exclude='*.a' --exclude=Makefile \
		--exclude=config.status --exclude=config.h --exclude=autom4te.cache -cf - .) | tar -x -C "$tree"
fi || fail "cannot copy the tree to $tree"

(
	cd "$tree" || exit 1
	if [ ! -f Makefile ]; then
		autoreconf -fi >/dev/null 2>&1 || exit 1
		./configure -q --enable-sanitizers || exit 1
	fi
	make -j"$(nproc)" src/arcaded src/arcadectl
) >"$work/build.log" 2>&1 || { tail -n 30 "$work/build.log"; fail "build failed (log: $work/build.log)"; }

cat >"$work/lsan-exit.c" <<'SHIM'
/* Runs LeakSanitizer's check before _exit() (which skips the one at exit),
 * in processes that have the sanitizer runtime; elsewhere a plain _exit. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/syscall.h>
#include <unistd.h>

void _exit(int status)
{
	void (*check)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "__lsan_do_leak_check");
	if (check)
		check();
	for (;;)
		syscall(SYS_exit_group, status);
}
SHIM
cc -shared -fPIC -O2 -o "$work/lsan-exit.so" "$work/lsan-exit.c" -ldl || fail "cannot build the _exit shim"
cat >"$work/lsan.supp" <<'SUPP'
# arcaded's first pass over the command line (replaced strings, once, at start).
leak:conf_parse_args
leak:conf_load_file
SUPP

rm -rf "$reports"
mkdir -p "$reports"
# detect_leaks is on by default on x86_64 Linux; said here so that it is seen.
# verify_asan_link_order=0: the shim is preloaded ahead of the runtime.
ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1:verify_asan_link_order=0:log_path=$reports/asan"
UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
LSAN_OPTIONS="suppressions=$work/lsan.supp:print_suppressions=0:log_path=$reports/lsan"
LD_PRELOAD="$work/lsan-exit.so${LD_PRELOAD:+ $LD_PRELOAD}"
export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS LD_PRELOAD
ARCADE_BUILDDIR=$tree
export ARCADE_BUILDDIR

out=$work/pytest.log
[ $# -gt 0 ] || set -- tests/integration
cd "$repo" || fail "no $repo"
/usr/bin/python3 -m pytest -c tests/pytest.ini "$@" -q -p no:cacheprovider >"$out" 2>&1
status=$?
tail -n 15 "$out"
# "3 failed, 120 passed in 40.1s" (-q), with or without "===" around it.
summary=$(grep -E '^(=+ )?[0-9]+ (passed|failed|errors?|skipped|xfailed|deselected)|no tests ran' "$out" | tail -n 1)
passed=$(echo "$summary" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || true)
failed=$(echo "$summary" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' || true)
errors=$(echo "$summary" | grep -oE '[0-9]+ errors?' | grep -oE '[0-9]+' || true)
passed=${passed:-0}
failed=$(( ${failed:-0} + ${errors:-0} ))
[ "$passed" -eq 0 ] && [ "$failed" -eq 0 ] && failed=1

nreports=$(find "$reports" -type f | wc -l)
if [ "$nreports" -gt 0 ]; then
	echo "sanitize: $nreports sanitizer report(s) in $reports:"
	for f in $(find "$reports" -type f | sort); do
		echo "--- $f"
		head -n 40 "$f"
	done
	failed=$((failed + 1))
fi
[ $failed -eq 0 ] && [ $status -eq 0 ] || status=1
if [ $status -eq 0 ] && [ $keep -eq 0 ]; then
	rm -rf "$work" # a temporary work dir is kept only when something failed
	echo "sanitize: $passed passed, $failed failed"
else
	echo "sanitize: $passed passed, $failed failed (work dir: $work)"
fi
exit $status
