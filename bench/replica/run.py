#!/usr/bin/env python3
"""Driver of bench/replica.sh: cold sync, probe and update-stream measurements of the typed
Rust replica against the reference clients, interleaved, medians of REPS. See bench/README.md.

Environment (defaults in brackets):
  BIN           the built replica_bench example (required)
  BENCH_DIR     work dir; built databases are cached in BENCH_DIR/cache [/tmp/bench-replica]
  PORT_BASE     TCP ports PORT_BASE+0 (inactivity probe off) and +1 (default probe) [26850]
  REPS          repetitions, interleaved [3]
  WORKLOADS     any of: nb sb probe stream ["nb sb probe stream"]
  TOOLS         cold-sync columns: raw rust py-ovs ovsdbapp dump ["raw rust py-ovs ovsdbapp dump"],
                and rust-before: BIN_BEFORE (another build of replica_bench) for a before/after
  STREAM_TOOLS  watchers: writer rust py-ovs ovsdbapp ["writer rust py-ovs ovsdbapp"]
  NB_SWITCHES NB_PORTS [10000 10]   SB_DATAPATHS SB_FLOWS [100 200000]
  STREAM_SWITCHES STREAM_PORTS STREAM_UPDATES STREAM_WINDOW [1000 10 10000 64]
  PROBE_HOLD_S  how long a client stays connected after its sync in the probe run [15]
"""

import datetime
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCHEMAS = os.path.join(ROOT, "testdata", "schemas")
BIN = os.environ["BIN"]
# An older build of replica_bench, for a before/after comparison in one run (tool "rust-before").
BIN_BEFORE = os.environ.get("BIN_BEFORE", "")
BENCH_DIR = os.environ.get("BENCH_DIR", "/tmp/bench-replica")
PORT_BASE = int(os.environ.get("PORT_BASE", "26850"))
REPS = int(os.environ.get("REPS", "3"))
WORKLOADS = os.environ.get("WORKLOADS", "nb sb probe stream").split()
TOOLS = os.environ.get("TOOLS", "raw rust py-ovs ovsdbapp dump").split()
STREAM_TOOLS = os.environ.get("STREAM_TOOLS", "writer rust py-ovs ovsdbapp").split()
NB_SWITCHES = int(os.environ.get("NB_SWITCHES", "10000"))
NB_PORTS = int(os.environ.get("NB_PORTS", "10"))
SB_DATAPATHS = int(os.environ.get("SB_DATAPATHS", "100"))
SB_FLOWS = int(os.environ.get("SB_FLOWS", "200000"))
STREAM_SWITCHES = int(os.environ.get("STREAM_SWITCHES", "1000"))
STREAM_PORTS = int(os.environ.get("STREAM_PORTS", "10"))
STREAM_UPDATES = int(os.environ.get("STREAM_UPDATES", "10000"))
STREAM_WINDOW = int(os.environ.get("STREAM_WINDOW", "64"))
PROBE_HOLD_S = float(os.environ.get("PROBE_HOLD_S", "15"))
PY = "/usr/bin/python3"
CLIENTS = os.path.join(HERE, "py_clients.py")
RUN = os.path.join(BENCH_DIR, "run-" + datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))

DBS = {
    "nb": ("OVN_Northbound", "ovn-nb.ovsschema", "NB_Global"),
    "sb": ("OVN_Southbound", "ovn-sb.ovsschema", "SB_Global"),
}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


class Server:
    """One ovsdb-server on a copy of DB_FILE, stopped by its pid."""

    def __init__(self, kind, db_file, tag, ports=(PORT_BASE, PORT_BASE + 1)):
        self.kind = kind
        self.dir = os.path.join(RUN, "srv-" + tag)
        os.makedirs(self.dir, exist_ok=True)
        self.db = os.path.join(self.dir, "db")
        shutil.copy(db_file, self.db)
        self.sock = os.path.join(self.dir, "db.sock")
        self.log = os.path.join(self.dir, "server.log")
        name, _, glob = DBS[kind]
        env = dict(os.environ, OVS_RUNDIR=self.dir, OVS_LOGDIR=self.dir, OVS_DBDIR=self.dir)
        subprocess.run(
            ["ovsdb-server", self.db, "--detach", "--no-chdir",
             "--pidfile=" + os.path.join(self.dir, "x.pid"),
             "--unixctl=" + os.path.join(self.dir, "x.ctl"),
             "--log-file=" + self.log,
             "--remote=punix:" + self.sock,
             "--remote=db:%s,%s,connections" % (name, glob),
             "--remote=ptcp:%d:127.0.0.1" % (PORT_BASE + 1)],
            env=env, check=True, stderr=subprocess.DEVNULL)
        self.pid = int(open(os.path.join(self.dir, "x.pid")).read())
        try:
            self.wait_ready(ports)
        except BaseException:
            self.stop()
            raise

    def wait_ready(self, ports):
        end = time.monotonic() + 120
        while time.monotonic() < end:
            ok = os.path.exists(self.sock)
            for p in ports:
                try:
                    socket.create_connection(("127.0.0.1", p), timeout=1).close()
                except OSError:
                    ok = False
            if ok:
                return
            time.sleep(0.1)
        raise RuntimeError("server did not come up: " + self.dir)

    def cpu(self):
        f = open("/proc/%d/stat" % self.pid).read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")

    def probe_disconnects(self):
        return sum("inactivity probe" in line for line in open(self.log))

    def stop(self):
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        for _ in range(100):
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        os.kill(self.pid, signal.SIGKILL)


def build_db(kind, a, b, key):
    """Builds (once) and caches a database file; returns its path."""
    cache = os.path.join(BENCH_DIR, "cache")
    os.makedirs(cache, exist_ok=True)
    path = os.path.join(cache, "%s-%d-%d-%d.db" % (kind, a, b, PORT_BASE))
    if os.path.exists(path):
        return path
    log("building %s (%d, %d) in %s" % (kind, a, b, path))
    tmp = os.path.join(cache, "tmp-" + key)
    if os.path.exists(tmp):
        os.remove(tmp)
    subprocess.run(["ovsdb-tool", "create", tmp, os.path.join(SCHEMAS, DBS[kind][1])], check=True)
    srv = Server(kind, tmp, "build-" + key, ports=(PORT_BASE + 1,))
    try:
        subprocess.run([PY, os.path.join(HERE, "gen.py"), kind, srv.sock, str(a), str(b),
                        str(PORT_BASE)], check=True)
    finally:
        srv.stop()
    subprocess.run(["ovsdb-tool", "compact", srv.db], check=True)
    shutil.move(srv.db, path)
    os.remove(tmp)
    return path


def measured(cmd, out_name):
    """Runs cmd under /usr/bin/time -v; returns (wall_s, peak_rss_mb, last JSON line or None).
    The JSON object gets the process's CPU time (user + sys, s) as "client_cpu_s"."""
    err = os.path.join(RUN, out_name + ".err")
    t0 = time.perf_counter()
    with open(err, "w") as ef:
        p = subprocess.run(["/usr/bin/time", "-v"] + cmd, stdout=subprocess.PIPE, stderr=ef,
                           text=True, timeout=1800)
    wall = time.perf_counter() - t0
    text = open(err).read()
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    # Decimal MB (10^6 bytes), the unit the reply size is given in, so that RSS / JSON is bytes over bytes.
    rss = int(m.group(1)) * 1024 / 1e6 if m else None
    cpu = [re.search(r"%s time \(seconds\): ([0-9.]+)" % k, text) for k in ("User", "System")]
    cpu = sum(float(c.group(1)) for c in cpu) if all(cpu) else None
    res = None
    lines = [l for l in p.stdout.splitlines() if l.strip()]
    if p.returncode == 0 and lines:
        try:
            res = json.loads(lines[-1])
        except ValueError:
            res = None
    if isinstance(res, dict):
        res["client_cpu_s"] = cpu
    if p.returncode != 0:
        log("  FAILED (%d): %s; see %s" % (p.returncode, " ".join(cmd), err))
    return wall, rss, res


def sync_cmd(tool, kind, remote, hold=None):
    name, schema, _ = DBS[kind]
    schema = os.path.join(SCHEMAS, schema)
    if tool == "raw":
        return [BIN, "raw", remote, kind]
    if tool == "rust":
        return [BIN, "sync", remote, kind] + ([str(hold)] if hold else [])
    if tool == "rust-before":
        return [BIN_BEFORE, "sync", remote, kind]
    if tool == "py-ovs":
        return [PY, CLIENTS, "py-ovs", "sync", remote, schema] + ([str(hold)] if hold else [])
    if tool == "ovsdbapp":
        return [PY, CLIENTS, "ovsdbapp", "sync", remote, name]
    if tool == "dump":
        return ["ovsdb-client", "dump", remote, name]
    raise ValueError(tool)


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(x, spec="%.2f"):
    return "-" if x is None else spec % x


RESULTS = []


def record(**kw):
    RESULTS.append(kw)
    with open(os.path.join(RUN, "results.jsonl"), "a") as f:
        f.write(json.dumps(kw) + "\n")


def cold_sync(kind, db_file):
    remote = "tcp:127.0.0.1:%d" % PORT_BASE
    for rep in range(REPS):
        for tool in TOOLS:
            srv = Server(kind, db_file, "%s-%s-%d" % (kind, tool, rep))
            try:
                cpu0 = srv.cpu()
                wall, rss, res = measured(sync_cmd(tool, kind, remote), "%s-%s-%d" % (kind, tool, rep))
                cpu = srv.cpu() - cpu0
            finally:
                srv.stop()
            res = res or {}
            if tool == "raw":
                sync = res.get("wire_s")
            elif tool == "dump":
                sync = wall
            else:
                sync = res.get("sync_s")
            log("  %s rep %d %-9s sync %s s  wall %.2f s  rss %s MB  client cpu %s s" % (
                kind, rep + 1, tool, fmt(sync), wall, fmt(rss, "%.0f"), fmt(res.get("client_cpu_s"))))
            record(workload=kind, tool=tool, rep=rep, sync_s=sync, wall_s=wall, rss_mb=rss,
                   server_cpu_s=cpu, **{k: v for k, v in res.items() if k not in ("sync_s",)})


def cold_table(kind):
    rows = [r for r in RESULTS if r["workload"] == kind]
    by = {t: [r for r in rows if r["tool"] == t] for t in TOOLS}
    json_mb = med([r.get("bytes") for r in by.get("raw", [])])
    json_mb = json_mb / 1e6 if json_mb else None
    floor = med([r["sync_s"] for r in by.get("raw", [])])
    py = med([r["sync_s"] for r in by.get("py-ovs", [])])
    what = {"raw": "raw wire floor (bytes only, to the reply's end)",
            "rust": "Rust typed Replica, every table",
            "rust-before": "Rust typed Replica, every table (BIN_BEFORE build)",
            "py-ovs": "Python ovs IDL, every table",
            "ovsdbapp": "ovsdbapp, every table",
            "dump": "ovsdb-client dump (process wall)"}
    out = ["", "### %s cold sync: %s, reply %s MB, %d reps (medians)" % (
        kind.upper(), DBS[kind][0], fmt(json_mb, "%.1f"), REPS), "",
        "| client | sync s | min-max | x raw floor | Python IDL / this | peak RSS MB (min-max) | RSS / JSON | client CPU s | rows |",
        "|---|---|---|---|---|---|---|---|---|"]
    for t in TOOLS:
        rs = by.get(t) or []
        s = [r["sync_s"] for r in rs if r["sync_s"] is not None]
        if not s:
            out.append("| %s | failed | | | | | | | |" % what.get(t, t))
            continue
        m = statistics.median(s)
        rss = med([r["rss_mb"] for r in rs])
        rss_all = [r["rss_mb"] for r in rs if r["rss_mb"] is not None]
        out.append("| %s | %.2f | %.2f-%.2f | %s | %s | %s | %s | %s | %s |" % (
            what.get(t, t), m, min(s), max(s),
            fmt(m / floor if floor else None, "%.2fx"),
            fmt(py / m if py else None, "%.1fx"),
            "%s (%s)" % (fmt(rss, "%.0f"), "-".join(fmt(x, "%.0f") for x in (min(rss_all), max(rss_all))) if rss_all else "-"),
            fmt(rss / json_mb if rss and json_mb and t != "raw" else None, "%.2fx"),
            fmt(med([r.get("client_cpu_s") for r in rs])),
            med([r.get("rows") for r in rs]) or "-"))
    return out


def probe(db_file):
    remote = "tcp:127.0.0.1:%d" % (PORT_BASE + 1)
    out = ["", "### Server's default inactivity probe (5 s) on a plain ptcp remote, NB, "
           "each client stays %.0f s after its sync" % PROBE_HOLD_S, "",
           "| client | sync s | server probe disconnects | client view |", "|---|---|---|---|"]
    for tool in [t for t in ("rust", "py-ovs") if t in TOOLS]:
        srv = Server("nb", db_file, "probe-" + tool)
        try:
            wall, rss, res = measured(sync_cmd(tool, "nb", remote, PROBE_HOLD_S), "probe-" + tool)
            time.sleep(0.5)
            disc = srv.probe_disconnects()
        finally:
            srv.stop()
        res = res or {}
        if tool == "rust":
            view = "snapshots %s, replica session %s -> %s, client session at end %s" % (
                res.get("snapshots"), res.get("session_at_sync"), res.get("session_at_end"),
                res.get("client_session_at_end"))
        else:
            view = "reconnects seen by the IDL: %s" % res.get("reconnects")
        log("  probe %-7s disconnects %d  %s" % (tool, disc, view))
        record(workload="probe", tool=tool, sync_s=res.get("sync_s"), disconnects=disc, view=view)
        out.append("| %s | %s | %d | %s |" % (tool, fmt(res.get("sync_s")), disc, view))
    return out


def read_times(path, cols):
    d = {}
    for line in open(path):
        f = line.split()
        if len(f) == cols:
            d[int(f[0])] = [float(x) for x in f[1:]]
    return d


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def stream(db_file):
    remote = "tcp:127.0.0.1:%d" % PORT_BASE
    n = STREAM_UPDATES
    for rep in range(REPS):
        for tool in STREAM_TOOLS:
            tag = "stream-%s-%d" % (tool, rep)
            srv = Server("nb", db_file, tag)
            ready = os.path.join(RUN, tag + ".ready")
            wout = os.path.join(RUN, tag + ".watch")
            cout = os.path.join(RUN, tag + ".commits")
            watcher = None
            try:
                if tool != "writer":
                    if tool == "rust":
                        cmd = [BIN, "watch", remote, str(n), ready, wout]
                    elif tool == "py-ovs":
                        cmd = [PY, CLIENTS, "py-ovs", "watch", remote, str(n), ready, wout,
                               os.path.join(SCHEMAS, "ovn-nb.ovsschema")]
                    else:
                        cmd = [PY, CLIENTS, "ovsdbapp", "watch", remote, str(n), ready, wout]
                    ef = open(os.path.join(RUN, tag + ".err"), "w")
                    watcher = subprocess.Popen(["/usr/bin/time", "-v"] + cmd, stdout=subprocess.PIPE,
                                               stderr=ef, text=True)
                    end = time.monotonic() + 300
                    while not os.path.exists(ready):
                        if watcher.poll() is not None or time.monotonic() > end:
                            raise RuntimeError("watcher did not get ready: " + tag)
                        time.sleep(0.02)
                _, _, wres = measured([BIN, "write", remote, str(n), str(STREAM_WINDOW), cout], tag + "-writer")
                res = {}
                if watcher:
                    stdout, _ = watcher.communicate(timeout=600)
                    lines = [l for l in stdout.splitlines() if l.strip()]
                    res = json.loads(lines[-1]) if watcher.returncode == 0 and lines else {}
            finally:
                if watcher and watcher.poll() is None:
                    watcher.kill()
                srv.stop()
            commits = read_times(cout, 3)
            sends = [v[0] for v in commits.values()]
            replies = [v[1] for v in commits.values()]
            rec = dict(workload="stream", tool=tool, rep=rep,
                       writer_rate=(wres or {}).get("rate"),
                       writer_s=max(replies) - min(sends))
            if watcher:
                seen = read_times(wout, 2)
                lags = [seen[i][0] - commits[i][1] for i in seen if i in commits]
                ts = sorted(v[0] for v in seen.values())
                rec.update(updates=len(seen),
                           lag_p50_ms=pct(lags, 50) * 1e3, lag_p99_ms=pct(lags, 99) * 1e3,
                           lag_max_ms=max(lags) * 1e3,
                           applied_rate=(len(ts) - 1) / (ts[-1] - ts[0]) if len(ts) > 1 else None,
                           drain_s=ts[-1] - min(sends),
                           sync_s=res.get("sync_s"))
            log("  stream rep %d %-8s %s" % (rep + 1, tool, {k: (round(v, 2) if isinstance(v, float) else v)
                                                            for k, v in rec.items() if k not in ("workload", "tool", "rep")}))
            record(**rec)


def stream_table():
    rows = [r for r in RESULTS if r["workload"] == "stream"]
    out = ["", "### Update stream: %d single-row commits (mutate, %d in flight) while the client "
           "monitors Logical_Switch_Port (%d rows), %d reps (medians)" % (
               STREAM_UPDATES, STREAM_WINDOW, STREAM_SWITCHES * STREAM_PORTS, REPS), "",
           "| watcher | applied upd/s | writer commits/s | drain / write time | lag p50 ms | lag p99 ms | lag max ms |",
           "|---|---|---|---|---|---|---|"]
    for t in STREAM_TOOLS:
        rs = [r for r in rows if r["tool"] == t]
        if not rs:
            continue
        w = med([r["writer_s"] for r in rs])
        drain = med([r.get("drain_s") for r in rs])
        out.append("| %s | %s | %s | %s | %s | %s | %s |" % (
            "none (writer alone)" if t == "writer" else t,
            fmt(med([r.get("applied_rate") for r in rs]), "%.0f"),
            fmt(med([r["writer_rate"] for r in rs]), "%.0f"),
            fmt(med([r.get("drain_s") / r["writer_s"] for r in rs if r.get("drain_s")]) if drain else None, "%.2fx"),
            fmt(med([r.get("lag_p50_ms") for r in rs]), "%.1f"),
            fmt(med([r.get("lag_p99_ms") for r in rs]), "%.1f"),
            fmt(med([r.get("lag_max_ms") for r in rs]), "%.1f")))
        del w
    return out


def drop_missing_tools():
    """Leaves out the Python clients whose package is not installed (said in the report)."""
    notes = []
    for tool, module in (("py-ovs", "ovs.db.idl"), ("ovsdbapp", "ovsdbapp.backend.ovs_idl")):
        if subprocess.run([PY, "-c", "import " + module], capture_output=True).returncode != 0:
            for tools in (TOOLS, STREAM_TOOLS):
                if tool in tools:
                    tools.remove(tool)
            notes.append("%s left out: %s is not installed" % (tool, module))
    return notes


def main():
    os.makedirs(RUN, exist_ok=True)
    log("results in " + RUN)
    missing = drop_missing_tools()
    ctx = subprocess.run(["ovsdb-server", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    report = ["## bench/replica.sh run %s" % datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
              "", "%s; %d CPUs; REPS=%d, interleaved; fresh server per measurement" % (ctx, os.cpu_count(), REPS)]
    if missing:
        report += ["", "; ".join(missing)]
    if "nb" in WORKLOADS or "probe" in WORKLOADS:
        nb = build_db("nb", NB_SWITCHES, NB_PORTS, "nb")
    if "sb" in WORKLOADS:
        sb = build_db("sb", SB_DATAPATHS, SB_FLOWS, "sb")
    if "stream" in WORKLOADS:
        st = build_db("nb", STREAM_SWITCHES, STREAM_PORTS, "stream")
    if "nb" in WORKLOADS:
        log("NB cold sync")
        cold_sync("nb", nb)
        report += cold_table("nb")
    if "sb" in WORKLOADS:
        log("SB cold sync")
        cold_sync("sb", sb)
        report += cold_table("sb")
    if "probe" in WORKLOADS:
        log("probe")
        report += probe(nb)
    if "stream" in WORKLOADS:
        log("update stream")
        stream(st)
        report += stream_table()
    text = "\n".join(report) + "\n"
    open(os.path.join(RUN, "report.md"), "w").write(text)
    print(text)


if __name__ == "__main__":
    main()
