#!/bin/bash
# Issue 6, item 7: the e2e suites count on LeakSanitizer reporting when the ASan build
# of protocold stops on SIGTERM (it leaves its loop and returns from main). This proves
# it does: a tiny library preloaded into the daemon leaks 1234 bytes on purpose; after
# SIGTERM the exit status must be non-zero and the log must show that leak. Without it
# the same daemon exits 0 with a clean log.
set -u
cd "$(dirname "$0")/../.."
: "${PROTOCOLD:=$PWD/build/protocold}"
bin=$PROTOCOLD
ldd "$bin" 2>/dev/null | grep -q libasan || bin=$PWD/build/san/protocold
if ! ldd "$bin" 2>/dev/null | grep -q libasan; then
	echo "ok - LeakSanitizer reports at a normal exit # SKIP no ASan build of protocold"
	exit 0
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/pd-lsan.XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0
cat >"$T/leak.c" <<'C'
#include <stdlib.h>
void *volatile leak_sink;
__attribute__((constructor)) static void leak(void)
{
	leak_sink = malloc(1234);
	leak_sink = NULL;	/* unreachable from here on: a leak */
}
C
cc -shared -fPIC -O0 -o "$T/leak.so" "$T/leak.c" || { echo "not ok - cannot build the leak"; exit 1; }
cat >"$T/p.ini" <<INI
[daemon]
database = $T/p.db
socket = $T/p.sock
INI

# run [PRELOAD]: start, wait ready, SIGTERM; RC and the log in $T/log.
run() {
	rm -f "$T/log" "$T/p.db"*
	env ${1:+LD_PRELOAD=$1} ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		"$bin" -c "$T/p.ini" --test-clock >"$T/log" 2>&1 &
	pid=$!
	for _ in $(seq 1 200); do
		curl -s --max-time 1 --unix-socket "$T/p.sock" http://localhost/v1/health/ready \
			>/dev/null 2>&1 && break
		sleep 0.05
	done
	curl -s --unix-socket "$T/p.sock" http://localhost/v1/protocols \
		-d '{"id":"L1","seller":"S1"}' >/dev/null
	kill -TERM "$pid"
	wait "$pid"
	RC=$?
}

run
if [ "$RC" -eq 0 ] && ! grep -q Sanitizer "$T/log"; then
	echo "ok - the ASan build exits 0 on SIGTERM with a clean log"
else
	echo "not ok - the ASan build exits $RC on SIGTERM"; sed 's/^/#   /' "$T/log" | tail -20
	fails=$((fails + 1))
fi
run "$T/leak.so"
if [ "$RC" -ne 0 ] && grep -q "LeakSanitizer: detected memory leaks" "$T/log" &&
	grep -q "1234 byte(s) leaked" "$T/log"; then
	echo "ok - with a planted leak it exits $RC and LeakSanitizer reports the 1234 bytes"
else
	echo "not ok - a planted leak went unreported at SIGTERM (exit $RC)"
	sed 's/^/#   /' "$T/log" | tail -20
	fails=$((fails + 1))
fi
[ "$fails" -eq 0 ]
