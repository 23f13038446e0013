//! Datapath commands of ovs-vsctl(8): conntrack zone timeout policies (`add-zone-tp`,
//! `del-zone-tp`, `list-zone-tp`) and capabilities (`list-dp-cap`) of the Datapath rows that
//! Open_vSwitch `datapaths` names.

use std::collections::BTreeMap;

use ovsdb_proto::{Atom, Datum, Row, Uuid};

use super::ovs_row;
use crate::cmd::{MANY, Mode, Section, Syntax, run_fn};
use crate::error::CtlError;
use crate::{CmdOut, Command, Ctx};

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
        // In the order of ovs-vsctl's hash map of them (shared with ovn-nbctl's maps).
        let keys: Vec<String> = pairs.iter().map(|(k, _)| (*k).to_owned()).collect();
        let words: Vec<String> = crate::nb::common::smap_order(&keys)
            .into_iter()
            .map(|i| format!("{}={}", pairs[i].0, pairs[i].1))
            .collect();
        text = words.join(" ");
    }
    text.push('\n');
    Ok(CmdOut {
        text,
        ..CmdOut::default()
    })
}
