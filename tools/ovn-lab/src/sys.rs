//! Processes, namespaces and files: the plumbing around the daemons (no database access here).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use crate::error::{LabError, Result};

/// Where `ip netns` keeps named namespaces.
const NETNS_DIR: &str = "/run/netns";

fn command_line(program: &str, args: &[String]) -> String {
    let mut s = program.to_string();
    for a in args {
        s.push(' ');
        s.push_str(a);
    }
    s
}

/// Runs `program args`, feeding `stdin` if given; returns stdout, or [`LabError::Command`] on a
/// failure status.
pub(crate) async fn run_with(program: &str, args: &[String], stdin: Option<&str>) -> Result<String> {
    let mut cmd = Command::new(exe(program));
    cmd.args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .kill_on_drop(true);
    let mut child = cmd.spawn().map_err(|source| LabError::Spawn {
        program: program.to_string(),
        source,
    })?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes())
            .await
            .map_err(|source| LabError::Spawn {
                program: program.to_string(),
                source,
            })?;
        drop(pipe);
    }
    let out = child.wait_with_output().await.map_err(|source| LabError::Spawn {
        program: program.to_string(),
        source,
    })?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(LabError::Command {
            command: command_line(program, args),
            status: out.status.to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        })
    }
}

/// Runs `program args` in directory `dir` (for `ovs-pki`, which writes into the current
/// directory); returns stdout.
pub(crate) async fn run_in(dir: &Path, program: &str, args: &[&str]) -> Result<String> {
    let out = Command::new(exe(program))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|source| LabError::Spawn {
            program: program.to_string(),
            source,
        })?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        Err(LabError::Command {
            command: command_line(program, &args),
            status: out.status.to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        })
    }
}

/// [`run_with`] without stdin, arguments as `&str`.
pub(crate) async fn run(program: &str, args: &[&str]) -> Result<String> {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    run_with(program, &args, None).await
}

/// Runs `ip -n NS -batch -` (or the root namespace for `None`) with one command per line.
pub(crate) async fn ip_batch(netns: Option<&str>, lines: &[String]) -> Result<()> {
    let mut args = Vec::new();
    if let Some(ns) = netns {
        args.push("-n".to_string());
        args.push(ns.to_string());
    }
    args.push("-batch".to_string());
    args.push("-".to_string());
    let mut text = lines.join("\n");
    text.push('\n');
    run_with("ip", &args, Some(&text)).await.map(|_| ())
}

/// Runs `program args` inside network namespace `ns` (`ip netns exec`).
pub(crate) async fn ns_exec(ns: &str, program: &str, args: &[&str]) -> Result<String> {
    let mut all = vec!["netns", "exec", ns, program];
    all.extend_from_slice(args);
    run("ip", &all).await
}

/// Named network namespaces whose name starts with `prefix`.
pub(crate) fn netns_with_prefix(prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(NETNS_DIR) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with(prefix) {
                out.push(name);
            }
        }
    }
    out.sort();
    out
}

/// Deletes network namespaces (with every link inside them) in one `ip -batch`.
pub(crate) async fn netns_delete(names: &[String]) -> Result<()> {
    if names.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = names.iter().map(|n| format!("netns del {n}")).collect();
    ip_batch(None, &lines).await
}

/// The state letter of `/proc/PID/stat` (`R`, `S`, `Z`...), `None` if there is no such process.
fn proc_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) S ...": comm may hold spaces and parentheses; the state follows the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.trim_start().chars().next()
}

/// Whether `pid` is a live process (exists and is not a zombie: detached daemons are reaped by
/// PID 1, which may take seconds).
pub(crate) fn pid_running(pid: u32) -> bool {
    matches!(proc_state(pid), Some(s) if s != 'Z' && s != 'X')
}

/// The pid in a pidfile, if it holds one.
pub(crate) fn read_pidfile(path: &Path) -> Option<u32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// Resident set size of `pid` in kB (`VmRSS` of `/proc/PID/status`).
pub(crate) fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Whether `pid`'s command line names an Open vSwitch or OVN program (guards against a
/// recycled pid).
fn is_ovs_process(pid: u32) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|c| {
            let s = String::from_utf8_lossy(&c);
            s.contains("ovs") || s.contains("ovn")
        })
        .unwrap_or(false)
}

/// The last `lines` lines of a log file (empty if unreadable).
pub(crate) fn log_tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Stops processes: SIGTERM to all at once, then SIGKILL to those still running after `grace`;
/// returns once none runs (or `grace` after the SIGKILL). Only pids whose command line names an
/// OVS/OVN program are signalled.
pub(crate) async fn stop_pids(pids: &[u32], grace: Duration) {
    let live: Vec<u32> = pids
        .iter()
        .copied()
        .filter(|&p| pid_running(p) && is_ovs_process(p))
        .collect();
    for &p in &live {
        let _ = kill(Pid::from_raw(p as i32), Signal::SIGTERM);
    }
    let mut deadline = Instant::now() + grace;
    let mut killed = false;
    loop {
        let left: Vec<u32> = live.iter().copied().filter(|&p| pid_running(p)).collect();
        if left.is_empty() {
            return;
        }
        if Instant::now() > deadline {
            if killed {
                return;
            }
            for p in left {
                let _ = kill(Pid::from_raw(p as i32), Signal::SIGKILL);
            }
            killed = true;
            deadline = Instant::now() + grace;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// `MALLOC_ARENA_MAX` in every lab daemon's environment (see [`start_daemon`]).
pub(crate) const MALLOC_ARENA_MAX: &str = "1";

/// How to start one daemon.
#[derive(Debug, Clone)]
pub(crate) struct DaemonSpec {
    /// Display name (`"ch1/ovs-vswitchd"`).
    pub name: String,
    /// Program (`"ovs-vswitchd"`).
    pub program: &'static str,
    /// Network namespace to run in (`None`: the root namespace).
    pub netns: Option<String>,
    /// The daemon's private run/log/db directory.
    pub dir: PathBuf,
    /// File stem of its pidfile, control socket and log (`"ovs-vswitchd"`).
    pub stem: String,
    /// Whether it takes `--unixctl` (ovn-controller 23.03 does not).
    pub unixctl: bool,
    /// Whether it runs under `--monitor` (restarted by a monitor process after a crash).
    pub monitor: bool,
    /// Program-specific arguments.
    pub args: Vec<String>,
}

impl DaemonSpec {
    pub(crate) fn pidfile(&self) -> PathBuf {
        self.dir.join(format!("{}.pid", self.stem))
    }
    pub(crate) fn logfile(&self) -> PathBuf {
        self.dir.join(format!("{}.log", self.stem))
    }
}

/// Starts a daemon with `--detach` (returns once the daemon says it is ready) and its own
/// run, log and db directory; [`LabError::DaemonDied`] with the log's tail if it fails to start.
pub(crate) async fn start_daemon(spec: &DaemonSpec) -> Result<u32> {
    let dir = spec.dir.display().to_string();
    let mut args: Vec<String> = Vec::new();
    let program = match &spec.netns {
        Some(ns) => {
            args.extend([
                "netns".into(),
                "exec".into(),
                ns.clone(),
                exe(spec.program).display().to_string(),
            ]);
            "ip"
        }
        None => spec.program,
    };
    args.extend([
        "-vconsole:err".to_string(),
        "--detach".to_string(),
        "--no-chdir".to_string(),
        format!("--pidfile={}", spec.pidfile().display()),
        format!("--log-file={}", spec.logfile().display()),
    ]);
    if spec.unixctl {
        args.push(format!("--unixctl={dir}/{}.ctl", spec.stem));
    }
    if spec.monitor {
        args.push("--monitor".to_string());
    }
    args.extend(spec.args.iter().cloned());
    let mut cmd = Command::new(exe(program));
    cmd.args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for var in [
        "OVS_RUNDIR",
        "OVS_LOGDIR",
        "OVS_DBDIR",
        "OVN_RUNDIR",
        "OVN_LOGDIR",
        "OVN_DBDIR",
    ] {
        cmd.env(var, &dir);
    }
    // One glibc malloc arena per daemon instead of up to eight per core: glibc gives each
    // thread that allocates an arena of its own (ovs-vswitchd's handler, revalidator, urcu
    // and cleanup threads, ovn-controller's pinctrl thread), and freed memory stays resident
    // per arena. Lab daemons forward a few pings and see no malloc lock contention worth an
    // arena per thread; behaviour is unchanged (an allocator setting: mallopt(3),
    // M_ARENA_MAX). Measured: the extra arenas held only ~50 kB in an idle lab (20 chassis:
    // 40.1 -> 40.0 MB per chassis); it bounds what busy handler threads can keep.
    cmd.env("MALLOC_ARENA_MAX", MALLOC_ARENA_MAX);
    let out = cmd.output().await.map_err(|source| LabError::Spawn {
        program: spec.program.to_string(),
        source,
    })?;
    let pid = read_pidfile(&spec.pidfile());
    match pid {
        Some(pid) if out.status.success() && pid_running(pid) => Ok(pid),
        _ => {
            let mut tail = String::from_utf8_lossy(&out.stderr).trim().to_string();
            let log = log_tail(&spec.logfile(), 10);
            if !log.is_empty() {
                if !tail.is_empty() {
                    tail.push('\n');
                }
                tail.push_str(&log);
            }
            Err(LabError::DaemonDied {
                daemon: spec.name.clone(),
                pid: pid.unwrap_or(0),
                log: spec.logfile(),
                tail,
            })
        }
    }
}

/// Programs the lab runs, and the Debian package of each.
pub(crate) const PROGRAMS: &[(&str, &str)] = &[
    ("ovsdb-server", "openvswitch-common"),
    ("ovsdb-tool", "openvswitch-common"),
    ("ovs-appctl", "openvswitch-common"),
    ("ovs-vswitchd", "openvswitch-switch"),
    ("ovn-northd", "ovn-central"),
    ("ovn-controller", "ovn-host"),
    ("ip", "iproute2"),
    ("ping", "iputils-ping"),
    ("ethtool", "ethtool"),
    ("ovs-pki", "openvswitch-common"),
];

/// Whether `program` is an executable file somewhere in `PATH` (or the sbin directories, which
/// a non-login root shell may lack).
pub(crate) fn find_program(program: &str) -> Option<PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    path.split(':')
        .chain(["/usr/sbin", "/usr/bin", "/sbin", "/bin"])
        .map(|d| Path::new(d).join(program))
        .find(|p| p.is_file())
}

/// The path to run `program` by: found by [`find_program`] (so the sbin directories work
/// without being in `PATH`), else the bare name.
pub(crate) fn exe(program: &str) -> PathBuf {
    find_program(program).unwrap_or_else(|| PathBuf::from(program))
}

/// Programs of [`PROGRAMS`] that are missing, with the packages that bring them.
pub(crate) fn missing_programs() -> BTreeMap<&'static str, &'static str> {
    PROGRAMS
        .iter()
        .filter(|(p, _)| find_program(p).is_none())
        .map(|&(p, pkg)| (p, pkg))
        .collect()
}
