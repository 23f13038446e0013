//! Replays the byte-exact wire captures of real sessions (testdata/wire, recorded from OVS 3.1 and
//! OVN 23.03) through the frame splitter, chunk by chunk as the sockets delivered them, and decodes
//! every message.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use bytes::BytesMut;
use ovsdb_proto::jsonrpc::{FrameSplitter, Id, Message};

fn wire_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/wire")
}

/// Every message of one capture, per (connection, direction), in wire order.
fn replay(name: &str) -> BTreeMap<(u64, String), Vec<Message>> {
    let text = std::fs::read_to_string(wire_dir().join(name)).unwrap();
    let mut streams: BTreeMap<(u64, String), (FrameSplitter, BytesMut, Vec<Message>)> = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let rec: serde_json::Value = serde_json::from_str(line).unwrap();
        let key = (rec["conn"].as_u64().unwrap(), rec["dir"].as_str().unwrap().to_owned());
        let (splitter, buf, out) = streams.entry(key).or_insert_with(|| (FrameSplitter::new(), BytesMut::new(), vec![]));
        buf.extend_from_slice(rec["raw"].as_str().unwrap().as_bytes());
        while let Some(frame) = splitter.next_frame(buf).unwrap_or_else(|e| panic!("{name}:{}: {e}", n + 1)) {
            out.push(Message::from_slice(&frame).unwrap_or_else(|e| panic!("{name}:{}: {e}", n + 1)));
        }
    }
    streams
        .into_iter()
        .map(|(k, (mut splitter, mut buf, out))| {
            assert_eq!(splitter.next_frame_at_eof(&mut buf).unwrap(), None, "{name} {k:?}: trailing bytes");
            (k, out)
        })
        .collect()
}

fn methods(msgs: &[Message]) -> Vec<&str> {
    msgs.iter().filter_map(Message::method).collect()
}

/// Every request from the client got exactly one response with its id, and vice versa.
fn assert_paired(name: &str, streams: &BTreeMap<(u64, String), Vec<Message>>) {
    let conns: std::collections::BTreeSet<u64> = streams.keys().map(|k| k.0).collect();
    for conn in conns {
        let empty = vec![];
        let c2s = streams.get(&(conn, "c2s".into())).unwrap_or(&empty);
        let s2c = streams.get(&(conn, "s2c".into())).unwrap_or(&empty);
        let mut pending: HashMap<Id, &str> = HashMap::new();
        for m in c2s {
            if let Message::Request { id, method, .. } = m {
                assert!(pending.insert(id.clone(), method).is_none(), "{name}: duplicate id {id:?}");
            }
        }
        for m in s2c {
            if let Message::Response { id, .. } = m {
                assert!(pending.remove(id).is_some(), "{name}: response to unknown id {id:?}");
            }
        }
        // A monitor session is cut while the client waits for nothing; no request may be unanswered.
        assert!(pending.is_empty(), "{name} conn {conn}: unanswered {pending:?}");
    }
}

#[test]
fn ovsdb_client_basic() {
    let s = replay("ovsdb-client-basic.jsonl");
    assert_paired("basic", &s);
    let all_c2s: Vec<&str> =
        s.iter().filter(|(k, _)| k.1 == "c2s").flat_map(|(_, v)| methods(v)).collect();
    assert!(all_c2s.contains(&"list_dbs") && all_c2s.contains(&"get_schema") && all_c2s.contains(&"transact"));
    // The transact that used an unknown database failed with an RPC-level error.
    let errors: Vec<&serde_json::Value> = s
        .iter()
        .filter(|(k, _)| k.1 == "s2c")
        .flat_map(|(_, v)| v)
        .filter_map(|m| match m {
            Message::Response { error, .. } if !error.is_null() => Some(error),
            _ => None,
        })
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let kind: ovsdb_proto::OvsdbError = serde_json::from_value(errors[0].clone()).unwrap();
    assert_eq!(kind.error, ovsdb_proto::ErrorKind::UnknownDatabase);
}

#[test]
fn monitor_sessions_deliver_notifications_in_order() {
    for (name, method) in [("ovsdb-client-monitor.jsonl", "update"), ("ovsdb-client-monitor-cond.jsonl", "update2")] {
        let s = replay(name);
        assert_paired(name, &s);
        let notes: Vec<&Message> = s
            .iter()
            .filter(|(k, _)| k.1 == "s2c")
            .flat_map(|(_, v)| v)
            .filter(|m| matches!(m, Message::Notification { .. }))
            .collect();
        // ls-add, lsp-add (+ external_ids), set external_ids, ls-del: four notifications.
        assert_eq!(notes.len(), 4, "{name}");
        assert!(notes.iter().all(|m| m.method() == Some(method)), "{name}");
    }
}

#[test]
fn c_idl_session() {
    let s = replay("ovn-nbctl-idl.jsonl");
    assert_paired("idl", &s);
    let c2s: Vec<&str> = s.iter().filter(|(k, _)| k.1 == "c2s").flat_map(|(_, v)| methods(v)).collect();
    assert!(c2s.contains(&"monitor_cond_since"), "{c2s:?}");
    let s2c: Vec<&str> = s.iter().filter(|(k, _)| k.1 == "s2c").flat_map(|(_, v)| methods(v)).collect();
    assert!(s2c.iter().all(|m| *m == "update3"), "{s2c:?}");
    assert!(!s2c.is_empty());
}
