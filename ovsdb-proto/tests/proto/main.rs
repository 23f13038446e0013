//! Integration tests for ovsdb-proto (one binary; modules per area).

mod framing;
mod notation;
mod ops;
mod real_server;
mod schema;
mod errors;
mod updates;
mod golden;
