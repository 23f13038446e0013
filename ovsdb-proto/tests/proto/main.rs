//! Integration tests for ovsdb-proto (one binary; modules per area).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests panic on purpose with context

mod errors;
mod framing;
mod golden;
mod notation;
mod ops;
mod real_server;
mod schema;
mod updates;
