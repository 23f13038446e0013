//! Controller, fail-mode, manager and SSL commands of ovs-vsctl(8).

use ovsdb_proto::{Atom, Datum, Row, Uuid};

use super::{Info, ovs_row, refs, s, sorted_lines, warnings};
use crate::cmd::{MANY, Mode, Section, Syntax, run_fn};
use crate::error::CtlError;
use crate::value::atom_to_bare;
use crate::{CmdOut, Command, Ctx};

/// The controller and fail-mode commands.
pub(crate) const CONTROLLER: Section = Section {
    title: "Controller commands",
    commands: &[
        Syntax {
            name: "get-controller",
            min_args: 1,
            max_args: 1,
            arguments: "BRIDGE",
            options: &[],
            mode: Mode::ReadOnly,
            help: "controller targets of BRIDGE",
            run: run_fn!(get_controller),
        },
        Syntax {
            name: "del-controller",
            min_args: 1,
            max_args: 1,
            arguments: "BRIDGE",
            options: &[],
            mode: Mode::ReadWrite,
            help: "remove the controllers of BRIDGE",
            run: run_fn!(del_controller),
        },
        Syntax {
            name: "set-controller",
            min_args: 1,
            max_args: MANY,
            arguments: "BRIDGE TARGET...",
            options: &["--inactivity-probe="],
            mode: Mode::ReadWrite,
            help: "replace the controllers of BRIDGE by TARGET...",
            run: run_fn!(set_controller),
        },
        Syntax {
            name: "get-fail-mode",
            min_args: 1,
            max_args: 1,
            arguments: "BRIDGE",
            options: &[],
            mode: Mode::ReadOnly,
            help: "fail mode of BRIDGE",
            run: run_fn!(get_fail_mode),
        },
        Syntax {
            name: "del-fail-mode",
            min_args: 1,
            max_args: 1,
            arguments: "BRIDGE",
            options: &[],
            mode: Mode::ReadWrite,
            help: "clear the fail mode of BRIDGE",
            run: run_fn!(del_fail_mode),
        },
        Syntax {
            name: "set-fail-mode",
            min_args: 2,
            max_args: 2,
            arguments: "BRIDGE MODE",
            options: &[],
            mode: Mode::ReadWrite,
            help: "set the fail mode of BRIDGE (standalone or secure)",
            run: run_fn!(set_fail_mode),
        },
    ],
};

/// The manager commands.
pub(crate) const MANAGER: Section = Section {
    title: "Manager commands",
    commands: &[
        Syntax {
            name: "get-manager",
            min_args: 0,
            max_args: 0,
            arguments: "",
            options: &[],
            mode: Mode::ReadOnly,
            help: "manager targets",
            run: run_fn!(get_manager),
        },
        Syntax {
            name: "del-manager",
            min_args: 0,
            max_args: 0,
            arguments: "",
            options: &[],
            mode: Mode::ReadWrite,
            help: "remove the managers",
            run: run_fn!(del_manager),
        },
        Syntax {
            name: "set-manager",
            min_args: 1,
            max_args: MANY,
            arguments: "TARGET...",
            options: &["--inactivity-probe="],
            mode: Mode::ReadWrite,
            help: "replace the managers by TARGET...",
            run: run_fn!(set_manager),
        },
    ],
};

/// The SSL commands.
pub(crate) const SSL: Section = Section {
    title: "SSL commands",
    commands: &[
        Syntax {
            name: "get-ssl",
            min_args: 0,
            max_args: 0,
            arguments: "",
            options: &[],
            mode: Mode::ReadOnly,
            help: "the SSL settings",
            run: run_fn!(get_ssl),
        },
        Syntax {
            name: "del-ssl",
            min_args: 0,
            max_args: 0,
            arguments: "",
            options: &[],
            mode: Mode::ReadWrite,
            help: "remove the SSL settings",
            run: run_fn!(del_ssl),
        },
        Syntax {
            name: "set-ssl",
            min_args: 3,
            max_args: 3,
            arguments: "PRIVATE-KEY CERTIFICATE CA-CERT",
            options: &["--bootstrap"],
            mode: Mode::ReadWrite,
            help: "replace the SSL settings",
            run: run_fn!(set_ssl),
        },
    ],
};

/// Whether `target` names a stream or listener class OVS knows (`tcp:`, `ssl:`, `unix:` and
/// their `p` forms); ovs-vsctl warns about others but stores them.
fn known_target(target: &str) -> bool {
    let Some((class, _)) = target.split_once(':') else {
        return false;
    };
    matches!(class, "tcp" | "ssl" | "unix" | "ptcp" | "pssl" | "punix")
}

/// C's `atoll`.
fn atoll(v: &str) -> i64 {
    super::br::atoi(v)
}

/// Reads rows `uuids` of `table` (one `transact`).
async fn read_rows(ctx: &mut Ctx, table: &str, uuids: &[Uuid]) -> Result<(), CtlError> {
    super::read_by_uuid(ctx, table, uuids).await
}

fn target_of(ctx: &Ctx, table: &str, u: Uuid) -> String {
    ctx.db
        .value(table, u, "target")
        .as_scalar()
        .map(atom_to_bare)
        .unwrap_or_default()
}

async fn get_controller(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let info = Info::load(ctx).await?;
    let b = info.find_bridge(&cmd.args[0], true)?.unwrap_or_default();
    let cfg = info.real_cfg(b);
    let ctrls = refs(ctx, "Bridge", cfg, "controller");
    read_rows(ctx, "Controller", &ctrls).await?;
    let targets = ctrls.iter().map(|c| target_of(ctx, "Controller", *c)).collect();
    Ok(CmdOut {
        text: sorted_lines(targets),
        warning: warnings(ctx, &info),
        ..CmdOut::default()
    })
}

async fn del_controller(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let info = Info::load(ctx).await?;
    let b = info.find_real_bridge(&cmd.args[0], true)?.unwrap_or_default();
    let cfg = info.real_cfg(b);
    let ctrls = refs(ctx, "Bridge", cfg, "controller");
    if !ctrls.is_empty() {
        read_rows(ctx, "Controller", &ctrls).await?;
        for c in ctrls {
            super::delete_row(ctx, "Controller", c);
        }
        ctx.db.update("Bridge", cfg, "controller", Datum::empty_set());
    }
    Ok(CmdOut {
        warning: warnings(ctx, &info),
        ..CmdOut::default()
    })
}

/// New rows of `table` (Controller or Manager) for `targets`, with `--inactivity-probe`;
/// the warnings for unknown target types.
fn insert_targets(ctx: &mut Ctx, cmd: &Command, table: &str, targets: &[String]) -> (Vec<Atom>, Vec<String>) {
    let probe = cmd.opt("inactivity-probe").map(atoll);
    let mut rows = Vec::new();
    let mut warns = Vec::new();
    for t in targets {
        if !known_target(t) {
            warns.push(format!("target type \"{t}\" is possibly erroneous"));
        }
        let mut row = Row::new().with("target", s(t));
        if let Some(p) = probe {
            row = row.with("inactivity_probe", Datum::scalar(Atom::Integer(p)));
        }
        rows.push(Atom::Uuid(ctx.db.insert(table, row, None)));
    }
    (rows, warns)
}

fn join_warnings(ctx: &Ctx, mut w: Vec<String>, more: Option<String>) -> Option<String> {
    if let Some(m) = more {
        w.insert(0, m);
    }
    if w.is_empty() {
        return None;
    }
    Some(w.join(&format!("\n{}: ", ctx.tool.program())))
}

async fn set_controller(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let info = Info::load(ctx).await?;
    let b = info.find_real_bridge(&cmd.args[0], true)?.unwrap_or_default();
    let cfg = info.real_cfg(b);
    let old = refs(ctx, "Bridge", cfg, "controller");
    read_rows(ctx, "Controller", &old).await?;
    for c in old {
        super::delete_row(ctx, "Controller", c);
    }
    let (rows, warns) = insert_targets(ctx, cmd, "Controller", &cmd.args[1..]);
    ctx.db.update("Bridge", cfg, "controller", Datum::set(rows));
    Ok(CmdOut {
        warning: join_warnings(ctx, warns, warnings(ctx, &info)),
        ..CmdOut::default()
    })
}

async fn get_fail_mode(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let info = Info::load(ctx).await?;
    let b = info.find_bridge(&cmd.args[0], true)?.unwrap_or_default();
    let mode = ctx
        .db
        .value("Bridge", info.real_cfg(b), "fail_mode")
        .as_scalar()
        .map(atom_to_bare)
        .unwrap_or_default();
    Ok(CmdOut {
        text: if mode.is_empty() {
            String::new()
        } else {
            format!("{mode}\n")
        },
        warning: warnings(ctx, &info),
        ..CmdOut::default()
    })
}

async fn del_fail_mode(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let info = Info::load(ctx).await?;
    let b = info.find_real_bridge(&cmd.args[0], true)?.unwrap_or_default();
    ctx.db
        .update("Bridge", info.real_cfg(b), "fail_mode", Datum::empty_set());
    Ok(CmdOut {
        warning: warnings(ctx, &info),
        ..CmdOut::default()
    })
}

async fn set_fail_mode(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let info = Info::load(ctx).await?;
    let b = info.find_real_bridge(&cmd.args[0], true)?.unwrap_or_default();
    let mode = cmd.args[1].as_str();
    if mode != "standalone" && mode != "secure" {
        return Err(CtlError::Value(
            "fail-mode must be \"standalone\" or \"secure\"".into(),
        ));
    }
    ctx.db.update("Bridge", info.real_cfg(b), "fail_mode", s(mode));
    Ok(CmdOut {
        warning: warnings(ctx, &info),
        ..CmdOut::default()
    })
}

async fn managers(ctx: &mut Ctx) -> Result<(Uuid, Vec<Uuid>), CtlError> {
    let ovs = ovs_row(ctx).await?;
    let m = refs(ctx, "Open_vSwitch", ovs, "manager_options");
    read_rows(ctx, "Manager", &m).await?;
    Ok((ovs, m))
}

async fn get_manager(ctx: &mut Ctx, _cmd: &Command) -> Result<CmdOut, CtlError> {
    let (_, m) = managers(ctx).await?;
    let mut targets: Vec<String> = m.iter().map(|u| target_of(ctx, "Manager", *u)).collect();
    targets.sort();
    targets.dedup();
    Ok(CmdOut {
        text: sorted_lines(targets),
        ..CmdOut::default()
    })
}

fn delete_managers(ctx: &mut Ctx, ovs: Uuid, m: Vec<Uuid>) {
    for u in m {
        super::delete_row(ctx, "Manager", u);
    }
    ctx.db
        .update("Open_vSwitch", ovs, "manager_options", Datum::empty_set());
}

async fn del_manager(ctx: &mut Ctx, _cmd: &Command) -> Result<CmdOut, CtlError> {
    let (ovs, m) = managers(ctx).await?;
    delete_managers(ctx, ovs, m);
    Ok(CmdOut::default())
}

async fn set_manager(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let (ovs, m) = managers(ctx).await?;
    delete_managers(ctx, ovs, m);
    let (rows, warns) = insert_targets(ctx, cmd, "Manager", &cmd.args);
    ctx.db
        .update("Open_vSwitch", ovs, "manager_options", Datum::set(rows));
    Ok(CmdOut {
        warning: join_warnings(ctx, warns, None),
        ..CmdOut::default()
    })
}

async fn ssl_row(ctx: &mut Ctx) -> Result<(Uuid, Option<Uuid>), CtlError> {
    let ovs = ovs_row(ctx).await?;
    let ssl = refs(ctx, "Open_vSwitch", ovs, "ssl").first().copied();
    if let Some(u) = ssl {
        ctx.db.select_uuid("SSL", u).await?;
    }
    Ok((ovs, ssl))
}

async fn get_ssl(ctx: &mut Ctx, _cmd: &Command) -> Result<CmdOut, CtlError> {
    let (_, ssl) = ssl_row(ctx).await?;
    Ok(CmdOut {
        text: ssl.map(|u| crate::conn::ssl_report(ctx, u)).unwrap_or_default(),
        ..CmdOut::default()
    })
}

async fn del_ssl(ctx: &mut Ctx, _cmd: &Command) -> Result<CmdOut, CtlError> {
    let (ovs, ssl) = ssl_row(ctx).await?;
    if let Some(u) = ssl {
        super::delete_row(ctx, "SSL", u);
        ctx.db.update("Open_vSwitch", ovs, "ssl", Datum::empty_set());
    }
    Ok(CmdOut::default())
}

async fn set_ssl(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let (ovs, ssl) = ssl_row(ctx).await?;
    if let Some(u) = ssl {
        super::delete_row(ctx, "SSL", u);
    }
    let u = ctx.db.insert("SSL", crate::conn::ssl_settings(cmd), None);
    ctx.db.update("Open_vSwitch", ovs, "ssl", Datum::scalar(u));
    Ok(CmdOut::default())
}
