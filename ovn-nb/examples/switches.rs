//! Lists the logical switches of an OVN Northbound database with their ports, read from a typed
//! replica (`ovn_nb` structs, references followed by UUID).
//!
//! ```sh
//! cargo run -p ovn-nb --example switches -- unix:/var/run/ovn/ovnnb_db.sock
//! ```
//!
//! The remote is the first argument (or `OVSDB_REMOTE`).

use ovn_nb::{LogicalSwitch, LogicalSwitchPort, OvnNorthboundDb};
use ovsdb_client::{Client, ClientConfig};

/// Any error of this example.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Each switch's name and its ports' names, sorted.
pub async fn run(remote: &str) -> Result<Vec<(String, Vec<String>)>, BoxError> {
    let client = Client::connect(remote, ClientConfig::default()).await?;
    let nb = client
        .replica::<OvnNorthboundDb>()
        .table::<LogicalSwitch>()
        .table::<LogicalSwitchPort>()
        .start()
        .await?;
    let read = nb.read();
    let ports = read.table::<LogicalSwitchPort>();
    let mut out: Vec<(String, Vec<String>)> = read
        .table::<LogicalSwitch>()
        .iter()
        .map(|ls| {
            let mut names: Vec<String> = ls
                .ports
                .iter()
                .filter_map(|p| p.uuid().and_then(|u| ports.get(&u)))
                .map(|p| p.name.to_string())
                .collect();
            names.sort();
            (ls.name.to_string(), names)
        })
        .collect();
    out.sort();
    for (ls, ports) in &out {
        println!("{ls}: {}", ports.join(" "));
    }
    Ok(out)
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
