# RULES.md: a rulebook written here (marketplace "acme") next to the shipped casas-bahia
# one, loaded by [rules]. Protocols carry their marketplace; its actions (labels, params,
# Envvias), waits ("PARAM + DURATION", on_timeout, attempts), events (awaiting.ACTION
# before a plain awaiting) and reasons (preventive; customer with a response override)
# decide what happens; stats, forecast, metrics and GET /v1/marketplaces show it; the
# clock's explain names the rulebook file and the line of the value in force.
. "$(dirname "$0")/lib.sh"

REPO=$(cd "$(dirname "$0")/../.." && pwd)
B=2026-11-23T12:00:00-03:00
mkdir -p "$T/rules"
cp "$REPO/conf/rules/casas-bahia.ini" "$T/rules/"
ACME=$T/rules/acme.ini
cat >"$ACME" <<'INI'
; A marketplace written by the test.
[marketplace]
name = acme
title = Acme Marketplace
response = 72h
response_critical = 36h
warn_before = 6h
reply_window = 10d
calendar = none

[action.schedule_visit]
label = Agendar visita técnica
to = awaiting
wait = visit_date + 2d
params = visit_date:date_future, technician

[action.escalate]
label = Escalar para o marketplace
to = awaiting
wait = 12h
on_timeout = mediation

[action.ask_customer]
label = Perguntar ao cliente
to = awaiting
wait = 24h
attempts = no

[action.reply]
label = Responder ao cliente
to = closed
params = message:longtext
envvias = no

[action.refund]
label = Reembolsar
to = resolved
params = refund_code:code, receipt_url:url

[event.proof_sent]
awaiting.ask_customer = resolved
awaiting = pending

[event.customer_replied]
awaiting = pending
closed = unresolved

[reason.stock_out]
label = Sem estoque
origin = preventive
actions = refund, reply

[reason.late_delivery]
label = Atraso na entrega
actions = schedule_visit, reply
response = 24h
response_critical = 12h
INI
write_config "[rules]
files = rules/*.ini
default = casas-bahia"

# lineof TEXT: the line number of the line TEXT in acme.ini (exactly one).
lineof() {
	grep -nFx "$1" "$ACME" | cut -d: -f1
}
# explain_at: "file:line" of the clock's explain.
explain_at() {
	j '"\(.clock.explain.file):\(.clock.explain.line)"'
}
# acme ID [EXTRA]: a protocol of marketplace acme, seller S1.
acme() {
	create "$1" "\"marketplace\":\"acme\"${2:+,$2}"
}
ALL="ask_customer,escalate,refund,reply,schedule_visit"
sorted_allowed() {
	j '.allowed_actions | sort | join(",")'
}

"$PROTOCOLD" -c "$CONF" --check-config >/dev/null 2>&1
check "--check-config accepts the test's rulebook" 0 $?
start_daemon $B

# --- create: marketplace, default, unknown --------------------------------------------------
create D1
check_status "create without marketplace" 201
check "the default marketplace is [rules] default" casas-bahia "$(j .marketplace)"
check "casas-bahia's actions" request_photos "$(j '.allowed_actions[0]')"
acme A1
check_status "create with marketplace acme" 201
check "the protocol shows its marketplace (after seller)" "acme marketplace" \
	"$(j '"\(.marketplace) \(keys_unsorted[2])"')"
check "acme's response 72h" 2026-11-26T12:00:00-03:00 "$(j .clock.due_at)"
check "response explain names the rulebook, file and line" "acme $ACME:$(lineof 'response = 72h')" \
	"$(j .clock.explain.rulebook) $(explain_at)"
check "all of acme's actions are allowed in pending" "$ALL" "$(sorted_allowed)"
check "allowed_action_labels: same names, same order, the labels" "true Agendar visita técnica" \
	"$(j '"\((.allowed_action_labels | keys_unsorted) == .allowed_actions) \(.allowed_action_labels.schedule_visit)"')"
acme A1
check_status "same id, same body" 200
create A1 '"marketplace":"casas-bahia"'
check_status "same id, another marketplace" 409
create X1 '"marketplace":"nope"'
check "an unknown marketplace: 422 unknown_marketplace, the loaded ones" \
	"422 unknown_marketplace acme,casas-bahia" "$STATUS $(j '"\(.code) \(.allowed | sort | join(","))"')"
show X1
check_status "nothing was created" 404
printf '%s\n' '{"id":"I1","seller":"S1","marketplace":"acme"}' \
	'{"id":"I2","seller":"S1","marketplace":"zzz"}' >"$T/import.ndjson"
out=$(curl -s --unix-socket "$SOCK" -X POST -H 'Content-Type: application/x-ndjson' \
	--data-binary "@$T/import.ndjson" http://localhost/v1/protocols:import)
check "import takes marketplace per line" "1 2:unknown_marketplace" \
	"$(printf '%s' "$out" | jq -r '"\(.created) \([.errors[] | "\(.line):\(.code)"] | join(","))"')"
show I1
check "the imported protocol is acme's" "acme 2026-11-26T12:00:00-03:00" "$(j '"\(.marketplace) \(.clock.due_at)"')"

# --- reasons ------------------------------------------------------------------------------
acme A8 '"critical":true'
check "critical: acme's response_critical 36h" "2026-11-25T00:00:00-03:00 $(lineof 'response_critical = 36h')" \
	"$(j '"\(.clock.due_at) \(.clock.explain.line)"')"
acme R1 '"reason":"late_delivery"'
check "a customer reason's response override 24h" 2026-11-24T12:00:00-03:00 "$(j .clock.due_at)"
check "… explained at its line" "$ACME:$(lineof 'response = 24h')" "$(explain_at)"
check "… the reason's actions only" "reply,schedule_visit" "$(sorted_allowed)"
act R1 escalate
check "an action the reason does not allow" "409 action_not_allowed_for_reason" "$STATUS $(j .code)"
acme R2 '"reason":"late_delivery","critical":true'
check "the reason's response_critical 12h" "2026-11-24T00:00:00-03:00 $(lineof 'response_critical = 12h')" \
	"$(j '"\(.clock.due_at) \(.clock.explain.line)"')"
acme R3 '"reason":"anything_else"'
check "an undeclared customer reason: the book's response, all actions" "2026-11-26T12:00:00-03:00 $ALL" \
	"$(j '"\(.clock.due_at) \(.allowed_actions | sort | join(","))"')"
acme P1 '"origin":"preventive","reason":"stock_out"'
check "a preventive reason: no response clock, its actions" "201 null refund,reply" \
	"$STATUS $(j '"\(.clock) \(.allowed_actions | sort | join(","))"')"
acme P2 '"origin":"preventive","reason":"late_delivery"'
check "preventive with a customer reason: 422 invalid_reason listing stock_out" "422 invalid_reason stock_out" \
	"$STATUS $(j '"\(.code) \(.allowed | join(","))"')"
create P3 '"origin":"preventive","reason":"stock_out"'
check "stock_out is not a reason of casas-bahia" "422 invalid_reason" "$STATUS $(j .code)"

# --- actions: unknown, params -------------------------------------------------------------
act A1 request_photos
check "casas-bahia's action on acme: unknown_action with acme's list" "422 unknown_action $ALL" \
	"$STATUS $(j '"\(.code) \(.allowed | sort | join(","))"')"
act A1 no_such_action
check "an action no rulebook has" "422 unknown_action" "$STATUS $(j .code)"
# DESCRIPTION|ACTION|PARAMS|CODE: refused, each.
while IFS='|' read -r desc action params code; do
	act A1 "$action" "$params"
	check "$desc" "422 $code" "$STATUS $(j .code)"
done <<'EOF'
missing date param|schedule_visit|"technician":"Ana"|missing_param
missing text param|schedule_visit|"visit_date":"2026-11-30"|missing_param
a date that is not a string|schedule_visit|"visit_date":20261130,"technician":"Ana"|invalid_param
a text that is not a string|schedule_visit|"visit_date":"2026-11-30","technician":7|invalid_param
date_future in the past|schedule_visit|"visit_date":"2026-11-22","technician":"Ana"|invalid_param
a date that does not exist|schedule_visit|"visit_date":"2026-02-30","technician":"Ana"|invalid_param
a code with a space|refund|"refund_code":"R 1","receipt_url":"https://x.example/r"|invalid_param
a url that is not http(s)|refund|"refund_code":"R-1","receipt_url":"ftp://x.example/r"|invalid_param
EOF
show A1
check "refused actions changed nothing" "pending 1" "$(j '"\(.state) \(.version)"')"

# --- Envvias ------------------------------------------------------------------------------
api PUT /v1/sellers/S2 '{"envvias":true}'
api POST /v1/protocols '{"id":"E1","seller":"S2","marketplace":"acme"}'
check "an Envvias seller is not offered reply" "ask_customer,escalate,refund,schedule_visit" \
	"$(sorted_allowed)"
act E1 reply '"message":"Olá"'
check "reply for an Envvias seller" "409 action_not_allowed_for_envvias" "$STATUS $(j .code)"

# --- the waits ----------------------------------------------------------------------------
act A1 schedule_visit '"visit_date":"2026-11-30","technician":"Ana"'
check_status "schedule_visit" 200
check "PARAM + DURATION: 00:00 of visit_date + 2d" "awaiting schedule_visit 2026-12-02T00:00:00-03:00" \
	"$(j '"\(.state) \(.clock.kind) \(.clock.due_at)"')"
check "explain: the date, where it leads, the attempt, the line" \
	"2026-11-30 pending schedule_visit $(lineof 'wait = visit_date + 2d')" \
	"$(j '.clock.explain | "\(.visit_date) \(.on_expiry) \(.counts_attempt_of) \(.line)"')"
check "nothing is allowed while awaiting" "" "$(sorted_allowed)"
acme A2 && act A2 escalate
check "escalate: 12h, leads to mediation, counts no attempt" \
	"2026-11-24T00:00:00-03:00 mediation null $(lineof 'wait = 12h')" \
	"$(j '.clock.explain | "\(.due_at) \(.on_expiry) \(.counts_attempt_of) \(.line)"')"
acme A3 && act A3 ask_customer
check "ask_customer: 24h, leads to pending, counts no attempt (attempts = no)" \
	"2026-11-24T12:00:00-03:00 pending null" \
	"$(j '.clock.explain | "\(.due_at) \(.on_expiry) \(.counts_attempt_of)"')"
acme A6 && act A6 reply '"message":"Resolvido, obrigado."'
check "reply: closed, reply_window 10d" "closed reply_window 2026-12-03T12:00:00-03:00" \
	"$(j '"\(.state) \(.clock.kind) \(.clock.due_at)"')"
check "reply_window explained at its line" "$(lineof 'reply_window = 10d')" "$(j .clock.explain.line)"
acme A7 && act A7 reply '"message":"Até logo."'
check "nothing is allowed while closed" "" "$(sorted_allowed)"

# --- events -------------------------------------------------------------------------------
event R3 customer_replied
check "an event in a state it does not name" "409 event_not_allowed" "$STATUS $(j .code)"
event R3 no_such_event
check "an event no rulebook has" "422 unknown_event" "$STATUS $(j .code)"
event R3 mediation_resolved
check "casas-bahia's event on acme" "422 unknown_event" "$STATUS $(j .code)"
acme A4 && act A4 ask_customer && event A4 proof_sent
check "awaiting.ask_customer = resolved" "200 resolved null" "$STATUS $(j '"\(.state) \(.clock)"')"
acme A5 && act A5 escalate && event A5 proof_sent
check "the plain awaiting = pending on another wait" "200 pending response" \
	"$STATUS $(j '"\(.state) \(.clock.kind)"')"
event A6 customer_replied
check "closed = unresolved" "unresolved response $ALL" \
	"$(j '"\(.state) \(.clock.kind) \(.allowed_actions | sort | join(","))"')"

# --- lists, stats, forecast, metrics -----------------------------------------------------
api GET "/v1/protocols?marketplace=acme&limit=1000"
check "?marketplace=acme lists acme's protocols only" "A1,A2,A3,A4,A5,A6,A7,A8,E1,I1,P1,R1,R2,R3" \
	"$(j '[.items[].id] | sort | join(",")')"
api GET "/v1/protocols?marketplace=casas-bahia"
check "?marketplace=casas-bahia" D1 "$(j '[.items[].id] | join(",")')"
api GET "/v1/protocols?marketplace=Bad_Name"
check "a bad marketplace filter" "400 invalid_query" "$STATUS $(j .code)"
api GET /v1/stats
check "stats.marketplaces.acme" "14 pending:8 awaiting:3 closed:1 unresolved:1 resolved:1" \
	"$(j '.marketplaces.acme | "\(.total) pending:\(.by_state.pending) awaiting:\(.by_state.awaiting) closed:\(.by_state.closed) unresolved:\(.by_state.unresolved) resolved:\(.by_state.resolved)"')"
check "stats.marketplaces.casas-bahia" "1 1" "$(j '.marketplaces["casas-bahia"] | "\(.total) \(.by_state.pending)"')"
check "stats: running clocks of acme's kinds" "1 1 1" \
	"$(j '.clocks.by_kind | "\(.schedule_visit) \(.escalate) \(.ask_customer)"')"
api GET /metrics
check "metric protocold_marketplace_protocols acme pending" 1 \
	"$(printf '%s\n' "$BODY" | grep -cx 'protocold_marketplace_protocols{marketplace="acme",state="pending"} 8')"
check "… casas-bahia pending" 1 \
	"$(printf '%s\n' "$BODY" | grep -cx 'protocold_marketplace_protocols{marketplace="casas-bahia",state="pending"} 1')"
check "metric protocold_clocks_running{kind=\"escalate\"}" 1 \
	"$(printf '%s\n' "$BODY" | grep -cx 'protocold_clocks_running{kind="escalate"} 1')"
# Within 25 h: A2 escalate (→ mediation), R2 (→ mediation), A3 ask_customer (→ pending),
# R1 (→ mediation); D1 (casas-bahia, 48 h) and the 72 h ones are outside.
api GET "/v1/forecast?within=25h&marketplace=acme"
check "forecast ?marketplace=acme" "acme 4 2 1 1 3 1" \
	"$(j '"\(.marketplace) \(.total) \(.by_kind.response) \(.by_kind.escalate) \(.by_kind.ask_customer) \(.by_outcome.mediation) \(.by_outcome.pending)"')"
api GET "/v1/forecast?within=71h"
check "forecast .by_marketplace" "acme:5 casas-bahia:1 null" \
	"$(j '"acme:\(.by_marketplace.acme.total) casas-bahia:\(.by_marketplace["casas-bahia"].total) \(.marketplace)"')"

# --- expiry -------------------------------------------------------------------------------
advance 12h
show A2
check "escalate ran out to mediation, no attempt" "mediation {} null" \
	"$(j '"\(.state) \(.attempts | tojson) \(.clock)"')"
check "its history" "create:create:null>pending action:escalate:pending>awaiting expiry:escalate:awaiting>mediation" \
	"$(history_names A2)"
# The log names each transition's own clock (R2's response ran out in the same step).
grep -q "A2: awaiting -> mediation (expiry escalate)" "$LOG" && grep -q "R2: pending -> mediation (expiry response)" "$LOG"
check "the log names each expiry's own clock" 0 $?
event A2 proof_sent
check "proof_sent in mediation" "409 event_not_allowed" "$STATUS $(j .code)"
advance 12h
show A3
check "ask_customer ran out to pending, no attempt counted" "pending {} response 2026-11-24T12:00:00-03:00" \
	"$(j '"\(.state) \(.attempts | tojson) \(.clock.kind) \(.clock.started_at)"')"
set_clock 2026-12-02T00:00:00-03:00
show A1
check "schedule_visit ran out to pending, attempts.schedule_visit = 1" "pending 1 2026-12-05T00:00:00-03:00" \
	"$(j '"\(.state) \(.attempts.schedule_visit) \(.clock.due_at)"')"
set_clock 2026-12-03T12:00:00-03:00
show A7
check "the reply window ran out: resolved" "resolved null" "$(j '"\(.state) \(.clock)"')"

# --- GET /v1/marketplaces -----------------------------------------------------------------
api GET /v1/marketplaces
check "GET /v1/marketplaces: default and items" "casas-bahia acme,casas-bahia" \
	"$(j '"\(.default) \([.items[].name] | sort | join(","))"')"
api GET /v1/marketplaces/acme
check_status "GET /v1/marketplaces/acme" 200
check "its head" "acme|Acme Marketplace|false|$ACME|72h|36h|6h|10d|none" \
	"$(j '[.name, .title, .default, .file, .response, .response_critical, .warn_before, .reply_window, .calendar] | map(tostring) | join("|")')"
check "its actions in order, with to and wait" \
	"schedule_visit:awaiting:visit_date + 2d escalate:awaiting:12h ask_customer:awaiting:24h reply:closed:null refund:resolved:null" \
	"$(j '[.actions[] | "\(.name):\(.to):\(.wait)"] | join(" ")')"
check "labels" "Agendar visita técnica|Reembolsar" \
	"$(j '[.actions[] | select(.name == "schedule_visit" or .name == "refund") | .label] | join("|")')"
check "params with types" "visit_date:date_future,technician:text refund_code:code,receipt_url:url" \
	"$(j '[.actions[] | select(.params | length > 0) | select(.name != "reply") | [.params[] | "\(.name):\(.type)"] | join(",")] | join(" ")')"
check "on_timeout, attempts, envvias" "pending:true:true mediation:false:true pending:false:true null:false:false" \
	"$(j '[.actions[0:4][] | "\(.on_timeout):\(.attempts):\(.envvias)"] | join(" ")')"
check "action line = its section's line" "$(lineof '[action.escalate]')" \
	"$(j '.actions[] | select(.name == "escalate") | .line')"
check "events with their moves" \
	"proof_sent:awaiting/ask_customer>resolved,awaiting/null>pending customer_replied:awaiting/null>pending,closed/null>unresolved" \
	"$(j '[.events[] | "\(.name):\([.moves[] | "\(.from)/\(.waiting_on)>\(.to)"] | join(","))"] | join(" ")')"
check "reasons" "stock_out:preventive:refund,reply:null late_delivery:customer:reply,schedule_visit:24h" \
	"$(j '[.reasons[] | "\(.name):\(.origin):\(.actions | sort | join(",")):\(.response)"] | join(" ")')"
api GET /v1/marketplaces/casas-bahia
check "casas-bahia is the default" "true $T/rules/casas-bahia.ini" "$(j '"\(.default) \(.file)"')"
api GET /v1/marketplaces/nope
check "an unknown marketplace" "404 marketplace_not_found" "$STATUS $(j .code)"
finish
