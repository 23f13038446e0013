//! HA chassis groups (ovn-nbctl(8) "HA Chassis Group commands"): `ha-chassis-group-add`,
//! `ha-chassis-group-del`, `ha-chassis-group-list`, `ha-chassis-group-add-chassis`,
//! `ha-chassis-group-remove-chassis`, `ha-chassis-group-set-chassis-prio`.

use ovsdb_proto::{Datum, Row, Uuid};

use super::rows::{self, Named, fetch, find_named, parse_priority, s, str_of};
use crate::cmd::{Mode, Section, Syntax, run_fn};
use crate::error::CtlError;
use crate::{CmdOut, Command, Ctx};

const GRP: &str = "HA_Chassis_Group";
const CH: &str = "HA_Chassis";

const GRP_NAMED: Named = Named {
    table: GRP,
    what: "ha_chassi_group",
    plural: None,
};

/// The HA chassis group commands, in `--help` order.
pub(crate) const SECTION: Section = Section {
    title: "HA chassis group commands",
    commands: &[
        Syntax {
            name: "ha-chassis-group-add",
            min_args: 1,
            max_args: 1,
            arguments: "GRP",
            options: &[],
            mode: Mode::ReadWrite,
            help: "create HA chassis group GRP",
            run: run_fn!(add),
        },
        Syntax {
            name: "ha-chassis-group-del",
            min_args: 1,
            max_args: 1,
            arguments: "GRP",
            options: &[],
            mode: Mode::ReadWrite,
            help: "delete HA chassis group GRP",
            run: run_fn!(del),
        },
        Syntax {
            name: "ha-chassis-group-list",
            min_args: 0,
            max_args: 0,
            arguments: "",
            options: &[],
            mode: Mode::ReadOnly,
            help: "print the HA chassis groups and their chassis",
            run: run_fn!(list),
        },
        Syntax {
            name: "ha-chassis-group-add-chassis",
            min_args: 3,
            max_args: 3,
            arguments: "GRP CHASSIS PRIORITY",
            options: &[],
            mode: Mode::ReadWrite,
            help: "add CHASSIS with PRIORITY to GRP (or set its priority)",
            run: run_fn!(add_chassis),
        },
        Syntax {
            name: "ha-chassis-group-remove-chassis",
            min_args: 2,
            max_args: 2,
            arguments: "GRP CHASSIS",
            options: &[],
            mode: Mode::ReadWrite,
            help: "remove CHASSIS from GRP",
            run: run_fn!(remove_chassis),
        },
        Syntax {
            name: "ha-chassis-group-set-chassis-prio",
            min_args: 3,
            max_args: 3,
            arguments: "GRP CHASSIS PRIORITY",
            options: &[],
            mode: Mode::ReadWrite,
            help: "set the priority of CHASSIS in GRP",
            run: run_fn!(set_prio),
        },
    ],
};

async fn add(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    // No lookup, as in ovn-nbctl: the server's index on `name` refuses a duplicate.
    ctx.db.insert(GRP, Row::new().with("name", s(&cmd.args[0])), None);
    Ok(CmdOut::default())
}

async fn group(ctx: &mut Ctx, id: &str) -> Result<Uuid, CtlError> {
    find_named(ctx, &GRP_NAMED, id, true)
        .await?
        .ok_or_else(|| CtlError::NotFound(id.to_owned()))
}

async fn del(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let g = group(ctx, &cmd.args[0]).await?;
    ctx.db.delete(GRP, g);
    Ok(CmdOut::default())
}

/// The chassis of group `g` (read), in UUID order as the IDL holds a set.
async fn chassis_of(ctx: &mut Ctx, g: Uuid) -> Result<Vec<Uuid>, CtlError> {
    let mut ch = super::common::visible_members(ctx, GRP, g, "ha_chassis", CH).await?;
    ch.sort();
    Ok(ch)
}

async fn list(ctx: &mut Ctx, _cmd: &Command) -> Result<CmdOut, CtlError> {
    ctx.db.load_all(GRP).await?;
    let mut groups = ctx.db.uuids(GRP);
    groups.sort();
    let mut all = Vec::new();
    for g in &groups {
        all.extend(rows::visible_refs(ctx, GRP, *g, "ha_chassis"));
    }
    fetch(ctx, CH, &all).await?;
    let mut out = String::new();
    for g in groups {
        out.push_str(&format!("{g} ({})\n", str_of(ctx, GRP, g, "name")));
        for c in chassis_of(ctx, g).await? {
            out.push_str(&format!(
                "    {c} ({})\n    priority {}\n\n",
                rows::any_str(ctx, CH, c, "chassis_name"),
                rows::any_int(ctx, CH, c, "priority")
            ));
        }
        out.push('\n');
    }
    Ok(CmdOut {
        text: out,
        ..CmdOut::default()
    })
}

/// The chassis named `name` in group `g`.
async fn member(ctx: &mut Ctx, g: Uuid, name: &str) -> Result<Option<Uuid>, CtlError> {
    Ok(chassis_of(ctx, g)
        .await?
        .into_iter()
        .find(|c| rows::any_str(ctx, CH, *c, "chassis_name") == name))
}

async fn add_chassis(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let g = group(ctx, &a[0]).await?;
    let prio = parse_priority(&a[2])?;
    if let Some(c) = member(ctx, g, &a[1]).await? {
        ctx.db.update(CH, c, "priority", Datum::scalar(prio));
        return Ok(CmdOut::default());
    }
    let row = Row::new()
        .with("chassis_name", s(&a[1]))
        .with("priority", Datum::scalar(prio));
    let c = ctx.db.insert(CH, row, None);
    ctx.db.mutate_insert(GRP, g, "ha_chassis", Datum::scalar(c));
    Ok(CmdOut::default())
}

fn not_in_group(cmd: &Command) -> CtlError {
    CtlError::NotFound(format!(
        "{}: ha chassis not found in {} ha chassis group",
        cmd.args[1], cmd.args[0]
    ))
}

async fn remove_chassis(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let g = group(ctx, &cmd.args[0]).await?;
    let c = member(ctx, g, &cmd.args[1])
        .await?
        .ok_or_else(|| not_in_group(cmd))?;
    ctx.db.mutate_delete(GRP, g, "ha_chassis", Datum::scalar(c));
    ctx.db.delete(CH, c);
    Ok(CmdOut::default())
}

async fn set_prio(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let g = group(ctx, &a[0]).await?;
    let prio = parse_priority(&a[2])?;
    let c = member(ctx, g, &a[1]).await?.ok_or_else(|| not_in_group(cmd))?;
    ctx.db.update(CH, c, "priority", Datum::scalar(prio));
    Ok(CmdOut::default())
}
