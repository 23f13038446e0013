//! `vsctl-rs`: see the `ovsdb_ctl` library (a closed standard output ends it quietly with status
//! 141, as the C tools end by SIGPIPE).
//!
//! When `--timeout` expires it dies of SIGALRM, as ovs-vsctl does (shell status 142).
/// The allocator of the installed build (static musl, `scripts/build-tools.sh`): mimalloc, since
/// musl's malloc is slow for long-running and allocation-heavy work; other builds keep the system
/// allocator.
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let code = ovsdb_ctl::main_with(ovsdb_ctl::Tool::Vsctl);
    if code == 142 {
        use std::io::Write;
        let _ = std::io::stdout().flush();
        let _ = std::io::stderr().flush();
        let _ = nix::sys::signal::raise(nix::sys::signal::Signal::SIGALRM);
    }
    std::process::exit(code);
}
