//! The traits and handles that generated code implements and uses: [`Table`], [`Database`],
//! typed columns ([`Column`]), typed references ([`Ref`]) and schema indexes ([`UniqueIndex`]).
//!
//! A generated crate (for example `ovn-nb`) has one struct per table of its schema implementing
//! [`Table`], one marker type implementing [`Database`], one [`Column`] constant per column and one
//! [`UniqueIndex`] constant per schema index. Typed rows carry only the schema's columns; the row's
//! `_uuid` and `_version` belong to whoever holds the row (a replica, a transaction result).

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

use crate::data::{Atom, AtomicType, Datum, DatumError, FromAtom, FromDatum, IntoAtom, IntoDatum};
use crate::data::{Map, NamedUuid, Row, Set, Uuid};
use crate::op::{Condition, Function, Mutation, Mutator};
use crate::schema::DatabaseSchema;

/// A typed row that did not decode, naming the table and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RowError {
    /// A column's value does not fit the column's Rust type.
    #[error("{table}.{column}: {source}")]
    Column {
        /// Table name as in the schema (`"Logical_Switch"`).
        table: &'static str,
        /// Column name as in the schema (`"ports"`).
        column: &'static str,
        /// What was wrong with the value.
        #[source]
        source: DatumError,
    },
    /// An `update2` `modify` diff (ovsdb-server(7) §4.1.14) that cannot be applied to the row held.
    #[error("{table}.{column}: update2 diff does not apply: {source}")]
    Diff {
        /// Table name as in the schema.
        table: &'static str,
        /// Column name as in the schema.
        column: &'static str,
        /// What was wrong with the diff.
        #[source]
        source: DatumError,
    },
}

/// A database schema's marker type, implemented by generated code (`OvnNorthboundDb`, ...).
///
/// The schema JSON is embedded, so code built against one schema version can compare it with what
/// a server announces (`get_schema`, RFC 7047 §4.1.2).
pub trait Database: Send + Sync + 'static {
    /// Database name (`"OVN_Northbound"`).
    const NAME: &'static str;
    /// Schema version (`"7.0.0"`), RFC 7047 §3.1 `version`.
    const SCHEMA_VERSION: &'static str;
    /// Schema checksum (`"94023179 33468"`), when the schema has one (RFC 7047 §3.1 `cksum`).
    const SCHEMA_CKSUM: Option<&'static str>;
    /// The `.ovsschema` text the code was generated from.
    const SCHEMA_JSON: &'static str;
    /// Table names, sorted.
    const TABLES: &'static [&'static str];

    /// The embedded schema, parsed on first use and kept for the life of the process.
    fn schema() -> &'static DatabaseSchema;

    /// Calls `visitor.visit::<T>()` once for every table type of the database, in name order.
    ///
    /// This is how generic code (a replica monitoring every table, a test) walks the tables
    /// without naming them.
    fn for_each_table<V: TableVisitor<Self>>(visitor: &mut V)
    where
        Self: Sized;
}

/// Parses the schema text generated code embeds in [`Database::SCHEMA_JSON`]; generated
/// [`Database::schema`] implementations call it once.
///
/// # Panics
/// If `json` is not a valid schema. The generator parsed and validated the same text before
/// embedding it, and each generated crate has a test that parses it, so this happens only if the
/// embedded text was edited by hand into something invalid.
pub fn parse_embedded_schema(json: &str) -> DatabaseSchema {
    match DatabaseSchema::from_json_str(json) {
        Ok(schema) => schema,
        Err(e) => panic!("embedded OVSDB schema does not parse (edited by hand?): {e}"),
    }
}

/// Receives the table types of a [`Database`] from [`Database::for_each_table`].
pub trait TableVisitor<D: Database> {
    /// Called once per table type.
    fn visit<T: Table<Db = D>>(&mut self);
}

/// A table of a database schema, implemented by the struct generated for it.
///
/// The struct has one field per column. A column missing from a row decodes as the field's
/// default, which is ovsdb-server's default for the column type (0, `""`, `false`, empty set or
/// map, the nil UUID): the server may be older than the schema the code was generated from.
/// Columns the struct does not know (a newer server, `_uuid`, `_version`) are ignored.
pub trait Table: Clone + fmt::Debug + Default + PartialEq + Send + Sync + 'static {
    /// The database this table belongs to.
    type Db: Database;
    /// Table name as in the schema (`"Logical_Switch_Port"`).
    const TABLE_NAME: &'static str;
    /// RFC 7047 §3.1 `isRoot`: when false, ovsdb-server deletes a row no strong reference reaches.
    const IS_ROOT: bool;
    /// Column names, sorted.
    const COLUMNS: &'static [&'static str];
    /// The schema's `indexes`: sets of columns whose values are unique across the table's rows.
    const INDEXES: &'static [&'static [&'static str]];

    /// Decodes a full row (RFC 7047 §5.1 `<row>`, as in `select` results and `initial` /
    /// `insert` updates).
    ///
    /// # Errors
    /// [`RowError::Column`] for the first column whose value does not fit its type.
    fn from_row(row: &Row) -> Result<Self, RowError>;

    /// Encodes every column (the `row` of an `insert` operation, RFC 7047 §5.2.1).
    fn to_row(&self) -> Row;

    /// Applies an `update2` `modify` row, whose columns carry diffs (ovsdb-server(7) §4.1.14).
    ///
    /// # Errors
    /// [`RowError::Diff`] for the first column whose diff does not decode or does not apply; the
    /// columns before it have been updated.
    fn apply_diff(&mut self, diff: &Row) -> Result<(), RowError>;

    /// Sets the field of `column` from the column's JSON value (RFC 7047 §5.1 `<value>`)
    /// without building a [`Datum`], so that a whole row decodes as [`Table::from_row`] would
    /// decode the same columns, starting from [`Default`]; a column the struct does not know
    /// is skipped. Generated tables implement it; the default refuses every column (then decode
    /// through a [`Row`]).
    ///
    /// # Errors
    /// The deserializer's error (see [`FromDatum::from_json`]): it does not name the column and
    /// may refuse what [`Table::from_row`] accepts; `from_row` on the same row says exactly
    /// what is wrong.
    fn decode_json_column<'de, D: serde::Deserializer<'de>>(
        &mut self,
        column: &str,
        value: D,
    ) -> Result<(), D::Error> {
        let _ = value;
        Err(serde::de::Error::custom(format_args!(
            "{}.{column}: no JSON decoder",
            Self::TABLE_NAME
        )))
    }
}

/// The target of a reference: a row UUID, or the `uuid-name` of a row inserted earlier in the same
/// transaction (RFC 7047 §5.1 `<named-uuid>`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UuidRef {
    /// An existing row.
    Uuid(Uuid),
    /// A row inserted earlier in the same transaction.
    Named(NamedUuid),
}

/// A reference to a row of table `T`: a column of type `uuid` with `refTable` (RFC 7047 §3.2).
///
/// Whether the reference is strong or weak is a property of the column and is documented on the
/// field. The default is the nil UUID, ovsdb-server's default for a `uuid` column; a strong
/// reference to it fails referential integrity at commit.
pub struct Ref<T> {
    target: UuidRef,
    table: PhantomData<fn() -> T>,
}

impl<T> Ref<T> {
    /// A reference to an existing row.
    pub const fn new(uuid: Uuid) -> Self {
        Ref {
            target: UuidRef::Uuid(uuid),
            table: PhantomData,
        }
    }

    /// A reference to a row inserted earlier in the same transaction under `name`.
    pub const fn named(name: NamedUuid) -> Self {
        Ref {
            target: UuidRef::Named(name),
            table: PhantomData,
        }
    }

    /// The row UUID, unless this is a named-uuid.
    pub fn uuid(&self) -> Option<Uuid> {
        match &self.target {
            UuidRef::Uuid(u) => Some(*u),
            UuidRef::Named(_) => None,
        }
    }

    /// The named-uuid, if this is one.
    pub fn named_uuid(&self) -> Option<&NamedUuid> {
        match &self.target {
            UuidRef::Named(n) => Some(n),
            UuidRef::Uuid(_) => None,
        }
    }

    /// The untyped target.
    pub fn target(&self) -> &UuidRef {
        &self.target
    }

    /// Drops the type, keeping the target.
    pub fn into_target(self) -> UuidRef {
        self.target
    }
}

impl<T> From<Uuid> for Ref<T> {
    fn from(uuid: Uuid) -> Self {
        Ref::new(uuid)
    }
}

impl<T> From<NamedUuid> for Ref<T> {
    fn from(name: NamedUuid) -> Self {
        Ref::named(name)
    }
}

impl<T> Default for Ref<T> {
    /// The nil UUID.
    fn default() -> Self {
        Ref::new(Uuid::nil())
    }
}

impl<T> Clone for Ref<T> {
    fn clone(&self) -> Self {
        Ref {
            target: self.target.clone(),
            table: PhantomData,
        }
    }
}

impl<T> PartialEq for Ref<T> {
    fn eq(&self, other: &Self) -> bool {
        self.target == other.target
    }
}
impl<T> Eq for Ref<T> {}

impl<T> PartialOrd for Ref<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Ref<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.target.cmp(&other.target)
    }
}

impl<T> Hash for Ref<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.target.hash(state);
    }
}

impl<T> fmt::Debug for Ref<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.target {
            UuidRef::Uuid(u) => write!(f, "Ref({u})"),
            UuidRef::Named(n) => write!(f, "Ref(named {n})"),
        }
    }
}

impl<T> fmt::Display for Ref<T> {
    /// The UUID, or the name of a named-uuid.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.target {
            UuidRef::Uuid(u) => fmt::Display::fmt(u, f),
            UuidRef::Named(n) => fmt::Display::fmt(n, f),
        }
    }
}

impl<T> FromAtom for Ref<T> {
    const ATOMIC_TYPE: AtomicType = AtomicType::Uuid;
    fn from_atom(atom: &Atom) -> Result<Self, DatumError> {
        match atom {
            Atom::Uuid(u) => Ok(Ref::new(*u)),
            Atom::NamedUuid(n) => Ok(Ref::named(n.clone())),
            other => Err(DatumError::AtomType {
                expected: AtomicType::Uuid,
                found: other.atomic_type(),
            }),
        }
    }
}

impl<T> IntoAtom for Ref<T> {
    fn to_atom(&self) -> Atom {
        match &self.target {
            UuidRef::Uuid(u) => Atom::Uuid(*u),
            UuidRef::Named(n) => Atom::NamedUuid(n.clone()),
        }
    }
    fn into_atom(self) -> Atom {
        match self.target {
            UuidRef::Uuid(u) => Atom::Uuid(u),
            UuidRef::Named(n) => Atom::NamedUuid(n),
        }
    }
}

/// A typed handle on column `name` of table `T`, whose Rust value type is `V`.
///
/// Generated as associated constants (`Acl::PRIORITY: Column<Acl, i64>`), so that conditions and
/// mutations are checked against the column's type at compile time.
pub struct Column<T, V> {
    name: &'static str,
    types: PhantomData<fn() -> (T, V)>,
}

impl<T, V> Column<T, V> {
    /// A handle on the column called `name` (as in the schema).
    pub const fn new(name: &'static str) -> Self {
        Column {
            name,
            types: PhantomData,
        }
    }

    /// The column name as in the schema.
    pub const fn name(self) -> &'static str {
        self.name
    }
}

impl<T: Table, V: FromDatum> Column<T, V> {
    /// Decodes this column's value from its JSON form (see [`FromDatum::from_json`]).
    ///
    /// # Errors
    /// The deserializer's error, which does not name the column.
    pub fn decode_json<'de, D: serde::Deserializer<'de>>(self, value: D) -> Result<V, D::Error> {
        V::from_json(value)
    }

    /// Decodes this column's value from `datum`.
    ///
    /// # Errors
    /// [`RowError::Column`] naming the table and column.
    pub fn decode(self, datum: &Datum) -> Result<V, RowError> {
        V::from_datum(datum).map_err(|source| RowError::Column {
            table: T::TABLE_NAME,
            column: self.name,
            source,
        })
    }

    /// Applies an `update2` diff for this column to `value` (ovsdb-server(7) §4.1.14).
    ///
    /// # Errors
    /// [`RowError::Diff`] naming the table and column; `value` is then unchanged.
    pub fn apply_diff(self, value: &mut V, diff: &Datum) -> Result<(), RowError> {
        value.apply_diff(diff).map_err(|source| RowError::Diff {
            table: T::TABLE_NAME,
            column: self.name,
            source,
        })
    }
}

impl<T, V: IntoDatum> Column<T, V> {
    /// Encodes `value` as this column's datum.
    pub fn encode(self, value: &V) -> Datum {
        value.to_datum()
    }
}

/// Conditions (RFC 7047 §5.1 `<condition>`) on the column, with a value of the column's type.
///
/// On the wire the value is the column's datum: `Acl::PRIORITY.eq(1000)` is
/// `["priority", "==", 1000]`. Which functions a column type allows is the server's rule (RFC
/// 7047 §5.1): `<`, `<=`, `>`, `>=` only for scalar integers and reals; `includes` and `excludes`
/// for any type, meaning subset and disjointness for sets and maps.
impl<T, V: IntoDatum> Column<T, V> {
    /// `[column, function, value]` for any function.
    pub fn condition(self, function: Function, value: impl Into<V>) -> Condition {
        Condition::new(self.name, function, value.into().into_datum())
    }

    /// `[column, "==", value]`.
    pub fn eq(self, value: impl Into<V>) -> Condition {
        self.condition(Function::Eq, value)
    }

    /// `[column, "!=", value]`.
    pub fn ne(self, value: impl Into<V>) -> Condition {
        self.condition(Function::Ne, value)
    }

    /// `[column, "<", value]`.
    pub fn lt(self, value: impl Into<V>) -> Condition {
        self.condition(Function::Lt, value)
    }

    /// `[column, "<=", value]`.
    pub fn le(self, value: impl Into<V>) -> Condition {
        self.condition(Function::Le, value)
    }

    /// `[column, ">", value]`.
    pub fn gt(self, value: impl Into<V>) -> Condition {
        self.condition(Function::Gt, value)
    }

    /// `[column, ">=", value]`.
    pub fn ge(self, value: impl Into<V>) -> Condition {
        self.condition(Function::Ge, value)
    }

    /// `[column, "includes", value]`: the column holds every element (pair) of `value`.
    pub fn includes(self, value: impl Into<V>) -> Condition {
        self.condition(Function::Includes, value)
    }

    /// `[column, "excludes", value]`: the column holds no element (pair) of `value`.
    pub fn excludes(self, value: impl Into<V>) -> Condition {
        self.condition(Function::Excludes, value)
    }

    /// `(column, datum)` for the `row` of an `update` operation (RFC 7047 §5.2.4).
    pub fn value(self, value: impl Into<V>) -> (&'static str, Datum) {
        (self.name, value.into().into_datum())
    }
}

/// Arithmetic mutations of an integer column (RFC 7047 §5.1 `<mutation>`).
impl<T> Column<T, i64> {
    /// `[column, "+=", n]`.
    pub fn increment(self, n: i64) -> Mutation {
        Mutation::new(self.name, Mutator::Add, Datum::scalar(n))
    }

    /// `[column, "-=", n]`.
    pub fn decrement(self, n: i64) -> Mutation {
        Mutation::new(self.name, Mutator::Sub, Datum::scalar(n))
    }
}

/// Set conditions and mutations by element.
impl<T, E: IntoAtom + Ord> Column<T, Set<E>> {
    /// `[column, "includes", element]`: the set holds `element`.
    pub fn contains(self, element: impl Into<E>) -> Condition {
        Condition::new(self.name, Function::Includes, element.into().into_datum())
    }

    /// `[column, "insert", element]`: adds one element (RFC 7047 §5.1 `insert` mutator).
    pub fn insert(self, element: impl Into<E>) -> Mutation {
        Mutation::insert(self.name, element.into().into_datum())
    }

    /// `[column, "delete", element]`: removes one element, if present.
    pub fn delete(self, element: impl Into<E>) -> Mutation {
        Mutation::delete(self.name, element.into().into_datum())
    }

    /// `[column, "insert", set]`: adds several elements in one mutation.
    pub fn insert_all(self, elements: impl IntoIterator<Item = E>) -> Mutation {
        Mutation::insert(
            self.name,
            Datum::Set(elements.into_iter().map(IntoAtom::into_atom).collect()),
        )
    }

    /// `[column, "delete", set]`: removes several elements in one mutation.
    pub fn delete_all(self, elements: impl IntoIterator<Item = E>) -> Mutation {
        Mutation::delete(
            self.name,
            Datum::Set(elements.into_iter().map(IntoAtom::into_atom).collect()),
        )
    }
}

/// Map mutations by key.
impl<T, K: IntoAtom + Ord, V: IntoAtom> Column<T, Map<K, V>> {
    /// `[column, "insert", ["map", [[key, value]]]]`: sets `key` unless the map already has it
    /// (ovsdb-server does not replace an existing key's value on insert).
    pub fn insert(self, key: impl Into<K>, value: impl Into<V>) -> Mutation {
        Mutation::insert(
            self.name,
            Datum::map([(key.into().into_atom(), value.into().into_atom())]),
        )
    }

    /// `[column, "delete", ["set", [key]]]`: removes `key`, whatever its value.
    pub fn delete_key(self, key: impl Into<K>) -> Mutation {
        Mutation::delete(self.name, key.into().into_datum())
    }

    /// `[column, "delete", ["map", [[key, value]]]]`: removes `key` only if it has `value`.
    pub fn delete_pair(self, key: impl Into<K>, value: impl Into<V>) -> Mutation {
        Mutation::delete(
            self.name,
            Datum::map([(key.into().into_atom(), value.into().into_atom())]),
        )
    }
}

impl<T, V> Clone for Column<T, V> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, V> Copy for Column<T, V> {}

impl<T, V> fmt::Debug for Column<T, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Column({:?})", self.name)
    }
}

impl<T, V> PartialEq for Column<T, V> {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}
impl<T, V> Eq for Column<T, V> {}

/// One of a table's schema indexes (RFC 7047 §3.1 `indexes`): columns whose values together are
/// unique across the table's rows.
///
/// `K` is the key's Rust type: the column's type for a one-column index, a tuple in column order
/// for a composite one (`UniqueIndex<MulticastGroup, (Ref<DatapathBinding>, i64)>`).
pub struct UniqueIndex<T, K> {
    columns: &'static [&'static str],
    key: fn(&T) -> K,
}

impl<T, K> UniqueIndex<T, K> {
    /// An index over `columns`, whose key is computed from a row by `key`.
    pub const fn new(columns: &'static [&'static str], key: fn(&T) -> K) -> Self {
        UniqueIndex { columns, key }
    }

    /// The indexed columns, in schema order.
    pub const fn columns(&self) -> &'static [&'static str] {
        self.columns
    }

    /// The key of `row` in this index.
    pub fn key(&self, row: &T) -> K {
        (self.key)(row)
    }
}

impl<T, K> Clone for UniqueIndex<T, K> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, K> Copy for UniqueIndex<T, K> {}

impl<T, K> fmt::Debug for UniqueIndex<T, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UniqueIndex({:?})", self.columns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct TestDb;
    impl Database for TestDb {
        const NAME: &'static str = "Test";
        const SCHEMA_VERSION: &'static str = "1.0.0";
        const SCHEMA_CKSUM: Option<&'static str> = None;
        const SCHEMA_JSON: &'static str = r#"{"name": "Test", "version": "1.0.0", "tables": {"T": {"columns": {
            "n": {"type": "integer"}, "opt": {"type": {"key": "string", "min": 0}},
            "peers": {"type": {"key": {"type": "uuid", "refTable": "T"}, "min": 0, "max": "unlimited"}},
            "ids": {"type": {"key": "string", "value": "string", "min": 0, "max": "unlimited"}}},
            "indexes": [["n", "opt"]], "isRoot": true}}}"#;
        const TABLES: &'static [&'static str] = &["T"];
        fn schema() -> &'static DatabaseSchema {
            static SCHEMA: std::sync::OnceLock<DatabaseSchema> = std::sync::OnceLock::new();
            SCHEMA.get_or_init(|| parse_embedded_schema(Self::SCHEMA_JSON))
        }
        fn for_each_table<V: TableVisitor<Self>>(visitor: &mut V) {
            visitor.visit::<T>();
        }
    }

    /// A hand-written table in the shape the generator emits.
    #[derive(Clone, Debug, Default, PartialEq)]
    struct T {
        n: i64,
        opt: Option<String>,
        peers: Set<Ref<T>>,
        ids: Map<String, String>,
    }

    impl T {
        const N: Column<T, i64> = Column::new("n");
        const OPT: Column<T, Option<String>> = Column::new("opt");
        const PEERS: Column<T, Set<Ref<T>>> = Column::new("peers");
        const IDS: Column<T, Map<String, String>> = Column::new("ids");
        const BY_N_OPT: UniqueIndex<T, (i64, Option<String>)> =
            UniqueIndex::new(&["n", "opt"], |r| (r.n, r.opt.clone()));
    }

    impl Table for T {
        type Db = TestDb;
        const TABLE_NAME: &'static str = "T";
        const IS_ROOT: bool = true;
        const COLUMNS: &'static [&'static str] = &["ids", "n", "opt", "peers"];
        const INDEXES: &'static [&'static [&'static str]] = &[&["n", "opt"]];

        fn from_row(row: &Row) -> Result<Self, RowError> {
            let mut this = Self::default();
            for (column, datum) in row.iter() {
                match column.as_str() {
                    "ids" => this.ids = Self::IDS.decode(datum)?,
                    "n" => this.n = Self::N.decode(datum)?,
                    "opt" => this.opt = Self::OPT.decode(datum)?,
                    "peers" => this.peers = Self::PEERS.decode(datum)?,
                    _ => {}
                }
            }
            Ok(this)
        }

        fn to_row(&self) -> Row {
            let mut row = Row::new();
            row.insert("ids", Self::IDS.encode(&self.ids));
            row.insert("n", Self::N.encode(&self.n));
            row.insert("opt", Self::OPT.encode(&self.opt));
            row.insert("peers", Self::PEERS.encode(&self.peers));
            row
        }

        fn apply_diff(&mut self, diff: &Row) -> Result<(), RowError> {
            for (column, datum) in diff.iter() {
                match column.as_str() {
                    "ids" => Self::IDS.apply_diff(&mut self.ids, datum)?,
                    "n" => Self::N.apply_diff(&mut self.n, datum)?,
                    "opt" => Self::OPT.apply_diff(&mut self.opt, datum)?,
                    "peers" => Self::PEERS.apply_diff(&mut self.peers, datum)?,
                    _ => {}
                }
            }
            Ok(())
        }
    }

    #[test]
    fn rows_round_trip_and_skew() {
        let peer = Uuid::from_u128(42);
        let t = T {
            n: 3,
            opt: Some("x".into()),
            peers: Set::from([Ref::new(peer)]),
            ids: Map::from([("k".into(), "v".into())]),
        };
        let row = t.to_row();
        assert_eq!(row.len(), 4);
        assert_eq!(T::from_row(&row).unwrap(), t);

        // An older server: missing columns take their defaults. A newer one: unknown columns ignored.
        let mut skewed = row.clone();
        skewed.remove("ids");
        skewed.insert("brand_new", Datum::scalar("?"));
        skewed.insert("_uuid", Datum::scalar(Uuid::from_u128(1)));
        assert_eq!(
            T::from_row(&skewed).unwrap(),
            T {
                ids: Map::new(),
                ..t.clone()
            }
        );
    }

    #[test]
    fn errors_name_table_and_column() {
        let row = Row::new().with("n", Datum::scalar("three"));
        let err = T::from_row(&row).unwrap_err();
        assert_eq!(
            err,
            RowError::Column {
                table: "T",
                column: "n",
                source: DatumError::AtomType {
                    expected: AtomicType::Integer,
                    found: AtomicType::String
                }
            }
        );
        assert_eq!(err.to_string(), "T.n: expected integer atom, found string");

        let mut t = T {
            opt: Some("a".into()),
            ..T::default()
        };
        let err = t
            .apply_diff(&Row::new().with("opt", Datum::set(["b", "c"])))
            .unwrap_err();
        assert!(
            matches!(
                err,
                RowError::Diff {
                    table: "T",
                    column: "opt",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn diffs_apply_per_column() {
        let a = Uuid::from_u128(1);
        let b = Uuid::from_u128(2);
        let mut t = T {
            n: 1,
            peers: Set::from([Ref::new(a)]),
            ..T::default()
        };
        let diff = Row::new()
            .with("n", Datum::scalar(2))
            .with("peers", Datum::set([a, b]))
            .with("ids", Datum::map([("k", "v")]))
            .with("unknown", Datum::scalar(0));
        t.apply_diff(&diff).unwrap();
        assert_eq!(t.n, 2);
        assert_eq!(t.peers, Set::from([Ref::new(b)]));
        assert_eq!(t.ids.get("k").map(String::as_str), Some("v"));
    }

    #[test]
    fn typed_conditions_and_mutations() {
        assert_eq!(json(&T::N.eq(3)), r#"["n","==",3]"#);
        assert_eq!(json(&T::N.ge(3)), r#"["n",">=",3]"#);
        assert_eq!(json(&T::OPT.eq(None)), r#"["opt","==",["set",[]]]"#);
        assert_eq!(json(&T::OPT.ne(Some("x".to_owned()))), r#"["opt","!=","x"]"#);
        let peer = Uuid::from_u128(7);
        assert_eq!(
            json(&T::PEERS.contains(peer)),
            r#"["peers","includes",["uuid","00000000-0000-0000-0000-000000000007"]]"#
        );
        let named: Ref<T> = Ref::named(NamedUuid::new("new_peer").unwrap());
        assert_eq!(
            json(&T::PEERS.insert(named)),
            r#"["peers","insert",["named-uuid","new_peer"]]"#
        );
        assert_eq!(
            json(&T::PEERS.delete_all([Ref::new(Uuid::from_u128(1)), Ref::new(Uuid::from_u128(2))])),
            r#"["peers","delete",["set",[["uuid","00000000-0000-0000-0000-000000000001"],["uuid","00000000-0000-0000-0000-000000000002"]]]]"#
        );
        assert_eq!(
            json(&T::IDS.insert("k", "v")),
            r#"["ids","insert",["map",[["k","v"]]]]"#
        );
        assert_eq!(json(&T::IDS.delete_key("k")), r#"["ids","delete","k"]"#);
        assert_eq!(
            json(&T::IDS.delete_pair("k", "v")),
            r#"["ids","delete",["map",[["k","v"]]]]"#
        );
        assert_eq!(json(&T::N.increment(2)), r#"["n","+=",2]"#);
        assert_eq!(T::N.value(5), ("n", Datum::scalar(5)));
    }

    /// Wire form of a condition or mutation.
    fn json<S: serde::Serialize>(v: &S) -> String {
        serde_json::to_string(v).unwrap()
    }

    #[test]
    fn refs() {
        let named: Ref<T> = Ref::named(NamedUuid::new("new_row").unwrap());
        assert_eq!(named.uuid(), None);
        assert_eq!(
            named.to_atom(),
            Atom::NamedUuid(NamedUuid::new("new_row").unwrap())
        );
        assert_eq!(Ref::<T>::default().uuid(), Some(Uuid::nil()));
        let r: Ref<T> = Ref::from_atom(&Atom::Uuid(Uuid::from_u128(9))).unwrap();
        assert_eq!(r.uuid(), Some(Uuid::from_u128(9)));
        assert!(Ref::<T>::from_atom(&Atom::from(1)).is_err());
        assert!(Ref::<T>::new(Uuid::from_u128(1)) < Ref::new(Uuid::from_u128(2)));
    }

    #[test]
    fn indexes_and_visitors() {
        let t = T {
            n: 5,
            opt: Some("o".into()),
            ..T::default()
        };
        assert_eq!(T::BY_N_OPT.key(&t), (5, Some("o".to_owned())));
        assert_eq!(T::BY_N_OPT.columns(), ["n", "opt"]);
        assert_eq!(T::INDEXES[0], T::BY_N_OPT.columns());

        struct Names(Vec<&'static str>);
        impl TableVisitor<TestDb> for Names {
            fn visit<X: Table<Db = TestDb>>(&mut self) {
                self.0.push(X::TABLE_NAME);
            }
        }
        let mut names = Names(Vec::new());
        TestDb::for_each_table(&mut names);
        assert_eq!(names.0, TestDb::TABLES);
        let schema = TestDb::schema();
        assert_eq!(schema.name, TestDb::NAME);
        assert!(std::ptr::eq(schema, TestDb::schema()), "parsed once");
        let cols: Vec<&str> = schema.tables["T"].columns.keys().map(String::as_str).collect();
        assert_eq!(cols, T::COLUMNS);
    }
}
