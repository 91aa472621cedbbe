#!/bin/sh
# Runs every torture test (tests/torture/test_*.sh) against each build directory given
# (default: build), in the mode TORTURE selects (`make torture` sets TORTURE=long), then
# prints one line "N passed, N failed". Each script prints TAP lines ("ok - …").
set -u
cd "$(dirname "$0")/../.."
[ $# -gt 0 ] || set -- build
passed=0
failed=0
logdir=$(mktemp -d "${TMPDIR:-/tmp}/protocold-torture.XXXXXX")
for build in "$@"; do
	for t in tests/torture/test_*.sh; do
		name="$build/torture/$(basename "$t" .sh)"
		log="$logdir/$(echo "$name" | tr / _).log"
		start=$(date +%s)
		PROTOCOLD="$PWD/$build/protocold" PROTOCOLCTL="$PWD/$build/protocolctl" \
			timeout 1800 bash "$t" >"$log" 2>&1
		rc=$?
		ok=$(grep -c '^ok ' "$log")
		bad=$(grep -c '^not ok ' "$log")
		if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
			bad=1
			echo "not ok - $name exited with status $rc" >>"$log"
		fi
		[ "$ok" -gt 0 ] || [ "$bad" -gt 0 ] || { bad=1; echo "not ok - $name ran no test" >>"$log"; }
		passed=$((passed + ok))
		failed=$((failed + bad))
		secs=$(($(date +%s) - start))
		if [ "$bad" -eq 0 ]; then
			echo "PASS $name ($ok, ${secs} s)"
			grep '^# figures' "$log" | sed 's/^/    /'
		else
			echo "FAIL $name ($ok passed, $bad failed, ${secs} s)"
			grep -v '^ok ' "$log" | grep -v '^#   protocold' | sed 's/^/    /' | tail -n 40
		fi
	done
done
echo "logs: $logdir"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
