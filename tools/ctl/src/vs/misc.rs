//! The Open vSwitch commands of ovs-vsctl(8) (`init`, `show`, `emer-reset`) and this tool's
//! `chassis-setup`.

use std::collections::BTreeMap;

use ovsdb_proto::{Atom, Datum, Row, Uuid};

use super::{Info, ovs_row, s};
use crate::cmd::{Mode, Section, Syntax, run_fn};
use crate::error::CtlError;
use crate::{CmdOut, Command, Ctx};

/// `init`, `show`, `emer-reset`.
pub(crate) const OPEN_VSWITCH: Section = Section {
    title: "Open vSwitch commands",
    commands: &[
        Syntax {
            name: "init",
            min_args: 0,
            max_args: 0,
            arguments: "",
            options: &[],
            mode: Mode::ReadWrite,
            help: "create the Open_vSwitch row when there is none",
            run: run_fn!(init),
        },
        Syntax {
            name: "show",
            min_args: 0,
            max_args: 0,
            arguments: "",
            options: &[],
            mode: Mode::ReadOnly,
            help: "overview of the bridges, ports and interfaces",
            run: run_fn!(show),
        },
        Syntax {
            name: "emer-reset",
            min_args: 0,
            max_args: 0,
            arguments: "",
            options: &[],
            mode: Mode::ReadWrite,
            help: "drop controllers, managers, mirrors, SSL and other settings",
            run: run_fn!(emer_reset),
        },
    ],
};

/// `chassis-setup` (this tool's own).
pub(crate) const CHASSIS: Section = Section {
    title: "Chassis commands (vsctl-rs only)",
    commands: &[Syntax {
        name: "chassis-setup",
        min_args: 5,
        max_args: 7,
        arguments: "SYSTEM-ID HOSTNAME REMOTE ENCAP-TYPE ENCAP-IP [BRIDGE [DATAPATH-TYPE]]",
        options: &[],
        mode: Mode::ReadWrite,
        help: "make the integration bridge and set the external ids ovn-controller reads",
        run: run_fn!(chassis_setup),
    }],
};

async fn init(ctx: &mut Ctx, _cmd: &Command) -> Result<CmdOut, CtlError> {
    // The Open_vSwitch row is created by every invocation that finds none (see prefetch).
    ovs_row(ctx).await?;
    Ok(CmdOut::default())
}

async fn show(ctx: &mut Ctx, _cmd: &Command) -> Result<CmdOut, CtlError> {
    Ok(CmdOut {
        text: crate::show::show(ctx, crate::show::VSCTL).await?,
        ..CmdOut::default()
    })
}

/// `emer-reset`. Like ovs-vsctl, it leaves Flow_Sample_Collector_Set rows alone (its IDL
/// does not replicate that table for this command, so its loop over them finds none).
async fn emer_reset(ctx: &mut Ctx, _cmd: &Command) -> Result<CmdOut, CtlError> {
    let ovs = ovs_row(ctx).await?;
    ctx.db
        .update("Open_vSwitch", ovs, "manager_options", Datum::empty_set());
    ctx.db.update("Open_vSwitch", ovs, "ssl", Datum::empty_set());
    ctx.db.load_all("Bridge").await?;
    for br in ctx.db.uuids("Bridge") {
        for col in [
            "controller",
            "fail_mode",
            "mirrors",
            "netflow",
            "sflow",
            "ipfix",
            "flood_vlans",
        ] {
            ctx.db.update("Bridge", br, col, Datum::empty_set());
        }
        let oc = ctx.db.value("Bridge", br, "other_config");
        let hwaddr = Atom::string("hwaddr");
        let keep: BTreeMap<Atom, Atom> = oc
            .as_map()
            .and_then(|m| m.get(&hwaddr))
            .map(|v| [(hwaddr.clone(), v.clone())].into_iter().collect())
            .unwrap_or_default();
        ctx.db.update("Bridge", br, "other_config", Datum::Map(keep));
    }
    ctx.db.load_all("Port").await?;
    for p in ctx.db.uuids("Port") {
        ctx.db.update("Port", p, "other_config", Datum::empty_map());
    }
    ctx.db.load_all("Interface").await?;
    for i in ctx.db.uuids("Interface") {
        for col in ["ingress_policing_rate", "ingress_policing_burst"] {
            ctx.db
                .update("Interface", i, col, Datum::scalar(Atom::Integer(0)));
        }
    }
    for t in [
        "Mirror",
        "Controller",
        "Manager",
        "NetFlow",
        "SSL",
        "sFlow",
        "IPFIX",
    ] {
        ctx.db.load_all(t).await?;
        for u in ctx.db.uuids(t) {
            super::delete_row(ctx, t, u);
        }
    }
    Ok(CmdOut::default())
}

/// The bridge of `chassis-setup`, made when missing.
async fn setup_bridge(ctx: &mut Ctx, br_name: &str) -> Result<Uuid, CtlError> {
    let info = Info::load(ctx).await?;
    if let Some(b) = info.find_real_bridge(br_name, false)? {
        return Ok(info.real_cfg(b));
    }
    let iface = ctx.db.insert(
        "Interface",
        Row::new().with("name", s(br_name)).with("type", s("internal")),
        None,
    );
    let port = ctx.db.insert(
        "Port",
        Row::new()
            .with("name", s(br_name))
            .with("interfaces", Datum::scalar(iface)),
        None,
    );
    let b = ctx.db.insert(
        "Bridge",
        Row::new()
            .with("name", s(br_name))
            .with("ports", Datum::scalar(port)),
        None,
    );
    ctx.db
        .mutate_insert("Open_vSwitch", info.ovs, "bridges", Datum::scalar(b));
    Ok(b)
}

/// `chassis-setup SYSTEM-ID HOSTNAME REMOTE ENCAP-TYPE ENCAP-IP [BRIDGE [DATAPATH-TYPE]]`:
/// creates the integration bridge (fail-mode secure) if missing and sets the Open_vSwitch
/// external-ids ovn-controller reads, idempotently; prints the resulting external-ids.
async fn chassis_setup(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    if !["geneve", "vxlan", "stt"].contains(&a[3].as_str()) {
        return Err(CtlError::Value(format!(
            "{}: encapsulation type must be geneve, vxlan or stt",
            a[3]
        )));
    }
    let br_name = a.get(5).cloned().unwrap_or_else(|| "br-int".into());
    let dp_type = a.get(6).cloned().unwrap_or_else(|| "system".into());
    let ovs = ovs_row(ctx).await?;
    let br = setup_bridge(ctx, &br_name).await?;
    if ctx.db.value("Bridge", br, "fail_mode") != s("secure") {
        ctx.db.update("Bridge", br, "fail_mode", s("secure"));
    }
    if ctx.db.value("Bridge", br, "datapath_type") != s(&dp_type) {
        ctx.db.update("Bridge", br, "datapath_type", s(&dp_type));
    }
    let want = [
        ("system-id", a[0].as_str()),
        ("hostname", a[1].as_str()),
        ("ovn-remote", a[2].as_str()),
        ("ovn-encap-type", a[3].as_str()),
        ("ovn-encap-ip", a[4].as_str()),
        ("ovn-bridge", br_name.as_str()),
        ("ovn-bridge-datapath-type", dp_type.as_str()),
    ];
    let cur = ctx.db.value("Open_vSwitch", ovs, "external_ids");
    let mut changed: Vec<(Atom, Atom)> = Vec::new();
    for (k, v) in want {
        let (k, v) = (Atom::string(k), Atom::string(v));
        if cur.as_map().and_then(|m| m.get(&k)) != Some(&v) {
            changed.push((k, v));
        }
    }
    if !changed.is_empty() {
        if ctx.db.is_new("Open_vSwitch", ovs) {
            let mut m = cur.as_map().cloned().unwrap_or_default();
            m.extend(changed);
            ctx.db.update("Open_vSwitch", ovs, "external_ids", Datum::Map(m));
        } else {
            let keys: std::collections::BTreeSet<Atom> = changed.iter().map(|(k, _)| k.clone()).collect();
            ctx.db
                .mutate_delete("Open_vSwitch", ovs, "external_ids", Datum::Set(keys));
            ctx.db.mutate_insert(
                "Open_vSwitch",
                ovs,
                "external_ids",
                Datum::Map(changed.into_iter().collect()),
            );
        }
    }
    let mut text = String::new();
    if let Some(m) = ctx.db.value("Open_vSwitch", ovs, "external_ids").as_map() {
        for (k, v) in m {
            text.push_str(&format!(
                "{}={}\n",
                crate::value::atom_to_bare(k),
                crate::value::atom_to_string(v)
            ));
        }
    }
    text.push_str(&format!("{br_name}: fail_mode=secure datapath_type={dp_type}\n"));
    Ok(CmdOut {
        text,
        ..CmdOut::default()
    })
}
