//! OVSDB client (RFC 7047): connections, reconnecting client, monitors and replicas.
//!
//! Not built yet: this crate is an empty shell until issue 4 ("ovsdb-client") lands. It depends on
//! [`ovsdb_proto`] for every message and data type.
