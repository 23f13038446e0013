//! Control plane protection (ovn-nbctl(8) "Control Plane Protection Policy commands"):
//! `copp-add`, `copp-del`, `copp-list`, `ls-copp-add`, `lr-copp-add`.

use ovsdb_proto::{Atom, Datum, Row, Uuid};

use super::rows::{self, Named, find_named, is_uuid, s};
use crate::cmd::{Mode, Section, Syntax, run_fn};
use crate::error::CtlError;
use crate::{CmdOut, Command, Ctx};

const T: &str = "Copp";

const COPP_NAMED: Named = Named {
    table: T,
    what: "copp",
    plural: None,
};

/// The control protocols a CoPP row may meter, in ovn-nbctl's order (lib/copp.h).
const PROTOS: &[&str] = &[
    "arp",
    "arp-resolve",
    "dhcpv4-opts",
    "dhcpv6-opts",
    "dns",
    "event-elb",
    "icmp4-error",
    "icmp6-error",
    "igmp",
    "nd-na",
    "nd-ns",
    "nd-ns-resolve",
    "nd-ra-opts",
    "tcp-reset",
    "bfd",
    "reject",
    "svc-monitor",
];

/// The CoPP commands, in `--help` order.
pub(crate) const SECTION: Section = Section {
    title: "Control Plane Protection Policy commands",
    commands: &[
        Syntax {
            name: "copp-add",
            min_args: 3,
            max_args: 3,
            arguments: "NAME PROTO METER",
            options: &[],
            mode: Mode::ReadWrite,
            help: "meter PROTO packets with METER in CoPP policy NAME",
            run: run_fn!(copp_add),
        },
        Syntax {
            name: "copp-del",
            min_args: 1,
            max_args: 2,
            arguments: "NAME [PROTO]",
            options: &[],
            mode: Mode::ReadWrite,
            help: "remove PROTO (or every protocol) from CoPP policy NAME",
            run: run_fn!(copp_del),
        },
        Syntax {
            name: "copp-list",
            min_args: 1,
            max_args: 1,
            arguments: "NAME",
            options: &[],
            mode: Mode::ReadOnly,
            help: "print the protocols and meters of CoPP policy NAME",
            run: run_fn!(copp_list),
        },
        Syntax {
            name: "ls-copp-add",
            min_args: 2,
            max_args: 2,
            arguments: "NAME SWITCH",
            options: &[],
            mode: Mode::ReadWrite,
            help: "apply CoPP policy NAME to SWITCH",
            run: run_fn!(ls_copp_add),
        },
        Syntax {
            name: "lr-copp-add",
            min_args: 2,
            max_args: 2,
            arguments: "NAME ROUTER",
            options: &[],
            mode: Mode::ReadWrite,
            help: "apply CoPP policy NAME to ROUTER",
            run: run_fn!(lr_copp_add),
        },
    ],
};

fn check_proto(p: &str) -> Result<(), CtlError> {
    if PROTOS.contains(&p) {
        return Ok(());
    }
    Err(CtlError::Value(format!(
        "Invalid control protocol. Allowed values: {}.",
        PROTOS.join(", ")
    )))
}

fn meters(ctx: &Ctx, u: Uuid) -> std::collections::BTreeMap<Atom, Atom> {
    ctx.db.value(T, u, "meters").as_map().cloned().unwrap_or_default()
}

async fn copp_add(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    check_proto(&a[1])?;
    let by_uuid = is_uuid(&a[0]);
    let copp = find_named(ctx, &COPP_NAMED, &a[0], by_uuid).await?;
    let (u, mut m) = match copp {
        Some(u) => (u, meters(ctx, u)),
        None => (ctx.db.insert(T, Row::new(), None), Default::default()),
    };
    m.insert(Atom::string(a[1].as_str()), Atom::string(a[2].as_str()));
    ctx.db.update(T, u, "meters", Datum::Map(m));
    if !by_uuid {
        ctx.db.update(T, u, "name", s(&a[0]));
    }
    Ok(CmdOut::default())
}

async fn copp_del(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    if let Some(p) = a.get(1) {
        check_proto(p)?;
    }
    let Some(u) = find_named(ctx, &COPP_NAMED, &a[0], false).await? else {
        return Ok(CmdOut::default());
    };
    match a.get(1) {
        Some(p) => {
            let mut m = meters(ctx, u);
            if m.remove(&Atom::string(p.as_str())).is_some() {
                ctx.db.update(T, u, "meters", Datum::Map(m.clone()));
            }
            if m.is_empty() {
                ctx.db.delete(T, u);
            }
        }
        None => ctx.db.delete(T, u),
    }
    Ok(CmdOut::default())
}

async fn copp_list(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let Some(u) = find_named(ctx, &COPP_NAMED, &cmd.args[0], false).await? else {
        return Ok(CmdOut::default());
    };
    let text = rows::smap_order(rows::pairs(ctx, T, u, "meters"))
        .into_iter()
        .map(|(k, v)| format!("{k}: {v}\n"))
        .collect();
    Ok(CmdOut {
        text,
        ..CmdOut::default()
    })
}

async fn set_copp(ctx: &mut Ctx, cmd: &Command, owner: &Named) -> Result<CmdOut, CtlError> {
    let o = find_named(ctx, owner, &cmd.args[1], true)
        .await?
        .ok_or_else(|| CtlError::NotFound(cmd.args[1].clone()))?;
    let copp = find_named(ctx, &COPP_NAMED, &cmd.args[0], true)
        .await?
        .ok_or_else(|| CtlError::NotFound(cmd.args[0].clone()))?;
    ctx.db.update(owner.table, o, "copp", Datum::scalar(copp));
    Ok(CmdOut::default())
}

async fn ls_copp_add(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let owner = Named {
        table: "Logical_Switch",
        what: "switch",
        plural: Some("logical switches"),
    };
    set_copp(ctx, cmd, &owner).await
}

async fn lr_copp_add(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let owner = Named {
        table: "Logical_Router",
        what: "router",
        plural: Some("logical routers"),
    };
    set_copp(ctx, cmd, &owner).await
}
