#!/bin/sh
# `make run-cluster`: a local PostgreSQL (tests/pgtmp.sh, a throw-away server in a temp
# directory) and two protocold instances on it, api-1 and api-2, each with its own
# socket in run/, both with the test clock. Kill one (the pids are printed) and watch
# the other take its shards over: curl --unix-socket run/api-2.sock
# http://localhost/v1/cluster. Ctrl-C stops both instances and the server.
set -eu
cd "$(dirname "$0")/.."
run=$PWD/run
mkdir -p "$run"
pgdir=$(mktemp -d "${TMPDIR:-/tmp}/protocold-cluster.XXXXXX")
pids=
stop() {
	trap - INT TERM EXIT
	for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	sh tests/pgtmp.sh stop "$pgdir" fast
	rm -rf "$pgdir"
	echo "run-cluster: stopped"
}
trap stop INT TERM EXIT
sh tests/pgtmp.sh start "$pgdir" >/dev/null
uri=$(sh tests/pgtmp.sh createdb "$pgdir" protocold)
for name in api-1 api-2; do
	# The demo's settings, on the shared database, each with its own socket.
	{
		printf '[daemon]\ndatabase = %s\nsocket = %s\ninstance = %s\n' "$uri" \
			"$run/$name.sock" "$name"
		grep -v -e '^\[daemon\]$' -e '^database =' -e '^socket =' conf/demo.ini
	} >"$run/$name.ini"
	build/protocold -c "$run/$name.ini" --test-clock >"$run/$name.log" 2>&1 &
	pids="$pids $!"
	echo "run-cluster: $name pid $! socket $run/$name.sock log $run/$name.log"
	for _ in $(seq 1 100); do
		curl -s --max-time 1 --unix-socket "$run/$name.sock" \
			http://localhost/v1/health/ready >/dev/null 2>&1 && break
		sleep 0.05
	done
done
echo "run-cluster: PostgreSQL at $uri"
echo "run-cluster: who owns what:  curl -s --unix-socket run/api-1.sock http://localhost/v1/cluster | jq"
echo "run-cluster: kill one:       kill -9 <pid>   (the other owns all 64 shards within a second)"
echo "run-cluster: Ctrl-C stops both instances and the server"
wait
