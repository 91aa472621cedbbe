# spec.md §11: protocold under socket activation and the sd_notify protocol, without a
# systemd: systemd-socket-activate holds the socket and starts the daemon on the first
# connection; the daemon's notifications go to our own AF_UNIX datagram socket.
# - READY=1 (with STATUS= live counts) only once it serves, and not before a connection;
# - it serves on the socket it was passed (the path is not unlinked or bound again);
# - a reload (POST /v1/reload, SIGHUP), good or bad, is RELOADING=1 + MONOTONIC_USEC=,
#   then READY=1; after a bad one it keeps serving;
# - WATCHDOG=1 at half of WATCHDOG_USEC; STATUS= every 10 s with the live counts;
#   SIGTERM: STOPPING=1, exit 0.
. "$(dirname "$0")/lib.sh"

START=2026-11-23T12:00:00-03:00
NOTIFY=$T/notify.sock
NLOG=$T/notify.log
LISTENER=

command -v systemd-socket-activate >/dev/null || {
	not_ok "systemd-socket-activate is missing (Debian package systemd)"
	exit 1
}

activation_cleanup() {
	[ -z "$LISTENER" ] || kill "$LISTENER" 2>/dev/null
	if [ "$FAILS" -gt 0 ] && [ -f "$NLOG" ]; then
		echo "# notifications received:"
		sed 's/^/#   /' "$NLOG"
	fi
	e2e_cleanup
}
trap activation_cleanup EXIT

# The listener: prints each datagram on one line, "MONOTONIC_US TEXT" (newlines in TEXT
# as '|'). At the first READY=1 it asks the API socket for /v1/health/ready at once and
# prints "PROBE <status line>": the daemon must be serving when it says it is ready.
cat >"$T/listen.py" <<'PY'
import socket, sys, time
notify, api = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(notify)
probed = False
while True:
    text = s.recv(65536).decode(errors="replace")
    print(time.monotonic_ns() // 1000, text.replace("\n", "|"), flush=True)
    if not probed and "READY=1" in text.split("\n"):
        probed = True
        try:
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.settimeout(2)
            c.connect(api)
            c.sendall(b"GET /v1/health/ready HTTP/1.0\r\nHost: localhost\r\n\r\n")
            line = c.recv(4096).split(b"\r\n")[0].decode(errors="replace")
            c.close()
        except OSError as e:
            line = "error " + str(e)
        print("PROBE", line, flush=True)
PY

# wait_for PATTERN [AFTER_LINE]: until a line after AFTER_LINE of the notifications
# matches the extended regexp PATTERN (at most 10 s).
wait_for() {
	for _ in $(seq 1 200); do
		tail -n +$((${2:-0} + 1)) "$NLOG" | grep -qE "$1" && return 0
		sleep 0.05
	done
	return 1
}

# notes_after LINE: the notifications after LINE, without the watchdog pings and the
# time stamps, joined with ' / '.
notes_after() {
	tail -n +$(($1 + 1)) "$NLOG" | grep -v ' WATCHDOG=1$' | cut -d' ' -f2- |
		paste -sd/ | sed 's|/| / |g'
}

# A first run, not activated: the daemon binds the path itself (and removes it on
# exit). It leaves one protocol awaiting, for the STATUS= of the activated run.
write_config
start_daemon "$START"
create P1 && act P1 request_photos
check "without a passed socket the daemon binds the path itself" 200 "$STATUS"
stop_daemon
check "and exits 0 on SIGTERM" 0 "$STOP_RC"
[ ! -e "$SOCK" ] && ok "and removes the socket it bound" || not_ok "and removes the socket it bound"

/usr/bin/python3 "$T/listen.py" "$NOTIFY" "$SOCK" >"$NLOG" 2>>"$LOG" &
LISTENER=$!
for _ in $(seq 1 100); do [ -S "$NOTIFY" ] && break; sleep 0.05; done

# Without -a, systemd-socket-activate execs the daemon (same pid) on the first connection.
systemd-socket-activate -l "$SOCK" -E NOTIFY_SOCKET="$NOTIFY" -E WATCHDOG_USEC=400000 \
	"$PROTOCOLD" -c "$CONF" --test-clock="$START" >>"$LOG" 2>&1 &
PID=$!
for _ in $(seq 1 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
INODE=$(stat -c %i "$SOCK")
sleep 0.3
check "nothing is announced before the first connection" "" "$(cat "$NLOG")"
grep -q '^Execing' "$LOG" && not_ok "protocold started before the first connection" ||
	ok "protocold is not started before the first connection"

api GET /v1/health/ready
check_status "the first connection starts the daemon and gets its answer" 200
wait_for '^[0-9]+ READY=1' && ok "READY=1 is sent" || not_ok "READY=1 is sent"
check "READY=1 carries STATUS= with the live counts" \
	"READY=1|STATUS=1 protocols, 1 awaiting, next due in 48h00m" \
	"$(grep -m1 -oE 'READY=1.*' "$NLOG")"
wait_for '^PROBE'
check "the socket answers as soon as READY=1 arrives" 200 \
	"$(grep -m1 '^PROBE' "$NLOG" | cut -d' ' -f3)"
check "READY=1 is sent once at start" 1 "$(grep -c ' READY=1' "$NLOG")"
check "the daemon serves on the passed socket (same inode, not bound again)" "$INODE" \
	"$(stat -c %i "$SOCK" 2>/dev/null)"
show P1
check "the database is the one of the first run" awaiting "$(j .state)"

# A good reload.
N=$(wc -l <"$NLOG")
api POST /v1/reload
check_status "POST /v1/reload" 200
wait_for ' READY=1' "$N"
check "a reload is RELOADING=1 + MONOTONIC_USEC=, then READY=1" \
	"RELOADING=1|MONOTONIC_USEC=# / READY=1|STATUS=1 protocols, 1 awaiting, next due in 48h00m" \
	"$(notes_after "$N" | sed -E 's/MONOTONIC_USEC=[0-9]+/MONOTONIC_USEC=#/')"
line=$(tail -n +$((N + 1)) "$NLOG" | grep -m1 'RELOADING=1')
recv=${line%% *}
mono=${line##*MONOTONIC_USEC=}
if [ -n "$recv" ] && [ -n "$mono" ] && [ "$mono" -le "$recv" ] &&
	[ $((recv - mono)) -lt 5000000 ]; then
	ok "MONOTONIC_USEC= is CLOCK_MONOTONIC at the reload"
else
	not_ok "MONOTONIC_USEC= is CLOCK_MONOTONIC at the reload: got '$mono', received at '$recv'"
fi

# A bad reload: refused, but the daemon says READY=1 again and keeps serving.
write_config "[deadlines]
photos_wait = 12"
N=$(wc -l <"$NLOG")
api POST /v1/reload
check_status "POST /v1/reload with a bad file" 422
wait_for ' READY=1' "$N"
check "a bad reload still ends with READY=1" \
	"RELOADING=1|MONOTONIC_USEC=# / READY=1|STATUS=reload failed, previous configuration kept; 1 protocols, 1 awaiting, next due in 48h00m" \
	"$(notes_after "$N" | sed -E 's/MONOTONIC_USEC=[0-9]+/MONOTONIC_USEC=#/')"
api GET /v1/stats
check_status "after a bad reload the daemon keeps serving" 200

# SIGHUP is the same reload.
write_config
N=$(wc -l <"$NLOG")
kill -HUP "$PID"
wait_for ' READY=1' "$N"
check "SIGHUP: RELOADING=1 + MONOTONIC_USEC=, then READY=1" \
	"RELOADING=1|MONOTONIC_USEC=# / READY=1|STATUS=1 protocols, 1 awaiting, next due in 48h00m" \
	"$(notes_after "$N" | sed -E 's/MONOTONIC_USEC=[0-9]+/MONOTONIC_USEC=#/')"

# The watchdog: WATCHDOG_USEC=400000, so a ping every 200 ms.
sleep 1
pings=$(grep -c ' WATCHDOG=1$' "$NLOG")
[ "$pings" -ge 5 ] && ok "WATCHDOG=1 pings arrive ($pings)" ||
	not_ok "WATCHDOG=1 pings arrive: $pings"
median=$(grep ' WATCHDOG=1$' "$NLOG" | awk 'NR > 1 { print $1 - prev } { prev = $1 }' |
	sort -n | awk '{ v[NR] = $1 } END { print NR ? int(v[int((NR + 1) / 2)] / 1000) : -1 }')
[ "$median" -ge 150 ] && [ "$median" -le 300 ] &&
	ok "the pings come at half of WATCHDOG_USEC (median ${median} ms)" ||
	not_ok "the pings come at half of WATCHDOG_USEC: median ${median} ms, want about 200"

# STATUS= every 10 s (SYSD_STATUS_EVERY_S) with the live counts, read once what was
# committed is on disk: a protocol created since the last READY=1 is counted.
create P2
check_status "a second protocol is created" 201
N=$(wc -l <"$NLOG")
for _ in $(seq 1 240); do
	tail -n +$((N + 1)) "$NLOG" | grep -q '^[0-9]* STATUS=' && break
	sleep 0.05
done
check "every 10 s STATUS= carries the live counts" \
	"STATUS=2 protocols, 1 awaiting, next due in #h##m" \
	"$(tail -n +$((N + 1)) "$NLOG" | grep -m1 -oE '^[0-9]+ STATUS=.*' | cut -d' ' -f2- |
		sed -E 's/[0-9]+h[0-9]{2}m$/#h##m/')"

# SIGTERM: STOPPING=1, exit 0, and the passed socket is left where it was.
N=$(wc -l <"$NLOG")
stop_daemon
check "SIGTERM: exit 0" 0 "$STOP_RC"
wait_for ' STOPPING=1' "$N" && ok "SIGTERM: STOPPING=1 is sent" ||
	not_ok "SIGTERM: STOPPING=1 is sent"
check "the passed socket is not removed by the daemon" "$INODE" \
	"$(stat -c %i "$SOCK" 2>/dev/null)"
finish
