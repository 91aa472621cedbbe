#!/bin/bash
# contrib/ (contrib/README.md): the Prometheus alert rules pass `promtool check rules`
# and their unit tests (`promtool test rules`); the Grafana dashboard is valid JSON with
# schemaVersion >= 36 and a Prometheus data-source variable that every panel uses; and
# every metric its queries (and the alert rules) name is in the /metrics of a live
# daemon (SQLite, test clock, temp dir), whose output promtool also finds clean.
cd "$(dirname "$0")/../.." || exit 1
: "${PROTOCOLD:=$PWD/build/protocold}"
PY=/usr/bin/python3
RULES=contrib/prometheus/protocold-alerts.yml
RTEST=contrib/prometheus/protocold-alerts.test.yml
DASH=contrib/grafana/protocold-dashboard.json
n=0
fails=0
T=$(mktemp -d "${TMPDIR:-/tmp}/pd-contrib.XXXXXX")
PID=

cleanup() {
	if [ -n "$PID" ]; then
		kill -TERM "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT

# tap DESC OUTPUT RC: one TAP line, the output as comments when it failed.
tap() {
	n=$((n + 1))
	if [ "$3" -eq 0 ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		printf '%s\n' "$2" | sed 's/^/# /'
		fails=$((fails + 1))
	fi
}

out=$(promtool check rules "$RULES" 2>&1)
tap "promtool check rules $RULES" "$out" $?
out=$(cd "$(dirname "$RTEST")" && promtool test rules "$(basename "$RTEST")" 2>&1)
tap "promtool test rules $RTEST" "$out" $?

# The alerts an on-call needs are there (the brief's list), each with a severity.
out=$($PY - "$RULES" <<'PY' 2>&1
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
rules = [r for g in doc["groups"] for r in g["rules"] if "alert" in r]
names = {r["alert"] for r in rules}
need = ["ProtocoldDown", "ProtocoldDatabaseUnreachable", "ProtocoldSchedulerStalled",
        "ProtocoldFiringLatenessHigh", "ProtocoldDatabaseErrors", "ProtocoldCommitFailures",
        "ProtocoldConnectionsNearMax", "ProtocoldWalLarge", "ProtocoldClusterConfigDiffers",
        "ProtocoldClusterInstanceMissing", "ProtocoldReloadFailed"]
bad = [x for x in need if x not in names]
bad += ["%s: no severity" % r["alert"] for r in rules if "severity" not in r.get("labels", {})]
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
)
tap "the alert rules cover the on-call's list, each with a severity" "$out" $?

out=$($PY - "$DASH" <<'PY' 2>&1
import json, sys
d = json.load(open(sys.argv[1]))
bad = []
if not isinstance(d.get("schemaVersion"), int) or d["schemaVersion"] < 36:
    bad.append("schemaVersion %r < 36" % d.get("schemaVersion"))
ds = [v for v in d.get("templating", {}).get("list", [])
      if v.get("type") == "datasource" and v.get("query") == "prometheus"]
if not ds:
    bad.append("no Prometheus data-source variable")
else:
    ref = "${%s}" % ds[0]["name"]
    def panels(ps):
        for p in ps:
            yield p
            yield from panels(p.get("panels", []))
    for p in panels(d.get("panels", [])):
        if p.get("type") == "row":
            continue
        for t in [p] + p.get("targets", []):
            if t.get("datasource", {}).get("uid") != ref:
                bad.append("panel %r: datasource is not %s" % (p.get("title"), ref))
        if not p.get("targets"):
            bad.append("panel %r: no query" % p.get("title"))
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
)
tap "$DASH: valid JSON, schemaVersion >= 36, every panel on the data-source variable" "$out" $?

# A live daemon's /metrics.
cat >"$T/protocold.ini" <<INI
[daemon]
database = $T/protocold.db
socket = $T/protocold.sock
timezone = America/Sao_Paulo
INI
env -u PROTOCOLD_PG "$PROTOCOLD" -c "$T/protocold.ini" \
	--test-clock=2026-11-23T12:00:00-03:00 >"$T/daemon.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do
	curl -s --max-time 1 --unix-socket "$T/protocold.sock" \
		http://localhost/v1/health/ready >/dev/null 2>&1 && break
	sleep 0.05
done
curl -s --max-time 10 --unix-socket "$T/protocold.sock" http://localhost/metrics \
	>"$T/metrics.txt"
out=$(cat "$T/daemon.log")
[ -s "$T/metrics.txt" ]
tap "a daemon started and answered GET /metrics" "$out" $?
out=$(promtool check metrics <"$T/metrics.txt" 2>&1)
tap "promtool check metrics on the live output: nothing" "$out" $?

# Every protocold_* / process_* name in the dashboard's queries and in the alert rules'
# expressions is a sample name of the live output (histograms by their _bucket, _sum
# and _count series).
out=$($PY - "$DASH" "$RULES" "$T/metrics.txt" <<'PY' 2>&1
import json, re, sys, yaml
live = set()
for line in open(sys.argv[3]):
    m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)", line)
    if m and not line.startswith("#"):
        live.add(m.group(1))
exprs = []
def walk(x):
    if isinstance(x, dict):
        for k, v in x.items():
            if k in ("expr", "definition") and isinstance(v, str):
                exprs.append(("dashboard", v))
            elif k == "query" and isinstance(v, str) and v != "prometheus":
                exprs.append(("dashboard", v))
            else:
                walk(v)
    elif isinstance(x, list):
        for v in x:
            walk(v)
walk(json.load(open(sys.argv[1])))
for g in yaml.safe_load(open(sys.argv[2]))["groups"]:
    for r in g["rules"]:
        exprs.append((r.get("alert", r.get("record")), r["expr"]))
used, bad = set(), []
for where, e in exprs:
    for name in re.findall(r"\b((?:protocold|process)_[a-zA-Z0-9_:]*)", e):
        used.add(name)
        if name not in live:
            bad.append("%s: %s is not in the live /metrics" % (where, name))
print("\n".join(sorted(set(bad))))
print("# %d metric names checked" % len(used), file=sys.stderr)
sys.exit(1 if bad or not used else 0)
PY
)
tap "every metric the dashboard and the alert rules use is in the live /metrics" "$out" $?

echo "1..$n"
[ "$fails" -eq 0 ]
