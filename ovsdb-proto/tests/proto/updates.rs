//! update2 diff semantics against real captures (testdata/updates, ovsdb-server 3.1.0), and the
//! monitor notifications of the wire captures (testdata/wire) decoded and re-encoded.

use std::path::PathBuf;

use bytes::BytesMut;
use ovsdb_proto::diff::{DiffError, DiffKind, apply_diff, apply_row_diff, diff, row_diff};
use ovsdb_proto::jsonrpc::{FrameSplitter, Message};
use ovsdb_proto::notify::{Notification, NotificationError};
use ovsdb_proto::update::{MonitorCondSinceReply, RowUpdate2, TableUpdates, TableUpdates2};
use ovsdb_proto::{DatabaseSchema, Datum, Row};
use serde_json::{Value, json};

fn testdata(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(rel)
}

fn nb_schema() -> DatabaseSchema {
    DatabaseSchema::from_json_str(&std::fs::read_to_string(testdata("schemas/ovn-nb.ovsschema")).unwrap())
        .unwrap()
}

fn diff_cases() -> Vec<Value> {
    let v: Value = serde_json::from_str(
        &std::fs::read_to_string(testdata("updates/update2-modify-diffs.json")).unwrap(),
    )
    .unwrap();
    v["cases"].as_array().unwrap().clone()
}

#[test]
fn recorded_diffs_turn_old_rows_into_new_rows() {
    let schema = nb_schema();
    let cases = diff_cases();
    assert!(cases.len() >= 25);
    let mut checked_columns = 0;
    for case in &cases {
        let name = case["description"].as_str().unwrap();
        let table = &schema.tables[case["table"].as_str().unwrap()];
        let old: Row = serde_json::from_value(case["old"].clone()).unwrap();
        let new: Row = serde_json::from_value(case["new"].clone()).unwrap();
        let updates: Vec<RowUpdate2> = serde_json::from_value(case["update2"].clone()).unwrap();
        if old == new {
            assert!(updates.is_empty(), "{name}: no change, no notification");
            assert!(row_diff(table, &old, &new).unwrap().is_empty());
            continue;
        }
        assert_eq!(updates.len(), 1, "{name}");
        let RowUpdate2::Modify(modify) = &updates[0] else {
            panic!("{name}: not a modify")
        };

        // Row level: the server's modify row applied to the old row gives the new row...
        let mut applied = old.clone();
        apply_row_diff(table, &mut applied, modify).unwrap();
        assert_eq!(applied, new, "{name}");
        // ...and our diff of old and new is exactly what the server sent.
        assert_eq!(&row_diff(table, &old, &new).unwrap(), modify, "{name}");

        // Column level, with the kind the schema gives.
        for (column, d) in modify.iter() {
            let kind = if column.starts_with('_') {
                DiffKind::Value
            } else {
                DiffKind::of(&table.columns[column].type_)
            };
            let (o, n) = (old.get(column).unwrap(), new.get(column).unwrap());
            assert_eq!(&apply_diff(o, d, kind).unwrap(), n, "{name}: {column}");
            assert_eq!(diff(o, n, kind).as_ref(), Some(d), "{name}: {column}");
            checked_columns += 1;
        }
    }
    assert!(checked_columns > 50);
}

#[test]
fn optional_columns_are_value_diffs_not_set_diffs() {
    // Recorded: ACL.severity (string, min 0, max 1) "info" -> "alert" sent "alert", and -> empty sent ["set", []].
    let schema = nb_schema();
    let ty = &schema.tables["ACL"].columns["severity"].type_;
    assert!(ty.is_optional());
    assert_eq!(DiffKind::of(ty), DiffKind::Value);
    let case = diff_cases()
        .into_iter()
        .find(|c| c["description"] == "optional string value -> empty")
        .unwrap();
    assert_eq!(case["update2"][0]["modify"]["severity"], json!(["set", []]));
    // A set reading of that diff would leave the old value in place.
    let old = Datum::scalar("alert");
    assert_eq!(apply_diff(&old, &Datum::empty_set(), DiffKind::Set).unwrap(), old);
    assert_eq!(
        apply_diff(&old, &Datum::empty_set(), DiffKind::Value).unwrap(),
        Datum::empty_set()
    );
    assert_eq!(
        DiffKind::of(&schema.tables["Logical_Switch"].columns["ports"].type_),
        DiffKind::Set
    );
    assert_eq!(
        DiffKind::of(&schema.tables["Logical_Switch"].columns["external_ids"].type_),
        DiffKind::Map
    );
}

#[test]
fn diff_errors() {
    let m = Datum::map([("a", "1")]);
    let s = Datum::set(["a", "b"]);
    assert!(matches!(
        apply_diff(&m, &s, DiffKind::Map),
        Err(DiffError::Shape { what: "diff", .. })
    ));
    assert!(matches!(
        apply_diff(&s, &m, DiffKind::Set),
        Err(DiffError::Shape { what: "diff", .. })
    ));
    assert!(matches!(
        apply_diff(&m, &s, DiffKind::Set),
        Err(DiffError::Shape {
            what: "old value",
            ..
        })
    ));
    assert!(matches!(
        apply_diff(&s, &s, DiffKind::Value),
        Err(DiffError::TooManyValues { found: 2 })
    ));
    // An empty map written as an empty set is accepted on either side.
    assert_eq!(apply_diff(&Datum::empty_set(), &m, DiffKind::Map).unwrap(), m);

    let schema = nb_schema();
    let table = &schema.tables["Logical_Switch"];
    let mut row = Row::new().with("name", Datum::scalar("sw0"));
    let before = row.clone();
    let bad = Row::new()
        .with("name", Datum::scalar("x"))
        .with("nope", Datum::scalar(1));
    assert!(matches!(
        apply_row_diff(table, &mut row, &bad),
        Err(DiffError::UnknownColumn { .. })
    ));
    let bad = Row::new()
        .with("name", Datum::scalar("x"))
        .with("external_ids", Datum::set(["k"]));
    let e = apply_row_diff(table, &mut row, &bad).unwrap_err();
    assert!(e.to_string().contains("external_ids"), "{e}");
    assert_eq!(row, before, "a failed row diff changes nothing");
}

/// Every message of a wire capture, in order, with its direction.
fn wire_messages(name: &str) -> Vec<(String, Message)> {
    let text = std::fs::read_to_string(testdata("wire").join(name)).unwrap();
    let mut streams: std::collections::BTreeMap<(u64, String), (FrameSplitter, BytesMut)> =
        Default::default();
    let mut out = Vec::new();
    for line in text.lines() {
        let rec: Value = serde_json::from_str(line).unwrap();
        let dir = rec["dir"].as_str().unwrap().to_owned();
        let (splitter, buf) = streams
            .entry((rec["conn"].as_u64().unwrap(), dir.clone()))
            .or_insert_with(|| (FrameSplitter::new(), BytesMut::new()));
        buf.extend_from_slice(rec["raw"].as_str().unwrap().as_bytes());
        while let Some(frame) = splitter.next_frame(buf).unwrap() {
            out.push((dir.clone(), Message::from_slice(&frame).unwrap()));
        }
    }
    out
}

#[test]
fn wire_notifications_decode_and_reencode() {
    let mut seen = std::collections::BTreeSet::new();
    for file in [
        "ovsdb-client-monitor.jsonl",
        "ovsdb-client-monitor-cond.jsonl",
        "ovn-nbctl-idl.jsonl",
    ] {
        for (dir, msg) in wire_messages(file) {
            if let Message::Notification { method, params } = &msg {
                assert_eq!(dir, "s2c");
                let n = Notification::from_message(&msg).unwrap_or_else(|e| panic!("{file}: {e}"));
                assert_eq!(n.method(), method);
                assert_eq!(&n.params(), params, "{file}: re-encoding is exact");
                assert_eq!(n.to_message(), msg);
                seen.insert(method.clone());
            }
        }
    }
    assert!(
        ["update", "update2", "update3"].iter().all(|m| seen.contains(*m)),
        "{seen:?}"
    );
}

#[test]
fn wire_monitor_replies_decode() {
    let mut kinds = std::collections::BTreeSet::new();
    for file in [
        "ovsdb-client-monitor.jsonl",
        "ovsdb-client-monitor-cond.jsonl",
        "ovn-nbctl-idl.jsonl",
    ] {
        let msgs = wire_messages(file);
        for (_, req) in &msgs {
            let Message::Request { method, id, .. } = req else {
                continue;
            };
            let Some((_, Message::Response { result, .. })) = msgs
                .iter()
                .find(|(_, m)| matches!(m, Message::Response { id: rid, .. } if rid == id))
            else {
                continue;
            };
            match method.as_str() {
                "monitor" => {
                    let u: TableUpdates = serde_json::from_value(result.clone()).unwrap();
                    assert_eq!(&serde_json::to_value(&u).unwrap(), result);
                    kinds.insert("monitor");
                }
                "monitor_cond" => {
                    let u: TableUpdates2 = serde_json::from_value(result.clone()).unwrap();
                    assert_eq!(&serde_json::to_value(&u).unwrap(), result);
                    kinds.insert("monitor_cond");
                }
                "monitor_cond_since" => {
                    let r: MonitorCondSinceReply = serde_json::from_value(result.clone()).unwrap();
                    assert!(!r.found);
                    assert_eq!(r.last_txn_id, None, "standalone servers send the zero uuid");
                    assert_eq!(&serde_json::to_value(&r).unwrap(), result);
                    kinds.insert("monitor_cond_since");
                }
                _ => {}
            }
        }
    }
    assert_eq!(kinds.len(), 3, "{kinds:?}");
}

#[test]
fn notification_errors_name_the_path() {
    assert!(matches!(
        Notification::decode("frob", &json!([])),
        Err(NotificationError::UnknownMethod { method }) if method == "frob"
    ));
    match Notification::decode(
        "update2",
        &json!([null, {"Logical_Switch": {"not-a-uuid": {"insert": {}}}}]),
    ) {
        Err(NotificationError::Params {
            method: "update2",
            source,
        }) => {
            assert!(source.path.starts_with("[1].Logical_Switch"), "{source}")
        }
        other => panic!("{other:?}"),
    }
    match Notification::decode(
        "update2",
        &json!([null, {"ACL": {"8ca773ff-70d9-4cc6-8dd1-8e8412145232": {"modify": {"priority": ["set", [1, 1]]}}}}]),
    ) {
        Err(NotificationError::Params { source, .. }) => {
            assert!(source.path.contains("modify.priority"), "{source}")
        }
        other => panic!("{other:?}"),
    }
    for bad in [
        json!([null, {"T": {"8ca773ff-70d9-4cc6-8dd1-8e8412145232": {}}}]),
        json!([null, {"T": {"8ca773ff-70d9-4cc6-8dd1-8e8412145232": {"insert": {}, "delete": null}}}]),
        json!([null, {"T": {"8ca773ff-70d9-4cc6-8dd1-8e8412145232": {"upsert": {}}}}]),
        json!([null]),
        json!([null, {}, 3]),
    ] {
        assert!(Notification::decode("update2", &bad).is_err(), "{bad}");
    }
    for bad in [json!([]), json!([1]), json!(["a", "b"])] {
        assert!(Notification::decode("locked", &bad).is_err(), "{bad}");
    }
    assert!(Notification::decode("update3", &json!([null, "zz", {}])).is_err());
    let n = Notification::decode("monitor_canceled", &json!([["monid", "OVN_Northbound"]])).unwrap();
    assert_eq!(n.monitor_id(), Some(&json!(["monid", "OVN_Northbound"])));
}
