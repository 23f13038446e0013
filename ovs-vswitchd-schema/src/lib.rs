//! Typed bindings for the `Open_vSwitch` database (Open vSwitch 3.1, schema 8.3.1).
//!
//! What this crate is: one Rust struct per table of `vswitch.ovsschema` (19 tables), one enum per
//! enum-constrained column, typed column constants for conditions and mutations, one
//! [`UniqueIndex`](ovsdb_proto::UniqueIndex) constant per schema index, and the database marker
//! [`OpenVSwitchDb`], which embeds the schema. What it is not: a client. It depends only on
//! `ovsdb-proto`, so it decodes rows from any source (a monitor, a capture, a database file); use
//! `ovsdb-client` to talk to a server.
//!
//! The code in `src/generated/` is written by `cargo xtask codegen` from
//! `schema/vswitch.ovsschema` (a copy of `testdata/schemas/vswitch.ovsschema`) and checked in; a
//! test fails when it is stale.
//!
//! ```
//! use ovs_vswitchd_schema::{Bridge, BridgeFailMode, BridgeProtocols, OpenVSwitchDb};
//! use ovsdb_proto::{Database, Table};
//!
//! let br = Bridge {
//!     name: "br-int".into(),
//!     fail_mode: Some(BridgeFailMode::Secure),
//!     protocols: [BridgeProtocols::OpenFlow13, BridgeProtocols::OpenFlow15].into(),
//!     ..Default::default()
//! };
//! assert_eq!(Bridge::from_row(&br.to_row())?, br);
//! // A value from a newer schema decodes instead of failing.
//! assert_eq!("OpenFlow16".parse::<BridgeProtocols>(), Ok(BridgeProtocols::Unknown("OpenFlow16".into())));
//! assert_eq!(OpenVSwitchDb::TABLES.len(), 19);
//! # Ok::<(), ovsdb_proto::RowError>(())
//! ```

#[rustfmt::skip]
mod generated;

pub use generated::*;
