//! The syntax of `Logical_Switch_Port` `addresses` entries (ovn-nb(5)) as ovn-nbctl checks them:
//! what `lsp-set-addresses` accepts, and the IP addresses an entry holds for its duplicate-IP
//! check.

use std::net::IpAddr;

/// Scans a `scanf` `%x`-style hex number at the start of `s` (after optional whitespace, sign
/// and `0x`): the rest of `s`, or `None` without a digit.
fn scan_hex(s: &str) -> Option<&str> {
    let s = s.trim_start();
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let t = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .filter(|t| t.starts_with(|c: char| c.is_ascii_hexdigit()))
        .unwrap_or(s);
    let n = t.bytes().take_while(u8::is_ascii_hexdigit).count();
    (n > 0).then(|| &t[n..])
}

/// Scans an Ethernet address (`%hhx:%hhx:%hhx:%hhx:%hhx:%hhx`) at the start of `s`: the rest.
fn scan_mac(s: &str) -> Option<&str> {
    let mut rest = scan_hex(s)?;
    for _ in 0..5 {
        rest = scan_hex(rest.strip_prefix(':')?)?;
    }
    Some(rest)
}

/// Scans a decimal number (`%hhu`) at the start of `s`: the rest.
fn scan_dec(s: &str) -> Option<&str> {
    let s = s.trim_start();
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    (n > 0).then(|| &s[n..])
}

/// `dynamic IPv4`, `dynamic IPv6`, `dynamic IPv4 IPv6` or `MAC dynamic`, matched as ovn-nbctl's
/// prefix scans do.
fn is_dynamic(s: &str) -> bool {
    if let Some(rest) = s.strip_prefix("dynamic") {
        let ws = rest.trim_start();
        // "dynamic %hhu.%hhu.%hhu.%hhu"
        let v4 = scan_dec(ws)
            .and_then(|r| scan_dec(r.strip_prefix('.')?))
            .and_then(|r| scan_dec(r.strip_prefix('.')?))
            .and_then(|r| scan_dec(r.strip_prefix('.')?))
            .is_some();
        // "dynamic %46[0-9a-fA-F:.]"
        let v6 = ws.starts_with(|c: char| c.is_ascii_hexdigit() || c == ':' || c == '.');
        if v4 || v6 {
            return true;
        }
    }
    scan_mac(s).is_some_and(|rest| rest.trim_start().starts_with("dynamic"))
}

/// Whether `lsp-set-addresses` accepts the entry.
pub(crate) fn is_valid(s: &str) -> bool {
    matches!(s, "unknown" | "dynamic" | "router") || scan_mac(s).is_some() || is_dynamic(s)
}

/// Whether the entry asks for dynamic addresses (its addresses are then in
/// `dynamic_addresses`).
pub(crate) fn wants_dynamic(s: &str) -> bool {
    s == "dynamic" || is_dynamic(s)
}

/// The IP addresses of an `ETHERNET [IP[/PLEN]]...` entry, up to the first word that is not an
/// address; `None` when the entry does not start with an Ethernet address.
pub(crate) fn ips(s: &str) -> Option<Vec<IpAddr>> {
    let rest = scan_mac(s)?;
    let mut out = Vec::new();
    for word in rest.split_whitespace() {
        let ip = word.split_once('/').map_or(word, |(ip, _)| ip);
        match ip.parse::<IpAddr>() {
            Ok(a) => out.push(a),
            Err(_) => break,
        }
    }
    Some(out)
}
