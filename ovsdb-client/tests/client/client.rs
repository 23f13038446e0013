//! The reconnecting `Client` against real standalone servers (and a scripted one).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ovsdb_client::{Backoff, Client, ClientConfig, ConnectionState, Error};
use ovsdb_proto::op::{Condition, Insert, Select, Wait, WaitUntil};
use ovsdb_proto::{Atom, Datum, Operation, OperationResult, Row};
use ovsdb_testkit::OvsdbServer;

use crate::common::{blocking, nb_schema, sockets_to, watchdog};

const NB: &str = "OVN_Northbound";

pub(crate) fn insert_ls(name: &str) -> Vec<Operation> {
    vec![Operation::from(Insert::new(
        "Logical_Switch",
        Row::new().with("name", Datum::scalar(Atom::from(name))),
    ))]
}

/// Logical_Switch names and how many rows carry each.
pub(crate) async fn switch_names(client: &Client) -> BTreeMap<String, usize> {
    let sel = vec![Operation::from(
        Select::new("Logical_Switch", []).columns(["name"]),
    )];
    let mut out = BTreeMap::new();
    match &client.transact(NB, sel).await.unwrap()[0] {
        OperationResult::Select { rows } => {
            for r in rows {
                let name = r
                    .get("name")
                    .unwrap()
                    .as_scalar()
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned();
                *out.entry(name).or_insert(0) += 1;
            }
        }
        other => panic!("{other:?}"),
    }
    out
}

fn alive_tasks() -> usize {
    tokio::runtime::Handle::current().metrics().num_alive_tasks()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connects_transacts_and_shuts_down() {
    let server = blocking(|| OvsdbServer::builder(nb_schema()).start().unwrap());
    let remote = server.unix_remote();
    watchdog("connects_transacts_and_shuts_down", Duration::from_secs(30), async {
        let client = Client::connect(&remote, ClientConfig::default().database(NB)).await.unwrap();
        assert!(client.state().borrow().is_connected());
        assert_eq!(client.current_endpoint().unwrap().to_string(), remote);
        assert!(client.list_dbs().await.unwrap().contains(&NB.to_owned()));
        assert_eq!(client.get_schema(NB).await.unwrap().name, NB);
        assert_eq!(client.echo(vec![serde_json::json!(7)]).await.unwrap(), vec![serde_json::json!(7)]);
        client.get_server_id().await.unwrap();
        client.transact(NB, insert_ls("a")).await.unwrap();
        let e = client.transact(NB, insert_ls("a").into_iter().chain([Operation::from(Insert::new("Nope", Row::new()))]).collect()).await.unwrap_err();
        assert!(matches!(&e, Error::Transaction(t) if t.index == Some(1)), "{e}");
        assert_eq!(switch_names(&client).await.get("a"), Some(&1));
        // A database the server lacks never qualifies.
        let e = Client::connect(&remote, ClientConfig::default().database("OVN_Southbound").startup_timeout(Duration::from_millis(1500)))
            .await
            .unwrap_err();
        assert!(matches!(&e, Error::NoServer { last: Some(l), .. } if matches!(**l, Error::NoSuchDatabase { .. })), "{e}");
        let mut state = client.state();
        client.shutdown();
        state.wait_for(|s| matches!(s, ConnectionState::Shutdown)).await.unwrap();
        assert!(matches!(client.list_dbs().await, Err(Error::Shutdown)));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigstopped_server_detected_within_two_probes_then_reconnected() {
    let mut server = blocking(|| OvsdbServer::builder(nb_schema()).tcp().start().unwrap());
    let remote = server.tcp_remote().unwrap();
    let probe = Duration::from_secs(1);
    let config = ClientConfig::default()
        .inactivity_probe(Some(probe))
        .sync_timeout(Duration::from_secs(2))
        .backoff(Backoff {
            min: Duration::from_millis(200),
            max: Duration::from_millis(500),
            jitter: 0.25,
        });
    let client = Client::connect(&remote, config).await.unwrap();
    watchdog("sigstopped_server", Duration::from_secs(40), async {
        let mut state = client.state();
        let first = match &*state.borrow() {
            ConnectionState::Connected { session, .. } => *session,
            other => panic!("{other:?}"),
        };
        blocking(|| server.pause().unwrap());
        let paused = Instant::now();
        state.wait_for(|s| !s.is_connected()).await.unwrap();
        let detected = paused.elapsed();
        println!("SIGSTOP detected after {detected:?} (probe interval {probe:?})");
        assert!(detected <= 2 * probe + Duration::from_millis(300), "{detected:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
        blocking(|| server.resume().unwrap());
        let resumed = Instant::now();
        state
            .wait_for(|s| matches!(s, ConnectionState::Connected { session, .. } if *session > first))
            .await
            .unwrap();
        println!("reconnected {:?} after SIGCONT", resumed.elapsed());
        client.transact(NB, insert_ls("after-stop")).await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backs_off_while_the_server_is_down_without_leaks() {
    let mut server = blocking(|| OvsdbServer::builder(nb_schema()).tcp().start().unwrap());
    let remote = server.tcp_remote().unwrap();
    watchdog("backoff", Duration::from_secs(60), async {
        let port = server.tcp_port().unwrap();
        let tasks_before = alive_tasks();
        let backoff = Backoff {
            min: Duration::from_millis(100),
            max: Duration::from_millis(400),
            jitter: 0.25,
        };
        let client = Client::connect(&remote, ClientConfig::default().backoff(backoff))
            .await
            .unwrap();
        let mut state = client.state();
        blocking(|| server.kill().unwrap());
        let mut delays = Vec::new();
        let mut sockets_peak = 0;
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(4) {
            state.changed().await.unwrap();
            if let ConnectionState::Backoff {
                delay, last_error, ..
            } = &*state.borrow()
            {
                // The first round may end on the killed session itself.
                assert!(
                    matches!(**last_error, Error::Connect { .. })
                        || (delays.is_empty() && matches!(**last_error, Error::PeerClosed)),
                    "{last_error}"
                );
                delays.push(*delay);
            }
            sockets_peak = sockets_peak.max(sockets_to(port));
        }
        println!("backoff delays: {delays:?}; sockets to the server at most {sockets_peak}");
        assert!(delays.len() >= 8, "{delays:?}");
        // 100, 200, 400, 400... each shortened by at most 25 %.
        let caps = [100u64, 200, 400, 400, 400, 400, 400, 400];
        for (d, cap) in delays.iter().zip(caps) {
            let cap = Duration::from_millis(cap);
            assert!(
                *d <= cap && *d >= cap.mul_f64(0.75),
                "{d:?} vs {cap:?} in {delays:?}"
            );
        }
        assert!(sockets_peak <= 1, "{sockets_peak} sockets to the dead server");
        assert!(
            alive_tasks() <= tasks_before + 3,
            "tasks {tasks_before} -> {}",
            alive_tasks()
        );
        // It never gives up: back as soon as the server is.
        blocking(|| server.restart().unwrap());
        state.wait_for(ConnectionState::is_connected).await.unwrap();
        client.transact(NB, insert_ls("back")).await.unwrap();
        drop(state);
        drop(client);
        let deadline = Instant::now() + Duration::from_secs(5);
        while alive_tasks() > tasks_before && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(alive_tasks(), tasks_before, "tasks left after drop");
        assert_eq!(sockets_to(port), 0, "sockets left after drop");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_transaction_cut_by_kill_is_outcome_unknown_and_not_replayed() {
    let mut server = blocking(|| OvsdbServer::builder(nb_schema()).tcp().start().unwrap());
    let remote = server.tcp_remote().unwrap();
    watchdog("client_outcome_unknown", Duration::from_secs(60), async {
        let config = ClientConfig::default().backoff(Backoff {
            min: Duration::from_millis(100),
            max: Duration::from_millis(200),
            jitter: 0.0,
        });
        let client = Client::connect(&remote, config).await.unwrap();
        let mut ops = insert_ls("inflight");
        ops.push(Operation::from(
            Wait::new(
                "NB_Global",
                [],
                Some(vec!["nb_cfg".into()]),
                WaitUntil::Equal,
                [Row::new().with("nb_cfg", Datum::scalar(Atom::from(424242)))],
            )
            .timeout(10_000),
        ));
        let c = client.clone();
        let txn = tokio::spawn(async move { c.transact(NB, ops).await });
        tokio::time::sleep(Duration::from_millis(300)).await;
        blocking(|| server.kill().unwrap());
        let e = txn.await.unwrap().unwrap_err();
        assert!(
            matches!(&e, Error::OutcomeUnknown { method } if method == "transact"),
            "{e}"
        );
        blocking(|| server.restart().unwrap());
        client
            .state()
            .wait_for(ConnectionState::is_connected)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        // Not replayed on the new session.
        assert_eq!(switch_names(&client).await.get("inflight"), None);
        let _ = Condition::eq("name", Datum::scalar(Atom::from("x")));
    })
    .await;
}

/// The server drops every client every 100 ms for 20 s while 16 tasks transact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disconnect_storm_no_deadlock_no_leak() {
    let server = Arc::new(blocking(|| {
        OvsdbServer::builder(nb_schema()).tcp().start().unwrap()
    }));
    let remote = server.tcp_remote().unwrap();
    watchdog("disconnect_storm", Duration::from_secs(90), async {
        let port = server.tcp_port().unwrap();
        let tasks_before = alive_tasks();
        let config = ClientConfig::default()
            .inactivity_probe(Some(Duration::from_millis(300)))
            .request_timeout(Duration::from_secs(5))
            .backoff(Backoff {
                min: Duration::from_millis(20),
                max: Duration::from_millis(100),
                jitter: 0.5,
            });
        let client = Client::connect(&remote, config).await.unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let storm = {
            let (server, stop) = (server.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut n = 0;
                let start = Instant::now();
                while start.elapsed() < Duration::from_secs(20) {
                    server.appctl(&["ovsdb-server/reconnect"]).unwrap();
                    n += 1;
                    std::thread::sleep(Duration::from_millis(100));
                }
                stop.store(true, Ordering::SeqCst);
                n
            })
        };
        let ok = Arc::new(std::sync::Mutex::new(Vec::new()));
        let unknown = Arc::new(AtomicUsize::new(0));
        let other = Arc::new(AtomicUsize::new(0));
        let mut workers = Vec::new();
        for w in 0..16 {
            let (client, stop, ok, unknown, other) = (
                client.clone(),
                stop.clone(),
                ok.clone(),
                unknown.clone(),
                other.clone(),
            );
            workers.push(tokio::spawn(async move {
                let mut i = 0;
                while !stop.load(Ordering::SeqCst) {
                    // Paced, so the storm does not starve tests running beside it.
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    let name = format!("w{w}-{i}");
                    i += 1;
                    match client.transact(NB, insert_ls(&name)).await {
                        Ok(_) => ok.lock().unwrap().push(name),
                        Err(e) if e.is_outcome_unknown() => {
                            unknown.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) => {
                            assert!(e.is_retryable() || matches!(e, Error::Timeout { .. }), "{e}");
                            other.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }));
        }
        for w in workers {
            w.await.expect("a worker panicked");
        }
        let reconnects = blocking(|| storm.join().unwrap());
        let ok = ok.lock().unwrap().clone();
        println!(
            "storm: {reconnects} server-side reconnects, {} committed, {} outcome unknown, {} other errors",
            ok.len(),
            unknown.load(Ordering::Relaxed),
            other.load(Ordering::Relaxed)
        );
        assert!(ok.len() > 500, "too few commits: {}", ok.len());
        // Every acknowledged write is there exactly once; nothing was written twice.
        let names = switch_names(&client).await;
        for n in &ok {
            assert_eq!(names.get(n), Some(&1), "{n}");
        }
        assert!(names.values().all(|&c| c == 1));
        assert!(names.len() <= ok.len() + unknown.load(Ordering::Relaxed));
        drop(client);
        let deadline = Instant::now() + Duration::from_secs(5);
        while alive_tasks() > tasks_before && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(alive_tasks(), tasks_before, "tasks left after the storm");
        assert_eq!(sockets_to(port), 0, "sockets left after the storm");
    })
    .await;
}
