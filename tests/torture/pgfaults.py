"""Issue 23, item 3: protocold on PostgreSQL when the server goes away.

On a server of its own (tests/pgtmp.sh in the test's directory), with --test-clock:

1. The server stopped (pg_ctl stop -m fast): every write answers 503
   database_unavailable within WRITE_MAX_S (no hang); /v1/health/ready is 503 and says
   why, /v1/health/live and /v1/version answer 200; the reads that need the database
   answer 503 database_unavailable at once, the others answer. The test clock moved
   on while the server is down (POST /v1/clock answers 503, at once or after its bound).
2. The server started again: ready is 200 within READY_MAX_S without any help, writes
   succeed, and the clock points that fell due while it was down are applied once.
3. The server stopped with -m immediate while clients write, then started: the same.
4. The daemon's sessions killed with pg_terminate_backend, again and again, while
   clients write: every answer is a 2xx or a quick 503, and it recovers by itself.
   Then its sessions frozen (SIGSTOP): a write gets 503 within ANSWER_MAX_S, the next
   at once; thawed, it is back by itself and kept nothing it refused.
5. Nothing acknowledged is lost: a ledger of every 2xx write (protocol, version, what)
   is checked against the tables through psql; the feed has no gap; after a clean stop
   the database is checked whole (dbcheck.py, amcheck).
6. A database whose schema version is newer than the binary is refused at start: a
   non-zero exit with a message that says so.

PROTOCOLD_PG=off skips it. Debian's /usr/bin/python3 and python3-psycopg2.
"""

import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torture import CAUSES, PG_BIN, ROOT, Client, Daemon, feed_all, main_guard, \
    ms_of, pg_connect, pg_schema, rfc3339  # noqa: E402
import dbcheck  # noqa: E402

H = 3600 * 1000
T0 = "2026-11-23T12:00:00-03:00"        # a Monday
WRITE_MAX_S = 1.0                       # a write while the server is down: 503 by then
READY_MAX_S = 5.0                       # the server back: ready 200 by then
# A write whose commit was on its way when the server went (in doubt) is answered once
# the server is back and has said what became of it (doc/postgresql.md): by then.
DOUBT_MAX_S = 10.0
CLOCK_MAX_S = 35.0                      # POST /v1/clock: its bound (30 s) and some
PGTMP = os.path.join(ROOT, "tests", "pgtmp.sh")
DL = {"response": 48 * H, "response_critical": 24 * H, "photos_wait": 48 * H}


class Server:
    """The test's own throw-away PostgreSQL: it is stopped and started at will."""

    def __init__(self, dirpath):
        self.dir = dirpath
        self.base = None

    def start(self):
        r = subprocess.run(["sh", PGTMP, "start", self.dir], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"tests/pgtmp.sh start: {r.stderr.strip()}")
        self.base = r.stdout.strip()
        return self.base

    def stop(self, mode="fast"):
        subprocess.run(["sh", PGTMP, "stop", self.dir, mode], capture_output=True)

    def psql(self, uri, sql):
        """Rows of sql on uri through psql, each a list of text fields."""
        r = subprocess.run([os.path.join(PG_BIN, "psql"), "-X", "-q", "-At", "-F", "\t",
                            "-v", "ON_ERROR_STOP=1", "-d", uri, "-c", sql],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"psql: {r.stderr.strip()}")
        return [line.split("\t") for line in r.stdout.splitlines()]


def timed(sock, method, path, body=None, timeout=10.0):
    """(status, body, seconds) of one request on a connection of its own; status None
    when no answer came within timeout (a hang)."""
    c = Client(sock, timeout=timeout)
    t = time.monotonic()
    try:
        st, b = c.api(method, path, body)
    except (OSError, http.client.HTTPException) as e:
        st, b = None, f"no answer: {type(e).__name__} {e}"
    finally:
        c.close()
    return st, b, time.monotonic() - t


def code_of(body):
    return body.get("code") if isinstance(body, dict) else None


class Ledger:
    """Every acknowledged (2xx) write: (protocol, version, cause, name)."""

    def __init__(self):
        self.acks = []
        self.lock = threading.Lock()

    def add(self, pid, body, cause, name):
        with self.lock:
            self.acks.append((pid, body["version"], cause, name))


def write(d, ledger, what, pid, body=None):
    """A write of kind what (create, action, event) on the daemon: (status, body, s)."""
    path = {"create": "/v1/protocols", "action": f"/v1/protocols/{pid}/actions",
            "event": f"/v1/protocols/{pid}/events"}[what]
    if what == "create":
        body = dict({"id": pid, "seller": "S1"}, **(body or {}))
    st, b, s = timed(d.sock, "POST", path, body)
    if st is not None and 200 <= st < 300:
        name = "create" if what == "create" else body.get(what)
        ledger.add(pid, b, what, name)
    return st, b, s


def wait_ready(d, limit):
    """Seconds until /v1/health/ready answers 200 (None: not within limit)."""
    t = time.monotonic()
    while time.monotonic() - t < limit:
        st, _, _ = timed(d.sock, "GET", "/v1/health/ready", timeout=2)
        if st == 200:
            return time.monotonic() - t
        time.sleep(0.05)
    return None


def down_checks(tap, d, ledger):
    """The server is down: writes, health and reads."""
    slow = []
    bad = []
    for what, pid, body in (("create", "X1", None), ("create", "X2", {"critical": True}),
                            ("action", "P5", {"action": "request_photos"}),
                            ("event", "P0", {"event": "customer_replied"})):
        st, b, s = write(d, ledger, what, pid, body)
        if (st, code_of(b)) != (503, "database_unavailable"):
            bad.append(f"{what} {pid}: {st} {b}")
        if s > WRITE_MAX_S:
            slow.append(f"{what} {pid}: {s:.2f} s")
    st, b, s = timed(d.sock, "PUT", "/v1/sellers/S1", {"envvias": True})
    if (st, code_of(b)) != (503, "database_unavailable"):
        bad.append(f"PUT seller: {st} {b}")
    if s > WRITE_MAX_S:
        slow.append(f"PUT seller: {s:.2f} s")
    tap.check("server stopped: creates, actions, events and seller writes answer 503 "
              "database_unavailable", not bad, "\n".join(bad))
    tap.check(f"…each within {WRITE_MAX_S} s (no hang)", not slow, "\n".join(slow))
    st, b, s = timed(d.sock, "GET", "/v1/health/ready")
    why = b.get("detail", "") if isinstance(b, dict) else str(b)
    tap.check("server stopped: /v1/health/ready is 503 and says why (the database)",
              st == 503 and "database" in why.lower() and s <= WRITE_MAX_S,
              f"{st} in {s:.2f} s: {b}")
    tap.note(f"ready says: {why}")
    for path in ("/v1/health/live", "/v1/version"):
        st, b, s = timed(d.sock, "GET", path)
        tap.check(f"server stopped: GET {path} answers 200 at once", st == 200 and
                  s <= WRITE_MAX_S, f"{st} in {s:.2f} s: {b}")
    bad = []
    for path in ("/v1/protocols/P1", "/v1/protocols/P1/history", "/v1/protocols?limit=5",
                 "/v1/events?after=0", "/v1/sellers/S1"):
        st, b, s = timed(d.sock, "GET", path)
        if (st, code_of(b)) != (503, "database_unavailable") or s > WRITE_MAX_S:
            bad.append(f"GET {path}: {st} in {s:.2f} s: {b}")
    tap.check("server stopped: reads of the database (protocol, history, list, feed, "
              "seller) answer 503 database_unavailable at once", not bad, "\n".join(bad))
    seen = []
    for path in ("/v1/stats", "/metrics", "/v1/clock"):
        st, b, s = timed(d.sock, "GET", path)
        seen.append(f"{path} {st} in {s:.2f} s")
        ok = s <= WRITE_MAX_S and (st == 200 or (st == 503 and
                                                 code_of(b) == "database_unavailable"))
        if not ok:
            bad.append(f"GET {path}: {st} in {s:.2f} s: {str(b)[:300]}")
    tap.check("server stopped: stats, metrics and the clock answer at once (200, or 503 "
              "database_unavailable)", not bad, "\n".join(bad))
    tap.note("while down: " + "; ".join(seen))


def clock_while_down(tap, d):
    """Move the test clock 49 h on while the server is down: 503 (at once or after its
    bound). The new instant: T0 + 49 h."""
    target = ms_of(T0) + 49 * H
    st, b, s = timed(d.sock, "POST", "/v1/clock", {"now": rfc3339(target)},
                     timeout=CLOCK_MAX_S + 5)
    tap.check(f"server stopped: POST /v1/clock answers 503 database_unavailable within "
              f"its bound ({s:.1f} s)", st == 503 and code_of(b) == "database_unavailable"
              and s <= CLOCK_MAX_S, f"{st} in {s:.1f} s: {b}")
    return target


def due_points(target):
    """The points due by target of the protocols made before the stop (make_before):
    {protocol: [(cause, name, due_at)]}."""
    t0 = ms_of(T0)
    out = {}
    for i in range(20):
        pid = f"P{i}"
        if i < 5:               # awaiting photos since T0
            out[pid] = [("expiry", "photos_wait", t0 + DL["photos_wait"])]
            continue
        due = t0 + (DL["response_critical"] if i % 4 == 1 else DL["response"])
        out[pid] = [("warning", "response", due - 4 * H), ("expiry", "response", due)]
    return {k: [p for p in v if p[2] <= target] for k, v in out.items()}


def check_points_once(tap, d, target, label):
    """Every point due by target is in each protocol's history exactly once, at or
    after its due instant."""
    bad = []
    for pid, points in due_points(target).items():
        st, b, _ = timed(d.sock, "GET", f"/v1/protocols/{pid}/history")
        if st != 200:
            bad.append(f"{pid}: history {st}")
            continue
        got = [(e["cause"], e["name"], ms_of(e.get("due_at"))) for e in b["items"]
               if e["cause"] in ("expiry", "warning")]
        for p in points:
            if got.count(p) != 1:
                bad.append(f"{pid}: {p[0]}:{p[1]} due {rfc3339(p[2])} ×{got.count(p)}")
    n = sum(len(v) for v in due_points(target).values())
    tap.check(f"{label}: the {n} clock points due by then are applied, each once", not bad,
              "\n".join(bad[:10]))


def wait_points(d, target, limit):
    """Wait (at most limit s) until the last protocol's points due by target show."""
    end = time.monotonic() + limit
    want = len(due_points(target)["P19"])
    while time.monotonic() < end:
        st, b, _ = timed(d.sock, "GET", "/v1/protocols/P19/history")
        if st == 200 and sum(e["cause"] in ("expiry", "warning") for e in b["items"]) >= want:
            return True
        time.sleep(0.1)
    return False


class Load:
    """Clients that create protocols and act on them while the server misbehaves:
    every answer must be a 2xx or a quick 503 database_unavailable."""

    def __init__(self, d, ledger, tag, clients=4):
        self.d = d
        self.ledger = ledger
        self.tag = tag
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.stats = {"2xx": 0, "503": 0, "other": [], "slow503": [], "hangs": 0,
                      "max_s": 0.0, "doubt": []}
        self.threads = [threading.Thread(target=self.run, args=(i,)) for i in range(clients)]

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join()

    def note(self, st, b, s, what):
        with self.lock:
            self.stats["max_s"] = max(self.stats["max_s"], s)
            if st is None:
                self.stats["hangs"] += 1
            elif 200 <= st < 300:
                self.stats["2xx"] += 1
            elif st == 503 and code_of(b) == "database_unavailable":
                self.stats["503"] += 1
                doubt = "during the commit" in str(b.get("detail", ""))
                if s > (DOUBT_MAX_S if doubt else WRITE_MAX_S):
                    self.stats["slow503"].append(f"{what} {s:.2f} s")
                elif s > WRITE_MAX_S:
                    self.stats["doubt"].append(f"{what} {s:.2f} s")
            else:
                self.stats["other"].append(f"{what}: {st} {str(b)[:200]}")

    def run(self, ci):
        n = 0
        while not self.stop.is_set():
            pid = f"{self.tag}{ci}-{n}"
            n += 1
            st, b, s = write(self.d, self.ledger, "create", pid)
            self.note(st, b, s, f"create {pid}")
            if st == 201 and n % 2 == 0:
                st, b, s = write(self.d, self.ledger, "action", pid,
                                 {"action": "request_photos"})
                self.note(st, b, s, f"request_photos {pid}")
            if st is not None and st >= 500:
                time.sleep(0.02)

    def report(self, tap, label):
        s = self.stats
        tap.check(f"{label}: every answer is a 2xx or 503 database_unavailable "
                  f"({s['2xx']} 2xx, {s['503']} 503)", not s["other"] and s["2xx"] > 0,
                  "\n".join(s["other"][:10]) or "no write succeeded")
        tap.check(f"{label}: no request hung, every 503 came within {WRITE_MAX_S} s, or "
                  f"within {DOUBT_MAX_S:.0f} s for a commit in doubt ({len(s['doubt'])}; "
                  f"slowest answer {s['max_s']:.2f} s)", not s["hangs"] and
                  not s["slow503"], f"{s['hangs']} hangs; slow: {s['slow503'][:10]}")


def terminate_sessions(uri):
    """pg_terminate_backend on every session of the daemon's database: how many."""
    con = pg_connect(uri)
    try:
        cur = con.cursor()
        cur.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND backend_type = 'client backend'")
        return cur.fetchone()[0]
    finally:
        con.close()


def back_up(tap, d, label):
    """After a fault: ready 200 within READY_MAX_S by itself, and a write succeeds."""
    took = wait_ready(d, READY_MAX_S + 5)
    tap.check(f"{label}: the daemon reconnects by itself: ready 200 within {READY_MAX_S} "
              f"s ({'never' if took is None else f'{took:.2f} s'})",
              took is not None and took <= READY_MAX_S, d.log_tail(15))
    return took


def check_ledger(tap, srv, d, ledger):
    """Every acknowledged write is in the tables, checked through psql."""
    schema = srv.psql(d.db, "SELECT table_schema FROM information_schema.tables WHERE "
                      "table_name = 'protocols' AND table_schema NOT IN ('pg_catalog', "
                      "'information_schema') ORDER BY table_schema = 'public' LIMIT 1")
    prefix = f"SET search_path TO {schema[0][0]}, public; " if schema else ""
    rows = srv.psql(d.db, prefix + "SELECT p.id, p.version, h.cause, h.name FROM protocols "
                    "p JOIN history h ON h.rid = p.rid ORDER BY h.seq")
    bumps = {}
    version = {}
    for pid, v, cause, name in rows:
        cause = CAUSES[int(cause)] if cause.isdigit() else cause
        version[pid] = int(v)
        if cause != "warning":
            bumps.setdefault(pid, []).append((cause, name))
    lost = []
    for pid, v, cause, name in ledger.acks:
        b = bumps.get(pid, [])
        if pid not in version:
            lost.append(f"{pid}: acknowledged {cause} {name} v{v}, no such row")
        elif version[pid] < v or len(b) < v or b[v - 1] != (cause, name):
            lost.append(f"{pid}: acknowledged {cause} {name} v{v}; the tables have "
                        f"version {version[pid]}, changes {b}")
    tap.check(f"0 acknowledged writes lost: the {len(ledger.acks)} of the ledger are in "
              "the tables (psql), each with its version", not lost, "\n".join(lost[:10]))
    seqs = srv.psql(d.db, prefix + "SELECT count(*), coalesce(min(seq), 0), "
                    "coalesce(max(seq), 0) FROM history")[0]
    n, lo, hi = (int(x) for x in seqs)
    tap.check(f"history seqs 1..{hi} without a gap (psql)", n == hi and lo in (0, 1),
              f"{n} entries, seq {lo}..{hi}")


def make_before(tap, d, ledger):
    """20 protocols at T0: P0-P4 awaiting photos, the others pending (every fourth from
    P1 critical)."""
    bad = []
    for i in range(20):
        st, b, _ = write(d, ledger, "create", f"P{i}",
                         {"critical": True} if i % 4 == 1 else None)
        if st != 201:
            bad.append(f"create P{i}: {st} {b}")
        if i < 5:
            st, b, _ = write(d, ledger, "action", f"P{i}", {"action": "request_photos"})
            if st != 200:
                bad.append(f"request_photos P{i}: {st} {b}")
    tap.check("server up: 20 protocols made (5 awaiting photos)", not bad, "\n".join(bad))


def phase_stop_fast(tap, srv, d, ledger):
    srv.stop("fast")
    down_checks(tap, d, ledger)
    target = clock_while_down(tap, d)
    srv.start()
    back_up(tap, d, "server started again")
    st, b, _ = timed(d.sock, "POST", "/v1/protocols", {"id": "Y1", "seller": "S1"})
    if st == 201:
        ledger.add("Y1", b, "create", "create")
    tap.eq("server started again: a create succeeds", 201, st)
    st, b, _ = timed(d.sock, "GET", "/v1/clock")
    now = ms_of(b.get("now")) if st == 200 and isinstance(b, dict) else None
    if now == target:
        tap.note("the clock kept the instant it was moved to while the server was down")
        applied = wait_points(d, target, READY_MAX_S)
        tap.check("…and the points that fell due meanwhile are applied by themselves",
                  applied, d.log_tail(10))
    else:
        tap.note(f"the clock stayed at {b} (the refused request changed nothing): moving "
                 "it again")
        st, b, _ = timed(d.sock, "POST", "/v1/clock", {"now": rfc3339(target)}, timeout=40)
        tap.eq("…and moving it after the reconnect answers 200", 200, st)
    check_points_once(tap, d, target, "after the reconnect")
    return target


def phase_stop_immediate(tap, srv, d, ledger):
    with Load(d, ledger, "I") as load:
        time.sleep(1.0)
        srv.stop("immediate")
        time.sleep(1.5)
        srv.start()
        time.sleep(0.2)
        back_up(tap, d, "server stopped -m immediate under load and started")
        time.sleep(1.0)
    load.report(tap, "server stopped -m immediate under load")


def phase_terminate(tap, d, ledger):
    kills = 0
    with Load(d, ledger, "K") as load:
        time.sleep(0.5)
        for _ in range(8):
            kills += terminate_sessions(d.db)
            time.sleep(0.3)
        back_up(tap, d, "sessions killed (pg_terminate_backend)")
        time.sleep(0.5)
    tap.note(f"{kills} sessions of the daemon terminated in 8 rounds")
    load.report(tap, f"pg_terminate_backend ×{kills} under load")
    st, b, _ = timed(d.sock, "POST", "/v1/protocols", {"id": "Y2", "seller": "S1"})
    if st == 201:
        ledger.add("Y2", b, "create", "create")
    tap.eq("after the terminations: a create succeeds", 201, st)


ANSWER_MAX_S = 12.0  # a server that stops answering is given up after 10 s (pgconn.c)


def session_pids(uri):
    """The server processes of the daemon's sessions (application_name protocold/…)."""
    con = pg_connect(uri)
    try:
        cur = con.cursor()
        cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND application_name LIKE 'protocold/%'")
        return [r[0] for r in cur.fetchall()]
    finally:
        con.close()


def phase_frozen(tap, d, ledger):
    """The daemon's sessions frozen (SIGSTOP: a host that stops answering without closing
    the connection): a write gets 503 within ANSWER_MAX_S, the next ones at once; once
    they thaw, the daemon is back by itself and nothing it refused was kept."""
    pids = session_pids(d.db)
    tap.check(f"the daemon's sessions are named protocold/HOST/PID.START ({len(pids)})",
              len(pids) >= 2, str(pids))
    for p in pids:
        os.kill(p, signal.SIGSTOP)
    try:
        st, b, s1 = timed(d.sock, "POST", "/v1/protocols", {"id": "Z1", "seller": "S1"},
                          timeout=ANSWER_MAX_S + 5)
        st2, b2, s2 = timed(d.sock, "POST", "/v1/protocols", {"id": "Z2", "seller": "S1"})
    finally:
        for p in pids:
            os.kill(p, signal.SIGCONT)
    tap.check(f"sessions frozen: a write answers 503 database_unavailable within "
              f"{ANSWER_MAX_S:.0f} s ({st} in {s1:.1f} s), the next at once ({st2} in "
              f"{s2:.2f} s)", st == 503 and code_of(b) == "database_unavailable" and
              s1 <= ANSWER_MAX_S and st2 == 503 and s2 <= WRITE_MAX_S, f"{b} {b2}")
    back_up(tap, d, "sessions frozen, then thawed")
    time.sleep(0.5)
    for pid in ("Z1", "Z2"):
        st, _, _ = timed(d.sock, "GET", f"/v1/protocols/{pid}")
        tap.eq(f"sessions thawed: {pid}, refused with a 503, was not kept", 404, st)


def due_fn(kind, p, start):
    if kind == "response":
        return start + (DL["response_critical"] if p.critical else DL["response"])
    return start + DL[kind] if kind in DL else None


# --- a schema newer than the binary ----------------------------------------------------

def bump_schema_version(uri):
    """Raise the schema version the store keeps by 1000: what was changed. Where the
    store keeps it is found by its shape (a version column of a table of its own, or a
    version key in a key-value table); PGFAULTS_SCHEMA_BUMP (SQL) overrides."""
    con = pg_connect(uri)
    cur = con.cursor()
    try:
        schema = pg_schema(con) or "public"
        cur.execute("SET search_path TO %s, public", (schema,))
        sql = os.environ.get("PGFAULTS_SCHEMA_BUMP")
        if sql:
            cur.execute(sql)
            return f"PGFAULTS_SCHEMA_BUMP: {cur.rowcount} rows"
        cur.execute("SELECT table_name, column_name, data_type FROM information_schema."
                    "columns WHERE table_schema = %s ORDER BY table_name, ordinal_position",
                    (schema,))
        cols = {}
        for t, c, ty in cur.fetchall():
            cols.setdefault(t, {})[c] = ty
        for t, c in sorted(cols.items(), key=lambda tc: "schema" not in tc[0]):
            if t in ("protocols", "history") or "version" not in c:
                continue
            if c["version"] in ("integer", "bigint", "smallint"):
                cur.execute(f'UPDATE "{t}" SET version = version + 1000')
                if cur.rowcount:
                    return f"{t}.version + 1000 ({cur.rowcount} rows)"
        for t, c in cols.items():
            keys = [k for k in c if c[k] in ("text", "character varying")]
            if len(c) != 2 or not keys:
                continue
            k = keys[0]
            v = next(x for x in c if x != k)
            cur.execute(f'SELECT "{k}", "{v}" FROM "{t}" WHERE "{k}" LIKE %s',
                        ("%version%",))
            for key, val in cur.fetchall():
                if isinstance(val, (bytes, memoryview)):
                    val = bytes(val).decode()
                if str(val).strip().isdigit():
                    new = int(str(val).strip()) + 1000
                    expr = {"bytea": "convert_to(%s, 'UTF8')", "integer": "%s::integer",
                            "bigint": "%s::bigint"}.get(c[v], "%s")
                    cur.execute(f'UPDATE "{t}" SET "{v}" = {expr} WHERE "{k}" = %s',
                                (str(new), key))
                    return f"{t}[{key}] {val} -> {new}"
        raise RuntimeError("cannot find where the store keeps its schema version (tables: "
                           + "; ".join(f"{t}({', '.join(c)})" for t, c in cols.items())
                           + "): set PGFAULTS_SCHEMA_BUMP")
    finally:
        con.close()


def phase_newer_schema(tap, d):
    what = bump_schema_version(d.db)
    tap.note(f"schema version raised: {what}")
    mark = os.path.getsize(d.log)
    d.start(test_clock=T0, wait=False)
    try:
        rc = d.proc.wait(15)
    except subprocess.TimeoutExpired:
        rc = None
        d.kill9()
    d.proc = None
    with open(d.log, errors="replace") as f:
        f.seek(mark)
        said = f.read()
    tap.check(f"a schema newer than the binary is refused at start (exit {rc}) with a "
              "message that says so", rc not in (None, 0) and
              re.search(r"newer|schema version", said, re.I), said[-600:])


def test(tap):
    if os.environ.get("PROTOCOLD_PG") == "off":
        tap.skip("protocold on PostgreSQL when the server goes away", "PROTOCOLD_PG=off")
        return
    t_start = time.time()
    srv = Server(tempfile.mkdtemp(prefix="pd-pgfaults-pg.",
                                  dir=os.environ.get("TMPDIR", "/tmp")))
    d = None
    try:
        base = srv.start()
        tap.note(f"server {base} started in {time.time() - t_start:.1f} s")
        d = Daemon(tap, "pgfaults", pg=base)
        d.write_config("log_transitions = debug")
        d.start(test_clock=T0)
        ledger = Ledger()
        make_before(tap, d, ledger)
        t = time.time()
        phase_stop_fast(tap, srv, d, ledger)
        tap.note(f"stop -m fast, the clock, the reconnect: {time.time() - t:.1f} s")
        phase_stop_immediate(tap, srv, d, ledger)
        phase_terminate(tap, d, ledger)
        phase_frozen(tap, d, ledger)
        feed = feed_all(d.client)
        seqs = [e["seq"] for e in feed]
        tap.check(f"GET /v1/events from 0: {len(seqs)} entries, seqs 1..N without a gap "
                  "or repeat", seqs == list(range(1, len(seqs) + 1)), str(seqs[:20]))
        d.finish()
        check_ledger(tap, srv, d, ledger)
        rep, facts = dbcheck.check_all(d.db, due_fn, 4 * H)
        tap.check(f"database: {facts['protocols']} protocols and {facts['entries']} history "
                  "entries agree (state, clock, version, no point twice, none early, none "
                  "skipped, amcheck)", not rep.n, rep.text())
        phase_newer_schema(tap, d)
        tap.note(f"figures: {len(ledger.acks)} acknowledged writes checked; "
                 f"{time.time() - t_start:.1f} s")
    finally:
        if d is not None:
            d.cleanup()
        srv.stop("immediate")
        if tap.fails or os.environ.get("TORTURE_KEEP"):
            tap.note(f"kept the server's directory {srv.dir} (its log: server.log)")
        else:
            shutil.rmtree(srv.dir, ignore_errors=True)


if __name__ == "__main__":
    main_guard(test)
