//! The raw CLI in-process against real ovsdb-server processes, compared with ovsdb-client(1).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use clap::Parser;
use ovsdb_client_rs::{Cli, run_until};
use ovsdb_testkit::{Cluster, OvsdbServer, Watchdog, free_loopback_ports};

fn nb_schema() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/schemas/ovn-nb.ovsschema")
}

/// Runs the CLI with `args` (after the program name); returns stdout.
async fn cli(args: &[&str]) -> String {
    let cli = Cli::try_parse_from(std::iter::once("ovsdb-client-rs").chain(args.iter().copied())).unwrap();
    let mut out = Vec::new();
    run_until(cli, &mut out, std::future::pending()).await.unwrap();
    String::from_utf8(out).unwrap()
}

fn ovsdb_client(args: &[&str]) -> String {
    let out = Command::new("ovsdb-client").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "ovsdb-client {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
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

async fn watchdog<F: std::future::Future>(name: &str, limit: Duration, f: F) -> F::Output {
    let _dog = Watchdog::arm(name, limit + Duration::from_secs(10));
    tokio::time::timeout(limit, f).await.expect("test hung")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dump_matches_ovsdb_client_row_for_row() {
    let server = OvsdbServer::builder(nb_schema()).start().unwrap();
    let r = server.unix_remote();
    nbctl(
        &r,
        &[
            "ls-add", "sw0", "--", "ls-add", "sw 1", "--", "ls-add", "dup", "--", "ls-add", "zz",
        ],
    );
    nbctl(
        &r,
        &[
            "--may-exist",
            "ls-add",
            "aa",
            "--",
            "set",
            "logical_switch",
            "aa",
            "external_ids:k=v",
        ],
    );
    nbctl(
        &r,
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
        &r,
        &[
            "set",
            "logical_switch_port",
            "p1",
            "tag_request=5",
            "enabled=true",
            "options:x=1",
            "external_ids:a-b.c_d=1abc",
            "external_ids:t=true",
            "external_ids:u=x:y",
            "external_ids:w=é",
            "external_ids:n=12",
            "external_ids:neg=-3",
            "external_ids:e=\"\"",
            "external_ids:q=\"a\\\"b\"",
        ],
    );
    nbctl(
        &r,
        &[
            "lsp-add",
            "sw0",
            "p2",
            "--",
            "lsp-set-type",
            "p2",
            "router",
            "--",
            "lsp-set-options",
            "p2",
            "router-port=lrp0",
        ],
    );
    nbctl(
        &r,
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
        &r,
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
        &r,
        &[
            "lb-add",
            "lb0",
            "10.0.0.100:80",
            "10.0.0.1:8080,10.0.0.2:8080",
            "tcp",
        ],
    );
    watchdog("dump_matches", Duration::from_secs(60), async {
        for fmt in ["table", "csv", "json"] {
            let ours = cli(&["-f", fmt, "dump", &r, "OVN_Northbound"]).await;
            let theirs = ovsdb_client(&["-f", fmt, "dump", &r, "OVN_Northbound"]);
            let (a, b): (Vec<&str>, Vec<&str>) = (ours.lines().collect(), theirs.lines().collect());
            for (i, (x, y)) in a.iter().zip(&b).enumerate() {
                assert_eq!(x, y, "{fmt}: line {} differs", i + 1);
            }
            assert_eq!(a.len(), b.len(), "{fmt}: line counts differ");
            assert_eq!(ours, theirs, "{fmt}");
            assert!(ours.contains("sw0") && ours.contains("lb0"), "{fmt}");
        }
        // One table, some columns.
        for args in [
            vec!["dump", r.as_str(), "OVN_Northbound", "Logical_Switch"],
            vec![
                "dump",
                r.as_str(),
                "OVN_Northbound",
                "Logical_Switch_Port",
                "name",
                "external_ids",
                "_uuid",
            ],
        ] {
            assert_eq!(cli(&args).await, ovsdb_client(&args), "{args:?}");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simple_commands() {
    let server = OvsdbServer::builder(nb_schema()).start().unwrap();
    let r = server.unix_remote();
    watchdog("simple_commands", Duration::from_secs(60), async {
        assert_eq!(cli(&["list-dbs", &r]).await, "OVN_Northbound\n_Server\n");
        let tables = cli(&["list-tables", &r, "OVN_Northbound"]).await;
        assert!(tables.starts_with("Table\n-----"), "{tables}");
        assert!(tables.lines().any(|l| l == "Logical_Switch"), "{tables}");
        let cols = cli(&["list-columns", &r, "OVN_Northbound", "NB_Global"]).await;
        assert!(cols.lines().any(|l| l.starts_with("nb_cfg") && l.ends_with("\"integer\"")), "{cols}");
        let schema: serde_json::Value = serde_json::from_str(&cli(&["get-schema", &r, "OVN_Northbound"]).await).unwrap();
        assert_eq!(schema["name"], "OVN_Northbound");
        let t = cli(&["transact", &r, r#"["OVN_Northbound",{"op":"insert","table":"Logical_Switch","row":{"name":"t1"}}]"#]).await;
        assert!(t.starts_with(r#"[{"uuid":["uuid","#), "{t}");
        // query aborts: the row is selected, the insert is not kept.
        let q = cli(&[
            "query",
            &r,
            r#"["OVN_Northbound",{"op":"insert","table":"Logical_Switch","row":{"name":"q1"}},{"op":"select","table":"Logical_Switch","where":[["name","==","q1"]],"columns":["name"]}]"#,
        ])
        .await;
        assert!(q.contains(r#"{"rows":[{"name":"q1"}]}"#), "{q}");
        let names = cli(&["-f", "csv", "dump", &r, "OVN_Northbound", "Logical_Switch", "name"]).await;
        assert_eq!(names, "Logical_Switch table\nname\nt1\n");
        // Errors name what was wrong.
        let cli_args = Cli::try_parse_from(["x", "dump", &r, "OVN_Northbound", "Nope"]).unwrap();
        let e = run_until(cli_args, &mut Vec::new(), std::future::pending()).await.unwrap_err();
        assert!(e.to_string().contains("no table \"Nope\""), "{e}");
        // lock, then steal from another client: the first sees "stolen".
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let r2 = r.clone();
        let holder = tokio::spawn(async move {
            let c = Cli::try_parse_from(["x", "lock", &r2, "L"]).unwrap();
            let mut out = Vec::new();
            run_until(c, &mut out, async {
                let _ = stop_rx.await;
            })
            .await
            .unwrap();
            String::from_utf8(out).unwrap()
        });
        tokio::time::sleep(Duration::from_millis(500)).await;
        let c = Cli::try_parse_from(["x", "--timeout", "1", "steal", &r, "L"]).unwrap();
        let mut out = Vec::new();
        let e = run_until(c, &mut out, std::future::pending()).await.unwrap_err();
        assert!(matches!(e, ovsdb_client_rs::CliError::Timeout(1)), "{e}");
        assert!(String::from_utf8(out).unwrap().contains("locked"));
        tokio::time::sleep(Duration::from_millis(300)).await;
        stop_tx.send(()).unwrap();
        let held = holder.await.unwrap();
        assert!(held.contains("locked\n") && held.contains("stolen"), "{held}");
        // ovsdb-server refuses "unlock" on a session that never asked for the lock.
        let c = Cli::try_parse_from(["x", "unlock", &r, "L"]).unwrap();
        let e = run_until(c, &mut Vec::new(), std::future::pending()).await.unwrap_err();
        assert!(e.to_string().contains("without"), "{e}");
    })
    .await;
}

/// A cluster leader killed while `monitor` runs: every committed row is printed exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitor_follows_a_leader_kill_without_losing_updates() {
    let mut cluster = Cluster::builder(nb_schema()).members(3).start().unwrap();
    let remotes = cluster.remotes();
    watchdog("cli_monitor_leader_kill", Duration::from_secs(120), async {
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let rm = remotes.clone();
        let monitor = tokio::spawn(async move {
            let c = Cli::try_parse_from([
                "x",
                "-f",
                "csv",
                "monitor",
                &rm,
                "OVN_Northbound",
                "Logical_Switch",
                "name",
            ])
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
                ovsdb_proto::Row::new().with(
                    "name",
                    ovsdb_proto::Datum::scalar(ovsdb_proto::Atom::from(name.as_str())),
                ),
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
                .filter(|l| {
                    l.ends_with(&format!(",{n}")) && (l.contains(",insert,") || l.contains(",initial,"))
                })
                .count();
            assert_eq!(shown, 1, "{n} printed {shown} times:\n{out}");
        }
        assert!(!out.contains(",delete,"), "{out}");
        println!(
            "{} rows committed across the leader kill, each printed once",
            committed.len()
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dump_over_tls_with_an_ovs_pki_ca() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
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
        assert!(out.status.success());
    }
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
        assert_eq!(ours, ovsdb_client(&theirs_args));
        assert!(ours.contains("over-tls"));
        let mut chain: Vec<&str> = tls.to_vec();
        chain.extend(["--ssl-chain-only", "list-dbs", remote.as_str()]);
        assert_eq!(cli(&chain).await, "OVN_Northbound\n_Server\n");
    })
    .await;
}
