//! Progress on stderr: a spinner on the current step (on a terminal), a line per finished step
//! with its duration.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// Step-by-step progress of a long command.
pub(crate) struct Progress {
    quiet: bool,
    current: Mutex<Option<(String, Instant, Option<ProgressBar>)>>,
}

impl Progress {
    pub(crate) fn new(quiet: bool) -> Progress {
        Progress {
            quiet,
            current: Mutex::new(None),
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
        eprintln!("  ✓ {what} ({:.2} s)", start.elapsed().as_secs_f64());
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
