# spec.md §8–§9: the feed (GET /v1/events) — every history entry of every protocol, in
# commit order, never skipping or repeating a seq; cursor paging; query validation;
# long-polls that wake on a commit (and only on one); clock expiries in due order.
. "$(dirname "$0")/lib.sh"

# jc FILTER: jq -c on BODY.
jc() {
	printf '%s' "$BODY" | jq -c "$1"
}

ms_now() {
	echo $(($(date +%s%N) / 1000000))
}

# feed QUERY: GET /v1/events?QUERY into STATUS/BODY.
feed() {
	api GET "/v1/events?$1"
}

# last_seq: the feed's newest seq (0 when empty).
last_seq() {
	feed 'limit=1000'
	while [ "$(j '.items | length')" = 1000 ]; do
		feed "after=$(j .next)&limit=1000"
	done
	j .next
}

# poll_bg FILE QUERY: a long-poll in the background; its PID in POLL_PID, its answer
# (body, then a line with the HTTP status and the elapsed ms) in FILE.
poll_bg() {
	local file=$1 query=$2
	(
		t0=$(ms_now)
		body=$(curl -s --max-time 30 --unix-socket "$SOCK" -w '\n%{http_code}' \
			"http://localhost/v1/events?$query")
		t1=$(ms_now)
		printf '%s %s\n' "$body" "$((t1 - t0))" >"$file"
	) &
	POLL_PID=$!
}

# wait_waiters N: until the daemon holds N long-polls (GET /v1/stats feed_waiting).
wait_waiters() {
	local n=""
	for _ in $(seq 1 200); do
		api GET /v1/stats
		n=$(j .feed_waiting)
		[ "$n" = "$1" ] && return 0
		sleep 0.02
	done
	not_ok "the daemon never held $1 long-polls (feed_waiting $n)"
	return 1
}

# read_poll FILE: BODY, STATUS and ELAPSED of a finished background long-poll.
read_poll() {
	local out
	out=$(cat "$1")
	ELAPSED=${out##* }
	out=${out% *}
	STATUS=${out##*$'\n'}
	BODY=${out%$'\n'*}
}

start_daemon 2026-11-23T12:00:00-03:00

feed ''
check "an empty feed answers 200" "200" "$STATUS"
check "an empty feed: no items, next 0" "0 0" "$(j '"\(.items | length) \(.next)"')"

# --- some history: creates, actions, events, expiries, refusals in between ----------
create F-1
create F-2 '"critical":true'
act F-1 request_photos
create F-3
act F-3 message_customer '"message":"Oi"'
event F-1 customer_replied
act F-2 inform_posting_code '"posting_code":"AA1"'
create F-4
act F-4 cancel_sale
advance 30h
event F-3 customer_replied
advance 20h
create F-5 '"origin":"preventive","reason":"unavailable"'
act F-5 cancel_sale

feed 'limit=1000'
ALL=$BODY
N=$(j '.items | length')
check "the feed has every entry" "14" "$N"
check "seqs start at 1 and increase by 1, without gaps" "true" \
	"$(j '[.items[].seq] == [range(1; (.items | length) + 1)]')"
check "next is the last seq returned" "$N" "$(j .next)"
check "every entry has protocol, at, from, to, cause, name" "true" \
	"$(j '.items | all(has("protocol") and has("at") and has("from") and has("to") and
		has("cause") and has("name"))')"
check "fields have their types" "true" \
	"$(j '.items | all((.protocol | type == "string") and (.at | type == "string") and
		(.from | type == "string" or type == "null") and (.to | type == "string") and
		(.cause | IN("create", "action", "event", "expiry", "warning")) and
		(.name | type == "string"))')"
check "from is null exactly on creates" "true" \
	"$(j '.items | all((.from == null) == (.cause == "create"))')"
check "entries are in time order" "true" "$(j '[.items[].at] == ([.items[].at] | sort)')"
check "every cause appears" "action,create,event,expiry,warning" \
	"$(j '[.items[].cause] | unique | join(",")')"
for id in F-1 F-2 F-3 F-4 F-5; do
	api GET "/v1/protocols/$id/history"
	H=$(jc '[.items[] | {seq, at, from, to, cause, name}]')
	BODY=$ALL
	check "the feed's entries of $id are its history" "$H" \
		"$(jc "[.items[] | select(.protocol == \"$id\") | {seq, at, from, to, cause, name}]")"
done
BODY=$ALL
check "F-1's entries in order" \
	"create:create action:request_photos event:customer_replied warning:response expiry:response" \
	"$(j '[.items[] | select(.protocol == "F-1") | "\(.cause):\(.name)"] | join(" ")')"

# after, next, and the empty page.
feed "after=$N"
check "nothing after the last seq: no items, next = after" "200 0 $N" \
	"$STATUS $(j '"\(.items | length) \(.next)"')"
feed "after=$((N + 50))"
check "after beyond the end: 409 cursor_ahead (a restored database)" "409 cursor_ahead" \
	"$STATUS $(j .code)"
feed "after=5&limit=3"
check "after=5&limit=3 → seqs 6 7 8, next 8" "6 7 8|8" \
	"$(j '"\([.items[].seq | tostring] | join(" "))|\(.next)"')"
feed ''
check "the default page starts at the beginning" "1" "$(j '.items[0].seq')"

# Paging with limit=2 gives exactly the big page: no skip, no repeat.
after=0
pages=0
big_ok=yes
printf '' >"$T/paged"
while :; do
	feed "after=$after&limit=2"
	n=$(j '.items | length')
	[ "$n" -le 2 ] || big_ok="no: a page of $n"
	[ "$n" = 0 ] && break
	[ "$(j '.next')" = "$(j '.items[-1].seq')" ] || big_ok="no: next $(j .next) after $after"
	jc '.items[]' >>"$T/paged"
	after=$(j .next)
	pages=$((pages + 1))
	[ "$pages" -le $((N + 5)) ] || { big_ok="no: endless paging"; break; }
done
check "every page of limit=2 holds at most 2 and next is its last seq" "yes" "$big_ok"
check "limit=2 paging takes ceil(N/2) pages" "$(((N + 1) / 2))" "$pages"
BODY=$ALL
check "limit=2 paging gives exactly the entries of one big page" "$(jc '.items[]')" \
	"$(cat "$T/paged")"
check "…and ends with next = the last seq" "$N" "$after"

# --- query validation --------------------------------------------------------------
for q in limit=0 limit=1001 limit=-5 limit=ten after=-1 after=abc after= after=1.5 \
	wait=301 wait=-1 wait=1s 'after=99999999999999999999'; do
	feed "$q"
	check "$q → 400 invalid_query" "400 invalid_query 400" \
		"$STATUS $(j .code) $(j .status)"
done
feed "limit=1000&wait=0"
check "limit=1000 and wait=0 are valid" "200 $N" "$STATUS $(j '.items | length')"

# --- long-polls ----------------------------------------------------------------------
LAST=$(last_seq)
check "the feed has not moved" "$N" "$LAST"

# One long-poll with nothing after: it answers as soon as a write commits.
poll_bg "$T/lp1" "after=$LAST&wait=5"
P1=$POLL_PID
wait_waiters 1
create LP-1
check "create LP-1" "201" "$STATUS"
wait "$P1"
read_poll "$T/lp1"
check "the long-poll answers 200" "200" "$STATUS"
check "the long-poll brings the create of LP-1" "1 $((LAST + 1)) LP-1 create $((LAST + 1))" \
	"$(j '"\(.items | length) \(.items[0].seq) \(.items[0].protocol) \(.items[0].cause) \(.next)"')"
check "it came back well before its 5 s (<2000 ms)" "yes" \
	"$([ "$ELAPSED" -lt 2000 ] && echo yes || echo "no: $ELAPSED ms")"
api GET /v1/stats
check "the daemon no longer holds it" "0" "$(j .feed_waiting)"
LAST=$((LAST + 1))

# A long-poll with nothing happening — only refused writes — answers empty after its wait.
poll_bg "$T/lp0" "after=$LAST&wait=1"
P0=$POLL_PID
wait_waiters 1
event LP-1 customer_replied
check "customer_replied on pending is refused" "409" "$STATUS"
act LP-1 cancel_sale '"if_version":7'
check "a stale if_version is refused" "409" "$STATUS"
create LP-1 '"critical":true'
check "a conflicting create is refused" "409" "$STATUS"
create LP-1
check "the same create again answers 200" "200" "$STATUS"
act LP-1 no_such_action
check "an unknown action is refused" "422" "$STATUS"
act LP-1 inform_pickup_date '"pickup_date":"2020-01-01"'
check "a pickup date in the past is refused" "422" "$STATUS"
wait "$P0"
read_poll "$T/lp0"
check "the idle long-poll answers 200 with no items, next = after" "200 0 $LAST" \
	"$STATUS $(j '"\(.items | length) \(.next)"')"
check "it waited its 1 s (900–3000 ms)" "yes" \
	"$([ "$ELAPSED" -ge 900 ] && [ "$ELAPSED" -lt 3000 ] && echo yes || echo "no: $ELAPSED ms")"
feed "after=$LAST"
check "the refused writes put nothing on the feed" "0 $LAST" \
	"$(j '"\(.items | length) \(.next)"')"
show LP-1
check "…and changed nothing" "pending 1" "$(j '"\(.state) \(.version)"')"

# Five long-pollers all get the same new entry.
PIDS=
for i in 1 2 3 4 5; do
	poll_bg "$T/lp5-$i" "after=$LAST&wait=10"
	PIDS="$PIDS $POLL_PID"
done
wait_waiters 5
act LP-1 request_photos
check "request_photos on LP-1" "200" "$STATUS"
for p in $PIDS; do wait "$p"; done
read_poll "$T/lp5-1"
FIRST=$BODY
check "poller 1 gets the action" "200 1 $((LAST + 1)) LP-1 action request_photos" \
	"$STATUS $(j '"\(.items | length) \(.items[0].seq) \(.items[0].protocol) \(.items[0].cause) \(.items[0].name)"')"
for i in 2 3 4 5; do
	read_poll "$T/lp5-$i"
	check "poller $i gets the same answer" "200 $FIRST" "$STATUS $BODY"
	check "poller $i came back early" "yes" \
		"$([ "$ELAPSED" -lt 5000 ] && echo yes || echo "no: $ELAPSED ms")"
done
api GET /v1/stats
check "no long-poll left behind" "0" "$(j .feed_waiting)"
LAST=$((LAST + 1))

# A long-poll already behind answers at once, with what it missed (and its limit).
t0=$(ms_now)
feed "after=$((LAST - 3))&limit=2&wait=5"
t1=$(ms_now)
check "a long-poll with entries after answers at once" "2 $((LAST - 2)) $((LAST - 1))" \
	"$(j '"\(.items | length) \(.items[0].seq) \(.next)"')"
check "…without waiting" "yes" "$([ $((t1 - t0)) -lt 2000 ] && echo yes || echo "no: $((t1 - t0)) ms")"

# A long-poller that hangs up does not hurt the daemon, nor the next commit.
curl -s --max-time 30 --unix-socket "$SOCK" "http://localhost/v1/events?after=$LAST&wait=10" \
	>/dev/null 2>&1 &
PG=$!
wait_waiters 1
kill -TERM "$PG"
wait "$PG" 2>/dev/null
poll_bg "$T/lp-after" "after=$LAST&wait=10"
PA=$POLL_PID
create LP-2
check "a write after a hung-up long-poll" "201" "$STATUS"
wait "$PA"
read_poll "$T/lp-after"
check "the next long-poll still gets it" "200 LP-2" "$STATUS $(j '.items[-1].protocol')"
api GET /v1/health/live
check "the daemon is alive" "200" "$STATUS"
api GET /v1/stats
check "no long-poll left behind after the hang-up" "0" "$(j .feed_waiting)"
LAST=$(last_seq)

# --- expiries on the feed, in due order ----------------------------------------------
# Protocols created in an order that is not their due order; one advance fires them all.
set_clock 2026-12-07T09:00:00-03:00
create ord-a                      # warning 12-09 05:00, response 12-09 09:00
advance 1h
create ord-b '"critical":true'    # warning 12-08 06:00, response 12-08 10:00
advance 1h
create ord-c                      # photos_wait 12-09 11:00, then response 12-11 11:00
act ord-c request_photos          # (its warning 12-11 07:00)
advance 1h
create ord-d                      # posting_wait 12-22 12:00: after the advance
act ord-d inform_posting_code '"posting_code":"AA2"'
create ord-e '"opened_at":"2026-12-06T13:00:00-03:00"' # warning 12-08 09:00, response 12-08 13:00
MARK=$(last_seq)
advance 4d # to 2026-12-11T12:00:00-03:00
api GET /v1/clock
check "the clock moved" "2026-12-11T12:00:00-03:00" "$(j .now)"
feed "after=$MARK&limit=1000"
check "the advance's entries are on the feed when it answers" "yes" \
	"$([ "$(j '.items | length')" -ge 9 ] && echo yes || echo "no: $(j '.items | length')")"
check "they are all clock points" "true" \
	"$(j '.items | all(.cause == "expiry" or .cause == "warning")')"
check "…each with its due instant" "true" "$(j '.items | all(.due_at | type == "string")')"
check "due_at is non-decreasing along the feed" "true" \
	"$(j '[.items[].due_at] == ([.items[].due_at] | sort)')"
check "seqs continue without a gap" "true" \
	"$(printf '%s' "$BODY" | jq --argjson m "$MARK" \
		'[.items[].seq] == [range($m + 1; $m + 1 + (.items | length))]')"
check "the order of ord-*'s clock points is their due order" \
	"ord-b:warning:response@2026-12-08T06:00:00-03:00
ord-e:warning:response@2026-12-08T09:00:00-03:00
ord-b:expiry:response@2026-12-08T10:00:00-03:00
ord-e:expiry:response@2026-12-08T13:00:00-03:00
ord-a:warning:response@2026-12-09T05:00:00-03:00
ord-a:expiry:response@2026-12-09T09:00:00-03:00
ord-c:expiry:photos_wait@2026-12-09T11:00:00-03:00
ord-c:warning:response@2026-12-11T07:00:00-03:00
ord-c:expiry:response@2026-12-11T11:00:00-03:00" \
	"$(j '.items[] | select(.protocol | startswith("ord-")) |
		"\(.protocol):\(.cause):\(.name)@\(.due_at)"')"
check "ord-d's wait did not fire" "0" \
	"$(j '[.items[] | select(.protocol == "ord-d")] | length')"
check "the chained expiries moved ord-c to mediation" "pending>mediation" \
	"$(j '[.items[] | select(.protocol == "ord-c" and .cause == "expiry")][-1] |
		"\(.from)>\(.to)"')"
show ord-d
check "ord-d still awaits" "awaiting posting_wait" "$(j '"\(.state) \(.clock.kind)"')"
feed "after=$MARK&limit=1000"
FIRED=$(jc '.items')
advance 1h
feed "after=$MARK&limit=1000"
check "nothing fires twice, nothing more in the next hour" "$FIRED" "$(jc '.items')"

# A clean stop, and no sanitizer report (when built with SAN=1).
stop_daemon
check "SIGTERM stops the daemon with status 0" "0" "$STOP_RC"
check "the daemon log has no sanitizer report" "0" \
	"$(grep -c -e 'ERROR: AddressSanitizer' -e 'runtime error:' -e 'ERROR: LeakSanitizer' "$LOG")"
finish
