//! Typed bindings for the `OVN_Southbound` database (OVN 23.03, schema 20.27.0).
//!
//! Not generated yet: an empty shell until the code generator (issue 3) lands.
