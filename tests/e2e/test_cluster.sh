#!/bin/bash
# Several instances on one database (doc/cluster.md): GET /v1/cluster, the shards
# split among the live instances, any instance takes any write, every clock applied
# once by its owner, the test clock moved through any instance, the feed the same from
# each, takeover after kill -9 and hand-over at a clean stop, a taken name refused, a
# clock moved earlier by another instance woken at its instant (real clock). On SQLite:
# the one instance, owning everything.
. "$(dirname "$0")/lib.sh"

write_config $'[daemon]\ninstance = api-a'
start_daemon

# A store of one instance.
if ! on_pg; then
	api GET /v1/cluster
	check_status "GET /v1/cluster" 200
	check "on SQLite: this instance alone, named as configured" \
		"sqlite api-a 1 true true [0]" \
		"$(j '"\(.store) \(.instance) \(.instances | length) \(.instances[0].self) \(.instances[0].alive) \(.instances[0].shards | tostring)"')"
	check "protocolctl cluster on SQLite: this one, alive, its one shard" 1 \
		"$("$PROTOCOLCTL" cluster | grep -c '^api-a (this one) *yes *1 ')"
	api GET /metrics
	check "/metrics names the instance" 1 \
		"$(printf '%s' "$BODY" | grep -c '^protocold_instance_info{instance="api-a"} 1$')"
	finish
fi

# --- more instances on the same database ------------------------------------------
EXTRA_PIDS=
cleanup_extra() {
	local p
	for p in $EXTRA_PIDS; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	e2e_cleanup
}
trap cleanup_extra EXIT

# start_instance NAME [DB] [EXTRA_FLAGS...]: its own config and socket in $T/NAME.*;
# its pid in LAST_PID.
start_instance() {
	local name=$1 db=${2:-$DB}
	shift 2 2>/dev/null || shift
	cat >"$T/$name.ini" <<INI
[daemon]
database = $db
socket = $T/$name.sock
instance = $name
timezone = America/Sao_Paulo
[calendar]
holidays = br-national
${INSTANCE_EXTRA:-}
INI
	"$PROTOCOLD" -c "$T/$name.ini" "$@" >>"$T/$name.log" 2>&1 &
	LAST_PID=$!
	EXTRA_PIDS="$EXTRA_PIDS $LAST_PID"
	for _ in $(seq 1 100); do
		curl -s --max-time 1 --unix-socket "$T/$name.sock" \
			http://localhost/v1/health/ready >/dev/null 2>&1 && return 0
		kill -0 "$LAST_PID" 2>/dev/null || break
		sleep 0.05
	done
	not_ok "instance $name did not start: $(tail -n 3 "$T/$name.log")"
	return 1
}

# on NAME METHOD PATH [JSON]: api through instance NAME (api-a is the default socket).
on() {
	local name=$1
	shift
	if [ "$name" = api-a ]; then
		SOCK=$T/protocold.sock api "$@"
	else
		SOCK=$T/$name.sock api "$@"
	fi
}

# balanced N: wait (up to 5 s) until instance api-a sees N live instances owning the
# 64 shards, each once; true or false.
balanced() {
	for _ in $(seq 1 100); do
		on api-a GET /v1/cluster
		[ "$(j "[.instances[] | select(.alive)] | length") $(j \
			'[.instances[] | select(.alive) | .shards[]] | (length == 64 and (unique | length) == 64)')" \
			= "$1 true" ] && return 0
		sleep 0.05
	done
	return 1
}

start_instance api-b "" --test-clock || finish
start_instance api-c "" --test-clock || finish
PID_C=$LAST_PID

balanced 3 && ok "three instances alive share the 64 shards, each shard once" ||
	not_ok "three instances do not share the shards: $BODY"
check "each instance owns some shards" true \
	"$(j '[.instances[] | .owned > 0] | all')"
for n in api-a api-b api-c; do
	on "$n" GET /v1/cluster
	check "GET /v1/cluster through $n names itself" "$n true" \
		"$(j '.instance as $i | "\($i) \([.instances[] | select(.self)][0].instance == $i)"')"
done
on api-b GET /metrics
check "/metrics of api-b: its name, 3 instances" "1 1" \
	"$(printf '%s' "$BODY" | grep -c '^protocold_instance_info{instance="api-b"} 1$') $(printf '%s' "$BODY" | grep -c '^protocold_cluster_instances 3$')"

out=$("$PROTOCOLCTL" --socket "$T/api-b.sock" cluster)
check "protocolctl cluster: a row per instance, api-b marked as the one asked" "3 1" \
	"$(printf '%s\n' "$out" | grep -c '^api-[abc]') $(printf '%s\n' "$out" | grep -c '^api-b (this one) *yes')"

check "the three decide due instants alike (config_same)" true "$(on api-a GET /v1/cluster; j .config_same)"

# An instance with other deadlines is told about (log, /v1/cluster, /metrics).
INSTANCE_EXTRA=$'[deadlines]\nresponse_normal = 24h' start_instance api-d "" --test-clock || finish
PID_D=$LAST_PID
for _ in $(seq 1 60); do
	on api-a GET /v1/cluster
	[ "$(j .config_same)" = false ] && break
	sleep 0.05
done
check "an instance with other deadlines: config_same false" false "$(j .config_same)"
check "… its settings' print differs" 2 "$(j '[.instances[] | select(.alive) | .config] | unique | length')"
api GET /metrics
check "… protocold_cluster_config_differs 1" 1 \
	"$(printf '%s' "$BODY" | grep -c '^protocold_cluster_config_differs 1$')"
kill -TERM "$PID_D"
wait "$PID_D" 2>/dev/null
check "… and the log says so" 1 "$(grep -c "api-d's deadlines, calendar, reasons or time zone differ" "$LOG")"
balanced 3 || not_ok "api-d's shards were not handed back"

# So is one that loads other rulebooks (issue 25: every instance loads the same ones).
mkdir -p "$T/rules-e"
printf '[marketplace]\nname = casas-bahia\nresponse = 72h\n' >"$T/rules-e/cb.ini"
INSTANCE_EXTRA=$'[rules]\nfiles = rules-e/*.ini' start_instance api-e "" --test-clock || finish
PID_E=$LAST_PID
for _ in $(seq 1 60); do
	on api-a GET /v1/cluster
	[ "$(j .config_same)" = false ] && break
	sleep 0.05
done
check "an instance with another rulebook: config_same false" false "$(j .config_same)"
kill -TERM "$PID_E"
wait "$PID_E" 2>/dev/null
balanced 3 || not_ok "api-e's shards were not handed back"

# A second instance of a live name is refused.
cp "$T/api-b.ini" "$T/dup.ini"
sed -i "s#$T/api-b.sock#$T/dup.sock#" "$T/dup.ini"
"$PROTOCOLD" -c "$T/dup.ini" --test-clock >"$T/dup.log" 2>&1
rc=$?
check "an instance named like a live one does not start (exit 1)" 1 "$rc"
check "… and says why" 1 "$(grep -c 'taken by a live instance' "$T/dup.log")"

# Writes through every instance; the clocks fire once each, whoever owns them.
names=(api-a api-b api-c)
for i in $(seq 1 30); do
	on "${names[$((i % 3))]}" POST /v1/protocols "{\"id\":\"C$i\",\"seller\":\"S1\"}"
	[ "$STATUS" = 201 ] || not_ok "create C$i through ${names[$((i % 3))]}: $STATUS $BODY"
done
on api-b POST /v1/clock '{"advance":"49h"}'
check_status "POST /v1/clock through api-b answers once every instance applied" 200
for n in api-a api-c; do
	on "$n" GET /v1/clock
	check "the clock moved on $n too" "$(SOCK=$T/api-b.sock api GET /v1/clock; j .now)" \
		"$(j .now)"
done
on api-c GET "/v1/protocols?state=mediation&limit=100"
check "all 30 went to mediation, read through api-c" 30 "$(j '.items | length')"
on api-a GET "/v1/events?limit=1000"
FEED_A=$(j '[.items[] | "\(.seq) \(.protocol) \(.name)"] | join(",")')
check "each expiry once in the feed" 30 \
	"$(j '[.items[] | select(.cause == "expiry")] | map(.protocol) | unique | length')"
check "no protocol expired twice" 30 "$(j '[.items[] | select(.cause == "expiry")] | length')"
check "the feed's seqs are contiguous" true \
	"$(j '[.items[].seq] as $s | $s == [range($s[0]; $s[0] + ($s | length))]')"
for n in api-b api-c; do
	on "$n" GET "/v1/events?limit=1000"
	check "the feed through $n is the same as through api-a" "$FEED_A" \
		"$(j '[.items[] | "\(.seq) \(.protocol) \(.name)"] | join(",")')"
done
# A long-poll on one instance is answered by a commit on another.
on api-a GET "/v1/events?limit=1000"
last=$(j '.items[-1].seq')
t0=$(date +%s%N)
curl -s --max-time 20 --unix-socket "$T/protocold.sock" \
	"http://localhost/v1/events?after=$last&wait=15" >"$T/poll.json" &
POLL=$!
sleep 0.3
on api-c POST /v1/protocols '{"id":"LP1","seller":"S1"}'
wait "$POLL"
waited=$((($(date +%s%N) - t0) / 1000000))
check "a long-poll on api-a gets the entry committed through api-c" LP1 \
	"$(jq -r '.items[0].protocol' "$T/poll.json")"
[ "$waited" -lt 5000 ] && ok "… at once, not at the end of its wait ($waited ms)" ||
	not_ok "the long-poll on api-a waited $waited ms"

fired=0
for n in api-a api-b api-c; do
	on "$n" GET /v1/stats
	[ "$(j .fired_since_start)" -gt 0 ] && fired=$((fired + 1))
done
check "the clocks were applied by every instance (each its shards)" 3 "$fired"

# kill -9: the others take its shards over, and its clocks fire.
for i in $(seq 31 60); do
	on api-c POST /v1/protocols "{\"id\":\"C$i\",\"seller\":\"S1\"}"
done
kill -9 "$PID_C"
wait "$PID_C" 2>/dev/null
t0=$(date +%s%N)
balanced 2 && ok "after kill -9 of api-c, the two others own the 64 shards" ||
	not_ok "api-c's shards were not taken over: $BODY"
took=$((($(date +%s%N) - t0) / 1000000))
[ "$took" -le 5000 ] && ok "taken over within 5 s ($took ms)" ||
	not_ok "takeover took $took ms"
took_a=$(SOCK=$T/protocold.sock curl -s --unix-socket "$T/protocold.sock" \
	http://localhost/metrics | sed -n 's/^protocold_cluster_takeovers_total //p')
took_b=$(curl -s --unix-socket "$T/api-b.sock" http://localhost/metrics |
	sed -n 's/^protocold_cluster_takeovers_total //p')
check "one of the two took api-c over (protocold_cluster_takeovers_total)" 1 \
	"$((took_a + took_b))"
on api-a POST /v1/clock '{"advance":"49h"}'
check_status "the clock moved after the takeover" 200
on api-b GET "/v1/protocols?state=mediation&limit=100"
check "the 30 protocols created through api-c fired on the others" 61 "$(j '.items | length')"

# A clean stop hands over at once.
PID_B=$(echo "$EXTRA_PIDS" | awk '{print $1}')
kill -TERM "$PID_B"
wait "$PID_B" 2>/dev/null
check "a clean stop exits 0" 0 "$?"
balanced 1 && ok "after api-b stopped cleanly, api-a owns every shard" ||
	not_ok "api-b's shards were not handed over: $BODY"

# --- the wake-up, on the real clock --------------------------------------------------
# Two instances without --test-clock on a database of their own; protocols created
# through api-y whose 3 s deadline belongs to the shards of either: each is applied at
# its instant (an owner with nothing due sleeps up to a minute unless woken).
DB2=$(new_database wake) || { not_ok "a second database"; finish; }
INSTANCE_EXTRA=$'[deadlines]\nresponse_normal = 3s\nresponse_critical = 2s\nwarn_before = 1s'
start_instance api-x "$DB2" || finish
start_instance api-y "$DB2" || finish
for _ in $(seq 1 60); do
	on api-y GET /v1/cluster
	[ "$(j '[.instances[] | select(.alive) | .owned] | map(select(. > 0)) | length')" = 2 ] &&
		break
	sleep 0.05
done
for i in $(seq 1 12); do
	on api-y POST /v1/protocols "{\"id\":\"W$i\",\"seller\":\"S1\"}"
done
sleep 4.5
on api-x GET "/v1/events?limit=100"
check "every 3 s deadline expired" 12 "$(j '[.items[] | select(.cause == "expiry")] | length')"
check "… each at its instant (late_ms < 1000), whichever instance owns it" 0 \
	"$(j '[.items[] | select(.cause == "expiry" or .cause == "warning") | select(.late_ms >= 1000)] | length')"
on api-x GET /v1/stats
ax=$(j .fired_since_start)
on api-y GET /v1/stats
check "both instances applied some (the wake-up reached the other)" "true true" \
	"$([ "$ax" -gt 0 ] && echo true || echo false) $([ "$(j .fired_since_start)" -gt 0 ] && echo true || echo false)"
finish
