//! Errors of the ctl tools. Each is printed as `PROGRAM: MESSAGE` on stderr with exit code 1,
//! with the reference tools' wording.

/// Why a ctl invocation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CtlError {
    /// Bad command line: unknown option or command, wrong number of arguments.
    #[error("{0}")]
    Usage(String),
    /// A value, key or condition that does not parse or violates the column's constraints.
    #[error("{0}")]
    Value(String),
    /// A table or column name that matches nothing or several things.
    #[error("{0}")]
    Schema(String),
    /// A record that does not exist (without `--if-exists`) or is ambiguous.
    #[error("{0}")]
    NotFound(String),
    /// A record that already exists (without `--may-exist`), or another conflict with the
    /// database contents found before committing.
    #[error("{0}")]
    Conflict(String),
    /// The transaction was refused by the server (`transaction error: ...`).
    #[error("transaction error: {0}")]
    Transaction(String),
    /// Talking to the server failed.
    #[error("{0}")]
    Connection(String),
    /// What the invocation read changed before its transaction committed; the invocation is
    /// run again from the start, and this is reported only when the retries ran out.
    #[error("transaction error: the database kept changing under this command (retries exhausted)")]
    TryAgain,
    /// The server of a direct connection does not qualify (see `Link::verify`); the
    /// invocation starts over on the reconnecting client. Never reported.
    #[error("the server does not qualify")]
    Requalify,
    /// An optimistic precondition of the transaction (a read it skipped) did not hold; the
    /// invocation runs again with every read made. Never reported.
    #[error("transaction error: a precondition did not hold")]
    Careful,
    /// The tool ends at once with this exit status, printing nothing and committing nothing
    /// (ovs-vsctl's `br-exists` of a missing bridge: status 2).
    #[error("exit status {0}")]
    Exit(i32),
    /// `--timeout` expired.
    #[error("timeout expired")]
    Timeout,
}
