//! `sbctl-rs`: see the `ovsdb_ctl` library (a closed standard output ends it quietly with status
//! 141, as the C tools end by SIGPIPE).
/// The allocator of the installed build (static musl, `scripts/build-tools.sh`): mimalloc, since
/// musl's malloc is slow for long-running and allocation-heavy work; other builds keep the system
/// allocator.
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(ovsdb_ctl::main_with(ovsdb_ctl::Tool::Sbctl));
}
