//! `ovsdb-codegen SCHEMA -o DIR`: writes typed Rust bindings for an `.ovsschema` file into DIR.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use ovsdb_codegen::{Options, SchemaSource, generate};

/// Generate typed Rust bindings (one struct per table) from an OVSDB schema.
///
/// Writes `mod.rs` and one file per table into DIR, replacing files of the same name. Declare the
/// directory in your crate with `#[rustfmt::skip] mod generated;`; the crate needs the
/// `ovsdb-proto` dependency.
#[derive(Parser, Debug)]
#[command(name = "ovsdb-codegen", version)]
struct Args {
    /// The schema file (`.ovsschema`, or a `get_schema` reply saved as JSON).
    schema: PathBuf,
    /// The output directory (created if missing).
    #[arg(short, long)]
    out: PathBuf,
    /// The database marker type's name (default: `{Name}Db`).
    #[arg(long)]
    db_type: Option<String>,
    /// Embed the schema with `include_str!(PATH)`, PATH relative to the generated `mod.rs`,
    /// instead of as a string literal.
    #[arg(long, value_name = "PATH")]
    include_schema: Option<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(n) => {
            eprintln!("ovsdb-codegen: wrote {n} files to {}", args.out.display());
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("ovsdb-codegen: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<usize, String> {
    let text = std::fs::read_to_string(&args.schema)
        .map_err(|e| format!("cannot read {}: {e}", args.schema.display()))?;
    let mut options = Options::new(args.schema.display().to_string());
    if let Some(path) = &args.include_schema {
        options = options.schema_source(SchemaSource::Include(path.clone()));
    }
    if let Some(name) = &args.db_type {
        options = options.db_type(name.clone());
    }
    let files = generate(&text, &options).map_err(|e| format!("{}: {e}", args.schema.display()))?;
    std::fs::create_dir_all(&args.out).map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;
    for f in &files {
        let path = args.out.join(&f.path);
        std::fs::write(&path, &f.contents).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(files.len())
}
