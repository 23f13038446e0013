//! Stale servers, with scripted servers that report chosen `_Server` rows (a real cluster
//! cannot be made to serve an old index on demand).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::BytesMut;
use ovsdb_client::{Backoff, Client, ClientConfig, ConnectionState, Error};
use ovsdb_proto::jsonrpc::{FrameSplitter, Message, decode_frame};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixListener;

use crate::common::watchdog;

/// A server that answers the client's session setup with one clustered `NB` database at
/// `index`, plus `list_dbs` and `echo`. Counts connections.
/// Sending `true` on the returned watch closes the listener and every connection.
fn scripted(path: &Path, index: i64) -> (tokio::sync::watch::Sender<bool>, Arc<AtomicUsize>) {
    let listener = UnixListener::bind(path).unwrap();
    let conns = Arc::new(AtomicUsize::new(0));
    let count = conns.clone();
    let (kill, killed) = tokio::sync::watch::channel(false);
    let mut k = killed.clone();
    tokio::spawn(async move {
        loop {
            let (mut s, _) = tokio::select! {
                a = listener.accept() => match a { Ok(a) => a, Err(_) => return },
                _ = k.wait_for(|d| *d) => return,
            };
            count.fetch_add(1, Ordering::SeqCst);
            let mut k = killed.clone();
            tokio::spawn(async move {
                let mut buf = BytesMut::new();
                let mut split = FrameSplitter::new();
                loop {
                    while let Some(f) = split.next_frame(&mut buf).unwrap() {
                        let Message::Request { method, params, id } = decode_frame(&f).unwrap() else {
                            continue;
                        };
                        let result = match method.as_str() {
                            "set_db_change_aware" => json!({}),
                            "monitor" => {
                                json!({"Database": {"00000000-0000-0000-0000-000000000001": {"new": {
                                "name": "NB", "model": "clustered", "connected": true, "leader": true,
                                "index": index, "cid": ["uuid", "00000000-0000-0000-0000-0000000000cc"]}}}})
                            }
                            "list_dbs" => json!(["NB", "_Server"]),
                            _ => params,
                        };
                        let reply: Value = Message::response_ok(id, result).to_value();
                        if s.write_all(reply.to_string().as_bytes()).await.is_err() {
                            return;
                        }
                    }
                    tokio::select! {
                        r = s.read_buf(&mut buf) => match r {
                            Ok(0) | Err(_) => return,
                            Ok(_) => {}
                        },
                        _ = k.wait_for(|d| *d) => return,
                    }
                }
            });
        }
    });
    (kill, conns)
}

fn config() -> ClientConfig {
    ClientConfig::default()
        .database("NB")
        .shuffle(false)
        .request_timeout(Duration::from_millis(1500))
        .backoff(Backoff {
            min: Duration::from_millis(50),
            max: Duration::from_millis(100),
            jitter: 0.0,
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_older_than_one_seen_is_refused() {
    watchdog("stale_server", Duration::from_secs(30), async {
        let dir = tempfile::tempdir().unwrap();
        let (a, b): (PathBuf, PathBuf) = (dir.path().join("a.sock"), dir.path().join("b.sock"));
        let (a_kill, _) = scripted(&a, 10);
        let (_b_task, b_conns) = scripted(&b, 5);
        let remotes = format!("unix:{},unix:{}", a.display(), b.display());
        let client = Client::connect(&remotes, config()).await.unwrap();
        assert_eq!(
            client.current_endpoint().unwrap().to_string(),
            format!("unix:{}", a.display())
        );
        assert_eq!(client.list_dbs().await.unwrap().len(), 2);
        // A goes away; B is at index 5 < 10: refused, again and again.
        let mut state = client.state();
        a_kill.send_replace(true);
        std::fs::remove_file(&a).unwrap();
        let stale = tokio::time::timeout(
            Duration::from_secs(5),
            state.wait_for(|s| {
                matches!(s, ConnectionState::Backoff { last_error, .. }
                    if matches!(**last_error, Error::StaleServer { index: 5, min_index: 10, .. })
                        || matches!(**last_error, Error::Connect { .. }))
            }),
        )
        .await
        .map(|r| r.is_ok()); // do not keep the watch's read guard
        assert_eq!(stale, Ok(true), "no backoff after A left");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(b_conns.load(Ordering::SeqCst) >= 2, "B was not tried");
        assert!(
            client.current_endpoint().is_none(),
            "connected to the stale server"
        );
        let e = client.list_dbs().await.unwrap_err();
        assert!(matches!(e, Error::Timeout { sent: false, .. }), "{e}");
        // A fresh client has seen nothing, so B is fine for it.
        let fresh = Client::connect(&format!("unix:{}", b.display()), config())
            .await
            .unwrap();
        assert_eq!(fresh.list_dbs().await.unwrap().len(), 2);
    })
    .await;
}
