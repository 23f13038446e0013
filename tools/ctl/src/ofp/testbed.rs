//! Test bed for the OpenFlow code: a real `ovsdb-server` and `ovs-vswitchd` (userspace
//! datapath, in a network namespace of its own) with one bridge `br0`, flows added with the
//! reference `ovs-ofctl`, dumped both by [`super::wire`] and by `ovs-ofctl dump-flows`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ovsdb_testkit::OvsdbServer;

use super::wire::{FlowStats, Vconn};

static SEQ: AtomicUsize = AtomicUsize::new(0);

/// One flow as `ovs-ofctl -O OpenFlow15 --no-stats dump-flows` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RefFlow {
    /// The whole line, leading space removed.
    pub(crate) line: String,
    /// The match as `match_format` prints it (with `priority=N,` unless 32768): what is left
    /// between the `cookie=`/`table=`/timeouts/flags prefix and ` actions=`.
    pub(crate) match_text: String,
    /// What follows `actions=`.
    pub(crate) actions_text: String,
}

/// ovsdb-server + ovs-vswitchd + `br0`; everything stopped on drop.
pub(crate) struct Testbed {
    ns: String,
    dir: PathBuf,
    _server: OvsdbServer,
    remote: String,
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl Testbed {
    /// Starts the daemons and the bridge (OpenFlow 1.0 to 1.5, `tun_metadata0` mapped as
    /// OVN maps it: class 0x102, type 0x80, 4 bytes). Panics (with the daemons' words) when
    /// something does not come up within 20 s.
    pub(crate) fn start() -> Testbed {
        let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/schemas/vswitch.ovsschema");
        let server = OvsdbServer::builder(schema).start().expect("ovsdb-server");
        let remote = server.unix_remote();
        let dir = server.dir().to_path_buf();
        let ns = format!(
            "ofptb-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        run(Command::new("ip").args(["netns", "add", &ns]));
        let tb = Testbed {
            ns,
            dir,
            _server: server,
            remote,
        };
        run(Command::new("ovs-vsctl")
            .arg(format!("--db={}", tb.remote))
            .args([
                "--no-wait",
                "init",
                "--",
                "add-br",
                "br0",
                "--",
                "set",
                "Bridge",
                "br0",
            ])
            .args(["datapath_type=netdev", "fail_mode=secure"])
            .arg("protocols=OpenFlow10,OpenFlow11,OpenFlow12,OpenFlow13,OpenFlow14,OpenFlow15"));
        run(Command::new("ip")
            .args(["netns", "exec", &tb.ns, "ovs-vswitchd", &tb.remote])
            .arg(format!("--pidfile={}", tb.dir.join("vswitchd.pid").display()))
            .arg(format!("--unixctl={}", tb.dir.join("vswitchd.ctl").display()))
            .arg("-vconsole:off")
            .arg(format!("--log-file={}", tb.dir.join("vswitchd.log").display()))
            .args(["--detach", "--no-chdir"])
            .env("OVS_RUNDIR", &tb.dir)
            .env("OVS_LOGDIR", &tb.dir)
            .env("OVS_DBDIR", &tb.dir));
        let t0 = Instant::now();
        while !tb.dir.join("br0.mgmt").exists() {
            assert!(
                t0.elapsed() < Duration::from_secs(20),
                "br0.mgmt never appeared; ovs-vswitchd log:\n{}",
                std::fs::read_to_string(tb.dir.join("vswitchd.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        tb.ofctl(&["add-tlv-map", "{class=0x102,type=0x80,len=4}->tun_metadata0"]);
        tb
    }

    /// `unix:` remote of br0's management socket.
    pub(crate) fn mgmt(&self) -> String {
        format!("unix:{}", self.dir.join("br0.mgmt").display())
    }

    /// Runs `ovs-ofctl -O OpenFlow15 ARGS... br0-remote` style: `args[0]` is the command,
    /// the bridge is inserted after it. Panics on failure; returns stdout.
    pub(crate) fn ofctl(&self, args: &[&str]) -> String {
        let (cmd, rest) = args.split_first().expect("an ovs-ofctl command");
        run(Command::new("ovs-ofctl")
            .args(["-O", "OpenFlow15", "--timeout=10", cmd, &self.mgmt()])
            .args(rest))
    }

    /// Replaces every flow (and group and meter) of br0 by `flows` (ovs-ofctl flow syntax,
    /// one per element), adding `groups` and `meters` first.
    pub(crate) fn set_flows(&self, groups: &[&str], meters: &[&str], flows: &[&str]) {
        self.ofctl(&["del-flows"]);
        self.ofctl(&["del-groups"]);
        let _ = Command::new("ovs-ofctl")
            .args(["-O", "OpenFlow15", "--timeout=10", "del-meters", &self.mgmt()])
            .output();
        let write = |name: &str, lines: &[&str]| {
            let p = self.dir.join(name);
            std::fs::write(&p, lines.join("\n") + "\n").expect("write flows");
            p.display().to_string()
        };
        if !groups.is_empty() {
            self.ofctl(&["add-groups", &write("groups.txt", groups)]);
        }
        for m in meters {
            self.ofctl(&["add-meter", m]);
        }
        self.ofctl(&["add-flows", &write("flows.txt", flows)]);
    }

    /// The flows as [`Vconn::dump_flows`] returns them (every cookie).
    pub(crate) fn dump(&self) -> Vec<FlowStats> {
        let mut v = Vconn::open(
            &self.mgmt(),
            Duration::from_secs(10),
            &Default::default(),
            &mut Vec::new(),
        )
        .expect("OpenFlow 1.5 connection");
        v.dump_flows(0, 0).expect("flow dump")
    }

    /// The flows as `ovs-ofctl -O OpenFlow15 --no-stats dump-flows` prints them.
    pub(crate) fn reference(&self) -> Vec<RefFlow> {
        let out = run(Command::new("ovs-ofctl").args([
            "-O",
            "OpenFlow15",
            "--timeout=10",
            "--no-stats",
            "dump-flows",
            &self.mgmt(),
        ]));
        out.lines()
            .filter(|l| !l.is_empty())
            .map(|l| ref_flow(l.trim_start()))
            .collect()
    }

    /// Our dump and the reference's, flow by flow (both follow the switch's order).
    /// Panics when they hold different numbers of flows.
    pub(crate) fn pairs(&self) -> Vec<(FlowStats, RefFlow)> {
        let ours = self.dump();
        let theirs = self.reference();
        assert_eq!(
            ours.len(),
            theirs.len(),
            "flow count: ours {ours:?}, reference {theirs:?}"
        );
        ours.into_iter().zip(theirs).collect()
    }
}

/// Splits a `--no-stats` dump line into its match and its actions.
fn ref_flow(line: &str) -> RefFlow {
    let (head, actions) = match line.find(" actions=") {
        Some(i) => (&line[..i], &line[i + " actions=".len()..]),
        None => ("", line.strip_prefix("actions=").unwrap_or(line)),
    };
    let mut m = head;
    loop {
        let before = m;
        for p in [
            "cookie=",
            "table=",
            "idle_timeout=",
            "hard_timeout=",
            "importance=",
        ] {
            if m.starts_with(p) {
                m = m.split_once(", ").map_or("", |(_, r)| r);
            }
        }
        for f in [
            "send_flow_rem ",
            "check_overlap ",
            "reset_counts ",
            "no_packet_counts ",
            "no_byte_counts ",
        ] {
            m = m.strip_prefix(f).unwrap_or(m);
        }
        if m == before {
            break;
        }
    }
    RefFlow {
        line: line.to_owned(),
        match_text: m.to_owned(),
        actions_text: actions.to_owned(),
    }
}

impl Drop for Testbed {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(self.dir.join("vswitchd.pid")) {
            let _ = Command::new("kill").arg(pid.trim()).status();
            let t0 = Instant::now();
            while self.dir.join("vswitchd.pid").exists() && t0.elapsed() < Duration::from_secs(5) {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = Command::new("ip").args(["netns", "del", &self.ns]).status();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The wire code reads what ovs-ofctl reads: the same flows, cookies, tables, priorities,
    /// timeouts, in the same order; one request per cookie filter.
    #[test]
    fn dump_matches_ovs_ofctl_flow_for_flow() {
        let tb = Testbed::start();
        tb.set_flows(
            &[],
            &[],
            &[
                "table=0,priority=100,cookie=0x417045ce,in_port=3 actions=resubmit(,8)",
                "table=8,priority=50,cookie=0x417045ce,ip actions=drop",
                "table=8,cookie=0x80651332,idle_timeout=30,hard_timeout=60,importance=7 actions=drop",
                "table=200,priority=0 actions=drop",
            ],
        );
        let pairs = tb.pairs();
        assert_eq!(pairs.len(), 4);
        for (ours, theirs) in &pairs {
            let cookie = if ours.cookie != 0 {
                format!("cookie={:#x}, ", ours.cookie)
            } else {
                String::new()
            };
            assert!(theirs.line.starts_with(&cookie), "{ours:?} vs {theirs:?}");
            assert!(
                ours.table_id == 0 || theirs.line.contains(&format!("table={}, ", ours.table_id)),
                "{ours:?} vs {theirs:?}"
            );
            if ours.priority != 32768 {
                assert!(
                    theirs
                        .match_text
                        .starts_with(&format!("priority={}", ours.priority))
                );
            }
            assert!(ours.duration.is_some() && ours.packet_count == Some(0));
        }
        let by_cookie = {
            let mut v = Vconn::open(
                &tb.mgmt(),
                Duration::from_secs(10),
                &Default::default(),
                &mut Vec::new(),
            )
            .unwrap();
            v.dump_flows(0x417045ce, u64::MAX).unwrap()
        };
        assert_eq!(by_cookie.len(), 2);
        assert!(by_cookie.iter().all(|f| f.cookie == 0x417045ce));
        let t = pairs.iter().find(|(o, _)| o.cookie == 0x80651332).unwrap();
        assert_eq!((t.0.idle_timeout, t.0.hard_timeout, t.0.importance), (30, 60, 7));
        assert!(t.1.match_text.is_empty(), "{:?}", t.1);
        assert_eq!(t.1.actions_text, "drop");
    }

    /// A pipelined batch (more cookies than the window, some without flows, one twice) gives
    /// each cookie what a dump of its own gives.
    #[test]
    fn pipelined_dumps_equal_single_dumps() {
        let tb = Testbed::start();
        let flows: Vec<String> = (0..120u64)
            .map(|i| {
                format!(
                    "table={},priority={},cookie={:#x},reg0={i} actions=drop",
                    i % 5,
                    100 + i % 7,
                    0x1000 + i % 80
                )
            })
            .collect();
        let flows: Vec<&str> = flows.iter().map(String::as_str).collect();
        tb.set_flows(&[], &[], &flows);
        let mut cookies: Vec<u64> = (0..90u64).map(|i| 0x1000 + i).collect();
        cookies.push(0x1003);
        let mut v = Vconn::open(
            &tb.mgmt(),
            Duration::from_secs(10),
            &Default::default(),
            &mut Vec::new(),
        )
        .expect("OpenFlow 1.5 connection");
        let batch = v.dump_flows_many(&cookies, u64::MAX);
        assert_eq!(batch.len(), cookies.len());
        let mut total = 0;
        for (c, got) in cookies.iter().zip(batch) {
            let timeless = |v: Vec<FlowStats>| -> Vec<FlowStats> {
                v.into_iter()
                    .map(|f| FlowStats {
                        duration: None,
                        idle_age: None,
                        ..f
                    })
                    .collect()
            };
            let got = timeless(got.expect("dump"));
            let single = timeless(v.dump_flows(*c, u64::MAX).expect("dump"));
            assert_eq!(got, single, "cookie {c:#x}");
            assert!(got.iter().all(|f| f.cookie == *c));
            if *c >= 0x1000 + 80 {
                assert!(got.is_empty());
            }
            total += got.len();
        }
        assert_eq!(total, 120 + 2, "every flow once, cookie 0x1003's twice");
    }

    /// A socket nobody listens on, or a peer that is no OpenFlow switch, fails with the
    /// reasons ovn-sbctl prints.
    #[test]
    fn open_errors_name_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let missing = format!("unix:{}", dir.path().join("nope.mgmt").display());
        let e = Vconn::open(
            &missing,
            Duration::from_secs(2),
            &Default::default(),
            &mut Vec::new(),
        )
        .err()
        .unwrap();
        assert_eq!(e.to_string(), "No such file or directory");
        let e = Vconn::open(
            "ftp:x",
            Duration::from_secs(2),
            &Default::default(),
            &mut Vec::new(),
        )
        .err()
        .unwrap();
        assert_eq!(e.to_string(), "Address family not supported by protocol");
        // A peer that answers with something other than an OpenFlow hello.
        let path = dir.path().join("fake.sock");
        let l = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let t = std::thread::spawn(move || {
            use std::io::Write;
            let (mut s, _) = l.accept().unwrap();
            s.write_all(&[1, 0, 0, 8, 0, 0, 0, 1]).unwrap(); // an OpenFlow 1.0 hello
            std::thread::sleep(Duration::from_millis(200));
        });
        let e = Vconn::open(
            &format!("unix:{}", path.display()),
            Duration::from_secs(2),
            &Default::default(),
            &mut Vec::new(),
        )
        .err()
        .unwrap();
        assert_eq!(e.to_string(), "Protocol error");
        t.join().unwrap();
    }
}
