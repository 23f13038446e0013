//! `nbctl-rs`: see the `ovsdb_ctl` library.
fn main() {
    std::process::exit(ovsdb_ctl::main_with(ovsdb_ctl::Tool::Nbctl));
}
