"""Provoke every error tag a client can provoke from a real ovsdb-server and record request and reply.

Usage: python3 capture_errors.py SOCKET OUT.json
SOCKET: a fresh ovsdb-server serving an empty OVN_Northbound (testdata/schemas/ovn-nb.ovsschema).
Each case: {"name", "expect": the error tag, "request": the JSON-RPC request, "reply": the reply}.
"""
import json, os, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "updates"))
from rpc import C

DB = "OVN_Northbound"
c = C(sys.argv[1])
cases = []


def rec(name, expect, method, params):
    c.n += 1
    req = {"method": method, "params": params, "id": c.n}
    c.send(req)
    while True:
        m = c.recv()
        if m.get("id") == req["id"] and "method" not in m:
            break
    cases.append({"name": name, "expect": expect, "request": req, "reply": m})
    print(name, json.dumps(m))


def T(name, expect, *ops):
    rec(name, expect, "transact", [DB, *ops])


ls_ports_missing = {"op": "insert", "table": "Logical_Switch",
                    "row": {"ports": ["uuid", "11111111-1111-1111-1111-111111111111"]}}
wait_never = {"op": "wait", "table": "Logical_Switch", "where": [], "until": "==",
              "rows": [{"name": "nope"}], "columns": ["name"]}

rec("unknown method", "unknown method", "frobnicate", [])
rec("transact on an unknown database", "unknown database", "transact", ["Nope", {"op": "comment", "comment": "x"}])
rec("get_schema of an unknown database", "unknown database", "get_schema", ["Nope"])
T("unknown operation", "syntax error", {"op": "frob"})
T("unknown table", "syntax error", {"op": "select", "table": "Nope", "where": []})
T("wrong JSON type in a row", "syntax error", {"op": "insert", "table": "Logical_Switch", "row": {"name": 5}})
T("bad until", "syntax error", {"op": "wait", "table": "ACL", "where": [], "until": "<", "rows": []})
T("unknown column in a row", "unknown column", {"op": "insert", "table": "Logical_Switch", "row": {"nope": 1}})
T("unknown column in where", "unknown column", {"op": "select", "table": "Logical_Switch", "where": [["nope", "==", 1]]})
T("unknown function", "unknown function", {"op": "select", "table": "NB_Global", "where": [["nb_cfg", "~", 1]]})
T("unknown mutator", "unknown mutator", {"op": "insert", "table": "NB_Global", "row": {}},
  {"op": "mutate", "table": "NB_Global", "where": [], "mutations": [["nb_cfg", "^=", 1]]})
T("duplicate map key", "ovsdb error",
  {"op": "insert", "table": "Logical_Switch", "row": {"other_config": ["map", [["a", "1"], ["a", "2"]]]}})
T("enum violation", "constraint violation",
  {"op": "insert", "table": "ACL", "row": {"action": "bogus", "direction": "to-lport", "match": "1", "priority": 1}})
T("update of an immutable column", "constraint violation",
  {"op": "update", "table": "Logical_Switch", "where": [], "row": {"_uuid": ["uuid", "22222222-2222-2222-2222-222222222222"]}})
T("index violation at commit", "constraint violation",
  {"op": "insert", "table": "Port_Group", "row": {"name": "pg"}}, {"op": "insert", "table": "Port_Group", "row": {"name": "pg"}})
T("missing reference at commit", "referential integrity violation", ls_ports_missing)
T("duplicate uuid-name", "duplicate uuid-name",
  {"op": "insert", "table": "Logical_Switch", "row": {}, "uuid-name": "a"},
  {"op": "insert", "table": "Logical_Switch", "row": {}, "uuid-name": "a"})
T("duplicate uuid", "duplicate uuid",
  {"op": "insert", "table": "Logical_Switch", "row": {}, "uuid": "22222222-2222-2222-2222-222222222222"},
  {"op": "insert", "table": "Logical_Switch", "row": {}, "uuid": "22222222-2222-2222-2222-222222222222"})
T("division by zero", "domain error", {"op": "insert", "table": "NB_Global", "row": {}},
  {"op": "mutate", "table": "NB_Global", "where": [], "mutations": [["nb_cfg", "/=", 0]]})
T("integer overflow", "range error", {"op": "insert", "table": "NB_Global", "row": {"nb_cfg": 9223372036854775807}},
  {"op": "mutate", "table": "NB_Global", "where": [], "mutations": [["nb_cfg", "+=", 1]]})
T("wait with timeout 0", "timed out", dict(wait_never, timeout=0))
T("abort", "aborted", {"op": "comment", "comment": "x"}, {"op": "abort"}, {"op": "comment", "comment": "y"})
T("assert of a lock not held", "not owner", {"op": "assert", "lock": "mylock"})
rec("write to _Server", "not allowed", "transact",
    ["_Server", {"op": "insert", "table": "Database", "row": {"model": "standalone", "name": "x"}}])
rec("monitor_cancel of an unknown monitor", "unknown monitor", "monitor_cancel", ["nope"])
rec("monitor_cancel with no params", "invalid parameters", "monitor_cancel", [])
rec("monitor_cond_change of an unknown monitor", "syntax error", "monitor_cond_change", ["nope", "nope2", {}])
rec("lock with a bad name", "syntax error", "lock", ["1bad"])
rec("unlock without lock", "syntax error", "unlock", ["mylock"])
rec("convert to a schema with another name", "invalid parameters", "convert",
    [DB, {"name": "Other", "version": "1.0.0", "tables": {"T": {"columns": {"c": {"type": "string"}}}}}])
rec("monitor with where", "syntax error", "monitor", [DB, "m", {"Logical_Switch": [{"where": [True]}]}])

# "canceled": a transact blocked in a wait, while another session converts the database.
rec("set_db_change_aware", None, "set_db_change_aware", [True])
blocked = {"method": "transact", "params": [DB, wait_never], "id": "blocked"}
c.send(blocked)
time.sleep(0.3)
d = C(sys.argv[1])
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "schemas", "ovn-nb.ovsschema")) as f:
    schema = json.load(f)
assert d.call("convert", [DB, schema])["error"] is None
reply = c.recv()
cases.append({"name": "transact canceled by a schema conversion", "expect": "canceled", "request": blocked, "reply": reply})
print("canceled", json.dumps(reply))

cases = [x for x in cases if x["expect"] is not None]
with open(sys.argv[2], "w") as f:
    json.dump({"server": "ovsdb-server (Open vSwitch) 3.1.0", "captured": time.strftime("%Y-%m-%d"), "cases": cases}, f, indent=1)
