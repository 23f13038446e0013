//! Semantic validation of schemas, as `ovsdb-tool create` (Open vSwitch 3.1) does it.

use std::collections::BTreeMap;

use crate::data::{AtomicType, Datum, is_id};

use super::check::NamedUuids;
use super::error::{AtomRole, Location, NameKind, SchemaError, Violation};
use super::parse::{UINT_MAX, parse_version};
use super::{BaseType, ColumnType, DatabaseSchema, Max, RefType, TableSchema};

/// Checks a table or column name: not beginning with `_`, and an `<id>`.
fn check_name(at: &Location, kind: NameKind, name: &str) -> Result<(), SchemaError> {
    if name.starts_with('_') {
        return Err(SchemaError::ReservedName {
            at: at.clone(),
            kind,
            name: name.to_owned(),
        });
    }
    if !is_id(name) {
        return Err(SchemaError::InvalidName {
            at: at.clone(),
            kind,
            name: name.to_owned(),
        });
    }
    Ok(())
}

impl DatabaseSchema {
    /// Checks every rule of a database schema; the parsers call this, so it matters only for
    /// schemas built or changed in code.
    ///
    /// The rules (RFC 7047 §3.2 and `ovsdb-tool create` of Open vSwitch 3.1):
    /// - the database name is an `<id>` (it may begin with `_`, as `_Server` does);
    ///   `version`, when present, is `x.y.z`;
    /// - table and column names are `<id>`s that do not begin with `_`;
    /// - every table has at least one column; `maxRows` is 1 to 4294967295;
    /// - a column type has `min` 0 or 1, `max` at least 1 and at least `min`, and below
    ///   4294967295;
    /// - constraints match their atomic type; `enum` excludes other constraints and is a non-empty
    ///   set of atoms of the type; lower bounds do not exceed upper bounds; lengths are at most
    ///   4294967295; `refType` weak only with `refTable`; `refTable` names a table of the schema;
    /// - index columns exist (`_uuid` counts), appear once per index, and are not ephemeral
    ///   (`_version` is ephemeral); an index has at least one column.
    ///
    /// # Errors
    /// The first broken rule, as a [`SchemaError`] with its location.
    pub fn validate(&self) -> Result<(), SchemaError> {
        let at = Location::root();
        if !is_id(&self.name) {
            return Err(SchemaError::InvalidName {
                at: at.member("name"),
                kind: NameKind::Database,
                name: self.name.clone(),
            });
        }
        if let Some(v) = self.version.as_ref().filter(|v| parse_version(v).is_none()) {
            return Err(SchemaError::InvalidVersion {
                at: at.member("version"),
                version: v.clone(),
            });
        }
        for (tname, table) in &self.tables {
            let at_t = at.member("tables").member(tname).in_table(tname);
            check_name(&at_t, NameKind::Table, tname)?;
            table.validate_at(&at_t, Some(&self.tables))?;
        }
        Ok(())
    }
}

impl TableSchema {
    /// Checks the rules of [`DatabaseSchema::validate`] that concern one table, except that
    /// `refTable` names are not resolved (there is no database to resolve them in).
    ///
    /// # Errors
    /// The first broken rule, located relative to the table.
    pub fn validate(&self) -> Result<(), SchemaError> {
        self.validate_at(&Location::root(), None)
    }

    pub(super) fn validate_at(
        &self,
        at: &Location,
        tables: Option<&BTreeMap<String, TableSchema>>,
    ) -> Result<(), SchemaError> {
        if self.columns.is_empty() {
            return Err(SchemaError::NoColumns {
                at: at.member("columns"),
            });
        }
        for (cname, column) in &self.columns {
            let at_c = at.member("columns").member(cname).in_column(cname);
            check_name(&at_c, NameKind::Column, cname)?;
            column.type_.validate_at(&at_c.member("type"), tables)?;
        }
        if let Some(n) = self.max_rows.filter(|n| !(1..=UINT_MAX).contains(n)) {
            return Err(SchemaError::InvalidMaxRows {
                at: at.member("maxRows"),
                value: i128::from(n),
            });
        }
        for (i, index) in self.indexes.iter().enumerate() {
            let at_i = at.member("indexes").index(i);
            if index.is_empty() {
                return Err(SchemaError::EmptyIndex { at: at_i });
            }
            for (k, name) in index.iter().enumerate() {
                let at_k = at_i.index(k);
                let Some(column) = self.column(name) else {
                    return Err(SchemaError::IndexUnknownColumn {
                        at: at_k,
                        name: name.clone(),
                    });
                };
                if index[..k].contains(name) {
                    return Err(SchemaError::IndexDuplicateColumn {
                        at: at_k,
                        name: name.clone(),
                    });
                }
                if column.ephemeral {
                    return Err(SchemaError::IndexEphemeralColumn {
                        at: at_k,
                        name: name.clone(),
                    });
                }
            }
        }
        Ok(())
    }
}

impl ColumnType {
    /// Checks the rules of [`DatabaseSchema::validate`] that concern one column type (counts and
    /// base types), except that `refTable` names are not resolved.
    ///
    /// # Errors
    /// The first broken rule, located relative to the type.
    pub fn validate(&self) -> Result<(), SchemaError> {
        self.validate_at(&Location::root(), None)
    }

    pub(super) fn validate_at(
        &self,
        at: &Location,
        tables: Option<&BTreeMap<String, TableSchema>>,
    ) -> Result<(), SchemaError> {
        self.key.validate_at(&at.member("key"), tables)?;
        if let Some(v) = &self.value {
            v.validate_at(&at.member("value"), tables)?;
        }
        if let Some(n) = self.max.limit().filter(|n| *n >= UINT_MAX) {
            return Err(SchemaError::InvalidCount {
                at: at.member("max"),
                member: "max",
                value: n.into(),
            });
        }
        if self.min > 1 || !self.max.allows(self.min) || self.max == Max::Limited(0) {
            return Err(SchemaError::InvalidCountRange {
                at: at.clone(),
                min: self.min,
                max: self.max,
            });
        }
        Ok(())
    }
}

impl BaseType {
    /// Checks the rules of [`DatabaseSchema::validate`] that concern one base type, except that
    /// `refTable` names are not resolved.
    ///
    /// # Errors
    /// The first broken rule, located relative to the base type.
    pub fn validate(&self) -> Result<(), SchemaError> {
        self.validate_at(&Location::root(), None)
    }

    pub(super) fn validate_at(
        &self,
        at: &Location,
        tables: Option<&BTreeMap<String, TableSchema>>,
    ) -> Result<(), SchemaError> {
        let set: [(&str, bool, AtomicType); 7] = [
            ("minInteger", self.min_integer.is_some(), AtomicType::Integer),
            ("maxInteger", self.max_integer.is_some(), AtomicType::Integer),
            ("minReal", self.min_real.is_some(), AtomicType::Real),
            ("maxReal", self.max_real.is_some(), AtomicType::Real),
            ("minLength", self.min_length.is_some(), AtomicType::String),
            ("maxLength", self.max_length.is_some(), AtomicType::String),
            ("refTable", self.ref_table.is_some(), AtomicType::Uuid),
        ];
        for (member, present, owner) in set {
            if !present {
                continue;
            }
            if owner != self.atomic {
                return Err(SchemaError::ConstraintMismatch {
                    at: at.member(member),
                    member: member.to_owned(),
                    atomic_type: self.atomic,
                });
            }
            if self.enum_.is_some() {
                return Err(SchemaError::ConstraintWithEnum {
                    at: at.member(member),
                    member: member.to_owned(),
                });
            }
        }
        if self.ref_type == RefType::Weak && self.ref_table.is_none() {
            return Err(SchemaError::RefTypeWithoutRefTable {
                at: at.member("refType"),
            });
        }
        if let (Some(lo), Some(hi)) = (self.min_integer, self.max_integer) {
            if lo > hi {
                return Err(reversed(at, "minInteger", lo, "maxInteger", hi));
            }
        }
        if let (Some(lo), Some(hi)) = (self.min_real, self.max_real) {
            if lo > hi {
                return Err(reversed(at, "minReal", lo, "maxReal", hi));
            }
        }
        for (member, len) in [("minLength", self.min_length), ("maxLength", self.max_length)] {
            if let Some(n) = len.filter(|n| *n > UINT_MAX) {
                return Err(SchemaError::LengthOutOfRange {
                    at: at.member(member),
                    value: n.into(),
                });
            }
        }
        if let (Some(lo), Some(hi)) = (self.min_length, self.max_length) {
            if lo > hi {
                return Err(reversed(at, "minLength", lo, "maxLength", hi));
            }
        }
        if let Some(t) = &self.ref_table {
            let at_r = at.member("refTable");
            if !is_id(t) {
                return Err(SchemaError::InvalidName {
                    at: at_r,
                    kind: NameKind::Table,
                    name: t.clone(),
                });
            }
            if tables.is_some_and(|tables| !tables.contains_key(t)) {
                return Err(SchemaError::UnknownRefTable {
                    at: at_r,
                    ref_table: t.clone(),
                });
            }
        }
        if let Some(values) = &self.enum_ {
            let at_e = at.member("enum");
            let plain = BaseType::new(self.atomic);
            if values.is_empty() {
                let problem = Violation::ElementCount {
                    found: Datum::empty_set(),
                    count: 0,
                    min: 1,
                    max: Max::Unlimited,
                };
                return Err(SchemaError::InvalidEnum {
                    at: at_e,
                    problem: Box::new(problem.into()),
                });
            }
            for a in values {
                match plain.coerce_atom(a, AtomRole::Key, NamedUuids::Rejected) {
                    Ok(c) if *c == *a => {}
                    // An atom that is not in canonical form for the type (an integer in a real
                    // enum) would never compare equal to a checked value.
                    Ok(_) => {
                        let problem = Violation::WrongAtomicType {
                            role: AtomRole::Key,
                            expected: self.atomic,
                            found: a.clone(),
                        };
                        return Err(SchemaError::InvalidEnum {
                            at: at_e,
                            problem: Box::new(problem.into()),
                        });
                    }
                    Err(problem) => {
                        return Err(SchemaError::InvalidEnum {
                            at: at_e,
                            problem: Box::new(problem.into()),
                        });
                    }
                }
            }
        }
        Ok(())
    }
}

fn reversed<T: std::fmt::Display>(
    at: &Location,
    lower: &'static str,
    lo: T,
    upper: &'static str,
    hi: T,
) -> SchemaError {
    SchemaError::BoundsReversed {
        at: at.member(lower),
        lower,
        lower_value: lo.to_string(),
        upper,
        upper_value: hi.to_string(),
    }
}
