# spec.md §10: protocolctl list pages through everything, watch follows the feed across a
# daemon restart without gaps or repeats, forecast and explain speak for people and
# --json scripts.
. "$(dirname "$0")/lib.sh"

C=$PROTOCOLCTL
start_daemon 2026-11-23T12:00:00-03:00
seq 1 2500 | awk '{ printf "{\"id\":\"L%d\",\"seller\":\"S%d\"}\n", $1, $1 % 3 }' >"$T/p.ndjson"
$C import "$T/p.ndjson" >/dev/null
check "import of 2500 lines exits 0" 0 $?

$C --json list >"$T/all.ndjson"
check "list exits 0" 0 $?
check "list --json pages through all 2500 (one object a line)" 2500 "$(wc -l <"$T/all.ndjson")"
check "each once" 2500 "$(jq -r .id "$T/all.ndjson" | sort -u | wc -l)"
check "list --seller S1 --json" 834 "$($C --json list --seller S1 | wc -l)"
check "list --limit 7" 7 "$($C --json list --limit 7 | wc -l)"
$C list --state pending --limit 3 >"$T/table"
check "the table has a header" 1 "$(grep -c '^ID' "$T/table")"
check "and one row a protocol" 3 "$(grep -c '^L' "$T/table")"

# watch: from 0, across a restart.
$C --json watch --after 0 --retry-for 30 >"$T/watch.ndjson" 2>"$T/watch.err" &
W=$!
create W1 && act W1 request_photos
for _ in $(seq 1 100); do
	[ "$(wc -l <"$T/watch.ndjson")" -ge 2502 ] && break
	sleep 0.05
done
stop_daemon
start_daemon 2026-11-23T12:00:00-03:00
create W2
advance 48h
# The feed's last seq, paging to its end.
LAST=0
while :; do
	NEXT=$(curl -s --unix-socket "$SOCK" "http://localhost/v1/events?after=$LAST&limit=1000" |
		jq .next)
	[ "$NEXT" = "$LAST" ] && break
	LAST=$NEXT
done
for _ in $(seq 1 200); do
	[ "$(tail -n 1 "$T/watch.ndjson" | jq -r .seq 2>/dev/null)" = "$LAST" ] && break
	sleep 0.05
done
kill -TERM "$W"
wait "$W"
check "watch ends with 0 on SIGTERM" 0 $?
check "watch saw every seq up to the last, across the restart" "$LAST" \
	"$(jq -r .seq "$T/watch.ndjson" | wc -l)"
check "in order, none twice" "true" \
	"$(jq -s '[.[].seq] == ([range(1; length + 1)])' "$T/watch.ndjson")"

# forecast and explain.
out=$($C forecast --within 72h)
check "forecast exits 0" 0 $?
case "$out" in *mediation*) ok "forecast says how many go to mediation" ;;
*) not_ok "forecast says how many go to mediation: $out" ;; esac
check "forecast --json is the API's object" 2 \
	"$($C --json forecast --within 72h --seller S1 | jq '.by_kind | length > 0 | if . then 2 else 0 end')"
create X1 && act X1 request_cancellation_letter
out=$($C explain X1)
check "explain exits 0" 0 $?
case "$out" in *letter_wait*6bd*) ok "explain names the rule and its value" ;;
*) not_ok "explain names the rule and its value: $out" ;; esac
check "explain --json" "letter_wait" "$($C --json explain X1 | jq -r .rule)"
finish
