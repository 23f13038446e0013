//! Port, bond and interface commands of ovs-vsctl(8). A bond is one port with several
//! interfaces; a bridge's own port and interface (named as the bridge) are not listed and
//! cannot be named as ports or interfaces.

use ovsdb_proto::{Atom, Datum, Row};

use super::{Info, command_string, s, sorted_lines, warnings};
use crate::cmd::{MANY, Mode, Section, Syntax, run_fn};
use crate::error::CtlError;
use crate::generic::set_column;
use crate::{CmdOut, Command, Ctx};

/// The port and bond commands.
pub(crate) const PORT: Section = Section {
    title: "Port commands (a bond is considered to be a single port)",
    commands: &[
        Syntax {
            name: "list-ports",
            min_args: 1,
            max_args: 1,
            arguments: "BRIDGE",
            options: &[],
            mode: Mode::ReadOnly,
            help: "names of the ports of BRIDGE",
            run: run_fn!(list_ports),
        },
        Syntax {
            name: "add-port",
            min_args: 2,
            max_args: MANY,
            arguments: "BRIDGE PORT [COLUMN[:KEY]=VALUE]...",
            options: &["--may-exist"],
            mode: Mode::ReadWrite,
            help: "add port PORT (interface PORT) to BRIDGE",
            run: run_fn!(add_port_cmd),
        },
        Syntax {
            name: "add-bond",
            min_args: 4,
            max_args: MANY,
            arguments: "BRIDGE PORT IFACE... [COLUMN[:KEY]=VALUE]...",
            options: &["--may-exist", "--fake-iface"],
            mode: Mode::ReadWrite,
            help: "add bond PORT of interfaces IFACE... to BRIDGE",
            run: run_fn!(add_bond),
        },
        Syntax {
            name: "add-bond-iface",
            min_args: 2,
            max_args: 2,
            arguments: "BOND IFACE",
            options: &["--may-exist"],
            mode: Mode::ReadWrite,
            help: "add interface IFACE to bond BOND",
            run: run_fn!(add_bond_iface),
        },
        Syntax {
            name: "del-bond-iface",
            min_args: 1,
            max_args: 2,
            arguments: "[BOND] IFACE",
            options: &["--if-exists"],
            mode: Mode::ReadWrite,
            help: "remove interface IFACE from its bond",
            run: run_fn!(del_bond_iface),
        },
        Syntax {
            name: "del-port",
            min_args: 1,
            max_args: 2,
            arguments: "[BRIDGE] PORT|IFACE",
            options: &["--if-exists", "--with-iface"],
            mode: Mode::ReadWrite,
            help: "remove PORT (or the port of IFACE) with its interfaces",
            run: run_fn!(del_port_cmd),
        },
        Syntax {
            name: "port-to-br",
            min_args: 1,
            max_args: 1,
            arguments: "PORT",
            options: &[],
            mode: Mode::ReadOnly,
            help: "name of the bridge of PORT",
            run: run_fn!(port_to_br),
        },
    ],
};

/// The interface commands.
pub(crate) const INTERFACE: Section = Section {
    title: "Interface commands (a bond consists of multiple interfaces)",
    commands: &[
        Syntax {
            name: "list-ifaces",
            min_args: 1,
            max_args: 1,
            arguments: "BRIDGE",
            options: &[],
            mode: Mode::ReadOnly,
            help: "names of the interfaces of BRIDGE",
            run: run_fn!(list_ifaces),
        },
        Syntax {
            name: "iface-to-br",
            min_args: 1,
            max_args: 1,
            arguments: "IFACE",
            options: &[],
            mode: Mode::ReadOnly,
            help: "name of the bridge of IFACE",
            run: run_fn!(iface_to_br),
        },
    ],
};

fn out(ctx: &Ctx, info: &Info, text: String) -> CmdOut {
    CmdOut {
        text,
        warning: warnings(ctx, info),
        ..CmdOut::default()
    }
}

async fn list_ports(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let info = Info::load(ctx).await?;
    let b = info.find_bridge(&cmd.args[0], true)?.unwrap_or_default();
    let br = &info.brs[b];
    let names = br
        .ports
        .iter()
        .map(|&p| info.ports[p].name.clone())
        .filter(|n| *n != br.name)
        .collect();
    Ok(out(ctx, &info, sorted_lines(names)))
}

async fn list_ifaces(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let info = Info::load(ctx).await?;
    let b = info.find_bridge(&cmd.args[0], true)?.unwrap_or_default();
    let br = &info.brs[b];
    let names = br
        .ports
        .iter()
        .flat_map(|&p| info.ports[p].ifaces.iter())
        .map(|&i| info.ifaces[i].name.clone())
        .filter(|n| *n != br.name)
        .collect();
    Ok(out(ctx, &info, sorted_lines(names)))
}

/// vsctl.c `add_port`: a port named `port` of interfaces `ifaces` on bridge `br` (on the
/// parent, tagged, for a fake bridge), with `settings` applied to the Port row.
async fn add_port(
    ctx: &mut Ctx,
    cmd: &Command,
    port: &str,
    ifaces: &[String],
    fake_iface: bool,
    settings: &[String],
) -> Result<CmdOut, CtlError> {
    let br_name = &cmd.args[0];
    if port.is_empty() {
        return Err(CtlError::Value("port name must not be empty string".into()));
    }
    if ifaces.iter().any(String::is_empty) {
        return Err(CtlError::Value("interface name must not be empty string".into()));
    }
    let info = Info::load(ctx).await?;
    if cmd.has("may-exist")
        && let Some(p) = info.find_port(port, false)?
    {
        let mut want: Vec<&str> = ifaces.iter().map(String::as_str).collect();
        want.sort_unstable();
        let mut have: Vec<String> = super::refs(ctx, "Port", info.ports[p].cfg, "interfaces")
            .into_iter()
            .map(|i| super::name_of(ctx, "Interface", i))
            .collect();
        have.sort();
        let on = &info.brs[info.ports[p].br].name;
        if on != br_name {
            return Err(CtlError::Conflict(format!(
                "\"{}\" but {port} is actually attached to bridge {on}",
                command_string(cmd)
            )));
        }
        if want != have.iter().map(String::as_str).collect::<Vec<_>>() {
            return Err(CtlError::Conflict(format!(
                "\"{}\" but {port} actually has interface(s) {}",
                command_string(cmd),
                have.join(", ")
            )));
        }
        return Ok(out(ctx, &info, String::new()));
    }
    info.check_conflicts(port, &format!("cannot create a port named {port}"))?;
    for i in ifaces {
        info.check_conflicts(i, &format!("cannot create an interface named {i}"))?;
    }
    let b = info.find_bridge(br_name, true)?.unwrap_or_default();
    let mut iface_uuids = Vec::new();
    for i in ifaces {
        let u = ctx.db.insert("Interface", Row::new().with("name", s(i)), None);
        iface_uuids.push(Atom::Uuid(u));
    }
    let mut row = Row::new()
        .with("name", s(port))
        .with("interfaces", Datum::set(iface_uuids))
        .with("bond_fake_iface", Datum::scalar(Atom::Boolean(fake_iface)));
    if info.brs[b].parent.is_some() {
        row = row.with("tag", Datum::scalar(Atom::Integer(info.brs[b].vlan)));
    }
    let p = ctx.db.insert("Port", row, None);
    for kv in settings {
        set_column(ctx, "Port", p, kv)?;
    }
    ctx.db
        .mutate_insert("Bridge", info.real_cfg(b), "ports", Datum::scalar(p));
    Ok(out(ctx, &info, String::new()))
}

async fn add_port_cmd(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    add_port(ctx, cmd, &a[1], std::slice::from_ref(&a[1]), false, &a[2..]).await
}

async fn add_bond(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let n = a[2..].iter().position(|x| x.contains('=')).unwrap_or(a.len() - 2);
    if n < 2 {
        return Err(CtlError::Usage(format!(
            "add-bond requires at least 2 interfaces, but only {n} were specified"
        )));
    }
    add_port(ctx, cmd, &a[1], &a[2..2 + n], cmd.has("fake-iface"), &a[2 + n..]).await
}

async fn add_bond_iface(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let info = Info::load(ctx).await?;
    let p = info.find_port(&a[0], true)?.unwrap_or_default();
    let iface = a[1].as_str();
    if cmd.has("may-exist")
        && let Some(i) = info.find_iface(iface, false)?
    {
        if info.ifaces[i].port == p {
            return Ok(out(ctx, &info, String::new()));
        }
        return Err(CtlError::Conflict(format!(
            "\"{}\" but {iface} is actually attached to port {}",
            command_string(cmd),
            info.ports[info.ifaces[i].port].name
        )));
    }
    info.check_conflicts(iface, &format!("cannot create an interface named {iface}"))?;
    let u = ctx
        .db
        .insert("Interface", Row::new().with("name", s(iface)), None);
    ctx.db
        .mutate_insert("Port", info.ports[p].cfg, "interfaces", Datum::scalar(u));
    Ok(out(ctx, &info, String::new()))
}

async fn del_bond_iface(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let info = Info::load(ctx).await?;
    let name = &a[a.len() - 1];
    let Some(i) = info.find_iface(name, !cmd.has("if-exists"))? else {
        return Ok(out(ctx, &info, String::new()));
    };
    if a.len() > 1 {
        let p = info.find_port(&a[0], true)?.unwrap_or_default();
        if info.ifaces[i].port != p {
            return Err(CtlError::NotFound(format!(
                "port {} does not have an interface {name}",
                a[0]
            )));
        }
    }
    let port = &info.ports[info.ifaces[i].port];
    if port.ifaces.len() < 2 {
        return Err(CtlError::Value(format!(
            "cannot delete last interface from port {}",
            port.name
        )));
    }
    let cfg = info.ifaces[i].cfg;
    ctx.db
        .mutate_delete("Port", port.cfg, "interfaces", Datum::scalar(cfg));
    super::delete_row(ctx, "Interface", cfg);
    Ok(out(ctx, &info, String::new()))
}

/// Deletes port `p` of the view with its interfaces, and removes it from its (real) bridge.
pub(super) fn del_port(ctx: &mut Ctx, info: &Info, p: usize) {
    let port = &info.ports[p];
    let br = info.real_cfg(port.br);
    ctx.db
        .mutate_delete("Bridge", br, "ports", Datum::scalar(port.cfg));
    for &i in &port.ifaces {
        super::delete_row(ctx, "Interface", info.ifaces[i].cfg);
    }
    super::delete_row(ctx, "Port", port.cfg);
}

async fn del_port_cmd(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let must = !cmd.has("if-exists");
    let target = &a[a.len() - 1];
    let info = Info::load(ctx).await?;
    let port = if info.find_bridge(target, false)?.is_some() {
        if must {
            return Err(CtlError::Value(format!(
                "cannot delete port {target} because it is the local port for bridge {target} (deleting this port requires deleting the entire bridge)"
            )));
        }
        None
    } else if !cmd.has("with-iface") {
        info.find_port(target, must)?
    } else {
        let p = match info.find_port(target, false)? {
            Some(p) => Some(p),
            None => info.find_iface(target, false)?.map(|i| info.ifaces[i].port),
        };
        if must && p.is_none() {
            return Err(CtlError::NotFound(format!("no port or interface named {target}")));
        }
        p
    };
    if let Some(p) = port {
        if a.len() == 2 {
            let b = info.find_bridge(&a[0], true)?.unwrap_or_default();
            let pb = info.ports[p].br;
            if pb != b {
                if info.brs[pb].parent == Some(b) {
                    return Err(CtlError::NotFound(format!(
                        "bridge {} does not have a port {} (although its child bridge {} does)",
                        a[0], a[1], info.brs[pb].name
                    )));
                }
                return Err(CtlError::NotFound(format!(
                    "bridge {} does not have a port {}",
                    a[0], a[1]
                )));
            }
        }
        del_port(ctx, &info, p);
    }
    Ok(out(ctx, &info, String::new()))
}

async fn port_to_br(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let info = Info::load(ctx).await?;
    let p = info.find_port(&cmd.args[0], true)?.unwrap_or_default();
    let text = format!("{}\n", info.brs[info.ports[p].br].name);
    Ok(out(ctx, &info, text))
}

async fn iface_to_br(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let info = Info::load(ctx).await?;
    let i = info.find_iface(&cmd.args[0], true)?.unwrap_or_default();
    let text = format!("{}\n", info.brs[info.ports[info.ifaces[i].port].br].name);
    Ok(out(ctx, &info, text))
}
