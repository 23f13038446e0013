//! The differential harness.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use ovsdb_ctl::Tool;
use ovsdb_testkit::{OvsdbServer, Watchdog, raw_call};
use serde_json::{Value, json};

pub(crate) fn schema_path(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/schemas")
        .join(file)
}

/// Two fresh servers of the same schema: one for the reference tool, one for ours.
pub(crate) struct Pair {
    /// Our side in daemon mode: its daemon (see [`Pair::with_daemon`]). First, so it is
    /// dropped (stopped by `exit`, else killed by its pidfile) before the servers, whose drop
    /// removes the directory holding its socket and pidfile.
    daemon: Option<OurDaemon>,
    tool: Tool,
    theirs: OvsdbServer,
    ours: OvsdbServer,
    db: String,
    tables: Vec<String>,
    _watchdog: Watchdog,
    /// Steps run so far (for messages).
    steps: usize,
}

/// Our tool's daemon (`--detach`) on our server; stopped with `exit` (as `ovs-appctl -t
/// SOCKET exit` sends it) when dropped.
pub(crate) struct OurDaemon {
    /// Its socket (what `OVN_NB_DAEMON` names).
    pub(crate) socket: String,
    /// Its pidfile.
    pub(crate) pidfile: PathBuf,
}

impl OurDaemon {
    /// The binary of `tool`.
    pub(crate) fn program(tool: Tool) -> &'static str {
        match tool {
            Tool::Nbctl => env!("CARGO_BIN_EXE_nbctl-rs"),
            Tool::Sbctl => env!("CARGO_BIN_EXE_sbctl-rs"),
            Tool::Vsctl => env!("CARGO_BIN_EXE_vsctl-rs"),
        }
    }

    /// Starts the daemon of `tool` on `remote`, its files in `dir`.
    pub(crate) fn start(tool: Tool, remote: &str, dir: &std::path::Path) -> OurDaemon {
        let socket = dir.join("ctl-daemon.ctl");
        let pidfile = dir.join("ctl-daemon.pid");
        let out = Command::new(Self::program(tool))
            .arg(format!("--db={remote}"))
            .arg("--timeout=20")
            .arg("--detach")
            .arg(format!("--pidfile={}", pidfile.display()))
            .arg(format!("--unixctl={}", socket.display()))
            .output()
            .expect("run --detach");
        assert_eq!(
            out.status.code(),
            Some(0),
            "--detach: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let printed = String::from_utf8_lossy(&out.stdout).trim_end().to_owned();
        assert_eq!(
            printed,
            socket.display().to_string(),
            "--detach prints the socket"
        );
        let pid = std::fs::read_to_string(&pidfile).expect("pidfile written");
        assert!(pid.trim().parse::<u32>().is_ok(), "pidfile holds a pid: {pid:?}");
        OurDaemon {
            socket: printed,
            pidfile,
        }
    }

    /// The environment of a client of this daemon.
    pub(crate) fn env(&self, tool: Tool) -> BTreeMap<String, String> {
        let var = match tool {
            Tool::Sbctl => "OVN_SB_DAEMON",
            _ => "OVN_NB_DAEMON",
        };
        [(var.to_owned(), self.socket.clone())].into_iter().collect()
    }

    /// Stops it with `exit` and waits (10 s at most) until its pidfile and socket are gone.
    pub(crate) fn stop(&self) -> bool {
        let _ = raw_call(
            &format!("unix:{}", self.socket),
            &json!({"id": 0, "method": "exit", "params": []}),
        );
        for _ in 0..200 {
            if !self.pidfile.exists() && !std::path::Path::new(&self.socket).exists() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

impl Drop for OurDaemon {
    fn drop(&mut self) {
        if !self.stop()
            && let Ok(pid) = std::fs::read_to_string(&self.pidfile)
        {
            let _ = Command::new("kill").arg("-9").arg(pid.trim()).status();
        }
    }
}

/// What one side printed.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    /// Normalized stdout.
    pub(crate) stdout: String,
    /// stderr without the program name.
    pub(crate) stderr: String,
    /// Exit code.
    pub(crate) code: i32,
}

impl Pair {
    /// Starts the two servers; our side runs in daemon mode when `CTL_DIFF_DAEMON=1` (to run
    /// every differential test that way by hand).
    pub(crate) fn new(tool: Tool, name: &str) -> Pair {
        let mut p = Pair::plain(tool, name);
        if tool != Tool::Vsctl && std::env::var("CTL_DIFF_DAEMON").is_ok_and(|v| v == "1") {
            p.daemon = Some(OurDaemon::start(tool, &p.ours.unix_remote(), p.ours.dir()));
        }
        p
    }

    /// As [`Pair::new`], our side always in daemon mode: a daemon started with `--detach` on
    /// our server runs every step (through `OVN_NB_DAEMON` / `OVN_SB_DAEMON`).
    pub(crate) fn with_daemon(tool: Tool, name: &str) -> Pair {
        let mut p = Pair::plain(tool, name);
        p.daemon = Some(OurDaemon::start(tool, &p.ours.unix_remote(), p.ours.dir()));
        p
    }

    fn plain(tool: Tool, name: &str) -> Pair {
        let watchdog = Watchdog::arm(name, Duration::from_secs(120));
        let file = match tool {
            Tool::Nbctl => "ovn-nb.ovsschema",
            Tool::Sbctl => "ovn-sb.ovsschema",
            Tool::Vsctl => "vswitch.ovsschema",
        };
        let path = schema_path(file);
        let theirs = OvsdbServer::builder(&path)
            .start()
            .expect("start reference server");
        let ours = OvsdbServer::builder(&path).start().expect("start our server");
        let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("read schema"))
            .expect("parse schema");
        let db = schema["name"].as_str().expect("schema name").to_owned();
        let tables = schema["tables"]
            .as_object()
            .expect("tables")
            .keys()
            .cloned()
            .collect();
        Pair {
            tool,
            theirs,
            ours,
            db,
            tables,
            _watchdog: watchdog,
            steps: 0,
            daemon: None,
        }
    }

    fn reference_program(&self) -> &'static str {
        match self.tool {
            Tool::Nbctl => "ovn-nbctl",
            Tool::Sbctl => "ovn-sbctl",
            Tool::Vsctl => "ovs-vsctl",
        }
    }

    /// All rows of every table, by uuid, with their table.
    fn dump(&self, remote: &str) -> BTreeMap<String, (String, serde_json::Map<String, Value>)> {
        let mut params = vec![json!(self.db)];
        for t in &self.tables {
            params.push(json!({"op": "select", "table": t, "where": []}));
        }
        let reply =
            raw_call(remote, &json!({"method": "transact", "params": params, "id": 1})).expect("dump");
        let mut rows = BTreeMap::new();
        for (t, r) in self
            .tables
            .iter()
            .zip(reply["result"].as_array().expect("results"))
        {
            for row in r["rows"].as_array().expect("rows") {
                let mut row = row.as_object().expect("row").clone();
                let uuid = row["_uuid"][1].as_str().expect("uuid").to_owned();
                row.remove("_uuid");
                row.remove("_version");
                rows.insert(uuid, (t.clone(), row));
            }
        }
        rows
    }

    /// Labels every row by its contents, references replaced by the labels of their targets:
    /// two databases equal modulo UUIDs give the same labels.
    fn labels(&self, remote: &str) -> (BTreeMap<String, String>, BTreeMap<String, Vec<String>>) {
        let rows = self.dump(remote);
        let mut memo: BTreeMap<String, String> = BTreeMap::new();
        fn canon(
            uuid: &str,
            rows: &BTreeMap<String, (String, serde_json::Map<String, Value>)>,
            memo: &mut BTreeMap<String, String>,
            depth: usize,
        ) -> String {
            if let Some(l) = memo.get(uuid) {
                return l.clone();
            }
            let Some((t, row)) = rows.get(uuid) else {
                return "<dangling>".into();
            };
            if depth > 8 {
                return format!("{t}(...)");
            }
            fn sub(
                v: &Value,
                rows: &BTreeMap<String, (String, serde_json::Map<String, Value>)>,
                memo: &mut BTreeMap<String, String>,
                depth: usize,
            ) -> Value {
                match v {
                    Value::Array(a) if a.len() == 2 && a[0] == "uuid" => {
                        json!([
                            "ref",
                            canon(a[1].as_str().unwrap_or_default(), rows, memo, depth + 1)
                        ])
                    }
                    Value::Array(a) => {
                        let mut items: Vec<Value> = a.iter().map(|x| sub(x, rows, memo, depth)).collect();
                        if a.len() == 2 && (a[0] == "set" || a[0] == "map") {
                            if let Value::Array(inner) = &mut items[1] {
                                inner.sort_by_key(|x| x.to_string());
                            }
                        }
                        Value::Array(items)
                    }
                    other => other.clone(),
                }
            }
            let mut m = BTreeMap::new();
            for (k, v) in row {
                m.insert(k.clone(), sub(v, rows, memo, depth));
            }
            let l = format!("{t}{}", serde_json::to_string(&m).unwrap_or_default());
            memo.insert(uuid.to_owned(), l.clone());
            l
        }
        let mut by_table: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut labels = BTreeMap::new();
        for (u, (t, _)) in &rows {
            let l = canon(u, &rows, &mut memo, 0);
            by_table.entry(t.clone()).or_default().push(l.clone());
            labels.insert(u.clone(), l);
        }
        for v in by_table.values_mut() {
            v.sort();
        }
        // Short stable names: table#index in the sorted contents.
        let mut short = BTreeMap::new();
        for (u, l) in &labels {
            let t = &rows[u].0;
            let idx = by_table[t].iter().position(|x| x == l).unwrap_or(0);
            short.insert(u.clone(), format!("<{t}#{idx}>"));
        }
        (short, by_table)
    }

    fn run_reference(&self, args: &[&str]) -> (String, String, i32) {
        let out = Command::new(self.reference_program())
            .arg(format!("--db={}", self.theirs.unix_remote()))
            .arg("--timeout=20")
            .args(args)
            .env("OVS_RUNDIR", self.theirs.dir())
            .env("OVN_RUNDIR", self.theirs.dir())
            .output()
            .expect("run the reference tool");
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            out.status.code().unwrap_or(-1),
        )
    }

    fn run_ours(&self, args: &[&str]) -> (String, String, i32) {
        // Through a daemon, no `--db`: the client of ovn-nbctl's daemon mode runs directly
        // (and warns) when given one.
        let mut all = vec!["--timeout=20".to_owned()];
        if self.daemon.is_none() {
            all.insert(0, format!("--db={}", self.ours.unix_remote()));
        }
        all.extend(args.iter().map(|s| s.to_string()));
        let env = match &self.daemon {
            // The daemon's own --db is what counts; the client's is ignored, as ovn-nbctl does.
            Some(d) => d.env(self.tool),
            None => BTreeMap::new(),
        };
        let out = ovsdb_ctl::run(self.tool, &all, &env);
        (out.stdout, out.stderr, out.code)
    }

    /// Runs one step on both sides, asserts they agree, and returns the (normalized) outcome.
    pub(crate) fn step(&mut self, args: &[&str]) -> Outcome {
        self.step_sides(args, args)
    }

    /// The UUIDs, on the reference's server and on ours, of the one row of `table` whose
    /// `column` is the string `value` (for steps that name a row by UUID).
    pub(crate) fn row_uuids(&self, table: &str, column: &str, value: &str) -> (String, String) {
        let one = |remote: &str| {
            let req = json!({"method": "transact", "id": 1, "params": [self.db,
                {"op": "select", "table": table, "where": [[column, "==", value]], "columns": ["_uuid"]}]});
            let reply = raw_call(remote, &req).expect("select");
            let rows = reply["result"][0]["rows"].as_array().expect("rows").clone();
            assert_eq!(rows.len(), 1, "{table} {column}={value}: {rows:?}");
            rows[0]["_uuid"][1].as_str().expect("uuid").to_owned()
        };
        (one(&self.theirs.unix_remote()), one(&self.ours.unix_remote()))
    }

    /// As [`Pair::step`], the reference running `theirs` and ours `ours` (the same command
    /// naming the same row by its UUID on each side).
    pub(crate) fn step_sides(&mut self, theirs: &[&str], ours: &[&str]) -> Outcome {
        let args = theirs;
        self.steps += 1;
        // The reference's daemon mode logs into its daemon's log, not on its client's stderr
        // (ours does the same): the reference runs directly here, so its console log is off.
        let quiet: Vec<&str> = if self.daemon.is_some() {
            std::iter::once("-vconsole:off")
                .chain(theirs.iter().copied())
                .collect()
        } else {
            theirs.to_vec()
        };
        let theirs = self.run_reference(&quiet);
        let ours = self.run_ours(ours);
        let (tl, tdb) = self.labels(&self.theirs.unix_remote());
        let (ol, odb) = self.labels(&self.ours.unix_remote());
        let sort = args.iter().any(|a| *a == "list" || *a == "find");
        let show = args.contains(&"show");
        let format = format_of(args);
        let t = normalize(&theirs, &tl, self.reference_program(), sort, show, format);
        let o = normalize(&ours, &ol, self.tool.program(), sort, show, format);
        let ctx = format!("step {} {:?}", self.steps, args);
        assert_eq!(
            o.code, t.code,
            "{ctx}: exit code; ours stderr {:?} theirs {:?}",
            o.stderr, t.stderr
        );
        assert_eq!(o.stdout, t.stdout, "{ctx}: stdout");
        assert_eq!(o.stderr, t.stderr, "{ctx}: stderr");
        if odb != tdb {
            let mut msg = String::new();
            for t in odb.keys().chain(tdb.keys()) {
                let (a, b) = (
                    odb.get(t).cloned().unwrap_or_default(),
                    tdb.get(t).cloned().unwrap_or_default(),
                );
                for x in a.iter().filter(|x| !b.contains(x)) {
                    msg.push_str(&format!("only ours: {x}\n"));
                }
                for x in b.iter().filter(|x| !a.contains(x)) {
                    msg.push_str(&format!("only theirs: {x}\n"));
                }
            }
            panic!("{ctx}: database contents differ:\n{msg}");
        }
        o
    }
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

pub(crate) fn normalize(
    out: &(String, String, i32),
    labels: &BTreeMap<String, String>,
    prog: &str,
    sort: bool,
    show: bool,
    format: Option<&str>,
) -> Outcome {
    let mut gone = BTreeMap::new();
    let mut stdout = relabel(&out.0, labels, &mut gone);
    if sort && format == Some("json") {
        if let Ok(mut v) = serde_json::from_str::<Value>(&stdout) {
            if let Some(rows) = v.get_mut("data").and_then(Value::as_array_mut) {
                rows.sort_by_key(|r| r.to_string());
            }
            stdout = format!("{v}\n");
        }
    } else if sort && matches!(format, Some("table") | Some("csv")) {
        let mut lines: Vec<&str> = stdout.lines().collect();
        // Headings sort in with the rows: still compared as a multiset of lines.
        lines.sort();
        stdout = lines.join("\n") + "\n";
    } else if sort {
        let body = stdout.trim_end_matches('\n').to_owned();
        let mut blocks: Vec<&str> = body.split("\n\n").collect();
        blocks.sort();
        stdout = blocks.join("\n\n") + "\n";
    } else if show {
        stdout = sort_tree(&stdout);
    }
    // The reference tools also log the transaction error through vlog (a timestamped
    // `|ovsdb_idl|WARN|` line); ours prints only the message.
    let stderr = relabel(&out.1, labels, &mut gone)
        .lines()
        .filter(|l| !l.contains("|ovsdb_idl|WARN|"))
        .map(|l| match l.split('|').collect::<Vec<_>>().as_slice() {
            // Other vlog warnings: keep the message only.
            [ts, _, _, "WARN" | "ERR", msg] if ts.ends_with('Z') => msg.to_string(),
            _ => l.to_owned(),
        })
        .map(|l| {
            l.strip_prefix(&format!("{prog}: "))
                .map(str::to_owned)
                .unwrap_or(l)
        })
        .collect::<Vec<_>>()
        .join("\n");
    Outcome {
        stdout,
        stderr,
        code: out.2,
    }
}

/// `show` prints rows in hash or uuid order: sorts each run of sibling blocks that start with
/// the same word (`switch`, `port`, `Bridge`...), keeping attribute lines in place.
fn sort_tree(text: &str) -> String {
    fn indent(l: &str) -> usize {
        l.len() - l.trim_start().len()
    }
    fn blocks(lines: &[&str]) -> String {
        let mut out = String::new();
        let mut i = 0;
        let mut run: Vec<(String, String)> = Vec::new();
        let flush = |run: &mut Vec<(String, String)>, out: &mut String| {
            run.sort();
            for (_, b) in run.drain(..) {
                out.push_str(&b);
            }
        };
        while i < lines.len() {
            let head = lines[i];
            let lvl = indent(head);
            let mut j = i + 1;
            while j < lines.len() && indent(lines[j]) > lvl {
                j += 1;
            }
            let word = head.trim_start().split(' ').next().unwrap_or_default().to_owned();
            let block = format!("{head}\n{}", blocks(&lines[i + 1..j]));
            if run.last().is_some_and(|(w, _)| *w != word) {
                flush(&mut run, &mut out);
            }
            run.push((word, block));
            i = j;
        }
        flush(&mut run, &mut out);
        out
    }
    let lines: Vec<&str> = text.lines().collect();
    blocks(&lines)
}

/// The `--format` / `-f` of a command line.
fn format_of<'a>(args: &[&'a str]) -> Option<&'a str> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if let Some(f) = a.strip_prefix("--format=") {
            return Some(f);
        }
        if *a == "-f" || *a == "--format" {
            return it.next().copied();
        }
    }
    None
}

/// Replaces every UUID by its row's label (or `<gone#N>` for rows no longer in the database).
fn relabel(text: &str, labels: &BTreeMap<String, String>, gone: &mut BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < text.len() {
        if i + 36 <= text.len() && text.is_char_boundary(i + 36) && is_uuid(&text[i..i + 36]) {
            let u = &text[i..i + 36];
            let l = labels.get(u).cloned().unwrap_or_else(|| {
                let n = gone.len();
                gone.entry(u.to_owned())
                    .or_insert_with(|| format!("<gone#{n}>"))
                    .clone()
            });
            out.push_str(&l);
            i += 36;
        } else {
            let c = text[i..].chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}
