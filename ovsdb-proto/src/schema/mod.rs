//! RFC 7047 §3.2 database schemas: parsing, validation, canonical output, and checking data
//! against column types.
//!
//! A schema is parsed from its JSON text ([`DatabaseSchema::from_json_str`]) or value
//! ([`DatabaseSchema::from_value`]) and validated in the same step; the rules are those of
//! `ovsdb-tool create` (Open vSwitch 3.1), which rejects unknown members everywhere. Every
//! [`SchemaError`] names the JSON path, table and column of the problem.
//!
//! Output ([`DatabaseSchema::to_json`], `Serialize`) is the canonical form ovsdb-server sends in
//! a `get_schema` reply: shorthand wherever possible (`"type": "string"`), defaults omitted.
//! Parsing then serialising gives JSON semantically equal to the input (same members after the
//! shorthands and defaults are expanded).
//!
//! ```
//! use ovsdb_proto::schema::{DatabaseSchema, Max};
//! use ovsdb_proto::{Atom, Datum};
//!
//! let schema = DatabaseSchema::from_json_str(r#"{
//!   "name": "Demo", "version": "1.0.0",
//!   "tables": {"Port": {"columns": {
//!     "name": {"type": "string"},
//!     "tag": {"type": {"key": {"type": "integer", "minInteger": 1, "maxInteger": 4095},
//!                      "min": 0, "max": 1}},
//!     "peers": {"type": {"key": {"type": "uuid", "refTable": "Port"}, "min": 0, "max": "unlimited"}}
//!   }, "isRoot": true}}}"#)?;
//!
//! let tag = &schema.tables["Port"].columns["tag"].type_;
//! assert!(tag.is_optional());
//! assert_eq!(schema.tables["Port"].columns["peers"].type_.max, Max::Unlimited);
//! assert!(schema.check_datum("Port", "tag", &Datum::scalar(Atom::Integer(100))).is_ok());
//! let err = schema.check_datum("Port", "tag", &Datum::scalar(Atom::Integer(4096))).unwrap_err();
//! assert_eq!(err.to_string(), "table Port column tag: key 4096 is not in the valid range 1 to 4095 (inclusive)");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod check;
mod error;
mod json;
mod parse;
mod validate;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::data::{Atom, AtomicType};

pub use check::NamedUuids;
pub use error::{AtomRole, DatumCheckError, Location, NameKind, SchemaError, Violation};

/// RFC 7047 §3.2 `<database-schema>`: a database's name, version, checksum and tables.
///
/// On the wire: `{"name": <id>, "version": "x.y.z", "cksum": <string>, "tables": {...}}`;
/// `version` and `cksum` may be absent (ovsdb-tool accepts a schema without a version).
#[derive(Debug, Clone, PartialEq)]
pub struct DatabaseSchema {
    /// The database name (`OVN_Northbound`); an `<id>`, which may begin with `_` (`_Server`).
    pub name: String,
    /// The schema version, `x.y.z`.
    pub version: Option<String>,
    /// The checksum ovsdb-tool computes (`"94023179 33468"`); informational only.
    pub cksum: Option<String>,
    /// The tables by name.
    pub tables: BTreeMap<String, TableSchema>,
}

/// RFC 7047 §3.2 `<table-schema>`.
///
/// `_uuid` and `_version` are not in [`TableSchema::columns`]; [`TableSchema::column`] and
/// [`TableSchema::all_columns`] include them.
#[derive(Debug, Clone, PartialEq)]
pub struct TableSchema {
    /// The table's own columns by name (never `_uuid` or `_version`).
    pub columns: BTreeMap<String, ColumnSchema>,
    /// `"maxRows"`: the most rows the table may hold, 1 to 4294967295; `None` for no limit.
    pub max_rows: Option<u64>,
    /// `"isRoot"`: whether rows are kept without references (RFC 7047 §3.2 garbage collection).
    ///
    /// As in ovsdb-server, when no table of a database schema says `"isRoot": true`, every table
    /// is a root table (schemas from before `isRoot` existed).
    pub is_root: bool,
    /// `"mutable"` (an Open vSwitch extension, default true): whether rows may be modified after
    /// insertion.
    pub mutable: bool,
    /// `"indexes"`: sets of columns whose values must be unique across rows, in schema order.
    pub indexes: Vec<Vec<String>>,
}

/// RFC 7047 §3.2 `<column-schema>`.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnSchema {
    /// `"type"`: the column's type.
    pub type_: ColumnType,
    /// `"ephemeral"` (default false): the value is not persisted to disk.
    pub ephemeral: bool,
    /// `"mutable"` (default true): the value may change after insertion. ovsdb-server forces it
    /// to true for weak references (deleting the target must be able to change them), and so
    /// does the parser here.
    pub mutable: bool,
}

/// RFC 7047 §3.2 `<type>`: a column's key and value base types and its element counts.
///
/// A scalar column has `min` 1 and `max` 1; an optional one `min` 0 and `max` 1; a set is
/// anything else without a value type; a map has a value type. On the wire a type may be a bare
/// `<atomic-type>` string (a scalar without constraints).
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnType {
    /// `"key"`: the element type of a set, the key type of a map.
    pub key: BaseType,
    /// `"value"`: the value type of a map; `None` for sets and scalars.
    pub value: Option<BaseType>,
    /// `"min"` (default 1): the fewest elements, 0 or 1.
    pub min: u64,
    /// `"max"` (default 1): the most elements, at least 1 and at least `min`.
    pub max: Max,
}

/// The `"max"` of a [`ColumnType`]: a count or `"unlimited"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Max {
    /// At most this many elements (1 to 4294967294 in a valid schema).
    Limited(u64),
    /// `"unlimited"`.
    Unlimited,
}

impl Max {
    /// Whether `n` elements are within this bound.
    pub fn allows(self, n: u64) -> bool {
        match self {
            Max::Limited(m) => n <= m,
            Max::Unlimited => true,
        }
    }

    /// The limit, `None` for unlimited.
    pub fn limit(self) -> Option<u64> {
        match self {
            Max::Limited(m) => Some(m),
            Max::Unlimited => None,
        }
    }
}

impl fmt::Display for Max {
    /// The number, or `unlimited`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Max::Limited(m) => write!(f, "{m}"),
            Max::Unlimited => f.write_str("unlimited"),
        }
    }
}

/// RFC 7047 §3.2 `<base-type>`: an atomic type with optional constraints.
///
/// Constraints apply only to their own atomic type: `min_integer`/`max_integer` to integers,
/// `min_real`/`max_real` to reals, `min_length`/`max_length` to strings, `ref_table`/`ref_type`
/// to uuids; `enum_` excludes all of them (ovsdb-tool rejects a base type with both). Bounds are
/// inclusive. A bound equal to the type's own limit (`minInteger` −2⁶³, `maxLength` 4294967295,
/// ...) is stored as `None`, as ovsdb-server does.
#[derive(Debug, Clone, PartialEq)]
pub struct BaseType {
    /// `"type"`: the atomic type.
    pub atomic: AtomicType,
    /// `"enum"`: the allowed values, as atoms of `atomic` (never empty when present).
    pub enum_: Option<BTreeSet<Atom>>,
    /// `"minInteger"`.
    pub min_integer: Option<i64>,
    /// `"maxInteger"`.
    pub max_integer: Option<i64>,
    /// `"minReal"`.
    pub min_real: Option<f64>,
    /// `"maxReal"`.
    pub max_real: Option<f64>,
    /// `"minLength"`, in characters (Unicode scalar values).
    pub min_length: Option<u64>,
    /// `"maxLength"`, in characters, at most 4294967295.
    pub max_length: Option<u64>,
    /// `"refTable"`: for uuids, the table whose rows they refer to.
    pub ref_table: Option<String>,
    /// `"refType"` (default strong): meaningful only with `ref_table`.
    pub ref_type: RefType,
}

/// RFC 7047 §3.2 `"refType"`: what happens to a reference when its target row is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RefType {
    /// `"strong"`: the target may not be deleted while referenced.
    #[default]
    Strong,
    /// `"weak"`: the reference is removed when its target is deleted.
    Weak,
}

impl RefType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            RefType::Strong => "strong",
            RefType::Weak => "weak",
        }
    }
}

impl fmt::Display for RefType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl BaseType {
    /// A base type of `atomic` without constraints.
    pub const fn new(atomic: AtomicType) -> Self {
        BaseType {
            atomic,
            enum_: None,
            min_integer: None,
            max_integer: None,
            min_real: None,
            max_real: None,
            min_length: None,
            max_length: None,
            ref_table: None,
            ref_type: RefType::Strong,
        }
    }

    /// A uuid base type referring to rows of `table`.
    pub fn reference(table: impl Into<String>, ref_type: RefType) -> Self {
        BaseType {
            ref_table: Some(table.into()),
            ref_type,
            ..BaseType::new(AtomicType::Uuid)
        }
    }

    /// A base type restricted to the values of `allowed`.
    pub fn enumeration(atomic: AtomicType, allowed: impl IntoIterator<Item = Atom>) -> Self {
        BaseType {
            enum_: Some(allowed.into_iter().collect()),
            ..BaseType::new(atomic)
        }
    }

    /// Whether any constraint is set (an enum, a bound, or a reference).
    pub fn has_constraints(&self) -> bool {
        self.enum_.is_some()
            || self.min_integer.is_some()
            || self.max_integer.is_some()
            || self.min_real.is_some()
            || self.max_real.is_some()
            || self.min_length.is_some()
            || self.max_length.is_some()
            || self.ref_table.is_some()
    }

    /// The referenced table, for uuid base types with a `refTable`.
    pub fn ref_table(&self) -> Option<&str> {
        if self.atomic == AtomicType::Uuid {
            self.ref_table.as_deref()
        } else {
            None
        }
    }

    /// Whether this is a weak reference.
    pub fn is_weak_ref(&self) -> bool {
        self.ref_table().is_some() && self.ref_type == RefType::Weak
    }

    /// Whether this is a strong reference.
    pub fn is_strong_ref(&self) -> bool {
        self.ref_table().is_some() && self.ref_type == RefType::Strong
    }

    /// The atom ovsdb-server puts in a new row for this type: `0`, `0.0`, `false`, `""`, or the
    /// all-zero uuid. Constraints are ignored (checked on a real ovsdb-server 3.1: inserting an
    /// empty row into a table with an enum column fails with "\"\" is not one of the allowed
    /// values").
    pub fn default_atom(&self) -> Atom {
        match self.atomic {
            AtomicType::Integer => Atom::Integer(0),
            AtomicType::Real => check::real_atom(0.0),
            AtomicType::Boolean => Atom::Boolean(false),
            AtomicType::String => Atom::String(String::new()),
            AtomicType::Uuid => Atom::Uuid(crate::data::Uuid::nil()),
        }
    }
}

impl ColumnType {
    /// A scalar (`min` 1, `max` 1) of `key`.
    pub fn scalar(key: BaseType) -> Self {
        ColumnType {
            key,
            value: None,
            min: 1,
            max: Max::Limited(1),
        }
    }

    /// An optional value (`min` 0, `max` 1) of `key`.
    pub fn optional(key: BaseType) -> Self {
        ColumnType {
            key,
            value: None,
            min: 0,
            max: Max::Limited(1),
        }
    }

    /// A set of `key` with `min` to `max` elements.
    pub fn set(key: BaseType, min: u64, max: Max) -> Self {
        ColumnType {
            key,
            value: None,
            min,
            max,
        }
    }

    /// A map from `key` to `value` with `min` to `max` pairs.
    pub fn map(key: BaseType, value: BaseType, min: u64, max: Max) -> Self {
        ColumnType {
            key,
            value: Some(value),
            min,
            max,
        }
    }

    /// Exactly one value (`min` 1, `max` 1, no value type).
    pub fn is_scalar(&self) -> bool {
        self.value.is_none() && self.min == 1 && self.max == Max::Limited(1)
    }

    /// Zero or one value (`min` 0, `max` 1, no value type).
    pub fn is_optional(&self) -> bool {
        self.value.is_none() && self.min == 0 && self.max == Max::Limited(1)
    }

    /// A set that is neither scalar nor optional (no value type, `max` above 1). Unlike
    /// ovsdb-server's `ovsdb_type_is_set`, optional columns do not count, so exactly one of
    /// [`is_scalar`](Self::is_scalar), [`is_optional`](Self::is_optional),
    /// [`is_set`](Self::is_set), [`is_map`](Self::is_map) holds for a valid type.
    pub fn is_set(&self) -> bool {
        self.value.is_none() && !self.is_scalar() && !self.is_optional()
    }

    /// A map (has a value type).
    pub fn is_map(&self) -> bool {
        self.value.is_some()
    }
}

/// The two columns every table has (RFC 7047 §3.2): `_uuid` (persistent) and `_version`
/// (ephemeral), both immutable uuid scalars.
static IMPLICIT_UUID: ColumnSchema = ColumnSchema {
    type_: ColumnType {
        key: BaseType::new(AtomicType::Uuid),
        value: None,
        min: 1,
        max: Max::Limited(1),
    },
    ephemeral: false,
    mutable: false,
};
static IMPLICIT_VERSION: ColumnSchema = ColumnSchema {
    type_: ColumnType {
        key: BaseType::new(AtomicType::Uuid),
        value: None,
        min: 1,
        max: Max::Limited(1),
    },
    ephemeral: true,
    mutable: false,
};

/// The names of the columns every table has implicitly, in order.
pub const IMPLICIT_COLUMNS: [&str; 2] = ["_uuid", "_version"];

impl TableSchema {
    /// A table with these columns: not root, mutable, no row limit, no indexes.
    pub fn new(columns: BTreeMap<String, ColumnSchema>) -> Self {
        TableSchema {
            columns,
            max_rows: None,
            is_root: false,
            mutable: true,
            indexes: Vec::new(),
        }
    }

    /// The column called `name`, including the implicit `_uuid` and `_version`.
    pub fn column(&self, name: &str) -> Option<&ColumnSchema> {
        match name {
            "_uuid" => Some(&IMPLICIT_UUID),
            "_version" => Some(&IMPLICIT_VERSION),
            _ => self.columns.get(name),
        }
    }

    /// All columns: `_uuid`, `_version`, then the table's own in name order.
    pub fn all_columns(&self) -> impl Iterator<Item = (&str, &ColumnSchema)> {
        [("_uuid", &IMPLICIT_UUID), ("_version", &IMPLICIT_VERSION)]
            .into_iter()
            .chain(self.columns.iter().map(|(n, c)| (n.as_str(), c)))
    }
}

impl ColumnSchema {
    /// A mutable, persistent column of type `type_`.
    pub fn new(type_: ColumnType) -> Self {
        ColumnSchema {
            type_,
            ephemeral: false,
            mutable: true,
        }
    }
}

impl DatabaseSchema {
    /// The table called `name`.
    pub fn table(&self, name: &str) -> Option<&TableSchema> {
        self.tables.get(name)
    }

    /// The version as three numbers, if it is present and well-formed.
    pub fn version_numbers(&self) -> Option<(u64, u64, u64)> {
        parse::parse_version(self.version.as_deref()?)
    }
}

macro_rules! serde_via_json {
    ($ty:ty, $parse:path) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.to_json().serialize(s)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let value = serde_json::Value::deserialize(d)?;
                $parse(value).map_err(serde::de::Error::custom)
            }
        }
    };
}

serde_via_json!(DatabaseSchema, DatabaseSchema::from_value);
serde_via_json!(TableSchema, TableSchema::from_value);
serde_via_json!(ColumnSchema, ColumnSchema::from_value);
serde_via_json!(ColumnType, ColumnType::from_value);
serde_via_json!(BaseType, BaseType::from_value);
