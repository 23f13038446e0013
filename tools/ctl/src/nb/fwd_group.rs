//! The forwarding group commands of ovn-nbctl(8).

use ovsdb_proto::{Atom, Datum, Row, Uuid};

use super::common::*;
use crate::cmd::{MANY, Mode, Section, run_fn};
use crate::error::CtlError;
use crate::value::{atom_to_bare, elements};
use crate::{CmdOut, Command, Ctx};

/// Forwarding group commands (ovn-nbctl(8)).
pub(crate) const FWD_GROUP: Section = Section {
    title: "Forwarding group commands",
    commands: &[
        syntax(
            "fwd-group-add",
            4,
            MANY,
            "GROUP SWITCH VIP VMAC PORT...",
            &["--liveness"],
            Mode::ReadWrite,
            "add forwarding group GROUP of PORTs on SWITCH",
            run_fn!(fwd_group_add),
        ),
        syntax(
            "fwd-group-del",
            1,
            1,
            "GROUP",
            &["--if-exists"],
            Mode::ReadWrite,
            "delete forwarding group GROUP",
            run_fn!(fwd_group_del),
        ),
        syntax(
            "fwd-group-list",
            0,
            1,
            "[SWITCH]",
            &[],
            Mode::ReadOnly,
            "print the forwarding groups, of SWITCH if given",
            run_fn!(fwd_group_list),
        ),
    ],
};

const T: &str = "Forwarding_Group";

/// The forwarding group `id` (by UUID, else the first by name), if any.
async fn group(ctx: &mut Ctx, id: &str) -> Result<Option<Uuid>, CtlError> {
    if is_uuid(id) {
        if let Ok(u) = Uuid::parse_str(id) {
            ctx.db.select_uuid(T, u).await?;
            if ctx.db.get(T, u).is_some() {
                return Ok(Some(u));
            }
        }
    }
    Ok(by_name(ctx, T, id).await?.first().copied())
}

/// The switch of a forwarding group: that of its first child port.
async fn group_switch(ctx: &mut Ctx, g: Uuid) -> Result<Option<Uuid>, CtlError> {
    let Some(first) = elements(&ctx.db.value(T, g, "child_port"))
        .first()
        .map(atom_to_bare)
    else {
        return Ok(None);
    };
    let Some(p) = find(ctx, "Logical_Switch_Port", "port", &first, false).await? else {
        return Ok(None);
    };
    containing(ctx, "Logical_Switch", "ports", "Logical_Switch_Port", p).await
}

/// `fwd-group-add`.
async fn fwd_group_add(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    if a.len() <= 4 {
        return Err(CtlError::Usage(
            "Usage : ovn-nbctl fwd-group-add group switch vip vmac child_ports...".into(),
        ));
    }
    if group(ctx, &a[0]).await?.is_some() {
        return Err(CtlError::Conflict(format!(
            "{}: a forwarding group by this name already exists",
            a[0]
        )));
    }
    let mut sw = ls(ctx, &a[1]).await?;
    if a[2].parse::<std::net::Ipv4Addr>().is_err() {
        return Err(CtlError::Value(format!("invalid ip address {}", a[2])));
    }
    if !is_mac(&a[3]) {
        return Err(CtlError::Value(format!("invalid mac address {}", a[3])));
    }
    for port in &a[4..] {
        let Some(p) = find(ctx, "Logical_Switch_Port", "port", port, false).await? else {
            return Err(CtlError::NotFound(format!(
                "{port}: logical switch port does not exist"
            )));
        };
        let owner = containing(ctx, "Logical_Switch", "ports", "Logical_Switch_Port", p)
            .await?
            .ok_or_else(|| {
                CtlError::NotFound(format!("logical port {port} is not part of any logical switch"))
            })?;
        let oname = name_of(ctx, "Logical_Switch", owner);
        if oname != a[1] {
            return Err(CtlError::Conflict(format!(
                "{port}: port already exists but in logical switch {oname}"
            )));
        }
        sw = owner;
    }
    let mut row = Row::new()
        .with("name", s(&a[0]))
        .with("vip", s(&a[2]))
        .with("vmac", s(&a[3]))
        .with(
            "child_port",
            Datum::set(a[4..].iter().map(|p| Atom::string(p.as_str()))),
        );
    if cmd.has("liveness") {
        row.insert("liveness", Datum::scalar(true));
    }
    let u = ctx.db.insert(T, row, None);
    ctx.db
        .mutate_insert("Logical_Switch", sw, "forwarding_groups", Datum::scalar(u));
    Ok(CmdOut::default())
}

/// `fwd-group-del`: nothing happens when the group or its switch is not found.
async fn fwd_group_del(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let Some(g) = group(ctx, &cmd.args[0]).await? else {
        return Ok(CmdOut::default());
    };
    let Some(sw) = group_switch(ctx, g).await? else {
        return Ok(CmdOut::default());
    };
    let name = name_of(ctx, T, g);
    let groups = members(ctx, "Logical_Switch", sw, "forwarding_groups", T).await?;
    if let Some(hit) = groups.into_iter().find(|u| name_of(ctx, T, *u) == name) {
        ctx.db
            .mutate_delete("Logical_Switch", sw, "forwarding_groups", Datum::scalar(hit));
        ctx.db.delete(T, g);
    }
    Ok(CmdOut::default())
}

/// `s` padded with spaces to `width` after cutting it to `precision` characters (C's
/// `%-WIDTH.PRECISIONs`).
fn cell(s: &str, width: usize, precision: usize) -> String {
    let cut: String = s.chars().take(precision).collect();
    format!("{cut:<width$}")
}

/// `fwd-group-list`.
async fn fwd_group_list(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let only = match cmd.args.first() {
        Some(id) => {
            ls(ctx, id).await?;
            Some(id.clone())
        }
        None => None,
    };
    let mut out = CmdOut::default();
    out.text.push_str(&format!(
        "{}{}{}{}CHILD_PORTS\n",
        cell("FWD_GROUP", 16, 16),
        cell("LS", 14, 16),
        cell("VIP", 16, 7),
        cell("VMAC", 22, 21)
    ));
    ctx.db.load_all(T).await?;
    let mut groups: Vec<(String, Uuid)> = ctx
        .db
        .uuids(T)
        .into_iter()
        .map(|u| (name_of(ctx, T, u), u))
        .collect();
    groups.sort();
    for (name, g) in groups {
        let Some(sw) = group_switch(ctx, g).await? else {
            continue;
        };
        let sname = name_of(ctx, "Logical_Switch", sw);
        if only.as_ref().is_some_and(|o| *o != sname) {
            continue;
        }
        out.text.push_str(&format!(
            "{}{}{}{}     ",
            cell(&name, 16, 16),
            cell(&sname, 14, 18),
            cell(&str_of(ctx, T, g, "vip"), 15, 16),
            cell(&str_of(ctx, T, g, "vmac"), 9, 18)
        ));
        for p in elements(&ctx.db.value(T, g, "child_port")) {
            out.text.push(' ');
            out.text.push_str(&atom_to_bare(&p));
        }
        out.text.push('\n');
    }
    Ok(out)
}
