//! A whole-table `select` read row by row: on a connection of its own, the reply's frame is
//! kept as bytes and its rows are decoded one at a time, so a report over a big table (`show`
//! on 100k ports) holds the reply's bytes and the output, never the reply's JSON tree.

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

/// Runs `{"op": "select", "table": TABLE, "where": [], "columns": COLUMNS}` on database `db`
/// at `endpoint` over a new connection and calls `f` with each row of the reply, in order.
pub(crate) async fn select_rows(
    endpoint: &Endpoint,
    tls: Option<&TlsConfig>,
    db: &str,
    table: &str,
    columns: &[&str],
    timeout: Duration,
    f: &mut dyn FnMut(Value) -> Result<(), CtlError>,
) -> Result<(), CtlError> {
    let conn_err = |e: &dyn fmt::Display| CtlError::Connection(format!("{endpoint}: {e}"));
    let connector = match tls {
        Some(t) => Some(t.connector().map_err(|e| conn_err(&e))?),
        None => None,
    };
    let mut stream = transport::open(endpoint, connector.as_ref(), timeout)
        .await
        .map_err(|e| conn_err(&e))?;
    let request = json!({
        "id": "ctl-select", "method": "transact",
        "params": [db, {"op": "select", "table": table, "where": [], "columns": columns}],
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
            let mut de = serde_json::Deserializer::from_slice(&frame);
            let mut error = None;
            let seed = ReplySeed {
                f: &mut *f,
                error: &mut error,
            };
            let res = seed.deserialize(&mut de);
            if let Some(e) = error {
                return Err(e);
            }
            res.map_err(|e| conn_err(&format!("bad reply: {e}")))?;
            return Ok(());
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
