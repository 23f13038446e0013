//! `ovn-lab`: parses the command line and hands it to the library.

use clap::Parser;

/// The allocator of the installed build (static musl, `scripts/build-tools.sh`): mimalloc, since
/// musl's malloc is slow for long-running and allocation-heavy work; other builds keep the system
/// allocator.
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    ovn_lab::cli::main_with(ovn_lab::cli::Cli::parse())
}
