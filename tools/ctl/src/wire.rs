//! Decoding of replies that carry a few string columns of many rows, straight from the reply's
//! JSON text into borrowed strings (no `serde_json::Value` tree): the duplicate-address check of
//! `lsp-set-addresses` reads the addresses of every port of a switch.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, SeqAccess, Visitor};

/// A string of the reply, borrowed when it has no escapes.
#[derive(Debug, Deserialize, PartialEq, Eq, Hash)]
pub(crate) struct WireStr<'a>(#[serde(borrow)] pub(crate) Cow<'a, str>);

impl std::borrow::Borrow<str> for WireStr<'_> {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// The strings of a column in the RFC 7047 §5.1 notation: `"s"` (one string), `["set",
/// ["s", ...]]`, or `["uuid", "u"]` (its uuid text). Other atoms (numbers, booleans) give none.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct WireStrings<'a>(pub(crate) Vec<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for WireStrings<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = WireStrings<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, a [\"set\", [...]] or a [\"uuid\", ...] of strings")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(WireStrings(vec![Cow::Borrowed(s)]))
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
                Ok(WireStrings(vec![Cow::Owned(s.to_owned())]))
            }
            fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(WireStrings::default())
            }
            fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(WireStrings::default())
            }
            fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(WireStrings::default())
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(WireStrings::default())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                use serde::de::Error;
                let tag: WireStr<'a> = seq
                    .next_element()?
                    .ok_or_else(|| A::Error::invalid_length(0, &self))?;
                let out = match tag.0.as_ref() {
                    "set" => {
                        let items: Vec<Atomish<'a>> = seq
                            .next_element()?
                            .ok_or_else(|| A::Error::invalid_length(1, &self))?;
                        items.into_iter().filter_map(|a| a.0).collect()
                    }
                    "uuid" => {
                        let u: WireStr<'a> = seq
                            .next_element()?
                            .ok_or_else(|| A::Error::invalid_length(1, &self))?;
                        vec![u.0]
                    }
                    // A map or another tagged value: not strings.
                    _ => {
                        while seq.next_element::<IgnoredAny>()?.is_some() {}
                        return Ok(WireStrings::default());
                    }
                };
                // Nothing may follow.
                if seq.next_element::<IgnoredAny>()?.is_some() {
                    return Err(A::Error::invalid_length(3, &self));
                }
                Ok(WireStrings(out))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// One element of a set: a string (kept) or another atom (dropped).
struct Atomish<'a>(Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for Atomish<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = WireStrings::deserialize(d)?;
        Ok(Atomish(s.0.into_iter().next()))
    }
}

/// The columns of one row, by name.
pub(crate) type StringRow<'a> = HashMap<WireStr<'a>, WireStrings<'a>>;

/// One `select` result of a `transact` reply (RFC 7047 §5.2.2), or an error.
#[derive(Debug, Deserialize)]
pub(crate) struct SelectResult<'a> {
    #[serde(borrow, default)]
    pub(crate) rows: Option<Vec<StringRow<'a>>>,
    #[serde(borrow, default)]
    pub(crate) error: Option<WireStr<'a>>,
    #[serde(borrow, default)]
    pub(crate) details: Option<WireStr<'a>>,
}

/// A row's `<row-update2>` in a `monitor_cond` reply (ovsdb-server(7)): its `initial` columns.
#[derive(Debug, Deserialize)]
pub(crate) struct RowUpdate<'a> {
    #[serde(borrow, default)]
    pub(crate) initial: Option<StringRow<'a>>,
}

/// A `monitor_cond` reply's `<table-updates2>`: table name, row uuid, update.
pub(crate) type TableUpdates<'a> = HashMap<WireStr<'a>, HashMap<WireStr<'a>, RowUpdate<'a>>>;

/// The strings of column `c` of `row` (none when the column is absent).
pub(crate) fn strings<'r>(row: &'r StringRow<'_>, c: &str) -> Vec<&'r str> {
    row.get(c)
        .map(|s| s.0.iter().map(|x| x.as_ref()).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> WireStrings<'_> {
        serde_json::from_str(text).expect(text)
    }

    #[test]
    fn the_column_notations_give_their_strings() {
        assert_eq!(parse("\"a b\"").0, ["a b"]);
        assert_eq!(parse("[\"set\", []]").0, Vec::<&str>::new());
        assert_eq!(parse("[\"set\", [\"x\", \"y\\\"z\"]]").0, ["x", "y\"z"]);
        assert_eq!(parse("[\"uuid\", \"0-1\"]").0, ["0-1"]);
        assert_eq!(parse("[\"map\", [[\"k\", \"v\"]]]").0, Vec::<&str>::new());
        assert_eq!(parse("7").0, Vec::<&str>::new());
        assert_eq!(parse("[\"set\", [1, \"s\"]]").0, ["s"]);
        assert!(serde_json::from_str::<WireStrings<'_>>("[\"set\"]").is_err());
        assert!(serde_json::from_str::<WireStrings<'_>>("[\"uuid\", \"a\", 1]").is_err());
        assert!(serde_json::from_str::<WireStrings<'_>>("{}").is_err());
    }

    #[test]
    fn select_and_monitor_replies_decode() {
        let sel: Vec<SelectResult<'_>> = serde_json::from_str(
            r#"[{"rows": [{"_uuid": ["uuid", "u1"], "addresses": "m 10.0.0.1"}]}, {"error": "e", "details": "d"}]"#,
        )
        .expect("select");
        let rows = sel[0].rows.as_ref().expect("rows");
        assert_eq!(strings(&rows[0], "_uuid"), ["u1"]);
        assert_eq!(strings(&rows[0], "addresses"), ["m 10.0.0.1"]);
        assert_eq!(strings(&rows[0], "nosuch"), Vec::<&str>::new());
        assert_eq!(sel[1].error.as_ref().map(|e| e.0.as_ref()), Some("e"));
        let mon: TableUpdates<'_> = serde_json::from_str(
            r#"{"T": {"u1": {"initial": {"addresses": ["set", ["a", "b"]]}}, "u2": {"initial": {}}}}"#,
        )
        .expect("monitor");
        let r1 = mon["T"]["u1"].initial.as_ref().expect("initial");
        assert_eq!(strings(r1, "addresses"), ["a", "b"]);
    }
}
