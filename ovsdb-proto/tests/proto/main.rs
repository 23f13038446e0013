//! Integration tests for ovsdb-proto (one binary; modules per area).

mod framing;
mod notation;
mod ops;
mod schema;
mod errors;
mod updates;
