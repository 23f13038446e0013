//! ovn-nbctl's DHCP options commands, with their error paths.

use ovsdb_ctl::Tool;

use crate::diff::Pair;

#[test]
fn nbctl_dhcp_options_match_ovn_nbctl() {
    let mut p = Pair::new(Tool::Nbctl, "nbctl_dhcp_options_match_ovn_nbctl");
    // (NB_Global is inserted by any ovn-nbctl invocation: made here first.)
    p.step(&["init"]);
    p.step(&["dhcp-options-list"]);
    p.step(&["dhcp-options-create", "10.0.0.0/24", "name=a", "nokey", "x=y=z"]);
    p.step(&["dhcp-options-create", "10.0.1.0/255.255.255.0"]);
    p.step(&["dhcp-options-create", "10.0.0.1/24"]);
    p.step(&["dhcp-options-create", "ae::/64"]);
    p.step(&["dhcp-options-create", "10.0.0.0/33"]);
    p.step(&["dhcp-options-create", "10.0.0.0/255.0.255.0"]);
    p.step(&["dhcp-options-create", "bogus"]);
    p.step(&["dhcp-options-create"]);
    p.step(&["dhcp-options-list"]);
    let (t, o) = p.row_uuids("DHCP_Options", "cidr", "10.0.0.0/24");
    let opts = [
        "lease_time=3600",
        "router=10.0.0.1",
        "server_id=10.0.0.1",
        "server_mac=c0:ff:ee:00:00:01",
        "mtu=1400",
    ];
    let with = |u: &str, cmd: &'static str, rest: &[&'static str]| {
        let mut v = vec![cmd.to_owned(), u.to_owned()];
        v.extend(rest.iter().map(|s| s.to_string()));
        v
    };
    let run = |p: &mut Pair, cmd: &'static str, rest: &[&'static str]| {
        let (a, b) = (with(&t, cmd, rest), with(&o, cmd, rest));
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let b: Vec<&str> = b.iter().map(String::as_str).collect();
        p.step_sides(&a, &b)
    };
    run(&mut p, "dhcp-options-set-options", &opts);
    let out = run(&mut p, "dhcp-options-get-options", &[]);
    assert_eq!(out.stdout.lines().count(), 5, "{out:?}");
    run(&mut p, "dhcp-options-set-options", &["a=b", "novalue"]);
    run(&mut p, "dhcp-options-get-options", &[]);
    run(&mut p, "dhcp-options-set-options", &[]);
    run(&mut p, "dhcp-options-get-options", &[]);
    run(&mut p, "dhcp-options-del", &[]);
    run(&mut p, "dhcp-options-del", &[]);
    run(&mut p, "dhcp-options-get-options", &[]);
    p.step(&["dhcp-options-list"]);
    p.step(&[
        "dhcp-options-set-options",
        "01234567-89ab-cdef-0123-456789abcdef",
        "a=b",
    ]);
    p.step(&["dhcp-options-set-options", "notauuid", "a=b"]);
    p.step(&["dhcp-options-get-options", "notauuid"]);
    p.step(&["dhcp-options-del", "01234567-89ab-cdef-0123-456789abcdef"]);
    p.step(&[
        "--if-exists",
        "dhcp-options-del",
        "01234567-89ab-cdef-0123-456789abcdef",
    ]);
    p.step(&["dhcp-options-del"]);
    p.step(&["dhcp-options-get-options", "a", "b"]);
}
