//! The high layer: a reconnecting, leader-aware client over a list of remotes.

mod lock;
mod monitor;
mod server_db;
mod supervisor;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use ovsdb_proto::method::{Echo, GetSchema, GetServerId, ListDbs, Method, Transact};
use ovsdb_proto::notify::Notification;
use ovsdb_proto::op::TransactReply;
use ovsdb_proto::{DatabaseSchema, Operation, OperationResult, Uuid};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

pub use lock::{LockHandle, LockState};
pub use monitor::{MonitorEvent, MonitorStream};

use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::replica::{ReplicaState, ReplicaStatus};
use crate::rpc::{DEFAULT_MAX_IN_FLIGHT, DEFAULT_REQUEST_TIMEOUT, RpcClient};
use crate::tls::TlsConfig;

/// Reconnection delays: after a round in which every remote failed, wait `min`, then twice as
/// long each time up to `max`; each delay is shortened by a random fraction up to `jitter`.
/// OVS's defaults are 1 s and 8 s (lib/reconnect.h).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// The first delay (default 1 s).
    pub min: Duration,
    /// The largest delay (default 8 s).
    pub max: Duration,
    /// Random shortening, a fraction in `0.0..=1.0` (default 0.25: a delay `d` becomes a value
    /// in `0.75 d ..= d`).
    pub jitter: f64,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            min: Duration::from_secs(1),
            max: Duration::from_secs(8),
            jitter: 0.25,
        }
    }
}

/// Settings of a [`Client`]. `Default` gives the OVS defaults; fields are public and have
/// builder methods.
///
/// ```
/// use std::time::Duration;
/// use ovsdb_client::ClientConfig;
/// let config = ClientConfig::default()
///     .database("OVN_Northbound")
///     .request_timeout(Duration::from_secs(10));
/// assert!(config.leader_only && config.shuffle);
/// assert_eq!(config.inactivity_probe, Some(Duration::from_secs(5)));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The database whose `_Server.Database` row decides whether a server qualifies. `None`:
    /// every clustered database the server serves must qualify.
    pub database: Option<String>,
    /// Only use a server that is the leader of its cluster (default true, as OVS clients).
    pub leader_only: bool,
    /// Try the remotes in random order (default true, as OVS clients), else in the given order.
    pub shuffle: bool,
    /// Delays between failed rounds.
    pub backoff: Backoff,
    /// Delay after a round in which servers answered but none qualified (no leader yet during an
    /// election), for up to 40 such rounds in a row; then the backoff applies (default 250 ms).
    pub election_retry: Duration,
    /// Client-side inactivity probe on `tcp:` and `ssl:` (default 5 s; `None` disables).
    pub inactivity_probe: Option<Duration>,
    /// Client-side inactivity probe on `unix:` (default `None`, as OVS).
    pub unix_inactivity_probe: Option<Duration>,
    /// Bound on one connection attempt: TCP connect plus TLS handshake (default 10 s).
    pub connect_timeout: Duration,
    /// Bound on setting up a session after connecting: `set_db_change_aware` and reading
    /// `_Server` (default 30 s). Separate from the connect timeout so a slow link is not taken for
    /// a dead server.
    pub sync_timeout: Duration,
    /// Deadline of each request, including time spent waiting for a connection (default 30 s).
    pub request_timeout: Duration,
    /// How long [`Client::connect`] waits for the first usable server (default 30 s).
    pub startup_timeout: Duration,
    /// Send `set_db_change_aware true` on every session (default true, as OVS clients), so a
    /// schema conversion cancels monitors (`monitor_canceled`) instead of dropping the connection.
    pub db_change_aware: bool,
    /// Longest accepted message (default [`DEFAULT_CLIENT_MAX_FRAME_LEN`], 1 GiB: the initial
    /// rows of a big database come in one message, 92 MB for 200k southbound logical flows).
    pub max_frame_len: usize,
    /// Requests in flight per connection (default 64).
    pub max_in_flight: usize,
    /// TLS settings, required for `ssl:` remotes.
    pub tls: Option<TlsConfig>,
}

/// Default [`ClientConfig::max_frame_len`]: 1 GiB. A monitor reply holds a whole database in one
/// message; it is decoded row by row from its text, so it costs about its own size in memory.
pub const DEFAULT_CLIENT_MAX_FRAME_LEN: usize = 1 << 30;

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            database: None,
            leader_only: true,
            shuffle: true,
            backoff: Backoff::default(),
            election_retry: Duration::from_millis(250),
            inactivity_probe: Some(Duration::from_secs(5)),
            unix_inactivity_probe: None,
            connect_timeout: Duration::from_secs(10),
            sync_timeout: Duration::from_secs(30),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            startup_timeout: Duration::from_secs(30),
            db_change_aware: true,
            max_frame_len: DEFAULT_CLIENT_MAX_FRAME_LEN,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            tls: None,
        }
    }
}

macro_rules! setters {
    ($($(#[$m:meta])* $name:ident: $ty:ty),* $(,)?) => {
        $( $(#[$m])* pub fn $name(mut self, v: $ty) -> Self { self.$name = v; self } )*
    };
}

impl ClientConfig {
    /// Sets [`ClientConfig::database`].
    pub fn database(mut self, db: impl Into<String>) -> Self {
        self.database = Some(db.into());
        self
    }

    /// Sets [`ClientConfig::tls`].
    pub fn tls(mut self, tls: TlsConfig) -> Self {
        self.tls = Some(tls);
        self
    }

    setters! {
        /// Sets [`ClientConfig::leader_only`].
        leader_only: bool,
        /// Sets [`ClientConfig::shuffle`].
        shuffle: bool,
        /// Sets [`ClientConfig::backoff`].
        backoff: Backoff,
        /// Sets [`ClientConfig::election_retry`].
        election_retry: Duration,
        /// Sets [`ClientConfig::inactivity_probe`].
        inactivity_probe: Option<Duration>,
        /// Sets [`ClientConfig::unix_inactivity_probe`].
        unix_inactivity_probe: Option<Duration>,
        /// Sets [`ClientConfig::connect_timeout`].
        connect_timeout: Duration,
        /// Sets [`ClientConfig::sync_timeout`].
        sync_timeout: Duration,
        /// Sets [`ClientConfig::request_timeout`].
        request_timeout: Duration,
        /// Sets [`ClientConfig::startup_timeout`].
        startup_timeout: Duration,
        /// Sets [`ClientConfig::db_change_aware`].
        db_change_aware: bool,
        /// Sets [`ClientConfig::max_frame_len`].
        max_frame_len: usize,
        /// Sets [`ClientConfig::max_in_flight`].
        max_in_flight: usize,
    }
}

/// What the client is doing, from [`Client::state`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ConnectionState {
    /// Connecting to (or setting up a session with) a server.
    Connecting {
        /// The server.
        endpoint: Endpoint,
    },
    /// A session is up: requests go to this server.
    Connected {
        /// The server.
        endpoint: Endpoint,
        /// Counts sessions from 1; a new number means a new connection.
        session: u64,
    },
    /// Every remote failed in the last round; waiting before the next.
    Backoff {
        /// How long.
        delay: Duration,
        /// Why the last attempt failed.
        last_error: Arc<Error>,
        /// Whether every attempt of the round failed on a permanent TLS error (our certificate
        /// refused, theirs not trusted): retrying continues, but [`Client::connect`] gives up.
        all_permanent: bool,
    },
    /// The client was shut down.
    Shutdown,
}

impl ConnectionState {
    /// Whether a session is up.
    pub fn is_connected(&self) -> bool {
        matches!(self, ConnectionState::Connected { .. })
    }
}

/// One established, qualified connection.
#[derive(Clone)]
pub(crate) struct Session {
    pub(crate) id: u64,
    pub(crate) endpoint: Endpoint,
    pub(crate) rpc: RpcClient,
    pub(crate) routes: Arc<Routes>,
}

/// Where a session's notifications go, by monitor id and lock name. Dropped with the session,
/// which closes every channel and tells the subscribers that the session ended.
#[derive(Default)]
pub(crate) struct Routes {
    inner: Mutex<RouteTable>,
    next_monitor: AtomicU64,
    /// How many of the connection's notifications have been routed (the next one's seq);
    /// `u64::MAX` once the session ended. See [`Routes::sync_through`].
    routed: watch::Sender<u64>,
}

/// Marks a notification routed when dropped (after routing, on every path).
pub(crate) struct MarkRouted<'a>(pub(crate) &'a Routes, pub(crate) u64);

impl Drop for MarkRouted<'_> {
    fn drop(&mut self) {
        let next = self.1.saturating_add(1);
        self.0.routed.send_if_modified(|v| {
            let advance = *v < next;
            if advance {
                *v = next;
            }
            advance
        });
    }
}

#[derive(Default)]
struct RouteTable {
    monitors: HashMap<String, mpsc::UnboundedSender<Notification>>,
    locks: HashMap<String, mpsc::UnboundedSender<Notification>>,
    /// Subscribers (replicas) that process their notifications on their own task: each gets a
    /// one-shot to answer once it has applied everything routed to it so far.
    syncs: Vec<mpsc::UnboundedSender<oneshot::Sender<()>>>,
    /// Set when the session ended: later subscriptions get an already-closed channel.
    closed: bool,
}

impl Routes {
    fn lock(&self) -> MutexGuard<'_, RouteTable> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A fresh monitor id for this session and the channel its notifications go to.
    pub(crate) fn add_monitor(&self) -> (serde_json::Value, mpsc::UnboundedReceiver<Notification>) {
        let id = serde_json::Value::from(format!("m{}", self.next_monitor.fetch_add(1, Ordering::Relaxed)));
        let (tx, rx) = mpsc::unbounded_channel();
        let mut t = self.lock();
        if !t.closed {
            t.monitors.insert(id.to_string(), tx);
        }
        (id, rx)
    }

    pub(crate) fn add_lock(&self, name: &str) -> mpsc::UnboundedReceiver<Notification> {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut t = self.lock();
        if !t.closed {
            t.locks.insert(name.to_owned(), tx);
        }
        rx
    }

    /// A channel on which [`Routes::sync_through`] asks the subscriber to confirm it has applied
    /// everything routed to it.
    pub(crate) fn add_sync(&self) -> mpsc::UnboundedReceiver<oneshot::Sender<()>> {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut t = self.lock();
        if !t.closed {
            t.syncs.push(tx);
        }
        rx
    }

    /// Waits until the first `n` notifications of the connection were routed and every sync
    /// subscriber confirmed it applied what it got (so a transaction's own updates, which the
    /// server sends before the reply, are visible). Returns true when every subscriber
    /// confirmed; false at once if the session ended, or if a subscriber went away without
    /// confirming (its replica re-monitors, or the session ended meanwhile).
    pub(crate) async fn sync_through(&self, n: u64) -> bool {
        let mut rx = self.routed.subscribe();
        if rx.wait_for(|v| *v >= n).await.is_err() {
            return false;
        }
        let syncs: Vec<_> = {
            let mut t = self.lock();
            if t.closed {
                return false;
            }
            t.syncs.retain(|s| !s.is_closed());
            t.syncs.clone()
        };
        let mut acks = Vec::with_capacity(syncs.len());
        let mut all = true;
        for s in syncs {
            let (tx, rx) = oneshot::channel();
            if s.send(tx).is_ok() {
                acks.push(rx);
            } else {
                all = false;
            }
        }
        for ack in acks {
            all &= ack.await.is_ok();
        }
        all
    }

    /// Whether the session ended.
    pub(crate) fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Closes every subscriber's channel: the session is over.
    pub(crate) fn close(&self) {
        let mut t = self.lock();
        t.closed = true;
        t.monitors.clear();
        t.locks.clear();
        t.syncs.clear();
        drop(t);
        self.routed.send_replace(u64::MAX);
    }

    pub(crate) fn remove_lock(&self, name: &str) {
        self.lock().locks.remove(name);
    }

    /// Delivers a notification to its subscriber; returns false if nobody took it.
    pub(crate) fn route(&self, n: Notification) -> bool {
        let t = self.lock();
        let tx = match &n {
            Notification::Locked { lock } | Notification::Stolen { lock } => t.locks.get(lock),
            other => other.monitor_id().and_then(|id| t.monitors.get(&id.to_string())),
        };
        tx.is_some_and(|tx| tx.send(n).is_ok())
    }
}

pub(crate) struct Shared {
    pub(crate) config: ClientConfig,
    /// Every replica started on this client (by database), for [`Shared::sync_replicas`].
    pub(crate) replicas: Mutex<Vec<ReplicaWatch>>,
    pub(crate) state: watch::Sender<ConnectionState>,
    pub(crate) session: watch::Sender<Option<Session>>,
    pub(crate) shutdown: watch::Sender<bool>,
}

impl Shared {
    /// Waits for a session other than `not` (by id), until `deadline`.
    pub(crate) async fn next_session(&self, not: Option<u64>, deadline: Instant) -> Option<Session> {
        let mut rx = self.session.subscribe();
        let mut shutdown = self.shutdown.subscribe();
        let wait = async {
            loop {
                if let Some(s) = rx.borrow_and_update().as_ref()
                    && Some(s.id) != not
                {
                    return Some(s.clone());
                }
                tokio::select! {
                    r = rx.changed() => if r.is_err() { return None },
                    _ = shutdown.wait_for(|s| *s) => return None,
                }
            }
        };
        tokio::time::timeout_at(deadline, wait).await.ok().flatten()
    }

    pub(crate) fn is_shut_down(&self) -> bool {
        *self.shutdown.borrow()
    }

    /// Registers a replica of `db` (its status watch); dropped replicas are forgotten.
    pub(crate) fn register_replica(&self, db: &str, status: watch::Receiver<ReplicaStatus>) {
        let mut r = self.replicas.lock().unwrap_or_else(|p| p.into_inner());
        r.retain(|w| w.status.has_changed().is_ok());
        r.push(ReplicaWatch {
            db: db.to_owned(),
            status,
        });
    }

    /// After a `transact` reply on `session` (which followed `n` notifications): waits until
    /// every live replica of `db` (every replica for `None`) holds the transaction's effects,
    /// until `deadline`. Returns false if the deadline passed first.
    ///
    /// A replica holds them once it is current (its snapshot applied) on `session` and has
    /// applied the notifications sent before the reply ([`Routes::sync_through`]), or once it is
    /// current on a later session (whose monitor began after the commit). A replica that is
    /// still connecting or re-monitoring (after a reconnect its monitor may go out after the
    /// transaction) is waited for; a stopped replica is not.
    pub(crate) async fn sync_replicas(
        &self,
        db: Option<&str>,
        session: &Session,
        n: u64,
        deadline: Instant,
    ) -> bool {
        let mut min_session = session.id;
        loop {
            let watches: Vec<watch::Receiver<ReplicaStatus>> = {
                let r = self.replicas.lock().unwrap_or_else(|p| p.into_inner());
                r.iter()
                    .filter(|w| db.is_none_or(|d| d == w.db))
                    .map(|w| w.status.clone())
                    .collect()
            };
            for mut rx in watches {
                let wait = rx.wait_for(|s| match s.state {
                    ReplicaState::Current { session } => session >= min_session,
                    ReplicaState::Stopped => true,
                    _ => false,
                });
                match tokio::time::timeout_at(deadline, wait).await {
                    Ok(_) => {} // current, stopped, or dropped (Err)
                    Err(_) => return false,
                }
            }
            if min_session > session.id {
                return true;
            }
            match tokio::time::timeout_at(deadline, session.routes.sync_through(n)).await {
                Err(_) => return false,
                Ok(true) => return true,
                // The session ended before every replica confirmed: only a replica current on a
                // later session is sure to hold the write.
                Ok(false) if session.routes.is_closed() => min_session = session.id + 1,
                // A replica re-monitors on this session: wait until it is current again.
                Ok(false) => {}
            }
        }
    }
}

/// A replica's status as the client sees it (see [`Shared::sync_replicas`]).
pub(crate) struct ReplicaWatch {
    db: String,
    status: watch::Receiver<ReplicaStatus>,
}

/// Stops the supervisor when the last [`Client`] handle is dropped.
struct ShutdownOnDrop(Arc<Shared>);

impl Drop for ShutdownOnDrop {
    fn drop(&mut self) {
        self.0.shutdown.send_replace(true);
    }
}

/// A reconnecting, leader-aware OVSDB client. Cheap to clone; dropping the last clone (or
/// [`Client::shutdown`]) stops it.
///
/// # Behaviour
/// - **Remotes.** A comma-separated list in OVS syntax (`tcp:`, `ssl:`, `unix:`), tried in
///   random order unless [`ClientConfig::shuffle`] is off. The first server that connects and
///   qualifies is used.
/// - **Qualifying.** After connecting, the client sends `set_db_change_aware` and monitors
///   `_Server.Database`. A clustered database must be connected to its cluster, be the leader
///   ([`ClientConfig::leader_only`], default on), and not be older than an index already seen.
///   A server that stops qualifying mid-session (leadership moved, member cut off) is left at
///   once for the next remote.
/// - **Reconnect.** A lost session is followed by an immediate attempt on the next remote; after
///   a round where every remote failed, the client waits ([`Backoff`], 1 s doubling to 8 s, with
///   jitter; [`ClientConfig::election_retry`] while a cluster has no leader) and tries again,
///   forever, until shut down. [`Client::state`] shows it.
/// - **Requests** wait for a session (within their deadline). A request that was not sent, or a
///   read whose reply was lost, is retried on the next session; a `transact` whose reply was lost
///   fails with [`Error::OutcomeUnknown`] and is never replayed.
/// - **Probe.** On `tcp:`/`ssl:` an `echo` is sent after 5 s without traffic and the session is
///   dropped if nothing arrives within another 5 s. The server's own `echo` is always answered.
/// - Monitors ([`Client::monitor`]) and locks ([`Client::lock`]) are re-established on every new
///   session.
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
    _guard: Arc<ShutdownOnDrop>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("state", &*self.shared.state.borrow())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Parses `remotes` (comma-separated OVS remotes), starts the client and waits until a
    /// session is up, at most [`ClientConfig::startup_timeout`].
    ///
    /// ```no_run
    /// # async fn f() -> Result<(), ovsdb_client::Error> {
    /// use ovsdb_client::{Client, ClientConfig};
    /// let client = Client::connect(
    ///     "tcp:127.0.0.1:6641,tcp:127.0.0.1:6643,tcp:127.0.0.1:6645",
    ///     ClientConfig::default().database("OVN_Northbound"),
    /// )
    /// .await?;
    /// println!("{:?}", client.list_dbs().await?);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Endpoint`] for a bad remote; [`Error::Tls`] for a bad TLS configuration or when
    /// every remote refused our certificate in the first round; [`Error::NoServer`] (with the
    /// last attempt's error) when no server qualified in time.
    pub async fn connect(remotes: &str, config: ClientConfig) -> Result<Client, Error> {
        let endpoints = Endpoint::parse_list(remotes)?;
        Client::connect_to(endpoints, config).await
    }

    /// As [`Client::connect`], with parsed endpoints (at least one).
    ///
    /// # Errors
    /// As [`Client::connect`].
    pub async fn connect_to(endpoints: Vec<Endpoint>, config: ClientConfig) -> Result<Client, Error> {
        let client = Client::start(endpoints, config)?;
        client.wait_connected().await?;
        Ok(client)
    }

    /// Starts the client without waiting for a session (requests wait for one).
    ///
    /// # Errors
    /// [`Error::Endpoint`] for an empty list; [`Error::Tls`] for a bad TLS configuration.
    pub fn start(endpoints: Vec<Endpoint>, config: ClientConfig) -> Result<Client, Error> {
        if endpoints.is_empty() {
            return Err(Error::Endpoint(crate::endpoint::EndpointError {
                remote: String::new(),
                position: None,
                problem: crate::endpoint::EndpointProblem::Empty,
            }));
        }
        let tls = config.tls.as_ref().map(TlsConfig::connector).transpose()?;
        let first = endpoints[0].clone();
        let shared = Arc::new(Shared {
            config,
            replicas: Mutex::new(Vec::new()),
            state: watch::Sender::new(ConnectionState::Connecting { endpoint: first }),
            session: watch::Sender::new(None),
            shutdown: watch::Sender::new(false),
        });
        tokio::spawn(supervisor::run(shared.clone(), endpoints, tls));
        Ok(Client {
            _guard: Arc::new(ShutdownOnDrop(shared.clone())),
            shared,
        })
    }

    /// Waits until a session is up, at most [`ClientConfig::startup_timeout`]. Returns early with
    /// the error when a whole round failed only on permanent TLS errors (bad certificate).
    ///
    /// # Errors
    /// [`Error::NoServer`], [`Error::Tls`], [`Error::Shutdown`].
    pub async fn wait_connected(&self) -> Result<(), Error> {
        let timeout = self.shared.config.startup_timeout;
        let started = Instant::now();
        let mut rx = self.shared.state.subscribe();
        let mut last: Option<Arc<Error>> = None;
        let wait = async {
            loop {
                match &*rx.borrow_and_update() {
                    ConnectionState::Connected { .. } => return Ok(()),
                    ConnectionState::Shutdown => return Err(Error::Shutdown),
                    ConnectionState::Backoff {
                        last_error,
                        all_permanent,
                        ..
                    } => {
                        last = Some(last_error.clone());
                        if *all_permanent {
                            return Err(Error::NoServer {
                                waited: started.elapsed(),
                                last: last.clone(),
                            });
                        }
                    }
                    ConnectionState::Connecting { .. } => {}
                }
                if rx.changed().await.is_err() {
                    return Err(Error::Shutdown);
                }
            }
        };
        match tokio::time::timeout(timeout, wait).await {
            Ok(r) => r,
            Err(_) => Err(Error::NoServer {
                waited: started.elapsed(),
                last: match &*rx.borrow() {
                    ConnectionState::Backoff { last_error, .. } => Some(last_error.clone()),
                    _ => None,
                },
            }),
        }
    }

    /// The connection state, as a watch: `borrow()` for now, `changed()` to follow.
    pub fn state(&self) -> watch::Receiver<ConnectionState> {
        self.shared.state.subscribe()
    }

    /// The server of the current session, if one is up.
    pub fn current_endpoint(&self) -> Option<Endpoint> {
        self.shared.session.borrow().as_ref().map(|s| s.endpoint.clone())
    }

    /// The low-level handle of the current session, waiting for one within the request timeout.
    /// It dies with the session; session state made through it (monitors, locks) is not
    /// re-established.
    ///
    /// # Errors
    /// [`Error::Timeout`] if no session came up in time, [`Error::Shutdown`].
    pub async fn rpc(&self) -> Result<RpcClient, Error> {
        let deadline = Instant::now() + self.shared.config.request_timeout;
        self.session_until("rpc", None, deadline).await.map(|s| s.rpc)
    }

    async fn session_until(
        &self,
        method: &str,
        not: Option<u64>,
        deadline: Instant,
    ) -> Result<Session, Error> {
        match self.shared.next_session(not, deadline).await {
            Some(s) => Ok(s),
            None if self.shared.is_shut_down() => Err(Error::Shutdown),
            None => Err(Error::Timeout {
                method: method.to_owned(),
                timeout: self.shared.config.request_timeout,
                sent: false,
            }),
        }
    }

    /// Calls a method on the current session (waiting for one), within
    /// [`ClientConfig::request_timeout`]. A request that was not sent, or whose reply was lost
    /// but which changes nothing durable, is retried on the next session.
    ///
    /// Session-scoped methods (`monitor*`, `lock`, `steal`, `unlock`) act on whichever session
    /// is current and are not re-established: use [`Client::monitor`] and [`Client::lock`].
    ///
    /// # Errors
    /// As [`RpcClient::call`]; [`Error::Timeout`] when no session came up in time.
    pub async fn call<M: Method<Params = M>>(&self, method: &M) -> Result<M::Output, Error> {
        let timeout = self.shared.config.request_timeout;
        let deadline = Instant::now() + timeout;
        let mut last = None;
        loop {
            let session = self.session_until(M::NAME, last, deadline).await?;
            let remaining = deadline.saturating_duration_since(Instant::now());
            match session.rpc.with_timeout(remaining).call(method).await {
                Err(Error::Disconnected { .. }) => last = Some(session.id),
                Err(Error::Timeout { sent, method, .. }) => {
                    return Err(Error::Timeout {
                        method,
                        timeout,
                        sent,
                    });
                }
                other => return other,
            }
        }
    }

    /// `list_dbs` (RFC 7047 §4.1.1).
    ///
    /// # Errors
    /// As [`Client::call`].
    pub async fn list_dbs(&self) -> Result<Vec<String>, Error> {
        self.call(&ListDbs).await
    }

    /// `get_schema` (RFC 7047 §4.1.2).
    ///
    /// # Errors
    /// As [`Client::call`]; [`Error::Rpc`] with `unknown database`.
    pub async fn get_schema(&self, db: &str) -> Result<DatabaseSchema, Error> {
        self.call(&GetSchema { db: db.to_owned() }).await
    }

    /// `echo` (RFC 7047 §4.1.11).
    ///
    /// # Errors
    /// As [`Client::call`].
    pub async fn echo(&self, params: Vec<serde_json::Value>) -> Result<Vec<serde_json::Value>, Error> {
        self.call(&Echo(params)).await
    }

    /// `get_server_id` (ovsdb-server(7) §4.1.17) of the current server.
    ///
    /// # Errors
    /// As [`Client::call`].
    pub async fn get_server_id(&self) -> Result<Uuid, Error> {
        self.call(&GetServerId).await
    }

    /// `convert` (ovsdb-server(7) §4.1.19): converts database `db` online to `schema`, whose
    /// name must be `db`. Data of tables and columns the new schema lacks is dropped; new columns
    /// get their defaults; all of the new schema's constraints apply. On success the server
    /// cancels the monitors of change-aware sessions (this client's replicas then re-fetch the
    /// schema and resynchronise) and disconnects other clients.
    ///
    /// # Errors
    /// [`Error::Rpc`] when the server refused (a schema of another name, data that does not fit:
    /// `invalid parameters`, `constraint violation`...); [`Error::OutcomeUnknown`] if the
    /// connection was lost after sending (never replayed); as [`Client::call`].
    pub async fn convert(&self, db: &str, schema: &DatabaseSchema) -> Result<(), Error> {
        self.call(&Convert(db.to_owned(), schema.to_json()))
            .await
            .map(|_| ())
    }

    /// `transact` (RFC 7047 §4.1.3): the reply as the server sent it, failures included.
    ///
    /// # Errors
    /// As [`Client::call`]; [`Error::OutcomeUnknown`] if the connection was lost after sending.
    pub async fn transact_reply(&self, db: &str, operations: Vec<Operation>) -> Result<TransactReply, Error> {
        self.call(&Transact::new(db, operations)).await
    }

    /// `transact` (RFC 7047 §4.1.3), with a failed operation or commit as
    /// [`Error::Transaction`].
    ///
    /// # Errors
    /// [`Error::Transaction`] (nothing was committed), [`Error::OutcomeUnknown`], and as
    /// [`Client::call`].
    pub async fn transact(
        &self,
        db: &str,
        operations: Vec<Operation>,
    ) -> Result<Vec<OperationResult>, Error> {
        self.transact_reply(db, operations)
            .await?
            .into_result()
            .map_err(|e| Error::Transaction(Box::new(e)))
    }

    /// The state shared with the supervisor (for the replica and transaction modules).
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Stops the client: the current session is closed, waiting requests fail with
    /// [`Error::Shutdown`] or [`Error::Disconnected`], monitors and locks end.
    pub fn shutdown(&self) {
        self.shared.shutdown.send_replace(true);
    }
}

/// ovsdb-server(7) §4.1.19 `convert`: params `[<db-name>, <database-schema>]` (a tuple struct
/// serialises as that array), result `{}`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Convert(String, serde_json::Value);

impl Method for Convert {
    const NAME: &'static str = "convert";
    type Params = Convert;
    type Output = ovsdb_proto::method::EmptyResult;

    fn params_json(&self) -> serde_json::Value {
        serde_json::Value::Array(vec![self.0.clone().into(), self.1.clone()])
    }

    fn decode_output(_: &Self, result: serde_json::Value) -> Result<Self::Output, ovsdb_proto::DecodeError> {
        ovsdb_proto::error::from_value(result)
    }
}
