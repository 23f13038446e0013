//! Load balancers and their switch / router attachments (ovn-nbctl(8) "Load Balancer
//! Commands"): `lb-add`, `lb-del`, `lb-list`, `lr-lb-add`, `lr-lb-del`, `lr-lb-list`,
//! `ls-lb-add`, `ls-lb-del`, `ls-lb-list`.

use std::net::IpAddr;

use ovsdb_proto::{Atom, Datum, Row, Uuid};

use super::rows::{self, Named, fetch, find_named, refs, s, str_of};
use crate::cmd::{Mode, Section, Syntax, run_fn};
use crate::error::CtlError;
use crate::{CmdOut, Command, Ctx};

const LB: &str = "Load_Balancer";
const LBG: &str = "Load_Balancer_Group";

const LB_NAMED: Named = Named {
    table: LB,
    what: "load balancer",
    plural: Some("load balancers"),
};
const LS_NAMED: Named = Named {
    table: "Logical_Switch",
    what: "switch",
    plural: Some("logical switches"),
};
const LR_NAMED: Named = Named {
    table: "Logical_Router",
    what: "router",
    plural: Some("logical routers"),
};

/// The load balancer commands, in `--help` order.
pub(crate) const SECTION: Section = Section {
    title: "LB commands",
    commands: &[
        Syntax {
            name: "lb-add",
            min_args: 3,
            max_args: 5,
            arguments: "LB VIP[:PORT] IP[:PORT]... [PROTOCOL] [ADDRESS_FAMILY]",
            options: &[
                "--may-exist",
                "--add-duplicate",
                "--reject",
                "--event",
                "--add-route",
                "--template",
            ],
            mode: Mode::ReadWrite,
            help: "create load balancer LB, or add a VIP and its backends to it",
            run: run_fn!(lb_add),
        },
        Syntax {
            name: "lb-del",
            min_args: 1,
            max_args: 2,
            arguments: "LB [VIP]",
            options: &["--if-exists"],
            mode: Mode::ReadWrite,
            help: "remove load balancer LB, or only its VIP",
            run: run_fn!(lb_del),
        },
        Syntax {
            name: "lb-list",
            min_args: 0,
            max_args: 1,
            arguments: "[LB]",
            options: &[],
            mode: Mode::ReadOnly,
            help: "print load balancers (all, or those named LB)",
            run: run_fn!(lb_list),
        },
        Syntax {
            name: "lr-lb-add",
            min_args: 2,
            max_args: 2,
            arguments: "ROUTER LB",
            options: &["--may-exist"],
            mode: Mode::ReadWrite,
            help: "attach load balancer LB to ROUTER",
            run: run_fn!(lr_lb_add),
        },
        Syntax {
            name: "lr-lb-del",
            min_args: 1,
            max_args: 2,
            arguments: "ROUTER [LB]",
            options: &["--if-exists"],
            mode: Mode::ReadWrite,
            help: "detach load balancer LB (or all) from ROUTER",
            run: run_fn!(lr_lb_del),
        },
        Syntax {
            name: "lr-lb-list",
            min_args: 1,
            max_args: 1,
            arguments: "ROUTER",
            options: &[],
            mode: Mode::ReadOnly,
            help: "print the load balancers of ROUTER",
            run: run_fn!(lr_lb_list),
        },
        Syntax {
            name: "ls-lb-add",
            min_args: 2,
            max_args: 2,
            arguments: "SWITCH LB",
            options: &["--may-exist"],
            mode: Mode::ReadWrite,
            help: "attach load balancer LB to SWITCH",
            run: run_fn!(ls_lb_add),
        },
        Syntax {
            name: "ls-lb-del",
            min_args: 1,
            max_args: 2,
            arguments: "SWITCH [LB]",
            options: &["--if-exists"],
            mode: Mode::ReadWrite,
            help: "detach load balancer LB (or all) from SWITCH",
            run: run_fn!(ls_lb_del),
        },
        Syntax {
            name: "ls-lb-list",
            min_args: 1,
            max_args: 1,
            arguments: "SWITCH",
            options: &[],
            mode: Mode::ReadOnly,
            help: "print the load balancers of SWITCH",
            run: run_fn!(ls_lb_list),
        },
    ],
};

/// An address and optional port as OVS `inet_parse_active(KEY, 0, ..., false)` reads a load
/// balancer key: `IP`, `IP:PORT`, `[IPv6]`, `[IPv6]:PORT`, or a bare IPv6 address. The error
/// is the line the reference logs (`KEY: bad IP address "HOST"`). Also returns the address as
/// OVS writes it back (`ss_format_address_nobracks`: an IPv6 scope as `%NAME`).
fn parse_lb_key(key: &str) -> Result<(IpAddr, u16, String), String> {
    fn unbracket(s: &str) -> &str {
        match s.strip_prefix('[') {
            Some(r) => r.strip_suffix(']').unwrap_or(r),
            None => s,
        }
    }
    let mut colons = 0;
    let mut last = None;
    let mut inb = false;
    for (i, c) in key.char_indices() {
        match c {
            '[' => inb = true,
            ']' => inb = false,
            ':' if !inb => {
                colons += 1;
                last = Some(i);
            }
            _ => {}
        }
    }
    let (host, port) = if colons > 1 {
        (key, None)
    } else {
        match last {
            Some(i) => (unbracket(&key[..i]), Some(unbracket(&key[i + 1..]))),
            None => (unbracket(key), None),
        }
    };
    let port = match port {
        Some(p) if !p.is_empty() => match parse_c_int(p) {
            Some(v) if (0..=65535).contains(&v) => v as u16,
            _ => return Err(format!("{key}: bad port number \"{p}\"")),
        },
        _ => 0,
    };
    if host.contains(':') {
        // `ADDR[%SCOPE[%...]]`, the scope a number or an interface name.
        let mut pieces = host.split('%');
        let addr = pieces.next().unwrap_or_default();
        let ip: std::net::Ipv6Addr = addr.parse().map_err(|_| String::new())?;
        let mut text = super::rows::ipv6_text(&ip);
        if let Some(scope) = pieces.next().filter(|s| !s.is_empty()) {
            let index = if scope.bytes().all(|b| b.is_ascii_digit()) {
                scope.parse::<u32>().unwrap_or(0)
            } else {
                interface_index(scope)
                    .ok_or_else(|| format!("{key}: bad IPv6 scope \"{scope}\" (No such device)"))?
            };
            if index != 0 {
                text.push('%');
                text.push_str(&interface_name(index).unwrap_or_else(|| index.to_string()));
            }
        }
        Ok((IpAddr::V6(ip), port, text))
    } else {
        match host.parse::<std::net::Ipv4Addr>() {
            Ok(ip) if host.split('.').count() == 4 => Ok((IpAddr::V4(ip), port, ip.to_string())),
            _ => Err(format!("{key}: bad IP address \"{host}\"")),
        }
    }
}

/// The index of network interface `name` (`if_nametoindex`, read from Linux sysfs).
fn interface_index(name: &str) -> Option<u32> {
    if name.contains('/') || name.starts_with('.') {
        return None;
    }
    std::fs::read_to_string(format!("/sys/class/net/{name}/ifindex"))
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The name of the network interface with index `index` (`if_indextoname`, from sysfs).
fn interface_name(index: u32) -> Option<String> {
    std::fs::read_dir("/sys/class/net").ok()?.flatten().find_map(|e| {
        let name = e.file_name().into_string().ok()?;
        (interface_index(&name) == Some(index)).then_some(name)
    })
}

/// An integer as OVS `str_to_int` (base 10) reads it: `strtoll` with the whole string used.
fn parse_c_int(p: &str) -> Option<i64> {
    let t = p.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v: i64 = digits.parse().ok()?;
    Some(if neg { -v } else { v })
}

/// `IP[:PORT]` as ovn-nbctl writes it back (`text` the address): IPv6 in brackets when a port
/// follows.
fn format_ip_port(ip: &IpAddr, text: &str, port: u16) -> String {
    match (ip, port) {
        (_, 0) => text.to_owned(),
        (IpAddr::V6(_), p) => format!("[{text}]:{p}"),
        (IpAddr::V4(_), p) => format!("{text}:{p}"),
    }
}

/// Explicit backends `IP[:PORT],...` for a VIP of family `v4` with or without a port
/// (lib/lb.c `ovn_lb_backends_init_explicit`), normalized; the error collects every bad
/// backend. Lines the reference logs on the way are added to `log`.
fn explicit_backends(
    backends: &str,
    v4: bool,
    has_port: bool,
    vip_str: &str,
    log: &mut Vec<String>,
) -> Result<String, String> {
    let mut errors = String::new();
    let mut out = Vec::new();
    for token in backends.split(',').filter(|t| !t.is_empty()) {
        let bad = if has_port {
            format!("{token}: should be an IP address and a port number with : as a separator, ")
        } else {
            format!("{token}: should be an IP address, ")
        };
        match parse_lb_key(token) {
            Err(l) => {
                if !l.is_empty() {
                    log.push(format!("socket_util|ERR|{l}"));
                }
                errors.push_str(&bad);
            }
            Ok((ip, _, _)) if ip.is_ipv4() != v4 => {
                errors.push_str(&format!(
                    "{token}: IP address family is different from VIP {vip_str}, "
                ));
            }
            Ok((_, port, _)) if has_port != (port != 0) => errors.push_str(&bad),
            Ok((ip, port, text)) => out.push(format_ip_port(&ip, &text, port)),
        }
    }
    if !errors.is_empty() {
        return Err(errors.trim_end_matches(' ').trim_end_matches(',').to_owned() + ".");
    }
    Ok(out.join(","))
}

/// The VIP and backends of `lb-add`, normalized (lib/lb.c `ovn_lb_vip_init`), and whether
/// the VIP has a port; or the error, with the lines the reference logs on the way.
fn parse_vip(vip: &str, backends: &str) -> Result<(String, String, bool), CtlError> {
    let mut log = Vec::new();
    let (vip_ip, vip_port, vip_text) = match parse_lb_key(vip) {
        Ok(x) => x,
        Err(l) => {
            if !l.is_empty() {
                log.push(format!("socket_util|ERR|{l}"));
            }
            return Err(CtlError::logged(
                log,
                CtlError::Value(format!(
                    "{vip}: should be an IP address (or an IP address and a port number with : as a separator)."
                )),
            ));
        }
    };
    match explicit_backends(backends, vip_ip.is_ipv4(), vip_port != 0, &vip_text, &mut log) {
        Ok(ips) => Ok((format_ip_port(&vip_ip, &vip_text, vip_port), ips, vip_port != 0)),
        Err(msg) => Err(CtlError::logged(log, CtlError::Value(msg))),
    }
}

/// `A[:B]` split on `:` as `strtok` does (empty pieces skipped): the one or two pieces, or
/// `None` for none or more than two.
fn template_pieces(s: &str) -> Option<(&str, Option<&str>)> {
    let mut it = s.split(':').filter(|p| !p.is_empty());
    let first = it.next()?;
    let second = it.next();
    if it.next().is_some() {
        return None;
    }
    Some((first, second))
}

/// The VIP and backends of a template load balancer (`lb-add --template`, lib/lb.c
/// `ovn_lb_vip_init_template`): `^VIP_VAR[:^PORT_VAR|:PORT]` and template backends
/// (`^IP_VAR[:^PORT_VAR|:PORT],...`) or, failing that, explicit ones of family `v4`.
fn parse_template_vip(vip: &str, backends: &str, v4: bool) -> Result<(String, String, bool), CtlError> {
    let Some((vip_str, port)) = template_pieces(vip) else {
        return Err(CtlError::Value(format!(
            "{vip}: should be a template of the form: '^vip_variable[:^port_variable|:port]'."
        )));
    };
    let vip_n = match port {
        Some(p) => format!("{vip_str}:{p}"),
        None => vip_str.to_owned(),
    };
    let mut errors = String::new();
    let mut out = Vec::new();
    for b in backends.split(',').filter(|t| !t.is_empty()) {
        match template_pieces(b) {
            Some((ip, Some(p))) => out.push(format!("{ip}:{p}")),
            Some((ip, None)) => out.push(ip.to_owned()),
            None => {
                // The reference prints the backend as `strtok` left it: cut after its first
                // piece.
                let shown = match b.char_indices().find(|(_, c)| *c != ':') {
                    Some((i, _)) => &b[..b[i..].find(':').map_or(b.len(), |j| i + j)],
                    None => b,
                };
                errors.push_str(&format!(
                    "{shown}: should be a template of the form: '^backendip_variable1[:^port_variable1|:port]', "
                ));
            }
        }
    }
    if errors.is_empty() {
        return Ok((vip_n, out.join(","), port.is_some()));
    }
    let template_error = errors.trim_end_matches(' ').trim_end_matches(',').to_owned() + ".";
    let mut log = Vec::new();
    match explicit_backends(backends, v4, port.is_some(), vip_str, &mut log) {
        Ok(ips) => Ok((vip_n, ips, port.is_some())),
        Err(explicit_error) => Err(CtlError::logged(
            log,
            CtlError::Value(format!(
                "invalid backend: template ({template_error}) OR explicit ({explicit_error})"
            )),
        )),
    }
}

async fn lb_add(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let (name, vip, ips) = (&a[0], &a[1], &a[2]);
    if cmd.has("reject") && cmd.has("event") {
        return Err(CtlError::Usage(
            "--reject and --event can't specified at the same time".into(),
        ));
    }
    let proto = match a.get(3) {
        Some(p) if !["tcp", "udp", "sctp"].contains(&p.as_str()) => {
            return Err(CtlError::Value(format!(
                "{p}: protocol must be one of \"tcp\", \"udp\",  or \"sctp\"."
            )));
        }
        Some(p) => Some(p.as_str()),
        None => None,
    };
    // ADDRESS_FAMILY: "ipv4", anything else IPv6 (used by templates only).
    let v4 = a.get(4).is_none_or(|f| f == "ipv4");
    let template = cmd.has("template");
    let (vip_n, ips_n, has_port) = if template {
        parse_template_vip(vip, ips, v4)?
    } else {
        parse_vip(vip, ips)?
    };
    if proto.is_some() && !has_port {
        return Err(CtlError::Value(
            "Protocol is unnecessary when no port of vip is given.".into(),
        ));
    }
    if !cmd.has("add-duplicate") {
        if let Some(lb) = find_named(ctx, &LB_NAMED, name, false).await? {
            let mut vips = ctx.db.value(LB, lb, "vips").as_map().cloned().unwrap_or_default();
            let key = Atom::string(vip_n.as_str());
            if vips.contains_key(&key) && !cmd.has("may-exist") {
                return Err(CtlError::Conflict(format!(
                    "{name}: a load balancer with this vip ({vip_n}) already exists"
                )));
            }
            vips.insert(key, Atom::string(ips_n.as_str()));
            if let Some(p) = proto {
                ctx.db.update(LB, lb, "protocol", s(p));
            }
            ctx.db.update(LB, lb, "vips", Datum::Map(vips));
            return Ok(CmdOut::default());
        }
    }
    let mut options = Vec::new();
    for (opt, key) in [
        ("reject", "reject"),
        ("event", "event"),
        ("add-route", "add_route"),
    ] {
        if cmd.has(opt) {
            options.push((Atom::string(key), Atom::string("true")));
        }
    }
    if template {
        options.push((Atom::string("template"), Atom::string("true")));
        options.push((
            Atom::string("address-family"),
            Atom::string(if v4 { "ipv4" } else { "ipv6" }),
        ));
    }
    let row = Row::new()
        .with("name", s(name))
        .with("protocol", s(proto.unwrap_or("tcp")))
        .with(
            "vips",
            Datum::map([(Atom::string(vip_n.as_str()), Atom::string(ips_n.as_str()))]),
        )
        .with("options", Datum::Map(options.into_iter().collect()));
    ctx.db.insert(LB, row, None);
    Ok(CmdOut::default())
}

async fn lb_del(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let Some(lb) = find_named(ctx, &LB_NAMED, &a[0], false).await? else {
        return Ok(CmdOut::default());
    };
    if let Some(vip) = a.get(1) {
        let mut vips = ctx.db.value(LB, lb, "vips").as_map().cloned().unwrap_or_default();
        if vips.remove(&Atom::string(vip.as_str())).is_some() {
            if vips.is_empty() {
                ctx.db.delete(LB, lb);
            } else {
                ctx.db.update(LB, lb, "vips", Datum::Map(vips));
            }
        } else if !cmd.has("if-exists") {
            return Err(CtlError::NotFound(format!(
                "vip {vip} is not part of the load balancer."
            )));
        }
        return Ok(CmdOut::default());
    }
    ctx.db.delete(LB, lb);
    Ok(CmdOut::default())
}

/// C `printf("%-W.Ps", s)`: at most `p` bytes of `s`, left-aligned in `w` columns.
fn cfmt(s: &str, w: usize, p: usize) -> String {
    let mut end = s.len().min(p);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{:<w$}", &s[..end])
}

/// The listing of load balancers `lbs` (lb-list, ls-lb-list, lr-lb-list): one block per load
/// balancer, sorted by its (padded) name, a line per VIP in key order.
fn lb_listing(ctx: &Ctx, lbs: &[Uuid]) -> CmdOut {
    let width = lbs
        .iter()
        .flat_map(|u| rows::pairs(ctx, LB, *u, "vips"))
        .map(|(k, _)| k.len())
        .max()
        .unwrap_or(0);
    let mut blocks: Vec<(String, String)> = Vec::new();
    let mut log = Vec::new();
    for u in lbs {
        let vips = rows::pairs(ctx, LB, *u, "vips");
        if vips.is_empty() {
            continue;
        }
        let name = str_of(ctx, LB, *u, "name");
        let proto_col = ctx.db.value(LB, *u, "protocol");
        let proto_s = proto_col
            .as_scalar()
            .and_then(Atom::as_str)
            .unwrap_or("(null)")
            .to_owned();
        let mut text = String::new();
        let template = ctx
            .db
            .value(LB, *u, "options")
            .as_map()
            .and_then(|m| m.get(&Atom::string("template")))
            .and_then(Atom::as_str)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        // As lb_info_add_smap: a VIP it cannot show is logged and left out, the first line
        // (with the UUID and name) being the first VIP's.
        for (i, (k, v)) in vips.iter().enumerate() {
            let proto = if template {
                if proto_col.is_empty() {
                    log.push(format!(
                        "nbctl|WARN|Load Balancer {u} ({name}) is a template and misses protocol"
                    ));
                    continue;
                }
                proto_s.as_str()
            } else {
                let parsed = parse_lb_key(k).map_err(|l| {
                    if !l.is_empty() {
                        log.push(format!("socket_util|ERR|{l}"));
                    }
                });
                let Ok((_, port, _)) = parsed else {
                    continue;
                };
                if port != 0 { proto_s.as_str() } else { "" }
            };
            if i == 0 {
                text.push_str(&format!(
                    "{u}    {}{}{}{v}",
                    cfmt(&name, 20, 16),
                    cfmt(proto, 11, 7),
                    cfmt(k, width + 4, width)
                ));
            } else {
                text.push_str(&format!(
                    "\n{:60}{}{}{v}",
                    "",
                    cfmt(proto, 11, 7),
                    cfmt(k, width + 4, width)
                ));
            }
        }
        blocks.push((cfmt(&name, 20, 16), text));
    }
    if blocks.is_empty() {
        return CmdOut {
            log,
            ..CmdOut::default()
        };
    }
    blocks.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = format!(
        "{}{}{}{}IPs\n",
        cfmt("UUID", 40, 36),
        cfmt("LB", 20, 16),
        cfmt("PROTO", 11, 7),
        cfmt("VIP", width + 4, width)
    );
    for (_, b) in blocks {
        out.push_str(&b);
        out.push('\n');
    }
    CmdOut {
        text: out,
        log,
        ..CmdOut::default()
    }
}

async fn lb_list(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let lbs = match cmd.args.first() {
        Some(name) => {
            ctx.db.select_eq(LB, "name", &s(name)).await?;
            ctx.db.by_name(LB, name)
        }
        None => {
            ctx.db.load_all(LB).await?;
            ctx.db.uuids(LB)
        }
    };
    Ok(lb_listing(ctx, &lbs))
}

/// The switch or router named by the first argument and the load balancer by the second.
async fn owner_and_lb(ctx: &mut Ctx, cmd: &Command, owner: &Named) -> Result<(Uuid, Option<Uuid>), CtlError> {
    let o = find_named(ctx, owner, &cmd.args[0], true)
        .await?
        .ok_or_else(|| CtlError::NotFound(cmd.args[0].clone()))?;
    let lb = match cmd.args.get(1) {
        Some(id) => Some(
            find_named(ctx, &LB_NAMED, id, true)
                .await?
                .ok_or_else(|| CtlError::NotFound(id.clone()))?,
        ),
        None => None,
    };
    Ok((o, lb))
}

async fn attach(ctx: &mut Ctx, cmd: &Command, owner: &Named) -> Result<CmdOut, CtlError> {
    let (o, lb) = owner_and_lb(ctx, cmd, owner).await?;
    let Some(lb) = lb else {
        return Ok(CmdOut::default());
    };
    if rows::visible_refs(ctx, owner.table, o, "load_balancer").contains(&lb) {
        if cmd.has("may-exist") {
            return Ok(CmdOut::default());
        }
        return Err(CtlError::Conflict(format!(
            "{lb} : a load balancer with this UUID already exists"
        )));
    }
    ctx.db
        .mutate_insert(owner.table, o, "load_balancer", Datum::scalar(lb));
    Ok(CmdOut::default())
}

async fn detach(ctx: &mut Ctx, cmd: &Command, owner: &Named) -> Result<CmdOut, CtlError> {
    let (o, lb) = owner_and_lb(ctx, cmd, owner).await?;
    let Some(lb) = lb else {
        ctx.db.update(owner.table, o, "load_balancer", Datum::empty_set());
        return Ok(CmdOut::default());
    };
    if rows::visible_refs(ctx, owner.table, o, "load_balancer").contains(&lb) {
        ctx.db
            .mutate_delete(owner.table, o, "load_balancer", Datum::scalar(lb));
    } else if !cmd.has("if-exists") {
        return Err(CtlError::NotFound(format!(
            "load balancer {} is not part of any logical {}.",
            str_of(ctx, LB, lb, "name"),
            owner.what
        )));
    }
    Ok(CmdOut::default())
}

async fn list_attached(ctx: &mut Ctx, cmd: &Command, owner: &Named) -> Result<CmdOut, CtlError> {
    let (o, _) = owner_and_lb(ctx, cmd, owner).await?;
    let groups = super::common::visible_members(ctx, owner.table, o, "load_balancer_group", LBG).await?;
    let mut lbs = rows::visible_refs(ctx, owner.table, o, "load_balancer");
    for g in &groups {
        lbs.extend(refs(ctx, LBG, *g, "load_balancer"));
    }
    fetch(ctx, LB, &lbs).await?;
    Ok(lb_listing(ctx, &lbs))
}

async fn lr_lb_add(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    attach(ctx, cmd, &LR_NAMED).await
}

async fn lr_lb_del(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    detach(ctx, cmd, &LR_NAMED).await
}

async fn lr_lb_list(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    list_attached(ctx, cmd, &LR_NAMED).await
}

async fn ls_lb_add(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    attach(ctx, cmd, &LS_NAMED).await
}

async fn ls_lb_del(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    detach(ctx, cmd, &LS_NAMED).await
}

async fn ls_lb_list(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    list_attached(ctx, cmd, &LS_NAMED).await
}

#[cfg(test)]
mod tests {
    use super::{parse_lb_key, parse_vip};

    #[test]
    fn lb_keys_parse_as_ovs_does() {
        assert_eq!(parse_lb_key("1.2.3.4:80").unwrap().1, 80);
        assert_eq!(parse_lb_key("fe80::1").unwrap().1, 0);
        assert_eq!(parse_lb_key("[fe80::1]:8080").unwrap().1, 8080);
        assert!(parse_lb_key("1.2.3:80").is_err());
        assert!(parse_lb_key("1.2.3.4:99999").is_err());
        let (vip, ips, port) = parse_vip("[fe80::2]:80", "[::1]:80,[::2]:8080").unwrap();
        assert_eq!(
            (vip.as_str(), ips.as_str(), port),
            ("[fe80::2]:80", "[::1]:80,[::2]:8080", true)
        );
    }
}
