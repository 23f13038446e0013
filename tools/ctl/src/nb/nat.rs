//! The NAT commands of ovn-nbctl(8).

use ovsdb_proto::{Atom, Datum, Row, Uuid};

use super::common::*;
use crate::cmd::{self, Section, run_fn};
use crate::error::CtlError;
use crate::{CmdOut, Command, Ctx, check_arity};

/// NAT commands (ovn-nbctl(8)).
pub(crate) const NAT: Section = Section {
    title: "NAT commands",
    commands: &[
        cmd::unchecked("lr-nat-add", run_fn!(run)),
        cmd::unchecked("lr-nat-del", run_fn!(run)),
        cmd::unchecked("lr-nat-list", run_fn!(run)),
    ],
};

/// Runs `lr-nat-add`, `lr-nat-del`, `lr-nat-list`.
pub(super) async fn run(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let mut out = CmdOut::default();
    nat(ctx, cmd, &mut out).await?;
    Ok(out)
}

fn valid_ip(s: &str, allow_net: bool) -> bool {
    let (ip, len) = match s.split_once('/') {
        Some((ip, len)) if allow_net => (ip, Some(len)),
        Some(_) => return false,
        None => (s, None),
    };
    match ip.parse::<std::net::IpAddr>() {
        Ok(addr) => len.is_none_or(|l| {
            l.parse::<u8>()
                .is_ok_and(|l| l <= if addr.is_ipv4() { 32 } else { 128 })
        }),
        Err(_) => false,
    }
}

/// `lr-nat-add`, `lr-nat-del`, `lr-nat-list`.
async fn nat(ctx: &mut Ctx, cmd: &Command, out: &mut CmdOut) -> Result<(), CtlError> {
    let a = &cmd.args;
    match cmd.name.as_str() {
        "lr-nat-add" => check_arity(
            cmd,
            4,
            6,
            &["may-exist", "stateless", "portrange", "add-route", "gateway-port"],
        )?,
        "lr-nat-del" => check_arity(cmd, 1, 3, &["if-exists"])?,
        _ => check_arity(cmd, 1, 1, &[])?,
    }
    let lr = find(ctx, "Logical_Router", "router", &a[0], true)
        .await?
        .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
    let nats = members(ctx, "Logical_Router", lr, "nat", "NAT").await?;
    let types = ["dnat", "snat", "dnat_and_snat"];
    let check_type = |t: &str| {
        if types.contains(&t) {
            Ok(())
        } else {
            Err(CtlError::Value(format!(
                "{t}: type must be one of \"dnat\", \"snat\" and \"dnat_and_snat\"."
            )))
        }
    };
    match cmd.name.as_str() {
        "lr-nat-add" => {
            let (ty, ext, log) = (a[1].as_str(), a[2].as_str(), a[3].as_str());
            check_type(ty)?;
            if !valid_ip(ext, false) {
                return Err(CtlError::Value(format!("{ext}: Not a valid IPv4 address.")));
            }
            if !valid_ip(log, ty == "snat") {
                return Err(CtlError::Value(format!("{log}: Not a valid IPv4 address.")));
            }
            if a.len() > 4 {
                if ty != "dnat_and_snat" {
                    return Err(CtlError::Value(
                        "logical_port and external_mac are only valid when type is \"dnat_and_snat\".".into(),
                    ));
                }
                if a.len() == 5 {
                    return Err(CtlError::Usage(
                        "lr-nat-add with logical_port must also specify external_mac.".into(),
                    ));
                }
                if !is_mac(&a[5]) {
                    return Err(CtlError::Value(format!("invalid mac address {}.", a[5])));
                }
            }
            let key_col = if ty == "snat" { "logical_ip" } else { "external_ip" };
            let key = if ty == "snat" { log } else { ext };
            for u in &nats {
                if str_of(ctx, "NAT", *u, "type") == ty
                    && str_of(ctx, "NAT", *u, "external_ip") == ext
                    && str_of(ctx, "NAT", *u, "logical_ip") == log
                {
                    if cmd.has("may-exist") {
                        return Ok(());
                    }
                    return Err(CtlError::Conflict(format!(
                        "{ext}, {log}: a NAT with this external_ip and logical_ip already exists"
                    )));
                }
            }
            for u in &nats {
                if str_of(ctx, "NAT", *u, "type") == ty && str_of(ctx, "NAT", *u, key_col) == key {
                    if cmd.has("may-exist") {
                        return Ok(());
                    }
                    return Err(CtlError::Conflict(format!(
                        "a NAT with this type ({ty}), {key_col} ({key}) already exists"
                    )));
                }
            }
            let mut row = Row::new()
                .with("type", s(ty))
                .with("external_ip", s(ext))
                .with("logical_ip", s(log));
            if a.len() == 6 {
                row.insert("logical_port", s(&a[4]));
                row.insert("external_mac", s(&a[5]));
            }
            let stateless = if cmd.has("stateless") { "true" } else { "false" };
            row.insert(
                "options",
                Datum::map([(Atom::string("stateless"), Atom::string(stateless))]),
            );
            let u = ctx.db.insert("NAT", row, None);
            ctx.db
                .mutate_insert("Logical_Router", lr, "nat", Datum::scalar(u));
        }
        "lr-nat-del" => {
            let mut del = Vec::new();
            if a.len() == 1 {
                del = nats;
            } else {
                check_type(&a[1])?;
                for u in nats {
                    if str_of(ctx, "NAT", u, "type") != a[1] {
                        continue;
                    }
                    let col = if a[1] == "snat" {
                        "logical_ip"
                    } else {
                        "external_ip"
                    };
                    if a.len() == 2 || str_of(ctx, "NAT", u, col) == a[2] {
                        del.push(u);
                        if a.len() == 3 {
                            break;
                        }
                    }
                }
            }
            if !del.is_empty() {
                ctx.db
                    .mutate_delete("Logical_Router", lr, "nat", Datum::set(del.iter().copied()));
                for u in del {
                    ctx.db.delete("NAT", u);
                }
            }
        }
        _ => {
            let mut rows: Vec<(String, String, String, Uuid)> = nats
                .iter()
                .map(|u| {
                    (
                        str_of(ctx, "NAT", *u, "type"),
                        str_of(ctx, "NAT", *u, "external_ip"),
                        str_of(ctx, "NAT", *u, "logical_ip"),
                        *u,
                    )
                })
                .collect();
            rows.sort();
            if !rows.is_empty() {
                out.text.push_str("TYPE             GATEWAY_PORT          EXTERNAL_IP        EXTERNAL_PORT    LOGICAL_IP          EXTERNAL_MAC         LOGICAL_PORT\n");
            }
            for (ty, ext, log, u) in rows {
                let gw = str_of(ctx, "NAT", u, "gateway_port");
                let gw = if gw.is_empty() { String::new() } else { gw };
                let port = str_of(ctx, "NAT", u, "external_port_range");
                let mut line = format!("{ty:<17}{gw:<22}{ext:<19}{port:<17}");
                let mac = str_of(ctx, "NAT", u, "external_mac");
                if mac.is_empty() {
                    line.push_str(&log);
                } else {
                    line.push_str(&format!(
                        "{log:<20}{mac:<21}{}",
                        str_of(ctx, "NAT", u, "logical_port")
                    ));
                }
                out.text.push_str(&line);
                out.text.push('\n');
            }
        }
    }
    Ok(())
}
