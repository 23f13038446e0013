#!/usr/bin/env python3
"""Differential run of the ovn-nbctl invocations found in an OVN checkout's autotest files.

Usage: scripts/nbctl-diff.py [--daemon] [--ours PATH] [--only REGEX] [-v] FILE...

For each test group of each file (an `AT_SETUP`, or an `OVN_NBCTL_TEST` macro call, which
autotest expands into a direct and a daemon group running the same commands: taken once), the
ovn-nbctl invocations are extracted in order (`check ovn-nbctl ...`, `AT_CHECK([ovn-nbctl
...])`, bare `ovn-nbctl ...` lines, `$(ovn-nbctl ...)` substitutions) and run, one by one, on
two fresh ovsdb-servers (OVN_Northbound): the reference `ovn-nbctl` on one, ours (`nbctl-rs`,
or `--ours`) on the other. Each invocation is compared on stdout (UUIDs replaced by a label of
their row's contents), stderr (program name and vlog prefix dropped), exit status and the whole
database after it (canonical dump, UUIDs replaced the same way). A file that is not an
autotest file (`.at`), e.g. a shell script or a tutorial, is one sequence: its lines, a leading
`$ ` prompt dropped.

What cannot be run as written is skipped and counted: invocations using a shell variable the
script did not set itself from an earlier `VAR=$(ovn-nbctl ...)`, shell function arguments,
backquotes, or other programs' output. `--wait=sb` / `--wait=hv` are dropped on both sides (no
ovn-northd runs here; the wait would only end at the timeout). With `--daemon`, both run
through a daemon each started with `--detach` on its server (`OVN_NB_DAEMON`).

Prints each mismatch, then the match rate per group, per file and overall.
"""

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import tempfile

from ctl_labels import content_labels

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SCHEMA = os.path.join(ROOT, "testdata/schemas/ovn-nb.ovsschema")

# `--timeout` of every invocation (s): a `wait-until` that never holds (no ovn-northd or
# ovn-controller here) ends there, on both sides.
TIMEOUT = 3

# Whether vlog lines are compared by their message only (`--loose-vlog`).
LOOSE_VLOG = False

UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


# ---------------------------------------------------------------- extraction


def m4_unquote(text, levels=1):
    """Drops `levels` levels of m4 quotes ([ ]) and expands autotest's quadrigraphs."""
    for _ in range(levels - 1):
        text = m4_unquote_once(text)
    s = m4_unquote_once(text)
    for q, r in (("@<:@", "["), ("@:>@", "]"), ("@S|@", "$"), ("@%:@", "#"), ("@&t@", "")):
        s = s.replace(q, r)
    return s


def m4_unquote_once(text):
    out = []
    depth = 0
    for c in text:
        if c == "[":
            depth += 1
            if depth > 1:
                out.append(c)
        elif c == "]":
            if depth > 1:
                out.append(c)
            depth = max(depth - 1, 0)
        else:
            out.append(c)
    return "".join(out)


def bracket_arg(text, i):
    """The m4 argument starting at text[i] (a '['), with its brackets, and the index after it."""
    depth = 0
    j = i
    while j < len(text):
        if text[j] == "[":
            depth += 1
        elif text[j] == "]":
            depth -= 1
            if depth == 0:
                return text[i : j + 1], j + 1
        j += 1
    return text[i:], len(text)


def split_groups(text):
    """[(title, body)] of the test groups of an .at file."""
    groups = []
    # OVN_NBCTL_TEST([fn], [title], [body]) and AT_SETUP([title]) ... AT_CLEANUP.
    pos = 0
    pat = re.compile(r"^(OVN_NBCTL_TEST|AT_SETUP)\(", re.M)
    while True:
        m = pat.search(text, pos)
        if not m:
            break
        if m.group(1) == "OVN_NBCTL_TEST":
            if text.startswith("m4_define", m.start() - 10) or text[m.start() - 1 : m.start()] == "[":
                pos = m.end()
                continue
            i = m.end()
            args = []
            while len(args) < 3 and i < len(text):
                while text[i] in " ,\n\t":
                    i += 1
                a, i = bracket_arg(text, i)
                args.append(a[1:-1])
            groups.append((m4_unquote("[" + args[1] + "]"), args[2], True))
            pos = i
        else:
            title, i = bracket_arg(text, m.end())
            end = text.find("AT_CLEANUP", i)
            end = len(text) if end < 0 else end
            groups.append((m4_unquote(title), text[i:end], False))
            pos = end
    return groups


def join_continuations(text):
    return re.sub(r"\\\n", " ", text)


def statements(body):
    """The shell command texts of a group body (AT_CHECK first arguments, plain lines)."""
    out = []
    i = 0
    n = len(body)
    check_pat = re.compile(
        r"(AT_CHECK_UNQUOTED|AT_CHECK|OVS_WAIT_UNTIL|OVS_WAIT_WHILE|OVS_WAIT_FOR_OUTPUT|"
        r"OVS_WAIT_FOR_OUTPUT_UNQUOTED|OVN_CHECK_PACKETS)\(\s*"
    )
    while i < n:
        eol = body.find("\n", i)
        eol = n if eol < 0 else eol
        line = body[i:eol]
        s = line.strip()
        m = check_pat.match(s)
        if m:
            start = i + (len(line) - len(line.lstrip())) + m.end()
            if start < n and body[start] == "[":
                arg, after = bracket_arg(body, start)
                unq = m.group(1).endswith("UNQUOTED")
                # The argument's own quotes, then the level m4 strips when AT_CHECK's
                # expansion is read again (`[[x]]` in a command is `[x]` to the shell).
                out.append((m4_unquote(arg, 2), unq))
                # Skip the rest of the macro call (expected outputs).
                depth = 1
                j = after
                while j < n and depth > 0:
                    if body[j] == "[":
                        _, j = bracket_arg(body, j)
                        continue
                    if body[j] == "(":
                        depth += 1
                    elif body[j] == ")":
                        depth -= 1
                    j += 1
                i = j
                continue
        # A plain shell line (continuations joined).
        j = eol
        while j < n and body[j - 1 : j] == "\\":
            nxt = body.find("\n", j + 1)
            j = n if nxt < 0 else nxt
        out.append((m4_unquote(body[i:j]), False))
        i = j + 1
    return out


def shell_words_and_vars(cmd):
    """Scans a shell command text: (pieces, ok) where pieces are literal text and ('sub', text)
    for `$(...)` and ('var', name) for `$NAME`; ok is False for what cannot be resolved."""
    pieces = []
    buf = []
    i = 0
    n = len(cmd)
    quote = None
    while i < n:
        c = cmd[i]
        if quote == "'":
            buf.append(c)
            if c == "'":
                quote = None
            i += 1
            continue
        if c == "\\" and i + 1 < n:
            buf.append(cmd[i : i + 2])
            i += 2
            continue
        if c in "'\"":
            if quote is None:
                quote = c
            elif quote == c:
                quote = None
            buf.append(c)
            i += 1
            continue
        if c == "`":
            return None
        if c == "$":
            if cmd.startswith("$(", i) and not cmd.startswith("$((", i):
                depth = 0
                j = i + 1
                while j < n:
                    if cmd[j] == "(":
                        depth += 1
                    elif cmd[j] == ")":
                        depth -= 1
                        if depth == 0:
                            break
                    j += 1
                pieces.append("".join(buf))
                buf = []
                pieces.append(("sub", cmd[i + 2 : j], quote == '"'))
                i = j + 1
                continue
            m = re.match(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", cmd[i:])
            if m:
                pieces.append("".join(buf))
                buf = []
                pieces.append(("var", m.group(1), quote == '"'))
                i += m.end()
                continue
            return None
        buf.append(c)
        i += 1
    pieces.append("".join(buf))
    return pieces


SHELL_OPS = {"|", "||", "&&", ";", "&", ">", ">>", "<", "(", ")", "2>", "2>&1", ">&2"}


def nbctl_argv(words):
    """The argv (after `ovn-nbctl`) of the first ovn-nbctl command of a word list, or None."""
    for k, w in enumerate(words):
        if w == "ovn-nbctl" and (k == 0 or words[k - 1] in SHELL_OPS | {"check", "!", "then", "do"}):
            argv = []
            for x in words[k + 1 :]:
                if x in SHELL_OPS or x.startswith(">") or x.startswith("2>"):
                    break
                argv.append(x)
            return argv
    return None


def tokenize(text):
    lex = shlex.shlex(text, posix=True, punctuation_chars="|&;<>()")
    lex.whitespace_split = True
    lex.commenters = ""
    try:
        return list(lex)
    except ValueError:
        return None


# ---------------------------------------------------------------- servers


class Server:
    def __init__(self, root, name):
        self.dir = os.path.join(root, name)
        os.makedirs(self.dir)
        self.db = os.path.join(self.dir, "nb.db")
        self.sock = os.path.join(self.dir, "nb.sock")
        subprocess.run(["ovsdb-tool", "create", self.db, SCHEMA], check=True)
        subprocess.run(
            [
                "ovsdb-server",
                "--detach",
                "--no-chdir",
                f"--pidfile={self.dir}/server.pid",
                f"--unixctl={self.dir}/server.ctl",
                f"--remote=punix:{self.sock}",
                f"--log-file={self.dir}/server.log",
                "-vconsole:off",
                self.db,
            ],
            check=True,
            stderr=subprocess.DEVNULL,
        )
        self.remote = f"unix:{self.sock}"
        with open(SCHEMA) as f:
            self.tables = sorted(json.load(f)["tables"])

    def stop(self):
        try:
            with open(f"{self.dir}/server.pid") as f:
                os.kill(int(f.read().strip()), 15)
        except (OSError, ValueError):
            pass

    def call(self, method, params):
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(20)
        s.connect(self.sock)
        s.sendall(json.dumps({"id": 1, "method": method, "params": params}).encode())
        dec = json.JSONDecoder()
        buf = ""
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                raise RuntimeError("server closed")
            buf += chunk.decode()
            try:
                v, _ = dec.raw_decode(buf)
                s.close()
                return v
            except ValueError:
                continue

    def dump(self):
        ops = [{"op": "select", "table": t, "where": []} for t in self.tables]
        reply = self.call("transact", ["OVN_Northbound"] + ops)
        rows = {}
        for t, r in zip(self.tables, reply["result"]):
            for row in r["rows"]:
                u = row.pop("_uuid")[1]
                row.pop("_version", None)
                rows[u] = (t, row)
        return rows


def labels(rows):
    """Per uuid a label of its row's contents (references replaced by their targets' labels),
    and the sorted labels per table: equal databases modulo UUIDs give equal labels."""
    return content_labels(rows)


def relabel(text, labs, gone):
    def rep(m):
        u = m.group(0).lower()
        if u in labs:
            return labs[u]
        if u not in gone:
            gone[u] = f"<gone#{len(gone)}>"
        return gone[u]

    return UUID_RE.sub(rep, text)


def sort_tree(text):
    def indent(line):
        return len(line) - len(line.lstrip())

    def blocks(lines):
        out = []
        run = []
        i = 0
        while i < len(lines):
            head = lines[i]
            lvl = indent(head)
            j = i + 1
            while j < len(lines) and indent(lines[j]) > lvl:
                j += 1
            word = head.strip().split(" ")[0] if head.strip() else ""
            block = head + "\n" + blocks(lines[i + 1 : j])
            if run and run[-1][0] != word:
                out.extend(b for _, b in sorted(run))
                run = []
            run.append((word, block))
            i = j
        out.extend(b for _, b in sorted(run))
        return "".join(out)

    return blocks(text.splitlines())


def normalize(out, err, labs, prog, argv):
    gone = {}
    stdout = relabel(out, labs, gone)
    if "list" in argv or "find" in argv:
        fmt = None
        for k, a in enumerate(argv):
            if a.startswith("--format="):
                fmt = a.split("=", 1)[1]
            elif a in ("-f", "--format") and k + 1 < len(argv):
                fmt = argv[k + 1]
        if fmt in ("table", "csv", "json"):
            stdout = "\n".join(sorted(stdout.splitlines()))
        else:
            stdout = "\n\n".join(sorted(stdout.rstrip("\n").split("\n\n")))
    elif "show" in argv:
        stdout = sort_tree(stdout)
    # `--format=html` names a row by its UUID and shows its first 8 digits.
    stdout = re.sub(r'(<a (?:name|href)="#?<[^"]*>">)[0-9a-f]{8}(</a>)', r"\1<short>\2", stdout)
    # Sets of rows print in UUID order: sort their labels (list, table and html formats,
    # json, and bare words).
    label = r"<[A-Za-z_]+#\d+>"

    def sort_items(m, sep=", "):
        items = m.group(1).split(sep)
        if all(re.search(label, x) for x in items):
            items.sort()
        return m.group(0)[: m.start(1) - m.start(0)] + sep.join(items) + m.group(0)[m.end(1) - m.start(0) :]

    stdout = re.sub(r"\[([^\[\]]*%s[^\[\]]*)\]" % label, sort_items, stdout)
    stdout = re.sub(
        r'\["set",\[((?:\["uuid","%s"\],?)+)\]\]' % label,
        lambda m: '["set",[' + ",".join(sorted(re.findall(r'\["uuid","%s"\]' % label, m.group(1)))) + "]]",
        stdout,
    )
    stdout = re.sub(r"^((?:%s ?)+)$" % label, lambda m: sort_items(m, " "), stdout, flags=re.M)
    lines = []
    # ovsdb-server names the two rows of a uniqueness violation in its hash order.
    err = re.sub(
        r"First row, (with UUID [^,]*, [^.]*)\.  Second row, (with UUID [^,]*, [^.]*)\.",
        lambda m: "Rows: " + " / ".join(sorted([m.group(1), m.group(2)])) + ".",
        relabel(err, labs, gone),
    )
    for line in err.splitlines():
        # vlog lines: only the time differs (`--loose-vlog`: the message alone is compared).
        line = re.sub(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\|", "<time>|", line)
        if LOOSE_VLOG:
            if "|ovsdb_idl|WARN|" in line:
                continue
            parts = line.split("|")
            if len(parts) == 5 and parts[0] == "<time>" and parts[3] in ("WARN", "ERR"):
                line = parts[4]
        for p in (prog + ": ", "ovn-nbctl: "):
            if line.startswith(p):
                line = line[len(p) :]
        lines.append(line)
    return stdout, "\n".join(lines)


# ---------------------------------------------------------------- running


class Side:
    def __init__(self, root, name, program, daemon):
        self.server = Server(root, name)
        self.program = program
        self.env = dict(os.environ)
        self.env.pop("OVN_NB_DAEMON", None)
        self.env["OVN_RUNDIR"] = self.server.dir
        self.env["OVS_RUNDIR"] = self.server.dir
        self.vars = {}
        self.daemon = None
        if daemon:
            r = subprocess.run(
                [
                    program,
                    f"--db={self.server.remote}",
                    "--detach",
                    f"--pidfile={self.server.dir}/nbctl.pid",
                    f"--unixctl={self.server.dir}/nbctl.ctl",
                ],
                env=self.env,
                capture_output=True,
                text=True,
                timeout=30,
            )
            self.daemon = r.stdout.strip()
            self.env["OVN_NB_DAEMON"] = self.daemon

    def local(self, out):
        """stdout and stderr with this side's run directory, and the program name and pid in
        the names of files there (`ovn-nbctl.PID.ctl`), replaced by placeholders."""
        prog = re.escape(os.path.basename(self.program))
        res = []
        for text in out[:2]:
            text = text.replace(self.server.dir, "<rundir>")
            text = re.sub(r"(%s|ovn-nbctl)\.[0-9]+\.ctl" % prog, "<prog>.<pid>.ctl", text)
            text = re.sub(r"(%s|ovn-nbctl)\.pid" % prog, "<prog>.pid", text)
            res.append(text)
        return res

    def run(self, argv):
        try:
            r = subprocess.run(
                [self.program]
                # Through the daemon: no --db (the client would run directly).
                + ([] if self.daemon else [f"--db={self.server.remote}"])
                + [f"--timeout={TIMEOUT}"]
                + argv,
                env=self.env,
                capture_output=True,
                timeout=30,
            )
            return r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace"), r.returncode
        except subprocess.TimeoutExpired:
            return "", "<runner: timed out>", -999

    def stop(self):
        # Daemons this side started (ours, and any `--detach` of the sequence itself).
        for name in os.listdir(self.server.dir):
            if name.endswith(".pid") and name != "server.pid":
                try:
                    with open(os.path.join(self.server.dir, name)) as f:
                        os.kill(int(f.read().strip()), 15)
                except (OSError, ValueError):
                    pass
        self.server.stop()


def drop_waits(argv):
    out = []
    for a in argv:
        if a in ("--wait=sb", "--wait=hv", "--print-wait-time"):
            continue
        out.append(a)
    return out


class Group:
    def __init__(self, title, ours, daemon, verbose):
        self.title = title
        self.root = tempfile.mkdtemp(prefix="nbdiff.")
        self.theirs = Side(self.root, "theirs", "ovn-nbctl", daemon)
        self.ours = Side(self.root, "ours", ours, daemon)
        self.total = 0
        self.matched = 0
        self.skipped = 0
        self.mismatches = []
        self.verbose = verbose

    def close(self):
        self.theirs.stop()
        self.ours.stop()
        subprocess.run(["rm", "-rf", self.root])

    def step(self, targv, oargv):
        """Runs one invocation on both sides; returns (their stdout, our stdout)."""
        targv = drop_waits(targv)
        oargv = drop_waits(oargv)
        t = self.theirs.run(targv)
        o = self.ours.run(oargv)
        tl, tdb = labels(self.theirs.server.dump())
        ol, odb = labels(self.ours.server.dump())
        tn = normalize(*self.theirs.local(t), tl, "ovn-nbctl", targv)
        on = normalize(*self.ours.local(o), ol, os.path.basename(self.ours.program), targv)
        self.total += 1
        why = []
        if t[2] != o[2]:
            why.append(f"exit {o[2]} (theirs {t[2]})")
        if tn[0] != on[0]:
            why.append(f"stdout\n      ours:   {on[0]!r}\n      theirs: {tn[0]!r}")
        if tn[1] != on[1]:
            why.append(f"stderr\n      ours:   {on[1]!r}\n      theirs: {tn[1]!r}")
        if tdb != odb:
            diff = []
            for tab in sorted(set(tdb) | set(odb)):
                a, b = odb.get(tab, []), tdb.get(tab, [])
                diff += [f"only ours: {x}" for x in a if x not in b]
                diff += [f"only theirs: {x}" for x in b if x not in a]
            why.append("database\n      " + "\n      ".join(d[:300] for d in diff[:6]))
        if why:
            self.mismatches.append((" ".join(shlex.quote(a) for a in targv), why))
        else:
            self.matched += 1
        return t[0], o[0]

    def note_skip(self, cmd):
        if self.verbose:
            print(f"SKIP [{self.title}] {cmd!r}")

    def resolve(self, pieces, side):
        """The text of a command for one side, or None when it names what is unknown."""
        text = []
        for p in pieces:
            if isinstance(p, str):
                text.append(p)
                continue
            kind, what, quoted = p
            if kind == "var":
                v = side.vars.get(what)
                if v is None:
                    return None
            else:
                v = side.subs.get(what)
                if v is None:
                    return None
            text.append(v if quoted else " ".join(shlex.quote(w) for w in v.split()))
        return "".join(text)

    def statement(self, cmd):
        cmd = cmd.strip()
        if "ovn-nbctl" not in cmd:
            return
        pieces = shell_words_and_vars(cmd)
        if pieces is None:
            self.skipped += cmd.count("ovn-nbctl")
            self.note_skip(cmd)
            return
        # Inner $(ovn-nbctl ...) first: each is an invocation of its own.
        self.theirs.subs = {}
        self.ours.subs = {}
        for p in pieces:
            if isinstance(p, tuple) and p[0] == "sub":
                words = tokenize(p[1])
                argv = nbctl_argv(words) if words else None
                if argv is None or words[0] != "ovn-nbctl":
                    continue
                if any("$" in w or "`" in w for w in argv):
                    self.skipped += 1
                    self.note_skip(p[1])
                    continue
                if any(x in SHELL_OPS for x in words[1:]):
                    # A pipeline: run the invocation, its output is not usable here.
                    self.step(argv, argv)
                    continue
                t, o = self.step(argv, argv)
                self.theirs.subs[p[1]] = t.rstrip("\n")
                self.ours.subs[p[1]] = o.rstrip("\n")
        m = re.match(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$", cmd, re.S)
        if m and len(pieces) >= 2 and isinstance(pieces[1], tuple):
            # VAR=$(ovn-nbctl ...): the substitution ran above.
            name = m.group(1)
            for side in (self.theirs, self.ours):
                v = self.resolve(pieces, side)
                if v is not None:
                    side.vars[name] = v[len(name) + 1 :].strip("\"'")
                else:
                    side.vars.pop(name, None)
            return
        tt = self.resolve(pieces, self.theirs)
        ot = self.resolve(pieces, self.ours)
        if tt is None or ot is None:
            rest = cmd.count("ovn-nbctl") - sum(
                1 for p in pieces if isinstance(p, tuple) and p[0] == "sub" and "ovn-nbctl" in p[1]
            )
            self.skipped += max(rest, 0)
            self.note_skip(cmd)
            return
        tw, ow = tokenize(tt), tokenize(ot)
        if tw is None or ow is None:
            self.skipped += 1
            self.note_skip(cmd)
            return
        # Every ovn-nbctl command of the statement (a; b, a && b, if ...).
        while True:
            ta, oa = nbctl_argv(tw), nbctl_argv(ow)
            if ta is None or oa is None:
                break
            self.step(ta, oa)
            k1, k2 = tw.index("ovn-nbctl"), ow.index("ovn-nbctl")
            tw, ow = tw[k1 + 1 + len(ta) :], ow[k2 + 1 + len(oa) :]


def run_statements(g, stmts, funcs):
    """Runs the statements of a group; shell functions the group defines (`name() {` ... `}`)
    are expanded where called, their `$1`... replaced by the call's words."""
    i = 0
    while i < len(stmts):
        s = stmts[i].strip()
        m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)\(\)\s*\{$", s)
        if m:
            j = i + 1
            while j < len(stmts) and stmts[j].strip() != "}":
                j += 1
            funcs[m.group(1)] = stmts[i + 1 : j]
            i = j + 1
            continue
        loop = re.match(r"^for\s+([A-Za-z_][A-Za-z0-9_]*)\s+in\s+(.*?)\s*;?\s*(?:do\s*(.*))?$", s)
        if loop and not loop.group(3) and not (i + 1 < len(stmts) and stmts[i + 1].strip() == "do"):
            if ";" not in s and not s.rstrip().endswith("do"):
                loop = None
        if loop:
            # `for VAR in WORDS; do ... done` (words literal, `$(seq ...)` or `{A..B}`).
            var, words, first = loop.groups()
            j = i + 1
            body = [first] if first else []
            if not first and j < len(stmts) and stmts[j].strip() == "do":
                j += 1
            depth = 1
            one_line = re.match(r"^(.*?);?\s*done\s*$", first or "")
            if one_line:
                # `for ...; do A; B; done` on one (joined) line.
                body = [x for x in re.split(r"\s*;\s*", one_line.group(1)) if x]
                j = i
                depth = 0
            while depth and j < len(stmts):
                t = stmts[j].strip()
                if re.match(r"^for\s", t):
                    depth += 1
                if t == "done" or t.startswith("done ") or t.startswith("done;"):
                    depth -= 1
                    if depth == 0:
                        break
                body.append(stmts[j])
                j += 1
            values = loop_values(words)
            if values is None:
                for t in body:
                    if "ovn-nbctl" in t:
                        g.skipped += t.count("ovn-nbctl")
                        g.note_skip(t)
            else:
                for v in values:
                    g.theirs.vars[var] = v
                    g.ours.vars[var] = v
                    run_statements(g, body, funcs)
            i = j + 1
            continue
        assign = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)=(\S*)$", s)
        if assign and "ovn-nbctl" not in s:
            # VAR=WORD: kept when it can be resolved, as it is, on each side.
            pieces = shell_words_and_vars(assign.group(2))
            for side in (g.theirs, g.ours):
                side.subs = {}
                v = g.resolve(pieces, side) if pieces is not None else None
                words = tokenize(v) if v is not None else None
                if words is not None and len(words) <= 1:
                    side.vars[assign.group(1)] = words[0] if words else ""
                else:
                    side.vars.pop(assign.group(1), None)
            i += 1
            continue
        words = s.split()
        if words and words[0] in funcs:
            args = words[1:]

            def arg(mm, args=args):
                k = mm.group(1)
                if k in ("@", "*"):
                    return " ".join(args)
                k = int(k)
                return args[k - 1] if 0 < k <= len(args) else ""

            body = [re.sub(r"\$\{?([0-9@*])\}?", arg, x) for x in funcs[words[0]]]
            run_statements(g, body, funcs)
        else:
            g.statement(s)
        i += 1


def loop_values(words):
    """The values of a `for` loop's word list, or None when they cannot be known here."""
    m = re.match(r"^\$\(seq\s+(\d+)(?:\s+(\d+))?(?:\s+(\d+))?\)$", words)
    if m:
        a = [int(x) for x in m.groups() if x is not None]
        if len(a) == 1:
            return [str(k) for k in range(1, a[0] + 1)]
        if len(a) == 2:
            return [str(k) for k in range(a[0], a[1] + 1)]
        return [str(k) for k in range(a[0], a[2] + 1, a[1])]
    m = re.match(r"^\{(\d+)\.\.(\d+)\}$", words)
    if m:
        return [str(k) for k in range(int(m.group(1)), int(m.group(2)) + 1)]
    if "$" in words or "`" in words or "*" in words:
        return None
    return tokenize(words)


def run_file(path, args, totals):
    with open(path) as f:
        text = f.read()
    name = os.path.basename(path)
    ftotal = fmatched = fskipped = 0
    if path.endswith(".at"):
        groups = split_groups(text)
    else:
        # A shell script or a document's examples (`$ ovn-nbctl ...`): one sequence.
        groups = [(name, text, False)]
    for title, body, nbctl_test in groups:
        if args.only and not re.search(args.only, title):
            continue
        if path.endswith(".at"):
            stmts = statements(join_continuations(body))
        else:
            stmts = [
                (re.sub(r"^\s*\$\s+", "", line), False)
                for line in join_continuations(body).splitlines()
            ]
        if not any("ovn-nbctl" in s for s, _ in stmts):
            continue
        g = Group(title, args.ours, args.daemon, args.verbose)
        try:
            if nbctl_test:
                # OVN_NBCTL_TEST_START runs `ovn-nbctl init` first.
                g.step(["init"], ["init"])
            run_statements(g, [s for s, _ in stmts], {})
        finally:
            g.close()
        for cmd, why in g.mismatches:
            print(f"MISMATCH [{name}: {title}] ovn-nbctl {cmd}")
            for w in why:
                print("    " + w)
        print(f"GROUP [{name}: {title}] {g.matched}/{g.total} matched, {g.skipped} skipped", flush=True)
        ftotal += g.total
        fmatched += g.matched
        fskipped += g.skipped
    pct = 100.0 * fmatched / ftotal if ftotal else 0.0
    print(f"FILE {name}: {fmatched}/{ftotal} invocations matched ({pct:.1f}%), {fskipped} skipped")
    totals.append((name, fmatched, ftotal, fskipped))


def main():
    import argparse

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+", help="autotest files (e.g. OVN's tests/ovn-nbctl.at)")
    ap.add_argument("--ours", default=os.path.join(ROOT, "target/debug/nbctl-rs"))
    ap.add_argument("--daemon", action="store_true", help="run ours through its --detach daemon")
    ap.add_argument("--only", help="only the groups whose title matches this regex")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument(
        "--loose-vlog",
        action="store_true",
        help="compare vlog lines on stderr by their message only (as tests/ctl/diff.rs does)",
    )
    ap.add_argument("--timeout", type=int, default=3, help="--timeout of each invocation (s)")
    args = ap.parse_args()
    global TIMEOUT, LOOSE_VLOG
    TIMEOUT = args.timeout
    LOOSE_VLOG = args.loose_vlog
    args.ours = os.path.abspath(args.ours)
    totals = []
    for f in args.files:
        run_file(f, args, totals)
    m = sum(t[1] for t in totals)
    n = sum(t[2] for t in totals)
    s = sum(t[3] for t in totals)
    for name, fm, fn, fs in totals:
        print(f"TOTAL {name}: {fm}/{fn} ({100.0 * fm / fn if fn else 0:.1f}%), {fs} skipped")
    print(f"TOTAL all: {m}/{n} ({100.0 * m / n if n else 0:.1f}%), {s} skipped")


if __name__ == "__main__":
    main()
