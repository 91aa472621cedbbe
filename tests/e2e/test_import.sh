# spec.md §8: POST /v1/protocols:import — an NDJSON body of protocols: per-line outcomes
# (created, identical, conflicting, invalid) with the errors' line numbers and codes;
# idempotent re-import; a large import; clocks that ran out before the import; the
# body limits (8 MiB here, 64 KiB elsewhere); protocolctl import.
. "$(dirname "$0")/lib.sh"

B=2026-11-23T12:00:00-03:00

# t INSTANT [DATE-OFFSET]: an instant as the daemon writes it (São Paulo, seconds).
t() {
	TZ=America/Sao_Paulo date -d "$1${2:+ $2}" +%Y-%m-%dT%H:%M:%S%:z
}

# import FILE: POST FILE to /v1/protocols:import; STATUS, BODY and CTYPE.
import() {
	local out
	out=$(curl -s --max-time 120 --unix-socket "$SOCK" -X POST \
		-H 'Content-Type: application/x-ndjson' --data-binary "@$1" \
		-w '\n%{content_type}\n%{http_code}' "http://localhost/v1/protocols:import")
	STATUS=${out##*$'\n'}
	out=${out%$'\n'*}
	CTYPE=${out##*$'\n'}
	BODY=${out%$'\n'*}
}

# counts: "lines created identical conflicting invalid" of the last import's answer.
counts() {
	j '"\(.lines) \(.created) \(.identical) \(.conflicting) \(.invalid)"'
}

# total: the protocols the daemon holds (GET /v1/stats).
total() {
	api GET /v1/stats
	j .protocols.total
}

start_daemon "$B"

create EX-1 '"order":"E1"'
create EX-2

# --- a file that mixes everything ---------------------------------------------------------
OLD=$(t "$B" '50 hours ago')
{
	echo '{"id":"IMP-1","seller":"S1","order":"O-1"}'                     # 1 created
	echo '{"id":"IMP-2","seller":"S2","critical":true}'                   # 2 created
	echo ''                                                               # 3 blank
	echo '{"id":"EX-1","seller":"S1","order":"E1"}'                       # 4 identical
	echo '{"id":"EX-2","seller":"S9"}'                                    # 5 conflicting
	echo '{"id":"IMP-X","seller":'                                        # 6 malformed
	echo '[{"id":"IMP-Y","seller":"S1"}]'                                 # 7 an array
	echo '{"id":"bad id!","seller":"S1"}'                                 # 8 bad id
	echo '{"id":"IMP-Z"}'                                                 # 9 no seller
	echo '   '                                                            # 10 blank
	echo '{"id":"IMP-3","seller":"S1","origin":"preventive","reason":"unavailable"}' # 11
	echo "{\"id\":\"IMP-4\",\"seller\":\"S3\",\"opened_at\":\"$OLD\"}"   # 12 created, late
	echo '{"id":"IMP-1","seller":"S1","order":"O-1"}'                     # 13 identical
	printf '{"id":"IMP-5","seller":"S1","x-unknown":1}\r\n'               # 14 CRLF
	echo '	'                                                            # 15 blank (tab)
	printf '{"id":"IMP-6","seller":"S1","order":"O-6"}'                   # 16, no newline
} >"$T/mixed.ndjson"
BEFORE=$(total)
import "$T/mixed.ndjson"
check "the mixed import answers 200" "200" "$STATUS"
check "…as JSON" "application/json" "$CTYPE"
check "lines created identical conflicting invalid" "16 6 2 1 4" "$(counts)"
check "the errors: line and code of each refused line, in order" \
	"5:id_conflict 6:invalid_json 7:invalid_json 8:invalid_field 9:missing_field" \
	"$(j '[.errors[] | "\(.line):\(.code)"] | join(" ")')"
check "every error has a detail" "true" \
	"$(j '.errors | all(.detail | type == "string" and length > 0)')"
check "6 protocols more" "$((BEFORE + 6))" "$(total)"
show IMP-1
check "IMP-1 exists with its fields" "S1 O-1 customer false pending response" \
	"$(j '"\(.seller) \(.order) \(.origin) \(.critical) \(.state) \(.clock.kind)"')"
check "IMP-1 opened now (no opened_at given)" "$B" "$(j .opened_at)"
show IMP-2
check "IMP-2 is critical: response due in 24 h" "S2 true pending $(t "$B" '+24 hours')" \
	"$(j '"\(.seller) \(.critical) \(.state) \(.clock.due_at)"')"
show IMP-3
check "IMP-3 is preventive (no clock)" "preventive unavailable pending null" \
	"$(j '"\(.origin) \(.reason) \(.state) \(.clock)"')"
show IMP-5
check "IMP-5 (a CRLF line) exists" "200 S1 pending" "$STATUS $(j '"\(.seller) \(.state)"')"
show IMP-6
check "IMP-6 (the last line, without a newline) exists" "200 S1 O-6" \
	"$STATUS $(j '"\(.seller) \(.order)"')"
for id in IMP-X IMP-Y IMP-Z; do
	show "$id"
	check "$id (a refused line) does not exist" "404" "$STATUS"
done
show EX-2
check "the conflicting line changed nothing" "S1 1" "$(j '"\(.seller) \(.version)"')"
for id in IMP-1 IMP-2 IMP-3 IMP-5 IMP-6; do
	check "$id's history is one create entry" "create:create:null>pending" "$(history_names "$id")"
done
check "the identical lines added no history" "create:create:null>pending" "$(history_names EX-1)"
# opened 50 h ago: the 48 h response clock ran out 2 h ago → mediation at once, late.
show IMP-4
check "IMP-4 (opened 50 h ago) is in mediation, no clock" "mediation null $OLD" \
	"$(j '"\(.state) \(.clock) \(.opened_at)"')"
check "IMP-4's history: create, then the expiry to mediation" \
	"create:create:null>pending expiry:response:pending>mediation" \
	"$(history_names IMP-4 | tr ' ' '\n' | grep -v '^warning:' | tr '\n' ' ' | sed 's/ $//')"
api GET /v1/protocols/IMP-4/history
check "…the expiry carries its due instant and how late it was applied (2 h)" \
	"$(t "$B" '2 hours ago') 7200000" \
	"$(j '.items[] | select(.cause == "expiry") | "\(.due_at) \(.late_ms)"')"
# The feed has the imported protocols' entries too.
api GET "/v1/events?limit=1000"
check "the feed has a create for each created protocol" "IMP-1 IMP-2 IMP-3 IMP-4 IMP-5 IMP-6" \
	"$(j '[.items[] | select(.cause == "create" and (.protocol | startswith("IMP-"))) | .protocol] | join(" ")')"

# --- the same file again: nothing created ---------------------------------------------------
import "$T/mixed.ndjson"
check "the same file again: lines created identical conflicting invalid" "16 0 8 1 4" "$(counts)"
check "…the same errors" "5:id_conflict 6:invalid_json 7:invalid_json 8:invalid_field 9:missing_field" \
	"$(j '[.errors[] | "\(.line):\(.code)"] | join(" ")')"
check "…and no protocol more" "$((BEFORE + 6))" "$(total)"
check "…and no history more" "create:create:null>pending" "$(history_names IMP-1)"

# --- bodies without anything to do ----------------------------------------------------------
: >"$T/empty"
import "$T/empty"
check "an empty body: 200, nothing counted" "200 0 0 0 0 0 0" "$STATUS $(counts) $(j '.errors | length')"
printf '\n\n  \n' >"$T/blank"
import "$T/blank"
check "only blank lines: nothing created or refused" "200 0 0 0 0" \
	"$STATUS $(j '"\(.created) \(.identical) \(.conflicting) \(.invalid)"')"

# --- at most 20 errors are listed, all are counted ------------------------------------------
for i in $(seq 1 30); do
	echo "{\"id\":\"ERR-$i\"}"
	echo "{\"id\":\"OK-$i\",\"seller\":\"S1\"}"
done >"$T/errors.ndjson"
import "$T/errors.ndjson"
check "30 bad lines among 30 good ones: counts" "60 30 0 0 30" "$(counts)"
check "the first 20 errors are listed, with their lines" \
	"$(seq -s ' ' 1 2 39)" "$(j '[.errors[].line] | map(tostring) | join(" ")')"

# --- 20000 lines in one request ---------------------------------------------------------------
BEFORE=$(total)
api GET /v1/stats
PENDING_BEFORE=$(j .protocols.by_state.pending)
awk 'BEGIN { for (i = 1; i <= 20000; i++)
	printf "{\"id\":\"BULK-%05d\",\"seller\":\"S%d\",\"order\":\"O%d\"}\n", i, i % 7, i }' \
	>"$T/bulk.ndjson"
t0=$(date +%s%N)
import "$T/bulk.ndjson"
t1=$(date +%s%N)
echo "# 20000 lines imported in $(((t1 - t0) / 1000000)) ms"
check "20000 lines in one request: 200, all created" "200 20000 20000 0 0 0" "$STATUS $(counts)"
api GET /v1/stats
check "the stats count them" "$((BEFORE + 20000))" "$(j .protocols.total)"
check "…all pending" "$((PENDING_BEFORE + 20000))" "$(j .protocols.by_state.pending)"
show BULK-12345
check "one of them, with its fields" "S4 O12345 pending" "$(j '"\(.seller) \(.order) \(.state)"')"
api GET "/v1/protocols?seller=S3&limit=1000"
check "the list finds them by seller" "1000" "$(j '.items | length')"
import "$T/bulk.ndjson"
check "the 20000 again: all identical" "200 20000 0 20000 0 0" "$STATUS $(counts)"
check "…and no protocol more" "$((BEFORE + 20000))" "$(total)"

# --- others are served while a long import runs -----------------------------------------
# Lines share transactions of up to 32000 (commit_hold); the loop serves others between
# batches of 2000, and their writes are acknowledged once committed.
awk 'BEGIN { for (i = 1; i <= 60000; i++)
	printf "{\"id\":\"LONG-%05d\",\"seller\":\"S%d\"}\n", i, i % 13 }' >"$T/long.ndjson"
BEFORE=$(total)
( import "$T/long.ndjson"; echo "$STATUS $(counts)" >"$T/long.out" ) &
IMP=$!
n=0 during=0 bad=
while [ "$n" -lt 400 ]; do
	n=$((n + 1))
	create "BESIDE-$n"
	[ "$STATUS" = 201 ] || bad="$bad create:$STATUS"
	show "BESIDE-$n"
	[ "$STATUS" = 200 ] || bad="$bad get:$STATUS"
	[ -s "$T/long.out" ] && break
	during=$n
done
wait "$IMP"
echo "# $during creates and reads answered while the import ran"
check "a 60000-line import beside writes and reads: 200, all created" \
	"200 60000 60000 0 0 0" "$(cat "$T/long.out")"
check "…every write beside it answered 201 and read back at once" "" "$bad"
check "…all of them are there" "$((BEFORE + 60000 + n))" "$(total)"
show LONG-59999
check "…the import's last lines too" "200 S4" "$STATUS $(j .seller)"

# --- body limits -----------------------------------------------------------------------------------
# Exactly 8 MiB (a good line, then one long line of spaces): accepted.
LIMIT=$((8 * 1024 * 1024))
# edge_body ID SIZE: a line creating ID, then spaces and a newline: SIZE bytes in all.
edge_body() {
	local first="{\"id\":\"$1\",\"seller\":\"S1\"}"
	printf '%s\n' "$first"
	head -c $(($2 - ${#first} - 2)) /dev/zero | tr '\0' ' '
	echo
}
edge_body EDGE-1 "$LIMIT" >"$T/edge"
check "the edge body is 8 MiB exactly" "$LIMIT" "$(stat -c %s "$T/edge")"
import "$T/edge"
check "a body of exactly 8 MiB is imported" "200 1" "$STATUS $(j .created)"
# One byte more: 413.
edge_body EDGE-2 $((LIMIT + 1)) >"$T/over"
check "the next body is 8 MiB + 1" "$((LIMIT + 1))" "$(stat -c %s "$T/over")"
import "$T/over"
check "a body over 8 MiB is refused with 413" "413" "$STATUS"
# Past 8 MiB libevent 2.1 answers by itself, before the daemon sees the request:
# the status is right but the body is its HTML page (README, "decisions").
show EDGE-2
check "…and nothing of it is imported" "404" "$STATUS"
api GET /v1/health/live
check "the daemon is fine after refusing it" "200" "$STATUS"
# Elsewhere the limit is 64 KiB: a 70 KiB body to POST /v1/protocols.
{
	printf '{"id":"BIG-1","seller":"S1","pad":"'
	head -c $((70 * 1024)) /dev/zero | tr '\0' 'x'
	printf '"}'
} >"$T/70k"
OUT=$(curl -s --max-time 30 --unix-socket "$SOCK" -X POST -H 'Content-Type: application/json' \
	--data-binary "@$T/70k" -w '\n%{content_type}\n%{http_code}' http://localhost/v1/protocols)
STATUS=${OUT##*$'\n'}
OUT=${OUT%$'\n'*}
CTYPE=${OUT##*$'\n'}
BODY=${OUT%$'\n'*}
check "a 70 KiB body to POST /v1/protocols: 413" "413" "$STATUS"
check "…a problem document, code body_too_large" "application/problem+json body_too_large 413" \
	"$CTYPE $(j .code) $(j .status)"
show BIG-1
check "…nothing created" "404" "$STATUS"
# The same 70 KiB line is fine in an import (the 64 KiB limit is not the import's).
import "$T/70k"
check "the 70 KiB line imported" "200 1" "$STATUS $(j .created)"

# --- a write that is not allowed, a GET ---------------------------------------------------------
api GET "/v1/protocols:import"
check "GET /v1/protocols:import is not allowed" "405" "$STATUS"

# --- protocolctl import ------------------------------------------------------------------------------
if ! "$PROTOCOLCTL" help import >/dev/null 2>&1; then
	echo "ok - # SKIP protocolctl import not built yet"
else
	{
		for i in $(seq 1 25); do echo "{\"id\":\"CTL-$i\",\"seller\":\"S1\"}"; done
		echo '{"id":"EX-1","seller":"S1","order":"E1"}'
		echo '{"id":"CTL-BAD"}'
	} >"$T/ctl.ndjson"
	OUT=$("$PROTOCOLCTL" --json import "$T/ctl.ndjson" 2>"$T/ctl.err")
	RC=$?
	BODY=$OUT
	check "protocolctl --json import: the summed counts" "27 25 1 0 1" "$(counts)"
	check "…and its error (line 27, missing_field)" "27:missing_field" \
		"$(j '[.errors[]? | "\(.line):\(.code)"] | join(" ")')"
	show CTL-25
	check "…the protocols exist" "200" "$STATUS"
	for i in $(seq 1 25); do echo "{\"id\":\"CTL-$i\",\"seller\":\"S1\"}"; done >"$T/ctl-ok.ndjson"
	OUT=$("$PROTOCOLCTL" --json import "$T/ctl-ok.ndjson" 2>"$T/ctl.err")
	RC=$?
	BODY=$OUT
	check "protocolctl import of an all-good file exits 0" "0" "$RC"
	check "…again: all identical" "25 0 25 0 0" "$(counts)"
	OUT=$("$PROTOCOLCTL" import "$T/ctl-ok.ndjson" 2>&1)
	check "without --json it prints the counts for people" "yes" \
		"$(grep -q 25 <<<"$OUT" && echo yes || echo "no: $OUT")"
	"$PROTOCOLCTL" import "$T/no-such-file.ndjson" >/dev/null 2>&1
	RC=$?
	check "protocolctl import of a missing file fails" "yes" \
		"$([ "$RC" != 0 ] && echo yes || echo "no: exit 0")"
fi

stop_daemon
check "SIGTERM stops the daemon with status 0" "0" "$STOP_RC"
finish
