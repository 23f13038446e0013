//! RFC 7047 §5.1 `<mutation>` and `<mutator>`.

use std::fmt;

use serde::de::{self, SeqAccess, Visitor};
use serde::ser::SerializeTuple;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::data::Datum;

/// RFC 7047 §5.1 `<mutator>`: how a mutation changes a column.
///
/// The arithmetic mutators apply to integer and real columns and to sets of them (element-wise);
/// `%=` only to integers. `insert` and `delete` apply to sets and maps: `insert` adds elements
/// (for a map, pairs whose key is absent), `delete` removes elements (for a map, given a map, the
/// pairs that match key and value; given a set, the pairs with those keys). Division or remainder
/// by zero fails with `"domain error"`, integer overflow with `"range error"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mutator {
    /// `"+="`.
    Add,
    /// `"-="`.
    Sub,
    /// `"*="`.
    Mul,
    /// `"/="`.
    Div,
    /// `"%="`.
    Rem,
    /// `"insert"`.
    Insert,
    /// `"delete"`.
    Delete,
}

impl Mutator {
    /// Every mutator, in RFC 7047 order.
    pub const ALL: [Mutator; 7] = [
        Mutator::Add,
        Mutator::Sub,
        Mutator::Mul,
        Mutator::Div,
        Mutator::Rem,
        Mutator::Insert,
        Mutator::Delete,
    ];

    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            Mutator::Add => "+=",
            Mutator::Sub => "-=",
            Mutator::Mul => "*=",
            Mutator::Div => "/=",
            Mutator::Rem => "%=",
            Mutator::Insert => "insert",
            Mutator::Delete => "delete",
        }
    }

    /// The mutator for a wire string, or `None` for anything else (ovsdb-server answers an
    /// unknown mutator with an `"unknown mutator"` error).
    pub fn from_wire(s: &str) -> Option<Mutator> {
        Mutator::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

impl fmt::Display for Mutator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Mutator {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Mutator {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Mutator::from_wire(&s).ok_or_else(|| {
            de::Error::custom(format_args!(
                "unknown mutator {s:?} (expected one of +=, -=, *=, /=, %=, insert, delete)"
            ))
        })
    }
}

/// RFC 7047 §5.1 `<mutation>`: `[<column>, <mutator>, <value>]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Mutation {
    /// The column to change.
    pub column: String,
    /// How to change it.
    pub mutator: Mutator,
    /// The operand: a scalar for the arithmetic mutators, a set or map for `insert`/`delete`
    /// (a one-element set may be written as its bare atom).
    pub value: Datum,
}

impl Mutation {
    /// `[column, mutator, value]`.
    pub fn new(column: impl Into<String>, mutator: Mutator, value: impl Into<Datum>) -> Self {
        Mutation {
            column: column.into(),
            mutator,
            value: value.into(),
        }
    }

    /// `[column, "insert", value]`.
    pub fn insert(column: impl Into<String>, value: impl Into<Datum>) -> Self {
        Mutation::new(column, Mutator::Insert, value)
    }

    /// `[column, "delete", value]`.
    pub fn delete(column: impl Into<String>, value: impl Into<Datum>) -> Self {
        Mutation::new(column, Mutator::Delete, value)
    }
}

impl Serialize for Mutation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_tuple(3)?;
        t.serialize_element(&self.column)?;
        t.serialize_element(&self.mutator)?;
        t.serialize_element(&self.value)?;
        t.end()
    }
}

impl<'de> Deserialize<'de> for Mutation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Mutation;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mutation: [<column>, <mutator>, <value>]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Mutation, A::Error> {
                let column: String = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &"3 elements"))?;
                let mutator: Mutator = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &"3 elements"))?;
                let value: Datum = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(2, &"3 elements"))?;
                if seq.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(4, &"3 elements"));
                }
                Ok(Mutation {
                    column,
                    mutator,
                    value,
                })
            }
        }
        d.deserialize_seq(V)
    }
}
