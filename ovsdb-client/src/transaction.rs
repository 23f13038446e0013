//! Typed transactions (RFC 7047 §4.1.3, §5.2): build operations, then commit.
//!
//! ```no_run
//! # async fn f(client: ovsdb_client::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use ovn_nb::{LogicalSwitch, LogicalSwitchPort, OvnNorthboundDb};
//! let mut txn = client.transaction::<OvnNorthboundDb>();
//! let port = txn.insert(LogicalSwitchPort { name: "p1".into(), ..Default::default() });
//! txn.mutate::<LogicalSwitch>([LogicalSwitch::NAME.eq("ls0")], [LogicalSwitch::PORTS.insert(port.clone())]);
//! txn.comment("lsp-add ls0 p1");
//! let outcome = txn.commit().await?;
//! println!("p1 is {:?}", outcome.uuid(&port));
//! # Ok(()) }
//! ```
//!
//! # Behaviour
//! - **Own writes.** [`Transaction::commit`] returns only after every replica of the same client
//!   and database holds the write, also when the transaction waited for a new session (a
//!   replica that re-monitors after the reconnect is waited for until it is current), so a
//!   committed write is visible in those replicas (see [`crate::replica`]). The same holds for a
//!   failed commit (so a retry reads fresh rows).
//! - **Retries.** [`Client::transact_with_retry`] rebuilds on conflicts ([`Error::is_conflict`])
//!   and reports the attempts; after [`Error::OutcomeUnknown`] see its docs for an idempotent
//!   retry.
//! - **Disconnects.** A transaction not yet sent is sent on the next session; one whose reply
//!   was lost fails with [`Error::OutcomeUnknown`] and is never replayed.
//! - **Sets and maps** are edited with `mutate` ([`Transaction::mutate`],
//!   [`Transaction::update_row`]), never by rewriting the whole column, so concurrent edits of
//!   other elements are kept and large sets are not resent.

use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::time::Duration;

use ovsdb_proto::method::{Method, Transact};
use ovsdb_proto::op::{Delete, Insert, Mutate, Select, Update, Wait, WaitUntil};
use ovsdb_proto::{
    Atom, Condition, Database, Datum, DiffKind, Mutation, Mutator, NamedUuid, Operation, OperationResult,
    Ref, Row, Table, TransactReply, Uuid, UuidRef,
};
use tokio::time::Instant;

use crate::client::Client;
use crate::error::Error;
use crate::replica::{Record, ReplicaError, TableSpec};

/// Operations on database `D`, committed as one transaction (from [`Client::transaction`]).
pub struct Transaction<D> {
    client: Client,
    ops: Vec<Operation>,
    /// Named-uuid to the index of its insert operation.
    named: BTreeMap<NamedUuid, usize>,
    _db: PhantomData<fn() -> D>,
}

impl<D> std::fmt::Debug for Transaction<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction")
            .field("ops", &self.ops)
            .finish_non_exhaustive()
    }
}

/// The result of a committed transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    results: Vec<OperationResult>,
    named: BTreeMap<NamedUuid, usize>,
}

impl Outcome {
    /// The UUID of a row: the one the server gave an inserted row (for a [`Ref`] returned by
    /// [`Transaction::insert`]), or the reference's own UUID.
    pub fn uuid<T>(&self, r: &Ref<T>) -> Option<Uuid> {
        self.uuid_of(r.target())
    }

    /// As [`Outcome::uuid`], untyped (for [`DynamicTransaction::insert`]).
    pub fn uuid_of(&self, r: &UuidRef) -> Option<Uuid> {
        let name = match r {
            UuidRef::Uuid(u) => return Some(*u),
            UuidRef::Named(n) => n,
        };
        let i = *self.named.get(name)?;
        match self.results.get(i)? {
            OperationResult::Insert { uuid } => Some(*uuid),
            _ => None,
        }
    }

    /// One result per operation, in order.
    pub fn results(&self) -> &[OperationResult] {
        &self.results
    }
}

impl Client {
    /// Starts a transaction on database `D`.
    pub fn transaction<D: Database>(&self) -> Transaction<D> {
        Transaction {
            client: self.clone(),
            ops: Vec::new(),
            named: BTreeMap::new(),
            _db: PhantomData,
        }
    }

    /// `transact` that returns once the replicas on the session applied the updates sent before
    /// the reply (see the [module docs](crate::transaction)).
    ///
    /// # Errors
    /// As [`Client::transact_reply`].
    pub async fn transact_synced(
        &self,
        db: &str,
        operations: Vec<Operation>,
    ) -> Result<TransactReply, Error> {
        let txn = Transact::new(db, operations);
        let result = self.transact_synced_raw(txn.params_json()).await?;
        Transact::decode_output(&txn, result).map_err(|source| Error::Decode {
            method: Transact::NAME,
            source,
        })
    }

    /// [`Client::transact_synced`] with the request's `params` (`[DB, OP...]`, RFC 7047
    /// §4.1.3) and the reply's `result` as JSON, undecoded: for a relay passing a client's
    /// transaction on. An error reply is [`Error::Rpc`].
    ///
    /// # Errors
    /// As [`Client::transact_reply`].
    pub async fn transact_synced_raw(&self, params: serde_json::Value) -> Result<serde_json::Value, Error> {
        let shared = self.shared();
        let timeout = shared.config.request_timeout;
        let deadline = Instant::now() + timeout;
        let mut last = None;
        loop {
            let Some(session) = shared.next_session(last, deadline).await else {
                return Err(if shared.is_shut_down() {
                    Error::Shutdown
                } else {
                    Error::Timeout {
                        method: Transact::NAME.to_owned(),
                        timeout,
                        sent: false,
                    }
                });
            };
            let remaining = deadline.saturating_duration_since(Instant::now());
            match session
                .rpc
                .with_timeout(remaining)
                .request(Transact::NAME, params.clone())
                .await
            {
                Ok(reply) => {
                    // At least a second to let the replicas catch up, even when the reply
                    // came late.
                    let sync_deadline = deadline.max(Instant::now() + Duration::from_secs(1));
                    let db = params.get(0).and_then(|d| d.as_str());
                    if !shared
                        .sync_replicas(db, &session, reply.notifications_before, sync_deadline)
                        .await
                    {
                        tracing::warn!(
                            "transaction committed, but a replica did not catch up with it in time"
                        );
                    }
                    return Ok(reply.result);
                }
                Err(Error::Disconnected { .. }) => last = Some(session.id),
                Err(Error::Timeout { sent, .. }) => {
                    return Err(Error::Timeout {
                        method: Transact::NAME.to_owned(),
                        timeout,
                        sent,
                    });
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Builds and commits a transaction on `D`, building it again when it failed on a conflict
    /// ([`Error::is_conflict`]: a `wait` operation found a row changed since it was read;
    /// optimistic concurrency, as the C IDL's `TXN_TRY_AGAIN`), at most `max_attempts` times
    /// (at least once).
    ///
    /// `build` gets a fresh, empty transaction on each attempt and returns a future that
    /// fills it and gives it back with a value: `|mut txn| async move { ...; (txn, value) }`.
    /// The future may await (e.g. [`Replica::wait_current`](crate::replica::Replica::wait_current))
    /// and should read the rows it changes from a replica and guard them with
    /// [`Transaction::wait_unchanged`]. The replicas of this client already hold what made the
    /// previous attempt fail when `build` runs again (a failed commit also waits for them). The
    /// value comes back resolved ([`Resolve`]): a [`Ref`] it inserted becomes the row's UUID.
    /// (The transaction is passed by value rather than as `&mut` to an async closure so that
    /// the whole call stays `Send` and can run in `tokio::spawn`.)
    ///
    /// ```no_run
    /// # async fn f(client: ovsdb_client::Client, nb: ovsdb_client::Replica<ovn_nb::OvnNorthboundDb>)
    /// # -> Result<(), ovsdb_client::Error> {
    /// use ovn_nb::{LogicalSwitch, OvnNorthboundDb};
    /// let done = client
    ///     .transact_with_retry::<OvnNorthboundDb, _, _>(10, |mut txn| async {
    ///         let ls0 = nb.read().table::<LogicalSwitch>().iter().find(|r| r.name == "ls0").cloned();
    ///         let port = txn.insert(ovn_nb::LogicalSwitchPort { name: "p1".into(), ..Default::default() });
    ///         if let Some(ls0) = ls0 {
    ///             let mut new = ls0.row.clone();
    ///             new.ports.insert(port.clone());
    ///             txn.wait_unchanged(&ls0);
    ///             txn.update_row(&ls0, &new);
    ///         }
    ///         (txn, port)
    ///     })
    ///     .await?;
    /// println!("p1 is {:?}, after {} attempt(s)", done.value, done.attempts);
    /// # Ok(()) }
    /// ```
    ///
    /// # After [`Error::OutcomeUnknown`]
    /// A transaction whose reply was lost may or may not have committed; nothing retries it for
    /// you. Make it idempotent and call again: `build` reads the replica (after
    /// [`wait_current`](crate::replica::Replica::wait_current), the replica holds whatever was
    /// committed before the new session), adds nothing if the change is there, and otherwise
    /// guards its insert with a `wait` that the row is still absent, so a replica that lags
    /// cannot cause a second insert:
    ///
    /// ```no_run
    /// # async fn f(client: ovsdb_client::Client, nb: ovsdb_client::Replica<ovn_nb::OvnNorthboundDb>)
    /// # -> Result<(), ovsdb_client::Error> {
    /// use std::time::Duration;
    /// use ovn_nb::{LogicalSwitch, OvnNorthboundDb};
    /// use ovsdb_client::{Ref, WaitUntil};
    /// let mut add = |mut txn: ovsdb_client::Transaction<OvnNorthboundDb>| async {
    ///     let found = nb.read().table::<LogicalSwitch>().iter().find(|r| r.name == "ls1").map(|r| r.uuid);
    ///     if let Some(uuid) = found {
    ///         return (txn, Ref::new(uuid)); // committed by an earlier call
    ///     }
    ///     // Fails (a conflict, retried) if another writer or a lost attempt created it meanwhile.
    ///     txn.wait::<LogicalSwitch>([LogicalSwitch::NAME.eq("ls1")], &["name"], WaitUntil::Equal, vec![], Some(0));
    ///     let r = txn.insert(LogicalSwitch { name: "ls1".into(), ..Default::default() });
    ///     (txn, r)
    /// };
    /// let uuid = loop {
    ///     match client.transact_with_retry(10, &mut add).await {
    ///         Ok(done) => break done.value,
    ///         Err(e) if e.is_outcome_unknown() => {
    ///             nb.wait_current(Duration::from_secs(30)).await.ok();
    ///         }
    ///         Err(e) => return Err(e),
    ///     }
    /// };
    /// # let _ = uuid; Ok(()) }
    /// ```
    ///
    /// # Errors
    /// The last attempt's error when it was a conflict; any other error at once.
    pub async fn transact_with_retry<D, V, Fut>(
        &self,
        max_attempts: usize,
        mut build: impl FnMut(Transaction<D>) -> Fut,
    ) -> Result<RetryOutcome<V::Output>, Error>
    where
        D: Database,
        V: Resolve,
        Fut: std::future::Future<Output = (Transaction<D>, V)>,
    {
        let mut attempts = 0usize;
        loop {
            attempts += 1;
            let (txn, value) = build(self.transaction::<D>()).await;
            match txn.commit().await {
                Err(e) if attempts < max_attempts && e.is_conflict() => {
                    // A short, growing, jittered pause lets competing writers through.
                    let jitter = {
                        use std::hash::{BuildHasher, Hasher};
                        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
                        h.write_usize(attempts);
                        h.finish() % 5
                    };
                    let ms = (attempts as u64).min(20) + jitter;
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                }
                Err(e) => return Err(e),
                Ok(outcome) => {
                    return Ok(RetryOutcome {
                        value: value.resolve(&outcome),
                        outcome,
                        attempts,
                    });
                }
            }
        }
    }
}

/// What [`Client::transact_with_retry`] returns.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RetryOutcome<V> {
    /// What the last attempt's `build` returned, resolved against the outcome ([`Resolve`]).
    pub value: V,
    /// The committed transaction's results.
    pub outcome: Outcome,
    /// How many times the transaction was built and sent (1 when the first commit succeeded).
    pub attempts: usize,
}

/// A value returned by a [`Client::transact_with_retry`] closure, made final by the committed
/// transaction: a [`Ref`] (or [`UuidRef`]) becomes the row's UUID ([`Outcome::uuid`]; `None`
/// only for a named reference that no insert of this transaction declared); containers resolve
/// their elements; plain values are kept ([`Plain`] keeps any other type).
pub trait Resolve {
    /// The resolved value.
    type Output;
    /// Resolves `self` with the committed transaction's outcome.
    fn resolve(self, outcome: &Outcome) -> Self::Output;
}

/// Wraps any value to return it unchanged from a [`Client::transact_with_retry`] closure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Plain<T>(pub T);

impl<T> Resolve for Plain<T> {
    type Output = T;
    fn resolve(self, _: &Outcome) -> T {
        self.0
    }
}

impl<T> Resolve for Ref<T> {
    type Output = Option<Uuid>;
    fn resolve(self, outcome: &Outcome) -> Option<Uuid> {
        outcome.uuid(&self)
    }
}

impl Resolve for UuidRef {
    type Output = Option<Uuid>;
    fn resolve(self, outcome: &Outcome) -> Option<Uuid> {
        outcome.uuid_of(&self)
    }
}

impl<R: Resolve> Resolve for Option<R> {
    type Output = Option<R::Output>;
    fn resolve(self, outcome: &Outcome) -> Self::Output {
        self.map(|r| r.resolve(outcome))
    }
}

impl<R: Resolve> Resolve for Vec<R> {
    type Output = Vec<R::Output>;
    fn resolve(self, outcome: &Outcome) -> Self::Output {
        self.into_iter().map(|r| r.resolve(outcome)).collect()
    }
}

macro_rules! resolve_plain {
    ($($t:ty),*) => {$(
        impl Resolve for $t {
            type Output = $t;
            fn resolve(self, _: &Outcome) -> $t { self }
        }
    )*};
}
resolve_plain!((), bool, i64, u64, usize, String, Uuid);

macro_rules! resolve_tuple {
    ($($n:tt $t:ident),*) => {
        impl<$($t: Resolve),*> Resolve for ($($t,)*) {
            type Output = ($($t::Output,)*);
            fn resolve(self, outcome: &Outcome) -> Self::Output {
                ($(self.$n.resolve(outcome),)*)
            }
        }
    };
}
resolve_tuple!(0 A, 1 B);
resolve_tuple!(0 A, 1 B, 2 C);
resolve_tuple!(0 A, 1 B, 2 C, 3 E);

fn uuid_is(uuid: Uuid) -> Vec<Condition> {
    vec![Condition::eq("_uuid", Datum::scalar(Atom::Uuid(uuid)))]
}

impl<D: Database> Transaction<D> {
    /// Inserts `row`; returns a reference (a named-uuid, RFC 7047 §5.1) usable in later
    /// operations of this transaction and, with [`Outcome::uuid`], the row's UUID afterwards.
    pub fn insert<T: Table<Db = D>>(&mut self, row: T) -> Ref<T> {
        let name = match NamedUuid::new(format!("row{}", self.ops.len())) {
            Ok(n) => n,
            // "row" followed by digits is always a valid id.
            Err(_) => return Ref::default(),
        };
        self.named.insert(name.clone(), self.ops.len());
        self.ops.push(Operation::Insert(
            Insert::new(T::TABLE_NAME, row.to_row()).uuid_name(name.clone()),
        ));
        Ref::named(name)
    }

    /// Sets columns of the rows of `T` matching every condition of `where_` (RFC 7047 §5.2.4).
    /// Build the pairs with the generated columns: `LogicalSwitch::NAME.value("ls1")`.
    pub fn update<T: Table<Db = D>>(
        &mut self,
        where_: impl IntoIterator<Item = Condition>,
        columns: impl IntoIterator<Item = (&'static str, Datum)>,
    ) {
        let row: Row = columns.into_iter().map(|(c, d)| (c.to_owned(), d)).collect();
        self.ops
            .push(Operation::Update(Update::new(T::TABLE_NAME, where_, row)));
    }

    /// Turns row `old` (as read from a replica) into `new`: changed single-valued columns with
    /// one `update`, changed sets and maps with one `mutate` inserting and deleting only the
    /// elements that differ. Nothing is added when nothing changed.
    pub fn update_row<T: Table<Db = D>>(&mut self, old: &Record<T>, new: &T) {
        let schema = D::schema().table(T::TABLE_NAME);
        let (old_row, new_row) = (old.row.to_row(), new.to_row());
        let mut set = Row::new();
        let mut mutations = Vec::new();
        for (column, n) in new_row.iter() {
            let o = old_row.get(column);
            if o == Some(n) {
                continue;
            }
            let kind = schema
                .and_then(|s| s.columns.get(column))
                .map_or(DiffKind::Value, |c| DiffKind::of(&c.type_));
            match (kind, o) {
                (DiffKind::Set, Some(o)) => {
                    if let (Some(os), Some(ns)) = (o.as_set(), n.as_set()) {
                        let del: Vec<Atom> = os.difference(ns).cloned().collect();
                        let ins: Vec<Atom> = ns.difference(os).cloned().collect();
                        if !del.is_empty() {
                            mutations.push(Mutation::new(column.clone(), Mutator::Delete, Datum::set(del)));
                        }
                        if !ins.is_empty() {
                            mutations.push(Mutation::new(column.clone(), Mutator::Insert, Datum::set(ins)));
                        }
                    }
                }
                (DiffKind::Map, Some(o)) => {
                    if let (Some(om), Some(nm)) = (o.as_map(), n.as_map()) {
                        // Keys removed or changed are deleted, then the new pairs inserted
                        // (mutations apply in order; "insert" never replaces a key).
                        let del: Vec<Atom> = om
                            .iter()
                            .filter(|(k, v)| nm.get(*k) != Some(*v))
                            .map(|(k, _)| k.clone())
                            .collect();
                        let ins: Vec<(Atom, Atom)> = nm
                            .iter()
                            .filter(|(k, v)| om.get(*k) != Some(*v))
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect();
                        if !del.is_empty() {
                            mutations.push(Mutation::new(column.clone(), Mutator::Delete, Datum::set(del)));
                        }
                        if !ins.is_empty() {
                            mutations.push(Mutation::new(column.clone(), Mutator::Insert, Datum::map(ins)));
                        }
                    }
                }
                _ => {
                    set.insert(column.clone(), n.clone());
                }
            }
        }
        if !set.is_empty() {
            self.ops.push(Operation::Update(Update::new(
                T::TABLE_NAME,
                uuid_is(old.uuid),
                set,
            )));
        }
        if !mutations.is_empty() {
            self.ops.push(Operation::Mutate(Mutate::new(
                T::TABLE_NAME,
                uuid_is(old.uuid),
                mutations,
            )));
        }
    }

    /// Applies `mutations` (RFC 7047 §5.2.5) to the rows of `T` matching `where_`: set and map
    /// edits (`PORTS.insert(..)`), counters (`NB_CFG.increment(1)`).
    pub fn mutate<T: Table<Db = D>>(
        &mut self,
        where_: impl IntoIterator<Item = Condition>,
        mutations: impl IntoIterator<Item = Mutation>,
    ) {
        self.ops
            .push(Operation::Mutate(Mutate::new(T::TABLE_NAME, where_, mutations)));
    }

    /// Deletes the rows of `T` matching `where_` (RFC 7047 §5.2.6).
    pub fn delete<T: Table<Db = D>>(&mut self, where_: impl IntoIterator<Item = Condition>) {
        self.ops
            .push(Operation::Delete(Delete::new(T::TABLE_NAME, where_)));
    }

    /// Deletes one row by UUID.
    pub fn delete_row<T: Table<Db = D>>(&mut self, uuid: Uuid) {
        self.delete::<T>(uuid_is(uuid));
    }

    /// Reads rows of `T` (RFC 7047 §5.2.2); the rows are in [`Outcome::results`].
    pub fn select<T: Table<Db = D>>(&mut self, where_: impl IntoIterator<Item = Condition>) {
        self.ops
            .push(Operation::Select(Select::new(T::TABLE_NAME, where_)));
    }

    /// A `wait` operation (RFC 7047 §5.2.7) on `T`: the transaction waits until the rows
    /// matching `where_`, projected on `columns`, are (`until` [`WaitUntil::Equal`]) or are not
    /// exactly `rows`, at most `timeout_ms` (`Some(0)`: fail at once).
    pub fn wait<T: Table<Db = D>>(
        &mut self,
        where_: impl IntoIterator<Item = Condition>,
        columns: &[&str],
        until: WaitUntil,
        rows: Vec<Row>,
        timeout_ms: Option<u64>,
    ) {
        let mut w = Wait::new(
            T::TABLE_NAME,
            where_,
            Some(columns.iter().map(|c| (*c).to_owned()).collect()),
            until,
            rows,
        );
        w.timeout = timeout_ms;
        self.ops.push(Operation::Wait(w));
    }

    /// Fails the transaction (with `timed out` at this operation, which
    /// [`Client::transact_with_retry`] retries) unless row `rec` still has the values read from
    /// the replica in every column of the model. Use [`Transaction::wait_unchanged_columns`]
    /// when the replica monitors only some columns.
    pub fn wait_unchanged<T: Table<Db = D>>(&mut self, rec: &Record<T>) {
        self.wait_unchanged_columns(rec, T::COLUMNS);
    }

    /// As [`Transaction::wait_unchanged`], checking only `columns`.
    pub fn wait_unchanged_columns<T: Table<Db = D>>(&mut self, rec: &Record<T>, columns: &[&str]) {
        let full = rec.row.to_row();
        let row: Row = columns
            .iter()
            .filter_map(|c| full.get(c).map(|d| ((*c).to_owned(), d.clone())))
            .collect();
        self.wait::<T>(uuid_is(rec.uuid), columns, WaitUntil::Equal, vec![row], Some(0));
    }

    /// A `comment` (RFC 7047 §5.2.9), written to the server's log.
    pub fn comment(&mut self, text: impl Into<String>) {
        self.ops.push(Operation::comment(text));
    }

    /// An `assert` (RFC 7047 §5.2.10): the transaction fails with `not owner` unless this
    /// session holds `lock`.
    pub fn assert_lock(&mut self, lock: impl Into<String>) {
        self.ops.push(Operation::assert(lock));
    }

    /// Adds any operation (untyped escape hatch).
    pub fn push(&mut self, op: Operation) {
        self.ops.push(op);
    }

    /// The operations so far.
    pub fn operations(&self) -> &[Operation] {
        &self.ops
    }

    /// Whether no operation was added.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Commits.
    ///
    /// # Cancel safety
    /// Dropping the future after the request was sent does not roll the transaction back.
    ///
    /// # Errors
    /// [`Error::Transaction`] (which operation failed, and why; nothing was committed),
    /// [`Error::OutcomeUnknown`] (the connection was lost after sending), [`Error::Timeout`].
    pub async fn commit(self) -> Result<Outcome, Error> {
        let reply = self.client.transact_synced(D::NAME, self.ops).await?;
        let results = reply.into_result().map_err(|e| Error::Transaction(Box::new(e)))?;
        Ok(Outcome {
            results,
            named: self.named,
        })
    }

    /// Commits with the configuration-sequence protocol: increments `wait.counter` in
    /// `wait.table` in the same transaction, then waits (at most `timeout`) until
    /// `wait.applied` there reaches the new value: `ovn-nbctl --wait=sb|hv`
    /// ([`CfgWait::SB`], [`CfgWait::HV`]) and `ovs-vsctl`'s wait for ovs-vswitchd
    /// ([`CfgWait::VSWITCHD`]). Without a row in the table nothing is waited for.
    ///
    /// # Errors
    /// [`CfgWaitError::Commit`], [`CfgWaitError::Timeout`] (the transaction was committed),
    /// [`CfgWaitError::Replica`].
    pub async fn commit_and_wait(
        mut self,
        wait: CfgWait,
        timeout: Duration,
    ) -> Result<Outcome, CfgWaitError> {
        let started = Instant::now();
        self.ops.push(Operation::Mutate(Mutate::new(
            wait.table,
            [],
            [Mutation::new(wait.counter, Mutator::Add, Datum::scalar(1))],
        )));
        self.ops.push(Operation::Select(
            Select::new(wait.table, []).columns([wait.counter]),
        ));
        let client = self.client.clone();
        let outcome = self.commit().await.map_err(CfgWaitError::Commit)?;
        let target = match outcome.results.last() {
            Some(OperationResult::Select { rows }) => rows
                .iter()
                .filter_map(|r| r.get(wait.counter)?.as_scalar().cloned())
                .find_map(|a| match a {
                    Atom::Integer(i) => Some(i),
                    _ => None,
                }),
            _ => None,
        };
        let Some(target) = target else {
            return Ok(outcome);
        };
        let remaining = timeout.saturating_sub(started.elapsed());
        client
            .wait_cfg(D::NAME, wait, target, remaining)
            .await
            .map(|_| outcome)
    }
}

/// A configuration-sequence wait ([`Transaction::commit_and_wait`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CfgWait {
    /// The table with the counters (one row).
    pub table: &'static str,
    /// The column the client increments.
    pub counter: &'static str,
    /// The column the daemons set once they applied that configuration.
    pub applied: &'static str,
}

impl CfgWait {
    /// `ovn-nbctl --wait=sb`: `NB_Global.nb_cfg` applied to the southbound database by
    /// ovn-northd (`sb_cfg`).
    pub const SB: CfgWait = CfgWait {
        table: "NB_Global",
        counter: "nb_cfg",
        applied: "sb_cfg",
    };
    /// `ovn-nbctl --wait=hv`: applied by every chassis (`hv_cfg`).
    pub const HV: CfgWait = CfgWait {
        table: "NB_Global",
        counter: "nb_cfg",
        applied: "hv_cfg",
    };
    /// `ovs-vsctl` (without `--no-wait`): `Open_vSwitch.next_cfg` applied by ovs-vswitchd
    /// (`cur_cfg`).
    pub const VSWITCHD: CfgWait = CfgWait {
        table: "Open_vSwitch",
        counter: "next_cfg",
        applied: "cur_cfg",
    };
}

/// Why [`Transaction::commit_and_wait`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CfgWaitError {
    /// The transaction failed (see [`Transaction::commit`]).
    #[error(transparent)]
    Commit(Error),
    /// The transaction was committed, but `applied` did not reach `target` in time (the daemon
    /// is down or slow).
    #[error("committed, but {table}.{column} did not reach {target} within {} (last seen {last:?})", crate::error::HumanDuration(*timeout))]
    Timeout {
        /// The table.
        table: &'static str,
        /// The column waited on.
        column: &'static str,
        /// The value waited for.
        target: i64,
        /// The last value seen.
        last: Option<i64>,
        /// The bound.
        timeout: Duration,
    },
    /// Following the column failed.
    #[error("committed, but following the applied configuration failed: {0}")]
    Replica(#[source] ReplicaError),
}

impl Client {
    /// Waits until `wait.applied` of a row of `wait.table` in `db` is at least `target`.
    ///
    /// # Errors
    /// [`CfgWaitError::Timeout`], [`CfgWaitError::Replica`].
    pub async fn wait_cfg(
        &self,
        db: &str,
        wait: CfgWait,
        target: i64,
        timeout: Duration,
    ) -> Result<i64, CfgWaitError> {
        let deadline = Instant::now() + timeout;
        let replica = self
            .dynamic_replica(db)
            .table_with(wait.table, TableSpec::default().columns([wait.applied]))
            .sync_timeout(timeout)
            .start()
            .await
            .map_err(|e| match e {
                ReplicaError::Timeout(_) => CfgWaitError::Timeout {
                    table: wait.table,
                    column: wait.applied,
                    target,
                    last: None,
                    timeout,
                },
                e => CfgWaitError::Replica(e),
            })?;
        let mut events = replica.subscribe(wait.table);
        let current = || -> Option<i64> {
            let read = replica.read();
            read.table(wait.table)
                .iter()
                .filter_map(|r| match r.get(wait.applied)?.as_scalar()? {
                    Atom::Integer(i) => Some(*i),
                    _ => None,
                })
                .max()
        };
        loop {
            let last = current();
            if let Some(v) = last
                && v >= target
            {
                return Ok(v);
            }
            match tokio::time::timeout_at(deadline, events.recv()).await {
                Ok(Some(_)) => {}
                Ok(None) => return Err(CfgWaitError::Replica(ReplicaError::Stopped)),
                Err(_) => {
                    return Err(CfgWaitError::Timeout {
                        table: wait.table,
                        column: wait.applied,
                        target,
                        last,
                        timeout,
                    });
                }
            }
        }
    }
}

/// An untyped transaction on any database by name (from [`Client::dynamic_transaction`]), for
/// tools and for schemas without generated bindings. Same commit behaviour as [`Transaction`].
#[derive(Debug)]
pub struct DynamicTransaction {
    client: Client,
    db: String,
    ops: Vec<Operation>,
    named: BTreeMap<NamedUuid, usize>,
}

impl Client {
    /// Starts an untyped transaction on database `db`.
    pub fn dynamic_transaction(&self, db: &str) -> DynamicTransaction {
        DynamicTransaction {
            client: self.clone(),
            db: db.to_owned(),
            ops: Vec::new(),
            named: BTreeMap::new(),
        }
    }
}

impl DynamicTransaction {
    /// Inserts `row` into `table`; returns a reference to it (a named-uuid, usable in later
    /// operations as `Atom::NamedUuid`; its UUID afterwards from [`Outcome::uuid_of`]).
    pub fn insert(&mut self, table: &str, row: Row) -> UuidRef {
        let Ok(name) = NamedUuid::new(format!("row{}", self.ops.len())) else {
            // "row" followed by digits is always a valid id; never reached.
            self.ops.push(Operation::Insert(Insert::new(table, row)));
            return UuidRef::Uuid(Uuid::nil());
        };
        self.named.insert(name.clone(), self.ops.len());
        self.ops
            .push(Operation::Insert(Insert::new(table, row).uuid_name(name.clone())));
        UuidRef::Named(name)
    }

    /// Adds any operation.
    pub fn push(&mut self, op: Operation) {
        self.ops.push(op);
    }

    /// The operations so far.
    pub fn operations(&self) -> &[Operation] {
        &self.ops
    }

    /// Commits (see [`Transaction::commit`]).
    ///
    /// # Errors
    /// As [`Transaction::commit`].
    pub async fn commit(self) -> Result<Outcome, Error> {
        let reply = self.client.transact_synced(&self.db, self.ops).await?;
        let results = reply.into_result().map_err(|e| Error::Transaction(Box::new(e)))?;
        Ok(Outcome {
            results,
            named: self.named,
        })
    }
}
