//! `nbctl-rs`: see the `ovsdb_ctl` library.
//!
//! A closed standard output (`nbctl-rs show | head -1`) ends the command quietly, as it does the
//! C tools: no panic, no message, exit status 141 (what the shell reports for a process ended
//! by SIGPIPE, 128 + 13).

use std::io::Write;

/// Exit status after a closed standard output.
const EXIT_STDOUT_CLOSED: i32 = 141;

/// Writes the command's output; returns the exit status: the command's, or
/// [`EXIT_STDOUT_CLOSED`] when `stdout` was closed by its reader.
fn emit(out: &ovsdb_ctl::CtlOutput, stdout: &mut impl Write, stderr: &mut impl Write) -> i32 {
    // Standard output first, then standard error (the order main_with had); errors writing
    // stderr have nowhere to be reported.
    match stdout
        .write_all(out.stdout.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => {
            let _ = stderr.write_all(out.stderr.as_bytes());
            out.code
        }
        // As a C tool ended by SIGPIPE at this write: nothing more is written.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_STDOUT_CLOSED,
        Err(e) => {
            let _ = writeln!(stderr, "nbctl-rs: standard output: {e}");
            1
        }
    }
}

fn main() {
    let tool = ovsdb_ctl::Tool::Nbctl;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let env: std::collections::BTreeMap<String, String> = std::env::vars().collect();
    let out = ovsdb_ctl::run(tool, &args, &env);
    let code = emit(&out, &mut std::io::stdout().lock(), &mut std::io::stderr().lock());
    std::process::exit(code);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_stdout_exits_quietly() {
        // A real stream whose reader is gone: the write fails with EPIPE (Rust ignores
        // SIGPIPE), as on a pipe closed by `head`.
        let (writer, reader) = std::os::unix::net::UnixStream::pair().expect("socketpair");
        drop(reader);
        let out = ovsdb_ctl::run(
            ovsdb_ctl::Tool::Nbctl,
            &["--version".to_string()],
            &Default::default(),
        );
        assert!(!out.stdout.is_empty());
        let mut err = Vec::new();
        let mut w = writer;
        assert_eq!(emit(&out, &mut w, &mut err), EXIT_STDOUT_CLOSED);
        assert!(err.is_empty(), "{}", String::from_utf8_lossy(&err));
        // An open one gets the output and the command's status.
        let mut sink = Vec::new();
        assert_eq!(emit(&out, &mut sink, &mut err), out.code);
        assert_eq!(sink, out.stdout.as_bytes());
    }
}
