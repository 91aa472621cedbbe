"""Read-only consistency checks of a stopped protocold's database (spec.md §9): for every
protocol its state, clock, version, attempts and history agree, each clock point fired
once, never early and never skipped; the feed (history) has no gap; the counters the
store writes with each commit match the rows.

The database is an SQLite path or a PostgreSQL URI (torture.db_ro): the queries are
plain SQL on the store's tables, the same on both; a value PostgreSQL hands back in
another type (a timestamp, a boolean, an enum's name, a JSON document) is read as the
SQLite store writes it.
"""

import collections
import datetime
import decimal
import json

from torture import ACTION_OF_WAIT, CAUSES, CLOCKS, NEXT_STATE, ON_EXPIRY, STATES, \
    WAIT_OF_ACTION, db_ro, is_pg, pg_integrity

SP = datetime.timezone(datetime.timedelta(hours=-3))
EVENTS = {("customer_replied", "awaiting"): "pending",
          ("customer_replied", "closed"): "unresolved",
          ("document_attached", "awaiting"): "resolved",
          ("mediation_resolved", "mediation"): "resolved"}


def _ms(v):
    """An instant or a number as the SQLite store keeps it: an integer (ms)."""
    if isinstance(v, datetime.datetime):
        return round(v.timestamp() * 1000)
    if isinstance(v, datetime.timedelta):
        return round(v.total_seconds() * 1000)
    if isinstance(v, (bool, decimal.Decimal)):
        return int(v)
    return v


def _name(names, v):
    """An enum's name from its index (SQLite) or its name (a text or enum column)."""
    if v is None or isinstance(v, str):
        return v
    return names[v]


def _text(v):
    """A JSON column (jsonb comes back decoded) as the text the SQLite store keeps."""
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, (bytes, memoryview)):
        return bytes(v).decode()
    return json.dumps(v)


class Entry:
    __slots__ = ("seq", "rid", "at", "frm", "to", "cause", "name", "due_at", "late_ms",
                 "detail")

    def __init__(self, row):
        row = [_ms(v) for v in row]
        (self.seq, self.rid, self.at, frm, to, cause, self.name, self.due_at,
         self.late_ms, detail) = row
        self.frm = _name(STATES, frm)
        self.to = _name(STATES, to)
        self.cause = _name(CAUSES, cause)
        self.detail = _text(detail)


class Proto:
    __slots__ = ("rid", "id", "origin", "critical", "opened_at", "state", "clock",
                 "clock_start", "clock_due", "clock_next", "attempts", "version",
                 "updated_at", "reason")

    def __init__(self, row):
        row = [_ms(v) for v in row]
        (self.rid, self.id, origin, self.critical, self.opened_at, state, clock,
         self.clock_start, self.clock_due, self.clock_next, attempts, self.version,
         self.updated_at, self.reason) = row
        self.origin = origin if not isinstance(origin, str) else \
            (0 if origin == "customer" else 1)
        self.state = _name(STATES, state)
        self.clock = _name(CLOCKS, clock) or "none"
        self.attempts = {}
        if isinstance(attempts, dict):
            self.attempts = {k: int(v) for k, v in attempts.items() if int(v)}
            return
        for part in (_text(attempts) or "").split(","):
            if "=" in part:
                k, v = part.split("=")
                self.attempts[k] = int(v)


def load(path):
    """The rows of the database at path (an SQLite file or a PostgreSQL URI): protocols
    by rid, the history in seq order, the counters (None when the store keeps none) and
    the integrity check's verdict ("ok")."""
    con = db_ro(path)
    protos = {}
    for row in con.execute(
            "SELECT rid, id, origin, critical, opened_at, state, clock, clock_start, "
            "clock_due, clock_next, attempts, version, updated_at, reason FROM protocols"):
        p = Proto(row)
        protos[p.rid] = p
    entries = [Entry(r) for r in con.execute(
        "SELECT seq, rid, at, from_state, to_state, cause, name, due_at, late_ms, detail "
        "FROM history ORDER BY seq")]
    if is_pg(path):
        counters = None
        if con.has_table("counters"):
            counters = {_ms(k): _ms(n) for k, n in con.execute("SELECT k, n FROM counters")}
        con.close()
        integrity = pg_integrity(path)
    else:
        counters = dict(con.execute("SELECT k, n FROM counters"))
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
        con.close()
    return protos, entries, counters, integrity


def pickup_due(detail, grace_days=1):
    """00:00 (São Paulo) of the pickup date + grace days, in ms."""
    d = json.loads(detail)["pickup_date"]
    day = datetime.date.fromisoformat(d) + datetime.timedelta(days=grace_days)
    return int(datetime.datetime(day.year, day.month, day.day, tzinfo=SP).timestamp() * 1000)


class Report:
    """Violations by kind, with a few examples each."""

    def __init__(self):
        self.n = collections.Counter()
        self.examples = collections.defaultdict(list)

    def bad(self, kind, example):
        self.n[kind] += 1
        if len(self.examples[kind]) < 5:
            self.examples[kind].append(example)

    def text(self, kinds=None):
        out = []
        for k in sorted(self.n):
            if kinds is None or k in kinds:
                out.append(f"{k}: {self.n[k]}")
                out += [f"  {e}" for e in self.examples[k]]
        return "\n".join(out)


def check_protocol(p, entries, due_fn, rep, warn_ms):
    """Replay p's history against the rules and compare with its row. due_fn(kind, p,
    start) is the due instant of a clock of that kind started at start, as configured
    (None when unknown); a pickup's due comes from the action's pickup_date."""
    state = None
    version = 0
    clock = None          # [kind, start, due, warn_point or None, warned]
    attempts = collections.Counter()
    last_bump = None
    for e in entries:
        where = f"{p.id} seq {e.seq} {e.cause}:{e.name}"
        if e.cause == "create":
            if state is not None or e.frm is not None or e.to != "pending":
                rep.bad("create entry out of place", where)
        elif e.frm != state:
            rep.bad("history chain broken (from != previous to)",
                    f"{where}: from {e.frm}, previous to {state}")
        if e.due_at is not None and e.late_ms != e.at - e.due_at:
            rep.bad("late_ms != at - due_at", f"{where}: late {e.late_ms}, "
                    f"at-due {e.at - e.due_at}")
        if e.due_at is not None and e.at < e.due_at:
            rep.bad("clock point applied before its due instant",
                    f"{where}: at {e.at} < due {e.due_at}")
        if e.cause == "warning":
            if clock is None or clock[0] != "response" or clock[3] is None or clock[4]:
                rep.bad("warning without a pending response warning", where)
            else:
                if e.due_at != clock[3]:
                    rep.bad("warning due_at is not due - warn_before",
                            f"{where}: {e.due_at} vs {clock[3]}")
                exp = json.loads(e.detail or "{}").get("expires_at")
                if exp is None or \
                        int(datetime.datetime.fromisoformat(exp).timestamp() * 1000) != clock[2]:
                    rep.bad("warning detail.expires_at is not the due instant", where)
                clock[4] = True
            if e.to != state:
                rep.bad("warning changed the state", where)
            continue
        # A version-bumping entry: nothing due before it may be skipped.
        if clock is not None and e.cause != "expiry":
            if clock[2] is not None and e.at >= clock[2]:
                rep.bad("a clock was missed: a change applied after its due instant "
                        "without the expiry first", f"{where}: at {e.at} >= due {clock[2]} "
                        f"of {clock[0]}")
            if clock[3] is not None and not clock[4] and e.at >= clock[3]:
                rep.bad("a warning was missed", f"{where}: at {e.at} >= warn {clock[3]}")
        if e.cause == "expiry":
            if clock is None:
                rep.bad("expiry without a running clock", where)
                start = e.due_at
            else:
                if e.name != clock[0]:
                    rep.bad("expiry of another clock than the running one",
                            f"{where}: running {clock[0]}")
                if clock[2] is not None and e.due_at != clock[2]:
                    rep.bad("expiry due_at is not the clock's due instant",
                            f"{where}: {e.due_at} vs {clock[2]}")
                if clock[3] is not None and not clock[4]:
                    rep.bad("expiry before its response warning was put on the feed", where)
                if e.to != ON_EXPIRY.get(e.name):
                    rep.bad("expiry led to the wrong state", f"{where}: to {e.to}")
                if e.name in ACTION_OF_WAIT:
                    attempts[ACTION_OF_WAIT[e.name]] += 1
            start = e.due_at
        elif e.cause == "create":
            start = p.opened_at
        else:
            start = e.at
            if e.cause == "action":
                if state not in ("pending", "unresolved"):
                    rep.bad("action applied outside pending/unresolved", where)
                if e.to != NEXT_STATE.get(e.name):
                    rep.bad("action led to the wrong state", f"{where}: to {e.to}")
            elif e.cause == "event":
                exp = EVENTS.get((e.name, state))
                if e.name == "document_attached" and (clock is None or
                                                      clock[0] != "letter_wait"):
                    exp = None
                if exp is None or e.to != exp:
                    rep.bad("event not allowed or led to the wrong state",
                            f"{where}: from {state} to {e.to}")
        version += 1
        state = e.to
        last_bump = e
        # The clock the new state runs (spec.md §3).
        kind = None
        if state in ("pending", "unresolved"):
            kind = "response" if p.origin == 0 else None
        elif state == "closed":
            kind = "reply_window"
        elif state == "awaiting":
            kind = WAIT_OF_ACTION.get(e.name) if e.cause == "action" else None
            if kind is None:
                rep.bad("awaiting entered other than by a waiting action", where)
        if kind is None:
            clock = None
        else:
            if kind == "pickup_wait":
                due = pickup_due(e.detail) if e.detail else None
            else:
                due = due_fn(kind, p, start)
            warn = None
            if kind == "response" and warn_ms > 0 and due is not None and \
                    due - warn_ms > start:
                warn = due - warn_ms
            clock = [kind, start, due, warn, False]
    where = f"{p.id} (row)"
    if state != p.state:
        rep.bad("state is not the last history entry's to", f"{where}: {p.state} vs {state}")
    if version != p.version:
        rep.bad("version is not the number of version-bumping entries",
                f"{where}: {p.version} vs {version}")
    if last_bump is not None and p.updated_at != last_bump.at:
        rep.bad("updated_at is not the last change's at", f"{where}: {p.updated_at} vs "
                f"{last_bump.at}")
    if dict(attempts) != p.attempts:
        rep.bad("attempts do not count the expired waits", f"{where}: {p.attempts} vs "
                f"{dict(attempts)}")
    if clock is None:
        if p.clock != "none" or p.clock_next is not None or p.clock_due is not None:
            rep.bad("a clock runs where the state has none", f"{where}: {p.state} "
                    f"{p.clock} next {p.clock_next}")
    else:
        if p.clock != clock[0]:
            rep.bad("running clock kind inconsistent with the state/history",
                    f"{where}: {p.state} {p.clock}, expected {clock[0]}")
        elif p.clock_start != clock[1] or (clock[2] is not None and p.clock_due != clock[2]):
            rep.bad("clock start/due disagree with the history",
                    f"{where}: start {p.clock_start} due {p.clock_due}, expected "
                    f"{clock[1]} {clock[2]}")
        else:
            exp_next = clock[3] if clock[3] is not None and not clock[4] else p.clock_due
            if p.clock_next != exp_next:
                rep.bad("clock_next (the timer index) disagrees with the history",
                        f"{where}: {p.clock_next} vs {exp_next}")
    return clock


# On PostgreSQL a change is stamped when decided, and may be saved a round trip later,
# into the next commit when its answer comes while the last one is being committed:
# the feed's `at` may go back by that much from one commit to the next (never within
# one, never for one protocol; doc/postgresql.md). A round trip is bounded by the
# engine's hold of a transaction for the answers it owes (ENGINE_HOLD_US).
PG_AT_SLACK_MS = 1000


def check_all(path, due_fn, warn_ms, monotonic_at=True):
    """Every check over the database at path. Returns (report, facts)."""
    protos, entries, counters, integrity = load(path)
    slack = PG_AT_SLACK_MS if is_pg(path) else 0
    rep = Report()
    if integrity != "ok":
        rep.bad("PRAGMA integrity_check", integrity)
    by_rid = collections.defaultdict(list)
    last_at = None
    for i, e in enumerate(entries):
        if e.seq != i + 1:
            rep.bad("history seqs with a gap", f"position {i + 1} has seq {e.seq}")
        if monotonic_at and last_at is not None and e.at < last_at - slack:
            rep.bad("history at goes backwards in commit order",
                    f"seq {e.seq}: {last_at - e.at} ms")
        last_at = e.at if last_at is None else max(last_at, e.at)
        if e.rid not in protos:
            rep.bad("history entry of no protocol", f"seq {e.seq} rid {e.rid}")
        by_rid[e.rid].append(e)
    fired = collections.Counter()
    for e in entries:
        if e.cause in ("expiry", "warning"):
            fired[(e.rid, e.cause, e.name, e.due_at)] += 1
    for k, n in fired.items():
        if n > 1:
            rep.bad("a clock point fired twice", f"rid {k[0]} {k[1]}:{k[2]} due {k[3]} "
                    f"×{n}")
    for rid, p in protos.items():
        if not by_rid.get(rid):
            rep.bad("protocol without history", p.id)
            continue
        check_protocol(p, by_rid[rid], due_fn, rep, warn_ms)
    # The counters the store writes in the same transactions (counts.h).
    st = collections.Counter(STATES.index(p.state) for p in protos.values())
    ck = collections.Counter(CLOCKS.index(p.clock) for p in protos.values())
    ca = collections.Counter(CAUSES.index(e.cause) for e in entries)
    facts = {"protocols": len(protos), "entries": len(entries),
             "expiries": ca.get(CAUSES.index("expiry"), 0),
             "warnings": ca.get(CAUSES.index("warning"), 0),
             "integrity": integrity, "protos": protos, "by_rid": by_rid,
             "entries_list": entries, "counters_checked": counters is not None}
    if counters is None:
        return rep, facts
    for i in range(len(STATES)):
        if counters.get(i, 0) != st.get(i, 0):
            rep.bad("counters by state disagree with the rows", f"{STATES[i]}: "
                    f"{counters.get(i)} vs {st.get(i, 0)}")
    for i in range(1, len(CLOCKS)):
        if counters.get(100 + i, 0) != ck.get(i, 0):
            rep.bad("counters by clock disagree with the rows", f"{CLOCKS[i]}: "
                    f"{counters.get(100 + i)} vs {ck.get(i, 0)}")
    for i in range(len(CAUSES)):
        if counters.get(200 + i, 0) != ca.get(i, 0):
            rep.bad("counters by cause disagree with the history", f"{CAUSES[i]}: "
                    f"{counters.get(200 + i)} vs {ca.get(i, 0)}")
    return rep, facts
