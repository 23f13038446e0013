//! The NAT commands of ovn-nbctl(8): `lr-nat-add` (`--stateless`, `--portrange`,
//! `--add-route`, `--gateway-port`, `--may-exist`), `lr-nat-del`, `lr-nat-list`,
//! `lr-nat-update-ext-ip`.

use std::net::IpAddr;

use ovsdb_proto::{Atom, Datum, Row, Uuid};

use super::common::find;
use super::route::normalize_prefix;
use super::rows::{self, Named, fetch, find_named, s, str_of};
use crate::cmd::{Mode, Section, Syntax, run_fn};
use crate::error::CtlError;
use crate::{CmdOut, Command, Ctx};

const LR: &str = "Logical_Router";
const LRP: &str = "Logical_Router_Port";
const NAT_T: &str = "NAT";

const LRP_NAMED: Named = Named {
    table: LRP,
    what: "port",
    plural: None,
};
const LSP_NAMED: Named = Named {
    table: "Logical_Switch_Port",
    what: "port",
    plural: None,
};
const AS_NAMED: Named = Named {
    table: "Address_Set",
    what: "Address Set",
    plural: Some("Address Sets"),
};

/// NAT commands (ovn-nbctl(8)).
pub(crate) const NAT: Section = Section {
    title: "NAT commands",
    commands: &[
        Syntax {
            name: "lr-nat-add",
            min_args: 4,
            max_args: 7,
            arguments: "ROUTER TYPE EXTERNAL_IP LOGICAL_IP [LOGICAL_PORT EXTERNAL_MAC] [EXTERNAL_PORT_RANGE]",
            options: &[
                "--may-exist",
                "--stateless",
                "--portrange",
                "--add-route",
                "--gateway-port=",
            ],
            mode: Mode::ReadWrite,
            help: "add a NAT rule to ROUTER",
            run: run_fn!(nat_add),
        },
        Syntax {
            name: "lr-nat-del",
            min_args: 1,
            max_args: 4,
            arguments: "ROUTER [TYPE [IP] [GATEWAY_PORT]]",
            options: &["--if-exists"],
            mode: Mode::ReadWrite,
            help: "remove NAT rules from ROUTER",
            run: run_fn!(nat_del),
        },
        Syntax {
            name: "lr-nat-list",
            min_args: 1,
            max_args: 1,
            arguments: "ROUTER",
            options: &[],
            mode: Mode::ReadOnly,
            help: "print the NAT rules of ROUTER",
            run: run_fn!(nat_list),
        },
        Syntax {
            name: "lr-nat-update-ext-ip",
            min_args: 4,
            max_args: 4,
            arguments: "ROUTER TYPE IP ADDRESS_SET",
            options: &["--is-exempted"],
            mode: Mode::ReadWrite,
            help: "set the allowed (or, with --is-exempted, exempted) external IPs of a NAT rule",
            run: run_fn!(nat_update_ext_ip),
        },
    ],
};

fn check_type(t: &str) -> Result<(), CtlError> {
    if ["dnat", "snat", "dnat_and_snat"].contains(&t) {
        return Ok(());
    }
    Err(CtlError::Value(format!(
        "{t}: type must be one of \"dnat\", \"snat\" and \"dnat_and_snat\"."
    )))
}

/// The router named by the first argument and its NAT rules (read).
async fn router_nats(ctx: &mut Ctx, cmd: &Command) -> Result<(Uuid, Vec<Uuid>), CtlError> {
    let lr = find(ctx, LR, "router", &cmd.args[0], true)
        .await?
        .ok_or_else(|| CtlError::NotFound(cmd.args[0].clone()))?;
    let nats = super::common::visible_members(ctx, LR, lr, "nat", NAT_T).await?;
    Ok((lr, nats))
}

/// A port range as ovn-nbctl's `is_valid_port_range` accepts it: `LO` (positive) or `LO-HI`
/// with `0 < LO < HI <= 65535` (numbers read as `strtol` does).
fn valid_port_range(r: &str) -> bool {
    fn strtol(s: &str) -> i64 {
        let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
        let (neg, rest) = match t.as_bytes().first() {
            Some(b'-') => (true, &t[1..]),
            Some(b'+') => (false, &t[1..]),
            _ => (false, t),
        };
        let end = rest.bytes().take_while(u8::is_ascii_digit).count();
        let v: i64 = rest[..end].parse().unwrap_or(0);
        if neg { -v } else { v }
    }
    let mut tokens = r.split('-').filter(|t| !t.is_empty());
    let Some(lo) = tokens.next() else { return false };
    let lo = strtol(lo);
    if lo <= 0 {
        return false;
    }
    if !r.contains('-') {
        return true;
    }
    let Some(hi) = tokens.next() else { return false };
    let hi = strtol(hi);
    tokens.next().is_none() && lo < hi && hi <= 65535
}

/// Whether `ip` falls in one of the networks of router port `p` (`ip_in_lrp_networks`).
fn ip_in_networks(ctx: &Ctx, p: Uuid, ip: &str) -> bool {
    let Ok(ip) = ip.parse::<IpAddr>() else {
        return false;
    };
    crate::value::elements(&ctx.db.value(LRP, p, "networks"))
        .iter()
        .filter_map(Atom::as_str)
        .any(|n| match ip {
            IpAddr::V4(a) => rows::ovs_ipv4_cidr(n).is_some_and(|(net, len)| {
                let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
                (u32::from(net) ^ u32::from(a)) & mask == 0
            }),
            IpAddr::V6(a) => {
                n.contains(':')
                    && rows::ovs_ipv6_cidr(n).is_some_and(|(net, len)| {
                        let mask = if len == 0 { 0 } else { u128::MAX << (128 - len) };
                        (u128::from(net) ^ u128::from(a)) & mask == 0
                    })
            }
        })
}

/// Whether router port `p` is a distributed gateway port (has gateway chassis or an HA
/// chassis group).
fn is_dgw(ctx: &Ctx, p: Uuid) -> bool {
    !ctx.db.value(LRP, p, "gateway_chassis").is_empty()
        || !ctx.db.value(LRP, p, "ha_chassis_group").is_empty()
}

fn gateway_port(ctx: &Ctx, nat: Uuid) -> Option<Uuid> {
    ctx.db
        .value(NAT_T, nat, "gateway_port")
        .as_scalar()
        .and_then(Atom::as_uuid)
}

async fn nat_add(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let (lr, nats) = router_nats(ctx, cmd).await?;
    let (ty, ext, log) = (a[1].as_str(), a[2].as_str(), a[3].as_str());
    check_type(ty)?;
    let (new_ext, v6) = match rows::normalize_v4_addr(ext) {
        Some(e) => (e, false),
        None => match rows::normalize_v6_addr(ext) {
            Some(e) => (e, true),
            None => {
                return Err(CtlError::Value(format!(
                    "{ext}: Not a valid IPv4 or IPv6 address."
                )));
            }
        },
    };
    let family = if v6 { "IPv6" } else { "IPv4" };
    let is_snat = ty == "snat";
    let new_log = if !is_snat {
        let n = if v6 {
            rows::normalize_v6_addr(log)
        } else {
            rows::normalize_v4_addr(log)
        };
        n.ok_or_else(|| CtlError::Value(format!("{log}: Not a valid {family} address.")))?
    } else {
        let n = if v6 {
            rows::normalize_v6_prefix(log)
        } else {
            rows::normalize_v4_prefix(log)
        };
        n.map(|x| x.0)
            .ok_or_else(|| CtlError::Value(format!("{log}: should be an {family} address or network.")))?
    };
    let portrange = cmd.has("portrange");
    let bad_range = |r: &str| CtlError::Value(format!("invalid port range {r}."));
    let mut port_range = None;
    let mut lport_mac = None;
    if a.len() == 5 {
        if !portrange {
            return Err(CtlError::Value(
                "lr-nat-add with logical_port must also specify external_mac.".into(),
            ));
        }
        if !valid_port_range(&a[4]) {
            return Err(bad_range(&a[4]));
        }
        port_range = Some(a[4].clone());
    } else if a.len() >= 6 {
        if ty != "dnat_and_snat" {
            return Err(CtlError::Value(
                "logical_port and external_mac are only valid when type is \"dnat_and_snat\".".into(),
            ));
        }
        if a.len() == 6 && portrange {
            return Err(CtlError::Value(
                "lr-nat-add with logical_port must also specify external_mac.".into(),
            ));
        }
        find_named(ctx, &LSP_NAMED, &a[4], true).await?;
        if rows::ovs_mac(&a[5]).is_none() {
            return Err(CtlError::Value(format!("invalid mac address {}.", a[5])));
        }
        if let Some(r) = a.get(6) {
            if !valid_port_range(r) {
                return Err(bad_range(r));
            }
            port_range = Some(r.clone());
        }
        lport_mac = Some((a[4].clone(), a[5].clone()));
    }
    let may_exist = cmd.has("may-exist");
    let stateless = cmd.has("stateless");
    if ty != "dnat_and_snat" && stateless {
        return Err(CtlError::Value(
            "stateless is not applicable to dnat or snat types".into(),
        ));
    }
    if is_snat && cmd.has("add-route") {
        return Err(CtlError::Value("routes cannot be added for snat types.".into()));
    }
    let ports = super::common::visible_members(ctx, LR, lr, "ports", LRP).await?;
    let n_dgw = ports.iter().filter(|p| is_dgw(ctx, **p)).count();
    let gw_name = cmd.opt("gateway-port");
    let mut dgw = None;
    if let Some(gname) = gw_name {
        let g = find_named(ctx, &LRP_NAMED, gname, true)
            .await?
            .ok_or_else(|| CtlError::NotFound(gname.to_owned()))?;
        if !ports.contains(&g) {
            return Err(CtlError::Value(format!(
                "{gname} is not a router port of logical router: {}.",
                a[0]
            )));
        }
        if !is_dgw(ctx, g) {
            return Err(CtlError::Value(format!(
                "{gname} is not a distributed gateway router port."
            )));
        }
        dgw = Some(g);
    } else {
        for p in &ports {
            if is_dgw(ctx, *p) && ip_in_networks(ctx, *p, &new_ext) {
                dgw = Some(*p);
            }
        }
        if n_dgw > 1 && dgw.is_none() {
            return Err(CtlError::Value(format!(
                "logical router: {} has multiple distributed gateway ports and gateway_port can not be determined from external IP of NAT rule.",
                a[0]
            )));
        }
    }
    for nat in &nats {
        let Some((old_ext, _, _)) = normalize_prefix(&str_of(ctx, NAT_T, *nat, "external_ip")) else {
            continue;
        };
        let Some((old_log, _, _)) = normalize_prefix(&str_of(ctx, NAT_T, *nat, "logical_ip")) else {
            continue;
        };
        let nat_ty = str_of(ctx, NAT_T, *nat, "type");
        // As in ovn-nbctl, a later message replaces an earlier one for the same rule.
        let mut error = None;
        let mut stop = false;
        let same_gw = n_dgw <= 1
            || (gateway_port(ctx, *nat).is_some() && gateway_port(ctx, *nat) == dgw)
            || (gateway_port(ctx, *nat).is_none() && dgw.is_some_and(|g| ip_in_networks(ctx, g, &old_ext)));
        if nat_ty == ty && same_gw {
            let (key_new, key_old) = if is_snat {
                (&new_log, &old_log)
            } else {
                (&new_ext, &old_ext)
            };
            let (other_new, other_old) = if is_snat {
                (&new_ext, &old_ext)
            } else {
                (&new_log, &old_log)
            };
            if key_new == key_old {
                stop = true;
                if other_new == other_old {
                    if may_exist {
                        let (lp, mac) = match &lport_mac {
                            Some((p, m)) => (s(p), s(m)),
                            None => (Datum::empty_set(), Datum::empty_set()),
                        };
                        ctx.db.update(NAT_T, *nat, "logical_port", lp);
                        ctx.db.update(NAT_T, *nat, "external_mac", mac);
                    } else {
                        error = Some(format!(
                            "{new_ext}, {new_log}: a NAT with this external_ip and logical_ip already exists"
                        ));
                    }
                } else {
                    error = Some(format!(
                        "a NAT with this type ({ty}), {} ({key_new}) already exists",
                        if is_snat { "logical_ip" } else { "external_ip" }
                    ));
                }
            }
        }
        if (ty == "dnat_and_snat" || nat_ty == "dnat_and_snat") && old_ext == new_ext {
            let old_stateless = ctx
                .db
                .value(NAT_T, *nat, "options")
                .as_map()
                .and_then(|m| m.get(&Atom::string("stateless")))
                .and_then(Atom::as_str)
                == Some("true");
            if old_stateless || stateless {
                if !may_exist {
                    let e = format!(
                        "{new_ext}, {new_log}: External ip cannot be shared across stateless and stateful NATs"
                    );
                    if let Some(first) = error.replace(e.clone()) {
                        // db-ctl-base logs the error it replaces.
                        return Err(CtlError::logged(
                            vec![format!("db_ctl_base|ERR|Discarding unhandled error: {first}")],
                            CtlError::Conflict(e),
                        ));
                    }
                }
                stop = true;
            }
        }
        if let Some(e) = error {
            return Err(CtlError::Conflict(e));
        }
        if stop {
            return Ok(CmdOut::default());
        }
    }
    let mut options = vec![(
        Atom::string("stateless"),
        Atom::string(if stateless { "true" } else { "false" }),
    )];
    if cmd.has("add-route") {
        options.push((Atom::string("add_route"), Atom::string("true")));
    }
    let mut row = Row::new()
        .with("type", s(ty))
        .with("external_ip", s(ext))
        .with("logical_ip", s(&new_log))
        .with("options", Datum::Map(options.into_iter().collect()));
    if let Some((p, m)) = &lport_mac {
        row.insert("logical_port", s(p));
        row.insert("external_mac", s(m));
    }
    if let Some(r) = &port_range {
        row.insert("external_port_range", s(r));
    }
    if gw_name.is_some() {
        if let Some(g) = dgw {
            row.insert("gateway_port", Datum::scalar(g));
        }
    }
    let u = ctx.db.insert(NAT_T, row, None);
    ctx.db.mutate_insert(LR, lr, "nat", Datum::scalar(u));
    Ok(CmdOut::default())
}

async fn nat_del(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let (lr, nats) = router_nats(ctx, cmd).await?;
    let Some(ty) = a.get(1) else {
        ctx.db.update(LR, lr, "nat", Datum::empty_set());
        return Ok(CmdOut::default());
    };
    check_type(ty)?;
    let is_snat = ty == "snat";
    let of_type: Vec<Uuid> = nats
        .iter()
        .copied()
        .filter(|u| str_of(ctx, NAT_T, *u, "type") == *ty)
        .collect();
    let key_ip = |ctx: &Ctx, u: Uuid| {
        let col = if is_snat { "logical_ip" } else { "external_ip" };
        normalize_prefix(&str_of(ctx, NAT_T, u, col)).map(|x| x.0)
    };
    let del: Vec<Uuid> = match (a.get(2), a.get(3)) {
        (None, _) => of_type,
        (Some(ip), None) => match normalize_prefix(ip) {
            None => {
                // Not an IP: a gateway port.
                let g = find_named(ctx, &LRP_NAMED, ip, true)
                    .await?
                    .ok_or_else(|| CtlError::NotFound(ip.clone()))?;
                of_type
                    .into_iter()
                    .filter(|u| gateway_port(ctx, *u) == Some(g))
                    .collect()
            }
            Some((nip, _, _)) => of_type
                .into_iter()
                .filter(|u| key_ip(ctx, *u).as_ref() == Some(&nip))
                .collect(),
        },
        (Some(ip), Some(gname)) => {
            let nip = normalize_prefix(ip)
                .map(|x| x.0)
                .ok_or_else(|| CtlError::Value(format!("{ip}: Invalid IP address or CIDR")))?;
            let g = find_named(ctx, &LRP_NAMED, gname, true)
                .await?
                .ok_or_else(|| CtlError::NotFound(gname.clone()))?;
            let hit = of_type
                .into_iter()
                .find(|u| key_ip(ctx, *u).as_ref() == Some(&nip) && gateway_port(ctx, *u) == Some(g));
            if hit.is_none() && !cmd.has("if-exists") {
                return Err(CtlError::NotFound(format!(
                    "no matching NAT with the type ({ty}), {} ({nip}) and gateway_port ({gname})",
                    if is_snat { "logical_ip" } else { "external_ip" }
                )));
            }
            hit.into_iter().collect()
        }
    };
    if !del.is_empty() {
        ctx.db
            .mutate_delete(LR, lr, "nat", Datum::set(del.iter().copied()));
    }
    Ok(CmdOut::default())
}

/// C `printf("%-W.Ps", s)`.
fn cfmt(s: &str, w: usize, p: usize) -> String {
    let mut end = s.len().min(p);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{:<w$}", &s[..end])
}

async fn nat_list(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let (_, nats) = router_nats(ctx, cmd).await?;
    let gws: Vec<Uuid> = nats.iter().filter_map(|u| gateway_port(ctx, *u)).collect();
    fetch(ctx, LRP, &gws).await?;
    let mut lines: Vec<(String, String)> = Vec::new();
    for u in &nats {
        let gw = gateway_port(ctx, *u)
            .map(|g| str_of(ctx, LRP, g, "name"))
            .unwrap_or_default();
        let key = format!(
            "{}{}{}",
            cfmt(&str_of(ctx, NAT_T, *u, "type"), 17, 13),
            cfmt(&gw, 22, 18),
            str_of(ctx, NAT_T, *u, "external_ip")
        );
        let range = str_of(ctx, NAT_T, *u, "external_port_range");
        let logical_ip = str_of(ctx, NAT_T, *u, "logical_ip");
        let mac = ctx.db.value(NAT_T, *u, "external_mac");
        let port = ctx.db.value(NAT_T, *u, "logical_port");
        let value = match (
            mac.as_scalar().and_then(Atom::as_str),
            port.as_scalar().and_then(Atom::as_str),
        ) {
            (Some(m), Some(p)) => format!(
                "{}{}{}{p}",
                cfmt(&range, 17, 13),
                cfmt(&logical_ip, 20, 16),
                cfmt(m, 21, 17)
            ),
            _ => format!("{}{logical_ip}", cfmt(&range, 17, 13)),
        };
        lines.push((key, value));
    }
    lines.sort_by(|x, y| x.0.as_bytes().cmp(y.0.as_bytes()));
    let mut out = String::new();
    if !lines.is_empty() {
        out.push_str(&format!(
            "{}{}{}{}{}{}LOGICAL_PORT\n",
            cfmt("TYPE", 17, 13),
            cfmt("GATEWAY_PORT", 22, 18),
            cfmt("EXTERNAL_IP", 19, 15),
            cfmt("EXTERNAL_PORT", 17, 13),
            cfmt("LOGICAL_IP", 20, 16),
            cfmt("EXTERNAL_MAC", 21, 17)
        ));
    }
    for (k, v) in lines {
        out.push_str(&format!("{}{v}\n", cfmt(&k, 58, 54)));
    }
    Ok(CmdOut {
        text: out,
        ..CmdOut::default()
    })
}

async fn nat_update_ext_ip(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let (_, nats) = router_nats(ctx, cmd).await?;
    let ty = a[1].as_str();
    check_type(ty)?;
    let set = find_named(ctx, &AS_NAMED, &a[3], true)
        .await?
        .ok_or_else(|| CtlError::NotFound(a[3].clone()))?;
    let nip = normalize_prefix(&a[2])
        .map(|x| x.0)
        .ok_or_else(|| CtlError::Value(format!("{}: Invalid IP address or CIDR", a[2])))?;
    let col = if ty == "snat" { "logical_ip" } else { "external_ip" };
    let hit = nats.iter().copied().find(|u| {
        str_of(ctx, NAT_T, *u, "type") == ty
            && normalize_prefix(&str_of(ctx, NAT_T, *u, col)).is_some_and(|x| x.0 == nip)
    });
    let Some(nat) = hit else {
        return Err(CtlError::NotFound(format!(
            "{ty}: Could not locate nat rule for: {nip}."
        )));
    };
    let target = if cmd.has("is-exempted") {
        "exempted_ext_ips"
    } else {
        "allowed_ext_ips"
    };
    ctx.db.update(NAT_T, nat, target, Datum::scalar(set));
    Ok(CmdOut::default())
}
