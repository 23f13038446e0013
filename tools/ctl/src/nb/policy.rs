//! Logical router policies (ovn-nbctl(8) "Logical Router Policy Commands"): `lr-policy-add`,
//! `lr-policy-del`, `lr-policy-list`.

use ovsdb_proto::{Atom, Datum, Row, Uuid};

use super::rows::{self, Named, find_named, int_of, is_uuid, parse_priority, s, str_of};
use crate::cmd::{MANY, Mode, Section, Syntax, run_fn};
use crate::error::CtlError;
use crate::{CmdOut, Command, Ctx};

const LR: &str = "Logical_Router";
const POL: &str = "Logical_Router_Policy";

const LR_NAMED: Named = Named {
    table: LR,
    what: "router",
    plural: Some("logical routers"),
};

/// The policy commands, in `--help` order.
pub(crate) const SECTION: Section = Section {
    title: "Policy commands",
    commands: &[
        Syntax {
            name: "lr-policy-add",
            min_args: 4,
            max_args: MANY,
            arguments: "ROUTER PRIORITY MATCH ACTION [NEXTHOP,[NEXTHOP,...]] [OPTIONS KEY=VALUE ...]",
            options: &["--may-exist"],
            mode: Mode::ReadWrite,
            help: "add a routing policy to ROUTER",
            run: run_fn!(lr_policy_add),
        },
        Syntax {
            name: "lr-policy-del",
            min_args: 1,
            max_args: 3,
            arguments: "ROUTER [{PRIORITY | UUID} [MATCH]]",
            options: &["--if-exists"],
            mode: Mode::ReadWrite,
            help: "remove routing policies from ROUTER",
            run: run_fn!(lr_policy_del),
        },
        Syntax {
            name: "lr-policy-list",
            min_args: 1,
            max_args: 1,
            arguments: "ROUTER",
            options: &[],
            mode: Mode::ReadOnly,
            help: "print the routing policies of ROUTER",
            run: run_fn!(lr_policy_list),
        },
    ],
};

/// The router named by the first argument and its policies (read).
async fn router_policies(ctx: &mut Ctx, cmd: &Command) -> Result<(Uuid, Vec<Uuid>), CtlError> {
    let lr = find_named(ctx, &LR_NAMED, &cmd.args[0], true)
        .await?
        .ok_or_else(|| CtlError::NotFound(cmd.args[0].clone()))?;
    let pols = super::common::visible_members(ctx, LR, lr, "policies", POL).await?;
    Ok((lr, pols))
}

async fn lr_policy_add(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let (lr, pols) = router_policies(ctx, cmd).await?;
    let priority = parse_priority(&a[1])?;
    let action = a[3].as_str();
    if !["allow", "drop", "reroute"].contains(&action) {
        return Err(CtlError::Value(format!(
            "{action}: action must be one of \"allow\", \"drop\", and \"reroute\""
        )));
    }
    let reroute = action == "reroute";
    if reroute && a.len() < 5 {
        return Err(CtlError::Value(
            "Nexthop is required when action is reroute.".into(),
        ));
    }
    let same = pols
        .iter()
        .any(|u| int_of(ctx, POL, *u, "priority") == priority && str_of(ctx, POL, *u, "match") == a[2]);
    if same {
        if cmd.has("may-exist") {
            return Ok(CmdOut::default());
        }
        return Err(CtlError::Conflict(format!(
            "Same routing policy already existed on the logical router {}.",
            a[0]
        )));
    }
    let mut nexthops = Vec::new();
    if reroute {
        let mut family_v4 = None;
        for token in a[4].split(',').filter(|t| !t.is_empty()) {
            let hop = rows::normalize_addr(token)
                .ok_or_else(|| CtlError::Value(format!("bad next hop argument: {}", a[4])))?;
            let v4 = hop.contains('.');
            if *family_v4.get_or_insert(v4) != v4 {
                return Err(CtlError::Value(format!(
                    "bad next hops argument, not in the same addr family : {}",
                    a[4]
                )));
            }
            nexthops.push(hop);
        }
    }
    let mut options = std::collections::BTreeMap::new();
    for kv in &a[if reroute { 5 } else { 4 }..] {
        match kv.split_once('=') {
            Some((k, v)) if !v.is_empty() => {
                options.entry(Atom::string(k)).or_insert_with(|| Atom::string(v));
            }
            Some((k, _)) => {
                return Err(CtlError::Value(format!(
                    "No value specified for the option : {k}"
                )));
            }
            None => {
                return Err(CtlError::Value(format!(
                    "No value specified for the option : {kv}"
                )));
            }
        }
    }
    let mut row = Row::new()
        .with("priority", Datum::scalar(priority))
        .with("match", s(&a[2]))
        .with("action", s(action))
        .with("options", Datum::Map(options));
    if reroute {
        row.insert(
            "nexthops",
            Datum::set(nexthops.iter().map(|h| Atom::string(h.as_str()))),
        );
    }
    let u = ctx.db.insert(POL, row, None);
    ctx.db.mutate_insert(LR, lr, "policies", Datum::scalar(u));
    Ok(CmdOut::default())
}

async fn lr_policy_del(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let (lr, pols) = router_policies(ctx, cmd).await?;
    let Some(which) = a.get(1) else {
        ctx.db.update(LR, lr, "policies", Datum::empty_set());
        return Ok(CmdOut::default());
    };
    let (uuid, priority) = if is_uuid(which) {
        (Uuid::parse_str(which).ok(), 0)
    } else {
        (None, parse_priority(which)?)
    };
    let del: Vec<Uuid> = match (a.get(2), uuid) {
        (None, Some(u)) => {
            if !pols.contains(&u) {
                if cmd.has("if-exists") {
                    return Ok(CmdOut::default());
                }
                return Err(CtlError::NotFound(
                    "Logical router policy uuid is not found.".into(),
                ));
            }
            vec![u]
        }
        (None, None) => pols
            .iter()
            .copied()
            .filter(|u| int_of(ctx, POL, *u, "priority") == priority)
            .collect(),
        (Some(m), _) => pols
            .iter()
            .copied()
            .find(|u| int_of(ctx, POL, *u, "priority") == priority && str_of(ctx, POL, *u, "match") == *m)
            .into_iter()
            .collect(),
    };
    if !del.is_empty() {
        ctx.db
            .mutate_delete(LR, lr, "policies", Datum::set(del.iter().copied()));
    }
    Ok(CmdOut::default())
}

async fn lr_policy_list(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let (_, pols) = router_policies(ctx, cmd).await?;
    let mut list: Vec<(i64, String, Uuid)> = pols
        .iter()
        .map(|u| {
            (
                -int_of(ctx, POL, *u, "priority"),
                str_of(ctx, POL, *u, "match"),
                *u,
            )
        })
        .collect();
    list.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.as_bytes().cmp(b.1.as_bytes())));
    let mut out = String::new();
    if !list.is_empty() {
        out.push_str("Routing Policies\n");
    }
    for (negp, m, u) in list {
        out.push_str(&format!(
            "{:>10} {m:>50} {:>15}",
            -negp,
            str_of(ctx, POL, u, "action")
        ));
        let hops: Vec<String> = crate::value::elements(&ctx.db.value(POL, u, "nexthops"))
            .iter()
            .map(crate::value::atom_to_bare)
            .collect();
        for (i, h) in hops.iter().enumerate() {
            let h = super::route::normalize_prefix(h).map(|x| x.0).unwrap_or_default();
            if i == 0 {
                out.push_str(&format!(" {h:>25}"));
            } else {
                out.push_str(&format!(", {h}"));
            }
        }
        let opts = rows::pairs(ctx, POL, u, "options");
        if !opts.is_empty() {
            out.push_str(&format!("{:15}", ""));
            let kv: Vec<String> = rows::smap_order(opts)
                .into_iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            out.push_str(&kv.join(","));
        }
        out.push('\n');
    }
    Ok(CmdOut {
        text: out,
        ..CmdOut::default()
    })
}
