//! A controller loop: keeps every logical switch labelled `external_ids:owner=example`. Each pass
//! reads the replica, writes only the switches that need it, and guards each write with
//! `wait_unchanged` (optimistic concurrency): if another client changed such a row meanwhile, the
//! server refuses the transaction and `transact_with_retry` builds it again from the newer rows.
//!
//! ```sh
//! cargo run -p ovsdb-tokio --example controller_loop -- unix:/var/run/ovn/ovnnb_db.sock
//! ```
//!
//! The remote is the first argument (or `OVSDB_REMOTE`). The loop ends, with status 0, once the
//! database has been quiet for `IDLE_SECS` (second argument, default 10).

use std::time::Duration;

use ovn_nb::{LogicalSwitch, OvnNorthboundDb};
use ovsdb_client::{Client, ClientConfig, SmolStr, Transaction};

/// Any error of this example.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Runs the loop until nothing changed for `idle`; returns how many switches it labelled.
pub async fn run(remote: &str, idle: Duration) -> Result<usize, BoxError> {
    let client = Client::connect(remote, ClientConfig::default()).await?;
    let nb = client
        .replica::<OvnNorthboundDb>()
        .table::<LogicalSwitch>()
        .start()
        .await?;
    let mut events = nb.subscribe::<LogicalSwitch>();
    let mut labelled = 0;
    let nb = &nb;
    loop {
        let done = client
            .transact_with_retry(5, |mut txn: Transaction<OvnNorthboundDb>| async move {
                let mut n = 0usize;
                for ls in nb.read().table::<LogicalSwitch>().iter() {
                    if ls.external_ids.get("owner").map(SmolStr::as_str) != Some("example") {
                        let mut new = ls.row.clone();
                        new.external_ids.insert("owner".into(), "example".into());
                        txn.wait_unchanged(ls);
                        txn.update_row(ls, &new);
                        n += 1;
                    }
                }
                (txn, n)
            })
            .await?;
        let n = done.value;
        if n > 0 {
            println!("labelled {n} switches ({} attempts)", done.attempts);
            labelled += n;
        }
        // Our own commit is in the replica already; drain its events, then wait for others'.
        while events.try_recv().is_some() {}
        match tokio::time::timeout(idle, events.recv()).await {
            Ok(Some(_)) => continue,
            Ok(None) => return Err("the replica stopped".into()),
            Err(_) => return Ok(labelled),
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
    let idle = args.next().map_or(Ok(10), |s| s.parse::<u64>())?;
    let n = run(&remote, Duration::from_secs(idle)).await?;
    println!("quiet for {idle} s after labelling {n} switches");
    Ok(())
}
