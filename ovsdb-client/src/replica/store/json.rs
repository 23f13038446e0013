//! A monitor reply's `initial` / `insert` row decoded straight from its JSON text into a
//! generated table's struct ([`Table::decode_json_column`] for each column), without the
//! [`Row`](ovsdb_proto::Row) of [`Datum`]s the general path builds first: a few allocations per
//! row instead of a B-tree per column and a string per atom.
//!
//! Anything else (another kind of update, a value the direct decoders refuse, malformed text)
//! yields `None`, and the caller decodes the row through a [`Row`](ovsdb_proto::Row), which
//! says exactly what is wrong.

use std::borrow::Cow;
use std::fmt;

use ovsdb_proto::serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use ovsdb_proto::{Datum, Table};

/// Decodes `{"initial": <row>}` or `{"insert": <row>}` into `T`; also returns, in wire form,
/// the columns named in `wire` that the row has (`None` for the others).
pub(crate) fn decode_initial<T: Table>(text: &[u8], wire: &[String]) -> Option<(T, Vec<Option<Datum>>)> {
    let mut de = serde_json::Deserializer::from_slice(text);
    let mut row = T::default();
    let mut kept = vec![None; wire.len()];
    let seed = UpdateSeed {
        row: &mut row,
        wire,
        kept: &mut kept,
    };
    seed.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some((row, kept))
}

/// A member name, borrowed from the text when it has no escapes.
struct Name<'de>(Cow<'de, str>);

impl<'de> ovsdb_proto::serde::Deserialize<'de> for Name<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Name<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

/// `{"initial": <row>}` / `{"insert": <row>}`.
struct UpdateSeed<'a, T> {
    row: &'a mut T,
    wire: &'a [String],
    kept: &'a mut Vec<Option<Datum>>,
}

impl<'de, T: Table> DeserializeSeed<'de> for UpdateSeed<'_, T> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: Table> Visitor<'de> for UpdateSeed<'_, T> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{\"initial\": <row>} or {\"insert\": <row>}")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some(Name(kind)) = map.next_key()? else {
            return Err(de::Error::custom("empty row update"));
        };
        if kind != "initial" && kind != "insert" {
            return Err(de::Error::custom("not a new row"));
        }
        map.next_value_seed(RowSeed {
            row: self.row,
            wire: self.wire,
            kept: self.kept,
        })?;
        match map.next_key::<Name<'de>>()? {
            None => Ok(()),
            Some(_) => Err(de::Error::custom("more than one member")),
        }
    }
}

/// `<row>`: `{"<column>": <value>, ...}`.
struct RowSeed<'a, T> {
    row: &'a mut T,
    wire: &'a [String],
    kept: &'a mut Vec<Option<Datum>>,
}

impl<'de, T: Table> DeserializeSeed<'de> for RowSeed<'_, T> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: Table> Visitor<'de> for RowSeed<'_, T> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a row object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(Name(column)) = map.next_key()? {
            match self.wire.iter().position(|c| *c == column) {
                Some(i) => {
                    // Wanted in wire form too (an index key): decoded once into a datum,
                    // and the field from that datum's text.
                    let datum: Datum = map.next_value()?;
                    let text = serde_json::to_vec(&datum).map_err(de::Error::custom)?;
                    let mut de = serde_json::Deserializer::from_slice(&text);
                    self.row
                        .decode_json_column(&column, &mut de)
                        .map_err(de::Error::custom)?;
                    if let Some(slot) = self.kept.get_mut(i) {
                        *slot = Some(datum);
                    }
                }
                None => map.next_value_seed(ColumnSeed {
                    row: &mut *self.row,
                    column: &column,
                })?,
            }
        }
        Ok(())
    }
}

/// One column's value, into its field.
struct ColumnSeed<'a, T> {
    row: &'a mut T,
    column: &'a str,
}

impl<'de, T: Table> DeserializeSeed<'de> for ColumnSeed<'_, T> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.row.decode_json_column(self.column, d)
    }
}
