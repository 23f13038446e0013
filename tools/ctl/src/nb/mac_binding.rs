//! Static MAC bindings (ovn-nbctl(8) "Static MAC Binding commands"):
//! `static-mac-binding-add`, `static-mac-binding-del`, `static-mac-binding-list`.

use ovsdb_proto::{Row, Uuid};
use serde_json::json;

use super::rows::{Named, find_named, normalize_addr, s, str_of};
use crate::cmd::{Mode, Section, Syntax, run_fn};
use crate::error::CtlError;
use crate::{CmdOut, Command, Ctx};

const T: &str = "Static_MAC_Binding";

const LRP_NAMED: Named = Named {
    table: "Logical_Router_Port",
    what: "port",
    plural: None,
};

/// The static MAC binding commands, in `--help` order.
pub(crate) const SECTION: Section = Section {
    title: "MAC_Binding commands",
    commands: &[
        Syntax {
            name: "static-mac-binding-add",
            min_args: 3,
            max_args: 3,
            arguments: "LOGICAL_PORT IP MAC",
            options: &["--may-exist"],
            mode: Mode::ReadWrite,
            help: "bind IP to MAC on router port LOGICAL_PORT",
            run: run_fn!(add),
        },
        Syntax {
            name: "static-mac-binding-del",
            min_args: 2,
            max_args: 2,
            arguments: "LOGICAL_PORT IP",
            options: &["--if-exists"],
            mode: Mode::ReadWrite,
            help: "remove the binding of IP on LOGICAL_PORT",
            run: run_fn!(del),
        },
        Syntax {
            name: "static-mac-binding-list",
            min_args: 0,
            max_args: 0,
            arguments: "",
            options: &[],
            mode: Mode::ReadOnly,
            help: "print every static MAC binding",
            run: run_fn!(list),
        },
    ],
};

/// The binding of (`port`, `ip`), read with one select on both columns.
async fn binding(ctx: &mut Ctx, port: &str, ip: &str) -> Result<Option<Uuid>, CtlError> {
    ctx.db
        .select(T, json!([["logical_port", "==", port], ["ip", "==", ip]]))
        .await?;
    let mut found: Vec<Uuid> = ctx
        .db
        .uuids(T)
        .into_iter()
        .filter(|u| str_of(ctx, T, *u, "logical_port") == port && str_of(ctx, T, *u, "ip") == ip)
        .collect();
    found.sort();
    Ok(found.first().copied())
}

async fn add(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let (port, ip, mac) = (&cmd.args[0], &cmd.args[1], &cmd.args[2]);
    find_named(ctx, &LRP_NAMED, port, true).await?;
    let new_ip = normalize_addr(ip)
        .ok_or_else(|| CtlError::Value(format!("{ip}: Not a valid IPv4 or IPv6 address.")))?;
    if super::rows::ovs_mac(mac).is_none() {
        return Err(CtlError::Value(format!("invalid mac address {mac}.")));
    }
    // As ovn-nbctl: the existing binding is looked up by the IP as given.
    if let Some(u) = binding(ctx, port, ip).await? {
        if !cmd.has("may-exist") {
            return Err(CtlError::Conflict(format!(
                "{port}, {new_ip}: a Static_MAC_Binding with this logical_port and ip already exists"
            )));
        }
        if str_of(ctx, T, u, "mac") != *mac {
            ctx.db.update(T, u, "mac", s(mac));
        }
        return Ok(CmdOut::default());
    }
    let row = Row::new()
        .with("logical_port", s(port))
        .with("ip", s(&new_ip))
        .with("mac", s(mac));
    ctx.db.insert(T, row, None);
    Ok(CmdOut::default())
}

async fn del(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let port = &cmd.args[0];
    find_named(ctx, &LRP_NAMED, port, true).await?;
    let ip = normalize_addr(&cmd.args[1])
        .ok_or_else(|| CtlError::Value(format!("{}: Not a valid IPv4 or IPv6 address.", cmd.args[1])))?;
    match binding(ctx, port, &ip).await? {
        Some(u) => ctx.db.delete(T, u),
        None if !cmd.has("if-exists") => {
            return Err(CtlError::NotFound(format!(
                "no matching Static_MAC_Binding with port {port} and ip {ip}"
            )));
        }
        None => {}
    }
    Ok(CmdOut::default())
}

async fn list(ctx: &mut Ctx, _cmd: &Command) -> Result<CmdOut, CtlError> {
    ctx.db.load_all(T).await?;
    let mut lines: Vec<(String, String)> = ctx
        .db
        .uuids(T)
        .into_iter()
        .map(|u| {
            (
                format!(
                    "{:<25}{:<25}",
                    str_of(ctx, T, u, "logical_port"),
                    str_of(ctx, T, u, "ip")
                ),
                str_of(ctx, T, u, "mac"),
            )
        })
        .collect();
    lines.sort();
    let mut out = String::new();
    if !lines.is_empty() {
        out.push_str(&format!("{:<25}{:<25}MAC\n", "LOGICAL_PORT", "IP"));
    }
    for (k, mac) in lines {
        out.push_str(&format!("{k:<25}{mac}\n"));
    }
    Ok(CmdOut {
        text: out,
        ..CmdOut::default()
    })
}
