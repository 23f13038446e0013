//! Bounded polling.

use std::time::{Duration, Instant};

use crate::error::{Error, LogTail, Result};

/// Polls `probe` every `poll_interval` until it returns `Some`, for at most `timeout`.
///
/// `probe` runs at least once, even with a zero timeout. Returns the first `Some` value, or
/// [`Error::Timeout`] naming `what` ("leader election", "port 1234 to accept connections") and the
/// time waited. The interval is the pause between the end of one probe and the start of the next,
/// shortened so the wait never overshoots `timeout` by more than one probe.
///
/// ```
/// use std::time::Duration;
/// let mut n = 0;
/// let v = ovsdb_testkit::wait_until("n to reach 3", Duration::from_secs(1), Duration::from_millis(1), || {
///     n += 1;
///     (n >= 3).then_some(n)
/// })?;
/// assert_eq!(v, 3);
/// # Ok::<(), ovsdb_testkit::Error>(())
/// ```
pub fn wait_until<T>(
    what: impl Into<String>,
    timeout: Duration,
    poll_interval: Duration,
    mut probe: impl FnMut() -> Option<T>,
) -> Result<T> {
    try_wait_until(what, timeout, poll_interval, || Ok(probe()))
}

/// Like [`wait_until`], but the probe may fail: the first `Err` ends the wait and is returned.
pub fn try_wait_until<T>(
    what: impl Into<String>,
    timeout: Duration,
    poll_interval: Duration,
    mut probe: impl FnMut() -> Result<Option<T>>,
) -> Result<T> {
    let start = Instant::now();
    let deadline = start + timeout;
    loop {
        if let Some(v) = probe()? {
            return Ok(v);
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(Error::Timeout {
                what: what.into(),
                waited: now - start,
                log: LogTail::none(),
            });
        }
        std::thread::sleep(poll_interval.min(deadline - now));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_out_with_description() {
        let start = Instant::now();
        let err = wait_until(
            "never",
            Duration::from_millis(50),
            Duration::from_millis(5),
            || None::<()>,
        )
        .unwrap_err();
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(50), "{elapsed:?}");
        assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
        let msg = err.to_string();
        assert!(msg.starts_with("timed out after "), "{msg}");
        assert!(msg.ends_with("waiting for never"), "{msg}");
    }

    #[test]
    fn zero_timeout_still_probes_once() {
        let v = wait_until("x", Duration::ZERO, Duration::from_secs(1), || Some(7));
        assert_eq!(v.unwrap(), 7);
    }

    #[test]
    fn try_wait_stops_on_error() {
        let mut calls = 0;
        let err = try_wait_until("x", Duration::from_secs(5), Duration::ZERO, || {
            calls += 1;
            if calls == 2 {
                Err(Error::NotRunning)
            } else {
                Ok(None::<()>)
            }
        })
        .unwrap_err();
        assert!(matches!(err, Error::NotRunning));
        assert_eq!(calls, 2);
    }
}
