//! Rust tokens for a [`DbModel`], pretty-printed into files.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;

use crate::model::{
    AtomKind, ColumnModel, DbModel, DefaultValue, EnumModel, EnumValues, Shape, TableModel, UNKNOWN_VARIANT,
};
use crate::{CodegenError, GeneratedFile, Options, SchemaSource, docs};

/// The parts every column must appear in; the completeness check counts them.
#[derive(Clone, Copy)]
enum Part {
    Field = 1,
    Const = 2,
    Decode = 4,
    Encode = 8,
    Diff = 16,
}
const ALL_PARTS: u8 = 31;

/// What was emitted, for the completeness check.
#[derive(Default)]
struct Log {
    columns: BTreeMap<(String, String), u8>,
    tables: BTreeMap<String, u8>,
}

impl Log {
    fn column(&mut self, t: &TableModel<'_>, c: &ColumnModel<'_>, part: Part) {
        *self
            .columns
            .entry((t.name.to_owned(), c.name.to_owned()))
            .or_default() |= part as u8;
    }

    fn table(&mut self, t: &TableModel<'_>, part: u8) {
        *self.tables.entry(t.name.to_owned()).or_default() |= part;
    }
}

const TABLE_FILE: u8 = 1;
const TABLE_VISITED: u8 = 2;
const TABLE_EXPORTED: u8 = 4;

/// Whether `s` can be a Rust identifier (not checking keywords; names are escaped before).
fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && s != "_"
}

fn ident(s: &str) -> Result<Ident, CodegenError> {
    if is_ident(s) {
        Ok(Ident::new(s, Span::call_site()))
    } else {
        Err(CodegenError::InvalidIdentifier { name: s.to_owned() })
    }
}

/// `#[doc = " line"]` attributes, one per line, which prettyplease prints as `///` comments.
fn doc(lines: &[String]) -> TokenStream {
    let lines = lines.iter().map(|l| {
        if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        }
    });
    quote! { #(#[doc = #lines])* }
}

fn int_lit(v: i64) -> TokenStream {
    let abs = Literal::u64_unsuffixed(v.unsigned_abs());
    if v < 0 { quote!(-#abs) } else { quote!(#abs) }
}

fn atom_type(kind: &AtomKind, enums: &[EnumModel]) -> Result<TokenStream, CodegenError> {
    Ok(match kind {
        AtomKind::Integer => quote!(i64),
        AtomKind::Real => quote!(Real),
        AtomKind::Boolean => quote!(bool),
        AtomKind::String => quote!(SmolStr),
        AtomKind::Uuid => quote!(Uuid),
        AtomKind::Ref { target } => {
            let t = ident(target)?;
            quote!(Ref<#t>)
        }
        AtomKind::Enum(i) => {
            let name = enums.get(*i).map(|e| e.name.as_str()).unwrap_or_default();
            let e = ident(name)?;
            quote!(#e)
        }
    })
}

fn field_type(c: &ColumnModel<'_>, enums: &[EnumModel]) -> Result<TokenStream, CodegenError> {
    let k = atom_type(&c.key.kind, enums)?;
    Ok(match (c.shape, &c.value) {
        (Shape::Scalar, _) => k,
        (Shape::Optional, _) => quote!(Option<#k>),
        (Shape::Set, _) => quote!(Set<#k>),
        (Shape::Map, Some(v)) => {
            let v = atom_type(&v.kind, enums)?;
            quote!(Map<#k, #v>)
        }
        (Shape::Map, None) => quote!(Map<#k, #k>),
    })
}

/// Stands in for the embedded schema literal while the file is printed and spaced, so that the
/// spacing rules never touch the schema text.
const SCHEMA_PLACEHOLDER: &str = "__OVSDB_CODEGEN_SCHEMA_JSON__";

/// Pretty-prints tokens as a file, after the header, with blank lines between items.
fn render(header: &str, tokens: TokenStream, file: &str) -> Result<String, CodegenError> {
    let parsed: syn::File = syn::parse2(tokens).map_err(|e| CodegenError::Syntax {
        file: file.to_owned(),
        message: e.to_string(),
    })?;
    Ok(format!(
        "{header}\n{}",
        space_items(&prettyplease::unparse(&parsed))
    ))
}

/// Adds the blank lines prettyplease leaves out: after the module doc and the imports, between
/// top-level items, and between documented or multi-line items inside an `impl` or `enum`.
fn space_items(text: &str) -> String {
    /// The kinds of top-level statement that stay together without blank lines.
    fn group(line: &str) -> Option<&'static str> {
        ["use ", "mod ", "pub use "]
            .into_iter()
            .find(|k| line.starts_with(k))
    }
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut prev = "";
    // The group of the top-level statement the previous line belongs to.
    let mut stmt_group = None;
    for line in text.lines() {
        let top_level_end = !prev.starts_with(' ') && (prev.ends_with(';') || prev == "}");
        let blank = !line.is_empty()
            && !prev.is_empty()
            && ((top_level_end && !(stmt_group.is_some() && group(line) == stmt_group))
                || (prev.starts_with("//!") && !line.starts_with("//!"))
                || (prev == "    }" && line.starts_with("    ") && !line.starts_with("    }"))
                || ((line.starts_with("    ///") || line.starts_with("    fn "))
                    && !prev.starts_with("    ///")
                    && !prev.ends_with('{')
                    && !prev.ends_with(',')));
        if blank {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
        if !line.starts_with(' ') && !line.starts_with('}') && !line.is_empty() {
            stmt_group = group(line);
        }
        prev = line;
    }
    out
}

fn header(model: &DbModel<'_>, options: &Options) -> String {
    let cksum = match &model.schema.cksum {
        Some(c) => format!("cksum {c:?}"),
        None => "no cksum".to_owned(),
    };
    format!(
        "// @generated by ovsdb-codegen from {} ({} {}, {cksum}).\n// Do not edit: change the schema or \
         ovsdb-codegen, then {}.\n",
        options.schema_path, model.schema.name, model.version, options.regenerate_hint
    )
}

/// Emits every file of the database: `mod.rs` and one file per table.
pub(crate) fn database(
    model: &DbModel<'_>,
    options: &Options,
    schema_json: &str,
) -> Result<Vec<GeneratedFile>, CodegenError> {
    let header = header(model, options);
    let mut log = Log::default();
    let mut files = Vec::new();
    for t in &model.tables {
        let path = format!("{}.rs", t.module);
        let tokens = table_file(model, t, &mut log)?;
        files.push(GeneratedFile {
            path: path.clone(),
            contents: render(&header, tokens, &path)?,
        });
        log.table(t, TABLE_FILE);
    }
    let tokens = mod_file(model, options, &mut log)?;
    let mut contents = render(&header, tokens, "mod.rs")?;
    if options.schema_source == SchemaSource::Embed {
        contents = contents.replacen(SCHEMA_PLACEHOLDER, &raw_string(schema_json), 1);
    }
    files.push(GeneratedFile {
        path: "mod.rs".to_owned(),
        contents,
    });
    files.sort_by(|a, b| a.path.cmp(&b.path));
    check_complete(model, &log)?;
    Ok(files)
}

/// The completeness check: every table and every column of the schema was emitted in full.
fn check_complete(model: &DbModel<'_>, log: &Log) -> Result<(), CodegenError> {
    let mut missing = Vec::new();
    for (table_name, table) in &model.schema.tables {
        if log.tables.get(table_name).copied() != Some(TABLE_FILE | TABLE_VISITED | TABLE_EXPORTED) {
            missing.push(format!("table {table_name}"));
        }
        for column in table.columns.keys() {
            if log.columns.get(&(table_name.clone(), column.clone())).copied() != Some(ALL_PARTS) {
                missing.push(format!("column {table_name}.{column}"));
            }
        }
    }
    let emitted_tables = log.tables.len();
    let emitted_columns = log.columns.len();
    let schema_columns: usize = model.schema.tables.values().map(|t| t.columns.len()).sum();
    if emitted_tables != model.schema.tables.len() || emitted_columns != schema_columns {
        missing.push(format!(
            "{emitted_tables} tables and {emitted_columns} columns emitted for {} and {schema_columns} in the schema",
            model.schema.tables.len()
        ));
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(CodegenError::Incomplete { missing })
    }
}

fn mod_file(model: &DbModel<'_>, options: &Options, log: &mut Log) -> Result<TokenStream, CodegenError> {
    let db = ident(&model.db_type)?;
    let db_name = &model.schema.name;
    let version = model.version;
    let mut mods = Vec::new();
    let mut uses = Vec::new();
    let mut visits = Vec::new();
    let mut table_names = Vec::new();
    for t in &model.tables {
        let m = ident(&t.module)?;
        mods.push(quote!(mod #m;));
        let mut names = vec![ident(&t.struct_name)?];
        for e in &t.enums {
            names.push(ident(&e.name)?);
        }
        names.sort();
        uses.push(quote!(pub use self::#m::{#(#names),*};));
        log.table(t, TABLE_EXPORTED);
        let s = ident(&t.struct_name)?;
        visits.push(quote!(visitor.visit::<#s>();));
        log.table(t, TABLE_VISITED);
        table_names.push(t.name);
    }
    if visits.is_empty() {
        visits.push(quote!(let _ = visitor;));
    }
    let cksum = match &model.schema.cksum {
        Some(c) => quote!(Some(#c)),
        None => quote!(None),
    };
    let json = match &options.schema_source {
        SchemaSource::Include(path) => quote!(include_str!(#path)),
        SchemaSource::Embed => {
            let p = ident(SCHEMA_PLACEHOLDER)?;
            quote!(#p)
        }
    };
    let module_doc = inner_doc(&[format!(
        "Typed bindings for the `{db_name}` database, schema version {version}."
    )]);
    let db_doc = doc(&[
        format!("The `{db_name}` database, schema version {version}: the marker type of its tables."),
        String::new(),
        "Implements [`ovsdb_proto::Database`]; the schema the code was generated from is embedded."
            .to_owned(),
    ]);
    Ok(quote! {
        #module_doc
        #(#mods)*
        #(#uses)*

        #db_doc
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        pub struct #db;

        impl ovsdb_proto::Database for #db {
            const NAME: &'static str = #db_name;
            const SCHEMA_VERSION: &'static str = #version;
            const SCHEMA_CKSUM: Option<&'static str> = #cksum;
            const SCHEMA_JSON: &'static str = #json;
            const TABLES: &'static [&'static str] = &[#(#table_names),*];

            fn schema() -> &'static ovsdb_proto::schema::DatabaseSchema {
                static SCHEMA: std::sync::OnceLock<ovsdb_proto::schema::DatabaseSchema> = std::sync::OnceLock::new();
                SCHEMA.get_or_init(|| ovsdb_proto::table::parse_embedded_schema(Self::SCHEMA_JSON))
            }

            fn for_each_table<V: ovsdb_proto::TableVisitor<Self>>(visitor: &mut V) {
                #(#visits)*
            }
        }
    })
}

/// `#![doc = " line"]` attributes, one per line, printed as `//!` comments.
fn inner_doc(lines: &[String]) -> TokenStream {
    let lines = lines.iter().map(|l| {
        if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        }
    });
    quote! { #(#![doc = #lines])* }
}

/// A raw string literal holding `text`, with enough `#` to be unambiguous.
fn raw_string(text: &str) -> String {
    let mut hashes = 1;
    while text.contains(&format!("\"{}", "#".repeat(hashes))) {
        hashes += 1;
    }
    let h = "#".repeat(hashes);
    format!("r{h}\"{text}\"{h}")
}

fn table_file(model: &DbModel<'_>, t: &TableModel<'_>, log: &mut Log) -> Result<TokenStream, CodegenError> {
    let name = ident(&t.struct_name)?;
    let table_name = t.name;
    let db = ident(&model.db_type)?;
    let enums = &t.enums;

    // Imports.
    let mut proto_uses: BTreeSet<&str> = ["Column", "Row", "RowError", "Table"].into_iter().collect();
    let mut super_uses: BTreeSet<String> = BTreeSet::from([model.db_type.clone()]);
    for c in &t.columns {
        match c.shape {
            Shape::Set => {
                proto_uses.insert("Set");
            }
            Shape::Map => {
                proto_uses.insert("Map");
            }
            Shape::Scalar | Shape::Optional => {}
        }
        for b in [Some(&c.key), c.value.as_ref()].into_iter().flatten() {
            match &b.kind {
                AtomKind::Real => {
                    proto_uses.insert("Real");
                }
                AtomKind::Uuid => {
                    proto_uses.insert("Uuid");
                }
                AtomKind::Ref { target } => {
                    proto_uses.insert("Ref");
                    if *target != t.struct_name {
                        super_uses.insert(target.clone());
                    }
                }
                AtomKind::String => {
                    proto_uses.insert("SmolStr");
                }
                AtomKind::Integer | AtomKind::Boolean | AtomKind::Enum(_) => {}
            }
        }
    }
    if !t.indexes.is_empty() {
        proto_uses.insert("UniqueIndex");
    }
    let proto_uses = proto_uses
        .iter()
        .map(|s| ident(s))
        .collect::<Result<Vec<_>, _>>()?;
    let super_uses = super_uses
        .iter()
        .map(|s| ident(s))
        .collect::<Result<Vec<_>, _>>()?;

    // The struct.
    let mut fields = Vec::new();
    for c in &t.columns {
        let f = ident(&c.field)?;
        let ty = field_type(c, enums)?;
        let d = doc(&docs::field(c, enums));
        fields.push(quote!(#d pub #f: #ty,));
        log.column(t, c, Part::Field);
    }
    let struct_doc = doc(&docs::table(t, &model.schema.name));
    let needs_manual_default = t.columns.iter().any(|c| c.default.is_some());
    let derives = if needs_manual_default {
        quote!(#[derive(Clone, Debug, PartialEq, Eq)])
    } else {
        quote!(#[derive(Clone, Debug, Default, PartialEq, Eq)])
    };
    let manual_default = if needs_manual_default {
        default_impl(t)?
    } else {
        quote!()
    };

    // Column and index constants.
    let mut consts = Vec::new();
    for c in &t.columns {
        let k = ident(&c.konst)?;
        let ty = field_type(c, enums)?;
        let col = c.name;
        let d = doc(&docs::column_const(t, c));
        consts.push(quote!(#d pub const #k: Column<Self, #ty> = Column::new(#col);));
        log.column(t, c, Part::Const);
    }
    let mut index_lists = Vec::new();
    for index in &t.indexes {
        let cols: Vec<&ColumnModel<'_>> = index.columns.iter().filter_map(|i| t.columns.get(*i)).collect();
        let names: Vec<&str> = cols.iter().map(|c| c.name).collect();
        let k = ident(&index.konst)?;
        let d = doc(&docs::index(t, &names));
        let mut types = Vec::new();
        let mut exprs = Vec::new();
        for c in &cols {
            types.push(field_type(c, enums)?);
            let f = ident(&c.field)?;
            exprs.push(if c.is_copy(enums) {
                quote!(row.#f)
            } else {
                quote!(row.#f.clone())
            });
        }
        let (ty, expr, allow) = if cols.len() == 1 {
            (quote!(#(#types)*), quote!(#(#exprs)*), quote!())
        } else {
            // A tuple of nested generics is the point of a composite key; naming it would add a
            // public alias per index.
            (
                quote!((#(#types),*)),
                quote!((#(#exprs),*)),
                quote!(#[allow(clippy::type_complexity)]),
            )
        };
        consts.push(quote!(#d #allow pub const #k: UniqueIndex<Self, #ty> = UniqueIndex::new(&[#(#names),*], |row| #expr);));
        index_lists.push(quote!(&[#(#names),*]));
    }

    // The Table impl.
    let column_names: Vec<&str> = t.columns.iter().map(|c| c.name).collect();
    let is_root = t.schema.is_root;
    let (from_row, apply_diff) = decode_fns(t, log)?;
    let decode_json = decode_json_fn(t)?;
    let mut encodes = Vec::new();
    for c in &t.columns {
        let col = c.name;
        let f = ident(&c.field)?;
        let k = ident(&c.konst)?;
        encodes.push(quote!(row.insert(#col, Self::#k.encode(&self.#f));));
        log.column(t, c, Part::Encode);
    }
    let to_row = if encodes.is_empty() {
        quote!(
            fn to_row(&self) -> Row {
                Row::new()
            }
        )
    } else {
        quote!(fn to_row(&self) -> Row {
            let mut row = Row::new();
            #(#encodes)*
            row
        })
    };

    let enum_items = enums.iter().map(enum_item).collect::<Result<Vec<_>, _>>()?;

    Ok(quote! {
        use ovsdb_proto::{#(#proto_uses),*};
        use super::{#(#super_uses),*};

        #struct_doc
        #derives
        pub struct #name {
            #(#fields)*
        }

        #manual_default

        impl #name {
            #(#consts)*
        }

        impl Table for #name {
            type Db = #db;
            const TABLE_NAME: &'static str = #table_name;
            const IS_ROOT: bool = #is_root;
            const COLUMNS: &'static [&'static str] = &[#(#column_names),*];
            const INDEXES: &'static [&'static [&'static str]] = &[#(#index_lists),*];

            #from_row
            #to_row
            #apply_diff
            #decode_json
        }

        #(#enum_items)*
    })
}

/// `decode_json_column`: one match arm per column, each decoding the JSON value straight into
/// the field.
fn decode_json_fn(t: &TableModel<'_>) -> Result<TokenStream, CodegenError> {
    let mut arms = Vec::new();
    for c in &t.columns {
        let col = c.name;
        let f = ident(&c.field)?;
        let k = ident(&c.konst)?;
        arms.push(quote!(#col => self.#f = Self::#k.decode_json(value)?,));
    }
    Ok(quote!(
        fn decode_json_column<'de, D: ovsdb_proto::serde::Deserializer<'de>>(
            &mut self,
            column: &str,
            value: D,
        ) -> Result<(), D::Error> {
            match column {
                #(#arms)*
                _ => ovsdb_proto::data::json::skip(value)?,
            }
            Ok(())
        }
    ))
}

/// `from_row` and `apply_diff`: one pass over the row's columns, one match arm per column.
fn decode_fns(t: &TableModel<'_>, log: &mut Log) -> Result<(TokenStream, TokenStream), CodegenError> {
    let mut decode_arms = Vec::new();
    let mut diff_arms = Vec::new();
    for c in &t.columns {
        let col = c.name;
        let f = ident(&c.field)?;
        let k = ident(&c.konst)?;
        decode_arms.push((col, quote!(this.#f = Self::#k.decode(datum)?)));
        log.column(t, c, Part::Decode);
        diff_arms.push((col, quote!(Self::#k.apply_diff(&mut self.#f, datum)?)));
        log.column(t, c, Part::Diff);
    }
    let dispatch = |arms: Vec<(&str, TokenStream)>| match arms.as_slice() {
        [] => quote!(),
        [(col, body)] => quote!(if column == #col { #body; }),
        _ => {
            let cols = arms.iter().map(|(c, _)| *c);
            let bodies = arms.iter().map(|(_, b)| b);
            quote!(match column.as_str() {
                #(#cols => #bodies,)*
                _ => {}
            })
        }
    };
    if t.columns.is_empty() {
        return Ok((
            quote!(
                fn from_row(_row: &Row) -> Result<Self, RowError> {
                    Ok(Self::default())
                }
            ),
            quote!(
                fn apply_diff(&mut self, _diff: &Row) -> Result<(), RowError> {
                    Ok(())
                }
            ),
        ));
    }
    let decode = dispatch(decode_arms);
    let diff = dispatch(diff_arms);
    Ok((
        quote!(fn from_row(row: &Row) -> Result<Self, RowError> {
            let mut this = Self::default();
            for (column, datum) in row.iter() {
                #decode
            }
            Ok(this)
        }),
        quote!(fn apply_diff(&mut self, diff: &Row) -> Result<(), RowError> {
            for (column, datum) in diff.iter() {
                #diff
            }
            Ok(())
        }),
    ))
}

/// `impl Default` for a table with a column whose type default is out of range.
fn default_impl(t: &TableModel<'_>) -> Result<TokenStream, CodegenError> {
    let name = ident(&t.struct_name)?;
    let mut inits = Vec::new();
    for c in &t.columns {
        let f = ident(&c.field)?;
        let value = match c.default {
            Some(DefaultValue::Integer(v)) => int_lit(v),
            Some(DefaultValue::Real(v)) => {
                let lit = Literal::f64_unsuffixed(v.abs());
                let lit = if v < 0.0 { quote!(-#lit) } else { quote!(#lit) };
                quote!(Real::new(#lit).unwrap_or_default())
            }
            None => quote!(Default::default()),
        };
        inits.push(quote!(#f: #value,));
    }
    let d = doc(&[
        "Every column at ovsdb-server's default, moved into range where that default is not.".to_owned(),
    ]);
    Ok(quote! {
        impl Default for #name {
            #d
            fn default() -> Self {
                Self { #(#inits)* }
            }
        }
    })
}

fn enum_item(e: &EnumModel) -> Result<TokenStream, CodegenError> {
    let name = ident(&e.name)?;
    let d = doc(&docs::enumeration(e));
    let unknown = ident(UNKNOWN_VARIANT)?;
    let unknown_doc = doc(&[docs::unknown_variant()]);
    let known_doc = doc(&["Every value this schema version lists, in ovsdb-server's order.".to_owned()]);
    let wire_doc = doc(&["The value as sent on the wire.".to_owned()]);
    let from_doc = doc(&[format!(
        "The variant for a wire value; [`Self::{UNKNOWN_VARIANT}`] for one this schema version does not list."
    )]);
    match &e.values {
        EnumValues::Strings(values) => {
            let mut variants = Vec::new();
            let mut vdocs = Vec::new();
            let mut wires = Vec::new();
            for (value, variant) in values {
                variants.push(ident(variant)?);
                vdocs.push(doc(&[format!("`{value:?}`")]));
                wires.push(value.as_str());
            }
            let defaults = (0..variants.len()).map(|i| if i == 0 { quote!(#[default]) } else { quote!() });
            Ok(quote! {
                #d
                #[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
                pub enum #name {
                    #(#vdocs #defaults #variants,)*
                    #unknown_doc
                    #unknown(String),
                }

                impl #name {
                    #known_doc
                    pub const KNOWN: &'static [Self] = &[#(Self::#variants),*];

                    #wire_doc
                    pub fn as_str(&self) -> &str {
                        match self {
                            #(Self::#variants => #wires,)*
                            Self::#unknown(value) => value,
                        }
                    }

                    #from_doc
                    pub fn from_wire(value: &str) -> Self {
                        match value {
                            #(#wires => Self::#variants,)*
                            other => Self::#unknown(other.to_owned()),
                        }
                    }
                }

                impl std::str::FromStr for #name {
                    type Err = std::convert::Infallible;
                    fn from_str(value: &str) -> Result<Self, Self::Err> {
                        Ok(Self::from_wire(value))
                    }
                }

                impl std::fmt::Display for #name {
                    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(self.as_str())
                    }
                }

                impl ovsdb_proto::FromAtom for #name {
                    const ATOMIC_TYPE: ovsdb_proto::AtomicType = ovsdb_proto::AtomicType::String;
                    fn from_atom(atom: &ovsdb_proto::Atom) -> Result<Self, ovsdb_proto::DatumError> {
                        ovsdb_proto::data::atom_str(atom).map(Self::from_wire)
                    }
                }

                impl ovsdb_proto::IntoAtom for #name {
                    fn to_atom(&self) -> ovsdb_proto::Atom {
                        ovsdb_proto::Atom::String(self.as_str().to_owned())
                    }
                }
            })
        }
        EnumValues::Integers(values) => {
            let mut variants = Vec::new();
            let mut vdocs = Vec::new();
            let mut wires = Vec::new();
            for (value, variant) in values {
                variants.push(ident(variant)?);
                vdocs.push(doc(&[format!("`{value}`")]));
                wires.push(int_lit(*value));
            }
            let defaults = (0..variants.len()).map(|i| if i == 0 { quote!(#[default]) } else { quote!() });
            Ok(quote! {
                #d
                #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
                pub enum #name {
                    #(#vdocs #defaults #variants,)*
                    #unknown_doc
                    #unknown(i64),
                }

                impl #name {
                    #known_doc
                    pub const KNOWN: &'static [Self] = &[#(Self::#variants),*];

                    #wire_doc
                    pub fn as_i64(self) -> i64 {
                        match self {
                            #(Self::#variants => #wires,)*
                            Self::#unknown(value) => value,
                        }
                    }

                    #from_doc
                    pub fn from_wire(value: i64) -> Self {
                        match value {
                            #(#wires => Self::#variants,)*
                            other => Self::#unknown(other),
                        }
                    }
                }

                impl std::fmt::Display for #name {
                    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(f, "{}", self.as_i64())
                    }
                }

                impl ovsdb_proto::FromAtom for #name {
                    const ATOMIC_TYPE: ovsdb_proto::AtomicType = ovsdb_proto::AtomicType::Integer;
                    fn from_atom(atom: &ovsdb_proto::Atom) -> Result<Self, ovsdb_proto::DatumError> {
                        <i64 as ovsdb_proto::FromAtom>::from_atom(atom).map(Self::from_wire)
                    }
                }

                impl ovsdb_proto::IntoAtom for #name {
                    fn to_atom(&self) -> ovsdb_proto::Atom {
                        ovsdb_proto::Atom::Integer(self.as_i64())
                    }
                }
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use ovsdb_proto::schema::DatabaseSchema;

    use super::*;

    const SCHEMA: &str = r#"{"name": "X", "version": "1.0.0", "tables": {
        "A": {"columns": {"a": {"type": "string"}, "b": {"type": "integer"}}},
        "B": {"columns": {"c": {"type": "boolean"}}}}}"#;

    /// A log as the emitter leaves it after a full run.
    fn full_log(model: &DbModel<'_>) -> Log {
        let mut log = Log::default();
        for t in &model.tables {
            log.table(t, TABLE_FILE | TABLE_VISITED | TABLE_EXPORTED);
            for c in &t.columns {
                for part in [Part::Field, Part::Const, Part::Decode, Part::Encode, Part::Diff] {
                    log.column(t, c, part);
                }
            }
        }
        log
    }

    #[test]
    fn completeness_check_names_what_is_missing() {
        let schema = DatabaseSchema::from_json_str(SCHEMA).unwrap();
        let model = DbModel::new(&schema, None).unwrap();
        assert!(check_complete(&model, &full_log(&model)).is_ok());

        // A column missing from one part (here: never decoded).
        let mut log = full_log(&model);
        log.columns
            .insert(("A".into(), "b".into()), ALL_PARTS & !(Part::Decode as u8));
        match check_complete(&model, &log) {
            Err(CodegenError::Incomplete { missing }) => assert_eq!(missing, ["column A.b"]),
            other => panic!("{other:?}"),
        }

        // A table without its file, and a column never emitted at all.
        let mut log = full_log(&model);
        log.tables.insert("B".into(), TABLE_VISITED | TABLE_EXPORTED);
        log.columns.remove(&("B".to_owned(), "c".to_owned()));
        match check_complete(&model, &log) {
            Err(CodegenError::Incomplete { missing }) => {
                assert_eq!(missing[..2], ["table B".to_owned(), "column B.c".to_owned()]);
                assert!(
                    missing[2].contains("2 columns emitted for 2 and 3 in the schema"),
                    "{missing:?}"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn spacing_separates_items() {
        let text = "use a::{\n    A,\n};\nuse b;\nmod m;\nmod n;\npub use m::{\n    M,\n};\npub use n::N;\nstruct X;\nimpl X {\n    fn a() {}\n    fn b() {\n    }\n    fn c() {}\n}\nenum E {\n    /// x\n    A,\n    /// y\n    B,\n}\n";
        let spaced = space_items(text);
        assert_eq!(
            spaced,
            "use a::{\n    A,\n};\nuse b;\n\nmod m;\nmod n;\n\npub use m::{\n    M,\n};\npub use n::N;\n\nstruct X;\n\nimpl X {\n    fn a() {}\n\n    fn b() {\n    }\n\n    fn c() {}\n}\n\nenum E {\n    /// x\n    A,\n    /// y\n    B,\n}\n"
        );
    }

    #[test]
    fn raw_strings_pick_enough_hashes() {
        assert_eq!(raw_string("{}"), "r#\"{}\"#");
        assert_eq!(raw_string("a\"#b"), "r##\"a\"#b\"##");
    }
}
