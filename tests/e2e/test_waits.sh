# spec.md §3–§4: every Aguardando wait runs out back to the queue (attempts + 1, the
# response clock starting at the instant the wait ran out), and the customer's reply
# ends each one early.
. "$(dirname "$0")/lib.sh"

# t INSTANT [DATE-OFFSET]: an instant as the daemon writes it (São Paulo, seconds).
t() {
	TZ=America/Sao_Paulo date -d "$1${2:+ $2}" +%Y-%m-%dT%H:%M:%S%:z
}

# wait_expires NAME ACTION PARAMS BASE KIND DUE
wait_expires() {
	local id="$1-x"
	set_clock "$4"
	create "$id"
	act "$id" "$2" "$3"
	check_status "$2 accepted" 200
	check "$2 → awaiting" "awaiting" "$(j .state)"
	check "$2 starts $5" "$5" "$(j .clock.kind)"
	check "$5 due at $6" "$6" "$(j .clock.due_at)"
	set_clock "$(t "$6" '1 second ago')"
	show "$id"
	check "$5 has not run out a second early" "awaiting" "$(j .state)"
	set_clock "$6"
	show "$id"
	check "$5 ran out: back to pending" "pending" "$(j .state)"
	check "$5 ran out: attempts.$2 = 1" "1" "$(j ".attempts.$2")"
	check "$5 ran out: response clock runs" "response" "$(j .clock.kind)"
	check "$5 ran out: response starts when the wait ran out" "$6" "$(j .clock.started_at)"
	check "$5 ran out: response due 48h later" "$(t "$6" '+48 hours')" "$(j .clock.due_at)"
	check "$5 history" "create:create:null>pending action:$2:pending>awaiting expiry:$5:awaiting>pending" \
		"$(history_names "$id")"
	api GET "/v1/protocols/$id/history"
	check "$5 expiry carries due_at" "$6" "$(j '.items[2].due_at')"
	check "$5 expiry was on time" "0" "$(j '.items[2].late_ms')"
}

# wait_answered NAME ACTION PARAMS BASE
wait_answered() {
	local id="$1-r"
	set_clock "$4"
	create "$id"
	act "$id" "$2" "$3"
	advance 1h
	event "$id" customer_replied
	check_status "customer_replied ends $2" 200
	check "customer_replied → pending" "pending" "$(j .state)"
	check "no attempt counted" "null" "$(j ".attempts.$2")"
	check "response clock from the reply" "$(t "$4" '+1 hour')" "$(j .clock.started_at)"
}

start_daemon 2026-11-23T12:00:00-03:00

B=2026-11-23T12:00:00-03:00
wait_expires photos request_photos "" $B photos_wait 2026-11-25T12:00:00-03:00
wait_answered photos request_photos "" $B
wait_expires address confirm_address "" $B address_wait 2026-11-25T12:00:00-03:00
wait_answered address confirm_address "" $B
wait_expires posting inform_posting_code '"posting_code":"AA123456789BR"' $B posting_wait \
	2026-12-08T12:00:00-03:00
wait_answered posting inform_posting_code '"posting_code":"AA123456789BR"' $B
# Until 00:00 local of the pickup date + 1 day.
wait_expires pickup inform_pickup_date '"pickup_date":"2026-11-30"' $B pickup_wait \
	2026-12-01T00:00:00-03:00
wait_answered pickup inform_pickup_date '"pickup_date":"2026-11-30"' $B
# 6 business days from Monday 23 Nov: Tue 24 … Fri 27, Mon 30, Tue 1 Dec → end of 1 Dec.
wait_expires letter request_cancellation_letter "" $B letter_wait 2026-12-02T00:00:00-03:00
wait_answered letter request_cancellation_letter "" $B

# The letter can also arrive: document_attached resolves the protocol.
set_clock $B
create letter-doc
act letter-doc request_cancellation_letter
event letter-doc document_attached
check_status "document_attached on letter_wait" 200
check "document_attached → resolved" "resolved" "$(j .state)"
check "resolved has no clock" "null" "$(j .clock)"
# …but only on the letter's wait.
create photos-doc
act photos-doc request_photos
event photos-doc document_attached
check_status "document_attached on photos_wait is refused" 409
check "refusal says what is allowed" "customer_replied" "$(j '.allowed | join(",")')"

# Business days skip holidays: 6bd from Thu 12 Nov 2026 skips Sun 15 Nov (weekend
# anyway), Fri 20 Nov (Consciência Negra) → Fri 13, Mon 16, Tue 17, Wed 18, Thu 19,
# Mon 23 → due at the end of Mon 23 Nov.
set_clock 2026-11-12T10:00:00-03:00
create letter-holiday
act letter-holiday request_cancellation_letter
check "6bd skips 20 Nov" "2026-11-24T00:00:00-03:00" "$(j .clock.due_at)"

# A wait that runs out twice counts two attempts.
set_clock 2027-01-04T09:00:00-03:00
create twice
act twice request_photos
advance 48h
act twice request_photos
advance 48h
show twice
check "two expiries, two attempts" "2" "$(j .attempts.request_photos)"

# A pickup date in the past is refused and changes nothing.
create pickup-past
act pickup-past inform_pickup_date '"pickup_date":"2027-01-01"'
check_status "pickup_date in the past" 422
check "its code" "invalid_param" "$(j .code)"
show pickup-past
check "nothing changed" "pending 1" "$(j '"\(.state) \(.version)"')"
finish
