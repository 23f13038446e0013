//! Typed bindings for the `OVN_Northbound` database (OVN 23.03, schema 7.0.0).
//!
//! Not generated yet: an empty shell until the code generator (issue 3) lands.
