//! Every method of ovsdb-proto through the low layer, against a real ovsdb-server.

use std::time::Duration;

use ovsdb_client::Error;
use ovsdb_proto::method::{
    Cancel, Echo, GetSchema, GetServerId, ListDbs, Lock, Monitor, MonitorCancel, MonitorCond,
    MonitorCondChange, MonitorCondSince, SetDbChangeAware, Steal, Transact, Unlock,
};
use ovsdb_proto::notify::Notification;
use ovsdb_proto::op::{Condition, Insert, Select, Wait, WaitUntil};
use ovsdb_proto::update::{MonitorCondUpdateRequest, MonitorRequest, MonitorRequests, RowUpdate2};
use ovsdb_proto::{Atom, Datum, ErrorKind, Id, Operation, OperationResult, Row};
use ovsdb_testkit::OvsdbServer;
use serde_json::json;

use crate::common::{blocking, nb_schema, next_note, rpc_connect, watchdog};

const NB: &str = "OVN_Northbound";

fn insert_ls(name: &str) -> Transact {
    Transact::new(
        NB,
        vec![Operation::from(Insert::new(
            "Logical_Switch",
            Row::new().with("name", Datum::scalar(Atom::from(name))),
        ))],
    )
}

fn ls_requests() -> MonitorRequests {
    MonitorRequests::new().with("Logical_Switch", MonitorRequest::all().columns(["name"]))
}

fn name_of(row: &Row) -> Option<&str> {
    row.get("name")?.as_scalar()?.as_str()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_method_end_to_end() {
    let server = blocking(|| OvsdbServer::builder(nb_schema()).start().unwrap());
    let remote = server.unix_remote();
    watchdog("every_method_end_to_end", Duration::from_secs(60), async {
        let (c, mut notes) = rpc_connect(&remote).await;
        let (writer, _) = rpc_connect(&remote).await;

        // list_dbs, get_schema, echo, get_server_id, set_db_change_aware.
        let dbs = c.call(&ListDbs).await.unwrap();
        assert!(
            dbs.contains(&NB.to_owned()) && dbs.contains(&"_Server".to_owned()),
            "{dbs:?}"
        );
        let schema = c.call(&GetSchema { db: NB.into() }).await.unwrap();
        assert_eq!(schema.name, NB);
        assert!(schema.tables.contains_key("Logical_Switch"));
        let e = c.call(&GetSchema { db: "nope".into() }).await.unwrap_err();
        assert_eq!(
            e.as_ovsdb_error().unwrap().error,
            ErrorKind::UnknownDatabase,
            "{e}"
        );
        assert_eq!(
            c.call(&Echo(vec![json!(1), json!("x")])).await.unwrap(),
            vec![json!(1), json!("x")]
        );
        let sid1 = c.call(&GetServerId).await.unwrap();
        assert_eq!(writer.call(&GetServerId).await.unwrap(), sid1);
        c.call(&SetDbChangeAware { aware: true }).await.unwrap();

        // transact: success, then an operation failure reported per operation.
        let reply = writer.call(&insert_ls("sw0")).await.unwrap();
        let results = reply.into_result().unwrap();
        assert!(matches!(results[0], OperationResult::Insert { .. }));
        let sel = Transact::new(
            NB,
            vec![Operation::from(
                Select::new(
                    "Logical_Switch",
                    [Condition::eq("name", Datum::scalar(Atom::from("sw0")))],
                )
                .columns(["name"]),
            )],
        );
        match &writer.call(&sel).await.unwrap().into_result().unwrap()[0] {
            OperationResult::Select { rows } => assert_eq!(rows.len(), 1),
            other => panic!("{other:?}"),
        }
        let bad = Transact::new(
            NB,
            vec![Operation::from(Insert::new(
                "Logical_Switch",
                Row::new().with("no_such_column", Datum::scalar(Atom::from(1))),
            ))],
        );
        let err = writer.call(&bad).await.unwrap().into_result().unwrap_err();
        assert_eq!(
            (err.index, err.error.error.clone()),
            (Some(0), ErrorKind::UnknownColumn)
        );

        // monitor (RFC 7047): initial rows in the reply, then "update".
        let mon = c
            .call(&Monitor {
                db: NB.into(),
                monitor_id: json!("m1"),
                requests: ls_requests(),
            })
            .await
            .unwrap();
        let initial = &mon.0["Logical_Switch"];
        assert_eq!(initial.len(), 1);
        assert_eq!(
            name_of(initial.values().next().unwrap().new.as_ref().unwrap()),
            Some("sw0")
        );

        // monitor_cond with a condition: only sw1 and sw2 are seen.
        let cond = MonitorRequests::new().with(
            "Logical_Switch",
            MonitorRequest::all()
                .columns(["name"])
                .where_([Condition::ne("name", Datum::scalar(Atom::from("sw0")))]),
        );
        let mon2 = c
            .call(&MonitorCond {
                db: NB.into(),
                monitor_id: json!(["m", 2]),
                requests: cond,
            })
            .await
            .unwrap();
        assert!(mon2.is_empty(), "{mon2:?}");

        // monitor_cond_since: a standalone server never finds the id and answers a zero id.
        let mon3 = c
            .call(&MonitorCondSince {
                db: NB.into(),
                monitor_id: json!("m3"),
                requests: ls_requests(),
                last_txn_id: None,
            })
            .await
            .unwrap();
        assert!(!mon3.found);
        assert_eq!(mon3.updates.0["Logical_Switch"].len(), 1);

        // One write gives one notification per monitor, in the order the monitors were made.
        writer
            .call(&insert_ls("sw1"))
            .await
            .unwrap()
            .into_result()
            .unwrap();
        let mut seen = Vec::new();
        for _ in 0..3 {
            match next_note(&mut notes).await {
                Notification::Update { monitor_id, updates } => {
                    let row = updates.0["Logical_Switch"].values().next().unwrap();
                    assert_eq!(name_of(row.new.as_ref().unwrap()), Some("sw1"));
                    seen.push(monitor_id);
                }
                Notification::Update2 { monitor_id, updates } => {
                    let row = updates.0["Logical_Switch"].values().next().unwrap();
                    assert!(matches!(row, RowUpdate2::Insert(r) if name_of(r) == Some("sw1")));
                    seen.push(monitor_id);
                }
                Notification::Update3(u) => {
                    assert_eq!(u.updates.0["Logical_Switch"].len(), 1);
                    seen.push(u.monitor_id);
                }
                other => panic!("{other:?}"),
            }
        }
        seen.sort_by_key(|v| v.to_string());
        assert_eq!(seen, vec![json!("m1"), json!("m3"), json!(["m", 2])]);

        // monitor_cond_change: now only sw0 matches the conditional monitor (sw1 leaves it).
        c.call(&MonitorCondChange {
            monitor_id: json!(["m", 2]),
            new_monitor_id: json!(["m", 2]),
            requests: [(
                "Logical_Switch".to_owned(),
                vec![MonitorCondUpdateRequest::where_([Condition::eq(
                    "name",
                    Datum::scalar(Atom::from("sw0")),
                )])],
            )]
            .into_iter()
            .collect(),
        })
        .await
        .unwrap();
        match next_note(&mut notes).await {
            Notification::Update2 { monitor_id, updates } => {
                assert_eq!(monitor_id, json!(["m", 2]));
                let kinds: Vec<&str> = updates.0["Logical_Switch"]
                    .values()
                    .map(RowUpdate2::kind)
                    .collect();
                let mut kinds = kinds;
                kinds.sort();
                assert_eq!(kinds, ["delete", "insert"]); // ovsdb-server 3.1: a row entering the condition is an "insert"
            }
            other => panic!("{other:?}"),
        }

        // monitor_cancel, and the error for an unknown monitor.
        for id in [json!("m1"), json!(["m", 2]), json!("m3")] {
            c.call(&MonitorCancel { monitor_id: id }).await.unwrap();
        }
        let e = c
            .call(&MonitorCancel {
                monitor_id: json!("m1"),
            })
            .await
            .unwrap_err();
        assert_eq!(
            e.as_ovsdb_error().unwrap().error,
            ErrorKind::UnknownMonitor,
            "{e}"
        );
        writer
            .call(&insert_ls("sw2"))
            .await
            .unwrap()
            .into_result()
            .unwrap();
        assert_eq!(c.call(&ListDbs).await.unwrap().len(), dbs.len());
        assert!(notes.try_recv().is_none(), "a canceled monitor still notifies");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locks_and_their_notifications() {
    let server = blocking(|| OvsdbServer::builder(nb_schema()).start().unwrap());
    let remote = server.unix_remote();
    watchdog("locks_and_their_notifications", Duration::from_secs(60), async {
        let (a, mut a_notes) = rpc_connect(&remote).await;
        let (b, mut b_notes) = rpc_connect(&remote).await;
        let lock = || Lock { lock: "lockA".into() };
        assert!(a.call(&lock()).await.unwrap().locked);
        // b queues; gets "locked" when a unlocks.
        assert!(!b.call(&lock()).await.unwrap().locked);
        a.call(&Unlock { lock: "lockA".into() }).await.unwrap();
        assert_eq!(
            next_note(&mut b_notes).await,
            Notification::Locked { lock: "lockA".into() }
        );
        // a steals: b gets "stolen".
        assert!(a.call(&Steal { lock: "lockA".into() }).await.unwrap().locked);
        assert_eq!(
            next_note(&mut b_notes).await,
            Notification::Stolen { lock: "lockA".into() }
        );
        // An "assert" on a lock not held fails with "not owner".
        let t = Transact::new(NB, vec![Operation::assert("lockA")]);
        let err = b.call(&t).await.unwrap().into_result().unwrap_err();
        assert_eq!(err.error.error, ErrorKind::NotOwner);
        assert!(a.call(&t).await.unwrap().into_result().is_ok());
        // b still waits for the lock (a steal does not cancel its request): a unlocks, b gets it.
        a.call(&Unlock { lock: "lockA".into() }).await.unwrap();
        assert_eq!(
            next_note(&mut b_notes).await,
            Notification::Locked { lock: "lockA".into() }
        );
        assert!(a_notes.try_recv().is_none());
    })
    .await;
}

/// ovsdb-server 3.1 drops a canceled transaction without any reply (it does not send the
/// `"canceled"` error RFC 7047 §4.1.4 describes): so a canceled `wait` neither completes nor times
/// out on the server, and the caller's own deadline ends it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_a_waiting_transaction() {
    let server = blocking(|| OvsdbServer::builder(nb_schema()).start().unwrap());
    let remote = server.unix_remote();
    watchdog("cancel_a_waiting_transaction", Duration::from_secs(60), async {
        // NB_Global is empty, so this waits until its 1.5 s timeout.
        let waiting = Transact::new(
            NB,
            vec![Operation::from(
                Wait::new(
                    "NB_Global",
                    [],
                    Some(vec!["nb_cfg".into()]),
                    WaitUntil::Equal,
                    [Row::new().with("nb_cfg", Datum::scalar(Atom::from(424242)))],
                )
                .timeout(1500),
            )],
        );
        // Control: without cancel the server answers "timed out".
        let (c, _notes) = rpc_connect(&remote).await;
        let err = c.call(&waiting).await.unwrap().into_result().unwrap_err();
        assert_eq!(err.error.error, ErrorKind::TimedOut);

        // With cancel (the first request of a connection has id 0) no reply ever comes.
        let (c, _notes) = rpc_connect(&remote).await;
        let c2 = c.with_timeout(Duration::from_secs(3));
        let txn = tokio::spawn(async move { c2.call(&waiting).await });
        tokio::time::sleep(Duration::from_millis(200)).await;
        c.call(&Cancel { id: Id::from(0) }).await.unwrap();
        let e = txn.await.unwrap().unwrap_err();
        assert!(matches!(e, Error::Timeout { sent: true, .. }), "{e:?}");
        assert!(e.is_outcome_unknown());
        // The connection is fine.
        assert!(c.call(&ListDbs).await.is_ok());
    })
    .await;
}
