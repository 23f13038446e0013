//! ovs-vsctl's own commands (the lab flow of multichassis.sh) and the chassis setup command.

use ovsdb_ctl::Tool;

use crate::diff::Pair;

#[test]
fn vsctl_lab_flow_matches_ovs_vsctl() {
    let mut p = Pair::new(Tool::Vsctl, "vsctl_lab_flow_matches_ovs_vsctl");
    p.step(&["--no-wait", "init"]);
    p.step(&[
        "--no-wait",
        "--",
        "add-br",
        "br-phy",
        "--",
        "set",
        "Bridge",
        "br-phy",
        "datapath_type=netdev",
        "fail_mode=standalone",
        "other_config:hwaddr=\"02:00:00:00:00:01\"",
        "--",
        "set",
        "Interface",
        "br-phy",
        "mtu_request=9000",
        "--",
        "add-port",
        "br-phy",
        "ul0",
    ]);
    p.step(&[
        "--no-wait",
        "add-br",
        "br-int",
        "--",
        "set",
        "Bridge",
        "br-int",
        "fail_mode=secure",
        "other_config:disable-in-band=true",
    ]);
    p.step(&[
        "--no-wait",
        "set",
        "Open_vSwitch",
        ".",
        "external_ids:system-id=ch1",
        "external_ids:hostname=ch1",
        "external_ids:ovn-remote=tcp:127.0.0.1:6642",
        "external_ids:ovn-encap-type=geneve",
        "external_ids:ovn-encap-ip=192.168.50.11",
        "external_ids:ovn-bridge-datapath-type=netdev",
    ]);
    p.step(&[
        "--no-wait",
        "--",
        "--may-exist",
        "add-port",
        "br-int",
        "vm1",
        "--",
        "set",
        "Interface",
        "vm1",
        "external_ids:iface-id=vm1",
    ]);
    p.step(&["--no-wait", "--may-exist", "add-port", "br-int", "vm1"]);
    p.step(&["list-br"]);
    p.step(&["list-ports", "br-int"]);
    p.step(&["list-ifaces", "br-phy"]);
    p.step(&["port-to-br", "vm1"]);
    p.step(&["iface-to-br", "ul0"]);
    p.step(&["br-exists", "br-int"]);
    p.step(&["br-exists", "nosuch"]);
    p.step(&["--no-wait", "br-set-external-id", "br-int", "k", "v"]);
    p.step(&["br-get-external-id", "br-int", "k"]);
    p.step(&["br-get-external-id", "br-int"]);
    p.step(&[
        "--no-wait",
        "set",
        "Interface",
        "vm1",
        "external_ids:ovn-installed=true",
    ]);
    p.step(&[
        "--if-exists",
        "get",
        "Interface",
        "vm1",
        "external_ids:ovn-installed",
    ]);
    p.step(&["--bare", "--columns=name", "find", "Interface", "type=internal"]);
    p.step(&["--no-wait", "--if-exists", "del-port", "br-int", "vm1"]);
    p.step(&["--no-wait", "--if-exists", "del-port", "br-int", "vm1"]);
    p.step(&["--no-wait", "del-port", "br-int", "vm1"]);
    p.step(&["--no-wait", "add-br", "br-int"]);
    p.step(&["--no-wait", "add-port", "br-phy", "ul0"]);
    p.step(&["--no-wait", "del-br", "br-phy"]);
    p.step(&["list-br"]);
    p.step(&["port-to-br", "nosuch"]);
    p.step(&["list", "Open_vSwitch"]);
}

#[test]
fn chassis_setup_is_idempotent() {
    use std::collections::BTreeMap;
    let server = ovsdb_testkit::OvsdbServer::builder(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/schemas/vswitch.ovsschema"),
    )
    .start()
    .expect("server");
    let db = format!("--db={}", server.unix_remote());
    let run = |args: &[&str]| {
        let mut all = vec![db.clone(), "--no-wait".to_owned()];
        all.extend(args.iter().map(|s| s.to_string()));
        ovsdb_ctl::run(Tool::Vsctl, &all, &BTreeMap::new())
    };
    let setup = [
        "chassis-setup",
        "ch1",
        "host1",
        "tcp:127.0.0.1:6642",
        "geneve",
        "192.168.50.11",
        "br-int",
        "netdev",
    ];
    let first = run(&setup);
    assert_eq!(first.code, 0, "{first:?}");
    assert!(first.stdout.contains("system-id=ch1\n"), "{first:?}");
    assert!(
        first.stdout.contains("ovn-encap-ip=\"192.168.50.11\"\n"),
        "{first:?}"
    );
    let second = run(&setup);
    assert_eq!(second, first);
    let br = run(&["get", "Bridge", "br-int", "fail_mode", "datapath_type"]);
    assert_eq!(br.stdout, "secure\nnetdev\n");
    let count = run(&["--bare", "--columns=name", "list", "Bridge"]);
    assert_eq!(count.stdout, "br-int\n");
    let bad = run(&[
        "chassis-setup",
        "ch1",
        "host1",
        "tcp:127.0.0.1:6642",
        "gre",
        "192.168.50.11",
    ]);
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("gre"), "{bad:?}");
    let changed = run(&[
        "chassis-setup",
        "ch1",
        "host1",
        "tcp:127.0.0.1:6642",
        "vxlan",
        "192.168.50.12",
    ]);
    assert!(changed.stdout.contains("ovn-encap-type=vxlan\n"), "{changed:?}");
    let ids = run(&["get", "Open_vSwitch", ".", "external_ids:ovn-encap-ip"]);
    assert_eq!(ids.stdout, "\"192.168.50.12\"\n");
}

#[test]
fn vsctl_show_matches_ovs_vsctl() {
    let mut p = Pair::new(Tool::Vsctl, "vsctl_show_matches_ovs_vsctl");
    p.step(&["--no-wait", "init"]);
    p.step(&["show"]);
    p.step(&[
        "--no-wait",
        "add-br",
        "br0",
        "--",
        "add-port",
        "br0",
        "p1",
        "--",
        "set",
        "Interface",
        "p1",
        "type=internal",
        "--",
        "add-br",
        "br1",
        "--",
        "set",
        "Bridge",
        "br1",
        "fail_mode=secure",
        "datapath_type=netdev",
        "--",
        "add-port",
        "br1",
        "tun",
        "--",
        "set",
        "Interface",
        "tun",
        "type=geneve",
        "options:remote_ip=1.2.3.4",
        "--",
        "set",
        "Port",
        "tun",
        "tag=10",
    ]);
    p.step(&["--no-wait", "set", "Open_vSwitch", ".", "ovs_version=\"3.1.0\""]);
    p.step(&["show"]);
}
