//! The embedded database schema, parsed one table at a time on first use.
//!
//! A command touches two or three tables; parsing all thirty (RFC 7047 §3.2
//! `<database-schema>`, ~33 kB of JSON with validation) cost more CPU than the rest of a short
//! invocation. Where each table's `<table-schema>` starts and ends is found by a `const fn`
//! scan ([`index_tables`], at compile time for the embedded texts; no values built); a table is
//! parsed with [`TableSchema::from_value`] when first asked for.
//! The embedded schemas have root tables, so a table parsed alone is the same as that table of
//! the whole schema (a unit test checks every table of the three schemas).

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::OnceLock;

use ovsdb_proto::DatabaseSchema;
use ovsdb_proto::schema::TableSchema;

/// A database schema whose tables are parsed on first use.
pub(crate) struct Schema {
    /// The database name (RFC 7047 §3.2 `name`).
    pub(crate) name: String,
    text: &'static str,
    /// Per table: where its `<table-schema>` is in `text`, and the parsed table once asked for
    /// (`None` inside if it does not parse, which the tests rule out for the embedded text).
    tables: BTreeMap<String, (Range<usize>, OnceLock<Option<TableSchema>>)>,
}

impl Schema {
    /// Indexes `text` (a schema for database `name`). If the text cannot be scanned, falls
    /// back to parsing the whole schema.
    #[cfg(test)]
    pub(crate) fn new(
        name: &str,
        text: &'static str,
        full: impl FnOnce() -> &'static DatabaseSchema,
    ) -> Schema {
        Schema::indexed(name, text, index_tables(text), full)
    }

    /// As `Schema::new` (tests), with the text's [`index_tables`] computed beforehand (at compile
    /// time for the embedded schemas).
    pub(crate) fn indexed(
        name: &str,
        text: &'static str,
        index: Option<TableIndex>,
        full: impl FnOnce() -> &'static DatabaseSchema,
    ) -> Schema {
        match index.and_then(|i| i.ranges(text)) {
            Some(ranges) => Schema {
                name: name.to_owned(),
                text,
                tables: ranges
                    .into_iter()
                    .map(|(n, r)| (n, (r, OnceLock::new())))
                    .collect(),
            },
            None => {
                let s = full();
                Schema {
                    name: s.name.clone(),
                    text,
                    tables: s
                        .tables
                        .iter()
                        .map(|(n, t)| (n.clone(), (0..0, OnceLock::from(Some(t.clone())))))
                        .collect(),
                }
            }
        }
    }

    /// The table called `name`.
    pub(crate) fn table(&self, name: &str) -> Option<&TableSchema> {
        let (range, cell) = self.tables.get(name)?;
        cell.get_or_init(|| {
            let v: serde_json::Value = serde_json::from_str(self.text.get(range.clone())?).ok()?;
            TableSchema::from_value(v).ok()
        })
        .as_ref()
    }

    /// The table names, in order.
    pub(crate) fn table_names(&self) -> impl Iterator<Item = &str> {
        self.tables.keys().map(String::as_str)
    }

    /// Every table, in name order (parses them all).
    pub(crate) fn tables(&self) -> impl Iterator<Item = (&str, &TableSchema)> {
        self.table_names().filter_map(|n| Some((n, self.table(n)?)))
    }
}

/// At most this many tables are indexed (the embedded schemas have 19 to 34).
const MAX_TABLES: usize = 64;

/// Where the tables of a schema text are: per table, the byte ranges of its name and of its
/// `<table-schema>` value. Built by [`index_tables`], a `const fn`, so the embedded schemas are
/// indexed at compile time.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TableIndex {
    entries: [(usize, usize, usize, usize); MAX_TABLES],
    len: usize,
}

impl TableIndex {
    /// The table names and value ranges, in text order.
    fn ranges(self, text: &str) -> Option<BTreeMap<String, Range<usize>>> {
        let mut out = BTreeMap::new();
        for &(ns, ne, vs, ve) in self.entries.get(..self.len)? {
            out.insert(text.get(ns..ne)?.to_owned(), vs..ve);
        }
        Some(out)
    }
}

/// Indexes the members of the top-level `"tables"` object of a JSON text; `None` if the text
/// is not shaped as expected (a name with escapes, more than [`MAX_TABLES`] tables).
pub(crate) const fn index_tables(text: &str) -> Option<TableIndex> {
    let b = text.as_bytes();
    let Some(top) = index_members(b, ws(b, 0)) else {
        return None;
    };
    let mut found = None;
    let mut i = 0;
    while i < top.len {
        let (ks, ke, vs, _) = top.entries[i];
        if eq(b, ks, ke, b"tables") {
            found = index_members(b, vs);
            if found.is_none() {
                return None;
            }
        }
        i += 1;
    }
    found
}

/// The members of the object starting at `p` (names without escapes, at most [`MAX_TABLES`]).
const fn index_members(b: &[u8], mut p: usize) -> Option<TableIndex> {
    if !at(b, p, b'{') {
        return None;
    }
    p += 1;
    let mut out = TableIndex {
        entries: [(0, 0, 0, 0); MAX_TABLES],
        len: 0,
    };
    loop {
        p = ws(b, p);
        if at(b, p, b'}') {
            return Some(out);
        }
        let Some((ks, ke)) = plain_string(b, p) else {
            return None;
        };
        p = ws(b, ke + 1);
        if !at(b, p, b':') {
            return None;
        }
        p = ws(b, p + 1);
        let Some(end) = skip_value(b, p) else {
            return None;
        };
        if out.len == MAX_TABLES {
            return None;
        }
        out.entries[out.len] = (ks, ke, p, end);
        out.len += 1;
        p = ws(b, end);
        if at(b, p, b',') {
            p += 1;
        } else if at(b, p, b'}') {
            return Some(out);
        } else {
            return None;
        }
    }
}

/// Whether byte `p` of `b` is `c`.
const fn at(b: &[u8], p: usize, c: u8) -> bool {
    p < b.len() && b[p] == c
}

/// Whether `b[s..e]` is `want`.
const fn eq(b: &[u8], s: usize, e: usize, want: &[u8]) -> bool {
    if e < s || e - s != want.len() || e > b.len() {
        return false;
    }
    let mut i = 0;
    while i < want.len() {
        if b[s + i] != want[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn ws(b: &[u8], mut p: usize) -> usize {
    while p < b.len() && b[p].is_ascii_whitespace() {
        p += 1;
    }
    p
}

/// A string without escapes starting at `p`: the range of its contents (the closing quote
/// is at the range's end).
const fn plain_string(b: &[u8], p: usize) -> Option<(usize, usize)> {
    if !at(b, p, b'"') {
        return None;
    }
    let mut e = p + 1;
    while e < b.len() {
        match b[e] {
            b'"' => return Some((p + 1, e)),
            b'\\' => return None,
            _ => e += 1,
        }
    }
    None
}

/// The end of the JSON value starting at `p` (strings, nesting and scalars; the text is
/// parsed for real later, so this only needs to find the right end for valid JSON).
const fn skip_value(b: &[u8], mut p: usize) -> Option<usize> {
    if p >= b.len() {
        return None;
    }
    if !matches!(b[p], b'"' | b'{' | b'[') {
        // A scalar: up to the next delimiter.
        while p < b.len() && !matches!(b[p], b',' | b'}' | b']') && !b[p].is_ascii_whitespace() {
            p += 1;
        }
        return Some(p);
    }
    let mut depth = 0usize;
    while p < b.len() {
        match b[p] {
            b'"' => {
                p += 1;
                while p < b.len() && b[p] != b'"' {
                    p += if b[p] == b'\\' { 2 } else { 1 };
                }
                p += 1;
            }
            b'{' | b'[' => {
                depth += 1;
                p += 1;
            }
            b'}' | b']' => {
                if depth == 0 {
                    return None;
                }
                depth -= 1;
                p += 1;
            }
            _ => p += 1,
        }
        if depth == 0 {
            return if p <= b.len() { Some(p) } else { None };
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::Schema;
    use crate::Tool;

    #[test]
    fn lazy_tables_equal_the_whole_schema() {
        for tool in [Tool::Nbctl, Tool::Sbctl, Tool::Vsctl] {
            let full = tool.full_schema();
            let lazy = tool.schema();
            assert_eq!(lazy.name, full.name);
            assert_eq!(
                lazy.table_names().collect::<Vec<_>>(),
                full.tables.keys().map(String::as_str).collect::<Vec<_>>()
            );
            for (name, t) in &full.tables {
                assert_eq!(lazy.table(name), Some(t), "{tool:?} {name}");
            }
            assert_eq!(lazy.table("No_Such_Table"), None);
        }
    }

    #[test]
    fn embedded_schemas_are_indexed_and_broken_text_is_refused_without_panic() {
        use ovsdb_proto::Database;
        for text in [
            ovn_nb::OvnNorthboundDb::SCHEMA_JSON,
            ovn_sb::OvnSouthboundDb::SCHEMA_JSON,
            ovs_vswitchd_schema::OpenVSwitchDb::SCHEMA_JSON,
        ] {
            let index = super::index_tables(text).expect("indexed");
            assert!(index.len >= 19, "{}", index.len);
            // Every truncation is either refused or indexes only whole members.
            for cut in (0..text.len()).step_by(97) {
                let Some(t) = text.get(..cut) else { continue };
                if let Some(i) = super::index_tables(t) {
                    assert!(i.ranges(t).is_some());
                }
            }
        }
        assert!(super::index_tables("{\"tables\": {\"a\\\"b\": {}}}").is_none());
        assert!(super::index_tables("{\"tables\": {\"A\": {}}}}").is_some());
        assert!(super::index_tables("]]]").is_none());
    }

    #[test]
    fn scanning_odd_text_falls_back_or_finds_tables() {
        let s = Schema::new(
            "X",
            "{\"name\": \"X\", \"n\": 5, \"tables\": {\"A\": {\"columns\": {\"s\": {\"type\": \"string\"}}, \"isRoot\": true}, \"B\": {\"columns\": {\"n\": {\"type\": {\"key\": \"integer\", \"min\": 0, \"max\": 1}}}}}, \"version\": \"1.0.0\"}",
            || Tool::Nbctl.full_schema(),
        );
        assert_eq!(s.table_names().collect::<Vec<_>>(), ["A", "B"]);
        assert!(
            s.table("A")
                .is_some_and(|t| t.is_root && t.columns.contains_key("s"))
        );
        assert!(s.table("B").is_some_and(|t| t.columns.contains_key("n")));
        // Not an object: the whole embedded schema instead.
        let s = Schema::new("X", "[1]", || Tool::Nbctl.full_schema());
        assert_eq!(s.name, "OVN_Northbound");
        assert!(s.table("Logical_Switch").is_some());
    }
}
