#!/usr/bin/env python3
"""upgrade.py KIND PORT PIDFILE COUNT OUT: COUNT binary upgrades under wrk load.

KIND preforkd: USR2 to the master in PIDFILE; the hand-over ends when the old
     master is gone (it drains on its own once the new one is ready).
KIND nginx:    USR2 to the master, wait for the new master's pid file, then
     QUIT to the old one (nginx's documented sequence); ends when it is gone.

Each upgrade runs inside its own `wrk -t2 -c16 -dDUR` (keep-alive) window,
USR2 at 0.5 s; every BASE_EVERY-th window runs without an upgrade, for the
baseline throughput. Meanwhile the PSS of every process in the server's
session is summed every few ms (extra memory during the overlap = peak
minus the level just before USR2).

Prints one line per upgrade and writes OUT (TSV: kind, i, handover_ms,
rps, errors, extra_pss_kb) plus a summary line:
  KIND upgrades=N failed=F handover_median_ms= handover_max_ms= rps_upgrade=
  rps_base= dip_pct= extra_pss_median_kb= extra_pss_max_kb=
"""
import os, re, signal, statistics, subprocess, sys, time

kind, port, pidfile, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
DUR = os.environ.get("WINDOW", "2s")
BASE_EVERY = int(os.environ.get("BASE_EVERY", "5"))
URL = f"http://127.0.0.1:{port}/"


def read_pid(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def session_of(pid):
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[3])


def session_pss_kb(sid):
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[3]) != sid or fields[0] == "Z":
                continue
            with open(f"/proc/{entry}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except (OSError, ValueError, IndexError):
            pass
    return total


def wrk():
    return subprocess.Popen(["wrk", "-t2", "-c16", f"-d{DUR}", URL], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wrk_result(proc):
    text = proc.communicate()[0]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    errors = 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        errors += sum(int(x) for x in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m:
        errors += int(m.group(1))
    return rps, errors, text


def upgrade(old, sid):
    """One hand-over; returns (ms, extra PSS kB). Samples memory meanwhile."""
    base = session_pss_kb(sid)
    peak = base
    start = time.monotonic()
    os.kill(old, signal.SIGUSR2)
    if kind == "nginx":
        while read_pid(pidfile) in (None, old):  # nginx renames the old pid file to .oldbin
            peak = max(peak, session_pss_kb(sid))
            time.sleep(0.002)
            if time.monotonic() - start > 30:
                raise SystemExit("nginx: no new master after 30 s")
        os.kill(old, signal.SIGQUIT)
    while alive(old):
        peak = max(peak, session_pss_kb(sid))
        time.sleep(0.002)
        if time.monotonic() - start > 60:
            raise SystemExit(f"{kind}: old master {old} still there 60 s after USR2")
    ms = (time.monotonic() - start) * 1000
    new = read_pid(pidfile)
    if new is None or new == old or not alive(new):
        raise SystemExit(f"{kind}: no live new master after the hand-over (pid file: {new})")
    return ms, peak - base


def main():
    master = read_pid(pidfile)
    sid = session_of(master)
    rows, base_rps, failed = [], [], 0
    done = 0
    window = 0
    while done < count:
        window += 1
        proc = wrk()
        if window % BASE_EVERY == 0:
            rps, errors, text = wrk_result(proc)
            base_rps.append(rps)
            failed += errors
            print(f"{kind} base window: {rps:.0f} req/s, errors {errors}", flush=True)
            continue
        time.sleep(0.5)
        master = read_pid(pidfile)
        ms, extra = upgrade(master, sid)
        rps, errors, text = wrk_result(proc)
        failed += errors
        done += 1
        rows.append((done, ms, rps, errors, extra))
        print(f"{kind} upgrade {done}: {ms:.0f} ms, {rps:.0f} req/s, errors {errors}, extra PSS {extra} kB", flush=True)
        if errors:
            print(text, flush=True)
    with open(out, "a") as f:
        for i, ms, rps, errors, extra in rows:
            f.write(f"{kind}\t{i}\t{ms:.1f}\t{rps:.0f}\t{errors}\t{extra}\n")
    hand = [r[1] for r in rows]
    up_rps = [r[2] for r in rows]
    extra = [r[4] for r in rows]
    rb = statistics.median(base_rps) if base_rps else float("nan")
    ru = statistics.median(up_rps)
    print(f"{kind} upgrades={done} failed={failed} handover_median_ms={statistics.median(hand):.0f} "
          f"handover_max_ms={max(hand):.0f} rps_upgrade={ru:.0f} rps_base={rb:.0f} "
          f"dip_pct={100 * (1 - ru / rb):.1f} extra_pss_median_kb={statistics.median(extra):.0f} "
          f"extra_pss_max_kb={max(extra)}", flush=True)


main()
