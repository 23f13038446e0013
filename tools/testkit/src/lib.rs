//! Real `ovsdb-server` processes for tests: standalone servers, RAFT clusters, and a raw JSON-RPC
//! connection to talk to them without any OVSDB client library.
//!
//! # What it is and is not
//!
//! It drives the installed Open vSwitch programs (`ovsdb-server`, `ovsdb-tool`, `ovs-appctl`;
//! OVS 3.1 is what it is tested with) from synchronous code: callers may be async, every call here
//! blocks for a bounded time. It does not speak OVSDB beyond raw JSON values
//! ([`RawConnection`], [`raw_call`]); it does not depend on `ovsdb-client`.
//!
//! # Behaviour model
//!
//! - Every server lives in a fresh temporary directory holding its databases, unix socket
//!   (`db.sock`), pidfile, control socket and log. `OVS_RUNDIR`, `OVS_LOGDIR` and `OVS_DBDIR` point
//!   there, so nothing touches `/var/run/openvswitch`.
//! - Servers run detached (`--detach`); the kit knows them by the pid in their pidfile together
//!   with the process's start time, so a recycled pid is never signalled. A process counts as dead
//!   once `/proc/PID/stat` is gone or says zombie (detached daemons are reaped late by PID 1).
//! - Dropping an [`OvsdbServer`] or [`Cluster`] stops the processes (SIGTERM, SIGKILL after a
//!   bounded wait) and removes the directories, also while a test unwinds from a panic. A
//!   [`Watchdog`] aborts a hung test after killing every daemon the kit started.
//! - Every wait has a timeout; errors ([`Error`]) carry the tail of the relevant log.
//!
//! # Example
//!
//! Needs the Open vSwitch programs installed, hence `no_run`:
//!
//! ```no_run
//! use ovsdb_testkit::{OvsdbServer, Watchdog, raw_call};
//! use serde_json::json;
//! use std::time::Duration;
//!
//! let _watchdog = Watchdog::arm("example", Duration::from_secs(60));
//! let server = OvsdbServer::builder("testdata/schemas/ovn-nb.ovsschema").tcp().start()?;
//! let reply = raw_call(
//!     &server.unix_remote(),
//!     &json!({"method": "list_dbs", "params": [], "id": 1}),
//! )?;
//! assert_eq!(reply["result"], json!(["OVN_Northbound", "_Server"]));
//! println!("also on {:?}, pid {:?}", server.tcp_remote(), server.pid());
//! // Dropping `server` stops the process and removes its directory.
//! # Ok::<(), ovsdb_testkit::Error>(())
//! ```

mod cluster;
mod error;
mod process;
mod rpc;
mod server;
mod wait;
mod watchdog;

pub use cluster::{
    Cluster, ClusterBuilder, ClusterStatus, DEFAULT_CLUSTER_TIMEOUT, DEFAULT_LEADER_TIMEOUT,
    free_loopback_ports,
};
pub use error::{Error, LogTail, Result, SchemaProblem};
pub use rpc::{DEFAULT_RPC_TIMEOUT, RawConnection, raw_call};
pub use server::{
    DEFAULT_COMMAND_TIMEOUT, DEFAULT_STARTUP_TIMEOUT, DEFAULT_STOP_TIMEOUT, OvsdbServer, ServedDatabase,
    ServerBuilder, schema_name,
};
pub use wait::{try_wait_until, wait_until};
pub use watchdog::Watchdog;
