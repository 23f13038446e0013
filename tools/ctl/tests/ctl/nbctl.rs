//! ovn-nbctl's own commands: the lab flow of multichassis.sh and error cases.

use ovsdb_ctl::Tool;

use crate::diff::Pair;

#[test]
fn nbctl_lab_flow_matches_ovn_nbctl() {
    nbctl_lab_flow_matches_ovn_nbctl_steps(Pair::new(Tool::Nbctl, "nbctl_lab_flow_matches_ovn_nbctl"));
}

/// The same steps with our side in daemon mode (`--detach`, then every step through the
/// daemon's socket).
#[test]
fn nbctl_lab_flow_matches_ovn_nbctl_in_daemon_mode() {
    nbctl_lab_flow_matches_ovn_nbctl_steps(Pair::with_daemon(
        Tool::Nbctl,
        "nbctl_lab_flow_matches_ovn_nbctl_in_daemon_mode",
    ));
}

fn nbctl_lab_flow_matches_ovn_nbctl_steps(mut p: Pair) {
    p.step(&["--no-wait", "init"]);
    p.step(&[
        "--",
        "ls-add",
        "ls1",
        "--",
        "lr-add",
        "lr1",
        "--",
        "lrp-add",
        "lr1",
        "lr1-ls1",
        "00:00:00:00:ff:01",
        "10.0.1.1/24",
        "--",
        "lsp-add",
        "ls1",
        "ls1-lr1",
        "--",
        "lsp-set-type",
        "ls1-lr1",
        "router",
        "--",
        "lsp-set-addresses",
        "ls1-lr1",
        "router",
        "--",
        "lsp-set-options",
        "ls1-lr1",
        "router-port=lr1-ls1",
        "--",
        "lsp-add",
        "ls1",
        "vm1",
        "--",
        "lsp-set-addresses",
        "vm1",
        "00:00:00:00:01:01 10.0.1.11",
        "--",
        "lsp-set-port-security",
        "vm1",
        "00:00:00:00:01:01 10.0.1.11",
    ]);
    p.step(&[
        "ls-add",
        "ls2",
        "--",
        "lsp-add",
        "ls2",
        "vm2",
        "--",
        "lsp-set-addresses",
        "vm2",
        "00:00:00:00:02:01 10.0.2.11",
        "unknown",
    ]);
    p.step(&["ls-list"]);
    p.step(&["lr-list"]);
    p.step(&["lsp-list", "ls1"]);
    p.step(&["lrp-list", "lr1"]);
    p.step(&["show"]);
    p.step(&["show", "ls1"]);
    p.step(&["show", "lr1"]);
    p.step(&["get", "Logical_Switch_Port", "vm1", "up"]);
    p.step(&["lsp-get-up", "vm1"]);
    p.step(&["lsp-get-addresses", "vm2"]);
    p.step(&["lsp-get-port-security", "vm1"]);
    p.step(&["lsp-get-type", "ls1-lr1"]);
    p.step(&["lsp-get-options", "ls1-lr1"]);
    p.step(&[
        "lsp-set-enabled",
        "vm1",
        "disabled",
        "--",
        "lsp-get-enabled",
        "vm1",
    ]);
    p.step(&["lsp-add", "ls1", "child", "vm1", "42"]);
    p.step(&["--may-exist", "lsp-add", "ls1", "vm1"]);
    p.step(&["--may-exist", "ls-add", "ls1"]);
    p.step(&["--may-exist", "lr-add", "lr1"]);
    p.step(&[
        "--may-exist",
        "lrp-add",
        "lr1",
        "lr1-ls1",
        "00:00:00:00:ff:01",
        "10.0.1.1/24",
    ]);
    p.step(&["lsp-del", "child"]);
    p.step(&["--if-exists", "lsp-del", "child"]);
    p.step(&[
        "lrp-add",
        "lr1",
        "lr1-ls2",
        "00:00:00:00:ff:02",
        "10.0.2.1/24",
        "fe80::1/64",
    ]);
    p.step(&["lrp-del", "lr1-ls2"]);
    p.step(&["ls-del", "ls2"]);
    p.step(&["lr-add", "lr2", "--", "lr-del", "lr2"]);
    p.step(&["show"]);
}

#[test]
fn nbctl_errors_match_ovn_nbctl() {
    nbctl_errors_match_ovn_nbctl_steps(Pair::new(Tool::Nbctl, "nbctl_errors_match_ovn_nbctl"));
}

/// The same steps with our side in daemon mode (`--detach`, then every step through the
/// daemon's socket).
#[test]
fn nbctl_errors_match_ovn_nbctl_in_daemon_mode() {
    nbctl_errors_match_ovn_nbctl_steps(Pair::with_daemon(
        Tool::Nbctl,
        "nbctl_errors_match_ovn_nbctl_in_daemon_mode",
    ));
}

fn nbctl_errors_match_ovn_nbctl_steps(mut p: Pair) {
    p.step(&["--no-wait", "init"]);
    p.step(&[
        "ls-add", "sw0", "--", "lsp-add", "sw0", "p1", "--", "lr-add", "r0",
    ]);
    for args in [
        &["ls-del", "nosuch"][..],
        &["lsp-add", "nosuch", "p"],
        &["lsp-add", "sw0", "p1"],
        &["lsp-del", "zz"],
        &["lsp-set-type", "p1", "foo"],
        &["lsp-set-addresses", "p1", "foo"],
        &["lr-add", "r0"],
        &["lrp-add", "r0", "rpx", "zz", "10.0.0.1/24"],
        &["lsp-add", "sw0", "p3", "parent", "5000"],
        &["lsp-add", "sw0", "p3", "parent"],
        &["lsp-set-enabled", "p1", "maybe"],
        &["ls-add", "sw0"],
        &["show", "nosuch"],
        &["lsp-get-addresses", "nosuch"],
        &["ls-add", "sw1", "--", "lsp-add", "sw1", "p1"],
        &["--dry-run", "lsp-add", "sw0", "p1"],
        &["--dry-run", "--may-exist", "lsp-add", "sw0", "p1"],
        &["lsp-add", "sw0", "p4", "--", "lsp-add", "sw0", "p4"],
        &["lsp-add", "sw0", "p5", "--", "lsp-add", "sw0", "p1"],
        &["lrp-add", "r0", "rp1", "00:00:00:00:00:01", "10.0.0.1/24"],
        &["lrp-add", "r0", "rp1", "00:00:00:00:00:01", "10.0.0.1/24"],
        // One-command forms that skip reads (a port set by unique name, a switch read by
        // uuid only) must fail as the reads would have.
        &["lsp-set-port-security", "nosuch", "00:00:00:00:00:01"],
        &["lsp-set-port-security", "p1", "00:00:00:00:00:01 10.0.0.1"],
        &["lsp-add", "sw0", "p1"],
        &["create", "Logical_Switch", "name=twin"],
        &["create", "Logical_Switch", "name=twin"],
        &["lsp-add", "twin", "p6"],
        &["lr-del", "r0", "--", "create", "Logical_Router", "name=r0"],
        &["create", "Logical_Router", "name=r0"],
        &["lr-del", "r0"],
    ] {
        p.step(args);
    }
}

#[test]
fn nbctl_acl_and_nat_match_ovn_nbctl() {
    let mut p = Pair::new(Tool::Nbctl, "nbctl_acl_and_nat_match_ovn_nbctl");
    p.step(&["--no-wait", "init"]);
    p.step(&[
        "ls-add", "sw0", "--", "lr-add", "r0", "--", "lsp-add", "sw0", "p1",
    ]);
    p.step(&[
        "acl-add",
        "sw0",
        "from-lport",
        "1002",
        "ip4 && udp",
        "allow-related",
    ]);
    p.step(&["acl-add", "sw0", "to-lport", "100", "ip4", "drop"]);
    p.step(&[
        "--log",
        "--name=foo",
        "--severity=info",
        "acl-add",
        "sw0",
        "to-lport",
        "200",
        "tcp",
        "reject",
    ]);
    p.step(&["--log", "acl-add", "sw0", "to-lport", "7", "ip", "drop"]);
    p.step(&["acl-add", "sw0", "to-lport", "200", "tcp", "reject"]);
    p.step(&[
        "--may-exist",
        "acl-add",
        "sw0",
        "to-lport",
        "200",
        "tcp",
        "reject",
    ]);
    p.step(&["acl-list", "sw0"]);
    p.step(&["acl-add", "sw0", "sideways", "1", "ip", "drop"]);
    p.step(&["acl-add", "sw0", "to-lport", "40000", "ip", "drop"]);
    p.step(&["acl-add", "sw0", "to-lport", "1", "ip", "bogus"]);
    p.step(&["acl-add", "nosuch", "to-lport", "1", "ip", "drop"]);
    p.step(&["acl-del", "sw0", "to-lport", "100", "ip4"]);
    p.step(&["acl-del", "sw0", "from-lport", "1002"]);
    p.step(&["acl-list", "sw0"]);
    p.step(&["acl-del", "sw0", "to-lport"]);
    p.step(&["acl-list", "sw0"]);
    p.step(&[
        "acl-add",
        "sw0",
        "from-lport",
        "5",
        "ip",
        "drop",
        "--",
        "acl-add",
        "sw0",
        "from-lport",
        "5",
        "ip",
        "drop",
    ]);
    p.step(&["acl-list", "sw0"]);
    p.step(&["acl-del", "sw0"]);
    p.step(&["acl-list", "sw0"]);
    p.step(&["lr-nat-add", "r0", "snat", "172.16.0.1", "10.0.0.0/24"]);
    p.step(&["lr-nat-add", "r0", "dnat_and_snat", "172.16.0.2", "10.0.0.5"]);
    p.step(&["lr-nat-add", "r0", "dnat", "172.16.0.3", "10.0.0.6"]);
    p.step(&[
        "lr-nat-add",
        "r0",
        "dnat_and_snat",
        "172.16.0.4",
        "10.0.0.7",
        "p1",
        "00:00:00:00:00:07",
    ]);
    p.step(&["lr-nat-add", "r0", "snat", "172.16.0.9", "10.0.0.5"]);
    p.step(&["lr-nat-list", "r0"]);
    p.step(&["show", "r0"]);
    p.step(&["lr-nat-add", "r0", "snat", "172.16.0.1", "10.0.0.0/24"]);
    p.step(&[
        "--may-exist",
        "lr-nat-add",
        "r0",
        "snat",
        "172.16.0.1",
        "10.0.0.0/24",
    ]);
    p.step(&["lr-nat-add", "r0", "bogus", "1.1.1.1", "2.2.2.2"]);
    p.step(&["lr-nat-add", "r0", "dnat", "172.16.0.9", "10.0.0.0/24"]);
    p.step(&[
        "lr-nat-add",
        "r0",
        "snat",
        "172.16.0.1",
        "10.0.0.0/24",
        "p1",
        "00:00:00:00:00:07",
    ]);
    p.step(&[
        "lr-nat-add",
        "r0",
        "dnat_and_snat",
        "172.16.0.1",
        "10.0.0.1",
        "p1",
    ]);
    p.step(&[
        "lr-nat-add",
        "r0",
        "dnat_and_snat",
        "172.16.0.1",
        "10.0.0.1",
        "p1",
        "zz",
    ]);
    p.step(&["lr-nat-del", "r0", "snat", "10.0.0.0/24"]);
    p.step(&["lr-nat-del", "r0", "snat", "10.0.0.0/24"]);
    p.step(&["lr-nat-del", "r0", "dnat", "172.16.0.3"]);
    p.step(&["lr-nat-list", "r0"]);
    p.step(&["lr-nat-del", "r0", "dnat_and_snat"]);
    p.step(&["lr-nat-list", "r0"]);
    p.step(&["lr-nat-del", "r0"]);
    p.step(&["lr-nat-list", "r0"]);
}

#[test]
fn nbctl_routes_match_ovn_nbctl() {
    let mut p = Pair::new(Tool::Nbctl, "nbctl_routes_match_ovn_nbctl");
    p.step(&["--no-wait", "init"]);
    p.step(&[
        "lr-add",
        "r0",
        "--",
        "lrp-add",
        "r0",
        "rp0",
        "00:00:00:00:01:01",
        "10.0.0.254/24",
    ]);
    p.step(&["lr-route-add", "r0", "0.0.0.0/0", "10.0.0.1"]);
    p.step(&["lr-route-add", "r0", "10.1.0.0/16", "10.0.0.2", "rp0"]);
    p.step(&["--policy=src-ip", "lr-route-add", "r0", "10.2.0.0/24", "10.0.0.3"]);
    p.step(&["lr-route-add", "r0", "10.1.0.0/16", "10.0.0.9"]);
    p.step(&["--ecmp", "lr-route-add", "r0", "10.1.0.0/16", "10.0.0.9"]);
    p.step(&["lr-route-add", "r0", "fd00::/64", "fd00::1"]);
    p.step(&["lr-route-add", "r0", "10.3.0.7/24", "10.0.0.4"]);
    p.step(&["lr-route-add", "r0", "192.168.7.7", "10.0.0.5"]);
    p.step(&["lr-route-list", "r0"]);
    p.step(&["lr-route-add", "r0", "10.1.0.1/16", "10.0.0.2"]);
    p.step(&["lr-route-add", "r0", "bad", "10.0.0.2"]);
    p.step(&["lr-route-add", "r0", "10.5.0.0/16", "bad"]);
    p.step(&["--may-exist", "lr-route-add", "r0", "0.0.0.0/0", "10.0.0.99"]);
    p.step(&["lr-route-del", "r0", "10.1.0.0/16", "10.0.0.9"]);
    p.step(&["lr-route-list", "r0"]);
    p.step(&["lr-route-del", "r0", "9.9.9.0/24"]);
    p.step(&["--if-exists", "lr-route-del", "r0", "9.9.9.0/24"]);
    p.step(&["lr-route-del", "r0", "10.3.0.0/24"]);
    p.step(&["lr-route-del", "r0"]);
    p.step(&["lr-route-list", "r0"]);
    p.step(&["lr-route-add", "r0", "fd00::/64", "fd00::1"]);
    p.step(&["lr-route-list", "r0"]);
}

#[test]
fn nbctl_addresses_match_ovn_nbctl() {
    nbctl_addresses_match_ovn_nbctl_steps(Pair::new(Tool::Nbctl, "nbctl_addresses_match_ovn_nbctl"));
}

/// The same steps with our side in daemon mode (`--detach`, then every step through the
/// daemon's socket).
#[test]
fn nbctl_addresses_match_ovn_nbctl_in_daemon_mode() {
    nbctl_addresses_match_ovn_nbctl_steps(Pair::with_daemon(
        Tool::Nbctl,
        "nbctl_addresses_match_ovn_nbctl_in_daemon_mode",
    ));
}

fn nbctl_addresses_match_ovn_nbctl_steps(mut p: Pair) {
    p.step(&["--no-wait", "init"]);
    p.step(&[
        "ls-add", "sw0", "--", "lsp-add", "sw0", "p1", "--", "lsp-add", "sw0", "p2", "--", "lsp-add", "sw0",
        "p3", "--", "ls-add", "sw1", "--", "lsp-add", "sw1", "q1",
    ]);
    p.step(&["lsp-set-addresses", "p1", "00:00:00:00:00:01 10.0.0.1 fd00::1"]);
    // The same IPv4 or IPv6 address on another port of the switch is refused...
    p.step(&["lsp-set-addresses", "p2", "00:00:00:00:00:02 10.0.0.1"]);
    p.step(&["lsp-set-addresses", "p2", "00:00:00:00:00:02 10.0.0.1/24"]);
    p.step(&["lsp-set-addresses", "p2", "00:00:00:00:00:02 10.0.0.2 fd00::1"]);
    p.step(&[
        "lsp-set-addresses",
        "p2",
        "00:00:00:00:00:02 10.0.0.2",
        "00:00:00:00:00:03 10.0.0.1",
    ]);
    // ...but not on the port itself, on another switch, or after an unparsable word.
    p.step(&["lsp-set-addresses", "p1", "00:00:00:00:00:01 10.0.0.1"]);
    p.step(&["lsp-set-addresses", "q1", "00:00:00:00:00:01 10.0.0.1"]);
    p.step(&["lsp-set-addresses", "p2", "00:00:00:00:00:02 zz 10.0.0.1"]);
    // A duplicate created and detected within one invocation.
    p.step(&[
        "lsp-set-addresses",
        "p3",
        "00:00:00:00:00:03 10.0.0.3",
        "--",
        "lsp-set-addresses",
        "p2",
        "00:00:00:00:00:04 10.0.0.3",
    ]);
    // Freed by a change or a deletion in the same invocation.
    p.step(&[
        "lsp-set-addresses",
        "p3",
        "00:00:00:00:00:03 10.0.0.30",
        "--",
        "lsp-set-addresses",
        "p2",
        "00:00:00:00:00:04 10.0.0.3",
    ]);
    p.step(&[
        "lsp-del",
        "p3",
        "--",
        "lsp-set-addresses",
        "p2",
        "00:00:00:00:00:04 10.0.0.30",
    ]);
    // As in ovn-nbctl (whose IDL shows set edits after the commit only), ports added by the
    // invocation are not checked against, ports it deleted still are.
    p.step(&[
        "lsp-add",
        "sw0",
        "n1",
        "--",
        "lsp-set-addresses",
        "n1",
        "00:00:00:00:00:10 10.0.0.50",
        "--",
        "lsp-add",
        "sw0",
        "n2",
        "--",
        "lsp-set-addresses",
        "n2",
        "00:00:00:00:00:11 10.0.0.50",
    ]);
    p.step(&["lsp-set-addresses", "n2", "00:00:00:00:00:11 10.0.0.50"]);
    p.step(&[
        "lsp-del",
        "n1",
        "--",
        "lsp-set-addresses",
        "n2",
        "00:00:00:00:00:11 10.0.0.50",
    ]);
    // A switch with more ports than one read of selects covers (they come by monitor_cond).
    let mut chain: Vec<String> = vec!["ls-add".into(), "big".into()];
    for i in 0..40 {
        chain.extend(["--", "lsp-add", "big"].map(String::from));
        chain.push(format!("b{i}"));
        chain.extend(["--", "lsp-set-addresses"].map(String::from));
        chain.push(format!("b{i}"));
        chain.push(format!("00:00:00:00:01:{i:02x} 10.1.0.{i}"));
    }
    let chain: Vec<&str> = chain.iter().map(String::as_str).collect();
    p.step(&chain);
    p.step(&["lsp-set-addresses", "b3", "00:00:00:00:01:99 10.1.0.39"]);
    p.step(&["lsp-set-addresses", "b3", "00:00:00:00:01:99 10.1.0.3 10.1.0.77"]);
    p.step(&[
        "lsp-add",
        "big",
        "b40",
        "--",
        "lsp-set-addresses",
        "b40",
        "dynamic 10.1.0.7",
    ]);
    p.step(&["lsp-set-addresses", "b40", "00:00:00:00:01:40 10.1.0.7"]);
    // The special and dynamic forms, as ovn-nbctl's scanner accepts them.
    for addr in [
        "dynamic",
        "unknown",
        "router",
        "dynamic 10.0.0.9",
        "dynamic fd00::9",
        "dynamic 10.0.0.9 fd00::9",
        "00:00:00:00:00:05 dynamic",
        "dynamicfoo",
        "dynamic zz",
        "unknown x",
        "0a:0:0:0:0:1 10.0.0.77",
        "0a:00:00:00:00",
        "0a:00:00:00:00:01zz",
    ] {
        p.step(&["lsp-set-addresses", "p2", addr]);
    }
    p.step(&["lsp-set-addresses", "p2", "router", "00:00:00:00:00:02 10.0.0.2"]);
    p.step(&["lsp-get-addresses", "p2"]);
    p.step(&["lsp-set-addresses", "p2"]);
    p.step(&["lsp-set-addresses", "nosuch", "dynamic"]);
    // show: aliases from the neutron external-ids, addresses other than a lone "router",
    // router-port whatever the type.
    p.step(&[
        "set",
        "Logical_Switch",
        "sw0",
        "external_ids:neutron\\:network_name=netA",
        "--",
        "set",
        "Logical_Switch_Port",
        "p1",
        "external_ids:neutron\\:port_name=portA",
        "options:router-port=rp",
        "--",
        "lr-add",
        "r0",
        "--",
        "set",
        "Logical_Router",
        "r0",
        "external_ids:neutron\\:router_name=routerA",
    ]);
    p.step(&["lsp-set-addresses", "q1", "router"]);
    p.step(&["show"]);
    p.step(&["show", "sw0"]);
    p.step(&["show", "r0"]);
    p.step(&["lsp-add", "sw1", "q2", "--", "show", "sw1"]);
    // (ovn-nbctl shows a new switch with a uuid that is not the one it gets: not compared.)
    p.step(&["ls-add", "sw2", "--", "lsp-add", "sw2", "z1", "--", "show", "sw1"]);
    p.step(&[
        "ls-add",
        "sw3",
        "--",
        "lsp-add",
        "sw3",
        "y1",
        "--",
        "lsp-set-addresses",
        "y1",
        "00:00:00:00:00:01 10.0.0.1",
        "--",
        "lsp-add",
        "sw3",
        "y2",
        "--",
        "lsp-set-addresses",
        "y2",
        "00:00:00:00:00:02 10.0.0.1",
    ]);
    p.step(&["lsp-set-addresses", "y2", "00:00:00:00:00:02 10.0.0.1"]);
    p.step(&["show", "sw2"]);
}
