//! The JSON-RPC frame splitter and messages: arbitrary chunking, escapes, limits, garbage, and
//! the byte streams of real sessions (testdata/wire).

#![allow(clippy::unwrap_used)] // test helpers may unwrap (clippy only exempts #[test] fns)

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use bytes::{Bytes, BytesMut};
use ovsdb_proto::jsonrpc::{
    DEFAULT_MAX_DEPTH, FrameSplitter, FramingError, Id, Message, MessageError, decode_frame,
};
use proptest::prelude::*;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Generators

/// Strings heavy in the characters that could confuse a splitter, plus any Unicode scalar.
fn json_string() -> impl Strategy<Value = String> {
    let tricky = prop::sample::select(vec![
        '{', '}', '[', ']', '"', '\\', '/', ':', ',', ' ', '\n', '\t', '\u{1}', '\u{1f}', 'a', '0', 'u', 'é',
        '€', '😀', '\u{ffff}',
    ]);
    let ch = prop_oneof![3 => tricky, 1 => any::<char>()];
    prop::collection::vec(ch, 0..12).prop_map(String::from_iter)
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(Value::from),
        json_string().prop_map(Value::from),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((json_string(), inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn request_id() -> impl Strategy<Value = Id> {
    prop_oneof![
        any::<u64>().prop_map(Id::from),
        Just(Id::from("echo")),
        json_string().prop_map(Id::from),
        prop::collection::vec(json_leaf(), 0..3).prop_map(|a| Id::try_from(Value::Array(a)).unwrap()),
    ]
}

fn params() -> impl Strategy<Value = Value> {
    prop::collection::vec(json_value(), 0..4).prop_map(Value::Array)
}

fn message() -> impl Strategy<Value = Message> {
    prop_oneof![
        (json_string(), params(), request_id()).prop_map(|(m, p, id)| Message::request(m, p, id)),
        (json_string(), params()).prop_map(|(m, p)| Message::notification(m, p)),
        (request_id(), json_value()).prop_map(|(id, r)| Message::response_ok(id, r)),
        (
            request_id(),
            json_value().prop_filter("an error is not null", |e| !e.is_null())
        )
            .prop_map(|(id, e)| Message::response_error(id, e)),
    ]
}

/// One top-level value on the stream: a JSON-RPC message or any array or object.
#[derive(Debug, Clone)]
enum Item {
    Msg(Message),
    Raw(Value),
}

impl Item {
    fn value(&self) -> Value {
        match self {
            Item::Msg(m) => m.to_value(),
            Item::Raw(v) => v.clone(),
        }
    }
}

fn item() -> impl Strategy<Value = Item> {
    prop_oneof![
        message().prop_map(Item::Msg),
        prop::collection::vec(json_value(), 0..4).prop_map(|a| Item::Raw(Value::Array(a))),
        prop::collection::vec((json_string(), json_value()), 0..4)
            .prop_map(|kv| Item::Raw(Value::Object(kv.into_iter().collect()))),
    ]
}

// ---------------------------------------------------------------------------------------------
// A JSON writer that varies the text: \uXXXX escapes (with surrogate pairs), `\/`, and whitespace
// between tokens, driven by a list of random choices.

struct Writer<'a> {
    out: String,
    knobs: &'a [u8],
    next: usize,
}

const WS: [&str; 5] = ["", " ", "\n", "\r\n", "\t  "];

impl Writer<'_> {
    fn knob(&mut self) -> u8 {
        let k = self
            .knobs
            .get(self.next % self.knobs.len().max(1))
            .copied()
            .unwrap_or(0);
        self.next += 1;
        k
    }

    fn ws(&mut self) {
        let k = self.knob();
        // Mostly no whitespace, sometimes some.
        if k % 3 == 0 {
            self.out.push_str(WS[usize::from(k / 3) % WS.len()]);
        }
    }

    fn string(&mut self, s: &str) {
        self.out.push('"');
        for c in s.chars() {
            let k = self.knob();
            if k % 5 == 0 {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    write!(self.out, "\\u{u:04x}").unwrap();
                }
                continue;
            }
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                '/' if k % 2 == 0 => self.out.push_str("\\/"),
                '\n' if k % 2 == 0 => self.out.push_str("\\n"),
                c if u32::from(c) < 0x20 => write!(self.out, "\\u{:04X}", u32::from(c)).unwrap(),
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }

    fn value(&mut self, v: &Value) {
        match v {
            Value::Null | Value::Bool(_) | Value::Number(_) => self.out.push_str(&v.to_string()),
            Value::String(s) => self.string(s),
            Value::Array(a) => {
                self.out.push('[');
                for (i, e) in a.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.ws();
                    self.value(e);
                    self.ws();
                }
                self.out.push(']');
            }
            Value::Object(m) => {
                self.out.push('{');
                for (i, (k, e)) in m.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.ws();
                    self.string(k);
                    self.ws();
                    self.out.push(':');
                    self.ws();
                    self.value(e);
                }
                self.ws();
                self.out.push('}');
            }
        }
    }
}

/// Writes each value with varied text; returns the stream and each frame's exact text.
fn write_stream(values: &[Value], knobs: &[u8]) -> (Vec<u8>, Vec<String>) {
    let mut w = Writer {
        out: String::new(),
        knobs,
        next: 0,
    };
    let mut frames = Vec::new();
    for v in values {
        w.ws();
        let start = w.out.len();
        w.value(v);
        frames.push(w.out[start..].to_owned());
        w.ws();
    }
    (w.out.into_bytes(), frames)
}

/// Feeds `stream` to a splitter in chunks of the given sizes (cycled), collecting frames.
fn split_chunked(
    mut splitter: FrameSplitter,
    stream: &[u8],
    sizes: &[usize],
) -> (Vec<Bytes>, Result<(), FramingError>) {
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    let mut pos = 0;
    let mut i = 0;
    while pos < stream.len() {
        let n = sizes[i % sizes.len()].max(1).min(stream.len() - pos);
        i += 1;
        buf.extend_from_slice(&stream[pos..pos + n]);
        pos += n;
        loop {
            match splitter.next_frame(&mut buf) {
                Ok(Some(f)) => frames.push(f),
                Ok(None) => break,
                Err(e) => return (frames, Err(e)),
            }
        }
    }
    match splitter.next_frame_at_eof(&mut buf) {
        Ok(Some(f)) => panic!("a frame appeared only at EOF: {f:?}"),
        Ok(None) => (frames, Ok(())),
        Err(e) => (frames, Err(e)),
    }
}

fn chunk_sizes() -> impl Strategy<Value = Vec<usize>> {
    prop_oneof![
        Just(vec![1]),
        prop::collection::vec(1usize..8, 1..16),
        prop::collection::vec(1usize..300, 1..16),
        Just(vec![usize::MAX]),
    ]
}

// ---------------------------------------------------------------------------------------------
// Properties

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any sequence of values, written back to back with any whitespace and escapes, split in any
    /// chunking, comes out as exactly the original frames, in order, decoding to the originals.
    #[test]
    fn any_chunking_yields_the_original_frames(
        items in prop::collection::vec(item(), 0..6),
        knobs in prop::collection::vec(any::<u8>(), 1..64),
        sizes in chunk_sizes(),
    ) {
        let values: Vec<Value> = items.iter().map(Item::value).collect();
        let (stream, texts) = write_stream(&values, &knobs);
        let (frames, end) = split_chunked(FrameSplitter::new(), &stream, &sizes);
        prop_assert_eq!(end, Ok(()));
        prop_assert_eq!(frames.len(), items.len());
        for ((frame, text), item) in frames.iter().zip(&texts).zip(&items) {
            prop_assert_eq!(&frame[..], text.as_bytes());
            let decoded: Value = serde_json::from_slice(frame).unwrap();
            prop_assert_eq!(&decoded, &item.value());
            if let Item::Msg(m) = item {
                prop_assert_eq!(&decode_frame(frame).unwrap(), m);
            }
        }
    }

    /// Encoding then decoding a message gives it back, and the encoding is one frame.
    #[test]
    fn messages_round_trip(m in message()) {
        let bytes = m.to_vec();
        prop_assert_eq!(&Message::from_slice(&bytes).unwrap(), &m);
        let mut buf = BytesMut::from(&bytes[..]);
        let frame = FrameSplitter::new().next_frame(&mut buf).unwrap().unwrap();
        prop_assert_eq!(&frame[..], &bytes[..]);
        prop_assert!(buf.is_empty());
        if let Some(reply) = Message::echo_reply_for(&m) {
            let Message::Request { params, id, .. } = &m else { unreachable!() };
            prop_assert_eq!(reply, Message::response_ok(id.clone(), params.clone()));
        }
    }

    /// A byte that cannot start a JSON object or array, between frames, is an error naming its
    /// stream offset and value; the frames before it are delivered intact.
    #[test]
    fn garbage_between_frames_is_an_error(
        before in prop::collection::vec(item(), 0..3),
        garbage in any::<u8>().prop_filter("not a frame start or whitespace",
            |b| !matches!(b, b'{' | b'[' | b' ' | b'\t' | b'\n' | b'\r')),
        after in prop::collection::vec(item(), 0..3),
        sizes in chunk_sizes(),
    ) {
        let (mut stream, _) = write_stream(&before.iter().map(Item::value).collect::<Vec<_>>(), &[1]);
        let offset = stream.len() as u64;
        stream.push(garbage);
        let (rest, _) = write_stream(&after.iter().map(Item::value).collect::<Vec<_>>(), &[1]);
        stream.extend_from_slice(&rest);
        let (frames, end) = split_chunked(FrameSplitter::new(), &stream, &sizes);
        prop_assert_eq!(frames.len(), before.len());
        prop_assert_eq!(end, Err(FramingError::UnexpectedByte { offset, byte: garbage }));
    }
}

// ---------------------------------------------------------------------------------------------
// Examples

#[test]
fn escapes_and_multibyte_text_in_one_byte_chunks() {
    let stream = "{\"id\":\"}\\\"{\",\"method\":\"echo\",\"params\":[\"\\\\\",\"\\u00e9\",\"é€😀\",\"\\ud83d\\ude00]\"]}\
                  \n\n[\"\\\\\\\"\"] {\"id\":null,\"method\":\"x\",\"params\":[\"[[[{{{\"]}";
    let (frames, end) = split_chunked(FrameSplitter::new(), stream.as_bytes(), &[1]);
    assert_eq!(end, Ok(()));
    assert_eq!(frames.len(), 3);
    let first = decode_frame(&frames[0]).unwrap();
    assert_eq!(
        first,
        Message::request("echo", json!(["\\", "é", "é€😀", "😀]"]), "}\"{")
    );
    let second: Value = serde_json::from_slice(&frames[1]).unwrap();
    assert_eq!(second, json!(["\\\""]));
    assert_eq!(
        decode_frame(&frames[2]).unwrap(),
        Message::notification("x", json!(["[[[{{{"]))
    );
}

/// A request of exactly `len` bytes (padding its single string parameter).
fn message_of_len(len: usize) -> Vec<u8> {
    let base = Message::request("echo", json!([""]), 1).to_vec().len();
    let m = Message::request("echo", json!(["x".repeat(len - base)]), 1).to_vec();
    assert_eq!(m.len(), len);
    m
}

#[test]
fn max_frame_len_boundary() {
    let limit = 100;
    for (len, ok) in [(limit - 1, true), (limit, true), (limit + 1, false)] {
        for sizes in [vec![1], vec![7], vec![usize::MAX]] {
            let mut stream = b"  \n".to_vec();
            stream.extend(message_of_len(len));
            stream.extend(message_of_len(50));
            let (frames, end) =
                split_chunked(FrameSplitter::new().with_max_frame_len(limit), &stream, &sizes);
            if ok {
                assert_eq!(end, Ok(()), "len {len}");
                assert_eq!(frames.len(), 2);
                assert_eq!(frames[0].len(), len);
            } else {
                assert_eq!(
                    end,
                    Err(FramingError::FrameTooLong { limit, offset: 3 }),
                    "len {len}"
                );
                assert!(frames.is_empty());
                let text = end.unwrap_err().to_string();
                assert!(text.contains("limit of 100 bytes"), "{text}");
            }
        }
    }
    // The whitespace between frames does not count towards the limit.
    let mut stream = message_of_len(limit);
    stream.extend(b" ".repeat(500));
    stream.extend(message_of_len(limit));
    let (frames, end) = split_chunked(FrameSplitter::new().with_max_frame_len(limit), &stream, &[13]);
    assert_eq!((frames.len(), end), (2, Ok(())));
}

#[test]
fn too_long_is_reported_before_the_frame_ends() {
    // An endless string: the error comes once limit + 1 bytes have arrived.
    let limit = 1000;
    let mut s = FrameSplitter::new().with_max_frame_len(limit);
    let mut buf = BytesMut::new();
    buf.extend_from_slice(b"{\"a\":\"");
    let mut fed = 6;
    loop {
        match s.next_frame(&mut buf) {
            Ok(None) => {
                assert!(fed <= limit);
                buf.extend_from_slice(b"z");
                fed += 1;
            }
            Err(FramingError::FrameTooLong {
                limit: 1000,
                offset: 0,
            }) => break,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(fed, limit + 1);
    // Poisoned afterwards.
    buf.clear();
    buf.extend_from_slice(b"{}");
    assert!(matches!(
        s.next_frame(&mut buf),
        Err(FramingError::FrameTooLong { .. })
    ));
}

#[test]
fn a_million_open_brackets_hit_the_depth_limit() {
    let stream = vec![b'['; 1_000_000];
    let (frames, end) = split_chunked(FrameSplitter::new(), &stream, &[4096]);
    assert!(frames.is_empty());
    assert_eq!(
        end,
        Err(FramingError::TooDeep {
            limit: DEFAULT_MAX_DEPTH,
            offset: DEFAULT_MAX_DEPTH as u64
        })
    );

    // With the limit raised, a million-deep frame is still split without recursion; decoding it
    // is then refused by the JSON parser's own limit, as an error.
    let mut stream = vec![b'['; 1_000_000];
    stream.extend(vec![b']'; 1_000_000]);
    let (frames, end) = split_chunked(FrameSplitter::new().with_max_depth(2_000_000), &stream, &[65536]);
    assert_eq!(end, Ok(()));
    assert_eq!(frames.len(), 1);
    assert!(matches!(decode_frame(&frames[0]), Err(MessageError::Syntax(_))));

    // Brackets inside strings do not count.
    let mut stream = b"[\"".to_vec();
    stream.extend(vec![b'['; 1_000_000]);
    stream.extend(b"\"]");
    let (frames, end) = split_chunked(FrameSplitter::new(), &stream, &[4096]);
    assert_eq!((frames.len(), end), (1, Ok(())));
}

#[test]
fn top_level_scalars_and_stray_closers_are_errors() {
    for (text, offset, byte) in [
        ("1", 0, b'1'),
        ("  \"x\"", 2, b'"'),
        ("{} null", 3, b'n'),
        ("[]true", 2, b't'),
        ("{}]", 2, b']'),
        ("\n}", 1, b'}'),
        ("{}\u{feff}{}", 2, 0xef),
    ] {
        let (_, end) = split_chunked(FrameSplitter::new(), text.as_bytes(), &[1]);
        assert_eq!(
            end,
            Err(FramingError::UnexpectedByte { offset, byte }),
            "{text:?}"
        );
    }
}

#[test]
fn truncated_stream() {
    let (frames, end) = split_chunked(FrameSplitter::new(), b"[1] {\"id\":1,\"result\":\"}", &[3]);
    assert_eq!(frames.len(), 1);
    assert_eq!(end, Err(FramingError::Truncated { offset: 4, len: 19 }));
}

// ---------------------------------------------------------------------------------------------
// Real sessions

/// The wire captures of testdata/wire: one JSON object per socket read,
/// `{"conn": N, "dir": "c2s"|"s2c", "raw": "<bytes>"}`.
fn capture(name: &str) -> Vec<(u64, String, String)> {
    let path = format!("{}/../testdata/wire/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (
                v["conn"].as_u64().unwrap(),
                v["dir"].as_str().unwrap().to_owned(),
                v["raw"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn real_sessions_split_and_decode() {
    for name in [
        "ovsdb-client-basic.jsonl",
        "ovsdb-client-monitor.jsonl",
        "ovsdb-client-monitor-cond.jsonl",
        "ovn-nbctl-idl.jsonl",
    ] {
        let reads = capture(name);
        let conns: BTreeSet<u64> = reads.iter().map(|r| r.0).collect();
        for conn in conns {
            // Per direction: the reads as the socket delivered them, and the same bytes one at a time.
            let mut per_dir: BTreeMap<&str, Vec<Message>> = BTreeMap::new();
            for dir in ["c2s", "s2c"] {
                let chunks: Vec<&[u8]> = reads
                    .iter()
                    .filter(|r| r.0 == conn && r.1 == dir)
                    .map(|r| r.2.as_bytes())
                    .collect();
                let mut splitter = FrameSplitter::new();
                let mut buf = BytesMut::new();
                let mut frames = Vec::new();
                for c in &chunks {
                    buf.extend_from_slice(c);
                    while let Some(f) = splitter.next_frame(&mut buf).unwrap() {
                        frames.push(f);
                    }
                }
                assert!(
                    buf.is_empty(),
                    "{name} conn {conn} {dir}: {} bytes left over",
                    buf.len()
                );
                let stream = chunks.concat();
                let (bytewise, end) = split_chunked(FrameSplitter::new(), &stream, &[1]);
                assert_eq!(end, Ok(()));
                assert_eq!(bytewise, frames, "{name} conn {conn} {dir}");
                let msgs: Vec<Message> = frames
                    .iter()
                    .map(|f| decode_frame(f).unwrap_or_else(|e| panic!("{name} conn {conn} {dir}: {e}")))
                    .collect();
                // Re-encoding gives the same JSON values.
                for (f, m) in frames.iter().zip(&msgs) {
                    let orig: Value = serde_json::from_slice(f).unwrap();
                    let mut again = m.to_value();
                    // ovsdb-server omits "result" in error replies; we always write both members.
                    if orig.get("result").is_none() {
                        again.as_object_mut().unwrap().remove("result");
                    }
                    assert_eq!(again, orig);
                }
                per_dir.insert(dir, msgs);
            }
            // Every response from the server answers a request the client sent, and vice versa.
            let ids = |dir: &str, want_request: bool| -> BTreeSet<Id> {
                per_dir[dir]
                    .iter()
                    .filter(|m| matches!(m, Message::Request { .. }) == want_request)
                    .filter_map(|m| m.id().cloned())
                    .collect()
            };
            let requested = ids("c2s", true);
            let answered = ids("s2c", false);
            assert!(!requested.is_empty(), "{name} conn {conn}");
            assert!(
                answered.is_subset(&requested),
                "{name} conn {conn}: {answered:?} vs {requested:?}"
            );
            assert!(
                per_dir["c2s"]
                    .iter()
                    .all(|m| !matches!(m, Message::Notification { .. }))
            );
        }
    }
}

#[test]
fn real_update_notifications_are_notifications() {
    let mut seen = BTreeSet::new();
    for name in [
        "ovsdb-client-monitor.jsonl",
        "ovsdb-client-monitor-cond.jsonl",
        "ovn-nbctl-idl.jsonl",
    ] {
        let stream: Vec<u8> = capture(name)
            .iter()
            .filter(|r| r.1 == "s2c")
            .flat_map(|r| r.2.as_bytes().to_vec())
            .collect();
        // Connections are concatenated here; frames never span reads of different connections.
        let (frames, end) = split_chunked(FrameSplitter::new(), &stream, &[4096]);
        assert_eq!(end, Ok(()));
        for f in frames {
            if let Message::Notification { method, params } = decode_frame(&f).unwrap() {
                assert!(params.is_array());
                seen.insert(method);
            }
        }
    }
    assert_eq!(
        seen,
        BTreeSet::from(["update".to_owned(), "update2".to_owned(), "update3".to_owned()])
    );
}
