//! The embedded database schema, parsed one table at a time on first use.
//!
//! A command touches two or three tables; parsing all thirty (RFC 7047 §3.2
//! `<database-schema>`, ~33 kB of JSON with validation) cost more CPU than the rest of a short
//! invocation. The text is scanned once for where each table's `<table-schema>` starts and ends
//! (no values built); a table is parsed with [`TableSchema::from_value`] when first asked for.
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
    pub(crate) fn new(
        name: &str,
        text: &'static str,
        full: impl FnOnce() -> &'static DatabaseSchema,
    ) -> Schema {
        match scan_tables(text) {
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

/// The byte ranges of the members of the top-level `"tables"` object of a JSON text, by name;
/// `None` if the text is not shaped as expected (or a name has escapes).
fn scan_tables(text: &str) -> Option<BTreeMap<String, Range<usize>>> {
    let b = text.as_bytes();
    let mut p = ws(b, 0);
    if b.get(p) != Some(&b'{') {
        return None;
    }
    p += 1;
    let mut found = None;
    loop {
        p = ws(b, p);
        if b.get(p) == Some(&b'}') {
            return found;
        }
        let (key, after) = plain_string(text, p)?;
        p = ws(b, after);
        if b.get(p) != Some(&b':') {
            return None;
        }
        p = ws(b, p + 1);
        let end = skip_value(b, p)?;
        if key == "tables" {
            found = Some(scan_members(text, p)?);
        }
        p = ws(b, end);
        match b.get(p) {
            Some(b',') => p += 1,
            Some(b'}') => return found,
            _ => return None,
        }
    }
}

/// The members of the object starting at `p`: name and the byte range of each value.
fn scan_members(text: &str, mut p: usize) -> Option<BTreeMap<String, Range<usize>>> {
    let b = text.as_bytes();
    if b.get(p) != Some(&b'{') {
        return None;
    }
    p += 1;
    let mut out = BTreeMap::new();
    loop {
        p = ws(b, p);
        if b.get(p) == Some(&b'}') {
            return Some(out);
        }
        let (key, after) = plain_string(text, p)?;
        p = ws(b, after);
        if b.get(p) != Some(&b':') {
            return None;
        }
        p = ws(b, p + 1);
        let end = skip_value(b, p)?;
        out.insert(key.to_owned(), p..end);
        p = ws(b, end);
        match b.get(p) {
            Some(b',') => p += 1,
            Some(b'}') => return Some(out),
            _ => return None,
        }
    }
}

fn ws(b: &[u8], mut p: usize) -> usize {
    while b.get(p).is_some_and(|c| c.is_ascii_whitespace()) {
        p += 1;
    }
    p
}

/// A string without escapes starting at `p`: its contents and the position after it.
fn plain_string(text: &str, p: usize) -> Option<(&str, usize)> {
    let b = text.as_bytes();
    if b.get(p) != Some(&b'"') {
        return None;
    }
    let len = b.get(p + 1..)?.iter().position(|&c| c == b'"')?;
    let s = text.get(p + 1..p + 1 + len)?;
    if s.contains('\\') {
        return None;
    }
    Some((s, p + len + 2))
}

/// The end of the JSON value starting at `p` (strings, nesting and scalars; the text is
/// parsed for real later, so this only needs to find the right end for valid JSON).
fn skip_value(b: &[u8], mut p: usize) -> Option<usize> {
    if !matches!(b.get(p)?, b'"' | b'{' | b'[') {
        // A scalar: up to the next delimiter.
        while b
            .get(p)
            .is_some_and(|c| !matches!(c, b',' | b'}' | b']') && !c.is_ascii_whitespace())
        {
            p += 1;
        }
        return Some(p);
    }
    let mut depth = 0usize;
    loop {
        match *b.get(p)? {
            b'"' => {
                p += 1;
                loop {
                    match *b.get(p)? {
                        b'\\' => p += 2,
                        b'"' => break,
                        _ => p += 1,
                    }
                }
                p += 1;
            }
            b'{' | b'[' => {
                depth += 1;
                p += 1;
            }
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                p += 1;
            }
            _ => p += 1,
        }
        if depth == 0 {
            return Some(p);
        }
    }
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
