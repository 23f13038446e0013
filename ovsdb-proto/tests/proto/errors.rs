//! The error replies recorded from a real ovsdb-server 3.1.0 (testdata/errors) decode to the
//! expected closed [`ErrorKind`]s, and the closed table covers exactly what was provoked plus the
//! tags that cannot be provoked by a client.

use std::collections::BTreeSet;
use std::path::PathBuf;

use ovsdb_proto::method::{Method, Transact};
use ovsdb_proto::op::{ErrorKind, OperationResult, OvsdbError};
use serde_json::Value;

fn cases() -> Vec<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/errors/ovsdb-server-3.1.0.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["cases"].as_array().unwrap().clone()
}

/// The error in a reply: the RPC error, or the first error of a transact result.
fn error_of(case: &Value) -> OvsdbError {
    let reply = &case["reply"];
    if !reply["error"].is_null() {
        return serde_json::from_value(reply["error"].clone()).unwrap();
    }
    let req = &case["request"];
    assert_eq!(req["method"], "transact", "{case}");
    // Decode through the method type when our decoder accepts the request, so the transact reply
    // checks run too; requests malformed on purpose (unknown operation, function, mutator...) are
    // rejected by it, and their results are decoded one by one.
    match serde_json::from_value::<Transact>(req["params"].clone()) {
        Ok(t) => {
            let out = Transact::decode_output(&t, reply["result"].clone())
                .unwrap_or_else(|e| panic!("{case}: {e}"));
            out.error().unwrap_or_else(|| panic!("no error in {case}")).error
        }
        Err(_) => {
            assert!(
                [
                    "syntax error",
                    "unknown function",
                    "unknown mutator",
                    "ovsdb error"
                ]
                .contains(&case["expect"].as_str().unwrap()),
                "only malformed requests fail to decode: {case}"
            );
            reply["result"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| !r.is_null())
                .map(|r| serde_json::from_value::<OperationResult>(r.clone()).unwrap())
                .find_map(|r| r.as_error().cloned())
                .unwrap()
        }
    }
}

#[test]
fn recorded_errors_decode_to_closed_kinds() {
    let cases = cases();
    assert!(cases.len() >= 30);
    let mut seen = BTreeSet::new();
    for case in &cases {
        let expect = case["expect"].as_str().unwrap();
        let e = error_of(case);
        assert_eq!(e.error.as_str(), expect, "{}", case["name"]);
        assert!(e.error.is_known(), "{expect:?} is not a closed ErrorKind");
        assert_eq!(e.error, ErrorKind::from_wire(expect));
        // Bare-string replies keep their shape when re-encoded.
        let raw = if case["reply"]["error"].is_null() {
            None
        } else {
            Some(&case["reply"]["error"])
        };
        if let Some(raw) = raw {
            assert_eq!(&serde_json::to_value(&e).unwrap(), raw, "{}", case["name"]);
        }
        seen.insert(e.error);
    }
    // Tags in the server that a client cannot provoke on a healthy standalone server.
    let unprovoked = [ErrorKind::IoError];
    for k in ErrorKind::ALL {
        assert!(
            seen.contains(k) ^ unprovoked.contains(k),
            "{k}: every closed kind is either provoked or listed as unprovokable"
        );
    }
}

#[test]
fn transact_error_index_matches_server() {
    for case in cases() {
        if case["reply"]["error"].is_null() && case["request"]["method"] == "transact" {
            let Ok(t) = serde_json::from_value::<Transact>(case["request"]["params"].clone()) else {
                continue;
            };
            let out = Transact::decode_output(&t, case["reply"]["result"].clone()).unwrap();
            let err = out.error().unwrap();
            let result = case["reply"]["result"].as_array().unwrap();
            match err.index {
                Some(i) => assert!(result[i].get("error").is_some(), "{}", case["name"]),
                None => assert_eq!(result.len(), t.operations.len() + 1, "{}", case["name"]),
            }
        }
    }
}

#[test]
fn closed_wire_strings_are_in_the_server_binary() {
    let Ok(binary) = std::fs::read("/usr/sbin/ovsdb-server") else {
        eprintln!("no /usr/sbin/ovsdb-server here; string check skipped");
        return;
    };
    for k in ErrorKind::ALL {
        let needle = k.as_str().as_bytes();
        assert!(
            binary.windows(needle.len()).any(|w| w == needle),
            "{k:?} not in the ovsdb-server binary"
        );
    }
    // And the RFC 7047 string the table leaves out is indeed absent.
    let absent = b"resources exhausted";
    assert!(!binary.windows(absent.len()).any(|w| w == absent));
}
