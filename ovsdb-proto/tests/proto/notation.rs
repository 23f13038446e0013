//! RFC 7047 §5.1 notation: round trips of atoms, datums and rows, canonical output from
//! non-canonical input, and the edges of integers, reals and uuids.

#![allow(clippy::unwrap_used)] // test helpers may unwrap (clippy only exempts #[test] fns)

use std::collections::{BTreeMap, BTreeSet};

use ovsdb_proto::{Atom, Datum, NamedUuid, Real, Row, Uuid};
use proptest::prelude::*;
use serde_json::{Value, json};

fn text() -> impl Strategy<Value = String> {
    let tricky = prop::sample::select(vec![
        '"', '\\', '{', '[', ' ', '\n', '\u{0}', 'é', '€', '😀', 'a', 'Z',
    ]);
    prop::collection::vec(prop_oneof![2 => tricky, 1 => any::<char>()], 0..10).prop_map(String::from_iter)
}

fn real() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>().prop_filter("finite", |f| f.is_finite()),
        prop::sample::select(vec![
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            5e-324,
            1e-300,
            -0.0,
            0.0,
            0.5,
            1.0,
            -1.0,
            9007199254740993.0,
            1e300,
        ]),
    ]
}

fn integer() -> impl Strategy<Value = i64> {
    prop_oneof![
        any::<i64>(),
        prop::sample::select(vec![i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX - 1, i64::MAX])
    ]
}

fn named_uuid() -> impl Strategy<Value = NamedUuid> {
    "[a-zA-Z_][a-zA-Z0-9_]{0,12}".prop_map(|s| NamedUuid::new(s).unwrap())
}

fn atom() -> impl Strategy<Value = Atom> {
    prop_oneof![
        integer().prop_map(Atom::Integer),
        real().prop_map(|f| Atom::real(f).unwrap()),
        any::<bool>().prop_map(Atom::Boolean),
        text().prop_map(Atom::String),
        any::<u128>().prop_map(|u| Atom::Uuid(Uuid::from_u128(u))),
        named_uuid().prop_map(Atom::NamedUuid),
    ]
}

/// Atoms of one kind, as a typed column would hold (sets may mix kinds too; see `datum`).
fn atoms_of_one_kind() -> impl Strategy<Value = Vec<Atom>> {
    prop_oneof![
        prop::collection::vec(integer().prop_map(Atom::Integer), 0..6),
        prop::collection::vec(real().prop_map(|f| Atom::real(f).unwrap()), 0..6),
        prop::collection::vec(text().prop_map(Atom::String), 0..6),
        prop::collection::vec(any::<u128>().prop_map(|u| Atom::Uuid(Uuid::from_u128(u))), 0..6),
        prop::collection::vec(atom(), 0..6),
    ]
}

fn datum() -> impl Strategy<Value = Datum> {
    prop_oneof![
        atom().prop_map(Datum::scalar),
        atoms_of_one_kind().prop_map(Datum::set),
        prop::collection::vec((atom(), atom()), 0..6).prop_map(Datum::map),
        Just(Datum::empty_set()),
        Just(Datum::empty_map()),
    ]
}

fn row() -> impl Strategy<Value = Row> {
    prop::collection::btree_map("[a-z_][a-z0-9_]{0,8}", datum(), 0..6).prop_map(Row)
}

/// Encodes a datum the non-canonical ways a peer may: `["set", [...]]` for any set (also of one
/// element) with the elements in the given order, and map pairs in the given order.
fn non_canonical(datum: &Datum, order: &[u16]) -> Value {
    let permute = |v: Vec<Value>| -> Vec<Value> {
        let mut idx: Vec<usize> = (0..v.len()).collect();
        idx.sort_by_key(|&i| order.get(i).copied().unwrap_or(0));
        idx.into_iter().map(|i| v[i].clone()).collect()
    };
    match datum {
        Datum::Set(s) => json!(["set", permute(s.iter().map(Atom::to_json).collect())]),
        Datum::Map(m) => json!([
            "map",
            permute(m.iter().map(|(k, v)| json!([k.to_json(), v.to_json()])).collect())
        ]),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn atoms_round_trip(a in atom()) {
        let text = serde_json::to_string(&a).unwrap();
        prop_assert_eq!(serde_json::from_str::<Atom>(&text).unwrap(), a.clone());
        prop_assert_eq!(a.to_string(), text);
    }

    #[test]
    fn datums_round_trip_canonically(d in datum()) {
        let text = serde_json::to_string(&d).unwrap();
        let back: Datum = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(&back, &d);
        // Canonical forms: a one-element set is its bare atom, other sets ["set", sorted], maps
        // always ["map", sorted pairs].
        let v: Value = serde_json::from_str(&text).unwrap();
        match &d {
            Datum::Set(s) if s.len() == 1 => prop_assert_eq!(&v, &s.first().unwrap().to_json()),
            Datum::Set(s) => {
                prop_assert_eq!(&v[0], "set");
                let elems: Vec<Atom> = serde_json::from_value(v[1].clone()).unwrap();
                prop_assert_eq!(elems.len(), s.len());
                prop_assert!(elems.windows(2).all(|w| w[0] < w[1]), "not sorted: {}", text);
            }
            Datum::Map(m) => {
                prop_assert_eq!(&v[0], "map");
                let pairs: Vec<(Atom, Atom)> = serde_json::from_value(v[1].clone()).unwrap();
                prop_assert_eq!(pairs.len(), m.len());
                prop_assert!(pairs.windows(2).all(|w| w[0].0 < w[1].0), "not sorted: {}", text);
            }
        }
    }

    /// Valid but non-canonical input (unsorted elements, `["set", [x]]` for a scalar) decodes to
    /// the same datum and encodes canonically.
    #[test]
    fn non_canonical_input_encodes_canonically(
        d in datum(),
        order in prop::collection::vec(any::<u16>(), 0..6),
    ) {
        let input = non_canonical(&d, &order);
        let back: Datum = serde_json::from_value(input).unwrap();
        prop_assert_eq!(&back, &d);
        prop_assert_eq!(back.to_string(), d.to_string());
    }

    #[test]
    fn rows_round_trip(r in row()) {
        let text = serde_json::to_string(&r).unwrap();
        prop_assert_eq!(serde_json::from_str::<Row>(&text).unwrap(), r.clone());
        let v: Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(v.as_object().unwrap().len(), r.len());
    }

    /// A set with a repeated element, or a map with a repeated key, is rejected.
    #[test]
    fn duplicates_are_rejected(a in atom(), b in atom(), others in prop::collection::vec(atom(), 0..3)) {
        let mut elems: Vec<Value> = others.iter().map(Atom::to_json).collect();
        elems.push(a.to_json());
        elems.push(a.to_json());
        prop_assert!(serde_json::from_value::<Datum>(json!(["set", elems])).is_err());
        let pairs = json!(["map", [[a.to_json(), b.to_json()], [a.to_json(), a.to_json()]]]);
        prop_assert!(serde_json::from_value::<Datum>(pairs).is_err());
    }
}

#[test]
fn integer_edges() {
    for (text, want) in [
        ("9223372036854775807", i64::MAX),
        ("-9223372036854775808", i64::MIN),
        ("0", 0),
        ("-1", -1),
    ] {
        let a: Atom = serde_json::from_str(text).unwrap();
        assert_eq!(a, Atom::Integer(want), "{text}");
    }
    assert_eq!(Atom::Integer(i64::MIN).to_string(), "-9223372036854775808");
    assert_eq!(Atom::Integer(i64::MAX).to_string(), "9223372036854775807");
    // 2^63 does not fit.
    let err = serde_json::from_str::<Atom>("9223372036854775808").unwrap_err();
    assert!(
        err.to_string().contains("out of the 64-bit signed range"),
        "{err}"
    );
    let err = serde_json::from_str::<Datum>("[\"set\",[1,9223372036854775808]]").unwrap_err();
    assert!(
        err.to_string().contains("out of the 64-bit signed range"),
        "{err}"
    );
}

#[test]
fn real_edges() {
    for f in [
        f64::MAX,
        f64::MIN,
        f64::MIN_POSITIVE,
        5e-324,
        1e-300,
        0.1,
        1.0,
        -2.5,
    ] {
        let a = Atom::real(f).unwrap();
        let text = a.to_string();
        let back: Atom = serde_json::from_str(&text).unwrap();
        assert_eq!(back.as_real(), Some(f), "{text}");
        // A real never reads back as an integer, even when integral.
        assert!(matches!(back, Atom::Real(_)), "{text}");
    }
    // -0.0 equals 0.0 (numeric order) and is written as 0.0.
    assert_eq!(Atom::real(-0.0), Atom::real(0.0));
    assert_eq!(Atom::real(-0.0).unwrap().to_string(), "0.0");
    let neg_zero: Atom = serde_json::from_str("-0.0").unwrap();
    assert_eq!(neg_zero, Atom::real(0.0).unwrap());
    // A set cannot hold both, since they are the same value.
    assert!(serde_json::from_str::<Datum>("[\"set\",[0.0,-0.0]]").is_err());
    // Reals and integers are different atoms even when numerically equal.
    assert_ne!(
        serde_json::from_str::<Atom>("1.0").unwrap(),
        serde_json::from_str::<Atom>("1").unwrap()
    );
    assert_eq!(
        serde_json::from_str::<Atom>("1e2").unwrap(),
        Atom::real(100.0).unwrap()
    );
    // Not finite: JSON has no such number; serde_json rejects overflowing literals.
    assert!(Atom::real(f64::NAN).is_none());
    assert!(Atom::real(f64::INFINITY).is_none());
    assert!(Real::new(f64::NEG_INFINITY).is_none());
    assert!(serde_json::from_str::<Atom>("1e400").is_err());
}

#[test]
fn uuid_and_named_uuid_forms() {
    let u = "36bf6bd3-9f63-4ad5-9e5b-0c3a2b0a8e41";
    let a: Atom = serde_json::from_value(json!(["uuid", u])).unwrap();
    assert_eq!(a, Atom::Uuid(Uuid::parse_str(u).unwrap()));
    assert_eq!(a.to_json(), json!(["uuid", u]));
    // Upper case is accepted and written in lower case.
    let upper: Atom = serde_json::from_value(json!(["uuid", u.to_uppercase()])).unwrap();
    assert_eq!(upper, a);
    assert_eq!(upper.to_json(), json!(["uuid", u]));
    // As a datum, a bare uuid atom is a one-element set.
    let d: Datum = serde_json::from_value(json!(["uuid", u])).unwrap();
    assert_eq!(d, Datum::scalar(a.clone()));
    let d: Datum = serde_json::from_value(json!(["set", [["uuid", u]]])).unwrap();
    assert_eq!(d.to_json(), json!(["uuid", u]));

    let n: Atom = serde_json::from_value(json!(["named-uuid", "row_1"])).unwrap();
    assert_eq!(n, Atom::NamedUuid(NamedUuid::new("row_1").unwrap()));
    assert_eq!(n.to_json(), json!(["named-uuid", "row_1"]));

    for bad in [
        json!(["uuid", "36bf6bd39f634ad59e5b0c3a2b0a8e41"]), // no hyphens
        json!(["uuid", "{36bf6bd3-9f63-4ad5-9e5b-0c3a2b0a8e41}"]),
        json!(["uuid", "36bf6bd3-9f63-4ad5-9e5b-0c3a2b0a8e4"]), // too short
        json!(["uuid", "36bf6bd3-9f63-4ad5-9e5b-0c3a2b0a8e4g"]), // not hex
        json!(["uuid"]),
        json!(["uuid", u, u]),
        json!(["uuid", 1]),
        json!(["named-uuid", "1row"]),
        json!(["named-uuid", "a-b"]),
        json!(["named-uuid", ""]),
        json!(["Uuid", u]),
        json!([]),
    ] {
        assert!(serde_json::from_value::<Atom>(bad.clone()).is_err(), "{bad}");
        assert!(serde_json::from_value::<Datum>(bad.clone()).is_err(), "{bad}");
    }
}

#[test]
fn empty_and_one_element_forms() {
    assert_eq!(Datum::empty_set().to_json(), json!(["set", []]));
    assert_eq!(Datum::empty_map().to_json(), json!(["map", []]));
    assert_ne!(Datum::empty_set(), Datum::empty_map());
    let one: Datum = serde_json::from_value(json!(["set", ["x"]])).unwrap();
    assert_eq!(one, Datum::scalar("x"));
    assert_eq!(one.to_json(), json!("x"));
    let map: Datum = serde_json::from_value(json!(["map", [["k", 1]]])).unwrap();
    assert_eq!(map.to_json(), json!(["map", [["k", 1]]]));
    assert_eq!(
        map.as_map().unwrap(),
        &BTreeMap::from([(Atom::from("k"), Atom::Integer(1))])
    );
    let set: Datum = serde_json::from_value(json!(["set", [3, 1, 2]])).unwrap();
    assert_eq!(
        set.as_set().unwrap(),
        &BTreeSet::from([1, 2, 3].map(Atom::Integer))
    );
    assert_eq!(set.to_json(), json!(["set", [1, 2, 3]]));
}
