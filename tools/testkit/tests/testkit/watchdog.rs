//! The watchdog, exercised in a child process (it aborts the process it runs in).

use std::process::Command;
use std::time::Duration;

use ovsdb_testkit::{OvsdbServer, Watchdog};

use crate::{nb_schema, proc_dead};

const CHILD_ENV: &str = "OVSDB_TESTKIT_WATCHDOG_CHILD";

#[test]
fn watchdog_kills_the_daemons_and_aborts_a_hung_test() {
    if std::env::var_os(CHILD_ENV).is_some() {
        // The child: start a server, then "hang" until the watchdog fires.
        let server = OvsdbServer::builder(nb_schema()).start().unwrap();
        println!(
            "CHILD-SERVER {} {}",
            server.pid().unwrap(),
            server.dir().display()
        );
        let _w = Watchdog::arm("hung child", Duration::from_millis(300));
        // Bounded, so a broken watchdog fails the parent's assertions instead of hanging.
        std::thread::sleep(Duration::from_secs(20));
        return;
    }
    let _w = crate::watchdog("watchdog_kills_the_daemons_and_aborts_a_hung_test");
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "watchdog::watchdog_kills_the_daemons_and_aborts_a_hung_test",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("hung child still running after 300ms"),
        "{stderr}"
    );
    assert!(stderr.contains("killed 1 daemon(s)"), "{stderr}");
    let line = stdout
        .lines()
        .find_map(|l| l.split_once("CHILD-SERVER ").map(|(_, rest)| rest))
        .unwrap_or_else(|| panic!("{stdout}"));
    let (pid, dir) = line.split_once(' ').unwrap();
    assert!(proc_dead(pid.parse().unwrap()));
    assert!(!std::path::Path::new(dir).exists());
}
