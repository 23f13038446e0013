//! ovs-vsctl port, bond and interface commands against ovs-vsctl, with their error paths.

use ovsdb_ctl::Tool;

use crate::diff::Pair;

#[test]
fn vsctl_ports_match_ovs_vsctl() {
    let mut p = Pair::new(Tool::Vsctl, "vsctl_ports_match_ovs_vsctl");
    let steps: &[&[&str]] = &[
        &["--no-wait", "add-br", "br0", "--", "add-br", "br1", "--", "add-br", "br0.7", "br0", "7"],
        &["--no-wait", "add-port", "br0", "p1"],
        &["--no-wait", "add-port", "br0", ""],
        &["--no-wait", "add-port", "nosuch", "p2"],
        &["--no-wait", "add-port", "br0", "p1"],
        &["--no-wait", "add-port", "br1", "p1"],
        &["--no-wait", "--may-exist", "add-port", "br0", "p1"],
        &["--no-wait", "--may-exist", "add-port", "br1", "p1"],
        &["--no-wait", "add-port", "br0", "p2", "tag=5", "other_config:k=v"],
        &["--no-wait", "add-port", "br0", "p3", "nosuchcol=1"],
        &["--no-wait", "add-port", "br0", "p3", "tag=x"],
        &["--no-wait", "add-port", "br0.7", "vp"],
        &["list-ports", "br0"],
        &["list-ports", "br0.7"],
        &["list-ports", "nosuch"],
        &["port-to-br", "vp"],
        &["port-to-br", "p1"],
        &["port-to-br", "nosuch"],
        &["iface-to-br", "vp"],
        &["iface-to-br", "nosuch"],
        // Bonds.
        &["--no-wait", "add-bond", "br0", "bond0", "e1", "e2", "lacp=active"],
        &["--no-wait", "add-bond", "br0", "bond1", "e3", "lacp=active"],
        &["--no-wait", "add-bond", "br0", "bond1", "e1", "e4"],
        &["--no-wait", "add-bond", "br0", "bond1", "e3", ""],
        &["--no-wait", "--fake-iface", "add-bond", "br1", "bond1", "e5", "e6"],
        &["--no-wait", "--may-exist", "add-bond", "br0", "bond0", "e1", "e2"],
        &["--no-wait", "--may-exist", "add-bond", "br0", "bond0", "e2", "e1"],
        &["--no-wait", "--may-exist", "add-bond", "br0", "bond0", "e1", "e9"],
        &["--no-wait", "--may-exist", "add-bond", "br1", "bond0", "e1", "e2"],
        &["--no-wait", "add-bond", "br0", "bond2", "e7"],
        &["list-ifaces", "br0"],
        &["list-ifaces", "br1"],
        &["list-ifaces", "br0.7"],
        &["iface-to-br", "e5"],
        &["--no-wait", "add-bond-iface", "bond0", "e8"],
        &["--no-wait", "add-bond-iface", "bond0", "e8"],
        &["--no-wait", "--may-exist", "add-bond-iface", "bond0", "e8"],
        &["--no-wait", "--may-exist", "add-bond-iface", "bond1", "e8"],
        &["--no-wait", "add-bond-iface", "nosuch", "e10"],
        &["--no-wait", "add-bond-iface", "bond0", "p1"],
        &["--no-wait", "del-bond-iface", "e8"],
        &["--no-wait", "del-bond-iface", "e8"],
        &["--no-wait", "--if-exists", "del-bond-iface", "e8"],
        &["--no-wait", "del-bond-iface", "bond1", "e1"],
        &["--no-wait", "del-bond-iface", "nosuch", "e1"],
        &["--no-wait", "del-bond-iface", "bond0", "e1"],
        &["--no-wait", "del-bond-iface", "bond0", "e2"],
        &["--no-wait", "del-bond-iface", "p1"],
        &["--no-wait", "del-bond-iface", "br0"],
        &["list-ifaces", "br0"],
        // del-port and its options.
        &["--no-wait", "del-port", "nosuch"],
        &["--no-wait", "--if-exists", "del-port", "nosuch"],
        &["--no-wait", "del-port", "br1", "p1"],
        &["--no-wait", "del-port", "br0", "vp"],
        &["--no-wait", "del-port", "nosuch", "p1"],
        &["--no-wait", "del-port", "e5"],
        &["--no-wait", "--with-iface", "del-port", "e5"],
        &["--no-wait", "--with-iface", "del-port", "nosuch"],
        &["--no-wait", "--with-iface", "--if-exists", "del-port", "nosuch"],
        &["--no-wait", "del-port", "br0", "p1"],
        &["--no-wait", "del-port", "br0.7", "vp"],
        &["--no-wait", "del-port", "br0.7"],
        &["--no-wait", "del-port", "br0", "br0"],
        &["list-ports", "br0"],
        &["--no-wait", "del-port"],
        &["--no-wait", "del-port", "a", "b", "c"],
        &["--no-wait", "--if-exists", "add-port", "br0", "x"],
        // A port whose name is taken by an interface of another port.
        &["--no-wait", "add-port", "br0", "e2"],
        &["--no-wait", "add-port", "br1", "e6"],
        &["--no-wait", "add-port", "br1", "q", "--", "add-port", "br1", "q"],
        &["show"],
    ];
    for s in steps {
        p.step(s);
    }
}
