//! ovn-nbctl's control plane protection commands, with their error paths.

use ovsdb_ctl::Tool;

use crate::diff::Pair;

#[test]
fn nbctl_copp_matches_ovn_nbctl() {
    let mut p = Pair::new(Tool::Nbctl, "nbctl_copp_matches_ovn_nbctl");
    p.step(&["init"]);
    p.step(&["copp-list", "c1"]);
    p.step(&["copp-add", "c1", "arp", "m1"]);
    for proto in [
        "bfd",
        "dns",
        "igmp",
        "reject",
        "nd-ns",
        "svc-monitor",
        "tcp-reset",
    ] {
        p.step(&["copp-add", "c1", proto, "m1"]);
    }
    p.step(&["copp-add", "c1", "arp", "m2"]);
    p.step(&["copp-list", "c1"]);
    p.step(&["copp-add", "c1", "foo", "m1"]);
    p.step(&["copp-add", "01234567-89ab-cdef-0123-456789abcdef", "arp", "m1"]);
    p.step(&["copp-add", "c1", "arp"]);
    p.step(&["ls-add", "sw0", "--", "lr-add", "lr0"]);
    p.step(&["ls-copp-add", "c1", "sw0"]);
    p.step(&["lr-copp-add", "c1", "lr0"]);
    p.step(&["ls-copp-add", "cx", "sw0"]);
    p.step(&["ls-copp-add", "c1", "nosw"]);
    p.step(&["lr-copp-add", "cx", "nolr"]);
    p.step(&["ls-copp-del", "c1", "sw0"]);
    p.step(&["copp-del", "c1", "foo"]);
    p.step(&["copp-del", "c1", "nd-na"]);
    p.step(&["copp-del", "c1", "arp"]);
    p.step(&["copp-list", "c1"]);
    p.step(&["copp-del", "nosuch"]);
    p.step(&["copp-add", "c2", "dns", "m1"]);
    p.step(&["copp-del", "c2", "dns"]);
    p.step(&["copp-list", "c2"]);
    p.step(&["copp-del", "c1"]);
    p.step(&["copp-list"]);
}
