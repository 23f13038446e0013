//! ovs-vsctl bridge commands against ovs-vsctl: real and fake VLAN bridges, `--may-exist` /
//! `--if-exists`, a bridge's own port and interface, external ids, and their error paths.

use ovsdb_ctl::Tool;

use crate::diff::Pair;

#[test]
fn vsctl_bridges_match_ovs_vsctl() {
    let mut p = Pair::new(Tool::Vsctl, "vsctl_bridges_match_ovs_vsctl");
    let steps: &[&[&str]] = &[
        // Any invocation makes the Open_vSwitch row.
        &["--no-wait", "list-br"],
        &["--no-wait", "add-br", ""],
        &["--no-wait", "add-br", "br0"],
        &["--no-wait", "add-br", "br0"],
        &["--no-wait", "--may-exist", "add-br", "br0"],
        &["--no-wait", "add-br", "br1", "br0"],
        &["--no-wait", "add-br", "br0.10", "br0", "10"],
        &["--no-wait", "add-br", "br0.11", "br0", "4096"],
        &["--no-wait", "add-br", "br0.11", "br0", "-1"],
        &["--no-wait", "add-br", "br0.12", "br0", "10"],
        &["--no-wait", "add-br", "br0.12", "nosuch", "12"],
        &["--no-wait", "add-br", "br0.12", "br0.10", "12"],
        &["--no-wait", "--may-exist", "add-br", "br0.10", "br0", "10"],
        &["--no-wait", "--may-exist", "add-br", "br0.10"],
        &["--no-wait", "--may-exist", "add-br", "br0", "br0", "10"],
        &["--no-wait", "--may-exist", "add-br", "br0.10", "br0", "11"],
        &["--no-wait", "add-br", "br1", "--", "add-br", "br1.5", "br1", "5"],
        &["--no-wait", "--may-exist", "add-br", "br0.10", "br1", "10"],
        &["--no-wait", "add-br", "br0.10"],
        &["list-br"],
        &["list-br", "--real"],
        &["--real", "list-br"],
        &["--fake", "list-br"],
        &["--", "--fake", "list-br", "--", "--real", "list-br"],
        &["br-exists", "br0"],
        &["br-exists", "br0.10"],
        &["br-exists", "nosuch"],
        &["--no-wait", "add-br", "br9", "--", "br-exists", "nosuch"],
        &["list-br"],
        &["br-to-vlan", "br0"],
        &["br-to-vlan", "br0.10"],
        &["br-to-vlan", "nosuch"],
        &["br-to-parent", "br0.10"],
        &["br-to-parent", "br1"],
        &["br-to-parent", "nosuch"],
        &["list-ports", "br0"],
        &["list-ifaces", "br0"],
        &["list-ports", "br0.10"],
        // A bridge's own port and interface.
        &["port-to-br", "br0"],
        &["iface-to-br", "br0"],
        &["port-to-br", "br0.10"],
        &["--no-wait", "add-port", "br0", "br0"],
        &["--no-wait", "add-port", "br0", "br1"],
        &["--no-wait", "del-port", "br0"],
        &["--no-wait", "--if-exists", "del-port", "br0"],
        // External ids, of real and fake bridges.
        &["--no-wait", "br-set-external-id", "br0", "k", "v"],
        &["--no-wait", "br-set-external-id", "br0", "a", "b c"],
        &["--no-wait", "br-set-external-id", "br0", "k", "w"],
        &["br-get-external-id", "br0"],
        &["br-get-external-id", "br0", "k"],
        &["br-get-external-id", "br0", "none"],
        &["--no-wait", "br-set-external-id", "br0", "k"],
        &["--no-wait", "br-set-external-id", "br0", "none"],
        &["br-get-external-id", "br0"],
        &["--no-wait", "br-set-external-id", "br0.10", "fk", "fv"],
        &["br-get-external-id", "br0.10"],
        &["br-get-external-id", "br0.10", "fk"],
        &["br-get-external-id", "nosuch"],
        &["--no-wait", "br-set-external-id", "nosuch", "k", "v"],
        &["--no-wait", "br-set-external-id", "br0"],
        &["--no-wait", "br-set-external-id", "br0", "k", "v", "x"],
        // Deleting: fake bridges, then a parent with its fake bridges and ports.
        &[
            "--no-wait",
            "add-port",
            "br0.10",
            "vp1",
            "--",
            "add-port",
            "br0",
            "p0",
        ],
        &["list-ports", "br0.10"],
        &["--no-wait", "del-br", "br0.10"],
        &["list-ports", "br0"],
        &[
            "--no-wait",
            "add-br",
            "br0.20",
            "br0",
            "20",
            "--",
            "add-port",
            "br0.20",
            "vp2",
        ],
        &["--no-wait", "del-br", "br0"],
        &["list-br"],
        &["--no-wait", "del-br", "br0"],
        &["--no-wait", "--if-exists", "del-br", "br0"],
        &["--no-wait", "del-br"],
        &["--no-wait", "del-br", "--if-exists", "x"],
        &["--no-wait", "--may-exist", "del-br", "x"],
        &["list-br", "x"],
        &["show"],
    ];
    for s in steps {
        p.step(s);
    }
}
