"""Shared by the torture tests (tests/torture/*.py): TAP output, a protocold in a temp
directory (config, socket, database, log), a small HTTP/1.1 client over the Unix socket
(blocking and asyncio), and read-only checks of the database after the daemon stopped.

The database is an SQLite file in the temp directory, or, when PROTOCOLD_PG is a
PostgreSQL server's URI (tests/run.sh sets it; tests/pgtmp.sh starts one), a database
made on that server for the Daemon and dropped by its cleanup().

Debian's /usr/bin/python3 standard library only, and python3-psycopg2 on PostgreSQL.
TORTURE=long selects the long mode.
"""

import asyncio
import datetime
import http.client
import itertools
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LONG = os.environ.get("TORTURE", "") == "long"
PROTOCOLD = os.environ.get("PROTOCOLD") or os.path.join(ROOT, "build", "protocold")
PROTOCOLCTL = os.environ.get("PROTOCOLCTL") or os.path.join(ROOT, "build", "protocolctl")
# A PostgreSQL server's URI (to its postgres database), or "" for SQLite.
PG_BASE = os.environ.get("PROTOCOLD_PG", "")
PG_BIN = os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin")

# The store's enums (daemon/proto.h), as the database keeps them.
STATES = ["pending", "awaiting", "closed", "unresolved", "mediation", "resolved"]
CLOCKS = ["none", "response", "photos_wait", "address_wait", "posting_wait", "pickup_wait",
          "letter_wait", "reply_window"]
CAUSES = ["create", "action", "event", "expiry", "warning"]
# The clock each waiting action starts (spec.md §4) and what each clock leads to (§3).
WAIT_OF_ACTION = {"request_photos": "photos_wait", "confirm_address": "address_wait",
                  "inform_posting_code": "posting_wait", "inform_pickup_date": "pickup_wait",
                  "request_cancellation_letter": "letter_wait"}
ACTION_OF_WAIT = {v: k for k, v in WAIT_OF_ACTION.items()}
NEXT_STATE = {"request_photos": "awaiting", "confirm_address": "awaiting",
              "inform_posting_code": "awaiting", "inform_pickup_date": "awaiting",
              "request_cancellation_letter": "awaiting", "message_customer": "closed",
              "approve_cancellation": "resolved", "cancel_sale": "resolved",
              "send_part": "resolved", "inform_carrier_pickup": "resolved",
              "inform_shipping": "resolved", "inform_new_delivery_date": "resolved"}
ON_EXPIRY = {"response": "mediation", "photos_wait": "pending", "address_wait": "pending",
             "posting_wait": "pending", "pickup_wait": "pending", "letter_wait": "pending",
             "reply_window": "resolved"}


class Tap:
    """TAP lines as tests/run.sh counts them: "ok - …", "not ok - …", "# …"."""

    def __init__(self):
        self.fails = 0
        self.oks = 0

    def ok(self, desc):
        self.oks += 1
        print(f"ok - {desc}", flush=True)

    def not_ok(self, desc, detail=None):
        self.fails += 1
        print(f"not ok - {desc}", flush=True)
        if detail:
            for line in str(detail).splitlines()[:40]:
                print(f"#   {line}", flush=True)

    def check(self, desc, cond, detail=None):
        if cond:
            self.ok(desc)
        else:
            self.not_ok(desc, detail)
        return bool(cond)

    def eq(self, desc, expected, actual):
        return self.check(desc, expected == actual,
                          f"expected {expected!r}\ngot      {actual!r}")

    def skip(self, desc, reason):
        self.oks += 1
        print(f"ok - {desc} # SKIP {reason}", flush=True)

    def note(self, msg):
        for line in str(msg).splitlines():
            print(f"# {line}", flush=True)


def ms_of(text):
    """An RFC 3339 instant (as the API writes it) in ms since the epoch."""
    if text is None:
        return None
    return round(datetime.datetime.fromisoformat(text).timestamp() * 1000)


def rfc3339(ms, offset_h=-3):
    """ms since the epoch as RFC 3339 in a fixed offset (São Paulo has no DST now)."""
    tz = datetime.timezone(datetime.timedelta(hours=offset_h))
    d = datetime.datetime.fromtimestamp(ms / 1000, tz)
    return d.isoformat(timespec="milliseconds" if ms % 1000 else "seconds")


def now_ms():
    return int(time.time() * 1000)


def percentile(values, p):
    if not values:
        return 0.0
    v = sorted(values)
    k = min(len(v) - 1, max(0, int(round(p / 100.0 * (len(v) - 1)))))
    return v[k]


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=30):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


class Client:
    """A blocking keep-alive client: api() returns (status, decoded JSON or text)."""

    def __init__(self, sock_path, timeout=60):
        self.path = sock_path
        self.timeout = timeout
        self.conn = None

    def close(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = None

    def raw(self, method, path, body=None, headers=None):
        data = None
        hdrs = dict(headers or {})
        if body is not None:
            data = body if isinstance(body, (bytes, bytearray)) else \
                json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = UnixHTTPConnection(self.path, self.timeout)
            try:
                self.conn.request(method, path, body=data, headers=hdrs)
                r = self.conn.getresponse()
                payload = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.close()
                return r.status, r.getheader("Content-Type", ""), payload
            except (http.client.RemoteDisconnected, BrokenPipeError,
                    ConnectionResetError, http.client.BadStatusLine):
                # A kept-alive connection the server closed (idle): once more, anew.
                self.close()
                if attempt:
                    raise
        raise RuntimeError("unreachable")

    def api(self, method, path, body=None):
        status, ctype, payload = self.raw(method, path, body)
        try:
            return status, json.loads(payload) if payload else None
        except ValueError:
            return status, payload.decode(errors="replace")


class Daemon:
    """protocold on a temp directory. The directory is removed by cleanup() unless the
    test failed (then it is kept and named)."""

    def __init__(self, tap, name="torture", binary=None, dirpath=None, pg=None):
        """pg: a PostgreSQL server's base URI (default PROTOCOLD_PG; "" for SQLite):
        the daemon gets a new database of its own there."""
        self.tap = tap
        self.binary = binary or PROTOCOLD
        self.dir = dirpath or tempfile.mkdtemp(prefix=f"pd-{name}.",
                                               dir=os.environ.get("TMPDIR", "/tmp"))
        self.sock = os.path.join(self.dir, "protocold.sock")
        self.pg = PG_BASE if pg is None else pg
        self.pg_name = None
        if self.pg:
            self.pg_name = pg_new_name(name)
            self.db = pg_createdb(self.pg, self.pg_name)
        else:
            self.db = os.path.join(self.dir, "protocold.db")
        self.conf = os.path.join(self.dir, "protocold.ini")
        self.log = os.path.join(self.dir, "daemon.log")
        self.proc = None
        self.client = Client(self.sock)
        self.starts = 0

    def write_config(self, daemon_extra="", rest=""):
        with open(self.conf, "w") as f:
            f.write(f"""[daemon]
database = {self.db}
socket = {self.sock}
socket_mode = 0660
timezone = America/Sao_Paulo
synchronous = full
{daemon_extra}

[calendar]
holidays = br-national

{rest}
""")

    def start(self, test_clock=None, env=None, wait=True, args=(), prefix=()):
        """prefix: a command that runs the daemon (e.g. setpriv … to change user)."""
        if not os.path.exists(self.conf):
            self.write_config()
        cmd = list(prefix) + [self.binary, "-c", self.conf]
        if test_clock is not None:
            cmd.append("--test-clock" + ("" if test_clock is True else "=" + test_clock))
        cmd += list(args)
        e = dict(os.environ)
        e.update(env or {})
        logf = open(self.log, "ab")
        self.proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT, env=e,
                                     stdin=subprocess.DEVNULL)
        logf.close()
        self.starts += 1
        if wait and not self.wait_ready():
            raise RuntimeError(f"protocold did not start (see {self.log}):\n" +
                               self.log_tail(20))
        return self.proc

    def wait_ready(self, timeout=20.0):
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                return False
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.settimeout(1)
                s.connect(self.sock)
                s.sendall(b"GET /v1/health/ready HTTP/1.1\r\nHost: x\r\n"
                          b"Connection: close\r\n\r\n")
                data = s.recv(64)
                s.close()
                if data.startswith(b"HTTP/1.1 200"):
                    return True
            except OSError:
                pass
            time.sleep(0.02)
        return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        self.client.close()
        if self.proc is not None:
            try:
                self.proc.send_signal(signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        self.proc = None

    def stop(self, timeout=60):
        """SIGTERM and wait: the exit status (None if it had to be killed)."""
        self.client.close()
        if self.proc is None:
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = None
        self.proc = None
        return rc

    def api(self, method, path, body=None):
        return self.client.api(method, path, body)

    def rss_kib(self):
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except (OSError, AttributeError):
            pass
        return -1

    def log_tail(self, n=40):
        try:
            with open(self.log, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def sanitizer_report(self):
        """The sanitizer lines of the log, or "" (checked once at the end)."""
        try:
            with open(self.log, errors="replace") as f:
                bad = [l for l in f if "Sanitizer" in l or "runtime error" in l]
        except OSError:
            return ""
        return "".join(bad[:20])

    def finish(self, stop=True):
        """Stop (SIGTERM, must exit 0: under ASan a leak makes it non-zero), check the
        log for sanitizer reports."""
        if stop and self.alive():
            rc = self.stop()
            self.tap.eq("protocold exits 0 on SIGTERM (LeakSanitizer reports at exit)",
                        0, rc)
        rep = self.sanitizer_report()
        self.tap.check("no sanitizer report in the daemon's log", rep == "", rep)

    def cleanup(self):
        if self.alive():
            self.kill9()
        if self.tap.fails or os.environ.get("TORTURE_KEEP"):
            self.tap.note(f"kept {self.dir} for inspection; daemon log tail:")
            self.tap.note(self.log_tail(40))
            if self.pg_name:
                self.tap.note(f"kept the database {self.db}")
                return
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        if self.pg_name:
            try:
                pg_dropdb(self.pg, self.pg_name)
            except Exception as e:  # noqa: BLE001 — the server may be gone: say so only
                self.tap.note(f"could not drop the database {self.pg_name}: {e}")


# --- the database, SQLite or PostgreSQL --------------------------------------------

def is_pg(db):
    """Whether a `database` value names a PostgreSQL database (a libpq URI)."""
    return isinstance(db, str) and db.startswith(("postgresql://", "postgres://"))


def pg_uri(base, name):
    """The URI base with name as its database."""
    head, sep, query = base.partition("?")
    return head.rsplit("/", 1)[0] + "/" + name + sep + query


_pg_names = itertools.count(1)


def pg_new_name(label):
    """A database name unique on the server: pd_<label>_<pid>_<n>, lower case."""
    safe = re.sub(r"[^a-z0-9]", "_", label.lower())[:30]
    return f"pd_{safe}_{os.getpid()}_{next(_pg_names)}"


def pg_connect(uri, readonly=False):
    import psycopg2   # Debian's python3-psycopg2; only needed on PostgreSQL
    con = psycopg2.connect(uri)
    con.set_session(readonly=readonly, autocommit=True)
    return con


def pg_createdb(base, name):
    """Make the database name on the server base: its URI."""
    con = pg_connect(base)
    try:
        con.cursor().execute(f"CREATE DATABASE {name}")
    finally:
        con.close()
    return pg_uri(base, name)


def pg_dropdb(base, name):
    con = pg_connect(base)
    try:
        con.cursor().execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        con.close()


def pg_schema(con):
    """The schema that holds the store's tables (the one with `protocols`), or None."""
    cur = con.cursor()
    cur.execute("SELECT table_schema FROM information_schema.tables "
                "WHERE table_name = 'protocols' AND table_schema NOT IN "
                "('pg_catalog', 'information_schema') ORDER BY table_schema = 'public'")
    row = cur.fetchone()
    return row[0] if row else None


class PgRO:
    """A read-only PostgreSQL connection with sqlite3's execute(): rows of the store's
    tables, wherever its schema is (search_path)."""

    def __init__(self, uri):
        self.con = pg_connect(uri, readonly=True)
        schema = pg_schema(self.con)
        if schema is not None:
            self.con.cursor().execute("SET search_path TO %s, public", (schema,))

    def execute(self, sql, args=()):
        cur = self.con.cursor()
        cur.execute(sql, args or None)
        return cur

    def has_table(self, name):
        return self.execute("SELECT to_regclass(%s) IS NOT NULL", (name,)).fetchone()[0]

    def close(self):
        self.con.close()


def db_ro(db):
    """A read-only connection (the daemon is stopped: it never writes the database):
    sqlite3's for a path, PgRO (the same execute()) for a PostgreSQL URI."""
    if is_pg(db):
        return PgRO(db)
    return sqlite3.connect(f"file:{db}?mode=ro", uri=True)


def pg_integrity(uri):
    """PostgreSQL's counterpart of SQLite's PRAGMA integrity_check: amcheck's
    verify_heapam on every table of the store's schema and bt_index_parent_check (with
    heapallindexed) on every B-tree index. "ok", or what it found. The extension lives
    in a schema of its own for the check only (the server is a throw-away one and we
    are its superuser); the daemon must be stopped."""
    con = pg_connect(uri)
    cur = con.cursor()
    found = []
    try:
        schema = pg_schema(con) or "public"
        cur.execute("CREATE SCHEMA IF NOT EXISTS pd_amcheck")
        cur.execute("CREATE EXTENSION IF NOT EXISTS amcheck SCHEMA pd_amcheck")
        cur.execute("SELECT c.oid::regclass::text, c.relkind, a.amname FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "LEFT JOIN pg_am a ON a.oid = c.relam "
                    "WHERE n.nspname = %s AND c.relkind IN ('r', 'i') "
                    "AND c.relpersistence = 'p' ORDER BY c.relkind DESC, 1", (schema,))
        rels = cur.fetchall()
        if not any(k == "r" for _, k, _ in rels):
            found.append(f"no table in the schema {schema}")
        for rel, kind, am in rels:
            if kind == "r":
                cur.execute("SELECT blkno, offnum, msg FROM pd_amcheck.verify_heapam(%s)",
                            (rel,))
                found += [f"{rel}: block {b} item {o}: {m}" for b, o, m in cur.fetchall()]
            elif am == "btree":
                try:
                    cur.execute("SELECT pd_amcheck.bt_index_parent_check(%s, true)", (rel,))
                except Exception as e:  # noqa: BLE001 — corruption is raised as an error
                    found.append(f"{rel}: {str(e).strip()}")
    finally:
        try:
            cur.execute("DROP EXTENSION IF EXISTS amcheck")
            cur.execute("DROP SCHEMA IF EXISTS pd_amcheck")
        finally:
            con.close()
    return "ok" if not found else "\n".join(found[:20])


def integrity(db):
    """PRAGMA integrity_check by the sqlite3 CLI (read-only) on a path, amcheck on a
    PostgreSQL URI: "ok" or what was found."""
    if is_pg(db):
        return pg_integrity(db)
    r = subprocess.run(["sqlite3", "-readonly", db, "PRAGMA integrity_check"],
                       capture_output=True, text=True)
    return r.stdout.strip() or r.stderr.strip()


def integrity_desc(db):
    """What integrity() runs, for a TAP line."""
    if is_pg(db):
        return "amcheck (verify_heapam, bt_index_parent_check) on every table and index"
    return "PRAGMA integrity_check (sqlite3 CLI, read-only)"


def feed_all(client, after=0):
    """Every entry of GET /v1/events from after, paged by 1000."""
    out = []
    while True:
        st, body = client.api("GET", f"/v1/events?after={after}&limit=1000")
        if st != 200:
            raise RuntimeError(f"GET /v1/events answered {st}: {body}")
        items = body["items"]
        if not items:
            return out
        out += items
        after = body["next"]


# --- an asyncio HTTP/1.1 client over the Unix socket --------------------------------

class ConnLost(Exception):
    pass


class AConn:
    """One keep-alive connection; request() returns (status, headers, body bytes)."""

    def __init__(self, path):
        self.path = path
        self.r = None
        self.w = None

    async def open(self):
        self.r, self.w = await asyncio.open_unix_connection(self.path, limit=1 << 22)

    def close(self):
        if self.w is not None:
            self.w.close()
        self.r = self.w = None

    async def read_head(self):
        try:
            head = await self.r.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError, OSError) as e:
            raise ConnLost(str(e))
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[1].isdigit():
            raise ConnLost(f"bad status line {lines[0]!r}")
        headers = {}
        for l in lines[1:]:
            if ":" in l:
                k, v = l.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        return int(parts[1]), headers

    async def request(self, method, path, body=None):
        if self.w is None:
            await self.open()
        data = b""
        if body is not None:
            data = body if isinstance(body, (bytes, bytearray)) else json.dumps(body).encode()
        req = (f"{method} {path} HTTP/1.1\r\nHost: localhost\r\n"
               f"Content-Length: {len(data)}\r\n"
               + ("Content-Type: application/json\r\n" if data else "") + "\r\n").encode()
        try:
            self.w.write(req + data)
            await self.w.drain()
        except (ConnectionError, OSError) as e:
            self.close()
            raise ConnLost(str(e))
        try:
            status, headers = await self.read_head()
            n = int(headers.get("content-length", "0"))
            payload = await self.r.readexactly(n) if n else b""
        except (asyncio.IncompleteReadError, ConnectionError, OSError, ConnLost) as e:
            self.close()
            raise ConnLost(str(e))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, payload

    async def json(self, method, path, body=None):
        status, headers, payload = await self.request(method, path, body)
        try:
            return status, json.loads(payload) if payload else None
        except ValueError:
            return status, None


async def read_chunk(r):
    """One chunk of a chunked body: bytes, b"" at the end."""
    line = await r.readuntil(b"\r\n")
    size = int(line.split(b";")[0].strip(), 16)
    if size == 0:
        await r.readuntil(b"\r\n")
        return b""
    data = await r.readexactly(size)
    await r.readexactly(2)
    return data


def is_asan(binary):
    """True when the binary links AddressSanitizer's runtime."""
    try:
        out = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    except OSError:
        return False
    return "libasan" in out


def main_guard(fn):
    """Run a test's main: an exception is a failed test, not a silent exit."""
    tap = Tap()
    try:
        fn(tap)
    except Exception as e:  # noqa: BLE001 — report anything as a TAP failure
        import traceback
        tap.not_ok(f"the test itself failed: {type(e).__name__}: {e}",
                   traceback.format_exc())
    sys.exit(1 if tap.fails else 0)


# --- the br-national calendar (spec.md §6), to compute business-day deadlines ----------

SP_TZ = datetime.timezone(datetime.timedelta(hours=-3))   # São Paulo: no DST since 2019


def easter(y):
    a, b, c = y % 19, y // 100, y % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l) // 451
    month = (h + l - 7 * m + 114) // 31
    day = (h + l - 7 * m + 114) % 31 + 1
    return datetime.date(y, month, day)


def br_national(y):
    days = {datetime.date(y, m, d) for m, d in ((1, 1), (4, 21), (5, 1), (9, 7), (10, 12),
                                                  (11, 2), (11, 15), (12, 25))}
    if y >= 2024:
        days.add(datetime.date(y, 11, 20))
    days.add(easter(y) - datetime.timedelta(days=2))
    return days


def is_business_day(d):
    return d.weekday() < 5 and d not in br_national(d.year)


def local_date(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, SP_TZ).date()


def local_midnight(d):
    return int(datetime.datetime(d.year, d.month, d.day, tzinfo=SP_TZ).timestamp() * 1000)


def bdays_due(start_ms, n):
    """The end (24:00 local) of the n-th business day after start's local date."""
    d = local_date(start_ms)
    while n > 0:
        d += datetime.timedelta(days=1)
        if is_business_day(d):
            n -= 1
    return local_midnight(d + datetime.timedelta(days=1))
