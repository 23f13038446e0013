//! `cargo xtask codegen [--check]`: see the library docs.

use std::process::ExitCode;

use xtask::{Mode, codegen, workspace_root};

const USAGE: &str = "usage: cargo xtask codegen [--check]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["codegen"] => Mode::Write,
        ["codegen", "--check"] => Mode::Check,
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match codegen(&workspace_root(), mode) {
        Err(e) => {
            eprintln!("xtask codegen: {e}");
            ExitCode::FAILURE
        }
        Ok(report) if report.is_fresh() => {
            eprintln!("xtask codegen: {} files up to date", report.files);
            ExitCode::SUCCESS
        }
        Ok(report) => {
            let verb = if mode == Mode::Write { "wrote" } else { "stale" };
            for f in &report.stale {
                eprintln!("{verb}: {f}");
            }
            let verb = if mode == Mode::Write {
                "removed"
            } else {
                "left over"
            };
            for f in &report.leftover {
                eprintln!("{verb}: {f}");
            }
            if mode == Mode::Check {
                eprintln!("xtask codegen: generated code is stale; run `cargo xtask codegen` and commit");
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
    }
}
