//! Monitor requests and table updates: RFC 7047 §4.1.5–4.1.6 (`monitor`, `update`) and
//! ovsdb-server(7) §4.1.12–4.1.16 (`monitor_cond`, `monitor_cond_change`, `update2`,
//! `monitor_cond_since`, `update3`).
//!
//! Table names are map keys (`BTreeMap<String, _>`), row UUIDs are map keys written as bare UUID
//! strings; rows are untyped [`Row`]s. What a `modify` row means is in [`crate::diff`].

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeTuple};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::data::{Row, Uuid};
use crate::op::Condition;

/// RFC 7047 §4.1.5 `<monitor-select>`: which kinds of change to report. Every member is optional on
/// the wire and defaults to `true`; `None` here means "absent" (so decoding then encoding keeps the
/// request as it was).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitorSelect {
    /// `"initial"`: send the matching rows in the reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial: Option<bool>,
    /// `"insert"`: report inserted rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insert: Option<bool>,
    /// `"delete"`: report deleted rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete: Option<bool>,
    /// `"modify"`: report modified rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modify: Option<bool>,
}

impl MonitorSelect {
    /// All four members given explicitly.
    pub fn new(initial: bool, insert: bool, delete: bool, modify: bool) -> Self {
        MonitorSelect {
            initial: Some(initial),
            insert: Some(insert),
            delete: Some(delete),
            modify: Some(modify),
        }
    }

    /// Whether initial rows are sent (absent means true).
    pub fn initial(&self) -> bool {
        self.initial.unwrap_or(true)
    }
    /// Whether inserts are reported (absent means true).
    pub fn insert(&self) -> bool {
        self.insert.unwrap_or(true)
    }
    /// Whether deletes are reported (absent means true).
    pub fn delete(&self) -> bool {
        self.delete.unwrap_or(true)
    }
    /// Whether modifications are reported (absent means true).
    pub fn modify(&self) -> bool {
        self.modify.unwrap_or(true)
    }
}

/// RFC 7047 §4.1.5 `<monitor-request>`, with ovsdb-server(7) §4.1.12's `where` for `monitor_cond`
/// and `monitor_cond_since`.
///
/// Wire: `{"columns": [<column>*]?, "where": [<condition>*]?, "select": <monitor-select>?}`.
/// Without `columns`, every column except `_uuid` is monitored. `where` is only accepted by the
/// conditional methods; a plain `monitor` with `where` is rejected by the server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitorRequest {
    /// `"columns"`: which columns to report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<String>>,
    /// `"where"`: report only rows matching **any** of these conditions (ovsdb-server(7) §4.1.12;
    /// checked on 3.1.0: a monitor `where` is a disjunction, unlike a transact `where`). An empty
    /// array or absence means every row; `[false]` means none.
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    pub where_: Option<Vec<Condition>>,
    /// `"select"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select: Option<MonitorSelect>,
}

impl MonitorRequest {
    /// A request for every column, every row, every kind of change.
    pub fn all() -> Self {
        MonitorRequest::default()
    }

    /// Builder: sets `columns`.
    pub fn columns<I: IntoIterator<Item = S>, S: Into<String>>(mut self, columns: I) -> Self {
        self.columns = Some(columns.into_iter().map(Into::into).collect());
        self
    }

    /// Builder: sets `where`.
    pub fn where_(mut self, conditions: impl IntoIterator<Item = Condition>) -> Self {
        self.where_ = Some(conditions.into_iter().collect());
        self
    }

    /// Builder: sets `select`.
    pub fn select(mut self, select: MonitorSelect) -> Self {
        self.select = Some(select);
        self
    }
}

/// RFC 7047 §4.1.5 `<monitor-requests>`: table name to the requests for that table.
///
/// Encoded as an array per table. ovsdb-server(7) §4.1.5 also accepts a single request object
/// instead of an array; that form decodes as a one-element array.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MonitorRequests(pub BTreeMap<String, Vec<MonitorRequest>>);

impl MonitorRequests {
    /// No tables.
    pub fn new() -> Self {
        MonitorRequests(BTreeMap::new())
    }

    /// Builder: adds `request` for `table`.
    pub fn with(mut self, table: impl Into<String>, request: MonitorRequest) -> Self {
        self.0.entry(table.into()).or_default().push(request);
        self
    }
}

impl Serialize for MonitorRequests {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for MonitorRequests {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MonitorRequests;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object from table names to monitor requests")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<MonitorRequests, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(table) = map.next_key::<String>()? {
                    let v: Value = map.next_value()?;
                    let reqs = if v.is_array() {
                        Vec::<MonitorRequest>::deserialize(v).map_err(de::Error::custom)?
                    } else {
                        vec![MonitorRequest::deserialize(v).map_err(de::Error::custom)?]
                    };
                    if out.insert(table.clone(), reqs).is_some() {
                        return Err(de::Error::custom(format_args!("table {table:?} appears twice")));
                    }
                }
                Ok(MonitorRequests(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// ovsdb-server(7) §4.1.13 `<monitor-cond-update-request>`: `{"columns": ...?, "where": ...?}`.
///
/// ovsdb-server 3.1 rejects `columns` here ("changing columns is unsupported").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitorCondUpdateRequest {
    /// `"columns"` (not supported by ovsdb-server 3.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<String>>,
    /// `"where"`: the new conditions.
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    pub where_: Option<Vec<Condition>>,
}

impl MonitorCondUpdateRequest {
    /// A request replacing the table's conditions with `conditions`.
    pub fn where_(conditions: impl IntoIterator<Item = Condition>) -> Self {
        MonitorCondUpdateRequest {
            columns: None,
            where_: Some(conditions.into_iter().collect()),
        }
    }
}

/// RFC 7047 §4.1.6 `<row-update>` (the `update` notification and the `monitor` reply).
///
/// `old` is absent for an insert (and for initial rows), `new` absent for a delete. For a
/// modification `old` holds only the changed columns (their previous values) and `new` every
/// monitored column.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RowUpdate {
    /// `"old"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<Row>,
    /// `"new"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<Row>,
}

/// RFC 7047 §4.1.6 `<table-updates>`: table name to row UUID to [`RowUpdate`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TableUpdates(pub BTreeMap<String, BTreeMap<Uuid, RowUpdate>>);

/// ovsdb-server(7) §4.1.14 `<row-update2>`: exactly one of `initial`, `insert`, `modify`, `delete`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowUpdate2 {
    /// `{"initial": <row>}`: a row present when the monitor was created (in the reply). Columns
    /// whose value is the column type's default are omitted.
    Initial(Row),
    /// `{"insert": <row>}`: a new row; default-valued columns omitted.
    Insert(Row),
    /// `{"modify": <row>}`: the changed columns, each as a diff against the old value (see
    /// [`crate::diff`]).
    Modify(Row),
    /// `{"delete": null}`: the row was deleted (or no longer matches the conditions).
    Delete,
}

impl RowUpdate2 {
    /// The member name: `"initial"`, `"insert"`, `"modify"` or `"delete"`.
    pub fn kind(&self) -> &'static str {
        match self {
            RowUpdate2::Initial(_) => "initial",
            RowUpdate2::Insert(_) => "insert",
            RowUpdate2::Modify(_) => "modify",
            RowUpdate2::Delete => "delete",
        }
    }
}

impl Serialize for RowUpdate2 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        match self {
            RowUpdate2::Initial(r) => m.serialize_entry("initial", r)?,
            RowUpdate2::Insert(r) => m.serialize_entry("insert", r)?,
            RowUpdate2::Modify(r) => m.serialize_entry("modify", r)?,
            RowUpdate2::Delete => m.serialize_entry("delete", &())?,
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for RowUpdate2 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RowUpdate2;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a <row-update2> object with one of \"initial\", \"insert\", \"modify\", \"delete\"",
                )
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RowUpdate2, A::Error> {
                let mut out: Option<RowUpdate2> = None;
                while let Some(key) = map.next_key::<String>()? {
                    if out.is_some() {
                        return Err(de::Error::custom(format_args!(
                            "<row-update2> has more than one member (extra {key:?})"
                        )));
                    }
                    out = Some(match key.as_str() {
                        "initial" => RowUpdate2::Initial(map.next_value()?),
                        "insert" => RowUpdate2::Insert(map.next_value()?),
                        "modify" => RowUpdate2::Modify(map.next_value()?),
                        "delete" => {
                            // ovsdb-server sends null; tolerate an empty row as well.
                            let _: Option<Row> = map.next_value()?;
                            RowUpdate2::Delete
                        }
                        other => {
                            return Err(de::Error::unknown_field(
                                other,
                                &["initial", "insert", "modify", "delete"],
                            ));
                        }
                    });
                }
                out.ok_or_else(|| de::Error::custom("<row-update2> is empty"))
            }
        }
        d.deserialize_map(V)
    }
}

/// ovsdb-server(7) §4.1.14 `<table-updates2>`: table name to row UUID to [`RowUpdate2`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TableUpdates2(pub BTreeMap<String, BTreeMap<Uuid, RowUpdate2>>);

impl TableUpdates2 {
    /// Whether no table has any row update.
    pub fn is_empty(&self) -> bool {
        self.0.values().all(BTreeMap::is_empty)
    }
}

/// The transaction id of ovsdb-server(7) §4.1.15: a UUID string, the all-zero UUID meaning "none"
/// (standalone databases always report zero). `None` encodes as the zero UUID and the zero UUID
/// decodes as `None`.
pub(crate) mod txn_id {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(id: &Option<Uuid>, s: S) -> Result<S::Ok, S::Error> {
        id.unwrap_or(Uuid::nil()).serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Uuid>, D::Error> {
        let u = Uuid::deserialize(d)?;
        Ok(if u.is_nil() { None } else { Some(u) })
    }

    /// Wrapper to (de)serialize one id as a tuple element.
    pub(crate) struct TxnId(pub(crate) Option<Uuid>);

    impl Serialize for TxnId {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            serialize(&self.0, s)
        }
    }

    impl<'de> Deserialize<'de> for TxnId {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            deserialize(d).map(TxnId)
        }
    }
}

use txn_id::TxnId;

/// The reply of ovsdb-server(7) §4.1.15 `monitor_cond_since`:
/// `[<found>, <last-txn-id>, <table-updates2>]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MonitorCondSinceReply {
    /// Whether the requested last-txn-id was in the server's history: if true `updates` holds only
    /// the changes after it, else the whole initial contents.
    pub found: bool,
    /// The id of the last transaction included (`None` for the zero UUID: no id, as standalone
    /// servers always answer).
    pub last_txn_id: Option<Uuid>,
    /// The changes or initial rows.
    pub updates: TableUpdates2,
}

impl Serialize for MonitorCondSinceReply {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_tuple(3)?;
        t.serialize_element(&self.found)?;
        t.serialize_element(&TxnId(self.last_txn_id))?;
        t.serialize_element(&self.updates)?;
        t.end()
    }
}

impl<'de> Deserialize<'de> for MonitorCondSinceReply {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MonitorCondSinceReply;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[<found>, <last-txn-id>, <table-updates2>]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<MonitorCondSinceReply, A::Error> {
                let found = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let TxnId(last_txn_id) = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                let updates = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(2, &self))?;
                if seq.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(4, &self));
                }
                Ok(MonitorCondSinceReply {
                    found,
                    last_txn_id,
                    updates,
                })
            }
        }
        d.deserialize_seq(V)
    }
}

/// The params of the ovsdb-server(7) §4.1.16 `update3` notification:
/// `[<json-value>, <last-txn-id>, <table-updates2>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update3 {
    /// The monitor's `<json-value>` id.
    pub monitor_id: Value,
    /// The id of the transaction these changes come from (`None` for the zero UUID).
    pub last_txn_id: Option<Uuid>,
    /// The changes.
    pub updates: TableUpdates2,
}

impl Serialize for Update3 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_tuple(3)?;
        t.serialize_element(&self.monitor_id)?;
        t.serialize_element(&TxnId(self.last_txn_id))?;
        t.serialize_element(&self.updates)?;
        t.end()
    }
}

impl<'de> Deserialize<'de> for Update3 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Update3;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[<json-value>, <last-txn-id>, <table-updates2>]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Update3, A::Error> {
                let monitor_id = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let TxnId(last_txn_id) = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                let updates = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(2, &self))?;
                if seq.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(4, &self));
                }
                Ok(Update3 {
                    monitor_id,
                    last_txn_id,
                    updates,
                })
            }
        }
        d.deserialize_seq(V)
    }
}
