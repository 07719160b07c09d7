#!/usr/bin/env python3
"""Lifecycle probes for bench.sh, timed with CLOCK_MONOTONIC in one process
(the bash loops they replace had a granularity of milliseconds: a /proc scan
and a /dev/tcp connect per turn, on cores shared with the server).

  lifecycle.py respawn MASTER PORT  -> "fork_ms answer_ms"
      SIGKILL MASTER's oldest child (a young one may meet a crash-loop
      backoff, which is not what this measures); fork_ms: until MASTER has a child that was not there
      before; answer_ms: until, after that, a GET /hello.txt answers 200.
  lifecycle.py shutdown MASTER PORT        -> "ms"
      SIGTERM MASTER while idle; until MASTER and every child of it have
      exited (pidfd readable, no busy polling) and the port refuses.
"""
import os, random, select, signal, socket, sys, time

def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return set(int(x) for x in f.read().split())
    except OSError:
        return set()

def connect(port, timeout):
    """A connection from a source port below the ephemeral range: after the
    Connection: close runs tens of thousands of TIME_WAIT sockets crowd that
    range, and the kernel's search for a free ephemeral port then costs the
    probe milliseconds per connect (measured: 15 ms instead of 4 ms)."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    for _ in range(50):
        try:
            s.bind(("127.0.0.1", random.randint(10000, 32000)))
            break
        except OSError:
            continue
    s.settimeout(timeout)
    try:
        s.connect(("127.0.0.1", port))
    except OSError:
        s.close()
        raise
    return s

def get_ok(port):
    try:
        s = connect(port, 2)
    except OSError:
        return False
    with s:
        s.sendall(b"GET /hello.txt HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        data = b""
        try:
            while len(data) < 16:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        except OSError:
            return False
        return data.startswith(b"HTTP/1.") and data[9:12] == b"200"

def ms(t0):
    return (time.monotonic_ns() - t0) / 1e6

def start_time(pid):
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[19])

def respawn(master, port):
    before = children(master)
    victim = min(before, key=start_time)
    t0 = time.monotonic_ns()
    os.kill(victim, signal.SIGKILL)
    fork_ms = answer_ms = None
    while ms(t0) < 10000:
        if fork_ms is None:
            if children(master) - before - {victim}:
                fork_ms = ms(t0)
        if fork_ms is not None and get_ok(port):
            answer_ms = ms(t0)
            break
        time.sleep(0.0002)
    t = ms(t0)
    print(f"{fork_ms if fork_ms is not None else t:.2f} {answer_ms if answer_ms is not None else t:.2f}")

def refused(port):
    try:
        connect(port, 1).close()
        return False
    except OSError:
        return True

def shutdown(master, port):
    pids = {master} | children(master)
    fds = []
    for p in pids:
        try:
            fds.append(os.pidfd_open(p))
        except OSError:
            pass  # already gone
    poller = select.poll()
    for fd in fds:
        poller.register(fd, select.POLLIN)
    t0 = time.monotonic_ns()
    os.kill(master, signal.SIGTERM)
    pending = set(fds)
    while pending and ms(t0) < 30000:
        for fd, _ in poller.poll(100):
            poller.unregister(fd)
            pending.discard(fd)
    while not refused(port) and ms(t0) < 30000:
        time.sleep(0.0002)
    print(f"{ms(t0):.2f}")

if __name__ == "__main__":
    mode, master, port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    if mode == "respawn":
        respawn(master, port)
    else:
        shutdown(master, port)
