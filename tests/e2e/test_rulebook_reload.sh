# RULES.md, rules about the rules: a reload (POST /v1/reload, SIGHUP) or a restart that
# changes a rulebook leaves running clocks on the rule they started under (due instant,
# where they lead, whether they count an attempt, the file and line explain names);
# clocks started afterwards follow the new rule. A bad rulebook (errors in two files)
# changes nothing and lists every error as FILE:LINE: [section] key: problem; a reload
# that drops a marketplace still in use is refused; --check-config exits 6.
. "$(dirname "$0")/lib.sh"

REPO=$(cd "$(dirname "$0")/../.." && pwd)
B=2026-11-23T12:00:00-03:00
mkdir -p "$T/rules"
cp "$REPO/conf/rules/casas-bahia.ini" "$T/rules/"
ACME=$T/rules/acme.ini
SPARE=$T/rules/spare.ini

# write_acme HEADER_LINES RESPONSE HOLD_WAIT ON_TIMEOUT ATTEMPTS VISIT_DAYS: acme.ini,
# with HEADER_LINES comment lines first (to move the lines of the values).
write_acme() {
	{
		for _ in $(seq 1 "$1"); do echo "; a comment that moves the lines below"; done
		cat <<INI
[marketplace]
name = acme
response = $2
reply_window = 10d
calendar = none

[action.hold]
label = Segurar
to = awaiting
wait = $3
on_timeout = $4
attempts = $5

[action.visit]
label = Agendar visita
to = awaiting
wait = visit_date + $6
params = visit_date:date_future

[event.customer_replied]
awaiting = pending
INI
	} >"$ACME"
}
printf '[marketplace]\nname = spare\nresponse = 48h\n\n[action.done]\nlabel = Feito\nto = resolved\n' \
	>"$SPARE"
# lineof TEXT: the line of TEXT in acme.ini now.
lineof() {
	grep -nFx "$1" "$ACME" | cut -d: -f1
}
rules_config() {
	write_config "[rules]
files = ${1:-rules/*.ini}
default = casas-bahia"
}
# reloads_logged: how many reloads the log reports so far.
reloads_logged() {
	grep -c "configuration reloaded" "$LOG"
}
# hup: SIGHUP, then wait (5 s at most) for one more "configuration reloaded".
hup() {
	local before
	before=$(reloads_logged)
	kill -HUP "$PID"
	for _ in $(seq 1 100); do
		[ "$(reloads_logged)" -gt "$before" ] && return 0
		sleep 0.05
	done
	return 1
}
# hold ID / visit ID DATE: an acme protocol that takes the action.
hold() {
	create "$1" '"marketplace":"acme"' && act "$1" hold
}
visit() {
	create "$1" '"marketplace":"acme"' && act "$1" visit "\"visit_date\":\"$2\""
}
# rule ID: "due_at on_expiry counts_attempt_of line value" of the protocol's clock.
rule() {
	show "$1"
	j '.clock.explain | "\(.due_at) \(.on_expiry) \(.counts_attempt_of) \(.line) \(.value)"'
}
# outcome ID: "state attempts" now.
outcome() {
	show "$1"
	j '"\(.state) \(.attempts | tojson)"'
}

write_acme 0 72h 48h pending yes 1d
L1=$(lineof "wait = 48h")
rules_config
start_daemon $B
hold H1
check "v1: hold 48h, to pending, counts an attempt" \
	"2026-11-25T12:00:00-03:00 pending hold $L1 48h" "$(rule H1)"
visit V1 2026-11-30
check "v1: visit_date + 1d" 2026-12-01T00:00:00-03:00 "$(j .clock.due_at)"
create R1 '"marketplace":"acme"'
check "v1: response 72h" 2026-11-26T12:00:00-03:00 "$(j .clock.due_at)"

# --- POST /v1/reload: a new wait, on_timeout and attempts --------------------------------
write_acme 3 24h 24h mediation no 3d
L2=$(lineof "wait = 24h")
api POST /v1/reload
check_status "POST /v1/reload" 200
hold H2
check "after the reload: 24h, to mediation, no attempt, the new line" \
	"2026-11-24T12:00:00-03:00 mediation null $L2 24h" "$(rule H2)"
check "the running clock keeps its rule and its line" \
	"2026-11-25T12:00:00-03:00 pending hold $L1 48h" "$(rule H1)"
visit V2 2026-11-30
check "after the reload: visit_date + 3d" 2026-12-03T00:00:00-03:00 "$(j .clock.due_at)"
check "the running visit keeps + 1d" 2026-12-01T00:00:00-03:00 "$(rule V1 | cut -d' ' -f1)"
show R1
check "the running response clock keeps 72h" 2026-11-26T12:00:00-03:00 "$(j .clock.due_at)"
create R2 '"marketplace":"acme"'
check "a new response clock: 24h" 2026-11-24T12:00:00-03:00 "$(j .clock.due_at)"
# Within 49 h: H1 (its rule: to pending), H2 (to mediation), R2 (response, to mediation).
api GET "/v1/forecast?within=49h&marketplace=acme"
check "the forecast counts each running clock where it leads" "3 hold:2 pending:1 mediation:2" \
	"$(j '"\(.total) hold:\(.by_kind.hold) pending:\(.by_outcome.pending) mediation:\(.by_outcome.mediation)"')"
api GET /v1/marketplaces/acme
check "GET /v1/marketplaces/acme shows the new rules" "24h 24h mediation false" \
	"$(j '"\(.response) \(.actions[0].wait) \(.actions[0].on_timeout) \(.actions[0].attempts)"')"

# --- SIGHUP ----------------------------------------------------------------------------
write_acme 1 36h 12h pending no 3d
L3=$(lineof "wait = 12h")
hup && ok "SIGHUP reloads the rulebooks" || not_ok "SIGHUP reloads the rulebooks"
hold H3
check "after SIGHUP: 12h, to pending, no attempt (attempts = no)" \
	"2026-11-24T00:00:00-03:00 pending null $L3 12h" "$(rule H3)"
check "H2 keeps its rule" "2026-11-24T12:00:00-03:00 mediation null $L2 24h" "$(rule H2)"

# --- a bad rulebook, errors in two files --------------------------------------------------
api GET "/v1/protocols?limit=1000"
P_BEFORE=$BODY
api GET /v1/marketplaces
M_BEFORE=$BODY
cp "$ACME" "$T/acme.good"
cat >"$ACME" <<'INI'
[marketplace]
name = acme
response = 72h

[action.hold]
label = Segurar
to = awaiting
wait = 48
colour = red

[action.visit]
label = Agendar visita
to = waiting

[reason.late]
actions = hold, nosuch
INI
cat >"$T/rules/beta.ini" <<'INI'
[marketplace]
name = beta
response = 48hours

[action.wait_it]
label = Esperar
to = awaiting
on_timeout = closed
INI
# A third file claims acme's name too (fine otherwise).
printf '[marketplace]\nname = acme\nresponse = 48h\n\n[action.x]\nlabel = X\nto = resolved\n' \
	>"$T/rules/dup.ini"
BAD_ERRORS="$ACME:8: [action.hold] wait:
$ACME:9: [action.hold] colour:
$ACME:13: [action.visit] to:
$ACME:16: [reason.late] actions:
$T/rules/beta.ini:3: [marketplace] response:
$T/rules/beta.ini:7: [action.wait_it] wait:
$T/rules/beta.ini:8: [action.wait_it] on_timeout:
$T/rules/dup.ini:2: [marketplace] name:"
api POST /v1/reload
check "a bad rulebook: 422 config_invalid" "422 config_invalid" "$STATUS $(j .code)"
ERRS=$(j '.errors[]')
while IFS= read -r want; do
	case "$ERRS" in
	*"$want "*) ok "the errors name ${want#"$T"/}" ;;
	*) not_ok "the errors name $want: $ERRS" ;;
	esac
done <<<"$BAD_ERRORS"
check "every error is FILE:LINE: [section] key: problem" 0 \
	"$(j '[.errors[] | select(test("^/[^:]+:[0-9]+: \\[[a-z._-]+\\] [a-z_.]+: .+") | not)] | length')"
api GET /metrics
check "protocold_config_last_reload_successful 0" 1 \
	"$(printf '%s\n' "$BODY" | grep -cx 'protocold_config_last_reload_successful 0')"
kill -HUP "$PID"
for _ in $(seq 1 100); do
	[ "$(grep -c "reload failed" "$LOG")" -ge 2 ] && break
	sleep 0.05
done
check "SIGHUP with the bad rulebooks fails too (logged)" 2 "$(grep -c "reload failed" "$LOG")"
api GET "/v1/protocols?limit=1000"
check "the protocols are unchanged" "$P_BEFORE" "$BODY"
api GET /v1/marketplaces
check "GET /v1/marketplaces is unchanged" "$M_BEFORE" "$BODY"
hold H3b
check "the old rules keep running" "2026-11-24T00:00:00-03:00 pending null $L3 12h" "$(rule H3b)"
out=$("$PROTOCOLD" -c "$CONF" --check-config 2>&1)
check "--check-config on the bad rulebooks exits 6" 6 $?
while IFS= read -r want; do
	case "$out" in
	*"$want "*) ok "--check-config names ${want#"$T"/}" ;;
	*) not_ok "--check-config names $want: $out" ;;
	esac
done <<<"$BAD_ERRORS"
cp "$T/acme.good" "$ACME"
rm "$T/rules/beta.ini" "$T/rules/dup.ini"
api POST /v1/reload
check_status "the good rulebooks again" 200
api GET /metrics
check "protocold_config_last_reload_successful 1" 1 \
	"$(printf '%s\n' "$BODY" | grep -cx 'protocold_config_last_reload_successful 1')"

# --- dropping a marketplace -------------------------------------------------------------
api GET "/v1/protocols?marketplace=acme&limit=1000"
N_ACME=$(j '.items | length')
rules_config "rules/casas-bahia.ini"
api POST /v1/reload
check "dropping acme (in use) is refused" "422 config_invalid" "$STATUS $(j .code)"
check "it names acme and how many protocols use it" 1 \
	"$(j "[.errors[] | select(test(\"acme\") and test(\"\\\\b$N_ACME protocols\"))] | length")"
api GET /v1/marketplaces
check "acme is still loaded" "$M_BEFORE" "$BODY"
mv "$SPARE" "$T/spare.ini.off"
rules_config
api POST /v1/reload
check_status "dropping spare (unused) works" 200
api GET /v1/marketplaces
check "spare is gone" "acme,casas-bahia" "$(j '[.items[].name] | sort | join(",")')"

# --- a restart on the same database -------------------------------------------------------
stop_daemon
check "a clean stop" 0 "$STOP_RC"
write_acme 5 36h 96h resolved yes 5d
L4=$(lineof "wait = 96h")
start_daemon $B
check "after the restart H1 keeps its rule" "2026-11-25T12:00:00-03:00 pending hold $L1 48h" "$(rule H1)"
check "H2 keeps its rule" "2026-11-24T12:00:00-03:00 mediation null $L2 24h" "$(rule H2)"
check "H3 keeps its rule" "2026-11-24T00:00:00-03:00 pending null $L3 12h" "$(rule H3)"
hold H4
check "a clock started after the restart: 96h, to resolved, no attempt" \
	"2026-11-27T12:00:00-03:00 resolved null $L4 96h" "$(rule H4)"

set_clock 2026-11-24T00:00:00-03:00
check "H3 ran out to pending, no attempt" 'pending {}' "$(outcome H3)"
show H3
check "its new response clock follows the rulebook now (36h)" \
	"2026-11-24T00:00:00-03:00 2026-11-25T12:00:00-03:00" \
	"$(j '"\(.clock.started_at) \(.clock.due_at)"')"
set_clock 2026-11-24T12:00:00-03:00
check "H2 ran out to mediation (its rule), no attempt" 'mediation {}' "$(outcome H2)"
check "R2 (24h) ran out" mediation "$(outcome R2 | cut -d' ' -f1)"
set_clock 2026-11-25T12:00:00-03:00
check "H1 ran out to pending, attempts.hold = 1 (its rule)" 'pending {"hold":1}' "$(outcome H1)"
check "R1 (72h) still runs" pending "$(outcome R1 | cut -d' ' -f1)"
set_clock 2026-11-26T12:00:00-03:00
check "R1 ran out at 72h" mediation "$(outcome R1 | cut -d' ' -f1)"
set_clock 2026-11-27T12:00:00-03:00
check "H4 ran out to resolved" 'resolved {}' "$(outcome H4)"
set_clock 2026-12-01T00:00:00-03:00
check "V1 ran out at + 1d, attempts.visit = 1" 'pending {"visit":1}' "$(outcome V1)"
check "V2 still waits (+ 3d)" awaiting "$(outcome V2 | cut -d' ' -f1)"
set_clock 2026-12-03T00:00:00-03:00
check "V2 ran out at + 3d" 'pending {"visit":1}' "$(outcome V2)"

# --- a restart without acme's rulebook: its clocks still fire by their stored rule --------
hold H5
stop_daemon
rm "$ACME"
start_daemon 2026-12-03T00:00:00-03:00
api GET /v1/marketplaces
check "only casas-bahia is loaded" casas-bahia "$(j '[.items[].name] | join(",")')"
act V2 request_photos
check "an action on a protocol whose rulebook is gone" "409 marketplace_not_loaded" \
	"$STATUS $(j .code)"
event H5 customer_replied
check "an event on it" "409 marketplace_not_loaded" "$STATUS $(j .code)"
show H5
check "its clock keeps its kind, due instant and rule" "hold 2026-12-07T00:00:00-03:00 resolved $L4" \
	"$(j '"\(.clock.kind) \(.clock.due_at) \(.clock.explain.on_expiry) \(.clock.explain.line)"')"
set_clock 2026-12-07T00:00:00-03:00
check "H5's wait still ran out by its stored rule (to resolved)" 'resolved {}' "$(outcome H5)"
check "its history names the wait" "expiry:hold:awaiting>resolved" \
	"$(history_names H5 | tr ' ' '\n' | tail -n 1)"
finish
