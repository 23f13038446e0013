//! JSON-RPC 1.0 as RFC 7047 §4 uses it: messages ([`Message`], [`Id`]) and the splitter that
//! cuts a byte stream into messages ([`FrameSplitter`]).
//!
//! An OVSDB connection carries JSON-RPC 1.0 messages back to back, in both directions, with no
//! delimiter between them. Reading is two steps, both pure:
//!
//! ```
//! use bytes::BytesMut;
//! use ovsdb_proto::jsonrpc::{FrameSplitter, Message, decode_frame};
//!
//! let mut splitter = FrameSplitter::new();
//! let mut buf = BytesMut::new();
//! // ... bytes arrive from the socket, in any chunking:
//! buf.extend_from_slice(br#"{"id":"echo","method":"echo","params":[]}{"id":0,"res"#);
//! let mut replies = Vec::new();
//! while let Some(frame) = splitter.next_frame(&mut buf)? {
//!     let msg = decode_frame(&frame)?;
//!     if let Some(reply) = Message::echo_reply_for(&msg) {
//!         replies.push(reply.to_vec()); // to be written back to the server
//!     }
//! }
//! assert_eq!(replies, [br#"{"id":"echo","result":[],"error":null}"#.to_vec()]);
//! assert_eq!(&buf[..], br#"{"id":0,"res"#); // the incomplete message waits for more bytes
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod framing;
mod id;
mod message;

pub use framing::{
    DEFAULT_MAX_DEPTH, DEFAULT_MAX_FRAME_LEN, FrameSplitter, FramingError, decode_frame, find_string_stop,
};
pub use id::{Id, NullId};
pub use message::{Message, MessageError};
