"""Issue 6, item 4: a full disk and a read-only file system under the database, and
corrupt or foreign database files at start.

1. The database on a tmpfs with a size limit (needs root and mount; skipped with the
   reason otherwise). A filler file takes the free space, then writes go on until one
   fails: it must be 503 application/problem+json with code database_unavailable; while
   the disk is full every write is refused the same way and leaves nothing, reads keep
   working, the daemon keeps running and its scheduler retries the clocks that fall
   due. Once the filler is deleted, writes succeed again by themselves and the due
   clocks fire (once). The same with the file system remounted read-only and back.
   At the end `PRAGMA integrity_check` is ok and the rows agree with the history.
2. At start, a file of random bytes, a truncated real database, an SQLite database of
   another application (tables, or another application_id, or a pending WAL): a clear
   error naming the file, a non-zero exit, and the file(s) byte for byte unchanged.
Both are about SQLite's files: these daemons stay on SQLite (pg="") even when
PROTOCOLD_PG is set.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torture import LONG, Client, Daemon, main_guard  # noqa: E402
import dbcheck  # noqa: E402

H = 3600 * 1000
T0 = "2026-11-23T12:00:00-03:00"
FS_SIZE = "128m" if LONG else "48m"
ROUNDS = 5 if LONG else 2        # fill / free cycles


def due_fn(kind, p, start):
    """The deadlines of the clocks this test starts: the defaults, and 30 days to
    answer a protocol of reason bulk (the imports)."""
    d = {"response": 30 * 24 * H if p.reason == "bulk" else 24 * H if p.critical else 48 * H,
         "photos_wait": 48 * H,
         "address_wait": 48 * H, "reply_window": 60 * 24 * H}.get(kind)
    return None if d is None else start + d


def is_problem(st, ctype, body, code="database_unavailable"):
    return st == 503 and ctype.startswith("application/problem+json") and \
        isinstance(body, dict) and body.get("code") == code and body.get("status") == 503


class Ledger:
    """Every write sent and its answer; verify() checks that each 2xx is in the database
    and each refused one left nothing."""

    def __init__(self, d):
        self.d = d
        self.n = 0
        self.writes = []          # (kind, target, status, content type, body)
        self.pending = []         # pending protocols an action may be taken on
        self.awaiting = []        # awaiting ones (confirm_address) an event may end

    def setup(self, n):
        for i in range(n):
            for pfx, lst in (("B", self.pending), ("E", self.awaiting)):
                st, body = self.d.api("POST", "/v1/protocols", {"id": f"{pfx}{i}",
                                                                "seller": "S1"})
                assert st == 201, (st, body)
                lst.append(f"{pfx}{i}")
        for pid in self.awaiting:
            st, body = self.d.api("POST", f"/v1/protocols/{pid}/actions",
                                  {"action": "confirm_address"})
            assert st == 200, (st, body)

    def write(self, kind):
        import json
        c = self.d.client
        self.n += 1
        if kind == "create":
            target = f"F{self.n}"
            st, ct, raw = c.raw("POST", "/v1/protocols", {"id": target, "seller": "S1"})
        elif kind == "action":
            target = self.pending.pop()
            st, ct, raw = c.raw("POST", f"/v1/protocols/{target}/actions",
                                {"action": "message_customer", "message": "x" * 3000})
        elif kind == "event":
            target = self.awaiting.pop()
            st, ct, raw = c.raw("POST", f"/v1/protocols/{target}/events",
                                {"event": "customer_replied"})
        else:
            target = f"V{self.n}"
            st, ct, raw = c.raw("PUT", f"/v1/sellers/{target}", {"envvias": True})
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        self.writes.append((kind, target, st, ct, body))
        return st, ct, body

    def verify(self):
        """(acknowledged, refused, [problems])."""
        bad = []
        acked = refused = 0
        for (kind, target, st, ct, body) in self.writes:
            ok2xx = 200 <= st < 300
            if ok2xx:
                acked += 1
            elif is_problem(st, ct, body):
                refused += 1
            else:
                bad.append(f"{kind} {target}: unexpected answer {st} {ct} {body}")
                continue
            if kind == "seller":
                s, b = self.d.api("GET", f"/v1/sellers/{target}")
                there = s == 200 and b.get("envvias") is True
            elif kind == "create":
                there = self.d.api("GET", f"/v1/protocols/{target}")[0] == 200
            else:
                s, b = self.d.api("GET", f"/v1/protocols/{target}/history")
                name = "message_customer" if kind == "action" else "customer_replied"
                there = any(e["name"] == name for e in b["items"])
            if there != ok2xx:
                bad.append(f"{kind} {target}: answered {st} but "
                           f"{'is' if there else 'is not'} in the database")
        return acked, refused, bad


def reads_ok(d):
    paths = ["/v1/protocols/A1", "/v1/protocols?limit=10", "/v1/events?after=0&limit=5",
             "/v1/stats", "/metrics", "/v1/health/ready", "/v1/protocols/A1/history",
             "/v1/sellers/S1"]
    bad = []
    for p in paths:
        st, ct, raw = d.client.raw("GET", p)
        if st != 200:
            bad.append(f"{p}: {st} {raw[:200]!r}")
    return bad


def fill(path, reserve):
    """Write a filler file until the file system is full, then give back reserve bytes:
    the filler's size."""
    n = 0
    chunk = b"\0" * 65536
    with open(path, "wb", buffering=0) as f:
        while True:
            try:
                n += f.write(chunk)
            except OSError:
                break
        # Also the last few bytes.
        for size in (4096, 512, 64, 1):
            while True:
                try:
                    n += f.write(b"\0" * size)
                except OSError:
                    break
        n = max(0, n - reserve)
        f.truncate(n)
    return n


# An import commits up to 32000 lines at once (IMPORT_TXN_LINES, about 8 MiB of WAL
# for these lines since each protocol keeps its marketplace and a longer rule text,
# issue 25): room for one such transaction and not two.
IMPORT_LINES = 64000
IMPORT_ROOM = 11 << 20


def import_while_full(tap, d, label, prefix):
    """POST an import of IMPORT_LINES lines on a full disk: a 503 problem document
    whose counts say what was committed (whole batches), or 200. Returns (prefix,
    created claimed), None for an answer of another shape."""
    body = "".join(json.dumps({"id": f"{prefix}{i}", "seller": "SI", "reason": "bulk"}) + "\n"
                   for i in range(IMPORT_LINES)).encode()
    st, ct, raw = d.client.raw("POST", "/v1/protocols:import", body,
                               {"Content-Type": "application/x-ndjson"})
    try:
        doc = json.loads(raw)
    except ValueError:
        doc = {}
    counts = doc.get("imported", {}) if st == 503 else doc
    ok = (st == 200 or (is_problem(st, ct, doc) and "imported" in doc)) and \
        isinstance(counts.get("created"), int)
    tap.check(f"{label}: an import of {IMPORT_LINES} lines answers 200 or 503 "
              f"problem+json with the counts of what was committed ({st}, created "
              f"{counts.get('created')})", ok, raw[:300])
    return prefix, counts.get("created") if ok else None


def count_prefix(d, prefix):
    """How many protocols have an id that starts with prefix (read from the list)."""
    n = 0
    path = "/v1/protocols?seller=SI&limit=1000"
    while path:
        st, page = d.api("GET", path)
        assert st == 200, (st, page)
        n += sum(1 for p in page["items"] if p["id"].startswith(prefix))
        cur = page.get("next")
        path = f"/v1/protocols?seller=SI&limit=1000&after={cur}" if cur else None
    return n


def test_full(tap, d, fs):
    for i in range(10):
        st, body = d.api("POST", "/v1/protocols", {"id": f"A{i}", "seller": "S1"})
        assert st == 201, (st, body)
        d.api("POST", f"/v1/protocols/A{i}/actions", {"action": "request_photos"})
    led = Ledger(d)
    led.setup(8 * ROUNDS)
    imports = []
    for rnd in range(ROUNDS):
        label = f"disk full (round {rnd + 1})"
        last = rnd == ROUNDS - 1
        filler = os.path.join(fs, "filler")
        # An import on a disk with room for a batch or two: it stops with a 503
        # whose counts must match what it committed.
        fill(filler, IMPORT_ROOM)
        imports.append(import_while_full(tap, d, label, f"I{rnd}-"))
        os.unlink(filler)
        size = fill(filler, 256 * 1024)
        # Writes until the first failure.
        first = None
        n0 = len(led.writes)
        for i in range(4000):
            st, ct, body = led.write("create")
            if not 200 <= st < 300:
                first = (st, ct, body)
                break
        tap.check(f"{label}: after {len(led.writes) - n0 - 1} more writes acknowledged on a "
                  f"filling file system (filler {size >> 10} KiB) a write fails with 503 "
                  "problem+json database_unavailable", first is not None and is_problem(*first),
                  first)
        # While full: every kind of write, each either committed (2xx) or refused 503.
        n0 = len(led.writes)
        for i in range(16):
            led.write(("create", "action", "event", "seller")[i % 4])
        answers = [w[2] for w in led.writes[n0:]]
        bad = [f"{w[0]} {w[1]}: {w[2]} {w[3]} {w[4]}" for w in led.writes[n0:]
               if not (200 <= w[2] < 300 or is_problem(*w[2:]))]
        tap.check(f"{label}: creates, actions, events and seller writes answer 503 "
                  f"database_unavailable or are committed (answers {sorted(answers)})",
                  not bad and answers.count(503) >= 8, "\n".join(bad[:6]))
        imports.append(import_while_full(tap, d, label, f"J{rnd}-"))
        bad = reads_ok(d)
        tap.check(f"{label}: reads keep working (protocol, list, feed, history, stats, "
                  "metrics, seller, ready)", not bad, "\n".join(bad))
        result = {}
        th = None
        if last:
            # Clocks fall due while the disk is full: the scheduler must retry.
            def advance():
                cc = Client(d.sock, timeout=60)
                try:
                    result["answer"] = cc.api("POST", "/v1/clock", {"advance": "49h"})
                except Exception as e:  # noqa: BLE001
                    result["answer"] = repr(e)
                cc.close()
            th = threading.Thread(target=advance)
            th.start()
            time.sleep(2.5)
            st, p = d.api("GET", "/v1/protocols/A0")
            tap.eq(f"{label}: a photos wait due while the disk is full is not applied "
                   "while it cannot be committed", "awaiting", p["state"])
        tap.check(f"{label}: the daemon is still running", d.alive(), d.log_tail(10))
        tap.check(f"{label}: reads still work", not reads_ok(d))
        # Space returns: writes succeed again without a restart.
        os.unlink(filler)
        t0 = time.time()
        ok_after = None
        for i in range(100):
            st, ct, body = led.write("create")
            if 200 <= st < 300:
                ok_after = time.time() - t0
                break
            time.sleep(0.1)
        tap.check(f"{label}: once the filler is deleted writes succeed again by themselves "
                  f"({ok_after if ok_after is None else round(ok_after, 2)} s)",
                  ok_after is not None)
        if th is not None:
            th.join(15)
            tap.check(f"{label}: the clock request held while the disk was full answers once "
                      "the due clocks are committed", not th.is_alive() and
                      isinstance(result.get("answer"), tuple) and
                      result["answer"][0] == 200, result)
    st, p = d.api("GET", "/v1/protocols/A0/history")
    exp = [e for e in p["items"] if e["cause"] == "expiry"]
    tap.check("the photos wait that fell due while the disk was full fired once, late by "
              "the hour it could not be committed",
              len(exp) == 1 and exp[0]["late_ms"] == H and exp[0]["name"] == "photos_wait",
              p["items"])
    acked, refused, bad = led.verify()
    tap.check(f"every write answered 2xx is in the database ({acked}), none of those "
              f"answered 503 left anything ({refused})", not bad, "\n".join(bad[:10]))
    bad = [f"{prefix}: claimed {claimed}, found {found}" for prefix, claimed in imports
           if claimed is not None and (found := count_prefix(d, prefix)) != claimed]
    tap.check(f"imports cut short by the full disk: the protocols their answers count as "
              f"created are exactly those in the database ({imports})",
              not bad and all(c is not None for _, c in imports), "\n".join(bad))
    tap.check("an import stopped by the full disk after committing part of its lines "
              f"(0 < created < {IMPORT_LINES}) at least once",
              any(c and 0 < c < IMPORT_LINES for _, c in imports), imports)
    tap.note(f"figures: {ROUNDS} fill/free rounds on a {FS_SIZE} tmpfs: {acked} writes "
             f"acknowledged, {refused} refused 503 database_unavailable, all verified")
    return led


def test_readonly_start(tap, d, fs):
    """The stopped daemon's file system remounted read-only, then a start: either a
    clear refusal (non-zero exit naming the file), or a daemon that serves reads and
    answers every write 503 database_unavailable; the files unchanged either way."""
    files = [d.db, d.db + "-wal"]
    before = digest(files)
    r = subprocess.run(["mount", "-o", "remount,ro", fs], capture_output=True, text=True)
    if r.returncode != 0:
        tap.skip("read-only file system at start", f"remount,ro failed: {r.stderr.strip()}")
        return
    try:
        d.start(test_clock=T0, wait=False)
        try:
            rc = d.proc.wait(5)
        except subprocess.TimeoutExpired:
            rc = None
        if rc is not None:
            d.proc = None
            log = d.log_tail(10)
            tap.check(f"read-only file system at start: refused with a clear error naming "
                      f"the file (exit {rc})", rc != 0 and d.db in log, log)
            tap.note("read-only file system at start: " + log.strip().splitlines()[-1])
        else:
            ready = d.wait_ready(5)
            led = Ledger(d)
            led.pending, led.awaiting = ["A5"], ["A6"]
            res = [led.write(kind) for kind in ("create", "action", "event", "seller")]
            bad = [f"{st} {ct} {body}" for (st, ct, body) in res if not is_problem(st, ct, body)]
            tap.check("read-only file system at start: the daemon runs, reads work, writes "
                      "answer 503 database_unavailable", ready and not reads_ok(d) and not bad,
                      "\n".join(bad) + d.log_tail(5))
            rc = d.stop()
            tap.eq("read-only file system at start: exits 0 on SIGTERM", 0, rc)
    finally:
        subprocess.run(["mount", "-o", "remount,rw", fs], capture_output=True)
    tap.eq("read-only file system at start: the database files are unchanged", before,
           digest(files))


def digest(paths):
    out = {}
    for p in paths:
        if os.path.exists(p):
            with open(p, "rb") as f:
                out[os.path.basename(p)] = hashlib.sha256(f.read()).hexdigest()
    return out


def refuse_case(tap, label, make, real_db=None, expect=None):
    """Start on a database file made by make(path): must exit non-zero with a clear
    error, leaving the file(s) unchanged."""
    d = Daemon(tap, "badfile", pg="")
    try:
        make(d.db, real_db)
        files = [d.db, d.db + "-wal"]
        before = digest(files)
        listing = sorted(os.listdir(d.dir))
        d.write_config()
        d.start(test_clock=T0, wait=False)
        try:
            rc = d.proc.wait(10)
        except subprocess.TimeoutExpired:
            rc = None
        if rc is None:
            ready = d.wait_ready(1)
            d.kill9()
            tap.not_ok(f"{label}: protocold refuses to start", "it is still running"
                       + (" and answers ready" if ready else "") + "\n" + d.log_tail(8))
        else:
            d.proc = None
            log = d.log_tail(20)
            tap.check(f"{label}: protocold exits non-zero ({rc})", rc != 0, log)
            clear = d.db in log and (expect is None or any(x in log for x in expect))
            tap.check(f"{label}: with a clear error naming the file", clear, log)
            crit = [l for l in log.splitlines() if d.db in l]
            tap.note(f"{label}: {crit[-1].strip() if crit else log.strip()[-200:]}")
        tap.eq(f"{label}: the file is left byte for byte unchanged", before, digest(files))
        extra = sorted(set(os.listdir(d.dir)) - set(listing) -
                       {"protocold.ini", "daemon.log"})
        if extra:
            tap.note(f"{label}: files the refused start left beside it: {extra}")
        rep = d.sanitizer_report()
        tap.check(f"{label}: no sanitizer report", rep == "", rep)
    finally:
        d.cleanup()


def make_random(path, real):
    with open(path, "wb") as f:
        f.write(os.urandom(65536))


def make_truncated(path, real):
    with open(real, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[:len(data) // 2 // 4096 * 4096])


def make_truncated_header(path, real):
    with open(real, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[:100])


def make_foreign(path, real):
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE ledger (id INTEGER PRIMARY KEY, amount REAL)")
    con.executemany("INSERT INTO ledger (amount) VALUES (?)", [(i * 1.5,) for i in range(100)])
    con.commit()
    con.close()


def make_foreign_appid(path, real):
    con = sqlite3.connect(path)
    con.execute("PRAGMA application_id = 42")
    con.execute("PRAGMA user_version = 1")
    con.commit()
    con.close()


def make_foreign_wal(path, real):
    """A foreign database in WAL mode whose last writes are still in its WAL."""
    tmp = path + ".src"
    con = sqlite3.connect(tmp)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA wal_autocheckpoint = 0")
    con.execute("CREATE TABLE notes (t TEXT)")
    con.commit()
    con.execute("INSERT INTO notes VALUES ('not yet checkpointed')")
    con.commit()
    shutil.copyfile(tmp, path)
    shutil.copyfile(tmp + "-wal", path + "-wal")
    con.close()
    for p in (tmp, tmp + "-wal", tmp + "-shm"):
        if os.path.exists(p):
            os.unlink(p)


def test(tap):
    t_start = time.time()
    d = Daemon(tap, "diskfull", pg="")
    fs = os.path.join(d.dir, "fs")
    os.mkdir(fs)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={FS_SIZE},mode=0700",
                        "tmpfs", fs], capture_output=True, text=True)
    mounted = r.returncode == 0
    try:
        if not mounted:
            tap.skip("disk full: database on a size-limited tmpfs",
                     f"cannot mount a tmpfs here (needs root): {r.stderr.strip()}")
        else:
            d.db = os.path.join(fs, "protocold.db")
            # The imported protocols (reason bulk) do not fall due within the test.
            d.write_config("log_transitions = debug",
                           "[reason.bulk]\nresponse_normal = 30d\n")
            d.start(test_clock=T0)
            test_full(tap, d, fs)
            d.finish()
            test_readonly_start(tap, d, fs)
            ic = subprocess.run(["sqlite3", "-readonly", d.db, "PRAGMA integrity_check"],
                                capture_output=True, text=True)
            tap.eq("PRAGMA integrity_check (sqlite3 CLI, read-only) = ok", "ok",
                   ic.stdout.strip() or ic.stderr.strip())
            rep, facts = dbcheck.check_all(d.db, due_fn, 4 * H)
            tap.check(f"database: {facts['protocols']} protocols, {facts['entries']} entries "
                      "agree (state, clock, version, history, counters)", not rep.n,
                      rep.text())
    finally:
        if mounted:
            subprocess.run(["umount", "-l", fs])
        d.cleanup()
    # A real database of some size (3000 protocols, one page of history each few) for
    # the truncation cases.
    d2 = Daemon(tap, "realdb", pg="")
    try:
        d2.write_config("log_transitions = debug")
        d2.start(test_clock=T0)
        lines = "".join('{"id":"R%d","seller":"S%d","order":"O-%d"}\n' % (i, i % 7, i)
                        for i in range(3000))
        st, ct, raw = d2.client.raw("POST", "/v1/protocols:import", lines.encode(),
                                    {"Content-Type": "application/x-ndjson"})
        assert st == 200, (st, raw[:300])
        for i in range(0, 3000, 10):
            d2.api("POST", f"/v1/protocols/R{i}/actions", {"action": "request_photos"})
        d2.stop()
        real = d2.dir + ".real.db"
        shutil.copyfile(d2.db, real)
        tap.note(f"a real database of {os.path.getsize(real) >> 10} KiB for the truncations")
    finally:
        d2.cleanup()
    try:
        refuse_case(tap, "random bytes", make_random, expect=["not a database"])
        refuse_case(tap, "a real database truncated to half", make_truncated, real,
                    expect=["malformed", "corrupt", "truncated", "not a database"])
        refuse_case(tap, "a real database cut inside its header", make_truncated_header,
                    real, expect=["malformed", "corrupt", "truncated", "not a database"])
        refuse_case(tap, "another application's SQLite database", make_foreign,
                    expect=["not protocold's"])
        refuse_case(tap, "an SQLite database with another application_id",
                    make_foreign_appid, expect=["another application"])
        refuse_case(tap, "another application's database with a pending WAL",
                    make_foreign_wal, expect=["not protocold's"])
    finally:
        os.unlink(real)
    tap.note(f"{time.time() - t_start:.1f} s")


if __name__ == "__main__":
    main_guard(test)
