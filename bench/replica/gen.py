#!/usr/bin/env python3
"""Deterministic test data for bench/replica.sh, loaded with pipelined `transact` requests.

    gen.py nb SOCKET SWITCHES PORTS TCP_PORT   NB: SWITCHES Logical_Switch rows, PORTS
                                               Logical_Switch_Port rows each
    gen.py sb SOCKET DATAPATHS FLOWS TCP_PORT  SB: DATAPATHS Datapath_Binding rows and FLOWS
                                               Logical_Flow rows spread over them

Both also insert the global row with one Connection (target ptcp:TCP_PORT:127.0.0.1,
inactivity_probe 0) so the server can be started with --remote=db:DB,GLOBAL,connections.
Stdlib only. SOCKET is the server's unix socket path.
"""

import json
import socket
import sys
import threading


def mac(i):
    return "0a:%02x:%02x:%02x:%02x:%02x" % (
        (i >> 32) & 255, (i >> 24) & 255, (i >> 16) & 255, (i >> 8) & 255, i & 255)


def ip(i):
    return "10.%d.%d.%d" % ((i >> 16) & 255, (i >> 8) & 255, i & 255)


def smap(d):
    return ["map", [[k, v] for k, v in sorted(d.items())]]


def nb_batches(switches, ports, tcp_port, per_batch=200):
    yield ["OVN_Northbound",
           {"op": "insert", "table": "Connection", "uuid-name": "c",
            "row": {"target": "ptcp:%d:127.0.0.1" % tcp_port, "inactivity_probe": 0}},
           {"op": "insert", "table": "NB_Global",
            "row": {"connections": ["named-uuid", "c"]}}]
    for first in range(0, switches, per_batch):
        ops = ["OVN_Northbound"]
        for s in range(first, min(first + per_batch, switches)):
            names = []
            for p in range(ports):
                n = s * ports + p
                addr = "%s %s" % (mac(n), ip(n))
                name = "p%d" % n
                names.append(["named-uuid", name])
                ops.append({"op": "insert", "table": "Logical_Switch_Port", "uuid-name": name,
                            "row": {"name": "ls%d-port%d" % (s, p),
                                    "addresses": addr, "port_security": addr,
                                    "external_ids": smap({"neutron:device_owner": "compute:nova",
                                                          "neutron:project_id": "%032x" % (s % 97)})}})
            ops.append({"op": "insert", "table": "Logical_Switch",
                        "row": {"name": "ls%d" % s, "ports": ["set", names],
                                "external_ids": smap({"neutron:network_name": "net%d" % s})}})
        yield ops


STAGES = ["ls_in_port_sec_l2", "ls_in_port_sec_ip", "ls_in_lookup_fdb", "ls_in_acl",
          "ls_in_l2_lkup", "ls_out_acl", "ls_out_port_sec_l2", "lr_in_ip_routing"]


def sb_batches(datapaths, flows, tcp_port):
    yield ["OVN_Southbound",
           {"op": "insert", "table": "Connection", "uuid-name": "c",
            "row": {"target": "ptcp:%d:127.0.0.1" % tcp_port, "inactivity_probe": 0}},
           {"op": "insert", "table": "SB_Global",
            "row": {"connections": ["named-uuid", "c"]}}]
    per = flows // datapaths
    for d in range(datapaths):
        ops = ["OVN_Southbound",
               {"op": "insert", "table": "Datapath_Binding", "uuid-name": "dp",
                "row": {"tunnel_key": d + 1,
                        "external_ids": smap({"name": "sw%d" % d, "logical-switch": "%08x" % d})}}]
        for k in range(per):
            n = d * per + k
            stage = STAGES[k % len(STAGES)]
            egress = stage.startswith("ls_out")
            ops.append({"op": "insert", "table": "Logical_Flow",
                        "row": {"logical_datapath": ["named-uuid", "dp"],
                                "pipeline": "egress" if egress else "ingress",
                                "table_id": k % 30, "priority": 50 + k % 100,
                                "match": 'inport == "port-%d-%d" && eth.src == {%s} && '
                                         'ip4.src == {%s} && ip4.dst == %s/24 && tcp.dst == %d'
                                         % (d, k, mac(n), ip(n), ip(n + 7), 1000 + k % 5000),
                                "actions": 'reg0[%d] = 1; ct_commit { ct_label.blocked = 0; }; '
                                           'outport = "port-%d-%d"; next;' % (k % 16, d, k),
                                "external_ids": smap({"source": "northd.c:%d" % (4000 + k % 900),
                                                      "stage-name": stage,
                                                      "stage-hint": "%08x" % n})}})
        yield ops


def load(sock_path, batches, window=4):
    """Sends every batch as one transact, `window` in flight (replies read by a second thread:
    ovsdb-server stops reading while its replies are not flushed); fails on any error."""
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock_path)
    slots = threading.Semaphore(window)
    state = {"done": 0, "error": None}

    def reader():
        dec = json.JSONDecoder()
        buf = ""
        while True:
            data = s.recv(1 << 20)
            if not data:
                return
            buf += data.decode()
            while True:
                buf = buf.lstrip()
                if not buf:
                    break
                try:
                    msg, end = dec.raw_decode(buf)
                except ValueError:
                    break
                buf = buf[end:]
                if msg.get("method") == "echo":
                    continue
                if msg.get("error") or any(isinstance(r, dict) and "error" in r
                                           for r in msg.get("result") or []):
                    state["error"] = json.dumps(msg)[:2000]
                state["done"] += 1
                slots.release()

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    sent = 0
    for params in batches:
        slots.acquire()
        if state["error"]:
            break
        s.sendall(json.dumps({"id": sent, "method": "transact", "params": params}).encode())
        sent += 1
    for _ in range(window):
        slots.acquire()
    if state["error"]:
        sys.exit("transact failed: " + state["error"])
    s.close()
    return state["done"]


def main():
    kind, sock, a, b, port = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    if kind == "nb":
        n = load(sock, nb_batches(a, b, port))
    elif kind == "sb":
        n = load(sock, sb_batches(a, b, port))
    else:
        sys.exit(__doc__)
    print("loaded %d transactions" % n)


if __name__ == "__main__":
    main()
