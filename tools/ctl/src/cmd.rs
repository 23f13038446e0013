//! The command tables: one [`Syntax`] per command, grouped in [`Section`]s, one list of sections
//! per tool. Parsing (which per-command options exist), arity and option errors, `--help` and
//! dispatch all come from these tables, the way db-ctl-base's `struct ctl_command_syntax` drives
//! ovn-nbctl, ovn-sbctl and ovs-vsctl (ovs-vsctl(8) "Database Commands", ovn-nbctl(8)).
//!
//! A command family's module (`nb/ls.rs`, `vs/br.rs`, ...) defines its sections as constants and
//! its run functions; the tool's module lists its sections in help order.

use futures::future::LocalBoxFuture;

use crate::error::CtlError;
use crate::{CmdOut, Command, Ctx, Tool};

/// The run function of a command: runs `Command` (already checked against its [`Syntax`])
/// against the invocation's state.
pub(crate) type RunFn = for<'a> fn(&'a mut Ctx, &'a Command) -> LocalBoxFuture<'a, Result<CmdOut, CtlError>>;

/// Makes a [`RunFn`] of an `async fn(&mut Ctx, &Command) -> Result<CmdOut, CtlError>` path:
/// `run: run_fn!(ls_add)`.
macro_rules! run_fn {
    ($f:path) => {{
        fn table_run<'a>(
            ctx: &'a mut $crate::Ctx,
            cmd: &'a $crate::Command,
        ) -> futures::future::LocalBoxFuture<'a, Result<$crate::CmdOut, $crate::error::CtlError>> {
            Box::pin($f(ctx, cmd))
        }
        table_run as $crate::cmd::RunFn
    }};
}
pub(crate) use run_fn;

/// Whether a command may change the database (db-ctl-base's `RO` / `RW`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Only reads.
    ReadOnly,
    /// May write.
    ReadWrite,
}

/// `max_args` of a command that takes any number of arguments.
pub(crate) const MANY: usize = usize::MAX;

/// One command: its name, argument syntax, the options it accepts, and how it runs.
pub(crate) struct Syntax {
    /// The command name, e.g. `lsp-add`.
    pub(crate) name: &'static str,
    /// Fewest arguments.
    pub(crate) min_args: usize,
    /// Most arguments ([`MANY`]: no limit).
    pub(crate) max_args: usize,
    /// The argument syntax as `--help` shows it, e.g. `SWITCH PORT [PARENT TAG]`.
    pub(crate) arguments: &'static str,
    /// The per-command options it accepts, with their dashes; a trailing `=` when the option
    /// takes a value (`--id=`), a trailing `?` when the value is optional (`--ovs?`: `--ovs` or
    /// `--ovs=REMOTE`, as db-ctl-base's `optional_argument`), e.g.
    /// `&["--may-exist", "--if-exists"]`.
    pub(crate) options: &'static [&'static str],
    /// Reads only, or may write.
    #[allow(
        dead_code,
        reason = "documents the command (db-ctl-base RO/RW); no code path consults it yet"
    )]
    pub(crate) mode: Mode,
    /// One line of help: what the command does.
    pub(crate) help: &'static str,
    /// Runs it.
    pub(crate) run: RunFn,
}

impl Syntax {
    /// Whether the command accepts option `name` (without dashes), and whether it takes a value
    /// (an option whose value is optional counts as taking none: like getopt_long, it never
    /// takes the next argument).
    pub(crate) fn option(&self, name: &str) -> Option<bool> {
        self.options.iter().find_map(|o| {
            let o = o.strip_prefix("--").unwrap_or(o);
            let o = o.strip_suffix('?').unwrap_or(o);
            match o.strip_suffix('=') {
                Some(n) if n == name => Some(true),
                None if o == name => Some(false),
                _ => None,
            }
        })
    }

    /// Whether option `name` (without dashes) may be given with or without a value (`--ovs?`).
    pub(crate) fn option_value_optional(&self, name: &str) -> bool {
        self.options
            .iter()
            .any(|o| o.strip_prefix("--").and_then(|o| o.strip_suffix('?')) == Some(name))
    }

    /// Checks `cmd`'s options and argument count, with the reference tools' messages.
    pub(crate) fn check(&self, cmd: &Command) -> Result<(), CtlError> {
        for (o, v) in &cmd.opts {
            match self.option(o) {
                None => {
                    return Err(CtlError::Usage(format!(
                        "'{}' command has no '--{o}' option",
                        cmd.name
                    )));
                }
                Some(true) if v.is_none() => {
                    return Err(CtlError::Usage(format!(
                        "missing argument to '--{o}' option on '{}' command",
                        cmd.name
                    )));
                }
                Some(false) if v.is_some() && !self.option_value_optional(o) => {
                    return Err(CtlError::Usage(format!(
                        "'--{o}' option on '{}' does not accept an argument",
                        cmd.name
                    )));
                }
                _ => {}
            }
        }
        let n = cmd.args.len();
        // The reference says "arguments" whatever the count ("takes at most 1 arguments").
        if n < self.min_args {
            return Err(CtlError::Usage(format!(
                "'{}' command requires at least {} arguments",
                cmd.name, self.min_args
            )));
        }
        if n > self.max_args {
            // An option given after the command name is taken as an argument.
            let hint = if cmd.args.iter().any(|a| a.starts_with('-')) {
                " (note that options must precede command names and follow a \"--\" argument)"
            } else {
                ""
            };
            return Err(CtlError::Usage(format!(
                "'{}' command takes at most {} arguments{hint}",
                cmd.name, self.max_args
            )));
        }
        Ok(())
    }
}

/// A titled group of commands, as `--help` prints them.
pub(crate) struct Section {
    /// The heading, e.g. `Logical switch commands`.
    pub(crate) title: &'static str,
    /// The commands, in help order.
    pub(crate) commands: &'static [Syntax],
}

/// The sections of a tool, in help order (its own families, then the database commands).
pub(crate) fn sections(tool: Tool) -> &'static [&'static Section] {
    match tool {
        Tool::Nbctl => crate::nb::SECTIONS,
        Tool::Sbctl => crate::sb::SECTIONS,
        Tool::Vsctl => crate::vs::SECTIONS,
    }
}

/// Every command of a tool.
pub(crate) fn commands(tool: Tool) -> impl Iterator<Item = &'static Syntax> {
    sections(tool).iter().flat_map(|s| s.commands.iter())
}

/// The command named `name` of a tool.
pub(crate) fn find(tool: Tool, name: &str) -> Option<&'static Syntax> {
    commands(tool).find(|c| c.name == name)
}

/// `--help`: what the tool is, its usage line, every command by section (from the table), and
/// the options.
pub(crate) fn help(tool: Tool) -> String {
    let prog = tool.program();
    let (about, usage) = match tool {
        Tool::Nbctl => (
            "OVN northbound DB management utility",
            "[OPTIONS] COMMAND [ARG...]",
        ),
        Tool::Sbctl => (
            "OVN southbound DB management utility",
            "[OPTIONS] COMMAND [ARG...]",
        ),
        Tool::Vsctl => ("ovs-vswitchd management utility", "[OPTIONS] COMMAND [ARG...]"),
    };
    let mut out = format!("{prog}: {about}\nusage: {prog} {usage}\n\n");
    if tool == Tool::Nbctl {
        out.push_str(&help_commands_nb());
        out.push_str(&NBCTL_OPTIONS_HELP.replace("{prog}", prog));
        return out;
    }
    out.push_str(&help_commands(tool));
    out.push_str(OPTIONS_HELP);
    out
}

/// The commands part of ovn-nbctl's `--help`, laid out as ovn-nbctl lays it out: per section,
/// a command's options on a line of their own, then its name and arguments in a 26-column
/// field followed by what it does (on the next line when the syntax is longer).
fn help_commands_nb() -> String {
    let mut out = String::new();
    for s in sections(Tool::Nbctl) {
        out.push_str(s.title);
        out.push_str(":\n");
        for c in s.commands {
            let options: Vec<String> = c
                .options
                .iter()
                .filter(|o| **o != "--*")
                .map(|o| match o.strip_suffix('=') {
                    Some(n) => format!("[{n}=VALUE]"),
                    None => format!("[{}]", o.trim_end_matches('?')),
                })
                .collect();
            if !options.is_empty() {
                out.push_str(&format!("  {}\n", options.join(" ")));
            }
            let mut syntax = c.name.to_owned();
            if !c.arguments.is_empty() && c.arguments != "..." {
                syntax.push(' ');
                syntax.push_str(c.arguments);
            }
            if syntax.len() < 26 {
                out.push_str(&format!("  {syntax:<26}{}\n", c.help));
            } else {
                out.push_str(&format!("  {syntax}\n  {:<26}{}\n", "", c.help));
            }
        }
        out.push('\n');
    }
    out
}

/// The options part of ovn-nbctl's `--help`, in its sections (`{prog}`: the program name).
const NBCTL_OPTIONS_HELP: &str = "\
Options:
  --db=DATABASE               connect to DATABASE
                              (default: unix:/var/run/ovn/ovnnb_db.sock)
  --no-wait, --wait=none      do not wait for OVN to apply the change (default)
  --no-leader-only            accept any cluster member, not only the leader
  --no-shuffle-remotes        try the remotes in the order given
  --wait=sb                   wait until ovn-northd updated the southbound database
  --wait=hv                   wait until every chassis caught up too
  --print-wait-time           print how long the wait took
  -t, --timeout=SECS          give up after SECS seconds
  --dry-run                   do not commit any change to the database
  --oneline                   print one line of output per command

Output formatting options:
  -f, --format=FORMAT         table output format
                              (\"table\", \"html\", \"csv\", or \"json\")
  -d, --data=FORMAT           table cell format
                              (\"string\", \"bare\", or \"json\")
  --no-headings               leave out the heading row of tables
  --pretty                    indent JSON output
  --bare                      same as \"--format=list --data=bare --no-headings\"

Daemon options:
  --detach                run in the background as a daemon
  --pidfile[=FILE]        write the daemon's process id to FILE
                          (default: {prog}.pid in the run directory)
  --unixctl=SOCKET        where the daemon listens for commands

Other options:
  -h, --help                  print this help and exit
  -V, --version               print the version and exit

Active database connection methods:
  tcp:HOST:PORT           PORT at remote HOST
  ssl:HOST:PORT           SSL PORT at remote HOST
  unix:FILE               Unix domain socket named FILE
PKI configuration (required to use SSL):
  -p, --private-key=FILE  file with private key
  -c, --certificate=FILE  file with certificate for private key
  -C, --ca-cert=FILE      file with peer CA certificate
  --bootstrap-ca-cert=FILE  file with peer CA certificate to read or create
";

/// The options part of `--help`, common to the three tools.
const OPTIONS_HELP: &str = "\
Options:
  --db=DATABASE               connect to DATABASE (a remote such as unix:FILE, tcp:IP:PORT,
                              ssl:IP:PORT, or a comma-separated list of them)
  -t, --timeout=SECS          wait at most SECS seconds
  --dry-run                   do not commit changes to the database
  --oneline                   print exactly one line of output per command
  -f, --format=FORMAT         table format: table, list, csv, json or html
  -d, --data=FORMAT           cell format: string, bare or json
  --no-headings               omit table headings
  --pretty                    pretty-print JSON output
  --bare                      --format=list --data=bare --no-headings
  -p, --private-key=FILE      file with private key
  -c, --certificate=FILE      file with certificate for private key
  -C, --ca-cert=FILE          file with peer CA certificate
  --bootstrap-ca-cert=FILE    trust and save the server's CA certificate on first use
  -h, --help                  display this help message
  -V, --version               display version information
";

/// The commands part of `--help`: each section's title, then one line per command with its
/// syntax and what it does.
pub(crate) fn help_commands(tool: Tool) -> String {
    let mut out = String::new();
    for s in sections(tool) {
        out.push_str(s.title);
        out.push_str(":\n");
        for c in s.commands {
            let mut syntax = String::new();
            for o in c.options {
                syntax.push('[');
                match o.strip_suffix('?') {
                    Some(o) => {
                        syntax.push_str(o);
                        syntax.push_str("[=VALUE]");
                    }
                    None => syntax.push_str(o),
                }
                if o.ends_with('=') {
                    syntax.push_str("VALUE");
                }
                syntax.push_str("] ");
            }
            syntax.push_str(c.name);
            if !c.arguments.is_empty() {
                syntax.push(' ');
                syntax.push_str(c.arguments);
            }
            if syntax.len() < 38 {
                out.push_str(&format!("  {syntax:<38}{}\n", c.help));
            } else {
                out.push_str(&format!("  {syntax}\n  {:<38}{}\n", "", c.help));
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::{MANY, commands, sections};
    use crate::Tool;

    #[test]
    fn tables_are_well_formed() {
        for tool in [Tool::Nbctl, Tool::Sbctl, Tool::Vsctl] {
            let mut seen = BTreeSet::new();
            for s in sections(tool) {
                assert!(!s.title.is_empty());
                assert!(!s.commands.is_empty(), "{tool:?}: empty section {}", s.title);
            }
            for c in commands(tool) {
                assert!(seen.insert(c.name), "{tool:?}: {} twice", c.name);
                assert!(c.min_args <= c.max_args, "{tool:?}: {} arity", c.name);
                assert!(c.max_args == MANY || c.max_args < 32, "{}", c.name);
                assert!(!c.help.is_empty(), "{tool:?}: {} has no help", c.name);
                for o in c.options {
                    assert!(o.starts_with("--"), "{tool:?}: {} option {o}", c.name);
                }
            }
        }
    }
}
