//! `lflow-list` / `dump-flows` and `count-flows` (ovn-sbctl(8) "Logical Flow Commands").
//!
//! The flows are listed per datapath (a flow of a `Logical_DP_Group` once for each of its
//! datapaths), sorted as ovn-sbctl sorts them: by datapath name, datapath UUID, pipeline
//! (ingress first), table, priority (highest first), match, actions. `--vflows` appends the
//! other rows ovn-controller turns into OpenFlow flows (port bindings, MAC bindings,
//! multicast groups, chassis, load balancers), each section in UUID order and a load
//! balancer's VIPs by key (ovn-sbctl prints both in its hash order).

use std::collections::HashMap;
use std::fmt::Write as _;

use ovsdb_proto::{Atom, Datum, Row, Uuid};

use super::{map_get, partial_uuid_len, resolve_datapath, string_of, uuid_of};
use crate::cmd::{MANY, Mode, Section, Syntax, run_fn};
use crate::error::CtlError;
use crate::ofp::{
    self,
    wire::{Ssl, Vconn},
};
use crate::value::elements;
use crate::{CmdOut, Command, Ctx};

/// The columns of `Logical_Flow` the listing reads.
const FLOW_COLUMNS: &[&str] = &[
    "logical_datapath",
    "logical_dp_group",
    "pipeline",
    "table_id",
    "priority",
    "match",
    "actions",
    "external_ids",
];

/// The options of `lflow-list` and `dump-flows`.
const LIST_OPTIONS: &[&str] = &["--uuid", "--ovs?", "--stats", "--vflows"];

/// The logical flow commands.
pub(crate) const LFLOW: Section = Section {
    title: "Logical flow commands",
    commands: &[
        Syntax {
            name: "lflow-list",
            min_args: 0,
            max_args: MANY,
            arguments: "[DATAPATH] [LFLOW...]",
            options: LIST_OPTIONS,
            mode: Mode::ReadOnly,
            help: "list logical flows (of DATAPATH; LFLOW: UUID prefixes)",
            run: run_fn!(lflow_list),
        },
        Syntax {
            name: "dump-flows",
            min_args: 0,
            max_args: MANY,
            arguments: "[DATAPATH] [LFLOW...]",
            options: LIST_OPTIONS,
            mode: Mode::ReadOnly,
            help: "alias for lflow-list",
            run: run_fn!(lflow_list),
        },
        Syntax {
            name: "count-flows",
            min_args: 0,
            max_args: 1,
            arguments: "[DATAPATH]",
            options: &[],
            mode: Mode::ReadOnly,
            help: "count logical flows per table (of DATAPATH)",
            run: run_fn!(lflow_list),
        },
    ],
};

/// A datapath as the listing names it.
struct Dp {
    uuid: Uuid,
    /// `external_ids:name`.
    name: Option<String>,
    /// `external_ids:name2`.
    name2: Option<String>,
}

impl Dp {
    /// `"NAME" aka "NAME2"`, `"NAME"`, `"NAME2"` or nothing (ovn-sbctl's
    /// `print_datapath_name`).
    fn label(&self) -> String {
        match (&self.name, &self.name2) {
            (Some(a), Some(b)) => format!("\"{a}\" aka \"{b}\""),
            (Some(a), None) | (None, Some(a)) => format!("\"{a}\""),
            (None, None) => String::new(),
        }
    }
}

/// A logical flow, the columns the listing shows.
struct Flow {
    /// Its row (`--uuid` prints the first 32 bits, LFLOW arguments match its beginning).
    uuid: Uuid,
    /// Whether the pipeline is `egress` (sorted after `ingress`).
    egress: bool,
    /// `pipeline`: `ingress` or `egress`.
    pipeline: String,
    /// `table_id`.
    table: i64,
    /// `priority` (listed highest first).
    priority: i64,
    /// `match`.
    match_: String,
    /// `actions`.
    actions: String,
    /// `external_ids:stage-name` (empty when unset).
    stage: String,
}

/// Reads `columns` of every row of `table` (from the server without caching when nothing
/// changed yet, else from the local view).
async fn rows(ctx: &mut Ctx, table: &str, columns: &[&str]) -> Result<Vec<(Uuid, Row)>, CtlError> {
    let mut rows = ctx.db.scan(table, columns).await?;
    rows.sort_by_key(|(u, _)| *u);
    Ok(rows)
}

/// The value of a scalar integer column (0 when unset).
fn int_of(row: &Row, column: &str) -> i64 {
    row.get(column)
        .and_then(Datum::as_scalar)
        .and_then(Atom::as_integer)
        .unwrap_or(0)
}

/// Whether `s` is a UUID or its beginning, optionally after `0x` (ovn-sbctl's
/// `parse_partial_uuid`).
fn is_lflow_prefix(s: &str) -> bool {
    partial_uuid_len(s) > 0 || (s.starts_with("0x") || s.starts_with("0X")) && partial_uuid_len(&s[2..]) > 0
}

/// Whether `uuid` matches `prefix` as ovn-sbctl compares them: leading zeros of both (after an
/// optional `0x` of the prefix) ignored, since OpenFlow cookies print without them.
fn matches_prefix(uuid: &Uuid, prefix: &str) -> bool {
    let s = uuid.to_string();
    let p = prefix
        .strip_prefix("0x")
        .or_else(|| prefix.strip_prefix("0X"))
        .unwrap_or(prefix);
    s.trim_start_matches('0').starts_with(p.trim_start_matches('0'))
}

/// `[--uuid] [--ovs[=REMOTE]] [--stats] [--vflows] lflow-list [DATAPATH] [LFLOW...]`,
/// `dump-flows` (the same) and `count-flows [DATAPATH]`.
async fn lflow_list(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let count = cmd.name == "count-flows";
    let dp_rows = rows(ctx, "Datapath_Binding", &["external_ids"]).await?;
    let mut args: &[String] = &cmd.args;
    let mut datapath = None;
    if let Some(first) = args.first() {
        match resolve_datapath(&dp_rows, first)? {
            Some(u) => {
                datapath = Some(u);
                args = &args[1..];
            }
            None if count => {
                return Ok(CmdOut {
                    text: "Total number of logical flows = 0\n".into(),
                    ..CmdOut::default()
                });
            }
            None => {}
        }
    }
    if let Some(bad) = args.iter().find(|a| !is_lflow_prefix(a)) {
        return Err(CtlError::Value(format!(
            "{bad} is not a UUID or the beginning of a UUID"
        )));
    }
    let mut log = Vec::new();
    let dps: Vec<Dp> = dp_rows
        .iter()
        .map(|(u, r)| Dp {
            uuid: *u,
            name: map_get(r, "external_ids", "name").map(str::to_owned),
            name2: map_get(r, "external_ids", "name2").map(str::to_owned),
        })
        .collect();
    let dp_index: HashMap<Uuid, usize> = dps.iter().enumerate().map(|(i, d)| (d.uuid, i)).collect();
    let groups: HashMap<Uuid, Vec<usize>> = rows(ctx, "Logical_DP_Group", &["datapaths"])
        .await?
        .into_iter()
        .map(|(u, r)| {
            let members = elements(r.get("datapaths").unwrap_or(&Datum::empty_set()))
                .iter()
                .filter_map(|a| a.as_uuid().and_then(|d| dp_index.get(&d).copied()))
                .collect();
            (u, members)
        })
        .collect();
    let only = datapath.and_then(|d| dp_index.get(&d).copied());
    let mut flows = Vec::new();
    let mut entries: Vec<(usize, usize)> = Vec::new();
    let mut take = |u: Uuid, r: Row| {
        let own = uuid_of(&r, "logical_datapath").and_then(|d| dp_index.get(&d).copied());
        let group = uuid_of(&r, "logical_dp_group").and_then(|g| groups.get(&g));
        let mut on: Vec<usize> = Vec::new();
        match only {
            Some(d) => {
                if own == Some(d) || group.is_some_and(|g| g.contains(&d)) {
                    on.push(d);
                }
            }
            None => {
                on.extend(own);
                on.extend(group.into_iter().flatten().copied());
            }
        }
        if on.is_empty() {
            return;
        }
        let pipeline = string_of(&r, "pipeline");
        let i = flows.len();
        flows.push(Flow {
            uuid: u,
            egress: pipeline == "egress",
            pipeline,
            table: int_of(&r, "table_id"),
            priority: int_of(&r, "priority"),
            match_: string_of(&r, "match"),
            actions: string_of(&r, "actions"),
            stage: map_get(&r, "external_ids", "stage-name")
                .unwrap_or_default()
                .to_owned(),
        });
        entries.extend(on.into_iter().map(|d| (d, i)));
    };
    // The biggest table: decoded row by row as it streams in when nothing changed yet, else
    // from the local view.
    if ctx
        .db
        .scan_each("Logical_Flow", FLOW_COLUMNS, &mut take)
        .await?
        .is_none()
    {
        for (u, r) in rows(ctx, "Logical_Flow", FLOW_COLUMNS).await? {
            take(u, r);
        }
    }
    entries.sort_by(|(da, fa), (db, fb)| {
        let (a, b) = (&flows[*fa], &flows[*fb]);
        let (x, y) = (&dps[*da], &dps[*db]);
        x.name
            .as_deref()
            .unwrap_or_default()
            .cmp(y.name.as_deref().unwrap_or_default())
            .then(x.uuid.cmp(&y.uuid))
            .then(a.egress.cmp(&b.egress))
            .then(a.table.cmp(&b.table))
            .then(b.priority.cmp(&a.priority))
            .then(a.match_.cmp(&b.match_))
            .then(a.actions.cmp(&b.actions))
    });
    let mut text = String::new();
    if count {
        count_flows(&entries, &flows, &dps, &mut text);
    } else {
        let print_uuid = cmd.has("uuid");
        let mut ovs = Ovs::open(cmd, ctx.db.timeout, &ctx.globals, &mut log);
        if let Some(o) = ovs.as_mut() {
            o.prefetch(
                entries
                    .iter()
                    .map(|(_, f)| flows[*f].uuid)
                    .filter(|u| args.is_empty() || args.iter().any(|p| matches_prefix(u, p))),
            );
        }
        let mut prev: Option<(usize, &str)> = None;
        for (d, f) in &entries {
            let flow = &flows[*f];
            if !args.is_empty() && !args.iter().any(|p| matches_prefix(&flow.uuid, p)) {
                continue;
            }
            if prev != Some((*d, flow.pipeline.as_str())) {
                let dp = &dps[*d];
                let _ = writeln!(
                    text,
                    "Datapath: {} ({})  Pipeline: {}",
                    dp.label(),
                    dp.uuid,
                    flow.pipeline
                );
            }
            text.push_str("  ");
            if print_uuid {
                let _ = write!(text, "uuid=0x{}, ", &flow.uuid.to_string()[..8]);
            }
            let _ = writeln!(
                text,
                "table={:<2}({:<19}), priority={:<5}, match=({}), action=({})",
                flow.table, flow.stage, flow.priority, flow.match_, flow.actions
            );
            if let Some(o) = ovs.as_mut() {
                o.dump(&flow.uuid, &mut text);
            }
            prev = Some((*d, flow.pipeline.as_str()));
        }
        if cmd.has("vflows") {
            vflows(ctx, &dps, &dp_index, only, print_uuid, ovs.as_mut(), &mut text).await?;
        }
        log.extend(ovs.into_iter().flat_map(|o| o.log));
    }
    // ovn-sbctl logs what goes wrong with the switch (vlog, module `sbctl`).
    Ok(CmdOut {
        text,
        log,
        ..CmdOut::default()
    })
}

/// `count-flows`' report of sorted `entries`: per datapath and pipeline a heading, one line
/// per table, and the total; then the grand total (ovn-sbctl's `print_lflow_counters`).
fn count_flows(entries: &[(usize, usize)], flows: &[Flow], dps: &[Dp], text: &mut String) {
    let table_line = |text: &mut String, f: &Flow, n: usize| {
        let _ = writeln!(text, "  table={:<2}({:<19}) lflows={n}", f.table, f.stage);
    };
    let sum_line = |text: &mut String, d: &Dp, f: &Flow, n: usize| {
        let _ = writeln!(
            text,
            "Total number of logical flows in the datapath {} ({}) Pipeline: {} = {n}\n",
            d.label(),
            d.uuid,
            f.pipeline
        );
    };
    let (mut in_table, mut in_dp) = (0usize, 0usize);
    let mut prev: Option<(usize, &Flow)> = None;
    for (d, f) in entries {
        let flow = &flows[*f];
        let new_dp = prev.is_none_or(|(pd, pf)| pd != *d || pf.pipeline != flow.pipeline);
        match prev {
            Some((pd, pf)) if pf.table != flow.table || new_dp => {
                table_line(text, pf, in_table);
                in_table = 1;
                if new_dp {
                    sum_line(text, &dps[pd], pf, in_dp);
                    in_dp = 1;
                } else {
                    in_dp += 1;
                }
            }
            _ => {
                in_dp += 1;
                in_table += 1;
            }
        }
        if new_dp {
            let dp = &dps[*d];
            let _ = writeln!(
                text,
                "Datapath: {} ({})  Pipeline: {}",
                dp.label(),
                dp.uuid,
                flow.pipeline
            );
        }
        prev = Some((*d, flow));
    }
    if let Some((pd, pf)) = prev {
        table_line(text, pf, in_table);
        sum_line(text, &dps[pd], pf, in_dp);
    }
    let _ = writeln!(text, "Total number of logical flows = {}", entries.len());
}

/// `--ovs[=REMOTE]`: the OpenFlow connection to ovs-vswitchd's integration bridge (by
/// default `unix:$OVS_RUNDIR/br-int.mgmt`) and, after each row printed, the OpenFlow flows
/// whose cookie is the row's UUID's first 32 bits (ovn-sbctl's `sbctl_dump_openflow`).
struct Ovs {
    /// The remote as given (or the default), as the warnings name it.
    remote: String,
    vconn: Vconn,
    /// `--stats`: print the flows as `ovs-ofctl dump-flows` does.
    stats: bool,
    /// Warnings to log (`sbctl|WARN|REMOTE: error obtaining flow stats (REASON)`).
    log: Vec<String>,
    /// Per cookie, the flows dumped (printed) or why the dump failed.
    fetched: HashMap<u64, Result<Vec<String>, String>>,
}

impl Ovs {
    /// Connects when `--ovs` is given; a connection that fails is logged as ovn-sbctl logs
    /// it (`REMOTE: connection failed (REASON)`) and the listing goes on without flows.
    fn open(
        cmd: &Command,
        timeout: std::time::Duration,
        g: &crate::Globals,
        log: &mut Vec<String>,
    ) -> Option<Ovs> {
        if !cmd.has("ovs") {
            return None;
        }
        let remote = match cmd.opt("ovs") {
            Some(r) => r.to_owned(),
            None => format!("unix:{}/br-int.mgmt", g.ovs_rundir),
        };
        let mut missing = Vec::new();
        // The key and the certificate are only taken together.
        if g.private_key.is_none() || g.certificate.is_none() {
            missing.extend(["Private key", "Certificate"]);
        }
        if g.ca_cert.is_none() && g.bootstrap_ca_cert.is_none() {
            missing.push("CA certificate");
        }
        let ssl = Ssl {
            config: crate::tls_config(g),
            missing,
        };
        match Vconn::open(&remote, timeout, &ssl, log) {
            Ok(vconn) => Some(Ovs {
                remote,
                vconn,
                stats: cmd.has("stats"),
                log: Vec::new(),
                fetched: HashMap::new(),
            }),
            Err(e) => {
                log.push(format!("sbctl|WARN|{remote}: connection failed ({e})"));
                None
            }
        }
    }

    /// Dumps the flows of the rows `uuids` (those not dumped yet) in one pipelined batch,
    /// for [`Ovs::dump`] to print; the requests are the ones ovn-sbctl sends one at a time.
    fn prefetch(&mut self, uuids: impl IntoIterator<Item = Uuid>) {
        let mut cookies: Vec<u64> = uuids
            .into_iter()
            .map(|u| cookie_of(&u))
            .filter(|c| !self.fetched.contains_key(c))
            .collect();
        cookies.sort_unstable();
        cookies.dedup();
        let results = self.vconn.dump_flows_many(&cookies, u64::MAX);
        for (c, r) in cookies.into_iter().zip(results) {
            let lines = match r {
                Ok(flows) => flows
                    .iter()
                    .map(|f| ofp::format_flow(f, self.stats).map_err(|e| format!("Protocol error: {e}")))
                    .collect(),
                Err(e) => Err(e.to_string()),
            };
            self.fetched.insert(c, lines);
        }
    }

    /// Appends the flows of the row `uuid`, each on a line indented by four spaces; a dump
    /// that fails (or holds a flow this tool cannot print) is logged instead, as ovn-sbctl
    /// logs a dump its decoder refuses.
    fn dump(&mut self, uuid: &Uuid, text: &mut String) {
        let c = cookie_of(uuid);
        if !self.fetched.contains_key(&c) {
            self.prefetch([*uuid]);
        }
        match self.fetched.get(&c) {
            Some(Ok(lines)) => {
                for l in lines {
                    let _ = writeln!(text, "    {l}");
                }
            }
            Some(Err(e)) => self.log.push(format!(
                "sbctl|WARN|{}: error obtaining flow stats ({e})",
                self.remote
            )),
            None => {}
        }
    }
}

/// The OpenFlow cookie ovn-controller gives the flows of a row: its UUID's first 32 bits.
fn cookie_of(uuid: &Uuid) -> u64 {
    (uuid.as_u128() >> 96) as u64
}

/// `--vflows`: the port bindings, MAC bindings and multicast groups (of the datapath `only`,
/// or all, then labelled with their datapath), the chassis and the load balancers.
async fn vflows(
    ctx: &mut Ctx,
    dps: &[Dp],
    dp_index: &HashMap<Uuid, usize>,
    only: Option<usize>,
    print_uuid: bool,
    mut ovs: Option<&mut Ovs>,
    text: &mut String,
) -> Result<(), CtlError> {
    let dp_of = |r: &Row, col: &str| uuid_of(r, col).and_then(|d| dp_index.get(&d).copied());
    let keep = |d: Option<usize>| only.is_none() || d == only;
    let head = |text: &mut String, uuid: &Uuid| {
        text.push_str("  ");
        if print_uuid {
            let _ = write!(text, "uuid=0x{}, ", &uuid.to_string()[..8]);
        }
    };
    let dp_label = |text: &mut String, d: Option<usize>| {
        if only.is_none() {
            let name = d.map(|d| dps[d].label()).unwrap_or_default();
            let _ = write!(text, "datapath={name}, ");
        }
    };

    let pbs = rows(ctx, "Port_Binding", &["logical_port", "tunnel_key", "datapath"]).await?;
    if let Some(o) = ovs.as_deref_mut() {
        o.prefetch(
            pbs.iter()
                .filter(|(_, r)| keep(dp_of(r, "datapath")))
                .map(|(u, _)| *u),
        );
    }
    let mut first = true;
    for (u, r) in &pbs {
        let d = dp_of(r, "datapath");
        if !keep(d) {
            continue;
        }
        if std::mem::take(&mut first) {
            text.push_str("\nPort Bindings:\n");
        }
        head(text, u);
        dp_label(text, d);
        let _ = writeln!(
            text,
            "logical_port={}, tunnel_key={:<5}",
            string_of(r, "logical_port"),
            int_of(r, "tunnel_key")
        );
        if let Some(o) = ovs.as_deref_mut() {
            o.dump(u, text);
        }
    }

    let mbs = rows(ctx, "MAC_Binding", &["datapath", "logical_port", "ip", "mac"]).await?;
    if let Some(o) = ovs.as_deref_mut() {
        o.prefetch(
            mbs.iter()
                .filter(|(_, r)| keep(dp_of(r, "datapath")))
                .map(|(u, _)| *u),
        );
    }
    let mut first = true;
    for (u, r) in &mbs {
        let d = dp_of(r, "datapath");
        if !keep(d) {
            continue;
        }
        if std::mem::take(&mut first) {
            text.push_str("\nMAC Bindings:\n");
        }
        head(text, u);
        dp_label(text, d);
        let _ = writeln!(
            text,
            "logical_port={}, ip={}, mac={}",
            string_of(r, "logical_port"),
            string_of(r, "ip"),
            string_of(r, "mac")
        );
        if let Some(o) = ovs.as_deref_mut() {
            o.dump(u, text);
        }
    }

    let port_names: HashMap<Uuid, String> = pbs
        .iter()
        .map(|(u, r)| (*u, string_of(r, "logical_port")))
        .collect();
    let mcs = rows(
        ctx,
        "Multicast_Group",
        &["name", "datapath", "tunnel_key", "ports"],
    )
    .await?;
    if let Some(o) = ovs.as_deref_mut() {
        o.prefetch(
            mcs.iter()
                .filter(|(_, r)| keep(dp_of(r, "datapath")))
                .map(|(u, _)| *u),
        );
    }
    let mut first = true;
    for (u, r) in &mcs {
        let d = dp_of(r, "datapath");
        if !keep(d) {
            continue;
        }
        if std::mem::take(&mut first) {
            text.push_str("\nMC Groups:\n");
        }
        head(text, u);
        dp_label(text, d);
        let ports: Vec<&str> = elements(r.get("ports").unwrap_or(&Datum::empty_set()))
            .iter()
            .filter_map(|a| a.as_uuid().and_then(|p| port_names.get(&p)).map(String::as_str))
            .collect();
        let _ = writeln!(
            text,
            "name={}, tunnel_key={:<5}, ports=({})",
            string_of(r, "name"),
            int_of(r, "tunnel_key"),
            ports.join(", ")
        );
        if let Some(o) = ovs.as_deref_mut() {
            o.dump(u, text);
        }
    }

    let chassis = rows(ctx, "Chassis", &["name"]).await?;
    if let Some(o) = ovs.as_deref_mut() {
        o.prefetch(chassis.iter().map(|(u, _)| *u));
    }
    for (i, (u, r)) in chassis.iter().enumerate() {
        if i == 0 {
            text.push_str("\nChassis:\n");
        }
        head(text, u);
        let _ = writeln!(text, "name={}", string_of(r, "name"));
        if let Some(o) = ovs.as_deref_mut() {
            o.dump(u, text);
        }
    }

    let groups: HashMap<Uuid, Vec<Uuid>> = rows(ctx, "Logical_DP_Group", &["datapaths"])
        .await?
        .into_iter()
        .map(|(u, r)| {
            let members = elements(r.get("datapaths").unwrap_or(&Datum::empty_set()))
                .iter()
                .filter_map(Atom::as_uuid)
                .collect();
            (u, members)
        })
        .collect();
    let lbs = rows(
        ctx,
        "Load_Balancer",
        &["name", "protocol", "datapaths", "datapath_group", "vips"],
    )
    .await?;
    // Each load balancer with its datapaths, those of the datapath `only` when given.
    let lbs: Vec<(&Uuid, &Row, Vec<Uuid>)> = lbs
        .iter()
        .filter_map(|(u, r)| {
            let mut on: Vec<Uuid> = elements(r.get("datapaths").unwrap_or(&Datum::empty_set()))
                .iter()
                .filter_map(Atom::as_uuid)
                .collect();
            on.extend(
                uuid_of(r, "datapath_group")
                    .and_then(|g| groups.get(&g))
                    .into_iter()
                    .flatten()
                    .copied(),
            );
            let shown = only.is_none_or(|d| on.contains(&dps[d].uuid));
            shown.then_some((u, r, on))
        })
        .collect();
    if let Some(o) = ovs.as_deref_mut() {
        o.prefetch(lbs.iter().map(|(u, _, _)| **u));
    }
    let mut first = true;
    for (u, r, on) in &lbs {
        if std::mem::take(&mut first) {
            text.push_str("\nLoad Balancers:\n");
        }
        head(text, u);
        let protocol = r
            .get("protocol")
            .and_then(Datum::as_scalar)
            .and_then(Atom::as_str)
            .unwrap_or("(null)");
        let _ = write!(
            text,
            "name=\"{}\", protocol=\"{protocol}\", ",
            string_of(r, "name")
        );
        if only.is_none() {
            for d in on {
                let name = dp_index.get(d).map(|i| dps[*i].label()).unwrap_or_default();
                let _ = write!(text, "datapath={name}, ");
            }
        }
        text.push_str("\n  vips:\n");
        if let Some(vips) = r.get("vips").and_then(Datum::as_map) {
            for (k, v) in vips {
                let _ = writeln!(
                    text,
                    "    {} = {}",
                    k.as_str().unwrap_or_default(),
                    v.as_str().unwrap_or_default()
                );
            }
        }
        text.push('\n');
        if let Some(o) = ovs.as_deref_mut() {
            o.dump(u, text);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use ovsdb_proto::Uuid;

    use super::{is_lflow_prefix, matches_prefix};

    #[test]
    fn lflow_prefixes_ignore_0x_and_leading_zeros() {
        let u = Uuid::parse_str("00ab12cd-0000-0000-0000-000000000000").unwrap();
        assert!(matches_prefix(&u, "00ab"));
        assert!(matches_prefix(&u, "ab12"));
        assert!(matches_prefix(&u, "0xab12cd"));
        assert!(!matches_prefix(&u, "ab13"));
        assert!(is_lflow_prefix("0xab12"));
        assert!(is_lflow_prefix("0"));
        assert!(!is_lflow_prefix("0x"));
        assert!(!is_lflow_prefix("sw0"));
    }
}
