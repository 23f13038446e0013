//! Errors of schema parsing and validation ([`SchemaError`]) and of checking data against a
//! schema ([`DatumCheckError`]).

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

use crate::data::{Atom, AtomicType, Datum, NamedUuid};

use super::Max;

/// Where in a schema document something is: a JSON path plus the table and column it belongs to.
///
/// The path uses dots between object members and `[i]` for array elements, rooted at the
/// document being parsed: `tables.Logical_Switch.columns.ports.type.key.refTable` for a whole
/// database schema, `key.refTable` for a column type parsed on its own. The root itself is `.`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location(Box<LocationInner>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct LocationInner {
    path: String,
    table: Option<String>,
    column: Option<String>,
}

impl Location {
    /// The document root (`.`), outside any table.
    pub(crate) fn root() -> Self {
        Location(Box::new(LocationInner {
            path: ".".to_owned(),
            table: None,
            column: None,
        }))
    }

    /// JSON path of the offending member.
    pub fn path(&self) -> &str {
        &self.0.path
    }

    /// The table the member belongs to, if any.
    pub fn table(&self) -> Option<&str> {
        self.0.table.as_deref()
    }

    /// The column the member belongs to, if any.
    pub fn column(&self) -> Option<&str> {
        self.0.column.as_deref()
    }

    fn with_path(&self, path: String) -> Self {
        Location(Box::new(LocationInner {
            path,
            table: self.0.table.clone(),
            column: self.0.column.clone(),
        }))
    }

    /// A member of this location (`path.name`).
    pub(crate) fn member(&self, name: &str) -> Self {
        let p = &self.0.path;
        self.with_path(if p == "." {
            name.to_owned()
        } else {
            format!("{p}.{name}")
        })
    }

    /// An array element of this location (`path[i]`).
    pub(crate) fn index(&self, i: usize) -> Self {
        let p = &self.0.path;
        self.with_path(if p == "." {
            format!("[{i}]")
        } else {
            format!("{p}[{i}]")
        })
    }

    /// The same location, now known to be inside `table`.
    pub(crate) fn in_table(mut self, table: &str) -> Self {
        self.0.table = Some(table.to_owned());
        self
    }

    /// The same location, now known to be inside `column`.
    pub(crate) fn in_column(mut self, column: &str) -> Self {
        self.0.column = Some(column.to_owned());
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.path)?;
        match (&self.0.table, &self.0.column) {
            (Some(t), Some(c)) => write!(f, " (table {t}, column {c})"),
            (Some(t), None) => write!(f, " (table {t})"),
            (None, Some(c)) => write!(f, " (column {c})"),
            (None, None) => Ok(()),
        }
    }
}

/// What kind of name an [`SchemaError::InvalidName`] or [`SchemaError::ReservedName`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameKind {
    /// The database name (`"name"`).
    Database,
    /// A table name (a key of `"tables"`, or a `"refTable"`).
    Table,
    /// A column name (a key of `"columns"`).
    Column,
}

impl fmt::Display for NameKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameKind::Database => "database",
            NameKind::Table => "table",
            NameKind::Column => "column",
        })
    }
}

/// A database schema (RFC 7047 §3.2) that could not be parsed or failed validation.
///
/// Every variant but [`SchemaError::Json`] carries a [`Location`]: the JSON path of the offending
/// member and the table and column it is in. The rules follow what `ovsdb-tool create` (Open
/// vSwitch 3.1) accepts; where this crate is stricter the variant says so.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// The text is not JSON at all.
    #[error("schema is not valid JSON (line {line}, column {column}): {source}")]
    Json {
        /// 1-based line of the syntax error.
        line: usize,
        /// 1-based column of the syntax error.
        column: usize,
        /// The JSON parser's error.
        #[source]
        source: Arc<serde_json::Error>,
    },
    /// A member has the wrong JSON type (ovsdb-tool: "Type mismatch for member").
    #[error("at {at}: expected {expected}, found {found}")]
    WrongJsonType {
        /// Where.
        at: Location,
        /// What was expected (`"an object"`, `"a string"`, `"an integer"` ...).
        expected: &'static str,
        /// The offending JSON value.
        found: serde_json::Value,
    },
    /// A required member is absent (ovsdb-tool: "Required 'x' member is missing").
    #[error("at {at}: required member {member:?} is missing")]
    MissingMember {
        /// The object lacking the member.
        at: Location,
        /// The member's name.
        member: &'static str,
    },
    /// A member this object does not have (ovsdb-tool rejects unknown members everywhere:
    /// "Member 'x' is present but not allowed here").
    #[error("at {at}: unknown member {member:?}")]
    UnknownMember {
        /// The unknown member.
        at: Location,
        /// Its name.
        member: String,
    },
    /// A database, table or column name (or a `refTable`) that is not an RFC 7047 `<id>`.
    #[error("at {at}: {kind} name {name:?} is not a valid <id> ([a-zA-Z_][a-zA-Z0-9_]*)")]
    InvalidName {
        /// Where.
        at: Location,
        /// What the name names.
        kind: NameKind,
        /// The name.
        name: String,
    },
    /// A table or column name that begins with `_` (reserved for `_uuid`, `_version` and the like).
    #[error("at {at}: {kind} name {name:?} begins with \"_\", which is reserved")]
    ReservedName {
        /// Where.
        at: Location,
        /// What the name names.
        kind: NameKind,
        /// The name.
        name: String,
    },
    /// `"version"` is not `x.y.z` (three dot-separated decimal numbers). Stricter than ovsdb-tool,
    /// which parses with `sscanf("%u.%u.%u")` and so lets through signs and leading blanks.
    #[error("at {at}: schema version {version:?} is not in the format x.y.z")]
    InvalidVersion {
        /// Where.
        at: Location,
        /// The version text.
        version: String,
    },
    /// A table without columns (ovsdb-tool: "table must have at least one column").
    #[error("at {at}: table must have at least one column")]
    NoColumns {
        /// The table's `columns`.
        at: Location,
    },
    /// `"maxRows"` below 1, or above 4294967295 (ovsdb-server keeps it in 32 bits; ovsdb-tool
    /// silently mangles larger values, this crate rejects them).
    #[error("at {at}: maxRows {value} is not in the range 1 to 4294967295")]
    InvalidMaxRows {
        /// Where.
        at: Location,
        /// The value given.
        value: i128,
    },
    /// A type name that is not one of `integer`, `real`, `boolean`, `string`, `uuid`.
    #[error("at {at}: {name:?} is not an atomic type")]
    UnknownAtomicType {
        /// Where.
        at: Location,
        /// The name given.
        name: String,
    },
    /// `"min"` or `"max"` of a column type that is not a count: `min` must be an integer from 0 to
    /// 4294967294, `max` too or `"unlimited"` (ovsdb-tool: "bad min or max value").
    #[error("at {at}: bad {member} value {value} (expected an integer 0 to 4294967294{})",
        if *member == "max" { " or \"unlimited\"" } else { "" })]
    InvalidCount {
        /// Where.
        at: Location,
        /// `"min"` or `"max"`.
        member: &'static str,
        /// The value given.
        value: serde_json::Value,
    },
    /// Counts that break `min <= 1`, `max >= 1`, `min <= max` (ovsdb-tool: "ovsdb type fails
    /// constraint checks").
    #[error(
        "at {at}: min {min} and max {max} are not allowed (need min 0 or 1, max at least 1 and at least min)"
    )]
    InvalidCountRange {
        /// The column type.
        at: Location,
        /// The type's `min`.
        min: u64,
        /// The type's `max`.
        max: Max,
    },
    /// A lower bound above its upper bound (`minInteger` > `maxInteger`, `minReal` > `maxReal`,
    /// `minLength` > `maxLength`).
    #[error("at {at}: {lower} {lower_value} exceeds {upper} {upper_value}")]
    BoundsReversed {
        /// The base type.
        at: Location,
        /// `"minInteger"`, `"minReal"` or `"minLength"`.
        lower: &'static str,
        /// The lower bound, as written.
        lower_value: String,
        /// `"maxInteger"`, `"maxReal"` or `"maxLength"`.
        upper: &'static str,
        /// The upper bound, as written.
        upper_value: String,
    },
    /// `minLength` or `maxLength` outside 0 to 4294967295.
    #[error("at {at}: {value} is out of the valid range 0 to 4294967295")]
    LengthOutOfRange {
        /// Where.
        at: Location,
        /// The value given.
        value: serde_json::Value,
    },
    /// A constraint that does not belong to the base type's atomic type (`minInteger` on a string,
    /// `refTable` on an integer ...).
    #[error("at {at}: {member} is not allowed on a base type of type {atomic_type}")]
    ConstraintMismatch {
        /// The constraint member.
        at: Location,
        /// Its name.
        member: String,
        /// The base type's atomic type.
        atomic_type: AtomicType,
    },
    /// A range, length or reference constraint next to `"enum"`: ovsdb-tool accepts no other
    /// constraint in a base type that has an enum.
    #[error("at {at}: {member} is not allowed together with \"enum\"")]
    ConstraintWithEnum {
        /// The constraint member.
        at: Location,
        /// Its name.
        member: String,
    },
    /// `"refType"` without `"refTable"`.
    #[error("at {at}: refType is only allowed together with refTable")]
    RefTypeWithoutRefTable {
        /// The `refType` member.
        at: Location,
    },
    /// `"refType"` other than `"strong"` or `"weak"`.
    #[error("at {at}: refType must be \"strong\" or \"weak\", not {value:?}")]
    InvalidRefType {
        /// Where.
        at: Location,
        /// The value given.
        value: String,
    },
    /// `"refTable"` names no table of the database.
    #[error("at {at}: refTable {ref_table:?} names no table of this database")]
    UnknownRefTable {
        /// The `refTable` member.
        at: Location,
        /// The name given.
        ref_table: String,
    },
    /// An `"enum"` that is not a non-empty set of distinct atoms of the base type.
    #[error("at {at}: invalid enum: {problem}")]
    InvalidEnum {
        /// The `enum` member.
        at: Location,
        /// What was wrong with it, as a datum error against the enum's own type
        /// (the base type, 1 to unlimited elements, no named-uuids).
        problem: Box<DatumCheckError>,
    },
    /// An index without columns.
    #[error("at {at}: index must have at least one column")]
    EmptyIndex {
        /// The index.
        at: Location,
    },
    /// An index column that is not a column of the table (`_uuid` and `_version` count as columns).
    #[error("at {at}: index column {name:?} is not a column of the table")]
    IndexUnknownColumn {
        /// The index element.
        at: Location,
        /// The name given.
        name: String,
    },
    /// A column named twice in one index.
    #[error("at {at}: index names column {name:?} more than once")]
    IndexDuplicateColumn {
        /// The second mention.
        at: Location,
        /// The column.
        name: String,
    },
    /// An ephemeral column in an index (`_version` is ephemeral): indexes are evaluated on
    /// persistent data.
    #[error("at {at}: ephemeral column {name:?} may not be indexed")]
    IndexEphemeralColumn {
        /// The index element.
        at: Location,
        /// The column.
        name: String,
    },
}

impl SchemaError {
    /// The location of the error; `None` for [`SchemaError::Json`], which has a line and column
    /// instead.
    pub fn location(&self) -> Option<&Location> {
        match self {
            SchemaError::Json { .. } => None,
            SchemaError::WrongJsonType { at, .. }
            | SchemaError::MissingMember { at, .. }
            | SchemaError::UnknownMember { at, .. }
            | SchemaError::InvalidName { at, .. }
            | SchemaError::ReservedName { at, .. }
            | SchemaError::InvalidVersion { at, .. }
            | SchemaError::NoColumns { at }
            | SchemaError::InvalidMaxRows { at, .. }
            | SchemaError::UnknownAtomicType { at, .. }
            | SchemaError::InvalidCount { at, .. }
            | SchemaError::InvalidCountRange { at, .. }
            | SchemaError::BoundsReversed { at, .. }
            | SchemaError::LengthOutOfRange { at, .. }
            | SchemaError::ConstraintMismatch { at, .. }
            | SchemaError::ConstraintWithEnum { at, .. }
            | SchemaError::RefTypeWithoutRefTable { at }
            | SchemaError::InvalidRefType { at, .. }
            | SchemaError::UnknownRefTable { at, .. }
            | SchemaError::InvalidEnum { at, .. }
            | SchemaError::EmptyIndex { at }
            | SchemaError::IndexUnknownColumn { at, .. }
            | SchemaError::IndexDuplicateColumn { at, .. }
            | SchemaError::IndexEphemeralColumn { at, .. } => Some(at),
        }
    }

    /// The JSON path of the error (see [`Location::path`]); `None` for [`SchemaError::Json`].
    pub fn path(&self) -> Option<&str> {
        self.location().map(Location::path)
    }

    /// The table the error is in, if any.
    pub fn table(&self) -> Option<&str> {
        self.location().and_then(Location::table)
    }

    /// The column the error is in, if any.
    pub fn column(&self) -> Option<&str> {
        self.location().and_then(Location::column)
    }
}

/// Whether an atom is a set element or map key, or a map value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtomRole {
    /// A set element or a map key (checked against the column type's `key`).
    Key,
    /// A map value (checked against the column type's `value`).
    Value,
}

impl fmt::Display for AtomRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AtomRole::Key => "key",
            AtomRole::Value => "value",
        })
    }
}

/// The rule a datum broke; the `found` fields carry the offending value.
///
/// Mirrors what ovsdb-server (RFC 7047 §5.1, ovsdb-server(7)) rejects on input, with its
/// wording where it has one ("is not one of the allowed values", "is not in the valid range").
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Violation {
    /// JSON that is not an OVSDB value of the expected shape (from
    /// [`ColumnType::datum_from_json`](super::ColumnType::datum_from_json)).
    #[error("{found} is not valid here: expected {expected}")]
    Syntax {
        /// The offending JSON.
        found: serde_json::Value,
        /// What was expected.
        expected: String,
    },
    /// An atom of another atomic type.
    #[error("{role} {found} is not of type {expected}")]
    WrongAtomicType {
        /// Set element / map key, or map value.
        role: AtomRole,
        /// The column's atomic type for this role.
        expected: AtomicType,
        /// The atom given.
        found: Atom,
    },
    /// A named-uuid where only real UUIDs are allowed (outside a transaction, or in an enum).
    #[error("{role} named-uuid {found} is not allowed here")]
    NamedUuidNotAllowed {
        /// Set element / map key, or map value.
        role: AtomRole,
        /// The name given.
        found: NamedUuid,
    },
    /// A value outside the base type's `enum`.
    #[error("{role} {found} is not one of the allowed values ({})", fmt_set(allowed))]
    NotInEnum {
        /// Set element / map key, or map value.
        role: AtomRole,
        /// The atom given.
        found: Atom,
        /// The enum.
        allowed: BTreeSet<Atom>,
    },
    /// An integer outside `minInteger`..`maxInteger`.
    #[error("{role} {found} {}", fmt_range(*min, *max))]
    IntegerOutOfRange {
        /// Set element / map key, or map value.
        role: AtomRole,
        /// The integer given.
        found: i64,
        /// `minInteger`, if any.
        min: Option<i64>,
        /// `maxInteger`, if any.
        max: Option<i64>,
    },
    /// A real outside `minReal`..`maxReal`.
    #[error("{role} {found} {}", fmt_range(*min, *max))]
    RealOutOfRange {
        /// Set element / map key, or map value.
        role: AtomRole,
        /// The real given.
        found: f64,
        /// `minReal`, if any.
        min: Option<f64>,
        /// `maxReal`, if any.
        max: Option<f64>,
    },
    /// A string whose length in characters (Unicode scalar values, as ovsdb-server counts) is
    /// outside `minLength`..`maxLength`.
    #[error("{role} {found:?} length {length} {}", fmt_len(*min, *max))]
    StringLength {
        /// Set element / map key, or map value.
        role: AtomRole,
        /// The string given.
        found: String,
        /// Its length in characters.
        length: u64,
        /// `minLength`, if any.
        min: Option<u64>,
        /// `maxLength`, if any.
        max: Option<u64>,
    },
    /// Fewer than `min` or more than `max` elements.
    #[error("{} must have {min} to {max} members but {count} are present: {found}",
        if found.as_map().is_some() { "map" } else { "set" })]
    ElementCount {
        /// The datum given.
        found: Datum,
        /// Its number of elements.
        count: usize,
        /// The column type's `min`.
        min: u64,
        /// The column type's `max`.
        max: Max,
    },
    /// A set given for a map column (ovsdb-server 3.1 rejects even `["set", []]` there).
    #[error("expected a map, found the set {found}")]
    MapExpected {
        /// The datum given.
        found: Datum,
    },
    /// A map given for a set (or scalar, or optional) column.
    #[error("expected a set or a single atom, found the map {found}")]
    SetExpected {
        /// The datum given.
        found: Datum,
    },
    /// The same set element twice.
    #[error("set contains duplicate value {found}")]
    DuplicateElement {
        /// The repeated atom.
        found: Atom,
    },
    /// The same map key twice.
    #[error("map contains duplicate key {found}")]
    DuplicateKey {
        /// The repeated key.
        found: Atom,
    },
    /// The table does not exist in the schema.
    #[error("no such table")]
    UnknownTable,
    /// The column does not exist in the table.
    #[error("no such column")]
    UnknownColumn,
}

fn fmt_set(set: &BTreeSet<Atom>) -> String {
    let parts: Vec<String> = set.iter().map(ToString::to_string).collect();
    format!("[{}]", parts.join(", "))
}

fn fmt_range<T: fmt::Display>(min: Option<T>, max: Option<T>) -> String {
    match (min, max) {
        (Some(lo), Some(hi)) => format!("is not in the valid range {lo} to {hi} (inclusive)"),
        (Some(lo), None) => format!("is less than minimum allowed value {lo}"),
        (None, Some(hi)) => format!("is greater than maximum allowed value {hi}"),
        (None, None) => "is out of range".to_owned(),
    }
}

fn fmt_len(min: Option<u64>, max: Option<u64>) -> String {
    match (min, max) {
        (Some(lo), Some(hi)) => format!("is not in the valid range {lo} to {hi} (inclusive)"),
        (Some(lo), None) => format!("is less than minimum allowed length {lo}"),
        (None, Some(hi)) => format!("is greater than maximum allowed length {hi}"),
        (None, None) => "is out of range".to_owned(),
    }
}

/// A datum that does not fit its column: which table and column (when known), and the
/// [`Violation`] with the offending value.
///
/// [`ColumnType::check`](super::ColumnType::check) knows neither table nor column;
/// [`DatabaseSchema::check_datum`](super::DatabaseSchema::check_datum) and
/// [`TableSchema::check_row`](super::TableSchema::check_row) fill them in.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub struct DatumCheckError {
    /// The table, when known.
    pub table: Option<String>,
    /// The column, when known.
    pub column: Option<String>,
    /// The rule that was broken, with the offending value (boxed to keep `Result`s small).
    pub violation: Box<Violation>,
}

impl DatumCheckError {
    /// An error outside any known table or column.
    pub fn new(violation: Violation) -> Self {
        DatumCheckError {
            table: None,
            column: None,
            violation: Box::new(violation),
        }
    }

    /// The same error, located in `table` and `column`.
    pub fn at(mut self, table: &str, column: &str) -> Self {
        self.table = Some(table.to_owned());
        self.column = Some(column.to_owned());
        self
    }
}

impl From<Violation> for DatumCheckError {
    fn from(v: Violation) -> Self {
        DatumCheckError::new(v)
    }
}

impl fmt::Display for DatumCheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.table, &self.column) {
            (Some(t), Some(c)) => write!(f, "table {t} column {c}: ")?,
            (Some(t), None) => write!(f, "table {t}: ")?,
            (None, Some(c)) => write!(f, "column {c}: ")?,
            (None, None) => {}
        }
        fmt::Display::fmt(&self.violation, f)
    }
}
