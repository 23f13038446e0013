//! Standalone servers.

use std::time::Duration;

use ovsdb_testkit::{Error, OvsdbServer, RawConnection, raw_call};
use serde_json::json;

use crate::{
    call_ok, insert_nb_global, nb_global_external_ids, nb_schema, proc_dead, sb_schema, schemas, watchdog,
};

#[test]
fn unix_and_tcp_remotes_answer_list_dbs() {
    let _w = watchdog("unix_and_tcp_remotes_answer_list_dbs");
    let server = OvsdbServer::builder(nb_schema()).tcp().start().unwrap();
    let unix = server.unix_remote();
    assert_eq!(unix, format!("unix:{}/db.sock", server.dir().display()));
    let tcp = server.tcp_remote().unwrap();
    let port = server.tcp_port().unwrap();
    assert_ne!(port, 0);
    assert_eq!(tcp, format!("tcp:127.0.0.1:{port}"));
    for remote in [&unix, &tcp] {
        let reply = raw_call(remote, &json!({"method": "list_dbs", "params": [], "id": 1})).unwrap();
        assert_eq!(reply["id"], 1, "{remote}: {reply}");
        assert_eq!(reply["result"], json!(["OVN_Northbound", "_Server"]), "{remote}");
    }
    assert!(server.is_running());
    assert!(!proc_dead(server.pid().unwrap()));
    assert_eq!(server.db_name(), "OVN_Northbound");
    assert!(server.db_path().is_file());
    assert!(server.log_path().is_file());
    assert!(server.ctl_path().is_absolute());
    let dbs = server.appctl(&["ovsdb-server/list-dbs"]).unwrap();
    assert!(dbs.lines().any(|l| l == "OVN_Northbound"), "{dbs}");
    assert!(server.log_tail(50).contains("ovsdb-server (Open vSwitch)"));
}

#[test]
fn unix_only_by_default() {
    let _w = watchdog("unix_only_by_default");
    let server = OvsdbServer::builder(nb_schema()).start().unwrap();
    assert_eq!(server.tcp_remote(), None);
    let remotes = server.appctl(&["ovsdb-server/list-remotes"]).unwrap();
    assert_eq!(
        remotes.trim(),
        format!("punix:{}", server.unix_socket().display())
    );
}

#[test]
fn pause_holds_replies_until_resume() {
    let _w = watchdog("pause_holds_replies_until_resume");
    let mut server = OvsdbServer::builder(nb_schema()).start().unwrap();
    let mut conn = RawConnection::connect(&server.unix_remote()).unwrap();
    server.pause().unwrap();
    assert!(server.is_paused());
    conn.set_timeout(Duration::from_millis(300)).unwrap();
    conn.send(&json!({"method": "list_dbs", "params": [], "id": "p"}))
        .unwrap();
    let err = conn.recv().unwrap_err();
    assert!(matches!(err, Error::RpcIo { .. }), "{err}");
    server.resume().unwrap();
    assert!(!server.is_paused());
    conn.set_timeout(Duration::from_secs(10)).unwrap();
    let reply = conn.recv().unwrap();
    assert_eq!(reply["id"], "p");
    assert_eq!(reply["result"], json!(["OVN_Northbound", "_Server"]));
}

#[test]
fn restart_keeps_data_socket_and_port() {
    let _w = watchdog("restart_keeps_data_socket_and_port");
    let mut server = OvsdbServer::builder(nb_schema()).tcp().start().unwrap();
    let tcp = server.tcp_remote().unwrap();
    let uuid = insert_nb_global(&tcp, "k", "v1");
    let old_pid = server.pid().unwrap();
    server.restart().unwrap();
    let new_pid = server.pid().unwrap();
    assert_ne!(old_pid, new_pid);
    assert!(proc_dead(old_pid));
    assert_eq!(server.tcp_remote().unwrap(), tcp);
    assert_eq!(nb_global_external_ids(&tcp), [json!(["map", [["k", "v1"]]])]);
    let rows = call_ok(
        &server.unix_remote(),
        "transact",
        json!(["OVN_Northbound", {"op": "select", "table": "NB_Global",
            "where": [["_uuid", "==", ["uuid", uuid]]]}]),
    );
    assert_eq!(rows[0]["rows"].as_array().unwrap().len(), 1, "{rows}");
}

#[test]
fn kill_is_a_crash_and_restart_recovers() {
    let _w = watchdog("kill_is_a_crash_and_restart_recovers");
    let mut server = OvsdbServer::builder(nb_schema()).start().unwrap();
    insert_nb_global(&server.unix_remote(), "before", "crash");
    let pid = server.pid().unwrap();
    server.kill().unwrap();
    assert!(proc_dead(pid));
    assert!(!server.is_running());
    assert_eq!(server.pid(), None);
    let err = server.appctl(&["version"]).unwrap_err();
    assert!(matches!(err, Error::CommandFailed { .. }), "{err}");
    assert!(matches!(server.pause().unwrap_err(), Error::NotRunning));
    // A crash leaves a stale socket and pidfile behind; restart copes with both.
    server.restart().unwrap();
    assert_eq!(
        nb_global_external_ids(&server.unix_remote()),
        [json!(["map", [["before", "crash"]]])]
    );
}

#[test]
fn drop_stops_the_process_and_removes_the_directory() {
    let _w = watchdog("drop_stops_the_process_and_removes_the_directory");
    let server = OvsdbServer::builder(nb_schema()).start().unwrap();
    let (pid, dir) = (server.pid().unwrap(), server.dir().to_path_buf());
    assert!(!proc_dead(pid));
    drop(server);
    assert!(proc_dead(pid));
    assert!(!dir.exists());

    // Also when the server is paused (SIGTERM alone would never be delivered).
    let mut server = OvsdbServer::builder(nb_schema()).start().unwrap();
    server.pause().unwrap();
    let (pid, dir) = (server.pid().unwrap(), server.dir().to_path_buf());
    drop(server);
    assert!(proc_dead(pid));
    assert!(!dir.exists());
}

#[test]
fn drop_during_a_panic_stops_the_process() {
    let _w = watchdog("drop_during_a_panic_stops_the_process");
    let (tx, rx) = std::sync::mpsc::channel();
    let joined = std::thread::spawn(move || {
        let server = OvsdbServer::builder(nb_schema()).start().unwrap();
        tx.send((server.pid().unwrap(), server.dir().to_path_buf()))
            .unwrap();
        panic!("test panics while the server runs");
    })
    .join();
    assert!(joined.is_err());
    let (pid, dir) = rx.recv().unwrap();
    assert!(proc_dead(pid));
    assert!(!dir.exists());
}

#[test]
fn several_databases_and_a_copied_db_file() {
    let _w = watchdog("several_databases_and_a_copied_db_file");
    let mut first = OvsdbServer::builder(nb_schema())
        .schema(sb_schema())
        .start()
        .unwrap();
    let names: Vec<&str> = first.databases().iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["OVN_Northbound", "OVN_Southbound"]);
    let dbs = call_ok(&first.unix_remote(), "list_dbs", json!([]));
    let mut dbs: Vec<&str> = dbs
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    dbs.sort_unstable();
    assert_eq!(dbs, ["OVN_Northbound", "OVN_Southbound", "_Server"]);
    insert_nb_global(&first.unix_remote(), "copied", "yes");
    first.stop().unwrap();

    let copy = OvsdbServer::builder_from_db_file(first.db_path())
        .start()
        .unwrap();
    assert_ne!(copy.db_path(), first.db_path());
    assert_eq!(copy.db_name(), "OVN_Northbound");
    assert_eq!(
        nb_global_external_ids(&copy.unix_remote()),
        [json!(["map", [["copied", "yes"]]])]
    );

    let err = OvsdbServer::builder(nb_schema())
        .schema(nb_schema())
        .start()
        .unwrap_err();
    assert!(
        matches!(&err, Error::DuplicateDatabase { name } if name == "OVN_Northbound"),
        "{err}"
    );
}

#[test]
fn startup_failures_carry_the_reason() {
    let _w = watchdog("startup_failures_carry_the_reason");
    // ovsdb-server rejects an unknown option and exits before detaching.
    let err = OvsdbServer::builder(nb_schema())
        .arg("--no-such-option")
        .start()
        .unwrap_err();
    assert!(matches!(err, Error::ServerExited { .. }), "{err}");
    assert!(err.to_string().contains("no-such-option"), "{err}");

    // ovsdb-tool rejects a schema that is JSON with a name but not a valid schema.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.ovsschema");
    std::fs::write(&bad, r#"{"name": "Bad", "tables": {"T": {}}}"#).unwrap();
    let err = OvsdbServer::builder(&bad).start().unwrap_err();
    assert!(matches!(err, Error::CommandFailed { .. }), "{err}");
    assert!(err.to_string().contains("ovsdb-tool create"), "{err}");
}

#[test]
fn appctl_failure_includes_the_log_tail() {
    let _w = watchdog("appctl_failure_includes_the_log_tail");
    let server = OvsdbServer::builder(nb_schema()).start().unwrap();
    let err = server.appctl(&["no-such/command"]).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, Error::CommandFailed { .. }), "{msg}");
    assert!(msg.contains("no-such/command"), "{msg}");
    assert!(msg.contains("--- last lines of "), "{msg}");
    assert!(msg.contains("ovsdb-server (Open vSwitch)"), "{msg}");
}

/// `testdata/schemas/_server.ovsschema` was captured from this server version with
/// `ovsdb-client get-schema unix:SOCK _Server`; it must stay what the server reports.
#[test]
fn server_schema_matches_testdata() {
    let _w = watchdog("server_schema_matches_testdata");
    let server = OvsdbServer::builder(nb_schema()).start().unwrap();
    let live = call_ok(&server.unix_remote(), "get_schema", json!(["_Server"]));
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(schemas().join("_server.ovsschema")).unwrap()).unwrap();
    assert_eq!(live, saved);
}

#[test]
fn a_wrapper_program_runs_the_server() {
    let _w = watchdog("a_wrapper_program_runs_the_server");
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("wrapper-ran");
    let wrapper = dir.path().join("wrapper.sh");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\ntouch '{}'\nPATH=\"$PATH:/usr/sbin:/usr/bin\" exec ovsdb-server \"$@\"\n",
            marker.display()
        ),
    )
    .unwrap();
    let mut perms = std::fs::metadata(&wrapper).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&wrapper, perms).unwrap();
    let server = OvsdbServer::builder(nb_schema())
        .program(&wrapper)
        .start()
        .unwrap();
    assert!(marker.exists());
    let comm = std::fs::read_to_string(format!("/proc/{}/comm", server.pid().unwrap())).unwrap();
    assert_eq!(comm.trim(), "ovsdb-server");
    let dbs = call_ok(&server.unix_remote(), "list_dbs", json!([]));
    assert_eq!(dbs, json!(["OVN_Northbound", "_Server"]));
}
