//! ovn-nbctl's load balancer commands: lb-add / lb-del / lb-list and their switch and router
//! attachments, with their error paths.

use ovsdb_ctl::Tool;

use crate::diff::Pair;

#[test]
fn nbctl_lb_matches_ovn_nbctl() {
    let mut p = Pair::new(Tool::Nbctl, "nbctl_lb_matches_ovn_nbctl");
    p.step(&["init"]);
    p.step(&["lb-list"]);
    p.step(&["lb-add", "lb0", "10.0.0.10:80", "10.0.0.2:8080,10.0.0.3:8080"]);
    p.step(&["lb-add", "lb0", "10.0.0.10:80", "10.0.0.4:8080"]);
    p.step(&[
        "--may-exist",
        "lb-add",
        "lb0",
        "10.0.0.10:80",
        "10.0.0.4:8080",
        "udp",
    ]);
    p.step(&["lb-add", "lb0", "10.0.0.11", "10.0.0.5,10.0.0.6"]);
    p.step(&["lb-add", "lb0", "10.0.0.12", "10.0.0.5", "udp"]);
    p.step(&["lb-add", "lb0", "10.0.0.12:80", "10.0.0.5:80", "icmp"]);
    p.step(&[
        "--reject",
        "--event",
        "lb-add",
        "lb1",
        "10.0.0.20:80",
        "10.0.0.5:80",
    ]);
    p.step(&["--reject", "lb-add", "lb1", "10.0.0.20:80", "10.0.0.5:80", "sctp"]);
    p.step(&[
        "--event",
        "--add-route",
        "lb-add",
        "lb2",
        "[fe80::1]:443",
        "[fe80::2]:443,[fe80::3]:8443",
    ]);
    p.step(&["lb-add", "lb6", "fe80::10", "fe80::2,fe80::3"]);
    p.step(&["--add-duplicate", "lb-add", "lbd", "30.0.0.1", "30.0.0.2"]);
    // Malformed VIPs and backends (with the lines the reference logs).
    p.step(&["lb-add", "lbx", "1.2.3:80", "1.1.1.1:80"]);
    p.step(&["lb-add", "lbx", "1.2.3.4:99999", "1.1.1.1:80"]);
    p.step(&["lb-add", "lbx", "1.2.3.4:80", "1.1.1.1"]);
    p.step(&["lb-add", "lbx", "1.2.3.4:80", "1.1.1.1:80,abc:80"]);
    p.step(&["lb-add", "lbx", "1.2.3.4", "1.1.1.1:80,fe80::1"]);
    p.step(&["lb-add", "lbx", "[fe80::1]:80", "1.1.1.1:80"]);
    p.step(&["lb-add", "lbx", "1.2.3.4:80"]);
    p.step(&["lb-add", "a", "b", "c", "d", "e", "f"]);
    p.step(&["--if-exists", "lb-add", "lbx", "1.2.3.4", "1.1.1.1"]);
    // IPv6 scopes (by interface name or index), ports as OVS reads them.
    p.step(&["lb-add", "lbs", "fe80::1%lo", "fe80::2"]);
    p.step(&["lb-add", "lbs", "fe80::3%1", "fe80::4"]);
    p.step(&["lb-add", "lbs", "fe80::5%nosuchif", "fe80::6"]);
    p.step(&["lb-add", "lbs", "1.1.1.1:+81", "2.2.2.2:080,,3.3.3.3:80"]);
    p.step(&["lb-list"]);
    p.step(&["lb-del", "lbs"]);
    p.step(&["lb-list", "lb0"]);
    p.step(&["lb-list", "nosuch"]);
    // Template load balancers.
    p.step(&[
        "--template",
        "lb-add",
        "lbt",
        "^vip:^port",
        "^b1:^p1,^b2:80",
        "udp",
    ]);
    p.step(&[
        "--template",
        "lb-add",
        "lbt6",
        "^vip6:80",
        "[fd00::1]:80,[fd00::2]:81",
        "tcp",
        "ipv6",
    ]);
    p.step(&["--template", "lb-add", "lbt2", "^vip", "^b1"]);
    p.step(&["--template", "lb-add", "lbt3", "^v:1:2", "^b1"]);
    p.step(&["--template", "lb-add", "lbt3", "^v:80", "a:b:c"]);
    p.step(&[
        "--template",
        "lb-add",
        "lbt3",
        "^v:80",
        "1.1.1.1:80",
        "tcp",
        "ipv6",
    ]);
    p.step(&["--template", "lb-add", "lbt3", "^v", "1.1.1.1", "tcp"]);
    p.step(&["lb-list"]);
    p.step(&[
        "lb-del", "lbt", "--", "lb-del", "lbt6", "--", "lb-del", "lbt2", "--", "lb-del", "lbt3",
    ]);
    // Rows written by other means: what the listing cannot show is logged and left out.
    p.step(&[
        "create",
        "Load_Balancer",
        "name=bad",
        "vips={\"1.2.3:80\"=\"1.1.1.1:80\",\"2.2.2.2:80\"=\"3.3.3.3:80\"}",
        "protocol=tcp",
    ]);
    p.step(&["lb-list", "bad"]);
    p.step(&[
        "create",
        "Load_Balancer",
        "name=tp",
        "vips={\"^a:80\"=\"^b:80\"}",
        "options:template=true",
    ]);
    p.step(&["lb-list", "tp"]);
    p.step(&["lb-del", "bad", "--", "lb-del", "tp"]);
    // Attachments.
    p.step(&["ls-add", "sw0", "--", "lr-add", "lr0"]);
    p.step(&["ls-lb-add", "sw0", "lb0"]);
    p.step(&["ls-lb-add", "sw0", "lb0"]);
    p.step(&["--may-exist", "ls-lb-add", "sw0", "lb0"]);
    p.step(&["ls-lb-add", "sw0", "lb2", "--", "ls-lb-add", "sw0", "lb6"]);
    p.step(&["ls-lb-add", "nosw", "lb0"]);
    p.step(&["ls-lb-add", "sw0", "nolb"]);
    // A load balancer group's load balancers are listed with the switch's.
    p.step(&[
        "--id=@lb",
        "create",
        "Load_Balancer",
        "name=lbg1",
        "protocol=udp",
        "vips={\"9.9.9.9:53\"=\"8.8.8.8:53\"}",
        "--",
        "--id=@g",
        "create",
        "Load_Balancer_Group",
        "name=grp",
        "load_balancer=@lb",
        "--",
        "add",
        "Logical_Switch",
        "sw0",
        "load_balancer_group",
        "@g",
    ]);
    p.step(&["ls-lb-list", "sw0"]);
    p.step(&["ls-lb-list", "nosw"]);
    p.step(&["lr-lb-add", "lr0", "lb1"]);
    p.step(&["lr-lb-add", "lr0", "lb1"]);
    p.step(&["lr-lb-add", "lr0", "lb0", "--", "lr-lb-list", "lr0"]);
    p.step(&["lr-lb-list", "lr0"]);
    p.step(&["lr-lb-del", "lr0", "lb2"]);
    p.step(&["--if-exists", "lr-lb-del", "lr0", "lb2"]);
    p.step(&["lr-lb-del", "lr0", "lb1"]);
    p.step(&["lr-lb-del", "lr0"]);
    p.step(&["lr-lb-list", "lr0"]);
    p.step(&["ls-lb-del", "sw0", "lb6"]);
    p.step(&["ls-lb-del", "sw0", "nolb"]);
    p.step(&["ls-lb-del", "nosw"]);
    // Ambiguous name.
    p.step(&["--add-duplicate", "lb-add", "lbd", "30.0.0.5", "30.0.0.6"]);
    p.step(&["ls-lb-add", "sw0", "lbd"]);
    p.step(&["lb-del", "lbd"]);
    // Deleting VIPs and load balancers (one still attached to the switch).
    p.step(&["lb-del", "lb0", "10.0.0.99"]);
    p.step(&["--if-exists", "lb-del", "lb0", "10.0.0.99"]);
    p.step(&["lb-del", "lb0", "10.0.0.11"]);
    p.step(&["lb-del", "nosuch"]);
    p.step(&["lb-del", "lb2"]);
    p.step(&["lb-del", "lb6", "fe80::10"]);
    p.step(&["ls-lb-list", "sw0"]);
    p.step(&["lb-del"]);
    p.step(&["lb-del", "lb0", "x", "y"]);
    p.step(&["lb-list", "a", "b"]);
    p.step(&["--may-exist", "lb-del", "lb0"]);
    // (Two load balancers named lbd list in UUID order: the whole listing is not compared.)
    p.step(&["lb-list", "lb1"]);
    // A malformed VIP or backend: the address parser's log line goes to stderr unless `-v`
    // turns its module (or the console) down.
    p.step(&["lb-add", "lbv", "20.0.0.1:8x", "20.0.0.2:80"]);
    p.step(&["-vsocket_util:off", "lb-add", "lbv", "20.0.0.1:8x", "20.0.0.2:80"]);
    p.step(&["--verbose=console:off", "lb-add", "lbv", "20.0.0.9", "20.0.0.2.7"]);
    p.step(&["-voff", "lb-add", "lbv", "[ab::1]:x", "[ab::2]:80"]);
    p.step(&["-vsocket_util:file:off", "lb-add", "lbv", "20.0.0.1", "20.0.0"]);
    p.step(&["-vsocket_util:emer", "lb-add", "lbv", "20.0.0.1", "20.0.0.2:x"]);
}
