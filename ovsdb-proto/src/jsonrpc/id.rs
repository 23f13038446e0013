//! JSON-RPC 1.0 request ids.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Number, Value};

/// The `id` of a JSON-RPC 1.0 request and of the response that answers it (RFC 7047 §4).
///
/// JSON-RPC 1.0 lets an id be any JSON value, and the peer must echo it back unchanged. Clients
/// usually pick numbers (this crate's [`Id::from(u64)`](Id::from)), but ovsdb-server's own
/// inactivity probe uses the string `"echo"`, and ovsdb-server answers whatever it was sent
/// (strings, arrays, `1.5`...). So an `Id` keeps the exact [`Value`] it was decoded from and
/// encodes it back byte-for-byte equivalent.
///
/// An id is never `null`: a `null` id is what marks a notification (RFC 7047 §4), which
/// [`Message::Notification`](super::Message::Notification) represents. [`Id::try_from`] a `null`
/// value fails with [`NullId`].
///
/// # Equality and hashing
///
/// Two ids are equal when they are the same JSON value, with two choices made so that a response
/// can always be matched to its request whatever number formatting the peer used:
/// - numbers compare by numeric value: `1`, `1.0` and `1e0` are the same id, `-0.0` equals `0`,
///   and `1.5` differs from `1`; integers outside the `i64`/`u64` range compare as reals;
/// - objects compare regardless of member order (`{"a":1,"b":2}` equals `{"b":2,"a":1}`).
///
/// [`Hash`] agrees with [`Eq`], so `Id` works as a `HashMap` key for a table of requests in
/// flight. [`Ord`] is a total order consistent with [`Eq`] (by kind, then value), for `BTreeMap`.
#[derive(Debug, Clone)]
pub struct Id(Value);

/// A `null` was given where a request id was required (a `null` id marks a notification).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a JSON-RPC request id cannot be null (a null id marks a notification, RFC 7047 §4)")]
pub struct NullId;

impl Id {
    /// The id as the JSON value that goes on the wire.
    pub fn as_value(&self) -> &Value {
        &self.0
    }

    /// The id as an owned JSON value.
    pub fn into_value(self) -> Value {
        self.0
    }

    /// The id as a `u64`, if it is a non-negative integer that fits (`7` and `7.0` both give 7).
    pub fn as_u64(&self) -> Option<u64> {
        match &self.0 {
            Value::Number(n) => match NumKey::of(n) {
                NumKey::Int(i) => u64::try_from(i).ok(),
                NumKey::Real(_) => None,
            },
            _ => None,
        }
    }

    /// The id as a string, if it is one (as in ovsdb-server's `"echo"` probe).
    pub fn as_str(&self) -> Option<&str> {
        self.0.as_str()
    }
}

impl From<u64> for Id {
    fn from(n: u64) -> Self {
        Id(Value::from(n))
    }
}

impl From<&str> for Id {
    fn from(s: &str) -> Self {
        Id(Value::from(s))
    }
}

impl From<String> for Id {
    fn from(s: String) -> Self {
        Id(Value::from(s))
    }
}

impl TryFrom<Value> for Id {
    type Error = NullId;

    /// Any JSON value except `null`.
    fn try_from(value: Value) -> Result<Self, NullId> {
        if value.is_null() {
            Err(NullId)
        } else {
            Ok(Id(value))
        }
    }
}

impl From<Id> for Value {
    fn from(id: Id) -> Value {
        id.0
    }
}

impl fmt::Display for Id {
    /// The id as compact JSON (`7`, `"echo"`, `[1,"x"]`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Id::try_from(Value::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl PartialEq for Id {
    fn eq(&self, other: &Self) -> bool {
        cmp_values(&self.0, &other.0) == Ordering::Equal
    }
}

impl Eq for Id {}

impl PartialOrd for Id {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Id {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_values(&self.0, &other.0)
    }
}

impl Hash for Id {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_value(&self.0, state);
    }
}

/// A number reduced to a canonical form: integral values (whether written `1` or `1.0`) as an
/// exact `i128`, anything else as a real.
#[derive(Clone, Copy)]
enum NumKey {
    Int(i128),
    Real(f64),
}

impl NumKey {
    fn of(n: &Number) -> NumKey {
        if let Some(i) = n.as_i64() {
            return NumKey::Int(i128::from(i));
        }
        if let Some(u) = n.as_u64() {
            return NumKey::Int(i128::from(u));
        }
        // serde_json numbers are always finite, so `as_f64` succeeds here.
        let f = n.as_f64().unwrap_or(0.0);
        // 2^127 as f64 is exact; integral reals inside (-2^127, 2^127) convert to i128 exactly.
        const LIMIT: f64 = 170_141_183_460_469_231_731_687_303_715_884_105_728.0;
        if f.fract() == 0.0 && f > -LIMIT && f < LIMIT {
            NumKey::Int(f as i128)
        } else {
            NumKey::Real(f)
        }
    }

    fn cmp(self, other: NumKey) -> Ordering {
        match (self, other) {
            (NumKey::Int(a), NumKey::Int(b)) => a.cmp(&b),
            (NumKey::Real(a), NumKey::Real(b)) => a.total_cmp(&b),
            // Mixed: never equal (a Real is non-integral or outside the i128 range); order by value.
            (NumKey::Int(a), NumKey::Real(b)) => (a as f64).total_cmp(&b).then(Ordering::Less),
            (NumKey::Real(a), NumKey::Int(b)) => a.total_cmp(&(b as f64)).then(Ordering::Greater),
        }
    }
}

fn kind_rank(v: &Value) -> u8 {
    match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    }
}

fn sorted_members(m: &serde_json::Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut v: Vec<_> = m.iter().collect();
    v.sort_by(|a, b| a.0.cmp(b.0));
    v
}

fn cmp_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => NumKey::of(x).cmp(NumKey::of(y)),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Array(x), Value::Array(y)) => {
            for (p, q) in x.iter().zip(y) {
                let o = cmp_values(p, q);
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        (Value::Object(x), Value::Object(y)) => {
            let (xs, ys) = (sorted_members(x), sorted_members(y));
            for ((kx, vx), (ky, vy)) in xs.iter().zip(&ys) {
                let o = kx.cmp(ky).then_with(|| cmp_values(vx, vy));
                if o != Ordering::Equal {
                    return o;
                }
            }
            xs.len().cmp(&ys.len())
        }
        _ => kind_rank(a).cmp(&kind_rank(b)),
    }
}

fn hash_value<H: Hasher>(v: &Value, state: &mut H) {
    kind_rank(v).hash(state);
    match v {
        Value::Null => {}
        Value::Bool(b) => b.hash(state),
        Value::Number(n) => match NumKey::of(n) {
            NumKey::Int(i) => {
                0u8.hash(state);
                i.hash(state);
            }
            NumKey::Real(f) => {
                1u8.hash(state);
                f.to_bits().hash(state);
            }
        },
        Value::String(s) => s.hash(state),
        Value::Array(a) => {
            a.len().hash(state);
            for e in a {
                hash_value(e, state);
            }
        }
        Value::Object(m) => {
            m.len().hash(state);
            for (k, e) in sorted_members(m) {
                k.hash(state);
                hash_value(e, state);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::hash_map::DefaultHasher;

    use serde_json::json;

    use super::*;

    fn id(v: Value) -> Id {
        Id::try_from(v).unwrap()
    }

    fn h(id: &Id) -> u64 {
        let mut s = DefaultHasher::new();
        id.hash(&mut s);
        s.finish()
    }

    #[test]
    fn numbers_compare_by_value() {
        let one: Value = serde_json::from_str("1").unwrap();
        let one_real: Value = serde_json::from_str("1.0").unwrap();
        let one_exp: Value = serde_json::from_str("1e0").unwrap();
        assert_eq!(id(one.clone()), id(one_real.clone()));
        assert_eq!(id(one.clone()), id(one_exp));
        assert_eq!(h(&id(one.clone())), h(&id(one_real)));
        assert_ne!(id(one), id(json!(1.5)));
        assert_eq!(id(json!(-0.0)), id(json!(0)));
        assert_eq!(h(&id(json!(-0.0))), h(&id(json!(0))));
        assert_eq!(id(json!(u64::MAX)), Id::from(u64::MAX));
        assert_ne!(id(json!(-1)), Id::from(u64::MAX));
        assert_eq!(id(json!(3.0)).as_u64(), Some(3));
        assert_eq!(id(json!(-3)).as_u64(), None);
        assert_eq!(id(json!(1e300)), id(json!(1e300)));
        assert_ne!(id(json!(1e300)), id(json!(1e299)));
    }

    #[test]
    fn other_kinds() {
        assert_eq!(Id::from("echo").as_str(), Some("echo"));
        assert_ne!(Id::from("1"), Id::from(1));
        assert_ne!(id(json!(true)), id(json!(1)));
        assert_eq!(id(json!([1, "x"])), id(json!([1.0, "x"])));
        assert_ne!(id(json!([1, "x"])), id(json!(["x", 1])));
        let a = id(serde_json::from_str(r#"{"a":1,"b":[2]}"#).unwrap());
        let b = id(serde_json::from_str(r#"{"b":[2.0],"a":1}"#).unwrap());
        assert_eq!(a, b);
        assert_eq!(h(&a), h(&b));
        assert_ne!(a, id(json!({"a": 1})));
        assert_eq!(Id::try_from(Value::Null).unwrap_err(), NullId);
        assert!(serde_json::from_str::<Id>("null").is_err());
    }

    #[test]
    fn keeps_exact_value() {
        let v: Value = serde_json::from_str("1.0").unwrap();
        assert_eq!(serde_json::to_string(&id(v)).unwrap(), "1.0");
        assert_eq!(Id::from("echo").to_string(), r#""echo""#);
    }

    #[test]
    fn order_is_total_and_consistent() {
        let ids = [
            json!(null),
            json!(false),
            json!(2),
            json!(1.5),
            json!("a"),
            json!([1]),
            json!({"a": 1}),
        ];
        let ids: Vec<Id> = ids.into_iter().filter(|v| !v.is_null()).map(id).collect();
        for a in &ids {
            for b in &ids {
                assert_eq!(a.cmp(b) == Ordering::Equal, a == b);
                assert_eq!(a.cmp(b), b.cmp(a).reverse());
            }
        }
        assert!(id(json!(1.5)) < id(json!(2)));
        assert!(id(json!(1)) < id(json!(1.5)));
    }
}
