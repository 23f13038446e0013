//! Daemon mode (`--detach`, `OVN_NB_DAEMON`): the daemon's life cycle, freshness of what it
//! serves, its answers on its socket, and its failures. (The differential tests also run the
//! lab flows through a daemon: the `*_in_daemon_mode` tests.)

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use ovsdb_ctl::Tool;
use ovsdb_testkit::{OvsdbServer, Watchdog, raw_call};
use serde_json::json;

use crate::diff::{OurDaemon, schema_path};

fn nb_server() -> OvsdbServer {
    OvsdbServer::builder(schema_path("ovn-nb.ovsschema"))
        .start()
        .expect("start ovsdb-server")
}

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

#[test]
fn daemon_serves_its_own_and_others_writes_and_stops_on_exit() {
    let _w = Watchdog::arm(
        "daemon_serves_its_own_and_others_writes_and_stops_on_exit",
        Duration::from_secs(120),
    );
    let server = nb_server();
    let remote = server.unix_remote();
    let daemon = OurDaemon::start(Tool::Nbctl, &remote, server.dir());
    let env = daemon.env(Tool::Nbctl);

    // Its own write is visible to the very next invocation.
    let out = ovsdb_ctl::run(Tool::Nbctl, &args(&["ls-add", "sw1"]), &env);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = ovsdb_ctl::run(
        Tool::Nbctl,
        &args(&["--bare", "--columns=name", "list", "Logical_Switch"]),
        &env,
    );
    assert_eq!(out.stdout.trim(), "sw1");

    // A write made by another client reaches the daemon's replica.
    let direct = ovsdb_ctl::run(
        Tool::Nbctl,
        &args(&[&format!("--db={remote}"), "ls-add", "sw2"]),
        &BTreeMap::new(),
    );
    assert_eq!(direct.code, 0, "{}", direct.stderr);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let out = ovsdb_ctl::run(Tool::Nbctl, &args(&["ls-list"]), &env);
        if out.stdout.contains("(sw2)") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the daemon never saw sw2: {:?}",
            out.stdout
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    // An error is the same as without the daemon, exit code included.
    let out = ovsdb_ctl::run(Tool::Nbctl, &args(&["ls-add", "sw1"]), &env);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "nbctl-rs: sw1: a switch with this name already exists\n"
    );

    // On its socket it is a relay for the ctl tools.
    let sock = format!("unix:{}", daemon.socket);
    let reply = raw_call(
        &sock,
        &json!({"id": 1, "method": "transact", "params": ["_Server",
            {"op": "select", "table": "Database", "where": [["name", "==", "OVN_Northbound"]],
             "columns": ["name", "model", "connected"]}]}),
    )
    .expect("_Server select");
    assert_eq!(
        reply["result"][0]["rows"],
        json!([{"name": "OVN_Northbound", "model": "relay", "connected": true}])
    );
    let reply = raw_call(
        &sock,
        &json!({"id": 2, "method": "transact", "params": ["OVN_Northbound",
            {"op": "select", "table": "Logical_Switch", "where": [["name", "==", "sw2"]], "columns": ["name"]}]}),
    )
    .expect("select");
    assert_eq!(reply["result"][0]["rows"], json!([{"name": "sw2"}]));
    // What it cannot answer goes to the server, whose error comes back.
    let reply = raw_call(
        &sock,
        &json!({"id": 3, "method": "transact", "params": ["OVN_Northbound",
            {"op": "select", "table": "No_Such_Table", "where": []}]}),
    )
    .expect("select");
    let error = reply["result"][0]["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!error.is_empty(), "the server's error: {reply}");

    // Session-scoped methods are refused (forwarded, they would live on the daemon's session).
    let reply = raw_call(
        &sock,
        &json!({"id": 4, "method": "monitor", "params": ["OVN_Northbound", "m", {"Logical_Switch": {}}]}),
    )
    .expect("monitor");
    assert_eq!(reply["error"]["error"], "not supported", "{reply}");

    // ovs-appctl stops it; its socket and pidfile go away.
    let appctl = Command::new("ovs-appctl")
        .arg("-t")
        .arg(&daemon.socket)
        .arg("exit")
        .output()
        .expect("run ovs-appctl");
    assert_eq!(
        appctl.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&appctl.stderr)
    );
    assert!(daemon.stop(), "socket and pidfile removed");

    // Without its daemon an invocation says which socket failed.
    let out = ovsdb_ctl::run(Tool::Nbctl, &args(&["ls-list"]), &env);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains(&daemon.socket), "{}", out.stderr);
}

#[test]
fn detach_without_a_server_fails_with_the_reason() {
    let _w = Watchdog::arm(
        "detach_without_a_server_fails_with_the_reason",
        Duration::from_secs(60),
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let t0 = Instant::now();
    let out = Command::new(OurDaemon::program(Tool::Nbctl))
        .arg(format!("--db=unix:{}/none.sock", dir.path().display()))
        .arg("--timeout=1")
        .arg("--detach")
        .env("OVN_RUNDIR", dir.path())
        .output()
        .expect("run --detach");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("none.sock"), "names the remote: {stderr}");
    assert!(
        t0.elapsed() < Duration::from_secs(15),
        "within --timeout: {:?}",
        t0.elapsed()
    );
    assert!(out.stdout.is_empty());

    let out = Command::new(OurDaemon::program(Tool::Vsctl))
        .arg("--detach")
        .output()
        .expect("run vsctl-rs --detach");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "vsctl-rs: --detach: ovs-vsctl has no daemon mode\n"
    );
}

/// A daemon started under the reference's name (a symlink `ovn-sbctl -> sbctl-rs`, as a script
/// written for ovn-sbctl runs it) speaks under that name: its errors, as the client prints them,
/// start with `ovn-sbctl:` as the reference daemon's do.
#[test]
fn daemon_started_under_the_references_name_keeps_it() {
    let _w = Watchdog::arm(
        "daemon_started_under_the_references_name_keeps_it",
        Duration::from_secs(60),
    );
    let server = OvsdbServer::builder(schema_path("ovn-sb.ovsschema"))
        .start()
        .expect("start ovsdb-server");
    let link = server.dir().join("ovn-sbctl");
    std::os::unix::fs::symlink(OurDaemon::program(Tool::Sbctl), &link).expect("symlink");
    let (pidfile, socket) = (server.dir().join("d.pid"), server.dir().join("d.ctl"));
    let out = Command::new(&link)
        .arg(format!("--db={}", server.unix_remote()))
        .arg("--detach")
        .arg(format!("--pidfile={}", pidfile.display()))
        .arg(format!("--unixctl={}", socket.display()))
        .output()
        .expect("start the daemon");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = |a: &[&str]| {
        Command::new(&link)
            .args(a)
            .env("OVN_SB_DAEMON", &socket)
            .output()
            .expect("run a client")
    };
    let out = run(&["chassis-del", "nosuch"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "ovn-sbctl: no chassis named nosuch\n"
    );
    let out = run(&["chassis-add", "ch0"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "ovn-sbctl: 'chassis-add' command requires at least 3 arguments\n"
    );
    let _ = raw_call(
        &format!("unix:{}", socket.display()),
        &json!({"id": 0, "method": "exit", "params": []}),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while pidfile.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!pidfile.exists(), "the daemon left on exit");
}
