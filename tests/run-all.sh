#!/bin/sh
# The whole test suite from a fresh clone: installs what is missing, builds
# from scratch, runs the C unit tests and every pytest layer (integration
# through a real nginx and arcaded pool, client compatibility, faults), and
# ends with one line "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
sh tests/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }
sh tests/build.sh || { echo "0 passed, 1 failed"; exit 1; }

# Unit tests through automake (their logs land in tests/unit/*.log); pytest
# runs the same programs again so that one summary counts everything.
make -j"$(nproc)" check >/dev/null 2>&1 || echo "run-all: make check reported failures (see tests/unit/*.log)"

out=$(mktemp)
# Debian's python3 carries pytest and requests (a pyenv python on PATH may not).
/usr/bin/python3 -m pytest -c tests/pytest.ini tests -q -p no:cacheprovider 2>&1 | tee "$out"
status=$?
# pytest's summary: "3 failed, 120 passed in 40.1s" (with -q), with or
# without "===" around it.
summary=$(grep -E '^(=+ )?[0-9]+ (passed|failed|errors?|skipped|xfailed|deselected)|no tests ran' "$out" | tail -n 1)
rm -f "$out"
passed=$(echo "$summary" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || true)
failed=$(echo "$summary" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' || true)
errors=$(echo "$summary" | grep -oE '[0-9]+ errors?' | grep -oE '[0-9]+' || true)
passed=${passed:-0}
failed=$(( ${failed:-0} + ${errors:-0} ))
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
	failed=1 # running no test is a failure, not a pass
fi

# Fuzzing: every libFuzzer target briefly (each counts as one test), then
# the integration suite against arcaded built with ASan/UBSan (one test).
# Both build in copies under /tmp. ARCADE_FUZZ_SECONDS=0 skips the first.
if [ "${ARCADE_FUZZ_SECONDS:-20}" -gt 0 ]; then
	fz=$(mktemp)
	sh tests/fuzz/run.sh "${ARCADE_FUZZ_SECONDS:-20}" >"$fz" 2>&1
	grep -E '^(fuzz_[a-z_]+:|fuzz:|---)' "$fz" | head -n 60
	fz_line=$(grep -E '^fuzz: [0-9]+ passed, [0-9]+ failed' "$fz" | tail -n 1)
	fz_p=$(echo "$fz_line" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || true)
	fz_f=$(echo "$fz_line" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' || true)
	[ -n "$fz_line" ] || fz_f=1
	passed=$((passed + ${fz_p:-0}))
	failed=$((failed + ${fz_f:-0}))
	rm -f "$fz"
fi
if [ "${ARCADE_SANITIZE:-1}" != 0 ]; then
	san=$(mktemp)
	if sh tests/sanitize.sh >"$san" 2>&1; then
		passed=$((passed + 1))
		tail -n 2 "$san"
	else
		failed=$((failed + 1))
		tail -n 80 "$san"
	fi
	rm -f "$san"
fi
[ "$failed" -ne 0 ] && status=1
echo "$passed passed, $failed failed"
exit $status
