//! Watches the logical switch ports of an OVN Northbound database and reacts to each change.
//!
//! ```sh
//! cargo run -p ovsdb-tokio --example watch_ports -- unix:/var/run/ovn/ovnnb_db.sock lsp0
//! ```
//!
//! The remote is the first argument (or `OVSDB_REMOTE`); the program prints every port inserted,
//! updated or deleted and exits 0 once a port named after the second argument (default `lsp0`)
//! exists, or fails after 60 s without it.

use std::time::Duration;

use ovn_nb::{LogicalSwitchPort, OvnNorthboundDb};
use ovsdb_client::{Client, ClientConfig, Event, SmolStr};

/// Any error of this example.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Follows the port table until a port named `port` exists; returns its UUID.
pub async fn run(remote: &str, port: &str) -> Result<ovsdb_client::Uuid, BoxError> {
    let client = Client::connect(remote, ClientConfig::default()).await?;
    let nb = client
        .replica::<OvnNorthboundDb>()
        .table::<LogicalSwitchPort>()
        .start()
        .await?;
    // Subscribe before reading, so that no change falls between the read and the events.
    let mut events = nb.subscribe::<LogicalSwitchPort>();
    let name = SmolStr::from(port);
    if let Some(p) = nb
        .read()
        .table::<LogicalSwitchPort>()
        .get_by(LogicalSwitchPort::BY_NAME, &name)
    {
        println!("{port} is already there: {}", p.uuid);
        return Ok(p.uuid);
    }
    loop {
        let event = tokio::time::timeout(Duration::from_secs(60), events.recv())
            .await
            .map_err(|_| format!("no port {port} within 60 s"))?
            .ok_or("the replica stopped")?;
        match event {
            Event::Inserted(p) => {
                println!("inserted {} {:?}", p.name, p.addresses);
                if p.name == port {
                    return Ok(p.uuid);
                }
            }
            Event::Updated { old, new } => {
                println!("updated {}: {:?} -> {:?}", new.name, old.addresses, new.addresses)
            }
            Event::Deleted(p) => println!("deleted {}", p.name),
            // After a reconnect the server could not resume: re-read the state.
            Event::Resynced => println!("resynced: {} ports", nb.read().table::<LogicalSwitchPort>().len()),
            _ => {}
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let mut args = std::env::args().skip(1);
    let remote = args
        .next()
        .or_else(|| std::env::var("OVSDB_REMOTE").ok())
        .unwrap_or_else(|| "unix:/var/run/ovn/ovnnb_db.sock".into());
    let port = args.next().unwrap_or_else(|| "lsp0".into());
    let uuid = run(&remote, &port).await?;
    println!("{port}: {uuid}");
    Ok(())
}
