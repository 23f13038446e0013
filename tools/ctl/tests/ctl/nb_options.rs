//! ovn-nbctl's option parsing (getopt_long's unique prefixes, values in the next argument,
//! the messages of unknown, ambiguous and misused options, the hint about options after a
//! command name) and its start-up (NB_Global inserted by any first invocation, a missing
//! socket failing at once, `OVN_NBCTL_OPTIONS`), against the reference.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use ovsdb_ctl::Tool;

use crate::diff::Pair;

#[test]
fn nb_option_parsing_matches_ovn_nbctl() {
    let mut p = Pair::new(Tool::Nbctl, "nb_option_parsing_matches_ovn_nbctl");
    // Read-only, and first: inserts NB_Global.
    p.step(&["get-connection"]);
    p.step(&["--colu", "_uuid", "list", "NB_Global"]);
    p.step(&["--columns", "_uuid", "find", "NB_Global"]);
    p.step(&["--no-he", "--colu=_uuid", "list", "NB_Global"]);
    p.step(&["--co", "x", "list", "NB_Global"]);
    p.step(&["--may", "ls-add", "sw0"]);
    p.step(&["--may", "ls-add", "sw0"]);
    p.step(&["--i", "ls-del", "zz"]);
    p.step(&["--if", "ls-del", "zz"]);
    p.step(&["--dry", "ls-add", "sw1"]);
    p.step(&["--dry-run=4", "ls-add", "sw1"]);
    p.step(&["--bogus", "ls-list"]);
    p.step(&["-x", "ls-list"]);
    p.step(&["--retry", "ls-list"]);
    p.step(&["--tier=1", "ls-list"]);
    p.step(&["--may-exist", "--may-exist", "ls-add", "sw0"]);
    p.step(&["ls-list", "--", "--may-exist", "--may-exist", "ls-add", "sw0"]);
    p.step(&["ls-add", "sw2", "--may-exist"]);
    p.step(&["--type", "switch", "acl-list", "sw0"]);
    p.step(&["--type"]);
    p.step(&["--may-exist"]);
    p.step(&["ls-add", "sw0", "--", "--if-exists", "ls-add", "sw3"]);
    p.step(&["--may-exist=yes", "ls-add", "sw0"]);
    p.step(&["-t"]);
    p.step(&["-t", "0", "ls-list"]);
    p.step(&["--timeout=-1", "ls-list"]);
    p.step(&["-f"]);
    p.step(&["--format=xml", "ls-list"]);
    p.step(&["--data", "x", "ls-list"]);
    p.step(&["--", "--may-exist"]);
    p.step(&["ls-list"]);
}

#[test]
fn nb_missing_socket_fails_at_once_as_ovn_nbctl() {
    let dir = std::env::temp_dir().join(format!("nb-missing-{}", std::process::id()));
    let remote = format!("unix:{}/nowhere.sock", dir.display());
    let reference = Command::new("ovn-nbctl")
        .arg(format!("--db={remote}"))
        .arg("ls-list")
        .output()
        .expect("run ovn-nbctl");
    let start = Instant::now();
    let ours = ovsdb_ctl::run(
        Tool::Nbctl,
        &[format!("--db={remote}"), "ls-list".to_owned()],
        &BTreeMap::new(),
    );
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(ours.code, reference.status.code().unwrap_or(-1));
    let theirs = String::from_utf8_lossy(&reference.stderr).replacen("ovn-nbctl: ", "", 1);
    let mine = ours
        .stderr
        .replacen(&format!("{}: ", Tool::Nbctl.program()), "", 1);
    assert_eq!(mine, theirs);
    assert!(mine.contains("database connection failed (No such file or directory)"));

    // The same remote from OVN_NBCTL_OPTIONS, quoted.
    let opts = format!("--timeout=5 '--db={remote}'");
    let reference = Command::new("ovn-nbctl")
        .env("OVN_NBCTL_OPTIONS", &opts)
        .arg("ls-list")
        .output()
        .expect("run ovn-nbctl");
    let env = BTreeMap::from([("OVN_NBCTL_OPTIONS".to_owned(), opts)]);
    let ours = ovsdb_ctl::run(Tool::Nbctl, &["ls-list".to_owned()], &env);
    assert_eq!(ours.code, reference.status.code().unwrap_or(-1));
    let theirs = String::from_utf8_lossy(&reference.stderr).replacen("ovn-nbctl: ", "", 1);
    let mine = ours
        .stderr
        .replacen(&format!("{}: ", Tool::Nbctl.program()), "", 1);
    assert_eq!(mine, theirs);
}

/// `--help`: our sections are ovn-nbctl's (same titles), every command we list is one of
/// ovn-nbctl's, and every switch-side command of ovn-nbctl's is listed.
#[test]
fn nb_help_lists_ovn_nbctl_sections_and_commands() {
    let reference = Command::new("ovn-nbctl")
        .arg("--help")
        .output()
        .expect("run ovn-nbctl");
    let theirs = String::from_utf8_lossy(&reference.stdout).into_owned();
    let ours = ovsdb_ctl::run(Tool::Nbctl, &["--help".to_owned()], &BTreeMap::new());
    assert_eq!(ours.code, 0);
    let titles = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| !l.starts_with(' ') && l.ends_with(':'))
            .map(|l| l.trim_end_matches(':').to_owned())
            .collect()
    };
    let names = |text: &str| -> Vec<String> {
        text.lines()
            .filter_map(|l| l.strip_prefix("  "))
            .filter_map(|l| l.split_whitespace().next())
            .filter(|w| w.contains('-') && !w.starts_with('-') && !w.starts_with('['))
            .map(str::to_owned)
            .collect()
    };
    let (their_titles, our_titles) = (titles(&theirs), titles(&ours.stdout));
    for t in our_titles
        .iter()
        .filter(|t| t.ends_with("commands") || t.contains("command ("))
    {
        assert!(their_titles.contains(t), "section {t:?} is not ovn-nbctl's");
    }
    let (their_names, our_names) = (names(&theirs), names(&ours.stdout));
    for n in our_names
        .iter()
        .filter(|n| n.ends_with("-add") || n.contains("-list"))
    {
        assert!(their_names.contains(n), "command {n} is not in ovn-nbctl --help");
    }
    for n in [
        "ls-add",
        "ls-del",
        "ls-list",
        "acl-add",
        "acl-del",
        "acl-list",
        "qos-add",
        "qos-del",
        "qos-list",
        "mirror-add",
        "mirror-del",
        "mirror-list",
        "meter-add",
        "meter-del",
        "meter-list",
        "lsp-add",
        "lsp-del",
        "lsp-list",
        "lsp-get-parent",
        "lsp-get-tag",
        "lsp-set-addresses",
        "lsp-get-addresses",
        "lsp-set-port-security",
        "lsp-get-port-security",
        "lsp-get-up",
        "lsp-set-enabled",
        "lsp-get-enabled",
        "lsp-set-type",
        "lsp-get-type",
        "lsp-set-options",
        "lsp-get-options",
        "lsp-set-dhcpv4-options",
        "lsp-get-dhcpv4-options",
        "lsp-set-dhcpv6-options",
        "lsp-get-dhcpv6-options",
        "lsp-get-ls",
        "lsp-attach-mirror",
        "lsp-detach-mirror",
        "fwd-group-add",
        "fwd-group-del",
        "fwd-group-list",
        "get-connection",
        "del-connection",
        "set-connection",
        "get-ssl",
        "del-ssl",
        "set-ssl",
        "pg-add",
        "pg-set-ports",
        "pg-del",
    ] {
        assert!(their_names.iter().any(|x| x == n), "{n} not in ovn-nbctl --help");
        assert!(our_names.iter().any(|x| x == n), "{n} not in our --help");
    }
}

/// On an empty database ovn-nbctl inserts NB_Global before its commands run, so they see it
/// (`NB_Global .`); a dry run or a failing invocation leaves the database empty.
#[test]
fn nb_global_is_there_for_the_first_commands_as_in_ovn_nbctl() {
    let mut p = Pair::new(
        Tool::Nbctl,
        "nb_global_is_there_for_the_first_commands_as_in_ovn_nbctl",
    );
    p.step(&["--dry-run", "get", "NB_Global", ".", "external_ids"]);
    p.step(&["get", "NB_Global", ".", "nope"]);
    p.step(&["lsp-del", "nope"]);
    p.step(&["set", "NB_Global", ".", "external_ids:x=y", "--", "ls-add", "sw0"]);
    p.step(&["get", "NB_Global", ".", "external_ids"]);
}

/// `--timeout` running out (a `wait-until` that never holds): ovn-nbctl's fatal-signal handler
/// logs the signal and the process dies of SIGALRM; ours the same, directly and through its
/// daemon's client.
#[test]
fn nb_timeout_dies_of_sigalrm_as_ovn_nbctl() {
    use std::os::unix::process::ExitStatusExt;
    let _w = ovsdb_testkit::Watchdog::arm("nb_timeout_dies_of_sigalrm_as_ovn_nbctl", Duration::from_secs(60));
    let server = ovsdb_testkit::OvsdbServer::builder(crate::diff::schema_path("ovn-nb.ovsschema"))
        .start()
        .expect("start server");
    let remote = server.unix_remote();
    let run = |program: &str, args: &[&str]| {
        Command::new(program)
            .arg(format!("--db={remote}"))
            .args(args)
            .env("OVN_RUNDIR", server.dir())
            .output()
            .expect("run")
    };
    let ours = crate::diff::OurDaemon::program(Tool::Nbctl);
    assert!(run("ovn-nbctl", &["ls-add", "sw0"]).status.success());
    // The log line without its timestamp and sequence number.
    let text = |o: &std::process::Output| {
        String::from_utf8_lossy(&o.stderr)
            .lines()
            .map(|l| l.splitn(3, '|').nth(2).unwrap_or(l).to_owned())
            .collect::<Vec<_>>()
    };
    let never = ["--timeout=1", "wait-until", "Logical_Switch", "sw0", "name=other"];
    let theirs = run("ovn-nbctl", &never);
    let mine = run(ours, &never);
    assert_eq!(theirs.status.signal(), Some(14), "{theirs:?}");
    assert_eq!(mine.status.signal(), Some(14), "{mine:?}");
    assert_eq!(text(&mine), text(&theirs));
    assert_eq!(
        text(&mine),
        ["fatal_signal|WARN|terminating with signal 14 (Alarm clock)"]
    );
    // The client of daemon mode (ovn-nbctl's prints the same).
    let daemon = crate::diff::OurDaemon::start(Tool::Nbctl, &remote, server.dir());
    let mine = Command::new(ours)
        .args(never)
        .envs(daemon.env(Tool::Nbctl))
        .output()
        .expect("run");
    assert_eq!(mine.status.signal(), Some(14), "{mine:?}");
    assert_eq!(text(&mine), text(&theirs));
}

/// What the reference logs on stderr through vlog, line for line with its module, level and
/// sequence number (numbered from 2 when the chain may write: its "Called as" line, not shown,
/// is 1), only the time masked: the warning of a `create` without `--id`, set-connection's
/// unknown target type, the IDL's report of a refused transaction, the address parser's error,
/// and none of them under `-vconsole:off`. Both tools run on one server, one after the other,
/// so the row UUIDs in the messages are the same.
#[test]
fn nb_vlog_lines_match_ovn_nbctl() {
    let _w = ovsdb_testkit::Watchdog::arm("nb_vlog_lines_match_ovn_nbctl", Duration::from_secs(60));
    let server = ovsdb_testkit::OvsdbServer::builder(crate::diff::schema_path("ovn-nb.ovsschema"))
        .start()
        .expect("start server");
    let remote = server.unix_remote();
    let run = |program: &str, args: &[&str]| {
        let out = Command::new(program)
            .arg(format!("--db={remote}"))
            .args(args.iter().filter(|a| **a != "--daemon-named"))
            .env("OVN_RUNDIR", server.dir())
            // A daemon named but `--db` given: the client warns and runs directly.
            .envs(args.contains(&"--daemon-named").then_some(("OVN_NB_DAEMON", "/nonexistent.ctl")))
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr)
            .lines()
            .map(|l| match l.split_once('|') {
                Some((time, rest)) if time.ends_with('Z') => format!("<time>|{rest}"),
                _ => l.to_owned(),
            })
            .map(|l| {
                // The program's name, wherever it is printed.
                let name = std::path::Path::new(program)
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or(program);
                l.replace(name, "<prog>")
            })
            .collect::<Vec<_>>();
        (out.status.code(), stderr)
    };
    let ours = crate::diff::OurDaemon::program(Tool::Nbctl);
    assert!(run("ovn-nbctl", &["ls-add", "sw0"]).0 == Some(0));
    let cases: &[&[&str]] = &[
        &[
            "create",
            "ACL",
            "priority=1",
            "action=drop",
            "direction=to-lport",
            "match=1",
        ],
        &[
            "set-connection",
            "ptcp:6641",
            "zork:1",
            "--",
            "create",
            "QoS",
            "priority=1",
            "direction=to-lport",
            "match=1",
        ],
        &[
            "add",
            "Logical_Switch",
            "sw0",
            "ports",
            "00000000-0000-0000-0000-000000000001",
        ],
        &[
            "--",
            "create",
            "Meter_Band",
            "rate=1",
            "action=drop",
            "--",
            "lb-add",
            "lb0",
            "10.0.0.1:8x",
            "10.0.0.2",
        ],
        &[
            "-vconsole:off",
            "create",
            "Meter_Band",
            "rate=1",
            "action=drop",
            "--",
            "lb-add",
            "lb0",
            "10.0.0.1:8x",
            "10.0.0.2",
        ],
        &["lb-add", "lb0", "10.0.0.1", "10.0.0.2:x"],
        &["--daemon-named", "lb-add", "lb0", "10.0.0.1", "10.0.0.2:x"],
    ];
    for args in cases {
        let theirs = run("ovn-nbctl", args);
        let mine = run(ours, args);
        assert_eq!(mine, theirs, "{args:?}");
    }
    // In daemon mode they go to the daemon's log: the client prints none (ours as ovn-nbctl's).
    let daemon = crate::diff::OurDaemon::start(Tool::Nbctl, &remote, server.dir());
    for args in &cases[1..4] {
        let mine = Command::new(ours)
            .args(*args)
            .envs(daemon.env(Tool::Nbctl))
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&mine.stderr);
        assert!(!stderr.contains('|'), "{args:?}: {stderr}");
    }
    drop(daemon);
    // The lines are there: a sample.
    let (_, lines) = run(ours, cases[1]);
    assert_eq!(
        lines,
        [
            "<time>|00002|db_ctl_base|WARN|applying \"create\" command to table QoS without --id option will have no effect",
            "<time>|00003|nbctl|WARN|target type \"zork:1\" is possibly erroneous",
        ]
    );
}
