//! Integration tests of ovsdb-client against real `ovsdb-server` processes (started by
//! ovsdb-testkit in temporary directories). Every test has a watchdog.

mod common;
mod connection;
mod methods;
