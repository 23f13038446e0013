//! Containers inside a VM (OVN-Docker underlay mode; OVN's nested containers,
//! ovn-architecture(7) "Life Cycle of a Container Interface Inside a VM").
//!
//! The container's endpoint gets `parent_name` = the VM's logical port and `tag_request` = T
//! (northd copies it to `tag`); its traffic must leave the VM tagged T. This kernel has no VLAN
//! devices, so the VM runs its own Open vSwitch: an `ovsdb-server` and an `ovs-vswitchd`
//! (userspace datapath) in the VM's namespace, files in `<dir>/h-<hash of the VM name>/`,
//! configured through `ovsdb-client`, with one bridge `br-vm` (`datapath_type=netdev`,
//! standalone: a learning switch) whose ports are the VM's `eth0` as a trunk and each nested
//! container's veth as an access port with `tag` T. The VM keeps its own address on `eth0` (the
//! userspace datapath reads the device through a packet socket; the kernel still sees the
//! untagged frames, and drops the tagged ones it has no VLAN device for).

use std::path::PathBuf;

use ovn_nb::LogicalSwitchPort;
use ovs_vswitchd_schema::{Bridge, BridgeFailMode, Interface, OpenVSwitch, Port};
use ovsdb_proto::op::{Insert, Mutate, Operation, Select, Update};
use ovsdb_proto::{NamedUuid, Ref, Row, Table};

use crate::db::{Db, wait_for};
use crate::error::{LabError, Result};
use crate::lab::{Lab, LabConfig, WAIT, check_daemons, name_hash};
use crate::state::{ContainerIf, ContainerInfo};
use crate::sys::{self, DaemonSpec};

/// Directory of a VM's own Open vSwitch (`<dir>/h-<hash>`).
pub(crate) fn vm_ovs_dir(cfg: &LabConfig, vm: &str) -> PathBuf {
    cfg.dir.join(format!("h-{:016x}", name_hash(vm)))
}

fn named(s: &str) -> Result<NamedUuid> {
    NamedUuid::new(s).map_err(|_| LabError::Invalid {
        what: "named-uuid",
        value: s.to_string(),
        reason: "not an identifier",
    })
}

/// The VM-side device of a nested container's veth (in the VM's namespace).
fn nested_ifname(container: &str) -> String {
    format!("nc{:011x}", name_hash(container) & 0x0fff_ffff_ffff)
}

/// Starts the VM's Open vSwitch if it has none yet (`br-vm` with `eth0` as a trunk); returns a
/// client of its database.
async fn vm_ovs(cfg: &LabConfig, vm: &str) -> Result<Db> {
    let dir = vm_ovs_dir(cfg, vm);
    let ns = cfg.vm_netns(vm);
    let sock = format!("unix:{}/db.sock", dir.display());
    let label = format!("vm {vm} Open_vSwitch");
    if sys::read_pidfile(&dir.join("ovs-vswitchd.pid")).is_some_and(sys::pid_running) {
        return Db::connect(sock, "Open_vSwitch", label, false).await;
    }
    std::fs::create_dir_all(&dir).map_err(|source| LabError::Io {
        path: dir.clone(),
        source,
    })?;
    let db_file = dir.join("conf.db");
    let f = db_file.display().to_string();
    sys::run(
        "ovsdb-tool",
        &["create", &f, "/usr/share/openvswitch/vswitch.ovsschema"],
    )
    .await?;
    let key = dir
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    sys::start_daemon(&DaemonSpec {
        name: format!("{key}/ovsdb-server"),
        program: "ovsdb-server",
        netns: Some(ns.clone()),
        dir: dir.clone(),
        stem: "ovsdb-server".into(),
        unixctl: true,
        monitor: false,
        args: vec![f, format!("--remote=punix:{}/db.sock", dir.display())],
    })
    .await?;
    let db = Db::connect(sock, "Open_vSwitch", label, false).await?;
    let (i, p, b) = (named("i")?, named("p")?, named("b")?);
    let iface = Interface {
        name: "eth0".into(),
        ..Default::default()
    };
    let port = Port {
        name: "eth0".into(),
        interfaces: [Ref::named(i.clone())].into(),
        ..Default::default()
    };
    let bridge = Bridge {
        name: "br-vm".into(),
        datapath_type: "netdev".into(),
        fail_mode: Some(BridgeFailMode::Standalone),
        ports: [Ref::named(p.clone())].into(),
        ..Default::default()
    };
    let root = OpenVSwitch {
        bridges: [Ref::named(b.clone())].into(),
        ..Default::default()
    };
    db.transact(vec![
        Insert::new(Interface::TABLE_NAME, iface.to_row())
            .uuid_name(i)
            .into(),
        Insert::new(Port::TABLE_NAME, port.to_row()).uuid_name(p).into(),
        Insert::new(Bridge::TABLE_NAME, bridge.to_row())
            .uuid_name(b)
            .into(),
        Insert::new(OpenVSwitch::TABLE_NAME, root.to_row()).into(),
    ])
    .await?;
    sys::start_daemon(&DaemonSpec {
        name: format!("{key}/ovs-vswitchd"),
        program: "ovs-vswitchd",
        netns: Some(ns),
        dir: dir.clone(),
        stem: "ovs-vswitchd".into(),
        unixctl: true,
        monitor: false,
        args: vec![format!("unix:{}/db.sock", dir.display())],
    })
    .await?;
    Ok(db)
}

/// Waits until the VM's ovs-vswitchd gave interface `name` an OpenFlow port.
async fn wait_ofport(cfg: &LabConfig, db: &Db, name: &str) -> Result<()> {
    wait_for(
        &|| check_daemons(cfg),
        || format!("{name} added by the VM's ovs-vswitchd"),
        WAIT,
        db.watch(
            Interface::TABLE_NAME,
            &[Interface::NAME.name(), Interface::OFPORT.name()],
        ),
        || async {
            let rows = db
                .select::<Interface>(vec![Interface::NAME.eq(name.to_string())])
                .await?;
            Ok(rows
                .iter()
                .any(|(_, i)| i.ofport.is_some_and(|p| p > 0))
                .then_some(()))
        },
    )
    .await
}

impl Lab {
    /// `container-create NAME --network EP --parent VM --tag T`: a container inside VM `parent`
    /// (see the module docs): the endpoint's logical port gets `parent_name` = the VM's port
    /// and `tag_request` = `tag`; the container's veth is an access port with tag `tag` on the
    /// VM's own bridge. Returns once OVN bound the port to the VM's chassis with that tag.
    ///
    /// # Errors
    /// [`LabError::NotFound`] (VM, endpoint), [`LabError::NameTaken`], [`LabError::Invalid`]
    /// (tag outside 1..=4095, or already used in that VM), waits' errors.
    pub async fn nested_container_create(
        &mut self,
        name: &str,
        endpoint: &str,
        parent: &str,
        tag: u16,
    ) -> Result<ContainerInfo> {
        if name.is_empty() || name.chars().any(char::is_control) {
            return Err(LabError::Invalid {
                what: "container name",
                value: name.to_string(),
                reason: "must be non-empty and without control characters",
            });
        }
        if self.state.vms.contains_key(name) || self.state.containers.contains_key(name) {
            return Err(LabError::NameTaken {
                kind: "container",
                name: name.to_string(),
            });
        }
        if tag == 0 || tag > 4095 {
            return Err(LabError::Invalid {
                what: "tag",
                value: tag.to_string(),
                reason: "must be 1 to 4095",
            });
        }
        let vm = self.state.vm(parent)?.clone();
        if self
            .state
            .containers
            .values()
            .any(|c| c.parent.as_deref() == Some(parent) && c.interfaces.iter().any(|i| i.tag == Some(tag)))
        {
            return Err(LabError::Invalid {
                what: "tag",
                value: tag.to_string(),
                reason: "already used by another container in that VM",
            });
        }
        let eps = self.endpoint_list().await?;
        let Some(ep) = eps.iter().find(|e| e.name == endpoint).cloned() else {
            return Err(LabError::NotFound {
                kind: "endpoint",
                name: endpoint.to_string(),
                known: eps.iter().map(|e| e.name.clone()).collect(),
            });
        };
        if let Some(c) = &ep.container {
            return Err(LabError::NameTaken {
                kind: "endpoint use",
                name: format!("{endpoint} (by container {c})"),
            });
        }
        // NB: the endpoint becomes a child of the VM's port.
        self.nb
            .transact(vec![
                Update::new(
                    LogicalSwitchPort::TABLE_NAME,
                    [LogicalSwitchPort::NAME.eq(endpoint.to_string())],
                    Row::new()
                        .with(
                            LogicalSwitchPort::PARENT_NAME.name(),
                            LogicalSwitchPort::PARENT_NAME.encode(&Some(vm.port().into())),
                        )
                        .with(
                            LogicalSwitchPort::TAG_REQUEST.name(),
                            LogicalSwitchPort::TAG_REQUEST.encode(&Some(i64::from(tag))),
                        ),
                )
                .into(),
            ])
            .await?;
        let c = ContainerInfo {
            name: name.to_string(),
            chassis: vm.chassis.clone(),
            parent: Some(parent.to_string()),
            interfaces: vec![ContainerIf {
                dev: "eth0".into(),
                endpoint: ep.name.clone(),
                switch: ep.network.clone(),
                mac: ep.mac.clone(),
                ip: ep.ip.clone(),
                gw: ep.gw.clone(),
                tag: Some(tag),
            }],
        };
        self.state.containers.insert(c.name.clone(), c.clone());
        self.save()?;
        // The VM's own switch, then the container's veth as an access port on it.
        let db = vm_ovs(&self.cfg, parent).await?;
        wait_ofport(&self.cfg, &db, "eth0").await?;
        let ns = self.cfg.vm_netns(name);
        let vm_ns = self.cfg.vm_netns(parent);
        let dev = nested_ifname(name);
        sys::run("ip", &["netns", "add", &ns]).await?;
        sys::run(
            "ip",
            &[
                "link", "add", &dev, "netns", &vm_ns, "type", "veth", "peer", "name", "eth0", "netns", &ns,
            ],
        )
        .await?;
        let i = &c.interfaces[0];
        let mut lines = vec![
            "link set lo up".to_string(),
            format!("link set eth0 address {}", i.mac),
            "link set eth0 addrgenmode none".to_string(),
            format!("addr add {} dev eth0", i.ip),
            "link set eth0 up".to_string(),
        ];
        if let Some(gw) = &i.gw {
            lines.push(format!("route add default via {gw}"));
        }
        sys::ip_batch(Some(&ns), &lines).await?;
        sys::ns_exec(&ns, "ethtool", &["-K", "eth0", "tx", "off"]).await?;
        sys::ip_batch(Some(&vm_ns), &[format!("link set {dev} up")]).await?;
        let (ni, np) = (named("i")?, named("p")?);
        let iface = Interface {
            name: dev.as_str().into(),
            ..Default::default()
        };
        let port = Port {
            name: dev.as_str().into(),
            interfaces: [Ref::named(ni.clone())].into(),
            tag: Some(i64::from(tag)),
            ..Default::default()
        };
        db.transact(vec![
            Insert::new(Interface::TABLE_NAME, iface.to_row())
                .uuid_name(ni)
                .into(),
            Insert::new(Port::TABLE_NAME, port.to_row())
                .uuid_name(np.clone())
                .into(),
            Mutate::new(
                Bridge::TABLE_NAME,
                [Bridge::NAME.eq("br-vm".to_string())],
                [Bridge::PORTS.insert(Ref::named(np))],
            )
            .into(),
        ])
        .await?;
        wait_ofport(&self.cfg, &db, &dev).await?;
        db.close();
        self.wait_nested_bound(endpoint, &vm.chassis, tag).await?;
        self.sync_hv().await?;
        Ok(c)
    }

    /// Waits until SB binds `port` to `chassis` with tag `tag`.
    async fn wait_nested_bound(&self, port: &str, chassis: &str, tag: u16) -> Result<()> {
        let sb = &self.sb;
        wait_for(
            &|| check_daemons(&self.cfg),
            || format!("nested port {port} bound to {chassis} with tag {tag}"),
            WAIT,
            sb.watch(
                ovn_sb::PortBinding::TABLE_NAME,
                &[
                    ovn_sb::PortBinding::LOGICAL_PORT.name(),
                    ovn_sb::PortBinding::CHASSIS.name(),
                    ovn_sb::PortBinding::TAG.name(),
                ],
            ),
            || async {
                let res = sb
                    .transact(vec![
                        Operation::from(Select::new(ovn_sb::Chassis::TABLE_NAME, [])),
                        Select::new(
                            ovn_sb::PortBinding::TABLE_NAME,
                            [ovn_sb::PortBinding::LOGICAL_PORT.eq(port.to_string())],
                        )
                        .into(),
                    ])
                    .await?;
                let mut it = res.into_iter();
                let ch = sb.rows_of::<ovn_sb::Chassis>(it.next())?;
                let pbs = sb.rows_of::<ovn_sb::PortBinding>(it.next())?;
                let ok = pbs.iter().any(|(_, pb)| {
                    pb.tag == Some(i64::from(tag))
                        && pb
                            .chassis
                            .as_ref()
                            .and_then(|r| r.uuid())
                            .and_then(|u| ch.iter().find(|(cu, _)| *cu == u))
                            .is_some_and(|(_, c)| c.name == chassis)
                });
                Ok(ok.then_some(()))
            },
        )
        .await
        .map_err(|e| check_daemons(&self.cfg).err().unwrap_or(e))
    }

    /// Removes a nested container's port from its VM's bridge (the namespace goes with
    /// `container_delete`).
    pub(crate) async fn nested_detach(&self, c: &ContainerInfo) -> Result<()> {
        let Some(parent) = &c.parent else { return Ok(()) };
        let dir = vm_ovs_dir(&self.cfg, parent);
        if !dir.join("db.sock").exists() {
            return Ok(());
        }
        let db = Db::connect(
            format!("unix:{}/db.sock", dir.display()),
            "Open_vSwitch",
            format!("vm {parent} Open_vSwitch"),
            false,
        )
        .await?;
        crate::lab::detach_port(&db, &nested_ifname(&c.name)).await?;
        db.close();
        // The endpoint is no longer a child of the VM's port.
        let ep = &c.interfaces[0].endpoint;
        self.nb
            .transact(vec![
                Update::new(
                    LogicalSwitchPort::TABLE_NAME,
                    [LogicalSwitchPort::NAME.eq(ep.clone())],
                    Row::new()
                        .with(
                            LogicalSwitchPort::PARENT_NAME.name(),
                            LogicalSwitchPort::PARENT_NAME.encode(&None),
                        )
                        .with(
                            LogicalSwitchPort::TAG_REQUEST.name(),
                            LogicalSwitchPort::TAG_REQUEST.encode(&None),
                        ),
                )
                .into(),
            ])
            .await
            .map(|_| ())
    }
}
