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
