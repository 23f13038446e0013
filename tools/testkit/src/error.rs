//! The kit's error type.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::Duration;

/// Number of log lines an error carries by default.
pub(crate) const ERROR_LOG_LINES: usize = 25;

/// The last lines of a daemon's log file, attached to errors so that a failing test shows what the
/// server said.
///
/// Displays as nothing when there is no log (for example for [`crate::wait_until`] on its own), and
/// otherwise as a block that starts on a new line with the log's path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogTail {
    /// The log file the lines come from; `None` when no log is relevant.
    pub path: Option<PathBuf>,
    /// The last lines of the log, newline-separated (empty if the file is empty or unreadable).
    pub text: String,
}

impl LogTail {
    /// No log: displays as an empty string.
    pub fn none() -> Self {
        Self::default()
    }

    /// The last `lines` lines of the file at `path` (an unreadable file gives an explanatory text
    /// instead of an error, since this only decorates another error).
    pub fn read(path: &Path, lines: usize) -> Self {
        let text = match std::fs::read(path) {
            Ok(bytes) => last_lines(&String::from_utf8_lossy(&bytes), lines),
            Err(e) => format!("(log not readable: {e})"),
        };
        Self {
            path: Some(path.to_path_buf()),
            text,
        }
    }
}

impl fmt::Display for LogTail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            None => Ok(()),
            Some(path) => write!(
                f,
                "\n--- last lines of {} ---\n{}\n--- end of log ---",
                path.display(),
                self.text.trim_end()
            ),
        }
    }
}

/// The last `n` lines of `text`, joined with newlines.
pub(crate) fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(n);
    lines[start..].join("\n")
}

/// Everything that can go wrong while starting, driving or talking to test daemons.
///
/// Variants about a daemon carry a [`LogTail`] of its log file, so the message of a failed test
/// says what the server logged.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A program (`ovsdb-server`, `ovsdb-tool`, `ovs-appctl`) could not be started at all, usually
    /// because it is not installed.
    #[error("could not run {program}: {source}")]
    Spawn {
        /// The program name.
        program: String,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },

    /// A helper command ran but exited unsuccessfully.
    #[error("`{command}` failed ({status}): {stderr}{log}")]
    CommandFailed {
        /// The command line, for display.
        command: String,
        /// Its exit status.
        status: ExitStatus,
        /// What it wrote to standard error (trimmed).
        stderr: String,
        /// The tail of the log of the daemon concerned, if any.
        log: LogTail,
    },

    /// A bounded wait ran out.
    #[error("timed out after {:.1} s waiting for {what}{log}", waited.as_secs_f64())]
    Timeout {
        /// What was awaited, in words.
        what: String,
        /// How long the wait lasted.
        waited: Duration,
        /// The tail of the log of the daemon concerned, if any.
        log: LogTail,
    },

    /// `ovsdb-server` exited (or never came up) while the kit expected it to run.
    #[error("ovsdb-server exited {during}{log}")]
    ServerExited {
        /// What the kit was doing, e.g. `during startup (exit status: 1): <stderr text>`.
        during: String,
        /// The tail of the server's log.
        log: LogTail,
    },

    /// A daemon survived SIGTERM and SIGKILL for longer than the kit waits.
    #[error("ovsdb-server pid {pid} is still alive after SIGKILL{log}")]
    Unkillable {
        /// The process id.
        pid: u32,
        /// The tail of the server's log.
        log: LogTail,
    },

    /// A file-system or socket operation failed.
    #[error("{action}: {source}")]
    Io {
        /// What was being done, including the path or address, e.g. "reading /tmp/x/db.pid".
        action: String,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },

    /// A pidfile did not contain a process id.
    #[error("pidfile {path} does not hold a process id: {content:?}")]
    BadPidFile {
        /// The pidfile.
        path: PathBuf,
        /// What it held.
        content: String,
    },

    /// A schema file is not JSON or has no string `"name"` member (RFC 7047 §3.2).
    #[error("schema {path}: {reason}")]
    BadSchema {
        /// The schema file.
        path: PathBuf,
        /// What is wrong with it.
        reason: SchemaProblem,
    },

    /// Two databases of one server have the same name.
    #[error("database {name} is configured twice")]
    DuplicateDatabase {
        /// The database name.
        name: String,
    },

    /// The operation needs a running server, but it was stopped or killed.
    #[error("ovsdb-server is not running (it was stopped or killed)")]
    NotRunning,

    /// The server was configured without the remote asked for (for example no TCP remote).
    #[error("the server has no {kind} remote (enable it in the builder)")]
    NoSuchRemote {
        /// The remote kind: "tcp".
        kind: &'static str,
    },

    /// A cluster member index is out of range.
    #[error("no member {index} in a cluster of {members}")]
    NoSuchMember {
        /// The index asked for.
        index: usize,
        /// The number of members.
        members: usize,
    },

    /// `ovs-appctl cluster/status` printed something the kit does not understand.
    #[error("cannot parse cluster/status output: missing or malformed {field:?} in:\n{output}")]
    ClusterStatus {
        /// The line (field) that was missing or malformed, e.g. "Term".
        field: &'static str,
        /// The whole output.
        output: String,
    },

    /// A remote string is not `unix:PATH` or `tcp:IP:PORT`.
    #[error("unsupported remote {remote:?}: expected unix:PATH or tcp:IP:PORT")]
    BadRemote {
        /// The remote as given.
        remote: String,
    },

    /// Connecting to a remote failed.
    #[error("connecting to {remote}: {source}")]
    Connect {
        /// The remote.
        remote: String,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },

    /// Reading from or writing to a JSON-RPC connection failed (a read timeout shows up here too).
    #[error("JSON-RPC I/O with {remote}: {source}")]
    RpcIo {
        /// The remote.
        remote: String,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },

    /// The peer sent bytes that are not JSON.
    #[error("JSON-RPC from {remote}: invalid JSON: {source}")]
    RpcJson {
        /// The remote.
        remote: String,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },

    /// The peer closed the connection before the awaited message arrived.
    #[error("JSON-RPC: {remote} closed the connection")]
    RpcClosed {
        /// The remote.
        remote: String,
    },

    /// A request passed to [`crate::RawConnection::call`] has no `"id"` member to match the reply by.
    #[error("JSON-RPC request has no \"id\" member: {request}")]
    RpcNoId {
        /// The request.
        request: String,
    },
}

/// Why a schema file was rejected, for [`Error::BadSchema`].
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum SchemaProblem {
    /// The file could not be read.
    #[error("cannot read: {0}")]
    Read(#[source] io::Error),
    /// The file is not valid JSON.
    #[error("not JSON: {0}")]
    Json(#[source] serde_json::Error),
    /// The top-level object has no string `"name"`.
    #[error("no string \"name\" member")]
    NoName,
}

/// The kit's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The log tail attached to this error, if any.
    pub fn log(&self) -> Option<&LogTail> {
        match self {
            Error::CommandFailed { log, .. }
            | Error::Timeout { log, .. }
            | Error::ServerExited { log, .. }
            | Error::Unkillable { log, .. } => Some(log),
            _ => None,
        }
    }

    pub(crate) fn io(action: impl Into<String>, source: io::Error) -> Self {
        Error::Io {
            action: action.into(),
            source,
        }
    }

    /// Attaches `log` to a timeout or command failure that has none yet.
    pub(crate) fn with_log(mut self, new: impl FnOnce() -> LogTail) -> Self {
        if let Error::Timeout { log, .. } | Error::CommandFailed { log, .. } = &mut self {
            if log.path.is_none() {
                *log = new();
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_lines_takes_the_end() {
        assert_eq!(last_lines("a\nb\nc\n", 2), "b\nc");
        assert_eq!(last_lines("a", 5), "a");
        assert_eq!(last_lines("", 5), "");
    }

    #[test]
    fn log_tail_display() {
        assert_eq!(LogTail::none().to_string(), "");
        let t = LogTail {
            path: Some(PathBuf::from("/x/y.log")),
            text: "one\ntwo\n".into(),
        };
        assert_eq!(
            t.to_string(),
            "\n--- last lines of /x/y.log ---\none\ntwo\n--- end of log ---"
        );
    }
}
