//! The OpenFlow 1.5 connection `--ovs` uses (OpenFlow Switch Specification 1.5.1): version
//! negotiation by `OFPT_HELLO` with a version bitmap (§7.5.1), `OFPT_ECHO_REQUEST` answered,
//! and the `OFPMP_FLOW_DESC` multipart request and its replies (§7.3.5.2), over `unix:` or
//! `tcp:` as ovs-vswitchd's management sockets offer.
//!
//! Owner: the lead.

/// One flow of a flow-stats reply (`ofp_flow_stats`, OpenFlow 1.5.1 §7.3.5.2).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FlowStats {
    /// The table the flow is in.
    pub(crate) table_id: u8,
    /// Priority (32768 is OpenFlow's default).
    pub(crate) priority: u16,
    /// Idle timeout in seconds (0: none).
    pub(crate) idle_timeout: u16,
    /// Hard timeout in seconds (0: none).
    pub(crate) hard_timeout: u16,
    /// `OFPFF_*` flags.
    pub(crate) flags: u16,
    /// Eviction importance.
    pub(crate) importance: u16,
    /// The flow's cookie.
    pub(crate) cookie: u64,
    /// Time in the table: seconds and nanoseconds (OXS `duration`).
    pub(crate) duration: Option<(u32, u32)>,
    /// Time since the flow last matched a packet: seconds and nanoseconds (OXS `idle_time`).
    pub(crate) idle_time: Option<(u32, u32)>,
    /// Packets matched (OXS `packet_count`).
    pub(crate) packet_count: Option<u64>,
    /// Bytes matched (OXS `byte_count`).
    pub(crate) byte_count: Option<u64>,
    /// The `oxm_fields` of the flow's `ofp_match`, padding excluded.
    pub(crate) oxm: Vec<u8>,
    /// The instructions after the match and the stats.
    pub(crate) instructions: Vec<u8>,
}
