//! Processes: running helper commands with a deadline, identifying detached daemons by pid, signals,
//! and the registry of live daemons that the watchdog cleans up.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::error::{Error, LogTail, Result};

/// The process name (`/proc/PID/comm`) of the daemons the kit starts.
const DAEMON_COMM: &str = "ovsdb-server";

/// Poll interval for process state.
const POLL: Duration = Duration::from_millis(10);

/// A detached daemon, identified by pid and kernel start time so that a recycled pid is never
/// mistaken for it (and never signalled).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Daemon {
    pub(crate) pid: u32,
    start_time: u64,
}

/// What `/proc/PID/stat` says.
struct Stat {
    comm: String,
    state: char,
    start_time: u64,
}

fn read_stat(pid: u32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "PID (COMM) S ppid ...": COMM may contain spaces and parentheses, so split at the last ')'.
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text.get(open + 1..close)?.to_string();
    let mut fields = text.get(close + 1..)?.split_whitespace();
    let state = fields.next()?.chars().next()?;
    // After the state come ppid (field 4) ... starttime (field 22): 18 more fields, index 18.
    let start_time = fields.nth(18)?.parse().ok()?;
    Some(Stat {
        comm,
        state,
        start_time,
    })
}

impl Daemon {
    /// Identifies the running `ovsdb-server` with this pid; `None` if there is none.
    pub(crate) fn identify(pid: u32) -> Option<Daemon> {
        let stat = read_stat(pid)?;
        (stat.comm == DAEMON_COMM && stat.state != 'Z').then_some(Daemon {
            pid,
            start_time: stat.start_time,
        })
    }

    /// True if the process's command line has an argument containing `path` (for example its
    /// `--pidfile=PATH`).
    pub(crate) fn cmdline_mentions(&self, path: &Path) -> bool {
        let Ok(raw) = std::fs::read(format!("/proc/{}/cmdline", self.pid)) else {
            return false;
        };
        let needle = path.to_string_lossy();
        raw.split(|b| *b == 0)
            .any(|arg| String::from_utf8_lossy(arg).contains(needle.as_ref()))
    }

    /// True while the very process this handle names exists and is not a zombie.
    ///
    /// Detached daemons are re-parented to PID 1, which reaps them late: a dead daemon stays a
    /// zombie for a while, so `kill -0` is not a liveness test; the `/proc` state is.
    pub(crate) fn is_alive(&self) -> bool {
        match read_stat(self.pid) {
            Some(stat) => stat.state != 'Z' && stat.start_time == self.start_time,
            None => false,
        }
    }

    /// Sends `signal` if the process is still the one this handle names. Returns whether it was
    /// sent.
    pub(crate) fn signal(&self, signal: Signal) -> bool {
        if !self.is_alive() {
            return false;
        }
        let Ok(pid) = i32::try_from(self.pid) else {
            return false;
        };
        kill(Pid::from_raw(pid), signal).is_ok()
    }

    /// Waits until the process is dead, for at most `timeout`. Returns whether it died.
    pub(crate) fn wait_dead(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if !self.is_alive() {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(POLL);
        }
    }

    /// SIGTERM (plus SIGCONT, in case it is stopped), bounded wait, then SIGKILL and another
    /// bounded wait.
    pub(crate) fn terminate(&self, grace: Duration) -> bool {
        if self.signal(Signal::SIGTERM) {
            self.signal(Signal::SIGCONT);
            if self.wait_dead(grace) {
                return true;
            }
        }
        self.kill_now(grace)
    }

    /// SIGKILL and a bounded wait.
    pub(crate) fn kill_now(&self, grace: Duration) -> bool {
        self.signal(Signal::SIGKILL);
        self.wait_dead(grace)
    }
}

/// Reads a pidfile written by an OVS daemon.
pub(crate) fn read_pidfile(path: &Path) -> Result<u32> {
    let content = std::fs::read_to_string(path)
        .map_err(|e| Error::io(format!("reading pidfile {}", path.display()), e))?;
    content.trim().parse().map_err(|_| Error::BadPidFile {
        path: path.to_path_buf(),
        content,
    })
}

/// Daemons alive right now and the directories they use, for the watchdog.
static REGISTRY: Mutex<Vec<(Daemon, PathBuf)>> = Mutex::new(Vec::new());

pub(crate) fn register(daemon: Daemon, dir: &Path) {
    let mut reg = REGISTRY.lock().unwrap_or_else(|p| p.into_inner());
    reg.push((daemon, dir.to_path_buf()));
}

pub(crate) fn unregister(daemon: Daemon) {
    let mut reg = REGISTRY.lock().unwrap_or_else(|p| p.into_inner());
    reg.retain(|(d, _)| *d != daemon);
}

/// SIGKILLs every registered daemon and removes its directory. For the watchdog, right before it
/// aborts the process (no destructor will run then).
pub(crate) fn kill_all_registered() -> usize {
    let entries = {
        let mut reg = REGISTRY.lock().unwrap_or_else(|p| p.into_inner());
        std::mem::take(&mut *reg)
    };
    for (daemon, _) in &entries {
        daemon.signal(Signal::SIGKILL);
    }
    for (daemon, dir) in &entries {
        daemon.wait_dead(Duration::from_secs(2));
        // Best effort: the process is about to abort.
        let _ = std::fs::remove_dir_all(dir);
    }
    entries.len()
}

/// The output of a finished helper command.
pub(crate) struct Output {
    pub(crate) status: ExitStatus,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// Renders a command line for messages.
pub(crate) fn display_command(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        s.push(' ');
        s.push_str(&arg.to_string_lossy());
    }
    s
}

/// Runs `cmd` to completion with piped output, killing it after `timeout`.
pub(crate) fn run(mut cmd: Command, timeout: Duration) -> Result<Output> {
    let shown = display_command(&cmd);
    let program = cmd.get_program().to_string_lossy().into_owned();
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|source| Error::Spawn { program, source })?;
    let out = reader(child.stdout.take());
    let err = reader(child.stderr.take());
    let status = wait_child(&mut child, timeout, &shown)?;
    Ok(Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    })
}

/// Runs `cmd` and returns its standard output, or [`Error::CommandFailed`] with `log` attached.
pub(crate) fn run_ok(cmd: Command, timeout: Duration, log: impl Fn() -> LogTail) -> Result<String> {
    let shown = display_command(&cmd);
    let out = run(cmd, timeout).map_err(|e| e.with_log(&log))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(Error::CommandFailed {
            command: shown,
            status: out.status,
            stderr: out.stderr.trim().to_string(),
            log: log(),
        })
    }
}

fn reader<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut p) = pipe {
            // A read error only truncates diagnostic output.
            let _ = p.read_to_end(&mut buf);
        }
        String::from_utf8_lossy(&buf).into_owned()
    })
}

/// Waits for our own child `child` for at most `timeout`; kills and reaps it on timeout.
pub(crate) fn wait_child(child: &mut Child, timeout: Duration, shown: &str) -> Result<ExitStatus> {
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) => {}
            Err(e) => return Err(Error::io(format!("waiting for `{shown}`"), e)),
        }
        if start.elapsed() >= timeout {
            // Our direct child: killing it by handle is safe (it cannot have been reaped yet).
            let _ = child.kill();
            let _ = child.wait();
            return Err(Error::Timeout {
                what: format!("`{shown}` to finish"),
                waited: start.elapsed(),
                log: LogTail::none(),
            });
        }
        std::thread::sleep(POLL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_of_self_parses() {
        let me = std::process::id();
        let stat = read_stat(me).unwrap();
        assert_ne!(stat.state, 'Z');
        assert!(stat.start_time > 0);
        // This test process is not an ovsdb-server, so it is never identified as one.
        assert!(Daemon::identify(me).is_none());
    }

    #[test]
    fn run_reports_failure_and_timeout() {
        let mut c = Command::new("sh");
        c.args(["-c", "echo out; echo err >&2; exit 3"]);
        let out = run(c, Duration::from_secs(10)).unwrap();
        assert_eq!(out.status.code(), Some(3));
        assert_eq!(out.stdout, "out\n");
        assert_eq!(out.stderr, "err\n");

        let mut c = Command::new("sleep");
        c.arg("30");
        let start = Instant::now();
        let err = run(c, Duration::from_millis(100)).err().unwrap();
        assert!(matches!(err, Error::Timeout { .. }), "{err}");
        assert!(start.elapsed() < Duration::from_secs(5));

        let err = run(Command::new("/nonexistent/prog"), Duration::from_secs(1))
            .err()
            .unwrap();
        assert!(matches!(err, Error::Spawn { .. }), "{err}");
    }
}
