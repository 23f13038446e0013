//! An OpenFlow 1.5 instruction list, with Open vSwitch's Nicira extension actions, printed as
//! `ovs-actions(7)` writes actions (`set_field:0x1->reg13,resubmit(,8)`, `drop` when empty).
//!
//! Owner: the actions helper.

use super::DecodeError;

/// Appends the actions of the OpenFlow 1.5 instructions `instructions` (as they follow the
/// match in a flow-stats entry, OpenFlow 1.5.1 §7.2.4) to `out`, as after `actions=`.
///
/// # Errors
/// A truncated instruction or action, or one Open vSwitch does not know.
pub(crate) fn format_instructions(instructions: &[u8], out: &mut String) -> Result<(), DecodeError> {
    let _ = (instructions, out);
    Err(DecodeError("OpenFlow instructions: not implemented yet".into()))
}
