//! `ovsdb-client-rs`: a raw OVSDB protocol command-line client with the commands, arguments,
//! output and messages of ovsdb-client(1) (Open vSwitch 3.1), built on `ovsdb-client`.
//!
//! `ovsdb-client-rs [OPTIONS] COMMAND [SERVER] [DATABASE] [ARG...]`. SERVER is a remote in OVS
//! syntax (`tcp:`, `ssl:`, `unix:`; a comma list for a cluster) and defaults to
//! `unix:$OVS_RUNDIR/db.sock` (`/var/run/openvswitch/db.sock`). Commands: `list-dbs`,
//! `get-schema`, `get-schema-version`, `get-schema-cksum`, `list-tables`, `list-columns`,
//! `transact`, `query`, `dump`, `backup`, `restore`, `monitor`, `monitor-cond`,
//! `monitor-cond-since`, `convert`, `needs-conversion`, `wait`, `lock`, `steal`, `unlock`.
//!
//! Behaviour model, as ovsdb-client's:
//! - One connection per invocation; the requests are those ovsdb-client sends, in its order (a
//!   command that needs a database first sends `list_dbs` to pick one; `list-dbs`, `transact`
//!   and the lock commands send nothing else first; monitors, `convert` and `wait` send
//!   `set_db_change_aware` and go on whatever the answer).
//! - DATABASE: the argument if it names one of the server's databases, else `Open_vSwitch` if
//!   the server has it, else the server's only database whose name does not start with `_`;
//!   else the command fails (naming the databases the server has, on a second line). With a
//!   comma list of remotes the database must be given; the first server (in list order) that
//!   has it and, for a clustered database, is connected to the cluster (and its leader unless
//!   `--no-leader-only`) is used.
//! - Output formats `--format` table/list/html/csv/json, `--data` string/bare/json,
//!   `--no-headings`, `--pretty`, `--bare`, `--timestamp`, as ovsdb-client. JSON is written with
//!   sorted members, as ovsdb-client writes it; lists that ovsdb-client prints in its hash
//!   table's order (tables of `list-tables`, columns of `list-columns`, rows of monitor updates)
//!   come in that same order.
//! - Errors: one line `ovsdb-client-rs: MESSAGE` on stderr with ovsdb-client's message, exit
//!   status 1; `--timeout` (or `OVS_CTL_TIMEOUT`) expiring ends the command with status 142, as
//!   SIGALRM ends ovsdb-client. A closed standard output ends the command with
//!   `write to stdout failed` and status 1, never a panic.
//!
//! Options may come anywhere on the command line (as `getopt_long` permits); `--` ends them.
//!
//! Passive remotes (`punix:PATH`, `ptcp:PORT[:IP]`, `pssl:PORT[:IP]` with `-p`/`-c`/`-C`) listen
//! for the server to connect, as ovsdb-client's do. Not as ovsdb-client: the texts of JSON syntax
//! errors (another parser's), the log line of a refused `pssl:` handshake (rustls' reason),
//! `--help`; the daemon options and the `--verbose` logging options are not supported. With a comma list of remotes, `monitor` and
//! `monitor-cond` (one table) run on the reconnecting `Client`: they keep following the cluster
//! across leader changes and reconnects, printing every change once (a modified row as one
//! `new` line with the whole row), until interrupted. `backup` writes the same records as
//! ovsdb-client but not with its member order (which follows the C hash table's layout of
//! objects it builds itself), so its bytes differ while `restore`, `ovsdb-tool` and the server
//! read both alike.

mod backup;
mod format;
mod monitor;
mod ovs_order;
mod time;

use std::collections::VecDeque;
use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;
use ovsdb_client::rpc::{self, RpcOptions};
use ovsdb_client::{Endpoint, Notifications, RpcClient, TlsConfig, TlsConnector, transport};
use ovsdb_proto::DatabaseSchema;
use serde_json::{Value, json};

pub use format::{Cell, DataFormat, Format, Printer, Style, Table, to_json_text};

/// Command-line options (those of ovsdb-client that apply) and arguments.
#[derive(Debug, Parser)]
#[command(
    name = "ovsdb-client-rs",
    version,
    about = "Raw OVSDB protocol client (ovsdb-client syntax and output)"
)]
pub struct Cli {
    /// Output format of tables.
    #[arg(short = 'f', long, value_enum, default_value = "table")]
    pub format: Format,
    /// Format of table cells that hold data.
    #[arg(short = 'd', long = "data", value_enum, default_value = "string")]
    pub data: DataFormat,
    /// Omit the heading row of tables.
    #[arg(long = "no-headings")]
    pub no_headings: bool,
    /// Pretty-print JSON output.
    #[arg(long)]
    pub pretty: bool,
    /// Same as `--format=list --data=bare --no-headings`.
    #[arg(long)]
    pub bare: bool,
    /// Truncate table cells to this many bytes (table format).
    #[arg(long = "max-column-width", default_value_t = 0)]
    pub max_column_width: usize,
    /// Print a timestamp before each monitor update.
    #[arg(long)]
    pub timestamp: bool,
    /// `restore`: restore even when the backup's schema differs from the database's.
    #[arg(long)]
    pub force: bool,
    /// Give up after this many seconds (default: `OVS_CTL_TIMEOUT`, else never).
    #[arg(short = 't', long)]
    pub timeout: Option<String>,
    /// Require `set_db_change_aware` to succeed (and send it before `transact`).
    #[arg(long = "db-change-aware")]
    pub db_change_aware: bool,
    /// Do not send `set_db_change_aware`.
    #[arg(long = "no-db-change-aware")]
    pub no_db_change_aware: bool,
    /// Accept only the leader of a clustered database (the default).
    #[arg(long = "leader-only")]
    pub leader_only: bool,
    /// Accept any cluster member connected to the cluster.
    #[arg(long = "no-leader-only")]
    pub no_leader_only: bool,
    /// TLS private key (PEM).
    #[arg(short = 'p', long = "private-key")]
    pub private_key: Option<PathBuf>,
    /// TLS certificate (PEM).
    #[arg(short = 'c', long)]
    pub certificate: Option<PathBuf>,
    /// TLS CA certificate (PEM).
    #[arg(short = 'C', long = "ca-cert")]
    pub ca_cert: Option<PathBuf>,
    /// CA certificate to trust on first use (written if absent).
    #[arg(long = "bootstrap-ca-cert")]
    pub bootstrap_ca_cert: Option<PathBuf>,
    /// Accepted for compatibility; TLS 1.2 and 1.3 are always enabled.
    #[arg(long = "ssl-protocols")]
    pub ssl_protocols: Option<String>,
    /// Accepted for compatibility; rustls' cipher suites are used.
    #[arg(long = "ssl-ciphers")]
    pub ssl_ciphers: Option<String>,
    /// Name to check the server's certificate against (defaults to the host of the remote).
    #[arg(long = "server-name")]
    pub server_name: Option<String>,
    /// Check the server certificate's chain but not its name (OVS behaviour).
    #[arg(long = "ssl-chain-only")]
    pub ssl_chain_only: bool,
    /// `COMMAND [SERVER] [DATABASE] [ARG...]`
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

impl Cli {
    fn style(&self) -> Style {
        let mut s = Style {
            format: self.format,
            data: self.data,
            headings: !self.no_headings,
            pretty: self.pretty,
            max_column_width: self.max_column_width,
        };
        if self.bare {
            s.format = Format::List;
            s.data = DataFormat::Bare;
            s.headings = false;
        }
        s
    }

    /// `--timeout`, else `OVS_CTL_TIMEOUT`, in seconds.
    fn timeout_secs(&self) -> Result<Option<u64>, CliError> {
        if let Some(t) = &self.timeout {
            return match t.parse::<u64>() {
                Ok(n) if n > 0 => Ok(Some(n)),
                _ => Err(CliError::InvalidTimeout(t.clone())),
            };
        }
        Ok(std::env::var("OVS_CTL_TIMEOUT")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|n| *n > 0))
    }

    /// -1 (default: send, ignore failure), 0 (never), 1 (require).
    fn db_change_aware(&self) -> i8 {
        if self.no_db_change_aware {
            0
        } else if self.db_change_aware {
            1
        } else {
            -1
        }
    }
}

/// Why a command failed; each message is ovsdb-client's.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// No command was given.
    #[error("missing command name; use --help for help")]
    MissingCommand,
    /// An unknown command.
    #[error("unknown command '{0}'; use --help for help")]
    UnknownCommand(String),
    /// Too few or too many arguments for the command.
    #[error("invalid syntax for '{0}' (use --help for help)")]
    InvalidSyntax(&'static str),
    /// `--timeout` is not a positive integer.
    #[error("value {0} on -t or --timeout is invalid")]
    InvalidTimeout(String),
    /// A remote could not be parsed or opened.
    #[error("failed to connect to \"{remote}\" ({reason})")]
    Connect {
        /// The remote as given.
        remote: String,
        /// Why (the system's error text).
        reason: String,
    },
    /// A passive remote (`punix:`, `ptcp:`, `pssl:`) could not listen or accept.
    #[error("failed to connect or listen to \"{remote}\" ({reason})")]
    Listen {
        /// The remote as given.
        remote: String,
        /// Why (the system's error text).
        reason: String,
    },
    /// No DATABASE argument and no default: the server's databases follow on a second line.
    #[error(
        "could not find a default database, please specify a database name\n\
         ovsdb-client-rs: the server has the databases: {}", databases.join(", ")
    )]
    NoDefaultDatabase {
        /// The databases the server has.
        databases: Vec<String>,
    },
    /// A comma list of remotes and no DATABASE argument.
    #[error("database name is required with multiple remotes")]
    DatabaseRequired,
    /// None of the remotes of a list is up and has the database in an acceptable state.
    #[error("no servers were available")]
    NoServers,
    /// The server answered a request with an error (`"error"` of a JSON-RPC reply).
    #[error("transaction returned error: {0}")]
    ServerError(String),
    /// A transaction named a database the server does not have; its databases follow on a
    /// second line.
    #[error(
        "transaction returned error: {error}\n\
         ovsdb-client-rs: the server has the databases: {}", databases.join(", ")
    )]
    UnknownDatabase {
        /// The server's error, as JSON.
        error: String,
        /// The databases the server has.
        databases: Vec<String>,
    },
    /// A request got no reply: the connection failed.
    #[error("transaction failed ({0})")]
    RequestFailed(String),
    /// A result array holds an operation error (`wait`, `restore`).
    #[error("server returned error reply: {0}")]
    ErrorReply(String),
    /// An argument is not JSON.
    #[error("\"{text}\": {reason}")]
    BadJson {
        /// The argument.
        text: String,
        /// The parser's message.
        reason: String,
    },
    /// A TRANSACTION argument that is not `[DATABASE, OPERATION...]`.
    #[error("not a valid OVSDB query")]
    NotAQuery,
    /// `dump`: no such table.
    #[error("No table \"{0}\" found.")]
    NoTable(String),
    /// `dump`: no such column.
    #[error("Table \"{table}\" has no column {column}.")]
    NoColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// A monitor names a table the database lacks (`server` is empty for `monitor-cond`).
    #[error("{}{db} does not have a table named \"{table}\"", if server.is_empty() { String::new() } else { format!("{server}: ") })]
    MonitorNoTable {
        /// The server's name, or empty.
        server: String,
        /// The database.
        db: String,
        /// The table.
        table: String,
    },
    /// A monitor names a column the table lacks.
    #[error("{server}: table \"{table}\" in {db} does not have a column named \"{column}\"")]
    MonitorNoColumn {
        /// The server's name.
        server: String,
        /// The table.
        table: String,
        /// The database.
        db: String,
        /// The column.
        column: String,
    },
    /// A monitor names a column twice.
    #[error("{server}: column \"{column}\" mentioned multiple times")]
    DuplicateColumn {
        /// The server's name.
        server: String,
        /// The column.
        column: String,
    },
    /// `monitor ... ALL` with a condition.
    #[error("ALL tables are not allowed with condition")]
    AllWithCondition,
    /// A monitor condition that does not fit the table.
    #[error("{0}")]
    BadCondition(String),
    /// The connection failed while a monitor or lock was running.
    #[error("{server}: receive failed ({reason})")]
    ReceiveFailed {
        /// The server's name.
        server: String,
        /// Why.
        reason: String,
    },
    /// The monitored database was removed (`monitor_canceled`).
    #[error("{server}: {db} database was removed")]
    DatabaseRemoved {
        /// The server's name.
        server: String,
        /// The database.
        db: String,
    },
    /// `wait`: an unknown STATE.
    #[error("{0}: unknown state")]
    UnknownState(String),
    /// `set_db_change_aware` failed and `--db-change-aware` requires it.
    #[error("{server}: set_db_change_aware failed ({error})")]
    DbChangeAware {
        /// The server's name.
        server: String,
        /// The server's error, as JSON.
        error: String,
    },
    /// A schema file could not be read or parsed (`convert`, `needs-conversion`).
    #[error("{0}")]
    SchemaFile(String),
    /// `backup` to a terminal or `restore` from one.
    #[error("{0}")]
    Terminal(&'static str),
    /// `restore`: the backup is not a standalone OVSDB file this tool can read.
    #[error("{0}")]
    BadBackup(String),
    /// `restore`: the backup's schema differs from the database's and `--force` was not given.
    #[error("{0} (use --force to override differences, or \"ovsdb-client convert\" to change the schema)")]
    SchemaMismatch(String),
    /// A reply that is not what the protocol says.
    #[error("{0}")]
    BadReply(String),
    /// The command ran out of time (`--timeout`); ovsdb-client dies of SIGALRM.
    #[error("terminating with signal 14 (Alarm clock)")]
    Timeout(u64),
    /// The reconnecting client (cluster monitors) failed.
    #[error(transparent)]
    Client(#[from] ovsdb_client::Error),
    /// Writing the output failed.
    #[error("write to stdout failed")]
    Io(#[from] std::io::Error),
}

impl CliError {
    /// The exit status ovsdb-client ends with for this error.
    pub fn exit_status(&self) -> i32 {
        match self {
            CliError::Timeout(_) => 142,
            _ => 1,
        }
    }
}

/// Parses `args` (program name first), runs the command printing to stdout, reports errors on
/// stderr as ovsdb-client does, and returns the exit status (0 success, 1 failure, 2 usage,
/// 142 `--timeout` expired).
pub fn main_with_args(args: impl IntoIterator<Item = String>) -> i32 {
    let cli = match Cli::try_parse_from(options_first(args.into_iter().collect())) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ovsdb-client-rs: cannot start the runtime: {e}");
            return 1;
        }
    };
    use std::io::IsTerminal;
    let tty_error = match cli.args.first().map(String::as_str) {
        Some("backup") if std::io::stdout().is_terminal() => {
            Some("not writing backup to a terminal; please redirect stdout to a file")
        }
        Some("restore") if std::io::stdin().is_terminal() => {
            Some("not reading backup from a terminal; please redirect stdin from a file")
        }
        _ => None,
    };
    if let Some(m) = tty_error {
        eprintln!("ovsdb-client-rs: {}", CliError::Terminal(m));
        return 1;
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout);
    // SIGINT and SIGTERM end the commands that run until interrupted; ovsdb-client then dies of
    // the signal after a log line, which the exit status and message here reproduce.
    let signal = std::sync::atomic::AtomicI32::new(0);
    let result = rt.block_on(run_until(cli, &mut out, async {
        use tokio::signal::unix::{SignalKind, signal as listen};
        let (Ok(mut int), Ok(mut term)) = (listen(SignalKind::interrupt()), listen(SignalKind::terminate()))
        else {
            return std::future::pending().await;
        };
        let n = tokio::select! {
            _ = int.recv() => 2,
            _ = term.recv() => 15,
        };
        signal.store(n, std::sync::atomic::Ordering::Relaxed);
    }));
    let result = result.and_then(|()| out.flush().map_err(CliError::from));
    let sig = signal.load(std::sync::atomic::Ordering::Relaxed);
    if result.is_ok() && sig != 0 {
        let name = if sig == 2 { "Interrupt" } else { "Terminated" };
        time::vlog(
            "fatal_signal",
            "WARN",
            &format!("terminating with signal {sig} ({name})"),
        );
        return 128 + sig;
    }
    match result {
        Ok(()) => 0,
        Err(e) => {
            // What was printed stays printed (ovsdb-client's stdout is line-buffered or flushed).
            let _ = out.flush();
            match &e {
                CliError::Timeout(_) => time::vlog("fatal_signal", "WARN", &e.to_string()),
                _ => eprintln!("ovsdb-client-rs: {e}"),
            }
            e.exit_status()
        }
    }
}

/// The arguments with every option moved before the first non-option, as GNU `getopt_long`
/// (which ovsdb-client uses) accepts options anywhere: `dump SERVER -f csv` is
/// `-f csv dump SERVER`. Everything after `--` stays in place.
pub fn options_first(args: Vec<String>) -> Vec<String> {
    const WITH_VALUE: &[&str] = &[
        "-f",
        "--format",
        "-d",
        "--data",
        "-t",
        "--timeout",
        "-p",
        "--private-key",
        "-c",
        "--certificate",
        "-C",
        "--ca-cert",
        "--bootstrap-ca-cert",
        "--ssl-protocols",
        "--ssl-ciphers",
        "--server-name",
        "--max-column-width",
    ];
    let mut it = args.into_iter();
    let mut options: Vec<String> = it.next().into_iter().collect();
    let mut operands = Vec::new();
    while let Some(a) = it.next() {
        if a == "--" {
            operands.extend(it.by_ref());
        } else if a.starts_with('-') && a.len() > 1 {
            let takes_value = WITH_VALUE.contains(&a.as_str());
            options.push(a);
            if takes_value && let Some(v) = it.next() {
                options.push(v);
            }
        } else {
            operands.push(a);
        }
    }
    if !operands.is_empty() {
        options.push("--".into());
    }
    options.extend(operands);
    options
}

/// Runs a command until it completes, `stop` resolves (for the commands that run until
/// interrupted: monitors, locks) or the timeout (`--timeout`, `OVS_CTL_TIMEOUT`) passes.
///
/// # Errors
/// [`CliError`].
pub async fn run_until(
    cli: Cli,
    out: &mut (dyn Write + Send),
    stop: impl Future<Output = ()> + Send,
) -> Result<(), CliError> {
    let timeout = cli.timeout_secs()?;
    let work = run(cli, out, stop);
    match timeout {
        Some(s) => tokio::time::timeout(Duration::from_secs(s), work)
            .await
            .unwrap_or(Err(CliError::Timeout(s))),
        None => work.await,
    }
}

/// What a command needs before its handler runs (ovsdb-client's `NEED_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    None,
    Rpc,
    Database,
}

/// ovsdb-client's command table: name, need, fewest and most arguments after SERVER and
/// DATABASE.
const COMMANDS: &[(&str, Need, usize, usize)] = &[
    ("list-dbs", Need::Rpc, 0, 0),
    ("get-schema", Need::Database, 0, 0),
    ("get-schema-version", Need::Database, 0, 0),
    ("get-schema-cksum", Need::Database, 0, 0),
    ("list-tables", Need::Database, 0, 0),
    ("list-columns", Need::Database, 0, 1),
    ("transact", Need::None, 1, 2),
    ("query", Need::None, 1, 2),
    ("monitor", Need::Database, 1, usize::MAX),
    ("monitor-cond", Need::Database, 2, 3),
    ("monitor-cond-since", Need::Database, 2, 4),
    ("wait", Need::None, 2, 3),
    ("convert", Need::None, 1, 2),
    ("needs-conversion", Need::None, 1, 2),
    ("dump", Need::Database, 0, usize::MAX),
    ("backup", Need::Database, 0, 0),
    ("restore", Need::Database, 0, 0),
    ("lock", Need::Rpc, 1, 1),
    ("steal", Need::Rpc, 1, 1),
    ("unlock", Need::Rpc, 1, 1),
];

/// The deadline of one request: the command's own `--timeout` bounds it in practice; this only
/// keeps a request from waiting forever when none is given.
const REQUEST_DEADLINE: Duration = Duration::from_secs(24 * 3600);

/// One JSON-RPC connection to one server, as ovsdb-client holds it.
pub(crate) struct Session {
    rpc: RpcClient,
    notes: Notifications,
    /// The remote as named on the command line (ovsdb-client's `jsonrpc_get_name`).
    pub(crate) name: String,
    /// The whole comma list of remotes, when SERVER named more than one.
    pub(crate) list: Option<String>,
}

impl Session {
    /// A session over an open `stream` to `remote` (its connection task spawned).
    fn over(stream: transport::BoxedStream, remote: &str) -> Session {
        let (rpc, notes, conn) =
            rpc::connect(stream, &RpcOptions::default().request_timeout(REQUEST_DEADLINE));
        tokio::spawn(conn);
        Session {
            rpc,
            notes,
            name: remote.to_owned(),
            list: None,
        }
    }

    /// Sends a request and waits for its reply, failing as ovsdb-client's `check_txn` does.
    pub(crate) async fn request(
        &self,
        method: &str,
        params: Value,
        style: &Style,
    ) -> Result<Value, CliError> {
        match self.rpc.request(method, params).await {
            Ok(r) => Ok(r.result),
            Err(ovsdb_client::Error::Rpc { error, .. }) => Err(CliError::ServerError(format::to_json_text(
                &serde_json::to_value(&*error).unwrap_or(Value::Null),
                true,
                style.pretty,
            ))),
            Err(e) => Err(CliError::RequestFailed(failure_reason(&e))),
        }
    }

    async fn list_dbs(&self, style: &Style) -> Result<Vec<String>, CliError> {
        let v = self.request("list_dbs", json!([]), style).await?;
        let Value::Array(a) = v else {
            return Err(CliError::BadReply("list_dbs response is not array".into()));
        };
        let mut dbs = Vec::new();
        for (i, n) in a.into_iter().enumerate() {
            match n {
                Value::String(s) => dbs.push(s),
                _ => return Err(CliError::BadReply(format!("list_dbs response {i} is not string"))),
            }
        }
        dbs.sort();
        Ok(dbs)
    }

    /// `get_schema`: the schema as parsed and the raw JSON (in the server's member order).
    pub(crate) async fn fetch_schema(
        &self,
        db: &str,
        style: &Style,
    ) -> Result<(DatabaseSchema, Value), CliError> {
        let v = self.request("get_schema", json!([db]), style).await?;
        let schema = DatabaseSchema::from_value(v.clone()).map_err(|e| CliError::BadReply(e.to_string()))?;
        Ok((schema, v))
    }

    /// Sends `set_db_change_aware` as ovsdb-client does (unless `--no-db-change-aware`);
    /// failure matters only with `--db-change-aware`.
    pub(crate) async fn send_db_change_aware(&self, mode: i8) -> Result<(), CliError> {
        if mode == 0 {
            return Ok(());
        }
        match self.rpc.request("set_db_change_aware", json!([true])).await {
            Ok(_) => Ok(()),
            Err(ovsdb_client::Error::Rpc { error, .. }) if mode == 1 => Err(CliError::DbChangeAware {
                server: self.name.clone(),
                error: serde_json::to_value(&*error).unwrap_or(Value::Null).to_string(),
            }),
            Err(ovsdb_client::Error::Rpc { .. }) => Ok(()),
            Err(e) => Err(CliError::RequestFailed(failure_reason(&e))),
        }
    }
}

/// The system's text for why a connection or request failed (`strerror` style).
pub(crate) fn failure_reason(e: &ovsdb_client::Error) -> String {
    use ovsdb_client::Error as E;
    match e {
        E::Connect { source, .. } | E::Io(source) => strerror(source),
        E::PeerClosed | E::Disconnected { .. } | E::OutcomeUnknown { .. } => "End of file".into(),
        E::Timeout { .. } | E::ConnectTimeout { .. } => "Connection timed out".into(),
        E::Framing(_) | E::Message(_) => "Protocol error".into(),
        other => other.to_string(),
    }
}

/// An I/O error's text without Rust's ` (os error N)` suffix, as C's `strerror` writes it.
pub(crate) fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error ") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}

/// Whether a command-line argument has the form of a remote (ovsdb-client: a letter first and
/// a colon somewhere).
fn looks_like_remote(s: &str) -> bool {
    s.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) && s.contains(':')
}

/// `unix:$OVS_RUNDIR/db.sock`.
fn default_remote() -> String {
    format!("unix:{}/db.sock", rundir())
}

fn rundir() -> String {
    std::env::var("OVS_RUNDIR").unwrap_or_else(|_| "/var/run/openvswitch".into())
}

struct Ctx<'a> {
    cli: &'a Cli,
    style: Style,
    printer: Printer,
}

impl Ctx<'_> {
    /// The TLS connector of `-p`, `-c`, `-C` (or `--bootstrap-ca-cert`), `--server-name`,
    /// `--ssl-chain-only`; none without a CA certificate option.
    fn tls(&self) -> Result<Option<TlsConnector>, String> {
        self.tls_config()
            .map(|t| t.connector().map_err(|e| e.to_string()))
            .transpose()
    }

    /// The TLS settings of the command line; none without a CA certificate option.
    fn tls_config(&self) -> Option<TlsConfig> {
        let mut tls = match (&self.cli.ca_cert, &self.cli.bootstrap_ca_cert) {
            (Some(ca), _) => TlsConfig::new(ca),
            (None, Some(ca)) => TlsConfig::bootstrap(ca),
            (None, None) => return None,
        };
        if let (Some(k), Some(cert)) = (&self.cli.private_key, &self.cli.certificate) {
            tls = tls.client_cert(k, cert);
        }
        if let Some(n) = &self.cli.server_name {
            tls = tls.server_name(n);
        }
        if self.cli.ssl_chain_only {
            tls = tls.chain_only();
        }
        Some(tls)
    }

    /// Opens one connection to `remote` (one remote, OVS syntax). A passive remote (`punix:PATH`,
    /// `ptcp:PORT[:IP]`) listens there and takes the first connection, made by a server told to
    /// connect (ovsdb-server `--remote=unix:PATH` / `tcp:IP:PORT`), as ovsdb-client does: it
    /// logs `REMOTE: waiting for connection...` and waits (bounded by `--timeout`).
    async fn connect(&self, remote: &str) -> Result<Session, CliError> {
        if ["punix:", "ptcp:", "pssl:"].iter().any(|p| remote.starts_with(p)) {
            return self.accept(remote).await;
        }
        let fail = |reason: String| CliError::Connect {
            remote: remote.to_owned(),
            reason,
        };
        let mut endpoint = Endpoint::parse_list(remote)
            .map_err(|e| fail(e.to_string()))?
            .into_iter()
            .next()
            .ok_or_else(|| fail("Address family not supported by protocol".into()))?;
        // OVS looks up relative socket names in its run directory.
        if let Endpoint::Unix(p) = &endpoint
            && p.is_relative()
        {
            endpoint = Endpoint::Unix(PathBuf::from(rundir()).join(p));
        }
        let tls = if endpoint.is_network() && matches!(endpoint, Endpoint::Ssl { .. }) {
            self.tls().map_err(fail)?
        } else {
            None
        };
        let stream = transport::open(&endpoint, tls.as_ref(), Duration::from_secs(60))
            .await
            .map_err(|e| fail(failure_reason(&e)))?;
        Ok(Session::over(stream, remote))
    }

    /// [`Cli::connect`] for a passive remote: listens, logs as ovsdb-client does, accepts one
    /// connection and stops listening (a `punix:` socket file is removed again).
    async fn accept(&self, remote: &str) -> Result<Session, CliError> {
        let fail = |e: std::io::Error| CliError::Listen {
            remote: remote.to_owned(),
            reason: strerror(&e),
        };
        let stream: transport::BoxedStream = if let Some(path) = remote.strip_prefix("punix:") {
            // OVS looks up relative socket names in its run directory.
            let path = match Path::new(path) {
                p if p.is_relative() => PathBuf::from(rundir()).join(p),
                p => p.to_path_buf(),
            };
            let _ = std::fs::remove_file(&path);
            let listener = match tokio::net::UnixListener::bind(&path) {
                Ok(l) => l,
                Err(e) => {
                    // What OVS logs: the socket file registered for removal at exit is removed
                    // at once, then the bind error.
                    let shown = path.display();
                    if let Err(u) = std::fs::remove_file(&path) {
                        let why = strerror(&u);
                        time::vlog(
                            "fatal_signal",
                            "WARN",
                            &format!("could not unlink \"{shown}\" ({why})"),
                        );
                    }
                    let why = strerror(&e);
                    time::vlog("stream_unix", "ERR", &format!("{shown}: binding failed: {why}"));
                    return Err(fail(e));
                }
            };
            time::vlog(
                "ovsdb_client",
                "INFO",
                &format!("{remote}: waiting for connection..."),
            );
            let accepted = listener.accept().await;
            let _ = std::fs::remove_file(&path);
            Box::new(accepted.map_err(fail)?.0)
        } else {
            let spec = remote
                .strip_prefix("ptcp:")
                .or_else(|| remote.strip_prefix("pssl:"))
                .unwrap_or_default();
            let (port, ip) = spec.split_once(':').unwrap_or((spec, "0.0.0.0"));
            // OVS's inet_parse_passive: a bad port is logged and refused with EAFNOSUPPORT.
            let bad = || std::io::Error::from_raw_os_error(97);
            let Ok(port) = port.parse::<u16>() else {
                time::vlog(
                    "socket_util",
                    "ERR",
                    &format!("{spec}: bad port number \"{port}\""),
                );
                return Err(fail(bad()));
            };
            let ip: std::net::IpAddr = ip.trim_matches(['[', ']']).parse().map_err(|_| fail(bad()))?;
            let listener = tokio::net::TcpListener::bind((ip, port)).await.map_err(fail)?;
            time::vlog(
                "ovsdb_client",
                "INFO",
                &format!("{remote}: waiting for connection..."),
            );
            if !remote.starts_with("pssl:") {
                let (stream, _) = listener.accept().await.map_err(fail)?;
                let _ = stream.set_nodelay(true);
                Box::new(stream)
            } else {
                // This end presents `-p`/`-c` and checks the server's certificate against
                // `-C`'s CA; a connection whose handshake fails is logged and dropped, and the
                // wait goes on (without `-p`/`-c` every handshake fails).
                let acceptor = self.tls_config().map(|t| t.acceptor());
                loop {
                    let (stream, _) = listener.accept().await.map_err(fail)?;
                    let _ = stream.set_nodelay(true);
                    let handshake = match &acceptor {
                        Some(Ok(a)) => a.accept(stream).await.map_err(|e| e.to_string()),
                        Some(Err(e)) => Err(e.to_string()),
                        None => Err("a TLS listener needs -p, -c and -C".into()),
                    };
                    match handshake {
                        Ok(s) => break Box::new(s),
                        Err(why) => time::vlog("stream_ssl", "WARN", &format!("SSL_accept: {why}")),
                    }
                }
            }
        };
        Ok(Session::over(stream, remote))
    }

    /// ovsdb-client's `open_rpc`: takes SERVER from `args` if it looks like a remote, connects,
    /// and for [`Need::Database`] with no `database` yet, takes or defaults DATABASE.
    async fn open_rpc(
        &self,
        min_args: usize,
        need: Need,
        args: &mut VecDeque<String>,
        mut database: Option<String>,
    ) -> Result<(Session, Option<String>), CliError> {
        let remotes: Vec<String> = match args.front() {
            Some(a) if args.len() > min_args && looks_like_remote(a) => {
                let a = args.pop_front().unwrap_or_default();
                a.split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            }
            _ => vec![default_remote()],
        };
        if remotes.len() == 1 {
            let session = self.connect(&remotes[0]).await?;
            if need == Need::Database && database.is_none() {
                let dbs = session.list_dbs(&self.style).await?;
                database = Some(match args.front() {
                    Some(a) if args.len() > min_args && dbs.contains(a) => {
                        args.pop_front().unwrap_or_default()
                    }
                    _ if dbs.iter().any(|d| d == "Open_vSwitch") => "Open_vSwitch".into(),
                    _ => {
                        let user: Vec<&String> = dbs.iter().filter(|d| !d.starts_with('_')).collect();
                        match user.as_slice() {
                            [only] => (*only).clone(),
                            _ => return Err(CliError::NoDefaultDatabase { databases: dbs }),
                        }
                    }
                });
            }
            return Ok((session, database));
        }
        if database.is_none() && need == Need::Database {
            if args.len() > min_args {
                database = args.pop_front();
            } else {
                return Err(CliError::DatabaseRequired);
            }
        }
        for remote in &remotes {
            // ovsdb-client goes through a reconnecting session here, which logs.
            time::vlog("reconnect", "INFO", &format!("{remote}: connecting..."));
            let mut session = match self.connect(remote).await {
                Ok(s) => s,
                Err(e) => {
                    let reason = match &e {
                        CliError::Connect { reason, .. } => reason.clone(),
                        other => other.to_string(),
                    };
                    time::vlog(
                        "reconnect",
                        "INFO",
                        &format!("{remote}: connection attempt failed ({reason})"),
                    );
                    continue;
                }
            };
            time::vlog("reconnect", "INFO", &format!("{remote}: connected"));
            session.list = Some(remotes.join(","));
            let Some(db) = &database else {
                return Ok((session, database));
            };
            if let Ok(reply) = session
                .request("transact", database_info_request(db), &self.style)
                .await
                && let Some(row) = database_info_row(&reply, db)
                && (row.get("model").and_then(Value::as_str) == Some("standalone")
                    || (row.get("connected") == Some(&Value::Bool(true))
                        && (self.cli.no_leader_only || row.get("leader") == Some(&Value::Bool(true)))))
            {
                return Ok((session, database));
            }
            // ovsdb-client's session then gives up on this remote with this line.
            time::vlog(
                "reconnect",
                "INFO",
                &format!("{remote}: connection attempt timed out"),
            );
        }
        Err(CliError::NoServers)
    }

    fn print(&mut self, out: &mut (dyn Write + Send), t: &Table) -> Result<(), CliError> {
        out.write_all(self.printer.render(t).as_bytes())?;
        Ok(())
    }

    fn print_json(&self, out: &mut (dyn Write + Send), v: &Value) -> Result<(), CliError> {
        writeln!(out, "{}", format::to_json_text(v, true, self.style.pretty))?;
        Ok(())
    }
}

/// `["_Server", select of the Database row named `db`]`.
pub(crate) fn database_info_request(db: &str) -> Value {
    json!(["_Server", {"op": "select", "table": "Database", "where": [["name", "==", db]]}])
}

/// The `_Server` `Database` row of `db` in a reply to [`database_info_request`].
pub(crate) fn database_info_row<'a>(
    reply: &'a Value,
    db: &str,
) -> Option<&'a serde_json::Map<String, Value>> {
    reply
        .get(0)?
        .get("rows")?
        .as_array()?
        .iter()
        .filter_map(Value::as_object)
        .find(|r| r.get("name").and_then(Value::as_str) == Some(db))
}

/// Parses a JSON argument as ovsdb-client's `parse_json` does.
fn parse_json_arg(text: &str) -> Result<Value, CliError> {
    serde_json::from_str(text).map_err(|e| CliError::BadJson {
        text: text.to_owned(),
        reason: format!("line {}, column {}: {e}", e.line().saturating_sub(1), e.column()),
    })
}

async fn run(
    cli: Cli,
    out: &mut (dyn Write + Send),
    stop: impl Future<Output = ()> + Send,
) -> Result<(), CliError> {
    let mut args: VecDeque<String> = cli.args.iter().cloned().collect();
    let Some(command) = args.pop_front() else {
        return Err(CliError::MissingCommand);
    };
    let Some(&(name, need, min, max)) = COMMANDS.iter().find(|c| c.0 == command) else {
        return Err(CliError::UnknownCommand(command));
    };
    let style = cli.style();
    let mut ctx = Ctx {
        cli: &cli,
        style,
        printer: Printer::new(style),
    };
    let mut session = None;
    let mut database = None;
    if need != Need::None {
        let (s, d) = ctx.open_rpc(min, need, &mut args, None).await?;
        session = Some(s);
        database = d;
    }
    if args.len() < min || args.len() > max {
        return Err(CliError::InvalidSyntax(name));
    }
    let db = database.unwrap_or_default();
    let args: Vec<String> = args.into();
    match (name, session) {
        ("list-dbs", Some(s)) => {
            for db in s.list_dbs(&style).await? {
                writeln!(out, "{db}")?;
            }
        }
        ("get-schema", Some(s)) => {
            let (_, raw) = s.fetch_schema(&db, &style).await?;
            ctx.print_json(out, &raw)?;
        }
        ("get-schema-version", Some(s)) => {
            let (schema, _) = s.fetch_schema(&db, &style).await?;
            writeln!(out, "{}", schema.version.unwrap_or_default())?;
        }
        ("get-schema-cksum", Some(s)) => {
            let (schema, _) = s.fetch_schema(&db, &style).await?;
            writeln!(out, "{}", schema.cksum.unwrap_or_default())?;
        }
        ("list-tables", Some(s)) => {
            let (_, raw) = s.fetch_schema(&db, &style).await?;
            let t = Table {
                headings: vec!["Table".into()],
                rows: schema_tables_in_ovs_order(&raw)
                    .into_iter()
                    .map(|(n, _)| vec![Cell::text(n)])
                    .collect(),
                ..Table::default()
            };
            ctx.print(out, &t)?;
        }
        ("list-columns", Some(s)) => {
            let (_, raw) = s.fetch_schema(&db, &style).await?;
            let only = args.first();
            let mut t = Table::default();
            if only.is_none() {
                t.headings.push("Table".into());
            }
            t.headings.extend(["Column".into(), "Type".into()]);
            for (tname, tjson) in schema_tables_in_ovs_order(&raw) {
                if only.is_some_and(|o| *o != tname) {
                    continue;
                }
                for (cname, ty) in columns_in_ovs_order(&tjson) {
                    let mut r = Vec::new();
                    if only.is_none() {
                        r.push(Cell::text(tname.clone()));
                    }
                    r.push(Cell::text(cname));
                    r.push(Cell::json(ty));
                    t.rows.push(r);
                }
            }
            ctx.print(out, &t)?;
        }
        ("transact" | "query", _) => {
            let mut txn = parse_json_arg(&args[args.len() - 1])?;
            let query = name == "query";
            let abort_idx = if query {
                let Value::Array(a) = &mut txn else {
                    return Err(CliError::NotAQuery);
                };
                a.push(json!({"op": "abort"}));
                a.len() - 2
            } else {
                0
            };
            let Some(db) = txn.get(0).and_then(Value::as_str).map(str::to_owned) else {
                return Err(CliError::NotAQuery);
            };
            let mut rest: VecDeque<String> = args[..args.len() - 1].iter().cloned().collect();
            rest.push_back(String::new());
            let (s, _) = ctx.open_rpc(1, Need::Database, &mut rest, Some(db)).await?;
            if ctx.cli.db_change_aware() == 1 {
                s.send_db_change_aware(1).await?;
            }
            let mut result = match s.request("transact", txn, &style).await {
                Err(CliError::ServerError(e)) if e.contains("\"unknown database\"") => {
                    // Say which databases there are, after ovsdb-client's message.
                    return Err(match s.list_dbs(&style).await {
                        Ok(databases) => CliError::UnknownDatabase { error: e, databases },
                        Err(_) => CliError::ServerError(e),
                    });
                }
                r => r?,
            };
            if query
                && let Value::Array(a) = &mut result
                && a.len() == abort_idx + 1
                && a[abort_idx].get("error").and_then(Value::as_str) == Some("aborted")
            {
                a.pop();
            }
            ctx.print_json(out, &result)?;
        }
        ("dump", Some(s)) => dump(&mut ctx, out, &s, &db, &args).await?,
        ("backup", Some(s)) => backup::backup(&ctx.style, out, &s, &db).await?,
        ("restore", Some(s)) => backup::restore(&ctx.style, ctx.cli.force, &s, &db).await?,
        ("monitor" | "monitor-cond" | "monitor-cond-since", Some(s)) => {
            monitor::run(&mut ctx, out, s, &db, name, args, stop).await?;
        }
        ("convert" | "needs-conversion", _) => {
            let file = &args[args.len() - 1];
            let unreadable = |why: String| {
                CliError::SchemaFile(format!(
                    "failed to read schema: \"{file}\" could not be read as JSON ({why})"
                ))
            };
            let text = std::fs::read_to_string(file)
                .map_err(|e| unreadable(format!("error opening \"{file}\": {}", strerror(&e))))?;
            let mut schema_json: Value =
                serde_json::from_str(&text).map_err(|e| unreadable(e.to_string()))?;
            let schema = DatabaseSchema::from_value(schema_json.clone())
                .map_err(|e| CliError::SchemaFile(format!("{file}: {e}")))?;
            let mut rest: VecDeque<String> = args[..args.len() - 1].iter().cloned().collect();
            rest.push_back(String::new());
            let (s, _) = ctx
                .open_rpc(1, Need::Database, &mut rest, Some(schema.name.clone()))
                .await?;
            let info = s
                .request("transact", database_info_request(&schema.name), &style)
                .await?;
            let clustered = database_info_row(&info, &schema.name)
                .and_then(|r| r.get("model"))
                .and_then(Value::as_str)
                == Some("clustered");
            if clustered {
                persist_ephemeral_columns(&mut schema_json, file);
            }
            if name == "convert" {
                s.send_db_change_aware(ctx.cli.db_change_aware()).await?;
                s.request("convert", json!([schema.name, schema_json]), &style)
                    .await?;
            } else {
                let ours = DatabaseSchema::from_value(schema_json)
                    .map_err(|e| CliError::SchemaFile(e.to_string()))?;
                let (theirs, _) = s.fetch_schema(&schema.name, &style).await?;
                writeln!(out, "{}", if ours == theirs { "no" } else { "yes" })?;
            }
        }
        ("wait", _) => monitor::wait(&ctx, &args).await?,
        ("lock" | "steal" | "unlock", Some(s)) => {
            monitor::lock(&ctx, out, s, name, &args[0], stop).await?;
        }
        _ => return Err(CliError::UnknownCommand(command)),
    }
    out.flush()?;
    Ok(())
}

/// The tables of a `get_schema` reply in the order ovsdb-client iterates them (its parsed
/// schema's table map, filled in the order of the parsed JSON object's map).
fn schema_tables_in_ovs_order(raw: &Value) -> Vec<(String, Value)> {
    let Some(tables) = raw.get("tables").and_then(Value::as_object) else {
        return Vec::new();
    };
    let names: Vec<&String> = tables.keys().collect();
    let parsed = ovs_order::shash_sorted(&names);
    ovs_order::shash_sorted(&parsed)
        .into_iter()
        .map(|n| (n.clone(), tables[n.as_str()].clone()))
        .collect()
}

/// A table schema's columns, with `_uuid` and `_version`, in ovsdb-client's order, each with
/// its type as ovsdb-client writes it back.
fn columns_in_ovs_order(table: &Value) -> Vec<(String, Value)> {
    let uuid = json!("uuid");
    let mut names: Vec<String> = vec!["_uuid".into(), "_version".into()];
    let mut types: std::collections::HashMap<String, Value> =
        [("_uuid".to_owned(), uuid.clone()), ("_version".to_owned(), uuid)].into();
    if let Some(cols) = table.get("columns").and_then(Value::as_object) {
        let wire: Vec<&String> = cols.keys().collect();
        for n in ovs_order::shash_sorted(&wire) {
            let ty = cols[n.as_str()].get("type").cloned().unwrap_or(Value::Null);
            // ovsdb_type_to_json: the short form for a plain scalar type.
            let ty = ovsdb_proto::schema::ColumnType::from_value(ty.clone())
                .map(|t| t.to_json())
                .unwrap_or(ty);
            names.push(n.clone());
            types.insert(n.clone(), ty);
        }
    }
    ovs_order::shash_sorted(&names)
        .into_iter()
        .map(|n| {
            let t = types.remove(&n).unwrap_or(Value::Null);
            (n, t)
        })
        .collect()
}

/// ovsdb-client's `ovsdb_schema_persist_ephemeral_columns`: clusters keep every column, so the
/// ephemeral ones are made persistent, with a warning.
fn persist_ephemeral_columns(schema: &mut Value, file: &str) {
    let name = schema
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let mut changed = Vec::new();
    if let Some(tables) = schema.get_mut("tables").and_then(Value::as_object_mut) {
        for (tname, t) in tables.iter_mut() {
            if let Some(cols) = t.get_mut("columns").and_then(Value::as_object_mut) {
                for (cname, c) in cols.iter_mut() {
                    if let Some(c) = c.as_object_mut()
                        && c.remove("ephemeral") == Some(Value::Bool(true))
                    {
                        changed.push((tname.clone(), cname.clone()));
                    }
                }
            }
        }
    }
    if let Some((t, c)) = changed.first() {
        eprintln!(
            "{}|00001|ovsdb|WARN|{file}: changed {} columns in '{name}' database from ephemeral to persistent, \
             including '{c}' column in '{t}' table, because clusters do not support ephemeral columns",
            time::log_timestamp(),
            changed.len()
        );
    }
}

/// `dump [TABLE [COLUMN...]]`: every row of each table, sorted as ovsdb-client sorts them.
async fn dump(
    ctx: &mut Ctx<'_>,
    out: &mut (dyn Write + Send),
    s: &Session,
    db: &str,
    args: &[String],
) -> Result<(), CliError> {
    let (schema, raw) = s.fetch_schema(db, &ctx.style).await?;
    // (table, columns printed (sorted by name), columns requested (in ovsdb-client's order)).
    let mut plan: Vec<(String, Vec<String>, Vec<String>)> = Vec::new();
    let tables_json: std::collections::HashMap<String, Value> =
        schema_tables_in_ovs_order(&raw).into_iter().collect();
    let all_columns = |t: &str| -> Vec<String> {
        tables_json
            .get(t)
            .map(|tj| columns_in_ovs_order(tj).into_iter().map(|c| c.0).collect())
            .unwrap_or_default()
    };
    if let Some(t) = args.first() {
        let ts = schema.tables.get(t).ok_or_else(|| CliError::NoTable(t.clone()))?;
        let mut cols = Vec::new();
        for c in &args[1..] {
            if ts.column(c).is_none() {
                return Err(CliError::NoColumn {
                    table: t.clone(),
                    column: c.clone(),
                });
            }
            cols.push(c.clone());
        }
        let requested = if cols.is_empty() {
            all_columns(t)
        } else {
            ovs_order::shash_sorted(&cols)
        };
        plan.push((t.clone(), cols, requested));
    } else {
        plan.extend(
            schema
                .tables
                .keys()
                .map(|t| (t.clone(), Vec::new(), all_columns(t))),
        );
    }
    for (t, cols, requested) in &mut plan {
        if cols.is_empty() {
            cols.push("_uuid".into());
            cols.extend(schema.tables[t.as_str()].columns.keys().cloned());
        }
        cols.retain(|c| c != "_version");
        cols.sort();
        requested.retain(|c| c != "_version");
    }
    let mut txn = vec![json!(db)];
    for (t, _, requested) in &plan {
        txn.push(json!({"op": "select", "table": t, "where": [], "columns": requested}));
    }
    let reply = s.request("transact", Value::Array(txn), &ctx.style).await?;
    let results = match reply {
        Value::Array(a) if a.len() == plan.len() => a,
        other => {
            return Err(CliError::BadReply(format!(
                "reply is not array of {} elements: {other}",
                plan.len()
            )));
        }
    };
    let uuid_type = ovsdb_proto::schema::ColumnType::scalar(ovsdb_proto::schema::BaseType::new(
        ovsdb_proto::AtomicType::Uuid,
    ));
    for ((t, cols, _), result) in plan.into_iter().zip(results) {
        let Some(rows) = result.get("rows").and_then(Value::as_array) else {
            return Err(CliError::BadReply(format!(
                "{t} table reply is not an object with a \"rows\" member array: {result}"
            )));
        };
        let ts = &schema.tables[t.as_str()];
        let types: Vec<ovsdb_proto::schema::ColumnType> = cols
            .iter()
            .map(|c| {
                ts.column(c)
                    .map(|cs| cs.type_.clone())
                    .unwrap_or_else(|| uuid_type.clone())
            })
            .collect();
        let mut data: Vec<Vec<ovsdb_proto::Datum>> = Vec::new();
        for (y, row) in rows.iter().enumerate() {
            let mut r = Vec::new();
            for c in &cols {
                let v = row.get(c).ok_or_else(|| {
                    CliError::BadReply(format!("row {y} in table {t} response lacks {c} column"))
                })?;
                let d: ovsdb_proto::Datum = serde_json::from_value(v.clone())
                    .map_err(|e| CliError::BadReply(format!("row {y} in table {t}: {e}")))?;
                r.push(d);
            }
            data.push(r);
        }
        let order: Vec<usize> = (0..cols.len())
            .filter(|&i| !format::key_is_uuid(&types[i]))
            .chain((0..cols.len()).filter(|&i| format::key_is_uuid(&types[i])))
            .collect();
        data.sort_by(|a, b| {
            order
                .iter()
                .map(|&i| format::compare_datums(&a[i], &b[i]))
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let table = Table {
            caption: Some(format!("{t} table")),
            headings: cols.clone(),
            rows: data
                .iter()
                .map(|r| {
                    r.iter()
                        .zip(&types)
                        .map(|(d, ty)| Cell::datum(d.to_json(), ty))
                        .collect()
                })
                .collect(),
            ..Table::default()
        };
        ctx.print(out, &table)?;
    }
    Ok(())
}
