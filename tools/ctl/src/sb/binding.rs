//! `lsp-bind` and `lsp-unbind` (ovn-sbctl(8) "Port Binding Commands").

use ovsdb_proto::{Atom, Datum};

use super::find_by;
use crate::cmd::{Mode, Section, Syntax, run_fn};
use crate::error::CtlError;
use crate::{CmdOut, Command, Ctx};

/// The port binding commands.
pub(crate) const BINDING: Section = Section {
    title: "Port binding commands",
    commands: &[
        Syntax {
            name: "lsp-bind",
            min_args: 2,
            max_args: 2,
            arguments: "PORT CHASSIS",
            options: &["--may-exist"],
            mode: Mode::ReadWrite,
            help: "bind logical port PORT to CHASSIS",
            run: run_fn!(lsp_bind),
        },
        Syntax {
            name: "lsp-unbind",
            min_args: 1,
            max_args: 1,
            arguments: "PORT",
            options: &["--if-exists"],
            mode: Mode::ReadWrite,
            help: "unbind logical port PORT",
            run: run_fn!(lsp_unbind),
        },
    ],
};

/// `[--may-exist] lsp-bind PORT CHASSIS`: sets the `Port_Binding`'s `chassis` and `up=true`;
/// a port bound already is an error, unless `--may-exist` and bound to CHASSIS.
async fn lsp_bind(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let (port, chassis) = (&cmd.args[0], &cmd.args[1]);
    let Some(pb) = find_by(ctx, "Port_Binding", "logical_port", port).await? else {
        return Err(CtlError::NotFound(format!("no port named {port}")));
    };
    let Some(ch) = find_by(ctx, "Chassis", "name", chassis).await? else {
        return Err(CtlError::NotFound(format!("no chassis named {chassis}")));
    };
    let cur = ctx.db.value("Port_Binding", pb, "chassis");
    if let Some(bound) = cur.as_scalar().and_then(Atom::as_uuid) {
        if cmd.has("may-exist") && bound == ch {
            return Ok(CmdOut::default());
        }
        ctx.db.select_uuid("Chassis", bound).await?;
        let name = crate::value::datum_to_bare(&ctx.db.value("Chassis", bound, "name"));
        return Err(CtlError::Conflict(format!(
            "lport ({port}) has already been binded to chassis ({name})"
        )));
    }
    ctx.db.update("Port_Binding", pb, "chassis", Datum::scalar(ch));
    ctx.db.update("Port_Binding", pb, "up", Datum::scalar(true));
    Ok(CmdOut::default())
}

/// `[--if-exists] lsp-unbind PORT`: clears the `Port_Binding`'s `chassis` and `up`.
async fn lsp_unbind(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let port = &cmd.args[0];
    match find_by(ctx, "Port_Binding", "logical_port", port).await? {
        Some(pb) => {
            ctx.db.update("Port_Binding", pb, "chassis", Datum::empty_set());
            ctx.db.update("Port_Binding", pb, "up", Datum::empty_set());
        }
        None if cmd.has("if-exists") => {}
        None => return Err(CtlError::NotFound(format!("no port named {port}"))),
    }
    Ok(CmdOut::default())
}
