//! RFC 7047 §5.1 `<row>`: an untyped row, column name to datum.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::atom::Uuid;
use super::datum::Datum;

/// RFC 7047 §5.1 `<row>`: a JSON object from column names to values.
///
/// Untyped; which columns are present depends on the operation (a `select` returns the requested
/// columns, an `update2` `modify` carries only changed columns as diffs). `_uuid` and `_version`
/// appear as ordinary uuid-valued columns when the server includes them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Row(pub BTreeMap<String, Datum>);

impl Row {
    /// An empty row.
    pub fn new() -> Self {
        Row(BTreeMap::new())
    }

    /// The datum of `column`, if present.
    pub fn get(&self, column: &str) -> Option<&Datum> {
        self.0.get(column)
    }

    /// Sets `column` to `value`, returning the previous datum.
    pub fn insert(&mut self, column: impl Into<String>, value: impl Into<Datum>) -> Option<Datum> {
        self.0.insert(column.into(), value.into())
    }

    /// Builder form of [`Row::insert`].
    pub fn with(mut self, column: impl Into<String>, value: impl Into<Datum>) -> Self {
        self.insert(column, value);
        self
    }

    /// Removes `column`.
    pub fn remove(&mut self, column: &str) -> Option<Datum> {
        self.0.remove(column)
    }

    /// Iterates `(column, datum)` in column-name order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Datum)> {
        self.0.iter()
    }

    /// Number of columns present.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no column is present.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The `_uuid` column, if present and a uuid.
    pub fn uuid(&self) -> Option<Uuid> {
        self.get("_uuid")?.as_scalar()?.as_uuid()
    }

    /// The `_version` column, if present and a uuid.
    pub fn version(&self) -> Option<Uuid> {
        self.get("_version")?.as_scalar()?.as_uuid()
    }
}

impl FromIterator<(String, Datum)> for Row {
    fn from_iter<I: IntoIterator<Item = (String, Datum)>>(iter: I) -> Self {
        Row(iter.into_iter().collect())
    }
}
