//! Checks against a real ovsdb-server (OVS 3.1, started by ovsdb-testkit): every closed
//! [`ErrorKind`] is provoked from the server and decodes to that kind.

// Helpers outside `#[test]` functions panic on purpose too (clippy.toml covers only the tests).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use ovsdb_proto::{ErrorKind, OvsdbError};
use ovsdb_testkit::{OvsdbServer, RawConnection, Watchdog, wait_until};
use serde_json::{Value, json};

const NB: &str = "OVN_Northbound";
const SB: &str = "OVN_Southbound";
const TEST_TIMEOUT: Duration = Duration::from_secs(120);

fn schema(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/schemas")
        .join(file)
}

fn schema_json(file: &str) -> Value {
    serde_json::from_slice(&std::fs::read(schema(file)).unwrap()).unwrap()
}

/// The error a reply carries: the JSON-RPC `"error"` if set, else the first operation result
/// with an `"error"` member (RFC 7047 §4.1.3: it may be the extra trailing element).
fn reply_error(reply: &Value) -> Option<Value> {
    if !reply["error"].is_null() {
        return Some(reply["error"].clone());
    }
    reply["result"]
        .as_array()?
        .iter()
        .find(|r| r.get("error").is_some())
        .cloned()
}

/// Records which kinds were seen, checking each decodes to what the provocation should give.
#[derive(Default)]
struct Seen(BTreeSet<String>);

impl Seen {
    fn check(&mut self, what: &str, expected: ErrorKind, reply: &Value) {
        let wire = reply_error(reply).unwrap_or_else(|| panic!("{what}: no error in {reply}"));
        let tag = wire
            .as_str()
            .or_else(|| wire["error"].as_str())
            .unwrap_or_else(|| panic!("{what}: error without a tag: {wire}"));
        let kind = ErrorKind::from_wire(tag);
        assert!(kind.is_known(), "{what}: {tag:?} decodes as Other");
        assert_eq!(kind, expected, "{what}: {wire}");
        let decoded: OvsdbError = serde_json::from_value(wire.clone())
            .unwrap_or_else(|e| panic!("{what}: {wire} does not decode: {e}"));
        assert_eq!(decoded.error, expected, "{what}");
        assert_eq!(decoded.bare, wire.is_string(), "{what}");
        self.0.insert(expected.as_str().to_string());
    }
}

fn transact(c: &mut RawConnection, db: &str, ops: Value) -> Value {
    let mut params = vec![json!(db)];
    params.extend(ops.as_array().unwrap().iter().cloned());
    c.request("transact", Value::Array(params)).unwrap()
}

#[test]
fn every_error_kind_is_produced_by_the_real_server() {
    let _w = Watchdog::arm("every_error_kind_is_produced_by_the_real_server", TEST_TIMEOUT);
    let mut seen = Seen::default();

    let server = OvsdbServer::builder(schema("ovn-nb.ovsschema")).start().unwrap();
    let mut c = RawConnection::connect(&server.unix_remote()).unwrap();
    let setup = transact(
        &mut c,
        NB,
        json!([{"op": "insert", "table": "NB_Global", "row": {}}]),
    );
    assert!(reply_error(&setup).is_none(), "{setup}");

    let missing = "0b1e5a8c-0000-4000-8000-000000000001";
    let r = transact(
        &mut c,
        NB,
        json!([{"op": "insert", "table": "Logical_Switch",
            "row": {"name": "ls", "ports": ["set", [["uuid", missing]]]}}]),
    );
    seen.check(
        "strong reference to a missing row",
        ErrorKind::ReferentialIntegrityViolation,
        &r,
    );

    let r = transact(
        &mut c,
        NB,
        json!([{"op": "insert", "table": "ACL", "row": {
            "action": "bogus", "direction": "from-lport", "match": "1", "priority": 1}}]),
    );
    seen.check("string outside its enum", ErrorKind::ConstraintViolation, &r);
    let r = transact(
        &mut c,
        NB,
        json!([
            {"op": "insert", "table": "Port_Group", "row": {"name": "pg"}},
            {"op": "insert", "table": "Port_Group", "row": {"name": "pg"}}
        ]),
    );
    seen.check("duplicate index value", ErrorKind::ConstraintViolation, &r);
    let r = transact(
        &mut c,
        NB,
        json!([{"op": "insert", "table": "NB_Global", "row": {}}]),
    );
    seen.check("maxRows exceeded", ErrorKind::ConstraintViolation, &r);

    let r = transact(
        &mut c,
        NB,
        json!([
            {"op": "insert", "table": "Logical_Switch", "row": {}, "uuid-name": "a"},
            {"op": "insert", "table": "Logical_Switch", "row": {}, "uuid-name": "a"}
        ]),
    );
    seen.check("uuid-name used twice", ErrorKind::DuplicateUuidName, &r);

    let fixed = "0b1e5a8c-0000-4000-8000-0000000000aa";
    let insert_fixed = json!([{"op": "insert", "table": "Logical_Switch", "row": {}, "uuid": fixed}]);
    let first = transact(&mut c, NB, insert_fixed.clone());
    assert!(reply_error(&first).is_none(), "{first}");
    let r = transact(&mut c, NB, insert_fixed);
    seen.check("insert with an existing uuid", ErrorKind::DuplicateUuid, &r);

    let r = transact(
        &mut c,
        NB,
        json!([{"op": "mutate", "table": "NB_Global", "where": [],
            "mutations": [["nb_cfg", "/=", 0]]}]),
    );
    seen.check("division by zero", ErrorKind::DomainError, &r);

    let r = transact(
        &mut c,
        NB,
        json!([
            {"op": "update", "table": "NB_Global", "where": [], "row": {"nb_cfg": i64::MAX}},
            {"op": "mutate", "table": "NB_Global", "where": [], "mutations": [["nb_cfg", "+=", 1]]}
        ]),
    );
    seen.check("integer overflow", ErrorKind::RangeError, &r);

    let r = transact(
        &mut c,
        NB,
        json!([{"op": "wait", "table": "NB_Global", "where": [], "columns": ["name"],
            "until": "==", "rows": [{"name": "never"}], "timeout": 0}]),
    );
    seen.check("unmet wait with timeout 0", ErrorKind::TimedOut, &r);

    let r = transact(&mut c, NB, json!([{"op": "abort"}]));
    seen.check("abort operation", ErrorKind::Aborted, &r);

    let r = transact(&mut c, NB, json!([{"op": "assert", "lock": "not_held"}]));
    seen.check("assert on a lock not held", ErrorKind::NotOwner, &r);

    let r = transact(&mut c, NB, json!([{"op": "frobnicate"}]));
    seen.check("unknown operation", ErrorKind::SyntaxError, &r);

    let r = transact(
        &mut c,
        NB,
        json!([{"op": "insert", "table": "Logical_Switch", "row": {"no_such_column": 1}}]),
    );
    seen.check("unknown column in a row", ErrorKind::UnknownColumn, &r);

    let r = transact(
        &mut c,
        NB,
        json!([{"op": "select", "table": "Logical_Switch", "where": [["name", "~", "x"]]}]),
    );
    seen.check("unknown condition function", ErrorKind::UnknownFunction, &r);

    let r = transact(
        &mut c,
        NB,
        json!([{"op": "mutate", "table": "NB_Global", "where": [],
            "mutations": [["nb_cfg", "^=", 1]]}]),
    );
    seen.check("unknown mutator", ErrorKind::UnknownMutator, &r);

    let r = transact(&mut c, "No_Such_Database", json!([]));
    seen.check("transact on an unknown database", ErrorKind::UnknownDatabase, &r);

    let r = transact(
        &mut c,
        "_Server",
        json!([{"op": "insert", "table": "Database",
            "row": {"name": "x", "model": "standalone"}}]),
    );
    seen.check("write to _Server", ErrorKind::NotAllowed, &r);

    let r = c.request("monitor_cancel", json!([])).unwrap();
    seen.check(
        "monitor_cancel without its parameter (bare string)",
        ErrorKind::InvalidParameters,
        &r,
    );
    let r = c
        .request("convert", json!([NB, schema_json("ovn-sb.ovsschema")]))
        .unwrap();
    seen.check(
        "convert to a schema of another name",
        ErrorKind::InvalidParameters,
        &r,
    );

    let r = c.request("no_such_method", json!([])).unwrap();
    seen.check("unknown method", ErrorKind::UnknownMethod, &r);

    let r = c.request("monitor_cancel", json!(["no-such-monitor"])).unwrap();
    seen.check("cancel of an unknown monitor", ErrorKind::UnknownMonitor, &r);

    let r = transact(
        &mut c,
        NB,
        json!([{"op": "insert", "table": "Logical_Switch",
            "row": {"external_ids": ["map", [["a", "1"], ["a", "2"]]]}}]),
    );
    seen.check("duplicate map key", ErrorKind::OvsdbError, &r);

    read_only_lock_on_a_backup(&server, &mut seen);
    canceled_by_convert(&mut seen);
    permission_error_under_rbac(&mut seen);
    io_error_when_the_file_cannot_grow(&mut seen);

    // The closed set is exactly what a real server was made to send here.
    for kind in ErrorKind::ALL {
        assert!(
            seen.0.contains(kind.as_str()),
            "no provocation for {kind:?} ({kind})"
        );
    }
    // The tags that cannot be provoked stay out of the closed set.
    for tag in ErrorKind::UNVERIFIED_TAGS {
        assert!(
            !ErrorKind::from_wire(tag).is_known(),
            "{tag} must decode as Other"
        );
    }
}

/// A server running as the backup of an active-backup pair (`--sync-from`) serves read-only
/// sessions, which refuse `lock` with a bare-string error of their own.
fn read_only_lock_on_a_backup(active: &OvsdbServer, seen: &mut Seen) {
    let backup = OvsdbServer::builder(schema("ovn-nb.ovsschema"))
        .arg(format!("--sync-from={}", active.unix_remote()))
        .start()
        .unwrap();
    let mut c = RawConnection::connect(&backup.unix_remote()).unwrap();
    let r = c.request("lock", json!(["some_lock"])).unwrap();
    seen.check("lock on a backup server", ErrorKind::ReadOnlyLock, &r);
}

/// A `transact` parked on an unmet `wait` is answered with the bare string `"canceled"` when
/// another session converts the database under it (the session must be change-aware, or it is
/// simply disconnected).
fn canceled_by_convert(seen: &mut Seen) {
    let server = OvsdbServer::builder(schema("ovn-nb.ovsschema")).start().unwrap();
    let mut waiter = RawConnection::connect(&server.unix_remote()).unwrap();
    let r = waiter.request("set_db_change_aware", json!([true])).unwrap();
    assert!(r["error"].is_null(), "{r}");
    waiter
        .send(&json!({"method": "transact", "id": "parked", "params": [NB,
            {"op": "wait", "table": "NB_Global", "where": [], "columns": ["name"],
             "until": "==", "rows": [{"name": "never"}], "timeout": 600_000}]}))
        .unwrap();
    // The wait is parked (no reply yet) ...
    waiter.set_timeout(Duration::from_millis(200)).unwrap();
    assert!(waiter.recv().is_err());
    // ... until another session converts the database.
    let mut other = RawConnection::connect(&server.unix_remote()).unwrap();
    let r = other
        .request("convert", json!([NB, schema_json("ovn-nb.ovsschema")]))
        .unwrap();
    assert!(r["error"].is_null(), "{r}");
    waiter.set_timeout(Duration::from_secs(10)).unwrap();
    let reply = loop {
        let msg = waiter.recv().unwrap();
        if msg["id"] == "parked" {
            break msg;
        }
    };
    seen.check("parked wait under convert", ErrorKind::Canceled, &reply);
}

/// With RBAC, a connection whose remote has a `role` may only write what RBAC_Permission allows.
fn permission_error_under_rbac(seen: &mut Seen) {
    let server = OvsdbServer::builder(schema("ovn-sb.ovsschema"))
        .arg("--remote=db:OVN_Southbound,SB_Global,connections")
        .start()
        .unwrap();
    let rbac_socket = server.dir().join("rbac.sock");
    let mut admin = RawConnection::connect(&server.unix_remote()).unwrap();
    let r = transact(
        &mut admin,
        SB,
        json!([
            {"op": "insert", "table": "RBAC_Permission", "uuid-name": "perm", "row": {
                "table": "Chassis", "authorization": ["set", ["name"]],
                "insert_delete": true, "update": ["set", ["nb_cfg"]]}},
            {"op": "insert", "table": "RBAC_Role", "row": {
                "name": "test-role", "permissions": ["map", [["Chassis", ["named-uuid", "perm"]]]]}},
            {"op": "insert", "table": "Connection", "uuid-name": "conn", "row": {
                "target": format!("punix:{}", rbac_socket.display()), "role": "test-role"}},
            {"op": "insert", "table": "SB_Global", "row": {"connections": ["named-uuid", "conn"]}}
        ]),
    );
    assert!(reply_error(&r).is_none(), "{r}");
    let mut limited = wait_until(
        "the RBAC remote to accept connections",
        Duration::from_secs(10),
        Duration::from_millis(20),
        || RawConnection::connect(&format!("unix:{}", rbac_socket.display())).ok(),
    )
    .unwrap();
    let r = transact(
        &mut limited,
        SB,
        json!([{"op": "insert", "table": "Encap", "row": {
            "type": "geneve", "ip": "192.0.2.1", "chassis_name": "ch"}}]),
    );
    seen.check(
        "insert into a table the role has no permission for",
        ErrorKind::PermissionError,
        &r,
    );
}

/// A server that may not grow its files (RLIMIT_FSIZE, with SIGXFSZ ignored so the write fails
/// with EFBIG instead of killing it) answers a large insert with `"I/O error"`.
fn io_error_when_the_file_cannot_grow(seen: &mut Seen) {
    let dir = tempfile::tempdir().unwrap();
    let wrapper = dir.path().join("ovsdb-server-fsize");
    // 64 blocks of 512 bytes: room for the fresh database (about 15 kB) and the log, not for a
    // 40 kB row.
    std::fs::write(
        &wrapper,
        "#!/bin/sh\ntrap '' XFSZ\nulimit -f 64\nPATH=\"$PATH:/usr/sbin:/usr/bin\" exec ovsdb-server \"$@\"\n",
    )
    .unwrap();
    let mut perms = std::fs::metadata(&wrapper).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&wrapper, perms).unwrap();
    let server = OvsdbServer::builder(schema("ovn-nb.ovsschema"))
        .program(&wrapper)
        .start()
        .unwrap();
    let mut c = RawConnection::connect(&server.unix_remote()).unwrap();
    let big = "x".repeat(40_000);
    let r = transact(
        &mut c,
        NB,
        json!([{"op": "insert", "table": "Logical_Switch", "row": {"name": big}}]),
    );
    seen.check(
        "database write beyond the file size limit",
        ErrorKind::IoError,
        &r,
    );
    let err = reply_error(&r).unwrap();
    assert!(err["io-error"].is_string(), "{err}");
}

/// The outcome the golden README's `verify.py` records: `null`, or the first error as
/// `{"error": tag, "index": i}` (`index` null for the extra trailing element of a transact result,
/// absent for an RPC error).
fn golden_outcome(request_params: &Value, reply: &Value) -> Value {
    if !reply["error"].is_null() {
        let e = &reply["error"];
        let tag = e.as_str().map_or_else(|| e["error"].clone(), |s| json!(s));
        return json!({ "error": tag });
    }
    let n_ops = request_params.as_array().map_or(0, |a| a.len().saturating_sub(1));
    reply["result"]
        .as_array()
        .and_then(|results| {
            results.iter().enumerate().find_map(|(i, r)| {
                let tag = r.get("error")?;
                Some(json!({"error": tag, "index": if i < n_ops { json!(i) } else { Value::Null }}))
            })
        })
        .unwrap_or(Value::Null)
}

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/golden")
}

fn golden_files(sub: &str) -> Vec<(String, Value)> {
    let mut files: Vec<(String, Value)> = std::fs::read_dir(golden_dir().join(sub))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let name = format!("{sub}/{}", p.file_name().unwrap().to_string_lossy());
            (name, serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap())
        })
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

/// Every golden operation file (a `transact`'s params) sent to a fresh OVN_Northbound server, and
/// every golden method request sent in id order on one session, gives the outcome recorded in
/// `testdata/golden/expected.json`: no error, except where the file exists to show one (`abort`,
/// `assert` without the lock). Every error tag is a known [`ErrorKind`].
#[test]
fn golden_requests_are_accepted_by_the_real_server() {
    let _w = Watchdog::arm("golden_requests_are_accepted_by_the_real_server", TEST_TIMEOUT);
    let expected: serde_json::Map<String, Value> =
        serde_json::from_slice(&std::fs::read(golden_dir().join("expected.json")).unwrap()).unwrap();
    let mut actual = serde_json::Map::new();

    let ops = golden_files("ops");
    assert!(!ops.is_empty());
    for (name, params) in &ops {
        let server = OvsdbServer::builder(schema("ovn-nb.ovsschema")).start().unwrap();
        let mut c = RawConnection::connect(&server.unix_remote()).unwrap();
        let reply = c.request("transact", params.clone()).unwrap();
        assert!(reply["error"].is_null(), "{name}: {reply}");
        actual.insert(name.clone(), golden_outcome(params, &reply));
    }

    let mut methods = golden_files("methods");
    assert!(!methods.is_empty());
    // One session, in request-id order (the notification `cancel`, id null, first): later requests
    // refer to earlier ones (monitor ids, the lock).
    methods.sort_by_key(|(_, m)| m["id"].as_i64().unwrap_or(0));
    let server = OvsdbServer::builder(schema("ovn-nb.ovsschema")).start().unwrap();
    let mut c = RawConnection::connect(&server.unix_remote()).unwrap();
    for (name, msg) in &methods {
        if msg["id"].is_null() {
            c.send(msg).unwrap();
            actual.insert(name.clone(), Value::Null);
            continue;
        }
        let reply = c.call(msg).unwrap();
        let params = if msg["method"] == "transact" {
            msg["params"].clone()
        } else {
            json!([])
        };
        actual.insert(name.clone(), golden_outcome(&params, &reply));
    }

    for (name, outcome) in &actual {
        if let Some(tag) = outcome["error"].as_str() {
            assert!(
                ErrorKind::from_wire(tag).is_known(),
                "{name}: unknown error tag {tag:?}"
            );
        }
    }
    let names = |m: &serde_json::Map<String, Value>| m.keys().cloned().collect::<BTreeSet<_>>();
    assert_eq!(
        names(&actual),
        names(&expected),
        "golden files vs expected.json entries"
    );
    for (name, want) in &expected {
        assert_eq!(&actual[name], want, "{name}: outcome from ovsdb-server 3.1");
    }
}
