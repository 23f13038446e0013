//! Typed bindings for the `OVN_Southbound` database (OVN 23.03, schema 20.27.0).
//!
//! What this crate is: one Rust struct per table of `ovn-sb.ovsschema` (34 tables), one enum per
//! enum-constrained column, typed column constants for conditions and mutations, one
//! [`UniqueIndex`](ovsdb_proto::UniqueIndex) constant per schema index, and the database marker
//! [`OvnSouthboundDb`], which embeds the schema. What it is not: a client. It depends only on
//! `ovsdb-proto`, so it decodes rows from any source (a monitor, a capture, a database file); use
//! `ovsdb-client` to talk to a server.
//!
//! The code in `src/generated/` is written by `cargo xtask codegen` from `schema/ovn-sb.ovsschema`
//! (a copy of `testdata/schemas/ovn-sb.ovsschema`) and checked in; a test fails when it is stale.
//!
//! ```
//! use ovn_sb::{DatapathBinding, MulticastGroup, OvnSouthboundDb};
//! use ovsdb_proto::{Database, Ref, Table, Uuid};
//!
//! let dp: Ref<DatapathBinding> = Ref::new(Uuid::from_u128(7));
//! let group = MulticastGroup { datapath: dp.clone(), tunnel_key: 32768, name: "_MC_flood".into(), ..Default::default() };
//! // A composite schema index: the key is a tuple in index order.
//! assert_eq!(MulticastGroup::BY_DATAPATH_TUNNEL_KEY.key(&group), (dp, 32768));
//! assert_eq!(MulticastGroup::from_row(&group.to_row())?, group);
//! // `tunnel_key` must be at least 1, so its default is 1, not 0.
//! assert_eq!(DatapathBinding::default().tunnel_key, 1);
//! assert_eq!(OvnSouthboundDb::TABLES.len(), 34);
//! # Ok::<(), ovsdb_proto::RowError>(())
//! ```

#[rustfmt::skip]
mod generated;

pub use generated::*;
