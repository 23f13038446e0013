#!/usr/bin/env python3
"""Differential run of a reference tool's own autotest suite against our tool.

Reads the command sequences of each test group (AT_SETUP ... AT_CLEANUP) of a user's OVS or OVN
checkout (`tests/ovs-vsctl.at`, `tests/ovn-sbctl.at`), expands their m4 macros with autom4te's
m4sugar (package `autoconf`), and runs every group twice, each side in its own directory with its
own fresh ovsdb-server(s): once with the installed reference tool, once with ours under the
reference's name (a symlink in front of PATH). Everything else (ovsdb-server, ovsdb-tool,
ovn-northd, ovn-nbctl, the shell) is the installed reference on both sides.

After every check that invokes the tool it compares, per invocation: stdout (UUIDs replaced by
labels of their rows' contents, or by their order of first appearance), stderr (timestamps and
the side's directory normalized), the exit status, and the database (canonical dump, UUIDs
normalized). Output order alone differing (row order follows UUID hashes) counts as a match.

Groups that need what a plain server cannot give (SSL keys, ovs-vswitchd) are skipped and
counted. Nothing of the suite is stored: it is read from the checkout at run time.

Usage:
  bench/ctl-suites.py vsctl /path/to/ovs  [--ours target/debug] [--groups REGEX] [-v]
  bench/ctl-suites.py sbctl /path/to/ovn  [--ours target/debug] [--groups REGEX] [-v]
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import OrderedDict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from ctl_labels import content_labels  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

SUITES = {
    "vsctl": {
        "file": "tests/ovs-vsctl.at",
        "tool": "ovs-vsctl",
        "ours": "vsctl-rs",
        "schema": "vswitch.ovsschema",
        "sock": "db.sock",
    },
    "sbctl": {
        "file": "tests/ovn-sbctl.at",
        "tool": "ovn-sbctl",
        "ours": "sbctl-rs",
        "schema": "ovn-sb.ovsschema",
        "sock": "ovnsb_db.sock",
    },
}

# Our own replacements for the suite's helper macros: they print markers the parser below
# reads (a check's command text, a server setup, a wait loop, a reason to skip).
PRELUDE = r"""m4_divert_push([0])dnl
m4_define([AT_SETUP], [
@@SETUP@@$1@@
])
m4_define([AT_CLEANUP], [
@@CLEANUP@@
])
m4_define([AT_CHECK], [
@@CHECK@@m4_if([$3],[stdout],[O])m4_if([$4],[stderr],[E])@@
$1
@@END@@
])
m4_define([AT_CHECK_UNQUOTED], [AT_CHECK($@)])
m4_define([AT_KEYWORDS], [])
m4_define([AT_BANNER], [])
m4_define([AT_CAPTURE_FILE], [])
m4_define([AT_FAIL_IF], [false])
m4_define([AT_SKIP_IF], [
@@SKIP@@$1@@
])
m4_define([OVSDB_INIT], [
@@OVSDBINIT@@$1@@
])
m4_define([OVS_VSWITCHD_START], [
@@VSWITCHD@@
AT_CHECK([ovs-vsctl -- add-br br0 -- set bridge br0 datapath-type=dummy other-config:datapath-id=fedcba9876543210 other-config:hwaddr=aa:55:aa:55:00:00 protocols=[[OpenFlow10,OpenFlow11,OpenFlow12,OpenFlow13,OpenFlow14,OpenFlow15]] fail-mode=secure -- $1])
])
m4_define([OVS_VSWITCHD_STOP], [])
m4_define([PARSE_LISTENING_PORT], [OVS_WAIT_UNTIL([$2=`sed -n 's/.*0:.*: listening on port \([[0-9]]*\)$/\1/p' "$1"` && test X != X"[$]$2"])])
m4_define([OVS_WAIT_UNTIL], [
@@WAIT@@
$1
@@END@@
])
m4_define([OVS_APP_EXIT_AND_WAIT_BY_TARGET], [])
m4_define([OVS_APP_EXIT_AND_WAIT], [])
m4_define([OVS_START_SHELL_HELPERS], [])
m4_define([OVS_END_SHELL_HELPERS], [])
m4_define([AS_CASE], [])
m4_define([OVN_SBCTL_TEST], [
@@SETUP@@ovn-sbctl - $2 - direct@@
@@SBSTART@@direct@@
$3
@@CLEANUP@@
@@SETUP@@ovn-sbctl - $2 - daemon@@
@@SBSTART@@daemon@@
$3
@@CLEANUP@@
])
"""

# Macros the suites define that the prelude replaces: their definitions in the file are renamed.
OVERRIDDEN = ["OVN_SBCTL_TEST", "OVN_SBCTL_TEST_START", "OVN_SBCTL_TEST_STOP"]

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
PID = re.compile(r"(line \d+:)\s+\d+\s+")
REFSET = re.compile(r"\[(<[^\]\[<>]+>(?:, <[^\]\[<>]+>)+)\]")
PORT = re.compile(r"\b(ssl|tcp):([0-9.]+|localhost):\d+")
TS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z\|\d+\|")


def expand(at_file):
    text = open(at_file).read()
    for m in OVERRIDDEN:
        text = text.replace("m4_define([%s]" % m, "m4_define([UNUSED_%s]" % m)
    with tempfile.TemporaryDirectory() as d:
        pre = os.path.join(d, "prelude.m4")
        at = os.path.join(d, "suite.at")
        open(pre, "w").write(PRELUDE)
        open(at, "w").write(text)
        out = subprocess.run(
            ["autom4te", "--no-cache", "-l", "m4sugar", pre, at, "-o", "-"],
            capture_output=True,
            text=True,
        )
        if out.returncode != 0:
            sys.exit("autom4te failed: " + out.stderr)
        return out.stdout


def parse(expanded):
    """Groups: [(name, [item])], item = (kind, arg, text)."""
    groups = []
    cur = None
    lines = expanded.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^\s*@@(SETUP|CLEANUP|CHECK|WAIT|SKIP|OVSDBINIT|SBSTART|VSWITCHD)@@(.*?)(@@)?\s*$", line)
        if not m:
            if cur is not None:
                cur[1].append(("shell", None, line))
            i += 1
            continue
        kind, arg = m.group(1), m.group(2)
        if kind == "SETUP":
            cur = (arg, [])
            groups.append(cur)
        elif kind == "CLEANUP":
            cur = None
        elif kind in ("CHECK", "WAIT"):
            body = []
            i += 1
            while i < len(lines) and lines[i].strip() != "@@END@@":
                body.append(lines[i])
                i += 1
            if cur is not None:
                cur[1].append((kind.lower(), arg, "\n".join(body)))
        elif cur is not None:
            cur[1].append((kind.lower(), arg, ""))
        i += 1
    return groups


def mentions(text, tool):
    return re.search(r"(^|[\s;(`$|&])%s(\s|$)" % re.escape(tool), text) is not None


def split_check(text, tool):
    """A check of several lines, each one plain invocation: one step per line."""
    ls = [l for l in text.split("\n") if l.strip()]
    if len(ls) > 1 and all(
        l.strip().startswith(tool + " ") and not l.rstrip().endswith("\\") and "|" not in l for l in ls
    ):
        return ls
    return [text]


class Group:
    def __init__(self, name, items, suite):
        self.name = name
        self.suite = suite
        # What this runner has: OpenSSL (and ovs-pki); not the test PKI of an OVS build tree
        # nor unbound, which the SNI group needs.
        have = {"HAVE_OPENSSL"}
        self.skip = [
            a
            for k, a, _ in items
            if k == "skip" and any(v not in have for v in re.findall(r'test "\$(\w+)" = no', a))
        ]
        self.vswitchd = any(k == "vswitchd" for k, _, _ in items)
        self.steps = []  # (n, flags, text, counted)
        self.script = []  # the group's shell body with step calls
        tool = suite["tool"]
        depth = 0
        for kind, arg, text in items:
            if kind == "check":
                for part in split_check(text, tool):
                    n = len(self.steps)
                    counted = mentions(part, tool)
                    self.steps.append((n, arg or "", part, counted))
                    self.script.append("__run %d '%s'" % (n, arg or ""))
            elif kind == "wait":
                n = len(self.steps)
                self.steps.append((n, "", text, False))
                self.script.append("__wait %d" % n)
            elif kind == "ovsdbinit":
                self.script.append(
                    'ovsdb-tool create %s "$SCHEMA" >/dev/null 2>&1; '
                    "ovsdb-tool transact %s '[\"Open_vSwitch\", "
                    '{"op": "insert", "table": "Open_vSwitch", "row": {}}]\' >/dev/null 2>&1' % (arg, arg)
                )
            elif kind == "vswitchd":
                self.script.append(VSWITCHD)
            elif kind == "sbstart":
                self.script.append(SBSTART)
                if arg == "daemon":
                    n = len(self.steps)
                    self.steps.append(
                        (
                            n,
                            "",
                            "export OVN_SB_DAEMON=$(ovn-sbctl --pidfile --detach --no-chdir --log-file -vsocket_util:off)",
                            True,
                        )
                    )
                    self.script.append("__run %d ''" % n)
                    self.script.append("on_exit 'kill `cat ovn-sbctl.pid`'")
            elif kind == "shell":
                # A complete top-level line that runs the tool is a step of its own.
                s = text.strip()
                opens = s.count("{") - s.count("}")
                if (
                    depth == 0
                    and mentions(s, tool)
                    and not s.endswith("\\")
                    and opens == 0
                    and not s.startswith("#")
                ):
                    n = len(self.steps)
                    self.steps.append((n, "", s, True))
                    self.script.append("__run %d ''" % n)
                else:
                    self.script.append(text)
                depth += opens


# ofproto-macros.at's OVS_VSWITCHD_START: a server and an ovs-vswitchd on dummy datapaths.
VSWITCHD = r"""
ovsdb-tool create conf.db "$SCHEMA" >/dev/null 2>&1
ovsdb-server --detach --no-chdir --pidfile --log-file --remote=punix:$OVS_RUNDIR/db.sock conf.db
on_exit 'kill `cat ovsdb-server.pid`'
/usr/bin/env ovs-vsctl --db=unix:$OVS_RUNDIR/db.sock --no-wait init
ovs-vswitchd --enable-dummy --disable-system --disable-system-route --detach --no-chdir --pidfile --log-file -vvconn -vofproto_dpif -vunixctl
on_exit 'kill `cat ovs-vswitchd.pid`'
"""

SBSTART = r"""
ovsdb-tool create ovn-nb.db "$SCHEMAS/ovn-nb.ovsschema" >/dev/null 2>&1
ovsdb-tool create ovn-sb.db "$SCHEMAS/ovn-sb.ovsschema" >/dev/null 2>&1
ovsdb-server --detach --no-chdir --pidfile=ovnnb_db.pid --unixctl=$OVS_RUNDIR/ovnnb_db.ctl --log-file=ovsdb_nb.log --remote=punix:$OVS_RUNDIR/ovnnb_db.sock ovn-nb.db
ovsdb-server --detach --no-chdir --pidfile=ovnsb_db.pid --unixctl=$OVS_RUNDIR/ovnsb_db.ctl --log-file=ovsdb_sb.log --remote=punix:$OVS_RUNDIR/ovnsb_db.sock ovn-sb.db
on_exit 'kill `cat ovnnb_db.pid` `cat ovnsb_db.pid`'
ovn-northd --detach --no-chdir --pidfile --log-file --ovnnb-db=unix:$OVS_RUNDIR/ovnnb_db.sock --ovnsb-db=unix:$OVS_RUNDIR/ovnsb_db.sock
on_exit 'kill `cat ovn-northd.pid`'
__northd=1
"""

HEADER = r"""
set +e
cd "$SIDE"
__exits=()
__northd=
on_exit() { __exits+=("$1"); }
check() { echo "$@"; "$@"; }
check_uuid() { echo "$@"; last_uuid=$("$@"); local rc=$?; echo "$last_uuid"; return $rc; }
uuidfilt() { python3 -c '
import re, sys
seen = {}
def rep(m):
    return "<%d>" % seen.setdefault(m.group(0), len(seen))
for f in (sys.argv[1:] or ["/dev/stdin"]):
    for line in open(f):
        sys.stdout.write(re.sub("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", rep, line))
' "$@"; }
as() { if [ $# -gt 1 ]; then shift; "$@"; fi; }
ovn_init_db() { :; }
parse_db() { case $1 in (*:*) echo ${1%%:*} ;; (*) echo sb ;; esac; }
parse_table() { case $1 in (*:*) echo ${1##*:} ;; (*) echo $1 ;; esac; }
count_rows() { local db=$(parse_db $1) table=$(parse_table $1); shift; ovn-${db}ctl --format=table --no-headings find $table "$@" | wc -l; }
check_row_count() { local db=$(parse_db $1) table=$(parse_table $1); shift; local count=$1; shift; local found=$(count_rows $db:$table "$@"); echo; echo "Checking for $count rows in $db $table${1+ with $*}... found $found"; test "$count" = "$found"; }
__dump() {
  if [ -S "$SIDE/$SOCK" ]; then
    if [ -n "$__northd" ]; then /usr/bin/env ovn-nbctl --timeout=10 --db=unix:$SIDE/ovnnb_db.sock --wait=sb sync >/dev/null 2>&1; fi
    ovsdb-client transact unix:$SIDE/$SOCK "$DUMP" > "$R/$1.db" 2>/dev/null
  fi
}
__run() {
  local __n=$1 __f=$2
  . "$STEPS/$__n.sh" > "$R/$__n.out" 2> "$R/$__n.err" < /dev/null
  echo $? > "$R/$__n.rc"
  case $__f in *O*) cp "$R/$__n.out" stdout;; esac
  case $__f in *E*) cp "$R/$__n.err" stderr;; esac
  __dump $__n
}
__wait() {
  local __i
  for __i in $(seq 100); do
    if . "$STEPS/$1.sh" >/dev/null 2>&1; then break; fi
    sleep 0.1
  done
}
"""

FOOTER = r"""
for __c in "${__exits[@]}"; do eval "$__c" >/dev/null 2>&1; done
"""


def schema_tables(path):
    return sorted(json.load(open(path))["tables"].keys())


# What ovs-vswitchd writes (states, counters, kernel-made values): not the tool's doing.
VSWITCHD_COLUMNS = {
    "mac_in_use", "ifindex", "statistics", "status", "link_state", "link_speed", "link_resets",
    "duplex", "mtu", "admin_state", "ofport", "error", "lacp_current", "bfd_status", "datapath_version",
    "rstp_status", "bond_active_slave", "cur_cfg", "datapath_types", "iface_types", "ovs_version",
    "db_version", "system_type", "system_version", "dpdk_initialized", "dpdk_version", "is_connected",
    "role", "cfm_fault", "cfm_fault_status", "cfm_flap_count", "cfm_health", "cfm_remote_mpids",
    "cfm_remote_opstate", "datapaths",
}


def labels(dump, tables, side_dir, vswitchd=False):
    """Content labels of every row (references replaced by their targets' labels)."""
    rows = {}
    if not isinstance(dump, list):
        return {}, {}
    # What ovn-northd makes up at random (MAC prefix, service monitor MAC) and the NB UUIDs it
    # copies into strings are not the tool's doing: placeholders.
    random = {}
    for t, r in zip(tables, dump):
        if t == "SB_Global" and isinstance(r, dict):
            for row in r.get("rows", []):
                for k, v in row.get("options", ["map", []])[1]:
                    if k in ("mac_prefix", "svc_monitor_mac"):
                        random[v] = "<%s>" % k

    def scrub(v):
        for k, p in random.items():
            v = v.replace(k, p)
        if re.fullmatch(r"[0-9a-f]{8}", v):
            return "<hint>"  # a Logical_Flow's stage-hint: the start of an NB row's UUID
        return UUID.sub("<U>", v.replace(side_dir, "$DIR"))

    for t, r in zip(tables, dump):
        if not isinstance(r, dict):
            continue
        for row in r.get("rows", []):
            u = row["_uuid"][1]
            row = {
                k: v
                for k, v in row.items()
                if k not in ("_uuid", "_version")
                and not (vswitchd and k in VSWITCHD_COLUMNS)
                # ovn-northd numbers a switch's ports in its own (hash) order.
                and not (t == "Port_Binding" and k == "tunnel_key")
            }
            rows[u] = (t, row)
    return content_labels(rows, scrub)


class Side:
    def __init__(self, root, name):
        self.dir = os.path.join(root, name)
        self.first = OrderedDict()

    def norm(self, text, labs):
        def rep(m):
            u = m.group(0)
            if u in labs:
                return labs[u]
            if u not in self.first:
                self.first[u] = "<uuid%d>" % len(self.first)
            return self.first[u]

        text = UUID.sub(rep, text)
        text = text.replace(self.dir, "$DIR")
        text = TS.sub("TIME|N|", text)
        text = PID.sub(r"\1 PID ", text)
        text = PORT.sub(r"\1:\2:PORT", text)
        # A set of references prints in UUID order.
        text = REFSET.sub(lambda m: "[" + ", ".join(sorted(m.group(1).split(", "))) + "]", text)
        return text


def run_group(g, suite, args, ours_dir, schemas, tables):
    root = tempfile.mkdtemp(prefix="ctl-suite-")
    dump = json.dumps([suite["db"]] + [{"op": "select", "table": t, "where": []} for t in tables])
    procs = []
    sides = {}
    for side in ("theirs", "ours"):
        d = os.path.join(root, side)
        steps = os.path.join(root, side + "-steps")
        r = os.path.join(root, side + "-r")
        b = os.path.join(root, side + "-bin")
        for x in (d, steps, r, b):
            os.makedirs(x)
        target = shutil.which(suite["tool"]) if side == "theirs" else os.path.join(ours_dir, suite["ours"])
        os.symlink(target, os.path.join(b, suite["tool"]))
        for n, _, text, _ in g.steps:
            open(os.path.join(steps, "%d.sh" % n), "w").write(text + "\n")
        # The suite runs ovs-pki from the source tree: the installed one stands in.
        pki = os.path.join(root, side + "-src", "utilities")
        os.makedirs(pki)
        open(os.path.join(pki, "ovs-pki.in"), "w").write('exec ovs-pki "$@"\n')
        script = os.path.join(root, side + ".sh")
        open(script, "w").write(HEADER + "\n".join(g.script) + FOOTER)
        env = dict(os.environ)
        for k in ("OVN_NB_DB", "OVN_SB_DB", "OVN_NB_DAEMON", "OVN_SB_DAEMON", "OVS_VSCTL_OPTIONS"):
            env.pop(k, None)
        env.update(
            {
                "SIDE": d,
                "STEPS": steps,
                "R": r,
                "SOCK": suite["sock"],
                "DUMP": dump,
                "SCHEMA": os.path.join(schemas, suite["schema"]),
                "SCHEMAS": schemas,
                "abs_top_srcdir": os.path.join(root, side + "-src"),
                "HAVE_OPENSSL": "yes",
                "PATH": b + ":" + env["PATH"],
                "OVS_RUNDIR": d,
                "OVS_LOGDIR": d,
                "OVS_DBDIR": d,
                "OVS_SYSCONFDIR": d,
                "OVS_PKGDATADIR": d,
                "OVN_RUNDIR": d,
                "OVN_LOGDIR": d,
                "OVN_DBDIR": d,
                "OVN_SYSCONFDIR": d,
            }
        )
        procs.append(
            subprocess.Popen(["bash", script], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        )
        sides[side] = (Side(root, side), r)
    for p in procs:
        try:
            p.wait(timeout=300)
        except subprocess.TimeoutExpired:
            p.kill()
    results = []
    for n, _, text, counted in g.steps:
        if not counted:
            continue
        outs = {}
        for side, (s, r) in sides.items():

            def rd(ext):
                p = os.path.join(r, "%d.%s" % (n, ext))
                return open(p, errors="replace").read() if os.path.exists(p) else None

            db = rd("db")
            try:
                dbv = json.loads(db) if db else None
            except ValueError:
                dbv = None
            labs, by_table = labels(dbv, tables, s.dir, g.vswitchd)
            out, err, rc = rd("out"), rd("err"), rd("rc")
            outs[side] = (
                s.norm(out or "", labs),
                s.norm(err or "", labs),
                (rc or "").strip() if rc is not None else "not run",
                by_table,
            )
        t, o = outs["theirs"], outs["ours"]
        why = []
        order = False
        if t[2] != o[2]:
            why.append("status %s vs ours %s" % (t[2], o[2]))
        if t[0] != o[0]:
            if sorted(t[0].split("\n")) == sorted(o[0].split("\n")):
                order = True
            else:
                why.append("stdout")
        if t[1] != o[1]:
            why.append("stderr")
        if t[3] != o[3]:
            why.append("database")
        results.append((n, text, why, order, t, o))
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    else:
        print("kept", root)
    return results


def db_diff(t, o):
    lines = []
    for tab in sorted(set(t) | set(o)):
        a, b = o.get(tab, []), t.get(tab, [])
        lines += ["      only ours:   " + x for x in a if x not in b]
        lines += ["      only theirs: " + x for x in b if x not in a]
    return "\n".join(lines[:10])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("suite", choices=sorted(SUITES))
    ap.add_argument("checkout", help="an OVS (vsctl) or OVN (sbctl) source checkout")
    ap.add_argument("--ours", default=os.path.join(ROOT, "target", "debug"), help="directory of our binaries")
    ap.add_argument("--schemas", default=os.path.join(ROOT, "testdata", "schemas"))
    ap.add_argument("--groups", help="regex: only the groups whose title matches")
    ap.add_argument("--keep", action="store_true", help="keep the run directories")
    ap.add_argument("-v", "--verbose", action="store_true", help="print each mismatch's outputs")
    args = ap.parse_args()
    suite = dict(SUITES[args.suite])
    schema = os.path.join(args.schemas, suite["schema"])
    suite["db"] = json.load(open(schema))["name"]
    tables = schema_tables(schema)
    groups = [Group(n, items, suite) for n, items in parse(expand(os.path.join(args.checkout, suite["file"])))]
    total = ok = skipped = 0
    for g in groups:
        if args.groups and not re.search(args.groups, g.name):
            continue
        counted = sum(1 for s in g.steps if s[3])
        if g.skip:
            skipped += counted
            print("SKIP %-60s %3d invocations (needs %s)" % (g.name, counted, ", ".join(g.skip)))
            continue
        res = run_group(g, suite, args, args.ours, args.schemas, tables)
        good = sum(1 for r in res if not r[2])
        total += len(res)
        ok += good
        print("%5.1f%% %-60s %3d/%3d" % (100.0 * good / max(len(res), 1), g.name, good, len(res)))
        for n, text, why, _order, t, o in res:
            if not why:
                continue
            print("   MISS step %d: %s\n      [%s]" % (n, text.strip().replace("\n", "\n      "), "; ".join(why)))
            if args.verbose:
                if "stdout" in why:
                    print("      theirs out: %r\n      ours   out: %r" % (t[0][:600], o[0][:600]))
                if "stderr" in why or "status" in why[0]:
                    print("      theirs err: %r\n      ours   err: %r" % (t[1][:600], o[1][:600]))
                if "database" in why:
                    print(db_diff(t[3], o[3]))
    print(
        "TOTAL %s: %d/%d invocations match (%.1f%%); %d skipped"
        % (args.suite, ok, total, 100.0 * ok / max(total, 1), skipped)
    )


if __name__ == "__main__":
    main()
