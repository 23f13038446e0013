"""Minimal blocking JSON-RPC client over a unix socket, for the capture scripts."""
import socket, json, sys, time
class C:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX); self.s.connect(path); self.buf=b''; self.n=0
        self.dec = json.JSONDecoder()
    def send(self, obj):
        self.s.sendall(json.dumps(obj).encode())
    def recv(self, timeout=5):
        self.s.settimeout(timeout)
        while True:
            txt = self.buf.decode(errors='replace').lstrip()
            if txt:
                try:
                    obj, end = self.dec.raw_decode(txt)
                    self.buf = txt[end:].encode(); return obj
                except json.JSONDecodeError: pass
            d = self.s.recv(65536)
            if not d: raise EOFError
            self.buf += d
    def call(self, method, params, id=None):
        self.n += 1; id = id if id is not None else self.n
        self.send({"method": method, "params": params, "id": id})
        while True:
            m = self.recv()
            if m.get("id") == id and "method" not in m: return m
            if m.get("method") == "echo": self.send({"result": m["params"], "error": None, "id": m["id"]})
