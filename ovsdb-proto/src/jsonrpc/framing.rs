//! Splitting a byte stream into back-to-back JSON values.

use std::fmt;

use bytes::{Buf, Bytes, BytesMut};

use super::message::{Message, MessageError};

/// Default [`FrameSplitter::with_max_frame_len`]: 64 MiB.
pub const DEFAULT_MAX_FRAME_LEN: usize = 64 * 1024 * 1024;

/// Default [`FrameSplitter::with_max_depth`]: 1024 nested arrays or objects.
///
/// ovsdb-server's own parser stops at 1000; OVSDB messages rarely go past 10.
pub const DEFAULT_MAX_DEPTH: usize = 1024;

/// The byte stream could not be split into JSON values.
///
/// Offsets are stream offsets: the number of bytes handed to this [`FrameSplitter`] before the
/// byte in question, counting from 0.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FramingError {
    /// Between messages, a byte that is neither JSON whitespace nor `{` or `[`: a bare scalar at
    /// the top level, a stray closing bracket, or garbage between frames.
    #[error(
        "unexpected byte {} at stream offset {offset}: a JSON-RPC message must start with '{{' or '['",
        ByteDesc(*.byte)
    )]
    UnexpectedByte {
        /// Stream offset of the byte.
        offset: u64,
        /// The byte.
        byte: u8,
    },
    /// A message is longer than the limit (its end was not found within `limit` bytes).
    #[error("JSON-RPC message starting at stream offset {offset} is longer than the limit of {limit} bytes")]
    FrameTooLong {
        /// The maximum frame length in bytes ([`FrameSplitter::with_max_frame_len`]).
        limit: usize,
        /// Stream offset of the first byte of the message.
        offset: u64,
    },
    /// Arrays and objects are nested deeper than the limit.
    #[error("JSON nesting deeper than the limit of {limit} at stream offset {offset}")]
    TooDeep {
        /// The maximum depth ([`FrameSplitter::with_max_depth`]).
        limit: usize,
        /// Stream offset of the bracket that went past the limit.
        offset: u64,
    },
    /// The stream ended in the middle of a message ([`FrameSplitter::next_frame_at_eof`]).
    #[error(
        "the stream ended inside a JSON-RPC message starting at stream offset {offset} ({len} bytes received)"
    )]
    Truncated {
        /// Stream offset of the first byte of the unfinished message.
        offset: u64,
        /// How many bytes of it were received.
        len: usize,
    },
    /// The buffer is shorter than the part of the current message already scanned: the caller
    /// removed bytes from it between calls, which this splitter does not allow.
    #[error("the buffer shrank between calls ({scanned} bytes already scanned, {len} left)")]
    BufferShrank {
        /// Bytes of the current message scanned by earlier calls.
        scanned: usize,
        /// The buffer's length now.
        len: usize,
    },
}

/// Displays a byte as `0x78 ('x')`, or just `0x07` when not printable ASCII.
struct ByteDesc(u8);

impl fmt::Display for ByteDesc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_ascii_graphic() {
            write!(f, "0x{:02x} ({:?})", self.0, char::from(self.0))
        } else {
            write!(f, "0x{:02x}", self.0)
        }
    }
}

/// Splits a byte stream into JSON values sent back to back (RFC 7047 §4 puts JSON-RPC messages
/// on the stream with no delimiter; ovsdb-server sends objects with nothing between them).
///
/// Pure and sans-IO: append whatever bytes arrive to a [`BytesMut`] and call
/// [`next_frame`](Self::next_frame) until it returns `Ok(None)`. Each frame is the exact bytes of
/// one top-level JSON object or array, to be decoded with [`decode_frame`].
///
/// ```
/// use bytes::BytesMut;
/// use ovsdb_proto::jsonrpc::FrameSplitter;
///
/// let mut splitter = FrameSplitter::new();
/// let mut buf = BytesMut::from(&b"{\"id\":1,\"result\":\"}\",\"error\":null} [1,"[..]);
/// assert_eq!(splitter.next_frame(&mut buf)?.as_deref(), Some(&b"{\"id\":1,\"result\":\"}\",\"error\":null}"[..]));
/// assert_eq!(splitter.next_frame(&mut buf)?, None); // "[1," is incomplete
/// buf.extend_from_slice(b"2]\n");
/// assert_eq!(splitter.next_frame(&mut buf)?.as_deref(), Some(&b"[1,2]"[..]));
/// # Ok::<(), ovsdb_proto::jsonrpc::FramingError>(())
/// ```
///
/// # Behaviour
/// - **Resumable at any byte boundary, without rescanning.** The scan state (depth, inside a
///   string, after a backslash) is kept between calls, so feeding a 40 MB reply in 4 KiB reads
///   costs one pass over it. Between calls the caller may only *append* to `buf` (as a
///   `tokio_util` codec does); the bytes of an unfinished frame stay at the front of `buf` until
///   the frame is complete.
/// - **Escape-aware.** Brackets and quotes inside strings, and `\"` escapes, do not end anything.
///   Bytes are only split at frame ends, so a UTF-8 character split across reads is fine.
/// - **Top level.** JSON whitespace (space, tab, CR, LF) between frames is skipped and dropped.
///   Each frame must be an object or an array; any other byte there is
///   [`FramingError::UnexpectedByte`] with its stream offset.
/// - **Limits.** A frame longer than [`with_max_frame_len`](Self::with_max_frame_len) bytes
///   (default [`DEFAULT_MAX_FRAME_LEN`]) is [`FramingError::FrameTooLong`] as soon as more than
///   the limit has arrived without a frame end; a frame of exactly the limit is accepted. Nesting
///   deeper than [`with_max_depth`](Self::with_max_depth) (default [`DEFAULT_MAX_DEPTH`]) is
///   [`FramingError::TooDeep`]. The scan is a loop with a counter, never recursion.
/// - **Not a validator.** Only brackets and strings are tracked; `{"a" 1]` is returned as a frame
///   and rejected by [`decode_frame`]. Memory use is the frame itself plus a few words.
/// - **After an error the splitter is finished:** every later call returns the same error
///   again, because the position of the next frame in the stream is unknown. Close the
///   connection.
#[derive(Debug, Clone)]
pub struct FrameSplitter {
    max_frame_len: usize,
    max_depth: usize,
    /// Stream offset of `buf[0]`.
    offset: u64,
    /// Bytes of the current frame (at the front of `buf`) already scanned; 0 between frames.
    scanned: usize,
    /// Open arrays and objects in the current frame.
    depth: usize,
    /// Inside a string.
    in_string: bool,
    /// Inside a string, right after a backslash.
    escaped: bool,
    /// The first error; returned again by every later call.
    failed: Option<FramingError>,
}

impl Default for FrameSplitter {
    fn default() -> Self {
        FrameSplitter::new()
    }
}

fn is_json_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl FrameSplitter {
    /// A splitter with the default limits ([`DEFAULT_MAX_FRAME_LEN`], [`DEFAULT_MAX_DEPTH`]).
    pub fn new() -> Self {
        FrameSplitter {
            max_frame_len: DEFAULT_MAX_FRAME_LEN,
            max_depth: DEFAULT_MAX_DEPTH,
            offset: 0,
            scanned: 0,
            depth: 0,
            in_string: false,
            escaped: false,
            failed: None,
        }
    }

    /// Sets the maximum length of one frame in bytes (whitespace between frames not counted).
    #[must_use]
    pub fn with_max_frame_len(mut self, max: usize) -> Self {
        self.max_frame_len = max;
        self
    }

    /// Sets the maximum nesting depth of arrays and objects (the top-level value is depth 1).
    #[must_use]
    pub fn with_max_depth(mut self, max: usize) -> Self {
        self.max_depth = max;
        self
    }

    /// The maximum frame length in bytes.
    pub fn max_frame_len(&self) -> usize {
        self.max_frame_len
    }

    /// The maximum nesting depth.
    pub fn max_depth(&self) -> usize {
        self.max_depth
    }

    /// Stream offset of the first byte still in the caller's buffer (bytes returned as frames or
    /// skipped as whitespace so far).
    pub fn stream_offset(&self) -> u64 {
        self.offset
    }

    /// Whether part of a frame has been scanned and the rest is awaited.
    pub fn is_mid_frame(&self) -> bool {
        self.scanned > 0
    }

    /// Takes the next complete frame off the front of `buf`, or `Ok(None)` if `buf` does not hold
    /// one yet (append more bytes and call again). Whitespace before the frame is removed from
    /// `buf` too.
    ///
    /// # Errors
    /// [`FramingError::UnexpectedByte`], [`FramingError::FrameTooLong`],
    /// [`FramingError::TooDeep`], [`FramingError::BufferShrank`]; after any error, the same error
    /// on every call.
    pub fn next_frame(&mut self, buf: &mut BytesMut) -> Result<Option<Bytes>, FramingError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        match self.scan(buf) {
            Ok(Some(end)) => {
                let frame = buf.split_to(end).freeze();
                self.offset += end as u64;
                self.scanned = 0;
                self.depth = 0;
                self.in_string = false;
                self.escaped = false;
                Ok(Some(frame))
            }
            Ok(None) => Ok(None),
            Err(e) => {
                self.failed = Some(e.clone());
                Err(e)
            }
        }
    }

    /// As [`next_frame`](Self::next_frame), for when the stream has ended: if no complete frame is
    /// left but `buf` still holds part of one, that is [`FramingError::Truncated`].
    /// Trailing whitespace is fine.
    ///
    /// # Errors
    /// As [`next_frame`](Self::next_frame), plus [`FramingError::Truncated`].
    pub fn next_frame_at_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Bytes>, FramingError> {
        match self.next_frame(buf)? {
            Some(frame) => Ok(Some(frame)),
            None if buf.is_empty() => Ok(None),
            None => {
                let e = FramingError::Truncated {
                    offset: self.offset,
                    len: buf.len(),
                };
                self.failed = Some(e.clone());
                Err(e)
            }
        }
    }

    /// Scans on from where the last call stopped; `Some(end)` when `buf[..end]` is a frame.
    fn scan(&mut self, buf: &mut BytesMut) -> Result<Option<usize>, FramingError> {
        if self.scanned == 0 {
            let skip = buf
                .iter()
                .position(|&b| !is_json_whitespace(b))
                .unwrap_or(buf.len());
            buf.advance(skip);
            self.offset += skip as u64;
            let Some(&first) = buf.first() else {
                return Ok(None);
            };
            if first != b'{' && first != b'[' {
                return Err(FramingError::UnexpectedByte {
                    offset: self.offset,
                    byte: first,
                });
            }
            if self.max_depth == 0 {
                return Err(FramingError::TooDeep {
                    limit: 0,
                    offset: self.offset,
                });
            }
            self.depth = 1;
            self.scanned = 1;
        }
        if buf.len() < self.scanned {
            return Err(FramingError::BufferShrank {
                scanned: self.scanned,
                len: buf.len(),
            });
        }

        // Only the first `max_frame_len` bytes can belong to an acceptable frame.
        let window = &buf[..buf.len().min(self.max_frame_len)];
        let mut i = self.scanned;
        let mut depth = self.depth;
        let mut in_string = self.in_string;
        let mut escaped = self.escaped;
        let mut end = None;

        while i < window.len() {
            if in_string {
                if escaped {
                    // The byte after a backslash is part of the escape, whatever it is.
                    escaped = false;
                    i += 1;
                    continue;
                }
                match find_string_stop(&window[i..]) {
                    Some(k) => {
                        if window[i + k] == b'"' {
                            in_string = false;
                        } else {
                            escaped = true;
                        }
                        i += k + 1;
                    }
                    None => i = window.len(),
                }
            } else {
                let b = window[i];
                i += 1;
                match b {
                    b'"' => in_string = true,
                    b'{' | b'[' => {
                        depth += 1;
                        if depth > self.max_depth {
                            return Err(FramingError::TooDeep {
                                limit: self.max_depth,
                                offset: self.offset + (i as u64 - 1),
                            });
                        }
                    }
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            end = Some(i);
                            break;
                        }
                    }
                    _ => {}
                }
            }
        }

        self.scanned = i;
        self.depth = depth;
        self.in_string = in_string;
        self.escaped = escaped;
        match end {
            Some(end) => Ok(Some(end)),
            None if buf.len() > self.max_frame_len => Err(FramingError::FrameTooLong {
                limit: self.max_frame_len,
                offset: self.offset,
            }),
            None => Ok(None),
        }
    }
}

/// Decodes one frame from [`FrameSplitter::next_frame`] as a JSON-RPC message.
///
/// # Errors
/// [`MessageError`] naming what was wrong: not JSON (the splitter does not validate), not an
/// object, or not a well-formed request, notification or response.
pub fn decode_frame(frame: &Bytes) -> Result<Message, MessageError> {
    Message::from_slice(frame)
}

/// The position of the first `"` or `\` in `text`: the two bytes that end a JSON string or
/// start an escape in it (RFC 8259 §7), for scanners that skip over string contents.
///
/// On x86_64 it uses memchr's SSE2 search, which x86_64 always has, instead of `memchr2`, whose
/// first call detects the CPU's features at run time: that detection executes `cpuid` several
/// times, and under a hypervisor every `cpuid` traps (about 7 us each measured on a VM), a cost
/// that a short-lived process such as one ctl command would pay once per run.
pub fn find_string_stop(text: &[u8]) -> Option<usize> {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    if let Some(two) = memchr::arch::x86_64::sse2::memchr::Two::new(b'"', b'\\') {
        return two.find(text);
    }
    memchr::memchr2(b'"', b'\\', text)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The SSE2 search finds what `memchr2` finds, at every length and alignment.
        #[test]
        fn find_string_stop_agrees_with_memchr2(
            pad in 0usize..100,
            tail in proptest::collection::vec(proptest::sample::select(b"ab\"\\\x00\xff".to_vec()), 0..40),
            start in 0usize..32,
        ) {
            // A run without stops (up to several SIMD blocks) then a random tail.
            let mut text = vec![b'x'; pad];
            text.extend(tail);
            let text = &text[start.min(text.len())..];
            proptest::prop_assert_eq!(find_string_stop(text), memchr::memchr2(b'"', b'\\', text));
        }
    }

    fn split_all(s: &mut FrameSplitter, buf: &mut BytesMut) -> Result<Vec<Bytes>, FramingError> {
        let mut out = Vec::new();
        while let Some(f) = s.next_frame(buf)? {
            out.push(f);
        }
        Ok(out)
    }

    #[test]
    fn strings_and_escapes_do_not_confuse() {
        let input = br#" {"a":"}]\"{\\"} [ "\\", "\"" ]{"b":["x\\\"]"]}"#;
        let mut s = FrameSplitter::new();
        let mut buf = BytesMut::from(&input[..]);
        let frames = split_all(&mut s, &mut buf).unwrap();
        let want: Vec<&[u8]> = vec![
            br#"{"a":"}]\"{\\"}"#,
            br#"[ "\\", "\"" ]"#,
            br#"{"b":["x\\\"]"]}"#,
        ];
        assert_eq!(frames.iter().map(|f| &f[..]).collect::<Vec<_>>(), want);
        for f in &frames {
            serde_json::from_slice::<serde_json::Value>(f).unwrap();
        }
        assert!(buf.is_empty());
        assert_eq!(s.stream_offset(), input.len() as u64);
    }

    #[test]
    fn byte_at_a_time() {
        let input = "{\"é\":\"€\\\\\"}\n[\"😀\\u00e9\",{\"x\":[]}]\r\n\t";
        let mut s = FrameSplitter::new();
        let mut buf = BytesMut::new();
        let mut frames = Vec::new();
        for &b in input.as_bytes() {
            buf.extend_from_slice(&[b]);
            frames.extend(split_all(&mut s, &mut buf).unwrap());
        }
        assert_eq!(frames.len(), 2);
        assert_eq!(&frames[0][..], "{\"é\":\"€\\\\\"}".as_bytes());
        assert_eq!(&frames[1][..], "[\"😀\\u00e9\",{\"x\":[]}]".as_bytes());
        assert!(!s.is_mid_frame());
        assert_eq!(s.next_frame_at_eof(&mut buf).unwrap(), None);
    }

    #[test]
    fn top_level_scalar_is_an_error_with_offset() {
        let mut s = FrameSplitter::new();
        let mut buf = BytesMut::from(&b"{}  x{}"[..]);
        assert!(s.next_frame(&mut buf).unwrap().is_some());
        let e = s.next_frame(&mut buf).unwrap_err();
        assert_eq!(
            e,
            FramingError::UnexpectedByte {
                offset: 4,
                byte: b'x'
            }
        );
        assert!(e.to_string().contains("0x78 ('x') at stream offset 4"), "{e}");
        // Poisoned: the same error again, even with good input appended.
        buf.extend_from_slice(b"{}");
        assert_eq!(s.next_frame(&mut buf).unwrap_err(), e);
        let e = FrameSplitter::new()
            .next_frame(&mut BytesMut::from(&b"\x07"[..]))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "unexpected byte 0x07 at stream offset 0: a JSON-RPC message must start with '{' or '['"
        );
    }

    #[test]
    fn frame_length_limit_is_exact() {
        // `[` + n-2 spaces + `]` is a frame of exactly n bytes.
        let frame = |n: usize| format!("[{}]", " ".repeat(n - 2));
        for (len, ok) in [(9, true), (10, true), (11, false)] {
            let mut s = FrameSplitter::new().with_max_frame_len(10);
            let mut buf = BytesMut::from(frame(len).as_bytes());
            buf.extend_from_slice(b"{}");
            match s.next_frame(&mut buf) {
                Ok(Some(f)) => assert!(ok && f.len() == len, "{len}"),
                Err(FramingError::FrameTooLong { limit: 10, offset: 0 }) => assert!(!ok, "{len}"),
                other => panic!("{len}: {other:?}"),
            }
        }
        // The error comes as soon as limit + 1 bytes are there, without waiting for the end.
        let mut s = FrameSplitter::new().with_max_frame_len(10);
        let mut buf = BytesMut::from(&b"  [\"0123456"[..]);
        assert_eq!(s.next_frame(&mut buf).unwrap(), None);
        buf.extend_from_slice(b"7");
        assert_eq!(s.next_frame(&mut buf).unwrap(), None);
        buf.extend_from_slice(b"8");
        let e = s.next_frame(&mut buf).unwrap_err();
        assert_eq!(e, FramingError::FrameTooLong { limit: 10, offset: 2 });
        assert!(e.to_string().contains("limit of 10 bytes"), "{e}");
    }

    #[test]
    fn depth_limit_without_recursion() {
        let mut s = FrameSplitter::new();
        let mut buf = BytesMut::from(&vec![b'['; 1_000_000][..]);
        let e = s.next_frame(&mut buf).unwrap_err();
        assert_eq!(
            e,
            FramingError::TooDeep {
                limit: DEFAULT_MAX_DEPTH,
                offset: DEFAULT_MAX_DEPTH as u64
            }
        );
        let mut s = FrameSplitter::new().with_max_depth(2);
        let mut buf = BytesMut::from(&b"[[]] [{\"[[[\":1}] [[[]]]"[..]);
        assert_eq!(
            split_all(&mut s, &mut buf).unwrap_err(),
            FramingError::TooDeep { limit: 2, offset: 19 }
        );
    }

    #[test]
    fn truncated_at_eof() {
        let mut s = FrameSplitter::new();
        let mut buf = BytesMut::from(&b"{} {\"a\":"[..]);
        assert!(s.next_frame_at_eof(&mut buf).unwrap().is_some());
        assert_eq!(
            s.next_frame_at_eof(&mut buf).unwrap_err(),
            FramingError::Truncated { offset: 3, len: 5 }
        );
    }

    #[test]
    fn shrunk_buffer_is_an_error_not_a_panic() {
        let mut s = FrameSplitter::new();
        let mut buf = BytesMut::from(&b"{\"aaaa"[..]);
        assert_eq!(s.next_frame(&mut buf).unwrap(), None);
        let mut other = BytesMut::from(&b"{"[..]);
        assert_eq!(
            s.next_frame(&mut other).unwrap_err(),
            FramingError::BufferShrank { scanned: 6, len: 1 }
        );
    }
}
