# Reference client for benches/replica_vs_reference.rs: the Open vSwitch Python IDL
# (python3-openvswitch). Prints {"sync_s": ..., "txn_s": ...} as JSON.
# Usage: replica_idl.py REMOTE SCHEMA EXPECTED_ROWS TXNS
import json
import sys
import time

import ovs.db.idl
import ovs.poller

remote, schema, expected, txns = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
helper = ovs.db.idl.SchemaHelper(schema)
helper.register_table("Logical_Switch")
t0 = time.monotonic()
idl = ovs.db.idl.Idl(remote, helper)
while len(idl.tables["Logical_Switch"].rows) < expected:
    idl.run()
    poller = ovs.poller.Poller()
    idl.wait(poller)
    poller.timer_wait(10)
    poller.block()
sync_s = time.monotonic() - t0

t0 = time.monotonic()
for i in range(txns):
    txn = ovs.db.idl.Transaction(idl)
    row = txn.insert(idl.tables["Logical_Switch"])
    row.name = "py%d" % i
    status = txn.commit_block()
    if status != ovs.db.idl.Transaction.SUCCESS:
        sys.exit("commit failed: %s" % status)
txn_s = time.monotonic() - t0
print(json.dumps({"sync_s": sync_s, "txn_s": txn_s}))
