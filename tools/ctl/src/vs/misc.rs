//! The other commands of ovs-vsctl(8): `init`, `show`, `emer-reset`, auto-attach mappings,
//! conntrack zone timeout policies, datapath capabilities, and this tool's `chassis-setup`.

use std::collections::BTreeMap;

use ovsdb_proto::{Atom, Datum, Row, Uuid};

use super::{Info, ovs_row, refs, s, warnings};
use crate::cmd::{MANY, Mode, Section, Syntax, run_fn};
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

/// The auto-attach commands.
pub(crate) const AUTO_ATTACH: Section = Section {
    title: "Auto Attach commands",
    commands: &[
        Syntax {
            name: "add-aa-mapping",
            min_args: 3,
            max_args: 3,
            arguments: "BRIDGE I-SID VLAN",
            options: &[],
            mode: Mode::ReadWrite,
            help: "map I-SID to VLAN on BRIDGE",
            run: run_fn!(add_aa_mapping),
        },
        Syntax {
            name: "del-aa-mapping",
            min_args: 3,
            max_args: 3,
            arguments: "BRIDGE I-SID VLAN",
            options: &[],
            mode: Mode::ReadWrite,
            help: "remove the mapping of I-SID to VLAN from BRIDGE",
            run: run_fn!(del_aa_mapping),
        },
        Syntax {
            name: "get-aa-mapping",
            min_args: 1,
            max_args: 1,
            arguments: "BRIDGE",
            options: &[],
            mode: Mode::ReadOnly,
            help: "the I-SID to VLAN mappings of BRIDGE",
            run: run_fn!(get_aa_mapping),
        },
    ],
};

/// The conntrack zone timeout policy commands.
pub(crate) const ZONE: Section = Section {
    title: "Zone and CT timeout policy commands",
    commands: &[
        Syntax {
            name: "add-zone-tp",
            min_args: 3,
            max_args: MANY,
            arguments: "DATAPATH zone=ZONE POLICY...",
            options: &["--may-exist"],
            mode: Mode::ReadWrite,
            help: "set the timeout policy of ZONE in DATAPATH",
            run: run_fn!(add_zone_tp),
        },
        Syntax {
            name: "del-zone-tp",
            min_args: 2,
            max_args: 2,
            arguments: "DATAPATH zone=ZONE",
            options: &["--if-exists"],
            mode: Mode::ReadWrite,
            help: "remove the timeout policy of ZONE from DATAPATH",
            run: run_fn!(del_zone_tp),
        },
        Syntax {
            name: "list-zone-tp",
            min_args: 1,
            max_args: 1,
            arguments: "DATAPATH",
            options: &[],
            mode: Mode::ReadOnly,
            help: "the zones of DATAPATH with their timeout policies",
            run: run_fn!(list_zone_tp),
        },
    ],
};

/// `list-dp-cap`.
pub(crate) const DATAPATH: Section = Section {
    title: "Datapath capabilities commands",
    commands: &[Syntax {
        name: "list-dp-cap",
        min_args: 1,
        max_args: 1,
        arguments: "DATAPATH",
        options: &[],
        mode: Mode::ReadOnly,
        help: "the capabilities of DATAPATH",
        run: run_fn!(list_dp_cap),
    }],
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

/// C's `strtoull` as ovs-vsctl checks it: a number must start the argument.
fn leading_number(v: &str) -> Option<i64> {
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

fn aa_args(cmd: &Command) -> Result<(i64, i64), CtlError> {
    let parse =
        |v: &String| leading_number(v).ok_or_else(|| CtlError::Value(format!("Invalid argument {v}")));
    Ok((parse(&cmd.args[1])?, parse(&cmd.args[2])?))
}

/// The Bridge row of the real bridge named (directly or as a fake bridge's parent).
async fn aa_bridge(ctx: &mut Ctx, cmd: &Command) -> Result<(Info, Uuid, Option<Uuid>), CtlError> {
    let info = Info::load(ctx).await?;
    let b = info.find_bridge(&cmd.args[0], true)?.unwrap_or_default();
    let cfg = info.real_cfg(b);
    let aa = refs(ctx, "Bridge", cfg, "auto_attach").first().copied();
    if let Some(u) = aa {
        ctx.db.select_uuid("AutoAttach", u).await?;
    }
    Ok((info, cfg, aa))
}

async fn add_aa_mapping(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let (isid, vlan) = aa_args(cmd)?;
    let (info, cfg, aa) = aa_bridge(ctx, cmd).await?;
    let pair = Datum::map([(Atom::Integer(isid), Atom::Integer(vlan))]);
    match aa {
        None => {
            let u = ctx
                .db
                .insert("AutoAttach", Row::new().with("mappings", pair), None);
            ctx.db.update("Bridge", cfg, "auto_attach", Datum::scalar(u));
        }
        Some(u) => {
            let mut m = ctx
                .db
                .value("AutoAttach", u, "mappings")
                .as_map()
                .cloned()
                .unwrap_or_default();
            // A second mapping of the same I-SID is dropped (the first one stays), as the
            // IDL's sorted, duplicate-free map ovs-vsctl writes keeps it.
            m.entry(Atom::Integer(isid)).or_insert(Atom::Integer(vlan));
            ctx.db.update("AutoAttach", u, "mappings", Datum::Map(m));
        }
    }
    Ok(CmdOut {
        warning: warnings(ctx, &info),
        ..CmdOut::default()
    })
}

async fn del_aa_mapping(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let (isid, vlan) = aa_args(cmd)?;
    let (info, _, aa) = aa_bridge(ctx, cmd).await?;
    if let Some(u) = aa {
        let m = ctx
            .db
            .value("AutoAttach", u, "mappings")
            .as_map()
            .cloned()
            .unwrap_or_default();
        let (k, v) = (Atom::Integer(isid), Atom::Integer(vlan));
        if m.get(&k) == Some(&v) {
            // As ovs-vsctl does: every mapping of that I-SID or of that VLAN goes.
            let left: BTreeMap<Atom, Atom> = m.into_iter().filter(|(a, b)| *a != k && *b != v).collect();
            ctx.db.update("AutoAttach", u, "mappings", Datum::Map(left));
        }
    }
    Ok(CmdOut {
        warning: warnings(ctx, &info),
        ..CmdOut::default()
    })
}

async fn get_aa_mapping(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let (info, _, aa) = aa_bridge(ctx, cmd).await?;
    let mut text = String::new();
    if let Some(u) = aa
        && let Some(m) = ctx.db.value("AutoAttach", u, "mappings").as_map()
    {
        for (k, v) in m {
            text.push_str(&format!(
                "{} {}\n",
                k.as_integer().unwrap_or_default(),
                v.as_integer().unwrap_or_default()
            ));
        }
    }
    Ok(CmdOut {
        text,
        warning: warnings(ctx, &info),
        ..CmdOut::default()
    })
}

/// The Datapath row named `dp` in Open_vSwitch `datapaths`.
async fn find_datapath(ctx: &mut Ctx, dp: &str) -> Result<Option<Uuid>, CtlError> {
    let ovs = ovs_row(ctx).await?;
    let d = ctx.db.value("Open_vSwitch", ovs, "datapaths");
    let u = d
        .as_map()
        .and_then(|m| m.get(&Atom::string(dp)))
        .and_then(Atom::as_uuid);
    if let Some(u) = u {
        ctx.db.select_uuid("Datapath", u).await?;
    }
    Ok(u)
}

/// `zone=N` as ovs-vsctl scans it (`%i`: decimal, `0x` hex or `0` octal, with a sign); 0
/// when it does not parse (ovs-vsctl then uses whatever its variable held).
fn zone_id(v: &str) -> i64 {
    let Some(n) = v.strip_prefix("zone=") else {
        return 0;
    };
    let t = n.trim_start();
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (radix, digits) = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        (16, h)
    } else if t.len() > 1 && t.starts_with('0') {
        (8, &t[1..])
    } else {
        (10, t)
    };
    let end = digits.find(|c: char| !c.is_digit(radix)).unwrap_or(digits.len());
    let v = i64::from_str_radix(&digits[..end], radix).unwrap_or(0);
    if neg { -v } else { v }
}

/// One `KEY=VALUE` timeout policy argument as OVS's key-value parser reads it: the key ends
/// at `=`, `:` or `(`; a bare word is a key with an empty value (0).
fn policy(p: &str) -> (String, i64) {
    match p.find(['=', ':', '(']) {
        Some(i) => {
            let v = p[i + 1..].trim_end_matches(')');
            (p[..i].to_owned(), super::br::atoi(v))
        }
        None => (p.to_owned(), 0),
    }
}

/// The zones of a Datapath row.
fn zones(ctx: &Ctx, dp: Uuid) -> BTreeMap<Atom, Atom> {
    ctx.db
        .value("Datapath", dp, "ct_zones")
        .as_map()
        .cloned()
        .unwrap_or_default()
}

async fn add_zone_tp(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let zone = zone_id(&a[1]);
    let Some(dp) = find_datapath(ctx, &a[0]).await? else {
        return Err(CtlError::NotFound(format!("datapath {} does not exist", a[0])));
    };
    let existing = zones(ctx, dp).get(&Atom::Integer(zone)).and_then(Atom::as_uuid);
    if existing.is_some() && !cmd.has("may-exist") {
        return Err(CtlError::Conflict(format!("zone id {zone} already exists")));
    }
    let mut want: BTreeMap<Atom, Atom> = BTreeMap::new();
    for p in a[2..].iter().filter(|p| !p.is_empty()) {
        let (k, v) = policy(p);
        want.insert(Atom::string(k), Atom::Integer(v));
    }
    ctx.db.load_all("CT_Timeout_Policy").await?;
    let tp = ctx
        .db
        .uuids("CT_Timeout_Policy")
        .into_iter()
        .find(|u| ctx.db.value("CT_Timeout_Policy", *u, "timeouts").as_map() == Some(&want));
    let tp = match tp {
        Some(u) => u,
        None => ctx.db.insert(
            "CT_Timeout_Policy",
            Row::new().with("timeouts", Datum::Map(want)),
            None,
        ),
    };
    match existing {
        Some(z) => {
            ctx.db.select_uuid("CT_Zone", z).await?;
            ctx.db.update("CT_Zone", z, "timeout_policy", Datum::scalar(tp));
        }
        None => {
            let z = ctx.db.insert(
                "CT_Zone",
                Row::new().with("timeout_policy", Datum::scalar(tp)),
                None,
            );
            ctx.db.mutate_insert(
                "Datapath",
                dp,
                "ct_zones",
                Datum::map([(Atom::Integer(zone), Atom::Uuid(z))]),
            );
        }
    }
    Ok(CmdOut::default())
}

async fn del_zone_tp(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let zone = zone_id(&a[1]);
    let Some(dp) = find_datapath(ctx, &a[0]).await? else {
        return Err(CtlError::NotFound(format!("datapath {} does not exist", a[0])));
    };
    let key = Atom::Integer(zone);
    if !zones(ctx, dp).contains_key(&key) {
        if !cmd.has("if-exists") {
            return Err(CtlError::NotFound(format!("zone id {zone} does not exist")));
        }
        return Ok(CmdOut::default());
    }
    ctx.db
        .mutate_delete("Datapath", dp, "ct_zones", Datum::Set([key].into()));
    Ok(CmdOut::default())
}

async fn list_zone_tp(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let Some(dp) = find_datapath(ctx, &cmd.args[0]).await? else {
        return Err(CtlError::NotFound(format!(
            "datapath: {} record not found",
            cmd.args[0]
        )));
    };
    let mut text = String::new();
    for (k, z) in zones(ctx, dp) {
        let Some(z) = z.as_uuid() else { continue };
        ctx.db.select_uuid("CT_Zone", z).await?;
        let mut line = format!("Zone:{}, Timeout Policies: ", k.as_integer().unwrap_or_default());
        match ctx
            .db
            .value("CT_Zone", z, "timeout_policy")
            .as_scalar()
            .and_then(Atom::as_uuid)
        {
            Some(tp) => {
                ctx.db.select_uuid("CT_Timeout_Policy", tp).await?;
                if let Some(m) = ctx.db.value("CT_Timeout_Policy", tp, "timeouts").as_map() {
                    for (k, v) in m {
                        line.push_str(&format!(
                            "{}={} ",
                            k.as_str().unwrap_or_default(),
                            v.as_integer().unwrap_or_default()
                        ));
                    }
                }
            }
            None => line.push_str("system default"),
        }
        text.push_str(line.trim_end_matches(' '));
        text.push('\n');
    }
    Ok(CmdOut {
        text,
        ..CmdOut::default()
    })
}

async fn list_dp_cap(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let Some(dp) = find_datapath(ctx, &cmd.args[0]).await? else {
        return Err(CtlError::NotFound(format!(
            "datapath \"{}\" record not found",
            cmd.args[0]
        )));
    };
    let mut text = String::new();
    if let Some(m) = ctx.db.value("Datapath", dp, "capabilities").as_map() {
        let pairs: Vec<(&str, &str)> = m
            .iter()
            .map(|(k, v)| (k.as_str().unwrap_or_default(), v.as_str().unwrap_or_default()))
            .collect();
        let words: Vec<String> = smap_order(&pairs)
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        text = words.join(" ");
    }
    text.push('\n');
    Ok(CmdOut {
        text,
        ..CmdOut::default()
    })
}

/// OVS's `hash_bytes(s, len, 0)` (lib/hash.c, the murmur-based build): the hash its string
/// maps (`smap`) file their keys under.
fn ovs_hash_bytes(s: &[u8]) -> u32 {
    fn add(hash: u32, data: u32) -> u32 {
        let mut hash = hash;
        if data != 0 {
            let d = data
                .wrapping_mul(0xcc9e_2d51)
                .rotate_left(15)
                .wrapping_mul(0x1b87_3593);
            hash ^= d;
        }
        hash.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64)
    }
    let mut hash = 0u32;
    let mut chunks = s.chunks_exact(4);
    for c in &mut chunks {
        hash = add(hash, u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut b = [0u8; 4];
        b[..rest.len()].copy_from_slice(rest);
        hash = add(hash, u32::from_le_bytes(b));
    }
    // The length is folded in as a 32-bit value, as the C code's `uint32_t final` does.
    let mut h = hash ^ (s.len() as u32);
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

/// The order in which ovs-vsctl walks a string map its IDL built from `pairs` (given in the
/// datum's key order): OVS's `hmap`, buckets by `hash & mask`, newest first in a bucket,
/// grown (and rehashed bucket by bucket) as it fills.
fn smap_order<'a>(pairs: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    type Node<'a> = (u32, (&'a str, &'a str));
    fn calc_mask(capacity: usize) -> usize {
        let mut mask = capacity / 2;
        for s in [1, 2, 4, 8, 16, 32] {
            mask |= mask >> s;
        }
        mask | ((mask & 1) << 1)
    }
    let mut mask = 0usize;
    let mut buckets: Vec<Vec<Node<'a>>> = vec![Vec::new()];
    let mut n = 0usize;
    for &(k, v) in pairs {
        let h = ovs_hash_bytes(k.as_bytes());
        buckets[h as usize & mask].insert(0, (h, (k, v)));
        n += 1;
        if n / 2 > mask {
            let new_mask = calc_mask(n);
            if new_mask > mask {
                let mut grown: Vec<Vec<Node<'a>>> = vec![Vec::new(); new_mask + 1];
                for b in buckets {
                    for node in b {
                        grown[node.0 as usize & new_mask].insert(0, node);
                    }
                }
                buckets = grown;
                mask = new_mask;
            }
        }
    }
    buckets.into_iter().flatten().map(|(_, kv)| kv).collect()
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
