//! The connection and SSL commands (ovn-sbctl(8) "Remote Connectivity Commands", "SSL
//! Configuration Commands"): the `Connection` rows of `SB_Global:connections` and the `SSL`
//! row of `SB_Global:ssl`.

use ovsdb_proto::{Atom, Datum, Row, Uuid};

use super::{sb_global, string_of};
use crate::cmd::{MANY, Mode, Section, Syntax, run_fn};
use crate::error::CtlError;
use crate::value::{atoll, known_method};
use crate::{CmdOut, Command, Ctx};

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

/// `get-connection`: one line per `Connection` row, `read-only|read-write role="ROLE"
/// TARGET`, sorted, duplicates once.
async fn get_connection(ctx: &mut Ctx, _cmd: &Command) -> Result<CmdOut, CtlError> {
    ctx.db.load_all("Connection").await?;
    let mut lines: Vec<String> = ctx
        .db
        .uuids("Connection")
        .into_iter()
        .filter_map(|u| ctx.db.get("Connection", u))
        .map(|r| {
            let ro = r
                .get("read_only")
                .and_then(Datum::as_scalar)
                .and_then(Atom::as_bool)
                .unwrap_or(false);
            format!(
                "{} role=\"{}\" {}\n",
                if ro { "read-only" } else { "read-write" },
                string_of(r, "role"),
                string_of(r, "target")
            )
        })
        .collect();
    lines.sort();
    lines.dedup();
    Ok(CmdOut {
        text: lines.concat(),
        ..CmdOut::default()
    })
}

/// Deletes every `Connection` row and empties `SB_Global:connections`.
async fn delete_connections(ctx: &mut Ctx) -> Result<Uuid, CtlError> {
    ctx.db.load_all("Connection").await?;
    for u in ctx.db.uuids("Connection") {
        ctx.db.delete("Connection", u);
    }
    let global = sb_global(ctx)?;
    if !ctx.db.value("SB_Global", global, "connections").is_empty() {
        ctx.db
            .update("SB_Global", global, "connections", Datum::empty_set());
    }
    Ok(global)
}

/// `del-connection`.
async fn del_connection(ctx: &mut Ctx, _cmd: &Command) -> Result<CmdOut, CtlError> {
    delete_connections(ctx).await?;
    Ok(CmdOut::default())
}

/// `[--inactivity-probe=MSECS] set-connection TARGET...`: replaces the `Connection` rows by
/// one per TARGET; the words `read-only`, `read-write` and `role=ROLE` set the access and role
/// of the targets after them. A target of no known method is kept, with a warning.
async fn set_connection(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let global = delete_connections(ctx).await?;
    let probe = cmd.opt("inactivity-probe").map(atoll);
    let (mut read_only, mut role) = (false, String::new());
    let mut rows = Vec::new();
    let mut warnings = Vec::new();
    for t in &cmd.args {
        if t == "read-only" {
            read_only = true;
            continue;
        }
        if t == "read-write" {
            read_only = false;
            continue;
        }
        if let Some(r) = t.strip_prefix("role=") {
            role = r.to_owned();
            continue;
        }
        if !known_method(t) {
            warnings.push(format!("target type \"{t}\" is possibly erroneous"));
        }
        let mut row = Row::new()
            .with("target", Datum::scalar(Atom::string(t.as_str())))
            .with("read_only", Datum::scalar(read_only))
            .with("role", Datum::scalar(Atom::string(role.as_str())));
        if let Some(p) = probe {
            row.insert("inactivity_probe", Datum::scalar(Atom::Integer(p)));
        }
        rows.push(Atom::Uuid(ctx.db.insert("Connection", row, None)));
    }
    if !rows.is_empty() || !ctx.db.value("SB_Global", global, "connections").is_empty() {
        ctx.db
            .update("SB_Global", global, "connections", Datum::set(rows));
    }
    let sep = format!("\n{}: ", ctx.tool.program());
    Ok(CmdOut {
        warning: (!warnings.is_empty()).then(|| warnings.join(&sep)),
        ..CmdOut::default()
    })
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
        let r = ctx.db.get("SSL", u).cloned().unwrap_or_default();
        let bootstrap = r
            .get("bootstrap_ca_cert")
            .and_then(Datum::as_scalar)
            .and_then(Atom::as_bool)
            .unwrap_or(false);
        out.text = format!(
            "Private key: {}\nCertificate: {}\nCA Certificate: {}\nBootstrap: {bootstrap}\n",
            string_of(&r, "private_key"),
            string_of(&r, "certificate"),
            string_of(&r, "ca_cert"),
        );
    }
    Ok(out)
}

/// `del-ssl`: deletes the `SSL` row and clears `SB_Global:ssl`.
async fn del_ssl(ctx: &mut Ctx, _cmd: &Command) -> Result<CmdOut, CtlError> {
    if let Some(u) = ssl_row(ctx).await? {
        ctx.db.delete("SSL", u);
        let global = sb_global(ctx)?;
        ctx.db.update("SB_Global", global, "ssl", Datum::empty_set());
    }
    Ok(CmdOut::default())
}

/// `[--bootstrap] set-ssl PRIVATE-KEY CERTIFICATE CA-CERT [SSL-PROTOS [SSL-CIPHERS]]`:
/// replaces the `SSL` row and points `SB_Global:ssl` at the new one.
async fn set_ssl(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    if let Some(u) = ssl_row(ctx).await? {
        ctx.db.delete("SSL", u);
    }
    let s = |v: &String| Datum::scalar(Atom::string(v.as_str()));
    let mut row = Row::new()
        .with("private_key", s(&a[0]))
        .with("certificate", s(&a[1]))
        .with("ca_cert", s(&a[2]))
        .with("bootstrap_ca_cert", Datum::scalar(cmd.has("bootstrap")));
    if let Some(p) = a.get(3) {
        row.insert("ssl_protocols", s(p));
    }
    if let Some(c) = a.get(4) {
        row.insert("ssl_ciphers", s(c));
    }
    let ssl = ctx.db.insert("SSL", row, None);
    let global = sb_global(ctx)?;
    ctx.db.update("SB_Global", global, "ssl", Datum::scalar(ssl));
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
