//! Column values decoded straight from their JSON text (RFC 7047 §5.1 `<value>`), without
//! building a [`Datum`](super::Datum) first: what [`FromDatum::from_json`] does for the column
//! types of generated rows (scalars, optionals, [`Set`] and [`Map`]).
//!
//! The result is the value [`Datum`](super::Datum)'s deserialization followed by
//! [`FromDatum::from_datum`] gives, or an error. The errors are the deserializer's and say less
//! than [`DatumError`](super::DatumError)'s. Where the two paths could disagree (set elements or
//! map keys that repeat), this one refuses the value: a caller that falls back to the
//! [`Datum`](super::Datum) path on any error gets exactly that path's value or error.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, SeqAccess, Visitor};

use super::atom::{AtomVisitor, tagged_atom};
use super::convert::{FromAtom, FromDatum};
use super::set::{Map, Set};

/// How many atoms a datum may hold for the Rust type being decoded.
#[derive(Clone, Copy)]
enum Count {
    /// Exactly one (scalar).
    One,
    /// Zero or one (optional).
    Optional,
    /// Any number (set).
    Any,
}

/// One atom, decoded into `T` (a string without an intermediate `String`).
struct AtomSeed<T>(PhantomData<fn() -> T>);

impl<T> AtomSeed<T> {
    fn new() -> Self {
        AtomSeed(PhantomData)
    }
}

/// The atom `AtomVisitor` decoded, into `T`.
fn from_atom<T: FromAtom, E: de::Error>(atom: Result<super::Atom, E>) -> Result<T, E> {
    T::from_atom(&atom?).map_err(E::custom)
}

impl<'de, T: FromAtom> DeserializeSeed<'de> for AtomSeed<T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: FromAtom> Visitor<'de> for AtomSeed<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        AtomVisitor.expecting(f)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        from_atom(AtomVisitor.visit_i64(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        from_atom(AtomVisitor.visit_u64(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        from_atom(AtomVisitor.visit_f64(v))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
        from_atom(AtomVisitor.visit_bool(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        T::from_str_atom(v).map_err(E::custom)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
        from_atom(AtomVisitor.visit_seq(seq))
    }
}

/// The tag of an array datum or atom: `"set"`, `"map"`, `"uuid"`, `"named-uuid"`.
struct Tag(TagKind);

#[derive(PartialEq)]
enum TagKind {
    Set,
    Map,
    Uuid,
    NamedUuid,
}

impl<'de> serde::Deserialize<'de> for Tag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Tag, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Tag;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("\"set\", \"map\", \"uuid\" or \"named-uuid\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Tag, E> {
                Ok(Tag(match v {
                    "set" => TagKind::Set,
                    "map" => TagKind::Map,
                    "uuid" => TagKind::Uuid,
                    "named-uuid" => TagKind::NamedUuid,
                    other => return Err(E::custom(format_args!("unknown tag {other:?}"))),
                }))
            }
        }
        d.deserialize_str(V)
    }
}

impl TagKind {
    fn name(&self) -> &'static str {
        match self {
            TagKind::Set => "set",
            TagKind::Map => "map",
            TagKind::Uuid => "uuid",
            TagKind::NamedUuid => "named-uuid",
        }
    }
}

/// Fails unless `seq` has no more elements.
fn end<'de, A: SeqAccess<'de>>(seq: &mut A) -> Result<(), A::Error> {
    match seq.next_element::<de::IgnoredAny>()? {
        None => Ok(()),
        Some(_) => Err(de::Error::custom("too many elements")),
    }
}

/// The atoms of a set datum (a bare atom, `["uuid", ..]`, `["named-uuid", ..]` or
/// `["set", [...]]`), decoded into `T`, as many as `count` allows.
struct Atoms<T> {
    count: Count,
    _t: PhantomData<fn() -> T>,
}

/// The elements of `["set", [...]]`.
struct SetElems<T>(Count, PhantomData<fn() -> T>);

impl<'de, T: FromAtom> DeserializeSeed<'de> for SetElems<T> {
    type Value = Vec<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<T>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: FromAtom> Visitor<'de> for SetElems<T> {
    type Value = Vec<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of atoms")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let max = match self.0 {
            Count::One | Count::Optional => 1,
            Count::Any => usize::MAX,
        };
        // At its final size when the decoder knows it (see `Set`'s `from_datum`).
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(max));
        while let Some(v) = seq.next_element_seed(AtomSeed::<T>::new())? {
            if out.len() == max {
                return Err(de::Error::custom("too many elements"));
            }
            out.push(v);
        }
        Ok(out)
    }
}

impl<'de, T: FromAtom> Visitor<'de> for Atoms<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an OVSDB set or atom")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Vec<T>, E> {
        AtomSeed::<T>::new().visit_i64(v).map(|a| vec![a])
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Vec<T>, E> {
        AtomSeed::<T>::new().visit_u64(v).map(|a| vec![a])
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Vec<T>, E> {
        AtomSeed::<T>::new().visit_f64(v).map(|a| vec![a])
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Vec<T>, E> {
        AtomSeed::<T>::new().visit_bool(v).map(|a| vec![a])
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<T>, E> {
        AtomSeed::<T>::new().visit_str(v).map(|a| vec![a])
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let Tag(tag) = seq
            .next_element()?
            .ok_or_else(|| de::Error::custom("empty array"))?;
        let out = match tag {
            TagKind::Set => seq
                .next_element_seed(SetElems::<T>(self.count, PhantomData))?
                .ok_or_else(|| de::Error::custom("[\"set\"] without its elements"))?,
            TagKind::Map => return Err(de::Error::custom("a map where a set was expected")),
            TagKind::Uuid | TagKind::NamedUuid => {
                vec![from_atom::<T, A::Error>(tagged_atom(tag.name(), &mut seq))?]
            }
        };
        end(&mut seq)?;
        Ok(out)
    }
}

/// The atoms of a set datum, at most as many as `count` allows (the least is the caller's).
fn atoms<'de, T: FromAtom, D: Deserializer<'de>>(d: D, count: Count) -> Result<Vec<T>, D::Error> {
    d.deserialize_any(Atoms {
        count,
        _t: PhantomData,
    })
}

/// A scalar column's value: exactly one atom.
pub(super) fn scalar<'de, T: FromAtom, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    match atoms::<T, D>(d, Count::One)?.pop() {
        Some(v) => Ok(v),
        None => Err(de::Error::custom("expected exactly one element")),
    }
}

/// An optional column's value: zero or one atom.
pub(super) fn optional<'de, T: FromAtom, D: Deserializer<'de>>(d: D) -> Result<Option<T>, D::Error> {
    Ok(atoms::<T, D>(d, Count::Optional)?.pop())
}

/// A set column's value. Repeated elements are refused (see the module docs).
pub(super) fn set<'de, T: FromAtom + Ord, D: Deserializer<'de>>(d: D) -> Result<Set<T>, D::Error> {
    let mut elements = atoms::<T, D>(d, Count::Any)?;
    if !elements.is_sorted_by(|a, b| a < b) {
        elements.sort();
        if elements.windows(2).any(|w| w[0] == w[1]) {
            return Err(de::Error::custom("repeated set element"));
        }
    }
    Ok(Set::from_sorted_unique(elements))
}

/// The pairs of `["map", [[k, v], ...]]`.
struct Pairs<K, V>(PhantomData<fn() -> (K, V)>);

impl<'de, K: FromAtom, V: FromAtom> DeserializeSeed<'de> for Pairs<K, V> {
    type Value = Vec<(K, V)>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<(K, V)>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, K: FromAtom, V: FromAtom> Visitor<'de> for Pairs<K, V> {
    type Value = Vec<(K, V)>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of [key, value] pairs")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<(K, V)>, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(pair) = seq.next_element_seed(Pair::<K, V>(PhantomData))? {
            out.push(pair);
        }
        Ok(out)
    }
}

/// One `[key, value]`.
struct Pair<K, V>(PhantomData<fn() -> (K, V)>);

impl<'de, K: FromAtom, V: FromAtom> DeserializeSeed<'de> for Pair<K, V> {
    type Value = (K, V);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(K, V), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, K: FromAtom, V: FromAtom> Visitor<'de> for Pair<K, V> {
    type Value = (K, V);
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a [key, value] pair")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(K, V), A::Error> {
        let k = seq
            .next_element_seed(AtomSeed::<K>::new())?
            .ok_or_else(|| de::Error::custom("pair without its key"))?;
        let v = seq
            .next_element_seed(AtomSeed::<V>::new())?
            .ok_or_else(|| de::Error::custom("pair without its value"))?;
        end(&mut seq)?;
        Ok((k, v))
    }
}

/// A map datum: `["map", [...]]`, or an empty `["set", []]`.
struct MapDatum<K, V>(PhantomData<fn() -> (K, V)>);

impl<'de, K: FromAtom, V: FromAtom> Visitor<'de> for MapDatum<K, V> {
    type Value = Vec<(K, V)>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an OVSDB map")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<(K, V)>, A::Error> {
        let Tag(tag) = seq
            .next_element()?
            .ok_or_else(|| de::Error::custom("empty array"))?;
        let out = match tag {
            TagKind::Map => seq
                .next_element_seed(Pairs::<K, V>(PhantomData))?
                .ok_or_else(|| de::Error::custom("[\"map\"] without its pairs"))?,
            TagKind::Set => {
                let empty = seq
                    .next_element_seed(SetElems::<K>(Count::Optional, PhantomData))?
                    .ok_or_else(|| de::Error::custom("[\"set\"] without its elements"))?;
                if !empty.is_empty() {
                    return Err(de::Error::custom("a set where a map was expected"));
                }
                Vec::new()
            }
            TagKind::Uuid | TagKind::NamedUuid => {
                return Err(de::Error::custom("an atom where a map was expected"));
            }
        };
        end(&mut seq)?;
        Ok(out)
    }
}

/// A map column's value. Repeated keys are refused (see the module docs).
pub(super) fn map<'de, K: FromAtom + Ord, V: FromAtom, D: Deserializer<'de>>(
    d: D,
) -> Result<Map<K, V>, D::Error> {
    let mut pairs = d.deserialize_seq(MapDatum::<K, V>(PhantomData))?;
    if !pairs.is_sorted_by(|a, b| a.0 < b.0) {
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        if pairs.windows(2).any(|w| w[0].0 == w[1].0) {
            return Err(de::Error::custom("repeated map key"));
        }
    }
    Ok(Map::from_sorted_unique(pairs))
}

/// Skips the value of a column the table does not have (a newer server's, `_version`): it is
/// checked to be a datum all the same, as a [`Row`](super::Row) requires.
///
/// # Errors
/// The deserializer's, for a value that is not a datum.
pub fn skip<'de, D: Deserializer<'de>>(d: D) -> Result<(), D::Error> {
    <super::Datum as serde::Deserialize>::deserialize(d).map(|_| ())
}

/// The default of [`FromDatum::from_json`]: through a [`Datum`](super::Datum).
pub(super) fn through_datum<'de, T: FromDatum, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    let datum = <super::Datum as serde::Deserialize>::deserialize(d)?;
    T::from_datum(&datum).map_err(de::Error::custom)
}

#[cfg(test)]
mod tests {
    use std::fmt::Debug;

    use smol_str::SmolStr;

    use super::super::{Datum, Real, Uuid};
    use super::*;
    use crate::data::convert::FromDatum;
    use crate::table::Ref;

    /// `text` through [`FromDatum::from_json`] and through a [`Datum`]: when the direct decoder
    /// accepts it, the value is the one of the [`Datum`] path; returns what each said.
    fn both<T: FromDatum + PartialEq + Debug>(text: &str) -> (Option<T>, Option<T>) {
        let direct = T::from_json(&mut serde_json::Deserializer::from_str(text)).ok();
        let slow = serde_json::from_str::<Datum>(text)
            .ok()
            .and_then(|d| T::from_datum(&d).ok());
        if direct.is_some() {
            assert_eq!(
                direct, slow,
                "{text}: the direct decoder differs from the datum path"
            );
        }
        (direct, slow)
    }

    /// Decoded alike by both paths.
    fn same<T: FromDatum + PartialEq + Debug>(text: &str) -> T {
        match both::<T>(text) {
            (Some(v), Some(_)) => v,
            other => panic!("{text}: {other:?}"),
        }
    }

    /// Refused by both paths.
    fn refused<T: FromDatum + PartialEq + Debug>(text: &str) {
        assert_eq!(both::<T>(text), (None, None), "{text}");
    }

    const U1: &str = "36bf6bd3-9f63-4ad5-9e5b-0c3a2b0a8e41";
    const U2: &str = "46bf6bd3-9f63-4ad5-9e5b-0c3a2b0a8e41";

    #[test]
    fn scalars_optionals_sets_and_maps_decode_as_through_a_datum() {
        assert_eq!(same::<i64>("5"), 5);
        assert_eq!(same::<i64>(r#"["set",[-7]]"#), -7);
        assert!(same::<bool>("true"));
        assert_eq!(same::<Real>("2"), Real::new(2.0).unwrap());
        assert_eq!(same::<Real>("2.5"), Real::new(2.5).unwrap());
        assert_eq!(same::<SmolStr>(r#""a\"b\u00e9""#), "a\"bé");
        assert_eq!(same::<String>(r#""x""#), "x");
        let u1 = Uuid::parse_str(U1).unwrap();
        assert_eq!(same::<Uuid>(&format!(r#"["uuid","{U1}"]"#)), u1);
        assert_eq!(
            same::<Option<Uuid>>(&format!(r#"["set",[["uuid","{U1}"]]]"#)),
            Some(u1)
        );
        assert_eq!(
            same::<Option<Ref<()>>>(&format!(r#"["uuid","{U1}"]"#)),
            Some(Ref::new(u1))
        );
        assert_eq!(same::<Option<i64>>(r#"["set",[]]"#), None);
        assert_eq!(same::<Option<SmolStr>>(r#""x""#), Some("x".into()));
        let set = same::<Set<SmolStr>>(r#"["set",["b","a","c"]]"#);
        assert_eq!(
            set.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
        assert_eq!(same::<Set<SmolStr>>(r#""one""#).len(), 1);
        assert!(same::<Set<i64>>(r#"["set",[]]"#).is_empty());
        let refs = same::<Set<Ref<()>>>(&format!(r#"["set",[["uuid","{U2}"],["uuid","{U1}"]]]"#));
        assert_eq!(refs.len(), 2);
        let map = same::<Map<SmolStr, i64>>(r#"["map",[["b",2],["a",1]]]"#);
        assert_eq!(map.get("a"), Some(&1));
        assert_eq!(map.get("b"), Some(&2));
        assert!(same::<Map<SmolStr, SmolStr>>(r#"["map",[]]"#).is_empty());
        assert!(same::<Map<SmolStr, SmolStr>>(r#"["set",[]]"#).is_empty());
        let m = same::<Map<i64, Uuid>>(&format!(r#"["map",[[1,["uuid","{U1}"]]]]"#));
        assert_eq!(m.get(&1), Some(&u1));
    }

    #[test]
    fn what_the_datum_path_refuses_is_refused() {
        refused::<i64>(r#""5""#);
        refused::<i64>(r#"["set",[]]"#);
        refused::<i64>(r#"["set",[1,2]]"#);
        refused::<i64>("9223372036854775808");
        refused::<i64>("1.5");
        refused::<bool>("1");
        refused::<Option<i64>>(r#"["set",[1,2]]"#);
        refused::<Uuid>(r#"["uuid","nope"]"#);
        refused::<Uuid>(r#"["named-uuid","row1"]"#);
        refused::<Uuid>(&format!(r#"["uuid","{U1}",1]"#));
        refused::<Set<i64>>(r#"["map",[[1,2]]]"#);
        refused::<Set<i64>>(r#"["set",[2,1,2]]"#);
        refused::<Set<i64>>(r#"["set",[1,"a"]]"#);
        refused::<Set<i64>>(r#"["set",1]"#);
        refused::<Set<i64>>(r#"["bag",[1]]"#);
        refused::<Set<i64>>("[]");
        refused::<Set<i64>>(r#"["set",[1],2]"#);
        refused::<Map<i64, i64>>(r#"["set",[1]]"#);
        refused::<Map<i64, i64>>(r#"["map",[[1]]]"#);
        refused::<Map<i64, i64>>(r#"["map",[[1,2,3]]]"#);
        refused::<Map<i64, i64>>(r#"["map",[[1,2],[1,3]]]"#);
        refused::<Map<i64, i64>>("1");
        refused::<SmolStr>("{}");
        refused::<SmolStr>("null");
    }

    #[test]
    fn decoded_sets_and_maps_are_exactly_sized() {
        let set = same::<Set<i64>>(r#"["set",[5,4,3,2,1]]"#);
        assert_eq!(set.iter().copied().collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
        let map = same::<Map<i64, i64>>(r#"["map",[[3,0],[1,0],[2,0]]]"#);
        assert_eq!(map.iter().map(|(k, _)| *k).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(exact_len(vec![1, 2, 3]), 3);
    }

    fn exact_len(mut v: Vec<i64>) -> usize {
        v.reserve(10);
        let set = Set::from_sorted_unique(v);
        set.len()
    }

    /// JSON text shaped like datums, atoms, and things close to them.
    fn datum_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let atom = prop_oneof![
            any::<i64>().prop_map(|v| v.to_string()),
            Just("9223372036854775808".to_owned()),
            (-1e6f64..1e6).prop_map(|v| format!("{v:?}")),
            Just("2.0".to_owned()),
            any::<bool>().prop_map(|v| v.to_string()),
            "[a-c\\\"\u{e9}]{0,4}".prop_map(|s| serde_json::to_string(&s).unwrap()),
            Just(r#""\u0061b""#.to_owned()),
            prop_oneof![Just(U1), Just(U2), Just("nope")].prop_map(|u| format!(r#"["uuid","{u}"]"#)),
            Just(r#"["named-uuid","row1"]"#.to_owned()),
            Just("null".to_owned()),
            Just("{}".to_owned()),
            Just("[]".to_owned()),
        ];
        let atoms = proptest::collection::vec(atom.clone(), 0..4);
        prop_oneof![
            atom.clone(),
            atoms
                .clone()
                .prop_map(|a| format!(r#"["set",[{}]]"#, a.join(","))),
            proptest::collection::vec((atom.clone(), atom.clone()), 0..4).prop_map(|p| {
                let pairs: Vec<String> = p.iter().map(|(k, v)| format!("[{k},{v}]")).collect();
                format!(r#"["map",[{}]]"#, pairs.join(","))
            }),
            atoms.prop_map(|a| format!("[{}]", a.join(","))),
            (atom.clone(), atom).prop_map(|(a, b)| format!(r#"["set",[{a}],{b}]"#)),
        ]
    }

    proptest::proptest! {
        #[test]
        fn what_the_direct_decoders_accept_is_the_datum_paths_value(text in datum_text()) {
            both::<i64>(&text);
            both::<Real>(&text);
            both::<bool>(&text);
            both::<SmolStr>(&text);
            both::<Uuid>(&text);
            both::<Option<i64>>(&text);
            both::<Option<SmolStr>>(&text);
            both::<Option<Ref<()>>>(&text);
            both::<Set<i64>>(&text);
            both::<Set<Real>>(&text);
            both::<Set<SmolStr>>(&text);
            both::<Set<Uuid>>(&text);
            both::<Map<SmolStr, SmolStr>>(&text);
            both::<Map<i64, Uuid>>(&text);
            both::<Map<SmolStr, bool>>(&text);
        }
    }
}
