//! Wall-clock timestamps in UTC as OVS prints them (no time zone database needed).

use std::time::{SystemTime, UNIX_EPOCH};

/// (year, month, day, hour, minute, second, millisecond) of now, in UTC.
fn now_utc() -> (i64, u32, u32, u64, u64, u64, u64) {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let secs = ms / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, rem / 3600, rem % 3600 / 60, rem % 60, ms % 1000)
}

/// `2026-12-06T18:07:23Z`, the time stamp of OVS log lines.
pub(crate) fn log_timestamp() -> String {
    let (y, mo, d, h, mi, s, _) = now_utc();
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// `2026-12-06 18:07:23.123`, the `--timestamp` of monitor output.
pub(crate) fn table_timestamp() -> String {
    let (y, mo, d, h, mi, s, ms) = now_utc();
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{ms:03}")
}

/// Milliseconds since the epoch (the `_date` of OVSDB file records).
pub(crate) fn wall_msec() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Prints an OVS log line (`TIME|SEQ|MODULE|LEVEL|MESSAGE`) on stderr, as ovsdb-client's
/// console log does, numbering lines from 1.
pub(crate) fn vlog(module: &str, level: &str, msg: &str) {
    static SEQ: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
    eprintln!("{}|{n:05}|{module}|{level}|{msg}", log_timestamp());
}
