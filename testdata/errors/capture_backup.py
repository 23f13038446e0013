"""Provoke the errors of a read-only (active-backup "backup") server and append them to OUT.json.

Usage: python3 capture_backup.py BACKUP_SOCKET OUT.json
BACKUP_SOCKET: an ovsdb-server serving OVN_Northbound, started with --sync-from=ACTIVE_REMOTE.
"""
import json, os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "updates"))
from rpc import C

c = C(sys.argv[1])
new = []
for name, expect, method, params in [
    ("lock on a backup server", "lock and unlock methods not allowed, DB server is read only.", "lock", ["L"]),
    ("insert on a backup server", "not allowed", "transact", ["OVN_Northbound", {"op": "insert", "table": "NB_Global", "row": {}}]),
]:
    c.n += 1
    req = {"method": method, "params": params, "id": c.n}
    c.send(req)
    reply = c.recv()
    print(json.dumps(reply))
    new.append({"name": name, "expect": expect, "request": req, "reply": reply})
with open(sys.argv[2]) as f:
    data = json.load(f)
names = {x["name"] for x in new}
data["cases"] = [x for x in data["cases"] if x["name"] not in names] + new
with open(sys.argv[2], "w") as f:
    json.dump(data, f, indent=1)
