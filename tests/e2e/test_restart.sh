# spec.md §9: after downtime every clock that expired meanwhile is applied at start, in
# due order, each once, with due_at and late_ms; chains replay from the due instants;
# clocks due after the gap are untouched; acknowledged writes survive kill -9.
. "$(dirname "$0")/lib.sh"

T0=2026-11-23T12:00:00-03:00
H=3600000
# A short photos wait makes a chain fit in the gap: photos (12 h) → pending → warning
# (12 + 44 h) → mediation (12 + 48 h).
write_config "[reason.quick]
photos_wait = 12h"
start_daemon $T0

create A				# response only: warning 44 h, mediation 48 h
create B '"critical":true'		# warning 20 h, mediation 24 h
create C && act C request_photos	# photos 48 h → pending, response from 48 h (due 96 h)
create D && act D request_cancellation_letter	# due 2026-12-02T00:00, after the gap
create E && act E message_customer '"message":"Olá"'	# reply window 60 d
create G '"reason":"quick"' && act G request_photos	# the chain
api GET /v1/events?limit=1000
SEQ0=$(j .next)
stop_daemon
check "SIGTERM exits 0" 0 "$STOP_RC"

# Three days later, with reads that copy pages instead of mapping the file (read_map = 0:
# the other tests read through the default map).
write_config "[reason.quick]
photos_wait = 12h
[daemon]
read_map = 0"
start_daemon 2026-11-26T12:00:00-03:00
advance 0s	# answers once everything due now is applied and committed
api GET /v1/stats
check "the catch-up applied every due point once" 8 "$(j .fired_since_start)"

api GET "/v1/events?after=$SEQ0&limit=1000"
check "8 entries on the feed after the restart" 8 "$(j '.items | length')"
check "in due order" "true" "$(j '[.items[].due_at] as $d | $d == ($d | sort)')"	# one offset: text order is time order
check "seqs without gaps" "true" \
	"$(j "[.items[].seq] == [range($SEQ0 + 1; $SEQ0 + 9)]")"
check "the order of protocols and causes" \
	"G:expiry:photos_wait B:warning:response B:expiry:response A:warning:response A:expiry:response C:expiry:photos_wait G:warning:response G:expiry:response" \
	"$(j '[.items[] | "\(.protocol):\(.cause):\(.name)"] | join(" ")')"

show A
check "A went to mediation" mediation "$(j .state)"
api GET /v1/protocols/A/history
check "A's mediation was due at 48 h" 2026-11-25T12:00:00-03:00 "$(j '.items[2].due_at')"
check "A's mediation is 24 h late" $((24 * H)) "$(j '.items[2].late_ms')"
check "A's warning is 28 h late" $((28 * H)) "$(j '.items[1].late_ms')"

show B
check "B (critical) went to mediation" mediation "$(j .state)"
api GET /v1/protocols/B/history
check "B's mediation was due at 24 h" 2026-11-24T12:00:00-03:00 "$(j '.items[2].due_at')"

show C
check "C is back in the queue" pending "$(j .state)"
check "C counts the attempt" 1 "$(j .attempts.request_photos)"
check "C's response clock starts when the wait ran out" 2026-11-25T12:00:00-03:00 \
	"$(j .clock.started_at)"
check "C's response clock is due 48 h after that" 2026-11-27T12:00:00-03:00 "$(j .clock.due_at)"

show D
check "D's letter wait (due after the gap) is untouched" "awaiting letter_wait" \
	"$(j '"\(.state) \(.clock.kind)"')"
show E
check "E's reply window is untouched" "closed reply_window" "$(j '"\(.state) \(.clock.kind)"')"

check "G replayed its chain" \
	"create:create:null>pending action:request_photos:pending>awaiting expiry:photos_wait:awaiting>pending warning:response:pending>pending expiry:response:pending>mediation" \
	"$(history_names G)"
api GET /v1/protocols/G/history
check "G's response clock ran from the photos' due instant" \
	"2026-11-24T00:00:00-03:00 2026-11-26T00:00:00-03:00" \
	"$(j '"\(.items[2].due_at) \(.items[4].due_at)"')"
check "G's mediation is 12 h late" $((12 * H)) "$(j '.items[4].late_ms')"

# A second restart with no time passing applies nothing again.
api GET /v1/events?limit=1000
SEQ1=$(j .next)
stop_daemon
start_daemon 2026-11-26T12:00:00-03:00
advance 0s
check "a restart fires nothing twice" 0 "$(j .applied)"
api GET "/v1/events?after=$SEQ1"
check "and adds nothing to the feed" 0 "$(j '.items | length')"

# kill -9 right after an acknowledged write loses nothing.
create K
check_status "K created" 201
act K confirm_address
check_status "K acted" 200
{ kill -9 "$PID"; wait "$PID"; } 2>/dev/null
PID=
start_daemon 2026-11-26T12:00:00-03:00
show K
check "an acknowledged action survives kill -9" "awaiting address_wait 2" \
	"$(j '"\(.state) \(.clock.kind) \(.version)"')"
finish
