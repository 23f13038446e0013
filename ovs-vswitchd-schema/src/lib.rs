//! Typed bindings for the `Open_vSwitch` database (Open vSwitch 3.1, schema 8.3.1).
//!
//! Not generated yet: an empty shell until the code generator (issue 3) lands.
