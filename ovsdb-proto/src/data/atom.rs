//! RFC 7047 §5.1 `<atom>`: integer, real, boolean, string, uuid and named-uuid.

use std::cmp::Ordering;
use std::fmt;

use serde::de::{self, SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use uuid::Uuid;

/// The atomic types of RFC 7047 §3.2 (`<atomic-type>`), as named on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AtomicType {
    /// `"integer"`: a 64-bit signed integer.
    Integer,
    /// `"real"`: an IEEE 754 double (finite; JSON cannot carry NaN or infinities).
    Real,
    /// `"boolean"`.
    Boolean,
    /// `"string"`: UTF-8 text.
    String,
    /// `"uuid"`: a row UUID, possibly a reference to another table.
    Uuid,
}

impl AtomicType {
    /// The wire name (`"integer"`, `"real"`, `"boolean"`, `"string"`, `"uuid"`).
    pub fn as_str(self) -> &'static str {
        match self {
            AtomicType::Integer => "integer",
            AtomicType::Real => "real",
            AtomicType::Boolean => "boolean",
            AtomicType::String => "string",
            AtomicType::Uuid => "uuid",
        }
    }

    /// Parses a wire name; `None` for anything that is not one of the five atomic types.
    pub fn from_wire(name: &str) -> Option<Self> {
        Some(match name {
            "integer" => AtomicType::Integer,
            "real" => AtomicType::Real,
            "boolean" => AtomicType::Boolean,
            "string" => AtomicType::String,
            "uuid" => AtomicType::Uuid,
            _ => return None,
        })
    }
}

impl fmt::Display for AtomicType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A finite `f64` with a total order, so that reals can live in sets and map keys.
///
/// JSON has no NaN or infinities, so neither does OVSDB; [`Real::new`] rejects them. Ordering is
/// numeric (`-0.0` and `0.0` compare equal, as in ovsdb-server's `ovsdb_atom_compare_3way`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Real(f64);

impl Real {
    /// Wraps a finite value; `None` for NaN or ±infinity.
    pub fn new(v: f64) -> Option<Self> {
        v.is_finite().then_some(Real(if v == 0.0 { 0.0 } else { v }))
    }

    /// The value.
    pub fn get(self) -> f64 {
        self.0
    }
}

impl PartialEq for Real {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Real {}
impl PartialOrd for Real {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Real {
    fn cmp(&self, other: &Self) -> Ordering {
        // Both are finite and zero is normalised, so total_cmp is the numeric order.
        self.0.total_cmp(&other.0)
    }
}
impl std::hash::Hash for Real {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.to_bits().hash(state)
    }
}
impl fmt::Display for Real {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// RFC 7047 §5.1 `<named-uuid>`: a name for a row inserted earlier in the same transaction.
///
/// The name must match `[a-zA-Z_][a-zA-Z0-9_]*` (RFC 7047 §3.1 `<id>`); ovsdb-server rejects others.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NamedUuid(String);

impl NamedUuid {
    /// Validates `name` as an `<id>`. Errors with [`InvalidId`] naming the offending text.
    pub fn new(name: impl Into<String>) -> Result<Self, InvalidId> {
        let name = name.into();
        if is_id(&name) {
            Ok(NamedUuid(name))
        } else {
            Err(InvalidId(name))
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NamedUuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A string that is not an RFC 7047 §3.1 `<id>` (`[a-zA-Z_][a-zA-Z0-9_]*`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a valid <id> (expected [a-zA-Z_][a-zA-Z0-9_]*)")]
pub struct InvalidId(pub String);

/// Whether `s` is an RFC 7047 §3.1 `<id>`: `[a-zA-Z_][a-zA-Z0-9_]*`.
pub fn is_id(s: &str) -> bool {
    let mut bytes = s.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// RFC 7047 §5.1 `<atom>`.
///
/// On the wire: integers and reals are JSON numbers, booleans JSON booleans, strings JSON strings,
/// uuids `["uuid", "<36 chars>"]` and named-uuids `["named-uuid", "<id>"]`. A JSON number without a
/// fraction or exponent decodes as [`Atom::Integer`]; use the column type to widen it to a real
/// ([`crate::ColumnType`] checks do this).
///
/// The derived order (first by kind, then by value) is ovsdb-server's canonical order within one
/// kind: integers and reals numerically, strings bytewise, uuids bytewise.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Atom {
    /// A 64-bit signed integer.
    Integer(i64),
    /// A finite real.
    Real(Real),
    /// A boolean.
    Boolean(bool),
    /// A string.
    String(String),
    /// A row UUID.
    Uuid(Uuid),
    /// A reference to a row inserted by an earlier operation of the same transaction.
    NamedUuid(NamedUuid),
}

impl Atom {
    /// The atomic type; a named-uuid is of type `uuid`.
    pub fn atomic_type(&self) -> AtomicType {
        match self {
            Atom::Integer(_) => AtomicType::Integer,
            Atom::Real(_) => AtomicType::Real,
            Atom::Boolean(_) => AtomicType::Boolean,
            Atom::String(_) => AtomicType::String,
            Atom::Uuid(_) | Atom::NamedUuid(_) => AtomicType::Uuid,
        }
    }

    /// A string atom.
    pub fn string(s: impl Into<String>) -> Self {
        Atom::String(s.into())
    }

    /// A real atom; `None` for NaN or infinities.
    pub fn real(v: f64) -> Option<Self> {
        Real::new(v).map(Atom::Real)
    }

    /// The integer, if this is one.
    pub fn as_integer(&self) -> Option<i64> {
        match self {
            Atom::Integer(i) => Some(*i),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Atom::String(s) => Some(s),
            _ => None,
        }
    }

    /// The uuid, if this is one (not a named-uuid).
    pub fn as_uuid(&self) -> Option<Uuid> {
        match self {
            Atom::Uuid(u) => Some(*u),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Atom::Boolean(b) => Some(*b),
            _ => None,
        }
    }

    /// The real, if this is one (integers are not widened here).
    pub fn as_real(&self) -> Option<f64> {
        match self {
            Atom::Real(r) => Some(r.get()),
            _ => None,
        }
    }

    /// Converts to a `serde_json::Value` in wire notation.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

impl From<i64> for Atom {
    fn from(v: i64) -> Self {
        Atom::Integer(v)
    }
}
impl From<bool> for Atom {
    fn from(v: bool) -> Self {
        Atom::Boolean(v)
    }
}
impl From<&str> for Atom {
    fn from(v: &str) -> Self {
        Atom::String(v.to_owned())
    }
}
impl From<String> for Atom {
    fn from(v: String) -> Self {
        Atom::String(v)
    }
}
impl From<Uuid> for Atom {
    fn from(v: Uuid) -> Self {
        Atom::Uuid(v)
    }
}
impl From<NamedUuid> for Atom {
    fn from(v: NamedUuid) -> Self {
        Atom::NamedUuid(v)
    }
}
impl From<Real> for Atom {
    fn from(v: Real) -> Self {
        Atom::Real(v)
    }
}

impl fmt::Display for Atom {
    /// Wire notation (compact JSON).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&serde_json::to_string(self).map_err(|_| fmt::Error)?)
    }
}

impl Serialize for Atom {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Atom::Integer(i) => s.serialize_i64(*i),
            Atom::Real(r) => s.serialize_f64(r.get()),
            Atom::Boolean(b) => s.serialize_bool(*b),
            Atom::String(v) => s.serialize_str(v),
            Atom::Uuid(u) => {
                let mut seq = s.serialize_seq(Some(2))?;
                seq.serialize_element("uuid")?;
                seq.serialize_element(&u.hyphenated().to_string())?;
                seq.end()
            }
            Atom::NamedUuid(n) => {
                let mut seq = s.serialize_seq(Some(2))?;
                seq.serialize_element("named-uuid")?;
                seq.serialize_element(n.as_str())?;
                seq.end()
            }
        }
    }
}

/// Parses the 36-character hyphenated form RFC 7047 §5.1 requires (`8-4-4-4-12` hex digits).
pub(crate) fn parse_wire_uuid(s: &str) -> Option<Uuid> {
    if s.len() != 36 {
        return None;
    }
    Uuid::try_parse(s).ok()
}

pub(crate) struct AtomVisitor;

impl<'de> Visitor<'de> for AtomVisitor {
    type Value = Atom;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an OVSDB atom (number, boolean, string, [\"uuid\", ...] or [\"named-uuid\", ...])")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Atom, E> {
        Ok(Atom::Integer(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Atom, E> {
        i64::try_from(v)
            .map(Atom::Integer)
            .map_err(|_| E::custom(format_args!("integer {v} is out of the 64-bit signed range")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Atom, E> {
        Real::new(v)
            .map(Atom::Real)
            .ok_or_else(|| E::custom(format_args!("real {v} is not finite")))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Atom, E> {
        Ok(Atom::Boolean(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Atom, E> {
        Ok(Atom::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Atom, E> {
        Ok(Atom::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Atom, A::Error> {
        let tag: String = seq
            .next_element()?
            .ok_or_else(|| de::Error::custom("empty array is not an atom"))?;
        let atom = tagged_atom(&tag, &mut seq)?;
        if seq.next_element::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::custom(format_args!(
                "[\"{tag}\", ...] must have exactly 2 elements"
            )));
        }
        Ok(atom)
    }
}

/// Decodes the second element of `["uuid", ...]` or `["named-uuid", ...]`.
pub(crate) fn tagged_atom<'de, A: SeqAccess<'de>>(tag: &str, seq: &mut A) -> Result<Atom, A::Error> {
    let value: String = seq
        .next_element()?
        .ok_or_else(|| de::Error::custom(format_args!("[\"{tag}\"] is missing its value")))?;
    match tag {
        "uuid" => parse_wire_uuid(&value).map(Atom::Uuid).ok_or_else(|| {
            de::Error::custom(format_args!("{value:?} is not a UUID (8-4-4-4-12 hex digits)"))
        }),
        "named-uuid" => NamedUuid::new(value)
            .map(Atom::NamedUuid)
            .map_err(de::Error::custom),
        other => Err(de::Error::custom(format_args!(
            "unknown atom tag {other:?} (expected \"uuid\" or \"named-uuid\")"
        ))),
    }
}

impl<'de> Deserialize<'de> for Atom {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(AtomVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(is_id("row_1"));
        assert!(is_id("_x"));
        assert!(!is_id("1row"));
        assert!(!is_id(""));
        assert!(!is_id("a-b"));
    }

    #[test]
    fn integer_edges() {
        let max: Atom = serde_json::from_str("9223372036854775807").unwrap();
        assert_eq!(max, Atom::Integer(i64::MAX));
        let min: Atom = serde_json::from_str("-9223372036854775808").unwrap();
        assert_eq!(min, Atom::Integer(i64::MIN));
        let err = serde_json::from_str::<Atom>("9223372036854775808").unwrap_err();
        assert!(
            err.to_string().contains("out of the 64-bit signed range"),
            "{err}"
        );
    }

    #[test]
    fn reals_are_finite_and_ordered() {
        assert!(Real::new(f64::NAN).is_none());
        assert!(Real::new(f64::INFINITY).is_none());
        assert_eq!(Real::new(-0.0), Real::new(0.0));
        assert!(Real::new(-1.5).unwrap() < Real::new(2.0).unwrap());
        let a: Atom = serde_json::from_str("1.5e300").unwrap();
        assert_eq!(a.as_real(), Some(1.5e300));
    }

    #[test]
    fn uuid_forms() {
        let a: Atom = serde_json::from_str(r#"["uuid","36bf6bd3-9f63-4ad5-9e5b-0c3a2b0a8e41"]"#).unwrap();
        assert!(matches!(a, Atom::Uuid(_)));
        assert_eq!(
            a.to_string(),
            r#"["uuid","36bf6bd3-9f63-4ad5-9e5b-0c3a2b0a8e41"]"#
        );
        assert!(serde_json::from_str::<Atom>(r#"["uuid","36bf6bd39f634ad59e5b0c3a2b0a8e41"]"#).is_err());
        let n: Atom = serde_json::from_str(r#"["named-uuid","row0"]"#).unwrap();
        assert_eq!(n, Atom::NamedUuid(NamedUuid::new("row0").unwrap()));
        assert!(serde_json::from_str::<Atom>(r#"["named-uuid","0row"]"#).is_err());
        assert!(serde_json::from_str::<Atom>(r#"["set",[]]"#).is_err());
    }
}
