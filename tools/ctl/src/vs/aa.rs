//! Auto-attach commands of ovs-vsctl(8): I-SID to VLAN mappings of a bridge's AutoAttach row.

use std::collections::BTreeMap;

use ovsdb_proto::{Atom, Datum, Row, Uuid};

use super::{Info, leading_number, refs, warnings};
use crate::cmd::{Mode, Section, Syntax, run_fn};
use crate::error::CtlError;
use crate::{CmdOut, Command, Ctx};

/// The auto-attach commands.
pub(crate) const AUTO_ATTACH: Section = Section {
    title: "Auto Attach commands",
    commands: &[
        Syntax {
            name: "add-aa-mapping",
            min_args: 3,
            max_args: 3,
            arguments: "BRIDGE I-SID VLAN",
            options: &[],
            mode: Mode::ReadWrite,
            help: "map I-SID to VLAN on BRIDGE",
            run: run_fn!(add_aa_mapping),
        },
        Syntax {
            name: "del-aa-mapping",
            min_args: 3,
            max_args: 3,
            arguments: "BRIDGE I-SID VLAN",
            options: &[],
            mode: Mode::ReadWrite,
            help: "remove the mapping of I-SID to VLAN from BRIDGE",
            run: run_fn!(del_aa_mapping),
        },
        Syntax {
            name: "get-aa-mapping",
            min_args: 1,
            max_args: 1,
            arguments: "BRIDGE",
            options: &[],
            mode: Mode::ReadOnly,
            help: "the I-SID to VLAN mappings of BRIDGE",
            run: run_fn!(get_aa_mapping),
        },
    ],
};

fn aa_args(cmd: &Command) -> Result<(i64, i64), CtlError> {
    let parse =
        |v: &String| leading_number(v).ok_or_else(|| CtlError::Value(format!("Invalid argument {v}")));
    Ok((parse(&cmd.args[1])?, parse(&cmd.args[2])?))
}

/// The Bridge row of the real bridge named (directly or as a fake bridge's parent).
async fn aa_bridge(ctx: &mut Ctx, cmd: &Command) -> Result<(Info, Uuid, Option<Uuid>), CtlError> {
    let info = Info::load(ctx).await?;
    let b = info.find_bridge(&cmd.args[0], true)?.unwrap_or_default();
    let cfg = info.real_cfg(b);
    let aa = refs(ctx, "Bridge", cfg, "auto_attach").first().copied();
    if let Some(u) = aa {
        ctx.db.select_uuid("AutoAttach", u).await?;
    }
    Ok((info, cfg, aa))
}

async fn add_aa_mapping(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let (isid, vlan) = aa_args(cmd)?;
    let (info, cfg, aa) = aa_bridge(ctx, cmd).await?;
    let pair = Datum::map([(Atom::Integer(isid), Atom::Integer(vlan))]);
    match aa {
        None => {
            let u = ctx
                .db
                .insert("AutoAttach", Row::new().with("mappings", pair), None);
            ctx.db.update("Bridge", cfg, "auto_attach", Datum::scalar(u));
        }
        Some(u) => {
            let mut m = ctx
                .db
                .value("AutoAttach", u, "mappings")
                .as_map()
                .cloned()
                .unwrap_or_default();
            // A second mapping of the same I-SID is dropped (the first one stays), as the
            // IDL's sorted, duplicate-free map ovs-vsctl writes keeps it.
            m.entry(Atom::Integer(isid)).or_insert(Atom::Integer(vlan));
            ctx.db.update("AutoAttach", u, "mappings", Datum::Map(m));
        }
    }
    Ok(CmdOut {
        warning: warnings(ctx, &info),
        ..CmdOut::default()
    })
}

async fn del_aa_mapping(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let (isid, vlan) = aa_args(cmd)?;
    let (info, _, aa) = aa_bridge(ctx, cmd).await?;
    if let Some(u) = aa {
        let m = ctx
            .db
            .value("AutoAttach", u, "mappings")
            .as_map()
            .cloned()
            .unwrap_or_default();
        let (k, v) = (Atom::Integer(isid), Atom::Integer(vlan));
        if m.get(&k) == Some(&v) {
            // As ovs-vsctl does: every mapping of that I-SID or of that VLAN goes.
            let left: BTreeMap<Atom, Atom> = m.into_iter().filter(|(a, b)| *a != k && *b != v).collect();
            ctx.db.update("AutoAttach", u, "mappings", Datum::Map(left));
        }
    }
    Ok(CmdOut {
        warning: warnings(ctx, &info),
        ..CmdOut::default()
    })
}

async fn get_aa_mapping(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let (info, _, aa) = aa_bridge(ctx, cmd).await?;
    let mut text = String::new();
    if let Some(u) = aa
        && let Some(m) = ctx.db.value("AutoAttach", u, "mappings").as_map()
    {
        for (k, v) in m {
            text.push_str(&format!(
                "{} {}\n",
                k.as_integer().unwrap_or_default(),
                v.as_integer().unwrap_or_default()
            ));
        }
    }
    Ok(CmdOut {
        text,
        warning: warnings(ctx, &info),
        ..CmdOut::default()
    })
}
