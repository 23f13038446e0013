//! General commands (`init`, `sync`; `show` is in [`super::show`]) and the logical switch
//! commands (`ls-add`, `ls-del`, `ls-list`) of ovn-nbctl(8).

use super::common::*;
use crate::cmd::{Mode, Section, run_fn};
use crate::error::CtlError;
use crate::{CmdOut, Command, Ctx};

/// General commands (ovn-nbctl(8)).
pub(crate) const GENERAL: Section = Section {
    title: "General commands",
    commands: &[
        syntax(
            "init",
            0,
            0,
            "",
            &[],
            Mode::ReadWrite,
            "initialize the database",
            run_fn!(init),
        ),
        syntax(
            "show",
            0,
            1,
            "[SWITCH|ROUTER]",
            &[],
            Mode::ReadOnly,
            "print an overview of the database, or of one SWITCH or ROUTER",
            run_fn!(super::show::run),
        ),
    ],
};

/// Logical switch commands (ovn-nbctl(8)).
pub(crate) const SWITCH: Section = Section {
    title: "Logical switch commands",
    commands: &[
        syntax(
            "ls-add",
            0,
            1,
            "[SWITCH]",
            &["--may-exist", "--add-duplicate"],
            Mode::ReadWrite,
            "create a logical switch, named SWITCH if given",
            run_fn!(add_named),
        ),
        syntax(
            "ls-del",
            1,
            1,
            "SWITCH",
            &["--if-exists"],
            Mode::ReadWrite,
            "delete SWITCH with all its ports",
            run_fn!(del_named),
        ),
        syntax(
            "ls-list",
            0,
            0,
            "",
            &[],
            Mode::ReadOnly,
            "print every logical switch (UUID and name)",
            run_fn!(list_named),
        ),
    ],
};

/// The synchronization command (ovn-nbctl(8)).
pub(crate) const SYNC: Section = Section {
    title: "Synchronization command (use with --wait=sb|hv)",
    commands: &[syntax(
        "sync",
        0,
        0,
        "",
        &[],
        Mode::ReadOnly,
        "wait until earlier changes too have taken effect",
        run_fn!(sync),
    )],
};

/// `init`: nothing of its own; the NB_Global row every invocation inserts when missing
/// ([`super::ensure_nb_global`]) is its whole effect.
async fn init(_ctx: &mut Ctx, _cmd: &Command) -> Result<CmdOut, CtlError> {
    Ok(CmdOut::default())
}

/// `sync`: makes `--wait` wait even when the invocation changes nothing.
async fn sync(ctx: &mut Ctx, _cmd: &Command) -> Result<CmdOut, CtlError> {
    ctx.force_wait = true;
    Ok(CmdOut::default())
}
