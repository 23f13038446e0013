//! Conversions between Rust values and the RFC 7047 §5.1 data notation, as used by generated code.
//!
//! Two levels:
//! - [`FromAtom`] / [`IntoAtom`] for the types that stand for one atom: `i64` (integer), [`Real`]
//!   (real), `bool` (boolean), `String` and [`SmolStr`] (string; generated rows use the latter), [`Uuid`] (uuid), [`Ref<T>`](crate::Ref) (uuid
//!   with `refTable`) and the generated enums.
//! - [`FromDatum`] / [`IntoDatum`] for column values: every atom type is a scalar column
//!   (`min` 1, `max` 1), `Option<A>` an optional one (`min` 0, `max` 1), [`Set<A>`](super::Set)
//!   (what generated code uses) or `BTreeSet<A>` a set, and [`Map<K, V>`](super::Map) or
//!   `BTreeMap<K, V>` a map.
//!
//! [`FromDatum::apply_diff`] applies an `update2` `modify` diff to a value in place, with the
//! semantics of ovsdb-server(7) §4.1.14 "Update2 notification": a scalar column carries its new
//! value; an optional or set column the symmetric difference between old and new; a map column the
//! pairs added or removed, plus the new value of each changed key.

use std::collections::{BTreeMap, BTreeSet};

use smol_str::SmolStr;

use super::atom::{Atom, AtomicType, NamedUuid, Real, Uuid};
use super::datum::Datum;

/// A datum that does not fit the Rust type it is decoded into.
///
/// Generated code wraps it in [`RowError`](crate::RowError), which adds the table and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DatumError {
    /// An atom of the wrong type, e.g. a string where the column holds integers.
    #[error("expected {expected} atom, found {found}")]
    AtomType {
        /// The column's atomic type.
        expected: AtomicType,
        /// The type of the atom received.
        found: AtomicType,
    },
    /// A named-uuid where only a row UUID can appear (a value read back from the server).
    #[error("expected a row UUID, found named-uuid {0}")]
    NamedUuid(NamedUuid),
    /// A set with a number of elements the Rust type cannot hold (a scalar needs exactly one, an
    /// optional at most one).
    #[error("expected {min} to {max} elements, found {found}")]
    Count {
        /// Least number of elements accepted.
        min: u64,
        /// Greatest number of elements accepted.
        max: u64,
        /// Number received (for a diff: the number the value would have after applying it).
        found: usize,
    },
    /// A map where a set (or scalar) was expected.
    #[error("expected a set or scalar, found a map")]
    ExpectedSet,
    /// A set (or scalar) where a map was expected; an empty set is accepted as an empty map.
    #[error("expected a map, found a set")]
    ExpectedMap,
}

/// A Rust type that stands for one atom of a fixed atomic type (RFC 7047 §5.1 `<atom>`).
pub trait FromAtom: Sized {
    /// The atomic type this Rust type decodes from.
    const ATOMIC_TYPE: AtomicType;

    /// Decodes one atom.
    ///
    /// # Errors
    /// [`DatumError::AtomType`] when the atom has another type (an integer atom is accepted for a
    /// real, because ovsdb-server prints integral reals without a fraction);
    /// [`DatumError::NamedUuid`] for a named-uuid where only a UUID can appear.
    fn from_atom(atom: &Atom) -> Result<Self, DatumError>;

    /// Decodes a string atom given as its text (what a JSON decoder holds, before any
    /// [`Atom`] is built). The default builds the [`Atom::String`]; the string types decode
    /// the text directly.
    ///
    /// # Errors
    /// As [`FromAtom::from_atom`] for that atom.
    fn from_str_atom(s: &str) -> Result<Self, DatumError> {
        Self::from_atom(&Atom::String(s.to_owned()))
    }
}

/// A Rust value that encodes as one atom.
pub trait IntoAtom {
    /// Encodes by reference (cloning strings).
    fn to_atom(&self) -> Atom;

    /// Encodes by value (moving strings).
    fn into_atom(self) -> Atom
    where
        Self: Sized,
    {
        self.to_atom()
    }
}

/// A Rust type that stands for a column value (RFC 7047 §5.1 `<value>`).
pub trait FromDatum: Sized {
    /// Decodes a full column value.
    ///
    /// # Errors
    /// [`DatumError`] naming the mismatch (wrong atom type, wrong number of elements, set where a
    /// map was expected or the reverse).
    fn from_datum(datum: &Datum) -> Result<Self, DatumError>;

    /// Applies an `update2` `modify` diff for this column (ovsdb-server(7) §4.1.14).
    ///
    /// The default replaces the value, which is the rule for scalar and optional columns; set and
    /// map types override it.
    ///
    /// # Errors
    /// As [`FromDatum::from_datum`]. On error `self` is unchanged.
    fn apply_diff(&mut self, diff: &Datum) -> Result<(), DatumError> {
        *self = Self::from_datum(diff)?;
        Ok(())
    }

    /// Decodes a full column value straight from its JSON form (RFC 7047 §5.1 `<value>`), as
    /// [`Datum`]'s deserialization followed by [`FromDatum::from_datum`] does, without building
    /// the [`Datum`] (scalars, optionals, [`Set`](super::Set) and [`Map`](super::Map) override
    /// this default, which goes through a [`Datum`]).
    ///
    /// # Errors
    /// The deserializer's error: less precise than [`DatumError`]; a value whose set elements
    /// or map keys repeat may be refused here (see [`json`](super::json)). Decode through a
    /// [`Datum`] to learn exactly what is wrong.
    fn from_json<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        super::json::through_datum(d)
    }
}

/// A Rust value that encodes as a column value.
pub trait IntoDatum {
    /// Encodes by reference (cloning strings).
    fn to_datum(&self) -> Datum;

    /// Encodes by value (moving strings).
    fn into_datum(self) -> Datum
    where
        Self: Sized,
    {
        self.to_datum()
    }
}

fn atom_type_error(expected: AtomicType, found: &Atom) -> DatumError {
    DatumError::AtomType {
        expected,
        found: found.atomic_type(),
    }
}

impl FromAtom for i64 {
    const ATOMIC_TYPE: AtomicType = AtomicType::Integer;
    fn from_atom(atom: &Atom) -> Result<Self, DatumError> {
        match atom {
            Atom::Integer(i) => Ok(*i),
            other => Err(atom_type_error(AtomicType::Integer, other)),
        }
    }
}
impl IntoAtom for i64 {
    fn to_atom(&self) -> Atom {
        Atom::Integer(*self)
    }
}

impl FromAtom for Real {
    const ATOMIC_TYPE: AtomicType = AtomicType::Real;
    fn from_atom(atom: &Atom) -> Result<Self, DatumError> {
        match atom {
            Atom::Real(r) => Ok(*r),
            // A JSON number without fraction decodes as an integer atom; every i64 is finite.
            #[allow(clippy::cast_precision_loss)]
            Atom::Integer(i) => Ok(Real::new(*i as f64).unwrap_or_default()),
            other => Err(atom_type_error(AtomicType::Real, other)),
        }
    }
}
impl IntoAtom for Real {
    fn to_atom(&self) -> Atom {
        Atom::Real(*self)
    }
}

/// A non-finite `f64` (NaN or ±infinity), which OVSDB cannot carry.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error("{0} is not a finite real; OVSDB reals are finite (JSON has no NaN or infinity)")]
pub struct NotFinite(pub f64);

impl TryFrom<f64> for Real {
    type Error = NotFinite;
    fn try_from(v: f64) -> Result<Self, NotFinite> {
        Real::new(v).ok_or(NotFinite(v))
    }
}

impl From<Real> for f64 {
    fn from(r: Real) -> f64 {
        r.get()
    }
}

impl FromAtom for bool {
    const ATOMIC_TYPE: AtomicType = AtomicType::Boolean;
    fn from_atom(atom: &Atom) -> Result<Self, DatumError> {
        match atom {
            Atom::Boolean(b) => Ok(*b),
            other => Err(atom_type_error(AtomicType::Boolean, other)),
        }
    }
}
impl IntoAtom for bool {
    fn to_atom(&self) -> Atom {
        Atom::Boolean(*self)
    }
}

impl FromAtom for String {
    const ATOMIC_TYPE: AtomicType = AtomicType::String;
    fn from_atom(atom: &Atom) -> Result<Self, DatumError> {
        match atom {
            Atom::String(s) => Ok(s.clone()),
            other => Err(atom_type_error(AtomicType::String, other)),
        }
    }
    fn from_str_atom(s: &str) -> Result<Self, DatumError> {
        Ok(s.to_owned())
    }
}
impl IntoAtom for String {
    fn to_atom(&self) -> Atom {
        Atom::String(self.clone())
    }
    fn into_atom(self) -> Atom {
        Atom::String(self)
    }
}

/// String columns of generated rows: short strings inline, longer ones shared.
///
/// A [`SmolStr`] is 24 bytes, like a `String`, but keeps up to 23 bytes inline (no allocation)
/// and a longer text in an `Arc<str>` that clones share. Decoding a longer text first looks in a
/// small per-thread cache of the last such texts decoded (direct-mapped, 1024 entries, texts
/// up to 512 bytes): a value repeated across rows (an
/// `external_ids` value every port has) or columns (a port's address in `addresses` and
/// `port_security`) is then stored once. The cache keeps at most that many texts alive per
/// thread after their rows are gone.
impl FromAtom for SmolStr {
    const ATOMIC_TYPE: AtomicType = AtomicType::String;
    fn from_atom(atom: &Atom) -> Result<Self, DatumError> {
        match atom {
            Atom::String(s) => Ok(shared_str(s)),
            other => Err(atom_type_error(AtomicType::String, other)),
        }
    }
    fn from_str_atom(s: &str) -> Result<Self, DatumError> {
        Ok(shared_str(s))
    }
}
impl IntoAtom for SmolStr {
    fn to_atom(&self) -> Atom {
        Atom::String(self.as_str().to_owned())
    }
}

/// Slots of the per-thread cache of decoded strings (see `FromAtom for SmolStr`).
const SHARED_SLOTS: usize = 1024;
/// Longest text (bytes) the per-thread cache of decoded strings keeps.
const SHARED_MAX_LEN: usize = 512;

/// Bytes a [`SmolStr`] keeps inline.
const INLINE_LEN: usize = 23;

thread_local! {
    static SHARED: std::cell::RefCell<Vec<SmolStr>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// `s` as a [`SmolStr`], sharing the allocation of an equal text decoded recently on this
/// thread.
fn shared_str(s: &str) -> SmolStr {
    if s.len() <= INLINE_LEN || s.len() > SHARED_MAX_LEN {
        return SmolStr::new(s);
    }
    // FNV-1a: cheap for the short texts this sees, and only picks a slot.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let slot = (h as usize) % SHARED_SLOTS;
    SHARED.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.is_empty() {
            cache.resize(SHARED_SLOTS, SmolStr::default());
        }
        match cache.get_mut(slot) {
            Some(hit) if hit.as_str() == s => hit.clone(),
            Some(entry) => {
                let new = SmolStr::new(s);
                *entry = new.clone();
                new
            }
            None => SmolStr::new(s),
        }
    })
}

impl FromAtom for Uuid {
    const ATOMIC_TYPE: AtomicType = AtomicType::Uuid;
    fn from_atom(atom: &Atom) -> Result<Self, DatumError> {
        match atom {
            Atom::Uuid(u) => Ok(*u),
            Atom::NamedUuid(n) => Err(DatumError::NamedUuid(n.clone())),
            other => Err(atom_type_error(AtomicType::Uuid, other)),
        }
    }
}
impl IntoAtom for Uuid {
    fn to_atom(&self) -> Atom {
        Atom::Uuid(*self)
    }
}

impl IntoAtom for Atom {
    fn to_atom(&self) -> Atom {
        self.clone()
    }
    fn into_atom(self) -> Atom {
        self
    }
}

impl IntoAtom for &str {
    fn to_atom(&self) -> Atom {
        Atom::String((*self).to_owned())
    }
}

/// The text of a string atom, without copying it (for generated string enums).
///
/// # Errors
/// [`DatumError::AtomType`] for any other atom.
pub fn atom_str(atom: &Atom) -> Result<&str, DatumError> {
    match atom {
        Atom::String(s) => Ok(s),
        other => Err(atom_type_error(AtomicType::String, other)),
    }
}

/// The elements of a set datum; a map is an error.
fn set_of(datum: &Datum) -> Result<&BTreeSet<Atom>, DatumError> {
    datum.as_set().ok_or(DatumError::ExpectedSet)
}

/// The pairs of a map datum; an empty set stands for the empty map (a bare `["set", []]`).
fn map_of(datum: &Datum) -> Result<Option<&BTreeMap<Atom, Atom>>, DatumError> {
    match datum {
        Datum::Map(m) => Ok(Some(m)),
        Datum::Set(s) if s.is_empty() => Ok(None),
        Datum::Set(_) => Err(DatumError::ExpectedMap),
    }
}

/// Scalar columns (`min` 1, `max` 1): exactly one atom.
impl<T: FromAtom> FromDatum for T {
    fn from_datum(datum: &Datum) -> Result<Self, DatumError> {
        let set = set_of(datum)?;
        match (set.len(), set.first()) {
            (1, Some(atom)) => T::from_atom(atom),
            (found, _) => Err(DatumError::Count {
                min: 1,
                max: 1,
                found,
            }),
        }
    }

    fn from_json<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        super::json::scalar(d)
    }
}

impl<T: IntoAtom> IntoDatum for T {
    fn to_datum(&self) -> Datum {
        Datum::Set(BTreeSet::from([self.to_atom()]))
    }
    fn into_datum(self) -> Datum {
        Datum::Set(BTreeSet::from([self.into_atom()]))
    }
}

/// Optional columns (`min` 0, `max` 1): an empty or one-element set.
impl<T: FromAtom + PartialEq> FromDatum for Option<T> {
    fn from_datum(datum: &Datum) -> Result<Self, DatumError> {
        let set = set_of(datum)?;
        match (set.len(), set.first()) {
            (0, _) => Ok(None),
            (1, Some(atom)) => T::from_atom(atom).map(Some),
            (found, _) => Err(DatumError::Count {
                min: 0,
                max: 1,
                found,
            }),
        }
    }

    // No `apply_diff` override: ovsdb-server sends the new value for every column with `max` 1,
    // optional ones included (checked against ovsdb-server 3.1.0), so the default replaces.

    fn from_json<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        super::json::optional(d)
    }
}

impl<T: IntoAtom> IntoDatum for Option<T> {
    fn to_datum(&self) -> Datum {
        Datum::Set(self.iter().map(IntoAtom::to_atom).collect())
    }
    fn into_datum(self) -> Datum {
        Datum::Set(self.into_iter().map(IntoAtom::into_atom).collect())
    }
}

/// Set columns: any number of atoms.
impl<T: FromAtom + Ord> FromDatum for BTreeSet<T> {
    fn from_datum(datum: &Datum) -> Result<Self, DatumError> {
        set_of(datum)?.iter().map(T::from_atom).collect()
    }

    /// The diff is the symmetric difference of old and new: each element is toggled.
    fn apply_diff(&mut self, diff: &Datum) -> Result<(), DatumError> {
        let toggles = Self::from_datum(diff)?;
        for v in toggles {
            if !self.remove(&v) {
                self.insert(v);
            }
        }
        Ok(())
    }
}

impl<T: IntoAtom> IntoDatum for BTreeSet<T> {
    fn to_datum(&self) -> Datum {
        Datum::Set(self.iter().map(IntoAtom::to_atom).collect())
    }
    fn into_datum(self) -> Datum {
        Datum::Set(self.into_iter().map(IntoAtom::into_atom).collect())
    }
}

/// Map columns.
impl<K: FromAtom + Ord, V: FromAtom + PartialEq> FromDatum for BTreeMap<K, V> {
    fn from_datum(datum: &Datum) -> Result<Self, DatumError> {
        match map_of(datum)? {
            None => Ok(BTreeMap::new()),
            Some(m) => m
                .iter()
                .map(|(k, v)| Ok((K::from_atom(k)?, V::from_atom(v)?)))
                .collect(),
        }
    }

    /// The diff holds the pairs present on one side only, and for a changed key its new value: a
    /// pair equal to the current one removes the key, any other pair sets it.
    fn apply_diff(&mut self, diff: &Datum) -> Result<(), DatumError> {
        let pairs = Self::from_datum(diff)?;
        for (k, v) in pairs {
            match self.get(&k) {
                Some(current) if *current == v => {
                    self.remove(&k);
                }
                _ => {
                    self.insert(k, v);
                }
            }
        }
        Ok(())
    }
}

impl<K: IntoAtom, V: IntoAtom> IntoDatum for BTreeMap<K, V> {
    fn to_datum(&self) -> Datum {
        Datum::Map(self.iter().map(|(k, v)| (k.to_atom(), v.to_atom())).collect())
    }
    fn into_datum(self) -> Datum {
        Datum::Map(
            self.into_iter()
                .map(|(k, v)| (k.into_atom(), v.into_atom()))
                .collect(),
        )
    }
}

impl IntoDatum for Datum {
    fn to_datum(&self) -> Datum {
        self.clone()
    }
    fn into_datum(self) -> Datum {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(atoms: &[Atom]) -> Datum {
        Datum::Set(atoms.iter().cloned().collect())
    }

    fn s(v: &str) -> Atom {
        Atom::string(v)
    }

    #[test]
    fn scalars() {
        assert_eq!(i64::from_datum(&Datum::scalar(7)), Ok(7));
        assert_eq!(bool::from_datum(&Datum::scalar(true)), Ok(true));
        assert_eq!(String::from_datum(&Datum::scalar("x")), Ok("x".to_owned()));
        assert_eq!(
            i64::from_datum(&Datum::scalar("7")),
            Err(DatumError::AtomType {
                expected: AtomicType::Integer,
                found: AtomicType::String
            })
        );
        assert_eq!(
            i64::from_datum(&Datum::empty_set()),
            Err(DatumError::Count {
                min: 1,
                max: 1,
                found: 0
            })
        );
        assert_eq!(
            i64::from_datum(&Datum::set([1, 2])),
            Err(DatumError::Count {
                min: 1,
                max: 1,
                found: 2
            })
        );
        assert_eq!(
            i64::from_datum(&Datum::map([(1, 2)])),
            Err(DatumError::ExpectedSet)
        );
        assert_eq!(7i64.to_datum(), Datum::scalar(7));
        assert_eq!("x".to_owned().into_datum(), Datum::scalar("x"));
    }

    #[test]
    fn reals_accept_integers() {
        assert_eq!(Real::from_datum(&Datum::scalar(2)).map(Real::get), Ok(2.0));
        let half = Real::new(0.5).unwrap();
        assert_eq!(Real::from_datum(&Datum::scalar(half)), Ok(half));
        assert!(Real::try_from(f64::NAN).is_err());
        assert_eq!(Real::default().get(), 0.0);
    }

    #[test]
    fn uuids_reject_named() {
        let named = NamedUuid::new("row1").unwrap();
        assert_eq!(
            Uuid::from_datum(&Datum::scalar(named.clone())),
            Err(DatumError::NamedUuid(named))
        );
        let u = Uuid::from_u128(5);
        assert_eq!(Uuid::from_datum(&Datum::scalar(u)), Ok(u));
    }

    #[test]
    fn optionals() {
        assert_eq!(Option::<i64>::from_datum(&Datum::empty_set()), Ok(None));
        assert_eq!(Option::<i64>::from_datum(&Datum::scalar(3)), Ok(Some(3)));
        assert_eq!(
            Option::<i64>::from_datum(&Datum::set([1, 2])),
            Err(DatumError::Count {
                min: 0,
                max: 1,
                found: 2
            })
        );
        assert_eq!(None::<i64>.to_datum(), Datum::empty_set());
        assert_eq!(Some(4i64).into_datum(), Datum::scalar(4));
    }

    #[test]
    fn optional_diffs_carry_the_new_value() {
        // As ovsdb-server 3.1.0 sends them: the new value, or the empty set for none.
        let mut v: Option<i64> = None;
        v.apply_diff(&Datum::scalar(5)).unwrap();
        assert_eq!(v, Some(5));
        v.apply_diff(&Datum::scalar(9)).unwrap();
        assert_eq!(v, Some(9));
        v.apply_diff(&Datum::empty_set()).unwrap();
        assert_eq!(v, None);
        // A diff with two values is no optional value; the value is left alone.
        let mut w = Some(1i64);
        let err = w.apply_diff(&Datum::set([2, 3])).unwrap_err();
        assert_eq!(
            err,
            DatumError::Count {
                min: 0,
                max: 1,
                found: 2
            }
        );
        assert_eq!(w, Some(1));
    }

    #[test]
    fn set_diffs_toggle() {
        let mut v: BTreeSet<String> = ["a", "b"].iter().map(|s| (*s).to_owned()).collect();
        v.apply_diff(&set(&[s("b"), s("c")])).unwrap();
        assert_eq!(v, ["a", "c"].iter().map(|s| (*s).to_owned()).collect());
        assert!(v.apply_diff(&Datum::scalar(1)).is_err());
        assert_eq!(v.len(), 2, "a failed diff leaves the set alone");
    }

    #[test]
    fn map_diffs() {
        let mut m: BTreeMap<String, String> = [("a", "1"), ("b", "2"), ("c", "3")]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        // remove a (same value), change b (new value), add d.
        m.apply_diff(&Datum::map([("a", "1"), ("b", "20"), ("d", "4")]))
            .unwrap();
        let want: BTreeMap<String, String> = [("b", "20"), ("c", "3"), ("d", "4")]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        assert_eq!(m, want);
        // The empty set is the empty map (and the empty diff).
        assert_eq!(
            BTreeMap::<String, i64>::from_datum(&Datum::empty_set()),
            Ok(BTreeMap::new())
        );
        m.apply_diff(&Datum::empty_set()).unwrap();
        assert_eq!(m, want);
        assert_eq!(
            BTreeMap::<String, i64>::from_datum(&Datum::scalar("x")),
            Err(DatumError::ExpectedMap)
        );
        assert_eq!(
            BTreeMap::<String, i64>::from_datum(&Datum::map([("k", "v")])),
            Err(DatumError::AtomType {
                expected: AtomicType::Integer,
                found: AtomicType::String
            })
        );
        assert_eq!(want.to_datum(), Datum::map([("b", "20"), ("c", "3"), ("d", "4")]));
    }

    #[test]
    fn sets_of_reals_are_ordered() {
        let d = Datum::set([Real::new(2.5).unwrap(), Real::new(-1.0).unwrap()]);
        let v = BTreeSet::<Real>::from_datum(&d).unwrap();
        assert_eq!(v.iter().map(|r| r.get()).collect::<Vec<_>>(), vec![-1.0, 2.5]);
        assert_eq!(v.to_datum(), d);
    }
}
