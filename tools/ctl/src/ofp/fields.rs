//! OXM / NXM match fields (`ovs-fields(7)`; OpenFlow 1.5.1 §7.2.3): the header of each field
//! as Open vSwitch writes it on the wire, its names and width, and how its values print.
//!
//! Owner: the match helper (see the API below; the actions code depends on these signatures).

use super::DecodeError;

/// One OXM or NXM header (OpenFlow 1.5.1 §7.2.3.2): 4 bytes, or 8 for the experimenter class
/// `0xffff` (then `experimenter` holds the 32-bit experimenter id that follows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Header {
    /// `oxm_class`: `0x0000` NXM_0, `0x0001` NXM_1, `0x8000` OpenFlow basic,
    /// `0x8001` packet registers, `0xffff` experimenter.
    pub(crate) class: u16,
    /// `oxm_field` (7 bits).
    pub(crate) field: u8,
    /// `oxm_hasmask`: the payload is a value followed by a mask of the same length.
    pub(crate) has_mask: bool,
    /// `oxm_length`: payload bytes after the 4-byte header (including an experimenter id).
    pub(crate) length: u8,
    /// The experimenter id of class `0xffff`.
    pub(crate) experimenter: Option<u32>,
}

impl Header {
    /// Parses the header at the start of `buf`; returns it and its size in bytes (4 or 8).
    ///
    /// # Errors
    /// `buf` shorter than the header.
    pub(crate) fn parse(buf: &[u8]) -> Result<(Header, usize), DecodeError> {
        let _ = buf;
        Err(DecodeError("OXM header: not implemented yet".into()))
    }

    /// Bytes of value (plus mask when `has_mask`) after the header.
    pub(crate) fn payload_len(&self) -> usize {
        usize::from(self.length) - if self.experimenter.is_some() { 4 } else { 0 }
    }
}

/// A field Open vSwitch knows (`mf_field`).
#[derive(Debug)]
pub(crate) struct Field {
    name: &'static str,
    subfield_name: &'static str,
    n_bits: u32,
}

impl Field {
    /// The name `set_field` prints (`reg13`, `metadata`, `eth_dst`, `ct_mark`).
    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    /// The name a subfield prints with (`NXM_NX_REG13`, `OXM_OF_METADATA`): the field's
    /// NXM/OXM name of the oldest OpenFlow version that has one, as `move`, `load` and `learn`
    /// print.
    pub(crate) fn subfield_name(&self) -> &'static str {
        self.subfield_name
    }

    /// Width in bits.
    pub(crate) fn n_bits(&self) -> u32 {
        self.n_bits
    }

    /// Width in bytes of a value on the wire.
    pub(crate) fn n_bytes(&self) -> usize {
        self.n_bits.div_ceil(8) as usize
    }
}

/// The field a header names, if Open vSwitch knows it.
pub(crate) fn lookup(header: &Header) -> Option<&'static Field> {
    let _ = header;
    None
}

/// Appends `value` (`field.n_bytes()` bytes, network order) as `set_field` prints it.
pub(crate) fn format_value(field: &Field, value: &[u8], out: &mut String) {
    let _ = (field, value, out);
}

/// Appends `value/mask` as a masked `set_field` prints it (`0/0x1`, `10.0.0.0/24`).
pub(crate) fn format_masked(field: &Field, value: &[u8], mask: &[u8], out: &mut String) {
    let _ = (field, value, mask, out);
}

/// Appends a subfield: `NXM_NX_REG13[]` (whole field), `NXM_NX_REG10[7]` (one bit),
/// `NXM_NX_REG13[0..15]` (bits `ofs` to `ofs + n_bits - 1`).
pub(crate) fn format_subfield(field: &Field, ofs: u32, n_bits: u32, out: &mut String) {
    let _ = (field, ofs, n_bits, out);
}
