"""Provoke "permission error" (RBAC, ovsdb-server(7) §4.1.3) and append the case to OUT.json.

Usage: python3 capture_rbac.py ADMIN_SOCKET RBAC_SOCKET_PATH OUT.json
ADMIN_SOCKET: an ovsdb-server serving an empty OVN_Southbound, started with
  --remote=punix:ADMIN_SOCKET --remote=db:OVN_Southbound,SB_Global,connections
RBAC_SOCKET_PATH: the path the role-bound remote will listen on.
"""
import json, os, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "updates"))
from rpc import C

admin, rbac_path, out = sys.argv[1:4]
DB = "OVN_Southbound"
r = C(admin).call("transact", [DB,
    {"op": "insert", "table": "RBAC_Permission", "uuid-name": "perm",
     "row": {"table": "Chassis", "authorization": ["set", ["name"]], "insert_delete": True, "update": ["set", ["nb_cfg"]]}},
    {"op": "insert", "table": "RBAC_Role", "row": {"name": "ovn-controller", "permissions": ["map", [["Chassis", ["named-uuid", "perm"]]]]}},
    {"op": "insert", "table": "Connection", "uuid-name": "conn", "row": {"target": "punix:" + rbac_path, "role": "ovn-controller"}},
    {"op": "insert", "table": "SB_Global", "row": {"connections": ["named-uuid", "conn"]}}])
assert r["error"] is None, r
for _ in range(50):
    if os.path.exists(rbac_path):
        break
    time.sleep(0.1)
c = C(rbac_path)
req = {"method": "transact", "params": [DB, {"op": "insert", "table": "Datapath_Binding", "row": {"tunnel_key": 1}}], "id": 1}
c.send(req)
reply = c.recv()
print(json.dumps(reply))
with open(out) as f:
    data = json.load(f)
data["cases"] = [x for x in data["cases"] if x["expect"] != "permission error"]
data["cases"].append({"name": "insert by an RBAC role without permission on the table (OVN_Southbound)",
                      "expect": "permission error", "request": req, "reply": reply})
with open(out, "w") as f:
    json.dump(data, f, indent=1)
