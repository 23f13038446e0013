//! Helpers shared by ovn-nbctl's command families: row lookups by name or UUID with
//! ovn-nbctl's messages, column readers, and the per-switch address index of the
//! duplicate-address check.

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;

use ovsdb_proto::{Atom, Datum, Row, Uuid};
use serde_json::json;

use crate::cmd::{Mode, RunFn, Syntax};
use crate::error::CtlError;
use crate::value::elements;
use crate::{CmdOut, Command, Ctx};

pub(super) fn s(v: &str) -> Datum {
    Datum::scalar(Atom::string(v))
}

/// The IP addresses of one switch's ports (ovn-nbctl's duplicate-address check).
#[derive(Debug, Default)]
pub(crate) struct SwitchIps {
    pub(super) by_ip: HashMap<IpAddr, Holders>,
    /// Each indexed port's name (when already known: read only for the error message) and
    /// addresses.
    pub(super) ports: HashMap<Uuid, (Option<String>, Vec<IpAddr>)>,
}

/// The ports that hold one address: nearly always one, kept without an allocation.
#[derive(Debug)]
pub(crate) enum Holders {
    One(Uuid),
    Many(BTreeSet<Uuid>),
}

impl Holders {
    fn insert(&mut self, port: Uuid) {
        match self {
            Holders::One(u) if *u == port => {}
            Holders::One(u) => *self = Holders::Many(BTreeSet::from([*u, port])),
            Holders::Many(set) => {
                set.insert(port);
            }
        }
    }

    /// Removes `port`; true when no port holds the address any more.
    fn remove(&mut self, port: Uuid) -> bool {
        match self {
            Holders::One(u) => *u == port,
            Holders::Many(set) => {
                set.remove(&port);
                set.is_empty()
            }
        }
    }

    /// The smallest holder other than `port`.
    pub(super) fn min_other(&self, port: Uuid) -> Option<Uuid> {
        match self {
            Holders::One(u) => (*u != port).then_some(*u),
            Holders::Many(set) => set.iter().copied().find(|u| *u != port),
        }
    }
}

impl SwitchIps {
    pub(super) fn remove(&mut self, port: Uuid) {
        if let Some((_, ips)) = self.ports.remove(&port) {
            for ip in ips {
                if let Some(holders) = self.by_ip.get_mut(&ip)
                    && holders.remove(port)
                {
                    self.by_ip.remove(&ip);
                }
            }
        }
    }

    pub(super) fn add(&mut self, port: Uuid, name: Option<String>, ips: Vec<IpAddr>) {
        self.remove(port);
        for ip in &ips {
            self.by_ip
                .entry(*ip)
                .and_modify(|h| h.insert(port))
                .or_insert(Holders::One(port));
        }
        self.ports.insert(port, (name, ips));
    }
}

/// Per logical switch, the IP addresses of its ports.
pub(crate) type IpIndex = HashMap<Uuid, SwitchIps>;

/// The IP addresses a port holds: those of its `addresses` entries, with `dynamic_addresses`
/// standing for an entry that asks for dynamic addressing.
pub(super) fn port_ips(row: &Row) -> Vec<IpAddr> {
    let dynamic = row
        .get("dynamic_addresses")
        .and_then(Datum::as_scalar)
        .and_then(Atom::as_str);
    let addrs: Vec<&str> = match row.get("addresses") {
        Some(Datum::Set(addrs)) => addrs.iter().filter_map(Atom::as_str).collect(),
        _ => Vec::new(),
    };
    ips_of(addrs, dynamic)
}

pub(super) fn ips_of(addresses: Vec<&str>, dynamic: Option<&str>) -> Vec<IpAddr> {
    let mut out = Vec::new();
    for a in addresses {
        let a = match dynamic {
            Some(d) if crate::lsp_addr::wants_dynamic(a) => d,
            _ => a,
        };
        out.extend(crate::lsp_addr::ips(a).unwrap_or_default());
    }
    out
}

/// Builds the address index of switch `ls` if this invocation has none yet. As in ovn-nbctl,
/// whose IDL shows set edits only after the commit, the ports checked are the switch's ports
/// as committed (ports added by this invocation are not, ports it deleted still are), each
/// with its current addresses; those not read yet come in one request of their `addresses`
/// only (a port's name is read when it is reported; `dynamic_addresses` only for the ports
/// whose addresses ask for dynamic addressing), so the read stays small.
pub(super) async fn ensure_ip_index(ctx: &mut Ctx, ls: Uuid) -> Result<(), CtlError> {
    if ctx.ip_index.contains_key(&ls) {
        return Ok(());
    }
    let ports: Vec<Uuid> = ctx
        .db
        .visible_value("Logical_Switch", ls, "ports")
        .map(|d| elements(&d).iter().filter_map(Atom::as_uuid).collect())
        .unwrap_or_default();
    let mut idx = SwitchIps::default();
    let name = |row: &Row| crate::value::datum_to_bare(row.get("name").unwrap_or(&Datum::empty_set()));
    let mut fetch = Vec::new();
    for u in ports {
        match ctx.db.cached_any("Logical_Switch_Port", u) {
            Some(row) => idx.add(u, Some(name(row)), port_ips(row)),
            None => fetch.push(u),
        }
    }
    // The daemon's replica holds every column: no request, and nothing converted.
    if ctx.db.local_rows("Logical_Switch_Port", &fetch, &mut |u, row| {
        idx.add(u, None, port_ips(row))
    }) {
        fetch.clear();
    }
    let mut dynamic = Vec::new();
    ctx.db
        .fetch_strings("Logical_Switch_Port", &fetch, &["addresses"], |u, row| {
            let addrs = crate::wire::strings(row, "addresses");
            if addrs.iter().any(|a| crate::lsp_addr::wants_dynamic(a)) {
                dynamic.push(u);
            } else {
                idx.add(u, None, ips_of(addrs, None));
            }
        })
        .await?;
    ctx.db
        .fetch_strings(
            "Logical_Switch_Port",
            &dynamic,
            &["name", "addresses", "dynamic_addresses"],
            |u, row| {
                let strings = |c: &str| crate::wire::strings(row, c);
                let name = strings("name").first().copied().unwrap_or_default().to_owned();
                let dynamic = strings("dynamic_addresses").first().copied();
                idx.add(u, Some(name), ips_of(strings("addresses"), dynamic));
            },
        )
        .await?;
    ctx.ip_index.insert(ls, idx);
    Ok(())
}

/// When one of `new_ips` is held by another port of switch `ls` (the first such port in the
/// switch's order, IPv4 addresses before IPv6): that port, its name if known, and the start of
/// ovn-nbctl's duplicate-address message (`duplicate IPv4 address '10.0.0.1'`).
pub(super) fn duplicate(
    ctx: &Ctx,
    ls: Uuid,
    port: Uuid,
    new_ips: &[IpAddr],
) -> Option<(Uuid, Option<String>, String)> {
    let idx = ctx.ip_index.get(&ls)?;
    let other = new_ips
        .iter()
        .filter_map(|ip| idx.by_ip.get(ip)?.min_other(port))
        .min()?;
    let (name, theirs) = idx.ports.get(&other)?;
    let hit = |v4: bool| {
        new_ips
            .iter()
            .find(|ip| ip.is_ipv4() == v4 && theirs.contains(ip))
    };
    let (family, ip) = match hit(true) {
        Some(ip) => ("IPv4", ip),
        None => ("IPv6", hit(false)?),
    };
    Some((other, name.clone(), format!("duplicate {family} address '{ip}'")))
}

pub(super) fn name_of(ctx: &Ctx, table: &str, u: Uuid) -> String {
    ctx.db
        .value(table, u, "name")
        .as_scalar()
        .and_then(Atom::as_str)
        .unwrap_or_default()
        .to_owned()
}

pub(super) async fn by_name(ctx: &mut Ctx, table: &str, name: &str) -> Result<Vec<Uuid>, CtlError> {
    let local = ctx.db.by_name(table, name);
    // Optimistic: a row this invocation created under a name the schema keeps unique is the
    // only one (were there another on the server, the commit fails and the invocation runs
    // again carefully).
    if !ctx.careful && unique_name(ctx, table) && local.iter().any(|u| ctx.db.is_new(table, *u)) {
        return Ok(local);
    }
    ctx.db.select_eq(table, "name", &s(name)).await?;
    Ok(ctx.db.by_name(table, name))
}

/// Whether a command of a one-command invocation may write the row of `table` named `id`
/// without reading it whole first ([`crate::db::Db::update_by_unique_name`],
/// [`crate::db::Db::assume_only_named`]): `id` is not a UUID (which would be looked up as one
/// first) and, with `unique`, the schema keeps `name` unique. A failed precondition reruns the
/// invocation with the usual lookup, which reports what is wrong.
pub(super) fn blind_by_name(ctx: &Ctx, table: &str, id: &str, unique: bool) -> bool {
    ctx.single
        && !ctx.careful
        && !(id.len() == 36 && Uuid::parse_str(id).is_ok())
        && (!unique || unique_name(ctx, table))
}

/// Whether the schema gives `table` a unique index on `name` alone.
pub(super) fn unique_name(ctx: &Ctx, table: &str) -> bool {
    ctx.db
        .schema
        .table(table)
        .is_some_and(|t| t.indexes.iter().any(|i| i.len() == 1 && i[0] == "name"))
}

/// Rows of `table` named `name` for a command about to create one: optimistically only those
/// of the local view for a table with a unique index on `name` (the server refuses a second
/// row; the invocation then runs again carefully and reports the existing one).
pub(super) async fn existing_for_create(
    ctx: &mut Ctx,
    table: &str,
    name: &str,
) -> Result<Vec<Uuid>, CtlError> {
    if !ctx.careful && unique_name(ctx, table) {
        return Ok(ctx.db.by_name(table, name));
    }
    by_name(ctx, table, name).await
}

/// Finds a switch, router, or port by uuid or name, with ovn-nbctl's messages.
pub(super) async fn find(
    ctx: &mut Ctx,
    table: &str,
    what: &str,
    id: &str,
    must_exist: bool,
) -> Result<Option<Uuid>, CtlError> {
    if let Ok(u) = Uuid::parse_str(id) {
        if id.len() == 36 {
            ctx.db.select_uuid(table, u).await?;
            if ctx.db.get(table, u).is_some() {
                return Ok(Some(u));
            }
        }
    }
    let found = by_name(ctx, table, id).await?;
    if found.len() > 1 {
        let plural = match what {
            "switch" => "logical switches",
            "router" => "logical routers",
            _ => "logical ports",
        };
        return Err(CtlError::NotFound(format!(
            "Multiple {plural} named '{id}'.  Use a UUID."
        )));
    }
    match found.first() {
        Some(u) => Ok(Some(*u)),
        None if must_exist => Err(CtlError::NotFound(format!(
            "{id}: {what} {} not found",
            if Uuid::parse_str(id).is_ok() && id.len() == 36 {
                "UUID"
            } else {
                "name"
            }
        ))),
        None => Ok(None),
    }
}

/// The row of `table` whose set `column` holds `member` (a row of `member_table`).
pub(super) async fn containing(
    ctx: &mut Ctx,
    table: &str,
    column: &str,
    member_table: &str,
    member: Uuid,
) -> Result<Option<Uuid>, CtlError> {
    // A row created by this invocation can only be referenced from the local view.
    if !ctx.db.is_new(member_table, member) {
        ctx.db
            .select(table, json!([[column, "includes", ["uuid", member.to_string()]]]))
            .await?;
    }
    let atom = Atom::Uuid(member);
    Ok(ctx.db.uuids(table).into_iter().find(|u| {
        ctx.db
            .get(table, *u)
            .and_then(|r| r.get(column))
            .is_some_and(|d| match d {
                Datum::Set(s) => s.contains(&atom),
                Datum::Map(_) => false,
            })
    }))
}

pub(super) fn list_by_name(ctx: &Ctx, table: &str, uuids: Vec<Uuid>) -> String {
    let mut v: Vec<(String, Uuid)> = uuids.into_iter().map(|u| (name_of(ctx, table, u), u)).collect();
    v.sort();
    v.into_iter().map(|(n, u)| format!("{u} ({n})\n")).collect()
}

pub(super) fn is_mac(s: &str) -> bool {
    let parts: Vec<&str> = s.split(':').collect();
    parts.len() == 6
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 2 && p.bytes().all(|c| c.is_ascii_hexdigit()))
}

pub(super) fn lines_sorted(d: &Datum) -> String {
    let mut v: Vec<String> = elements(d).iter().map(crate::value::atom_to_bare).collect();
    v.sort();
    v.into_iter().map(|x| x + "\n").collect()
}

pub(super) fn str_of(ctx: &Ctx, table: &str, u: Uuid, col: &str) -> String {
    crate::value::datum_to_bare(&ctx.db.value(table, u, col))
}

pub(super) fn int_of(ctx: &Ctx, table: &str, u: Uuid, col: &str) -> i64 {
    ctx.db
        .value(table, u, col)
        .as_scalar()
        .and_then(Atom::as_integer)
        .unwrap_or(0)
}

/// As [`members`], but the set as ovn-nbctl's IDL shows it during the invocation: without the
/// elements this invocation inserted or deleted (those show only after the commit).
pub(super) async fn visible_members(
    ctx: &mut Ctx,
    owner_t: &str,
    owner: Uuid,
    col: &str,
    table: &str,
) -> Result<Vec<Uuid>, CtlError> {
    let v = super::rows::visible_refs(ctx, owner_t, owner, col);
    ctx.db.select_members(owner_t, owner, col, table, &v).await?;
    Ok(v)
}

/// The rows of `table` that `owner`'s set column `col` holds (read in one request).
pub(super) async fn members(
    ctx: &mut Ctx,
    owner_t: &str,
    owner: Uuid,
    col: &str,
    table: &str,
) -> Result<Vec<Uuid>, CtlError> {
    let v: Vec<Uuid> = elements(&ctx.db.value(owner_t, owner, col))
        .iter()
        .filter_map(Atom::as_uuid)
        .collect();
    // The rows not read yet, in one request.
    ctx.db.select_members(owner_t, owner, col, table, &v).await?;
    Ok(v)
}

/// `ls-add` / `lr-add`: creates a switch or router, optionally named.
pub(super) async fn add_named(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let out = CmdOut::default();
    let (table, what) = if cmd.name == "ls-add" {
        ("Logical_Switch", "switch")
    } else {
        ("Logical_Router", "router")
    };
    if cmd.has("may-exist") && cmd.has("add-duplicate") {
        return Err(CtlError::Usage(
            "--may-exist and --add-duplicate may not be used together".into(),
        ));
    }
    let mut row = Row::new();
    if let Some(name) = a.first() {
        if !cmd.has("add-duplicate") && !by_name(ctx, table, name).await?.is_empty() {
            if cmd.has("may-exist") {
                return Ok(out);
            }
            return Err(CtlError::Conflict(format!(
                "{name}: a {what} with this name already exists"
            )));
        }
        row.insert("name", s(name));
    } else if cmd.has("may-exist") {
        return Err(CtlError::Usage(
            "--may-exist requires specifying a name".to_owned(),
        ));
    } else if cmd.has("add-duplicate") {
        return Err(CtlError::Usage(
            "--add-duplicate requires specifying a name".to_owned(),
        ));
    }
    ctx.db.insert(table, row, None);
    Ok(out)
}

/// `ls-del` / `lr-del`: deletes a switch or router.
pub(super) async fn del_named(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let out = CmdOut::default();
    let (table, what) = if cmd.name == "ls-del" {
        ("Logical_Switch", "switch")
    } else {
        ("Logical_Router", "router")
    };
    if let Some(u) = find(ctx, table, what, &a[0], !cmd.has("if-exists")).await? {
        ctx.db.delete(table, u);
    }
    Ok(out)
}

/// `ls-list` / `lr-list`: every switch or router, by name.
pub(super) async fn list_named(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let mut out = CmdOut::default();
    let table = if cmd.name == "ls-list" {
        "Logical_Switch"
    } else {
        "Logical_Router"
    };
    // Only the names are read (the port sets of a big database are not).
    let mut v: Vec<(String, Uuid)> = ctx
        .db
        .scan(table, &["name"])
        .await?
        .into_iter()
        .map(|(u, row)| {
            (
                crate::value::datum_to_bare(row.get("name").unwrap_or(&Datum::empty_set())),
                u,
            )
        })
        .collect();
    v.sort();
    out.text = v.into_iter().map(|(n, u)| format!("{u} ({n})\n")).collect();
    Ok(out)
}

/// `lsp-del` / `lrp-del`: deletes a port and removes it from its switch or router.
pub(super) async fn del_port(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let out = CmdOut::default();
    let (table, owner_t, what) = if cmd.name == "lsp-del" {
        ("Logical_Switch_Port", "Logical_Switch", "port")
    } else {
        ("Logical_Router_Port", "Logical_Router", "port")
    };
    if let Some(p) = find(ctx, table, what, &a[0], !cmd.has("if-exists")).await? {
        if let Some(o) = containing(ctx, owner_t, "ports", table, p).await? {
            ctx.db.mutate_delete(owner_t, o, "ports", Datum::scalar(p));
        }
        ctx.db.delete(table, p);
    }
    Ok(out)
}

/// `lsp-list` / `lrp-list`: the ports of a switch or router, by name.
pub(super) async fn list_ports(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let mut out = CmdOut::default();
    let (owner_t, what, table) = if cmd.name == "lsp-list" {
        ("Logical_Switch", "switch", "Logical_Switch_Port")
    } else {
        ("Logical_Router", "router", "Logical_Router_Port")
    };
    let o = find(ctx, owner_t, what, &a[0], true)
        .await?
        .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
    let ports = members(ctx, owner_t, o, "ports", table).await?;
    out.text = list_by_name(ctx, table, ports);
    Ok(out)
}

/// A command table entry (see [`Syntax`]): name, fewest and most arguments, the argument
/// syntax `--help` shows, accepted options, mode, one line of help, run function.
#[allow(clippy::too_many_arguments, reason = "one table row, field by field")]
pub(super) const fn syntax(
    name: &'static str,
    min_args: usize,
    max_args: usize,
    arguments: &'static str,
    options: &'static [&'static str],
    mode: Mode,
    help: &'static str,
    run: RunFn,
) -> Syntax {
    Syntax {
        name,
        min_args,
        max_args,
        arguments,
        options,
        mode,
        help,
        run,
    }
}

/// An integer read the way `ovs_scan(s, "%" SCNd64)` reads one: leading white space, an
/// optional sign, then decimal digits; whatever follows them is ignored. `None` without digits.
pub(super) fn scan_int(s: &str) -> Option<i64> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let n = digits.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 {
        return None;
    }
    let v: i128 = digits[..n].parse().ok()?;
    let v = if neg { -v } else { v };
    Some(v.clamp(i64::MIN as i128, i64::MAX as i128) as i64)
}

/// Whether `id` is written as a UUID (ovn-nbctl then looks it up as one first).
pub(super) fn is_uuid(id: &str) -> bool {
    id.len() == 36 && Uuid::parse_str(id).is_ok()
}

/// A row of `table` by UUID or else by `name` (the first one found), as ovn-nbctl's
/// `*_by_name_or_uuid` look up port groups, mirrors and the like; when missing and
/// `must_exist`, ovn-nbctl's `ID: WHAT UUID|name not found`.
pub(super) async fn lookup(
    ctx: &mut Ctx,
    table: &str,
    what: &str,
    id: &str,
    must_exist: bool,
) -> Result<Option<Uuid>, CtlError> {
    if is_uuid(id) {
        let u = Uuid::parse_str(id).map_err(|e| CtlError::Value(e.to_string()))?;
        ctx.db.select_uuid(table, u).await?;
        if ctx.db.get(table, u).is_some() {
            return Ok(Some(u));
        }
    }
    let found = by_name(ctx, table, id).await?;
    match found.first() {
        Some(u) => Ok(Some(*u)),
        None if must_exist => Err(CtlError::NotFound(format!(
            "{id}: {what} {} not found",
            if is_uuid(id) { "UUID" } else { "name" }
        ))),
        None => Ok(None),
    }
}

/// The NB_Global row (ovn-nbctl's `nbrec_nb_global_first`), inserted when the database has
/// none (as every invocation does, [`super::ensure_nb_global`]).
pub(crate) async fn nb_global(ctx: &mut Ctx) -> Result<Uuid, CtlError> {
    ctx.db.load_all("NB_Global").await?;
    if let Some(u) = ctx.db.uuids("NB_Global").first() {
        return Ok(*u);
    }
    Ok(ctx.db.insert("NB_Global", Row::new(), None))
}

/// `to-lport` or `from-lport` from an argument of which, as in ovn-nbctl, only the first
/// letter counts.
pub(super) fn parse_direction(arg: &str) -> Result<&'static str, CtlError> {
    match arg.as_bytes().first() {
        Some(b't') => Ok("to-lport"),
        Some(b'f') => Ok("from-lport"),
        _ => Err(CtlError::Value(format!(
            "{arg}: direction must be \"to-lport\" or \"from-lport\""
        ))),
    }
}

/// An ACL or QoS priority (0 to 32767).
pub(super) fn parse_priority(arg: &str) -> Result<i64, CtlError> {
    scan_int(arg)
        .filter(|p| (0..=32767).contains(p))
        .ok_or_else(|| CtlError::Value(format!("{arg}: priority must in range 0...32767")))
}

/// The logical switch port `id` (must exist), with ovn-nbctl's message.
pub(super) async fn lsp(ctx: &mut Ctx, id: &str) -> Result<Uuid, CtlError> {
    find(ctx, "Logical_Switch_Port", "port", id, true)
        .await?
        .ok_or_else(|| CtlError::NotFound(id.to_owned()))
}

/// The logical switch `id` (must exist), with ovn-nbctl's messages.
pub(super) async fn ls(ctx: &mut Ctx, id: &str) -> Result<Uuid, CtlError> {
    find(ctx, "Logical_Switch", "switch", id, true)
        .await?
        .ok_or_else(|| CtlError::NotFound(id.to_owned()))
}

/// Open vSwitch's `hash_string(s, 0)` (lib/hash.c `hash_bytes`, the murmur-based variant of
/// generic x86-64 builds): the hash an `smap` files a key under.
fn ovs_hash_string(s: &str) -> u32 {
    fn add(hash: u32, data: u32) -> u32 {
        let mut h = hash;
        if data != 0 {
            let d = data
                .wrapping_mul(0xcc9e_2d51)
                .rotate_left(15)
                .wrapping_mul(0x1b87_3593);
            h ^= d;
        }
        h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64)
    }
    let bytes = s.as_bytes();
    let mut hash = 0u32;
    let mut chunks = bytes.chunks_exact(4);
    for c in &mut chunks {
        hash = add(hash, u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut tmp = [0u8; 4];
        tmp[..rest.len()].copy_from_slice(rest);
        hash = add(hash, u32::from_le_bytes(tmp));
    }
    let mut h = hash ^ (bytes.len() as u32);
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    h
}

/// The order in which ovn-nbctl walks a string map column (`SMAP_FOR_EACH` over the `smap` its
/// IDL builds by adding the keys in sorted order): Open vSwitch's `hmap` bucket order, each
/// bucket newest first, the table growing as `hmap_insert` grows it. `keys` sorted; returns
/// their indexes in walk order.
pub(crate) fn smap_order(keys: &[String]) -> Vec<usize> {
    fn calc_mask(capacity: usize) -> usize {
        let mut mask = capacity / 2;
        for shift in [1, 2, 4, 8, 16, 32] {
            mask |= mask >> shift;
        }
        mask | ((mask & 1) << 1)
    }
    let hashes: Vec<u32> = keys.iter().map(|k| ovs_hash_string(k)).collect();
    let mut mask = 0usize;
    let mut buckets: Vec<Vec<usize>> = vec![Vec::new()];
    let mut n = 0usize;
    for (i, h) in hashes.iter().enumerate() {
        // Head insertion: a bucket lists its newest node first.
        buckets[*h as usize & mask].insert(0, i);
        n += 1;
        if n / 2 > mask {
            let new_mask = calc_mask(n);
            if new_mask > mask {
                let mut fresh: Vec<Vec<usize>> = vec![Vec::new(); new_mask + 1];
                for b in &buckets {
                    for &node in b {
                        fresh[hashes[node] as usize & new_mask].insert(0, node);
                    }
                }
                buckets = fresh;
                mask = new_mask;
            }
        }
    }
    buckets.into_iter().flatten().collect()
}
