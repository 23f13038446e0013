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
}
