"""Issue 6, item 1 (spec.md §9): kill -9 at random moments while 64 clients write and a
herd of clocks fires; after every restart nothing acknowledged is lost, no transition
is half-applied, no clock fires twice, the feed has no gap and no repeat.

The real clock with deadlines of seconds, so clocks keep firing all the time. Every 2xx
answer is logged (protocol, what, version, state, at); after the last round the daemon
is stopped (SIGTERM) and the database is checked read-only (dbcheck.py) against the log,
a follower's view of the feed and the paged feed.
"""

import asyncio
import collections
import datetime
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torture import LONG, AConn, ConnLost, Daemon, main_guard, ms_of, now_ms, \
    read_chunk, rfc3339, feed_all, integrity, integrity_desc  # noqa: E402
import dbcheck  # noqa: E402
from writes import PREVENTIVE_ACTIONS, P, action_body, next_write  # noqa: E402

CLIENTS = 64
PER_CLIENT = 30            # protocols each client keeps alive
ROUNDS = 24 if LONG else 4
RUN_S = (2.0, 9.0) if LONG else (1.5, 3.5)   # load between two kills
SEED = int(os.environ.get("TORTURE_SEED", str(int(time.time()))))

DL = {"response_normal": 3000, "response_critical": 2000, "warn_before": 1000,
      "photos_wait": 2000, "address_wait": 3000, "posting_wait": 4000,
      "letter_wait": 5000, "reply_window": 4000}
KIND_DL = {"photos_wait": "photos_wait", "address_wait": "address_wait",
           "posting_wait": "posting_wait", "letter_wait": "letter_wait",
           "reply_window": "reply_window"}


def dur(kind, p):
    if kind == "response":
        return DL["response_critical"] if p.critical else DL["response_normal"]
    return DL[KIND_DL[kind]]


class Harness:
    def __init__(self, tap, d):
        self.tap = tap
        self.d = d
        self.stopping = False
        self.up = asyncio.Event()
        self.acks = []
        self.stats = collections.Counter()
        self.token = 0
        self.follow_seen = {}        # seq -> (protocol, cause, name, at, due_at)
        self.follow_last = 0
        self.follow_bad = []
        self.rng = random.Random(SEED)

    def today(self):
        return datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=-3))) \
            .date().isoformat()

    def next_token(self):
        self.token += 1
        return f"T{self.token}"

    def action_body(self, p, rng):
        return action_body(p, rng, self.next_token, self.today)

    def learn(self, p, body):
        p.state = body["state"]
        p.version = body["version"]
        p.clock = body["clock"]["kind"] if body.get("clock") else None
        p.unknown = False

    async def refresh(self, conn, p):
        st, body = await asyncio.wait_for(conn.json("GET", f"/v1/protocols/{p.id}"), 15)
        self.stats["reads"] += 1
        if st == 200:
            self.learn(p, body)
        elif st == 404:
            p.state = None          # the create did not survive: it was never acknowledged
        else:
            self.stats[f"read_{st}"] += 1

    async def client(self, ci):
        rng = random.Random(SEED * 1000 + ci)
        conn = AConn(self.d.sock)
        mine = {}
        n = 0
        while not self.stopping:
            await asyncio.sleep(rng.uniform(0.004, 0.04))
            if not self.up.is_set():
                conn.close()
                await self.up.wait()
                continue
            try:
                await self.client_step(ci, rng, conn, mine, n)
                n += 1
            except (ConnLost, asyncio.TimeoutError, OSError) as e:
                if isinstance(e, asyncio.TimeoutError):
                    self.stats["timeouts"] += 1
                conn.close()
        conn.close()

    async def client_step(self, ci, rng, conn, mine, n):
        # Keep PER_CLIENT live protocols; replace the resolved ones.
        live = [p for p in mine.values() if p.state != "resolved"]
        if len(live) < PER_CLIENT:
            pid = f"k{ci}-{n}"
            body = {"id": pid, "seller": f"S{ci % 8}"}
            r = rng.random()
            if r < 0.08:
                reason = rng.choice(list(PREVENTIVE_ACTIONS))
                body.update(origin="preventive", reason=reason)
            elif r < 0.25:
                body["critical"] = True
            elif r < 0.35:
                body["opened_at"] = rfc3339(now_ms() - rng.randint(500, 2900))
            p = P(pid, body)
            mine[pid] = p
            await self.send(conn, p, "create", "create", "POST", "/v1/protocols", body, None)
            return
        for pid in [q.id for q in mine.values() if q.state == "resolved"]:
            del mine[pid]
        p = rng.choice(live)
        if p.unknown:
            await self.refresh(conn, p)
            if p.state is None:
                await self.send(conn, p, "create", "create", "POST", "/v1/protocols",
                                p.body, None)
            return
        w = next_write(p, rng, self.action_body)
        if w is None:
            return
        kind, name, path, body, token = w
        await self.send(conn, p, kind, name, "POST", path, body, token)

    async def send(self, conn, p, kind, name, method, path, body, token):
        self.stats["writes_sent"] += 1
        try:
            st, resp = await asyncio.wait_for(conn.json(method, path, body), 15)
        except (ConnLost, asyncio.TimeoutError, OSError):
            # The outcome is unknown: it may or may not have been committed.
            self.stats["unknown_outcome"] += 1
            p.unknown = True
            raise
        if 200 <= st < 300:
            self.stats[f"ack_{kind}"] += 1
            self.acks.append((p.id, kind, name, st, resp["version"], resp["state"],
                              ms_of(resp["updated_at"]), token))
            self.learn(p, resp)
        elif st in (404, 409, 422):
            self.stats[f"refused_{st}"] += 1
            if st == 422:
                self.stats[f"422:{(resp or {}).get('detail')}"] += 1
            await self.refresh(conn, p)
        else:
            self.stats[f"status_{st}"] += 1
            self.stats[f"status_{st}:{(resp or {}).get('code')}"] += 1

    async def follower(self):
        """A follow=1 stream, resumed after every restart from the last seq it has."""
        while not self.stopping:
            if not self.up.is_set():
                await self.up.wait()
                continue
            conn = AConn(self.d.sock)
            try:
                await conn.open()
                conn.w.write(f"GET /v1/events?follow=1&after={self.follow_last} HTTP/1.1\r\n"
                             "Host: localhost\r\n\r\n".encode())
                await conn.w.drain()
                st, headers = await conn.read_head()
                if st != 200:
                    self.follow_bad.append(f"follow answered {st}")
                    await asyncio.sleep(0.1)
                    continue
                buf = b""
                while not self.stopping:
                    chunk = await read_chunk(conn.r)
                    if not chunk:
                        break
                    buf += chunk
                    *lines, buf = buf.split(b"\n")
                    for line in lines:
                        if line:
                            self.follow_entry(json.loads(line))
            except (ConnLost, ConnectionError, OSError, asyncio.IncompleteReadError,
                    ValueError):
                pass
            finally:
                conn.close()
            await asyncio.sleep(0.02)

    def follow_entry(self, e):
        seq = e["seq"]
        if seq in self.follow_seen:
            self.follow_bad.append(f"seq {seq} repeated")
        elif seq != self.follow_last + 1:
            self.follow_bad.append(f"seq {seq} after {self.follow_last} (gap)")
        self.follow_seen[seq] = (e["protocol"], e["cause"], e["name"], ms_of(e["at"]),
                                 ms_of(e.get("due_at")))
        self.follow_last = max(self.follow_last, seq)

    async def killer(self):
        loop = asyncio.get_running_loop()
        rng = self.rng
        for r in range(ROUNDS):
            # Every third round dies during the catch-up right after a start.
            delay = rng.uniform(0.0, 0.4) if r % 3 == 2 else rng.uniform(*RUN_S)
            await asyncio.sleep(delay)
            self.up.clear()
            self.d.kill9()
            self.stats["kills"] += 1
            await asyncio.sleep(rng.uniform(0.0, 0.6))
            self.d.start(wait=False)
            ok = await loop.run_in_executor(None, self.d.wait_ready)
            if not ok:
                raise RuntimeError("protocold did not restart after kill -9:\n" +
                                   self.d.log_tail(30))
            self.up.set()
        await asyncio.sleep(rng.uniform(*RUN_S))

    async def run(self):
        self.up.set()
        tasks = [asyncio.create_task(self.client(i)) for i in range(CLIENTS)]
        ftask = asyncio.create_task(self.follower())
        try:
            await self.killer()
        finally:
            self.stopping = True
            await asyncio.gather(*tasks, return_exceptions=True)
            await asyncio.sleep(0.3)
            ftask.cancel()
            await asyncio.gather(ftask, return_exceptions=True)


def test(tap):
    t0 = time.time()
    d = Daemon(tap, "kill9")
    tap.note(f"seed {SEED} ({'long' if LONG else 'short'} mode, {ROUNDS} kill -9 rounds, "
             f"{CLIENTS} clients)")
    try:
        d.write_config("log_transitions = debug\nmax_connections = 1024",
                       "[deadlines]\n" + "".join(f"{k} = {v // 1000}s\n" for k, v in DL.items())
                       + "pickup_grace = 1d\n")
        d.start()
        h = Harness(tap, d)
        asyncio.run(h.run())
        tap.eq(f"{ROUNDS} kill -9 rounds, each restart came up", ROUNDS, h.stats["kills"])
        # Quiet: the scheduler must catch up with every clock due by now.
        time.sleep(1.5)
        st, stats = d.api("GET", "/v1/stats")
        nd = (stats.get("clocks") or {}).get("next_due") if st == 200 else None
        lag = now_ms() - ms_of(nd["at"]) if nd else 0
        tap.check("after the load, no clock is overdue by more than 1 s (the scheduler "
                  "caught up)", st == 200 and lag < 1000, f"stats {st}, next_due {nd}, "
                  f"overdue by {lag} ms")
        feed = feed_all(d.client)
        t_stop = now_ms()
        d.finish()
        tap.eq(f"{integrity_desc(d.db)} = ok", "ok", integrity(d.db))
        rep, facts = dbcheck.check_all(d.db, lambda k, p, start: start + dur(k, p),
                                       DL["warn_before"])
        entries = facts["entries_list"]
        protos_by_id = {p.id: p for p in facts["protos"].values()}
        by_rid = facts["by_rid"]

        # 1. Every acknowledged write is there, with its version.
        lost = dbcheck.Report()
        for (pid, kind, name, status, version, state, at, token) in h.acks:
            p = protos_by_id.get(pid)
            if p is None:
                lost.bad("acknowledged create lost", f"{pid} ({status})")
                continue
            bumps = [e for e in by_rid[p.rid] if e.cause != "warning"]
            if version < 1 or version > len(bumps):
                lost.bad("acknowledged version missing", f"{pid} {kind}:{name} v{version} "
                         f"but only {len(bumps)} changes")
                continue
            e = bumps[version - 1]
            if kind == "create":
                # 201: created now (an old opened_at may have settled it further at
                # once: then the answer's version is that of the last settled point).
                ok = status != 201 or (bumps[0].cause == "create" and bumps[0].at == at
                                       and e.to == state and e.at == at)
            else:
                ok = (e.cause == kind and e.name == name and e.to == state and e.at == at
                      and (token is None or token in (e.detail or "")))
            if not ok:
                lost.bad("acknowledged write not in the history with its version",
                         f"{pid} {kind}:{name} v{version} -> {state} at {at}; history has "
                         f"seq {e.seq} {e.cause}:{e.name} -> {e.to} at {e.at}")
        n_acks = len(h.acks)
        tap.check(f"0 acknowledged writes lost ({n_acks} acknowledged, {n_acks} checked "
                  f"against the history)", not lost.n, lost.text())

        half = [k for k in rep.n if k not in ("a clock point fired twice",
                                              "history seqs with a gap")]
        counters = ", counters match" if facts["counters_checked"] else \
            " (the store keeps no counters table: not compared)"
        tap.check(f"0 half-applied transitions: state, clock, version, attempts and "
                  f"history agree for all {facts['protocols']} protocols{counters}",
                  not half, rep.text(half))
        tap.check(f"0 clocks fired twice ({facts['expiries']} expiries, {facts['warnings']} "
                  f"warnings fired)", not rep.n["a clock point fired twice"],
                  rep.text(["a clock point fired twice"]))
        tap.check(f"history seqs 1..{len(entries)} without a gap",
                  not rep.n["history seqs with a gap"], rep.text(["history seqs with a gap"]))
        overdue = [p.id for p in facts["protos"].values()
                   if p.clock_next is not None and p.clock_next < t_stop - 1000]
        tap.check("no clock left unfired that was due 1 s before the stop",
                  not overdue, f"{len(overdue)}: {overdue[:5]}")

        # 2. The feed, paged from 0: every seq once, in order, the same as the history.
        seqs = [e["seq"] for e in feed]
        tap.check(f"GET /v1/events paged from 0: {len(seqs)} entries, seqs 1..N without a "
                  "gap or repeat", seqs == list(range(1, len(seqs) + 1)),
                  f"first bad at {next((i for i, s in enumerate(seqs) if s != i + 1), None)}")
        by_seq = {e.seq: e for e in entries}
        rid_id = {p.rid: p.id for p in facts["protos"].values()}
        mism = [e["seq"] for e in feed if e["seq"] not in by_seq or
                (rid_id[by_seq[e["seq"]].rid], by_seq[e["seq"]].cause, by_seq[e["seq"]].name,
                 by_seq[e["seq"]].at) != (e["protocol"], e["cause"], e["name"], ms_of(e["at"]))]
        tap.check("the paged feed is the committed history", not mism, f"seqs {mism[:10]}")

        # 3. The follower saw only committed entries, each once, without a gap.
        fm = [s for s, v in h.follow_seen.items() if s not in by_seq or
              (rid_id[by_seq[s].rid], by_seq[s].cause, by_seq[s].name, by_seq[s].at,
               by_seq[s].due_at) != v]
        tap.check(f"a follow=1 client resumed across every restart saw {len(h.follow_seen)} "
                  "entries without a gap or a repeat", not h.follow_bad and h.follow_seen,
                  "\n".join(h.follow_bad[:10]))
        tap.check("every entry the follower saw is committed, as it saw it", not fm,
                  f"seqs {fm[:10]}")

        late = sum(1 for e in entries if e.late_ms is not None and e.late_ms > 500)
        s = h.stats
        tap.note(f"figures: {ROUNDS} rounds; {n_acks} writes acknowledged and checked "
                 f"(creates {s['ack_create']}, actions {s['ack_action']}, events "
                 f"{s['ack_event']}); {s['writes_sent']} writes sent, "
                 f"{s['unknown_outcome']} cut by a kill (outcome unknown), refused "
                 f"409 {s['refused_409']} / 404 {s['refused_404']} / 422 {s['refused_422']}; "
                 f"other statuses {dict((k, v) for k, v in s.items() if k.startswith('status_'))}; "
                 f"timeouts {s['timeouts']}")
        tap.note(f"figures: {facts['protocols']} protocols, {len(entries)} history entries, "
                 f"clocks fired {facts['expiries']} expiries + {facts['warnings']} warnings "
                 f"({late} more than 500 ms late, i.e. caught up after a restart); follower "
                 f"{len(h.follow_seen)} entries; {time.time() - t0:.1f} s")
        if s["refused_422"]:
            tap.note("422s: " + "; ".join(f"{k[4:]} ×{v}" for k, v in s.items()
                                         if k.startswith("422:")))
    finally:
        d.cleanup()


if __name__ == "__main__":
    main_guard(test)
