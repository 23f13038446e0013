//! Test kit: real `ovsdb-server` processes for tests (placeholder).
