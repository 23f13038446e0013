//! Bridge commands of ovs-vsctl(8): real bridges and fake VLAN bridges (a port of the parent
//! with `fake_bridge=true` and the VLAN as `tag`), and their external ids.

use ovsdb_proto::{Atom, Datum, Row};

use super::{Info, s, sorted_lines, warnings};
use crate::cmd::{Mode, Section, Syntax, run_fn};
use crate::error::CtlError;
use crate::value::atom_to_bare;
use crate::{CmdOut, Command, Ctx};

/// The bridge commands.
pub(crate) const BRIDGE: Section = Section {
    title: "Bridge commands",
    commands: &[
        Syntax {
            name: "add-br",
            min_args: 1,
            max_args: 3,
            arguments: "BRIDGE [PARENT VLAN]",
            options: &["--may-exist"],
            mode: Mode::ReadWrite,
            help: "make bridge BRIDGE, or fake bridge BRIDGE of PARENT on VLAN",
            run: run_fn!(add_br),
        },
        Syntax {
            name: "del-br",
            min_args: 1,
            max_args: 1,
            arguments: "BRIDGE",
            options: &["--if-exists"],
            mode: Mode::ReadWrite,
            help: "remove BRIDGE with its ports and fake bridges",
            run: run_fn!(del_br),
        },
        Syntax {
            name: "list-br",
            min_args: 0,
            max_args: 0,
            arguments: "",
            options: &["--real", "--fake"],
            mode: Mode::ReadOnly,
            help: "names of the bridges (real, fake or both)",
            run: run_fn!(list_br),
        },
        Syntax {
            name: "br-exists",
            min_args: 1,
            max_args: 1,
            arguments: "BRIDGE",
            options: &[],
            mode: Mode::ReadOnly,
            help: "exit status 2 unless BRIDGE exists",
            run: run_fn!(br_exists),
        },
        Syntax {
            name: "br-to-vlan",
            min_args: 1,
            max_args: 1,
            arguments: "BRIDGE",
            options: &[],
            mode: Mode::ReadOnly,
            help: "VLAN of BRIDGE (0 for a real bridge)",
            run: run_fn!(br_to_vlan),
        },
        Syntax {
            name: "br-to-parent",
            min_args: 1,
            max_args: 1,
            arguments: "BRIDGE",
            options: &[],
            mode: Mode::ReadOnly,
            help: "parent of fake bridge BRIDGE (BRIDGE itself when real)",
            run: run_fn!(br_to_parent),
        },
        Syntax {
            name: "br-set-external-id",
            min_args: 2,
            max_args: 3,
            arguments: "BRIDGE KEY [VALUE]",
            options: &[],
            mode: Mode::ReadWrite,
            help: "set KEY of BRIDGE to VALUE, or unset it",
            run: run_fn!(br_set_external_id),
        },
        Syntax {
            name: "br-get-external-id",
            min_args: 1,
            max_args: 2,
            arguments: "BRIDGE [KEY]",
            options: &[],
            mode: Mode::ReadOnly,
            help: "value of KEY of BRIDGE, or every KEY=VALUE",
            run: run_fn!(br_get_external_id),
        },
    ],
};

async fn add_br(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let br_name = a[0].as_str();
    if br_name.is_empty() {
        return Err(CtlError::Value("bridge name must not be empty string".into()));
    }
    let (parent_name, vlan) = match a.len() {
        1 => (None, 0),
        3 => {
            let vlan = atoi(&a[2]);
            if !(0..=4095).contains(&vlan) {
                return Err(CtlError::Value(format!(
                    "{}: vlan must be between 0 and 4095",
                    cmd.name
                )));
            }
            (Some(a[1].as_str()), vlan)
        }
        _ => {
            return Err(CtlError::Usage(format!(
                "'{}' command takes exactly 1 or 3 arguments",
                cmd.name
            )));
        }
    };
    let info = Info::load(ctx).await?;
    let out = CmdOut {
        warning: warnings(ctx, &info),
        ..CmdOut::default()
    };
    if cmd.has("may-exist")
        && let Some(b) = info.find_bridge(br_name, false)?
    {
        let br = &info.brs[b];
        match (parent_name, br.parent) {
            (None, Some(_)) => {
                return Err(CtlError::Conflict(format!(
                    "\"--may-exist add-br {br_name}\" but {br_name} is a VLAN bridge for VLAN {}",
                    br.vlan
                )));
            }
            (Some(p), None) => {
                return Err(CtlError::Conflict(format!(
                    "\"--may-exist add-br {br_name} {p} {vlan}\" but {br_name} is not a VLAN bridge"
                )));
            }
            (Some(p), Some(bp)) if info.brs[bp].name != p => {
                return Err(CtlError::Conflict(format!(
                    "\"--may-exist add-br {br_name} {p} {vlan}\" but {br_name} has the wrong parent {}",
                    info.brs[bp].name
                )));
            }
            (Some(p), Some(_)) if br.vlan != vlan => {
                return Err(CtlError::Conflict(format!(
                    "\"--may-exist add-br {br_name} {p} {vlan}\" but {br_name} is a VLAN bridge for the wrong VLAN {}",
                    br.vlan
                )));
            }
            _ => return Ok(out),
        }
    }
    info.check_conflicts(br_name, &format!("cannot create a bridge named {br_name}"))?;
    let parent = match parent_name {
        None => None,
        Some(p) => {
            let parent = info.find_bridge(p, false)?;
            if parent.is_some_and(|b| info.brs[b].parent.is_some()) {
                return Err(CtlError::Value(
                    "cannot create bridge with fake bridge as parent".into(),
                ));
            }
            let Some(parent) = parent else {
                return Err(CtlError::NotFound(format!("parent bridge {p} does not exist")));
            };
            if let Some(&c) = info.brs[parent].children.get(&vlan) {
                return Err(CtlError::Conflict(format!(
                    "bridge {p} already has a child VLAN bridge {} on VLAN {vlan}",
                    info.brs[c].name
                )));
            }
            Some(parent)
        }
    };
    let iface = ctx.db.insert(
        "Interface",
        Row::new().with("name", s(br_name)).with("type", s("internal")),
        None,
    );
    let mut port = Row::new()
        .with("name", s(br_name))
        .with("interfaces", Datum::scalar(iface));
    if parent.is_some() {
        port = port
            .with("fake_bridge", Datum::scalar(Atom::Boolean(true)))
            .with("tag", Datum::scalar(Atom::Integer(vlan)));
    }
    let port = ctx.db.insert("Port", port, None);
    match parent {
        None => {
            let br = ctx.db.insert(
                "Bridge",
                Row::new()
                    .with("name", s(br_name))
                    .with("ports", Datum::scalar(port)),
                None,
            );
            ctx.db
                .mutate_insert("Open_vSwitch", info.ovs, "bridges", Datum::scalar(br));
        }
        Some(parent) => {
            ctx.db
                .mutate_insert("Bridge", info.real_cfg(parent), "ports", Datum::scalar(port));
        }
    }
    Ok(out)
}

/// C's `atoi`: leading blanks, a sign, digits; 0 when there are none.
pub(super) fn atoi(v: &str) -> i64 {
    let t = v.trim_start();
    let (neg, rest) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let n = digits
        .parse::<i64>()
        .unwrap_or(if digits.is_empty() { 0 } else { i64::MAX });
    if neg { -n } else { n }
}

/// Deletes bridge `b` of the view: its fake bridges, its ports with their interfaces, and the
/// Bridge row.
pub(super) fn del_bridge(ctx: &mut Ctx, info: &Info, b: usize) {
    for &c in info.brs[b].children.values() {
        del_bridge(ctx, info, c);
    }
    for &p in &info.brs[b].ports {
        super::port::del_port(ctx, info, p);
    }
    // ovs-vsctl also deletes the bridge's Flow_Sample_Collector_Set rows, from a table its
    // IDL does not replicate for this command: none are deleted, and a bridge such a row
    // refers to stays in the database (only out of Open_vSwitch `bridges`), as here.
    if let Some(cfg) = info.brs[b].cfg {
        super::delete_row(ctx, "Bridge", cfg);
        ctx.db
            .mutate_delete("Open_vSwitch", info.ovs, "bridges", Datum::scalar(cfg));
    }
}

async fn del_br(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let info = Info::load(ctx).await?;
    if let Some(b) = info.find_bridge(&cmd.args[0], !cmd.has("if-exists"))? {
        del_bridge(ctx, &info, b);
    }
    Ok(CmdOut {
        warning: warnings(ctx, &info),
        ..CmdOut::default()
    })
}

async fn list_br(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let (mut real, mut fake) = (cmd.has("real"), cmd.has("fake"));
    if !real && !fake {
        (real, fake) = (true, true);
    }
    let info = Info::load(ctx).await?;
    let names = info
        .bridge_names()
        .filter(|b| if b.parent.is_some() { fake } else { real })
        .map(|b| b.name.clone())
        .collect();
    Ok(CmdOut {
        text: sorted_lines(names),
        warning: warnings(ctx, &info),
        ..CmdOut::default()
    })
}

async fn br_exists(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let info = Info::load(ctx).await?;
    if info.find_bridge(&cmd.args[0], false)?.is_none() {
        // ovs-vsctl exits at once with status 2: nothing is committed or printed.
        return Err(CtlError::Exit(2));
    }
    Ok(CmdOut {
        warning: warnings(ctx, &info),
        ..CmdOut::default()
    })
}

async fn br_to_vlan(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let info = Info::load(ctx).await?;
    let b = info.find_bridge(&cmd.args[0], true)?.unwrap_or_default();
    Ok(CmdOut {
        text: format!("{}\n", info.brs[b].vlan),
        warning: warnings(ctx, &info),
        ..CmdOut::default()
    })
}

async fn br_to_parent(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let info = Info::load(ctx).await?;
    let b = info.find_bridge(&cmd.args[0], true)?.unwrap_or_default();
    Ok(CmdOut {
        text: format!("{}\n", info.brs[info.real(b)].name),
        warning: warnings(ctx, &info),
        ..CmdOut::default()
    })
}

/// Where a bridge's external ids live: the Bridge row's `external_ids`, or for a fake bridge
/// its port's, with keys prefixed `fake-bridge-`.
fn external_ids_of(info: &Info, b: usize) -> (&'static str, ovsdb_proto::Uuid, &'static str) {
    match info.brs[b].cfg {
        Some(cfg) => ("Bridge", cfg, ""),
        None => {
            let p = info.any_port(&info.brs[b].name).unwrap_or_default();
            ("Port", info.ports[p].cfg, "fake-bridge-")
        }
    }
}

async fn br_set_external_id(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let info = Info::load(ctx).await?;
    let b = info.find_bridge(&a[0], true)?.unwrap_or_default();
    let (table, row, prefix) = external_ids_of(&info, b);
    let key = Atom::string(format!("{prefix}{}", a[1]));
    let cur = ctx.db.value(table, row, "external_ids");
    let had = cur.as_map().is_some_and(|m| m.contains_key(&key));
    match a.get(2) {
        Some(v) => {
            let v = Atom::string(v.as_str());
            if cur.as_map().and_then(|m| m.get(&key)) != Some(&v) {
                if had {
                    ctx.db
                        .mutate_delete(table, row, "external_ids", Datum::Set([key.clone()].into()));
                }
                ctx.db
                    .mutate_insert(table, row, "external_ids", Datum::map([(key, v)]));
            }
        }
        None if had => {
            ctx.db
                .mutate_delete(table, row, "external_ids", Datum::Set([key].into()));
        }
        None => {}
    }
    Ok(CmdOut {
        warning: warnings(ctx, &info),
        ..CmdOut::default()
    })
}

async fn br_get_external_id(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let info = Info::load(ctx).await?;
    let b = info.find_bridge(&a[0], true)?.unwrap_or_default();
    let (table, row, prefix) = external_ids_of(&info, b);
    let ids = ctx.db.value(table, row, "external_ids");
    let mut text = String::new();
    if let Some(m) = ids.as_map() {
        match a.get(1) {
            Some(k) => {
                if let Some(v) = m.get(&Atom::string(format!("{prefix}{k}"))) {
                    text = format!("{}\n", atom_to_bare(v));
                }
            }
            None => {
                for (k, v) in m {
                    let k = atom_to_bare(k);
                    if let Some(k) = k.strip_prefix(prefix) {
                        text.push_str(&format!("{k}={}\n", atom_to_bare(v)));
                    }
                }
            }
        }
    }
    Ok(CmdOut {
        text,
        warning: warnings(ctx, &info),
        ..CmdOut::default()
    })
}
