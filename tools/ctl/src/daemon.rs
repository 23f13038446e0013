//! Daemon mode (ovn-nbctl(8), ovn-sbctl(8) "DAEMON MODE"): `nbctl-rs --detach` starts a
//! process that keeps a replica of the database (every table and column, by `monitor_cond`)
//! and prints the path of the socket it serves; with `OVN_NB_DAEMON` (`OVN_SB_DAEMON` for
//! sbctl-rs) set to that path, each invocation talks to the daemon instead of the database.
//!
//! The daemon speaks the OVSDB protocol on that socket, as a relay (ovsdb(7) "Relay Service
//! Model") for the ctl tools: reads are answered from the replica, so an invocation's lookups
//! cost no server work, and writes are passed to the server:
//! - `transact` whose operations are all `select`s (RFC 7047 §5.2.2) and `comment`s: answered
//!   from the replica (rows without `_version`); any other `transact` is sent to the server on
//!   the replica's session and answered once the replica holds the transaction's updates (the
//!   server sends them before the reply), so the next invocation reads its own writes;
//! - `transact` on `_Server` selecting `name`, `model`, `connected`, `leader` of `Database`:
//!   answered with this database as model `relay`, connected when the replica is;
//! - `monitor_cond` (ovsdb-server(7)): the initial contents from the replica, then
//!   `monitor_canceled` (the daemon does not keep monitors for its clients);
//! - `echo`, `list_dbs`; `exit` (as `ovs-appctl -t SOCKET exit` sends it) stops the daemon;
//!   `run` runs a command line (daemon mode's client); session-scoped methods (other monitors,
//!   locks, `set_db_change_aware`) are refused; anything else is passed to the server.
//!
//! What is not answered locally (an unknown table or column, a condition whose value does not
//! fit the column) is passed to the server, which answers with its own error.
//!
//! A command line sent with `run` is run inside the daemon, next to the replica: its requests
//! go to the same handlers over an in-process channel ([`crate::link::Rpc::Local`]), not over
//! a connection to the daemon's own socket, so a command costs no connect, no `_Server` check
//! and no JSON text between the command and the replica; only its commit travels, to the
//! server.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use ovsdb_client::{Client, DynamicReplica};
use ovsdb_proto::jsonrpc::{FrameSplitter, Message, decode_frame};
use ovsdb_proto::{Atom, AtomicType, BaseType, ColumnType, Condition, DatabaseSchema, Datum, TableSchema};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::watch;

use crate::link::{LinkConfig, LocalRequest, Rpc};
use crate::{CtlError, CtlOutput, Globals, Tool};

/// The environment variable that names the daemon's socket for `tool` (`None` for vsctl-rs:
/// ovs-vsctl has no daemon mode).
pub(crate) fn socket_var(tool: Tool) -> Option<&'static str> {
    match tool {
        Tool::Nbctl => Some("OVN_NB_DAEMON"),
        Tool::Sbctl => Some("OVN_SB_DAEMON"),
        Tool::Vsctl => None,
    }
}

/// Set in the daemon's own environment by `--detach`, which starts it as a copy of itself.
const CHILD_VAR: &str = "OVSDB_CTL_DAEMON_CHILD";

/// Whether this process is the daemon started by `--detach`.
pub(crate) fn is_child(env: &BTreeMap<String, String>) -> bool {
    env.get(CHILD_VAR).is_some_and(|v| v == "1")
}

/// The daemon socket an invocation runs its command line in: the tool's variable
/// (`OVN_NB_DAEMON`, `OVN_SB_DAEMON`) when set and not empty, except in the daemon itself.
pub(crate) fn socket_of(tool: Tool, env: &BTreeMap<String, String>) -> Option<&str> {
    let v = env.get(socket_var(tool)?)?;
    (!v.is_empty() && !is_child(env)).then_some(v.as_str())
}

/// Daemon mode's client: sends the command line (`args`) to the daemon at `socket` (method
/// `run`) and returns what the daemon's run of it printed and its exit code. Waits at most
/// `timeout` seconds when given (exit code 142, as `--timeout` elsewhere).
pub(crate) fn run_remote(tool: Tool, socket: &str, timeout: Option<u64>, args: &[String]) -> CtlOutput {
    use std::io::Read;
    let fail = |m: String| CtlOutput {
        stdout: String::new(),
        stderr: format!("{}: {socket}: {m}\n", tool.program()),
        code: 1,
    };
    let mut stream = match std::os::unix::net::UnixStream::connect(socket) {
        Ok(s) => s,
        Err(e) => return fail(format!("cannot connect to the daemon ({e})")),
    };
    let _ = stream.set_read_timeout(timeout.map(Duration::from_secs));
    let request = Message::request("run", json!(args), 0u64);
    if let Err(e) = stream.write_all(&request.to_vec()) {
        return fail(format!("cannot send to the daemon ({e})"));
    }
    let mut splitter = FrameSplitter::new().with_max_frame_len(1 << 30);
    let mut buf = BytesMut::with_capacity(16 * 1024);
    // On the stack: a reply is usually a few hundred bytes, and a zeroed heap buffer of 64 KiB
    // cost more than the rest of the exchange.
    let mut chunk = [0u8; 8 * 1024];
    let frame = loop {
        match splitter.next_frame(&mut buf) {
            Ok(Some(f)) => break f,
            Ok(None) => {}
            Err(e) => return fail(format!("bad reply from the daemon ({e})")),
        }
        match stream.read(&mut chunk) {
            Ok(0) => return fail("the daemon closed the connection".into()),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            // Reads with a timeout are not restarted after a signal handler (signal(7)).
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return crate::failure(tool, CtlError::Timeout);
            }
            Err(e) => return fail(format!("cannot read from the daemon ({e})")),
        }
    };
    match decode_frame(&frame) {
        Ok(Message::Response { result, error, .. }) if error.is_null() => {
            let text = |k: &str| {
                result
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            CtlOutput {
                stdout: text("stdout"),
                stderr: text("stderr"),
                code: result
                    .get("code")
                    .and_then(Value::as_i64)
                    .and_then(|c| i32::try_from(c).ok())
                    .unwrap_or(1),
            }
        }
        Ok(Message::Response { error, .. }) => fail(format!("the daemon failed: {error}")),
        _ => fail("bad reply from the daemon".into()),
    }
}

fn rundir(env: &BTreeMap<String, String>) -> String {
    env.get("OVN_RUNDIR")
        .filter(|v| !v.is_empty())
        .cloned()
        .unwrap_or_else(|| "/var/run/ovn".into())
}

/// `--detach`: starts the daemon (this program again, same arguments, in a process group of
/// its own) and waits until it serves; prints its socket path as ovn-nbctl prints its control
/// socket. Fails with the daemon's reason when it could not start (the database unreachable
/// within `--timeout`, 30 s by default; the socket not creatable).
pub(crate) fn detach(tool: Tool, g: &Globals, args: &[String]) -> CtlOutput {
    use std::os::unix::process::CommandExt;
    let prog = tool.program();
    let fail = |msg: String| CtlOutput {
        stdout: String::new(),
        stderr: format!("{prog}: {msg}\n"),
        code: 1,
    };
    if socket_var(tool).is_none() {
        return fail("--detach: ovs-vsctl has no daemon mode".into());
    }
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => return fail(format!("--detach: cannot find this program ({e})")),
    };
    let mut child = match std::process::Command::new(exe)
        // The daemon speaks under the name this process was invoked as (`ovn-sbctl`).
        .arg0(tool.program())
        .args(args)
        .env(CHILD_VAR, "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return fail(format!("--detach: cannot start the daemon ({e})")),
    };
    let Some(out) = child.stdout.take() else {
        return fail("--detach: no pipe to the daemon".into());
    };
    // The daemon's first line: "ready SOCKET" or "error MESSAGE". A thread reads it so the
    // wait has a deadline.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(out).read_line(&mut line);
        let _ = tx.send(line);
    });
    let limit = Duration::from_secs(g.timeout.filter(|t| *t > 0).unwrap_or(30) + 5);
    match rx.recv_timeout(limit) {
        Ok(line) => {
            if let Some(path) = line.trim_end().strip_prefix("ready ") {
                CtlOutput {
                    stdout: format!("{path}\n"),
                    stderr: String::new(),
                    code: 0,
                }
            } else {
                let _ = child.wait();
                let msg = line
                    .trim_end()
                    .strip_prefix("error ")
                    .unwrap_or("the daemon exited");
                fail(msg.to_owned())
            }
        }
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            fail(format!(
                "--detach: the daemon did not start within {} s",
                limit.as_secs()
            ))
        }
    }
}

/// The daemon's side of `--detach`: connects, replicates, serves until `exit` or a
/// termination signal, then removes its socket and pidfile. Reports readiness (or why it
/// could not start) on the first line of its standard output. Returns the exit code.
pub(crate) fn serve(tool: Tool, g: &Globals, cfg: LinkConfig, env: &BTreeMap<String, String>) -> i32 {
    let prog = tool.program();
    let say = |line: String| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    };
    let pid = std::process::id();
    let socket = PathBuf::from(
        g.unixctl
            .clone()
            .unwrap_or_else(|| format!("{}/{prog}.{pid}.ctl", rundir(env))),
    );
    let pidfile = g
        .pidfile
        .as_ref()
        .map(|p| PathBuf::from(p.clone().unwrap_or_else(|| format!("{}/{prog}.pid", rundir(env)))));
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            say(format!("error {e}"));
            return 1;
        }
    };
    // Sessions run on this thread (a command line run for `run` is not `Send`).
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async move {
        let timeout = g.timeout.filter(|t| *t > 0).unwrap_or(30);
        let started = start(tool, &cfg, timeout, g.ovs_rundir.clone()).await;
        let relay = match started {
            Ok(r) => Rc::new(r),
            Err(e) => {
                say(format!("error {e}"));
                return 1;
            }
        };
        let _ = std::fs::remove_file(&socket);
        let listener = match UnixListener::bind(&socket) {
            Ok(l) => l,
            Err(e) => {
                say(format!("error {}: cannot listen ({e})", socket.display()));
                return 1;
            }
        };
        if let Some(p) = &pidfile
            && let Err(e) = std::fs::write(p, format!("{pid}\n"))
        {
            say(format!("error {}: cannot write the pidfile ({e})", p.display()));
            let _ = std::fs::remove_file(&socket);
            return 1;
        }
        say(format!("ready {}", socket.display()));
        let (stop_tx, mut stop_rx) = watch::channel(false);
        let stop_tx = Arc::new(stop_tx);
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        let term_wait = async {
            match term.as_mut() {
                Some(t) => {
                    t.recv().await;
                }
                None => std::future::pending().await,
            }
        };
        tokio::pin!(term_wait);
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    if let Ok((stream, _)) = accepted {
                        tokio::task::spawn_local(session(stream, relay.clone(), stop_tx.clone()));
                    }
                }
                _ = stop_rx.changed() => break,
                _ = &mut term_wait => break,
                _ = tokio::signal::ctrl_c() => break,
            }
        }
        relay.client.shutdown();
        let _ = std::fs::remove_file(&socket);
        if let Some(p) = &pidfile {
            let _ = std::fs::remove_file(p);
        }
        0
    })
}

/// What the daemon serves from.
struct Relay {
    tool: Tool,
    client: Client,
    replica: DynamicReplica,
    schema: DatabaseSchema,
    db: &'static str,
    /// The daemon's `$OVS_RUNDIR` ([`Globals::ovs_rundir`]), for the command lines it runs.
    ovs_rundir: String,
    /// Per table and column: the rows holding each value, for `select`s whose first clause is
    /// `COLUMN == VALUE` (name lookups). Built on first use, then kept up to date from the
    /// table's events.
    indexes: RefCell<HashMap<String, TableIndexes>>,
}

/// The value indexes of one table and the change events that keep them up to date.
struct TableIndexes {
    /// Subscribed at start and drained synchronously before each use: the replica sends a
    /// notification's events while applying it, before a forwarded commit returns.
    events: ovsdb_client::replica::Events<ovsdb_client::DynamicRow>,
    /// Column → value → rows.
    columns: HashMap<String, HashMap<Datum, Vec<ovsdb_proto::Uuid>>>,
}

impl TableIndexes {
    /// Applies the table's pending changes to every index (all dropped after a resync).
    fn catch_up(&mut self) {
        use ovsdb_client::Event;
        let key = |rec: &Rec, column: &str| rec.row.0.get(column).cloned();
        while let Some(event) = self.events.try_recv() {
            let (old, new) = match event {
                Event::Inserted(n) => (None, Some(n)),
                Event::Deleted(o) => (Some(o), None),
                Event::Updated { old, new } => (Some(old), Some(new)),
                _ => {
                    self.columns.clear();
                    continue;
                }
            };
            for (column, rows) in &mut self.columns {
                let before = old.as_deref().and_then(|r| key(r, column));
                let after = new.as_deref().and_then(|r| key(r, column));
                if before == after {
                    continue;
                }
                if let (Some(o), Some(v)) = (&old, before)
                    && let Some(list) = rows.get_mut(&v)
                {
                    list.retain(|u| *u != o.uuid);
                    if list.is_empty() {
                        rows.remove(&v);
                    }
                }
                if let (Some(n), Some(v)) = (&new, after) {
                    rows.entry(v).or_default().push(n.uuid);
                }
            }
        }
    }
}

impl Relay {
    /// The rows of `table` whose `column` equals `value`, by the column's index (built here on
    /// first use).
    fn lookup(
        &self,
        read: &ovsdb_client::replica::DynamicRead<'_>,
        table: &str,
        column: &str,
        value: &Datum,
    ) -> Option<Vec<ovsdb_proto::Uuid>> {
        let mut indexes = self.indexes.borrow_mut();
        let ix = indexes.get_mut(table)?;
        ix.catch_up();
        let rows = ix.columns.entry(column.to_owned()).or_insert_with(|| {
            let mut rows: HashMap<Datum, Vec<ovsdb_proto::Uuid>> = HashMap::new();
            for rec in read.table(table).iter() {
                if let Some(v) = rec.row.0.get(column) {
                    rows.entry(v.clone()).or_default().push(rec.uuid);
                }
            }
            rows
        });
        Some(rows.get(value).cloned().unwrap_or_default())
    }
}

impl Relay {
    /// The rows a select's first clause names, as [`candidates`] takes them: those of a
    /// `_uuid ==` clause, or of another `COLUMN == VALUE` by the column's index; `None` when
    /// neither applies (every row is a candidate).
    fn named_by(
        &self,
        read: &ovsdb_client::replica::DynamicRead<'_>,
        table: &str,
        clause: Option<&Clause>,
    ) -> Option<Vec<Option<ovsdb_proto::Uuid>>> {
        match clause {
            Some(c @ Ok((column, ovsdb_proto::Function::Eq, value))) => match named_row(c) {
                Some(u) => Some(vec![u]),
                None => self
                    .lookup(read, table, column, value)
                    .map(|rows| rows.into_iter().map(Some).collect()),
            },
            _ => None,
        }
    }
}

impl crate::db::LocalRows for Relay {
    fn for_rows(
        &self,
        table: &str,
        uuids: &[ovsdb_proto::Uuid],
        columns: &[&str],
        f: &mut dyn FnMut(ovsdb_proto::Uuid, &crate::wire::StringRow<'_>),
    ) {
        use crate::wire::{WireStr, WireStrings};
        use std::borrow::Cow;
        let read = self.replica.read();
        let view = read.table(table);
        let mut row = crate::wire::StringRow::with_capacity(columns.len());
        for u in uuids {
            let Some(rec) = view.get(u) else { continue };
            row.clear();
            for c in columns {
                let Some(Datum::Set(atoms)) = rec.row.0.get(c) else {
                    continue;
                };
                let strings = atoms.iter().filter_map(Atom::as_str).map(Cow::Borrowed).collect();
                row.insert(WireStr(Cow::Borrowed(*c)), WireStrings(strings));
            }
            f(*u, &row);
        }
    }

    fn select_eq(&self, table: &str, column: &str, value: &Datum) -> Option<Vec<ovsdb_proto::Uuid>> {
        let ts = self.schema.tables.get(table)?;
        let clauses = clauses(ts, Some(&json!([[column, "==", value.to_json()]])))?;
        let clause = clauses.first()?;
        let read = self.replica.read();
        let view = read.table(table);
        let named = self.named_by(&read, table, Some(clause))?;
        let mut found = Vec::new();
        for rec in candidates(&view, Some(named)) {
            if holds(rec, clause)? {
                found.push(rec.uuid);
            }
        }
        Some(found)
    }

    fn rows(
        &self,
        table: &str,
        uuids: &[ovsdb_proto::Uuid],
        f: &mut dyn FnMut(ovsdb_proto::Uuid, &ovsdb_proto::Row),
    ) {
        let read = self.replica.read();
        let view = read.table(table);
        for u in uuids {
            if let Some(rec) = view.get(u) {
                f(*u, &rec.row.0);
            }
        }
    }
}

async fn start(tool: Tool, cfg: &LinkConfig, timeout: u64, ovs_rundir: String) -> Result<Relay, CtlError> {
    let t = Duration::from_secs(timeout);
    let config = cfg.client_config().startup_timeout(t).request_timeout(t);
    let remote = &cfg.remote;
    let failed = |e| cfg.connection_failed(e);
    let client = Client::connect(remote, config).await.map_err(failed)?;
    let schema = client.get_schema(cfg.database).await.map_err(failed)?;
    let mut builder = client.dynamic_replica(cfg.database).sync_timeout(t);
    for table in schema.tables.keys() {
        builder = builder.table(table);
    }
    let replica = builder
        .start()
        .await
        .map_err(|e| CtlError::Connection(format!("{remote}: cannot replicate {} ({e})", cfg.database)))?;
    let indexes = schema
        .tables
        .keys()
        .map(|t| {
            let ix = TableIndexes {
                events: replica.subscribe(t),
                columns: HashMap::new(),
            };
            (t.clone(), ix)
        })
        .collect();
    Ok(Relay {
        indexes: RefCell::new(indexes),
        tool,
        client,
        replica,
        schema,
        db: cfg.database,
        ovs_rundir,
    })
}

/// Serves one client connection: requests are answered in the order they arrive.
async fn session(mut stream: UnixStream, relay: Rc<Relay>, stop: Arc<watch::Sender<bool>>) {
    let mut splitter = FrameSplitter::new().with_max_frame_len(1 << 30);
    let mut buf = BytesMut::with_capacity(64 * 1024);
    loop {
        let frame = match splitter.next_frame(&mut buf) {
            Ok(Some(f)) => f,
            Ok(None) => match stream.read_buf(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => continue,
            },
            Err(_) => return,
        };
        let Ok(msg) = decode_frame(&frame) else { return };
        // Notifications and replies: nothing to answer.
        let Message::Request { method, params, id } = msg else {
            continue;
        };
        let params = match params {
            Value::Array(p) => p,
            _ => Vec::new(),
        };
        let mut out = Vec::new();
        let exit = method == "exit";
        match answer(&relay, &method, params).await {
            Answer::Result(r) => out.push(Message::response_ok(id, r)),
            Answer::Error(e) => out.push(Message::response_error(id, e)),
            Answer::Monitor(r, monitor) => {
                out.push(Message::response_ok(id, r));
                out.push(Message::notification("monitor_canceled", json!([monitor])));
            }
        }
        for m in out {
            if stream.write_all(&m.to_vec()).await.is_err() {
                return;
            }
        }
        if exit {
            let _ = stop.send(true);
            return;
        }
    }
}

enum Answer {
    Result(Value),
    Error(Value),
    /// A `monitor_cond` reply, followed by `monitor_canceled` for the monitor id.
    Monitor(Value, Value),
}

async fn answer(relay: &Rc<Relay>, method: &str, params: Vec<Value>) -> Answer {
    if method != "run" {
        return answer_db(relay, method, params).await;
    }
    let args: Option<Vec<String>> = params.iter().map(|a| a.as_str().map(str::to_owned)).collect();
    let Some(args) = args else {
        return Answer::Error(
            json!({"error": "syntax error", "details": "run: the arguments must be strings"}),
        );
    };
    let out = run(relay, &args).await;
    Answer::Result(json!({"stdout": out.stdout, "stderr": out.stderr, "code": out.code}))
}

/// Runs a command line (method `run`) next to the replica: its requests come over an
/// in-process channel and are answered here as they would be on the socket, in order.
async fn run(relay: &Rc<Relay>, args: &[String]) -> CtlOutput {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<LocalRequest>();
    let local: Rc<dyn crate::db::LocalRows> = relay.clone();
    let run = crate::run_in_daemon(relay.tool, args, Rpc::Local(tx), local, &relay.ovs_rundir);
    let serve = async {
        while let Some(req) = rx.recv().await {
            let params = match req.params {
                Value::Array(p) => p,
                _ => Vec::new(),
            };
            let reply = match answer_db(relay, req.method, params).await {
                Answer::Result(r) | Answer::Monitor(r, _) => Ok(r),
                Answer::Error(e) => Err(e),
            };
            let _ = req.reply.send(reply);
        }
        // Every sender is gone: the run is ending.
        std::future::pending::<std::convert::Infallible>().await
    };
    tokio::select! {
        out = run => out,
        never = serve => match never {},
    }
}

/// Answers every method but `run` (see the module docs).
async fn answer_db(relay: &Rc<Relay>, method: &str, params: Vec<Value>) -> Answer {
    match method {
        "echo" => Answer::Result(Value::Array(params)),
        "exit" => Answer::Result(json!("")),
        "list_dbs" => Answer::Result(json!([relay.db])),
        "transact" => {
            if let Some(r) = local_transact(relay, &params) {
                return Answer::Result(r);
            }
            match relay.client.transact_synced_raw(Value::Array(params)).await {
                Ok(r) => Answer::Result(r),
                Err(e) => Answer::Error(error_json(&e)),
            }
        }
        "monitor_cond" => match local_monitor(relay, &params) {
            Some(r) => Answer::Monitor(r, params.get(1).cloned().unwrap_or(Value::Null)),
            None => Answer::Error(json!({
                "error": "not supported",
                "details": "the daemon answers monitor_cond on the tables and columns of its database only",
            })),
        },
        // Session-scoped: forwarded, they would live on the daemon's own session.
        "monitor"
        | "monitor_cond_since"
        | "monitor_cond_change"
        | "monitor_cancel"
        | "lock"
        | "steal"
        | "unlock"
        | "set_db_change_aware" => Answer::Error(json!({
            "error": "not supported",
            "details": format!("{method}: the daemon keeps no per-client session state"),
        })),
        _ => {
            let rpc = match relay.client.rpc().await {
                Ok(r) => r,
                Err(e) => return Answer::Error(error_json(&e)),
            };
            match rpc.request(method, Value::Array(params)).await {
                Ok(r) => Answer::Result(r.result),
                Err(e) => Answer::Error(error_json(&e)),
            }
        }
    }
}

fn error_json(e: &ovsdb_client::Error) -> Value {
    match e.as_ovsdb_error() {
        Some(o) => serde_json::to_value(o).unwrap_or_else(|_| json!(o.to_string())),
        None => json!({"error": "relay error", "details": e.to_string()}),
    }
}

/// `_uuid`'s type: a scalar uuid.
fn uuid_type() -> ColumnType {
    ColumnType::scalar(BaseType::new(AtomicType::Uuid))
}

/// `arg` as a value of `ty` (an integer where a real is expected becomes that real), or `None`
/// when it does not fit (the server then says why).
fn coerce(arg: Datum, ty: &ColumnType) -> Option<Datum> {
    let atom = |a: Atom, want: AtomicType| -> Option<Atom> {
        match (a, want) {
            (Atom::Integer(i), AtomicType::Real) => Atom::real(i as f64),
            (Atom::NamedUuid(_), _) => None,
            (a, w) if a.atomic_type() == w => Some(a),
            _ => None,
        }
    };
    match (arg, &ty.value) {
        (Datum::Map(m), Some(v)) => m
            .into_iter()
            .map(|(k, x)| Some((atom(k, ty.key.atomic)?, atom(x, v.atomic)?)))
            .collect::<Option<_>>()
            .map(Datum::Map),
        (Datum::Set(s), None) => s
            .into_iter()
            .map(|a| atom(a, ty.key.atomic))
            .collect::<Option<_>>()
            .map(Datum::Set),
        _ => None,
    }
}

/// Parsed clauses of a `where`: (column, function, value), `None` for an unknown column or a
/// value that does not fit; `Boolean` conditions as `Err(bool)`.
type Clause = Result<(String, ovsdb_proto::Function, Datum), bool>;

fn clauses(ts: &TableSchema, where_: Option<&Value>) -> Option<Vec<Clause>> {
    let Some(w) = where_ else {
        return Some(Vec::new());
    };
    let mut out = Vec::new();
    for c in w.as_array()? {
        let c = Condition::deserialize(c).ok()?;
        out.push(match c {
            Condition::Boolean(b) => Err(b),
            Condition::Clause {
                column,
                function,
                value,
            } => {
                let ty = if column == "_uuid" {
                    uuid_type()
                } else {
                    ts.columns.get(&column)?.type_.clone()
                };
                let value = coerce(value, &ty)?;
                Ok((column, function, value))
            }
        });
    }
    Some(out)
}

type Rec = ovsdb_client::Record<ovsdb_client::DynamicRow>;

fn column_value<'r>(rec: &'r Rec, column: &str) -> Option<std::borrow::Cow<'r, Datum>> {
    use std::borrow::Cow;
    if column == "_uuid" {
        return Some(Cow::Owned(Datum::Set(
            [Atom::Uuid(rec.uuid)].into_iter().collect(),
        )));
    }
    rec.row.0.get(column).map(Cow::Borrowed)
}

/// Whether `clause` holds for the row; `None` when it cannot be decided here.
fn holds(rec: &Rec, clause: &Clause) -> Option<bool> {
    match clause {
        Err(b) => Some(*b),
        Ok((column, ovsdb_proto::Function::Eq, Datum::Set(s))) if column == "_uuid" => {
            Some(s.len() == 1 && s.contains(&Atom::Uuid(rec.uuid)))
        }
        Ok((column, function, value)) => function.holds(&*column_value(rec, column)?, value),
    }
}

/// The row a `_uuid == U` clause names (`Some(None)`: the clause is of another kind).
fn named_row(clause: &Clause) -> Option<Option<ovsdb_proto::Uuid>> {
    match clause {
        Ok((column, ovsdb_proto::Function::Eq, Datum::Set(s))) if column == "_uuid" => {
            match s.iter().next() {
                Some(Atom::Uuid(u)) if s.len() == 1 => Some(Some(*u)),
                _ => Some(None),
            }
        }
        _ => None,
    }
}

/// The rows of `table` a condition can match: the rows its `_uuid == U` clauses name when
/// `named` says they decide (a select's first clause, or every clause of a monitor's
/// disjunction), otherwise every row.
fn candidates<'r>(
    view: &ovsdb_client::replica::TableView<'r, ovsdb_client::DynamicRow>,
    named: Option<Vec<Option<ovsdb_proto::Uuid>>>,
) -> Vec<&'r Arc<Rec>> {
    match named {
        Some(uuids) => {
            let mut seen = std::collections::HashSet::new();
            uuids
                .into_iter()
                .flatten()
                .filter(|u| seen.insert(*u))
                .filter_map(|u| view.get(&u))
                .collect()
        }
        None => view.iter().collect(),
    }
}

/// The requested columns (`None` in the request: every column and `_uuid`), `None` when one
/// is unknown or is `_version` (not replicated).
fn columns(ts: &TableSchema, requested: Option<&Value>) -> Option<Vec<String>> {
    match requested {
        None => {
            let mut all: Vec<String> = vec!["_uuid".into()];
            all.extend(ts.columns.keys().cloned());
            Some(all)
        }
        Some(v) => v
            .as_array()?
            .iter()
            .map(|c| {
                let c = c.as_str()?;
                (c == "_uuid" || ts.columns.contains_key(c)).then(|| c.to_owned())
            })
            .collect(),
    }
}

/// A `transact` answered from the replica: every operation a `select` or a `comment`.
fn local_transact(relay: &Relay, params: &[Value]) -> Option<Value> {
    let (db, ops) = params.split_first()?;
    if db.as_str() == Some("_Server") {
        return server_rows(relay, ops);
    }
    if db.as_str() != Some(relay.db) {
        return None;
    }
    let read = relay.replica.read();
    let mut results = Vec::with_capacity(ops.len());
    for op in ops {
        let op = op.as_object()?;
        match op.get("op")?.as_str()? {
            "comment" => results.push(json!({})),
            "select" => {
                let table = op.get("table")?.as_str()?;
                let ts = relay.schema.tables.get(table)?;
                let clauses = clauses(ts, op.get("where"))?;
                let cols = columns(ts, op.get("columns"))?;
                let mut rows = Vec::new();
                let view = read.table(table);
                let named = relay.named_by(&read, table, clauses.first());
                for rec in candidates(&view, named) {
                    let mut all = true;
                    for c in &clauses {
                        if !holds(rec, c)? {
                            all = false;
                            break;
                        }
                    }
                    if all {
                        let mut row = Map::new();
                        for c in &cols {
                            let v = column_value(rec, c)?;
                            row.insert(c.clone(), serde_json::to_value(&*v).ok()?);
                        }
                        rows.push(Value::Object(row));
                    }
                }
                results.push(json!({"rows": rows}));
            }
            _ => return None,
        }
    }
    Some(Value::Array(results))
}

/// `select`s on `_Server.Database` naming only `name`, `model`, `connected`, `leader`: this
/// database, model `relay`.
fn server_rows(relay: &Relay, ops: &[Value]) -> Option<Value> {
    let connected = relay.client.state().borrow().is_connected();
    let row: BTreeMap<&str, Value> = [
        ("name", json!(relay.db)),
        ("model", json!("relay")),
        ("connected", json!(connected)),
        ("leader", json!(false)),
    ]
    .into_iter()
    .collect();
    let mut results = Vec::new();
    for op in ops {
        let op = op.as_object()?;
        if op.get("op")?.as_str()? != "select" || op.get("table")?.as_str()? != "Database" {
            return None;
        }
        let mut matches = true;
        for c in op
            .get("where")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            let [col, f, v] = c.as_array()?.as_slice() else {
                return None;
            };
            let have = row.get(col.as_str()?)?;
            match f.as_str()? {
                "==" => matches &= have == v,
                "!=" => matches &= have != v,
                _ => return None,
            }
        }
        let cols: Vec<&str> = match op.get("columns") {
            Some(c) => c.as_array()?.iter().map(Value::as_str).collect::<Option<_>>()?,
            None => return None,
        };
        let mut out = Map::new();
        for c in cols {
            out.insert(c.to_owned(), row.get(c)?.clone());
        }
        let rows = if matches {
            vec![Value::Object(out)]
        } else {
            Vec::new()
        };
        results.push(json!({"rows": rows}));
    }
    Some(Value::Array(results))
}

/// A `monitor_cond` (`[DB, ID, {TABLE: REQUEST or [REQUEST...]}]`) answered with the initial
/// contents (`<table-updates2>`, default values left out as ovsdb-server leaves them out); the
/// clauses of a request's `where` are a disjunction (ovsdb-server(7) "Monitor_cond").
fn local_monitor(relay: &Relay, params: &[Value]) -> Option<Value> {
    let [db, _id, requests] = params else {
        return None;
    };
    if db.as_str() != Some(relay.db) {
        return None;
    }
    let read = relay.replica.read();
    let mut tables = Map::new();
    for (table, reqs) in requests.as_object()? {
        let ts = relay.schema.tables.get(table)?;
        let reqs: Vec<&Value> = match reqs {
            Value::Array(a) => a.iter().collect(),
            other => vec![other],
        };
        let mut rows = Map::new();
        for req in reqs {
            let req = req.as_object()?;
            let any: Option<Vec<Clause>> = match req.get("where") {
                None => None,
                w => Some(clauses(ts, w)?),
            };
            let mut cols = columns(ts, req.get("columns"))?;
            cols.retain(|c| c != "_uuid");
            let view = read.table(table);
            let named = any
                .as_ref()
                .and_then(|cs| cs.iter().map(named_row).collect::<Option<Vec<_>>>());
            // Rows named by `_uuid ==` clauses match by construction.
            let decided = named.is_some();
            for rec in candidates(&view, named) {
                let matched = match &any {
                    _ if decided => true,
                    None => true,
                    Some(cs) => {
                        let mut m = false;
                        for c in cs {
                            if holds(rec, c)? {
                                m = true;
                                break;
                            }
                        }
                        m
                    }
                };
                if !matched {
                    continue;
                }
                let mut row = match rows.remove(&rec.uuid.to_string()) {
                    Some(Value::Object(mut u)) => match u.remove("initial") {
                        Some(Value::Object(r)) => r,
                        _ => Map::new(),
                    },
                    _ => Map::new(),
                };
                for c in &cols {
                    let Some(col) = ts.columns.get(c) else { continue };
                    let v = column_value(rec, c)?;
                    if *v != col.type_.default_datum() {
                        row.insert(c.clone(), serde_json::to_value(&*v).ok()?);
                    }
                }
                rows.insert(rec.uuid.to_string(), json!({"initial": row}));
            }
        }
        tables.insert(table.clone(), Value::Object(rows));
    }
    Some(Value::Object(tables))
}
