//! One `ovsdb-server` process in a private temporary directory.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use tempfile::TempDir;

use crate::error::{ERROR_LOG_LINES, Error, LogTail, Result, SchemaProblem, last_lines};
use crate::process::{self, Daemon};
use crate::wait::try_wait_until;

/// Default bound on how long [`ServerBuilder::start`] and [`OvsdbServer::restart`] wait for the
/// server to accept connections.
pub const DEFAULT_STARTUP_TIMEOUT: Duration = Duration::from_secs(10);
/// Default bound on how long stopping waits after SIGTERM (and again after SIGKILL).
pub const DEFAULT_STOP_TIMEOUT: Duration = Duration::from_secs(5);
/// Default bound on one `ovs-appctl` or `ovsdb-tool` call.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

const PIDFILE: &str = "ovsdb-server.pid";
const CTL: &str = "ovsdb-server.ctl";
const LOG: &str = "ovsdb-server.log";
const STDERR: &str = "ovsdb-server.stderr";
const SOCKET: &str = "db.sock";
/// The passive TCP target when the port is chosen by the kernel; ovsdb-server logs
/// "0:127.0.0.1: listening on port N" for it.
const TCP_ANY_PORT_TARGET: &str = "0:127.0.0.1";
const POLL: Duration = Duration::from_millis(10);

/// Finds an Open vSwitch program: on `PATH`, else in `/usr/sbin` or `/usr/bin` (Debian puts
/// `ovsdb-server` in `/usr/sbin`, which is not on every user's `PATH`).
pub(crate) fn program(name: &str) -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
        .unwrap_or(false);
    if !on_path {
        for dir in ["/usr/sbin", "/usr/bin"] {
            let candidate = Path::new(dir).join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    PathBuf::from(name)
}

/// A command for an Open vSwitch program with the run, log and db directories pointed at `dir`,
/// so nothing falls back to `/var/run/openvswitch`.
pub(crate) fn ovs_command(name: &str, dir: &Path) -> Command {
    let mut cmd = Command::new(program(name));
    set_ovs_dirs(&mut cmd, dir);
    cmd
}

/// Points the Open vSwitch (and OVN) run, log and db directories of `cmd` at `dir`.
fn set_ovs_dirs(cmd: &mut Command, dir: &Path) {
    for var in [
        "OVS_RUNDIR",
        "OVS_LOGDIR",
        "OVS_DBDIR",
        "OVN_RUNDIR",
        "OVN_LOGDIR",
        "OVN_DBDIR",
    ] {
        cmd.env(var, dir);
    }
}

/// The `"name"` of a database schema file (RFC 7047 §3.2).
pub fn schema_name(path: &Path) -> Result<String> {
    let bad = |reason| Error::BadSchema {
        path: path.to_path_buf(),
        reason,
    };
    let text = std::fs::read(path).map_err(|e| bad(SchemaProblem::Read(e)))?;
    let json: serde_json::Value = serde_json::from_slice(&text).map_err(|e| bad(SchemaProblem::Json(e)))?;
    match json.get("name").and_then(serde_json::Value::as_str) {
        Some(name) => Ok(name.to_string()),
        None => Err(bad(SchemaProblem::NoName)),
    }
}

/// Where a database of a server comes from.
#[derive(Debug, Clone)]
enum DbSource {
    /// `ovsdb-tool create` from this schema.
    Schema(PathBuf),
    /// A copy of this existing database file.
    File(PathBuf),
}

/// A database served by an [`OvsdbServer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedDatabase {
    /// The database name (the schema's `"name"`), e.g. `OVN_Northbound`.
    pub name: String,
    /// The database file in the server's directory.
    pub path: PathBuf,
}

/// Options for starting an [`OvsdbServer`]; made by [`OvsdbServer::builder`].
///
/// The server always listens on a unix socket (`db.sock` in its directory); a TCP remote on
/// 127.0.0.1 is opt-in with [`ServerBuilder::tcp`] or [`ServerBuilder::tcp_port`].
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until .start()"]
pub struct ServerBuilder {
    dbs: Vec<DbSource>,
    program: Option<PathBuf>,
    tcp: bool,
    tcp_port: Option<u16>,
    args: Vec<OsString>,
    startup_timeout: Duration,
    stop_timeout: Duration,
    command_timeout: Duration,
}

impl ServerBuilder {
    fn new(first: DbSource) -> Self {
        ServerBuilder {
            dbs: vec![first],
            program: None,
            tcp: false,
            tcp_port: None,
            args: Vec::new(),
            startup_timeout: DEFAULT_STARTUP_TIMEOUT,
            stop_timeout: DEFAULT_STOP_TIMEOUT,
            command_timeout: DEFAULT_COMMAND_TIMEOUT,
        }
    }

    /// Serves one more database, created empty from the schema file at `path`.
    pub fn schema(mut self, path: impl AsRef<Path>) -> Self {
        self.dbs.push(DbSource::Schema(path.as_ref().to_path_buf()));
        self
    }

    /// Serves one more database: a copy of the existing database file at `path` (standalone or
    /// clustered format). The original file is never modified.
    pub fn db_file(mut self, path: impl AsRef<Path>) -> Self {
        self.dbs.push(DbSource::File(path.as_ref().to_path_buf()));
        self
    }

    /// Also listens on TCP, `ptcp:0:127.0.0.1`: the kernel picks a free port, which the kit reads
    /// from the server's log ("listening on port N") and keeps across [`OvsdbServer::restart`].
    pub fn tcp(mut self) -> Self {
        self.tcp = true;
        self
    }

    /// Also listens on TCP on 127.0.0.1 at this fixed port.
    pub fn tcp_port(mut self, port: u16) -> Self {
        self.tcp = true;
        self.tcp_port = Some(port);
        self
    }

    /// Runs this program instead of the installed `ovsdb-server`, with the same arguments: another
    /// build, or a wrapper script that sets limits and then `exec`s `ovsdb-server` (for example
    /// `trap '' XFSZ; ulimit -f 64; exec ovsdb-server "$@"` to make database writes fail with an
    /// I/O error). The daemon must end up as a process named `ovsdb-server` that writes the
    /// pidfile it is given, or the kit will not recognise it.
    pub fn program(mut self, path: impl AsRef<Path>) -> Self {
        self.program = Some(path.as_ref().to_path_buf());
        self
    }

    /// Appends a command-line argument for `ovsdb-server`, after the kit's own options (for example
    /// `--disable-file-column-diff`, `-vjsonrpc:file:dbg` or another `--remote=...`).
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_os_string());
        self
    }

    /// Appends several command-line arguments, see [`ServerBuilder::arg`].
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_os_string()));
        self
    }

    /// How long to wait for the server to accept connections (default
    /// [`DEFAULT_STARTUP_TIMEOUT`]).
    pub fn startup_timeout(mut self, timeout: Duration) -> Self {
        self.startup_timeout = timeout;
        self
    }

    /// How long stopping waits after SIGTERM, and again after SIGKILL (default
    /// [`DEFAULT_STOP_TIMEOUT`]).
    pub fn stop_timeout(mut self, timeout: Duration) -> Self {
        self.stop_timeout = timeout;
        self
    }

    /// Bound on each `ovsdb-tool` and `ovs-appctl` call (default [`DEFAULT_COMMAND_TIMEOUT`]).
    pub fn command_timeout(mut self, timeout: Duration) -> Self {
        self.command_timeout = timeout;
        self
    }

    /// Creates a fresh temporary directory, creates or copies the databases into it
    /// (`ovsdb-tool create`, `ovsdb-tool db-name`), starts `ovsdb-server` detached and waits until
    /// it accepts connections on every remote.
    ///
    /// Errors: [`Error::Spawn`] if the Open vSwitch programs are missing, [`Error::CommandFailed`]
    /// if `ovsdb-tool` rejects a schema or file, [`Error::DuplicateDatabase`],
    /// [`Error::ServerExited`] / [`Error::Timeout`] (with the log tail) if the server does not come
    /// up.
    pub fn start(self) -> Result<OvsdbServer> {
        let dir = new_temp_dir()?;
        let mut dbs: Vec<ServedDatabase> = Vec::new();
        for source in &self.dbs {
            let name = match source {
                DbSource::Schema(schema) => schema_name(schema)?,
                DbSource::File(file) => {
                    let mut cmd = ovs_command("ovsdb-tool", dir.path());
                    cmd.arg("db-name").arg(file);
                    let name = process::run_ok(cmd, self.command_timeout, LogTail::none)?;
                    name.trim().to_string()
                }
            };
            if dbs.iter().any(|d| d.name == name) {
                return Err(Error::DuplicateDatabase { name });
            }
            let path = dir.path().join(format!("{name}.db"));
            match source {
                DbSource::File(file) => {
                    std::fs::copy(file, &path).map_err(|e| {
                        Error::io(format!("copying {} to {}", file.display(), path.display()), e)
                    })?;
                }
                DbSource::Schema(schema) => {
                    let mut cmd = ovs_command("ovsdb-tool", dir.path());
                    cmd.arg("create").arg(&path).arg(schema);
                    process::run_ok(cmd, self.command_timeout, LogTail::none)?;
                }
            }
            dbs.push(ServedDatabase { name, path });
        }
        self.start_in(dir, dbs)
    }

    /// Starts a server over databases already prepared in `dir` (used for cluster members).
    pub(crate) fn start_in(self, dir: TempDir, dbs: Vec<ServedDatabase>) -> Result<OvsdbServer> {
        let mut server = OvsdbServer {
            dbs,
            program: self.program,
            tcp: self.tcp,
            tcp_port: self.tcp_port,
            args: self.args,
            startup_timeout: self.startup_timeout,
            stop_timeout: self.stop_timeout,
            command_timeout: self.command_timeout,
            daemon: None,
            paused: false,
            dir,
        };
        server.spawn()?;
        Ok(server)
    }

    /// A builder for cluster members: no databases yet (they are prepared by the cluster).
    pub(crate) fn for_member() -> Self {
        let mut b = ServerBuilder::new(DbSource::Schema(PathBuf::new()));
        b.dbs.clear();
        b
    }
}

pub(crate) fn new_temp_dir() -> Result<TempDir> {
    tempfile::Builder::new()
        .prefix("ovsdb-testkit-")
        .tempdir()
        .map_err(|e| Error::io("creating a temporary directory", e))
}

/// A running `ovsdb-server` in its own temporary directory, stopped (by the pid in its pidfile)
/// and deleted with its directory on drop, also when a test panics.
///
/// The directory holds the database files (`NAME.db`), `db.sock`, `ovsdb-server.{pid,ctl,log}`.
/// Every wait is bounded; see the `DEFAULT_*` constants.
#[derive(Debug)]
pub struct OvsdbServer {
    dbs: Vec<ServedDatabase>,
    program: Option<PathBuf>,
    tcp: bool,
    tcp_port: Option<u16>,
    args: Vec<OsString>,
    startup_timeout: Duration,
    stop_timeout: Duration,
    command_timeout: Duration,
    daemon: Option<Daemon>,
    paused: bool,
    // Last, so it is removed after `Drop::drop` stopped the process.
    dir: TempDir,
}

impl OvsdbServer {
    /// A builder for a server with one database created from the schema file at `schema_path`.
    ///
    /// ```no_run
    /// let server = ovsdb_testkit::OvsdbServer::builder("testdata/schemas/ovn-nb.ovsschema")
    ///     .tcp()
    ///     .start()?;
    /// println!("{} {:?}", server.unix_remote(), server.tcp_remote());
    /// # Ok::<(), ovsdb_testkit::Error>(())
    /// ```
    pub fn builder(schema_path: impl AsRef<Path>) -> ServerBuilder {
        ServerBuilder::new(DbSource::Schema(schema_path.as_ref().to_path_buf()))
    }

    /// A builder for a server with one database copied from the existing database file at `path`.
    pub fn builder_from_db_file(path: impl AsRef<Path>) -> ServerBuilder {
        ServerBuilder::new(DbSource::File(path.as_ref().to_path_buf()))
    }

    /// The server's private directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The databases served (the `_Server` database is implicit and not listed).
    pub fn databases(&self) -> &[ServedDatabase] {
        &self.dbs
    }

    /// The file of the first database.
    pub fn db_path(&self) -> &Path {
        self.dbs.first().map_or(self.dir.path(), |d| d.path.as_path())
    }

    /// The name of the first database, e.g. `OVN_Northbound`.
    pub fn db_name(&self) -> &str {
        self.dbs.first().map_or("", |d| d.name.as_str())
    }

    /// The unix socket the server listens on.
    pub fn unix_socket(&self) -> PathBuf {
        self.dir.path().join(SOCKET)
    }

    /// The unix remote in OVS syntax: `"unix:/tmp/ovsdb-testkit-XXXX/db.sock"`.
    pub fn unix_remote(&self) -> String {
        format!("unix:{}", self.unix_socket().display())
    }

    /// The TCP port on 127.0.0.1, if TCP was enabled.
    pub fn tcp_port(&self) -> Option<u16> {
        self.tcp.then_some(self.tcp_port).flatten()
    }

    /// The TCP remote in OVS syntax, `"tcp:127.0.0.1:PORT"`, if TCP was enabled.
    pub fn tcp_remote(&self) -> Option<String> {
        self.tcp_port().map(|p| format!("tcp:127.0.0.1:{p}"))
    }

    /// The process id while the server runs (`None` after [`OvsdbServer::stop`] or
    /// [`OvsdbServer::kill`]).
    pub fn pid(&self) -> Option<u32> {
        self.daemon.map(|d| d.pid)
    }

    /// True while the server process exists and is not a zombie (a paused server is running).
    pub fn is_running(&self) -> bool {
        self.daemon.is_some_and(|d| d.is_alive())
    }

    /// True between [`OvsdbServer::pause`] and [`OvsdbServer::resume`].
    pub fn is_paused(&self) -> bool {
        self.paused && self.is_running()
    }

    /// The absolute path of the control socket, for `ovs-appctl -t`.
    pub fn ctl_path(&self) -> PathBuf {
        self.dir.path().join(CTL)
    }

    /// The log file (it accumulates across restarts).
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join(LOG)
    }

    /// The pidfile.
    pub fn pid_path(&self) -> PathBuf {
        self.dir.path().join(PIDFILE)
    }

    /// The last `lines` lines of the log ("" if there is no log yet).
    pub fn log_tail(&self, lines: usize) -> String {
        std::fs::read(self.log_path())
            .map(|b| last_lines(&String::from_utf8_lossy(&b), lines))
            .unwrap_or_default()
    }

    pub(crate) fn error_log(&self) -> LogTail {
        LogTail::read(&self.log_path(), ERROR_LOG_LINES)
    }

    /// Runs `ovs-appctl -t <ctl_path> ARGS...` (for example `["cluster/status", "OVN_Northbound"]`)
    /// and returns its standard output.
    ///
    /// Bounded by the command timeout (a paused server does not answer). Errors:
    /// [`Error::CommandFailed`] with the log tail, [`Error::Timeout`].
    pub fn appctl<S: AsRef<OsStr>>(&self, args: &[S]) -> Result<String> {
        let secs = self.command_timeout.as_secs().max(1);
        let mut cmd = ovs_command("ovs-appctl", self.dir.path());
        cmd.arg(format!("--timeout={secs}"))
            .arg("-t")
            .arg(self.ctl_path())
            .args(args);
        process::run_ok(cmd, self.command_timeout + Duration::from_secs(2), || {
            self.error_log()
        })
    }

    /// Sends SIGSTOP: the server stays up but answers nothing (a hung server).
    pub fn pause(&mut self) -> Result<()> {
        let d = self.running()?;
        if !d.signal(Signal::SIGSTOP) {
            return Err(Error::NotRunning);
        }
        self.paused = true;
        Ok(())
    }

    /// Sends SIGCONT after [`OvsdbServer::pause`].
    pub fn resume(&mut self) -> Result<()> {
        let d = self.running()?;
        if !d.signal(Signal::SIGCONT) {
            return Err(Error::NotRunning);
        }
        self.paused = false;
        Ok(())
    }

    /// Stops the server: SIGTERM, a bounded wait, then SIGKILL. Does nothing if it is not running.
    ///
    /// Errors: [`Error::Unkillable`] if the process survives SIGKILL for the stop timeout.
    pub fn stop(&mut self) -> Result<()> {
        if let Some(d) = self.daemon {
            if !d.terminate(self.stop_timeout) {
                return Err(Error::Unkillable {
                    pid: d.pid,
                    log: self.error_log(),
                });
            }
            process::unregister(d);
            self.daemon = None;
            self.paused = false;
        }
        Ok(())
    }

    /// Kills the server with SIGKILL (a crash: no clean shutdown) and waits until it is gone.
    pub fn kill(&mut self) -> Result<()> {
        if let Some(d) = self.daemon {
            if !d.kill_now(self.stop_timeout) {
                return Err(Error::Unkillable {
                    pid: d.pid,
                    log: self.error_log(),
                });
            }
            process::unregister(d);
            self.daemon = None;
            self.paused = false;
        }
        Ok(())
    }

    /// Stops the server if it runs, then starts it again on the same database files, socket and
    /// TCP port, and waits until it accepts connections.
    pub fn restart(&mut self) -> Result<()> {
        self.stop()?;
        self.spawn()
    }

    fn running(&self) -> Result<Daemon> {
        self.daemon.filter(|d| d.is_alive()).ok_or(Error::NotRunning)
    }

    /// Starts the process and waits until it is ready; on failure nothing is left running.
    fn spawn(&mut self) -> Result<()> {
        let log_offset = std::fs::metadata(self.log_path()).map_or(0, |m| m.len());
        let result = self.spawn_inner(log_offset);
        if result.is_err() {
            // Whatever got started must not outlive the failure.
            if let Some(d) = self.daemon.take() {
                d.terminate(self.stop_timeout);
                process::unregister(d);
            } else if let Some(d) = process::read_pidfile(&self.pid_path())
                .ok()
                .and_then(Daemon::identify)
            {
                // Only a daemon started with this directory's pidfile is ours.
                if d.cmdline_mentions(&self.pid_path()) {
                    d.terminate(self.stop_timeout);
                }
            }
        }
        result
    }

    fn spawn_inner(&mut self, log_offset: u64) -> Result<()> {
        let started = Instant::now();
        let dir = self.dir.path().to_path_buf();
        let mut cmd = match &self.program {
            Some(custom) => Command::new(custom),
            None => Command::new(program("ovsdb-server")),
        };
        set_ovs_dirs(&mut cmd, &dir);
        for db in &self.dbs {
            cmd.arg(&db.path);
        }
        cmd.arg(format!("--remote=punix:{}", self.unix_socket().display()));
        if self.tcp {
            match self.tcp_port {
                Some(port) => cmd.arg(format!("--remote=ptcp:{port}:127.0.0.1")),
                None => cmd.arg(format!("--remote=ptcp:{TCP_ANY_PORT_TARGET}")),
            };
        }
        cmd.arg(format!("--pidfile={}", self.pid_path().display()))
            .arg(format!("--unixctl={}", self.ctl_path().display()))
            // Options apply in order: console first, so only the log file gets the details.
            .arg("-vconsole:err")
            .arg(format!("--log-file={}", self.log_path().display()))
            .arg("--detach")
            .arg("--no-chdir")
            .args(&self.args);
        let shown = process::display_command(&cmd);
        // The detaching parent exits once the daemon is initialised; its stderr goes to a file,
        // never a pipe, so a daemon holding the descriptor cannot block us.
        let stderr_path = dir.join(STDERR);
        let stderr = std::fs::File::create(&stderr_path)
            .map_err(|e| Error::io(format!("creating {}", stderr_path.display()), e))?;
        cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(stderr);
        let program = cmd.get_program().to_string_lossy().into_owned();
        let mut child = cmd.spawn().map_err(|source| Error::Spawn { program, source })?;
        let status = process::wait_child(&mut child, self.startup_timeout, &shown)
            .map_err(|e| e.with_log(|| self.error_log()))?;
        if !status.success() {
            let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
            return Err(Error::ServerExited {
                during: format!("during startup ({status}): {}", stderr.trim()),
                log: self.error_log(),
            });
        }
        let pid = process::read_pidfile(&self.pid_path())?;
        let daemon = Daemon::identify(pid).ok_or_else(|| Error::ServerExited {
            during: format!("right after startup (pid {pid})"),
            log: self.error_log(),
        })?;
        process::register(daemon, &dir);
        self.daemon = Some(daemon);
        self.paused = false;

        let remaining = self.startup_timeout.saturating_sub(started.elapsed());
        if self.tcp && self.tcp_port.is_none() {
            let port = try_wait_until(
                format!("ovsdb-server (pid {pid}) to log its TCP port"),
                remaining,
                POLL,
                || {
                    self.check_alive(daemon)?;
                    Ok(find_listening_port(&self.log_path(), log_offset))
                },
            )
            .map_err(|e| e.with_log(|| self.error_log()))?;
            self.tcp_port = Some(port);
        }
        let remaining = self.startup_timeout.saturating_sub(started.elapsed());
        let socket = self.unix_socket();
        let tcp_port = self.tcp_port();
        try_wait_until(
            format!("ovsdb-server (pid {pid}) to accept connections"),
            remaining,
            POLL,
            || {
                self.check_alive(daemon)?;
                let unix_ok = std::os::unix::net::UnixStream::connect(&socket).is_ok();
                let tcp_ok = tcp_port.is_none_or(|p| {
                    std::net::TcpStream::connect_timeout(
                        &std::net::SocketAddr::from(([127, 0, 0, 1], p)),
                        Duration::from_millis(200),
                    )
                    .is_ok()
                });
                Ok((unix_ok && tcp_ok).then_some(()))
            },
        )
        .map_err(|e| e.with_log(|| self.error_log()))
    }

    fn check_alive(&self, daemon: Daemon) -> Result<()> {
        if daemon.is_alive() {
            Ok(())
        } else {
            Err(Error::ServerExited {
                during: format!("during startup (pid {})", daemon.pid),
                log: self.error_log(),
            })
        }
    }
}

/// The port from the first "0:127.0.0.1: listening on port N" line after byte `offset` of `log`.
fn find_listening_port(log: &Path, offset: u64) -> Option<u16> {
    let bytes = std::fs::read(log).ok()?;
    let start = usize::try_from(offset).ok()?.min(bytes.len());
    let text = String::from_utf8_lossy(&bytes[start..]);
    let needle = format!("{TCP_ANY_PORT_TARGET}: listening on port ");
    text.lines().find_map(|line| {
        let rest = &line[line.find(&needle)? + needle.len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    })
}

impl Drop for OvsdbServer {
    fn drop(&mut self) {
        if let Some(d) = self.daemon.take() {
            if !d.terminate(self.stop_timeout) {
                eprintln!(
                    "ovsdb-testkit: ovsdb-server pid {} survived SIGKILL; leaving {}",
                    d.pid,
                    self.dir.path().display()
                );
            }
            process::unregister(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listening_port_is_found_after_offset() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("x.log");
        let first = "2026-11-23T09:28:49.336Z|00002|socket_util|INFO|0:127.0.0.1: listening on port 37683\n";
        std::fs::write(
            &log,
            format!("{first}x|INFO|0:127.0.0.1: listening on port 4242 \n"),
        )
        .unwrap();
        assert_eq!(find_listening_port(&log, 0), Some(37683));
        assert_eq!(find_listening_port(&log, first.len() as u64), Some(4242));
        assert_eq!(find_listening_port(&log, 10_000), None);
        assert_eq!(find_listening_port(&dir.path().join("none"), 0), None);
    }

    #[test]
    fn schema_name_errors_name_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.ovsschema");
        std::fs::write(&p, r#"{"name":"X","tables":{}}"#).unwrap();
        assert_eq!(schema_name(&p).unwrap(), "X");
        std::fs::write(&p, r#"{"tables":{}}"#).unwrap();
        let e = schema_name(&p).unwrap_err();
        assert!(e.to_string().contains("no string \"name\""), "{e}");
        std::fs::write(&p, "{").unwrap();
        assert!(schema_name(&p).unwrap_err().to_string().contains("not JSON"));
        assert!(
            schema_name(&dir.path().join("missing"))
                .unwrap_err()
                .to_string()
                .contains("cannot read")
        );
    }
}
