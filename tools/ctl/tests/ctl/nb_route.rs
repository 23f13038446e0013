//! ovn-nbctl's static route commands: policies, ECMP, BFD, route tables, output ports and
//! discard routes, with their error paths.

use ovsdb_ctl::Tool;

use crate::diff::Pair;

#[test]
fn nbctl_route_matches_ovn_nbctl() {
    let mut p = Pair::new(Tool::Nbctl, "nbctl_route_matches_ovn_nbctl");
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
        "fd00::1/64",
    ]);
    p.step(&["lrp-add", "lr0", "lrp1", "00:00:00:00:00:02", "20.0.0.1/24"]);
    p.step(&["lr-route-list", "lr0"]);
    p.step(&["lr-route-add", "lr0", "0.0.0.0/0", "10.0.0.254"]);
    p.step(&["lr-route-add", "lr0", "0.0.0.0/0", "10.0.0.253"]);
    p.step(&[
        "--may-exist",
        "lr-route-add",
        "lr0",
        "0.0.0.0/0",
        "10.0.0.253",
        "lrp0",
    ]);
    p.step(&["lr-route-add", "lr0", "192.168.1.7/24", "10.0.0.5"]);
    p.step(&["--ecmp", "lr-route-add", "lr0", "192.168.1.0/24", "10.0.0.6"]);
    p.step(&["--ecmp", "lr-route-add", "lr0", "192.168.1.0/24", "10.0.0.6"]);
    p.step(&[
        "--ecmp",
        "--may-exist",
        "lr-route-add",
        "lr0",
        "192.168.1.0/24",
        "10.0.0.6",
    ]);
    p.step(&[
        "--ecmp-symmetric-reply",
        "lr-route-add",
        "lr0",
        "192.168.1.0/24",
        "10.0.0.7",
        "lrp0",
    ]);
    p.step(&[
        "--policy=src-ip",
        "lr-route-add",
        "lr0",
        "10.0.0.0/24",
        "20.0.0.254",
    ]);
    p.step(&[
        "--policy=src-ip",
        "lr-route-add",
        "lr0",
        "10.0.0.0/24",
        "20.0.0.253",
    ]);
    p.step(&["--policy=foo", "lr-route-add", "lr0", "10.0.0.0/24", "20.0.0.253"]);
    p.step(&[
        "--route-table=rtb1",
        "lr-route-add",
        "lr0",
        "172.16.0.0/16",
        "10.0.0.9",
    ]);
    p.step(&[
        "--route-table=rtb1",
        "lr-route-add",
        "lr0",
        "0.0.0.0/0",
        "10.0.0.10",
    ]);
    p.step(&["lr-route-add", "lr0", "172.16.5.0/24", "discard"]);
    p.step(&["--ecmp", "lr-route-add", "lr0", "172.16.5.0/24", "discard"]);
    p.step(&["--ecmp", "lr-route-add", "lr0", "172.16.5.0/24", "10.0.0.4"]);
    p.step(&["lr-route-add", "lr0", "172.16.6.0/24", "discard", "lrp0"]);
    p.step(&["--bfd", "lr-route-add", "lr0", "172.16.7.0/24", "discard"]);
    // An output port for a next hop; a next hop that is neither.
    p.step(&["lr-route-add", "lr0", "172.16.8.0/24", "lrp1"]);
    p.step(&["lr-route-add", "lr0", "172.16.9.0/24", "nolrp"]);
    p.step(&["lr-route-add", "lr0", "fd01::/64", "10.0.0.1"]);
    p.step(&["lr-route-add", "lr0", "172.16.9.0/24", "10.0.0.1", "nolrp"]);
    // BFD.
    p.step(&[
        "--bfd",
        "lr-route-add",
        "lr0",
        "172.16.10.0/24",
        "10.0.0.11",
        "lrp0",
    ]);
    // The BFD row of that next hop is found again (without an output port: with one,
    // ovn-nbctl, which does not read BFD's logical_port, makes a second row the server
    // refuses, in a message whose row order follows their UUIDs).
    p.step(&["--bfd", "lr-route-add", "lr0", "172.16.11.0/24", "10.0.0.11"]);
    p.step(&["--bfd", "lr-route-add", "lr0", "172.16.12.0/24", "10.0.0.12"]);
    p.step(&[
        "--bfd=01234567-89ab-cdef-0123-456789abcdef",
        "lr-route-add",
        "lr0",
        "172.16.12.0/24",
        "10.0.0.12",
    ]);
    p.step(&["--bfd=nope", "lr-route-add", "lr0", "172.16.12.0/24", "10.0.0.12"]);
    // IPv6 and malformed prefixes / next hops.
    p.step(&["lr-route-add", "lr0", "fd01::/64", "fd00::2"]);
    p.step(&["lr-route-add", "lr0", "fd02::5/64", "fd00::3", "lrp0"]);
    p.step(&["lr-route-add", "lr0", "::/0", "fd00::fe"]);
    p.step(&["lr-route-add", "lr0", "10.0.0.0/33", "10.0.0.1"]);
    p.step(&["lr-route-add", "lr0", "bogus", "10.0.0.1"]);
    p.step(&["lr-route-add", "lr0", "10.1.0.0/16", "10.0.0.300"]);
    p.step(&["lr-route-add", "lr0", "10.1.0.0/16", "10.0.0.1/32"]);
    p.step(&["lr-route-add", "nolr", "10.1.0.0/16", "10.0.0.1"]);
    p.step(&["lr-route-add", "lr0", "10.1.0.0/16"]);
    p.step(&["lr-route-list", "lr0"]);
    p.step(&["--route-table=rtb1", "lr-route-list", "lr0"]);
    p.step(&["lr-route-list", "nolr"]);
    // Within one invocation, routes added earlier are not seen by later commands.
    p.step(&[
        "lr-add",
        "lr1",
        "--",
        "lr-route-add",
        "lr1",
        "10.0.0.0/8",
        "1.1.1.1",
        "--",
        "lr-route-add",
        "lr1",
        "10.0.0.0/8",
        "1.1.1.2",
    ]);
    p.step(&[
        "--ecmp",
        "lr-route-add",
        "lr1",
        "10.0.0.0/8",
        "1.1.1.3",
        "--",
        "--ecmp",
        "lr-route-add",
        "lr1",
        "10.0.0.0/8",
        "1.1.1.2",
    ]);
    p.step(&["lr-route-list", "lr1"]);
    p.step(&["--policy=src-ip", "lr-route-del", "lr1"]);
    // A prefix written by other means that is no prefix is logged and left out.
    p.step(&[
        "--id=@r",
        "create",
        "Logical_Router_Static_Route",
        "ip_prefix=bogus",
        "nexthop=1.1.1.1",
        "--",
        "add",
        "Logical_Router",
        "lr1",
        "static_routes",
        "@r",
    ]);
    p.step(&["lr-route-list", "lr1"]);
    // Deletion.
    p.step(&["lr-route-del", "lr0", "172.16.99.0/24"]);
    p.step(&["--if-exists", "lr-route-del", "lr0", "172.16.99.0/24"]);
    p.step(&["lr-route-del", "lr0", "bogus"]);
    p.step(&["lr-route-del", "lr0", "192.168.1.0/24", "bogus"]);
    p.step(&["lr-route-del", "lr0", "192.168.1.0/24", "10.0.0.7", "lrp1"]);
    p.step(&["lr-route-del", "lr0", "192.168.1.0/24", "10.0.0.7", "lrp0"]);
    p.step(&["lr-route-del", "lr0", "172.16.10.0/24"]);
    p.step(&["--policy=src-ip", "lr-route-del", "lr0"]);
    p.step(&[
        "--policy=dst-ip",
        "--route-table=rtb1",
        "lr-route-del",
        "lr0",
        "0.0.0.0/0",
    ]);
    p.step(&["lr-route-del", "lr0", "172.16.5.0/24", "discard"]);
    p.step(&["lr-route-list", "lr0"]);
    p.step(&["lr-route-del", "lr0"]);
    p.step(&["lr-route-list", "lr0"]);
    p.step(&["lr-route-del", "lr0", "a", "b", "c", "d"]);
}
