#!/usr/bin/env python3
"""The Python reference clients of bench/replica.sh. Each prints one JSON object last.

    py_clients.py py-ovs sync REMOTE SCHEMA_FILE [HOLD_S]
        Open vSwitch Python IDL (python3-openvswitch), every table; HOLD_S: keep running the
        IDL that long after the sync (probe check) -> {"sync_s","rows","reconnects"}
    py_clients.py py-ovs watch REMOTE N READY_FILE OUT_FILE SCHEMA_FILE
        IDL on Logical_Switch_Port; after the sync write READY_FILE, then record the wall-clock
        time at which each row first shows external_ids:bench-seq=i (the IDL's notify hook);
        OUT_FILE gets "i t" lines.
    py_clients.py ovsdbapp sync REMOTE DB
        ovsdbapp (python3-ovsdbapp): OvsdbIdl.from_server + Connection.start, every table.
    py_clients.py ovsdbapp watch REMOTE N READY_FILE OUT_FILE
        ovsdbapp RowEvent on Logical_Switch_Port updates (the path its users take).
"""

import json
import sys
import threading
import time

import ovs.db.idl
import ovs.poller


def rows_of(idl):
    return sum(len(t.rows) for t in idl.tables.values())


def run_until(idl, cond, timeout):
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            sys.exit("timed out")
        idl.run()
        if cond():
            break
        poller = ovs.poller.Poller()
        idl.wait(poller)
        poller.timer_wait(100)
        poller.block()


def seq_of(row):
    try:
        return int(row.external_ids.get("bench-seq"))
    except (TypeError, ValueError, AttributeError):
        return None


def write_times(path, times):
    with open(path, "w") as f:
        for i, t in times:
            f.write("%d %.6f\n" % (i, t))


def py_ovs_sync(remote, schema, hold):
    t0 = time.monotonic()
    helper = ovs.db.idl.SchemaHelper(schema)
    helper.register_all()
    idl = ovs.db.idl.Idl(remote, helper)
    run_until(idl, lambda: idl.change_seqno != 0, 900)
    sync_s = time.monotonic() - t0
    rows = rows_of(idl)
    first = idl._session.get_seqno()
    end = time.monotonic() + hold
    while time.monotonic() < end:
        idl.run()
        poller = ovs.poller.Poller()
        idl.wait(poller)
        poller.timer_wait(100)
        poller.block()
    # The session's seqno changes once on every connect and every disconnect.
    reconnects = (idl._session.get_seqno() - first + 1) // 2
    print(json.dumps({"sync_s": sync_s, "rows": rows, "reconnects": reconnects}))


def py_ovs_watch(remote, n, ready, out, schema):
    times = []
    seen = set()

    class Idl(ovs.db.idl.Idl):
        def notify(self, event, row, updates=None):
            if event == ovs.db.idl.ROW_UPDATE:
                i = seq_of(row)
                if i is not None and i not in seen:
                    seen.add(i)
                    times.append((i, time.time()))

    t0 = time.monotonic()
    helper = ovs.db.idl.SchemaHelper(schema)
    helper.register_table("Logical_Switch_Port")
    idl = Idl(remote, helper)
    run_until(idl, lambda: idl.change_seqno != 0, 300)
    sync_s = time.monotonic() - t0
    open(ready, "w").write("ready\n")
    run_until(idl, lambda: len(seen) >= n, 300)
    write_times(out, times)
    print(json.dumps({"sync_s": sync_s, "updates": len(seen)}))


def ovsdbapp_sync(remote, db):
    from ovsdbapp.backend.ovs_idl import connection
    t0 = time.monotonic()
    idl = connection.OvsdbIdl.from_server(remote, db)
    conn = connection.Connection(idl, timeout=900)
    conn.start()
    sync_s = time.monotonic() - t0
    print(json.dumps({"sync_s": sync_s, "rows": rows_of(idl)}))


def ovsdbapp_watch(remote, n, ready, out):
    from ovsdbapp.backend.ovs_idl import connection, event
    times = []
    seen = set()
    done = threading.Event()

    class Updated(event.RowEvent):
        def __init__(self):
            super().__init__((self.ROW_UPDATE,), "Logical_Switch_Port", None)

        def run(self, ev, row, old):
            i = seq_of(row)
            if i is not None and i not in seen:
                seen.add(i)
                times.append((i, time.time()))
                if len(seen) >= n:
                    done.set()

    class Idl(connection.OvsdbIdl):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.notify_handler = event.RowEventHandler()

        def notify(self, ev, row, updates=None):
            self.notify_handler.notify(ev, row, updates)

    t0 = time.monotonic()
    idl = Idl.from_server(remote, "OVN_Northbound", helper_tables=["Logical_Switch_Port"])
    conn = connection.Connection(idl, timeout=300)
    conn.start()
    sync_s = time.monotonic() - t0
    idl.notify_handler.watch_event(Updated())
    open(ready, "w").write("ready\n")
    if not done.wait(300):
        sys.exit("timed out")
    write_times(out, times)
    print(json.dumps({"sync_s": sync_s, "updates": len(seen)}))


def main():
    a = sys.argv[1:]
    if a[:2] == ["py-ovs", "sync"]:
        py_ovs_sync(a[2], a[3], float(a[4]) if len(a) > 4 else 0.0)
    elif a[:2] == ["py-ovs", "watch"]:
        py_ovs_watch(a[2], int(a[3]), a[4], a[5], a[6])
    elif a[:2] == ["ovsdbapp", "sync"]:
        ovsdbapp_sync(a[2], a[3])
    elif a[:2] == ["ovsdbapp", "watch"]:
        ovsdbapp_watch(a[2], int(a[3]), a[4], a[5])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
