//! Doc comments for generated items, written from the schema's types and constraints.

use ovsdb_proto::schema::{BaseType, Max, RefType};

use crate::model::{AtomKind, Base, ColumnModel, DefaultValue, EnumModel, EnumValues, Shape, TableModel};
use crate::naming;

/// One atom's description: `integer in \`0..=4095\``, `strong reference to [\`Port\`]`, ...
pub(crate) fn base(b: &Base<'_>, enums: &[EnumModel]) -> String {
    let s = b.schema;
    match &b.kind {
        AtomKind::Enum(i) => match enums.get(*i) {
            Some(e) => format!("one of [`{}`]", e.name),
            None => "enum".to_owned(),
        },
        AtomKind::Ref { target } => {
            let strength = match s.ref_type {
                RefType::Strong => "strong",
                RefType::Weak => "weak",
            };
            format!("{strength} reference to [`{target}`]")
        }
        AtomKind::Integer => with_enum(
            s,
            range("integer", s.min_integer, s.max_integer, |v| v.to_string()),
        ),
        AtomKind::Real => with_enum(s, range("real", s.min_real, s.max_real, |v| format!("{v:?}"))),
        AtomKind::Boolean => with_enum(s, "boolean".to_owned()),
        AtomKind::Uuid => with_enum(s, "UUID".to_owned()),
        AtomKind::String => {
            let len = match (s.min_length, s.max_length) {
                (None, None) => String::new(),
                (Some(a), None) => format!(" of at least {a} characters"),
                (None, Some(b)) => format!(" of at most {b} characters"),
                (Some(a), Some(b)) => format!(" of {a} to {b} characters"),
            };
            with_enum(s, format!("string{len}"))
        }
    }
}

/// Adds the allowed values of an enum that has no generated Rust enum (reals, booleans, uuids).
fn with_enum(s: &BaseType, text: String) -> String {
    match &s.enum_ {
        None => text,
        Some(values) => {
            let list: Vec<String> = values.iter().map(|a| format!("`{a}`")).collect();
            format!("{text}, one of {}", list.join(", "))
        }
    }
}

fn range<T: Copy>(what: &str, min: Option<T>, max: Option<T>, show: impl Fn(T) -> String) -> String {
    match (min, max) {
        (None, None) => what.to_owned(),
        (Some(a), None) => format!("{what}, at least `{}`", show(a)),
        (None, Some(b)) => format!("{what}, at most `{}`", show(b)),
        (Some(a), Some(b)) => format!("{what} in `{}..={}`", show(a), show(b)),
    }
}

fn count(min: u64, max: Max, noun: &str) -> String {
    let plural = |n: u64| {
        if n == 1 {
            noun.to_owned()
        } else {
            format!("{noun}s")
        }
    };
    match (min, max) {
        (0, Max::Unlimited) => format!("any number of {noun}s"),
        (n, Max::Unlimited) => format!("at least {n} {}", plural(n)),
        (0, Max::Limited(m)) => format!("at most {m} {}", plural(m)),
        (n, Max::Limited(m)) if n == m => format!("exactly {n} {}", plural(n)),
        (n, Max::Limited(m)) => format!("{n} to {m} {noun}s"),
    }
}

/// The doc lines of a column's field.
pub(crate) fn field(c: &ColumnModel<'_>, enums: &[EnumModel]) -> Vec<String> {
    let t = &c.schema.type_;
    let key = base(&c.key, enums);
    let summary = match (c.shape, &c.value) {
        (Shape::Scalar, _) => key,
        (Shape::Optional, _) => format!("optional, {key}"),
        (Shape::Set, _) => format!("set of {}. Element: {key}", count(t.min, t.max, "element")),
        (Shape::Map, Some(v)) => {
            format!(
                "map of {}. Key: {key}. Value: {}",
                count(t.min, t.max, "pair"),
                base(v, enums)
            )
        }
        (Shape::Map, None) => format!("map of {}", count(t.min, t.max, "pair")),
    };
    let mut lines = vec![format!("`{}`: {summary}.", c.name)];
    let mut notes = Vec::new();
    if c.field != c.name {
        if naming::is_keyword(c.name) {
            notes.push(format!(
                "Named `{}` because `{}` is a Rust keyword.",
                c.field, c.name
            ));
        } else {
            notes.push(format!("Named `{}` after the column `{}`.", c.field, c.name));
        }
    }
    let refs = [Some(&c.key), c.value.as_ref()];
    if refs.iter().flatten().any(|b| b.schema.is_strong_ref()) {
        notes.push(
            "Strong reference: the target row cannot be deleted while this row refers to it.".to_owned(),
        );
    }
    if refs.iter().flatten().any(|b| b.schema.is_weak_ref()) {
        notes.push(
            "Weak reference: ovsdb-server removes the reference when the target row is deleted.".to_owned(),
        );
    }
    if c.schema.ephemeral {
        notes.push("Ephemeral: not written to disk, lost when ovsdb-server restarts.".to_owned());
    }
    if !c.schema.mutable {
        notes.push("Immutable: set when the row is inserted, never changed afterwards.".to_owned());
    }
    match c.default {
        Some(DefaultValue::Integer(v)) => notes.push(format!(
            "Defaults to `{v}`, the bound nearest to 0: ovsdb-server's own default, 0, is out of range."
        )),
        Some(DefaultValue::Real(v)) => notes.push(format!(
            "Defaults to `{v:?}`, the bound nearest to 0: ovsdb-server's own default, 0.0, is out of range."
        )),
        None => {}
    }
    if !notes.is_empty() {
        lines.push(String::new());
        lines.push(notes.join(" "));
    }
    lines
}

/// The doc lines of a column constant.
pub(crate) fn column_const(table: &TableModel<'_>, c: &ColumnModel<'_>) -> Vec<String> {
    vec![format!(
        "Column `{}` of `{}`, for conditions and mutations; see [`Self::{}`].",
        c.name, table.name, c.field
    )]
}

/// The doc lines of a table struct.
pub(crate) fn table(t: &TableModel<'_>, db: &str) -> Vec<String> {
    let mut lines = vec![
        format!("A row of the `{}` table of `{db}`.", t.name),
        String::new(),
    ];
    if t.schema.is_root {
        lines.push("Root table: rows persist until deleted.".to_owned());
    } else {
        lines.push(
            "Not a root table: ovsdb-server deletes a row once no strong reference from another row \
             reaches it, so insert it together with a row that refers to it."
                .to_owned(),
        );
    }
    if let Some(m) = t.schema.max_rows {
        lines.push(String::new());
        lines.push(format!(
            "At most {m} row{} (`maxRows`).",
            if m == 1 { "" } else { "s" }
        ));
    }
    if !t.schema.mutable {
        lines.push(String::new());
        lines.push("Rows cannot be modified after insertion (the table is not `mutable`).".to_owned());
    }
    if !t.indexes.is_empty() {
        lines.push(String::new());
        let list: Vec<String> = t
            .indexes
            .iter()
            .map(|i| format!("[`Self::{}`]", i.konst))
            .collect();
        lines.push(format!("Unique indexes: {}.", list.join(", ")));
    }
    lines
}

/// The doc lines of a unique-index constant.
pub(crate) fn index(t: &TableModel<'_>, columns: &[&str]) -> Vec<String> {
    let list: Vec<String> = columns.iter().map(|c| format!("`{c}`")).collect();
    let key = if columns.len() == 1 {
        "the column's value"
    } else {
        "a tuple of the columns' values, in this order"
    };
    vec![
        format!(
            "Schema index of `{}` over {}: no two rows have the same values.",
            t.name,
            list.join(", ")
        ),
        String::new(),
        format!("The key is {key}."),
    ]
}

/// The doc lines of a generated enum.
pub(crate) fn enumeration(e: &EnumModel) -> Vec<String> {
    let (kind, n) = match &e.values {
        EnumValues::Strings(v) => ("string", v.len()),
        EnumValues::Integers(v) => ("integer", v.len()),
    };
    vec![
        format!(
            "Values of `{}`: {n} {kind} value{}.",
            e.origin,
            if n == 1 { "" } else { "s" }
        ),
        String::new(),
        format!(
            "The default is the first value in ovsdb-server's order. [`Self::{}`] holds a value this \
             schema version does not list (from a newer server), verbatim.",
            crate::model::UNKNOWN_VARIANT
        ),
    ]
}

/// The doc line of the catch-all variant.
pub(crate) fn unknown_variant() -> String {
    "A value this schema version does not list (sent by a newer server), kept verbatim.".to_owned()
}
