"""Send the golden transacts and method requests to a real ovsdb-server and record the outcomes.

Usage: python3 verify.py SCHEMA OUT.json
Starts one fresh ovsdb-server (empty OVN_Northbound from SCHEMA) per ops/*.json file and one for all of
methods/*.json, in temporary directories, and writes for each file the error tag and index of the first
failure (or null). Needs ovsdb-tool and ovsdb-server on PATH.
"""
import glob, json, os, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "updates"))
from rpc import C

HERE = os.path.dirname(os.path.abspath(__file__))
schema, out = sys.argv[1:3]


def server():
    d = tempfile.mkdtemp(prefix="golden-")
    env = dict(os.environ, OVS_RUNDIR=d, OVS_LOGDIR=d, OVS_DBDIR=d)
    subprocess.run(["ovsdb-tool", "create", d + "/nb.db", schema], check=True)
    subprocess.run(["ovsdb-server", d + "/nb.db", "--remote=punix:" + d + "/nb.sock", "--pidfile=" + d + "/nb.pid",
                    "--unixctl=" + d + "/nb.ctl", "-vconsole:err", "--log-file=" + d + "/nb.log", "--detach",
                    "--no-chdir"], check=True, env=env)
    for _ in range(50):
        if os.path.exists(d + "/nb.sock"):
            break
        time.sleep(0.1)
    return d


def stop(d):
    with open(d + "/nb.pid") as f:
        os.kill(int(f.read()), 15)


def first_error(result, n_ops):
    for i, r in enumerate(result):
        if isinstance(r, dict) and "error" in r:
            return {"index": i if i < n_ops else None, "error": r["error"]}
    return None


outcome = {}
for path in sorted(glob.glob(os.path.join(HERE, "ops", "*.json"))):
    params = json.load(open(path))
    d = server()
    try:
        c = C(d + "/nb.sock")
        reply = c.call("transact", params)
        assert reply["error"] is None, reply
        outcome["ops/" + os.path.basename(path)] = first_error(reply["result"], len(params) - 1)
        print(path, json.dumps(reply["result"])[:300])
    finally:
        stop(d)

d = server()
try:
    c = C(d + "/nb.sock")
    for path in sorted(glob.glob(os.path.join(HERE, "methods", "*.json")), key=lambda p: json.load(open(p))["id"] or 0):
        msg = json.load(open(path))
        name = "methods/" + os.path.basename(path)
        if msg["id"] is None:
            c.send(msg)  # cancel: a notification, no reply
            outcome[name] = None
            continue
        c.send(msg)
        while True:
            m = c.recv()
            if m.get("id") == msg["id"] and "method" not in m:
                break
        err = m.get("error")
        if err is None and msg["method"] == "transact":
            err = first_error(m["result"], len(msg["params"]) - 1)
        if err is not None and "index" not in err:
            err = {"error": err["error"] if isinstance(err, dict) else err}
        outcome[name] = err
        print(name, json.dumps(m)[:200])
finally:
    stop(d)
json.dump(outcome, open(out, "w"), indent=1, sort_keys=True)
