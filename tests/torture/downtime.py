"""Issue 6, item 2 (spec.md §9): the daemon is down for 3 simulated days while clocks of
every kind (response normal and critical with their warnings, photos, address, posting,
pickup, letter, reply window) run out, some of them in chains; at start every expired
clock point is applied once, in due order across all protocols, with late_ms = the
restart instant - due; the clocks due after the gap are untouched.

The expected catch-up is computed here from the protocols as they stood at the stop
(their clocks read over the API) and the configured deadlines, then compared with the
feed entry by entry. The long mode uses more protocols and adds a second gap of 61 days
(every default deadline, 15 d posting and 60 d reply windows included, runs out).
"""

import datetime
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torture import LONG, ON_EXPIRY, Daemon, bdays_due, feed_all, local_date, \
    main_guard, ms_of, rfc3339  # noqa: E402
import dbcheck  # noqa: E402

H = 3600 * 1000
D = 24 * H
T0 = "2026-11-23T12:00:00-03:00"       # a Monday
STEPS = 48 if LONG else 24              # creation instants over the day before the stop
REPS = 5 if LONG else 2                 # protocols per recipe and instant

CONFIG = """[deadlines]
warn_before = 4h

[reason.fast]
response_normal = 30h
photos_wait = 12h
address_wait = 20h
posting_wait = 2d
letter_wait = 2bd
reply_window = 2d

[reason.cancellation_letter]
letter_wait = 1bd
"""


def due_fn(kind, p, start):
    fast = p.reason == "fast"
    if kind == "response":
        return start + (24 * H if p.critical else 30 * H if fast else 48 * H)
    if kind == "letter_wait":
        n = 2 if fast else 1 if p.reason == "cancellation_letter" else 6
        return bdays_due(start, n)
    return start + {"photos_wait": 12 * H if fast else 48 * H,
                    "address_wait": 20 * H if fast else 48 * H,
                    "posting_wait": 2 * D if fast else 15 * D,
                    "reply_window": 2 * D if fast else 60 * D}[kind]


def recipes(now_ms, k):
    """(name, create body extras, [(kind, name, params)…]) for the k-th of a step."""
    day = local_date(now_ms)
    pick = (day + datetime.timedelta(days=k % 3)).isoformat()
    a = "action"
    return [
        ("resp", {}, []),
        ("crit", {"critical": True}, []),
        ("resp_fast", {"reason": "fast"}, []),
        ("old", {"opened_at": rfc3339(now_ms - 47 * H)}, []),
        ("photos", {}, [(a, "request_photos", {})]),
        ("photos_fast", {"reason": "fast"}, [(a, "request_photos", {})]),
        ("photos_crit_fast", {"reason": "fast", "critical": True},
         [(a, "request_photos", {})]),
        ("address", {}, [(a, "confirm_address", {})]),
        ("address_fast", {"reason": "fast"}, [(a, "confirm_address", {})]),
        ("posting", {}, [(a, "inform_posting_code", {"posting_code": "AA1BR"})]),
        ("posting_fast", {"reason": "fast"},
         [(a, "inform_posting_code", {"posting_code": "AA2BR"})]),
        ("pickup", {}, [(a, "inform_pickup_date", {"pickup_date": pick})]),
        ("letter", {}, [(a, "request_cancellation_letter", {})]),
        ("letter_fast", {"reason": "fast"}, [(a, "request_cancellation_letter", {})]),
        ("letter_prev", {"origin": "preventive", "reason": "cancellation_letter"},
         [(a, "request_cancellation_letter", {})]),
        ("reply", {}, [(a, "message_customer", {"message": "Olá"})]),
        ("reply_fast", {"reason": "fast"}, [(a, "message_customer", {"message": "Oi"})]),
        ("reply_prev", {"origin": "preventive", "reason": "delivery_problem"},
         [(a, "message_customer", {"message": "Oi"})]),
        ("unresolved", {"reason": "fast"}, [(a, "message_customer", {"message": "Oi"}),
                                            ("event", "customer_replied", {})]),
        ("replied", {"critical": True}, [(a, "request_photos", {}),
                                         ("event", "customer_replied", {})]),
        ("resolved", {}, [(a, "cancel_sale", {})]),
        ("prev_pending", {"origin": "preventive", "reason": "unavailable"}, []),
    ]


def entry_clock(state, p):
    if state in ("pending", "unresolved"):
        return None if p["origin"] == "preventive" else "response"
    return "reply_window" if state == "closed" else None


class Model:
    """A protocol as read at the stop, for the simulation."""

    def __init__(self, body):
        self.id = body["id"]
        self.origin = body["origin"]
        self.reason = body["reason"]
        self.critical = body["critical"]
        self.state = body["state"]
        self.version = body["version"]
        c = body["clock"]
        self.clock = c["kind"] if c else None
        self.start = ms_of(c["started_at"]) if c else None
        self.due = ms_of(c["due_at"]) if c else None
        self.warn = ms_of(c["warn_at"]) if c and c.get("warn_at") else None
        self.raw = body


def simulate(m, restart):
    """The points m's clocks reach by restart: [(instant, cause, name)], and the end."""
    out = []
    state, kind, due, warn, start, version = m.state, m.clock, m.due, m.warn, m.start, \
        m.version
    while kind is not None:
        if warn is not None:
            if warn > restart:
                break
            out.append((warn, "warning", kind, due))
            warn = None
        if due > restart:
            break
        out.append((due, "expiry", kind, due))
        state = ON_EXPIRY[kind]
        version += 1
        start = due
        kind = entry_clock(state, m.raw)
        if kind is not None:
            due = due_fn(kind, m, start)
            warn = due - 4 * H if kind == "response" and due - 4 * H > start else None
    return out, (state, kind, start if kind else None, due if kind else None, version)


def read_all(d):
    items, after = [], None
    while True:
        st, body = d.api("GET", "/v1/protocols?limit=1000" + (f"&after={after}" if after
                                                               else ""))
        if st != 200:
            raise RuntimeError(f"list answered {st}: {body}")
        items += body["items"]
        after = body["next"]
        if not after:
            return items


def gap(tap, d, stop_at, restart_at, label, first_gap=True):
    """Stop at stop_at, start again at restart_at, and check the catch-up."""
    st, body = d.api("POST", "/v1/clock", {"now": rfc3339(stop_at)})
    if st != 200:
        raise RuntimeError(f"set clock answered {st}: {body}")
    before = read_all(d)
    order = {b["id"]: i for i, b in enumerate(before)}   # creation order = rid order
    st, body = d.api("GET", "/v1/events?limit=1")
    seq0 = feed_all(d.client)[-1]["seq"]
    rc = d.stop()
    tap.eq(f"{label}: SIGTERM exits 0", 0, rc)

    models = [Model(b) for b in before]
    expected, ends, kinds_in, kinds_after = [], {}, set(), set()
    for m in models:
        pts, end = simulate(m, restart_at)
        ends[m.id] = end
        for (at, cause, name, due) in pts:
            expected.append((at, order[m.id], m.id, cause, name, due))
            if cause == "expiry":
                kinds_in.add(name + (" critical" if name == "response" and m.critical else
                                     ""))
            else:
                kinds_in.add("warning")
        if end[1] is not None:
            kinds_after.add(end[1])
    expected.sort()

    t0 = time.time()
    d.start(test_clock=rfc3339(restart_at))
    st, body = d.api("POST", "/v1/clock", {"advance": "0s"})
    took = time.time() - t0
    st, stats = d.api("GET", "/v1/stats")
    tap.eq(f"{label}: the catch-up applied every due point once "
           f"({len(expected)} points of {len(models)} protocols)",
           len(expected), stats["fired_since_start"])
    every = {"response", "response critical", "warning", "photos_wait", "address_wait",
             "posting_wait", "pickup_wait", "letter_wait", "reply_window"}
    if first_gap:
        tap.check(f"{label}: clocks of every kind ran out during the gap",
                  every <= kinds_in, f"missing {sorted(every - kinds_in)}")
        tap.check(f"{label}: and clocks of several kinds are due after it",
                  len(kinds_after) >= 4, f"after the gap: {sorted(kinds_after)}")
    else:
        tap.note(f"{label}: kinds run out {sorted(kinds_in)}; after {sorted(kinds_after)}")

    feed = feed_all(d.client, seq0)
    seqs = [e["seq"] for e in feed]
    tap.check(f"{label}: {len(feed)} new feed entries, seqs {seq0 + 1}.. without a gap",
              seqs == list(range(seq0 + 1, seq0 + 1 + len(feed))), f"{seqs[:20]}")
    got = [(ms_of(e["due_at"]) if e.get("due_at") else None, e["protocol"], e["cause"],
            e["name"]) for e in feed]
    want = [(x[0], x[2], x[3], x[4]) for x in expected]
    first = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), None)
    tap.check(f"{label}: the feed is exactly the expected points in due order "
              "(ties by creation order)", got == want,
              f"first difference at {first}: got {got[first] if first is not None and first < len(got) else None}, "
              f"want {want[first] if first is not None and first < len(want) else None}; "
              f"lengths {len(got)} vs {len(want)}")
    dues = [g[0] for g in got]
    tap.check(f"{label}: feed order = due_at order", dues == sorted(dues))
    bad_late = [e for e in feed if e.get("due_at") is None or
                e["late_ms"] != restart_at - ms_of(e["due_at"]) or ms_of(e["at"]) != restart_at]
    tap.check(f"{label}: every point applied at the restart instant with late_ms = "
              "restart - due", not bad_late, f"{bad_late[:3]}")
    exp_warn = [e for e in feed if e["cause"] == "warning" and
                ms_of(e["detail"]["expires_at"]) != next(
                    x[5] for x in expected if x[2] == e["protocol"] and x[3] == "warning"
                    and x[0] == ms_of(e["due_at"]))]
    tap.check(f"{label}: each warning names when its response clock runs out",
              not exp_warn, f"{exp_warn[:3]}")

    after = {b["id"]: b for b in read_all(d)}
    wrong, untouched_bad, untouched = [], [], 0
    for m in models:
        a = after[m.id]
        c = a["clock"]
        got_end = (a["state"], c["kind"] if c else None, ms_of(c["started_at"]) if c else None,
                   ms_of(c["due_at"]) if c else None, a["version"])
        if got_end != ends[m.id]:
            wrong.append(f"{m.id}: {got_end} vs expected {ends[m.id]}")
        if not any(x[2] == m.id for x in expected) and m.clock is not None:
            untouched += 1
            was = (m.version, m.state, m.clock, m.raw["clock"]["started_at"],
                   m.raw["clock"]["due_at"], m.raw["clock"].get("warn_at"))
            now = (a["version"], a["state"], c["kind"] if c else None,
                   c["started_at"] if c else None, c["due_at"] if c else None,
                   c.get("warn_at") if c else None)
            if now != was:
                untouched_bad.append(f"{m.id}: {now} vs {was}")
    tap.check(f"{label}: every protocol ends where the replay says (state, clock, start, "
              "due, version); chains started at the due instant", not wrong,
              "\n".join(wrong[:8]))
    if untouched or first_gap:
        tap.check(f"{label}: the {untouched} running clocks due after the gap are untouched",
                  not untouched_bad and untouched > 0, "\n".join(untouched_bad[:8]))
    tap.note(f"{label}: {len(expected)} points applied in {took:.2f} s after the start")
    return len(expected)


def test(tap):
    t_start = time.time()
    d = Daemon(tap, "downtime")
    try:
        d.write_config("log_transitions = debug", CONFIG)
        d.start(test_clock=T0)
        t0 = ms_of(T0)
        step = 24 * H // STEPS
        n = 0
        for s in range(STEPS):
            now = t0 + s * step
            st, body = d.api("POST", "/v1/clock", {"now": rfc3339(now)})
            for rep in range(REPS):
                for k, (name, extra, ops) in enumerate(recipes(now, s + rep)):
                    pid = f"D{s}-{rep}-{name}"
                    st, body = d.api("POST", "/v1/protocols",
                                     dict({"id": pid, "seller": f"S{k % 5}"}, **extra))
                    if st != 201:
                        raise RuntimeError(f"create {pid}: {st} {body}")
                    for (kind, op, params) in ops:
                        path = f"/v1/protocols/{pid}/{kind}s"
                        st, body = d.api("POST", path, dict({kind: op}, **params))
                        if st != 200:
                            raise RuntimeError(f"{op} on {pid}: {st} {body}")
                    n += 1
        tap.note(f"{n} protocols created over the day before the stop")
        stop = t0 + 24 * H
        total = gap(tap, d, stop, stop + 3 * D, "3 days down")
        if LONG:
            total += gap(tap, d, stop + 3 * D + H, stop + 3 * D + H + 61 * D,
                         "61 more days down", first_gap=False)

        # Again at the same instant: nothing is applied twice.
        last = feed_all(d.client)[-1]["seq"]
        st, clock = d.api("GET", "/v1/clock")
        d.stop()
        d.start(test_clock=clock["now"])
        st, body = d.api("POST", "/v1/clock", {"advance": "0s"})
        tap.eq("a restart at the same instant applies nothing", 0, body["applied"])
        tap.eq("and adds nothing to the feed", [], feed_all(d.client, last))
        d.finish()
        rep, facts = dbcheck.check_all(d.db, due_fn, 4 * H)
        tap.check(f"database: {facts['protocols']} protocols and {facts['entries']} history "
                  "entries agree (state, clock, version, attempts, no point twice, none "
                  "early, none skipped, counters)", not rep.n, rep.text())
        tap.note(f"figures: {n} protocols, {total} clock points applied at restarts, "
                 f"{time.time() - t_start:.1f} s")
    finally:
        d.cleanup()


if __name__ == "__main__":
    main_guard(test)
