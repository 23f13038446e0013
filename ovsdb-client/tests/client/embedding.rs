//! The library as users embed it (issue 13): root re-exports (this file uses no `ovsdb_proto`
//! path), error predicates on errors a real server produced, `transact_with_retry`'s outcome,
//! untyped replicas of unknown tables and columns, `wait_current` across a restart, `convert`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ovn_nb::{LogicalSwitch, NbGlobal, OvnNorthboundDb, PortGroup};
use ovsdb_client::replica::{Event, ReplicaError};
use ovsdb_client::{
    Client, DatabaseSchema, Datum, Error, ErrorKind, Ref, ReplicaState, TableSpec, Uuid, WaitUntil,
};
use ovsdb_testkit::OvsdbServer;

use crate::common::{blocking, nb_schema, watchdog};
use crate::replica::{config, switch, tool_transact};

const NB: &str = "OVN_Northbound";

type Predicate = fn(&Error) -> bool;

/// A transaction's error, expecting one.
async fn commit_err(txn: ovsdb_client::Transaction<OvnNorthboundDb>) -> Error {
    match txn.commit().await {
        Err(e) => e,
        Ok(o) => panic!("expected an error, committed {o:?}"),
    }
}

/// `is_conflict`, `is_constraint_violation`, `is_referential_integrity_violation`,
/// `is_outcome_unknown`, `is_disconnected` on errors from a real ovsdb-server; each is false for
/// the others' errors.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_predicates_on_real_errors() {
    let mut server = blocking(|| OvsdbServer::builder(nb_schema()).start().unwrap());
    let remote = server.unix_remote();
    watchdog(
        "error_predicates_on_real_errors",
        Duration::from_secs(60),
        async {
            let client = Client::connect(&remote, config()).await.unwrap();
            let nb = client
                .replica::<OvnNorthboundDb>()
                .table::<NbGlobal>()
                .start()
                .await
                .unwrap();
            let mut txn = client.transaction::<OvnNorthboundDb>();
            txn.insert(NbGlobal::default());
            txn.commit().await.unwrap();

            // Conflict: a `wait` on a row read before someone changed it.
            let g = nb.read().table::<NbGlobal>().iter().next().unwrap().clone();
            let mut txn = client.transaction::<OvnNorthboundDb>();
            txn.mutate::<NbGlobal>([], [NbGlobal::NB_CFG.increment(1)]);
            txn.commit().await.unwrap();
            let mut txn = client.transaction::<OvnNorthboundDb>();
            txn.wait_unchanged(&g);
            let conflict = commit_err(txn).await;

            // Constraint violation: two port groups with the same name (an index of the schema).
            let mut txn = client.transaction::<OvnNorthboundDb>();
            for _ in 0..2 {
                txn.insert(PortGroup {
                    name: "pg".into(),
                    ..Default::default()
                });
            }
            let constraint = commit_err(txn).await;

            // Referential integrity: a switch whose port does not exist.
            let mut txn = client.transaction::<OvnNorthboundDb>();
            let mut ls = switch("dangling");
            ls.ports.insert(Ref::new(Uuid::new_v4()));
            txn.insert(ls);
            let integrity = commit_err(txn).await;

            let all = [&conflict, &constraint, &integrity];
            let checks: [(&str, Predicate); 3] = [
                ("is_conflict", Error::is_conflict),
                ("is_constraint_violation", Error::is_constraint_violation),
                (
                    "is_referential_integrity_violation",
                    Error::is_referential_integrity_violation,
                ),
            ];
            for (i, e) in all.iter().enumerate() {
                for (j, (name, check)) in checks.iter().enumerate() {
                    assert_eq!(check(e), i == j, "{name} of {e}");
                }
                assert!(
                    !e.is_outcome_unknown() && !e.is_disconnected() && !e.is_not_leader(),
                    "{e}"
                );
            }
            assert_eq!(conflict.as_ovsdb_error().unwrap().error, ErrorKind::TimedOut);

            // Outcome unknown: a transaction blocked on a `wait` (10 s) when the server dies.
            let rpc = client.rpc().await.unwrap();
            let mut txn = client.transaction::<OvnNorthboundDb>();
            txn.wait::<NbGlobal>([], &["nb_cfg"], WaitUntil::Equal, vec![], Some(10_000));
            txn.insert(switch("maybe"));
            let pending = tokio::spawn(txn.commit());
            tokio::time::sleep(Duration::from_millis(300)).await;
            blocking(|| server.kill().unwrap());
            let lost = pending.await.unwrap().unwrap_err();
            assert!(lost.is_outcome_unknown(), "{lost:?}");
            assert!(!lost.is_conflict() && !lost.is_disconnected(), "{lost}");
            // The dead session's handle: the request is not sent.
            let gone = rpc.call(&ovsdb_client::proto::method::ListDbs).await.unwrap_err();
            assert!(gone.is_disconnected() && gone.is_retryable(), "{gone:?}");
            assert!(!gone.is_outcome_unknown(), "{gone}");
        },
    )
    .await;
}

/// `transact_with_retry`: the closure awaits, its first attempt conflicts, the second commits;
/// the outcome counts two attempts and resolves the inserted `Ref` to the row's UUID, which is
/// in the replica.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_reports_attempts_and_resolves_refs() {
    let server = blocking(|| OvsdbServer::builder(nb_schema()).start().unwrap());
    let remote = server.unix_remote();
    watchdog(
        "retry_reports_attempts_and_resolves_refs",
        Duration::from_secs(60),
        async {
            let client = Client::connect(&remote, config()).await.unwrap();
            let nb = client
                .replica::<OvnNorthboundDb>()
                .table::<LogicalSwitch>()
                .start()
                .await
                .unwrap();
            let calls = Arc::new(AtomicUsize::new(0));
            let done = client
                .transact_with_retry::<OvnNorthboundDb, _, _>(5, |mut txn| {
                    let calls = calls.clone();
                    let nb = nb.clone();
                    async move {
                        // An await inside the closure.
                        let session = nb.wait_current(Duration::from_secs(5)).await.unwrap();
                        if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                            // First attempt: a wait that cannot hold (a switch named "nope" exists).
                            txn.wait::<LogicalSwitch>(
                                [LogicalSwitch::NAME.eq("nope")],
                                &["name"],
                                WaitUntil::Equal,
                                vec![ovsdb_client::Row::from_iter([(
                                    "name".to_owned(),
                                    Datum::scalar(ovsdb_client::Atom::string("nope")),
                                )])],
                                Some(0),
                            );
                        }
                        let r = txn.insert(switch("retried"));
                        (txn, (r, session))
                    }
                })
                .await
                .unwrap();
            assert_eq!(done.attempts, 2);
            assert_eq!(calls.load(Ordering::SeqCst), 2);
            let (uuid, session) = done.value;
            let uuid = uuid.expect("the inserted row's UUID");
            assert_eq!(session, 1);
            let read = nb.read();
            let row = read
                .table::<LogicalSwitch>()
                .get(&uuid)
                .expect("row in the replica");
            assert_eq!(row.name, "retried");
            assert_eq!(
                read.table::<LogicalSwitch>().len(),
                1,
                "the failed attempt inserted nothing"
            );
        },
    )
    .await;
}

/// An untyped replica of a misspelt table, an unknown column, or no table fails to start with
/// an error naming it and what the schema has; a typed replica with a column its model lacks
/// too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_tables_and_columns_are_errors() {
    let server = blocking(|| OvsdbServer::builder(nb_schema()).start().unwrap());
    let remote = server.unix_remote();
    watchdog(
        "unknown_tables_and_columns_are_errors",
        Duration::from_secs(60),
        async {
            let client = Client::connect(&remote, config()).await.unwrap();
            let e = client
                .dynamic_replica(NB)
                .table("Logical_Swich")
                .start()
                .await
                .unwrap_err();
            let text = e.to_string();
            assert!(matches!(e, ReplicaError::UnknownTable { .. }), "{e:?}");
            assert!(
                text.contains("\"Logical_Swich\"") && text.contains("Logical_Switch, Logical_Switch_Port"),
                "{text}"
            );

            let e = client
                .dynamic_replica(NB)
                .table("Logical_Switch")
                .table_with("ACL", TableSpec::default().columns(["action", "priorty"]))
                .start()
                .await
                .unwrap_err();
            let text = e.to_string();
            assert!(matches!(e, ReplicaError::UnknownColumn { .. }), "{e:?}");
            assert!(
                text.contains("\"ACL\"") && text.contains("\"priorty\"") && text.contains("priority"),
                "{text}"
            );

            let e = client.dynamic_replica(NB).start().await.unwrap_err();
            assert!(matches!(e, ReplicaError::NoTables { .. }), "{e:?}");
            assert!(e.to_string().contains(NB), "{e}");
            let e = client.replica::<OvnNorthboundDb>().start().await.unwrap_err();
            assert!(matches!(e, ReplicaError::NoTables { .. }), "{e:?}");

            let e = client
                .replica::<OvnNorthboundDb>()
                .table_with::<LogicalSwitch>(TableSpec::default().columns(["nmae"]))
                .start()
                .await
                .unwrap_err();
            assert!(e.to_string().contains("\"nmae\""), "{e}");

            // The right names work.
            let ok = client
                .dynamic_replica(NB)
                .table_with("ACL", TableSpec::default().columns(["action", "priority"]))
                .start()
                .await
                .unwrap();
            assert_eq!(ok.read().table("ACL").len(), 0);
        },
    )
    .await;
}

/// `wait_current` across a server restart with a change made while the server was down: the
/// state goes Current(1) → Connecting → ... → Current(2); when `wait_current` returns, the
/// replica has the change and the resync's events (ending with `Resynced`) are queued.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_current_across_restart() {
    let mut server = blocking(|| OvsdbServer::builder(nb_schema()).start().unwrap());
    let remote = server.unix_remote();
    let db = server.db_path().to_owned();
    watchdog("wait_current_across_restart", Duration::from_secs(60), async {
        let client = Client::connect(&remote, config()).await.unwrap();
        let nb = client
            .replica::<OvnNorthboundDb>()
            .table::<LogicalSwitch>()
            .start()
            .await
            .unwrap();
        assert_eq!(nb.wait_current(Duration::from_secs(1)).await.unwrap(), 1);
        assert_eq!(nb.status().borrow().state, ReplicaState::Current { session: 1 });
        let mut events = nb.subscribe::<LogicalSwitch>();
        let mut status = nb.status();

        blocking(|| server.stop().unwrap());
        let connecting = status.wait_for(|s| s.state == ReplicaState::Connecting);
        tokio::time::timeout(Duration::from_secs(5), connecting)
            .await
            .unwrap()
            .unwrap();
        let e = nb.wait_current(Duration::from_millis(100)).await.unwrap_err();
        assert!(matches!(e, ReplicaError::Timeout(_)), "{e:?}");
        assert_eq!(e.to_string(), "replica not synchronised within 100 ms");
        tool_transact(
            &db,
            r#"{"op":"insert","table":"Logical_Switch","row":{"name":"offline"}}"#,
        );
        blocking(|| server.restart().unwrap());

        let session = nb.wait_current(Duration::from_secs(10)).await.unwrap();
        assert!(session >= 2, "session {session}");
        assert!(
            nb.read()
                .table::<LogicalSwitch>()
                .iter()
                .any(|r| r.name == "offline")
        );
        let mut seen = Vec::new();
        while let Some(e) = events.try_recv() {
            seen.push(match e {
                Event::Inserted(r) => format!("+{}", r.name),
                Event::Resynced => "resynced".to_owned(),
                other => format!("{other:?}"),
            });
        }
        assert_eq!(seen, ["+offline", "resynced"]);
    })
    .await;
}

/// `Client::convert` to the schema with a new column: the replica follows (re-monitors after
/// `monitor_canceled`) and an untyped replica shows the column; a schema of another name is
/// refused with the server's `invalid parameters`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn convert_adds_a_column() {
    let server = blocking(|| OvsdbServer::builder(nb_schema()).start().unwrap());
    let remote = server.unix_remote();
    watchdog("convert_adds_a_column", Duration::from_secs(60), async {
        let client = Client::connect(&remote, config()).await.unwrap();
        let mut txn = client.transaction::<OvnNorthboundDb>();
        txn.insert(switch("before"));
        txn.commit().await.unwrap();
        let dynamic = client
            .dynamic_replica(NB)
            .table("Logical_Switch")
            .start()
            .await
            .unwrap();

        let mut json = client.get_schema(NB).await.unwrap().to_json();
        json["version"] = "99.0.0".into();
        json["tables"]["Logical_Switch"]["columns"]["extra_col"] = serde_json::json!({"type": "string"});
        let schema = DatabaseSchema::from_json_str(&json.to_string()).unwrap();
        client.convert(NB, &schema).await.unwrap();

        let now = client.get_schema(NB).await.unwrap();
        assert_eq!(now.version.as_deref(), Some("99.0.0"));
        assert!(now.tables["Logical_Switch"].columns.contains_key("extra_col"));
        let mut status = dynamic.status();
        let resynced =
            status.wait_for(|s| s.canceled >= 1 && matches!(s.state, ReplicaState::Current { .. }));
        tokio::time::timeout(Duration::from_secs(10), resynced)
            .await
            .unwrap()
            .unwrap();
        let read = dynamic.read();
        let row = read.table("Logical_Switch").iter().next().unwrap().clone();
        assert_eq!(
            row.get("extra_col"),
            Some(&Datum::scalar(ovsdb_client::Atom::string("")))
        );
        drop(read);

        let mut other = json.clone();
        other["name"] = "Not_Northbound".into();
        let other = DatabaseSchema::from_json_str(&other.to_string()).unwrap();
        let e = client.convert(NB, &other).await.unwrap_err();
        assert_eq!(
            e.as_ovsdb_error().map(|o| o.error.clone()),
            Some(ErrorKind::InvalidParameters),
            "{e:?}"
        );
    })
    .await;
}
