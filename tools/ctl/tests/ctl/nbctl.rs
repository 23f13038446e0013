//! ovn-nbctl's own commands: the lab flow of multichassis.sh and error cases.

use ovsdb_ctl::Tool;

use crate::diff::Pair;

#[test]
fn nbctl_lab_flow_matches_ovn_nbctl() {
    let mut p = Pair::new(Tool::Nbctl, "nbctl_lab_flow_matches_ovn_nbctl");
    p.step(&["--no-wait", "init"]);
    p.step(&[
        "--",
        "ls-add",
        "ls1",
        "--",
        "lr-add",
        "lr1",
        "--",
        "lrp-add",
        "lr1",
        "lr1-ls1",
        "00:00:00:00:ff:01",
        "10.0.1.1/24",
        "--",
        "lsp-add",
        "ls1",
        "ls1-lr1",
        "--",
        "lsp-set-type",
        "ls1-lr1",
        "router",
        "--",
        "lsp-set-addresses",
        "ls1-lr1",
        "router",
        "--",
        "lsp-set-options",
        "ls1-lr1",
        "router-port=lr1-ls1",
        "--",
        "lsp-add",
        "ls1",
        "vm1",
        "--",
        "lsp-set-addresses",
        "vm1",
        "00:00:00:00:01:01 10.0.1.11",
        "--",
        "lsp-set-port-security",
        "vm1",
        "00:00:00:00:01:01 10.0.1.11",
    ]);
    p.step(&[
        "ls-add",
        "ls2",
        "--",
        "lsp-add",
        "ls2",
        "vm2",
        "--",
        "lsp-set-addresses",
        "vm2",
        "00:00:00:00:02:01 10.0.2.11",
        "unknown",
    ]);
    p.step(&["ls-list"]);
    p.step(&["lr-list"]);
    p.step(&["lsp-list", "ls1"]);
    p.step(&["lrp-list", "lr1"]);
    p.step(&["show"]);
    p.step(&["show", "ls1"]);
    p.step(&["show", "lr1"]);
    p.step(&["get", "Logical_Switch_Port", "vm1", "up"]);
    p.step(&["lsp-get-up", "vm1"]);
    p.step(&["lsp-get-addresses", "vm2"]);
    p.step(&["lsp-get-port-security", "vm1"]);
    p.step(&["lsp-get-type", "ls1-lr1"]);
    p.step(&["lsp-get-options", "ls1-lr1"]);
    p.step(&[
        "lsp-set-enabled",
        "vm1",
        "disabled",
        "--",
        "lsp-get-enabled",
        "vm1",
    ]);
    p.step(&["lsp-add", "ls1", "child", "vm1", "42"]);
    p.step(&["--may-exist", "lsp-add", "ls1", "vm1"]);
    p.step(&["--may-exist", "ls-add", "ls1"]);
    p.step(&["--may-exist", "lr-add", "lr1"]);
    p.step(&[
        "--may-exist",
        "lrp-add",
        "lr1",
        "lr1-ls1",
        "00:00:00:00:ff:01",
        "10.0.1.1/24",
    ]);
    p.step(&["lsp-del", "child"]);
    p.step(&["--if-exists", "lsp-del", "child"]);
    p.step(&[
        "lrp-add",
        "lr1",
        "lr1-ls2",
        "00:00:00:00:ff:02",
        "10.0.2.1/24",
        "fe80::1/64",
    ]);
    p.step(&["lrp-del", "lr1-ls2"]);
    p.step(&["ls-del", "ls2"]);
    p.step(&["lr-add", "lr2", "--", "lr-del", "lr2"]);
    p.step(&["show"]);
}

#[test]
fn nbctl_errors_match_ovn_nbctl() {
    let mut p = Pair::new(Tool::Nbctl, "nbctl_errors_match_ovn_nbctl");
    p.step(&["--no-wait", "init"]);
    p.step(&[
        "ls-add", "sw0", "--", "lsp-add", "sw0", "p1", "--", "lr-add", "r0",
    ]);
    for args in [
        &["ls-del", "nosuch"][..],
        &["lsp-add", "nosuch", "p"],
        &["lsp-add", "sw0", "p1"],
        &["lsp-del", "zz"],
        &["lsp-set-type", "p1", "foo"],
        &["lsp-set-addresses", "p1", "foo"],
        &["lr-add", "r0"],
        &["lrp-add", "r0", "rpx", "zz", "10.0.0.1/24"],
        &["lsp-add", "sw0", "p3", "parent", "5000"],
        &["lsp-add", "sw0", "p3", "parent"],
        &["lsp-set-enabled", "p1", "maybe"],
        &["ls-add", "sw0"],
        &["show", "nosuch"],
        &["lsp-get-addresses", "nosuch"],
        &["ls-add", "sw1", "--", "lsp-add", "sw1", "p1"],
    ] {
        p.step(args);
    }
}
