//! The examples of the client and of the generated crates, each run (its `run` function, the
//! file compiled into this test binary) against real servers: one NB server shared by the NB
//! examples, SB and Open_vSwitch servers, a TLS server with `ovs-pki` certificates, a 3-member
//! cluster.

use std::process::Command;
use std::time::{Duration, Instant};

use ovsdb_testkit::{Cluster, OvsdbServer, free_loopback_ports};

use crate::common::{blocking, nb_schema, watchdog};

#[allow(dead_code, unreachable_pub, missing_docs)]
#[path = "../../examples/cluster.rs"]
mod cluster_example;
#[allow(dead_code, unreachable_pub, missing_docs)]
#[path = "../../examples/controller_loop.rs"]
mod controller_loop;
#[allow(dead_code, unreachable_pub, missing_docs)]
#[path = "../../examples/create_topology.rs"]
mod create_topology;
#[allow(dead_code, unreachable_pub, missing_docs)]
#[path = "../../examples/dynamic.rs"]
mod dynamic;
#[allow(dead_code, unreachable_pub, missing_docs)]
#[path = "../../../ovn-nb/examples/switches.rs"]
mod nb_switches;
#[allow(dead_code, unreachable_pub, missing_docs)]
#[path = "../../../ovn-sb/examples/chassis.rs"]
mod sb_chassis;
#[allow(dead_code, unreachable_pub, missing_docs)]
#[path = "../../examples/tls.rs"]
mod tls_example;
#[allow(dead_code, unreachable_pub, missing_docs)]
#[path = "../../../ovs-vswitchd-schema/examples/bridges.rs"]
mod vswitchd_bridges;
#[allow(dead_code, unreachable_pub, missing_docs)]
#[path = "../../examples/watch_ports.rs"]
mod watch_ports;

fn schema(name: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/schemas")
        .join(name)
}

fn tool(program: &str, db_option: &str, args: &[&str]) -> String {
    let out = Command::new(program).arg(db_option).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nb_examples_on_one_server() {
    let server = OvsdbServer::builder(nb_schema()).start().unwrap();
    let r = server.unix_remote();
    let db = format!("--db={r}");
    watchdog("nb_examples", Duration::from_secs(90), async {
        let start = Instant::now();
        // create_topology: one transaction, rows linked by named-uuid.
        let (ls, lr) = create_topology::run(&r).await.unwrap();
        let show = blocking(|| tool("ovn-nbctl", &db, &["show"]));
        assert!(
            show.contains(&ls.to_string()) && show.contains(&lr.to_string()),
            "{show}"
        );
        assert!(
            show.contains("vm1") && show.contains("router-port: lr0-ls0"),
            "{show}"
        );
        // A second run fails (unique port names) and changes nothing.
        assert!(create_topology::run(&r).await.is_err());
        // ovn-nb's example reads it back through references.
        let switches = nb_switches::run(&r).await.unwrap();
        assert_eq!(
            switches,
            vec![("ls0".to_owned(), vec!["ls0-lr0".to_owned(), "vm1".to_owned()])]
        );
        // watch_ports returns once the port appears.
        let rw = r.clone();
        let watcher = tokio::spawn(async move { watch_ports::run(&rw, "late").await });
        tokio::time::sleep(Duration::from_millis(300)).await;
        let dbw = db.clone();
        blocking(|| tool("ovn-nbctl", &dbw, &["lsp-add", "ls0", "late"]));
        let uuid = watcher.await.unwrap().unwrap();
        let got = blocking(|| tool("ovn-nbctl", &db, &["get", "logical_switch_port", "late", "_uuid"]));
        assert_eq!(got.trim(), uuid.to_string());
        // controller_loop labels every switch, also one created while it runs, then goes idle.
        blocking(|| tool("ovn-nbctl", &db, &["ls-add", "sw-a"]));
        let rc = r.clone();
        let controller = tokio::spawn(async move { controller_loop::run(&rc, Duration::from_secs(2)).await });
        tokio::time::sleep(Duration::from_millis(500)).await;
        blocking(|| tool("ovn-nbctl", &db, &["ls-add", "sw-b"]));
        assert_eq!(controller.await.unwrap().unwrap(), 3);
        for ls in ["ls0", "sw-a", "sw-b"] {
            let owner = blocking(|| {
                tool(
                    "ovn-nbctl",
                    &db,
                    &["get", "logical_switch", ls, "external_ids:owner"],
                )
            });
            assert_eq!(owner.trim(), "example", "{ls}");
        }
        // dynamic: any database, untyped.
        let counts = dynamic::run(&r, None).await.unwrap();
        assert_eq!(counts["Logical_Switch"], 3);
        assert_eq!(counts["Logical_Switch_Port"], 3);
        assert_eq!(counts["Logical_Router"], 1);
        assert_eq!(counts.len(), 30);
        println!("nb_examples: {:?}", start.elapsed());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sb_and_vswitchd_examples() {
    let sb = OvsdbServer::builder(schema("ovn-sb.ovsschema")).start().unwrap();
    let ovs = OvsdbServer::builder(schema("vswitch.ovsschema")).start().unwrap();
    let (rsb, rovs) = (sb.unix_remote(), ovs.unix_remote());
    watchdog("sb_vswitchd_examples", Duration::from_secs(60), async {
        let names = sb_chassis::run(&rsb, "hv1", "192.0.2.1").await.unwrap();
        assert_eq!(names, ["hv1"]);
        let show = blocking(|| tool("ovn-sbctl", &format!("--db={rsb}"), &["show"]));
        assert!(
            show.contains("Chassis hv1") && show.contains("192.0.2.1"),
            "{show}"
        );
        let db = format!("--db={rovs}");
        // Without the root row the example fails, naming what is missing; with it, it adds.
        let e = vswitchd_bridges::run(&rovs, "br-ex").await.unwrap_err();
        assert!(e.to_string().contains("ovs-vsctl init"), "{e}");
        blocking(|| tool("ovs-vsctl", &db, &["--no-wait", "init"]));
        let names = vswitchd_bridges::run(&rovs, "br-ex").await.unwrap();
        assert_eq!(names, ["br-ex"]);
        let list = blocking(|| tool("ovs-vsctl", &db, &["--no-wait", "list-ports", "br-ex"]));
        assert_eq!(list, "");
        let brs = blocking(|| tool("ovs-vsctl", &db, &["--no-wait", "list-br"]));
        assert_eq!(brs, "br-ex\n");
        let iface = blocking(|| {
            tool(
                "ovs-vsctl",
                &db,
                &["--no-wait", "get", "interface", "br-ex", "type"],
            )
        });
        assert_eq!(iface.trim(), "internal");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_example_with_ovs_pki_files() {
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
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let port = free_loopback_ports(1).unwrap()[0];
    let ca = d.join("pki/controllerca/cacert.pem");
    let _server = OvsdbServer::builder(nb_schema())
        .arg(format!("--remote=pssl:{port}:127.0.0.1"))
        .arg(format!(
            "--private-key={}",
            d.join("server-privkey.pem").display()
        ))
        .arg(format!("--certificate={}", d.join("server-cert.pem").display()))
        .arg(format!("--ca-cert={}", ca.display()))
        .start()
        .unwrap();
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "pssl:{port} never listened"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    watchdog("tls_example", Duration::from_secs(60), async {
        let remote = format!("ssl:127.0.0.1:{port}");
        let dbs = tls_example::run(
            &remote,
            &d.join("client-privkey.pem"),
            &d.join("client-cert.pem"),
            &ca,
        )
        .await
        .unwrap();
        assert_eq!(dbs, ["OVN_Northbound", "_Server"]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_example_writes_through_the_leader() {
    let cluster = Cluster::builder(nb_schema()).members(3).start().unwrap();
    let remotes = cluster.remotes();
    watchdog("cluster_example", Duration::from_secs(60), async {
        let leader = cluster_example::run(&remotes, "via-leader").await.unwrap();
        let i = blocking(|| cluster.leader().unwrap());
        assert_eq!(Some(leader), cluster.member(i).unwrap().tcp_remote());
        let out = blocking(|| tool("ovn-nbctl", &format!("--db={remotes}"), &["ls-list"]));
        assert!(out.contains("via-leader"), "{out}");
    })
    .await;
}
