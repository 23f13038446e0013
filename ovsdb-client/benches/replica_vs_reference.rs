//! Replica sync and transaction throughput against the reference clients, in one run:
//! `ovsdb-client` (C; a `dump` for the sync, one process per `transact`) and the Open vSwitch
//! Python IDL (`/usr/bin/python3`, python3-openvswitch). Prints each measurement and the ratio
//! reference / ours (above 1: ours is faster).
//!
//! Run with `cargo bench -p ovsdb-tokio --bench replica_vs_reference` (needs `ovsdb-server` and
//! `ovsdb-client` on the PATH). Without `--bench` (as under `cargo test --all-targets`) it only
//! checks that it was built.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use ovn_nb::{LogicalSwitch, OvnNorthboundDb};
use ovsdb_client::{Client, ClientConfig};
use ovsdb_testkit::OvsdbServer;

const ROWS: usize = 20_000;
const TXNS: usize = 500;
const CLI_TXNS: usize = 100;

fn switch(name: String) -> LogicalSwitch {
    LogicalSwitch {
        name: name.into(),
        external_ids: [("owner".into(), "bench".into())].into(),
        ..Default::default()
    }
}

fn report(what: &str, ours: Duration, reference: Duration, who: &str) {
    println!(
        "{what:<44} ours {:>9.3} s   {who:<22} {:>9.3} s   ratio {:>6.2}",
        ours.as_secs_f64(),
        reference.as_secs_f64(),
        reference.as_secs_f64() / ours.as_secs_f64()
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("replica_vs_reference: run with `cargo bench` to measure");
        return;
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let schema = manifest.join("../testdata/schemas/ovn-nb.ovsschema");
    let server = OvsdbServer::builder(&schema).start().unwrap();
    let remote = server.unix_remote();
    let config = || ClientConfig::default().request_timeout(Duration::from_secs(120));

    // Populate.
    let loader = Client::connect(&remote, config()).await.unwrap();
    for chunk in 0..ROWS / 1000 {
        let mut txn = loader.transaction::<OvnNorthboundDb>();
        for i in 0..1000 {
            txn.insert(switch(format!("ls{chunk}-{i}")));
        }
        txn.commit().await.unwrap();
    }
    println!("{ROWS} Logical_Switch rows, {TXNS} single-insert transactions, unix socket, same run");

    // Ours: connect + initial sync, then transactions each visible in the replica at commit.
    let started = Instant::now();
    let client = Client::connect(&remote, config()).await.unwrap();
    let nb = client
        .replica::<OvnNorthboundDb>()
        .table::<LogicalSwitch>()
        .start()
        .await
        .unwrap();
    let ours_sync = started.elapsed();
    assert_eq!(nb.read().table::<LogicalSwitch>().len(), ROWS);
    let started = Instant::now();
    for i in 0..TXNS {
        let mut txn = client.transaction::<OvnNorthboundDb>();
        let r = txn.insert(switch(format!("rs{i}")));
        let u = txn.commit().await.unwrap().uuid(&r).unwrap();
        assert!(nb.read().table::<LogicalSwitch>().get(&u).is_some());
    }
    let ours_txn = started.elapsed();

    // ovsdb-client (C): dump of the table; one process per transact.
    let started = Instant::now();
    let out = Command::new("ovsdb-client")
        .args(["dump", &remote, "OVN_Northbound", "Logical_Switch"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let c_dump = started.elapsed();
    let started = Instant::now();
    for i in 0..CLI_TXNS {
        let op = format!(
            r#"["OVN_Northbound",{{"op":"insert","table":"Logical_Switch","row":{{"name":"c{i}"}}}}]"#
        );
        let out = Command::new("ovsdb-client")
            .args(["transact", &remote, &op])
            .output()
            .unwrap();
        assert!(out.status.success());
    }
    let c_txn = started.elapsed().mul_f64(TXNS as f64 / CLI_TXNS as f64);

    // Python IDL.
    let expected = ROWS + TXNS + CLI_TXNS;
    let script = manifest.join("benches/replica_idl.py");
    let out = Command::new("/usr/bin/python3")
        .arg(&script)
        .arg(&remote)
        .arg(&schema)
        .arg(expected.to_string())
        .arg(TXNS.to_string())
        .output()
        .unwrap();
    let py: Option<serde_json::Value> = if out.status.success() {
        serde_json::from_slice(&out.stdout).ok()
    } else {
        eprintln!("python IDL failed: {}", String::from_utf8_lossy(&out.stderr));
        None
    };

    report(
        "initial sync (connect + snapshot)",
        ours_sync,
        c_dump,
        "ovsdb-client dump",
    );
    if let Some(py) = &py {
        let s = Duration::from_secs_f64(py["sync_s"].as_f64().unwrap());
        report("initial sync (connect + snapshot)", ours_sync, s, "python IDL");
    }
    report(
        &format!("{TXNS} transactions (replica updated)"),
        ours_txn,
        c_txn,
        "ovsdb-client transact*",
    );
    if let Some(py) = &py {
        let t = Duration::from_secs_f64(py["txn_s"].as_f64().unwrap());
        report(
            &format!("{TXNS} transactions (replica updated)"),
            ours_txn,
            t,
            "python IDL commit_block",
        );
    }
    println!("* one process per transaction, {CLI_TXNS} run and scaled to {TXNS}");
}
