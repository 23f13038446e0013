//! A RAFT cluster of `ovsdb-server` processes on loopback.

use std::ffi::{OsStr, OsString};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::process;
use crate::server::{
    DEFAULT_COMMAND_TIMEOUT, DEFAULT_STOP_TIMEOUT, OvsdbServer, ServedDatabase, ServerBuilder, new_temp_dir,
    ovs_command, schema_name,
};
use crate::wait::{try_wait_until, wait_until};

/// Default bound on how long [`ClusterBuilder::start`] waits for every member to join and a leader
/// to be elected.
pub const DEFAULT_CLUSTER_TIMEOUT: Duration = Duration::from_secs(30);
/// Default bound on [`Cluster::leader`].
pub const DEFAULT_LEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How many times [`ClusterBuilder::start`] retries with fresh RAFT ports when one turned out to be
/// taken.
const START_ATTEMPTS: usize = 3;
const POLL: Duration = Duration::from_millis(50);
/// What ovsdb-server logs when its RAFT port is taken.
const RAFT_PORT_TAKEN: &str = "listen failed (Address already in use)";

/// Returns `n` distinct TCP ports on 127.0.0.1 that were free a moment ago: all `n` are bound at
/// once (port 0, so the kernel picks them), read and released.
///
/// Another process may take a port between this call and its use; callers that bind later must
/// detect that and retry (as [`ClusterBuilder::start`] does).
pub fn free_loopback_ports(n: usize) -> Result<Vec<u16>> {
    let listeners = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(|e| Error::io("binding 127.0.0.1:0 to find a free port", e))?;
    listeners
        .iter()
        .map(|l| {
            l.local_addr()
                .map(|a| a.port())
                .map_err(|e| Error::io("reading the port of 127.0.0.1:0", e))
        })
        .collect()
}

/// What `ovs-appctl cluster/status DB` reports about one member (ovsdb-server(1), "Cluster
/// commands"). Server ids are the 4-hex-digit short forms the command prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterStatus {
    /// This member's short server id, e.g. `"6a87"`.
    pub server_id: String,
    /// This member's RAFT address, e.g. `"tcp:127.0.0.1:27311"`.
    pub address: String,
    /// Membership, e.g. `"cluster member"`, `"joining cluster"`,
    /// `"disconnected from the cluster (election timeout)"`.
    pub status: String,
    /// `"leader"`, `"follower"` or `"candidate"`.
    pub role: String,
    /// The RAFT term.
    pub term: u64,
    /// The short id of the leader this member follows (its own id if it leads); `None` while it
    /// knows none.
    pub leader: Option<String>,
    /// Short ids of the servers in this member's view of the cluster configuration.
    pub servers: Vec<String>,
}

impl ClusterStatus {
    /// Parses the output of `ovs-appctl cluster/status DB`.
    ///
    /// Errors: [`Error::ClusterStatus`] naming the missing or malformed field.
    pub fn parse(output: &str) -> Result<Self> {
        let field = |name: &'static str| -> Result<&str> {
            output
                .lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix(": "))
                .map(str::trim)
                .ok_or_else(|| Error::ClusterStatus {
                    field: name,
                    output: output.to_string(),
                })
        };
        let first_token = |name: &'static str| -> Result<String> {
            let v = field(name)?;
            v.split_whitespace()
                .next()
                .map(str::to_string)
                .ok_or_else(|| Error::ClusterStatus {
                    field: name,
                    output: output.to_string(),
                })
        };
        let server_id = first_token("Server ID")?;
        let term = field("Term")?.parse().map_err(|_| Error::ClusterStatus {
            field: "Term",
            output: output.to_string(),
        })?;
        let leader = match field("Leader")? {
            "self" => Some(server_id.clone()),
            "unknown" | "" => None,
            other => other.split_whitespace().next().map(str::to_string),
        };
        let servers = output
            .lines()
            .skip_while(|l| !l.starts_with("Servers:"))
            .skip(1)
            .take_while(|l| l.starts_with(char::is_whitespace))
            .filter_map(|l| l.split_whitespace().next().map(str::to_string))
            .collect();
        Ok(ClusterStatus {
            address: field("Address")?.to_string(),
            status: field("Status")?.to_string(),
            role: field("Role")?.to_string(),
            server_id,
            term,
            leader,
            servers,
        })
    }

    /// True if the member has joined the cluster ("Status: cluster member").
    pub fn is_member(&self) -> bool {
        self.status == "cluster member"
    }

    /// True if the member says it is the leader.
    pub fn is_leader(&self) -> bool {
        self.role == "leader" && self.leader.as_deref() == Some(self.server_id.as_str())
    }
}

/// Options for a [`Cluster`]; made by [`Cluster::builder`].
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until .start()"]
pub struct ClusterBuilder {
    schema: PathBuf,
    members: usize,
    args: Vec<OsString>,
    timeout: Duration,
    stop_timeout: Duration,
    command_timeout: Duration,
}

impl ClusterBuilder {
    /// The number of members (default 3; at least 1).
    pub fn members(mut self, n: usize) -> Self {
        self.members = n.max(1);
        self
    }

    /// Appends an `ovsdb-server` argument for every member (see [`ServerBuilder::arg`]).
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_os_string());
        self
    }

    /// How long [`ClusterBuilder::start`] waits for all members to join and a leader (default
    /// [`DEFAULT_CLUSTER_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long stopping a member waits after SIGTERM, and again after SIGKILL.
    pub fn stop_timeout(mut self, timeout: Duration) -> Self {
        self.stop_timeout = timeout;
        self
    }

    /// Bound on each `ovsdb-tool` and `ovs-appctl` call.
    pub fn command_timeout(mut self, timeout: Duration) -> Self {
        self.command_timeout = timeout;
        self
    }

    /// Creates the cluster (`ovsdb-tool create-cluster` for member 0, `join-cluster` for the
    /// others, RAFT on free 127.0.0.1 ports), starts one `ovsdb-server` per member (each with a
    /// unix socket and a TCP client remote on 127.0.0.1), and waits until every member reports
    /// "cluster member" and a leader is elected.
    ///
    /// If a RAFT port turns out to be taken by another process, the whole cluster is torn down
    /// and created again on new ports (up to 3 attempts).
    pub fn start(self) -> Result<Cluster> {
        let db_name = schema_name(&self.schema)?;
        let mut attempt = 1;
        loop {
            match self.try_start(&db_name) {
                Err(Attempt::PortTaken(_)) if attempt < START_ATTEMPTS => attempt += 1,
                Err(Attempt::PortTaken(e) | Attempt::Failed(e)) => return Err(e),
                Ok(cluster) => return Ok(cluster),
            }
        }
    }

    fn member_builder(&self) -> ServerBuilder {
        ServerBuilder::for_member()
            .tcp()
            .args(&self.args)
            .stop_timeout(self.stop_timeout)
            .command_timeout(self.command_timeout)
    }

    fn try_start(&self, db_name: &str) -> Result<Cluster, Attempt> {
        let started = Instant::now();
        let ports = free_loopback_ports(self.members)?;
        let raft: Vec<String> = ports.iter().map(|p| format!("tcp:127.0.0.1:{p}")).collect();
        let mut members = Vec::with_capacity(self.members);
        for (i, address) in raft.iter().enumerate() {
            let dir = new_temp_dir()?;
            let path = dir.path().join(format!("{db_name}.db"));
            let mut cmd = ovs_command("ovsdb-tool", dir.path());
            if i == 0 {
                cmd.arg("create-cluster")
                    .arg(&path)
                    .arg(&self.schema)
                    .arg(address);
            } else {
                cmd.arg("join-cluster")
                    .arg(&path)
                    .arg(db_name)
                    .arg(address)
                    .arg(&raft[0]);
            }
            process::run_ok(cmd, self.command_timeout, crate::LogTail::none)?;
            let db = ServedDatabase {
                name: db_name.to_string(),
                path,
            };
            members.push(self.member_builder().start_in(dir, vec![db])?);
        }
        let cluster = Cluster {
            db_name: db_name.to_string(),
            members,
            raft,
        };
        let remaining = self.timeout.saturating_sub(started.elapsed());
        let deadline = Instant::now() + remaining;
        let joined = try_wait_until(
            format!("all {} members to join the cluster", self.members),
            remaining,
            POLL,
            || {
                if let Some(i) = cluster.member_with_taken_port() {
                    return Err(Error::ServerExited {
                        during: format!("(member {i}): its RAFT port was taken"),
                        log: cluster.members[i].error_log(),
                    });
                }
                Ok((0..cluster.members.len())
                    .all(|i| cluster.status(i).is_ok_and(|s| s.is_member()))
                    .then_some(()))
            },
        );
        match joined {
            Ok(()) => {}
            Err(e) => {
                let taken = cluster.member_with_taken_port().is_some();
                return Err(if taken {
                    Attempt::PortTaken(e)
                } else {
                    Attempt::Failed(cluster.with_logs(e))
                });
            }
        }
        let remaining = deadline.saturating_duration_since(Instant::now());
        cluster.wait_for_leader(remaining)?;
        Ok(cluster)
    }
}

/// Outcome of one attempt to start a cluster.
enum Attempt {
    /// A RAFT port was taken by someone else: worth retrying on new ports.
    PortTaken(Error),
    /// Anything else.
    Failed(Error),
}

impl From<Error> for Attempt {
    fn from(e: Error) -> Self {
        Attempt::Failed(e)
    }
}

/// A RAFT cluster of `ovsdb-server` members on 127.0.0.1, each in its own temporary directory.
///
/// Members are [`OvsdbServer`]s indexed from 0; each serves one clustered database with a unix
/// socket and a TCP client remote whose port stays the same across restarts. Dropping the cluster
/// stops every member (by the pid in its pidfile) and removes the directories.
#[derive(Debug)]
pub struct Cluster {
    db_name: String,
    members: Vec<OvsdbServer>,
    raft: Vec<String>,
}

impl Cluster {
    /// A builder for a cluster serving the schema at `schema_path` (3 members unless
    /// [`ClusterBuilder::members`] says otherwise).
    ///
    /// ```no_run
    /// let mut cluster = ovsdb_testkit::Cluster::builder("testdata/schemas/ovn-nb.ovsschema")
    ///     .members(3)
    ///     .start()?;
    /// let leader = cluster.leader()?;
    /// cluster.kill(leader)?;
    /// let new_leader = cluster.wait_for_leader(std::time::Duration::from_secs(10))?;
    /// assert_ne!(leader, new_leader);
    /// println!("connect to {}", cluster.remotes());
    /// # Ok::<(), ovsdb_testkit::Error>(())
    /// ```
    pub fn builder(schema_path: impl AsRef<Path>) -> ClusterBuilder {
        ClusterBuilder {
            schema: schema_path.as_ref().to_path_buf(),
            members: 3,
            args: Vec::new(),
            timeout: DEFAULT_CLUSTER_TIMEOUT,
            stop_timeout: DEFAULT_STOP_TIMEOUT,
            command_timeout: DEFAULT_COMMAND_TIMEOUT,
        }
    }

    /// The clustered database's name, e.g. `OVN_Northbound`.
    pub fn db_name(&self) -> &str {
        &self.db_name
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Always false: a cluster has at least one member.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// All members, by index.
    pub fn members(&self) -> &[OvsdbServer] {
        &self.members
    }

    /// Member `i`. Errors: [`Error::NoSuchMember`].
    pub fn member(&self, i: usize) -> Result<&OvsdbServer> {
        let members = self.members.len();
        self.members
            .get(i)
            .ok_or(Error::NoSuchMember { index: i, members })
    }

    /// Member `i`, mutable. Errors: [`Error::NoSuchMember`].
    pub fn member_mut(&mut self, i: usize) -> Result<&mut OvsdbServer> {
        let members = self.members.len();
        self.members
            .get_mut(i)
            .ok_or(Error::NoSuchMember { index: i, members })
    }

    /// Member `i`'s RAFT address, `"tcp:127.0.0.1:PORT"`.
    pub fn raft_address(&self, i: usize) -> Result<&str> {
        let members = self.members.len();
        self.raft
            .get(i)
            .map(String::as_str)
            .ok_or(Error::NoSuchMember { index: i, members })
    }

    /// The client remotes of all members (also stopped ones), comma-separated as OVS clients take
    /// them: `"tcp:127.0.0.1:A,tcp:127.0.0.1:B,tcp:127.0.0.1:C"`.
    pub fn remotes(&self) -> String {
        self.members
            .iter()
            .filter_map(OvsdbServer::tcp_remote)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The unix remotes of all members, comma-separated.
    pub fn unix_remotes(&self) -> String {
        self.members
            .iter()
            .map(OvsdbServer::unix_remote)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Member `i`'s `cluster/status` for the database. Errors: [`Error::NoSuchMember`],
    /// [`Error::NotRunning`], [`Error::CommandFailed`] / [`Error::Timeout`] (a paused member does
    /// not answer), [`Error::ClusterStatus`].
    pub fn status(&self, i: usize) -> Result<ClusterStatus> {
        let m = self.member(i)?;
        if !m.is_running() {
            return Err(Error::NotRunning);
        }
        ClusterStatus::parse(&m.appctl(&["cluster/status", self.db_name.as_str()])?)
    }

    /// The index of the current leader, waiting up to [`DEFAULT_LEADER_TIMEOUT`] for one.
    pub fn leader(&self) -> Result<usize> {
        self.wait_for_leader(DEFAULT_LEADER_TIMEOUT)
    }

    /// Waits up to `timeout` until a leader is established and returns its index.
    ///
    /// A leader is a running, not paused member that says it leads, in the highest term seen,
    /// and that a majority of all members (itself included) acknowledge as leader in that term.
    /// Stopped and paused members are not asked.
    pub fn wait_for_leader(&self, timeout: Duration) -> Result<usize> {
        wait_until(
            format!("a leader of the {}-member cluster", self.members.len()),
            timeout,
            POLL,
            || self.find_leader(),
        )
        .map_err(|e| self.with_logs(e))
    }

    fn find_leader(&self) -> Option<usize> {
        let statuses: Vec<Option<ClusterStatus>> = (0..self.members.len())
            .map(|i| {
                let m = &self.members[i];
                if m.is_paused() {
                    return None;
                }
                self.status(i).ok()
            })
            .collect();
        let max_term = statuses.iter().flatten().map(|s| s.term).max()?;
        let (index, leader) = statuses.iter().enumerate().find_map(|(i, s)| {
            s.as_ref()
                .filter(|s| s.is_leader() && s.is_member() && s.term == max_term)
                .map(|s| (i, s))
        })?;
        let acks = statuses
            .iter()
            .flatten()
            .filter(|s| s.term == leader.term && s.leader.as_ref() == Some(&leader.server_id))
            .count();
        (acks > self.members.len() / 2).then_some(index)
    }

    /// Waits up to `timeout` until member `i` reports "cluster member" and follows (or is) the
    /// current leader, e.g. after [`Cluster::restart`].
    pub fn wait_joined(&self, i: usize, timeout: Duration) -> Result<ClusterStatus> {
        self.member(i)?;
        wait_until(format!("member {i} to rejoin the cluster"), timeout, POLL, || {
            let leader = self.find_leader()?;
            let leader_id = self.status(leader).ok()?.server_id;
            let status = self.status(i).ok()?;
            (status.is_member() && status.leader.as_ref() == Some(&leader_id)).then_some(status)
        })
        .map_err(|e| {
            let log = self.members.get(i).map(OvsdbServer::error_log);
            e.with_log(|| log.unwrap_or_default())
        })
    }

    /// SIGKILLs member `i` (a crash).
    pub fn kill(&mut self, i: usize) -> Result<()> {
        self.member_mut(i)?.kill()
    }

    /// Stops member `i` cleanly (SIGTERM, then SIGKILL after a bounded wait).
    pub fn stop(&mut self, i: usize) -> Result<()> {
        self.member_mut(i)?.stop()
    }

    /// Restarts member `i` on its database file, sockets and ports, and waits until it accepts
    /// client connections (not until it has rejoined: see [`Cluster::wait_joined`]).
    pub fn restart(&mut self, i: usize) -> Result<()> {
        self.member_mut(i)?.restart()
    }

    /// SIGSTOPs member `i` (a hung server that keeps its connections open).
    pub fn pause(&mut self, i: usize) -> Result<()> {
        self.member_mut(i)?.pause()
    }

    /// SIGCONTs member `i` after [`Cluster::pause`].
    pub fn resume(&mut self, i: usize) -> Result<()> {
        self.member_mut(i)?.resume()
    }

    fn member_with_taken_port(&self) -> Option<usize> {
        self.members
            .iter()
            .position(|m| m.log_tail(usize::MAX).contains(RAFT_PORT_TAKEN))
    }

    /// Attaches the log of the first running member (all logs would be too long) to an error that
    /// has none.
    fn with_logs(&self, e: Error) -> Error {
        let log = self
            .members
            .iter()
            .find(|m| m.is_running())
            .map(OvsdbServer::error_log);
        e.with_log(|| log.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEADER: &str = "6a87
Name: OVN_Northbound
Cluster ID: fcb5 (fcb5e54b-02c2-4eb6-9e8a-01b3aa63d9b1)
Server ID: 6a87 (6a871524-ea0b-47d2-adc7-239a737c07f9)
Address: tcp:127.0.0.1:27311
Status: cluster member
Role: leader
Term: 1
Leader: self
Vote: self

Last Election started 98 ms ago, reason: timeout
Election timer: 1000
Log: [2, 5]
Connections: <-079b ->079b <-4e48 ->4e48
Disconnections: 0
Servers:
    6a87 (6a87 at tcp:127.0.0.1:27311) (self) next_index=2 match_index=4
    4e48 (4e48 at tcp:127.0.0.1:27313) next_index=5 match_index=4 last msg 45 ms ago
    079b (079b at tcp:127.0.0.1:27312) next_index=5 match_index=4 last msg 47 ms ago
";

    #[test]
    fn parses_leader_status() {
        let s = ClusterStatus::parse(LEADER).unwrap();
        assert_eq!(s.server_id, "6a87");
        assert_eq!(s.address, "tcp:127.0.0.1:27311");
        assert!(s.is_member());
        assert!(s.is_leader());
        assert_eq!(s.term, 1);
        assert_eq!(s.servers, ["6a87", "4e48", "079b"]);
    }

    #[test]
    fn parses_follower_and_unknown_leader() {
        let f = LEADER
            .replace("Role: leader", "Role: follower")
            .replace("Leader: self", "Leader: 079b")
            .replace("Term: 1", "Term: 12");
        let s = ClusterStatus::parse(&f).unwrap();
        assert!(!s.is_leader());
        assert_eq!(s.leader.as_deref(), Some("079b"));
        assert_eq!(s.term, 12);
        let u = LEADER.replace("Leader: self", "Leader: unknown");
        assert_eq!(ClusterStatus::parse(&u).unwrap().leader, None);
    }

    #[test]
    fn parse_errors_name_the_field() {
        let bad = LEADER.replace("Term: 1", "Term: x");
        match ClusterStatus::parse(&bad).unwrap_err() {
            Error::ClusterStatus { field, .. } => assert_eq!(field, "Term"),
            e => panic!("{e}"),
        }
        match ClusterStatus::parse("nothing").unwrap_err() {
            Error::ClusterStatus { field, .. } => assert_eq!(field, "Server ID"),
            e => panic!("{e}"),
        }
    }

    #[test]
    fn free_ports_are_distinct() {
        let p = free_loopback_ports(5).unwrap();
        let mut q = p.clone();
        q.sort_unstable();
        q.dedup();
        assert_eq!(q.len(), 5);
        assert!(p.iter().all(|&x| x != 0));
    }
}
