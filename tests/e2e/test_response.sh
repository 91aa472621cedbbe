# spec.md §3, §5, §7, §8: the response clock (48 h normal, 24 h critical, from opened_at),
# its warning warn_before (4 h) ahead on the feed, mediation when it runs out, and
# mediation_resolved; late and future opened_at; preventive protocols (no response
# clock); an action stops the clock; per-reason overrides; the seller's mediations in
# the last 30 days; the stats counters.
. "$(dirname "$0")/lib.sh"

# t INSTANT [DATE-OFFSET]: an instant as the daemon writes it (São Paulo, seconds).
t() {
	TZ=America/Sao_Paulo date -d "$1${2:+ $2}" +%Y-%m-%dT%H:%M:%S%:z
}

# feed_since SEQ: every feed entry after SEQ (all pages) as a JSON array in FEED.
feed_since() {
	local after=$1 n
	FEED='[]'
	while :; do
		api GET "/v1/events?after=$after&limit=1000"
		if [ "$STATUS" != 200 ]; then
			not_ok "GET /v1/events?after=$after answered $STATUS"
			return
		fi
		FEED=$(jq -c -n --argjson a "$FEED" --argjson b "$(j .items)" '$a + $b')
		n=$(j '.items | length')
		after=$(j .next)
		[ "$n" -lt 1000 ] && break
	done
}

# fq FILTER: jq -r on FEED.
fq() {
	printf '%s' "$FEED" | jq -r "$1"
}

# warnings_of ID: how many warning entries of ID the feed (FEED) holds.
warnings_of() {
	fq "[.[] | select(.protocol == \"$1\" and .cause == \"warning\")] | length"
}

# seller_get ID: GET /v1/sellers/ID.
seller_get() {
	api GET "/v1/sellers/$1"
}

write_config "$(printf '[reason.slow]\nresponse_normal = 72h\n')"
B=2026-11-23T12:00:00-03:00
start_daemon $B

feed_since 0
SEQ0=$(fq '.[-1].seq // 0')

# --- A normal and a critical protocol, opened now ------------------------------------
create n1
check_status "create n1" 201
check "n1 is pending" "pending" "$(j .state)"
check "n1 runs the response clock" "response" "$(j .clock.kind)"
check "n1 response starts at opened_at" "$B" "$(j .clock.started_at)"
check "n1 response due 48h after opened_at" "$(t $B '+48 hours')" "$(j .clock.due_at)"
check "n1 warns 4h before" "$(t $B '+44 hours')" "$(j .clock.warn_at)"
check "n1 remaining_s" "172800" "$(j .clock.remaining_s)"
create c1 '"critical":true'
check_status "create critical c1" 201
check "c1 response due 24h after opened_at" "$(t $B '+24 hours')" "$(j .clock.due_at)"
check "c1 warns at 20h" "$(t $B '+20 hours')" "$(j .clock.warn_at)"

# [reason.slow] response_normal = 72h; other reasons keep the 48h of [deadlines].
create slow1 '"reason":"slow"'
check "reason slow: response due at 72h" "$(t $B '+72 hours')" "$(j .clock.due_at)"
check "reason slow: warns at 68h" "$(t $B '+68 hours')" "$(j .clock.warn_at)"
create other1 '"reason":"other"'
check "another reason: response due at 48h" "$(t $B '+48 hours')" "$(j .clock.due_at)"
create slowcrit '"reason":"slow","critical":true'
check "reason slow overrides response_normal only: critical stays 24h" \
	"$(t $B '+24 hours')" "$(j .clock.due_at)"

# Protocols whose seller acts before the deadline.
create a1
create a3
create u1
act u1 message_customer '"message":"Olá, já resolvemos."'
check "u1 closed" "closed" "$(j .state)"

# Preventive protocols: no response clock.
create pv1 '"origin":"preventive","reason":"delivery_problem"'
check_status "create preventive pv1" 201
check "preventive pv1 is pending" "pending" "$(j .state)"
check "preventive pv1 has no clock" "null" "$(j .clock)"
check "preventive delivery_problem: its actions" \
	"cancel_sale,confirm_address,inform_carrier_pickup,inform_new_delivery_date,message_customer" \
	"$(j '.allowed_actions | sort | join(",")')"
create pv2 '"origin":"preventive","reason":"delivery_problem"'
act pv2 confirm_address
check "preventive pv2 awaits the address" "address_wait" "$(j .clock.kind)"

# In pending no event applies.
event pv1 mediation_resolved
check_status "mediation_resolved in pending is refused" 409
check "its code" "event_not_allowed" "$(j .code)"
check "nothing is allowed in pending" "" "$(j '(.allowed // []) | join(",")')"
event a1 customer_replied
check_status "customer_replied in pending is refused" 409
check "its code" "event_not_allowed" "$(j .code)"
show a1
check "the refusal changed nothing" "pending 1" "$(j '"\(.state) \(.version)"')"

# --- The customer replied to u1: unresolved, response clock from the reply ----------
set_clock "$(t $B '+1 hour')"
event u1 customer_replied
check "u1 unresolved" "unresolved" "$(j .state)"
check "u1 response from the reply" "$(t $B '+1 hour')" "$(j .clock.started_at)"
check "u1 response due 48h after the reply" "$(t $B '+49 hours')" "$(j .clock.due_at)"
event u1 mediation_resolved
check_status "mediation_resolved in unresolved is refused" 409
check "its code" "event_not_allowed" "$(j .code)"

# --- Critical: warning at 20h, mediation at 24h ---------------------------------------
set_clock "$(t $B '+20 hours -1 second')"
feed_since "$SEQ0"
check "c1: no warning a second before 20h" "0" "$(warnings_of c1)"
# A reader long-polling the feed is woken by the warning.
feed_since "$SEQ0"
S20=$(fq '.[-1].seq // 0')
curl -s --max-time 20 --unix-socket "$SOCK" \
	"http://localhost/v1/events?after=$S20&wait=15" >"$T/longpoll.json" &
LP=$!
for _ in $(seq 1 100); do
	api GET /v1/stats
	[ "$(j .feed_waiting)" = 1 ] && break
	sleep 0.05
done
check "the long-poll is waiting" "1" "$(j .feed_waiting)"
set_clock "$(t $B '+20 hours')"
wait $LP
check "the long-poll answers with c1's warning" "c1 warning response" \
	"$(jq -r '.items[0] | "\(.protocol) \(.cause) \(.name)"' "$T/longpoll.json")"
feed_since "$SEQ0"
check "c1: one warning at 20h" "1" "$(warnings_of c1)"
W=$(fq '[.[] | select(.protocol == "c1" and .cause == "warning")][0]')
check "c1 warning: name response" "response" "$(printf '%s' "$W" | jq -r .name)"
check "c1 warning: from = to = pending" "pending>pending" \
	"$(printf '%s' "$W" | jq -r '"\(.from)>\(.to)"')"
check "c1 warning: due_at = the warning instant" "$(t $B '+20 hours')" \
	"$(printf '%s' "$W" | jq -r .due_at)"
check "c1 warning: on time" "0" "$(printf '%s' "$W" | jq -r .late_ms)"
check "c1 warning: detail.expires_at" "$(t $B '+24 hours')" \
	"$(printf '%s' "$W" | jq -r .detail.expires_at)"
check "c1 warning: at" "$(t $B '+20 hours')" "$(printf '%s' "$W" | jq -r .at)"
check "n1: no warning at 20h" "0" "$(warnings_of n1)"
show c1
check "c1 warning changed neither state nor version" "pending 1" \
	"$(j '"\(.state) \(.version)"')"
check "c1 after the warning: the clock still runs" "response $(t $B '+24 hours')" \
	"$(j '"\(.clock.kind) \(.clock.due_at)"')"
check "c1 after the warning: no warn_at any more" "null" "$(j .clock.warn_at)"

set_clock "$(t $B '+24 hours -1 second')"
show c1
check "c1 not mediated a second before 24h" "pending" "$(j .state)"
check "c1 remaining_s a second before" "1" "$(j .clock.remaining_s)"
set_clock "$(t $B '+24 hours')"
show c1
check "c1 mediated at 24h" "mediation" "$(j .state)"
check "c1 mediation has no clock" "null" "$(j .clock)"
check "c1 version +1 for the expiry only" "2" "$(j .version)"
check "c1 label" "Mediado" "$(j .state_label)"
check "c1 history" "create:create:null>pending warning:response:pending>pending expiry:response:pending>mediation" \
	"$(history_names c1)"
api GET /v1/protocols/c1/history
check "c1 expiry due_at" "$(t $B '+24 hours')" "$(j '.items[2].due_at')"
check "c1 expiry on time" "0" "$(j '.items[2].late_ms')"
show slowcrit
check "slowcrit mediated at 24h" "mediation" "$(j .state)"
show n1
check "n1 still pending at 24h" "pending" "$(j .state)"
feed_since "$SEQ0"
check "the warning is on the feed once" "1" "$(warnings_of c1)"
check "the expiry is on the feed once" "1" \
	"$(fq '[.[] | select(.protocol == "c1" and .cause == "expiry")] | length')"

# --- Normal: warning at 44h, mediation at 48h -----------------------------------------
set_clock "$(t $B '+44 hours -1 second')"
feed_since "$SEQ0"
check "n1: no warning a second before 44h" "0" "$(warnings_of n1)"
# a3 acts before the warning: the clock stops, no warning, no mediation.
act a3 approve_cancellation
check_status "a3 acts in pending" 200
check "a3 resolved" "resolved" "$(j .state)"
check "a3 has no clock" "null" "$(j .clock)"
S44=$(fq '.[-1].seq // 0')
set_clock "$(t $B '+44 hours')"
feed_since "$S44"
check "n1: one warning at 44h" "1" "$(warnings_of n1)"
W=$(fq '[.[] | select(.protocol == "n1" and .cause == "warning")][0]')
check "n1 warning entry" "warning response pending pending $(t $B '+44 hours') 0 $(t $B '+48 hours')" \
	"$(printf '%s' "$W" | jq -r '"\(.cause) \(.name) \(.from) \(.to) \(.due_at) \(.late_ms) \(.detail.expires_at)"')"
check "other1 warned at 44h too" "1" "$(warnings_of other1)"
check "slow1 not warned at 44h" "0" "$(warnings_of slow1)"
check "a3 (resolved) not warned" "0" "$(warnings_of a3)"
check "the preventive protocol is never warned" "0" "$(warnings_of pv1)"
W=$(fq '[.[] | select(.protocol == "n1")] | length')
check "the warning is all the feed says about n1 at 44h" "1" "$W"
show n1
check "n1 warning changed neither state nor version" "pending 1" \
	"$(j '"\(.state) \(.version)"')"

set_clock "$(t $B '+48 hours -1 second')"
show n1
check "n1 not mediated a second before 48h" "pending" "$(j .state)"
feed_since "$SEQ0"
check "n1 warned once only" "1" "$(warnings_of n1)"
# a1 acts a second before the deadline: the response clock stops.
act a1 request_photos
check_status "a1 acts a second before the deadline" 200
check "a1 awaiting" "awaiting photos_wait" "$(j '"\(.state) \(.clock.kind)"')"
show pv2
check "pv2 still awaits the address" "awaiting" "$(j .state)"
feed_since "$SEQ0"
S48=$(fq '.[-1].seq // 0')

set_clock "$(t $B '+48 hours')"
show n1
check "n1 mediated exactly at 48h" "mediation" "$(j .state)"
check "n1 mediation has no clock" "null" "$(j .clock)"
check "n1 allows no action" "0" "$(j '.allowed_actions | length')"
check "n1 history" "create:create:null>pending warning:response:pending>pending expiry:response:pending>mediation" \
	"$(history_names n1)"
api GET /v1/protocols/n1/history
check "n1 expiry due_at = opened_at + 48h" "$(t $B '+48 hours')" "$(j '.items[2].due_at')"
check "n1 expiry on time" "0" "$(j '.items[2].late_ms')"
show other1
check "other1 (another reason) mediated at 48h" "mediation" "$(j .state)"
show slow1
check "slow1 (reason slow) still pending at 48h" "pending" "$(j .state)"
show a1
check "a1 acted just in time: not mediated" "awaiting" "$(j .state)"
show a3
check "a3 still resolved" "resolved" "$(j .state)"
show pv1
check "pv1 (preventive) still pending at 48h" "pending" "$(j .state)"
show pv2
check "pv2: the address wait ran out, back to pending" "pending" "$(j .state)"
check "pv2: preventive, no response clock after the wait" "null" "$(j .clock)"
feed_since "$S48"
check "a1: nothing on the feed at 48h" "0" "$(fq '[.[] | select(.protocol == "a1")] | length')"

# Mediation: only mediation_resolved applies; actions are refused.
event n1 customer_replied
check_status "customer_replied in mediation is refused" 409
check "its code" "event_not_allowed" "$(j .code)"
check "it says what is allowed" "mediation_resolved" "$(j '.allowed | join(",")')"
act n1 cancel_sale
check_status "an action in mediation is refused" 409
check "its code" "action_not_allowed" "$(j .code)"
show n1
check "the refusals changed nothing" "mediation 2" "$(j '"\(.state) \(.version)"')"
event n1 mediation_resolved
check_status "mediation_resolved in mediation" 200
check "mediation_resolved → resolved" "resolved" "$(j .state)"
check "resolved has no clock" "null" "$(j .clock)"
check "version +1" "3" "$(j .version)"
check "n1 history ends with the event" "event:mediation_resolved:mediation>resolved" \
	"$(history_names n1 | awk '{print $NF}')"
event n1 mediation_resolved
check_status "mediation_resolved in resolved is refused" 409
check "its code" "event_not_allowed" "$(j .code)"
check "nothing is allowed in resolved" "" "$(j '(.allowed // []) | join(",")')"
event a1 mediation_resolved
check_status "mediation_resolved in awaiting is refused" 409
check "its code" "event_not_allowed" "$(j .code)"
check "it says what is allowed in awaiting" "customer_replied" "$(j '.allowed | join(",")')"
create cl1
act cl1 message_customer '"message":"Tudo certo?"'
event cl1 mediation_resolved
check_status "mediation_resolved in closed is refused" 409
check "its code" "event_not_allowed" "$(j .code)"
check "it says what is allowed in closed" "customer_replied" "$(j '.allowed | join(",")')"
show cl1
check "closed unchanged" "closed 2" "$(j '"\(.state) \(.version)"')"

# --- Unresolved: the action a second before its deadline stops the clock ---------------
set_clock "$(t $B '+49 hours -1 second')"
show u1
check "u1 unresolved a second before its deadline" "unresolved" "$(j .state)"
act u1 confirm_address
check_status "u1 acts in unresolved" 200
check "u1 awaiting" "awaiting" "$(j .state)"
set_clock "$(t $B '+49 hours')"
show u1
check "u1 not mediated" "awaiting" "$(j .state)"
check "u1 history" "create:create:null>pending action:message_customer:pending>closed event:customer_replied:closed>unresolved warning:response:unresolved>unresolved action:confirm_address:unresolved>awaiting" \
	"$(history_names u1)"

# --- Reason slow: warning at 68h, mediation at 72h -------------------------------------
set_clock "$(t $B '+68 hours -1 second')"
feed_since "$SEQ0"
check "slow1: no warning a second before 68h" "0" "$(warnings_of slow1)"
set_clock "$(t $B '+68 hours')"
feed_since "$SEQ0"
check "slow1: warned at 68h" "$(t $B '+68 hours') $(t $B '+72 hours')" \
	"$(fq '[.[] | select(.protocol == "slow1" and .cause == "warning")] | map("\(.due_at) \(.detail.expires_at)") | join(",")')"
set_clock "$(t $B '+72 hours -1 second')"
show slow1
check "slow1 pending a second before 72h" "pending" "$(j .state)"
set_clock "$(t $B '+72 hours')"
show slow1
check "slow1 mediated at 72h" "mediation" "$(j .state)"

# --- 30 days on: preventive never mediates, mediation has no clock ---------------------
advance 30d
show pv1
check "pv1 (preventive) pending after 30 days" "pending" "$(j .state)"
check "pv1 still has no clock" "null" "$(j .clock)"
check "pv1 history: only its creation" "create:create:null>pending" "$(history_names pv1)"
show c1
check "c1 still in mediation after 30 days" "mediation 2" "$(j '"\(.state) \(.version)"')"
check "c1 history unchanged" "3" "$(api GET /v1/protocols/c1/history; j '.items | length')"

# --- Late and future opened_at --------------------------------------------------------
L=$(t $B '+72 hours +30 days')
api GET /v1/clock
check "the test clock is where we put it" "$L" "$(j .now)"
O50=$(t "$L" '50 hours ago')
create late50 "\"opened_at\":\"$O50\""
check_status "create opened 50h ago" 201
check "the create answer already shows mediation" "mediation" "$(j .state)"
check "no clock" "null" "$(j .clock)"
check "opened_at kept" "$O50" "$(j .opened_at)"
check "late50 history" "create:create:null>pending warning:response:pending>pending expiry:response:pending>mediation" \
	"$(history_names late50)"
api GET /v1/protocols/late50/history
check "late warning due_at = opened_at + 44h" "$(t "$O50" '+44 hours')" "$(j '.items[1].due_at')"
check "late warning late_ms = 6h" "21600000" "$(j '.items[1].late_ms')"
check "late warning expires_at" "$(t "$O50" '+48 hours')" "$(j '.items[1].detail.expires_at')"
check "late expiry due_at = opened_at + 48h" "$(t "$O50" '+48 hours')" "$(j '.items[2].due_at')"
check "late expiry late_ms = 2h" "7200000" "$(j '.items[2].late_ms')"
check "late expiry applied now" "$L" "$(j '.items[2].at')"
create late50 "\"opened_at\":\"$O50\""
check_status "the same create again" 200
check "still mediation, no second expiry" "mediation" "$(j .state)"
check "history not repeated" "3" "$(api GET /v1/protocols/late50/history; j '.items | length')"

O48=$(t "$L" '48 hours ago')
create late48 "\"opened_at\":\"$O48\""
check_status "create opened exactly 48h ago" 201
check "opened exactly 48h ago: mediation at once" "mediation" "$(j .state)"
api GET /v1/protocols/late48/history
check "… on time" "0" "$(j '.items[2].late_ms')"
create late48s "\"opened_at\":\"$(t "$L" '48 hours ago +1 second')\""
check "opened 48h minus a second ago: still pending, 1s left" "pending 1" \
	"$(j '"\(.state) \(.clock.remaining_s)"')"

O46=$(t "$L" '46 hours ago')
create late46 "\"opened_at\":\"$O46\""
check_status "create opened 46h ago" 201
check "opened 46h ago: still pending" "pending" "$(j .state)"
check "its version" "1" "$(j .version)"
check "its response clock due opened_at + 48h" "$(t "$O46" '+48 hours')" "$(j .clock.due_at)"
check "its response clock started at opened_at" "$O46" "$(j .clock.started_at)"
check "2h left" "7200" "$(j .clock.remaining_s)"
check "late46 history: the late warning at once" "create:create:null>pending warning:response:pending>pending" \
	"$(history_names late46)"
api GET /v1/protocols/late46/history
check "late warning due_at" "$(t "$O46" '+44 hours')" "$(j '.items[1].due_at')"
check "late warning late_ms = 2h" "7200000" "$(j '.items[1].late_ms')"
check "late warning expires_at" "$(t "$O46" '+48 hours')" "$(j '.items[1].detail.expires_at')"
advance 2h
show late46
check "late46 mediated 2h later" "mediation" "$(j .state)"
api GET /v1/protocols/late46/history
check "late46: one warning only" "1" "$(j '[.items[] | select(.cause == "warning")] | length')"
check "late46 expiry on time" "$(t "$O46" '+48 hours') 0" "$(j '.items[-1] | "\(.due_at) \(.late_ms)"')"

L=$(t "$L" '+2 hours')
create pvlate '"origin":"preventive","reason":"delivery_problem","opened_at":"'"$(t "$L" '50 hours ago')"'"'
check_status "a preventive protocol opened 50h ago" 201
check "is pending with no clock" "pending null" "$(j '"\(.state) \(.clock)"')"

create late25c "\"critical\":true,\"opened_at\":\"$(t "$L" '25 hours ago')\""
check "critical opened 25h ago: mediation at once" "mediation" "$(j .state)"
api GET /v1/protocols/late25c/history
check "… its expiry due at opened_at + 24h, 1h late" "$(t "$L" '1 hour ago') 3600000" \
	"$(j '.items[-1] | "\(.due_at) \(.late_ms)"')"

create future "\"opened_at\":\"$(t "$L" '+1 second')\""
check_status "opened_at in the future" 422
check "its code" "opened_at_in_future" "$(j .code)"
check "problem+json status" "422" "$(j .status)"
show future
check_status "nothing was created" 404
create now0 "\"opened_at\":\"$L\""
check_status "opened_at = now is fine" 201

# --- Mediations in the last 30 days, by seller -----------------------------------------
M=2027-06-01T10:00:00-03:00
set_clock $M
seller_get S1
check_status "GET /v1/sellers/S1" 200
check "S1: the mediations of last year are not in the last 30 days" "0" "$(j .mediations_30d)"
MED0=$(j .counts.mediation)
RES0=$(j .counts.resolved)
api GET /v1/stats
ST_EXP0=$(j .expirations_fired)
ST_PEN0=$(j .protocols.by_state.pending)
ST_MED0=$(j .protocols.by_state.mediation)
ST_TOT0=$(j .protocols.total)
create m1
create m2 "\"opened_at\":\"$(t $M '50 hours ago')\""
check "m2 mediated at once" "mediation" "$(j .state)"
api POST /v1/protocols '{"id":"x1","seller":"S9","opened_at":"'"$(t $M '50 hours ago')"'"}'
check "x1 (seller S9) mediated at once" "mediation" "$(j .state)"
seller_get S1
check "S1: one mediation in the last 30 days" "1" "$(j .mediations_30d)"
seller_get S9
check "S9 counts its own" "1" "$(j .mediations_30d)"
api GET /v1/stats
ST_EXP1=$(j .expirations_fired)
advance 48h
api GET /v1/stats
check "stats: the expiry counted" "$((ST_EXP1 + 1))" "$(j .expirations_fired)"
check "stats: m1 left pending" "$ST_PEN0" "$(j .protocols.by_state.pending)"
check "stats: mediation by_state" "$((ST_MED0 + 3))" "$(j .protocols.by_state.mediation)"
check "stats: total" "$((ST_TOT0 + 3))" "$(j .protocols.total)"
check "stats: three expiries since" "$((ST_EXP0 + 3))" "$(j .expirations_fired)"
seller_get S1
check "S1: two mediations in the last 30 days" "2" "$(j .mediations_30d)"
check "S1 counts mediation by state" "$((MED0 + 2))" "$(j .counts.mediation)"
event m1 mediation_resolved
seller_get S1
check "a resolved mediation still counts as a mediation" "2" "$(j .mediations_30d)"
check "S1 state counts follow" "$((MED0 + 1)) $((RES0 + 1))" \
	"$(j '"\(.counts.mediation) \(.counts.resolved)"')"
# m2's mediation was due at M - 2h, m1's at M + 48h.
set_clock "$(t $M '+29 days')"
seller_get S1
check "S1 after 29 days: both" "2" "$(j .mediations_30d)"
set_clock "$(t $M '+30 days +1 hour')"
seller_get S1
check "S1 after 30 days + 1h: m2's has left the window" "1" "$(j .mediations_30d)"
set_clock "$(t $M '+32 days +1 hour')"
seller_get S1
check "S1 after 32 days: none" "0" "$(j .mediations_30d)"

# --- Stats agree with the feed ---------------------------------------------------------
feed_since 0
api GET /v1/stats
check_status "GET /v1/stats" 200
check "expirations_fired = expiries on the feed" \
	"$(fq '[.[] | select(.cause == "expiry")] | length')" "$(j .expirations_fired)"
check "warnings_fired = warnings on the feed" \
	"$(fq '[.[] | select(.cause == "warning")] | length')" "$(j .warnings_fired)"
check "total = protocols created" \
	"$(fq '[.[] | select(.cause == "create")] | length')" "$(j .protocols.total)"
STATES=$(fq 'group_by(.protocol) | map(.[-1].to) | group_by(.) | map({(.[0]): length}) | add
	| {pending: (.pending // 0), awaiting: (.awaiting // 0), closed: (.closed // 0),
	   unresolved: (.unresolved // 0), mediation: (.mediation // 0),
	   resolved: (.resolved // 0)} | to_entries | map("\(.key)=\(.value)") | join(" ")')
check "by_state = the last state of each protocol on the feed" "$STATES" \
	"$(j '.protocols.by_state | {pending, awaiting, closed, unresolved, mediation, resolved} | to_entries | map("\(.key)=\(.value)") | join(" ")')"
check "the feed's seqs run without gaps or repeats" "true" \
	"$(fq '[.[].seq] as $s | $s == [range($s[0]; $s[0] + ($s | length))]')"
check "by_state adds up to total" "$(j .protocols.total)" \
	"$(j '[.protocols.by_state[]] | add')"
check "no response clock is left running" "0" "$(j .clocks.by_kind.response)"
finish
