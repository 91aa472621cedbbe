#!/bin/bash
# The operator's page (protocold(8), THE PAGE): GET /, /ui/app.js, /ui/app.css and
# /ui/chart.js answer on the Unix socket and on the read-only TCP listener with their
# types and Cache-Control: no-cache; HEAD works; POST / is refused; the page carries
# every data-testid the browser test (tests/tools/test_page.sh) reads; /v1/stats tells
# the feed's end (feed_last_seq), where the page's live feed starts.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
CHARTJS=/usr/share/javascript/chart.js/chart.min.js	# page.h, PAGE_CHARTJS_PATH
PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

write_config
sed -i "s/^synchronous = full/synchronous = full\nhttp_listen = 127.0.0.1:$PORT/" "$CONF"
start_daemon

# head_of WHERE PATH [CURL_ARGS]: "STATUS|Content-Type|Cache-Control" of a GET (or what
# CURL_ARGS ask) on the socket (WHERE=unix) or the TCP listener (WHERE=tcp).
head_of() {
	local where=$1 path=$2
	shift 2
	if [ "$where" = unix ]; then
		set -- --unix-socket "$SOCK" "$@" "http://localhost$path"
	else
		set -- "$@" "http://127.0.0.1:$PORT$path"
	fi
	curl -s --max-time 5 -o /dev/null -D - "$@" | tr -d '\r' | awk -F': ' '
		/^HTTP\// { st = $0; sub(/^HTTP\/[0-9.]+ /, "", st); sub(/ .*/, "", st) }
		tolower($1) == "content-type" { ct = $2 }
		tolower($1) == "cache-control" { cc = $2 }
		END { print st "|" ct "|" cc }'
}

for where in unix tcp; do
	check "$where: GET / is the page" "200|text/html; charset=utf-8|no-cache" \
		"$(head_of $where /)"
	check "$where: GET /ui/app.js" "200|text/javascript; charset=utf-8|no-cache" \
		"$(head_of $where /ui/app.js)"
	check "$where: GET /ui/app.css" "200|text/css; charset=utf-8|no-cache" \
		"$(head_of $where /ui/app.css)"
	check "$where: HEAD / has the GET's status and type" \
		"200|text/html; charset=utf-8|no-cache" "$(head_of $where / -I)"
	if [ -r "$CHARTJS" ]; then
		check "$where: GET /ui/chart.js is Debian's Chart.js" \
			"200|text/javascript; charset=utf-8|no-cache" "$(head_of $where /ui/chart.js)"
	else
		check "$where: GET /ui/chart.js without libjs-chart.js: 404 asset_not_found" \
			"404|application/problem+json|" "$(head_of $where /ui/chart.js)"
	fi
done

# The bodies: the page is the file in the tree; Chart.js is the installed one.
page=$(curl -s --unix-socket "$SOCK" http://localhost/)
check "GET / is daemon/web/ui/index.html as built in" \
	"$(cat daemon/web/ui/index.html)" "$page"
check "GET /ui/app.js is daemon/web/ui/app.js as built in" \
	"$(cat daemon/web/ui/app.js)" "$(curl -s "http://127.0.0.1:$PORT/ui/app.js")"
if [ -r "$CHARTJS" ]; then
	check "GET /ui/chart.js is $CHARTJS, byte for byte" \
		"$(sha256sum <"$CHARTJS")" "$(curl -s "http://127.0.0.1:$PORT/ui/chart.js" | sha256sum)"
	len=$(curl -s -I "http://127.0.0.1:$PORT/ui/chart.js" | tr -d '\r' |
		awk -F': ' 'tolower($1) == "content-length" { print $2 }')
	check "HEAD /ui/chart.js: Content-Length is the file's size" \
		"$(stat -c %s "$(readlink -f "$CHARTJS")")" "$len"
fi
n=$(curl -s -I "http://127.0.0.1:$PORT/" -X HEAD --max-time 5 -o - | tr -d '\r' |
	sed -n '/^$/,$p' | wc -c)
check "HEAD / sends no body" 1 "$n"

# Read-only: POST / is refused on both.
api POST / '{}'
check "unix: POST / is refused (405 method_not_allowed)" "405 method_not_allowed" \
	"$STATUS $(j .code)"
out=$(curl -s -X POST -d '{}' -w '\n%{http_code}' "http://127.0.0.1:$PORT/")
check "tcp: POST / is refused (405)" 405 "${out##*$'\n'}"

# Every element the browser test reads (the contract in tests/tools/test_page.sh).
for id in count-pending count-awaiting count-closed count-unresolved count-mediation \
    count-resolved count-total fired-total next-due oldest-due-seconds lateness-p99 \
    forecast-chart forecast-table risk-sellers closest timeline timeline-explain feed \
    feed-pause feed-seller updated-at; do
	case $page in
	*"data-testid=\"$id\""*) ok "the page has data-testid=$id" ;;
	*) not_ok "the page has data-testid=$id" ;;
	esac
done
for label in Pendente Aguardando Encerrado "Não resolvido" Mediado Resolvido; do
	case $page in
	*">$label<"*) ok "the page labels a count $label" ;;
	*) not_ok "the page labels a count $label" ;;
	esac
done
case $page in
*'<link rel="icon" href="data:,">'*) ok "the page asks for no favicon" ;;
*) not_ok "the page asks for no favicon" ;;
esac
js=$(curl -s --unix-socket "$SOCK" http://localhost/ui/app.js)
bad=$(printf '%s\n' "$js" | grep -nE "method: *'(POST|PUT|DELETE|PATCH)'|https?://" |
	grep -v '^[0-9]*: \*' | head -3)
check "the script sends no write and names no other host" "" "$bad"

# The feed's end, where the page's live feed starts.
api GET /v1/stats
check "/v1/stats: feed_last_seq is 0 on an empty feed" 0 "$(j .feed_last_seq)"
create PG1
create PG2
api GET /v1/stats
check "/v1/stats: feed_last_seq is the last entry's seq" 2 "$(j .feed_last_seq)"
out=$(curl -s --max-time 1 --unix-socket "$SOCK" \
	"http://localhost/v1/events?follow=1&after=$(j .feed_last_seq)" -w '%{http_code}')
check "following from feed_last_seq is not refused" 200 "${out##*$'\n'}"

finish
