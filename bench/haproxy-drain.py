#!/usr/bin/env python3
"""haproxy-drain.py: what --drain-delay buys behind HAProxy, on one machine.

Two preforkd hosts on loopback behind HAProxy with the backend from README
("Running a fleet", read from README.md so the documented config is the one
measured), plain-stdlib HTTP load (8 threads, half keep-alive) for --seconds;
one second in, host1 gets SIGTERM. Prints when HAProxy's stats socket shows
host1 DOWN, when its master exited, and the client's failed requests.
--no-retry drops retry-on/redispatch and sets retries 0 (HAProxy with no
retries) to show what the delay alone does. A benchmark, not a test.

  bench/haproxy-drain.py --delay 2 [--no-retry] [--binary .build/debug/preforkd]

Every process it starts is killed by pid (hosts: their process group) at
the end, also on an exception; the temp dir is removed.
"""
import argparse, http.client, os, re, shutil, signal, socket, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

def readme_backend():
    text = open(os.path.join(ROOT, "README.md")).read()
    m = re.search(r"An HAProxy 2\.6 backend.*?```\n(.*?)```", text, re.S)
    if not m: sys.exit("README.md: HAProxy snippet not found")
    return m.group(1)

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def start_host(binary, port, delay, log):
    p = subprocess.Popen([binary, "--port", str(port), "--workers", "2", "--lifetime", "0", "--drain-delay", str(delay),
                          "--graceful-timeout", "5", "--log-file", log], stdout=subprocess.PIPE, text=True, start_new_session=True)
    line = p.stdout.readline()
    if not line.startswith("preforkd ready"): raise RuntimeError(f"host on {port}: {line!r}")
    return p

def server_status(sock_path, name):
    s = socket.socket(socket.AF_UNIX); s.settimeout(2); s.connect(sock_path); s.sendall(b"show stat\n")
    data = b""
    while (b := s.recv(65536)): data += b
    s.close()
    for line in data.decode().splitlines():
        f = line.split(",")
        if len(f) > 17 and f[0] == "preforkd" and f[1] == name: return f[17]
    return None

def load(port, until, stats, lock, keep):
    conn = None
    while time.monotonic() < until:
        try:
            if conn is None or not keep: conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/"); r = conn.getresponse(); r.read()
            key = "ok" if r.status == 200 else str(r.status)
            if r.getheader("Connection", "").lower() == "close": conn.close(); conn = None
        except Exception as e:
            key = type(e).__name__; conn = None
        with lock: stats[key] = stats.get(key, 0) + 1

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--delay", type=float, default=2.0)
    ap.add_argument("--no-retry", action="store_true")
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build/debug/preforkd"))
    a = ap.parse_args()
    shutil.which("haproxy") or sys.exit("haproxy missing: apt-get install haproxy")
    tmp = tempfile.mkdtemp(prefix="haproxy-drain-")
    hosts, haproxy = [], None
    try:
        ports = [free_port(), free_port()]
        front = free_port()
        hosts = [start_host(a.binary, p, a.delay, f"{tmp}/host{i + 1}.log") for i, p in enumerate(ports)]
        cfg = readme_backend()
        cfg = re.sub(r"\n    server host3 .*", "", cfg)
        for i, p in enumerate(ports): cfg = re.sub(rf"server host{i + 1} \S+", f"server host{i + 1} 127.0.0.1:{p}", cfg)
        if a.no_retry:
            cfg = re.sub(r"\n    (retry-on|option redispatch)[^\n]*", "", cfg).replace("retries 3", "retries 0")
        stats_sock = f"{tmp}/stats.sock"
        cfg = f"global\n    stats socket {stats_sock} level admin\n\n{cfg}\nfrontend fe\n    bind 127.0.0.1:{front}\n    default_backend preforkd\n"
        open(f"{tmp}/haproxy.cfg", "w").write(cfg)
        haproxy = subprocess.Popen(["haproxy", "-db", "-f", f"{tmp}/haproxy.cfg"], stdout=subprocess.DEVNULL,
                                   stderr=open(f"{tmp}/haproxy.err", "w"))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if all(server_status(stats_sock, f"host{i}") == "UP" for i in (1, 2)): break
            except OSError: pass
            time.sleep(0.05)
        else: raise RuntimeError("HAProxy never saw both hosts UP")
        stats, lock = {}, threading.Lock()
        until = time.monotonic() + a.seconds
        threads = [threading.Thread(target=load, args=(front, until, stats, lock, i % 2 == 0)) for i in range(8)]
        for t in threads: t.start()
        time.sleep(1)
        t0 = time.monotonic()
        hosts[0].send_signal(signal.SIGTERM)
        down_ms = gone_ms = None
        while time.monotonic() < until and (down_ms is None or gone_ms is None):
            if down_ms is None and server_status(stats_sock, "host1") == "DOWN": down_ms = (time.monotonic() - t0) * 1000
            if gone_ms is None and hosts[0].poll() is not None: gone_ms = (time.monotonic() - t0) * 1000
            time.sleep(0.01)
        for t in threads: t.join()
        ok = stats.pop("ok", 0)
        fmt = lambda v: "never" if v is None else f"{v:.0f} ms"
        print(f"drain-delay {a.delay:g} s, {'no retries' if a.no_retry else 'README config'}: host1 DOWN in HAProxy after "
              f"{fmt(down_ms)}, its master exited after {fmt(gone_ms)}; requests ok {ok}, failed {sum(stats.values())} {stats or ''}")
    finally:
        for h in hosts:
            if h.poll() is None:
                try: os.killpg(h.pid, signal.SIGKILL)
                except ProcessLookupError: pass
            h.wait()
        if haproxy: haproxy.kill(); haproxy.wait()
        shutil.rmtree(tmp, ignore_errors=True)

if __name__ == "__main__":
    main()
