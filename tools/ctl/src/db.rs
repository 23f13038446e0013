//! The database view of one invocation: rows read with targeted `select`s, local changes made
//! by the commands (so later commands of a `--` chain see earlier ones), and the one
//! `transact` that commits them (RFC 7047 §5.2: insert, update, mutate, delete).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use ovsdb_client::{CfgWait, Endpoint};
use ovsdb_proto::{ColumnType, Datum, Row, TableSchema, Uuid};

use serde_json::{Value, json};

use crate::error::CtlError;
use crate::schema::Schema;

/// Where a cached row comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowState {
    /// Read from the server.
    Existing,
    /// Inserted by this invocation.
    New,
    /// Deleted by this invocation.
    Deleted,
}

#[derive(Debug, Clone)]
pub(crate) struct CachedRow {
    pub(crate) row: Row,
    pub(crate) state: RowState,
    /// Once a set or map column of the row was mutated (`insert`/`delete` of elements): the
    /// row as ovn-nbctl's IDL would show it, i.e. with whole-column writes but without those
    /// mutations, which the IDL applies only after the commit.
    pub(crate) visible: Option<Row>,
}

impl CachedRow {
    /// Keeps the contents as they are before the first mutation.
    fn before_mutation(&mut self) {
        if self.visible.is_none() {
            self.visible = Some(self.row.clone());
        }
    }
}

#[derive(Debug, Default)]
struct TableCache {
    rows: BTreeMap<Uuid, CachedRow>,
    complete: bool,
}

/// A change to an existing row, in command order.
#[derive(Debug)]
enum Change {
    Update {
        table: String,
        uuid: Uuid,
        column: String,
        datum: Datum,
    },
    Mutate {
        table: String,
        uuid: Uuid,
        column: String,
        mutator: &'static str,
        datum: Datum,
    },
    Delete {
        table: String,
        uuid: Uuid,
    },
}

/// The view of the database for one invocation.
pub(crate) struct Db {
    pub(crate) schema: &'static Schema,
    pub(crate) name: String,
    rpc: Option<(Option<Endpoint>, crate::link::Rpc)>,
    tables: BTreeMap<String, TableCache>,
    changes: Vec<Change>,
    /// New rows in insertion order, with the uuid the user asked for (`--id=UUID`).
    inserts: Vec<(String, Uuid, bool)>,
    /// Extra raw operations appended after the changes (`wait`, `select` for `--wait`).
    pub(crate) extra_ops: Vec<Value>,
    pub(crate) selects: usize,
    /// One `wait` per read: the rows the read found must still be exactly those at commit.
    guards: Vec<Value>,
    /// The `(table, row, column)` whose value is guarded by [`Db::select_members`] (one `wait`
    /// each).
    member_guards: HashSet<(String, Uuid, String)>,
    /// Optimistic preconditions, placed first in the transaction: `wait`s standing for reads
    /// that were not made (see [`Db::update_by_unique_name`]). When one fails the invocation
    /// runs again carefully ([`CtlError::Careful`]).
    assumptions: Vec<Value>,
    /// The `(table, where)` of every select sent: a lookup goes to the server once per
    /// invocation (later ones see the cached rows plus the local changes).
    selected: HashSet<(String, String)>,
    /// Live cached rows by their `name` column, per table.
    names: HashMap<String, HashMap<String, BTreeSet<Uuid>>>,
    /// The TLS settings of the invocation (for [`Db::scan_each`]'s own connection).
    pub(crate) tls: Option<ovsdb_client::TlsConfig>,
    /// How long [`Db::scan_each`] may take to connect.
    pub(crate) timeout: std::time::Duration,
    /// Rows read in-process instead of over the connection (daemon mode: see [`LocalRows`]).
    pub(crate) local: Option<std::rc::Rc<dyn LocalRows>>,
}

/// Rows read straight from a replica in the same process: in daemon mode the daemon runs the
/// command lines next to its replica, and the largest reads (the addresses of every port of a
/// switch) skip the JSON round trip through its own socket.
pub(crate) trait LocalRows {
    /// Calls `f` with each row of `uuids` that `table` holds: its `columns` of string atoms
    /// (other atoms are left out), as [`Db::fetch_strings`] hands them over.
    fn for_rows(
        &self,
        table: &str,
        uuids: &[Uuid],
        columns: &[&str],
        f: &mut dyn FnMut(Uuid, &crate::wire::StringRow<'_>),
    );

    /// Calls `f` with each row of `uuids` that `table` holds, every column of the schema (as a
    /// `select` without `columns` returns them, `_uuid` left out).
    fn rows(&self, table: &str, uuids: &[Uuid], f: &mut dyn FnMut(Uuid, &Row));

    /// The rows of `table` whose `column` equals `value` (as a `select` with that one clause
    /// finds them), or `None` when the replica cannot answer it here.
    fn select_eq(&self, table: &str, column: &str, value: &Datum) -> Option<Vec<Uuid>>;
}

/// The `name` of a row, for tables whose `name` is a string.
fn row_name(row: &Row) -> Option<&str> {
    row.get("name")?.as_scalar()?.as_str()
}

/// The schema entry of a table that the caller already resolved.
pub(crate) fn table_schema<'a>(schema: &'a Schema, table: &str) -> Result<&'a TableSchema, CtlError> {
    schema
        .table(table)
        .ok_or_else(|| CtlError::Schema(format!("unknown table \"{table}\"")))
}

/// The type of a column, `_uuid` and `_version` included.
pub(crate) fn column_type(ts: &TableSchema, column: &str) -> Option<ColumnType> {
    if column == "_uuid" || column == "_version" {
        return Some(ColumnType::scalar(ovsdb_proto::BaseType::new(
            ovsdb_proto::AtomicType::Uuid,
        )));
    }
    ts.column(column).map(|c| c.type_.clone())
}

fn rpc_error(e: impl std::fmt::Display) -> CtlError {
    CtlError::Connection(e.to_string())
}

impl Db {
    /// A view over `rpc`, connected to `endpoint` when known (or none, for commands that never
    /// touch the database).
    pub(crate) fn new(schema: &'static Schema, rpc: Option<(Option<Endpoint>, crate::link::Rpc)>) -> Db {
        Db {
            schema,
            name: schema.name.clone(),
            rpc,
            tables: BTreeMap::new(),
            changes: Vec::new(),
            inserts: Vec::new(),
            extra_ops: Vec::new(),
            selects: 0,
            guards: Vec::new(),
            assumptions: Vec::new(),
            selected: HashSet::new(),
            member_guards: HashSet::new(),
            names: HashMap::new(),
            tls: None,
            timeout: std::time::Duration::from_secs(30),
            local: None,
        }
    }

    fn index_name(&mut self, table: &str, uuid: Uuid, name: Option<&str>, add: bool) {
        let Some(name) = name else { return };
        let by_name = self.names.entry(table.to_owned()).or_default();
        if add {
            by_name.entry(name.to_owned()).or_default().insert(uuid);
        } else if let Some(set) = by_name.get_mut(name) {
            set.remove(&uuid);
            if set.is_empty() {
                by_name.remove(name);
            }
        }
    }

    /// The live cached rows of `table` whose `name` is `name`.
    pub(crate) fn by_name(&self, table: &str, name: &str) -> Vec<Uuid> {
        self.names
            .get(table)
            .and_then(|m| m.get(name))
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default()
    }

    fn rpc(&self) -> Result<&crate::link::Rpc, CtlError> {
        self.rpc
            .as_ref()
            .map(|(_, r)| r)
            .ok_or_else(|| CtlError::Connection("not connected".into()))
    }

    /// Adds the configuration-sequence increment of `wait.counter` in row `row` of `wait.table`
    /// and its read-back to the transaction (`ovn-nbctl --wait=sb|hv`, `sync`; `ovs-vsctl`
    /// without `--no-wait`).
    pub(crate) fn push_cfg_bump(&mut self, wait: CfgWait, row: Uuid) {
        let w = json!([["_uuid", "==", ["uuid", row.to_string()]]]);
        self.extra_ops.push(json!({
            "op": "mutate", "table": wait.table, "where": w, "mutations": [[wait.counter, "+=", 1]]
        }));
        self.extra_ops
            .push(json!({"op": "select", "table": wait.table, "where": w, "columns": [wait.counter]}));
    }

    /// Polls `wait.applied` every 50 ms until it reaches the counter value that
    /// [`Db::push_cfg_bump`]'s read-back left in `results`; returns at once without that read-back.
    pub(crate) async fn wait_cfg_applied(&self, wait: CfgWait, results: &[Value]) -> Result<(), CtlError> {
        // The integer `col` of the first row of a select result.
        fn first_row_int(result: Option<&Value>, col: &str) -> Option<i64> {
            result?.get("rows")?.get(0)?.get(col)?.as_i64()
        }
        let Some(target) = results
            .iter()
            .rev()
            .find_map(|r| first_row_int(Some(r), wait.counter))
        else {
            return Ok(());
        };
        loop {
            let r = self
                .raw_transact(vec![
                    json!({"op": "select", "table": wait.table, "where": [], "columns": [wait.applied]}),
                ])
                .await?;
            if first_row_int(r.first(), wait.applied).unwrap_or(0) >= target {
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Sends `transact` with `ops` and returns the results array, or the error the server gave.
    pub(crate) async fn raw_transact(&self, ops: Vec<Value>) -> Result<Vec<Value>, CtlError> {
        let mut params = vec![Value::String(self.name.clone())];
        params.extend(ops);
        let reply = self
            .rpc()?
            .request("transact", Value::Array(params))
            .await
            .map_err(rpc_error)?;
        match reply.result {
            Value::Array(a) => Ok(a),
            other => Err(CtlError::Connection(format!("unexpected transact reply {other}"))),
        }
    }

    /// Selects rows of `table` matching `where_` (all columns) and caches those not cached yet.
    pub(crate) async fn select(&mut self, table: &str, where_: Value) -> Result<(), CtlError> {
        self.select_batch(vec![(table.to_owned(), where_)]).await
    }

    /// Sends the selects not sent yet in ONE `transact`, caches the rows found (all columns)
    /// and guards each read.
    pub(crate) async fn select_batch(&mut self, reads: Vec<(String, Value)>) -> Result<(), CtlError> {
        self.select_batch_guarded(reads, true).await
    }

    /// Reads the rows `members` of `table` that the set column `column` of the row `owner` of
    /// `owner_table` holds (those not cached yet, in one request), guarded as the C IDL's
    /// `verify` of that column guards what ovn-nbctl reads through it: ONE `wait` that the
    /// owner's column still holds the value read, which also guarantees that every member still
    /// exists (a strongly referenced row cannot go while referred to, and ovsdb-server removes
    /// a weak reference to a deleted row from the column). That replaces a `wait` per member
    /// (ovsdb-server's work for N waits grew with the set: ~30 us each). When this invocation
    /// already changed the owner's column, or the owner is not a row read from the server,
    /// each member's read is guarded instead.
    pub(crate) async fn select_members(
        &mut self,
        owner_table: &str,
        owner: Uuid,
        column: &str,
        table: &str,
        members: &[Uuid],
    ) -> Result<(), CtlError> {
        let wanted: Vec<Uuid> = members
            .iter()
            .copied()
            .filter(|u| self.cached_any(table, *u).is_none())
            .collect();
        let reads: Vec<(String, Value)> = wanted
            .iter()
            .map(|u| {
                (
                    table.to_owned(),
                    json!([["_uuid", "==", ["uuid", u.to_string()]]]),
                )
            })
            .collect();
        if reads.is_empty() || self.rpc.is_none() {
            return Ok(());
        }
        let as_read = self
            .tables
            .get(owner_table)
            .and_then(|t| t.rows.get(&owner))
            .filter(|r| r.state == RowState::Existing)
            .is_some()
            && !self.changes.iter().any(|c| match c {
                Change::Update {
                    table: t,
                    uuid: u,
                    column: c,
                    ..
                }
                | Change::Mutate {
                    table: t,
                    uuid: u,
                    column: c,
                    ..
                } => t == owner_table && *u == owner && c == column,
                Change::Delete { .. } => false,
            });
        if !as_read {
            return self.select_batch_guarded(reads, true).await;
        }
        self.guard_column(owner_table, owner, column);
        if let Some(local) = self.local.clone() {
            // Daemon mode: straight from the replica, without a `select` in JSON and back.
            self.cache_local_rows(local.as_ref(), table, &wanted);
            for (t, w) in reads {
                self.selected.insert((t, w.to_string()));
            }
            return Ok(());
        }
        self.select_batch_guarded(reads, false).await
    }

    /// In daemon mode, calls `f` with each row of `uuids` that the daemon's replica holds (every
    /// column, `_uuid` left out) without caching them, and returns true; false (and no call)
    /// in direct mode. For reads that need no guard (see [`crate::nb`]'s address index).
    pub(crate) fn local_rows(&self, table: &str, uuids: &[Uuid], f: &mut dyn FnMut(Uuid, &Row)) -> bool {
        match &self.local {
            Some(local) => {
                local.rows(table, uuids, f);
                true
            }
            None => false,
        }
    }

    /// Caches the rows `uuids` of `table` as the daemon's replica (`local`) holds them, as a
    /// `select` of them would have returned them.
    fn cache_local_rows(&mut self, local: &dyn LocalRows, table: &str, uuids: &[Uuid]) {
        local.rows(table, uuids, &mut |u, row| {
            let mut row = row.clone();
            row.insert("_uuid", Datum::scalar(u));
            self.cache_existing(table, u, row);
        });
    }

    /// Adds (once) the guard that `column` of the row `uuid` of `table` still holds the value
    /// read: a `wait` by `_uuid` on that column (see [`Db::select_members`]).
    fn guard_column(&mut self, table: &str, uuid: Uuid, column: &str) {
        let key = (table.to_owned(), uuid, column.to_owned());
        if !self.member_guards.contains(&key) {
            let value = self.value(table, uuid, column).to_json();
            self.guards.push(json!({
                "op": "wait", "timeout": 0, "table": table,
                "where": [["_uuid", "==", ["uuid", uuid.to_string()]]],
                "columns": [column], "until": "==", "rows": [{ column: value }],
            }));
            self.member_guards.insert(key);
        }
    }

    /// [`Db::select_batch`], each read guarded or not.
    async fn select_batch_guarded(
        &mut self,
        reads: Vec<(String, Value)>,
        guard: bool,
    ) -> Result<(), CtlError> {
        if self.rpc.is_none() {
            return Ok(());
        }
        let mut todo = Vec::new();
        let mut keys = HashSet::new();
        for (table, where_) in reads {
            if self.tables.get(&table).is_some_and(|t| t.complete) {
                continue;
            }
            let key = (table, where_.to_string());
            if self.selected.contains(&key) || !keys.insert(key.clone()) {
                continue;
            }
            todo.push((key, where_));
        }
        if todo.is_empty() {
            return Ok(());
        }
        let ops = todo
            .iter()
            .map(|((table, _), where_)| json!({"op": "select", "table": table, "where": where_}))
            .collect();
        let results = self.raw_transact(ops).await?;
        self.selects += 1;
        for (i, ((table, w), where_)) in todo.into_iter().enumerate() {
            let result = results.get(i).cloned().unwrap_or(Value::Null);
            if guard {
                self.guard(&table, &where_, std::slice::from_ref(&result));
            }
            let rows = match result.get("rows").and_then(Value::as_array) {
                Some(rows) => rows,
                None => return Err(CtlError::Transaction(first_error(&results))),
            };
            let ts = table_schema(self.schema, &table)?;
            for r in rows {
                let row = decode_row(&table, ts, r)?;
                let Some(uuid) = row.uuid() else { continue };
                self.cache_existing(&table, uuid, row);
            }
            self.selected.insert((table, w));
        }
        Ok(())
    }

    fn cache_existing(&mut self, table: &str, uuid: Uuid, row: Row) {
        let cache = self.tables.entry(table.to_owned()).or_default();
        if let std::collections::btree_map::Entry::Vacant(e) = cache.rows.entry(uuid) {
            let name = row_name(&row).map(str::to_owned);
            e.insert(CachedRow {
                row,
                state: RowState::Existing,
                visible: None,
            });
            self.index_name(table, uuid, name.as_deref(), true);
        }
    }

    /// Records a `wait` (RFC 7047 §5.2.6) that fails the commit if the rows matching `where_`
    /// are no longer exactly the ones this read found.
    fn guard(&mut self, table: &str, where_: &Value, results: &[Value]) {
        let uuids = results
            .first()
            .and_then(|r| r.get("rows"))
            .and_then(Value::as_array)
            .map(|rows| rows.iter().filter_map(|r| r.get("_uuid")).cloned().collect())
            .unwrap_or_default();
        self.push_guard(table, where_, uuids);
    }

    /// Adds the guard of a read of `table` by `where_` that found the rows `uuids` (each a
    /// `["uuid", "..."]` value): a [`uuid_wait`] on the same condition. In daemon mode (reads
    /// answered from the daemon's replica, see [`LocalRows`]) a read by `COLUMN == VALUE`
    /// clauses is guarded as ovn-nbctl's IDL guards what it read from its replica: each row
    /// found must still exist with those values (one `wait` by `_uuid` per row, which
    /// ovsdb-server answers by a hash lookup instead of evaluating the condition on every row
    /// of the table: 30 ms on a table of 100k ports), and a read that found nothing is not
    /// guarded (a row created meanwhile is not detected, as with the reference).
    fn push_guard(&mut self, table: &str, where_: &Value, uuids: Vec<Value>) {
        if self.local.is_some()
            && let Some(columns) = eq_columns(self.schema, table, where_)
        {
            if columns.is_empty() {
                // `_uuid ==` clauses: already a lookup by the server's hash.
                self.guards.push(uuid_wait(table, where_, uuids));
                return;
            }
            let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
            let values: serde_json::Map<String, Value> = columns
                .iter()
                .map(|(c, v)| ((*c).to_owned(), (*v).clone()))
                .collect();
            let waits: Vec<Value> = uuids
                .into_iter()
                .map(|u| {
                    json!({
                        "op": "wait", "timeout": 0, "table": table,
                        "where": [["_uuid", "==", u]], "columns": names,
                        "until": "==", "rows": [values],
                    })
                })
                .collect();
            self.guards.extend(waits);
            return;
        }
        self.guards.push(uuid_wait(table, where_, uuids));
    }

    /// Reads the whole table once.
    pub(crate) async fn load_all(&mut self, table: &str) -> Result<(), CtlError> {
        if self.tables.get(table).is_some_and(|t| t.complete) {
            return Ok(());
        }
        self.select(table, json!([])).await?;
        self.tables.entry(table.to_owned()).or_default().complete = true;
        Ok(())
    }

    /// Reads the rows whose `column` equals `value`.
    pub(crate) async fn select_eq(
        &mut self,
        table: &str,
        column: &str,
        value: &Datum,
    ) -> Result<(), CtlError> {
        let where_ = eq_where(column, value);
        if let Some(local) = self.local.clone()
            && self.rpc.is_some()
            && !self.tables.get(table).is_some_and(|t| t.complete)
        {
            // Daemon mode: found by the replica's index and copied from it, without a `select`
            // in JSON and back; guarded as any read ([`Db::push_guard`]).
            let key = (table.to_owned(), where_.to_string());
            if self.selected.contains(&key) {
                return Ok(());
            }
            if let Some(found) = local.select_eq(table, column, value) {
                self.cache_local_rows(local.as_ref(), table, &found);
                let uuids = found.iter().map(|u| json!(["uuid", u.to_string()])).collect();
                self.push_guard(table, &where_, uuids);
                self.selected.insert(key);
                return Ok(());
            }
        }
        self.select(table, where_).await
    }

    /// `columns` of every row of `table`, for a read-only report: from the server without
    /// caching or guarding when this invocation changed nothing yet, else from the local view
    /// (the whole table is then read and cached, so earlier commands' changes show).
    pub(crate) async fn scan(&mut self, table: &str, columns: &[&str]) -> Result<Vec<(Uuid, Row)>, CtlError> {
        if self.has_changes() || self.rpc.is_none() || self.tables.get(table).is_some_and(|t| t.complete) {
            self.load_all(table).await?;
            return Ok(self
                .uuids(table)
                .into_iter()
                .filter_map(|u| self.get(table, u).map(|r| (u, r.clone())))
                .collect());
        }
        let mut cols: Vec<&str> = columns.to_vec();
        cols.push("_uuid");
        let results = self
            .raw_transact(vec![
                json!({"op": "select", "table": table, "where": [], "columns": cols}),
            ])
            .await?;
        let rows = results
            .first()
            .and_then(|r| r.get("rows"))
            .and_then(Value::as_array)
            .ok_or_else(|| CtlError::Transaction(first_error(&results)))?;
        let ts = table_schema(self.schema, table)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let row = decode_row(table, ts, r)?;
            if let Some(u) = row.uuid() {
                out.push((u, row));
            }
        }
        Ok(out)
    }

    /// Calls `f` with `columns` of every row of `table`, read in ONE request (a `monitor_cond`)
    /// of only those columns on a connection of its own whose reply is decoded row by row (see
    /// [`crate::stream`]), neither cached nor guarded: for a read-only report in an invocation
    /// that changed nothing. `None` when the local view must be used instead (this invocation
    /// changed something, or the table is cached).
    pub(crate) async fn scan_each(
        &self,
        table: &str,
        columns: &[&str],
        f: impl FnMut(Uuid, Row),
    ) -> Result<Option<()>, CtlError> {
        let Some(frame) = self.scan_fetch(table, columns).await? else {
            return Ok(None);
        };
        decode_scanned(&frame, table, table_schema(self.schema, table)?, f)?;
        Ok(Some(()))
    }

    /// As [`Db::scan_each`], with the decoding and `f` run on a thread of their own (so the
    /// invocation's other reads go on meanwhile), folding the rows into `acc`; `arrived`, if
    /// given, is told once the reply has arrived, before it is decoded.
    pub(crate) async fn scan_fold<T: Send + 'static>(
        &self,
        table: &'static str,
        columns: &[&str],
        arrived: Option<tokio::sync::oneshot::Sender<()>>,
        mut acc: T,
        mut f: impl FnMut(&mut T, Uuid, Row) + Send + 'static,
    ) -> Result<Option<T>, CtlError> {
        let Some(frame) = self.scan_fetch(table, columns).await? else {
            return Ok(None);
        };
        if let Some(tx) = arrived {
            let _ = tx.send(());
        }
        let ts: &'static TableSchema = table_schema(self.schema, table)?;
        tokio::task::spawn_blocking(move || {
            decode_scanned(&frame, table, ts, |u, row| f(&mut acc, u, row))?;
            Ok(Some(acc))
        })
        .await
        .map_err(rpc_error)?
    }

    /// The reply of [`crate::stream::fetch_rows`] for `columns` of all of `table`; `None` when
    /// the local view must be used (see [`Db::scan_each`]).
    async fn scan_fetch(&self, table: &str, columns: &[&str]) -> Result<Option<bytes::Bytes>, CtlError> {
        let Some((Some(endpoint), _)) = &self.rpc else {
            return Ok(None);
        };
        if self.has_changes() || self.tables.contains_key(table) {
            return Ok(None);
        }
        crate::stream::fetch_rows(
            endpoint,
            self.tls.as_ref(),
            &self.name,
            table,
            columns,
            self.timeout,
        )
        .await
        .map(Some)
    }

    /// Calls `f` with `columns` of each row of `table` in `uuids`, in that order (rows that do
    /// not exist are skipped), for a read-only report: cached rows come from the local view,
    /// the others from the server in chunks of [`PEEK_CHUNK`] `select`s per `transact`, several
    /// in flight, neither cached nor guarded. Memory stays bounded by the chunks in flight.
    pub(crate) async fn peek_each(
        &self,
        table: &str,
        uuids: &[Uuid],
        columns: &[&str],
        mut f: impl FnMut(Uuid, &Row),
    ) -> Result<(), CtlError> {
        let ts = table_schema(self.schema, table)?;
        let rpc = self.rpc.as_ref().map(|(_, r)| r.clone());
        let mut in_flight = std::collections::VecDeque::new();
        let mut chunks = uuids.chunks(PEEK_CHUNK);
        loop {
            while in_flight.len() < PEEK_IN_FLIGHT {
                let Some(chunk) = chunks.next() else { break };
                let fetch: Vec<Uuid> = chunk
                    .iter()
                    .copied()
                    .filter(|u| self.cached_row(table, *u).is_none())
                    .collect();
                let handle = match &rpc {
                    Some(rpc) if !fetch.is_empty() => {
                        let (method, params) = self.peek_request(table, &fetch, columns);
                        let rpc = rpc.clone();
                        Some(tokio::spawn(async move { rpc.request(method, params).await }))
                    }
                    _ => None,
                };
                in_flight.push_back((chunk, handle));
            }
            let Some((chunk, handle)) = in_flight.pop_front() else {
                break;
            };
            let mut fetched: HashMap<Uuid, Row> = HashMap::new();
            if let Some(h) = handle {
                let result = h.await.map_err(rpc_error)?.map_err(rpc_error)?.result;
                match result {
                    // transact: one select result per uuid.
                    Value::Array(results) => {
                        for r in &results {
                            let rows = r
                                .get("rows")
                                .and_then(Value::as_array)
                                .ok_or_else(|| CtlError::Transaction(first_error(&results)))?;
                            if let Some(row) = rows.first() {
                                let row = decode_row(table, ts, row)?;
                                if let Some(u) = row.uuid() {
                                    fetched.insert(u, row);
                                }
                            }
                        }
                    }
                    // monitor_cond: <table-updates2>, each row's "initial" contents.
                    Value::Object(mut tables) => {
                        if let Some(Value::Object(rows)) = tables.remove(table) {
                            for (u, update) in rows {
                                let Ok(u) = Uuid::parse_str(&u) else { continue };
                                let empty = Value::Object(serde_json::Map::new());
                                let new = update.get("initial").unwrap_or(&empty);
                                fetched.insert(u, decode_row(table, ts, new)?);
                            }
                        }
                    }
                    other => {
                        return Err(CtlError::Connection(format!("unexpected reply {other}")));
                    }
                }
            }
            for u in chunk {
                if let Some(cached) = self.cached_row(table, *u) {
                    if let Some(row) = cached {
                        f(*u, row);
                    }
                } else if let Some(row) = fetched.get(u) {
                    f(*u, row);
                }
            }
        }
        Ok(())
    }

    /// Calls `f` with the string columns `columns` of each row of `table` in `uuids` that
    /// exists, as the server has it (the local view is not consulted), in ONE request (see
    /// [`Db::peek_request`]) whose reply is decoded straight into borrowed strings
    /// ([`crate::wire`]): for checks that need a few columns of many rows. Neither cached nor
    /// guarded.
    pub(crate) async fn fetch_strings(
        &self,
        table: &str,
        uuids: &[Uuid],
        columns: &[&str],
        mut f: impl FnMut(Uuid, &crate::wire::StringRow<'_>),
    ) -> Result<(), CtlError> {
        use crate::wire::{SelectResult, TableUpdates, strings};
        if uuids.is_empty() || self.rpc.is_none() {
            return Ok(());
        }
        if let Some(local) = &self.local {
            local.for_rows(table, uuids, columns, &mut f);
            return Ok(());
        }
        let (method, params) = self.peek_request(table, uuids, columns);
        let raw = self
            .rpc()?
            .request_raw(method, params)
            .await
            .map_err(rpc_error)?
            .result;
        let bad = |e: serde_json::Error| CtlError::Connection(format!("unexpected {method} reply: {e}"));
        if method == "transact" {
            let results: Vec<SelectResult<'_>> = serde_json::from_slice(&raw).map_err(bad)?;
            for r in &results {
                let Some(rows) = &r.rows else {
                    let text = |w: &Option<crate::wire::WireStr<'_>>| {
                        w.as_ref().map(|w| w.0.to_string()).unwrap_or_default()
                    };
                    let (e, d) = (text(&r.error), text(&r.details));
                    return Err(CtlError::Transaction(if d.is_empty() {
                        e
                    } else {
                        format!("{e}: {d}")
                    }));
                };
                for row in rows {
                    if let Some(u) = strings(row, "_uuid")
                        .first()
                        .and_then(|u| Uuid::parse_str(u).ok())
                    {
                        f(u, row);
                    }
                }
            }
        } else {
            let mut tables: TableUpdates<'_> = serde_json::from_slice(&raw).map_err(bad)?;
            let empty = crate::wire::StringRow::new();
            for (u, update) in tables.remove(table).unwrap_or_default() {
                let Ok(u) = Uuid::parse_str(&u.0) else { continue };
                f(u, update.initial.as_ref().unwrap_or(&empty));
            }
        }
        Ok(())
    }

    /// The request that reads `columns` of the rows `uuids`: a `transact` of one `select` per
    /// row for a few rows; for more, one `monitor_cond` (ovsdb-server(7), "Monitor_cond") whose
    /// condition is the disjunction of their `_uuid`s, which the server matches with a hash
    /// and answers with a single initial update (the monitor is left to die with the
    /// connection; its later updates go nowhere).
    fn peek_request(&self, table: &str, uuids: &[Uuid], columns: &[&str]) -> (&'static str, Value) {
        let clause = |u: &Uuid| json!(["_uuid", "==", ["uuid", u.to_string()]]);
        if uuids.len() <= PEEK_SELECTS {
            let mut cols: Vec<&str> = columns.to_vec();
            cols.push("_uuid");
            let mut params = vec![Value::String(self.name.clone())];
            for u in uuids {
                params.push(json!({"op": "select", "table": table, "where": [clause(u)], "columns": cols}));
            }
            return ("transact", Value::Array(params));
        }
        let id = format!("peek-{}", uuids.first().map(Uuid::to_string).unwrap_or_default());
        let where_: Vec<Value> = uuids.iter().map(clause).collect();
        (
            "monitor_cond",
            json!([self.name, id, {table: [{"columns": columns, "where": where_}]}]),
        )
    }

    /// `Some(Some(row))` for a live cached row, `Some(None)` for one this invocation deleted,
    /// `None` when not cached.
    fn cached_row(&self, table: &str, uuid: Uuid) -> Option<Option<&Row>> {
        let r = self.tables.get(table)?.rows.get(&uuid)?;
        Some((r.state != RowState::Deleted).then_some(&r.row))
    }

    /// Reads the row with this uuid.
    pub(crate) async fn select_uuid(&mut self, table: &str, uuid: Uuid) -> Result<(), CtlError> {
        if self.get(table, uuid).is_some() {
            return Ok(());
        }
        self.select(table, json!([["_uuid", "==", ["uuid", uuid.to_string()]]]))
            .await
    }

    /// Uuids of the live rows of a table that are cached.
    pub(crate) fn uuids(&self, table: &str) -> Vec<Uuid> {
        self.tables
            .get(table)
            .map(|t| {
                t.rows
                    .iter()
                    .filter(|(_, r)| r.state != RowState::Deleted)
                    .map(|(u, _)| *u)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A live cached row.
    pub(crate) fn get(&self, table: &str, uuid: Uuid) -> Option<&Row> {
        self.tables
            .get(table)?
            .rows
            .get(&uuid)
            .filter(|r| r.state != RowState::Deleted)
            .map(|r| &r.row)
    }

    /// A column of a cached row as ovn-nbctl's IDL would show it at this point (see
    /// [`CachedRow::visible`]); `None` when the row is not cached.
    pub(crate) fn visible_value(&self, table: &str, uuid: Uuid, column: &str) -> Option<Datum> {
        let r = self.tables.get(table)?.rows.get(&uuid)?;
        r.visible.as_ref().unwrap_or(&r.row).get(column).cloned()
    }

    /// A cached row in whatever state (a row deleted by this invocation keeps its last
    /// contents).
    pub(crate) fn cached_any(&self, table: &str, uuid: Uuid) -> Option<&Row> {
        self.tables.get(table)?.rows.get(&uuid).map(|r| &r.row)
    }

    /// Whether a row was inserted by this invocation.
    pub(crate) fn is_new(&self, table: &str, uuid: Uuid) -> bool {
        self.tables
            .get(table)
            .and_then(|t| t.rows.get(&uuid))
            .is_some_and(|r| r.state == RowState::New)
    }

    /// A column of a live row, or its default.
    pub(crate) fn value(&self, table: &str, uuid: Uuid, column: &str) -> Datum {
        if let Some(d) = self.get(table, uuid).and_then(|r| r.get(column)) {
            return d.clone();
        }
        if column == "_uuid" {
            return Datum::scalar(uuid);
        }
        self.schema
            .table(table)
            .and_then(|t| t.column(column))
            .map(|c| c.type_.default_datum())
            .unwrap_or_default()
    }

    /// Inserts a row (columns not given take their defaults) and returns its (local) uuid.
    pub(crate) fn insert(&mut self, table: &str, row: Row, uuid: Option<Uuid>) -> Uuid {
        let explicit = uuid.is_some();
        let uuid = uuid.unwrap_or_else(Uuid::new_v4);
        // Only the columns given: the others read as their defaults (see `value`).
        let mut full = row;
        full.insert("_uuid", Datum::scalar(uuid));
        let name = row_name(&full).map(str::to_owned);
        self.index_name(table, uuid, name.as_deref(), true);
        let cache = self.tables.entry(table.to_owned()).or_default();
        cache.rows.insert(
            uuid,
            CachedRow {
                row: full,
                state: RowState::New,
                visible: None,
            },
        );
        self.inserts.push((table.to_owned(), uuid, explicit));
        uuid
    }

    /// Whether `uuid` is a row inserted by this invocation: `Some(true)` when under a UUID
    /// sent with the insert, `Some(false)` when the server assigns it.
    pub(crate) fn inserted(&self, uuid: Uuid) -> Option<bool> {
        self.inserts
            .iter()
            .find(|(_, u, _)| *u == uuid)
            .map(|(_, _, explicit)| *explicit)
    }

    /// Sets a whole column.
    pub(crate) fn update(&mut self, table: &str, uuid: Uuid, column: &str, datum: Datum) {
        let Some(cached) = self.tables.get_mut(table).and_then(|t| t.rows.get_mut(&uuid)) else {
            return;
        };
        if let Some(v) = &mut cached.visible {
            v.insert(column, datum.clone());
        }
        let old = cached.row.insert(column, datum.clone());
        if column == "name" && cached.state != RowState::Deleted {
            let old = old
                .as_ref()
                .and_then(|d| d.as_scalar()?.as_str().map(str::to_owned));
            let new = datum.as_scalar().and_then(|a| a.as_str()).map(str::to_owned);
            self.index_name(table, uuid, old.as_deref(), false);
            self.index_name(table, uuid, new.as_deref(), true);
        }
        let Some(cached) = self.tables.get_mut(table).and_then(|t| t.rows.get_mut(&uuid)) else {
            return;
        };
        if cached.state == RowState::Existing {
            self.changes.push(Change::Update {
                table: table.to_owned(),
                uuid,
                column: column.to_owned(),
                datum,
            });
        }
    }

    /// Inserts elements into a set or pairs into a map (existing keys keep their value).
    pub(crate) fn mutate_insert(&mut self, table: &str, uuid: Uuid, column: &str, datum: Datum) {
        if let Some(cur) = self.column_mut(table, uuid, column) {
            match (cur, &datum) {
                (Datum::Set(s), Datum::Set(add)) => s.extend(add.iter().cloned()),
                (Datum::Map(m), Datum::Map(add)) => {
                    for (k, v) in add {
                        m.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                }
                _ => {}
            }
        }
        self.record_mutation(table, uuid, column, "insert", datum);
    }

    /// The column of a live cached row, for an in-place change (set to its default first if
    /// the row lacks it).
    fn column_mut(&mut self, table: &str, uuid: Uuid, column: &str) -> Option<&mut Datum> {
        let default = self
            .schema
            .table(table)
            .and_then(|t| t.column(column))
            .map(|c| c.type_.default_datum())
            .unwrap_or_default();
        let cached = self.tables.get_mut(table)?.rows.get_mut(&uuid)?;
        if cached.state == RowState::Deleted {
            return None;
        }
        cached.before_mutation();
        Some(cached.row.0.entry(column.to_owned()).or_insert(default))
    }

    /// Deletes elements from a set, keys (given as a set) or pairs (given as a map) from a map.
    pub(crate) fn mutate_delete(&mut self, table: &str, uuid: Uuid, column: &str, datum: Datum) {
        if let Some(cur) = self.column_mut(table, uuid, column) {
            match (cur, &datum) {
                (Datum::Set(s), Datum::Set(del)) => s.retain(|a| !del.contains(a)),
                (Datum::Map(m), Datum::Set(keys)) => m.retain(|k, _| !keys.contains(k)),
                (Datum::Map(m), Datum::Map(pairs)) => m.retain(|k, v| pairs.get(k) != Some(v)),
                _ => {}
            }
        }
        self.record_mutation(table, uuid, column, "delete", datum);
    }

    /// Records a mutation of an existing row; one that continues the previous change (same
    /// row, column and mutator) is merged into it, so N `lsp-add`s to one switch make one
    /// `mutate`.
    fn record_mutation(&mut self, table: &str, uuid: Uuid, column: &str, mutator: &'static str, arg: Datum) {
        let existing = self
            .tables
            .get(table)
            .and_then(|t| t.rows.get(&uuid))
            .is_some_and(|r| r.state == RowState::Existing);
        if !existing || arg.is_empty() {
            return;
        }
        if let Some(Change::Mutate {
            table: t,
            uuid: u,
            column: c,
            mutator: m,
            datum,
        }) = self.changes.last_mut()
        {
            if t == table && *u == uuid && c == column && *m == mutator {
                match (datum, &arg) {
                    (Datum::Set(s), Datum::Set(add)) => {
                        s.extend(add.iter().cloned());
                        return;
                    }
                    (Datum::Map(have), Datum::Map(add)) if !add.keys().any(|k| have.contains_key(k)) => {
                        have.extend(add.iter().map(|(k, v)| (k.clone(), v.clone())));
                        return;
                    }
                    _ => {}
                }
            }
        }
        self.changes.push(Change::Mutate {
            table: table.to_owned(),
            uuid,
            column: column.to_owned(),
            mutator,
            datum: arg,
        });
    }

    /// Deletes a row of a non-root table the way ovsdb's IDL does (RFC 7047 §3.2 `isRoot`):
    /// gone from this invocation's view, and neither a `delete` nor its earlier changes are
    /// sent; the server's garbage collection removes it once nothing refers to it, and keeps
    /// it as it was when something still does.
    pub(crate) fn drop_unreferenced(&mut self, table: &str, uuid: Uuid) {
        let Some(cached) = self.tables.get_mut(table).and_then(|t| t.rows.get_mut(&uuid)) else {
            return;
        };
        let was = cached.state;
        cached.state = RowState::Deleted;
        let name = row_name(&cached.row).map(str::to_owned);
        self.index_name(table, uuid, name.as_deref(), false);
        if was == RowState::New {
            self.inserts.retain(|(t, u, _)| !(t == table && *u == uuid));
        }
        // As the IDL, which sends nothing for a row deleted in the transaction: its earlier
        // changes go too.
        self.changes.retain(|c| match c {
            Change::Update {
                table: t, uuid: u, ..
            }
            | Change::Mutate {
                table: t, uuid: u, ..
            } => !(t == table && *u == uuid),
            Change::Delete { .. } => true,
        });
    }

    /// Deletes a row.
    pub(crate) fn delete(&mut self, table: &str, uuid: Uuid) {
        let Some(cached) = self.tables.get_mut(table).and_then(|t| t.rows.get_mut(&uuid)) else {
            return;
        };
        let was = cached.state;
        cached.state = RowState::Deleted;
        let name = row_name(&cached.row).map(str::to_owned);
        self.index_name(table, uuid, name.as_deref(), false);
        if was == RowState::Existing {
            self.changes.push(Change::Delete {
                table: table.to_owned(),
                uuid,
            });
        } else {
            self.inserts.retain(|(t, u, _)| !(t == table && *u == uuid));
        }
    }

    /// Drops the rows of `table` read from the server and not changed, so they are read again.
    pub(crate) fn forget(&mut self, table: &str) {
        let changed: BTreeSet<Uuid> = self
            .changes
            .iter()
            .map(|c| match c {
                Change::Update { uuid, .. } | Change::Mutate { uuid, .. } | Change::Delete { uuid, .. } => {
                    *uuid
                }
            })
            .collect();
        if let Some(t) = self.tables.get_mut(table) {
            t.complete = false;
            t.rows
                .retain(|u, r| r.state != RowState::Existing || changed.contains(u));
        }
        self.selected.retain(|(t, _)| t != table);
        let live: Vec<(Uuid, Option<String>)> = self
            .tables
            .get(table)
            .map(|t| {
                t.rows
                    .iter()
                    .filter(|(_, r)| r.state != RowState::Deleted)
                    .map(|(u, r)| (*u, row_name(&r.row).map(str::to_owned)))
                    .collect()
            })
            .unwrap_or_default();
        self.names.remove(table);
        for (u, n) in live {
            self.index_name(table, u, n.as_deref(), true);
        }
    }

    /// Whether anything is to be committed.
    pub(crate) fn has_changes(&self) -> bool {
        !self.changes.is_empty() || !self.inserts.is_empty() || !self.extra_ops.is_empty()
    }

    fn named(&self) -> BTreeMap<Uuid, String> {
        self.inserts
            .iter()
            .filter(|(_, _, explicit)| !explicit)
            .map(|(_, u, _)| (*u, format!("row{}", u.simple())))
            .collect()
    }

    /// The operations of the transaction, in order: inserts (with the rows' final contents),
    /// then the changes to existing rows, then the extra operations.
    pub(crate) fn operations(&self) -> Vec<Value> {
        let named = self.named();
        let conv = |d: &Datum| subst_json(d.to_json(), &named);
        let mut ops = self.assumptions.clone();
        ops.extend(self.guards.iter().cloned());
        for (table, uuid, explicit) in &self.inserts {
            let Some(row) = self.get(table, *uuid) else {
                continue;
            };
            let mut obj = serde_json::Map::new();
            for (col, d) in row.iter() {
                if col.starts_with('_') {
                    continue;
                }
                obj.insert(col.clone(), conv(d));
            }
            let mut op = json!({"op": "insert", "table": table, "row": obj});
            if *explicit {
                op["uuid"] = json!(uuid.to_string());
            } else if let Some(n) = named.get(uuid) {
                op["uuid-name"] = json!(n);
            }
            ops.push(op);
        }
        for c in &self.changes {
            let w = |u: &Uuid| json!([["_uuid", "==", ["uuid", u.to_string()]]]);
            ops.push(match c {
                Change::Update { table, uuid, column, datum } => {
                    json!({"op": "update", "table": table, "where": w(uuid), "row": {column: conv(datum)}})
                }
                Change::Mutate { table, uuid, column, mutator, datum } => {
                    json!({"op": "mutate", "table": table, "where": w(uuid), "mutations": [[column, mutator, conv(datum)]]})
                }
                Change::Delete { table, uuid } => json!({"op": "delete", "table": table, "where": w(uuid)}),
            });
        }
        ops.extend(self.extra_ops.iter().cloned());
        ops
    }

    /// Reads `columns` (string or uuid columns only) of the rows of `table` matching `where_`
    /// for a one-command invocation, decoding the reply straight into strings
    /// ([`crate::wire`]); the rows are cached as stubs holding only those columns and the read is
    /// guarded like any other. The caller reads nothing else of these rows.
    pub(crate) async fn select_light(
        &mut self,
        table: &str,
        where_: Value,
        columns: &[&str],
    ) -> Result<Vec<Uuid>, CtlError> {
        use crate::wire::{SelectResult, strings};
        let ts = table_schema(self.schema, table)?;
        let mut cols: Vec<&str> = columns.to_vec();
        cols.push("_uuid");
        let params = json!([self.name, {"op": "select", "table": table, "where": where_, "columns": cols}]);
        let raw = self
            .rpc()?
            .request_raw("transact", params)
            .await
            .map_err(rpc_error)?
            .result;
        let results: Vec<SelectResult<'_>> = serde_json::from_slice(&raw)
            .map_err(|e| CtlError::Connection(format!("unexpected select reply: {e}")))?;
        let Some(rows) = results.first().and_then(|r| r.rows.as_ref()) else {
            let err = results
                .first()
                .and_then(|r| r.error.as_ref())
                .map(|e| e.0.to_string())
                .unwrap_or_default();
            return Err(CtlError::Transaction(err));
        };
        let mut found = Vec::new();
        for r in rows {
            let Some(uuid) = strings(r, "_uuid").first().and_then(|u| Uuid::parse_str(u).ok()) else {
                continue;
            };
            let mut row = Row::new();
            for c in columns {
                let Some(ct) = ts.column(c) else { continue };
                let atoms: Vec<ovsdb_proto::Atom> = if ct.type_.key.atomic == ovsdb_proto::AtomicType::Uuid {
                    strings(r, c)
                        .iter()
                        .filter_map(|u| Uuid::parse_str(u).ok())
                        .map(ovsdb_proto::Atom::Uuid)
                        .collect()
                } else {
                    strings(r, c).into_iter().map(ovsdb_proto::Atom::string).collect()
                };
                row.insert(*c, Datum::set(atoms));
            }
            found.push(uuid);
            self.cache_existing(table, uuid, row);
        }
        let uuids = found.iter().map(|u| json!(["uuid", u.to_string()])).collect();
        self.push_guard(table, &where_, uuids);
        Ok(found)
    }

    /// Sets `column` of the one row of `table` named `name` to `datum` without reading the row,
    /// for a table whose schema keeps `name` unique: the transaction gets a `wait` that exactly
    /// one row has that name (RFC 7047 §5.2.6, placed first) and an `update` of the rows with
    /// that name (§5.2.2). One round trip instead of a lookup and a commit; the local view does
    /// not see the change, so the caller uses it only for an invocation of one command.
    pub(crate) fn update_by_unique_name(&mut self, table: &str, name: &str, column: &str, datum: &Datum) {
        let w = json!([["name", "==", name]]);
        self.assumptions.push(json!({
            "op": "wait", "timeout": 0, "table": table, "where": w,
            "columns": ["name"], "until": "==", "rows": [{"name": name}]
        }));
        self.extra_ops
            .push(json!({"op": "update", "table": table, "where": w, "row": {column: datum.to_json()}}));
    }

    /// Makes the transaction assume, without reading it, that `table` has at least one row: a
    /// `wait` (RFC 7047 §5.2.6, placed first) that fails the commit when the table is empty,
    /// after which the invocation runs again carefully ([`CtlError::Careful`]).
    pub(crate) fn assume_not_empty(&mut self, table: &str) {
        self.assumptions.push(json!({
            "op": "wait", "timeout": 0, "table": table, "where": [],
            "columns": ["_uuid"], "until": "!=", "rows": []
        }));
    }

    /// The uuids of the rows of `table` whose `name` is `name`, read alone (no other column is
    /// transferred) for a one-command invocation that only needs to point at the row. When
    /// there is exactly one, it is cached as a stub holding only its name, and the transaction
    /// gets a `wait` (placed first) that it is still the only one; the caller then uses it only
    /// for writes. Nothing is cached or assumed otherwise (the caller looks the name up as usual).
    pub(crate) async fn assume_only_named(&mut self, table: &str, name: &str) -> Result<Vec<Uuid>, CtlError> {
        let w = json!([["name", "==", name]]);
        let results = self
            .raw_transact(vec![
                json!({"op": "select", "table": table, "where": w, "columns": ["_uuid"]}),
            ])
            .await?;
        let found: Vec<Value> = results
            .first()
            .and_then(|r| r.get("rows"))
            .and_then(Value::as_array)
            .map(|rows| rows.iter().filter_map(|r| r.get("_uuid")).cloned().collect())
            .unwrap_or_default();
        let uuids: Vec<Uuid> = found
            .iter()
            .filter_map(|u| u.get(1)?.as_str())
            .filter_map(|u| Uuid::parse_str(u).ok())
            .collect();
        if let [u] = uuids.as_slice() {
            self.assumptions.push(uuid_wait(table, &w, found));
            let row = Row::new().with("name", Datum::scalar(ovsdb_proto::Atom::string(name)));
            self.cache_existing(table, *u, row);
        }
        Ok(uuids)
    }

    /// Commits; returns the results and the map from local uuids of new rows to the uuids the
    /// server gave them.
    pub(crate) async fn commit(
        &self,
        comment: Option<String>,
    ) -> Result<(Vec<Value>, BTreeMap<Uuid, Uuid>), CtlError> {
        let mut ops = self.operations();
        let n_inserts = self.inserts.len();
        if let Some(c) = comment {
            ops.push(json!({"op": "comment", "comment": c}));
        }
        let n_ops = ops.len();
        let results = self.raw_transact(ops).await?;
        let n_assumed = self.assumptions.len();
        let n_guards = n_assumed + self.guards.len();
        if let Some((i, err)) = find_error(&results, n_ops) {
            if i < n_assumed {
                return Err(CtlError::Careful);
            }
            if i < n_guards {
                return Err(CtlError::TryAgain);
            }
            return Err(CtlError::Transaction(err));
        }
        let mut map = BTreeMap::new();
        for (i, (_, local, _)) in self.inserts.iter().enumerate().take(n_inserts) {
            if let Some(u) = results
                .get(n_guards + i)
                .and_then(|r| r.get("uuid"))
                .and_then(|u| u.get(1))
                .and_then(Value::as_str)
                .and_then(|s| Uuid::parse_str(s).ok())
            {
                map.insert(*local, u);
            }
        }
        Ok((results, map))
    }

    /// Rows of a table whose uuid string starts with `prefix` (the whole table's uuids are read,
    /// nothing else).
    pub(crate) async fn uuid_prefix(&mut self, table: &str, prefix: &str) -> Result<Vec<Uuid>, CtlError> {
        let mut found: BTreeSet<Uuid> = self
            .uuids(table)
            .into_iter()
            .filter(|u| u.to_string().starts_with(prefix))
            .collect();
        if self.rpc.is_some() && !self.tables.get(table).is_some_and(|t| t.complete) {
            let op = json!({"op": "select", "table": table, "where": [], "columns": ["_uuid"]});
            let results = self.raw_transact(vec![op]).await?;
            self.selects += 1;
            self.guard(table, &json!([]), &results);
            if let Some(rows) = results
                .first()
                .and_then(|r| r.get("rows"))
                .and_then(Value::as_array)
            {
                for r in rows {
                    if let Some(u) = r
                        .get("_uuid")
                        .and_then(|u| u.get(1))
                        .and_then(Value::as_str)
                        .and_then(|s| Uuid::parse_str(s).ok())
                    {
                        if u.to_string().starts_with(prefix) && self.get(table, u).is_none() {
                            let deleted = self
                                .tables
                                .get(table)
                                .and_then(|t| t.rows.get(&u))
                                .is_some_and(|r| r.state == RowState::Deleted);
                            if !deleted {
                                found.insert(u);
                            }
                        }
                    }
                }
            }
        }
        for u in &found {
            self.select_uuid(table, *u).await?;
        }
        Ok(found.into_iter().collect())
    }
}

/// How many `select`s one [`Db::peek_each`] transaction carries.
pub(crate) const PEEK_CHUNK: usize = 2000;
/// Up to how many rows [`Db::peek_each`] reads with `select`s rather than a `monitor_cond`.
const PEEK_SELECTS: usize = 32;
/// How many [`Db::peek_each`] transactions are in flight at once.
const PEEK_IN_FLIGHT: usize = 3;

/// Calls `f` with each row of a [`crate::stream::fetch_rows`] reply on `table`, decoded by the
/// schema `ts`.
fn decode_scanned(
    frame: &[u8],
    table: &str,
    ts: &TableSchema,
    mut f: impl FnMut(Uuid, Row),
) -> Result<(), CtlError> {
    crate::stream::decode_rows(frame, &mut |r: Value| {
        let row = decode_row(table, ts, &r)?;
        if let Some(u) = row.uuid() {
            f(u, row);
        }
        Ok(())
    })
}

/// A `wait` (RFC 7047 §5.2.6, timeout 0) that the rows of `table` matching `where_` are exactly
/// those whose `_uuid` is in `uuids` (each a `["uuid", "..."]` value).
fn uuid_wait(table: &str, where_: &Value, uuids: Vec<Value>) -> Value {
    let rows: Vec<Value> = uuids.into_iter().map(|u| json!({"_uuid": u})).collect();
    json!({
        "op": "wait", "timeout": 0, "table": table, "where": where_,
        "columns": ["_uuid"], "until": "==", "rows": rows,
    })
}

/// When `where_` is a conjunction of `COLUMN == VALUE` clauses on scalar columns of `table`
/// (exactly one atom, so a row's value is written as the clause's value): those columns and
/// values other than `_uuid`'s (empty when every clause is on `_uuid`); `None` otherwise.
fn eq_columns<'w>(schema: &Schema, table: &str, where_: &'w Value) -> Option<Vec<(&'w str, &'w Value)>> {
    let ts = schema.table(table)?;
    let clauses = where_.as_array().filter(|c| !c.is_empty())?;
    let mut out = Vec::new();
    for c in clauses {
        let [column, function, value] = c.as_array()?.as_slice() else {
            return None;
        };
        let column = column.as_str()?;
        if function.as_str()? != "==" {
            return None;
        }
        if column == "_uuid" {
            continue;
        }
        let ty = &ts.column(column)?.type_;
        if !ty.is_scalar() {
            return None;
        }
        out.push((column, value));
    }
    Some(out)
}

/// The condition `column == value`.
pub(crate) fn eq_where(column: &str, value: &Datum) -> Value {
    json!([[column, "==", value.to_json()]])
}

/// A row of a `select` reply (the columns it has).
fn decode_row(table: &str, ts: &TableSchema, r: &Value) -> Result<Row, CtlError> {
    let mut row = Row::new();
    let Some(obj) = r.as_object() else {
        return Ok(row);
    };
    for (col, v) in obj {
        let Some(ty) = column_type(ts, col) else { continue };
        let d = ty
            .datum_from_json(v)
            .map_err(|e| CtlError::Connection(format!("{table}: column {col}: {e}")))?;
        row.insert(col.clone(), d);
    }
    Ok(row)
}

fn subst_json(v: Value, named: &BTreeMap<Uuid, String>) -> Value {
    match v {
        Value::Array(a) => {
            if a.len() == 2 && a[0] == "uuid" {
                if let Some(u) = a[1].as_str().and_then(|s| Uuid::parse_str(s).ok()) {
                    if let Some(n) = named.get(&u) {
                        return json!(["named-uuid", n]);
                    }
                }
                return Value::Array(a);
            }
            Value::Array(a.into_iter().map(|x| subst_json(x, named)).collect())
        }
        other => other,
    }
}

fn first_error(results: &[Value]) -> String {
    results
        .iter()
        .find(|r| r.get("error").is_some())
        .map(error_text)
        .unwrap_or_else(|| "unexpected reply".into())
}

/// ovsdb's rendering of an error object: `{"details":...,"error":...}` with sorted keys.
fn error_text(v: &Value) -> String {
    let mut m: BTreeMap<String, Value> = BTreeMap::new();
    if let Some(o) = v.as_object() {
        for (k, v) in o {
            m.insert(k.clone(), v.clone());
        }
    }
    serde_json::to_string(&m).unwrap_or_default()
}

/// The index of the failed operation (or of the commit, one past the last) and the error.
fn find_error(results: &[Value], n_ops: usize) -> Option<(usize, String)> {
    for (i, r) in results.iter().enumerate() {
        if r.get("error").is_some_and(|e| !e.is_null()) {
            return Some((i, error_text(r)));
        }
    }
    if results.len() < n_ops {
        return Some((results.len(), "transaction aborted".into()));
    }
    None
}
