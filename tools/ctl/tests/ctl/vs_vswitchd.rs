//! vsctl-rs with a real ovs-vswitchd (userspace datapath, in a network namespace the test
//! makes): `--wait` returns once ovs-vswitchd has applied the change (`cur_cfg`), the
//! interfaces it could not set up are reported as ovs-vsctl reports them, and `--timeout`
//! ends the process with SIGALRM as ovs-vsctl's; a refused remote fails at once unless
//! `--retry`. Reference and ours run as processes, side by side on one server.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use ovsdb_testkit::{OvsdbServer, Watchdog};

/// A network namespace, deleted on drop.
pub(crate) struct Netns(pub(crate) String);

impl Netns {
    /// A new namespace, named after the process and a counter.
    pub(crate) fn new() -> Netns {
        static SEQ: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("vsctlrs-{}-{seq}", std::process::id());
        let st = Command::new("ip")
            .args(["netns", "add", &name])
            .status()
            .expect("ip netns add");
        assert!(st.success(), "ip netns add {name}");
        Netns(name)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

/// A daemon started detached inside a network namespace, its files in a directory of the
/// test; stopped (by the pid in its pidfile) on drop.
pub(crate) struct Detached {
    pidfile: PathBuf,
}

impl Detached {
    /// Runs `PROGRAM ARGS...` inside `ns`, detached, with its pidfile `DIR/NAME.pid`, its log
    /// `DIR/NAME.log` and `DIR` as its OVS and OVN run, log and database directory.
    pub(crate) fn start(ns: &Netns, program: &str, args: &[&str], name: &str, dir: &Path) -> Detached {
        let pidfile = dir.join(format!("{name}.pid"));
        let st = Command::new("ip")
            .args(["netns", "exec", &ns.0, program])
            .args(args)
            .arg(format!("--pidfile={}", pidfile.display()))
            .arg("-vconsole:off")
            .arg(format!(
                "--log-file={}",
                dir.join(format!("{name}.log")).display()
            ))
            .args(["--detach", "--no-chdir"])
            .envs(
                [
                    "OVS_RUNDIR",
                    "OVS_LOGDIR",
                    "OVS_DBDIR",
                    "OVN_RUNDIR",
                    "OVN_LOGDIR",
                ]
                .map(|v| (v, dir)),
            )
            .status()
            .unwrap_or_else(|e| panic!("start {program}: {e}"));
        assert!(st.success(), "{program} did not start");
        Detached { pidfile }
    }

    /// ovs-vswitchd on `remote` (its control socket `DIR/vswitchd.ctl`).
    pub(crate) fn vswitchd(ns: &Netns, remote: &str, dir: &Path) -> Detached {
        let ctl = format!("--unixctl={}", dir.join("vswitchd.ctl").display());
        Detached::start(ns, "ovs-vswitchd", &[remote, &ctl], "vswitchd", dir)
    }

    fn stop(&self) {
        if let Ok(pid) = std::fs::read_to_string(&self.pidfile) {
            let _ = Command::new("kill").arg(pid.trim()).status();
            for _ in 0..100 {
                if !self.pidfile.exists() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

impl Drop for Detached {
    fn drop(&mut self) {
        self.stop();
    }
}

fn run(program: &str, remote: &str, args: &[&str]) -> Output {
    Command::new(program)
        .arg(format!("--db={remote}"))
        .args(args)
        .env_remove("OVS_LOGDIR")
        .output()
        .expect("run")
}

fn ours() -> &'static str {
    env!("CARGO_BIN_EXE_vsctl-rs")
}

/// stderr without the program name and vlog's timestamp prefix; `theirs` names replaced.
fn norm(out: &Output, from: &str, to: &str) -> String {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(|l| {
            let l = l.rsplit('|').next().unwrap_or(l);
            let l = l
                .strip_prefix("ovs-vsctl: ")
                .or_else(|| l.strip_prefix("vsctl-rs: "))
                .unwrap_or(l);
            l.replace(from, to)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn vsctl_waits_for_a_real_ovs_vswitchd_and_dies_of_sigalrm_like_ovs_vsctl() {
    let _w = Watchdog::arm("vsctl_waits_for_a_real_ovs_vswitchd", Duration::from_secs(90));
    let server = OvsdbServer::builder(crate::diff::schema_path("vswitch.ovsschema"))
        .start()
        .expect("server");
    let remote = server.unix_remote();
    let ns = Netns::new();
    let vswitchd = Detached::vswitchd(&ns, &remote, server.dir());
    // The first invocation on an empty database makes the Open_vSwitch row with next_cfg 1
    // and waits for ovs-vswitchd to apply it, as ovs-vsctl does.
    let first = run(ours(), &remote, &["--timeout=20", "list-br"]);
    assert_eq!(first.status.code(), Some(0), "{first:?}");
    let cfg = || {
        let o = run(
            ours(),
            &remote,
            &["get", "Open_vSwitch", ".", "cur_cfg", "next_cfg"],
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    };

    // --wait (the default): both return once ovs-vswitchd has caught up.
    let theirs = run(
        "ovs-vsctl",
        &remote,
        &[
            "--timeout=20",
            "add-br",
            "bra",
            "--",
            "set",
            "Bridge",
            "bra",
            "datapath_type=netdev",
        ],
    );
    assert_eq!(theirs.status.code(), Some(0), "{theirs:?}");
    let t0 = Instant::now();
    let mine = run(
        ours(),
        &remote,
        &[
            "--timeout=20",
            "add-br",
            "brb",
            "--",
            "set",
            "Bridge",
            "brb",
            "datapath_type=netdev",
        ],
    );
    assert_eq!(mine.status.code(), Some(0), "{mine:?}");
    assert_eq!(norm(&mine, "", ""), norm(&theirs, "", ""));
    let c = cfg();
    let lines: Vec<&str> = c.lines().collect();
    assert_eq!(lines.len(), 2, "{c}");
    assert_eq!(
        lines[0], lines[1],
        "cur_cfg caught up with next_cfg when we returned"
    );
    assert_eq!(lines[0], "3", "three changes waited for");
    assert!(t0.elapsed() < Duration::from_secs(10));

    // An interface ovs-vswitchd cannot open: the same report on stderr, status 0.
    let theirs = run(
        "ovs-vsctl",
        &remote,
        &["--timeout=20", "add-port", "bra", "nodeva"],
    );
    let mine = run(ours(), &remote, &["--timeout=20", "add-port", "brb", "nodevb"]);
    assert_eq!(theirs.status.code(), Some(0), "{theirs:?}");
    assert_eq!(mine.status.code(), Some(0), "{mine:?}");
    let t = norm(&theirs, "nodeva", "nodevb");
    assert!(t.contains("Error detected while setting up 'nodevb'"), "{t}");
    assert_eq!(norm(&mine, "", ""), t);
    // One it can: nothing on stderr.
    let mine = run(
        ours(),
        &remote,
        &[
            "--timeout=20",
            "add-port",
            "brb",
            "pb",
            "--",
            "set",
            "Interface",
            "pb",
            "type=internal",
        ],
    );
    assert_eq!(mine.status.code(), Some(0), "{mine:?}");
    assert_eq!(String::from_utf8_lossy(&mine.stderr), "");

    // Without ovs-vswitchd the wait never ends: --timeout kills both with SIGALRM.
    vswitchd.stop();
    let theirs = run("ovs-vsctl", &remote, &["--timeout=1", "add-br", "brc"]);
    let mine = run(ours(), &remote, &["--timeout=1", "add-br", "brd"]);
    assert_eq!(theirs.status.signal(), Some(14), "{theirs:?}");
    assert_eq!(mine.status.signal(), Some(14), "{mine:?}");
    assert_eq!(norm(&mine, "", ""), norm(&theirs, "", ""));
    // So does a wait-until that never holds.
    let theirs = run(
        "ovs-vsctl",
        &remote,
        &["--timeout=1", "wait-until", "Bridge", "nosuch"],
    );
    let mine = run(
        ours(),
        &remote,
        &["--timeout=1", "wait-until", "Bridge", "nosuch"],
    );
    assert_eq!(theirs.status.signal(), Some(14), "{theirs:?}");
    assert_eq!(mine.status.signal(), Some(14), "{mine:?}");
    assert_eq!(norm(&mine, "", ""), norm(&theirs, "", ""));
    // --no-wait does not wait.
    let mine = run(ours(), &remote, &["--timeout=5", "--no-wait", "add-br", "bre"]);
    assert_eq!(mine.status.code(), Some(0), "{mine:?}");

    // A refused remote: at once without --retry, until --timeout (SIGALRM) with it.
    let gone = format!("unix:{}", server.dir().join("nosuch.sock").display());
    for retry in [false, true] {
        let mut args = vec!["--timeout=1", "list-br"];
        if retry {
            args.insert(0, "--retry");
        }
        let theirs = run("ovs-vsctl", &gone, &args);
        let mine = run(ours(), &gone, &args);
        assert_eq!(mine.status.code(), theirs.status.code(), "{mine:?} {theirs:?}");
        assert_eq!(
            mine.status.signal(),
            theirs.status.signal(),
            "{mine:?} {theirs:?}"
        );
        assert_eq!(norm(&mine, "", ""), norm(&theirs, "", ""));
    }
}

/// `--db=punix:PATH` and `--db=ptcp:PORT:IP`: the tool listens and the server connects to it
/// (ovsdb-server `--remote=unix:PATH` / `tcp:IP:PORT`), for ovs-vsctl and for ours alike.
#[test]
fn vsctl_passive_remotes_take_the_servers_connection_like_ovs_vsctl() {
    let _w = Watchdog::arm("vsctl_passive_remotes", Duration::from_secs(60));
    let dir = tempfile::tempdir().expect("tempdir");
    let a = dir.path().join("a.sock");
    let b = dir.path().join("b.sock");
    let free_port = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port()
    };
    let (pa, pb) = (free_port(), free_port());
    let spawn = |program: &str, db: String, br: &str| {
        Command::new(program)
            .arg(format!("--db={db}"))
            .args(["--timeout=20", "--no-wait", "add-br", br])
            .spawn()
            .expect("spawn")
    };
    let mut children = vec![
        spawn("ovs-vsctl", format!("punix:{}", a.display()), "bra"),
        spawn(ours(), format!("punix:{}", b.display()), "brb"),
        spawn("ovs-vsctl", format!("ptcp:{pa}:127.0.0.1"), "brc"),
        spawn(ours(), format!("ptcp:{pb}:127.0.0.1"), "brd"),
    ];
    // The unix listeners are up before the server starts connecting (the TCP ones are
    // retried by the server until they are).
    let t0 = Instant::now();
    while !(a.exists() && b.exists()) {
        assert!(t0.elapsed() < Duration::from_secs(10), "no listening socket");
        std::thread::sleep(Duration::from_millis(20));
    }
    let server = OvsdbServer::builder(crate::diff::schema_path("vswitch.ovsschema"))
        .arg(format!("--remote=unix:{}", a.display()))
        .arg(format!("--remote=unix:{}", b.display()))
        .arg(format!("--remote=tcp:127.0.0.1:{pa}"))
        .arg(format!("--remote=tcp:127.0.0.1:{pb}"))
        .start()
        .expect("server");
    for c in &mut children {
        assert!(c.wait().expect("wait").success());
    }
    let list = run(ours(), &server.unix_remote(), &["list-br"]);
    assert_eq!(String::from_utf8_lossy(&list.stdout), "bra\nbrb\nbrc\nbrd\n");
}

/// ovs-vsctl's consistency warnings for rows it reads (a port in two bridges, an interface in
/// two ports): the same lines from ours, on the same server (so the same row order).
#[test]
fn vsctl_warns_about_inconsistent_rows_like_ovs_vsctl() {
    let _w = Watchdog::arm("vsctl_warns_about_inconsistent_rows", Duration::from_secs(60));
    let server = OvsdbServer::builder(crate::diff::schema_path("vswitch.ovsschema"))
        .start()
        .expect("server");
    let remote = server.unix_remote();
    let setup = run(
        ours(),
        &remote,
        &[
            "--no-wait",
            "add-br",
            "br0",
            "--",
            "add-br",
            "br1",
            "--",
            "add-port",
            "br0",
            "p1",
            "--",
            "add-bond",
            "br0",
            "b1",
            "e1",
            "e2",
            "--",
            "--id=@p",
            "get",
            "Port",
            "p1",
            "--",
            "add",
            "Bridge",
            "br1",
            "ports",
            "@p",
            "--",
            "--id=@i",
            "get",
            "Interface",
            "e1",
            "--",
            "add",
            "Port",
            "br1",
            "interfaces",
            "@i",
        ],
    );
    assert_eq!(setup.status.code(), Some(0), "{setup:?}");
    for args in [
        &["list-ports", "br1"][..],
        &["list-ifaces", "br0"],
        &["port-to-br", "p1"],
        &["iface-to-br", "e1"],
        &["list-br"],
    ] {
        let theirs = run("ovs-vsctl", &remote, args);
        let mine = run(ours(), &remote, args);
        let t = norm(&theirs, "", "");
        assert!(t.contains("is in multiple"), "{args:?}: {t}");
        assert_eq!(mine.status.code(), theirs.status.code(), "{args:?}");
        assert_eq!(mine.stdout, theirs.stdout, "{args:?}");
        assert_eq!(norm(&mine, "", ""), t, "{args:?}");
    }
}

/// `--db=pssl:PORT:IP` with `-p`/`-c`/`-C`: the tool listens with TLS and the server connects
/// to it (`--remote=ssl:IP:PORT`), for ovs-vsctl and for ours alike (an `ovs-pki` PKI).
#[test]
fn vsctl_pssl_remote_takes_the_servers_tls_connection_like_ovs_vsctl() {
    let _w = Watchdog::arm("vsctl_pssl_remote", Duration::from_secs(60));
    let pki = crate::tls::pki("vsctl-pssl");
    let d = pki.0.as_path();
    let f = |n: &str| d.join(n).display().to_string();
    let ca = f("pki/controllerca/cacert.pem");
    let port = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port()
    };
    let (pa, pb) = (port(), port());
    let spawn = |program: &str, port: u16, br: &str| {
        Command::new(program)
            .arg(format!("--db=pssl:{port}:127.0.0.1"))
            .args([
                "-p",
                &f("client-privkey.pem"),
                "-c",
                &f("client-cert.pem"),
                "-C",
                &ca,
            ])
            .args(["--timeout=20", "--no-wait", "add-br", br])
            .spawn()
            .expect("spawn")
    };
    let mut children = [spawn("ovs-vsctl", pa, "bra"), spawn(ours(), pb, "brb")];
    let server = OvsdbServer::builder(crate::diff::schema_path("vswitch.ovsschema"))
        .arg(format!("--private-key={}", f("server-privkey.pem")))
        .arg(format!("--certificate={}", f("server-cert.pem")))
        .arg(format!("--ca-cert={ca}"))
        .arg(format!("--remote=ssl:127.0.0.1:{pa}"))
        .arg(format!("--remote=ssl:127.0.0.1:{pb}"))
        .start()
        .expect("server");
    for c in &mut children {
        assert!(c.wait().expect("wait").success());
    }
    let list = run(ours(), &server.unix_remote(), &["list-br"]);
    assert_eq!(String::from_utf8_lossy(&list.stdout), "bra\nbrb\n");
    drop(server);

    // `--bootstrap-ca-cert` naming a missing file: OpenSSL then trusts no CA, so every
    // handshake with the server fails; ovs-vsctl logs each and waits until `--timeout`
    // (SIGALRM, 142), creating no file. Ours alike (the lines compared as a set: how many
    // attempts fit depends on the server's back-off).
    let (pa, pb) = (port(), port());
    let spawn = |program: &str, port: u16, boot: &str| {
        Command::new(program)
            .arg(format!("--db=pssl:{port}:127.0.0.1"))
            .args(["-p", &f("client-privkey.pem"), "-c", &f("client-cert.pem")])
            .arg(format!("--bootstrap-ca-cert={}", f(boot)))
            .args(["--timeout=3", "--no-wait", "add-br", "brc"])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn")
    };
    let children = [
        spawn("ovs-vsctl", pa, "boot-a.pem"),
        spawn(ours(), pb, "boot-b.pem"),
    ];
    let server = OvsdbServer::builder(crate::diff::schema_path("vswitch.ovsschema"))
        .arg(format!("--private-key={}", f("server-privkey.pem")))
        .arg(format!("--certificate={}", f("server-cert.pem")))
        .arg(format!("--ca-cert={ca}"))
        .arg(format!("--remote=ssl:127.0.0.1:{pa}"))
        .arg(format!("--remote=ssl:127.0.0.1:{pb}"))
        .start()
        .expect("server");
    let outs: Vec<(Option<i32>, std::collections::BTreeSet<String>)> = children
        .into_iter()
        .map(|c| {
            let o = c.wait_with_output().expect("wait");
            let lines = String::from_utf8_lossy(&o.stderr)
                .lines()
                .map(|l| {
                    // Drop the timestamp and sequence number, the ports, the program name.
                    let l = l.splitn(3, '|').nth(2).unwrap_or(l);
                    let l = l
                        .replace(&pa.to_string(), "PORT")
                        .replace(&pb.to_string(), "PORT");
                    match l.split_once("ssl:127.0.0.1:") {
                        Some((a, b)) => format!("{a}ssl:127.0.0.1:P{}", &b[b.find(':').unwrap_or(0)..]),
                        None => l,
                    }
                })
                .collect();
            (o.status.signal().or(o.status.code()), lines)
        })
        .collect();
    drop(server);
    assert_eq!(outs[0].0, Some(14), "ovs-vsctl dies of SIGALRM: {:?}", outs[0].1);
    assert_eq!(outs[1].0, Some(14), "ours dies of SIGALRM: {:?}", outs[1].1);
    assert!(
        outs[0].1.iter().any(|l| l.contains("certificate verify failed")),
        "{:?}",
        outs[0].1
    );
    assert_eq!(outs[1].1, outs[0].1);
    assert!(!d.join("boot-a.pem").exists() && !d.join("boot-b.pem").exists());
}

/// Concurrent invocations on one bridge (scripts adding their ports in parallel) all land:
/// each reads only the rows its view needs, so another client's new port does not undo it.
#[test]
fn vsctl_parallel_add_ports_all_land() {
    let _w = Watchdog::arm("vsctl_parallel_add_ports_all_land", Duration::from_secs(60));
    let server = OvsdbServer::builder(crate::diff::schema_path("vswitch.ovsschema"))
        .start()
        .expect("server");
    let remote = server.unix_remote();
    assert!(
        run(ours(), &remote, &["--no-wait", "add-br", "br0"])
            .status
            .success()
    );
    let handles: Vec<_> = (0..24)
        .map(|i| {
            let remote = remote.clone();
            std::thread::spawn(move || {
                let p = format!("q{i}");
                let id = format!("external_ids:iface-id={p}");
                run(
                    ours(),
                    &remote,
                    &[
                        "--timeout=20",
                        "--no-wait",
                        "add-port",
                        "br0",
                        &p,
                        "--",
                        "set",
                        "Interface",
                        &p,
                        &id,
                    ],
                )
            })
        })
        .collect();
    for h in handles {
        let out = h.join().expect("join");
        assert!(out.status.success(), "{out:?}");
    }
    let list = run(ours(), &remote, &["list-ports", "br0"]);
    assert_eq!(String::from_utf8_lossy(&list.stdout).lines().count(), 24);
}
