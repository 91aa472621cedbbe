"""Issue 21, faults 1, 2 and 5: what must not happen to the database file.

1. A second protocold on the same database (another socket, same `database`) must be
   refused at start with a clear message, also when the -shm file was removed, so that
   the first one's rows survive and `PRAGMA integrity_check` stays "ok".
2. The WAL's name removed (or replaced by a stale copy of itself) while the daemon runs
   must not lose an acknowledged write: the daemon notices at the next commit, copies
   the WAL into the database through the descriptor SQLite holds, and stops with
   status 1; the restart has every acknowledged write. Both with the WAL synced by the
   daemon's thread (synchronous = full) and by SQLite itself (synchronous = normal).
3. A database file that this process may only read (mode 0444, not root) is refused at
   start, naming the file, and left unchanged (before, the daemon answered ready and
   every write 503, and its clock request never answered).

Before the fixes, 1 let both daemons run, 2 lost the 50 writes, 3 started "ready".
All three are about SQLite's files: these daemons stay on SQLite (pg="") even when
PROTOCOLD_PG is set.
Debian's /usr/bin/python3, standard library only (torture.py).
"""

import hashlib
import os
import pwd
import shutil
import sqlite3
import subprocess
import time

from torture import Daemon, main_guard

T0 = "2026-11-23T12:00:00-03:00"


def create(d, pid, client=None):
    c = client or d.client
    return c.api("POST", "/v1/protocols", {"id": pid, "seller": "S1"})[0]


def count_rows(db):
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return c.execute("select count(*) from protocols").fetchone()[0]
    finally:
        c.close()


def integrity(db):
    r = subprocess.run(["sqlite3", "-readonly", db, "pragma integrity_check"],
                       capture_output=True, text=True)
    return (r.stdout + r.stderr).strip()


def wait_exit(proc, secs):
    try:
        return proc.wait(secs)
    except subprocess.TimeoutExpired:
        return None


def second_daemon(tap, remove_shm):
    label = "second daemon" + (" with the -shm removed" if remove_shm else "")
    a = Daemon(tap, name="second-a", pg="")
    b = Daemon(tap, name="second-b", pg="")
    try:
        a.write_config()
        a.start(test_clock=T0)
        made = sum(create(a, f"A{i}") == 201 for i in range(200))
        if remove_shm and os.path.exists(a.db + "-shm"):
            os.unlink(a.db + "-shm")
        b.db = a.db
        b.write_config()
        b.start(test_clock=T0, wait=False)
        rc = wait_exit(b.proc, 10)
        log = b.log_tail(5)
        tap.check(f"{label}: refused at start (exit {rc}) with a message that names the "
                  "database and the daemon holding it",
                  rc not in (None, 0) and a.db in log and f"pid {a.proc.pid}" in log, log)
        if rc is None:
            made += sum(create(b, f"B{i}") == 201 for i in range(200))
            b.kill9()
        else:
            b.proc = None
        tap.check(f"{label}: the first daemon still serves and writes",
                  a.alive() and create(a, "A-after") == 201, a.log_tail(5))
        made += 1
        rc = a.stop()
        tap.eq(f"{label}: the first daemon exits 0 on SIGTERM", 0, rc)
        tap.eq(f"{label}: every acknowledged row is in the database", made,
               count_rows(a.db))
        tap.eq(f"{label}: PRAGMA integrity_check", "ok", integrity(a.db))
        tap.note(f"{label}: {log.strip().splitlines()[-1] if log.strip() else ''}")
    finally:
        b.dir, b_dir = a.dir, b.dir
        shutil.rmtree(b_dir, ignore_errors=True)
        a.cleanup()


def lost_wal(tap, sync, replace):
    how = "replaced by a stale copy of itself" if replace else "removed"
    label = f"WAL {how} (synchronous = {sync})"
    d = Daemon(tap, name="lostwal", pg="")
    try:
        d.write_config()
        with open(d.conf) as f:
            text = f.read().replace("synchronous = full", f"synchronous = {sync}")
        with open(d.conf, "w") as f:
            f.write(text)
        d.start(test_clock=T0)
        acked = {f"P{i}" for i in range(50) if create(d, f"P{i}") == 201}
        wal = d.db + "-wal"
        if replace:
            stale = os.path.join(d.dir, "stale-wal")
            shutil.copy(wal, stale)
            acked |= {f"Q{i}" for i in range(20) if create(d, f"Q{i}") == 201}
            os.rename(stale, wal)
        else:
            os.unlink(wal)
        try:
            last = create(d, "LAST")
        except Exception as e:  # noqa: BLE001 — the daemon may stop before answering
            last = repr(e)
        if last == 201:
            acked.add("LAST")
        rc = wait_exit(d.proc, 15)
        log = d.log_tail(8)
        tap.check(f"{label}: the daemon stops (exit {rc}, not 0) and says the WAL is gone",
                  rc not in (None, 0) and "WAL is gone" in log, log)
        if rc is None:
            d.kill9()
        d.proc = None
        d.client.close()
        rep = d.sanitizer_report()
        tap.check(f"{label}: no sanitizer report", rep == "", rep)
        d.start(test_clock=T0)
        missing = sorted(p for p in acked
                         if d.api("GET", f"/v1/protocols/{p}")[0] != 200)
        tap.check(f"{label}: after the restart every acknowledged write is there "
                  f"({len(acked)}; the last one answered {last})", not missing,
                  f"missing {len(missing)}: {missing[:10]}")
        tap.check(f"{label}: the restarted daemon writes", create(d, "AFTER") == 201)
        rc = d.stop()
        tap.eq(f"{label}: exits 0 on SIGTERM after the restart", 0, rc)
        tap.eq(f"{label}: PRAGMA integrity_check", "ok", integrity(d.db))
    finally:
        d.cleanup()


def digest(paths):
    out = {}
    for p in paths:
        if os.path.exists(p):
            with open(p, "rb") as f:
                out[os.path.basename(p)] = hashlib.sha256(f.read()).hexdigest()
    return out


def as_user():
    """The command prefix that runs the daemon as a user the file's mode binds, and that
    user's uid (root bypasses file modes, so root tests as nobody)."""
    if os.geteuid() != 0:
        return [], os.geteuid()
    nobody = pwd.getpwnam("nobody")
    return ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}",
            "--clear-groups"], nobody.pw_uid


def readonly_db(tap):
    prefix, uid = as_user()
    d = Daemon(tap, name="rodb", pg="")
    try:
        os.chmod(d.dir, 0o755)
        os.chown(d.dir, uid, -1)
        d.write_config()
        os.chmod(d.conf, 0o644)
        d.start(test_clock=T0, prefix=prefix)
        create(d, "R1")
        tap.eq("read-only database: a clean stop before the chmod", 0, d.stop())
        os.chmod(d.db, 0o444)
        files = [d.db, d.db + "-wal", d.db + "-shm"]
        before = digest(files)
        d.start(test_clock=T0, prefix=prefix, wait=False)
        rc = wait_exit(d.proc, 10)
        log = d.log_tail(5)
        tap.check(f"read-only database: refused at start (exit {rc}) naming the file and "
                  "saying it is read-only", rc not in (None, 0) and d.db in log and
                  "read-only" in log, log)
        if rc is None:
            tap.note("ready: " + repr(d.wait_ready(2)) + ", a write answers " +
                     str(create(d, "R2")))
            d.kill9()
        d.proc = None
        tap.eq("read-only database: the files are unchanged", before, digest(files))
        tap.note("read-only database: " + (log.strip().splitlines() or [""])[-1])
    finally:
        d.cleanup()


def main(tap):
    second_daemon(tap, remove_shm=False)
    second_daemon(tap, remove_shm=True)
    for sync in ("full", "normal"):
        lost_wal(tap, sync, replace=False)
    lost_wal(tap, "full", replace=True)
    readonly_db(tap)


if __name__ == "__main__":
    main_guard(main)
