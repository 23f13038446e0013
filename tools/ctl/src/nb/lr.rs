//! The logical router (`lr-*`) and logical router port (`lrp-*`) commands of ovn-nbctl(8),
//! gateway chassis and redirect type included.

use std::collections::BTreeSet;

use ovsdb_proto::{Atom, Datum, Row, Uuid};

use super::common::{add_named, containing, del_named, existing_for_create, find, list_named, name_of};
use super::rows::{self, Named, find_named, parse_priority, s, str_of};
use crate::cmd::{MANY, Mode, Section, Syntax, run_fn};
use crate::error::CtlError;
use crate::{CmdOut, Command, Ctx};

const LR: &str = "Logical_Router";
const LRP: &str = "Logical_Router_Port";
const GC: &str = "Gateway_Chassis";

const LRP_NAMED: Named = Named {
    table: LRP,
    what: "port",
    plural: None,
};

/// Logical router commands (ovn-nbctl(8)).
pub(crate) const ROUTER: Section = Section {
    title: "Logical router commands",
    commands: &[
        Syntax {
            name: "lr-add",
            min_args: 0,
            max_args: 1,
            arguments: "[ROUTER]",
            options: &["--may-exist", "--add-duplicate"],
            mode: Mode::ReadWrite,
            help: "create a logical router named ROUTER",
            run: run_fn!(lr_add),
        },
        Syntax {
            name: "lr-del",
            min_args: 1,
            max_args: 1,
            arguments: "ROUTER",
            options: &["--if-exists"],
            mode: Mode::ReadWrite,
            help: "delete ROUTER and all its ports",
            run: run_fn!(del_named),
        },
        Syntax {
            name: "lr-list",
            min_args: 0,
            max_args: 0,
            arguments: "",
            options: &[],
            mode: Mode::ReadOnly,
            help: "print the names of all logical routers",
            run: run_fn!(list_named),
        },
    ],
};

/// Logical router port commands (ovn-nbctl(8)).
pub(crate) const ROUTER_PORT: Section = Section {
    title: "Logical router port commands",
    commands: &[
        Syntax {
            name: "lrp-add",
            min_args: 4,
            max_args: MANY,
            arguments: "ROUTER PORT MAC NETWORK... [COLUMN[:KEY]=VALUE]...",
            options: &["--may-exist"],
            mode: Mode::ReadWrite,
            help: "add logical port PORT on ROUTER",
            run: run_fn!(lrp_add),
        },
        Syntax {
            name: "lrp-set-gateway-chassis",
            min_args: 2,
            max_args: 3,
            arguments: "PORT CHASSIS [PRIORITY]",
            options: &["--may-exist"],
            mode: Mode::ReadWrite,
            help: "set gateway chassis CHASSIS (with PRIORITY) for PORT",
            run: run_fn!(lrp_set_gateway_chassis),
        },
        Syntax {
            name: "lrp-set-options",
            min_args: 1,
            max_args: MANY,
            arguments: "PORT KEY=VALUE [KEY=VALUE]...",
            options: &[],
            mode: Mode::ReadWrite,
            help: "replace the options of router port PORT",
            run: run_fn!(lrp_set_options),
        },
        Syntax {
            name: "lrp-del-gateway-chassis",
            min_args: 2,
            max_args: 2,
            arguments: "PORT CHASSIS",
            options: &[],
            mode: Mode::ReadWrite,
            help: "remove gateway chassis CHASSIS from PORT",
            run: run_fn!(lrp_del_gateway_chassis),
        },
        Syntax {
            name: "lrp-get-gateway-chassis",
            min_args: 1,
            max_args: 1,
            arguments: "PORT",
            options: &[],
            mode: Mode::ReadOnly,
            help: "print the gateway chassis of PORT by priority",
            run: run_fn!(lrp_get_gateway_chassis),
        },
        Syntax {
            name: "lrp-del",
            min_args: 1,
            max_args: 1,
            arguments: "PORT",
            options: &["--if-exists"],
            mode: Mode::ReadWrite,
            help: "delete PORT from its router",
            run: run_fn!(lrp_del),
        },
        Syntax {
            name: "lrp-list",
            min_args: 1,
            max_args: 1,
            arguments: "ROUTER",
            options: &[],
            mode: Mode::ReadOnly,
            help: "print the names of the ports of ROUTER",
            run: run_fn!(lrp_list),
        },
        Syntax {
            name: "lrp-set-enabled",
            min_args: 2,
            max_args: 2,
            arguments: "PORT STATE",
            options: &[],
            mode: Mode::ReadWrite,
            help: "set the administrative state of PORT ('enabled' or 'disabled')",
            run: run_fn!(lrp_set_enabled),
        },
        Syntax {
            name: "lrp-get-enabled",
            min_args: 1,
            max_args: 1,
            arguments: "PORT",
            options: &[],
            mode: Mode::ReadOnly,
            help: "print the administrative state of PORT",
            run: run_fn!(lrp_get_enabled),
        },
        Syntax {
            name: "lrp-set-redirect-type",
            min_args: 2,
            max_args: 2,
            arguments: "PORT TYPE",
            options: &[],
            mode: Mode::ReadWrite,
            help: "set how PORT's traffic reaches its gateway chassis ('overlay' or 'bridged')",
            run: run_fn!(lrp_set_redirect_type),
        },
        Syntax {
            name: "lrp-get-redirect-type",
            min_args: 1,
            max_args: 1,
            arguments: "PORT",
            options: &[],
            mode: Mode::ReadOnly,
            help: "print how PORT's traffic reaches its gateway chassis",
            run: run_fn!(lrp_get_redirect_type),
        },
    ],
};

async fn lr_add(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    if cmd.args.is_empty() && cmd.has("add-duplicate") && !cmd.has("may-exist") {
        return Err(CtlError::Usage(
            "--add-duplicate requires specifying a name".into(),
        ));
    }
    add_named(ctx, cmd).await
}

/// The router port named (or with the UUID) `id`.
async fn port(ctx: &mut Ctx, id: &str) -> Result<Uuid, CtlError> {
    find_named(ctx, &LRP_NAMED, id, true)
        .await?
        .ok_or_else(|| CtlError::NotFound(id.to_owned()))
}

/// A MAC address's six bytes (for comparing two spellings of one address).
fn mac_bytes(mac: &str) -> Option<[u8; 6]> {
    rows::ovs_mac(mac)
}

/// Networks normalized as ovn-nbctl compares them (`lrp_network_sset`), or `None` when one
/// does not parse.
fn network_set<'a>(nets: impl IntoIterator<Item = &'a str>) -> Option<BTreeSet<String>> {
    nets.into_iter()
        .map(|n| super::route::normalize_prefix(n).map(|x| x.0))
        .collect()
}

async fn lrp_add(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let lr = find(ctx, LR, "router", &a[0], true)
        .await?
        .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
    let (name, mac) = (&a[1], &a[2]);
    let n_networks = a[3..].iter().position(|x| x.contains('=')).unwrap_or(a.len() - 3);
    if n_networks == 0 {
        return Err(CtlError::Value(format!(
            "{name}: router port requires specifying a network"
        )));
    }
    let networks = &a[3..3 + n_networks];
    let settings = &a[3 + n_networks..];
    let Some(ea) = mac_bytes(mac) else {
        return Err(CtlError::Value(format!("{name}: invalid mac address {mac}")));
    };
    if let Some(lrp) = existing_for_create(ctx, LRP, name).await?.first().copied() {
        if !cmd.has("may-exist") {
            return Err(CtlError::Conflict(format!(
                "{name}: a port with this name already exists"
            )));
        }
        let owner = containing(ctx, LR, "ports", LRP, lrp).await?;
        if owner != Some(lr) {
            let oname = match owner {
                Some(o) if !name_of(ctx, LR, o).is_empty() => name_of(ctx, LR, o),
                Some(o) => o.to_string(),
                None => String::new(),
            };
            return Err(CtlError::Conflict(format!(
                "{name}: port already exists but in router {oname}"
            )));
        }
        let old_mac = str_of(ctx, LRP, lrp, "mac");
        if mac_bytes(&old_mac).is_none_or(|m| m != ea) {
            return Err(CtlError::Conflict(format!(
                "{name}: port already exists with mac {old_mac}"
            )));
        }
        let new_nets = network_set(networks.iter().map(String::as_str))
            .ok_or_else(|| CtlError::Value(format!("{name}: Invalid networks configured")))?;
        let old: Vec<String> = crate::value::elements(&ctx.db.value(LRP, lrp, "networks"))
            .iter()
            .map(crate::value::atom_to_bare)
            .collect();
        let old_nets = network_set(old.iter().map(String::as_str)).ok_or_else(|| {
            CtlError::Value(format!("{name}: Existing port has invalid networks configured"))
        })?;
        if old_nets != new_nets {
            return Err(CtlError::Conflict(format!(
                "{name}: port already exists with different network"
            )));
        }
        let peer = settings.iter().find_map(|x| x.strip_prefix("peer="));
        let old_peer = ctx.db.value(LRP, lrp, "peer");
        let old_peer = old_peer.as_scalar().and_then(Atom::as_str);
        if peer != old_peer {
            return Err(CtlError::Conflict(format!(
                "{name}: port already exists with mismatching peer"
            )));
        }
        return Ok(CmdOut::default());
    }
    // The port was assumed new without a read (`existing_for_create`): an error found from
    // here on is reported only once a careful run confirmed no port of that name exists.
    let careful = |e: CtlError, ctx: &Ctx| if ctx.careful { e } else { CtlError::Careful };
    for n in networks {
        if !super::dhcp::valid_cidr(n) {
            let e = CtlError::Value(format!("{name}: invalid network address: {n}"));
            return Err(careful(e, ctx));
        }
    }
    let row = Row::new().with("name", s(name)).with("mac", s(mac)).with(
        "networks",
        Datum::set(networks.iter().map(|n| Atom::string(n.as_str()))),
    );
    let u = ctx.db.insert(LRP, row, None);
    for kv in settings {
        if let Err(e) = crate::generic::set_column(ctx, LRP, u, kv) {
            return Err(careful(e, ctx));
        }
    }
    ctx.db.mutate_insert(LR, lr, "ports", Datum::scalar(u));
    Ok(CmdOut::default())
}

async fn lrp_del(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let Some(p) = find_named(ctx, &LRP_NAMED, &cmd.args[0], !cmd.has("if-exists")).await? else {
        return Ok(CmdOut::default());
    };
    match containing(ctx, LR, "ports", LRP, p).await? {
        Some(lr) => {
            ctx.db.mutate_delete(LR, lr, "ports", Datum::scalar(p));
            ctx.db.delete(LRP, p);
        }
        None => {
            return Err(CtlError::NotFound(format!(
                "port {} is not part of any logical router",
                str_of(ctx, LRP, p, "name")
            )));
        }
    }
    Ok(CmdOut::default())
}

async fn lrp_list(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let lr = find(ctx, LR, "router", &cmd.args[0], true)
        .await?
        .ok_or_else(|| CtlError::NotFound(cmd.args[0].clone()))?;
    let ports = super::common::visible_members(ctx, LR, lr, "ports", LRP).await?;
    Ok(CmdOut {
        text: super::common::list_by_name(ctx, LRP, ports),
        ..CmdOut::default()
    })
}

async fn lrp_set_gateway_chassis(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let p = port(ctx, &a[0]).await?;
    let prio = match a.get(2) {
        Some(x) => parse_priority(x)?,
        None => 0,
    };
    let gc_name = format!("{}-{}", a[0], a[1]);
    ctx.db.select_eq(GC, "name", &s(&gc_name)).await?;
    let mut found = ctx.db.by_name(GC, &gc_name);
    found.sort();
    let gc = match found.first() {
        Some(g) => *g,
        None => {
            let row = Row::new()
                .with("name", s(&gc_name))
                .with("chassis_name", s(&a[1]));
            ctx.db.insert(GC, row, None)
        }
    };
    ctx.db.update(GC, gc, "priority", Datum::scalar(prio));
    ctx.db.mutate_insert(LRP, p, "gateway_chassis", Datum::scalar(gc));
    Ok(CmdOut::default())
}

async fn lrp_set_options(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let p = port(ctx, &cmd.args[0]).await?;
    ctx.db.update(LRP, p, "options", rows::kv_map(&cmd.args[1..]));
    Ok(CmdOut::default())
}

async fn lrp_del_gateway_chassis(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let p = port(ctx, &a[0]).await?;
    let mut gcs = super::common::visible_members(ctx, LRP, p, "gateway_chassis", GC).await?;
    gcs.sort();
    let hit = gcs.iter().copied().find(|g| {
        a[1].as_bytes()
            .starts_with(rows::any_str(ctx, GC, *g, "chassis_name").as_bytes())
    });
    let Some(g) = hit else {
        return Err(CtlError::NotFound(format!(
            "chassis {} is not added to logical port {}",
            a[1], a[0]
        )));
    };
    if gcs.len() == 1 {
        ctx.db.update(LRP, p, "gateway_chassis", Datum::empty_set());
    } else {
        ctx.db.mutate_delete(LRP, p, "gateway_chassis", Datum::scalar(g));
    }
    ctx.db.delete(GC, g);
    Ok(CmdOut::default())
}

async fn lrp_get_gateway_chassis(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let p = port(ctx, &cmd.args[0]).await?;
    let gcs = super::common::visible_members(ctx, LRP, p, "gateway_chassis", GC).await?;
    let mut list: Vec<(i64, String)> = gcs
        .iter()
        .map(|g| {
            (
                rows::any_int(ctx, GC, *g, "priority"),
                rows::any_str(ctx, GC, *g, "name"),
            )
        })
        .collect();
    list.sort_by(|x, y| y.0.cmp(&x.0).then_with(|| y.1.as_bytes().cmp(x.1.as_bytes())));
    Ok(CmdOut {
        text: list
            .into_iter()
            .map(|(prio, name)| format!("{name} {prio:>5}\n"))
            .collect(),
        ..CmdOut::default()
    })
}

async fn lrp_set_enabled(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let p = port(ctx, &cmd.args[0]).await?;
    let state = &cmd.args[1];
    let enabled = if state.eq_ignore_ascii_case("enabled") {
        true
    } else if state.eq_ignore_ascii_case("disabled") {
        false
    } else {
        return Err(CtlError::Value(format!(
            "{state}: state must be \"enabled\" or \"disabled\""
        )));
    };
    ctx.db.update(LRP, p, "enabled", Datum::scalar(enabled));
    Ok(CmdOut::default())
}

async fn lrp_get_enabled(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let p = port(ctx, &cmd.args[0]).await?;
    let disabled = ctx
        .db
        .value(LRP, p, "enabled")
        .as_scalar()
        .and_then(Atom::as_bool)
        == Some(false);
    Ok(CmdOut {
        text: if disabled { "disabled\n" } else { "enabled\n" }.into(),
        ..CmdOut::default()
    })
}

async fn lrp_set_redirect_type(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let p = port(ctx, &cmd.args[0]).await?;
    let ty = &cmd.args[1];
    if !ty.eq_ignore_ascii_case("bridged") && !ty.eq_ignore_ascii_case("overlay") {
        return Err(CtlError::Value(format!("Invalid redirect type: {ty}")));
    }
    let mut m = ctx
        .db
        .value(LRP, p, "options")
        .as_map()
        .cloned()
        .unwrap_or_default();
    m.insert(Atom::string("redirect-type"), Atom::string(ty.as_str()));
    ctx.db.update(LRP, p, "options", Datum::Map(m));
    Ok(CmdOut::default())
}

async fn lrp_get_redirect_type(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let p = port(ctx, &cmd.args[0]).await?;
    let m = ctx.db.value(LRP, p, "options");
    let ty = m
        .as_map()
        .and_then(|m| m.get(&Atom::string("redirect-type")))
        .and_then(Atom::as_str)
        .unwrap_or("overlay")
        .to_owned();
    Ok(CmdOut {
        text: format!("{ty}\n"),
        ..CmdOut::default()
    })
}
