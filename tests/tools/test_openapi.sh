#!/bin/bash
# Issue 26, item 8: doc/openapi.yaml describes the API as the daemon answers it.
#  1. it is valid OpenAPI 3.1, by @seriousme/openapi-schema-validator from npm (pinned in
#     tests/tools/openapi/package-lock.json, installed by `npm ci` into build/npm/openapi,
#     never vendored);
#  2. it matches the sources: every route documented (HEAD beside every GET), every
#     problem code the daemon answers listed (tests/tools/openapi/check.py static);
#  3. a live daemon (--test-clock, SQLite, a temp dir) driven through every endpoint and
#     many error paths answers only statuses documented for each operation, with bodies
#     valid against the documented schemas (JSON Schema 2020-12, Debian's
#     python3-jsonschema); the operations exercised are listed at the end.
# Prints TAP ("ok N - ...", then 1..N).
set -u
cd "$(dirname "$0")/../.."
REPO=$PWD
: "${PROTOCOLD:=$REPO/build/protocold}"
: "${BUILD:=build}"
PY=/usr/bin/python3	# Debian's, with python3-yaml and python3-jsonschema
SPEC=$REPO/doc/openapi.yaml
NPM_DIR=$REPO/build/npm/openapi
T=$(mktemp -d "${TMPDIR:-/tmp}/pd-openapi.XXXXXX")
PIDS=

. "$REPO/tests/tools/lib.sh"
trap tools_cleanup EXIT

validate() {
	local out
	if ! command -v npm >/dev/null; then
		echo "not ok - npm is not installed (the validator comes from the npm registry)"
		return
	fi
	if ! tools_npm_ci tests/tools/openapi "$NPM_DIR" .bin/validate-api; then
		echo "not ok - npm ci of the pinned validator into $NPM_DIR"
		sed 's/^/#   /' "$T/npm.log" | tail -n 8
		return
	fi
	echo "ok - the validator is installed ($(cd "$NPM_DIR" && node -p \
		'require("@seriousme/openapi-schema-validator/package.json").version'))"
	out=$("$NPM_DIR/node_modules/.bin/validate-api" "$SPEC" 2>&1)
	if printf '%s' "$out" | tr -d ' \t\n' | grep -q '"valid":true'; then
		echo "ok - doc/openapi.yaml is valid OpenAPI 3.1 (validate-api)"
	else
		echo "not ok - doc/openapi.yaml is valid OpenAPI 3.1 (validate-api)"
		printf '%s\n' "$out" | head -n 40 | sed 's/^/#   /'
	fi
	# The validator must refuse a broken document, or its "valid" means nothing.
	sed 's/^openapi: 3.1.0/openapi: 3.1.0\nbogus: 1/' "$SPEC" >"$T/broken.yaml"
	out=$("$NPM_DIR/node_modules/.bin/validate-api" "$T/broken.yaml" 2>&1)
	if printf '%s' "$out" | tr -d ' \t\n' | grep -q '"valid":false'; then
		echo "ok - the validator refuses a document with an unknown member"
	else
		echo "not ok - the validator refuses a document with an unknown member"
	fi
}

# start NAME [--test-clock=…]: a daemon on $T/NAME.sock; its config is $T/NAME.ini.
start() {
	local name=$1 p
	shift
	cat >"$T/$name.ini" <<INI
[daemon]
database = $T/$name.db
socket = $T/$name.sock
socket_mode = 0666
timezone = America/Sao_Paulo
synchronous = full

[calendar]
holidays = br-national

[rules]
files = $REPO/conf/rules/*.ini
default = casas-bahia
INI
	"$PROTOCOLD" -c "$T/$name.ini" "$@" >>"$T/$name.log" 2>&1 &
	p=$!
	PIDS="$PIDS $p"
	for _ in $(seq 1 100); do
		curl -s --max-time 1 --unix-socket "$T/$name.sock" \
			http://localhost/v1/health/ready >/dev/null 2>&1 && return 0
		kill -0 "$p" 2>/dev/null || break
		sleep 0.05
	done
	echo "not ok - protocold ($name) did not start"
	sed 's/^/#   /' "$T/$name.log" | tail -n 20
	return 1
}

live() {
	# The user nobody reaches the socket (a peer outside write_group).
	chmod 0755 "$T"
	start main --test-clock=2026-11-23T12:00:00-03:00 || return
	start wall || return
	"$PY" tests/tools/openapi/check.py live "$SPEC" "$T/main.sock" "$T/wall.sock" \
		"$T/main.ini"
	for p in $PIDS; do
		kill -TERM "$p" 2>/dev/null
		wait "$p"
		[ $? -eq 0 ] || echo "not ok - protocold exited non-zero on SIGTERM"
	done
	PIDS=
	if grep -qE "Sanitizer|runtime error" "$T"/*.log; then
		echo "not ok - the sanitizers reported a problem"
		grep -hE -A20 "Sanitizer|runtime error" "$T"/*.log | head -n 40 | sed 's/^/#   /'
	fi
}

{
	validate
	"$PY" tests/tools/openapi/check.py static "$SPEC" "$REPO"
	live
} | tools_number | tee "$T/tap"
! grep -q '^not ok ' "$T/tap"
