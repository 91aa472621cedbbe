# Issue 21, fault 7: every date, instant and duration that enters the daemon is bounded,
# so that nothing it computes from them leaves the years RFC 3339 output carries
# (0001-9999, four digits; civil.h has the bounds and why). The fault as found:
# inform_pickup_date with 9999-12-31 was accepted and its due instant printed as
# 10000-01-01T…, which the daemon's own due_before refuses. Each bound answers with a
# clear 422 (400 for a query, exit 6 for a config, a fatal error for --test-clock) that
# says the bound; everything inside the bounds works as before.
. "$(dirname "$0")/lib.sh"

# uri TEXT: TEXT encoded for a query string.
uri() {
	jq -rn --arg v "$1" '$v | @uri'
}

# four_digits INSTANT: "yes" when INSTANT has a four-digit year and the daemon's own
# due_before takes it back.
four_digits() {
	local saved_status=$STATUS saved_body=$BODY answer
	case "$1" in
	[0-9][0-9][0-9][0-9]-*) ;;
	*) echo "no: $1"; return ;;
	esac
	api GET "/v1/protocols?due_before=$(uri "$1")"
	answer=$STATUS
	STATUS=$saved_status BODY=$saved_body
	[ "$answer" = 200 ] && echo yes || echo "no: due_before=$1 answered $answer"
}

# has TEXT DESC: the last answer's detail contains TEXT.
has() {
	case "$(j .detail)" in
	*"$1"*) ok "$2" ;;
	*) not_ok "$2: detail \"$(j .detail)\" lacks \"$1\"" ;;
	esac
}

B=2026-12-07T10:00:00-03:00
start_daemon "$B"

# --- the fault as found: pickup_date 9999-12-31 ----------------------------------------------
create P1
act P1 inform_pickup_date '"pickup_date":"9999-12-31"'
check_status "inform_pickup_date 9999-12-31 is refused" 422
check "…as an invalid_param" invalid_param "$(j .code)"
has "pickup_date 9999-12-31 is too far ahead" "…that says it is too far ahead"
has "at most 366 days after today (2026-12-07, local time), so 2027-12-08 at the latest" \
	"…and says the bound and the last date allowed"
show P1
check "…and changes nothing" "pending 1" "$(j '"\(.state) \(.version)"')"
check "…so its clock is due at an instant due_before takes back" yes \
	"$(four_digits "$(j .clock.due_at)")"
# A year mistyped (2062 for 2026) is caught too.
create P3
act P3 inform_pickup_date '"pickup_date":"2062-12-10"'
check_status "a pickup date in 2062 is refused" 422
act P3 inform_pickup_date '"pickup_date":"2027-12-09"'
check_status "367 days after today is refused" 422
# The protocol is unchanged inside the bound: the last date allowed works as before.
create P4
act P4 inform_pickup_date '"pickup_date":"2027-12-08"'
check_status "366 days after today is accepted" 200
check "…the protocol waits for the pickup" "awaiting pickup_wait" "$(j '"\(.state) \(.clock.kind)"')"
check "…until 00:00 local of the day after" "2027-12-09T00:00:00-03:00" "$(j .clock.due_at)"
check "…an instant due_before takes back" yes "$(four_digits "$(j .clock.due_at)")"
act P4 inform_pickup_date '"pickup_date":"2027-12-08"'
check_status "…and actions are refused while it waits, as before" 409

# delivery_date is bounded the same way.
create P2
act P2 inform_new_delivery_date '"delivery_date":"9999-12-31"'
check_status "inform_new_delivery_date 9999-12-31 is refused" 422
has "delivery_date 9999-12-31 is too far ahead: at most 366 days" "…saying the bound"
create P5
act P5 inform_new_delivery_date '"delivery_date":"2027-12-08"'
check_status "a delivery date 366 days ahead is accepted" 200
check "…and resolves the protocol" resolved "$(j .state)"

# --- opened_at: the future was refused; the past is bounded by 1970 --------------------------
create OLD-1 '"opened_at":"0001-01-01T00:00:00Z"'
check_status "opened_at 0001-01-01 is refused" 422
check "…as an invalid_field" invalid_field "$(j .code)"
has "opened_at 0001-01-01T00:00:00Z is too old: it must be 1970-01-01T00:00:00Z or later" \
	"…saying the bound"
show OLD-1
check "…and creates nothing (it would show an opened_at in the year 0000)" 404 "$STATUS"
create OLD-2 '"opened_at":"1969-12-31T23:59:59Z"'
check_status "opened_at a second before 1970 is refused" 422
create OLD-3 '"opened_at":"1970-01-01T00:00:00Z"'
check_status "opened_at 1970-01-01T00:00:00Z is accepted" 201
check "…and its response clock ran out long ago: mediation" mediation "$(j .state)"
check "…written back as an instant with four digits" "1969-12-31T21:00:00-03:00" "$(j .opened_at)"
create FUT '"opened_at":"2026-12-07T10:00:01-03:00"'
check_status "opened_at in the future is still refused" 422
check "…with its own code" opened_at_in_future "$(j .code)"
# The import takes the same bounds, line by line.
printf '%s\n' '{"id":"IMP-1","seller":"S1","opened_at":"2026-12-01T00:00:00Z"}' \
	'{"id":"IMP-2","seller":"S1","opened_at":"1900-01-01T00:00:00-03:00"}' >"$T/old.ndjson"
out=$(curl -s --unix-socket "$SOCK" -H 'Content-Type: application/x-ndjson' \
	--data-binary "@$T/old.ndjson" http://localhost/v1/protocols:import)
check "an import refuses the line opened before 1970 and creates the other" \
	"1 1 2 invalid_field too old" \
	"$(printf '%s' "$out" | jq -r '"\(.created) \(.invalid) \(.errors[0].line) \(.errors[0].code) \(.errors[0].detail | if test("too old") then "too old" else . end)"')"

# --- durations: at most ten years (3660d, 2610bd) ------------------------------------------
api GET "/v1/forecast?within=3661d"
check_status "within=3661d is refused" 400
has "at most 10 years, 3660d" "…saying the bound in days"
api GET "/v1/forecast?within=3660d"
check_status "within=3660d is accepted" 200
check "…its horizon has four digits" yes "$(four_digits "$(j .until)")"
api POST /v1/clock '{"advance":"3661d"}'
check_status "advance 3661d is refused" 422
has "at most 10 years, 3660d (522w 6d, 87840h)" "…saying the bound in its units"
api POST /v1/clock '{"advance":"2bd"}'
check_status "advance in business days is still refused" 422
api GET /v1/clock
check "…and the clock has not moved" "$B" "$(j .now)"

GOOD=$T/good.ini BAD=$T/bad.ini
cp "$CONF" "$GOOD"
printf '[deadlines]\npickup_grace = 3660d\nletter_wait = 2610bd\nreply_window = 522w 6d\n' >>"$GOOD"
"$PROTOCOLD" -c "$GOOD" --check-config >/dev/null 2>&1
check "a config with deadlines of ten years is valid" 0 $?
cp "$CONF" "$BAD"
printf '[deadlines]\nposting_wait = 3661d\n[reason.slow]\nletter_wait = 2611bd\n' >>"$BAD"
out=$("$PROTOCOLD" -c "$BAD" --check-config 2>&1)
check "a config with a deadline over ten years exits 6" 6 $?
case "$out" in
*"[deadlines] posting_wait: too long: at most 10 years, 3660d"*) ok "…naming the key and the bound" ;;
*) not_ok "…naming the key and the bound: $out" ;;
esac
case "$out" in
*"[reason.slow] letter_wait: too long: at most 10 years of business days, 2610bd"*)
	ok "…in business days too, in a [reason.X] section" ;;
*) not_ok "…in business days too, in a [reason.X] section: $out" ;;
esac
cp "$BAD" "$CONF"
api POST /v1/reload
check_status "a reload with a deadline over ten years is refused" 422
cp "$GOOD" "$CONF"
api POST /v1/reload
check_status "a reload with deadlines of ten years is taken" 200

# --- the test clock: 1970-01-01T00:00:00Z to 9899-12-31T23:59:59.999Z ------------------------
api POST /v1/clock '{"now":"9999-12-31T00:00:00Z"}'
check_status "setting the clock to 9999-12-31 is refused" 422
has "9999-12-31T00:00:00Z is out of range: the test clock runs from 1970-01-01T00:00:00Z to 9899-12-31T23:59:59.999Z" \
	"…saying the range"
api POST /v1/clock '{"now":"9999-12-31T23:00:00-05:00"}'
check_status "…also when only its offset takes it past 9999" 422
api POST /v1/clock '{"now":"1969-12-31T23:59:59Z"}'
check_status "setting the clock before 1970 is refused" 422
api GET /v1/clock
check "…and the clock has not moved" "$B" "$(j .now)"
set_clock 9899-12-01T00:00:00Z
api POST /v1/clock '{"advance":"31d"}'
check_status "advancing past the end of 9899 is refused" 422
has "advance 31d goes too far: 9900-01-01T00:00:00Z is out of range" "…saying where to"
# The latest now, and the longest deadlines from it: every instant has four digits.
set_clock 9899-12-31T23:59:59.999Z
api GET /v1/clock
check "the clock takes its last instant" "9899-12-31T20:59:59.999-03:00" "$(j .now)"
create L1 && act L1 inform_pickup_date '"pickup_date":"9901-01-01"'
check_status "a pickup date 366 days after the last today is accepted" 200
check "…due 3660 days after it, with four digits" "9911-01-09T00:00:00-03:00 yes" \
	"$(j .clock.due_at) $(four_digits "$(j .clock.due_at)")"
create L2 && act L2 request_cancellation_letter
check "2610 business days from the last instant have four digits" yes \
	"$(four_digits "$(j .clock.due_at)")"
create L3 && act L3 message_customer '"message":"oi"'
check "a reply window of 522w 6d from it has four digits" yes "$(four_digits "$(j .clock.due_at)")"
api GET "/v1/forecast?within=3660d"
check "a forecast of ten years from it counts the reply window (the others end later)" \
	"1 1" "$(j '"\(.total) \(.by_kind.reply_window)"')"
check "…up to an instant with four digits" yes "$(four_digits "$(j .until)")"
api GET "/v1/protocols?due_before=$(uri 9999-12-31T23:59:59-03:00)"
check_status "due_before takes the last instant of 9999, even past it in UTC" 200
api GET "/v1/protocols?due_before=$(uri 10000-01-01T00:00:00Z)"
check_status "…and refuses five-digit years, as before" 400

# --test-clock=INSTANT is bounded the same way (a daemon of its own, on its own files).
mkdir -p "$T/other"
sed -e "s|$T/protocold|$T/other/protocold|" "$GOOD" >"$T/other.ini"
for at in 9999-12-31T00:00:00Z 1969-12-31T23:59:59Z; do
	out=$(timeout 10 "$PROTOCOLD" -c "$T/other.ini" --test-clock="$at" 2>&1)
	rc=$?
	check "--test-clock=$at does not start" "1" "$rc"
	case "$out" in
	*"--test-clock: $at is out of range: the test clock runs from 1970-01-01T00:00:00Z to 9899-12-31T23:59:59.999Z"*)
		ok "…and says the range" ;;
	*) not_ok "…and says the range: $out" ;;
	esac
done
finish
