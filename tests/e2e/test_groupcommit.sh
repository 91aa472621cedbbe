# SPEC §9 / issue #2: writes that arrive in the same loop turn share one commit, and
# every answer goes out after its commit. 64 clients writing at once must need far
# fewer commits than writes, and every acknowledged write must be there.
. "$(dirname "$0")/lib.sh"

start_daemon 2026-11-23T12:00:00-03:00
commits() {
	curl -s --unix-socket "$SOCK" http://localhost/metrics |
		awk '$1 == "protocold_commits_total{result=\"ok\"}" { print $2 }'
}
C0=$(commits)
/usr/bin/python3 - "$SOCK" >"$T/acks" <<'PY'
import asyncio, json, sys

SOCK = sys.argv[1]

async def client(k):
    r, w = await asyncio.open_unix_connection(SOCK)
    acked = []
    for i in range(20):
        body = json.dumps({"id": "G%d-%d" % (k, i), "seller": "S1"}).encode()
        w.write(b"POST /v1/protocols HTTP/1.1\r\nHost: l\r\nContent-Length: %d\r\n\r\n%s"
                % (len(body), body))
        await w.drain()
        status = (await r.readline()).split()[1]
        length = 0
        while (line := await r.readline()) != b"\r\n":
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await r.readexactly(length)
        if status == b"201":
            acked.append("G%d-%d" % (k, i))
    w.close()
    return acked

async def main():
    for ids in await asyncio.gather(*(client(k) for k in range(64))):
        for i in ids:
            print(i)

asyncio.run(main())
PY
C1=$(commits)
check "all 1280 writes acknowledged" 1280 "$(wc -l <"$T/acks")"
n=$((C1 - C0))
if [ "$n" -gt 0 ] && [ "$n" -lt 640 ]; then
	ok "1280 writes took $n commits (group commit: fewer than one per two writes)"
else
	not_ok "1280 writes took $n commits (expected fewer than 640)"
fi
api GET '/v1/protocols?seller=S1&limit=1000'
A=$(j '.items | length')
api GET "/v1/protocols?seller=S1&limit=1000&after=$(j .next)"
check "every acknowledged write is there" 1280 "$((A + $(j '.items | length')))"
finish
