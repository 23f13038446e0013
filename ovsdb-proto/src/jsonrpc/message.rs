//! JSON-RPC 1.0 messages as RFC 7047 §4 uses them.

use std::fmt;
use std::str::FromStr;

use bytes::{BufMut, BytesMut};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::id::Id;
use crate::error::DecodeError;

/// One JSON-RPC 1.0 message (RFC 7047 §4): a request, a response or a notification.
///
/// Wire shapes (members may come in any order; unknown extra members are ignored):
/// - request: `{"method": <string>, "params": [...], "id": <any non-null>}`;
/// - notification: the same with `"id": null` (`update`, `update2`, `update3`, `locked`,
///   `stolen`, `monitor_canceled` from the server; RFC 7047 §4.1.6 and ovsdb-server(7));
/// - response: `{"result": <any>, "error": <any>, "id": <the request's id>}`; `error` is `null` on
///   success and `result` is `null` on failure. ovsdb-server 3.1 omits `result` entirely in error
///   responses (`{"id":1,"error":"unknown method"}`), so a missing `result` or `error` member
///   decodes as `null`; at least one must be present. [`Message::to_vec`] always writes both.
///
/// `params` of requests and notifications is always a JSON array when decoded (anything else is
/// a [`MessageError`]). The constructors do not check it: build the array yourself.
///
/// The `error` of a failed response is kept as raw JSON here; for ovsdb-server it is a string
/// (`"unknown method"`) or an object `{"error": <string>, "details": <string>}` (RFC 7047 §3.1).
///
/// ```
/// use ovsdb_proto::jsonrpc::{Id, Message};
/// use serde_json::json;
///
/// let req = Message::request("list_dbs", json!([]), 7);
/// assert_eq!(req.to_vec(), br#"{"id":7,"method":"list_dbs","params":[]}"#);
///
/// let reply = Message::from_slice(br#"{"id":7,"result":["OVN_Northbound"],"error":null}"#)?;
/// assert_eq!(reply, Message::response_ok(Id::from(7), json!(["OVN_Northbound"])));
/// # Ok::<(), ovsdb_proto::jsonrpc::MessageError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A call that expects a [`Message::Response`] with the same `id`.
    Request {
        /// The method name as on the wire (`"transact"`, `"echo"`, ...).
        method: String,
        /// The parameters: a JSON array.
        params: Value,
        /// The id the response will carry.
        id: Id,
    },
    /// The answer to a request.
    Response {
        /// The result; `null` when `error` is not.
        result: Value,
        /// `null` on success; otherwise the error, as raw JSON.
        error: Value,
        /// The id of the request this answers.
        id: Id,
    },
    /// A call that gets no response (a request whose `id` is `null`).
    Notification {
        /// The method name as on the wire (`"update2"`, `"locked"`, ...).
        method: String,
        /// The parameters: a JSON array.
        params: Value,
    },
}

/// A JSON-RPC message that did not decode, saying what was wrong and where.
///
/// The path uses the notation of [`DecodeError`] (`.` for the message itself, `params` for a
/// member); [`MessageError::path`] returns it and `From<MessageError> for DecodeError` converts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    /// The bytes are not JSON (syntax error, invalid UTF-8, trailing characters, or nesting
    /// deeper than serde_json's limit of 128). The inner error has the line and column.
    Syntax(DecodeError),
    /// The JSON value is not an object.
    NotAnObject {
        /// The kind of JSON value found (`"array"`, `"string"`, ...).
        found: &'static str,
    },
    /// A required member is absent (`"id"`, or `"params"` of a request or notification).
    MissingMember {
        /// The member's name.
        member: &'static str,
    },
    /// A member has the wrong JSON type (`"method"` not a string, `"params"` not an array).
    WrongType {
        /// The member's name, which is also its path.
        member: &'static str,
        /// What it must be.
        expected: &'static str,
        /// The kind of JSON value found.
        found: &'static str,
    },
    /// A response has both a non-null `result` and a non-null `error`.
    ResultAndError,
    /// The message has `"method"` (so it is a request or notification) and also `member`
    /// (`"result"` or `"error"`, so it is a response).
    MethodAndResponseMember {
        /// `"result"` or `"error"`.
        member: &'static str,
    },
    /// A response's `id` is `null`, so it cannot be matched to a request.
    NullResponseId,
    /// None of `"method"`, `"result"` and `"error"` is present.
    UnknownKind,
}

impl MessageError {
    /// The JSON path of the offending value (`.` for the whole message, else the member name).
    pub fn path(&self) -> &str {
        match self {
            MessageError::Syntax(e) => &e.path,
            MessageError::WrongType { member, .. } => member,
            MessageError::NullResponseId => "id",
            MessageError::NotAnObject { .. }
            | MessageError::MissingMember { .. }
            | MessageError::ResultAndError
            | MessageError::MethodAndResponseMember { .. }
            | MessageError::UnknownKind => ".",
        }
    }

    /// What was wrong, without the path.
    fn problem(&self) -> String {
        match self {
            MessageError::Syntax(e) => format!("not a JSON value: {}", e.message),
            MessageError::NotAnObject { found } => {
                format!("a JSON-RPC message must be a JSON object, found {found}")
            }
            MessageError::MissingMember { member } => format!("the message has no {member:?} member"),
            MessageError::WrongType { expected, found, .. } => format!("expected {expected}, found {found}"),
            MessageError::ResultAndError => {
                "a response must not have both a non-null \"result\" and a non-null \"error\"".to_owned()
            }
            MessageError::MethodAndResponseMember { member } => {
                format!("the message has both \"method\" (a request) and {member:?} (a response)")
            }
            MessageError::NullResponseId => "a response's id must not be null".to_owned(),
            MessageError::UnknownKind => {
                "not a JSON-RPC message: no \"method\", \"result\" or \"error\" member".to_owned()
            }
        }
    }
}

impl fmt::Display for MessageError {
    /// `at <path>: <problem>`, as [`DecodeError`] displays.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}: {}", self.path(), self.problem())
    }
}

impl From<MessageError> for DecodeError {
    fn from(e: MessageError) -> DecodeError {
        match e {
            MessageError::Syntax(d) => d,
            other => DecodeError::new(other.path(), other.problem()),
        }
    }
}

/// The JSON kind of a value, for error messages.
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Message {
    /// A request. `params` must be a JSON array (RFC 7047 §4); `id` must not already be in use
    /// on the connection.
    pub fn request(method: impl Into<String>, params: Value, id: impl Into<Id>) -> Message {
        Message::Request {
            method: method.into(),
            params,
            id: id.into(),
        }
    }

    /// A successful response: `{"id": id, "result": result, "error": null}`.
    pub fn response_ok(id: Id, result: Value) -> Message {
        Message::Response {
            result,
            error: Value::Null,
            id,
        }
    }

    /// A failed response: `{"id": id, "result": null, "error": error}`. `error` should not be
    /// `null` (that would read as a successful response with a `null` result).
    pub fn response_error(id: Id, error: Value) -> Message {
        Message::Response {
            result: Value::Null,
            error,
            id,
        }
    }

    /// A notification: `{"method": method, "params": params, "id": null}`. `params` must be a
    /// JSON array.
    pub fn notification(method: impl Into<String>, params: Value) -> Message {
        Message::Notification {
            method: method.into(),
            params,
        }
    }

    /// The reply to an `echo` request (RFC 7047 §4.1.11: the result is the request's params),
    /// or `None` if `request` is not an `echo` request.
    ///
    /// ovsdb-server sends `{"id":"echo","method":"echo","params":[]}` as its inactivity probe and
    /// drops the connection if no reply comes in time.
    ///
    /// ```
    /// use ovsdb_proto::jsonrpc::Message;
    /// let probe = Message::from_slice(br#"{"id":"echo","method":"echo","params":[]}"#)?;
    /// let reply = Message::echo_reply_for(&probe).expect("an echo request");
    /// assert_eq!(reply.to_vec(), br#"{"id":"echo","result":[],"error":null}"#);
    /// # Ok::<(), ovsdb_proto::jsonrpc::MessageError>(())
    /// ```
    pub fn echo_reply_for(request: &Message) -> Option<Message> {
        match request {
            Message::Request { method, params, id } if method == "echo" => {
                Some(Message::response_ok(id.clone(), params.clone()))
            }
            _ => None,
        }
    }

    /// The id of a request or response; `None` for a notification.
    pub fn id(&self) -> Option<&Id> {
        match self {
            Message::Request { id, .. } | Message::Response { id, .. } => Some(id),
            Message::Notification { .. } => None,
        }
    }

    /// The method of a request or notification; `None` for a response.
    pub fn method(&self) -> Option<&str> {
        match self {
            Message::Request { method, .. } | Message::Notification { method, .. } => Some(method),
            Message::Response { .. } => None,
        }
    }

    /// Decodes one message from JSON text in bytes (one frame from
    /// [`FrameSplitter`](super::FrameSplitter)).
    ///
    /// # Errors
    /// [`MessageError::Syntax`] if the bytes are not one JSON value, otherwise the variant naming
    /// the JSON-RPC rule that was broken.
    pub fn from_slice(bytes: &[u8]) -> Result<Message, MessageError> {
        let value: Value = crate::error::from_slice(bytes).map_err(MessageError::Syntax)?;
        Message::from_value(value)
    }

    /// Decodes one message from a parsed JSON value.
    ///
    /// # Errors
    /// As [`Message::from_slice`], except for [`MessageError::Syntax`].
    pub fn from_value(value: Value) -> Result<Message, MessageError> {
        let Value::Object(mut obj) = value else {
            return Err(MessageError::NotAnObject { found: kind(&value) });
        };
        if let Some(method) = obj.remove("method") {
            for member in ["result", "error"] {
                if obj.contains_key(member) {
                    return Err(MessageError::MethodAndResponseMember { member });
                }
            }
            let Value::String(method) = method else {
                return Err(MessageError::WrongType {
                    member: "method",
                    expected: "a string",
                    found: kind(&method),
                });
            };
            let params = take(&mut obj, "params")?;
            if !params.is_array() {
                return Err(MessageError::WrongType {
                    member: "params",
                    expected: "an array",
                    found: kind(&params),
                });
            }
            let id = take(&mut obj, "id")?;
            return Ok(match Id::try_from(id) {
                Ok(id) => Message::Request { method, params, id },
                Err(_null) => Message::Notification { method, params },
            });
        }
        let (result, error) = (obj.remove("result"), obj.remove("error"));
        if result.is_none() && error.is_none() {
            return Err(MessageError::UnknownKind);
        }
        let (result, error) = (result.unwrap_or(Value::Null), error.unwrap_or(Value::Null));
        if !result.is_null() && !error.is_null() {
            return Err(MessageError::ResultAndError);
        }
        let id = Id::try_from(take(&mut obj, "id")?).map_err(|_| MessageError::NullResponseId)?;
        Ok(Message::Response { result, error, id })
    }

    /// Encodes as compact JSON.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        self.write_json(&mut out);
        out
    }

    /// Appends the compact JSON encoding to `dst` (for a `tokio_util` `Encoder`).
    pub fn encode_into(&self, dst: &mut BytesMut) {
        self.write_json(&mut dst.writer());
    }

    /// Converts to a JSON value in wire form.
    pub fn to_value(&self) -> Value {
        let mut obj = Map::new();
        match self {
            Message::Request { method, params, id } => {
                obj.insert("id".into(), id.as_value().clone());
                obj.insert("method".into(), Value::String(method.clone()));
                obj.insert("params".into(), params.clone());
            }
            Message::Response { result, error, id } => {
                obj.insert("id".into(), id.as_value().clone());
                obj.insert("result".into(), result.clone());
                obj.insert("error".into(), error.clone());
            }
            Message::Notification { method, params } => {
                obj.insert("id".into(), Value::Null);
                obj.insert("method".into(), Value::String(method.clone()));
                obj.insert("params".into(), params.clone());
            }
        }
        Value::Object(obj)
    }

    fn write_json<W: std::io::Write>(&self, out: W) {
        // Serializing a `Value`-based structure into memory cannot fail: every map key is a
        // string and the writers used here (Vec, BytesMut) never return I/O errors.
        let _infallible = serde_json::to_writer(out, self);
    }
}

/// Removes a required member.
fn take(obj: &mut Map<String, Value>, member: &'static str) -> Result<Value, MessageError> {
    obj.remove(member).ok_or(MessageError::MissingMember { member })
}

impl Serialize for Message {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(3))?;
        match self {
            Message::Request { method, params, id } => {
                map.serialize_entry("id", id)?;
                map.serialize_entry("method", method)?;
                map.serialize_entry("params", params)?;
            }
            Message::Response { result, error, id } => {
                map.serialize_entry("id", id)?;
                map.serialize_entry("result", result)?;
                map.serialize_entry("error", error)?;
            }
            Message::Notification { method, params } => {
                map.serialize_entry("id", &Value::Null)?;
                map.serialize_entry("method", method)?;
                map.serialize_entry("params", params)?;
            }
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Message {
    /// Decodes through a [`Value`] with the rules of [`Message::from_value`].
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Message::from_value(Value::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl FromStr for Message {
    type Err = MessageError;

    /// As [`Message::from_slice`].
    fn from_str(s: &str) -> Result<Self, MessageError> {
        Message::from_slice(s.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn dec(s: &str) -> Result<Message, MessageError> {
        Message::from_slice(s.as_bytes())
    }

    #[test]
    fn decodes_the_three_kinds() {
        assert_eq!(
            dec(r#"{"id":0,"method":"list_dbs","params":[]}"#).unwrap(),
            Message::request("list_dbs", json!([]), 0)
        );
        assert_eq!(
            dec(r#"{"id":null,"method":"update2","params":[null,{}]}"#).unwrap(),
            Message::notification("update2", json!([null, {}]))
        );
        assert_eq!(
            dec(r#"{"id":0,"result":["OVN_Northbound","_Server"],"error":null}"#).unwrap(),
            Message::response_ok(Id::from(0), json!(["OVN_Northbound", "_Server"]))
        );
        // ovsdb-server 3.1's error reply has no "result" member.
        assert_eq!(
            dec(r#"{"id":1,"error":"unknown method"}"#).unwrap(),
            Message::response_error(Id::from(1), json!("unknown method"))
        );
        // A successful reply whose result is null.
        assert_eq!(
            dec(r#"{"id":1,"result":null,"error":null}"#).unwrap(),
            Message::response_ok(Id::from(1), Value::Null)
        );
        // Unknown extra members are ignored.
        assert!(dec(r#"{"id":1,"result":1,"jsonrpc":"2.0"}"#).is_ok());
    }

    #[test]
    fn errors_name_the_problem() {
        let cases: &[(&str, MessageError, &str)] = &[
            ("[1]", MessageError::NotAnObject { found: "an array" }, "."),
            (
                r#"{"method":"echo","params":[]}"#,
                MessageError::MissingMember { member: "id" },
                ".",
            ),
            (
                r#"{"id":1,"method":"echo"}"#,
                MessageError::MissingMember { member: "params" },
                ".",
            ),
            (
                r#"{"id":1,"method":"echo","params":{}}"#,
                MessageError::WrongType {
                    member: "params",
                    expected: "an array",
                    found: "an object",
                },
                "params",
            ),
            (
                r#"{"id":1,"method":7,"params":[]}"#,
                MessageError::WrongType {
                    member: "method",
                    expected: "a string",
                    found: "a number",
                },
                "method",
            ),
            (
                r#"{"id":1,"result":1,"error":"x"}"#,
                MessageError::ResultAndError,
                ".",
            ),
            (
                r#"{"result":1,"error":null}"#,
                MessageError::MissingMember { member: "id" },
                ".",
            ),
            (r#"{"id":null,"result":1}"#, MessageError::NullResponseId, "id"),
            (
                r#"{"id":1,"method":"echo","params":[],"result":null}"#,
                MessageError::MethodAndResponseMember { member: "result" },
                ".",
            ),
            (r#"{"id":1}"#, MessageError::UnknownKind, "."),
        ];
        for (text, want, path) in cases {
            let got = dec(text).unwrap_err();
            assert_eq!(&got, want, "{text}");
            assert_eq!(got.path(), *path, "{text}");
            let d = DecodeError::from(got.clone());
            assert_eq!(d.path, *path);
            assert!(!d.message.starts_with("at "), "{d}");
            assert!(got.to_string().starts_with(&format!("at {path}: ")), "{got}");
        }
        let syntax = dec(r#"{"id":1,"#).unwrap_err();
        assert!(matches!(syntax, MessageError::Syntax(_)), "{syntax}");
        assert!(syntax.to_string().contains(": not a JSON value: "), "{syntax}");
        assert!(syntax.to_string().contains("line 1"), "{syntax}");
    }

    #[test]
    fn encodes_and_round_trips() {
        let msgs = [
            Message::request(
                "transact",
                json!(["OVN_Northbound", {"op": "comment", "comment": "é\"}"}]),
                42,
            ),
            Message::request("echo", json!([]), "echo"),
            Message::response_ok(Id::from(3), json!({"a": [1, 2]})),
            Message::response_error(Id::from(4), json!({"error": "syntax error", "details": "x"})),
            Message::notification(
                "update3",
                json!([
                    ["monid", "OVN_Northbound"],
                    "00000000-0000-0000-0000-000000000000",
                    {}
                ]),
            ),
        ];
        for m in msgs {
            let bytes = m.to_vec();
            assert_eq!(Message::from_slice(&bytes).unwrap(), m);
            assert_eq!(serde_json::from_slice::<Value>(&bytes).unwrap(), m.to_value());
            let mut b = BytesMut::new();
            m.encode_into(&mut b);
            assert_eq!(&b[..], &bytes[..]);
            assert_eq!(serde_json::from_value::<Message>(m.to_value()).unwrap(), m);
        }
        assert_eq!(
            Message::notification("locked", json!(["l"])).to_vec(),
            br#"{"id":null,"method":"locked","params":["l"]}"#
        );
    }

    #[test]
    fn echo_reply() {
        let req = dec(r#"{"id":[1,"x"],"method":"echo","params":[1,{"a":2}]}"#).unwrap();
        let reply = Message::echo_reply_for(&req).unwrap();
        assert_eq!(
            reply.to_vec(),
            br#"{"id":[1,"x"],"result":[1,{"a":2}],"error":null}"#
        );
        assert!(Message::echo_reply_for(&Message::request("list_dbs", json!([]), 1)).is_none());
        assert!(Message::echo_reply_for(&Message::notification("echo", json!([]))).is_none());
    }
}
