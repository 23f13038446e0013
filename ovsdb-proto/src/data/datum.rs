//! RFC 7047 §5.1 `<value>` (a "datum" in ovsdb-server's terms): a set of atoms or a map of atoms.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::de::{self, SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::atom::{Atom, AtomVisitor, tagged_atom};

/// A column value: RFC 7047 §5.1 `<value>`.
///
/// A scalar column holds a one-element set; an optional column (`min` 0, `max` 1) an empty or
/// one-element set. Sets and maps are kept in canonical (sorted) order, so two datums with the same
/// contents compare equal whatever order they arrived in.
///
/// Input accepts a bare `<atom>`, `["set", [<atom>...]]` and `["map", [[<atom>, <atom>]...]]`.
/// Output is canonical, as ovsdb-server writes it: a one-element set as its bare atom, any other set
/// as `["set", ...]`, a map always as `["map", ...]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Datum {
    /// A set of atoms (also scalars and optionals).
    Set(BTreeSet<Atom>),
    /// A map from key atoms to value atoms.
    Map(BTreeMap<Atom, Atom>),
}

impl Default for Datum {
    /// The empty set.
    fn default() -> Self {
        Datum::Set(BTreeSet::new())
    }
}

impl Datum {
    /// The empty set `["set", []]`.
    pub fn empty_set() -> Self {
        Datum::Set(BTreeSet::new())
    }

    /// The empty map `["map", []]`.
    pub fn empty_map() -> Self {
        Datum::Map(BTreeMap::new())
    }

    /// A one-element set (a scalar value).
    pub fn scalar(atom: impl Into<Atom>) -> Self {
        Datum::Set(BTreeSet::from([atom.into()]))
    }

    /// A set from atoms (duplicates collapse).
    pub fn set<I: IntoIterator<Item = A>, A: Into<Atom>>(atoms: I) -> Self {
        Datum::Set(atoms.into_iter().map(Into::into).collect())
    }

    /// A map from pairs; a repeated key keeps the last value.
    pub fn map<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<Atom>,
        V: Into<Atom>,
    {
        Datum::Map(pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }

    /// Number of elements (set members or map pairs).
    pub fn len(&self) -> usize {
        match self {
            Datum::Set(s) => s.len(),
            Datum::Map(m) => m.len(),
        }
    }

    /// Whether the datum has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The set, if this is one.
    pub fn as_set(&self) -> Option<&BTreeSet<Atom>> {
        match self {
            Datum::Set(s) => Some(s),
            Datum::Map(_) => None,
        }
    }

    /// The map, if this is one.
    pub fn as_map(&self) -> Option<&BTreeMap<Atom, Atom>> {
        match self {
            Datum::Map(m) => Some(m),
            Datum::Set(_) => None,
        }
    }

    /// The single atom of a one-element set.
    pub fn as_scalar(&self) -> Option<&Atom> {
        match self {
            Datum::Set(s) if s.len() == 1 => s.iter().next(),
            _ => None,
        }
    }

    /// Converts to a `serde_json::Value` in canonical wire notation.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

impl From<Atom> for Datum {
    fn from(a: Atom) -> Self {
        Datum::scalar(a)
    }
}

impl fmt::Display for Datum {
    /// Canonical wire notation (compact JSON).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&serde_json::to_string(self).map_err(|_| fmt::Error)?)
    }
}

struct Pair<'a>(&'a Atom, &'a Atom);

impl Serialize for Pair<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(2))?;
        seq.serialize_element(self.0)?;
        seq.serialize_element(self.1)?;
        seq.end()
    }
}

struct Elements<'a, T>(&'a T);

impl Serialize for Elements<'_, BTreeSet<Atom>> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter())
    }
}

impl Serialize for Elements<'_, BTreeMap<Atom, Atom>> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|(k, v)| Pair(k, v)))
    }
}

impl Serialize for Datum {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Datum::Set(set) if set.len() == 1 => match set.first() {
                Some(atom) => atom.serialize(s),
                None => s.serialize_unit(),
            },
            Datum::Set(set) => {
                let mut seq = s.serialize_seq(Some(2))?;
                seq.serialize_element("set")?;
                seq.serialize_element(&Elements(set))?;
                seq.end()
            }
            Datum::Map(map) => {
                let mut seq = s.serialize_seq(Some(2))?;
                seq.serialize_element("map")?;
                seq.serialize_element(&Elements(map))?;
                seq.end()
            }
        }
    }
}

/// `[<atom>, <atom>]` inside `["map", ...]`.
struct PairDe(Atom, Atom);

impl<'de> Deserialize<'de> for PairDe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PairDe;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a [key, value] pair of atoms")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<PairDe, A::Error> {
                let k: Atom = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::custom("map pair is missing its key"))?;
                let v: Atom = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::custom("map pair is missing its value"))?;
                if seq.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::custom("map pair must have exactly 2 elements"));
                }
                Ok(PairDe(k, v))
            }
        }
        d.deserialize_seq(V)
    }
}

/// The element list of `["set", [...]]`: duplicates are an error, as in ovsdb-server.
struct SetElems(BTreeSet<Atom>);

impl<'de> Deserialize<'de> for SetElems {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SetElems;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of atoms")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<SetElems, A::Error> {
                let mut out = BTreeSet::new();
                while let Some(a) = seq.next_element::<Atom>()? {
                    if let Some(dup) = out.replace(a) {
                        return Err(de::Error::custom(format_args!(
                            "set contains duplicate value {dup}"
                        )));
                    }
                }
                Ok(SetElems(out))
            }
        }
        d.deserialize_seq(V)
    }
}

/// The pair list of `["map", [...]]`: duplicate keys are an error, as in ovsdb-server.
struct MapElems(BTreeMap<Atom, Atom>);

impl<'de> Deserialize<'de> for MapElems {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MapElems;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of [key, value] pairs")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<MapElems, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(PairDe(k, v)) = seq.next_element()? {
                    if out.contains_key(&k) {
                        return Err(de::Error::custom(format_args!("map contains duplicate key {k}")));
                    }
                    out.insert(k, v);
                }
                Ok(MapElems(out))
            }
        }
        d.deserialize_seq(V)
    }
}

struct DatumVisitor;

impl<'de> Visitor<'de> for DatumVisitor {
    type Value = Datum;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an OVSDB value (an atom, [\"set\", [...]] or [\"map\", [...]])")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Datum, E> {
        AtomVisitor.visit_i64(v).map(Datum::scalar)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Datum, E> {
        AtomVisitor.visit_u64(v).map(Datum::scalar)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Datum, E> {
        AtomVisitor.visit_f64(v).map(Datum::scalar)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Datum, E> {
        Ok(Datum::scalar(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Datum, E> {
        Ok(Datum::scalar(v))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Datum, E> {
        Ok(Datum::scalar(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Datum, A::Error> {
        let tag: String = seq
            .next_element()?
            .ok_or_else(|| de::Error::custom("empty array is not an OVSDB value"))?;
        let datum = match tag.as_str() {
            "set" => Datum::Set(
                seq.next_element::<SetElems>()?
                    .ok_or_else(|| de::Error::custom("[\"set\"] is missing its element array"))?
                    .0,
            ),
            "map" => Datum::Map(
                seq.next_element::<MapElems>()?
                    .ok_or_else(|| de::Error::custom("[\"map\"] is missing its pair array"))?
                    .0,
            ),
            "uuid" | "named-uuid" => Datum::scalar(tagged_atom(&tag, &mut seq)?),
            other => {
                return Err(de::Error::custom(format_args!(
                    "unknown value tag {other:?} (expected \"set\", \"map\", \"uuid\" or \"named-uuid\")"
                )));
            }
        };
        if seq.next_element::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::custom(format_args!(
                "[\"{tag}\", ...] must have exactly 2 elements"
            )));
        }
        Ok(datum)
    }
}

impl<'de> Deserialize<'de> for Datum {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DatumVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rt(s: &str) -> String {
        serde_json::to_string(&serde_json::from_str::<Datum>(s).unwrap()).unwrap()
    }

    #[test]
    fn canonical_output() {
        assert_eq!(rt("5"), "5");
        assert_eq!(rt(r#"["set",[5]]"#), "5");
        assert_eq!(rt(r#"["set",[3,1,2]]"#), r#"["set",[1,2,3]]"#);
        assert_eq!(rt(r#"["set",[]]"#), r#"["set",[]]"#);
        assert_eq!(
            rt(r#"["map",[["b","2"],["a","1"]]]"#),
            r#"["map",[["a","1"],["b","2"]]]"#
        );
        assert_eq!(rt(r#"["map",[]]"#), r#"["map",[]]"#);
        assert_eq!(
            rt(
                r#"["set",[["uuid","00000000-0000-0000-0000-000000000002"],["uuid","00000000-0000-0000-0000-000000000001"]]]"#
            ),
            r#"["set",[["uuid","00000000-0000-0000-0000-000000000001"],["uuid","00000000-0000-0000-0000-000000000002"]]]"#
        );
    }

    #[test]
    fn duplicates_rejected() {
        assert!(serde_json::from_str::<Datum>(r#"["set",[1,1]]"#).is_err());
        assert!(serde_json::from_str::<Datum>(r#"["map",[[1,2],[1,3]]]"#).is_err());
    }

    #[test]
    fn malformed() {
        for bad in [
            r#"["set"]"#,
            r#"["set",[1],2]"#,
            r#"["bag",[]]"#,
            "[]",
            r#"["map",[[1]]]"#,
            "null",
            "{}",
        ] {
            assert!(
                serde_json::from_str::<Datum>(bad).is_err(),
                "{bad} should be rejected"
            );
        }
    }
}
