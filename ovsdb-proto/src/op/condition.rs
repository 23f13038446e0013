//! RFC 7047 §5.1 `<condition>` and `<function>`, with the ovsdb-server(7) §5.1 boolean conditions.

use std::fmt;

use serde::de::{self, SeqAccess, Visitor};
use serde::ser::SerializeTuple;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::data::{Atom, Datum};

/// RFC 7047 §5.1 `<function>`: how a condition compares a column with a value.
///
/// `<`, `<=`, `>=`, `>` apply to integer and real columns (ovsdb-server(7) §5.1 also allows them on
/// optional integer or real columns, false when the column is empty); `==` and `!=` to every type;
/// `includes` and `excludes` are the set and map forms (every element of the value is, or none is,
/// in the column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Function {
    /// `"<"`.
    Lt,
    /// `"<="`.
    Le,
    /// `"=="`.
    Eq,
    /// `"!="`.
    Ne,
    /// `">="`.
    Ge,
    /// `">"`.
    Gt,
    /// `"includes"`.
    Includes,
    /// `"excludes"`.
    Excludes,
}

impl Function {
    /// Every function, in RFC 7047 order.
    pub const ALL: [Function; 8] = [
        Function::Lt,
        Function::Le,
        Function::Eq,
        Function::Ne,
        Function::Ge,
        Function::Gt,
        Function::Includes,
        Function::Excludes,
    ];

    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            Function::Lt => "<",
            Function::Le => "<=",
            Function::Eq => "==",
            Function::Ne => "!=",
            Function::Ge => ">=",
            Function::Gt => ">",
            Function::Includes => "includes",
            Function::Excludes => "excludes",
        }
    }

    /// The function for a wire string, or `None` for anything else (ovsdb-server answers an
    /// unknown function with an `"unknown function"` error).
    pub fn from_wire(s: &str) -> Option<Function> {
        Function::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// Whether a row whose column holds `column` satisfies `COLUMN FUNCTION arg` (RFC 7047
    /// §5.1 `<condition>`): `==`/`!=` compare whole values; `includes`/`excludes` ask whether
    /// every / no element of `arg` is in `column` (for maps: key-value pairs; for scalars the
    /// same as `==`/`!=`); `<`, `<=`, `>`, `>=` compare one integer or real with another.
    ///
    /// `arg` must already be of the column's type (as ovsdb-server converts it with the
    /// schema). `None` when the function does not apply to these values (an ordering on
    /// something other than one number on each side, or a map compared with a set): the
    /// server rejects such a condition, so there is nothing to answer.
    pub fn holds(self, column: &Datum, arg: &Datum) -> Option<bool> {
        let number = |d: &Datum| match d {
            Datum::Set(s) if s.len() == 1 => s.iter().next().and_then(|a| match a {
                Atom::Integer(i) => Some(Number::Integer(*i)),
                Atom::Real(r) => Some(Number::Real(r.get())),
                _ => None,
            }),
            _ => None,
        };
        match self {
            Function::Eq => Some(column == arg),
            Function::Ne => Some(column != arg),
            Function::Includes | Function::Excludes => {
                let (all, none) = match (column, arg) {
                    (Datum::Set(c), Datum::Set(a)) => {
                        (a.iter().all(|x| c.contains(x)), a.iter().all(|x| !c.contains(x)))
                    }
                    (Datum::Map(c), Datum::Map(a)) => (
                        a.iter().all(|(k, v)| c.get(k) == Some(v)),
                        a.iter().all(|(k, v)| c.get(k) != Some(v)),
                    ),
                    _ => return None,
                };
                Some(if self == Function::Includes { all } else { none })
            }
            Function::Lt | Function::Le | Function::Gt | Function::Ge => {
                let ord = match (number(column)?, number(arg)?) {
                    (Number::Integer(c), Number::Integer(a)) => c.cmp(&a),
                    (Number::Real(c), Number::Real(a)) => c.partial_cmp(&a)?,
                    _ => return None,
                };
                Some(match self {
                    Function::Lt => ord.is_lt(),
                    Function::Le => ord.is_le(),
                    Function::Gt => ord.is_gt(),
                    _ => ord.is_ge(),
                })
            }
        }
    }
}

/// One number of an ordering comparison ([`Function::holds`]).
enum Number {
    Integer(i64),
    Real(f64),
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Function {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Function {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Function::from_wire(&s).ok_or_else(|| {
            de::Error::custom(format_args!(
                "unknown function {s:?} (expected one of <, <=, ==, !=, >=, >, includes, excludes)"
            ))
        })
    }
}

/// RFC 7047 §5.1 `<condition>`, as extended by ovsdb-server(7) §5.1.
///
/// Wire forms: `[<column>, <function>, <value>]`, or a JSON boolean (`true` matches every row,
/// `false` none). ovsdb-server accepts booleans wherever a `where` array is taken (operations and
/// `monitor_cond` requests); an empty `where` array means "every row". The conditions of an
/// operation's `where` must all hold (conjunction); those of a monitor request's `where` are
/// alternatives (disjunction) — both checked on ovsdb-server 3.1.0.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Condition {
    /// `[<column>, <function>, <value>]`: compare column `column` with `value`.
    Clause {
        /// The column name (may be `_uuid` or `_version`).
        column: String,
        /// The comparison.
        function: Function,
        /// The value compared against, in §5.1 notation (may contain named-uuids that an earlier
        /// `insert` of the same transaction defined).
        value: Datum,
    },
    /// `true` or `false` (ovsdb-server(7) §5.1).
    Boolean(bool),
}

impl Condition {
    /// The condition that matches every row (`true`).
    pub const TRUE: Condition = Condition::Boolean(true);
    /// The condition that matches no row (`false`).
    pub const FALSE: Condition = Condition::Boolean(false);

    /// `[column, function, value]`.
    pub fn new(column: impl Into<String>, function: Function, value: impl Into<Datum>) -> Self {
        Condition::Clause {
            column: column.into(),
            function,
            value: value.into(),
        }
    }

    /// `[column, "==", value]`.
    pub fn eq(column: impl Into<String>, value: impl Into<Datum>) -> Self {
        Condition::new(column, Function::Eq, value)
    }

    /// `[column, "!=", value]`.
    pub fn ne(column: impl Into<String>, value: impl Into<Datum>) -> Self {
        Condition::new(column, Function::Ne, value)
    }

    /// `[column, "<", value]`.
    pub fn lt(column: impl Into<String>, value: impl Into<Datum>) -> Self {
        Condition::new(column, Function::Lt, value)
    }

    /// `[column, "<=", value]`.
    pub fn le(column: impl Into<String>, value: impl Into<Datum>) -> Self {
        Condition::new(column, Function::Le, value)
    }

    /// `[column, ">", value]`.
    pub fn gt(column: impl Into<String>, value: impl Into<Datum>) -> Self {
        Condition::new(column, Function::Gt, value)
    }

    /// `[column, ">=", value]`.
    pub fn ge(column: impl Into<String>, value: impl Into<Datum>) -> Self {
        Condition::new(column, Function::Ge, value)
    }

    /// `[column, "includes", value]`.
    pub fn includes(column: impl Into<String>, value: impl Into<Datum>) -> Self {
        Condition::new(column, Function::Includes, value)
    }

    /// `[column, "excludes", value]`.
    pub fn excludes(column: impl Into<String>, value: impl Into<Datum>) -> Self {
        Condition::new(column, Function::Excludes, value)
    }

    /// The column this condition tests, if it is a clause.
    pub fn column(&self) -> Option<&str> {
        match self {
            Condition::Clause { column, .. } => Some(column),
            Condition::Boolean(_) => None,
        }
    }
}

impl From<bool> for Condition {
    fn from(b: bool) -> Self {
        Condition::Boolean(b)
    }
}

impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Condition::Boolean(b) => s.serialize_bool(*b),
            Condition::Clause {
                column,
                function,
                value,
            } => {
                let mut t = s.serialize_tuple(3)?;
                t.serialize_element(column)?;
                t.serialize_element(function)?;
                t.serialize_element(value)?;
                t.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Condition {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Condition;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a condition: [<column>, <function>, <value>] or a boolean")
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<Condition, E> {
                Ok(Condition::Boolean(b))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Condition, A::Error> {
                let column: String = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &"3 elements"))?;
                let function: Function = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &"3 elements"))?;
                let value: Datum = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(2, &"3 elements"))?;
                if seq.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(4, &"3 elements"));
                }
                Ok(Condition::Clause {
                    column,
                    function,
                    value,
                })
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod holds_tests {
    use super::Function::{self, *};
    use crate::data::{Atom, Datum};

    fn set(atoms: &[Atom]) -> Datum {
        Datum::Set(atoms.iter().cloned().collect())
    }
    fn map(pairs: &[(&str, &str)]) -> Datum {
        Datum::Map(
            pairs
                .iter()
                .map(|(k, v)| (Atom::string(*k), Atom::string(*v)))
                .collect(),
        )
    }
    fn s(x: &str) -> Atom {
        Atom::string(x)
    }

    #[test]
    fn equality_compares_whole_values() {
        assert_eq!(Eq.holds(&set(&[s("a")]), &set(&[s("a")])), Some(true));
        assert_eq!(Eq.holds(&set(&[s("a"), s("b")]), &set(&[s("a")])), Some(false));
        assert_eq!(Ne.holds(&set(&[s("a"), s("b")]), &set(&[s("a")])), Some(true));
        assert_eq!(Eq.holds(&map(&[("k", "v")]), &map(&[("k", "v")])), Some(true));
    }

    #[test]
    fn includes_and_excludes_are_set_and_pair_tests() {
        let c = set(&[s("a"), s("b")]);
        assert_eq!(Includes.holds(&c, &set(&[s("a")])), Some(true));
        assert_eq!(Includes.holds(&c, &set(&[s("a"), s("z")])), Some(false));
        assert_eq!(Excludes.holds(&c, &set(&[s("y"), s("z")])), Some(true));
        assert_eq!(Excludes.holds(&c, &set(&[s("b"), s("z")])), Some(false));
        let m = map(&[("k", "v"), ("j", "w")]);
        assert_eq!(Includes.holds(&m, &map(&[("k", "v")])), Some(true));
        assert_eq!(Includes.holds(&m, &map(&[("k", "x")])), Some(false));
        assert_eq!(Excludes.holds(&m, &map(&[("k", "x")])), Some(true));
        assert_eq!(Includes.holds(&m, &set(&[s("k")])), None);
    }

    #[test]
    fn orderings_compare_one_number_with_another() {
        let i = |n: i64| set(&[Atom::Integer(n)]);
        assert_eq!(Lt.holds(&i(1), &i(2)), Some(true));
        assert_eq!(Le.holds(&i(2), &i(2)), Some(true));
        assert_eq!(Gt.holds(&i(2), &i(2)), Some(false));
        assert_eq!(Ge.holds(&i(3), &i(2)), Some(true));
        assert_eq!(Lt.holds(&set(&[]), &i(2)), None);
        assert_eq!(Lt.holds(&set(&[s("a")]), &set(&[s("b")])), None);
        let f: Function = Function::from_wire("<").expect("function");
        assert_eq!(f, Lt);
    }
}
