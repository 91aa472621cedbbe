# spec.md §8: GET /v1/protocols?state=&seller=&due_before=&limit=&after= — the filters
# (alone and combined) give exactly the matching protocols, in creation order; limit
# bounds; keyset paging that never skips or repeats, also while other clients write;
# cursors that cannot be altered or moved to other filters; history paging.
. "$(dirname "$0")/lib.sh"

B=2026-11-23T12:00:00-03:00
B_EPOCH=$(date -d "$B" +%s)

# Every id created, in creation order (the order the list must give).
CREATED=$T/created
: >"$CREATED"

# at OFFSET_S: the instant B + OFFSET_S seconds, as RFC 3339 (São Paulo).
at() {
	TZ=America/Sao_Paulo date -d "@$((B_EPOCH + $1))" +%Y-%m-%dT%H:%M:%S%:z
}

# urlenc TEXT: percent-encode for a query string.
urlenc() {
	jq -rn --arg s "$1" '$s | @uri'
}

# bulk_cfg FILE CFG: a curl config in CFG that POSTs every line of FILE
# ("PATH<TAB>JSON_BODY") over one curl process, writing each status code on a line.
bulk_cfg() {
	local first=1 path body
	: >"$2"
	while IFS=$'\t' read -r path body; do
		[ "$first" = 1 ] || echo "next" >>"$2"
		first=0
		{
			printf 'unix-socket = "%s"\n' "$SOCK"
			printf 'url = "http://localhost%s"\n' "$path"
			echo 'silent'
			echo 'header = "Content-Type: application/json"'
			printf 'data-binary = "%s"\n' "$(printf '%s' "$body" | sed 's/\\/\\\\/g; s/"/\\"/g')"
			echo 'output = "/dev/null"'
			echo 'write-out = "%{http_code}\\n"'
		} >>"$2"
	done <"$1"
}

# bulk FILE: bulk_cfg and run it; the status codes, one a line.
bulk() {
	bulk_cfg "$1" "$T/bulk.curl"
	curl -K "$T/bulk.curl"
}

# bulk_check DESC FILE EXPECTED_CODE: bulk FILE, every answer EXPECTED_CODE.
bulk_check() {
	local codes n bad
	codes=$(bulk "$2")
	n=$(wc -l <"$2")
	bad=$(printf '%s\n' "$codes" | grep -vc "^$3\$")
	check "$1 ($n requests, all HTTP $3)" "$n 0" "$(printf '%s\n' "$codes" | grep -c .) $bad"
}

# list_ids QUERY [LIMIT]: page through GET /v1/protocols?QUERY with LIMIT (default
# 1000) to the end; the ids, one a line, in LIST_IDS; "ok" in LIST_OK or what went
# wrong (a non-200 answer, an overfull page, a short page with a next cursor…).
list_ids() {
	local q=$1 limit=${2:-1000} after="" pages=0 n page
	LIST_IDS=""
	LIST_OK=ok
	while :; do
		api GET "/v1/protocols?${q:+$q&}limit=$limit${after:+&after=$after}"
		if [ "$STATUS" != 200 ]; then
			LIST_OK="HTTP $STATUS on page $((pages + 1)): $BODY"
			return
		fi
		# First line: the count and the next cursor ("-" for null); then the ids.
		page=$(j '"\(.items | length) \(.next // "-")", .items[].id')
		read -r n after <<<"${page%%$'\n'*}"
		[ "$n" = 0 ] || LIST_IDS="$LIST_IDS${page#*$'\n'}"$'\n'
		[ "$n" -le "$limit" ] || LIST_OK="a page of $n > $limit"
		pages=$((pages + 1))
		[ "$after" != - ] || break
		[ "$n" = "$limit" ] || { LIST_OK="a short page ($n) with a next cursor"; break; }
		[ "$pages" -le 2000 ] || { LIST_OK="endless paging"; break; }
	done
	LIST_IDS=${LIST_IDS%$'\n'}
	LIST_PAGES=$pages
}

# check_list DESC QUERY EXPECTED_IDS: the ids the list gives (one page of 1000 and
# pages of 5) are EXPECTED_IDS, in that order.
check_list() {
	local exp=$3 n
	n=$(printf '%s' "$exp" | grep -c .)
	list_ids "$2" 1000
	check "$1: $n protocols" "ok
$exp" "$LIST_OK
$LIST_IDS"
	list_ids "$2" 5
	check "$1: the same in pages of 5" "ok
$exp" "$LIST_OK
$LIST_IDS"
}

start_daemon "$B"

# --- a known set: 48 protocols, 8 kinds × 3 sellers ---------------------------------
# kind 0: pending, due +48h        kind 4: closed (message_customer), due +60d
# kind 1: pending critical, +24h   kind 5: resolved (cancel_sale), no clock
# kind 2: awaiting photos, +48h    kind 6: opened 50 h ago: mediation, no clock
# kind 3: awaiting posting, +15d   kind 7: unresolved (closed, replied), due +48h
MODEL=$T/model # id seller state due_offset_s (or -)
: >"$MODEL"
: >"$T/creates"
: >"$T/steps"
for i in $(seq 0 47); do
	id=$(printf 'L-%02d' "$i")
	seller=S$((i % 3 + 1))
	kind=$((i % 8))
	extra=""
	case $kind in
	0) state=pending due=$((48 * 3600)) ;;
	1) state=pending due=$((24 * 3600)) extra=',"critical":true' ;;
	2) state=awaiting due=$((48 * 3600))
		printf '/v1/protocols/%s/actions\t{"action":"request_photos"}\n' "$id" >>"$T/steps" ;;
	3) state=awaiting due=$((15 * 86400))
		printf '/v1/protocols/%s/actions\t{"action":"inform_posting_code","posting_code":"AA%d"}\n' \
			"$id" "$i" >>"$T/steps" ;;
	4) state=closed due=$((60 * 86400))
		printf '/v1/protocols/%s/actions\t{"action":"message_customer","message":"oi"}\n' \
			"$id" >>"$T/steps" ;;
	5) state=resolved due=-
		printf '/v1/protocols/%s/actions\t{"action":"cancel_sale"}\n' "$id" >>"$T/steps" ;;
	6) state=mediation due=- extra=",\"opened_at\":\"$(at $((-50 * 3600)))\"" ;;
	7) state=unresolved due=$((48 * 3600))
		printf '/v1/protocols/%s/actions\t{"action":"message_customer","message":"oi"}\n' \
			"$id" >>"$T/steps" ;;
	esac
	printf '/v1/protocols\t{"id":"%s","seller":"%s"%s}\n' "$id" "$seller" "$extra" >>"$T/creates"
	echo "$id $seller $state $due" >>"$MODEL"
	echo "$id" >>"$CREATED"
done
bulk_check "create the 48 protocols" "$T/creates" 201
bulk_check "the actions that set their states" "$T/steps" 200
grep ' unresolved ' "$MODEL" | while read -r id _; do
	printf '/v1/protocols/%s/events\t{"event":"customer_replied"}\n' "$id"
done >"$T/replies"
bulk_check "the customers' replies (→ unresolved)" "$T/replies" 200

# The daemon agrees with the model (one GET per protocol, over one curl).
URLS=$(awk '{ printf "http://localhost/v1/protocols/%s ", $1 }' "$MODEL")
# shellcheck disable=SC2086
GOT=$(curl -s --unix-socket "$SOCK" $URLS | jq -r --slurp --arg b "$B_EPOCH" '.[] |
	"\(.id) \(.seller) \(.state) \(if .clock then (.clock.due_at | sub("-03:00$"; "Z") |
		fromdateiso8601 + 3 * 3600 - ($b | tonumber) | tostring) else "-" end)"')
check "every protocol is as the model says (seller, state, due)" "$(cat "$MODEL")" "$GOT"

# expect AWK_CONDITION: the model's ids that match ($2 seller, $3 state, $4 due), in
# creation order.
expect() {
	awk "$1 { print \$1 }" "$MODEL"
}

# --- filters, each alone -------------------------------------------------------------
check_list "no filter: every protocol in creation order" "" "$(cat "$CREATED")"
for s in pending awaiting closed unresolved mediation resolved; do
	check_list "state=$s" "state=$s" "$(expect "\$3 == \"$s\"")"
done
for s in S1 S2 S3; do
	check_list "seller=$s" "seller=$s" "$(expect "\$2 == \"$s\"")"
done
check_list "seller=S9 (no such seller): empty" "seller=S9" ""
# due_before is strict: a clock due exactly at the bound is not "before" it.
for off in $((24 * 3600)) $((24 * 3600 + 1)) $((48 * 3600 + 1)) $((16 * 86400)) \
	$((61 * 86400)) $((-3600)); do
	d=$(at "$off")
	check_list "due_before=$d" "due_before=$(urlenc "$d")" \
		"$(expect "\$4 != \"-\" && \$4 < $off")"
done
# Another offset, the same instant.
check_list "due_before in UTC (Z)" "due_before=$(TZ=UTC date -d "@$((B_EPOCH + 30 * 3600))" \
	+%Y-%m-%dT%H:%M:%SZ)" "$(expect "\$4 != \"-\" && \$4 < $((30 * 3600))")"

# --- filters combined -------------------------------------------------------------------
check_list "state=pending&seller=S2" "state=pending&seller=S2" \
	"$(expect '$3 == "pending" && $2 == "S2"')"
check_list "seller=S1&state=closed" "seller=S1&state=closed" \
	"$(expect '$3 == "closed" && $2 == "S1"')"
d=$(at $((3 * 86400)))
check_list "state=awaiting&due_before=+3d" "state=awaiting&due_before=$(urlenc "$d")" \
	"$(expect "\$3 == \"awaiting\" && \$4 != \"-\" && \$4 < $((3 * 86400))")"
check_list "seller=S3&due_before=+3d" "seller=S3&due_before=$(urlenc "$d")" \
	"$(expect "\$2 == \"S3\" && \$4 != \"-\" && \$4 < $((3 * 86400))")"
d=$(at $((20 * 86400)))
check_list "state=awaiting&seller=S1&due_before=+20d" \
	"state=awaiting&seller=S1&due_before=$(urlenc "$d")" \
	"$(expect "\$3 == \"awaiting\" && \$2 == \"S1\" && \$4 != \"-\" && \$4 < $((20 * 86400))")"
check_list "state=unresolved&seller=S2&due_before=+20d" \
	"state=unresolved&seller=S2&due_before=$(urlenc "$d")" \
	"$(expect "\$3 == \"unresolved\" && \$2 == \"S2\" && \$4 != \"-\" && \$4 < $((20 * 86400))")"
d=$(at $((90 * 86400)))
check_list "state=mediation&due_before=+90d: mediation has no clock" \
	"state=mediation&due_before=$(urlenc "$d")" ""
check_list "state=resolved&seller=S9: empty" "state=resolved&seller=S9" ""

# The items are whole protocols, and each matches the filter it was listed under.
api GET "/v1/protocols?state=awaiting&seller=S1&limit=1000"
check "items are whole protocols (id, seller, state, clock, version)" "true" \
	"$(j '.items | length > 0 and all(has("id") and has("seller") and has("state") and
		has("clock") and has("version") and has("opened_at"))')"
check "…all awaiting, all of S1" "true" \
	"$(j '.items | all(.state == "awaiting" and .seller == "S1")')"

# --- bad filters, bad limits ---------------------------------------------------------------
for q in state=open state= 'seller=a%20b' due_before=tomorrow due_before=2026-11-23 \
	'due_before=2026-11-23T12:00:00'; do
	api GET "/v1/protocols?$q"
	check "$q → 400 invalid_query" "400 invalid_query" "$STATUS $(j .code)"
done
for l in 0 1001 abc -1 1.5 ''; do
	api GET "/v1/protocols?limit=$l"
	check "limit=$l → 400 invalid_query" "400 invalid_query" "$STATUS $(j .code)"
done
api GET "/v1/protocols?limit=1"
check "limit=1: one item, the first created, and a next cursor" "200 1 L-00 string" \
	"$STATUS $(j '"\(.items | length) \(.items[0].id) \(.next | type)"')"
api GET "/v1/protocols?limit=1000"
check "limit=1000: all 48, next null" "200 48 null" \
	"$STATUS $(j '"\(.items | length) \(.next)"')"
api GET "/v1/protocols"
check "no limit: all 48 (the default page is larger), next null" "200 48 null" \
	"$STATUS $(j '"\(.items | length) \(.next)"')"
api GET "/v1/protocols?limit=48"
check "limit = the count exactly: a full page may have a next; after it, nothing" "48" \
	"$(j '.items | length')"
if [ "$(j '.next')" != null ]; then
	api GET "/v1/protocols?limit=48&after=$(j .next)"
	check "…the page after the last full one is empty with next null" "200 0 null" \
		"$STATUS $(j '"\(.items | length) \(.next)"')"
fi

# --- paging with limit=7 through 100 protocols -------------------------------------------
# 100 of seller PG, created among 50 of seller PX.
: >"$T/creates"
for i in $(seq 1 150); do
	if [ $((i % 3)) = 0 ]; then id=$(printf 'X-%03d' "$i") s=PX; else id=$(printf 'G-%03d' "$i") s=PG; fi
	printf '/v1/protocols\t{"id":"%s","seller":"%s"}\n' "$id" "$s" >>"$T/creates"
	echo "$id" >>"$CREATED"
done
bulk_check "create 100 protocols of PG among 50 of PX" "$T/creates" 201
PG_IDS=$(grep '^G-' "$CREATED")
list_ids "seller=PG" 7
check "limit=7 paging: every page full but the last, next null at the end" "ok" "$LIST_OK"
check "limit=7 paging through 100: 15 pages" "15" "$LIST_PAGES"
check "limit=7 paging: each of the 100 exactly once, in creation order" "$PG_IDS" "$LIST_IDS"
check "…no id twice" "0" "$(printf '%s\n' "$LIST_IDS" | sort | uniq -d | wc -l)"
list_ids "" 7
check "limit=7 paging without a filter: all $(wc -l <"$CREATED") in creation order" \
	"ok
$(cat "$CREATED")" "$LIST_OK
$LIST_IDS"

# --- cursors: altered, or moved to other filters -------------------------------------------
api GET "/v1/protocols?seller=PG&limit=7"
CUR=$(j .next)
check "a cursor is a short opaque string" "yes" \
	"$([[ $CUR =~ ^[A-Za-z0-9_-]{8,128}$ ]] && echo yes || echo "no: $CUR")"
api GET "/v1/protocols?seller=PG&limit=7&after=$CUR"
check "the cursor works as given" "200 G-011" "$STATUS $(j '.items[0].id')"
api GET "/v1/protocols?seller=PG&limit=3&after=$CUR"
check "…also with another limit (limit is not a filter)" "200 3 G-011" \
	"$STATUS $(j '"\(.items | length) \(.items[0].id)"')"
# flip CURSOR POS: the cursor with the character at POS replaced by another valid one.
flip() {
	local c=${1:$2:1} r
	if [ "$c" = A ]; then r=B; else r=A; fi
	printf '%s%s%s' "${1:0:$2}" "$r" "${1:$(($2 + 1))}"
}
len=${#CUR}
for pos in 0 1 5 $((len / 2)) $((len - 2)) $((len - 1)); do
	api GET "/v1/protocols?seller=PG&limit=7&after=$(flip "$CUR" "$pos")"
	check "the cursor with character $pos changed → 400 invalid_cursor" "400 invalid_cursor" \
		"$STATUS $(j .code)"
done
for bad in abc "${CUR}A" "${CUR:1}" "${CUR:0:$((len - 1))}!" 0 -1 ''; do
	api GET "/v1/protocols?seller=PG&limit=7&after=$(urlenc "$bad")"
	check "after=\"$bad\" → 400 invalid_cursor" "400 invalid_cursor" "$STATUS $(j .code)"
done
api GET "/v1/protocols?seller=PX&limit=7&after=$CUR"
check "a seller=PG cursor with seller=PX → 400 invalid_cursor" "400 invalid_cursor" \
	"$STATUS $(j .code)"
api GET "/v1/protocols?limit=7&after=$CUR"
check "a seller=PG cursor without the filter → 400 invalid_cursor" "400 invalid_cursor" \
	"$STATUS $(j .code)"
api GET "/v1/protocols?seller=PG&state=pending&limit=7&after=$CUR"
check "a seller=PG cursor with a filter added → 400 invalid_cursor" "400 invalid_cursor" \
	"$STATUS $(j .code)"
api GET "/v1/protocols?seller=PG&due_before=$(urlenc "$(at 999999999)")&limit=7&after=$CUR"
check "a seller=PG cursor with due_before added → 400 invalid_cursor" "400 invalid_cursor" \
	"$STATUS $(j .code)"
api GET "/v1/protocols?limit=7"
CUR0=$(j .next)
api GET "/v1/protocols?state=pending&limit=7&after=$CUR0"
check "an unfiltered cursor with state=pending → 400 invalid_cursor" "400 invalid_cursor" \
	"$STATUS $(j .code)"
api GET "/v1/protocols?state=pending&seller=PG&limit=5"
CUR2=$(j .next)
api GET "/v1/protocols?seller=PG&state=pending&limit=5&after=$CUR2"
check "the same filters in another order accept the cursor" "200 G-008" \
	"$STATUS $(j '.items[0].id')"
api GET "/v1/protocols?state=awaiting&seller=PG&limit=5&after=$CUR2"
check "…another state does not" "400 invalid_cursor" "$STATUS $(j .code)"
d1=$(at $((50 * 3600)))
d2=$(at $((51 * 3600)))
api GET "/v1/protocols?due_before=$(urlenc "$d1")&limit=2"
CUR3=$(j .next)
api GET "/v1/protocols?due_before=$(urlenc "$d2")&limit=2&after=$CUR3"
check "a due_before cursor with another due_before → 400 invalid_cursor" \
	"400 invalid_cursor" "$STATUS $(j .code)"
api GET "/v1/protocols?due_before=$(urlenc "$d1")&limit=2&after=$CUR3"
check "…with the same due_before it works" "200" "$STATUS"
CT=$(curl -s -o /dev/null -w '%{content_type}' --unix-socket "$SOCK" \
	"http://localhost/v1/protocols?limit=7&after=$(flip "$CUR0" 3)")
api GET "/v1/protocols?limit=7&after=$(flip "$CUR0" 3)"
check "invalid_cursor is a problem document that says what to do" \
	"application/problem+json 400 true" \
	"$CT $(j .status) $(j '(.type | type == "string") and (.detail | length > 0)')"
# Cursors survive a restart (the key is the database's).
stop_daemon
start_daemon "$B"
api GET "/v1/protocols?seller=PG&limit=7&after=$CUR"
check "a cursor still works after a restart" "200 G-011" "$STATUS $(j '.items[0].id')"

# --- paging while another client writes ------------------------------------------------------
# 300 more protocols (seller SC); then page through the unfiltered list (limit=10) and
# through state=pending&seller=SC while a background client creates 200 more and acts
# on listed and not-yet-listed ones.
: >"$T/creates"
for i in $(seq 1 300); do
	id=$(printf 'C-%03d' "$i")
	printf '/v1/protocols\t{"id":"%s","seller":"SC"}\n' "$id" >>"$T/creates"
	echo "$id" >>"$CREATED"
done
bulk_check "create 300 protocols of SC" "$T/creates" 201
list_ids "" 1000
cp "$CREATED" "$T/before" # every id before the listing, in creation order
check "the list before the writer starts is the creation log" "ok
$(cat "$T/before")" "$LIST_OK
$LIST_IDS"

# The writer's requests: creates of W-001…W-200, and actions on C ids in an order that
# alternates between the start (already listed) and the end (not yet listed) of SC.
: >"$T/writes"
lo=1 hi=300 w=1
for k in $(seq 1 150); do
	if [ $((k % 2)) = 1 ]; then c=$lo lo=$((lo + 1)); else c=$hi hi=$((hi - 1)); fi
	case $((k % 3)) in
	0) a='{"action":"request_photos"}' ;;
	1) a='{"action":"cancel_sale"}' ;;
	2) a='{"action":"message_customer","message":"oi"}' ;;
	esac
	printf '/v1/protocols/C-%03d/actions\t%s\n' "$c" "$a" >>"$T/writes"
	for _ in 1 2; do
		[ "$w" -le 200 ] && printf '/v1/protocols\t{"id":"W-%03d","seller":"SC"}\n' "$w" \
			>>"$T/writes"
		w=$((w + 1))
	done
done
while [ "$w" -le 200 ]; do
	printf '/v1/protocols\t{"id":"W-%03d","seller":"SC"}\n' "$w" >>"$T/writes"
	w=$((w + 1))
done
# In batches of 10 requests (one curl each); batch k waits until the listing below has
# read k pages, so that the writes run through the listing, not before or after it.
split -l 10 -d -a 3 "$T/writes" "$T/wb."
for f in "$T"/wb.[0-9][0-9][0-9]; do bulk_cfg "$f" "$f.curl"; done
echo 0 >"$T/pages.read"
: >"$T/writer.codes"
(
	k=0
	for f in "$T"/wb.[0-9][0-9][0-9]; do
		k=$((k + 1))
		for _ in $(seq 1 1000); do
			read -r p <"$T/pages.read" 2>/dev/null
			[ "${p:-0}" -lt "$k" ] || break
			sleep 0.01
		done
		curl -K "$f.curl" >>"$T/writer.codes"
	done
	echo "done" >"$T/writer.done"
) &
WRITER=$!

# Two clients page at the same time: unfiltered and state=pending&seller=SC.
(
	after=""
	: >"$T/conc.f"
	while :; do
		out=$(curl -s --max-time 30 --unix-socket "$SOCK" \
			"http://localhost/v1/protocols?state=pending&seller=SC&limit=10${after:+&after=$after}")
		printf '%s' "$out" | jq -r '.items[].id' >>"$T/conc.f" || { echo ERR >>"$T/conc.f"; break; }
		after=$(printf '%s' "$out" | jq -r '.next // empty')
		[ -n "$after" ] || break
	done
) &
FILTERED=$!
after=""
pages=0
: >"$T/conc"
conc_ok=ok
while :; do
	api GET "/v1/protocols?limit=10${after:+&after=$after}"
	[ "$STATUS" = 200 ] || { conc_ok="HTTP $STATUS: $BODY"; break; }
	j '.items[].id, "next \(.next // "-")"' >"$T/page"
	grep -v '^next ' "$T/page" >>"$T/conc"
	after=$(sed -n 's/^next //p' "$T/page")
	pages=$((pages + 1))
	echo "$pages" >"$T/pages.tmp" && mv "$T/pages.tmp" "$T/pages.read"
	[ "$after" != - ] || break
	[ "$pages" -lt 500 ] || { conc_ok=endless; break; }
done
WRITTEN_AT_END=$(grep -c . "$T/writer.codes")
echo "# the listing took $pages pages; the writer had made $WRITTEN_AT_END of 350 writes when it ended"
wait "$FILTERED"
wait "$WRITER"
check "the concurrent listing answered every page" "ok" "$conc_ok"
check "the writer wrote during the listing (most of its 350 writes before the listing ended)" \
	"yes" "$([ "$WRITTEN_AT_END" -ge 200 ] && echo yes || echo "no: $WRITTEN_AT_END")"
check "every write of the writer succeeded" "0 350" \
	"$(grep -vc '^20[01]$' "$T/writer.codes") $(grep -c . "$T/writer.codes")"
check "unfiltered, while writing: no id appears twice" "" "$(sort "$T/conc" | uniq -d | head -5 | tr '\n' ' ')"
check "unfiltered, while writing: every pre-existing id appears exactly once" "" \
	"$(sort "$T/before" | comm -23 - <(sort -u "$T/conc") | head -5 | tr '\n' ' ')"
check "unfiltered, while writing: ids in creation order" "$(grep -Fxf "$T/conc" "$CREATED")" \
	"$(grep -Fxf "$CREATED" "$T/conc")"
check "unfiltered, while writing: new ids only from the writer" "" \
	"$(sort "$T/conc" | comm -23 - <(sort "$T/before") | grep -v '^W-' | head -5 | tr '\n' ' ')"
check "unfiltered, while writing: the W ids that appear, appear in order" \
	"$(grep '^W-' "$T/conc" | sort)" "$(grep '^W-' "$T/conc")"
check "the filtered listing answered every page" "0" "$(grep -c ERR "$T/conc.f")"
check "filtered, while writing: no id appears twice" "" \
	"$(sort "$T/conc.f" | uniq -d | head -5 | tr '\n' ' ')"
list_ids "state=pending&seller=SC" 1000
printf '%s\n' "$LIST_IDS" >"$T/after.f"
check "filtered, while writing: every SC protocol pending before and after appears" "" \
	"$(grep '^C-' "$T/after.f" | sort | comm -23 - <(sort -u "$T/conc.f") | head -5 | tr '\n' ' ')"
check "filtered, while writing: every listed id is of SC" "" \
	"$(grep -v -e '^C-' -e '^W-' "$T/conc.f" | head -5 | tr '\n' ' ')"
acted=$(cut -f1 "$T/writes" | grep -c actions)
check "the actions changed states (pending SC protocols now: 300 - $acted + 200)" \
	"$((300 - acted + 200))" "$(grep -c . "$T/after.f")"
list_ids "" 1000
check "after the writes, the list is the creation log plus W-001…W-200" "ok
$(cat "$CREATED"; seq -f 'W-%03g' 1 200)" "$LIST_OK
$LIST_IDS"

# --- history paging ----------------------------------------------------------------------------
create H-1
act H-1 request_photos
event H-1 customer_replied
act H-1 request_photos
event H-1 customer_replied
api GET /v1/protocols/H-1/history
FULL=$(j '[.items[].seq] | map(tostring) | join(" ")')
check "H-1 has 5 history entries" "5" "$(j '.items | length')"
check "the whole history has next null" "null" "$(j .next)"
after=""
pages=0
hp=""
hist_ok=ok
while :; do
	api GET "/v1/protocols/H-1/history?limit=2${after:+&after=$after}"
	[ "$STATUS" = 200 ] || { hist_ok="HTTP $STATUS"; break; }
	n=$(j '.items | length')
	[ "$n" -le 2 ] || hist_ok="a page of $n"
	hp="$hp $(j '[.items[].seq] | map(tostring) | join(" ")')"
	pages=$((pages + 1))
	nx=$(j .next)
	[ "$nx" = null ] && break
	[ "$nx" = "$(j '.items[-1].seq')" ] || hist_ok="next $nx is not the last seq"
	after=$nx
	[ "$pages" -lt 10 ] || { hist_ok=endless; break; }
done
check "history limit=2: pages of at most 2, next the last seq" "ok" "$hist_ok"
check "history limit=2 through 5 entries: 3 pages, next null on the last" "3" "$pages"
check "history limit=2: every entry once, in order" "$FULL" "$(echo $hp)"
api GET "/v1/protocols/H-1/history?limit=2"
check "history's first page: create and request_photos" "create request_photos" \
	"$(j '[.items[].name] | join(" ")')"
S2=$(j '.items[1].seq')
api GET "/v1/protocols/H-1/history?after=$S2"
check "history after the 2nd entry: the other 3, next null" "3 null" \
	"$(j '"\(.items | length) \(.next)"')"
for q in limit=0 limit=1001 limit=x after=-1 after=abc; do
	api GET "/v1/protocols/H-1/history?$q"
	check "history $q → 400 invalid_query" "400 invalid_query" "$STATUS $(j .code)"
done
api GET "/v1/protocols/NOPE/history?limit=2"
check "history of an unknown protocol → 404" "404 protocol_not_found" "$STATUS $(j .code)"

stop_daemon
check "SIGTERM stops the daemon with status 0" "0" "$STOP_RC"
finish
