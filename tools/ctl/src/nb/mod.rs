//! ovn-nbctl's own commands (ovn-nbctl(8)) and `--wait`.
//!
//! One module per command family, each defining its [`Section`]s of the command table and its
//! run functions; the shared lookups live in `common`.

use std::collections::BTreeSet;

use ovsdb_client::CfgWait;
use ovsdb_proto::Uuid;
use serde_json::Value;

use crate::cmd::Section;
use crate::error::CtlError;
use crate::{Command, Ctx, Wait};

pub(crate) mod common;
// Switch side.
mod acl;
mod fwd_group;
mod ls;
mod lsp;
mod pg;
mod qos;
mod show;
// Router side.
mod copp;
mod dhcp;
mod ha;
mod lb;
mod lr;
mod mac_binding;
mod nat;
mod policy;
mod route;
mod rows;

pub(crate) use common::IpIndex;
use common::s;

/// The tool's command table, in `--help` order (see [`crate::cmd`]).
pub(crate) const SECTIONS: &[&Section] = &[
    &ls::GENERAL,
    &ls::SWITCH,
    &acl::ACL,
    // QoS, mirror, meter (switch side).
    &qos::QOS,
    &qos::MIRROR,
    &qos::METER,
    &lsp::PORT,
    // Forwarding group (switch side).
    &fwd_group::FWD_GROUP,
    &lr::ROUTER,
    &lr::ROUTER_PORT,
    &route::ROUTE,
    // Policy (router side).
    &policy::SECTION,
    &nat::NAT,
    // LB, DHCP options (router side).
    &lb::SECTION,
    &dhcp::SECTION,
    // Connection, SSL, port group (switch side).
    &crate::conn::CONNECTION,
    &crate::conn::SSL,
    &pg::PORT_GROUP,
    // HA chassis group, CoPP, static MAC binding (router side).
    &ha::SECTION,
    &copp::SECTION,
    &mac_binding::SECTION,
    &crate::generic::LEGACY,
    &ls::SYNC,
];

/// Sends, in ONE `transact`, the name lookups the commands of the chain will make, so a chain
/// (or one `lsp-add`, which looks up a switch and a port) costs one round trip for its reads.
pub(crate) async fn prefetch(ctx: &mut Ctx, cmds: &[Command]) -> Result<(), CtlError> {
    const LS: &str = "Logical_Switch";
    const LSP: &str = "Logical_Switch_Port";
    const LR: &str = "Logical_Router";
    const LRP: &str = "Logical_Router_Port";
    const PG: &str = "Port_Group";
    const MIRROR: &str = "Mirror";
    let mut reads = Vec::new();
    // Names the chain creates in tables where the schema keeps names unique: not looked up
    // (see `existing_for_create`) unless the invocation runs carefully.
    let mut created: BTreeSet<(&str, &str)> = BTreeSet::new();
    for c in cmds {
        let a = &c.args;
        let creates = match c.name.as_str() {
            "lsp-add" => Some(LSP),
            "lrp-add" => Some(LRP),
            _ => None,
        };
        if let (Some(t), Some(n), false) = (creates, a.get(1), ctx.careful) {
            created.insert((t, n.as_str()));
        }
        let mut lookups: Vec<(usize, &str)> = match c.name.as_str() {
            "ls-add" | "ls-del" | "lsp-list" => vec![(0, LS)],
            "lr-add" | "lr-del" | "lrp-list" => vec![(0, LR)],
            "lsp-add" => vec![(0, LS), (1, LSP)],
            "lrp-add" => vec![(0, LR), (1, LRP)],
            "lrp-del" => vec![(0, LRP)],
            "lsp-attach-mirror" | "lsp-detach-mirror" => vec![(0, LSP), (1, MIRROR)],
            n if n.starts_with("lsp-") => vec![(0, LSP)],
            "acl-add" | "acl-del" | "acl-list" => vec![(0, PG), (0, LS)],
            "qos-add" | "qos-del" | "qos-list" => vec![(0, LS)],
            "pg-set-ports" | "pg-del" => vec![(0, PG)],
            "fwd-group-add" => vec![(1, LS)],
            _ => Vec::new(),
        };
        // Commands naming any number of ports.
        let ports_from = match c.name.as_str() {
            "pg-add" | "pg-set-ports" => 1,
            "fwd-group-add" => 4,
            _ => usize::MAX,
        };
        lookups.extend((ports_from..a.len()).map(|i| (i, LSP)));
        for (i, table) in &lookups {
            let Some(name) = a.get(*i) else { continue };
            if (name.len() == 36 && Uuid::parse_str(name).is_ok())
                || created.contains(&(*table, name.as_str()))
            {
                continue;
            }
            reads.push(((*table).to_owned(), crate::db::eq_where("name", &s(name))));
        }
    }
    if reads.len() > 1 {
        ctx.db.select_batch(reads).await?;
    }
    Ok(())
}

/// Before the commands of a careful run: inserts the NB_Global row when the database has none,
/// as ovn-nbctl does before running its commands (its `pre_execute`), so they see it.
pub(crate) async fn insert_nb_global_first(ctx: &mut Ctx) -> Result<(), CtlError> {
    ctx.db.load_all("NB_Global").await?;
    if ctx.db.uuids("NB_Global").is_empty() {
        ctx.db.insert("NB_Global", ovsdb_proto::Row::new(), None);
    }
    Ok(())
}

/// Whether the database has no NB_Global row (read when not known yet).
pub(crate) async fn nb_global_missing(ctx: &mut Ctx) -> Result<bool, CtlError> {
    ctx.db.load_all("NB_Global").await?;
    Ok(ctx.db.uuids("NB_Global").is_empty())
}

/// After the commands, for ovn-nbctl's NB_Global row that every successful invocation
/// (read-only ones included) inserts when missing: an invocation that writes only assumes the
/// row exists (no read: the commit fails on an empty table); one that writes nothing reads the
/// table. Either way a missing row runs the invocation again carefully
/// ([`CtlError::Careful`]), which inserts it before the commands ([`insert_nb_global_first`]).
pub(crate) async fn ensure_nb_global(ctx: &mut Ctx) -> Result<(), CtlError> {
    const T: &str = "NB_Global";
    if ctx.careful || !ctx.db.uuids(T).is_empty() {
        return Ok(());
    }
    if ctx.db.has_changes() {
        ctx.db.assume_not_empty(T);
        return Ok(());
    }
    if nb_global_missing(ctx).await? {
        return Err(CtlError::Careful);
    }
    Ok(())
}

/// Adds the `nb_cfg` increment and its read-back to the transaction (`--wait=sb|hv`, `sync`).
pub(crate) async fn prepare_wait(ctx: &mut Ctx) -> Result<(), CtlError> {
    ctx.db.load_all("NB_Global").await?;
    let Some(g) = ctx.db.uuids("NB_Global").first().copied() else {
        return Ok(());
    };
    ctx.db.push_cfg_bump(CfgWait::SB, g);
    Ok(())
}

/// Waits until northd (`sb_cfg`) or every chassis (`hv_cfg`) caught up with the new `nb_cfg`.
pub(crate) async fn finish_wait(ctx: &mut Ctx, results: &[Value]) -> Result<(), CtlError> {
    let wait = if ctx.globals.wait == Wait::Hv {
        CfgWait::HV
    } else {
        CfgWait::SB
    };
    ctx.db.wait_cfg_applied(wait, results).await
}
