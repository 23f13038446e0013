//! Golden JSON (testdata/golden): every §5.2 operation (as a self-contained `transact` on an empty
//! OVN_Northbound) and every method request, built with the Rust API, must serialise to exactly
//! the bytes in the file, and the file must decode back to the same value.
//!
//! To regenerate after an intended change: `OVSDB_PROTO_BLESS=1 cargo test -p ovsdb-proto --test
//! proto golden`, then review the diff (and re-check the transacts against a real server, see
//! testdata/golden/README.md).

use std::collections::BTreeMap;
use std::path::PathBuf;

use ovsdb_proto::jsonrpc::{Id, Message};
use ovsdb_proto::method::{
    Cancel, Echo, GetSchema, GetServerId, ListDbs, Lock, Method, Monitor, MonitorCancel, MonitorCond,
    MonitorCondChange, MonitorCondSince, SetDbChangeAware, Steal, Transact, Unlock,
};
use ovsdb_proto::op::{
    Condition, Delete, Function, Insert, Mutate, Mutation, Mutator, Operation, Select, Update, Wait,
    WaitUntil,
};
use ovsdb_proto::update::{MonitorCondUpdateRequest, MonitorRequest, MonitorRequests, MonitorSelect};
use ovsdb_proto::{Atom, Datum, NamedUuid, Row, Uuid};
use serde_json::json;

const DB: &str = "OVN_Northbound";

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/golden")
}

/// Compares `actual` with the golden file `rel` (or writes it when blessing). Returns the file text.
fn check(rel: &str, actual: &[u8]) -> String {
    let path = golden_dir().join(rel);
    let mut want = actual.to_vec();
    want.push(b'\n');
    if std::env::var_os("OVSDB_PROTO_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &want).unwrap();
    }
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with OVSDB_PROTO_BLESS=1 to create)", path.display()));
    assert_eq!(
        text.as_bytes(),
        want.as_slice(),
        "{rel}: serialisation differs from the golden file"
    );
    text
}

fn named(s: &str) -> NamedUuid {
    NamedUuid::new(s).unwrap()
}

fn s(v: &str) -> Datum {
    Datum::scalar(v)
}

fn smap(pairs: &[(&str, &str)]) -> Datum {
    Datum::map(pairs.iter().copied())
}

fn cols(c: &[&str]) -> Option<Vec<String>> {
    Some(c.iter().map(|s| s.to_string()).collect())
}

/// The golden transacts, one per operation kind (plus conditions and the insert `uuid` member).
fn op_goldens() -> Vec<(&'static str, Vec<Operation>)> {
    let fixed = Uuid::parse_str("5f6a1b2c-3d4e-4f50-8a6b-7c8d9e0f1a2b").unwrap();
    let insert_ls = |name: &str, nu: &str| {
        Operation::from(Insert::new("Logical_Switch", Row::new().with("name", s(name))).uuid_name(named(nu)))
    };
    let by_name = |name: &str| vec![Condition::eq("name", s(name))];
    let mut conditions = vec![
        Operation::from(
            Insert::new(
                "ACL",
                Row::new()
                    .with("action", s("allow-related"))
                    .with("direction", s("from-lport"))
                    .with("match", s("ip4 && tcp.dst == 80"))
                    .with("priority", Datum::scalar(1000))
                    .with("severity", s("info")),
            )
            .uuid_name(named("acl")),
        ),
        Operation::from(
            Insert::new(
                "Logical_Switch",
                Row::new()
                    .with("name", s("sw0"))
                    .with("acls", Datum::scalar(named("acl")))
                    .with("external_ids", smap(&[("owner", "golden")])),
            )
            .uuid_name(named("sw0")),
        ),
    ];
    for f in [
        Function::Lt,
        Function::Le,
        Function::Eq,
        Function::Ne,
        Function::Ge,
        Function::Gt,
    ] {
        conditions.push(
            Select::new("ACL", [Condition::new("priority", f, Datum::scalar(1000))])
                .columns(["priority"])
                .into(),
        );
    }
    conditions.extend([
        Select::new(
            "ACL",
            [
                Condition::lt("priority", Datum::scalar(2000)),
                Condition::ge("priority", Datum::scalar(1)),
            ],
        )
        .columns(["match"])
        .into(),
        Select::new(
            "Logical_Switch",
            [Condition::includes("external_ids", smap(&[("owner", "golden")]))],
        )
        .columns(["name"])
        .into(),
        Select::new(
            "Logical_Switch",
            [Condition::excludes("external_ids", smap(&[("owner", "other")]))],
        )
        .columns(["name"])
        .into(),
        Select::new(
            "Logical_Switch",
            [Condition::includes("acls", Datum::scalar(named("acl")))],
        )
        .columns(["name"])
        .into(),
        Select::new(
            "Logical_Switch",
            [Condition::excludes("acls", Datum::empty_set())],
        )
        .columns(["name"])
        .into(),
        Select::new("Logical_Switch", [Condition::TRUE])
            .columns(["name"])
            .into(),
        Select::new("Logical_Switch", [Condition::FALSE])
            .columns(["name"])
            .into(),
        Select::new(
            "Logical_Switch",
            [Condition::eq("_uuid", Datum::scalar(named("sw0")))],
        )
        .columns(["name"])
        .into(),
    ]);

    vec![
        (
            "insert",
            vec![
                Operation::from(
                    Insert::new(
                        "Logical_Switch_Port",
                        Row::new()
                            .with("name", s("sw0-p1"))
                            .with("addresses", s("00:00:00:00:00:01 10.0.0.1"))
                            .with("tag_request", Datum::scalar(7))
                            .with("enabled", Datum::scalar(true)),
                    )
                    .uuid_name(named("p1")),
                ),
                Operation::from(
                    Insert::new(
                        "Logical_Switch",
                        Row::new()
                            .with("name", s("sw0"))
                            .with("ports", Datum::set([Atom::from(named("p1"))]))
                            .with("external_ids", smap(&[("owner", "golden")]))
                            .with(
                                "other_config",
                                smap(&[("mcast_snoop", "true"), ("subnet", "10.0.0.0/24")]),
                            ),
                    )
                    .uuid_name(named("sw0")),
                ),
            ],
        ),
        (
            "insert_uuid",
            vec![
                Insert::new("Logical_Switch", Row::new().with("name", s("sw-fixed")))
                    .uuid(fixed)
                    .into(),
                Select::new("Logical_Switch", [Condition::eq("_uuid", Datum::scalar(fixed))])
                    .columns(["name"])
                    .into(),
            ],
        ),
        (
            "select",
            vec![
                insert_ls("sw0", "sw0"),
                Select::new(
                    "Logical_Switch",
                    [Condition::eq("_uuid", Datum::scalar(named("sw0")))],
                )
                .columns(["name", "external_ids", "ports"])
                .into(),
                Select::new("Logical_Switch", []).into(),
            ],
        ),
        (
            "update",
            vec![
                insert_ls("sw0", "sw0"),
                Update::new(
                    "Logical_Switch",
                    by_name("sw0"),
                    Row::new()
                        .with("external_ids", smap(&[("owner", "golden"), ("stage", "updated")]))
                        .with("other_config", smap(&[("mcast_snoop", "false")])),
                )
                .into(),
                Select::new("Logical_Switch", by_name("sw0"))
                    .columns(["external_ids", "other_config"])
                    .into(),
            ],
        ),
        (
            "mutate",
            vec![
                Insert::new(
                    "NB_Global",
                    Row::new()
                        .with("nb_cfg", Datum::scalar(10))
                        .with("external_ids", smap(&[("a", "1")])),
                )
                .into(),
                Mutate::new(
                    "NB_Global",
                    [],
                    [
                        Mutation::new("nb_cfg", Mutator::Add, Datum::scalar(5)),
                        Mutation::new("nb_cfg", Mutator::Sub, Datum::scalar(1)),
                        Mutation::new("nb_cfg", Mutator::Mul, Datum::scalar(3)),
                        Mutation::new("nb_cfg", Mutator::Div, Datum::scalar(2)),
                        Mutation::new("nb_cfg", Mutator::Rem, Datum::scalar(7)),
                        Mutation::insert("external_ids", smap(&[("b", "2")])),
                        Mutation::delete("external_ids", Datum::set(["a"])),
                    ],
                )
                .into(),
                insert_ls("sw0", "sw0"),
                Operation::from(
                    Insert::new("Logical_Switch_Port", Row::new().with("name", s("sw0-p1")))
                        .uuid_name(named("p1")),
                ),
                Mutate::new(
                    "Logical_Switch",
                    by_name("sw0"),
                    [Mutation::insert("ports", Datum::scalar(named("p1")))],
                )
                .into(),
                Select::new("NB_Global", [])
                    .columns(["nb_cfg", "external_ids"])
                    .into(),
            ],
        ),
        (
            "delete",
            vec![
                insert_ls("sw-del", "sw_del"),
                insert_ls("sw-keep", "sw_keep"),
                Delete::new("Logical_Switch", by_name("sw-del")).into(),
                Select::new("Logical_Switch", []).columns(["name"]).into(),
            ],
        ),
        (
            "wait",
            vec![
                insert_ls("sw0", "sw0"),
                Wait::new(
                    "Logical_Switch",
                    by_name("sw0"),
                    cols(&["name"]),
                    WaitUntil::Equal,
                    [Row::new().with("name", s("sw0"))],
                )
                .timeout(0)
                .into(),
                Wait::new(
                    "Logical_Switch",
                    by_name("sw1"),
                    cols(&["name"]),
                    WaitUntil::NotEqual,
                    [Row::new().with("name", s("sw1"))],
                )
                .timeout(0)
                .into(),
                Wait::new("Logical_Switch", [], None, WaitUntil::NotEqual, [])
                    .timeout(1000)
                    .into(),
            ],
        ),
        (
            "commit",
            vec![
                insert_ls("sw0", "sw0"),
                Operation::comment("durable commit"),
                Operation::commit(true),
            ],
        ),
        ("commit_not_durable", vec![Operation::commit(false)]),
        (
            "abort",
            vec![
                insert_ls("sw0", "sw0"),
                Operation::Abort,
                Operation::comment("not executed"),
            ],
        ),
        (
            "comment",
            vec![Operation::comment(
                "golden: a comment with \"quotes\", unicode ✓ and a\nnewline",
            )],
        ),
        (
            "assert",
            vec![Operation::assert("golden_lock"), insert_ls("sw0", "sw0")],
        ),
        ("conditions", conditions),
    ]
}

#[test]
fn operation_goldens() {
    for (name, ops) in op_goldens() {
        let t = Transact::new(DB, ops);
        let text = check(
            &format!("ops/{name}.json"),
            serde_json::to_string(&t.params_json()).unwrap().as_bytes(),
        );
        let back: Transact =
            ovsdb_proto::error::from_str(&text).unwrap_or_else(|e| panic!("ops/{name}: {e}"));
        assert_eq!(back, t, "ops/{name}: decodes back");
    }
}

/// Checks one method request golden and that it decodes back.
fn method_golden<M: Method<Params = M> + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(
    file: &str,
    m: M,
    id: u64,
) {
    let msg = m.request(id);
    let text = check(&format!("methods/{file}.json"), &msg.to_vec());
    let back = Message::from_slice(text.trim_end().as_bytes()).unwrap();
    assert_eq!(back, msg, "methods/{file}");
    assert_eq!(back.method(), Some(M::NAME));
    let params = match back {
        Message::Request { params, .. } | Message::Notification { params, .. } => params,
        Message::Response { .. } => panic!("methods/{file}: not a request"),
    };
    let decoded: M = ovsdb_proto::error::from_value(params).unwrap_or_else(|e| panic!("methods/{file}: {e}"));
    assert_eq!(decoded, m, "methods/{file}: params decode back");
}

fn nb_requests() -> MonitorRequests {
    MonitorRequests::new()
        .with(
            "Logical_Switch",
            MonitorRequest::all()
                .columns(["name", "ports", "external_ids"])
                .select(MonitorSelect::new(true, true, true, true)),
        )
        .with("Logical_Switch_Port", MonitorRequest::all())
        .with(
            "NB_Global",
            MonitorRequest::all().columns(["nb_cfg"]).select(MonitorSelect {
                initial: Some(true),
                modify: Some(true),
                ..Default::default()
            }),
        )
}

fn nb_cond_requests() -> MonitorRequests {
    MonitorRequests::new()
        .with(
            "Logical_Switch",
            MonitorRequest::all()
                .columns(["name", "ports", "external_ids"])
                .where_([
                    Condition::eq("name", s("sw0")),
                    Condition::includes("external_ids", smap(&[("owner", "golden")])),
                ]),
        )
        .with(
            "Logical_Switch_Port",
            MonitorRequest::all().where_([Condition::TRUE]),
        )
        .with(
            "ACL",
            MonitorRequest::all()
                .columns(["priority", "match"])
                .where_([Condition::ge("priority", Datum::scalar(1000))]),
        )
        .with(
            "Logical_Router",
            MonitorRequest::all()
                .where_([Condition::FALSE])
                .select(MonitorSelect::new(false, true, true, true)),
        )
}

#[test]
fn method_goldens() {
    method_golden("list_dbs", ListDbs, 1);
    method_golden("get_schema", GetSchema { db: DB.into() }, 2);
    method_golden(
        "transact",
        Transact::new(
            DB,
            vec![
                Insert::new("Logical_Switch", Row::new().with("name", s("sw0")))
                    .uuid_name(named("sw0"))
                    .into(),
                Operation::comment("golden transact"),
            ],
        ),
        3,
    );
    method_golden("cancel", Cancel { id: Id::from(3) }, 4);
    method_golden(
        "monitor",
        Monitor {
            db: DB.into(),
            monitor_id: json!("golden-monitor"),
            requests: nb_requests(),
        },
        5,
    );
    method_golden(
        "monitor_cond",
        MonitorCond {
            db: DB.into(),
            monitor_id: json!(["golden", "monitor_cond"]),
            requests: nb_cond_requests(),
        },
        6,
    );
    method_golden(
        "monitor_cond_since",
        MonitorCondSince {
            db: DB.into(),
            monitor_id: json!("golden-since"),
            requests: nb_cond_requests(),
            last_txn_id: None,
        },
        7,
    );
    method_golden(
        "monitor_cond_since_resume",
        MonitorCondSince {
            db: DB.into(),
            monitor_id: json!("golden-since-2"),
            requests: MonitorRequests::new().with("Logical_Switch", MonitorRequest::all().columns(["name"])),
            last_txn_id: Some(Uuid::parse_str("0b9c6f7e-2a1d-4c3b-9e8f-7a6b5c4d3e2f").unwrap()),
        },
        8,
    );
    method_golden(
        "monitor_cond_change",
        MonitorCondChange {
            monitor_id: json!(["golden", "monitor_cond"]),
            new_monitor_id: json!(["golden", "monitor_cond", 2]),
            requests: BTreeMap::from([
                (
                    "Logical_Switch".to_owned(),
                    vec![MonitorCondUpdateRequest::where_([Condition::eq(
                        "name",
                        s("sw1"),
                    )])],
                ),
                ("ACL".to_owned(), vec![MonitorCondUpdateRequest::where_([])]),
            ]),
        },
        9,
    );
    method_golden(
        "monitor_cancel",
        MonitorCancel {
            monitor_id: json!("golden-monitor"),
        },
        10,
    );
    method_golden(
        "lock",
        Lock {
            lock: "golden_lock".into(),
        },
        11,
    );
    method_golden(
        "unlock",
        Unlock {
            lock: "golden_lock".into(),
        },
        12,
    );
    method_golden(
        "steal",
        Steal {
            lock: "golden_lock".into(),
        },
        13,
    );
    method_golden("echo", Echo(vec![json!("golden"), json!(1)]), 14);
    method_golden("get_server_id", GetServerId, 15);
    method_golden("set_db_change_aware", SetDbChangeAware { aware: true }, 16);
}

#[test]
fn every_method_has_a_golden() {
    for name in ovsdb_proto::method::METHOD_NAMES {
        assert!(
            golden_dir().join(format!("methods/{name}.json")).exists(),
            "no golden for {name}"
        );
    }
    for op in [
        "insert", "select", "update", "mutate", "delete", "wait", "commit", "abort", "comment", "assert",
    ] {
        let text = std::fs::read_to_string(golden_dir().join(format!("ops/{op}.json"))).unwrap();
        assert!(
            text.contains(&format!("\"op\":\"{op}\"")),
            "ops/{op}.json has no {op} operation"
        );
    }
}

#[test]
fn expected_outcomes_cover_every_golden() {
    // testdata/golden/expected.json was written by verify.py from a real ovsdb-server 3.1.0.
    let expected: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(golden_dir().join("expected.json")).unwrap()).unwrap();
    let mut files = Vec::new();
    for dir in ["ops", "methods"] {
        for e in std::fs::read_dir(golden_dir().join(dir)).unwrap() {
            files.push(format!("{dir}/{}", e.unwrap().file_name().to_string_lossy()));
        }
    }
    files.sort();
    let keys: Vec<String> = expected.keys().cloned().collect();
    assert_eq!(
        keys, files,
        "expected.json must list every golden file (rerun verify.py)"
    );
    // Only the operations that fail by design fail on the real server.
    let failing: Vec<&str> = expected
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(failing, ["ops/abort.json", "ops/assert.json"]);
    assert_eq!(
        expected["ops/abort.json"],
        json!({"error": "aborted", "index": 1})
    );
    assert_eq!(
        expected["ops/assert.json"],
        json!({"error": "not owner", "index": 0})
    );
}
