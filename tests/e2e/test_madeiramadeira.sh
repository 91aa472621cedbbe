# RULES.md, shipped: conf/rules/madeiramadeira.ini (seed 002) loaded by [rules] files
# (the repository's conf/rules, by an absolute path) next to casas-bahia.ini: its
# motivos with their own deadlines, its portal actions and waits; and a configuration
# without [rules] behaves as before (casas-bahia built in, the only rulebook).
. "$(dirname "$0")/lib.sh"

REPO=$(cd "$(dirname "$0")/../.." && pwd)
MM=$REPO/conf/rules/madeiramadeira.ini
B=2026-11-23T12:00:00-03:00

# lineof_in SECTION TEXT: the line of the file $MM whose text is TEXT, in [SECTION].
lineof_in() {
	awk -v sec="[$1]" -v want="$2" '$0 == sec { on = 1; next }
		/^\[/ { on = 0 } on && $0 == want { print NR; exit }' "$MM"
}
# mm ID [EXTRA]: a protocol of seller S1 on the default marketplace (madeiramadeira).
mm() {
	create "$@"
}
sorted_allowed() {
	j '.allowed_actions | sort | join(",")'
}

write_config "[rules]
files = $REPO/conf/rules/*.ini
default = madeiramadeira"
"$PROTOCOLD" -c "$CONF" --check-config >/dev/null 2>&1
check "--check-config accepts the shipped rulebooks" 0 $?
start_daemon $B

# --- the rulebook as loaded ---------------------------------------------------------------
api GET /v1/marketplaces
check "both shipped rulebooks, madeiramadeira the default" "madeiramadeira casas-bahia,madeiramadeira" \
	"$(j '"\(.default) \([.items[].name] | sort | join(","))"')"
api GET /v1/marketplaces/madeiramadeira
check "its head" "MadeiraMadeira Portal SAC|true|$MM|48h|24h|4h|60d|br-national" \
	"$(j '[.title, .default, .file, .response, .response_critical, .warn_before, .reply_window, .calendar] | map(tostring) | join("|")')"
check "as many actions as the file has" "$(grep -c '^\[action\.' "$MM")" "$(j '.actions | length')"
check "as many motivos as the file has" "$(grep -c '^\[reason\.' "$MM")" "$(j '.reasons | length')"
check "every motivo has a label and is a customer one" 0 \
	"$(j '[.reasons[] | select(.label == null or .origin != "customer")] | length')"
# Each motivo's actions as the file lists them.
bad=
for r in $(sed -n 's/^\[reason\.\(.*\)\]$/\1/p' "$MM"); do
	want=$(awk -v sec="[reason.$r]" '$0 == sec { on = 1; next } /^\[/ { on = 0 }
		on && /^actions = / { sub(/^actions = /, ""); gsub(/ /, ""); print; exit }' "$MM" |
		tr ',' '\n' | sort | paste -sd,)
	got=$(j ".reasons[] | select(.name == \"$r\") | .actions // [] | sort | join(\",\")")
	[ "$want" = "$got" ] || bad="$bad $r($want/$got)"
done
check "every motivo allows the actions its section lists" "" "$bad"
check "the posting code wait" "awaiting 15d posting_wait true" \
	"$(j '.actions[] | select(.name == "inform_posting_code") | "\(.to) \(.wait) \(.clock) \(.attempts)"')"
check "the pickup date wait" "awaiting pickup_date + 1d pickup_date:date_future" \
	"$(j '.actions[] | select(.name == "inform_pickup_date") | "\(.to) \(.wait) \(.params[0].name):\(.params[0].type)"')"
check "respond_customer closes" "closed null message:longtext" \
	"$(j '.actions[] | select(.name == "respond_customer") | "\(.to) \(.wait) \(.params[0].name):\(.params[0].type)"')"
check "its events" "customer_replied:awaiting>pending,closed>unresolved mediation_resolved:mediation>resolved" \
	"$(j '[.events[] | "\(.name):\([.moves[] | "\(.from)>\(.to)"] | join(","))"] | join(" ")')"

# --- motivos and their deadlines ---------------------------------------------------------
mm N1
check_status "create without marketplace" 201
check "the default is madeiramadeira: 48h" "madeiramadeira 2026-11-25T12:00:00-03:00" \
	"$(j '"\(.marketplace) \(.clock.due_at)"')"
check "all its actions" "$(grep -c '^\[action\.' "$MM")" "$(j '.allowed_actions | length')"
mm C1 '"critical":true'
check "critical: 24h" 2026-11-24T12:00:00-03:00 "$(j .clock.due_at)"
mm CB '"reason":"cancel_before_delivery"'
check "cancel_before_delivery has its own deadline: 10 days" 2026-12-03T12:00:00-03:00 \
	"$(j .clock.due_at)"
check "… explained by the motivo's line" "$MM:$(lineof_in reason.cancel_before_delivery 'response = 10d') [reason.cancel_before_delivery]" \
	"$(j '"\(.clock.explain.file):\(.clock.explain.line) \(.clock.explain.source)"')"
check "… its actions and their labels" "attend_cancellation:Atender cancelamento respond_customer:Responder ao cliente" \
	"$(j '[.allowed_action_labels | to_entries[] | "\(.key):\(.value)"] | sort | join(" ")')"
act CB inform_posting_code '"posting_code":"AA123456789BR"'
check "an action the motivo does not list" "409 action_not_allowed_for_reason" "$STATUS $(j .code)"
act CB request_photos
check "casas-bahia's action" "422 unknown_action" "$STATUS $(j .code)"
mm CC '"reason":"cancel_before_delivery","critical":true'
check "a critical protocol of that motivo: 24h" 2026-11-24T12:00:00-03:00 "$(j .clock.due_at)"
mm CA '"reason":"cancel_after_delivery"'
check "cancel_after_delivery: 48h and its four actions" \
	"2026-11-25T12:00:00-03:00 confirm_return,inform_pickup_date,inform_posting_code,respond_customer" \
	"$(j '"\(.clock.due_at) \(.allowed_actions | sort | join(","))"')"
mm CD '"reason":"cancel_after_delivery","critical":true'
check "… critical: 24h from its own line" "2026-11-24T12:00:00-03:00 $(lineof_in reason.cancel_after_delivery 'response_critical = 24h')" \
	"$(j '"\(.clock.due_at) \(.clock.explain.line)"')"
mm NT '"reason":"no_tracking_access"'
check "no_tracking_access: inform_tracking, respond_customer" "inform_tracking,respond_customer" \
	"$(sorted_allowed)"
act NT inform_tracking '"tracking_url":"not a url"'
check "a bad tracking_url" "422 invalid_param" "$STATUS $(j .code)"
act NT inform_tracking '"tracking_url":"https://rastreio.example/BR1"'
check "inform_tracking resolves" resolved "$(j .state)"
create PV '"origin":"preventive","reason":"delivery_delay"'
check "no preventive motivo in madeiramadeira" "422 invalid_reason" "$STATUS $(j .code)"

# --- the waits ----------------------------------------------------------------------------
act CA inform_posting_code '"posting_code":"AA123456789BR"'
check "posting code: 15 days" "awaiting posting_wait 2026-12-08T12:00:00-03:00" \
	"$(j '"\(.state) \(.clock.kind) \(.clock.due_at)"')"
check "… explained by its line" "$MM:$(lineof_in action.inform_posting_code 'wait = 15d')" \
	"$(j '"\(.clock.explain.file):\(.clock.explain.line)"')"
mm CP '"reason":"cancel_after_delivery"'
act CP inform_pickup_date '"pickup_date":"2026-11-22"'
check "a pickup date in the past" "422 invalid_param" "$STATUS $(j .code)"
act CP inform_pickup_date '"pickup_date":"2026-11-30"'
check "pickup date + 1d" "awaiting pickup_wait 2026-12-01T00:00:00-03:00 2026-11-30" \
	"$(j '"\(.state) \(.clock.kind) \(.clock.due_at) \(.clock.explain.pickup_date)"')"
mm RC && act RC respond_customer '"message":"Seu pedido foi cancelado."'
check "respond_customer: closed, 60 days" "closed reply_window 2027-01-22T12:00:00-03:00" \
	"$(j '"\(.state) \(.clock.kind) \(.clock.due_at)"')"
event RC customer_replied
check "the customer answers: unresolved, 48h" "unresolved response 2026-11-25T12:00:00-03:00" \
	"$(j '"\(.state) \(.clock.kind) \(.clock.due_at)"')"
event N1 document_attached
check "casas-bahia's event" "422 unknown_event" "$STATUS $(j .code)"

api GET /v1/stats
check "stats.marketplaces.madeiramadeira" "9 5 2 1 1" \
	"$(j '.marketplaces.madeiramadeira | "\(.total) \(.by_state.pending) \(.by_state.awaiting) \(.by_state.unresolved) \(.by_state.resolved)"')"
api GET /metrics
check "metric: madeiramadeira awaiting" 1 \
	"$(printf '%s\n' "$BODY" | grep -cx 'protocold_marketplace_protocols{marketplace="madeiramadeira",state="awaiting"} 2')"

set_clock 2026-11-24T12:00:00-03:00
show C1
check "critical ran out at 24h: mediation" mediation "$(j .state)"
event C1 mediation_resolved
check "mediation_resolved" "200 resolved" "$STATUS $(j .state)"
set_clock 2026-12-01T00:00:00-03:00
show CP
check "the pickup wait ran out: pending, attempts.inform_pickup_date = 1" "pending 1" \
	"$(j '"\(.state) \(.attempts.inform_pickup_date)"')"
set_clock 2026-12-03T11:59:59-03:00
show CB
check "10 days minus a second: still pending" pending "$(j .state)"
set_clock 2026-12-08T12:00:00-03:00
show CB
check "10 days: mediation" mediation "$(j .state)"
show CA
check "the posting wait ran out: pending, attempts.inform_posting_code = 1" "pending 1" \
	"$(j '"\(.state) \(.attempts.inform_posting_code)"')"
act CA confirm_return
check "confirm_return resolves" "200 resolved" "$STATUS $(j .state)"

# --- no [rules]: casas-bahia built in, alone -------------------------------------------
stop_daemon
DB=$(new_database plain)
write_config "[deadlines]
photos_wait = 24h"
start_daemon $B
api GET /v1/marketplaces
check "without [rules]: exactly one rulebook, casas-bahia, the default" "casas-bahia 1 casas-bahia true" \
	"$(j '"\(.default) \(.items | length) \(.items[0].name) \(.items[0].default)"')"
check "its file is the built-in one" "casas-bahia.ini (built in)" "$(j '.items[0].file')"
check "its actions are SPEC §4's" 12 "$(j '.items[0].actions | length')"
create K1
check "a protocol is casas-bahia's, 48h" "casas-bahia 2026-11-25T12:00:00-03:00" \
	"$(j '"\(.marketplace) \(.clock.due_at)"')"
act K1 request_photos
check "[deadlines] photos_wait overrides it, explained by the main file's line" \
	"2026-11-24T12:00:00-03:00 $CONF:$(grep -nx 'photos_wait = 24h' "$CONF" | cut -d: -f1)" \
	"$(j '"\(.clock.due_at) \(.clock.explain.file):\(.clock.explain.line)"')"
create K2 '"marketplace":"madeiramadeira"'
check "madeiramadeira is not loaded" "422 unknown_marketplace casas-bahia" \
	"$STATUS $(j '"\(.code) \(.allowed | join(","))"')"
api GET /v1/stats
check "stats: one marketplace" casas-bahia "$(j '.marketplaces | keys | join(",")')"
finish
