//! ovn-nbctl's QoS, meter and mirror commands, with their error paths, against the reference
//! on twin servers.

use ovsdb_ctl::Tool;

use crate::diff::Pair;

#[test]
fn nb_qos_meter_mirror_commands_match_ovn_nbctl() {
    let mut p = Pair::new(Tool::Nbctl, "nb_qos_meter_mirror_commands_match_ovn_nbctl");
    p.step(&["ls-add", "sw0"]);
    // QoS.
    p.step(&[
        "qos-add", "sw0", "to-lport", "10", "ip", "rate=100", "burst=20", "dscp=5",
    ]);
    p.step(&["qos-add", "sw0", "from-lport", "20", "ip4", "dscp=63"]);
    p.step(&["qos-add", "sw0", "from-lport", "30", "ip6", "rate=7", "burst=3"]);
    p.step(&["qos-add", "sw0", "from-lport", "20", "ip4", "dscp=1"]);
    p.step(&[
        "--may-exist",
        "qos-add",
        "sw0",
        "from-lport",
        "20",
        "ip4",
        "dscp=1",
    ]);
    p.step(&["qos-add", "sw0", "from-lport", "21", "ip4"]);
    p.step(&["qos-add", "sw0", "from-lport", "21", "ip4", "burst=5"]);
    p.step(&["qos-add", "sw0", "from-lport", "21", "ip4", "dscp=64"]);
    p.step(&["qos-add", "sw0", "from-lport", "21", "ip4", "rate=0"]);
    p.step(&["qos-add", "sw0", "from-lport", "21", "ip4", "burst=0", "rate=1"]);
    p.step(&["qos-add", "sw0", "from-lport", "21", "ip4", "speed=1"]);
    p.step(&["qos-add", "sw0", "x", "21", "ip4", "dscp=1"]);
    p.step(&["qos-add", "sw0", "to", "-1", "ip4", "dscp=1"]);
    p.step(&["qos-add", "nope", "to", "1", "ip4", "dscp=1"]);
    p.step(&[
        "qos-add", "sw0", "to", "1", "ip4", "dscp=1", "rate=1", "burst=1", "x",
    ]);
    p.step(&["qos-list", "sw0"]);
    p.step(&["qos-list", "nope"]);
    p.step(&["qos-del", "sw0", "00000000-0000-0000-0000-000000000000"]);
    p.step(&[
        "qos-del",
        "sw0",
        "00000000-0000-0000-0000-000000000000",
        "1",
        "ip",
    ]);
    p.step(&["qos-del", "sw0", "to-lport", "10"]);
    p.step(&["qos-del", "sw0", "to-lport", "10", "ip"]);
    p.step(&["qos-del", "sw0", "sideways"]);
    p.step(&["qos-del", "sw0", "from"]);
    p.step(&["qos-list", "sw0"]);
    p.step(&["qos-add", "sw0", "to-lport", "10", "ip", "dscp=5"]);
    p.step(&[
        "qos-add", "sw0", "to-lport", "11", "ip", "dscp=5", "--", "qos-list", "sw0",
    ]);
    p.step(&["qos-del", "sw0", "--", "qos-list", "sw0"]);
    p.step(&[
        "qos-add", "sw0", "to-lport", "12", "ip", "dscp=5", "--", "qos-add", "sw0", "to-lport", "12", "ip",
        "dscp=6",
    ]);
    p.step(&["qos-del", "sw0"]);
    p.step(&["qos-list", "sw0"]);
    // Meters.
    p.step(&["meter-add", "m1", "drop", "10", "kbps"]);
    p.step(&["--fair", "meter-add", "m2", "drop", "20", "pktps", "5"]);
    p.step(&["meter-add", "m3", "drop", "30", "kbps", "7"]);
    p.step(&["meter-add", "m1", "drop", "10", "kbps"]);
    p.step(&["--may-exist", "meter-add", "m1", "drop", "11", "pktps", "2"]);
    p.step(&["meter-add", "__m", "drop", "10", "kbps"]);
    p.step(&["meter-add", "m4", "allow", "10", "kbps"]);
    p.step(&["meter-add", "m4", "drop", "0", "kbps"]);
    p.step(&["meter-add", "m4", "drop", "10", "bps"]);
    p.step(&["meter-add", "m4", "drop", "10", "kbps", "-1"]);
    p.step(&["meter-add", "m4", "drop", "10", "kbps", "1", "--fair"]);
    p.step(&["meter-list"]);
    p.step(&["meter-del", "m3"]);
    p.step(&["meter-del", "nope"]);
    p.step(&["meter-list"]);
    p.step(&["meter-del"]);
    p.step(&["meter-list"]);
    // Mirrors.
    p.step(&["mirror-add", "mir1", "gre", "5", "to-lport", "192.168.1.1"]);
    p.step(&["mirror-add", "mir2", "e", "6", "f", "fd00::1"]);
    p.step(&["mirror-add", "mir1", "gre", "5", "to-lport", "192.168.1.1"]);
    p.step(&["mirror-add", "mir3", "vxlan", "5", "to-lport", "192.168.1.1"]);
    p.step(&["mirror-add", "mir3", "gre", "5x", "to-lport", "192.168.1.1"]);
    p.step(&["mirror-add", "mir4", "gre", " +7", "from-lport", "::1"]);
    p.step(&["mirror-add", "mir3", "gre", "5", "up", "192.168.1.1"]);
    p.step(&["mirror-add", "mir3", "gre", "5", "to-lport", "192.168.1"]);
    p.step(&["mirror-add", "mir3", "gre", "5", "to-lport"]);
    p.step(&["mirror-list"]);
    p.step(&["mirror-del", "mir1"]);
    p.step(&["mirror-del", "nope"]);
    p.step(&["mirror-list"]);
    p.step(&["mirror-del"]);
    p.step(&["mirror-list"]);
    // A value outside a column's enum, with one allowed value (QoS action keys) and several.
    p.step(&[
        "--id=@q",
        "create",
        "QoS",
        "priority=10",
        "direction=to-lport",
        "match=ip4",
        "action=mark=3",
    ]);
    p.step(&[
        "--id=@q",
        "create",
        "QoS",
        "priority=10",
        "direction=up",
        "match=ip4",
    ]);
}
