# spec.md §8–§9: GET /v1/events?follow=1 — the feed as an NDJSON stream: every new entry
# as one JSON line, a replay of what came after `after` first, many followers at
# once, resuming after a daemon restart without a gap or a repeat, and no CPU spent
# while nothing happens.
. "$(dirname "$0")/lib.sh"

# jc FILTER: jq -c on BODY.
jc() {
	printf '%s' "$BODY" | jq -c "$1"
}

# follow NAME AFTER: a follower in the background (curl -N), its lines in $T/NAME.out,
# its headers in $T/NAME.hdr, its curl's PID in $T/NAME.pid, its curl exit status
# (when it ends) in $T/NAME.rc; the PID of the subshell that waits for it in FOLLOW_PID.
follow() {
	(
		curl -sN --max-time 120 --unix-socket "$SOCK" -D "$T/$1.hdr" \
			"http://localhost/v1/events?follow=1&after=$2" >"$T/$1.out" &
		echo $! >"$T/$1.pid"
		wait $!
		echo $? >"$T/$1.rc"
	) 2>/dev/null &
	FOLLOW_PID=$!
}

# hangup NAME…: kill the followers' curl (SIGTERM, by its PID).
hangup() {
	local f
	for f in "$@"; do
		[ -s "$T/$f.pid" ] && kill -TERM "$(cat "$T/$f.pid")" 2>/dev/null
	done
}

# lines NAME: how many entries (complete, non-empty lines: an empty one is a
# heartbeat) the follower NAME has received.
lines() {
	local n
	n=$(grep -c . "$T/$1.out" 2>/dev/null)
	echo "${n:-0}"
}

# wait_lines NAME N: until NAME has N lines (at most 10 s); 0 when it has.
wait_lines() {
	for _ in $(seq 1 500); do
		[ "$(lines "$1")" -ge "$2" ] && return 0
		sleep 0.02
	done
	return 1
}

# seqs NAME: the seqs of NAME's lines, space separated.
seqs() {
	jq -r .seq "$T/$1.out" 2>/dev/null | tr '\n' ' ' | sed 's/ $//'
}

# wait_waiters N: until the daemon holds N long-polls/followers (stats feed_waiting).
wait_waiters() {
	local n=""
	for _ in $(seq 1 500); do
		api GET /v1/stats
		n=$(j .feed_waiting)
		[ "$n" = "$1" ] && return 0
		sleep 0.02
	done
	not_ok "the daemon never held $1 feed waiters (feed_waiting $n)"
	return 1
}

# feed_all: every entry of GET /v1/events (paged, limit 1000), compact, one a line.
feed_all() {
	local after=0 n
	while :; do
		api GET "/v1/events?after=$after&limit=1000"
		n=$(j '.items | length')
		[ "$n" = 0 ] && break
		jc '.items[]'
		after=$(j .next)
	done
}

# last_seq: the feed's newest seq.
last_seq() {
	feed_all | tail -n 1 | jq -r '.seq // 0'
}

# bulk_create PREFIX FROM TO: create PREFIX-FROM … PREFIX-TO over one curl process;
# prints how many did not answer 201.
bulk_create() {
	local cfg=$T/bulk.curl i first=1
	: >"$cfg"
	for i in $(seq "$2" "$3"); do
		[ "$first" = 1 ] || echo next >>"$cfg"
		first=0
		printf 'unix-socket = "%s"\nurl = "http://localhost/v1/protocols"\nsilent\n' "$SOCK" >>"$cfg"
		printf 'header = "Content-Type: application/json"\n' >>"$cfg"
		printf 'data-binary = "{\\"id\\":\\"%s-%d\\",\\"seller\\":\\"S1\\"}"\n' "$1" "$i" >>"$cfg"
		printf 'output = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n' >>"$cfg"
	done
	curl -K "$cfg" | grep -vc '^201$'
}

# cpu_ticks: the daemon's utime + stime, in clock ticks.
cpu_ticks() {
	sed 's/^.*) //' "/proc/$PID/stat" | awk '{ print $12 + $13 }'
}

start_daemon 2026-11-23T12:00:00-03:00

create F-1
create F-2
act F-1 request_photos
LAST=$(last_seq)
check "three entries to start with" "3" "$LAST"

# --- one follower: headers, every new entry as one line ------------------------------------
follow one "$LAST"
ONE=$FOLLOW_PID
wait_waiters 1
HDR=$(tr -d '\r' <"$T/one.hdr")
check "the stream answers 200" "yes" "$(grep -q '^HTTP/1.1 200' <<<"$HDR" && echo yes || echo no)"
check "Content-Type: application/x-ndjson" "application/x-ndjson" \
	"$(sed -n 's/^[Cc]ontent-[Tt]ype: *//p' <<<"$HDR")"
check "the stream is chunked" "chunked" \
	"$(sed -n 's/^[Tt]ransfer-[Ee]ncoding: *//p' <<<"$HDR")"
check "nothing arrives before a write" "0" "$(lines one)"
create F-3
wait_lines one 1
check "a create arrives as one line" "1" "$(lines one)"
check "…a JSON object, the new entry" "$((LAST + 1)) F-3 create" \
	"$(jq -r '"\(.seq) \(.protocol) \(.cause)"' "$T/one.out")"
event F-1 customer_replied
act F-2 message_customer '"message":"oi"'
act F-2 no_such_action # refused: no entry
advance 50h             # F-1's response clock: a warning and an expiry; F-3's too
wait_lines one 7
feed_all >"$T/all"
check "the follower has every entry after $LAST, as on the feed" \
	"$(tail -n +$((LAST + 1)) "$T/all")" "$(jq -c . "$T/one.out")"
check "one entry a line: every line is a JSON object with a seq" "true" \
	"$(jq -s 'all(type == "object" and (.seq | type == "number"))' "$T/one.out")"
check "…and the stream holds nothing but whole lines" "" \
	"$(tail -c 1 "$T/one.out" | tr -d '\n')"
LAST=$(last_seq)

# --- after=N replays everything after N first, then goes on --------------------------------
follow replay 2
REPLAY=$FOLLOW_PID
wait_lines replay $((LAST - 2))
check "after=2: the replay of every entry after 2" "$(tail -n +3 "$T/all")" \
	"$(jq -c . "$T/replay.out")"
create F-4
wait_lines replay $((LAST - 1))
wait_lines one $((LAST - 3 + 1))
check "…then the new entry after the replay" "$((LAST + 1)) F-4" \
	"$(grep . "$T/replay.out" | tail -n 1 | jq -r '"\(.seq) \(.protocol)"')"
check "the first follower got it as well" "$((LAST + 1)) F-4" \
	"$(grep . "$T/one.out" | tail -n 1 | jq -r '"\(.seq) \(.protocol)"')"
follow zero 0
wait_lines zero $((LAST + 1))
check "after=0 replays the whole feed" "$(seq -s ' ' 1 $((LAST + 1)))" "$(seqs zero)"
api GET "/v1/events?follow=1&after=100000"
check "after beyond the end: 409 cursor_ahead (a restored database)" "409 cursor_ahead" \
	"$STATUS $(j .code)"
LAST=$((LAST + 1))

# A replay longer than one page (1000 entries) arrives whole.
check "1100 creates" "0" "$(bulk_create R 1 1100)"
LAST=$(last_seq)
follow big 0
wait_lines big "$LAST"
check "a replay of $LAST entries (more than a page) is whole and in order" \
	"$(seq -s ' ' 1 "$LAST")" "$(seqs big)"
wait_lines one $((LAST - 3))
check "the live follower got all 1100 creates too" "$(seq -s ' ' 4 "$LAST")" "$(seqs one)"
# Hang up two followers (kill their curl): the daemon lets go of them.
hangup one replay
wait "$ONE" "$REPLAY" 2>/dev/null
wait_waiters 2
check "hung-up followers are let go" "2" "$(j .feed_waiting)"

# --- query validation -------------------------------------------------------------------------
for q in follow=2 follow=yes 'follow=1&after=-1' 'follow=1&after=x'; do
	api GET "/v1/events?$q"
	check "$q → 400 invalid_query" "400 invalid_query" "$STATUS $(j .code)"
done

# --- 50 followers, a burst of 20 writes ----------------------------------------------------------
LAST=$(last_seq)
BEFORE_WAITING=2
PIDS=""
for i in $(seq 1 50); do
	follow "f$i" "$LAST"
	PIDS="$PIDS $FOLLOW_PID"
done
wait_waiters $((BEFORE_WAITING + 50))
check "a burst of 20 creates" "0" "$(bulk_create BURST 1 20)"
EXP=$(seq -s ' ' $((LAST + 1)) $((LAST + 20)))
api GET "/v1/events?after=$LAST&limit=1000"
jc '.items[]' >"$T/burst"
bad=""
for i in $(seq 1 50); do
	wait_lines "f$i" 20 || true
	[ "$(seqs "f$i")" = "$EXP" ] || bad="$bad f$i($(seqs "f$i"))"
	[ "$(jq -c . "$T/f$i.out")" = "$(cat "$T/burst")" ] || bad="$bad f$i:content"
done
check "each of the 50 followers got the 20 entries, in order, once, as on the feed" "" "$bad"

# --- read to the end, then follow; across a restart -----------------------------------------------
# A consumer pages GET /v1/events from after=0 to the end, then follows from its last seq.
: >"$T/consumer"
after=0
while :; do
	api GET "/v1/events?after=$after&limit=250"
	n=$(j '.items | length')
	[ "$n" = 0 ] && break
	jc '.items[]' >>"$T/consumer"
	after=$(j .next)
done
check "the consumer read the feed to its end" "$(last_seq)" "$after"
follow c1 "$after"
C1=$FOLLOW_PID
wait_waiters $((BEFORE_WAITING + 51))
create AFTER-1
act AFTER-1 request_photos
create AFTER-2
advance 1h
wait_lines c1 3
check "the consumer's stream brings the new entries" "3" "$(lines c1)"
api GET /v1/clock
NOW=$(j .now)
# SIGTERM while 55 followers stream: every stream ends, cleanly (the chunked end).
stop_daemon
check "SIGTERM with followers connected: the daemon exits 0" "0" "$STOP_RC"
ended=yes
for _ in $(seq 1 250); do
	ended=yes
	for f in $(seq -f 'f%g' 1 50) c1; do [ -f "$T/$f.rc" ] || ended=no; done
	[ "$ended" = yes ] && break
	sleep 0.02
done
check "every follower's stream ended" "yes" "$ended"
wait $PIDS "$C1" 2>/dev/null
check "…cleanly (curl exit 0: the stream was ended, not cut)" "" \
	"$(for f in $(seq -f 'f%g' 1 50) c1; do r=$(cat "$T/$f.rc" 2>/dev/null); [ "$r" = 0 ] || printf '%s:%s ' "$f" "$r"; done)"
check "…with whole lines only" "" "$(tail -c 1 "$T/c1.out" | tr -d '\n')"
grep . "$T/c1.out" >>"$T/consumer"
RESUME=$(tail -n 1 "$T/consumer" | jq -r .seq)

start_daemon "$NOW"
create AFTER-3
act AFTER-2 cancel_sale
advance 48h # AFTER-1's photos_wait runs out, and more
follow c2 "$RESUME"
C2=$FOLLOW_PID
wait_waiters 1
create AFTER-4
feed_all >"$T/all"
TOTAL=$(wc -l <"$T/all")
wait_lines c2 $((TOTAL - RESUME))
grep . "$T/c2.out" >>"$T/consumer"
check "the consumer's seqs: every one once, no gap, across the restart" \
	"$(seq -s ' ' 1 "$TOTAL")" "$(jq -r .seq "$T/consumer" | tr '\n' ' ' | sed 's/ $//')"
check "…and its entries are the feed's" "$(cat "$T/all")" "$(jq -c . "$T/consumer")"
check "the resumed stream started right after the last seq read" "$((RESUME + 1))" \
	"$(grep . "$T/c2.out" | head -n 1 | jq -r .seq)"
hangup c2
wait "$C2" 2>/dev/null
wait_waiters 0

# --- idle cost: 200 followers and long-pollers, nothing happening ------------------------------------
LAST=$(last_seq)
IDLE_PIDS=""
for i in $(seq 1 100); do
	follow "idle$i" "$LAST"
	IDLE_PIDS="$IDLE_PIDS $FOLLOW_PID"
	curl -s --max-time 60 --unix-socket "$SOCK" \
		"http://localhost/v1/events?after=$LAST&wait=60" >/dev/null 2>&1 2>/dev/null &
	IDLE_PIDS="$IDLE_PIDS $!"
done
wait_waiters 200
sleep 0.3
C0=$(cpu_ticks)
sleep 2
C1T=$(cpu_ticks)
echo "# idle: $((C1T - C0)) ticks in 2 s"
check "200 idle followers/long-pollers for 2 s cost at most 5 ticks of CPU" "yes" \
	"$([ $((C1T - C0)) -le 5 ] && echo yes || echo "no: $((C1T - C0)) ticks")"
api GET /v1/stats
check "…and they are all still held" "200" "$(j .feed_waiting)"
# One write wakes them all: the followers each get it.
create IDLE-1
bad=""
for i in $(seq 1 100); do
	wait_lines "idle$i" 1 || bad="$bad idle$i"
done
check "one write reaches the 100 idle followers" "" "$bad"
hangup $(seq -f 'idle%g' 1 100)
wait $IDLE_PIDS 2>/dev/null
wait_waiters 0
api GET /v1/health/live
check "the daemon is alive after the followers left" "200" "$STATUS"

stop_daemon
check "SIGTERM stops the daemon with status 0" "0" "$STOP_RC"
finish
