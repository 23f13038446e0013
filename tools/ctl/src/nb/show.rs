//! `show [SWITCH|ROUTER]` of ovn-nbctl(8).

use std::collections::HashMap;

use ovsdb_proto::{Atom, Datum, Row, Uuid};

use super::common::*;
use crate::error::CtlError;
use crate::value::{atom_to_string, elements};
use crate::{CmdOut, Command, Ctx};

/// Runs `show`.
pub(super) async fn run(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    Ok(CmdOut {
        text: show(ctx, a.first().map(String::as_str)).await?,
        ..CmdOut::default()
    })
}

fn quoted_list(d: &Datum) -> String {
    let v: Vec<String> = elements(d)
        .iter()
        .map(|a| format!("\"{}\"", crate::value::atom_to_bare(a)))
        .collect();
    format!("[{}]", v.join(", "))
}

/// A string column of a row read for `show` (empty when unset).
fn col_str(row: &Row, column: &str) -> String {
    row.get(column)
        .map(crate::value::datum_to_bare)
        .unwrap_or_default()
}

/// ` (aka ALIAS)` when `external_ids` has `key`.
fn alias(row: &Row, key: &str) -> String {
    row.get("external_ids")
        .and_then(Datum::as_map)
        .and_then(|m| m.get(&Atom::string(key)))
        .map(|a| format!(" (aka {})", crate::value::atom_to_bare(a)))
        .unwrap_or_default()
}

fn refs(row: &Row, column: &str) -> Vec<Uuid> {
    match row.get(column) {
        Some(Datum::Set(s)) => s.iter().filter_map(Atom::as_uuid).collect(),
        _ => Vec::new(),
    }
}

/// One switch port of `show`, as ovn-nbctl prints it.
fn show_lsp(text: &mut String, row: &Row) {
    use std::fmt::Write;
    let _ = writeln!(
        text,
        "    port {}{}",
        col_str(row, "name"),
        alias(row, "neutron:port_name")
    );
    let ty = col_str(row, "type");
    if !ty.is_empty() {
        let _ = writeln!(text, "        type: {ty}");
    }
    if let Some(p) = row.get("parent_name").and_then(Datum::as_scalar) {
        let _ = writeln!(text, "        parent: {}", crate::value::atom_to_bare(p));
    }
    if let Some(t) = row.get("tag").and_then(Datum::as_scalar) {
        let _ = writeln!(text, "        tag: {}", atom_to_string(t));
    }
    if let Some(addrs) = row.get("addresses") {
        let only_router = addrs.len() == 1 && addrs.as_scalar() == Some(&Atom::string("router"));
        if !addrs.is_empty() && !only_router {
            let _ = writeln!(text, "        addresses: {}", quoted_list(addrs));
        }
    }
    if let Some(rp) = row
        .get("options")
        .and_then(Datum::as_map)
        .and_then(|m| m.get(&Atom::string("router-port")))
    {
        let _ = writeln!(text, "        router-port: {}", crate::value::atom_to_bare(rp));
    }
}

/// `show [SWITCH|ROUTER]`. Without an argument every switch and router is listed: the switches
/// and routers are read with only the columns shown, then their ports and NATs by uuid in
/// pipelined chunks (see [`crate::db::Db::peek_each`]), so memory stays proportional to the
/// output, not to the rows' full contents.
async fn show(ctx: &mut Ctx, which: Option<&str>) -> Result<String, CtlError> {
    use std::fmt::Write;
    const LS_COLS: &[&str] = &["name", "ports", "external_ids"];
    const LSP_COLS: &[&str] = &[
        "name",
        "type",
        "parent_name",
        "tag",
        "addresses",
        "options",
        "external_ids",
    ];
    // Each port's text, when the whole port table was read.
    let mut scanned: Option<HashMap<Uuid, String>> = None;
    const LR_COLS: &[&str] = &["name", "ports", "nat", "external_ids"];
    let by_uuid = |ctx: &Ctx, table: &str, u: Uuid| ctx.db.get(table, u).cloned().map(|r| (u, r));
    type Rows = Vec<(Uuid, Row)>;
    let (switches, routers): (Rows, Rows) = match which {
        Some(w) => {
            let sw = find(ctx, "Logical_Switch", "switch", w, false).await?;
            let lr = find(ctx, "Logical_Router", "router", w, false).await?;
            (
                sw.and_then(|u| by_uuid(ctx, "Logical_Switch", u))
                    .into_iter()
                    .collect(),
                lr.and_then(|u| by_uuid(ctx, "Logical_Router", u))
                    .into_iter()
                    .collect(),
            )
        }
        None => {
            // Every switch: one read of each whole table (on connections of their own) beats
            // a read per port. The server builds one reply at a time and sends nothing while it
            // builds: the big port table is asked for first, the switches once its reply has
            // arrived, so the server builds theirs while another thread decodes the ports.
            let mut sw = Vec::new();
            let (arrived, ports_here) = tokio::sync::oneshot::channel();
            let mut lr = Vec::new();
            let (ports, switches, routers) = tokio::join!(
                ctx.db.scan_fold(
                    "Logical_Switch_Port",
                    LSP_COLS,
                    Some(arrived),
                    HashMap::new(),
                    |m: &mut HashMap<Uuid, String>, u, r| {
                        let mut t = String::new();
                        show_lsp(&mut t, &r);
                        m.insert(u, t);
                    },
                ),
                async {
                    let _ = ports_here.await;
                    ctx.db
                        .scan_each("Logical_Switch", LS_COLS, |u, r| sw.push((u, r)))
                        .await
                },
                // Small: served before the server starts on the ports.
                ctx.db
                    .scan_each("Logical_Router", LR_COLS, |u, r| lr.push((u, r))),
            );
            scanned = ports?;
            if switches?.is_none() {
                sw = ctx.db.scan("Logical_Switch", LS_COLS).await?;
            }
            if routers?.is_none() {
                lr = ctx.db.scan("Logical_Router", LR_COLS).await?;
            }
            (sw, lr)
        }
    };
    let sorted = |rows: Vec<(Uuid, Row)>| {
        let mut v: Vec<(String, Uuid, Row)> = rows
            .into_iter()
            .map(|(u, r)| (col_str(&r, "name"), u, r))
            .collect();
        v.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        v
    };
    // ovn-nbctl's IDL shows set edits (like lsp-add's) only after the commit.
    let committed = |ctx: &Ctx, table: &str, rows: Vec<(Uuid, Row)>, cols: &[&str]| {
        rows.into_iter()
            .map(|(u, mut r)| {
                for c in cols {
                    if let Some(d) = ctx.db.visible_value(table, u, c) {
                        r.insert(*c, d);
                    }
                }
                (u, r)
            })
            .collect::<Vec<_>>()
    };
    let switches = sorted(committed(ctx, "Logical_Switch", switches, &["ports"]));
    let routers = sorted(committed(ctx, "Logical_Router", routers, &["ports", "nat"]));
    let mut port_text = match scanned {
        Some(m) => m,
        None => {
            let mut m = HashMap::new();
            let ports: Vec<Uuid> = switches.iter().flat_map(|(_, _, r)| refs(r, "ports")).collect();
            ctx.db
                .peek_each("Logical_Switch_Port", &ports, LSP_COLS, |u, row| {
                    let mut t = String::new();
                    show_lsp(&mut t, row);
                    m.insert(u, t);
                })
                .await?;
            m
        }
    };
    let mut text = String::new();
    for (name, u, row) in &switches {
        let _ = writeln!(text, "switch {u} ({name}){}", alias(row, "neutron:network_name"));
        for p in refs(row, "ports") {
            if let Some(t) = port_text.remove(&p) {
                text.push_str(&t);
            }
        }
    }
    drop(port_text);
    let rports: Vec<Uuid> = routers.iter().flat_map(|(_, _, r)| refs(r, "ports")).collect();
    let mut rport_text: HashMap<Uuid, String> = HashMap::new();
    let mut rport_gws: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    ctx.db
        .peek_each(
            "Logical_Router_Port",
            &rports,
            &["name", "mac", "networks", "options", "gateway_chassis"],
            |u, row| {
                let mut t = String::new();
                let _ = writeln!(t, "    port {}", col_str(row, "name"));
                let _ = writeln!(t, "        mac: \"{}\"", col_str(row, "mac"));
                let networks = row.get("networks").cloned().unwrap_or_else(Datum::empty_set);
                if !networks.is_empty() {
                    let _ = writeln!(t, "        networks: {}", quoted_list(&networks));
                }
                if let Some(rt) = row
                    .get("options")
                    .and_then(Datum::as_map)
                    .and_then(|m| m.get(&Atom::string("route_table")))
                {
                    let _ = writeln!(t, "        route-table: {}", crate::value::atom_to_bare(rt));
                }
                let gws = refs(row, "gateway_chassis");
                if !gws.is_empty() {
                    rport_gws.insert(u, gws);
                }
                rport_text.insert(u, t);
            },
        )
        .await?;
    // Gateway chassis in the port's order: ovn-nbctl sorts them by priority and name but
    // reads neither for `show`, so its sort leaves them as they are.
    let gw_uuids: Vec<Uuid> = rport_gws.values().flatten().copied().collect();
    let mut gw_names: HashMap<Uuid, String> = HashMap::new();
    ctx.db
        .peek_each("Gateway_Chassis", &gw_uuids, &["chassis_name"], |u, row| {
            gw_names.insert(u, col_str(row, "chassis_name"));
        })
        .await?;
    for (p, gws) in rport_gws {
        let names: Vec<&str> = gws
            .iter()
            .filter_map(|g| gw_names.get(g).map(String::as_str))
            .collect();
        if let Some(t) = rport_text.get_mut(&p) {
            let _ = writeln!(t, "        gateway chassis: [{}]", names.join(" "));
        }
    }
    let nats: Vec<Uuid> = routers.iter().flat_map(|(_, _, r)| refs(r, "nat")).collect();
    let mut nat_text: HashMap<Uuid, String> = HashMap::new();
    ctx.db
        .peek_each(
            "NAT",
            &nats,
            &["external_ip", "external_port_range", "logical_ip", "type"],
            |u, row| {
                let mut t = String::new();
                let _ = writeln!(t, "    nat {u}");
                let _ = writeln!(t, "        external ip: \"{}\"", col_str(row, "external_ip"));
                let range = col_str(row, "external_port_range");
                if !range.is_empty() {
                    let _ = writeln!(t, "        external port(s): \"{range}\"");
                }
                let _ = writeln!(t, "        logical ip: \"{}\"", col_str(row, "logical_ip"));
                let _ = writeln!(t, "        type: \"{}\"", col_str(row, "type"));
                nat_text.insert(u, t);
            },
        )
        .await?;
    for (name, u, row) in &routers {
        let _ = writeln!(text, "router {u} ({name}){}", alias(row, "neutron:router_name"));
        for p in refs(row, "ports") {
            if let Some(t) = rport_text.remove(&p) {
                text.push_str(&t);
            }
        }
        for n in refs(row, "nat") {
            if let Some(t) = nat_text.remove(&n) {
                text.push_str(&t);
            }
        }
    }
    Ok(text)
}
