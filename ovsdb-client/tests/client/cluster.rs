//! The Client on a 3-member RAFT cluster: leader failover, a member cut off, monitors across
//! leader changes.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ovsdb_client::{Client, ClientConfig, MonitorEvent};
use ovsdb_proto::update::{MonitorRequest, MonitorRequests, RowUpdate2};
use ovsdb_testkit::Cluster;

use crate::client::{insert_ls, switch_names};
use crate::common::{blocking, nb_schema, watchdog};

const NB: &str = "OVN_Northbound";

fn cluster() -> Cluster {
    Cluster::builder(nb_schema()).members(3).start().unwrap()
}

/// Member index of the client's current server.
fn member_of(cluster: &Cluster, client: &Client) -> Option<usize> {
    let ep = client.current_endpoint()?.to_string();
    cluster
        .members()
        .iter()
        .position(|m| m.tcp_remote().as_deref() == Some(ep.as_str()))
}

/// Inserts `name`, retrying whatever fails (an outcome-unknown attempt is checked before the
/// next); returns when a write committed.
async fn write_until_ok(client: &Client, name: &str) {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let n = format!("{name}-{attempt}");
        if client.transact(NB, insert_ls(&n)).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leader_killed_ten_times_client_follows() {
    let mut cluster = blocking(cluster);
    let remotes = cluster.remotes();
    watchdog("leader_killed_ten_times", Duration::from_secs(240), async {
        let config = ClientConfig::default()
            .database(NB)
            .request_timeout(Duration::from_secs(10));
        let client = Client::connect(&remotes, config).await.unwrap();
        let mut report = Vec::new();
        for round in 0..10 {
            let leader = blocking(|| cluster.leader().unwrap());
            // Settle: the client is on the leader.
            write_until_ok(&client, &format!("pre{round}")).await;
            assert_eq!(member_of(&cluster, &client), Some(leader));
            let c = client.clone();
            let mut state = client.state();
            let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
            let trace = {
                let seen = seen.clone();
                tokio::spawn(async move {
                    let t = Instant::now();
                    while state.changed().await.is_ok() {
                        let s = format!("{:?}", &*state.borrow());
                        seen.lock()
                            .unwrap()
                            .push(format!("{:?} {}", t.elapsed(), &s[..s.len().min(200)]));
                    }
                })
            };
            let killed = Instant::now();
            blocking(|| cluster.kill(leader).unwrap());
            let writer = tokio::spawn(async move {
                write_until_ok(&c, &format!("post{round}")).await;
                killed.elapsed()
            });
            let new_leader = blocking(|| cluster.wait_for_leader(Duration::from_secs(20)).unwrap());
            let elected = killed.elapsed();
            let written = writer.await.unwrap();
            assert_ne!(new_leader, leader);
            assert_eq!(member_of(&cluster, &client), Some(new_leader));
            report.push((elected.as_millis(), written.as_millis()));
            trace.abort();
            assert!(
                written <= elected + Duration::from_secs(1),
                "round {round}: write after {written:?}, election took {elected:?}; states:\n{}",
                seen.lock().unwrap().join("\n")
            );
            blocking(|| {
                cluster.restart(leader).unwrap();
                cluster.wait_joined(leader, Duration::from_secs(20)).unwrap();
            });
        }
        println!("failover (election ms, first write ok ms): {report:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn member_cut_off_from_the_cluster_is_left() {
    let cluster = blocking(cluster);
    let remotes = cluster.remotes();
    watchdog("member_cut_off", Duration::from_secs(90), async {
        // Not leader-only, in order: the client stays on member 0 until it is cut off.
        let config = ClientConfig::default()
            .database(NB)
            .leader_only(false)
            .shuffle(false);
        let client = Client::connect(&remotes, config).await.unwrap();
        assert_eq!(member_of(&cluster, &client), Some(0));
        let cut = Instant::now();
        blocking(|| {
            cluster
                .member(0)
                .unwrap()
                .appctl(&["cluster/failure-test", "stop-raft-rpc"])
                .unwrap()
        });
        let mut state = client.state();
        tokio::time::timeout(
            Duration::from_secs(30),
            state.wait_for(|_| matches!(member_of(&cluster, &client), Some(m) if m != 0)),
        )
        .await
        .expect("the client stayed on the cut-off member")
        .unwrap();
        println!("left the cut-off member after {:?}", cut.elapsed());
        write_until_ok(&client, "after-cut").await;
        blocking(|| {
            cluster
                .member(0)
                .unwrap()
                .appctl(&["cluster/failure-test", "clear"])
                .unwrap()
        });
    })
    .await;
}

/// Names of the Logical_Switch rows a monitor shows, from its events.
fn apply(view: &mut BTreeMap<ovsdb_proto::Uuid, String>, ev: MonitorEvent, inserts: &mut Vec<String>) {
    let (updates, reset) = match ev {
        MonitorEvent::Reset { updates, .. } => (updates, true),
        MonitorEvent::Update { updates, .. } => (updates, false),
        other => panic!("{other:?}"),
    };
    if reset {
        view.clear();
    }
    for (uuid, u) in updates.0.get("Logical_Switch").into_iter().flatten() {
        match u {
            RowUpdate2::Initial(r) | RowUpdate2::Insert(r) => {
                let name = r
                    .get("name")
                    .unwrap()
                    .as_scalar()
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned();
                if matches!(u, RowUpdate2::Insert(_)) || !view.values().any(|n| n == &name) {
                    inserts.push(name.clone());
                }
                view.insert(*uuid, name);
            }
            RowUpdate2::Delete => {
                view.remove(uuid);
            }
            RowUpdate2::Modify(_) => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitor_follows_leader_kill_without_losing_updates() {
    let mut cluster = blocking(cluster);
    let remotes = cluster.remotes();
    watchdog("monitor_follows_leader_kill", Duration::from_secs(120), async {
        let client = Client::connect(&remotes, ClientConfig::default().database(NB))
            .await
            .unwrap();
        let mut mon = client.monitor(
            NB,
            MonitorRequests::new().with("Logical_Switch", MonitorRequest::all().columns(["name"])),
        );
        let writer_client = Client::connect(&remotes, ClientConfig::default().database(NB))
            .await
            .unwrap();
        let writer = tokio::spawn(async move {
            let mut committed = Vec::new();
            for i in 0..150 {
                let name = format!("ls{i}");
                // Retry only what certainly failed; an unknown outcome is checked later.
                match writer_client.transact(NB, insert_ls(&name)).await {
                    Ok(_) => committed.push(name),
                    Err(e) => println!("{name}: {e}"),
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            committed
        });
        tokio::time::sleep(Duration::from_millis(800)).await;
        let leader = blocking(|| cluster.leader().unwrap());
        blocking(|| cluster.kill(leader).unwrap());
        let committed = writer.await.unwrap();
        let truth = switch_names(&client).await;
        let mut view = BTreeMap::new();
        let mut inserts = Vec::new();
        let mut resets = 0;
        while view.len() < truth.len() {
            let ev = tokio::time::timeout(Duration::from_secs(10), mon.recv())
                .await
                .expect("monitor stalled")
                .unwrap()
                .unwrap();
            resets += usize::from(matches!(ev, MonitorEvent::Reset { .. }));
            apply(&mut view, ev, &mut inserts);
        }
        let seen: BTreeMap<String, usize> = view.values().fold(BTreeMap::new(), |mut m, n| {
            *m.entry(n.clone()).or_insert(0) += 1;
            m
        });
        assert_eq!(seen, truth);
        for n in &committed {
            assert_eq!(
                inserts.iter().filter(|i| *i == n).count(),
                1,
                "{n} seen other than once"
            );
        }
        println!(
            "{} committed, {} rows, {resets} reset(s)",
            committed.len(),
            truth.len()
        );
        assert_eq!(resets, 1, "the monitor resynced from scratch instead of resuming");
    })
    .await;
}
