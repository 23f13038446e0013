//! `ovn-lab`: a multi-chassis OVN deployment emulated on one Linux host with the real Debian
//! daemons (ovsdb-server, ovn-northd, ovs-vswitchd with the userspace datapath,
//! ovn-controller), every database step going through `ovsdb-client`.
//!
//! What it is: central (NB and SB `ovsdb-server`, `ovn-northd`) in the root network namespace;
//! each chassis in its own namespace `olab-<lab>-chN` with its own Open_vSwitch database,
//! `ovs-vswitchd` and `ovn-controller`; a geneve overlay over an emulated underlay (a Linux
//! bridge in `olab-<lab>-ul`, `192.168.50.0/24`, existing only inside the lab's namespaces);
//! fake VMs as namespaces `olab-<lab>-vm-<name>` with a veth into a chassis' `br-int`. Each VM
//! has a permanent neighbour entry for every other VM of its switch (the kernel's ARP table is
//! shared by all namespaces and holds only 1024 dynamic entries, which a full-mesh check of a
//! few dozen VMs would exceed); addresses off the switch (its gateway, other switches) are
//! resolved by ARP.
//! Beyond that: a central on RAFT (`up --clustered`, module [`cluster`]: NB and SB each three
//! members in namespaces on the underlay, with `fault kill-leader` / `fault restart`), TLS
//! everywhere (`up --tls`, module [`tls`]), named chassis (`add-node NAME`), VMs attached to
//! logical ports the user made ([`Lab::attach`]), and OVN-Docker's two modes (module
//! [`endpoint`]: networks, endpoints and containers; containers inside a VM on a tagged access
//! port of the VM's own userspace Open vSwitch). Names of switches, routers, VMs and
//! containers are anything OVN accepts; device and namespace names are derived from them
//! ([`vm_ifname`], [`LabConfig::vm_netns`]).
//! What it is not: a way to run OVN in production, or a wrapper of `ovn-nbctl`, `ovn-sbctl` or
//! `ovs-vsctl` (none of them is run). It runs `ip`, `ethtool`, `sysctl`, `ping`, `ovsdb-tool
//! create` and `ovs-appctl tnl/neigh/set` for the plumbing.
//!
//! For a scripted test of your own, [`LabGuard`] brings a lab up and tears it down when dropped
//! (also on a failed assertion); `examples/integration_test.rs` is such a test, wiring a
//! topology with the typed `ovn-nb` crate through `ovsdb-client`.
//!
//! Behaviour model: every wait is on state with a timeout (30 s): a port is ready when its SB
//! `Port_Binding` names the chassis, the OVS `Interface` has `external_ids:ovn-installed`, the
//! NB port is `up`, and an `nb_cfg` bump has reached every chassis (`hv_cfg`). A wait reads the
//! state again whenever an OVSDB monitor of the tables it reads reports a change (at the latest
//! every 0.1 s), and checks the daemons meanwhile: a dead one ends the wait at once as
//! [`LabError::DaemonDied`] with its log's tail. Everything the
//! lab creates is under its directory (default `/run/ovn-lab/<name>`: a state file, `central/`,
//! `ch<N>/`) or named with its namespace prefix, so [`down`] removes exactly that.
//!
//! ```no_run
//! # async fn f() -> Result<(), ovn_lab::LabError> {
//! use ovn_lab::{Lab, LabConfig, UpOptions, VmSpec};
//! let cfg = LabConfig::new("doc", None)?;
//! ovn_lab::up(&cfg, &UpOptions { chassis: 2, ..Default::default() }).await?;
//! let mut lab = Lab::open(cfg.clone()).await?;
//! lab.net_create("ls1", "10.0.0.0/24").await?;
//! lab.add_vms(&[
//!     VmSpec { name: "vm1".into(), chassis: "ch1".into(), switch: "ls1".into(), ..Default::default() },
//!     VmSpec { name: "vm2".into(), chassis: "ch2".into(), switch: "ls1".into(), ..Default::default() },
//! ]).await?;
//! lab.ping("vm1", "vm2").await?;
//! drop(lab);
//! ovn_lab::down(&cfg).await?;
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

pub mod check;
pub mod cli;
pub mod cluster;
mod db;
pub mod endpoint;
pub mod error;
mod guard;
mod icmp;
pub mod lab;
mod nested;
mod progress;
pub mod scenario;
pub mod state;
pub mod status;
mod sys;
pub mod tls;

pub use check::{CheckReport, Probe};
pub use cluster::{ClusterDb, KillReport, MemberStatus};
pub use endpoint::{EndpointInfo, LAB_ROUTER};
pub use error::{LabError, Result};
pub use guard::LabGuard;
pub use lab::{
    DownReport, Lab, LabConfig, NetInfo, UpOptions, UpReport, VmSpec, down, preflight, up, vm_ifname,
};
pub use scenario::{SpawnOptions, SpawnReport, demo, demo_with, spawn};
pub use state::{ChassisInfo, ContainerIf, ContainerInfo, LabState, SbVia, VmInfo};
pub use status::{ChassisStatus, Remotes, Status};
