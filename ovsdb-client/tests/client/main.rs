//! Integration tests of ovsdb-client against real `ovsdb-server` processes (started by
//! ovsdb-testkit in temporary directories). Every test has a watchdog.

// Helpers outside #[test] functions may unwrap too: this is test code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod client;
mod cluster;
mod common;
mod connection;
mod embedding;
mod examples;
mod methods;
mod own_writes_reconnect;
mod replica;
mod replica_cluster;
mod replica_netns;
mod stale;
mod tls;
