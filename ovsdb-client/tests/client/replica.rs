//! `Replica<D>` and `Transaction<D>` against real servers (scenarios numbered as in
//! research/reliability.md §2).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use ovn_nb::{LogicalSwitch, LogicalSwitchPort, NbGlobal, OvnNorthboundDb};
use ovsdb_client::replica::{Event, MonitorMethod, Replica, ReplicaStatus, TableSpec};
use ovsdb_client::transaction::{CfgWait, CfgWaitError};
use ovsdb_client::{Backoff, Client, ClientConfig, Error, Plain};
use ovsdb_proto::{Datum, ErrorKind, Row, Table, Uuid};
use ovsdb_testkit::OvsdbServer;

use crate::common::{blocking, nb_schema, watchdog};

const NB: &str = "OVN_Northbound";

pub(crate) fn config() -> ClientConfig {
    ClientConfig::default()
        .database(NB)
        .backoff(Backoff {
            min: Duration::from_millis(100),
            max: Duration::from_millis(400),
            jitter: 0.0,
        })
        .request_timeout(Duration::from_secs(20))
}

/// `ovsdb-client -f json dump REMOTE OVN_Northbound TABLE`, as rows by UUID (the reference
/// client's view).
pub(crate) fn dump(remote: &str, table: &str) -> BTreeMap<Uuid, Row> {
    let out = Command::new("ovsdb-client")
        .args(["-f", "json", "dump", remote, NB, table])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let headings: Vec<String> = serde_json::from_value(v["headings"].clone()).unwrap();
    let mut rows = BTreeMap::new();
    for cells in v["data"].as_array().unwrap() {
        let mut row = Row::new();
        let mut uuid = None;
        for (h, cell) in headings.iter().zip(cells.as_array().unwrap()) {
            let d: Datum = serde_json::from_value(cell.clone()).unwrap();
            if h == "_uuid" {
                uuid = match d.as_scalar() {
                    Some(ovsdb_proto::Atom::Uuid(u)) => Some(*u),
                    _ => None,
                };
            } else if h != "_version" {
                row.insert(h.clone(), d);
            }
        }
        rows.insert(uuid.unwrap(), row);
    }
    rows
}

/// The replica's rows of `T`, encoded, by UUID.
pub(crate) fn replica_rows<T: Table<Db = OvnNorthboundDb>>(
    r: &Replica<OvnNorthboundDb>,
) -> BTreeMap<Uuid, Row> {
    r.read()
        .table::<T>()
        .iter()
        .map(|rec| (rec.uuid, rec.row.to_row()))
        .collect()
}

pub(crate) async fn wait_status(
    r: &Replica<OvnNorthboundDb>,
    what: &str,
    f: impl Fn(&ReplicaStatus) -> bool,
) {
    let mut rx = r.status();
    let ok = tokio::time::timeout(Duration::from_secs(20), rx.wait_for(|s| f(s)))
        .await
        .is_ok();
    assert!(ok, "{what}: status is {:?}", *rx.borrow());
}

/// Waits until the replica's `T` equals the reference client's dump.
pub(crate) async fn wait_equal_dump<T: Table<Db = OvnNorthboundDb>>(
    r: &Replica<OvnNorthboundDb>,
    remote: &str,
) {
    let started = Instant::now();
    loop {
        let expected = blocking(|| dump(remote, T::TABLE_NAME));
        let got = replica_rows::<T>(r);
        if got == expected {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{}: replica differs from dump\nreplica: {got:?}\ndump: {expected:?}",
            T::TABLE_NAME
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) fn switch(name: &str) -> LogicalSwitch {
    LogicalSwitch {
        name: name.into(),
        ..Default::default()
    }
}

pub(crate) fn tool_transact(db: &Path, ops: &str) {
    let out = Command::new("ovsdb-tool")
        .arg("transact")
        .arg(db)
        .arg(format!("[\"{NB}\",{ops}]"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(!s.contains("\"error\""), "{s}");
}

/// Scenario 15: a write committed through the client is in the replica when `commit` returns,
/// 1000 times; also the typed builder's insert/mutate/update_row/delete and `Outcome::uuid`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_writes_are_visible_when_commit_returns() {
    let server = blocking(|| OvsdbServer::builder(nb_schema()).start().unwrap());
    let remote = server.unix_remote();
    watchdog(
        "own_writes_are_visible_when_commit_returns",
        Duration::from_secs(120),
        async {
            let client = Client::connect(&remote, config()).await.unwrap();
            let nb = client
                .replica::<OvnNorthboundDb>()
                .table::<LogicalSwitch>()
                .table::<LogicalSwitchPort>()
                .start()
                .await
                .unwrap();
            assert_eq!(nb.status().borrow().method, Some(MonitorMethod::MonitorCondSince));
            let mut txn = client.transaction::<OvnNorthboundDb>();
            let ls = txn.insert(switch("ls0"));
            let ls0 = txn.commit().await.unwrap().uuid(&ls).unwrap();
            for i in 0..1000 {
                let mut txn = client.transaction::<OvnNorthboundDb>();
                let p = txn.insert(LogicalSwitchPort {
                    name: format!("p{i}").into(),
                    ..Default::default()
                });
                txn.mutate::<LogicalSwitch>(
                    [LogicalSwitch::NAME.eq("ls0")],
                    [LogicalSwitch::PORTS.insert(p.clone())],
                );
                txn.comment(format!("lsp-add ls0 p{i}"));
                let outcome = txn.commit().await.unwrap();
                let uuid = outcome.uuid(&p).unwrap();
                let read = nb.read();
                let port = read.table::<LogicalSwitchPort>().get(&uuid);
                assert!(
                    port.is_some(),
                    "iteration {i}: port not in the replica when commit returned"
                );
                let by_name = read
                    .table::<LogicalSwitchPort>()
                    .get_by(LogicalSwitchPort::BY_NAME, &format!("p{i}").into());
                assert_eq!(by_name.map(|r| r.uuid), Some(uuid));
                let on: Vec<_> = read
                    .table::<LogicalSwitch>()
                    .referencing(LogicalSwitch::PORTS, uuid)
                    .map(|r| r.uuid)
                    .collect();
                assert_eq!(on, vec![ls0], "iteration {i}: reverse reference");
            }
            assert_eq!(nb.read().table::<LogicalSwitchPort>().len(), 1000);

            // update_row sends set and map edits as mutate, scalars as update.
            let old = nb.read().table::<LogicalSwitch>().get(&ls0).unwrap().clone();
            let mut new = old.row.clone();
            new.other_config.insert("k".into(), "v".into());
            new.name = "ls0-renamed".into();
            let first = *new.ports.iter().next().unwrap().uuid().as_ref().unwrap();
            new.ports.remove(&ovsdb_proto::Ref::new(first));
            let mut txn = client.transaction::<OvnNorthboundDb>();
            txn.update_row(&old, &new);
            let kinds: Vec<_> = txn.operations().iter().map(|o| o.name()).collect();
            assert_eq!(kinds, ["update", "mutate"]);
            txn.delete_row::<LogicalSwitchPort>(first);
            txn.commit().await.unwrap();
            let read = nb.read();
            let now = read.table::<LogicalSwitch>().get(&ls0).unwrap();
            assert_eq!(now.row, new);
            assert_eq!(read.table::<LogicalSwitchPort>().len(), 999);
            drop(read);
            wait_equal_dump::<LogicalSwitch>(&nb, &remote).await;
            wait_equal_dump::<LogicalSwitchPort>(&nb, &remote).await;
        },
    )
    .await;
}

/// Scenario 6: rows inserted, modified and deleted while disconnected are right after the
/// reconnect (compared with `ovsdb-client dump`), and the events are exactly the difference.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_resync_after_changes_while_disconnected() {
    let mut server = blocking(|| OvsdbServer::builder(nb_schema()).start().unwrap());
    let remote = server.unix_remote();
    let db = server.db_path().to_owned();
    watchdog("full_resync_after_changes_while_disconnected", Duration::from_secs(60), async {
        let client = Client::connect(&remote, config()).await.unwrap();
        let nb = client.replica::<OvnNorthboundDb>().table::<LogicalSwitch>().start().await.unwrap();
        let mut txn = client.transaction::<OvnNorthboundDb>();
        for n in ["keep", "modify", "delete"] {
            txn.insert(switch(n));
        }
        txn.commit().await.unwrap();
        let mut events = nb.subscribe::<LogicalSwitch>();

        blocking(|| server.stop().unwrap());
        tool_transact(
            &db,
            r#"{"op":"insert","table":"Logical_Switch","row":{"name":"new"}},
               {"op":"update","table":"Logical_Switch","where":[["name","==","modify"]],"row":{"name":"modified"}},
               {"op":"delete","table":"Logical_Switch","where":[["name","==","delete"]]}"#,
        );
        blocking(|| server.restart().unwrap());

        wait_status(&nb, "second snapshot", |s| s.snapshots >= 2).await;
        wait_equal_dump::<LogicalSwitch>(&nb, &remote).await;
        let mut seen = Vec::new();
        loop {
            let e = tokio::time::timeout(Duration::from_secs(5), events.recv()).await.unwrap().unwrap();
            match e {
                Event::Inserted(r) => seen.push(format!("+{}", r.name)),
                Event::Updated { old, new } => seen.push(format!("{}->{}", old.name, new.name)),
                Event::Deleted(r) => seen.push(format!("-{}", r.name)),
                Event::Resynced => break,
                _ => {}
            }
        }
        seen.sort();
        assert_eq!(seen, ["+new", "-delete", "modify->modified"]);
        assert_eq!(nb.status().borrow().resumes, 0, "a standalone server cannot resume");
    })
    .await;
}

/// Scenario 18: with monitor_cond disabled on the server, the replica falls back to `monitor`
/// and still follows (and still sees its own writes at commit).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn falls_back_to_plain_monitor() {
    let server = blocking(|| OvsdbServer::builder(nb_schema()).start().unwrap());
    blocking(|| server.appctl(&["ovsdb-server/disable-monitor-cond"]).unwrap());
    let remote = server.unix_remote();
    watchdog("falls_back_to_plain_monitor", Duration::from_secs(60), async {
        let client = Client::connect(&remote, config()).await.unwrap();
        let mut txn = client.transaction::<OvnNorthboundDb>();
        txn.insert(switch("before"));
        txn.commit().await.unwrap();
        let nb = client
            .replica::<OvnNorthboundDb>()
            .table::<LogicalSwitch>()
            .start()
            .await
            .unwrap();
        assert_eq!(nb.status().borrow().method, Some(MonitorMethod::Monitor));
        for i in 0..20 {
            let mut txn = client.transaction::<OvnNorthboundDb>();
            let r = txn.insert(switch(&format!("s{i}")));
            let u = txn.commit().await.unwrap().uuid(&r).unwrap();
            assert!(nb.read().table::<LogicalSwitch>().get(&u).is_some());
        }
        // A modification arrives as a whole new row.
        let mut txn = client.transaction::<OvnNorthboundDb>();
        txn.update::<LogicalSwitch>(
            [LogicalSwitch::NAME.eq("before")],
            [LogicalSwitch::NAME.value("after")],
        );
        txn.commit().await.unwrap();
        let read = nb.read();
        assert!(read.table::<LogicalSwitch>().iter().any(|r| r.name == "after"));
        assert!(!read.table::<LogicalSwitch>().iter().any(|r| r.name == "before"));
        drop(read);
        wait_equal_dump::<LogicalSwitch>(&nb, &remote).await;
    })
    .await;
}

/// Scenario 14: eight clients increment one column 50 times each with read + wait_unchanged +
/// update, retried on conflict: exactly 400.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn optimistic_increments_lose_nothing() {
    let server = blocking(|| OvsdbServer::builder(nb_schema()).start().unwrap());
    let remote = server.unix_remote();
    watchdog(
        "optimistic_increments_lose_nothing",
        Duration::from_secs(120),
        async {
            let setup = Client::connect(&remote, config()).await.unwrap();
            let mut txn = setup.transaction::<OvnNorthboundDb>();
            txn.insert(NbGlobal::default());
            txn.commit().await.unwrap();
            let mut tasks = Vec::new();
            for _ in 0..8 {
                let remote = remote.clone();
                tasks.push(tokio::spawn(async move {
                    let client = Client::connect(&remote, config()).await.unwrap();
                    let nb = client
                        .replica::<OvnNorthboundDb>()
                        .table::<NbGlobal>()
                        .start()
                        .await
                        .unwrap();
                    let (mut attempts, mut max_cfg) = (0, 0);
                    for _ in 0..50 {
                        let done = client
                            .transact_with_retry::<OvnNorthboundDb, _, _>(1000, |mut txn| async {
                                let g = nb.read().table::<NbGlobal>().iter().next().unwrap().clone();
                                let mut new = g.row.clone();
                                new.nb_cfg += 1;
                                txn.wait_unchanged(&g);
                                txn.update_row(&g, &new);
                                (txn, Plain(new.nb_cfg))
                            })
                            .await
                            .unwrap();
                        attempts += done.attempts;
                        max_cfg = max_cfg.max(done.value);
                    }
                    (attempts, max_cfg)
                }));
            }
            let (mut attempts, mut max_cfg) = (0, 0);
            for t in tasks {
                let (a, m) = t.await.unwrap();
                attempts += a;
                max_cfg = max_cfg.max(m);
            }
            // Each commit's value is the nb_cfg it wrote; eight writers on one row conflict.
            assert_eq!(max_cfg, 400);
            assert!(
                attempts > 400,
                "no conflict among eight writers ({attempts} attempts)"
            );
            let rows = blocking(|| dump(&remote, "NB_Global"));
            let nb_cfg = rows.values().next().unwrap().get("nb_cfg").unwrap().clone();
            assert_eq!(nb_cfg, Datum::scalar(400));

            // Without the retry helper, a stale read fails with "timed out" at the wait.
            let nb = setup
                .replica::<OvnNorthboundDb>()
                .table::<NbGlobal>()
                .start()
                .await
                .unwrap();
            let g = nb.read().table::<NbGlobal>().iter().next().unwrap().clone();
            let mut txn = setup.transaction::<OvnNorthboundDb>();
            txn.mutate::<NbGlobal>([], [NbGlobal::NB_CFG.increment(1)]);
            txn.commit().await.unwrap();
            let mut txn = setup.transaction::<OvnNorthboundDb>();
            txn.wait_unchanged(&g);
            match txn.commit().await {
                Err(Error::Transaction(e)) => {
                    assert_eq!(e.index, Some(0));
                    assert_eq!(e.error.error, ErrorKind::TimedOut);
                }
                other => panic!("{other:?}"),
            }
        },
    )
    .await;
}

/// Scenario 19 (and conditions): the latest condition holds after a reconnect that came while
/// the change was in flight.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn condition_change_survives_reconnect() {
    let server = blocking(|| OvsdbServer::builder(nb_schema()).start().unwrap());
    let remote = server.unix_remote();
    watchdog(
        "condition_change_survives_reconnect",
        Duration::from_secs(60),
        async {
            let client = Client::connect(&remote, config()).await.unwrap();
            let mut txn = client.transaction::<OvnNorthboundDb>();
            for n in ["a", "b", "c"] {
                txn.insert(switch(n));
            }
            txn.commit().await.unwrap();
            let nb = client
                .replica::<OvnNorthboundDb>()
                .table_with::<LogicalSwitch>(TableSpec::where_([LogicalSwitch::NAME.eq("a")]))
                .start()
                .await
                .unwrap();
            let names = |nb: &Replica<OvnNorthboundDb>| -> BTreeSet<String> {
                nb.read()
                    .table::<LogicalSwitch>()
                    .iter()
                    .map(|r| r.name.to_string())
                    .collect()
            };
            assert_eq!(names(&nb), BTreeSet::from(["a".to_owned()]));

            // A change acknowledged by the server.
            nb.set_conditions::<LogicalSwitch>(Some(vec![LogicalSwitch::NAME.eq("b")]))
                .await
                .unwrap();
            let started = Instant::now();
            while names(&nb) != BTreeSet::from(["b".to_owned()]) {
                assert!(started.elapsed() < Duration::from_secs(10), "{:?}", names(&nb));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }

            // A change sent while the server drops every connection.
            let change = nb.set_conditions::<LogicalSwitch>(Some(vec![
                LogicalSwitch::NAME.eq("c"),
                LogicalSwitch::NAME.eq("a"),
            ]));
            let reconnect = async {
                blocking(|| server.appctl(&["ovsdb-server/reconnect"]).unwrap());
            };
            let (r, ()) = tokio::join!(change, reconnect);
            r.unwrap();
            wait_status(&nb, "resynced after the reconnect", |s| s.snapshots >= 2).await;
            let started = Instant::now();
            let want = BTreeSet::from(["a".to_owned(), "c".to_owned()]);
            while names(&nb) != want {
                assert!(started.elapsed() < Duration::from_secs(10), "{:?}", names(&nb));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            // And still following under that condition.
            let mut txn = client.transaction::<OvnNorthboundDb>();
            txn.update::<LogicalSwitch>([LogicalSwitch::NAME.eq("b")], [LogicalSwitch::NAME.value("c2")]);
            txn.update::<LogicalSwitch>([LogicalSwitch::NAME.eq("c")], [LogicalSwitch::NAME.value("b2")]);
            txn.commit().await.unwrap();
            assert_eq!(names(&nb), BTreeSet::from(["a".to_owned()]));
        },
    )
    .await;
}

/// Scenario 20 (transactions and locks): `assert` passes while holding the lock, fails with
/// `not owner` otherwise.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assert_lock_in_transactions() {
    let server = blocking(|| OvsdbServer::builder(nb_schema()).start().unwrap());
    let remote = server.unix_remote();
    watchdog("assert_lock_in_transactions", Duration::from_secs(30), async {
        let holder = Client::connect(&remote, config()).await.unwrap();
        let other = Client::connect(&remote, config()).await.unwrap();
        let lock = holder.lock("replica_test");
        let r = lock.wait_locked(Duration::from_secs(5)).await;
        assert!(r.is_ok(), "{r:?} {lock:?}");
        let mut txn = holder.transaction::<OvnNorthboundDb>();
        txn.assert_lock("replica_test");
        txn.insert(switch("locked-write"));
        txn.commit().await.unwrap();
        let mut txn = other.transaction::<OvnNorthboundDb>();
        txn.assert_lock("replica_test");
        txn.insert(switch("unlocked-write"));
        match txn.commit().await {
            Err(Error::Transaction(e)) => assert_eq!(e.error.error, ErrorKind::NotOwner),
            other => panic!("{other:?}"),
        }
    })
    .await;
}

/// The nb_cfg protocol (`--wait=sb`): the transaction increments nb_cfg and waits for sb_cfg;
/// a stand-in for ovn-northd copies it. Without it, the wait times out after committing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nb_cfg_wait() {
    let server = blocking(|| OvsdbServer::builder(nb_schema()).start().unwrap());
    let remote = server.unix_remote();
    watchdog("nb_cfg_wait", Duration::from_secs(60), async {
        let client = Client::connect(&remote, config()).await.unwrap();
        let mut txn = client.transaction::<OvnNorthboundDb>();
        txn.insert(NbGlobal::default());
        txn.commit().await.unwrap();

        // No northd: committed, then a timeout naming the column.
        let mut txn = client.transaction::<OvnNorthboundDb>();
        txn.insert(switch("w1"));
        match txn.commit_and_wait(CfgWait::SB, Duration::from_millis(500)).await {
            Err(CfgWaitError::Timeout {
                column, target, last, ..
            }) => {
                assert_eq!((column, target, last), ("sb_cfg", 1, Some(0)));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(blocking(|| dump(&remote, "Logical_Switch")).len(), 1);

        // A northd stand-in: copies nb_cfg to sb_cfg after 200 ms.
        let northd = {
            let client = client.clone();
            tokio::spawn(async move {
                let nb = client
                    .replica::<OvnNorthboundDb>()
                    .table::<NbGlobal>()
                    .start()
                    .await
                    .unwrap();
                let mut ev = nb.subscribe::<NbGlobal>();
                loop {
                    let g = nb.read().table::<NbGlobal>().iter().next().unwrap().clone();
                    if g.sb_cfg < g.nb_cfg {
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        let mut txn = client.transaction::<OvnNorthboundDb>();
                        txn.update::<NbGlobal>([], [NbGlobal::SB_CFG.value(g.nb_cfg)]);
                        txn.commit().await.unwrap();
                    }
                    if ev.recv().await.is_none() {
                        return;
                    }
                }
            })
        };
        let mut txn = client.transaction::<OvnNorthboundDb>();
        txn.insert(switch("w2"));
        let started = Instant::now();
        txn.commit_and_wait(CfgWait::SB, Duration::from_secs(10))
            .await
            .unwrap();
        assert!(started.elapsed() >= Duration::from_millis(200));
        let g = blocking(|| dump(&remote, "NB_Global"));
        let g = g.values().next().unwrap();
        assert_eq!(g.get("sb_cfg"), Some(&Datum::scalar(2)));
        northd.abort();
    })
    .await;
}

/// The NB schema with `Logical_Switch.copp` removed (an older server than the model) or with an
/// extra column `extra_col` (a newer one), under another version; written to `dir`.
fn variant_schema(dir: &Path, name: &str, drop_copp: bool, extra: bool, version: &str) -> std::path::PathBuf {
    let text = std::fs::read_to_string(nb_schema()).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["version"] = serde_json::Value::from(version);
    if let Some(obj) = v.as_object_mut() {
        obj.remove("cksum");
    }
    let cols = v["tables"]["Logical_Switch"]["columns"].as_object_mut().unwrap();
    if drop_copp {
        cols.remove("copp");
    }
    if extra {
        cols.insert("extra_col".into(), serde_json::json!({"type": "string"}));
    }
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    path
}

/// Scenario 17: online schema conversion while connected. The server starts with an older schema
/// (no `Logical_Switch.copp`, which the model has), is converted to a newer one (with `copp` and
/// an `extra_col` the model lacks): the replicas follow `monitor_canceled`, re-fetch the schema,
/// re-monitor; the typed one ignores the new column, the untyped one shows it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn online_schema_conversion_while_connected() {
    let tmp = tempfile::tempdir().unwrap();
    let old = variant_schema(tmp.path(), "old.ovsschema", true, false, "6.9.0");
    let new = variant_schema(tmp.path(), "new.ovsschema", false, true, "7.0.99");
    let server = blocking(|| OvsdbServer::builder(&old).start().unwrap());
    let remote = server.unix_remote();
    watchdog(
        "online_schema_conversion_while_connected",
        Duration::from_secs(60),
        async {
            let client = Client::connect(&remote, config()).await.unwrap();
            client
                .transact(NB, crate::client::insert_ls("before"))
                .await
                .unwrap();
            let nb = client
                .replica::<OvnNorthboundDb>()
                .table::<LogicalSwitch>()
                .start()
                .await
                .unwrap();
            let dynamic = client
                .dynamic_replica(NB)
                .table("Logical_Switch")
                .start()
                .await
                .unwrap();
            assert_eq!(nb.read().table::<LogicalSwitch>().len(), 1);
            assert!(
                dynamic
                    .read()
                    .table("Logical_Switch")
                    .iter()
                    .all(|r| r.get("copp").is_none())
            );

            let out = blocking(|| {
                Command::new("ovsdb-client")
                    .args(["convert", &remote])
                    .arg(&new)
                    .output()
                    .unwrap()
            });
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

            wait_status(&nb, "typed replica re-monitored", |s| {
                s.canceled >= 1 && s.snapshots >= 2
            })
            .await;
            let mut st = dynamic.status();
            tokio::time::timeout(
                Duration::from_secs(20),
                st.wait_for(|s| s.canceled >= 1 && s.snapshots >= 2),
            )
            .await
            .unwrap()
            .unwrap();
            // Typed writes now work with every model column, and are visible at commit.
            let mut txn = client.transaction::<OvnNorthboundDb>();
            let r = txn.insert(switch("after"));
            let u = txn.commit().await.unwrap().uuid(&r).unwrap();
            assert_eq!(nb.read().table::<LogicalSwitch>().get(&u).unwrap().name, "after");
            let read = dynamic.read();
            let rows = read.table("Logical_Switch");
            assert_eq!(rows.len(), 2);
            assert!(
                rows.iter()
                    .all(|r| r.get("extra_col").is_some() && r.get("copp").is_some())
            );
            drop(read);
            // The typed replica equals the dump on the model's columns.
            let dumped = blocking(|| dump(&remote, "Logical_Switch"));
            let dumped: BTreeMap<Uuid, LogicalSwitch> = dumped
                .iter()
                .map(|(u, r)| (*u, LogicalSwitch::from_row(r).unwrap()))
                .collect();
            let got: BTreeMap<Uuid, LogicalSwitch> = nb
                .read()
                .table::<LogicalSwitch>()
                .iter()
                .map(|r| (r.uuid, r.row.clone()))
                .collect();
            assert_eq!(got, dumped);
        },
    )
    .await;
}

/// Scenario 16: a subscriber that stops reading during 100 large transactions (50 switches of
/// about 500 bytes each) gets `Resynced` instead of an unbounded queue; the replica equals the dump.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paused_consumer_is_bounded_and_replica_is_complete() {
    let server = blocking(|| OvsdbServer::builder(nb_schema()).start().unwrap());
    let remote = server.unix_remote();
    watchdog("paused_consumer_is_bounded", Duration::from_secs(120), async {
        let client = Client::connect(&remote, config()).await.unwrap();
        let nb = client
            .replica::<OvnNorthboundDb>()
            .table::<LogicalSwitch>()
            .start()
            .await
            .unwrap();
        let mut paused = nb.subscribe::<LogicalSwitch>();
        let writer = Client::connect(&remote, config()).await.unwrap();
        let blob = "x".repeat(450);
        for t in 0..100 {
            let mut txn = writer.transaction::<OvnNorthboundDb>();
            for i in 0..50 {
                txn.insert(LogicalSwitch {
                    name: format!("p{t}-{i}").into(),
                    external_ids: [("blob".into(), blob.as_str().into())].into(),
                    ..Default::default()
                });
            }
            txn.commit().await.unwrap();
        }
        wait_equal_dump::<LogicalSwitch>(&nb, &remote).await;
        assert_eq!(nb.read().table::<LogicalSwitch>().len(), 5000);
        // 5000 events were sent to a channel of EVENT_CAPACITY: the subscriber lagged.
        assert!(matches!(paused.try_recv(), Some(Event::Resynced)));
        let mut queued = 0;
        while paused.try_recv().is_some() {
            queued += 1;
        }
        assert!(
            queued <= ovsdb_client::replica::EVENT_CAPACITY,
            "{queued} events queued"
        );
    })
    .await;
}

/// The Open_vSwitch `next_cfg`/`cur_cfg` wait (ovs-vsctl without `--no-wait`), with a stand-in
/// for ovs-vswitchd; and an untyped replica of a database other than NB.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vswitchd_cur_cfg_wait() {
    use ovs_vswitchd_schema::{Bridge, OpenVSwitch, OpenVSwitchDb};
    let schema =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/schemas/vswitch.ovsschema");
    let server = blocking(|| OvsdbServer::builder(&schema).start().unwrap());
    let remote = server.unix_remote();
    watchdog("vswitchd_cur_cfg_wait", Duration::from_secs(60), async {
        let client = Client::connect(&remote, ClientConfig::default().database("Open_vSwitch"))
            .await
            .unwrap();
        let mut txn = client.transaction::<OpenVSwitchDb>();
        txn.insert(OpenVSwitch::default());
        txn.commit().await.unwrap();
        let vswitchd = {
            let client = client.clone();
            tokio::spawn(async move {
                let db = client
                    .dynamic_replica("Open_vSwitch")
                    .table("Open_vSwitch")
                    .start()
                    .await
                    .unwrap();
                let mut ev = db.subscribe("Open_vSwitch");
                loop {
                    let (next, cur) = {
                        let read = db.read();
                        let row = read.table("Open_vSwitch").iter().next().unwrap().clone();
                        let int = |c: &str| match row.get(c).and_then(|d| d.as_scalar()) {
                            Some(ovsdb_proto::Atom::Integer(i)) => *i,
                            other => panic!("{c}: {other:?}"),
                        };
                        (int("next_cfg"), int("cur_cfg"))
                    };
                    if cur < next {
                        let mut txn = client.transaction::<OpenVSwitchDb>();
                        txn.update::<OpenVSwitch>([], [OpenVSwitch::CUR_CFG.value(next)]);
                        txn.commit().await.unwrap();
                    }
                    if ev.recv().await.is_none() {
                        return;
                    }
                }
            })
        };
        for i in 1..=3 {
            let mut txn = client.transaction::<OpenVSwitchDb>();
            let br = txn.insert(Bridge {
                name: format!("br{i}").into(),
                ..Default::default()
            });
            txn.mutate::<OpenVSwitch>([], [OpenVSwitch::BRIDGES.insert(br)]);
            txn.commit_and_wait(CfgWait::VSWITCHD, Duration::from_secs(10))
                .await
                .unwrap();
            let row = blocking(|| {
                let out = Command::new("ovsdb-client")
                    .args([
                        "-f",
                        "json",
                        "dump",
                        &remote,
                        "Open_vSwitch",
                        "Open_vSwitch",
                        "cur_cfg",
                        "next_cfg",
                    ])
                    .output()
                    .unwrap();
                String::from_utf8(out.stdout).unwrap()
            });
            let v: serde_json::Value = serde_json::from_str(&row).unwrap();
            assert_eq!(v["data"][0], serde_json::json!([i, i]), "{row}");
        }
        vswitchd.abort();
    })
    .await;
}

/// Untyped access: a transaction and a replica by table name, with reverse references.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untyped_transaction_and_replica() {
    use ovsdb_proto::op::{Insert, Mutate};
    use ovsdb_proto::{Atom, Mutation, Operation, UuidRef};
    let server = blocking(|| OvsdbServer::builder(nb_schema()).start().unwrap());
    let remote = server.unix_remote();
    watchdog(
        "untyped_transaction_and_replica",
        Duration::from_secs(30),
        async {
            let client = Client::connect(&remote, config()).await.unwrap();
            let db = client
                .dynamic_replica(NB)
                .table("Logical_Switch")
                .table_with("Logical_Switch_Port", TableSpec::default().columns(["name"]))
                .start()
                .await
                .unwrap();
            let mut txn = client.dynamic_transaction(NB);
            let ls = txn.insert("Logical_Switch", Row::new().with("name", Datum::scalar("dyn-ls")));
            let lsp = txn.insert(
                "Logical_Switch_Port",
                Row::new().with("name", Datum::scalar("dyn-p")),
            );
            let UuidRef::Named(lsp_name) = lsp.clone() else {
                panic!("{lsp:?}")
            };
            txn.push(Operation::Mutate(Mutate::new(
                "Logical_Switch",
                [LogicalSwitch::NAME.eq("dyn-ls")],
                [Mutation::insert(
                    "ports",
                    Datum::scalar(Atom::NamedUuid(lsp_name)),
                )],
            )));
            txn.push(Operation::Insert(Insert::new("Logical_Switch", Row::new())));
            let out = txn.commit().await.unwrap();
            let (ls, lsp) = (out.uuid_of(&ls).unwrap(), out.uuid_of(&lsp).unwrap());
            let read = db.read();
            let row = read.table("Logical_Switch").get(&ls).unwrap().clone();
            assert_eq!(row.get("name"), Some(&Datum::scalar("dyn-ls")));
            assert_eq!(row.get("ports"), Some(&Datum::scalar(Atom::Uuid(lsp))));
            let refs: Vec<_> = read
                .referrers(&lsp)
                .map(|r| (r.table().to_owned(), r.column().to_owned(), r.uuid))
                .collect();
            assert_eq!(refs, vec![("Logical_Switch".to_owned(), "ports".to_owned(), ls)]);
            assert_eq!(read.table("Logical_Switch").len(), 2);
            assert_eq!(
                read.table("Logical_Switch_Port").get(&lsp).unwrap().get("name"),
                Some(&Datum::scalar("dyn-p"))
            );
        },
    )
    .await;
}
