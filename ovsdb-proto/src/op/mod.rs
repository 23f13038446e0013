//! RFC 7047 §5.2 operations, their conditions, mutations and results, and the server's error kinds.
//!
//! An [`Operation`] is one element of a `transact` request's parameter array (after the database
//! name). Each §5.2 operation has its own struct ([`Insert`], [`Select`], [`Update`], [`Mutate`],
//! [`Delete`], [`Wait`], [`Commit`], [`Comment`], [`Assert`]; `abort` has no members), so a value
//! can only hold the members that operation takes. Serialisation writes exactly the wire object:
//! `"op"` first, then the members in RFC 7047 order, optional members only when set.
//!
//! ```
//! use ovsdb_proto::op::{Condition, Insert, Operation, Select};
//! use ovsdb_proto::{Datum, NamedUuid, Row};
//!
//! let ls = NamedUuid::new("ls0").unwrap();
//! let ops = vec![
//!     Operation::from(Insert::new("Logical_Switch", Row::new().with("name", Datum::scalar("sw0"))).uuid_name(ls.clone())),
//!     Operation::from(Select::new("Logical_Switch", [Condition::eq("_uuid", Datum::scalar(ls))]).columns(["name"])),
//! ];
//! assert_eq!(
//!     serde_json::to_string(&ops).unwrap(),
//!     r#"[{"op":"insert","table":"Logical_Switch","row":{"name":"sw0"},"uuid-name":"ls0"},{"op":"select","table":"Logical_Switch","where":[["_uuid","==",["named-uuid","ls0"]]],"columns":["name"]}]"#
//! );
//! ```

mod condition;
pub mod error;
mod mutation;
mod operation;
mod result;

pub use condition::{Condition, Function};
pub use error::{ErrorKind, OvsdbError};
pub use mutation::{Mutation, Mutator};
pub use operation::{
    Assert, Comment, Commit, Delete, Insert, Mutate, Operation, Select, Update, Wait, WaitUntil,
};
pub use result::{OperationResult, TransactError, TransactReply, TransactReplyError};
