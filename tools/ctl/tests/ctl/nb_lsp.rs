//! ovn-nbctl's logical switch port commands (`lsp-*`), with their error paths, against the
//! reference on twin servers.

use ovsdb_ctl::Tool;

use crate::diff::Pair;

#[test]
fn nb_lsp_commands_match_ovn_nbctl() {
    let mut p = Pair::new(Tool::Nbctl, "nb_lsp_commands_match_ovn_nbctl");
    p.step(&["ls-add", "sw0", "--", "ls-add", "sw1"]);
    p.step(&["lsp-add", "sw0", "p0"]);
    p.step(&["lsp-add", "sw0", "p0"]);
    p.step(&["lsp-add", "nope", "p9"]);
    p.step(&["lsp-add", "sw0"]);
    p.step(&["lsp-add", "nope", "c1", "p0"]);
    p.step(&["lsp-add", "nope", "c1", "p0", "x"]);
    p.step(&["lsp-add", "sw0", "c1", "p0"]);
    p.step(&["lsp-add", "sw0", "c1", "p0", "4096"]);
    p.step(&["lsp-add", "sw0", "c1", "p0", "-1"]);
    p.step(&["lsp-add", "sw0", "c1", "p0", "x"]);
    p.step(&["lsp-add", "sw0", "c1", "p0", "5abc"]);
    p.step(&["lsp-add", "sw0", "c0", "p0", "0"]);
    p.step(&["lsp-add", "sw0", "c1", "p0", "1", "extra"]);
    // --may-exist with the same or a different parent, tag and switch.
    p.step(&["--may-exist", "lsp-add", "sw0", "p0"]);
    p.step(&["--may-exist", "lsp-add", "sw1", "p0"]);
    p.step(&["--may-exist", "lsp-add", "sw0", "p0", "par", "1"]);
    p.step(&["--may-exist", "lsp-add", "sw0", "c0"]);
    p.step(&["--may-exist", "lsp-add", "sw0", "c0", "other", "0"]);
    p.step(&["--may-exist", "lsp-add", "sw0", "c0", "p0", "7"]);
    p.step(&["--may-exist", "lsp-add", "sw0", "c0", "p0", "0"]);
    p.step(&["lsp-get-parent", "c0"]);
    p.step(&["lsp-get-parent", "p0"]);
    p.step(&["lsp-get-tag", "c0"]);
    p.step(&["lsp-get-tag", "nope"]);
    p.step(&["lsp-list", "sw0"]);
    p.step(&["lsp-list", "nope"]);
    p.step(&["lsp-get-ls", "c0"]);
    p.step(&["lsp-get-ls", "nope"]);
    p.step(&["lsp-set-addresses", "p0", "00:00:00:00:00:01 10.0.0.1", "unknown"]);
    p.step(&["lsp-get-addresses", "p0"]);
    p.step(&["lsp-set-addresses", "c0", "bogus"]);
    p.step(&["lsp-set-port-security", "p0", "00:00:00:00:00:01 10.0.0.1"]);
    p.step(&["lsp-get-port-security", "p0"]);
    p.step(&["lsp-set-type", "p0", "localnet"]);
    p.step(&["lsp-set-type", "p0", "bogus"]);
    p.step(&["lsp-set-type", "p0", "router", "extra"]);
    p.step(&["lsp-get-type", "p0"]);
    p.step(&["lsp-set-options", "p0", "network_name=phys", "novalue"]);
    p.step(&["lsp-get-options", "p0"]);
    // Several options: printed in ovn-nbctl's hash order.
    p.step(&[
        "lsp-add",
        "sw1",
        "o1",
        "--",
        "lsp-set-options",
        "o1",
        "a=1",
        "bb=2",
        "ccc=3",
        "dddd=4",
        "router-port=x",
        "requested-chassis=hv1",
        "network_name=phys",
        "z=9",
        "qq=1",
    ]);
    p.step(&["lsp-get-options", "o1"]);
    p.step(&["lsp-set-enabled", "p0", "DISABLED"]);
    p.step(&["lsp-get-enabled", "p0"]);
    p.step(&["lsp-set-enabled", "p0", "maybe"]);
    p.step(&["lsp-get-up", "p0"]);
    // A router-type port shows its router port's MAC and networks.
    p.step(&[
        "lr-add",
        "lr0",
        "--",
        "lrp-add",
        "lr0",
        "lrp0",
        "00:00:00:00:ff:01",
        "10.0.0.254/24",
        "fd00::1/64",
        "--",
        "lsp-add",
        "sw0",
        "rp",
        "--",
        "lsp-set-type",
        "rp",
        "router",
        "--",
        "lsp-set-addresses",
        "rp",
        "router",
        "--",
        "lsp-set-options",
        "rp",
        "router-port=lrp0",
    ]);
    p.step(&["lsp-get-addresses", "rp"]);
    p.step(&["lsp-set-options", "rp", "router-port=nope"]);
    p.step(&["lsp-get-addresses", "rp"]);
    // DHCP options.
    p.step(&[
        "--id=@d",
        "create",
        "DHCP_Options",
        "cidr=10.0.0.0/24",
        "--",
        "set",
        "Logical_Switch_Port",
        "p0",
        "dhcpv4_options=@d",
    ]);
    p.step(&[
        "--id=@d",
        "create",
        "DHCP_Options",
        "cidr=\"fd00::/64\"",
        "--",
        "set",
        "Logical_Switch_Port",
        "p0",
        "dhcpv6_options=@d",
    ]);
    p.step(&["lsp-get-dhcpv4-options", "p0"]);
    p.step(&["lsp-get-dhcpv6-options", "p0"]);
    p.step(&[
        "lsp-set-dhcpv4-options",
        "p0",
        "00000000-0000-0000-0000-000000000000",
    ]);
    p.step(&["lsp-set-dhcpv6-options", "p0", "bogus"]);
    p.step(&["lsp-set-dhcpv4-options", "p0"]);
    p.step(&["lsp-get-dhcpv4-options", "p0"]);
    p.step(&["lsp-set-dhcpv6-options", "p0", "x", "y"]);
    // Mirrors.
    p.step(&["mirror-add", "m0", "gre", "5", "to-lport", "192.168.0.1"]);
    p.step(&["lsp-attach-mirror", "p0", "m0"]);
    p.step(&["lsp-attach-mirror", "p0", "m0"]);
    p.step(&["--may-exist", "lsp-attach-mirror", "p0", "m0"]);
    p.step(&["lsp-attach-mirror", "p0", "nope"]);
    p.step(&["lsp-attach-mirror", "nope", "m0"]);
    p.step(&["lsp-detach-mirror", "p0", "m0"]);
    p.step(&["lsp-detach-mirror", "p0", "m0"]);
    // Deletion.
    p.step(&["lsp-del", "c0"]);
    p.step(&["lsp-del", "c0"]);
    p.step(&["--if-exists", "lsp-del", "c0"]);
    p.step(&["lsp-del"]);
    p.step(&["lsp-list", "sw0"]);
}
