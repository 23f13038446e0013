//! Generates typed Rust bindings from an OVSDB schema (an `.ovsschema` file, RFC 7047 §3.2).
//!
//! What it is: a library, schema text in and files out, with no filesystem access, and a CLI
//! (`ovsdb-codegen SCHEMA -o DIR`) over it. What it is not: a build script or a macro; the output
//! is meant to be checked in, reviewed and kept fresh by a test (this workspace's
//! `cargo xtask codegen --check`).
//!
//! The output, for a database `D` with tables `T1`..`Tn`, is a directory:
//! - `mod.rs`: the database marker type (`{D}Db`, implementing [`ovsdb_proto::Database`], with
//!   the schema JSON embedded) and a re-export of every table type;
//! - one file per table, named after the table in lower case, holding:
//!   - a struct with one field per column (implementing [`ovsdb_proto::Table`]);
//!   - one enum per enum-constrained string or integer column, with an `Unknown` variant for
//!     values from newer servers;
//!   - one [`ovsdb_proto::Column`] constant per column, for typed conditions and mutations;
//!   - one [`ovsdb_proto::UniqueIndex`] constant per schema index.
//!
//! Column types map to Rust as follows: a scalar to the atom's type, `min` 0 `max` 1 to `Option`,
//! other sets to [`ovsdb_proto::Set`], maps to [`ovsdb_proto::Map`] (sorted boxed slices: an
//! OVSDB set or map is usually small, and a B-tree node per column would cost several times its
//! data); integer to `i64`, real to [`ovsdb_proto::Real`] (finite, totally ordered), boolean to
//! `bool`, string to [`ovsdb_proto::SmolStr`] (up to 23 bytes inline, longer texts shared between
//! equal values decoded close together: a replica holds many copies of the same few texts), uuid to
//! [`ovsdb_proto::Uuid`], uuid with `refTable` to [`ovsdb_proto::Ref`] of the target table's
//! struct. Names follow the rules in [`naming`]. Tables, columns and enum values are emitted in
//! sorted order and the text is printed by `prettyplease`, so the output depends only on the
//! schema (and this generator's code).
//!
//! Put the directory in a crate that depends on `ovsdb-proto` and declare it with
//! `#[rustfmt::skip] mod generated; pub use generated::*;` so that `cargo fmt` leaves it alone.
//!
//! ```
//! let schema = r#"{"name": "Demo", "version": "1.0.0", "tables": {
//!     "Port": {"columns": {"name": {"type": "string"},
//!                          "type": {"type": {"key": {"type": "string", "enum": ["set", ["internal", "patch"]]}}}},
//!              "indexes": [["name"]], "isRoot": true}}}"#;
//! let files = ovsdb_codegen::generate(schema, &ovsdb_codegen::Options::new("demo.ovsschema"))?;
//! let names: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
//! assert_eq!(names, ["mod.rs", "port.rs"]);
//! assert!(files[1].contents.contains("pub type_: PortType,"));
//! assert!(files[1].contents.contains("pub const BY_NAME: UniqueIndex<Self, SmolStr>"));
//! # Ok::<(), ovsdb_codegen::CodegenError>(())
//! ```

mod docs;
mod emit;
mod model;
pub mod naming;

use ovsdb_proto::schema::{DatabaseSchema, SchemaError};

/// Where the generated database marker gets the schema JSON from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaSource {
    /// A raw string literal in `mod.rs` holding the schema text.
    Embed,
    /// `include_str!(path)`, `path` relative to the generated `mod.rs`; the file must hold the
    /// same text as the schema given to [`generate`].
    Include(String),
}

/// Generation options.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// The schema's path as written in each file's header (`schema/ovn-nb.ovsschema`).
    pub schema_path: String,
    /// How the marker type embeds the schema text.
    pub schema_source: SchemaSource,
    /// The database marker type's name; by default `{Name}Db` (`OVN_Northbound` →
    /// `OvnNorthboundDb`).
    pub db_type: Option<String>,
    /// How to regenerate, as told by each file's header ("run `cargo xtask codegen`").
    pub regenerate_hint: String,
}

impl Options {
    /// Defaults for a schema shown as `schema_path`: the schema embedded as a literal, the default
    /// marker name, and a header telling to rerun `ovsdb-codegen`.
    pub fn new(schema_path: impl Into<String>) -> Self {
        Options {
            schema_path: schema_path.into(),
            schema_source: SchemaSource::Embed,
            db_type: None,
            regenerate_hint: "run ovsdb-codegen again".to_owned(),
        }
    }

    /// Sets [`Options::schema_source`].
    #[must_use]
    pub fn schema_source(mut self, source: SchemaSource) -> Self {
        self.schema_source = source;
        self
    }

    /// Sets [`Options::db_type`].
    #[must_use]
    pub fn db_type(mut self, name: impl Into<String>) -> Self {
        self.db_type = Some(name.into());
        self
    }

    /// Sets [`Options::regenerate_hint`].
    #[must_use]
    pub fn regenerate_hint(mut self, hint: impl Into<String>) -> Self {
        self.regenerate_hint = hint.into();
        self
    }
}

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path relative to the output directory (`mod.rs`, `logical_switch_port.rs`).
    pub path: String,
    /// The file's text.
    pub contents: String,
}

/// Why code could not be generated.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum CodegenError {
    /// The schema does not parse or is not valid (as `ovsdb-tool create` would judge it).
    #[error("invalid schema: {0}")]
    Schema(#[from] SchemaError),
    /// The schema has no `version`; the generated code records it.
    #[error("schema of database {db} has no \"version\"")]
    MissingVersion {
        /// The database name.
        db: String,
    },
    /// Two schema items get the same Rust name (`a-b` and `a_b` both become `AB`).
    #[error("{what} name `{rust_name}` is generated for both {first} and {second}")]
    NameCollision {
        /// What kind of name: `type`, `module`, `field`, `constant`, `variant`.
        what: &'static str,
        /// The Rust name.
        rust_name: String,
        /// What had the name first.
        first: String,
        /// What asked for it again.
        second: String,
    },
    /// A schema item whose Rust name would be empty (an enum value with no letter or digit gets
    /// `Empty`; this is for names that cannot be fixed that way).
    #[error("{origin} has no letters or digits to make a Rust name from")]
    EmptyName {
        /// The schema item.
        origin: String,
    },
    /// A generated name that is not a Rust identifier.
    #[error("`{name}` is not a valid Rust identifier")]
    InvalidIdentifier {
        /// The name.
        name: String,
    },
    /// A `refTable` naming a table the schema does not have.
    #[error("column {table}.{column} refers to table {ref_table}, which the schema does not have")]
    UnknownRefTable {
        /// The referring table.
        table: String,
        /// The referring column.
        column: String,
        /// The missing table.
        ref_table: String,
    },
    /// An index over a column the table does not have.
    #[error("an index of table {table} names column {column}, which the table does not have")]
    UnknownIndexColumn {
        /// The table.
        table: String,
        /// The missing column.
        column: String,
    },
    /// The completeness check failed: some table or column was not emitted in full.
    #[error("generated code is incomplete: {}", missing.join("; "))]
    Incomplete {
        /// What is missing (`table X`, `column X.y`).
        missing: Vec<String>,
    },
    /// The generated tokens do not parse as Rust (a generator bug).
    #[error("generated {file} is not valid Rust: {message}")]
    Syntax {
        /// The file.
        file: String,
        /// The parser's message.
        message: String,
    },
}

/// Generates the bindings for the schema in `schema_json`.
///
/// Returns the files sorted by path: `mod.rs` and one file per table.
///
/// # Errors
/// [`CodegenError::Schema`] for a schema that does not parse or validate;
/// [`CodegenError::NameCollision`] (and the other naming variants) when two items would get the
/// same Rust name; [`CodegenError::Incomplete`] if a table or column was not emitted.
pub fn generate(schema_json: &str, options: &Options) -> Result<Vec<GeneratedFile>, CodegenError> {
    let schema = DatabaseSchema::from_json_str(schema_json)?;
    generate_from_schema(&schema, schema_json, options)
}

/// Generates the bindings for an already parsed schema; `schema_json` is the text embedded in
/// the marker type (with [`SchemaSource::Embed`]).
///
/// # Errors
/// As [`generate`], except [`CodegenError::Schema`].
pub fn generate_from_schema(
    schema: &DatabaseSchema,
    schema_json: &str,
    options: &Options,
) -> Result<Vec<GeneratedFile>, CodegenError> {
    let model = model::DbModel::new(schema, options.db_type.as_deref())?;
    emit::database(&model, options, schema_json)
}
