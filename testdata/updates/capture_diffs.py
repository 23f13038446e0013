"""Capture update2 "modify" diffs from a real ovsdb-server: for each step, the full row before
(select), the transact, the update2 notification, and the full row after (select)."""
# Usage: python3 capture_diffs.py SOCKET OUT.json   (SOCKET: a fresh, empty OVN_Northbound ovsdb-server)
import os, sys, json; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__))); from rpc import C
c = C(sys.argv[1]); DB = "OVN_Northbound"
def call(method, params):
    r = c.call(method, params)
    assert r.get("error") is None, r
    return r["result"]
tables = ["Logical_Switch", "Logical_Switch_Port", "ACL", "NB_Global"]
initial = call("monitor_cond", [DB, "diffs", {t: [{}] for t in tables}])
def transact(*ops):
    c.n += 1; rid = c.n
    c.send({"method": "transact", "params": [DB, *ops], "id": rid})
    notes = []
    while True:
        m = c.recv()
        if m.get("method") == "update2": notes.append(m); continue
        if m.get("id") == rid: break
    assert all("error" not in (r or {}) for r in m["result"]), m
    return m["result"], notes
def select(table, uuid):
    r = call("transact", [DB, {"op": "select", "table": table, "where": [["_uuid", "==", ["uuid", uuid]]]}])
    rows = r[0]["rows"]; return rows[0] if rows else None
res, _ = transact(
    {"op": "insert", "table": "Logical_Switch_Port", "row": {"name": "p1"}, "uuid-name": "p1"},
    {"op": "insert", "table": "Logical_Switch_Port", "row": {"name": "p2"}, "uuid-name": "p2"},
    {"op": "insert", "table": "ACL", "row": {"action": "allow", "direction": "to-lport", "match": "ip4", "priority": 100}, "uuid-name": "a1"},
    {"op": "insert", "table": "Logical_Switch", "row": {"name": "sw0", "ports": ["set", [["named-uuid", "p1"]]], "acls": ["named-uuid", "a1"]}},
    {"op": "insert", "table": "NB_Global", "row": {}},
    {"op": "insert", "table": "Logical_Switch", "row": {"name": "holder", "ports": ["named-uuid", "p2"]}})
P1, P2, A1, LS, NB, _ = [r["uuid"][1] for r in res]
U = {"Logical_Switch_Port": P1, "ACL": A1, "Logical_Switch": LS, "NB_Global": NB}
where = lambda t: [["_uuid", "==", ["uuid", U[t]]]]
def upd(t, row): return {"op": "update", "table": t, "where": where(t), "row": row}
def mut(t, *m): return {"op": "mutate", "table": t, "where": where(t), "mutations": list(m)}
steps = [
    ("scalar string changed", [upd("Logical_Switch_Port", {"name": "p1-renamed"})]),
    ("scalar integer changed", [upd("ACL", {"priority": 200})]),
    ("scalar integer mutated +=", [mut("NB_Global", ["nb_cfg", "+=", 5])]),
    ("scalar boolean (ACL log) changed", [upd("ACL", {"log": True})]),
    ("optional integer empty -> value", [upd("Logical_Switch_Port", {"tag_request": 5})]),
    ("optional integer value -> other value", [upd("Logical_Switch_Port", {"tag_request": 7})]),
    ("optional integer value -> empty", [upd("Logical_Switch_Port", {"tag_request": ["set", []]})]),
    ("optional boolean empty -> true", [upd("Logical_Switch_Port", {"enabled": True})]),
    ("optional boolean true -> false", [upd("Logical_Switch_Port", {"enabled": False})]),
    ("optional string (enum) empty -> value", [upd("ACL", {"severity": "info"})]),
    ("optional string (enum) value -> other value", [upd("ACL", {"severity": "alert"})]),
    ("optional string value -> empty", [upd("ACL", {"severity": ["set", []]})]),
    ("set of strings empty -> one", [upd("Logical_Switch_Port", {"addresses": "00:00:00:00:00:01 10.0.0.1"})]),
    ("set of strings one -> two (insert mutation)", [mut("Logical_Switch_Port", ["addresses", "insert", "router"])]),
    ("set of strings replaced with overlap", [upd("Logical_Switch_Port", {"addresses": ["set", ["router", "unknown"]]})]),
    ("set of strings -> empty", [upd("Logical_Switch_Port", {"addresses": ["set", []]})]),
    ("set of uuids: add a port", [mut("Logical_Switch", ["ports", "insert", ["set", [["uuid", P2]]]])]),
    ("set of uuids: swap ports", [upd("Logical_Switch", {"ports": ["set", [["uuid", P2]]]}), {"op": "insert", "table": "Logical_Switch", "row": {"name": "keep", "ports": ["uuid", P1]}}]),
    ("set of uuids: swap back", [upd("Logical_Switch", {"ports": ["set", [["uuid", P1]]]})]),
    ("map empty -> one pair", [upd("Logical_Switch", {"external_ids": ["map", [["a", "1"]]]})]),
    ("map: change a value, add a key", [upd("Logical_Switch", {"external_ids": ["map", [["a", "2"], ["b", "3"]]]})]),
    ("map: delete a key (delete mutation)", [mut("Logical_Switch", ["external_ids", "delete", ["set", ["a"]]])]),
    ("map: insert, replace and delete at once", [upd("Logical_Switch", {"external_ids": ["map", [["b", "4"], ["c", "5"], ["d", "6"]]]})]),
    ("map: insert mutation of an existing key is a no-op, new key added", [mut("Logical_Switch", ["external_ids", "insert", ["map", [["b", "99"], ["e", "7"]]]])]),
    ("map -> empty", [upd("Logical_Switch", {"external_ids": ["map", []]})]),
    ("map string->integer? options map on ACL", [upd("ACL", {"options": ["map", [["log-related", "true"]]]})]),
    ("several columns in one transaction", [upd("ACL", {"priority": 300, "match": "ip6", "name": "acl-name", "label": 42}), mut("ACL", ["options", "insert", ["map", [["x", "y"]]]])]),
    ("update setting the same value (no notification expected)", [upd("ACL", {"priority": 300})]),
]
cases = []
for desc, ops in steps:
    touched = sorted({o["table"] for o in ops if o["op"] in ("update", "mutate")})
    before = {t: select(t, U[t]) for t in touched}
    _, notes = transact(*ops)
    after = {t: select(t, U[t]) for t in touched}
    for t in touched:
        mods = [n["params"][1].get(t, {}).get(U[t]) for n in notes]
        mods = [m for m in mods if m is not None]
        cases.append({"description": desc, "table": t, "uuid": U[t], "transact": ops,
                      "old": before[t], "update2": mods, "new": after[t]})
json.dump({"initial": initial, "cases": cases}, open(sys.argv[2], "w"), indent=1)
for cse in cases: print(cse["description"], cse["table"], json.dumps(cse["update2"]))
