//! `status` / `show`: chassis, encaps and port bindings (like `ovn-sbctl show`), daemons with
//! pid and memory, VMs.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use ovn_sb::{Chassis, Encap, PortBinding};
use ovsdb_proto::op::Select;
use ovsdb_proto::{Table, Uuid};

use crate::cluster::{ClusterDb, MemberStatus};
use crate::error::Result;
use crate::lab::{DaemonInfo, Lab, LabConfig, daemons, encaps_of};
use crate::state::{SbVia, VmInfo};
use crate::tls::TlsFiles;

/// One SB chassis.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ChassisStatus {
    /// Chassis name.
    pub name: String,
    /// Hostname it reported.
    pub hostname: String,
    /// (type, ip) of each encap.
    pub encaps: Vec<(String, String)>,
    /// Logical ports bound to it.
    pub ports: Vec<String>,
    /// Its Open_vSwitch database (`unix:<dir>/<chassis>/db.sock`); `None` for a chassis SB
    /// knows that is not one of the lab's.
    pub ovs_db: Option<String>,
    /// Resident memory of its daemons (ovsdb-server, ovs-vswitchd, ovn-controller) in kB.
    pub rss_kb: u64,
}

/// The central's database remotes.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Remotes {
    /// Northbound remotes reachable from the host (`unix:...`; more than one for a cluster).
    pub nb: Vec<String>,
    /// Southbound remotes reachable from the host.
    pub sb: Vec<String>,
    /// Remotes the chassis use that only the lab's namespaces reach (`tcp:192.168.50.2:6642`
    /// of the SB relay with `--sb-via tcp`).
    pub underlay: Vec<String>,
    /// With `--tls`: the PEM files a client needs for the `ssl:` remotes.
    pub tls: Option<TlsFiles>,
}

/// The whole status.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Status {
    /// Lab name.
    pub name: String,
    /// Lab directory.
    pub dir: String,
    /// The central's database remotes.
    pub central: Remotes,
    /// Chassis as SB has them.
    pub chassis: Vec<ChassisStatus>,
    /// Daemons.
    pub daemons: Vec<DaemonInfo>,
    /// VMs.
    pub vms: Vec<VmInfo>,
    /// Containers.
    pub containers: Vec<crate::state::ContainerInfo>,
    /// Members of the NB and SB clusters with their roles (empty for a standalone central).
    pub cluster: Vec<MemberStatus>,
    /// Sum of the daemons' RSS in kB.
    pub total_rss_kb: u64,
}

impl Lab {
    /// SB chassis with their bindings (what `ovn-sbctl show` lists).
    ///
    /// # Errors
    /// Database errors.
    pub async fn bindings(&self) -> Result<Vec<ChassisStatus>> {
        let res = self
            .sb
            .transact(vec![
                Select::new(Chassis::TABLE_NAME, []).into(),
                Select::new(Encap::TABLE_NAME, []).into(),
                Select::new(PortBinding::TABLE_NAME, []).into(),
            ])
            .await?;
        let mut it = res.into_iter();
        let chassis = self.sb.rows_of::<Chassis>(it.next())?;
        let encaps: BTreeMap<Uuid, Encap> = self.sb.rows_of(it.next())?.into_iter().collect();
        let pbs = self.sb.rows_of::<PortBinding>(it.next())?;
        let mut out: Vec<ChassisStatus> = chassis
            .iter()
            .map(|(u, c)| {
                let mut ports: Vec<String> = pbs
                    .iter()
                    .filter(|(_, p)| p.chassis.as_ref().and_then(|r| r.uuid()) == Some(*u))
                    .map(|(_, p)| p.logical_port.to_string())
                    .collect();
                ports.sort();
                let ovs_db = self
                    .state
                    .chassis
                    .values()
                    .find(|ch| ch.name == c.name)
                    .map(|ch| format!("unix:{}/db.sock", self.cfg.chassis_dir(ch).display()));
                let rss_kb = self
                    .state
                    .chassis
                    .values()
                    .find(|ch| ch.name == c.name)
                    .map(|ch| {
                        let d = self.cfg.chassis_dir(ch);
                        ["ovsdb-server", "ovs-vswitchd", "ovn-controller"]
                            .iter()
                            .filter_map(|s| crate::sys::read_pidfile(&d.join(format!("{s}.pid"))))
                            .filter_map(crate::sys::rss_kb)
                            .sum()
                    })
                    .unwrap_or(0);
                ChassisStatus {
                    name: c.name.to_string(),
                    hostname: c.hostname.to_string(),
                    encaps: encaps_of(c, &encaps),
                    ports,
                    ovs_db,
                    rss_kb,
                }
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// The central's database remotes.
    pub fn remotes(&self) -> Remotes {
        let c = self.state.clustered;
        let split = |r: &str| r.split(',').map(str::to_string).collect::<Vec<_>>();
        let (mut nb, mut sb) = (split(&self.cfg.nb_remote(c)), split(&self.cfg.sb_remote(c)));
        if let Some((n, s)) = self.state.ssl_ports {
            nb.push(format!("ssl:127.0.0.1:{n}"));
            sb.push(format!("ssl:127.0.0.1:{s}"));
        }
        Remotes {
            tls: self.state.tls.then(|| TlsFiles::of(&self.cfg)),
            nb,
            sb,
            underlay: match (self.state.sb_via, c) {
                (SbVia::Unix, _) => vec![],
                (SbVia::Tcp, false) => vec![crate::lab::relay_remote(self.state.tls)],
                (SbVia::Tcp, true) => split(&crate::cluster::underlay_remotes(ClusterDb::Sb, self.state.tls)),
            },
        }
    }

    /// What `ovn-lab env` prints: `export` lines for `OVN_NB_DB` and `OVN_SB_DB` (remotes
    /// separated by commas, as ovn-nbctl takes them). With `--tls` they are the `ssl:`
    /// remotes, and `OVN_LAB_PRIVATE_KEY`, `OVN_LAB_CERTIFICATE`, `OVN_LAB_CA_CERT` name the
    /// client's files, for ovn-nbctl's `-p`, `-c` and `-C`.
    pub fn env(&self) -> String {
        let r = self.remotes();
        let pick = |list: &[String]| -> String {
            if list.iter().any(|x| x.starts_with("ssl:")) {
                list.iter()
                    .filter(|x| x.starts_with("ssl:"))
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(",")
            } else {
                list.join(",")
            }
        };
        let mut out = format!(
            "export OVN_NB_DB={}\nexport OVN_SB_DB={}\n",
            shell_quote(&pick(&r.nb)),
            shell_quote(&pick(&r.sb))
        );
        if let Some(t) = &r.tls {
            for (var, path) in [
                ("OVN_LAB_PRIVATE_KEY", &t.client_key),
                ("OVN_LAB_CERTIFICATE", &t.client_cert),
                ("OVN_LAB_CA_CERT", &t.server_ca),
            ] {
                let _ = writeln!(out, "export {var}={}", shell_quote(&path.display().to_string()));
            }
            out.push_str(
                "# ovn-nbctl -p \"$OVN_LAB_PRIVATE_KEY\" -c \"$OVN_LAB_CERTIFICATE\" -C \"$OVN_LAB_CA_CERT\" show\n",
            );
        }
        out
    }

    /// Everything `status` shows.
    ///
    /// # Errors
    /// Database errors.
    pub async fn status(&self) -> Result<Status> {
        let daemons = daemons(&self.cfg);
        Ok(Status {
            name: self.cfg.name.clone(),
            dir: self.cfg.dir.display().to_string(),
            central: self.remotes(),
            chassis: self.bindings().await?,
            total_rss_kb: daemons.iter().filter_map(|d| d.rss_kb).sum(),
            daemons,
            vms: self.state.vms.values().cloned().collect(),
            containers: self.state.containers.values().cloned().collect(),
            cluster: self.cluster_status().await,
        })
    }
}

/// Chassis as `ovn-sbctl show` prints them.
pub fn render_bindings(chassis: &[ChassisStatus]) -> String {
    let mut s = String::new();
    for c in chassis {
        let _ = writeln!(s, "Chassis {}", c.name);
        let _ = writeln!(s, "    hostname: {}", c.hostname);
        for (t, ip) in &c.encaps {
            let _ = writeln!(s, "    Encap {t}\n        ip: \"{ip}\"");
        }
        for p in &c.ports {
            let _ = writeln!(s, "    Port_Binding {p}");
        }
    }
    s
}

/// The status as text.
pub fn render_status(st: &Status) -> String {
    let mut s = format!("lab {} in {}\n", st.name, st.dir);
    let _ = writeln!(s, "NB {}", st.central.nb.join(","));
    let _ = writeln!(s, "SB {}", st.central.sb.join(","));
    for u in &st.central.underlay {
        let _ = writeln!(s, "SB on the underlay {u}");
    }
    for m in &st.cluster {
        let _ = writeln!(s, "  {:<15} {:<4} {:<12} pid {}", m.db, m.member, m.role, m.pid);
    }
    s.push_str(&render_bindings(&st.chassis));
    if !st.vms.is_empty() {
        s.push_str("\nVM              chassis  switch      mac                address             gateway\n");
        for v in &st.vms {
            let _ = writeln!(
                s,
                "{:<15} {:<8} {:<11} {:<18} {:<19} {}",
                v.name,
                v.chassis,
                v.switch,
                v.mac,
                v.ip,
                v.gw.as_deref().unwrap_or("-")
            );
        }
    }
    if !st.containers.is_empty() {
        s.push_str("\ncontainer       chassis  dev   endpoint        mac                address             gateway\n");
        for c in &st.containers {
            for i in &c.interfaces {
                let _ = writeln!(
                    s,
                    "{:<15} {:<8} {:<5} {:<15} {:<18} {:<19} {}",
                    c.name,
                    c.chassis,
                    i.dev,
                    i.endpoint,
                    i.mac,
                    i.ip,
                    i.gw.as_deref().unwrap_or("-")
                );
            }
        }
    }
    s.push('\n');
    s.push_str(&render_daemons(&st.daemons));
    s
}

/// The daemons as a table (name, pid, RSS or `dead`) with the total RSS.
pub fn render_daemons(daemons: &[DaemonInfo]) -> String {
    let mut s = String::from("daemon                      pid      RSS\n");
    for d in daemons {
        let rss = match (d.running, d.rss_kb) {
            (true, Some(k)) => format!("{:>6} kB", k),
            _ => "  dead".into(),
        };
        let _ = writeln!(s, "{:<26} {:>7} {rss}", d.name, d.pid);
    }
    let total: u64 = daemons
        .iter()
        .filter(|d| d.running)
        .filter_map(|d| d.rss_kb)
        .sum();
    let _ = writeln!(s, "total RSS {total} kB");
    s
}

/// `s` as one shell word: as is when it has only safe characters, else in single quotes.
fn shell_quote(s: &str) -> String {
    let safe = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/:.,_-+=@%".contains(&b));
    if safe {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The daemons of a lab that may not be fully up (for `status` on a broken lab).
pub fn daemons_only(cfg: &LabConfig) -> Vec<DaemonInfo> {
    daemons(cfg)
}
