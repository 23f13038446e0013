//! The raw CLI against real ovsdb-server processes, compared with ovsdb-client(1) of OVS 3.1:
//! the same command line run by both against the same server (or twin fresh servers for
//! writes), compared on stdout, stderr (program name and log time stamps aside) and exit status.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use ovsdb_client_rs::{Cli, run_until};
use ovsdb_testkit::{Cluster, OvsdbServer, Watchdog, free_loopback_ports};

const OURS: &str = env!("CARGO_BIN_EXE_ovsdb-client-rs");

fn schema(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/schemas")
        .join(name)
}

fn nb_schema() -> PathBuf {
    schema("ovn-nb.ovsschema")
}

/// What a run printed and how it ended.
#[derive(Debug, PartialEq)]
struct Run {
    stdout: String,
    stderr: String,
    code: Option<i32>,
}

/// Runs `program` with `args` (at most 20 s, then `timeout` ends it with 124), stdin from
/// `stdin` if given. Stderr is normalised: the program name and log time stamps removed.
fn run_with(program: &str, args: &[&str], stdin: Option<&Path>) -> Run {
    let mut cmd = Command::new("timeout");
    cmd.arg("20").arg(program).args(args);
    cmd.stdin(match stdin {
        Some(p) => Stdio::from(std::fs::File::open(p).unwrap()),
        None => Stdio::null(),
    });
    let out = cmd.output().unwrap();
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: normalise_stderr(&String::from_utf8_lossy(&out.stderr)),
        // A shell's view: death by signal N is 128 + N.
        code: out.status.code().or_else(|| {
            use std::os::unix::process::ExitStatusExt;
            out.status.signal().map(|s| 128 + s)
        }),
    }
}

fn normalise_stderr(s: &str) -> String {
    s.lines()
        .map(|l| {
            let l = l
                .strip_prefix("ovsdb-client-rs:")
                .map_or(l.to_owned(), |r| format!("ovsdb-client:{r}"));
            // `2026-12-06T18:07:23Z|00001|...` log lines: drop the time stamp.
            match l.split_once('|') {
                Some((ts, rest)) if ts.ends_with('Z') && ts.len() == 20 => format!("TS|{rest}"),
                _ => l,
            }
        })
        .map(|l| l + "\n")
        .collect()
}

/// The line ours adds after ovsdb-client's message when a database is missing.
fn without_db_list(r: &Run) -> Run {
    Run {
        stdout: r.stdout.clone(),
        stderr: r
            .stderr
            .lines()
            .filter(|l| !l.starts_with("ovsdb-client: the server has the databases: "))
            .map(|l| format!("{l}\n"))
            .collect(),
        code: r.code,
    }
}

/// Runs both tools; asserts the same stdout, stderr and exit status; returns ours.
fn same(args: &[&str]) -> Run {
    same_with(args, None)
}

fn same_with(args: &[&str], stdin: Option<&Path>) -> Run {
    let theirs = run_with("ovsdb-client", args, stdin);
    let ours = run_with(OURS, args, stdin);
    assert_ne!(theirs.code, Some(124), "ovsdb-client hung: {args:?}");
    let o = without_db_list(&ours);
    if o != theirs {
        let (a, b): (Vec<&str>, Vec<&str>) = (o.stdout.lines().collect(), theirs.stdout.lines().collect());
        for (i, (x, y)) in a.iter().zip(&b).enumerate() {
            assert_eq!(x, y, "{args:?}: stdout line {} differs", i + 1);
        }
        assert_eq!(o, theirs, "{args:?}");
    }
    ours
}

fn nbctl(remote: &str, args: &[&str]) {
    let out = Command::new("ovn-nbctl")
        .arg(format!("--db={remote}"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ovn-nbctl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A populated NB database: switches (one with a name that needs quoting), ports with maps
/// and sets of every kind, a router, an ACL, a load balancer.
fn populate(r: &str) {
    nbctl(
        r,
        &["ls-add", "sw0", "--", "ls-add", "sw 1", "--", "ls-add", "zz"],
    );
    nbctl(
        r,
        &[
            "set",
            "logical_switch",
            "zz",
            "external_ids:k=v",
            "other_config:a=\"x y\"",
        ],
    );
    nbctl(
        r,
        &[
            "lsp-add",
            "sw0",
            "p1",
            "--",
            "lsp-set-addresses",
            "p1",
            "00:00:00:00:00:01 10.0.0.1",
            "router",
        ],
    );
    nbctl(
        r,
        &[
            "set",
            "logical_switch_port",
            "p1",
            "tag_request=5",
            "enabled=true",
            "options:x=1",
            "external_ids:t=true",
            "external_ids:u=x:y",
            "external_ids:w=é",
            "external_ids:n=12",
            "external_ids:e=\"\"",
            "external_ids:q=\"a\\\"b\"",
        ],
    );
    nbctl(r, &["lsp-add", "sw0", "p2", "--", "lsp-set-type", "p2", "router"]);
    nbctl(
        r,
        &[
            "lr-add",
            "lr0",
            "--",
            "lrp-add",
            "lr0",
            "lrp0",
            "00:00:00:00:ff:01",
            "10.0.0.254/24",
            "fd00::1/64",
        ],
    );
    nbctl(
        r,
        &[
            "acl-add",
            "sw0",
            "to-lport",
            "1001",
            "ip4.src == 10.0.0.0/24 && tcp.dst == 80",
            "allow-related",
        ],
    );
    nbctl(
        r,
        &[
            "lb-add",
            "lb0",
            "10.0.0.100:80",
            "10.0.0.1:8080,10.0.0.2:8080",
            "tcp",
        ],
    );
}

/// An NB schema with one more column and a new version: something to convert to.
fn changed_nb_schema(dir: &Path) -> PathBuf {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(nb_schema()).unwrap()).unwrap();
    v["version"] = "7.0.1".into();
    v.as_object_mut().unwrap().remove("cksum");
    v["tables"]["Logical_Switch"]["columns"]["test_note"] = serde_json::json!({"type": "string"});
    let p = dir.join("nb-changed.ovsschema");
    std::fs::write(&p, v.to_string()).unwrap();
    p
}

#[test]
fn read_only_commands_match_ovsdb_client() {
    let _dog = Watchdog::arm("read_only_commands", Duration::from_secs(240));
    let start = Instant::now();
    let nb = OvsdbServer::builder(nb_schema()).start().unwrap();
    let two = OvsdbServer::builder(nb_schema())
        .schema(schema("ovn-sb.ovsschema"))
        .start()
        .unwrap();
    let r = nb.unix_remote();
    let r2 = two.unix_remote();
    populate(&r);
    let dir = tempfile::tempdir().unwrap();
    let changed = changed_nb_schema(dir.path()).display().to_string();
    let nb_file = nb_schema().display().to_string();
    let sel = r#"["OVN_Northbound",{"op":"select","table":"Logical_Switch","where":[],"columns":["name","ports","other_config"]}]"#;
    let ls_only = r#"[["name","!=","zz"]]"#;
    let cases: Vec<Vec<&str>> = vec![
        vec!["list-dbs", &r],
        vec!["list-dbs", &r2],
        vec!["get-schema", &r],
        vec!["--pretty", "get-schema", &r2, "OVN_Southbound"],
        vec!["get-schema", &r, "_Server"],
        vec!["get-schema-version", &r],
        vec!["get-schema-cksum", &r2, "OVN_Southbound"],
        vec!["list-tables", &r],
        vec!["list-tables", &r2, "OVN_Southbound"],
        vec!["list-tables", &r, "_Server"],
        vec!["list-columns", &r],
        vec!["list-columns", &r2, "OVN_Southbound", "Port_Binding"],
        vec!["-f", "json", "list-columns", &r, "OVN_Northbound", "ACL"],
        vec!["list-columns", &r, "Nope"],
        vec!["dump", &r],
        vec!["dump", &r, "Logical_Switch_Port", "name", "external_ids", "_uuid"],
        vec!["-f", "list", "dump", &r],
        vec!["-f", "html", "dump", &r],
        vec!["-f", "csv", "dump", &r],
        vec!["-f", "json", "dump", &r],
        vec!["-f", "json", "--pretty", "dump", &r, "Logical_Switch"],
        vec!["-d", "json", "dump", &r],
        vec!["-d", "bare", "dump", &r],
        vec!["--bare", "dump", &r, "Logical_Switch_Port"],
        vec!["--no-headings", "dump", &r, "Logical_Switch", "name", "ports"],
        vec!["--max-column-width=10", "dump", &r, "Logical_Switch_Port"],
        vec![
            "dump",
            &r,
            "Logical_Switch",
            "--format=csv",
            "-d",
            "json",
            "name",
            "--no-headings",
        ],
        vec!["dump", &r2, "OVN_Southbound", "SB_Global"],
        vec!["dump", &r, "Nope"],
        vec!["dump", &r, "Logical_Switch", "nope"],
        vec!["transact", &r, sel],
        vec!["--pretty", "query", &r, sel],
        vec!["transact", &r, "{}"],
        vec![
            "transact",
            &r,
            r#"["OVN_Northbound",{"op":"select","table":"Nope","where":[]}]"#,
        ],
        vec!["list-dbs", &r, "extra"],
        vec!["get-schema", &r, "OVN_Northbound", "extra"],
        vec!["bogus"],
        vec![],
        vec!["list-dbs", "unix:/nonexistent/db.sock"],
        vec!["-t", "0", "list-dbs", &r],
        vec!["wait", &r, "OVN_Northbound", "connected"],
        vec!["wait", &r, "Nope", "removed"],
        vec!["wait", &r, "OVN_Northbound", "added"],
        vec!["wait", &r, "OVN_Northbound", "bogus"],
        // No server: reconnect attempts logged as ovsdb-client logs them, until the alarm.
        vec![
            "-t",
            "2",
            "wait",
            "unix:/nonexistent/db.sock",
            "OVN_Northbound",
            "connected",
        ],
        vec!["needs-conversion", &r, &nb_file],
        vec!["needs-conversion", &r, &changed],
        vec!["needs-conversion", &r, "/nonexistent.ovsschema"],
        vec!["monitor", &r, "Nope"],
        vec!["monitor", &r, "Logical_Switch", "nope"],
        vec!["monitor", &r, "Logical_Switch", "name,name"],
        vec!["monitor-cond", &r, ls_only, "Nope"],
        vec!["monitor-cond", &r, r#"[["nope","==","x"]]"#, "Logical_Switch"],
        vec!["monitor-cond", &r, "[true]", "ALL"],
    ];
    for args in &cases {
        same(args);
    }
    // No default database on a server with two: ovsdb-client's message, then ours names them.
    for args in [vec!["dump", r2.as_str()], vec!["list-tables", r2.as_str()]] {
        let ours = same(&args);
        assert!(
            ours.stderr
                .contains("the server has the databases: OVN_Northbound, OVN_Southbound, _Server"),
            "{ours:?}"
        );
    }
    // A database the server lacks fails at once with the server's error and the databases.
    let t = Instant::now();
    let ours = same(&["transact", &r, r#"["nope",{"op":"comment","comment":"x"}]"#]);
    assert!(t.elapsed() < Duration::from_secs(5));
    assert!(ours.stderr.contains("\"unknown database\""), "{ours:?}");
    assert!(
        ours.stderr
            .contains("the server has the databases: OVN_Northbound, _Server"),
        "{ours:?}"
    );
    // The default database is the server's only one (not Open_vSwitch).
    let dumped = same(&["dump", &r, "Logical_Switch", "name"]);
    assert!(
        dumped.stdout.contains("\"sw 1\"") && dumped.code == Some(0),
        "{dumped:?}"
    );
    // backup: the same records; only the time stamp of the transaction record differs.
    let theirs = run_with("ovsdb-client", &["backup", &r], None);
    let ours = run_with(OURS, &["backup", &r], None);
    assert_eq!((ours.code, theirs.code), (Some(0), Some(0)), "{ours:?}");
    let (o, t): (Vec<&str>, Vec<&str>) = (ours.stdout.lines().collect(), theirs.stdout.lines().collect());
    assert_eq!(o.len(), 4);
    assert_eq!((o[0], o[1]), (t[0], t[1]), "schema record");
    let no_date = |s: &str| {
        let i = s.find("\"_date\":").unwrap();
        let j = i + s[i..].find([',', '}']).unwrap();
        format!("{}{}", &s[..i], &s[j..])
    };
    assert_eq!(no_date(o[3]), no_date(t[3]), "transaction record");
    assert_eq!(o[2].split(' ').nth(2), t[2].split(' ').nth(2), "record length");
    println!(
        "read_only_commands: {} cases in {:?}",
        cases.len() + 4,
        start.elapsed()
    );
}

#[test]
fn writes_match_on_twin_servers() {
    let _dog = Watchdog::arm("writes_twin", Duration::from_secs(180));
    let start = Instant::now();
    let source = OvsdbServer::builder(nb_schema()).start().unwrap();
    populate(&source.unix_remote());
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("nb.backup");
    std::fs::write(
        &backup,
        run_with(OURS, &["backup", &source.unix_remote()], None).stdout,
    )
    .unwrap();
    let (a, b) = (
        OvsdbServer::builder(nb_schema()).start().unwrap(),
        OvsdbServer::builder(nb_schema()).start().unwrap(),
    );
    let (ra, rb) = (a.unix_remote(), b.unix_remote());
    let uuids = |s: &str| {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find(|c: char| c.is_ascii_hexdigit()) {
            out.push_str(&rest[..i]);
            let cand = rest
                .get(i..i + 36)
                .filter(|c| c.parse::<ovsdb_proto::Uuid>().is_ok());
            match cand {
                Some(_) => {
                    out.push_str("<uuid>");
                    rest = &rest[i + 36..];
                }
                None => {
                    let n = rest[i..].chars().next().unwrap().len_utf8();
                    out.push_str(&rest[i..i + n]);
                    rest = &rest[i + n..];
                }
            }
        }
        out + rest
    };
    let both = |args: &[&str], stdin: Option<&Path>| {
        let on = |r: &str| -> Vec<String> { args.iter().map(|a| a.replace("SERVER", r)).collect() };
        let (aa, ba) = (on(&ra), on(&rb));
        let theirs = run_with(
            "ovsdb-client",
            &aa.iter().map(String::as_str).collect::<Vec<_>>(),
            stdin,
        );
        let ours = run_with(OURS, &ba.iter().map(String::as_str).collect::<Vec<_>>(), stdin);
        let norm = |r: &Run, remote: &str| {
            (
                uuids(&r.stdout),
                uuids(&r.stderr).replace(remote, "SERVER"),
                r.code,
            )
        };
        assert_eq!(norm(&without_db_list(&ours), &rb), norm(&theirs, &ra), "{args:?}");
        ours
    };
    let ins = r#"["OVN_Northbound",{"op":"insert","table":"Logical_Switch","row":{"name":"t1"},"uuid-name":"n"},{"op":"insert","table":"Logical_Switch_Port","row":{"name":"tp"},"uuid-name":"p"},{"op":"mutate","table":"Logical_Switch","where":[["_uuid","==",["named-uuid","n"]]],"mutations":[["ports","insert",["named-uuid","p"]]]}]"#;
    assert_eq!(both(&["transact", "SERVER", ins], None).code, Some(0));
    both(
        &[
            "transact",
            "SERVER",
            r#"["OVN_Northbound",{"op":"insert","table":"Logical_Switch","row":{"name":7}}]"#,
        ],
        None,
    );
    let q = r#"["OVN_Northbound",{"op":"insert","table":"Logical_Switch","row":{"name":"q1"}},{"op":"select","table":"Logical_Switch","where":[["name","==","q1"]],"columns":["name"]}]"#;
    let ours = both(&["query", "SERVER", q], None);
    assert!(ours.stdout.contains(r#"{"rows":[{"name":"q1"}]}"#), "{ours:?}");
    both(&["dump", "SERVER"], None);
    // restore: the backup's rows replace the contents (new UUIDs); errors as ovsdb-client's.
    assert_eq!(both(&["restore", "SERVER"], Some(&backup)).code, Some(0));
    let dumped = both(&["dump", "SERVER"], None);
    assert!(
        dumped.stdout.contains("lb0") && !dumped.stdout.contains(" t1 "),
        "{dumped:?}"
    );
    both(&["restore", "SERVER"], Some(&nb_schema()));
    let sb_file = dir.path().join("sb.db");
    let st = Command::new("ovsdb-tool")
        .args([
            "create",
            sb_file.to_str().unwrap(),
            schema("ovn-sb.ovsschema").to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(st.success());
    both(&["restore", "SERVER"], Some(&sb_file));
    // convert, then the schema and contents as the reference leaves them.
    let changed = changed_nb_schema(dir.path()).display().to_string();
    assert_eq!(both(&["convert", "SERVER", &changed], None).code, Some(0));
    both(&["get-schema", "SERVER"], None);
    both(&["needs-conversion", "SERVER", &changed], None);
    let dumped = both(&["dump", "SERVER", "Logical_Switch"], None);
    assert!(dumped.stdout.contains("test_note"), "{dumped:?}");
    println!("writes_twin: {:?}", start.elapsed());
}

/// Starts `program args`, stdout and stderr to files in `dir` named after `tag`.
fn spawn(program: &str, args: &[&str], dir: &Path, tag: &str) -> (std::process::Child, PathBuf, PathBuf) {
    let (o, e) = (dir.join(format!("{tag}.out")), dir.join(format!("{tag}.err")));
    let child = Command::new(program)
        .args(args)
        .stdout(std::fs::File::create(&o).unwrap())
        .stderr(std::fs::File::create(&e).unwrap())
        .spawn()
        .unwrap();
    (child, o, e)
}

fn wait_nonempty(paths: &[&Path]) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while paths
        .iter()
        .any(|p| std::fs::metadata(p).map(|m| m.len() == 0).unwrap_or(true))
    {
        assert!(Instant::now() < deadline, "no output in 10 s: {paths:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Ends a child as `kill` would, waits at most 10 s; its exit code (None: a signal).
fn terminate(mut child: std::process::Child) -> Option<i32> {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            return st.code().or_else(|| {
                use std::os::unix::process::ExitStatusExt;
                st.signal().map(|s| 128 + s)
            });
        }
        assert!(Instant::now() < deadline, "did not exit on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn monitors_and_locks_match_ovsdb_client() {
    let _dog = Watchdog::arm("monitors_and_locks", Duration::from_secs(180));
    let start = Instant::now();
    let server = OvsdbServer::builder(nb_schema()).start().unwrap();
    let r = server.unix_remote();
    populate(&r);
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec!["monitor", &r, "Logical_Switch", "name,other_config"],
        vec!["monitor", &r, "OVN_Northbound", "ALL"],
        vec![
            "-f",
            "csv",
            "monitor",
            &r,
            "Logical_Switch",
            "name,!initial",
            "ports",
        ],
        vec!["--timestamp", "monitor", &r, "Logical_Switch_Port"],
        vec![
            "monitor-cond",
            &r,
            r#"[["name","!=","zz"]]"#,
            "Logical_Switch",
            "name,other_config",
        ],
        vec!["-f", "json", "monitor-cond", &r, "[true]", "Logical_Switch"],
        vec!["monitor-cond-since", &r, "[true]", "Logical_Switch", "name,ports"],
    ];
    let mut running = Vec::new();
    for (i, args) in cases.iter().enumerate() {
        let theirs = spawn("ovsdb-client", args, dir.path(), &format!("t{i}"));
        let ours = spawn(OURS, args, dir.path(), &format!("o{i}"));
        wait_nonempty(&[&theirs.1, &ours.1]);
        running.push((args, theirs, ours));
    }
    // Changes: insert, modify (a map and a set), delete, several rows in one transaction.
    nbctl(
        &r,
        &[
            "ls-add", "new0", "--", "ls-add", "new1", "--", "lsp-add", "sw0", "p3",
        ],
    );
    nbctl(
        &r,
        &[
            "set",
            "logical_switch",
            "sw0",
            "other_config:k=v",
            "--",
            "lsp-del",
            "p2",
        ],
    );
    nbctl(
        &r,
        &[
            "ls-del",
            "zz",
            "--",
            "set",
            "logical_switch",
            "new0",
            "other_config:x=1",
        ],
    );
    // The last change has been printed by every monitor when the switch `fence` appears.
    nbctl(&r, &["ls-add", "fence", "--", "lsp-add", "fence", "fence-p"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    for (_, t, o) in &running {
        for p in [&t.1, &o.1] {
            while !std::fs::read_to_string(p).unwrap().contains("fence") {
                assert!(
                    Instant::now() < deadline,
                    "monitor output lacks the last change: {p:?}"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
    let stamp = |s: String| -> String {
        s.lines()
            .map(|l| {
                let is_stamp =
                    l.trim_matches('"').len() == 23 && l.trim_matches('"').as_bytes().get(10) == Some(&b' ');
                if is_stamp {
                    "STAMP".to_owned()
                } else {
                    l.to_owned()
                }
            })
            .map(|l| {
                // json output carries the stamp as a "time" member.
                match (l.find("\"time\":\""), l.contains("\"headings\"")) {
                    (Some(i), true) => format!("{}{}", &l[..i], &l[i + 31..]),
                    _ => l,
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    for (args, (tc, tout, terr), (oc, oout, oerr)) in running {
        let (tcode, ocode) = (terminate(tc), terminate(oc));
        let read = |p: &Path| std::fs::read_to_string(p).unwrap();
        assert_eq!(stamp(read(&oout)), stamp(read(&tout)), "{args:?}");
        assert_eq!(
            normalise_stderr(&read(&oerr)),
            normalise_stderr(&read(&terr)),
            "{args:?}"
        );
        assert_eq!((ocode, tcode), (Some(143), Some(143)), "{args:?}");
    }
    // lock, then steal from another session; unlock of a lock never taken prints nothing.
    for (tool, tag) in [("ovsdb-client", "t"), (OURS, "o")] {
        let lock = format!("lock_{tag}");
        let holder = spawn(tool, &["lock", &r, &lock], dir.path(), &format!("{tag}-holder"));
        wait_nonempty(&[&holder.1]);
        let thief = run_with(tool, &["-t", "1", "steal", &r, &lock], None);
        std::fs::write(dir.path().join(format!("{tag}-thief")), format!("{thief:?}")).unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !std::fs::read_to_string(&holder.1).unwrap().contains("locked\n[") {
            assert!(Instant::now() < deadline, "{tool}: lock not given back");
            std::thread::sleep(Duration::from_millis(20));
        }
        let code = terminate(holder.0);
        std::fs::write(
            dir.path().join(format!("{tag}-holder.code")),
            format!(
                "{code:?}\n{}",
                normalise_stderr(&std::fs::read_to_string(&holder.2).unwrap())
            ),
        )
        .unwrap();
    }
    let read = |n: &str| {
        std::fs::read_to_string(dir.path().join(n))
            .unwrap()
            .replace("lock_o", "lock_t")
    };
    assert_eq!(read("o-holder.out"), read("t-holder.out"));
    assert_eq!(
        read("o-holder.out"),
        "{\"locked\":true}\nstolen\n[\"lock_t\"]\nlocked\n[\"lock_t\"]\n"
    );
    assert_eq!(read("o-holder.code"), read("t-holder.code"));
    assert_eq!(read("o-thief"), read("t-thief"));
    assert!(read("o-thief").contains("code: Some(142)"), "{}", read("o-thief"));
    println!("monitors_and_locks: {:?}", start.elapsed());
}

#[test]
fn closed_stdout_is_an_error_not_a_panic() {
    let _dog = Watchdog::arm("closed_stdout", Duration::from_secs(60));
    let server = OvsdbServer::builder(nb_schema()).start().unwrap();
    let r = server.unix_remote();
    populate(&r);
    for program in ["ovsdb-client", OURS] {
        // The reader is gone before anything is written.
        let mut child = Command::new(program)
            .args(["dump", &r])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = normalise_stderr(&String::from_utf8_lossy(&out.stderr));
        assert_eq!(err, "ovsdb-client: write to stdout failed\n", "{program}");
        assert_eq!(out.status.code(), Some(1), "{program}");
        // A reader that stops after one line (`| head -1`).
        let mut child = Command::new(program)
            .args(["dump", &r])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 10];
        std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{program}: {err}");
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{program}: {:?}",
            out.status
        );
    }
}

/// Runs the CLI in-process with `args` (after the program name); returns stdout.
async fn cli(args: &[&str]) -> String {
    let cli = Cli::try_parse_from(std::iter::once("ovsdb-client-rs").chain(args.iter().copied())).unwrap();
    let mut out = Vec::new();
    run_until(cli, &mut out, std::future::pending()).await.unwrap();
    String::from_utf8(out).unwrap()
}

async fn watchdog<F: std::future::Future>(name: &str, limit: Duration, f: F) -> F::Output {
    let _dog = Watchdog::arm(name, limit + Duration::from_secs(10));
    tokio::time::timeout(limit, f).await.expect("test hung")
}

/// A cluster: a comma list of remotes needs the database named, finds the leader as
/// ovsdb-client does; `monitor` follows a leader kill printing every committed row once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_remotes_and_monitor_across_a_leader_kill() {
    let mut cluster = Cluster::builder(nb_schema()).members(3).start().unwrap();
    let remotes = cluster.remotes();
    watchdog("cli_cluster", Duration::from_secs(150), async {
        let rm = remotes.clone();
        tokio::task::spawn_blocking(move || {
            nbctl(&rm, &["ls-add", "c0"]);
            same(&["dump", &rm]);
            let d = same(&["dump", &rm, "OVN_Northbound", "Logical_Switch", "name"]);
            assert!(d.stdout.contains("c0"), "{d:?}");
            same(&["transact", &rm, r#"["OVN_Northbound",{"op":"select","table":"Logical_Switch","where":[],"columns":["name"]}]"#]);
            same(&["dump", &rm, "Nope_DB"]);
        })
        .await
        .unwrap();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let rm = remotes.clone();
        let monitor = tokio::spawn(async move {
            let c = Cli::try_parse_from(["x", "-f", "csv", "monitor", &rm, "OVN_Northbound", "Logical_Switch", "name"])
                .unwrap();
            let mut out = Vec::new();
            run_until(c, &mut out, async {
                let _ = stop_rx.await;
            })
            .await
            .unwrap();
            String::from_utf8(out).unwrap()
        });
        let writer = ovsdb_client::Client::connect(
            &remotes,
            ovsdb_client::ClientConfig::default().database("OVN_Northbound"),
        )
        .await
        .unwrap();
        let mut committed = Vec::new();
        let start = Instant::now();
        let mut killed = false;
        for i in 0..120 {
            if !killed && start.elapsed() > Duration::from_millis(800) {
                let leader = tokio::task::block_in_place(|| cluster.leader().unwrap());
                tokio::task::block_in_place(|| cluster.kill(leader).unwrap());
                killed = true;
            }
            let name = format!("m{i}");
            let op = ovsdb_proto::op::Insert::new(
                "Logical_Switch",
                ovsdb_proto::Row::new().with("name", ovsdb_proto::Datum::scalar(ovsdb_proto::Atom::from(name.as_str()))),
            );
            if writer.transact("OVN_Northbound", vec![op.into()]).await.is_ok() {
                committed.push(name);
            }
            tokio::time::sleep(Duration::from_millis(15)).await;
        }
        assert!(killed);
        tokio::time::sleep(Duration::from_secs(2)).await;
        stop_tx.send(()).unwrap();
        let out = monitor.await.unwrap();
        for n in &committed {
            let shown = out
                .lines()
                .filter(|l| l.ends_with(&format!(",{n}")) && (l.contains(",insert,") || l.contains(",initial,")))
                .count();
            assert_eq!(shown, 1, "{n} printed {shown} times:\n{out}");
        }
        assert!(!out.contains(",delete,"), "{out}");
        println!("{} rows committed across the leader kill, each printed once", committed.len());
    })
    .await;
}

/// An `ovs-pki` PKI in `d`: the CA (`pki/controllerca/cacert.pem`), `server-*.pem`,
/// `client-*.pem`.
fn make_pki(d: &Path) {
    for args in [
        vec!["--force", "init"],
        vec!["-u", "req+sign", "server", "controller"],
        vec!["-u", "req+sign", "client", "controller"],
    ] {
        let out = Command::new("ovs-pki")
            .arg("-d")
            .arg(d.join("pki"))
            .arg("-l")
            .arg(d.join("pki.log"))
            .args(&args)
            .current_dir(d)
            .output()
            .unwrap();
        assert!(out.status.success(), "ovs-pki {args:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dump_over_tls_with_an_ovs_pki_ca() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    make_pki(d);
    let p = |n: &str| d.join(n).display().to_string();
    let port = free_loopback_ports(1).unwrap()[0];
    let server = OvsdbServer::builder(nb_schema())
        .arg(format!("--remote=pssl:{port}:127.0.0.1"))
        .arg(format!("--private-key={}", p("server-privkey.pem")))
        .arg(format!("--certificate={}", p("server-cert.pem")))
        .arg(format!("--ca-cert={}", p("pki/controllerca/cacert.pem")))
        .start()
        .unwrap();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        std::thread::sleep(Duration::from_millis(20));
    }
    nbctl(&server.unix_remote(), &["ls-add", "over-tls"]);
    let remote = format!("ssl:127.0.0.1:{port}");
    watchdog("cli_tls", Duration::from_secs(60), async {
        let (key, cert, ca) = (
            p("client-privkey.pem"),
            p("client-cert.pem"),
            p("pki/controllerca/cacert.pem"),
        );
        let tls = ["-p", key.as_str(), "-c", cert.as_str(), "-C", ca.as_str()];
        let mut args: Vec<&str> = tls.to_vec();
        args.extend([
            "--server-name",
            "server",
            "dump",
            remote.as_str(),
            "OVN_Northbound",
            "Logical_Switch",
            "name",
        ]);
        let ours = cli(&args).await;
        let mut theirs_args: Vec<&str> = tls.to_vec();
        theirs_args.extend([
            "dump",
            remote.as_str(),
            "OVN_Northbound",
            "Logical_Switch",
            "name",
        ]);
        let theirs = run_with("ovsdb-client", &theirs_args, None);
        assert_eq!(ours, theirs.stdout);
        assert!(ours.contains("over-tls"));
        let mut chain: Vec<&str> = tls.to_vec();
        chain.extend(["--ssl-chain-only", "list-dbs", remote.as_str()]);
        assert_eq!(cli(&chain).await, "OVN_Northbound\n_Server\n");
    })
    .await;
}

/// A unix-socket relay to a real server that records what each client connection sends.
struct Relay {
    path: PathBuf,
    sent: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    _dir: tempfile::TempDir,
}

impl Relay {
    fn start(server_socket: PathBuf) -> Relay {
        use std::os::unix::net::{UnixListener, UnixStream};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("relay.sock");
        let listener = UnixListener::bind(&path).unwrap();
        let sent = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = sent.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(mut client) = client else { return };
                let Ok(mut server) = UnixStream::connect(&server_socket) else {
                    return;
                };
                let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut s2, &mut c2);
                });
                let log = log.clone();
                std::thread::spawn(move || {
                    let mut buf = [0u8; 65536];
                    loop {
                        match std::io::Read::read(&mut client, &mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                log.lock().unwrap().extend_from_slice(&buf[..n]);
                                if std::io::Write::write_all(&mut server, &buf[..n]).is_err() {
                                    break;
                                }
                            }
                        }
                    }
                    let _ = server.shutdown(std::net::Shutdown::Both);
                });
            }
        });
        Relay {
            path,
            sent,
            _dir: dir,
        }
    }

    fn remote(&self) -> String {
        format!("unix:{}", self.path.display())
    }

    /// The requests sent since the last call: method and params (ids left out; replies to the
    /// server's `echo` left out).
    fn take_requests(&self) -> Vec<(String, serde_json::Value)> {
        let bytes = std::mem::take(&mut *self.sent.lock().unwrap());
        serde_json::Deserializer::from_slice(&bytes)
            .into_iter::<serde_json::Value>()
            .filter_map(Result::ok)
            .filter_map(|m| Some((m.get("method")?.as_str()?.to_owned(), m["params"].clone())))
            .collect()
    }
}

/// Each command sends the requests ovsdb-client sends, in its order, with the same params:
/// `list-dbs` and `transact` nothing before their one request, monitors `set_db_change_aware`
/// before the monitor, and so on.
#[test]
fn requests_are_those_of_ovsdb_client() {
    let _dog = Watchdog::arm("requests", Duration::from_secs(120));
    let server = OvsdbServer::builder(nb_schema()).start().unwrap();
    populate(&server.unix_remote());
    let relay = Relay::start(server.unix_socket());
    let r = relay.remote();
    let dir = tempfile::tempdir().unwrap();
    let changed = changed_nb_schema(dir.path()).display().to_string();
    let sel = r#"["OVN_Northbound",{"op":"select","table":"Logical_Switch","where":[],"columns":["name"]}]"#;
    let cases: Vec<Vec<&str>> = vec![
        vec!["list-dbs", &r],
        vec!["get-schema", &r],
        vec!["list-columns", &r, "OVN_Northbound", "ACL"],
        vec!["dump", &r],
        vec!["dump", &r, "Logical_Switch_Port", "name", "external_ids", "_uuid"],
        vec!["transact", &r, sel],
        vec!["query", &r, sel],
        vec!["backup", &r],
        vec!["needs-conversion", &r, &changed],
        vec!["wait", &r, "OVN_Northbound", "connected"],
        vec![
            "-t",
            "1",
            "monitor",
            &r,
            "Logical_Switch",
            "name,ports",
            "other_config",
        ],
        vec!["-t", "1", "monitor", &r, "ALL"],
        vec!["-t", "1", "monitor-cond", &r, "[true]", "Logical_Switch"],
        vec![
            "-t",
            "1",
            "monitor-cond-since",
            &r,
            "[true]",
            "Logical_Switch",
            "name",
        ],
        vec!["-t", "1", "lock", &r, "L"],
    ];
    for args in &cases {
        run_with("ovsdb-client", args, None);
        std::thread::sleep(Duration::from_millis(100));
        let theirs = relay.take_requests();
        run_with(OURS, args, None);
        std::thread::sleep(Duration::from_millis(100));
        let ours = relay.take_requests();
        assert!(!theirs.is_empty(), "{args:?}: nothing recorded");
        assert_eq!(ours, theirs, "{args:?}");
    }
}

/// Passive remotes (`punix:`, `ptcp:`, `pssl:`): the client listens, logs that it waits, and
/// takes the connection of a server told to connect there (ovsdb-server `--remote=unix:PATH`, or
/// `--remote=ssl:IP:PORT` with an ovs-pki PKI); a socket file is gone afterwards. Also the
/// refusals of a socket that cannot be bound and of a bad port.
#[test]
fn passive_remotes_match_ovsdb_client() {
    let _dog = Watchdog::arm("passive_remotes", Duration::from_secs(90));
    same(&["list-dbs", "punix:/nonexistent/dir/x.sock"]);
    same(&["list-dbs", "ptcp:abc"]);
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("passive.sock");
    let remote = format!("punix:{}", sock.display());
    let mut runs = Vec::new();
    for program in ["ovsdb-client", OURS] {
        let child = Command::new("timeout")
            .arg("20")
            .arg(program)
            .args(["dump", &remote, "OVN_Northbound", "NB_Global"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let t = Instant::now();
        while !sock.exists() {
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "{program} never listened on {remote}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let server = OvsdbServer::builder(nb_schema())
            .arg(format!("--remote=unix:{}", sock.display()))
            .start()
            .unwrap();
        let out = child.wait_with_output().unwrap();
        drop(server);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = normalise_stderr(&String::from_utf8_lossy(&out.stderr));
        runs.push((stdout, stderr, out.status.code(), sock.exists()));
    }
    assert_eq!(runs[1], runs[0]);
    assert!(runs[0].0.starts_with("NB_Global table"), "{runs:?}");
    assert!(runs[0].1.contains("waiting for connection..."), "{runs:?}");
    assert_eq!(runs[0].2, Some(0));

    // pssl: with -p/-c/-C (an ovs-pki PKI): the server connects with --remote=ssl:.
    same(&["list-dbs", "pssl:abc"]);
    let d = dir.path();
    make_pki(d);
    let f = |n: &str| d.join(n).display().to_string();
    let ca = f("pki/controllerca/cacert.pem");
    let mut runs = Vec::new();
    for program in ["ovsdb-client", OURS] {
        let port = free_loopback_ports(1).unwrap()[0];
        let remote = format!("pssl:{port}:127.0.0.1");
        let child = Command::new("timeout")
            .arg("20")
            .arg(program)
            .args([
                "-p",
                &f("client-privkey.pem"),
                "-c",
                &f("client-cert.pem"),
                "-C",
                &ca,
            ])
            .args(["dump", &remote, "OVN_Northbound", "NB_Global"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Listening: the port is in /proc/net/tcp in state LISTEN (0A).
        let hex = format!(":{port:04X} ");
        let t = Instant::now();
        while !std::fs::read_to_string("/proc/net/tcp")
            .unwrap_or_default()
            .lines()
            .any(|l| {
                l.split_whitespace()
                    .nth(1)
                    .is_some_and(|a| a.ends_with(hex.trim()))
                    && l.split_whitespace().nth(3) == Some("0A")
            })
        {
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "{program} never listened on {remote}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let server = OvsdbServer::builder(nb_schema())
            .arg(format!("--remote=ssl:127.0.0.1:{port}"))
            .arg(format!("--private-key={}", f("server-privkey.pem")))
            .arg(format!("--certificate={}", f("server-cert.pem")))
            .arg(format!("--ca-cert={ca}"))
            .start()
            .unwrap();
        let out = child.wait_with_output().unwrap();
        drop(server);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr =
            normalise_stderr(&String::from_utf8_lossy(&out.stderr)).replace(&port.to_string(), "PORT");
        runs.push((stdout, stderr, out.status.code()));
    }
    assert_eq!(runs[1], runs[0]);
    assert!(runs[0].0.starts_with("NB_Global table"), "{runs:?}");
    assert_eq!(runs[0].2, Some(0));
}
