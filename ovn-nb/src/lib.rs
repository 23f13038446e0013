//! Typed bindings for the `OVN_Northbound` database (OVN 23.03, schema 7.0.0).
//!
//! What this crate is: one Rust struct per table of `ovn-nb.ovsschema` (30 tables), one enum per
//! enum-constrained column, typed column constants for conditions and mutations, one
//! [`UniqueIndex`](ovsdb_proto::UniqueIndex) constant per schema index, and the database marker
//! [`OvnNorthboundDb`], which embeds the schema. What it is not: a client. It depends only on
//! `ovsdb-proto`, so it decodes rows from any source (a monitor, a capture, a database file); use
//! `ovsdb-client` to talk to a server.
//!
//! The code in `src/generated/` is written by `cargo xtask codegen` from `schema/ovn-nb.ovsschema`
//! (a copy of `testdata/schemas/ovn-nb.ovsschema`) and checked in; a test fails when it is stale.
//!
//! ```
//! use ovn_nb::{Acl, AclAction, AclDirection, OvnNorthboundDb};
//! use ovsdb_proto::{Database, Table};
//!
//! let acl = Acl {
//!     action: AclAction::AllowRelated,
//!     direction: AclDirection::ToLport,
//!     match_: "ip4".into(),
//!     priority: 1000,
//!     ..Default::default()
//! };
//! let row = acl.to_row(); // the `row` of an insert operation
//! assert_eq!(row.get("action").map(|d| d.to_string()).as_deref(), Some(r#""allow-related""#));
//! assert_eq!(Acl::from_row(&row)?, acl);
//! assert_eq!(OvnNorthboundDb::TABLES.len(), 30);
//! assert_eq!(OvnNorthboundDb::schema().version.as_deref(), Some("7.0.0"));
//! # Ok::<(), ovsdb_proto::RowError>(())
//! ```

#[rustfmt::skip]
mod generated;

pub use generated::*;
