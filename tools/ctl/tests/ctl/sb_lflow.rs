//! sbctl-rs's logical flow commands (`lflow-list`, `dump-flows`, `count-flows`) against
//! ovn-sbctl on ONE southbound database that a real ovn-northd filled from a small northbound
//! topology (two switches sharing a load balancer, so some flows live in a `Logical_DP_Group`,
//! and a router). The commands only read, so both tools run on the same server and must print
//! the same thing.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use ovsdb_ctl::Tool;
use ovsdb_testkit::{OvsdbServer, Watchdog};

use crate::diff::{Outcome, normalize, schema_path};
use crate::vs_vswitchd::Detached;

/// ovn-northd between an NB and an SB server, for the setup only.
struct Northd(Child);

impl Northd {
    /// Starts ovn-northd on `nb` and `sb`, its files in `dir`. It runs under `timeout`, so it
    /// cannot outlive a test that dies before stopping it.
    fn start(nb: &OvsdbServer, sb: &OvsdbServer, dir: &Path) -> Northd {
        let child = Command::new("timeout")
            .args(["-s", "KILL", "60", "ovn-northd"])
            .arg(format!("--ovnnb-db={}", nb.unix_remote()))
            .arg(format!("--ovnsb-db={}", sb.unix_remote()))
            .arg(format!("--unixctl={}", dir.join("northd.ctl").display()))
            .arg("-vconsole:off")
            .arg(format!("--log-file={}", dir.join("northd.log").display()))
            .arg("--no-chdir")
            .env("OVN_RUNDIR", dir)
            .env("OVS_RUNDIR", dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start ovn-northd");
        Northd(child)
    }
}

impl Drop for Northd {
    fn drop(&mut self) {
        // SIGTERM to `timeout` is passed on to ovn-northd.
        let _ = Command::new("kill").arg(self.0.id().to_string()).status();
        let _ = self.0.wait();
    }
}

/// Runs a reference tool against `remote`, asserting success; returns stdout.
fn setup(program: &str, remote: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .arg(format!("--db={remote}"))
        .arg("--timeout=20")
        .args(args)
        .output()
        .expect("run the reference tool");
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// One southbound database shared by both tools.
struct Shared {
    sb: OvsdbServer,
    steps: usize,
}

impl Shared {
    /// Runs `args` with ovn-sbctl and sbctl-rs and asserts the same exit code, stdout and
    /// stderr (vlog warnings reduced to their message, the program name dropped); with
    /// `any_order`, stdout is compared as a multiset of lines (sections printed in hash order
    /// by ovn-sbctl).
    fn step(&mut self, args: &[&str], any_order: bool) -> Outcome {
        self.compare(args, any_order, None, false)
    }

    /// As [`Shared::step`], with the OpenFlow flows' `duration=` and `idle_age=` (which
    /// move between the two runs) masked.
    fn step_aged(&mut self, args: &[&str], any_order: bool) -> Outcome {
        self.compare(args, any_order, None, true)
    }

    /// As [`Shared::step`], both tools run as processes with `OVS_RUNDIR` set to `rundir`
    /// (where `--ovs` looks for ovs-vswitchd's `br-int.mgmt` by default).
    fn step_in(&mut self, args: &[&str], rundir: &Path) -> Outcome {
        self.compare(args, false, Some(rundir), false)
    }

    fn compare(&mut self, args: &[&str], any_order: bool, rundir: Option<&Path>, mask_ages: bool) -> Outcome {
        self.steps += 1;
        let remote = self.sb.unix_remote();
        let run = |program: &str| {
            let mut c = Command::new(program);
            c.arg(format!("--db={remote}")).arg("--timeout=20").args(args);
            if let Some(d) = rundir {
                c.env("OVS_RUNDIR", d);
            }
            let out = c.output().expect("run the tool");
            (
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
                out.status.code().unwrap_or(-1),
            )
        };
        let theirs = run("ovn-sbctl");
        let (ours, ours_name) = if rundir.is_some() {
            (run(env!("CARGO_BIN_EXE_sbctl-rs")), "sbctl-rs")
        } else {
            let mut all = vec![format!("--db={remote}"), "--timeout=20".to_owned()];
            all.extend(args.iter().map(|s| s.to_string()));
            let o = ovsdb_ctl::run(Tool::Sbctl, &all, &BTreeMap::new());
            ((o.stdout, o.stderr, o.code), Tool::Sbctl.program())
        };
        let none = BTreeMap::new();
        let mut t = normalize(&theirs, &none, "ovn-sbctl", false, false, None);
        let mut o = normalize(&ours, &none, ours_name, false, false, None);
        if mask_ages {
            for x in [&mut t, &mut o] {
                x.stdout = mask_ages_of(&x.stdout);
            }
        }
        if any_order {
            for x in [&mut t, &mut o] {
                let mut lines: Vec<&str> = x.stdout.lines().collect();
                lines.sort();
                x.stdout = lines.join("\n");
            }
        }
        let ctx = format!("step {} {args:?}", self.steps);
        assert_eq!(
            o.code, t.code,
            "{ctx}: exit code; ours {:?} theirs {:?}",
            o.stderr, t.stderr
        );
        assert_eq!(o.stdout, t.stdout, "{ctx}: stdout");
        assert_eq!(o.stderr, t.stderr, "{ctx}: stderr");
        o
    }
}

/// `text` with the numbers after `duration=` and `idle_age=` replaced by `N`.
fn mask_ages_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = ["duration=", "idle_age="]
        .iter()
        .filter_map(|k| rest.find(k).map(|i| i + k.len()))
        .min()
    {
        out.push_str(&rest[..i]);
        out.push('N');
        rest = rest[i..].trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    }
    out.push_str(rest);
    out
}

#[test]
fn sbctl_lflow_commands_match_ovn_sbctl_on_a_northd_database() {
    let _watchdog = Watchdog::arm(
        "sbctl_lflow_commands_match_ovn_sbctl_on_a_northd_database",
        Duration::from_secs(120),
    );
    let nb = OvsdbServer::builder(schema_path("ovn-nb.ovsschema"))
        .start()
        .expect("start NB server");
    let sb = OvsdbServer::builder(schema_path("ovn-sb.ovsschema"))
        .start()
        .expect("start SB server");
    let nbr = nb.unix_remote();
    {
        let _northd = Northd::start(&nb, &sb, nb.dir());
        let nbctl = |args: &[&str]| setup("ovn-nbctl", &nbr, args);
        nbctl(&["ls-add", "sw0", "--", "ls-add", "sw1", "--", "lr-add", "lr0"]);
        nbctl(&[
            "lsp-add",
            "sw0",
            "p1",
            "--",
            "lsp-set-addresses",
            "p1",
            "00:00:00:00:00:01 10.0.0.1",
            "--",
            "lsp-add",
            "sw0",
            "p2",
            "--",
            "lsp-add",
            "sw1",
            "p3",
        ]);
        nbctl(&[
            "lrp-add",
            "lr0",
            "lrp0",
            "00:00:00:00:ff:01",
            "10.0.0.254/24",
            "--",
            "lsp-add",
            "sw0",
            "sw0-lr0",
            "--",
            "lsp-set-type",
            "sw0-lr0",
            "router",
            "--",
            "lsp-set-addresses",
            "sw0-lr0",
            "router",
            "--",
            "lsp-set-options",
            "sw0-lr0",
            "router-port=lrp0",
        ]);
        nbctl(&["lb-add", "lb0", "10.0.0.10:80", "10.0.0.1:80,10.0.0.2:80"]);
        nbctl(&["ls-lb-add", "sw0", "lb0", "--", "ls-lb-add", "sw1", "lb0"]);
        nbctl(&["--wait=sb", "sync"]);
    }
    let sbr = sb.unix_remote();
    let sbctl = |args: &[&str]| setup("ovn-sbctl", &sbr, args);
    // A datapath known by two names, one with none, and a chassis, for the headings and
    // --vflows.
    let lr0 = sbctl(&[
        "--bare",
        "--columns=_uuid",
        "find",
        "Datapath_Binding",
        "external_ids:name=lr0",
    ]);
    let lr0 = lr0.trim().to_owned();
    sbctl(&["set", "Datapath_Binding", &lr0, "external_ids:name2=router0"]);
    sbctl(&[
        "--id=@dp",
        "create",
        "Datapath_Binding",
        "tunnel_key=99",
        "--",
        "create",
        "Logical_Flow",
        "logical_datapath=@dp",
        "pipeline=egress",
        "table_id=3",
        "priority=5",
        "match=1",
        "actions=\"next;\"",
    ]);
    sbctl(&["chassis-add", "ch1", "geneve", "192.0.2.1"]);
    let flows = sbctl(&[
        "--bare",
        "--columns=_uuid",
        "find",
        "Logical_Flow",
        "logical_dp_group!=[]",
    ]);
    let grouped = flows
        .split_whitespace()
        .next()
        .expect("a flow in a datapath group")
        .to_owned();
    let flows = sbctl(&[
        "--bare",
        "--columns=_uuid",
        "find",
        "Logical_Flow",
        "logical_datapath=[]",
    ]);
    assert!(!flows.trim().is_empty());
    let sw0 = sbctl(&[
        "--bare",
        "--columns=_uuid",
        "find",
        "Datapath_Binding",
        "external_ids:name=sw0",
    ]);
    let sw0 = sw0.trim().to_owned();

    let mut s = Shared { sb, steps: 0 };
    let all = s.step(&["lflow-list"], false);
    assert!(
        all.stdout.contains("Datapath: \"lr0\" aka \"router0\""),
        "{}",
        all.stdout
    );
    assert!(all.stdout.contains("Datapath:  ("), "a datapath without a name");
    assert!(all.stdout.lines().count() > 100, "northd made flows");
    s.step(&["dump-flows"], false);
    s.step(&["--uuid", "lflow-list"], false);
    let one = s.step(&["lflow-list", "sw1"], false);
    assert!(one.stdout.starts_with("Datapath: \"sw1\""), "{}", one.stdout);
    s.step(&["lflow-list", "lr0"], false);
    s.step(&["lflow-list", "router0"], false);
    s.step(&["--uuid", "dump-flows", &sw0], false);
    s.step(&["lflow-list", &sw0[..8]], false);
    // Flows by UUID prefix: with a datapath, without, as an OpenFlow cookie (0x, no leading
    // zeros), several, none.
    let picked = s.step(&["lflow-list", "sw0", &grouped[..8]], false);
    assert!(picked.stdout.lines().count() >= 2, "{}", picked.stdout);
    let picked = s.step(&["--uuid", "lflow-list", &grouped[..6]], false);
    assert!(
        picked.stdout.contains("sw1"),
        "a grouped flow shows on each datapath"
    );
    let cookie = format!("0x{}", grouped[..8].trim_start_matches('0'));
    s.step(&["lflow-list", &cookie], false);
    s.step(&["lflow-list", "sw1", &grouped[..5], &flows[..5]], false);
    s.step(&["lflow-list", "ffffffff-ffff"], false);
    // count-flows.
    let counted = s.step(&["count-flows"], false);
    assert!(
        counted.stdout.contains("Total number of logical flows = "),
        "{}",
        counted.stdout
    );
    s.step(&["count-flows", "sw0"], false);
    s.step(&["count-flows", "router0"], false);
    s.step(&["count-flows", "nosuch"], false);
    // --vflows (rows printed in hash order by ovn-sbctl), --stats, --ovs without ovs-vswitchd.
    s.step(&["--vflows", "lflow-list"], true);
    s.step(&["--uuid", "--vflows", "lflow-list", "sw0"], true);
    s.step(&["--stats", "lflow-list", "sw1"], false);
    let missing = format!("--ovs=unix:{}/br-int.mgmt", s.sb.dir().display());
    s.step(&[&missing, "lflow-list", "sw1"], false);
    s.step(&["--ovs=tcp:127.0.0.1:1", "lflow-list", "sw1"], false);
    let rundir = s.sb.dir().to_owned();
    let warned = s.step_in(&["--ovs", "--uuid", "lflow-list", "sw1"], &rundir);
    assert!(
        warned.stderr.contains("br-int.mgmt: connection failed"),
        "{}",
        warned.stderr
    );
    s.step(&["--ovs=foo", "--stats", "lflow-list", "sw1"], false);
    // Errors: not a datapath nor a UUID, bad options, arity.
    s.step(&["lflow-list", "nosuch"], false);
    s.step(&["lflow-list", "sw0", "0x"], false);
    s.step(&["lflow-list", "."], false);
    s.step(&["--bogus", "lflow-list"], false);
    s.step(&["--", "--uuid=1", "lflow-list"], false);
    s.step(&["--", "--stats=1", "lflow-list"], false);
    s.step(&["--", "--uuid", "count-flows"], false);
    s.step(&["count-flows", "sw0", "sw1"], false);
    // Two datapaths of one name.
    setup(
        "ovn-sbctl",
        &s.sb.unix_remote(),
        &[
            "create",
            "Datapath_Binding",
            "tunnel_key=98",
            "external_ids:name=sw1",
        ],
    );
    s.step(&["lflow-list", "sw1"], false);
    s.step(&["count-flows", "sw1"], false);
}

/// The listing in an invocation that writes: on a database without `SB_Global` (the
/// invocation creates it, so the flows are read into the local view) and after other commands
/// of the same chain, on twin servers. (Rows created by the invocation itself are left out:
/// ovn-sbctl prints the temporary UUIDs its IDL gives them before the commit, ours the real
/// ones.)
#[test]
fn sbctl_lflow_list_in_a_writing_invocation_matches_ovn_sbctl() {
    let mut p = crate::diff::Pair::new(
        Tool::Sbctl,
        "sbctl_lflow_list_in_a_writing_invocation_matches_ovn_sbctl",
    );
    p.step(&["lflow-list"]);
    p.step(&["destroy", "SB_Global", "."]);
    p.step(&["count-flows"]);
    // `.` names the only datapath.
    p.step(&[
        "--id=@s",
        "create",
        "Datapath_Binding",
        "tunnel_key=9",
        "external_ids:name=solo",
        "--",
        "create",
        "Logical_Flow",
        "logical_datapath=@s",
        "pipeline=ingress",
        "table_id=4",
        "priority=1",
        "match=1",
        "actions=next;",
    ]);
    p.step(&["lflow-list", "."]);
    p.step(&["count-flows", "."]);
    p.step(&["ip-multicast-flush", "."]);
    p.step(&[
        "--all",
        "destroy",
        "Logical_Flow",
        "--",
        "destroy",
        "Datapath_Binding",
        "solo",
    ]);
    p.step(&["destroy", "SB_Global", "."]);
    p.step(&[
        "--id=@a",
        "create",
        "Datapath_Binding",
        "tunnel_key=1",
        "external_ids:name=a",
        "--",
        "--id=@b",
        "create",
        "Datapath_Binding",
        "tunnel_key=2",
        "external_ids:name2=b",
        "--",
        "--id=@g",
        "create",
        "Logical_DP_Group",
        "datapaths=[@a,@b]",
        "--",
        "create",
        "Logical_Flow",
        "logical_dp_group=@g",
        "pipeline=ingress",
        "table_id=0",
        "priority=100",
        "match=\"eth.src == 00:00:00:00:00:01\"",
        "actions=drop;",
        "external_ids:stage-name=ls_in_check_port_sec",
        "--",
        "create",
        "Logical_Flow",
        "logical_datapath=@a",
        "pipeline=egress",
        "table_id=2",
        "priority=0",
        "match=1",
        "actions=next;",
        "--",
        "create",
        "Logical_Flow",
        "logical_datapath=@a",
        "pipeline=ingress",
        "table_id=0",
        "priority=100",
        "match=ip4",
        "actions=next;",
        "--",
        "create",
        "Logical_Flow",
        "logical_datapath=@b",
        "pipeline=ingress",
        "table_id=1",
        "priority=50",
        "match=1",
        "actions=next;",
    ]);
    p.step(&["lflow-list"]);
    p.step(&["count-flows"]);
    p.step(&["count-flows", "b"]);
    p.step(&["lflow-list", "a"]);
    p.step(&[
        "chassis-add",
        "ch1",
        "geneve",
        "192.0.2.1",
        "--",
        "lflow-list",
        "b",
        "--",
        "count-flows",
        "a",
    ]);
    p.step(&["destroy", "SB_Global", "."]);
    p.step(&["lflow-list", "b"]);
    p.step(&["--dry-run", "count-flows"]);
}

/// `--ovs`: a real chassis (ovs-vswitchd, userspace datapath, and ovn-controller in a network
/// namespace of the test) programs br-int from a northd-filled SB with switches, a router with
/// a gateway port, ACLs with logging and a meter, a load balancer, NAT, DHCP, QoS and a
/// localnet port; both tools print each logical flow's OpenFlow flows from br-int's management
/// socket: plain, `--uuid` on a datapath, `--stats` (durations and idle ages masked),
/// `--vflows`, and the default socket under `OVS_RUNDIR`.
#[test]
fn sbctl_lflow_list_ovs_prints_ovn_controllers_flows_like_ovn_sbctl() {
    let _watchdog = Watchdog::arm(
        "sbctl_lflow_list_ovs_prints_ovn_controllers_flows_like_ovn_sbctl",
        Duration::from_secs(150),
    );
    let nb = OvsdbServer::builder(schema_path("ovn-nb.ovsschema"))
        .start()
        .expect("start NB server");
    let sb = OvsdbServer::builder(schema_path("ovn-sb.ovsschema"))
        .start()
        .expect("start SB server");
    let vs = OvsdbServer::builder(schema_path("vswitch.ovsschema"))
        .start()
        .expect("start Open_vSwitch server");
    let (nbr, vsr) = (nb.unix_remote(), vs.unix_remote());
    let dir = vs.dir().to_owned();
    let _northd = Northd::start(&nb, &sb, nb.dir());
    let ns = crate::vs_vswitchd::Netns::new();
    setup(
        "ovs-vsctl",
        &vsr,
        &[
            "--no-wait",
            "init",
            "--",
            "set",
            "Open_vSwitch",
            ".",
            "external_ids:system-id=ch1",
            "external_ids:hostname=ch1",
            &format!("external_ids:ovn-remote={}", sb.unix_remote()),
            "external_ids:ovn-encap-type=geneve",
            "external_ids:ovn-encap-ip=192.0.2.1",
            "external_ids:ovn-bridge-datapath-type=netdev",
        ],
    );
    let _vswitchd = Detached::vswitchd(&ns, &vsr, &dir);
    let _controller = Detached::start(&ns, "ovn-controller", &[&vsr], "ovn-controller", &dir);
    let nbctl = |args: &[&str]| setup("ovn-nbctl", &nbr, args);
    nbctl(&[
        "ls-add", "sw0", "--", "ls-add", "sw1", "--", "ls-add", "ext", "--", "lr-add", "lr0",
    ]);
    for (sw, p, addr) in [
        ("sw0", "p1", "00:00:00:00:00:01 10.0.0.1"),
        ("sw0", "p2", "00:00:00:00:00:02 10.0.0.2"),
        ("sw1", "p3", "00:00:00:00:00:03 10.1.0.3"),
        ("sw1", "p4", "00:00:00:00:00:04 10.1.0.4 fd00::4"),
    ] {
        nbctl(&["lsp-add", sw, p, "--", "lsp-set-addresses", p, addr]);
    }
    nbctl(&["lsp-set-port-security", "p1", "00:00:00:00:00:01 10.0.0.1"]);
    for (sw, mac, net) in [
        ("sw0", "00:00:00:00:ff:01", "10.0.0.254/24"),
        ("sw1", "00:00:00:00:ff:02", "10.1.0.254/24"),
        ("ext", "00:00:00:00:ff:03", "172.16.0.1/24"),
    ] {
        let (lrp, lsp) = (format!("lr0-{sw}"), format!("{sw}-lr0"));
        nbctl(&[
            "lrp-add",
            "lr0",
            &lrp,
            mac,
            net,
            "--",
            "lsp-add",
            sw,
            &lsp,
            "--",
            "lsp-set-type",
            &lsp,
            "router",
            "--",
            "lsp-set-addresses",
            &lsp,
            "router",
            "--",
            "lsp-set-options",
            &lsp,
            &format!("router-port={lrp}"),
        ]);
    }
    nbctl(&["lrp-set-gateway-chassis", "lr0-ext", "ch1", "10"]);
    nbctl(&[
        "lsp-add",
        "ext",
        "ln",
        "--",
        "lsp-set-type",
        "ln",
        "localnet",
        "--",
        "lsp-set-addresses",
        "ln",
        "unknown",
        "--",
        "lsp-set-options",
        "ln",
        "network_name=physnet",
    ]);
    nbctl(&["pg-add", "pg1", "p1", "p3"]);
    nbctl(&[
        "acl-add",
        "pg1",
        "from-lport",
        "1001",
        "inport == @pg1 && ip4",
        "allow-related",
    ]);
    nbctl(&["meter-add", "m1", "drop", "10", "pktps"]);
    nbctl(&[
        "--log",
        "--severity=alert",
        "--name=drop1",
        "--meter=m1",
        "acl-add",
        "pg1",
        "to-lport",
        "1002",
        "outport == @pg1 && tcp.dst == 22",
        "drop",
    ]);
    nbctl(&[
        "acl-add",
        "sw0",
        "to-lport",
        "900",
        "ip4.src == 10.0.0.0/24 && udp",
        "allow",
    ]);
    nbctl(&[
        "lb-add",
        "lb1",
        "10.0.0.100:80",
        "10.0.0.1:8080,10.0.0.2:8080",
        "tcp",
        "--",
        "ls-lb-add",
        "sw0",
        "lb1",
        "--",
        "lr-lb-add",
        "lr0",
        "lb1",
    ]);
    nbctl(&["lr-nat-add", "lr0", "dnat_and_snat", "172.16.0.10", "10.0.0.1"]);
    nbctl(&["lr-nat-add", "lr0", "snat", "172.16.0.1", "10.1.0.0/24"]);
    nbctl(&["lr-route-add", "lr0", "0.0.0.0/0", "172.16.0.254"]);
    nbctl(&[
        "lr-policy-add",
        "lr0",
        "100",
        "ip4.src == 10.0.0.2",
        "reroute",
        "10.1.0.3",
    ]);
    let dhcp = nbctl(&[
        "create",
        "DHCP_Options",
        "cidr=10.0.0.0/24",
        "options:lease_time=3600",
        "options:router=10.0.0.254",
        "options:server_id=10.0.0.254",
        "options:server_mac=00\\:00\\:00\\:00\\:ff\\:01",
    ]);
    let dhcp = dhcp.trim();
    nbctl(&["lsp-set-dhcpv4-options", "p1", dhcp]);
    nbctl(&[
        "qos-add",
        "sw0",
        "from-lport",
        "100",
        "ip4",
        "dscp=10",
        "rate=1000",
        "burst=100",
    ]);
    setup(
        "ovs-vsctl",
        &vsr,
        &["--timeout=30", "wait-until", "Bridge", "br-int"],
    );
    for p in ["p1", "p3"] {
        setup(
            "ovs-vsctl",
            &vsr,
            &[
                "--timeout=30",
                "add-port",
                "br-int",
                p,
                "--",
                "set",
                "Interface",
                p,
                "type=internal",
                &format!("external_ids:iface-id={p}"),
            ],
        );
    }
    setup("ovn-nbctl", &nbr, &["--timeout=60", "--wait=hv", "sync"]);

    let mut s = Shared { sb, steps: 0 };
    let ovs = format!("--ovs=unix:{}", dir.join("br-int.mgmt").display());
    let all = s.step(&[&ovs, "lflow-list"], false);
    let openflow = all.stdout.lines().filter(|l| l.starts_with("    table=")).count();
    assert!(
        openflow > 300,
        "ovn-controller's flows are listed: {openflow}\n{}",
        all.stdout
    );
    s.step(&[&ovs, "--uuid", "lflow-list", "sw0"], false);
    s.step(&[&ovs, "dump-flows", "lr0"], false);
    s.step_aged(&[&ovs, "--stats", "lflow-list", "sw1"], false);
    s.step(&[&ovs, "--vflows", "lflow-list", "sw0"], true);
    let rundir = dir.clone();
    let dflt = s.step_in(&["--ovs", "lflow-list", "ext"], &rundir);
    assert!(dflt.stdout.contains("    table="), "{}", dflt.stdout);

    // `--ovs=ssl:`: the bridge also listens for OpenFlow over TLS (an ovs-pki PKI); both tools
    // run inside the chassis' namespace, where that listener is, with `-p`/`-c`/`-C`.
    let lo = Command::new("ip")
        .args(["netns", "exec", &ns.0, "ip", "link", "set", "lo", "up"])
        .status()
        .expect("ip link set lo up");
    assert!(lo.success());
    let pki = crate::tls::pki("ovs");
    let f = |n: &str| pki.0.join(n).display().to_string();
    let ca = f("pki/controllerca/cacert.pem");
    setup(
        "ovs-vsctl",
        &vsr,
        &[
            "--timeout=30",
            "set-ssl",
            &f("server-privkey.pem"),
            &f("server-cert.pem"),
            &ca,
            "--",
            "set-controller",
            "br-int",
            "pssl:16653:127.0.0.1",
        ],
    );
    let sbr = s.sb.unix_remote();
    let in_ns = |program: &str, args: &[&str]| {
        let out = Command::new("ip")
            .args(["netns", "exec", &ns.0, program])
            .arg(format!("--db={sbr}"))
            .args([
                "--timeout=20",
                "-p",
                &f("client-privkey.pem"),
                "-c",
                &f("client-cert.pem"),
            ])
            .args(["-C", &ca])
            .args(args)
            .output()
            .expect("run in the namespace");
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            out.status.code().unwrap_or(-1),
        )
    };
    let args = ["--ovs=ssl:127.0.0.1:16653", "lflow-list", "sw1"];
    let t0 = std::time::Instant::now();
    let theirs = loop {
        let t = in_ns("ovn-sbctl", &args);
        if !t.1.contains("connection failed") || t0.elapsed() > Duration::from_secs(10) {
            break t;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let ours = in_ns(env!("CARGO_BIN_EXE_sbctl-rs"), &args);
    let none = BTreeMap::new();
    let t = normalize(&theirs, &none, "ovn-sbctl", false, false, None);
    let o = normalize(&ours, &none, "sbctl-rs", false, false, None);
    assert!(
        t.stdout.contains("    table="),
        "flows over TLS: {}\n{}",
        t.stderr,
        std::fs::read_to_string(dir.join("vswitchd.log")).unwrap_or_default()
    );
    assert_eq!(
        (o.code, &o.stderr),
        (t.code, &t.stderr),
        "--ovs=ssl: exit code, stderr"
    );
    assert_eq!(o.stdout, t.stdout, "--ovs=ssl: stdout");
}
