//! Row helpers shared by the router-side command families (load balancers, policies, DHCP
//! options, HA chassis groups, CoPP, static MAC bindings): targeted lookups by name or UUID,
//! batched reads of referenced rows, and the order in which ovn-nbctl prints a string map.

use ovsdb_proto::{Atom, Datum, Uuid};
use serde_json::json;

pub(super) use super::common::{is_uuid, parse_priority};
use crate::Ctx;
use crate::error::CtlError;
use crate::value::{atom_to_bare, elements};

pub(super) use super::common::{int_of, s, str_of};

/// How [`find_named`] reports a row it looks for.
pub(super) struct Named {
    /// The table.
    pub(super) table: &'static str,
    /// The singular in "ID: WHAT name not found", e.g. `load balancer`.
    pub(super) what: &'static str,
    /// The plural in "Multiple WHATS named 'ID'.  Use a UUID.", or `None` when the reference
    /// takes the first row of that name.
    pub(super) plural: Option<&'static str>,
}

/// The row of `n.table` whose UUID or `name` is `id` (UUID first), with ovn-nbctl's messages:
/// `ID: WHAT UUID|name not found` when `must_exist`. Reads only the rows it names.
pub(super) async fn find_named(
    ctx: &mut Ctx,
    n: &Named,
    id: &str,
    must_exist: bool,
) -> Result<Option<Uuid>, CtlError> {
    let uuid = is_uuid(id);
    if uuid {
        if let Ok(u) = Uuid::parse_str(id) {
            ctx.db.select_uuid(n.table, u).await?;
            if ctx.db.get(n.table, u).is_some() {
                return Ok(Some(u));
            }
        }
    }
    ctx.db.select_eq(n.table, "name", &s(id)).await?;
    let mut found = ctx.db.by_name(n.table, id);
    found.sort();
    if found.len() > 1 {
        if let Some(plural) = n.plural {
            return Err(CtlError::NotFound(format!(
                "Multiple {plural} named '{id}'.  Use a UUID."
            )));
        }
    }
    match found.first() {
        Some(u) => Ok(Some(*u)),
        None if must_exist => Err(CtlError::NotFound(format!(
            "{id}: {} {} not found",
            n.what,
            if uuid { "UUID" } else { "name" }
        ))),
        None => Ok(None),
    }
}

/// The UUIDs a reference column of a cached row holds.
pub(super) fn refs(ctx: &Ctx, table: &str, u: Uuid, column: &str) -> Vec<Uuid> {
    elements(&ctx.db.value(table, u, column))
        .iter()
        .filter_map(Atom::as_uuid)
        .collect()
}

/// The UUIDs a reference column of a cached row holds as ovn-nbctl's IDL shows it to a later
/// command of the same invocation (set edits by `addvalue` / `delvalue` show after the commit).
pub(super) fn visible_refs(ctx: &Ctx, table: &str, u: Uuid, column: &str) -> Vec<Uuid> {
    if ctx.db.cached_any(table, u).is_none() {
        return refs(ctx, table, u, column);
    }
    // A column the row does not hold (a row inserted without it) is empty.
    match ctx.db.visible_value(table, u, column) {
        Some(d) => elements(&d).iter().filter_map(Atom::as_uuid).collect(),
        None => Vec::new(),
    }
}

/// A column of a cached row as a bare string, also for a row this invocation deleted (whose
/// contents ovn-nbctl's IDL still shows through the references it has not dropped yet).
pub(super) fn any_str(ctx: &Ctx, table: &str, u: Uuid, col: &str) -> String {
    match ctx.db.cached_any(table, u).and_then(|r| r.get(col)) {
        Some(d) => crate::value::datum_to_bare(d),
        None => str_of(ctx, table, u, col),
    }
}

/// An integer column as [`any_str`] reads it (0 when empty).
pub(super) fn any_int(ctx: &Ctx, table: &str, u: Uuid, col: &str) -> i64 {
    match ctx.db.cached_any(table, u).and_then(|r| r.get(col)) {
        Some(d) => d.as_scalar().and_then(Atom::as_integer).unwrap_or(0),
        None => int_of(ctx, table, u, col),
    }
}

/// Reads, in one `transact`, the rows of `table` among `uuids` not cached yet.
pub(super) async fn fetch(ctx: &mut Ctx, table: &str, uuids: &[Uuid]) -> Result<(), CtlError> {
    let reads: Vec<(String, serde_json::Value)> = uuids
        .iter()
        .filter(|u| ctx.db.cached_any(table, **u).is_none())
        .map(|u| {
            (
                table.to_owned(),
                json!([["_uuid", "==", ["uuid", u.to_string()]]]),
            )
        })
        .collect();
    if !reads.is_empty() {
        ctx.db.select_batch(reads).await?;
    }
    Ok(())
}

/// The pairs of a string-to-string map column, in key order.
pub(super) fn pairs(ctx: &Ctx, table: &str, u: Uuid, col: &str) -> Vec<(String, String)> {
    ctx.db
        .value(table, u, col)
        .as_map()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (atom_to_bare(k), atom_to_bare(v)))
                .collect()
        })
        .unwrap_or_default()
}

/// `KEY=VALUE` arguments as a map; arguments without `=` are skipped (ovn-nbctl's `strsep`).
pub(super) fn kv_map<'a>(args: impl IntoIterator<Item = &'a String>) -> Datum {
    let mut m = std::collections::BTreeMap::new();
    for kv in args {
        if let Some((k, v)) = kv.split_once('=') {
            // smap_add keeps the first of duplicate keys in iteration; the IDL writes one.
            m.entry(Atom::string(k)).or_insert_with(|| Atom::string(v));
        }
    }
    Datum::Map(m)
}

/// An unmasked IPv4 or IPv6 address normalized as ovn-nbctl's `normalize_addr_str` does
/// (IPv4 first; IPv6 in its canonical text form).
pub(super) fn normalize_addr(s: &str) -> Option<String> {
    normalize_v4_addr(s).or_else(|| normalize_v6_addr(s))
}

/// A MAC address as OVS `eth_addr_from_string` reads it (`ovs_scan` of six `%hhx` fields
/// separated by `:`, each after optional white space, a sign and `0x`, nothing after).
pub(super) fn ovs_mac(s: &str) -> Option<[u8; 6]> {
    let mut mac = [0u8; 6];
    let mut rest = s;
    for (i, byte) in mac.iter_mut().enumerate() {
        if i > 0 {
            rest = rest.strip_prefix(':')?;
        }
        let t = rest.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
        let (neg, t) = match t.as_bytes().first() {
            Some(b'-') => (true, &t[1..]),
            Some(b'+') => (false, &t[1..]),
            _ => (false, t),
        };
        let t = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")).unwrap_or(t);
        let end = t.bytes().take_while(u8::is_ascii_hexdigit).count();
        if end == 0 {
            return None;
        }
        let v = t[..end].bytes().fold(0u64, |v, d| {
            v.wrapping_mul(16)
                .wrapping_add(u64::from((d as char).to_digit(16).unwrap_or(0)))
        });
        *byte = if neg { v.wrapping_neg() as u8 } else { v as u8 };
        rest = &t[end..];
    }
    rest.is_empty().then_some(mac)
}

/// One `sscanf` unsigned conversion at the start of `s` (`%hhu` with `bits` 8, `%d` with
/// `bits` 32): leading white space, a sign, decimal digits; the value wrapped to `bits` as
/// glibc stores it. Returns the value and the rest of `s`.
fn scan_unsigned(s: &str, bits: u32) -> Option<(i64, &str)> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, rest) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let end = rest.bytes().take_while(u8::is_ascii_digit).count();
    if end == 0 {
        return None;
    }
    let v = rest[..end]
        .bytes()
        .fold(0u64, |v, d| v.wrapping_mul(10).wrapping_add(u64::from(d - b'0')));
    let v = if neg { v.wrapping_neg() } else { v };
    let v = if bits == 8 {
        i64::from(v as u8)
    } else {
        i64::from(v as i32)
    };
    Some((v, &rest[end..]))
}

/// An IPv4 address as OVS `IP_SCAN_FMT` (`%hhu.%hhu.%hhu.%hhu`) reads it, and the rest.
fn scan_ipv4(s: &str) -> Option<(std::net::Ipv4Addr, &str)> {
    let mut b = [0u8; 4];
    let mut rest = s;
    for (i, byte) in b.iter_mut().enumerate() {
        if i > 0 {
            rest = rest.strip_prefix('.')?;
        }
        let (v, r) = scan_unsigned(rest, 8)?;
        *byte = v as u8;
        rest = r;
    }
    Some((std::net::Ipv4Addr::from(b), rest))
}

/// An IPv4 network as OVS `ip_parse_cidr` reads it (`IP`, `IP/LEN` or `IP/MASK` with a CIDR
/// mask, nothing after): the address and prefix length.
pub(super) fn ovs_ipv4_cidr(s: &str) -> Option<(std::net::Ipv4Addr, u32)> {
    let (ip, rest) = scan_ipv4(s)?;
    if rest.is_empty() {
        return Some((ip, 32));
    }
    let r = rest.strip_prefix('/')?;
    if let Some((mask, "")) = scan_ipv4(r) {
        let m = u32::from(mask);
        return (m.leading_ones() + m.trailing_zeros() == 32).then(|| (ip, m.leading_ones()));
    }
    match scan_unsigned(r, 32)? {
        (len, "") if (0..=32).contains(&len) => Some((ip, len as u32)),
        _ => None,
    }
}

/// An IPv6 address as glibc `inet_ntop` writes it (RFC 5952, with an IPv4-compatible
/// `::a.b.c.d` in dotted form).
pub(super) fn ipv6_text(a: &std::net::Ipv6Addr) -> String {
    let s = a.segments();
    if s[..6].iter().all(|w| *w == 0) && s[6] != 0 {
        let o = a.octets();
        return format!("::{}.{}.{}.{}", o[12], o[13], o[14], o[15]);
    }
    a.to_string()
}

/// An IPv6 network as OVS `ipv6_parse_cidr` reads it (`IP`, `IP/LEN`, `IP/MASK` with a CIDR
/// mask): the address and prefix length.
pub(super) fn ovs_ipv6_cidr(s: &str) -> Option<(std::net::Ipv6Addr, u32)> {
    let (ip, rest) = match s.split_once('/') {
        Some((ip, r)) => (ip, Some(r)),
        None => (s, None),
    };
    let ip: std::net::Ipv6Addr = ip.parse().ok()?;
    match rest {
        None => Some((ip, 128)),
        Some(r) => {
            if let Ok(m) = r.parse::<std::net::Ipv6Addr>() {
                let m = u128::from(m);
                return (m.leading_ones() + m.trailing_zeros() == 128).then(|| (ip, m.leading_ones()));
            }
            match scan_unsigned(r, 32)? {
                (len, "") if (0..=128).contains(&len) => Some((ip, len as u32)),
                _ => None,
            }
        }
    }
}

/// ovn-nbctl's `normalize_ipv4_prefix_str`: the network (host bits cleared) as `IP` for a /32,
/// else `IP/LEN`.
pub(super) fn normalize_v4_prefix(s: &str) -> Option<(String, u32)> {
    let (ip, len) = ovs_ipv4_cidr(s)?;
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    let net = std::net::Ipv4Addr::from(u32::from(ip) & mask);
    Some((
        if len == 32 {
            net.to_string()
        } else {
            format!("{net}/{len}")
        },
        len,
    ))
}

/// ovn-nbctl's `normalize_ipv6_prefix_str`: the network (host bits cleared) as `IP` for a
/// /128, else `IP/LEN`.
pub(super) fn normalize_v6_prefix(s: &str) -> Option<(String, u32)> {
    let (ip, len) = ovs_ipv6_cidr(s)?;
    let mask = if len == 0 { 0 } else { u128::MAX << (128 - len) };
    let net = std::net::Ipv6Addr::from(u128::from(ip) & mask);
    let text = ipv6_text(&net);
    Some((if len == 128 { text } else { format!("{text}/{len}") }, len))
}

/// ovn-nbctl's `normalize_ipv4_addr_str` (an unmasked IPv4 address, `inet_pton` strict).
pub(super) fn normalize_v4_addr(s: &str) -> Option<String> {
    s.parse::<std::net::Ipv4Addr>().ok().map(|a| a.to_string())
}

/// ovn-nbctl's `normalize_ipv6_addr_str` (an unmasked IPv6 address).
pub(super) fn normalize_v6_addr(s: &str) -> Option<String> {
    s.parse::<std::net::Ipv6Addr>().ok().map(|a| ipv6_text(&a))
}

/// The pairs of a string map in the order ovn-nbctl walks it (`SMAP_FOR_EACH`; see
/// [`super::common::smap_order`]).
pub(super) fn smap_order<T>(mut pairs: Vec<(String, T)>) -> Vec<(String, T)> {
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    let keys: Vec<String> = pairs.iter().map(|(k, _)| k.clone()).collect();
    let mut slots: Vec<Option<(String, T)>> = pairs.into_iter().map(Some).collect();
    super::common::smap_order(&keys)
        .into_iter()
        .filter_map(|i| slots[i].take())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::smap_order;

    #[test]
    fn smap_order_follows_the_ovs_hmap() {
        // As ovn-nbctl 23.03 printed `copp-list` of these five keys.
        let keys = ["arp", "bfd", "dns", "igmp", "reject"];
        let got: Vec<String> = smap_order(keys.iter().map(|k| (k.to_string(), ())).collect())
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(got, ["arp", "reject", "dns", "igmp", "bfd"]);
    }
}
