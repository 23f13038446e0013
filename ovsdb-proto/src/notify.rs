//! Notifications the server sends (JSON-RPC requests with `"id": null`): RFC 7047 §4.1.6
//! `update`, §4.1.8–4.1.9 `locked` / `stolen`; ovsdb-server(7) §4.1.14 `update2`, §4.1.16
//! `update3`, §4.1.7 `monitor_canceled`.
//!
//! ```
//! use ovsdb_proto::notify::Notification;
//! let n = Notification::decode("locked", &serde_json::json!(["my_lock"])).unwrap();
//! assert_eq!(n, Notification::Locked { lock: "my_lock".into() });
//! assert_eq!(n.params(), serde_json::json!(["my_lock"]));
//! ```

use std::fmt;

use serde::de::{self, SeqAccess, Visitor};
use serde::ser::SerializeTuple;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::error::{DecodeError, from_value};
use crate::jsonrpc::Message;
use crate::update::{TableUpdates, TableUpdates2, Update3};

/// A server-to-client notification, decoded from its method name and params.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Notification {
    /// RFC 7047 §4.1.6 `update`: `[<json-value>, <table-updates>]`, for a `monitor`.
    Update {
        /// The monitor's id.
        monitor_id: Value,
        /// The changes (old/new rows).
        updates: TableUpdates,
    },
    /// ovsdb-server(7) §4.1.14 `update2`: `[<json-value>, <table-updates2>]`, for a `monitor_cond`.
    Update2 {
        /// The monitor's id.
        monitor_id: Value,
        /// The changes (initial/insert/modify/delete).
        updates: TableUpdates2,
    },
    /// ovsdb-server(7) §4.1.16 `update3`: `[<json-value>, <last-txn-id>, <table-updates2>]`, for a
    /// `monitor_cond_since`.
    Update3(Update3),
    /// RFC 7047 §4.1.8 `locked`: `[<id>]`, a lock requested earlier was granted.
    Locked {
        /// The lock name.
        lock: String,
    },
    /// RFC 7047 §4.1.9 `stolen`: `[<id>]`, another client stole a lock this one held.
    Stolen {
        /// The lock name.
        lock: String,
    },
    /// ovsdb-server(7) §4.1.7 `monitor_canceled`: `[<json-value>]`, the server canceled a monitor
    /// (its database was removed or converted; sent to change-aware sessions).
    MonitorCanceled {
        /// The monitor's id.
        monitor_id: Value,
    },
}

/// Why a notification did not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotificationError {
    /// The method is not a notification this crate knows.
    #[error("unknown notification method {method:?}")]
    UnknownMethod {
        /// The method name received.
        method: String,
    },
    /// The params did not decode; `source.path` is relative to the params array (`[1].Logical_Switch`).
    #[error("bad params of {method:?} notification: {source}")]
    Params {
        /// The notification method.
        method: &'static str,
        /// What was wrong and where.
        source: DecodeError,
    },
    /// The message is not a notification (it has an id, or is a response).
    #[error("message is not a notification")]
    NotNotification,
}

/// `[<json-value>, T]`.
struct Pair<T>(Value, T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Pair<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Pair<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[<json-value>, <table-updates>]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Pair<T>, A::Error> {
                let a = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let b = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                if seq.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(3, &self));
                }
                Ok(Pair(a, b))
            }
        }
        d.deserialize_seq(V(std::marker::PhantomData))
    }
}

impl<T: Serialize> Serialize for Pair<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_tuple(2)?;
        t.serialize_element(&self.0)?;
        t.serialize_element(&self.1)?;
        t.end()
    }
}

/// `[T]`.
struct One<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for One<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <(T,)>::deserialize(d).map(|(t,)| One(t))
    }
}

impl Notification {
    /// Every notification method name.
    pub const METHODS: [&'static str; 6] = [
        "update",
        "update2",
        "update3",
        "locked",
        "stolen",
        "monitor_canceled",
    ];

    /// Decodes a notification from its method name and params.
    ///
    /// # Errors
    /// [`NotificationError::UnknownMethod`] for another method; [`NotificationError::Params`] with
    /// the JSON path inside the params when they do not fit the method.
    pub fn decode(method: &str, params: &Value) -> Result<Notification, NotificationError> {
        fn p<T: serde::de::DeserializeOwned>(
            method: &'static str,
            v: &Value,
        ) -> Result<T, NotificationError> {
            from_value(v.clone()).map_err(|source| NotificationError::Params { method, source })
        }
        Ok(match method {
            "update" => {
                let Pair(monitor_id, updates) = p("update", params)?;
                Notification::Update { monitor_id, updates }
            }
            "update2" => {
                let Pair(monitor_id, updates) = p("update2", params)?;
                Notification::Update2 { monitor_id, updates }
            }
            "update3" => Notification::Update3(p("update3", params)?),
            "locked" => Notification::Locked {
                lock: p::<One<String>>("locked", params)?.0,
            },
            "stolen" => Notification::Stolen {
                lock: p::<One<String>>("stolen", params)?.0,
            },
            "monitor_canceled" => Notification::MonitorCanceled {
                monitor_id: p::<One<Value>>("monitor_canceled", params)?.0,
            },
            other => {
                return Err(NotificationError::UnknownMethod {
                    method: other.to_owned(),
                });
            }
        })
    }

    /// Decodes a [`Message::Notification`].
    ///
    /// # Errors
    /// As [`Notification::decode`]; [`NotificationError::NotNotification`] for other messages.
    pub fn from_message(msg: &Message) -> Result<Notification, NotificationError> {
        match msg {
            Message::Notification { method, params } => Notification::decode(method, params),
            _ => Err(NotificationError::NotNotification),
        }
    }

    /// The wire method name.
    pub fn method(&self) -> &'static str {
        match self {
            Notification::Update { .. } => "update",
            Notification::Update2 { .. } => "update2",
            Notification::Update3(_) => "update3",
            Notification::Locked { .. } => "locked",
            Notification::Stolen { .. } => "stolen",
            Notification::MonitorCanceled { .. } => "monitor_canceled",
        }
    }

    /// The monitor id, for the monitor notifications.
    pub fn monitor_id(&self) -> Option<&Value> {
        match self {
            Notification::Update { monitor_id, .. }
            | Notification::Update2 { monitor_id, .. }
            | Notification::MonitorCanceled { monitor_id } => Some(monitor_id),
            Notification::Update3(u) => Some(&u.monitor_id),
            Notification::Locked { .. } | Notification::Stolen { .. } => None,
        }
    }

    /// The params array, as the server writes it.
    pub fn params(&self) -> Value {
        let v = match self {
            Notification::Update { monitor_id, updates } => {
                serde_json::to_value(Pair(monitor_id.clone(), updates))
            }
            Notification::Update2 { monitor_id, updates } => {
                serde_json::to_value(Pair(monitor_id.clone(), updates))
            }
            Notification::Update3(u) => serde_json::to_value(u),
            Notification::Locked { lock } | Notification::Stolen { lock } => {
                Ok(Value::Array(vec![lock.clone().into()]))
            }
            Notification::MonitorCanceled { monitor_id } => Ok(Value::Array(vec![monitor_id.clone()])),
        };
        v.unwrap_or(Value::Null)
    }

    /// The notification as a message.
    pub fn to_message(&self) -> Message {
        Message::notification(self.method(), self.params())
    }
}
