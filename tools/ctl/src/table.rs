//! Tabular output of `list` and `find` (ovs-vsctl(8) "Table Formatting Options"): table,
//! list, csv, json, with string, bare or json cell data.

use ovsdb_proto::{ColumnType, Datum};

use crate::value::{datum_to_bare, datum_to_string};

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns under headings.
    Table,
    /// One `heading : value` line per cell, records separated by blank lines.
    List,
    /// Comma-separated values.
    Csv,
    /// One JSON object `{"data":[...],"headings":[...]}`.
    Json,
    /// HTML table.
    Html,
}

/// `--data`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellData {
    /// Values in ovsdb text syntax.
    String,
    /// Values without quotes and brackets.
    Bare,
    /// Values in RFC 7047 JSON notation.
    Json,
}

/// Table output style.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Layout.
    pub format: Format,
    /// Cell rendering.
    pub data: CellData,
    /// Whether headings are printed.
    pub headings: bool,
    /// Pretty-printed JSON.
    pub pretty: bool,
}

/// Cells with their column types, ready to be rendered.
#[derive(Debug, Default)]
pub(crate) struct OutTable {
    pub(crate) headings: Vec<String>,
    pub(crate) rows: Vec<Vec<(ColumnType, Datum)>>,
}

fn cell(style: &Style, ty: &ColumnType, d: &Datum) -> String {
    match style.data {
        CellData::String => datum_to_string(ty, d),
        CellData::Bare => datum_to_bare(d),
        CellData::Json => d.to_json().to_string(),
    }
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

impl OutTable {
    /// Renders the table.
    pub(crate) fn render(&self, style: &Style) -> String {
        let mut out = String::new();
        match style.format {
            Format::List => {
                for (i, row) in self.rows.iter().enumerate() {
                    if i > 0 {
                        out.push('\n');
                    }
                    for (h, (ty, d)) in self.headings.iter().zip(row) {
                        if style.headings {
                            out.push_str(&format!("{h:<20}: "));
                        }
                        out.push_str(&cell(style, ty, d));
                        out.push('\n');
                    }
                }
            }
            Format::Table => {
                let cells: Vec<Vec<String>> = self
                    .rows
                    .iter()
                    .map(|r| r.iter().map(|(t, d)| cell(style, t, d)).collect())
                    .collect();
                let mut widths: Vec<usize> = self
                    .headings
                    .iter()
                    .map(|h| if style.headings { h.chars().count() } else { 0 })
                    .collect();
                for r in &cells {
                    for (i, c) in r.iter().enumerate() {
                        if let Some(w) = widths.get_mut(i) {
                            *w = (*w).max(c.chars().count());
                        }
                    }
                }
                let line = |items: &[String]| {
                    let mut l = String::new();
                    for (i, c) in items.iter().enumerate() {
                        if i > 0 {
                            l.push(' ');
                        }
                        if i + 1 < items.len() {
                            l.push_str(&format!("{c:<w$}", w = widths[i]));
                        } else {
                            l.push_str(c);
                        }
                    }
                    l.push('\n');
                    l
                };
                if style.headings {
                    out.push_str(&line(&self.headings));
                    let dashes: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
                    out.push_str(&line(&dashes));
                }
                for r in &cells {
                    out.push_str(&line(r));
                }
            }
            Format::Csv => {
                if style.headings {
                    let h: Vec<String> = self.headings.iter().map(|h| csv_cell(h)).collect();
                    out.push_str(&h.join(","));
                    out.push('\n');
                }
                for r in &self.rows {
                    let c: Vec<String> = r.iter().map(|(t, d)| csv_cell(&cell(style, t, d))).collect();
                    out.push_str(&c.join(","));
                    out.push('\n');
                }
            }
            Format::Json => {
                let data: Vec<serde_json::Value> = self
                    .rows
                    .iter()
                    .map(|r| {
                        serde_json::Value::Array(
                            r.iter()
                                .map(|(t, d)| match style.data {
                                    CellData::Json => d.to_json(),
                                    _ => serde_json::Value::String(cell(style, t, d)),
                                })
                                .collect(),
                        )
                    })
                    .collect();
                let mut obj = serde_json::Map::new();
                obj.insert("data".into(), serde_json::Value::Array(data));
                // OVS's JSON tables always carry their headings (--no-headings or not).
                obj.insert(
                    "headings".into(),
                    serde_json::Value::Array(
                        self.headings
                            .iter()
                            .map(|h| serde_json::Value::String(h.clone()))
                            .collect(),
                    ),
                );
                let v = serde_json::Value::Object(obj);
                let s = if style.pretty {
                    let mut s = String::new();
                    ovs_pretty_json(&v, 0, &mut s);
                    s
                } else {
                    serde_json::to_string(&v).unwrap_or_default()
                };
                out.push_str(&s);
                out.push('\n');
            }
            Format::Html => {
                out.push_str("<table border=1>\n");
                if style.headings {
                    out.push_str("  <tr>\n");
                    for h in &self.headings {
                        html_cell("th", h, &mut out);
                    }
                    out.push_str("  </tr>\n");
                }
                for r in &self.rows {
                    out.push_str("  <tr>\n");
                    for (h, (t, d)) in self.headings.iter().zip(r) {
                        let content = cell(style, t, d);
                        if h == "_uuid" {
                            // An anchor named by the row's uuid, showing its first 8 characters.
                            let short: String = content.chars().take(8).collect();
                            out.push_str(&format!(
                                "    <td><a name=\"{}\">{}</a></td>\n",
                                html_escape(&content),
                                html_escape(&short)
                            ));
                        } else {
                            html_cell("td", &content, &mut out);
                        }
                    }
                    out.push_str("  </tr>\n");
                }
                out.push_str("</table>\n");
            }
        }
        out
    }
}

/// One HTML cell as OVS's table printer writes it: every uuid in the text becomes a link to
/// its row's anchor, showing its first 8 characters; the rest is escaped.
fn html_cell(element: &str, content: &str, out: &mut String) {
    out.push_str(&format!("    <{element}>"));
    let mut rest = content;
    while let Some(c) = rest.chars().next() {
        let candidate = rest.get(..36).filter(|u| is_uuid_text(u));
        match candidate {
            Some(u) => {
                out.push_str(&format!("<a href=\"#{u}\">{}</a>", &u[..8]));
                rest = &rest[36..];
            }
            None => {
                out.push_str(&html_escape(c.encode_utf8(&mut [0; 4])));
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out.push_str(&format!("</{element}>\n"));
}

/// Whether `s` is a uuid in its 36-character text form.
fn is_uuid_text(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// `--pretty` JSON as OVS writes it (lib/json.c): each array element and object member on a
/// line of its own, indented two spaces a level, closing brackets right after the last one,
/// object members in key order.
fn ovs_pretty_json(v: &serde_json::Value, depth: usize, out: &mut String) {
    let indent = |d: usize, out: &mut String| {
        out.push('\n');
        out.push_str(&"  ".repeat(d));
    };
    match v {
        serde_json::Value::Array(a) => {
            out.push('[');
            for (i, e) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                indent(depth + 1, out);
                ovs_pretty_json(e, depth + 1, out);
            }
            out.push(']');
        }
        serde_json::Value::Object(m) => {
            out.push('{');
            let mut members: Vec<_> = m.iter().collect();
            members.sort_by(|a, b| a.0.cmp(b.0));
            for (i, (k, e)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                indent(depth + 1, out);
                out.push_str(&serde_json::Value::String(k.clone()).to_string());
                out.push_str(": ");
                ovs_pretty_json(e, depth + 1, out);
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
