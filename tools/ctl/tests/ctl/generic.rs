//! The generic database commands, formats and lookups, against ovn-nbctl and ovs-vsctl.

use ovsdb_ctl::Tool;

use crate::diff::Pair;

#[test]
fn generic_commands_match_ovn_nbctl() {
    generic_commands_match_ovn_nbctl_steps(Pair::new(Tool::Nbctl, "generic_commands_match_ovn_nbctl"));
}

/// The same steps with our side in daemon mode (`--detach`, then every step through the
/// daemon's socket).
#[test]
fn generic_commands_match_ovn_nbctl_in_daemon_mode() {
    generic_commands_match_ovn_nbctl_steps(Pair::with_daemon(
        Tool::Nbctl,
        "generic_commands_match_ovn_nbctl_in_daemon_mode",
    ));
}

fn generic_commands_match_ovn_nbctl_steps(mut p: Pair) {
    p.step(&["--no-wait", "init"]);
    p.step(&["create", "Logical_Switch", "name=sw0", "external_ids:a=b"]);
    p.step(&[
        "--id=@p",
        "create",
        "Logical_Switch_Port",
        "name=p1",
        "--",
        "add",
        "Logical_Switch",
        "sw0",
        "ports",
        "@p",
    ]);
    p.step(&[
        "set",
        "Logical_Switch",
        "sw0",
        "external_ids:x=00:11:22",
        "other_config={k1=a, k2=\"c d\"}",
    ]);
    p.step(&[
        "set",
        "Logical_Switch_Port",
        "p1",
        "addresses=[a b, c]",
        "port_security=a,\"b c\"",
        "tag_request=7",
    ]);
    p.step(&[
        "get",
        "Logical_Switch_Port",
        "p1",
        "addresses",
        "port_security",
        "tag_request",
        "type",
        "name",
        "up",
    ]);
    p.step(&[
        "get",
        "Logical_Switch",
        "sw0",
        "external_ids:a",
        "external_ids:x",
        "other_config",
    ]);
    p.step(&["list", "Logical_Switch_Port"]);
    p.step(&["list", "Logical_Switch", "sw0"]);
    p.step(&["--columns=name,external_ids", "list", "Logical_Switch"]);
    p.step(&[
        "--bare",
        "--columns=name,addresses",
        "list",
        "Logical_Switch_Port",
    ]);
    p.step(&["--format=table", "list", "Logical_Switch_Port"]);
    p.step(&[
        "--format=csv",
        "--columns=name,external_ids,other_config",
        "list",
        "Logical_Switch",
    ]);
    p.step(&[
        "--format=json",
        "--columns=name,addresses,external_ids",
        "list",
        "Logical_Switch_Port",
    ]);
    p.step(&[
        "-d",
        "json",
        "--columns=name,tag_request,addresses",
        "list",
        "Logical_Switch_Port",
    ]);
    p.step(&[
        "--format=table",
        "--no-headings",
        "--columns=name",
        "list",
        "Logical_Switch",
    ]);
    p.step(&[
        "--format=table",
        "--columns=name",
        "find",
        "Logical_Switch",
        "name=zz",
    ]);
    p.step(&[
        "lsp-add",
        "sw0",
        "p2",
        "--",
        "lsp-add",
        "sw0",
        "p3",
        "--",
        "set",
        "Logical_Switch_Port",
        "p3",
        "tag_request=9",
        "external_ids:k=v",
    ]);
    for cond in [
        "name=p2",
        "name!=p2",
        "tag_request=7",
        "tag_request<9",
        "tag_request>7",
        "tag_request<=9",
        "tag_request>=9",
        "external_ids:k=v",
        "external_ids:k!=v",
        "external_ids{>=}{k=v}",
        "addresses{=}[a b, c]",
        "addresses{>=}c",
        "addresses{<=}[a b, c, d]",
        "addresses{<}[a b, c, d]",
        "addresses{>}[c]",
        "addresses{!=}[]",
        "addresses{in}[a b, c, d]",
        "addresses{not-in}[zz]",
        "port_security{in}[]",
        "external_ids:k{=}v",
    ] {
        p.step(&["--columns=name", "find", "Logical_Switch_Port", cond]);
    }
    p.step(&[
        "--bare",
        "--columns=name",
        "find",
        "Logical_Switch_Port",
        "tag_request>0",
        "name!=p1",
    ]);
    // add / remove / clear with mutate.
    p.step(&["add", "Logical_Switch_Port", "p1", "addresses", "d", "e"]);
    p.step(&["add", "Logical_Switch", "sw0", "external_ids", "a=zz", "n=1"]);
    p.step(&["remove", "Logical_Switch", "sw0", "external_ids", "a", "n=2"]);
    p.step(&["remove", "Logical_Switch", "sw0", "external_ids", "n=1"]);
    p.step(&["remove", "Logical_Switch_Port", "p1", "addresses", "d"]);
    p.step(&[
        "clear",
        "Logical_Switch_Port",
        "p1",
        "port_security",
        "tag_request",
    ]);
    p.step(&[
        "get",
        "Logical_Switch_Port",
        "p1",
        "addresses",
        "port_security",
        "tag_request",
    ]);
    // Lookup by uuid, uuid prefix, `.`.
    p.step(&["get", "NB_Global", ".", "nb_cfg"]);
    p.step(&["set", "NB_Global", ".", "options:foo=bar"]);
    p.step(&[
        "--id=@x",
        "create",
        "Address_Set",
        "name=as1",
        "addresses=\"10.0.0.1\"",
    ]);
    p.step(&["destroy", "Address_Set", "as1"]);
    p.step(&["--if-exists", "destroy", "Address_Set", "as1"]);
    p.step(&[
        "create",
        "Address_Set",
        "name=as2",
        "--",
        "create",
        "Address_Set",
        "name=as3",
    ]);
    p.step(&["--all", "destroy", "Address_Set"]);
    p.step(&["comment", "hello", "--", "ls-list"]);
    p.step(&["--oneline", "ls-list", "--", "comment", "--", "lsp-list", "sw0"]);
    p.step(&["--dry-run", "ls-add", "swdry"]);
    p.step(&["wait-until", "Logical_Switch", "sw0", "name=sw0"]);
    p.step(&[
        "--if-exists",
        "get",
        "Logical_Switch_Port",
        "p1",
        "external_ids:zz",
    ]);
    p.step(&["--if-exists", "get", "Logical_Switch_Port", "nosuch", "name"]);
    p.step(&["--if-exists", "list", "Logical_Switch_Port", "nosuch"]);
    p.step(&["--if-exists", "set", "Logical_Switch_Port", "nosuch", "name=x"]);
}

#[test]
fn generic_errors_match_ovn_nbctl() {
    let mut p = Pair::new(Tool::Nbctl, "generic_errors_match_ovn_nbctl");
    p.step(&["--no-wait", "init"]);
    p.step(&["ls-add", "sw0", "--", "lsp-add", "sw0", "p1"]);
    for args in [
        &["get", "Logical_Switch_Port", "p1", "nosuch"][..],
        &["get", "Logical_Switch_Port", "nosuch", "name"],
        &["get", "Logical_Switch_Port", "p1", "external_ids:zz"],
        &["get", "Nosuch", "p1", "name"],
        &["get", "Logical", "p1", "name"],
        &["get", "logical_switch_port", "p1", "na"],
        &["set", "Logical_Switch", "sw0", "other_config={k1=a:b}"],
        &["set", "Logical_Switch_Port", "p1", "addresses=00:00:00:00:00:01"],
        &["set", "Logical_Switch_Port", "p1", "type="],
        &["set", "Logical_Switch", "sw0", "external_ids=a"],
        &["set", "Logical_Switch_Port", "p1", "tag_request=5000"],
        &["set", "Logical_Switch_Port", "p1", "tag_request=abc"],
        &["set", "Logical_Switch_Port", "p1", "name"],
        &["ls-add", "sw9", "--", "set", "Logical_Switch", "sw9", "nosuch=1"],
        &["nosuch-command"],
        &["--foo", "ls-list"],
        &["create", "Logical_Switch", "ports=@nope"],
        &["find", "Logical_Switch_Port", "name"],
    ] {
        p.step(args);
    }
}

#[test]
fn more_generic_cases_match_ovs_vsctl() {
    let mut p = Pair::new(Tool::Vsctl, "more_generic_cases_match_ovs_vsctl");
    p.step(&["--no-wait", "init"]);
    p.step(&[
        "--no-wait",
        "add-br",
        "br0",
        "--",
        "add-port",
        "br0",
        "eth0",
        "--",
        "add-port",
        "br0",
        "eth1",
        "tag=5",
        "other_config:k=v",
    ]);
    p.step(&[
        "--no-wait",
        "--id=@b",
        "get",
        "Bridge",
        "br0",
        "--",
        "set",
        "Open_vSwitch",
        ".",
        "bridges=@b",
    ]);
    p.step(&[
        "--no-wait",
        "--",
        "--id=@q",
        "create",
        "QoS",
        "type=linux-htb",
        "--",
        "set",
        "Port",
        "eth0",
        "qos=@q",
    ]);
    p.step(&["list", "QoS"]);
    p.step(&["list", "QoS", "eth0"]);
    p.step(&["--columns=name,tag,other_config", "list", "Port"]);
    p.step(&["--format=table", "--columns=name,tag,trunks", "list", "Port"]);
    p.step(&[
        "--format=csv",
        "--no-headings",
        "--columns=name,tag",
        "list",
        "Port",
    ]);
    p.step(&[
        "-f",
        "json",
        "-d",
        "string",
        "--columns=name,tag,other_config",
        "list",
        "Port",
    ]);
    p.step(&["--oneline", "list-ports", "br0", "--", "list-br"]);
    p.step(&["--no-wait", "add", "Port", "eth1", "trunks", "1-3", "7"]);
    p.step(&["get", "Port", "eth1", "trunks"]);
    p.step(&["--no-wait", "remove", "Port", "eth1", "trunks", "2"]);
    p.step(&["--no-wait", "set", "Port", "eth1", "trunks=[]"]);
    p.step(&[
        "--no-wait",
        "set",
        "Interface",
        "eth0",
        "ofport_request=10",
        "mtu_request=1500",
    ]);
    p.step(&[
        "get",
        "Interface",
        "eth0",
        "ofport_request",
        "mtu_request",
        "type",
    ]);
    p.step(&["--no-wait", "set", "Interface", "eth0", "type=bogus"]);
    p.step(&["--no-wait", "set", "Bridge", "br0", "fail_mode=bogus"]);
    p.step(&["--no-wait", "clear", "Bridge", "br0", "name"]);
    p.step(&["--no-wait", "set", "Bridge", "br0", "_uuid=x"]);
    p.step(&["--no-wait", "remove", "Bridge", "br0", "ports", "zz"]);
    p.step(&[
        "--no-wait",
        "set",
        "Open_vSwitch",
        ".",
        "other_config:a=\"x y\"",
        "external_ids:\"with space\"=1",
    ]);
    p.step(&["get", "Open_vSwitch", ".", "other_config", "external_ids"]);
    p.step(&["get", "Open_vSwitch", ".", "external_ids:\"with space\""]);
    p.step(&["--no-wait", "del-port", "br0", "eth1"]);
    p.step(&[
        "--no-wait",
        "add-port",
        "br0",
        "bond0",
        "--",
        "set",
        "Port",
        "bond0",
        "lacp=active",
    ]);
    p.step(&["--no-wait", "--with-iface", "del-port", "bond0"]);
    p.step(&["--no-wait", "--if-exists", "del-br", "nosuch"]);
    p.step(&["--no-wait", "del-br", "nosuch"]);
    p.step(&["--no-wait", "destroy", "QoS", "eth0"]);
    p.step(&["--no-wait", "--all", "destroy", "Bridge"]);
    p.step(&["--no-wait", "destroy", "Bridge"]);
    p.step(&["list-ifaces", "br0"]);
    p.step(&["--dry-run", "--no-wait", "del-br", "br0"]);
    p.step(&["list-br"]);
    p.step(&["show"]);
}
