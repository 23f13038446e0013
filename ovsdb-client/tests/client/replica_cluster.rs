//! Replicas on a 3-member RAFT cluster: resume with the last transaction id, leadership
//! transfer with several monitors, torture (scenarios 7, 9, 22 of research/reliability.md §2).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use ovn_nb::{LogicalSwitch, NbGlobal, OvnNorthboundDb};
use ovsdb_client::replica::{DynamicReplica, Replica};
use ovsdb_client::{Client, Error};
use ovsdb_testkit::Cluster;

use crate::common::{blocking, nb_schema, watchdog};
use crate::replica::{config, dump, switch, wait_equal_dump, wait_status};

fn cluster() -> Cluster {
    Cluster::builder(nb_schema()).members(3).start().unwrap()
}

fn leader_remote(cluster: &Cluster) -> String {
    let l = cluster.wait_for_leader(Duration::from_secs(20)).unwrap();
    cluster.member(l).unwrap().tcp_remote().unwrap()
}

async fn insert(client: &Client, name: &str) {
    let mut txn = client.transaction::<OvnNorthboundDb>();
    txn.insert(switch(name));
    txn.commit().await.unwrap();
}

/// The untyped replica's Logical_Switch names.
fn dynamic_names(r: &DynamicReplica) -> BTreeSet<String> {
    r.read()
        .table("Logical_Switch")
        .iter()
        .filter_map(|r| r.get("name")?.as_scalar()?.as_str().map(str::to_owned))
        .collect()
}

/// Scenario 7: after the leader stops, the replica reconnects to the new leader with
/// `monitor_cond_since` and its last transaction id; the server finds it and only the changes
/// are applied (no new snapshot), including a write made while the replica was away.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_on_cluster_applies_only_the_delta() {
    let mut cluster = blocking(cluster);
    let remotes = cluster.remotes();
    watchdog(
        "resume_on_cluster_applies_only_the_delta",
        Duration::from_secs(90),
        async {
            let client = Client::connect(&remotes, config()).await.unwrap();
            let writer = Client::connect(&remotes, config()).await.unwrap();
            for n in ["a", "b"] {
                insert(&client, n).await;
            }
            let nb = client
                .replica::<OvnNorthboundDb>()
                .table::<LogicalSwitch>()
                .start()
                .await
                .unwrap();
            let first = nb.last_txn_id();
            assert!(first.is_some(), "a clustered database gives transaction ids");
            insert(&client, "c").await;
            let second = nb.last_txn_id();
            assert_ne!(first, second, "update3 carries the new id");

            let leader = blocking(|| cluster.leader().unwrap());
            blocking(|| cluster.stop(leader).unwrap());
            // Written while the replica's client is reconnecting (the writer may be too).
            let mut ok = false;
            for _ in 0..50 {
                let mut txn = writer.transaction::<OvnNorthboundDb>();
                txn.insert(switch("while-away"));
                match txn.commit().await {
                    Ok(_) => {
                        ok = true;
                        break;
                    }
                    Err(e) if e.is_outcome_unknown() => {
                        // Check before writing again.
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        let r = blocking(|| dump(&leader_remote(&cluster), "Logical_Switch"));
                        if r.values().any(|row| {
                            row.get("name").map(|d| d.to_string()) == Some("\"while-away\"".into())
                        }) {
                            ok = true;
                            break;
                        }
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
            assert!(ok, "the write during the failover never committed");
            wait_status(&nb, "resumed on the new leader", |s| s.resumes >= 1).await;
            let remote = blocking(|| leader_remote(&cluster));
            wait_equal_dump::<LogicalSwitch>(&nb, &remote).await;
            let st = nb.status().borrow().clone();
            assert_eq!(st.snapshots, 1, "resumed, not replaced: {st:?}");
            assert_eq!(st.apply_errors, 0);
            assert!(
                nb.read()
                    .table::<LogicalSwitch>()
                    .iter()
                    .any(|r| r.name == "while-away")
            );
            blocking(|| cluster.restart(leader).unwrap());
        },
    )
    .await;
}

/// Scenario 9: a leadership transfer (which ovsdb-server also does by itself around snapshots)
/// with several monitors on one client leaves every replica complete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leadership_transfer_with_several_monitors() {
    let cluster = blocking(cluster);
    let remotes = cluster.remotes();
    watchdog(
        "leadership_transfer_with_several_monitors",
        Duration::from_secs(90),
        async {
            let client = Client::connect(&remotes, config()).await.unwrap();
            let mut txn = client.transaction::<OvnNorthboundDb>();
            txn.insert(NbGlobal::default());
            for i in 0..20 {
                txn.insert(switch(&format!("s{i}")));
            }
            txn.commit().await.unwrap();
            let switches = client
                .replica::<OvnNorthboundDb>()
                .table::<LogicalSwitch>()
                .start()
                .await
                .unwrap();
            let both: Replica<OvnNorthboundDb> = client
                .replica::<OvnNorthboundDb>()
                .table::<LogicalSwitch>()
                .table::<NbGlobal>()
                .start()
                .await
                .unwrap();
            let dynamic = client
                .dynamic_replica("OVN_Northbound")
                .table("Logical_Switch")
                .start()
                .await
                .unwrap();

            for round in 0..3 {
                let before = blocking(|| cluster.leader().unwrap());
                let m = cluster.member(before).unwrap();
                blocking(|| {
                    m.appctl(&["cluster/failure-test", "transfer-leadership"])
                        .unwrap()
                });
                let started = Instant::now();
                loop {
                    let now = blocking(|| cluster.wait_for_leader(Duration::from_secs(20)).unwrap());
                    if now != before {
                        break;
                    }
                    assert!(
                        started.elapsed() < Duration::from_secs(20),
                        "leadership did not move"
                    );
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                // Writes go on through the client (to the new leader).
                let mut last = Err(Error::Shutdown);
                for _ in 0..50 {
                    let mut txn = client.transaction::<OvnNorthboundDb>();
                    txn.insert(switch(&format!("after{round}")));
                    last = txn.commit().await.map(|_| ());
                    if last.is_ok() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                last.unwrap();
                let remote = blocking(|| leader_remote(&cluster));
                wait_equal_dump::<LogicalSwitch>(&switches, &remote).await;
                wait_equal_dump::<LogicalSwitch>(&both, &remote).await;
                wait_equal_dump::<NbGlobal>(&both, &remote).await;
                let names: BTreeSet<String> = blocking(|| dump(&remote, "Logical_Switch"))
                    .values()
                    .map(|r| LogicalSwitch::from_row(r).unwrap().name.into())
                    .collect();
                let started = Instant::now();
                while dynamic_names(&dynamic) != names {
                    assert!(
                        started.elapsed() < Duration::from_secs(20),
                        "untyped replica incomplete"
                    );
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
            for r in [&switches, &both] {
                let st = r.status().borrow().clone();
                assert_eq!(st.apply_errors, 0, "{st:?}");
            }
        },
    )
    .await;
}

use ovsdb_proto::Table;

/// Scenario 22: 10 writers x 50 transactions while members are killed and restarted; every
/// acknowledged write is present at the end (in the server and in a replica that followed it
/// all), and a write whose outcome was unknown is present at most once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_torture_keeps_every_acknowledged_write() {
    let mut cluster = blocking(cluster);
    let remotes = cluster.remotes();
    watchdog("cluster_torture", Duration::from_secs(240), async {
        let observer = Client::connect(&remotes, config()).await.unwrap();
        let nb = observer
            .replica::<OvnNorthboundDb>()
            .table::<LogicalSwitch>()
            .start()
            .await
            .unwrap();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut writers = Vec::new();
        for w in 0..10 {
            let remotes = remotes.clone();
            writers.push(tokio::spawn(async move {
                let client = Client::connect(&remotes, config()).await.unwrap();
                let mut acked = Vec::new();
                let mut unknown = Vec::new();
                for j in 0..50 {
                    let name = format!("w{w}-{j}");
                    loop {
                        let mut txn = client.transaction::<OvnNorthboundDb>();
                        txn.insert(switch(&name));
                        match txn.commit().await {
                            Ok(_) => {
                                acked.push(name.clone());
                                break;
                            }
                            Err(e) if e.is_outcome_unknown() => {
                                // Not replayed: record and move on.
                                unknown.push(name.clone());
                                break;
                            }
                            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                        }
                    }
                }
                (acked, unknown)
            }));
        }
        let killer = {
            let stop = stop.clone();
            async move {
                let mut kills = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) && kills < 6 {
                    tokio::time::sleep(Duration::from_millis(700)).await;
                    let victim = if kills % 2 == 0 {
                        blocking(|| cluster.leader().unwrap_or(0))
                    } else {
                        (kills as usize) % 3
                    };
                    blocking(|| cluster.kill(victim).unwrap());
                    tokio::time::sleep(Duration::from_millis(700)).await;
                    blocking(|| cluster.restart(victim).unwrap());
                    blocking(|| cluster.wait_joined(victim, Duration::from_secs(30)).unwrap());
                    kills += 1;
                }
                (cluster, kills)
            }
        };
        let writers = async {
            let mut acked = Vec::new();
            let mut unknown = Vec::new();
            for w in writers {
                let (a, u) = w.await.unwrap();
                acked.extend(a);
                unknown.extend(u);
            }
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            (acked, unknown)
        };
        let ((acked, unknown), (cluster, kills)) = tokio::join!(writers, killer);
        assert!(kills >= 1, "no member was killed during the writes");
        let remote = blocking(|| leader_remote(&cluster));
        let rows = blocking(|| dump(&remote, "Logical_Switch"));
        let mut count = std::collections::BTreeMap::<String, usize>::new();
        for r in rows.values() {
            *count
                .entry(LogicalSwitch::from_row(r).unwrap().name.into())
                .or_default() += 1;
        }
        for name in &acked {
            assert_eq!(
                count.get(name),
                Some(&1),
                "acknowledged write {name} missing or duplicated"
            );
        }
        for name in &unknown {
            assert!(count.get(name).copied().unwrap_or(0) <= 1, "{name} applied twice");
        }
        assert_eq!(acked.len() + unknown.len(), 500);
        wait_equal_dump::<LogicalSwitch>(&nb, &remote).await;
        eprintln!(
            "torture: {kills} kills, {} acknowledged, {} outcome unknown, replica {:?}",
            acked.len(),
            unknown.len(),
            *nb.status().borrow()
        );
    })
    .await;
}

/// Scenario 19 on a cluster: after a condition change, a reconnect does not resume (which would
/// keep rows of the old condition) but takes a snapshot under the latest condition; a later
/// reconnect without a change resumes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn condition_change_then_reconnect_on_cluster() {
    use ovsdb_client::replica::TableSpec;
    let cluster = blocking(cluster);
    let remotes = cluster.remotes();
    watchdog(
        "condition_change_then_reconnect_on_cluster",
        Duration::from_secs(60),
        async {
            let client = Client::connect(&remotes, config()).await.unwrap();
            for n in ["a", "b", "c"] {
                insert(&client, n).await;
            }
            let nb = client
                .replica::<OvnNorthboundDb>()
                .table_with::<LogicalSwitch>(TableSpec::where_([LogicalSwitch::NAME.eq("a")]))
                .start()
                .await
                .unwrap();
            let names = |nb: &Replica<OvnNorthboundDb>| -> BTreeSet<String> {
                nb.read()
                    .table::<LogicalSwitch>()
                    .iter()
                    .map(|r| r.name.to_string())
                    .collect()
            };
            nb.set_conditions::<LogicalSwitch>(Some(vec![LogicalSwitch::NAME.eq("b")]))
                .await
                .unwrap();
            let reconnect = |cluster: &Cluster| {
                let l = cluster.leader().unwrap();
                cluster
                    .member(l)
                    .unwrap()
                    .appctl(&["ovsdb-server/reconnect"])
                    .unwrap();
            };
            blocking(|| reconnect(&cluster));
            wait_status(&nb, "snapshot after the condition change", |s| s.snapshots >= 2).await;
            let started = Instant::now();
            while names(&nb) != BTreeSet::from(["b".to_owned()]) {
                assert!(started.elapsed() < Duration::from_secs(10), "{:?}", names(&nb));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            // No change since: the next reconnect resumes.
            let before = nb.status().borrow().clone();
            blocking(|| reconnect(&cluster));
            wait_status(&nb, "resume", |s| s.resumes > before.resumes).await;
            assert_eq!(nb.status().borrow().snapshots, before.snapshots);
            insert(&client, "b").await;
            let n = nb.read().table::<LogicalSwitch>().len();
            assert_eq!(n, 2, "{:?}", names(&nb));
        },
    )
    .await;
}
