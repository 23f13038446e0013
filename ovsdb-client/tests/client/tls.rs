//! TLS with certificates made by `ovs-pki` in a temporary directory.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use ovsdb_client::rpc::{self, RpcOptions};
use ovsdb_client::{Client, ClientConfig, Endpoint, Error, TlsConfig, TlsError, transport};
use ovsdb_proto::method::ListDbs;
use ovsdb_testkit::{OvsdbServer, free_loopback_ports};

use crate::common::{blocking, nb_schema, watchdog};

/// A CA with a server and a client certificate (`ovs-pki -u`: SAN `DNS:server`, `DNS:client`),
/// and a second CA with a "rogue" client certificate.
struct Pki {
    dir: tempfile::TempDir,
}

fn ovs_pki(pki: &Path, cwd: &Path, args: &[&str]) {
    let out = Command::new("ovs-pki")
        .arg("-d")
        .arg(pki)
        .arg("-l")
        .arg(pki.with_extension("log"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ovs-pki {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Pki {
    fn new() -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        ovs_pki(&d.join("pki"), d, &["--force", "init"]);
        ovs_pki(&d.join("pki"), d, &["-u", "req+sign", "server", "controller"]);
        ovs_pki(&d.join("pki"), d, &["-u", "req+sign", "client", "controller"]);
        std::fs::create_dir(d.join("other")).unwrap();
        ovs_pki(&d.join("pki-other"), &d.join("other"), &["--force", "init"]);
        ovs_pki(
            &d.join("pki-other"),
            &d.join("other"),
            &["-u", "req+sign", "rogue", "controller"],
        );
        Pki { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn ca(&self) -> PathBuf {
        self.path("pki/controllerca/cacert.pem")
    }

    fn client_tls(&self) -> TlsConfig {
        TlsConfig::new(self.ca()).client_cert(self.path("client-privkey.pem"), self.path("client-cert.pem"))
    }

    fn rogue_tls(&self) -> TlsConfig {
        TlsConfig::new(self.ca()).client_cert(
            self.path("other/rogue-privkey.pem"),
            self.path("other/rogue-cert.pem"),
        )
    }

    /// A server with a `pssl:` remote; `extra` adds options (e.g. `--ssl-protocols=TLSv1.2`).
    fn server(&self, extra: &[&str]) -> (OvsdbServer, String) {
        let port = free_loopback_ports(1).unwrap()[0];
        let server = OvsdbServer::builder(nb_schema())
            .arg(format!("--remote=pssl:{port}:127.0.0.1"))
            .arg(format!(
                "--private-key={}",
                self.path("server-privkey.pem").display()
            ))
            .arg(format!(
                "--certificate={}",
                self.path("server-cert.pem").display()
            ))
            .arg(format!("--ca-cert={}", self.ca().display()))
            .args(extra)
            .start()
            .unwrap();
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "pssl:{port} never listened"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        (server, format!("ssl:127.0.0.1:{port}"))
    }
}

fn config(tls: TlsConfig) -> ClientConfig {
    ClientConfig::default()
        .tls(tls)
        .startup_timeout(Duration::from_secs(5))
        .backoff(ovsdb_client::Backoff {
            min: Duration::from_millis(100),
            max: Duration::from_millis(200),
            jitter: 0.0,
        })
}

fn last_tls_error(e: &Error) -> &TlsError {
    match e {
        Error::NoServer { last: Some(l), .. } => match &**l {
            Error::Tls(t) => t,
            other => panic!("not a TLS error: {other}"),
        },
        other => panic!("{other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_auth_with_ovs_pki_certificates() {
    let pki = blocking(Pki::new);
    let (server, remote) = blocking(|| pki.server(&[]));
    let (server12, remote12) = blocking(|| pki.server(&["--ssl-protocols=TLSv1.2"]));
    watchdog("tls_mutual_auth", Duration::from_secs(60), async {
        // The server name from the certificate, separate from the address.
        for r in [&remote, &remote12] {
            let c = Client::connect(r, config(pki.client_tls().server_name("server")))
                .await
                .unwrap();
            assert!(
                c.list_dbs().await.unwrap().contains(&"OVN_Northbound".to_owned()),
                "{r}"
            );
        }
        // Chain-only checking, the OVS behaviour, needs no name.
        let c = Client::connect(&remote, config(pki.client_tls().chain_only()))
            .await
            .unwrap();
        c.transact("OVN_Northbound", crate::client::insert_ls("over-tls"))
            .await
            .unwrap();

        // By default the name is checked, and an ovs-pki certificate has no IP SAN: refused
        // without retrying for the whole startup timeout.
        let started = Instant::now();
        let e = Client::connect(&remote, config(pki.client_tls()))
            .await
            .unwrap_err();
        match last_tls_error(&e) {
            TlsError::ServerCertificate { name, .. } => assert_eq!(name, "127.0.0.1"),
            other => panic!("{other}"),
        }
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        // A wrong name is refused too, and a CA that did not sign the server's certificate.
        let e = Client::connect(&remote, config(pki.client_tls().server_name("client")))
            .await
            .unwrap_err();
        assert!(
            matches!(last_tls_error(&e), TlsError::ServerCertificate { .. }),
            "{e}"
        );
        let other_ca = TlsConfig::new(pki.path("pki-other/controllerca/cacert.pem"))
            .client_cert(pki.path("client-privkey.pem"), pki.path("client-cert.pem"))
            .chain_only();
        let e = Client::connect(&remote, config(other_ca)).await.unwrap_err();
        assert!(
            matches!(last_tls_error(&e), TlsError::ServerCertificate { .. }),
            "{e}"
        );
        // An ssl: remote without TLS settings.
        let e = Client::connect(
            &remote,
            ClientConfig::default().startup_timeout(Duration::from_secs(3)),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(last_tls_error(&e), TlsError::NotConfigured { .. }),
            "{e}"
        );
        // Bad files are reported with their path.
        let e = Client::connect(&remote, config(TlsConfig::new(pki.path("nope.pem"))))
            .await
            .unwrap_err();
        assert!(
            matches!(
                &e,
                Error::Tls(TlsError::Pem {
                    what: "CA certificate",
                    ..
                })
            ),
            "{e}"
        );
        assert!(e.to_string().contains("nope.pem"), "{e}");
    })
    .await;
    drop((server, server12));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_certificate_from_another_ca_is_refused() {
    let pki = blocking(Pki::new);
    let (server, remote) = blocking(|| pki.server(&[]));
    let (server12, remote12) = blocking(|| pki.server(&["--ssl-protocols=TLSv1.2"]));
    watchdog("tls_rogue_client", Duration::from_secs(60), async {
        // TLS 1.3: the handshake "succeeds" and the alert comes on the first read; the
        // low layer names it.
        let endpoint: Endpoint = remote.parse().unwrap();
        let connector = pki.rogue_tls().server_name("server").connector().unwrap();
        let stream = transport::open(&endpoint, Some(&connector), Duration::from_secs(5))
            .await
            .unwrap();
        let (rpc, _notes, conn) = rpc::connect(stream, &RpcOptions::default());
        let conn = tokio::spawn(conn);
        assert!(matches!(
            rpc.call(&ListDbs).await,
            Err(Error::Disconnected { .. })
        ));
        match conn.await.unwrap() {
            Err(Error::Tls(TlsError::Rejected {
                alert,
                client_certificate: true,
            })) => {
                println!("TLS 1.3 rejection on first read: alert {alert}");
            }
            other => panic!("{other:?}"),
        }
        // Through the Client, on TLS 1.3 and TLS 1.2 (where the alert ends the handshake), with
        // a foreign certificate and with none at all.
        for r in [&remote, &remote12] {
            let e = Client::connect(r, config(pki.rogue_tls().server_name("server")))
                .await
                .unwrap_err();
            assert!(
                matches!(
                    last_tls_error(&e),
                    TlsError::Rejected {
                        client_certificate: true,
                        ..
                    }
                ),
                "{r}: {e}"
            );
            assert!(
                e.to_string().contains("client certificate was not accepted"),
                "{e}"
            );
            let e = Client::connect(r, config(TlsConfig::new(pki.ca()).server_name("server")))
                .await
                .unwrap_err();
            assert!(
                matches!(last_tls_error(&e), TlsError::Rejected { .. }),
                "{r}: {e}"
            );
        }
    })
    .await;
    drop((server, server12));
}
