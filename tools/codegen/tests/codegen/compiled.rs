//! The snapshots, compiled into this test binary and exercised: the hard cases must not only
//! print as expected but build without warnings and behave.

#[path = "../snapshots/composite_indexes/mod.rs"]
#[allow(dead_code, unreachable_pub)] // public API, not all of it used here
#[rustfmt::skip]
mod composite_indexes;
#[path = "../snapshots/enum_maps/mod.rs"]
#[allow(dead_code, unreachable_pub)] // public API, not all of it used here
#[rustfmt::skip]
mod enum_maps;
#[path = "../snapshots/hyphenated_enums/mod.rs"]
#[allow(dead_code, unreachable_pub)] // public API, not all of it used here
#[rustfmt::skip]
mod hyphenated_enums;
#[path = "../snapshots/integer_enums/mod.rs"]
#[allow(dead_code, unreachable_pub)] // public API, not all of it used here
#[rustfmt::skip]
mod integer_enums;
#[path = "../snapshots/keywords/mod.rs"]
#[allow(dead_code, unreachable_pub)] // public API, not all of it used here
#[rustfmt::skip]
mod keywords;
#[path = "../snapshots/optional_refs/mod.rs"]
#[allow(dead_code, unreachable_pub)] // public API, not all of it used here
#[rustfmt::skip]
mod optional_refs;
#[path = "../snapshots/real_sets/mod.rs"]
#[allow(dead_code, unreachable_pub)] // public API, not all of it used here
#[rustfmt::skip]
mod real_sets;
#[path = "../snapshots/weak_refs/mod.rs"]
#[allow(dead_code, unreachable_pub)] // public API, not all of it used here
#[rustfmt::skip]
mod weak_refs;

use ovsdb_proto::{
    Atom, AtomicType, Database, Datum, DatumError, Map, Real, Ref, Row, RowError, Set, Table, Uuid,
};

fn real(v: f64) -> Real {
    Real::new(v).unwrap()
}

#[test]
fn keywords_get_a_trailing_underscore() {
    use keywords::Type;
    let t = Type {
        type_: "patch".into(),
        match_: "ip".into(),
        ref_: Some(3),
        self_: true,
        ..Default::default()
    };
    let row = t.to_row();
    assert_eq!(row.get("type"), Some(&Datum::scalar("patch")));
    assert_eq!(row.get("match"), Some(&Datum::scalar("ip")));
    assert_eq!(row.get("camelCase"), Some(&Datum::scalar(0)));
    assert_eq!(Type::TYPE.name(), "type");
    assert_eq!(Type::FN.name(), "fn");
    assert_eq!(Type::from_row(&row).unwrap(), t);
    assert_eq!(Type::COLUMNS, ["camelCase", "fn", "match", "ref", "self", "type"]);
}

#[test]
fn hyphenated_enum_values() {
    use hyphenated_enums::{Port, PortBondMode, PortLacp, PortProtocols, PortVlanMode};
    assert_eq!(PortVlanMode::Dot1qTunnel.as_str(), "dot1q-tunnel");
    assert_eq!(
        PortVlanMode::from_wire("native-untagged"),
        PortVlanMode::NativeUntagged
    );
    assert_eq!("802.1q".parse::<PortProtocols>(), Ok(PortProtocols::V8021q));
    assert_eq!(
        PortProtocols::KNOWN,
        [
            PortProtocols::V8021q,
            PortProtocols::OpenFlow10,
            PortProtocols::OpenFlow15
        ]
    );
    // A single-value enum ("enum": "off") is an enum too.
    assert_eq!(PortLacp::KNOWN, [PortLacp::Off]);
    // The default is the first value in ovsdb-server's (bytewise) order.
    assert_eq!(PortBondMode::default(), PortBondMode::ActiveBackup);
    // Values from a newer server survive a round trip.
    let row = Row::new()
        .with("bond_mode", Datum::scalar("balance-new"))
        .with("vlan_mode", Datum::scalar("trunk"))
        .with("protocols", Datum::set(["OpenFlow16", "OpenFlow10"]));
    let p = Port::from_row(&row).unwrap();
    assert_eq!(p.bond_mode, PortBondMode::Unknown("balance-new".into()));
    assert_eq!(p.bond_mode.to_string(), "balance-new");
    assert_eq!(p.vlan_mode, Some(PortVlanMode::Trunk));
    assert!(p.protocols.contains(&PortProtocols::Unknown("OpenFlow16".into())));
    assert_eq!(p.to_row().get("protocols"), row.get("protocols"));
    // A wrong atom type names table and column.
    let err = Port::from_row(&Row::new().with("bond_mode", Datum::scalar(1))).unwrap_err();
    assert_eq!(
        err,
        RowError::Column {
            table: "Port",
            column: "bond_mode",
            source: DatumError::AtomType {
                expected: AtomicType::String,
                found: AtomicType::Integer
            }
        }
    );
}

#[test]
fn optional_references() {
    use optional_refs::{Gateway, OptionalRefsDb, Router};
    let gw = Uuid::from_u128(1);
    let r = Router {
        name: "r".into(),
        gateway: Some(Ref::new(gw)),
        peer: None,
        tag: Some(Uuid::from_u128(2)),
    };
    let row = r.to_row();
    assert_eq!(row.get("gateway"), Some(&Datum::scalar(gw)));
    assert_eq!(row.get("peer"), Some(&Datum::empty_set()));
    assert_eq!(Router::from_row(&row).unwrap(), r);
    // update2 diffs of an optional reference carry the new value (ovsdb-server 3.1.0).
    let mut r2 = r.clone();
    let other = Uuid::from_u128(3);
    r2.apply_diff(&Row::new().with("gateway", Datum::scalar(other)))
        .unwrap();
    assert_eq!(r2.gateway, Some(Ref::new(other)));
    r2.apply_diff(&Row::new().with("gateway", Datum::empty_set()))
        .unwrap();
    assert_eq!(r2.gateway, None);
    // Two values are no optional value.
    let err = r2
        .apply_diff(&Row::new().with("gateway", Datum::set([gw, other])))
        .unwrap_err();
    assert!(
        matches!(
            err,
            RowError::Diff {
                column: "gateway",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!((Router::IS_ROOT, Gateway::IS_ROOT), (true, false));
    assert_eq!(OptionalRefsDb::TABLES, ["Gateway", "Router"]);
    // A weak scalar reference defaults to the nil UUID.
    assert_eq!(Gateway::default().router.uuid(), Some(Uuid::nil()));
}

#[test]
fn weak_references() {
    use weak_refs::{Group, Member};
    let (a, b) = (Uuid::from_u128(10), Uuid::from_u128(11));
    let g = Group {
        members: [Ref::<Member>::new(a), Ref::new(b)].into(),
        leader: Some(Ref::new(a)),
        by_name: Map::from([("a".into(), Ref::new(a))]),
    };
    assert_eq!(Group::from_row(&g.to_row()).unwrap(), g);
    // ovsdb-server deleting member b: the set diff removes it, the map diff drops pairs.
    let mut g2 = g.clone();
    g2.apply_diff(
        &Row::new()
            .with("members", Datum::scalar(b))
            .with("by_name", Datum::map([("a", a)])),
    )
    .unwrap();
    assert_eq!(g2.members, Set::from([Ref::new(a)]));
    assert!(g2.by_name.is_empty());
}

#[test]
fn maps_of_enums() {
    use enum_maps::{Qos, QosBandwidth, QosMarks, QosPolicyKey, QosPolicyValue};
    let q = Qos {
        bandwidth: Map::from([(QosBandwidth::Rate, 100), (QosBandwidth::Burst, 10)]),
        marks: Map::from([("af11".into(), QosMarks::Green)]),
        policy: Map::from([(QosPolicyKey::In, QosPolicyValue::Drop)]),
    };
    let row = q.to_row();
    assert_eq!(
        row.get("bandwidth"),
        Some(&Datum::map([("burst", 10), ("rate", 100)]))
    );
    assert_eq!(Qos::from_row(&row).unwrap(), q);
    // A changed value arrives as the pair with its new value.
    let mut q2 = q.clone();
    q2.apply_diff(&Row::new().with("policy", Datum::map([("in", "pass")])))
        .unwrap();
    assert_eq!(q2.policy.get(&QosPolicyKey::In), Some(&QosPolicyValue::Pass));
    assert_eq!(Qos::TABLE_NAME, "QoS");
}

#[test]
fn reals_in_sets() {
    use real_sets::{RealsDb, Sample};
    let s = Sample {
        weights: [real(1.5), real(-1.0), real(0.25)].into(),
        offset: Some(real(-2.5)),
        ratios: Map::from([("x".into(), real(0.5))]),
        levels: [real(1.0)].into(),
        ..Default::default()
    };
    let row = s.to_row();
    let back = Sample::from_row(&row).unwrap();
    assert_eq!(back, s);
    assert_eq!(
        back.weights.iter().map(|r| r.get()).collect::<Vec<_>>(),
        [-1.0, 0.25, 1.5]
    );
    // ovsdb-server prints integral reals without a fraction; they decode as reals.
    let from_server = Row::new()
        .with("levels", Datum::scalar(1))
        .with("scale", Datum::scalar(2));
    let decoded = Sample::from_row(&from_server).unwrap();
    assert_eq!(decoded.levels, Set::from([real(1.0)]));
    assert_eq!(decoded.scale, real(2.0));
    // Defaults moved into range: ovsdb-server's 0 is outside minReal 0.25 / minInteger 10 / maxInteger -5.
    let d = Sample::default();
    assert_eq!((d.scale, d.count, d.below), (real(0.25), 10, -5));
    assert_eq!(
        RealsDb::schema().tables["Sample"].columns.len(),
        Sample::COLUMNS.len()
    );
}

#[test]
fn integer_enums() {
    use integer_enums::{Flow, FlowPriority, FlowTableIds, FlowVersion};
    assert_eq!(
        FlowPriority::KNOWN,
        [
            FlowPriority::VMinus1,
            FlowPriority::V0,
            FlowPriority::V5,
            FlowPriority::V100
        ]
    );
    assert_eq!(FlowPriority::default(), FlowPriority::VMinus1);
    assert_eq!(FlowPriority::VMinus1.as_i64(), -1);
    assert_eq!(FlowPriority::from_wire(42), FlowPriority::Unknown(42));
    let f = Flow {
        priority: FlowPriority::V100,
        table_ids: [FlowTableIds::V2, FlowTableIds::Unknown(9)].into(),
        version: Some(FlowVersion::V7),
    };
    let row = f.to_row();
    assert_eq!(row.get("priority"), Some(&Datum::scalar(100)));
    assert_eq!(row.get("table_ids"), Some(&Datum::set([2, 9])));
    assert_eq!(Flow::from_row(&row).unwrap(), f);
    let err = Flow::from_row(&Row::new().with("priority", Datum::scalar("high"))).unwrap_err();
    assert!(
        matches!(
            err,
            RowError::Column {
                column: "priority",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        <FlowPriority as ovsdb_proto::FromAtom>::ATOMIC_TYPE,
        AtomicType::Integer
    );
    assert_eq!(
        ovsdb_proto::IntoAtom::to_atom(&FlowPriority::VMinus1),
        Atom::Integer(-1)
    );
}

#[test]
fn composite_indexes() {
    use composite_indexes::{Datapath, Group, GroupKind, IndexesDb};
    let dp = Ref::<Datapath>::new(Uuid::from_u128(5));
    let g = Group {
        datapath: dp.clone(),
        tunnel_key: 40000,
        name: "mc".into(),
        chassis: Some("ch1".into()),
        kind: GroupKind::Static,
    };
    assert_eq!(Group::BY_DATAPATH_TUNNEL_KEY.key(&g), (dp.clone(), 40000));
    assert_eq!(Group::BY_DATAPATH_NAME.key(&g), (dp, "mc".into()));
    assert_eq!(
        Group::BY_NAME_CHASSIS_KIND.key(&g),
        ("mc".into(), Some("ch1".into()), GroupKind::Static)
    );
    assert_eq!(Group::BY_NAME_CHASSIS_KIND.columns(), ["name", "chassis", "kind"]);
    assert_eq!(
        Group::INDEXES,
        [
            &["datapath", "tunnel_key"][..],
            &["datapath", "name"][..],
            &["name", "chassis", "kind"][..]
        ]
    );
    assert_eq!(Datapath::BY_TUNNEL_KEY.key(&Datapath { tunnel_key: 3 }), 3);
    // Defaults honour minInteger.
    assert_eq!(Group::default().tunnel_key, 32768);
    assert_eq!(Datapath::default().tunnel_key, 1);
    assert_eq!(IndexesDb::SCHEMA_VERSION, "1.0.0");
    assert_eq!(IndexesDb::SCHEMA_CKSUM, None);
}

/// Every compiled snapshot's embedded schema parses and lists the same tables as the marker.
#[test]
fn embedded_schemas_parse() {
    fn check<D: Database>() {
        let names: Vec<&str> = D::schema().tables.keys().map(String::as_str).collect();
        assert_eq!(names, D::TABLES, "{}", D::NAME);
    }
    check::<composite_indexes::IndexesDb>();
    check::<enum_maps::EnumMapsDb>();
    check::<hyphenated_enums::HyphensDb>();
    check::<integer_enums::IntegerEnumsDb>();
    check::<keywords::KeywordsDb>();
    check::<optional_refs::OptionalRefsDb>();
    check::<real_sets::RealsDb>();
    check::<weak_refs::WeakRefsDb>();
}
