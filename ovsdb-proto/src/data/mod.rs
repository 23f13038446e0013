//! The RFC 7047 §5.1 data notation: atoms, datums (sets and maps), rows.

mod atom;
mod convert;
mod datum;
pub mod json;
mod row;
mod set;

pub use atom::{Atom, AtomicType, InvalidId, NamedUuid, Real, Uuid, is_id};
pub use convert::{DatumError, FromAtom, FromDatum, IntoAtom, IntoDatum, NotFinite, atom_str};
pub use datum::Datum;
pub use row::Row;
pub use set::{Map, MapIter, Set};
/// The string type of generated rows' string columns (from the `smol_str` crate): see
/// [`FromAtom`]'s implementation for it.
pub use smol_str::SmolStr;
