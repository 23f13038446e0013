//! The JSON-RPC methods a client calls (RFC 7047 §4.1, ovsdb-server(7) §4.1): one type per method,
//! each implementing [`Method`].
//!
//! A method type holds its own parameters (`Params = Self`) and serialises to exactly the JSON
//! `"params"` array; it also decodes from that array, so captured requests can be read back.
//! [`Method::decode_output`] turns the reply's `"result"` into the typed output (for `transact` it
//! needs the operations, to tell a trailing commit error from an operation's error).
//!
//! ```
//! use ovsdb_proto::method::{Method, Transact};
//! use ovsdb_proto::op::Operation;
//! let t = Transact::new("OVN_Northbound", vec![Operation::comment("hello")]);
//! assert_eq!(t.params_json().to_string(), r#"["OVN_Northbound",{"op":"comment","comment":"hello"}]"#);
//! let msg = t.request(1);
//! assert_eq!(msg.method(), Some("transact"));
//! let out = Transact::decode_output(&t, serde_json::json!([{}])).unwrap();
//! assert!(out.error().is_none());
//! ```
//!
//! Facts checked against ovsdb-server 3.1.0: a `monitor` or `monitor_cond` whose params array does
//! not have 3 elements makes the server crash (so these types always write 3); params that are not
//! an array (e.g. `null`, which ovsdb-server(7) shows for `get_server_id`) make it drop the
//! connection, so parameterless methods send `[]`.

mod params;

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeOwned, SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::data::Uuid;
use crate::error::{DecodeError, from_value};
use crate::jsonrpc::{Id, Message};
use crate::op::{Operation, TransactReply, TransactReplyError};
use crate::schema::DatabaseSchema;
use crate::update::{
    MonitorCondSinceReply, MonitorCondUpdateRequest, MonitorRequests, TableUpdates, TableUpdates2,
};

/// A JSON-RPC method of the OVSDB protocol.
pub trait Method: Sized {
    /// The wire method name (`"transact"`, `"monitor_cond_since"`...).
    const NAME: &'static str;
    /// Whether the method is sent as a notification (`"id": null`, no reply). Only `cancel`.
    const IS_NOTIFICATION: bool = false;
    /// The parameters; for every method here, the method type itself.
    type Params: Serialize + DeserializeOwned;
    /// What a successful reply's `"result"` decodes to.
    type Output;

    /// The parameters as the JSON `"params"` array.
    fn params_json(&self) -> Value;

    /// Decodes the `"result"` of a successful reply to a request made with `params`.
    ///
    /// # Errors
    /// [`DecodeError`] with the JSON path inside `result`.
    fn decode_output(params: &Self::Params, result: Value) -> Result<Self::Output, DecodeError>;

    /// The request message with this method's name and params (a notification for `cancel`, whose
    /// `id` is then ignored).
    fn request(&self, id: impl Into<Id>) -> Message {
        if Self::IS_NOTIFICATION {
            Message::notification(Self::NAME, self.params_json())
        } else {
            Message::request(Self::NAME, self.params_json(), id)
        }
    }
}

macro_rules! method {
    ($ty:ident, $name:literal, $out:ty) => {
        impl Method for $ty {
            const NAME: &'static str = $name;
            type Params = $ty;
            type Output = $out;
            fn params_json(&self) -> Value {
                serde_json::to_value(self).unwrap_or(Value::Null)
            }
            fn decode_output(_: &Self, result: Value) -> Result<$out, DecodeError> {
                from_value(result)
            }
        }
    };
}

/// The result `{}` of methods that return nothing (`monitor_cancel`, `unlock`,
/// `monitor_cond_change`, `set_db_change_aware`). Only an empty object decodes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmptyResult {}

/// The result of `lock` and `steal` (RFC 7047 §4.1.8–4.1.9): `{"locked": <boolean>}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockResult {
    /// Whether the lock was acquired now (`steal` always answers true); if false, a `locked`
    /// notification follows when it is.
    pub locked: bool,
}

/// RFC 7047 §4.1.1 `list_dbs`: params `[]`, result `[<db-name>*]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListDbs;
method!(ListDbs, "list_dbs", Vec<String>);

/// RFC 7047 §4.1.2 `get_schema`: params `[<db-name>]`, result `<database-schema>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetSchema {
    /// The database.
    pub db: String,
}
method!(GetSchema, "get_schema", DatabaseSchema);

/// RFC 7047 §4.1.3 `transact`: params `[<db-name>, <operation>*]`, result an array of operation
/// results ([`TransactReply`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transact {
    /// The database.
    pub db: String,
    /// The operations, executed in order as one atomic transaction.
    pub operations: Vec<Operation>,
}

impl Transact {
    /// A transaction on `db`.
    pub fn new(db: impl Into<String>, operations: Vec<Operation>) -> Self {
        Transact {
            db: db.into(),
            operations,
        }
    }
}

impl Method for Transact {
    const NAME: &'static str = "transact";
    type Params = Transact;
    type Output = TransactReply;

    fn params_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    fn decode_output(params: &Self, result: Value) -> Result<TransactReply, DecodeError> {
        TransactReply::decode(&params.operations, &result).map_err(|e| match e {
            TransactReplyError::Element { index, source } => {
                let inner = if source.path == "." {
                    String::new()
                } else {
                    format!(".{}", source.path)
                };
                DecodeError::new(format!("[{index}]{inner}"), source.message)
            }
            TransactReplyError::Mismatch { index, .. }
            | TransactReplyError::UnexpectedNull { index }
            | TransactReplyError::ResultAfterError { index } => {
                DecodeError::new(format!("[{index}]"), e.to_string())
            }
            TransactReplyError::TrailingNotError { .. } => {
                DecodeError::new(format!("[{}]", params.operations.len()), e.to_string())
            }
            _ => DecodeError::new(".", e.to_string()),
        })
    }
}

impl Serialize for Transact {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(1 + self.operations.len()))?;
        seq.serialize_element(&self.db)?;
        for op in &self.operations {
            seq.serialize_element(op)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for Transact {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Transact;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("transact params [<db-name>, <operation>*]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Transact, A::Error> {
                let db = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let mut operations = Vec::new();
                while let Some(op) = seq.next_element()? {
                    operations.push(op);
                }
                Ok(Transact { db, operations })
            }
        }
        d.deserialize_seq(V)
    }
}

/// RFC 7047 §4.1.4 `cancel`: a notification with params `[<request-id>]` asking the server to
/// abandon a pending `transact` (one blocked in a `wait`). The server answers the canceled request
/// with the error `"canceled"`; the notification itself has no reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cancel {
    /// The id of the request to cancel.
    pub id: Id,
}

impl Method for Cancel {
    const NAME: &'static str = "cancel";
    const IS_NOTIFICATION: bool = true;
    type Params = Cancel;
    type Output = ();

    fn params_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// A notification has no reply; any result decodes to `()`.
    fn decode_output(_: &Self, _: Value) -> Result<(), DecodeError> {
        Ok(())
    }
}

/// RFC 7047 §4.1.5 `monitor`: params `[<db-name>, <json-value>, <monitor-requests>]`, result
/// `<table-updates>` (the initial rows); later changes arrive as `update` notifications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Monitor {
    /// The database.
    pub db: String,
    /// The monitor's id, echoed in its notifications (any JSON; unique per session).
    pub monitor_id: Value,
    /// What to monitor (no `where`: plain monitors take no conditions).
    pub requests: MonitorRequests,
}
method!(Monitor, "monitor", TableUpdates);

/// ovsdb-server(7) §4.1.12 `monitor_cond`: as [`Monitor`] but requests may have `where`; result
/// `<table-updates2>`, later changes as `update2` notifications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorCond {
    /// The database.
    pub db: String,
    /// The monitor's id.
    pub monitor_id: Value,
    /// What to monitor.
    pub requests: MonitorRequests,
}
method!(MonitorCond, "monitor_cond", TableUpdates2);

/// ovsdb-server(7) §4.1.15 `monitor_cond_since`: params `[<db-name>, <json-value>,
/// <monitor-cond-requests>, <last-txn-id>]`, result `[<found>, <last-txn-id>, <table-updates2>]`;
/// later changes as `update3` notifications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorCondSince {
    /// The database.
    pub db: String,
    /// The monitor's id.
    pub monitor_id: Value,
    /// What to monitor.
    pub requests: MonitorRequests,
    /// The last transaction the client has; `None` is sent as the zero UUID (ovsdb-server requires
    /// a UUID string here).
    pub last_txn_id: Option<Uuid>,
}
method!(MonitorCondSince, "monitor_cond_since", MonitorCondSinceReply);

/// ovsdb-server(7) §4.1.13 `monitor_cond_change`: params `[<json-value>, <json-value>,
/// <monitor-cond-update-requests>]`, result `{}`. Tables not named keep their conditions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorCondChange {
    /// The id of the existing conditional monitor.
    pub monitor_id: Value,
    /// The id its notifications carry from now on (may equal `monitor_id`).
    pub new_monitor_id: Value,
    /// Table name to the new conditions.
    pub requests: BTreeMap<String, Vec<MonitorCondUpdateRequest>>,
}
method!(MonitorCondChange, "monitor_cond_change", EmptyResult);

/// RFC 7047 §4.1.7 `monitor_cancel`: params `[<json-value>]`, result `{}`. An unknown id gets the
/// bare error `"unknown monitor"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorCancel {
    /// The monitor's id.
    pub monitor_id: Value,
}
method!(MonitorCancel, "monitor_cancel", EmptyResult);

/// RFC 7047 §4.1.8 `lock`: params `[<id>]`, result `{"locked": <boolean>}`; if not granted now, a
/// `locked` notification follows when it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lock {
    /// The lock name (an `<id>`).
    pub lock: String,
}
method!(Lock, "lock", LockResult);

/// RFC 7047 §4.1.9 `steal`: params `[<id>]`, result `{"locked": true}`; the previous owner gets a
/// `stolen` notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Steal {
    /// The lock name.
    pub lock: String,
}
method!(Steal, "steal", LockResult);

/// RFC 7047 §4.1.10 `unlock`: params `[<id>]`, result `{}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unlock {
    /// The lock name.
    pub lock: String,
}
method!(Unlock, "unlock", EmptyResult);

/// RFC 7047 §4.1.11 `echo`: params any array, result the same array. ovsdb-server also sends
/// `echo` requests to clients as a liveness probe.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Echo(pub Vec<Value>);
method!(Echo, "echo", Vec<Value>);

/// ovsdb-server(7) §4.1.17 `get_server_id`: params `[]`, result the server's UUID as a string
/// (new at every server start).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetServerId;
method!(GetServerId, "get_server_id", Uuid);

/// ovsdb-server(7) §4.1.18 `set_db_change_aware`: params `[<boolean>]`, result `{}`. When true, the
/// server keeps the connection open when databases are added, removed or converted (cancelling
/// monitors with `monitor_canceled` instead of disconnecting).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetDbChangeAware {
    /// Whether to be change-aware.
    pub aware: bool,
}
method!(SetDbChangeAware, "set_db_change_aware", EmptyResult);

/// The names of every method here, in ovsdb-server(7) section order.
pub const METHOD_NAMES: &[&str] = &[
    ListDbs::NAME,
    GetSchema::NAME,
    Transact::NAME,
    Cancel::NAME,
    Monitor::NAME,
    MonitorCancel::NAME,
    Lock::NAME,
    Steal::NAME,
    Unlock::NAME,
    Echo::NAME,
    MonitorCond::NAME,
    MonitorCondChange::NAME,
    MonitorCondSince::NAME,
    GetServerId::NAME,
    SetDbChangeAware::NAME,
];
