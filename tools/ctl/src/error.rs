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
    /// An error the reference tool also logs about on its way (vlog lines `MODULE|LEVEL|TEXT`,
    /// e.g. `socket_util|ERR|1.2.3:80: bad IP address "1.2.3"`), printed before the message
    /// with a timestamp and sequence number as vlog prints them.
    #[error("{error}")]
    Logged {
        /// The logged lines, `MODULE|LEVEL|TEXT`.
        log: Vec<String>,
        /// The error itself.
        error: Box<CtlError>,
    },
}

impl CtlError {
    /// `error`, with the lines `log` the reference logs before reporting it (none: `error`).
    pub(crate) fn logged(log: Vec<String>, error: CtlError) -> CtlError {
        if log.is_empty() {
            error
        } else {
            CtlError::Logged {
                log,
                error: Box::new(error),
            }
        }
    }

    /// The vlog lines logged before this error, as the reference prints them on stderr
    /// (`YYYY-MM-DDTHH:MM:SSZ|NNNNN|MODULE|LEVEL|TEXT`, one per line).
    pub(crate) fn log_text(&self) -> String {
        let CtlError::Logged { log, .. } = self else {
            return String::new();
        };
        vlog_text(log)
    }
}

/// Lines `MODULE|LEVEL|TEXT` as OVS vlog prints them on stderr:
/// `YYYY-MM-DDTHH:MM:SSZ|NNNNN|MODULE|LEVEL|TEXT`, one per line, numbered from 1.
pub(crate) fn vlog_text(log: &[String]) -> String {
    vlog_text_from(1, log)
}

/// As [`vlog_text`], the lines numbered from `first` (messages logged before them but not
/// shown, such as the reference's "Called as", take the numbers before).
pub(crate) fn vlog_text_from(first: usize, log: &[String]) -> String {
    if log.is_empty() {
        return String::new();
    }
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = (secs / 86400, secs % 86400);
    // Civil date of a day count since 1970-01-01 (proleptic Gregorian calendar).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let ts = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    );
    log.iter()
        .enumerate()
        .map(|(i, l)| format!("{ts}|{:05}|{l}\n", i + first))
        .collect()
}
