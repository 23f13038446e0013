//! ovn-sbctl's own commands.

use ovsdb_proto::{Atom, Datum, Row};

use crate::cmd::{self, Section, run_fn};
use crate::error::CtlError;
use crate::generic::get_row;
use crate::{CmdOut, Command, Ctx, check_arity};

/// Names of ovn-sbctl's own commands.
/// Commands: the commands still registered unchecked (their run function checks arity
/// and options).
/// The tool's command table, in `--help` order (see [`crate::cmd`]).
pub(crate) const SECTIONS: &[&Section] = &[&LEGACY, &crate::generic::LEGACY];

pub(crate) const LEGACY: Section = Section {
    title: "Commands",
    commands: &[
        cmd::unchecked("init", run_fn!(run)),
        cmd::unchecked("show", run_fn!(run)),
        cmd::unchecked("chassis-add", run_fn!(run)),
        cmd::unchecked("chassis-del", run_fn!(run)),
        cmd::unchecked("lsp-bind", run_fn!(run)),
        cmd::unchecked("lsp-unbind", run_fn!(run)),
    ],
};

/// A chassis or port binding by name, with ovn-sbctl's message.
async fn named(
    ctx: &mut Ctx,
    table: &str,
    what: &str,
    name: &str,
    must: bool,
) -> Result<Option<ovsdb_proto::Uuid>, CtlError> {
    match get_row(ctx, table, name, false).await? {
        Some(u) => Ok(Some(u)),
        None if must => Err(CtlError::NotFound(format!("no {what} named {name}"))),
        None => Ok(None),
    }
}

/// Runs an ovn-sbctl command.
pub(crate) async fn run(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let mut out = CmdOut::default();
    match cmd.name.as_str() {
        "init" => {
            check_arity(cmd, 0, 0, &[])?;
            ctx.db.load_all("SB_Global").await?;
            if ctx.db.uuids("SB_Global").is_empty() {
                ctx.db.insert("SB_Global", Row::new(), None);
            }
        }
        "show" => {
            check_arity(cmd, 0, 0, &[])?;
            out.text = crate::show::show(ctx, crate::show::SBCTL).await?;
        }
        "chassis-add" => {
            check_arity(cmd, 3, 3, &["may-exist"])?;
            if get_row(ctx, "Chassis", &a[0], false).await?.is_some() {
                if cmd.has("may-exist") {
                    return Ok(out);
                }
                return Err(CtlError::Conflict(format!(
                    "cannot create a chassis named {} because a chassis named {} already exists",
                    a[0], a[0]
                )));
            }
            let mut encaps = Vec::new();
            for t in a[1].split(',') {
                let row = Row::new()
                    .with(
                        "options",
                        Datum::map([(Atom::string("csum"), Atom::string("true"))]),
                    )
                    .with("type", Datum::scalar(Atom::string(t)))
                    .with("ip", Datum::scalar(Atom::string(a[2].as_str())))
                    .with("chassis_name", Datum::scalar(Atom::string(a[0].as_str())));
                encaps.push(Atom::Uuid(ctx.db.insert("Encap", row, None)));
            }
            let row = Row::new()
                .with("name", Datum::scalar(Atom::string(a[0].as_str())))
                .with("encaps", Datum::set(encaps));
            ctx.db.insert("Chassis", row, None);
        }
        "chassis-del" => {
            check_arity(cmd, 1, 1, &["if-exists"])?;
            if let Some(u) = named(ctx, "Chassis", "chassis", &a[0], !cmd.has("if-exists")).await? {
                for e in crate::value::elements(&ctx.db.value("Chassis", u, "encaps")) {
                    if let Some(eu) = e.as_uuid() {
                        ctx.db.select_uuid("Encap", eu).await?;
                        ctx.db.delete("Encap", eu);
                    }
                }
                ctx.db.delete("Chassis", u);
            }
        }
        "lsp-bind" => {
            check_arity(cmd, 2, 2, &["may-exist"])?;
            let pb = named(ctx, "Port_Binding", "port", &a[0], true)
                .await?
                .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
            let ch = named(ctx, "Chassis", "chassis", &a[1], true)
                .await?
                .ok_or_else(|| CtlError::NotFound(a[1].clone()))?;
            let cur = ctx.db.value("Port_Binding", pb, "chassis");
            if !cur.is_empty() {
                if cmd.has("may-exist") && cur.as_scalar().and_then(Atom::as_uuid) == Some(ch) {
                    return Ok(out);
                }
                let name = match cur.as_scalar().and_then(Atom::as_uuid) {
                    Some(cu) => {
                        ctx.db.select_uuid("Chassis", cu).await?;
                        crate::value::datum_to_bare(&ctx.db.value("Chassis", cu, "name"))
                    }
                    None => String::new(),
                };
                return Err(CtlError::Conflict(format!(
                    "lport ({}) has already been binded to chassis ({name})",
                    a[0]
                )));
            }
            ctx.db.update("Port_Binding", pb, "chassis", Datum::scalar(ch));
            ctx.db.update("Port_Binding", pb, "up", Datum::scalar(true));
        }
        "lsp-unbind" => {
            check_arity(cmd, 1, 1, &["if-exists"])?;
            if let Some(pb) = named(ctx, "Port_Binding", "port", &a[0], !cmd.has("if-exists")).await? {
                ctx.db.update("Port_Binding", pb, "chassis", Datum::empty_set());
                ctx.db.update("Port_Binding", pb, "up", Datum::empty_set());
            }
        }
        _ => return Err(CtlError::Usage(format!("unknown command '{}'", cmd.name))),
    }
    Ok(out)
}
