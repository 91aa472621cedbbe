"""Issue 21, faults 4 and 9 (found by an adversarial probe).

Fault 4, clients that never read: 1000 follow=1 streams (GET /v1/events?follow=1&after=0)
that never read, on a feed of ~4 KB entries, took the daemon to 2.1 GB of RSS and kept
it after they left (rounds of 300 stayed at 646 MB). Here, on ~2000 such entries:
  A. 1000 followers that never read: the daemon's RSS stays bounded (a follower is sent
     64 KiB at a time), a well-behaved follower and ordinary requests go on, and the
     memory comes back when they leave, also over rounds of 300;
  B. readers included: followers that stopped reading, long-poll pages of 1000 entries
     and lists of 1000 protocols that are never read push the answers queued in the
     daemon over its budget (64 MiB): the stalled connections are dropped (counted in
     protocold_http_connections_dropped_total, logged), the followers among them too,
     and the memory comes back while their clients still hold their sockets;
  C. a `protocolctl watch` whose output is not read is one of them: once read again
     it prints every entry once, in order (it resumed after the drop).
Fault 9, ambiguous framing (RFC 9112 §6): two Content-Length fields that disagree (in
either order), Transfer-Encoding with Content-Length, and a Transfer-Encoding other than
chunked are answered 400 invalid_request with the connection closed; the bytes after
the body, a second request, are never executed. Identical duplicates are accepted, and
so is a plain chunked body.

Debian's /usr/bin/python3 standard library only; see torture.py.
"""

import asyncio
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torture import (LONG, PROTOCOLCTL, AConn, Daemon, feed_all, is_asan,  # noqa: E402
                     main_guard)

N_PROTOCOLS = 4000 if LONG else 2000   # each gives a ~200 B and a ~4.2 KB entry
N_STALL = 1000                          # part A: followers that never read
N_ROUND = 300                           # part A: followers per round of connect/leave
N_ROUNDS = 5 if LONG else 3
N_B_FOLLOW = 300                        # part B: followers that stopped reading
N_B_POLL = 60                           # part B: long-poll pages never read
N_B_LIST = 20                           # part B: lists of 1000 protocols never read
MIB = 1 << 20
BUDGET = 64 * MIB                       # HTTPCONN_BUDGET
RSS_KILL = 4096 * MIB                   # a daemon past this is killed (shared machine)


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = N_STALL + N_B_FOLLOW + N_B_POLL + N_B_LIST + 500
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Watch:
    """Samples the daemon's RSS (KiB) every 50 ms; kills it past RSS_KILL."""

    def __init__(self, d):
        self.d = d
        self.samples = []
        self.killed = None
        self.stop = False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop:
            r = self.d.rss_kib()
            if r > 0:
                self.samples.append((time.time(), r))
            if r * 1024 > RSS_KILL and self.killed is None:
                self.killed = r
                try:
                    self.d.proc.send_signal(signal.SIGKILL)
                except (ProcessLookupError, AttributeError):
                    pass
            time.sleep(0.05)

    def peak_since(self, t0):
        return max([r for t, r in self.samples if t >= t0] or [0])


class Follower:
    """A well-behaved follow=1 client in a thread: reads the chunked NDJSON stream as it
    comes and keeps the seqs."""

    def __init__(self, path, after=0):
        self.seqs = []
        self.error = None
        self.ended = False
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.s.settimeout(120)
        self.s.sendall(f"GET /v1/events?follow=1&after={after} HTTP/1.1\r\n"
                       f"Host: x\r\n\r\n".encode())
        self.f = self.s.makefile("rb")
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        try:
            head = b""
            while not head.endswith(b"\r\n\r\n"):
                head += self.f.readline()
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(f"answer {head[:60]!r}")
            rest = b""
            while True:
                size = int(self.f.readline().split(b";")[0], 16)
                if size == 0:
                    self.ended = True
                    return
                rest += self.f.read(size)
                self.f.read(2)
                *lines, rest = rest.split(b"\n")
                self.seqs += [json.loads(l)["seq"] for l in lines if l]
        except Exception as e:  # noqa: BLE001 — reported by the test
            if not self.ended:
                self.error = f"{type(e).__name__}: {e}"

    def wait_for(self, seq, timeout=30):
        end = time.time() + timeout
        while time.time() < end and (not self.seqs or self.seqs[-1] < seq) and \
                self.error is None:
            time.sleep(0.05)
        return bool(self.seqs) and self.seqs[-1] >= seq

    def close(self):
        try:
            self.s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.s.close()


def populate(d):
    """N_PROTOCOLS protocols, each created then messaged with a ~4000-byte text, by 16
    clients at once, so the feed alternates small and ~4.2 KB entries."""
    async def client(k):
        c = AConn(d.sock)
        bad = 0
        for i in range(k, N_PROTOCOLS, 16):
            st, _, _ = await c.request("POST", "/v1/protocols", {"id": f"P{i}",
                                                                  "seller": "S1"})
            text = (f"message {i}: " + "the parcel left the warehouse; " * 140)[:4000]
            st2, _, _ = await c.request("POST", f"/v1/protocols/P{i}/actions",
                                        {"action": "message_customer", "message": text})
            bad += st != 201 or st2 != 200
        c.close()
        return bad

    async def run():
        return sum(await asyncio.gather(*(client(k) for k in range(16))))

    return asyncio.run(run())


def quiet_sockets(path, n, target):
    """n connections that send one GET of target and never read."""
    out = []
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        s.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        out.append(s)
    return out


def close_all(socks):
    for s in socks:
        s.close()


def metric(d, line_start):
    st, _, raw = d.client.raw("GET", "/metrics")
    for l in raw.decode().splitlines():
        if l.startswith(line_start):
            return float(l.split()[-1])
    return None


def feed_waiting(d):
    st, stats = d.api("GET", "/v1/stats")
    return stats.get("feed_waiting") if st == 200 else None


def settle_rss(d, bound_kib, timeout=8.0):
    """The RSS once the daemon gave memory back (it waits a second after a burst), or
    once it is under bound_kib after timeout at most."""
    end = time.time() + timeout
    time.sleep(2)
    r = d.rss_kib()
    while time.time() < end and r > bound_kib:
        time.sleep(0.1)
        r = d.rss_kib()
    return r


def ordinary(d, tag, n=20):
    """A few ordinary requests (reads and writes): the statuses that were wrong."""
    bad = []
    for i in range(n):
        for m, p, b, want in (("GET", f"/v1/protocols/P{i}", None, 200),
                              ("GET", "/v1/stats", None, 200),
                              ("POST", "/v1/protocols", {"id": f"{tag}{i}", "seller": "S2"},
                               201)):
            st, _ = d.api(m, p, b)
            if st != want:
                bad.append(f"{m} {p}: {st}")
    return bad


def check_all_seqs(tap, what, seqs, last):
    tap.check(f"{what} received every entry once, in order (1..{last}: {len(seqs)} "
              f"lines)", seqs == list(range(1, last + 1)),
              f"first {seqs[:3]}, last {seqs[-3:]}, {len(seqs)} seqs, "
              f"{len(set(seqs))} distinct")


# --- fault 4 ------------------------------------------------------------------------

def part_a(tap, d, w, rss0, slack, back):
    good = Follower(d.sock)
    t0 = time.time()
    stalled = quiet_sockets(d.sock, N_STALL, "/v1/events?follow=1&after=0")
    bad = ordinary(d, "A")
    time.sleep(3)
    peak = w.peak_since(t0)
    last = feed_all(d.client)[-1]["seq"]
    got = good.wait_for(last)
    tap.check(f"A: {N_STALL} follow=1 streams that never read, on ~4 KB entries: the "
              f"daemon's RSS peaks at {peak >> 10} MiB ({rss0 >> 10} MiB before; bound "
              f"+{(BUDGET + slack) >> 20} MiB)", 0 < peak <= rss0 + (BUDGET + slack) // 1024
              and w.killed is None, f"killed at {w.killed} KiB" if w.killed else None)
    tap.check("A: meanwhile ordinary reads and writes are answered", not bad,
              "\n".join(bad[:5]))
    tap.check(f"A: and a follower that reads gets the whole feed ({last} entries)",
              got and good.error is None, good.error)
    held = d.rss_kib()
    close_all(stalled)
    after = settle_rss(d, rss0 + back // 1024)
    tap.check(f"A: their memory comes back when they leave: {after >> 10} MiB after, "
              f"{held >> 10} MiB while they were there, {rss0 >> 10} MiB before (bound "
              f"+{back >> 20} MiB)", 0 < after <= rss0 + back // 1024)
    rounds = []
    for _ in range(N_ROUNDS):
        socks = quiet_sockets(d.sock, N_ROUND, "/v1/events?follow=1&after=0")
        time.sleep(1)
        close_all(socks)
        rounds.append(settle_rss(d, rss0 + back // 1024) >> 10)
    tap.check(f"A: {N_ROUNDS} rounds of {N_ROUND} that come and go: RSS after each "
              f"{rounds} MiB (bound {(rss0 + back // 1024) >> 10})",
              all(0 < r <= (rss0 + back // 1024) >> 10 for r in rounds))
    return good, peak, after, rounds


def start_watch(d):
    """protocolctl watch --json, its output a pipe that is not read for now."""
    return subprocess.Popen([PROTOCOLCTL, "--socket", d.sock, "--json", "watch",
                             "--after", "0", "--retry-for", "30"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def read_watch(ctl, last, timeout=60):
    """Read the watch's lines until it printed seq last: the seqs."""
    seqs = []
    end = time.time() + timeout
    os.set_blocking(ctl.stdout.fileno(), False)
    buf = b""
    while time.time() < end and (not seqs or seqs[-1] < last):
        try:
            data = os.read(ctl.stdout.fileno(), 1 << 20)
        except BlockingIOError:
            time.sleep(0.02)
            continue
        if not data:
            break
        buf += data
        *lines, buf = buf.split(b"\n")
        seqs += [json.loads(l)["seq"] for l in lines if l.strip()]
    return seqs


def part_b(tap, d, w, base, slack):
    end = time.time() + 10
    while feed_waiting(d) != 1 and time.time() < end:    # A's followers are gone
        time.sleep(0.1)
    rss0 = d.rss_kib()
    waiting0 = feed_waiting(d)
    dropped0 = metric(d, 'protocold_http_connections_dropped_total{reason="slow_reader"}')
    ctl = start_watch(d)
    followers = quiet_sockets(d.sock, N_B_FOLLOW, "/v1/events?follow=1&after=0")
    time.sleep(1.5)    # they and the watch have stalled: their pipes are full
    waiting1 = feed_waiting(d)
    t0 = time.time()
    readers = quiet_sockets(d.sock, N_B_POLL, "/v1/events?after=0&limit=1000&wait=30")
    readers += quiet_sockets(d.sock, N_B_LIST, "/v1/protocols?limit=1000")
    bad = ordinary(d, "B")
    time.sleep(4)
    peak = w.peak_since(t0)
    waiting2 = feed_waiting(d)
    dropped = (metric(d, 'protocold_http_connections_dropped_total{reason="slow_reader"}')
               or 0) - (dropped0 or 0)
    after = settle_rss(d, base + (BUDGET + 16 * MIB) // 1024)
    tap.check(f"B: {N_B_FOLLOW} followers and a protocolctl watch that stopped reading, "
              f"then {N_B_POLL} long-poll pages of 1000 entries and {N_B_LIST} lists of "
              f"1000 protocols never read: {int(dropped)} stalled connections dropped "
              f"(protocold_http_connections_dropped_total)",
              dropped >= N_B_FOLLOW + 1, f"dropped0 {dropped0}")
    tap.check(f"B: the stalled followers are among them: feed waiters {waiting0} before, "
              f"{waiting1} with them, {waiting2} after", waiting1 is not None and
              waiting1 >= waiting0 + N_B_FOLLOW and waiting2 == waiting0)
    log = open(d.log, errors="replace").read()
    line = next((l for l in log.splitlines() if "stopped reading" in l), "")
    tap.check(f"B: the drop is logged: {line.strip()[:160]}", "budget is 64 MiB" in line)
    tap.check(f"B: the daemon's memory comes back under the budget while those clients "
              f"still hold their sockets: {after >> 10} MiB ({rss0 >> 10} MiB before B, "
              f"{base >> 10} MiB before A; peak {peak >> 10} MiB)",
              0 < after <= base + (BUDGET + 16 * MIB) // 1024 and
              peak <= base + (4 * BUDGET + slack) // 1024 and w.killed is None)
    tap.check("B: meanwhile ordinary reads and writes are answered", not bad,
              "\n".join(bad[:5]))
    entries = feed_all(d.client)
    last = entries[-1]["seq"]
    seqs = read_watch(ctl, last)
    ctl.kill()
    err = ctl.communicate()[1].decode(errors="replace")
    check_all_seqs(tap, "C: the protocolctl watch that was dropped resumed and", seqs, last)
    tap.note(f"protocolctl watch stderr: {err.strip()[:200] or '(nothing)'}")
    close_all(followers + readers)
    return peak, after, int(dropped)


# --- fault 9 ------------------------------------------------------------------------

def exchange(path, data, timeout=2.0):
    """Send data on a new connection and read every answer until the daemon closes or
    is silent for timeout: ([(status, headers, body)], closed)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(data)
    s.settimeout(timeout)
    buf, closed = b"", False
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                closed = True
                break
            buf += chunk
    except socket.timeout:
        pass
    s.close()
    answers = []
    while b"\r\n\r\n" in buf:
        head, buf = buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        hdrs = {k.strip().lower(): v.strip() for k, v in
                (l.split(":", 1) for l in lines[1:] if ":" in l)}
        n = int(hdrs.get("content-length", "0"))
        body, buf = buf[:n], buf[n:]
        answers.append((int(lines[0].split()[1]), hdrs, body))
    return answers, closed


def smuggled(tag):
    body = json.dumps({"id": tag, "seller": "S1"}).encode()
    return (b"POST /v1/protocols HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)) + body


def refused(tap, d, what, data, tag, libevent_may=False):
    """data must get one 400 and a closed connection, and what follows its body must
    not be executed. The 400 is the daemon's problem document (invalid_request,
    Connection: close); with libevent_may, libevent's own 400 page does too (Debian's
    2.1.12-stable-8+deb12u1 refuses some such requests before the daemon sees them)."""
    answers, closed = exchange(d.sock, data)
    first = answers[0] if answers else (None, {}, b"")
    ours = "problem+json" in first[1].get("content-type", "")
    try:
        code = json.loads(first[2]).get("code") if ours else None
    except ValueError:
        code = None
    st, _ = d.api("GET", f"/v1/protocols/{tag}")
    who = ("the daemon's problem+json invalid_request, Connection: close" if ours else
           "libevent's own page") if first[0] == 400 else f"not so: {first[0]}"
    tap.check(f"9: {what}: 400 ({who}), the connection closed, the request after the "
              f"body never executed",
              first[0] == 400 and closed and len(answers) == 1 and st == 404 and
              ((ours and code == "invalid_request" and
                first[1].get("connection", "").lower() == "close") or
               (not ours and libevent_may)),
              f"answers {[(a[0], a[2][:120]) for a in answers]}, closed {closed}, "
              f"GET /v1/protocols/{tag} -> {st}")


def accepted(tap, d, what, data, tag):
    answers, closed = exchange(d.sock, data + b"GET /v1/health/live HTTP/1.1\r\nHost: x"
                               b"\r\n\r\n")
    st, _ = d.api("GET", f"/v1/protocols/{tag}")
    tap.check(f"9: {what}: accepted (201), and the connection goes on (the next "
              f"request on it answered)", [a[0] for a in answers] == [201, 200] and
              not closed and st == 200,
              f"answers {[(a[0], a[2][:120]) for a in answers]}, closed {closed}, "
              f"GET /v1/protocols/{tag} -> {st}")


def fault_9(tap, d):
    tail = smuggled("SMUGGLED1")
    body = b"12345" + tail
    head = b"GET /v1/stats HTTP/1.1\r\nHost: x\r\n"
    refused(tap, d, f"Content-Length 5 then {len(body)} (libevent reads 5)",
            head + b"Content-Length: 5\r\nContent-Length: %d\r\n\r\n" % len(body) + body,
            "SMUGGLED1")
    tail = smuggled("SMUGGLED2")
    body = b"12345" + tail
    refused(tap, d, f"Content-Length {len(body)} then 5 (libevent reads {len(body)})",
            head + b"Content-Length: %d\r\nContent-Length: 5\r\n\r\n" % len(body) + body,
            "SMUGGLED2")
    refused(tap, d, "Content-Length \"5, 7\" after Content-Length 5",
            head + b"Content-Length: 5\r\nContent-Length: 5, 7\r\n\r\n12345" +
            smuggled("SMUGGLED3"), "SMUGGLED3")
    refused(tap, d, "Transfer-Encoding: chunked with Content-Length (RFC 9112 §6.1)",
            head + b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n" +
            smuggled("SMUGGLED4"), "SMUGGLED4", libevent_may=True)
    refused(tap, d, "Transfer-Encoding: identity (not chunked; libevent reads no body)",
            head + b"Transfer-Encoding: identity\r\n\r\n" + smuggled("SMUGGLED5"),
            "SMUGGLED5")
    refused(tap, d, "Transfer-Encoding: gzip, chunked (a coding we cannot undo)",
            head + b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" +
            smuggled("SMUGGLED7"), "SMUGGLED7", libevent_may=True)
    refused(tap, d, "Transfer-Encoding: chunked twice",
            head + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"0\r\n\r\n" + smuggled("SMUGGLED6"), "SMUGGLED6", libevent_may=True)
    body = json.dumps({"id": "DUP1", "seller": "S1"}).encode()
    post = b"POST /v1/protocols HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    accepted(tap, d, "two identical Content-Length fields",
             post + b"Content-Length: %d\r\nContent-Length: %d\r\n\r\n" % (len(body),
                                                                          len(body)) + body,
             "DUP1")
    body = json.dumps({"id": "CHUNKED1", "seller": "S1"}).encode()
    accepted(tap, d, "a chunked body alone",
             post + b"Transfer-Encoding: chunked\r\n\r\n%x\r\n" % len(body) + body +
             b"\r\n0\r\n\r\n", "CHUNKED1")


# --- the test -----------------------------------------------------------------------

def test(tap):
    t_start = time.time()
    nofile = raise_nofile()
    d = Daemon(tap, "slowreaders")
    w = None
    asan = is_asan(d.binary)
    # ASan's allocator costs more per block and keeps more of what is freed.
    slack = (256 if asan else 96) * MIB
    back = (64 if asan else 32) * MIB
    try:
        env = {}
        if asan:
            env["ASAN_OPTIONS"] = (os.environ.get("ASAN_OPTIONS", "") +
                                   ":quarantine_size_mb=16"
                                   ":allocator_release_to_os_interval_ms=200").lstrip(":")
        d.write_config("idle_timeout = 15min")
        d.start(test_clock="2026-11-23T12:00:00-03:00", env=env)
        fault_9(tap, d)
        bad = populate(d)
        entries = feed_all(d.client)
        big = sum(len(json.dumps(e)) > 4000 for e in entries)
        tap.check(f"{len(entries)} feed entries, {big} of them over 4000 bytes "
                  f"({time.time() - t_start:.1f} s)", bad == 0 and big >= N_PROTOCOLS)
        w = Watch(d)
        base = d.rss_kib()
        good, peak_a, after_a, rounds = part_a(tap, d, w, base, slack, back)
        peak_b, after_b, dropped = part_b(tap, d, w, base, slack)
        last = feed_all(d.client)[-1]["seq"]
        good.wait_for(last)
        check_all_seqs(tap, "the well-behaved follower, there from A to the end,",
                       good.seqs, last)
        good.close()
        tap.note(f"figures: {N_PROTOCOLS * 2} entries (~4.2 KB every other); A: "
                 f"{N_STALL} stalled followers, peak RSS {peak_a >> 10} MiB, after they "
                 f"left {after_a >> 10} MiB, rounds of {N_ROUND} {rounds} MiB; B: peak "
                 f"{peak_b >> 10} MiB, {dropped} dropped, after the drop {after_b >> 10} "
                 f"MiB; client nofile {nofile}; {time.time() - t_start:.1f} s")
        w.stop = True
        d.finish()
    finally:
        if w is not None:
            w.stop = True
        d.cleanup()


if __name__ == "__main__":
    main_guard(test)
