//! RFC 7047 §5.2 operations, their results, and the server's error kinds.

pub mod error;

pub use error::{ErrorKind, OvsdbError};
