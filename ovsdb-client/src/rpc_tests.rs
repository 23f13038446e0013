//! The connection against a scripted peer over an in-memory pipe.

use std::time::Duration;

use bytes::BytesMut;
use ovsdb_proto::jsonrpc::FrameSplitter;
use ovsdb_proto::method::{Echo, ListDbs, Transact};
use ovsdb_proto::op::Operation;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

use super::*;

/// The server side of the pipe, driven by the test.
struct Peer {
    io: DuplexStream,
    splitter: FrameSplitter,
    buf: BytesMut,
}

impl Peer {
    async fn recv(&mut self) -> Value {
        loop {
            if let Some(f) = self.splitter.next_frame(&mut self.buf).unwrap() {
                return serde_json::from_slice(&f).unwrap();
            }
            let n = self.io.read_buf(&mut self.buf).await.unwrap();
            assert!(n > 0, "client closed the pipe");
        }
    }

    /// Whether the client closed its side (EOF after any buffered frames).
    async fn at_eof(&mut self) -> bool {
        if self.splitter.next_frame(&mut self.buf).unwrap().is_some() {
            return false;
        }
        matches!(self.io.read_buf(&mut self.buf).await, Ok(0))
    }

    async fn send(&mut self, v: Value) {
        self.io.write_all(v.to_string().as_bytes()).await.unwrap();
    }
}

fn setup(
    opts: RpcOptions,
) -> (
    RpcClient,
    Notifications,
    tokio::task::JoinHandle<Result<(), Error>>,
    Peer,
) {
    let (a, b) = tokio::io::duplex(64 * 1024);
    let (client, notes, conn) = connect(a, &opts);
    let task = tokio::spawn(conn);
    let peer = Peer {
        io: b,
        splitter: FrameSplitter::new(),
        buf: BytesMut::new(),
    };
    (client, notes, task, peer)
}

fn transact() -> Transact {
    Transact::new("DB", vec![Operation::comment("x")])
}

async fn watchdog<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(20), f)
        .await
        .expect("test hung")
}

#[tokio::test]
async fn answers_server_echo_while_idle_and_unread() {
    watchdog(async {
        let (_client, _notes, _task, mut peer) = setup(RpcOptions::default());
        // Notifications nobody reads must not block the echo reply.
        for i in 0..100 {
            peer.send(json!({"id": null, "method": "update2", "params": [i, {}]}))
                .await;
        }
        peer.send(json!({"id": "echo", "method": "echo", "params": [1, "x"]}))
            .await;
        assert_eq!(
            peer.recv().await,
            json!({"id": "echo", "result": [1, "x"], "error": null})
        );
        // An unknown method from the server gets an error reply, and the connection stays up.
        peer.send(json!({"id": 5, "method": "frobnicate", "params": []}))
            .await;
        assert_eq!(
            peer.recv().await,
            json!({"id": 5, "result": null, "error": "unknown method"})
        );
    })
    .await;
}

#[tokio::test]
async fn multiplexes_replies_out_of_order() {
    watchdog(async {
        let (client, _notes, _task, mut peer) = setup(RpcOptions::default());
        let c1 = client.clone();
        let c2 = client.clone();
        let a = tokio::spawn(async move { c1.call(&Echo(vec![json!("a")])).await });
        let b = tokio::spawn(async move { c2.call(&ListDbs).await });
        let r1 = peer.recv().await;
        let r2 = peer.recv().await;
        assert_ne!(r1["id"], r2["id"]);
        // Answer in reverse order of arrival.
        for r in [&r2, &r1] {
            let result = if r["method"] == "echo" {
                r["params"].clone()
            } else {
                json!(["X", "Y"])
            };
            peer.send(json!({"id": r["id"], "result": result, "error": null}))
                .await;
        }
        assert_eq!(a.await.unwrap().unwrap(), vec![json!("a")]);
        assert_eq!(b.await.unwrap().unwrap(), vec!["X".to_owned(), "Y".to_owned()]);
    })
    .await;
}

#[tokio::test]
async fn notifications_in_wire_order_with_reply_positions() {
    watchdog(async {
        let (client, mut notes, _task, mut peer) = setup(RpcOptions::default());
        let call = tokio::spawn(async move { client.request("list_dbs", json!([])).await });
        let req = peer.recv().await;
        for i in 0..50 {
            peer.send(json!({"id": null, "method": "update2", "params": [i, {}]}))
                .await;
        }
        peer.send(json!({"id": req["id"], "result": [], "error": null}))
            .await;
        peer.send(json!({"id": null, "method": "locked", "params": ["l"]}))
            .await;
        let reply = call.await.unwrap().unwrap();
        assert_eq!(reply.notifications_before, 50);
        for i in 0..50u64 {
            let n = notes.recv().await.unwrap();
            assert_eq!(
                (n.seq, &n.method, &n.params[0]),
                (i, &"update2".to_owned(), &json!(i))
            );
        }
        let n = notes.recv().await.unwrap();
        assert_eq!(n.seq, 50);
        assert_eq!(
            n.decode().unwrap(),
            ovsdb_proto::notify::Notification::Locked { lock: "l".into() }
        );
    })
    .await;
}

#[tokio::test]
async fn server_error_reply() {
    watchdog(async {
        let (client, _notes, _task, mut peer) = setup(RpcOptions::default());
        let call = tokio::spawn(async move { client.call(&ListDbs).await });
        let req = peer.recv().await;
        peer.send(json!({"id": req["id"], "error": "unknown method"}))
            .await;
        match call.await.unwrap() {
            Err(Error::Rpc { method, error }) => {
                assert_eq!(method, "list_dbs");
                assert_eq!(error.error, ErrorKind::UnknownMethod);
            }
            other => panic!("{other:?}"),
        }
    })
    .await;
}

#[tokio::test]
async fn bad_result_is_a_decode_error_with_path() {
    watchdog(async {
        let (client, _notes, _task, mut peer) = setup(RpcOptions::default());
        let call = tokio::spawn(async move { client.call(&ListDbs).await });
        let req = peer.recv().await;
        peer.send(json!({"id": req["id"], "result": ["a", 7], "error": null}))
            .await;
        match call.await.unwrap() {
            Err(Error::Decode { method, source }) => {
                assert_eq!(method, "list_dbs");
                assert_eq!(source.path, "[1]");
            }
            other => panic!("{other:?}"),
        }
    })
    .await;
}

#[tokio::test]
async fn bounds_requests_in_flight() {
    watchdog(async {
        let opts = RpcOptions::default()
            .max_in_flight(2)
            .request_timeout(Duration::from_millis(300));
        let (client, _notes, _task, mut peer) = setup(opts);
        let calls: Vec<_> = (0..3)
            .map(|i| {
                let c = client.clone();
                tokio::spawn(async move { c.call(&Echo(vec![json!(i)])).await })
            })
            .collect();
        let a = peer.recv().await;
        let b = peer.recv().await;
        // The third is not sent while two wait.
        let third = tokio::time::timeout(Duration::from_millis(100), peer.recv()).await;
        assert!(third.is_err(), "a third request was sent: {third:?}");
        peer.send(json!({"id": a["id"], "result": a["params"], "error": null}))
            .await;
        let c = peer.recv().await;
        peer.send(json!({"id": b["id"], "result": b["params"], "error": null}))
            .await;
        peer.send(json!({"id": c["id"], "result": c["params"], "error": null}))
            .await;
        for (i, call) in calls.into_iter().enumerate() {
            assert_eq!(call.await.unwrap().unwrap(), vec![json!(i)]);
        }
        // With both slots held and nobody answering, a caller times out before sending.
        let c1 = client.clone();
        let c2 = client.clone();
        let _x = tokio::spawn(async move { c1.call(&ListDbs).await });
        let _y = tokio::spawn(async move { c2.call(&ListDbs).await });
        peer.recv().await;
        peer.recv().await;
        match client
            .with_timeout(Duration::from_millis(50))
            .call(&ListDbs)
            .await
        {
            Err(Error::Timeout { sent: false, .. }) => {}
            other => panic!("{other:?}"),
        }
    })
    .await;
}

#[tokio::test]
async fn timeout_of_sent_transact_is_outcome_unknown_and_cancels() {
    watchdog(async {
        let opts = RpcOptions::default().request_timeout(Duration::from_millis(200));
        let (client, _notes, _task, mut peer) = setup(opts);
        let c = client.clone();
        let call = tokio::spawn(async move { c.call(&transact()).await });
        let req = peer.recv().await;
        assert_eq!(req["method"], "transact");
        let err = call.await.unwrap().unwrap_err();
        assert!(matches!(err, Error::Timeout { sent: true, .. }), "{err:?}");
        assert!(err.is_outcome_unknown());
        assert!(!err.is_retryable());
        let cancel = peer.recv().await;
        assert_eq!(
            cancel,
            json!({"id": null, "method": "cancel", "params": [req["id"]]})
        );
        // The late reply is ignored and the connection still works.
        peer.send(json!({"id": req["id"], "error": {"error": "canceled"}}))
            .await;
        let c = client.clone();
        let call = tokio::spawn(async move { c.call(&ListDbs).await });
        let req = peer.recv().await;
        peer.send(json!({"id": req["id"], "result": ["A"], "error": null}))
            .await;
        assert_eq!(call.await.unwrap().unwrap(), vec!["A".to_owned()]);
    })
    .await;
}

#[tokio::test]
async fn disconnect_fails_pending_requests_distinctly() {
    watchdog(async {
        let (client, mut notes, task, mut peer) = setup(RpcOptions::default());
        let c = client.clone();
        let txn = tokio::spawn(async move { c.call(&transact()).await });
        let c = client.clone();
        let read = tokio::spawn(async move { c.call(&ListDbs).await });
        peer.recv().await;
        peer.recv().await;
        drop(peer);
        let e = txn.await.unwrap().unwrap_err();
        assert!(
            matches!(&e, Error::OutcomeUnknown { method } if method == "transact"),
            "{e:?}"
        );
        assert!(e.is_outcome_unknown());
        let e = read.await.unwrap().unwrap_err();
        assert!(
            matches!(&e, Error::Disconnected { method } if method == "list_dbs"),
            "{e:?}"
        );
        assert!(matches!(task.await.unwrap(), Err(Error::PeerClosed)));
        assert!(client.is_closed());
        assert!(notes.recv().await.is_none());
        // Later calls fail at once, as not sent.
        let e = client.call(&transact()).await.unwrap_err();
        assert!(matches!(e, Error::Disconnected { .. }), "{e:?}");
        assert!(e.is_retryable());
    })
    .await;
}

#[tokio::test]
async fn dropping_the_connection_future_fails_pending() {
    watchdog(async {
        let (a, b) = tokio::io::duplex(1024);
        let (client, _notes, conn) = connect(a, &RpcOptions::default());
        let task = tokio::spawn(conn);
        let mut peer = Peer {
            io: b,
            splitter: FrameSplitter::new(),
            buf: BytesMut::new(),
        };
        let c = client.clone();
        let txn = tokio::spawn(async move { c.call(&transact()).await });
        peer.recv().await;
        task.abort();
        let e = txn.await.unwrap().unwrap_err();
        assert!(matches!(e, Error::OutcomeUnknown { .. }), "{e:?}");
    })
    .await;
}

#[tokio::test]
async fn framing_error_closes_the_connection() {
    watchdog(async {
        let (client, _notes, task, mut peer) = setup(RpcOptions::default().max_frame_len(100));
        let c = client.clone();
        let read = tokio::spawn(async move { c.call(&ListDbs).await });
        peer.recv().await;
        peer.send(json!({"id": null, "method": "update2", "params": ["x".repeat(200)]}))
            .await;
        assert!(matches!(task.await.unwrap(), Err(Error::Framing(_))));
        assert!(matches!(read.await.unwrap(), Err(Error::Disconnected { .. })));

        let (_client, _notes, task, mut peer) = setup(RpcOptions::default());
        peer.io.write_all(b"[1,2]").await.unwrap();
        let e = task.await.unwrap().unwrap_err();
        assert!(matches!(e, Error::Message(_)), "{e:?}");
    })
    .await;
}

#[tokio::test]
async fn dropping_every_client_closes_cleanly() {
    watchdog(async {
        let (client, _notes, task, mut peer) = setup(RpcOptions::default());
        let c2 = client.clone();
        drop(client);
        assert!(!c2.is_closed());
        drop(c2);
        assert!(task.await.unwrap().is_ok());
        assert!(peer.at_eof().await);
    })
    .await;
}

#[tokio::test]
async fn a_call_dropped_before_it_is_written_is_never_written() {
    watchdog(async {
        let (client, _notes, _task, mut peer) = setup(RpcOptions::default());
        // Poll once (queued, not yet written: the connection task has not run) and drop.
        {
            use futures::FutureExt;
            assert!(
                client
                    .call(&Echo(vec![json!("dropped")]))
                    .now_or_never()
                    .is_none()
            );
        }
        let c = client.clone();
        let call = tokio::spawn(async move { c.call(&Echo(vec![json!("kept")])).await });
        let req = peer.recv().await;
        assert_eq!(req["params"], json!(["kept"]));
        peer.send(json!({"id": req["id"], "result": ["kept"], "error": null}))
            .await;
        assert_eq!(call.await.unwrap().unwrap(), vec![json!("kept")]);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn inactivity_probe_detects_a_silent_server() {
    let interval = Duration::from_secs(5);
    let (_client, _notes, task, mut peer) = setup(RpcOptions::default().inactivity_probe(Some(interval)));
    let start = Instant::now();
    let probe = peer.recv().await;
    assert_eq!(probe, json!({"id": "echo", "method": "echo", "params": []}));
    let sent_after = start.elapsed();
    assert!(sent_after >= interval && sent_after < interval + Duration::from_millis(50));
    // Any traffic counts as an answer: the next probe waits another full interval.
    peer.send(json!({"id": "echo", "result": [], "error": null}))
        .await;
    let answered = Instant::now();
    let probe = peer.recv().await;
    assert_eq!(probe["method"], "echo");
    assert!(answered.elapsed() >= interval);
    // Silence now: the connection gives up one more interval after the probe.
    let probed = Instant::now();
    match task.await.unwrap() {
        Err(Error::ProbeTimeout { idle }) => assert_eq!(idle, 2 * interval),
        other => panic!("{other:?}"),
    }
    assert!(probed.elapsed() >= interval && probed.elapsed() < interval + Duration::from_millis(50));
}

#[tokio::test]
async fn a_large_raw_result_is_handed_over_as_text_and_others_decode_as_before() {
    watchdog(async {
        let (client, _notes, _task, mut peer) = setup(RpcOptions::default());
        let big: Vec<String> = (0..20_000).map(|i| format!("row-{i}")).collect();
        let raw = {
            let c = client.clone();
            tokio::spawn(async move { c.request_raw("monitor_cond_since", json!(["DB"])).await })
        };
        let plain = {
            let c = client.clone();
            tokio::spawn(async move { c.request("get_schema", json!(["DB"])).await })
        };
        let small_raw = {
            let c = client.clone();
            tokio::spawn(async move { c.request_raw("monitor_cond", json!(["DB"])).await })
        };
        let mut ids = std::collections::HashMap::new();
        for _ in 0..3 {
            let req = peer.recv().await;
            ids.insert(req["method"].as_str().unwrap().to_owned(), req["id"].clone());
        }
        // A large reply to a plain request, one to the raw request (result before id, as
        // member order is free) and a small one to the other raw request.
        peer.send(json!({"id": ids["get_schema"], "error": null, "result": big})).await;
        peer.send(json!({"result": [true, "x", big], "error": null, "id": ids["monitor_cond_since"]}))
            .await;
        peer.send(json!({"id": ids["monitor_cond"], "result": {"T": {}}, "error": null})).await;
        let plain = plain.await.unwrap().unwrap();
        assert_eq!(plain.result, json!(big));
        let raw = raw.await.unwrap().unwrap();
        assert!(raw.result.len() > RAW_SCAN_MIN);
        let back: Value = serde_json::from_slice(&raw.result).unwrap();
        assert_eq!(back, json!([true, "x", big]));
        let small = small_raw.await.unwrap().unwrap();
        assert_eq!(serde_json::from_slice::<Value>(&small.result).unwrap(), json!({"T": {}}));
        // An error reply to a raw request is an error as for any request.
        let failing = {
            let c = client.clone();
            tokio::spawn(async move { c.request_raw("monitor_cond_since", json!(["DB"])).await })
        };
        let req = peer.recv().await;
        let filler = "x".repeat(RAW_SCAN_MIN);
        peer.send(json!({"id": req["id"], "result": null, "error": {"error": "unknown database", "details": filler}}))
            .await;
        assert!(matches!(failing.await.unwrap(), Err(Error::Rpc { .. })));
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_silent_server_building_a_large_result_is_probed_but_not_dropped() {
    let interval = Duration::from_secs(5);
    let (client, _notes, task, mut peer) = setup(RpcOptions::default().inactivity_probe(Some(interval)));
    let raw = {
        let c = client.with_timeout(Duration::from_secs(60));
        tokio::spawn(async move { c.request_raw("monitor_cond_since", json!(["DB"])).await })
    };
    let req = peer.recv().await;
    let start = Instant::now();
    // Four intervals of silence: an echo every interval, no disconnect.
    for _ in 0..4 {
        let probe = peer.recv().await;
        assert_eq!(probe["method"], "echo");
    }
    assert!(start.elapsed() >= 4 * interval);
    assert!(!task.is_finished());
    peer.send(json!({"id": req["id"], "result": {"T": {}}, "error": null}))
        .await;
    let reply = raw.await.unwrap().unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&reply.result).unwrap(),
        json!({"T": {}})
    );
    // Nothing outstanding any more: silence closes the connection within two intervals.
    let quiet = Instant::now();
    match task.await.unwrap() {
        Err(Error::ProbeTimeout { .. }) => {}
        other => panic!("{other:?}"),
    }
    assert!(quiet.elapsed() <= 2 * interval + Duration::from_millis(50));
}

/// Reads a streamed result to its end on a blocking thread: the pieces' sizes and the text.
async fn read_streamed(reply: StreamedReply) -> (Vec<usize>, Result<Vec<u8>, Error>) {
    tokio::task::spawn_blocking(move || {
        let mut reply = reply;
        let (mut sizes, mut text) = (Vec::new(), Vec::new());
        loop {
            match reply.next_piece() {
                Ok(Some(piece)) => {
                    sizes.push(piece.len());
                    text.extend_from_slice(&piece);
                }
                Ok(None) => return (sizes, Ok(text)),
                Err(e) => return (sizes, Err(e)),
            }
        }
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn a_streamed_result_comes_in_pieces_with_read_ahead_bounded_and_the_connection_carries_on() {
    watchdog(async {
        let (client, mut notes, _task, mut peer) = setup(RpcOptions::default().max_frame_len(usize::MAX));
        let call = {
            let c = client.clone();
            tokio::spawn(async move { c.request_streamed("monitor_cond_since", json!(["DB"])).await })
        };
        let req = peer.recv().await;
        // A result bigger than the read-ahead, laid out as ovsdb-server lays out replies,
        // with a notification right behind it.
        let rows: Vec<String> = (0..400_000).map(|i| format!("row \"{i}\" ]}}")).collect();
        let result = json!([false, "x", rows]).to_string();
        assert!(result.len() > STREAM_READ_AHEAD + STREAM_READ_AHEAD / 2);
        let text = format!(
            r#"{{"id":{},"result":{result},"error":null}}{{"id":null,"method":"update2","params":["m",{{}}]}}"#,
            req["id"]
        );
        let Peer { mut io, .. } = peer;
        let sender = tokio::spawn(async move {
            io.write_all(text.as_bytes()).await.unwrap();
            io
        });
        let reply = call.await.unwrap().unwrap();
        assert_eq!(reply.notifications_before, 0);
        // Nobody reads the result yet: the connection stops reading at the read-ahead, so the
        // rest of the text cannot be written into the 64 KiB pipe.
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!sender.is_finished(), "the connection read past its read-ahead");
        let (sizes, got) = read_streamed(reply).await;
        assert_eq!(String::from_utf8(got.unwrap()).unwrap(), result);
        assert!(sizes.len() > 10, "{} pieces", sizes.len());
        let mut io = sender.await.unwrap();
        // The notification behind the reply, then a plain request on the same connection.
        let note = notes.recv().await.unwrap();
        assert_eq!((note.method.as_str(), note.seq), ("update2", 0));
        let echo = {
            let c = client.clone();
            tokio::spawn(async move { c.request("echo", json!(["hi"])).await })
        };
        let mut peer = Peer {
            io: {
                let mut buf = BytesMut::new();
                let mut splitter = FrameSplitter::new();
                let req = loop {
                    if let Some(f) = splitter.next_frame(&mut buf).unwrap() {
                        break serde_json::from_slice::<Value>(&f).unwrap();
                    }
                    io.read_buf(&mut buf).await.unwrap();
                };
                assert_eq!(req["method"], "echo");
                io.write_all(json!({"id": req["id"], "result": ["hi"], "error": null}).to_string().as_bytes())
                    .await
                    .unwrap();
                io
            },
            splitter: FrameSplitter::new(),
            buf: BytesMut::new(),
        };
        assert_eq!(echo.await.unwrap().unwrap().result, json!(["hi"]));
        // A small result comes whole, as one piece.
        let small = {
            let c = client.clone();
            tokio::spawn(async move { c.request_streamed("monitor_cond", json!(["DB"])).await })
        };
        let req = peer.recv().await;
        peer.send(json!({"result": {"T": {}}, "id": req["id"], "error": null})).await;
        let (sizes, got) = read_streamed(small.await.unwrap().unwrap()).await;
        assert_eq!(sizes.len(), 1);
        assert_eq!(serde_json::from_slice::<Value>(&got.unwrap()).unwrap(), json!({"T": {}}));
    })
    .await;
}

#[tokio::test]
async fn a_streamed_result_fails_with_the_reply_error_or_the_lost_connection_and_an_abandoned_one_is_skipped()
{
    watchdog(async {
        let (client, _notes, task, mut peer) = setup(RpcOptions::default());
        let stream = |method: &'static str| {
            let c = client.clone();
            tokio::spawn(async move { c.request_streamed(method, json!(["DB"])).await })
        };
        // An error member after the result: the result's pieces, then the error.
        let call = stream("monitor_cond");
        let req = peer.recv().await;
        peer.io
            .write_all(
                format!(
                    r#"{{"id":{},"result":{{"T":{{}}}},"error":{{"error":"bad"}}}}"#,
                    req["id"]
                )
                .as_bytes(),
            )
            .await
            .unwrap();
        let (_, got) = read_streamed(call.await.unwrap().unwrap()).await;
        match got {
            Err(Error::Rpc { error, method }) => {
                assert_eq!(method, "monitor_cond");
                assert_eq!(
                    error.to_string(),
                    OvsdbError::new(ErrorKind::from_wire("bad")).to_string()
                );
            }
            other => panic!("{other:?}"),
        }
        // The reader stops listening halfway: the rest is skipped, the connection carries on.
        let call = stream("monitor_cond");
        let req = peer.recv().await;
        peer.io
            .write_all(format!(r#"{{"id":{},"result":{{"T":["#, req["id"]).as_bytes())
            .await
            .unwrap();
        drop(call.await.unwrap().unwrap());
        let filler = format!("\"{}\",", "y".repeat(1000)).repeat(200);
        peer.io.write_all(filler.as_bytes()).await.unwrap();
        peer.io.write_all(b"1]}, \"error\": null}").await.unwrap();
        let echo = {
            let c = client.clone();
            tokio::spawn(async move { c.request("echo", json!([])).await })
        };
        let req = peer.recv().await;
        peer.send(json!({"id": req["id"], "result": [], "error": null}))
            .await;
        assert_eq!(echo.await.unwrap().unwrap().result, json!([]));
        // The connection is lost halfway: the reader gets the error.
        let call = stream("monitor_cond_since");
        let req = peer.recv().await;
        peer.io
            .write_all(format!(r#"{{"id":{},"result":[false,"x",{{"T":"#, req["id"]).as_bytes())
            .await
            .unwrap();
        let reply = call.await.unwrap().unwrap();
        drop(peer);
        let (_, got) = read_streamed(reply).await;
        assert!(matches!(got, Err(Error::Disconnected { .. })), "{got:?}");
        assert!(matches!(task.await.unwrap(), Err(Error::PeerClosed)));
    })
    .await;
}

#[tokio::test]
async fn a_streamed_result_longer_than_the_frame_limit_closes_the_connection() {
    watchdog(async {
        let (client, _notes, task, mut peer) = setup(RpcOptions::default().max_frame_len(1000));
        let call = {
            let c = client.clone();
            tokio::spawn(async move { c.request_streamed("monitor_cond", json!(["DB"])).await })
        };
        let req = peer.recv().await;
        let rows: Vec<String> = (0..200).map(|i| format!("row-{i}")).collect();
        peer.send(json!({"id": req["id"], "result": {"T": rows}, "error": null}))
            .await;
        let (_, got) = read_streamed(call.await.unwrap().unwrap()).await;
        assert!(matches!(got, Err(Error::Disconnected { .. })), "{got:?}");
        match task.await.unwrap() {
            Err(Error::Framing(ovsdb_proto::jsonrpc::FramingError::FrameTooLong { limit, offset })) => {
                assert_eq!((limit, offset), (1000, 0));
            }
            other => panic!("{other:?}"),
        }
    })
    .await;
}
