//! RFC 7047 §5.2 `<operation>`: one struct per operation and the [`Operation`] enum over them.

use std::fmt;

use serde::de;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::condition::Condition;
use super::mutation::Mutation;
use crate::data::{NamedUuid, Row, Uuid};

/// RFC 7047 §5.2.1 `insert`: add a row.
///
/// Wire: `{"op": "insert", "table": <table>, "row": <row>, "uuid-name": <id>?, "uuid": <uuid>?}`.
/// Columns missing from `row` get their defaults. Result: `{"uuid": <uuid>}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Insert {
    /// The table to insert into.
    pub table: String,
    /// The new row's columns.
    pub row: Row,
    /// `"uuid-name"`: a name by which later operations of the same transaction refer to the new
    /// row (as `["named-uuid", name]`). Two inserts with one name fail with
    /// `"duplicate uuid-name"`.
    pub uuid_name: Option<NamedUuid>,
    /// `"uuid"` (ovsdb-server(7) §5.2.1, OVS 2.13 and later): the UUID the new row must get,
    /// written as a bare UUID string. A UUID already in the table fails with `"duplicate uuid"`.
    pub uuid: Option<Uuid>,
}

impl Insert {
    /// An insert of `row` into `table`, without `uuid-name` or `uuid`.
    pub fn new(table: impl Into<String>, row: Row) -> Self {
        Insert {
            table: table.into(),
            row,
            uuid_name: None,
            uuid: None,
        }
    }

    /// Builder: sets `uuid-name`.
    pub fn uuid_name(mut self, name: NamedUuid) -> Self {
        self.uuid_name = Some(name);
        self
    }

    /// Builder: sets `uuid`.
    pub fn uuid(mut self, uuid: Uuid) -> Self {
        self.uuid = Some(uuid);
        self
    }
}

/// RFC 7047 §5.2.2 `select`: read the rows that match all conditions.
///
/// Wire: `{"op": "select", "table": <table>, "where": [<condition>*], "columns": [<column>*]?}`.
/// Without `columns` every column is returned, including `_uuid` and `_version`. Result:
/// `{"rows": [<row>*]}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Select {
    /// The table to read.
    pub table: String,
    /// `"where"`: the conditions, all of which a row must match (empty: every row).
    pub where_: Vec<Condition>,
    /// `"columns"`: the columns to return.
    pub columns: Option<Vec<String>>,
}

impl Select {
    /// A select of every column of the rows of `table` matching `where_`.
    pub fn new(table: impl Into<String>, where_: impl IntoIterator<Item = Condition>) -> Self {
        Select {
            table: table.into(),
            where_: where_.into_iter().collect(),
            columns: None,
        }
    }

    /// Builder: sets `columns`.
    pub fn columns<I: IntoIterator<Item = S>, S: Into<String>>(mut self, columns: I) -> Self {
        self.columns = Some(columns.into_iter().map(Into::into).collect());
        self
    }
}

/// RFC 7047 §5.2.3 `update`: set columns of the matching rows.
///
/// Wire: `{"op": "update", "table": <table>, "where": [<condition>*], "row": <row>}`. Updating an
/// immutable column (or `_uuid`) fails with `"constraint violation"`. Result: `{"count": <integer>}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    /// The table.
    pub table: String,
    /// `"where"`: which rows.
    pub where_: Vec<Condition>,
    /// The new values of the columns to change.
    pub row: Row,
}

impl Update {
    /// An update setting `row`'s columns in the rows of `table` matching `where_`.
    pub fn new(table: impl Into<String>, where_: impl IntoIterator<Item = Condition>, row: Row) -> Self {
        Update {
            table: table.into(),
            where_: where_.into_iter().collect(),
            row,
        }
    }
}

/// RFC 7047 §5.2.4 `mutate`: apply mutations to the matching rows.
///
/// Wire: `{"op": "mutate", "table": <table>, "where": [<condition>*], "mutations": [<mutation>*]}`.
/// Result: `{"count": <integer>}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mutate {
    /// The table.
    pub table: String,
    /// `"where"`: which rows.
    pub where_: Vec<Condition>,
    /// The mutations, applied in order.
    pub mutations: Vec<Mutation>,
}

impl Mutate {
    /// A mutate of the rows of `table` matching `where_`.
    pub fn new(
        table: impl Into<String>,
        where_: impl IntoIterator<Item = Condition>,
        mutations: impl IntoIterator<Item = Mutation>,
    ) -> Self {
        Mutate {
            table: table.into(),
            where_: where_.into_iter().collect(),
            mutations: mutations.into_iter().collect(),
        }
    }
}

/// RFC 7047 §5.2.5 `delete`: delete the matching rows.
///
/// Wire: `{"op": "delete", "table": <table>, "where": [<condition>*]}`. Result:
/// `{"count": <integer>}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delete {
    /// The table.
    pub table: String,
    /// `"where"`: which rows.
    pub where_: Vec<Condition>,
}

impl Delete {
    /// A delete of the rows of `table` matching `where_`.
    pub fn new(table: impl Into<String>, where_: impl IntoIterator<Item = Condition>) -> Self {
        Delete {
            table: table.into(),
            where_: where_.into_iter().collect(),
        }
    }
}

/// The `"until"` member of a `wait` operation (RFC 7047 §5.2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WaitUntil {
    /// `"=="`: wait until the selected rows equal `rows`.
    Equal,
    /// `"!="`: wait until they differ from `rows`.
    NotEqual,
}

impl WaitUntil {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            WaitUntil::Equal => "==",
            WaitUntil::NotEqual => "!=",
        }
    }
}

impl Serialize for WaitUntil {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for WaitUntil {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        match &*s {
            "==" => Ok(WaitUntil::Equal),
            "!=" => Ok(WaitUntil::NotEqual),
            other => Err(de::Error::custom(format_args!(
                "\"until\" must be \"==\" or \"!=\", not {other:?}"
            ))),
        }
    }
}

/// RFC 7047 §5.2.6 `wait`: block the transaction until the selected rows equal (or differ from)
/// the given rows, or fail with `"timed out"` after `timeout` milliseconds.
///
/// Wire: `{"op": "wait", "table": <table>, "timeout": <integer>?, "where": [<condition>*],
/// "columns": [<column>*], "until": "==" | "!=", "rows": [<row>*]}`. `columns` is required by
/// RFC 7047; ovsdb-server treats it as optional (all columns). Result: `{}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wait {
    /// The table.
    pub table: String,
    /// `"timeout"` in milliseconds; `None` waits forever, `Some(0)` tests once.
    pub timeout: Option<u64>,
    /// `"where"`: which rows to compare.
    pub where_: Vec<Condition>,
    /// `"columns"`: which columns of them to compare.
    pub columns: Option<Vec<String>>,
    /// `"until"`.
    pub until: WaitUntil,
    /// `"rows"`: the expected rows (only the `columns`).
    pub rows: Vec<Row>,
}

impl Wait {
    /// A wait with no timeout.
    pub fn new(
        table: impl Into<String>,
        where_: impl IntoIterator<Item = Condition>,
        columns: Option<Vec<String>>,
        until: WaitUntil,
        rows: impl IntoIterator<Item = Row>,
    ) -> Self {
        Wait {
            table: table.into(),
            timeout: None,
            where_: where_.into_iter().collect(),
            columns,
            until,
            rows: rows.into_iter().collect(),
        }
    }

    /// Builder: sets `timeout` (milliseconds).
    pub fn timeout(mut self, ms: u64) -> Self {
        self.timeout = Some(ms);
        self
    }
}

/// RFC 7047 §5.2.7 `commit`: `{"op": "commit", "durable": <boolean>}`.
///
/// With `durable` true the reply waits until the transaction is on disk. Result: `{}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Commit {
    /// `"durable"`.
    pub durable: bool,
}

/// RFC 7047 §5.2.9 `comment`: `{"op": "comment", "comment": <string>}`.
///
/// The text is stored with the transaction in the database log (`ovsdb-tool show-log`). Result: `{}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// `"comment"`.
    pub comment: String,
}

/// RFC 7047 §5.2.10 `assert`: `{"op": "assert", "lock": <id>}`.
///
/// Fails with `"not owner"` unless this session holds the lock. Result: `{}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assert {
    /// `"lock"`: the lock name.
    pub lock: String,
}

/// One RFC 7047 §5.2 operation of a `transact` request.
///
/// `abort` (§5.2.8) has no members: it makes the transaction fail with `"aborted"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    /// §5.2.1 `insert`.
    Insert(Insert),
    /// §5.2.2 `select`.
    Select(Select),
    /// §5.2.3 `update`.
    Update(Update),
    /// §5.2.4 `mutate`.
    Mutate(Mutate),
    /// §5.2.5 `delete`.
    Delete(Delete),
    /// §5.2.6 `wait`.
    Wait(Wait),
    /// §5.2.7 `commit`.
    Commit(Commit),
    /// §5.2.8 `abort`: `{"op": "abort"}`.
    Abort,
    /// §5.2.9 `comment`.
    Comment(Comment),
    /// §5.2.10 `assert`.
    Assert(Assert),
}

impl Operation {
    /// The `"op"` wire name (`"insert"`, `"select"`...).
    pub fn name(&self) -> &'static str {
        match self {
            Operation::Insert(_) => "insert",
            Operation::Select(_) => "select",
            Operation::Update(_) => "update",
            Operation::Mutate(_) => "mutate",
            Operation::Delete(_) => "delete",
            Operation::Wait(_) => "wait",
            Operation::Commit(_) => "commit",
            Operation::Abort => "abort",
            Operation::Comment(_) => "comment",
            Operation::Assert(_) => "assert",
        }
    }

    /// The table the operation names, for the table operations.
    pub fn table(&self) -> Option<&str> {
        match self {
            Operation::Insert(o) => Some(&o.table),
            Operation::Select(o) => Some(&o.table),
            Operation::Update(o) => Some(&o.table),
            Operation::Mutate(o) => Some(&o.table),
            Operation::Delete(o) => Some(&o.table),
            Operation::Wait(o) => Some(&o.table),
            Operation::Commit(_) | Operation::Abort | Operation::Comment(_) | Operation::Assert(_) => None,
        }
    }

    /// `{"op": "commit", "durable": durable}`.
    pub fn commit(durable: bool) -> Self {
        Operation::Commit(Commit { durable })
    }

    /// `{"op": "comment", "comment": text}`.
    pub fn comment(text: impl Into<String>) -> Self {
        Operation::Comment(Comment { comment: text.into() })
    }

    /// `{"op": "assert", "lock": lock}`.
    pub fn assert(lock: impl Into<String>) -> Self {
        Operation::Assert(Assert { lock: lock.into() })
    }
}

macro_rules! from_op {
    ($($t:ident),*) => {$(
        impl From<$t> for Operation {
            fn from(o: $t) -> Self {
                Operation::$t(o)
            }
        }
    )*};
}
from_op!(
    Insert, Select, Update, Mutate, Delete, Wait, Commit, Comment, Assert
);

impl Serialize for Operation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("op", self.name())?;
        match self {
            Operation::Insert(o) => {
                m.serialize_entry("table", &o.table)?;
                m.serialize_entry("row", &o.row)?;
                if let Some(n) = &o.uuid_name {
                    m.serialize_entry("uuid-name", n.as_str())?;
                }
                if let Some(u) = &o.uuid {
                    m.serialize_entry("uuid", &u.hyphenated().to_string())?;
                }
            }
            Operation::Select(o) => {
                m.serialize_entry("table", &o.table)?;
                m.serialize_entry("where", &o.where_)?;
                if let Some(c) = &o.columns {
                    m.serialize_entry("columns", c)?;
                }
            }
            Operation::Update(o) => {
                m.serialize_entry("table", &o.table)?;
                m.serialize_entry("where", &o.where_)?;
                m.serialize_entry("row", &o.row)?;
            }
            Operation::Mutate(o) => {
                m.serialize_entry("table", &o.table)?;
                m.serialize_entry("where", &o.where_)?;
                m.serialize_entry("mutations", &o.mutations)?;
            }
            Operation::Delete(o) => {
                m.serialize_entry("table", &o.table)?;
                m.serialize_entry("where", &o.where_)?;
            }
            Operation::Wait(o) => {
                m.serialize_entry("table", &o.table)?;
                if let Some(t) = o.timeout {
                    m.serialize_entry("timeout", &t)?;
                }
                m.serialize_entry("where", &o.where_)?;
                if let Some(c) = &o.columns {
                    m.serialize_entry("columns", c)?;
                }
                m.serialize_entry("until", &o.until)?;
                m.serialize_entry("rows", &o.rows)?;
            }
            Operation::Commit(o) => m.serialize_entry("durable", &o.durable)?,
            Operation::Abort => {}
            Operation::Comment(o) => m.serialize_entry("comment", &o.comment)?,
            Operation::Assert(o) => m.serialize_entry("lock", &o.lock)?,
        }
        m.end()
    }
}

/// Every member any operation may have; decoded first (so serde_path_to_error reports paths into
/// rows and conditions), then checked against the operation's own member list.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOperation {
    op: String,
    table: Option<String>,
    row: Option<Row>,
    #[serde(rename = "uuid-name")]
    uuid_name: Option<String>,
    uuid: Option<String>,
    #[serde(rename = "where")]
    where_: Option<Vec<Condition>>,
    columns: Option<Vec<String>>,
    mutations: Option<Vec<Mutation>>,
    timeout: Option<u64>,
    until: Option<WaitUntil>,
    rows: Option<Vec<Row>>,
    durable: Option<bool>,
    comment: Option<String>,
    lock: Option<String>,
}

impl RawOperation {
    /// The names of the members that are present.
    fn present(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        let mut add = |name: &'static str, present: bool| {
            if present {
                v.push(name);
            }
        };
        add("table", self.table.is_some());
        add("row", self.row.is_some());
        add("uuid-name", self.uuid_name.is_some());
        add("uuid", self.uuid.is_some());
        add("where", self.where_.is_some());
        add("columns", self.columns.is_some());
        add("mutations", self.mutations.is_some());
        add("timeout", self.timeout.is_some());
        add("until", self.until.is_some());
        add("rows", self.rows.is_some());
        add("durable", self.durable.is_some());
        add("comment", self.comment.is_some());
        add("lock", self.lock.is_some());
        v
    }

    fn into_operation<E: de::Error>(self) -> Result<Operation, E> {
        let allowed: &[&str] = match self.op.as_str() {
            "insert" => &["table", "row", "uuid-name", "uuid"],
            "select" => &["table", "where", "columns"],
            "update" => &["table", "where", "row"],
            "mutate" => &["table", "where", "mutations"],
            "delete" => &["table", "where"],
            "wait" => &["table", "timeout", "where", "columns", "until", "rows"],
            "commit" => &["durable"],
            "abort" => &[],
            "comment" => &["comment"],
            "assert" => &["lock"],
            other => {
                return Err(de::Error::custom(format_args!(
                    "unknown operation {other:?} (expected insert, select, update, mutate, delete, wait, \
                     commit, abort, comment or assert)"
                )));
            }
        };
        if let Some(extra) = self.present().into_iter().find(|m| !allowed.contains(m)) {
            return Err(de::Error::custom(format_args!(
                "member {extra:?} is not allowed in a {:?} operation",
                self.op
            )));
        }
        let op = self.op.clone();
        let need = |name: &'static str| -> E {
            de::Error::custom(format_args!("{op:?} operation is missing its {name:?} member"))
        };
        Ok(match self.op.as_str() {
            "insert" => Operation::Insert(Insert {
                table: self.table.ok_or_else(|| need("table"))?,
                row: self.row.ok_or_else(|| need("row"))?,
                uuid_name: match self.uuid_name {
                    Some(n) => Some(
                        NamedUuid::new(n)
                            .map_err(|e| de::Error::custom(format_args!("\"uuid-name\": {e}")))?,
                    ),
                    None => None,
                },
                uuid: match self.uuid {
                    Some(u) => Some(
                        Uuid::try_parse(&u)
                            .map_err(|_| de::Error::custom(format_args!("\"uuid\": {u:?} is not a UUID")))?,
                    ),
                    None => None,
                },
            }),
            "select" => Operation::Select(Select {
                table: self.table.ok_or_else(|| need("table"))?,
                where_: self.where_.ok_or_else(|| need("where"))?,
                columns: self.columns,
            }),
            "update" => Operation::Update(Update {
                table: self.table.ok_or_else(|| need("table"))?,
                where_: self.where_.ok_or_else(|| need("where"))?,
                row: self.row.ok_or_else(|| need("row"))?,
            }),
            "mutate" => Operation::Mutate(Mutate {
                table: self.table.ok_or_else(|| need("table"))?,
                where_: self.where_.ok_or_else(|| need("where"))?,
                mutations: self.mutations.ok_or_else(|| need("mutations"))?,
            }),
            "delete" => Operation::Delete(Delete {
                table: self.table.ok_or_else(|| need("table"))?,
                where_: self.where_.ok_or_else(|| need("where"))?,
            }),
            "wait" => Operation::Wait(Wait {
                table: self.table.ok_or_else(|| need("table"))?,
                timeout: self.timeout,
                where_: self.where_.ok_or_else(|| need("where"))?,
                columns: self.columns,
                until: self.until.ok_or_else(|| need("until"))?,
                rows: self.rows.ok_or_else(|| need("rows"))?,
            }),
            "commit" => Operation::Commit(Commit {
                durable: self.durable.ok_or_else(|| need("durable"))?,
            }),
            "abort" => Operation::Abort,
            "comment" => Operation::Comment(Comment {
                comment: self.comment.ok_or_else(|| need("comment"))?,
            }),
            _ => Operation::Assert(Assert {
                lock: self.lock.ok_or_else(|| need("lock"))?,
            }),
        })
    }
}

impl<'de> Deserialize<'de> for Operation {
    /// Decodes an operation object. Unknown members, members the operation does not take, missing
    /// required members and unknown `"op"` names are errors naming the member.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        RawOperation::deserialize(d)?.into_operation()
    }
}

impl fmt::Display for Operation {
    /// The wire JSON (compact).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&serde_json::to_string(self).map_err(|_| fmt::Error)?)
    }
}
