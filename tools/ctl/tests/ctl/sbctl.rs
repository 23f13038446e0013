//! ovn-sbctl's own commands and the generic commands the lab flow uses on the southbound.

use ovsdb_ctl::Tool;

use crate::diff::Pair;

#[test]
fn sbctl_matches_ovn_sbctl() {
    sbctl_matches_ovn_sbctl_steps(Pair::new(Tool::Sbctl, "sbctl_matches_ovn_sbctl"));
}

/// The same steps with our side in daemon mode (`--detach`, then every step through the
/// daemon's socket).
#[test]
fn sbctl_matches_ovn_sbctl_in_daemon_mode() {
    sbctl_matches_ovn_sbctl_steps(Pair::with_daemon(
        Tool::Sbctl,
        "sbctl_matches_ovn_sbctl_in_daemon_mode",
    ));
}

fn sbctl_matches_ovn_sbctl_steps(mut p: Pair) {
    p.step(&["init"]);
    p.step(&["--no-wait", "init"]);
    p.step(&[
        "chassis-add",
        "ch1",
        "geneve,vxlan",
        "192.168.50.11",
        "--",
        "chassis-add",
        "ch2",
        "geneve",
        "192.168.50.12",
    ]);
    p.step(&["set", "Chassis", "ch1", "hostname=host1"]);
    p.step(&[
        "--id=@dp",
        "create",
        "Datapath_Binding",
        "tunnel_key=1",
        "external_ids:name=ls1",
        "--",
        "create",
        "Port_Binding",
        "logical_port=vm1",
        "tunnel_key=1",
        "datapath=@dp",
        "--",
        "create",
        "Port_Binding",
        "logical_port=vm2",
        "tunnel_key=2",
        "datapath=@dp",
    ]);
    p.step(&["lsp-bind", "vm1", "ch1"]);
    p.step(&["show"]);
    p.step(&["--bare", "--columns=name", "list", "Chassis"]);
    p.step(&[
        "--bare",
        "--columns=chassis",
        "find",
        "Port_Binding",
        "logical_port=vm1",
    ]);
    p.step(&[
        "--bare",
        "--columns=ip",
        "find",
        "Encap",
        "chassis_name=ch1",
        "type=geneve",
    ]);
    p.step(&["get", "Datapath_Binding", "ls1", "tunnel_key"]);
    p.step(&["get", "Port_Binding", "vm1", "chassis"]);
    p.step(&["list", "Chassis", "ch2"]);
    p.step(&["lsp-bind", "vm1", "ch2"]);
    p.step(&["--may-exist", "lsp-bind", "vm1", "ch2"]);
    p.step(&["lsp-bind", "vm2", "nosuch"]);
    p.step(&["lsp-bind", "nosuch", "ch1"]);
    p.step(&["lsp-unbind", "vm1"]);
    p.step(&["lsp-unbind", "nosuch"]);
    p.step(&["--if-exists", "lsp-unbind", "nosuch"]);
    p.step(&["chassis-add", "ch1", "geneve", "1.1.1.1"]);
    p.step(&["--may-exist", "chassis-add", "ch1", "geneve", "1.1.1.1"]);
    p.step(&["chassis-del", "ch2"]);
    p.step(&["chassis-del", "nosuch"]);
    p.step(&["--if-exists", "chassis-del", "nosuch"]);
    p.step(&["show"]);
}
