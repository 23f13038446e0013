//! The `ovsdb-codegen` binary writes what the library generates.

use std::fs;
use std::process::Command;

use ovsdb_codegen::{Options, SchemaSource, generate};

#[test]
fn cli_writes_the_library_output() {
    let out = tempfile::tempdir().unwrap();
    let manifest = env!("CARGO_MANIFEST_DIR");
    let status = Command::new(env!("CARGO_BIN_EXE_ovsdb-codegen"))
        .current_dir(manifest)
        .args(["tests/snapshots/optional_refs.ovsschema", "-o"])
        .arg(out.path())
        .args([
            "--db-type",
            "RoutingDb",
            "--include-schema",
            "../optional_refs.ovsschema",
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let schema = fs::read_to_string(format!("{manifest}/tests/snapshots/optional_refs.ovsschema")).unwrap();
    let options = Options::new("tests/snapshots/optional_refs.ovsschema")
        .db_type("RoutingDb")
        .schema_source(SchemaSource::Include("../optional_refs.ovsschema".into()));
    let files = generate(&schema, &options).unwrap();
    assert_eq!(files.len(), 3);
    for f in &files {
        assert_eq!(
            fs::read_to_string(out.path().join(&f.path)).unwrap(),
            f.contents,
            "{}",
            f.path
        );
    }
    let m = fs::read_to_string(out.path().join("mod.rs")).unwrap();
    assert!(m.contains("pub struct RoutingDb;"));
    assert!(m.contains(r#"include_str!("../optional_refs.ovsschema")"#));
}

#[test]
fn cli_reports_bad_schemas() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.ovsschema");
    fs::write(&bad, r#"{"name": "X", "tables": {}}"#).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_ovsdb-codegen"))
        .arg(&bad)
        .arg("-o")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad.ovsschema"), "{stderr}");
    assert!(!dir.path().join("out").exists(), "nothing written on error");
}
