# protocolctl and the rulebooks: marketplaces [NAME] (tables for people, --json verbatim,
# an unknown name exits 1), create --marketplace, list --marketplace, the marketplace in
# show and in the list table, and act/event with the actions and events of any rulebook.
. "$(dirname "$0")/lib.sh"

C=$PROTOCOLCTL
mkdir -p "$T/rules"
cp "$(dirname "$0")/../../conf/rules/casas-bahia.ini" "$T/rules/"
cat >"$T/rules/acme.ini" <<'INI'
[marketplace]
name = acme
title = Acme Marketplace
response = 24h
response_critical = 12h
warn_before = 2h
reply_window = 7d

[action.ask_docs]
label = Pedir documentos
to = awaiting
wait = 3d
clock = docs_wait
params = note:text

[action.respond]
label = Responder
to = closed
params = message:longtext

[action.refund]
label = Reembolsar
to = resolved
params = refund_date:date

[event.customer_replied]
awaiting = pending
closed = unresolved

[event.docs_received]
awaiting.ask_docs = resolved

[reason.late]
label = Atraso
origin = customer
actions = respond, refund
response = 12h

[reason.stock]
label = Sem estoque
origin = preventive
actions = refund
INI
write_config "
[rules]
files = rules/*.ini
default = casas-bahia"
start_daemon 2026-11-23T12:00:00-03:00

# One table row with its runs of blanks squeezed: "first-cell ...".
row() {
	tr -s ' ' <"$1" | grep "^$2 "
}

# --- marketplaces ---------------------------------------------------------------------
$C marketplaces >"$T/list" 2>"$T/err"
check "marketplaces exits 0" 0 $?
check "a header" 1 "$(grep -c '^NAME  *TITLE  *DEFAULT  *FILE  *ACTIONS  *EVENTS' "$T/list")"
check "a row per rulebook" 3 "$(wc -l <"$T/list")"
check "acme: title, not the default, its file, 3 actions, 2 events, 2 reasons, 24h/12h" \
	"acme Acme Marketplace no $T/rules/acme.ini 3 2 2 24h 12h" "$(row "$T/list" acme)"
case "$(row "$T/list" casas-bahia)" in
"casas-bahia Casas Bahia Portal Lojista yes $T/rules/casas-bahia.ini "*)
	ok "casas-bahia is marked the default" ;;
*) not_ok "casas-bahia is marked the default: $(row "$T/list" casas-bahia)" ;;
esac
$C --json marketplaces | jq -e '.default == "casas-bahia" and
	([.items[].name] | sort) == ["acme", "casas-bahia"]' >/dev/null
check "--json marketplaces is the API's object" 0 $?

$C marketplaces acme >"$T/book"
check "marketplaces acme exits 0" 0 $?
check "its name" 1 "$(grep -c '^marketplace: *acme$' "$T/book")"
check "its response deadlines" "24h 12h 2h 7d" "$(awk -F': *' '
	$1 == "response" || $1 == "response critical" || $1 == "warn before" ||
	$1 == "reply window" { printf "%s%s", n++ ? " " : "", $2 }' "$T/book")"
check "a table of actions" 1 "$(grep -c '^ACTION  *LABEL  *TO  *WAIT  *PARAMS$' "$T/book")"
check "an action that waits, with its parameter" \
	"ask_docs Pedir documentos awaiting 3d note:text" "$(row "$T/book" ask_docs)"
check "an action that closes" "respond Responder closed - message:longtext" \
	"$(row "$T/book" respond)"
check "an event: from -> to" "customer_replied awaiting -> pending, closed -> unresolved" \
	"$(row "$T/book" customer_replied)"
check "an event while waiting on an action: from.waiting_on -> to" \
	"docs_received awaiting.ask_docs -> resolved" "$(row "$T/book" docs_received)"
check "a reason: origin, label, response override, actions" \
	"late customer Atraso 12h - respond, refund" "$(row "$T/book" late)"
check "a preventive reason" "stock preventive Sem estoque - - refund" \
	"$(row "$T/book" stock)"
$C marketplaces casas-bahia >"$T/cb"
check "the built-in rules' pickup wait is PARAM + DURATION" \
	"inform_pickup_date" "$(tr -s ' ' <"$T/cb" | grep 'awaiting pickup_date + 1d pickup_date:date_future$' |
	cut -d' ' -f1)"
$C --json marketplaces acme | jq -e '.name == "acme" and .default == false and
	[.actions[].wait] == ["3d", null, null] and .events[1].moves[0].waiting_on == "ask_docs"' \
	>/dev/null
check "--json marketplaces NAME is the API's object" 0 $?

$C marketplaces nope >"$T/out" 2>"$T/err"
check "an unknown marketplace exits 1" 1 $?
check "and prints nothing on stdout" "" "$(cat "$T/out")"
grep -q 'nope' "$T/err" && ok "the problem is on stderr" || not_ok "the problem is on stderr: $(cat "$T/err")"
$C --json marketplaces nope >"$T/out" 2>/dev/null
check "--json: the problem document on stdout, exit 1" "1 marketplace_not_found" \
	"$? $(jq -r .code "$T/out")"
$C marketplaces 'Bad Name' >/dev/null 2>&1
check "a malformed name is a usage error (2)" 2 $?
$C marketplaces acme casas-bahia >/dev/null 2>&1
check "two names are a usage error (2)" 2 $?

# --- create, show, list ---------------------------------------------------------------
out=$($C create A1 --seller S1 --marketplace acme 2>&1)
check "create --marketplace exits 0" 0 $?
case "$out" in *"marketplace:       acme"*) ok "show has the marketplace" ;;
*) not_ok "show has the marketplace: $out" ;; esac
check "the protocol has it (--json show)" "acme 24h" \
	"$($C --json show A1 | jq -r '"\(.marketplace) \(.clock.explain.value)"')"
$C create A1 --seller S1 --marketplace acme >/dev/null 2>&1
check "the same create again exits 0" 0 $?
$C create A1 --seller S1 >/dev/null 2>&1
check "the same id in another marketplace exits 1" 1 $?
$C create A2 --seller S2 --marketplace acme >/dev/null
$C create C1 --seller S1 >/dev/null
check "create without --marketplace: the default" casas-bahia \
	"$($C --json show C1 | jq -r .marketplace)"
$C create X1 --seller S1 --marketplace nope >/dev/null 2>"$T/err"
check "create --marketplace of an unknown one exits 1" 1 $?
grep -q 'allowed: acme, casas-bahia' "$T/err" && ok "and the refusal lists the loaded ones" ||
	not_ok "and the refusal lists the loaded ones: $(cat "$T/err")"
check "--json: unknown_marketplace" unknown_marketplace \
	"$($C --json create X1 --seller S1 --marketplace nope 2>/dev/null | jq -r .code)"
$C create X1 --seller S1 --marketplace ACME >/dev/null 2>&1
check "a malformed --marketplace is a usage error (2)" 2 $?

$C list >"$T/table"
check "the list table ends with a MARKETPLACE column" 1 \
	"$(grep -c '^ID  *SELLER  *STATE  *CLOCK  *DUE_AT  *VERSION  *MARKETPLACE$' "$T/table")"
check "each row ends with its marketplace" "A1 acme|A2 acme|C1 casas-bahia" \
	"$(awk 'NR > 1 { print $1, $NF }' "$T/table" | sort | paste -sd'|')"
$C list --marketplace acme >"$T/table"
check "list --marketplace: the table" "A1 A2" \
	"$(awk 'NR > 1 { print $1 }' "$T/table" | sort | paste -sd' ')"
check "list --marketplace --json" "A1 A2" \
	"$($C --json list --marketplace acme | jq -r .id | sort | paste -sd' ')"
check "list --marketplace with --seller" "A2" \
	"$($C --json list --marketplace acme --seller S2 | jq -r .id)"
check "list --marketplace of one not loaded: none" "" \
	"$($C --json list --marketplace nope)"
$C list --marketplace 'a b' >/dev/null 2>&1
check "a malformed list --marketplace is a usage error (2)" 2 $?

# --- act and event with any rulebook's names ------------------------------------------
$C act A1 ask_docs note='mande a nota fiscal' >/dev/null
check "act with an action of acme exits 0" 0 $?
check "its wait runs" "awaiting docs_wait" \
	"$($C --json show A1 | jq -r '"\(.state) \(.clock.kind)"')"
$C event A1 docs_received >/dev/null
check "event of acme while waiting on ask_docs" resolved "$($C --json show A1 | jq -r .state)"
$C act A2 refund refund_date=2026-11-20 >/dev/null
check "act with a date parameter" resolved "$($C --json show A2 | jq -r .state)"
$C act C1 ask_docs note=x >/dev/null 2>"$T/err"
check "an action the protocol's rulebook lacks exits 1" 1 $?
grep -q 'allowed: request_photos' "$T/err" && ok "and lists its rulebook's actions" ||
	not_ok "and lists its rulebook's actions: $(cat "$T/err")"
finish
