# spec.md §2, §4, §5, §8: the API contract — create and its idempotency, input validation,
# the refusals of actions and events (with their codes and "allowed" lists), if_version,
# routing (404/405), body decoding (400/413), problem documents, /v1/clock without the
# test clock, and the informational endpoints.
. "$(dirname "$0")/lib.sh"

# call METHOD PATH [BODY]: like api, but a BODY given (even empty) is sent, and the
# answer's Content-Type is put in CTYPE.
call() {
	local out
	if [ $# -ge 3 ]; then
		out=$(curl -s --max-time 30 --unix-socket "$SOCK" -X "$1" \
			-H 'Content-Type: application/json' --data-binary "$3" \
			-w '\n%{content_type}\n%{http_code}' "http://localhost$2")
	else
		out=$(curl -s --max-time 30 --unix-socket "$SOCK" -X "$1" \
			-w '\n%{content_type}\n%{http_code}' "http://localhost$2")
	fi
	STATUS=${out##*$'\n'}
	out=${out%$'\n'*}
	CTYPE=${out##*$'\n'}
	BODY=${out%$'\n'*}
}

# check_problem DESC STATUS CODE: the last call answered STATUS with an RFC 9457
# problem document of that code (type, title, status = STATUS, detail, code).
check_problem() {
	check "$1 (HTTP $2)" "$2" "$STATUS"
	check "$1: code" "$3" "$(j .code)"
	check "$1: a problem document" "application/problem+json true" "$CTYPE $(printf '%s' \
		"$BODY" | jq --argjson s "$2" '(.type | type == "string" and length > 0) and
		(.title | type == "string" and length > 0) and .status == $s and
		(.detail | type == "string" and length > 0) and (.code | type == "string")' \
		2>/dev/null)"
}

# hist_len ID: how many history entries the protocol has.
hist_len() {
	api GET "/v1/protocols/$1/history"
	j '.items | length'
}

# sorted_csv JQ_ARRAY_FILTER: the array's strings, sorted, comma separated.
sorted_csv() {
	j "$1 // [] | sort | join(\",\")"
}

start_daemon 2026-11-23T12:00:00-03:00

# --- create ------------------------------------------------------------------------
call POST /v1/protocols '{"id":"P-1","seller":"S1","order":"ORD-9"}'
check "create answers 201" "201" "$STATUS"
check "create answers application/json" "application/json" "$CTYPE"
check "the new protocol" "P-1 S1 ORD-9 customer false pending 1" \
	"$(j '"\(.id) \(.seller) \(.order) \(.origin) \(.critical) \(.state) \(.version)"')"
check "opened_at defaults to now" "2026-11-23T12:00:00-03:00" "$(j .opened_at)"
check "its response clock runs from opened_at for 48h" \
	"response 2026-11-23T12:00:00-03:00 2026-11-25T12:00:00-03:00 172800" \
	"$(j '"\(.clock.kind) \(.clock.started_at) \(.clock.due_at) \(.clock.remaining_s)"')"
check "one history entry" "create:create:null>pending" "$(history_names P-1)"

call POST /v1/protocols '{"id":"P-1","seller":"S1","order":"ORD-9"}'
check "the same body again answers 200" "200" "$STATUS"
check "…with the same protocol" "P-1 1 pending" "$(j '"\(.id) \(.version) \(.state)"')"
check "…and no new history entry" "1" "$(hist_len P-1)"
# Unknown members do not make the body different.
call POST /v1/protocols '{"id":"P-1","seller":"S1","order":"ORD-9","x-trace":"abc"}'
check "the same body plus an unknown member answers 200" "200" "$STATUS"

call POST /v1/protocols '{"id":"P-1","seller":"S2","order":"ORD-9"}'
check_problem "same id, another seller" 409 id_conflict
call POST /v1/protocols '{"id":"P-1","seller":"S1","order":"ORD-9","critical":true}'
check_problem "same id, critical" 409 id_conflict
call POST /v1/protocols '{"id":"P-1","seller":"S1"}'
check_problem "same id, without the order" 409 id_conflict
show P-1
check "the conflicts changed nothing" "S1 ORD-9 false 1" \
	"$(j '"\(.seller) \(.order) \(.critical) \(.version)"')"
check "…and added no history" "1" "$(hist_len P-1)"

call POST /v1/protocols '{"id":"P-crit","seller":"S1","critical":true}'
check "a critical protocol has 24h to respond" "201 2026-11-24T12:00:00-03:00" \
	"$STATUS $(j .clock.due_at)"

# --- create: validation ------------------------------------------------------------
call POST /v1/protocols '{"id":"P-2"}'
check_problem "create without seller" 422 missing_field
call POST /v1/protocols '{"seller":"S1"}'
check_problem "create without id" 422 missing_field
call POST /v1/protocols '{"id":"P 2","seller":"S1"}'
check_problem "id with a space" 422 invalid_field
call POST /v1/protocols '{"id":"P/2","seller":"S1"}'
check_problem "id with a slash" 422 invalid_field
call POST /v1/protocols '{"id":"Pé","seller":"S1"}'
check_problem "id with a non-ASCII letter" 422 invalid_field
call POST /v1/protocols '{"id":"","seller":"S1"}'
check_problem "empty id" 422 invalid_field
call POST /v1/protocols '{"id":"P-2","seller":"S 1"}'
check_problem "seller with a space" 422 invalid_field
call POST /v1/protocols '{"id":42,"seller":"S1"}'
check_problem "a numeric id" 422 invalid_field
ID64=$(printf 'a%.0s' $(seq 1 61)).:-
ID65=${ID64}x
call POST /v1/protocols "{\"id\":\"$ID64\",\"seller\":\"S1\"}"
check "a 64-character id (with . : -) is accepted" "201 $ID64" "$STATUS $(j .id)"
call POST /v1/protocols "{\"id\":\"$ID65\",\"seller\":\"S1\"}"
check_problem "a 65-character id" 422 invalid_field
call POST /v1/protocols '{"id":"P-2","seller":"S1","origin":"other"}'
check_problem "origin other" 422 invalid_field
call POST /v1/protocols '{"id":"P-2","seller":"S1","critical":"yes"}'
check_problem "critical \"yes\"" 422 invalid_field
call POST /v1/protocols '{"id":"P-2","seller":"S1","opened_at":"2026-11-23T10:00:00"}'
check_problem "opened_at without an offset" 422 invalid_field
call POST /v1/protocols '{"id":"P-2","seller":"S1","opened_at":"yesterday"}'
check_problem "opened_at that is no instant" 422 invalid_field
call POST /v1/protocols '{"id":"P-2","seller":"S1","opened_at":"2026-11-23T13:00:00-03:00"}'
check_problem "opened_at in the future" 422 opened_at_in_future
REASONS="cancellation_letter,customer_return,delivery_problem,unavailable"
call POST /v1/protocols '{"id":"P-2","seller":"S1","origin":"preventive"}'
check_problem "preventive without a reason" 422 invalid_reason
check "…lists the four reasons" "$REASONS" "$(sorted_csv .allowed)"
call POST /v1/protocols '{"id":"P-2","seller":"S1","origin":"preventive","reason":"late"}'
check_problem "preventive with an unknown reason" 422 invalid_reason
check "…lists the four reasons" "$REASONS" "$(sorted_csv .allowed)"
call GET /v1/protocols/P-2
check_problem "none of the refused creates exists" 404 protocol_not_found

# Unknown members are ignored, however nested.
call POST /v1/protocols '{"id":"P-x","seller":"S1","colour":"blue","n":7,"tags":[1,{"a":null}],"meta":{"k":[true]}}'
check "create with unknown members" "201 P-x pending" "$STATUS $(j '"\(.id) \(.state)"')"
check "unknown members are not echoed" "null null" "$(j '"\(.colour) \(.meta)"')"

# --- preventive protocols: each reason allows only its own actions (spec.md §4) ----------
ALL_ACTIONS="request_photos confirm_address inform_posting_code inform_pickup_date
request_cancellation_letter message_customer approve_cancellation cancel_sale send_part
inform_carrier_pickup inform_shipping inform_new_delivery_date"
# Every parameter any action takes, valid; actions ignore the ones they do not take.
PARAMS='"posting_code":"AA123456789BR","pickup_date":"2026-11-30","message":"Olá",
"tracking_url":"https://rastreio.example/AA123456789BR","pickup_code":"PK-1",
"delivery_date":"2026-12-01"'
PARAMS=${PARAMS//$'\n'/}

# next_state ACTION: the state spec.md §4 sends the action to.
next_state() {
	case $1 in
	request_photos | confirm_address | inform_posting_code | inform_pickup_date | \
		request_cancellation_letter) echo awaiting ;;
	message_customer) echo closed ;;
	*) echo resolved ;;
	esac
}

# reason_allows REASON OWN_ACTIONS_CSV (sorted, as spec.md §4 lists them)
reason_allows() {
	local r=$1 own=$2 a n=0 bad=""
	call POST /v1/protocols "{\"id\":\"prev-$r\",\"seller\":\"S1\",\"origin\":\"preventive\",\"reason\":\"$r\"}"
	check "preventive $r created" "201 preventive $r pending" \
		"$STATUS $(j '"\(.origin) \(.reason) \(.state)"')"
	check "preventive $r: no response clock" "null" "$(j .clock)"
	check "preventive $r: allowed_actions" "$own" "$(sorted_csv .allowed_actions)"
	for a in $ALL_ACTIONS; do
		case ",$own," in *",$a,"*) continue ;; esac
		act "prev-$r" "$a" "$PARAMS"
		check "preventive $r refuses $a" "409 action_not_allowed_for_reason $own" \
			"$STATUS $(j .code) $(sorted_csv .allowed)"
		n=$((n + 1))
	done
	show "prev-$r"
	check "preventive $r: the $n refusals changed nothing" "pending 1" \
		"$(j '"\(.state) \(.version)"')"
	for a in ${own//,/ }; do
		create "prev-$r-$a" "\"origin\":\"preventive\",\"reason\":\"$r\""
		act "prev-$r-$a" "$a" "$PARAMS"
		check "preventive $r accepts $a" "200 $(next_state "$a") 2" \
			"$STATUS $(j .state) $(j .version)"
	done
}
reason_allows delivery_problem \
	cancel_sale,confirm_address,inform_carrier_pickup,inform_new_delivery_date,message_customer
reason_allows customer_return inform_pickup_date,inform_posting_code,message_customer
reason_allows unavailable cancel_sale
reason_allows cancellation_letter request_cancellation_letter

# --- actions outside pending/unresolved -------------------------------------------
create st-awaiting
act st-awaiting request_photos
create st-closed
act st-closed message_customer '"message":"Resolvido, obrigado"'
create st-resolved
act st-resolved cancel_sale
create st-mediation '"opened_at":"2026-11-20T12:00:00-03:00"'
check "an opened_at past the response deadline → mediation at once" "201 mediation" \
	"$STATUS $(j .state)"
for s in awaiting closed mediation resolved; do
	show "st-$s"
	v=$(j .version)
	check "st-$s is $s" "$s" "$(j .state)"
	check "$s offers no action" "" "$(j '.allowed_actions | join(",")')"
	for a in request_photos cancel_sale; do
		call POST "/v1/protocols/st-$s/actions" "{\"action\":\"$a\"}"
		check_problem "$a in $s" 409 action_not_allowed
	done
	show "st-$s"
	check "the refusals in $s changed nothing" "$s $v" "$(j '"\(.state) \(.version)"')"
done

# --- unknown actions and events ----------------------------------------------------
create unk
call POST /v1/protocols/unk/actions '{"action":"refund_everything"}'
check_problem "unknown action" 422 unknown_action
call POST /v1/protocols/unk/actions '{"action":7}'
check_problem "a numeric action" 422 invalid_field
call POST /v1/protocols/unk/actions '{"posting_code":"X"}'
check_problem "an action request without action" 422 missing_field
call POST /v1/protocols/unk/events '{"event":"customer_shouted"}'
check_problem "unknown event" 422 unknown_event
call POST /v1/protocols/unk/events '{}'
check_problem "an event request without event" 422 missing_field
call POST /v1/protocols/unk/events '{"event":"customer_replied"}'
check_problem "customer_replied on a pending protocol" 409 event_not_allowed
call POST /v1/protocols/unk/actions '{"action":"inform_posting_code"}'
check_problem "an action without its parameter" 422 missing_param
check "unk is untouched" "1 1" "$(show unk; j .version) $(hist_len unk)"

# Unknown members of an action request are ignored too — however many there are.
EXTRA=$(for i in $(seq 1 20); do printf '"x%d":"v",' "$i"; done)
create many-fields
call POST /v1/protocols/many-fields/actions "{\"action\":\"inform_posting_code\",\"trace\":{\"id\":1},\"posting_code\":\"AA1\"}"
check "an action with an unknown member" "200 awaiting" "$STATUS $(j .state)"
create many-fields2
call POST /v1/protocols/many-fields2/actions "{\"action\":\"inform_posting_code\",${EXTRA}\"posting_code\":\"AA1\"}"
check "an action with 20 unknown members before its parameter" "200 awaiting" \
	"$STATUS $(j .state)"

# --- if_version --------------------------------------------------------------------
create ver
act ver request_photos '"if_version":1'
check "if_version matching → 200" "200 awaiting 2" "$STATUS $(j .state) $(j .version)"
call POST /v1/protocols/ver/events '{"event":"customer_replied","if_version":1}'
check_problem "a stale if_version on an event" 409 version_conflict
show ver
check "the stale event changed nothing" "awaiting 2 2" \
	"$(j .state) $(j .version) $(hist_len ver)"
event ver customer_replied '"if_version":2'
check "if_version matching on an event → 200" "200 pending 3" \
	"$STATUS $(j .state) $(j .version)"
call POST /v1/protocols/ver/actions '{"action":"cancel_sale","if_version":2}'
check_problem "a stale if_version on an action" 409 version_conflict
call POST /v1/protocols/ver/actions '{"action":"cancel_sale","if_version":4}'
check_problem "a future if_version on an action" 409 version_conflict
call POST /v1/protocols/ver/actions '{"action":"cancel_sale","if_version":"3"}'
check_problem "if_version as a string" 422 invalid_field
call POST /v1/protocols/ver/actions '{"action":"cancel_sale","if_version":-1}'
check_problem "a negative if_version" 422 invalid_field
call POST /v1/protocols/ver/events '{"event":"customer_replied","if_version":"3"}'
check_problem "if_version as a string on an event" 422 invalid_field
show ver
check "the refused writes changed nothing" "pending 3 3" \
	"$(j .state) $(j .version) $(hist_len ver)"

# --- unknown protocols and routes --------------------------------------------------
call GET /v1/protocols/nope
check_problem "GET an unknown protocol" 404 protocol_not_found
call GET /v1/protocols/nope/history
check_problem "the history of an unknown protocol" 404 protocol_not_found
call POST /v1/protocols/nope/actions '{"action":"cancel_sale"}'
check_problem "an action on an unknown protocol" 404 protocol_not_found
call POST /v1/protocols/nope/events '{"event":"customer_replied"}'
check_problem "an event on an unknown protocol" 404 protocol_not_found
call GET /v1/nothing
check_problem "an unknown path" 404 route_not_found
call GET /v2/protocols/P-1
check_problem "an unknown API version" 404 route_not_found
call GET /v1/protocols/P-1/nothing
check_problem "an unknown sub-resource" 404 route_not_found

HDR=$(curl -s -i --max-time 30 --unix-socket "$SOCK" -X DELETE http://localhost/v1/protocols)
BODY=${HDR#*$'\r\n\r\n'}
STATUS=$(printf '%s' "$HDR" | head -n 1 | awk '{print $2}')
CTYPE=$(printf '%s' "$HDR" | tr -d '\r' | sed -n 's/^[Cc]ontent-[Tt]ype: //p')
ALLOW=$(printf '%s' "$HDR" | tr -d '\r' | sed -n 's/^[Aa]llow: //p')
check_problem "DELETE /v1/protocols" 405 method_not_allowed
check "405 has an Allow header that names POST" "yes" \
	"$(case ", $ALLOW," in *", POST,"*) echo yes ;; *) echo "no ($ALLOW)" ;; esac)"
check "…and not DELETE" "no" \
	"$(case ", $ALLOW," in *", DELETE,"*) echo yes ;; *) echo no ;; esac)"
call PUT /v1/protocols/P-1 '{"id":"P-1"}'
check_problem "PUT a protocol" 405 method_not_allowed
call DELETE /v1/protocols/P-1
check_problem "DELETE a protocol" 405 method_not_allowed
show P-1
check "P-1 survives the DELETE" "200 1" "$STATUS $(j .version)"

# --- bodies ------------------------------------------------------------------------
call POST /v1/protocols '{"id":"J-1","seller":'
check_problem "invalid JSON" 400 invalid_json
call POST /v1/protocols '[{"id":"J-1","seller":"S1"}]'
check_problem "a JSON array body" 400 invalid_json
call POST /v1/protocols '"J-1"'
check_problem "a JSON string body" 400 invalid_json
call POST /v1/protocols ''
check_problem "an empty body" 400 invalid_json
call POST /v1/protocols
check_problem "no body at all" 400 invalid_json
call POST /v1/protocols '{"id":"J-1","seller":"S1","id":"J-2"}'
check_problem "a duplicate member" 400 invalid_json
call POST /v1/protocols/unk/actions '{"action":"cancel_sale"'
check_problem "invalid JSON on an action" 400 invalid_json
call POST /v1/protocols/unk/events '[]'
check_problem "an array on an event" 400 invalid_json
call GET /v1/protocols/J-1
check "none of the bad bodies created anything" "404" "$STATUS"

# Just under 64 KiB is served; over it is 413, and the daemon keeps serving.
pad() { head -c "$1" /dev/zero | tr '\0' a; }
printf '{"id":"big-ok","seller":"S1","note":"%s"}' "$(pad 65000)" >"$T/ok.json"
call POST /v1/protocols "@$T/ok.json"
check "a body of $(stat -c %s "$T/ok.json") bytes is accepted" "201" "$STATUS"
printf '{"id":"big","seller":"S1","note":"%s"}' "$(pad 70000)" >"$T/big.json"
call POST /v1/protocols "@$T/big.json"
check "a body over 64 KiB → 413" "413" "$STATUS"
printf '{"action":"cancel_sale","note":"%s"}' "$(pad 200000)" >"$T/big2.json"
call POST /v1/protocols/unk/actions "@$T/big2.json"
check "an action body of 200 KB → 413" "413" "$STATUS"
call GET /v1/health/live
check "the daemon serves after a 413" "200" "$STATUS"
call GET /v1/protocols/big
check "the oversized create did not happen" "404" "$STATUS"
show unk
check "the oversized action did not happen" "pending 1" "$(j '"\(.state) \(.version)"')"
create after-413
check "writes work after a 413" "201" "$STATUS"

# --- informational endpoints -------------------------------------------------------
call GET /v1/version
check "version answers 200 JSON" "200 application/json" "$STATUS $CTYPE"
check "version fields" "true" "$(j '(.version | test("^[0-9]+\\.[0-9]+")) and
	(.api_version | type == "string" and length > 0) and
	(.sqlite | test("^3\\.[0-9]+\\.[0-9]+")) and (.libevent | test("^2\\.[0-9]+"))')"
call GET /v1/health/live
check "health/live" "200 live" "$STATUS $(j .status)"
call GET /v1/health/ready
check "health/ready" "200 ready" "$STATUS $(j .status)"
call GET /v1/clock
check "GET /v1/clock with --test-clock" "200 2026-11-23T12:00:00-03:00" "$STATUS $(j .now)"
call POST /v1/clock '{"advance":"48"}'
check_problem "advance by a bare number" 422 invalid_field

call GET /v1/stats
check "stats answers 200" "200" "$STATUS"
check "stats: by_state has the six states" \
	"awaiting,closed,mediation,pending,resolved,unresolved" \
	"$(j '.protocols.by_state | keys | join(",")')"
check "stats: total is the sum of by_state" "true" \
	"$(j '.protocols.total == (.protocols.by_state | add)')"
TOTAL=$(j .protocols.total)
api GET '/v1/events?limit=1000'
check "stats: total = the protocols created" "$(j '[.items[] | select(.cause == "create")] | length')" \
	"$TOTAL"
call GET /v1/stats
check "stats: running clocks = the sum by kind" "true" \
	"$(j '.clocks.running == (.clocks.by_kind | add)')"
check "stats: clock kinds" \
	"address_wait,letter_wait,photos_wait,pickup_wait,posting_wait,reply_window,response" \
	"$(j '.clocks.by_kind | keys | join(",")')"
check "stats: counters" "true" "$(j '[.expirations_fired, .warnings_fired,
	.fired_since_start, .uptime_s, .feed_waiting] | all(type == "number" and . >= 0)')"
check "stats: now is the test clock" "2026-11-23T12:00:00-03:00" "$(j .now)"
check "stats: next_due is the earliest point (P-crit's warning)" \
	"P-crit response 2026-11-24T08:00:00-03:00" \
	"$(j '"\(.clocks.next_due.protocol) \(.clocks.next_due.kind) \(.clocks.next_due.at)"')"

# --- a second daemon, without --test-clock ------------------------------------------
SOCK1=$SOCK
SOCK2=$T/plain.sock
PID2=
PLAIN_RC=
stop_plain() {
	if [ -n "$PID2" ] && kill -0 "$PID2" 2>/dev/null; then
		kill -TERM "$PID2"
		wait "$PID2" 2>/dev/null
		PLAIN_RC=$?
	fi
	PID2=
}
trap 'stop_plain; e2e_cleanup' EXIT
cat >"$T/plain.ini" <<INI
[daemon]
database = $(new_database plain)
socket = $SOCK2
timezone = America/Sao_Paulo
INI
"$PROTOCOLD" -c "$T/plain.ini" >>"$T/plain.log" 2>&1 &
PID2=$!
for _ in $(seq 1 100); do
	curl -s --max-time 1 --unix-socket "$SOCK2" http://localhost/v1/health/ready \
		>/dev/null 2>&1 && break
	sleep 0.05
done
SOCK=$SOCK2
call GET /v1/health/ready
check "the daemon without --test-clock is ready" "200" "$STATUS"
call GET /v1/clock
check_problem "GET /v1/clock without --test-clock" 404 test_clock_disabled
call POST /v1/clock '{"advance":"48h"}'
check_problem "POST /v1/clock without --test-clock" 404 test_clock_disabled
call POST /v1/clock '{"now":"2030-01-01T00:00:00Z"}'
check_problem "setting the clock without --test-clock" 404 test_clock_disabled
create plain-1
check "it creates protocols" "201" "$STATUS"
NOW_S=$(date +%s)
OPENED_S=$(date -d "$(j .opened_at)" +%s)
check "…opened at the real now" "yes" \
	"$([ $((NOW_S - OPENED_S)) -ge -2 ] && [ $((NOW_S - OPENED_S)) -le 5 ] && echo yes ||
		echo "no ($(j .opened_at))")"
create plain-2 '"critical":true'
act plain-2 request_photos
create plain-3
act plain-3 cancel_sale
call GET /v1/stats
check "stats counts per state" "3 1 1 1 0 0 0 0" \
	"$(j '.protocols | "\(.total) \(.by_state.pending) \(.by_state.awaiting) \(.by_state.resolved) \(.by_state.closed) \(.by_state.unresolved) \(.by_state.mediation) \(.by_state | add - 3)"')"
check "stats clocks by kind" "2 1 1" \
	"$(j '.clocks | "\(.running) \(.by_kind.response) \(.by_kind.photos_wait)"')"
check "stats next_due is plain-1's warning" "plain-1 response" \
	"$(j '.clocks.next_due | "\(.protocol) \(.kind)"')"
check "stats: nothing fired yet" "0 0 0" \
	"$(j '"\(.expirations_fired) \(.warnings_fired) \(.fired_since_start)"')"
stop_plain
SOCK=$SOCK1
check "the daemon without --test-clock stops cleanly" "0" "$PLAIN_RC"
check "…with no sanitizer report" "0" \
	"$(grep -c -e 'ERROR: AddressSanitizer' -e 'runtime error:' -e 'ERROR: LeakSanitizer' "$T/plain.log")"

# The first daemon did not notice any of it.
call GET /v1/protocols/plain-1
check "the daemons are separate" "404" "$STATUS"

# A clean stop, and no sanitizer report (when built with SAN=1). A second TERM during
# the stop's drain (systemctl stop, then an impatient kill) changes nothing.
kill -TERM "$PID"
sleep 0.05
kill -TERM "$PID" 2>/dev/null
stop_daemon 2>/dev/null
check "SIGTERM stops the daemon with status 0" "0" "$STOP_RC"
check "a second SIGTERM while stopping: the stop is logged once" "1" \
	"$(grep -c 'finishing the transaction in flight' "$LOG")"
check "the daemon log has no sanitizer report" "0" \
	"$(grep -c -e 'ERROR: AddressSanitizer' -e 'runtime error:' -e 'ERROR: LeakSanitizer' "$LOG")"
finish
