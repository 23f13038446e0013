//! The low layer's behaviour on real connections: the server's probe, a crash mid-transaction.

use std::time::{Duration, Instant};

use ovsdb_client::Error;
use ovsdb_proto::method::{ListDbs, Transact};
use ovsdb_proto::op::{Condition, Insert, Select, Wait, WaitUntil};
use ovsdb_proto::{Atom, Datum, NamedUuid, Operation, OperationResult, Row};
use ovsdb_testkit::{OvsdbServer, free_loopback_ports, raw_call};
use serde_json::json;
use tokio::io::AsyncReadExt;

use crate::common::{blocking, nb_schema, rpc_connect, watchdog};

/// A server whose TCP remote (from the Connection table) probes idle clients every second.
pub(crate) fn server_with_1s_probe() -> (OvsdbServer, String) {
    let server = OvsdbServer::builder(nb_schema())
        .arg("--remote=db:OVN_Northbound,NB_Global,connections")
        .start()
        .unwrap();
    let port = free_loopback_ports(1).unwrap()[0];
    let conn = NamedUuid::new("conn").unwrap();
    let reply = raw_call(
        &server.unix_remote(),
        &json!({"id": 1, "method": "transact", "params": ["OVN_Northbound",
            {"op": "insert", "table": "Connection", "uuid-name": "conn",
             "row": {"target": format!("ptcp:{port}:127.0.0.1"), "inactivity_probe": 1000}},
            {"op": "insert", "table": "NB_Global", "row": {"connections": ["named-uuid", conn.as_str()]}}]}),
    )
    .unwrap();
    assert!(
        reply["error"].is_null() && reply["result"][1]["uuid"].is_array(),
        "{reply}"
    );
    let remote = format!("tcp:127.0.0.1:{port}");
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "server never listened on {remote}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (server, remote)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_echo_answered_while_idle_for_3_probe_intervals() {
    let (server, remote) = blocking(server_with_1s_probe);
    watchdog("server_echo_answered", Duration::from_secs(30), async {
        // Control: a client that never answers is dropped by the server after about 2 s.
        let port: u16 = remote.rsplit(':').next().unwrap().parse().unwrap();
        let silent = tokio::spawn(async move {
            let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
            let start = Instant::now();
            let mut buf = vec![0u8; 4096];
            let mut echoes = 0;
            loop {
                match s.read(&mut buf).await {
                    Ok(0) | Err(_) => return (start.elapsed(), echoes),
                    Ok(n) => echoes += String::from_utf8_lossy(&buf[..n]).matches("\"echo\"").count(),
                }
            }
        });
        let (client, _notes) = rpc_connect(&remote).await;
        tokio::time::sleep(Duration::from_millis(3500)).await;
        assert_eq!(client.call(&ListDbs).await.unwrap().len(), 2);
        assert!(!client.is_closed());
        let (dropped_after, echoes) = silent.await.unwrap();
        assert!(echoes >= 1, "the server sent no probe");
        assert!(
            dropped_after < Duration::from_secs(4),
            "silent client kept for {dropped_after:?}"
        );
    })
    .await;
    let log = server.log_tail(200);
    assert_eq!(log.matches("no response to inactivity probe").count(), 1, "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_transaction_cut_by_server_kill_is_outcome_unknown() {
    let mut server = blocking(|| OvsdbServer::builder(nb_schema()).tcp().start().unwrap());
    let remote = server.tcp_remote().unwrap();
    watchdog("held_transaction_cut", Duration::from_secs(60), async {
        let (client, _notes) = rpc_connect(&remote).await;
        let held = Transact::new(
            "OVN_Northbound",
            vec![
                Operation::from(Insert::new(
                    "Logical_Switch",
                    Row::new().with("name", Datum::scalar(Atom::from("inflight"))),
                )),
                Operation::from(
                    Wait::new(
                        "NB_Global",
                        [],
                        Some(vec!["nb_cfg".into()]),
                        WaitUntil::Equal,
                        [Row::new().with("nb_cfg", Datum::scalar(Atom::from(424242)))],
                    )
                    .timeout(10_000),
                ),
            ],
        );
        let c = client.clone();
        let txn = tokio::spawn(async move { c.call(&held).await });
        tokio::time::sleep(Duration::from_millis(300)).await;
        let killed = Instant::now();
        blocking(|| server.kill().unwrap());
        let e = txn.await.unwrap().unwrap_err();
        assert!(
            matches!(&e, Error::OutcomeUnknown { method } if method == "transact"),
            "{e:?}"
        );
        assert!(e.is_outcome_unknown() && !e.is_retryable());
        assert!(killed.elapsed() < Duration::from_secs(3));
        // Here the server had not committed it (the wait never finished).
        blocking(|| server.restart().unwrap());
        let (client, _notes) = rpc_connect(&server.unix_remote()).await;
        let sel = Transact::new(
            "OVN_Northbound",
            vec![Operation::from(Select::new(
                "Logical_Switch",
                [Condition::eq("name", Datum::scalar(Atom::from("inflight")))],
            ))],
        );
        match &client.call(&sel).await.unwrap().into_result().unwrap()[0] {
            OperationResult::Select { rows } => assert!(rows.is_empty()),
            other => panic!("{other:?}"),
        }
    })
    .await;
}
