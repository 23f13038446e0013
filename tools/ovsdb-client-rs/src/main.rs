//! `ovsdb-client-rs`: see the library crate for the commands.

/// The allocator of the installed build (static musl, `scripts/build-tools.sh`): mimalloc, since
/// musl's malloc is slow for long-running and allocation-heavy work; other builds keep the system
/// allocator.
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let code = ovsdb_client_rs::main_with_args(std::env::args());
    std::process::exit(code);
}
