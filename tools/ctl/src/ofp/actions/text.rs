//! How action arguments print (`ovs-actions(7)`, `ovs-ofctl(8)` "Port Names"): ports with
//! their reserved names, addresses, C-style `%#x` hexadecimal and dotted hex bytes.

use std::fmt::Write as _;

use crate::ofp::fields;

/// `OFPP_MAX`: ports below it are physical or logical ports, printed as numbers.
pub(super) const OFPP_MAX: u16 = 0xff00;
/// `OFPP_IN_PORT`.
pub(super) const OFPP_IN_PORT: u16 = 0xfff8;
/// `OFPP_CONTROLLER`.
pub(super) const OFPP_CONTROLLER: u16 = 0xfffd;
/// `OFPP_NONE` (`OFPP_ANY`).
pub(super) const OFPP_NONE: u16 = 0xffff;

/// Converts a 32-bit (OpenFlow 1.1+) port into Open vSwitch's 16-bit port space: `None` for
/// the numbers between `OFPP_MAX` and the reserved ports (`0xffffff00` and up).
pub(super) fn port_from_ofp11(port: u32) -> Option<u16> {
    if port < u32::from(OFPP_MAX) {
        u16::try_from(port).ok()
    } else if port >= 0xffff_ff00 {
        u16::try_from(port - 0xffff_0000).ok()
    } else {
        None
    }
}

/// Whether `port` may be an output port: a port number or one of the reserved ports that
/// forward (`IN_PORT`, `TABLE`, `NORMAL`, `FLOOD`, `ALL`, `CONTROLLER`, `LOCAL`).
pub(super) fn check_output_port(port: u16) -> Result<(), ()> {
    if port < OFPP_MAX || (0xfff8..=0xfffe).contains(&port) {
        Ok(())
    } else {
        Err(())
    }
}

/// C's `%#x`: `0` for zero, else `0x` and lower-case hex digits.
pub(super) fn alt_hex(v: u64) -> String {
    if v == 0 { "0".into() } else { format!("{v:#x}") }
}

/// An Ethernet address, `xx:xx:xx:xx:xx:xx` ([`fields::put_eth`]).
pub(super) fn mac(b: &[u8]) -> String {
    let mut s = String::new();
    fields::put_eth(b, &mut s);
    s
}

/// An IPv4 address in dotted quad.
pub(super) fn ipv4(a: u32) -> String {
    std::net::Ipv4Addr::from(a).to_string()
}

/// An IPv6 address as `inet_ntop(3)` writes it ([`fields::put_ipv6`]).
pub(super) fn ipv6(b: &[u8; 16]) -> String {
    let mut s = String::new();
    fields::put_ipv6(b, &mut s);
    s
}

/// `data` as dotted hex bytes (`00.00.00.01`), as `note:` and `userdata=` print.
pub(super) fn hex_dotted(data: &[u8]) -> String {
    let mut s = String::new();
    for (i, x) in data.iter().enumerate() {
        if i > 0 {
            s.push('.');
        }
        let _ = write!(s, "{x:02x}");
    }
    s
}

/// `data` as one big-endian hexadecimal number without leading zeros (`0x1`, `0` when all
/// bytes are zero), as `learn` prints immediate values.
pub(super) fn hex_number(data: &[u8], out: &mut String) {
    let mut printed = false;
    for &x in data {
        if printed {
            let _ = write!(out, "{x:02x}");
        } else if x != 0 {
            let _ = write!(out, "0x{x:x}");
            printed = true;
        }
    }
    if !printed {
        out.push('0');
    }
}

/// `write_metadata:V` or `write_metadata:V/M` (the mask only when not all ones).
pub(super) fn write_metadata(metadata: u64, mask: u64) -> String {
    let mut s = format!("write_metadata:{}", alt_hex(metadata));
    if mask != u64::MAX {
        s.push('/');
        s.push_str(&alt_hex(mask));
    }
    s
}

/// Appends a subfield as `mf_format_subfield` does: `NXM_NX_REG13[]` (whole field),
/// `NXM_NX_REG10[7]` (one bit), `NXM_NX_REG13[0..15]`; a zero width (which a `learn` spec may
/// carry) prints as `[ofs..ofs-1]`.
pub(super) fn subfield(field: &fields::Field, ofs: u32, n_bits: u32, out: &mut String) {
    if n_bits == 0 {
        out.push_str(field.subfield_name());
        let _ = write!(out, "[{ofs}..{}]", i64::from(ofs) - 1);
    } else {
        fields::format_subfield(field, ofs, n_bits, out);
    }
}
