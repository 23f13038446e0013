//! The lab's errors: each variant names what failed and how to fix it where there is a fix.

use std::path::PathBuf;
use std::time::Duration;

/// Everything an `ovn-lab` command can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LabError {
    /// The lab needs root (network namespaces, veth pairs, daemons in /run).
    #[error(
        "ovn-lab must run as root (it creates network namespaces and starts daemons); try: sudo ovn-lab ..."
    )]
    NotRoot,
    /// Programs the lab runs are not installed.
    #[error("missing programs: {}; install them with: {apt}", .programs.join(", "))]
    MissingPackages {
        /// The programs not found in `PATH`.
        programs: Vec<String>,
        /// The command that installs them.
        apt: String,
    },
    /// A name given for something new is already used.
    #[error("{kind} {name:?} already exists")]
    NameTaken {
        /// What kind of object (`"vm"`, `"switch"`, `"router"`, `"chassis"`).
        kind: &'static str,
        /// The name.
        name: String,
    },
    /// A static address asked for is already used on the switch.
    #[error("address {addr} is already used on switch {switch:?} by {owner}")]
    AddressInUse {
        /// The address (`"10.0.0.1"`).
        addr: String,
        /// The logical switch.
        switch: String,
        /// Who has it (`"router port lr1-ls1"`, `"port vm2"`, `"vm vm3"`).
        owner: String,
    },
    /// Standard output was closed by its reader (`ovn-lab status | head -1`): the command
    /// stops printing and exits quietly, as the C tools do.
    #[error("standard output closed")]
    StdoutClosed,
    /// A named object does not exist.
    #[error("no {kind} named {name:?} (known: {})", if .known.is_empty() { "none".to_string() } else { .known.join(", ") })]
    NotFound {
        /// What kind of object (`"chassis"`, `"vm"`, `"switch"`, `"router"`).
        kind: &'static str,
        /// The name asked for.
        name: String,
        /// The names that do exist.
        known: Vec<String>,
    },
    /// A command needs a running lab and there is none.
    #[error("the lab {name:?} is not up (no state in {}); run: ovn-lab up", .dir.display())]
    NotUp {
        /// Lab name.
        name: String,
        /// Lab directory.
        dir: PathBuf,
    },
    /// A name or value given on the command line is not acceptable.
    #[error("invalid {what} {value:?}: {reason}")]
    Invalid {
        /// What the value is (`"vm name"`, `"address"`).
        what: &'static str,
        /// The value given.
        value: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// A daemon of the lab is not running any more.
    #[error("{daemon} died (pid {pid}); last lines of {}:\n{tail}", .log.display())]
    DaemonDied {
        /// Which daemon (`"ch1/ovn-controller"`).
        daemon: String,
        /// Its last known pid (0 if it never wrote a pidfile).
        pid: u32,
        /// Its log file.
        log: PathBuf,
        /// The last lines of the log.
        tail: String,
    },
    /// A state the lab waited for did not come about in time.
    #[error("timed out after {:.1} s waiting for {what}", .after.as_secs_f64())]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long the wait lasted.
        after: Duration,
    },
    /// A program could not be started.
    #[error("cannot run {program}: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A program the lab ran failed.
    #[error("`{command}` failed ({status}): {stderr}")]
    Command {
        /// The command line.
        command: String,
        /// Its exit status.
        status: String,
        /// What it printed on stderr.
        stderr: String,
    },
    /// A file operation failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The lab's state file does not decode.
    #[error("lab state {}: {source}", .path.display())]
    State {
        /// The state file.
        path: PathBuf,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// A database request failed.
    #[error("{db}: {source}")]
    Db {
        /// The database (`"OVN_Northbound"`, `"ch1 Open_vSwitch"`).
        db: String,
        /// The client's error.
        #[source]
        source: ovsdb_client::Error,
    },
    /// A row read from a database does not decode.
    #[error("{db}: {source}")]
    Row {
        /// The database.
        db: String,
        /// The decoding error (names table and column).
        #[source]
        source: ovsdb_proto::RowError,
    },
    /// A database answered with something the lab did not expect (a missing row, a wrong
    /// result shape).
    #[error("{db}: unexpected reply: {what}")]
    Unexpected {
        /// The database.
        db: String,
        /// What was unexpected.
        what: String,
    },
    /// `ping` between two VMs failed.
    #[error("ping {from} -> {to} failed")]
    Ping {
        /// Source VM.
        from: String,
        /// Destination (VM name or address).
        to: String,
    },
    /// `check` found pairs that behave otherwise than the topology says.
    #[error("check failed: {failed} of {total} probes")]
    CheckFailed {
        /// Probes that failed.
        failed: usize,
        /// Probes run.
        total: usize,
    },
    /// The user interrupted a command (Ctrl-C); what it had started was cleaned up.
    #[error("{during} interrupted (Ctrl-C); the lab was torn down")]
    Interrupted {
        /// The command interrupted (`"demo"`).
        during: String,
    },
    /// The command run by `exec` exited with a failure status.
    #[error("command in {vm} exited with {status}")]
    Exec {
        /// The VM.
        vm: String,
        /// The exit status.
        status: String,
    },
}

/// The lab's result type.
pub type Result<T, E = LabError> = std::result::Result<T, E>;
