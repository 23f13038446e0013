//! Connects over TLS with the files `ovs-pki` makes: the CA certificate that signed the server's
//! certificate, and this client's key and certificate (which the server checks against its CA).
//!
//! ```sh
//! ovs-pki init && ovs-pki req+sign client controller   # client-privkey.pem, client-cert.pem
//! cargo run -p ovsdb-tokio --example tls -- ssl:127.0.0.1:6641 \
//!     client-privkey.pem client-cert.pem /var/lib/openvswitch/pki/controllerca/cacert.pem
//! ```
//!
//! Arguments: the remote (or `OVSDB_REMOTE`), the private key, the certificate and the CA
//! certificate. Certificates made by `ovs-pki` do not name the server's host, so, as OVS does,
//! only the chain is checked (`chain_only`); give a real host name instead with
//! `TlsConfig::server_name` when the certificate carries one. Prints the server's databases.

use std::path::Path;

use ovsdb_client::{Client, ClientConfig, TlsConfig};

/// Any error of this example.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Lists the databases of the server at `remote` over TLS.
pub async fn run(remote: &str, key: &Path, cert: &Path, ca: &Path) -> Result<Vec<String>, BoxError> {
    let tls = TlsConfig::new(ca).client_cert(key, cert).chain_only();
    let client = Client::connect(remote, ClientConfig::default().tls(tls)).await?;
    let dbs = client.list_dbs().await?;
    println!("{}", dbs.join("\n"));
    Ok(dbs)
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [remote, key, cert, ca] = args.as_slice() else {
        return Err("usage: tls REMOTE PRIVATE-KEY CERTIFICATE CA-CERT".into());
    };
    run(remote, Path::new(key), Path::new(cert), Path::new(ca)).await?;
    Ok(())
}
