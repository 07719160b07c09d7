#!/usr/bin/env python3
"""A small pre-forking HTTP/1.1 server on Python's standard library only: a
foreign target for chaos-run that any CI machine with python3 can run.

    python3 contrib/ci/prefork_http.py PORT [--workers N] [--timeout S]
    chaos-run --workers auto -- python3 contrib/ci/prefork_http.py {port}

The master binds one socket and forks N workers that accept from it (each
serves connections on threads, so a slow client holds a thread, not the
worker); it reaps and respawns dead workers at once, SIGKILLs a worker whose
heartbeat (a timestamp in shared memory, written by its accept loop) is older
than --timeout, and on TERM/INT/HUP stops the workers gracefully and exits 0
(QUIT: at once). It answers every GET with a short text body.
"""
import argparse
import mmap
import os
import signal
import socket
import struct
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10  # per-connection socket timeout: a stalled client lets go of its thread

    def do_GET(self):
        body = f"hello from worker {os.getpid()}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET

    def log_message(self, *args):
        pass


class Worker(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, sock, beat):
        super().__init__(sock.getsockname(), Handler, bind_and_activate=False)
        self.socket.close()
        self.socket = sock
        self.beat = beat

    def service_actions(self):
        self.beat()  # called once per poll turn (poll_interval), also when idle


def serve(sock, heartbeats, slot):
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    for s in (signal.SIGINT, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(s, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    server = Worker(sock, lambda: struct.pack_into("d", heartbeats, slot * 8, time.monotonic()))
    server.beat()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        os._exit(0)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("port", type=int)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--workers", type=int, default=3)
    p.add_argument("--timeout", type=float, default=2.0, help="heartbeat timeout in seconds")
    p.add_argument("--graceful-timeout", type=float, default=5.0)
    a = p.parse_args()

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((a.host, a.port))
    sock.listen(1024)
    heartbeats = mmap.mmap(-1, 8 * a.workers)  # MAP_SHARED | MAP_ANONYMOUS: shared with the workers
    slots = {}  # slot -> pid
    stop = []

    def spawn(slot):
        struct.pack_into("d", heartbeats, slot * 8, time.monotonic())
        pid = os.fork()
        if pid == 0:
            serve(sock, heartbeats, slot)
        slots[slot] = pid

    # The master takes its signals synchronously (sigtimedwait below): a
    # worker's death wakes it at once, so no zombie outlives a loop turn.
    stops = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stops | {signal.SIGCHLD})
    for slot in range(a.workers):
        spawn(slot)
    print(f"prefork_http ready pid={os.getpid()} url=http://{a.host}:{a.port}/ workers={a.workers}", flush=True)

    while not stop:
        while True:  # reap every dead worker, then refill its slot
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            for slot, p_ in list(slots.items()):
                if p_ == pid:
                    spawn(slot)
        now = time.monotonic()
        for slot, pid in slots.items():
            (beat,) = struct.unpack_from("d", heartbeats, slot * 8)
            if now - beat > a.timeout:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                struct.pack_into("d", heartbeats, slot * 8, now)  # one kill per timeout
        info = signal.sigtimedwait(stops | {signal.SIGCHLD}, 0.05)
        if info and info.si_signo in stops:
            stop.append(info.si_signo)

    sock.close()
    graceful = stop[0] != signal.SIGQUIT
    for pid in slots.values():
        try:
            os.kill(pid, signal.SIGTERM if graceful else signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + (a.graceful_timeout if graceful else 0)
    while slots:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid:
            slots = {s: p_ for s, p_ in slots.items() if p_ != pid}
            continue
        if time.monotonic() > deadline:
            for pid in slots.values():
                os.kill(pid, signal.SIGKILL)
            deadline = float("inf")
        signal.sigtimedwait({signal.SIGCHLD}, 0.01)  # woken by the next exit: reaped at once
    return 0


if __name__ == "__main__":
    sys.exit(main())
