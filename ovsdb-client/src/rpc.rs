//! The low layer: one JSON-RPC connection over any byte stream, no reconnection.
//!
//! [`connect`] takes a connected stream (TCP, unix, TLS, or an in-memory
//! [`tokio::io::duplex`] pipe in tests) and returns three things:
//! - an [`RpcClient`], a cheap-to-clone handle that sends requests and awaits their replies;
//! - a [`Notifications`] receiver that yields the server's notifications in wire order;
//! - the [`Connection`], a future that does all the I/O and must be spawned (or polled).
//!
//! ```no_run
//! # async fn example() -> Result<(), ovsdb_client::Error> {
//! use ovsdb_client::rpc::{self, RpcOptions};
//! let stream = tokio::net::UnixStream::connect("/var/run/openvswitch/db.sock").await.map_err(ovsdb_client::Error::Io)?;
//! let (client, _notifications, connection) = rpc::connect(stream, &RpcOptions::default());
//! tokio::spawn(connection);
//! let dbs = client.call(&ovsdb_proto::method::ListDbs).await?;
//! println!("{dbs:?}");
//! # Ok(()) }
//! ```
//!
//! # Behaviour
//! - **Echo.** The connection answers the server's `echo` requests (ovsdb-server's inactivity
//!   probe) itself, on its own queue, even when callers are blocked or nobody reads
//!   notifications.
//! - **Multiplexing.** Requests get increasing integer ids; replies may come in any order and
//!   wake the matching caller. Up to [`RpcOptions::max_in_flight`] requests wait for replies at
//!   once; further callers wait for a slot (within their deadline).
//! - **Deadlines.** Every request has one ([`RpcOptions::request_timeout`], or
//!   [`RpcClient::with_timeout`]); waiting for a slot counts. A `transact` that times out after it
//!   was sent gets a best-effort `cancel` notification (RFC 7047 §4.1.4).
//! - **Cancellation.** Dropping a call's future before the request was written means it is never
//!   written; after that, the reply is discarded when it comes.
//! - **Notifications** are delivered in the order they arrived, on an unbounded queue, so a
//!   caller awaiting a reply never waits for someone to read notifications (no deadlock); memory
//!   is bounded by how fast the server sends. Each carries a sequence number, and every reply says
//!   how many notifications preceded it ([`Reply::notifications_before`]), which is what a replica
//!   needs to apply a transaction's own updates (sent before its reply, ovsdb-server(7) §4.1.5)
//!   before reporting the commit.
//! - **Inactivity probe** ([`RpcOptions::inactivity_probe`]): after that long with nothing
//!   received, an `echo` is sent; if still nothing arrives within another interval the connection
//!   fails with [`Error::ProbeTimeout`]. A hung server is detected within two intervals, except
//!   while a [`RpcClient::request_raw`] request (a monitor's initial rows) waits for its reply:
//!   ovsdb-server answers nothing while it builds a large reply, so echoes keep being sent and
//!   that request's deadline bounds the wait.
//! - **Streamed results** ([`RpcClient::request_streamed`]): a reply laid out as ovsdb-server
//!   lays them out (`{"id":<n>,"result":...,"error":null}`) is recognised by its first bytes and
//!   its `result` handed to the caller piece by piece as it is read, never held whole; the
//!   connection reads at most [`STREAM_READ_AHEAD`] bytes ahead of the caller, then stops
//!   reading the socket until the caller catches up (what follows the reply waits behind it on
//!   the wire anyway). The members after the result are checked at its end (`error` not null:
//!   [`Error::Rpc`] from the last piece). Streamed messages count against
//!   [`RpcOptions::max_frame_len`] like any other; framing errors after one report stream
//!   offsets that leave out the streamed messages.
//! - **Closing.** The connection ends when the server closes it, on an I/O, framing or probe
//!   error, or cleanly (`Ok(())`) when every [`RpcClient`] has been dropped. Requests still
//!   waiting then fail with [`Error::OutcomeUnknown`] if they were a `transact` (or `convert`)
//!   already written, and [`Error::Disconnected`] otherwise. Dropping the [`Connection`] future
//!   has the same effect.
//! - **No deadlock by construction:** the reader never waits for the writer or for callers (it
//!   only completes one-shot replies and pushes to unbounded queues); locks are never held across
//!   an `.await`.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use ovsdb_proto::jsonrpc::{DEFAULT_MAX_FRAME_LEN, FrameSplitter, Id, Message, decode_frame};
use ovsdb_proto::method::{Cancel, Method};
use ovsdb_proto::notify::{Notification, NotificationError};
use ovsdb_proto::{ErrorKind, OvsdbError};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{Semaphore, mpsc, oneshot};
use tokio::time::Instant;

use crate::error::{Error, is_durable};

/// Default [`RpcOptions::max_in_flight`].
pub const DEFAULT_MAX_IN_FLIGHT: usize = 64;
/// Default [`RpcOptions::request_timeout`]: 30 s.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The id of the `echo` requests this side sends as its inactivity probe (as OVS clients do).
const PROBE_ID: &str = "echo";

/// Options of one connection.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RpcOptions {
    /// Longest accepted message from the server, in bytes (default 64 MiB); a longer one closes
    /// the connection with [`Error::Framing`].
    pub max_frame_len: usize,
    /// How many requests may wait for replies at once (default 64).
    pub max_in_flight: usize,
    /// Deadline of each request, from the call to the reply (default 30 s).
    pub request_timeout: Duration,
    /// Client-side inactivity probe interval; `None` (the default here) disables it.
    pub inactivity_probe: Option<Duration>,
}

impl Default for RpcOptions {
    fn default() -> Self {
        RpcOptions {
            max_frame_len: DEFAULT_MAX_FRAME_LEN,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            inactivity_probe: None,
        }
    }
}

impl RpcOptions {
    /// Sets [`RpcOptions::max_frame_len`].
    pub fn max_frame_len(mut self, bytes: usize) -> Self {
        self.max_frame_len = bytes;
        self
    }

    /// Sets [`RpcOptions::max_in_flight`] (at least 1).
    pub fn max_in_flight(mut self, n: usize) -> Self {
        self.max_in_flight = n.max(1);
        self
    }

    /// Sets [`RpcOptions::request_timeout`].
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets [`RpcOptions::inactivity_probe`].
    pub fn inactivity_probe(mut self, interval: Option<Duration>) -> Self {
        self.inactivity_probe = interval;
        self
    }
}

/// A successful reply.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The `result` member.
    pub result: Value,
    /// How many notifications the connection had received before this reply (the
    /// [`RawNotification::seq`] of the next notification).
    pub notifications_before: u64,
}

/// A successful reply whose `result` was kept as JSON text, from [`RpcClient::request_raw`].
///
/// A large result (the initial contents of a monitor) can then be decoded straight into the
/// caller's own types, without an intermediate [`Value`] tree.
#[derive(Debug, Clone, PartialEq)]
pub struct RawReply {
    /// The `result` member's JSON text (a slice of the received message, not copied).
    pub result: Bytes,
    /// As [`Reply::notifications_before`].
    pub notifications_before: u64,
}

/// A successful reply whose `result` is handed over as JSON text piece by piece while it
/// arrives, from [`RpcClient::request_streamed`].
///
/// A large result (the initial contents of a monitor: 40 MB and more) can then be decoded as it
/// streams in and each piece freed once decoded, instead of holding the whole text. The
/// connection reads ahead at most [`STREAM_READ_AHEAD`] bytes that the caller has not taken yet;
/// beyond that it stops reading from the socket until the caller catches up.
#[derive(Debug)]
pub struct StreamedReply {
    /// As [`Reply::notifications_before`].
    pub notifications_before: u64,
    method: String,
    pieces: std::sync::mpsc::Receiver<Piece>,
    credit: Arc<StreamCredit>,
    /// The request's deadline: waiting for a piece past it is [`Error::Timeout`].
    deadline: std::time::Instant,
    timeout: Duration,
    done: bool,
}

/// How many bytes of a streamed result the connection reads ahead of its caller.
pub const STREAM_READ_AHEAD: usize = 1024 * 1024;

/// One piece of a streamed result.
#[derive(Debug)]
enum Piece {
    /// The next bytes of the result's JSON text.
    Bytes(Bytes),
    /// The result is complete (`Ok`), or the reply failed (an `error` member, or the connection
    /// was lost before the end).
    End(Result<(), Error>),
}

/// Flow control between the connection and the reader of a [`StreamedReply`].
#[derive(Debug, Default)]
struct StreamCredit {
    /// Bytes sent to the reader and not taken yet.
    queued: std::sync::atomic::AtomicUsize,
    /// Wakes the connection when `queued` falls below [`STREAM_READ_AHEAD`].
    space: tokio::sync::Notify,
    /// The reader is gone: the rest is skipped.
    closed: std::sync::atomic::AtomicBool,
}

impl Drop for StreamedReply {
    fn drop(&mut self) {
        self.credit.closed.store(true, Ordering::Release);
        self.credit.space.notify_one();
    }
}

impl StreamedReply {
    /// A reply whose whole result is already here.
    fn whole(method: &str, result: Bytes, notifications_before: u64, timeout: Duration) -> StreamedReply {
        let (tx, rx) = std::sync::mpsc::channel();
        let _ = tx.send(Piece::Bytes(result));
        let _ = tx.send(Piece::End(Ok(())));
        StreamedReply {
            notifications_before,
            method: method.to_owned(),
            pieces: rx,
            credit: Arc::default(),
            deadline: std::time::Instant::now() + timeout,
            timeout,
            done: false,
        }
    }

    /// The next piece of the result's JSON text, in order, or `Ok(None)` after the last one.
    /// Blocks the calling thread: call it from a blocking context (`spawn_blocking`), never
    /// from an async task.
    ///
    /// # Errors
    /// [`Error::Rpc`] if the reply turned out to carry an `error`; [`Error::Disconnected`] if
    /// the connection was lost before the result's end; [`Error::Timeout`] if the request's
    /// deadline (from [`RpcClient::request_streamed`]) passes while waiting.
    pub fn next_piece(&mut self) -> Result<Option<Bytes>, Error> {
        if self.done {
            return Ok(None);
        }
        let wait = self.deadline.saturating_duration_since(std::time::Instant::now());
        let piece = self.pieces.recv_timeout(wait);
        match piece {
            Ok(Piece::Bytes(b)) => {
                let before = self.credit.queued.fetch_sub(b.len(), Ordering::AcqRel);
                if before.saturating_sub(b.len()) < STREAM_READ_AHEAD {
                    self.credit.space.notify_one();
                }
                Ok(Some(b))
            }
            Ok(Piece::End(end)) => {
                self.done = true;
                end.map(|()| None)
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                self.done = true;
                Err(Error::Timeout {
                    method: self.method.clone(),
                    timeout: self.timeout,
                    sent: true,
                })
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                self.done = true;
                Err(Error::Disconnected {
                    method: self.method.clone(),
                })
            }
        }
    }
}

/// What the connection hands a waiting caller.
#[derive(Debug)]
enum Answer {
    Parsed(Reply),
    Raw(RawReply),
    Streamed(StreamedReply),
}

/// How a caller wants its reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Decoded into a [`Value`].
    Parsed,
    /// As one piece of JSON text ([`RpcClient::request_raw`]).
    Raw,
    /// As JSON text streamed while it arrives ([`RpcClient::request_streamed`]).
    Streamed,
}

/// Messages at least this long are first scanned for a reply that a caller of
/// [`RpcClient::request_raw`] waits for, before being decoded as a whole.
const RAW_SCAN_MIN: usize = 64 * 1024;

/// A notification from the server, undecoded, with its place in the stream.
#[derive(Debug, Clone, PartialEq)]
pub struct RawNotification {
    /// The method name (`"update2"`, `"locked"`...).
    pub method: String,
    /// The params array.
    pub params: Value,
    /// 0 for the first notification of the connection, then 1, 2...
    pub seq: u64,
}

impl RawNotification {
    /// Decodes it as one of the notifications ovsdb-server sends.
    ///
    /// # Errors
    /// [`NotificationError`] for an unknown method or params that do not decode.
    pub fn decode(&self) -> Result<Notification, NotificationError> {
        Notification::decode(&self.method, &self.params)
    }
}

/// The server's notifications on one connection, in wire order. Ends (`None`) when the
/// connection closes. Dropping it discards later notifications.
#[derive(Debug)]
pub struct Notifications {
    rx: mpsc::UnboundedReceiver<RawNotification>,
}

impl Notifications {
    /// The next notification, or `None` once the connection has closed and all were read.
    pub async fn recv(&mut self) -> Option<RawNotification> {
        self.rx.recv().await
    }

    /// The next notification if one is already queued.
    pub fn try_recv(&mut self) -> Option<RawNotification> {
        self.rx.try_recv().ok()
    }
}

impl futures::Stream for Notifications {
    type Item = RawNotification;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<RawNotification>> {
        self.rx.poll_recv(cx)
    }
}

struct Pending {
    method: String,
    tx: oneshot::Sender<Result<Answer, Error>>,
    written: bool,
    /// How the caller wants the result.
    mode: Mode,
    /// The caller's deadline (for a streamed result's later pieces).
    deadline: Instant,
    timeout: Duration,
}

#[derive(Default)]
struct State {
    pending: HashMap<u64, Pending>,
    closed: bool,
}

struct Shared {
    state: Mutex<State>,
    permits: Semaphore,
    next_id: AtomicU64,
    notifications: AtomicU64,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave `State` inconsistent (every critical
        // section is a single map operation), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a [`RpcClient::request_raw`] request was sent and waits for its reply.
    fn awaits_large_result(&self) -> bool {
        self.lock()
            .pending
            .values()
            .any(|p| p.mode != Mode::Parsed && p.written)
    }

    /// Marks the connection closed and fails every waiting request.
    fn close(&self) {
        let drained: Vec<Pending> = {
            let mut st = self.lock();
            st.closed = true;
            st.pending.drain().map(|(_, p)| p).collect()
        };
        self.permits.close();
        for p in drained {
            let err = lost(&p.method, p.written);
            let _receiver_gone = p.tx.send(Err(err));
        }
    }
}

/// The error for a request whose connection went away.
fn lost(method: &str, written: bool) -> Error {
    if written && is_durable(method) {
        Error::OutcomeUnknown {
            method: method.to_owned(),
        }
    } else {
        Error::Disconnected {
            method: method.to_owned(),
        }
    }
}

struct Outgoing {
    /// The request id whose pending entry must still exist for the bytes to be written (`None`
    /// for notifications and echo replies).
    id: Option<u64>,
    bytes: Vec<u8>,
}

/// A handle to send requests on one connection. Cheap to clone; every clone shares the
/// connection. The connection closes when every clone is dropped.
#[derive(Clone)]
pub struct RpcClient {
    shared: Arc<Shared>,
    out: mpsc::UnboundedSender<Outgoing>,
    timeout: Duration,
}

impl std::fmt::Debug for RpcClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RpcClient")
            .field("closed", &self.is_closed())
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Removes a pending request when its caller stops waiting.
struct PendingGuard<'a> {
    shared: &'a Shared,
    id: u64,
}

impl PendingGuard<'_> {
    /// Removes the entry; returns whether it had been written.
    fn take(&self) -> Option<bool> {
        self.shared.lock().pending.remove(&self.id).map(|p| p.written)
    }
}

impl Drop for PendingGuard<'_> {
    fn drop(&mut self) {
        self.take();
    }
}

impl RpcClient {
    /// Whether the connection has closed (every request now fails with
    /// [`Error::Disconnected`]).
    pub fn is_closed(&self) -> bool {
        self.shared.lock().closed || self.out.is_closed()
    }

    /// A handle to the same connection whose requests use `timeout` as their deadline.
    pub fn with_timeout(&self, timeout: Duration) -> RpcClient {
        RpcClient {
            timeout,
            ..self.clone()
        }
    }

    /// The deadline this handle gives each request.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Calls a method and decodes its result.
    ///
    /// ```no_run
    /// # async fn f(client: ovsdb_client::rpc::RpcClient) -> Result<(), ovsdb_client::Error> {
    /// use ovsdb_proto::method::GetSchema;
    /// let schema = client.call(&GetSchema { db: "OVN_Northbound".into() }).await?;
    /// println!("{} {:?}", schema.name, schema.version);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Rpc`] if the server answered with an error; [`Error::Decode`] if the result does
    /// not decode; [`Error::Timeout`], [`Error::Disconnected`], [`Error::OutcomeUnknown`] as in
    /// the module docs. For `cancel` (a notification) returns once it is queued.
    pub async fn call<M: Method<Params = M>>(&self, method: &M) -> Result<M::Output, Error> {
        if M::IS_NOTIFICATION {
            self.notify(M::NAME, method.params_json())?;
            return M::decode_output(method, Value::Null).map_err(|source| Error::Decode {
                method: M::NAME,
                source,
            });
        }
        let reply = self.request(M::NAME, method.params_json()).await?;
        M::decode_output(method, reply.result).map_err(|source| Error::Decode {
            method: M::NAME,
            source,
        })
    }

    /// Sends a notification (a request with `"id": null`, which gets no reply).
    ///
    /// # Errors
    /// [`Error::Disconnected`] if the connection has closed.
    pub fn notify(&self, method: &str, params: Value) -> Result<(), Error> {
        let bytes = Message::notification(method, params).to_vec();
        self.out
            .send(Outgoing { id: None, bytes })
            .map_err(|_| Error::Disconnected {
                method: method.to_owned(),
            })
    }

    /// Sends a request with any method name and params (which must be a JSON array) and waits for
    /// its reply, within this handle's deadline.
    ///
    /// # Errors
    /// As [`RpcClient::call`], except [`Error::Decode`].
    pub async fn request(&self, method: &str, params: Value) -> Result<Reply, Error> {
        match self.exchange(method, params, Mode::Parsed).await? {
            Answer::Parsed(reply) => Ok(reply),
            // Not sent for a request that did not ask for it; decoded all the same.
            Answer::Streamed(_) => Err(Error::Disconnected {
                method: method.to_owned(),
            }),
            Answer::Raw(raw) => Ok(Reply {
                result: ovsdb_proto::error::from_slice(&raw.result)
                    .map_err(|e| Error::Message(ovsdb_proto::jsonrpc::MessageError::Syntax(e)))?,
                notifications_before: raw.notifications_before,
            }),
        }
    }

    /// As [`RpcClient::request`], but the result is handed over as JSON text, not decoded: for
    /// large results (a monitor's initial rows) that the caller decodes into its own types.
    ///
    /// # Errors
    /// As [`RpcClient::request`].
    pub async fn request_raw(&self, method: &str, params: Value) -> Result<RawReply, Error> {
        match self.exchange(method, params, Mode::Raw).await? {
            Answer::Raw(raw) => Ok(raw),
            // Not sent for a request that did not ask for it.
            Answer::Streamed(_) => Err(Error::Disconnected {
                method: method.to_owned(),
            }),
            // A small result, decoded on the common path: hand back its text.
            Answer::Parsed(reply) => Ok(RawReply {
                result: Bytes::from(serde_json::to_vec(&reply.result).unwrap_or_default()),
                notifications_before: reply.notifications_before,
            }),
        }
    }

    /// As [`RpcClient::request_raw`], but the result's JSON text is handed over piece by piece as
    /// it arrives: the returned [`StreamedReply`] comes as soon as the reply starts, and its
    /// [`StreamedReply::next_piece`] yields the rest (within this handle's deadline, counted from
    /// this call). Meant for a monitor's initial rows, decoded as they stream in so that the
    /// whole text is never held at once. A reply that is not streamed (small, or not laid out as
    /// ovsdb-server lays out replies: `{"id":..,"result":..,"error":null}`) comes as one piece.
    ///
    /// # Errors
    /// As [`RpcClient::request`] for the start of the reply; later ones from
    /// [`StreamedReply::next_piece`].
    pub async fn request_streamed(&self, method: &str, params: Value) -> Result<StreamedReply, Error> {
        match self.exchange(method, params, Mode::Streamed).await? {
            Answer::Streamed(s) => Ok(s),
            Answer::Raw(raw) => Ok(StreamedReply::whole(
                method,
                raw.result,
                raw.notifications_before,
                self.timeout,
            )),
            Answer::Parsed(reply) => Ok(StreamedReply::whole(
                method,
                Bytes::from(serde_json::to_vec(&reply.result).unwrap_or_default()),
                reply.notifications_before,
                self.timeout,
            )),
        }
    }

    async fn exchange(&self, method: &str, params: Value, mode: Mode) -> Result<Answer, Error> {
        let deadline = Instant::now() + self.timeout;
        let timeout = |sent| Error::Timeout {
            method: method.to_owned(),
            timeout: self.timeout,
            sent,
        };
        let disconnected = || Error::Disconnected {
            method: method.to_owned(),
        };
        let _permit = match tokio::time::timeout_at(deadline, self.shared.permits.acquire()).await {
            Err(_elapsed) => return Err(timeout(false)),
            Ok(Err(_closed)) => return Err(disconnected()),
            Ok(Ok(permit)) => permit,
        };
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        {
            let mut st = self.shared.lock();
            if st.closed {
                return Err(disconnected());
            }
            st.pending.insert(
                id,
                Pending {
                    method: method.to_owned(),
                    tx,
                    written: false,
                    mode,
                    deadline,
                    timeout: self.timeout,
                },
            );
        }
        let guard = PendingGuard {
            shared: &self.shared,
            id,
        };
        let bytes = Message::request(method, params, id).to_vec();
        if self.out.send(Outgoing { id: Some(id), bytes }).is_err() {
            return Err(disconnected());
        }
        match tokio::time::timeout_at(deadline, rx).await {
            Ok(Ok(result)) => result,
            // The connection dropped the sender without answering: it is gone.
            Ok(Err(_)) => Err(lost(method, true)),
            Err(_elapsed) => {
                let written = guard.take().unwrap_or(true);
                if written && method == "transact" {
                    let _closed = self.notify(Cancel::NAME, Cancel { id: Id::from(id) }.params_json());
                }
                Err(timeout(written))
            }
        }
    }
}

/// The I/O half of a connection: a future that reads, writes, answers echoes and probes until the
/// connection closes. Spawn it (`tokio::spawn(connection)`) or poll it alongside the requests.
///
/// Resolves to `Ok(())` when every [`RpcClient`] was dropped (the socket is then shut down), or to
/// the error that closed the connection: [`Error::PeerClosed`], [`Error::Io`],
/// [`Error::Framing`], [`Error::Message`], [`Error::ProbeTimeout`], or [`Error::Tls`] when the
/// TLS peer sent an alert (for example rejecting our certificate).
#[must_use = "the connection does nothing unless spawned or polled"]
pub struct Connection {
    inner: Pin<Box<dyn Future<Output = Result<(), Error>> + Send>>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection").finish_non_exhaustive()
    }
}

impl Future for Connection {
    type Output = Result<(), Error>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.as_mut().poll(cx)
    }
}

/// Starts a JSON-RPC connection over `stream` (already connected; for TLS, already wrapped).
///
/// Returns the request handle, the notification stream and the connection future, which must be
/// spawned or polled for anything to happen.
pub fn connect<S>(stream: S, options: &RpcOptions) -> (RpcClient, Notifications, Connection)
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let shared = Arc::new(Shared {
        state: Mutex::new(State::default()),
        permits: Semaphore::new(options.max_in_flight.max(1)),
        next_id: AtomicU64::new(0),
        notifications: AtomicU64::new(0),
    });
    let (out_tx, out_rx) = mpsc::unbounded_channel();
    let (note_tx, note_rx) = mpsc::unbounded_channel();
    let client = RpcClient {
        shared: shared.clone(),
        out: out_tx,
        timeout: options.request_timeout,
    };
    let io = Io {
        shared,
        out_rx,
        note_tx,
        splitter: FrameSplitter::new().with_max_frame_len(options.max_frame_len),
        probe: options.inactivity_probe,
    };
    let connection = Connection {
        inner: Box::pin(io.run(stream)),
    };
    (client, Notifications { rx: note_rx }, connection)
}

struct Io {
    shared: Arc<Shared>,
    out_rx: mpsc::UnboundedReceiver<Outgoing>,
    note_tx: mpsc::UnboundedSender<RawNotification>,
    splitter: FrameSplitter,
    probe: Option<Duration>,
}

/// Fails pending requests when the connection future finishes or is dropped.
struct CloseOnDrop(Arc<Shared>);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        self.0.close();
    }
}

impl Io {
    async fn run<S>(self, stream: S) -> Result<(), Error>
    where
        S: AsyncRead + AsyncWrite + Send + 'static,
    {
        let Io {
            shared,
            out_rx,
            note_tx,
            mut splitter,
            probe,
        } = self;
        let _close = CloseOnDrop(shared.clone());
        let (mut reader, writer) = tokio::io::split(stream);
        // Echo replies and our probes: never blocked behind callers' requests in a channel that
        // callers could fill.
        let (internal_tx, internal_rx) = mpsc::unbounded_channel::<Vec<u8>>();
        let write = write_loop(writer, out_rx, internal_rx, shared.clone());
        tokio::pin!(write);

        let mut buf = BytesMut::with_capacity(16 * 1024);
        let mut last_rx = Instant::now();
        let mut probe_sent: Option<Instant> = None;
        // The reply being streamed to a [`RpcClient::request_streamed`] caller, if any.
        let mut stream: Option<Streaming> = None;
        let max_frame_len = splitter.max_frame_len();
        loop {
            let probe_at = probe.map(|i| probe_sent.unwrap_or(last_rx) + i);
            // Streamed bytes leave `buf` as they arrive: read in bigger steps meanwhile.
            let step = if stream.is_some() { 64 * 1024 } else { 16 * 1024 };
            if buf.capacity() - buf.len() < 4096 {
                buf.reserve(step);
            }
            // A streamed result's reader is behind: wait for it rather than read on.
            let paused = stream.as_ref().is_some_and(Streaming::is_full);
            let credit = stream.as_ref().map(|s| s.credit.clone());
            tokio::select! {
                biased;
                read = reader.read_buf(&mut buf), if !paused => {
                    let n = read.map_err(map_read_error)?;
                    if n == 0 {
                        if stream.is_some() {
                            // Ends the stream with the error (see `Streaming`'s drop).
                            return Err(Error::PeerClosed);
                        }
                        if let Err(e) = splitter.next_frame_at_eof(&mut buf) {
                            return Err(Error::Framing(e));
                        }
                        return Err(Error::PeerClosed);
                    }
                    last_rx = Instant::now();
                    probe_sent = None;
                    loop {
                        if let Some(s) = &mut stream {
                            if !s.feed(&mut buf, max_frame_len)? {
                                break;
                            }
                            stream = None;
                        }
                        if !splitter.is_mid_frame() {
                            match stream_start(&mut buf, &shared) {
                                StreamStart::Started(mut s) => {
                                    s.offset = splitter.stream_offset();
                                    stream = Some(s);
                                    continue;
                                }
                                StreamStart::NeedMore => break,
                                StreamStart::No => {}
                            }
                        }
                        let Some(frame) = splitter.next_frame(&mut buf).map_err(Error::Framing)? else {
                            break;
                        };
                        if frame.len() >= RAW_SCAN_MIN && raw_reply(&frame, &shared) {
                            continue;
                        }
                        let msg = decode_frame(&frame).map_err(Error::Message)?;
                        dispatch(msg, &shared, &note_tx, &internal_tx);
                    }
                }
                () = notified_opt(credit.as_deref()), if paused => {}
                done = &mut write => return done,
                () = sleep_until_opt(probe_at) => {
                    let now = Instant::now();
                    if probe_sent.is_some() {
                        if !shared.awaits_large_result() && stream.is_none() {
                            return Err(Error::ProbeTimeout { idle: now - last_rx });
                        }
                        // ovsdb-server answers nothing, not even an echo, while it builds a
                        // large reply (12 s for 200k southbound flows on a busy machine): that
                        // request's own deadline bounds the wait instead.
                        tracing::debug!("inactivity probe unanswered while a large result is built");
                    }
                    tracing::debug!("inactivity probe: sending echo");
                    let _ = internal_tx.send(Message::request("echo", Value::Array(vec![]), PROBE_ID).to_vec());
                    probe_sent = Some(now);
                }
            }
        }
    }
}

/// Waits until a streamed result's reader has taken enough to read on.
async fn notified_opt(credit: Option<&StreamCredit>) {
    match credit {
        Some(c) => c.space.notified().await,
        None => std::future::pending().await,
    }
}

/// A reply being streamed to its [`RpcClient::request_streamed`] caller: the bytes of its
/// `result` go to the caller as they arrive, the rest of the message (`,"error":null}`) is kept
/// and checked at its end.
struct Streaming {
    /// The caller's end; `None` once it stopped listening (the rest is then skipped).
    tx: Option<std::sync::mpsc::Sender<Piece>>,
    credit: Arc<StreamCredit>,
    method: String,
    /// The message's text up to the result (`{"id":7,"result":`), then the text after it.
    envelope: Vec<u8>,
    /// Where the result was in `envelope`.
    result_at: usize,
    /// Bytes of the message so far, for the frame length limit.
    len: usize,
    /// Stream offset of the message (as the frame splitter counts), for errors.
    offset: u64,
    /// Open arrays and objects: the message's own object counts 1.
    depth: usize,
    in_string: bool,
    escaped: bool,
    /// The result has ended (its closing bracket seen).
    result_done: bool,
    /// The end of the message has been seen and handled.
    finished: bool,
}

impl Streaming {
    fn is_full(&self) -> bool {
        self.tx.is_some()
            && !self.credit.closed.load(Ordering::Acquire)
            && self.credit.queued.load(Ordering::Acquire) >= STREAM_READ_AHEAD
    }

    /// Takes this message's bytes off the front of `buf`: the result's go to the caller.
    /// Returns whether the message is complete (the rest of `buf` is the next message's).
    fn feed(&mut self, buf: &mut BytesMut, max_frame_len: usize) -> Result<bool, Error> {
        let mut i = 0;
        let mut end = None;
        let mut result_end = None;
        while i < buf.len() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                    i += 1;
                    continue;
                }
                match ovsdb_proto::jsonrpc::find_string_stop(&buf[i..]) {
                    Some(k) => {
                        if buf[i + k] == b'"' {
                            self.in_string = false;
                        } else {
                            self.escaped = true;
                        }
                        i += k + 1;
                    }
                    None => i = buf.len(),
                }
                continue;
            }
            let b = buf[i];
            i += 1;
            match b {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => {
                    self.depth -= 1;
                    if self.depth == 1 && !self.result_done {
                        self.result_done = true;
                        result_end = Some(i);
                    } else if self.depth == 0 {
                        end = Some(i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let taken = end.unwrap_or(buf.len());
        self.len += taken;
        if self.len > max_frame_len {
            return Err(Error::Framing(ovsdb_proto::jsonrpc::FramingError::FrameTooLong {
                limit: max_frame_len,
                offset: self.offset,
            }));
        }
        let mut bytes = buf.split_to(taken).freeze();
        let result_part = match result_end {
            Some(k) => bytes.split_to(k),
            None if self.result_done => Bytes::new(),
            None => std::mem::take(&mut bytes),
        };
        if result_end.is_some() || self.result_done {
            self.envelope.extend_from_slice(&bytes);
        }
        if self.credit.closed.load(Ordering::Acquire) {
            self.tx = None;
        }
        if !result_part.is_empty()
            && let Some(tx) = &self.tx
        {
            self.credit.queued.fetch_add(result_part.len(), Ordering::AcqRel);
            if tx.send(Piece::Bytes(result_part)).is_err() {
                self.tx = None;
            }
        }
        if end.is_none() {
            return Ok(false);
        }
        self.finished = true;
        let outcome = self.outcome();
        if let Some(tx) = self.tx.take() {
            let _caller_gone = tx.send(Piece::End(outcome));
        }
        Ok(true)
    }

    /// The reply's outcome from the text around its result.
    fn outcome(&self) -> Result<(), Error> {
        let text = &self.envelope;
        let split = self.result_at;
        let mut env = Vec::with_capacity(text.len() + 4);
        env.extend_from_slice(text.get(..split).unwrap_or_default());
        env.extend_from_slice(b"null");
        env.extend_from_slice(text.get(split..).unwrap_or_default());
        let msg = decode_frame(&Bytes::from(env)).map_err(Error::Message)?;
        match msg {
            Message::Response { error, .. } if error.is_null() => Ok(()),
            Message::Response { error, .. } => Err(Error::Rpc {
                error: Box::new(ovsdb_error(error)),
                method: self.method.clone(),
            }),
            _ => Err(Error::Message(
                ovsdb_proto::jsonrpc::MessageError::MissingMember { member: "id" },
            )),
        }
    }
}

impl Drop for Streaming {
    fn drop(&mut self) {
        if !self.finished
            && let Some(tx) = self.tx.take()
        {
            let _caller_gone = tx.send(Piece::End(Err(lost(&self.method, true))));
        }
    }
}

/// Whether the message at the front of `buf` is a reply to stream.
enum StreamStart {
    /// Yes: its prefix has been taken off `buf`.
    Started(Streaming),
    /// `buf` holds too little to tell.
    NeedMore,
    /// No: split and decode it as usual.
    No,
}

/// Recognises `{"id":<n>,"result":` followed by `{` or `[` (whitespace allowed) where `<n>` is a
/// [`RpcClient::request_streamed`] request waiting for its reply.
fn stream_start(buf: &mut BytesMut, shared: &Shared) -> StreamStart {
    /// Longer prefixes (much whitespace) are left to the ordinary path.
    const MAX_PREFIX: usize = 256;
    let mut p = Prefix { buf, i: 0 };
    let parsed = (|| {
        p.ws()?;
        p.lit(b"{")?;
        p.ws()?;
        p.lit(b"\"id\"")?;
        p.ws()?;
        p.lit(b":")?;
        p.ws()?;
        let id = p.digits()?;
        p.ws()?;
        p.lit(b",")?;
        p.ws()?;
        p.lit(b"\"result\"")?;
        p.ws()?;
        p.lit(b":")?;
        p.ws()?;
        match p.buf.get(p.i) {
            Some(b'{' | b'[') => Ok(id),
            Some(_) => Err(false),
            None => Err(true),
        }
    })();
    let at = p.i;
    let id = match parsed {
        Ok(id) => id,
        Err(true) if buf.len() < MAX_PREFIX => return StreamStart::NeedMore,
        Err(_) => return StreamStart::No,
    };
    let p = {
        let mut st = shared.lock();
        match st.pending.get(&id) {
            Some(p) if p.mode == Mode::Streamed => st.pending.remove(&id),
            _ => None,
        }
    };
    let Some(p) = p else { return StreamStart::No };
    let credit = Arc::new(StreamCredit::default());
    let (tx, rx) = std::sync::mpsc::channel();
    let reply = StreamedReply {
        notifications_before: shared.notifications.load(Ordering::Relaxed),
        method: p.method.clone(),
        pieces: rx,
        credit: credit.clone(),
        deadline: p.deadline.into_std(),
        timeout: p.timeout,
        done: false,
    };
    let tx = p.tx.send(Ok(Answer::Streamed(reply))).is_ok().then_some(tx);
    let prefix = buf.split_to(at);
    StreamStart::Started(Streaming {
        tx,
        credit,
        method: p.method,
        envelope: prefix.to_vec(),
        result_at: at,
        offset: 0,
        len: at,
        depth: 1,
        in_string: false,
        escaped: false,
        result_done: false,
        finished: false,
    })
}

/// A cursor over the start of a message; `Err(true)`: too few bytes, `Err(false)`: no match.
struct Prefix<'a> {
    buf: &'a BytesMut,
    i: usize,
}

impl Prefix<'_> {
    fn ws(&mut self) -> Result<(), bool> {
        while let Some(&b) = self.buf.get(self.i) {
            if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                return Ok(());
            }
            self.i += 1;
        }
        Err(true)
    }

    fn lit(&mut self, lit: &[u8]) -> Result<(), bool> {
        let have = &self.buf[self.i.min(self.buf.len())..];
        let n = have.len().min(lit.len());
        if have[..n] != lit[..n] {
            return Err(false);
        }
        if n < lit.len() {
            return Err(true);
        }
        self.i += n;
        Ok(())
    }

    fn digits(&mut self) -> Result<u64, bool> {
        let start = self.i;
        while let Some(b) = self.buf.get(self.i) {
            if !b.is_ascii_digit() {
                break;
            }
            self.i += 1;
        }
        if self.i == self.buf.len() {
            return Err(true);
        }
        std::str::from_utf8(&self.buf[start..self.i])
            .ok()
            .and_then(|d| d.parse().ok())
            .ok_or(false)
    }
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Handles one message from the server. Never blocks.
fn dispatch(
    msg: Message,
    shared: &Shared,
    note_tx: &mpsc::UnboundedSender<RawNotification>,
    internal_tx: &mpsc::UnboundedSender<Vec<u8>>,
) {
    match msg {
        Message::Response { result, error, id } => {
            let Some(n) = id.as_u64() else {
                if id.as_str() != Some(PROBE_ID) {
                    tracing::debug!(%id, "reply with an id this client never used; ignored");
                }
                return;
            };
            let Some(p) = shared.lock().pending.remove(&n) else {
                tracing::debug!(%id, "reply to a request nobody waits for (timed out or dropped)");
                return;
            };
            let res = if error.is_null() {
                Ok(Answer::Parsed(Reply {
                    result,
                    notifications_before: shared.notifications.load(Ordering::Relaxed),
                }))
            } else {
                Err(Error::Rpc {
                    error: Box::new(ovsdb_error(error)),
                    method: p.method,
                })
            };
            let _caller_gone = p.tx.send(res);
        }
        Message::Request { method, params, id } => {
            let reply = if method == "echo" {
                Message::response_ok(id, params)
            } else {
                tracing::debug!(%method, "request from the server for an unknown method");
                Message::response_error(id, Value::from(ErrorKind::UnknownMethod.as_str()))
            };
            let _closed = internal_tx.send(reply.to_vec());
        }
        Message::Notification { method, params } => {
            let seq = shared.notifications.fetch_add(1, Ordering::Relaxed);
            let _nobody_listens = note_tx.send(RawNotification { method, params, seq });
        }
    }
}

/// The members of a message that decide whether it is a reply a [`RpcClient::request_raw`]
/// caller waits for; the other members are skipped without being decoded.
#[derive(serde::Deserialize)]
struct Envelope<'a> {
    #[serde(default)]
    id: Option<u64>,
    #[serde(borrow, default)]
    result: Option<&'a serde_json::value::RawValue>,
    #[serde(borrow, default)]
    error: Option<&'a serde_json::value::RawValue>,
    #[serde(borrow, default)]
    method: Option<&'a serde_json::value::RawValue>,
}

/// Hands `frame` to its caller undecoded if it is a successful reply to a
/// [`RpcClient::request_raw`]; false (nothing done) for anything else, which then takes the
/// ordinary path (with its error reporting).
fn raw_reply(frame: &Bytes, shared: &Shared) -> bool {
    let Ok(env) = serde_json::from_slice::<Envelope<'_>>(frame) else {
        return false;
    };
    let (Some(id), Some(result), None, None) = (env.id, env.result, env.error, env.method) else {
        return false;
    };
    let text = result.get().as_bytes();
    let start = (text.as_ptr() as usize).wrapping_sub(frame.as_ptr() as usize);
    let Some(range) = start.checked_add(text.len()).map(|end| start..end) else {
        return false;
    };
    if range.end > frame.len() {
        return false;
    }
    let p = {
        let mut st = shared.lock();
        match st.pending.get(&id) {
            Some(p) if p.mode != Mode::Parsed => st.pending.remove(&id),
            _ => None,
        }
    };
    let Some(p) = p else { return false };
    let _caller_gone = p.tx.send(Ok(Answer::Raw(RawReply {
        result: frame.slice(range),
        notifications_before: shared.notifications.load(Ordering::Relaxed),
    })));
    true
}

/// Converts a JSON-RPC `error` member into an [`OvsdbError`] (object or bare-string form; any
/// other JSON is kept as the text of an unknown kind).
fn ovsdb_error(error: Value) -> OvsdbError {
    match ovsdb_proto::error::from_value::<OvsdbError>(error.clone()) {
        Ok(e) => e,
        Err(_) => OvsdbError::new(ErrorKind::from_wire(&error.to_string())),
    }
}

async fn write_loop<W: AsyncWrite>(
    writer: W,
    mut out_rx: mpsc::UnboundedReceiver<Outgoing>,
    mut internal_rx: mpsc::UnboundedReceiver<Vec<u8>>,
    shared: Arc<Shared>,
) -> Result<(), Error> {
    tokio::pin!(writer);
    loop {
        let bytes = tokio::select! {
            biased;
            Some(b) = internal_rx.recv() => b,
            next = out_rx.recv() => match next {
                Some(o) => {
                    if let Some(id) = o.id {
                        let mut st = shared.lock();
                        match st.pending.get_mut(&id) {
                            Some(p) => p.written = true,
                            None => continue, // the caller gave up before it was written
                        }
                    }
                    o.bytes
                }
                None => {
                    // Every RpcClient is gone: close cleanly.
                    let _ = writer.flush().await;
                    let _ = writer.shutdown().await;
                    return Ok(());
                }
            },
        };
        writer.write_all(&bytes).await.map_err(Error::Io)?;
        // Flush once the queues are momentarily empty, so bursts go out together.
        if internal_rx.is_empty() && out_rx.is_empty() {
            writer.flush().await.map_err(Error::Io)?;
        }
    }
}

/// Maps a read error: a TLS alert from the peer becomes [`Error::Tls`] with the alert named.
fn map_read_error(e: std::io::Error) -> Error {
    match crate::tls::alert_from_io(&e) {
        Some(tls) => Error::Tls(tls),
        None => Error::Io(e),
    }
}

#[cfg(test)]
#[path = "rpc_tests.rs"]
mod tests;
