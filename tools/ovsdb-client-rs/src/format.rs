//! Output in ovsdb-client(1)'s formats (`--format` table, list, html, csv, json; `--data`
//! string, bare, json; `--no-headings`, `--pretty`, `--max-column-width`, `--timestamp`), cells
//! written the way OVS writes datums, and JSON written the way OVS's serializer writes it.

use std::cmp::Ordering;

use ovsdb_proto::schema::{ColumnType, Max, NamedUuids};
use ovsdb_proto::{Atom, AtomicType, Datum};
use serde_json::Value;

/// An output format (`-f`/`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns with a caption and a dashed rule.
    Table,
    /// One `heading: value` line per cell, a blank line between rows.
    List,
    /// An HTML `<table>`.
    Html,
    /// Comma-separated values with a caption line.
    Csv,
    /// One JSON object per table: `{"caption", "data", "headings"}`.
    Json,
}

/// How table cells holding data are written (`-d`/`--data`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DataFormat {
    /// OVSDB's string syntax (`{k=v}`, `[a, b]`, strings quoted when needed).
    String,
    /// Elements separated by spaces, strings unquoted.
    Bare,
    /// RFC 7047 JSON.
    Json,
}

/// The style options of one invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// `--format`.
    pub format: Format,
    /// `--data`.
    pub data: DataFormat,
    /// Whether headings are printed (`--no-headings` clears it).
    pub headings: bool,
    /// `--pretty`: JSON indented by two spaces per level.
    pub pretty: bool,
    /// `--max-column-width` (0: no limit), for table output.
    pub max_column_width: usize,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            format: Format::Table,
            data: DataFormat::String,
            headings: true,
            pretty: false,
            max_column_width: 0,
        }
    }
}

/// One table of output.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// The caption (`"Logical_Switch table"`), if any.
    pub caption: Option<String>,
    /// A wall-clock timestamp (`--timestamp`) printed before the table.
    pub timestamp: Option<String>,
    /// Column headings.
    pub headings: Vec<String>,
    /// Rows of cells; a row shorter than the headings has empty cells at its end.
    pub rows: Vec<Vec<Cell>>,
}

/// One cell: literal text, or JSON (with the column type when it is a datum).
#[derive(Debug, Clone, Default)]
pub struct Cell {
    /// Literal text, printed as is (a JSON string in json output).
    pub text: Option<String>,
    /// JSON value.
    pub json: Option<Value>,
    /// The column type of a datum cell: with it the cell is written in `--data` format.
    pub ty: Option<ColumnType>,
}

impl Cell {
    /// A literal text cell.
    pub fn text(s: impl Into<String>) -> Cell {
        Cell {
            text: Some(s.into()),
            ..Cell::default()
        }
    }

    /// A JSON cell written as JSON.
    pub fn json(v: Value) -> Cell {
        Cell {
            json: Some(v),
            ..Cell::default()
        }
    }

    /// A datum cell, written according to its column type.
    pub fn datum(v: Value, ty: &ColumnType) -> Cell {
        Cell {
            json: Some(v),
            ty: Some(ty.clone()),
            text: None,
        }
    }

    /// The cell's text in `style`.
    fn to_text(&self, style: &Style) -> String {
        if let Some(t) = &self.text {
            return t.clone();
        }
        let Some(json) = &self.json else {
            return String::new();
        };
        match (&self.ty, style.data) {
            (Some(ty), DataFormat::String | DataFormat::Bare) => match datum_of(json, ty) {
                Some(d) if style.data == DataFormat::String => datum_to_string(&d, ty),
                Some(d) => datum_to_bare(&d, ty),
                None => to_json_text(json, true, false),
            },
            _ => to_json_text(json, true, false),
        }
    }
}

/// `json` as a datum of type `ty`, if it is one (else the cell is printed as JSON, as OVS does).
fn datum_of(json: &Value, ty: &ColumnType) -> Option<Datum> {
    let d: Datum = serde_json::from_value(json.clone()).ok()?;
    ty.coerce(d, NamedUuids::Rejected).ok()
}

/// Writes tables in one style, remembering whether one was already written (table, list and
/// csv output separate tables with a blank line).
#[derive(Debug, Clone)]
pub struct Printer {
    /// The style.
    pub style: Style,
    first: bool,
}

impl Printer {
    /// A printer that has written nothing yet.
    pub fn new(style: Style) -> Printer {
        Printer { style, first: true }
    }

    /// Marks that something was printed (the next table starts with a blank line).
    pub fn mark_printed(&mut self) {
        self.first = false;
    }

    /// Renders `table`.
    pub fn render(&mut self, table: &Table) -> String {
        let style = self.style;
        let mut out = String::new();
        let separator = |out: &mut String, first: &mut bool| {
            if *first {
                *first = false;
            } else {
                out.push('\n');
            }
        };
        let n = table.headings.len();
        let cell = |r: &Vec<Cell>, x: usize| r.get(x).map(|c| c.to_text(&style)).unwrap_or_default();
        match style.format {
            Format::Table => {
                separator(&mut out, &mut self.first);
                push_preamble(&mut out, table);
                let texts: Vec<Vec<String>> = table
                    .rows
                    .iter()
                    .map(|r| (0..n).map(|x| cell(r, x)).collect())
                    .collect();
                let widths: Vec<usize> = (0..n)
                    .map(|x| {
                        let mut w = texts.iter().map(|r| r[x].len()).max().unwrap_or(0);
                        if style.max_column_width > 0 && w > style.max_column_width {
                            w = style.max_column_width;
                        }
                        if style.headings {
                            w = w.max(table.headings[x].len());
                        }
                        w
                    })
                    .collect();
                let mut line = |cells: &[&str], truncate: bool| {
                    let mut l = String::new();
                    for (x, c) in cells.iter().enumerate() {
                        if x > 0 {
                            l.push(' ');
                        }
                        let c = if truncate { truncate_bytes(c, widths[x]) } else { c };
                        l.push_str(c);
                        l.push_str(&" ".repeat(widths[x].saturating_sub(c.len())));
                    }
                    let trimmed = l.trim_end_matches(' ').len();
                    l.truncate(trimmed);
                    l.push('\n');
                    out.push_str(&l);
                };
                if style.headings {
                    let h: Vec<&str> = table.headings.iter().map(String::as_str).collect();
                    line(&h, false);
                    let dashes: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
                    let d: Vec<&str> = dashes.iter().map(String::as_str).collect();
                    line(&d, false);
                }
                for r in &texts {
                    let c: Vec<&str> = r.iter().map(String::as_str).collect();
                    line(&c, true);
                }
            }
            Format::List => {
                separator(&mut out, &mut self.first);
                push_preamble(&mut out, table);
                for (y, r) in table.rows.iter().enumerate() {
                    if y > 0 {
                        out.push('\n');
                    }
                    for x in 0..n {
                        if style.headings {
                            out.push_str(&format!("{:<20}: ", table.headings[x]));
                        }
                        out.push_str(&cell(r, x));
                        out.push('\n');
                    }
                }
            }
            Format::Html => {
                if let Some(t) = &table.timestamp {
                    out.push_str(t);
                    out.push('\n');
                }
                out.push_str("<table border=1>\n");
                if let Some(c) = &table.caption {
                    html_cell(&mut out, "caption", c);
                }
                if style.headings {
                    out.push_str("  <tr>\n");
                    for h in &table.headings {
                        html_cell(&mut out, "th", h);
                    }
                    out.push_str("  </tr>\n");
                }
                for r in &table.rows {
                    out.push_str("  <tr>\n");
                    for x in 0..n {
                        let content = cell(r, x);
                        if table.headings[x] == "_uuid" {
                            out.push_str("    <td><a name=\"");
                            out.push_str(&html_escape(&content));
                            out.push_str("\">");
                            out.push_str(&html_escape(truncate_bytes(&content, 8)));
                            out.push_str("</a></td>\n");
                        } else {
                            html_cell(&mut out, "td", &content);
                        }
                    }
                    out.push_str("  </tr>\n");
                }
                out.push_str("</table>\n");
            }
            Format::Csv => {
                separator(&mut out, &mut self.first);
                push_preamble(&mut out, table);
                let line = |out: &mut String, cells: Vec<String>| {
                    let l: Vec<String> = cells.iter().map(|c| csv_escape(c)).collect();
                    out.push_str(&l.join(","));
                    out.push('\n');
                };
                if style.headings {
                    line(&mut out, table.headings.clone());
                }
                for r in &table.rows {
                    line(&mut out, (0..n).map(|x| cell(r, x)).collect());
                }
            }
            Format::Json => {
                let mut m = serde_json::Map::new();
                if let Some(c) = &table.caption {
                    m.insert("caption".into(), Value::String(c.clone()));
                }
                if let Some(t) = &table.timestamp {
                    m.insert("time".into(), Value::String(t.clone()));
                }
                m.insert(
                    "headings".into(),
                    Value::Array(table.headings.iter().cloned().map(Value::String).collect()),
                );
                let data = table
                    .rows
                    .iter()
                    .map(|r| {
                        Value::Array(
                            (0..n)
                                .map(|x| match r.get(x) {
                                    Some(Cell { text: Some(t), .. }) => Value::String(t.clone()),
                                    Some(Cell { json: Some(j), .. }) => j.clone(),
                                    _ => Value::Null,
                                })
                                .collect(),
                        )
                    })
                    .collect();
                m.insert("data".into(), Value::Array(data));
                out.push_str(&to_json_text(&Value::Object(m), true, style.pretty));
                out.push('\n');
            }
        }
        out
    }
}

fn push_preamble(out: &mut String, table: &Table) {
    if let Some(t) = &table.timestamp {
        out.push_str(t);
        out.push('\n');
    }
    if let Some(c) = &table.caption {
        out.push_str(c);
        out.push('\n');
    }
}

/// The first `n` bytes of `s` (fewer if `n` falls inside a character).
fn truncate_bytes(s: &str, n: usize) -> &str {
    if s.len() <= n {
        return s;
    }
    let mut end = n;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn html_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            c => o.push(c),
        }
    }
    o
}

/// An HTML cell; a UUID inside the text becomes a link to the row with that UUID.
fn html_cell(out: &mut String, element: &str, content: &str) {
    out.push_str(&format!("    <{element}>"));
    let mut rest = content;
    while !rest.is_empty() {
        if rest.len() >= 36 && rest.is_char_boundary(36) && rest[..36].parse::<ovsdb_proto::Uuid>().is_ok() {
            out.push_str(&format!("<a href=\"#{}\">{}</a>", &rest[..36], &rest[..8]));
            rest = &rest[36..];
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push_str(&html_escape(&c.to_string()));
            rest = &rest[c.len_utf8()..];
        }
    }
    out.push_str(&format!("</{element}>\n"));
}

fn csv_escape(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// JSON text as OVS's serializer writes it: members in name order when `sort` (else in the
/// value's order), no spaces; with `pretty`, a new line and two spaces per level before each
/// member or element and `": "` after names. Reals are written with `%.15g`.
pub fn to_json_text(v: &Value, sort: bool, pretty: bool) -> String {
    let mut out = String::new();
    write_json(&mut out, v, sort, pretty, 0);
    out
}

fn indent(out: &mut String, pretty: bool, depth: usize) {
    if pretty {
        out.push('\n');
        out.push_str(&" ".repeat(2 * depth));
    }
}

fn write_json(out: &mut String, v: &Value, sort: bool, pretty: bool, depth: usize) {
    match v {
        Value::Object(m) => {
            out.push('{');
            indent(out, pretty, depth + 1);
            let mut members: Vec<(&String, &Value)> = m.iter().collect();
            if sort {
                members.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            }
            for (i, (k, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                    indent(out, pretty, depth + 1);
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                if pretty {
                    out.push(' ');
                }
                write_json(out, v, sort, pretty, depth + 1);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            if !a.is_empty() {
                indent(out, pretty, depth + 1);
                for (i, e) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                        indent(out, pretty, depth + 1);
                    }
                    write_json(out, e, sort, pretty, depth + 1);
                }
            }
            out.push(']');
        }
        Value::Number(n) if n.is_f64() => out.push_str(&format_g15(n.as_f64().unwrap_or(0.0))),
        other => out.push_str(&other.to_string()),
    }
}

/// `x` as C's `printf("%.15g")` writes it.
pub(crate) fn format_g15(x: f64) -> String {
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    if !x.is_finite() {
        return if x.is_nan() {
            "nan".into()
        } else if x > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    // 15 significant digits: mantissa d.dddddddddddddd and a decimal exponent.
    let sci = format!("{x:.14e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let strip = |s: String| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            s
        }
    };
    if !(-4..15).contains(&exp) {
        let m = strip(mantissa.to_owned());
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{m}e{sign}{:02}", exp.abs())
    } else {
        let decimals = usize::try_from(14 - exp).unwrap_or(0);
        strip(format!("{x:.decimals$}"))
    }
}

/// Whether OVS writes a string atom quoted: unless it starts with a letter or `_`, continues
/// with letters, digits, `_`, `-` or `.`, and is neither `true`, `false` nor a UUID.
fn string_needs_quotes(s: &str) -> bool {
    let mut chars = s.bytes();
    let Some(first) = chars.next() else {
        return true;
    };
    !((first.is_ascii_alphabetic() || first == b'_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.')))
        || s == "true"
        || s == "false"
        || s.parse::<ovsdb_proto::Uuid>().is_ok()
}

/// An atom in OVSDB's string syntax.
pub(crate) fn atom_to_string(a: &Atom) -> String {
    match a {
        Atom::String(s) if string_needs_quotes(s) => Value::String(s.clone()).to_string(),
        Atom::String(s) => s.clone(),
        Atom::Integer(i) => i.to_string(),
        Atom::Real(r) => format_g15(r.get()),
        Atom::Boolean(b) => b.to_string(),
        Atom::Uuid(u) => u.to_string(),
        Atom::NamedUuid(n) => n.as_str().to_owned(),
    }
}

fn atom_to_bare(a: &Atom) -> String {
    match a {
        Atom::String(s) => s.clone(),
        other => atom_to_string(other),
    }
}

fn pairs(d: &Datum) -> Vec<(&Atom, Option<&Atom>)> {
    match d {
        Datum::Set(s) => s.iter().map(|a| (a, None)).collect(),
        Datum::Map(m) => m.iter().map(|(k, v)| (k, Some(v))).collect(),
    }
}

/// A datum in OVSDB's string syntax (ovsdb-client's `--data=string`): brackets (`[]` for a
/// set, `{}` for a map) unless the type holds at most one element and the datum has one.
pub(crate) fn datum_to_string(d: &Datum, ty: &ColumnType) -> String {
    let is_map = ty.value.is_some();
    let bracket = ty.max != Max::Limited(1) || d.is_empty();
    let mut s = String::new();
    if bracket {
        s.push(if is_map { '{' } else { '[' });
    }
    for (i, (k, v)) in pairs(d).into_iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(&atom_to_string(k));
        if let Some(v) = v {
            s.push('=');
            s.push_str(&atom_to_string(v));
        }
    }
    if bracket {
        s.push(if is_map { '}' } else { ']' });
    }
    s
}

/// A datum in bare syntax (`--data=bare`): elements separated by spaces, strings unquoted.
pub(crate) fn datum_to_bare(d: &Datum, _ty: &ColumnType) -> String {
    pairs(d)
        .into_iter()
        .map(|(k, v)| match v {
            Some(v) => format!("{}={}", atom_to_bare(k), atom_to_bare(v)),
            None => atom_to_bare(k),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// OVS's datum order (`ovsdb_datum_compare_3way`): fewer elements first, then the keys in
/// order, then the values.
pub(crate) fn compare_datums(a: &Datum, b: &Datum) -> Ordering {
    let (pa, pb) = (pairs(a), pairs(b));
    pa.len()
        .cmp(&pb.len())
        .then_with(|| pa.iter().map(|p| p.0).cmp(pb.iter().map(|p| p.0)))
        .then_with(|| pa.iter().map(|p| p.1).cmp(pb.iter().map(|p| p.1)))
}

/// Whether a column's key type is `uuid` (`dump` sorts on those columns last).
pub(crate) fn key_is_uuid(ty: &ColumnType) -> bool {
    ty.key.atomic == AtomicType::Uuid
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
            (
                "0a1b2c3d-0000-4000-8000-000000000001",
                "\"0a1b2c3d-0000-4000-8000-000000000001\"",
            ),
        ] {
            assert_eq!(atom_to_string(&Atom::from(s)), want, "{s}");
        }
    }

    #[test]
    fn reals_like_printf_g15() {
        for (x, want) in [
            (1.0, "1"),
            (1.5, "1.5"),
            (0.1, "0.1"),
            (-2.25, "-2.25"),
            (1e20, "1e+20"),
            (1.234e-7, "1.234e-07"),
            (123456789012345.0, "123456789012345"),
            (1234567890123456.0, "1.23456789012346e+15"),
            (0.0001, "0.0001"),
            (1.0 / 3.0, "0.333333333333333"),
        ] {
            assert_eq!(format_g15(x), want, "{x}");
        }
    }

    #[test]
    fn json_like_ovs_serializer() {
        let v: Value = serde_json::from_str(r#"{"b":[1,{"y":2,"x":[]}],"a":{}}"#).unwrap();
        assert_eq!(
            to_json_text(&v, true, false),
            r#"{"a":{},"b":[1,{"x":[],"y":2}]}"#
        );
        assert_eq!(
            to_json_text(&v, true, true),
            "{\n  \"a\": {\n    },\n  \"b\": [\n    1,\n    {\n      \"x\": [],\n      \"y\": 2}]}"
        );
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
            ..Table::default()
        };
        let mut p = Printer::new(Style::default());
        assert_eq!(p.render(&t), "T table\na   bb\n--- --\nxyz 1\nq   22\n");
        let mut p = Printer::new(Style {
            format: Format::Csv,
            ..Style::default()
        });
        p.mark_printed();
        assert_eq!(p.render(&t), "\nT table\na,bb\nxyz,1\nq,22\n");
        let mut p = Printer::new(Style {
            format: Format::List,
            ..Style::default()
        });
        assert_eq!(
            p.render(&t),
            "T table\na                   : xyz\nbb                  : 1\n\na                   : q\nbb                  : 22\n"
        );
    }
}
