//! ovn-nbctl's general and logical switch commands (`init`, `show`, `sync`, `ls-*`), with
//! their error paths, against the reference on twin servers.

use ovsdb_ctl::Tool;

use crate::diff::Pair;

#[test]
fn nb_ls_commands_match_ovn_nbctl() {
    let mut p = Pair::new(Tool::Nbctl, "nb_ls_commands_match_ovn_nbctl");
    // A failing first invocation inserts nothing; a read-only one inserts NB_Global.
    p.step(&["ls-del", "nope"]);
    p.step(&["ls-list"]);
    p.step(&["init"]);
    p.step(&["init", "extra"]);
    p.step(&["sync"]);
    p.step(&["ls-add"]);
    p.step(&["ls-add", "sw0"]);
    p.step(&["ls-add", "sw0"]);
    p.step(&["--may-exist", "ls-add", "sw0"]);
    p.step(&["--add-duplicate", "ls-add", "sw0"]);
    p.step(&["--may-exist", "--add-duplicate", "ls-add", "sw1"]);
    p.step(&["--may-exist", "ls-add"]);
    p.step(&["--add-duplicate", "ls-add"]);
    p.step(&["ls-add", "sw1", "sw2"]);
    p.step(&["ls-add", "sw1", "--may-exist"]);
    p.step(&["--if-exists", "ls-add", "sw1"]);
    p.step(&["ls-list"]);
    p.step(&["ls-del", "sw0"]);
    p.step(&["ls-del", "nope"]);
    p.step(&["--if-exists", "ls-del", "nope"]);
    p.step(&["ls-del", "00000000-0000-0000-0000-000000000000"]);
    p.step(&["ls-del"]);
    p.step(&["ls-list", "x"]);
    p.step(&["ls-add", "sw1", "--", "lsp-add", "sw1", "p1"]);
    p.step(&["show", "sw1"]);
    // Router ports with a route table and gateway chassis, a NAT with a port range.
    p.step(&[
        "lr-add",
        "lr0",
        "--",
        "lrp-add",
        "lr0",
        "lrp0",
        "00:00:00:00:ff:01",
        "10.0.0.1/24",
        "--",
        "set",
        "Logical_Router_Port",
        "lrp0",
        "options:route_table=rt1",
        "--",
        "--id=@g1",
        "create",
        "Gateway_Chassis",
        "name=g1",
        "chassis_name=ch1",
        "priority=5",
        "--",
        "add",
        "Logical_Router_Port",
        "lrp0",
        "gateway_chassis",
        "@g1",
        "--",
        "--id=@n",
        "create",
        "NAT",
        "type=snat",
        "external_ip=1.1.1.1",
        "logical_ip=10.0.0.0/24",
        "external_port_range=\"1000-2000\"",
        "--",
        "add",
        "Logical_Router",
        "lr0",
        "nat",
        "@n",
    ]);
    p.step(&["show", "lr0"]);
    p.step(&["show", "nope"]);
    p.step(&["show"]);
    p.step(&["show", "a", "b"]);
    p.step(&["ls-del", "sw1"]);
    p.step(&["ls-list"]);
    // The names the database commands accept for a row, beyond `name`: a switch port's Neutron
    // name, a port naming its DHCPv6 options, an HA chassis by its chassis, a template variable
    // set by its chassis, a connection by its target; a gateway chassis has none.
    p.step(&["ls-add", "swn", "--", "lsp-add", "swn", "pn1"]);
    p.step(&[
        "set",
        "Logical_Switch_Port",
        "pn1",
        "external_ids:neutron:port_name=neutron-p1",
    ]);
    p.step(&["get", "Logical_Switch_Port", "neutron-p1", "name"]);
    p.step(&["dhcp-options-create", "ae70::/64"]);
    p.step(&[
        "--",
        "--id=@d",
        "create",
        "DHCP_Options",
        "cidr=\"ae71::/64\"",
        "--",
        "set",
        "Logical_Switch_Port",
        "pn1",
        "dhcpv6_options=@d",
    ]);
    p.step(&["get", "DHCP_Options", "pn1", "cidr"]);
    p.step(&["get", "DHCP_Options", "neutron-p1", "cidr"]);
    p.step(&["get", "DHCP_Options", "nosuchport", "cidr"]);
    p.step(&[
        "ha-chassis-group-add",
        "hg",
        "--",
        "ha-chassis-group-add-chassis",
        "hg",
        "chn",
        "7",
    ]);
    p.step(&["set", "HA_Chassis", "chn", "priority=8"]);
    p.step(&["create", "Chassis_Template_Var", "chassis=hvn"]);
    p.step(&["set", "Chassis_Template_Var", "hvn", "variables:v=1"]);
    p.step(&["remove", "Chassis_Template_Var", "hvn", "variables", "v"]);
    p.step(&["destroy", "Chassis_Template_Var", "hvn"]);
    p.step(&["set-connection", "ptcp:6641"]);
    p.step(&["set", "Connection", "ptcp:6641", "inactivity_probe=5000"]);
    p.step(&["get", "Connection", "ptcp:6642", "target"]);
    p.step(&["get", "Gateway_Chassis", "g1", "priority"]);
    // `find` reads a condition only when a row gets to it: a malformed one passes on an empty
    // table or behind a condition no row meets, and fails once a row reaches it.
    p.step(&["find", "Meter", "other_config:x="]);
    p.step(&["find", "Meter", "nosuchcolumn=1"]);
    p.step(&["find", "Logical_Switch", "name=zz", "other_config:x="]);
    p.step(&["find", "Logical_Switch", "name=swn", "other_config:x="]);
    p.step(&["find", "Logical_Switch", "other_config:x<"]);
    p.step(&[
        "--bare",
        "--columns=name",
        "find",
        "Logical_Switch",
        "_uuid!=00000000-0000-0000-0000-000000000000",
    ]);
    // A column that does not exist is reported before a row that does not exist.
    p.step(&["set", "Logical_Switch_Port", "nosuch", "tag-request", "100"]);
    p.step(&["set", "Logical_Switch_Port", "nosuch", "tag-request=100"]);
    p.step(&["get", "Logical_Switch", "nosw", "_uuid", "nocol"]);
    p.step(&["get", "Logical_Switch", "nosw", ":k"]);
    p.step(&["clear", "Logical_Switch", "nosw", "other_config", "nocol"]);
    p.step(&["add", "Logical_Switch", "nosw", "nocol", "x"]);
    p.step(&["remove", "Logical_Switch", "nosw", "other_config", "x"]);
    // Values are read with the column's type (a condition on a key: a set of values; `add` and
    // `remove`: one or more elements), and malformed ones named with ovsdb's type names.
    p.step(&["find", "Logical_Switch_Port", "tag{in}[1,2]"]);
    p.step(&["find", "Logical_Switch_Port", "name=[]"]);
    p.step(&["find", "Logical_Switch_Port", "dynamic_addresses!=[[]]"]);
    p.step(&["find", "Logical_Switch", "other_config:x=[["]);
    p.step(&[
        "--bare",
        "--columns=name",
        "find",
        "Logical_Switch",
        "external_ids:k{in}[a,b]",
        "name!=\"\"",
    ]);
    p.step(&["add", "Logical_Switch", "swn", "ports", "[["]);
    p.step(&["add", "Logical_Switch", "swn", "ports", "[]"]);
    p.step(&["set", "Logical_Switch", "swn", "ports=[[]]"]);
    p.step(&["remove", "Logical_Switch", "swn", "other_config", "{{"]);
    p.step(&["remove", "Logical_Switch", "swn", "other_config", "{}"]);
    p.step(&["set", "Logical_Switch", "swn", "name=[a,b]"]);
    p.step(&["set", "Logical_Switch", "swn", "other_config={a=b,a=c}"]);
}
