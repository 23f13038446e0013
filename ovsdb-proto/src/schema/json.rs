//! Canonical JSON output of schemas, in the form ovsdb-server writes (`get_schema`, the schema
//! record of a database file): shorthands wherever possible, defaults omitted.

use serde_json::{Map, Value};

use crate::data::{AtomicType, Datum};

use super::{BaseType, ColumnSchema, ColumnType, DatabaseSchema, Max, RefType, TableSchema};

fn real_json(v: f64) -> Value {
    serde_json::Number::from_f64(v)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

impl BaseType {
    /// Canonical JSON: the bare atomic-type string when there are no constraints, else an object
    /// with `"type"` and the constraints that are set (`"refType"` only when weak).
    pub fn to_json(&self) -> Value {
        if !self.has_constraints() {
            return Value::String(self.atomic.as_str().to_owned());
        }
        let mut m = Map::new();
        m.insert("type".into(), self.atomic.as_str().into());
        if let Some(e) = &self.enum_ {
            m.insert("enum".into(), Datum::Set(e.clone()).to_json());
        }
        match self.atomic {
            AtomicType::Integer => {
                if let Some(v) = self.min_integer {
                    m.insert("minInteger".into(), v.into());
                }
                if let Some(v) = self.max_integer {
                    m.insert("maxInteger".into(), v.into());
                }
            }
            AtomicType::Real => {
                if let Some(v) = self.min_real {
                    m.insert("minReal".into(), real_json(v));
                }
                if let Some(v) = self.max_real {
                    m.insert("maxReal".into(), real_json(v));
                }
            }
            AtomicType::String => {
                if let Some(v) = self.min_length {
                    m.insert("minLength".into(), v.into());
                }
                if let Some(v) = self.max_length {
                    m.insert("maxLength".into(), v.into());
                }
            }
            AtomicType::Uuid => {
                if let Some(t) = &self.ref_table {
                    m.insert("refTable".into(), t.as_str().into());
                    if self.ref_type == RefType::Weak {
                        m.insert("refType".into(), "weak".into());
                    }
                }
            }
            AtomicType::Boolean => {}
        }
        Value::Object(m)
    }
}

impl ColumnType {
    /// Canonical JSON: the bare atomic-type string for an unconstrained scalar, else an object
    /// with `"key"`, `"value"` when a map, and `"min"`/`"max"` when not 1.
    pub fn to_json(&self) -> Value {
        if self.is_scalar() && !self.key.has_constraints() {
            return Value::String(self.key.atomic.as_str().to_owned());
        }
        let mut m = Map::new();
        m.insert("key".into(), self.key.to_json());
        if let Some(v) = &self.value {
            m.insert("value".into(), v.to_json());
        }
        if self.min != 1 {
            m.insert("min".into(), self.min.into());
        }
        match self.max {
            Max::Limited(1) => {}
            Max::Limited(n) => {
                m.insert("max".into(), n.into());
            }
            Max::Unlimited => {
                m.insert("max".into(), "unlimited".into());
            }
        }
        Value::Object(m)
    }
}

impl ColumnSchema {
    /// Canonical JSON: `{"type": ...}` plus `"ephemeral": true` and `"mutable": false` when so.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), self.type_.to_json());
        if self.ephemeral {
            m.insert("ephemeral".into(), true.into());
        }
        if !self.mutable {
            m.insert("mutable".into(), false.into());
        }
        Value::Object(m)
    }
}

impl TableSchema {
    /// Canonical JSON: `{"columns": ...}` plus `"maxRows"`, `"isRoot": true`, `"indexes"` and
    /// `"mutable": false` when set.
    pub fn to_json(&self) -> Value {
        self.to_json_inner(true)
    }

    pub(super) fn to_json_inner(&self, write_root: bool) -> Value {
        let mut m = Map::new();
        let columns: Map<String, Value> = self
            .columns
            .iter()
            .map(|(n, c)| (n.clone(), c.to_json()))
            .collect();
        m.insert("columns".into(), Value::Object(columns));
        if let Some(n) = self.max_rows {
            m.insert("maxRows".into(), n.into());
        }
        if write_root && self.is_root {
            m.insert("isRoot".into(), true.into());
        }
        if !self.indexes.is_empty() {
            let idx = self
                .indexes
                .iter()
                .map(|cols| Value::from(cols.clone()))
                .collect();
            m.insert("indexes".into(), Value::Array(idx));
        }
        if !self.mutable {
            m.insert("mutable".into(), false.into());
        }
        Value::Object(m)
    }
}

impl DatabaseSchema {
    /// Canonical JSON, as ovsdb-server returns it from `get_schema`. `"isRoot"` is left out
    /// everywhere when every table is a root table (which is what a schema without any
    /// `"isRoot": true` means).
    pub fn to_json(&self) -> Value {
        let all_root = self.tables.values().all(|t| t.is_root);
        let mut m = Map::new();
        m.insert("name".into(), self.name.as_str().into());
        if let Some(v) = &self.version {
            m.insert("version".into(), v.as_str().into());
        }
        if let Some(c) = &self.cksum {
            m.insert("cksum".into(), c.as_str().into());
        }
        let tables: Map<String, Value> = self
            .tables
            .iter()
            .map(|(n, t)| (n.clone(), t.to_json_inner(!all_root)))
            .collect();
        m.insert("tables".into(), Value::Object(tables));
        Value::Object(m)
    }
}
