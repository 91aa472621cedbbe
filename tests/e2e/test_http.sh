#!/bin/bash
# HTTP conformance and the listeners: HEAD served as GET, Host required in HTTP/1.1,
# libevent's own error answers counted, a follow=1 stream that outlives idle_timeout
# (heartbeats), a feed cursor past the end (409 cursor_ahead), and the read-only TCP
# listener (http_listen).
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3

# raw REQUEST_BYTES_PY_LITERAL: send it on a fresh connection, print the status line.
raw() {
	$PY - "$SOCK" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(eval(sys.argv[2]))
data = b""
try:
    while b"\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
except OSError:
    pass
print(data.split(b"\r\n")[0].decode(errors="replace"))
PY
}

# metric_code CODE: protocold_http_requests_total{code=CODE}, or 0.
metric_code() {
	curl -s --unix-socket "$SOCK" http://localhost/metrics |
		awk -v c="protocold_http_requests_total{code=\"$1\"}" '$1 == c { print $2 }' |
		grep . || echo 0
}

# A free loopback port for the TCP listener.
PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

write_config
sed -i "s/^synchronous = full/synchronous = full\nidle_timeout = 2s\nhttp_listen = 127.0.0.1:$PORT/" "$CONF"
start_daemon

# --- HEAD -----------------------------------------------------------------------
api POST /v1/protocols '{"id":"H1","seller":"S1"}'
check_status "a protocol to look at" 201
for path in /v1/stats /v1/protocols/H1 /v1/version /metrics /v1/health/ready \
    "/v1/protocols?limit=5" /v1/protocols/H1/history /v1/sellers/S1; do
	get=$(curl -s -o /dev/null -D - --unix-socket "$SOCK" "http://localhost$path" |
		tr -d '\r' | grep -iE '^(HTTP/|Content-Type:)' | tr '\n' ' ')
	head=$(curl -s -I --max-time 5 --unix-socket "$SOCK" "http://localhost$path" |
		tr -d '\r' | grep -iE '^(HTTP/|Content-Type:)' | tr '\n' ' ')
	check "HEAD $path: the status and Content-Type of the GET" "$get" "$head"
done
out=$(curl -s -I --unix-socket "$SOCK" http://localhost/v1/version | tr -d '\r')
len=$(printf '%s\n' "$out" | awk -F': ' 'tolower($1) == "content-length" { print $2 }')
body=$(curl -s --unix-socket "$SOCK" http://localhost/v1/version | wc -c)
check "HEAD /v1/version: Content-Length is the GET's body length" "$body" "$len"
n=$(curl -s -X HEAD --max-time 5 --unix-socket "$SOCK" http://localhost/v1/version | wc -c)
check "HEAD sends no body" 0 "$n"
out=$(curl -s -i -X DELETE --unix-socket "$SOCK" http://localhost/v1/stats | tr -d '\r')
check "405 lists HEAD where GET is allowed" "Allow: GET, HEAD" \
	"$(printf '%s\n' "$out" | grep -i '^Allow:')"
start=$(date +%s)
code=$(curl -s -I --max-time 5 -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" \
	"http://localhost/v1/events?follow=1")
check "HEAD on the follow stream answers at once" 200 "$code"
code=$(curl -s -I --max-time 5 -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" \
	"http://localhost/v1/events?after=1&wait=60")
check "HEAD on a long-poll answers at once" 200 "$code"
[ $(($(date +%s) - start)) -lt 4 ] && ok "HEADs on the feed did not wait" ||
	not_ok "HEADs on the feed waited"

# --- Host, and libevent's own answers in the metrics ------------------------------
check "HTTP/1.1 without Host: 400" "HTTP/1.1 400 Bad Request" \
	"$(raw 'b"GET /v1/version HTTP/1.1\r\n\r\n"')"
api GET /v1/version
check "HTTP/1.0 without Host is served" "HTTP/1.0 200 OK" \
	"$(raw 'b"GET /v1/version HTTP/1.0\r\n\r\n"')"
b400=$(metric_code 400)
b413=$(metric_code 413)
b501=$(metric_code 501)
check "a malformed request line: libevent's 400" "HTTP/1.1 400 Bad Request" \
	"$(raw 'b"NONSENSE\r\n\r\n"')"
check "a header block over the limit: libevent's answer" "HTTP/1.1 400 Bad Request" \
	"$(raw 'b"GET /v1/version HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n"')"
check "a body over libevent's limit: 413" "HTTP/1.1 413 Request Entity Too Large" \
	"$(raw 'b"POST /v1/protocols HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n" + b"{" * 70000')"
check "an unknown method: libevent's 501" "HTTP/1.1 501 Not Implemented" \
	"$(raw 'b"TRACE /v1/version HTTP/1.1\r\nHost: x\r\n\r\n"')"
check "libevent's 400s are counted" $((b400 + 2)) "$(metric_code 400)"
check "libevent's 413 is counted" $((b413 + 1)) "$(metric_code 413)"
check "libevent's 501 is counted" $((b501 + 1)) "$(metric_code 501)"

# --- the feed past its end: 409 cursor_ahead ----------------------------------------
api GET /v1/events
last=$(j .next)
api GET "/v1/events?after=$((last + 5))"
check_status "a long-poll past the end of the feed" 409
check "... code cursor_ahead" cursor_ahead "$(j .code)"
case $(j .detail) in
*"ends at seq $last"*restored*) ok "... the detail names the last seq and a restore" ;;
*) not_ok "... the detail names the last seq and a restore: $(j .detail)" ;;
esac
api GET "/v1/events?after=$((last + 5))&follow=1"
check_status "a follower past the end of the feed" 409
check "... code cursor_ahead" cursor_ahead "$(j .code)"
api GET "/v1/events?after=$last"
check_status "at the end exactly: no refusal" 200
out=$("$PROTOCOLCTL" watch --after $((last + 5)) 2>&1)
check "protocolctl watch past the end exits 1" 1 "$?"
case $out in
*cursor_ahead*|*"past the end"*) ok "protocolctl watch shows the problem" ;;
*) not_ok "protocolctl watch shows the problem: $out" ;;
esac

# --- a quiet follower outlives idle_timeout (2 s here) ------------------------------
curl -s -N --max-time 7 --unix-socket "$SOCK" \
	"http://localhost/v1/events?follow=1&after=$last" >"$T/follow.out" 2>/dev/null &
FOLLOW=$!
sleep 5	# 2.5 idle timeouts of a quiet feed (no deadline waits on this)
api POST /v1/protocols '{"id":"H2","seller":"S1"}'
check_status "an entry for the follower" 201
wait "$FOLLOW"
check "curl stayed connected to its own limit (not cut: 18)" 28 "$?"
check "the follower got the entry committed after 5 s" H2 \
	"$(grep -v '^$' "$T/follow.out" | jq -r .protocol | tail -1)"
beats=$(grep -c '^$' "$T/follow.out")
[ "$beats" -ge 3 ] && ok "heartbeats (empty lines) kept it alive: $beats" ||
	not_ok "heartbeats (empty lines) kept it alive: $beats"
"$PROTOCOLCTL" --json watch --after "$last" >"$T/watch.out" 2>&1 &
WATCH=$!
sleep 3
kill "$WATCH"; wait "$WATCH" 2>/dev/null
check "protocolctl watch skips the heartbeats" H2 \
	"$(jq -r .protocol "$T/watch.out" 2>/dev/null | tr '\n' ' ' | sed 's/ $//')"

# --- the read-only TCP listener -----------------------------------------------------
TCP=http://127.0.0.1:$PORT
code=$(curl -s -o "$T/m" -w '%{http_code}' "$TCP/metrics")
check "TCP: GET /metrics" 200 "$code"
grep -q '^protocold_http_requests_total' "$T/m" && ok "TCP: the metrics are there" ||
	not_ok "TCP: the metrics are there"
code=$(curl -s -o /dev/null -w '%{http_code}' "$TCP/v1/protocols/H1")
check "TCP: GET a protocol" 200 "$code"
code=$(curl -s -I -o /dev/null -w '%{http_code}' "$TCP/v1/health/ready")
check "TCP: HEAD" 200 "$code"
out=$(curl -s -i -H 'Content-Type: application/json' -d '{"id":"T1","seller":"S1"}' \
	"$TCP/v1/protocols" | tr -d '\r')
check "TCP: POST refused (405)" "HTTP/1.1 405 Method Not Allowed" "$(printf '%s\n' "$out" | head -1)"
check "TCP: Allow: GET, HEAD" "Allow: GET, HEAD" "$(printf '%s\n' "$out" | grep -i '^Allow:')"
api GET /v1/protocols/T1
check_status "TCP: the POST created nothing" 404
for req in "POST /v1/clock" "POST /v1/reload" "PUT /v1/sellers/S1" \
    "POST /v1/protocols/H1/actions" "DELETE /v1/stats" "POST /v1/protocols:import"; do
	code=$(curl -s -o /dev/null -w '%{http_code}' -X "${req% *}" -d '{}' "$TCP${req#* }")
	check "TCP: $req refused" 405 "$code"
done
api GET /v1/clock
now=$(j .now)
curl -s -o /dev/null -d '{"advance":"48h"}' "$TCP/v1/clock"
api GET /v1/clock
check "TCP: the clock did not move" "$now" "$(j .now)"
# A GET that hands out the whole database is a writer's: never on TCP.
code=$(curl -s -o "$T/b" -w '%{http_code}' "$TCP/v1/backup")
check "TCP: GET /v1/backup refused (403)" 403 "$code"
grep -q 'TCP listener only reads' "$T/b" && ok "TCP: the refusal says why" ||
	not_ok "TCP: the refusal says why"

# --- both sockets passed by systemd, told apart by name ------------------------------
if command -v systemd-socket-activate >/dev/null; then
	PORT2=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	SOCK2=$T/act.sock
	# The config's own socket and http_listen are not used: the passed ones are.
	ACTDB=$(new_database act)
	while IFS= read -r line; do
		case $line in
		"socket = "*) echo "socket = $T/unused.sock" ;;
		"database = "*) echo "database = $ACTDB" ;;
		*) echo "$line" ;;
		esac
	done <"$CONF" >"$T/act.ini"
	systemd-socket-activate -l "$SOCK2" -l "127.0.0.1:$PORT2" --fdname=api:http \
		"$PROTOCOLD" -c "$T/act.ini" --test-clock=2026-11-23T12:00:00-03:00 \
		>>"$LOG" 2>&1 &
	ACT=$!
	for _ in $(seq 1 100); do
		curl -s --max-time 1 -o /dev/null "http://127.0.0.1:$PORT2/v1/health/ready" && break
		sleep 0.05
	done
	code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT2/v1/version")
	check "activation: GET on the socket named http" 200 "$code"
	code=$(curl -s -o /dev/null -w '%{http_code}' -d '{"id":"A1","seller":"S1"}' \
		"http://127.0.0.1:$PORT2/v1/protocols")
	check "activation: the socket named http is read-only" 405 "$code"
	code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK2" \
		-H 'Content-Type: application/json' -d '{"id":"A1","seller":"S1"}' \
		http://localhost/v1/protocols)
	check "activation: the socket named api takes writes" 201 "$code"
	check "activation: the config's socket was not bound" no \
		"$([ -e "$T/unused.sock" ] && echo yes || echo no)"
	kill -TERM "$ACT"
	wait "$ACT"
	check "activation: the daemon exits 0" 0 "$?"
else
	ok "activation with named sockets # SKIP no systemd-socket-activate"
fi

# --- http_listen's values -----------------------------------------------------------
for bad in "127.0.0.1" "localhost:9464" "127.0.0.1:0" "127.0.0.1:70000" "::1:9464" \
    "[::1]9464" "127.0.0.1:x"; do
	printf '[daemon]\ndatabase = %s\nsocket = %s\nhttp_listen = %s\n' "$T/x.db" \
		"$T/x.sock" "$bad" >"$T/bad.ini"
	out=$("$PROTOCOLD" -c "$T/bad.ini" --check-config 2>&1)
	rc=$?
	case "$rc:$out" in
	6:*bad.ini:4:*http_listen*) ok "http_listen = $bad: a config error naming file, line, key" ;;
	*) not_ok "http_listen = $bad: a config error naming file, line, key: $rc $out" ;;
	esac
done
printf '[daemon]\ndatabase = %s\nsocket = %s\nhttp_listen = [::1]:9464\n' "$T/x.db" \
	"$T/x.sock" >"$T/v6.ini"
"$PROTOCOLD" -c "$T/v6.ini" --check-config >/dev/null 2>&1
check "http_listen = [::1]:9464 is valid" 0 "$?"
sed -i "s/^http_listen = .*/http_listen = 127.0.0.1:$((PORT == 65535 ? PORT - 1 : PORT + 1))/" "$CONF"
api POST /v1/reload
grep -q "http_listen changed; it applies at the next start" "$LOG" &&
	ok "a reload that changes http_listen says it needs a restart" ||
	not_ok "a reload that changes http_listen says it needs a restart"

exit $((FAILS > 0))
