//! RFC 7047 §5.2 operation results and the §4.1.3 `transact` reply.

use serde::de;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::error::{ErrorKind, OvsdbError};
use super::operation::Operation;
use crate::data::{Atom, Row, Uuid};
use crate::error::DecodeError;

/// The result of one operation (RFC 7047 §5.2; ovsdb-server(7) §5.2.6).
///
/// Wire shapes: `{"uuid": ["uuid", <uuid>]}` (insert), `{"rows": [<row>*]}` (select),
/// `{"count": <integer>}` (update, mutate, delete), `{}` (wait, commit, comment, assert: ovsdb-server
/// sends an empty object, not nothing), or an error object `{"error": ..., "details": ...}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperationResult {
    /// `insert`: the new row's UUID.
    Insert {
        /// `"uuid"`.
        uuid: Uuid,
    },
    /// `select`: the matching rows.
    Select {
        /// `"rows"`.
        rows: Vec<Row>,
    },
    /// `update`, `mutate`, `delete`: how many rows matched.
    Count {
        /// `"count"`.
        count: u64,
    },
    /// `{}`: wait, commit, comment, assert.
    Empty,
    /// The operation failed (the transaction is then aborted).
    Error(OvsdbError),
}

impl OperationResult {
    /// The shape's name, for messages: `"insert"`, `"select"`, `"count"`, `"empty"`, `"error"`.
    pub fn shape(&self) -> &'static str {
        match self {
            OperationResult::Insert { .. } => "insert",
            OperationResult::Select { .. } => "select",
            OperationResult::Count { .. } => "count",
            OperationResult::Empty => "empty",
            OperationResult::Error(_) => "error",
        }
    }

    /// The error, if this is one.
    pub fn as_error(&self) -> Option<&OvsdbError> {
        match self {
            OperationResult::Error(e) => Some(e),
            _ => None,
        }
    }

    /// Whether this shape is what `op` yields on success (any operation may yield an error).
    pub fn fits(&self, op: &Operation) -> bool {
        matches!(
            (self, op),
            (OperationResult::Error(_), _)
                | (OperationResult::Insert { .. }, Operation::Insert(_))
                | (OperationResult::Select { .. }, Operation::Select(_))
                | (
                    OperationResult::Count { .. },
                    Operation::Update(_) | Operation::Mutate(_) | Operation::Delete(_)
                )
                | (
                    OperationResult::Empty,
                    Operation::Wait(_) | Operation::Commit(_) | Operation::Comment(_) | Operation::Assert(_)
                )
        )
    }
}

impl Serialize for OperationResult {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            OperationResult::Error(e) => e.serialize(s),
            OperationResult::Insert { uuid } => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("uuid", &Atom::Uuid(*uuid))?;
                m.end()
            }
            OperationResult::Select { rows } => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("rows", rows)?;
                m.end()
            }
            OperationResult::Count { count } => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("count", count)?;
                m.end()
            }
            OperationResult::Empty => s.serialize_map(Some(0))?.end(),
        }
    }
}

#[derive(Deserialize)]
struct RawResult {
    uuid: Option<Atom>,
    rows: Option<Vec<Row>>,
    count: Option<u64>,
    error: Option<ErrorKind>,
    details: Option<String>,
    syntax: Option<String>,
    #[serde(rename = "io-error")]
    io_error: Option<String>,
}

impl<'de> Deserialize<'de> for OperationResult {
    /// Decodes by shape. An object with `"error"` is an error whatever else it has; otherwise at
    /// most one of `"uuid"`, `"rows"`, `"count"` may be present. Other members are ignored.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = RawResult::deserialize(d)?;
        if let Some(error) = raw.error {
            return Ok(OperationResult::Error(OvsdbError {
                error,
                details: raw.details,
                syntax: raw.syntax,
                io_error: raw.io_error,
                bare: false,
            }));
        }
        match (raw.uuid, raw.rows, raw.count) {
            (None, None, None) => Ok(OperationResult::Empty),
            (Some(a), None, None) => match a.as_uuid() {
                Some(uuid) => Ok(OperationResult::Insert { uuid }),
                None => Err(de::Error::custom(format_args!(
                    "\"uuid\" must be [\"uuid\", <uuid>], not {a}"
                ))),
            },
            (None, Some(rows), None) => Ok(OperationResult::Select { rows }),
            (None, None, Some(count)) => Ok(OperationResult::Count { count }),
            _ => Err(de::Error::custom(
                "operation result has more than one of \"uuid\", \"rows\", \"count\"",
            )),
        }
    }
}

/// Why a `transact` result did not decode ([`TransactReply::decode`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransactReplyError {
    /// The result is not a JSON array.
    #[error("transact result must be an array, found {found}")]
    NotArray {
        /// The JSON type found.
        found: &'static str,
    },
    /// The array length is neither the number of operations nor one more.
    #[error("transact result has {found} elements for {ops} operations (expected {ops} or {})", ops + 1)]
    Length {
        /// Number of operations sent.
        ops: usize,
        /// Number of results received.
        found: usize,
    },
    /// One element did not decode.
    #[error("transact result [{index}]: {source}")]
    Element {
        /// Index in the result array.
        index: usize,
        /// What was wrong, with the path inside the element.
        source: DecodeError,
    },
    /// An element's shape does not fit its operation (e.g. `{"rows": ...}` for an insert).
    #[error("transact result [{index}] is a {found} result, which a {op:?} operation does not yield")]
    Mismatch {
        /// Index in the result array (and of the operation).
        index: usize,
        /// The operation's name.
        op: &'static str,
        /// The result's shape ([`OperationResult::shape`]).
        found: &'static str,
    },
    /// A `null` where the operation should have run: no earlier operation failed.
    #[error("transact result [{index}] is null but no earlier operation failed")]
    UnexpectedNull {
        /// Index in the result array.
        index: usize,
    },
    /// A result after a failed operation (ovsdb-server stops at the first error).
    #[error("transact result [{index}] follows a failed operation but is not null")]
    ResultAfterError {
        /// Index in the result array.
        index: usize,
    },
    /// The extra trailing element is not an error object.
    #[error("the extra trailing transact result must be an error, found a {found} result")]
    TrailingNotError {
        /// The trailing element's shape.
        found: &'static str,
    },
}

/// A failure reported in a `transact` reply: which operation failed (none for a commit failure
/// reported in the trailing element) and the error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {error}", match index { Some(i) => format!("operation {i} failed"), None => "commit failed".to_owned() })]
pub struct TransactError {
    /// The index of the failed operation, or `None` when the operations all succeeded and the
    /// commit failed (e.g. a referential integrity or index violation).
    pub index: Option<usize>,
    /// The error.
    pub error: OvsdbError,
}

/// A decoded `transact` result (RFC 7047 §4.1.3).
///
/// On the wire: an array with one element per operation; the elements after a failed operation are
/// `null`; when every operation succeeded but the commit failed, one extra element, an error, follows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TransactReply {
    /// One entry per operation; `None` for an operation not executed because an earlier one failed.
    pub results: Vec<Option<OperationResult>>,
    /// The error of the extra trailing element, if the commit itself failed.
    pub commit_error: Option<OvsdbError>,
}

impl TransactReply {
    /// Decodes the `result` of a `transact` whose operations were `ops`, checking the array's length,
    /// each element's shape against its operation, and that `null`s appear exactly after an error.
    ///
    /// # Errors
    /// [`TransactReplyError`] naming the element index and what was wrong.
    pub fn decode(ops: &[Operation], result: &Value) -> Result<TransactReply, TransactReplyError> {
        let elems = match result {
            Value::Array(a) => a,
            other => {
                return Err(TransactReplyError::NotArray {
                    found: json_type(other),
                });
            }
        };
        if elems.len() != ops.len() && elems.len() != ops.len() + 1 {
            return Err(TransactReplyError::Length {
                ops: ops.len(),
                found: elems.len(),
            });
        }
        let mut results = Vec::with_capacity(ops.len());
        let mut failed = false;
        for (index, (elem, op)) in elems.iter().zip(ops).enumerate() {
            if elem.is_null() {
                if !failed {
                    return Err(TransactReplyError::UnexpectedNull { index });
                }
                results.push(None);
                continue;
            }
            if failed {
                return Err(TransactReplyError::ResultAfterError { index });
            }
            let r: OperationResult = crate::error::from_value(elem.clone())
                .map_err(|source| TransactReplyError::Element { index, source })?;
            if !r.fits(op) {
                return Err(TransactReplyError::Mismatch {
                    index,
                    op: op.name(),
                    found: r.shape(),
                });
            }
            failed = matches!(r, OperationResult::Error(_));
            results.push(Some(r));
        }
        let commit_error = match elems.get(ops.len()) {
            None => None,
            Some(elem) => {
                let index = ops.len();
                if failed {
                    return Err(TransactReplyError::ResultAfterError { index });
                }
                match crate::error::from_value::<OperationResult>(elem.clone())
                    .map_err(|source| TransactReplyError::Element { index, source })?
                {
                    OperationResult::Error(e) => Some(e),
                    other => return Err(TransactReplyError::TrailingNotError { found: other.shape() }),
                }
            }
        };
        Ok(TransactReply {
            results,
            commit_error,
        })
    }

    /// The first failure: a failed operation, or the commit error.
    pub fn error(&self) -> Option<TransactError> {
        self.results
            .iter()
            .enumerate()
            .find_map(|(i, r)| {
                r.as_ref()
                    .and_then(OperationResult::as_error)
                    .map(|e| TransactError {
                        index: Some(i),
                        error: e.clone(),
                    })
            })
            .or_else(|| {
                self.commit_error
                    .clone()
                    .map(|error| TransactError { index: None, error })
            })
    }

    /// The per-operation results if the transaction committed, else the failure.
    ///
    /// # Errors
    /// The [`TransactError`] of [`TransactReply::error`].
    pub fn into_result(self) -> Result<Vec<OperationResult>, TransactError> {
        if let Some(e) = self.error() {
            return Err(e);
        }
        Ok(self.results.into_iter().flatten().collect())
    }

    /// The wire JSON of this reply (the inverse of [`TransactReply::decode`]).
    pub fn to_json(&self) -> Value {
        let mut v: Vec<Value> = self
            .results
            .iter()
            .map(|r| {
                r.as_ref()
                    .map_or(Value::Null, |r| serde_json::to_value(r).unwrap_or(Value::Null))
            })
            .collect();
        if let Some(e) = &self.commit_error {
            v.push(serde_json::to_value(e).unwrap_or(Value::Null));
        }
        Value::Array(v)
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
