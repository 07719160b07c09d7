#!/usr/bin/env python3
"""fairness.py PORT SECONDS: how evenly preforkd's workers share a load.

Polls preforkd's /__status every 0.25 s for SECONDS (start it together with
the load) and reads each slot's pid and served count. For every 1 s window
(from each sample to the first one at least 1 s later) it takes, per worker
that kept its pid through the window, the requests it answered, and the
ratio busiest / least busy. A worker that answered nothing in a window makes
the ratio infinite ("inf"): it was starved, which is what this looks for.

Prints "worst median windows": the worst window's ratio, the median over
windows, and how many windows were judged. Prints "- - 0" if the status page
never answered (a server without it: not attributable).
"""
import json, socket, statistics, sys, time

port, seconds = int(sys.argv[1]), float(sys.argv[2])


def status():
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(b"GET /__status HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        body = json.loads(data.split(b"\r\n\r\n", 1)[1])
        return {w["slot"]: (w["pid"], w["served"]) for w in body["workers"]}
    except (OSError, ValueError, KeyError, IndexError):
        return None


samples = []
end = time.monotonic() + seconds
while time.monotonic() < end:
    t = time.monotonic()
    snap = status()
    if snap is not None:
        samples.append((t, snap))
    time.sleep(max(0.0, 0.25 - (time.monotonic() - t)))

ratios = []
for i, (t0, a) in enumerate(samples):
    later = [s for s in samples[i + 1:] if s[0] >= t0 + 1.0]
    if not later:
        break
    b = later[0][1]
    counts = [b[k][1] - a[k][1] for k in a if k in b and b[k][0] == a[k][0]]
    if len(counts) < 2:
        continue
    lo, hi = min(counts), max(counts)
    ratios.append(float("inf") if lo <= 0 else hi / lo)
if not ratios:
    print("- - 0")
else:
    fmt = lambda r: "inf" if r == float("inf") else f"{r:.2f}"
    print(f"{fmt(max(ratios))} {fmt(statistics.median(ratios))} {len(ratios)}")
