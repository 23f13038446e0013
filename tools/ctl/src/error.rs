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

    /// The vlog lines (`MODULE|LEVEL|TEXT`) the reference logs on its way to this error: the
    /// ones it carries, and the IDL's warning about a transaction the server refused.
    pub(crate) fn log_lines(&self) -> Vec<String> {
        match self {
            CtlError::Logged { log, error } => {
                let mut v = log.clone();
                v.extend(error.log_lines());
                v
            }
            CtlError::Transaction(e) => vec![format!("ovsdb_idl|WARN|transaction error: {e}")],
            _ => Vec::new(),
        }
    }
}

/// How the reference tools show their vlog lines (`MODULE|LEVEL|TEXT`) on stderr, from the
/// `-v`/`--verbose` options (ovs-vlog(7) / the "Logging options" of ovs-vsctl(8)): the console
/// pattern (`-vPATTERN:console:PATTERN`), the console level of every module (`-vMODULE:LEVEL`,
/// `-vconsole:off`...), and the message numbers (`%N`) already used.
#[derive(Debug, Clone)]
pub(crate) struct Vlog {
    /// The console pattern (default `%D{%Y-%m-%dT%H:%M:%SZ}|%05N|%c%T|%p|%m`).
    pattern: Option<String>,
    /// The console level of all modules: 0 off, 1 emer, 2 err, 3 warn, 4 info, 5 dbg.
    level: u8,
    /// Per module console levels that differ from `level`.
    modules: Vec<(String, u8)>,
    /// The number of the last message logged (`%N`).
    seq: u32,
    /// The program name (`%A`).
    program: String,
    /// Nothing is shown (daemon mode: the daemon logs, its clients show nothing).
    pub(crate) quiet: bool,
}

fn vlog_level(word: &str) -> Option<u8> {
    Some(match word.to_ascii_lowercase().as_str() {
        "off" => 0,
        "emer" => 1,
        "err" => 2,
        "warn" => 3,
        "info" => 4,
        "dbg" => 5,
        _ => return None,
    })
}

impl Vlog {
    /// The defaults of the ctl tools (console at `warn`), for `program`.
    pub(crate) fn new(program: &str) -> Vlog {
        Vlog {
            pattern: None,
            level: 3,
            modules: Vec::new(),
            seq: 0,
            program: program.to_owned(),
            quiet: false,
        }
    }

    /// Applies one `-v`/`--verbose` value (empty: everything at `dbg`). Destinations other
    /// than the console, and words it does not know, change nothing here.
    pub(crate) fn apply(&mut self, spec: &str) {
        if spec.len() >= 8 && spec[..8].eq_ignore_ascii_case("PATTERN:") {
            let rest = &spec[8..];
            let (dest, pattern) = rest.split_once(':').unwrap_or(("any", rest));
            if matches!(dest.to_ascii_lowercase().as_str(), "console" | "any") {
                self.pattern = Some(pattern.to_owned());
            }
            return;
        }
        let (mut module, mut dest, mut level) = (None, None, None);
        for w in spec.split([':', ',', ' ']).filter(|w| !w.is_empty()) {
            let l = w.to_ascii_lowercase();
            if matches!(l.as_str(), "console" | "syslog" | "file" | "any") {
                dest = Some(l);
            } else if let Some(v) = vlog_level(w) {
                level = Some(v);
            } else if l != "any" {
                module = Some(w.to_owned());
            }
        }
        if dest.as_deref().is_some_and(|d| d != "console" && d != "any") {
            return;
        }
        let level = level.unwrap_or(5);
        match module {
            None => {
                self.level = level;
                self.modules.clear();
            }
            Some(m) => {
                self.modules.retain(|(x, _)| *x != m);
                self.modules.push((m, level));
            }
        }
    }

    /// Numbers `n` messages logged but not shown (ovs-vsctl's "Called as ..." of a command
    /// line that may write).
    pub(crate) fn skip(&mut self, n: u32) {
        self.seq += n;
    }

    /// Lines `MODULE|LEVEL|TEXT` as vlog shows them on the console, one per line, numbered on
    /// from the messages before.
    pub(crate) fn render(&mut self, log: &[String]) -> String {
        let mut out = String::new();
        for l in log {
            self.seq += 1;
            let mut parts = l.splitn(3, '|');
            let (module, level, msg) = (
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
            );
            let shown = self
                .modules
                .iter()
                .find(|(m, _)| m.eq_ignore_ascii_case(module))
                .map_or(self.level, |(_, v)| *v);
            if self.quiet || vlog_level(level).is_none_or(|v| v > shown) {
                continue;
            }
            let pattern = self
                .pattern
                .as_deref()
                .unwrap_or("%D{%Y-%m-%dT%H:%M:%SZ}|%05N|%c%T|%p|%m");
            out.push_str(&self.format(pattern, module, level, msg));
            out.push('\n');
        }
        out
    }

    /// One message in `pattern`'s conversions (`%A %c %d %D %m %N %p %P %t %T %n %%`, with an
    /// optional `-`, `0` and width; a `{...}` date format is shown as the default one).
    fn format(&self, pattern: &str, module: &str, level: &str, msg: &str) -> String {
        let mut out = String::new();
        let mut it = pattern.chars().peekable();
        while let Some(c) = it.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            let left = it.next_if_eq(&'-').is_some();
            let zero = it.next_if_eq(&'0').is_some();
            let mut width = 0usize;
            while let Some(d) = it.next_if(char::is_ascii_digit) {
                width = width * 10 + d.to_digit(10).unwrap_or(0) as usize;
            }
            let Some(conv) = it.next() else { break };
            let text = match conv {
                'A' => self.program.clone(),
                'c' => module.to_owned(),
                'm' => msg.to_owned(),
                'N' => self.seq.to_string(),
                'p' => level.to_owned(),
                'P' => std::process::id().to_string(),
                't' => "main".to_owned(),
                'T' => String::new(),
                'n' => "\n".to_owned(),
                '%' => "%".to_owned(),
                'd' | 'D' => {
                    if it.next_if_eq(&'{').is_some() {
                        for x in it.by_ref() {
                            if x == '}' {
                                break;
                            }
                        }
                    }
                    timestamp()
                }
                other => format!("%{other}"),
            };
            let pad = width.saturating_sub(text.chars().count());
            if left {
                out.push_str(&text);
                out.push_str(&" ".repeat(pad));
            } else {
                out.push_str(&(if zero { "0" } else { " " }).repeat(pad));
                out.push_str(&text);
            }
        }
        out
    }
}

/// Now as vlog's default date: `YYYY-MM-DDTHH:MM:SSZ` (UTC).
fn timestamp() -> String {
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
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
