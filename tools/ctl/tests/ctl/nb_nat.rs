//! ovn-nbctl's NAT commands: types, stateless, port ranges, logical ports, gateway ports,
//! --may-exist / --if-exists, with their error paths.

use ovsdb_ctl::Tool;

use crate::diff::Pair;

#[test]
fn nbctl_nat_matches_ovn_nbctl() {
    let mut p = Pair::new(Tool::Nbctl, "nbctl_nat_matches_ovn_nbctl");
    p.step(&["init"]);
    p.step(&[
        "lr-add",
        "lr0",
        "--",
        "lrp-add",
        "lr0",
        "lrp0",
        "00:00:00:00:00:01",
        "172.16.0.1/24",
    ]);
    p.step(&["ls-add", "sw0", "--", "lsp-add", "sw0", "vm1"]);
    p.step(&["lr-nat-list", "lr0"]);
    p.step(&["lr-nat-add", "lr0", "snat", "172.16.0.10", "10.0.0.0/24"]);
    p.step(&["lr-nat-add", "lr0", "snat", "172.16.0.10", "10.0.0.0/24"]);
    p.step(&[
        "--may-exist",
        "lr-nat-add",
        "lr0",
        "snat",
        "172.16.0.10",
        "10.0.0.0/24",
    ]);
    p.step(&["lr-nat-add", "lr0", "snat", "172.16.0.11", "10.0.0.0/24"]);
    p.step(&["lr-nat-add", "lr0", "dnat", "172.16.0.12", "10.0.0.5"]);
    p.step(&["lr-nat-add", "lr0", "dnat", "172.16.0.12", "10.0.0.6"]);
    p.step(&[
        "lr-nat-add",
        "lr0",
        "dnat_and_snat",
        "172.16.0.13",
        "10.0.0.7",
        "vm1",
        "00:00:00:00:01:07",
    ]);
    p.step(&[
        "--stateless",
        "lr-nat-add",
        "lr0",
        "dnat_and_snat",
        "172.16.0.13",
        "10.0.0.8",
    ]);
    p.step(&[
        "--stateless",
        "lr-nat-add",
        "lr0",
        "dnat_and_snat",
        "172.16.0.14",
        "10.0.0.8",
    ]);
    p.step(&["lr-nat-add", "lr0", "dnat_and_snat", "172.16.0.14", "10.0.0.9"]);
    p.step(&[
        "--stateless",
        "lr-nat-add",
        "lr0",
        "snat",
        "172.16.0.15",
        "10.0.1.0/24",
    ]);
    p.step(&[
        "--add-route",
        "lr-nat-add",
        "lr0",
        "snat",
        "172.16.0.15",
        "10.0.1.0/24",
    ]);
    p.step(&[
        "--add-route",
        "lr-nat-add",
        "lr0",
        "dnat",
        "172.16.0.16",
        "10.0.1.16",
    ]);
    p.step(&[
        "--portrange",
        "lr-nat-add",
        "lr0",
        "dnat",
        "172.16.0.17",
        "10.0.1.17",
        "1000-2000",
    ]);
    p.step(&[
        "--portrange",
        "lr-nat-add",
        "lr0",
        "dnat",
        "172.16.0.18",
        "10.0.1.18",
        "2000-1000",
    ]);
    p.step(&[
        "--portrange",
        "lr-nat-add",
        "lr0",
        "dnat",
        "172.16.0.18",
        "10.0.1.18",
        "1-70000",
    ]);
    p.step(&[
        "--portrange",
        "lr-nat-add",
        "lr0",
        "dnat",
        "172.16.0.18",
        "10.0.1.18",
        "abc",
    ]);
    p.step(&["lr-nat-add", "lr0", "dnat", "172.16.0.18", "10.0.1.18", "100"]);
    p.step(&[
        "--portrange",
        "lr-nat-add",
        "lr0",
        "dnat_and_snat",
        "172.16.0.19",
        "10.0.1.19",
        "vm1",
        "00:00:00:00:01:19",
        "80-90",
    ]);
    p.step(&[
        "--portrange",
        "lr-nat-add",
        "lr0",
        "dnat_and_snat",
        "172.16.0.20",
        "10.0.1.20",
        "vm1",
        "00:00:00:00:01:20",
    ]);
    // Malformed addresses, ports, types; a logical port that does not exist.
    p.step(&[
        "lr-nat-add",
        "lr0",
        "dnat_and_snat",
        "172.16.0.21",
        "10.0.1.21",
        "novm",
        "00:00:00:00:01:21",
    ]);
    p.step(&[
        "lr-nat-add",
        "lr0",
        "dnat_and_snat",
        "172.16.0.21",
        "10.0.1.21",
        "vm1",
        "00:00:00:01:21",
    ]);
    p.step(&[
        "lr-nat-add",
        "lr0",
        "dnat",
        "172.16.0.21",
        "10.0.1.21",
        "vm1",
        "00:00:00:00:01:21",
    ]);
    p.step(&["lr-nat-add", "lr0", "snat", "172.16.0.300", "10.0.0.0/24"]);
    p.step(&["lr-nat-add", "lr0", "snat", "172.16.0.21", "10.0.0.0/33"]);
    p.step(&["lr-nat-add", "lr0", "dnat", "172.16.0.21", "10.0.0.0/24"]);
    p.step(&["lr-nat-add", "lr0", "dnat", "fd00::21", "10.0.0.1"]);
    p.step(&["lr-nat-add", "lr0", "dnat", "fd00::21", "fd01::1"]);
    p.step(&["lr-nat-add", "lr0", "snat", "fd00::22", "fd01::/64"]);
    p.step(&["lr-nat-add", "lr0", "nat", "172.16.0.21", "10.0.0.1"]);
    p.step(&["lr-nat-add", "nolr", "dnat", "172.16.0.21", "10.0.0.1"]);
    p.step(&["lr-nat-add", "lr0", "dnat", "172.16.0.21"]);
    // Gateway ports.
    p.step(&[
        "--gateway-port=lrp0",
        "lr-nat-add",
        "lr0",
        "snat",
        "172.16.0.30",
        "10.0.2.0/24",
    ]);
    p.step(&[
        "lrp-set-gateway-chassis",
        "lrp0",
        "ch1",
        "--",
        "lrp-add",
        "lr0",
        "lrp1",
        "00:00:00:00:00:02",
        "172.17.0.1/24",
    ]);
    p.step(&["lrp-set-gateway-chassis", "lrp1", "ch1"]);
    p.step(&[
        "--gateway-port=lrp0",
        "lr-nat-add",
        "lr0",
        "snat",
        "172.16.0.30",
        "10.0.2.0/24",
    ]);
    p.step(&[
        "--gateway-port=lrp1",
        "lr-nat-add",
        "lr0",
        "snat",
        "172.17.0.30",
        "10.0.2.0/24",
    ]);
    p.step(&[
        "--gateway-port=nolrp",
        "lr-nat-add",
        "lr0",
        "snat",
        "172.17.0.31",
        "10.0.3.0/24",
    ]);
    p.step(&["lr-nat-add", "lr0", "snat", "172.18.0.30", "10.0.3.0/24"]);
    p.step(&["lr-nat-add", "lr0", "snat", "172.17.0.32", "10.0.4.0/24"]);
    p.step(&["lr-nat-list", "lr0"]);
    p.step(&["lr-nat-list", "nolr"]);
    // Allowed / exempted external IPs.
    p.step(&["create", "Address_Set", "name=as1"]);
    p.step(&["lr-nat-update-ext-ip", "lr0", "snat", "10.0.0.0/24", "as1"]);
    p.step(&[
        "--is-exempted",
        "lr-nat-update-ext-ip",
        "lr0",
        "dnat",
        "172.16.0.12",
        "as1",
    ]);
    p.step(&["lr-nat-update-ext-ip", "lr0", "dnat", "172.16.0.99", "as1"]);
    p.step(&["lr-nat-update-ext-ip", "lr0", "dnat", "172.16.0.12", "as9"]);
    p.step(&["lr-nat-update-ext-ip", "lr0", "dnat", "bad", "as1"]);
    p.step(&["lr-nat-update-ext-ip", "lr0", "nat", "172.16.0.12", "as1"]);
    p.step(&["lr-nat-update-ext-ip", "lr0", "dnat", "172.16.0.12"]);
    // Deletion.
    p.step(&["lr-nat-del", "lr0", "snat", "172.17.0.30", "lrp1"]);
    p.step(&["lr-nat-del", "lr0", "snat", "10.0.2.0/24", "lrp1"]);
    p.step(&["lr-nat-del", "lr0", "snat", "10.0.2.0/24", "lrp0"]);
    p.step(&["--if-exists", "lr-nat-del", "lr0", "snat", "10.0.2.0/24", "lrp0"]);
    p.step(&["lr-nat-del", "lr0", "snat", "bogus", "lrp0"]);
    p.step(&["lr-nat-del", "lr0", "snat", "lrp1"]);
    p.step(&["lr-nat-del", "lr0", "snat", "nolrp"]);
    p.step(&["lr-nat-del", "lr0", "dnat", "172.16.0.99"]);
    p.step(&["lr-nat-del", "lr0", "dnat", "172.16.0.12"]);
    p.step(&["lr-nat-del", "lr0", "foo"]);
    p.step(&["lr-nat-del", "lr0", "dnat_and_snat"]);
    p.step(&["lr-nat-list", "lr0"]);
    p.step(&["lr-nat-del", "lr0"]);
    p.step(&["lr-nat-list", "lr0"]);
    p.step(&["lr-nat-del", "lr0", "a", "b", "c", "d"]);
}
