//! `ovsdb-client-rs`: a raw OVSDB protocol command-line client taking ovsdb-client(1)'s
//! arguments, `COMMAND [SERVER] [DATABASE] ...`, built on `ovsdb-client`.
//!
//! SERVER is a remote in OVS syntax (`tcp:`, `ssl:`, `unix:`, comma lists for clusters) and
//! defaults to the local Open_vSwitch socket; DATABASE defaults to `Open_vSwitch`. Commands:
//! `list-dbs`, `get-schema`, `list-tables`, `list-columns`, `transact`, `query`, `dump` (table,
//! csv and json output, in ovsdb-client's format and row order), `monitor`, `monitor-cond`,
//! `monitor-cond-since`, `lock`, `steal`, `unlock`. Options: `-f/--format`, `--timeout`,
//! `-p/--private-key`, `-c/--certificate`, `-C/--ca-cert`, `--server-name`,
//! `--ssl-chain-only`, `--no-leader-only`.
//!
//! Unlike ovsdb-client, `monitor` and `monitor-cond` run on the reconnecting client: with a
//! cluster remote they keep following across leader changes and reconnects, printing every change
//! once (a resynchronisation after a reconnect is compared with what was already printed), until
//! interrupted.

mod format;

use std::collections::BTreeMap;
use std::future::Future;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use ovsdb_client::rpc::{self, RpcOptions};
use ovsdb_client::{
    Client, ClientConfig, DEFAULT_OVS_SOCKET, Endpoint, LockState, MonitorEvent, TlsConfig, transport,
};
use ovsdb_proto::method::{MonitorCondSince, Transact, Unlock};
use ovsdb_proto::notify::Notification;
use ovsdb_proto::op::Select;
use ovsdb_proto::schema::TableSchema;
use ovsdb_proto::update::{MonitorRequest, MonitorRequests, RowUpdate2, TableUpdates2};
use ovsdb_proto::{Condition, DatabaseSchema, Datum, Operation, OperationResult, Row, Uuid};
use serde_json::Value;

pub use format::{Cell, Format, Table};

/// Command-line arguments.
#[derive(Debug, Parser)]
#[command(
    name = "ovsdb-client-rs",
    version,
    about = "Raw OVSDB protocol client (ovsdb-client syntax)"
)]
pub struct Cli {
    /// Output format of tables.
    #[arg(short = 'f', long, value_enum, default_value = "table")]
    pub format: Format,
    /// Give up after this many seconds.
    #[arg(short = 't', long)]
    pub timeout: Option<u64>,
    /// TLS private key (PEM).
    #[arg(short = 'p', long = "private-key")]
    pub private_key: Option<PathBuf>,
    /// TLS certificate (PEM).
    #[arg(short = 'c', long)]
    pub certificate: Option<PathBuf>,
    /// TLS CA certificate (PEM).
    #[arg(short = 'C', long = "ca-cert")]
    pub ca_cert: Option<PathBuf>,
    /// Name to check the server's certificate against (defaults to the host of the remote).
    #[arg(long = "server-name")]
    pub server_name: Option<String>,
    /// Check the server certificate's chain but not its name (OVS behaviour).
    #[arg(long = "ssl-chain-only")]
    pub ssl_chain_only: bool,
    /// Accept cluster followers.
    #[arg(long = "no-leader-only")]
    pub no_leader_only: bool,
    /// `COMMAND [SERVER] [DATABASE] [ARG...]`
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// An unknown command.
    #[error("unknown command {0:?} (try --help)")]
    UnknownCommand(String),
    /// A required argument is missing.
    #[error("{command}: missing argument {what}")]
    MissingArgument {
        /// The command.
        command: String,
        /// What is missing.
        what: &'static str,
    },
    /// An argument is not valid JSON or not the expected JSON.
    #[error("{what}: {source}")]
    Json {
        /// Which argument.
        what: &'static str,
        /// Why.
        #[source]
        source: ovsdb_proto::DecodeError,
    },
    /// A table that the database's schema lacks.
    #[error("database {db:?} has no table {table:?}")]
    UnknownTable {
        /// The database.
        db: String,
        /// The table.
        table: String,
    },
    /// A column that the table lacks.
    #[error("table {table:?} has no column {column:?}")]
    UnknownColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// The command ran out of time (`--timeout`).
    #[error("timed out after {0} s")]
    Timeout(u64),
    /// The client failed.
    #[error(transparent)]
    Client(#[from] ovsdb_client::Error),
    /// Writing the output failed.
    #[error("writing output: {0}")]
    Io(#[from] std::io::Error),
}

/// Parses `args` (program name first), runs the command printing to stdout, reports errors on
/// stderr, and returns the exit status (0 success, 1 failure, 2 usage).
pub fn main_with_args(args: impl IntoIterator<Item = String>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ovsdb-client-rs: cannot start the runtime: {e}");
            return 1;
        }
    };
    let mut out = std::io::stdout();
    let result = rt.block_on(run_until(cli, &mut out, async {
        let _ = tokio::signal::ctrl_c().await;
    }));
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("ovsdb-client-rs: {e}");
            1
        }
    }
}

/// Runs a command until it completes, `stop` resolves (for the commands that run until
/// interrupted: monitors, locks) or `--timeout` passes.
///
/// # Errors
/// [`CliError`].
pub async fn run_until(
    cli: Cli,
    out: &mut (dyn Write + Send),
    stop: impl Future<Output = ()> + Send,
) -> Result<(), CliError> {
    let timeout = cli.timeout;
    let work = run(cli, out, stop);
    match timeout {
        Some(s) => tokio::time::timeout(Duration::from_secs(s), work)
            .await
            .unwrap_or(Err(CliError::Timeout(s))),
        None => work.await,
    }
}

fn is_remote(s: &str) -> bool {
    ["tcp:", "ssl:", "unix:"].iter().any(|p| s.starts_with(p))
}

struct Ctx<'a> {
    cli: &'a Cli,
    command: String,
    server: String,
    rest: std::collections::VecDeque<String>,
}

impl Ctx<'_> {
    fn config(&self, db: Option<&str>) -> ClientConfig {
        let mut c = ClientConfig::default()
            .leader_only(!self.cli.no_leader_only)
            .startup_timeout(Duration::from_secs(30));
        if let Some(db) = db {
            c = c.database(db);
        }
        if let Some(ca) = &self.cli.ca_cert {
            let mut tls = TlsConfig::new(ca);
            if let (Some(k), Some(cert)) = (&self.cli.private_key, &self.cli.certificate) {
                tls = tls.client_cert(k, cert);
            }
            if let Some(n) = &self.cli.server_name {
                tls = tls.server_name(n);
            }
            if self.cli.ssl_chain_only {
                tls = tls.chain_only();
            }
            c = c.tls(tls);
        }
        c
    }

    fn next(&mut self, what: &'static str) -> Result<String, CliError> {
        self.rest.pop_front().ok_or(CliError::MissingArgument {
            command: self.command.clone(),
            what,
        })
    }

    /// Connects and takes the DATABASE argument if the next argument names one of the server's
    /// databases (else `Open_vSwitch`).
    async fn connect_db(&mut self) -> Result<(Client, String), CliError> {
        let probe = Client::connect(&self.server, self.config(None).leader_only(false)).await?;
        let dbs = probe.list_dbs().await?;
        probe.shutdown();
        let db = match self.rest.front() {
            Some(d) if dbs.contains(d) => self.rest.pop_front().unwrap_or_default(),
            _ => "Open_vSwitch".to_owned(),
        };
        let client = Client::connect(&self.server, self.config(Some(&db))).await?;
        Ok((client, db))
    }
}

async fn run(
    cli: Cli,
    out: &mut (dyn Write + Send),
    stop: impl Future<Output = ()> + Send,
) -> Result<(), CliError> {
    let mut rest: std::collections::VecDeque<String> = cli.args.iter().cloned().collect();
    let command = rest.pop_front().unwrap_or_default();
    let server = match rest.front() {
        Some(s) if is_remote(s) => rest.pop_front().unwrap_or_default(),
        _ => format!("unix:{DEFAULT_OVS_SOCKET}"),
    };
    let mut ctx = Ctx {
        cli: &cli,
        command: command.clone(),
        server,
        rest,
    };
    let format = cli.format;
    match command.as_str() {
        "list-dbs" => {
            let client = Client::connect(&ctx.server, ctx.config(None).leader_only(false)).await?;
            for db in client.list_dbs().await? {
                writeln!(out, "{db}")?;
            }
        }
        "get-schema" => {
            let (client, db) = ctx.connect_db().await?;
            let reply = client
                .rpc()
                .await?
                .request("get_schema", Value::Array(vec![db.into()]))
                .await?;
            writeln!(out, "{}", reply.result)?;
        }
        "list-tables" => {
            let (client, db) = ctx.connect_db().await?;
            let schema = client.get_schema(&db).await?;
            let t = Table {
                caption: None,
                headings: vec!["Table".into()],
                rows: schema
                    .tables
                    .keys()
                    .map(|n| vec![Cell::text(n.clone())])
                    .collect(),
            };
            out.write_all(t.render(format, true).as_bytes())?;
        }
        "list-columns" => {
            let (client, db) = ctx.connect_db().await?;
            let schema = client.get_schema(&db).await?;
            let only = ctx.rest.pop_front();
            let mut rows = Vec::new();
            for (tname, table) in &schema.tables {
                if only.as_ref().is_some_and(|o| o != tname) {
                    continue;
                }
                for (cname, col) in &table.columns {
                    let mut r = Vec::new();
                    if only.is_none() {
                        r.push(Cell::text(tname.clone()));
                    }
                    r.push(Cell::text(cname.clone()));
                    let ty = col.type_.to_json();
                    r.push(Cell {
                        text: ty.to_string(),
                        json: ty,
                    });
                    rows.push(r);
                }
            }
            let mut headings: Vec<String> = vec!["Column".into(), "Type".into()];
            if only.is_none() {
                headings.insert(0, "Table".into());
            }
            let t = Table {
                caption: None,
                headings,
                rows,
            };
            out.write_all(t.render(format, true).as_bytes())?;
        }
        "transact" | "query" => {
            let text = ctx.next("TRANSACTION")?;
            let mut txn: Transact = ovsdb_proto::error::from_str(&text).map_err(|source| CliError::Json {
                what: "TRANSACTION",
                source,
            })?;
            let client = Client::connect(&ctx.server, ctx.config(Some(&txn.db))).await?;
            let n = txn.operations.len();
            if command == "query" {
                txn.operations.push(Operation::Abort);
            }
            let reply = client.call(&txn).await?;
            let mut json = reply.to_json();
            if command == "query"
                && let Value::Array(a) = &mut json
            {
                a.truncate(n);
            }
            writeln!(out, "{json}")?;
        }
        "dump" => {
            let (client, db) = ctx.connect_db().await?;
            let schema = client.get_schema(&db).await?;
            let table = ctx.rest.pop_front();
            let columns: Vec<String> = ctx.rest.drain(..).collect();
            let tables: Vec<&String> = match &table {
                Some(t) if !schema.tables.contains_key(t) => {
                    return Err(CliError::UnknownTable { db, table: t.clone() });
                }
                Some(t) => vec![t],
                None => schema.tables.keys().collect(),
            };
            let out_tables = dump(&client, &db, &schema, &tables, &columns).await?;
            for (i, t) in out_tables.iter().enumerate() {
                out.write_all(t.render(format, i == 0).as_bytes())?;
            }
        }
        "monitor" | "monitor-cond" => {
            let (client, db) = ctx.connect_db().await?;
            let schema = client.get_schema(&db).await?;
            let conditions: Option<Vec<Condition>> = if command == "monitor-cond" {
                let text = ctx.next("CONDITIONS")?;
                Some(
                    ovsdb_proto::error::from_str(&text).map_err(|source| CliError::Json {
                        what: "CONDITIONS",
                        source,
                    })?,
                )
            } else {
                None
            };
            let table = ctx.next("TABLE")?;
            let ts = schema.tables.get(&table).ok_or_else(|| CliError::UnknownTable {
                db: db.clone(),
                table: table.clone(),
            })?;
            let columns = columns_arg(&table, ts, ctx.rest.drain(..).collect())?;
            let mut req = MonitorRequest::all().columns(columns.clone());
            if let Some(c) = conditions {
                req = req.where_(c);
            }
            let mut stream = client.monitor(&db, MonitorRequests::new().with(table.clone(), req));
            let mut view = View::new(table, ts.clone(), columns);
            tokio::pin!(stop);
            loop {
                tokio::select! {
                    ev = stream.recv() => match ev {
                        Some(Ok(ev)) => {
                            if let Some(t) = view.apply(ev) {
                                out.write_all(t.render(format, true).as_bytes())?;
                                out.flush()?;
                            }
                        }
                        Some(Err(e)) => return Err(e.into()),
                        None => break,
                    },
                    () = &mut stop => break,
                }
            }
        }
        "monitor-cond-since" => {
            let (client, db) = ctx.connect_db().await?;
            let schema = client.get_schema(&db).await?;
            let mut last_txn_id = None;
            if let Some(a) = ctx.rest.front()
                && let Ok(u) = a.parse::<Uuid>()
            {
                last_txn_id = (!u.is_nil()).then_some(u);
                ctx.rest.pop_front();
            }
            let text = ctx.next("CONDITIONS")?;
            let conditions: Vec<Condition> =
                ovsdb_proto::error::from_str(&text).map_err(|source| CliError::Json {
                    what: "CONDITIONS",
                    source,
                })?;
            let table = ctx.next("TABLE")?;
            let ts = schema.tables.get(&table).ok_or_else(|| CliError::UnknownTable {
                db: db.clone(),
                table: table.clone(),
            })?;
            let columns = columns_arg(&table, ts, ctx.rest.drain(..).collect())?;
            // One session, as ovsdb-client: on the server the client chose.
            let endpoint: Endpoint = client.current_endpoint().ok_or(ovsdb_client::Error::Shutdown)?;
            let tls = ctx
                .config(None)
                .tls
                .map(|t| t.connector())
                .transpose()
                .map_err(ovsdb_client::Error::from)?;
            let stream = transport::open(&endpoint, tls.as_ref(), Duration::from_secs(10)).await?;
            client.shutdown();
            let (rpc, mut notes, conn) = rpc::connect(stream, &RpcOptions::default());
            tokio::spawn(conn);
            let reply = rpc
                .call(&MonitorCondSince {
                    db: db.clone(),
                    monitor_id: Value::from("mcs"),
                    requests: MonitorRequests::new().with(
                        table.clone(),
                        MonitorRequest::all().columns(columns.clone()).where_(conditions),
                    ),
                    last_txn_id,
                })
                .await?;
            writeln!(
                out,
                "found: {}, last_id: {}",
                reply.found,
                reply.last_txn_id.unwrap_or(Uuid::nil())
            )?;
            let mut view = View::new(table, ts.clone(), columns);
            view.synced = reply.found;
            if let Some(t) = view.apply(MonitorEvent::Update {
                updates: reply.updates,
                last_txn_id: reply.last_txn_id,
            }) {
                out.write_all(t.render(format, true).as_bytes())?;
            }
            tokio::pin!(stop);
            loop {
                tokio::select! {
                    n = notes.recv() => match n.map(|n| n.decode()) {
                        Some(Ok(Notification::Update3(u))) => {
                            writeln!(out, "last_id: {}", u.last_txn_id.unwrap_or(Uuid::nil()))?;
                            if let Some(t) = view.apply(MonitorEvent::Update { updates: u.updates, last_txn_id: u.last_txn_id }) {
                                out.write_all(t.render(format, true).as_bytes())?;
                                out.flush()?;
                            }
                        }
                        Some(_) => {}
                        None => break,
                    },
                    () = &mut stop => break,
                }
            }
        }
        "lock" | "steal" => {
            let name = ctx.next("LOCK")?;
            let client = Client::connect(&ctx.server, ctx.config(None)).await?;
            let handle = if command == "lock" {
                client.lock(&name)
            } else {
                client.steal(&name)
            };
            let mut state = handle.state();
            tokio::pin!(stop);
            loop {
                let s = *state.borrow_and_update();
                let text = match s {
                    LockState::Locked => "locked",
                    LockState::Waiting => "waiting",
                    LockState::Stolen => "stolen",
                    _ => "not connected",
                };
                writeln!(out, "{text}")?;
                out.flush()?;
                tokio::select! {
                    r = state.changed() => if r.is_err() { break },
                    () = &mut stop => break,
                }
            }
        }
        "unlock" => {
            let name = ctx.next("LOCK")?;
            let client = Client::connect(&ctx.server, ctx.config(None)).await?;
            client.rpc().await?.call(&Unlock { lock: name }).await?;
            writeln!(out, "{{}}")?;
        }
        other => return Err(CliError::UnknownCommand(other.to_owned())),
    }
    out.flush()?;
    Ok(())
}

/// The columns named on the command line (comma lists allowed), or all of the table's.
fn columns_arg(table: &str, ts: &TableSchema, args: Vec<String>) -> Result<Vec<String>, CliError> {
    let mut cols: Vec<String> = args
        .iter()
        .flat_map(|a| a.split(','))
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect();
    for c in &cols {
        if c != "_uuid" && c != "_version" && !ts.columns.contains_key(c) {
            return Err(CliError::UnknownColumn {
                table: table.to_owned(),
                column: c.clone(),
            });
        }
    }
    if cols.is_empty() {
        cols = ts.columns.keys().cloned().collect();
    }
    Ok(cols)
}

/// `dump`: every row of each table, sorted as ovsdb-client sorts them.
async fn dump(
    client: &Client,
    db: &str,
    schema: &DatabaseSchema,
    tables: &[&String],
    columns: &[String],
) -> Result<Vec<Table>, CliError> {
    let mut plan = Vec::new();
    for t in tables {
        let ts = &schema.tables[*t];
        let mut cols: Vec<String> = if columns.is_empty() {
            std::iter::once("_uuid".to_owned())
                .chain(ts.columns.keys().cloned())
                .collect()
        } else {
            for c in columns {
                if c != "_uuid" && c != "_version" && !ts.columns.contains_key(c) {
                    return Err(CliError::UnknownColumn {
                        table: (*t).clone(),
                        column: c.clone(),
                    });
                }
            }
            columns.to_vec()
        };
        cols.sort();
        cols.dedup();
        plan.push(((*t).clone(), cols));
    }
    let ops = plan
        .iter()
        .map(|(t, cols)| Operation::from(Select::new(t.clone(), []).columns(cols.clone())))
        .collect();
    let results = client.transact(db, ops).await?;
    let mut out = Vec::new();
    for ((t, cols), result) in plan.into_iter().zip(results) {
        let OperationResult::Select { rows } = result else {
            continue;
        };
        let ts = &schema.tables[&t];
        let empty = Datum::empty_set();
        let get = |r: &Row, c: &str| r.get(c).cloned().unwrap_or_else(|| empty.clone());
        let mut rows: Vec<Vec<Datum>> = rows
            .iter()
            .map(|r| cols.iter().map(|c| get(r, c)).collect())
            .collect();
        // ovsdb-client's order (observed on 3.1): columns holding UUIDs (references, `_uuid`)
        // are compared after all the others, each group in column-name order.
        let is_uuid = |c: &str| {
            c == "_uuid"
                || ts.columns.get(c).is_some_and(|cs| {
                    cs.type_.key.atomic == ovsdb_proto::AtomicType::Uuid
                        || cs
                            .type_
                            .value
                            .as_ref()
                            .is_some_and(|v| v.atomic == ovsdb_proto::AtomicType::Uuid)
                })
        };
        let order: Vec<usize> = (0..cols.len())
            .filter(|&i| !is_uuid(&cols[i]))
            .chain((0..cols.len()).filter(|&i| is_uuid(&cols[i])))
            .collect();
        rows.sort_by(|a, b| {
            order
                .iter()
                .map(|&i| format::compare_datums(&a[i], &b[i]))
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        out.push(Table {
            caption: Some(format!("{t} table")),
            headings: cols.clone(),
            rows: rows
                .iter()
                .map(|r| {
                    r.iter()
                        .zip(&cols)
                        .map(|(d, c)| Cell::datum(d, ts.columns.get(c).map(|c| &c.type_)))
                        .collect()
                })
                .collect(),
        });
    }
    Ok(out)
}

/// What a monitor has printed: the rows, to print each change once even across resyncs.
struct View {
    table: String,
    schema: TableSchema,
    columns: Vec<String>,
    rows: BTreeMap<Uuid, Row>,
    synced: bool,
}

impl View {
    fn new(table: String, schema: TableSchema, columns: Vec<String>) -> View {
        View {
            table,
            schema,
            columns,
            rows: BTreeMap::new(),
            synced: false,
        }
    }

    /// A row with every monitored column, defaults for those the update omitted.
    fn full(&self, r: &Row) -> Row {
        let mut full = Row::new();
        for c in &self.columns {
            let d = r.get(c).cloned().unwrap_or_else(|| {
                self.schema
                    .columns
                    .get(c)
                    .map(|cs| cs.type_.default_datum())
                    .unwrap_or_else(Datum::empty_set)
            });
            full.insert(c.clone(), d);
        }
        full
    }

    fn line(&self, uuid: &Uuid, action: &str, row: &Row) -> Vec<Cell> {
        let mut cells = vec![Cell::text(uuid.to_string()), Cell::text(action)];
        for c in &self.columns {
            let d = row.get(c).cloned().unwrap_or_else(Datum::empty_set);
            cells.push(Cell::datum(&d, self.schema.columns.get(c).map(|c| &c.type_)));
        }
        cells
    }

    /// Applies an event; returns the table of changes to print, if any.
    fn apply(&mut self, ev: MonitorEvent) -> Option<Table> {
        let mut lines = Vec::new();
        match ev {
            MonitorEvent::Reset { updates, .. } => {
                let new: BTreeMap<Uuid, Row> = rows_of(&updates, &self.table)
                    .filter_map(|(u, r)| match r {
                        RowUpdate2::Initial(r) | RowUpdate2::Insert(r) => Some((*u, self.full(r))),
                        _ => None,
                    })
                    .collect();
                let initial = !self.synced;
                for (u, r) in &new {
                    match self.rows.get(u) {
                        None => lines.push(self.line(u, if initial { "initial" } else { "insert" }, r)),
                        Some(old) if old != r => lines.push(self.line(u, "new", r)),
                        Some(_) => {}
                    }
                }
                for (u, r) in &self.rows {
                    if !new.contains_key(u) {
                        lines.push(self.line(u, "delete", r));
                    }
                }
                self.rows = new;
                self.synced = true;
            }
            MonitorEvent::Update { updates, .. } => {
                let initial = !self.synced;
                self.synced = true;
                let changes: Vec<(Uuid, RowUpdate2)> = rows_of(&updates, &self.table)
                    .map(|(u, r)| (*u, r.clone()))
                    .collect();
                for (u, change) in changes {
                    match change {
                        RowUpdate2::Initial(r) | RowUpdate2::Insert(r) => {
                            let r = self.full(&r);
                            let action = if initial { "initial" } else { "insert" };
                            lines.push(self.line(&u, action, &r));
                            self.rows.insert(u, r);
                        }
                        RowUpdate2::Modify(diff) => {
                            if let Some(mut old) = self.rows.get(&u).cloned() {
                                if ovsdb_proto::diff::apply_row_diff(&self.schema, &mut old, &diff).is_ok() {
                                    lines.push(self.line(&u, "new", &old));
                                    self.rows.insert(u, old);
                                }
                            }
                        }
                        RowUpdate2::Delete => {
                            if let Some(old) = self.rows.remove(&u) {
                                lines.push(self.line(&u, "delete", &old));
                            }
                        }
                    }
                }
            }
            _ => {}
        }
        if lines.is_empty() {
            return None;
        }
        let mut headings = vec!["row".to_owned(), "action".to_owned()];
        headings.extend(self.columns.iter().cloned());
        Some(Table {
            caption: None,
            headings,
            rows: lines,
        })
    }
}

fn rows_of<'a>(u: &'a TableUpdates2, table: &str) -> impl Iterator<Item = (&'a Uuid, &'a RowUpdate2)> {
    u.0.get(table).into_iter().flatten()
}
