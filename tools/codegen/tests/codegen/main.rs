//! Tests of the code generator: snapshots of the hard cases, the snapshots compiled and exercised,
//! errors, the CLI, and round trips of the workspace's generated crates through a real
//! ovsdb-server.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests panic on purpose with context

mod cli;
mod compiled;
mod errors;
mod roundtrip;
mod snapshots;
