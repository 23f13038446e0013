//! The OpenFlow side of `ovn-sbctl --ovs lflow-list` (ovn-sbctl(8)): dump the flows of
//! ovs-vswitchd's integration bridge whose cookie is a logical flow's, and print them as the
//! reference prints them (`table=N match actions=...`, or with `--stats` the lines of
//! `ovs-ofctl dump-flows`).
//!
//! - [`wire`]: the OpenFlow 1.5 connection (hello, echo, multipart flow-stats request and
//!   reply), OpenFlow Switch Specification 1.5.1 §7.
//! - [`fields`]: the OXM / NXM match fields Open vSwitch knows (`ovs-fields(7)`): headers,
//!   names, widths, how a value is printed.
//! - [`matches`]: an OXM match printed as Open vSwitch prints a flow match (`ovs-fields(7)`,
//!   `ovs-ofctl(8)` "Flow Syntax").
//! - [`actions`]: an OpenFlow 1.5 instruction list (with Open vSwitch's Nicira extension
//!   actions) printed as `ovs-actions(7)` writes actions.

pub(crate) mod actions;
pub(crate) mod fields;
pub(crate) mod matches;
pub(crate) mod wire;

#[cfg(test)]
pub(crate) mod testbed;

/// Malformed or unknown OpenFlow content: what was wrong and where (message, offset).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct DecodeError(pub(crate) String);

/// One flow as `ovn-sbctl --ovs lflow-list` prints it after a logical flow (without the
/// four-space indent): `table=N MATCH actions=ACTIONS`, the match without its priority; with
/// `stats` (`--stats`), as `ovs-ofctl dump-flows` prints it: `cookie=0x.., duration=..s,
/// table=N, n_packets=N, n_bytes=N, [idle_timeout=N, ][hard_timeout=N, ][FLAGS ]
/// [importance=N, ][idle_age=N, ]priority=N,MATCH actions=ACTIONS` (ofputil_flow_stats_format
/// in OVS's lib/ofp-flow.c).
///
/// # Errors
/// A match or an action this module cannot decode (ovn-sbctl's decoder would refuse it too,
/// or it is one this module does not know).
pub(crate) fn format_flow(fs: &wire::FlowStats, stats: bool) -> Result<String, DecodeError> {
    use std::fmt::Write as _;
    let mut s = String::new();
    if !stats {
        let _ = write!(s, "table={} ", fs.table_id);
        matches::format(&fs.oxm, 32768, &mut s)?;
        if !s.ends_with(' ') {
            s.push(' ');
        }
    } else {
        let _ = write!(s, "cookie={:#x}, duration=", fs.cookie);
        let (sec, nsec) = fs.duration.unwrap_or((u32::MAX, u32::MAX));
        let _ = write!(s, "{sec}");
        if nsec > 0 {
            if nsec % 1_000_000 == 0 {
                let _ = write!(s, ".{:03}", nsec / 1_000_000);
            } else {
                let frac = format!("{nsec:09}");
                let _ = write!(s, ".{}", frac.trim_end_matches('0'));
            }
        }
        s.push_str("s, ");
        let _ = write!(s, "table={}, ", fs.table_id);
        for (name, v) in [("n_packets", fs.packet_count), ("n_bytes", fs.byte_count)] {
            match v {
                Some(v) if v != u64::MAX => {
                    let _ = write!(s, "{name}={v}, ");
                }
                _ => {
                    let _ = write!(s, "{name}=?, ");
                }
            }
        }
        if fs.idle_timeout != 0 {
            let _ = write!(s, "idle_timeout={}, ", fs.idle_timeout);
        }
        if fs.hard_timeout != 0 {
            let _ = write!(s, "hard_timeout={}, ", fs.hard_timeout);
        }
        // OFPFF_* bits of OpenFlow 1.3+ in the order ovs-ofctl prints them.
        for (bit, name) in [
            (0, "send_flow_rem "),
            (1, "check_overlap "),
            (2, "reset_counts "),
            (3, "no_packet_counts "),
            (4, "no_byte_counts "),
        ] {
            if fs.flags & (1 << bit) != 0 {
                s.push_str(name);
            }
        }
        if fs.importance != 0 {
            let _ = write!(s, "importance={}, ", fs.importance);
        }
        if let Some(age) = fs.idle_age.filter(|a| *a != u32::MAX) {
            let _ = write!(s, "idle_age={age}, ");
        }
        let before = s.len();
        matches::format(&fs.oxm, fs.priority, &mut s)?;
        if s.len() != before {
            s.push(' ');
        }
    }
    s.push_str("actions=");
    actions::format_instructions(&fs.instructions, &mut s)?;
    Ok(s)
}
