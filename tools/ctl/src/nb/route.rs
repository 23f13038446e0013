//! The static route commands of ovn-nbctl(8): `lr-route-add` (`--policy`, `--ecmp`,
//! `--ecmp-symmetric-reply`, `--bfd`, `--route-table`, an output port for a next hop, or
//! `discard`), `lr-route-del`, `lr-route-list`.

use std::cmp::Ordering;

use ovsdb_proto::{Atom, Datum, Row, Uuid};
use serde_json::json;

use super::common::find;
use super::rows::{self, Named, fetch, find_named, s, str_of};
use crate::cmd::{Mode, Section, Syntax, run_fn};
use crate::error::CtlError;
use crate::{CmdOut, Command, Ctx};

const LR: &str = "Logical_Router";
const T: &str = "Logical_Router_Static_Route";
const BFD: &str = "BFD";

const LRP_NAMED: Named = Named {
    table: "Logical_Router_Port",
    what: "port",
    plural: None,
};

/// Route commands (ovn-nbctl(8)).
pub(crate) const ROUTE: Section = Section {
    title: "Route commands",
    commands: &[
        Syntax {
            name: "lr-route-add",
            min_args: 3,
            max_args: 4,
            arguments: "ROUTER PREFIX NEXTHOP [PORT]",
            options: &[
                "--may-exist",
                "--ecmp",
                "--ecmp-symmetric-reply",
                "--policy=",
                "--route-table=",
                "--bfd?",
            ],
            mode: Mode::ReadWrite,
            help: "add a route to ROUTER (NEXTHOP an address, 'discard' or a router port)",
            run: run_fn!(route_add),
        },
        Syntax {
            name: "lr-route-del",
            min_args: 1,
            max_args: 4,
            arguments: "ROUTER [PREFIX [NEXTHOP [PORT]]]",
            options: &["--if-exists", "--policy=", "--route-table="],
            mode: Mode::ReadWrite,
            help: "remove routes from ROUTER",
            run: run_fn!(route_del),
        },
        Syntax {
            name: "lr-route-list",
            min_args: 1,
            max_args: 1,
            arguments: "ROUTER",
            options: &["--route-table="],
            mode: Mode::ReadOnly,
            help: "print the routes of ROUTER",
            run: run_fn!(route_list),
        },
    ],
};

/// A prefix `IP[/LEN]` normalized as ovn-nbctl's `normalize_prefix_str` does (host bits
/// cleared, `/32` and `/128` dropped), with its family (IPv4: `true`) and length.
pub(super) fn normalize_prefix(p: &str) -> Option<(String, bool, u32)> {
    if let Some((n, len)) = rows::normalize_v4_prefix(p) {
        return Some((n, true, len));
    }
    rows::normalize_v6_prefix(p).map(|(n, len)| (n, false, len))
}

/// The router named by the first argument and its routes (read).
async fn router_routes(ctx: &mut Ctx, cmd: &Command) -> Result<(Uuid, Vec<Uuid>), CtlError> {
    let lr = find(ctx, LR, "router", &cmd.args[0], true)
        .await?
        .ok_or_else(|| CtlError::NotFound(cmd.args[0].clone()))?;
    let routes = super::common::visible_members(ctx, LR, lr, "static_routes", T).await?;
    Ok((lr, routes))
}

/// `--policy`: whether it asks for source-IP routing, or the message for a bad one.
fn src_policy(cmd: &Command) -> Result<bool, CtlError> {
    match cmd.opt("policy") {
        None | Some("dst-ip") => Ok(false),
        Some("src-ip") => Ok(true),
        Some(p) => Err(CtlError::Value(format!("bad policy: {p}"))),
    }
}

fn is_src(ctx: &Ctx, u: Uuid) -> bool {
    str_of(ctx, T, u, "policy") == "src-ip"
}

/// ovn-nbctl's `nbctl_lr_get_route`: the first route with this table, policy and prefix (and,
/// for `ecmp`, next hop).
fn get_route(
    ctx: &Ctx,
    routes: &[Uuid],
    prefix: &str,
    hop: &str,
    src: bool,
    ecmp: bool,
    table: &str,
) -> Option<Uuid> {
    routes.iter().copied().find(|u| {
        str_of(ctx, T, *u, "route_table") == table
            && is_src(ctx, *u) == src
            && normalize_prefix(&str_of(ctx, T, *u, "ip_prefix")).is_some_and(|p| p.0 == prefix)
            && (!ecmp || str_of(ctx, T, *u, "nexthop") == hop)
    })
}

async fn route_add(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let (lr, routes) = router_routes(ctx, cmd).await?;
    let src = src_policy(cmd)?;
    let policy = cmd.opt("policy");
    let table = cmd.opt("route-table");
    let (prefix, v6) = match rows::normalize_v4_prefix(&a[1]) {
        Some((p, _)) => (p, false),
        None => match rows::normalize_v6_prefix(&a[1]) {
            Some((p, _)) => (p, true),
            None => return Err(CtlError::Value(format!("bad prefix argument: {}", a[1]))),
        },
    };
    let discard = a[2] == "discard";
    let mut out_port: Option<String> = None;
    let hop = if discard {
        "discard".to_owned()
    } else {
        let n = if v6 {
            rows::normalize_v6_addr(&a[2])
        } else {
            rows::normalize_v4_addr(&a[2])
        };
        match n {
            Some(n) => n,
            None => {
                // The next hop may be an output port.
                let bad = || {
                    CtlError::Value(format!(
                        "bad {} nexthop argument: {}",
                        if v6 { "IPv6" } else { "IPv4" },
                        a[2]
                    ))
                };
                let p = find_named(ctx, &LRP_NAMED, &a[2], false).await?.ok_or_else(bad)?;
                out_port = Some(str_of(ctx, LRP_NAMED.table, p, "name"));
                String::new()
            }
        }
    };
    if let Some(port) = a.get(3) {
        let p = find_named(ctx, &LRP_NAMED, port, true)
            .await?
            .ok_or_else(|| CtlError::NotFound(port.clone()))?;
        out_port = Some(str_of(ctx, LRP_NAMED.table, p, "name"));
    }
    let bfd_opt = cmd.opts.get("bfd");
    let mut bfd: Option<Uuid> = None;
    match bfd_opt {
        Some(Some(id)) => {
            if rows::is_uuid(id) {
                if let Ok(u) = Uuid::parse_str(id) {
                    ctx.db.select_uuid(BFD, u).await?;
                    bfd = ctx.db.get(BFD, u).map(|_| u);
                }
            }
            if bfd.is_none() {
                return Err(CtlError::NotFound("no entry found in the BFD table".into()));
            }
        }
        Some(None) => {
            ctx.db.select(BFD, json!([["dst_ip", "==", hop]])).await?;
            let mut cands: Vec<Uuid> = ctx
                .db
                .uuids(BFD)
                .into_iter()
                .filter(|u| str_of(ctx, BFD, *u, "dst_ip") == hop)
                // ovn-nbctl does not read BFD's logical_port: it sees it empty, so with an
                // output port no row matches (and the new one clashes with an existing one).
                .filter(|_| out_port.as_ref().is_none_or(|p| p.is_empty()))
                .collect();
            cands.sort();
            bfd = cands.first().copied();
        }
        None => {}
    }
    let may_exist = cmd.has("may-exist");
    let symmetric = cmd.has("ecmp-symmetric-reply");
    let ecmp = cmd.has("ecmp") || symmetric;
    let tname = table.unwrap_or("");
    let route = get_route(ctx, &routes, &prefix, &hop, src, ecmp, tname);
    if discard {
        if ecmp {
            return Err(CtlError::Value("ecmp is not valid for discard routes.".into()));
        }
        if bfd_opt.is_some() {
            return Err(CtlError::Value("bfd dst_ip cannot be discard.".into()));
        }
        if out_port.is_some() {
            return Err(CtlError::Value("outport is not valid for discard routes.".into()));
        }
    }
    // The BFD row the route refers to: the one found, or a new one for the output port.
    let bfd_row = |ctx: &mut Ctx, bfd: Option<Uuid>| -> Result<Uuid, CtlError> {
        match (bfd, &out_port) {
            (Some(b), _) => Ok(b),
            (None, Some(port)) => {
                let row = Row::new().with("dst_ip", s(&hop)).with("logical_port", s(port));
                Ok(ctx.db.insert(BFD, row, None))
            }
            (None, None) => Err(CtlError::Value("insert entry in the BFD table failed".into())),
        }
    };
    if !ecmp {
        let learned = |u: Uuid| {
            ctx.db
                .value(T, u, "external_ids")
                .as_map()
                .is_some_and(|m| m.contains_key(&Atom::string("ic-learned-route")))
        };
        if let Some(r) = route.filter(|r| !learned(*r)) {
            if !may_exist {
                return Err(CtlError::Conflict(format!(
                    "duplicate prefix: {prefix} (policy: {}). Use option --ecmp to allow this for ECMP routing.",
                    if src { "src-ip" } else { "dst-ip" }
                )));
            }
            ctx.db.update(T, r, "ip_prefix", s(&prefix));
            ctx.db.update(T, r, "nexthop", s(&hop));
            if let Some(p) = &out_port {
                ctx.db.update(T, r, "output_port", s(p));
            }
            if let Some(p) = policy {
                ctx.db.update(T, r, "policy", s(p));
            }
            if bfd_opt.is_some() {
                let b = bfd_row(ctx, bfd)?;
                ctx.db.update(T, r, "bfd", Datum::scalar(b));
            }
            return Ok(CmdOut::default());
        }
    } else if route.is_some() {
        if !may_exist {
            return Err(CtlError::Conflict(
                "duplicate nexthop for the same ECMP route".into(),
            ));
        }
        return Ok(CmdOut::default());
    }
    if get_route(ctx, &routes, &prefix, "discard", src, true, tname).is_some() {
        return Err(CtlError::Conflict(
            "discard nexthop for the same ECMP route exists.".into(),
        ));
    }
    let mut row = Row::new().with("ip_prefix", s(&prefix)).with("nexthop", s(&hop));
    if let Some(p) = &out_port {
        row.insert("output_port", s(p));
    }
    if let Some(p) = policy {
        row.insert("policy", s(p));
    }
    if let Some(t) = table {
        row.insert("route_table", s(t));
    }
    if symmetric {
        row.insert(
            "options",
            Datum::map([(Atom::string("ecmp_symmetric_reply"), Atom::string("true"))]),
        );
    }
    if bfd_opt.is_some() {
        let b = bfd_row(ctx, bfd)?;
        row.insert("bfd", Datum::scalar(b));
    }
    let u = ctx.db.insert(T, row, None);
    ctx.db.mutate_insert(LR, lr, "static_routes", Datum::scalar(u));
    Ok(CmdOut::default())
}

async fn route_del(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let (lr, routes) = router_routes(ctx, cmd).await?;
    let src = src_policy(cmd)?;
    let policy = cmd.opt("policy");
    if a.len() == 1 && policy.is_none() {
        ctx.db.update(LR, lr, "static_routes", Datum::empty_set());
        return Ok(CmdOut::default());
    }
    let prefix = match a.get(1) {
        Some(p) => Some(
            normalize_prefix(p)
                .map(|x| x.0)
                .ok_or_else(|| CtlError::Value(format!("bad prefix argument: {p}")))?,
        ),
        None => None,
    };
    let hop = match a.get(2) {
        Some(n) if n == "discard" => Some(n.clone()),
        Some(n) => Some(
            normalize_prefix(n)
                .map(|x| x.0)
                .ok_or_else(|| CtlError::Value(format!("bad nexthop argument: {n}")))?,
        ),
        None => None,
    };
    let port = a.get(3);
    let table = cmd.opt("route-table").unwrap_or("");
    let mut del = Vec::new();
    for u in &routes {
        if policy.is_some() && is_src(ctx, *u) != src {
            continue;
        }
        if let Some(p) = &prefix {
            match normalize_prefix(&str_of(ctx, T, *u, "ip_prefix")) {
                Some(rp) if rp.0 == *p => {}
                _ => continue,
            }
        }
        if let Some(n) = &hop {
            let rn = str_of(ctx, T, *u, "nexthop");
            let rn = if rn == "discard" {
                Some(rn)
            } else {
                normalize_prefix(&rn).map(|x| x.0)
            };
            if rn.as_ref() != Some(n) {
                continue;
            }
        }
        if str_of(ctx, T, *u, "route_table") != table {
            continue;
        }
        if let Some(p) = port {
            let rp = ctx.db.value(T, *u, "output_port");
            if rp.as_scalar().and_then(Atom::as_str) != Some(p.as_str()) {
                continue;
            }
        }
        del.push(*u);
    }
    if del.is_empty() {
        if !cmd.has("if-exists") {
            return Err(CtlError::NotFound(format!(
                "no matching route: policy '{}', prefix '{}', nexthop '{}', output_port '{}'.",
                policy.unwrap_or("any"),
                // C prints a NULL prefix with "%s" as "(null)".
                prefix.as_deref().unwrap_or("(null)"),
                hop.as_deref().unwrap_or("any"),
                port.map(String::as_str).unwrap_or("any"),
            )));
        }
        return Ok(CmdOut::default());
    }
    for u in &del {
        if let Some(b) = ctx.db.value(T, *u, "bfd").as_scalar().and_then(Atom::as_uuid) {
            fetch(ctx, BFD, &[b]).await?;
            ctx.db.delete(BFD, b);
        }
    }
    ctx.db
        .mutate_delete(LR, lr, "static_routes", Datum::set(del.iter().copied()));
    Ok(CmdOut::default())
}

/// A route as `lr-route-list` sorts it: table, priority (2 * prefix length, plus one for
/// dst-ip), address, then next hop and output port.
struct Listed {
    table: String,
    priority: u32,
    addr: Vec<u8>,
    nexthop: String,
    port: Option<String>,
    u: Uuid,
}

/// `__ipv4_route_cmp` / `__ipv6_route_cmp`: equal routes are ECMP siblings.
fn key_cmp(a: &Listed, b: &Listed) -> Ordering {
    a.table
        .as_bytes()
        .cmp(b.table.as_bytes())
        .then(b.priority.cmp(&a.priority))
        .then(a.addr.cmp(&b.addr))
}

fn details_cmp(a: &Listed, b: &Listed) -> Ordering {
    a.nexthop
        .as_bytes()
        .cmp(b.nexthop.as_bytes())
        .then_with(|| match (&a.port, &b.port) {
            (Some(x), Some(y)) => x.as_bytes().cmp(y.as_bytes()),
            (None, None) => Ordering::Equal,
            (Some(_), None) => Ordering::Greater,
            (None, Some(_)) => Ordering::Less,
        })
}

fn print_route(ctx: &Ctx, r: &Listed, ecmp: bool, out: &mut String) {
    let u = r.u;
    let prefix = normalize_prefix(&str_of(ctx, T, u, "ip_prefix"))
        .map(|x| x.0)
        .unwrap_or_default();
    let hop = match str_of(ctx, T, u, "nexthop") {
        h if h == "discard" => h,
        h if h.is_empty() => String::new(),
        h => normalize_prefix(&h).map(|x| x.0).unwrap_or_default(),
    };
    out.push_str(&format!("{prefix:>25} {hop:>25}"));
    let policy = str_of(ctx, T, u, "policy");
    out.push_str(&format!(
        " {}",
        if policy.is_empty() { "dst-ip" } else { &policy }
    ));
    if let Some(p) = &r.port {
        out.push_str(&format!(" {p}"));
    }
    let ext = ctx.db.value(T, u, "external_ids");
    if ext
        .as_map()
        .is_some_and(|m| m.contains_key(&Atom::string("ic-learned-route")))
    {
        out.push_str(" (learned)");
    }
    if ecmp {
        out.push_str(" ecmp");
    }
    let opts = ctx.db.value(T, u, "options");
    let sym = opts
        .as_map()
        .and_then(|m| m.get(&Atom::string("ecmp_symmetric_reply")))
        .and_then(Atom::as_str)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if sym {
        out.push_str(" ecmp-symmetric-reply");
    }
    if !ctx.db.value(T, u, "bfd").is_empty() {
        out.push_str(" bfd");
    }
    out.push('\n');
}

async fn route_list(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let (lr, routes) = router_routes(ctx, cmd).await?;
    let mut log = Vec::new();
    let only = cmd.opt("route-table");
    let mut v4 = Vec::new();
    let mut v6 = Vec::new();
    for u in routes {
        let table = str_of(ctx, T, u, "route_table");
        if only.is_some_and(|t| t != table) {
            continue;
        }
        let p = str_of(ctx, T, u, "ip_prefix");
        let dst = str_of(ctx, T, u, "policy") != "src-ip";
        let port = ctx
            .db
            .value(T, u, "output_port")
            .as_scalar()
            .and_then(Atom::as_str)
            .map(str::to_owned);
        let mk = |addr: Vec<u8>, len: u32| Listed {
            table: table.clone(),
            priority: 2 * len + u32::from(dst),
            addr,
            nexthop: str_of(ctx, T, u, "nexthop"),
            port: port.clone(),
            u,
        };
        if let Some((ip, len)) = rows::ovs_ipv4_cidr(&p) {
            v4.push(mk(ip.octets().to_vec(), len));
        } else if let Some((ip, len)) = rows::ovs_ipv6_cidr(&p) {
            v6.push(mk(ip.octets().to_vec(), len));
        } else {
            log.push(format!(
                "nbctl|WARN|router {lr} ({}) has invalid prefix: {p}",
                str_of(ctx, LR, lr, "name")
            ));
        }
    }
    let mut out = String::new();
    for (title, mut list) in [("IPv4 Routes", v4), ("IPv6 Routes", v6)] {
        if list.is_empty() {
            continue;
        }
        list.sort_by(|a, b| key_cmp(a, b).then_with(|| details_cmp(a, b)));
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(title);
        out.push('\n');
        for i in 0..list.len() {
            let ecmp = (i + 1 < list.len() && key_cmp(&list[i], &list[i + 1]) == Ordering::Equal)
                || (i > 0 && key_cmp(&list[i], &list[i - 1]) == Ordering::Equal);
            if i == 0 || list[i].table != list[i - 1].table {
                out.push_str(&format!(
                    "{}Route Table {}:\n",
                    if i > 0 { "\n" } else { "" },
                    if list[i].table.is_empty() {
                        "<main>"
                    } else {
                        &list[i].table
                    }
                ));
            }
            print_route(ctx, &list[i], ecmp, &mut out);
        }
    }
    Ok(CmdOut {
        text: out,
        log,
        ..CmdOut::default()
    })
}
