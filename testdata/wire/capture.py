#!/usr/bin/env python3
"""Record the bytes of OVSDB sessions between a real client and a real ovsdb-server.

Usage: capture.py LISTEN_SOCKET SERVER_SOCKET OUT.jsonl
Listens on the unix socket LISTEN_SOCKET, forwards every accepted connection to SERVER_SOCKET, and appends
one JSON object per chunk read to OUT.jsonl: {"conn": N, "dir": "c2s"|"s2c", "raw": "<the bytes as text>"}.
Chunks are recorded exactly as read from the socket, so frame boundaries are the real ones. Stops on SIGTERM.
"""
import json, os, selectors, signal, socket, sys

listen_path, server_path, out_path = sys.argv[1:4]
if os.path.exists(listen_path):
    os.unlink(listen_path)
lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
lsock.bind(listen_path)
lsock.listen(8)
out = open(out_path, "a", buffering=1)
sel = selectors.DefaultSelector()
sel.register(lsock, selectors.EVENT_READ, None)
peers = {}
conn_no = 0
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
while True:
    for key, _ in sel.select():
        if key.data is None:
            c, _ = lsock.accept()
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(server_path)
            conn_no += 1
            peers[c] = (s, "c2s", conn_no)
            peers[s] = (c, "s2c", conn_no)
            sel.register(c, selectors.EVENT_READ, "p")
            sel.register(s, selectors.EVENT_READ, "p")
            continue
        src = key.fileobj
        dst, direction, n = peers[src]
        data = src.recv(65536)
        if not data:
            for x in (src, dst):
                sel.unregister(x)
                x.close()
                peers.pop(x, None)
            continue
        out.write(json.dumps({"conn": n, "dir": direction, "raw": data.decode("utf-8")}) + "\n")
        dst.sendall(data)
