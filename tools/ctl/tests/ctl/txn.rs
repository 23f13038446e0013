//! Transaction semantics: reads guarded by `wait` with a retry, `--wait=sb|hv` (nbctl) and the
//! wait for ovs-vswitchd (vsctl).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

use ovsdb_ctl::{CtlOutput, Tool};
use ovsdb_testkit::{OvsdbServer, Watchdog};

fn server(file: &str) -> OvsdbServer {
    OvsdbServer::builder(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/schemas")
            .join(file),
    )
    .start()
    .expect("start ovsdb-server")
}

fn run(tool: Tool, remote: &str, args: &[&str]) -> CtlOutput {
    let mut all = vec![format!("--db={remote}"), "--timeout=30".to_owned()];
    all.extend(args.iter().map(|s| s.to_string()));
    ovsdb_ctl::run(tool, &all, &BTreeMap::new())
}

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_read_changed_before_commit_makes_the_invocation_run_again() {
    let _w = Watchdog::arm("a_read_changed_before_commit", Duration::from_secs(60));
    let s = server("ovn-nb.ovsschema");
    let remote = s.unix_remote();
    assert_eq!(
        run(Tool::Nbctl, &remote, &["init", "--", "ls-add", "sw0"]).code,
        0
    );
    // Looks sw0 up, then blocks until sw1 exists; meanwhile sw0 goes away.
    let r = remote.clone();
    let h = thread::spawn(move || {
        run(
            Tool::Nbctl,
            &r,
            &[
                "lsp-add",
                "sw0",
                "p1",
                "--",
                "wait-until",
                "Logical_Switch",
                "sw1",
            ],
        )
    });
    thread::sleep(Duration::from_millis(300));
    assert_eq!(
        run(Tool::Nbctl, &remote, &["ls-del", "sw0", "--", "ls-add", "sw1"]).code,
        0
    );
    let out = h.join().expect("join");
    // Without the guard the port would be inserted unreferenced and the mutate would hit no row:
    // a silent success. With it, the second run finds no sw0.
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.stderr, "nbctl-rs: sw0: switch name not found\n");
    let ports = run(
        Tool::Nbctl,
        &remote,
        &["--bare", "--columns=name", "list", "Logical_Switch_Port"],
    );
    assert_eq!(ports.stdout, "");
}

#[test]
fn nbctl_wait_sb_and_hv_wait_for_the_cfg_counters() {
    let _w = Watchdog::arm("nbctl_wait_sb_and_hv", Duration::from_secs(60));
    let s = server("ovn-nb.ovsschema");
    let remote = s.unix_remote();
    assert_eq!(run(Tool::Nbctl, &remote, &["init"]).code, 0);
    for (i, (wait, col)) in [("--wait=sb", "sb_cfg"), ("--wait=hv", "hv_cfg")]
        .into_iter()
        .enumerate()
    {
        let target = (i + 1).to_string();
        let r = remote.clone();
        let h = thread::spawn(move || run(Tool::Nbctl, &r, &[wait, "ls-add", &format!("sw{i}")]));
        wait_for("nb_cfg increment", || {
            run(Tool::Nbctl, &remote, &["get", "NB_Global", ".", "nb_cfg"]).stdout == format!("{target}\n")
        });
        thread::sleep(Duration::from_millis(200));
        assert!(!h.is_finished(), "{wait} returned before {col} caught up");
        let set = run(
            Tool::Nbctl,
            &remote,
            &["set", "NB_Global", ".", &format!("{col}={target}")],
        );
        assert_eq!(set.code, 0, "{set:?}");
        let out = h.join().expect("join");
        assert_eq!(out.code, 0, "{out:?}");
    }
    // `sync` bumps nb_cfg even without changes.
    let r = remote.clone();
    let h = thread::spawn(move || run(Tool::Nbctl, &r, &["--wait=sb", "sync"]));
    wait_for("sync increment", || {
        run(Tool::Nbctl, &remote, &["get", "NB_Global", ".", "nb_cfg"]).stdout == "3\n"
    });
    assert_eq!(
        run(Tool::Nbctl, &remote, &["set", "NB_Global", ".", "sb_cfg=3"]).code,
        0
    );
    assert_eq!(h.join().expect("join").code, 0);
    // --no-wait and the default do not touch nb_cfg.
    assert_eq!(run(Tool::Nbctl, &remote, &["ls-add", "swx"]).code, 0);
    assert_eq!(
        run(Tool::Nbctl, &remote, &["get", "NB_Global", ".", "nb_cfg"]).stdout,
        "3\n"
    );
}

#[test]
fn vsctl_waits_for_cur_cfg_unless_no_wait() {
    let _w = Watchdog::arm("vsctl_waits_for_cur_cfg", Duration::from_secs(60));
    let s = server("vswitch.ovsschema");
    let remote = s.unix_remote();
    assert_eq!(run(Tool::Vsctl, &remote, &["--no-wait", "init"]).code, 0);
    let r = remote.clone();
    let h = thread::spawn(move || run(Tool::Vsctl, &r, &["add-br", "br0"]));
    wait_for("next_cfg increment", || {
        run(Tool::Vsctl, &remote, &["get", "Open_vSwitch", ".", "next_cfg"]).stdout == "1\n"
    });
    thread::sleep(Duration::from_millis(200));
    assert!(!h.is_finished(), "returned before ovs-vswitchd caught up");
    assert_eq!(
        run(
            Tool::Vsctl,
            &remote,
            &["--no-wait", "set", "Open_vSwitch", ".", "cur_cfg=1"]
        )
        .code,
        0
    );
    assert_eq!(h.join().expect("join").code, 0);
    assert_eq!(run(Tool::Vsctl, &remote, &["--no-wait", "add-br", "br1"]).code, 0);
    assert_eq!(
        run(Tool::Vsctl, &remote, &["get", "Open_vSwitch", ".", "next_cfg"]).stdout,
        "1\n"
    );
}

/// A single `--db` remote is used over one connection whose `_Server` check runs alongside
/// the first requests; nothing may be committed or reported from a server that the check
/// refuses: with `--leader-only` (the default) a follower is never written through, and the
/// invocation waits for a qualifying server until `--timeout`, as over the reconnecting client.
#[test]
fn a_single_follower_remote_is_refused_with_leader_only() {
    let _w = Watchdog::arm("a_single_follower_remote", Duration::from_secs(120));
    let cluster = ovsdb_testkit::Cluster::builder(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/schemas/ovn-nb.ovsschema"),
    )
    .members(3)
    .start()
    .expect("start cluster");
    let leader = cluster.wait_for_leader(Duration::from_secs(20)).expect("leader");
    let follower = (leader + 1) % 3;
    let remote = |i: usize| cluster.member(i).expect("member").unix_remote();
    let nbctl = |args: &[&str]| {
        let all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        ovsdb_ctl::run(Tool::Nbctl, &all, &BTreeMap::new())
    };
    let on_leader = format!("--db={}", remote(leader));
    let on_follower = format!("--db={}", remote(follower));
    assert_eq!(nbctl(&[&on_leader, "ls-add", "sw0"]).code, 0);

    // Refused: the write and the read each wait for a leader until the timeout.
    let t0 = Instant::now();
    let w = nbctl(&[&on_follower, "--timeout=2", "ls-add", "sw1"]);
    assert_ne!(w.code, 0, "{w:?}");
    assert!(
        t0.elapsed() >= Duration::from_millis(1500),
        "gave up early: {w:?}"
    );
    let r = nbctl(&[&on_follower, "--timeout=2", "ls-list"]);
    assert_ne!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "");

    // Accepted without --leader-only (the follower forwards the transaction), over the
    // leader, and with the follower listed first among several remotes.
    let f = nbctl(&[&on_follower, "--no-leader-only", "ls-add", "sw2"]);
    assert_eq!(f.code, 0, "{f:?}");
    let both = format!("--db={},{}", remote(follower), remote(leader));
    assert_eq!(nbctl(&[&both, "ls-add", "sw3"]).code, 0);
    let list = nbctl(&[&on_leader, "--bare", "--columns=name", "list", "Logical_Switch"]);
    let mut names: Vec<&str> = list.stdout.lines().filter(|l| !l.is_empty()).collect();
    names.sort_unstable();
    assert_eq!(names, ["sw0", "sw2", "sw3"], "{list:?}");
}

#[test]
fn members_read_through_a_set_column_are_guarded_by_that_column() {
    let _w = Watchdog::arm("members_guarded_by_the_owner_column", Duration::from_secs(60));
    let s = server("ovn-nb.ovsschema");
    let remote = s.unix_remote();
    let ok = |args: &[&str]| {
        let out = run(Tool::Nbctl, &remote, args);
        assert_eq!(out.code, 0, "{args:?}: {out:?}");
    };
    ok(&[
        "init",
        "--",
        "lr-add",
        "lr0",
        "--",
        "lr-route-add",
        "lr0",
        "10.0.0.0/24",
        "192.168.0.1",
        "--",
        "ls-add",
        "sw1",
    ]);
    // Reads lr0's routes (one, no duplicate of 10.0.1.0/24) and waits for a mark on sw1 (its
    // polls read sw1, found each time: their guards hold); meanwhile the same route is added by
    // another invocation, which sets the mark.
    let r = remote.clone();
    let h = thread::spawn(move || {
        run(
            Tool::Nbctl,
            &r,
            &[
                "lr-route-add",
                "lr0",
                "10.0.1.0/24",
                "192.168.0.1",
                "--",
                "wait-until",
                "Logical_Switch",
                "sw1",
                "other_config:go=yes",
            ],
        )
    });
    thread::sleep(Duration::from_millis(300));
    ok(&[
        "lr-route-add",
        "lr0",
        "10.0.1.0/24",
        "192.168.0.1",
        "--",
        "set",
        "Logical_Switch",
        "sw1",
        "other_config:go=yes",
    ]);
    let out = h.join().expect("join");
    // The guard is lr0's `static_routes` as read: it changed, so the invocation ran again and
    // found the duplicate (without it, a second identical route would be committed).
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.stderr,
        "nbctl-rs: duplicate prefix: 10.0.1.0/24 (policy: dst-ip). Use option --ecmp to allow this for ECMP routing.\n"
    );
    let routes = run(
        Tool::Nbctl,
        &remote,
        &[
            "--bare",
            "--columns=ip_prefix",
            "list",
            "Logical_Router_Static_Route",
        ],
    );
    let mut prefixes: Vec<&str> = routes.stdout.lines().filter(|l| !l.is_empty()).collect();
    prefixes.sort_unstable();
    assert_eq!(prefixes, ["10.0.0.0/24", "10.0.1.0/24"]);
}
