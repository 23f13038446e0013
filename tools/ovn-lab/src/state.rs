//! What the lab remembers between commands: names, placement and addresses, in one JSON file
//! under the lab directory. Pids live in the daemons' own pidfiles next to it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{LabError, Result};

/// How chassis reach the Southbound database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SbVia {
    /// The SB server's unix socket (a file, so it works across network namespaces).
    #[default]
    Unix,
    /// TCP to an `ovsdb-server` relay listening on the underlay (192.168.50.2:6642).
    Tcp,
}

/// One emulated chassis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChassisInfo {
    /// Chassis number (1-based): it sets the encap address and `br-phy`'s MAC.
    pub number: u32,
    /// `system-id` and hostname: `ch<number>` by default, or the name given to `add-node`.
    pub name: String,
    /// Geneve endpoint address on the underlay.
    pub encap_ip: String,
}

impl ChassisInfo {
    /// Whether the chassis has its default name `ch<number>`.
    pub fn default_named(&self) -> bool {
        self.name == format!("ch{}", self.number)
    }

    /// What names its directory and network namespace: the name itself for a default-named
    /// chassis (`ch2`), `n-<name>` for one named by the user (so no user name can collide with
    /// the lab's other namespaces: `ul`, `ctl`, `vm-*`).
    pub fn key(&self) -> String {
        if self.default_named() {
            self.name.clone()
        } else {
            format!("n-{}", self.name)
        }
    }

    /// Its veth's name in the underlay namespace (at most 15 bytes, as a Linux device name
    /// must be): the name of a default-named chassis, `l<number>` otherwise.
    pub fn ul_link(&self) -> String {
        if self.default_named() {
            self.name.clone()
        } else {
            format!("l{}", self.number)
        }
    }
}

fn yes() -> bool {
    true
}

/// One fake VM: a network namespace with `eth0` plugged into a chassis' `br-int`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VmInfo {
    /// VM name (any name OVN accepts; the namespace and device names are derived from it).
    pub name: String,
    /// Logical switch port it is bound to (`external_ids:iface-id`); empty in state files of
    /// older versions, meaning the VM's name.
    #[serde(default)]
    pub port: String,
    /// Whether the lab created the logical port (`add-vm`) and deletes it with the VM; `false`
    /// for `attach` to a port the user made.
    #[serde(default = "yes")]
    pub owns_port: bool,
    /// Chassis it runs on.
    pub chassis: String,
    /// Logical switch of its port.
    pub switch: String,
    /// Ethernet address of `eth0`.
    pub mac: String,
    /// Address with prefix length (`"10.0.0.5/24"`).
    pub ip: String,
    /// Default gateway, if any.
    pub gw: Option<String>,
}

impl VmInfo {
    /// The logical switch port's name.
    pub fn port(&self) -> &str {
        if self.port.is_empty() {
            &self.name
        } else {
            &self.port
        }
    }

    /// The address without prefix length.
    pub fn addr(&self) -> &str {
        self.ip.split('/').next().unwrap_or(&self.ip)
    }
}

/// One interface of a container (`eth0`, `eth1`...), bound to an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerIf {
    /// Device name in the container (`eth0`).
    pub dev: String,
    /// The endpoint (logical switch port) it is bound to.
    pub endpoint: String,
    /// The endpoint's switch.
    pub switch: String,
    /// Ethernet address (from the endpoint).
    pub mac: String,
    /// Address with prefix length (from the endpoint).
    pub ip: String,
    /// Gateway on its switch, if the switch has a router port on that subnet.
    pub gw: Option<String>,
    /// VLAN tag of a nested container's interface (its traffic leaves the VM with it).
    #[serde(default)]
    pub tag: Option<u16>,
}

/// A container (OVN-Docker overlay mode): a namespace with one interface per endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerInfo {
    /// Container name.
    pub name: String,
    /// Chassis it runs on.
    pub chassis: String,
    /// The VM it runs inside (OVN-Docker underlay mode), if any.
    #[serde(default)]
    pub parent: Option<String>,
    /// Its interfaces, `eth0` first.
    pub interfaces: Vec<ContainerIf>,
}

/// The persisted lab state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LabState {
    /// How chassis reach the SB database.
    pub sb_via: SbVia,
    /// Whether NB and SB are 3-member RAFT clusters (`up --clustered`).
    #[serde(default)]
    pub clustered: bool,
    /// Whether the central speaks TLS (`up --tls`; see the `tls` module).
    #[serde(default)]
    pub tls: bool,
    /// With TLS: the ports NB and SB listen on at `ssl:127.0.0.1`.
    #[serde(default)]
    pub ssl_ports: Option<(u16, u16)>,
    /// Chassis by number.
    pub chassis: BTreeMap<u32, ChassisInfo>,
    /// VMs by name.
    pub vms: BTreeMap<String, VmInfo>,
    /// Containers by name.
    #[serde(default)]
    pub containers: BTreeMap<String, ContainerInfo>,
}

impl LabState {
    /// Reads the state file; `Ok(None)` if there is none.
    pub fn load(path: &Path) -> Result<Option<LabState>> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|source| LabError::State {
                    path: path.to_path_buf(),
                    source,
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(LabError::Io {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Writes the state file (through a temporary file, so a reader never sees half of it).
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(|source| LabError::State {
            path: path.to_path_buf(),
            source,
        })?;
        let tmp: PathBuf = path.with_extension("json.tmp");
        std::fs::write(&tmp, text).map_err(|source| LabError::Io {
            path: tmp.clone(),
            source,
        })?;
        std::fs::rename(&tmp, path).map_err(|source| LabError::Io {
            path: path.to_path_buf(),
            source,
        })
    }

    /// The chassis called `name`.
    pub fn chassis_named(&self, name: &str) -> Result<&ChassisInfo> {
        self.chassis
            .values()
            .find(|c| c.name == name)
            .ok_or_else(|| LabError::NotFound {
                kind: "chassis",
                name: name.to_string(),
                known: self.chassis.values().map(|c| c.name.clone()).collect(),
            })
    }

    /// The address (without prefix length) of a VM or container (its first interface)
    /// called `name`.
    pub fn host_addr(&self, name: &str) -> Result<String> {
        if let Some(v) = self.vms.get(name) {
            return Ok(v.addr().to_string());
        }
        if let Some(i) = self.containers.get(name).and_then(|c| c.interfaces.first()) {
            return Ok(i.ip.split('/').next().unwrap_or(&i.ip).to_string());
        }
        Err(self.no_host(name))
    }

    /// Whether `name` is a VM or a container; the error lists both.
    pub fn host(&self, name: &str) -> Result<()> {
        if self.vms.contains_key(name) || self.containers.contains_key(name) {
            Ok(())
        } else {
            Err(self.no_host(name))
        }
    }

    fn no_host(&self, name: &str) -> LabError {
        LabError::NotFound {
            kind: "vm or container",
            name: name.to_string(),
            known: self.vms.keys().chain(self.containers.keys()).cloned().collect(),
        }
    }

    /// The VM called `name`.
    pub fn vm(&self, name: &str) -> Result<&VmInfo> {
        self.vms.get(name).ok_or_else(|| LabError::NotFound {
            kind: "vm",
            name: name.to_string(),
            known: self.vms.keys().cloned().collect(),
        })
    }
}
