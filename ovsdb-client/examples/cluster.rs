//! Writes to a RAFT cluster through its leader. Give every member; the client reads each
//! server's `_Server` database and keeps to the leader (`leader_only`, the default), moving to
//! the new leader after an election, so writes are not forwarded and reads are never stale.
//!
//! ```sh
//! cargo run -p ovsdb-tokio --example cluster -- \
//!     tcp:10.0.0.1:6641,tcp:10.0.0.2:6641,tcp:10.0.0.3:6641
//! ```
//!
//! The remotes are the first argument (or `OVSDB_REMOTE`). Adds a logical switch named after the
//! second argument (default `cluster-ls`) and prints the member that took it.

use ovn_nb::{LogicalSwitch, OvnNorthboundDb};
use ovsdb_client::{Client, ClientConfig};

/// Any error of this example.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Inserts switch `name` through the leader; returns the leader's remote.
pub async fn run(remotes: &str, name: &str) -> Result<String, BoxError> {
    let config = ClientConfig::default()
        .leader_only(true)
        .database("OVN_Northbound");
    let client = Client::connect(remotes, config).await?;
    let mut txn = client.transaction::<OvnNorthboundDb>();
    txn.insert(LogicalSwitch {
        name: name.into(),
        ..Default::default()
    });
    txn.commit().await?;
    let leader = client.current_endpoint().ok_or("not connected")?.to_string();
    println!("{name} written through the leader {leader}");
    Ok(leader)
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let mut args = std::env::args().skip(1);
    let remotes = args
        .next()
        .or_else(|| std::env::var("OVSDB_REMOTE").ok())
        .ok_or("usage: cluster REMOTE,REMOTE,... [NAME]")?;
    let name = args.next().unwrap_or_else(|| "cluster-ls".into());
    run(&remotes, &name).await?;
    Ok(())
}
