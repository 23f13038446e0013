//! The logical switch port commands (`lsp-*`) of ovn-nbctl(8).

use serde_json::json;

use ovsdb_proto::{Atom, Datum, Row};

use super::common::*;
use crate::cmd::{self, Section, run_fn};
use crate::error::CtlError;
use crate::{CmdOut, Command, Ctx, check_arity};

/// Logical switch port commands (ovn-nbctl(8)).
pub(crate) const PORT: Section = Section {
    title: "Logical switch port commands",
    commands: &[
        cmd::unchecked("lsp-add", run_fn!(run)),
        cmd::unchecked("lsp-del", run_fn!(run)),
        cmd::unchecked("lsp-list", run_fn!(run)),
        cmd::unchecked("lsp-set-addresses", run_fn!(run)),
        cmd::unchecked("lsp-get-addresses", run_fn!(run)),
        cmd::unchecked("lsp-set-port-security", run_fn!(run)),
        cmd::unchecked("lsp-get-port-security", run_fn!(run)),
        cmd::unchecked("lsp-set-type", run_fn!(run)),
        cmd::unchecked("lsp-get-type", run_fn!(run)),
        cmd::unchecked("lsp-set-options", run_fn!(run)),
        cmd::unchecked("lsp-get-options", run_fn!(run)),
        cmd::unchecked("lsp-set-enabled", run_fn!(run)),
        cmd::unchecked("lsp-get-enabled", run_fn!(run)),
        cmd::unchecked("lsp-get-up", run_fn!(run)),
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
            check_arity(cmd, 2, 4, &["may-exist"])?;
            if a.len() == 3 {
                return Err(CtlError::Usage(
                    "lsp-add with parent must also specify a tag".into(),
                ));
            }
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
            let (parent, tag) = if a.len() == 4 {
                let tag: i64 = a[3]
                    .parse()
                    .ok()
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
        "lsp-del" => return del_port(ctx, cmd).await,
        "lsp-list" => return list_ports(ctx, cmd).await,
        "lsp-set-addresses" => {
            check_arity(cmd, 1, usize::MAX, &[])?;
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
            check_arity(cmd, 1, usize::MAX, &[])?;
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
            check_arity(cmd, 1, 1, &[])?;
            let p = find(ctx, "Logical_Switch_Port", "port", &a[0], true)
                .await?
                .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
            let col = if cmd.name == "lsp-get-addresses" {
                "addresses"
            } else {
                "port_security"
            };
            out.text = lines_sorted(&ctx.db.value("Logical_Switch_Port", p, col));
        }
        "lsp-set-type" => {
            check_arity(cmd, 2, usize::MAX, &[])?;
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
            check_arity(cmd, 1, 1, &[])?;
            let p = find(ctx, "Logical_Switch_Port", "port", &a[0], true)
                .await?
                .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
            out.text = format!(
                "{}\n",
                crate::value::datum_to_bare(&ctx.db.value("Logical_Switch_Port", p, "type"))
            );
        }
        "lsp-set-options" => {
            check_arity(cmd, 1, usize::MAX, &[])?;
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
            check_arity(cmd, 1, 1, &[])?;
            let p = find(ctx, "Logical_Switch_Port", "port", &a[0], true)
                .await?
                .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
            if let Some(m) = ctx.db.value("Logical_Switch_Port", p, "options").as_map() {
                for (k, v) in m {
                    out.text.push_str(&format!(
                        "{}={}\n",
                        crate::value::atom_to_bare(k),
                        crate::value::atom_to_bare(v)
                    ));
                }
            }
        }
        "lsp-set-enabled" => {
            check_arity(cmd, 2, 2, &[])?;
            let p = find(ctx, "Logical_Switch_Port", "port", &a[0], true)
                .await?
                .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
            let v = match a[1].as_str() {
                "enabled" => true,
                "disabled" => false,
                other => {
                    return Err(CtlError::Value(format!(
                        "{other}: state must be \"enabled\" or \"disabled\""
                    )));
                }
            };
            ctx.db
                .update("Logical_Switch_Port", p, "enabled", Datum::scalar(v));
        }
        "lsp-get-enabled" | "lsp-get-up" => {
            check_arity(cmd, 1, 1, &[])?;
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
        _ => return Err(CtlError::Usage(format!("unknown command '{}'", cmd.name))),
    }
    Ok(out)
}
