# Sourced by every end-to-end test: starts the real protocold on a temp directory
# (temp config, socket and database) with --test-clock, drives it with curl over the
# Unix socket, and prints TAP lines ("ok - …" / "not ok - …"). Cleans up on exit.
set -u

: "${PROTOCOLD:=$PWD/build/protocold}"
: "${PROTOCOLCTL:=$PWD/build/protocolctl}"
T=$(mktemp -d "${TMPDIR:-/tmp}/pd-e2e.XXXXXX")
CONF=$T/protocold.ini
SOCK=$T/protocold.sock
DB=$T/protocold.db
LOG=$T/daemon.log
PID=
STATUS=
BODY=
FAILS=0
export PROTOCOLD_SOCKET=$SOCK

e2e_cleanup() {
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		kill -TERM "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
		# A clean stop exits 0 (under ASan, a leak makes it non-zero).
		[ $? -eq 0 ] || not_ok "protocold exited non-zero on SIGTERM"
	fi
	if [ -f "$LOG" ] && grep -qE "Sanitizer|runtime error" "$LOG"; then
		not_ok "the sanitizers reported a problem (see the log below)"
	fi
	if [ "$FAILS" -gt 0 ] && [ -f "$LOG" ]; then
		echo "# daemon log (last 60 lines):"
		tail -n 60 "$LOG" | sed 's/^/#   /'
	fi
	rm -rf "$T"
}
trap e2e_cleanup EXIT

# write_config [EXTRA_INI_TEXT]: the demo defaults, plus extra lines appended
# (sections in the extra text may repeat [deadlines] keys only if not set here).
write_config() {
	cat >"$CONF" <<INI
[daemon]
database = $DB
socket = $SOCK
socket_mode = 0660
timezone = America/Sao_Paulo
synchronous = full

[calendar]
holidays = br-national
${1:-}
INI
}

# start_daemon [INSTANT]: start with the test clock at INSTANT (RFC 3339), wait ready.
start_daemon() {
	local start=${1:-2026-11-23T12:00:00-03:00}
	[ -f "$CONF" ] || write_config
	"$PROTOCOLD" -c "$CONF" --test-clock="$start" >>"$LOG" 2>&1 &
	PID=$!
	for _ in $(seq 1 100); do
		curl -s --max-time 1 --unix-socket "$SOCK" http://localhost/v1/health/ready \
			>/dev/null 2>&1 && return 0
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "not ok - protocold did not start"
	FAILS=$((FAILS + 1))
	exit 1
}

# stop_daemon: SIGTERM and wait; the exit status is in STOP_RC.
stop_daemon() {
	kill -TERM "$PID"
	wait "$PID"
	STOP_RC=$?
	PID=
}

# api METHOD PATH [JSON]: sets STATUS and BODY.
api() {
	local out
	out=$(curl -s --max-time 30 --unix-socket "$SOCK" -X "$1" -w '\n%{http_code}' \
		${3:+-H 'Content-Type: application/json' --data-binary "$3"} \
		"http://localhost$2")
	STATUS=${out##*$'\n'}
	BODY=${out%$'\n'*}
}

# j FILTER: jq -r on BODY.
j() {
	printf '%s' "$BODY" | jq -r "$1"
}

ok() {
	echo "ok - $1"
}

not_ok() {
	echo "not ok - $1"
	FAILS=$((FAILS + 1))
}

# check DESC EXPECTED ACTUAL
check() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1: expected '$2', got '$3'"
		echo "#   last body: $(printf '%s' "$BODY" | head -c 600)"
	fi
}

# check_status DESC CODE: the last api call's status.
check_status() {
	check "$1 (HTTP $2)" "$2" "$STATUS"
}

# advance DURATION: move the test clock; returns after every due clock is committed.
advance() {
	api POST /v1/clock "{\"advance\":\"$1\"}"
	[ "$STATUS" = 200 ] || not_ok "advance $1 answered $STATUS: $BODY"
}

# set_clock INSTANT
set_clock() {
	api POST /v1/clock "{\"now\":\"$1\"}"
	[ "$STATUS" = 200 ] || not_ok "set clock $1 answered $STATUS: $BODY"
}

# create ID [EXTRA_JSON_MEMBERS]: a customer protocol of seller S1.
create() {
	api POST /v1/protocols "{\"id\":\"$1\",\"seller\":\"S1\"${2:+,$2}}"
}

act() {
	api POST "/v1/protocols/$1/actions" "{\"action\":\"$2\"${3:+,$3}}"
}

event() {
	api POST "/v1/protocols/$1/events" "{\"event\":\"$2\"${3:+,$3}}"
}

show() {
	api GET "/v1/protocols/$1"
}

# history_names ID: "cause:name:from>to" of every entry, space separated.
history_names() {
	api GET "/v1/protocols/$1/history"
	j '[.items[] | "\(.cause):\(.name):\(.from)>\(.to)"] | join(" ")'
}

finish() {
	[ "$FAILS" -eq 0 ]
	exit $?
}
