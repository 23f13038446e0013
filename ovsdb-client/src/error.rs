//! The client's error type.

use std::time::Duration;

use ovsdb_proto::jsonrpc::{FramingError, MessageError};
use ovsdb_proto::op::TransactError;
use ovsdb_proto::{DecodeError, ErrorKind, OvsdbError};

use crate::endpoint::{Endpoint, EndpointError};
use crate::tls::TlsError;

/// Everything that can go wrong in this crate.
///
/// The variants say what failed; sources are kept. The three ways a request can end without an
/// answer are distinct, because they mean different things for a write:
/// - [`Error::Disconnected`]: the request was **not** sent (or was a read whose answer was lost),
///   so retrying it is safe;
/// - [`Error::OutcomeUnknown`]: a `transact` (or `convert`) was written to the server and the
///   connection dropped before the reply. The server may or may not have committed it. This crate
///   never replays it; check the database (or make the transaction idempotent with a `wait`
///   operation) before trying again. OVSDB has no duplicate suppression (ovsdb(7), "Understanding
///   Cluster Consistency").
/// - [`Error::Timeout`]: the request's deadline passed; when `sent` is true for a `transact` the
///   outcome is equally unknown ([`Error::is_outcome_unknown`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A socket read or write failed on an established connection.
    #[error("connection I/O error: {0}")]
    Io(#[source] std::io::Error),
    /// Opening the connection to an endpoint failed (refused, unreachable, no such socket file).
    #[error("cannot connect to {endpoint}: {source}")]
    Connect {
        /// Where we tried to connect.
        endpoint: Endpoint,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// Opening the connection (TCP connect plus TLS handshake) took longer than the connect
    /// timeout.
    #[error("connecting to {endpoint} timed out after {}", HumanDuration(*timeout))]
    ConnectTimeout {
        /// Where we tried to connect.
        endpoint: Endpoint,
        /// The timeout that expired.
        timeout: Duration,
    },
    /// TLS configuration or handshake failure, or the server rejected our certificate.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// A remote string in OVS syntax did not parse.
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    /// The byte stream from the server could not be split into JSON values (garbage, or a message
    /// longer than the maximum frame length). The connection is closed.
    #[error("framing error from the server: {0}")]
    Framing(#[source] FramingError),
    /// A frame from the server is JSON but not a JSON-RPC message. The connection is closed.
    #[error("bad JSON-RPC message from the server: {0}")]
    Message(#[source] MessageError),
    /// A reply's `result` (or a notification's params) did not decode into the expected type.
    #[error("cannot decode the result of {method:?}: {source}")]
    Decode {
        /// The method whose reply did not decode.
        method: &'static str,
        /// What was wrong and where.
        #[source]
        source: DecodeError,
    },
    /// The server answered a request with an error (`{"error": ...}` in the JSON-RPC response).
    #[error("{method} failed: {error}")]
    Rpc {
        /// The method name.
        method: String,
        /// The error the server sent.
        error: Box<OvsdbError>,
    },
    /// A transaction was executed and rejected: an operation failed or the commit failed
    /// (RFC 7047 §4.1.3). Nothing was committed.
    #[error("transaction failed: {0}")]
    Transaction(#[source] Box<TransactError>),
    /// The request could not be sent because there is no connection (or the connection closed
    /// before it was written), or it was a read-only request whose reply was lost. Safe to retry.
    #[error("{method}: not connected (the request was not executed, or was read-only)")]
    Disconnected {
        /// The method name.
        method: String,
    },
    /// A `transact` or `convert` was sent and the connection was lost before its reply: it may or
    /// may not have been committed. Never replayed automatically.
    #[error("{method}: outcome unknown: the connection was lost after the request was sent")]
    OutcomeUnknown {
        /// The method name.
        method: String,
    },
    /// The request's deadline passed before the reply arrived (or before it could be sent).
    #[error("{method}: no reply within {}{}", HumanDuration(*timeout), if *sent { " (the request was sent)" } else { " (not sent)" })]
    Timeout {
        /// The method name.
        method: String,
        /// The deadline that passed.
        timeout: Duration,
        /// Whether the request was written to the connection.
        sent: bool,
    },
    /// The server stopped answering: nothing was received for two inactivity-probe intervals
    /// (an `echo` request sent after the first went unanswered).
    #[error("the server sent nothing for {} (inactivity probe unanswered)", HumanDuration(*idle))]
    ProbeTimeout {
        /// How long the connection was silent.
        idle: Duration,
    },
    /// The server closed the connection.
    #[error("the server closed the connection")]
    PeerClosed,
    /// The server is not the cluster leader and the client is leader-only.
    #[error("{endpoint}: not the leader of clustered database {db:?}")]
    NotLeader {
        /// The server.
        endpoint: Endpoint,
        /// The clustered database.
        db: String,
    },
    /// The server is a cluster member that is not connected to the cluster (`_Server.Database`
    /// `connected` is false): its data may be stale.
    #[error("{endpoint}: clustered database {db:?} is disconnected from its cluster")]
    NotConnectedToCluster {
        /// The server.
        endpoint: Endpoint,
        /// The clustered database.
        db: String,
    },
    /// The server's copy of a clustered database is older than one the client has already seen
    /// (`_Server.Database` `index` below the highest index seen), so it is refused.
    #[error("{endpoint}: database {db:?} is at index {index}, older than index {min_index} already seen")]
    StaleServer {
        /// The server.
        endpoint: Endpoint,
        /// The clustered database.
        db: String,
        /// The server's index.
        index: i64,
        /// The highest index the client has seen.
        min_index: i64,
    },
    /// The server does not serve the database the client was configured for.
    #[error("{endpoint}: no database {db:?} on this server")]
    NoSuchDatabase {
        /// The server.
        endpoint: Endpoint,
        /// The database asked for.
        db: String,
    },
    /// A monitor was canceled by the server (`monitor_canceled`: its database was converted or
    /// removed).
    #[error("monitor canceled by the server (database converted or removed)")]
    MonitorCanceled,
    /// `Client::connect` found no usable server: its startup timeout passed, or a whole round
    /// of remotes failed with permanent TLS errors (a certificate problem that retrying will not
    /// fix).
    #[error("no usable server after {}{}", HumanDuration(*waited), last.as_ref().map(|e| format!("; last error: {e}")).unwrap_or_default())]
    NoServer {
        /// How long the client tried.
        waited: Duration,
        /// Why the last attempt failed, if one finished.
        last: Option<std::sync::Arc<Error>>,
    },
    /// The client was shut down (every handle dropped or `Client::shutdown` called).
    #[error("the client was shut down")]
    Shutdown,
}

impl Error {
    /// Whether a write may or may not have been applied: [`Error::OutcomeUnknown`], or a
    /// [`Error::Timeout`] of a `transact` or `convert` that had been sent.
    pub fn is_outcome_unknown(&self) -> bool {
        match self {
            Error::OutcomeUnknown { .. } => true,
            Error::Timeout { method, sent, .. } => *sent && is_durable(method),
            _ => false,
        }
    }

    /// Whether retrying the same request is safe and may succeed: the request was not executed
    /// ([`Error::Disconnected`]) or the connection failed in a way a reconnect may fix.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::Disconnected { .. }
                | Error::Io(_)
                | Error::Connect { .. }
                | Error::ConnectTimeout { .. }
                | Error::PeerClosed
                | Error::ProbeTimeout { .. }
                | Error::NotLeader { .. }
                | Error::NotConnectedToCluster { .. }
                | Error::StaleServer { .. }
        ) || matches!(self, Error::Timeout { sent: false, .. })
    }

    /// Whether a transaction failed because a `wait` operation's condition was not met (RFC 7047
    /// §5.2.6: the server answers `"timed out"`; with `timeout` 0, at once): rows changed since
    /// they were read, so nothing was committed and building the transaction again from fresh
    /// data may succeed. The C IDL reports this as `TXN_TRY_AGAIN`;
    /// [`Client::transact_with_retry`](crate::Client::transact_with_retry) retries it.
    pub fn is_conflict(&self) -> bool {
        self.transaction_error_is(&ErrorKind::TimedOut)
    }

    /// Whether a transaction failed on a `"constraint violation"` (RFC 7047 §4.1.3, §5.2): a value
    /// outside its column's constraints, or, at commit, two rows with the same index key (a
    /// duplicate `name`). Nothing was committed; retrying the same transaction fails again.
    pub fn is_constraint_violation(&self) -> bool {
        self.transaction_error_is(&ErrorKind::ConstraintViolation)
    }

    /// Whether a transaction failed on a `"referential integrity violation"` (RFC 7047 §4.1.3):
    /// a strong reference to a missing row, or the deletion of a row still referenced.
    pub fn is_referential_integrity_violation(&self) -> bool {
        self.transaction_error_is(&ErrorKind::ReferentialIntegrityViolation)
    }

    /// Whether the server was refused for not being the cluster leader ([`Error::NotLeader`]),
    /// also as the last error of [`Error::NoServer`] (the client is leader-only and found no
    /// leader among its remotes).
    pub fn is_not_leader(&self) -> bool {
        match self {
            Error::NotLeader { .. } => true,
            Error::NoServer { last: Some(l), .. } => l.is_not_leader(),
            _ => false,
        }
    }

    /// Whether the request failed because there was no connection or it was lost:
    /// [`Error::Disconnected`] (not executed: safe to retry), or the connection's own failure
    /// ([`Error::Io`], [`Error::PeerClosed`], [`Error::ProbeTimeout`]). A write whose reply was
    /// lost is [`Error::is_outcome_unknown`] instead.
    pub fn is_disconnected(&self) -> bool {
        matches!(
            self,
            Error::Disconnected { .. } | Error::Io(_) | Error::PeerClosed | Error::ProbeTimeout { .. }
        )
    }

    fn transaction_error_is(&self, kind: &ErrorKind) -> bool {
        matches!(self, Error::Transaction(t) if t.error.error == *kind)
    }

    /// The server's error, for [`Error::Rpc`] and [`Error::Transaction`].
    pub fn as_ovsdb_error(&self) -> Option<&OvsdbError> {
        match self {
            Error::Rpc { error, .. } => Some(error),
            Error::Transaction(t) => Some(&t.error),
            _ => None,
        }
    }
}

/// Whether a method changes durable state on the server, so that losing its reply leaves the
/// outcome unknown (`transact`, `convert`). Other methods are reads or only change state that
/// dies with the connection (monitors, locks).
pub(crate) fn is_durable(method: &str) -> bool {
    matches!(method, "transact" | "convert")
}

/// A duration as people read it in messages: `30 s`, `2.0 s`, `150 ms`, `2.5 ms`, `80 µs`
/// (seconds with one decimal unless whole, milliseconds rounded, one decimal below 10 ms).
///
/// ```
/// use std::time::Duration;
/// use ovsdb_client::error::HumanDuration;
/// assert_eq!(HumanDuration(Duration::from_nanos(2_001_582_048)).to_string(), "2.0 s");
/// assert_eq!(HumanDuration(Duration::from_secs(30)).to_string(), "30 s");
/// assert_eq!(HumanDuration(Duration::from_millis(150)).to_string(), "150 ms");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HumanDuration(pub Duration);

impl std::fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = self.0;
        if d >= Duration::from_secs(1) {
            if d.subsec_nanos() == 0 {
                write!(f, "{} s", d.as_secs())
            } else {
                write!(f, "{:.1} s", d.as_secs_f64())
            }
        } else if d >= Duration::from_millis(10) {
            write!(f, "{} ms", (d.as_secs_f64() * 1e3).round())
        } else if d >= Duration::from_millis(1) {
            write!(f, "{:.1} ms", d.as_secs_f64() * 1e3)
        } else {
            write!(f, "{} µs", d.as_micros())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_as_people_read_them() {
        let cases = [
            (Duration::from_nanos(2_001_582_048), "2.0 s"),
            (Duration::from_secs(30), "30 s"),
            (Duration::from_millis(1500), "1.5 s"),
            (Duration::from_millis(150), "150 ms"),
            (Duration::from_micros(2500), "2.5 ms"),
            (Duration::from_micros(80), "80 µs"),
            (Duration::ZERO, "0 µs"),
        ];
        for (d, text) in cases {
            assert_eq!(HumanDuration(d).to_string(), text, "{d:?}");
        }
        let e = Error::Timeout {
            method: "transact".into(),
            timeout: Duration::from_nanos(2_001_582_048),
            sent: true,
        };
        assert_eq!(
            e.to_string(),
            "transact: no reply within 2.0 s (the request was sent)"
        );
    }
}
