//! Decoding errors that carry the JSON path of the offending value.

use std::fmt;

/// A JSON value that did not decode, with where it was.
///
/// `path` is a JSON path in serde_path_to_error's notation (`params[1].Logical_Switch.columns[0]`,
/// `.` for the root); `message` says what was expected and what was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DecodeError {
    /// Where in the document the error is (`.` for the document itself).
    pub path: String,
    /// What was wrong.
    pub message: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}: {}", self.path, self.message)
    }
}

impl DecodeError {
    /// An error at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        DecodeError {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Decodes `T` from JSON text, reporting the JSON path of the first error.
///
/// # Errors
/// [`DecodeError`] with the path of the value that failed and serde's message (which includes line
/// and column for syntax errors).
pub fn from_str<'a, T: serde::Deserialize<'a>>(text: &'a str) -> Result<T, DecodeError> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(path_error)
}

/// Decodes `T` from JSON bytes, reporting the JSON path of the first error.
///
/// # Errors
/// As [`from_str`].
pub fn from_slice<'a, T: serde::Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, DecodeError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(path_error)
}

/// Decodes `T` from an already-parsed JSON value, reporting the JSON path of the first error.
///
/// # Errors
/// As [`from_str`].
pub fn from_value<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, DecodeError> {
    serde_path_to_error::deserialize(value).map_err(path_error)
}

fn path_error<E: fmt::Display>(e: serde_path_to_error::Error<E>) -> DecodeError {
    DecodeError {
        path: e.path().to_string(),
        message: e.inner().to_string(),
    }
}
