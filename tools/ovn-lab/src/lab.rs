//! The lab: central, chassis, VMs; every database step goes through `ovsdb-client`.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use futures::future::try_join_all;
use ovn_nb::{LogicalRouter, LogicalRouterPort, LogicalSwitch, LogicalSwitchPort, NbGlobal};
use ovn_sb::{Chassis, ChassisPrivate, Encap, PortBinding};
use ovs_vswitchd_schema::{Bridge, BridgeFailMode, Interface, OpenVSwitch, Port};
use ovsdb_proto::op::{Delete, Insert, Mutate, Operation, Select, Update};
use ovsdb_proto::{Map, NamedUuid, Ref, Row, SmolStr, Table, Uuid};

use crate::db::{Db, wait_for};
use crate::error::{LabError, Result};
use crate::progress::Progress;
use crate::state::{ChassisInfo, LabState, SbVia, VmInfo};
use crate::sys::{self, DaemonSpec};

/// Underlay network (exists only inside the lab's namespaces).
pub(crate) const UNDERLAY: &str = "192.168.50";
/// Address of the SB relay on the underlay (`--sb-via tcp`).
const RELAY_IP: &str = "192.168.50.2";
/// Port of the SB relay.
const RELAY_PORT: u16 = 6642;
/// The SB relay's remote on the underlay (`--sb-via tcp`; `ssl:` with `--tls`).
pub(crate) fn relay_remote(tls: bool) -> String {
    format!("{}:{RELAY_IP}:{RELAY_PORT}", if tls { "ssl" } else { "tcp" })
}

/// Bound on every state wait.
pub const WAIT: Duration = Duration::from_secs(30);
/// Device names a VM's chassis-side veth may not take (devices the chassis namespace already
/// has); a VM with such a name gets a derived device name.
const RESERVED: &[&str] = &[
    "lo",
    "ul0",
    "br-int",
    "br-phy",
    "ovs-netdev",
    "genev_sys_6081",
    "eth0",
];

/// Where a lab lives and what it is called.
#[derive(Debug, Clone)]
pub struct LabConfig {
    /// Lab name: `[a-z0-9]{1,12}`; namespaces are `olab-<name>-*`.
    pub name: String,
    /// Directory holding every file of the lab (databases, sockets, pidfiles, logs, state).
    pub dir: PathBuf,
    /// No progress output.
    pub quiet: bool,
    /// Bound on each wait for ports (default: [`WAIT`] for up to 100 ports, then 0.1 s more
    /// per port).
    pub timeout: Option<Duration>,
}

impl LabConfig {
    /// A lab called `name` in `dir` (default `/run/ovn-lab/<name>`).
    ///
    /// # Errors
    /// [`LabError::Invalid`] for a bad name.
    pub fn new(name: &str, dir: Option<PathBuf>) -> Result<LabConfig> {
        if name.is_empty()
            || name.len() > 12
            || !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            return Err(LabError::Invalid {
                what: "lab name",
                value: name.to_string(),
                reason: "use 1 to 12 lowercase letters or digits",
            });
        }
        Ok(LabConfig {
            name: name.to_string(),
            dir: dir.unwrap_or_else(|| PathBuf::from("/run/ovn-lab").join(name)),
            quiet: false,
            timeout: None,
        })
    }

    /// Prefix of every network namespace of this lab (`"olab-<name>-"`).
    pub fn netns_prefix(&self) -> String {
        format!("olab-{}-", self.name)
    }

    /// Full name of one of the lab's network namespaces.
    pub fn netns(&self, what: &str) -> String {
        format!("olab-{}-{what}", self.name)
    }

    /// Namespace of a VM (or container): `olab-<lab>-vm-<name>` when the name is made of
    /// ASCII letters, digits, `.`, `_` and `-` (at most 48 bytes), else
    /// `olab-<lab>-vmh-<hash>` (16 hex digits of a 64-bit FNV-1a hash of the name): any name
    /// OVN accepts gives a valid, distinct namespace name.
    pub fn vm_netns(&self, vm: &str) -> String {
        let plain = !vm.is_empty()
            && vm.len() <= 48
            && vm
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-');
        if plain {
            self.netns(&format!("vm-{vm}"))
        } else {
            self.netns(&format!("vmh-{:016x}", name_hash(vm)))
        }
    }

    pub(crate) fn central_dir(&self) -> PathBuf {
        self.dir.join("central")
    }

    /// Directory of a chassis (`<dir>/<key>`, see [`ChassisInfo::key`]).
    pub(crate) fn chassis_dir(&self, ch: &ChassisInfo) -> PathBuf {
        self.dir.join(ch.key())
    }

    /// Network namespace of a chassis (`olab-<lab>-<key>`).
    pub fn chassis_netns(&self, ch: &ChassisInfo) -> String {
        self.netns(&ch.key())
    }

    pub(crate) fn state_file(&self) -> PathBuf {
        self.dir.join("state.json")
    }

    /// The host's NB remote: the server's unix socket, or every cluster member's.
    pub(crate) fn nb_remote(&self, clustered: bool) -> String {
        if clustered {
            crate::cluster::unix_remotes(self, crate::cluster::ClusterDb::Nb)
        } else {
            format!("unix:{}/nb.sock", self.central_dir().display())
        }
    }

    /// The host's SB remote: the server's unix socket, or every cluster member's.
    pub(crate) fn sb_remote(&self, clustered: bool) -> String {
        if clustered {
            crate::cluster::unix_remotes(self, crate::cluster::ClusterDb::Sb)
        } else {
            format!("unix:{}/sb.sock", self.central_dir().display())
        }
    }
}

/// Options of `up`.
#[derive(Debug, Clone, Default)]
pub struct UpOptions {
    /// Number of chassis.
    pub chassis: u32,
    /// How chassis reach SB.
    pub sb_via: SbVia,
    /// Start NB from a copy of this database file.
    pub nb_db: Option<PathBuf>,
    /// Start SB from a copy of this database file.
    pub sb_db: Option<PathBuf>,
    /// NB and SB each a 3-member RAFT cluster (see the `cluster` module docs).
    pub clustered: bool,
    /// TLS everywhere (see the `tls` module docs); the chassis reach SB through the relay.
    pub tls: bool,
}

/// A VM to create.
#[derive(Debug, Clone, Default)]
pub struct VmSpec {
    /// VM (and logical port) name.
    pub name: String,
    /// Chassis name (`"ch1"`).
    pub chassis: String,
    /// Logical switch.
    pub switch: String,
    /// Ethernet address; derived from the address when absent.
    pub mac: Option<String>,
    /// Address with prefix length; absent: OVN's IPAM assigns one (`dynamic`).
    pub ip: Option<String>,
    /// Default gateway; absent: the address of a router port on the switch, if any.
    pub gw: Option<String>,
}

fn named(name: &str) -> Result<NamedUuid> {
    NamedUuid::new(name).map_err(|_| LabError::Invalid {
        what: "named-uuid",
        value: name.to_string(),
        reason: "not an identifier",
    })
}

fn insert<T: Table>(row: &T, name: &NamedUuid) -> Operation {
    Insert::new(T::TABLE_NAME, row.to_row())
        .uuid_name(name.clone())
        .into()
}

/// The fixed MAC of chassis `n`'s `br-phy`: `02:00:00:00:HH:LL` with `HHLL` = 10 + `n`.
fn brphy_mac(n: u32) -> String {
    format!("02:00:00:00:{:02x}:{:02x}", (10 + n) >> 8, (10 + n) & 0xff)
}

fn encap_ip(n: u32) -> String {
    format!("{UNDERLAY}.{}", 10 + n)
}

/// Checks an IPv4 address with prefix length; returns (address octets, prefix).
pub(crate) fn parse_cidr(s: &str) -> Result<([u8; 4], u8)> {
    let bad = |reason| LabError::Invalid {
        what: "address",
        value: s.to_string(),
        reason,
    };
    let (a, n) = s.split_once('/').ok_or_else(|| bad("expected A.B.C.D/N"))?;
    let addr: std::net::Ipv4Addr = a.parse().map_err(|_| bad("not an IPv4 address"))?;
    let n: u8 = n.parse().map_err(|_| bad("prefix length is not a number"))?;
    if n == 0 || n > 30 {
        return Err(bad("prefix length must be 1..=30"));
    }
    Ok((addr.octets(), n))
}

fn mac_from_ip(o: [u8; 4]) -> String {
    format!("0a:58:{:02x}:{:02x}:{:02x}:{:02x}", o[0], o[1], o[2], o[3])
}

/// [`mac_from_ip`], unless another port already has that MAC (the same address on another,
/// isolated switch): then `0a:59:...`, `0a:5a:...`, the first one free. Distinct MACs keep
/// `check`'s isolation probes between such switches meaningful.
fn free_mac_from_ip(o: [u8; 4], used: &BTreeSet<String>) -> String {
    (0x58..=0xffu8)
        .map(|b| format!("0a:{b:02x}:{:02x}:{:02x}:{:02x}:{:02x}", o[0], o[1], o[2], o[3]))
        .find(|m| !used.contains(m))
        .unwrap_or_else(|| mac_from_ip(o))
}

/// 64-bit FNV-1a hash of a name: the stable part of derived device and namespace names.
pub(crate) fn name_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The chassis-side device name of a VM's veth (a Linux device name: at most 15 bytes): the
/// VM's name when it is 1 to 15 ASCII letters, digits, `_` or `-` and not a device the chassis
/// already has, else `olv.` and 11 hex digits of a 64-bit FNV-1a hash of the name (the `.` keeps derived names
/// apart from plain ones).
pub fn vm_ifname(vm: &str) -> String {
    let plain = !vm.is_empty()
        && vm.len() <= 15
        && vm
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        && !RESERVED.contains(&vm);
    if plain {
        vm.to_string()
    } else {
        format!("olv.{:011x}", name_hash(vm) & 0x0fff_ffff_ffff)
    }
}

/// A name for a logical switch, router or VM: anything OVN takes (a non-empty string), as
/// long as it has no control characters (it is printed in tables and logs).
fn check_name(what: &'static str, name: &str) -> Result<()> {
    if !name.is_empty() && !name.chars().any(char::is_control) {
        Ok(())
    } else {
        Err(LabError::Invalid {
            what,
            value: name.to_string(),
            reason: "must be non-empty and without control characters",
        })
    }
}

/// A chassis name given to `add-node`: it becomes the `system-id` and part of a namespace and
/// directory name, so 1 to 40 ASCII letters, digits, `.`, `_` or `-`.
pub(crate) fn check_chassis_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 40
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
        && !name.starts_with('.');
    if ok {
        Ok(())
    } else {
        Err(LabError::Invalid {
            what: "chassis name",
            value: name.to_string(),
            reason: "use 1 to 40 ASCII letters, digits, '.', '_' or '-' (it names a namespace and a directory)",
        })
    }
}

/// Whether `name` is one of the lab's own subdirectories (`central`, `ch<N>`, `n-<chassis>`): only those are
/// searched for pidfiles and removed by [`down`], so a `--dir` shared with other files loses
/// nothing else.
fn is_lab_subdir(name: &str) -> bool {
    name == "central"
        || name.starts_with("n-")
        || name.starts_with("h-")
        || name
            .strip_prefix("ch")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The lab's own entries directly under its directory: state file, `central`, `ch<N>`,
/// `n-<chassis>`.
fn lab_entries(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = rd
        .flatten()
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
            (is_dir && is_lab_subdir(&name)) || name == "state.json" || name == "state.json.tmp"
        })
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}

/// Every daemon pidfile under the lab directory, with a display name.
fn pidfiles(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let mut subdirs: Vec<PathBuf> = lab_entries(dir).into_iter().filter(|p| p.is_dir()).collect();
    subdirs.sort();
    for sub in subdirs {
        let Ok(rd) = std::fs::read_dir(&sub) else { continue };
        let mut files: Vec<PathBuf> = rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "pid"))
            .collect();
        files.sort();
        for f in files {
            let d = sub
                .file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let s = f
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push((format!("{d}/{s}"), f));
        }
    }
    out
}

/// Checks root and the programs the lab runs.
///
/// # Errors
/// [`LabError::NotRoot`], [`LabError::MissingPackages`] naming the `apt-get` command.
pub fn preflight() -> Result<()> {
    if !nix::unistd::geteuid().is_root() {
        return Err(LabError::NotRoot);
    }
    match missing_packages(&sys::missing_programs()) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// [`LabError::MissingPackages`] for missing programs (program -> Debian package), naming the
/// `apt-get` command that installs their packages; `None` if nothing is missing.
fn missing_packages(missing: &BTreeMap<&str, &str>) -> Option<LabError> {
    if missing.is_empty() {
        return None;
    }
    let pkgs: BTreeSet<&str> = missing.values().copied().collect();
    Some(LabError::MissingPackages {
        programs: missing.keys().map(|s| s.to_string()).collect(),
        apt: format!(
            "apt-get install -y {}",
            pkgs.into_iter().collect::<Vec<_>>().join(" ")
        ),
    })
}

/// What `down` removed.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DownReport {
    /// Daemons stopped.
    pub processes: usize,
    /// Namespaces deleted.
    pub namespaces: usize,
    /// Whether the lab directory existed and was removed (it stays, without the lab's files,
    /// if it holds anything else).
    pub removed_dir: bool,
    /// Wall time in seconds.
    pub seconds: f64,
}

/// Removes every process, namespace and file of the lab (and nothing else): daemons by the pids
/// in the lab's pidfiles, namespaces by the lab's prefix (their links go with them), the lab's
/// files (state file, `central/`, `ch<N>/`) and then its directory if that is left empty.
///
/// # Errors
/// [`LabError::Command`] if a namespace cannot be deleted, [`LabError::Io`] for the directory.
pub async fn down(cfg: &LabConfig) -> Result<DownReport> {
    let start = Instant::now();
    let pids: Vec<u32> = pidfiles(&cfg.dir)
        .iter()
        .filter_map(|(_, f)| sys::read_pidfile(f))
        .filter(|&p| sys::pid_running(p))
        .collect();
    sys::stop_pids(&pids, Duration::from_secs(2)).await;
    let ns = sys::netns_with_prefix(&cfg.netns_prefix());
    sys::netns_delete(&ns).await?;
    let existed = cfg.dir.exists();
    for entry in lab_entries(&cfg.dir) {
        let res = if entry.is_dir() {
            std::fs::remove_dir_all(&entry)
        } else {
            std::fs::remove_file(&entry)
        };
        res.map_err(|source| LabError::Io {
            path: entry.clone(),
            source,
        })?;
    }
    // The directory itself goes if nothing but the lab was in it.
    let removed_dir = existed && std::fs::remove_dir(&cfg.dir).is_ok();
    Ok(DownReport {
        processes: pids.len(),
        namespaces: ns.len(),
        removed_dir,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Whether every daemon of a lab with `state` is running.
fn all_running(cfg: &LabConfig, state: &LabState) -> bool {
    let c = cfg.central_dir();
    let mut files = vec![c.join("northd.pid")];
    if state.clustered {
        if !crate::cluster::members_running(cfg) {
            return false;
        }
    } else {
        files.extend([c.join("nb.pid"), c.join("sb.pid")]);
        if state.sb_via == SbVia::Tcp {
            files.push(c.join("sbrelay.pid"));
        }
    }
    for ch in state.chassis.values() {
        let d = cfg.chassis_dir(ch);
        files.extend(["ovsdb-server.pid", "ovs-vswitchd.pid", "ovn-controller.pid"].map(|f| d.join(f)));
    }
    files
        .iter()
        .all(|f| sys::read_pidfile(f).is_some_and(sys::pid_running))
}

async fn mkdir(path: &Path) -> Result<()> {
    tokio::fs::create_dir_all(path)
        .await
        .map_err(|source| LabError::Io {
            path: path.to_path_buf(),
            source,
        })
}

async fn create_db(path: &Path, schema: &str, from: Option<&Path>) -> Result<()> {
    match from {
        Some(src) => tokio::fs::copy(src, path)
            .await
            .map(|_| ())
            .map_err(|source| LabError::Io {
                path: src.to_path_buf(),
                source,
            }),
        None => {
            let p = path.display().to_string();
            sys::run("ovsdb-tool", &["create", &p, schema]).await.map(|_| ())
        }
    }
}

/// What `up` did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UpReport {
    /// Whether the lab was already up (nothing started).
    pub already_up: bool,
    /// Chassis names.
    pub chassis: Vec<String>,
    /// Wall time in seconds.
    pub seconds: f64,
}

/// Starts the lab (see the crate docs). Idempotent: a lab that is fully up only gains missing
/// chassis; a half-started one is removed first.
///
/// # Errors
/// [`preflight`]'s errors, [`LabError::DaemonDied`], [`LabError::Timeout`], and the plumbing's;
/// [`LabError::Invalid`] if the lab is up and `opts` asks for another SB access or for
/// database files.
pub async fn up(cfg: &LabConfig, opts: &UpOptions) -> Result<UpReport> {
    preflight()?;
    let start = Instant::now();
    let progress = Progress::new(cfg.quiet);
    let chassis = opts.chassis;
    if let Some(state) = LabState::load(&cfg.state_file())? {
        if all_running(cfg, &state) {
            if state.tls != opts.tls {
                return Err(LabError::Invalid {
                    what: "--tls",
                    value: opts.tls.to_string(),
                    reason: "the lab is up with the other setting; run ovn-lab down first",
                });
            }
            if state.sb_via != sb_via_of(opts) {
                return Err(LabError::Invalid {
                    what: "--sb-via",
                    value: format!("{:?}", opts.sb_via).to_lowercase(),
                    reason: "the lab is up with the other SB access; run ovn-lab down first",
                });
            }
            if state.clustered != opts.clustered {
                return Err(LabError::Invalid {
                    what: "--clustered",
                    value: opts.clustered.to_string(),
                    reason: "the lab is up with the other kind of central; run ovn-lab down first",
                });
            }
            if opts.nb_db.is_some() || opts.sb_db.is_some() {
                return Err(LabError::Invalid {
                    what: "--nb-db/--sb-db",
                    value: cfg.name.clone(),
                    reason: "the lab is already up with its own databases; run ovn-lab down first",
                });
            }
            let mut lab = Lab::open(cfg.clone()).await?;
            let have = lab.state.chassis.len() as u32;
            for _ in have..chassis {
                lab.add_node(None).await?;
            }
            return Ok(UpReport {
                already_up: true,
                chassis: lab.state.chassis.values().map(|c| c.name.clone()).collect(),
                seconds: start.elapsed().as_secs_f64(),
            });
        }
    }
    if cfg.dir.exists() || !sys::netns_with_prefix(&cfg.netns_prefix()).is_empty() {
        progress.step("cleaning a half-started lab");
        down(cfg).await?;
    }
    mkdir(&cfg.central_dir()).await?;
    let mut state = LabState {
        sb_via: sb_via_of(opts),
        clustered: opts.clustered,
        tls: opts.tls,
        ..LabState::default()
    };
    for n in 1..=chassis {
        state.chassis.insert(
            n,
            ChassisInfo {
                number: n,
                name: format!("ch{n}"),
                encap_ip: encap_ip(n),
            },
        );
    }
    state.save(&cfg.state_file())?;

    progress.step(&format!("central, underlay and {chassis} chassis"));
    // The underlay first: cluster members hold their RAFT connections on it.
    start_underlay(cfg, state.sb_via).await?;
    if opts.tls {
        progress.step("PKI (ovs-pki)");
        crate::tls::make_pki(cfg).await?;
        progress.step(&format!("central, underlay and {chassis} chassis"));
    }
    let for_central = state.clone();
    let central = start_central(cfg, opts, &for_central);
    let chassis_list: Vec<ChassisInfo> = state.chassis.values().cloned().collect();
    let all = chassis_list.clone();
    let for_chassis = state.clone();
    let edge = join_all_ok(
        chassis_list
            .iter()
            .map(|ch| start_chassis_switch(cfg, ch, &all, &for_chassis)),
    );
    let (nb_sb, ovs) = join2(central, edge).await?;
    let (nb, sb, ports) = nb_sb;
    state.ssl_ports = ports;
    state.save(&cfg.state_file())?;
    if state.sb_via == SbVia::Tcp && !opts.clustered {
        start_relay(cfg, state.tls).await?;
    }
    progress.step("ovn-controller on every chassis");
    join_all_ok(chassis_list.iter().map(|ch| start_controller(cfg, ch, &state))).await?;
    let mut ovs_map = BTreeMap::new();
    for (ch, db) in chassis_list.iter().zip(ovs) {
        ovs_map.insert(ch.name.clone(), db);
    }
    let lab = Lab {
        cfg: cfg.clone(),
        state,
        nb,
        sb,
        ovs: ovs_map,
        progress,
    };
    lab.progress.step("chassis registering in SB");
    let names: Vec<String> = lab.state.chassis.values().map(|c| c.name.clone()).collect();
    lab.wait_chassis_registered(&names).await?;
    lab.progress.step("every chassis caught up (nb_cfg)");
    lab.sync_hv().await?;
    lab.progress.finish();
    Ok(UpReport {
        already_up: false,
        chassis: names,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Runs every future to completion, then returns the first error. Nothing is dropped half-way:
/// a daemon being started when another start fails still gets its pidfile, so [`down`] finds
/// it, and no helper program writes into the lab directory after `down` removed it.
async fn join_all_ok<T>(futs: impl IntoIterator<Item = impl Future<Output = Result<T>>>) -> Result<Vec<T>> {
    futures::future::join_all(futs).await.into_iter().collect()
}

/// [`join_all_ok`] for two futures of different types.
async fn join2<A, B>(
    a: impl Future<Output = Result<A>>,
    b: impl Future<Output = Result<B>>,
) -> Result<(A, B)> {
    let (a, b) = tokio::join!(a, b);
    Ok((a?, b?))
}

/// Starts NB, SB (standalone or clustered) and northd; returns the lab's clients of NB and SB
/// and, with TLS, the ports NB and SB listen on.
async fn start_central(
    cfg: &LabConfig,
    opts: &UpOptions,
    state: &LabState,
) -> Result<(Db, Db, Option<(u16, u16)>)> {
    let c = cfg.central_dir();
    let mut ports = None;
    if opts.clustered {
        crate::cluster::start_clusters(cfg, opts.nb_db.as_deref(), opts.sb_db.as_deref(), opts.tls).await?;
    } else {
        start_standalone(cfg, opts).await?;
        if opts.tls {
            let (nb, sb) = join2(
                crate::tls::listening_port(&c.join("nb.log")),
                crate::tls::listening_port(&c.join("sb.log")),
            )
            .await?;
            ports = Some((nb, sb));
        }
    }
    let mut st = state.clone();
    st.ssl_ports = ports;
    let (nb, sb) = connect_central(cfg, &st).await?;
    let clustered = opts.clustered;
    // What `ovn-nbctl init` does: the one NB_Global row.
    if nb.select::<NbGlobal>(vec![]).await?.is_empty() {
        nb.transact(vec![Insert::new(NbGlobal::TABLE_NAME, Row::new()).into()])
            .await?;
    }
    // A clustered TLS central: northd on the underlay, to use the members' ssl: remotes.
    let northd_on_underlay = st.tls && clustered;
    let northd = DaemonSpec {
        name: "central/northd".into(),
        program: "ovn-northd",
        netns: northd_on_underlay.then(|| cfg.netns("ctl")),
        dir: c.clone(),
        stem: "northd".into(),
        unixctl: true,
        monitor: false,
        args: {
            let (nb_remote, sb_remote) = match st.ssl_ports {
                Some((n, s)) => (format!("ssl:127.0.0.1:{n}"), format!("ssl:127.0.0.1:{s}")),
                None if northd_on_underlay => (
                    crate::cluster::underlay_remotes(crate::cluster::ClusterDb::Nb, true),
                    crate::cluster::underlay_remotes(crate::cluster::ClusterDb::Sb, true),
                ),
                None => (cfg.nb_remote(clustered), cfg.sb_remote(clustered)),
            };
            let mut a = vec![
                format!("--ovnnb-db={nb_remote}"),
                format!("--ovnsb-db={sb_remote}"),
            ];
            if st.tls {
                a.extend(crate::tls::TlsFiles::of(cfg).client_args());
            }
            a
        },
    };
    sys::start_daemon(&northd).await?;
    Ok((nb, sb, ports))
}

/// The lab's own clients of NB and SB: over TLS (rustls) to the `ssl:` remotes with `--tls`,
/// to every member (following the leader) when clustered, else to the unix sockets.
async fn connect_central(cfg: &LabConfig, state: &LabState) -> Result<(Db, Db)> {
    let c = state.clustered;
    // A clustered central's members are on the underlay: the lab's clients use their unix
    // sockets.
    let tls = (state.tls && state.ssl_ports.is_some()).then(|| crate::tls::TlsFiles::of(cfg).client_config());
    let (nb_remote, sb_remote) = match state.ssl_ports {
        Some((n, s)) if state.tls => (format!("ssl:127.0.0.1:{n}"), format!("ssl:127.0.0.1:{s}")),
        _ => (cfg.nb_remote(c), cfg.sb_remote(c)),
    };
    tokio::try_join!(
        Db::connect_with(
            nb_remote,
            "OVN_Northbound",
            "OVN_Northbound".into(),
            c,
            tls.clone()
        ),
        Db::connect_with(sb_remote, "OVN_Southbound", "OVN_Southbound".into(), c, tls),
    )
}

/// How the chassis reach SB: with TLS always through the relay (its `ssl:` remote).
fn sb_via_of(opts: &UpOptions) -> SbVia {
    if opts.tls { SbVia::Tcp } else { opts.sb_via }
}

/// The standalone NB and SB servers (`nb.db`, `sb.db`).
async fn start_standalone(cfg: &LabConfig, opts: &UpOptions) -> Result<()> {
    let c = cfg.central_dir();
    let nb_file = c.join("nb.db");
    let sb_file = c.join("sb.db");
    join2(
        create_db(&nb_file, "/usr/share/ovn/ovn-nb.ovsschema", opts.nb_db.as_deref()),
        create_db(&sb_file, "/usr/share/ovn/ovn-sb.ovsschema", opts.sb_db.as_deref()),
    )
    .await?;
    let server = |stem: &'static str, file: &Path| DaemonSpec {
        name: format!("central/{stem}"),
        program: "ovsdb-server",
        netns: None,
        dir: c.clone(),
        stem: stem.into(),
        unixctl: true,
        monitor: false,
        args: {
            let mut a = vec![
                file.display().to_string(),
                format!("--remote=punix:{}/{stem}.sock", c.display()),
            ];
            if opts.tls {
                a.push("--remote=pssl:0:127.0.0.1".into());
                a.extend(crate::tls::TlsFiles::of(cfg).server_args());
            }
            a
        },
    };
    let (nb_spec, sb_spec) = (server("nb", &nb_file), server("sb", &sb_file));
    join2(sys::start_daemon(&nb_spec), sys::start_daemon(&sb_spec)).await?;
    Ok(())
}

async fn start_underlay(cfg: &LabConfig, sb_via: SbVia) -> Result<()> {
    let ul = cfg.netns("ul");
    sys::run("ip", &["netns", "add", &ul]).await?;
    sys::ip_batch(
        Some(&ul),
        &[
            "link set lo up".into(),
            "link add br-ul mtu 9000 type bridge".into(),
            "link set br-ul up".into(),
        ],
    )
    .await?;
    // The SB relay, or with a clustered TLS central, northd (it reaches the members' ssl:
    // remotes on the underlay).
    if sb_via == SbVia::Tcp {
        underlay_host(cfg, "ctl", RELAY_IP).await?;
    }
    Ok(())
}

/// A namespace `olab-<lab>-<name>` on the underlay at `ip` (veth `ul0`, its peer `<name>` on
/// the underlay bridge): for the SB relay (`ctl`) and the cluster members (`c1`..`c3`).
pub(crate) async fn underlay_host(cfg: &LabConfig, name: &str, ip: &str) -> Result<()> {
    let ns = cfg.netns(name);
    let ul = cfg.netns("ul");
    sys::run("ip", &["netns", "add", &ns]).await?;
    sys::run(
        "ip",
        &[
            "link", "add", "ul0", "netns", &ns, "mtu", "9000", "type", "veth", "peer", "name", name, "netns",
            &ul, "mtu", "9000",
        ],
    )
    .await?;
    sys::ip_batch(Some(&ul), &[format!("link set {name} master br-ul up")]).await?;
    sys::ip_batch(
        Some(&ns),
        &[
            "link set lo up".into(),
            format!("addr add {ip}/24 dev ul0"),
            "link set ul0 up".into(),
        ],
    )
    .await?;
    // Its TCP segments reach the chassis' userspace datapath with unfilled checksums unless
    // TX checksum offload is off.
    sys::ns_exec(&ns, "ethtool", &["-K", "ul0", "tx", "off"]).await?;
    Ok(())
}

async fn start_relay(cfg: &LabConfig, tls: bool) -> Result<()> {
    let mut args = vec![];
    if tls {
        args.push(format!("--remote=pssl:{RELAY_PORT}:{RELAY_IP}"));
        args.extend(crate::tls::TlsFiles::of(cfg).server_args());
    } else {
        args.push(format!("--remote=ptcp:{RELAY_PORT}:{RELAY_IP}"));
    }
    args.push(format!("relay:OVN_Southbound:{}", cfg.sb_remote(false)));
    let spec = DaemonSpec {
        name: "central/sbrelay".into(),
        program: "ovsdb-server",
        netns: Some(cfg.netns("ctl")),
        dir: cfg.central_dir(),
        stem: "sbrelay".into(),
        unixctl: true,
        monitor: false,
        args,
    };
    sys::start_daemon(&spec).await.map(|_| ())
}

/// Namespace, underlay link, Open_vSwitch database and ovs-vswitchd of one chassis, with the
/// encap address on br-phy and tunnel neighbours for every chassis in `all`.
async fn start_chassis_switch(
    cfg: &LabConfig,
    ch: &ChassisInfo,
    all: &[ChassisInfo],
    state: &LabState,
) -> Result<Db> {
    let dir = cfg.chassis_dir(ch);
    mkdir(&dir).await?;
    let ns = cfg.chassis_netns(ch);
    let ul = cfg.netns("ul");
    sys::run("ip", &["netns", "add", &ns]).await?;
    let db_file = dir.join("conf.db");
    let create = create_db(&db_file, "/usr/share/openvswitch/vswitch.ovsschema", None);
    let plumb = async {
        // Strict ARP and no IPv6 in the chassis namespace.
        sys::ns_exec(
            &ns,
            "sysctl",
            &[
                "-qw",
                "net.ipv6.conf.all.disable_ipv6=1",
                "net.ipv6.conf.default.disable_ipv6=1",
                "net.ipv4.conf.all.arp_ignore=1",
                "net.ipv4.conf.default.arp_ignore=1",
            ],
        )
        .await?;
        sys::run(
            "ip",
            &[
                "link",
                "add",
                "ul0",
                "netns",
                &ns,
                "mtu",
                "9000",
                "type",
                "veth",
                "peer",
                "name",
                &ch.ul_link(),
                "netns",
                &ul,
                "mtu",
                "9000",
            ],
        )
        .await?;
        sys::ip_batch(Some(&ul), &[format!("link set {} master br-ul up", ch.ul_link())]).await?;
        // ul0 is an OVS port; without `arp off` the kernel answers ARP for the encap address
        // with ul0's MAC and remote chassis send their tunnel traffic there.
        sys::ip_batch(
            Some(&ns),
            &["link set lo up".into(), "link set ul0 arp off up".into()],
        )
        .await
    };
    join2(create, plumb).await?;
    let server = DaemonSpec {
        name: format!("{}/ovsdb-server", ch.key()),
        program: "ovsdb-server",
        netns: Some(ns.clone()),
        dir: dir.clone(),
        stem: "ovsdb-server".into(),
        unixctl: true,
        monitor: false,
        args: vec![
            db_file.display().to_string(),
            format!("--remote=punix:{}/db.sock", dir.display()),
        ],
    };
    sys::start_daemon(&server).await?;
    let ovs = Db::connect(
        format!("unix:{}/db.sock", dir.display()),
        "Open_vSwitch",
        format!("{} Open_vSwitch", ch.name),
        false,
    )
    .await?;
    ovs.transact(chassis_config_ops(ch, &chassis_sb_remote(cfg, state))?)
        .await?;
    let vswitchd = DaemonSpec {
        name: format!("{}/ovs-vswitchd", ch.key()),
        program: "ovs-vswitchd",
        netns: Some(ns.clone()),
        dir: dir.clone(),
        stem: "ovs-vswitchd".into(),
        unixctl: true,
        monitor: false,
        args: vec![format!("unix:{}/db.sock", dir.display())],
    };
    sys::start_daemon(&vswitchd).await?;
    // br-phy's tap exists once vswitchd has given its interface an OpenFlow port number.
    let ovs2 = ovs.clone();
    wait_for(
        &|| check_daemons(cfg),
        || format!("{}: br-phy created by ovs-vswitchd", ch.name),
        WAIT,
        ovs.watch(
            Interface::TABLE_NAME,
            &[Interface::NAME.name(), Interface::OFPORT.name()],
        ),
        || async {
            let rows = ovs2
                .select::<Interface>(vec![Interface::NAME.eq("br-phy".to_string())])
                .await?;
            Ok(rows
                .iter()
                .any(|(_, i)| i.ofport.is_some_and(|p| p > 0))
                .then_some(()))
        },
    )
    .await?;
    sys::ip_batch(
        Some(&ns),
        &[
            format!("addr add {}/24 dev br-phy", ch.encap_ip),
            "link set br-phy up".into(),
        ],
    )
    .await?;
    let ctl = dir.join("ovs-vswitchd.ctl").display().to_string();
    for other in all.iter().filter(|o| o.number != ch.number) {
        set_tunnel_neighbour(&ctl, other).await?;
    }
    Ok(ovs)
}

/// Primes ovs-vswitchd's tunnel neighbour cache: `other`'s encap address is at its br-phy MAC,
/// so the first overlay packet is not lost to address resolution.
async fn set_tunnel_neighbour(ctl: &str, other: &ChassisInfo) -> Result<()> {
    sys::run(
        "ovs-appctl",
        &[
            "--timeout=10",
            "-t",
            ctl,
            "tnl/neigh/set",
            "br-phy",
            &other.encap_ip,
            &brphy_mac(other.number),
        ],
    )
    .await
    .map(|_| ())
}

/// One transaction that does what `ovs-vsctl init`, `add-br br-phy`, `add-port br-phy ul0`,
/// `add-br br-int` and the `external_ids` settings do.
/// The SB remote chassis are given (`external_ids:ovn-remote`): the SB socket(s), the relay on
/// the underlay, or every cluster member on the underlay.
fn chassis_sb_remote(cfg: &LabConfig, state: &LabState) -> String {
    match (state.sb_via, state.clustered) {
        (SbVia::Unix, c) => cfg.sb_remote(c),
        (SbVia::Tcp, false) => relay_remote(state.tls),
        (SbVia::Tcp, true) => crate::cluster::underlay_remotes(crate::cluster::ClusterDb::Sb, state.tls),
    }
}

fn chassis_config_ops(ch: &ChassisInfo, remote: &str) -> Result<Vec<Operation>> {
    let mut ops = Vec::new();
    let iface = |name: &str, internal: bool| Interface {
        name: name.into(),
        type_: if internal {
            "internal".into()
        } else {
            Default::default()
        },
        mtu_request: (name == "br-phy").then_some(9000),
        ..Default::default()
    };
    let mut port_refs = BTreeMap::new();
    for (name, internal) in [("br-phy", true), ("ul0", false), ("br-int", true)] {
        let iname = named(&format!("i_{}", name.replace('-', "_")))?;
        let pname = named(&format!("p_{}", name.replace('-', "_")))?;
        ops.push(insert(&iface(name, internal), &iname));
        let port = Port {
            name: name.into(),
            interfaces: [Ref::named(iname)].into(),
            ..Default::default()
        };
        ops.push(insert(&port, &pname));
        port_refs.insert(name, Ref::named(pname));
    }
    let br_phy = named("b_phy")?;
    let br_int = named("b_int")?;
    let phy = Bridge {
        name: "br-phy".into(),
        datapath_type: "netdev".into(),
        fail_mode: Some(BridgeFailMode::Standalone),
        other_config: [("hwaddr".into(), brphy_mac(ch.number).into())].into(),
        ports: [port_refs["br-phy"].clone(), port_refs["ul0"].clone()].into(),
        ..Default::default()
    };
    let int = Bridge {
        name: "br-int".into(),
        datapath_type: "netdev".into(),
        fail_mode: Some(BridgeFailMode::Secure),
        other_config: [("disable-in-band".into(), "true".into())].into(),
        ports: [port_refs["br-int"].clone()].into(),
        ..Default::default()
    };
    ops.push(insert(&phy, &br_phy));
    ops.push(insert(&int, &br_int));
    let ext: Map<SmolStr, SmolStr> = [
        ("system-id", ch.name.as_str()),
        ("hostname", ch.name.as_str()),
        ("ovn-remote", remote),
        ("ovn-encap-type", "geneve"),
        ("ovn-encap-ip", ch.encap_ip.as_str()),
        ("ovn-bridge-datapath-type", "netdev"),
        // One Southbound monitor shared by every chassis instead of a condition per chassis
        // (ovn-controller(8)). A lab's chassis host VMs of most switches (`spawn` spreads
        // each switch over the chassis), so conditional monitoring saves them little while
        // the SB ovsdb-server evaluates and serializes every update once per chassis; with
        // one shared monitor it does so once. The flows are the same: ovn-controller still
        // translates only the logical flows of its local datapaths. Measured at 100 chassis
        // x 1000 routed VMs: SB server 7.2 -> 2.4 s of CPU and 272 -> 102 MB RSS during
        // `spawn`, chassis RSS 70.4 -> 68.8 MB; 20 chassis x 100 VMs: 40.1 -> 40.2 MB.
        ("ovn-monitor-all", "true"),
    ]
    .into_iter()
    .map(|(k, v)| (k.into(), v.into()))
    .collect();
    // Sized for a lab, where a chassis forwards a few pings: one handler and one revalidator
    // thread instead of one per core each (every thread has its own stack and caches).
    let other: Map<SmolStr, SmolStr> = [("n-handler-threads", "1"), ("n-revalidator-threads", "1")]
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
    let root = OpenVSwitch {
        bridges: [Ref::named(br_phy), Ref::named(br_int)].into(),
        external_ids: ext,
        other_config: other,
        ..Default::default()
    };
    ops.push(Insert::new(OpenVSwitch::TABLE_NAME, root.to_row()).into());
    Ok(ops)
}

async fn start_controller(cfg: &LabConfig, ch: &ChassisInfo, state: &LabState) -> Result<()> {
    let dir = cfg.chassis_dir(ch);
    let mut args = vec![format!("unix:{}/db.sock", dir.display())];
    if state.tls {
        args.extend(crate::tls::TlsFiles::of(cfg).client_args());
    }
    let spec = DaemonSpec {
        name: format!("{}/ovn-controller", ch.key()),
        program: "ovn-controller",
        netns: Some(cfg.chassis_netns(ch)),
        dir: dir.clone(),
        stem: "ovn-controller".into(),
        unixctl: false,
        // ovn-controller 23.03 sometimes dies of a segmentation fault right after start with
        // ssl: SB remotes (seen here in about one start in three with the three members of a
        // TLS cluster): under a monitor it is restarted.
        monitor: state.tls,
        args,
    };
    sys::start_daemon(&spec).await.map(|_| ())
}

/// An open, running lab.
pub struct Lab {
    pub(crate) cfg: LabConfig,
    pub(crate) state: LabState,
    pub(crate) nb: Db,
    pub(crate) sb: Db,
    pub(crate) ovs: BTreeMap<String, Db>,
    pub(crate) progress: Progress,
}

impl Drop for Lab {
    fn drop(&mut self) {
        self.nb.close();
        self.sb.close();
        for db in self.ovs.values() {
            db.close();
        }
    }
}

impl Lab {
    /// Opens a running lab: reads its state, connects to NB, SB and every chassis database.
    ///
    /// # Errors
    /// [`LabError::NotUp`] without state; [`LabError::DaemonDied`] when a daemon is gone.
    pub async fn open(cfg: LabConfig) -> Result<Lab> {
        preflight()?;
        let state = LabState::load(&cfg.state_file())?.ok_or_else(|| LabError::NotUp {
            name: cfg.name.clone(),
            dir: cfg.dir.clone(),
        })?;
        check_daemons(&cfg)?;
        let (nb, sb) = connect_central(&cfg, &state).await?;
        let dbs = try_join_all(state.chassis.values().map(|ch| {
            Db::connect(
                format!("unix:{}/db.sock", cfg.chassis_dir(ch).display()),
                "Open_vSwitch",
                format!("{} Open_vSwitch", ch.name),
                false,
            )
        }))
        .await?;
        let ovs = state.chassis.values().map(|c| c.name.clone()).zip(dbs).collect();
        let progress = Progress::new(cfg.quiet);
        Ok(Lab {
            cfg,
            state,
            nb,
            sb,
            ovs,
            progress,
        })
    }

    /// The lab's configuration.
    pub fn config(&self) -> &LabConfig {
        &self.cfg
    }

    /// The lab's state (chassis, VMs).
    pub fn state(&self) -> &LabState {
        &self.state
    }

    pub(crate) fn save(&self) -> Result<()> {
        self.state.save(&self.cfg.state_file())
    }

    pub(crate) fn ovs_db(&self, chassis: &str) -> Result<&Db> {
        self.ovs.get(chassis).ok_or_else(|| LabError::NotFound {
            kind: "chassis",
            name: chassis.to_string(),
            known: self.ovs.keys().cloned().collect(),
        })
    }

    /// Turns a timeout into [`LabError::DaemonDied`] when a daemon is the reason.
    fn explain(&self, e: LabError) -> LabError {
        match e {
            LabError::Timeout { .. } => check_daemons(&self.cfg).err().unwrap_or(e),
            other => other,
        }
    }

    /// Waits until SB has a Chassis row with an Encap for each name.
    async fn wait_chassis_registered(&self, names: &[String]) -> Result<()> {
        let sb = &self.sb;
        wait_for(
            &|| check_daemons(&self.cfg),
            || format!("chassis {} in the Southbound database", names.join(", ")),
            WAIT,
            self.sb.watch(
                Chassis::TABLE_NAME,
                &[Chassis::NAME.name(), Chassis::ENCAPS.name()],
            ),
            || async {
                let rows = sb.select::<Chassis>(vec![]).await?;
                let ok = names
                    .iter()
                    .all(|n| rows.iter().any(|(_, c)| c.name == *n && !c.encaps.is_empty()));
                Ok(ok.then_some(()))
            },
        )
        .await
        .map_err(|e| self.explain(e))
    }

    /// What `ovn-nbctl --wait=hv sync` does: bump `NB_Global.nb_cfg` and wait until every
    /// chassis has seen it (`NB_Global.hv_cfg`).
    pub async fn sync_hv(&self) -> Result<()> {
        let res = self
            .nb
            .transact(vec![
                Mutate::new(NbGlobal::TABLE_NAME, [], [NbGlobal::NB_CFG.increment(1)]).into(),
                Select::new(NbGlobal::TABLE_NAME, []).into(),
            ])
            .await?;
        let rows = self.nb.rows_of::<NbGlobal>(res.into_iter().nth(1))?;
        let target = rows
            .first()
            .map(|(_, g)| g.nb_cfg)
            .ok_or_else(|| self.nb.unexpected("no NB_Global row".into()))?;
        let nb = &self.nb;
        wait_for(
            &|| check_daemons(&self.cfg),
            || format!("NB_Global.hv_cfg >= {target} (every chassis caught up)"),
            WAIT,
            self.nb.watch(NbGlobal::TABLE_NAME, &[NbGlobal::HV_CFG.name()]),
            || async {
                let rows = nb.select::<NbGlobal>(vec![]).await?;
                Ok(rows.iter().any(|(_, g)| g.hv_cfg >= target).then_some(()))
            },
        )
        .await
        .map_err(|e| self.explain(e))
    }

    /// Adds one chassis, returns its name: `name` if given, else `ch<N>` with `N` the next
    /// free number. A name `ch<N>` takes number `N` if that is free.
    ///
    /// # Errors
    /// [`LabError::NameTaken`], [`LabError::Invalid`] for a bad name, and as `up`.
    pub async fn add_node(&mut self, name: Option<&str>) -> Result<String> {
        let next = self.state.chassis.keys().max().copied().unwrap_or(0) + 1;
        let (n, name) = match name {
            None => (next, format!("ch{next}")),
            Some(name) => {
                check_chassis_name(name)?;
                if self.state.chassis.values().any(|c| c.name == name) {
                    return Err(LabError::NameTaken {
                        kind: "chassis",
                        name: name.to_string(),
                    });
                }
                let own = name
                    .strip_prefix("ch")
                    .and_then(|d| d.parse::<u32>().ok())
                    .filter(|d| *d > 0 && format!("ch{d}") == name && !self.state.chassis.contains_key(d));
                (own.unwrap_or(next), name.to_string())
            }
        };
        if n > 240 {
            return Err(LabError::Invalid {
                what: "chassis",
                value: name,
                reason: "the underlay has no address left",
            });
        }
        let ch = ChassisInfo {
            number: n,
            name,
            encap_ip: encap_ip(n),
        };
        self.state.chassis.insert(n, ch.clone());
        self.save()?;
        let all: Vec<ChassisInfo> = self.state.chassis.values().cloned().collect();
        let db = start_chassis_switch(&self.cfg, &ch, &all, &self.state).await?;
        for other in all.iter().filter(|o| o.number != n) {
            let ctl = self.cfg.chassis_dir(other).join("ovs-vswitchd.ctl");
            set_tunnel_neighbour(&ctl.display().to_string(), &ch).await?;
        }
        start_controller(&self.cfg, &ch, &self.state).await?;
        self.ovs.insert(ch.name.clone(), db);
        self.wait_chassis_registered(std::slice::from_ref(&ch.name))
            .await?;
        self.sync_hv().await?;
        Ok(ch.name)
    }

    /// Removes a chassis that has no VMs: its daemons, namespace, files and its SB rows.
    ///
    /// # Errors
    /// [`LabError::NotFound`]; [`LabError::Invalid`] if VMs still run on it.
    pub async fn del_node(&mut self, name: &str) -> Result<()> {
        let ch = self.state.chassis_named(name)?.clone();
        if self.state.vms.values().any(|v| v.chassis == name)
            || self.state.containers.values().any(|c| c.chassis == name)
        {
            return Err(LabError::Invalid {
                what: "chassis",
                value: name.to_string(),
                reason: "VMs or containers still run on it (move or delete them first)",
            });
        }
        if let Some(db) = self.ovs.remove(name) {
            db.close();
        }
        let dir = self.cfg.chassis_dir(&ch);
        let pids: Vec<u32> = ["ovn-controller", "ovs-vswitchd", "ovsdb-server"]
            .iter()
            .filter_map(|s| sys::read_pidfile(&dir.join(format!("{s}.pid"))))
            .collect();
        sys::stop_pids(&pids, Duration::from_secs(2)).await;
        sys::netns_delete(&[self.cfg.chassis_netns(&ch)]).await?;
        sys::ip_batch(
            Some(&self.cfg.netns("ul")),
            &[format!("link del {}", ch.ul_link())],
        )
        .await
        .ok();
        std::fs::remove_dir_all(&dir).map_err(|source| LabError::Io {
            path: dir.clone(),
            source,
        })?;
        // What `ovn-sbctl chassis-del` does (its Encap rows go with it).
        self.sb
            .transact(vec![
                Delete::new(
                    ChassisPrivate::TABLE_NAME,
                    [ChassisPrivate::NAME.eq(name.to_string())],
                )
                .into(),
                Delete::new(Chassis::TABLE_NAME, [Chassis::NAME.eq(name.to_string())]).into(),
            ])
            .await?;
        self.state.chassis.remove(&ch.number);
        self.save()
    }

    /// Logical switches by name.
    async fn switches(&self) -> Result<BTreeMap<String, (Uuid, LogicalSwitch)>> {
        Ok(self
            .nb
            .select::<LogicalSwitch>(vec![])
            .await?
            .into_iter()
            .map(|(u, s)| (s.name.to_string(), (u, s)))
            .collect())
    }

    /// Who uses which address on each switch, and its router port networks (see
    /// [`SwitchAddrs`]).
    pub(crate) async fn switch_addresses(&self) -> Result<BTreeMap<String, SwitchAddrs>> {
        let res = self
            .nb
            .transact(vec![
                Select::new(LogicalSwitch::TABLE_NAME, []).into(),
                Select::new(LogicalSwitchPort::TABLE_NAME, []).into(),
                Select::new(LogicalRouterPort::TABLE_NAME, []).into(),
            ])
            .await?;
        let mut it = res.into_iter();
        let switches = self.nb.rows_of::<LogicalSwitch>(it.next())?;
        let lsps: BTreeMap<Uuid, LogicalSwitchPort> = self.nb.rows_of(it.next())?.into_iter().collect();
        let lrps: BTreeMap<String, LogicalRouterPort> = self
            .nb
            .rows_of::<LogicalRouterPort>(it.next())?
            .into_iter()
            .map(|(_, p)| (p.name.to_string(), p))
            .collect();
        let mut out = BTreeMap::new();
        for (_, ls) in switches {
            let mut sa = SwitchAddrs {
                subnet: ls.other_config.get("subnet").map(|s| s.to_string()),
                ..SwitchAddrs::default()
            };
            for p in &ls.ports {
                let Some(lsp) = p.uuid().and_then(|u| lsps.get(&u)) else {
                    continue;
                };
                if lsp.type_ == "router" {
                    if let Some(lrp) = lsp.options.get("router-port").and_then(|n| lrps.get(n.as_str())) {
                        for net in &lrp.networks {
                            let addr = net.split('/').next().unwrap_or(net).to_string();
                            sa.used
                                .entry(addr)
                                .or_insert_with(|| format!("router port {}", lrp.name));
                            sa.router.push(net.to_string());
                        }
                    }
                    continue;
                }
                let dynamic = lsp.dynamic_addresses.iter().map(|a| (a, " (dynamic)"));
                for (entry, how) in lsp.addresses.iter().map(|a| (a, "")).chain(dynamic) {
                    for tok in entry.split_whitespace() {
                        if tok.len() == 17 && tok.bytes().filter(|&b| b == b':').count() == 5 {
                            sa.macs.insert(tok.to_ascii_lowercase());
                        }
                        let addr = tok.split('/').next().unwrap_or(tok);
                        if addr.parse::<std::net::Ipv4Addr>().is_ok() {
                            sa.used
                                .entry(addr.to_string())
                                .or_insert_with(|| format!("port {}{how}", lsp.name));
                        }
                    }
                }
                sa.ports.insert(lsp.name.to_string());
            }
            out.insert(ls.name.to_string(), sa);
        }
        Ok(out)
    }

    /// Creates VMs: logical ports (static or `dynamic` addresses), namespaces and veths, ports
    /// on the chassis' br-int; returns once every port is bound, installed, up and every chassis
    /// has caught up. A static address already used on the switch (by a router port, another
    /// VM, or any port's `addresses`) is refused.
    ///
    /// # Errors
    /// [`LabError::NameTaken`], [`LabError::NotFound`] (chassis, switch), [`LabError::Invalid`],
    /// [`LabError::AddressInUse`], [`LabError::Timeout`] / [`LabError::DaemonDied`].
    pub async fn add_vms(&mut self, specs: &[VmSpec]) -> Result<Vec<VmInfo>> {
        let switches = self.switches().await?;
        let addrs = self.switch_addresses().await?;
        let lsp_names: BTreeSet<String> = self
            .nb
            .select::<LogicalSwitchPort>(vec![])
            .await?
            .into_iter()
            .map(|(_, p)| p.name.into())
            .collect();
        let mut seen = BTreeSet::new();
        let mut new_addrs: BTreeMap<(String, String), String> = BTreeMap::new();
        for s in specs {
            check_name("vm name", &s.name)?;
            if self.state.vms.contains_key(&s.name)
                || self.state.containers.contains_key(&s.name)
                || lsp_names.contains(&s.name)
                || !seen.insert(s.name.clone())
            {
                return Err(LabError::NameTaken {
                    kind: "vm",
                    name: s.name.clone(),
                });
            }
            self.state.chassis_named(&s.chassis)?;
            if !switches.contains_key(&s.switch) {
                return Err(LabError::NotFound {
                    kind: "switch",
                    name: s.switch.clone(),
                    known: switches.keys().cloned().collect(),
                });
            }
            if let Some(ip) = &s.ip {
                parse_cidr(ip)?;
                let addr = ip.split('/').next().unwrap_or(ip).to_string();
                let owner = addrs
                    .get(&s.switch)
                    .and_then(|a| a.used.get(&addr).cloned())
                    .or_else(|| new_addrs.get(&(s.switch.clone(), addr.clone())).cloned());
                if let Some(owner) = owner {
                    return Err(LabError::AddressInUse {
                        addr,
                        switch: s.switch.clone(),
                        owner,
                    });
                }
                new_addrs.insert((s.switch.clone(), addr), format!("vm {}", s.name));
            } else if !switches[&s.switch].1.other_config.contains_key("subnet") {
                return Err(LabError::Invalid {
                    what: "vm address",
                    value: s.name.clone(),
                    reason: "no --ip given and the switch has no subnet for IPAM (create it with net-create)",
                });
            }
        }
        // NB: the logical ports, in one transaction.
        let mut ops = Vec::new();
        let mut resolved: Vec<(VmSpec, Option<String>)> = Vec::new();
        let mut macs: BTreeSet<String> = addrs.values().flat_map(|a| a.macs.iter().cloned()).collect();
        macs.extend(
            specs
                .iter()
                .filter_map(|s| s.mac.as_ref().map(|m| m.to_ascii_lowercase())),
        );
        for (i, s) in specs.iter().enumerate() {
            let (addresses, mac) = match &s.ip {
                Some(ip) => {
                    let (o, _) = parse_cidr(ip)?;
                    let mac = s.mac.clone().unwrap_or_else(|| free_mac_from_ip(o, &macs));
                    macs.insert(mac.to_ascii_lowercase());
                    let addr = ip.split('/').next().unwrap_or(ip);
                    (format!("{mac} {addr}"), Some(mac))
                }
                None => match &s.mac {
                    Some(m) => (format!("{m} dynamic"), None),
                    None => ("dynamic".to_string(), None),
                },
            };
            let addresses = SmolStr::from(addresses);
            let port_security = if mac.is_some() {
                [addresses.clone()].into()
            } else {
                Default::default()
            };
            let lsp = LogicalSwitchPort {
                name: s.name.as_str().into(),
                addresses: [addresses].into(),
                port_security,
                ..Default::default()
            };
            let n = named(&format!("lsp{i}"))?;
            ops.push(insert(&lsp, &n));
            ops.push(
                Mutate::new(
                    LogicalSwitch::TABLE_NAME,
                    [LogicalSwitch::NAME.eq(s.switch.clone())],
                    [LogicalSwitch::PORTS.insert(Ref::named(n))],
                )
                .into(),
            );
            resolved.push((s.clone(), mac));
        }
        self.nb.transact(ops).await?;
        // IPAM: northd fills dynamic_addresses; then port security follows it.
        let dynamic: Vec<String> = resolved
            .iter()
            .filter(|(_, m)| m.is_none())
            .map(|(s, _)| s.name.clone())
            .collect();
        let mut assigned: BTreeMap<String, String> = BTreeMap::new();
        if !dynamic.is_empty() {
            assigned = self.wait_dynamic(&dynamic).await?;
            let ops: Vec<Operation> = assigned
                .iter()
                .map(|(name, a)| {
                    Update::new(
                        LogicalSwitchPort::TABLE_NAME,
                        [LogicalSwitchPort::NAME.eq(name.clone())],
                        Row::new().with(
                            LogicalSwitchPort::PORT_SECURITY.name(),
                            LogicalSwitchPort::PORT_SECURITY.encode(&[SmolStr::from(a.as_str())].into()),
                        ),
                    )
                    .into()
                })
                .collect();
            self.nb.transact(ops).await?;
        }
        let mut vms = Vec::new();
        for (s, mac) in resolved {
            let (mac, ip) = match (mac, &s.ip) {
                (Some(m), Some(ip)) => (m, ip.clone()),
                _ => {
                    let a = assigned.get(&s.name).cloned().unwrap_or_default();
                    let mut parts = a.split_whitespace();
                    let mac = parts.next().unwrap_or_default().to_string();
                    let addr = parts.next().unwrap_or_default().to_string();
                    let len = addrs.get(&s.switch).map_or(24, |sa| sa.prefix_of(&addr));
                    (mac, format!("{addr}/{len}"))
                }
            };
            let gw =
                s.gw.clone()
                    .or_else(|| addrs.get(&s.switch).and_then(|sa| sa.gateway_for(&ip)));
            vms.push(VmInfo {
                name: s.name.clone(),
                port: s.name.clone(),
                owns_port: true,
                chassis: s.chassis.clone(),
                switch: s.switch.clone(),
                mac,
                ip,
                gw,
            });
        }
        self.bring_up(&vms).await?;
        Ok(vms)
    }

    /// Waits until northd's IPAM has given each of `ports` a MAC and an address
    /// (`dynamic_addresses`); returns port name -> `"MAC IP"`.
    pub(crate) async fn wait_dynamic(&self, ports: &[String]) -> Result<BTreeMap<String, String>> {
        let nb = &self.nb;
        wait_for(
            &|| check_daemons(&self.cfg),
            || format!("addresses from northd's IPAM for {}", few(ports)),
            self.cfg.timeout.unwrap_or_else(|| wait_time(ports.len())),
            nb.watch(
                LogicalSwitchPort::TABLE_NAME,
                &[
                    LogicalSwitchPort::NAME.name(),
                    LogicalSwitchPort::DYNAMIC_ADDRESSES.name(),
                ],
            ),
            || async {
                let rows = nb.select::<LogicalSwitchPort>(vec![]).await?;
                let got: BTreeMap<String, String> = rows
                    .into_iter()
                    .filter(|(_, p)| ports.iter().any(|n| *n == p.name))
                    .filter_map(|(_, p)| p.dynamic_addresses.map(|a| (p.name.to_string(), a.to_string())))
                    .filter(|(_, a)| a.split_whitespace().count() >= 2)
                    .collect();
                Ok((got.len() == ports.len()).then_some(got))
            },
        )
        .await
        .map_err(|e| self.explain(e))
    }

    /// Plugs a namespace VM `name` into an existing logical switch port `port` (made by the
    /// user, e.g. with `nbctl-rs lsp-add`) on chassis `chassis`: its MAC and address are taken
    /// from the port's `addresses` (or, for `dynamic`, from `dynamic_addresses` once northd's
    /// IPAM filled them) unless given; the prefix length from a router port network or the
    /// switch's subnet holding the address (else /24); the gateway from a router port on that
    /// subnet. Returns once the port is bound, installed and up. [`Lab::del_vm`] removes the
    /// namespace and leaves the port.
    ///
    /// # Errors
    /// [`LabError::NotFound`] (port, chassis), [`LabError::NameTaken`] (VM name, or a port
    /// another VM is attached to), [`LabError::Invalid`] (a port without a MAC and address and
    /// none given), waits' errors.
    pub async fn attach(
        &mut self,
        name: &str,
        port: &str,
        chassis: &str,
        mac: Option<&str>,
        ip: Option<&str>,
    ) -> Result<VmInfo> {
        check_name("vm name", name)?;
        if self.state.vms.contains_key(name) || self.state.containers.contains_key(name) {
            return Err(LabError::NameTaken {
                kind: "vm",
                name: name.to_string(),
            });
        }
        if let Some(v) = self.state.vms.values().find(|v| v.port() == port) {
            return Err(LabError::NameTaken {
                kind: "port attachment",
                name: format!("{port} (vm {})", v.name),
            });
        }
        self.state.chassis_named(chassis)?;
        if let Some(ip) = ip {
            parse_cidr(ip)?;
        }
        let addrs = self.switch_addresses().await?;
        let Some((switch, sa)) = addrs.iter().find(|(_, sa)| sa.ports.contains(port)) else {
            return Err(LabError::NotFound {
                kind: "logical switch port",
                name: port.to_string(),
                known: addrs.values().flat_map(|sa| sa.ports.iter().cloned()).collect(),
            });
        };
        let lsp = self
            .nb
            .select::<LogicalSwitchPort>(vec![LogicalSwitchPort::NAME.eq(port.to_string())])
            .await?
            .into_iter()
            .next()
            .map(|(_, p)| p)
            .ok_or_else(|| self.nb.unexpected(format!("port {port} vanished")))?;
        // The port's own MAC and address: the first entry with both, or IPAM's.
        let mut from_port: Option<(String, String)> = lsp.addresses.iter().find_map(|a| {
            let mut t = a.split_whitespace();
            let m = t.next()?;
            let i = t.next()?;
            (m.contains(':') && i.parse::<std::net::Ipv4Addr>().is_ok())
                .then(|| (m.to_string(), i.to_string()))
        });
        let wants_dynamic = lsp
            .addresses
            .iter()
            .any(|a| a.split_whitespace().any(|t| t == "dynamic"));
        if from_port.is_none() && wants_dynamic && (mac.is_none() || ip.is_none()) {
            let got = self.wait_dynamic(&[port.to_string()]).await?;
            from_port = got.get(port).and_then(|a| {
                let mut t = a.split_whitespace();
                Some((t.next()?.to_string(), t.next()?.to_string()))
            });
        }
        let mac = match (mac, &from_port) {
            (Some(m), _) => m.to_string(),
            (None, Some((m, _))) => m.clone(),
            (None, None) => {
                return Err(LabError::Invalid {
                    what: "port",
                    value: port.to_string(),
                    reason: "has no MAC in addresses or dynamic_addresses; give --mac and --ip",
                });
            }
        };
        let ip = match (ip, &from_port) {
            (Some(i), _) => i.to_string(),
            (None, Some((_, a))) => format!("{a}/{}", sa.prefix_of(a)),
            (None, None) => {
                return Err(LabError::Invalid {
                    what: "port",
                    value: port.to_string(),
                    reason: "has no IPv4 address in addresses or dynamic_addresses; give --ip",
                });
            }
        };
        let vm = VmInfo {
            name: name.to_string(),
            port: port.to_string(),
            owns_port: false,
            chassis: chassis.to_string(),
            switch: switch.clone(),
            mac,
            gw: sa.gateway_for(&ip),
            ip,
        };
        self.bring_up(std::slice::from_ref(&vm)).await?;
        Ok(vm)
    }

    /// Records `vms` in the state, makes their namespaces and veths, plugs them into their
    /// chassis' br-int and waits until they are ready.
    async fn bring_up(&mut self, vms: &[VmInfo]) -> Result<()> {
        // Derived device names are hashes: refuse the (unlikely) collision.
        let mut ifnames: BTreeMap<String, &str> = self
            .state
            .vms
            .values()
            .map(|v| (vm_ifname(&v.name), v.name.as_str()))
            .collect();
        for vm in vms {
            if ifnames.insert(vm_ifname(&vm.name), &vm.name).is_some() {
                return Err(LabError::Invalid {
                    what: "vm name",
                    value: vm.name.clone(),
                    reason: "its derived device name collides with another VM's; choose another name",
                });
            }
        }
        for vm in vms {
            self.state.vms.insert(vm.name.clone(), vm.clone());
        }
        self.save()?;
        // Namespaces and veths, a few at a time. Every VM gets a permanent neighbour entry for
        // each other VM on its switch, and the VMs already there learn the new ones: the
        // kernel's ARP table is shared by all namespaces and holds at most `gc_thresh3` (1024)
        // dynamic entries, which a full-mesh check of a few dozen VMs exceeds (the excess
        // pings are then discarded before they leave the VM).
        let cfg = &self.cfg;
        let state = &self.state;
        let all: Vec<&VmInfo> = state.vms.values().collect();
        let peers_of = |vm: &VmInfo| -> Vec<String> {
            all.iter()
                .filter(|p| p.switch == vm.switch && p.name != vm.name)
                .map(|p| neigh_line(p))
                .collect()
        };
        for chunk in vms.chunks(16) {
            try_join_all(chunk.iter().map(|vm| async {
                let ch = state.chassis_named(&vm.chassis)?;
                plumb_vm(cfg, ch, vm, peers_of(vm)).await
            }))
            .await?;
        }
        let new: BTreeSet<&str> = vms.iter().map(|v| v.name.as_str()).collect();
        let updates: Vec<(String, Vec<String>)> = all
            .iter()
            .filter(|v| !new.contains(v.name.as_str()))
            .filter_map(|v| {
                let lines: Vec<String> = vms
                    .iter()
                    .filter(|n| n.switch == v.switch)
                    .map(neigh_line)
                    .collect();
                (!lines.is_empty()).then(|| (cfg.vm_netns(&v.name), lines))
            })
            .collect();
        for chunk in updates.chunks(16) {
            try_join_all(chunk.iter().map(|(ns, lines)| sys::ip_batch(Some(ns), lines))).await?;
        }
        let plugs: Vec<Plug> = vms.iter().map(Plug::from).collect();
        self.plug_in(&plugs).await
    }

    /// Adds the plugs' veths to their chassis' br-int (one transaction per chassis) and waits
    /// until their ports are ready.
    pub(crate) async fn plug_in(&self, plugs: &[Plug]) -> Result<()> {
        let mut by_chassis: BTreeMap<&str, Vec<&Plug>> = BTreeMap::new();
        for p in plugs {
            by_chassis.entry(p.chassis.as_str()).or_default().push(p);
        }
        let mut futs = Vec::new();
        for (ch, list) in &by_chassis {
            let db = self.ovs_db(ch)?;
            futs.push(attach_ports(db, list));
        }
        try_join_all(futs).await?;
        self.wait_ports_ready(plugs).await
    }

    /// Waits until each VM's logical port is bound to its chassis, its interface has
    /// `ovn-installed`, the NB port is `up`, and every chassis has caught up.
    pub(crate) async fn wait_ports_ready(&self, vms: &[Plug]) -> Result<()> {
        let names: Vec<String> = vms.iter().map(|v| v.port.clone()).collect();
        let limit = self.cfg.timeout.unwrap_or_else(|| wait_time(vms.len()));
        let sb = &self.sb;
        let changes = sb.watch(
            PortBinding::TABLE_NAME,
            &[PortBinding::LOGICAL_PORT.name(), PortBinding::CHASSIS.name()],
        );
        let pending = std::sync::Mutex::new(names.clone());
        let what = || {
            let p = pending.lock().map(|p| p.clone()).unwrap_or_default();
            format!(
                "ports bound to their chassis: {} of {} ({} not: {})",
                names.len() - p.len(),
                names.len(),
                p.len(),
                few(&p)
            )
        };
        wait_for(&|| check_daemons(&self.cfg), what, limit, changes, || async {
            let res = sb
                .transact(vec![
                    Select::new(Chassis::TABLE_NAME, [])
                        .columns(["_uuid", "name"])
                        .into(),
                    Select::new(PortBinding::TABLE_NAME, [])
                        .columns(["_uuid", "logical_port", "chassis"])
                        .into(),
                ])
                .await?;
            let mut it = res.into_iter();
            let chassis: BTreeMap<Uuid, String> = sb
                .rows_of::<Chassis>(it.next())?
                .into_iter()
                .map(|(u, c)| (u, c.name.into()))
                .collect();
            let pbs: BTreeMap<String, Option<String>> = sb
                .rows_of::<PortBinding>(it.next())?
                .into_iter()
                .map(|(_, p)| {
                    let ch = p
                        .chassis
                        .and_then(|r| r.uuid())
                        .and_then(|u| chassis.get(&u).cloned());
                    (p.logical_port.into(), ch)
                })
                .collect();
            let left: Vec<String> = vms
                .iter()
                .filter(|v| {
                    pbs.get(&v.port)
                        .is_none_or(|c| c.as_deref() != Some(v.chassis.as_str()))
                })
                .map(|v| v.port.clone())
                .collect();
            self.progress
                .count("ports bound", vms.len() - left.len(), vms.len());
            let done = left.is_empty();
            if let Ok(mut p) = pending.lock() {
                *p = left;
            }
            Ok(done.then_some(()))
        })
        .await
        .map_err(|e| self.explain(e))?;
        let mut by_chassis: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for vm in vms {
            by_chassis
                .entry(vm.chassis.as_str())
                .or_default()
                .push(vm.ifname.clone());
        }
        let waits = by_chassis.into_iter().map(|(ch, list)| async move {
            let db = self.ovs_db(ch)?;
            wait_for(
                &|| check_daemons(&self.cfg),
                || format!("ovn-installed on {} ({ch})", few(&list)),
                limit,
                db.watch(
                    Interface::TABLE_NAME,
                    &[Interface::NAME.name(), Interface::EXTERNAL_IDS.name()],
                ),
                || async {
                    let rows = db.select::<Interface>(vec![]).await?;
                    let ok = list.iter().all(|n| {
                        rows.iter().any(|(_, i)| {
                            i.name == *n
                                && i.external_ids.get("ovn-installed").map(SmolStr::as_str) == Some("true")
                        })
                    });
                    Ok(ok.then_some(()))
                },
            )
            .await
        });
        try_join_all(waits).await.map_err(|e| self.explain(e))?;
        let nb = &self.nb;
        wait_for(
            &|| check_daemons(&self.cfg),
            || format!("ports {} up in the Northbound database", few(&names)),
            limit,
            nb.watch(
                LogicalSwitchPort::TABLE_NAME,
                &[LogicalSwitchPort::NAME.name(), LogicalSwitchPort::UP.name()],
            ),
            || async {
                let rows = nb.select::<LogicalSwitchPort>(vec![]).await?;
                let up: BTreeSet<&str> = rows
                    .iter()
                    .filter(|(_, p)| p.up == Some(true))
                    .map(|(_, p)| p.name.as_str())
                    .collect();
                Ok(names.iter().all(|n| up.contains(n.as_str())).then_some(()))
            },
        )
        .await
        .map_err(|e| self.explain(e))?;
        self.sync_hv().await
    }

    /// Deletes a VM: its port on the chassis, its namespace (with the veth), and its logical
    /// port if the lab created it (not one it was attached to with [`Lab::attach`]).
    ///
    /// # Errors
    /// [`LabError::NotFound`].
    pub async fn del_vm(&mut self, name: &str) -> Result<()> {
        let vm = self.state.vm(name)?.clone();
        if self
            .state
            .containers
            .values()
            .any(|c| c.parent.as_deref() == Some(name))
        {
            return Err(LabError::Invalid {
                what: "vm",
                value: name.to_string(),
                reason: "containers run inside it (delete them first)",
            });
        }
        // Its own Open vSwitch (nested containers), if it ran one.
        let own = crate::nested::vm_ovs_dir(&self.cfg, name);
        if own.exists() {
            let pids: Vec<u32> = ["ovs-vswitchd", "ovsdb-server"]
                .iter()
                .filter_map(|s| sys::read_pidfile(&own.join(format!("{s}.pid"))))
                .collect();
            sys::stop_pids(&pids, Duration::from_secs(2)).await;
            std::fs::remove_dir_all(&own).map_err(|source| LabError::Io {
                path: own.clone(),
                source,
            })?;
        }
        detach_port(self.ovs_db(&vm.chassis)?, &vm_ifname(name)).await?;
        sys::netns_delete(&[self.cfg.vm_netns(name)]).await?;
        // The other VMs of its switch forget its address.
        let forget = [format!("neigh flush to {} dev eth0 nud permanent", vm.addr())];
        let peers: Vec<String> = self
            .state
            .vms
            .values()
            .filter(|v| v.switch == vm.switch && v.name != vm.name)
            .map(|v| self.cfg.vm_netns(&v.name))
            .collect();
        for chunk in peers.chunks(16) {
            try_join_all(chunk.iter().map(|ns| sys::ip_batch(Some(ns), &forget))).await?;
        }
        if vm.owns_port {
            let lsps = self
                .nb
                .select::<LogicalSwitchPort>(vec![LogicalSwitchPort::NAME.eq(vm.port().to_string())])
                .await?;
            let ops: Vec<Operation> = lsps
                .iter()
                .map(|(u, _)| {
                    Mutate::new(
                        LogicalSwitch::TABLE_NAME,
                        [],
                        [LogicalSwitch::PORTS.delete(Ref::new(*u))],
                    )
                    .into()
                })
                .collect();
            if !ops.is_empty() {
                self.nb.transact(ops).await?;
            }
        }
        self.state.vms.remove(name);
        self.save()
    }

    /// Migrates a VM to another chassis: the same logical port and the same namespace (whatever
    /// runs in it keeps running); the chassis end of its veth moves to the new chassis' br-int.
    /// Returns once the binding moved, the port is installed there and every chassis has
    /// caught up with the move ([`Lab::sync_hv`]: the other chassis tunnel to the new location;
    /// without it a first packet from a VM on the old chassis could still be sent there).
    ///
    /// # Errors
    /// [`LabError::NotFound`] (VM, chassis), waits' errors.
    pub async fn move_vm(&mut self, name: &str, to: &str) -> Result<Duration> {
        let vm = self.state.vm(name)?.clone();
        let to_ch = self.state.chassis_named(to)?.clone();
        let from_ch = self.state.chassis_named(&vm.chassis)?.clone();
        let start = Instant::now();
        if vm.chassis == to {
            return Ok(start.elapsed());
        }
        let ifname = vm_ifname(name);
        detach_port(self.ovs_db(&vm.chassis)?, &ifname).await?;
        let from_ns = self.cfg.chassis_netns(&from_ch);
        let to_ns = self.cfg.chassis_netns(&to_ch);
        sys::ip_batch(Some(&from_ns), &[format!("link set {ifname} netns {to_ns}")]).await?;
        sys::ip_batch(Some(&to_ns), &[format!("link set {ifname} up")]).await?;
        let mut moved = vm.clone();
        moved.chassis = to.to_string();
        // Containers inside it go with it (OVN binds them where their parent port is).
        for c in self.state.containers.values_mut() {
            if c.parent.as_deref() == Some(name) {
                c.chassis = to.to_string();
            }
        }
        attach_ports(self.ovs_db(to)?, &[&Plug::from(&moved)]).await?;
        self.state.vms.insert(name.to_string(), moved.clone());
        self.save()?;
        self.wait_ports_ready(&[Plug::from(&moved)]).await?;
        self.sync_hv().await?;
        Ok(start.elapsed())
    }

    /// Creates a logical switch with a subnet for OVN's native IPAM (`other_config:subnet`).
    ///
    /// # Errors
    /// [`LabError::NameTaken`], [`LabError::Invalid`] for a bad CIDR.
    pub async fn net_create(&self, name: &str, cidr: &str) -> Result<()> {
        check_name("switch name", name)?;
        let (o, len) = parse_cidr(cidr)?;
        if self.switches().await?.contains_key(name) {
            return Err(LabError::NameTaken {
                kind: "switch",
                name: name.to_string(),
            });
        }
        let net = network(o, len);
        let ls = LogicalSwitch {
            name: name.into(),
            other_config: [(
                SmolStr::from("subnet"),
                SmolStr::from(format!("{}.{}.{}.{}/{len}", net[0], net[1], net[2], net[3])),
            )]
            .into(),
            ..Default::default()
        };
        self.nb
            .transact(vec![Insert::new(LogicalSwitch::TABLE_NAME, ls.to_row()).into()])
            .await?;
        Ok(())
    }

    /// Logical switches: name, subnet (if any), number of ports.
    ///
    /// # Errors
    /// Database errors.
    pub async fn net_list(&self) -> Result<Vec<NetInfo>> {
        Ok(self
            .switches()
            .await?
            .into_values()
            .map(|(_, s)| NetInfo {
                subnet: s.other_config.get("subnet").map(|s| s.to_string()),
                ports: s.ports.len(),
                name: s.name.into(),
            })
            .collect())
    }

    /// Deletes a logical switch with no VMs (its router ports go with it).
    ///
    /// # Errors
    /// [`LabError::NotFound`]; [`LabError::Invalid`] while VMs use it.
    pub async fn net_delete(&self, name: &str) -> Result<()> {
        let switches = self.switches().await?;
        if !switches.contains_key(name) {
            return Err(LabError::NotFound {
                kind: "switch",
                name: name.to_string(),
                known: switches.keys().cloned().collect(),
            });
        }
        if self.state.vms.values().any(|v| v.switch == name) {
            return Err(LabError::Invalid {
                what: "switch",
                value: name.to_string(),
                reason: "VMs are attached to it (delete them first)",
            });
        }
        // The router side of each of its router ports: `<router>-<switch>` on the router.
        let (_, ls) = &switches[name];
        let lsps = self.nb.select::<LogicalSwitchPort>(vec![]).await?;
        let lrp_names: BTreeSet<String> = lsps
            .iter()
            .filter(|(u, p)| p.type_ == "router" && ls.ports.iter().any(|r| r.uuid() == Some(*u)))
            .filter_map(|(_, p)| p.options.get("router-port").map(|s| s.to_string()))
            .collect();
        let lrps = self.nb.select::<LogicalRouterPort>(vec![]).await?;
        let mut ops: Vec<Operation> = lrps
            .iter()
            .filter(|(_, p)| lrp_names.contains(p.name.as_str()))
            .map(|(u, _)| {
                Mutate::new(
                    LogicalRouter::TABLE_NAME,
                    [],
                    [LogicalRouter::PORTS.delete(Ref::new(*u))],
                )
                .into()
            })
            .collect();
        ops.push(
            Delete::new(
                LogicalSwitch::TABLE_NAME,
                [LogicalSwitch::NAME.eq(name.to_string())],
            )
            .into(),
        );
        self.nb.transact(ops).await?;
        Ok(())
    }

    /// Creates a logical router.
    ///
    /// # Errors
    /// [`LabError::NameTaken`].
    pub async fn router_create(&self, name: &str) -> Result<()> {
        check_name("router name", name)?;
        let exists = !self
            .nb
            .select::<LogicalRouter>(vec![LogicalRouter::NAME.eq(name.to_string())])
            .await?
            .is_empty();
        if exists {
            return Err(LabError::NameTaken {
                kind: "router",
                name: name.to_string(),
            });
        }
        let lr = LogicalRouter {
            name: name.into(),
            ..Default::default()
        };
        self.nb
            .transact(vec![Insert::new(LogicalRouter::TABLE_NAME, lr.to_row()).into()])
            .await?;
        Ok(())
    }

    /// Connects a switch to a router: a router port `<router>-<switch>` with address `ip`
    /// (default: the first address of the switch's subnet) and the switch's `router` port.
    ///
    /// # Errors
    /// [`LabError::NotFound`] (router, switch), [`LabError::Invalid`].
    pub async fn router_attach(&self, router: &str, switch: &str, ip: Option<&str>) -> Result<String> {
        let routers = self.nb.select::<LogicalRouter>(vec![]).await?;
        if !routers.iter().any(|(_, r)| r.name == router) {
            return Err(LabError::NotFound {
                kind: "router",
                name: router.to_string(),
                known: routers.into_iter().map(|(_, r)| r.name.into()).collect(),
            });
        }
        let switches = self.switches().await?;
        let Some((_, ls)) = switches.get(switch) else {
            return Err(LabError::NotFound {
                kind: "switch",
                name: switch.to_string(),
                known: switches.keys().cloned().collect(),
            });
        };
        let ip = match ip {
            Some(ip) => ip.to_string(),
            None => {
                let subnet = ls.other_config.get("subnet").ok_or_else(|| LabError::Invalid {
                    what: "switch",
                    value: switch.to_string(),
                    reason: "has no subnet; give the router address with --ip",
                })?;
                let (o, len) = parse_cidr(subnet)?;
                let n = network(o, len);
                format!("{}.{}.{}.{}/{len}", n[0], n[1], n[2], n[3].wrapping_add(1))
            }
        };
        let (o, _) = parse_cidr(&ip)?;
        let lrp_name = format!("{router}-{switch}");
        let lsp_name = format!("{switch}-{router}");
        let lrp = LogicalRouterPort {
            name: lrp_name.as_str().into(),
            mac: format!("02:ff:{:02x}:{:02x}:{:02x}:{:02x}", o[0], o[1], o[2], o[3]).into(),
            networks: [SmolStr::from(ip.as_str())].into(),
            ..Default::default()
        };
        let lsp = LogicalSwitchPort {
            name: lsp_name.into(),
            type_: "router".into(),
            addresses: [SmolStr::from("router")].into(),
            options: [(SmolStr::from("router-port"), SmolStr::from(lrp_name.as_str()))].into(),
            ..Default::default()
        };
        let (lrp_n, lsp_n) = (named("lrp")?, named("lsp")?);
        self.nb
            .transact(vec![
                insert(&lrp, &lrp_n),
                Mutate::new(
                    LogicalRouter::TABLE_NAME,
                    [LogicalRouter::NAME.eq(router.to_string())],
                    [LogicalRouter::PORTS.insert(Ref::named(lrp_n))],
                )
                .into(),
                insert(&lsp, &lsp_n),
                Mutate::new(
                    LogicalSwitch::TABLE_NAME,
                    [LogicalSwitch::NAME.eq(switch.to_string())],
                    [LogicalSwitch::PORTS.insert(Ref::named(lsp_n))],
                )
                .into(),
            ])
            .await?;
        Ok(ip)
    }
}

/// A logical switch as `net-list` shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NetInfo {
    /// Switch name.
    pub name: String,
    /// `other_config:subnet`.
    pub subnet: Option<String>,
    /// Number of logical ports.
    pub ports: usize,
}

fn network(o: [u8; 4], len: u8) -> [u8; 4] {
    let v = u32::from_be_bytes(o);
    let mask = if len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(len))
    };
    (v & mask).to_be_bytes()
}

fn same_subnet(a: [u8; 4], b: [u8; 4], len: u8) -> bool {
    network(a, len) == network(b, len)
}

/// `ip` batch line: a permanent neighbour entry for `vm` on a VM's `eth0`.
fn neigh_line(vm: &VmInfo) -> String {
    format!(
        "neigh replace {} lladdr {} dev eth0 nud permanent",
        vm.addr(),
        vm.mac
    )
}

/// Namespace, veth, address, route and neighbour entries (`neigh`, `ip` batch lines) of one
/// VM on chassis `ch`.
async fn plumb_vm(cfg: &LabConfig, ch: &ChassisInfo, vm: &VmInfo, neigh: Vec<String>) -> Result<()> {
    let ns = cfg.vm_netns(&vm.name);
    let ch_ns = cfg.chassis_netns(ch);
    let ifname = vm_ifname(&vm.name);
    sys::run("ip", &["netns", "add", &ns]).await?;
    sys::run(
        "ip",
        &[
            "link", "add", &ifname, "netns", &ch_ns, "type", "veth", "peer", "name", "eth0", "netns", &ns,
        ],
    )
    .await?;
    let mut lines = vec![
        "link set lo up".to_string(),
        format!("link set eth0 address {}", vm.mac),
        "link set eth0 addrgenmode none".to_string(),
        format!("addr add {} dev eth0", vm.ip),
        "link set eth0 up".to_string(),
    ];
    if let Some(gw) = &vm.gw {
        lines.push(format!("route add default via {gw}"));
    }
    lines.extend(neigh);
    sys::ip_batch(Some(&ns), &lines).await?;
    // Without this the userspace datapath forwards TCP with unfilled checksums.
    sys::ns_exec(&ns, "ethtool", &["-K", "eth0", "tx", "off"]).await?;
    sys::ip_batch(Some(&ch_ns), &[format!("link set {ifname} up")]).await
}

/// A veth end on a chassis bound to a logical port.
#[derive(Debug, Clone)]
pub(crate) struct Plug {
    /// The logical switch port (`external_ids:iface-id`).
    pub(crate) port: String,
    /// The chassis.
    pub(crate) chassis: String,
    /// The device (and OVS Interface) name on the chassis.
    pub(crate) ifname: String,
}

impl From<&VmInfo> for Plug {
    fn from(vm: &VmInfo) -> Plug {
        Plug {
            port: vm.port().to_string(),
            chassis: vm.chassis.clone(),
            ifname: vm_ifname(&vm.name),
        }
    }
}

/// Adds the plugs' chassis-side veths to br-int (Interface named as the device,
/// `external_ids:iface-id` = the logical port).
async fn attach_ports(db: &Db, plugs: &[&Plug]) -> Result<()> {
    let mut ops = Vec::new();
    let mut refs = Vec::new();
    for (i, p) in plugs.iter().enumerate() {
        let iname = named(&format!("i{i}"))?;
        let pname = named(&format!("p{i}"))?;
        let ifname = p.ifname.clone();
        let iface = Interface {
            name: ifname.as_str().into(),
            external_ids: [(SmolStr::from("iface-id"), SmolStr::from(p.port.as_str()))].into(),
            ..Default::default()
        };
        let port = Port {
            name: ifname.into(),
            interfaces: [Ref::named(iname.clone())].into(),
            ..Default::default()
        };
        ops.push(insert(&iface, &iname));
        ops.push(insert(&port, &pname));
        refs.push(Ref::named(pname));
    }
    ops.push(
        Mutate::new(
            Bridge::TABLE_NAME,
            [Bridge::NAME.eq("br-int".to_string())],
            [Bridge::PORTS.insert_all(refs)],
        )
        .into(),
    );
    db.transact(ops).await.map(|_| ())
}

/// Removes the port called `name` from br-int (its Interface row goes with it).
pub(crate) async fn detach_port(db: &Db, name: &str) -> Result<()> {
    let ports = db.select::<Port>(vec![Port::NAME.eq(name.to_string())]).await?;
    let ops: Vec<Operation> = ports
        .iter()
        .map(|(u, _)| Mutate::new(Bridge::TABLE_NAME, [], [Bridge::PORTS.delete(Ref::new(*u))]).into())
        .collect();
    if !ops.is_empty() {
        db.transact(ops).await?;
    }
    Ok(())
}

/// Addresses on one logical switch, for address checks and VM defaults.
#[derive(Debug, Clone, Default)]
pub(crate) struct SwitchAddrs {
    /// `other_config:subnet`.
    pub(crate) subnet: Option<String>,
    /// Networks of the router ports on the switch (`"10.0.0.1/24"`).
    router: Vec<String>,
    /// IPv4 address -> who uses it (`"router port lr1-ls1"`, `"port vm2"`).
    used: BTreeMap<String, String>,
    /// Names of the switch's ports.
    pub(crate) ports: BTreeSet<String>,
    /// Ethernet addresses in its ports' `addresses` and `dynamic_addresses` (lowercase).
    macs: BTreeSet<String>,
}

impl SwitchAddrs {
    /// Prefix length for `addr` on this switch: of the router port network or subnet holding
    /// it, else 24.
    pub(crate) fn prefix_of(&self, addr: &str) -> u8 {
        let Ok(a) = addr.parse::<std::net::Ipv4Addr>() else {
            return 24;
        };
        self.router
            .iter()
            .chain(self.subnet.iter())
            .filter_map(|n| parse_cidr(n).ok())
            .find(|(o, len)| same_subnet(a.octets(), *o, *len))
            .map_or(24, |(_, len)| len)
    }

    /// The router port address on the subnet of `ip` (`A.B.C.D/N`), if any.
    pub(crate) fn gateway_for(&self, ip: &str) -> Option<String> {
        let (o, len) = parse_cidr(ip).ok()?;
        self.router.iter().find_map(|r| {
            let (ro, rlen) = parse_cidr(r).ok()?;
            (rlen == len && same_subnet(o, ro, len)).then(|| r.split('/').next().unwrap_or(r).to_string())
        })
    }
}

/// Bound on a wait for `n` ports: [`WAIT`] for up to 100, then 0.1 s more per port (a spawn of
/// 1000 VMs gets 120 s).
pub(crate) fn wait_time(n: usize) -> Duration {
    WAIT + Duration::from_millis(100 * n.saturating_sub(100) as u64)
}

/// At most five names of a list and how many more (for error messages about many ports).
pub(crate) fn few(names: &[String]) -> String {
    const SHOWN: usize = 5;
    if names.len() <= SHOWN {
        names.join(", ")
    } else {
        format!("{} and {} more", names[..SHOWN].join(", "), names.len() - SHOWN)
    }
}

/// [`LabError::DaemonDied`] for the first daemon of the lab that is not running.
pub(crate) fn check_daemons(cfg: &LabConfig) -> Result<()> {
    for (name, file) in pidfiles(&cfg.dir) {
        let mut pid = sys::read_pidfile(&file).unwrap_or(0);
        if pid == 0 || !sys::pid_running(pid) {
            // A daemon under `--monitor` may be being restarted: its new pid is in the pidfile
            // a moment later.
            std::thread::sleep(Duration::from_millis(300));
            pid = sys::read_pidfile(&file).unwrap_or(0);
        }
        if pid == 0 || !sys::pid_running(pid) {
            let log = file.with_extension("log");
            return Err(LabError::DaemonDied {
                daemon: name,
                pid,
                tail: sys::log_tail(&log, 10),
                log,
            });
        }
    }
    Ok(())
}

/// One daemon as `status` shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DaemonInfo {
    /// `"central/nb"`, `"ch1/ovs-vswitchd"`...
    pub name: String,
    /// Pid from its pidfile.
    pub pid: u32,
    /// Whether it runs.
    pub running: bool,
    /// Resident memory in kB.
    pub rss_kb: Option<u64>,
}

/// The lab's daemons.
pub(crate) fn daemons(cfg: &LabConfig) -> Vec<DaemonInfo> {
    pidfiles(&cfg.dir)
        .into_iter()
        .map(|(name, f)| {
            let pid = sys::read_pidfile(&f).unwrap_or(0);
            DaemonInfo {
                name,
                pid,
                running: pid != 0 && sys::pid_running(pid),
                rss_kb: sys::rss_kb(pid),
            }
        })
        .collect()
}

/// Encap rows of a chassis, for `status`.
pub(crate) fn encaps_of(ch: &Chassis, encaps: &BTreeMap<Uuid, Encap>) -> Vec<(String, String)> {
    ch.encaps
        .iter()
        .filter_map(|r| r.uuid().and_then(|u| encaps.get(&u)))
        .map(|e| (e.type_.to_string(), e.ip.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_packages_names_programs_and_the_apt_command() {
        assert!(missing_packages(&BTreeMap::new()).is_none());
        let missing: BTreeMap<&str, &str> = [
            ("ovn-controller", "ovn-host"),
            ("ovs-vswitchd", "openvswitch-switch"),
            ("ovsdb-tool", "openvswitch-common"),
            ("ovsdb-server", "openvswitch-common"),
        ]
        .into();
        let e = missing_packages(&missing)
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(
            e,
            "missing programs: ovn-controller, ovs-vswitchd, ovsdb-server, ovsdb-tool; install them \
             with: apt-get install -y openvswitch-common openvswitch-switch ovn-host"
        );
    }

    #[test]
    fn names_and_addresses_are_checked() {
        assert!(LabConfig::new("lab1", None).is_ok());
        for bad in ["", "Lab", "a-b", "thirteenchars"] {
            assert!(
                matches!(LabConfig::new(bad, None), Err(LabError::Invalid { .. })),
                "{bad:?}"
            );
        }
        for ok in ["vm-1_a", "netA", "eth0", "a b/c", "sixteen-chars-xx"] {
            assert!(check_name("vm name", ok).is_ok(), "{ok:?}");
        }
        for bad in ["", "a\nb"] {
            assert!(check_name("vm name", bad).is_err(), "{bad:?}");
        }
        assert_eq!(vm_ifname("vm-1_A"), "vm-1_A");
        for derived in ["eth0", "br-int", "sixteen-chars-xx", "a b", "x/y", "v.1"] {
            let d = vm_ifname(derived);
            assert!(d.starts_with("olv.") && d.len() == 15, "{derived:?} -> {d}");
        }
        assert_ne!(vm_ifname("eth0"), vm_ifname("eth1"));
        let cfg = LabConfig::new("x", None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cfg.vm_netns("Vm.1"), "olab-x-vm-Vm.1");
        assert!(cfg.vm_netns("a/b").starts_with("olab-x-vmh-"));
        assert_eq!(few(&["a".to_string()]), "a");
        let many: Vec<String> = (0..8).map(|i| format!("p{i}")).collect();
        assert_eq!(few(&many), "p0, p1, p2, p3, p4 and 3 more");
        assert!(check_chassis_name("hv-1.a").is_ok());
        for bad in ["", "a/b", ".x", "a b"] {
            assert!(check_chassis_name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse_cidr("10.1.2.3/24").ok(), Some(([10, 1, 2, 3], 24)));
        for bad in ["10.1.2.3", "10.1.2/24", "10.1.2.3/0", "10.1.2.3/31", "x/8"] {
            assert!(parse_cidr(bad).is_err(), "{bad:?}");
        }
        assert_eq!(network([10, 1, 2, 3], 16), [10, 1, 0, 0]);
        assert!(same_subnet([10, 1, 2, 3], [10, 1, 9, 9], 16));
        assert!(!same_subnet([10, 1, 2, 3], [10, 2, 2, 3], 16));
        assert_eq!(brphy_mac(1), "02:00:00:00:00:0b");
        assert_eq!(mac_from_ip([10, 0, 0, 5]), "0a:58:0a:00:00:05");
    }
}
