//! ovn-nbctl's static MAC binding commands, with their error paths.

use ovsdb_ctl::Tool;

use crate::diff::Pair;

#[test]
fn nbctl_static_mac_binding_matches_ovn_nbctl() {
    let mut p = Pair::new(Tool::Nbctl, "nbctl_static_mac_binding_matches_ovn_nbctl");
    p.step(&["init"]);
    p.step(&[
        "lr-add",
        "lr0",
        "--",
        "lrp-add",
        "lr0",
        "lrp0",
        "00:00:00:00:00:01",
        "10.0.0.1/24",
    ]);
    p.step(&["lrp-add", "lr0", "lrp1", "00:00:00:00:00:02", "fe80::1/64"]);
    p.step(&["static-mac-binding-list"]);
    p.step(&["static-mac-binding-add", "lrp0", "10.0.0.5", "00:00:00:00:00:05"]);
    p.step(&["static-mac-binding-add", "lrp0", "10.0.0.5", "00:00:00:00:00:06"]);
    p.step(&[
        "--may-exist",
        "static-mac-binding-add",
        "lrp0",
        "10.0.0.5",
        "00:00:00:00:00:06",
    ]);
    p.step(&[
        "static-mac-binding-add",
        "lrp1",
        "fe80::0005",
        "00:00:00:00:00:07",
    ]);
    p.step(&["static-mac-binding-add", "lrp1", "fe80::5", "00:00:00:00:00:08"]);
    p.step(&[
        "static-mac-binding-add",
        "lrp0",
        "10.0.0.300",
        "00:00:00:00:00:05",
    ]);
    p.step(&["static-mac-binding-add", "lrp0", "10.0.0.6", "00:00:00:00:05"]);
    p.step(&["static-mac-binding-add", "nolrp", "10.0.0.6", "00:00:00:00:00:05"]);
    p.step(&["static-mac-binding-add", "lrp0", "10.0.0.6"]);
    // MACs and addresses as OVS reads them.
    p.step(&[
        "static-mac-binding-add",
        "lrp0",
        "10.0.0.8",
        "0x00:00:00:00:00:08",
    ]);
    p.step(&["static-mac-binding-add", "lrp0", "10.0.0.9", "00:00:00:00:00:09x"]);
    p.step(&[
        "static-mac-binding-add",
        "lrp0",
        "::ffff:10.0.0.10",
        "00:00:00:00:00:0a",
    ]);
    p.step(&["static-mac-binding-list"]);
    p.step(&["static-mac-binding-del", "lrp0", "10.0.0.7"]);
    p.step(&["--if-exists", "static-mac-binding-del", "lrp0", "10.0.0.7"]);
    p.step(&["static-mac-binding-del", "lrp0", "bad"]);
    p.step(&["static-mac-binding-del", "nolrp", "10.0.0.5"]);
    p.step(&["static-mac-binding-del", "lrp1", "fe80::0005"]);
    p.step(&["static-mac-binding-del", "lrp0", "10.0.0.5"]);
    p.step(&["static-mac-binding-list"]);
    p.step(&["static-mac-binding-list", "x"]);
}
