# The on-call's metrics in GET /metrics (protocold(8), METRICS): the scheduler's
# backlog (protocold_scheduler_oldest_due_seconds: 0 when healthy, growing while due
# clocks cannot be applied), open connections against max_connections, the process_*
# families, the SQLite WAL's size, protocold_database_up; every family with HELP and
# TYPE, and promtool finds nothing in the live output.
. "$(dirname "$0")/lib.sh"

write_config
sed -i '0,/^\[daemon\]$/s//[daemon]\nmax_connections = 100/' "$CONF"
start_daemon

M=$T/metrics.txt
# scrape: GET /metrics into $M (STATUS).
scrape() {
	STATUS=$(curl -s --max-time 30 --unix-socket "$SOCK" -o "$M" -w '%{http_code}' \
		http://localhost/metrics)
}

# metric NAME: its value in $M (a sample without labels), or "absent".
metric() {
	awk -v s="$1" '$1 == s { print $2; found = 1 } END { if (!found) print "absent" }' "$M"
}

# settle NAME VALUE: scrape until NAME is VALUE (a closed connection is seen by the
# daemon a moment after its client left), for 2 s at most.
settle() {
	for _ in $(seq 1 100); do
		scrape
		[ "$(metric "$1")" = "$2" ] && return 0
		sleep 0.02
	done
}

# described NAME TYPE: the family has its HELP and its TYPE line.
described() {
	grep -q "^# HELP $1 ." "$M" && grep -qx "# TYPE $1 $2" "$M"
}

scrape
check_status "GET /metrics" 200
out=$(promtool check metrics <"$M" 2>&1)
check "promtool check metrics finds nothing in the live output" "0:" "$?:$out"

for f in protocold_scheduler_oldest_due_seconds:gauge protocold_database_up:gauge \
	protocold_http_connections_open:gauge protocold_http_connections_max:gauge \
	process_start_time_seconds:gauge process_resident_memory_bytes:gauge \
	process_virtual_memory_bytes:gauge process_open_fds:gauge process_max_fds:gauge \
	process_cpu_seconds_total:counter; do
	if described "${f%:*}" "${f#*:}"; then
		ok "${f%:*} has HELP and TYPE ${f#*:}"
	else
		not_ok "${f%:*} has HELP and TYPE ${f#*:}"
	fi
done

# --- the scheduler's backlog --------------------------------------------------------
check "healthy and nothing due: oldest due 0" 0 "$(metric protocold_scheduler_oldest_due_seconds)"
check "the database answered: database_up 1" 1 "$(metric protocold_database_up)"
create P1
check_status "create P1" 201
advance 30d
scrape
check "its clocks applied at once: oldest due still 0" 0 \
	"$(metric protocold_scheduler_oldest_due_seconds)"

# A stalled scheduler: on PostgreSQL, another session locks the protocols table against
# writes (reads go on), so the clocks that fall due cannot be applied.
if on_pg; then
	create P2
	check_status "create P2" 201
	"$PSQL" -X -q -d "$DB" -v ON_ERROR_STOP=1 -c "BEGIN; LOCK TABLE protocols IN
		EXCLUSIVE MODE; SELECT pg_sleep(3); COMMIT;" >/dev/null 2>&1 &
	locker=$!
	for _ in $(seq 1 100); do
		n=$(pg_sql "$(pg_db_name)" "SELECT count(*) FROM pg_locks l JOIN pg_class c
			ON c.oid = l.relation WHERE c.relname = 'protocols'
			AND l.mode = 'ExclusiveLock' AND l.granted")
		[ "$n" = 1 ] && break
		sleep 0.02
	done
	# The answer waits for the clocks to be applied: in the background.
	curl -s --max-time 30 --unix-socket "$SOCK" -o /dev/null -w '%{http_code}' \
		-H 'Content-Type: application/json' --data-binary '{"advance":"30d"}' \
		http://localhost/v1/clock >"$T/advance.code" &
	advancer=$!
	stalled=0
	for _ in $(seq 1 50); do
		scrape
		v=$(metric protocold_scheduler_oldest_due_seconds)
		awk -v v="$v" 'BEGIN { exit !(v > 86400) }' && { stalled=1; break; }
		sleep 0.02
	done
	v=$(metric protocold_scheduler_oldest_due_seconds)
	check "the writes locked: oldest due is days (the clock moved 30 days; got $v)" \
		1 "$stalled"
	wait "$locker"
	wait "$advancer"
	check "the lock gone: the advance answered" 200 "$(cat "$T/advance.code")"
	scrape
	check "applied: oldest due back to 0" 0 "$(metric protocold_scheduler_oldest_due_seconds)"
else
	echo "ok - a stalled scheduler's backlog # SKIP on SQLite (tests/unit/test_sched.c covers it)"
fi

# --- connections ------------------------------------------------------------------
check "max_connections as configured" 100 "$(metric protocold_http_connections_max)"
settle protocold_http_connections_open 1
check "one connection open: the scrape's" 1 "$(metric protocold_http_connections_open)"
curl -s -N --max-time 20 --unix-socket "$SOCK" \
	'http://localhost/v1/events?follow=1&after=0' >/dev/null 2>&1 &
follower=$!
settle protocold_http_connections_open 2
check "a follower connected: two open" 2 "$(metric protocold_http_connections_open)"
kill "$follower" 2>/dev/null
wait "$follower" 2>/dev/null
settle protocold_http_connections_open 1
check "the follower gone: one open again" 1 "$(metric protocold_http_connections_open)"

# --- the process ------------------------------------------------------------------
start=$(awk '{ print int($1) }' <<<"$(metric process_start_time_seconds)")
now=$(date +%s)
check "process_start_time_seconds is this process's start (within 5 min)" 1 \
	"$(( start > now - 300 && start <= now + 1 ))"
ps_start=$(date -d "$(ps -o lstart= -p "$PID")" +%s)
check "process_start_time_seconds agrees with ps (within 1 s)" 1 \
	"$(( start >= ps_start - 1 && start <= ps_start + 1 ))"
check "process_max_fds: max_connections + 64" 164 "$(metric process_max_fds)"
fds=$(($(ls /proc/"$PID"/fd | wc -l)))
v=$(metric process_open_fds)
check "process_open_fds near the daemon's descriptors (got $v, /proc has $fds)" 1 \
	"$(( v > 3 && v >= fds - 2 && v <= fds + 2 ))"
rss=$(awk '/^VmRSS:/ { print $2 * 1024 }' /proc/"$PID"/status)
v=$(metric process_resident_memory_bytes)
check "process_resident_memory_bytes near VmRSS (got $v, VmRSS $rss)" 1 \
	"$(awk -v a="$v" -v b="$rss" 'BEGIN { print (a > 0 && a > b / 2 && a < b * 2) }')"
check "process_virtual_memory_bytes at least the resident" 1 \
	"$(awk -v a="$(metric process_virtual_memory_bytes)" -v b="$v" 'BEGIN { print (a >= b) }')"
check "process_cpu_seconds_total is a number" 1 \
	"$(metric process_cpu_seconds_total | grep -cE '^[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?$')"

# --- the WAL ----------------------------------------------------------------------
if on_pg; then
	check "PostgreSQL: no protocold_sqlite_wal_bytes" absent "$(metric protocold_sqlite_wal_bytes)"
else
	described protocold_sqlite_wal_bytes gauge && ok "protocold_sqlite_wal_bytes has HELP and TYPE gauge" ||
		not_ok "protocold_sqlite_wal_bytes has HELP and TYPE gauge"
	same=0
	for _ in 1 2 3 4 5; do
		scrape
		[ "$(metric protocold_sqlite_wal_bytes)" = "$(stat -c %s "$DB-wal")" ] && { same=1; break; }
		sleep 0.1
	done
	check "protocold_sqlite_wal_bytes is the -wal file's size" 1 "$same"
fi

# --- after all that, still clean ----------------------------------------------------
scrape
out=$(promtool check metrics <"$M" 2>&1)
check "promtool still finds nothing" "0:" "$?:$out"
finish
