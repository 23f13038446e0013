//! ovs-vsctl's own commands (ovs-vsctl(8)), the chassis setup command, and the wait for
//! ovs-vswitchd (`cur_cfg`).

use ovsdb_client::CfgWait;
use ovsdb_proto::{Atom, Datum, Row, Uuid};
use serde_json::{Value, json};

use crate::cmd::{self, Section, run_fn};
use crate::error::CtlError;
use crate::generic::set_column;
use crate::value::elements;
use crate::{CmdOut, Command, Ctx, check_arity};

/// Names of ovs-vsctl's own commands (and `chassis-setup`, this tool's addition).
/// Commands: the commands still registered unchecked (their run function checks arity
/// and options).
/// The tool's command table, in `--help` order (see [`crate::cmd`]).
pub(crate) const SECTIONS: &[&Section] = &[&LEGACY, &crate::generic::LEGACY];

pub(crate) const LEGACY: Section = Section {
    title: "Commands",
    commands: &[
        cmd::unchecked("init", run_fn!(run)),
        cmd::unchecked("add-br", run_fn!(run)),
        cmd::unchecked("del-br", run_fn!(run)),
        cmd::unchecked("list-br", run_fn!(run)),
        cmd::unchecked("br-exists", run_fn!(run)),
        cmd::unchecked("add-port", run_fn!(run)),
        cmd::unchecked("del-port", run_fn!(run)),
        cmd::unchecked("list-ports", run_fn!(run)),
        cmd::unchecked("list-ifaces", run_fn!(run)),
        cmd::unchecked("port-to-br", run_fn!(run)),
        cmd::unchecked("iface-to-br", run_fn!(run)),
        cmd::unchecked("br-set-external-id", run_fn!(run)),
        cmd::unchecked("br-get-external-id", run_fn!(run)),
        cmd::unchecked("chassis-setup", run_fn!(run)),
        cmd::unchecked("show", run_fn!(run)),
    ],
};

fn s(v: &str) -> Datum {
    Datum::scalar(Atom::string(v))
}

fn name(ctx: &Ctx, table: &str, u: Uuid) -> String {
    ctx.db
        .value(table, u, "name")
        .as_scalar()
        .and_then(Atom::as_str)
        .unwrap_or_default()
        .to_owned()
}

async fn ovs_row(ctx: &mut Ctx) -> Result<Uuid, CtlError> {
    ctx.db.load_all("Open_vSwitch").await?;
    ctx.db
        .uuids("Open_vSwitch")
        .first()
        .copied()
        .ok_or_else(|| CtlError::NotFound("no row in table Open_vSwitch (use \"init\" first)".into()))
}

async fn refs(ctx: &mut Ctx, table: &str, u: Uuid, col: &str, target: &str) -> Result<Vec<Uuid>, CtlError> {
    let v: Vec<Uuid> = elements(&ctx.db.value(table, u, col))
        .iter()
        .filter_map(Atom::as_uuid)
        .collect();
    for x in &v {
        ctx.db.select_uuid(target, *x).await?;
    }
    Ok(v)
}

async fn bridge(ctx: &mut Ctx, br: &str, must: bool) -> Result<Option<Uuid>, CtlError> {
    ctx.db.select_eq("Bridge", "name", &s(br)).await?;
    let found = ctx
        .db
        .uuids("Bridge")
        .into_iter()
        .find(|u| name(ctx, "Bridge", *u) == br);
    if found.is_none() && must {
        return Err(CtlError::NotFound(format!("no bridge named {br}")));
    }
    Ok(found)
}

async fn port_owner(ctx: &mut Ctx, port: Uuid) -> Result<Option<Uuid>, CtlError> {
    ctx.db
        .select(
            "Bridge",
            json!([["ports", "includes", ["uuid", port.to_string()]]]),
        )
        .await?;
    Ok(ctx
        .db
        .uuids("Bridge")
        .into_iter()
        .find(|b| elements(&ctx.db.value("Bridge", *b, "ports")).contains(&Atom::Uuid(port))))
}

async fn by_name(ctx: &mut Ctx, table: &str, n: &str) -> Result<Option<Uuid>, CtlError> {
    ctx.db.select_eq(table, "name", &s(n)).await?;
    Ok(ctx
        .db
        .uuids(table)
        .into_iter()
        .find(|u| name(ctx, table, *u) == n))
}

fn sorted_names(ctx: &Ctx, table: &str, v: &[Uuid]) -> String {
    let mut n: Vec<String> = v.iter().map(|u| name(ctx, table, *u)).collect();
    n.sort();
    n.into_iter().map(|x| x + "\n").collect()
}

async fn add_port(
    ctx: &mut Ctx,
    br: Uuid,
    port: &str,
    ifaces: &[String],
    settings: &[String],
) -> Result<(), CtlError> {
    let mut iface_uuids = Vec::new();
    for i in ifaces {
        let u = ctx.db.insert("Interface", Row::new().with("name", s(i)), None);
        iface_uuids.push(Atom::Uuid(u));
    }
    let p = ctx.db.insert(
        "Port",
        Row::new()
            .with("name", s(port))
            .with("interfaces", Datum::set(iface_uuids)),
        None,
    );
    for kv in settings {
        set_column(ctx, "Port", p, kv)?;
    }
    ctx.db.mutate_insert("Bridge", br, "ports", Datum::scalar(p));
    Ok(())
}

/// Runs an ovs-vsctl command.
pub(crate) async fn run(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let mut out = CmdOut::default();
    match cmd.name.as_str() {
        "init" => {
            check_arity(cmd, 0, 0, &[])?;
            ctx.db.load_all("Open_vSwitch").await?;
            if ctx.db.uuids("Open_vSwitch").is_empty() {
                ctx.db.insert("Open_vSwitch", Row::new(), None);
            }
        }
        "add-br" => {
            check_arity(cmd, 1, 3, &["may-exist"])?;
            if a.len() == 2 {
                return Err(CtlError::Usage(
                    "'add-br' command requires exactly 1 or 3 arguments".into(),
                ));
            }
            let ovs = ovs_row(ctx).await?;
            if bridge(ctx, &a[0], false).await?.is_some() {
                if cmd.has("may-exist") {
                    return Ok(out);
                }
                return Err(CtlError::Conflict(format!(
                    "cannot create a bridge named {} because a bridge named {} already exists",
                    a[0], a[0]
                )));
            }
            if by_name(ctx, "Port", &a[0]).await?.is_some() {
                return Err(CtlError::Conflict(format!(
                    "cannot create a bridge named {} because a port named {} already exists",
                    a[0], a[0]
                )));
            }
            let iface = ctx.db.insert(
                "Interface",
                Row::new().with("name", s(&a[0])).with("type", s("internal")),
                None,
            );
            let port = ctx.db.insert(
                "Port",
                Row::new()
                    .with("name", s(&a[0]))
                    .with("interfaces", Datum::scalar(iface)),
                None,
            );
            let br = ctx.db.insert(
                "Bridge",
                Row::new()
                    .with("name", s(&a[0]))
                    .with("ports", Datum::scalar(port)),
                None,
            );
            ctx.db
                .mutate_insert("Open_vSwitch", ovs, "bridges", Datum::scalar(br));
        }
        "del-br" => {
            check_arity(cmd, 1, 1, &["if-exists"])?;
            let ovs = ovs_row(ctx).await?;
            if let Some(br) = bridge(ctx, &a[0], !cmd.has("if-exists")).await? {
                let ports = refs(ctx, "Bridge", br, "ports", "Port").await?;
                for p in ports {
                    for i in refs(ctx, "Port", p, "interfaces", "Interface").await? {
                        ctx.db.delete("Interface", i);
                    }
                    ctx.db.delete("Port", p);
                }
                ctx.db
                    .mutate_delete("Open_vSwitch", ovs, "bridges", Datum::scalar(br));
                ctx.db.delete("Bridge", br);
            }
        }
        "list-br" => {
            check_arity(cmd, 0, 0, &["real", "fake"])?;
            ctx.db.load_all("Bridge").await?;
            let all = ctx.db.uuids("Bridge");
            out.text = sorted_names(ctx, "Bridge", &all);
        }
        "br-exists" => {
            check_arity(cmd, 1, 1, &[])?;
            if bridge(ctx, &a[0], false).await?.is_none() {
                out.code = Some(2);
            }
        }
        "add-port" => {
            check_arity(cmd, 2, usize::MAX, &["may-exist"])?;
            let br = bridge(ctx, &a[0], true)
                .await?
                .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
            if let Some(p) = by_name(ctx, "Port", &a[1]).await? {
                if cmd.has("may-exist") {
                    let owner = port_owner(ctx, p).await?;
                    if owner != Some(br) {
                        let on = owner.map(|o| name(ctx, "Bridge", o)).unwrap_or_default();
                        return Err(CtlError::Conflict(format!(
                            "\"--may-exist add-port {} {}\" but {} is actually attached to bridge {on}",
                            a[0], a[1], a[1]
                        )));
                    }
                    return Ok(out);
                }
                return Err(CtlError::Conflict(format!(
                    "cannot create a port named {} because a port named {} already exists on bridge {}",
                    a[1],
                    a[1],
                    match port_owner(ctx, p).await? {
                        Some(o) => name(ctx, "Bridge", o),
                        None => String::new(),
                    }
                )));
            }
            add_port(ctx, br, &a[1], std::slice::from_ref(&a[1]), &a[2..]).await?;
        }
        "del-port" => {
            check_arity(cmd, 1, 2, &["if-exists", "with-iface"])?;
            let target = a.last().cloned().unwrap_or_default();
            let mut port = by_name(ctx, "Port", &target).await?;
            if port.is_none() && cmd.has("with-iface") {
                if let Some(i) = by_name(ctx, "Interface", &target).await? {
                    ctx.db
                        .select(
                            "Port",
                            json!([["interfaces", "includes", ["uuid", i.to_string()]]]),
                        )
                        .await?;
                    port =
                        ctx.db.uuids("Port").into_iter().find(|p| {
                            elements(&ctx.db.value("Port", *p, "interfaces")).contains(&Atom::Uuid(i))
                        });
                }
            }
            let Some(p) = port else {
                if cmd.has("if-exists") {
                    return Ok(out);
                }
                return Err(CtlError::NotFound(format!("no port named {target}")));
            };
            let owner = port_owner(ctx, p).await?;
            if a.len() == 2 {
                let br = bridge(ctx, &a[0], true).await?;
                if owner != br {
                    return Err(CtlError::NotFound(format!(
                        "bridge {} does not have a port {target}",
                        a[0]
                    )));
                }
            }
            for i in refs(ctx, "Port", p, "interfaces", "Interface").await? {
                ctx.db.delete("Interface", i);
            }
            if let Some(o) = owner {
                ctx.db.mutate_delete("Bridge", o, "ports", Datum::scalar(p));
            }
            ctx.db.delete("Port", p);
        }
        "list-ports" | "list-ifaces" => {
            check_arity(cmd, 1, 1, &[])?;
            let br = bridge(ctx, &a[0], true)
                .await?
                .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
            let ports = refs(ctx, "Bridge", br, "ports", "Port").await?;
            if cmd.name == "list-ports" {
                let v: Vec<Uuid> = ports
                    .into_iter()
                    .filter(|p| name(ctx, "Port", *p) != a[0])
                    .collect();
                out.text = sorted_names(ctx, "Port", &v);
            } else {
                let mut ifs = Vec::new();
                for p in ports {
                    for i in refs(ctx, "Port", p, "interfaces", "Interface").await? {
                        if name(ctx, "Interface", i) != a[0] {
                            ifs.push(i);
                        }
                    }
                }
                out.text = sorted_names(ctx, "Interface", &ifs);
            }
        }
        "port-to-br" => {
            check_arity(cmd, 1, 1, &[])?;
            let p = by_name(ctx, "Port", &a[0])
                .await?
                .ok_or_else(|| CtlError::NotFound(format!("no port named {}", a[0])))?;
            let o = port_owner(ctx, p)
                .await?
                .ok_or_else(|| CtlError::NotFound(format!("no port named {}", a[0])))?;
            out.text = format!("{}\n", name(ctx, "Bridge", o));
        }
        "iface-to-br" => {
            check_arity(cmd, 1, 1, &[])?;
            let i = by_name(ctx, "Interface", &a[0])
                .await?
                .ok_or_else(|| CtlError::NotFound(format!("no interface named {}", a[0])))?;
            ctx.db
                .select(
                    "Port",
                    json!([["interfaces", "includes", ["uuid", i.to_string()]]]),
                )
                .await?;
            let p = ctx
                .db
                .uuids("Port")
                .into_iter()
                .find(|p| elements(&ctx.db.value("Port", *p, "interfaces")).contains(&Atom::Uuid(i)))
                .ok_or_else(|| CtlError::NotFound(format!("no interface named {}", a[0])))?;
            let o = port_owner(ctx, p)
                .await?
                .ok_or_else(|| CtlError::NotFound(format!("no interface named {}", a[0])))?;
            out.text = format!("{}\n", name(ctx, "Bridge", o));
        }
        "br-set-external-id" => {
            check_arity(cmd, 2, 3, &[])?;
            let br = bridge(ctx, &a[0], true)
                .await?
                .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
            let k = Atom::string(a[1].as_str());
            ctx.db
                .mutate_delete("Bridge", br, "external_ids", Datum::Set([k.clone()].into()));
            if let Some(v) = a.get(2) {
                ctx.db.mutate_insert(
                    "Bridge",
                    br,
                    "external_ids",
                    Datum::map([(k, Atom::string(v.as_str()))]),
                );
            }
        }
        "br-get-external-id" => {
            check_arity(cmd, 1, 2, &[])?;
            let br = bridge(ctx, &a[0], true)
                .await?
                .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
            let ids = ctx.db.value("Bridge", br, "external_ids");
            if let Some(m) = ids.as_map() {
                match a.get(1) {
                    Some(k) => {
                        if let Some(v) = m.get(&Atom::string(k.as_str())) {
                            out.text = format!("{}\n", crate::value::atom_to_bare(v));
                        }
                    }
                    None => {
                        for (k, v) in m {
                            out.text.push_str(&format!(
                                "{}={}\n",
                                crate::value::atom_to_bare(k),
                                crate::value::atom_to_bare(v)
                            ));
                        }
                    }
                }
            }
        }
        "chassis-setup" => chassis_setup(ctx, cmd, &mut out).await?,
        "show" => {
            check_arity(cmd, 0, 0, &[])?;
            out.text = crate::show::show(ctx, crate::show::VSCTL).await?;
        }
        _ => return Err(CtlError::Usage(format!("unknown command '{}'", cmd.name))),
    }
    Ok(out)
}

/// `chassis-setup SYSTEM-ID HOSTNAME REMOTE ENCAP-TYPE ENCAP-IP [BRIDGE [DATAPATH-TYPE]]`:
/// creates the integration bridge (fail-mode secure) if missing and sets the Open_vSwitch
/// external-ids ovn-controller reads, idempotently; prints the resulting external-ids.
async fn chassis_setup(ctx: &mut Ctx, cmd: &Command, out: &mut CmdOut) -> Result<(), CtlError> {
    check_arity(cmd, 5, 7, &[])?;
    let a = &cmd.args;
    if !["geneve", "vxlan", "stt"].contains(&a[3].as_str()) {
        return Err(CtlError::Value(format!(
            "{}: encapsulation type must be geneve, vxlan or stt",
            a[3]
        )));
    }
    let br_name = a.get(5).cloned().unwrap_or_else(|| "br-int".into());
    let dp_type = a.get(6).cloned().unwrap_or_else(|| "system".into());
    ctx.db.load_all("Open_vSwitch").await?;
    let ovs = match ctx.db.uuids("Open_vSwitch").first().copied() {
        Some(u) => u,
        None => ctx.db.insert("Open_vSwitch", Row::new(), None),
    };
    let br = match bridge(ctx, &br_name, false).await? {
        Some(b) => b,
        None => {
            let iface = ctx.db.insert(
                "Interface",
                Row::new().with("name", s(&br_name)).with("type", s("internal")),
                None,
            );
            let port = ctx.db.insert(
                "Port",
                Row::new()
                    .with("name", s(&br_name))
                    .with("interfaces", Datum::scalar(iface)),
                None,
            );
            let b = ctx.db.insert(
                "Bridge",
                Row::new()
                    .with("name", s(&br_name))
                    .with("ports", Datum::scalar(port)),
                None,
            );
            ctx.db
                .mutate_insert("Open_vSwitch", ovs, "bridges", Datum::scalar(b));
            b
        }
    };
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
    let ids = ctx.db.value("Open_vSwitch", ovs, "external_ids");
    if let Some(m) = ids.as_map() {
        for (k, v) in m {
            out.text.push_str(&format!(
                "{}={}\n",
                crate::value::atom_to_bare(k),
                crate::value::atom_to_string(v)
            ));
        }
    }
    out.text
        .push_str(&format!("{br_name}: fail_mode=secure datapath_type={dp_type}\n"));
    Ok(())
}

/// Adds the `next_cfg` increment and its read-back (ovs-vsctl waits for ovs-vswitchd unless
/// `--no-wait`).
pub(crate) async fn prepare_wait(ctx: &mut Ctx) -> Result<(), CtlError> {
    ctx.db.load_all("Open_vSwitch").await?;
    let Some(o) = ctx.db.uuids("Open_vSwitch").first().copied() else {
        return Ok(());
    };
    if ctx.db.is_new("Open_vSwitch", o) {
        return Ok(());
    }
    ctx.db.push_cfg_bump(CfgWait::VSWITCHD, o);
    Ok(())
}

/// Waits until ovs-vswitchd reports `cur_cfg >= next_cfg`.
pub(crate) async fn finish_wait(ctx: &mut Ctx, results: &[Value]) -> Result<(), CtlError> {
    ctx.db.wait_cfg_applied(CfgWait::VSWITCHD, results).await
}
