//! `nbctl-rs`, `sbctl-rs`, `vsctl-rs`: command-line compatible replacements for ovn-nbctl,
//! ovn-sbctl and ovs-vsctl (OVN 23.03, OVS 3.1) for what the lab flows use.
//!
//! What it is: a parser for the reference tools' command lines (global options, commands
//! chained with `--`, per-command options), the generic database commands of ovs-vsctl(8)
//! "Database Commands" (`get`, `list`, `find`, `set`, `add`, `remove`, `clear`, `create`,
//! `destroy`, `wait-until`, `comment`), record lookup by name, UUID, UUID prefix or `.`, the
//! value syntax, the table formatter, and a set of tool-specific commands. What it is not: a
//! replica; each invocation reads what it needs with targeted `select`s and commits all its
//! commands in ONE `transact` (RFC 7047 §4.1.3), so a chain is atomic.
//!
//! Behaviour model: commands run in order against a local view (rows read plus the changes
//! made by earlier commands); set and map edits become `mutate` operations; rows created in
//! the invocation are inserted with their final contents under a `uuid-name`. Output is
//! printed only after the commit succeeds; the uuids of new rows are printed as the server
//! assigned them.
//!
//! ```no_run
//! let out = ovsdb_ctl::run(
//!     ovsdb_ctl::Tool::Nbctl,
//!     &["--db=unix:/tmp/nb.sock".to_string(), "ls-list".to_string()],
//!     &std::collections::BTreeMap::new(),
//! );
//! print!("{}", out.stdout);
//! ```
#![forbid(unsafe_code)]

mod cmd;
mod conn;
mod daemon;
mod db;
mod error;
mod generic;
mod link;
mod lsp_addr;
mod nb;
mod ofp;
mod sb;
mod schema;
mod show;
mod stream;
mod table;
mod value;
mod vs;
mod wire;

use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::OnceLock;
use std::time::Duration;

use ovsdb_client::TlsConfig;

use crate::link::{Link, LinkConfig};
use ovsdb_proto::{DatabaseSchema, Uuid};

pub use error::CtlError;
pub use table::{CellData, Format, Style};

use db::{Db, LocalRows};
use table::OutTable;
use value::Symbols;

/// The file name of `argv[0]` of the process, when [`main_with`] saw one.
static INVOKED_AS: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Which reference tool to mimic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// ovn-nbctl, on OVN_Northbound.
    Nbctl,
    /// ovn-sbctl, on OVN_Southbound.
    Sbctl,
    /// ovs-vsctl, on Open_vSwitch.
    Vsctl,
}

impl Tool {
    /// The program name printed in messages and used in default file names: the name the
    /// process was invoked under (`argv[0]`'s file name, set by [`main_with`], so a symlink
    /// `ovn-nbctl -> nbctl-rs` speaks as `ovn-nbctl`), else the tool's own name.
    pub fn program(self) -> &'static str {
        if let Some(p) = INVOKED_AS.get() {
            return p;
        }
        match self {
            Tool::Nbctl => "nbctl-rs",
            Tool::Sbctl => "sbctl-rs",
            Tool::Vsctl => "vsctl-rs",
        }
    }

    /// The whole embedded schema, parsed and validated (slow: see [`Tool::schema`]).
    fn full_schema(self) -> &'static DatabaseSchema {
        use ovsdb_proto::Database;
        match self {
            Tool::Nbctl => ovn_nb::OvnNorthboundDb::schema(),
            Tool::Sbctl => ovn_sb::OvnSouthboundDb::schema(),
            Tool::Vsctl => ovs_vswitchd_schema::OpenVSwitchDb::schema(),
        }
    }

    /// The embedded schema, its tables parsed on first use.
    fn schema(self) -> &'static schema::Schema {
        use ovsdb_proto::Database;
        static NB: OnceLock<schema::Schema> = OnceLock::new();
        static SB: OnceLock<schema::Schema> = OnceLock::new();
        static VS: OnceLock<schema::Schema> = OnceLock::new();
        const NB_TEXT: &str = ovn_nb::OvnNorthboundDb::SCHEMA_JSON;
        const SB_TEXT: &str = ovn_sb::OvnSouthboundDb::SCHEMA_JSON;
        const VS_TEXT: &str = ovs_vswitchd_schema::OpenVSwitchDb::SCHEMA_JSON;
        // Indexed at compile time.
        const NB_INDEX: Option<schema::TableIndex> = schema::index_tables(NB_TEXT);
        const SB_INDEX: Option<schema::TableIndex> = schema::index_tables(SB_TEXT);
        const VS_INDEX: Option<schema::TableIndex> = schema::index_tables(VS_TEXT);
        let (cell, text, index) = match self {
            Tool::Nbctl => (&NB, NB_TEXT, NB_INDEX),
            Tool::Sbctl => (&SB, SB_TEXT, SB_INDEX),
            Tool::Vsctl => (&VS, VS_TEXT, VS_INDEX),
        };
        cell.get_or_init(|| schema::Schema::indexed(self.db_name(), text, index, || self.full_schema()))
    }

    /// The version of the embedded schema (RFC 7047 §3.2 `version`).
    fn schema_version(self) -> &'static str {
        use ovsdb_proto::Database;
        match self {
            Tool::Nbctl => ovn_nb::OvnNorthboundDb::SCHEMA_VERSION,
            Tool::Sbctl => ovn_sb::OvnSouthboundDb::SCHEMA_VERSION,
            Tool::Vsctl => ovs_vswitchd_schema::OpenVSwitchDb::SCHEMA_VERSION,
        }
    }

    /// The database's name (RFC 7047 §3.2 `name`), known without parsing the schema.
    fn db_name(self) -> &'static str {
        match self {
            Tool::Nbctl => "OVN_Northbound",
            Tool::Sbctl => "OVN_Southbound",
            Tool::Vsctl => "Open_vSwitch",
        }
    }

    fn default_db(self, env: &BTreeMap<String, String>) -> String {
        let get = |k: &str| env.get(k).filter(|v| !v.is_empty()).cloned();
        match self {
            Tool::Nbctl => get("OVN_NB_DB").unwrap_or_else(|| {
                format!(
                    "unix:{}/ovnnb_db.sock",
                    get("OVN_RUNDIR").unwrap_or_else(|| "/var/run/ovn".into())
                )
            }),
            Tool::Sbctl => get("OVN_SB_DB").unwrap_or_else(|| {
                format!(
                    "unix:{}/ovnsb_db.sock",
                    get("OVN_RUNDIR").unwrap_or_else(|| "/var/run/ovn".into())
                )
            }),
            Tool::Vsctl => format!("unix:{}/db.sock", ovs_rundir(env)),
        }
    }
}

/// Open vSwitch's run directory when `OVS_RUNDIR` is unset.
const OVS_RUNDIR: &str = "/var/run/openvswitch";

/// `$OVS_RUNDIR` of `env` (unset or empty: [`OVS_RUNDIR`]).
fn ovs_rundir(env: &BTreeMap<String, String>) -> String {
    env.get("OVS_RUNDIR")
        .filter(|v| !v.is_empty())
        .cloned()
        .unwrap_or_else(|| OVS_RUNDIR.into())
}

/// What one invocation printed and its exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CtlOutput {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Exit code: 0 success, 1 error, 2 for a negative `br-exists`, 142 when `--timeout`
    /// expired (the shell's status for a death by SIGALRM, which the `vsctl-rs` binary then
    /// reproduces, as ovs-vsctl dies of it).
    pub code: i32,
}

/// `--wait` of ovn-nbctl.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wait {
    None,
    Sb,
    Hv,
}

/// Global options.
#[derive(Debug, Clone)]
pub(crate) struct Globals {
    pub(crate) db: Option<String>,
    pub(crate) timeout: Option<u64>,
    pub(crate) wait: Wait,
    pub(crate) no_wait: bool,
    pub(crate) dry_run: bool,
    pub(crate) oneline: bool,
    pub(crate) style: Style,
    pub(crate) data_set: bool,
    pub(crate) private_key: Option<String>,
    pub(crate) certificate: Option<String>,
    pub(crate) ca_cert: Option<String>,
    /// `--bootstrap-ca-cert`: the CA certificate file, fetched from the server while missing.
    pub(crate) bootstrap_ca_cert: Option<String>,
    /// `$OVS_RUNDIR` of the invocation's environment (for a command line a daemon runs, the
    /// daemon's), `/var/run/openvswitch` when unset: where `--ovs` finds `br-int.mgmt`.
    pub(crate) ovs_rundir: String,
    pub(crate) leader_only: bool,
    pub(crate) shuffle: bool,
    /// `-V`/`--version`: print the version and exit.
    pub(crate) version: bool,
    /// `-h`/`--help`: print the help (built from the command table) and exit.
    pub(crate) help: bool,
    /// `--detach`: start the daemon of daemon mode (see [`daemon`]).
    pub(crate) detach: bool,
    /// `--pidfile[=FILE]` (`Some(None)`: the default file).
    pub(crate) pidfile: Option<Option<String>>,
    /// `--unixctl=SOCKET`: where the daemon listens.
    pub(crate) unixctl: Option<String>,
    /// `--retry`: keep trying to connect when the database is not there yet.
    pub(crate) retry: bool,
    /// How vlog lines show on stderr (`-v`/`--verbose`).
    pub(crate) vlog: error::Vlog,
    /// Lines logged before the command line is run (`MODULE|LEVEL|TEXT`), numbered first.
    pub(crate) pre_log: Vec<String>,
}

/// One command of a chain with its per-command options.
#[derive(Debug, Clone, Default)]
pub(crate) struct Command {
    pub(crate) name: String,
    pub(crate) args: Vec<String>,
    pub(crate) opts: BTreeMap<String, Option<String>>,
}

impl Command {
    pub(crate) fn has(&self, opt: &str) -> bool {
        self.opts.contains_key(opt)
    }
    pub(crate) fn opt(&self, opt: &str) -> Option<&str> {
        self.opts.get(opt).and_then(|v| v.as_deref())
    }
}

/// What a command produced.
#[derive(Debug, Default)]
pub(crate) struct CmdOut {
    pub(crate) text: String,
    pub(crate) table: Option<OutTable>,
    /// Exit code override (`br-exists`).
    pub(crate) code: Option<i32>,
    /// A warning printed on stderr (the command still succeeds).
    pub(crate) warning: Option<String>,
    /// Lines the reference logs while running the command (`MODULE|LEVEL|TEXT`), printed on
    /// stderr as OVS vlog prints them (see [`error::Vlog`]).
    pub(crate) log: Vec<String>,
}

/// The state commands run against.
pub(crate) struct Ctx {
    pub(crate) tool: Tool,
    pub(crate) db: Db,
    pub(crate) syms: Symbols,
    pub(crate) globals: Globals,
    /// Set by commands that require `nb_cfg` to be bumped (`sync`).
    pub(crate) force_wait: bool,
    /// Per logical switch: the ports holding each IP address (ovn-nbctl's duplicate-address
    /// check), built on first use and kept up to date by the nbctl commands.
    pub(crate) ip_index: nb::IpIndex,
    /// Whether name lookups the server's unique indexes make redundant are done anyway (set
    /// when an optimistic attempt failed on such an index).
    pub(crate) careful: bool,
    /// Whether the invocation is one command (no `--` chain).
    pub(crate) single: bool,
    /// Whether the command running is the invocation's last (db-ctl-base's `last_command`:
    /// the installed OVS 3.1.0 library writes that command's `add` and `set COLUMN:KEY=VALUE`
    /// as partial updates, without checking the column's size first).
    pub(crate) last: bool,
}

const GLOBAL_WITH_ARG: &[&str] = &[
    "db",
    "timeout",
    "format",
    "data",
    "wait",
    "max-column-width",
    "private-key",
    "certificate",
    "ca-cert",
    "bootstrap-ca-cert",
    "ssl-protocols",
    "ssl-ciphers",
    "verbose",
    "log-file",
    "pidfile",
    "unixctl",
];

const GLOBAL_FLAGS: &[&str] = &[
    "no-wait",
    "dry-run",
    "oneline",
    "bare",
    "no-headings",
    "pretty",
    "no-leader-only",
    "leader-only",
    "no-shuffle-remotes",
    "shuffle-remotes",
    "retry",
    "no-syslog",
    "print-wait-time",
    "no-leader",
    "help",
    "version",
    "detach",
    "no-chdir",
    "overwrite-pidfile",
];

fn parse_global(tool: Tool, g: &mut Globals, name: &str, value: Option<String>) -> Result<(), CtlError> {
    let need = |v: Option<String>| {
        v.ok_or_else(|| CtlError::Usage(format!("option '--{name}' requires an argument")))
    };
    match name {
        "db" => g.db = Some(need(value)?),
        "timeout" | "t" => {
            let v = need(value)?;
            // The reference tools refuse 0 too.
            g.timeout = Some(
                v.parse()
                    .ok()
                    .filter(|t| *t != 0)
                    .ok_or_else(|| CtlError::Usage(format!("value {v} on -t or --timeout is invalid")))?,
            );
        }
        "format" | "f" => {
            let v = need(value)?;
            g.style.format = match v.as_str() {
                "table" => Format::Table,
                "list" => Format::List,
                "csv" => Format::Csv,
                "json" => Format::Json,
                "html" => Format::Html,
                _ => return Err(CtlError::Usage(format!("unknown output format \"{v}\""))),
            };
        }
        "data" | "d" => {
            let v = need(value)?;
            g.data_set = true;
            g.style.data = match v.as_str() {
                "string" => CellData::String,
                "bare" => CellData::Bare,
                "json" => CellData::Json,
                _ => return Err(CtlError::Usage(format!("unknown data format \"{v}\""))),
            };
        }
        "bare" => {
            g.style.format = Format::List;
            g.style.data = CellData::Bare;
            g.data_set = true;
            g.style.headings = false;
        }
        "no-headings" => g.style.headings = false,
        "pretty" => g.style.pretty = true,
        "no-wait" | "wait" if tool == Tool::Sbctl => {
            return Err(CtlError::Usage(format!("--{name} not supported")));
        }
        "no-wait" => {
            g.no_wait = true;
            g.wait = Wait::None;
        }
        "wait" if tool == Tool::Nbctl => {
            let v = need(value)?;
            g.wait = match v.as_str() {
                "none" => Wait::None,
                "sb" => Wait::Sb,
                "hv" => Wait::Hv,
                _ => {
                    return Err(CtlError::Usage(
                        "argument to --wait must be \"none\", \"sb\", or \"hv\"".into(),
                    ));
                }
            };
        }
        "dry-run" => g.dry_run = true,
        "oneline" => g.oneline = true,
        "private-key" | "p" => g.private_key = Some(need(value)?),
        "certificate" | "c" => g.certificate = Some(need(value)?),
        "ca-cert" | "C" => g.ca_cert = Some(need(value)?),
        "bootstrap-ca-cert" => g.bootstrap_ca_cert = Some(need(value)?),
        "no-leader-only" => g.leader_only = false,
        "leader-only" => g.leader_only = true,
        "version" => g.version = true,
        "help" => g.help = true,
        "detach" => g.detach = true,
        "pidfile" => g.pidfile = Some(value),
        "unixctl" => g.unixctl = Some(need(value)?),
        "retry" => g.retry = true,
        "verbose" | "v" => g.vlog.apply(value.as_deref().unwrap_or_default()),
        "no-shuffle-remotes" => g.shuffle = false,
        "shuffle-remotes" => g.shuffle = true,
        _ => {}
    }
    Ok(())
}

fn short_name(c: char) -> Option<(&'static str, bool)> {
    Some(match c {
        't' => ("timeout", true),
        'f' => ("format", true),
        'd' => ("data", true),
        'p' => ("private-key", true),
        'c' => ("certificate", true),
        'C' => ("ca-cert", true),
        'v' => ("verbose", false),
        'h' => ("help", false),
        'V' => ("version", false),
        _ => return None,
    })
}

/// What a long option is, for getopt_long-style parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LongKind {
    /// A global option that requires a value (`--db`).
    GlobalArg,
    /// A global option whose value is optional (`--pidfile[=FILE]`).
    GlobalOptArg,
    /// A global option without a value (`--dry-run`).
    GlobalFlag,
    /// A command option that requires a value (`--type=`).
    CmdValue,
    /// A command option whose value is optional (`--bfd?`): only as `--opt=VALUE`.
    CmdOptValue,
    /// A command option without a value (`--may-exist`).
    CmdFlag,
}

/// Every long option the tool accepts before its first command: the global ones, then the
/// options of its commands (from the command table), as ovn-nbctl and ovs-vsctl hand them all
/// to getopt_long.
fn long_options(tool: Tool) -> Vec<(&'static str, LongKind)> {
    let mut v: Vec<(&'static str, LongKind)> = Vec::new();
    for n in GLOBAL_WITH_ARG {
        // ovs-vsctl has no `--wait` (ovn-sbctl has one only to refuse it).
        if tool == Tool::Vsctl && *n == "wait" {
            continue;
        }
        let kind = if matches!(*n, "verbose" | "pidfile" | "log-file") {
            LongKind::GlobalOptArg
        } else {
            LongKind::GlobalArg
        };
        v.push((n, kind));
    }
    v.extend(
        GLOBAL_FLAGS
            .iter()
            // ovs-vsctl's: ovn-nbctl and ovn-sbctl (ovn-dbctl) have no `--retry`.
            .filter(|n| tool == Tool::Vsctl || **n != "retry")
            .map(|n| (*n, LongKind::GlobalFlag)),
    );
    if tool == Tool::Nbctl {
        // ovn-nbctl's other global options (daemon, logging, listing): known to getopt, so they
        // make prefixes ambiguous.
        for n in ["user", "syslog-method", "syslog-target"] {
            v.push((n, LongKind::GlobalArg));
        }
        for n in ["commands", "options", "monitor"] {
            v.push((n, LongKind::GlobalFlag));
        }
    }
    for c in cmd::commands(tool) {
        for o in c.options.iter().filter(|o| **o != "--*") {
            let o = o.strip_prefix("--").unwrap_or(o);
            let (name, kind) = if let Some(n) = o.strip_suffix('=') {
                (n, LongKind::CmdValue)
            } else if let Some(n) = o.strip_suffix('?') {
                (n, LongKind::CmdOptValue)
            } else {
                (o, LongKind::CmdFlag)
            };
            if !v.iter().any(|(x, _)| *x == name) {
                v.push((name, kind));
            }
        }
    }
    v
}

/// Resolves a long option as getopt_long does: its exact name, else the one option it is a
/// prefix of (several command options of the same kind count as one, the first); `None` when
/// unknown or ambiguous (both reported as "unrecognized option").
fn resolve_long(tool: Tool, typed: &str) -> Option<(&'static str, LongKind)> {
    let all = long_options(tool);
    if let Some(hit) = all.iter().find(|(n, _)| *n == typed) {
        return Some(*hit);
    }
    if typed.is_empty() {
        return None;
    }
    let candidates: Vec<(&'static str, LongKind)> =
        all.into_iter().filter(|(n, _)| n.starts_with(typed)).collect();
    let first = *candidates.first()?;
    let same = candidates.iter().all(|(_, k)| {
        *k == first.1 && matches!(k, LongKind::CmdValue | LongKind::CmdOptValue | LongKind::CmdFlag)
    });
    (candidates.len() == 1 || same).then_some(first)
}

/// Splits the command line into global options and commands.
pub(crate) fn parse_args(tool: Tool, args: &[String]) -> Result<(Globals, Vec<Command>), CtlError> {
    let mut g = Globals {
        db: None,
        timeout: None,
        wait: Wait::None,
        no_wait: false,
        dry_run: false,
        oneline: false,
        style: Style {
            format: Format::List,
            data: CellData::String,
            headings: true,
            pretty: false,
        },
        data_set: false,
        private_key: None,
        certificate: None,
        ca_cert: None,
        bootstrap_ca_cert: None,
        ovs_rundir: OVS_RUNDIR.into(),
        leader_only: true,
        shuffle: true,
        version: false,
        help: false,
        detach: false,
        pidfile: None,
        unixctl: None,
        retry: false,
        vlog: error::Vlog::new(tool.program()),
        pre_log: Vec::new(),
    };
    let mut i = 0;
    let mut first = Command::default();
    // Global options (and per-command options for the first command).
    while i < args.len() {
        let a = &args[i];
        if a == "--" {
            i += 1;
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            let (typed, val) = match long.split_once('=') {
                Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
                None => (long.to_owned(), None),
            };
            // getopt_long: the exact name, else a unique prefix of one.
            let Some((name, kind)) = resolve_long(tool, &typed) else {
                return Err(CtlError::Usage(format!("unrecognized option '{a}'")));
            };
            let name = name.to_owned();
            match kind {
                LongKind::GlobalArg | LongKind::GlobalOptArg => {
                    let val = match val {
                        Some(v) => Some(v),
                        // Options whose argument is optional (`--pidfile`, `--log-file`, `-v`).
                        None if kind == LongKind::GlobalOptArg => None,
                        None => {
                            i += 1;
                            Some(args.get(i).cloned().ok_or_else(|| {
                                CtlError::Usage(format!("option '{a}' requires an argument"))
                            })?)
                        }
                    };
                    parse_global(tool, &mut g, &name, val)?;
                }
                LongKind::GlobalFlag => {
                    if val.is_some() {
                        return Err(CtlError::Usage(format!("option '{a}' doesn't allow an argument")));
                    }
                    parse_global(tool, &mut g, &name, None)?;
                }
                LongKind::CmdValue | LongKind::CmdOptValue | LongKind::CmdFlag => {
                    // A command option among the global ones takes its value from the next
                    // argument when it needs one, as getopt_long does.
                    let val = match val {
                        None if kind == LongKind::CmdValue => {
                            i += 1;
                            Some(args.get(i).cloned().ok_or_else(|| {
                                CtlError::Usage(format!("option '{a}' requires an argument"))
                            })?)
                        }
                        Some(_) if kind == LongKind::CmdFlag => {
                            return Err(CtlError::Usage(format!("option '{a}' doesn't allow an argument")));
                        }
                        v => v,
                    };
                    if first.opts.contains_key(&name) {
                        return Err(CtlError::Usage(format!(
                            "'--{name}' option specified multiple times"
                        )));
                    }
                    first.opts.insert(name, val);
                }
            }
            i += 1;
        } else if a.len() > 1 && a.starts_with('-') {
            let mut chars = a[1..].chars();
            let c = chars.next().unwrap_or('-');
            let Some((name, takes)) = short_name(c) else {
                return Err(CtlError::Usage(format!("unrecognized option '{c}'")));
            };
            let rest: String = chars.collect();
            let val = if takes {
                if rest.is_empty() {
                    i += 1;
                    Some(
                        args.get(i)
                            .cloned()
                            .ok_or_else(|| CtlError::Usage(format!("option '-{c}' requires an argument")))?,
                    )
                } else {
                    Some(rest)
                }
            } else if name == "verbose" {
                // `-v[SPEC]`: an optional argument, attached.
                Some(rest)
            } else {
                None
            };
            parse_global(tool, &mut g, name, val)?;
            i += 1;
        } else {
            break;
        }
    }
    if g.style.format == Format::Json {
        // ovs's JSON table format always writes cells as JSON.
        g.style.data = CellData::Json;
    }
    // Commands.
    let mut cmds = Vec::new();
    let mut cur = first;
    let mut in_opts = true;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "--" {
            if !cur.name.is_empty() {
                cmds.push(std::mem::take(&mut cur));
            } else if !cur.opts.is_empty() {
                return Err(CtlError::Usage(
                    "missing command name (use --help for help)".into(),
                ));
            }
            in_opts = true;
            continue;
        }
        if in_opts && cur.name.is_empty() && a.starts_with("--") && a.len() > 2 {
            let long = &a[2..];
            let (name, val) = match long.split_once('=') {
                Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
                None => (long.to_owned(), None),
            };
            if cur.opts.contains_key(&name) {
                return Err(CtlError::Usage(format!(
                    "'--{name}' option specified multiple times"
                )));
            }
            cur.opts.insert(name, val);
            continue;
        }
        in_opts = false;
        if cur.name.is_empty() {
            cur.name = a.clone();
        } else {
            cur.args.push(a.clone());
        }
    }
    if !cur.name.is_empty() {
        cmds.push(cur);
    } else if !cur.opts.is_empty() {
        return Err(CtlError::Usage(
            "missing command name (use --help for help)".into(),
        ));
    }
    if cmds.is_empty() && !g.version && !g.detach && !g.help {
        return Err(CtlError::Usage(
            "missing command name (use --help for help)".into(),
        ));
    }
    Ok((g, cmds))
}

/// The TLS settings of `-p`, `-c`, `-C`.
pub(crate) fn tls_config(g: &Globals) -> Option<TlsConfig> {
    // Like the reference tools, check the chain only: ovs-pki certificates name no address.
    let mut tls = match (&g.bootstrap_ca_cert, &g.ca_cert) {
        (Some(b), _) => TlsConfig::bootstrap(b),
        (None, Some(ca)) => TlsConfig::new(ca),
        (None, None) => return None,
    }
    .chain_only();
    if let (Some(k), Some(c)) = (&g.private_key, &g.certificate) {
        tls = tls.client_cert(k, c);
    }
    Some(tls)
}

/// The connection of an invocation: `--db`, the tool's variable, or the default socket.
fn link_config(tool: Tool, g: &Globals, env: &BTreeMap<String, String>) -> LinkConfig {
    LinkConfig {
        remote: g.db.clone().unwrap_or_else(|| tool.default_db(env)),
        database: tool.db_name(),
        leader_only: g.leader_only,
        shuffle: g.shuffle,
        tls: tls_config(g),
        timeout: g.timeout.filter(|t| *t > 0).map(Duration::from_secs),
        retry: g.retry,
        local: None,
    }
}

async fn run_commands(
    tool: Tool,
    g: Globals,
    cmds: Vec<Command>,
    cfg: LinkConfig,
    local: Option<Rc<dyn LocalRows>>,
) -> Result<(Vec<CmdOut>, i32), CtlError> {
    for c in &cmds {
        match cmd::find(tool, &c.name) {
            Some(syntax) => syntax.check(c)?,
            None => {
                return Err(CtlError::Usage(format!(
                    "unknown command '{}'; use --help for help",
                    c.name
                )));
            }
        }
    }
    let mut link = match &cfg.local {
        Some(rpc) => Link::Local(rpc.clone()),
        None => match Link::open_direct(&cfg).await? {
            Some(l) => l,
            None => {
                if g.retry {
                    // With --retry only --timeout ends the wait for a server (SIGALRM in
                    // ovs-vsctl).
                    let mut patient = cfg.clone();
                    patient.timeout = None;
                    Link::client(&patient).await?
                } else {
                    Link::client(&cfg).await?
                }
            }
        },
    };
    let mut attempt = 0;
    // A dry run never commits, so the server's unique indexes cannot stand in for lookups.
    let mut careful = g.dry_run;
    let (outs, code, mapping) = loop {
        attempt += 1;
        match attempt_once(tool, &g, &cmds, &mut link, careful, &local).await {
            Err(CtlError::TryAgain) if attempt < MAX_ATTEMPTS => continue,
            Err(CtlError::Transaction(e)) if !careful && e.contains("constraint violation") => {
                careful = true;
                continue;
            }
            Err(CtlError::Careful) if !careful => {
                careful = true;
                continue;
            }
            // The direct link's server did not qualify: start over on the client, which waits
            // for one that does (or says why none does).
            Err(CtlError::Requalify) => {
                link = Link::client(&cfg).await?;
                continue;
            }
            // Nor is an error read from one reported.
            Err(_) if !link.verify().await => {
                link = Link::client(&cfg).await?;
                continue;
            }
            other => break other?,
        }
    };
    let mut outs = outs;
    link.shutdown();
    if !mapping.is_empty() {
        for (o, c) in outs.iter_mut().zip(&cmds) {
            // ovs-vsctl and ovn-sbctl turn only `create`'s output into the committed row's
            // UUID; what the other commands printed keeps the rows' provisional UUIDs.
            let keep = tool != Tool::Nbctl && c.name != "create";
            if !o.text.is_empty() && !keep {
                o.text = replace_uuids(&o.text, &mapping);
            }
        }
    }
    Ok((outs, code))
}

/// `text` with every UUID that is a key of `mapping` replaced by its value (one pass).
fn replace_uuids(text: &str, mapping: &BTreeMap<Uuid, Uuid>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while rest.len() >= 36 {
        let candidate = rest
            .get(..36)
            .and_then(|c| Uuid::parse_str(c).ok().map(|u| (c, u)));
        match candidate.filter(|(c, _)| c.as_bytes().get(8) == Some(&b'-')) {
            Some((_, u)) => {
                match mapping.get(&u) {
                    Some(real) => out.push_str(&real.to_string()),
                    None => out.push_str(&rest[..36]),
                }
                rest = &rest[36..];
            }
            None => {
                let c = rest.chars().next().unwrap_or(' ');
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// How many times an invocation runs when what it read keeps changing.
const MAX_ATTEMPTS: usize = 20;

/// Runs the commands once against fresh reads and commits; [`CtlError::TryAgain`] when a read
/// changed before the commit.
async fn attempt_once(
    tool: Tool,
    g: &Globals,
    cmds: &[Command],
    link: &mut Link,
    careful: bool,
    local: &Option<Rc<dyn LocalRows>>,
) -> Result<(Vec<CmdOut>, i32, BTreeMap<Uuid, Uuid>), CtlError> {
    let mut db = Db::new(tool.schema(), Some(link.rpc().await?));
    db.local = local.clone();
    db.tls = tls_config(g);
    if let Some(t) = g.timeout.filter(|t| *t > 0) {
        db.timeout = Duration::from_secs(t);
    }
    let mut ctx = Ctx {
        tool,
        db,
        syms: Symbols::default(),
        globals: g.clone(),
        force_wait: false,
        ip_index: nb::IpIndex::default(),
        careful,
        single: cmds.len() == 1,
        last: false,
    };
    if tool == Tool::Nbctl {
        nb::prefetch(&mut ctx, cmds).await?;
    }
    if tool == Tool::Vsctl {
        vs::prefetch(&mut ctx).await?;
    }
    if tool == Tool::Sbctl {
        sb::pre_execute(&mut ctx, cmds).await?;
    }
    // ovn-nbctl inserts a missing NB_Global row before its commands run (they see it): done
    // when running carefully; otherwise the row is taken to exist, and a failure or a missing
    // row found later runs the invocation again carefully.
    if tool == Tool::Nbctl && careful {
        nb::insert_nb_global_first(&mut ctx).await?;
    }
    for c in cmds {
        generic::pre_check(&ctx, c)?;
    }
    let mut outs = Vec::new();
    for (i, c) in cmds.iter().enumerate() {
        ctx.last = i + 1 == cmds.len();
        match dispatch(&mut ctx, c).await {
            Ok(out) => outs.push(out),
            Err(e) => {
                let retryable = matches!(e, CtlError::TryAgain | CtlError::Careful | CtlError::Requalify);
                if tool == Tool::Nbctl && !careful && !retryable && nb::nb_global_missing(&mut ctx).await? {
                    return Err(CtlError::Careful);
                }
                return Err(e);
            }
        }
    }
    for (name, s) in &ctx.syms.map {
        if !s.created {
            return Err(CtlError::Value(format!(
                "row id \"{name}\" is referenced but never created (e.g. with \"-- --id={name} create ...\")"
            )));
        }
    }
    let unreferenced = generic::symbol_warnings(&ctx);
    if let Some(last) = outs.last_mut() {
        last.log.extend(unreferenced);
    }
    if tool == Tool::Nbctl && !ctx.globals.dry_run {
        nb::ensure_nb_global(&mut ctx).await?;
    }
    let code = outs.iter().filter_map(|o| o.code).max().unwrap_or(0);
    let wait_nb =
        tool == Tool::Nbctl && ctx.globals.wait != Wait::None && (ctx.db.has_changes() || ctx.force_wait);
    if wait_nb {
        nb::prepare_wait(&mut ctx).await?;
    }
    let vs_wait = tool == Tool::Vsctl && !ctx.globals.no_wait && ctx.db.has_changes();
    if vs_wait {
        vs::prepare_wait(&mut ctx).await?;
    }
    // Nothing is committed or reported from a server that does not qualify.
    if !link.verify().await {
        return Err(CtlError::Requalify);
    }
    let mut mapping: BTreeMap<Uuid, Uuid> = BTreeMap::new();
    if ctx.db.has_changes() && !ctx.globals.dry_run {
        let (results, map) = ctx.db.commit(None).await?;
        mapping = map;
        if wait_nb {
            nb::finish_wait(&mut ctx, &results).await?;
        }
        if vs_wait {
            let problems = vs::finish_wait(&mut ctx, &results, &mapping).await?;
            if !problems.is_empty()
                && let Some(last) = outs.last_mut()
            {
                let prog = tool.program();
                let mut w: Vec<String> = last.warning.take().into_iter().collect();
                w.extend(problems);
                last.warning = Some(w.join(&format!("\n{prog}: ")));
            }
        }
    }
    Ok((outs, code, mapping))
}

async fn dispatch(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let Some(syntax) = cmd::find(ctx.tool, &cmd.name) else {
        return Err(CtlError::Usage(format!(
            "unknown command '{}'; use --help for help",
            cmd.name
        )));
    };
    if generic::is_generic(&cmd.name) {
        // The generic commands may change ports' addresses behind the index's back.
        ctx.ip_index.clear();
    }
    (syntax.run)(ctx, cmd).await
}

fn oneline(s: &str) -> String {
    let body = s.strip_suffix('\n').unwrap_or(s);
    let mut o = body.replace('\\', "\\\\").replace('\n', "\\n");
    o.push('\n');
    o
}

/// Splits `s` into words as Open vSwitch's `svec_parse_words` does: white space separates
/// words; single or double quotes group, a backslash takes the next character as is.
fn parse_words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            return words;
        }
        let mut word = String::new();
        let mut quote: Option<char> = None;
        while let Some(&c) = chars.peek() {
            if quote.is_none() && c.is_whitespace() {
                break;
            }
            chars.next();
            match (quote, c) {
                (_, '\\') => {
                    if let Some(n) = chars.next() {
                        word.push(n);
                    }
                }
                (Some(q), c) if c == q => quote = None,
                (None, '"' | '\'') => quote = Some(c),
                (_, c) => word.push(c),
            }
        }
        words.push(word);
    }
}

/// Runs one invocation in-process: `args` without the program name, `env` the environment
/// variables it may read (`OVN_NB_DB`, `OVN_SB_DB`, `OVN_RUNDIR`, `OVS_RUNDIR`, and
/// `OVN_NB_DAEMON` / `OVN_SB_DAEMON`, which send the command line to a daemon of daemon mode).
pub fn run(tool: Tool, args: &[String], env: &BTreeMap<String, String>) -> CtlOutput {
    let prog = tool.program();
    let fail = |e: CtlError| failure(tool, e);
    // Options from the tool's variable come first, as if typed before the others.
    let var = match tool {
        Tool::Nbctl => "OVN_NBCTL_OPTIONS",
        Tool::Sbctl => "OVN_SBCTL_OPTIONS",
        Tool::Vsctl => "OVS_VSCTL_OPTIONS",
    };
    let with_env: Vec<String>;
    let args = match env.get(var) {
        Some(words) => {
            with_env = parse_words(words)
                .into_iter()
                .chain(args.iter().cloned())
                .collect();
            &with_env[..]
        }
        None => args,
    };
    let (mut g, cmds) = match parse_args(tool, args) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    g.ovs_rundir = ovs_rundir(env);
    if g.help {
        return CtlOutput {
            stdout: cmd::help(tool),
            stderr: String::new(),
            code: 0,
        };
    }
    if g.version {
        // Like the reference tools: the program, then the schema version it was built for.
        let schema = tool.schema_version();
        return CtlOutput {
            stdout: format!(
                "{prog} (ovsdb-ctl) {}\nDB Schema {schema}\n",
                env!("CARGO_PKG_VERSION")
            ),
            stderr: String::new(),
            code: 0,
        };
    }
    if g.detach {
        if daemon::is_child(env) {
            let code = daemon::serve(tool, &g, link_config(tool, &g, env), env);
            return CtlOutput {
                stdout: String::new(),
                stderr: String::new(),
                code,
            };
        }
        return daemon::detach(tool, &g, args);
    }
    // Daemon mode's client: the daemon runs the command line, unless `--db` names a
    // database, which the reference's client takes as a reason to run directly.
    if let Some(socket) = daemon::socket_of(tool, env) {
        if g.db.is_none() || tool == Tool::Vsctl {
            return daemon::run_remote(tool, socket, g.timeout.filter(|t| *t > 0), args);
        }
        g.pre_log.push(format!(
            "ovn_dbctl|WARN|not using {prog} daemon because of db option"
        ));
    }
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(CtlError::Connection(e.to_string())),
    };
    let cfg = link_config(tool, &g, env);
    rt.block_on(run_parsed(tool, g, cmds, cfg, None))
}

/// Runs a command line in the daemon of daemon mode: its requests go to the daemon through
/// `rpc` (in-process), and `local` answers the biggest reads straight from the replica.
pub(crate) async fn run_in_daemon(
    tool: Tool,
    args: &[String],
    rpc: link::Rpc,
    local: Rc<dyn LocalRows>,
    ovs_rundir: &str,
) -> CtlOutput {
    let (mut g, cmds) = match parse_args(tool, args) {
        Ok(x) => x,
        Err(e) => return failure(tool, e),
    };
    g.ovs_rundir = ovs_rundir.to_owned();
    // The daemon logs; its client shows only the command's output and error.
    g.vlog.quiet = true;
    if g.version || g.detach {
        return failure(
            tool,
            CtlError::Usage("--version and --detach are not run by the daemon".into()),
        );
    }
    let mut cfg = link_config(tool, &g, &BTreeMap::new());
    cfg.tls = None;
    cfg.local = Some(rpc);
    run_parsed(tool, g, cmds, cfg, Some(local)).await
}

fn failure(tool: Tool, e: CtlError) -> CtlOutput {
    failure_logged(tool, e, &mut error::Vlog::new(tool.program()))
}

/// [`failure`], the vlog lines on the way to `e` shown as `vlog` says.
fn failure_logged(tool: Tool, e: CtlError, vlog: &mut error::Vlog) -> CtlOutput {
    if let CtlError::Exit(code) = e {
        return CtlOutput {
            stdout: String::new(),
            stderr: String::new(),
            code,
        };
    }
    if matches!(e, CtlError::Timeout) && matches!(tool, Tool::Vsctl | Tool::Nbctl) {
        // ovs-vsctl and ovn-nbctl die of SIGALRM after their fatal-signal handler logged this
        // (the vsctl-rs and nbctl-rs binaries raise it).
        return CtlOutput {
            stdout: String::new(),
            // Shown even from the daemon of daemon mode: the process that dies of the signal (its
            // client, which raises it on this answer) logs it.
            stderr: {
                let mut shown = vlog.clone();
                shown.quiet = false;
                shown.render(&["fatal_signal|WARN|terminating with signal 14 (Alarm clock)".to_owned()])
            },
            code: 142,
        };
    }
    CtlOutput {
        stdout: String::new(),
        stderr: format!("{}{}: {e}\n", vlog.render(&e.log_lines()), tool.program()),
        code: if matches!(e, CtlError::Timeout) { 142 } else { 1 },
    }
}

/// Runs parsed commands on `cfg`'s database (within `--timeout`) and renders their output.
async fn run_parsed(
    tool: Tool,
    g: Globals,
    cmds: Vec<Command>,
    cfg: LinkConfig,
    local: Option<Rc<dyn LocalRows>>,
) -> CtlOutput {
    let prog = tool.program();
    let timeout = g.timeout.filter(|t| *t > 0);
    let style = g.style;
    let one = g.oneline;
    let mut vlog = g.vlog.clone();
    // Lines logged before the command line runs (a daemon client given `--db`) come first.
    let pre = vlog.render(&g.pre_log);
    // The reference logs "Called as ..." (not shown) next when the command line may write.
    if cmds
        .iter()
        .any(|c| cmd::find(tool, &c.name).is_some_and(|s| s.mode == cmd::Mode::ReadWrite))
    {
        vlog.skip(1);
    }
    let early = pre + &vlog.render(&generic::pre_warnings(tool, &cmds));
    let result = {
        let fut = run_commands(tool, g, cmds, cfg, local);
        match timeout {
            Some(t) => tokio::time::timeout(Duration::from_secs(t), fut)
                .await
                .unwrap_or(Err(CtlError::Timeout)),
            None => fut.await,
        }
    };
    let early = early + &vlog.render(&link::take_connect_log());
    match result {
        Ok((outs, code)) => {
            let mut stdout = String::new();
            let mut stderr = early;
            let log: Vec<String> = outs.iter().flat_map(|o| o.log.iter().cloned()).collect();
            stderr.push_str(&vlog.render(&log));
            for o in outs {
                if let Some(w) = &o.warning {
                    stderr.push_str(&format!("{prog}: {w}\n"));
                }
                if let Some(t) = &o.table {
                    stdout.push_str(&t.render(&style));
                } else if one {
                    stdout.push_str(&oneline(&o.text));
                } else {
                    stdout.push_str(&o.text);
                }
            }
            CtlOutput { stdout, stderr, code }
        }
        Err(e) => {
            let mut f = failure_logged(tool, e, &mut vlog);
            f.stderr.insert_str(0, &early);
            f
        }
    }
}

/// Entry point of the binaries: runs with the process's arguments and environment, prints,
/// and returns the exit code.
pub fn main_with(tool: Tool) -> i32 {
    let mut argv = std::env::args();
    if let Some(name) = argv
        .next()
        .as_deref()
        .and_then(|a| std::path::Path::new(a).file_name())
        .and_then(|n| n.to_str())
        .filter(|n| !n.is_empty())
    {
        let _ = INVOKED_AS.set(name.to_owned());
    }
    let args: Vec<String> = argv.collect();
    let env: BTreeMap<String, String> = std::env::vars().collect();
    let out = run(tool, &args, &env);
    emit(
        tool,
        &out,
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    )
}

/// Exit status after a closed standard output: what the shell reports for a process ended by
/// SIGPIPE (128 + 13), as the C tools are.
pub const EXIT_STDOUT_CLOSED: i32 = 141;

/// Writes an invocation's output, standard error first (the reference tools log their
/// warnings while they run and print the output at the end); returns the exit status: the
/// command's, or [`EXIT_STDOUT_CLOSED`] when `stdout` was closed by its reader (`nbctl-rs show |
/// head -1`): no panic, no message.
pub fn emit(
    tool: Tool,
    out: &CtlOutput,
    stdout: &mut impl std::io::Write,
    stderr: &mut impl std::io::Write,
) -> i32 {
    // Errors writing stderr have nowhere to be reported.
    let _ = stderr
        .write_all(out.stderr.as_bytes())
        .and_then(|()| stderr.flush());
    match stdout
        .write_all(out.stdout.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => out.code,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_STDOUT_CLOSED,
        Err(e) => {
            let _ = writeln!(stderr, "{}: standard output: {e}", tool.program());
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Tool;

    #[test]
    fn closed_stdout_exits_quietly() {
        // A real stream whose reader is gone: the write fails with EPIPE (Rust ignores
        // SIGPIPE), as on a pipe closed by `head`.
        for tool in [Tool::Nbctl, Tool::Sbctl, Tool::Vsctl] {
            let (writer, reader) = std::os::unix::net::UnixStream::pair().expect("socketpair");
            drop(reader);
            let out = super::run(tool, &["--version".to_string()], &Default::default());
            assert!(!out.stdout.is_empty());
            let mut err = Vec::new();
            let mut w = writer;
            assert_eq!(
                super::emit(tool, &out, &mut w, &mut err),
                super::EXIT_STDOUT_CLOSED
            );
            assert!(err.is_empty(), "{}", String::from_utf8_lossy(&err));
            // An open one gets the output and the command's status.
            let mut sink = Vec::new();
            assert_eq!(super::emit(tool, &out, &mut sink, &mut err), out.code);
            assert_eq!(sink, out.stdout.as_bytes());
        }
    }

    #[test]
    fn verbose_settings_filter_logged_lines_as_vlog() {
        let log = || {
            vec![
                "socket_util|ERR|bad port".to_owned(),
                "reconnect|INFO|connecting".to_owned(),
            ]
        };
        // The lines `Vlog` shows (their `MODULE|LEVEL|TEXT` part) after applying `specs`.
        let keep = |specs: &[&str]| {
            let mut v = crate::error::Vlog::new("nbctl-rs");
            for spec in specs {
                v.apply(spec);
            }
            v.render(&log())
                .lines()
                .map(|l| l.splitn(3, '|').nth(2).unwrap_or_default().to_owned())
                .collect::<Vec<String>>()
        };
        // Default console level: warn.
        assert_eq!(keep(&["reconnect:err"]), ["socket_util|ERR|bad port"]);
        assert!(keep(&["socket_util:off"]).is_empty());
        assert!(keep(&["off"]).is_empty());
        assert!(keep(&["console:off"]).is_empty());
        assert_eq!(keep(&["socket_util:file:off"]), ["socket_util|ERR|bad port"]);
        assert_eq!(keep(&["socket_util:emer"]), Vec::<String>::new());
        assert_eq!(keep(&["", "socket_util:off"]), ["reconnect|INFO|connecting"]);
        assert_eq!(keep(&["any:console:dbg"]), log());
    }

    #[test]
    fn option_words_split_as_svec_parse_words() {
        let w = super::parse_words("  --db=unix:/a  '--columns=name, x' \"q\\\"z\" a\\ b ");
        assert_eq!(w, ["--db=unix:/a", "--columns=name, x", "q\"z", "a b"]);
        assert!(super::parse_words("   ").is_empty());
    }

    #[test]
    fn long_options_resolve_as_getopt_long() {
        use super::{LongKind, resolve_long};
        assert_eq!(
            resolve_long(Tool::Nbctl, "colu"),
            Some(("columns", LongKind::CmdValue))
        );
        assert_eq!(resolve_long(Tool::Nbctl, "db"), Some(("db", LongKind::GlobalArg)));
        assert_eq!(
            resolve_long(Tool::Nbctl, "dry"),
            Some(("dry-run", LongKind::GlobalFlag))
        );
        // Ambiguous (columns, commands) and unknown.
        assert_eq!(resolve_long(Tool::Nbctl, "co"), None);
        assert_eq!(resolve_long(Tool::Nbctl, "retry"), None);
        assert_eq!(
            resolve_long(Tool::Vsctl, "retry"),
            Some(("retry", LongKind::GlobalFlag))
        );
    }

    #[test]
    fn db_names_are_the_schemas_names() {
        for tool in [Tool::Nbctl, Tool::Sbctl, Tool::Vsctl] {
            assert_eq!(tool.db_name(), tool.full_schema().name);
            assert_eq!(Some(tool.schema_version()), tool.full_schema().version.as_deref());
        }
    }
}

#[cfg(test)]
mod version_tests {
    use std::collections::BTreeMap;

    use super::{Tool, run};

    #[test]
    fn version_prints_the_schema_version_without_connecting() {
        for (tool, schema) in [
            (Tool::Nbctl, "7.0.0"),
            (Tool::Sbctl, "20.27.0"),
            (Tool::Vsctl, "8.3.1"),
        ] {
            for flag in ["--version", "-V"] {
                let out = run(tool, &[flag.to_string()], &BTreeMap::new());
                assert_eq!(out.code, 0, "{tool:?} {flag}");
                assert!(out.stdout.starts_with(tool.program()), "{}", out.stdout);
                assert!(
                    out.stdout.ends_with(&format!("DB Schema {schema}\n")),
                    "{}",
                    out.stdout
                );
            }
        }
        let out = run(Tool::Nbctl, &[], &BTreeMap::new());
        assert_eq!(out.code, 1);
        assert!(out.stderr.contains("missing command name"), "{}", out.stderr);
    }
}
