# spec.md §7: SIGHUP and POST /v1/reload swap in a good file; a bad one keeps the old
# configuration running and says why (file, line, key). New values apply to clocks
# started after the reload; running clocks keep their due time. --check-config checks
# a file offline (exit 0, or 6).
. "$(dirname "$0")/lib.sh"

# wait_log TEXT: until the daemon's log has TEXT (at most 5 s).
wait_log() {
	for _ in $(seq 1 100); do
		grep -q "$1" "$LOG" && return 0
		sleep 0.05
	done
	return 1
}

write_config "[deadlines]
photos_wait = 48h"
start_daemon 2026-11-23T12:00:00-03:00
create P1 && act P1 request_photos
check "before the reload photos_wait is 48 h" 2026-11-25T12:00:00-03:00 "$(j .clock.due_at)"

write_config "[deadlines]
photos_wait = 24h"
kill -HUP "$PID"
wait_log "configuration reloaded" && ok "SIGHUP reloads" || not_ok "SIGHUP reloads"
create P2 && act P2 request_photos
check "a clock started after the reload uses the new value" 2026-11-24T12:00:00-03:00 \
	"$(j .clock.due_at)"
show P1
check "a running clock keeps its due time" 2026-11-25T12:00:00-03:00 "$(j .clock.due_at)"

# A bad file: the old configuration keeps running.
write_config "[deadlines]
photos_wait = 12"
kill -HUP "$PID"
wait_log "reload failed" && ok "SIGHUP with a bad file is refused" ||
	not_ok "SIGHUP with a bad file is refused"
grep -q "$CONF:11: \[deadlines\] photos_wait" "$LOG" && ok "the log names file, line and key" ||
	not_ok "the log names file, line and key"
kill -0 "$PID" && ok "the daemon keeps running" || not_ok "the daemon keeps running"
create P3 && act P3 request_photos
check "the previous configuration (24 h) still applies" 2026-11-24T12:00:00-03:00 \
	"$(j .clock.due_at)"

api POST /v1/reload
check_status "POST /v1/reload with a bad file" 422
check "its code" config_invalid "$(j .code)"
check "its errors name the file, line and key" 1 \
	"$(j "[.errors[] | select(startswith(\"$CONF:11: [deadlines] photos_wait\"))] | length")"

write_config "[deadlines]
photos_wait = 36h
[reason.fast]
photos_wait = 6h"
api POST /v1/reload
check_status "POST /v1/reload with a good file" 200
create P4 && act P4 request_photos
check "the reloaded value applies" 2026-11-25T00:00:00-03:00 "$(j .clock.due_at)"
create P5 '"reason":"fast"' && act P5 request_photos
check "a [reason.X] override applies" 2026-11-23T18:00:00-03:00 "$(j .clock.due_at)"

# --check-config, offline.
"$PROTOCOLD" -c "$CONF" --check-config >/dev/null 2>&1
check "--check-config on a good file exits 0" 0 $?
BAD=$T/bad.ini
printf '[deadlines]\nphotos_wait = 48\nnope = 1\n[weird]\n[daemon]\nread_map = 512\n' >"$BAD"
out=$("$PROTOCOLD" -c "$BAD" --check-config 2>&1)
check "--check-config on a bad file exits 6" 6 $?
case "$out" in
*"$BAD:2: [deadlines] photos_wait"*) ok "it names file:line:key of the bad value" ;;
*) not_ok "it names file:line:key of the bad value: $out" ;;
esac
case "$out" in
*"$BAD:3: [deadlines] nope"*) ok "and of the unknown key" ;;
*) not_ok "and of the unknown key: $out" ;;
esac
case "$out" in
*"$BAD:4:"*) ok "and of the unknown section" ;;
*) not_ok "and of the unknown section: $out" ;;
esac
case "$out" in
*"$BAD:6: [daemon] read_map: \"512\" is not a size"*) ok "and of a size without its unit" ;;
*) not_ok "and of a size without its unit: $out" ;;
esac
"$PROTOCOLD" -c "$BAD" --test-clock >/dev/null 2>&1
check "starting on a bad file exits 6" 6 $?
"$PROTOCOLD" -c "$T/missing.ini" --check-config >/dev/null 2>&1
check "a missing file exits 6" 6 $?
finish
