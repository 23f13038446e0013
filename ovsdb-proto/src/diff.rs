//! The `update2` / `update3` "modify" diff of ovsdb-server(7) §4.1.14, as pure functions on
//! untyped [`Datum`]s.
//!
//! A `modify` row carries, for each changed column, a diff whose meaning depends on the column's
//! type ([`DiffKind`]):
//!
//! - **value** (`max` 1: scalar *and* optional columns): the diff is the new value. An optional
//!   column going from `5` to `7` gets `7`; going to empty gets `["set", []]`.
//! - **set** (no value type, `max` above 1): the diff is the symmetric difference of old and new,
//!   the elements to toggle.
//! - **map**: the diff holds the pairs whose key is on one side only, plus, for a key on both sides
//!   with different values, the pair with the new value. Applying: an absent key is inserted; a
//!   pair equal to the current one is deleted; a present key with another value is replaced.
//!
//! These rules were checked against ovsdb-server 3.1.0 (captures in `testdata/updates/`). Note that
//! ovsdb-server(7)'s wording ("columns with single value") covers optional columns: they are *not*
//! diffed as sets.
//!
//! ```
//! use ovsdb_proto::diff::{DiffKind, apply_diff, diff};
//! use ovsdb_proto::Datum;
//! let old = Datum::map([("a", "1"), ("b", "2")]);
//! let new = Datum::map([("b", "3"), ("c", "4")]);
//! let d = diff(&old, &new, DiffKind::Map).unwrap();
//! assert_eq!(d, Datum::map([("a", "1"), ("b", "3"), ("c", "4")]));
//! assert_eq!(apply_diff(&old, &d, DiffKind::Map).unwrap(), new);
//! ```

use std::collections::{BTreeMap, BTreeSet};

use crate::data::{Atom, Datum, Row};
use crate::schema::{ColumnType, TableSchema};

/// How a column's diff is interpreted; derived from its type with [`DiffKind::of`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiffKind {
    /// `max` 1 (scalar or optional): the diff is the new value.
    Value,
    /// A set with `max` above 1: the diff is the symmetric difference.
    Set,
    /// A map: the diff is the changed pairs.
    Map,
}

impl DiffKind {
    /// The kind for a column type: [`DiffKind::Map`] if it has a value type, else
    /// [`DiffKind::Value`] when `max` is 1, else [`DiffKind::Set`].
    pub fn of(ty: &ColumnType) -> DiffKind {
        if ty.is_map() {
            DiffKind::Map
        } else if ty.max.limit() == Some(1) {
            DiffKind::Value
        } else {
            DiffKind::Set
        }
    }
}

/// A diff that cannot be applied to a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DiffError {
    /// The diff or the old value is a map where a set was expected, or the reverse.
    #[error("{what} is a {found} but the column is a {expected}")]
    Shape {
        /// `"diff"` or `"old value"`.
        what: &'static str,
        /// `"set"` or `"map"`.
        expected: &'static str,
        /// `"set"` or `"map"`.
        found: &'static str,
    },
    /// A value diff for a scalar-or-optional column has more than one element.
    #[error("a diff for a single-value column has {found} elements (expected 0 or 1)")]
    TooManyValues {
        /// The number of elements.
        found: usize,
    },
    /// A row diff names a column that is not in the table schema.
    #[error("diff for unknown column {column:?}")]
    UnknownColumn {
        /// The column.
        column: String,
    },
    /// A column's diff failed (from [`apply_row_diff`]).
    #[error("column {column:?}: {source}")]
    Column {
        /// The column.
        column: String,
        /// What was wrong.
        #[source]
        source: Box<DiffError>,
    },
}

fn shape(d: &Datum) -> &'static str {
    match d {
        Datum::Set(_) => "set",
        Datum::Map(_) => "map",
    }
}

fn want_set<'a>(d: &'a Datum, what: &'static str) -> Result<&'a BTreeSet<Atom>, DiffError> {
    d.as_set().ok_or(DiffError::Shape {
        what,
        expected: "set",
        found: shape(d),
    })
}

fn want_map<'a>(d: &'a Datum, what: &'static str) -> Result<&'a BTreeMap<Atom, Atom>, DiffError> {
    match d {
        Datum::Map(m) => Ok(m),
        // An empty map may arrive written as an empty set.
        Datum::Set(s) if s.is_empty() => Ok(EMPTY_MAP),
        Datum::Set(_) => Err(DiffError::Shape {
            what,
            expected: "map",
            found: "set",
        }),
    }
}

static EMPTY_MAP: &BTreeMap<Atom, Atom> = &BTreeMap::new();

/// Applies an `update2` `modify` diff for one column to its old value, giving the new value.
///
/// # Errors
/// [`DiffError::Shape`] when the diff or the old value is a set for a map column or the reverse;
/// [`DiffError::TooManyValues`] for a [`DiffKind::Value`] diff with more than one element.
pub fn apply_diff(old: &Datum, diff: &Datum, kind: DiffKind) -> Result<Datum, DiffError> {
    match kind {
        DiffKind::Value => {
            let s = want_set(diff, "diff")?;
            if s.len() > 1 {
                return Err(DiffError::TooManyValues { found: s.len() });
            }
            Ok(diff.clone())
        }
        DiffKind::Set => {
            let mut out = want_set(old, "old value")?.clone();
            for a in want_set(diff, "diff")? {
                if !out.remove(a) {
                    out.insert(a.clone());
                }
            }
            Ok(Datum::Set(out))
        }
        DiffKind::Map => {
            let mut out = want_map(old, "old value")?.clone();
            for (k, v) in want_map(diff, "diff")? {
                match out.get(k) {
                    Some(cur) if cur == v => {
                        out.remove(k);
                    }
                    _ => {
                        out.insert(k.clone(), v.clone());
                    }
                }
            }
            Ok(Datum::Map(out))
        }
    }
}

/// The diff ovsdb-server would send for a column going from `old` to `new`, or `None` when they are
/// equal (the column is then absent from the `modify` row).
///
/// Inputs of the wrong shape for `kind` (a set for a map column or the reverse) are treated as
/// empty on that side.
pub fn diff(old: &Datum, new: &Datum, kind: DiffKind) -> Option<Datum> {
    if old == new {
        return None;
    }
    match kind {
        DiffKind::Value => Some(new.clone()),
        DiffKind::Set => {
            let empty = BTreeSet::new();
            let a = old.as_set().unwrap_or(&empty);
            let b = new.as_set().unwrap_or(&empty);
            let d: BTreeSet<Atom> = a.symmetric_difference(b).cloned().collect();
            if d.is_empty() { None } else { Some(Datum::Set(d)) }
        }
        DiffKind::Map => {
            let a = want_map(old, "old value").unwrap_or(EMPTY_MAP);
            let b = want_map(new, "new value").unwrap_or(EMPTY_MAP);
            let mut d = BTreeMap::new();
            for (k, v) in a {
                if !b.contains_key(k) {
                    d.insert(k.clone(), v.clone());
                }
            }
            for (k, v) in b {
                if a.get(k) != Some(v) {
                    d.insert(k.clone(), v.clone());
                }
            }
            if d.is_empty() { None } else { Some(Datum::Map(d)) }
        }
    }
}

/// Applies a whole `modify` row to `old` in place, column by column, using `table`'s column types
/// (`_uuid` and `_version` are value columns). Columns absent from `diff` keep their value; a column
/// absent from `old` is diffed against the empty set or map.
///
/// # Errors
/// [`DiffError::UnknownColumn`] for a column not in `table`; [`DiffError::Column`] wrapping the
/// column's error. On error `old` is unchanged.
pub fn apply_row_diff(table: &TableSchema, old: &mut Row, diff: &Row) -> Result<(), DiffError> {
    let mut changes = Vec::with_capacity(diff.len());
    for (column, d) in diff.iter() {
        let kind = if column == "_uuid" || column == "_version" {
            DiffKind::Value
        } else {
            match table.columns.get(column) {
                Some(c) => DiffKind::of(&c.type_),
                None => {
                    return Err(DiffError::UnknownColumn {
                        column: column.clone(),
                    });
                }
            }
        };
        let empty = if kind == DiffKind::Map {
            Datum::empty_map()
        } else {
            Datum::empty_set()
        };
        let cur = old.get(column).unwrap_or(&empty);
        let new = apply_diff(cur, d, kind).map_err(|e| DiffError::Column {
            column: column.clone(),
            source: Box::new(e),
        })?;
        changes.push((column.clone(), new));
    }
    for (c, v) in changes {
        old.insert(c, v);
    }
    Ok(())
}

/// The `modify` row ovsdb-server would send for a row going from `old` to `new`: the diff of every
/// column of `new` whose value changed, per `table`'s column types. Columns absent from `old` are
/// compared with the empty set or map.
///
/// # Errors
/// [`DiffError::UnknownColumn`] for a column of `new` not in `table`.
pub fn row_diff(table: &TableSchema, old: &Row, new: &Row) -> Result<Row, DiffError> {
    let mut out = Row::new();
    for (column, n) in new.iter() {
        let kind = if column == "_uuid" || column == "_version" {
            DiffKind::Value
        } else {
            match table.columns.get(column) {
                Some(c) => DiffKind::of(&c.type_),
                None => {
                    return Err(DiffError::UnknownColumn {
                        column: column.clone(),
                    });
                }
            }
        };
        let empty = if kind == DiffKind::Map {
            Datum::empty_map()
        } else {
            Datum::empty_set()
        };
        if let Some(d) = diff(old.get(column).unwrap_or(&empty), n, kind) {
            out.insert(column.clone(), d);
        }
    }
    Ok(out)
}
