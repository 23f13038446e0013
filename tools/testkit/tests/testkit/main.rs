//! Tests of ovsdb-testkit against the real ovsdb-server (OVS 3.1): standalone servers and RAFT
//! clusters. Each test arms a watchdog so a hang fails fast.

// Test helpers outside `#[test]` functions may unwrap too (clippy.toml covers only the tests).
#![allow(clippy::unwrap_used)]

mod cluster;
mod standalone;
mod watchdog;

use std::path::{Path, PathBuf};
use std::time::Duration;

use ovsdb_testkit::{RawConnection, Watchdog};
use serde_json::{Value, json};

/// Upper bound for one test; a hang aborts the binary (after killing the daemons) instead of
/// stalling CI.
const TEST_TIMEOUT: Duration = Duration::from_secs(90);

fn watchdog(name: &str) -> Watchdog {
    Watchdog::arm(name, TEST_TIMEOUT)
}

fn schemas() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/schemas")
}

fn nb_schema() -> PathBuf {
    schemas().join("ovn-nb.ovsschema")
}

fn sb_schema() -> PathBuf {
    schemas().join("ovn-sb.ovsschema")
}

/// True once the process is gone or a zombie (detached daemons are reaped late by PID 1).
fn proc_dead(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => {
            let state = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next())
                .unwrap_or("?");
            state == "Z" || !stat.contains("(ovsdb-server)")
        }
    }
}

/// Calls `method` on a fresh connection to `remote`; returns the result, panicking on an error
/// reply.
fn call_ok(remote: &str, method: &str, params: Value) -> Value {
    let reply = RawConnection::connect(remote)
        .unwrap()
        .request(method, params)
        .unwrap();
    assert!(reply["error"].is_null(), "{method} on {remote}: {reply}");
    reply["result"].clone()
}

/// Inserts an NB_Global row with external_ids:key=value through `remote`; returns its uuid.
fn insert_nb_global(remote: &str, key: &str, value: &str) -> String {
    let result = call_ok(
        remote,
        "transact",
        json!(["OVN_Northbound", {
            "op": "insert",
            "table": "NB_Global",
            "row": {"external_ids": ["map", [[key, value]]]}
        }]),
    );
    assert!(
        result
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r.get("error").is_none()),
        "{result}"
    );
    result[0]["uuid"][1].as_str().unwrap().to_string()
}

/// The external_ids of every NB_Global row, read through `remote`.
fn nb_global_external_ids(remote: &str) -> Vec<Value> {
    let result = call_ok(
        remote,
        "transact",
        json!(["OVN_Northbound", {
            "op": "select", "table": "NB_Global", "where": [], "columns": ["external_ids"]
        }]),
    );
    result[0]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["external_ids"].clone())
        .collect()
}
