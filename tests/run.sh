#!/bin/sh
# Runs every unit and end-to-end test against each build directory given
# (default: build), then prints one line "N passed, N failed".
# Unit binaries speak TAP (cmocka); e2e scripts print "ok - …" / "not ok - …".
set -u
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- build
passed=0
failed=0
t_start=$(date +%s)
logdir=$(mktemp -d "${TMPDIR:-/tmp}/protocold-tests.XXXXXX")

# count NAME LOG RC: add the log's ok / not ok lines to the totals.
count() {
	ok=$(grep -c '^ok ' "$2")
	bad=$(grep -c '^not ok ' "$2")
	if [ "$3" -ne 0 ] && [ "$bad" -eq 0 ]; then
		bad=1
		echo "not ok - $1 exited with status $3" >>"$2"
	fi
	if [ "$ok" -eq 0 ] && [ "$bad" -eq 0 ]; then
		bad=1
		echo "not ok - $1 ran no test" >>"$2"
	fi
	passed=$((passed + ok))
	failed=$((failed + bad))
	secs=$(($(date +%s) - t0))
	if [ "$bad" -eq 0 ]; then
		echo "PASS $1 ($ok) ${secs}s"
	else
		echo "FAIL $1 ($ok passed, $bad failed) ${secs}s"
		grep -v '^ok ' "$2" | sed 's/^/    /' | tail -n 40
	fi
}

# script NAME BUILD SECONDS FILE: run a test script against BUILD's binaries, count it.
script() {
	log="$logdir/$(echo "$1" | tr / _).log"
	t0=$(date +%s)
	PROTOCOLD="$PWD/$2/protocold" PROTOCOLCTL="$PWD/$2/protocolctl" BUILD="$2" \
		timeout "$3" bash "$4" >"$log" 2>&1
	count "$1" "$log" $?
}

for build in "$@"; do
	for t in "$build"/tests/test_*; do
		[ -x "$t" ] || continue
		name="$build/unit/$(basename "$t")"
		log="$logdir/$(echo "$name" | tr / _).log"
		t0=$(date +%s)
		CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$log" 2>&1
		count "$name" "$log" $?
	done
	for t in tests/e2e/test_*.sh; do
		[ -f "$t" ] && script "$build/e2e/$(basename "$t" .sh)" "$build" 300 "$t"
	done
done
# The wings keep to their layers (doc/design.md): once.
log="$logdir/layers.log"
t0=$(date +%s)
sh tests/layers.sh >"$log" 2>&1
count layers "$log" $?
# Tests of the installed service under a real systemd: once, with the first build.
for t in tests/systemd/test_*.sh; do
	[ -f "$t" ] && script "systemd/$(basename "$t" .sh)" "$1" 900 "$t"
done
# The torture tests of issue 6 in their short mode (TORTURE=long: `make torture`): once,
# with the first build.
for t in tests/torture/test_*.sh; do
	[ -f "$t" ] && script "$1/torture/$(basename "$t" .sh)" "$1" 300 "$t"
done
# The fuzz targets (libFuzzer, ASan, UBSan), a short budget each: once.
if ls build/fuzz/fuzz_* >/dev/null 2>&1; then
	log="$logdir/fuzz.log"
	t0=$(date +%s)
	FUZZ_LOGS="$logdir/fuzz" sh tests/fuzz/run.sh build/fuzz "${FUZZ_TIME:-10}" >"$log" 2>&1
	count fuzz "$log" $?
fi
echo "logs: $logdir ($(($(date +%s) - t_start)) s)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
