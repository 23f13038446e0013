//! Sans-IO implementation of the OVSDB management protocol (RFC 7047, plus the Open vSwitch
//! extensions documented in ovsdb-server(7)).
//!
//! What is here: the JSON-RPC 1.0 messages and a resumable frame splitter for the byte stream, the
//! §5.1 data notation ([`Atom`], [`Datum`], [`Row`]), schemas and their validation, the §5.2
//! operations, conditions, mutations and results, the server's error kinds, every method and
//! notification, and the `update2` diff semantics. What is not: sockets, tasks, timers or
//! reconnection (that is `ovsdb-client`); this crate never imports an async runtime, so it can
//! decode captures and database files offline.
//!
//! ```
//! use ovsdb_proto::{Atom, Datum};
//! let d: Datum = serde_json::from_str(r#"["set", [3, 1, 2]]"#).unwrap();
//! assert_eq!(d.len(), 3);
//! assert_eq!(d.to_string(), r#"["set",[1,2,3]]"#); // canonical order on output
//! assert_eq!(Datum::scalar(Atom::from("x")).to_string(), r#""x""#);
//! ```

pub mod data;
/// The `serde` crate, whose `Deserializer` the generated [`Table::decode_json_column`]s take.
pub use serde;
pub mod diff;
pub mod error;
pub mod jsonrpc;
pub mod method;
pub mod notify;
pub mod op;
pub mod schema;
pub mod table;
pub mod update;

pub use data::{
    Atom, AtomicType, Datum, DatumError, FromAtom, FromDatum, IntoAtom, IntoDatum, InvalidId, Map, MapIter,
    NamedUuid, NotFinite, Real, Row, Set, SmolStr, Uuid, is_id,
};
pub use diff::DiffKind;
pub use error::DecodeError;
pub use jsonrpc::{FrameSplitter, FramingError, Id, Message};
pub use method::Method;
pub use notify::Notification;
pub use op::{
    Condition, ErrorKind, Function, Mutation, Mutator, Operation, OperationResult, OvsdbError, TransactReply,
};
pub use schema::{
    BaseType, ColumnSchema, ColumnType, DatabaseSchema, DatumCheckError, Max, NamedUuids, RefType,
    SchemaError, TableSchema,
};
pub use table::{Column, Database, Ref, RowError, Table, TableVisitor, UniqueIndex, UuidRef};
pub use update::{
    MonitorRequest, MonitorRequests, MonitorSelect, RowUpdate, RowUpdate2, TableUpdates, TableUpdates2,
};
