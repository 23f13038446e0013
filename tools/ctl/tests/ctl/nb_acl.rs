//! ovn-nbctl's ACL commands on switches and port groups, with their options and error paths,
//! against the reference on twin servers.

use ovsdb_ctl::Tool;

use crate::diff::Pair;

#[test]
fn nb_acl_commands_match_ovn_nbctl() {
    let mut p = Pair::new(Tool::Nbctl, "nb_acl_commands_match_ovn_nbctl");
    p.step(&[
        "ls-add", "sw0", "--", "lsp-add", "sw0", "p0", "--", "pg-add", "pg0", "p0",
    ]);
    p.step(&["acl-add", "sw0", "from-lport", "100", "ip4", "allow"]);
    p.step(&["acl-add", "sw0", "from-lport", "100", "ip4", "drop"]);
    p.step(&[
        "--may-exist",
        "acl-add",
        "sw0",
        "from-lport",
        "100",
        "ip4",
        "drop",
    ]);
    p.step(&["acl-add", "sw0", "t", "200", "ip6", "allow-related"]);
    p.step(&["acl-add", "sw0", "sideways", "1", "ip", "drop"]);
    p.step(&["acl-add", "sw0", "to-lport", "32768", "ip", "drop"]);
    p.step(&["acl-add", "sw0", "to-lport", "x", "ip", "drop"]);
    p.step(&["acl-add", "sw0", "to-lport", "1", "ip", "pass"]);
    p.step(&["acl-add", "nope", "to-lport", "1", "ip", "drop"]);
    p.step(&["acl-add", "sw0", "to-lport", "1", "ip"]);
    p.step(&["acl-add", "sw0", "to-lport", "1", "ip", "drop", "extra"]);
    p.step(&["acl-add", "sw0", "to-lport", "1", "ip", "drop", "x", "y"]);
    p.step(&["acl-add", "sw0", "to-lport", "1", "ip", "drop", "--log"]);
    // Logging, labels, apply-after-lb.
    p.step(&[
        "--log",
        "--name=web",
        "--severity=info",
        "--meter=m1",
        "acl-add",
        "sw0",
        "to-lport",
        "300",
        "tcp",
        "allow",
    ]);
    p.step(&[
        "--severity=loud",
        "acl-add",
        "sw0",
        "to-lport",
        "301",
        "tcp",
        "allow",
    ]);
    p.step(&[
        "--name=only",
        "acl-add",
        "sw0",
        "to-lport",
        "302",
        "tcp",
        "reject",
    ]);
    p.step(&[
        "--label=1234",
        "acl-add",
        "sw0",
        "to-lport",
        "303",
        "tcp",
        "allow",
    ]);
    p.step(&["--label=5", "acl-add", "sw0", "to-lport", "304", "tcp", "drop"]);
    p.step(&["--label=-1", "acl-add", "sw0", "to-lport", "305", "tcp", "allow"]);
    p.step(&[
        "--label=4294967296",
        "acl-add",
        "sw0",
        "to-lport",
        "306",
        "tcp",
        "allow",
    ]);
    p.step(&[
        "--apply-after-lb",
        "acl-add",
        "sw0",
        "from-lport",
        "100",
        "ip4",
        "allow",
    ]);
    p.step(&[
        "--apply-after-lb",
        "acl-add",
        "sw0",
        "to-lport",
        "400",
        "ip4",
        "allow",
    ]);
    p.step(&["--tier=1", "acl-add", "sw0", "to-lport", "401", "ip4", "allow"]);
    p.step(&["--log", "acl-del", "sw0"]);
    p.step(&["acl-list", "sw0"]);
    // Port groups and --type.
    p.step(&["acl-add", "pg0", "to-lport", "10", "outport == @pg0", "drop"]);
    p.step(&[
        "--type=port-group",
        "acl-add",
        "pg0",
        "from-lport",
        "11",
        "ip",
        "allow",
    ]);
    p.step(&[
        "--type=switch",
        "acl-add",
        "pg0",
        "from-lport",
        "11",
        "ip",
        "allow",
    ]);
    p.step(&["--type=bogus", "acl-list", "pg0"]);
    p.step(&["--type=port-group", "acl-list", "sw0"]);
    p.step(&["acl-list", "pg0"]);
    p.step(&["ls-add", "pg0"]);
    p.step(&["acl-list", "pg0"]);
    p.step(&["--type=switch", "acl-list", "pg0"]);
    p.step(&["--type=port-group", "acl-list", "pg0"]);
    p.step(&[
        "--type=port-group",
        "acl-del",
        "pg0",
        "to-lport",
        "10",
        "outport == @pg0",
    ]);
    p.step(&["--type=port-group", "acl-list", "pg0"]);
    // Deletion.
    p.step(&["acl-del", "sw0", "to-lport", "300"]);
    p.step(&["acl-del", "sw0", "to-lport", "x"]);
    p.step(&["acl-del", "sw0", "up"]);
    p.step(&["acl-del", "sw0", "to-lport", "300", "nomatch"]);
    p.step(&["acl-del", "sw0", "to-lport", "300", "tcp"]);
    p.step(&["acl-list", "sw0"]);
    p.step(&["acl-del", "sw0", "from"]);
    p.step(&["acl-list", "sw0"]);
    p.step(&["acl-del", "sw0"]);
    p.step(&["acl-list", "sw0"]);
    p.step(&["acl-list"]);
    // In one invocation, set edits show only after the commit (as in ovn-nbctl's IDL), a
    // whole-column clear at once.
    p.step(&[
        "acl-add", "sw0", "to-lport", "3", "ip", "allow", "--", "acl-list", "sw0",
    ]);
    p.step(&[
        "acl-add", "sw0", "to-lport", "4", "ip", "allow", "--", "acl-del", "sw0", "to-lport", "4", "ip",
    ]);
    p.step(&[
        "acl-del", "sw0", "to-lport", "3", "ip", "--", "acl-add", "sw0", "to-lport", "3", "ip", "drop",
    ]);
    p.step(&["acl-del", "sw0", "--", "acl-list", "sw0"]);
    p.step(&["acl-list", "sw0"]);
}
