//! ovn-nbctl's router policy commands: lr-policy-add / lr-policy-del / lr-policy-list, with
//! their error paths.

use ovsdb_ctl::Tool;

use crate::diff::Pair;

#[test]
fn nbctl_policy_matches_ovn_nbctl() {
    let mut p = Pair::new(Tool::Nbctl, "nbctl_policy_matches_ovn_nbctl");
    // (NB_Global is inserted by any ovn-nbctl invocation: made here first.)
    p.step(&["init"]);
    p.step(&["lr-add", "lr0"]);
    p.step(&["lr-policy-list", "lr0"]);
    p.step(&["lr-policy-add", "lr0", "100", "ip4.src == 10.0.0.0/24", "allow"]);
    p.step(&["lr-policy-add", "lr0", "100", "ip4.src == 10.0.0.0/24", "drop"]);
    p.step(&[
        "--may-exist",
        "lr-policy-add",
        "lr0",
        "100",
        "ip4.src == 10.0.0.0/24",
        "drop",
    ]);
    p.step(&[
        "lr-policy-add",
        "lr0",
        "200",
        "ip4.dst == 1.1.1.1",
        "reroute",
        "10.0.0.1,10.0.0.2",
        "pkt_mark=5",
    ]);
    p.step(&[
        "lr-policy-add",
        "lr0",
        "300",
        "ip6.dst == ::1",
        "reroute",
        "fe80::0001",
    ]);
    p.step(&["lr-policy-add", "lr0", "50", "ip4", "drop", "a=b", "c=d", "e=f"]);
    p.step(&[
        "lr-policy-add",
        "lr0",
        "50",
        "ip4.src == 1.2.3.4",
        "allow",
        "novalue",
    ]);
    p.step(&["lr-policy-add", "lr0", "50", "ip4.src == 1.2.3.4", "allow", "k="]);
    p.step(&["lr-policy-add", "lr0", "51", "tcp", "reroute"]);
    p.step(&["lr-policy-add", "lr0", "51", "tcp", "reroute", "10.0.0.300"]);
    p.step(&["lr-policy-add", "lr0", "51", "tcp", "reroute", "10.0.0.1,fe80::1"]);
    p.step(&["lr-policy-add", "lr0", "51", "tcp", "forward"]);
    p.step(&["lr-policy-add", "lr0", "40000", "tcp", "allow"]);
    p.step(&["lr-policy-add", "lr0", "x", "tcp", "allow"]);
    p.step(&["lr-policy-add", "nolr", "1", "tcp", "allow"]);
    p.step(&["lr-policy-add", "lr0", "1", "tcp"]);
    p.step(&["--if-exists", "lr-policy-add", "lr0", "1", "tcp", "allow"]);
    p.step(&["lr-policy-list", "lr0"]);
    p.step(&["lr-policy-list", "nolr"]);
    p.step(&["lr-policy-list"]);
    p.step(&["lr-policy-del", "lr0", "100", "nomatch"]);
    p.step(&["lr-policy-del", "lr0", "100", "ip4.src == 10.0.0.0/24"]);
    p.step(&["lr-policy-del", "lr0", "abc"]);
    p.step(&["lr-policy-del", "lr0", "01234567-89ab-cdef-0123-456789abcdef"]);
    p.step(&[
        "--if-exists",
        "lr-policy-del",
        "lr0",
        "01234567-89ab-cdef-0123-456789abcdef",
    ]);
    p.step(&["lr-policy-del", "lr0", "200"]);
    p.step(&["lr-policy-list", "lr0"]);
    p.step(&["lr-policy-del", "lr0", "1", "2", "3"]);
    p.step(&["lr-policy-del", "lr0"]);
    p.step(&["lr-policy-list", "lr0"]);
    p.step(&["lr-policy-add", "lr0", "10", "tcp", "allow", "10.0.0.1"]);
    p.step(&[
        "lr-policy-add",
        "lr0",
        "10",
        "tcp",
        "allow",
        "--",
        "lr-policy-add",
        "lr0",
        "10",
        "tcp",
        "allow",
    ]);
    p.step(&["lr-policy-list", "lr0"]);
    // Ambiguous router name.
    p.step(&["--add-duplicate", "lr-add", "lr0"]);
    p.step(&["lr-policy-add", "lr0", "1", "tcp", "allow"]);
}
