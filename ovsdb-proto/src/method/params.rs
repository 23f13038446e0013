//! The params arrays of the method types: each serialises to, and decodes from, exactly its JSON
//! array (extra or missing elements are errors naming the index).

use std::fmt;

use serde::de::{self, SeqAccess, Visitor};
use serde::ser::SerializeTuple;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{
    Cancel, Echo, GetSchema, GetServerId, ListDbs, Lock, Monitor, MonitorCancel, MonitorCond,
    MonitorCondChange, MonitorCondSince, SetDbChangeAware, Steal, Unlock,
};
use crate::update::txn_id::TxnId;

/// Implements array (de)serialisation for a params struct whose fields are the array elements in
/// order.
macro_rules! params_array {
    ($ty:ident [$($field:ident : $fty:ty),*] $desc:literal) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let n = [$(stringify!($field)),*].len();
                #[allow(unused_mut)]
                let mut t = s.serialize_tuple(n)?;
                $(t.serialize_element(&self.$field)?;)*
                t.end()
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str(concat!(stringify!($ty), " params ", $desc))
                    }
                    #[allow(unused_mut, unused_variables, unused_assignments)]
                    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<$ty, A::Error> {
                        let mut i = 0usize;
                        $(
                            let $field: $fty =
                                seq.next_element()?.ok_or_else(|| de::Error::invalid_length(i, &self))?;
                            i += 1;
                        )*
                        if seq.next_element::<de::IgnoredAny>()?.is_some() {
                            return Err(de::Error::invalid_length(i + 1, &self));
                        }
                        Ok($ty { $($field),* })
                    }
                }
                d.deserialize_seq(V)
            }
        }
    };
}

params_array!(GetSchema [db: String] "[<db-name>]");
params_array!(Cancel [id: crate::jsonrpc::Id] "[<request-id>]");
params_array!(Monitor [db: String, monitor_id: serde_json::Value, requests: crate::update::MonitorRequests]
    "[<db-name>, <json-value>, <monitor-requests>]");
params_array!(MonitorCond [db: String, monitor_id: serde_json::Value, requests: crate::update::MonitorRequests]
    "[<db-name>, <json-value>, <monitor-cond-requests>]");
params_array!(MonitorCondChange [monitor_id: serde_json::Value, new_monitor_id: serde_json::Value,
    requests: std::collections::BTreeMap<String, Vec<crate::update::MonitorCondUpdateRequest>>]
    "[<json-value>, <json-value>, <monitor-cond-update-requests>]");
params_array!(MonitorCancel [monitor_id: serde_json::Value] "[<json-value>]");
params_array!(Lock [lock: String] "[<id>]");
params_array!(Steal [lock: String] "[<id>]");
params_array!(Unlock [lock: String] "[<id>]");
params_array!(SetDbChangeAware [aware: bool] "[<boolean>]");

/// `[]` for the parameterless methods.
macro_rules! no_params {
    ($ty:ident) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_tuple(0)?.end()
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str(concat!(stringify!($ty), " params []"))
                    }
                    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<$ty, A::Error> {
                        if seq.next_element::<de::IgnoredAny>()?.is_some() {
                            return Err(de::Error::invalid_length(1, &self));
                        }
                        Ok($ty)
                    }
                }
                d.deserialize_seq(V)
            }
        }
    };
}

no_params!(ListDbs);
no_params!(GetServerId);

impl Serialize for Echo {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Echo {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::deserialize(d).map(Echo)
    }
}

impl Serialize for MonitorCondSince {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_tuple(4)?;
        t.serialize_element(&self.db)?;
        t.serialize_element(&self.monitor_id)?;
        t.serialize_element(&self.requests)?;
        t.serialize_element(&TxnId(self.last_txn_id))?;
        t.end()
    }
}

impl<'de> Deserialize<'de> for MonitorCondSince {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MonitorCondSince;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("MonitorCondSince params [<db-name>, <json-value>, <monitor-cond-requests>, <last-txn-id>]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<MonitorCondSince, A::Error> {
                let db = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let monitor_id = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                let requests = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(2, &self))?;
                let TxnId(last_txn_id) = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(3, &self))?;
                if seq.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(5, &self));
                }
                Ok(MonitorCondSince {
                    db,
                    monitor_id,
                    requests,
                    last_txn_id,
                })
            }
        }
        d.deserialize_seq(V)
    }
}
