//! Schemas the generator must refuse, with errors that say why.

use ovsdb_codegen::{CodegenError, Options, generate};

fn gen_err(schema: &str) -> CodegenError {
    generate(schema, &Options::new("test.ovsschema")).unwrap_err()
}

#[test]
fn invalid_schema() {
    let err = gen_err(
        r#"{"name": "X", "version": "1.0.0", "tables": {"T": {"columns": {"c": {"type": "blob"}}}}}"#,
    );
    assert!(matches!(err, CodegenError::Schema(_)), "{err}");
}

#[test]
fn missing_version() {
    let err = gen_err(r#"{"name": "X", "tables": {"T": {"columns": {"c": {"type": "string"}}}}}"#);
    assert!(
        matches!(err, CodegenError::MissingVersion { ref db } if db == "X"),
        "{err}"
    );
}

#[test]
fn colliding_enum_values() {
    let err = gen_err(
        r#"{"name": "X", "version": "1.0.0", "tables": {"T": {"columns": {
            "mode": {"type": {"key": {"type": "string", "enum": ["set", ["a-b", "a_b"]]}}}}}}}"#,
    );
    match err {
        CodegenError::NameCollision {
            what,
            rust_name,
            first,
            second,
        } => {
            assert_eq!((what, rust_name.as_str()), ("variant", "AB"));
            assert!(
                first.contains("a-b") && second.contains("a_b"),
                "{first} / {second}"
            );
        }
        other => panic!("{other}"),
    }
}

#[test]
fn enum_value_named_unknown() {
    let err = gen_err(
        r#"{"name": "X", "version": "1.0.0", "tables": {"T": {"columns": {
            "s": {"type": {"key": {"type": "string", "enum": ["set", ["known", "unknown"]]}}}}}}}"#,
    );
    assert!(
        matches!(err, CodegenError::NameCollision { ref rust_name, .. } if rust_name == "Unknown"),
        "{err}"
    );
}

#[test]
fn colliding_table_names() {
    // Both become struct `FooBar`.
    let err = gen_err(
        r#"{"name": "X", "version": "1.0.0", "tables": {
            "Foo_Bar": {"columns": {"c": {"type": "string"}}},
            "FooBar": {"columns": {"c": {"type": "string"}}}}}"#,
    );
    assert!(
        matches!(err, CodegenError::NameCollision { what: "type", .. }),
        "{err}"
    );
}

#[test]
fn table_colliding_with_enum() {
    // Table `T` column `mode` gives enum `TMode`, as does table `T_Mode`.
    let err = gen_err(
        r#"{"name": "X", "version": "1.0.0", "tables": {
            "T": {"columns": {"mode": {"type": {"key": {"type": "string", "enum": "x"}}}}},
            "T_Mode": {"columns": {"c": {"type": "string"}}}}}"#,
    );
    assert!(
        matches!(err, CodegenError::NameCollision { what: "type", ref rust_name, .. } if rust_name == "TMode"),
        "{err}"
    );
}

#[test]
fn reserved_type_names() {
    let err = gen_err(
        r#"{"name": "X", "version": "1.0.0", "tables": {"Row": {"columns": {"c": {"type": "string"}}}}}"#,
    );
    assert!(
        matches!(err, CodegenError::NameCollision { what: "type", ref rust_name, .. } if rust_name == "Row"),
        "{err}"
    );
}

#[test]
fn column_const_colliding_with_trait_const() {
    let err = gen_err(
        r#"{"name": "X", "version": "1.0.0", "tables": {"T": {"columns": {"table_name": {"type": "string"}}}}}"#,
    );
    assert!(
        matches!(err, CodegenError::NameCollision { what: "constant", ref rust_name, .. } if rust_name == "TABLE_NAME"),
        "{err}"
    );
}

#[test]
fn column_const_colliding_with_index_const() {
    let err = gen_err(
        r#"{"name": "X", "version": "1.0.0", "tables": {"T": {"columns": {
            "name": {"type": "string"}, "by_name": {"type": "string"}}, "indexes": [["name"]]}}}"#,
    );
    assert!(
        matches!(err, CodegenError::NameCollision { what: "constant", ref rust_name, .. } if rust_name == "BY_NAME"),
        "{err}"
    );
}

#[test]
fn colliding_fields() {
    let err = gen_err(
        r#"{"name": "X", "version": "1.0.0", "tables": {"T": {"columns": {
            "fooBar": {"type": "string"}, "foo_bar": {"type": "string"}}}}}"#,
    );
    assert!(
        matches!(err, CodegenError::NameCollision { what: "field", .. }),
        "{err}"
    );
}

#[test]
fn errors_render_readably() {
    let err = gen_err(
        r#"{"name": "X", "version": "1.0.0", "tables": {"T": {"columns": {
            "mode": {"type": {"key": {"type": "string", "enum": ["set", ["a-b", "a_b"]]}}}}}}}"#,
    );
    assert_eq!(
        err.to_string(),
        r#"variant name `AB` is generated for both value "a-b" of T.mode and value "a_b" of T.mode"#
    );
}
