//! ovs-vsctl's own commands (ovs-vsctl(8)), one module per family, and what every invocation
//! of vsctl does around them: the Open_vSwitch row it creates when missing, the view of
//! bridges, ports and interfaces (vsctl.c's cache, with real and fake VLAN bridges), and the
//! wait for ovs-vswitchd (`cur_cfg`).
//!
//! The view is rebuilt from the invocation's local rows for every command that needs it, so a
//! command sees the changes of the earlier commands of its chain.

mod aa;
mod br;
mod ctrl;
mod dp;
mod misc;
mod port;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use ovsdb_client::CfgWait;
use ovsdb_proto::{Atom, Datum, Row, Uuid};
use serde_json::{Value, json};

use crate::cmd::Section;
use crate::error::CtlError;
use crate::value::elements;
use crate::{Command, Ctx};

/// The tool's command table, in `--help` order (see [`crate::cmd`]).
pub(crate) const SECTIONS: &[&Section] = &[
    &misc::OPEN_VSWITCH,
    &br::BRIDGE,
    &port::PORT,
    &port::INTERFACE,
    &ctrl::CONTROLLER,
    &ctrl::MANAGER,
    &ctrl::SSL,
    &aa::AUTO_ATTACH,
    &dp::ZONE,
    &dp::DATAPATH,
    &misc::CHASSIS,
    &crate::generic::DATABASE,
];

/// A string datum.
pub(super) fn s(v: &str) -> Datum {
    Datum::scalar(Atom::string(v))
}

/// The `name` of a row.
pub(super) fn name_of(ctx: &Ctx, table: &str, u: Uuid) -> String {
    ctx.db
        .value(table, u, "name")
        .as_scalar()
        .and_then(Atom::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Deletes a row as ovs-vsctl's IDL does: a row of a root table is deleted; one of another
/// table only leaves this invocation's view, and the server collects it once unreferenced
/// (so a row something else still refers to stays, as with ovs-vsctl).
pub(super) fn delete_row(ctx: &mut Ctx, table: &str, u: Uuid) {
    if ctx.db.schema.table(table).is_none_or(|t| t.is_root) {
        ctx.db.delete(table, u);
    } else {
        ctx.db.drop_unreferenced(table, u);
    }
}

/// C's `strtoull` as ovs-vsctl checks it: a number must start the argument.
pub(super) fn leading_number(v: &str) -> Option<i64> {
    let t = v.trim_start();
    let (neg, rest) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    let n = digits.parse::<u64>().unwrap_or(u64::MAX) as i64;
    Some(if neg { n.wrapping_neg() } else { n })
}

/// The uuids a reference column holds.
pub(super) fn refs(ctx: &Ctx, table: &str, u: Uuid, col: &str) -> Vec<Uuid> {
    elements(&ctx.db.value(table, u, col))
        .iter()
        .filter_map(Atom::as_uuid)
        .collect()
}

/// Reads the Open_vSwitch row, and inserts it when the table is empty, as every ovs-vsctl
/// invocation does (vsctl.c `do_vsctl`).
pub(crate) async fn prefetch(ctx: &mut Ctx) -> Result<(), CtlError> {
    ctx.db.load_all("Open_vSwitch").await?;
    if ctx.db.uuids("Open_vSwitch").is_empty() {
        ctx.db.insert("Open_vSwitch", Row::new(), None);
    }
    Ok(())
}

/// The Open_vSwitch row (read or inserted by [`prefetch`]).
pub(super) async fn ovs_row(ctx: &mut Ctx) -> Result<Uuid, CtlError> {
    ctx.db.load_all("Open_vSwitch").await?;
    match ctx.db.uuids("Open_vSwitch").first().copied() {
        Some(u) => Ok(u),
        None => Ok(ctx.db.insert("Open_vSwitch", Row::new(), None)),
    }
}

/// Reads the rows `uuids` of `table` that are not cached yet, in one `transact`.
pub(super) async fn read_by_uuid(ctx: &mut Ctx, table: &str, uuids: &[Uuid]) -> Result<(), CtlError> {
    let reads: Vec<(String, Value)> = uuids
        .iter()
        .filter(|u| ctx.db.cached_any(table, **u).is_none())
        .map(|u| {
            (
                table.to_owned(),
                json!([["_uuid", "==", ["uuid", u.to_string()]]]),
            )
        })
        .collect();
    if reads.is_empty() {
        return Ok(());
    }
    ctx.db.select_batch(reads).await
}

/// A bridge of the view: a real one (a Bridge row) or a fake VLAN bridge (a Port of its
/// parent with `fake_bridge=true` and a `tag`).
#[derive(Debug)]
pub(super) struct Br {
    pub(super) name: String,
    /// The Bridge row of a real bridge.
    pub(super) cfg: Option<Uuid>,
    /// The parent of a fake bridge (index into [`Info::brs`]).
    pub(super) parent: Option<usize>,
    /// The VLAN of a fake bridge (0 for a real one).
    pub(super) vlan: i64,
    /// Its ports (indexes into [`Info::ports`]).
    pub(super) ports: Vec<usize>,
    /// Its fake bridges by VLAN.
    pub(super) children: BTreeMap<i64, usize>,
}

/// A port of the view.
#[derive(Debug)]
pub(super) struct Port {
    pub(super) name: String,
    pub(super) cfg: Uuid,
    /// The bridge it is in (the fake bridge of its VLAN, when there is one).
    pub(super) br: usize,
    pub(super) ifaces: Vec<usize>,
}

/// An interface of the view.
#[derive(Debug)]
pub(super) struct Iface {
    pub(super) name: String,
    pub(super) cfg: Uuid,
    pub(super) port: usize,
}

/// vsctl.c's cache: bridges (real and fake), ports and interfaces by name.
#[derive(Debug)]
pub(super) struct Info {
    pub(super) ovs: Uuid,
    pub(super) brs: Vec<Br>,
    pub(super) ports: Vec<Port>,
    pub(super) ifaces: Vec<Iface>,
    br_by_name: HashMap<String, usize>,
    port_by_name: HashMap<String, usize>,
    iface_by_name: HashMap<String, usize>,
    /// The inconsistencies found (a port in two bridges...), as ovs-vsctl logs them.
    pub(super) warnings: Vec<String>,
}

/// Whether a Port row stands for a fake bridge.
fn is_fake_bridge(ctx: &Ctx, p: Uuid) -> bool {
    ctx.db
        .value("Port", p, "fake_bridge")
        .as_scalar()
        .and_then(Atom::as_bool)
        == Some(true)
        && tag(ctx, p).is_some()
}

/// The `tag` of a Port row when it is a VLAN (0 to 4095).
fn tag(ctx: &Ctx, p: Uuid) -> Option<i64> {
    ctx.db
        .value("Port", p, "tag")
        .as_scalar()
        .and_then(Atom::as_integer)
        .filter(|t| (0..=4095).contains(t))
}

impl Info {
    /// Reads the rows the view is made of, the way ovs-vsctl's cache reaches them: the
    /// Open_vSwitch row, the bridges it lists, their ports, their interfaces (one `transact`
    /// of `select`s by uuid per level, rows read before are not read again, each guarded by
    /// its own `wait`, so rows other clients add meanwhile do not undo the invocation); then
    /// builds the view of the current local rows.
    pub(super) async fn load(ctx: &mut Ctx) -> Result<Info, CtlError> {
        let ovs = ovs_row(ctx).await?;
        let bridges = refs(ctx, "Open_vSwitch", ovs, "bridges");
        read_by_uuid(ctx, "Bridge", &bridges).await?;
        let ports: Vec<Uuid> = bridges
            .iter()
            .flat_map(|b| refs(ctx, "Bridge", *b, "ports"))
            .collect();
        read_by_uuid(ctx, "Port", &ports).await?;
        let ifaces: Vec<Uuid> = ports
            .iter()
            .flat_map(|p| refs(ctx, "Port", *p, "interfaces"))
            .collect();
        read_by_uuid(ctx, "Interface", &ifaces).await?;
        Ok(Info::build(ctx, ovs))
    }

    fn build(ctx: &Ctx, ovs: Uuid) -> Info {
        let mut info = Info {
            ovs,
            brs: Vec::new(),
            ports: Vec::new(),
            ifaces: Vec::new(),
            br_by_name: HashMap::new(),
            port_by_name: HashMap::new(),
            iface_by_name: HashMap::new(),
            warnings: Vec::new(),
        };
        let bridges = refs(ctx, "Open_vSwitch", ovs, "bridges");
        let mut seen_ports = BTreeSet::new();
        for &b in &bridges {
            let bname = name_of(ctx, "Bridge", b);
            if info.br_by_name.contains_key(&bname) {
                info.warnings
                    .push(format!("{bname}: database contains duplicate bridge name"));
                continue;
            }
            let bi = info.add_br(bname, Some(b), None, 0);
            for p in refs(ctx, "Bridge", b, "ports") {
                let pname = name_of(ctx, "Port", p);
                if !seen_ports.insert(pname.clone()) {
                    continue;
                }
                if is_fake_bridge(ctx, p) && !info.br_by_name.contains_key(&pname) {
                    let vlan = tag(ctx, p).unwrap_or(0);
                    info.add_br(pname, None, Some(bi), vlan);
                }
            }
        }
        let mut seen_brs = BTreeSet::new();
        for &b in &bridges {
            let bname = name_of(ctx, "Bridge", b);
            if !seen_brs.insert(bname.clone()) {
                continue;
            }
            let bi = info.br_by_name[&bname];
            for p in refs(ctx, "Bridge", b, "ports") {
                let pname = name_of(ctx, "Port", p);
                if let Some(&other) = info.port_by_name.get(&pname) {
                    if info.ports[other].cfg == p {
                        let on = info.brs[info.ports[other].br].name.clone();
                        info.warnings
                            .push(format!("{pname}: port is in multiple bridges ({bname} and {on})"));
                    } else {
                        info.warnings
                            .push(format!("{pname}: database contains duplicate port name"));
                    }
                    continue;
                }
                if is_fake_bridge(ctx, p) && !seen_brs.insert(pname.clone()) {
                    continue;
                }
                let mut owner = bi;
                if let Some(t) = tag(ctx, p)
                    && let Some(&child) = info.brs[bi].children.get(&t)
                {
                    owner = child;
                }
                let pi = info.ports.len();
                info.ports.push(Port {
                    name: pname.clone(),
                    cfg: p,
                    br: owner,
                    ifaces: Vec::new(),
                });
                info.brs[owner].ports.push(pi);
                info.port_by_name.insert(pname.clone(), pi);
                for i in refs(ctx, "Port", p, "interfaces") {
                    let iname = name_of(ctx, "Interface", i);
                    if let Some(&other) = info.iface_by_name.get(&iname) {
                        if info.ifaces[other].cfg == i {
                            let op = info.ports[info.ifaces[other].port].name.clone();
                            info.warnings.push(format!(
                                "{iname}: interface is in multiple ports ({op} and {pname})"
                            ));
                        } else {
                            info.warnings
                                .push(format!("{iname}: database contains duplicate interface name"));
                        }
                        continue;
                    }
                    let ii = info.ifaces.len();
                    info.ifaces.push(Iface {
                        name: iname.clone(),
                        cfg: i,
                        port: pi,
                    });
                    info.ports[pi].ifaces.push(ii);
                    info.iface_by_name.insert(iname, ii);
                }
            }
        }
        info
    }

    fn add_br(&mut self, name: String, cfg: Option<Uuid>, parent: Option<usize>, vlan: i64) -> usize {
        let i = self.brs.len();
        if let Some(p) = parent {
            if let Some(&c) = self.brs[p].children.get(&vlan) {
                self.warnings.push(format!(
                    "{}: bridge has multiple VLAN bridges ({name} and {}) for VLAN {vlan}, but only one is allowed",
                    self.brs[p].name, self.brs[c].name
                ));
            } else {
                self.brs[p].children.insert(vlan, i);
            }
        }
        self.br_by_name.insert(name.clone(), i);
        self.brs.push(Br {
            name,
            cfg,
            parent,
            vlan,
            ports: Vec::new(),
            children: BTreeMap::new(),
        });
        i
    }

    /// A bridge by name (`no bridge named NAME` when it must exist).
    pub(super) fn find_bridge(&self, name: &str, must: bool) -> Result<Option<usize>, CtlError> {
        let b = self.br_by_name.get(name).copied();
        if b.is_none() && must {
            return Err(CtlError::NotFound(format!("no bridge named {name}")));
        }
        Ok(b)
    }

    /// A real bridge by name (`NAME is a fake bridge` for a fake one).
    pub(super) fn find_real_bridge(&self, name: &str, must: bool) -> Result<Option<usize>, CtlError> {
        let b = self.find_bridge(name, must)?;
        if let Some(i) = b
            && self.brs[i].parent.is_some()
        {
            return Err(CtlError::Value(format!("{name} is a fake bridge")));
        }
        Ok(b)
    }

    /// The Bridge row of a bridge, or of its parent for a fake one.
    pub(super) fn real_cfg(&self, b: usize) -> Uuid {
        let br = &self.brs[b];
        match (br.cfg, br.parent) {
            (Some(c), _) => c,
            (None, Some(p)) => self.real_cfg(p),
            (None, None) => Uuid::nil(),
        }
    }

    /// The real bridge of a bridge (itself, or its parent).
    pub(super) fn real(&self, b: usize) -> usize {
        self.brs[b].parent.unwrap_or(b)
    }

    /// A port by name; a bridge's own port is not a port here (vsctl.c `find_port`).
    pub(super) fn find_port(&self, name: &str, must: bool) -> Result<Option<usize>, CtlError> {
        let p = self
            .port_by_name
            .get(name)
            .copied()
            .filter(|&p| self.brs[self.ports[p].br].name != name);
        if p.is_none() && must {
            return Err(CtlError::NotFound(format!("no port named {name}")));
        }
        Ok(p)
    }

    /// A port by name, a bridge's own port included.
    pub(super) fn any_port(&self, name: &str) -> Option<usize> {
        self.port_by_name.get(name).copied()
    }

    /// An interface by name; a bridge's own interface is not one here.
    pub(super) fn find_iface(&self, name: &str, must: bool) -> Result<Option<usize>, CtlError> {
        let i = self
            .iface_by_name
            .get(name)
            .copied()
            .filter(|&i| self.brs[self.ports[self.ifaces[i].port].br].name != name);
        if i.is_none() && must {
            return Err(CtlError::NotFound(format!("no interface named {name}")));
        }
        Ok(i)
    }

    /// Refuses `name` when a bridge, port or interface has it: `MSG because ...`.
    pub(super) fn check_conflicts(&self, name: &str, msg: &str) -> Result<(), CtlError> {
        if self.br_by_name.contains_key(name) {
            return Err(CtlError::Conflict(format!(
                "{msg} because a bridge named {name} already exists"
            )));
        }
        if let Some(&p) = self.port_by_name.get(name) {
            return Err(CtlError::Conflict(format!(
                "{msg} because a port named {name} already exists on bridge {}",
                self.brs[self.ports[p].br].name
            )));
        }
        if let Some(&i) = self.iface_by_name.get(name) {
            return Err(CtlError::Conflict(format!(
                "{msg} because an interface named {name} already exists on bridge {}",
                self.brs[self.ports[self.ifaces[i].port].br].name
            )));
        }
        Ok(())
    }

    /// Every bridge of the view, real and fake.
    pub(super) fn bridge_names(&self) -> impl Iterator<Item = &Br> {
        self.brs.iter()
    }
}

/// The inconsistencies the view found, as one warning (one line each).
pub(super) fn warnings(ctx: &Ctx, info: &Info) -> Option<String> {
    if info.warnings.is_empty() {
        return None;
    }
    let prog = ctx.tool.program();
    Some(info.warnings.join(&format!("\n{prog}: ")))
}

/// `cmd` as ovs-vsctl spells it in its messages: options, then the command and its arguments.
pub(super) fn command_string(cmd: &Command) -> String {
    let mut words: Vec<String> = cmd.opts.keys().map(|o| format!("--{o}")).collect();
    words.push(cmd.name.clone());
    words.extend(cmd.args.iter().cloned());
    words.join(" ")
}

/// Sorted names, one a line.
pub(super) fn sorted_lines(mut v: Vec<String>) -> String {
    v.sort();
    v.into_iter().map(|x| x + "\n").collect()
}

/// Adds the `next_cfg` increment and its read-back (ovs-vsctl waits for ovs-vswitchd unless
/// `--no-wait`).
pub(crate) async fn prepare_wait(ctx: &mut Ctx) -> Result<(), CtlError> {
    ctx.db.load_all("Open_vSwitch").await?;
    let Some(o) = ctx.db.uuids("Open_vSwitch").first().copied() else {
        return Ok(());
    };
    if ctx.db.is_new("Open_vSwitch", o) {
        // The row made by this invocation starts at next_cfg 1 (ovs-vsctl increments it in
        // the insert's transaction too) and is the table's only row: read it back.
        ctx.db
            .update("Open_vSwitch", o, "next_cfg", Datum::scalar(Atom::Integer(1)));
        ctx.db.extra_ops.push(json!({
            "op": "select", "table": "Open_vSwitch", "where": [], "columns": ["next_cfg"],
        }));
        return Ok(());
    }
    ctx.db.push_cfg_bump(CfgWait::VSWITCHD, o);
    Ok(())
}

/// Waits until ovs-vswitchd reports `cur_cfg >= next_cfg`, then checks the interfaces this
/// invocation made (`mapping`: their local uuids to the server's) as ovs-vsctl does: each
/// one ovs-vswitchd could not set up (no `ofport`, or -1) gives an error line, and then a
/// line naming the log directory (`OVS_LOGDIR`, else `/var/log/openvswitch`). The lines are
/// returned for stderr; the exit status stays 0.
pub(crate) async fn finish_wait(
    ctx: &mut Ctx,
    results: &[Value],
    mapping: &BTreeMap<Uuid, Uuid>,
) -> Result<Vec<String>, CtlError> {
    ctx.db.wait_cfg_applied(CfgWait::VSWITCHD, results).await?;
    let new: Vec<Uuid> = ctx
        .db
        .uuids("Interface")
        .into_iter()
        .filter(|u| ctx.db.is_new("Interface", *u))
        .filter_map(|u| mapping.get(&u).copied())
        .collect();
    if new.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Value> = new.iter().map(|u| json!(["uuid", u.to_string()])).collect();
    let reply = ctx
        .db
        .raw_transact(vec![json!({
            "op": "select",
            "table": "Interface",
            "where": [["_uuid", "includes", ["set", ids]]],
            "columns": ["_uuid", "name", "ofport", "error"],
        })])
        .await?;
    let rows = reply
        .first()
        .and_then(|r| r.get("rows"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let by_uuid: BTreeMap<String, &Value> = rows
        .iter()
        .filter_map(|r| Some((r.get("_uuid")?.get(1)?.as_str()?.to_owned(), r)))
        .collect();
    let mut lines = Vec::new();
    for u in &new {
        let Some(r) = by_uuid.get(&u.to_string()) else {
            continue;
        };
        let ofport = r.get("ofport").and_then(Value::as_i64);
        if ofport.is_some_and(|p| p != -1) {
            continue;
        }
        let name = r.get("name").and_then(Value::as_str).unwrap_or_default();
        match r.get("error").and_then(Value::as_str).filter(|e| !e.is_empty()) {
            Some(e) => lines.push(format!(
                "Error detected while setting up '{name}': {e}.  See ovs-vswitchd log for details."
            )),
            None => lines.push(format!(
                "Error detected while setting up '{name}'.  See ovs-vswitchd log for details."
            )),
        }
    }
    if !lines.is_empty() {
        let dir = std::env::var("OVS_LOGDIR")
            .ok()
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "/var/log/openvswitch".into());
        lines.push(format!("The default log directory is \"{dir}\"."));
    }
    Ok(lines)
}
