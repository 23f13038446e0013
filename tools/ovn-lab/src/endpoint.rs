//! Endpoints and containers, as the OVN-Docker overlay mode has them: a network is a logical
//! switch (optionally with a gateway: a router port on the lab's router `ovn-lab`), an endpoint
//! is a logical switch port whose MAC and address come from OVN's IPAM, a container is a
//! namespace with one interface per endpoint (`eth0`, `eth1`, ...) on a chassis.

use std::collections::{BTreeMap, BTreeSet};

use ovn_nb::{LogicalRouter, LogicalSwitch, LogicalSwitchPort};
use ovsdb_proto::op::{Insert, Mutate, Operation, Update};
use ovsdb_proto::{NamedUuid, Ref, Row, SmolStr, Table};

use crate::error::{LabError, Result};
use crate::lab::{Lab, Plug, detach_port, parse_cidr, vm_ifname};
use crate::state::{ContainerIf, ContainerInfo};
use crate::sys;

/// The router `net-create --gateway` puts gateways on.
pub const LAB_ROUTER: &str = "ovn-lab";

/// `external_ids` key marking a logical switch port as an endpoint.
const ENDPOINT_KEY: &str = "ovn-lab-endpoint";

/// An endpoint as `endpoint-create` / `endpoint-list` show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EndpointInfo {
    /// Endpoint (logical switch port) name.
    pub name: String,
    /// The logical switch port's UUID.
    pub uuid: String,
    /// Its network (logical switch).
    pub network: String,
    /// MAC from OVN's IPAM.
    pub mac: String,
    /// Address with prefix length, from OVN's IPAM.
    pub ip: String,
    /// Gateway of its network, if any.
    pub gw: Option<String>,
    /// The container using it, if any.
    pub container: Option<String>,
}

impl Lab {
    /// `net-create NAME CIDR [--gateway IP]`: a logical switch with a subnet for IPAM and, with
    /// a gateway, a router port owning `gateway` on the lab's router [`LAB_ROUTER`] (created
    /// when missing).
    ///
    /// # Errors
    /// As [`Lab::net_create`]; [`LabError::Invalid`] for a gateway outside the subnet.
    pub async fn net_create_with_gateway(&self, name: &str, cidr: &str, gateway: Option<&str>) -> Result<()> {
        let (net, len) = parse_cidr(cidr)?;
        let gw = match gateway {
            Some(g) => {
                let a: std::net::Ipv4Addr = g.parse().map_err(|_| LabError::Invalid {
                    what: "gateway",
                    value: g.to_string(),
                    reason: "not an IPv4 address",
                })?;
                let mask = u32::MAX << (32 - u32::from(len));
                if u32::from(a) & mask != u32::from_be_bytes(net) & mask {
                    return Err(LabError::Invalid {
                        what: "gateway",
                        value: g.to_string(),
                        reason: "not inside the network's subnet",
                    });
                }
                Some(format!("{g}/{len}"))
            }
            None => None,
        };
        self.net_create(name, cidr).await?;
        if let Some(gw) = gw {
            let routers = self
                .nb
                .select::<LogicalRouter>(vec![LogicalRouter::NAME.eq(LAB_ROUTER.to_string())])
                .await?;
            if routers.is_empty() {
                self.router_create(LAB_ROUTER).await?;
            }
            self.router_attach(LAB_ROUTER, name, Some(&gw)).await?;
        }
        Ok(())
    }

    /// `endpoint-create NET [NAME]`: a logical switch port with dynamic addresses on network
    /// `net` (name default `<net>-ep<N>`, the first free `N`); returns once OVN's IPAM gave it
    /// a MAC and an address (port security follows them).
    ///
    /// # Errors
    /// [`LabError::NotFound`] (network), [`LabError::NameTaken`], [`LabError::Invalid`] for a
    /// network without a subnet, waits' errors.
    pub async fn endpoint_create(&self, net: &str, name: Option<&str>) -> Result<EndpointInfo> {
        let addrs = self.switch_addresses().await?;
        let Some(sa) = addrs.get(net) else {
            return Err(LabError::NotFound {
                kind: "network",
                name: net.to_string(),
                known: addrs.keys().cloned().collect(),
            });
        };
        if sa.subnet.is_none() {
            return Err(LabError::Invalid {
                what: "network",
                value: net.to_string(),
                reason: "has no subnet for IPAM (create it with net-create)",
            });
        }
        let taken: BTreeSet<String> = addrs.values().flat_map(|a| a.ports.iter().cloned()).collect();
        let name = match name {
            Some(n) => {
                if n.is_empty() || n.chars().any(char::is_control) {
                    return Err(LabError::Invalid {
                        what: "endpoint name",
                        value: n.to_string(),
                        reason: "must be non-empty and without control characters",
                    });
                }
                if taken.contains(n) {
                    return Err(LabError::NameTaken {
                        kind: "endpoint",
                        name: n.to_string(),
                    });
                }
                n.to_string()
            }
            None => (1..)
                .map(|k| format!("{net}-ep{k}"))
                .find(|n| !taken.contains(n))
                .unwrap_or_default(),
        };
        let lsp = LogicalSwitchPort {
            name: name.as_str().into(),
            addresses: [SmolStr::from("dynamic")].into(),
            external_ids: [(SmolStr::from(ENDPOINT_KEY), SmolStr::from("true"))].into(),
            ..Default::default()
        };
        let n = NamedUuid::new("ep").map_err(|_| self.nb.unexpected("named-uuid".into()))?;
        self.nb
            .transact(vec![
                Insert::new(LogicalSwitchPort::TABLE_NAME, lsp.to_row())
                    .uuid_name(n.clone())
                    .into(),
                Mutate::new(
                    LogicalSwitch::TABLE_NAME,
                    [LogicalSwitch::NAME.eq(net.to_string())],
                    [LogicalSwitch::PORTS.insert(Ref::named(n))],
                )
                .into(),
            ])
            .await?;
        let got = self.wait_dynamic(std::slice::from_ref(&name)).await?;
        let dynamic = got.get(&name).cloned().unwrap_or_default();
        self.nb
            .transact(vec![
                Update::new(
                    LogicalSwitchPort::TABLE_NAME,
                    [LogicalSwitchPort::NAME.eq(name.clone())],
                    Row::new().with(
                        LogicalSwitchPort::PORT_SECURITY.name(),
                        LogicalSwitchPort::PORT_SECURITY.encode(&[SmolStr::from(dynamic)].into()),
                    ),
                )
                .into(),
            ])
            .await?;
        self.endpoint_list()
            .await?
            .into_iter()
            .find(|e| e.name == name)
            .ok_or_else(|| self.nb.unexpected(format!("endpoint {name} vanished")))
    }

    /// Every endpoint (logical switch port made by [`Lab::endpoint_create`]), by name.
    ///
    /// # Errors
    /// Database errors.
    pub async fn endpoint_list(&self) -> Result<Vec<EndpointInfo>> {
        let addrs = self.switch_addresses().await?;
        let lsps = self.nb.select::<LogicalSwitchPort>(vec![]).await?;
        let users: BTreeMap<&str, &str> = self
            .state
            .containers
            .values()
            .flat_map(|c| {
                c.interfaces
                    .iter()
                    .map(move |i| (i.endpoint.as_str(), c.name.as_str()))
            })
            .collect();
        let mut out: Vec<EndpointInfo> = lsps
            .into_iter()
            .filter(|(_, p)| p.external_ids.contains_key(ENDPOINT_KEY))
            .filter_map(|(u, p)| {
                let (net, sa) = addrs.iter().find(|(_, sa)| sa.ports.contains(p.name.as_str()))?;
                let dynamic = p.dynamic_addresses.clone().unwrap_or_default();
                let mut t = dynamic.split_whitespace();
                let mac = t.next().unwrap_or_default().to_string();
                let addr = t.next().unwrap_or_default().to_string();
                let ip = format!("{addr}/{}", sa.prefix_of(&addr));
                Some(EndpointInfo {
                    uuid: u.to_string(),
                    network: net.clone(),
                    gw: sa.gateway_for(&ip),
                    container: users.get(p.name.as_str()).map(|c| c.to_string()),
                    name: p.name.into(),
                    mac,
                    ip,
                })
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// `endpoint-delete NAME`: removes the endpoint's logical port; a container using it loses
    /// that interface, and a container left without interfaces is deleted.
    ///
    /// # Errors
    /// [`LabError::NotFound`].
    pub async fn endpoint_delete(&mut self, name: &str) -> Result<()> {
        let eps = self.endpoint_list().await?;
        let Some(ep) = eps.iter().find(|e| e.name == name) else {
            return Err(LabError::NotFound {
                kind: "endpoint",
                name: name.to_string(),
                known: eps.iter().map(|e| e.name.clone()).collect(),
            });
        };
        if let Some(cname) = &ep.container {
            let c = self.state.containers.get(cname).cloned().ok_or_else(|| {
                self.nb
                    .unexpected(format!("container {cname} of endpoint {name} not in the state"))
            })?;
            if c.interfaces.len() == 1 || c.parent.is_some() {
                self.container_delete(cname).await?;
            } else if let Some(i) = c.interfaces.iter().find(|i| i.endpoint == name) {
                let ifname = vm_ifname(&format!("{}/{}", c.name, i.dev));
                detach_port(self.ovs_db(&c.chassis)?, &ifname).await?;
                let ns = self.cfg.vm_netns(&c.name);
                sys::ip_batch(Some(&ns), &[format!("link del {}", i.dev)]).await?;
                let mut c = c.clone();
                c.interfaces.retain(|x| x.endpoint != name);
                self.state.containers.insert(c.name.clone(), c);
                self.save()?;
            }
        }
        let uuid: ovsdb_proto::Uuid = ep
            .uuid
            .parse()
            .map_err(|_| self.nb.unexpected(format!("bad uuid {}", ep.uuid)))?;
        let op: Operation = Mutate::new(
            LogicalSwitch::TABLE_NAME,
            [],
            [LogicalSwitch::PORTS.delete(Ref::new(uuid))],
        )
        .into();
        self.nb.transact(vec![op]).await?;
        Ok(())
    }

    /// `container-create NAME --network EP... --chassis N`: a namespace with one interface per
    /// endpoint (`eth0`, `eth1`...: the endpoint's MAC and address, the default route via the
    /// first endpoint's gateway), each a veth into the chassis' br-int bound to the endpoint;
    /// returns once every port is up.
    ///
    /// # Errors
    /// [`LabError::NameTaken`] (name, or an endpoint another container uses),
    /// [`LabError::NotFound`] (endpoint, chassis), waits' errors.
    pub async fn container_create(
        &mut self,
        name: &str,
        endpoints: &[String],
        chassis: &str,
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
        if endpoints.is_empty() {
            return Err(LabError::Invalid {
                what: "container",
                value: name.to_string(),
                reason: "needs at least one --network ENDPOINT",
            });
        }
        let ch = self.state.chassis_named(chassis)?.clone();
        let eps = self.endpoint_list().await?;
        let mut interfaces = Vec::new();
        for (i, e) in endpoints.iter().enumerate() {
            let Some(ep) = eps.iter().find(|x| &x.name == e) else {
                return Err(LabError::NotFound {
                    kind: "endpoint",
                    name: e.clone(),
                    known: eps.iter().map(|x| x.name.clone()).collect(),
                });
            };
            if let Some(c) = &ep.container {
                return Err(LabError::NameTaken {
                    kind: "endpoint use",
                    name: format!("{e} (by container {c})"),
                });
            }
            if endpoints[..i].contains(e) {
                return Err(LabError::NameTaken {
                    kind: "endpoint use",
                    name: format!("{e} (twice)"),
                });
            }
            interfaces.push(ContainerIf {
                dev: format!("eth{i}"),
                endpoint: ep.name.clone(),
                switch: ep.network.clone(),
                mac: ep.mac.clone(),
                ip: ep.ip.clone(),
                gw: ep.gw.clone(),
                tag: None,
            });
        }
        let c = ContainerInfo {
            name: name.to_string(),
            chassis: ch.name.clone(),
            parent: None,
            interfaces,
        };
        self.state.containers.insert(c.name.clone(), c.clone());
        self.save()?;
        let ns = self.cfg.vm_netns(name);
        let ch_ns = self.cfg.chassis_netns(&ch);
        sys::run("ip", &["netns", "add", &ns]).await?;
        let mut lines = vec!["link set lo up".to_string()];
        let mut plugs = Vec::new();
        for i in &c.interfaces {
            let ifname = vm_ifname(&format!("{name}/{}", i.dev));
            sys::run(
                "ip",
                &[
                    "link", "add", &ifname, "netns", &ch_ns, "type", "veth", "peer", "name", &i.dev, "netns",
                    &ns,
                ],
            )
            .await?;
            lines.extend([
                format!("link set {} address {}", i.dev, i.mac),
                format!("link set {} addrgenmode none", i.dev),
                format!("addr add {} dev {}", i.ip, i.dev),
                format!("link set {} up", i.dev),
            ]);
            plugs.push(Plug {
                port: i.endpoint.clone(),
                chassis: c.chassis.clone(),
                ifname,
            });
        }
        if let Some(gw) = c.interfaces.iter().find_map(|i| i.gw.clone()) {
            lines.push(format!("route add default via {gw}"));
        }
        sys::ip_batch(Some(&ns), &lines).await?;
        for i in &c.interfaces {
            // Without this the userspace datapath forwards TCP with unfilled checksums.
            sys::ns_exec(&ns, "ethtool", &["-K", &i.dev, "tx", "off"]).await?;
        }
        let up: Vec<String> = plugs
            .iter()
            .map(|p| format!("link set {} up", p.ifname))
            .collect();
        sys::ip_batch(Some(&ch_ns), &up).await?;
        self.plug_in(&plugs).await?;
        Ok(c)
    }

    /// `container-delete NAME`: its ports on the chassis and its namespace; the endpoints stay.
    ///
    /// # Errors
    /// [`LabError::NotFound`].
    pub async fn container_delete(&mut self, name: &str) -> Result<()> {
        let Some(c) = self.state.containers.get(name).cloned() else {
            return Err(LabError::NotFound {
                kind: "container",
                name: name.to_string(),
                known: self.state.containers.keys().cloned().collect(),
            });
        };
        if c.parent.is_some() {
            self.nested_detach(&c).await?;
        } else {
            for i in &c.interfaces {
                let ifname = vm_ifname(&format!("{name}/{}", i.dev));
                detach_port(self.ovs_db(&c.chassis)?, &ifname).await?;
            }
        }
        sys::netns_delete(&[self.cfg.vm_netns(name)]).await?;
        self.state.containers.remove(name);
        self.save()
    }
}
