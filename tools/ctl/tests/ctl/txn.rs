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
