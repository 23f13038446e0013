//! RAFT clusters.

use std::time::{Duration, Instant};

use ovsdb_testkit::{Cluster, Error};
use serde_json::json;

use crate::{call_ok, insert_nb_global, nb_global_external_ids, nb_schema, proc_dead, watchdog};

/// Measured here: a new leader within 0.5 to 1.6 s of killing the old one (election timer 1 s).
const FAILOVER_BOUND: Duration = Duration::from_secs(10);

#[test]
fn failover_keeps_committed_writes_and_the_killed_member_rejoins() {
    let _w = watchdog("failover_keeps_committed_writes_and_the_killed_member_rejoins");
    let mut cluster = Cluster::builder(nb_schema()).members(3).start().unwrap();
    assert_eq!(cluster.db_name(), "OVN_Northbound");
    assert_eq!(cluster.len(), 3);
    let remotes = cluster.remotes();
    let parts: Vec<&str> = remotes.split(',').collect();
    assert_eq!(parts.len(), 3, "{remotes}");
    for (i, p) in parts.iter().enumerate() {
        assert_eq!(Some(p.to_string()), cluster.member(i).unwrap().tcp_remote());
    }
    for i in 0..3 {
        let s = cluster.status(i).unwrap();
        assert!(s.is_member(), "{s:?}");
        assert_eq!(s.servers.len(), 3, "{s:?}");
        assert_eq!(s.address, cluster.raft_address(i).unwrap());
    }

    let leader = cluster.leader().unwrap();
    let leader_id = cluster.status(leader).unwrap().server_id;
    let leader_remote = cluster.member(leader).unwrap().tcp_remote().unwrap();
    // _Server agrees with cluster/status about who leads.
    let db = call_ok(
        &leader_remote,
        "transact",
        json!(["_Server", {"op": "select", "table": "Database",
            "where": [["name", "==", "OVN_Northbound"]], "columns": ["leader", "model"]}]),
    );
    assert_eq!(db[0]["rows"][0]["leader"], true, "{db}");
    assert_eq!(db[0]["rows"][0]["model"], "clustered", "{db}");

    insert_nb_global(&leader_remote, "written", "before-failover");

    let old_pid = cluster.member(leader).unwrap().pid().unwrap();
    let killed_at = Instant::now();
    cluster.kill(leader).unwrap();
    assert!(proc_dead(old_pid));
    let new_leader = cluster.wait_for_leader(FAILOVER_BOUND).unwrap();
    let failover = killed_at.elapsed();
    assert_ne!(new_leader, leader);
    assert!(failover < FAILOVER_BOUND, "{failover:?}");
    let new_status = cluster.status(new_leader).unwrap();
    assert!(new_status.term > 1, "{new_status:?}");
    assert_ne!(new_status.server_id, leader_id);

    let new_remote = cluster.member(new_leader).unwrap().tcp_remote().unwrap();
    assert_eq!(
        nb_global_external_ids(&new_remote),
        [json!(["map", [["written", "before-failover"]]])]
    );

    // The killed member cannot be asked while down ...
    assert!(matches!(cluster.status(leader).unwrap_err(), Error::NotRunning));
    // ... and rejoins as a follower of the new leader after a restart.
    cluster.restart(leader).unwrap();
    let rejoined = cluster.wait_joined(leader, Duration::from_secs(20)).unwrap();
    assert_eq!(rejoined.server_id, leader_id);
    assert_eq!(rejoined.leader.as_ref(), Some(&new_status.server_id));
    assert_eq!(rejoined.role, "follower");
    let leader_view = cluster.status(new_leader).unwrap();
    assert!(leader_view.servers.contains(&leader_id), "{leader_view:?}");
    // The restarted member serves the replicated data on its old client port.
    assert_eq!(
        nb_global_external_ids(&cluster.member(leader).unwrap().tcp_remote().unwrap()),
        [json!(["map", [["written", "before-failover"]]])]
    );
}

#[test]
fn a_paused_leader_is_replaced_and_follows_after_resume() {
    let _w = watchdog("a_paused_leader_is_replaced_and_follows_after_resume");
    let mut cluster = Cluster::builder(nb_schema()).start().unwrap();
    let leader = cluster.leader().unwrap();
    let leader_id = cluster.status(leader).unwrap().server_id;
    cluster.pause(leader).unwrap();
    assert!(cluster.member(leader).unwrap().is_paused());
    let new_leader = cluster.wait_for_leader(FAILOVER_BOUND).unwrap();
    assert_ne!(new_leader, leader);
    cluster.resume(leader).unwrap();
    let status = cluster.wait_joined(leader, Duration::from_secs(20)).unwrap();
    assert_eq!(status.server_id, leader_id);
    assert_eq!(status.role, "follower");
    assert_eq!(cluster.leader().unwrap(), new_leader);
}

#[test]
fn member_index_out_of_range_is_an_error() {
    let _w = watchdog("member_index_out_of_range_is_an_error");
    let mut cluster = Cluster::builder(nb_schema()).members(1).start().unwrap();
    assert_eq!(cluster.leader().unwrap(), 0);
    assert!(matches!(
        cluster.kill(1).unwrap_err(),
        Error::NoSuchMember { index: 1, members: 1 }
    ));
    assert!(cluster.member(5).is_err());
    assert_eq!(cluster.unix_remotes(), cluster.member(0).unwrap().unix_remote());
}
