# Sourced by every end-to-end test: starts the real protocold on a temp directory
# (temp config, socket and database) with --test-clock, drives it with curl over the
# Unix socket, and prints TAP lines ("ok - …" / "not ok - …"). Cleans up on exit.
#
# The database is an SQLite file in the temp directory, or, when PROTOCOLD_PG is a
# PostgreSQL server's URI (tests/run.sh sets it; tests/pgtmp.sh starts one), a database
# made on that server for this run and dropped at the end: the scripts are the same on
# both stores. new_database NAME gives a second daemon a database of its own; on_pg
# and skip_on_pg are for the few checks that look at SQLite's files.
set -u

: "${PROTOCOLD:=$PWD/build/protocold}"
: "${PROTOCOLCTL:=$PWD/build/protocolctl}"
T=$(mktemp -d "${TMPDIR:-/tmp}/pd-e2e.XXXXXX")
CONF=$T/protocold.ini
SOCK=$T/protocold.sock
LOG=$T/daemon.log
PID=
STATUS=
BODY=
FAILS=0
export PROTOCOLD_SOCKET=$SOCK

# --- PostgreSQL ------------------------------------------------------------------
PG_BASE=${PROTOCOLD_PG:-}
PSQL=/usr/lib/postgresql/15/bin/psql
[ -x "$PSQL" ] || PSQL=psql
# This run's databases: PG_PREFIX_<name>, lower case (no quoting), unique per run.
PG_PREFIX=pd_$(basename "$0" .sh | tr -c 'a-z0-9\n' _ | cut -c1-30)_$$

# on_pg: whether the daemon runs on PostgreSQL.
on_pg() {
	[ -n "$PG_BASE" ]
}

# pg_uri DB: the base URI with DB as its database.
pg_uri() {
	local path=${PG_BASE%%\?*}
	case $PG_BASE in
	*\?*) echo "${path%/*}/$1?${PG_BASE#*\?}" ;;
	*) echo "${path%/*}/$1" ;;
	esac
}

# pg_sql [DB] SQL: run SQL on DB (default: the server's own database), tuples only,
# fields separated by '|'.
pg_sql() {
	local uri=$PG_BASE
	if [ $# -gt 1 ]; then uri=$(pg_uri "$1"); shift; fi
	"$PSQL" -X -q -At -v ON_ERROR_STOP=1 -d "$uri" -c "$1"
}

# new_database NAME: the `database` value of a new, empty database: an SQLite path in
# $T, or a database made on the PostgreSQL server (dropped by e2e_cleanup).
new_database() {
	if ! on_pg; then
		echo "$T/$1.db"
		return 0
	fi
	local name
	name=${PG_PREFIX}_$(echo "$1" | tr -c 'a-z0-9\n' _)
	pg_sql "CREATE DATABASE $name" >&2 || return 1
	pg_uri "$name"
}

# pg_db_name: the name of this run's main database on PostgreSQL.
pg_db_name() {
	echo "${PG_PREFIX}_protocold"
}

# skip_on_pg DESC: a check that means nothing on PostgreSQL (SQLite's own files).
skip_on_pg() {
	echo "ok - $1 # SKIP on PostgreSQL"
}

# Drops every database this run made (a daemon still on one is disconnected).
pg_cleanup() {
	local db
	on_pg || return 0
	for db in $(pg_sql "SELECT datname FROM pg_database
			WHERE datname LIKE '${PG_PREFIX}\_%'" 2>/dev/null); do
		pg_sql "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 ||
			echo "# could not drop the database $db"
	done
}

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
	pg_cleanup
	rm -rf "$T"
}
trap e2e_cleanup EXIT

if on_pg && ! DB=$(new_database protocold); then
	echo "not ok - cannot make a database on the PostgreSQL server $PG_BASE"
	FAILS=$((FAILS + 1))
	exit 1
fi
on_pg || DB=$T/protocold.db

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
