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
    /// Chassis number (1-based); the name is `ch<number>`.
    pub number: u32,
    /// `system-id` and hostname (`"ch1"`).
    pub name: String,
    /// Geneve endpoint address on the underlay.
    pub encap_ip: String,
}

/// One fake VM: a network namespace with `eth0` plugged into a chassis' `br-int`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VmInfo {
    /// VM name; also its logical switch port's name and the veth name on the chassis.
    pub name: String,
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
    /// The address without prefix length.
    pub fn addr(&self) -> &str {
        self.ip.split('/').next().unwrap_or(&self.ip)
    }
}

/// The persisted lab state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LabState {
    /// How chassis reach the SB database.
    pub sb_via: SbVia,
    /// Chassis by number.
    pub chassis: BTreeMap<u32, ChassisInfo>,
    /// VMs by name.
    pub vms: BTreeMap<String, VmInfo>,
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

    /// The VM called `name`.
    pub fn vm(&self, name: &str) -> Result<&VmInfo> {
        self.vms.get(name).ok_or_else(|| LabError::NotFound {
            kind: "vm",
            name: name.to_string(),
            known: self.vms.keys().cloned().collect(),
        })
    }
}
