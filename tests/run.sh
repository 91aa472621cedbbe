#!/bin/sh
# Runs every unit and end-to-end test against each build directory given
# (default: build), then prints one line "N passed, N failed".
# Unit binaries speak TAP (cmocka); e2e scripts print "ok - …" / "not ok - …".
# Each script gets LOGDIR, this run's log directory, for the files it keeps (a screenshot).
#
# Both stores: everything runs on SQLite; with the first build, the end-to-end suite
# and the short torture of the store (kill -9, downtime, clock steps) run again on
# PostgreSQL (build/pg/…), each script on a database of its own that it makes and
# drops (tests/e2e/lib.sh, tests/torture/torture.py), and the PostgreSQL fault test
# runs on a server of its own that it stops and starts. PROTOCOLD_PG says where:
#   unset   a throw-away server for the run (tests/pgtmp.sh), stopped at the end
#   a URI   that server (libpq URI of a superuser on its postgres database)
#   off     no PostgreSQL part (one SKIP line)
set -u
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- build
passed=0
failed=0
t_start=$(date +%s)
logdir=$(mktemp -d "${TMPDIR:-/tmp}/protocold-tests.XXXXXX")
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
pg=${PROTOCOLD_PG:-}
unset PROTOCOLD_PG	# the SQLite runs never see it; script_pg passes it on
script_pg=
pgdir=
child=

# The throw-away server is stopped and removed whatever happens; a signal also stops
# the test script running (it runs in the background so that the signal is taken at
# once, not when the script ends).
pg_stop() {
	[ -n "$pgdir" ] || return 0
	sh tests/pgtmp.sh stop "$pgdir" fast
	rm -rf "$pgdir"
	pgdir=
}
on_signal() {
	[ -z "$child" ] || kill -TERM "$child" 2>/dev/null
	exit "$1"
}
trap pg_stop EXIT
trap 'on_signal 129' HUP
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

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
# On PostgreSQL (script_pg set) it gets the server's URI as PROTOCOLD_PG.
script() {
	log="$logdir/$(echo "$1" | tr / _).log"
	t0=$(date +%s)
	env PROTOCOLD="$PWD/$2/protocold" PROTOCOLCTL="$PWD/$2/protocolctl" BUILD="$2" \
		PROTOCOLD_PG="$script_pg" LOGDIR="$logdir" timeout "$3" bash "$4" >"$log" 2>&1 </dev/null &
	child=$!
	wait "$child"
	rc=$?
	child=
	count "$1" "$log" "$rc"
}

# note NAME LINE: count one TAP line of our own.
note() {
	log="$logdir/$(echo "$1" | tr / _).log"
	t0=$(date +%s)
	echo "$2" >"$log"
	count "$1" "$log" 0
}

# pg_sweep: drop the databases a script left on the server (pd_…: the names lib.sh and
# torture.py give theirs), e.g. when its timeout killed it before its clean-up.
pg_sweep() {
	for db in $("$PGBIN/psql" -X -At -d "$script_pg" -c \
		"SELECT datname FROM pg_database WHERE datname LIKE 'pd\_%'" 2>/dev/null); do
		"$PGBIN/psql" -X -q -d "$script_pg" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" \
			>/dev/null 2>&1
	done
}

# pg_start: script_pg = the server's URI (started here unless PROTOCOLD_PG named one).
pg_start() {
	if [ -n "$pg" ]; then
		script_pg=$pg
		"$PGBIN/psql" -X -At -d "$pg" -c 'SELECT 1' >"$logdir/pgtmp.log" 2>&1
		return
	fi
	pgdir=$(mktemp -d "${TMPDIR:-/tmp}/protocold-pg.XXXXXX")
	script_pg=$(sh tests/pgtmp.sh start "$pgdir" 2>"$logdir/pgtmp.log")
}

# pg_suite BUILD: the end-to-end suite, the torture of the store and the fault test
# with BUILD on PostgreSQL.
pg_suite() {
	t_pg=$(date +%s)
	if [ "$pg" = off ]; then
		note "$1/pg" "ok - the tests on PostgreSQL # SKIP PROTOCOLD_PG=off"
		return
	fi
	if ! pg_start; then
		note "$1/pg" "not ok - PostgreSQL is not available: $(tail -n 3 \
			"$logdir/pgtmp.log" | tr '\n' ' ')"
		pg_stop
		return
	fi
	for t in tests/e2e/test_*.sh; do
		[ -f "$t" ] || continue
		script "$1/pg/e2e/$(basename "$t" .sh)" "$1" 300 "$t"
		pg_sweep
	done
	for t in kill9 downtime clocksteps cluster; do
		script "$1/pg/torture/test_$t" "$1" 300 "tests/torture/test_$t.sh"
		pg_sweep
	done
	script_pg=
	pg_stop
	# A server of its own: it stops, kills and starts it.
	script "$1/pg/torture/test_pgfaults" "$1" 180 tests/torture/test_pgfaults.sh
	echo "PostgreSQL part: $(($(date +%s) - t_pg)) s"
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
# The checks by the tools operators and packagers use (mandoc, an OpenAPI validator, the
# package build, shell completion): once, with the first build.
for t in tests/tools/test_*.sh; do
	[ -f "$t" ] && script "tools/$(basename "$t" .sh)" "$1" 900 "$t"
done
# The torture tests of issue 6 in their short mode (TORTURE=long: `make torture`): once,
# with the first build; the PostgreSQL fault test runs with the PostgreSQL part below.
for t in tests/torture/test_*.sh; do
	case $t in tests/torture/test_pgfaults.sh | tests/torture/test_cluster.sh) continue ;; esac
	[ -f "$t" ] && script "$1/torture/$(basename "$t" .sh)" "$1" 300 "$t"
done
# The same end-to-end suite and torture of the store on PostgreSQL: once, with the
# first build.
pg_suite "$1"
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
