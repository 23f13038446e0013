//! The connection and SSL commands of ovn-nbctl(8) and ovn-sbctl(8) ("Remote Connectivity
//! Commands", "SSL Configuration Commands"): the `Connection` rows of the global row's
//! `connections` and the `SSL` row of its `ssl`, the global row being `NB_Global` for
//! ovn-nbctl and `SB_Global` for ovn-sbctl. One family for both tools; what differs is the
//! global table and, for ovn-sbctl, the `read-only` / `read-write` / `role=` words of
//! `set-connection` and the access and role `get-connection` prints (the southbound
//! `Connection` table has those columns).

use ovsdb_proto::{Atom, Datum, Row, Uuid};

use crate::cmd::{MANY, Mode, Section, Syntax, run_fn};
use crate::error::CtlError;
use crate::value::{atoll, known_method};
use crate::{CmdOut, Command, Ctx, Tool};

/// The connection commands.
pub(crate) const CONNECTION: Section = Section {
    title: "Connection commands",
    commands: &[
        Syntax {
            name: "get-connection",
            min_args: 0,
            max_args: 0,
            arguments: "",
            options: &[],
            mode: Mode::ReadOnly,
            help: "print the connections",
            run: run_fn!(get_connection),
        },
        Syntax {
            name: "del-connection",
            min_args: 0,
            max_args: 0,
            arguments: "",
            options: &[],
            mode: Mode::ReadWrite,
            help: "remove every connection",
            run: run_fn!(del_connection),
        },
        Syntax {
            name: "set-connection",
            min_args: 1,
            max_args: MANY,
            arguments: "TARGET...",
            options: &["--inactivity-probe="],
            mode: Mode::ReadWrite,
            help: "set the connections to TARGET...",
            run: run_fn!(set_connection),
        },
    ],
};

/// The SSL commands.
pub(crate) const SSL: Section = Section {
    title: "SSL commands",
    commands: &[
        Syntax {
            name: "get-ssl",
            min_args: 0,
            max_args: 0,
            arguments: "",
            options: &[],
            mode: Mode::ReadOnly,
            help: "print the SSL configuration",
            run: run_fn!(get_ssl),
        },
        Syntax {
            name: "del-ssl",
            min_args: 0,
            max_args: 0,
            arguments: "",
            options: &[],
            mode: Mode::ReadWrite,
            help: "remove the SSL configuration",
            run: run_fn!(del_ssl),
        },
        Syntax {
            name: "set-ssl",
            min_args: 3,
            max_args: 5,
            arguments: "PRIVATE-KEY CERTIFICATE CA-CERT [SSL-PROTOS [SSL-CIPHERS]]",
            options: &["--bootstrap"],
            mode: Mode::ReadWrite,
            help: "replace the SSL configuration",
            run: run_fn!(set_ssl),
        },
    ],
};

/// The global table the connections and SSL row hang from.
fn global_table(tool: Tool) -> &'static str {
    match tool {
        Tool::Nbctl => "NB_Global",
        _ => "SB_Global",
    }
}

/// The global row: ovn-nbctl inserts a missing `NB_Global` row; ovn-sbctl's `SB_Global` is
/// read (and made) before its commands run.
async fn global_row(ctx: &mut Ctx) -> Result<Uuid, CtlError> {
    match ctx.tool {
        Tool::Nbctl => crate::nb::common::nb_global(ctx).await,
        _ => crate::sb::sb_global(ctx),
    }
}

/// The string value of a scalar string column of a row (empty when unset).
fn string_of(ctx: &Ctx, table: &str, u: Uuid, column: &str) -> String {
    ctx.db
        .value(table, u, column)
        .as_scalar()
        .and_then(Atom::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Whether a scalar boolean column of a row is true.
fn flag_of(ctx: &Ctx, table: &str, u: Uuid, column: &str) -> bool {
    ctx.db.value(table, u, column).as_scalar().and_then(Atom::as_bool) == Some(true)
}

fn text(v: &str) -> Datum {
    Datum::scalar(Atom::string(v))
}

/// `get-connection`: one line per `Connection` row, sorted, duplicates once: the target
/// (ovn-nbctl), or `read-only|read-write role="ROLE" TARGET` (ovn-sbctl).
async fn get_connection(ctx: &mut Ctx, _cmd: &Command) -> Result<CmdOut, CtlError> {
    ctx.db.load_all("Connection").await?;
    let mut lines: Vec<String> = ctx
        .db
        .uuids("Connection")
        .into_iter()
        .map(|u| {
            let target = string_of(ctx, "Connection", u, "target");
            if ctx.tool == Tool::Nbctl {
                return format!("{target}\n");
            }
            let access = if flag_of(ctx, "Connection", u, "read_only") {
                "read-only"
            } else {
                "read-write"
            };
            let role = string_of(ctx, "Connection", u, "role");
            format!("{access} role=\"{role}\" {target}\n")
        })
        .collect();
    lines.sort();
    lines.dedup();
    Ok(CmdOut {
        text: lines.concat(),
        ..CmdOut::default()
    })
}

/// Deletes every `Connection` row and empties the global row's `connections`.
async fn delete_connections(ctx: &mut Ctx) -> Result<Uuid, CtlError> {
    let global = global_row(ctx).await?;
    ctx.db.load_all("Connection").await?;
    for u in ctx.db.uuids("Connection") {
        ctx.db.delete("Connection", u);
    }
    let table = global_table(ctx.tool);
    if !ctx.db.value(table, global, "connections").is_empty() {
        ctx.db.update(table, global, "connections", Datum::empty_set());
    }
    Ok(global)
}

/// `del-connection`.
async fn del_connection(ctx: &mut Ctx, _cmd: &Command) -> Result<CmdOut, CtlError> {
    delete_connections(ctx).await?;
    Ok(CmdOut::default())
}

/// `[--inactivity-probe=MSECS] set-connection TARGET...`: replaces the `Connection` rows by
/// one per TARGET. For ovn-sbctl the words `read-only`, `read-write` and `role=ROLE` set the
/// access and role of the targets after them. A target of no known method is kept, with the
/// warning the reference logs (module `nbctl` / `sbctl`).
async fn set_connection(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let global = delete_connections(ctx).await?;
    let sb = ctx.tool == Tool::Sbctl;
    let probe = cmd.opt("inactivity-probe").map(atoll);
    let (mut read_only, mut role) = (false, String::new());
    let mut rows = Vec::new();
    let mut out = CmdOut::default();
    for t in &cmd.args {
        if sb {
            if t == "read-only" || t == "read-write" {
                read_only = t == "read-only";
                continue;
            }
            if let Some(r) = t.strip_prefix("role=") {
                role = r.to_owned();
                continue;
            }
        }
        if !known_method(t) {
            let module = if sb { "sbctl" } else { "nbctl" };
            out.log
                .push(format!("{module}|WARN|target type \"{t}\" is possibly erroneous"));
        }
        let mut row = Row::new().with("target", text(t));
        if sb {
            row.insert("read_only", Datum::scalar(read_only));
            row.insert("role", text(&role));
        }
        if let Some(p) = probe {
            row.insert("inactivity_probe", Datum::scalar(p));
        }
        rows.push(Atom::Uuid(ctx.db.insert("Connection", row, None)));
    }
    let table = global_table(ctx.tool);
    if !rows.is_empty() || !ctx.db.value(table, global, "connections").is_empty() {
        ctx.db.update(table, global, "connections", Datum::set(rows));
    }
    Ok(out)
}

/// The `SSL` row, if any (the first by UUID should the table hold several).
async fn ssl_row(ctx: &mut Ctx) -> Result<Option<Uuid>, CtlError> {
    ctx.db.load_all("SSL").await?;
    Ok(ctx.db.uuids("SSL").first().copied())
}

/// `get-ssl`: the key, certificate and CA certificate files and whether the CA certificate is
/// bootstrapped; nothing without an `SSL` row.
async fn get_ssl(ctx: &mut Ctx, _cmd: &Command) -> Result<CmdOut, CtlError> {
    let mut out = CmdOut::default();
    if let Some(u) = ssl_row(ctx).await? {
        out.text = ssl_report(ctx, u);
    }
    Ok(out)
}

/// The lines of `get-ssl` (all three tools) for the `SSL` row `u`, read already.
pub(crate) fn ssl_report(ctx: &Ctx, u: Uuid) -> String {
    format!(
        "Private key: {}\nCertificate: {}\nCA Certificate: {}\nBootstrap: {}\n",
        string_of(ctx, "SSL", u, "private_key"),
        string_of(ctx, "SSL", u, "certificate"),
        string_of(ctx, "SSL", u, "ca_cert"),
        flag_of(ctx, "SSL", u, "bootstrap_ca_cert"),
    )
}

/// The new `SSL` row of `[--bootstrap] set-ssl PRIVATE-KEY CERTIFICATE CA-CERT
/// [SSL-PROTOS [SSL-CIPHERS]]` (all three tools; ovs-vsctl takes the first three only).
pub(crate) fn ssl_settings(cmd: &Command) -> Row {
    let a = &cmd.args;
    let mut row = Row::new()
        .with("private_key", text(&a[0]))
        .with("certificate", text(&a[1]))
        .with("ca_cert", text(&a[2]))
        .with("bootstrap_ca_cert", Datum::scalar(cmd.has("bootstrap")));
    if let Some(p) = a.get(3) {
        row.insert("ssl_protocols", text(p));
    }
    if let Some(c) = a.get(4) {
        row.insert("ssl_ciphers", text(c));
    }
    row
}

/// `del-ssl`: deletes the `SSL` row and clears the global row's `ssl`.
async fn del_ssl(ctx: &mut Ctx, _cmd: &Command) -> Result<CmdOut, CtlError> {
    if let Some(u) = ssl_row(ctx).await? {
        let global = global_row(ctx).await?;
        ctx.db.delete("SSL", u);
        ctx.db
            .update(global_table(ctx.tool), global, "ssl", Datum::empty_set());
    }
    Ok(CmdOut::default())
}

/// `[--bootstrap] set-ssl PRIVATE-KEY CERTIFICATE CA-CERT [SSL-PROTOS [SSL-CIPHERS]]`:
/// replaces the `SSL` row and points the global row's `ssl` at the new one.
async fn set_ssl(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let global = global_row(ctx).await?;
    if let Some(u) = ssl_row(ctx).await? {
        ctx.db.delete("SSL", u);
    }
    let ssl = ctx.db.insert("SSL", ssl_settings(cmd), None);
    ctx.db
        .update(global_table(ctx.tool), global, "ssl", Datum::scalar(ssl));
    Ok(CmdOut::default())
}

#[cfg(test)]
mod tests {
    use super::{atoll, known_method};

    #[test]
    fn atoll_reads_like_c() {
        assert_eq!(atoll("12abc"), 12);
        assert_eq!(atoll("  -5"), -5);
        assert_eq!(atoll("abc"), 0);
        assert_eq!(atoll(""), 0);
        assert_eq!(atoll("99999999999999999999"), i64::MAX);
    }

    #[test]
    fn methods_are_the_stream_classes() {
        assert!(known_method("ptcp:6642"));
        assert!(known_method("unix:/x"));
        assert!(!known_method("foo"));
        assert!(!known_method("tcpx:1"));
        assert!(!known_method("tcp"));
    }
}
