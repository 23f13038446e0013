//! `NXAST_LEARN` and `NXAST_LEARN2` (`ovs-actions(7)` "The learn action"): the new flow's
//! parameters and its flow-mod specs (match a field or an immediate value, load a field or an
//! immediate value, output to a field), printed as
//! `learn(table=N,...,FIELD[],name=value,load:SRC->DST,output:SRC)`.

use super::{Ctx, be16, be32, be64, byte, fields, pull_header, text};
use crate::ofp::DecodeError;
use crate::ofp::fields::Field;

/// `NX_LEARN_F_SEND_FLOW_REM`.
const F_SEND_FLOW_REM: u16 = 1 << 0;
/// `NX_LEARN_F_DELETE_LEARNED`.
const F_DELETE_LEARNED: u16 = 1 << 1;
/// `NX_LEARN_F_WRITE_RESULT` (`learn2` only).
const F_WRITE_RESULT: u16 = 1 << 2;

/// Spec header: source is an immediate value (else a field).
const SRC_IMMEDIATE: u16 = 1 << 13;
/// Spec header destination bits.
const DST_MASK: u16 = 3 << 11;
/// Destination: a match field.
const DST_MATCH: u16 = 0;
/// Destination: a field loaded by the new flow's actions.
const DST_LOAD: u16 = 1 << 11;
/// Destination: an output port.
const DST_OUTPUT: u16 = 2 << 11;

/// Decodes `learn` (or `learn2` when `v2`) and prints it.
pub(super) fn decode(c: &Ctx<'_>, v2: bool) -> Result<String, DecodeError> {
    let a = c.a;
    let idle = be16(a, 10);
    let hard = be16(a, 12);
    let priority = be16(a, 14);
    let cookie = be64(a, 16);
    let flags = be16(a, 24);
    let table = byte(a, 26);
    let fin_idle = be16(a, 28);
    let fin_hard = be16(a, 30);
    if byte(a, 27) != 0 {
        return Err(c.err("reserved byte must be zero"));
    }
    if table == 255 {
        return Err(c.err("table 255"));
    }
    let allowed = if v2 {
        F_SEND_FLOW_REM | F_DELETE_LEARNED | F_WRITE_RESULT
    } else {
        F_SEND_FLOW_REM | F_DELETE_LEARNED
    };
    if flags & !allowed != 0 {
        return Err(c.err(format_args!("bad flags {flags:#x}")));
    }

    let mut s = format!("learn(table={table}");
    if idle != 0 {
        s.push_str(&format!(",idle_timeout={idle}"));
    }
    if hard != 0 {
        s.push_str(&format!(",hard_timeout={hard}"));
    }
    if fin_idle != 0 {
        s.push_str(&format!(",fin_idle_timeout={fin_idle}"));
    }
    if fin_hard != 0 {
        s.push_str(&format!(",fin_hard_timeout={fin_hard}"));
    }
    if priority != 0x8000 {
        s.push_str(&format!(",priority={priority}"));
    }
    if flags & F_SEND_FLOW_REM != 0 {
        s.push_str(",send_flow_rem");
    }
    if flags & F_DELETE_LEARNED != 0 {
        s.push_str(",delete_learned");
    }
    if cookie != 0 {
        s.push_str(&format!(",cookie={cookie:#x}"));
    }

    let mut pos = 32;
    if v2 {
        let limit = be32(a, 32);
        let result_ofs = u32::from(be16(a, 36));
        if be16(a, 38) != 0 {
            return Err(c.err("reserved bytes must be zero"));
        }
        if limit != 0 {
            s.push_str(&format!(",limit={limit}"));
        }
        pos = 40;
        if flags & F_WRITE_RESULT != 0 {
            let (field, used) = pull_header(c, 40)?;
            // Open vSwitch checks only that the field is writable here, not the bit's range.
            super::check_writable(c, field)?;
            s.push_str(",result_dst=");
            text::subfield(field, result_ofs, 1, &mut s);
            pos += used;
        } else if result_ofs != 0 {
            return Err(c.err("result_dst offset without write_result"));
        }
    }

    while pos < a.len() {
        if a.len() - pos < 2 {
            return Err(c.err(format_args!("truncated flow-mod spec at byte {pos}")));
        }
        let header = be16(a, pos);
        if header == 0 {
            break;
        }
        pos += 2;
        let n_bits = u32::from(header & 0x3ff);
        let src_imm = header & SRC_IMMEDIATE != 0;
        let dst = header & DST_MASK;
        if !(dst == DST_MATCH || dst == DST_LOAD || (dst == DST_OUTPUT && !src_imm)) {
            return Err(c.err(format_args!("bad flow-mod spec header {header:#06x}")));
        }
        let imm_room = 2 * n_bits.div_ceil(16) as usize;
        let need = if src_imm { imm_room } else { 6 } + if dst == DST_OUTPUT { 0 } else { 6 };
        if a.len() - pos < need {
            return Err(c.err(format_args!(
                "flow-mod spec at byte {} overruns the action",
                pos - 2
            )));
        }
        let src = if src_imm {
            let imm_bytes = n_bits.div_ceil(8) as usize;
            let imm = &a[pos + imm_room - imm_bytes..pos + imm_room];
            pos += imm_room;
            Src::Imm(imm)
        } else {
            let sub = subfield(c, pos, n_bits)?;
            pos += 6;
            Src::Field(sub)
        };
        let dst_sub = if dst == DST_OUTPUT {
            None
        } else {
            let sub = subfield(c, pos, n_bits)?;
            pos += 6;
            Some(sub)
        };
        s.push(',');
        match (src, dst_sub) {
            (Src::Imm(imm), Some(d)) if dst == DST_MATCH => {
                if d.ofs == 0 && d.n_bits == d.field.n_bits() {
                    let n = d.field.n_bytes();
                    let mut value = vec![0u8; n];
                    let take = imm.len().min(n);
                    value[n - take..].copy_from_slice(&imm[imm.len() - take..]);
                    s.push_str(d.field.name());
                    s.push('=');
                    fields::format_value(d.field, &value, &mut s);
                } else {
                    d.format(&mut s);
                    s.push('=');
                    text::hex_number(imm, &mut s);
                }
            }
            (Src::Field(sf), Some(d)) if dst == DST_MATCH => {
                d.format(&mut s);
                if !std::ptr::eq(sf.field, d.field) || sf.ofs != d.ofs {
                    s.push('=');
                    sf.format(&mut s);
                }
            }
            (Src::Imm(imm), Some(d)) => {
                s.push_str("load:");
                text::hex_number(imm, &mut s);
                s.push_str("->");
                d.format(&mut s);
            }
            (Src::Field(sf), Some(d)) => {
                s.push_str("load:");
                sf.format(&mut s);
                s.push_str("->");
                d.format(&mut s);
            }
            (Src::Field(sf), None) => {
                s.push_str("output:");
                sf.format(&mut s);
            }
            (Src::Imm(_), None) => return Err(c.err("output from an immediate value")),
        }
    }
    if !super::zeros_from(a, pos) {
        return Err(c.err("bytes after the flow-mod specs must be zero"));
    }
    s.push(')');
    Ok(s)
}

/// The source of a flow-mod spec.
enum Src<'a> {
    /// Immediate bytes (the value's width, big-endian).
    Imm(&'a [u8]),
    /// A subfield of the packet being processed.
    Field(Sub),
}

/// A subfield named in a spec: field, offset, width.
struct Sub {
    /// The field.
    field: &'static Field,
    /// First bit.
    ofs: u32,
    /// Width in bits.
    n_bits: u32,
}

impl Sub {
    /// Appends `NXM_...[a..b]`.
    fn format(&self, out: &mut String) {
        text::subfield(self.field, self.ofs, self.n_bits, out);
    }
}

/// Reads a spec's subfield: a 32-bit NXM header then a 16-bit offset, at byte `pos`.
fn subfield(c: &Ctx<'_>, pos: usize, n_bits: u32) -> Result<Sub, DecodeError> {
    let field = super::field_from_nxm32(c, be32(c.a, pos))?;
    let ofs = u32::from(be16(c.a, pos + 4));
    Ok(Sub { field, ofs, n_bits })
}
