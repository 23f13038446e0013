//! The replica's store: pure apply logic, no I/O.
//!
//! A [`Snapshot`] holds one [`TableStore`] per followed table (type-erased as [`AnyTable`], so a
//! typed replica mixes row types) and the reverse-reference index. Changes are applied in two
//! phases: `prepare` decodes everything against the current state without modifying it (and may
//! fail), `commit` then applies the prepared rows and cannot fail. A notification is therefore
//! applied whole or not at all. A resynchronisation builds a new snapshot aside and swaps it in.

use std::any::Any;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::hash::Hash;
use std::marker::PhantomData;
use std::sync::Arc;

use ovsdb_proto::diff::{DiffError, apply_row_diff};
use ovsdb_proto::update::{RowUpdate2, TableUpdates, TableUpdates2};

use ovsdb_proto::{Atom, Datum, Row, RowError, Table, TableSchema, Uuid};
use scan::ReplyScanner;
pub(crate) use scan::ReplySource;
use tokio::sync::broadcast;

/// A replicated row: the table's columns plus the row's UUID (RFC 7047 §3.2 `_uuid`). Derefs to
/// the row.
#[derive(Debug, Clone, PartialEq)]
pub struct Record<M> {
    /// `_uuid`.
    pub uuid: Uuid,
    /// The columns (typed, or an untyped [`Row`]). Columns not monitored hold their defaults.
    pub row: M,
}

impl<M> std::ops::Deref for Record<M> {
    type Target = M;
    fn deref(&self) -> &M {
        &self.row
    }
}

/// A change to one table, delivered on the stream from [`Replica::subscribe`](super::Replica::subscribe).
///
/// Each notification from the server is applied to the replica as a whole before its events are
/// sent, so when an event arrives, [`Replica::read`](super::Replica::read) already shows it (and
/// possibly later changes).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Event<M> {
    /// A row appeared (inserted, or now matching the monitor's conditions).
    Inserted(Arc<Record<M>>),
    /// A row changed.
    Updated {
        /// Before.
        old: Arc<Record<M>>,
        /// After.
        new: Arc<Record<M>>,
    },
    /// A row disappeared (deleted, or no longer matching the conditions).
    Deleted(Arc<Record<M>>),
    /// The replica was replaced from a fresh snapshot (after a reconnect the server could not
    /// resume, or a schema change); the events just before it in this stream are the exact
    /// difference. Also sent instead of the events a subscriber missed by falling more than the
    /// channel capacity behind: then re-read the state from the replica.
    Resynced,
}

/// Why a notification or snapshot could not be applied (nothing of it was applied).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ApplyError {
    /// A row does not decode into the compiled model.
    #[error("{table} row {uuid}: {source}")]
    Row {
        /// The table.
        table: String,
        /// The row.
        uuid: Uuid,
        /// What was wrong (names the column).
        #[source]
        source: RowError,
    },
    /// An update2 `modify` diff does not apply to the row (ovsdb-server(7) §4.1.14).
    #[error("{table} row {uuid}: {source}")]
    Diff {
        /// The table.
        table: String,
        /// The row.
        uuid: Uuid,
        /// What was wrong (names the column).
        #[source]
        source: DiffError,
    },
    /// The thread building a snapshot from a monitor reply stopped unexpectedly (a bug).
    #[error("building the snapshot from the monitor reply failed")]
    Builder,
    /// A `modify` for a row the replica does not have: the replica and the server disagree.
    #[error("{table} row {uuid}: modified but not in the replica")]
    MissingRow {
        /// The table.
        table: String,
        /// The row.
        uuid: Uuid,
    },
}

/// How a row type is decoded and updated: implemented for every generated [`Table`] and for the
/// untyped [`Row`].
pub trait Model: Clone + PartialEq + fmt::Debug + Send + Sync + 'static {
    /// Decodes an `initial`/`insert` row (or a whole `new` row of a plain `monitor`).
    ///
    /// # Errors
    /// [`RowError`] naming the column.
    fn decode(schema: &TableSchema, row: &Row) -> Result<Self, ApplyErrorKind>;
    /// As [`Model::decode`], from a row the caller does not need any more (the untyped
    /// [`DynamicRow`] keeps it instead of copying it).
    ///
    /// # Errors
    /// As [`Model::decode`].
    fn decode_owned(schema: &TableSchema, row: Row) -> Result<Self, ApplyErrorKind> {
        Self::decode(schema, &row)
    }
    /// Applies an update2 `modify` diff.
    ///
    /// # Errors
    /// As [`Model::decode`]; `self` may be partly changed (the caller works on a copy).
    fn apply_modify(&mut self, schema: &TableSchema, diff: &Row) -> Result<(), ApplyErrorKind>;
    /// The row's columns in wire form (for indexes and references).
    fn encode(&self) -> Cow<'_, Row>;

    /// Decodes the JSON text of a `<row-update2>` that is `{"initial": <row>}` or
    /// `{"insert": <row>}` straight into the model, the value [`Model::decode`] gives for the
    /// parsed row, without building that [`Row`]; also returns the columns named in `wire`
    /// that the row holds, in wire form (`None` for those it omits). `None` for any other
    /// update, for text that does not decode, and for models without such a decoder (the
    /// default; generated tables have one): then parse the row and use [`Model::decode`], which
    /// names what is wrong.
    fn decode_initial_json(text: &[u8], wire: &[String]) -> Option<(Self, Vec<Option<Datum>>)> {
        let _ = (text, wire);
        None
    }
}

/// The cause of an [`ApplyError`], before the table and row are attached.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ApplyErrorKind {
    /// See [`ApplyError::Row`].
    Row(RowError),
    /// See [`ApplyError::Diff`].
    Diff(DiffError),
}

impl ApplyErrorKind {
    fn at(self, table: &str, uuid: Uuid) -> ApplyError {
        let table = table.to_owned();
        match self {
            ApplyErrorKind::Row(source) => ApplyError::Row { table, uuid, source },
            ApplyErrorKind::Diff(source) => ApplyError::Diff { table, uuid, source },
        }
    }
}

impl<T: Table> Model for T {
    fn decode(_: &TableSchema, row: &Row) -> Result<Self, ApplyErrorKind> {
        T::from_row(row).map_err(ApplyErrorKind::Row)
    }
    fn apply_modify(&mut self, _: &TableSchema, diff: &Row) -> Result<(), ApplyErrorKind> {
        self.apply_diff(diff).map_err(ApplyErrorKind::Row)
    }
    fn encode(&self) -> Cow<'_, Row> {
        Cow::Owned(self.to_row())
    }
    fn decode_initial_json(text: &[u8], wire: &[String]) -> Option<(Self, Vec<Option<Datum>>)> {
        json::decode_initial::<T>(text, wire)
    }
}

/// An untyped row of a replica that follows a database by its schema at run time: every column
/// of the server's schema (the values sent; the schema's defaults for columns the server omitted
/// or that are not monitored), updated with the schema's diff rules. Derefs to [`Row`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DynamicRow(pub Row);

impl std::ops::Deref for DynamicRow {
    type Target = Row;
    fn deref(&self) -> &Row {
        &self.0
    }
}

impl Model for DynamicRow {
    /// Columns the server omitted (it omits default values in `initial` and `insert`) are
    /// filled in with the schema's defaults.
    fn decode(schema: &TableSchema, row: &Row) -> Result<Self, ApplyErrorKind> {
        Self::decode_owned(schema, row.clone())
    }
    fn decode_owned(schema: &TableSchema, row: Row) -> Result<Self, ApplyErrorKind> {
        let mut full = row;
        for (name, column) in &schema.columns {
            if full.get(name).is_none() {
                full.insert(name.clone(), column.type_.default_datum());
            }
        }
        Ok(DynamicRow(full))
    }
    fn apply_modify(&mut self, schema: &TableSchema, diff: &Row) -> Result<(), ApplyErrorKind> {
        apply_row_diff(schema, &mut self.0, diff).map_err(ApplyErrorKind::Diff)
    }
    fn encode(&self) -> Cow<'_, Row> {
        Cow::Borrowed(&self.0)
    }
}

/// One change to one row, whatever monitor flavour produced it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Change {
    /// A whole new row (`initial`, `insert`).
    Insert(Row),
    /// An update2 diff.
    Modify(Row),
    /// A whole replacement of the monitored columns (plain `monitor` `new`).
    Replace(Row),
    /// Gone.
    Delete,
}

/// Changes by table, then row.
pub(crate) type Changes = BTreeMap<String, BTreeMap<Uuid, Change>>;

pub(crate) fn changes_from_update2(u: TableUpdates2) -> Changes {
    u.0.into_iter()
        .map(|(t, rows)| {
            let rows = rows
                .into_iter()
                .map(|(uuid, r)| {
                    let c = match r {
                        RowUpdate2::Initial(row) | RowUpdate2::Insert(row) => Change::Insert(row),
                        RowUpdate2::Modify(row) => Change::Modify(row),
                        RowUpdate2::Delete => Change::Delete,
                    };
                    (uuid, c)
                })
                .collect();
            (t, rows)
        })
        .collect()
}

pub(crate) fn changes_from_update(u: TableUpdates) -> Changes {
    u.0.into_iter()
        .map(|(t, rows)| {
            let rows = rows
                .into_iter()
                .map(|(uuid, r)| {
                    let c = match (r.old, r.new) {
                        (_, None) => Change::Delete,
                        (None, Some(new)) => Change::Insert(new),
                        (Some(_), Some(new)) => Change::Replace(new),
                    };
                    (uuid, c)
                })
                .collect();
            (t, rows)
        })
        .collect()
}

/// Who points at a row: (source table, source column, source row).
///
/// 24 bytes: the table and column names are shared by every referrer through that column (a
/// replica holds one referrer per reference, e.g. 100k for the ports of 100k-port switches).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Referrer {
    /// (table, column).
    link: Arc<RefColumn>,
    /// The referring row.
    pub uuid: Uuid,
}

/// A reference column: (table, column).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct RefColumn {
    table: Arc<str>,
    column: Arc<str>,
}

impl Referrer {
    /// The table of the referring row.
    pub fn table(&self) -> &str {
        &self.link.table
    }

    /// Its column holding the reference.
    pub fn column(&self) -> &str {
        &self.link.column
    }
}

/// Reverse references: target row to the rows referring to it.
pub(crate) type RefIndex = HashMap<Uuid, Referrers>;

/// A snapshot's [`RefIndex`], built on first use ([`Snapshot::refs`]) and maintained by every
/// commit from then on. Until a reader asks for reverse references, the replica holds none
/// (one entry per reference: ~6 MB for the 100k ports of an NB database of 10k switches), and
/// a sync does not compute them.
pub(crate) type LazyRefs = std::sync::OnceLock<RefIndex>;

/// The rows referring to one row, in order. Most rows have exactly one referrer (a port and its
/// switch), kept inline rather than in a set of its own.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) enum Referrers {
    /// None left.
    #[default]
    Empty,
    /// Exactly one.
    One(Referrer),
    /// Two or more.
    Many(BTreeSet<Referrer>),
}

impl Referrers {
    pub(crate) fn insert(&mut self, r: Referrer) {
        match std::mem::take(self) {
            Referrers::Empty => *self = Referrers::One(r),
            Referrers::One(x) if x == r => *self = Referrers::One(x),
            Referrers::One(x) => *self = Referrers::Many(BTreeSet::from([x, r])),
            Referrers::Many(mut set) => {
                set.insert(r);
                *self = Referrers::Many(set);
            }
        }
    }

    pub(crate) fn remove(&mut self, r: &Referrer) {
        match self {
            Referrers::One(x) if x == r => *self = Referrers::Empty,
            Referrers::Many(set) => {
                set.remove(r);
                if set.len() == 1
                    && let Some(last) = set.pop_first()
                {
                    *self = Referrers::One(last);
                }
            }
            _ => {}
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        match self {
            Referrers::Empty => true,
            Referrers::One(_) => false,
            Referrers::Many(set) => set.is_empty(),
        }
    }
}

/// Iterates [`Referrers`] in order.
pub(crate) enum ReferrersIter<'a> {
    One(std::option::IntoIter<&'a Referrer>),
    Many(std::collections::btree_set::Iter<'a, Referrer>),
}

impl<'a> Iterator for ReferrersIter<'a> {
    type Item = &'a Referrer;
    fn next(&mut self) -> Option<&'a Referrer> {
        match self {
            ReferrersIter::One(it) => it.next(),
            ReferrersIter::Many(it) => it.next(),
        }
    }
}

impl<'a> IntoIterator for &'a Referrers {
    type Item = &'a Referrer;
    type IntoIter = ReferrersIter<'a>;
    fn into_iter(self) -> ReferrersIter<'a> {
        match self {
            Referrers::Empty => ReferrersIter::One(None.into_iter()),
            Referrers::One(r) => ReferrersIter::One(Some(r).into_iter()),
            Referrers::Many(set) => ReferrersIter::Many(set.iter()),
        }
    }
}

fn uuids_of(d: &Datum, out: &mut Vec<Uuid>) {
    if let Some(set) = d.as_set() {
        out.extend(set.iter().filter_map(|a| match a {
            Atom::Uuid(u) => Some(*u),
            _ => None,
        }));
    } else if let Some(map) = d.as_map() {
        for (k, v) in map {
            for a in [k, v] {
                if let Atom::Uuid(u) = a {
                    out.push(*u);
                }
            }
        }
    }
}

/// The key of a schema unique index: the index columns' values, in the index's order.
pub(crate) type IndexDatums = Vec<Datum>;

/// A unique-index key as stored: the values' canonical JSON text, inline when it has at most 23
/// bytes (a name: `["ls1-port2"]`), else one allocation (instead of a tree of sets).
type StoredKey = ovsdb_proto::SmolStr;

fn stored_key<D: serde::Serialize>(datums: &[D]) -> StoredKey {
    // Datums always serialize (their map keys are atoms, written as JSON arrays).
    StoredKey::from(serde_json::to_string(datums).unwrap_or_default())
}

/// The key of unique index `i` of row `uuid` as it is in `rows` now.
fn key_of<M: Model>(rows: &RowSet<M>, layout: &Layout, i: usize, uuid: Uuid) -> Option<StoredKey> {
    let rec = rows.get(&uuid)?;
    let row = rec.row.encode();
    layout
        .unique_keys(uuid, |c| row.get(c).map(Cow::Borrowed))
        .into_iter()
        .nth(i)?
}

/// A schema unique index: the hash of each row's key (its [`StoredKey`] text) to the row,
/// without the key itself (24 bytes a row instead of 40: 2 MB at 100k rows). Where a key's
/// hash meets another's, the rows' keys are computed again from the rows to tell them apart
/// (`key_of`): on a lookup (once, for the row found), and on an insert only when another row's
/// key has the same hash (a row replacing another with the same key, or two keys' hashes
/// colliding, which then share `shared`).
#[derive(Default)]
pub(crate) struct UniqueMap {
    /// Seeded per index: which keys collide cannot be chosen from outside.
    hasher: std::hash::RandomState,
    /// Hash of a key to the one row with a key of that hash.
    one: HashMap<u64, Uuid>,
    /// Hashes that the distinct keys of several rows share: the rows.
    shared: HashMap<u64, Vec<Uuid>>,
}

impl UniqueMap {
    fn hash(&self, key: &str) -> u64 {
        std::hash::BuildHasher::hash_one(&self.hasher, key)
    }

    /// The row whose key is `key` (`key_of` gives a row's key).
    fn get(&self, key: &str, key_of: impl Fn(Uuid) -> Option<StoredKey>) -> Option<Uuid> {
        self.get_at(self.hash(key), key, key_of)
    }

    /// As `get`, for `key` of hash `h`.
    fn get_at(&self, h: u64, key: &str, key_of: impl Fn(Uuid) -> Option<StoredKey>) -> Option<Uuid> {
        let has_key = |u: &Uuid| key_of(*u).as_deref() == Some(key);
        match self.one.get(&h) {
            Some(u) => has_key(u).then_some(*u),
            None => self.shared.get(&h)?.iter().copied().find(has_key),
        }
    }

    /// Indexes `uuid` under `key`, replacing the row that had that key.
    fn insert(&mut self, key: &str, uuid: Uuid, key_of: impl Fn(Uuid) -> Option<StoredKey>) {
        self.insert_at(self.hash(key), key, uuid, key_of);
    }

    /// As `insert`, for `key` of hash `h`.
    fn insert_at(&mut self, h: u64, key: &str, uuid: Uuid, key_of: impl Fn(Uuid) -> Option<StoredKey>) {
        let has_key = |u: &Uuid| key_of(*u).as_deref() == Some(key);
        if let Some(rows) = self.shared.get_mut(&h) {
            rows.retain(|u| *u != uuid && !has_key(u));
            rows.push(uuid);
            return;
        }
        match self.one.get(&h).copied() {
            Some(u) if u != uuid && !has_key(&u) => {
                self.one.remove(&h);
                self.shared.insert(h, vec![u, uuid]);
            }
            _ => {
                self.one.insert(h, uuid);
            }
        }
    }

    /// Removes `uuid` from under `key`, if it is there.
    fn remove(&mut self, key: &str, uuid: Uuid) {
        self.remove_at(self.hash(key), uuid);
    }

    /// As `remove`, for a key of hash `h`.
    fn remove_at(&mut self, h: u64, uuid: Uuid) {
        if self.one.get(&h) == Some(&uuid) {
            self.one.remove(&h);
        } else if let Some(rows) = self.shared.get_mut(&h) {
            rows.retain(|u| *u != uuid);
            match rows.as_slice() {
                [] => {
                    self.shared.remove(&h);
                }
                [last] => {
                    let last = *last;
                    self.shared.remove(&h);
                    self.one.insert(h, last);
                }
                _ => {}
            }
        }
    }

    /// Whether no row is indexed.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.one.is_empty() && self.shared.is_empty()
    }
}

/// What a table store indexes, fixed when the store is (re)built from a server schema.
#[derive(Debug, Clone, Default)]
pub(crate) struct Layout {
    /// Reference columns that are monitored.
    ref_columns: Vec<Arc<RefColumn>>,
    /// Schema unique indexes whose columns are all monitored.
    unique: Vec<Vec<String>>,
}

impl Layout {
    /// The key of every unique index for row `uuid`, whose columns `get` returns in wire form
    /// (`None` where a column is missing).
    fn unique_keys<'d>(
        &self,
        uuid: Uuid,
        get: impl Fn(&str) -> Option<Cow<'d, Datum>>,
    ) -> Vec<Option<StoredKey>> {
        self.unique
            .iter()
            .map(|cols| {
                let datums: Option<Vec<Cow<'d, Datum>>> = cols
                    .iter()
                    .map(|c| {
                        if c == "_uuid" {
                            Some(Cow::Owned(Datum::scalar(Atom::Uuid(uuid))))
                        } else {
                            get(c)
                        }
                    })
                    .collect();
                datums.map(|d| stored_key(&d))
            })
            .collect()
    }

    /// The references the row holds: (column, target).
    fn refs<'d>(&self, get: impl Fn(&str) -> Option<Cow<'d, Datum>>) -> Vec<(Arc<RefColumn>, Uuid)> {
        let mut out = Vec::new();
        for col in &self.ref_columns {
            if let Some(d) = get(&col.column) {
                let mut us = Vec::new();
                uuids_of(&d, &mut us);
                out.extend(us.into_iter().map(|u| (col.clone(), u)));
            }
        }
        out
    }

    /// Adds the references row `uuid` holds (its columns in wire form from `get`) to `refs`.
    fn add_refs<'d>(&self, uuid: Uuid, get: impl Fn(&str) -> Option<Cow<'d, Datum>>, refs: &mut RefIndex) {
        for (column, target) in self.refs(get) {
            refs.entry(target)
                .or_default()
                .insert(Referrer { link: column, uuid });
        }
    }

    /// From the table's name, the server's table schema and the monitored columns (`None`:
    /// all).
    pub(crate) fn new(table: &Arc<str>, schema: &TableSchema, monitored: Option<&[String]>) -> Layout {
        let is_monitored = |c: &str| monitored.is_none_or(|m| m.iter().any(|x| x == c));
        let ref_columns = schema
            .columns
            .iter()
            .filter(|(name, c)| {
                is_monitored(name)
                    && (c.type_.key.ref_table.is_some()
                        || c.type_.value.as_ref().is_some_and(|v| v.ref_table.is_some()))
            })
            .map(|(name, _)| {
                Arc::new(RefColumn {
                    table: table.clone(),
                    column: Arc::from(name.as_str()),
                })
            })
            .collect();
        let unique = schema
            .indexes
            .iter()
            .filter(|cols| cols.iter().all(|c| c == "_uuid" || is_monitored(c)))
            .cloned()
            .collect();
        Layout { ref_columns, unique }
    }
}

/// A client-defined, non-unique index over one table.
pub(crate) trait ClientIndex<M>: Send + Sync {
    fn insert(&mut self, uuid: Uuid, row: &M);
    fn remove(&mut self, uuid: Uuid, row: &M);
    fn fresh(&self) -> Box<dyn ClientIndex<M>>;
    fn as_any(&self) -> &dyn Any;
}

pub(crate) struct ClientIndexImpl<M, K> {
    pub(crate) key: fn(&M) -> Option<K>,
    pub(crate) map: HashMap<K, BTreeSet<Uuid>>,
}

impl<M: Model, K: Hash + Eq + Send + Sync + 'static> ClientIndex<M> for ClientIndexImpl<M, K> {
    fn insert(&mut self, uuid: Uuid, row: &M) {
        if let Some(k) = (self.key)(row) {
            self.map.entry(k).or_default().insert(uuid);
        }
    }
    fn remove(&mut self, uuid: Uuid, row: &M) {
        if let Some(k) = (self.key)(row)
            && let Some(set) = self.map.get_mut(&k)
        {
            set.remove(&uuid);
            if set.is_empty() {
                self.map.remove(&k);
            }
        }
    }
    fn fresh(&self) -> Box<dyn ClientIndex<M>> {
        Box::new(ClientIndexImpl {
            key: self.key,
            map: HashMap::new(),
        })
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Capacity of each table's event channel; a subscriber further behind gets [`Event::Resynced`].
pub const EVENT_CAPACITY: usize = 4096;

/// A table's rows by UUID: a set of the records hashed by their own UUID (8 bytes a slot
/// instead of the 24 of a map from a copy of the UUID to the record: 2 MB at 100k rows).
pub(crate) struct RowSet<M>(HashSet<ByUuid<M>>);

/// A record in a [`RowSet`]: equal, ordered and hashed as its UUID.
struct ByUuid<M>(Arc<Record<M>>);

impl<M> PartialEq for ByUuid<M> {
    fn eq(&self, other: &Self) -> bool {
        self.0.uuid == other.0.uuid
    }
}

impl<M> Eq for ByUuid<M> {}

impl<M> Hash for ByUuid<M> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.uuid.hash(state);
    }
}

impl<M> std::borrow::Borrow<Uuid> for ByUuid<M> {
    fn borrow(&self) -> &Uuid {
        &self.0.uuid
    }
}

impl<M> Default for RowSet<M> {
    fn default() -> Self {
        RowSet(HashSet::new())
    }
}

impl<M> RowSet<M> {
    /// The row with this UUID.
    pub(crate) fn get(&self, uuid: &Uuid) -> Option<&Arc<Record<M>>> {
        self.0.get(uuid).map(|r| &r.0)
    }

    /// Adds or replaces the row with `rec`'s UUID; the row replaced.
    pub(crate) fn insert(&mut self, rec: Arc<Record<M>>) -> Option<Arc<Record<M>>> {
        self.0.replace(ByUuid(rec)).map(|r| r.0)
    }

    /// Removes the row with this UUID.
    pub(crate) fn remove(&mut self, uuid: &Uuid) -> Option<Arc<Record<M>>> {
        self.0.take(uuid).map(|r| r.0)
    }

    /// Every row, in no particular order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &Arc<Record<M>>> + '_ {
        self.0.iter().map(|r| &r.0)
    }

    /// How many rows.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The rows of one table, with its indexes.
pub(crate) struct TableStore<M> {
    pub(crate) name: Arc<str>,
    pub(crate) rows: RowSet<M>,
    layout: Layout,
    /// One map per `layout.unique` entry.
    unique: Vec<UniqueMap>,
    pub(crate) client: Vec<Box<dyn ClientIndex<M>>>,
    pub(crate) events: EventChannel<M>,
}

/// A table's event channel: created by the first subscriber (its [`EVENT_CAPACITY`] slots take
/// ~200 KB, for every table of the schema, most of which nobody watches), and shared with the
/// stores that replace this one on a resync.
pub(crate) type EventChannel<M> = Arc<std::sync::OnceLock<broadcast::Sender<Event<M>>>>;

/// The channel of `events`, created now if nobody subscribed before.
pub(crate) fn event_sender<M: Model>(events: &EventChannel<M>) -> &broadcast::Sender<Event<M>> {
    events.get_or_init(|| broadcast::Sender::new(EVENT_CAPACITY))
}

impl<M: Model> TableStore<M> {
    pub(crate) fn new(name: &str) -> TableStore<M> {
        TableStore {
            name: Arc::from(name),
            rows: RowSet::default(),
            layout: Layout::default(),
            unique: Vec::new(),
            client: Vec::new(),
            events: Arc::default(),
        }
    }

    /// The schema unique index over exactly `columns`, if maintained.
    pub(crate) fn unique_lookup(&self, columns: &[&str], key: &IndexDatums) -> Option<&Arc<Record<M>>> {
        let i =
            self.layout.unique.iter().position(|cols| {
                cols.len() == columns.len() && cols.iter().zip(columns).all(|(a, b)| a == b)
            })?;
        let uuid = self
            .unique
            .get(i)?
            .get(&stored_key(key), |u| key_of(&self.rows, &self.layout, i, u))?;
        self.rows.get(&uuid)
    }

    /// Whether a schema unique index over exactly `columns` is maintained.
    pub(crate) fn has_unique(&self, columns: &[&str]) -> bool {
        self.layout
            .unique
            .iter()
            .any(|cols| cols.len() == columns.len() && cols.iter().zip(columns).all(|(a, b)| a == b))
    }

    /// Removes `rec` from the indexes, and from the reverse references when they are built.
    fn unlink(&mut self, rec: &Record<M>, refs: Option<&mut RefIndex>) {
        let row = rec.row.encode();
        let get = |c: &str| row.get(c).map(Cow::Borrowed);
        for (i, key) in self.layout.unique_keys(rec.uuid, get).into_iter().enumerate() {
            if let (Some(key), Some(map)) = (key, self.unique.get_mut(i)) {
                map.remove(&key, rec.uuid);
            }
        }
        if let Some(refs) = refs {
            for (column, target) in self.layout.refs(get) {
                if let Some(set) = refs.get_mut(&target) {
                    set.remove(&Referrer {
                        link: column,
                        uuid: rec.uuid,
                    });
                    if set.is_empty() {
                        refs.remove(&target);
                    }
                }
            }
        }
        for ix in &mut self.client {
            ix.remove(rec.uuid, &rec.row);
        }
    }

    /// Indexes `rec`, and adds its references to the reverse references when they are built.
    fn link(&mut self, rec: &Record<M>, refs: Option<&mut RefIndex>) {
        let row = rec.row.encode();
        let get = |c: &str| row.get(c).map(Cow::Borrowed);
        let keys = self.layout.unique_keys(rec.uuid, get);
        self.link_keys(rec, keys);
        if let Some(refs) = refs {
            self.layout.add_refs(rec.uuid, get, refs);
        }
    }

    /// Indexes `rec` under the given unique keys, and in the client indexes.
    fn link_keys(&mut self, rec: &Record<M>, keys: Vec<Option<StoredKey>>) {
        for (i, key) in keys.into_iter().enumerate() {
            if let (Some(key), Some(map)) = (key, self.unique.get_mut(i)) {
                let (rows, layout) = (&self.rows, &self.layout);
                map.insert(&key, rec.uuid, |u| key_of(rows, layout, i, u));
            }
        }
        for ix in &mut self.client {
            ix.insert(rec.uuid, &rec.row);
        }
    }
}

/// A row of a monitor reply decoded into its table's model, with its index keys.
pub(crate) struct DecodedRow {
    /// A `Record<M>` (no allocation besides the record's own).
    record: Arc<dyn Any + Send + Sync>,
    keys: Vec<Option<StoredKey>>,
}

/// Decodes rows of one table into its model; usable from another thread than the store's.
pub(crate) trait RowDecoder: Send + Sync {
    /// Decodes an `initial`/`insert` row (taking it) and computes its index keys.
    fn decode_owned(&self, uuid: Uuid, row: Row) -> Result<DecodedRow, ApplyError>;
    /// Decodes the JSON text of an `initial`/`insert` `<row-update2>` without parsing it into a
    /// [`Row`] first; `None` when that is not possible (see [`Model::decode_initial_json`]).
    fn decode_text(&self, uuid: Uuid, text: &[u8]) -> Option<DecodedRow>;
    /// The table's name.
    fn table(&self) -> &str;
}

struct ModelDecoder<M> {
    name: Arc<str>,
    layout: Layout,
    schema: TableSchema,
    /// The columns of the unique indexes, wanted in wire form for their keys.
    wire: Vec<String>,
    model: PhantomData<fn() -> M>,
}

impl<M> ModelDecoder<M> {
    /// The datum of column `c` of a row whose columns `sent` returns: the server omits a
    /// column holding its default.
    fn sent_or_default<'d>(&self, c: &str, sent: Option<&'d Datum>) -> Option<Cow<'d, Datum>> {
        match sent {
            Some(d) => Some(Cow::Borrowed(d)),
            None => self
                .schema
                .columns
                .get(c)
                .map(|col| Cow::Owned(col.type_.default_datum())),
        }
    }
}

impl<M: Model> RowDecoder for ModelDecoder<M> {
    fn decode_owned(&self, uuid: Uuid, wire: Row) -> Result<DecodedRow, ApplyError> {
        // The row as received (the server omits columns holding their default) gives the same
        // index keys as the decoded row encoded again, without building that second row.
        let keys = self
            .layout
            .unique_keys(uuid, |c: &str| self.sent_or_default(c, wire.get(c)));
        let row = M::decode_owned(&self.schema, wire).map_err(|e| e.at(&self.name, uuid))?;
        Ok(DecodedRow {
            keys,
            record: Arc::new(Record { uuid, row }),
        })
    }

    fn decode_text(&self, uuid: Uuid, text: &[u8]) -> Option<DecodedRow> {
        let (row, kept) = M::decode_initial_json(text, &self.wire)?;
        let get = |c: &str| {
            let sent = self
                .wire
                .iter()
                .position(|w| w == c)
                .and_then(|i| kept.get(i)?.as_ref());
            self.sent_or_default(c, sent)
        };
        Some(DecodedRow {
            keys: self.layout.unique_keys(uuid, get),
            record: Arc::new(Record { uuid, row }),
        })
    }

    fn table(&self) -> &str {
        &self.name
    }
}

/// Prepared changes of each table, for [`Snapshot::commit`].
pub(crate) type PreparedTables = Vec<(String, Box<dyn Any + Send>)>;

/// Prepared changes of one table: (uuid, old, new).
type Prepared<M> = Vec<(Uuid, Option<Arc<Record<M>>>, Option<Arc<Record<M>>>)>;

/// Events ready to be sent once the write lock is released.
pub(crate) trait PendingEvents: Send {
    fn send(self: Box<Self>);
}

struct Pending<M> {
    /// `None` while nobody ever subscribed.
    tx: Option<broadcast::Sender<Event<M>>>,
    events: Vec<Event<M>>,
}

impl<M: Model> PendingEvents for Pending<M> {
    fn send(self: Box<Self>) {
        let Some(tx) = self.tx else {
            return;
        };
        for e in self.events {
            // No subscriber is not an error.
            let _ = tx.send(e);
        }
    }
}

/// A table store with its row type erased.
pub(crate) trait AnyTable: Send + Sync {
    /// Decodes `changes` against the current rows without modifying anything.
    fn prepare(
        &self,
        schema: &TableSchema,
        changes: &BTreeMap<Uuid, Change>,
    ) -> Result<Box<dyn Any + Send>, ApplyError>;
    /// Applies what [`AnyTable::prepare`] returned; the events to send after unlocking.
    /// `refs`: the reverse references, if built.
    fn commit(
        &mut self,
        prepared: Box<dyn Any + Send>,
        refs: Option<&mut RefIndex>,
    ) -> Box<dyn PendingEvents>;
    /// An empty store with the same client indexes and event channel, indexing per `layout`.
    fn fresh(&self, layout: Layout) -> Box<dyn AnyTable>;
    /// The events turning `old` (the same table before a resync) into `self`, then `Resynced`.
    fn resync_events(&self, old: &dyn AnyTable) -> Box<dyn PendingEvents>;
    /// What decodes this table's rows (on another thread) for [`AnyTable::add_decoded`].
    fn row_decoder(&self, schema: &TableSchema) -> Box<dyn RowDecoder>;
    /// Adds one row of a snapshot being built aside (no events), decoded by this table's
    /// [`RowDecoder`]. A UUID seen twice keeps the later row.
    fn add_decoded(&mut self, row: DecodedRow);
    /// Adds the references held by every row to `refs` (building the reverse references).
    fn add_refs(&self, refs: &mut RefIndex);
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<M: Model> AnyTable for TableStore<M> {
    fn prepare(
        &self,
        schema: &TableSchema,
        changes: &BTreeMap<Uuid, Change>,
    ) -> Result<Box<dyn Any + Send>, ApplyError> {
        let mut out: Prepared<M> = Vec::with_capacity(changes.len());
        for (uuid, change) in changes {
            let uuid = *uuid;
            let old = self.rows.get(&uuid).cloned();
            let new = match change {
                Change::Insert(row) | Change::Replace(row) => Some(M::decode(schema, row)),
                Change::Modify(diff) => match &old {
                    Some(o) => {
                        let mut r = o.row.clone();
                        Some(r.apply_modify(schema, diff).map(|()| r))
                    }
                    None => {
                        return Err(ApplyError::MissingRow {
                            table: self.name.to_string(),
                            uuid,
                        });
                    }
                },
                Change::Delete => None,
            };
            let new = match new {
                Some(Ok(row)) => Some(Arc::new(Record { uuid, row })),
                Some(Err(e)) => return Err(e.at(&self.name, uuid)),
                None => None,
            };
            if old.is_none() && new.is_none() {
                continue; // deleting a row we never had
            }
            out.push((uuid, old, new));
        }
        Ok(Box::new(out))
    }

    fn commit(
        &mut self,
        prepared: Box<dyn Any + Send>,
        mut refs: Option<&mut RefIndex>,
    ) -> Box<dyn PendingEvents> {
        let prepared: Prepared<M> = match prepared.downcast::<Prepared<M>>() {
            Ok(p) => *p,
            Err(_) => Vec::new(), // not ours: cannot happen, and applying nothing is safe
        };
        // Unlink every old version first, so a key moving between rows stays unique.
        for (_, old, _) in &prepared {
            if let Some(old) = old {
                self.unlink(old, refs.as_deref_mut());
            }
        }
        let mut events = Vec::with_capacity(prepared.len());
        for (uuid, old, new) in prepared {
            match new {
                Some(new) => {
                    self.link(&new, refs.as_deref_mut());
                    self.rows.insert(new.clone());
                    events.push(match old {
                        Some(old) => Event::Updated { old, new },
                        None => Event::Inserted(new),
                    });
                }
                None => {
                    self.rows.remove(&uuid);
                    if let Some(old) = old {
                        events.push(Event::Deleted(old));
                    }
                }
            }
        }
        Box::new(Pending {
            tx: self.events.get().cloned(),
            events,
        })
    }

    fn fresh(&self, layout: Layout) -> Box<dyn AnyTable> {
        let unique = (0..layout.unique.len()).map(|_| UniqueMap::default()).collect();
        Box::new(TableStore {
            name: self.name.clone(),
            rows: RowSet::default(),
            layout,
            unique,
            client: self.client.iter().map(|c| c.fresh()).collect(),
            events: self.events.clone(),
        })
    }

    fn resync_events(&self, old: &dyn AnyTable) -> Box<dyn PendingEvents> {
        let mut events = Vec::new();
        // Without a subscriber there is nobody to tell (one subscribing from now on starts
        // after this resync).
        let watched = self.events.get().is_some_and(|tx| tx.receiver_count() > 0);
        if watched && let Some(old) = old.as_any().downcast_ref::<TableStore<M>>() {
            for o in old.rows.values() {
                match self.rows.get(&o.uuid) {
                    None => events.push(Event::Deleted(o.clone())),
                    Some(n) if n.row != o.row => events.push(Event::Updated {
                        old: o.clone(),
                        new: n.clone(),
                    }),
                    Some(_) => {}
                }
            }
            for n in self.rows.values() {
                if old.rows.get(&n.uuid).is_none() {
                    events.push(Event::Inserted(n.clone()));
                }
            }
        }
        events.push(Event::Resynced);
        Box::new(Pending {
            tx: self.events.get().cloned(),
            events,
        })
    }

    fn row_decoder(&self, schema: &TableSchema) -> Box<dyn RowDecoder> {
        let mut wire: Vec<String> = self
            .layout
            .unique
            .iter()
            .flatten()
            .filter(|c| *c != "_uuid")
            .cloned()
            .collect();
        wire.sort();
        wire.dedup();
        Box::new(ModelDecoder::<M> {
            name: self.name.clone(),
            layout: self.layout.clone(),
            schema: schema.clone(),
            wire,
            model: PhantomData,
        })
    }

    fn add_decoded(&mut self, row: DecodedRow) {
        let Ok(rec) = row.record.downcast::<Record<M>>() else {
            return; // decoded for another table: cannot happen
        };
        if let Some(old) = self.rows.insert(rec.clone()) {
            self.unlink(&old, None);
        }
        self.link_keys(&rec, row.keys);
    }

    fn add_refs(&self, refs: &mut RefIndex) {
        if self.layout.ref_columns.is_empty() {
            return;
        }
        for rec in self.rows.values() {
            let row = rec.row.encode();
            self.layout
                .add_refs(rec.uuid, |c: &str| row.get(c).map(Cow::Borrowed), refs);
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// Everything the replica holds, swapped as a whole on resync.
pub(crate) struct Snapshot {
    pub(crate) tables: BTreeMap<String, Box<dyn AnyTable>>,
    /// Reverse references, built by the first reader asking for them ([`Snapshot::refs`]).
    pub(crate) refs: LazyRefs,
}

impl Snapshot {
    pub(crate) fn new(tables: BTreeMap<String, Box<dyn AnyTable>>) -> Snapshot {
        Snapshot {
            tables,
            refs: LazyRefs::new(),
        }
    }

    /// The reverse references, built now from every row if nobody asked for them before (one
    /// pass over the rows of the tables with reference columns, each encoded once).
    pub(crate) fn refs(&self) -> &RefIndex {
        self.refs.get_or_init(|| {
            let mut refs = RefIndex::new();
            for table in self.tables.values() {
                table.add_refs(&mut refs);
            }
            refs
        })
    }

    /// Phase one of applying `changes`: decode everything. Tables the replica does not follow
    /// are ignored, as are tables missing from `schemas` (the server's tables).
    pub(crate) fn prepare(
        &self,
        schemas: &BTreeMap<String, TableSchema>,
        changes: &Changes,
    ) -> Result<PreparedTables, ApplyError> {
        let mut out = Vec::new();
        for (table, rows) in changes {
            if let (Some(store), Some(schema)) = (self.tables.get(table), schemas.get(table)) {
                out.push((table.clone(), store.prepare(schema, rows)?));
            }
        }
        Ok(out)
    }

    /// Phase two: apply; returns the events to send.
    pub(crate) fn commit(&mut self, prepared: PreparedTables) -> Vec<Box<dyn PendingEvents>> {
        let mut events = Vec::new();
        for (table, p) in prepared {
            if let Some(store) = self.tables.get_mut(&table) {
                events.push(store.commit(p, self.refs.get_mut()));
            }
        }
        events
    }

    /// A new snapshot holding exactly the rows in `initial` (a monitor reply), built aside; the
    /// layouts come from `schemas` and `monitored` (columns per table).
    pub(crate) fn rebuild(
        &self,
        schemas: &BTreeMap<String, TableSchema>,
        monitored: &BTreeMap<String, Option<Vec<String>>>,
        initial: &Changes,
    ) -> Result<Snapshot, ApplyError> {
        let mut next = self.fresh(schemas, monitored);
        let prepared = next.prepare(schemas, initial)?;
        drop(next.commit(prepared));
        Ok(next)
    }

    /// An empty snapshot with the same tables (client indexes, event channels), laid out for
    /// `schemas` and `monitored` (columns per table).
    pub(crate) fn fresh(
        &self,
        schemas: &BTreeMap<String, TableSchema>,
        monitored: &BTreeMap<String, Option<Vec<String>>>,
    ) -> Snapshot {
        let empty = TableSchema::new(BTreeMap::new());
        let tables = self
            .tables
            .iter()
            .map(|(name, t)| {
                let table: Arc<str> = Arc::from(name.as_str());
                let layout = match schemas.get(name) {
                    Some(s) => Layout::new(&table, s, monitored.get(name).and_then(|c| c.as_deref())),
                    None => Layout::new(&table, &empty, None),
                };
                (name.clone(), t.fresh(layout))
            })
            .collect();
        Snapshot::new(tables)
    }

    /// The events from `old` to `self` for every table, each table's ending with `Resynced`.
    pub(crate) fn resync_events(&self, old: &Snapshot) -> Vec<Box<dyn PendingEvents>> {
        self.tables
            .iter()
            .filter_map(|(name, t)| old.tables.get(name).map(|o| t.resync_events(o.as_ref())))
            .collect()
    }
}

/// A monitor reply decoded by [`decode_reply`].
pub(crate) struct DecodedReply {
    /// `monitor_cond_since`'s `found` (false for the other methods).
    pub(crate) found: bool,
    /// `monitor_cond_since`'s last transaction id.
    pub(crate) last_txn_id: Option<Uuid>,
    /// What to apply.
    pub(crate) body: ReplyBody,
}

/// The contents of a monitor reply.
pub(crate) enum ReplyBody {
    /// A complete new snapshot, built straight from the reply's JSON text.
    Snapshot(Snapshot),
    /// Changes to apply to the current rows (a resumed `monitor_cond_since`).
    Changes(Changes),
}

/// Why a monitor reply could not be decoded.
#[derive(Debug)]
pub(crate) enum ReplyError {
    /// It is not a well-formed reply.
    Json(ovsdb_proto::DecodeError),
    /// A row did not apply.
    Apply(ApplyError),
    /// The text could not be received whole (the connection's error).
    Source(crate::Error),
}

/// Decodes the result of `monitor_cond_since` (`since`) or `monitor_cond` (update2 rows) from
/// its JSON text. A resumed reply (`found`, when `resume`) becomes [`ReplyBody::Changes`];
/// anything else is decoded row by row into `fresh` (an empty snapshot from
/// [`Snapshot::fresh`]), without holding the reply as a tree: each row is decoded into the
/// table's model as it is read.
#[cfg(test)]
pub(crate) fn decode_reply(
    json: &[u8],
    since: bool,
    resume: bool,
    fresh: Snapshot,
    schemas: &BTreeMap<String, TableSchema>,
) -> Result<DecodedReply, ReplyError> {
    decode_reply_from(&mut scan::WholeText(Some(json)), since, resume, fresh, schemas)
}

/// As `decode_reply`, reading the text from `source` as it arrives (a
/// [`StreamedReply`](crate::rpc::StreamedReply)): each row is decoded once its text is
/// complete, and the text is let go as it is decoded, so the reply is never held whole.
pub(crate) fn decode_reply_from(
    source: &mut dyn ReplySource,
    since: bool,
    resume: bool,
    fresh: Snapshot,
    schemas: &BTreeMap<String, TableSchema>,
) -> Result<DecodedReply, ReplyError> {
    let mut snap = fresh;
    // Two stages on two threads: this one finds the rows in the text as it streams in, hands
    // their text over in batches, and decodes every other batch straight into the models
    // itself; the other decodes the rest and indexes every row, in order. Decoding from the
    // text makes little garbage (no `Row` of B-tree datums per row), so the replica's memory is
    // not fragmented by short-lived allocations in between (glibc gives each thread its own
    // arena; when one thread parsed the rows into `Row`s and built the models from them, ~16 MB
    // of free space was left inside the replica's arena at 100k rows).
    let (followed, decoders): (Vec<String>, Vec<Box<dyn RowDecoder>>) = snap
        .tables
        .iter()
        .filter_map(|(name, t)| schemas.get(name).map(|s| (name.clone(), t.row_decoder(s))))
        .unzip();
    // At most 2 batches wait for the builder, one is being built and one decoded. The builder
    // hands each batch back once decoded, to be filled again (no allocation per batch).
    let (tx, rx) = std::sync::mpsc::sync_channel::<RowBatch>(2);
    let (done_tx, done_rx) = std::sync::mpsc::channel::<RowBatch>();
    let mut scanner = ReplyScanner::new(source, since);
    let (res, built) = std::thread::scope(|scope| {
        let snap = &mut snap;
        let followed = &followed;
        let decoders = &decoders;
        let builder = scope.spawn(move || build(snap, since, followed, decoders, rx, done_tx));
        let mut sink = RowSink {
            tx,
            done: done_rx,
            batch: RowBatch::default(),
            decoders,
            decode_here: false,
        };
        let res = read_rows(&mut scanner, since, resume, followed, decoders, &mut sink);
        let flushed = sink.flush();
        drop(sink);
        // The channel is gone: the builder finishes.
        let built = builder
            .join()
            .unwrap_or(Err(ReplyError::Apply(ApplyError::Builder)));
        let built = if flushed {
            built
        } else {
            built.and(Err(ReplyError::Apply(ApplyError::Builder)))
        };
        (res, built)
    });
    // A row the builder could not decode stopped it, and so the reader: its error comes first
    // (every row the builder got comes before anything the reader found wrong).
    built?;
    let (found, last_txn_id, changes) = res?;
    Ok(DecodedReply {
        found,
        last_txn_id,
        body: match changes {
            Some(changes) => ReplyBody::Changes(changes),
            None => ReplyBody::Snapshot(snap),
        },
    })
}

/// Reads every row of the reply: into `sink` for a new snapshot, or as [`Changes`] when the
/// server resumed (`found`) and `resume`.
fn read_rows(
    scanner: &mut ReplyScanner<'_>,
    since: bool,
    resume: bool,
    followed: &[String],
    decoders: &[Box<dyn RowDecoder>],
    sink: &mut RowSink<'_>,
) -> Result<ReplyParts, ReplyError> {
    let (mut found, mut last_txn_id) = (false, None);
    let mut changes: Option<Changes> = None;
    // The current table: its index among `followed` (snapshot), or its name (changes).
    let mut table: Option<usize> = None;
    let mut table_name = String::new();
    loop {
        match scanner.next().map_err(ReplyError::from)? {
            scan::Item::Since {
                found: f,
                last_txn_id: l,
            } => {
                (found, last_txn_id) = (f, l);
                if found && resume {
                    changes = Some(Changes::new());
                }
            }
            scan::Item::Table(name) => {
                table_name = name;
                if changes.is_some() {
                    continue;
                }
                table = followed
                    .binary_search(&table_name)
                    .ok()
                    .filter(|&i| i < decoders.len());
                if table.is_none() {
                    scanner.skip_table();
                }
            }
            scan::Item::Row(uuid, text) => {
                let Some(changes) = &mut changes else {
                    // A row of a new snapshot: the builder decodes it.
                    if let Some(index) = table
                        && !sink.push(index, uuid, text)
                    {
                        // The builder stopped: it failed.
                        return Err(ReplyError::Apply(ApplyError::Builder));
                    }
                    continue;
                };
                let update = scan::row_update(text, || row_path(since, &table_name, uuid))
                    .map_err(ReplyError::Json)?;
                let change = match update {
                    RowUpdate2::Initial(row) | RowUpdate2::Insert(row) => Change::Insert(row),
                    RowUpdate2::Modify(row) => Change::Modify(row),
                    RowUpdate2::Delete => Change::Delete,
                };
                changes
                    .entry(table_name.clone())
                    .or_default()
                    .insert(uuid, change);
            }
            scan::Item::End => return Ok((found, last_txn_id, changes)),
        }
    }
}

/// The JSON path of a row of the reply, for errors.
fn row_path(since: bool, table: &str, uuid: Uuid) -> String {
    format!("{}{table}.{uuid}", if since { "[2]." } else { "." })
}

impl From<scan::ScanError> for ReplyError {
    fn from(e: scan::ScanError) -> ReplyError {
        match e {
            scan::ScanError::Json(e) => ReplyError::Json(e),
            scan::ScanError::Source(e) => ReplyError::Source(e),
        }
    }
}

type ReplyParts = (bool, Option<Uuid>, Option<Changes>);

/// A batch is handed to the builder at this many rows...
const ROW_BATCH: usize = 256;
/// ...or this many bytes of row text.
const BATCH_TEXT: usize = 256 * 1024;

/// Rows of the reply as text, for [`build`].
#[derive(Default)]
struct RowBatch {
    /// The rows' `<row-update2>` texts, one after the other.
    text: Vec<u8>,
    /// Each row's table (its index among the followed tables and their decoders), UUID and
    /// where its text ends in `text` (it starts where the previous one ends).
    rows: Vec<(usize, Uuid, usize)>,
    /// The rows the reader decoded already, by index in `rows` (empty when it decoded none).
    decoded: Vec<Option<DecodedRow>>,
}

/// Decodes the rows from `rx` with their table's decoder and adds them to `snap`, in order;
/// hands each batch back on `done`. Stops at the first row that does not decode (dropping `rx`
/// stops the reader).
fn build(
    snap: &mut Snapshot,
    since: bool,
    followed: &[String],
    decoders: &[Box<dyn RowDecoder>],
    rx: std::sync::mpsc::Receiver<RowBatch>,
    done: std::sync::mpsc::Sender<RowBatch>,
) -> Result<(), ReplyError> {
    let tables = &mut snap.tables;
    let mut stores: Vec<&mut Box<dyn AnyTable>> = tables
        .iter_mut()
        .filter(|(name, _)| followed.binary_search(name).is_ok())
        .map(|(_, store)| store)
        .collect();
    for mut batch in rx {
        let mut start = 0;
        for (i, &(table, uuid, end)) in batch.rows.iter().enumerate() {
            let text = batch.text.get(start..end).unwrap_or_default();
            start = end;
            let (Some(store), Some(decoder)) = (stores.get_mut(table), decoders.get(table)) else {
                continue;
            };
            let early = batch.decoded.get_mut(i).and_then(Option::take);
            let row = match early.or_else(|| decoder.decode_text(uuid, text)) {
                Some(row) => row,
                None => {
                    // Not a new row that decodes directly: parse it, and say what is wrong.
                    let path = || row_path(since, followed.get(table).map_or("", String::as_str), uuid);
                    match scan::row_update(text, path).map_err(ReplyError::Json)? {
                        RowUpdate2::Initial(row) | RowUpdate2::Insert(row) => {
                            decoder.decode_owned(uuid, row).map_err(ReplyError::Apply)?
                        }
                        RowUpdate2::Modify(_) => {
                            return Err(ReplyError::Apply(ApplyError::MissingRow {
                                table: decoder.table().to_owned(),
                                uuid,
                            }));
                        }
                        // Deleting a row we never had.
                        RowUpdate2::Delete => continue,
                    }
                }
            };
            store.add_decoded(row);
        }
        // Back to the reader, to be filled again (dropped here once the reader has stopped).
        let _ = done.send(batch);
    }
    Ok(())
}

/// Batches row texts for [`build`].
struct RowSink<'d> {
    tx: std::sync::mpsc::SyncSender<RowBatch>,
    /// Batches the builder is done with, to fill again.
    done: std::sync::mpsc::Receiver<RowBatch>,
    batch: RowBatch,
    /// The decoders of the followed tables.
    decoders: &'d [Box<dyn RowDecoder>],
    /// Whether the next batch is decoded here: every other one is, so that the two threads
    /// share the decoding (the reader's own work, finding the rows, is light).
    decode_here: bool,
}

impl RowSink<'_> {
    /// Queues a row's text; false once the builder has stopped.
    fn push(&mut self, table: usize, uuid: Uuid, text: &[u8]) -> bool {
        self.batch.text.extend_from_slice(text);
        self.batch.rows.push((table, uuid, self.batch.text.len()));
        (self.batch.rows.len() < ROW_BATCH && self.batch.text.len() < BATCH_TEXT) || self.flush()
    }

    fn flush(&mut self) -> bool {
        if self.batch.rows.is_empty() {
            return true;
        }
        if self.decode_here {
            // A row that does not decode directly is left to the builder, which reports any
            // error in the order of the rows.
            let mut start = 0;
            for &(table, uuid, end) in &self.batch.rows {
                let text = self.batch.text.get(start..end).unwrap_or_default();
                start = end;
                let row = self.decoders.get(table).and_then(|d| {
                    d.decode_text(uuid, text).or_else(|| {
                        // A model without a direct decoder (untyped rows): through a parsed
                        // row, which then becomes the row's own.
                        match scan::row_update(text, String::new).ok()? {
                            RowUpdate2::Initial(row) | RowUpdate2::Insert(row) => {
                                d.decode_owned(uuid, row).ok()
                            }
                            _ => None,
                        }
                    })
                });
                self.batch.decoded.push(row);
            }
        }
        self.decode_here = !self.decode_here;
        let mut next = self.done.try_recv().unwrap_or_default();
        next.text.clear();
        next.rows.clear();
        next.decoded.clear();
        let batch = std::mem::replace(&mut self.batch, next);
        self.tx.send(batch).is_ok()
    }
}

/// Sends prepared events in order.
pub(crate) fn send_all(events: Vec<Box<dyn PendingEvents>>) {
    for e in events {
        e.send();
    }
}

mod json;
mod scan;
#[cfg(test)]
mod tests;
