//! Unit tests of the action decoder on bytes built from the OpenFlow 1.5.1 and Nicira
//! extension layouts (`include/openflow/nicira-ext.h`), and its error paths.

use super::format_instructions;

/// Decodes `bytes` as instructions and returns the text or the error message.
fn fmt(bytes: &[u8]) -> Result<String, String> {
    let mut s = String::new();
    format_instructions(bytes, &mut s).map(|()| s).map_err(|e| e.0)
}

/// An `OFPIT_APPLY_ACTIONS` instruction holding `actions`.
fn apply(actions: &[u8]) -> Vec<u8> {
    let mut v = vec![0, 4];
    v.extend_from_slice(&u16::try_from(8 + actions.len()).unwrap().to_be_bytes());
    v.extend_from_slice(&[0; 4]);
    v.extend_from_slice(actions);
    v
}

/// A Nicira action of `subtype` whose bytes after the subtype are `body` (padded to 8).
fn nx(subtype: u16, body: &[u8]) -> Vec<u8> {
    let mut v = vec![0xff, 0xff, 0, 0, 0, 0, 0x23, 0x20];
    v.extend_from_slice(&subtype.to_be_bytes());
    v.extend_from_slice(body);
    while v.len() % 8 != 0 || v.len() < 16 {
        v.push(0);
    }
    let len = u16::try_from(v.len()).unwrap().to_be_bytes();
    v[2] = len[0];
    v[3] = len[1];
    v
}

#[test]
fn empty_instructions_print_drop() {
    assert_eq!(fmt(&[]).unwrap(), "drop");
    assert_eq!(fmt(&apply(&[])).unwrap(), "drop");
}

#[test]
fn standard_actions_print_as_ovs() {
    // output:3, output to CONTROLLER with max_len 65535, group:5, meter:2, dec_ttl
    let mut acts = vec![0, 0, 0, 16, 0, 0, 0, 3, 0xff, 0xe5, 0, 0, 0, 0, 0, 0];
    acts.extend_from_slice(&[0, 0, 0, 16, 0xff, 0xff, 0xff, 0xfd, 0xff, 0xff, 0, 0, 0, 0, 0, 0]);
    acts.extend_from_slice(&[0, 22, 0, 8, 0, 0, 0, 5]);
    acts.extend_from_slice(&[0, 29, 0, 8, 0, 0, 0, 2]);
    acts.extend_from_slice(&[0, 24, 0, 8, 0, 0, 0, 0]);
    acts.extend_from_slice(&[0, 17, 0, 8, 0x81, 0, 0, 0]);
    acts.extend_from_slice(&[0, 19, 0, 8, 0x88, 0x47, 0, 0]);
    assert_eq!(
        fmt(&apply(&acts)).unwrap(),
        "output:3,CONTROLLER:65535,group:5,meter:2,dec_ttl,push_vlan:0x8100,push_mpls:0x8847"
    );
}

#[test]
fn instructions_print_in_ovs_order() {
    // goto_table:9 first on the wire, then write_metadata, clear_actions, apply_actions.
    let mut v = vec![0, 1, 0, 8, 9, 0, 0, 0];
    v.extend_from_slice(&[0, 2, 0, 24, 0, 0, 0, 0]);
    v.extend_from_slice(&1u64.to_be_bytes());
    v.extend_from_slice(&0xffu64.to_be_bytes());
    v.extend_from_slice(&[0, 5, 0, 8, 0, 0, 0, 0]);
    v.extend_from_slice(&apply(&nx(17, &[])));
    assert_eq!(
        fmt(&v).unwrap(),
        "exit,clear_actions,write_metadata:0x1/0xff,goto_table:9"
    );
}

#[test]
fn nicira_actions_without_fields_print_as_ovs() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (nx(1, &[0, 5]), "resubmit:5"),
        (nx(14, &[0xff, 0xf8, 8]), "resubmit(,8)"),
        (nx(44, &[0, 2, 0xff]), "resubmit:2"),
        (nx(44, &[0xff, 0xf8, 7]), "resubmit(,7,ct)"),
        (nx(2, &[0, 0, 0, 0, 0, 0x10]), "set_tunnel:0x10"),
        (nx(9, &[0; 14]), "set_tunnel64:0"),
        (nx(5, &[]), "pop_queue"),
        (nx(8, &[1, 2, 3, 0, 0, 0]), "note:01.02.03.00.00.00"),
        (nx(19, &[0, 10, 0, 0]), "fin_timeout(idle_timeout=10)"),
        (nx(20, &[0, 64, 0, 0, 1]), "CONTROLLER:64"),
        (nx(20, &[0xff, 0xff, 0, 3, 0]), "controller(reason=no_match,id=3)"),
        (nx(21, &[0, 2, 0, 0, 0, 0, 0, 1, 0, 7]), "dec_ttl(1,7)"),
        (nx(34, &[1, 3, 0, 0, 0, 9]), "conjunction(9,2/3)"),
        (
            nx(39, &[0xff, 0xfe, 0, 0, 0, 100]),
            "output(port=LOCAL,max_len=100)",
        ),
        (nx(43, &[]), "ct_clear"),
        (nx(48, &[]), "dec_nsh_ttl"),
        (
            nx(47, &[0, 0, 0, 1, 0x89, 0x4f]),
            "decap(packet_type(ns=1,type=0x894f))",
        ),
        (nx(47, &[0, 0, 0, 0, 0xff, 0xfe]), "decap()"),
        (nx(46, &[0, 0, 0, 0, 0, 0]), "encap(ethernet)"),
        (nx(42, &[0; 6]), "clone(drop)"),
        (
            nx(29, &[0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4]),
            "sample(probability=1,collector_set_id=2,obs_domain_id=3,obs_point_id=4)",
        ),
    ];
    for (bytes, want) in cases {
        assert_eq!(fmt(&apply(&bytes)).as_deref(), Ok(want), "{bytes:02x?}");
    }
}

#[test]
fn controller2_properties_print_as_ovs() {
    // userdata 00.00.00.12.00.00.00.00 and pause
    let mut body = vec![0u8; 6];
    body.extend_from_slice(&[0, 3, 0, 12, 0, 0, 0, 0x12, 0, 0, 0, 0, 0, 0, 0, 0]);
    body.extend_from_slice(&[0, 4, 0, 4, 0, 0, 0, 0]);
    assert_eq!(
        fmt(&apply(&nx(37, &body))).unwrap(),
        "controller(userdata=00.00.00.12.00.00.00.00,pause)"
    );
}

#[test]
fn nat_inside_ct_prints_outside_exec() {
    // ct(table=8,zone=5,nat(src=10.0.0.1-10.0.0.9:100-200,random)) without commit is refused
    // (nat with arguments needs commit); with commit it prints.
    let mut nat = vec![0, 0, 0, 0x11, 0, 0x33];
    nat.extend_from_slice(&[10, 0, 0, 1, 10, 0, 0, 9, 0, 100, 0, 200]);
    let nat = nx(36, &nat);
    let mut ct = vec![0, 1, 0, 0, 0, 0, 0, 5, 8, 0, 0, 0, 0, 0];
    ct.extend_from_slice(&nat);
    assert_eq!(
        fmt(&apply(&nx(35, &ct))).unwrap(),
        "ct(commit,table=8,zone=5,nat(src=10.0.0.1-10.0.0.9:100-200,random))"
    );
    ct[1] = 0;
    let e = fmt(&apply(&nx(35, &ct))).unwrap_err();
    assert!(e.contains("NXAST_CT at offset 8"), "{e}");
    // A bare nat needs no commit.
    let mut ct = vec![0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0, 0, 21];
    ct.extend_from_slice(&nx(36, &[0; 6]));
    assert_eq!(fmt(&apply(&nx(35, &ct))).unwrap(), "ct(nat,alg=ftp)");
}

#[test]
fn ipv6_prints_as_inet_ntop() {
    let cases: [([u8; 16], &str); 5] = [
        ([0; 16], "::"),
        ([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], "::1"),
        (
            [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1],
            "::ffff:10.0.0.1",
        ),
        (
            [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0xff, 0x0a, 0xff, 0xfe, 0, 0, 1],
            "fe80::ff:aff:fe00:1",
        ),
        (
            [0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1],
            "2001:db8:1:0:1::1",
        ),
    ];
    for (addr, want) in cases {
        assert_eq!(super::text::ipv6(&addr), want);
    }
}

#[test]
fn bad_input_names_the_action_and_offset() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (vec![0, 4, 0, 8, 0, 0, 0], "not a multiple of 8"),
        (vec![0, 4, 0, 16, 0, 0, 0, 0], "bad instruction length 16"),
        (vec![0, 9, 0, 8, 0, 0, 0, 0], "unknown instruction type 9"),
        (vec![0, 6, 0, 8, 0, 0, 0, 1], "OFPIT_METER at offset 0"),
        (
            apply(&[0, 22, 0, 16, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0]),
            "OFPAT_GROUP at offset 8: bad length 16",
        ),
        (
            apply(&[0, 99, 0, 8, 0, 0, 0, 0]),
            "unknown OpenFlow 1.5 action (experimenter 0x0, type 99)",
        ),
        (apply(&nx(7, &[0; 14])), "experimenter 0x2320, type 7"),
        (
            apply(&[0xff, 0xff, 0, 16, 0, 0, 0x12, 0x34, 0, 0, 0, 0, 0, 0, 0, 0]),
            "unknown experimenter 0x1234",
        ),
        (
            apply(&[0, 22, 0, 16, 0, 0, 0, 5]),
            "OFPAT_GROUP at offset 8: length 16 exceeds the 8 bytes left",
        ),
        (
            apply(&nx(14, &[0xff, 0xf8, 8, 1])),
            "NXAST_RESUBMIT_TABLE at offset 8: reserved bytes",
        ),
        (
            apply(&[0, 0, 0, 16, 0, 0, 0xff, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]),
            "OFPAT_OUTPUT at offset 8: bad output port",
        ),
    ];
    for (bytes, want) in cases {
        let e = fmt(&bytes).unwrap_err();
        assert!(e.contains(want), "{bytes:02x?}: {e:?} lacks {want:?}");
    }
    // A second apply_actions is refused.
    let mut two = apply(&[]);
    two.extend_from_slice(&apply(&[]));
    assert!(
        fmt(&two)
            .unwrap_err()
            .contains("OFPIT_APPLY_ACTIONS at offset 8: duplicate")
    );
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let mut acts = nx(43, &[]);
    for _ in 0..200 {
        acts = nx(42, &[&[0u8; 6][..], &acts].concat());
    }
    assert!(fmt(&apply(&acts)).unwrap_err().contains("nested too deeply"));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

    /// Random bytes, raw or wrapped in an apply_actions instruction, never panic.
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
        let _ = fmt(&bytes);
        let mut padded = bytes.clone();
        padded.resize(bytes.len().div_ceil(8) * 8, 0);
        let _ = fmt(&apply(&padded));
    }
}

/// The flows of a two-chassis OVN 23.03 lab (every distinct action list of its `br-int`s, with
/// the match it had) and flows using every action and option `ovs-ofctl` can add in
/// OpenFlow 1.5: the actions we print for each equal `ovs-ofctl dump-flows`'s, flow for flow.
#[test]
fn actions_print_as_ovs_ofctl_dump_flows() {
    let t0 = std::time::Instant::now();
    let lab = include_str!("../testdata/ovn-lab.flows");
    let all = include_str!("../testdata/all-actions.flows");
    let flows: Vec<&str> = lab.lines().chain(all.lines()).filter(|l| !l.is_empty()).collect();
    let tb = crate::ofp::testbed::Testbed::start();
    let group = |id: u32| {
        format!(
            "group_id={id},type=select,selection_method=dp_hash,\
             bucket=bucket_id:0,weight:100,actions=ct(commit,table=15,zone=NXM_NX_REG11[0..15],nat(dst=10.0.0.10:80))"
        )
    };
    let groups: Vec<String> = (1..=3).map(group).collect();
    let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
    tb.set_flows(&groups, &["meter=1,pktps,band=type=drop,rate=100"], &flows);
    let pairs = tb.pairs();
    assert_eq!(pairs.len(), flows.len(), "every flow was added");
    let mut mismatches = Vec::new();
    let (mut lab_total, mut lab_same) = (0, 0);
    for (ours, theirs) in &pairs {
        let mut got = String::new();
        let got = match super::format_instructions(&ours.instructions, &mut got) {
            Ok(()) => got,
            Err(e) => format!("error: {}", e.0),
        };
        let from_lab = ours.table_id < 200;
        if from_lab {
            lab_total += 1;
        }
        if got == theirs.actions_text {
            lab_same += usize::from(from_lab);
        } else {
            mismatches.push(format!("ovs-ofctl: {}\nours:      {got}\n", theirs.actions_text));
        }
    }
    eprintln!(
        "{lab_same}/{lab_total} OVN lab action lists and {}/{} others identical in {:?}",
        pairs.len() - lab_total - (mismatches.len() - (lab_total - lab_same)),
        pairs.len() - lab_total,
        t0.elapsed()
    );
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
