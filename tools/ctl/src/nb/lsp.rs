//! The logical switch port commands (`lsp-*`) of ovn-nbctl(8).

use serde_json::json;

use ovsdb_proto::{Atom, Datum, Row, Uuid};

use crate::value::elements;

use super::common::*;
use crate::cmd::{MANY, Mode, Section, run_fn};
use crate::error::CtlError;
use crate::{CmdOut, Command, Ctx};

/// Logical switch port commands (ovn-nbctl(8)).
pub(crate) const PORT: Section = Section {
    title: "Logical switch port commands",
    commands: &[
        syntax(
            "lsp-add",
            2,
            4,
            "SWITCH PORT [PARENT TAG]",
            &["--may-exist"],
            Mode::ReadWrite,
            "add logical port PORT to SWITCH, a child of PARENT on VLAN TAG if given",
            run_fn!(run),
        ),
        syntax(
            "lsp-del",
            1,
            1,
            "PORT",
            &["--if-exists"],
            Mode::ReadWrite,
            "delete PORT from its switch",
            run_fn!(del_port),
        ),
        syntax(
            "lsp-list",
            1,
            1,
            "SWITCH",
            &[],
            Mode::ReadOnly,
            "print the ports of SWITCH (UUID and name)",
            run_fn!(list_ports),
        ),
        syntax(
            "lsp-get-parent",
            1,
            1,
            "PORT",
            &[],
            Mode::ReadOnly,
            "print the parent of PORT, if any",
            run_fn!(run),
        ),
        syntax(
            "lsp-get-tag",
            1,
            1,
            "PORT",
            &[],
            Mode::ReadOnly,
            "print the VLAN tag of PORT, if any",
            run_fn!(run),
        ),
        syntax(
            "lsp-set-addresses",
            1,
            MANY,
            "PORT [ADDRESS]...",
            &[],
            Mode::ReadWrite,
            "set the MAC (and IP) addresses of PORT",
            run_fn!(run),
        ),
        syntax(
            "lsp-get-addresses",
            1,
            1,
            "PORT",
            &[],
            Mode::ReadOnly,
            "print the addresses of PORT",
            run_fn!(run),
        ),
        syntax(
            "lsp-set-port-security",
            1,
            MANY,
            "PORT [ADDRS]...",
            &[],
            Mode::ReadWrite,
            "set the port security addresses of PORT",
            run_fn!(run),
        ),
        syntax(
            "lsp-get-port-security",
            1,
            1,
            "PORT",
            &[],
            Mode::ReadOnly,
            "print the port security addresses of PORT",
            run_fn!(run),
        ),
        syntax(
            "lsp-get-up",
            1,
            1,
            "PORT",
            &[],
            Mode::ReadOnly,
            "print whether PORT is up or down",
            run_fn!(run),
        ),
        syntax(
            "lsp-set-enabled",
            2,
            2,
            "PORT STATE",
            &[],
            Mode::ReadWrite,
            "set PORT's administrative state (enabled or disabled)",
            run_fn!(run),
        ),
        syntax(
            "lsp-get-enabled",
            1,
            1,
            "PORT",
            &[],
            Mode::ReadOnly,
            "print PORT's administrative state",
            run_fn!(run),
        ),
        syntax(
            "lsp-set-type",
            2,
            2,
            "PORT TYPE",
            &[],
            Mode::ReadWrite,
            "set the type of PORT",
            run_fn!(run),
        ),
        syntax(
            "lsp-get-type",
            1,
            1,
            "PORT",
            &[],
            Mode::ReadOnly,
            "print the type of PORT",
            run_fn!(run),
        ),
        syntax(
            "lsp-set-options",
            1,
            MANY,
            "PORT KEY=VALUE [KEY=VALUE]...",
            &[],
            Mode::ReadWrite,
            "set the type-specific options of PORT",
            run_fn!(run),
        ),
        syntax(
            "lsp-get-options",
            1,
            1,
            "PORT",
            &[],
            Mode::ReadOnly,
            "print the type-specific options of PORT",
            run_fn!(run),
        ),
        syntax(
            "lsp-set-dhcpv4-options",
            1,
            2,
            "PORT [DHCP_OPT_UUID]",
            &[],
            Mode::ReadWrite,
            "set (or clear) the DHCPv4 options of PORT",
            run_fn!(run),
        ),
        syntax(
            "lsp-get-dhcpv4-options",
            1,
            1,
            "PORT",
            &[],
            Mode::ReadOnly,
            "print the DHCPv4 options of PORT",
            run_fn!(run),
        ),
        syntax(
            "lsp-set-dhcpv6-options",
            1,
            2,
            "PORT [DHCP_OPT_UUID]",
            &[],
            Mode::ReadWrite,
            "set (or clear) the DHCPv6 options of PORT",
            run_fn!(run),
        ),
        syntax(
            "lsp-get-dhcpv6-options",
            1,
            1,
            "PORT",
            &[],
            Mode::ReadOnly,
            "print the DHCPv6 options of PORT",
            run_fn!(run),
        ),
        syntax(
            "lsp-get-ls",
            1,
            1,
            "PORT",
            &[],
            Mode::ReadOnly,
            "print the logical switch PORT belongs to",
            run_fn!(run),
        ),
        syntax(
            "lsp-attach-mirror",
            2,
            2,
            "PORT MIRROR",
            &["--may-exist"],
            Mode::ReadWrite,
            "attach MIRROR to source PORT",
            run_fn!(run),
        ),
        syntax(
            "lsp-detach-mirror",
            2,
            2,
            "PORT MIRROR",
            &[],
            Mode::ReadWrite,
            "detach MIRROR from source PORT",
            run_fn!(run),
        ),
    ],
};

const LSP_TYPES: &[&str] = &[
    "",
    "l2gateway",
    "localnet",
    "localport",
    "router",
    "vtep",
    "external",
    "virtual",
    "remote",
];

/// Runs a logical switch port command.
pub(super) async fn run(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let mut out = CmdOut::default();
    match cmd.name.as_str() {
        "lsp-add" => {
            // One command adding a port: only the switch's uuid is read (not its port set).
            let only = if blind_by_name(ctx, "Logical_Switch", &a[0], false) {
                match ctx
                    .db
                    .assume_only_named("Logical_Switch", &a[0])
                    .await?
                    .as_slice()
                {
                    [u] => Some(*u),
                    _ => None,
                }
            } else {
                None
            };
            let ls = match only {
                Some(u) => u,
                None => find(ctx, "Logical_Switch", "switch", &a[0], true)
                    .await?
                    .ok_or_else(|| CtlError::NotFound(a[0].clone()))?,
            };
            if a.len() == 3 {
                return Err(CtlError::Usage(
                    "lsp-add with parent must also specify a tag".into(),
                ));
            }
            let (parent, tag) = if a.len() == 4 {
                let tag: i64 = scan_int(&a[3])
                    .filter(|t| (0..=4095).contains(t))
                    .ok_or_else(|| {
                        CtlError::Value(format!("{}: invalid tag (must be in range 0 to 4095)", a[3]))
                    })?;
                (Some(a[2].clone()), Some(tag))
            } else {
                (None, None)
            };
            if let Some(lsp) = existing_for_create(ctx, "Logical_Switch_Port", &a[1])
                .await?
                .first()
                .copied()
            {
                if !cmd.has("may-exist") {
                    return Err(CtlError::Conflict(format!(
                        "{}: a port with this name already exists",
                        a[1]
                    )));
                }
                let owner = containing(ctx, "Logical_Switch", "ports", "Logical_Switch_Port", lsp).await?;
                if owner != Some(ls) {
                    let oname = owner
                        .map(|o| name_of(ctx, "Logical_Switch", o))
                        .unwrap_or_default();
                    return Err(CtlError::Conflict(format!(
                        "{}: port already exists but in switch {oname}",
                        a[1]
                    )));
                }
                let have_parent = ctx.db.value("Logical_Switch_Port", lsp, "parent_name");
                let have_parent = have_parent.as_scalar().and_then(Atom::as_str);
                let have_tag = ctx.db.value("Logical_Switch_Port", lsp, "tag_request");
                let have_tag = have_tag.as_scalar().and_then(Atom::as_integer);
                let err = |m: String| Err(CtlError::Conflict(format!("{}: {m}", a[1])));
                match (&parent, have_parent) {
                    (Some(_), None) => return err("port already exists but has no parent".into()),
                    (Some(p), Some(h)) if p != h => {
                        return err(format!("port already exists with different parent {h}"));
                    }
                    (None, Some(h)) => return err(format!("port already exists but has parent {h}")),
                    _ => {}
                }
                if let Some(t) = tag {
                    match have_tag {
                        None => return err("port already exists but has no tag_request".into()),
                        Some(h) if h != t => {
                            return err(format!("port already exists with different tag_request {h}"));
                        }
                        _ => {}
                    }
                }
                return Ok(out);
            }
            let mut row = Row::new().with("name", s(&a[1]));
            if let (Some(p), Some(t)) = (parent, tag) {
                row.insert("parent_name", s(&p));
                row.insert("tag_request", Datum::scalar(t));
            }
            let u = ctx.db.insert("Logical_Switch_Port", row, None);
            ctx.db
                .mutate_insert("Logical_Switch", ls, "ports", Datum::scalar(u));
        }
        "lsp-set-addresses" => {
            let p = find(ctx, "Logical_Switch_Port", "port", &a[0], true)
                .await?
                .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
            // One command: of the switch, only its name and port set are read.
            let ls = if ctx.single && !ctx.careful && !ctx.db.is_new("Logical_Switch_Port", p) {
                let w = json!([["ports", "includes", ["uuid", p.to_string()]]]);
                ctx.db
                    .select_light("Logical_Switch", w, &["name", "ports"])
                    .await?
                    .first()
                    .copied()
            } else {
                containing(ctx, "Logical_Switch", "ports", "Logical_Switch_Port", p).await?
            };
            let ls = ls.ok_or_else(|| {
                CtlError::NotFound(format!("logical port {} is not part of any logical switch", a[0]))
            })?;
            for addr in &a[1..] {
                if !crate::lsp_addr::is_valid(addr) {
                    return Err(CtlError::Value(format!(
                        "{addr}: Invalid address format. See ovn-nb(5). Hint: An Ethernet address must be listed before an IP address, together as a single argument."
                    )));
                }
                let new_ips = crate::lsp_addr::ips(addr).unwrap_or_default();
                if new_ips.is_empty() {
                    continue;
                }
                ensure_ip_index(ctx, ls).await?;
                if let Some((other, known, msg)) = duplicate(ctx, ls, p, &new_ips) {
                    let other = match known {
                        Some(name) => name,
                        None => {
                            ctx.db.select_uuid("Logical_Switch_Port", other).await?;
                            name_of(ctx, "Logical_Switch_Port", other)
                        }
                    };
                    return Err(CtlError::Conflict(format!(
                        "Error on switch {}: {msg} found on logical switch port '{other}'",
                        name_of(ctx, "Logical_Switch", ls)
                    )));
                }
            }
            let d = Datum::set(a[1..].iter().map(|x| Atom::string(x.as_str())));
            ctx.db.update("Logical_Switch_Port", p, "addresses", d);
            if ctx
                .ip_index
                .get(&ls)
                .is_some_and(|idx| idx.ports.contains_key(&p))
            {
                let (name, ips) = match ctx.db.get("Logical_Switch_Port", p) {
                    Some(row) => (Some(name_of(ctx, "Logical_Switch_Port", p)), port_ips(row)),
                    None => (None, Vec::new()),
                };
                if let Some(idx) = ctx.ip_index.get_mut(&ls) {
                    idx.add(p, name, ips);
                }
            }
        }
        "lsp-set-port-security" => {
            let d = Datum::set(a[1..].iter().map(|x| Atom::string(x.as_str())));
            if blind_by_name(ctx, "Logical_Switch_Port", &a[0], true) {
                ctx.db
                    .update_by_unique_name("Logical_Switch_Port", &a[0], "port_security", &d);
                return Ok(out);
            }
            let p = find(ctx, "Logical_Switch_Port", "port", &a[0], true)
                .await?
                .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
            ctx.db.update("Logical_Switch_Port", p, "port_security", d);
        }
        "lsp-get-addresses" | "lsp-get-port-security" => {
            let p = find(ctx, "Logical_Switch_Port", "port", &a[0], true)
                .await?
                .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
            if cmd.name == "lsp-get-addresses" {
                if let Some(text) = router_port_addresses(ctx, p).await? {
                    out.text = text;
                    return Ok(out);
                }
            }
            let col = if cmd.name == "lsp-get-addresses" {
                "addresses"
            } else {
                "port_security"
            };
            out.text = lines_sorted(&ctx.db.value("Logical_Switch_Port", p, col));
        }
        "lsp-set-type" => {
            let p = find(ctx, "Logical_Switch_Port", "port", &a[0], true)
                .await?
                .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
            if !LSP_TYPES.contains(&a[1].as_str()) {
                return Err(CtlError::Value(format!(
                    "Logical switch port type '{}' is unrecognized. Not setting type.",
                    a[1]
                )));
            }
            ctx.db.update("Logical_Switch_Port", p, "type", s(&a[1]));
        }
        "lsp-get-type" => {
            let p = find(ctx, "Logical_Switch_Port", "port", &a[0], true)
                .await?
                .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
            out.text = format!(
                "{}\n",
                crate::value::datum_to_bare(&ctx.db.value("Logical_Switch_Port", p, "type"))
            );
        }
        "lsp-set-options" => {
            let p = find(ctx, "Logical_Switch_Port", "port", &a[0], true)
                .await?
                .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
            let mut m = std::collections::BTreeMap::new();
            for kv in &a[1..] {
                if let Some((k, v)) = kv.split_once('=') {
                    m.insert(Atom::string(k), Atom::string(v));
                }
            }
            ctx.db.update("Logical_Switch_Port", p, "options", Datum::Map(m));
        }
        "lsp-get-options" => {
            let p = find(ctx, "Logical_Switch_Port", "port", &a[0], true)
                .await?
                .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
            if let Some(m) = ctx.db.value("Logical_Switch_Port", p, "options").as_map() {
                let pairs: Vec<(String, String)> = m
                    .iter()
                    .map(|(k, v)| (crate::value::atom_to_bare(k), crate::value::atom_to_bare(v)))
                    .collect();
                let keys: Vec<String> = pairs.iter().map(|(k, _)| k.clone()).collect();
                for i in smap_order(&keys) {
                    out.text.push_str(&format!("{}={}\n", pairs[i].0, pairs[i].1));
                }
            }
        }
        "lsp-set-enabled" => {
            let p = find(ctx, "Logical_Switch_Port", "port", &a[0], true)
                .await?
                .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
            let v = match a[1].to_ascii_lowercase().as_str() {
                "enabled" => true,
                "disabled" => false,
                _ => {
                    return Err(CtlError::Value(format!(
                        "{}: state must be \"enabled\" or \"disabled\"",
                        a[1]
                    )));
                }
            };
            ctx.db
                .update("Logical_Switch_Port", p, "enabled", Datum::scalar(v));
        }
        "lsp-get-enabled" | "lsp-get-up" => {
            let p = find(ctx, "Logical_Switch_Port", "port", &a[0], true)
                .await?
                .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
            if cmd.name == "lsp-get-up" {
                let up = ctx
                    .db
                    .value("Logical_Switch_Port", p, "up")
                    .as_scalar()
                    .and_then(Atom::as_bool)
                    == Some(true);
                out.text = format!("{}\n", if up { "up" } else { "down" });
            } else {
                let en = ctx
                    .db
                    .value("Logical_Switch_Port", p, "enabled")
                    .as_scalar()
                    .and_then(Atom::as_bool)
                    != Some(false);
                out.text = format!("{}\n", if en { "enabled" } else { "disabled" });
            }
        }
        "lsp-get-parent" | "lsp-get-tag" => {
            let p = lsp(ctx, &a[0]).await?;
            let col = if cmd.name == "lsp-get-parent" {
                "parent_name"
            } else {
                "tag"
            };
            if let Some(v) = ctx.db.value("Logical_Switch_Port", p, col).as_scalar() {
                out.text = format!("{}\n", crate::value::atom_to_bare(v));
            }
        }
        "lsp-set-dhcpv4-options" | "lsp-set-dhcpv6-options" => {
            let p = lsp(ctx, &a[0]).await?;
            let v4 = cmd.name == "lsp-set-dhcpv4-options";
            let col = if v4 { "dhcpv4_options" } else { "dhcpv6_options" };
            let mut d = Datum::empty_set();
            if let Some(id) = a.get(1) {
                let opt = match Uuid::parse_str(id).ok().filter(|_| is_uuid(id)) {
                    Some(u) => {
                        ctx.db.select_uuid("DHCP_Options", u).await?;
                        ctx.db.get("DHCP_Options", u).map(|_| u)
                    }
                    None => None,
                };
                let u =
                    opt.ok_or_else(|| CtlError::NotFound(format!("{id}: dhcp options UUID not found")))?;
                let cidr = str_of(ctx, "DHCP_Options", u, "cidr");
                let ok = match cidr.split_once('/') {
                    Some((ip, len)) => match ip.parse::<std::net::IpAddr>() {
                        Ok(std::net::IpAddr::V4(_)) => v4 && len.parse::<u8>().is_ok_and(|l| l <= 32),
                        Ok(std::net::IpAddr::V6(_)) => !v4 && len.parse::<u8>().is_ok_and(|l| l <= 128),
                        Err(_) => false,
                    },
                    None => matches!(
                        (cidr.parse::<std::net::IpAddr>(), v4),
                        (Ok(std::net::IpAddr::V4(_)), true) | (Ok(std::net::IpAddr::V6(_)), false)
                    ),
                };
                if !ok {
                    return Err(CtlError::Value(format!(
                        "DHCP options cidr '{cidr}' is not IPv{}",
                        if v4 { 4 } else { 6 }
                    )));
                }
                d = Datum::scalar(u);
            }
            ctx.db.update("Logical_Switch_Port", p, col, d);
        }
        "lsp-get-dhcpv4-options" | "lsp-get-dhcpv6-options" => {
            let p = lsp(ctx, &a[0]).await?;
            let col = if cmd.name == "lsp-get-dhcpv4-options" {
                "dhcpv4_options"
            } else {
                "dhcpv6_options"
            };
            if let Some(u) = ctx
                .db
                .value("Logical_Switch_Port", p, col)
                .as_scalar()
                .and_then(Atom::as_uuid)
            {
                ctx.db.select_uuid("DHCP_Options", u).await?;
                out.text = format!("{u} ({})\n", str_of(ctx, "DHCP_Options", u, "cidr"));
            }
        }
        "lsp-get-ls" => {
            let p = lsp(ctx, &a[0]).await?;
            if let Some(ls) = containing(ctx, "Logical_Switch", "ports", "Logical_Switch_Port", p).await? {
                out.text = format!("{ls} ({})\n", name_of(ctx, "Logical_Switch", ls));
            }
        }
        "lsp-attach-mirror" | "lsp-detach-mirror" => {
            let p = lsp(ctx, &a[0]).await?;
            let m = lookup(ctx, "Mirror", "mirror", &a[1], true)
                .await?
                .ok_or_else(|| CtlError::NotFound(a[1].clone()))?;
            let attached =
                elements(&ctx.db.value("Logical_Switch_Port", p, "mirror_rules")).contains(&Atom::Uuid(m));
            if cmd.name == "lsp-detach-mirror" {
                ctx.db
                    .mutate_delete("Logical_Switch_Port", p, "mirror_rules", Datum::scalar(m));
            } else if attached {
                if !cmd.has("may-exist") {
                    return Err(CtlError::Conflict(format!(
                        "mirror {} is already attached to the logical port {}.",
                        name_of(ctx, "Mirror", m),
                        a[0]
                    )));
                }
            } else {
                ctx.db
                    .mutate_insert("Logical_Switch_Port", p, "mirror_rules", Datum::scalar(m));
            }
        }
        _ => return Err(CtlError::Usage(format!("unknown command '{}'", cmd.name))),
    }
    Ok(out)
}

/// What `lsp-get-addresses` prints for a port whose only address is `router` and whose
/// `options:router-port` names an existing router port: that port's MAC and networks on
/// one line.
async fn router_port_addresses(ctx: &mut Ctx, p: Uuid) -> Result<Option<String>, CtlError> {
    const T: &str = "Logical_Switch_Port";
    let addrs = ctx.db.value(T, p, "addresses");
    if addrs.len() != 1 || addrs.as_scalar() != Some(&Atom::string("router")) {
        return Ok(None);
    }
    let Some(rp) = ctx
        .db
        .value(T, p, "options")
        .as_map()
        .and_then(|m| m.get(&Atom::string("router-port")))
        .and_then(Atom::as_str)
        .map(str::to_owned)
    else {
        return Ok(None);
    };
    let Some(lrp) = lookup(ctx, "Logical_Router_Port", "port", &rp, false).await? else {
        return Ok(None);
    };
    let mut line = str_of(ctx, "Logical_Router_Port", lrp, "mac");
    for n in elements(&ctx.db.value("Logical_Router_Port", lrp, "networks")) {
        line.push(' ');
        line.push_str(&crate::value::atom_to_bare(&n));
    }
    line.push('\n');
    Ok(Some(line))
}
