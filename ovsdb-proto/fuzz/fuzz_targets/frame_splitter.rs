//! Fuzz target: the JSON-RPC frame splitter on an arbitrary byte stream.
//!
//! Input layout: byte 0 picks the chunking, byte 1 the limits, the rest is the stream. Checks:
//! - no panic, whatever the bytes;
//! - the outcome (frames, final error, stream offset) is the same whether the stream arrives in
//!   one piece, in chunks derived from the input, or one byte at a time;
//! - frames are exactly the bytes of the stream between skipped whitespace, start with `{`/`[`,
//!   end with `}`/`]`, and respect the length limit; each error's offset and byte are right;
//! - differential: every array or object that serde_json's stream parser reads from the same
//!   bytes is the corresponding frame (same value, same end offset), unless a limit stopped us;
//! - every frame that decodes as a JSON-RPC message re-encodes to the same message.
#![no_main]

use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use ovsdb_proto::jsonrpc::{FrameSplitter, FramingError, Message, decode_frame};
use serde_json::Value;

#[derive(Debug, PartialEq)]
struct Outcome {
    frames: Vec<Bytes>,
    end: Result<(), FramingError>,
    offset: u64,
}

fn run(mut splitter: FrameSplitter, stream: &[u8], mut chunk: impl FnMut() -> usize) -> Outcome {
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    let mut pos = 0;
    let end = 'feed: {
        while pos < stream.len() {
            let n = chunk().clamp(1, stream.len() - pos);
            buf.extend_from_slice(&stream[pos..pos + n]);
            pos += n;
            loop {
                match splitter.next_frame(&mut buf) {
                    Ok(Some(f)) => frames.push(f),
                    Ok(None) => break,
                    Err(e) => {
                        // The splitter stays failed with the same error.
                        assert_eq!(splitter.next_frame(&mut buf), Err(e.clone()));
                        break 'feed Err(e);
                    }
                }
            }
        }
        match splitter.next_frame_at_eof(&mut buf) {
            Ok(Some(_)) => panic!("a frame appeared only at EOF"),
            Ok(None) => Ok(()),
            Err(e) => Err(e),
        }
    };
    Outcome {
        frames,
        end,
        offset: splitter.stream_offset(),
    }
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn skip_ws(stream: &[u8], mut pos: usize) -> usize {
    while pos < stream.len() && is_ws(stream[pos]) {
        pos += 1;
    }
    pos
}

fn splitter_for(mode: u8) -> (FrameSplitter, usize, usize) {
    let max_len = [ovsdb_proto::jsonrpc::DEFAULT_MAX_FRAME_LEN, 16, 64, 300][usize::from(mode & 3)];
    let max_depth = [ovsdb_proto::jsonrpc::DEFAULT_MAX_DEPTH, 1, 4, 200][usize::from((mode >> 2) & 3)];
    (
        FrameSplitter::new()
            .with_max_frame_len(max_len)
            .with_max_depth(max_depth),
        max_len,
        max_depth,
    )
}

fuzz_target!(|data: &[u8]| {
    let (chunk_mode, limit_mode, stream) = match data {
        [a, b, rest @ ..] => (*a, *b, rest),
        _ => return,
    };
    let (splitter, max_len, max_depth) = splitter_for(limit_mode);

    let whole = run(splitter.clone(), stream, || usize::MAX);
    let bytewise = run(splitter.clone(), stream, || 1);
    assert_eq!(whole, bytewise);
    let max_chunk = [3usize, 17, 256, 4096][usize::from(chunk_mode & 3)];
    let mut state = u32::from(chunk_mode) | 1;
    let chunked = run(splitter, stream, || {
        // xorshift32: chunk sizes that depend on the input.
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        1 + state as usize % max_chunk
    });
    assert_eq!(whole, chunked);

    // Frames are the stream's bytes between whitespace, in order.
    let mut pos = 0;
    let mut ends = Vec::new();
    for f in &whole.frames {
        pos = skip_ws(stream, pos);
        assert_eq!(&stream[pos..pos + f.len()], &f[..]);
        assert!(matches!(f.first(), Some(b'{' | b'[')));
        assert!(matches!(f.last(), Some(b'}' | b']')));
        assert!(f.len() <= max_len);
        pos += f.len();
        ends.push(pos);
    }
    let next = skip_ws(stream, pos);
    match &whole.end {
        Ok(()) => {
            assert_eq!(next, stream.len());
            assert_eq!(whole.offset, stream.len() as u64);
        }
        Err(FramingError::UnexpectedByte { offset, byte }) => {
            assert_eq!(*offset, next as u64);
            assert_eq!(stream[next], *byte);
            assert!(!matches!(byte, b'{' | b'['));
        }
        Err(FramingError::FrameTooLong { limit, offset }) => {
            assert_eq!((*limit, *offset), (max_len, next as u64));
            assert!(stream.len() - next > max_len);
        }
        Err(FramingError::TooDeep { limit, offset }) => {
            assert_eq!(*limit, max_depth);
            let at = *offset as usize;
            assert!(at >= next && at - next < max_len);
            assert!(matches!(stream[at], b'{' | b'['));
        }
        Err(FramingError::Truncated { offset, len }) => {
            assert_eq!((*offset, *len), (next as u64, stream.len() - next));
            assert!(*len <= max_len);
        }
        Err(other) => panic!("unexpected error {other:?}"),
    }

    // Differential check against serde_json's own stream parser.
    let mut values = serde_json::Deserializer::from_slice(stream).into_iter::<Value>();
    for i in 0.. {
        match values.next() {
            Some(Ok(v)) if v.is_array() || v.is_object() => {
                if let Some(f) = whole.frames.get(i) {
                    assert_eq!(serde_json::from_slice::<Value>(f).ok().as_ref(), Some(&v));
                    assert_eq!(values.byte_offset(), ends[i]);
                } else {
                    assert!(
                        matches!(
                            whole.end,
                            Err(FramingError::FrameTooLong { .. } | FramingError::TooDeep { .. })
                        ),
                        "serde_json read value {i} but the splitter ended with {:?}",
                        whole.end
                    );
                    break;
                }
            }
            _ => break,
        }
    }

    // Messages survive re-encoding.
    for f in &whole.frames {
        if let Ok(m) = decode_frame(f) {
            assert_eq!(Message::from_slice(&m.to_vec()).as_ref(), Ok(&m));
            assert_eq!(Message::from_value(m.to_value()).as_ref(), Ok(&m));
            if let Some(reply) = Message::echo_reply_for(&m) {
                assert_eq!(reply.id(), m.id());
            }
        }
    }
});
