//! sbctl-rs's connection, SSL and IP multicast commands, and the `SB_Global` row every
//! invocation creates when it is missing, against ovn-sbctl on twin fresh servers (stdout,
//! stderr, exit code and database contents after every step).

use ovsdb_ctl::Tool;

use crate::diff::Pair;

#[test]
fn sbctl_connection_ssl_and_global_match_ovn_sbctl() {
    let mut p = Pair::new(Tool::Sbctl, "sbctl_connection_ssl_and_global_match_ovn_sbctl");
    // SB_Global: made by the first invocation that commits, whatever its commands (even
    // read-only ones), never by a dry run or a failed one.
    p.step(&["--dry-run", "get-connection"]);
    p.step(&["chassis-del", "nosuch"]);
    p.step(&["get-ssl"]);
    p.step(&["destroy", "SB_Global", "."]);
    p.step(&["list", "Chassis"]);
    p.step(&["destroy", "SB_Global", "."]);
    p.step(&["--may-exist", "chassis-add", "ch0", "geneve", "192.0.2.10"]);
    p.step(&["destroy", "SB_Global", "."]);
    p.step(&["set-connection", "ptcp:6642"]);
    p.step(&["list", "SB_Global"]);
    p.step(&["destroy", "SB_Global", "."]);
    p.step(&["show"]);
    p.step(&["destroy", "SB_Global", "."]);
    p.step(&["get-connection"]);
    p.step(&["destroy", "SB_Global", "."]);
    p.step(&["set-ssl", "k", "c", "ca"]);
    p.step(&["destroy", "SB_Global", "."]);
    p.step(&["del-ssl"]);
    p.step(&["list", "SB_Global"]);

    // Connections.
    p.step(&["get-connection"]);
    p.step(&[
        "set-connection",
        "read-only",
        "role=ovn-controller",
        "pssl:6643",
        "foo",
        "read-write",
        "tcp:192.0.2.1:6642",
        "bar",
    ]);
    p.step(&["get-connection"]);
    p.step(&["list", "Connection"]);
    p.step(&[
        "--inactivity-probe=5000",
        "set-connection",
        "ptcp:6642",
        "punix:/tmp/x.sock",
    ]);
    p.step(&["--bare", "--columns=inactivity_probe", "list", "Connection"]);
    // A target of no known method: kept, with the warning logged (shown bare by the pattern).
    p.step(&[
        "-vPATTERN:console:%c|%p|%m",
        "set-connection",
        "bogus:1",
        "read-only",
        "ptcp:3",
    ]);
    p.step(&["get-connection"]);
    p.step(&["--", "--inactivity-probe=12abc", "set-connection", "ptcp:1"]);
    p.step(&["--", "--inactivity-probe=abc", "set-connection", "ptcp:2"]);
    p.step(&["--bare", "--columns=inactivity_probe", "list", "Connection"]);
    p.step(&["--", "--inactivity-probe", "set-connection", "ptcp:3"]);
    p.step(&["set-connection"]);
    p.step(&["set-connection", "read-only", "role=x"]);
    p.step(&["get-connection"]);
    p.step(&["set-connection", "ptcp:6642", "--", "get-connection"]);
    p.step(&["get-connection", "extra"]);
    p.step(&["--may-exist", "get-connection"]);
    p.step(&["del-connection"]);
    p.step(&["get-connection"]);
    p.step(&["del-connection"]);
    p.step(&["del-connection", "x"]);

    // SSL.
    p.step(&["get-ssl"]);
    p.step(&["del-ssl"]);
    p.step(&["set-ssl", "key.pem", "cert.pem"]);
    p.step(&["set-ssl", "a", "b", "c", "d", "e", "f"]);
    p.step(&["set-ssl", "key.pem", "cert.pem", "ca.pem"]);
    p.step(&["get-ssl"]);
    p.step(&["list", "SSL"]);
    p.step(&[
        "--bootstrap",
        "set-ssl",
        "/k2.pem",
        "/c2.pem",
        "/ca2.pem",
        "TLSv1.2",
        "HIGH:!aNULL",
    ]);
    p.step(&["get-ssl"]);
    p.step(&["list", "SSL"]);
    p.step(&["set-ssl", "k3", "c3", "ca3", "TLSv1.3", "--", "get-ssl"]);
    p.step(&["--", "--bootstrap=yes", "set-ssl", "a", "b", "c"]);
    p.step(&["--", "--bootstrap", "get-ssl"]);
    p.step(&["del-ssl"]);
    p.step(&["get-ssl"]);
    p.step(&["del-ssl", "--", "get-ssl"]);

    // IP multicast: seq_no of each IP_Multicast row of the datapath, or of all.
    p.step(&[
        "--id=@dp1",
        "create",
        "Datapath_Binding",
        "tunnel_key=1",
        "external_ids:name=ls1",
        "--",
        "create",
        "IP_Multicast",
        "datapath=@dp1",
        "seq_no=7",
        "--",
        "--id=@dp2",
        "create",
        "Datapath_Binding",
        "tunnel_key=2",
        "external_ids:name=ls2",
        "external_ids:name2=alias2",
        "--",
        "create",
        "IP_Multicast",
        "datapath=@dp2",
    ]);
    p.step(&["ip-multicast-flush", "ls1"]);
    p.step(&["ip-multicast-flush", "alias2"]);
    p.step(&["ip-multicast-flush"]);
    p.step(&["--bare", "--columns=seq_no", "list", "IP_Multicast"]);
    p.step(&["ip-multicast-flush", "nosuch"]);
    p.step(&["ip-multicast-flush", "ls1", "ls2"]);
    p.step(&[
        "create",
        "Datapath_Binding",
        "tunnel_key=3",
        "external_ids:name=ls1",
    ]);
    p.step(&["ip-multicast-flush", "ls1"]);
    p.step(&["ip-multicast-flush", "ls2", "--", "ip-multicast-flush", "ls2"]);
}

/// The generic commands find southbound rows by the names ovn-sbctl's table of record ids
/// gives them (external_ids keys of datapaths and ports, logical ports, targets, names).
#[test]
fn sbctl_names_records_as_ovn_sbctl_does() {
    let mut p = Pair::new(Tool::Sbctl, "sbctl_names_records_as_ovn_sbctl_does");
    p.step(&[
        "--",
        "--id=@dp",
        "create",
        "Datapath_Binding",
        "tunnel_key=7",
        "external_ids:name=sw0",
        "external_ids:name2=sw0-alias",
        "external_ids:logical-switch=1b9ff9ae-5e5c-4c8c-9a9e-0d2a5f4c8b01",
        "--",
        "create",
        "Port_Binding",
        "logical_port=lp1",
        "tunnel_key=1",
        "datapath=@dp",
        "external_ids:name=neutron-port-1",
        "--",
        "create",
        "MAC_Binding",
        "logical_port=lp1",
        "ip=192.0.2.5",
        "mac=\"00:00:00:00:00:05\"",
        "datapath=@dp",
    ]);
    p.step(&["get", "Datapath_Binding", "sw0", "tunnel_key"]);
    p.step(&["get", "Datapath_Binding", "sw0-alias", "tunnel_key"]);
    p.step(&[
        "get",
        "Datapath_Binding",
        "1b9ff9ae-5e5c-4c8c-9a9e-0d2a5f4c8b01",
        "tunnel_key",
    ]);
    p.step(&["get", "Port_Binding", "neutron-port-1", "logical_port"]);
    p.step(&["get", "MAC_Binding", "lp1", "ip"]);
    p.step(&["set-connection", "ptcp:6642"]);
    p.step(&["get", "Connection", "ptcp:6642", "target"]);
    p.step(&["create", "DHCP_Options", "name=router", "code=3", "type=ipv4"]);
    p.step(&["get", "DHCP_Options", "router", "code"]);
    p.step(&["create", "RBAC_Role", "name=r1"]);
    p.step(&["get", "RBAC_Role", "r1", "name"]);
    p.step(&["get", "Port_Binding", "nosuch", "logical_port"]);
    p.step(&["--if-exists", "get", "MAC_Binding", "nosuch", "ip"]);
}
