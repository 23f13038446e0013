//! Parsing schema JSON into the schema types, with the member rules of `ovsdb-tool create`
//! (Open vSwitch 3.1): required members, JSON types, and no unknown members anywhere.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::data::{AtomicType, Datum};

use super::check::NamedUuids;
use super::error::{Location, SchemaError};
use super::{BaseType, ColumnSchema, ColumnType, DatabaseSchema, Max, RefType, TableSchema};

/// The largest count, length or row limit ovsdb-server stores (`UINT_MAX`).
pub(super) const UINT_MAX: u64 = u32::MAX as u64;

/// The constraint members of a base type, with the atomic type each belongs to.
const CONSTRAINTS: [(&str, AtomicType); 8] = [
    ("minInteger", AtomicType::Integer),
    ("maxInteger", AtomicType::Integer),
    ("minReal", AtomicType::Real),
    ("maxReal", AtomicType::Real),
    ("minLength", AtomicType::String),
    ("maxLength", AtomicType::String),
    ("refTable", AtomicType::Uuid),
    ("refType", AtomicType::Uuid),
];

/// A short description of a JSON value's kind, for messages.
fn wrong_type(at: Location, expected: &'static str, found: &Value) -> SchemaError {
    SchemaError::WrongJsonType {
        at,
        expected,
        found: found.clone(),
    }
}

/// An integer from JSON, accepting integral reals (`3.0`, `1e2`) as ovsdb-server's JSON lexer
/// does. `None` for anything else.
pub(super) fn json_integer(v: &Value) -> Option<i128> {
    let n = v.as_number()?;
    if let Some(i) = n.as_i64() {
        return Some(i128::from(i));
    }
    if let Some(u) = n.as_u64() {
        return Some(i128::from(u));
    }
    let f = n.as_f64()?;
    // Integral and inside the 64-bit range: 2^64 is exactly representable, so this is exact.
    (f.fract() == 0.0 && f.abs() < 18_446_744_073_709_551_616.0).then_some(f as i128)
}

/// Parses `x.y.z` (three dot-separated runs of decimal digits).
pub(super) fn parse_version(s: &str) -> Option<(u64, u64, u64)> {
    let mut parts = s.split('.');
    let mut next = || -> Option<u64> {
        let p = parts.next()?;
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        p.parse().ok()
    };
    let v = (next()?, next()?, next()?);
    parts.next().is_none().then_some(v)
}

/// The members of one JSON object, remembering which were looked at so that the rest can be
/// reported as unknown.
struct Members<'a> {
    at: &'a Location,
    obj: &'a Map<String, Value>,
    used: Vec<&'static str>,
}

impl<'a> Members<'a> {
    fn new(at: &'a Location, v: &'a Value) -> Result<Self, SchemaError> {
        match v {
            Value::Object(obj) => Ok(Members {
                at,
                obj,
                used: Vec::new(),
            }),
            other => Err(wrong_type(at.clone(), "an object", other)),
        }
    }

    fn get(&mut self, name: &'static str) -> Option<&'a Value> {
        self.used.push(name);
        self.obj.get(name)
    }

    fn required(&mut self, name: &'static str) -> Result<&'a Value, SchemaError> {
        self.get(name).ok_or_else(|| SchemaError::MissingMember {
            at: self.at.clone(),
            member: name,
        })
    }

    fn bool(&mut self, name: &'static str) -> Result<Option<bool>, SchemaError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(wrong_type(self.at.member(name), "a boolean", other)),
        }
    }

    fn string(&mut self, name: &'static str) -> Result<Option<&'a str>, SchemaError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(wrong_type(self.at.member(name), "a string", other)),
        }
    }

    fn object(&mut self, name: &'static str) -> Result<&'a Map<String, Value>, SchemaError> {
        match self.required(name)? {
            Value::Object(m) => Ok(m),
            other => Err(wrong_type(self.at.member(name), "an object", other)),
        }
    }

    fn unused(&self) -> impl Iterator<Item = &'a String> + '_ {
        self.obj.keys().filter(|k| !self.used.contains(&k.as_str()))
    }

    fn finish(self) -> Result<(), SchemaError> {
        match self.unused().next() {
            None => Ok(()),
            Some(k) => Err(SchemaError::UnknownMember {
                at: self.at.member(k),
                member: k.clone(),
            }),
        }
    }
}

impl DatabaseSchema {
    /// Parses and validates a schema from its JSON text (an `.ovsschema` file or a `get_schema`
    /// result).
    ///
    /// # Errors
    /// [`SchemaError::Json`] with line and column if the text is not JSON; otherwise any other
    /// [`SchemaError`], located by JSON path, table and column (see [`DatabaseSchema::validate`]
    /// for the rules).
    pub fn from_json_str(text: &str) -> Result<Self, SchemaError> {
        let value: Value = serde_json::from_str(text).map_err(|e| SchemaError::Json {
            line: e.line(),
            column: e.column(),
            source: Arc::new(e),
        })?;
        Self::from_value(value)
    }

    /// Parses and validates a schema from a JSON value.
    ///
    /// # Errors
    /// As [`DatabaseSchema::from_json_str`], except that there is no JSON syntax to get wrong.
    pub fn from_value(value: Value) -> Result<Self, SchemaError> {
        let schema = parse_database(&value)?;
        schema.validate()?;
        Ok(schema)
    }
}

impl TableSchema {
    /// Parses and validates one table schema on its own (paths start at the table; `refTable`
    /// names are not resolved, and `isRoot` defaults to false).
    ///
    /// # Errors
    /// [`SchemaError`] located relative to the table object.
    pub fn from_value(value: Value) -> Result<Self, SchemaError> {
        let at = Location::root();
        let table = parse_table(&at, &value)?;
        table.validate_at(&at, None)?;
        Ok(table)
    }
}

impl ColumnSchema {
    /// Parses and validates one column schema on its own (`refTable` names are not resolved).
    ///
    /// # Errors
    /// [`SchemaError`] located relative to the column object.
    pub fn from_value(value: Value) -> Result<Self, SchemaError> {
        let at = Location::root();
        let column = parse_column(&at, &value)?;
        column.type_.validate_at(&at.member("type"), None)?;
        Ok(column)
    }
}

impl ColumnType {
    /// Parses and validates a column type (`"string"` or `{"key": ..., "min": ..., ...}`).
    ///
    /// # Errors
    /// [`SchemaError`] located relative to the type.
    pub fn from_value(value: Value) -> Result<Self, SchemaError> {
        let at = Location::root();
        let ty = parse_type(&at, &value)?;
        ty.validate_at(&at, None)?;
        Ok(ty)
    }
}

impl BaseType {
    /// Parses and validates a base type (`"integer"` or `{"type": ..., constraints}`).
    ///
    /// # Errors
    /// [`SchemaError`] located relative to the base type.
    pub fn from_value(value: Value) -> Result<Self, SchemaError> {
        let at = Location::root();
        let base = parse_base(&at, &value)?;
        base.validate_at(&at, None)?;
        Ok(base)
    }
}

fn parse_database(v: &Value) -> Result<DatabaseSchema, SchemaError> {
    let at = Location::root();
    let mut m = Members::new(&at, v)?;
    let name = match m.required("name")? {
        Value::String(s) => s.clone(),
        other => return Err(wrong_type(at.member("name"), "a string", other)),
    };
    let version = m.string("version")?.map(str::to_owned);
    let cksum = m.string("cksum")?.map(str::to_owned);
    let tables_json = m.object("tables")?;
    m.finish()?;

    let mut tables = BTreeMap::new();
    for (tname, tv) in tables_json {
        let at_t = at.member("tables").member(tname).in_table(tname);
        tables.insert(tname.clone(), parse_table(&at_t, tv)?);
    }
    // A schema without any root table predates "isRoot": every table is a root (ovsdb-server).
    if !tables.values().any(|t: &TableSchema| t.is_root) {
        for t in tables.values_mut() {
            t.is_root = true;
        }
    }
    Ok(DatabaseSchema {
        name,
        version,
        cksum,
        tables,
    })
}

fn parse_table(at: &Location, v: &Value) -> Result<TableSchema, SchemaError> {
    let mut m = Members::new(at, v)?;
    let columns_json = m.object("columns")?;
    let mutable = m.bool("mutable")?.unwrap_or(true);
    let max_rows_json = m.get("maxRows");
    let is_root = m.bool("isRoot")?.unwrap_or(false);
    let indexes_json = m.get("indexes");
    m.finish()?;

    let mut columns = BTreeMap::new();
    for (cname, cv) in columns_json {
        let at_c = at.member("columns").member(cname).in_column(cname);
        columns.insert(cname.clone(), parse_column(&at_c, cv)?);
    }

    let max_rows = match max_rows_json {
        None => None,
        Some(j) => {
            let at_m = at.member("maxRows");
            let n = json_integer(j).ok_or_else(|| wrong_type(at_m.clone(), "an integer", j))?;
            match u64::try_from(n) {
                Ok(n) if (1..=UINT_MAX).contains(&n) => Some(n),
                _ => return Err(SchemaError::InvalidMaxRows { at: at_m, value: n }),
            }
        }
    };

    let mut indexes = Vec::new();
    if let Some(j) = indexes_json {
        let at_i = at.member("indexes");
        let list = j
            .as_array()
            .ok_or_else(|| wrong_type(at_i.clone(), "an array of indexes", j))?;
        for (i, idx) in list.iter().enumerate() {
            let at_idx = at_i.index(i);
            let names = idx
                .as_array()
                .ok_or_else(|| wrong_type(at_idx.clone(), "an array of column names", idx))?;
            let mut cols = Vec::with_capacity(names.len());
            for (k, n) in names.iter().enumerate() {
                match n {
                    Value::String(s) => cols.push(s.clone()),
                    other => return Err(wrong_type(at_idx.index(k), "a column name", other)),
                }
            }
            indexes.push(cols);
        }
    }

    Ok(TableSchema {
        columns,
        max_rows,
        is_root,
        mutable,
        indexes,
    })
}

fn parse_column(at: &Location, v: &Value) -> Result<ColumnSchema, SchemaError> {
    let mut m = Members::new(at, v)?;
    let type_json = m.required("type")?;
    let ephemeral = m.bool("ephemeral")?.unwrap_or(false);
    let mutable = m.bool("mutable")?.unwrap_or(true);
    m.finish()?;
    let type_ = parse_type(&at.member("type"), type_json)?;
    // Weak references must stay mutable: deleting the target row changes them (ovsdb-server).
    let mutable =
        mutable || type_.key.is_weak_ref() || type_.value.as_ref().is_some_and(BaseType::is_weak_ref);
    Ok(ColumnSchema {
        type_,
        ephemeral,
        mutable,
    })
}

fn parse_atomic(at: &Location, v: &Value) -> Result<AtomicType, SchemaError> {
    match v {
        Value::String(s) => AtomicType::from_wire(s).ok_or_else(|| SchemaError::UnknownAtomicType {
            at: at.clone(),
            name: s.clone(),
        }),
        other => Err(wrong_type(at.clone(), "an atomic type name", other)),
    }
}

fn parse_count(at: &Location, member: &'static str, v: &Value) -> Result<u64, SchemaError> {
    json_integer(v)
        .and_then(|n| u64::try_from(n).ok())
        .filter(|n| *n < UINT_MAX)
        .ok_or_else(|| SchemaError::InvalidCount {
            at: at.member(member),
            member,
            value: v.clone(),
        })
}

fn parse_type(at: &Location, v: &Value) -> Result<ColumnType, SchemaError> {
    if let Value::String(_) = v {
        return Ok(ColumnType::scalar(BaseType::new(parse_atomic(at, v)?)));
    }
    if !v.is_object() {
        return Err(wrong_type(at.clone(), "an atomic type name or an object", v));
    }
    let mut m = Members::new(at, v)?;
    let key_json = m.required("key")?;
    let value_json = m.get("value");
    let min_json = m.get("min");
    let max_json = m.get("max");
    m.finish()?;

    let key = parse_base(&at.member("key"), key_json)?;
    let value = value_json
        .map(|j| parse_base(&at.member("value"), j))
        .transpose()?;
    let min = min_json
        .map(|j| parse_count(at, "min", j))
        .transpose()?
        .unwrap_or(1);
    let max = match max_json {
        None => Max::Limited(1),
        Some(Value::String(s)) if s == "unlimited" => Max::Unlimited,
        Some(j) => Max::Limited(parse_count(at, "max", j)?),
    };
    Ok(ColumnType { key, value, min, max })
}

fn parse_base(at: &Location, v: &Value) -> Result<BaseType, SchemaError> {
    if let Value::String(_) = v {
        return Ok(BaseType::new(parse_atomic(at, v)?));
    }
    if !v.is_object() {
        return Err(wrong_type(at.clone(), "an atomic type name or an object", v));
    }
    let mut m = Members::new(at, v)?;
    let atomic = parse_atomic(&at.member("type"), m.required("type")?)?;
    let mut base = BaseType::new(atomic);

    if let Some(e) = m.get("enum") {
        // The enum is a datum of the unconstrained base type with 1 or more elements.
        let enum_type = ColumnType::set(BaseType::new(atomic), 1, Max::Unlimited);
        match enum_type.datum_from_json_with(e, NamedUuids::Rejected) {
            Ok(Datum::Set(set)) => base.enum_ = Some(set),
            Ok(map @ Datum::Map(_)) => {
                let problem = super::error::Violation::SetExpected { found: map };
                return Err(SchemaError::InvalidEnum {
                    at: at.member("enum"),
                    problem: Box::new(problem.into()),
                });
            }
            Err(problem) => {
                return Err(SchemaError::InvalidEnum {
                    at: at.member("enum"),
                    problem: Box::new(problem),
                });
            }
        }
    } else {
        match atomic {
            AtomicType::Integer => {
                let int = |m: &mut Members<'_>, name: &'static str| -> Result<Option<i64>, SchemaError> {
                    match m.get(name) {
                        None => Ok(None),
                        Some(j) => json_integer(j)
                            .and_then(|n| i64::try_from(n).ok())
                            .map(Some)
                            .ok_or_else(|| wrong_type(at.member(name), "a 64-bit integer", j)),
                    }
                };
                base.min_integer = int(&mut m, "minInteger")?.filter(|v| *v != i64::MIN);
                base.max_integer = int(&mut m, "maxInteger")?.filter(|v| *v != i64::MAX);
            }
            AtomicType::Real => {
                let real = |m: &mut Members<'_>, name: &'static str| -> Result<Option<f64>, SchemaError> {
                    match m.get(name) {
                        None => Ok(None),
                        Some(j) => j
                            .as_f64()
                            .map(Some)
                            .ok_or_else(|| wrong_type(at.member(name), "a number", j)),
                    }
                };
                base.min_real = real(&mut m, "minReal")?.filter(|v| *v != -f64::MAX);
                base.max_real = real(&mut m, "maxReal")?.filter(|v| *v != f64::MAX);
            }
            AtomicType::String => {
                let len = |m: &mut Members<'_>, name: &'static str| -> Result<Option<u64>, SchemaError> {
                    match m.get(name) {
                        None => Ok(None),
                        Some(j) => {
                            let n = json_integer(j)
                                .ok_or_else(|| wrong_type(at.member(name), "an integer", j))?;
                            match u64::try_from(n) {
                                Ok(n) if n <= UINT_MAX => Ok(Some(n)),
                                _ => Err(SchemaError::LengthOutOfRange {
                                    at: at.member(name),
                                    value: j.clone(),
                                }),
                            }
                        }
                    }
                };
                base.min_length = len(&mut m, "minLength")?.filter(|v| *v != 0);
                base.max_length = len(&mut m, "maxLength")?.filter(|v| *v != UINT_MAX);
            }
            AtomicType::Uuid => {
                if let Some(t) = m.string("refTable")? {
                    base.ref_table = Some(t.to_owned());
                    base.ref_type = match m.string("refType")? {
                        None | Some("strong") => RefType::Strong,
                        Some("weak") => RefType::Weak,
                        Some(other) => {
                            return Err(SchemaError::InvalidRefType {
                                at: at.member("refType"),
                                value: other.to_owned(),
                            });
                        }
                    };
                }
            }
            AtomicType::Boolean => {}
        }
    }

    // Say precisely why a leftover constraint member is not allowed here.
    if let Some(k) = m.unused().next() {
        let at_k = at.member(k);
        if let Some((_, owner)) = CONSTRAINTS.iter().find(|(name, _)| name == k) {
            return Err(if base.enum_.is_some() && *owner == atomic {
                SchemaError::ConstraintWithEnum {
                    at: at_k,
                    member: k.clone(),
                }
            } else if k == "refType" && atomic == AtomicType::Uuid {
                SchemaError::RefTypeWithoutRefTable { at: at_k }
            } else {
                SchemaError::ConstraintMismatch {
                    at: at_k,
                    member: k.clone(),
                    atomic_type: atomic,
                }
            });
        }
    }
    m.finish()?;
    Ok(base)
}
