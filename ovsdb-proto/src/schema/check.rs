//! Checking and decoding data against column types, as ovsdb-server does on input (RFC 7047
//! §5.1 and §3.2 constraints), and default values of new rows.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::data::{Atom, AtomicType, Datum, Real, Row};

use super::error::{AtomRole, DatumCheckError, Violation};
use super::{BaseType, ColumnType, DatabaseSchema, TableSchema};

/// Whether named-uuids (`["named-uuid", "row1"]`) may stand for uuids.
///
/// In a transaction (RFC 7047 §5.2 `insert`, `update`, `mutate`, `where`) they name rows inserted
/// earlier in it, and ovsdb-server accepts them in any uuid column. Anywhere else (data read back
/// from a server, enums in a schema) only real UUIDs can appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NamedUuids {
    /// Accept named-uuids (transaction input).
    #[default]
    Allowed,
    /// Reject them with [`Violation::NamedUuidNotAllowed`].
    Rejected,
}

/// A real atom; `v` must be finite (callers pass constants or checked values).
pub(super) fn real_atom(v: f64) -> Atom {
    match Real::new(v) {
        Some(r) => Atom::Real(r),
        // Unreachable for finite input; an integer keeps this panic-free.
        None => Atom::Integer(0),
    }
}

/// `v` as an `i64` if it is integral and in range (ovsdb-server's JSON lexer reads `3.0` and
/// `1e2` as integers).
fn integral(v: f64) -> Option<i64> {
    // -2^63 is exact as an f64, 2^63 too; the range is half-open.
    (v.fract() == 0.0 && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&v))
        .then_some(v as i64)
}

impl BaseType {
    /// Checks one atom against this base type and returns it in canonical form.
    ///
    /// Accepted as ovsdb-server accepts them on the wire: an integer atom for a real (widened),
    /// an integral real in the 64-bit range for an integer (narrowed; ovsdb-server's JSON lexer
    /// reads `3.0` as 3), a named-uuid for a uuid when `named` allows. Then the constraints:
    /// `enum`, integer and real bounds, string length in characters.
    ///
    /// # Errors
    /// The [`Violation`] with the offending atom.
    pub fn coerce_atom<'a>(
        &self,
        atom: &'a Atom,
        role: AtomRole,
        named: NamedUuids,
    ) -> Result<Cow<'a, Atom>, Violation> {
        let wrong = || Violation::WrongAtomicType {
            role,
            expected: self.atomic,
            found: atom.clone(),
        };
        let canonical: Cow<'a, Atom> = match (self.atomic, atom) {
            (AtomicType::Integer, Atom::Integer(_))
            | (AtomicType::Real, Atom::Real(_))
            | (AtomicType::Boolean, Atom::Boolean(_))
            | (AtomicType::String, Atom::String(_))
            | (AtomicType::Uuid, Atom::Uuid(_)) => Cow::Borrowed(atom),
            (AtomicType::Uuid, Atom::NamedUuid(n)) => match named {
                NamedUuids::Allowed => Cow::Borrowed(atom),
                NamedUuids::Rejected => {
                    return Err(Violation::NamedUuidNotAllowed {
                        role,
                        found: n.clone(),
                    });
                }
            },
            (AtomicType::Integer, Atom::Real(r)) => {
                Cow::Owned(Atom::Integer(integral(r.get()).ok_or_else(wrong)?))
            }
            (AtomicType::Real, Atom::Integer(i)) => Cow::Owned(real_atom(*i as f64)),
            _ => return Err(wrong()),
        };
        self.check_constraints(&canonical, role)?;
        Ok(canonical)
    }

    /// Checks the constraints of this base type on an atom already of its atomic type.
    fn check_constraints(&self, atom: &Atom, role: AtomRole) -> Result<(), Violation> {
        if let Some(allowed) = &self.enum_ {
            // A named-uuid stands for a row not yet known, so it cannot be checked here.
            if !matches!(atom, Atom::NamedUuid(_)) && !allowed.contains(atom) {
                return Err(Violation::NotInEnum {
                    role,
                    found: atom.clone(),
                    allowed: allowed.clone(),
                });
            }
        }
        match atom {
            Atom::Integer(i) => {
                let (min, max) = (self.min_integer, self.max_integer);
                if min.is_some_and(|lo| *i < lo) || max.is_some_and(|hi| *i > hi) {
                    return Err(Violation::IntegerOutOfRange {
                        role,
                        found: *i,
                        min,
                        max,
                    });
                }
            }
            Atom::Real(r) => {
                let (v, min, max) = (r.get(), self.min_real, self.max_real);
                if min.is_some_and(|lo| v < lo) || max.is_some_and(|hi| v > hi) {
                    return Err(Violation::RealOutOfRange {
                        role,
                        found: v,
                        min,
                        max,
                    });
                }
            }
            Atom::String(s) => {
                let (min, max) = (self.min_length, self.max_length);
                if min.is_some() || max.is_some() {
                    let length = s.chars().count() as u64;
                    if min.is_some_and(|lo| length < lo) || max.is_some_and(|hi| length > hi) {
                        return Err(Violation::StringLength {
                            role,
                            found: s.clone(),
                            length,
                            min,
                            max,
                        });
                    }
                }
            }
            Atom::Boolean(_) | Atom::Uuid(_) | Atom::NamedUuid(_) => {}
        }
        Ok(())
    }

    /// Decodes one atom of this type from JSON and checks it (see [`BaseType::coerce_atom`]).
    fn atom_from_json(&self, v: &Value, role: AtomRole, named: NamedUuids) -> Result<Atom, Violation> {
        let syntax = || Violation::Syntax {
            found: v.clone(),
            expected: format!("{} atom", article(self.atomic)),
        };
        let atom = match (self.atomic, v) {
            (AtomicType::Integer, Value::Number(n)) => Atom::Integer(
                n.as_i64()
                    .or_else(|| n.as_f64().and_then(integral))
                    .ok_or_else(syntax)?,
            ),
            (AtomicType::Real, Value::Number(n)) => n.as_f64().and_then(Atom::real).ok_or_else(syntax)?,
            _ => serde_json::from_value::<Atom>(v.clone()).map_err(|_| syntax())?,
        };
        Ok(self.coerce_atom(&atom, role, named)?.into_owned())
    }
}

fn article(t: AtomicType) -> &'static str {
    match t {
        AtomicType::Integer => "an integer",
        AtomicType::Real => "a real",
        AtomicType::Boolean => "a boolean",
        AtomicType::String => "a string",
        AtomicType::Uuid => "a uuid",
    }
}

impl ColumnType {
    /// Checks a datum as ovsdb-server checks column values in a transaction: set or map as the
    /// type says, `min` to `max` elements, every atom of the right atomic type and within the
    /// constraints. Named-uuids are accepted (see [`ColumnType::check_with`]).
    ///
    /// Referential integrity (whether a uuid names an existing row) is not checked; it needs the
    /// database.
    ///
    /// # Errors
    /// [`DatumCheckError`] (without table or column) carrying the [`Violation`] and the
    /// offending value.
    pub fn check(&self, datum: &Datum) -> Result<(), DatumCheckError> {
        self.check_with(datum, NamedUuids::Allowed)
    }

    /// [`ColumnType::check`] with a choice about named-uuids.
    ///
    /// # Errors
    /// As [`ColumnType::check`].
    pub fn check_with(&self, datum: &Datum, named: NamedUuids) -> Result<(), DatumCheckError> {
        self.coerce_ref(datum, named)
            .map(|_| ())
            .map_err(DatumCheckError::new)
    }

    /// Checks a datum and returns it in canonical form for this type: integers widened to reals
    /// in real columns, integral reals narrowed to integers in integer columns.
    ///
    /// # Errors
    /// As [`ColumnType::check`]; also [`Violation::DuplicateElement`] or
    /// [`Violation::DuplicateKey`] when two atoms become equal (`1` and `1.0` in a real set).
    pub fn coerce(&self, datum: Datum, named: NamedUuids) -> Result<Datum, DatumCheckError> {
        match self.coerce_ref(&datum, named).map_err(DatumCheckError::new)? {
            Cow::Borrowed(_) => Ok(datum),
            Cow::Owned(d) => Ok(d),
        }
    }

    fn coerce_ref<'a>(&self, datum: &'a Datum, named: NamedUuids) -> Result<Cow<'a, Datum>, Violation> {
        match (&self.value, datum) {
            (None, Datum::Map(_)) => return Err(Violation::SetExpected { found: datum.clone() }),
            (Some(_), Datum::Set(_)) => return Err(Violation::MapExpected { found: datum.clone() }),
            _ => {}
        }
        let count = datum.len();
        if (count as u64) < self.min || !self.max.allows(count as u64) {
            return Err(Violation::ElementCount {
                found: datum.clone(),
                count,
                min: self.min,
                max: self.max,
            });
        }
        match datum {
            Datum::Set(set) => {
                let mut changed = false;
                let mut atoms = Vec::with_capacity(set.len());
                for a in set {
                    let c = self.key.coerce_atom(a, AtomRole::Key, named)?;
                    changed |= matches!(c, Cow::Owned(_));
                    atoms.push(c);
                }
                if !changed {
                    return Ok(Cow::Borrowed(datum));
                }
                let mut out = BTreeSet::new();
                for a in atoms {
                    let a = a.into_owned();
                    if out.contains(&a) {
                        return Err(Violation::DuplicateElement { found: a });
                    }
                    out.insert(a);
                }
                Ok(Cow::Owned(Datum::Set(out)))
            }
            Datum::Map(map) => {
                // `self.value` is Some here (checked above); fall back to the key type to stay total.
                let value_type = self.value.as_ref().unwrap_or(&self.key);
                let mut changed = false;
                let mut pairs = Vec::with_capacity(map.len());
                for (k, v) in map {
                    let ck = self.key.coerce_atom(k, AtomRole::Key, named)?;
                    let cv = value_type.coerce_atom(v, AtomRole::Value, named)?;
                    changed |= matches!(ck, Cow::Owned(_)) || matches!(cv, Cow::Owned(_));
                    pairs.push((ck, cv));
                }
                if !changed {
                    return Ok(Cow::Borrowed(datum));
                }
                let mut out = BTreeMap::new();
                for (k, v) in pairs {
                    let k = k.into_owned();
                    if out.contains_key(&k) {
                        return Err(Violation::DuplicateKey { found: k });
                    }
                    out.insert(k, v.into_owned());
                }
                Ok(Cow::Owned(Datum::Map(out)))
            }
        }
    }

    /// Decodes a datum from JSON the way ovsdb-server does for a column of this type, and checks
    /// it; named-uuids are accepted (see [`ColumnType::datum_from_json_with`]).
    ///
    /// What the untyped `Datum` decoding cannot do: integers become reals in real columns, integral
    /// reals integers in integer columns, and the shape follows the type. A map column takes only
    /// `["map", [[k, v], ...]]`: ovsdb-server 3.1 rejects `["set", []]` there (`expected
    /// ["map", <array>]`), and so does this. A set column takes `["set", [...]]` or a bare atom.
    /// The result is canonical (sorted, typed), so it compares equal to what a server sends back.
    ///
    /// # Errors
    /// [`DatumCheckError`] with [`Violation::Syntax`] for JSON of the wrong shape,
    /// [`Violation::MapExpected`] / [`Violation::SetExpected`] for a well-formed value of the other
    /// kind, duplicates, and everything [`ColumnType::check`] reports.
    pub fn datum_from_json(&self, json: &Value) -> Result<Datum, DatumCheckError> {
        self.datum_from_json_with(json, NamedUuids::Allowed)
    }

    /// [`ColumnType::datum_from_json`] with a choice about named-uuids.
    ///
    /// # Errors
    /// As [`ColumnType::datum_from_json`].
    pub fn datum_from_json_with(&self, json: &Value, named: NamedUuids) -> Result<Datum, DatumCheckError> {
        self.decode(json, named).map_err(DatumCheckError::new)
    }

    fn decode(&self, json: &Value, named: NamedUuids) -> Result<Datum, Violation> {
        let tagged = |tag: &str| -> Option<&Vec<Value>> {
            match json {
                Value::Array(a) if a.len() == 2 && a[0].as_str() == Some(tag) => a[1].as_array(),
                _ => None,
            }
        };
        let datum = if let Some(value_type) = &self.value {
            let Some(pairs) = tagged("map") else {
                return Err(match serde_json::from_value::<Datum>(json.clone()) {
                    Ok(found @ Datum::Set(_)) => Violation::MapExpected { found },
                    _ => Violation::Syntax {
                        found: json.clone(),
                        expected: "[\"map\", <array of [key, value] pairs>]".into(),
                    },
                });
            };
            let mut out = BTreeMap::new();
            for pair in pairs {
                let (k, v) = match pair.as_array().map(Vec::as_slice) {
                    Some([k, v]) => (k, v),
                    _ => {
                        return Err(Violation::Syntax {
                            found: pair.clone(),
                            expected: "a [key, value] pair".into(),
                        });
                    }
                };
                let k = self.key.atom_from_json(k, AtomRole::Key, named)?;
                let v = value_type.atom_from_json(v, AtomRole::Value, named)?;
                if out.contains_key(&k) {
                    return Err(Violation::DuplicateKey { found: k });
                }
                out.insert(k, v);
            }
            Datum::Map(out)
        } else if let Some(elems) = tagged("set") {
            let mut out = BTreeSet::new();
            for e in elems {
                let a = self.key.atom_from_json(e, AtomRole::Key, named)?;
                if out.contains(&a) {
                    return Err(Violation::DuplicateElement { found: a });
                }
                out.insert(a);
            }
            Datum::Set(out)
        } else {
            match self.key.atom_from_json(json, AtomRole::Key, named) {
                Ok(a) => Datum::scalar(a),
                Err(Violation::Syntax { .. }) if tagged("map").is_some() => {
                    return Err(match serde_json::from_value::<Datum>(json.clone()) {
                        Ok(found) => Violation::SetExpected { found },
                        Err(_) => Violation::Syntax {
                            found: json.clone(),
                            expected: "a set or an atom".into(),
                        },
                    });
                }
                Err(e) => return Err(e),
            }
        };
        let count = datum.len();
        if (count as u64) < self.min || !self.max.allows(count as u64) {
            return Err(Violation::ElementCount {
                found: datum,
                count,
                min: self.min,
                max: self.max,
            });
        }
        Ok(datum)
    }

    /// The value ovsdb-server gives this column in a new row that does not set it: empty when
    /// `min` is 0, else one [`BaseType::default_atom`] (for a map, default key to default value).
    ///
    /// Checked against ovsdb-server 3.1 by inserting rows that set nothing and selecting them:
    /// `0`, `0` (a real), `false`, `""`, `["uuid","00000000-0000-0000-0000-000000000000"]`,
    /// `["set",[]]`, `["map",[]]`. Constraints are not consulted: for a column whose enum or
    /// bounds exclude the default atom (OVN_Northbound `ACL.action`) the server rejects such an
    /// insert with a constraint violation, and [`ColumnType::check`] rejects this datum likewise.
    pub fn default_datum(&self) -> Datum {
        if self.min == 0 {
            return if self.value.is_some() {
                Datum::empty_map()
            } else {
                Datum::empty_set()
            };
        }
        match &self.value {
            Some(v) => Datum::Map(BTreeMap::from([(self.key.default_atom(), v.default_atom())])),
            None => Datum::scalar(self.key.default_atom()),
        }
    }

    /// Whether [`ColumnType::default_datum`] satisfies this type's constraints (false when an
    /// enum or bound excludes `0`, `0.0`, `false` or `""`), i.e. whether ovsdb-server accepts a
    /// new row that leaves this column unset.
    pub fn default_is_valid(&self) -> bool {
        self.check(&self.default_datum()).is_ok()
    }
}

impl TableSchema {
    /// Checks every column of `row` against this table (`table_name` is for the error):
    /// each column must exist (`_uuid` and `_version` do) and its datum pass
    /// [`ColumnType::check`]. Columns the row leaves out are not required (an `insert` fills in
    /// defaults, an `update` changes only what it names). Named-uuids are accepted.
    ///
    /// # Errors
    /// The first failing column as a [`DatumCheckError`] naming `table_name` and the column.
    pub fn check_row(&self, table_name: &str, row: &Row) -> Result<(), DatumCheckError> {
        self.check_row_with(table_name, row, NamedUuids::Allowed)
    }

    /// [`TableSchema::check_row`] with a choice about named-uuids.
    ///
    /// # Errors
    /// As [`TableSchema::check_row`].
    pub fn check_row_with(
        &self,
        table_name: &str,
        row: &Row,
        named: NamedUuids,
    ) -> Result<(), DatumCheckError> {
        for (column, datum) in row.iter() {
            let Some(schema) = self.column(column) else {
                return Err(DatumCheckError::new(Violation::UnknownColumn).at(table_name, column));
            };
            schema
                .type_
                .check_with(datum, named)
                .map_err(|e| e.at(table_name, column))?;
        }
        Ok(())
    }
}

impl DatabaseSchema {
    /// Checks `datum` against column `column` of table `table` (see [`ColumnType::check`]);
    /// named-uuids are accepted.
    ///
    /// # Errors
    /// [`DatumCheckError`] naming the table and column: [`Violation::UnknownTable`],
    /// [`Violation::UnknownColumn`], or what the column type rejected.
    pub fn check_datum(&self, table: &str, column: &str, datum: &Datum) -> Result<(), DatumCheckError> {
        self.check_datum_with(table, column, datum, NamedUuids::Allowed)
    }

    /// [`DatabaseSchema::check_datum`] with a choice about named-uuids.
    ///
    /// # Errors
    /// As [`DatabaseSchema::check_datum`].
    pub fn check_datum_with(
        &self,
        table: &str,
        column: &str,
        datum: &Datum,
        named: NamedUuids,
    ) -> Result<(), DatumCheckError> {
        let t = self
            .tables
            .get(table)
            .ok_or_else(|| DatumCheckError::new(Violation::UnknownTable).at(table, column))?;
        let c = t
            .column(column)
            .ok_or_else(|| DatumCheckError::new(Violation::UnknownColumn).at(table, column))?;
        c.type_.check_with(datum, named).map_err(|e| e.at(table, column))
    }

    /// Checks a row against table `table` (see [`TableSchema::check_row`]).
    ///
    /// # Errors
    /// [`Violation::UnknownTable`], or what [`TableSchema::check_row`] reports.
    pub fn check_row(&self, table: &str, row: &Row) -> Result<(), DatumCheckError> {
        match self.tables.get(table) {
            Some(t) => t.check_row(table, row),
            None => {
                let mut e = DatumCheckError::new(Violation::UnknownTable);
                e.table = Some(table.to_owned());
                Err(e)
            }
        }
    }
}
