//! A watchdog that turns a hung test into a fast, clean failure.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use crate::process;

/// Aborts the whole test process if it is still alive after a deadline, after SIGKILLing every
/// daemon the kit started and removing their directories (aborting runs no destructors, so this is
/// the only cleanup there will be).
///
/// Dropping the guard disarms it. Keep it in a variable for the length of the test:
///
/// ```
/// let _watchdog = ovsdb_testkit::Watchdog::arm("my_test", std::time::Duration::from_secs(60));
/// // ... the test ...
/// ```
#[derive(Debug)]
#[must_use = "the watchdog is disarmed as soon as the guard is dropped"]
pub struct Watchdog {
    // Dropping the sender wakes the thread, which then exits quietly.
    _disarm: mpsc::Sender<()>,
}

impl Watchdog {
    /// Arms a watchdog for `name` that fires after `timeout`.
    pub fn arm(name: impl Into<String>, timeout: Duration) -> Watchdog {
        let name = name.into();
        let (tx, rx) = mpsc::channel::<()>();
        std::thread::spawn(move || {
            if let Err(RecvTimeoutError::Timeout) = rx.recv_timeout(timeout) {
                eprintln!(
                    "ovsdb-testkit watchdog: {name} still running after {timeout:?}; \
                     killing the daemons and aborting"
                );
                let n = process::kill_all_registered();
                eprintln!("ovsdb-testkit watchdog: killed {n} daemon(s)");
                std::process::abort();
            }
        });
        Watchdog { _disarm: tx }
    }
}
