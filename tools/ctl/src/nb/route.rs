//! The static route commands of ovn-nbctl(8).

use ovsdb_proto::{Atom, Datum, Row, Uuid};

use super::common::*;
use crate::cmd::{self, Section, run_fn};
use crate::error::CtlError;
use crate::{CmdOut, Command, Ctx, check_arity};

/// Route commands (ovn-nbctl(8)).
pub(crate) const ROUTE: Section = Section {
    title: "Route commands",
    commands: &[
        cmd::unchecked("lr-route-add", run_fn!(run)),
        cmd::unchecked("lr-route-del", run_fn!(run)),
        cmd::unchecked("lr-route-list", run_fn!(run)),
    ],
};

/// Runs `lr-route-add`, `lr-route-del`, `lr-route-list`.
pub(super) async fn run(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let mut out = CmdOut::default();
    route(ctx, cmd, &mut out).await?;
    Ok(out)
}

/// A prefix `IP[/LEN]` normalized as ovn-nbctl does (host bits cleared, `/32` and `/128`
/// dropped), with its family and length.
fn normalize_prefix(p: &str) -> Option<(String, bool, u32)> {
    let (ip, len) = match p.split_once('/') {
        Some((ip, l)) => (ip, Some(l.parse::<u32>().ok()?)),
        None => (p, None),
    };
    match ip.parse::<std::net::IpAddr>().ok()? {
        std::net::IpAddr::V4(a) => {
            let len = len.unwrap_or(32);
            if len > 32 {
                return None;
            }
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            let net = std::net::Ipv4Addr::from(u32::from(a) & mask);
            Some((
                if len == 32 {
                    net.to_string()
                } else {
                    format!("{net}/{len}")
                },
                true,
                len,
            ))
        }
        std::net::IpAddr::V6(a) => {
            let len = len.unwrap_or(128);
            if len > 128 {
                return None;
            }
            let mask = if len == 0 { 0 } else { u128::MAX << (128 - len) };
            let net = std::net::Ipv6Addr::from(u128::from(a) & mask);
            Some((
                if len == 128 {
                    net.to_string()
                } else {
                    format!("{net}/{len}")
                },
                false,
                len,
            ))
        }
    }
}

fn route_policy(ctx: &Ctx, u: Uuid) -> String {
    let p = str_of(ctx, "Logical_Router_Static_Route", u, "policy");
    if p.is_empty() { "dst-ip".into() } else { p }
}

/// `lr-route-add`, `lr-route-del`, `lr-route-list`.
async fn route(ctx: &mut Ctx, cmd: &Command, out: &mut CmdOut) -> Result<(), CtlError> {
    const T: &str = "Logical_Router_Static_Route";
    let a = &cmd.args;
    match cmd.name.as_str() {
        "lr-route-add" => check_arity(
            cmd,
            3,
            4,
            &[
                "may-exist",
                "policy",
                "ecmp",
                "ecmp-symmetric-reply",
                "bfd",
                "route-table",
            ],
        )?,
        "lr-route-del" => check_arity(cmd, 1, 4, &["if-exists", "policy", "route-table"])?,
        _ => check_arity(cmd, 1, 1, &[])?,
    }
    let lr = find(ctx, "Logical_Router", "router", &a[0], true)
        .await?
        .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
    let routes = members(ctx, "Logical_Router", lr, "static_routes", T).await?;
    let policy = cmd.opt("policy");
    if let Some(p) = policy {
        if p != "src-ip" && p != "dst-ip" {
            return Err(CtlError::Value(format!("bad policy: {p}")));
        }
    }
    let table = cmd.opt("route-table").unwrap_or_default();
    match cmd.name.as_str() {
        "lr-route-add" => {
            let (prefix, v4, _) = normalize_prefix(&a[1])
                .ok_or_else(|| CtlError::Value(format!("bad prefix argument: {}", a[1])))?;
            let nexthop = if a[2] == "discard" {
                "discard".to_owned()
            } else {
                match normalize_prefix(&a[2]) {
                    Some((n, nv4, len))
                        if nv4 == v4 && len == if v4 { 32 } else { 128 } && !a[2].contains('/') =>
                    {
                        n
                    }
                    _ => {
                        return Err(CtlError::Value(format!(
                            "bad {} nexthop argument: {}",
                            if v4 { "IPv4" } else { "IPv6" },
                            a[2]
                        )));
                    }
                }
            };
            let want_policy = policy.unwrap_or("dst-ip");
            let ecmp = cmd.has("ecmp") || cmd.has("ecmp-symmetric-reply");
            for u in &routes {
                if str_of(ctx, T, *u, "route_table") != table || route_policy(ctx, *u) != want_policy {
                    continue;
                }
                let rp = normalize_prefix(&str_of(ctx, T, *u, "ip_prefix")).map(|x| x.0);
                if rp.as_deref() != Some(prefix.as_str()) {
                    continue;
                }
                if !ecmp {
                    if !cmd.has("may-exist") {
                        return Err(CtlError::Conflict(format!(
                            "duplicate prefix: {prefix} (policy: {want_policy}). Use option --ecmp to allow this for ECMP routing."
                        )));
                    }
                    ctx.db.update(T, *u, "nexthop", s(&nexthop));
                    let port = a.get(3).map(|p| s(p)).unwrap_or_else(Datum::empty_set);
                    ctx.db.update(T, *u, "output_port", port);
                    return Ok(());
                }
                if str_of(ctx, T, *u, "nexthop") == nexthop {
                    if cmd.has("may-exist") {
                        return Ok(());
                    }
                    return Err(CtlError::Conflict(format!(
                        "duplicate nexthop for the same ECMP route: {prefix} (policy: {want_policy})"
                    )));
                }
            }
            let mut row = Row::new()
                .with("ip_prefix", s(&prefix))
                .with("nexthop", s(&nexthop));
            if let Some(p) = a.get(3) {
                row.insert("output_port", s(p));
            }
            if let Some(p) = policy {
                row.insert("policy", s(p));
            }
            if !table.is_empty() {
                row.insert("route_table", s(table));
            }
            if cmd.has("ecmp-symmetric-reply") {
                row.insert(
                    "options",
                    Datum::map([(Atom::string("ecmp_symmetric_reply"), Atom::string("true"))]),
                );
            }
            let u = ctx.db.insert(T, row, None);
            ctx.db
                .mutate_insert("Logical_Router", lr, "static_routes", Datum::scalar(u));
        }
        "lr-route-del" => {
            let prefix = match a.get(1) {
                Some(p) => Some(
                    normalize_prefix(p)
                        .map(|x| x.0)
                        .ok_or_else(|| CtlError::Value(format!("bad prefix argument: {p}")))?,
                ),
                None => None,
            };
            let nexthop = match a.get(2) {
                Some(n) if n == "discard" => Some(n.clone()),
                Some(n) => Some(
                    normalize_prefix(n)
                        .map(|x| x.0)
                        .ok_or_else(|| CtlError::Value(format!("bad nexthop argument: {n}")))?,
                ),
                None => None,
            };
            let port = a.get(3).cloned();
            let mut del = Vec::new();
            for u in &routes {
                if cmd.opt("route-table").is_some() && str_of(ctx, T, *u, "route_table") != table {
                    continue;
                }
                if policy.is_some_and(|p| route_policy(ctx, *u) != p) {
                    continue;
                }
                if let Some(p) = &prefix {
                    if normalize_prefix(&str_of(ctx, T, *u, "ip_prefix"))
                        .map(|x| x.0)
                        .as_ref()
                        != Some(p)
                    {
                        continue;
                    }
                }
                if let Some(n) = &nexthop {
                    let rn = str_of(ctx, T, *u, "nexthop");
                    let rn = if rn == "discard" {
                        rn
                    } else {
                        normalize_prefix(&rn).map(|x| x.0).unwrap_or(rn)
                    };
                    if &rn != n {
                        continue;
                    }
                }
                if let Some(p) = &port {
                    if &str_of(ctx, T, *u, "output_port") != p {
                        continue;
                    }
                }
                del.push(*u);
            }
            if del.is_empty() && prefix.is_some() {
                if cmd.has("if-exists") {
                    return Ok(());
                }
                return Err(CtlError::NotFound(format!(
                    "no matching route: policy '{}', prefix '{}', nexthop '{}', output_port '{}'.",
                    policy.unwrap_or("any"),
                    a[1],
                    a.get(2).map(String::as_str).unwrap_or("any"),
                    a.get(3).map(String::as_str).unwrap_or("any"),
                )));
            }
            if !del.is_empty() {
                ctx.db.mutate_delete(
                    "Logical_Router",
                    lr,
                    "static_routes",
                    Datum::set(del.iter().copied()),
                );
                for u in del {
                    ctx.db.delete(T, u);
                }
            }
        }
        _ => {
            type Key = (String, std::cmp::Reverse<u32>, Vec<u8>, String, String);
            let mut v4: Vec<(Key, Uuid)> = Vec::new();
            let mut v6: Vec<(Key, Uuid)> = Vec::new();
            for u in &routes {
                let p = str_of(ctx, T, *u, "ip_prefix");
                let Some((np, is4, len)) = normalize_prefix(&p) else {
                    continue;
                };
                let addr: Vec<u8> = match np
                    .split('/')
                    .next()
                    .and_then(|ip| ip.parse::<std::net::IpAddr>().ok())
                {
                    Some(std::net::IpAddr::V4(x)) => x.octets().to_vec(),
                    Some(std::net::IpAddr::V6(x)) => x.octets().to_vec(),
                    None => Vec::new(),
                };
                let dst = u32::from(route_policy(ctx, *u) == "dst-ip");
                let key = (
                    str_of(ctx, T, *u, "route_table"),
                    std::cmp::Reverse(len * 2 + dst),
                    addr,
                    route_policy(ctx, *u),
                    str_of(ctx, T, *u, "nexthop"),
                );
                if is4 {
                    v4.push((key, *u))
                } else {
                    v6.push((key, *u))
                }
            }
            let mut first = true;
            for (title, mut list) in [("IPv4 Routes", v4), ("IPv6 Routes", v6)] {
                if list.is_empty() {
                    continue;
                }
                list.sort();
                if !first {
                    out.text.push('\n');
                }
                first = false;
                out.text.push_str(title);
                out.text.push('\n');
                let mut cur_table: Option<String> = None;
                for (key, u) in &list {
                    if cur_table.as_ref() != Some(&key.0) {
                        let name = if key.0.is_empty() {
                            "<main>".to_owned()
                        } else {
                            key.0.clone()
                        };
                        out.text.push_str(&format!("Route Table {name}:\n"));
                        cur_table = Some(key.0.clone());
                    }
                    let prefix = normalize_prefix(&str_of(ctx, T, *u, "ip_prefix"))
                        .map(|x| x.0)
                        .unwrap_or_default();
                    let mut line = format!("{prefix:>25} {:>25} {}", key.4, key.3);
                    let port = str_of(ctx, T, *u, "output_port");
                    if !port.is_empty() {
                        line.push(' ');
                        line.push_str(&port);
                    }
                    if !ctx.db.value(T, *u, "bfd").is_empty() {
                        line.push_str(" bfd");
                    }
                    let peers = list
                        .iter()
                        .filter(|(k, _)| k.0 == key.0 && k.1 == key.1 && k.2 == key.2 && k.3 == key.3)
                        .count();
                    if peers > 1 {
                        let sym = ctx
                            .db
                            .value(T, *u, "options")
                            .as_map()
                            .and_then(|m| m.get(&Atom::string("ecmp_symmetric_reply")).cloned())
                            == Some(Atom::string("true"));
                        line.push_str(if sym { " ecmp-symmetric-reply" } else { " ecmp" });
                    }
                    out.text.push_str(&line);
                    out.text.push('\n');
                }
            }
        }
    }
    Ok(())
}
