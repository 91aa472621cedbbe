# spec.md §10: protocolctl drives the daemon: tables for people, --json verbatim, exit
# codes 0 ok, 1 refused, 2 usage, 3 no daemon, 4 permission denied; the socket from
# --socket, then $PROTOCOLD_SOCKET, then the configuration.
. "$(dirname "$0")/lib.sh"

C=$PROTOCOLCTL
start_daemon 2026-11-23T12:00:00-03:00

out=$($C create P1 --seller S1 --order 77 2>&1)
check "create exits 0" 0 $?
case "$out" in *"pending (Pendente)"*) ok "create shows the state for people" ;;
*) not_ok "create shows the state for people: $out" ;; esac
$C create P1 --seller S1 --order 77 >/dev/null 2>&1
check "the same create again exits 0" 0 $?
$C create P1 --seller S2 >/dev/null 2>&1
check "a conflicting create exits 1" 1 $?

$C act P1 inform_posting_code posting_code=AA1BR >/dev/null
check "act with a parameter exits 0" 0 $?
state=$($C --json show P1 | jq -r '"\(.state) \(.clock.kind)"')
check "--json show prints the API's object" "awaiting posting_wait" "$state"
$C --json show P1 | jq -e '.allowed_actions == [] and .version == 2' >/dev/null
check "--json is verbatim (allowed_actions, version)" 0 $?

out=$($C clock +15d)
check "clock +15d exits 0" 0 $?
state=$($C --json show P1 | jq -r '"\(.state) \(.attempts.inform_posting_code)"')
check "the 15-day wait ran out through protocolctl" "pending 1" "$state"

$C history P1 >"$T/h.txt"
check "history exits 0" 0 $?
grep -q '^SEQ' "$T/h.txt" && ok "history has a header" || not_ok "history has a header"
check "history has one line per entry" 3 "$(grep -c '^[0-9]' "$T/h.txt")"
$C --json history P1 | jq -e '.items | length == 3' >/dev/null
check "--json history" 0 $?

$C event P1 document_attached >/dev/null 2>"$T/err"
check "a refused event exits 1" 1 $?
grep -q "customer_replied\|allowed" "$T/err" || grep -q "does not apply" "$T/err"
check "the refusal is explained on stderr" 0 $?
$C --json event P1 document_attached >"$T/out" 2>/dev/null
check "--json prints the problem document" event_not_allowed "$(jq -r .code "$T/out")"

$C act P1 request_photos --if-version 1 >/dev/null 2>&1
check "a stale --if-version exits 1" 1 $?
$C act P1 request_photos --if-version 3 >/dev/null 2>&1
check "the current --if-version exits 0" 0 $?

$C status >"$T/st"
check "status exits 0" 0 $?
grep -q "awaiting" "$T/st" && ok "status counts per state" || not_ok "status counts per state"

$C reload >/dev/null
check "reload of a good file exits 0" 0 $?
printf '[deadlines]\nphotos_wait = 2\n' >>"$CONF"
$C reload >/dev/null 2>"$T/err"
check "reload of a bad file exits 1 (usable as ExecReload=)" 1 $?
grep -q "photos_wait" "$T/err" && ok "and says which key" || not_ok "and says which key"
write_config

$C show 'bad id' >/dev/null 2>&1
check "a malformed id is a usage error (2)" 2 $?
$C frobnicate >/dev/null 2>&1
check "an unknown command is a usage error (2)" 2 $?
$C act P1 >/dev/null 2>&1
check "a missing argument is a usage error (2)" 2 $?

$C --socket "$T/nobody.sock" status >/dev/null 2>&1
check "no daemon at the socket exits 3" 3 $?
PROTOCOLD_SOCKET="$T/nobody.sock" $C status >/dev/null 2>&1
check "\$PROTOCOLD_SOCKET is used" 3 $?
PROTOCOLD_SOCKET="$T/nobody.sock" $C --socket "$SOCK" status >/dev/null 2>&1
check "--socket wins over \$PROTOCOLD_SOCKET" 0 $?
env -u PROTOCOLD_SOCKET $C -c "$CONF" status >/dev/null 2>&1
check "the configuration's socket is used last" 0 $?

# A peer outside root, the daemon's user and write_group may read but not write.
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	chmod 0755 "$T"
	chmod 0666 "$SOCK"
	setpriv --reuid=nobody --regid=nogroup --clear-groups $C --socket "$SOCK" show P1 \
		>/dev/null 2>&1
	check "another user may read" 0 $?
	setpriv --reuid=nobody --regid=nogroup --clear-groups $C --socket "$SOCK" \
		act P1 cancel_sale >/dev/null 2>&1
	check "another user may not write (403 → exit 4)" 4 $?
	show P1
	check "the refused write changed nothing" awaiting "$(j .state)"
else
	ok "# SKIP peer credentials need root and a nobody user"
fi
finish
