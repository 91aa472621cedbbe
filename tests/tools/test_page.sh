#!/bin/bash
# Issue 27: the operator's page in a real browser. Debian's chromium (headless), driven
# by playwright-core from npm (pinned in tests/tools/page/package-lock.json, installed by
# `npm ci` into build/npm/page when the lock changes, never vendored; it never downloads
# a browser), opens the page a daemon serves on its read-only TCP listener and checks it
# against the read API (tests/tools/page/check.js says what, check by check):
#   the counts against /v1/stats, the forecast table against /v1/forecast?within=48h and
#   Chart.js loaded, the sellers at risk with their mediations_30d, the closest
#   protocols sorted with a ticking countdown, a protocol created meanwhile in the live
#   feed within a second (pause, resume, the seller filter), the feed after a burst of
#   210 creates (at most 200 rows, all shown within 2 s), a protocol's timeline against
#   its history, a 409 cursor_ahead on the feed (followed again from the feed's end,
#   no loop), no console error or failed request, only GETs; a screenshot is kept in
#   $LOGDIR (tests/run.sh passes its log directory) or else in build/test-logs/.
# The daemon runs on --test-clock, SQLite, a temp dir; the data is seeded through its
# Unix socket with curl. Prints TAP ("ok N - ...", then 1..N). Skips (one ok # SKIP)
# only when chromium or npm is missing.
set -u
cd "$(dirname "$0")/../.." || exit
REPO=$PWD
: "${PROTOCOLD:=$REPO/build/protocold}"
: "${BUILD:=build}"
PY=/usr/bin/python3
CHROMIUM=/usr/bin/chromium
NPM_DIR=$REPO/build/npm/page
SHOTDIR=${LOGDIR:-$REPO/build/test-logs}
if [ ! -x "$CHROMIUM" ] || ! command -v npm >/dev/null || ! command -v node >/dev/null; then
	echo "ok 1 - the page in a browser # SKIP $CHROMIUM or npm/node is not installed"
	echo "1..1"
	exit 0
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/pd-page.XXXXXX")
PIDS=

. "$REPO/tests/tools/lib.sh"
trap tools_cleanup EXIT

# call METHOD PATH [BODY]: the daemon over its Unix socket; the body of the answer on
# stdout, false unless 2xx.
call() {
	local code
	code=$(curl -s -o "$T/answer" -w '%{http_code}' --max-time 10 --unix-socket "$T/d.sock" \
		-X "$1" ${3:+-H 'Content-Type: application/json' --data "$3"} "http://localhost$2")
	cat "$T/answer"
	case $code in 2??) return 0 ;; esac
	echo "# $1 $2 ${3:-}: $code $(cat "$T/answer")" >&2
	return 1
}

# start: the daemon on $T/d.sock and 127.0.0.1:$PORT, its clock at $1.
start() {
	local p
	PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	cat >"$T/d.ini" <<INI
[daemon]
database = $T/d.db
socket = $T/d.sock
socket_mode = 0600
timezone = America/Sao_Paulo
synchronous = normal
http_listen = 127.0.0.1:$PORT

[calendar]
holidays = br-national

[rules]
files = $REPO/conf/rules/*.ini
default = casas-bahia
INI
	"$PROTOCOLD" -c "$T/d.ini" --test-clock="$1" >>"$T/d.log" 2>&1 &
	p=$!
	PIDS="$PIDS $p"
	for _ in $(seq 1 100); do
		curl -s --max-time 1 "http://127.0.0.1:$PORT/v1/health/ready" >/dev/null 2>&1 &&
			return 0
		kill -0 "$p" 2>/dev/null || break
		sleep 0.05
	done
	echo "not ok - protocold did not start"
	sed 's/^/#   /' "$T/d.log" | tail -n 20
	return 1
}

# create ID SELLER [CRITICAL [OPENED_AT]]
create() {
	call POST /v1/protocols "{\"id\":\"$1\",\"seller\":\"$2\",\"critical\":${3:-false}${4:+,\"opened_at\":\"$4\"}}" >/dev/null
}
act() { call POST "/v1/protocols/$1/actions" "{\"action\":\"$2\"${3:+,$3}}" >/dev/null; }
event() { call POST "/v1/protocols/$1/events" "{\"event\":\"$2\"}" >/dev/null; }

# The data: three sellers; protocols in every state; page-s1 has the most heading to
# mediation within 48 h and mediations in the last 30 days.
seed() {
	local i
	for s in page-s1 page-s2 page-s3; do
		call PUT "/v1/sellers/$s" '{"envvias":false}' >/dev/null || return
	done
	# 59 days before the page's now (2026-11-23 12:00 -03:00): closed ones whose reply window (60 d) ends within
	# 48 h of it (the forecast's "resolved"), one the customer answers (unresolved).
	for i in 1 2 3; do
		create "C$i" page-s3 && act "C$i" message_customer '"message":"Olá"' || return
	done
	# Two days before: one asked for photos, answered, then asked to confirm the address;
	# that wait runs out at the page's now (an expiry in its timeline, back to pending).
	call POST /v1/clock '{"advance":"57d"}' >/dev/null || return
	create A3 page-s1 && act A3 request_photos && event A3 customer_replied &&
		act A3 confirm_address || return
	call POST /v1/clock '{"advance":"2d"}' >/dev/null || return
	event C3 customer_replied || return
	# Pending: page-s1 five (two critical), page-s2 three, page-s3 one; opened earlier so
	# that the clocks run out at different hours of the next 48 h.
	create P1-1 page-s1 true "2026-11-23T00:00:00-03:00" || return
	create P1-2 page-s1 true "2026-11-23T06:00:00-03:00" || return
	create P1-3 page-s1 false "2026-11-21T20:00:00-03:00" || return
	create P1-4 page-s1 false "2026-11-22T09:00:00-03:00" || return
	create P1-5 page-s1 || return
	for i in 1 2 3; do
		create "P2-$i" page-s2 false "2026-11-22T1${i}:30:00-03:00" || return
	done
	create P3-1 page-s3 || return
	# Awaiting: two asked for photos (their 48 h wait leads back to pending).
	for i in 1 2; do
		create "A$i" page-s2 && act "A$i" request_photos || return
	done
	# Two of page-s1 whose response clock runs out in an hour: mediation, fired.
	create M1 page-s1 false "2026-11-21T12:30:00-03:00" || return
	create M2 page-s1 true "2026-11-22T12:40:00-03:00" || return
	# One resolved.
	create R1 page-s2 && act R1 cancel_sale || return
	call POST /v1/clock '{"advance":"1h"}' >/dev/null || return
	echo "ok - seeded: $(call GET /v1/stats | $PY -c 'import json,sys; s=json.load(sys.stdin); print(s["protocols"]["by_state"], "fired", s["expirations_fired"])')"
}

browse() {
	local shot rc
	if ! tools_npm_ci tests/tools/page "$NPM_DIR" playwright-core/package.json; then
		echo "not ok - npm ci of the pinned playwright-core into $NPM_DIR"
		sed 's/^/#   /' "$T/npm.log" | tail -n 8
		return
	fi
	echo "ok - playwright-core is installed ($(cd "$NPM_DIR" && node -p \
		'require("playwright-core/package.json").version')), chromium $("$CHROMIUM" --version 2>/dev/null |
		awk '{ print $2 }')"
	mkdir -p "$SHOTDIR"
	if [ -n "${LOGDIR:-}" ]; then
		shot=$SHOTDIR/tools_test_page.png	# beside tools_test_page.log (tests/run.sh)
	else
		shot=$SHOTDIR/page-$(date -u +%Y%m%dT%H%M%SZ).png
	fi
	NODE_PATH=$NPM_DIR/node_modules timeout 60 node tests/tools/page/check.js \
		"http://127.0.0.1:$PORT/" "$T/d.sock" "$shot" >"$T/check.out" 2>&1
	rc=$?
	cat "$T/check.out"
	# 1 with its own "not ok" lines; anything else is a failure of the driver itself.
	case $rc in
	0) ;;
	124) echo "not ok - the browser's checks finished within 60 s" ;;
	1) grep -q '^not ok' "$T/check.out" ||
		echo "not ok - the browser's checks ended with status 1 (see above)" ;;
	*) echo "not ok - the browser's checks ended abnormally (status $rc)" ;;
	esac
	echo "# screenshot: $shot"
}

run() {
	start 2026-09-25T12:00:00-03:00 || return
	seed || { echo "not ok - seeding the daemon"; return; }
	browse
	for p in $PIDS; do
		kill -TERM "$p" 2>/dev/null
		wait "$p"
		[ $? -eq 0 ] || echo "not ok - protocold exited non-zero on SIGTERM"
	done
	PIDS=
	if grep -qE "Sanitizer|runtime error" "$T"/*.log; then
		echo "not ok - the sanitizers reported a problem"
		grep -hE -A20 "Sanitizer|runtime error" "$T"/*.log | head -n 40 | sed 's/^/#   /'
	fi
}

run | tools_number | tee "$T/tap"
! grep -q '^not ok ' "$T/tap"
