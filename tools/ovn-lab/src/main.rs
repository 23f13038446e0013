//! `ovn-lab`: parses the command line and hands it to the library.

use clap::Parser;

fn main() -> std::process::ExitCode {
    ovn_lab::cli::main_with(ovn_lab::cli::Cli::parse())
}
