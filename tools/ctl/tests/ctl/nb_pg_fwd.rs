//! ovn-nbctl's port group and forwarding group commands, with their error paths, against the
//! reference on twin servers.

use ovsdb_ctl::Tool;

use crate::diff::Pair;

#[test]
fn nb_pg_and_fwd_group_commands_match_ovn_nbctl() {
    let mut p = Pair::new(Tool::Nbctl, "nb_pg_and_fwd_group_commands_match_ovn_nbctl");
    p.step(&[
        "ls-add", "sw0", "--", "lsp-add", "sw0", "p0", "--", "lsp-add", "sw0", "p1", "--", "ls-add", "sw1",
        "--", "lsp-add", "sw1", "q0",
    ]);
    // Port groups.
    p.step(&["pg-add", "pg0"]);
    p.step(&["pg-add", "pg1", "p0", "p1"]);
    p.step(&["pg-add", "pg2", "p0", "nope"]);
    p.step(&["pg-add"]);
    p.step(&["pg-set-ports", "pg0", "q0", "p1"]);
    p.step(&["pg-set-ports", "pg0"]);
    p.step(&["pg-set-ports", "nope", "p0"]);
    p.step(&["pg-set-ports", "pg0", "nope"]);
    p.step(&["pg-del", "pg1"]);
    p.step(&["pg-del", "pg1"]);
    p.step(&["pg-del", "00000000-0000-0000-0000-000000000000"]);
    // Forwarding groups.
    p.step(&[
        "fwd-group-add",
        "fg0",
        "sw0",
        "10.0.0.100",
        "00:00:00:00:00:aa",
        "p0",
        "p1",
    ]);
    p.step(&[
        "--liveness",
        "fwd-group-add",
        "fg1",
        "sw1",
        "10.1.0.100",
        "00:00:00:00:01:aa",
        "q0",
    ]);
    p.step(&[
        "fwd-group-add",
        "fg0",
        "sw0",
        "10.0.0.100",
        "00:00:00:00:00:aa",
        "p0",
    ]);
    p.step(&["fwd-group-add", "fg2", "sw0", "10.0.0.100", "00:00:00:00:00:aa"]);
    p.step(&[
        "fwd-group-add",
        "fg2",
        "nope",
        "10.0.0.100",
        "00:00:00:00:00:aa",
        "p0",
    ]);
    p.step(&["fwd-group-add", "fg2", "sw0", "10.0.0", "00:00:00:00:00:aa", "p0"]);
    p.step(&["fwd-group-add", "fg2", "sw0", "10.0.0.1", "00:00:00:00:00", "p0"]);
    p.step(&[
        "fwd-group-add",
        "fg2",
        "sw0",
        "10.0.0.1",
        "00:00:00:00:00:01",
        "q0",
    ]);
    p.step(&[
        "fwd-group-add",
        "fg2",
        "sw0",
        "10.0.0.1",
        "00:00:00:00:00:01",
        "nope",
    ]);
    p.step(&["fwd-group-list", "sw0"]);
    p.step(&["fwd-group-list", "sw1"]);
    p.step(&["fwd-group-list", "nope"]);
    p.step(&["fwd-group-del", "fg0"]);
    p.step(&["fwd-group-del", "fg0"]);
    p.step(&["--if-exists", "fwd-group-del", "fg0"]);
    p.step(&["fwd-group-list"]);
}
