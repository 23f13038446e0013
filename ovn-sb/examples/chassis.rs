//! Registers a chassis in an OVN Southbound database the way ovn-controller does (a `Chassis`
//! row and its `Encap` in one transaction), then lists the chassis.
//!
//! ```sh
//! cargo run -p ovn-sb --example chassis -- unix:/var/run/ovn/ovnsb_db.sock hv1 192.0.2.1
//! ```
//!
//! Arguments: the remote (or `OVSDB_REMOTE`), the chassis name (default `hv1`) and its tunnel
//! address (default `192.0.2.1`).

use ovn_sb::{Chassis, Encap, EncapType, OvnSouthboundDb};
use ovsdb_client::{Client, ClientConfig};

/// Any error of this example.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Adds chassis `name` with a geneve encap on `ip`; returns every chassis name, sorted.
pub async fn run(remote: &str, name: &str, ip: &str) -> Result<Vec<String>, BoxError> {
    let client = Client::connect(remote, ClientConfig::default()).await?;
    let sb = client
        .replica::<OvnSouthboundDb>()
        .table::<Chassis>()
        .start()
        .await?;
    let mut txn = client.transaction::<OvnSouthboundDb>();
    let encap = txn.insert(Encap {
        chassis_name: name.into(),
        ip: ip.into(),
        type_: EncapType::Geneve,
        options: [("csum".into(), "true".into())].into(),
    });
    txn.insert(Chassis {
        name: name.into(),
        hostname: name.into(),
        encaps: [encap].into(),
        ..Default::default()
    });
    txn.commit().await?;
    // The commit is in the replica when `commit` returns.
    let mut names: Vec<String> = sb
        .read()
        .table::<Chassis>()
        .iter()
        .map(|c| c.name.to_string())
        .collect();
    names.sort();
    println!("{}", names.join("\n"));
    Ok(names)
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let mut args = std::env::args().skip(1);
    let remote = args
        .next()
        .or_else(|| std::env::var("OVSDB_REMOTE").ok())
        .unwrap_or_else(|| "unix:/var/run/ovn/ovnsb_db.sock".into());
    let name = args.next().unwrap_or_else(|| "hv1".into());
    let ip = args.next().unwrap_or_else(|| "192.0.2.1".into());
    run(&remote, &name, &ip).await?;
    Ok(())
}
