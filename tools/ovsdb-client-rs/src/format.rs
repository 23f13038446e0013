//! Output in ovsdb-client(1)'s formats: `table` (aligned columns), `csv` and `json`, with
//! cells written the way ovsdb-client writes datums.

use std::cmp::Ordering;

use ovsdb_proto::schema::{ColumnType, Max};
use ovsdb_proto::{Atom, Datum};
use serde_json::Value;

/// An output format (`-f`/`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns with a caption and a dashed rule.
    Table,
    /// Comma-separated values with a caption line.
    Csv,
    /// One JSON object per table: `{"caption", "data", "headings"}`.
    Json,
}

/// One table of output.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// The caption (`"Logical_Switch table"`), if any.
    pub caption: Option<String>,
    /// Column headings.
    pub headings: Vec<String>,
    /// Rows of cells: text for table and csv output, JSON for json output.
    pub rows: Vec<Vec<Cell>>,
}

/// One cell: its text form and its JSON form.
#[derive(Debug, Clone)]
pub struct Cell {
    /// As ovsdb-client prints it in table and csv output.
    pub text: String,
    /// As JSON output carries it.
    pub json: Value,
}

impl Cell {
    /// A plain text cell whose JSON is the same string.
    pub fn text(s: impl Into<String>) -> Cell {
        let s = s.into();
        Cell {
            json: Value::String(s.clone()),
            text: s,
        }
    }

    /// A datum cell, written according to the column type.
    pub fn datum(d: &Datum, ty: Option<&ColumnType>) -> Cell {
        Cell {
            text: datum_text(d, ty),
            json: d.to_json(),
        }
    }
}

impl Table {
    /// Renders the table; `first` is false for every table after the first of an output
    /// (table and csv output separate tables with a blank line).
    pub fn render(&self, format: Format, first: bool) -> String {
        let mut out = String::new();
        match format {
            Format::Table => {
                if !first {
                    out.push('\n');
                }
                if let Some(c) = &self.caption {
                    out.push_str(c);
                    out.push('\n');
                }
                let widths: Vec<usize> = (0..self.headings.len())
                    .map(|i| {
                        self.rows
                            .iter()
                            .filter_map(|r| r.get(i))
                            .map(|c| c.text.len())
                            .chain([self.headings[i].len()])
                            .max()
                            .unwrap_or(0)
                    })
                    .collect();
                let line = |cells: Vec<&str>| {
                    let mut l = String::new();
                    let n = cells.len();
                    for (i, c) in cells.into_iter().enumerate() {
                        if i + 1 < n {
                            // Widths and padding count bytes, as ovsdb-client's printf does.
                            l.push_str(c);
                            l.push_str(&" ".repeat(widths[i].saturating_sub(c.len()) + 1));
                        } else {
                            l.push_str(c);
                        }
                    }
                    l.push('\n');
                    l
                };
                out.push_str(&line(self.headings.iter().map(String::as_str).collect()));
                let dashes: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
                out.push_str(&line(dashes.iter().map(String::as_str).collect()));
                for r in &self.rows {
                    out.push_str(&line(r.iter().map(|c| c.text.as_str()).collect()));
                }
            }
            Format::Csv => {
                if !first {
                    out.push('\n');
                }
                if let Some(c) = &self.caption {
                    out.push_str(c);
                    out.push('\n');
                }
                let line = |cells: Vec<&str>| {
                    let mut l = cells.into_iter().map(csv_escape).collect::<Vec<_>>().join(",");
                    l.push('\n');
                    l
                };
                out.push_str(&line(self.headings.iter().map(String::as_str).collect()));
                for r in &self.rows {
                    out.push_str(&line(r.iter().map(|c| c.text.as_str()).collect()));
                }
            }
            Format::Json => {
                let mut m = serde_json::Map::new();
                if let Some(c) = &self.caption {
                    m.insert("caption".into(), Value::String(c.clone()));
                }
                m.insert(
                    "data".into(),
                    Value::Array(
                        self.rows
                            .iter()
                            .map(|r| Value::Array(r.iter().map(|c| c.json.clone()).collect()))
                            .collect(),
                    ),
                );
                m.insert(
                    "headings".into(),
                    Value::Array(self.headings.iter().cloned().map(Value::String).collect()),
                );
                out.push_str(&Value::Object(m).to_string());
                out.push('\n');
            }
        }
        out
    }
}

fn csv_escape(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// Whether ovsdb-client writes a string atom bare: it starts with a letter or `_`, continues
/// with letters, digits, `_`, `-` or `.`, and is not `true` or `false`.
fn bare_string(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && s != "true"
        && s != "false"
}

/// An atom as ovsdb-client writes it.
pub(crate) fn atom_text(a: &Atom) -> String {
    match a {
        Atom::String(s) if bare_string(s) => s.clone(),
        Atom::String(s) => Value::String(s.clone()).to_string(),
        Atom::Integer(i) => i.to_string(),
        Atom::Real(r) => {
            let v = r.get();
            if v.fract() == 0.0 && v.abs() < 1e15 {
                format!("{v:.0}")
            } else {
                v.to_string()
            }
        }
        Atom::Boolean(b) => b.to_string(),
        Atom::Uuid(u) => u.to_string(),
        Atom::NamedUuid(n) => n.as_str().to_owned(),
    }
}

/// A datum as ovsdb-client writes it: a map as `{k=v, ...}`, a set as `[a, b]`, a scalar or a
/// present optional value bare, an absent optional value as `[]`.
pub(crate) fn datum_text(d: &Datum, ty: Option<&ColumnType>) -> String {
    if let Some(m) = d.as_map() {
        let parts: Vec<String> = m
            .iter()
            .map(|(k, v)| format!("{}={}", atom_text(k), atom_text(v)))
            .collect();
        return format!("{{{}}}", parts.join(", "));
    }
    let atoms: Vec<String> = d.as_set().into_iter().flatten().map(atom_text).collect();
    let single_valued = ty.is_none_or(|t| t.value.is_none() && t.max == Max::Limited(1));
    if single_valued && atoms.len() == 1 {
        return atoms.into_iter().next().unwrap_or_default();
    }
    if ty.is_some_and(|t| t.value.is_some()) {
        return "{}".into();
    }
    format!("[{}]", atoms.join(", "))
}

/// ovsdb-client's row order for `dump`: compares datums column by column (fewer elements
/// first, then element by element).
pub(crate) fn compare_datums(a: &Datum, b: &Datum) -> Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| match (a.as_map(), b.as_map()) {
            (Some(x), Some(y)) => x.iter().cmp(y.iter()),
            _ => a
                .as_set()
                .into_iter()
                .flatten()
                .cmp(b.as_set().into_iter().flatten()),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_quoted_like_ovsdb_client() {
        for (s, want) in [
            ("sw0", "sw0"),
            ("a-b.c_d", "a-b.c_d"),
            ("_x", "_x"),
            ("sw 1", "\"sw 1\""),
            ("", "\"\""),
            ("12", "\"12\""),
            (".a", "\".a\""),
            ("true", "\"true\""),
            ("x:y", "\"x:y\""),
            ("a\"b", "\"a\\\"b\""),
            ("é", "\"é\""),
        ] {
            assert_eq!(atom_text(&Atom::from(s)), want, "{s}");
        }
    }

    #[test]
    fn tables_align_without_trailing_spaces() {
        let t = Table {
            caption: Some("T table".into()),
            headings: vec!["a".into(), "bb".into()],
            rows: vec![
                vec![Cell::text("xyz"), Cell::text("1")],
                vec![Cell::text("q"), Cell::text("22")],
            ],
        };
        assert_eq!(
            t.render(Format::Table, true),
            "T table\na   bb\n--- --\nxyz 1\nq   22\n"
        );
        assert_eq!(t.render(Format::Csv, false), "\nT table\na,bb\nxyz,1\nq,22\n");
        let c = Table {
            caption: None,
            headings: vec!["h".into()],
            rows: vec![vec![Cell::text("a,\"b")]],
        };
        assert_eq!(c.render(Format::Csv, true), "h\n\"a,\"\"b\"\n");
    }
}
