//! Async OVSDB client (RFC 7047 and the Open vSwitch extensions of ovsdb-server(7)) on tokio.
//!
//! What it is: the part of the workspace that owns sockets and tasks. [`rpc`] is one JSON-RPC
//! connection over any byte stream; [`transport`] opens `tcp:`, `ssl:` (rustls, [`TlsConfig`])
//! and `unix:` remotes ([`Endpoint`]). What it is not: message types, schemas and data (those are
//! `ovsdb_proto`, which never touches I/O).

#![forbid(unsafe_code)]

pub mod endpoint;
pub mod error;
pub mod rpc;
pub mod tls;
pub mod transport;

pub use endpoint::{DEFAULT_OVS_SOCKET, DEFAULT_PORT, Endpoint, EndpointError, EndpointProblem};
pub use error::Error;
pub use rpc::{Notifications, RawNotification, Reply, RpcClient, RpcOptions};
pub use tls::{ServerNameCheck, TlsConfig, TlsConnector, TlsError};
