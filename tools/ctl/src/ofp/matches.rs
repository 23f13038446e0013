//! An OpenFlow 1.5 OXM match printed as Open vSwitch prints a flow's match (`ovs-fields(7)`,
//! ovs-ofctl(8) "Flow Syntax"): fields in Open vSwitch's fixed order, protocol shorthands
//! (`ip`, `tcp6`, `arp`), masks as `/0x...` or prefix lengths.
//!
//! Owner: the match helper.

use super::DecodeError;

/// Appends the match whose OXM TLVs are `oxm` (the `oxm_fields` of an `ofp_match`, padding
/// excluded) to `out`, each field followed by `,` except the last; `priority` is printed first
/// (`priority=N,`) unless it is 32768, OpenFlow's default.
///
/// # Errors
/// A truncated TLV, a field Open vSwitch does not know, or a value its prerequisites forbid.
pub(crate) fn format(oxm: &[u8], priority: u16, out: &mut String) -> Result<(), DecodeError> {
    let _ = (oxm, priority, out);
    Err(DecodeError("OXM match: not implemented yet".into()))
}
