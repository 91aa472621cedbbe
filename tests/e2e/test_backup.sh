# protocolctl backup / GET /v1/backup (protocold(8), BACKUP AND RESTORE): an online copy
# of the SQLite database while clocks fire and writes go on, consistent (integrity_check,
# every acknowledged protocol, the feed's last seq it announces), restored into a new
# daemon; a peer that may only read is refused; PostgreSQL refuses clearly.
. "$(dirname "$0")/lib.sh"

C="$PROTOCOLCTL --socket $SOCK"

# reader_refused: a peer outside root, the daemon's user and write_group may read, not
# copy everything (on either store: the permission comes first).
reader_refused() {
	if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
		chmod 0755 "$T"
		chmod 0666 "$SOCK"
		mkdir "$T/nobody" && chown nobody "$T/nobody"
		setpriv --reuid=nobody --regid=nogroup --clear-groups $C backup "$T/nobody/c.db" \
			>/dev/null 2>"$T/err"
		check "a reader peer: protocolctl backup exits 4 (403)" 4 $?
		check "... and leaves no file" "" "$(ls "$T/nobody")"
		code=$(setpriv --reuid=nobody --regid=nogroup --clear-groups curl -s -o "$T/nobody/b" \
			-w '%{http_code}' --unix-socket "$SOCK" http://localhost/v1/backup)
		check "a reader peer: GET /v1/backup is 403" 403 "$code"
		BODY=$(cat "$T/nobody/b")
		check "... a problem document" forbidden "$(j .code)"
	else
		ok "# SKIP peer credentials need root and a nobody user"
	fi
}

start_daemon

# protocolctl's own refusals, before the daemon is asked (or when none answers).
$C backup >/dev/null 2>&1
check "backup without FILE: usage (exit 2)" 2 $?
$C backup "$T/no/such/dir/copy.db" >/dev/null 2>&1
check "backup into a directory that does not exist: usage (exit 2)" 2 $?
$PROTOCOLCTL --socket "$T/nobody.sock" backup "$T/none.db" >/dev/null 2>&1
check "backup with no daemon at the socket: exit 3" 3 $?
check "... leaves no file" "" "$(ls "$T" | grep '^none\.db')"

if on_pg; then
	api GET /v1/backup
	check_status "PostgreSQL: no file to copy" 409
	check "its code" backup_not_supported "$(j .code)"
	check "the detail says to use pg_dump" true "$(j '.detail | contains("pg_dump")')"
	$C backup "$T/copy.db" >/dev/null 2>"$T/err"
	check "protocolctl backup: the daemon refused (exit 1)" 1 $?
	check "nothing is left behind" no "$(ls "$T"/copy.db* >/dev/null 2>&1 && echo yes || echo no)"
	reader_refused
	for d in "online copy while writes go on" "restore"; do
		echo "ok - $d # SKIP on PostgreSQL (pg_dump)"
	done
	finish
fi

# Protocols whose clocks fire as the clock moves: responses (warning 44 h, mediation
# 48 h), photo waits (48 h).
for i in $(seq 1 30); do
	create "A$i"
	[ $((i % 3)) -eq 0 ] && act "A$i" request_photos
done
: >"$T/acked"

# Writes and clock moves in the background, each acknowledged id noted once answered.
writer() {
	local i code
	for i in $(seq 1 150); do
		code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" \
			-H 'Content-Type: application/json' \
			--data-binary "{\"id\":\"B$i\",\"seller\":\"S2\"}" http://localhost/v1/protocols)
		[ "$code" = 201 ] && echo "B$i" >>"$T/acked"
	done
}
clocker() {
	local i
	for i in $(seq 1 30); do
		curl -s -o /dev/null --unix-socket "$SOCK" -H 'Content-Type: application/json' \
			--data-binary '{"advance":"4h"}' http://localhost/v1/clock
	done
}
writer & WPID=$!
clocker & CPID=$!

# copy_checks N FILE SEQ: FILE is a sound database holding the A's, the first N
# acknowledged B's, and the feed up to SEQ without a gap.
copy_checks() {
	local n=$1 f=$2 seq=$3 missing b
	b=$(basename "$f")
	check "copy $b: integrity_check" ok "$(sqlite3 "$f" 'PRAGMA integrity_check')"
	check "copy $b: the feed ends at the seq announced" "$seq" \
		"$(sqlite3 "$f" 'SELECT coalesce(max(seq), 0) FROM history')"
	check "copy $b: the feed has no gap up to it" "$seq" \
		"$(sqlite3 "$f" 'SELECT count(*) FROM history')"
	{ seq -f 'A%g' 1 30; head -n "$n" "$T/acked"; } | sort >"$T/want"
	sqlite3 "$f" 'SELECT id FROM protocols' | sort >"$T/have"
	missing=$(comm -23 "$T/want" "$T/have" | wc -l)
	check "copy $b: every protocol acknowledged before it began ($((30 + n)))" 0 "$missing"
}

for k in 1 2 3; do
	n=$(wc -l <"$T/acked")
	$C --json backup "$T/copy$k.db" >"$T/out$k" 2>"$T/err$k"
	check "backup $k while writes go on: exit 0" 0 $?
	BODY=$(cat "$T/out$k")
	check "backup $k: it reports the bytes written" "$(stat -c %s "$T/copy$k.db")" "$(j .bytes)"
	copy_checks "$n" "$T/copy$k.db" "$(j .seq)"
	sleep 0.2
done
wait "$WPID" "$CPID"
check "the writes went on during the backups" 150 "$(wc -l <"$T/acked")"
check "no temp file is left beside the database or the copy" "" \
	"$(ls "$T" | grep -e '-backup-' -e '\.tmp$')"

# The last copy, once the writes are over: it must hold everything.
$C --json backup "$T/final.db" >"$T/out" 2>&1
BODY=$(cat "$T/out")
SEQ=$(j .seq)
copy_checks 150 "$T/final.db" "$SEQ"
api GET "/v1/events?after=$((SEQ - 1))&limit=10"
check "its seq is the feed's end" "$SEQ" "$(j '.items[-1].seq')"
reader_refused

# The answer as curl sees it: the head, the length, the SQLite header.
curl -s -D "$T/head" -o "$T/raw.db" --unix-socket "$SOCK" http://localhost/v1/backup
check "Content-Type" "application/vnd.sqlite3" \
	"$(sed -n 's/^Content-Type: *//Ip' "$T/head" | tr -d '\r')"
check "Content-Length is the body's" "$(stat -c %s "$T/raw.db")" \
	"$(sed -n 's/^Content-Length: *//Ip' "$T/head" | tr -d '\r')"
check "Protocold-Backup-Seq" "$SEQ" \
	"$(sed -n 's/^Protocold-Backup-Seq: *//Ip' "$T/head" | tr -d '\r')"
check "the body starts with SQLite's header" "SQLite format 3" "$(head -c 15 "$T/raw.db")"

# Restore: stop, put the copy in place of a database (no -wal, no -shm), start.
IDS=$(sqlite3 "$T/final.db" 'SELECT id FROM protocols ORDER BY id' | tr '\n' ' ')
N=$(sqlite3 "$T/final.db" 'SELECT count(*) FROM protocols')
A3=$(sqlite3 "$T/final.db" "SELECT count(*) FROM history JOIN protocols USING (rid)
	WHERE id = 'A3'")
api GET /v1/stats
NOW=$(j .now)
stop_daemon
check "the daemon stops cleanly after backups" 0 "$STOP_RC"
DB=$T/restored.db
cp "$T/final.db" "$DB"
rm -f "$CONF"
write_config
start_daemon "$NOW"
api GET /v1/stats
check "restored: every protocol" "$N" "$(j .protocols.total)"
api GET "/v1/protocols?limit=1000"
check "restored: the same ids" "$IDS" "$(j '[.items[].id] | sort | join(" ")') "	# IDS ends with a space
api GET /v1/protocols/A3/history
check "restored: a protocol's whole history" "$A3" "$(j '.items | length')"
api GET "/v1/events?after=$((SEQ - 1))&limit=10"
check "restored: the feed ends where the copy said" "$SEQ" "$(j '.items[-1].seq')"
create R1
check_status "restored: it takes writes" 201
api GET "/v1/events?after=$SEQ&limit=10"
check "restored: the next entry follows on" "$((SEQ + 1))" "$(j '.items[0].seq')"
advance 72h
api GET /v1/stats
check "restored: its clocks fire" true "$(j '.fired_since_start > 0')"

# A reader that leaves in the middle of a copy bigger than the socket's buffers: the
# daemon lets the copy go (no descriptor left open on it) and serves the next one.
seq -f '{"id":"M%g-a-long-id-to-fill-some-pages","seller":"S3","order":"an-order-number-too"}' \
	1 20000 >"$T/many.ndjson"
curl -s --unix-socket "$SOCK" -o "$T/many.json" -H 'Content-Type: application/x-ndjson' \
	--data-binary "@$T/many.ndjson" http://localhost/v1/protocols:import
BODY=$(cat "$T/many.json")
check "20000 more protocols" 20000 "$(j .created)"
curl -s --unix-socket "$SOCK" http://localhost/v1/backup | head -c 65536 >/dev/null
open_copies() {
	ls -l "/proc/$PID/fd" 2>/dev/null | grep -c -e '-backup-'
}
for _ in $(seq 1 50); do
	[ "$(open_copies)" = 0 ] && break
	sleep 0.1
done
check "a reader that left: the copy's descriptor is closed" 0 "$(open_copies)"
$C backup "$T/big.db" >/dev/null
check "the next backup works" 0 $?
check "it holds them all" 20000 \
	"$(sqlite3 "$T/big.db" "SELECT count(*) FROM protocols WHERE id LIKE 'M%'")"
api GET /v1/health/live
check_status "the daemon is well" 200

# A daemon stopped while a slow reader is still taking a copy: it stops, cleanly.
curl -s --limit-rate 100k --unix-socket "$SOCK" -o "$T/slow.db" http://localhost/v1/backup &
SLOW=$!
for _ in $(seq 1 50); do
	[ "$(stat -c %s "$T/slow.db" 2>/dev/null || echo 0)" -gt 0 ] && break
	sleep 0.1
done
stop_daemon
check "stopped in the middle of sending a copy: exit 0" 0 "$STOP_RC"
wait "$SLOW"
check "the slow reader got a short copy (curl exit 18)" 18 $?
finish
