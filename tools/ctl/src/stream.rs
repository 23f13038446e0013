//! A whole table read row by row: on a connection of its own, one `monitor_cond`
//! (ovsdb-server(7)) of the wanted columns, whose reply frame is kept as bytes and whose rows are
//! decoded one at a time, so a report over a big table (`show` on 100k ports) holds the reply's
//! bytes and the output, never the reply's JSON tree. The monitor's initial contents are the
//! same rows a `select` returns, keyed by uuid instead of carrying a `_uuid` column: a reply
//! about a quarter smaller that the server builds faster (ovn-nbctl reads them that way too).
//! The monitor dies with the connection, closed once the reply is read.

use std::fmt;
use std::time::Duration;

use bytes::BytesMut;
use ovsdb_client::{Endpoint, TlsConfig, transport};
use ovsdb_proto::jsonrpc::FrameSplitter;
use serde::Deserializer;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::error::CtlError;

/// The longest reply accepted (bytes).
const MAX_REPLY: usize = 1 << 30;

/// Reads `columns` of every row of `table` of database `db` at `endpoint` over a new
/// connection (a `monitor_cond` without condition; `_uuid` in `columns` is implied) and
/// returns the reply's frame, undecoded (see [`decode_rows`]).
pub(crate) async fn fetch_rows(
    endpoint: &Endpoint,
    tls: Option<&TlsConfig>,
    db: &str,
    table: &str,
    columns: &[&str],
    timeout: Duration,
) -> Result<bytes::Bytes, CtlError> {
    let conn_err = |e: &dyn fmt::Display| CtlError::Connection(format!("{endpoint}: {e}"));
    let connector = match tls {
        Some(t) => Some(t.connector().map_err(|e| conn_err(&e))?),
        None => None,
    };
    let mut stream = transport::open(endpoint, connector.as_ref(), timeout)
        .await
        .map_err(|e| conn_err(&e))?;
    let columns: Vec<&str> = columns.iter().copied().filter(|c| *c != "_uuid").collect();
    let request = json!({
        "id": "ctl-scan", "method": "monitor_cond",
        "params": [db, "ctl-scan", {table: [{"columns": columns}]}],
    });
    stream
        .write_all(request.to_string().as_bytes())
        .await
        .map_err(|e| conn_err(&e))?;
    let mut splitter = FrameSplitter::new().with_max_frame_len(MAX_REPLY);
    let mut buf = BytesMut::with_capacity(1 << 16);
    loop {
        while let Some(frame) = splitter.next_frame(&mut buf).map_err(|e| conn_err(&e))? {
            // The server's inactivity probe: answer it.
            if let Some(id) = echo_id(&frame) {
                let reply = json!({"id": id, "result": [], "error": null});
                stream
                    .write_all(reply.to_string().as_bytes())
                    .await
                    .map_err(|e| conn_err(&e))?;
                continue;
            }
            return Ok(frame);
        }
        if buf.capacity() - buf.len() < (1 << 16) {
            buf.reserve(buf.len().max(1 << 16));
        }
        let n = stream.read_buf(&mut buf).await.map_err(|e| conn_err(&e))?;
        if n == 0 {
            return Err(conn_err(&"connection closed before the reply"));
        }
    }
}

/// Calls `f` with each row of a reply from [`fetch_rows`] (a JSON object with its `_uuid`), in
/// the reply's order.
pub(crate) fn decode_rows(
    frame: &[u8],
    f: &mut dyn FnMut(Value) -> Result<(), CtlError>,
) -> Result<(), CtlError> {
    let mut de = serde_json::Deserializer::from_slice(frame);
    let mut error = None;
    let seed = ReplySeed { f, error: &mut error };
    let res = seed.deserialize(&mut de);
    if let Some(e) = error {
        return Err(e);
    }
    res.map_err(|e| CtlError::Connection(format!("bad reply: {e}")))
}

/// The id of an `echo` request, which is small; `None` for anything else (checked on the
/// frame's first bytes only, so a big reply is not parsed twice).
fn echo_id(frame: &[u8]) -> Option<Value> {
    if frame.len() > 4096 {
        return None;
    }
    let v: Value = serde_json::from_slice(frame).ok()?;
    (v.get("method")? == "echo").then(|| v.get("id").cloned().unwrap_or(Value::Null))
}

/// `{"id": .., "result": [{"rows": [ROW, ...]}], "error": null}`, each ROW handed to `f`.
struct ReplySeed<'a> {
    f: &'a mut dyn FnMut(Value) -> Result<(), CtlError>,
    error: &'a mut Option<CtlError>,
}

impl<'de> DeserializeSeed<'de> for ReplySeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ReplySeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON-RPC reply")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "result" => map.next_value_seed(ResultSeed {
                    f: &mut *self.f,
                    error: &mut *self.error,
                })?,
                "error" => {
                    let e: Value = map.next_value()?;
                    if !e.is_null() {
                        *self.error = Some(CtlError::Transaction(e.to_string()));
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// The `result` array: the first operation's result holds the rows.
struct ResultSeed<'a> {
    f: &'a mut dyn FnMut(Value) -> Result<(), CtlError>,
    error: &'a mut Option<CtlError>,
}

impl<'de> DeserializeSeed<'de> for ResultSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ResultSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the results of a transaction")
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    /// A `monitor_cond` result: `{TABLE: {UUID: {"initial": ROW}, ...}}`.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key::<IgnoredAny>()?.is_some() {
            map.next_value_seed(TableSeed {
                f: &mut *self.f,
                error: &mut *self.error,
            })?;
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        seq.next_element_seed(OpResultSeed {
            f: &mut *self.f,
            error: &mut *self.error,
        })?;
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }
}

/// One operation's result: `{"rows": [...]}` or `{"error": ..., "details": ...}`.
struct OpResultSeed<'a> {
    f: &'a mut dyn FnMut(Value) -> Result<(), CtlError>,
    error: &'a mut Option<CtlError>,
}

impl<'de> DeserializeSeed<'de> for OpResultSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for OpResultSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the result of a select")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut failure = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == "rows" {
                map.next_value_seed(RowsSeed {
                    f: &mut *self.f,
                    error: &mut *self.error,
                })?;
            } else {
                failure.insert(key, map.next_value()?);
            }
        }
        if failure.contains_key("error") && self.error.is_none() {
            *self.error = Some(CtlError::Transaction(Value::Object(failure).to_string()));
        }
        Ok(())
    }
}

/// The rows, one JSON object at a time.
struct RowsSeed<'a> {
    f: &'a mut dyn FnMut(Value) -> Result<(), CtlError>,
    error: &'a mut Option<CtlError>,
}

impl<'de> DeserializeSeed<'de> for RowsSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("rows")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(row) = seq.next_element::<Value>()? {
            if self.error.is_some() {
                continue;
            }
            if let Err(e) = (self.f)(row) {
                *self.error = Some(e);
            }
        }
        Ok(())
    }
}

/// One table of a `monitor_cond` result: `{UUID: {"initial": ROW}, ...}`; each ROW is handed
/// to `f` with `"_uuid": ["uuid", UUID]` added.
struct TableSeed<'a> {
    f: &'a mut dyn FnMut(Value) -> Result<(), CtlError>,
    error: &'a mut Option<CtlError>,
}

impl<'de> DeserializeSeed<'de> for TableSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TableSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a table's row updates")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(uuid) = map.next_key::<String>()? {
            let update: serde_json::Map<String, Value> = map.next_value()?;
            if self.error.is_some() {
                continue;
            }
            let mut row = match update.into_iter().find(|(k, _)| k == "initial") {
                Some((_, Value::Object(row))) => row,
                _ => serde_json::Map::new(),
            };
            row.insert("_uuid".to_owned(), json!(["uuid", uuid]));
            if let Err(e) = (self.f)(Value::Object(row)) {
                *self.error = Some(e);
            }
        }
        Ok(())
    }
}
