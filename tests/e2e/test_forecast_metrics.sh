# spec.md §6, §8: GET /v1/forecast (the clocks that run out within a horizon, by kind and
# by the state they lead to, per seller); clock.explain (rule, value, source, start,
# calendar and skipped days, pickup date, text); GET /metrics (valid Prometheus text,
# gauges that agree with the stats, counters that never go down, the HTTP and reload
# metrics).
. "$(dirname "$0")/lib.sh"

B=2026-11-23T12:00:00-03:00 # a Monday

# t INSTANT [DATE-OFFSET]: an instant as the daemon writes it (São Paulo, seconds).
t() {
	TZ=America/Sao_Paulo date -d "$1${2:+ $2}" +%Y-%m-%dT%H:%M:%S%:z
}

# forecast QUERY: "total kinds outcomes" of GET /v1/forecast?QUERY, where kinds lists
# the non-zero kinds as kind=n (sorted) and outcomes is mediation/pending/resolved.
forecast() {
	api GET "/v1/forecast?$1"
	j '"\(.total) \([.by_kind | to_entries[] | select(.value > 0) | "\(.key)=\(.value)"] |
		sort | join(",")) \(.by_outcome.mediation)/\(.by_outcome.pending)/\(.by_outcome.resolved)"'
}

# scrape FILE: GET /metrics into FILE; STATUS and CTYPE.
scrape() {
	local out
	out=$(curl -s --max-time 30 --unix-socket "$SOCK" -o "$1" \
		-w '%{content_type}\n%{http_code}' http://localhost/metrics)
	STATUS=${out##*$'\n'}
	CTYPE=${out%$'\n'*}
}

# metric FILE SAMPLE: the value of SAMPLE (name with its labels, as written) in FILE.
metric() {
	awk -v s="$2" '$1 == s { print $2; found = 1 } END { if (!found) print "absent" }' "$1"
}

# A Prometheus text-format (0.0.4) validator: every line a comment (# HELP / # TYPE
# name …) or a sample "name{labels} value [timestamp]" with a valid float; samples
# after their family's TYPE; no family typed twice; no sample twice; histograms with
# cumulative buckets ending in +Inf = _count. Prints the problems, one a line.
cat >"$T/promcheck.py" <<'PY'
import re, sys
NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\\\|\\"|\\n)*"'
SAMPLE = re.compile(r'^(' + NAME + r')(\{(?:' + LABEL + r'(?:,' + LABEL + r')*,?)?\})? (\S+)( -?[0-9]+)?$')
FLOAT = re.compile(r'^(?:[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?Inf|NaN)$')
types, seen, problems, hist = {}, set(), [], {}
text = open(sys.argv[1], encoding='utf-8').read()
if not text.endswith('\n'):
    problems.append('the text does not end with a newline')
for n, line in enumerate(text.split('\n')[:-1], 1):
    if line.startswith('#'):
        m = re.match(r'^# (HELP|TYPE) (' + NAME + r')(?: (.*))?$', line)
        if m is None:
            if re.match(r'^# (HELP|TYPE)\b', line):
                problems.append('%d: a malformed %s line' % (n, line.split()[1]))
            continue
        if m.group(1) == 'TYPE':
            if m.group(3) not in ('counter', 'gauge', 'histogram', 'summary', 'untyped'):
                problems.append('%d: unknown type %r' % (n, m.group(3)))
            if m.group(2) in types:
                problems.append('%d: %s typed twice' % (n, m.group(2)))
            types[m.group(2)] = m.group(3)
        continue
    if line == '':
        problems.append('%d: an empty line' % n)
        continue
    m = SAMPLE.match(line)
    if m is None:
        problems.append('%d: not a sample: %r' % (n, line))
        continue
    name, labels, value = m.group(1), m.group(2) or '', m.group(3)
    if not FLOAT.match(value):
        problems.append('%d: not a float: %r' % (n, value))
        continue
    fam = name
    for suf in ('_bucket', '_sum', '_count'):
        if name.endswith(suf) and types.get(name[:-len(suf)]) in ('histogram', 'summary'):
            fam = name[:-len(suf)]
    if fam not in types:
        problems.append('%d: %s has no TYPE before it' % (n, name))
    if types.get(fam) == 'counter' and not name.endswith('_total'):
        problems.append('%d: counter %s does not end in _total' % (n, name))
    key = name + labels
    if key in seen:
        problems.append('%d: %s twice' % (n, key))
    seen.add(key)
    if types.get(fam) == 'histogram':
        h = hist.setdefault(fam, {'buckets': [], 'count': None})
        if name.endswith('_bucket'):
            le = re.search(r'le="([^"]*)"', labels)
            if le is None:
                problems.append('%d: a bucket without le' % n)
            else:
                h['buckets'].append((float(le.group(1).replace('Inf', 'inf')), float(value)))
        elif name.endswith('_count'):
            h['count'] = float(value)
for fam, h in hist.items():
    b = h['buckets']
    if not b or b[-1][0] != float('inf'):
        problems.append('%s: no +Inf bucket last' % fam)
        continue
    if [x[0] for x in b] != sorted(x[0] for x in b):
        problems.append('%s: buckets not in le order' % fam)
    if any(b[i][1] > b[i + 1][1] for i in range(len(b) - 1)):
        problems.append('%s: buckets not cumulative' % fam)
    if h['count'] != b[-1][1]:
        problems.append('%s: _count %s != +Inf bucket %s' % (fam, h['count'], b[-1][1]))
for p in problems:
    print(p)
PY

# monotonic OLD NEW: the counters (…_total, histograms' _bucket/_count/_sum) of OLD
# that went down or vanished in NEW.
monotonic() {
	awk 'FNR == NR { if ($1 !~ /^#/) old[$1] = $2; next }
		$1 !~ /^#/ { new[$1] = $2 }
		END {
			for (k in old) {
				n = k; sub(/\{.*/, "", n)
				if (n !~ /(_total|_bucket|_count|_sum)$/) continue
				if (!(k in new)) print k " vanished"
				else if (new[k] + 0 < old[k] + 0) print k " " old[k] " -> " new[k]
			}
		}' "$1" "$2" | sort
}

write_config "[deadlines]
photos_wait = 2d
[reason.cancel_after_delivery]
response_normal = 1d 12h"
start_daemon 2026-09-04T10:00:00-03:00

# --- clock.explain ------------------------------------------------------------------------------
# 6 business days from Friday 4 Sep 2026: Sat 5, Sun 6 and Mon 7 Sep (Independência)
# are skipped, Tue 8 … Fri 11 count 4, Sat 12 and Sun 13 skipped, Mon 14, Tue 15 →
# due at the end of Tue 15 Sep.
create EXP-LETTER
act EXP-LETTER request_cancellation_letter
check "letter_wait from Fri 4 Sep is due at the end of Tue 15 Sep" \
	"2026-09-16T00:00:00-03:00" "$(j .clock.due_at)"
check "explain: rule, value, source" "letter_wait 6bd default" \
	"$(j '.clock.explain | "\(.rule) \(.value) \(.source)"')"
check "explain: started_at and due_at" "2026-09-04T10:00:00-03:00 2026-09-16T00:00:00-03:00" \
	"$(j '.clock.explain | "\(.started_at) \(.due_at)"')"
check "explain: the calendar" "br-national" "$(j .clock.explain.calendar)"
check "explain: the skipped days and why" \
	"2026-09-05 Saturday|2026-09-06 Sunday|2026-09-07 Independência|2026-09-12 Saturday|2026-09-13 Sunday" \
	"$(j '[.clock.explain.skipped[] | "\(.date) \(.why)"] | join("|")')"
check "explain: a text that says the rule and the due instant" "yes" \
	"$(j '.clock.explain.text' | grep -q 'letter_wait.*6bd.*2026-09-16T00:00:00-03:00' &&
		echo yes || echo "no: $(j .clock.explain.text)")"
check "explain: the whole sentence, business days" \
	"letter_wait = 6bd (default) from 2026-09-04T10:00:00-03:00, business days on br-national skipping 5 days → due 2026-09-16T00:00:00-03:00" \
	"$(j .clock.explain.text)"
check "explain: no pickup_date on a letter wait" "null" "$(j .clock.explain.pickup_date)"
# The default response clock; a [deadlines] value; a [reason.X] override.
create EXP-DEFAULT
check "response_normal (not in the file): source default" "response_normal default" \
	"$(j '.clock.explain | "\(.rule) \(.source)"')"
check "…value 48 hours" "yes" "$(case $(j .clock.explain.value) in 48h | 2d) echo yes ;;
	*) echo "no: $(j .clock.explain.value)" ;; esac)"
check "…no calendar for plain time" "null null" \
	"$(j '.clock.explain | "\(.calendar) \(.skipped)"')"
create EXP-CRIT '"critical":true'
check "a critical protocol: response_critical" "response_critical default" \
	"$(j '.clock.explain | "\(.rule) \(.source)"')"
act EXP-DEFAULT request_photos
check "photos_wait set in [deadlines]: source [deadlines], the value as written" \
	"photos_wait 2d [deadlines]" "$(j '.clock.explain | "\(.rule) \(.value) \(.source)"')"
check "…its text" "photos_wait = 2d ([deadlines]) from $(j .clock.started_at) → due $(j .clock.due_at)" \
	"$(j .clock.explain.text)"
create EXP-REASON '"reason":"cancel_after_delivery"'
check "a [reason.X] override: source [reason.X], the value as written" \
	"response_normal|1d 12h|[reason.cancel_after_delivery]" \
	"$(j '.clock.explain | "\(.rule)|\(.value)|\(.source)"')"
check "…and the due time follows it (36 h)" "$(t 2026-09-04T10:00:00-03:00 '+36 hours')" \
	"$(j .clock.due_at)"
create EXP-OTHER '"reason":"not_configured"'
check "a reason without a section: the default" "response_normal default" \
	"$(j '.clock.explain | "\(.rule) \(.source)"')"
# The pickup wait: until 00:00 of the pickup date + pickup_grace.
create EXP-PICKUP
act EXP-PICKUP inform_pickup_date '"pickup_date":"2026-09-10"'
check "the pickup wait is due at 00:00 of 11 Sep" "pickup_wait 2026-09-11T00:00:00-03:00" \
	"$(j '"\(.clock.kind) \(.clock.due_at)"')"
check "explain: the pickup_date" "2026-09-10" "$(j .clock.explain.pickup_date)"
check "explain: rule pickup_grace, default" "pickup_grace default" \
	"$(j '.clock.explain | "\(.rule) \(.source)"')"
check "explain: the text names the pickup date" \
	"pickup_grace = 1d (default) after 00:00 of the pickup date 2026-09-10 → due 2026-09-11T00:00:00-03:00" \
	"$(j .clock.explain.text)"
# GET shows the same explain as the action's answer.
EXPL=$(printf '%s' "$BODY" | jq -cS .clock.explain)
show EXP-PICKUP
check "GET shows the same explain" "$EXPL" "$(printf '%s' "$BODY" | jq -cS .clock.explain)"
act EXP-CRIT message_customer '"message":"oi"'
check "a closed protocol's explain: its reply window, 60d by default" \
	"reply_window default 2026-11-03T10:00:00-03:00" \
	"$(j '.clock.explain | "\(.rule) \(.source) \(.due_at)"')"
check "…its value says 60 days" "yes" "$(case $(j .clock.explain.value) in 60d | 1440h) echo yes ;;
	*) echo "no: $(j .clock.explain.value)" ;; esac)"

# --- forecast ---------------------------------------------------------------------------------
# (Every clock of the explain part above has run out by now.)
set_clock "$B"
api GET "/v1/forecast?within=3650d"
check "no clock runs when the forecast part starts" "0" "$(j .total)"
# S1: 3 normal (response +48h), 2 critical (+24h), 2 awaiting photos (+48h), 1 closed
# (reply_window +60d), 1 preventive (no clock). S2: 1 normal, 1 critical, 1 awaiting the
# address (+48h). S3: resolved, no clock.
for i in 1 2 3; do create "N-$i"; done
for i in 1 2; do create "C-$i" '"critical":true'; done
for i in 1 2; do create "W-$i" && act "W-$i" request_photos; done
create CL-1 && act CL-1 message_customer '"message":"oi"'
create PV-1 '"origin":"preventive","reason":"unavailable"'
check "a preventive protocol runs no clock" "null" "$(j .clock)"
api POST /v1/protocols '{"id":"S2-N","seller":"S2"}'
api POST /v1/protocols '{"id":"S2-C","seller":"S2","critical":true}'
api POST /v1/protocols '{"id":"S2-A","seller":"S2"}'
act S2-A confirm_address
api POST /v1/protocols '{"id":"S3-R","seller":"S3"}'
act S3-R cancel_sale

api GET "/v1/forecast?within=24h"
check "forecast answers from, until, within, seller" \
	"200 $B $(t "$B" '+24 hours') 24h null" \
	"$STATUS $(j '"\(.from) \(.until) \(.within) \(.seller)"')"
check "by_kind lists every clock kind" \
	"address_wait letter_wait photos_wait pickup_wait posting_wait reply_window response" \
	"$(j '.by_kind | keys | join(" ")')"
check "by_outcome is mediation, pending, resolved" "mediation pending resolved" \
	"$(j '.by_outcome | keys | join(" ")')"
check "within=23h: nothing runs out" "0  0/0/0" "$(forecast within=23h)"
check "within=24h: the 3 critical response clocks (→ mediation)" "3 response=3 3/0/0" \
	"$(forecast within=24h)"
api GET /v1/forecast
check "within defaults to 24h" "24h 3" "$(j '"\(.within) \(.total)"')"
check "within=47h: still the 3 critical" "3 response=3 3/0/0" "$(forecast within=47h)"
check "within=48h: 7 responses, 2 photos, 1 address (→ 7 mediation, 3 pending)" \
	"10 address_wait=1,photos_wait=2,response=7 7/3/0" "$(forecast within=48h)"
check "within=2d: the same" "10 address_wait=1,photos_wait=2,response=7 7/3/0" \
	"$(forecast within=2d)"
check "within=60d: plus the reply window (→ resolved)" \
	"11 address_wait=1,photos_wait=2,reply_window=1,response=7 7/3/1" "$(forecast within=60d)"
check "within=1w: no reply window yet" "10 address_wait=1,photos_wait=2,response=7 7/3/0" \
	"$(forecast within=1w)"
check "seller=S1 within=24h" "2 response=2 2/0/0" "$(forecast 'within=24h&seller=S1')"
check "seller=S1 within=48h" "7 photos_wait=2,response=5 5/2/0" \
	"$(forecast 'within=48h&seller=S1')"
check "seller=S1 within=60d" "8 photos_wait=2,reply_window=1,response=5 5/2/1" \
	"$(forecast 'within=60d&seller=S1')"
check "seller=S2 within=24h" "1 response=1 1/0/0" "$(forecast 'within=24h&seller=S2')"
check "seller=S2 within=48h" "3 address_wait=1,response=2 2/1/0" \
	"$(forecast 'within=48h&seller=S2')"
check "seller=S2 within=60d" "3 address_wait=1,response=2 2/1/0" \
	"$(forecast 'within=60d&seller=S2')"
check "seller=S3 (resolved only) within=60d: nothing" "0  0/0/0" \
	"$(forecast 'within=60d&seller=S3')"
api GET "/v1/forecast?within=48h&seller=S2"
check "the answer names the seller" "S2 48h" "$(j '"\(.seller) \(.within)"')"
check "total is the sum of by_kind and of by_outcome" "true" \
	"$(j '.total == ([.by_kind[]] | add) and .total == ([.by_outcome[]] | add)')"
for q in within=abc within=2bd within=48 within=10m within= 'within=24h&seller=a%20b'; do
	api GET "/v1/forecast?$q"
	check "forecast $q → 400 invalid_query" "400 invalid_query" "$STATUS $(j .code)"
done
# The horizon moves with the clock: 20 h later, 24h reaches the +48h clocks too.
advance 20h
api GET "/v1/forecast?within=24h"
check "20 h later: from is the new now" "$(t "$B" '+20 hours')" "$(j .from)"
check "20 h later, within=4h: the critical ones" "3 response=3 3/0/0" "$(forecast within=4h)"
check "20 h later, within=28h: the +48h ones too" \
	"10 address_wait=1,photos_wait=2,response=7 7/3/0" "$(forecast within=28h)"
advance 4h # the critical ones run out → mediation: no clock any more
check "after the critical ones ran out, within=1h: nothing" "0  0/0/0" "$(forecast within=1h)"
check "…within=24h: the 7 left" "7 address_wait=1,photos_wait=2,response=4 4/3/0" \
	"$(forecast within=24h)"

# --- /metrics -----------------------------------------------------------------------------------
scrape "$T/m1"
check "GET /metrics answers 200" "200" "$STATUS"
check "…as Prometheus text" "text/plain; version=0.0.4" \
	"$(printf '%s' "$CTYPE" | sed 's/; *charset=[^;]*//I')"
check "every line of the scrape is valid Prometheus text" "" \
	"$(/usr/bin/python3 "$T/promcheck.py" "$T/m1" | head -5 | tr '\n' ';')"
check "protocold_build_info is there, = 1, with the version" "1 yes" \
	"$(awk '/^protocold_build_info\{/ { print $2 }' "$T/m1") $(grep -q '^protocold_build_info{.*version="[^"]\+"' "$T/m1" && echo yes || echo no)"
api GET /v1/stats
bad=""
for s in pending awaiting closed unresolved mediation resolved; do
	v=$(metric "$T/m1" "protocold_protocols{state=\"$s\"}")
	[ "$v" = "$(j ".protocols.by_state.$s")" ] || bad="$bad $s($v≠$(j ".protocols.by_state.$s"))"
done
check "protocold_protocols{state} equal the stats' counts" "" "$bad"
check "…and the states add up to the total" "$(j .protocols.total)" \
	"$(awk '/^protocold_protocols\{/ { n += $2 } END { print n }' "$T/m1")"
bad=""
for k in $(j '.clocks.by_kind | keys[]'); do
	v=$(metric "$T/m1" "protocold_clocks_running{kind=\"$k\"}")
	[ "$v" = "$(j ".clocks.by_kind.$k")" ] || bad="$bad $k($v≠$(j ".clocks.by_kind.$k"))"
done
check "protocold_clocks_running{kind} equal the stats' clocks" "" "$bad"
check "expirations on the metrics = the stats' expirations_fired" "$(j .expirations_fired)" \
	"$(metric "$T/m1" 'protocold_transitions_total{cause="expiry"}')"

# Activity, a 404, then a second scrape: no counter went down; the 404 is counted.
N404=$(metric "$T/m1" 'protocold_http_requests_total{code="404"}')
[ "$N404" = absent ] && N404=0
N200=$(metric "$T/m1" 'protocold_http_requests_total{code="200"}')
api GET /v1/no-such-endpoint
check "a request to an unknown path → 404" "404" "$STATUS"
create MET-1
act MET-1 request_photos
event MET-1 customer_replied
act MET-1 no_such_action
advance 3d
for i in 1 2 3; do api GET /v1/stats; done
scrape "$T/m2"
check "the second scrape is valid too" "" \
	"$(/usr/bin/python3 "$T/promcheck.py" "$T/m2" | head -5 | tr '\n' ';')"
check "no counter went down between the scrapes" "" "$(monotonic "$T/m1" "$T/m2" | head -5 | tr '\n' ';')"
check "protocold_http_requests_total{code=\"404\"} counted the 404" "$((N404 + 1))" \
	"$(metric "$T/m2" 'protocold_http_requests_total{code="404"}')"
check "…and the 200s grew" "yes" \
	"$([ "$(metric "$T/m2" 'protocold_http_requests_total{code="200"}')" -gt "$N200" ] && echo yes || echo no)"
check "…the 422 of the unknown action is counted" "yes" \
	"$(v=$(metric "$T/m2" 'protocold_http_requests_total{code="422"}'); [ "$v" != absent ] && [ "$v" -ge 1 ] && echo yes || echo "no: $v")"
check "the requests' histogram counts every answered request" "yes" \
	"$(a=$(awk '/^protocold_http_requests_total\{/ { n += $2 } END { print n }' "$T/m2")
	   c=$(metric "$T/m2" protocold_http_request_duration_seconds_count)
	   [ "$a" = "$c" ] && echo yes || echo "no: $a requests, histogram $c")"
check "transitions grew: actions" "yes" \
	"$([ "$(metric "$T/m2" 'protocold_transitions_total{cause="action"}')" -gt \
		"$(metric "$T/m1" 'protocold_transitions_total{cause="action"}')" ] && echo yes || echo no)"
check "the firings were observed by the lateness histogram" "yes" \
	"$([ "$(metric "$T/m2" protocold_firing_lateness_seconds_count)" -gt \
		"$(metric "$T/m1" protocold_firing_lateness_seconds_count)" ] && echo yes || echo no)"
if on_pg; then
	skip_on_pg "protocold_wal_pages: the WAL holds the activity's pages"
	skip_on_pg "…no checkpoint failed, none had to run inline"
else
	check "protocold_wal_pages: the WAL holds the activity's pages" "yes" \
		"$(v=$(metric "$T/m2" protocold_wal_pages); [ "$v" != absent ] && [ "$v" -gt 0 ] && echo yes || echo "no: $v")"
	check "…no checkpoint failed, none had to run inline" "0 0" \
		"$(metric "$T/m2" 'protocold_checkpoints_total{result="failed"}') $(metric "$T/m2" protocold_checkpoints_inline_total)"
fi
api GET /v1/stats
check "after the activity the gauges still equal the stats" \
	"$(j '[.protocols.by_state | to_entries[] | "\(.key)=\(.value)"] | sort | join(" ")')" \
	"$(awk '/^protocold_protocols\{/ { s = $1; sub(/.*state="/, "", s); sub(/".*/, "", s);
		print s "=" $2 }' "$T/m2" | sort | tr '\n' ' ' | sed 's/ $//')"

# The reload gauge: 1, 0 after a failed reload, 1 again after a good one.
check "protocold_config_last_reload_successful starts at 1" "1" \
	"$(metric "$T/m2" protocold_config_last_reload_successful)"
TS1=$(metric "$T/m2" protocold_config_last_reload_success_timestamp_seconds)
cp "$CONF" "$T/good.ini"
write_config "[deadlines]
photos_wait = 48"
api POST /v1/reload
check "a reload of a bad file is refused" "422 config_invalid" "$STATUS $(j .code)"
scrape "$T/m3"
check "after the failed reload: protocold_config_last_reload_successful 0" "0" \
	"$(metric "$T/m3" protocold_config_last_reload_successful)"
check "…the last success's timestamp stays" "$TS1" \
	"$(metric "$T/m3" protocold_config_last_reload_success_timestamp_seconds)"
check "…and the scrape is still valid" "" \
	"$(/usr/bin/python3 "$T/promcheck.py" "$T/m3" | head -5 | tr '\n' ';')"
sleep 1.1 # so that the next success has a later timestamp (whole seconds or finer)
cp "$T/good.ini" "$CONF"
api POST /v1/reload
check "a reload of a good file succeeds" "200" "$STATUS"
scrape "$T/m4"
check "after the good reload: protocold_config_last_reload_successful 1" "1" \
	"$(metric "$T/m4" protocold_config_last_reload_successful)"
check "…and the success's timestamp moved on" "yes" \
	"$(awk -v a="$TS1" -v b="$(metric "$T/m4" protocold_config_last_reload_success_timestamp_seconds)" \
		'BEGIN { print (b + 0 > a + 0 && b + 0 > 1e9) ? "yes" : "no: " a " -> " b }')"
check "no counter went down across the reloads" "" "$(monotonic "$T/m2" "$T/m4" | head -5 | tr '\n' ';')"

stop_daemon
check "SIGTERM stops the daemon with status 0" "0" "$STOP_RC"
finish
