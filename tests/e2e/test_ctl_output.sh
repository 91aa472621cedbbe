# Issue 26, item 9: protocolctl --version shows the daemon's version too (README: the
# protocolctl of GET /v1/version) and still exits 0 when no daemon answers; --no-legend
# prints tables without their header (and events without its "next:" footer) for
# scripts; the AT column of watch is as wide as the whole instant the daemon writes
# (with milliseconds: 29 characters), so every row stays under its header.
. "$(dirname "$0")/lib.sh"

C=$PROTOCOLCTL
# A test clock with milliseconds: the feed's instants carry them (".250").
start_daemon 2026-11-23T12:00:00.250-03:00

# --- --version ------------------------------------------------------------------------
$C --version >"$T/v" 2>"$T/err"
check "--version exits 0" 0 $?
api GET /v1/version
check "its first line is protocolctl's own" "protocolctl $(j .version)" "$(sed -n 1p "$T/v")"
want="protocold $(j .version) (API $(j .api_version); store $(j .store)"
case "$(sed -n 2p "$T/v")" in
"$want"*"SQLite $(j .sqlite); libevent $(j .libevent))") ok "its second line is the daemon's version" ;;
*) not_ok "its second line is the daemon's version: $(sed -n 2p "$T/v")" ;;
esac
check "two lines, nothing on stderr" "2 " "$(wc -l <"$T/v") $(cat "$T/err")"
$C --json --version >"$T/vj"
check "--json --version: both, the daemon's as the API's object" true \
	"$(jq --argjson d "$BODY" '.protocolctl == ($d.version) and .protocold == $d' "$T/vj")"
$C --version --socket "$T/none.sock" >"$T/v" 2>"$T/err"
check "--version without a daemon (--socket after it) exits 0" 0 $?
check "and prints protocolctl's version only" "protocolctl $(j .version)" "$(cat "$T/v")"
grep -q "none.sock" "$T/err" && ok "and says on stderr that no daemon answered" ||
	not_ok "and says on stderr that no daemon answered: $(cat "$T/err")"
check "--json --version without a daemon: protocold is null" null \
	"$($C --json --version --socket "$T/none.sock" 2>/dev/null | jq -c .protocold)"

# --- the feed, with ids of 2 to 16 characters -----------------------------------------
for id in P1 P-000000000002 ABCDEFGHIJKLMNOP; do
	$C create "$id" --seller S1 >/dev/null || not_ok "create $id"
done
$C act P1 inform_posting_code posting_code=AA1BR >/dev/null
$C clock +3d >/dev/null
api GET '/v1/events?after=0'
n=$(j '.items | length')
at=$(j '.items[0].at')
check "the feed's instants carry milliseconds (29 characters)" 29 "${#at}"

# aligned FILE: every row's cells start where the header's columns start (a cell may
# hold one blank, as LATE's "1d 4h"; the columns start after two blanks), "" if so.
aligned() {
	awk 'NR == 1 {
		for (i = 1; i <= length($0); i++)
			if (substr($0, i, 1) != " " && (i == 1 || substr($0, i - 1, 1) == " "))
				start[n++] = i
		next
	}
	{
		for (c = 1; c < n; c++) {
			s = start[c]
			if (substr($0, s - 2, 2) != "  " || substr($0, s, 1) == " ") {
				print "line " NR ", column " c + 1 ": " $0
				next
			}
		}
	}' "$1"
}

# watch: run it until it has printed every entry.
watch_table() {
	$C "$@" watch --after 0 >"$T/w" 2>"$T/werr" &
	local wpid=$! i
	for i in $(seq 1 100); do
		[ "$(grep -c '^[0-9]' "$T/w")" -ge "$n" ] && break
		sleep 0.05
	done
	kill -TERM "$wpid"
	wait "$wpid"
}
watch_table
check "watch: a row per entry" "$n" "$(grep -c '^[0-9]' "$T/w")"
check "watch: every row under its header (AT wide enough)" "" "$(aligned "$T/w")"
check "watch: the whole instant in each row" "$n" "$(grep -cE '^[0-9]+ +[0-9T:.-]{29}  ' "$T/w")"
check "watch: the AT column is 29 wide" "$((6 + 2 + 29 + 2))" \
	"$(head -n 1 "$T/w" | awk '{ print index($0, "PROTOCOL") - 1 }')"

$C events --after 0 >"$T/e"
check "events: every row under its header" "" "$(grep -v '^next:' "$T/e" | aligned /dev/stdin)"
check "events: the whole instant in each row" "$n" "$(grep -cE '^[0-9]+ +[0-9T:.-]{29}  ' "$T/e")"

# A longer id later pushes its own row only; the rows after it are back in line.
$C create ID-OF-FORTY-CHARACTERS-0000000000000000X --seller S1 >/dev/null
$C create P5 --seller S1 >/dev/null
n=$((n + 2))
watch_table
check "watch after a long id: a row per entry" "$n" "$(grep -c '^[0-9]' "$T/w")"
check "watch after a long id: the rows after it under the header" "" \
	"$(grep -v 'ID-OF-FORTY' "$T/w" | aligned /dev/stdin)"
grep -q 'ID-OF-FORTY-CHARACTERS-0000000000000000X  ' "$T/w" &&
	ok "watch: the long id is printed whole" || not_ok "watch: the long id is printed whole"

# --- --no-legend ----------------------------------------------------------------------
$C --no-legend list >"$T/l"
check "list --no-legend: a row per protocol, no header" "5 0" \
	"$(wc -l <"$T/l") $(grep -c '^ID ' "$T/l")"
$C list --no-legend >"$T/l2"
check "--no-legend may follow the command" "" "$(diff "$T/l" "$T/l2")"
$C list | tail -n +2 | diff - "$T/l" >/dev/null
check "the rows are those of the table with the legend" 0 $?
$C --no-legend events --after 0 >"$T/e"
check "events --no-legend: the rows only (no header, no next:)" "$n $n" \
	"$(wc -l <"$T/e") $(grep -c '^[0-9]' "$T/e")"
$C --no-legend history P1 >"$T/h"
check "history --no-legend: the rows only" "2 2" "$(grep -c '^[0-9]' "$T/h") $(wc -l <"$T/h")"
check "history --no-legend: no header" 0 "$(grep -c '^SEQ' "$T/h")"
$C --no-legend marketplaces >"$T/m"
check "marketplaces --no-legend: a row per rulebook" "1 casas-bahia" \
	"$(wc -l <"$T/m") $(awk '{ print $1 }' "$T/m")"
watch_table --no-legend
check "watch --no-legend: the rows only" "$n $n" "$(wc -l <"$T/w") $(grep -c '^[0-9]' "$T/w")"
$C --json --no-legend show P1 | jq -e '.id == "P1"' >/dev/null
check "--json --no-legend: the same JSON" 0 $?
$C --no-legend status >"$T/s"
grep -q '^protocols: *5$' "$T/s" && ok "status --no-legend: its lines are data, kept" ||
	not_ok "status --no-legend: its lines are data, kept: $(head -3 "$T/s")"

# --- help ------------------------------------------------------------------------------
$C help >"$T/help"
grep -q '__complete' "$T/help" && not_ok "help does not list the internal __complete" ||
	ok "help does not list the internal __complete"
finish
