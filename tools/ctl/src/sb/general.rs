//! `init` and `show` (ovn-sbctl(8) "OVN_Southbound Commands").

use crate::cmd::{Mode, Section, Syntax, run_fn};
use crate::error::CtlError;
use crate::{CmdOut, Command, Ctx};

/// The general commands.
pub(crate) const GENERAL: Section = Section {
    title: "General commands",
    commands: &[
        Syntax {
            name: "init",
            min_args: 0,
            max_args: 0,
            arguments: "",
            options: &[],
            mode: Mode::ReadWrite,
            help: "initialize the database",
            run: run_fn!(init),
        },
        Syntax {
            name: "show",
            min_args: 0,
            max_args: 0,
            arguments: "",
            options: &[],
            mode: Mode::ReadOnly,
            help: "print chassis, encaps and bound ports",
            run: run_fn!(show),
        },
    ],
};

/// `init`: nothing beyond what every invocation does ([`super::pre_execute`] inserts
/// `SB_Global` when it is missing).
async fn init(_ctx: &mut Ctx, _cmd: &Command) -> Result<CmdOut, CtlError> {
    Ok(CmdOut::default())
}

/// `show`: the tree of `Chassis` (name, hostname, encaps, the `Port_Binding`s bound to it) and
/// their `Encap`s.
async fn show(ctx: &mut Ctx, _cmd: &Command) -> Result<CmdOut, CtlError> {
    Ok(CmdOut {
        text: crate::show::show(ctx, crate::show::SBCTL).await?,
        ..CmdOut::default()
    })
}
