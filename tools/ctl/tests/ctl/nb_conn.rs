//! ovn-nbctl's connection and SSL commands (NB_Global's `connections` and `ssl`), against the
//! reference on twin servers.

use ovsdb_ctl::Tool;

use crate::diff::Pair;

#[test]
fn nb_connection_and_ssl_commands_match_ovn_nbctl() {
    let mut p = Pair::new(Tool::Nbctl, "nb_connection_and_ssl_commands_match_ovn_nbctl");
    // On an empty database: NB_Global is created for the connections to hang from.
    p.step(&["set-connection", "ptcp:6641"]);
    p.step(&["get-connection"]);
    p.step(&[
        "--inactivity-probe=30000",
        "set-connection",
        "ptcp:6641:127.0.0.1",
        "tcp:127.0.0.1:6640",
    ]);
    p.step(&["get-connection"]);
    p.step(&["set-connection", "bogus:1", "ptcp:1"]);
    p.step(&[
        "-vPATTERN:console:%c|%p|%m",
        "set-connection",
        "bogus:2",
        "ptcp:2",
    ]);
    p.step(&["set-connection"]);
    p.step(&["get-connection", "x"]);
    p.step(&["del-connection"]);
    p.step(&["get-connection"]);
    p.step(&["get-ssl"]);
    p.step(&["del-ssl"]);
    p.step(&["set-ssl", "/k.pem", "/c.pem", "/ca.pem"]);
    p.step(&["get-ssl"]);
    p.step(&[
        "--bootstrap",
        "set-ssl",
        "/k2.pem",
        "/c2.pem",
        "/ca2.pem",
        "TLSv1.2",
        "HIGH",
    ]);
    p.step(&["get-ssl"]);
    p.step(&["set-ssl", "/k.pem", "/c.pem"]);
    p.step(&["del-ssl"]);
    p.step(&["get-ssl"]);
}
