#!/usr/bin/env bash
# The pg-boss peer of issue 24, standalone:
#
#   tests/bench/pgboss/run.sh N [bench.mjs options: --batch-size B --polling-s S
#                                --local-concurrency C --burst 0|1 --chunk K]
#
# Starts a throw-away PostgreSQL 15 (tests/pgtmp.sh: initdb in a temp dir, Unix socket
# only, fsync = on, max_connections = 300, synchronous_commit on, defaults otherwise;
# PGTMP_OPTS adds server options), makes a database, installs pg-boss with npm into
# tests/bench/pgboss/node_modules/ (git-ignored) when missing or not the pinned version,
# runs bench.mjs (N jobs due at the same instant) and prints its JSON line. The server is
# stopped and the temp dir removed at exit. Works as root (the server then runs as
# postgres, so the temp dir is apart from anything private to root).
set -euo pipefail
N=${1:?usage: run.sh N [bench.mjs options]}
shift
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)

log() {
	printf '[pgboss] %s\n' "$*" >&2
}
die() {
	log "$*"
	exit 1
}

# Short path: the socket is DIR/sock/.s.PGSQL.5432 (at most 107 bytes).
PGD=$(mktemp -d "${TMPDIR:-/tmp}/pd-pgb.XXXXXX")
PG_STARTED=
cleanup() {
	if [ -n "$PG_STARTED" ]; then
		sh "$ROOT/tests/pgtmp.sh" stop "$PGD" fast || true
	fi
	rm -rf "$PGD"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ensure_cmd CMD PACKAGE: install the Debian package when CMD is missing (root only).
ensure_cmd() {
	command -v "$1" >/dev/null 2>&1 && return 0
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		log "installing $2 (for $1)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >"$PGD/apt-$2.log" 2>&1 ||
			{ apt-get update -qq >>"$PGD/apt-$2.log" 2>&1 &&
			  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" \
				>>"$PGD/apt-$2.log" 2>&1; }
	fi
	command -v "$1" >/dev/null 2>&1
}

ensure_cmd node nodejs || die "node is needed (apt-get install nodejs)"
ensure_cmd npm npm || die "npm is needed (apt-get install npm)"
[ -x /usr/lib/postgresql/15/bin/initdb ] || ensure_cmd /usr/lib/postgresql/15/bin/initdb postgresql-15 ||
	die "PostgreSQL 15 is needed (apt-get install postgresql-15)"

# The pinned versions of package.json, or npm install.
if ! (cd "$HERE" && node -e 'const p = require("./package.json");
	for (const [k, v] of Object.entries(p.dependencies))
		if (require("./node_modules/" + k + "/package.json").version !== v)
			process.exit(1);' 2>/dev/null); then
	log "npm install (pg-boss, pg) into tests/bench/pgboss/node_modules"
	(cd "$HERE" && npm install --no-audit --no-fund --no-package-lock --loglevel=error) \
		>"$PGD/npm.log" 2>&1 || { cat "$PGD/npm.log" >&2; die "npm install failed"; }
fi

log "starting PostgreSQL in $PGD"
PG_STARTED=1
sh "$ROOT/tests/pgtmp.sh" start "$PGD" >/dev/null || die "PostgreSQL did not start"
URI=$(sh "$ROOT/tests/pgtmp.sh" createdb "$PGD" pgboss_bench) || die "createdb failed"
log "PostgreSQL $(/usr/lib/postgresql/15/bin/postgres --version | awk '{ print $3 }'), Node $(node --version), N = $N"
node "$HERE/bench.mjs" "$URI" --n "$N" "$@"
