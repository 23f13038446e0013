//! Replicas: local copies of tables that follow the server (ovsdb-server(7) §4.1.12–4.1.16).
//!
//! ```no_run
//! # async fn f(client: ovsdb_client::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use ovn_nb::{LogicalSwitch, LogicalSwitchPort, OvnNorthboundDb};
//! let nb = client
//!     .replica::<OvnNorthboundDb>()
//!     .table::<LogicalSwitch>()
//!     .table::<LogicalSwitchPort>()
//!     .start()
//!     .await?;
//! let read = nb.read();
//! if let Some(p1) = read.table::<LogicalSwitchPort>().get_by(LogicalSwitchPort::BY_NAME, &"p1".into()) {
//!     let switches: Vec<_> = read.table::<LogicalSwitch>().referencing(LogicalSwitch::PORTS, p1.uuid).collect();
//!     println!("p1 is on {} switch(es)", switches.len());
//! }
//! # Ok(()) }
//! ```
//!
//! # Guarantees
//! - **Monitor.** Each session uses `monitor_cond_since` with the last transaction id seen (from
//!   the monitor reply and every `update3`), falling back to `monitor_cond`, then `monitor`, when
//!   the server answers `unknown method`. Only the columns both the compiled model and the
//!   server's schema have are requested (the server's schema is fetched on every session).
//! - **Resume or replace.** After a reconnect, when the server says `found`, only the missed
//!   changes are applied; otherwise the whole replica is rebuilt aside from the snapshot and
//!   swapped in at once (never half-empty), and each table's event stream gets the difference
//!   followed by [`Event::Resynced`].
//! - **Atomic, consistent.** Each notification is decoded completely before anything is changed,
//!   then applied under one write lock; [`Replica::read`] holds a read lock over all tables. A
//!   notification that does not apply (bad data) changes nothing and triggers a resync.
//! - **Own writes.** A transaction committed through the same [`Client`]
//!   ([`Client::transaction`]) returns only after every replica of its database holds it: a
//!   replica current on the reply's session has applied the updates the server sent before the
//!   reply (ovsdb-server sends a transaction's updates before its reply); a replica that is
//!   connecting or syncing (a reconnect: the queued transaction may reach the server before the
//!   replica's monitor) is waited for until it is [`ReplicaState::Current`] on that session or
//!   a later one, whose snapshot includes the write. Stopped replicas are not waited for; the
//!   wait is bounded by the request deadline.
//! - **State.** [`ReplicaStatus::state`] is Connecting / Syncing / Current with the session;
//!   [`Replica::wait_current`] waits for Current (see [`ReplicaState`] for the order of state
//!   changes and events during a resync).
//! - **Names.** An untyped replica of a table (or column) the server's schema lacks fails with
//!   [`ReplicaError::UnknownTable`] ([`ReplicaError::UnknownColumn`]) listing what it has; a
//!   typed table the server lacks (a model newer than the server) stays empty.
//! - **Schema changes.** On `monitor_canceled` (online conversion, change-aware sessions) the
//!   schema is re-fetched and the tables re-monitored and resynced.
//! - **Conditions.** [`Replica::set_conditions`] sends `monitor_cond_change`; the latest
//!   conditions are used for every later session. With the plain `monitor` fallback conditions
//!   cannot be sent and every row is replicated.
//! - **Events** go to per-table broadcast channels of [`EVENT_CAPACITY`] events; a subscriber
//!   that falls further behind gets [`Event::Resynced`] instead of the events it missed, so
//!   memory stays bounded.

mod follow;
mod store;

use std::collections::BTreeMap;
use std::hash::Hash;
use std::marker::PhantomData;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use ovsdb_proto::{Column, Condition, Database, Datum, IntoDatum, Ref, Table, UniqueIndex, Uuid};
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::task::JoinHandle;

pub use store::{ApplyError, ApplyErrorKind, DynamicRow, Event, Model, Record, Referrer};

pub use store::EVENT_CAPACITY;
use store::{AnyTable, ClientIndexImpl, Snapshot, TableStore};

use crate::client::Client;
use crate::error::Error;

/// Which monitor method a replica uses (the best one the server accepts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MonitorMethod {
    /// ovsdb-server(7) §4.1.15 `monitor_cond_since` (resumable).
    MonitorCondSince,
    /// ovsdb-server(7) §4.1.12 `monitor_cond`.
    MonitorCond,
    /// RFC 7047 §4.1.5 `monitor`.
    Monitor,
}

impl MonitorMethod {
    /// The wire method name.
    pub fn as_str(self) -> &'static str {
        match self {
            MonitorMethod::MonitorCondSince => "monitor_cond_since",
            MonitorMethod::MonitorCond => "monitor_cond",
            MonitorMethod::Monitor => "monitor",
        }
    }
}

/// Why a replica stopped or a request to it failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ReplicaError {
    /// The server's snapshot does not apply to the model, three times in a row.
    #[error("replica: {0}")]
    Apply(#[source] ApplyError),
    /// The server refused a request (unknown database, bad condition...).
    #[error("replica: {0}")]
    Client(#[source] Arc<Error>),
    /// The client was shut down or the replica dropped.
    #[error("replica stopped: the client was shut down")]
    Stopped,
    /// [`Replica::wait_synced`] or [`Replica::wait_current`] ran out of time.
    #[error("replica not synchronised within {}", crate::error::HumanDuration(*.0))]
    Timeout(std::time::Duration),
    /// The replica was started without any table.
    #[error("replica of {db}: no tables to follow (add some with .table())")]
    NoTables {
        /// The database.
        db: String,
    },
    /// An untyped replica asked for a table the server's schema does not have (typed replicas
    /// leave a table of a newer model than the server empty instead).
    #[error("replica of {db}: no table {table:?} in the server's schema (tables: {})", tables.join(", "))]
    UnknownTable {
        /// The database.
        db: String,
        /// The table asked for.
        table: String,
        /// The tables the schema has.
        tables: Vec<String>,
    },
    /// A column asked for ([`TableSpec::columns`]) is not in the table (the server's schema for
    /// an untyped replica, the model for a typed one).
    #[error("replica: table {table:?} has no column {column:?} (columns: {})", columns.join(", "))]
    UnknownColumn {
        /// The table.
        table: String,
        /// The column asked for.
        column: String,
        /// The columns the table has.
        columns: Vec<String>,
    },
}

/// Where a replica stands with respect to the server ([`ReplicaStatus::state`]).
///
/// Sessions are the client's ([`ConnectionState::Connected`](crate::ConnectionState::Connected)
/// `session`), numbered from 1; a new number means a new connection.
///
/// Order during a (re)synchronisation: the state becomes `Syncing` before the monitor request
/// is sent; the snapshot is swapped in and its events (the differences, then
/// [`Event::Resynced`]) are sent; only then does the state become `Current`. So once
/// [`Replica::wait_current`] returns, the replica holds everything committed before the session
/// began and every event of the resync is queued in the subscribers' channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ReplicaState {
    /// Waiting for a session (not started yet, or the last session ended). The data is the
    /// last state seen (empty before the first snapshot).
    #[default]
    Connecting,
    /// On `session`: fetching the schema and the monitor's snapshot (the first one, after a
    /// reconnect, or after `monitor_canceled`). The data is still the previous state.
    Syncing {
        /// The client session.
        session: u64,
    },
    /// The snapshot of `session` is applied and notifications are followed as they come: the
    /// replica holds every write committed before `session` began, and (through
    /// [`Transaction::commit`](crate::transaction::Transaction::commit)) the client's own writes.
    Current {
        /// The client session.
        session: u64,
    },
    /// Stopped for good ([`ReplicaStatus::error`] says why).
    Stopped,
}

/// What a replica is doing, from [`Replica::status`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ReplicaStatus {
    /// Connecting, syncing or current, with the session (see [`ReplicaState`]).
    pub state: ReplicaState,
    /// The client session the monitor is on, if any.
    pub session: Option<u64>,
    /// The monitor method in use (after the first snapshot).
    pub method: Option<MonitorMethod>,
    /// Snapshots applied whole (the first sync and every resync).
    pub snapshots: u64,
    /// Reconnects resumed with `found: true` (only the missed changes applied).
    pub resumes: u64,
    /// `monitor_canceled` notifications followed.
    pub canceled: u64,
    /// Notifications that did not apply and caused a resync.
    pub apply_errors: u64,
    /// The last transaction id seen (`monitor_cond_since` only).
    pub last_txn_id: Option<Uuid>,
    /// Set when the replica stopped for good.
    pub error: Option<ReplicaError>,
}

/// State shared by the handle and the follow task.
pub(crate) struct Core {
    store: RwLock<Snapshot>,
    status: watch::Sender<ReplicaStatus>,
}

impl Core {
    fn read_snapshot(&self) -> RwLockReadGuard<'_, Snapshot> {
        // Writers never leave the snapshot half-changed (commit cannot fail), so a poisoned
        // lock still holds a consistent state.
        self.store.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write_snapshot(&self) -> RwLockWriteGuard<'_, Snapshot> {
        self.store.write().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn update_status(&self, f: impl FnOnce(&mut ReplicaStatus)) {
        self.status.send_modify(f);
    }

    pub(crate) fn fail(&self, e: ReplicaError) {
        self.update_status(|s| {
            s.error = Some(e);
            s.state = ReplicaState::Stopped;
        });
    }
}

struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The parts shared by typed and untyped replicas.
#[derive(Clone)]
struct Handle {
    core: Arc<Core>,
    cmds: mpsc::UnboundedSender<follow::Command>,
    _task: Arc<AbortOnDrop>,
}

impl Handle {
    async fn wait_synced(&self, timeout: std::time::Duration) -> Result<(), ReplicaError> {
        let mut rx = self.core.status.subscribe();
        let wait = rx.wait_for(|s| s.snapshots > 0 || s.error.is_some());
        match tokio::time::timeout(timeout, wait).await {
            Err(_) => Err(ReplicaError::Timeout(timeout)),
            Ok(Err(_)) => Err(ReplicaError::Stopped),
            Ok(Ok(s)) => match &s.error {
                Some(e) if s.snapshots == 0 => Err(e.clone()),
                _ => Ok(()),
            },
        }
    }

    async fn wait_current(&self, timeout: std::time::Duration) -> Result<u64, ReplicaError> {
        let mut rx = self.core.status.subscribe();
        let wait = rx.wait_for(|s| matches!(s.state, ReplicaState::Current { .. } | ReplicaState::Stopped));
        match tokio::time::timeout(timeout, wait).await {
            Err(_) => Err(ReplicaError::Timeout(timeout)),
            Ok(Err(_)) => Err(ReplicaError::Stopped),
            Ok(Ok(s)) => match (s.state, &s.error) {
                (ReplicaState::Current { session }, _) => Ok(session),
                (_, Some(e)) => Err(e.clone()),
                _ => Err(ReplicaError::Stopped),
            },
        }
    }

    async fn set_conditions(
        &self,
        table: &str,
        conditions: Option<Vec<Condition>>,
    ) -> Result<(), ReplicaError> {
        let (done, rx) = oneshot::channel();
        self.cmds
            .send(follow::Command::SetConditions {
                table: table.to_owned(),
                conditions,
                done,
            })
            .map_err(|_| ReplicaError::Stopped)?;
        rx.await.map_err(|_| ReplicaError::Stopped)?
    }
}

/// One table in a builder: the empty store (with its client indexes) and what to monitor.
struct Entry {
    proto: Box<dyn AnyTable>,
    req: follow::TableReq,
}

/// Builds a [`Replica`] (from [`Client::replica`]): which tables, columns, conditions and client
/// indexes.
pub struct ReplicaBuilder<D> {
    client: Client,
    tables: BTreeMap<String, Entry>,
    sync_timeout: std::time::Duration,
    _db: PhantomData<fn() -> D>,
}

impl<D> std::fmt::Debug for ReplicaBuilder<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplicaBuilder")
            .field("tables", &self.tables.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// Conditions and columns for one table of a replica ([`ReplicaBuilder::table_with`]).
#[derive(Debug, Clone, Default)]
pub struct TableSpec {
    /// Columns to monitor (default: every column of the model that the server has).
    pub columns: Option<Vec<String>>,
    /// Rows to monitor: those matching **any** condition (ovsdb-server(7) §4.1.12); default all.
    pub conditions: Option<Vec<Condition>>,
}

impl TableSpec {
    /// Only rows matching any of `conditions`.
    pub fn where_(conditions: impl IntoIterator<Item = Condition>) -> Self {
        TableSpec {
            columns: None,
            conditions: Some(conditions.into_iter().collect()),
        }
    }

    /// Only these columns.
    pub fn columns<I: IntoIterator<Item = S>, S: Into<String>>(mut self, columns: I) -> Self {
        self.columns = Some(columns.into_iter().map(Into::into).collect());
        self
    }
}

/// A handle to a client-defined index (from [`ReplicaBuilder::index`]); look rows up with
/// [`TableView::find`].
pub struct IndexHandle<M, K> {
    table: &'static str,
    id: usize,
    _k: PhantomData<fn() -> (M, K)>,
}

impl<M, K> Clone for IndexHandle<M, K> {
    fn clone(&self) -> Self {
        IndexHandle {
            table: self.table,
            id: self.id,
            _k: PhantomData,
        }
    }
}

impl<M, K> std::fmt::Debug for IndexHandle<M, K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IndexHandle({}#{})", self.table, self.id)
    }
}

impl<D: Database> ReplicaBuilder<D> {
    fn entry<T: Table<Db = D>>(&mut self) -> &mut Entry {
        self.tables
            .entry(T::TABLE_NAME.to_owned())
            .or_insert_with(|| Entry {
                proto: Box::new(TableStore::<T>::new(T::TABLE_NAME)),
                req: follow::TableReq {
                    columns: None,
                    model_columns: Some(T::COLUMNS.iter().map(|c| (*c).to_owned()).collect()),
                    conditions: None,
                },
            })
    }

    /// Follows every row and every column of `T` (that the server has).
    pub fn table<T: Table<Db = D>>(mut self) -> Self {
        self.entry::<T>();
        self
    }

    /// Follows `T` with columns and conditions.
    pub fn table_with<T: Table<Db = D>>(mut self, spec: TableSpec) -> Self {
        let e = self.entry::<T>();
        e.req.columns = spec.columns;
        e.req.conditions = spec.conditions;
        self
    }

    /// Adds a client index on `T` (following `T` if not yet): rows by `key`, which may return
    /// `None` to leave a row out (for example a map key that is absent:
    /// `|p| p.external_ids.get("neutron:device_id").cloned()`). Not unique.
    pub fn index<T: Table<Db = D>, K: Hash + Eq + Send + Sync + 'static>(
        mut self,
        key: fn(&T) -> Option<K>,
    ) -> (Self, IndexHandle<T, K>) {
        let e = self.entry::<T>();
        let mut id = 0;
        if let Some(store) = e.proto.as_any_mut().downcast_mut::<TableStore<T>>() {
            id = store.client.len();
            store.client.push(Box::new(ClientIndexImpl {
                key,
                map: Default::default(),
            }));
        }
        let handle = IndexHandle {
            table: T::TABLE_NAME,
            id,
            _k: PhantomData,
        };
        (self, handle)
    }

    /// How long [`ReplicaBuilder::start`] waits for the first snapshot (default: the client's
    /// request timeout plus its sync timeout).
    pub fn sync_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.sync_timeout = timeout;
        self
    }

    /// Starts following and waits for the first snapshot.
    ///
    /// # Errors
    /// [`ReplicaError::NoTables`]; [`ReplicaError::UnknownColumn`] for a column of
    /// [`TableSpec::columns`] that the model lacks; [`ReplicaError::Client`] if the server
    /// refused the monitor (unknown database...), [`ReplicaError::Timeout`],
    /// [`ReplicaError::Stopped`].
    pub async fn start(self) -> Result<Replica<D>, ReplicaError> {
        let timeout = self.sync_timeout;
        if self.tables.is_empty() {
            return Err(ReplicaError::NoTables {
                db: D::NAME.to_owned(),
            });
        }
        for (table, e) in &self.tables {
            if let (Some(cols), Some(model)) = (&e.req.columns, &e.req.model_columns)
                && let Some(c) = cols.iter().find(|c| !model.contains(c) && *c != "_uuid")
            {
                return Err(ReplicaError::UnknownColumn {
                    table: table.clone(),
                    column: c.clone(),
                    columns: model.clone(),
                });
            }
        }
        let handle = spawn(&self.client, D::NAME, self.tables);
        handle.wait_synced(timeout).await?;
        Ok(Replica {
            handle,
            _db: PhantomData,
        })
    }
}

fn spawn(client: &Client, db: &str, tables: BTreeMap<String, Entry>) -> Handle {
    let mut spec = BTreeMap::new();
    let mut stores = BTreeMap::new();
    for (name, e) in tables {
        spec.insert(name.clone(), e.req);
        stores.insert(name, e.proto);
    }
    let core = Arc::new(Core {
        store: RwLock::new(Snapshot::new(stores)),
        status: watch::Sender::new(ReplicaStatus::default()),
    });
    let (cmds, rx) = mpsc::unbounded_channel();
    let follow = follow::Follow {
        db: db.to_owned(),
        spec,
        method: MonitorMethod::MonitorCondSince,
        last_txn_id: None,
        synced: false,
        failures: 0,
        conditions_changed: false,
    };
    client.shared().register_replica(db, core.status.subscribe());
    let task = tokio::spawn(follow::run(client.shared().clone(), core.clone(), follow, rx));
    Handle {
        core,
        cmds,
        _task: Arc::new(AbortOnDrop(task)),
    }
}

impl Client {
    /// Starts building a typed replica of database `D` (see the [module docs](crate::replica)).
    pub fn replica<D: Database>(&self) -> ReplicaBuilder<D> {
        let cfg = &self.shared().config;
        ReplicaBuilder {
            client: self.clone(),
            tables: BTreeMap::new(),
            sync_timeout: cfg.request_timeout + cfg.sync_timeout,
            _db: PhantomData,
        }
    }

    /// Starts building an untyped replica of any database, by its schema at run time.
    pub fn dynamic_replica(&self, db: &str) -> DynamicReplicaBuilder {
        let cfg = &self.shared().config;
        DynamicReplicaBuilder {
            client: self.clone(),
            db: db.to_owned(),
            tables: BTreeMap::new(),
            sync_timeout: cfg.request_timeout + cfg.sync_timeout,
        }
    }
}

/// A typed replica of database `D`: cheap to clone; the monitor stops when the last clone is
/// dropped. See the [module docs](crate::replica) for what it guarantees.
#[derive(Clone)]
pub struct Replica<D> {
    handle: Handle,
    _db: PhantomData<fn() -> D>,
}

impl<D> std::fmt::Debug for Replica<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replica")
            .field("status", &*self.handle.core.status.borrow())
            .finish_non_exhaustive()
    }
}

impl<D: Database> Replica<D> {
    /// A consistent view of every table; holds a read lock (which blocks the update task), so
    /// keep it short. The guard is not `Send`: it cannot be held across an `.await` in a
    /// spawned task. Never hold it across [`Transaction::commit`](crate::transaction::Transaction::commit):
    /// the commit waits for this replica to apply its updates, which needs the write lock (the
    /// commit then returns after its request timeout).
    pub fn read(&self) -> ReplicaRead<'_, D> {
        ReplicaRead {
            snap: self.handle.core.read_snapshot(),
            _db: PhantomData,
        }
    }

    /// The events of table `T` from now on.
    pub fn subscribe<T: Table<Db = D>>(&self) -> Events<T> {
        subscribe::<T>(&self.handle.core, T::TABLE_NAME)
    }

    /// Waits until the first snapshot was applied (already the case after
    /// [`ReplicaBuilder::start`]).
    ///
    /// # Errors
    /// As [`ReplicaBuilder::start`].
    pub async fn wait_synced(&self, timeout: std::time::Duration) -> Result<(), ReplicaError> {
        self.handle.wait_synced(timeout).await
    }

    /// Waits until the replica is [`ReplicaState::Current`]: its snapshot of the current
    /// session applied (after a reconnect: the resync or resume is done, see [`ReplicaState`]
    /// for the order of events). Returns the session.
    ///
    /// # Errors
    /// [`ReplicaError::Timeout`]; the replica's error if it stopped.
    pub async fn wait_current(&self, timeout: std::time::Duration) -> Result<u64, ReplicaError> {
        self.handle.wait_current(timeout).await
    }

    /// Replaces the conditions of table `T` (`None`: every row) with `monitor_cond_change`; also
    /// used for every later session. Returns once the server acknowledged (or, when not
    /// connected, once recorded).
    ///
    /// # Errors
    /// [`ReplicaError::Client`] if the server refused the change, [`ReplicaError::Stopped`].
    pub async fn set_conditions<T: Table<Db = D>>(
        &self,
        conditions: Option<Vec<Condition>>,
    ) -> Result<(), ReplicaError> {
        self.handle.set_conditions(T::TABLE_NAME, conditions).await
    }

    /// The last transaction id seen (with `monitor_cond_since` on a clustered database).
    pub fn last_txn_id(&self) -> Option<Uuid> {
        self.handle.core.status.borrow().last_txn_id
    }

    /// The replica's status, as a watch.
    pub fn status(&self) -> watch::Receiver<ReplicaStatus> {
        self.handle.core.status.subscribe()
    }
}

fn subscribe<M: Model>(core: &Core, table: &str) -> Events<M> {
    let snap = core.read_snapshot();
    let rx = snap
        .tables
        .get(table)
        .and_then(|t| t.as_any().downcast_ref::<TableStore<M>>())
        .map(|s| store::event_sender(&s.events).subscribe());
    Events { rx }
}

/// The event stream of one table (from [`Replica::subscribe`]).
#[derive(Debug)]
pub struct Events<M> {
    rx: Option<broadcast::Receiver<Event<M>>>,
}

impl<M: Model> Events<M> {
    /// The next event; `None` once the replica is gone (or the table is not followed). A
    /// subscriber that fell more than [`EVENT_CAPACITY`] events behind gets
    /// [`Event::Resynced`] instead of what it missed.
    pub async fn recv(&mut self) -> Option<Event<M>> {
        let rx = self.rx.as_mut()?;
        match rx.recv().await {
            Ok(e) => Some(e),
            Err(broadcast::error::RecvError::Lagged(_)) => Some(Event::Resynced),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }

    /// The events as a [`futures::Stream`].
    pub fn into_stream(self) -> impl futures::Stream<Item = Event<M>> + Send + Unpin {
        Box::pin(futures::stream::unfold(self, |mut ev| async move {
            let e = ev.recv().await?;
            Some((e, ev))
        }))
    }

    /// The next event if one is queued.
    pub fn try_recv(&mut self) -> Option<Event<M>> {
        let rx = self.rx.as_mut()?;
        match rx.try_recv() {
            Ok(e) => Some(e),
            Err(broadcast::error::TryRecvError::Lagged(_)) => Some(Event::Resynced),
            Err(_) => None,
        }
    }
}

/// A consistent read of a typed replica, from [`Replica::read`].
pub struct ReplicaRead<'a, D> {
    snap: RwLockReadGuard<'a, Snapshot>,
    _db: PhantomData<fn() -> D>,
}

impl<D> std::fmt::Debug for ReplicaRead<'_, D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplicaRead").finish_non_exhaustive()
    }
}

impl<D: Database> ReplicaRead<'_, D> {
    /// The rows of `T` (empty if `T` is not followed).
    pub fn table<T: Table<Db = D>>(&self) -> TableView<'_, T> {
        view(&self.snap, T::TABLE_NAME)
    }

    /// Every row (of the followed tables, in monitored columns) that refers to `target`.
    ///
    /// The replica keeps no reverse references until they are first asked for (here, or by
    /// [`TableView::referencing`]): that first call builds them from every row (one pass over
    /// the tables with reference columns), and every change maintains them from then on.
    pub fn referrers(&self, target: &Uuid) -> impl Iterator<Item = &Referrer> + '_ {
        self.snap.refs().get(target).into_iter().flatten()
    }
}

fn view<'r, M: Model>(snap: &'r Snapshot, table: &str) -> TableView<'r, M> {
    TableView {
        store: snap
            .tables
            .get(table)
            .and_then(|t| t.as_any().downcast_ref::<TableStore<M>>()),
        snap,
    }
}

/// The rows of one table in a read.
pub struct TableView<'r, M> {
    store: Option<&'r TableStore<M>>,
    /// The whole snapshot, for the reverse references (built on first use).
    snap: &'r Snapshot,
}

impl<M> std::fmt::Debug for TableView<'_, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableView")
            .field("rows", &self.store.map_or(0, |s| s.rows.len()))
            .finish()
    }
}

impl<'r, M: Model> TableView<'r, M> {
    /// The row with this `_uuid`.
    pub fn get(&self, uuid: &Uuid) -> Option<&'r Arc<Record<M>>> {
        self.store?.rows.get(uuid)
    }

    /// Every row, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &'r Arc<Record<M>>> + 'r {
        self.store.into_iter().flat_map(|s| s.rows.values())
    }

    /// How many rows.
    pub fn len(&self) -> usize {
        self.store.map_or(0, |s| s.rows.len())
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The rows whose client index key is `key`.
    pub fn find<K: Hash + Eq + Send + Sync + 'static>(
        &self,
        index: &IndexHandle<M, K>,
        key: &K,
    ) -> impl Iterator<Item = &'r Arc<Record<M>>> + 'r {
        let store = self.store;
        let uuids = store
            .and_then(|s| s.client.get(index.id))
            .and_then(|ix| ix.as_any().downcast_ref::<ClientIndexImpl<M, K>>())
            .and_then(|ix| ix.map.get(key));
        uuids
            .into_iter()
            .flatten()
            .filter_map(move |u| store.and_then(|s| s.rows.get(u)))
    }

    /// The rows of this table that refer to `target` in `column`.
    pub fn referencing_column(
        &self,
        column: &str,
        target: Uuid,
    ) -> impl Iterator<Item = &'r Arc<Record<M>>> + 'r {
        let store = self.store;
        let column = column.to_owned();
        let table = store.map(|s| s.name.clone());
        self.snap
            .refs()
            .get(&target)
            .into_iter()
            .flatten()
            .filter(move |r| table.as_deref() == Some(r.table()) && r.column() == column)
            .filter_map(move |r| store.and_then(|s| s.rows.get(&r.uuid)))
    }
}

impl<'r, T: Table> TableView<'r, T> {
    /// The row whose schema unique index `index` (a generated `BY_*` constant) has `key`. Uses
    /// the maintained index when all its columns are monitored, else scans.
    pub fn get_by<K: IndexKey + PartialEq>(
        &self,
        index: UniqueIndex<T, K>,
        key: &K,
    ) -> Option<&'r Arc<Record<T>>> {
        let store = self.store?;
        if store.has_unique(index.columns()) {
            store.unique_lookup(index.columns(), &key.index_datums())
        } else {
            store.rows.values().find(|r| index.key(&r.row) == *key)
        }
    }

    /// The rows of `T` whose `column` refers to `target` (reverse references).
    pub fn referencing<V>(
        &self,
        column: Column<T, V>,
        target: Uuid,
    ) -> impl Iterator<Item = &'r Arc<Record<T>>> + 'r {
        self.referencing_column(column.name(), target)
    }
}

/// A unique-index key in wire form: implemented for the key types of generated `BY_*` constants
/// (one column's value, or a tuple of values in the index's column order).
pub trait IndexKey {
    /// The index columns' values.
    fn index_datums(&self) -> Vec<Datum>;
}

macro_rules! single_key {
    ($($t:ty),*) => {$(
        impl IndexKey for $t {
            fn index_datums(&self) -> Vec<Datum> { vec![self.to_datum()] }
        }
    )*};
}
single_key!(
    String,
    ovsdb_proto::SmolStr,
    i64,
    bool,
    Uuid,
    ovsdb_proto::Real,
    Option<String>,
    Option<ovsdb_proto::SmolStr>,
    Option<i64>
);

impl<T> IndexKey for Ref<T> {
    fn index_datums(&self) -> Vec<Datum> {
        vec![self.to_datum()]
    }
}

impl<A: IntoDatum, B: IntoDatum> IndexKey for (A, B) {
    fn index_datums(&self) -> Vec<Datum> {
        vec![self.0.to_datum(), self.1.to_datum()]
    }
}

impl<A: IntoDatum, B: IntoDatum, C: IntoDatum> IndexKey for (A, B, C) {
    fn index_datums(&self) -> Vec<Datum> {
        vec![self.0.to_datum(), self.1.to_datum(), self.2.to_datum()]
    }
}

// ───────────── untyped ─────────────

/// Builds a [`DynamicReplica`] (from [`Client::dynamic_replica`]).
#[derive(Debug)]
pub struct DynamicReplicaBuilder {
    client: Client,
    db: String,
    tables: BTreeMap<String, TableSpec>,
    sync_timeout: std::time::Duration,
}

impl DynamicReplicaBuilder {
    /// Follows every row and column of `table`.
    pub fn table(mut self, table: &str) -> Self {
        self.tables.insert(table.to_owned(), TableSpec::default());
        self
    }

    /// Follows `table` with columns and conditions.
    pub fn table_with(mut self, table: &str, spec: TableSpec) -> Self {
        self.tables.insert(table.to_owned(), spec);
        self
    }

    /// As [`ReplicaBuilder::sync_timeout`].
    pub fn sync_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.sync_timeout = timeout;
        self
    }

    /// Starts following and waits for the first snapshot.
    ///
    /// # Errors
    /// [`ReplicaError::NoTables`]; [`ReplicaError::UnknownTable`] for a table the server's
    /// schema lacks, [`ReplicaError::UnknownColumn`] for a column of [`TableSpec::columns`] its
    /// table lacks (both name what the schema has; also when a later session's schema lost
    /// them, which stops the replica); as [`ReplicaBuilder::start`].
    pub async fn start(self) -> Result<DynamicReplica, ReplicaError> {
        if self.tables.is_empty() {
            return Err(ReplicaError::NoTables { db: self.db });
        }
        let tables = self
            .tables
            .into_iter()
            .map(|(name, spec)| {
                let e = Entry {
                    proto: Box::new(TableStore::<DynamicRow>::new(&name)) as Box<dyn AnyTable>,
                    req: follow::TableReq {
                        columns: spec.columns,
                        model_columns: None,
                        conditions: spec.conditions,
                    },
                };
                (name, e)
            })
            .collect();
        let handle = spawn(&self.client, &self.db, tables);
        handle.wait_synced(self.sync_timeout).await?;
        Ok(DynamicReplica { handle })
    }
}

/// An untyped replica of any database: rows are [`DynamicRow`]s with every column the server
/// sends. Same guarantees as [`Replica`].
#[derive(Clone)]
pub struct DynamicReplica {
    handle: Handle,
}

impl std::fmt::Debug for DynamicReplica {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamicReplica")
            .field("status", &*self.handle.core.status.borrow())
            .finish_non_exhaustive()
    }
}

impl DynamicReplica {
    /// A consistent view of every table (see [`Replica::read`]).
    pub fn read(&self) -> DynamicRead<'_> {
        DynamicRead {
            snap: self.handle.core.read_snapshot(),
        }
    }

    /// The events of `table` from now on.
    pub fn subscribe(&self, table: &str) -> Events<DynamicRow> {
        subscribe::<DynamicRow>(&self.handle.core, table)
    }

    /// As [`Replica::set_conditions`].
    ///
    /// # Errors
    /// As [`Replica::set_conditions`].
    pub async fn set_conditions(
        &self,
        table: &str,
        conditions: Option<Vec<Condition>>,
    ) -> Result<(), ReplicaError> {
        self.handle.set_conditions(table, conditions).await
    }

    /// As [`Replica::status`].
    pub fn status(&self) -> watch::Receiver<ReplicaStatus> {
        self.handle.core.status.subscribe()
    }

    /// As [`Replica::wait_current`].
    ///
    /// # Errors
    /// As [`Replica::wait_current`].
    pub async fn wait_current(&self, timeout: std::time::Duration) -> Result<u64, ReplicaError> {
        self.handle.wait_current(timeout).await
    }
}

/// A consistent read of an untyped replica.
pub struct DynamicRead<'a> {
    snap: RwLockReadGuard<'a, Snapshot>,
}

impl std::fmt::Debug for DynamicRead<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamicRead").finish_non_exhaustive()
    }
}

impl DynamicRead<'_> {
    /// The rows of `table` (empty if not followed).
    pub fn table(&self, table: &str) -> TableView<'_, DynamicRow> {
        view(&self.snap, table)
    }

    /// Every row that refers to `target`. Built on first use, as [`ReplicaRead::referrers`].
    pub fn referrers(&self, target: &Uuid) -> impl Iterator<Item = &Referrer> + '_ {
        self.snap.refs().get(target).into_iter().flatten()
    }
}
