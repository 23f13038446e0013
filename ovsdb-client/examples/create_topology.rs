//! Creates a small OVN topology in one transaction: a router with a port, a switch with a VM
//! port and a port patched to the router. Rows refer to each other by named-uuid (RFC 7047
//! §5.1) before they exist; the server commits all of it or nothing.
//!
//! ```sh
//! cargo run -p ovsdb-tokio --example create_topology -- unix:/var/run/ovn/ovnnb_db.sock
//! ```
//!
//! The remote is the first argument (or `OVSDB_REMOTE`). Running it twice fails the second time
//! (port names are unique) and leaves the database unchanged.

use ovn_nb::{LogicalRouter, LogicalRouterPort, LogicalSwitch, LogicalSwitchPort, OvnNorthboundDb};
use ovsdb_client::{Client, ClientConfig};

/// Any error of this example.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Creates `ls0` (ports `vm1`, `ls0-lr0`) and `lr0` (port `lr0-ls0`, 10.0.0.1/24); returns the
/// UUIDs of the switch and the router.
pub async fn run(remote: &str) -> Result<(ovsdb_client::Uuid, ovsdb_client::Uuid), BoxError> {
    let client = Client::connect(remote, ClientConfig::default()).await?;
    let mut txn = client.transaction::<OvnNorthboundDb>();
    let lrp = txn.insert(LogicalRouterPort {
        name: "lr0-ls0".into(),
        mac: "00:00:00:00:ff:01".into(),
        networks: ["10.0.0.1/24".into()].into(),
        ..Default::default()
    });
    let router = txn.insert(LogicalRouter {
        name: "lr0".into(),
        ports: [lrp].into(),
        ..Default::default()
    });
    let vm = txn.insert(LogicalSwitchPort {
        name: "vm1".into(),
        addresses: ["00:00:00:00:00:01 10.0.0.11".into()].into(),
        ..Default::default()
    });
    let patch = txn.insert(LogicalSwitchPort {
        name: "ls0-lr0".into(),
        type_: "router".into(),
        addresses: ["router".into()].into(),
        options: [("router-port".into(), "lr0-ls0".into())].into(),
        ..Default::default()
    });
    let switch = txn.insert(LogicalSwitch {
        name: "ls0".into(),
        ports: [vm, patch].into(),
        ..Default::default()
    });
    txn.comment("create_topology example");
    let outcome = txn.commit().await?;
    let ids = (
        outcome.uuid(&switch).ok_or("no UUID for the switch")?,
        outcome.uuid(&router).ok_or("no UUID for the router")?,
    );
    println!("ls0 {}\nlr0 {}", ids.0, ids.1);
    Ok(ids)
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let remote = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("OVSDB_REMOTE").ok())
        .unwrap_or_else(|| "unix:/var/run/ovn/ovnnb_db.sock".into());
    run(&remote).await?;
    Ok(())
}
