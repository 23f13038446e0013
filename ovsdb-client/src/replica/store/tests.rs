//! Unit tests of the store: atomic apply, resync swap, indexes, reverse references, events.

use std::collections::{BTreeMap, BTreeSet};

use ovn_nb::{LogicalSwitch, LogicalSwitchPort, OvnNorthboundDb};
use ovsdb_proto::update::MonitorCondSinceReply;
use ovsdb_proto::{Database, Map, Ref, Row, Set, SmolStr, Table, TableSchema, Uuid};

use super::*;
use crate::replica::{IndexHandle, view};

fn u(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn schemas() -> BTreeMap<String, TableSchema> {
    OvnNorthboundDb::schema().tables.clone()
}

fn port(name: &str) -> LogicalSwitchPort {
    LogicalSwitchPort {
        name: name.into(),
        ..Default::default()
    }
}

/// A snapshot following Logical_Switch and Logical_Switch_Port, with a client index on the
/// port's `external_ids:owner`.
fn snapshot() -> (Snapshot, IndexHandle<LogicalSwitchPort, SmolStr>) {
    let mut ports = TableStore::<LogicalSwitchPort>::new("Logical_Switch_Port");
    ports.client.push(Box::new(ClientIndexImpl {
        key: |p: &LogicalSwitchPort| p.external_ids.get("owner").cloned(),
        map: HashMap::new(),
    }));
    let switches = TableStore::<LogicalSwitch>::new("Logical_Switch");
    let tables: BTreeMap<String, Box<dyn AnyTable>> = BTreeMap::from([
        (
            "Logical_Switch".to_owned(),
            Box::new(switches) as Box<dyn AnyTable>,
        ),
        (
            "Logical_Switch_Port".to_owned(),
            Box::new(ports) as Box<dyn AnyTable>,
        ),
    ]);
    let empty = Snapshot::new(tables);
    // Build the layouts (indexes) as a first sync does.
    let monitored = BTreeMap::new();
    let snap = empty.rebuild(&schemas(), &monitored, &Changes::new()).unwrap();
    let handle = IndexHandle {
        table: "Logical_Switch_Port",
        id: 0,
        _k: std::marker::PhantomData,
    };
    (snap, handle)
}

fn apply(snap: &mut Snapshot, changes: Changes) -> Result<(), ApplyError> {
    let p = snap.prepare(&schemas(), &changes)?;
    send_all(snap.commit(p));
    Ok(())
}

fn one(table: &str, uuid: Uuid, c: Change) -> Changes {
    BTreeMap::from([(table.to_owned(), BTreeMap::from([(uuid, c)]))])
}

const LSP: &str = "Logical_Switch_Port";
const LS: &str = "Logical_Switch";

#[test]
fn insert_modify_delete_with_indexes_and_reverse_refs() {
    let (mut snap, owner) = snapshot();
    let mut p1 = port("p1");
    p1.external_ids.insert("owner".into(), "alice".into());
    apply(&mut snap, one(LSP, u(1), Change::Insert(p1.to_row()))).unwrap();
    let ls = LogicalSwitch {
        name: "ls0".into(),
        ports: Set::from([Ref::new(u(1))]),
        ..Default::default()
    };
    apply(&mut snap, one(LS, u(10), Change::Insert(ls.to_row()))).unwrap();

    {
        let ports = view::<LogicalSwitchPort>(&snap, LSP);
        assert_eq!(ports.len(), 1);
        assert_eq!(ports.get(&u(1)).unwrap().name, "p1");
        let by_name = ports.get_by(LogicalSwitchPort::BY_NAME, &"p1".into()).unwrap();
        assert_eq!(by_name.uuid, u(1));
        assert!(ports.get_by(LogicalSwitchPort::BY_NAME, &"p2".into()).is_none());
        let alice: Vec<_> = ports.find(&owner, &"alice".into()).map(|r| r.uuid).collect();
        assert_eq!(alice, vec![u(1)]);
        let switches = view::<LogicalSwitch>(&snap, LS);
        let on: Vec<_> = switches
            .referencing(LogicalSwitch::PORTS, u(1))
            .map(|r| r.uuid)
            .collect();
        assert_eq!(on, vec![u(10)]);
    }

    // Rename and change owner through an update2 diff: indexes follow.
    let diff = Row::new()
        .with("name", LogicalSwitchPort::NAME.encode(&"p1b".into()))
        .with(
            "external_ids",
            // map diff: same key with a new value replaces it
            LogicalSwitchPort::EXTERNAL_IDS.encode(&Map::from([("owner".into(), "bob".into())])),
        );
    apply(&mut snap, one(LSP, u(1), Change::Modify(diff))).unwrap();
    {
        let ports = view::<LogicalSwitchPort>(&snap, LSP);
        assert!(ports.get_by(LogicalSwitchPort::BY_NAME, &"p1".into()).is_none());
        assert_eq!(
            ports
                .get_by(LogicalSwitchPort::BY_NAME, &"p1b".into())
                .unwrap()
                .uuid,
            u(1)
        );
        assert_eq!(ports.find(&owner, &"alice".into()).count(), 0);
        assert_eq!(ports.find(&owner, &"bob".into()).count(), 1);
    }

    // Removing the port from the switch (set diff toggles the element) drops the reverse ref.
    let diff = Row::new().with("ports", LogicalSwitch::PORTS.encode(&Set::from([Ref::new(u(1))])));
    apply(&mut snap, one(LS, u(10), Change::Modify(diff))).unwrap();
    assert!(
        view::<LogicalSwitch>(&snap, LS)
            .get(&u(10))
            .unwrap()
            .ports
            .is_empty()
    );
    assert_eq!(
        view::<LogicalSwitch>(&snap, LS)
            .referencing(LogicalSwitch::PORTS, u(1))
            .count(),
        0
    );
    // Built by the first `referencing` above, then maintained by every change.
    assert!(snap.refs.get().is_some_and(HashMap::is_empty));

    apply(&mut snap, one(LSP, u(1), Change::Delete)).unwrap();
    let ports = view::<LogicalSwitchPort>(&snap, LSP);
    assert!(ports.is_empty());
    assert!(ports.get_by(LogicalSwitchPort::BY_NAME, &"p1b".into()).is_none());
    assert_eq!(ports.find(&owner, &"bob".into()).count(), 0);
}

#[test]
fn a_notification_that_does_not_apply_changes_nothing() {
    let (mut snap, _) = snapshot();
    let mut changes = one(LSP, u(1), Change::Insert(port("ok").to_row()));
    // A modify for a row that is not there, in another table of the same notification.
    changes.insert(
        LS.to_owned(),
        BTreeMap::from([(
            u(99),
            Change::Modify(Row::new().with("name", LogicalSwitch::NAME.encode(&"x".into()))),
        )]),
    );
    let err = apply(&mut snap, changes).unwrap_err();
    assert!(
        matches!(&err, ApplyError::MissingRow { table, uuid } if table == LS && *uuid == u(99)),
        "{err}"
    );
    assert!(view::<LogicalSwitchPort>(&snap, LSP).is_empty());

    // A row of the wrong type is named by table, row and column.
    let bad = Row::new().with("name", ovsdb_proto::Datum::scalar(5));
    let err = apply(&mut snap, one(LSP, u(2), Change::Insert(bad))).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("Logical_Switch_Port") && msg.contains("name"),
        "{msg}"
    );
    assert!(view::<LogicalSwitchPort>(&snap, LSP).is_empty());
}

#[test]
fn unique_key_moving_between_rows_in_one_notification() {
    let (mut snap, _) = snapshot();
    apply(&mut snap, one(LSP, u(1), Change::Insert(port("a").to_row()))).unwrap();
    // Row 1 deleted and row 2 takes its name, in one notification (order of uuids: 1 then 2,
    // and also the reverse order).
    let mut changes = one(LSP, u(2), Change::Insert(port("a").to_row()));
    changes.get_mut(LSP).unwrap().insert(u(1), Change::Delete);
    apply(&mut snap, changes).unwrap();
    let ports = view::<LogicalSwitchPort>(&snap, LSP);
    assert_eq!(
        ports
            .get_by(LogicalSwitchPort::BY_NAME, &"a".into())
            .unwrap()
            .uuid,
        u(2)
    );

    let mut changes = one(LSP, u(2), Change::Delete);
    changes
        .get_mut(LSP)
        .unwrap()
        .insert(u(0), Change::Insert(port("a").to_row()));
    apply(&mut snap, changes).unwrap();
    let ports = view::<LogicalSwitchPort>(&snap, LSP);
    assert_eq!(
        ports
            .get_by(LogicalSwitchPort::BY_NAME, &"a".into())
            .unwrap()
            .uuid,
        u(0)
    );
    assert_eq!(ports.len(), 1);
}

#[test]
fn resync_replaces_everything_and_emits_the_difference() {
    let (mut snap, owner) = snapshot();
    let mut rx = match snap
        .tables
        .get(LSP)
        .unwrap()
        .as_any()
        .downcast_ref::<TableStore<LogicalSwitchPort>>()
    {
        Some(s) => event_sender(&s.events).subscribe(),
        None => panic!("wrong type"),
    };
    let mut kept = port("kept");
    kept.external_ids.insert("owner".into(), "alice".into());
    let mut init = one(LSP, u(1), Change::Insert(kept.to_row()));
    init.get_mut(LSP)
        .unwrap()
        .insert(u(2), Change::Insert(port("deleted").to_row()));
    init.get_mut(LSP)
        .unwrap()
        .insert(u(3), Change::Insert(port("modified").to_row()));
    apply(&mut snap, init).unwrap();
    for _ in 0..3 {
        assert!(matches!(rx.try_recv().unwrap(), Event::Inserted(_)));
    }

    // The server's new snapshot: 1 unchanged, 2 gone, 3 renamed, 4 new.
    let mut fresh = one(LSP, u(1), Change::Insert(kept.to_row()));
    fresh
        .get_mut(LSP)
        .unwrap()
        .insert(u(3), Change::Insert(port("modified2").to_row()));
    fresh
        .get_mut(LSP)
        .unwrap()
        .insert(u(4), Change::Insert(port("new").to_row()));
    let monitored = BTreeMap::new();
    let next = snap.rebuild(&schemas(), &monitored, &fresh).unwrap();
    // The old snapshot is untouched until the swap.
    assert_eq!(view::<LogicalSwitchPort>(&snap, LSP).len(), 3);
    let old = std::mem::replace(&mut snap, next);
    send_all(snap.resync_events(&old));

    let ports = view::<LogicalSwitchPort>(&snap, LSP);
    let mut names: Vec<_> = ports.iter().map(|r| r.name.clone()).collect();
    names.sort();
    assert_eq!(names, ["kept", "modified2", "new"]);
    assert_eq!(
        ports
            .get_by(LogicalSwitchPort::BY_NAME, &"new".into())
            .unwrap()
            .uuid,
        u(4)
    );
    assert!(
        ports
            .get_by(LogicalSwitchPort::BY_NAME, &"deleted".into())
            .is_none()
    );
    assert_eq!(ports.find(&owner, &"alice".into()).count(), 1);

    let mut seen = Vec::new();
    while let Ok(e) = rx.try_recv() {
        seen.push(match e {
            Event::Inserted(r) => format!("+{}", r.name),
            Event::Updated { old, new } => format!("{}->{}", old.name, new.name),
            Event::Deleted(r) => format!("-{}", r.name),
            Event::Resynced => "resynced".to_owned(),
        });
    }
    let (last, rest) = seen.split_last().unwrap();
    assert_eq!(last, "resynced");
    let mut rest = rest.to_vec();
    rest.sort();
    assert_eq!(rest, ["+new", "-deleted", "modified->modified2"]);
}

#[test]
fn a_lagging_subscriber_gets_resynced_and_memory_is_bounded() {
    let (mut snap, _) = snapshot();
    let rx = match snap
        .tables
        .get(LSP)
        .unwrap()
        .as_any()
        .downcast_ref::<TableStore<LogicalSwitchPort>>()
    {
        Some(s) => event_sender(&s.events).subscribe(),
        None => panic!("wrong type"),
    };
    let mut events = crate::replica::Events { rx: Some(rx) };
    for i in 0..(EVENT_CAPACITY as u128 + 10) {
        apply(
            &mut snap,
            one(LSP, u(i + 1), Change::Insert(port(&format!("p{i}")).to_row())),
        )
        .unwrap();
    }
    assert!(matches!(events.try_recv(), Some(Event::Resynced)));
    // Then the newest events the channel kept.
    assert!(matches!(events.try_recv(), Some(Event::Inserted(_))));
    assert_eq!(view::<LogicalSwitchPort>(&snap, LSP).len(), EVENT_CAPACITY + 10);
}

#[test]
fn plain_monitor_replace_and_untyped_rows() {
    // Untyped store with the server schema's diff rules.
    let store = TableStore::<DynamicRow>::new(LSP);
    let tables = BTreeMap::from([(LSP.to_owned(), Box::new(store) as Box<dyn AnyTable>)]);
    let snap = Snapshot::new(tables);
    let mut snap = snap
        .rebuild(&schemas(), &BTreeMap::new(), &Changes::new())
        .unwrap();
    let mut p = port("dyn");
    p.addresses.insert("00:00:00:00:00:01".into());
    apply(&mut snap, one(LSP, u(1), Change::Insert(p.to_row()))).unwrap();
    // A set diff: toggling one new element adds it.
    let diff = Row::new().with(
        "addresses",
        LogicalSwitchPort::ADDRESSES.encode(&Set::from(["00:00:00:00:00:02".into()])),
    );
    apply(&mut snap, one(LSP, u(1), Change::Modify(diff))).unwrap();
    let rows = view::<DynamicRow>(&snap, LSP);
    let r = rows.get(&u(1)).unwrap();
    assert_eq!(r.get("addresses").unwrap().len(), 2);

    // A plain monitor's `new` replaces the row.
    let mut p2 = port("dyn2");
    p2.tag_request = Some(7);
    apply(&mut snap, one(LSP, u(1), Change::Replace(p2.to_row()))).unwrap();
    let rows = view::<DynamicRow>(&snap, LSP);
    let r = rows.get(&u(1)).unwrap();
    assert_eq!(LogicalSwitchPort::from_row(&r.0).unwrap(), p2);
}

#[test]
fn update_from_plain_monitor_becomes_changes() {
    use ovsdb_proto::update::{RowUpdate, TableUpdates};
    let upd = TableUpdates(BTreeMap::from([(
        LSP.to_owned(),
        BTreeMap::from([
            (
                u(1),
                RowUpdate {
                    old: None,
                    new: Some(port("a").to_row()),
                },
            ),
            (
                u(2),
                RowUpdate {
                    old: Some(Row::new()),
                    new: Some(port("b").to_row()),
                },
            ),
            (
                u(3),
                RowUpdate {
                    old: Some(port("c").to_row()),
                    new: None,
                },
            ),
        ]),
    )]));
    let c = changes_from_update(upd);
    let rows = &c[LSP];
    assert!(matches!(rows[&u(1)], Change::Insert(_)));
    assert!(matches!(rows[&u(2)], Change::Replace(_)));
    assert!(matches!(rows[&u(3)], Change::Delete));
}

/// A `monitor_cond_since` result holding two switches and three ports (one port referred to by
/// both switches), plus a table the replica does not follow.
fn reply_json(found: bool) -> String {
    let uuid = |n: u128| u(n).to_string();
    format!(
        r#"[{found}, "{txn}", {{
            "ACL": {{"{acl}": {{"initial": {{"priority": 5}}}}}},
            "Logical_Switch_Port": {{
                "{p1}": {{"initial": {{"name": "p1", "external_ids": ["map", [["owner", "alice"]]],
                                      "addresses": "0a:00:00:00:00:01 10.0.0.1"}}}},
                "{p2}": {{"initial": {{"name": "p2"}}}},
                "{p3}": {{"insert": {{"name": "p3", "external_ids": ["map", [["owner", "alice"]]]}}}}
            }},
            "Logical_Switch": {{
                "{s1}": {{"initial": {{"name": "ls1", "ports": ["set", [["uuid", "{p1}"], ["uuid", "{p2}"]]]}}}},
                "{s2}": {{"initial": {{"name": "ls2", "ports": ["uuid", "{p2}"]}}}}
            }}
        }}]"#,
        txn = uuid(99),
        acl = uuid(50),
        p1 = uuid(1),
        p2 = uuid(2),
        p3 = uuid(3),
        s1 = uuid(10),
        s2 = uuid(11),
    )
}

fn decode(json: &str, resume: bool) -> Result<DecodedReply, ReplyError> {
    let (base, _) = snapshot();
    let fresh = base.fresh(&schemas(), &BTreeMap::new());
    decode_reply(json.as_bytes(), true, resume, fresh, &schemas())
}

#[test]
fn a_reply_decoded_from_its_text_equals_the_same_rows_applied_as_changes() {
    let json = reply_json(false);
    let d = decode(&json, false).unwrap();
    assert!(!d.found);
    assert_eq!(d.last_txn_id, Some(u(99)));
    let ReplyBody::Snapshot(fast) = d.body else {
        panic!("expected a snapshot")
    };
    // The same reply through the tree decoder and the two-phase apply.
    let parsed: MonitorCondSinceReply = ovsdb_proto::error::from_str(&json).unwrap();
    let (base, owner) = snapshot();
    let slow = base
        .rebuild(
            &schemas(),
            &BTreeMap::new(),
            &changes_from_update2(parsed.updates),
        )
        .unwrap();
    for snap in [&fast, &slow] {
        let ports = view::<LogicalSwitchPort>(snap, LSP);
        assert_eq!(ports.len(), 3);
        let p1 = ports.get_by(LogicalSwitchPort::BY_NAME, &"p1".into()).unwrap();
        assert_eq!(p1.uuid, u(1));
        assert_eq!(
            p1.addresses,
            BTreeSet::from([SmolStr::from("0a:00:00:00:00:01 10.0.0.1")])
        );
        let mut alice: Vec<_> = ports.find(&owner, &"alice".into()).map(|r| r.uuid).collect();
        alice.sort();
        assert_eq!(alice, vec![u(1), u(3)]);
        let switches = view::<LogicalSwitch>(snap, LS);
        let mut on_p2: Vec<_> = switches
            .referencing(LogicalSwitch::PORTS, u(2))
            .map(|r| r.uuid)
            .collect();
        on_p2.sort();
        assert_eq!(on_p2, vec![u(10), u(11)]);
        assert_eq!(snap.refs().get(&u(1)).into_iter().flatten().count(), 1);
        assert!(!snap.tables.contains_key("ACL"));
    }
    assert_eq!(fast.refs(), slow.refs());
}

#[test]
fn deleting_every_row_of_a_decoded_reply_empties_every_index() {
    // The keys indexed from the received rows must be the ones removed later from the decoded
    // rows encoded again; anything left over would be a stale index entry.
    let d = decode(&reply_json(false), false).unwrap();
    let ReplyBody::Snapshot(mut snap) = d.body else {
        panic!("expected a snapshot")
    };
    // Build the reverse references first, so that the deletes below maintain them.
    assert_eq!(snap.refs().len(), 2);
    let mut all = Changes::new();
    for (table, uuids) in [(LSP, vec![1, 2, 3]), (LS, vec![10, 11])] {
        all.insert(
            table.to_owned(),
            uuids.into_iter().map(|n| (u(n), Change::Delete)).collect(),
        );
    }
    apply(&mut snap, all).unwrap();
    assert!(snap.refs.get().is_some_and(HashMap::is_empty));
    let ports = snap.tables[LSP]
        .as_any()
        .downcast_ref::<TableStore<LogicalSwitchPort>>()
        .unwrap();
    assert!(ports.rows.is_empty());
    assert_eq!(ports.unique.len(), 1);
    assert!(ports.unique.iter().all(UniqueMap::is_empty));
}

#[test]
fn a_resumed_reply_becomes_changes_and_a_bad_one_names_what_is_wrong() {
    let d = decode(&reply_json(true), true).unwrap();
    assert!(d.found);
    let ReplyBody::Changes(changes) = d.body else {
        panic!("expected changes")
    };
    assert_eq!(changes[LSP].len(), 3);
    assert!(matches!(changes[LSP][&u(3)], Change::Insert(_)));
    // Found, but this replica has nothing to resume: a whole snapshot.
    assert!(matches!(
        decode(&reply_json(true), false).unwrap().body,
        ReplyBody::Snapshot(_)
    ));

    // A modify in a snapshot: the replica does not have the row.
    let modify = format!(
        r#"[false, "{}", {{"Logical_Switch_Port": {{"{}": {{"modify": {{"name": "x"}}}}}}}}]"#,
        u(0),
        u(7)
    );
    match decode(&modify, false) {
        Err(ReplyError::Apply(ApplyError::MissingRow { table, uuid })) => {
            assert_eq!((table.as_str(), uuid), (LSP, u(7)));
        }
        _ => panic!("expected MissingRow"),
    }
    // A value of the wrong type names the table, row and column.
    let wrong = format!(
        r#"[false, "{}", {{"Logical_Switch_Port": {{"{}": {{"initial": {{"name": 5}}}}}}}}]"#,
        u(0),
        u(7)
    );
    match decode(&wrong, false) {
        Err(ReplyError::Apply(e @ ApplyError::Row { .. })) => {
            let text = e.to_string();
            assert!(
                text.contains("Logical_Switch_Port") && text.contains("name"),
                "{text}"
            );
        }
        _ => panic!("expected a row error"),
    }
    // Not a reply at all: a JSON path says where.
    let bad = format!(
        r#"[false, "{}", {{"Logical_Switch_Port": {{"not-a-uuid": {{"initial": {{}}}}}}}}]"#,
        u(0)
    );
    match decode(&bad, false) {
        Err(ReplyError::Json(e)) => assert!(e.to_string().contains("Logical_Switch_Port"), "{e}"),
        _ => panic!("expected a decode error"),
    }
}

type AllReferrers = BTreeMap<Uuid, Vec<(String, String, Uuid)>>;

/// Every (target, referrers) of `refs`, in order.
fn listed(refs: &RefIndex) -> AllReferrers {
    refs.iter()
        .map(|(target, rs)| {
            let rs = rs
                .into_iter()
                .map(|r| (r.table().to_owned(), r.column().to_owned(), r.uuid))
                .collect();
            (*target, rs)
        })
        .collect()
}

/// The reverse references of `snap`'s rows as they are now, without keeping them.
fn from_scratch(snap: &Snapshot) -> AllReferrers {
    let mut refs = RefIndex::new();
    for table in snap.tables.values() {
        table.add_refs(&mut refs);
    }
    listed(&refs)
}

#[test]
fn reverse_references_built_late_equal_the_ones_maintained_from_the_start() {
    // Two replicas of the same reply get the same changes; one builds its reverse references
    // before them (and then maintains them change by change), the other only at the end.
    let decoded = || match decode(&reply_json(false), false).unwrap().body {
        ReplyBody::Snapshot(s) => s,
        ReplyBody::Changes(_) => panic!("expected a snapshot"),
    };
    let (mut early, mut late) = (decoded(), decoded());
    assert!(early.refs.get().is_none(), "a sync builds no reverse references");
    let on = |sw: u128| (LS.to_owned(), "ports".to_owned(), u(sw));
    // Switch 10 holds ports 1 and 2, switch 11 port 2 (see `reply_json`).
    assert_eq!(
        listed(early.refs()),
        BTreeMap::from([(u(1), vec![on(10)]), (u(2), vec![on(10), on(11)])])
    );
    let ports_diff = |ports: &[u128]| {
        Change::Modify(Row::new().with(
            "ports",
            LogicalSwitch::PORTS.encode(&ports.iter().map(|&p| Ref::new(u(p))).collect()),
        ))
    };
    let switch = |name: &str, ports: &[u128]| {
        LogicalSwitch {
            name: name.into(),
            ports: ports.iter().map(|&p| Ref::new(u(p))).collect(),
            ..Default::default()
        }
        .to_row()
    };
    let steps: Vec<Changes> = vec![
        // A new port added to switch 11 (insert and set diff in one notification).
        BTreeMap::from([
            (
                LSP.to_owned(),
                BTreeMap::from([(u(4), Change::Insert(port("p4").to_row()))]),
            ),
            (LS.to_owned(), BTreeMap::from([(u(11), ports_diff(&[4]))])),
        ]),
        // Switch 10 gone; a new switch 12 holds port 2 and a row that does not exist.
        BTreeMap::from([(
            LS.to_owned(),
            BTreeMap::from([
                (u(10), Change::Delete),
                (u(12), Change::Insert(switch("ls12", &[2, 77]))),
            ]),
        )]),
        // Switch 11 replaced whole (plain monitor): port 3 only; port 2 leaves switch 12.
        BTreeMap::from([(
            LS.to_owned(),
            BTreeMap::from([
                (u(11), Change::Replace(switch("ls2", &[3]))),
                (u(12), ports_diff(&[2])),
            ]),
        )]),
    ];
    for changes in steps {
        apply(&mut early, changes.clone()).unwrap();
        apply(&mut late, changes).unwrap();
        assert!(late.refs.get().is_none());
        assert_eq!(listed(early.refs()), from_scratch(&early));
        assert_eq!(listed(early.refs()), from_scratch(&late));
    }
    let end = BTreeMap::from([(u(3), vec![on(11)]), (u(77), vec![on(12)])]);
    assert_eq!(listed(early.refs()), end);
    assert_eq!(listed(late.refs()), end);
    let switches = view::<LogicalSwitch>(&late, LS);
    let on_p3: Vec<_> = switches
        .referencing(LogicalSwitch::PORTS, u(3))
        .map(|r| r.uuid)
        .collect();
    assert_eq!(on_p3, vec![u(11)]);
    // Built now, and maintained from here on.
    apply(&mut late, one(LS, u(11), Change::Delete)).unwrap();
    assert_eq!(listed(late.refs()), BTreeMap::from([(u(77), vec![on(12)])]));
}

#[test]
fn referrers_stay_inline_for_one_and_ordered_for_many() {
    let link = Arc::new(RefColumn {
        table: Arc::from(LS),
        column: Arc::from("ports"),
    });
    let r = |n: u128| Referrer {
        link: link.clone(),
        uuid: u(n),
    };
    let mut set = Referrers::default();
    assert!(set.is_empty());
    set.insert(r(2));
    set.insert(r(2));
    assert_eq!(set, Referrers::One(r(2)));
    set.insert(r(1));
    set.insert(r(3));
    let order: Vec<_> = set.into_iter().map(|x| x.uuid).collect();
    assert_eq!(order, vec![u(1), u(2), u(3)]);
    set.remove(&r(1));
    set.remove(&r(3));
    assert_eq!(set, Referrers::One(r(2)));
    set.remove(&r(9));
    set.remove(&r(2));
    assert!(set.is_empty());
    assert_eq!((&set).into_iter().count(), 0);
}

/// Hands a text over in pieces of `size` bytes, as a connection does.
struct Pieces<'a> {
    text: &'a [u8],
    size: usize,
}

impl ReplySource for Pieces<'_> {
    fn read_into(&mut self, out: &mut Vec<u8>) -> Result<bool, crate::Error> {
        if self.text.is_empty() {
            return Ok(false);
        }
        let n = self.size.min(self.text.len());
        out.extend_from_slice(&self.text[..n]);
        self.text = &self.text[n..];
        Ok(true)
    }
}

fn decode_in_pieces(json: &str, size: usize, since: bool, resume: bool) -> Result<DecodedReply, ReplyError> {
    let (base, _) = snapshot();
    let fresh = base.fresh(&schemas(), &BTreeMap::new());
    let mut source = Pieces {
        text: json.as_bytes(),
        size,
    };
    decode_reply_from(&mut source, since, resume, fresh, &schemas())
}

/// The rows of a decoded snapshot, per table, in wire form.
fn rows_of(d: DecodedReply) -> BTreeMap<String, BTreeMap<Uuid, Row>> {
    let ReplyBody::Snapshot(snap) = d.body else {
        panic!("expected a snapshot")
    };
    let ports = view::<LogicalSwitchPort>(&snap, LSP);
    let switches = view::<LogicalSwitch>(&snap, LS);
    BTreeMap::from([
        (
            LSP.to_owned(),
            ports.iter().map(|r| (r.uuid, r.to_row())).collect(),
        ),
        (
            LS.to_owned(),
            switches.iter().map(|r| (r.uuid, r.to_row())).collect(),
        ),
    ])
}

#[test]
fn a_reply_read_in_pieces_of_any_size_decodes_as_the_whole_text() {
    // Strings holding brackets, quotes and escapes split anywhere must not end anything; the
    // table not followed (ACL) is skipped however it is split.
    let tricky = reply_json(false).replace(r#""name": "p2""#, r#""name": "p2 ]}\"\\ {[\u00e9""#);
    let whole = rows_of(decode(&tricky, false).unwrap());
    assert_eq!(whole[LSP].len(), 3);
    assert_eq!(whole[LS].len(), 2);
    assert_eq!(
        whole[LSP][&u(2)].get("name"),
        Some(&Datum::scalar(Atom::String("p2 ]}\"\\ {[é".to_owned())))
    );
    for size in [1, 2, 3, 7, 64, 1000] {
        let d = decode_in_pieces(&tricky, size, true, false).unwrap();
        assert_eq!((d.found, d.last_txn_id), (false, Some(u(99))), "pieces of {size}");
        assert_eq!(rows_of(d), whole, "pieces of {size}");
    }
    // monitor_cond's reply: the table updates alone.
    let updates = tricky
        .trim()
        .strip_prefix(&format!(r#"[false, "{}","#, u(99)))
        .and_then(|t| t.strip_suffix(']'))
        .unwrap();
    for size in [1, 5, 4096] {
        let d = decode_in_pieces(updates, size, false, false).unwrap();
        assert_eq!((d.found, d.last_txn_id), (false, None));
        assert_eq!(rows_of(d), whole, "pieces of {size}");
    }
    // A resumed reply in pieces: the same changes as from the whole text.
    let found = reply_json(true);
    let ReplyBody::Changes(want) = decode(&found, true).unwrap().body else {
        panic!("expected changes")
    };
    let ReplyBody::Changes(got) = decode_in_pieces(&found, 3, true, true).unwrap().body else {
        panic!("expected changes")
    };
    assert_eq!(got, want);
}

#[test]
fn a_cut_or_malformed_reply_says_where() {
    let json = reply_json(false);
    // Cut anywhere: the reply ends early (never a partial snapshot).
    for cut in [0, 1, 10, json.len() / 2, json.len() - 1] {
        match decode_in_pieces(&json[..cut], 4, true, false) {
            Err(ReplyError::Json(e)) => assert!(e.message.contains("ends early"), "cut at {cut}: {e}"),
            _ => panic!("cut at {cut}: expected an error"),
        }
    }
    // Something after the reply.
    match decode_in_pieces(&format!("{json} x"), 4, true, false) {
        Err(ReplyError::Json(e)) => assert!(e.message.contains("trailing"), "{e}"),
        _ => panic!("expected an error"),
    }
    // A row whose update does not decode: the path names the table, the row and the member.
    let bad = json.replace(
        r#"{"initial": {"name": "p2"}}"#,
        r#"{"initial": {"name": ["set"]}}"#,
    );
    match decode_in_pieces(&bad, 16, true, false) {
        Err(ReplyError::Json(e)) => {
            assert!(
                e.path.starts_with(&format!("[2].Logical_Switch_Port.{}", u(2))),
                "{e}"
            );
        }
        other => panic!("expected a decode error, got {:?}", other.err()),
    }
    // A table that is not an object.
    match decode_in_pieces(
        &json.replace(r#""ACL": {"#, r#""ACL": 5, "X": {"#),
        16,
        true,
        false,
    ) {
        Err(ReplyError::Json(e)) => assert_eq!(e.path, "[2].ACL", "{e}"),
        other => panic!("expected a decode error, got {:?}", other.err()),
    }
}

/// A row decoded directly, with its wire columns.
type Direct<T> = Option<(T, Vec<Option<Datum>>)>;

/// `{"initial": <row>}` decoded directly, and through a parsed [`Row`].
fn direct_and_parsed<T: Table>(update: &str, wire: &[&str]) -> (Direct<T>, Option<T>) {
    let wire: Vec<String> = wire.iter().map(|c| (*c).to_owned()).collect();
    let direct = T::decode_initial_json(update.as_bytes(), &wire);
    let parsed = match serde_json::from_str::<RowUpdate2>(update) {
        Ok(RowUpdate2::Initial(row) | RowUpdate2::Insert(row)) => T::from_row(&row).ok(),
        _ => None,
    };
    (direct, parsed)
}

#[test]
fn rows_decoded_from_their_text_equal_the_rows_decoded_from_parsed_rows() {
    use ovn_nb::{Acl, AclAction, AclDirection, AclSeverity};
    let p = u(1);
    let port = format!(
        r#"{{"initial": {{"name": "p\u0031", "addresses": ["set", ["b", "a"]], "up": true,
            "external_ids": ["map", [["k2", "v"], ["k1", "v"]]], "tag_request": 7,
            "dhcpv4_options": ["uuid", "{p}"], "ha_chassis_group": ["set", []],
            "options": ["map", []], "port_security": "a", "_version": ["uuid", "{p}"],
            "a_column_from_a_newer_server": ["map", [[1, 2]]]}}}}"#
    );
    let (direct, parsed) = direct_and_parsed::<LogicalSwitchPort>(&port, &["name"]);
    let (row, kept) = direct.expect("decodes directly");
    assert_eq!(Some(&row), parsed.as_ref());
    assert_eq!(row.name, "p1");
    assert_eq!(row.addresses.len(), 2);
    assert_eq!(row.external_ids.get("k1").map(|v| v.as_str()), Some("v"));
    assert_eq!(row.tag_request, Some(7));
    assert_eq!(row.dhcpv4_options, Some(Ref::new(p)));
    assert_eq!(row.up, Some(true));
    assert_eq!(kept, vec![Some(LogicalSwitchPort::NAME.encode(&"p1".into()))]);
    // Columns the row omits are at their defaults, and reported missing.
    let (direct, parsed) = direct_and_parsed::<LogicalSwitchPort>(r#"{"insert": {}}"#, &["name"]);
    assert_eq!(direct, Some((LogicalSwitchPort::default(), vec![None])));
    assert_eq!(parsed, Some(LogicalSwitchPort::default()));

    let acl = r#"{"initial": {"action": "allow-related", "direction": "to-lport", "priority": 1001,
        "severity": ["set", ["alert"]], "match": "ip4", "log": true, "label": 0}}"#;
    let (direct, parsed) = direct_and_parsed::<Acl>(acl, &[]);
    let (row, _) = direct.expect("decodes directly");
    assert_eq!(Some(&row), parsed.as_ref());
    assert_eq!(row.action, AclAction::AllowRelated);
    assert_eq!(row.direction, AclDirection::ToLport);
    assert_eq!(row.severity, Some(AclSeverity::Alert));
    assert_eq!(row.priority, 1001);

    // Whatever is not a new row that decodes is left to the parsed path, which says why.
    for text in [
        r#"{"modify": {"name": "x"}}"#,
        r#"{"delete": null}"#,
        r#"{"initial": {"name": 5}}"#,
        r#"{"initial": {"addresses": ["set", ["a", "a"]]}}"#,
        r#"{"initial": {"external_ids": ["map", [["k", "1"], ["k", "2"]]]}}"#,
        r#"{"initial": {"tag_request": ["set", [1, 2]]}}"#,
        r#"{"initial": {"a_column_from_a_newer_server": {"x": 1}}}"#,
        r#"{"initial": {"name": "x"}, "insert": {"name": "y"}}"#,
        r#"{"initial": {"name": "x"}} trailing"#,
        r#"{"initial": {"name": "x""#,
        r#"{}"#,
        r#"[]"#,
    ] {
        let (direct, _) = direct_and_parsed::<LogicalSwitchPort>(text, &["name"]);
        assert!(direct.is_none(), "{text}");
    }
    // A value outside the enum's set (a newer schema's) is kept by both paths, or refused by
    // both.
    for text in [
        r#"{"initial": {"action": "maybe"}}"#,
        r#"{"initial": {"action": 1}}"#,
    ] {
        let (direct, parsed) = direct_and_parsed::<Acl>(text, &[]);
        assert_eq!(direct.map(|(row, _)| row), parsed, "{text}");
    }
    // The untyped model has no direct decoder.
    assert!(DynamicRow::decode_initial_json(br#"{"initial": {}}"#, &[]).is_none());
}

#[test]
fn a_reply_with_rows_only_the_parsed_path_takes_decodes_the_same() {
    // Rows the direct decoder leaves to the parsed path (a `delete` of a row never had, an
    // escaped column name is fine for both) mixed with ordinary rows.
    let json = format!(
        r#"[false, "{txn}", {{
            "Logical_Switch_Port": {{
                "{p1}": {{"initial": {{"n\u0061me": "p1"}}}},
                "{p2}": {{"delete": null}},
                "{p3}": {{"insert": {{"name": "p3", "tag_request": ["set", [3]]}}}}
            }}
        }}]"#,
        txn = u(99),
        p1 = u(1),
        p2 = u(2),
        p3 = u(3),
    );
    let ReplyBody::Snapshot(snap) = decode(&json, false).unwrap().body else {
        panic!("expected a snapshot")
    };
    let ports = view::<LogicalSwitchPort>(&snap, LSP);
    assert_eq!(ports.len(), 2);
    assert_eq!(
        ports
            .get_by(LogicalSwitchPort::BY_NAME, &"p1".into())
            .unwrap()
            .uuid,
        u(1)
    );
    assert_eq!(ports.get(&u(3)).unwrap().tag_request, Some(3));
    // A bad value is reported as before, naming the table, row and column.
    let bad = json.replace(r#""tag_request": ["set", [3]]"#, r#""tag_request": "three""#);
    let err = match decode(&bad, false) {
        Err(ReplyError::Apply(e)) => e.to_string(),
        Err(e) => panic!("{e:?}"),
        Ok(_) => panic!("decoded"),
    };
    assert!(
        err.contains("Logical_Switch_Port") && err.contains("tag_request"),
        "{err}"
    );
    assert!(err.contains(&u(3).to_string()), "{err}");
}

/// A reply of `n` ports named `p<i>`; port `bad` (if any) has a tag that is not an integer.
fn many_ports(n: u128, bad: Option<u128>) -> String {
    let rows: Vec<String> = (1..=n)
        .map(|i| {
            let tag = if Some(i) == bad { r#""x""# } else { "1" };
            format!(
                r#""{}": {{"initial": {{"name": "p{i}", "tag_request": {tag}}}}}"#,
                u(i)
            )
        })
        .collect();
    format!(
        r#"[false, "{}", {{"Logical_Switch_Port": {{{}}}}}]"#,
        u(99_999),
        rows.join(",")
    )
}

#[test]
fn rows_of_many_batches_decoded_on_both_threads_are_all_there_in_order() {
    // More rows than fit in a batch: the reader decodes every other batch, the builder the
    // rest; every row and index entry is there either way.
    let n = 3 * ROW_BATCH as u128 + 17;
    let ReplyBody::Snapshot(snap) = decode(&many_ports(n, None), false).unwrap().body else {
        panic!("expected a snapshot")
    };
    let ports = view::<LogicalSwitchPort>(&snap, LSP);
    assert_eq!(ports.len() as u128, n);
    for i in [
        1,
        ROW_BATCH as u128,
        ROW_BATCH as u128 + 1,
        2 * ROW_BATCH as u128 + 5,
        n,
    ] {
        let p = ports
            .get_by(LogicalSwitchPort::BY_NAME, &format!("p{i}").into())
            .unwrap();
        assert_eq!(p.uuid, u(i));
        assert_eq!(p.tag_request, Some(1));
    }
    // A bad row in a batch the reader decodes (the second) and one in a later batch the builder
    // decodes: the first one is reported, naming its row.
    let first_bad = ROW_BATCH as u128 + 3;
    let json = many_ports(n, Some(first_bad)).replace(
        &format!(r#""name": "p{}", "tag_request": 1"#, 2 * ROW_BATCH + 1),
        &format!(r#""name": "p{}", "tag_request": "y""#, 2 * ROW_BATCH + 1),
    );
    let err = match decode(&json, false) {
        Err(ReplyError::Apply(e)) => e.to_string(),
        Err(e) => panic!("{e:?}"),
        Ok(_) => panic!("decoded"),
    };
    assert!(
        err.contains(&u(first_bad).to_string()) && err.contains("tag_request"),
        "{err}"
    );
}

#[test]
fn a_unique_index_keyed_by_hash_tells_colliding_keys_apart() {
    // Keys "a", "b", "c" all given hash 7; each row's key is what `keys` says it is now.
    let keys = std::cell::RefCell::new(BTreeMap::<Uuid, &str>::new());
    let key_of = |u: Uuid| keys.borrow().get(&u).map(|k| SmolStr::from(*k));
    let mut map = UniqueMap::default();
    let put = |map: &mut UniqueMap, k: &'static str, row: u128| {
        keys.borrow_mut().insert(u(row), k);
        map.insert_at(7, k, u(row), key_of);
    };
    put(&mut map, "a", 1);
    assert_eq!(map.get_at(7, "a", key_of), Some(u(1)));
    assert_eq!(map.get_at(7, "b", key_of), None, "same hash, another key");
    put(&mut map, "b", 2);
    put(&mut map, "c", 3);
    for (k, row) in [("a", 1), ("b", 2), ("c", 3)] {
        assert_eq!(map.get_at(7, k, key_of), Some(u(row)));
    }
    // A row taking an existing key replaces the row that had it (as a map insert does).
    put(&mut map, "b", 4);
    assert_eq!(map.get_at(7, "b", key_of), Some(u(4)));
    assert_eq!(map.shared.get(&7).map(Vec::len), Some(3));
    // Removing goes by row; down to one row, it moves back to the plain map.
    map.remove_at(7, u(1));
    map.remove_at(7, u(2)); // no longer indexed: nothing happens
    map.remove_at(7, u(3));
    assert!(map.shared.is_empty());
    assert_eq!(map.one.get(&7), Some(&u(4)));
    assert_eq!(map.get_at(7, "b", key_of), Some(u(4)));
    assert_eq!(map.get_at(7, "a", key_of), None);
    map.remove_at(7, u(4));
    assert!(map.is_empty());
    // Without collisions: the real hash.
    keys.borrow_mut().insert(u(5), "x");
    map.insert("x", u(5), key_of);
    assert_eq!(map.get("x", key_of), Some(u(5)));
    assert_eq!(map.get("y", key_of), None);
    map.remove("x", u(5));
    assert!(map.is_empty());
}

#[test]
fn untyped_rows_of_many_batches_decode_on_both_threads_with_defaults_filled_in() {
    // Untyped rows have no direct decoder: both threads parse them (the reader every other
    // batch), and the parsed row becomes the replica's, with the schema's defaults added.
    let tables: BTreeMap<String, Box<dyn AnyTable>> = BTreeMap::from([(
        LSP.to_owned(),
        Box::new(TableStore::<DynamicRow>::new(LSP)) as Box<dyn AnyTable>,
    )]);
    let fresh = Snapshot::new(tables).fresh(&schemas(), &BTreeMap::new());
    let n = 3 * ROW_BATCH as u128 + 5;
    let d = decode_reply(many_ports(n, None).as_bytes(), true, false, fresh, &schemas()).unwrap();
    let ReplyBody::Snapshot(snap) = d.body else {
        panic!("expected a snapshot")
    };
    let ports = view::<DynamicRow>(&snap, LSP);
    assert_eq!(ports.len() as u128, n);
    for i in [1, ROW_BATCH as u128 + 2, n] {
        let p = ports.get(&u(i)).unwrap();
        assert_eq!(
            p.get("name"),
            Some(&LogicalSwitchPort::NAME.encode(&format!("p{i}").into()))
        );
        assert_eq!(p.get("tag_request"), Some(&Datum::scalar(Atom::Integer(1))));
        // Omitted by the reply: the schema's default.
        assert_eq!(p.get("type"), Some(&Datum::scalar(Atom::String(String::new()))));
    }
    // The unique name index was built from the rows as received.
    let p = snap.tables[LSP]
        .as_any()
        .downcast_ref::<TableStore<DynamicRow>>()
        .unwrap();
    let key = vec![LogicalSwitchPort::NAME.encode(&format!("p{}", ROW_BATCH + 2).into())];
    assert_eq!(
        p.unique_lookup(&["name"], &key).map(|r| r.uuid),
        Some(u(ROW_BATCH as u128 + 2))
    );
    // A bad row in a batch the reader parses is reported by the builder, naming it.
    let bad = ROW_BATCH as u128 + 4;
    let fresh = snapshot().0.fresh(&schemas(), &BTreeMap::new());
    let text = many_ports(n, Some(bad)).replace(r#""tag_request": "x""#, r#""tag_request": ["bag", 1]"#);
    match decode_reply(text.as_bytes(), true, false, fresh, &schemas()) {
        Err(ReplyError::Json(e)) => assert!(e.path.contains(&u(bad).to_string()), "{e:?}"),
        Err(e) => panic!("{e:?}"),
        Ok(_) => panic!("decoded"),
    }
}
