//! The port group commands of ovn-nbctl(8).

use ovsdb_proto::{Datum, Row, Uuid};

use super::common::*;
use crate::cmd::{MANY, Mode, Section, run_fn};
use crate::error::CtlError;
use crate::{CmdOut, Command, Ctx};

/// Port group commands (ovn-nbctl(8)).
pub(crate) const PORT_GROUP: Section = Section {
    title: "Port group commands",
    commands: &[
        syntax(
            "pg-add",
            1,
            MANY,
            "PG [PORTS]",
            &[],
            Mode::ReadWrite,
            "create port group PG with the given PORTS",
            run_fn!(pg_add),
        ),
        syntax(
            "pg-set-ports",
            2,
            MANY,
            "PG PORTS",
            &[],
            Mode::ReadWrite,
            "set the ports of port group PG",
            run_fn!(pg_set_ports),
        ),
        syntax(
            "pg-del",
            1,
            1,
            "PG",
            &[],
            Mode::ReadWrite,
            "delete port group PG",
            run_fn!(pg_del),
        ),
    ],
};

/// The logical switch ports named by `ids` (each must exist).
async fn ports(ctx: &mut Ctx, ids: &[String]) -> Result<Datum, CtlError> {
    let mut v: Vec<Uuid> = Vec::new();
    for id in ids {
        v.push(lsp(ctx, id).await?);
    }
    Ok(Datum::set(v))
}

/// The port group `id` (must exist).
async fn pg(ctx: &mut Ctx, id: &str) -> Result<Uuid, CtlError> {
    lookup(ctx, "Port_Group", "port group", id, true)
        .await?
        .ok_or_else(|| CtlError::NotFound(id.to_owned()))
}

/// `pg-add`.
async fn pg_add(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let mut row = Row::new().with("name", s(&a[0]));
    if a.len() > 1 {
        row.insert("ports", ports(ctx, &a[1..]).await?);
    }
    ctx.db.insert("Port_Group", row, None);
    Ok(CmdOut::default())
}

/// `pg-set-ports`.
async fn pg_set_ports(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let g = pg(ctx, &a[0]).await?;
    let d = ports(ctx, &a[1..]).await?;
    ctx.db.update("Port_Group", g, "ports", d);
    Ok(CmdOut::default())
}

/// `pg-del`.
async fn pg_del(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let g = pg(ctx, &cmd.args[0]).await?;
    ctx.db.delete("Port_Group", g);
    Ok(CmdOut::default())
}
