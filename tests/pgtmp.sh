#!/bin/sh
# A throw-away PostgreSQL 15 for the tests: initdb in a temp directory as an
# unprivileged user (postgres when run as root), Unix socket only, no systemd.
#   tests/pgtmp.sh start DIR          initdb (once) and start; prints the base URI
#   tests/pgtmp.sh stop DIR [MODE]    stop it: MODE fast (default), immediate or smart
#                                     (the directory stays; rm -rf it yourself)
#   tests/pgtmp.sh uri DIR [DB]       the URI of DB (default postgres):
#                                     postgresql:///DB?host=DIR/sock&user=postgres
#   tests/pgtmp.sh createdb DIR DB    a new empty database; prints its URI
#   tests/pgtmp.sh dropdb DIR DB      drop it, closing the sessions still on it
# DIR is made if missing (mode 755: the server's user must reach its socket); its path
# must be short enough for a socket name (DIR/sock/.s.PGSQL.5432, at most 107 bytes).
# A test makes its own database under it (createdb), so tests never share one.
# PGTMP_OPTS: more server options ("-c name=value ..."), e.g. for a benchmark.
set -eu
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
usage="usage: pgtmp.sh start|stop|uri|createdb|dropdb DIR [MODE|DB]"
cmd=${1:?$usage}
dir=${2:?$usage}
[ "$cmd" != start ] || mkdir -p "$dir/sock"
[ ! -d "$dir" ] || dir=$(cd "$dir" && pwd)
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
uri() { echo "postgresql:///${1:-postgres}?host=$dir/sock&user=postgres"; }
# sql SQL: run it as the superuser on the postgres database.
sql() {
	"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$(uri)" -c "$1" >/dev/null
}
# A database name the tests make: lower case, digits and '_' (no quoting needed).
check_name() {
	case $1 in
	'' | *[!a-z0-9_]*) echo "pgtmp.sh: bad database name '$1' (a-z, 0-9, _)" >&2; exit 2 ;;
	esac
}
start() {
	if [ ! -x "$PGBIN/initdb" ]; then
		echo "pgtmp.sh: no PostgreSQL 15 in $PGBIN (Debian package postgresql-15;" \
			"make deps-test installs it)" >&2
		exit 1
	fi
	if [ ${#dir} -gt 80 ]; then
		echo "pgtmp.sh: $dir is too long for a Unix socket path under it" >&2
		exit 1
	fi
	if [ "$(id -u)" -eq 0 ]; then
		chmod 755 "$dir"
		chown postgres "$dir" "$dir/sock"
		if ! runuser -u postgres -- test -w "$dir/sock"; then
			echo "pgtmp.sh: the postgres user cannot reach $dir (a parent" \
				"directory is not searchable): use another TMPDIR" >&2
			exit 1
		fi
	fi
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		as_pg "$PGBIN/initdb" -D "$dir/data" -A trust -U postgres --no-sync \
			>"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
	fi
	if as_pg "$PGBIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
		uri
		return
	fi
	if ! as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o \
		"-c listen_addresses='' -k $dir/sock -c max_connections=300 -c fsync=on ${PGTMP_OPTS:-}" \
		start >/dev/null; then
		echo "pgtmp.sh: the server did not start; its log:" >&2
		tail -n 20 "$dir/server.log" >&2 2>/dev/null
		exit 1
	fi
	uri
}
case $cmd in
start)
	start
	;;
stop)
	mode=${3:-fast}
	case $mode in fast | immediate | smart) ;; *) echo "$usage" >&2; exit 2 ;; esac
	[ -f "$dir/data/PG_VERSION" ] || exit 0
	as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m "$mode" -w -t 60 stop >/dev/null 2>&1 || true
	;;
uri)
	uri "${3:-}"
	;;
createdb)
	check_name "${3:-}"
	sql "CREATE DATABASE $3"
	uri "$3"
	;;
dropdb)
	check_name "${3:-}"
	sql "DROP DATABASE IF EXISTS $3 WITH (FORCE)"
	;;
*)
	echo "$usage" >&2
	exit 2
	;;
esac
