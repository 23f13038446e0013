#!/usr/bin/env python3
"""Data generator and raw-transact floor for bench/ctl.sh (stdlib only).

  gen.py ports N                 "name<TAB>addresses" lines, one per port (lab-script loop)
  gen.py bulk-args N SWITCH      NUL-separated argv of ONE chained ovn-nbctl invocation that
                                 creates SWITCH and N ports (lsp-add, lsp-set-addresses,
                                 lsp-set-port-security per port)
  gen.py floor SOCKET N SWITCH   one raw `transact` over the unix SOCKET inserting the same rows
                                 (the floor of the bulk workload); prints nothing
  gen.py build SOCKET S P        fills an OVN_Northbound server with S switches of P
                                 ports each (ports carry addresses, port_security and two
                                 external_ids), transactions of 200 switches
Port i is named lp-<i>, MAC 0a:00:00:XX:XX:XX and IPv4 10.XX.XX.XX + 1 (all distinct).
"""
import json
import socket
import sys


def port(i, prefix="lp"):
    n = i + 1
    mac = "0a:00:00:%02x:%02x:%02x" % ((n >> 16) & 255, (n >> 8) & 255, n & 255)
    ip = "10.%d.%d.%d" % ((n >> 16) & 255, (n >> 8) & 255, n & 255)
    return "%s-%d" % (prefix, i), "%s %s" % (mac, ip)


def lsp_row(name, addr, extra=True):
    row = {"name": name, "addresses": addr, "port_security": addr}
    if extra:
        row["external_ids"] = ["map", [["neutron:device_owner", "compute:nova"],
                                       ["neutron:port_name", name]]]
    return row


class Conn:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = b""
        self.dec = json.JSONDecoder()

    def send(self, i, method, params):
        self.s.sendall(json.dumps({"id": i, "method": method, "params": params}).encode())

    def recv(self):
        while True:
            text = self.buf.decode("utf-8", "replace").lstrip()
            if text:
                try:
                    msg, end = self.dec.raw_decode(text)
                    self.buf = text[end:].encode()
                    if msg.get("method") == "echo":
                        self.s.sendall(json.dumps({"id": msg["id"], "result": msg["params"],
                                                   "error": None}).encode())
                        continue
                    return msg
                except ValueError:
                    pass
            chunk = self.s.recv(1 << 20)
            if not chunk:
                raise SystemExit("connection closed")
            self.buf += chunk


def check(reply):
    if reply.get("error") is not None:
        raise SystemExit("error: %s" % reply["error"])
    for r in reply["result"]:
        if r is not None and "error" in r:
            raise SystemExit("error: %s" % r)


def switch_ops(sw_name, ports, extra):
    ops = []
    uuids = []
    for name, addr in ports:
        u = "u" + name.replace("-", "_")
        uuids.append(["named-uuid", u])
        ops.append({"op": "insert", "table": "Logical_Switch_Port", "uuid-name": u,
                    "row": lsp_row(name, addr, extra)})
    ops.append({"op": "insert", "table": "Logical_Switch",
                "row": {"name": sw_name, "ports": ["set", uuids]}})
    return ops


def main():
    cmd = sys.argv[1]
    if cmd == "ports":
        for i in range(int(sys.argv[2])):
            name, addr = port(i)
            sys.stdout.write("%s\t%s\n" % (name, addr))
    elif cmd == "bulk-args":
        n, sw = int(sys.argv[2]), sys.argv[3]
        args = ["ls-add", sw]
        for i in range(n):
            name, addr = port(i)
            args += ["--", "lsp-add", sw, name, "--", "lsp-set-addresses", name, addr,
                     "--", "lsp-set-port-security", name, addr]
        sys.stdout.write("\0".join(args) + "\0")
    elif cmd == "floor":
        c = Conn(sys.argv[2])
        n, sw = int(sys.argv[3]), sys.argv[4]
        ports = [port(i) for i in range(n)]
        c.send(1, "transact", ["OVN_Northbound"] + switch_ops(sw, ports, False))
        check(c.recv())
    elif cmd == "build":
        c = Conn(sys.argv[2])
        s, p = int(sys.argv[3]), int(sys.argv[4])
        # One transaction in flight: the server stops reading a session whose replies we have
        # not read yet, so a writer that does not read would deadlock.
        batch = 200
        for b in range(0, s, batch):
            ops = ["OVN_Northbound"]
            for k in range(b, min(s, b + batch)):
                ops += switch_ops("ls-%d" % k, [port(k * p + j) for j in range(p)], True)
            c.send(b + 1, "transact", ops)
            check(c.recv())
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
