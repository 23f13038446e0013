//! General commands (`init`, `sync`; `show` is in [`super::show`]) and the logical switch
//! commands (`ls-add`, `ls-del`, `ls-list`) of ovn-nbctl(8).

use ovsdb_proto::Row;

use super::common::*;
use crate::cmd::{self, Section, run_fn};
use crate::error::CtlError;
use crate::{CmdOut, Command, Ctx, check_arity};

/// General commands (ovn-nbctl(8)).
pub(crate) const GENERAL: Section = Section {
    title: "General commands",
    commands: &[
        cmd::unchecked("init", run_fn!(run)),
        cmd::unchecked("show", run_fn!(super::show::run)),
    ],
};

/// Logical switch commands (ovn-nbctl(8)).
pub(crate) const SWITCH: Section = Section {
    title: "Logical switch commands",
    commands: &[
        cmd::unchecked("ls-add", run_fn!(run)),
        cmd::unchecked("ls-del", run_fn!(run)),
        cmd::unchecked("ls-list", run_fn!(run)),
    ],
};

/// Synchronization command (use with --wait=sb|hv) (ovn-nbctl(8)).
pub(crate) const SYNC: Section = Section {
    title: "Synchronization command (use with --wait=sb|hv)",
    commands: &[cmd::unchecked("sync", run_fn!(run))],
};

/// Runs a general or logical switch command.
pub(super) async fn run(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let out = CmdOut::default();
    match cmd.name.as_str() {
        "init" => {
            check_arity(cmd, 0, 0, &[])?;
            ctx.db.load_all("NB_Global").await?;
            if ctx.db.uuids("NB_Global").is_empty() {
                ctx.db.insert("NB_Global", Row::new(), None);
            }
        }
        "sync" => {
            check_arity(cmd, 0, 0, &[])?;
            ctx.force_wait = true;
        }
        "ls-add" => return add_named(ctx, cmd).await,
        "ls-del" => return del_named(ctx, cmd).await,
        "ls-list" => return list_named(ctx, cmd).await,
        _ => return Err(CtlError::Usage(format!("unknown command '{}'", cmd.name))),
    }
    Ok(out)
}
