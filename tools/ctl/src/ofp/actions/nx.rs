//! The Nicira extension actions (`NXAST_*`, experimenter 0x00002320) Open vSwitch 3.1 decodes
//! in OpenFlow 1.5 (`ovs-actions(7)`), each printed as Open vSwitch prints it.

use super::{
    Act, Ctx, Kind, Outer, be16, be32, be64, byte, check_subfield, check_writable, decode_nested,
    field_from_nxm32, format_list, learn, pull_header, text,
};
use crate::ofp::{DecodeError, fields};

/// `NX_CT_F_COMMIT`.
const CT_COMMIT: u16 = 1 << 0;
/// `NX_CT_F_FORCE`.
const CT_FORCE: u16 = 1 << 1;

/// `NX_NAT_F_*` flags.
const NAT_SRC: u16 = 1 << 0;
const NAT_DST: u16 = 1 << 1;
const NAT_PERSISTENT: u16 = 1 << 2;
const NAT_PROTO_HASH: u16 = 1 << 3;
const NAT_PROTO_RANDOM: u16 = 1 << 4;
const NAT_MASK: u16 = 0x1f;

/// `NX_NAT_RANGE_*` bits of `range_present`.
const RANGE_IPV4_MIN: u16 = 1 << 0;
const RANGE_IPV4_MAX: u16 = 1 << 1;
const RANGE_IPV6_MIN: u16 = 1 << 2;
const RANGE_IPV6_MAX: u16 = 1 << 3;
const RANGE_PROTO_MIN: u16 = 1 << 4;
const RANGE_PROTO_MAX: u16 = 1 << 5;

/// `OFPR_ACTION`, the packet-in reason a controller action has unless told otherwise.
const OFPR_ACTION: u8 = 1;

/// The NXM header of `NXM_OF_IN_PORT`, the only member type `bundle` takes.
const NXM_OF_IN_PORT: u32 = 0x0000_0002;

/// Decodes the Nicira action of subtype `subtype`.
pub(super) fn decode(c: &Ctx<'_>, subtype: u16) -> Result<Act, DecodeError> {
    let a = c.a;
    let text = match subtype {
        1 => resubmit(be16(a, 10), 255, false),
        14 | 44 => {
            if !super::zeros_from(&a[..16], 13) {
                return Err(c.err("reserved bytes must be zero"));
            }
            resubmit(be16(a, 10), byte(a, 12), subtype == 44)
        }
        2 => format!("set_tunnel:{}", text::alt_hex(u64::from(be32(a, 12)))),
        9 => format!("set_tunnel64:{}", text::alt_hex(be64(a, 16))),
        5 => "pop_queue".into(),
        8 => {
            return Ok(Act::of_kind(
                format!("note:{}", text::hex_dotted(&a[10..])),
                Kind::Note,
            ));
        }
        10 => multipath(c)?,
        12 | 13 => bundle(c, subtype == 13)?,
        15 => {
            c.must_be_zero(18)?;
            let (ofs, n_bits) = ofs_nbits(be16(a, 10));
            let field = field_from_nxm32(c, be32(a, 12))?;
            check_subfield(c, field, ofs, n_bits)?;
            let mut s = String::from("output:");
            text::subfield(field, ofs, n_bits, &mut s);
            s
        }
        32 => {
            let (ofs, n_bits) = ofs_nbits(be16(a, 10));
            let (field, used) = pull_header(c, 14)?;
            c.must_be_zero(14 + used)?;
            check_subfield(c, field, ofs, n_bits)?;
            let mut s = String::from("output:");
            text::subfield(field, ofs, n_bits, &mut s);
            s
        }
        16 | 45 => learn::decode(c, subtype == 45)?,
        17 => "exit".into(),
        19 => {
            let mut s = String::from("fin_timeout(");
            let (idle, hard) = (be16(a, 10), be16(a, 12));
            if idle != 0 {
                s.push_str(&format!("idle_timeout={idle},"));
            }
            if hard != 0 {
                s.push_str(&format!("hard_timeout={hard},"));
            }
            chomp(&mut s);
            s.push(')');
            s
        }
        20 => Controller {
            max_len: be16(a, 10),
            id: be16(a, 12),
            reason: byte(a, 14),
            userdata: None,
            pause: false,
            meter_id: 0,
        }
        .format(),
        37 => controller2(c)?,
        21 => {
            let n = usize::from(be16(a, 10));
            c.must_be_zero_range(12, 16)?;
            if a.len() - 16 < 2 * n {
                return Err(c.err(format_args!(
                    "room for {} controller ids, {n} given",
                    (a.len() - 16) / 2
                )));
            }
            let ids: Vec<String> = (0..n).map(|i| be16(a, 16 + 2 * i).to_string()).collect();
            format!("dec_ttl({})", ids.join(","))
        }
        22 => {
            c.must_be_zero_range(10, 16)?;
            return Ok(Act::of_kind(
                text::write_metadata(be64(a, 16), be64(a, 24)),
                Kind::Instruction(4),
            ));
        }
        27 | 28 => {
            let ofs = u32::from(be16(a, 10));
            let (field, used) = pull_header(c, 12)?;
            let n_bits = u32::from(be16(a, 12 + used));
            c.must_be_zero(14 + used)?;
            check_subfield(c, field, ofs, n_bits)?;
            if subtype == 28 {
                check_writable(c, field)?;
            }
            let mut s = String::from(if subtype == 27 { "push:" } else { "pop:" });
            text::subfield(field, ofs, n_bits, &mut s);
            s
        }
        29 | 38 | 41 => sample(c, subtype)?,
        34 => {
            let (clause, n_clauses, id) = (byte(a, 10), byte(a, 11), be32(a, 12));
            if !(2..=64).contains(&n_clauses) || clause >= n_clauses {
                return Err(c.err(format_args!("bad clause {clause} of {n_clauses}")));
            }
            return Ok(Act::of_kind(
                format!("conjunction({id},{}/{n_clauses})", clause + 1),
                Kind::Conjunction,
            ));
        }
        35 => ct(c)?,
        36 => return nat(c),
        39 => {
            let (port, max_len) = (be16(a, 10), be32(a, 12));
            if max_len < 14 {
                return Err(c.err(format_args!("max_len {max_len} shorter than an Ethernet header")));
            }
            let mut s = String::from("output(port=");
            fields::format_port(port, &mut s);
            s.push_str(&format!(",max_len={max_len})"));
            s
        }
        42 => {
            let nested = decode_nested(&a[16..], c.ofs + 16, c.depth + 1, Outer::None, c.name, c.ofs)?;
            let mut s = String::from("clone(");
            format_list(&nested, &mut s);
            s.push(')');
            s
        }
        43 => "ct_clear".into(),
        46 => encap(c)?,
        47 => {
            if a.len() > 16 {
                return Err(c.err("decap properties are not supported"));
            }
            let pkt_type = be32(a, 12);
            if pkt_type == 0xfffe {
                "decap()".into()
            } else {
                format!(
                    "decap(packet_type(ns={},type={}))",
                    pkt_type >> 16,
                    text::alt_hex(u64::from(pkt_type & 0xffff))
                )
            }
        }
        48 => "dec_nsh_ttl".into(),
        49 => {
            let (pkt_len, ofs) = (be16(a, 10), u32::from(be16(a, 12)));
            let (field, used) = pull_header(c, 14)?;
            c.must_be_zero(14 + used)?;
            check_subfield(c, field, ofs, 1)?;
            check_writable(c, field)?;
            let mut s = format!("check_pkt_larger({pkt_len})->");
            text::subfield(field, ofs, 1, &mut s);
            s
        }
        50 => {
            let (field, _) = pull_header(c, 10)?;
            format!("delete_field:{}", field.name())
        }
        _ => return Err(c.err("unsupported action")),
    };
    // The actions an action set (write_actions) may hold.
    let in_set = matches!(subtype, 1 | 2 | 9 | 14 | 21 | 35 | 43 | 44 | 46 | 47 | 48);
    Ok(Act::new(text, in_set))
}

impl Ctx<'_> {
    /// An error unless bytes `from..to` of this action are zero.
    fn must_be_zero_range(&self, from: usize, to: usize) -> Result<(), DecodeError> {
        match self.a.get(from..to) {
            Some(s) if s.iter().all(|&b| b == 0) => Ok(()),
            _ => Err(self.err("reserved bytes must be zero")),
        }
    }
}

/// Splits an `ofs_nbits` (`ofs << 6 | (n_bits - 1)`) into offset and width.
fn ofs_nbits(v: u16) -> (u32, u32) {
    (u32::from(v >> 6), u32::from(v & 0x3f) + 1)
}

/// Drops one trailing `,` (`ds_chomp`).
fn chomp(s: &mut String) {
    if s.ends_with(',') {
        s.pop();
    }
}

/// `resubmit:PORT` or `resubmit([PORT],[TABLE][,ct])`.
fn resubmit(in_port: u16, table: u8, ct: bool) -> String {
    let mut s = String::new();
    if in_port != text::OFPP_IN_PORT && table == 255 {
        s.push_str("resubmit:");
        fields::format_port(in_port, &mut s);
        return s;
    }
    s.push_str("resubmit(");
    if in_port != text::OFPP_IN_PORT {
        fields::format_port(in_port, &mut s);
    }
    s.push(',');
    if table != 255 {
        s.push_str(&table.to_string());
    }
    if ct {
        s.push_str(",ct");
    }
    s.push(')');
    s
}

/// The name of an `NX_HASH_FIELDS_*` value, if valid.
fn hash_fields(v: u16) -> Option<&'static str> {
    Some(match v {
        0 => "eth_src",
        1 => "symmetric_l4",
        2 => "symmetric_l3l4",
        3 => "symmetric_l3l4+udp",
        4 => "nw_src",
        5 => "nw_dst",
        6 => "symmetric_l3",
        _ => return None,
    })
}

/// `NXAST_MULTIPATH`: `multipath(FIELDS,BASIS,ALGORITHM,N_LINKS,ARG,DST)`.
fn multipath(c: &Ctx<'_>) -> Result<String, DecodeError> {
    let a = c.a;
    let (fields_v, basis, algorithm, max_link, arg) =
        (be16(a, 10), be16(a, 12), be16(a, 16), be16(a, 18), be32(a, 20));
    let (ofs, n_bits) = ofs_nbits(be16(a, 26));
    let field = field_from_nxm32(c, be32(a, 28))?;
    let fields_s =
        hash_fields(fields_v).ok_or_else(|| c.err(format_args!("unsupported fields {fields_v}")))?;
    let alg = match algorithm {
        0 => "modulo_n",
        1 => "hash_threshold",
        2 => "hrw",
        3 => "iter_hash",
        _ => return Err(c.err(format_args!("unsupported algorithm {algorithm}"))),
    };
    let n_links = u32::from(max_link) + 1;
    let min_bits = 32 - (n_links - 1).leading_zeros();
    if n_bits < min_bits {
        return Err(c.err(format_args!("{n_links} links need at least {min_bits} bits")));
    }
    check_subfield(c, field, ofs, n_bits)?;
    check_writable(c, field)?;
    let mut s = format!("multipath({fields_s},{basis},{alg},{n_links},{arg},");
    text::subfield(field, ofs, n_bits, &mut s);
    s.push(')');
    Ok(s)
}

/// `NXAST_BUNDLE` / `NXAST_BUNDLE_LOAD`: `bundle(FIELDS,BASIS,ALG,ofport,members:P,...)`.
///
/// As in Open vSwitch, `bundle_load` does not refuse unknown hash fields, algorithm, member
/// type or nonzero reserved bytes (its field lookup overwrites that verdict); they print as
/// `<unknown>`.
fn bundle(c: &Ctx<'_>, load: bool) -> Result<String, DecodeError> {
    let a = c.a;
    let (algorithm, fields_v, basis) = (be16(a, 10), be16(a, 12), be16(a, 14));
    let (member_type, n_members) = (be32(a, 16), usize::from(be16(a, 20)));
    let fields_s = hash_fields(fields_v);
    let alg = match algorithm {
        0 => Some("active_backup"),
        1 => Some("hrw"),
        _ => None,
    };
    let mut verdict = if fields_s.is_none() {
        Err(c.err(format_args!("unsupported fields {fields_v}")))
    } else if n_members > 2048 {
        Err(c.err("too many members"))
    } else if alg.is_none() {
        Err(c.err(format_args!("unsupported algorithm {algorithm}")))
    } else if member_type != NXM_OF_IN_PORT {
        Err(c.err(format_args!("unsupported member type {member_type}")))
    } else {
        Ok(())
    };
    if c.must_be_zero_range(28, 32).is_err() {
        verdict = Err(c.err("reserved bytes must be zero"));
    }
    let mut s = format!(
        "{}({},{basis},{},ofport,",
        if load { "bundle_load" } else { "bundle" },
        fields_s.unwrap_or("<unknown>"),
        alg.unwrap_or("<unknown>")
    );
    let mut dst = None;
    if load {
        let (ofs, n_bits) = ofs_nbits(be16(a, 22));
        let field = field_from_nxm32(c, be32(a, 24))?;
        verdict = if n_bits < 16 {
            Err(c.err("bundle_load needs a destination of at least 16 bits"))
        } else {
            Ok(())
        };
        text::subfield(field, ofs, n_bits, &mut s);
        s.push(',');
        dst = Some((field, ofs, n_bits));
    } else if be16(a, 22) != 0 || be32(a, 24) != 0 {
        verdict = Err(c.err("reserved fields must be zero"));
    }
    if a.len() - 32 < 2 * n_members {
        return Err(c.err(format_args!(
            "room for {} members, {n_members} given",
            (a.len() - 32) / 2
        )));
    }
    verdict?;
    if let Some((field, ofs, n_bits)) = dst {
        check_subfield(c, field, ofs, n_bits)?;
        check_writable(c, field)?;
    }
    s.push_str("members:");
    for i in 0..n_members {
        let port = be16(a, 32 + 2 * i);
        if (port != text::OFPP_NONE && text::check_output_port(port).is_err())
            || port == text::OFPP_CONTROLLER
        {
            return Err(c.err(format_args!("bad member port {port}")));
        }
        if i > 0 {
            s.push(',');
        }
        fields::format_port(port, &mut s);
    }
    s.push(')');
    Ok(s)
}

/// A decoded `controller` action (`struct ofpact_controller`).
struct Controller<'a> {
    /// Bytes of the packet to send.
    max_len: u16,
    /// Controller connection id.
    id: u16,
    /// Packet-in reason.
    reason: u8,
    /// Opaque bytes for the controller.
    userdata: Option<&'a [u8]>,
    /// Whether the pipeline pauses.
    pause: bool,
    /// Meter id (0: none).
    meter_id: u32,
}

impl Controller<'_> {
    /// `CONTROLLER:MAX_LEN` for the plain form, else `controller(key=value,...)`.
    fn format(&self) -> String {
        let userdata = self.userdata.filter(|u| !u.is_empty());
        if self.reason == OFPR_ACTION
            && self.id == 0
            && userdata.is_none()
            && !self.pause
            && self.meter_id == 0
        {
            return format!("CONTROLLER:{}", self.max_len);
        }
        let mut s = String::from("controller(");
        if self.reason != OFPR_ACTION {
            let reason = match self.reason {
                0 => "no_match".to_string(),
                2 => "invalid_ttl".into(),
                3 => "action_set".into(),
                4 => "group".into(),
                5 => "packet_out".into(),
                6 | 7 => String::new(),
                r => r.to_string(),
            };
            s.push_str(&format!("reason={reason},"));
        }
        if self.max_len != u16::MAX {
            s.push_str(&format!("max_len={},", self.max_len));
        }
        if self.id != 0 {
            s.push_str(&format!("id={},", self.id));
        }
        if let Some(u) = userdata {
            s.push_str(&format!("userdata={},", text::hex_dotted(u)));
        }
        if self.pause {
            s.push_str("pause,");
        }
        if self.meter_id != 0 {
            s.push_str(&format!("meter_id={},", self.meter_id));
        }
        chomp(&mut s);
        s.push(')');
        s
    }
}

/// `NXAST_CONTROLLER2`: properties after a 16-byte header.
fn controller2(c: &Ctx<'_>) -> Result<String, DecodeError> {
    c.must_be_zero_range(10, 16)?;
    let mut ctl = Controller {
        max_len: u16::MAX,
        id: 0,
        reason: OFPR_ACTION,
        userdata: None,
        pause: false,
        meter_id: 0,
    };
    let mut props = &c.a[16..];
    while !props.is_empty() {
        if props.len() < 4 {
            return Err(c.err("truncated property"));
        }
        let (ty, len) = (be16(props, 0), usize::from(be16(props, 2)));
        let padded = len.div_ceil(8) * 8;
        if len < 4 || padded > props.len() {
            return Err(c.err(format_args!("property {ty} has bad length {len}")));
        }
        let payload = &props[4..len];
        let short = || c.err(format_args!("property {ty} too short"));
        match ty {
            0 => ctl.max_len = be16(payload, 0),
            1 => ctl.id = be16(payload, 0),
            2 => ctl.reason = *payload.first().ok_or_else(short)?,
            3 => ctl.userdata = Some(payload),
            4 => ctl.pause = true,
            5 => {
                if payload.len() != 4 {
                    return Err(short());
                }
                ctl.meter_id = be32(payload, 0);
            }
            _ => return Err(c.err(format_args!("unknown property {ty}"))),
        }
        if (ty == 0 || ty == 1) && payload.len() < 2 {
            return Err(short());
        }
        props = &props[padded..];
    }
    Ok(ctl.format())
}

/// `NXAST_SAMPLE`, `NXAST_SAMPLE2`, `NXAST_SAMPLE3`.
fn sample(c: &Ctx<'_>, subtype: u16) -> Result<String, DecodeError> {
    let a = c.a;
    let probability = be16(a, 10);
    let (collector, domain, point) = (be32(a, 12), be32(a, 16), be32(a, 20));
    let (sampling_port, direction) = if subtype == 29 {
        (text::OFPP_NONE, 0)
    } else {
        (be16(a, 24), byte(a, 26))
    };
    let direction = if subtype == 41 {
        c.must_be_zero(27)?;
        if direction > 2 {
            return Err(c.err(format_args!("bad direction {direction}")));
        }
        direction
    } else {
        0
    };
    if probability == 0 {
        return Err(c.err("probability must not be 0"));
    }
    let mut s = format!(
        "sample(probability={probability},collector_set_id={collector},obs_domain_id={domain},obs_point_id={point}"
    );
    if sampling_port != text::OFPP_NONE {
        s.push_str(",sampling_port=");
        fields::format_port(sampling_port, &mut s);
    }
    match direction {
        1 => s.push_str(",ingress"),
        2 => s.push_str(",egress"),
        _ => {}
    }
    s.push(')');
    Ok(s)
}

/// `NXAST_CT`: `ct(commit,force,table=N,zone=Z,nat(...),exec(...),alg=A)`.
fn ct(c: &Ctx<'_>) -> Result<String, DecodeError> {
    let a = c.a;
    let flags = be16(a, 10);
    if flags & CT_FORCE != 0 && flags & CT_COMMIT == 0 {
        return Err(c.err("force without commit"));
    }
    let zone_src = be32(a, 12);
    let mut zone = String::new();
    if zone_src != 0 {
        let (ofs, n_bits) = ofs_nbits(be16(a, 16));
        let field = field_from_nxm32(c, zone_src)?;
        check_subfield(c, field, ofs, n_bits)?;
        if n_bits != 16 {
            return Err(c.err(format_args!("zone of {n_bits} bits, not 16")));
        }
        zone.push_str("zone=");
        text::subfield(field, ofs, n_bits, &mut zone);
        zone.push(',');
    } else if be16(a, 16) != 0 {
        zone = format!("zone={},", be16(a, 16));
    }
    let recirc_table = byte(a, 18);
    let alg = be16(a, 22);
    let nested = decode_nested(&a[24..], c.ofs + 24, c.depth + 1, Outer::Ct, c.name, c.ofs)?;
    if flags & CT_COMMIT == 0 && nested.iter().any(|n| n.kind != Kind::Nat(false)) {
        return Err(c.err("actions other than a bare nat need commit"));
    }
    let mut s = String::from("ct(");
    if flags & CT_COMMIT != 0 {
        s.push_str("commit,");
    }
    if flags & CT_FORCE != 0 {
        s.push_str("force,");
    }
    if recirc_table != 255 {
        s.push_str(&format!("table={recirc_table},"));
    }
    s.push_str(&zone);
    let mut rest = &nested[..];
    if let Some(first) = rest.first().filter(|n| matches!(n.kind, Kind::Nat(_))) {
        s.push_str(&first.text);
        s.push(',');
        rest = &rest[1..];
    }
    if !rest.is_empty() {
        s.push_str("exec(");
        format_list(rest, &mut s);
        s.push_str("),");
    }
    match alg {
        0 => {}
        21 => s.push_str("alg=ftp,"),
        69 => s.push_str("alg=tftp,"),
        p => s.push_str(&format!("alg={p},")),
    }
    chomp(&mut s);
    s.push(')');
    Ok(s)
}

/// `NXAST_NAT`: `nat` or `nat(src|dst[=ADDR[-ADDR][:PORT[-PORT]]][,persistent][,hash|random])`.
fn nat(c: &Ctx<'_>) -> Result<Act, DecodeError> {
    let a = c.a;
    let flags = be16(a, 12);
    let range = be16(a, 14);
    if flags & !NAT_MASK != 0
        || (flags & NAT_SRC != 0 && flags & NAT_DST != 0)
        || (flags & NAT_PROTO_HASH != 0 && flags & NAT_PROTO_RANDOM != 0)
    {
        return Err(c.err(format_args!("bad flags {flags:#x}")));
    }
    let mut opts = &a[16..];
    let mut take = |n: usize| -> Option<&[u8]> {
        if opts.len() < n {
            return None;
        }
        let (head, tail) = opts.split_at(n);
        opts = tail;
        Some(head)
    };
    let bad = || c.err(format_args!("bad address range (range_present {range:#x})"));
    // The address range, as printed.
    let mut addr = None;
    let mut bracket_v6: Option<([u8; 16], Option<[u8; 16]>)> = None;
    if range & RANGE_IPV4_MIN != 0 {
        if range & (RANGE_IPV6_MIN | RANGE_IPV6_MAX) != 0 {
            return Err(bad());
        }
        let min = be32(take(4).ok_or_else(bad)?, 0);
        if min == 0 {
            return Err(bad());
        }
        let mut s = text::ipv4(min);
        if range & RANGE_IPV4_MAX != 0 {
            let max = be32(take(4).ok_or_else(bad)?, 0);
            if max < min {
                return Err(bad());
            }
            if max != min {
                s.push('-');
                s.push_str(&text::ipv4(max));
            }
        }
        addr = Some(s);
    } else if range & RANGE_IPV4_MAX != 0 {
        return Err(bad());
    } else if range & RANGE_IPV6_MIN != 0 {
        let mut min = [0u8; 16];
        min.copy_from_slice(take(16).ok_or_else(bad)?);
        if min == [0; 16] {
            return Err(bad());
        }
        let mut max = None;
        if range & RANGE_IPV6_MAX != 0 {
            let mut m = [0u8; 16];
            m.copy_from_slice(take(16).ok_or_else(bad)?);
            if m < min {
                return Err(bad());
            }
            max = Some(m);
        }
        bracket_v6 = Some((min, max));
    } else if range & RANGE_IPV6_MAX != 0 {
        return Err(bad());
    }
    let mut ports = None;
    if range & RANGE_PROTO_MIN != 0 {
        if addr.is_none() && bracket_v6.is_none() {
            return Err(bad());
        }
        let min = be16(take(2).ok_or_else(bad)?, 0);
        if min == 0 {
            return Err(bad());
        }
        let mut max = 0;
        if range & RANGE_PROTO_MAX != 0 {
            max = be16(take(2).ok_or_else(bad)?, 0);
            if max < min {
                return Err(bad());
            }
        }
        ports = Some((min, max));
    } else if range & RANGE_PROTO_MAX != 0 {
        return Err(bad());
    }
    if let Some((min, max)) = bracket_v6 {
        let bracket = ports.is_some();
        let wrap = |x: &[u8; 16]| {
            if bracket {
                format!("[{}]", text::ipv6(x))
            } else {
                text::ipv6(x)
            }
        };
        let mut s = wrap(&min);
        if let Some(m) = max.filter(|m| *m != [0; 16] && *m != min) {
            s.push('-');
            s.push_str(&wrap(&m));
        }
        addr = Some(s);
    }

    let mut s = String::from("nat");
    if flags & (NAT_SRC | NAT_DST) != 0 {
        s.push('(');
        s.push_str(if flags & NAT_SRC != 0 { "src" } else { "dst" });
        if let Some(addr) = &addr {
            s.push('=');
            s.push_str(addr);
            if let Some((min, max)) = ports {
                s.push_str(&format!(":{min}"));
                if max != 0 && max != min {
                    s.push_str(&format!("-{max}"));
                }
            }
            s.push(',');
            if flags & NAT_PERSISTENT != 0 {
                s.push_str("persistent,");
            }
            if flags & NAT_PROTO_HASH != 0 {
                s.push_str("hash,");
            }
            if flags & NAT_PROTO_RANDOM != 0 {
                s.push_str("random,");
            }
        }
        chomp(&mut s);
        s.push(')');
    }
    Ok(Act::of_kind(s, Kind::Nat(flags != 0 || addr.is_some())))
}

/// `NXAST_ENCAP`: `encap(ethernet)`, `encap(nsh(md_type=1))`, ...
fn encap(c: &Ctx<'_>) -> Result<String, DecodeError> {
    let a = c.a;
    let pkt_type = be32(a, 12);
    let name = match pkt_type {
        0 => "ethernet",
        0x0001_894f => "nsh",
        0x0001_8847 => "mpls",
        0x0001_8848 => "mpls_mc",
        _ => return Err(c.err(format_args!("unsupported packet type {pkt_type:#x}"))),
    };
    let mut props = &a[16..];
    let mut texts = Vec::new();
    while !props.is_empty() {
        // struct ofp_ed_prop_header: class (16), type (8), len (8).
        if props.len() < 4 {
            return Err(c.err("truncated encap property"));
        }
        let (class, ty, len) = (be16(props, 0), props[2], usize::from(props[3]));
        let padded = len.div_ceil(8) * 8;
        if len < 4 || padded > props.len() {
            return Err(c.err(format_args!("encap property has bad length {len}")));
        }
        // OFPPPC_NSH (4): NSH_MD_TYPE (1: the type in the byte after the header) and NSH_TLV
        // (2: class, type, length, then the value padded to 8 bytes).
        match (class, ty) {
            (4, 1) if len <= 8 => texts.push(format!("md_type={}", byte(props, 4))),
            (4, 2) if len >= 8 => {
                let (tlv_class, tlv_type, tlv_len) = (be16(props, 4), props[6], usize::from(props[7]));
                if len != 8 + tlv_len.div_ceil(8) * 8 {
                    return Err(c.err(format_args!(
                        "NSH TLV property of length {len} for {tlv_len} bytes"
                    )));
                }
                let mut v = format!("tlv(0x{tlv_class:04x},{tlv_type},");
                text::hex_number(&props[8..8 + tlv_len], &mut v);
                v.push(')');
                texts.push(v);
            }
            (4, 1 | 2) => return Err(c.err(format_args!("bad encap property length {len}"))),
            _ => return Err(c.err(format_args!("unknown encap property class {class:#x} type {ty}"))),
        }
        props = &props[padded..];
    }
    let mut s = format!("encap({name}");
    if !texts.is_empty() {
        s.push('(');
        s.push_str(&texts.join(","));
        s.push(')');
    }
    s.push(')');
    Ok(s)
}
