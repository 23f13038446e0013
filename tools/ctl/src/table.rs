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
                if style.headings {
                    obj.insert(
                        "headings".into(),
                        serde_json::Value::Array(
                            self.headings
                                .iter()
                                .map(|h| serde_json::Value::String(h.clone()))
                                .collect(),
                        ),
                    );
                }
                let v = serde_json::Value::Object(obj);
                let s = if style.pretty {
                    serde_json::to_string_pretty(&v).unwrap_or_default()
                } else {
                    serde_json::to_string(&v).unwrap_or_default()
                };
                out.push_str(&s);
                out.push('\n');
            }
            Format::Html => {
                out.push_str("<table>\n");
                if style.headings {
                    out.push_str("  <tr>\n");
                    for h in &self.headings {
                        out.push_str(&format!("    <th>{}</th>\n", html_escape(h)));
                    }
                    out.push_str("  </tr>\n");
                }
                for r in &self.rows {
                    out.push_str("  <tr>\n");
                    for (t, d) in r {
                        out.push_str(&format!("    <td>{}</td>\n", html_escape(&cell(style, t, d))));
                    }
                    out.push_str("  </tr>\n");
                }
                out.push_str("</table>\n");
            }
        }
        out
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
