//! ovs-vsctl command lines as scripts and how-tos write them (QoS, mirrors, tunnels, OpenFlow
//! versions, bond settings, patch ports), against ovs-vsctl.

use ovsdb_ctl::Tool;

use crate::diff::Pair;

#[test]
fn vsctl_script_idioms_match_ovs_vsctl() {
    let mut p = Pair::new(Tool::Vsctl, "vsctl_script_idioms_match_ovs_vsctl");
    let steps: &[&[&str]] = &[
        &["--no-wait", "--may-exist", "add-br", "br-int", "--", "set", "Bridge", "br-int", "fail-mode=secure"],
        &["--no-wait", "set", "bridge", "br-int", "protocols=OpenFlow10,OpenFlow13"],
        &["--no-wait", "set", "Bridge", "br-int", "other-config:disable-in-band=true"],
        &["get", "bridge", "br-int", "protocols", "fail_mode"],
        &["--no-wait", "add-port", "br-int", "vx0", "--", "set", "interface", "vx0", "type=vxlan", "options:remote_ip=flow", "options:key=flow"],
        &["--no-wait", "add-port", "br-int", "gnv0", "--", "set", "Interface", "gnv0", "type=geneve", "options:remote_ip=192.0.2.1", "options:csum=true"],
        &["--no-wait", "add-port", "br-int", "p1", "tag=10", "--", "set", "Interface", "p1", "ofport_request=5"],
        &["--no-wait", "set", "port", "p1", "tag=20", "trunks=1,2,3", "vlan_mode=native-untagged"],
        &["--no-wait", "set", "port", "p1", "vlan_mode=bogus"],
        &["--no-wait", "set", "port", "p1", "tag=4096"],
        &["--columns=name,tag,trunks,vlan_mode", "list", "port", "p1"],
        &["get", "interface", "p1", "ofport_request", "type", "options"],
        &["--no-wait", "add-br", "br-ex", "--", "add-port", "br-ex", "patch-ex", "--", "set", "interface", "patch-ex", "type=patch", "options:peer=patch-int", "--", "add-port", "br-int", "patch-int", "--", "set", "interface", "patch-int", "type=patch", "options:peer=patch-ex"],
        &["--no-wait", "set", "port", "p1", "qos=@newqos", "--", "--id=@newqos", "create", "qos", "type=linux-htb", "other-config:max-rate=1000000", "queues=0=@q0", "--", "--id=@q0", "create", "queue", "other-config:min-rate=100", "other-config:max-rate=200"],
        &["--columns=type,other_config", "list", "qos"],
        &["--columns=other_config", "list", "queue"],
        &["--no-wait", "--", "--id=@p", "get", "port", "p1", "--", "--id=@m", "create", "mirror", "name=m0", "select-all=true", "output-port=@p", "--", "set", "bridge", "br-int", "mirrors=@m"],
        &["--columns=name,select_all", "list", "mirror"],
        &["--no-wait", "clear", "bridge", "br-int", "mirrors"],
        &["--no-wait", "--", "destroy", "QoS", "p1", "--", "clear", "Port", "p1", "qos"],
        &["--no-wait", "--", "clear", "Port", "p1", "qos", "--", "--all", "destroy", "QoS", "--", "--all", "destroy", "Queue"],
        &["--no-wait", "add-bond", "br-ex", "bond0", "eth0", "eth1", "bond_mode=balance-slb", "lacp=active", "other_config:lacp-time=fast"],
        &["--columns=name,bond_mode,lacp,other_config", "list", "port", "bond0"],
        &["--no-wait", "set", "Open_vSwitch", ".", "other_config:dpdk-init=true", "external-ids:system-id=host1"],
        &["get", "Open_vSwitch", ".", "other_config:dpdk-init", "external_ids:system-id"],
        &["--no-wait", "remove", "Open_vSwitch", ".", "other_config", "dpdk-init"],
        &["get", "Open_vSwitch", ".", "other_config"],
        &["--no-wait", "set-manager", "ptcp:6640:127.0.0.1"],
        &["--no-wait", "set-controller", "br-int", "tcp:127.0.0.1:6653", "--", "set", "controller", "br-int", "connection-mode=out-of-band"],
        &["--columns=target,connection_mode", "list", "controller"],
        &["--no-wait", "br-set-external-id", "br-int", "bridge-id", "br-int"],
        &["br-get-external-id", "br-int", "bridge-id"],
        &["-f", "csv", "--no-headings", "--columns=name,type", "find", "interface", "type!=\"\""],
        &["--bare", "--columns=name", "find", "Interface", "type=patch"],
        &["--oneline", "list-ports", "br-int"],
        &["--", "--if-exists", "del-port", "br-int", "nosuch", "--", "list-ports", "br-int"],
        &["--no-wait", "--if-exists", "del-br", "br-ex", "--", "add-br", "br-ex"],
        &["list-ifaces", "br-ex"],
        &["--dry-run", "--no-wait", "del-br", "br-int"],
        &["list-br"],
        &["--no-wait", "del-br", "br-int", "--", "del-br", "br-ex"],
        &["show"],
    ];
    for s in steps {
        p.step(s);
    }
}
