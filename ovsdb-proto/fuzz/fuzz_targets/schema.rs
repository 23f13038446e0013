//! Fuzz target: a database schema (RFC 7047 §3.2) from arbitrary JSON text.
//!
//! Parsing must never panic. A schema that parses must survive its canonical output: parsing
//! `to_json()` gives an equal schema, and that schema's output is the same JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ovsdb_proto::schema::DatabaseSchema;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(schema) = DatabaseSchema::from_json_str(text) else {
        return;
    };
    let json = schema.to_json();
    let again = match DatabaseSchema::from_value(json.clone()) {
        Ok(s) => s,
        Err(e) => panic!("canonical output does not parse: {e}\n{json}"),
    };
    assert_eq!(again, schema, "{json}");
    assert_eq!(again.to_json(), json);
});
