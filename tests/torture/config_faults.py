"""Issue 21, faults 3, 6 and 8: the configuration file as an adversary (or a slip)
writes it.

3. A configuration that never ends or never opens: the file replaced by a symlink to
   /dev/zero, by a FIFO, or by 1 MiB of [reason.X] sections, then POST /v1/reload while
   /v1/health/live is probed: the reload must answer 422 config_invalid within HANG_S,
   every probe must be answered and the daemon's RSS must not grow. --check-config on a
   256 MiB one-line file (sparse) and on the FIFO, and a start on /dev/zero, must exit 6
   quickly with a peak RSS (/usr/bin/time) near that of checking a good file.
6. Bytes that are not UTF-8: the configuration's path has a byte \\xc3 (a reload that
   succeeds must answer 200 naming it), and so has a section name (the 422 must list
   that error); a failed POST reload is logged as a SIGHUP's is, and protocolctl reload
   shows the errors.
8. warn_before = 72h with the default 48h/24h responses can never fire: --check-config
   exits 6 and a reload answers 422, naming warn_before's line.

A hung daemon (the faults as they were) is killed after HANG_S and started again, so
the script ends in seconds either way.
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torture import PROTOCOLD, Client, Daemon, main_guard  # noqa: E402

PROTOCOLCTL = os.environ.get("PROTOCOLCTL") or \
    os.path.join(os.path.dirname(PROTOCOLD), "protocolctl")
HANG_S = 2.0            # a reload slower than this counts as hung
MIB = 1 << 20
GROWTH_KIB = 64 * 1024  # what a failed reload may add to the daemon's RSS
FAILED = "reload failed, the previous configuration is running"


def live_once(sock_path):
    """GET /v1/health/live on a fresh connection, 1 s at most: answered 200?"""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(1.0)
            s.connect(sock_path)
            s.sendall(b"GET /v1/health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return s.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def reload_while_live(d):
    """POST /v1/reload (HANG_S at most) while /v1/health/live is probed every 0.1 s until
    1 s after the reload ended: a dict of what was seen."""
    r = {"status": None, "body": None, "secs": None, "probes": 0, "answered": 0,
         "rss0": d.rss_kib(), "rss_peak": 0}

    def post():
        c = Client(d.sock, timeout=HANG_S)
        t0 = time.time()
        try:
            r["status"], r["body"] = c.api("POST", "/v1/reload")
        except OSError as e:
            r["body"] = f"no answer in {HANG_S} s ({type(e).__name__})"
        r["secs"] = time.time() - t0
        c.close()

    th = threading.Thread(target=post)
    th.start()
    time.sleep(0.05)        # the reload is in the daemon's hands
    end = None
    while end is None or time.time() < end:
        r["probes"] += 1
        r["answered"] += live_once(d.sock)
        r["rss_peak"] = max(r["rss_peak"], d.rss_kib())
        if end is None and not th.is_alive():
            end = time.time() + 1.0
        time.sleep(0.1)
    th.join()
    return r


def errors_of(body):
    return body.get("errors", []) if isinstance(body, dict) else []


def check_refused(tap, d, what, want, r):
    """The checks of a reload of a hostile file; a hung daemon is killed and restarted."""
    errs = errors_of(r["body"])
    tap.check(f"{what}: POST /v1/reload answers 422 config_invalid in {r['secs']:.2f} s "
              f"(at most {HANG_S} s)", r["status"] == 422 and
              r["body"].get("code") == "config_invalid", r["body"])
    tap.check(f"{what}: the error says {want!r}", any(want in e for e in errs), errs)
    tap.check(f"{what}: /v1/health/live answered {r['answered']} of {r['probes']} probes "
              "during and after the reload", r["probes"] >= 5 and
              r["answered"] == r["probes"])
    grew = r["rss_peak"] - r["rss0"]
    tap.check(f"{what}: the daemon's RSS grew {grew >> 10} MiB (at most "
              f"{GROWTH_KIB >> 10} MiB)", grew <= GROWTH_KIB)
    if r["status"] is None or not d.alive():
        tap.note(f"{what}: the daemon hung; killed and started again")
        d.kill9()
        return False
    return True


def restart_if_needed(d, good):
    replace_conf(d, good)
    if not d.alive():
        d.start()


def replace_conf(d, text=None, link=None, fifo=False):
    """The configuration's path becomes a file of text, a symlink, or a FIFO."""
    if os.path.lexists(d.conf):
        os.unlink(d.conf)
    if link is not None:
        os.symlink(link, d.conf)
    elif fifo:
        os.mkfifo(d.conf)
    else:
        with open(d.conf, "wb") as f:
            f.write(text)


def log_count(d, text):
    with open(d.log, "rb") as f:
        return f.read().count(text.encode())


def wait_log_count(d, text, n, timeout=3.0):
    end = time.time() + timeout
    while log_count(d, text) < n and time.time() < end:
        time.sleep(0.05)
    return log_count(d, text)


def child_hwm_kib(pid):
    """The peak RSS (VmHWM) of pid's first child, or -1."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            child = f.read().split()[0]
        with open(f"/proc/{child}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, IndexError, ValueError):
        pass
    return -1


def run_measured(args, timeout):
    """Run args under /usr/bin/time: (exit status, or None when killed at timeout;
    output; peak RSS in KiB as time -v gives it, or VmHWM when killed; seconds)."""
    with tempfile.TemporaryDirectory() as tmp:
        out_path, rss_path = os.path.join(tmp, "out"), os.path.join(tmp, "rss")
        t0 = time.time()
        with open(out_path, "wb") as out:
            p = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss_path] + args,
                                 stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                 start_new_session=True)
            try:
                rc = p.wait(timeout)
            except subprocess.TimeoutExpired:
                rc, rss = None, child_hwm_kib(p.pid)
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        secs = time.time() - t0
        with open(out_path, "rb") as f:
            text = f.read().decode(errors="replace")
        if rc is not None:
            with open(rss_path) as f:
                rss = int(f.read().split()[-1])
    return rc, text, rss, secs


# --- the faults ------------------------------------------------------------------

def fault3_offline(tap, d, figures):
    """--check-config and a start on files that never end or never open."""
    good_rc, out, good_rss, _ = run_measured([d.binary, "-c", d.conf, "--check-config"], 10)
    tap.eq("--check-config on the good file exits 0", 0, good_rc)
    big = os.path.join(d.dir, "big.ini")
    with open(big, "wb") as f:
        f.truncate(256 * MIB)       # one line of 256 MiB (NUL bytes), no disk used
    rc, out, rss, secs = run_measured([d.binary, "-c", big, "--check-config"], 10)
    os.unlink(big)
    figures.append(f"--check-config of a 256 MiB line: {rss} KiB peak RSS, "
                   f"{secs:.2f} s (good file {good_rss} KiB)")
    tap.check(f"--check-config on a 256 MiB one-line file exits 6 in {secs:.2f} s with "
              f"'too large': {out.strip()[-120:]!r}", rc == 6 and "too large" in out and
              secs < HANG_S)
    tap.check(f"and its peak RSS is {rss} KiB (checking the good file: {good_rss} KiB; "
              "at most 16 MiB more)", rss <= good_rss + 16 * 1024)
    fifo = os.path.join(d.dir, "fifo.ini")
    os.mkfifo(fifo)
    rc, out, rss, secs = run_measured([d.binary, "-c", fifo, "--check-config"], HANG_S)
    os.unlink(fifo)
    tap.check(f"--check-config on a FIFO exits 6 in {secs:.2f} s: {out.strip()[-120:]!r}",
              rc == 6 and "not a regular file (a FIFO)" in out)
    zero = os.path.join(d.dir, "zero.ini")
    os.symlink("/dev/zero", zero)
    rc, out, rss, secs = run_measured([d.binary, "-c", zero], HANG_S)
    os.unlink(zero)
    figures.append(f"start on /dev/zero: {rss} KiB peak RSS, {secs:.2f} s")
    tap.check(f"a start on a symlink to /dev/zero exits 6 in {secs:.2f} s ({rss} KiB peak "
              f"RSS): {out.strip()[-120:]!r}",
              rc == 6 and "not a regular file (a character device)" in out)


def fault3_reload(tap, d, good, figures):
    """Reloads of files that never end or never open, with /v1/health/live probed."""
    cases = [
        ("a symlink to /dev/zero", dict(link="/dev/zero"),
         "not a regular file (a character device); the configuration must be a regular file"),
        ("a FIFO", dict(fifo=True), "not a regular file (a FIFO)"),
        # Within the size bound, but each section used to cost a search of all before.
        ("1 MiB of [reason.X] sections",
         dict(text=b"".join(b"[reason.r%06d]\n" % i for i in range(MIB // 17))),
         "too many reasons"),
    ]
    for what, how, want in cases:
        replace_conf(d, **how)
        r = reload_while_live(d)
        figures.append(f"reload of {what}: {r['status']} in {r['secs']:.2f} s, live "
                       f"{r['answered']}/{r['probes']}, RSS +{(r['rss_peak'] - r['rss0']) >> 10}"
                       " MiB")
        if check_refused(tap, d, what, want, r):
            st, _ = d.api("GET", "/v1/health/ready")
            tap.eq(f"{what}: the daemon still serves", 200, st)
        restart_if_needed(d, good)


def fault6(tap, d, good):
    """Bytes that are not UTF-8 in the path and in the file; the failure logged."""
    st, body = d.api("POST", "/v1/reload")
    shown = os.fsencode(d.conf).decode("utf-8", errors="replace").replace("\ufffd", "?")
    tap.check(f"a good reload from a path with a byte \\xc3 answers 200 naming {shown!r}",
              st == 200 and isinstance(body, dict) and body.get("config") == shown,
              f"{st} {body}")
    replace_conf(d, good + b"[\xc3]\n")
    before = log_count(d, FAILED)
    st, body = d.api("POST", "/v1/reload")
    errs = errors_of(body)
    tap.check("a section [\\xc3] gives 422 whose errors list it (invalid bytes as '?')",
              st == 422 and len(errs) == 1 and "[?]: unknown section" in errs[0],
              f"{st} {body}")
    n = wait_log_count(d, FAILED, before + 1, timeout=1.0)
    tap.eq("the failed POST reload is logged as a SIGHUP's is", before + 1, n)
    ctl = subprocess.run([PROTOCOLCTL, "reload"], capture_output=True, timeout=20,
                         env=dict(os.environ, PROTOCOLD_SOCKET=d.sock))
    err = ctl.stderr.decode(errors="replace")
    tap.check(f"protocolctl reload fails and shows the error: {err.strip()[-160:]!r}",
              ctl.returncode != 0 and "unknown section" in err, err)
    before = log_count(d, FAILED)
    d.proc.send_signal(1)   # SIGHUP
    n = wait_log_count(d, FAILED, before + 1)
    time.sleep(0.2)         # a second record would come right after the first
    tap.eq("a failed SIGHUP reload is logged once", before + 1, log_count(d, FAILED))
    replace_conf(d, good)


def fault8(tap, d, good):
    """warn_before = 72h: a warning that could never fire."""
    replace_conf(d, good + b"[deadlines]\nwarn_before = 72h\n")
    line = (good + b"[deadlines]\n").count(b"\n") + 1
    want = f":{line}: [deadlines] warn_before: 72h is not shorter than response_normal (48h"
    rc, out, _, _ = run_measured([d.binary, "-c", d.conf, "--check-config"], 10)
    tap.check(f"--check-config refuses warn_before = 72h (exit {rc}): {out.strip()[-200:]!r}",
              rc == 6 and want in out)
    st, body = d.api("POST", "/v1/reload")
    tap.check("POST /v1/reload refuses warn_before = 72h with 422, on its line",
              st == 422 and any(want in e for e in errors_of(body)), f"{st} {body}")
    replace_conf(d, good)
    st, body = d.api("POST", "/v1/reload")
    tap.eq("the good file reloads again", 200, st)


def test(tap):
    t0 = time.time()
    d = Daemon(tap, "cfgfaults")
    d.conf = os.path.join(d.dir, os.fsdecode(b"prot\xc3ocold.ini"))
    figures = []
    try:
        d.write_config()
        with open(d.conf, "rb") as f:
            good = f.read()
        d.start()
        fault6(tap, d, good)
        fault8(tap, d, good)
        fault3_offline(tap, d, figures)
        fault3_reload(tap, d, good, figures)
        d.finish()
        tap.note("figures: " + "; ".join(figures) + f"; {time.time() - t0:.1f} s")
    finally:
        d.cleanup()


if __name__ == "__main__":
    main_guard(test)
