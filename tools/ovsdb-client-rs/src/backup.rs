//! `backup` (the database as a standalone OVSDB file on stdout) and `restore` (a standalone
//! OVSDB file from stdin written back into the database in one transaction).
//!
//! A standalone file (ovsdb(5)) is a sequence of records, each a header line
//! `OVSDB JSON <length> <sha1>` and `<length>` bytes of JSON (with its newline): the schema,
//! then transactions `{"<table>": {"<uuid>": <row> | null}, "_date": .., "_comment": ..,
//! "_is_diff": ..}`.

use std::collections::BTreeMap;
use std::io::{Read, Write};

use ovsdb_proto::{Atom, DatabaseSchema, Datum, NamedUuid, Row};
use serde_json::{Value, json};

use crate::format::Style;
use crate::monitor::check_transaction_reply;
use crate::{CliError, Session, ovs_order, time};

/// One record: header line and data.
fn record(json_text: &str) -> String {
    let data = format!("{json_text}\n");
    format!(
        "OVSDB JSON {} {}\n{data}",
        data.len(),
        ovs_order::sha1_hex(data.as_bytes())
    )
}

/// Writes the members of `obj` in the order OVS's serializer would for an object built by
/// inserting them in this order.
fn compact_in_ovs_order(members: &[(String, String)]) -> String {
    let keys: Vec<&String> = members.iter().map(|m| &m.0).collect();
    let body: Vec<String> = ovs_order::shash_order(&keys)
        .into_iter()
        .map(|i| format!("{}:{}", Value::String(members[i].0.clone()), members[i].1))
        .collect();
    format!("{{{}}}", body.join(","))
}

/// The member order in which ovsdb-client's `ovsdb_schema_to_json` and the functions it calls
/// insert the members of the objects they build (each kind of object uses a consistent subset).
const SCHEMA_MEMBER_ORDER: &[&str] = &[
    "name",
    "version",
    "cksum",
    "tables",
    "mutable",
    "isRoot",
    "ephemeral",
    "columns",
    "maxRows",
    "indexes",
    "type",
    "key",
    "value",
    "min",
    "max",
    "enum",
    "minInteger",
    "maxInteger",
    "minReal",
    "maxReal",
    "minLength",
    "maxLength",
    "refTable",
    "refType",
];

/// A schema as ovsdb-client writes the one it parsed from the server: rebuilt in its insertion
/// order, written in its hash tables' order.
fn schema_in_ovs_order(raw: &Value) -> String {
    fn fixed(obj: &serde_json::Map<String, Value>, child: impl Fn(&str, &Value) -> String) -> String {
        let mut members: Vec<(String, String)> = Vec::new();
        for k in SCHEMA_MEMBER_ORDER {
            if let Some(v) = obj.get(*k) {
                members.push(((*k).to_owned(), child(k, v)));
            }
        }
        compact_in_ovs_order(&members)
    }
    fn base_or_type(v: &Value) -> String {
        match v.as_object() {
            Some(o) => fixed(o, |_, v| base_or_type(v)),
            None => crate::format::to_json_text(v, false, false),
        }
    }
    fn column(v: &Value) -> String {
        match v.as_object() {
            Some(o) => fixed(o, |k, v| {
                if k == "type" {
                    base_or_type(v)
                } else {
                    crate::format::to_json_text(v, false, false)
                }
            }),
            None => crate::format::to_json_text(v, false, false),
        }
    }
    fn table(v: &Value) -> String {
        let Some(o) = v.as_object() else {
            return crate::format::to_json_text(v, false, false);
        };
        fixed(o, |k, v| {
            if k == "columns" {
                let cols: Vec<(String, String)> = crate::columns_in_ovs_order(&json!({"columns": v}))
                    .into_iter()
                    .filter(|(n, _)| !n.starts_with('_'))
                    .map(|(n, _)| {
                        let c = column(&v[n.as_str()]);
                        (n, c)
                    })
                    .collect();
                compact_in_ovs_order(&cols)
            } else {
                crate::format::to_json_text(v, false, false)
            }
        })
    }
    let Some(o) = raw.as_object() else {
        return crate::format::to_json_text(raw, false, false);
    };
    fixed(o, |k, v| {
        if k == "tables" {
            let tables: Vec<(String, String)> = crate::schema_tables_in_ovs_order(raw)
                .into_iter()
                .map(|(n, t)| (n, table(&t)))
                .collect();
            compact_in_ovs_order(&tables)
        } else {
            crate::format::to_json_text(v, false, false)
        }
    })
}

/// `backup`: the schema and every row (persistent columns) as a standalone database file.
pub(crate) async fn backup(
    style: &Style,
    out: &mut (dyn Write + Send),
    s: &Session,
    db: &str,
) -> Result<(), CliError> {
    let (schema, raw) = s.fetch_schema(db, style).await?;
    let tables_json = crate::schema_tables_in_ovs_order(&raw);
    let tables: Vec<String> = tables_json.iter().map(|t| t.0.clone()).collect();
    let mut txn = vec![json!(db)];
    for (t, tjson) in &tables_json {
        let ts = &schema.tables[t];
        // The persistent columns in ovsdb-client's order (the server's reply follows it).
        let cols: Vec<String> = crate::columns_in_ovs_order(tjson)
            .into_iter()
            .map(|c| c.0)
            .filter(|c| c == "_uuid" || ts.columns.get(c).is_some_and(|cs| !cs.ephemeral))
            .collect();
        txn.push(json!({"op": "select", "table": t, "where": [], "columns": cols}));
    }
    let reply = s.request("transact", Value::Array(txn), style).await?;
    write!(out, "{}", record(&schema_in_ovs_order(&raw)))?;
    let results = match reply {
        Value::Array(a) if a.len() == tables.len() => a,
        other => {
            return Err(CliError::BadReply(format!(
                "reply is not array of {} elements: {other}",
                tables.len()
            )));
        }
    };
    let mut members: Vec<(String, String)> = Vec::new();
    for (t, result) in tables.iter().zip(results) {
        let Some(rows) = result.get("rows").and_then(Value::as_array) else {
            return Err(CliError::BadReply(format!(
                "{t} table reply is not an object with a \"rows\" member array: {result}"
            )));
        };
        if rows.is_empty() {
            continue;
        }
        let mut out_rows: Vec<(String, String)> = Vec::new();
        for row in rows {
            let Some(obj) = row.as_object() else {
                return Err(CliError::BadReply(format!(
                    "{t} table reply row is not an object: {row}"
                )));
            };
            let Some(uuid) = obj.get("_uuid").and_then(|u| u.get(1)).and_then(Value::as_str) else {
                return Err(CliError::BadReply(format!(
                    "{t} table reply row lacks _uuid member: {row}"
                )));
            };
            // The row as parsed (OVS's JSON clone shares it), less `_uuid`.
            let entries: Vec<(&String, &Value)> = obj.iter().collect();
            let keys: Vec<&String> = entries.iter().map(|e| e.0).collect();
            let body: Vec<String> = ovs_order::shash_order(&keys)
                .into_iter()
                .filter(|&i| entries[i].0 != "_uuid")
                .map(|i| {
                    format!(
                        "{}:{}",
                        Value::String(entries[i].0.clone()),
                        crate::format::to_json_text(entries[i].1, false, false)
                    )
                })
                .collect();
            out_rows.push((uuid.to_owned(), format!("{{{}}}", body.join(","))));
        }
        members.push((t.clone(), compact_in_ovs_order(&out_rows)));
    }
    members.push((
        "_comment".into(),
        json!("produced by \"ovsdb-client backup\"").to_string(),
    ));
    members.push(("_is_diff".into(), "true".into()));
    members.push(("_date".into(), time::wall_msec().to_string()));
    write!(out, "{}", record(&compact_in_ovs_order(&members)))?;
    Ok(())
}

/// The records of a standalone OVSDB file.
fn read_records(bytes: &[u8]) -> Result<Vec<Value>, CliError> {
    let bad = |m: String| CliError::BadBackup(format!("/dev/stdin: {m}"));
    let mut records = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let Some(nl) = bytes[pos..].iter().position(|&b| b == b'\n') else {
            return Err(bad(format!("{pos}: parse error reading header")));
        };
        let header = String::from_utf8_lossy(&bytes[pos..pos + nl]).into_owned();
        let parts: Vec<&str> = header.split(' ').collect();
        let (magic, len, sha) = match parts.as_slice() {
            ["OVSDB", kind, len, sha] => (*kind, len.parse::<usize>().ok(), *sha),
            _ => {
                return Err(CliError::BadBackup(
                    "ovsdb error: /dev/stdin: unexpected file format".into(),
                ));
            }
        };
        if magic != "JSON" {
            return Err(bad(format!(
                "cannot restore from a database file of type \"OVSDB {magic}\" (a standalone file is needed)"
            )));
        }
        let Some(len) = len else {
            return Err(bad(format!("{pos}: parse error reading header")));
        };
        let start = pos + nl + 1;
        let data = bytes
            .get(start..start + len)
            .ok_or_else(|| bad(format!("{start}: file ended in the middle of a record")))?;
        if ovs_order::sha1_hex(data) != sha {
            return Err(bad(format!("{start}: record has a bad checksum")));
        }
        let v: Value = serde_json::from_slice(data).map_err(|e| bad(format!("{start}: {e}")))?;
        records.push(v);
        pos = start + len;
    }
    Ok(records)
}

/// Replays the transaction records onto empty tables.
fn replay(
    schema: &DatabaseSchema,
    txns: &[Value],
) -> Result<BTreeMap<String, BTreeMap<String, Row>>, CliError> {
    let mut db: BTreeMap<String, BTreeMap<String, Row>> = schema
        .tables
        .keys()
        .map(|t| (t.clone(), BTreeMap::new()))
        .collect();
    for txn in txns {
        let Some(obj) = txn.as_object() else {
            return Err(CliError::BadBackup(
                "/dev/stdin: transaction record is not an object".into(),
            ));
        };
        let is_diff = obj.get("_is_diff") == Some(&Value::Bool(true));
        for (t, rows) in obj.iter().filter(|(t, _)| !t.starts_with('_')) {
            let (Some(ts), Some(rows)) = (schema.tables.get(t), rows.as_object()) else {
                return Err(CliError::BadBackup(format!("/dev/stdin: unknown table {t}")));
            };
            let table = db.entry(t.clone()).or_default();
            for (uuid, row) in rows {
                if row.is_null() {
                    table.remove(uuid);
                    continue;
                }
                let new: Row = serde_json::from_value(row.clone())
                    .map_err(|e| CliError::BadBackup(format!("/dev/stdin: table {t} row {uuid}: {e}")))?;
                match table.get_mut(uuid) {
                    Some(old) if is_diff => ovsdb_proto::diff::apply_row_diff(ts, old, &new)
                        .map_err(|e| CliError::BadBackup(format!("/dev/stdin: table {t} row {uuid}: {e}")))?,
                    Some(old) => {
                        for (c, d) in new.0 {
                            old.insert(c, d);
                        }
                    }
                    None => {
                        table.insert(uuid.clone(), new);
                    }
                }
            }
        }
    }
    Ok(db)
}

/// `row<uuid with _ for ->`, the name ovsdb-client gives each restored row.
fn row_name(uuid: &str) -> String {
    format!("row{}", uuid.replace('-', "_"))
}

/// `restore`: replaces the database's contents with the file on stdin, in one transaction.
pub(crate) async fn restore(style: &Style, force: bool, s: &Session, db: &str) -> Result<(), CliError> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::BadBackup(format!("/dev/stdin: read failed ({})", crate::strerror(&e))))?;
    let records = read_records(&bytes)?;
    let Some((schema_json, txns)) = records.split_first() else {
        return Err(CliError::BadBackup("/dev/stdin: database file is empty".into()));
    };
    let backup_schema = DatabaseSchema::from_value(schema_json.clone())
        .map_err(|e| CliError::BadBackup(format!("/dev/stdin: {e}")))?;
    let contents = replay(&backup_schema, txns)?;
    let (online, _) = s.fetch_schema(db, style).await?;
    if backup_schema != online {
        let (bv, ov) = (
            backup_schema.version.clone().unwrap_or_default(),
            online.version.clone().unwrap_or_default(),
        );
        let msg = if bv != ov {
            format!("backup schema has version \"{bv}\" but database schema has version \"{ov}\"")
        } else {
            format!("backup schema and database schema are both version {bv} but still differ")
        };
        if !force {
            return Err(CliError::SchemaMismatch(msg));
        }
        eprintln!("{}|00001|ovsdb_client|INFO|{msg}", time::log_timestamp());
    }
    let mut txn = vec![json!(backup_schema.name)];
    for (t, rows) in &contents {
        let ts = &backup_schema.tables[t];
        txn.push(json!({"op": "delete", "table": t, "where": []}));
        for (uuid, row) in rows {
            let mut out = serde_json::Map::new();
            for (c, cs) in &ts.columns {
                let Some(d) = row.get(c) else { continue };
                if cs.ephemeral || *d == cs.type_.default_datum() {
                    continue;
                }
                out.insert(c.clone(), with_row_names(d)?.to_json());
            }
            txn.push(json!({"op": "insert", "table": t, "uuid-name": row_name(uuid), "row": out}));
        }
    }
    let reply = s.request("transact", Value::Array(txn), style).await?;
    check_transaction_reply(&reply)
}

/// `d` with every UUID replaced by the named-uuid of the restored row.
fn with_row_names(d: &Datum) -> Result<Datum, CliError> {
    let conv = |a: &Atom| -> Result<Atom, CliError> {
        Ok(match a {
            Atom::Uuid(u) => Atom::NamedUuid(
                NamedUuid::new(row_name(&u.to_string())).map_err(|e| CliError::BadBackup(e.to_string()))?,
            ),
            other => other.clone(),
        })
    };
    Ok(match d {
        Datum::Set(s) => Datum::Set(s.iter().map(conv).collect::<Result<_, _>>()?),
        Datum::Map(m) => Datum::Map(
            m.iter()
                .map(|(k, v)| Ok((conv(k)?, conv(v)?)))
                .collect::<Result<_, CliError>>()?,
        ),
    })
}
