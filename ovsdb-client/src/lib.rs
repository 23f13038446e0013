//! Async OVSDB client (RFC 7047 and the Open vSwitch extensions of ovsdb-server(7)) on tokio.
//!
//! What it is: the part of the workspace that owns sockets and tasks. [`rpc`] is one JSON-RPC
//! connection over any byte stream; [`transport`] opens `tcp:`, `ssl:` (rustls, [`TlsConfig`])
//! and `unix:` remotes ([`Endpoint`]). What it is not: message types, schemas and data (those are
//! `ovsdb_proto`, which never touches I/O), nor the typed tables (generated per schema into
//! `ovn-nb`, `ovn-sb`, `ovs-vswitchd-schema`, or your own crate with `ovsdb-codegen`).
//!
//! On top of [`Client`]: [`replica`] keeps typed (or untyped) local copies of tables that follow
//! the server ([`Client::replica`]), and [`transaction`] builds typed transactions
//! ([`Client::transaction`]) whose commits are visible in the client's replicas when they return.
//!
//! ```no_run
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! use ovn_nb::{LogicalSwitch, OvnNorthboundDb};
//! // Protocol types come re-exported: no direct `ovsdb-proto` dependency needed
//! // (`ovsdb_client::proto` is the whole crate).
//! use ovsdb_client::{Client, ClientConfig, Uuid};
//!
//! // Any member of a RAFT cluster; the client finds (and follows) the leader.
//! let client = Client::connect(
//!     "tcp:127.0.0.1:6641,tcp:127.0.0.1:6643,tcp:127.0.0.1:6645",
//!     ClientConfig::default(),
//! )
//! .await?;
//! let nb = client.replica::<OvnNorthboundDb>().table::<LogicalSwitch>().start().await?;
//!
//! let mut txn = client.transaction::<OvnNorthboundDb>();
//! let ls1 = txn.insert(LogicalSwitch { name: "ls1".into(), ..Default::default() });
//! let uuid: Uuid = txn.commit().await?.uuid(&ls1).expect("inserted");
//! // Own writes are in the replica once `commit` returns, also after a reconnect.
//! assert!(nb.read().table::<LogicalSwitch>().get(&uuid).is_some());
//!
//! // Optimistic concurrency: rebuilt and retried while a `wait` finds the row changed.
//! let done = client
//!     .transact_with_retry::<OvnNorthboundDb, _, _>(10, |mut txn| async {
//!         let ls = nb.read().table::<LogicalSwitch>().get(&uuid).cloned();
//!         if let Some(ls) = ls {
//!             let mut new = ls.row.clone();
//!             new.other_config.insert("owner".into(), "me".into());
//!             txn.wait_unchanged(&ls);
//!             txn.update_row(&ls, &new);
//!         }
//!         (txn, ())
//!     })
//!     .await?;
//! println!("committed after {} attempt(s)", done.attempts);
//! # Ok(()) }
//! ```
//!
//! # Behaviour model
//! - **One session at a time.** [`Client`] keeps one connection to one server of its remote list
//!   and replaces it after a failure: remotes tried in shuffled order, exponential backoff with
//!   jitter between failed rounds ([`Backoff`]: 1 s to 8 s), [`Client::state`] shows
//!   Connecting / Connected / Backoff. Every request waits for a session at most its deadline
//!   ([`ClientConfig::request_timeout`]); nothing waits forever.
//! - **Cluster aware.** Each session reads the `_Server` database: a server that is not the
//!   leader (unless [`ClientConfig::leader_only`] is off), not connected to its cluster, or at a
//!   log index older than one already seen is left for another member.
//! - **Liveness.** The server's `echo` is answered by the connection itself; a client-side probe
//!   (5 s on `tcp:`/`ssl:`, off on `unix:`, as OVS) drops a silent server.
//! - **Outcome unknown.** A transaction whose reply was lost to a disconnect fails with
//!   [`Error::OutcomeUnknown`]: it may or may not have committed and is never replayed. A request
//!   not yet sent is sent on the next session.
//! - **Monitors and replicas survive reconnects**: they resume with `monitor_cond_since` and the
//!   last transaction id when the server still has it, else resynchronise atomically
//!   ([`replica`]). [`Replica::wait_current`] waits until a replica caught up on the current
//!   session ([`ReplicaState`]).
//! - **Own writes, whatever the session history.** A transaction committed through the client
//!   ([`Transaction::commit`], [`Client::transact_synced`]) returns once every replica of its
//!   database on this client holds it: a replica current on the session the reply came on must
//!   confirm it applied the updates sent before the reply; a replica still connecting or
//!   re-monitoring (after a reconnect its monitor may go out after the queued transaction) is
//!   waited for until it is current on that session or a later one. A stopped replica is not
//!   waited for; one that cannot catch up within the request deadline (at least 1 s) is left
//!   behind with a warning and the commit still returns its result (it was committed).
//! - **Errors say what to do**: [`Error::is_conflict`] (rebuild and retry:
//!   [`Client::transact_with_retry`]), [`Error::is_outcome_unknown`] (check, then retry
//!   idempotently), [`Error::is_constraint_violation`], [`Error::is_not_leader`],
//!   [`Error::is_disconnected`].

#![forbid(unsafe_code)]

pub mod client;
pub mod endpoint;
pub mod error;
pub mod replica;
pub mod rpc;
pub mod tls;
pub mod transaction;
pub mod transport;

/// The protocol crate, whole: message types, schemas, data, operations (`ovsdb-proto`). A user
/// of this crate needs no direct dependency on it; the common items are also at this crate's
/// root ([`Uuid`], [`Datum`], [`Condition`]...).
pub use ovsdb_proto as proto;
pub use ovsdb_proto::op::{TransactError, WaitUntil};
pub use ovsdb_proto::{
    Atom, Condition, Database, DatabaseSchema, Datum, ErrorKind, Map, Mutation, Mutator, NamedUuid,
    Operation, OperationResult, OvsdbError, Real, Ref, Row, Set, SmolStr, Table, TransactReply, Uuid,
    UuidRef,
};

pub use client::{
    Backoff, Client, ClientConfig, ConnectionState, LockHandle, LockState, MonitorEvent, MonitorStream,
};
pub use endpoint::{DEFAULT_OVS_SOCKET, DEFAULT_PORT, Endpoint, EndpointError, EndpointProblem};
pub use error::Error;
pub use replica::{
    DynamicReplica, DynamicRow, Event, Record, Replica, ReplicaError, ReplicaState, ReplicaStatus, TableSpec,
};
pub use rpc::{Notifications, RawNotification, Reply, RpcClient, RpcOptions};
pub use tls::{ServerNameCheck, TlsConfig, TlsConnector, TlsError};
pub use transaction::{
    CfgWait, CfgWaitError, DynamicTransaction, Outcome, Plain, Resolve, RetryOutcome, Transaction,
};

// The `_Server` bindings are generated by `cargo xtask codegen` into `src/generated/`; keep this.
#[rustfmt::skip]
mod generated;

/// Typed bindings for ovsdb-server's own `_Server` database (ovsdb-server(7) "Database
/// Operations"): one [`Database`](server_db::Database) row per database the server serves, with
/// its model (standalone, clustered, relay), whether it is connected, whether this server is the
/// cluster leader, and the schema.
///
/// Generated by `cargo xtask codegen` from `schema/_server.ovsschema` (captured from ovsdb-server
/// 3.1.0 with `ovsdb-client get-schema`).
pub mod server_db {
    pub use crate::generated::*;
}
