//! An OpenFlow 1.5 instruction list, with Open vSwitch's Nicira extension actions, printed as
//! `ovs-actions(7)` writes actions (`set_field:0x1->reg13,resubmit(,8)`, `drop` when empty).
//!
//! The instructions are those of OpenFlow 1.5.1 §7.2.5 (`OFPIT_GOTO_TABLE` to
//! `OFPIT_CLEAR_ACTIONS`; the meter instruction is an action in 1.5), the actions those of §7.2.6
//! plus the Nicira (`NX_VENDOR_ID` 0x00002320) extension actions Open vSwitch 3.1 decodes in an
//! OpenFlow 1.5 message (`ovs-actions(7)`). Each action prints as Open vSwitch prints the action
//! it decodes from the same bytes (`ovs-ofctl -O OpenFlow15 dump-flows`), which depends on the
//! wire form: `dec_ttl` from `OFPAT_DEC_NW_TTL` but `dec_ttl(1,2)` from `NXAST_DEC_TTL_CNT_IDS`.
//!
//! - [`nx`]: the Nicira extension actions.
//! - [`learn`]: `NXAST_LEARN` / `NXAST_LEARN2` and their flow-mod specs.
//! - [`text`]: how ports, addresses and subfields print.

mod learn;
mod nx;
mod text;

#[cfg(test)]
mod tests;

use super::DecodeError;
use super::fields::{self, Field, FieldId, Header};

/// Open vSwitch's Nicira experimenter id (`NX_VENDOR_ID`).
const NX_VENDOR_ID: u32 = 0x0000_2320;
/// `OFPAT_EXPERIMENTER`: the action type of every experimenter action.
const OFPAT_EXPERIMENTER: u16 = 0xffff;
/// Nested action lists deeper than this are refused (`clone(clone(...))` from hostile bytes
/// would otherwise exhaust the stack).
const MAX_DEPTH: usize = 64;

/// Appends the actions of the OpenFlow 1.5 instructions `instructions` (as they follow the
/// match in a flow-stats entry, OpenFlow 1.5.1 §7.2.4) to `out`, as after `actions=`.
///
/// The instructions print in Open vSwitch's order whatever their order on the wire: the
/// actions of `OFPIT_APPLY_ACTIONS`, then `clear_actions`, `write_actions(...)`,
/// `write_metadata:...` and `goto_table:N`; nothing at all prints as `drop`.
///
/// # Errors
/// A truncated instruction or action, one Open vSwitch does not know in OpenFlow 1.5, a
/// repeated instruction, or an argument Open vSwitch refuses; the message names the
/// instruction or action and its byte offset in `instructions`.
pub(crate) fn format_instructions(instructions: &[u8], out: &mut String) -> Result<(), DecodeError> {
    let acts = decode_instructions(instructions)?;
    format_list(&acts, out);
    Ok(())
}

/// One decoded action, already printed, with what Open vSwitch's consistency rules
/// (`ofpacts_verify`, the action-set rules) need to know about it.
#[derive(Debug, Clone)]
struct Act {
    /// How the action prints.
    text: String,
    /// What kind of action it is, for the rules.
    kind: Kind,
    /// The field a `set_field` or `move` writes.
    dst: Option<FieldId>,
    /// Whether the action may be in an action set (`write_actions`).
    in_set: bool,
}

/// The kinds of action the consistency rules tell apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Any action of an apply-actions list not named below.
    Other,
    /// `nat`: whether it has flags or an address range (a `ct` without `commit` may only
    /// hold bare `nat` actions).
    Nat(bool),
    /// `conjunction`.
    Conjunction,
    /// `note`.
    Note,
    /// `meter` (an action in OpenFlow 1.5).
    Meter,
    /// An instruction: its rank in Open vSwitch's instruction order (2 `clear_actions`,
    /// 3 `write_actions`, 4 `write_metadata`, 5 `goto_table`).
    Instruction(u8),
}

/// Rank of the apply-actions instruction in Open vSwitch's instruction order.
const APPLY_RANK: u8 = 1;

impl Act {
    /// An action of kind [`Kind::Other`].
    fn new(text: String, in_set: bool) -> Act {
        Act {
            text,
            kind: Kind::Other,
            dst: None,
            in_set,
        }
    }

    /// An action of another kind, never allowed in an action set.
    fn of_kind(text: String, kind: Kind) -> Act {
        Act {
            text,
            kind,
            dst: None,
            in_set: false,
        }
    }

    /// A `set_field` or `move` to `dst`.
    fn writing(text: String, dst: &Field) -> Act {
        Act {
            text,
            kind: Kind::Other,
            dst: Some(dst.id()),
            in_set: true,
        }
    }
}

/// Where an action list sits, for the rules that depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outer {
    /// The instruction list itself, or inside `clone(...)`.
    None,
    /// Inside `ct(...)`.
    Ct,
}

/// Open vSwitch's rules for a decoded list (`ofpacts_verify`): `conjunction` only with `note`;
/// `nat` and writes to `ct_mark` / `ct_label` only inside `ct`, where nothing else may be;
/// instructions in order, each at most once; only apply-actions unless `all_instructions`.
fn verify(
    acts: &[Act],
    all_instructions: bool,
    outer: Outer,
    what: &str,
    ofs: usize,
) -> Result<(), DecodeError> {
    let fail = |problem: &str| Err(err(what, ofs, problem));
    let mut rank = 0;
    for (i, act) in acts.iter().enumerate() {
        if act.kind == Kind::Conjunction {
            if acts
                .iter()
                .all(|a| matches!(a.kind, Kind::Conjunction | Kind::Note))
            {
                return Ok(());
            }
            return fail(
                "\"conjunction\" actions may be used along with \"note\" but not any other kind of action",
            );
        }
        let ct_field = matches!(act.dst, Some(FieldId::CtMark | FieldId::CtLabel));
        if ct_field && outer != Outer::Ct {
            return fail("cannot set CT fields outside of ct action");
        }
        if let Kind::Nat(_) = act.kind {
            if outer != Outer::Ct {
                return fail("Cannot have NAT action outside of \"ct\" action");
            }
        } else if outer == Outer::Ct && !ct_field {
            return fail(&format!("ct action doesn't support nested action {}", act.text));
        }
        let next = match act.kind {
            Kind::Instruction(r) => r,
            _ => APPLY_RANK,
        };
        if i > 0
            && (if rank == APPLY_RANK {
                next < rank
            } else {
                next <= rank
            })
        {
            return fail("invalid or duplicate instruction order");
        }
        if next != APPLY_RANK && !all_instructions {
            return fail(&format!("{} instruction not allowed here", act.text));
        }
        rank = next;
    }
    Ok(())
}

/// Decodes a nested action list (of `clone` or `ct`, or an apply-actions list on its own) and
/// applies the rules of [`verify`] for a list of apply-actions only.
fn decode_nested(
    buf: &[u8],
    base: usize,
    depth: usize,
    outer: Outer,
    what: &str,
    ofs: usize,
) -> Result<Vec<Act>, DecodeError> {
    let acts = decode_actions(buf, base, depth)?;
    verify(&acts, false, outer, what, ofs)?;
    Ok(acts)
}

/// Appends `acts` comma-separated, or `drop` when there are none (`ofpacts_format`).
fn format_list(acts: &[Act], out: &mut String) {
    if acts.is_empty() {
        out.push_str("drop");
        return;
    }
    for (i, act) in acts.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&act.text);
    }
}

/// A decode error: `what` at byte `offset` of the instruction list.
fn err(what: &str, offset: usize, problem: impl std::fmt::Display) -> DecodeError {
    DecodeError(format!("{what} at offset {offset}: {problem}"))
}

/// The big-endian `u16` at `ofs` of `b`, 0 beyond its end (callers check lengths first).
fn be16(b: &[u8], ofs: usize) -> u16 {
    match b.get(ofs..ofs + 2) {
        Some(s) => u16::from_be_bytes([s[0], s[1]]),
        None => 0,
    }
}

/// The big-endian `u32` at `ofs` of `b`, 0 beyond its end.
fn be32(b: &[u8], ofs: usize) -> u32 {
    match b.get(ofs..ofs + 4) {
        Some(s) => u32::from_be_bytes([s[0], s[1], s[2], s[3]]),
        None => 0,
    }
}

/// The big-endian `u64` at `ofs` of `b`, 0 beyond its end.
fn be64(b: &[u8], ofs: usize) -> u64 {
    match b.get(ofs..ofs + 8) {
        Some(s) => u64::from_be_bytes([s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]]),
        None => 0,
    }
}

/// The byte at `ofs` of `b`, 0 beyond its end.
fn byte(b: &[u8], ofs: usize) -> u8 {
    b.get(ofs).copied().unwrap_or(0)
}

/// Whether `b[from..]` is all zero bytes.
fn zeros_from(b: &[u8], from: usize) -> bool {
    b.get(from..).is_none_or(|s| s.iter().all(|&x| x == 0))
}

/// Decodes an OpenFlow 1.5 instruction list into Open vSwitch's action order.
fn decode_instructions(buf: &[u8]) -> Result<Vec<Act>, DecodeError> {
    const WHAT: &str = "OpenFlow instruction";
    if buf.len() % 8 != 0 {
        return Err(err(
            WHAT,
            0,
            format_args!("instructions length {} is not a multiple of 8", buf.len()),
        ));
    }
    // Indexed by OFPIT type 1..=5: (offset, bytes).
    let mut seen: [Option<(usize, &[u8])>; 6] = [None; 6];
    let mut pos = 0;
    while pos < buf.len() {
        let ty = be16(buf, pos);
        let len = usize::from(be16(buf, pos + 2));
        if len < 8 || len % 8 != 0 || len > buf.len() - pos {
            return Err(err(
                WHAT,
                pos,
                format_args!("bad instruction length {len} (type {ty})"),
            ));
        }
        let inst = &buf[pos..pos + len];
        let (name, exact) = match ty {
            1 => ("OFPIT_GOTO_TABLE", Some(8)),
            2 => ("OFPIT_WRITE_METADATA", Some(24)),
            3 => ("OFPIT_WRITE_ACTIONS", None),
            4 => ("OFPIT_APPLY_ACTIONS", None),
            5 => ("OFPIT_CLEAR_ACTIONS", Some(8)),
            6 => {
                return Err(err(
                    "OFPIT_METER",
                    pos,
                    "meter is an action, not an instruction, in OpenFlow 1.5",
                ));
            }
            0xffff => return Err(err("OFPIT_EXPERIMENTER", pos, "unknown experimenter instruction")),
            _ => return Err(err(WHAT, pos, format_args!("unknown instruction type {ty}"))),
        };
        if exact.is_some_and(|n| n != len) {
            return Err(err(name, pos, format_args!("bad length {len}")));
        }
        let slot = &mut seen[usize::from(ty)];
        if slot.is_some() {
            return Err(err(name, pos, "duplicate instruction"));
        }
        *slot = Some((pos, inst));
        pos += len;
    }

    let mut acts = Vec::new();
    if let Some((ofs, inst)) = seen[4] {
        acts.extend(decode_actions(&inst[8..], ofs + 8, 0)?);
    }
    if seen[5].is_some() {
        acts.push(Act::of_kind("clear_actions".into(), Kind::Instruction(2)));
    }
    if let Some((ofs, inst)) = seen[3] {
        let nested = decode_actions(&inst[8..], ofs + 8, 0)?;
        if let Some(bad) = nested.iter().find(|a| !a.in_set) {
            return Err(err(
                "OFPIT_WRITE_ACTIONS",
                ofs,
                format_args!("{} is not allowed in an action set", bad.text),
            ));
        }
        let mut text = String::from("write_actions(");
        format_list(&nested, &mut text);
        text.push(')');
        acts.push(Act::of_kind(text, Kind::Instruction(3)));
    }
    if let Some((_, inst)) = seen[2] {
        acts.push(Act::of_kind(
            text::write_metadata(be64(inst, 8), be64(inst, 16)),
            Kind::Instruction(4),
        ));
    }
    if let Some((_, inst)) = seen[1] {
        acts.push(Act::of_kind(
            format!("goto_table:{}", inst[4]),
            Kind::Instruction(5),
        ));
    }
    verify(&acts, true, Outer::None, WHAT, 0)?;
    Ok(acts)
}

/// The wire shape of one action Open vSwitch decodes in OpenFlow 1.5: its name, its minimum
/// length and whether it may be longer.
struct Raw {
    /// The `OFPAT_*` / `NXAST_*` name, for errors.
    name: &'static str,
    /// Minimum (and, unless `extensible`, exact) length in bytes.
    min_len: usize,
    /// Whether the action carries variable-length data after its fixed part.
    extensible: bool,
}

/// The actions Open vSwitch 3.1 accepts in OpenFlow 1.5 (its raw action table), by
/// experimenter (0 for the standard actions) and type.
fn raw_action(vendor: u32, ty: u16) -> Option<Raw> {
    let (name, min_len, extensible) = match (vendor, ty) {
        (0, 0) => ("OFPAT_OUTPUT", 16, false),
        (0, 1) => ("OFPAT_SET_VLAN_VID", 8, false),
        (0, 2) => ("OFPAT_SET_VLAN_PCP", 8, false),
        (0, 3) => ("OFPAT_SET_DL_SRC", 16, false),
        (0, 4) => ("OFPAT_SET_DL_DST", 16, false),
        (0, 5) => ("OFPAT_SET_NW_SRC", 8, false),
        (0, 6) => ("OFPAT_SET_NW_DST", 8, false),
        (0, 7) => ("OFPAT_SET_NW_TOS", 8, false),
        (0, 8) => ("OFPAT_SET_NW_ECN", 8, false),
        (0, 9) => ("OFPAT_SET_TP_SRC", 8, false),
        (0, 10) => ("OFPAT_SET_TP_DST", 8, false),
        (0, 13) => ("OFPAT_SET_MPLS_LABEL", 8, false),
        (0, 14) => ("OFPAT_SET_MPLS_TC", 8, false),
        (0, 15) => ("OFPAT_SET_MPLS_TTL", 8, false),
        (0, 16) => ("OFPAT_DEC_MPLS_TTL", 8, false),
        (0, 17) => ("OFPAT_PUSH_VLAN", 8, false),
        (0, 18) => ("OFPAT_POP_VLAN", 8, false),
        (0, 19) => ("OFPAT_PUSH_MPLS", 8, false),
        (0, 20) => ("OFPAT_POP_MPLS", 8, false),
        (0, 21) => ("OFPAT_SET_QUEUE", 8, false),
        (0, 22) => ("OFPAT_GROUP", 8, false),
        (0, 23) => ("OFPAT_SET_NW_TTL", 8, false),
        (0, 24) => ("OFPAT_DEC_NW_TTL", 8, false),
        (0, 25) => ("OFPAT_SET_FIELD", 8, true),
        (0, 28) => ("OFPAT_COPY_FIELD", 16, true),
        (0, 29) => ("OFPAT_METER", 8, false),
        (NX_VENDOR_ID, 1) => ("NXAST_RESUBMIT", 16, false),
        (NX_VENDOR_ID, 2) => ("NXAST_SET_TUNNEL", 16, false),
        (NX_VENDOR_ID, 5) => ("NXAST_POP_QUEUE", 16, false),
        (NX_VENDOR_ID, 8) => ("NXAST_NOTE", 16, true),
        (NX_VENDOR_ID, 9) => ("NXAST_SET_TUNNEL64", 24, false),
        (NX_VENDOR_ID, 10) => ("NXAST_MULTIPATH", 32, false),
        (NX_VENDOR_ID, 12) => ("NXAST_BUNDLE", 32, true),
        (NX_VENDOR_ID, 13) => ("NXAST_BUNDLE_LOAD", 32, true),
        (NX_VENDOR_ID, 14) => ("NXAST_RESUBMIT_TABLE", 16, false),
        (NX_VENDOR_ID, 15) => ("NXAST_OUTPUT_REG", 24, false),
        (NX_VENDOR_ID, 16) => ("NXAST_LEARN", 32, true),
        (NX_VENDOR_ID, 17) => ("NXAST_EXIT", 16, false),
        (NX_VENDOR_ID, 19) => ("NXAST_FIN_TIMEOUT", 16, false),
        (NX_VENDOR_ID, 20) => ("NXAST_CONTROLLER", 16, false),
        (NX_VENDOR_ID, 21) => ("NXAST_DEC_TTL_CNT_IDS", 16, true),
        (NX_VENDOR_ID, 22) => ("NXAST_WRITE_METADATA", 32, false),
        (NX_VENDOR_ID, 27) => ("NXAST_STACK_PUSH", 24, false),
        (NX_VENDOR_ID, 28) => ("NXAST_STACK_POP", 24, false),
        (NX_VENDOR_ID, 29) => ("NXAST_SAMPLE", 24, false),
        (NX_VENDOR_ID, 32) => ("NXAST_OUTPUT_REG2", 24, false),
        (NX_VENDOR_ID, 34) => ("NXAST_CONJUNCTION", 16, false),
        (NX_VENDOR_ID, 35) => ("NXAST_CT", 24, true),
        (NX_VENDOR_ID, 36) => ("NXAST_NAT", 16, true),
        (NX_VENDOR_ID, 37) => ("NXAST_CONTROLLER2", 16, true),
        (NX_VENDOR_ID, 38) => ("NXAST_SAMPLE2", 32, false),
        (NX_VENDOR_ID, 39) => ("NXAST_OUTPUT_TRUNC", 16, false),
        (NX_VENDOR_ID, 41) => ("NXAST_SAMPLE3", 32, false),
        (NX_VENDOR_ID, 42) => ("NXAST_CLONE", 16, true),
        (NX_VENDOR_ID, 43) => ("NXAST_CT_CLEAR", 16, false),
        (NX_VENDOR_ID, 44) => ("NXAST_RESUBMIT_TABLE_CT", 16, false),
        (NX_VENDOR_ID, 45) => ("NXAST_LEARN2", 40, true),
        (NX_VENDOR_ID, 46) => ("NXAST_ENCAP", 16, true),
        (NX_VENDOR_ID, 47) => ("NXAST_DECAP", 16, true),
        (NX_VENDOR_ID, 48) => ("NXAST_DEC_NSH_TTL", 16, false),
        (NX_VENDOR_ID, 49) => ("NXAST_CHECK_PKT_LARGER", 24, false),
        (NX_VENDOR_ID, 50) => ("NXAST_DELETE_FIELD", 24, false),
        _ => return None,
    };
    Some(Raw {
        name,
        min_len,
        extensible,
    })
}

/// One action being decoded: its bytes (exactly its length), name and offset, for errors.
struct Ctx<'a> {
    /// The action's bytes, header included.
    a: &'a [u8],
    /// Its `OFPAT_*` / `NXAST_*` name.
    name: &'static str,
    /// Its byte offset in the instruction list.
    ofs: usize,
    /// Nesting depth (0 for the actions of an instruction).
    depth: usize,
}

impl Ctx<'_> {
    /// An error about this action.
    fn err(&self, problem: impl std::fmt::Display) -> DecodeError {
        err(self.name, self.ofs, problem)
    }

    /// An error unless `b[from..]` of this action is all zeros.
    fn must_be_zero(&self, from: usize) -> Result<(), DecodeError> {
        if zeros_from(self.a, from) {
            Ok(())
        } else {
            Err(self.err("reserved bytes must be zero"))
        }
    }
}

/// Decodes the actions in `buf` (which starts at byte `base` of the instruction list).
fn decode_actions(buf: &[u8], base: usize, depth: usize) -> Result<Vec<Act>, DecodeError> {
    if depth > MAX_DEPTH {
        return Err(err("OpenFlow action", base, "actions nested too deeply"));
    }
    if buf.len() % 8 != 0 {
        return Err(err(
            "OpenFlow action",
            base,
            format_args!("actions length {} is not a multiple of 8", buf.len()),
        ));
    }
    let mut acts = Vec::new();
    let mut pos = 0;
    while pos < buf.len() {
        let rest = &buf[pos..];
        let ofs = base + pos;
        if rest.len() < 8 {
            return Err(err("OpenFlow action", ofs, "truncated action header"));
        }
        let ty = be16(rest, 0);
        let (vendor, subtype) = if ty == OFPAT_EXPERIMENTER {
            let vendor = be32(rest, 4);
            if vendor != NX_VENDOR_ID && vendor != 0x4f4e_4600 {
                return Err(err(
                    "OpenFlow action",
                    ofs,
                    format_args!("unknown experimenter {vendor:#x}"),
                ));
            }
            if rest.len() < 16 {
                return Err(err(
                    "OpenFlow action",
                    ofs,
                    "truncated experimenter action header",
                ));
            }
            (vendor, be16(rest, 8))
        } else {
            (0, ty)
        };
        let Some(raw) = raw_action(vendor, subtype) else {
            return Err(err(
                "OpenFlow action",
                ofs,
                format_args!("unknown OpenFlow 1.5 action (experimenter {vendor:#x}, type {subtype})"),
            ));
        };
        let len = usize::from(be16(rest, 2));
        if len > rest.len() {
            return Err(err(
                raw.name,
                ofs,
                format_args!("length {len} exceeds the {} bytes left", rest.len()),
            ));
        }
        if len < raw.min_len || (!raw.extensible && len != raw.min_len) {
            return Err(err(raw.name, ofs, format_args!("bad length {len}")));
        }
        if len % 8 != 0 {
            return Err(err(
                raw.name,
                ofs,
                format_args!("length {len} is not a multiple of 8"),
            ));
        }
        let ctx = Ctx {
            a: &rest[..len],
            name: raw.name,
            ofs,
            depth,
        };
        let act = if vendor == 0 {
            decode_standard(&ctx, subtype)?
        } else {
            nx::decode(&ctx, subtype)?
        };
        acts.push(act);
        pos += len;
    }
    Ok(acts)
}

/// Decodes a standard (OpenFlow 1.5 or deprecated OpenFlow 1.1) action of type `ty`.
fn decode_standard(c: &Ctx<'_>, ty: u16) -> Result<Act, DecodeError> {
    let a = c.a;
    let text = match ty {
        0 => {
            let port = text::port_from_ofp11(be32(a, 4)).ok_or_else(|| c.err("bad output port"))?;
            text::check_output_port(port).map_err(|()| c.err("bad output port"))?;
            let mut s = String::new();
            if port < text::OFPP_MAX {
                s.push_str("output:");
            }
            fields::format_port(port, &mut s);
            if port == text::OFPP_CONTROLLER {
                s.push_str(&format!(":{}", be16(a, 8)));
            }
            s
        }
        1 => {
            let vid = be16(a, 4);
            if vid & !0xfff != 0 {
                return Err(c.err(format_args!("bad VLAN id {vid}")));
            }
            format!("set_vlan_vid:{vid}")
        }
        2 => {
            let pcp = byte(a, 4);
            if pcp & !7 != 0 {
                return Err(c.err(format_args!("bad VLAN priority {pcp}")));
            }
            format!("set_vlan_pcp:{pcp}")
        }
        3 | 4 => {
            let dir = if ty == 3 { "src" } else { "dst" };
            format!("mod_dl_{dir}:{}", text::mac(&a[4..10]))
        }
        5 | 6 => {
            let dir = if ty == 5 { "src" } else { "dst" };
            format!("mod_nw_{dir}:{}", text::ipv4(be32(a, 4)))
        }
        7 => {
            let dscp = byte(a, 4);
            if dscp & !0xfc != 0 {
                return Err(c.err(format_args!("bad DSCP {dscp}")));
            }
            format!("mod_nw_tos:{dscp}")
        }
        8 => {
            let ecn = byte(a, 4);
            if ecn & !3 != 0 {
                return Err(c.err(format_args!("bad ECN {ecn}")));
            }
            format!("mod_nw_ecn:{ecn}")
        }
        9 => format!("mod_tp_src:{}", be16(a, 4)),
        10 => format!("mod_tp_dst:{}", be16(a, 4)),
        13 => format!("set_mpls_label({})", be32(a, 4)),
        14 => format!("set_mpls_tc({})", byte(a, 4)),
        15 => format!("set_mpls_ttl({})", byte(a, 4)),
        16 => "dec_mpls_ttl".into(),
        17 => {
            let eth_type = be16(a, 4);
            if eth_type != 0x8100 && eth_type != 0x88a8 {
                return Err(c.err(format_args!("bad VLAN ethertype {eth_type:#x}")));
            }
            format!("push_vlan:{}", text::alt_hex(u64::from(eth_type)))
        }
        18 => "pop_vlan".into(),
        19 => {
            let eth_type = be16(a, 4);
            if eth_type != 0x8847 && eth_type != 0x8848 {
                return Err(c.err(format_args!("bad MPLS ethertype {eth_type:#x}")));
            }
            format!("push_mpls:0x{eth_type:04x}")
        }
        20 => format!("pop_mpls:0x{:04x}", be16(a, 4)),
        21 => format!("set_queue:{}", be32(a, 4)),
        22 => format!("group:{}", be32(a, 4)),
        23 => format!("mod_nw_ttl:{}", byte(a, 4)),
        24 => "dec_ttl".into(),
        25 => return set_field(c),
        28 => {
            let n_bits = u32::from(be16(a, 4));
            let src_ofs = u32::from(be16(a, 6));
            let dst_ofs = u32::from(be16(a, 8));
            let (src, used) = pull_header(c, 12)?;
            let (dst, used2) = pull_header(c, 12 + used)?;
            c.must_be_zero(12 + used + used2)?;
            check_subfield(c, src, src_ofs, n_bits)?;
            check_subfield(c, dst, dst_ofs, n_bits)?;
            let mut s = String::from("move:");
            text::subfield(src, src_ofs, n_bits, &mut s);
            s.push_str("->");
            text::subfield(dst, dst_ofs, n_bits, &mut s);
            check_writable(c, dst)?;
            return Ok(Act::writing(s, dst));
        }
        29 => return Ok(Act::of_kind(format!("meter:{}", be32(a, 4)), Kind::Meter)),
        _ => return Err(c.err("unsupported action")),
    };
    Ok(Act::new(text, true))
}

/// The field `header` names, as Open vSwitch finds it for an action: it halves a masked
/// header's payload (rounding down) and compares the rest of the header with the length's
/// low 7 bits cleared; any length (below 128) matches a variable-width field (`tun_metadataN`,
/// whose width the TLV map sets), the field's own length the others.
fn lookup_any_len(header: &Header) -> Option<&'static Field> {
    let exp = if header.experimenter.is_some() { 4 } else { 0 };
    let payload = usize::from(header.length).saturating_sub(exp);
    let exact = if header.has_mask { payload / 2 } else { payload };
    if exact + exp >= 128 {
        return None;
    }
    let even = if header.has_mask { 2 * exact } else { exact };
    let length = u8::try_from(even + exp).ok()?;
    fields::lookup(&Header { length, ..*header }).or_else(|| {
        if header.experimenter.is_some() {
            return None;
        }
        let probe = Header {
            length: if header.has_mask { 8 } else { 4 },
            ..*header
        };
        fields::lookup(&probe).filter(|f| f.variable())
    })
}

/// Parses the OXM/NXM header at byte `at` of the action: the field it names and the
/// header's size. No mask is allowed.
fn pull_header(c: &Ctx<'_>, at: usize) -> Result<(&'static Field, usize), DecodeError> {
    let (header, size, field) = pull_header_raw(c, at)?;
    if header.has_mask {
        return Err(c.err(format_args!(
            "masked field {} where no mask is allowed",
            field.name()
        )));
    }
    Ok((field, size))
}

/// [`pull_header`], masks allowed, also returning the header itself.
fn pull_header_raw(c: &Ctx<'_>, at: usize) -> Result<(Header, usize, &'static Field), DecodeError> {
    let buf = c.a.get(at..).unwrap_or(&[]);
    let (header, size) = Header::parse(buf).map_err(|e| c.err(format_args!("field header: {}", e.0)))?;
    let field = lookup_any_len(&header).ok_or_else(|| {
        c.err(format_args!(
            "unknown field (class {:#x}, field {}, length {})",
            header.class, header.field, header.length
        ))
    })?;
    Ok((header, size, field))
}

/// Parses a 32-bit NXM header (as `NXAST_OUTPUT_REG`, `NXAST_MULTIPATH` carry) into the field
/// it names.
fn field_from_nxm32(c: &Ctx<'_>, header: u32) -> Result<&'static Field, DecodeError> {
    let bytes = header.to_be_bytes();
    let field = Header::parse(&bytes)
        .ok()
        .filter(|(h, _)| h.experimenter.is_none())
        .and_then(|(h, _)| lookup_any_len(&h));
    field.ok_or_else(|| c.err(format_args!("unknown field header {header:#010x}")))
}

/// An error unless bits `ofs..ofs + n_bits` lie inside `field` and `n_bits` is not 0.
fn check_subfield(c: &Ctx<'_>, field: &Field, ofs: u32, n_bits: u32) -> Result<(), DecodeError> {
    if n_bits == 0 || ofs + n_bits > field.n_bits() {
        return Err(c.err(format_args!(
            "bits {ofs}..{} outside field {} of {} bits",
            i64::from(ofs) + i64::from(n_bits) - 1,
            field.name(),
            field.n_bits()
        )));
    }
    Ok(())
}

/// `OFPAT_SET_FIELD` (OpenFlow 1.5: value and optional mask): `set_field:V[/M]->field`.
fn set_field(c: &Ctx<'_>) -> Result<Act, DecodeError> {
    let (header, size, field) = pull_header_raw(c, 4)?;
    let payload_len = header.payload_len();
    let start = 4 + size;
    let Some(payload) = c.a.get(start..start + payload_len) else {
        return Err(c.err("field value truncated"));
    };
    c.must_be_zero(start + payload_len)?;
    if header.class == 0x8000 && header.field == 0 {
        return Err(c.err("set_field of in_port is not allowed"));
    }
    let width = if header.has_mask {
        payload_len / 2
    } else {
        payload_len
    };
    let n = field.n_bytes();
    let mut value = vec![0u8; n];
    let mut mask = vec![0xffu8; n];
    let lead = n.saturating_sub(width);
    value[lead..].copy_from_slice(&payload[..width.min(n)]);
    if header.has_mask {
        mask[..lead].iter_mut().for_each(|b| *b = 0);
        mask[lead..].copy_from_slice(&payload[width..width + width.min(n)]);
        if value.iter().zip(&mask).any(|(v, m)| v & !m != 0) {
            return Err(c.err(format_args!(
                "value of {} has bits outside its mask",
                field.name()
            )));
        }
    }
    if header.class == 0x8000
        && header.field == 6
        && (be16(&value, 0) & 0x1000 == 0 || be16(&mask, 0) & 0x1000 == 0)
    {
        return Err(c.err("set_field of vlan_vid without OFPVID_PRESENT"));
    }
    let mut s = String::from("set_field:");
    if mask.iter().all(|&m| m == 0xff) {
        fields::format_value(field, &value, &mut s);
    } else if mask.iter().all(|&m| m == 0) {
        s.push_str("ANY");
    } else {
        fields::format_masked(field, &value, &mask, &mut s);
    }
    s.push_str("->");
    s.push_str(field.name());
    check_writable(c, field)?;
    if !value_valid(field, &value) {
        return Err(c.err(format_args!("invalid value for set field {}", field.name())));
    }
    Ok(Act::writing(s, field))
}

/// An error unless actions may write `field` (Open vSwitch's read-only fields: `ovs-fields(7)`
/// "Access: read-only").
fn check_writable(c: &Ctx<'_>, field: &Field) -> Result<(), DecodeError> {
    use FieldId as F;
    let read_only = matches!(
        field.id(),
        F::DpHash
            | F::RecircId
            | F::PacketType
            | F::ConjId
            | F::TunTtl
            | F::TunTos
            | F::TunGtpuFlags
            | F::TunGtpuMsgtype
            | F::ActsetOutput
            | F::SkbPriority
            | F::CtState
            | F::CtZone
            | F::CtNwProto
            | F::CtNwSrc
            | F::CtNwDst
            | F::CtIpv6Src
            | F::CtIpv6Dst
            | F::CtTpSrc
            | F::CtTpDst
            | F::EthType
            | F::MplsBos
            | F::IpProto
            | F::IpFrag
            | F::TcpFlags
            | F::NshMdtype
            | F::NshNp
    );
    if read_only {
        return Err(c.err(format_args!("destination field {} is not writable", field.name())));
    }
    Ok(())
}

/// Whether `value` (the field's width, network order) is one Open vSwitch accepts for the
/// field (`mf_is_value_valid`): no bits beyond the field's width, a known port, a valid NSH TTL
/// or MD type.
fn value_valid(field: &Field, value: &[u8]) -> bool {
    use FieldId as F;
    let v8 = byte(value, 0);
    let v16 = be16(value, 0);
    let v32 = be32(value, 0);
    match field.id() {
        F::InPortOxm | F::ActsetOutput => text::port_from_ofp11(v32).is_some(),
        F::IpDscp => v8 & !0xfc == 0,
        F::IpDscpShifted => v8 & !0x3f == 0,
        F::IpEcn => v8 & !3 == 0,
        F::IpFrag => v8 & !3 == 0,
        F::TcpFlags => v16 & !0x0fff == 0,
        F::ArpOp => v16 & 0xff00 == 0,
        F::DlVlan => v16 & 0xf000 == 0,
        F::VlanVid => v16 & 0xe000 == 0,
        F::DlVlanPcp | F::VlanPcp | F::MplsTc => v8 & !7 == 0,
        F::Ipv6Label => v32 & !0x000f_ffff == 0,
        F::MplsLabel => v32 & !0x000f_ffff == 0,
        F::MplsBos => v8 & !1 == 0,
        F::TunFlags => v16 & !1 == 0,
        F::CtState => v32 & !0xff == 0,
        F::NshTtl => v8 <= 63,
        F::NshMdtype => v8 == 1 || v8 == 2,
        F::NshSpi => v32 & 0xff00_0000 == 0,
        _ => true,
    }
}
