//! ovn-nbctl's HA chassis group commands, with their error paths.

use ovsdb_ctl::Tool;

use crate::diff::Pair;

#[test]
fn nbctl_ha_chassis_group_matches_ovn_nbctl() {
    let mut p = Pair::new(Tool::Nbctl, "nbctl_ha_chassis_group_matches_ovn_nbctl");
    p.step(&["init"]);
    p.step(&["ha-chassis-group-list"]);
    p.step(&["ha-chassis-group-add", "g1"]);
    // A duplicate name is refused by the server's index. (Against an existing row the
    // server's message names the two rows in an order that follows their UUIDs: the
    // duplicate is made within one transaction, where both are new.)
    p.step(&["ha-chassis-group-add", "g2", "--", "ha-chassis-group-add", "g2"]);
    p.step(&["ha-chassis-group-add"]);
    p.step(&["ha-chassis-group-add-chassis", "g1", "ch1", "10"]);
    p.step(&["ha-chassis-group-list"]);
    p.step(&["ha-chassis-group-add-chassis", "g1", "ch1", "20"]);
    p.step(&["ha-chassis-group-add-chassis", "g1", "ch2", "40000"]);
    p.step(&["ha-chassis-group-add-chassis", "g1", "ch2", "abc"]);
    p.step(&["ha-chassis-group-add-chassis", "nog", "ch2", "5"]);
    p.step(&["ha-chassis-group-add-chassis", "g1", "ch2"]);
    p.step(&["ha-chassis-group-set-chassis-prio", "g1", "ch1", "30"]);
    p.step(&["ha-chassis-group-set-chassis-prio", "g1", "ch9", "30"]);
    p.step(&["ha-chassis-group-set-chassis-prio", "g1", "ch1", "-1"]);
    p.step(&["ha-chassis-group-list"]);
    p.step(&["ha-chassis-group-remove-chassis", "g1", "ch9"]);
    p.step(&["ha-chassis-group-remove-chassis", "nog", "ch1"]);
    p.step(&["ha-chassis-group-add-chassis", "g1", "ch2", "5"]);
    p.step(&["ha-chassis-group-remove-chassis", "g1", "ch1"]);
    p.step(&["ha-chassis-group-list"]);
    // Within one invocation a chassis added earlier is not seen by a later command.
    p.step(&[
        "ha-chassis-group-add",
        "g3",
        "--",
        "ha-chassis-group-add-chassis",
        "g3",
        "chx",
        "1",
    ]);
    p.step(&[
        "ha-chassis-group-add-chassis",
        "g3",
        "chy",
        "1",
        "--",
        "ha-chassis-group-add-chassis",
        "g3",
        "chy",
        "2",
    ]);
    p.step(&["ha-chassis-group-del", "g3"]);
    p.step(&["ha-chassis-group-del", "nog"]);
    p.step(&["ha-chassis-group-del", "01234567-89ab-cdef-0123-456789abcdef"]);
    p.step(&["--if-exists", "ha-chassis-group-del", "g1"]);
    p.step(&["ha-chassis-group-del", "g1"]);
    p.step(&["ha-chassis-group-list"]);
    p.step(&["ha-chassis-group-list", "x"]);
    // A chassis removed earlier in the invocation still shows in a later listing (one group
    // with one chassis: the listing's order follows UUIDs).
    p.step(&["ha-chassis-group-add", "g5"]);
    p.step(&["ha-chassis-group-add-chassis", "g5", "c5", "1"]);
    p.step(&[
        "ha-chassis-group-remove-chassis",
        "g5",
        "c5",
        "--",
        "ha-chassis-group-list",
    ]);
    p.step(&["ha-chassis-group-list"]);
}
