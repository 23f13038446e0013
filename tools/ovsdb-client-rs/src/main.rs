//! `ovsdb-client-rs`: see the library crate for the commands.

fn main() {
    let code = ovsdb_client_rs::main_with_args(std::env::args());
    std::process::exit(code);
}
