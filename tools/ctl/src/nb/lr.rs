//! The logical router (`lr-*`) and logical router port (`lrp-*`) commands of ovn-nbctl(8).

use ovsdb_proto::{Atom, Datum, Row};

use super::common::*;
use crate::cmd::{self, Section, run_fn};
use crate::error::CtlError;
use crate::{CmdOut, Command, Ctx, check_arity};

/// Logical router commands (ovn-nbctl(8)).
pub(crate) const ROUTER: Section = Section {
    title: "Logical router commands",
    commands: &[
        cmd::unchecked("lr-add", run_fn!(run)),
        cmd::unchecked("lr-del", run_fn!(run)),
        cmd::unchecked("lr-list", run_fn!(run)),
    ],
};

/// Logical router port commands (ovn-nbctl(8)).
pub(crate) const ROUTER_PORT: Section = Section {
    title: "Logical router port commands",
    commands: &[
        cmd::unchecked("lrp-add", run_fn!(run)),
        cmd::unchecked("lrp-del", run_fn!(run)),
        cmd::unchecked("lrp-list", run_fn!(run)),
    ],
};

/// Runs a logical router or router port command.
pub(super) async fn run(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let out = CmdOut::default();
    match cmd.name.as_str() {
        "lr-add" => return add_named(ctx, cmd).await,
        "lr-del" => return del_named(ctx, cmd).await,
        "lr-list" => return list_named(ctx, cmd).await,
        "lrp-del" => return del_port(ctx, cmd).await,
        "lrp-list" => return list_ports(ctx, cmd).await,
        "lrp-add" => {
            check_arity(cmd, 3, usize::MAX, &["may-exist"])?;
            let lr = find(ctx, "Logical_Router", "router", &a[0], true)
                .await?
                .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
            let mac = &a[2];
            if !is_mac(mac) {
                return Err(CtlError::Value(format!("{}: invalid mac address {mac}", a[1])));
            }
            let mut networks = Vec::new();
            let mut settings = Vec::new();
            for x in &a[3..] {
                if x.contains('=') && !x.contains('/') {
                    settings.push(x.clone());
                } else if settings.is_empty() {
                    networks.push(x.clone());
                } else {
                    settings.push(x.clone());
                }
            }
            if networks.is_empty() {
                return Err(CtlError::Usage(
                    "'lrp-add' command requires at least one network".into(),
                ));
            }
            if let Some(existing) = existing_for_create(ctx, "Logical_Router_Port", &a[1])
                .await?
                .first()
                .copied()
            {
                if !cmd.has("may-exist") {
                    return Err(CtlError::Conflict(format!(
                        "{}: a port with this name already exists",
                        a[1]
                    )));
                }
                let owner =
                    containing(ctx, "Logical_Router", "ports", "Logical_Router_Port", existing).await?;
                if owner != Some(lr) {
                    let oname = owner
                        .map(|o| name_of(ctx, "Logical_Router", o))
                        .unwrap_or_default();
                    return Err(CtlError::Conflict(format!(
                        "{}: port already exists but in router {oname}",
                        a[1]
                    )));
                }
                return Ok(out);
            }
            let mut row = Row::new().with("name", s(&a[1])).with("mac", s(mac)).with(
                "networks",
                Datum::set(networks.iter().map(|n| Atom::string(n.as_str()))),
            );
            for kv in &settings {
                if let Some(peer) = kv.strip_prefix("peer=") {
                    row.insert("peer", s(peer));
                }
            }
            let u = ctx.db.insert("Logical_Router_Port", row, None);
            for kv in &settings {
                if !kv.starts_with("peer=") {
                    crate::generic::set_column(ctx, "Logical_Router_Port", u, kv)?;
                }
            }
            ctx.db
                .mutate_insert("Logical_Router", lr, "ports", Datum::scalar(u));
        }
        _ => return Err(CtlError::Usage(format!("unknown command '{}'", cmd.name))),
    }
    Ok(out)
}
