//! ovn-nbctl's logical router and router port commands (gateway chassis, options, enabled
//! state, redirect type), with their error paths.

use ovsdb_ctl::Tool;

use crate::diff::Pair;

#[test]
fn nbctl_lr_lrp_match_ovn_nbctl() {
    let mut p = Pair::new(Tool::Nbctl, "nbctl_lr_lrp_match_ovn_nbctl");
    p.step(&["init"]);
    p.step(&["lr-list"]);
    p.step(&["lr-add", "lr0"]);
    p.step(&["lr-add", "lr0"]);
    p.step(&["--may-exist", "lr-add", "lr0"]);
    p.step(&["--may-exist", "--add-duplicate", "lr-add", "lr0"]);
    p.step(&["--add-duplicate", "lr-add"]);
    p.step(&["--may-exist", "lr-add"]);
    p.step(&["lr-add"]);
    p.step(&["lr-add", "lr1", "extra"]);
    p.step(&["--if-exists", "lr-add", "lr9"]);
    p.step(&["lr-add", "lr1"]);
    p.step(&["lr-list"]);
    // Router ports.
    p.step(&[
        "lrp-add",
        "lr0",
        "lrp0",
        "00:00:00:00:00:01",
        "10.0.0.1/24",
        "fe80::1/64",
    ]);
    p.step(&["lrp-add", "lr0", "lrp0", "00:00:00:00:00:01", "10.0.0.1/24"]);
    p.step(&[
        "--may-exist",
        "lrp-add",
        "lr0",
        "lrp0",
        "00:00:00:00:00:01",
        "fe80::1/64",
        "10.0.0.1/24",
    ]);
    p.step(&[
        "--may-exist",
        "lrp-add",
        "lr0",
        "lrp0",
        "00:00:00:00:00:01",
        "10.0.0.9/24",
        "fe80::1/64",
    ]);
    p.step(&[
        "--may-exist",
        "lrp-add",
        "lr0",
        "lrp0",
        "00:00:00:00:00:02",
        "10.0.0.1/24",
        "fe80::1/64",
    ]);
    p.step(&[
        "--may-exist",
        "lrp-add",
        "lr0",
        "lrp0",
        "00:00:00:00:00:01",
        "10.0.0.1/24",
        "fe80::1/64",
        "peer=x",
    ]);
    p.step(&[
        "--may-exist",
        "lrp-add",
        "lr1",
        "lrp0",
        "00:00:00:00:00:01",
        "10.0.0.1/24",
    ]);
    p.step(&[
        "lrp-add",
        "lr0",
        "lrp1",
        "00:00:00:00:00:02",
        "20.0.0.1/24",
        "peer=lrp9",
        "enabled=false",
    ]);
    p.step(&[
        "--may-exist",
        "lrp-add",
        "lr0",
        "lrp1",
        "00:00:00:00:00:02",
        "20.0.0.1/24",
    ]);
    p.step(&[
        "--may-exist",
        "lrp-add",
        "lr0",
        "lrp1",
        "00:00:00:00:00:02",
        "20.0.0.1/24",
        "peer=lrp8",
    ]);
    p.step(&[
        "--may-exist",
        "lrp-add",
        "lr0",
        "lrp1",
        "00:00:00:00:00:02",
        "20.0.0.1/24",
        "peer=lrp9",
    ]);
    p.step(&["lrp-add", "lr0", "lrp2", "00:00:00:00:00:03", "peer=lrp1"]);
    p.step(&["lrp-add", "lr0", "lrp2", "00:00:00:00:03", "30.0.0.1/24"]);
    p.step(&["lrp-add", "lr0", "lrp2", "00:00:00:00:00:03", "30.0.0.300/24"]);
    p.step(&["lrp-add", "lr0", "lrp2", "00:00:00:00:00:03", "30.0.0.1/33"]);
    p.step(&["lrp-add", "nolr", "lrp2", "00:00:00:00:00:03", "30.0.0.1/24"]);
    p.step(&["lrp-add", "lr0", "lrp2", "00:00:00:00:00:03"]);
    p.step(&[
        "lrp-add",
        "lr0",
        "lrp2",
        "00:00:00:00:00:03",
        "30.0.0.1/24",
        "nosuchcol=1",
    ]);
    p.step(&["lrp-list", "lr0"]);
    p.step(&["lrp-list", "nolr"]);
    p.step(&[
        "lrp-add",
        "lr1",
        "lrp3",
        "00:00:00:00:00:04",
        "40.0.0.1/24",
        "--",
        "lrp-list",
        "lr1",
    ]);
    // Enabled state and redirect type.
    p.step(&["lrp-get-enabled", "lrp0"]);
    p.step(&["lrp-get-enabled", "lrp1"]);
    p.step(&["lrp-set-enabled", "lrp0", "DISABLED"]);
    p.step(&["lrp-get-enabled", "lrp0"]);
    p.step(&["lrp-set-enabled", "lrp0", "on"]);
    p.step(&["lrp-set-enabled", "nolrp", "enabled"]);
    p.step(&["lrp-get-enabled", "nolrp"]);
    p.step(&["lrp-get-redirect-type", "lrp0"]);
    p.step(&["lrp-set-redirect-type", "lrp0", "Bridged"]);
    p.step(&["lrp-get-redirect-type", "lrp0"]);
    p.step(&["lrp-set-redirect-type", "lrp0", "tunnel"]);
    p.step(&["lrp-set-redirect-type", "lrp0"]);
    p.step(&["lrp-set-options", "lrp0", "a=b", "c=d", "nokey"]);
    p.step(&["lrp-set-redirect-type", "lrp0", "overlay"]);
    p.step(&["lrp-set-options", "nolrp", "a=b"]);
    // Gateway chassis.
    p.step(&["lrp-set-gateway-chassis", "lrp0", "ch1", "10"]);
    p.step(&["lrp-set-gateway-chassis", "lrp0", "ch2"]);
    p.step(&["lrp-set-gateway-chassis", "lrp0", "ch3", "20"]);
    p.step(&["lrp-set-gateway-chassis", "lrp0", "ch3", "30"]);
    p.step(&["lrp-set-gateway-chassis", "lrp0", "ch4", "30"]);
    p.step(&["lrp-set-gateway-chassis", "lrp0", "ch5", "99999"]);
    p.step(&["lrp-set-gateway-chassis", "nolrp", "ch5", "1"]);
    p.step(&["--may-exist", "lrp-set-gateway-chassis", "lrp0", "ch1", "10"]);
    p.step(&["lrp-get-gateway-chassis", "lrp0"]);
    p.step(&["lrp-del-gateway-chassis", "lrp0", "ch9"]);
    p.step(&["lrp-del-gateway-chassis", "lrp0", "ch3"]);
    p.step(&["lrp-get-gateway-chassis", "lrp0"]);
    p.step(&["lrp-del-gateway-chassis", "nolrp", "ch3"]);
    p.step(&["lrp-get-gateway-chassis", "nolrp"]);
    p.step(&["lrp-set-gateway-chassis", "lrp1", "chA", "1"]);
    p.step(&["lrp-del-gateway-chassis", "lrp1", "chA"]);
    p.step(&["lrp-get-gateway-chassis", "lrp1"]);
    // Within one invocation: set edits show after the commit, deleted rows keep their contents.
    p.step(&[
        "lrp-set-gateway-chassis",
        "lrp1",
        "h1",
        "1",
        "--",
        "lrp-get-gateway-chassis",
        "lrp1",
        "--",
        "lrp-set-gateway-chassis",
        "lrp1",
        "h2",
        "2",
        "--",
        "lrp-get-gateway-chassis",
        "lrp1",
    ]);
    p.step(&[
        "lrp-del-gateway-chassis",
        "lrp1",
        "h1",
        "--",
        "lrp-get-gateway-chassis",
        "lrp1",
        "--",
        "lrp-del-gateway-chassis",
        "lrp1",
        "h2",
        "--",
        "lrp-get-gateway-chassis",
        "lrp1",
    ]);
    p.step(&["lrp-get-gateway-chassis", "lrp1"]);
    // Deletion.
    p.step(&["lrp-del", "nolrp"]);
    p.step(&["--if-exists", "lrp-del", "nolrp"]);
    p.step(&["lrp-del", "lrp1"]);
    p.step(&["lrp-del"]);
    p.step(&["lrp-list", "lr0"]);
    p.step(&["lr-del", "nolr"]);
    p.step(&["--if-exists", "lr-del", "nolr"]);
    p.step(&["lr-del", "lr0"]);
    p.step(&["lr-list"]);
    // Ambiguous name (the listing of two same-named routers is in UUID order: not compared).
    p.step(&["--add-duplicate", "lr-add", "lr1"]);
    p.step(&["lr-del", "lr1"]);
    p.step(&["lrp-list", "lr1"]);
    p.step(&["lrp-add", "lr1", "lrp5", "00:00:00:00:00:05", "50.0.0.1/24"]);
}
