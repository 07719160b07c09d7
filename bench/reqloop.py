#!/usr/bin/env python3
"""reqloop.py PORT N [PATH] [close]: N sequential GETs (one keep-alive
connection, or one connection each with `close`), each response read in full.
A deterministic request count for instruction profiles (callgrind)."""
import socket, sys

port, n = int(sys.argv[1]), int(sys.argv[2])
path = sys.argv[3] if len(sys.argv) > 3 else "/hello.txt"
close = len(sys.argv) > 4 and sys.argv[4] == "close"
req = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: reqloop\r\nAccept: */*\r\n"
       + ("Connection: close\r\n" if close else "") + "\r\n").encode()

def one(s, buf):
    s.sendall(req)
    while True:
        head_end = buf.find(b"\r\n\r\n")
        if head_end >= 0:
            head = buf[:head_end].decode("latin-1").lower()
            length = int(head.split("content-length:")[1].split("\r\n")[0])
            total = head_end + 4 + length
            if len(buf) >= total:
                assert head.startswith("http/1.1 200"), head[:40]
                return buf[total:]
        chunk = s.recv(1 << 20)
        if not chunk:
            raise SystemExit("connection closed early")
        buf += chunk

s = None
buf = b""
for i in range(n):
    if s is None:
        s = socket.create_connection(("127.0.0.1", port))
    buf = one(s, buf)
    if close:
        s.close(); s = None; buf = b""
print(f"{n} ok")
