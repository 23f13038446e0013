//! `up --clustered`: NB and SB each a 3-member RAFT cluster (what OVN itself runs in
//! production), and `fault kill-leader` / `fault restart`.
//!
//! Member `k` (1 to 3) runs in its own network namespace `olab-<lab>-c<k>` with a veth into the
//! underlay at `192.168.50.<2+k>`; its NB server (`central/nb<k>.*`) and SB server
//! (`central/sb<k>.*`) hold their RAFT connections there (ports 6643 and 6644) and serve
//! clients on `unix:central/{nb,sb}<k>.sock` (the host: the lab's own clients, northd) and on
//! `tcp:192.168.50.<2+k>:6641/6642` (the chassis with `--sb-via tcp`). Roles and leaders are
//! read from each member's `_Server` database (ovsdb-server(5)). A killed member's pidfile is
//! renamed `*.pid.killed`: the lab counts it as down on purpose (not a dead daemon), and
//! `fault restart` starts it again.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use ovsdb_proto::op::{Operation, OperationResult, Select};
use ovsdb_proto::{Atom, Datum};

use crate::db::{Db, TICK};
use crate::error::{LabError, Result};
use crate::lab::{Lab, LabConfig, UNDERLAY, WAIT, underlay_host};
use crate::sys::{self, DaemonSpec};

/// Members per cluster.
pub(crate) const MEMBERS: u32 = 3;

/// One of the two clustered databases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClusterDb {
    /// `OVN_Northbound`.
    Nb,
    /// `OVN_Southbound`.
    Sb,
}

impl ClusterDb {
    /// The database name (`"OVN_Northbound"`).
    pub fn db_name(self) -> &'static str {
        match self {
            ClusterDb::Nb => "OVN_Northbound",
            ClusterDb::Sb => "OVN_Southbound",
        }
    }

    /// File stem prefix of its members (`"nb"`).
    pub fn stem(self) -> &'static str {
        match self {
            ClusterDb::Nb => "nb",
            ClusterDb::Sb => "sb",
        }
    }

    fn schema(self) -> &'static str {
        match self {
            ClusterDb::Nb => "/usr/share/ovn/ovn-nb.ovsschema",
            ClusterDb::Sb => "/usr/share/ovn/ovn-sb.ovsschema",
        }
    }

    /// Port of its RAFT connections.
    fn raft_port(self) -> u16 {
        match self {
            ClusterDb::Nb => 6643,
            ClusterDb::Sb => 6644,
        }
    }

    /// Port its members serve clients on, on the underlay.
    pub(crate) fn client_port(self) -> u16 {
        match self {
            ClusterDb::Nb => 6641,
            ClusterDb::Sb => 6642,
        }
    }
}

/// Underlay address of member `k`.
pub(crate) fn member_ip(k: u32) -> String {
    format!("{UNDERLAY}.{}", 2 + k)
}

/// The host's remotes of a clustered database: every member's unix socket, comma-separated.
pub(crate) fn unix_remotes(cfg: &LabConfig, db: ClusterDb) -> String {
    (1..=MEMBERS)
        .map(|k| format!("unix:{}/{}{k}.sock", cfg.central_dir().display(), db.stem()))
        .collect::<Vec<_>>()
        .join(",")
}

/// The underlay remotes of a clustered database (`tcp:192.168.50.3:6642,...`, `ssl:` with
/// TLS).
pub(crate) fn underlay_remotes(db: ClusterDb, tls: bool) -> String {
    let proto = if tls { "ssl" } else { "tcp" };
    (1..=MEMBERS)
        .map(|k| format!("{proto}:{}:{}", member_ip(k), db.client_port()))
        .collect::<Vec<_>>()
        .join(",")
}

fn server_spec(cfg: &LabConfig, db: ClusterDb, k: u32, tls: bool) -> DaemonSpec {
    let c = cfg.central_dir();
    let stem = format!("{}{k}", db.stem());
    let proto = if tls { "pssl" } else { "ptcp" };
    let mut args = vec![
        c.join(format!("{stem}.db")).display().to_string(),
        format!("--remote=punix:{}/{stem}.sock", c.display()),
        format!("--remote={proto}:{}:{}", db.client_port(), member_ip(k)),
    ];
    if tls {
        // Also the RAFT connections (ssl: member addresses) use these files.
        args.extend(crate::tls::TlsFiles::of(cfg).server_args());
    }
    DaemonSpec {
        name: format!("central/{stem}"),
        program: "ovsdb-server",
        netns: Some(cfg.netns(&format!("c{k}"))),
        dir: c.clone(),
        args,
        stem,
        unixctl: true,
        monitor: false,
    }
}

/// Namespaces of the members, the clusters' database files (`create-cluster` from the schema,
/// or from `nb_db` / `sb_db`, standalone database files, for a pre-provisioned lab;
/// `join-cluster` for members 2 and 3), and the six servers.
pub(crate) async fn start_clusters(
    cfg: &LabConfig,
    nb_db: Option<&Path>,
    sb_db: Option<&Path>,
    tls: bool,
) -> Result<()> {
    for k in 1..=MEMBERS {
        underlay_host(cfg, &format!("c{k}"), &member_ip(k)).await?;
    }
    let c = cfg.central_dir();
    for (db, from) in [(ClusterDb::Nb, nb_db), (ClusterDb::Sb, sb_db)] {
        let file = |k: u32| c.join(format!("{}{k}.db", db.stem())).display().to_string();
        let proto = if tls { "ssl" } else { "tcp" };
        let raft = |k: u32| format!("{proto}:{}:{}", member_ip(k), db.raft_port());
        let contents = from.map_or_else(|| db.schema().to_string(), |p| p.display().to_string());
        sys::run("ovsdb-tool", &["create-cluster", &file(1), &contents, &raft(1)]).await?;
        for k in 2..=MEMBERS {
            sys::run(
                "ovsdb-tool",
                &["join-cluster", &file(k), db.db_name(), &raft(k), &raft(1)],
            )
            .await?;
        }
    }
    let specs: Vec<DaemonSpec> = [ClusterDb::Nb, ClusterDb::Sb]
        .into_iter()
        .flat_map(|db| (1..=MEMBERS).map(move |k| (db, k)))
        .map(|(db, k)| server_spec(cfg, db, k, tls))
        .collect();
    futures::future::join_all(specs.iter().map(sys::start_daemon))
        .await
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
    Ok(())
}

/// The pidfiles a running clustered central has: each member's `.pid`, or `.pid.killed` for
/// one killed on purpose.
pub(crate) fn members_running(cfg: &LabConfig) -> bool {
    let c = cfg.central_dir();
    [ClusterDb::Nb, ClusterDb::Sb].into_iter().all(|db| {
        (1..=MEMBERS).all(|k| {
            let pid = c.join(format!("{}{k}.pid", db.stem()));
            sys::read_pidfile(&pid).is_some_and(sys::pid_running) || killed_file(&pid).exists()
        })
    })
}

fn killed_file(pidfile: &Path) -> PathBuf {
    pidfile.with_extension("pid.killed")
}

/// One cluster member as `status` shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MemberStatus {
    /// `"OVN_Northbound"` or `"OVN_Southbound"`.
    pub db: String,
    /// Member name (`"nb2"`).
    pub member: String,
    /// Its unix remote.
    pub remote: String,
    /// Pid of the server (0 if none runs).
    pub pid: u32,
    /// `"leader"`, `"follower"`, `"disconnected"` (runs, not in contact with a majority),
    /// `"killed"` (by `fault kill-leader`), or `"down"`.
    pub role: String,
    /// Its server id (`_Server.Database.sid`), when it answered.
    pub sid: Option<String>,
}

fn scalar<'a>(row: &'a ovsdb_proto::Row, column: &str) -> Option<&'a Atom> {
    match row.get(column)? {
        Datum::Set(s) if s.len() == 1 => s.iter().next(),
        _ => None,
    }
}

/// Reads one member's view of its database from its `_Server` database.
async fn member_status(cfg: &LabConfig, db: ClusterDb, k: u32) -> MemberStatus {
    let stem = format!("{}{k}", db.stem());
    let c = cfg.central_dir();
    let pidfile = c.join(format!("{stem}.pid"));
    let remote = format!("unix:{}/{stem}.sock", c.display());
    let pid = sys::read_pidfile(&pidfile).filter(|p| sys::pid_running(*p));
    let mut st = MemberStatus {
        db: db.db_name().into(),
        member: stem.clone(),
        remote: remote.clone(),
        pid: pid.unwrap_or(0),
        role: if killed_file(&pidfile).exists() {
            "killed".into()
        } else {
            "down".into()
        },
        sid: None,
    };
    if pid.is_none() {
        return st;
    }
    let read = async {
        let server = Db::connect(remote, "_Server", format!("{stem} _Server"), false).await?;
        let op: Operation = Select::new("Database", [])
            .columns(["name", "leader", "connected", "sid"])
            .into();
        let res = server.client().transact("_Server", vec![op]).await;
        server.close();
        res.map_err(|source| LabError::Db {
            db: format!("{stem} _Server"),
            source,
        })
    };
    let Ok(Ok(res)) = tokio::time::timeout(Duration::from_secs(3), read).await else {
        st.role = "disconnected".into();
        return st;
    };
    let Some(OperationResult::Select { rows }) = res.into_iter().next() else {
        return st;
    };
    let Some(row) = rows
        .iter()
        .find(|r| scalar(r, "name").and_then(Atom::as_str) == Some(db.db_name()))
    else {
        return st;
    };
    let flag = |c: &str| scalar(row, c).and_then(Atom::as_bool).unwrap_or(false);
    st.role = if flag("leader") {
        "leader".into()
    } else if flag("connected") {
        "follower".into()
    } else {
        "disconnected".into()
    };
    st.sid = scalar(row, "sid").and_then(Atom::as_uuid).map(|u| u.to_string());
    st
}

/// What `fault kill-leader` did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct KillReport {
    /// The member killed (`"sb1"`).
    pub killed: String,
    /// Its pid.
    pub pid: u32,
    /// The member that leads now.
    pub new_leader: String,
    /// Seconds from the kill to a new leader.
    pub seconds: f64,
}

impl Lab {
    fn require_clustered(&self) -> Result<()> {
        if self.state.clustered {
            Ok(())
        } else {
            Err(LabError::Invalid {
                what: "lab",
                value: self.cfg.name.clone(),
                reason: "is not clustered (start it with ovn-lab up --clustered)",
            })
        }
    }

    /// Every member of both clusters with its role (empty for a standalone central).
    pub async fn cluster_status(&self) -> Vec<MemberStatus> {
        if !self.state.clustered {
            return Vec::new();
        }
        let all = [ClusterDb::Nb, ClusterDb::Sb]
            .into_iter()
            .flat_map(|db| (1..=MEMBERS).map(move |k| (db, k)));
        futures::future::join_all(all.map(|(db, k)| member_status(&self.cfg, db, k))).await
    }

    async fn leader_of(&self, db: ClusterDb, except: Option<&str>) -> Option<MemberStatus> {
        let members = futures::future::join_all((1..=MEMBERS).map(|k| member_status(&self.cfg, db, k))).await;
        members
            .into_iter()
            .find(|m| m.role == "leader" && Some(m.member.as_str()) != except)
    }

    /// Kills the current leader of `db`'s cluster (SIGKILL, by the pid in its pidfile) and
    /// waits until the other members elected a new one.
    ///
    /// # Errors
    /// [`LabError::Invalid`] on a standalone lab; [`LabError::Timeout`] if no leader is found
    /// or none is elected in time.
    pub async fn kill_leader(&self, db: ClusterDb) -> Result<KillReport> {
        self.require_clustered()?;
        let start = Instant::now();
        let leader = loop {
            if let Some(l) = self.leader_of(db, None).await {
                break l;
            }
            if start.elapsed() > WAIT {
                return Err(LabError::Timeout {
                    what: format!("a leader of the {} cluster", db.db_name()),
                    after: start.elapsed(),
                });
            }
            tokio::time::sleep(TICK).await;
        };
        let pidfile = self.cfg.central_dir().join(format!("{}.pid", leader.member));
        // Renamed first: from now on the lab counts the member as killed, not as dead.
        std::fs::rename(&pidfile, killed_file(&pidfile)).map_err(|source| LabError::Io {
            path: pidfile.clone(),
            source,
        })?;
        let _ = kill(Pid::from_raw(leader.pid as i32), Signal::SIGKILL);
        let killed_at = Instant::now();
        loop {
            if let Some(l) = self.leader_of(db, Some(&leader.member)).await {
                return Ok(KillReport {
                    killed: leader.member,
                    pid: leader.pid,
                    new_leader: l.member,
                    seconds: killed_at.elapsed().as_secs_f64(),
                });
            }
            if killed_at.elapsed() > WAIT {
                return Err(LabError::Timeout {
                    what: format!("a new leader of the {} cluster", db.db_name()),
                    after: killed_at.elapsed(),
                });
            }
            tokio::time::sleep(TICK).await;
        }
    }

    /// Starts again every member killed by [`Lab::kill_leader`] and waits until each is back in
    /// its cluster (leader or follower); returns their names.
    ///
    /// # Errors
    /// [`LabError::Invalid`] on a standalone lab; [`LabError::DaemonDied`] if a member does not
    /// start; [`LabError::Timeout`] if it does not rejoin.
    pub async fn restart_members(&self) -> Result<Vec<String>> {
        self.require_clustered()?;
        let c = self.cfg.central_dir();
        let mut started = Vec::new();
        for db in [ClusterDb::Nb, ClusterDb::Sb] {
            for k in 1..=MEMBERS {
                let pidfile = c.join(format!("{}{k}.pid", db.stem()));
                let killed = killed_file(&pidfile);
                if !killed.exists() {
                    continue;
                }
                std::fs::remove_file(&killed).map_err(|source| LabError::Io {
                    path: killed.clone(),
                    source,
                })?;
                sys::start_daemon(&server_spec(&self.cfg, db, k, self.state.tls)).await?;
                started.push((db, k));
            }
        }
        let start = Instant::now();
        for &(db, k) in &started {
            loop {
                let m = member_status(&self.cfg, db, k).await;
                if m.role == "leader" || m.role == "follower" {
                    break;
                }
                if start.elapsed() > WAIT {
                    return Err(LabError::Timeout {
                        what: format!("{} back in its cluster (it is {})", m.member, m.role),
                        after: start.elapsed(),
                    });
                }
                tokio::time::sleep(TICK).await;
            }
        }
        Ok(started
            .into_iter()
            .map(|(db, k)| format!("{}{k}", db.stem()))
            .collect())
    }
}
