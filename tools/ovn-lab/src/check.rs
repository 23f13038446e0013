//! Reachability: `ping`, `exec`, and `check` (the full mesh of pairs that should reach each
//! other, and proof that isolated switches cannot).

use std::collections::{BTreeMap, BTreeSet};
use std::process::Stdio;
use std::time::Instant;

use futures::{StreamExt, TryStreamExt};
use ovn_nb::{LogicalRouter, LogicalRouterPort, LogicalSwitch, LogicalSwitchPort};
use ovsdb_proto::op::Select;
use ovsdb_proto::{Table, Uuid};

use crate::error::{LabError, Result};
use crate::lab::{Lab, LabConfig};
use crate::state::VmInfo;
use crate::sys;

/// Probes run at once (each a blocking thread with a raw ICMP socket while it waits).
const PARALLEL: usize = 128;

/// Isolation probes run at once, beside the [`PARALLEL`] others (each waits its full second
/// when, as expected, nothing answers; tokio's pool has 512 blocking threads).
const ISOLATION_PARALLEL: usize = 256;

/// One echo request from a VM (`ping -c1 -W<wait_s>`); `true` if answered within `wait_s`
/// seconds.
pub(crate) async fn ping_once(cfg: &LabConfig, from: &str, addr: &str, wait_s: u32) -> bool {
    // Sent by the lab itself (no process per probe); `ping` if that cannot be done.
    if let Ok(ip) = addr.parse::<std::net::Ipv4Addr>() {
        let wait = std::time::Duration::from_secs(u64::from(wait_s));
        if let Ok(answered) = crate::icmp::echo(&cfg.vm_netns(from), ip, wait).await {
            return answered;
        }
    }
    let wait = format!("-W{wait_s}");
    sys::ns_exec(&cfg.vm_netns(from), "ping", &["-n", "-q", "-c1", &wait, addr])
        .await
        .is_ok()
}

/// Pings until answered, at most `tries` times; returns how many were lost before the answer,
/// `None` if none was answered.
pub(crate) async fn ping_tries(cfg: &LabConfig, from: &str, addr: &str, tries: u32) -> Option<u32> {
    for i in 0..tries {
        if ping_once(cfg, from, addr, 1).await {
            return Some(i);
        }
    }
    None
}

/// One probe of `check`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Probe {
    /// Source VM.
    pub from: String,
    /// Destination VM.
    pub to: String,
    /// Destination address.
    pub addr: String,
    /// Whether the topology says it should answer.
    pub expect_reach: bool,
    /// Whether it answered.
    pub reached: bool,
    /// For an isolation probe of an address that a VM of the source's own switch also has
    /// (isolated switches with identical subnets): the Ethernet address the echo request was
    /// sent to, the destination VM's. An answer means a frame crossed into the other switch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dst_mac: Option<String>,
}

impl Probe {
    /// Whether the probe behaved as expected.
    pub fn passed(&self) -> bool {
        self.expect_reach == self.reached
    }
}

/// What `check` found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CheckReport {
    /// Every probe.
    pub probes: Vec<Probe>,
    /// Probes that did not behave as expected.
    pub failed: usize,
    /// Wall time in seconds.
    pub seconds: f64,
}

impl Lab {
    /// Pings `to` (a VM or container name, or an address) from VM or container `from`,
    /// allowing up to 3 lost probes
    /// first; returns how many were lost.
    ///
    /// # Errors
    /// [`LabError::NotFound`], [`LabError::Ping`].
    pub async fn ping(&self, from: &str, to: &str) -> Result<u32> {
        self.state.host(from)?;
        let addr = if to.parse::<std::net::Ipv4Addr>().is_ok() {
            to.to_string()
        } else {
            self.state.host_addr(to)?
        };
        ping_tries(&self.cfg, from, &addr, 4)
            .await
            .ok_or_else(|| LabError::Ping {
                from: from.to_string(),
                to: to.to_string(),
            })
    }

    /// One echo request from VM `from` to address `addr`; `true` if answered within 3 s (a
    /// reply that is merely slow on a loaded host is not a lost one).
    pub async fn ping_once(&self, from: &str, addr: &str) -> bool {
        ping_once(&self.cfg, from, addr, 3).await
    }

    /// Runs `command` inside VM (or container) `vm`'s namespace with the terminal's stdio; returns its exit
    /// code.
    ///
    /// # Errors
    /// [`LabError::NotFound`], [`LabError::Spawn`].
    pub async fn exec(&self, vm: &str, command: &[String]) -> Result<i32> {
        self.state.host(vm)?;
        let ns = self.cfg.vm_netns(vm);
        let status = tokio::process::Command::new("ip")
            .args(["netns", "exec", &ns])
            .args(command)
            .stdin(Stdio::inherit())
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit())
            .status()
            .await
            .map_err(|source| LabError::Spawn {
                program: "ip netns exec".into(),
                source,
            })?;
        Ok(status.code().unwrap_or(-1))
    }

    /// Switch -> routers it is attached to (through a `router` port).
    async fn switch_routers(&self) -> Result<BTreeMap<String, BTreeSet<String>>> {
        let res = self
            .nb
            .transact(vec![
                Select::new(LogicalSwitch::TABLE_NAME, []).into(),
                Select::new(LogicalSwitchPort::TABLE_NAME, []).into(),
                Select::new(LogicalRouter::TABLE_NAME, []).into(),
                Select::new(LogicalRouterPort::TABLE_NAME, []).into(),
            ])
            .await?;
        let mut it = res.into_iter();
        let switches = self.nb.rows_of::<LogicalSwitch>(it.next())?;
        let lsps: BTreeMap<Uuid, LogicalSwitchPort> = self.nb.rows_of(it.next())?.into_iter().collect();
        let routers = self.nb.rows_of::<LogicalRouter>(it.next())?;
        let lrps: BTreeMap<Uuid, LogicalRouterPort> = self.nb.rows_of(it.next())?.into_iter().collect();
        let mut lrp_router: BTreeMap<String, String> = BTreeMap::new();
        for (_, r) in &routers {
            for p in &r.ports {
                if let Some(lrp) = p.uuid().and_then(|u| lrps.get(&u)) {
                    lrp_router.insert(lrp.name.to_string(), r.name.to_string());
                }
            }
        }
        let mut out = BTreeMap::new();
        for (_, ls) in switches {
            let mut set = BTreeSet::new();
            for p in &ls.ports {
                let Some(lsp) = p.uuid().and_then(|u| lsps.get(&u)) else {
                    continue;
                };
                if lsp.type_ == "router" {
                    if let Some(r) = lsp
                        .options
                        .get("router-port")
                        .and_then(|n| lrp_router.get(n.as_str()))
                    {
                        set.insert(r.clone());
                    }
                }
            }
            out.insert(ls.name.into(), set);
        }
        Ok(out)
    }

    /// Full-mesh reachability: every pair of VMs on one switch, or on switches sharing a
    /// router (both with a gateway), must answer; from every VM, one VM of each switch it must
    /// not reach must stay silent. When that VM's address is also used on the source's own
    /// switch (isolated switches with identical subnets), the echo request is sent to the
    /// other VM's Ethernet address (a neighbour entry replaced for the probe, then restored):
    /// only a frame that crosses into the other switch can be answered. Such probes run after
    /// the others, one at a time per source VM.
    ///
    /// # Errors
    /// Database errors; the report itself carries failed probes.
    pub async fn check(&self) -> Result<CheckReport> {
        self.check_sample(None).await
    }

    /// [`Lab::check`] on at most `sample` of the ordinary probes (reachable pairs and isolation
    /// probes), a fixed pseudo-random choice (by a hash of source and destination names), for
    /// large labs; the probes between identical subnets all run. `None`: every probe.
    ///
    /// # Errors
    /// As [`Lab::check`].
    pub async fn check_sample(&self, sample: Option<usize>) -> Result<CheckReport> {
        let start = Instant::now();
        let routers = self.switch_routers().await?;
        let vms: Vec<&VmInfo> = self.state.vms.values().collect();
        let reach = |a: &VmInfo, b: &VmInfo| {
            a.switch == b.switch
                || (a.gw.is_some()
                    && b.gw.is_some()
                    && routers
                        .get(&a.switch)
                        .zip(routers.get(&b.switch))
                        .is_some_and(|(x, y)| !x.is_disjoint(y)))
        };
        let mut plan: Vec<(String, String, String, bool)> = Vec::new();
        // Source -> [(target, address, target's MAC, MAC of the source switch's VM with it)].
        let mut overlap: BTreeMap<String, Vec<(String, String, String, String)>> = BTreeMap::new();
        for (i, a) in vms.iter().enumerate() {
            for b in &vms[i + 1..] {
                if reach(a, b) {
                    plan.push((a.name.clone(), b.name.clone(), b.addr().to_string(), true));
                }
            }
            let mut done = BTreeSet::new();
            for b in &vms {
                if reach(a, b) || done.contains(&b.switch) || b.addr() == a.addr() {
                    continue;
                }
                // Whoever has this address on a's side.
                let twin = vms.iter().find(|v| reach(a, v) && v.addr() == b.addr());
                match twin {
                    None => {
                        plan.push((a.name.clone(), b.name.clone(), b.addr().to_string(), false));
                    }
                    // On a's own switch: a has a neighbour entry for it to swap.
                    Some(t) if t.switch == a.switch => {
                        overlap.entry(a.name.clone()).or_default().push((
                            b.name.clone(),
                            b.addr().to_string(),
                            b.mac.clone(),
                            t.mac.clone(),
                        ));
                    }
                    // Behind a router: not probed from a; another VM of b's switch may be.
                    Some(_) => continue,
                }
                done.insert(b.switch.clone());
            }
        }
        if let Some(n) = sample {
            if plan.len() > n {
                // One hash per pair (`sort_by_key` would recompute it at every comparison:
                // 1000 routed VMs are 499500 pairs, seconds of formatting before any probe).
                plan.sort_by_cached_key(|(from, to, _, _)| {
                    crate::lab::name_hash(&format!("{from}\u{0}{to}"))
                });
                plan.truncate(n);
            }
        }
        let n_overlap: usize = overlap.values().map(Vec::len).sum();
        self.progress.step(&format!(
            "{} probes among {} VMs ({PARALLEL} at a time, isolation probes {ISOLATION_PARALLEL})",
            plan.len() + n_overlap,
            vms.len()
        ));
        let cfg = &self.cfg;
        let run = |plan: Vec<(String, String, String, bool)>, parallel: usize| {
            futures::stream::iter(plan)
                .map(|(from, to, addr, expect)| async move {
                    let reached = if expect {
                        ping_tries(cfg, &from, &addr, 3).await.is_some()
                    } else {
                        ping_once(cfg, &from, &addr, 1).await
                    };
                    Probe {
                        from,
                        to,
                        addr,
                        expect_reach: expect,
                        reached,
                        dst_mac: None,
                    }
                })
                .buffer_unordered(parallel)
                .collect::<Vec<Probe>>()
        };
        // Isolation probes spend their whole second waiting for silence: they run in a pool
        // of their own, beside the reachable pairs, instead of holding the pairs' slots.
        let (reach_plan, isolation_plan): (Vec<_>, Vec<_>) = plan.into_iter().partition(|p| p.3);
        let (mut probes, isolated) =
            futures::join!(run(reach_plan, PARALLEL), run(isolation_plan, ISOLATION_PARALLEL));
        probes.extend(isolated);
        let second: Vec<Vec<Probe>> = futures::stream::iter(overlap)
            .map(|(from, list)| async move {
                let ns = cfg.vm_netns(&from);
                let mut out = Vec::new();
                for (to, addr, mac, own_mac) in list {
                    let set = |m: &str| format!("neigh replace {addr} lladdr {m} dev eth0 nud permanent");
                    sys::ip_batch(Some(&ns), &[set(&mac)]).await?;
                    let reached = ping_once(cfg, &from, &addr, 1).await;
                    sys::ip_batch(Some(&ns), &[set(&own_mac)]).await?;
                    out.push(Probe {
                        from: from.clone(),
                        to,
                        addr,
                        expect_reach: false,
                        reached,
                        dst_mac: Some(mac),
                    });
                }
                Ok::<_, LabError>(out)
            })
            .buffer_unordered(PARALLEL)
            .try_collect()
            .await?;
        probes.extend(second.into_iter().flatten());
        self.progress.finish();
        let failed = probes.iter().filter(|p| !p.passed()).count();
        Ok(CheckReport {
            probes,
            failed,
            seconds: start.elapsed().as_secs_f64(),
        })
    }
}

/// The check as a matrix (up to 24 VMs) or per-switch summary, plus failures.
pub fn render_check(lab: &Lab, report: &CheckReport) -> String {
    let mut out = String::new();
    let names: Vec<&String> = lab.state.vms.keys().collect();
    let mut cell: BTreeMap<(&str, &str), &Probe> = BTreeMap::new();
    for p in &report.probes {
        cell.insert((p.from.as_str(), p.to.as_str()), p);
        cell.insert((p.to.as_str(), p.from.as_str()), p);
    }
    if names.len() <= 24 {
        let w = names.iter().map(|n| n.len()).max().unwrap_or(2).max(2);
        out.push_str(&format!("{:w$} ", ""));
        for i in 0..names.len() {
            out.push_str(&format!("{:>3}", i + 1));
        }
        out.push('\n');
        for (i, a) in names.iter().enumerate() {
            out.push_str(&format!("{a:w$} "));
            for b in &names {
                let c = if a == b {
                    "-"
                } else {
                    match cell.get(&(a.as_str(), b.as_str())) {
                        Some(p) if !p.passed() => "✗",
                        Some(p) if p.expect_reach => "✓",
                        Some(_) => "·",
                        None => " ",
                    }
                };
                out.push_str(&format!("{c:>3}"));
            }
            out.push_str(&format!("  {}\n", i + 1));
        }
        out.push_str("✓ reached as expected, · isolated as expected, ✗ failed\n");
    } else {
        // Too many VMs for a VM matrix: switch by switch, probes passed / probes run.
        let switch_of: BTreeMap<&str, &str> = lab
            .state
            .vms
            .values()
            .map(|v| (v.name.as_str(), v.switch.as_str()))
            .collect();
        let switches: Vec<&str> = switch_of
            .values()
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut counts: BTreeMap<(&str, &str), (usize, usize)> = BTreeMap::new();
        for p in &report.probes {
            let (Some(a), Some(b)) = (switch_of.get(p.from.as_str()), switch_of.get(p.to.as_str())) else {
                continue;
            };
            let c = counts.entry((*a, *b)).or_default();
            c.1 += 1;
            if p.passed() {
                c.0 += 1;
            }
        }
        let w = switches.iter().map(|n| n.len()).max().unwrap_or(4).max(12);
        out.push_str(&format!("{:w$}", "from \\ to"));
        for b in &switches {
            out.push_str(&format!(" {b:>w$}"));
        }
        out.push('\n');
        for a in &switches {
            out.push_str(&format!("{a:w$}"));
            for b in &switches {
                let cell = match counts.get(&(*a, *b)) {
                    Some((ok, n)) => format!("{}{ok}/{n}", if ok == n { "" } else { "✗ " }),
                    None => "-".to_string(),
                };
                out.push_str(&format!(" {cell:>w$}"));
            }
            out.push('\n');
        }
        out.push_str(
            "probes that behaved as expected / probes run, by the switches of source and destination\n",
        );
    }
    let reach = report.probes.iter().filter(|p| p.expect_reach).count();
    let reach_ok = report
        .probes
        .iter()
        .filter(|p| p.expect_reach && p.reached)
        .count();
    let iso = report.probes.len() - reach;
    let iso_ok = report
        .probes
        .iter()
        .filter(|p| !p.expect_reach && !p.reached)
        .count();
    out.push_str(&format!(
        "{} VMs: {reach_ok}/{reach} pairs reachable, {iso_ok}/{iso} isolation probes silent ({:.2} s)\n",
        names.len(),
        report.seconds
    ));
    for p in report.probes.iter().filter(|p| !p.passed()) {
        out.push_str(&format!(
            "FAIL {} -> {} ({}): expected {}\n",
            p.from,
            p.to,
            p.addr,
            if p.expect_reach { "reply" } else { "no reply" }
        ));
    }
    out
}
