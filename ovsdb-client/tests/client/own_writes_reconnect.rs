//! Read-your-writes across a reconnect: a commit issued while the server is down waits for the
//! next session; when it returns, the row is in every replica of the client (issue 13, item 1).
//! Run on a standalone server (full resync on every session) and on a member of a 3-member
//! cluster (resumed with `monitor_cond_since`), 100 times each.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ovn_nb::{LogicalSwitch, OvnNorthboundDb};
use ovsdb_client::replica::{Replica, ReplicaState};
use ovsdb_client::{Backoff, Client, ClientConfig, ConnectionState};
use ovsdb_testkit::{Cluster, OvsdbServer};

use crate::common::{blocking, nb_schema, watchdog};
use crate::replica::{dump, switch};

const TRIALS: usize = 100;
/// How long the server stays down while the commit waits.
const DOWN: Duration = Duration::from_millis(200);

fn tight() -> ClientConfig {
    ClientConfig::default()
        .database("OVN_Northbound")
        .backoff(Backoff {
            min: Duration::from_millis(50),
            max: Duration::from_millis(100),
            jitter: 0.0,
        })
        .election_retry(Duration::from_millis(50))
        .request_timeout(Duration::from_secs(10))
}

/// Waits until the client noticed the session is gone (so the commit is queued, not sent on
/// the dead connection).
async fn wait_disconnected(client: &Client) {
    let mut state = client.state();
    let gone = state.wait_for(|s| !matches!(s, ConnectionState::Connected { .. }));
    tokio::time::timeout(Duration::from_secs(5), gone)
        .await
        .expect("client still connected 5 s after the server died")
        .unwrap();
}

/// One trial: the server is down (`kill` ran); commit a new switch, bring the server back
/// (`restart`) after [`DOWN`]; returns whether the row was in both replicas when `commit`
/// returned, and the commit's latency.
async fn trial(
    client: &Client,
    replicas: &[&Replica<OvnNorthboundDb>],
    name: String,
    restart: impl FnOnce() + Send + 'static,
) -> (bool, Duration) {
    wait_disconnected(client).await;
    let c = client.clone();
    let started = Instant::now();
    let commit = tokio::spawn(async move {
        let mut txn = c.transaction::<OvnNorthboundDb>();
        let r = txn.insert(switch(&name));
        let outcome = txn.commit().await.unwrap();
        outcome.uuid(&r).unwrap()
    });
    tokio::time::sleep(DOWN).await;
    assert!(!commit.is_finished(), "commit returned while the server was down");
    tokio::task::spawn_blocking(restart).await.unwrap();
    let uuid = commit.await.unwrap();
    let took = started.elapsed();
    let held = replicas
        .iter()
        .all(|r| r.read().table::<LogicalSwitch>().get(&uuid).is_some());
    (held, took)
}

/// Every switch name of the dump, with how many rows carry it.
fn names(remote: &str) -> BTreeMap<String, usize> {
    let mut n = BTreeMap::new();
    for row in dump(remote, "Logical_Switch").values() {
        if let Some(s) = row
            .get("name")
            .and_then(|d| d.as_scalar())
            .and_then(|a| a.as_str())
        {
            *n.entry(s.to_owned()).or_insert(0) += 1;
        }
    }
    n
}

fn assert_each_once(remote: &str, prefix: &str) {
    let n = names(remote);
    for i in 0..TRIALS {
        let name = format!("{prefix}{i}");
        assert_eq!(
            n.get(&name),
            Some(&1),
            "{name} committed {:?} times",
            n.get(&name)
        );
    }
}

/// Standalone server: SIGKILL, commit, restart on the same file and socket after 200 ms; the
/// row is in both replicas (one started before, one after the first reconnect) when `commit`
/// returns, 100 times; every row committed exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_writes_survive_reconnect_standalone() {
    let server = blocking(|| OvsdbServer::builder(nb_schema()).start().unwrap());
    let remote = server.unix_remote();
    let server = std::sync::Arc::new(std::sync::Mutex::new(server));
    watchdog(
        "own_writes_survive_reconnect_standalone",
        Duration::from_secs(150),
        async {
            let client = Client::connect(&remote, tight()).await.unwrap();
            let first = client
                .replica::<OvnNorthboundDb>()
                .table::<LogicalSwitch>()
                .start()
                .await
                .unwrap();
            let second = client
                .replica::<OvnNorthboundDb>()
                .table::<LogicalSwitch>()
                .start()
                .await
                .unwrap();
            let started = Instant::now();
            let mut misses = 0;
            let mut slowest = Duration::ZERO;
            for i in 0..TRIALS {
                blocking(|| server.lock().unwrap().kill().unwrap());
                let s = server.clone();
                let (held, took) = trial(&client, &[&first, &second], format!("s{i}"), move || {
                    s.lock().unwrap().restart().unwrap();
                })
                .await;
                misses += usize::from(!held);
                slowest = slowest.max(took);
            }
            eprintln!(
                "standalone: {TRIALS} trials, {misses} misses, slowest commit {slowest:?}, {:?} in all",
                started.elapsed()
            );
            assert_eq!(misses, 0, "rows missing from a replica when commit returned");
            assert!(matches!(
                first.status().borrow().state,
                ReplicaState::Current { .. }
            ));
            assert_eq!(first.read().table::<LogicalSwitch>().len(), TRIALS);
            blocking(|| assert_each_once(&remote, "s"));
        },
    )
    .await;
}

/// The same on a 3-member cluster: the client (not leader-only) uses one follower, which is
/// SIGKILLed and restarted; its replicas resume with `monitor_cond_since`, the transaction is
/// forwarded to the leader. (A leader-only client refuses that follower: `is_not_leader`.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_writes_survive_reconnect_cluster() {
    let cluster = blocking(|| Cluster::builder(nb_schema()).members(3).start().unwrap());
    let leader = cluster.wait_for_leader(Duration::from_secs(20)).unwrap();
    let follower = (leader + 1) % 3;
    let remote = cluster.member(follower).unwrap().unix_remote();
    let all = cluster.remotes();
    let cluster = std::sync::Arc::new(std::sync::Mutex::new(cluster));
    watchdog(
        "own_writes_survive_reconnect_cluster",
        Duration::from_secs(150),
        async {
            // Leader-only (the default), the follower is refused: `is_not_leader`.
            let refused = Client::connect(&remote, tight().startup_timeout(Duration::from_millis(500)))
                .await
                .unwrap_err();
            assert!(refused.is_not_leader(), "{refused:?}");
            assert!(
                !refused.is_conflict() && !refused.is_outcome_unknown(),
                "{refused}"
            );
            let client = Client::connect(&remote, tight().leader_only(false))
                .await
                .unwrap();
            let first = client
                .replica::<OvnNorthboundDb>()
                .table::<LogicalSwitch>()
                .start()
                .await
                .unwrap();
            let second = client
                .replica::<OvnNorthboundDb>()
                .table::<LogicalSwitch>()
                .start()
                .await
                .unwrap();
            let started = Instant::now();
            let mut misses = 0;
            let mut slowest = Duration::ZERO;
            for i in 0..TRIALS {
                blocking(|| cluster.lock().unwrap().kill(follower).unwrap());
                let c = cluster.clone();
                let (held, took) = trial(&client, &[&first, &second], format!("c{i}"), move || {
                    c.lock().unwrap().restart(follower).unwrap();
                })
                .await;
                misses += usize::from(!held);
                slowest = slowest.max(took);
            }
            let status = first.status().borrow().clone();
            eprintln!(
                "cluster: {TRIALS} trials, {misses} misses, slowest commit {slowest:?}, {:?} in all; \
                 replica resumes {}, snapshots {}",
                started.elapsed(),
                status.resumes,
                status.snapshots
            );
            assert_eq!(misses, 0, "rows missing from a replica when commit returned");
            assert_eq!(first.read().table::<LogicalSwitch>().len(), TRIALS);
            let leader_remote = all.clone();
            blocking(|| assert_each_once(&leader_remote, "c"));
        },
    )
    .await;
}

/// A replica whose monitor fails for good on the new session (an untyped replica of a column
/// that the database, converted while the server was down, no longer has) stops with an error naming the column; a commit
/// queued meanwhile does not wait for it, and is in the other (typed) replica when it returns.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_does_not_wait_for_a_replica_that_stopped() {
    let tmp = tempfile::tempdir().unwrap();
    // The NB schema without Logical_Switch_Port.dynamic_addresses.
    let older = tmp.path().join("older.ovsschema");
    let mut schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(nb_schema()).unwrap()).unwrap();
    schema["tables"]["Logical_Switch_Port"]["columns"]
        .as_object_mut()
        .unwrap()
        .remove("dynamic_addresses");
    std::fs::write(&older, schema.to_string()).unwrap();
    let server = blocking(|| OvsdbServer::builder(nb_schema()).start().unwrap());
    let remote = server.unix_remote();
    let db = server.db_path().to_owned();
    let server = std::sync::Arc::new(std::sync::Mutex::new(server));
    watchdog(
        "commit_does_not_wait_for_a_replica_that_stopped",
        Duration::from_secs(60),
        async {
            let client = Client::connect(&remote, tight()).await.unwrap();
            let typed = client
                .replica::<OvnNorthboundDb>()
                .table::<LogicalSwitch>()
                .start()
                .await
                .unwrap();
            let dynamic = client
                .dynamic_replica("OVN_Northbound")
                .table_with(
                    "Logical_Switch_Port",
                    ovsdb_client::TableSpec::default().columns(["name", "dynamic_addresses"]),
                )
                .start()
                .await
                .unwrap();
            blocking(|| server.lock().unwrap().kill().unwrap());
            let out = std::process::Command::new("ovsdb-tool")
                .arg("convert")
                .arg(&db)
                .arg(&older)
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            let s = server.clone();
            let (held, took) = trial(&client, &[&typed], "after-convert".into(), move || {
                s.lock().unwrap().restart().unwrap();
            })
            .await;
            assert!(held, "row not in the typed replica when commit returned");
            assert!(took < Duration::from_secs(3), "commit took {took:?}");
            let status = dynamic.status().borrow().clone();
            assert_eq!(status.state, ReplicaState::Stopped, "{status:?}");
            let e = status.error.unwrap().to_string();
            assert!(
                e.contains("\"dynamic_addresses\"") && e.contains("\"Logical_Switch_Port\""),
                "{e}"
            );
        },
    )
    .await;
}

/// Leader failover: the client (leader-only, every member's remote) loses the leader to
/// SIGKILL; the commit waits through the election and goes to the new leader, where the
/// replicas re-monitor; the old leader is restarted after 200 ms. 10 trials (each waits for an
/// election); the row is in both replicas when `commit` returns, committed once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_writes_survive_leader_failover() {
    const FAILOVERS: usize = 10;
    let cluster = blocking(|| Cluster::builder(nb_schema()).members(3).start().unwrap());
    let all = cluster.remotes();
    let cluster = std::sync::Arc::new(std::sync::Mutex::new(cluster));
    watchdog(
        "own_writes_survive_leader_failover",
        Duration::from_secs(120),
        async {
            let client = Client::connect(&all, tight()).await.unwrap();
            let first = client
                .replica::<OvnNorthboundDb>()
                .table::<LogicalSwitch>()
                .start()
                .await
                .unwrap();
            let second = client
                .replica::<OvnNorthboundDb>()
                .table::<LogicalSwitch>()
                .start()
                .await
                .unwrap();
            let started = Instant::now();
            let mut misses = 0;
            let mut slowest = Duration::ZERO;
            for i in 0..FAILOVERS {
                let leader = blocking(|| {
                    let c = cluster.lock().unwrap();
                    let l = c.wait_for_leader(Duration::from_secs(20)).unwrap();
                    // The client is on the leader (leader-only).
                    assert_eq!(
                        client.current_endpoint().map(|e| e.to_string()),
                        Some(c.member(l).unwrap().tcp_remote().unwrap())
                    );
                    l
                });
                blocking(|| cluster.lock().unwrap().kill(leader).unwrap());
                let c = cluster.clone();
                let (held, took) = trial(&client, &[&first, &second], format!("f{i}"), move || {
                    c.lock().unwrap().restart(leader).unwrap();
                })
                .await;
                misses += usize::from(!held);
                slowest = slowest.max(took);
                // Let the restarted member rejoin before the next kill (a quorum must remain).
                blocking(|| {
                    cluster
                        .lock()
                        .unwrap()
                        .wait_joined(leader, Duration::from_secs(20))
                        .unwrap();
                });
            }
            eprintln!(
                "failover: {FAILOVERS} trials, {misses} misses, slowest commit {slowest:?}, {:?} in all",
                started.elapsed()
            );
            assert_eq!(misses, 0, "rows missing from a replica when commit returned");
            assert_eq!(first.read().table::<LogicalSwitch>().len(), FAILOVERS);
            let n = blocking(|| names(&all));
            for i in 0..FAILOVERS {
                assert_eq!(n.get(&format!("f{i}")), Some(&1), "f{i}: {n:?}");
            }
        },
    )
    .await;
}
