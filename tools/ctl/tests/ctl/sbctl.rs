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

/// The chassis and port binding commands' edge and error paths.
#[test]
fn sbctl_chassis_and_binding_errors_match_ovn_sbctl() {
    let mut p = Pair::new(Tool::Sbctl, "sbctl_chassis_and_binding_errors_match_ovn_sbctl");
    // Encap type lists: duplicates and empty items dropped; none at all is refused by the
    // server. (A type and IP another chassis has violates Encap's index: the server's
    // message names the two rows in an order that follows their random UUIDs, so it is not
    // compared here.)
    p.step(&["chassis-add", "ch1", "geneve,,vxlan,geneve", "192.0.2.1"]);
    p.step(&["chassis-add", "ch2", ",,", "192.0.2.2"]);
    p.step(&["chassis-add", "ch2", "stt", "192.0.2.1"]);
    p.step(&["show"]);
    // Arity and options.
    p.step(&["chassis-add", "ch3", "geneve"]);
    p.step(&["chassis-add", "ch3", "geneve", "1.1.1.1", "extra"]);
    p.step(&["--if-exists", "chassis-add", "ch3", "geneve", "1.1.1.1"]);
    p.step(&["--", "--may-exist=1", "chassis-add", "ch3", "geneve", "1.1.1.1"]);
    p.step(&["chassis-del"]);
    p.step(&["--may-exist", "chassis-del", "ch1"]);
    // Chassis are named, never found by UUID.
    let uuid = p.step(&["--bare", "--columns=_uuid", "list", "Chassis", "ch2"]);
    let uuid = uuid.stdout.trim().to_owned();
    assert!(!uuid.is_empty());
    p.step(&["chassis-del", &uuid]);
    p.step(&["chassis-del", &uuid[..8]]);
    p.step(&["chassis-add", &uuid, "geneve", "192.0.2.9"]);
    p.step(&["chassis-del", &uuid]);
    // A chassis and its private row go together; a chain sees its own rows.
    p.step(&["create", "Chassis_Private", "name=ch2", "nb_cfg=3"]);
    p.step(&["create", "Chassis_Private", "name=other"]);
    p.step(&["chassis-del", "ch2"]);
    p.step(&["list", "Chassis_Private"]);
    p.step(&[
        "chassis-add",
        "ch4",
        "geneve",
        "192.0.2.4",
        "--",
        "chassis-add",
        "ch4",
        "vxlan",
        "192.0.2.5",
    ]);
    p.step(&[
        "chassis-add",
        "ch4",
        "geneve",
        "192.0.2.4",
        "--",
        "--may-exist",
        "chassis-add",
        "ch4",
        "vxlan",
        "192.0.2.5",
        "--",
        "chassis-del",
        "ch4",
        "--",
        "chassis-add",
        "ch4",
        "stt",
        "192.0.2.6",
    ]);
    p.step(&["show"]);
    // Ports are named by logical_port only (not by external_ids:name nor UUID).
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
        "external_ids:name=alias1",
        "--",
        "create",
        "Port_Binding",
        "logical_port=vm2",
        "tunnel_key=2",
        "datapath=@dp",
    ]);
    p.step(&["lsp-bind", "alias1", "ch1"]);
    let pb = p.step(&["--bare", "--columns=_uuid", "list", "Port_Binding", "vm2"]);
    p.step(&["lsp-bind", pb.stdout.trim(), "ch1"]);
    p.step(&["lsp-unbind", pb.stdout.trim()]);
    p.step(&["lsp-bind", "vm1"]);
    p.step(&["lsp-bind", "vm1", "ch1", "ch4"]);
    p.step(&["--if-exists", "lsp-bind", "vm1", "ch1"]);
    p.step(&["lsp-bind", "nosuch", "nosuch"]);
    p.step(&["lsp-bind", "vm1", "ch1", "--", "lsp-bind", "vm2", "ch1"]);
    p.step(&["--may-exist", "lsp-bind", "vm1", "ch1"]);
    p.step(&["--may-exist", "lsp-bind", "vm1", "ch4"]);
    p.step(&["lsp-bind", "vm1", "ch1"]);
    p.step(&["show"]);
    p.step(&["chassis-del", "ch1"]);
    p.step(&["list", "Port_Binding", "vm1"]);
    p.step(&["lsp-unbind", "vm2"]);
    p.step(&["lsp-unbind", "vm2"]);
    p.step(&["lsp-unbind", "alias1"]);
    p.step(&["lsp-unbind"]);
    p.step(&["--may-exist", "lsp-unbind", "vm1"]);
    p.step(&[
        "lsp-bind",
        "vm2",
        "ch4",
        "--",
        "lsp-unbind",
        "vm2",
        "--",
        "lsp-bind",
        "vm2",
        "ch4",
    ]);
    p.step(&["show"]);
    p.step(&["init", "extra"]);
    p.step(&["show", "extra"]);
    p.step(&["nosuch-command"]);
}
