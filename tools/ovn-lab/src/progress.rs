//! Progress on stderr: a spinner on the current step (on a terminal), a line per finished step
//! with its duration.

use std::io::{IsTerminal, Write as _};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// Step-by-step progress of a long command.
pub(crate) struct Progress {
    quiet: bool,
    current: Mutex<Option<(String, Instant, Option<ProgressBar>)>>,
    /// When a count line was last printed, and its count (no terminal).
    last_count: Mutex<Option<(Instant, usize)>>,
}

impl Progress {
    pub(crate) fn new(quiet: bool) -> Progress {
        Progress {
            quiet,
            current: Mutex::new(None),
            last_count: Mutex::new(None),
        }
    }

    /// Ends the current step (printing it with its duration) and starts `what`.
    pub(crate) fn step(&self, what: &str) {
        if self.quiet {
            return;
        }
        let Ok(mut cur) = self.current.lock() else { return };
        if let Some(prev) = cur.take() {
            Self::done(prev);
        }
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new_spinner();
            if let Ok(style) = ProgressStyle::with_template("  {spinner} {msg} {elapsed}") {
                bar.set_style(style);
            }
            bar.set_message(what.to_string());
            bar.enable_steady_tick(Duration::from_millis(80));
            bar
        });
        *cur = Some((what.to_string(), Instant::now(), bar));
    }

    /// Reports a count within the current step (`ports bound 420/1000`): on the spinner on a
    /// terminal, else as a line at most every 2 s when it changed.
    pub(crate) fn count(&self, what: &str, done: usize, total: usize) {
        if self.quiet {
            return;
        }
        let Ok(mut cur) = self.current.lock() else { return };
        let Some((step, _, bar)) = cur.as_mut() else {
            return;
        };
        match bar {
            Some(bar) => bar.set_message(format!("{step}: {what} {done}/{total}")),
            None => {
                let Ok(mut last) = self.last_count.lock() else {
                    return;
                };
                let due = last
                    .as_ref()
                    .is_none_or(|(t, d)| *d != done && t.elapsed() >= Duration::from_secs(2));
                if due {
                    *last = Some((Instant::now(), done));
                    let _ = writeln!(std::io::stderr(), "    {what} {done}/{total}");
                }
            }
        }
    }

    /// Ends the current step.
    pub(crate) fn finish(&self) {
        if let Ok(mut cur) = self.current.lock() {
            if let Some(prev) = cur.take() {
                Self::done(prev);
            }
        }
    }

    fn done((what, start, bar): (String, Instant, Option<ProgressBar>)) {
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        // A closed stderr must not end the command (`ovn-lab up 2>&1 | head -1`).
        let _ = writeln!(
            std::io::stderr(),
            "  ✓ {what} ({:.2} s)",
            start.elapsed().as_secs_f64()
        );
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Ok(mut cur) = self.current.lock() {
            if let Some((_, _, Some(bar))) = cur.take() {
                bar.finish_and_clear();
            }
        }
    }
}
