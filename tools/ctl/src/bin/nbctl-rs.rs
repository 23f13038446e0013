//! `nbctl-rs`: see the `ovsdb_ctl` library (a closed standard output ends it quietly with status
//! 141, as the C tools end by SIGPIPE).
fn main() {
    std::process::exit(ovsdb_ctl::main_with(ovsdb_ctl::Tool::Nbctl));
}
