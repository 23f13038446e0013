//! `up --tls`: a PKI made with `ovs-pki` in the lab directory (`central/pki/`), NB and SB
//! listening on `ssl:` as well, northd, the chassis and the lab's own clients on `ssl:`
//! remotes.
//!
//! Certificates: `central` is the servers' certificate (also for the RAFT connections between
//! cluster members, where a member is a client too), `client` is the one certificate of
//! northd, the chassis and the lab's clients; `ovs-pki` signs both with its switch CA, which
//! every side checks the other against (the controller CA `ovs-pki init` also makes signs
//! nothing of the lab: a certificate it signs is one of another CA). `ovs-pki` certificates
//! name no address,
//! so the lab's rustls clients verify the chain only ([`ServerNameCheck::ChainOnly`], what the
//! OVS daemons do). The NB and SB servers listen on `ssl:127.0.0.1:<port>` (ports chosen by the
//! kernel, read from their logs, kept in the state); the chassis reach SB through the relay on
//! the underlay, `ssl:192.168.50.2:6642`.
//!
//! With `--clustered` too, the members' RAFT connections are `ssl:` on the underlay, the members
//! serve `ssl:` there, the chassis use those remotes and northd runs in a namespace on the
//! underlay (`olab-<lab>-ctl`, `192.168.50.2`) to use them as well; the lab's own clients, in
//! the host's namespace, use the members' unix sockets.
//!
//! [`ServerNameCheck::ChainOnly`]: ovsdb_client::ServerNameCheck::ChainOnly

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ovsdb_client::TlsConfig;

use crate::error::{LabError, Result};
use crate::lab::LabConfig;
use crate::sys;

/// The PKI directory of a lab.
pub(crate) fn pki_dir(cfg: &LabConfig) -> PathBuf {
    cfg.central_dir().join("pki")
}

/// PEM files of the lab's PKI.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TlsFiles {
    /// The servers' private key.
    pub server_key: PathBuf,
    /// The servers' certificate.
    pub server_cert: PathBuf,
    /// The CA the servers check clients against (the switch CA).
    pub client_ca: PathBuf,
    /// The clients' private key.
    pub client_key: PathBuf,
    /// The clients' certificate.
    pub client_cert: PathBuf,
    /// The CA clients check servers against (the switch CA too).
    pub server_ca: PathBuf,
}

impl TlsFiles {
    /// The files of the lab `cfg`.
    pub fn of(cfg: &LabConfig) -> TlsFiles {
        let d = pki_dir(cfg);
        TlsFiles {
            server_key: d.join("central-privkey.pem"),
            server_cert: d.join("central-cert.pem"),
            client_ca: d.join("ca/switchca/cacert.pem"),
            client_key: d.join("client-privkey.pem"),
            client_cert: d.join("client-cert.pem"),
            server_ca: d.join("ca/switchca/cacert.pem"),
        }
    }

    /// `ovsdb-server` options for a server that demands client certificates.
    pub(crate) fn server_args(&self) -> Vec<String> {
        vec![
            format!("--private-key={}", self.server_key.display()),
            format!("--certificate={}", self.server_cert.display()),
            format!("--ca-cert={}", self.client_ca.display()),
        ]
    }

    /// `ovn-northd` / `ovn-controller` options for their `ssl:` remotes.
    pub(crate) fn client_args(&self) -> Vec<String> {
        vec![
            format!("--private-key={}", self.client_key.display()),
            format!("--certificate={}", self.client_cert.display()),
            format!("--ca-cert={}", self.server_ca.display()),
        ]
    }

    /// The lab's own clients' TLS settings (rustls).
    pub(crate) fn client_config(&self) -> TlsConfig {
        TlsConfig::new(&self.server_ca)
            .client_cert(&self.client_key, &self.client_cert)
            .chain_only()
    }
}

/// Makes the PKI: both CAs (`ovs-pki init`), the servers' and the clients' key and
/// certificate.
pub(crate) async fn make_pki(cfg: &LabConfig) -> Result<TlsFiles> {
    let d = pki_dir(cfg);
    std::fs::create_dir_all(&d).map_err(|source| LabError::Io {
        path: d.clone(),
        source,
    })?;
    let ca = format!("--dir={}", d.join("ca").display());
    let log = format!("--log={}", d.join("ovs-pki.log").display());
    sys::run_in(&d, "ovs-pki", &[&ca, &log, "init"]).await?;
    sys::run_in(&d, "ovs-pki", &[&ca, &log, "-u", "req+sign", "central", "switch"]).await?;
    sys::run_in(&d, "ovs-pki", &[&ca, &log, "-u", "req+sign", "client", "switch"]).await?;
    Ok(TlsFiles::of(cfg))
}

/// The port a server that was given `pssl:0:...` listens on: from its log ("listening on port
/// N"), waiting at most 10 s for the line.
pub(crate) async fn listening_port(log: &Path) -> Result<u16> {
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let port = text.lines().find_map(|l| {
            let rest = &l[l.find("listening on port ")? + "listening on port ".len()..];
            rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
        });
        if let Some(p) = port {
            return Ok(p);
        }
        if start.elapsed() > Duration::from_secs(10) {
            return Err(LabError::Timeout {
                what: format!("\"listening on port\" in {}", log.display()),
                after: start.elapsed(),
            });
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
