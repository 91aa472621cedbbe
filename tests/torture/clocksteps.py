"""Issue 6, item 3 (spec.md §9, "Time"): the wall clock steps an hour forward and back
while clocks are near due: nothing fires before its due instant, nothing is missed.

1. Under --test-clock: a walk of the clock with ±1 h jumps and small steps forward,
   protocols created and acted on at every step (so clocks start at instants earlier
   than entries already written). After every step: every point due by now has been
   applied (none pending in the past), every new entry was applied at the step's instant
   and not before its due instant; at the end the database is checked whole.
2. The real clock (long mode only): libfaketime (FAKETIME_TIMESTAMP_FILE, monotonic
   clock left alone) moves the daemon's wall clock while it sleeps; the scheduler must
   notice within SCHED_MAX_SLEEP_MS (60 s): a jump to just before the due instant fires
   the response warning only, a jump past it fires the expiry, each within ~60 s.
"""

import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torture import LONG, Daemon, bdays_due, feed_all, is_asan, main_guard, ms_of, \
    rfc3339  # noqa: E402
import dbcheck  # noqa: E402

H = 3600 * 1000
MIN = 60 * 1000
T0 = "2026-11-23T12:00:00-03:00"
STEPS = 2000 if LONG else 300
SEED = int(os.environ.get("TORTURE_SEED", str(int(time.time()))))
MAX_SLEEP_S = 60            # SCHED_MAX_SLEEP_MS in daemon/sched.h
FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"

CONFIG = """[deadlines]
response_normal = 3h
response_critical = 2h
warn_before = 30min
photos_wait = 1h
address_wait = 90min
posting_wait = 2h
reply_window = 150min
letter_wait = 1bd
"""


def due_fn(kind, p, start):
    if kind == "response":
        return start + (2 * H if p.critical else 3 * H)
    if kind == "letter_wait":
        return bdays_due(start, 1)
    return start + {"photos_wait": H, "address_wait": 90 * MIN, "posting_wait": 2 * H,
                    "reply_window": 150 * MIN}[kind]


ACTIONS = [("request_photos", {}), ("confirm_address", {}),
           ("inform_posting_code", {"posting_code": "AB1BR"}),
           ("request_cancellation_letter", {}), ("message_customer", {"message": "Oi"})]


def test_clock_walk(tap):
    rng = random.Random(SEED)
    d = Daemon(tap, "clocksteps")
    try:
        d.write_config("log_transitions = debug", CONFIG)
        d.start(test_clock=T0)
        now = ms_of(T0)
        states = {}
        n = fired = back = fwd = 0
        early, missed, wrong_at = [], [], []
        last_seq = 0
        for step in range(STEPS):
            # Writes at this instant: new protocols and actions on known ones.
            for _ in range(3):
                pid = f"C{n}"
                n += 1
                st, b = d.api("POST", "/v1/protocols", {"id": pid, "seller": "S1",
                                                        "critical": rng.random() < 0.3})
                states[pid] = b["state"]
            for pid in rng.sample(sorted(states), min(4, len(states))):
                if states[pid] in ("pending", "unresolved"):
                    a, params = rng.choice(ACTIONS)
                    st, b = d.api("POST", f"/v1/protocols/{pid}/actions",
                                  dict({"action": a}, **params))
                elif states[pid] in ("awaiting", "closed") and rng.random() < 0.3:
                    st, b = d.api("POST", f"/v1/protocols/{pid}/events",
                                  {"event": "customer_replied"})
                else:
                    continue
                if st == 200:
                    states[pid] = b["state"]
            # The step: an hour forward, an hour back, or a few minutes forward.
            r = step % 4
            delta = H if r == 1 else -H if r == 3 else rng.randint(1, 25) * MIN
            back += delta < 0
            fwd += delta == H
            now += delta
            st, b = d.api("POST", "/v1/clock", {"now": rfc3339(now)})
            if st != 200:
                raise RuntimeError(f"set clock answered {st}: {b}")
            new = feed_all(d.client, last_seq)
            if new:
                last_seq = new[-1]["seq"]
            for e in new:
                if e["cause"] in ("expiry", "warning"):
                    fired += 1
                    if ms_of(e["due_at"]) > ms_of(e["at"]):
                        early.append(f"step {step}: {e}")
                    if ms_of(e["at"]) != now:
                        wrong_at.append(f"step {step}: {e}")
                    if e["cause"] == "expiry":
                        states[e["protocol"]] = e["to"]
            # Nothing due by now is left: every running clock's next point is ahead.
            st, stats = d.api("GET", "/v1/stats")
            nd = stats["clocks"]["next_due"]
            if nd is not None and ms_of(nd["at"]) <= now:
                missed.append(f"step {step} (now {rfc3339(now)}): next due {nd}")
        tap.check(f"{STEPS} steps ({fwd} an hour forward, {back} an hour back): no clock "
                  f"point fired before its due instant ({fired} fired)", not early,
                  "\n".join(early[:5]))
        tap.check("every point was applied at the instant of the step that reached it",
                  not wrong_at, "\n".join(wrong_at[:5]))
        tap.check("after every step nothing due by then was left unfired", not missed,
                  "\n".join(missed[:5]))
        d.finish()
        rep, facts = dbcheck.check_all(d.db, due_fn, 30 * MIN, monotonic_at=False)
        tap.check(f"database: {facts['protocols']} protocols, {facts['entries']} entries "
                  "agree; no point twice, none early, none skipped by a later change",
                  not rep.n, rep.text())
        tap.note(f"figures: test clock: {STEPS} steps, {n} protocols, {fired} points fired "
                 f"({facts['expiries']} expiries, {facts['warnings']} warnings)")
    finally:
        d.cleanup()


def wait_for(fn, timeout, every=0.25):
    """Poll fn() until true; the seconds it took, or None."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        if fn():
            return time.time() - t0
        time.sleep(every)
    return None


def test_real_clock(tap):
    if not LONG:
        tap.skip("real clock: a wall-clock jump is noticed within 60 s (SCHED_MAX_SLEEP_MS)",
                 "needs a wait of up to 60 s: TORTURE=long (make torture) runs it")
        return
    if not os.path.exists(FAKETIME_LIB):
        tap.skip("real clock: a wall-clock jump is noticed within 60 s",
                 f"{FAKETIME_LIB} missing (Debian package faketime)")
        return
    d = Daemon(tap, "clockjump")
    rc_file = os.path.join(d.dir, "faketime.rc")
    with open(rc_file, "w") as f:
        f.write("+0\n")
    env = {"LD_PRELOAD": FAKETIME_LIB, "FAKETIME_TIMESTAMP_FILE": rc_file,
           "FAKETIME_NO_CACHE": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
    if is_asan(d.binary):
        env["ASAN_OPTIONS"] = (os.environ.get("ASAN_OPTIONS", "") +
                               ":verify_asan_link_order=0").lstrip(":")
    try:
        d.write_config("", "[deadlines]\nresponse_normal = 1h\nwarn_before = 10min\n")
        d.start(env=env)
        st, p = d.api("POST", "/v1/protocols", {"id": "J1", "seller": "S1"})
        tap.eq("real clock: J1 created, response due in 1 h", 201, st)
        due = ms_of(p["clock"]["due_at"])
        t_create = time.time()

        def jump(offset):
            with open(rc_file + ".tmp", "w") as f:
                f.write(offset + "\n")
            os.rename(rc_file + ".tmp", rc_file)

        def history():
            return d.api("GET", "/v1/protocols/J1/history")[1]["items"]

        # Let the scheduler go to sleep (at most 60 s) on the real time first.
        time.sleep(3)
        jump("+55m")
        took = wait_for(lambda: len(history()) >= 2, MAX_SLEEP_S + 5)
        tap.check(f"real clock: after a jump to 5 min before the due instant the warning "
                  f"fires within {MAX_SLEEP_S} s (took {took if took is None else round(took, 1)} s)",
                  took is not None and took <= MAX_SLEEP_S + 2, history())
        time.sleep(3)
        st, p = d.api("GET", "/v1/protocols/J1")
        tap.eq("real clock: but the response clock has not run out early", "pending",
               p["state"])
        jump("+2h")
        took2 = wait_for(lambda: d.api("GET", "/v1/protocols/J1")[1]["state"] == "mediation",
                         MAX_SLEEP_S + 5)
        tap.check(f"real clock: after a jump of 2 h the expired clock fires within "
                  f"{MAX_SLEEP_S} s (took {took2 if took2 is None else round(took2, 1)} s)",
                  took2 is not None and took2 <= MAX_SLEEP_S + 2, history())
        h = history()
        exp = [e for e in h if e["cause"] == "expiry"]
        # Faked now = real now + 2 h; due = creation + 1 h: late = 1 h + the real time
        # since the creation.
        elapsed = int((time.time() - t_create) * 1000)
        ok = len(exp) == 1 and ms_of(exp[0]["due_at"]) == due and \
            H <= exp[0]["late_ms"] <= H + elapsed + 1000
        tap.check("real clock: one expiry, due_at the due instant, late by the hour jumped "
                  "over plus the real time since", ok, h)
        d.finish()
        tap.note(f"figures: real clock (libfaketime): warning noticed {took and round(took, 1)} s and "
                 f"expiry {took2 and round(took2, 1)} s after the wall-clock jumps")
    finally:
        d.cleanup()


def test(tap):
    t0 = time.time()
    tap.note(f"seed {SEED}")
    test_clock_walk(tap)
    test_real_clock(tap)
    tap.note(f"{time.time() - t0:.1f} s")


if __name__ == "__main__":
    main_guard(test)
