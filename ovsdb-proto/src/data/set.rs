//! Compact values of set and map columns: [`Set`] and [`Map`].
//!
//! An OVSDB set or map column (RFC 7047 §5.1 `<set>`, `<map>`) usually holds a handful of
//! elements. A `BTreeSet` or `BTreeMap` allocates a whole B-tree node (11 slots) even for one
//! element; these types keep their elements in one exactly-sized, sorted boxed slice instead
//! (no allocation when empty, no spare capacity; a [`Map`] is 16 bytes in the row, a [`Set`]
//! keeps a single element inline and is then 24 bytes for `SmolStr` or `Ref` elements), with the
//! same semantics: a [`Set`] holds each element once, a [`Map`] each key once, both iterate in
//! ascending order, and equality does not depend on the order elements were added in.
//!
//! Lookups are binary searches. Inserting or removing one element reallocates the slice, which
//! is cheap for the sizes OVSDB columns have and keeps the replica's rows exactly sized;
//! building from an iterator (`collect`, [`FromDatum`]) sorts once.

use std::borrow::Borrow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::convert::{DatumError, FromAtom, FromDatum, IntoAtom, IntoDatum};
use super::datum::Datum;

/// The value of a set column (RFC 7047 §5.1 `<set>`): distinct elements in ascending order.
///
/// Generated table structs use it for every column with `max` above 1. It has the parts of the
/// `BTreeSet` API that column values need, and converts from and to `BTreeSet`.
///
/// ```
/// use ovsdb_proto::Set;
/// let mut s: Set<String> = ["b", "a", "b"].iter().map(|s| s.to_string()).collect();
/// assert_eq!(s.len(), 2);
/// assert!(s.insert("c".to_owned()));
/// assert!(!s.insert("a".to_owned()));
/// assert_eq!(s.iter().map(String::as_str).collect::<Vec<_>>(), ["a", "b", "c"]);
/// ```
#[derive(Clone)]
pub struct Set<T> {
    /// Sorted, without duplicates; exactly one element is always `One`.
    elements: Elements<T>,
}

/// A set's elements: a single element inline (most set columns of a replica hold zero or one
/// element, e.g. a port's `addresses`), any other number in one exactly-sized boxed slice (no
/// allocation when empty). For element types with a spare bit pattern (`SmolStr`, `Ref`) this
/// is as large as the element (24 bytes), else one word more.
#[derive(Clone)]
enum Elements<T> {
    Many(Box<[T]>),
    One(T),
}

impl<T> Elements<T> {
    fn from_vec(mut v: Vec<T>) -> Self {
        if v.len() == 1
            && let Some(one) = v.pop()
        {
            return Elements::One(one);
        }
        Elements::Many(v.into_boxed_slice())
    }

    fn as_slice(&self) -> &[T] {
        match self {
            Elements::Many(b) => b,
            Elements::One(t) => std::slice::from_ref(t),
        }
    }

    fn into_vec(self) -> Vec<T> {
        match self {
            Elements::Many(b) => b.into_vec(),
            Elements::One(t) => vec![t],
        }
    }
}

impl<T: PartialEq> PartialEq for Set<T> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<T: Eq> Eq for Set<T> {}

impl<T: PartialOrd> PartialOrd for Set<T> {
    /// Lexicographic over the elements in ascending order.
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        self.as_slice().partial_cmp(other.as_slice())
    }
}

impl<T: Ord> Ord for Set<T> {
    /// Lexicographic over the elements in ascending order.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_slice().cmp(other.as_slice())
    }
}

impl<T: std::hash::Hash> std::hash::Hash for Set<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

impl<T> Set<T> {
    /// The empty set (allocates nothing).
    pub fn new() -> Self {
        Set {
            elements: Elements::Many(Box::default()),
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// Whether the set has no elements.
    pub fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    /// The elements in ascending order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.as_slice().iter()
    }

    /// The elements in ascending order, as a slice.
    pub fn as_slice(&self) -> &[T] {
        self.elements.as_slice()
    }

    /// The least element.
    pub fn first(&self) -> Option<&T> {
        self.as_slice().first()
    }

    /// The greatest element.
    pub fn last(&self) -> Option<&T> {
        self.as_slice().last()
    }

    /// Removes every element.
    pub fn clear(&mut self) {
        *self = Set::new();
    }

    /// Keeps only the elements for which `keep` returns true.
    pub fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.edit(|v| v.retain(keep));
    }

    /// The elements in ascending order, as a vector.
    pub fn into_vec(self) -> Vec<T> {
        self.elements.into_vec()
    }

    /// From a vector already sorted and without duplicates, stored at its exact size.
    pub(crate) fn from_sorted_unique(v: Vec<T>) -> Self {
        Set::from_sorted(exact(v))
    }

    /// From a vector already sorted and without duplicates.
    fn from_sorted(v: Vec<T>) -> Self {
        Set {
            elements: Elements::from_vec(v),
        }
    }

    /// Changes the elements as a vector, then stores them exactly sized again.
    fn edit<R>(&mut self, f: impl FnOnce(&mut Vec<T>) -> R) -> R {
        let mut v = std::mem::take(self).into_vec();
        let r = f(&mut v);
        *self = Set::from_sorted(v);
        r
    }
}

impl<T: Ord> Set<T> {
    fn position<Q: Ord + ?Sized>(&self, value: &Q) -> Result<usize, usize>
    where
        T: Borrow<Q>,
    {
        self.as_slice().binary_search_by(|e| e.borrow().cmp(value))
    }

    /// Whether the set holds `value`.
    pub fn contains<Q: Ord + ?Sized>(&self, value: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        self.position(value).is_ok()
    }

    /// The element equal to `value`, if any.
    pub fn get<Q: Ord + ?Sized>(&self, value: &Q) -> Option<&T>
    where
        T: Borrow<Q>,
    {
        self.position(value).ok().and_then(|i| self.as_slice().get(i))
    }

    /// Adds `value`; false (and the set unchanged) if it was already there.
    pub fn insert(&mut self, value: T) -> bool {
        match self.position(&value) {
            Ok(_) => false,
            Err(i) => {
                self.edit(|v| v.insert(i, value));
                true
            }
        }
    }

    /// Removes `value`; false if it was not there.
    pub fn remove<Q: Ord + ?Sized>(&mut self, value: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        self.take(value).is_some()
    }

    /// Removes and returns the element equal to `value`, if any.
    pub fn take<Q: Ord + ?Sized>(&mut self, value: &Q) -> Option<T>
    where
        T: Borrow<Q>,
    {
        let i = self.position(value).ok()?;
        Some(self.edit(|v| v.remove(i)))
    }

    /// Whether every element of `self` is in `other`.
    pub fn is_subset(&self, other: &Set<T>) -> bool {
        self.iter().all(|e| other.contains(e))
    }

    /// Adds every element of `values` and removes every element present on both sides: the
    /// `update2` diff of a set column (ovsdb-server(7) §4.1.14). `values` must be sorted and
    /// without duplicates.
    fn toggle_sorted(&mut self, values: Vec<T>) {
        let old = std::mem::take(self).into_vec();
        let mut out = Vec::with_capacity(old.len() + values.len());
        let mut a = old.into_iter().peekable();
        let mut b = values.into_iter().peekable();
        loop {
            match (a.peek(), b.peek()) {
                (Some(x), Some(y)) => match x.cmp(y) {
                    std::cmp::Ordering::Less => out.extend(a.next()),
                    std::cmp::Ordering::Greater => out.extend(b.next()),
                    std::cmp::Ordering::Equal => {
                        a.next();
                        b.next();
                    }
                },
                (Some(_), None) => out.extend(a.by_ref()),
                (None, Some(_)) => out.extend(b.by_ref()),
                (None, None) => break,
            }
        }
        *self = Set::from_sorted(out);
    }

    /// From a vector in any order, with duplicates (the first of equal elements is kept).
    fn from_unsorted(mut elements: Vec<T>) -> Self {
        if !elements.is_sorted_by(|a, b| a < b) {
            elements.sort();
            elements.dedup();
        }
        Set::from_sorted(elements)
    }
}

impl<T> Default for Set<T> {
    /// The empty set.
    fn default() -> Self {
        Set::new()
    }
}

impl<T: fmt::Debug> fmt::Debug for Set<T> {
    /// As a `BTreeSet` prints: `{a, b}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<'a, T> IntoIterator for &'a Set<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

impl<T> IntoIterator for Set<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    /// The elements in ascending order.
    fn into_iter(self) -> Self::IntoIter {
        self.elements.into_vec().into_iter()
    }
}

impl<T: Ord> FromIterator<T> for Set<T> {
    /// Sorts and drops duplicates.
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Set::from_unsorted(iter.into_iter().collect())
    }
}

impl<T: Ord> Extend<T> for Set<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        // The stable sort keeps the elements already present ahead of equal new ones.
        let mut all = std::mem::take(self).into_vec();
        all.extend(iter);
        *self = Set::from_unsorted(all);
    }
}

impl<'a, T: Ord + Copy + 'a> Extend<&'a T> for Set<T> {
    fn extend<I: IntoIterator<Item = &'a T>>(&mut self, iter: I) {
        self.extend(iter.into_iter().copied());
    }
}

impl<T: Ord> From<Vec<T>> for Set<T> {
    /// Sorts and drops duplicates.
    fn from(v: Vec<T>) -> Self {
        Set::from_unsorted(v)
    }
}

impl<T: Ord, const N: usize> From<[T; N]> for Set<T> {
    /// Sorts and drops duplicates.
    fn from(a: [T; N]) -> Self {
        Set::from_unsorted(Vec::from(a))
    }
}

impl<T> From<BTreeSet<T>> for Set<T> {
    /// Already sorted and distinct: no sort.
    fn from(s: BTreeSet<T>) -> Self {
        Set::from_sorted(s.into_iter().collect())
    }
}

impl<T: Ord> From<Set<T>> for BTreeSet<T> {
    fn from(s: Set<T>) -> Self {
        s.elements.into_vec().into_iter().collect()
    }
}

impl<T: Ord> PartialEq<BTreeSet<T>> for Set<T> {
    fn eq(&self, other: &BTreeSet<T>) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

/// Set columns: any number of atoms.
impl<T: FromAtom + Ord> FromDatum for Set<T> {
    fn from_datum(datum: &Datum) -> Result<Self, DatumError> {
        let set = datum.as_set().ok_or(DatumError::ExpectedSet)?;
        // The datum's atoms are distinct and sorted by atom order; the Rust order of `T` may
        // differ (a generated enum), so sort again only if needed. Allocated at its final size:
        // growing (and then shrinking) a vector would leave a free gap after each column value
        // of a replica's rows.
        let mut elements = Vec::with_capacity(set.len());
        for atom in set {
            elements.push(T::from_atom(atom)?);
        }
        Ok(Set::from_unsorted(elements))
    }

    /// The diff is the symmetric difference of old and new: each element is toggled.
    fn apply_diff(&mut self, diff: &Datum) -> Result<(), DatumError> {
        let toggles = Self::from_datum(diff)?;
        self.toggle_sorted(toggles.elements.into_vec());
        Ok(())
    }

    fn from_json<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        super::json::set(d)
    }
}

impl<T: IntoAtom> IntoDatum for Set<T> {
    fn to_datum(&self) -> Datum {
        Datum::Set(self.iter().map(IntoAtom::to_atom).collect())
    }
    fn into_datum(self) -> Datum {
        Datum::Set(self.into_iter().map(IntoAtom::into_atom).collect())
    }
}

/// The value of a map column (RFC 7047 §5.1 `<map>`): distinct keys in ascending order, each with
/// one value.
///
/// Generated table structs use it for every map column. It has the parts of the `BTreeMap` API
/// that column values need, and converts from and to `BTreeMap`.
///
/// ```
/// use ovsdb_proto::Map;
/// let mut m: Map<String, String> = Map::new();
/// assert_eq!(m.insert("b".into(), "1".into()), None);
/// assert_eq!(m.insert("a".into(), "2".into()), None);
/// assert_eq!(m.insert("b".into(), "3".into()).as_deref(), Some("1"));
/// assert_eq!(m.get("b").map(String::as_str), Some("3"));
/// assert_eq!(m.keys().map(String::as_str).collect::<Vec<_>>(), ["a", "b"]);
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Map<K, V> {
    /// Sorted by key, keys distinct.
    pairs: Box<[(K, V)]>,
}

/// Iterates a [`Map`]'s pairs by reference, in key order.
#[derive(Clone, Debug)]
pub struct MapIter<'a, K, V>(std::slice::Iter<'a, (K, V)>);

impl<'a, K, V> Iterator for MapIter<'a, K, V> {
    type Item = (&'a K, &'a V);
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k, v))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl<K, V> DoubleEndedIterator for MapIter<'_, K, V> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (k, v))
    }
}

impl<K, V> ExactSizeIterator for MapIter<'_, K, V> {}

/// `v` in an allocation of exactly its length (a vector grown while decoding has spare room;
/// shrinking it in place would leave a free gap behind each value of a replica's rows).
fn exact<T>(mut v: Vec<T>) -> Vec<T> {
    if v.capacity() > v.len() && v.len() > 1 {
        let mut out = Vec::with_capacity(v.len());
        out.append(&mut v);
        out
    } else {
        v
    }
}

impl<K, V> Map<K, V> {
    /// From pairs already sorted by key, without repeated keys, stored at their exact size.
    pub(crate) fn from_sorted_unique(pairs: Vec<(K, V)>) -> Self {
        Map {
            pairs: exact(pairs).into_boxed_slice(),
        }
    }

    /// The empty map (allocates nothing).
    pub fn new() -> Self {
        Map {
            pairs: Box::default(),
        }
    }

    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether the map has no pairs.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The pairs in key order.
    pub fn iter(&self) -> MapIter<'_, K, V> {
        MapIter(self.pairs.iter())
    }

    /// The keys in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator {
        self.pairs.iter().map(|(k, _)| k)
    }

    /// The values, in the order of their keys.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.pairs.iter().map(|(_, v)| v)
    }

    /// The pairs in key order, as a slice.
    pub fn as_slice(&self) -> &[(K, V)] {
        &self.pairs
    }

    /// The pair with the least key.
    pub fn first_key_value(&self) -> Option<(&K, &V)> {
        self.pairs.first().map(|(k, v)| (k, v))
    }

    /// The pair with the greatest key.
    pub fn last_key_value(&self) -> Option<(&K, &V)> {
        self.pairs.last().map(|(k, v)| (k, v))
    }

    /// Removes every pair.
    pub fn clear(&mut self) {
        self.pairs = Box::default();
    }

    /// Keeps only the pairs for which `keep` returns true.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.edit(|p| p.retain_mut(|(k, v)| keep(k, v)));
    }

    /// The pairs in key order, as a vector.
    pub fn into_vec(self) -> Vec<(K, V)> {
        self.pairs.into_vec()
    }

    /// Changes the pairs as a vector, then stores them exactly sized again.
    fn edit<R>(&mut self, f: impl FnOnce(&mut Vec<(K, V)>) -> R) -> R {
        let mut v = std::mem::take(&mut self.pairs).into_vec();
        let r = f(&mut v);
        self.pairs = v.into_boxed_slice();
        r
    }
}

impl<K: Ord, V> Map<K, V> {
    fn position<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.pairs.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    /// The value of `key`, if present.
    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        let i = self.position(key).ok()?;
        self.pairs.get(i).map(|(_, v)| v)
    }

    /// The stored key and value of `key`, if present.
    pub fn get_key_value<Q: Ord + ?Sized>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
    {
        let i = self.position(key).ok()?;
        self.pairs.get(i).map(|(k, v)| (k, v))
    }

    /// The value of `key` for changing in place, if present.
    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        let i = self.position(key).ok()?;
        self.pairs.get_mut(i).map(|(_, v)| v)
    }

    /// Whether `key` is present.
    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.position(key).is_ok()
    }

    /// Sets `key` to `value`, returning the value it replaced.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.position(&key) {
            Ok(i) => self.pairs.get_mut(i).map(|(_, v)| std::mem::replace(v, value)),
            Err(i) => {
                self.edit(|p| p.insert(i, (key, value)));
                None
            }
        }
    }

    /// Removes `key`, returning its value.
    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.remove_entry(key).map(|(_, v)| v)
    }

    /// Removes `key`, returning the stored key and its value.
    pub fn remove_entry<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<(K, V)>
    where
        K: Borrow<Q>,
    {
        let i = self.position(key).ok()?;
        Some(self.edit(|p| p.remove(i)))
    }

    /// From pairs in any order; of pairs with equal keys the last one is kept (as when
    /// inserting them one by one).
    fn from_unsorted(mut pairs: Vec<(K, V)>) -> Self {
        if !pairs.is_sorted_by(|a, b| a.0 < b.0) {
            // Stable: equal keys stay in insertion order; keep the last of each run.
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            let mut out: Vec<(K, V)> = Vec::with_capacity(pairs.len());
            for pair in pairs {
                match out.last_mut() {
                    Some(last) if last.0 == pair.0 => *last = pair,
                    _ => out.push(pair),
                }
            }
            pairs = out;
        }
        Map {
            pairs: pairs.into_boxed_slice(),
        }
    }
}

impl<K, V> Default for Map<K, V> {
    /// The empty map.
    fn default() -> Self {
        Map::new()
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for Map<K, V> {
    /// As a `BTreeMap` prints: `{k: v, ...}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<'a, K, V> IntoIterator for &'a Map<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = MapIter<'a, K, V>;
    fn into_iter(self) -> MapIter<'a, K, V> {
        self.iter()
    }
}

impl<K, V> IntoIterator for Map<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;
    /// The pairs in key order.
    fn into_iter(self) -> Self::IntoIter {
        self.pairs.into_vec().into_iter()
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for Map<K, V> {
    /// Sorts by key; of pairs with equal keys the last one is kept.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Map::from_unsorted(iter.into_iter().collect())
    }
}

impl<K: Ord, V> Extend<(K, V)> for Map<K, V> {
    /// Inserts each pair: a key already present takes the new value.
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        let mut all = std::mem::take(&mut self.pairs).into_vec();
        all.extend(iter);
        *self = Map::from_unsorted(all);
    }
}

impl<K: Ord, V, const N: usize> From<[(K, V); N]> for Map<K, V> {
    /// Sorts by key; of pairs with equal keys the last one is kept.
    fn from(a: [(K, V); N]) -> Self {
        Map::from_unsorted(Vec::from(a))
    }
}

impl<K: Ord, V> From<Vec<(K, V)>> for Map<K, V> {
    /// Sorts by key; of pairs with equal keys the last one is kept.
    fn from(v: Vec<(K, V)>) -> Self {
        Map::from_unsorted(v)
    }
}

impl<K, V> From<BTreeMap<K, V>> for Map<K, V> {
    /// Already sorted: no sort.
    fn from(m: BTreeMap<K, V>) -> Self {
        Map {
            pairs: m.into_iter().collect(),
        }
    }
}

impl<K: Ord, V> From<Map<K, V>> for BTreeMap<K, V> {
    fn from(m: Map<K, V>) -> Self {
        m.pairs.into_vec().into_iter().collect()
    }
}

impl<K: Ord, V: PartialEq> PartialEq<BTreeMap<K, V>> for Map<K, V> {
    fn eq(&self, other: &BTreeMap<K, V>) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

/// Map columns.
impl<K: FromAtom + Ord, V: FromAtom + PartialEq> FromDatum for Map<K, V> {
    fn from_datum(datum: &Datum) -> Result<Self, DatumError> {
        let pairs = match datum {
            Datum::Map(m) => m,
            // An empty set stands for the empty map (a bare `["set", []]`).
            Datum::Set(s) if s.is_empty() => return Ok(Map::new()),
            Datum::Set(_) => return Err(DatumError::ExpectedMap),
        };
        // Allocated at its final size (see `Set`'s `from_datum`).
        let mut out = Vec::with_capacity(pairs.len());
        for (k, v) in pairs {
            out.push((K::from_atom(k)?, V::from_atom(v)?));
        }
        Ok(Map::from_unsorted(out))
    }

    fn from_json<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        super::json::map(d)
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

impl<K: IntoAtom, V: IntoAtom> IntoDatum for Map<K, V> {
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

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use proptest::prelude::*;

    use super::*;
    use crate::data::Atom;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    fn is_strictly_sorted<T: Ord>(v: &[T]) -> bool {
        v.windows(2).all(|w| w[0] < w[1])
    }

    #[test]
    fn set_sorts_and_dedups() {
        let s: Set<String> = strings(&["c", "a", "b", "a", "c"]).into_iter().collect();
        assert_eq!(s.as_slice(), strings(&["a", "b", "c"]).as_slice());
        assert_eq!(s.len(), 3);
        assert!(s.contains("b"));
        assert!(!s.contains("d"));
        assert_eq!(s.first().map(String::as_str), Some("a"));
        assert_eq!(s.last().map(String::as_str), Some("c"));
        assert_eq!(format!("{s:?}"), r#"{"a", "b", "c"}"#);
        // Equality does not depend on the order of construction.
        let t = Set::from(strings(&["b", "c", "a"]));
        assert_eq!(s, t);
        assert_eq!(s, BTreeSet::from_iter(strings(&["a", "b", "c"])));
    }

    #[test]
    fn set_one_element_inline() {
        // One element is stored inline; the set is then as large as a `SmolStr` or `Ref`.
        assert_eq!(std::mem::size_of::<Set<smol_str::SmolStr>>(), 24);
        assert_eq!(std::mem::size_of::<Set<crate::Ref<()>>>(), 24);
        let mut s = Set::from([2]);
        assert!(matches!(s.elements, Elements::One(2)));
        assert!(s.insert(1));
        assert!(matches!(&s.elements, Elements::Many(b) if b.len() == 2));
        assert!(s.remove(&2));
        assert!(matches!(s.elements, Elements::One(1)));
        assert_eq!(s, Set::from(vec![1, 1]));
        assert!(Set::from([1]) < Set::from([1, 2]));
        assert!(Set::from([3]) > Set::from([1, 2]));
        assert!(s.remove(&1));
        assert!(matches!(&s.elements, Elements::Many(b) if b.is_empty()));
        assert_eq!(s, Set::new());
    }

    #[test]
    fn set_insert_remove() {
        let mut s = Set::new();
        assert!(s.is_empty());
        assert!(s.insert(3));
        assert!(s.insert(1));
        assert!(!s.insert(3));
        assert!(s.insert(2));
        assert_eq!(s.as_slice(), &[1, 2, 3]);
        assert!(s.remove(&2));
        assert!(!s.remove(&2));
        assert_eq!(s.take(&1), Some(1));
        assert_eq!(s.as_slice(), &[3]);
        s.extend([5, 3, 4]);
        assert_eq!(s.as_slice(), &[3, 4, 5]);
        s.retain(|v| *v != 4);
        assert_eq!(s.into_iter().collect::<Vec<_>>(), vec![3, 5]);
    }

    #[test]
    fn map_last_value_wins_and_sorts() {
        let m: Map<String, i64> = [("b".to_owned(), 1), ("a".to_owned(), 2), ("b".to_owned(), 3)]
            .into_iter()
            .collect();
        assert_eq!(m.len(), 2);
        assert_eq!(m.get("b"), Some(&3));
        assert_eq!(m.keys().map(String::as_str).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(m.values().copied().collect::<Vec<_>>(), [2, 3]);
        assert_eq!(format!("{m:?}"), r#"{"a": 2, "b": 3}"#);
        let b: BTreeMap<String, i64> = m.clone().into();
        assert_eq!(m, b);
        assert_eq!(Map::from(b), m);
    }

    #[test]
    fn map_insert_remove() {
        let mut m = Map::new();
        assert_eq!(m.insert(2, "x"), None);
        assert_eq!(m.insert(1, "y"), None);
        assert_eq!(m.insert(2, "z"), Some("x"));
        assert_eq!(m.as_slice(), &[(1, "y"), (2, "z")]);
        assert!(m.contains_key(&1));
        if let Some(v) = m.get_mut(&1) {
            *v = "w";
        }
        assert_eq!(m.get_key_value(&1), Some((&1, &"w")));
        assert_eq!(m.remove(&1), Some("w"));
        assert_eq!(m.remove(&1), None);
        m.extend([(0, "a"), (2, "b")]);
        assert_eq!(m.as_slice(), &[(0, "a"), (2, "b")]);
        assert_eq!(m.first_key_value(), Some((&0, &"a")));
        assert_eq!(m.last_key_value(), Some((&2, &"b")));
    }

    #[test]
    fn wire_round_trip() {
        let s: Set<String> = Set::from(strings(&["b", "a"]));
        let json = serde_json::to_string(&s.to_datum()).unwrap();
        assert_eq!(json, r#"["set",["a","b"]]"#);
        let back: Datum = serde_json::from_str(r#"["set",["b","a"]]"#).unwrap();
        assert_eq!(Set::<String>::from_datum(&back), Ok(s));
        // One element is a bare atom on the wire.
        let one: Datum = serde_json::from_str(r#""x""#).unwrap();
        assert_eq!(Set::<String>::from_datum(&one), Ok(Set::from(strings(&["x"]))));

        let m: Map<String, i64> = Map::from([("k".to_owned(), 1), ("a".to_owned(), 2)]);
        let json = serde_json::to_string(&m.to_datum()).unwrap();
        assert_eq!(json, r#"["map",[["a",2],["k",1]]]"#);
        let back: Datum = serde_json::from_str(&json).unwrap();
        assert_eq!(Map::<String, i64>::from_datum(&back), Ok(m));
        // The empty set stands for the empty map.
        assert_eq!(
            Map::<String, i64>::from_datum(&Datum::empty_set()),
            Ok(Map::new())
        );
        assert_eq!(
            Map::<String, i64>::from_datum(&Datum::scalar("x")),
            Err(DatumError::ExpectedMap)
        );
        assert_eq!(
            Set::<String>::from_datum(&Datum::map([("k", "v")])),
            Err(DatumError::ExpectedSet)
        );
        assert!(matches!(
            Set::<i64>::from_datum(&Datum::set(["x"])),
            Err(DatumError::AtomType { .. })
        ));
    }

    fn small_strings() -> impl Strategy<Value = Vec<String>> {
        prop::collection::vec("[a-e]{0,2}", 0..12)
    }

    proptest! {
        /// Whatever the construction, a set is sorted and distinct and has the elements a
        /// `BTreeSet` built the same way has; its datum is the `BTreeSet`'s datum.
        #[test]
        fn set_matches_btreeset(a in small_strings(), b in small_strings(), c in small_strings()) {
            let mut s: Set<String> = a.iter().cloned().collect();
            let mut model: BTreeSet<String> = a.iter().cloned().collect();
            for v in &b {
                prop_assert_eq!(s.insert(v.clone()), model.insert(v.clone()));
            }
            for v in &c {
                prop_assert_eq!(s.remove(v), model.remove(v));
            }
            prop_assert!(is_strictly_sorted(s.as_slice()));
            prop_assert_eq!(&s, &model);
            prop_assert_eq!(s.to_datum(), model.to_datum());
            let mut e = s.clone();
            e.extend(b.iter().cloned());
            model.extend(b.iter().cloned());
            prop_assert!(is_strictly_sorted(e.as_slice()));
            prop_assert_eq!(&e, &model);
        }

        /// An update2 set diff toggles elements, as applied to a `BTreeSet`.
        #[test]
        fn set_diff_matches_btreeset(a in small_strings(), d in small_strings()) {
            let mut s: Set<String> = a.iter().cloned().collect();
            let mut model: BTreeSet<String> = a.iter().cloned().collect();
            let diff = Datum::set(d.iter().map(|v| Atom::string(v.as_str())));
            s.apply_diff(&diff).unwrap();
            model.apply_diff(&diff).unwrap();
            prop_assert!(is_strictly_sorted(s.as_slice()));
            prop_assert_eq!(&s, &model);
        }

        /// Maps: keys sorted and distinct, the last value of a key wins, diffs apply as to a
        /// `BTreeMap`, and the JSON text round-trips.
        #[test]
        fn map_matches_btreemap(
            a in prop::collection::vec(("[a-e]{0,2}", 0i64..3), 0..12),
            d in prop::collection::vec(("[a-e]{0,2}", 0i64..3), 0..12),
        ) {
            let mut m: Map<String, i64> = a.iter().cloned().collect();
            let mut model: BTreeMap<String, i64> = a.iter().cloned().collect();
            prop_assert!(m.as_slice().windows(2).all(|w| w[0].0 < w[1].0));
            prop_assert_eq!(&m, &model);
            let diff = Datum::map(d.iter().map(|(k, v)| (Atom::string(k.as_str()), Atom::Integer(*v))));
            m.apply_diff(&diff).unwrap();
            model.apply_diff(&diff).unwrap();
            prop_assert!(m.as_slice().windows(2).all(|w| w[0].0 < w[1].0));
            prop_assert_eq!(&m, &model);
            let json = serde_json::to_string(&m.to_datum()).unwrap();
            prop_assert_eq!(&json, &serde_json::to_string(&model.to_datum()).unwrap());
            let back: Datum = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(Map::<String, i64>::from_datum(&back).unwrap(), m);
        }
    }
}
