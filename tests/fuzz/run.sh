#!/bin/sh
# tests/fuzz/run.sh [SECONDS] [TARGET...]: builds the libFuzzer targets with
# clang in a copy of the tree under /tmp (never touching the tree's own
# build), then runs each for SECONDS (default 20) from its seed corpus in
# tests/fuzz/corpus/<target>. Any crash, leak, sanitizer report, timeout or
# failed invariant fails the run; the input is kept under the work dir's
# artifacts/ and named in the output. Prints one line per target:
#   fuzz_cgi: ok, 1234567 runs in 20 s
# and ends with "fuzz: N passed, N failed".
# ARCADE_FUZZ_DIR reuses a work dir (incremental builds, a growing corpus);
# without it a temporary one is made, and removed unless something failed.
# ARCADE_FUZZ_JOBS runs that many targets at once (default: the CPU count).
set -u
secs=${1:-20}
[ $# -gt 0 ] && shift
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=${ARCADE_FUZZ_DIR:-}
keep=1
[ -n "$work" ] || { work=$(mktemp -d /tmp/arcade-fuzz.XXXXXX); keep=0; }
jobs=${ARCADE_FUZZ_JOBS:-$(nproc)}
tree=$work/tree
mkdir -p "$tree" "$work/corpus" "$work/artifacts" "$work/logs"

# The sources as the working tree has them (committed or not, without build
# products); tar keeps modification times, so a reused tree rebuilds only
# what changed.
if git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$repo" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) | tar -x -C "$tree"
else
	(cd "$repo" && tar --exclude=node_modules --exclude='*.o' --exclude='*.a' --exclude=Makefile \
		--exclude=config.status --exclude=config.h --exclude=autom4te.cache -cf - .) | tar -x -C "$tree"
fi || { echo "fuzz: cannot copy the tree to $tree"; echo "fuzz: 0 passed, 1 failed"; exit 1; }

# clang's libFuzzer runtime is only a Recommends of Debian's clang.
rt=$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a 2>/dev/null)
rtdir=$(clang -print-resource-dir 2>/dev/null)
if ! command -v clang >/dev/null 2>&1 || { [ ! -f "$rt" ] && ! ls "$rtdir"/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1; }; then
	echo "fuzz: clang with the libFuzzer runtime is missing (Debian: clang libclang-rt-14-dev)"
	echo "fuzz: 0 passed, 1 failed"
	exit 1
fi

build() {
	cd "$tree" || return 1
	if [ ! -f Makefile ]; then
		autoreconf -fi || return 1
		./configure -q CC=clang --enable-fuzzing || return 1
	fi
	make -j"$(nproc)"
}
if ! (build) >"$work/logs/build.log" 2>&1; then
	tail -n 30 "$work/logs/build.log" 2>/dev/null
	echo "fuzz: build failed (log: $work/logs/build.log)"
	echo "fuzz: 0 passed, 1 failed"
	exit 1
fi

targets="$*"
[ -n "$targets" ] || targets=$(cd "$tree/tests/fuzz" && ls fuzz_* | grep -v '\.' | sort)

# One target: writes its verdict line to logs/<t>.result.
run_one() {
	t=$1
	log=$work/logs/$t.log
	mkdir -p "$work/corpus/$t"
	seeds=$repo/tests/fuzz/corpus/$t
	[ -d "$seeds" ] || seeds=
	start=$(date +%s)
	# New inputs go to the work corpus; the seeds in the tree are only read.
	"$tree/tests/fuzz/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
		-print_final_stats=1 -artifact_prefix="$work/artifacts/$t-" \
		"$work/corpus/$t" $seeds >"$log" 2>&1
	rc=$?
	runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1)
	took=$(( $(date +%s) - start ))
	if [ $rc -eq 0 ]; then
		echo "$t: ok, ${runs:-0} runs in $took s" >"$work/logs/$t.result"
	else
		art=$(grep -o "Test unit written to [^ ]*" "$log" | tail -n 1 | sed 's/Test unit written to //')
		echo "$t: FAILED (exit $rc) after ${runs:-?} runs; input: ${art:-none}; log: $log" >"$work/logs/$t.result"
	fi
}

# fuzz_api keeps an LMDB store (and upload files) here: tmpfs if there is one.
shm=/dev/shm
[ -w "$shm" ] || shm=$work
FUZZ_API_TMP=$(mktemp -d "$shm/arcade-fuzz-api.XXXXXX")
export FUZZ_API_TMP

running=0
for t in $targets; do
	if [ ! -x "$tree/tests/fuzz/$t" ]; then
		echo "$t: FAILED (not built)" >"$work/logs/$t.result"
		continue
	fi
	rm -f "$work/logs/$t.result"
	run_one "$t" &
	running=$((running + 1))
	if [ $running -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait
rm -rf "$FUZZ_API_TMP"

passed=0
failed=0
for t in $targets; do
	if [ -f "$work/logs/$t.result" ]; then
		cat "$work/logs/$t.result"
		grep -q ': ok,' "$work/logs/$t.result" && passed=$((passed + 1)) || failed=$((failed + 1))
	else
		echo "$t: FAILED (no result)"
		failed=$((failed + 1))
	fi
done
# A failed target's log ends with the sanitizer's report or the invariant.
for t in $targets; do
	if ! grep -q ': ok,' "$work/logs/$t.result" 2>/dev/null && [ -f "$work/logs/$t.log" ]; then
		echo "--- $t (last lines of $work/logs/$t.log)"
		grep -v '^#[0-9]' "$work/logs/$t.log" | tail -n 25
	fi
done
if [ $failed -eq 0 ] && [ $keep -eq 0 ]; then
	rm -rf "$work" # a temporary work dir is kept only when something failed
	echo "fuzz: $passed passed, $failed failed"
else
	echo "fuzz: $passed passed, $failed failed (work dir: $work)"
fi
[ $failed -eq 0 ]
