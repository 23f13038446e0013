//! The ctl value syntax (ovs-vsctl(8) "Database Values"): parsing atoms, sets and maps from
//! command-line text, and printing them back the way the reference tools do.

use std::collections::{BTreeMap, BTreeSet};

use ovsdb_proto::{Atom, AtomicType, BaseType, ColumnType, Datum, Real, Uuid};

use crate::error::CtlError;

/// Characters that end an unquoted token.
const DELIMS: &[u8] = b":=, []{}!<>";

/// Whether `c` ends an unquoted token.
pub(crate) fn is_delim(c: u8) -> bool {
    DELIMS.contains(&c)
}

/// Symbols (`@name`) defined by `--id=@name` in this invocation, with whether a row was
/// created for them.
#[derive(Debug, Default)]
pub(crate) struct Symbols {
    pub(crate) map: BTreeMap<String, Symbol>,
}

/// One `@name`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Symbol {
    pub(crate) uuid: Uuid,
    pub(crate) created: bool,
    /// Whether a strong reference to it was written (ovsdb `ovsdb_symbol.strong_ref`); also
    /// set for rows that exist or live in root tables, which need none.
    pub(crate) strong_ref: bool,
    /// Whether a weak reference to it was written.
    pub(crate) weak_ref: bool,
}

impl Symbols {
    /// The uuid for `@name`, creating an undefined symbol on first reference.
    pub(crate) fn reference(&mut self, name: &str) -> Uuid {
        self.map
            .entry(name.to_owned())
            .or_insert_with(|| Symbol {
                uuid: Uuid::new_v4(),
                created: false,
                strong_ref: false,
                weak_ref: false,
            })
            .uuid
    }

    /// [`Symbols::reference`] from a value of a column of type `base`: records whether the
    /// reference is strong or weak (none when the column names no table).
    fn reference_from(&mut self, name: &str, base: &BaseType) -> Uuid {
        let u = self.reference(name);
        if base.ref_table().is_some()
            && let Some(s) = self.map.get_mut(name)
        {
            if base.is_strong_ref() {
                s.strong_ref = true;
            } else {
                s.weak_ref = true;
            }
        }
        u
    }
}

/// Reads one token from `s` starting at `*pos`: quoted parts are kept with their quotes, a
/// backslash escapes the next character. Stops at an unquoted delimiter.
pub(crate) fn token(s: &str, pos: &mut usize) -> Result<String, CtlError> {
    let bytes = s.as_bytes();
    let start = *pos;
    let mut out = Vec::new();
    let mut in_quotes = false;
    let mut p = *pos;
    while p < bytes.len() {
        let c = bytes[p];
        p += 1;
        if c == b'\\' {
            if in_quotes {
                out.push(b'\\');
            }
            if p >= bytes.len() {
                return Err(CtlError::Value(format!(
                    "{}: backslash at end of argument",
                    &s[start..]
                )));
            }
            out.push(bytes[p]);
            p += 1;
        } else if !in_quotes && is_delim(c) {
            p -= 1;
            break;
        } else {
            out.push(c);
            if c == b'"' {
                in_quotes = !in_quotes;
            }
        }
    }
    if in_quotes {
        return Err(CtlError::Value(format!(
            "{}: quoted string extends past end of argument",
            &s[start..]
        )));
    }
    *pos = p;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn skip_spaces(s: &str, pos: &mut usize) {
    let b = s.as_bytes();
    while *pos < b.len() && b[*pos].is_ascii_whitespace() {
        *pos += 1;
    }
}

/// Parses a whole argument as one atom of `base` (no tokenizing: `00:11:22` is one string).
pub(crate) fn atom_from_string(base: &BaseType, s: &str, syms: &mut Symbols) -> Result<Atom, CtlError> {
    let atom = atom_from_string0(base, s, syms, false)?;
    check_constraints(base, &atom)?;
    Ok(atom)
}

fn atom_from_string0(base: &BaseType, s: &str, syms: &mut Symbols, in_datum: bool) -> Result<Atom, CtlError> {
    match base.atomic {
        AtomicType::Integer => s.parse::<i64>().map(Atom::Integer).map_err(|_| {
            CtlError::Value(if in_datum {
                format!("\"{s}\" is not a valid integer or range")
            } else {
                format!("\"{s}\" is not a valid integer")
            })
        }),
        AtomicType::Real => s
            .parse::<f64>()
            .ok()
            .and_then(Real::new)
            .map(Atom::Real)
            .ok_or_else(|| CtlError::Value(format!("\"{s}\" is not a valid real number"))),
        AtomicType::Boolean => match s {
            "true" | "yes" | "on" | "1" => Ok(Atom::Boolean(true)),
            "false" | "no" | "off" | "0" => Ok(Atom::Boolean(false)),
            _ => Err(CtlError::Value(format!(
                "\"{s}\" is not a valid boolean (use \"true\" or \"false\")"
            ))),
        },
        AtomicType::String => {
            if s.starts_with('"') {
                serde_json::from_str::<String>(s)
                    .map(Atom::String)
                    .map_err(|_| CtlError::Value(format!("{s}: syntax error in quoted string")))
            } else {
                Ok(Atom::String(s.to_owned()))
            }
        }
        AtomicType::Uuid => {
            if let Some(name) = s.strip_prefix('@') {
                Ok(Atom::Uuid(syms.reference_from(&format!("@{name}"), base)))
            } else {
                Uuid::parse_str(s)
                    .ok()
                    .filter(|_| s.len() == 36)
                    .map(Atom::Uuid)
                    .ok_or_else(|| CtlError::Value(format!("\"{s}\" is not a valid UUID")))
            }
        }
    }
}

/// Checks `enum`, integer and real bounds and string lengths of one atom, with ovsdb's wording.
pub(crate) fn check_constraints(base: &BaseType, atom: &Atom) -> Result<(), CtlError> {
    if let Some(allowed) = &base.enum_ {
        if !allowed.contains(atom) {
            // ovsdb prints the allowed values as a set, in brackets even when there is one.
            let list: Vec<String> = allowed.iter().map(atom_to_string).collect();
            let shown = format!("[{}]", list.join(", "));
            return Err(CtlError::Value(format!(
                "constraint violation: {} is not one of the allowed values ({shown})",
                atom_to_string(atom)
            )));
        }
    }
    if let Atom::Integer(i) = atom {
        let i = *i;
        match (base.min_integer, base.max_integer) {
            (Some(lo), Some(hi)) if i < lo || i > hi => {
                return Err(CtlError::Value(format!(
                    "constraint violation: {i} is not in the valid range {lo} to {hi} (inclusive)"
                )));
            }
            (Some(lo), None) if i < lo => {
                return Err(CtlError::Value(format!(
                    "constraint violation: {i} is less than minimum allowed value {lo}"
                )));
            }
            (None, Some(hi)) if i > hi => {
                return Err(CtlError::Value(format!(
                    "constraint violation: {i} is greater than maximum allowed value {hi}"
                )));
            }
            _ => {}
        }
    }
    if let Atom::String(s) = atom {
        let n = s.chars().count() as u64;
        if let Some(min) = base.min_length.filter(|&m| n < m) {
            return Err(CtlError::Value(format!(
                "constraint violation: \"{s}\" length {n} is less than minimum allowed length {min}"
            )));
        }
        if let Some(max) = base.max_length.filter(|&m| n > m) {
            return Err(CtlError::Value(format!(
                "constraint violation: \"{s}\" length {n} is greater than maximum allowed length {max}"
            )));
        }
    }
    Ok(())
}

fn parse_atom_token(
    s: &str,
    pos: &mut usize,
    base: &BaseType,
    syms: &mut Symbols,
    allow_range: bool,
) -> Result<Vec<Atom>, CtlError> {
    let tok = token(s, pos)?;
    if allow_range && base.atomic == AtomicType::Integer {
        if let Some((a, b)) = split_range(&tok) {
            if b < a {
                return Err(CtlError::Value(format!(
                    "\"{tok}\" is not a valid range. Range end cannot be before start."
                )));
            }
            if b - a >= 4096 {
                return Err(CtlError::Value(format!(
                    "Range \"{tok}\" is too big. Maximum range size is 4096."
                )));
            }
            let mut v = Vec::new();
            for i in a..=b {
                let atom = Atom::Integer(i);
                check_constraints(base, &atom)?;
                v.push(atom);
            }
            return Ok(v);
        }
    }
    let atom = atom_from_string0(base, &tok, syms, true)?;
    check_constraints(base, &atom)?;
    Ok(vec![atom])
}

fn split_range(tok: &str) -> Option<(i64, i64)> {
    let idx = tok.get(1..)?.find('-')? + 1;
    let a = tok[..idx].parse::<i64>().ok()?;
    let b = tok[idx + 1..].parse::<i64>().ok()?;
    Some((a, b))
}

/// English name of a column type, as ovsdb uses in messages (ovsdb_type_to_english):
/// `string`, `set of strings`, `set of up to 1 integers`, `set of 1 or more uuids`,
/// `map of 2 to 4 (string, string) pairs`; references are `uuid`s.
pub(crate) fn type_to_english(ty: &ColumnType) -> String {
    let key = ty.key.atomic.as_str();
    if ty.value.is_none() && ty.min == 1 && ty.max.limit() == Some(1) {
        return key.to_owned();
    }
    let kind = if ty.value.is_some() { "map" } else { "set" };
    let count = match (ty.max.limit(), ty.min) {
        (None, 0) => String::new(),
        (None, min) => format!(" {min} or more"),
        (Some(max), 0) => format!(" up to {max}"),
        (Some(max), min) => format!(" {min} to {max}"),
    };
    match &ty.value {
        Some(v) => format!("{kind} of{count} ({key}, {}) pairs", v.atomic.as_str()),
        None => format!("{kind} of{count} {key}s"),
    }
}

/// Parses a datum of type `ty` (ovsdb_datum_from_string): optional `[...]`/`{...}` around
/// elements separated by commas or spaces, map elements `key=value`.
pub(crate) fn datum_from_string(ty: &ColumnType, s: &str, syms: &mut Symbols) -> Result<Datum, CtlError> {
    let is_map = ty.value.is_some();
    let mut p = 0;
    skip_spaces(s, &mut p);
    let b = s.as_bytes();
    let end_delim = if p < b.len() && b[p] == if is_map { b'{' } else { b'[' } {
        p += 1;
        skip_spaces(s, &mut p);
        Some(if is_map { b'}' } else { b']' })
    } else if p >= b.len() {
        return Err(CtlError::Value(if is_map {
            "use \"{}\" to specify the empty map".to_owned()
        } else {
            "use \"[]\" to specify the empty set".to_owned()
        }));
    } else {
        None
    };
    let mut keys: Vec<Atom> = Vec::new();
    let mut pairs: Vec<(Atom, Atom)> = Vec::new();
    while p < b.len() && Some(b[p]) != end_delim {
        if is_delim(b[p]) {
            return Err(CtlError::Value(format!(
                "{s}: unexpected \"{}\" parsing {}",
                b[p] as char,
                type_to_english(ty)
            )));
        }
        let start = p;
        let ks = parse_atom_token(s, &mut p, &ty.key, syms, !is_map)?;
        if let Some(vt) = &ty.value {
            skip_spaces(s, &mut p);
            if p < b.len() && b[p] == b'=' {
                p += 1;
                skip_spaces(s, &mut p);
                let v = parse_atom_token(s, &mut p, vt, syms, false)?;
                for k in ks {
                    for v in &v {
                        pairs.push((k.clone(), v.clone()));
                    }
                }
            } else {
                let ch = if p < b.len() {
                    (b[p] as char).to_string()
                } else {
                    String::new()
                };
                return Err(CtlError::Value(format!(
                    "{}: syntax error at \"{ch}",
                    &s[start..]
                )));
            }
        } else {
            keys.extend(ks);
        }
        skip_spaces(s, &mut p);
        if p < b.len() && b[p] == b',' {
            p += 1;
            skip_spaces(s, &mut p);
        }
    }
    match end_delim {
        Some(d) => {
            if p >= b.len() || b[p] != d {
                return Err(CtlError::Value(format!(
                    "{s}: missing \"{}\" at end of data",
                    d as char
                )));
            }
            p += 1;
            skip_spaces(s, &mut p);
            if p < b.len() {
                return Err(CtlError::Value(format!(
                    "{s}: trailing garbage after \"{}\"",
                    d as char
                )));
            }
        }
        None => {
            if p < b.len() {
                return Err(CtlError::Value(format!("{s}: missing \"\0\" at end of data")));
            }
        }
    }
    // The number of elements is checked before duplicates, as ovsdb does.
    let n = if is_map { pairs.len() } else { keys.len() } as u64;
    let what = if is_map { "pair(s)" } else { "value(s)" };
    if n < ty.min {
        return Err(CtlError::Value(format!(
            "{s}: {n} {what} specified but the minimum number is {}",
            ty.min
        )));
    }
    if let Some(max) = ty.max.limit().filter(|&m| n > m) {
        return Err(CtlError::Value(format!(
            "{s}: {n} {what} specified but the maximum number is {max}"
        )));
    }
    let datum = if is_map {
        let mut m = BTreeMap::new();
        for (k, v) in pairs {
            if m.insert(k, v).is_some() {
                return Err(CtlError::Value(format!("{s}: map contains duplicate key")));
            }
        }
        Datum::Map(m)
    } else {
        let mut set = BTreeSet::new();
        for k in keys {
            if !set.insert(k) {
                return Err(CtlError::Value(format!("{s}: set contains duplicate value")));
            }
        }
        Datum::Set(set)
    };
    Ok(datum)
}

/// Whether a string atom must be quoted when printed.
pub(crate) fn string_needs_quotes(s: &str) -> bool {
    let mut chars = s.bytes();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == b'_' => {}
        _ => return true,
    }
    if !chars.all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'.') {
        return true;
    }
    if s == "true" || s == "false" {
        return true;
    }
    Uuid::parse_str(s).is_ok() && s.len() == 36
}

/// `%.15g` of a finite real.
pub(crate) fn format_real(v: f64) -> String {
    if v == 0.0 {
        return if v.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let exp = v.abs().log10().floor() as i32;
    let s = format!("{:.*e}", 14usize, v);
    // Re-derive the exponent from the rounded scientific form.
    let (mant, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(exp);
    if !(-4..15).contains(&e) {
        let mant = trim_zeros(mant);
        format!("{mant}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
    } else {
        let decimals = (14 - e).max(0) as usize;
        trim_zeros(&format!("{v:.decimals$}")).to_owned()
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// An atom as ovsdb prints it (strings quoted when needed).
pub(crate) fn atom_to_string(a: &Atom) -> String {
    match a {
        Atom::Integer(i) => i.to_string(),
        Atom::Real(r) => format_real(r.get()),
        Atom::Boolean(b) => b.to_string(),
        Atom::String(s) => {
            if string_needs_quotes(s) {
                serde_json::to_string(s).unwrap_or_default()
            } else {
                s.clone()
            }
        }
        Atom::Uuid(u) => u.to_string(),
        Atom::NamedUuid(n) => n.as_str().to_owned(),
    }
}

/// An atom bare: strings as they are.
pub(crate) fn atom_to_bare(a: &Atom) -> String {
    match a {
        Atom::String(s) => s.clone(),
        other => atom_to_string(other),
    }
}

/// A datum as ovsdb prints it: `[a, b]` / `{k=v}` unless the column holds at most one value and
/// the datum has one.
pub(crate) fn datum_to_string(ty: &ColumnType, d: &Datum) -> String {
    let bracket = ty.max.limit() != Some(1) || d.is_empty();
    let mut out = String::new();
    match d {
        Datum::Map(m) => {
            if bracket || ty.value.is_some() {
                out.push('{');
            }
            let items: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}={}", atom_to_string(k), atom_to_string(v)))
                .collect();
            out.push_str(&items.join(", "));
            if bracket || ty.value.is_some() {
                out.push('}');
            }
        }
        Datum::Set(s) => {
            let is_map = ty.value.is_some();
            if bracket {
                out.push(if is_map { '{' } else { '[' });
            }
            let items: Vec<String> = s.iter().map(atom_to_string).collect();
            out.push_str(&items.join(", "));
            if bracket {
                out.push(if is_map { '}' } else { ']' });
            }
        }
    }
    out
}

/// A datum bare: elements separated by spaces, map pairs as `k=v`.
pub(crate) fn datum_to_bare(d: &Datum) -> String {
    match d {
        Datum::Map(m) => m
            .iter()
            .map(|(k, v)| format!("{}={}", atom_to_bare(k), atom_to_bare(v)))
            .collect::<Vec<_>>()
            .join(" "),
        Datum::Set(s) => s.iter().map(atom_to_bare).collect::<Vec<_>>().join(" "),
    }
}

/// The empty datum of a column type (a map type gets an empty map).
pub(crate) fn empty_datum(ty: &ColumnType) -> Datum {
    if ty.value.is_some() {
        Datum::empty_map()
    } else {
        Datum::empty_set()
    }
}

/// The atoms of a set datum (a map gives its keys).
pub(crate) fn elements(d: &Datum) -> Vec<Atom> {
    match d {
        Datum::Set(s) => s.iter().cloned().collect(),
        Datum::Map(m) => m.keys().cloned().collect(),
    }
}

/// Whether `target` names a connection method OVS knows (`tcp:`, `ssl:`, `unix:` or their
/// passive `p` forms): OVS's `stream_verify_name` / `pstream_verify_name`.
pub(crate) fn known_method(target: &str) -> bool {
    match target.split_once(':') {
        Some((m, _)) => matches!(m, "tcp" | "ssl" | "unix" | "ptcp" | "pssl" | "punix"),
        None => false,
    }
}

/// C's `atoll`: leading blanks, an optional sign, then as many digits as there are (0 when
/// none; saturating).
pub(crate) fn atoll(s: &str) -> i64 {
    let s = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut v: i64 = 0;
    for c in digits.bytes().take_while(u8::is_ascii_digit) {
        let d = i64::from(c - b'0');
        v = if neg {
            v.saturating_mul(10).saturating_sub(d)
        } else {
            v.saturating_mul(10).saturating_add(d)
        };
    }
    v
}
