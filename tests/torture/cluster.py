"""Issue 24, item 2: the cluster torture. Three protocold instances on one PostgreSQL
database (../shared/CLUSTER.md), on the real clock with deadlines of seconds:

- 16 writer threads create protocols and send actions and events (25 % with
  `if_version`), each request to one of the live instances at random, so clocks are
  started, moved and fired all the time on protocols whose shard another instance owns;
  a reader pages the feed (`wait=1`) from a random instance at every request.
- A firing herd in every round: HERD protocols (reason `herd`, whose response clock is
  12 s) created with an `opened_at` such that their warnings and expiries all fall due
  at the same instant a few seconds ahead.
- 5 rounds: around a herd's instant one instance (in turn) is killed with -9, the others
  keep taking writes and must take over its shards (GET /v1/cluster: its pid gone, the
  64 shards owned by the survivors; the contract's bound is 5 s); it is restarted (in
  one round at once, before the takeover, under the same instance name).
- Then, with the cluster idle: every clock that fell due is applied (none left
  overdue); the feed read through each of the three instances is the same, seqs 1..N;
  every acknowledged write is in the tables with its version (the ledger); the database
  replays (dbcheck.py): no clock point twice, none early, none skipped, no half-applied
  transition; the reader saw every seq once, in order, as committed; each herd fired
  each point once, within the bound; clocks due away from the faults were applied
  within QUIET_LATE_MS.
- The cut-off: one instance is stopped (SIGSTOP) for ~5 s just after a herd fell due
  and before another does, writes and clocks going on through the others, which must
  take its shards over (its heartbeat is older than the lease); SIGCONT: it must live
  on, reconnect and rejoin. Then another instance's server sessions are all ended
  (pg_terminate_backend, three times) as a herd falls due: it must reconnect and be a
  member again by itself. A few more seconds of writes; then the same checks, and
  PostgreSQL counted no deadlock between the instances' transactions.
- At the end: GET /v1/cluster on each instance shows the three alive (their names and
  pids, `self` on the one asked, recent heartbeats) and the 64 shards split among them,
  each exactly once; each exits 0 on SIGTERM; the stopped database passes dbcheck with
  amcheck.

The PostgreSQL server is PROTOCOLD_PG's when it names one (a database of its own is made
there), else a throw-away one of its own (tests/pgtmp.sh); PROTOCOLD_PG=off, or no
PostgreSQL 15 installed, skips it. Debian's /usr/bin/python3 and python3-psycopg2.
"""

import collections
import http.client
import json
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torture import LONG, PG_BIN, ROOT, Daemon, UnixHTTPConnection, feed_all, \
    main_guard, ms_of, now_ms, percentile, pg_connect, pg_dropdb, pg_new_name, \
    pg_createdb, rfc3339, PgRO  # noqa: E402
import dbcheck  # noqa: E402
from writes import PREVENTIVE_ACTIONS, P, action_body, next_write  # noqa: E402

NODES = 3
WRITERS = 16
PER_WRITER = 20                 # live protocols each writer keeps
ROUNDS = 5
HERD = 1000 if LONG else 400    # protocols per herd
SEED = int(os.environ.get("TORTURE_SEED", str(int(time.time()))))
PGTMP = os.path.join(ROOT, "tests", "pgtmp.sh")
SHARDS = 64

# The writers' deadlines (as kill9.py): clocks of seconds, firing all the time.
DL = {"response_normal": 3000, "response_critical": 2000, "warn_before": 1000,
      "photos_wait": 2000, "address_wait": 3000, "posting_wait": 4000,
      "letter_wait": 5000, "reply_window": 4000}
HERD_RESPONSE_MS = 12000        # [reason.herd] response_normal
HERD_AHEAD_MS = 4000            # a herd falls due this long after it is asked for
# Where each round kills, from its herd's instant (ms; > 0: while it fires), and
# whether it restarts the instance at once, before the others took its shards over.
KILL_AT_MS = [-400, 20, -1000, 150, -150]
RESTART_AT_ONCE = [False, False, True, False, False]
TAKEOVER_MAX_S = 5.0            # CLUSTER.md: a killed instance's clocks fire within 5 s
STOP_S = 5.0                    # the cut-off: SIGSTOP this long (at least)
QUIET_LATE_MS = 1000            # a clock due away from any fault: applied by then
IDLE_MAX_S = 40.0               # writers stopped: every short clock done by then
REJOIN_MAX_S = 15.0


def dur(kind, p):
    if kind == "response":
        if p.reason == "herd" and not p.critical:
            return HERD_RESPONSE_MS
        return DL["response_critical"] if p.critical else DL["response_normal"]
    return DL[kind]


def due_fn(kind, p, start):
    return start + dur(kind, p)


# --- the PostgreSQL server -------------------------------------------------------------

class PgServer:
    """PROTOCOLD_PG's server, or a throw-away one of our own (tests/pgtmp.sh)."""

    def __init__(self, base):
        self.base = base
        self.dir = None

    def start(self):
        if self.base:
            return self.base
        self.dir = tempfile.mkdtemp(prefix="pd-cluster-pg.",
                                    dir=os.environ.get("TMPDIR", "/tmp"))
        r = subprocess.run(["sh", PGTMP, "start", self.dir], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"tests/pgtmp.sh start: {r.stderr.strip()}")
        self.base = r.stdout.strip()
        return self.base

    def stop(self, keep):
        if self.dir is None:
            return
        subprocess.run(["sh", PGTMP, "stop", self.dir, "immediate"], capture_output=True)
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)


# --- a blocking client that never resends a request ------------------------------------

class Refused(Exception):
    """No connection: the request was not sent (its outcome is known: nothing)."""


class Lost(Exception):
    """The connection broke after the request was sent: its outcome is unknown."""


class BConn:
    """One keep-alive connection to one instance; json() returns (status, body)."""

    def __init__(self, path, timeout=30):
        self.path = path
        self.timeout = timeout
        self.conn = None

    def close(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = None

    def json(self, method, path, body=None):
        if self.conn is None:
            c = UnixHTTPConnection(self.path, self.timeout)
            try:
                c.connect()
            except OSError as e:
                raise Refused(f"{type(e).__name__}: {e}")
            self.conn = c
        data = None if body is None else json.dumps(body).encode()
        hdrs = {"Content-Type": "application/json"} if data is not None else {}
        try:
            self.conn.request(method, path, body=data, headers=hdrs)
            r = self.conn.getresponse()
            payload = r.read()
        except (OSError, http.client.HTTPException) as e:
            self.close()
            raise Lost(f"{type(e).__name__}: {e}")
        if (r.getheader("Connection") or "").lower() == "close":
            self.close()
        try:
            return r.status, json.loads(payload) if payload else None
        except ValueError:
            return r.status, payload.decode(errors="replace")


def code_of(body):
    return body.get("code") if isinstance(body, dict) else None


# --- the instances ---------------------------------------------------------------------

class Node:
    """One instance: a Daemon on a directory of its own, on the shared database."""

    def __init__(self, tap, parent, i, uri):
        self.name = f"api-{i + 1}"
        path = os.path.join(parent, self.name)
        os.makedirs(path)
        self.d = Daemon(tap, self.name, dirpath=path, pg="")
        self.d.db = uri          # the shared database (the Daemon made none: pg="")
        self.d.write_config(
            f"instance = {self.name}\nlog_transitions = debug",
            "[deadlines]\n" + "".join(f"{k} = {v // 1000}s\n" for k, v in DL.items())
            + "pickup_grace = 1d\n\n[reason.herd]\n"
            f"response_normal = {HERD_RESPONSE_MS // 1000}s\n")
        self.ctl = BConn(self.d.sock, timeout=10)
        self.pids = []

    @property
    def pid(self):
        return self.d.proc.pid if self.d.proc is not None else None

    def start(self):
        self.ctl.close()
        self.d.start()
        self.pids.append(self.d.proc.pid)

    def kill9(self):
        self.ctl.close()
        self.d.kill9()

    def api(self, method, path, body=None):
        """(status, body) on the control connection; (None, why) if no answer."""
        try:
            return self.ctl.json(method, path, body)
        except (Refused, Lost) as e:
            return None, str(e)


def cluster_view(body):
    """From a GET /v1/cluster body: {pid or name: sorted shards}, names, shards owned
    (with repeats), in a form to compare."""
    insts = body.get("instances") or []
    owned = [s for i in insts for s in (i.get("shards") or [])]
    return insts, owned


def wait_takeover(node, gone_pid, limit):
    """Seconds until node's GET /v1/cluster no longer lists gone_pid and the 64 shards
    are all owned by the instances it lists (None: not within limit), and its last
    answer."""
    t0 = time.monotonic()
    last = None
    while time.monotonic() - t0 < limit:
        st, b = node.api("GET", "/v1/cluster")
        last = (st, b)
        if st == 200 and isinstance(b, dict):
            insts, owned = cluster_view(b)
            pids = {i.get("pid") for i in insts}
            if gone_pid not in pids and sorted(owned) == list(range(SHARDS)):
                return time.monotonic() - t0, last
        time.sleep(0.05)
    return None, last


def wait_member(node, pid, limit):
    """Seconds until node's GET /v1/cluster lists pid (None: not within limit)."""
    t0 = time.monotonic()
    last = None
    while time.monotonic() - t0 < limit:
        st, b = node.api("GET", "/v1/cluster")
        last = (st, b)
        if st == 200 and isinstance(b, dict) and \
                pid in {i.get("pid") for i in b.get("instances") or []}:
            return time.monotonic() - t0, last
        time.sleep(0.05)
    return None, last


# --- the load: writers, herds, a reader of the feed ------------------------------------

class Load:
    def __init__(self, nodes):
        self.nodes = nodes
        self.lock = threading.Lock()
        self.up = set(range(len(nodes)))
        self.stopping = threading.Event()
        self.threads = []
        self.acks = []            # (pid, kind, name, status, version, state, at, token, node)
        self.stats = collections.Counter()
        self.others = []          # answers that are none of 2xx/404/409/422/503
        self.mine = [dict() for _ in range(WRITERS)]
        self.counts = [0] * WRITERS
        self.herd_q = queue.Queue()
        self.herd_acked = collections.Counter()
        self.herds = []           # (label, due_ms, n)
        self.token = 0
        self.seen = {}            # seq -> (protocol, cause, name, at, due_at)
        self.seen_last = 0
        self.seen_bad = []

    # which instances take requests
    def set_up(self, i, up):
        with self.lock:
            (self.up.add if up else self.up.discard)(i)

    def pick(self, rng):
        with self.lock:
            live = sorted(self.up)
        return rng.choice(live) if live else None

    def count(self, key, n=1):
        with self.lock:
            self.stats[key] += n

    def next_token(self):
        with self.lock:
            self.token += 1
            return f"T{self.token}"

    def start(self):
        self.stopping.clear()
        self.threads = [threading.Thread(target=self.writer, args=(i,), daemon=True)
                        for i in range(WRITERS)]
        self.threads.append(threading.Thread(target=self.reader, daemon=True))
        for t in self.threads:
            t.start()

    def halt(self):
        self.stopping.set()
        for t in self.threads:
            t.join(60)
        self.threads = []

    # herds
    def herd(self, label, due_ms, n):
        opened = rfc3339(due_ms - HERD_RESPONSE_MS)
        for i in range(n):
            self.herd_q.put((label, {"id": f"h{label}-{i}", "seller": f"S{i % 8}",
                                     "reason": "herd", "opened_at": opened}))
        self.herds.append((label, due_ms, n))

    def wait_herd(self, label, n, limit):
        """Seconds until the n creates of herd label are acknowledged (None: not by
        limit)."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < limit:
            if self.herd_acked[label] >= n:
                return time.monotonic() - t0
            time.sleep(0.01)
        return None

    def herd_create(self, conn, ni, label, body):
        try:
            st, resp = conn.json("POST", "/v1/protocols", body)
        except (Refused, Lost) as e:
            self.count("unknown_outcome" if isinstance(e, Lost) else "conn_refused")
            conn.close()
            self.herd_q.put((label, body))     # same id, same body: 201 or 200
            return
        if st in (200, 201):
            self.ack(body["id"], "create", "create", st, resp, None, ni)
            with self.lock:
                self.herd_acked[label] += 1
        else:
            self.answer_stat(st, resp, f"herd create {body['id']}")
            time.sleep(0.02)
            self.herd_q.put((label, body))

    # writers
    def writer(self, wi):
        rng = random.Random(SEED * 1000 + wi)
        conns = [BConn(n.d.sock) for n in self.nodes]
        mine = self.mine[wi]
        while not self.stopping.is_set():
            ni = self.pick(rng)
            if ni is None:
                time.sleep(0.05)
                continue
            try:
                label, body = self.herd_q.get_nowait()
            except queue.Empty:
                label = None
            try:
                if label is not None:
                    self.herd_create(conns[ni], ni, label, body)
                    continue
                time.sleep(rng.uniform(0.002, 0.02))
                self.step(wi, rng, conns[ni], ni, mine)
            except Refused:
                self.count("conn_refused")
                conns[ni].close()
                time.sleep(0.01)
            except Lost:
                conns[ni].close()
        for c in conns:
            c.close()

    def action_body(self, p, rng):
        return action_body(p, rng, self.next_token, lambda: time.strftime(
            "%Y-%m-%d", time.gmtime(time.time() - 3 * 3600)))

    def learn(self, p, body):
        p.state = body["state"]
        p.version = body["version"]
        p.clock = body["clock"]["kind"] if body.get("clock") else None
        p.unknown = False

    def refresh(self, conn, p):
        st, body = conn.json("GET", f"/v1/protocols/{p.id}")
        self.count("reads")
        if st == 200:
            self.learn(p, body)
        elif st == 404:
            p.state = None          # the create was not made: it was never acknowledged
        else:
            self.count(f"read_{st}")

    def step(self, wi, rng, conn, ni, mine):
        live = [p for p in mine.values() if p.state != "resolved"]
        if len(live) < PER_WRITER:
            n = self.counts[wi]
            self.counts[wi] += 1
            pid = f"w{wi}-{n}"
            body = {"id": pid, "seller": f"S{wi % 8}"}
            r = rng.random()
            if r < 0.08:
                body.update(origin="preventive", reason=rng.choice(list(PREVENTIVE_ACTIONS)))
            elif r < 0.25:
                body["critical"] = True
            elif r < 0.35:
                body["opened_at"] = rfc3339(now_ms() - rng.randint(500, 2900))
            p = P(pid, body)
            mine[pid] = p
            self.send(conn, ni, p, "create", "create", "/v1/protocols", body, None)
            return
        for pid in [q.id for q in mine.values() if q.state == "resolved"]:
            del mine[pid]
        p = rng.choice(live)
        if p.unknown:
            self.refresh(conn, p)
            if p.state is None:
                self.send(conn, ni, p, "create", "create", "/v1/protocols", p.body, None)
            return
        w = next_write(p, rng, self.action_body)
        if w is None:
            return
        kind, name, path, body, token = w
        self.send(conn, ni, p, kind, name, path, body, token)

    def send(self, conn, ni, p, kind, name, path, body, token):
        self.count("writes_sent")
        try:
            st, resp = conn.json("POST", path, body)
        except Lost:
            self.count("unknown_outcome")
            p.unknown = True
            raise
        if 200 <= st < 300:
            self.ack(p.id, kind, name, st, resp, token, ni)
            self.learn(p, resp)
        elif st in (404, 409, 422):
            self.count(f"refused_{st}")
            if st == 422:
                self.count(f"422:{code_of(resp)}")
            self.refresh(conn, p)
        else:
            self.answer_stat(st, resp, f"{kind} {name} {p.id}")
            p.unknown = True    # a 503 in doubt may have been committed after all

    def ack(self, pid, kind, name, st, resp, token, ni):
        with self.lock:
            self.stats[f"ack_{kind}"] += 1
            self.stats[f"ack_on_{self.nodes[ni].name}"] += 1
            self.acks.append((pid, kind, name, st, resp["version"], resp["state"],
                              ms_of(resp["updated_at"]), token, ni))

    def answer_stat(self, st, resp, what):
        with self.lock:
            self.stats[f"status_{st}:{code_of(resp)}"] += 1
            if not (st == 503 and code_of(resp) == "database_unavailable"):
                self.others.append(f"{what}: {st} {str(resp)[:200]}")

    # a reader of the feed, from a random instance at every page
    def reader(self):
        rng = random.Random(SEED * 1000 + 999)
        conns = [BConn(n.d.sock) for n in self.nodes]
        while not self.stopping.is_set():
            ni = self.pick(rng)
            if ni is None:
                time.sleep(0.05)
                continue
            try:
                st, b = conns[ni].json("GET", f"/v1/events?after={self.seen_last}"
                                       "&limit=1000&wait=1")
            except (Refused, Lost):
                conns[ni].close()
                time.sleep(0.02)
                continue
            if st != 200:
                self.count(f"feed_{st}:{code_of(b)}")
                time.sleep(0.05)
                continue
            self.count("feed_pages")
            for e in b["items"]:
                seq = e["seq"]
                if seq in self.seen:
                    self.seen_bad.append(f"seq {seq} again (from {self.nodes[ni].name})")
                    continue
                if seq != self.seen_last + 1:
                    self.seen_bad.append(f"seq {seq} after {self.seen_last} (gap; from "
                                         f"{self.nodes[ni].name})")
                self.seen[seq] = (e["protocol"], e["cause"], e["name"], ms_of(e["at"]),
                                  ms_of(e.get("due_at")))
                self.seen_last = max(self.seen_last, seq)
        for c in conns:
            c.close()


# --- checks ----------------------------------------------------------------------------

def pg_ro(uri):
    return PgRO(uri)


def wait_idle(uri, limit):
    """Wait (at most limit s) until no protocol has a clock due within 20 s (every
    short clock ran its chain out). Returns (seconds or None, the overdue rows left:
    clock due more than 1 s ago)."""
    con = pg_ro(uri)
    try:
        t0 = time.monotonic()
        took = None
        while time.monotonic() - t0 < limit:
            n = con.execute("SELECT count(*) FROM protocols WHERE clock_next IS NOT NULL "
                            "AND clock_next < %s", (now_ms() + 20000,)).fetchone()[0]
            if n == 0:
                took = time.monotonic() - t0
                break
            time.sleep(0.2)
        return took, overdue_rows(con, now_ms() - 1000)
    finally:
        con.close()


def overdue_rows(con, before):
    """The protocols whose next clock point was due before `before`, with their shard
    and its owner when the schema has them (for the report)."""
    cols = "p.id, p.rid, p.state, p.clock, p.clock_next, p.version"
    join = ""
    try:
        if con.execute("SELECT count(*) FROM information_schema.columns WHERE "
                       "table_name = 'protocols' AND column_name = 'shard'").fetchone()[0]:
            cols += ", p.shard"
            if con.has_table("cluster_shards"):
                cols += ", s.owner, s.epoch"
                join = " LEFT JOIN cluster_shards s ON s.shard = p.shard"
    except Exception:  # noqa: BLE001 — only the report's detail
        pass
    rows = con.execute(f"SELECT {cols} FROM protocols p{join} WHERE p.clock_next IS NOT "
                       "NULL AND p.clock_next < %s ORDER BY p.clock_next", (before,)).fetchall()
    return [dict(zip([c.split(".")[1] for c in cols.split(", ")], r)) for r in rows]


def cluster_tables(uri):
    """The cluster's own tables, for a failure's report."""
    con = pg_ro(uri)
    out = []
    try:
        for t in ("cluster_members", "cluster_shards"):
            if con.has_table(t):
                cur = con.execute(f"SELECT * FROM {t}")
                names = [c[0] for c in cur.description]
                rows = cur.fetchall()
                out.append(f"{t} ({', '.join(names)}): " + "; ".join(
                    ", ".join(str(v) for v in r) for r in rows[:70]))
    finally:
        con.close()
    return "\n".join(out)


def check_feeds(tap, nodes, label):
    """The feed read through each instance: seqs 1..N, the same everywhere."""
    feeds = []
    for n in nodes:
        try:
            feeds.append(feed_all(n.d.client))
        except Exception as e:  # noqa: BLE001 — reported as a failure
            feeds.append(None)
            tap.not_ok(f"{label}: the feed read through {n.name}", str(e))
    ok = [f for f in feeds if f is not None]
    if not ok:
        return None
    f0 = ok[0]
    seqs = [e["seq"] for e in f0]
    tap.check(f"{label}: GET /v1/events paged from 0 through {nodes[0].name}: {len(seqs)} "
              "entries, seqs 1..N without a gap or repeat", seqs == list(range(1, len(seqs) + 1)),
              f"first bad at {next((i for i, s in enumerate(seqs) if s != i + 1), None)}")
    diffs = []
    for n, f in zip(nodes, feeds):
        if f is None or f == f0:
            continue
        i = next((k for k in range(min(len(f), len(f0))) if f[k] != f0[k]), None)
        diffs.append(f"{n.name}: {len(f)} entries vs {len(f0)}; first difference at "
                     f"index {i}: {f[i] if i is not None else ''} vs "
                     f"{f0[i] if i is not None else ''}")
    tap.check(f"{label}: the feed is the same ({len(f0)} entries, byte for byte as JSON) read "
              f"through each of {', '.join(n.name for n in nodes)}",
              not diffs and len(ok) == len(nodes), "\n".join(diffs))
    return f0


def check_ledger(tap, load, facts, label):
    """Every acknowledged write is the history entry of its version (as kill9.py)."""
    protos_by_id = {p.id: p for p in facts["protos"].values()}
    by_rid = facts["by_rid"]
    lost = dbcheck.Report()
    for (pid, kind, name, status, version, state, at, token, ni) in list(load.acks):
        p = protos_by_id.get(pid)
        where = f"(acknowledged by {load.nodes[ni].name})"
        if p is None:
            lost.bad("acknowledged create lost", f"{pid} ({status}) {where}")
            continue
        bumps = [e for e in by_rid[p.rid] if e.cause != "warning"]
        if version < 1 or version > len(bumps):
            lost.bad("acknowledged version missing", f"{pid} {kind}:{name} v{version} but "
                     f"only {len(bumps)} changes {where}")
            continue
        e = bumps[version - 1]
        if kind == "create":
            ok = status != 201 or (bumps[0].cause == "create" and bumps[0].at == at
                                   and e.to == state and e.at == at)
        else:
            ok = (e.cause == kind and e.name == name and e.to == state and e.at == at
                  and (token is None or token in (e.detail or "")))
        if not ok:
            lost.bad("acknowledged write not in the history with its version",
                     f"{pid} {kind}:{name} v{version} -> {state} at {at} {where}; history "
                     f"has seq {e.seq} {e.cause}:{e.name} -> {e.to} at {e.at}")
    n = len(load.acks)
    tap.check(f"{label}: 0 acknowledged writes lost ({n} acknowledged over the three "
              "instances, each found in the tables with its version)", not lost.n,
              lost.text())


def check_db(tap, uri, load, label, integrity):
    """dbcheck's replay, the ledger, the feed as committed, the reader's view, the
    herds. integrity: run amcheck too (the instances are stopped)."""
    saved = dbcheck.pg_integrity
    if not integrity:
        dbcheck.pg_integrity = lambda u: "ok"
    try:
        rep, facts = dbcheck.check_all(uri, due_fn, DL["warn_before"], monotonic_at=False)
    finally:
        dbcheck.pg_integrity = saved
    entries = facts["entries_list"]
    twice = "a clock point fired twice"
    gap = "history seqs with a gap"
    tap.check(f"{label}: 0 clock points applied twice across the instances "
              f"({facts['expiries']} expiries, {facts['warnings']} warnings)",
              not rep.n[twice], detail_twice(rep, facts) if rep.n[twice] else None)
    tap.check(f"{label}: history seqs 1..{len(entries)} without a gap", not rep.n[gap],
              rep.text([gap]))
    half = [k for k in rep.n if k not in (twice, gap, "PRAGMA integrity_check")]
    tap.check(f"{label}: every one of the {facts['protocols']} protocols replays to its row "
              "(state, clock, version, attempts; no point early, none skipped)",
              not half, rep.text(half))
    if integrity:
        tap.check(f"{label}: amcheck on every table and index of the store: ok",
                  not rep.n["PRAGMA integrity_check"], rep.text(["PRAGMA integrity_check"]))
    check_ledger(tap, load, facts, label)
    rid_id = {p.rid: p.id for p in facts["protos"].values()}
    by_seq = {e.seq: e for e in entries}
    fm = [s for s, v in list(load.seen.items()) if s not in by_seq or
          (rid_id[by_seq[s].rid], by_seq[s].cause, by_seq[s].name, by_seq[s].at,
           by_seq[s].due_at) != v]
    tap.check(f"{label}: a reader paging the feed from a random instance each time saw "
              f"{len(load.seen)} entries, each once, in seq order, without a gap",
              not load.seen_bad and load.seen, "\n".join(load.seen_bad[:10]))
    tap.check(f"{label}: every entry the reader saw is committed, as it saw it", not fm,
              f"seqs {fm[:10]}")
    back = 0
    last = None
    for e in entries:
        if last is not None and e.at < last:
            back = max(back, last - e.at)
        last = e.at if last is None else max(last, e.at)
    tap.note(f"{label}: `at` goes back at most {back} ms in seq order (several instances "
             "stamp their own changes)")
    return facts


def detail_twice(rep, facts):
    """The history rows of the points applied twice."""
    out = [rep.text(["a clock point fired twice"])]
    fired = collections.defaultdict(list)
    for e in facts["entries_list"]:
        if e.cause in ("expiry", "warning"):
            fired[(e.rid, e.cause, e.name, e.due_at)].append(e)
    for k, es in fired.items():
        if len(es) > 1 and len(out) < 12:
            p = facts["protos"].get(k[0])
            out.append(f"{p.id if p else k[0]}: " + "; ".join(
                f"seq {e.seq} at {e.at} late {e.late_ms} {e.frm}->{e.to}" for e in es))
    return "\n".join(out)


def check_herds(tap, load, facts, herds, label, late_max_ms):
    """Each herd protocol: one warning and one expiry, due at the herd's instant.
    Returns {label: (p50, max) lateness of its points}."""
    protos_by_id = {p.id: p for p in facts["protos"].values()}
    by_rid = facts["by_rid"]
    bad = []
    figures = {}
    worst = 0
    for hl, due, n in herds:
        lates = []
        for i in range(n):
            p = protos_by_id.get(f"h{hl}-{i}")
            if p is None:
                bad.append(f"h{hl}-{i}: missing")
                continue
            es = by_rid[p.rid]
            ex = [e for e in es if e.cause == "expiry" and e.name == "response"]
            wa = [e for e in es if e.cause == "warning"]
            if len(ex) != 1 or ex[0].due_at != due or len(wa) != 1 or \
                    wa[0].due_at != due - DL["warn_before"]:
                bad.append(f"{p.id}: expiries {[(e.due_at, e.at) for e in ex]}, warnings "
                           f"{[(e.due_at, e.at) for e in wa]}, due {due}")
            lates += [e.late_ms for e in ex + wa if e.late_ms is not None]
        figures[hl] = (percentile(lates, 50), max(lates) if lates else 0)
        if late_max_ms is not None:
            worst = max(worst, figures[hl][1])
    n = sum(h[2] for h in herds)
    tap.check(f"{label}: the {len(herds)} herds ({n} protocols): each warning and each "
              "expiry applied once, at the herd's instant", not bad, "\n".join(bad[:10]))
    if late_max_ms is not None:
        tap.check(f"{label}: every herd point applied within {late_max_ms / 1000:.0f} s of "
                  f"its instant, kill -9 or not (worst {worst} ms)", worst <= late_max_ms,
                  "; ".join(f"{k}: p50 {v[0]} ms, max {v[1]} ms" for k, v in figures.items()))
    tap.note(f"figures: {label}: herd lateness " + "; ".join(
        f"{k} p50 {v[0]} ms max {v[1]} ms" for k, v in figures.items()))
    return figures


def check_quiet_lateness(tap, facts, windows, label):
    """Clocks due away from every fault window were applied within QUIET_LATE_MS (an
    instance that starts or moves a clock of another's shard wakes its owner)."""
    lates = []
    slow = []
    created = {}
    for e in facts["entries_list"]:
        if e.cause == "create":
            created[e.rid] = e.at
    for e in facts["entries_list"]:
        if e.due_at is None or e.late_ms is None:
            continue
        if any(a <= e.due_at <= b for a, b in windows):
            continue
        if e.due_at < created.get(e.rid, 0):
            continue        # settled by its create (an opened_at long past): not a firing
        lates.append(e.late_ms)
        if e.late_ms > QUIET_LATE_MS:
            p = facts["protos"].get(e.rid)
            slow.append(f"{p.id if p else e.rid} {e.cause}:{e.name} due "
                        f"{rfc3339(e.due_at, 0)} late {e.late_ms} ms (seq {e.seq})")
    tap.check(f"{label}: the {len(lates)} clock points due away from the faults were applied "
              f"within {QUIET_LATE_MS} ms (p50 {percentile(lates, 50)} ms, p99 "
              f"{percentile(lates, 99)} ms, max {max(lates) if lates else 0} ms)",
              not slow, f"{len(slow)} late:\n" + "\n".join(slow[:10]))


def check_cluster(tap, nodes, limit=15.0):
    """GET /v1/cluster on each instance: the three alive, the 64 shards split among
    them, each exactly once, the same seen from each."""
    want = {n.name: n.pid for n in nodes}
    t0 = time.monotonic()
    bodies = {}
    problems = ["no answer yet"]
    while time.monotonic() - t0 < limit:
        bodies = {n.name: n.api("GET", "/v1/cluster") for n in nodes}
        problems = cluster_problems(bodies, want)
        if not problems:
            break
        time.sleep(0.2)
    took = time.monotonic() - t0
    detail = "\n".join(problems[:12] + [f"{k}: {v[0]} {json.dumps(v[1])[:900]}"
                                        for k, v in bodies.items()])
    tap.check("GET /v1/cluster on each instance: store postgresql, its own name, shards 64, "
              "lease_ms, the 3 instances alive (names and pids), `self` on the one asked, "
              "heartbeats younger than the lease, the 64 shards each owned exactly once, "
              f"by an instance each owning some, the same seen from each ({took:.1f} s)",
              not problems, detail)
    b = bodies.get(nodes[0].name, (None, None))[1]
    if isinstance(b, dict):
        tap.note("cluster: " + "; ".join(
            f"{i.get('instance')} pid {i.get('pid')} shards {len(i.get('shards') or [])}"
            for i in b.get("instances") or []))


def cluster_problems(bodies, want):
    out = []
    views = {}
    for name, (st, b) in bodies.items():
        if st != 200 or not isinstance(b, dict):
            out.append(f"{name}: GET /v1/cluster answered {st}: {str(b)[:300]}")
            continue
        if b.get("store") != "postgresql" or b.get("instance") != name or \
                b.get("shards") != SHARDS or not isinstance(b.get("lease_ms"), int):
            out.append(f"{name}: store/instance/shards/lease_ms: {b.get('store')} "
                       f"{b.get('instance')} {b.get('shards')} {b.get('lease_ms')}")
        insts, owned = cluster_view(b)
        got = {i.get("instance"): i.get("pid") for i in insts}
        if got != want or len(insts) != len(want):
            out.append(f"{name}: instances {got}, expected {want}")
        selfs = [i.get("instance") for i in insts if i.get("self")]
        if selfs != [name]:
            out.append(f"{name}: self on {selfs}")
        lease = b.get("lease_ms") or 3000
        for i in insts:
            try:
                age = now_ms() - ms_of(i.get("heartbeat_at"))
            except (TypeError, ValueError):
                age = None
            if age is None or age > lease:
                out.append(f"{name}: {i.get('instance')}'s heartbeat {i.get('heartbeat_at')} "
                           f"is {age} ms old")
            if not i.get("shards"):
                out.append(f"{name}: {i.get('instance')} owns no shard")
        if sorted(owned) != list(range(SHARDS)):
            c = collections.Counter(owned)
            out.append(f"{name}: shards owned {len(owned)}: twice "
                       f"{[s for s in c if c[s] > 1]}, none "
                       f"{[s for s in range(SHARDS) if s not in c]}")
        views[name] = {i.get("instance"): sorted(i.get("shards") or []) for i in insts}
    if len({json.dumps(v, sort_keys=True) for v in views.values()}) > 1:
        out.append("the instances disagree on who owns what: " + json.dumps(views)[:600])
    return out


def check_deadlocks(tap, uri, server_log):
    """The instances' transactions never deadlock: each deadlock stalls both for the
    server's deadlock_timeout (1 s) and fails one (its clocks late, its writes 503).
    The count is PostgreSQL's (pg_stat_database); the server's log says between what
    when the server is ours."""
    con = pg_connect(uri)
    try:
        cur = con.cursor()
        cur.execute("SELECT pg_stat_clear_snapshot()")
        cur.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = "
                    "current_database()")
        n = cur.fetchone()[0]
    finally:
        con.close()
    detail = "the server's log names the statements" if n else ""
    if n and server_log:
        try:
            with open(server_log, errors="replace") as f:
                lines = f.readlines()
            i = next(k for k, l in enumerate(lines) if "deadlock detected" in l)
            detail = "".join(lines[i:i + 6])
        except (OSError, StopIteration):
            pass
    tap.check(f"no deadlock between the instances' transactions (pg_stat_database: {n})",
              n == 0, detail)


def terminate_sessions(uri, pid):
    """pg_terminate_backend on the server sessions of the instance whose process is pid
    (named protocold/HOST/PID.START/CONN): how many."""
    con = pg_connect(uri)
    try:
        cur = con.cursor()
        cur.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                    "datname = current_database() AND pid <> pg_backend_pid() AND "
                    "application_name LIKE %s", (f"protocold/%/{pid}.%",))
        return cur.fetchone()[0]
    finally:
        con.close()


def check_shard_column(tap, uri):
    con = pg_ro(uri)
    try:
        has = con.execute("SELECT count(*) FROM information_schema.columns WHERE "
                          "table_name = 'protocols' AND column_name = 'shard'").fetchone()[0]
        if not has:
            tap.not_ok("protocols.shard exists (CLUSTER: shard = rid % 64)")
            return
        n, bad = con.execute("SELECT count(*), count(*) FILTER (WHERE shard <> rid % 64) "
                             "FROM protocols").fetchone()
        tap.eq(f"protocols.shard = rid % 64 on all {n} protocols (rows that differ)", 0, bad)
    finally:
        con.close()


# --- the test --------------------------------------------------------------------------

class Torture:
    def __init__(self, tap, nodes, uri, server_log=None):
        self.tap = tap
        self.server_log = server_log
        self.nodes = nodes
        self.uri = uri
        self.load = Load(nodes)
        self.windows = []          # (from, to) ms: clocks due then may be late (faults)
        self.takeovers = []        # seconds, kill -9
        self.rng = random.Random(SEED)

    def survivor(self, vi):
        return self.nodes[(vi + 1) % len(self.nodes)]

    def kill_round(self, r):
        tap, load = self.tap, self.load
        vi = r % len(self.nodes)
        victim = self.nodes[vi]
        due = now_ms() + HERD_AHEAD_MS
        label = f"k{r}"
        load.herd(label, due, HERD)
        made = load.wait_herd(label, HERD, (HERD_AHEAD_MS - 1200) / 1000)
        if made is None:
            tap.note(f"round {r + 1}: the herd was not all created {1.2:.1f} s before its "
                     f"instant ({load.herd_acked[label]}/{HERD}): the rest is settled by "
                     "its create")
        sleep_until(due + KILL_AT_MS[r])
        load.set_up(vi, False)
        old = victim.pid
        t_kill = now_ms()
        victim.kill9()
        took = None
        if RESTART_AT_ONCE[r]:
            time.sleep(0.2)
        else:
            took, last = wait_takeover(self.survivor(vi), old, 15)
            if took is None:
                tap.not_ok(f"round {r + 1}: {victim.name} (pid {old}) killed with -9: its "
                           "shards are taken over by the others",
                           f"last GET /v1/cluster: {last}\n{cluster_tables(self.uri)}")
            else:
                self.takeovers.append(took)
            time.sleep(self.rng.uniform(0.2, 1.0))
        victim.start()
        t_ready = now_ms()
        load.set_up(vi, True)
        joined, _ = wait_member(self.survivor(vi), victim.pid, REJOIN_MAX_S)
        self.windows.append((t_kill - 1000, t_ready + 2500 + int(1000 * (joined or 0))))
        tap.note(f"round {r + 1}: herd of {HERD} created in "
                 f"{'-' if made is None else f'{made:.2f}'} s; {victim.name} killed "
                 f"{KILL_AT_MS[r]:+d} ms from its instant; "
                 + ("restarted at once" if RESTART_AT_ONCE[r] else
                    f"shards taken over in {'-' if took is None else f'{took:.2f}'} s")
                 + f"; back {(t_ready - t_kill) / 1000:.2f} s after the kill, a member "
                   f"again after {'-' if joined is None else f'{joined:.2f}'} s")
        sleep_until(max(due + 1500, t_ready + 1500))

    def cutoff(self):
        tap, load = self.tap, self.load
        vi = ROUNDS % len(self.nodes)
        victim = self.nodes[vi]
        due = now_ms() + HERD_AHEAD_MS
        load.herd("sA", due, HERD)               # falls due as the instance stops
        load.herd("sB", due + 1500, HERD)        # falls due while it is stopped
        made = load.wait_herd("sA", HERD, 3) is not None and \
            load.wait_herd("sB", HERD, 1) is not None
        if not made:
            tap.note("the cut-off's herds were not all created in time: the rest is settled "
                     "by their create")
        sleep_until(due + 15)
        load.set_up(vi, False)
        pid = victim.pid
        os.kill(pid, signal.SIGSTOP)
        t_stop = now_ms()
        try:
            took, last = wait_takeover(self.survivor(vi), pid, STOP_S + 5)
            sleep_until(t_stop + 1000 * max(STOP_S, (took or 0) + 1))
        finally:
            os.kill(pid, signal.SIGCONT)
        t_cont = now_ms()
        stopped = (t_cont - t_stop) / 1000
        tap.check(f"cut-off: {victim.name} stopped (SIGSTOP) {stopped:.1f} s: the others "
                  f"took its shards over meanwhile (after "
                  f"{'-' if took is None else f'{took:.2f}'} s)", took is not None,
                  f"last GET /v1/cluster: {last}\n{cluster_tables(self.uri)}")
        ready = victim.d.wait_ready(REJOIN_MAX_S)
        tap.check(f"cut-off: {victim.name} resumed (SIGCONT) lives on and is ready again",
                  ready and victim.d.alive(), victim.d.log_tail(20))
        joined, last = wait_member(self.survivor(vi), pid, REJOIN_MAX_S)
        tap.check(f"cut-off: {victim.name} rejoins the cluster as a member (after "
                  f"{'-' if joined is None else f'{joined:.2f}'} s)", joined is not None,
                  f"last GET /v1/cluster: {last}\n{victim.d.log_tail(20)}")
        load.set_up(vi, True)
        self.windows.append((t_stop - 1000, now_ms() + 2500))
        time.sleep(4.0)
        tap.note(f"cut-off: {victim.name} stopped at its herd's instant +15 ms for "
                 f"{stopped:.1f} s; ready again {(now_ms() - t_cont) / 1000 - 4:.2f} s "
                 "after SIGCONT")

    def sessions_ended(self):
        """Another cut-off: every server session of one instance ended
        (pg_terminate_backend), three times 0.3 s apart, as a herd falls due, writes
        going on through all three: it must reconnect by itself and be a member again
        (taken over meanwhile or not), and fire nothing twice."""
        tap, load = self.tap, self.load
        vi = (ROUNDS + 1) % len(self.nodes)
        victim = self.nodes[vi]
        due = now_ms() + HERD_AHEAD_MS
        load.herd("tC", due, HERD)
        if load.wait_herd("tC", HERD, (HERD_AHEAD_MS - 1200) / 1000) is None:
            tap.note("the herd tC was not all created in time: the rest is settled by its "
                     "create")
        sleep_until(due - 20)
        t0 = now_ms()
        ended = 0
        for _ in range(3):
            ended += terminate_sessions(self.uri, victim.pid)
            time.sleep(0.3)
        ready = victim.d.wait_ready(REJOIN_MAX_S)
        joined, last = wait_member(self.survivor(vi), victim.pid, REJOIN_MAX_S)
        self.windows.append((t0 - 1000, now_ms() + 2500))
        tap.check(f"sessions ended: {victim.name}'s {ended} server sessions ended "
                  "(pg_terminate_backend ×3): it lives on, ready and a member again (after "
                  f"{(now_ms() - t0) / 1000:.2f} s)", ended > 0 and ready and
                  victim.d.alive() and joined is not None,
                  f"ready {ready}; last GET /v1/cluster: {last}\n{victim.d.log_tail(15)}")
        time.sleep(2.0)

    def quiesce(self, label):
        """Writers stopped: every clock due is applied, none left overdue."""
        self.load.halt()
        took, overdue = wait_idle(self.uri, IDLE_MAX_S)
        self.tap.check(f"{label}: writers stopped, every short clock ran out within "
                       f"{IDLE_MAX_S:.0f} s ({'-' if took is None else f'{took:.1f}'} s) and "
                       "none is left overdue (clock_next more than 1 s ago)",
                       took is not None and not overdue,
                       "\n".join(str(r) for r in overdue[:15]) + "\n" +
                       cluster_tables(self.uri))

    def report_answers(self, label):
        s = self.load.stats
        self.tap.check(f"{label}: every answer was a 2xx, 404, 409, 422 or 503 "
                       "database_unavailable", not self.load.others,
                       "\n".join(self.load.others[:15]))
        acks = {n.name: s[f"ack_on_{n.name}"] for n in self.nodes}
        self.tap.note(
            f"figures: {label}: {len(self.load.acks)} writes acknowledged (creates "
            f"{s['ack_create']}, actions {s['ack_action']}, events {s['ack_event']}; by "
            f"instance {acks}); {s['writes_sent']} writer requests, {s['unknown_outcome']} "
            f"cut (outcome unknown), {s['conn_refused']} refused connections; 409 "
            f"{s['refused_409']} / 404 {s['refused_404']} / 422 {s['refused_422']}; other "
            f"statuses {dict((k, v) for k, v in s.items() if k.startswith('status_'))}; "
            f"reader pages {s['feed_pages']}, "
            f"{dict((k, v) for k, v in s.items() if k.startswith('feed_') and k != 'feed_pages')}")

    def run(self):
        tap = self.tap
        t0 = time.time()
        self.load.start()
        time.sleep(1.5)
        for r in range(ROUNDS):
            self.kill_round(r)
        label = f"after {ROUNDS} kill -9 rounds"
        self.quiesce(label)
        self.report_answers(label)
        tap.check(f"{label}: each instance killed came back ({ROUNDS} restarts)",
                  all(n.d.alive() for n in self.nodes))
        if self.takeovers:
            tap.check(f"{label}: shards of a killed instance taken over within "
                      f"{TAKEOVER_MAX_S:.0f} s (p50 {percentile(self.takeovers, 50):.2f} s, "
                      f"max {max(self.takeovers):.2f} s over {len(self.takeovers)} kills)",
                      max(self.takeovers) <= TAKEOVER_MAX_S, str(self.takeovers))
        check_feeds(tap, self.nodes, label)
        facts = check_db(tap, self.uri, self.load, label, integrity=False)
        check_herds(tap, self.load, facts, self.load.herds, label, TAKEOVER_MAX_S * 1000)
        check_quiet_lateness(tap, facts, self.windows, label)
        tap.note(f"kill -9 phase: {time.time() - t0:.1f} s")

        t1 = time.time()
        n_herds = len(self.load.herds)
        self.load.start()
        time.sleep(1.5)
        self.cutoff()
        self.sessions_ended()
        label = "after the cut-offs"
        self.quiesce(label)
        self.report_answers(label)
        check_feeds(tap, self.nodes, label)
        check_cluster(tap, self.nodes)
        check_shard_column(tap, self.uri)
        for k, n in enumerate(self.nodes):
            old = n.pid
            rc = n.d.stop()
            tap.eq(f"{n.name} exits 0 on SIGTERM", 0, rc)
            rep = n.d.sanitizer_report()
            tap.check(f"{n.name}: no sanitizer report in its log", rep == "", rep)
            if k + 1 < len(self.nodes):
                took, last = wait_takeover(self.nodes[k + 1], old, 5)
                tap.check(f"{n.name} stopped cleanly: the others own its shards at once "
                          f"({'-' if took is None else f'{took:.2f}'} s after its exit)",
                          took is not None and took <= 1.0, f"last GET /v1/cluster: {last}")
        facts = check_db(tap, self.uri, self.load, label + " (instances stopped)",
                         integrity=True)
        check_herds(tap, self.load, facts, self.load.herds[n_herds:], label, None)
        check_herds(tap, self.load, facts, self.load.herds[:n_herds], "the kill -9 herds, "
                    "again", None)
        check_quiet_lateness(tap, facts, self.windows, label)
        check_deadlocks(tap, self.uri, self.server_log)
        tap.note(f"cut-off phase: {time.time() - t1:.1f} s; figures: {facts['protocols']} "
                 f"protocols, {len(facts['entries_list'])} history entries, "
                 f"{facts['expiries']} expiries + {facts['warnings']} warnings applied")


def sleep_until(ms):
    d = (ms - now_ms()) / 1000
    if d > 0:
        time.sleep(d)


def test(tap):
    base = os.environ.get("PROTOCOLD_PG", "")
    if base == "off":
        tap.skip("three protocold instances on one PostgreSQL database", "PROTOCOLD_PG=off")
        return
    if not base and not os.path.exists(os.path.join(PG_BIN, "initdb")):
        tap.skip("three protocold instances on one PostgreSQL database",
                 f"no PostgreSQL 15 in {PG_BIN} (Debian package postgresql-15)")
        return
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        tap.skip("three protocold instances on one PostgreSQL database",
                 "python3-psycopg2 is not installed")
        return
    t_start = time.time()
    tap.note(f"seed {SEED} ({'long' if LONG else 'short'} mode): {NODES} instances, "
             f"{WRITERS} writers, {ROUNDS} kill -9 rounds, herds of {HERD}")
    srv = PgServer(base)
    parent = tempfile.mkdtemp(prefix="pd-cluster.", dir=os.environ.get("TMPDIR", "/tmp"))
    nodes = []
    dbname = None
    torture = None
    try:
        srv.start()
        dbname = pg_new_name("cluster")
        uri = pg_createdb(srv.base, dbname)
        tap.note(f"server {srv.base} ready in {time.time() - t_start:.1f} s; database "
                 f"{dbname}")
        for i in range(NODES):
            nodes.append(Node(tap, parent, i, uri))
        for n in nodes:
            n.start()
        tap.ok(f"{NODES} instances started on one database ("
               + ", ".join(f"{n.name} pid {n.pid}" for n in nodes) + ")")
        torture = Torture(tap, nodes, uri,
                          srv.dir and os.path.join(srv.dir, "server.log"))
        torture.run()
        tap.note(f"figures: whole test {time.time() - t_start:.1f} s")
    finally:
        if torture is not None:
            torture.load.halt()
        for n in nodes:
            if n.d.alive():
                n.d.kill9()
        keep = bool(tap.fails or os.environ.get("TORTURE_KEEP"))
        if keep:
            tap.note(f"kept {parent} for inspection (each instance's config and "
                     "daemon.log under api-N/)")
            for n in nodes:
                tap.note(f"{n.name}'s log tail:")
                tap.note(n.d.log_tail(15))
            if dbname:
                tap.note(f"kept the database {dbname} on {srv.base}")
            if srv.dir:
                tap.note(f"kept the server's directory {srv.dir} (its log: server.log)")
        else:
            shutil.rmtree(parent, ignore_errors=True)
            if dbname:
                try:
                    pg_dropdb(srv.base, dbname)
                except Exception as e:  # noqa: BLE001 — the server may be gone: say so
                    tap.note(f"could not drop the database {dbname}: {e}")
        srv.stop(keep)


if __name__ == "__main__":
    main_guard(test)
