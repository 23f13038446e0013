//! ovn-nbctl's own commands (ovn-nbctl(8)) and `--wait`.

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;

use ovsdb_client::CfgWait;
use ovsdb_proto::{Atom, Datum, Row, Uuid};
use serde_json::{Value, json};

use crate::cmd::{self, Section, run_fn};
use crate::error::CtlError;
use crate::value::{atom_to_string, elements};
use crate::{CmdOut, Command, Ctx, Wait, check_arity};

/// Names of ovn-nbctl's own commands.
/// Commands: the commands still registered unchecked (their run function checks arity
/// and options).
/// The tool's command table, in `--help` order (see [`crate::cmd`]).
pub(crate) const SECTIONS: &[&Section] = &[&LEGACY, &crate::generic::LEGACY];

pub(crate) const LEGACY: Section = Section {
    title: "Commands",
    commands: &[
        cmd::unchecked("init", run_fn!(run)),
        cmd::unchecked("sync", run_fn!(run)),
        cmd::unchecked("show", run_fn!(run)),
        cmd::unchecked("ls-add", run_fn!(run)),
        cmd::unchecked("ls-del", run_fn!(run)),
        cmd::unchecked("ls-list", run_fn!(run)),
        cmd::unchecked("lsp-add", run_fn!(run)),
        cmd::unchecked("lsp-del", run_fn!(run)),
        cmd::unchecked("lsp-list", run_fn!(run)),
        cmd::unchecked("lsp-set-addresses", run_fn!(run)),
        cmd::unchecked("lsp-get-addresses", run_fn!(run)),
        cmd::unchecked("lsp-set-port-security", run_fn!(run)),
        cmd::unchecked("lsp-get-port-security", run_fn!(run)),
        cmd::unchecked("lsp-set-type", run_fn!(run)),
        cmd::unchecked("lsp-get-type", run_fn!(run)),
        cmd::unchecked("lsp-set-options", run_fn!(run)),
        cmd::unchecked("lsp-get-options", run_fn!(run)),
        cmd::unchecked("lsp-set-enabled", run_fn!(run)),
        cmd::unchecked("lsp-get-enabled", run_fn!(run)),
        cmd::unchecked("lsp-get-up", run_fn!(run)),
        cmd::unchecked("lr-add", run_fn!(run)),
        cmd::unchecked("lr-del", run_fn!(run)),
        cmd::unchecked("lr-list", run_fn!(run)),
        cmd::unchecked("lrp-add", run_fn!(run)),
        cmd::unchecked("lrp-del", run_fn!(run)),
        cmd::unchecked("lrp-list", run_fn!(run)),
        cmd::unchecked("acl-add", run_fn!(run)),
        cmd::unchecked("acl-del", run_fn!(run)),
        cmd::unchecked("acl-list", run_fn!(run)),
        cmd::unchecked("lr-nat-add", run_fn!(run)),
        cmd::unchecked("lr-nat-del", run_fn!(run)),
        cmd::unchecked("lr-nat-list", run_fn!(run)),
        cmd::unchecked("lr-route-add", run_fn!(run)),
        cmd::unchecked("lr-route-del", run_fn!(run)),
        cmd::unchecked("lr-route-list", run_fn!(run)),
    ],
};

fn s(v: &str) -> Datum {
    Datum::scalar(Atom::string(v))
}

/// The IP addresses of one switch's ports (ovn-nbctl's duplicate-address check).
#[derive(Debug, Default)]
pub(crate) struct SwitchIps {
    by_ip: HashMap<IpAddr, BTreeSet<Uuid>>,
    /// Each indexed port's name (when already known: read only for the error message) and
    /// addresses.
    ports: HashMap<Uuid, (Option<String>, Vec<IpAddr>)>,
}

impl SwitchIps {
    fn remove(&mut self, port: Uuid) {
        if let Some((_, ips)) = self.ports.remove(&port) {
            for ip in ips {
                if let Some(set) = self.by_ip.get_mut(&ip) {
                    set.remove(&port);
                    if set.is_empty() {
                        self.by_ip.remove(&ip);
                    }
                }
            }
        }
    }

    fn add(&mut self, port: Uuid, name: Option<String>, ips: Vec<IpAddr>) {
        self.remove(port);
        for ip in &ips {
            self.by_ip.entry(*ip).or_default().insert(port);
        }
        self.ports.insert(port, (name, ips));
    }
}

/// Per logical switch, the IP addresses of its ports.
pub(crate) type IpIndex = HashMap<Uuid, SwitchIps>;

/// The IP addresses a port holds: those of its `addresses` entries, with `dynamic_addresses`
/// standing for an entry that asks for dynamic addressing.
fn port_ips(row: &Row) -> Vec<IpAddr> {
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

fn ips_of(addresses: Vec<&str>, dynamic: Option<&str>) -> Vec<IpAddr> {
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
async fn ensure_ip_index(ctx: &mut Ctx, ls: Uuid) -> Result<(), CtlError> {
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

/// Sends, in ONE `transact`, the name lookups the commands of the chain will make, so a chain
/// (or one `lsp-add`, which looks up a switch and a port) costs one round trip for its reads.
pub(crate) async fn prefetch(ctx: &mut Ctx, cmds: &[Command]) -> Result<(), CtlError> {
    const LS: &str = "Logical_Switch";
    const LSP: &str = "Logical_Switch_Port";
    const LR: &str = "Logical_Router";
    const LRP: &str = "Logical_Router_Port";
    let mut reads = Vec::new();
    // Names the chain creates in tables where the schema keeps names unique: not looked up
    // (see `existing_for_create`) unless the invocation runs carefully.
    let mut created: BTreeSet<(&str, &str)> = BTreeSet::new();
    for c in cmds {
        let a = &c.args;
        let creates = match c.name.as_str() {
            "lsp-add" => Some(LSP),
            "lrp-add" => Some(LRP),
            _ => None,
        };
        if let (Some(t), Some(n), false) = (creates, a.get(1), ctx.careful) {
            created.insert((t, n.as_str()));
        }
        let lookups: &[(usize, &str)] = match c.name.as_str() {
            "ls-add" | "ls-del" | "lsp-list" => &[(0, LS)],
            "lr-add" | "lr-del" | "lrp-list" => &[(0, LR)],
            "lsp-add" => &[(0, LS), (1, LSP)],
            "lrp-add" => &[(0, LR), (1, LRP)],
            "lrp-del" => &[(0, LRP)],
            n if n.starts_with("lsp-") => &[(0, LSP)],
            _ => &[],
        };
        for (i, table) in lookups {
            let Some(name) = a.get(*i) else { continue };
            if (name.len() == 36 && Uuid::parse_str(name).is_ok())
                || created.contains(&(*table, name.as_str()))
            {
                continue;
            }
            reads.push(((*table).to_owned(), crate::db::eq_where("name", &s(name))));
        }
    }
    if reads.len() > 1 {
        ctx.db.select_batch(reads).await?;
    }
    Ok(())
}

fn name_of(ctx: &Ctx, table: &str, u: Uuid) -> String {
    ctx.db
        .value(table, u, "name")
        .as_scalar()
        .and_then(Atom::as_str)
        .unwrap_or_default()
        .to_owned()
}

async fn by_name(ctx: &mut Ctx, table: &str, name: &str) -> Result<Vec<Uuid>, CtlError> {
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
fn blind_by_name(ctx: &Ctx, table: &str, id: &str, unique: bool) -> bool {
    ctx.single
        && !ctx.careful
        && !(id.len() == 36 && Uuid::parse_str(id).is_ok())
        && (!unique || unique_name(ctx, table))
}

/// Whether the schema gives `table` a unique index on `name` alone.
fn unique_name(ctx: &Ctx, table: &str) -> bool {
    ctx.db
        .schema
        .table(table)
        .is_some_and(|t| t.indexes.iter().any(|i| i.len() == 1 && i[0] == "name"))
}

/// Rows of `table` named `name` for a command about to create one: optimistically only those
/// of the local view for a table with a unique index on `name` (the server refuses a second
/// row; the invocation then runs again carefully and reports the existing one).
async fn existing_for_create(ctx: &mut Ctx, table: &str, name: &str) -> Result<Vec<Uuid>, CtlError> {
    if !ctx.careful && unique_name(ctx, table) {
        return Ok(ctx.db.by_name(table, name));
    }
    by_name(ctx, table, name).await
}

/// Finds a switch, router, or port by uuid or name, with ovn-nbctl's messages.
async fn find(
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
async fn containing(
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

fn list_by_name(ctx: &Ctx, table: &str, uuids: Vec<Uuid>) -> String {
    let mut v: Vec<(String, Uuid)> = uuids.into_iter().map(|u| (name_of(ctx, table, u), u)).collect();
    v.sort();
    v.into_iter().map(|(n, u)| format!("{u} ({n})\n")).collect()
}

fn is_mac(s: &str) -> bool {
    let parts: Vec<&str> = s.split(':').collect();
    parts.len() == 6
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 2 && p.bytes().all(|c| c.is_ascii_hexdigit()))
}

fn lines_sorted(d: &Datum) -> String {
    let mut v: Vec<String> = elements(d).iter().map(crate::value::atom_to_bare).collect();
    v.sort();
    v.into_iter().map(|x| x + "\n").collect()
}

const LSP_TYPES: &[&str] = &[
    "",
    "l2gateway",
    "localnet",
    "localport",
    "router",
    "vtep",
    "external",
    "virtual",
    "remote",
];

/// Runs an ovn-nbctl command.
pub(crate) async fn run(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let mut out = CmdOut::default();
    match cmd.name.as_str() {
        "init" => {
            check_arity(cmd, 0, 0, &[])?;
            ctx.db.load_all("NB_Global").await?;
            if ctx.db.uuids("NB_Global").is_empty() {
                ctx.db.insert("NB_Global", Row::new(), None);
            }
        }
        "sync" => {
            check_arity(cmd, 0, 0, &[])?;
            ctx.force_wait = true;
        }
        "ls-add" | "lr-add" => {
            check_arity(cmd, 0, 1, &["may-exist", "add-duplicate"])?;
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
            }
            ctx.db.insert(table, row, None);
        }
        "ls-del" | "lr-del" => {
            check_arity(cmd, 1, 1, &["if-exists"])?;
            let (table, what) = if cmd.name == "ls-del" {
                ("Logical_Switch", "switch")
            } else {
                ("Logical_Router", "router")
            };
            if let Some(u) = find(ctx, table, what, &a[0], !cmd.has("if-exists")).await? {
                ctx.db.delete(table, u);
            }
        }
        "ls-list" | "lr-list" => {
            check_arity(cmd, 0, 0, &[])?;
            let table = if cmd.name == "ls-list" {
                "Logical_Switch"
            } else {
                "Logical_Router"
            };
            ctx.db.load_all(table).await?;
            let all = ctx.db.uuids(table);
            out.text = list_by_name(ctx, table, all);
        }
        "lsp-add" => {
            check_arity(cmd, 2, 4, &["may-exist"])?;
            if a.len() == 3 {
                return Err(CtlError::Usage(
                    "lsp-add with parent must also specify a tag".into(),
                ));
            }
            // One command adding a port: only the switch's uuid is read (not its port set).
            let only = if blind_by_name(ctx, "Logical_Switch", &a[0], false) {
                match ctx
                    .db
                    .assume_only_named("Logical_Switch", &a[0])
                    .await?
                    .as_slice()
                {
                    [u] => Some(*u),
                    _ => None,
                }
            } else {
                None
            };
            let ls = match only {
                Some(u) => u,
                None => find(ctx, "Logical_Switch", "switch", &a[0], true)
                    .await?
                    .ok_or_else(|| CtlError::NotFound(a[0].clone()))?,
            };
            let (parent, tag) = if a.len() == 4 {
                let tag: i64 = a[3]
                    .parse()
                    .ok()
                    .filter(|t| (0..=4095).contains(t))
                    .ok_or_else(|| {
                        CtlError::Value(format!("{}: invalid tag (must be in range 0 to 4095)", a[3]))
                    })?;
                (Some(a[2].clone()), Some(tag))
            } else {
                (None, None)
            };
            if let Some(lsp) = existing_for_create(ctx, "Logical_Switch_Port", &a[1])
                .await?
                .first()
                .copied()
            {
                if !cmd.has("may-exist") {
                    return Err(CtlError::Conflict(format!(
                        "{}: a port with this name already exists",
                        a[1]
                    )));
                }
                let owner = containing(ctx, "Logical_Switch", "ports", "Logical_Switch_Port", lsp).await?;
                if owner != Some(ls) {
                    let oname = owner
                        .map(|o| name_of(ctx, "Logical_Switch", o))
                        .unwrap_or_default();
                    return Err(CtlError::Conflict(format!(
                        "{}: port already exists but in switch {oname}",
                        a[1]
                    )));
                }
                return Ok(out);
            }
            let mut row = Row::new().with("name", s(&a[1]));
            if let (Some(p), Some(t)) = (parent, tag) {
                row.insert("parent_name", s(&p));
                row.insert("tag_request", Datum::scalar(t));
            }
            let u = ctx.db.insert("Logical_Switch_Port", row, None);
            ctx.db
                .mutate_insert("Logical_Switch", ls, "ports", Datum::scalar(u));
        }
        "lsp-del" | "lrp-del" => {
            check_arity(cmd, 1, 1, &["if-exists"])?;
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
        }
        "lsp-list" | "lrp-list" => {
            check_arity(cmd, 1, 1, &[])?;
            let (owner_t, what, table) = if cmd.name == "lsp-list" {
                ("Logical_Switch", "switch", "Logical_Switch_Port")
            } else {
                ("Logical_Router", "router", "Logical_Router_Port")
            };
            let o = find(ctx, owner_t, what, &a[0], true)
                .await?
                .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
            let ports: Vec<Uuid> = elements(&ctx.db.value(owner_t, o, "ports"))
                .iter()
                .filter_map(Atom::as_uuid)
                .collect();
            for p in &ports {
                ctx.db.select_uuid(table, *p).await?;
            }
            out.text = list_by_name(ctx, table, ports);
        }
        "lsp-set-addresses" => {
            check_arity(cmd, 1, usize::MAX, &[])?;
            let p = find(ctx, "Logical_Switch_Port", "port", &a[0], true)
                .await?
                .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
            // One command: of the switch, only its name and port set are read.
            let ls = if ctx.single && !ctx.careful && !ctx.db.is_new("Logical_Switch_Port", p) {
                let w = json!([["ports", "includes", ["uuid", p.to_string()]]]);
                ctx.db
                    .select_light("Logical_Switch", w, &["name", "ports"])
                    .await?
                    .first()
                    .copied()
            } else {
                containing(ctx, "Logical_Switch", "ports", "Logical_Switch_Port", p).await?
            };
            let ls = ls.ok_or_else(|| {
                CtlError::NotFound(format!("logical port {} is not part of any logical switch", a[0]))
            })?;
            for addr in &a[1..] {
                if !crate::lsp_addr::is_valid(addr) {
                    return Err(CtlError::Value(format!(
                        "{addr}: Invalid address format. See ovn-nb(5). Hint: An Ethernet address must be listed before an IP address, together as a single argument."
                    )));
                }
                let new_ips = crate::lsp_addr::ips(addr).unwrap_or_default();
                if new_ips.is_empty() {
                    continue;
                }
                ensure_ip_index(ctx, ls).await?;
                if let Some((other, known, msg)) = duplicate(ctx, ls, p, &new_ips) {
                    let other = match known {
                        Some(name) => name,
                        None => {
                            ctx.db.select_uuid("Logical_Switch_Port", other).await?;
                            name_of(ctx, "Logical_Switch_Port", other)
                        }
                    };
                    return Err(CtlError::Conflict(format!(
                        "Error on switch {}: {msg} found on logical switch port '{other}'",
                        name_of(ctx, "Logical_Switch", ls)
                    )));
                }
            }
            let d = Datum::set(a[1..].iter().map(|x| Atom::string(x.as_str())));
            ctx.db.update("Logical_Switch_Port", p, "addresses", d);
            if ctx
                .ip_index
                .get(&ls)
                .is_some_and(|idx| idx.ports.contains_key(&p))
            {
                let (name, ips) = match ctx.db.get("Logical_Switch_Port", p) {
                    Some(row) => (Some(name_of(ctx, "Logical_Switch_Port", p)), port_ips(row)),
                    None => (None, Vec::new()),
                };
                if let Some(idx) = ctx.ip_index.get_mut(&ls) {
                    idx.add(p, name, ips);
                }
            }
        }
        "lsp-set-port-security" => {
            check_arity(cmd, 1, usize::MAX, &[])?;
            let d = Datum::set(a[1..].iter().map(|x| Atom::string(x.as_str())));
            if blind_by_name(ctx, "Logical_Switch_Port", &a[0], true) {
                ctx.db
                    .update_by_unique_name("Logical_Switch_Port", &a[0], "port_security", &d);
                return Ok(out);
            }
            let p = find(ctx, "Logical_Switch_Port", "port", &a[0], true)
                .await?
                .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
            ctx.db.update("Logical_Switch_Port", p, "port_security", d);
        }
        "lsp-get-addresses" | "lsp-get-port-security" => {
            check_arity(cmd, 1, 1, &[])?;
            let p = find(ctx, "Logical_Switch_Port", "port", &a[0], true)
                .await?
                .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
            let col = if cmd.name == "lsp-get-addresses" {
                "addresses"
            } else {
                "port_security"
            };
            out.text = lines_sorted(&ctx.db.value("Logical_Switch_Port", p, col));
        }
        "lsp-set-type" => {
            check_arity(cmd, 2, usize::MAX, &[])?;
            let p = find(ctx, "Logical_Switch_Port", "port", &a[0], true)
                .await?
                .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
            if !LSP_TYPES.contains(&a[1].as_str()) {
                return Err(CtlError::Value(format!(
                    "Logical switch port type '{}' is unrecognized. Not setting type.",
                    a[1]
                )));
            }
            ctx.db.update("Logical_Switch_Port", p, "type", s(&a[1]));
        }
        "lsp-get-type" => {
            check_arity(cmd, 1, 1, &[])?;
            let p = find(ctx, "Logical_Switch_Port", "port", &a[0], true)
                .await?
                .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
            out.text = format!(
                "{}\n",
                crate::value::datum_to_bare(&ctx.db.value("Logical_Switch_Port", p, "type"))
            );
        }
        "lsp-set-options" => {
            check_arity(cmd, 1, usize::MAX, &[])?;
            let p = find(ctx, "Logical_Switch_Port", "port", &a[0], true)
                .await?
                .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
            let mut m = std::collections::BTreeMap::new();
            for kv in &a[1..] {
                if let Some((k, v)) = kv.split_once('=') {
                    m.insert(Atom::string(k), Atom::string(v));
                }
            }
            ctx.db.update("Logical_Switch_Port", p, "options", Datum::Map(m));
        }
        "lsp-get-options" => {
            check_arity(cmd, 1, 1, &[])?;
            let p = find(ctx, "Logical_Switch_Port", "port", &a[0], true)
                .await?
                .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
            if let Some(m) = ctx.db.value("Logical_Switch_Port", p, "options").as_map() {
                for (k, v) in m {
                    out.text.push_str(&format!(
                        "{}={}\n",
                        crate::value::atom_to_bare(k),
                        crate::value::atom_to_bare(v)
                    ));
                }
            }
        }
        "lsp-set-enabled" => {
            check_arity(cmd, 2, 2, &[])?;
            let p = find(ctx, "Logical_Switch_Port", "port", &a[0], true)
                .await?
                .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
            let v = match a[1].as_str() {
                "enabled" => true,
                "disabled" => false,
                other => {
                    return Err(CtlError::Value(format!(
                        "{other}: state must be \"enabled\" or \"disabled\""
                    )));
                }
            };
            ctx.db
                .update("Logical_Switch_Port", p, "enabled", Datum::scalar(v));
        }
        "lsp-get-enabled" | "lsp-get-up" => {
            check_arity(cmd, 1, 1, &[])?;
            let p = find(ctx, "Logical_Switch_Port", "port", &a[0], true)
                .await?
                .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
            if cmd.name == "lsp-get-up" {
                let up = ctx
                    .db
                    .value("Logical_Switch_Port", p, "up")
                    .as_scalar()
                    .and_then(Atom::as_bool)
                    == Some(true);
                out.text = format!("{}\n", if up { "up" } else { "down" });
            } else {
                let en = ctx
                    .db
                    .value("Logical_Switch_Port", p, "enabled")
                    .as_scalar()
                    .and_then(Atom::as_bool)
                    != Some(false);
                out.text = format!("{}\n", if en { "enabled" } else { "disabled" });
            }
        }
        "lrp-add" => {
            check_arity(cmd, 3, usize::MAX, &["may-exist"])?;
            let lr = find(ctx, "Logical_Router", "router", &a[0], true)
                .await?
                .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
            let mac = &a[2];
            if !is_mac(mac) {
                return Err(CtlError::Value(format!("{}: invalid mac address {mac}", a[1])));
            }
            let mut networks = Vec::new();
            let mut settings = Vec::new();
            for x in &a[3..] {
                if x.contains('=') && !x.contains('/') {
                    settings.push(x.clone());
                } else if settings.is_empty() {
                    networks.push(x.clone());
                } else {
                    settings.push(x.clone());
                }
            }
            if networks.is_empty() {
                return Err(CtlError::Usage(
                    "'lrp-add' command requires at least one network".into(),
                ));
            }
            if let Some(existing) = existing_for_create(ctx, "Logical_Router_Port", &a[1])
                .await?
                .first()
                .copied()
            {
                if !cmd.has("may-exist") {
                    return Err(CtlError::Conflict(format!(
                        "{}: a port with this name already exists",
                        a[1]
                    )));
                }
                let owner =
                    containing(ctx, "Logical_Router", "ports", "Logical_Router_Port", existing).await?;
                if owner != Some(lr) {
                    let oname = owner
                        .map(|o| name_of(ctx, "Logical_Router", o))
                        .unwrap_or_default();
                    return Err(CtlError::Conflict(format!(
                        "{}: port already exists but in router {oname}",
                        a[1]
                    )));
                }
                return Ok(out);
            }
            let mut row = Row::new().with("name", s(&a[1])).with("mac", s(mac)).with(
                "networks",
                Datum::set(networks.iter().map(|n| Atom::string(n.as_str()))),
            );
            for kv in &settings {
                if let Some(peer) = kv.strip_prefix("peer=") {
                    row.insert("peer", s(peer));
                }
            }
            let u = ctx.db.insert("Logical_Router_Port", row, None);
            for kv in &settings {
                if !kv.starts_with("peer=") {
                    crate::generic::set_column(ctx, "Logical_Router_Port", u, kv)?;
                }
            }
            ctx.db
                .mutate_insert("Logical_Router", lr, "ports", Datum::scalar(u));
        }
        "acl-add" | "acl-del" | "acl-list" => acl(ctx, cmd, &mut out).await?,
        "lr-nat-add" | "lr-nat-del" | "lr-nat-list" => nat(ctx, cmd, &mut out).await?,
        "lr-route-add" | "lr-route-del" | "lr-route-list" => route(ctx, cmd, &mut out).await?,
        "show" => {
            check_arity(cmd, 0, 1, &[])?;
            out.text = show(ctx, a.first().map(String::as_str)).await?;
        }
        _ => return Err(CtlError::Usage(format!("unknown command '{}'", cmd.name))),
    }
    Ok(out)
}

/// When one of `new_ips` is held by another port of switch `ls` (the first such port in the
/// switch's order, IPv4 addresses before IPv6): that port, its name if known, and the start of
/// ovn-nbctl's duplicate-address message (`duplicate IPv4 address '10.0.0.1'`).
fn duplicate(ctx: &Ctx, ls: Uuid, port: Uuid, new_ips: &[IpAddr]) -> Option<(Uuid, Option<String>, String)> {
    let idx = ctx.ip_index.get(&ls)?;
    let other = new_ips
        .iter()
        .filter_map(|ip| idx.by_ip.get(ip))
        .flat_map(|set| set.iter().copied())
        .filter(|u| *u != port)
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

fn quoted_list(d: &Datum) -> String {
    let v: Vec<String> = elements(d)
        .iter()
        .map(|a| format!("\"{}\"", crate::value::atom_to_bare(a)))
        .collect();
    format!("[{}]", v.join(", "))
}

/// A string column of a row read for `show` (empty when unset).
fn col_str(row: &Row, column: &str) -> String {
    row.get(column)
        .map(crate::value::datum_to_bare)
        .unwrap_or_default()
}

/// ` (aka ALIAS)` when `external_ids` has `key`.
fn alias(row: &Row, key: &str) -> String {
    row.get("external_ids")
        .and_then(Datum::as_map)
        .and_then(|m| m.get(&Atom::string(key)))
        .map(|a| format!(" (aka {})", crate::value::atom_to_bare(a)))
        .unwrap_or_default()
}

fn refs(row: &Row, column: &str) -> Vec<Uuid> {
    match row.get(column) {
        Some(Datum::Set(s)) => s.iter().filter_map(Atom::as_uuid).collect(),
        _ => Vec::new(),
    }
}

/// One switch port of `show`, as ovn-nbctl prints it.
fn show_lsp(text: &mut String, row: &Row) {
    use std::fmt::Write;
    let _ = writeln!(
        text,
        "    port {}{}",
        col_str(row, "name"),
        alias(row, "neutron:port_name")
    );
    let ty = col_str(row, "type");
    if !ty.is_empty() {
        let _ = writeln!(text, "        type: {ty}");
    }
    if let Some(p) = row.get("parent_name").and_then(Datum::as_scalar) {
        let _ = writeln!(text, "        parent: {}", crate::value::atom_to_bare(p));
    }
    if let Some(t) = row.get("tag").and_then(Datum::as_scalar) {
        let _ = writeln!(text, "        tag: {}", atom_to_string(t));
    }
    if let Some(addrs) = row.get("addresses") {
        let only_router = addrs.len() == 1 && addrs.as_scalar() == Some(&Atom::string("router"));
        if !addrs.is_empty() && !only_router {
            let _ = writeln!(text, "        addresses: {}", quoted_list(addrs));
        }
    }
    if let Some(rp) = row
        .get("options")
        .and_then(Datum::as_map)
        .and_then(|m| m.get(&Atom::string("router-port")))
    {
        let _ = writeln!(text, "        router-port: {}", crate::value::atom_to_bare(rp));
    }
}

/// `show [SWITCH|ROUTER]`. Without an argument every switch and router is listed: the switches
/// and routers are read with only the columns shown, then their ports and NATs by uuid in
/// pipelined chunks (see [`crate::db::Db::peek_each`]), so memory stays proportional to the
/// output, not to the rows' full contents.
async fn show(ctx: &mut Ctx, which: Option<&str>) -> Result<String, CtlError> {
    use std::fmt::Write;
    const LS_COLS: &[&str] = &["name", "ports", "external_ids"];
    const LSP_COLS: &[&str] = &[
        "name",
        "type",
        "parent_name",
        "tag",
        "addresses",
        "options",
        "external_ids",
    ];
    // Each port's text, when the whole port table was read.
    let mut scanned: Option<HashMap<Uuid, String>> = None;
    const LR_COLS: &[&str] = &["name", "ports", "nat", "external_ids"];
    let by_uuid = |ctx: &Ctx, table: &str, u: Uuid| ctx.db.get(table, u).cloned().map(|r| (u, r));
    type Rows = Vec<(Uuid, Row)>;
    let (switches, routers): (Rows, Rows) = match which {
        Some(w) => {
            let sw = find(ctx, "Logical_Switch", "switch", w, false).await?;
            let lr = find(ctx, "Logical_Router", "router", w, false).await?;
            (
                sw.and_then(|u| by_uuid(ctx, "Logical_Switch", u))
                    .into_iter()
                    .collect(),
                lr.and_then(|u| by_uuid(ctx, "Logical_Router", u))
                    .into_iter()
                    .collect(),
            )
        }
        None => {
            // Every switch: one read of each whole table (on connections of their own) beats
            // a read per port. The server builds one reply at a time and sends nothing while it
            // builds: the big port table is asked for first, the switches once its reply has
            // arrived, so the server builds theirs while another thread decodes the ports.
            let mut sw = Vec::new();
            let (arrived, ports_here) = tokio::sync::oneshot::channel();
            let mut lr = Vec::new();
            let (ports, switches, routers) = tokio::join!(
                ctx.db.scan_fold(
                    "Logical_Switch_Port",
                    LSP_COLS,
                    Some(arrived),
                    HashMap::new(),
                    |m: &mut HashMap<Uuid, String>, u, r| {
                        let mut t = String::new();
                        show_lsp(&mut t, &r);
                        m.insert(u, t);
                    },
                ),
                async {
                    let _ = ports_here.await;
                    ctx.db
                        .scan_each("Logical_Switch", LS_COLS, |u, r| sw.push((u, r)))
                        .await
                },
                // Small: served before the server starts on the ports.
                ctx.db
                    .scan_each("Logical_Router", LR_COLS, |u, r| lr.push((u, r))),
            );
            scanned = ports?;
            if switches?.is_none() {
                sw = ctx.db.scan("Logical_Switch", LS_COLS).await?;
            }
            if routers?.is_none() {
                lr = ctx.db.scan("Logical_Router", LR_COLS).await?;
            }
            (sw, lr)
        }
    };
    let sorted = |rows: Vec<(Uuid, Row)>| {
        let mut v: Vec<(String, Uuid, Row)> = rows
            .into_iter()
            .map(|(u, r)| (col_str(&r, "name"), u, r))
            .collect();
        v.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        v
    };
    // ovn-nbctl's IDL shows set edits (like lsp-add's) only after the commit.
    let committed = |ctx: &Ctx, table: &str, rows: Vec<(Uuid, Row)>, cols: &[&str]| {
        rows.into_iter()
            .map(|(u, mut r)| {
                for c in cols {
                    if let Some(d) = ctx.db.visible_value(table, u, c) {
                        r.insert(*c, d);
                    }
                }
                (u, r)
            })
            .collect::<Vec<_>>()
    };
    let switches = sorted(committed(ctx, "Logical_Switch", switches, &["ports"]));
    let routers = sorted(committed(ctx, "Logical_Router", routers, &["ports", "nat"]));
    let mut port_text = match scanned {
        Some(m) => m,
        None => {
            let mut m = HashMap::new();
            let ports: Vec<Uuid> = switches.iter().flat_map(|(_, _, r)| refs(r, "ports")).collect();
            ctx.db
                .peek_each("Logical_Switch_Port", &ports, LSP_COLS, |u, row| {
                    let mut t = String::new();
                    show_lsp(&mut t, row);
                    m.insert(u, t);
                })
                .await?;
            m
        }
    };
    let mut text = String::new();
    for (name, u, row) in &switches {
        let _ = writeln!(text, "switch {u} ({name}){}", alias(row, "neutron:network_name"));
        for p in refs(row, "ports") {
            if let Some(t) = port_text.remove(&p) {
                text.push_str(&t);
            }
        }
    }
    drop(port_text);
    let rports: Vec<Uuid> = routers.iter().flat_map(|(_, _, r)| refs(r, "ports")).collect();
    let mut rport_text: HashMap<Uuid, String> = HashMap::new();
    ctx.db
        .peek_each(
            "Logical_Router_Port",
            &rports,
            &["name", "mac", "networks"],
            |u, row| {
                let mut t = String::new();
                let _ = writeln!(t, "    port {}", col_str(row, "name"));
                let _ = writeln!(t, "        mac: \"{}\"", col_str(row, "mac"));
                let _ = writeln!(
                    t,
                    "        networks: {}",
                    quoted_list(row.get("networks").unwrap_or(&Datum::empty_set()))
                );
                rport_text.insert(u, t);
            },
        )
        .await?;
    let nats: Vec<Uuid> = routers.iter().flat_map(|(_, _, r)| refs(r, "nat")).collect();
    let mut nat_text: HashMap<Uuid, String> = HashMap::new();
    ctx.db
        .peek_each("NAT", &nats, &["external_ip", "logical_ip", "type"], |u, row| {
            let mut t = String::new();
            let _ = writeln!(t, "    nat {u}");
            let _ = writeln!(t, "        external ip: \"{}\"", col_str(row, "external_ip"));
            let _ = writeln!(t, "        logical ip: \"{}\"", col_str(row, "logical_ip"));
            let _ = writeln!(t, "        type: \"{}\"", col_str(row, "type"));
            nat_text.insert(u, t);
        })
        .await?;
    for (name, u, row) in &routers {
        let _ = writeln!(text, "router {u} ({name}){}", alias(row, "neutron:router_name"));
        for p in refs(row, "ports") {
            if let Some(t) = rport_text.remove(&p) {
                text.push_str(&t);
            }
        }
        for n in refs(row, "nat") {
            if let Some(t) = nat_text.remove(&n) {
                text.push_str(&t);
            }
        }
    }
    Ok(text)
}

/// Adds the `nb_cfg` increment and its read-back to the transaction (`--wait=sb|hv`, `sync`).
pub(crate) async fn prepare_wait(ctx: &mut Ctx) -> Result<(), CtlError> {
    ctx.db.load_all("NB_Global").await?;
    let Some(g) = ctx.db.uuids("NB_Global").first().copied() else {
        return Ok(());
    };
    ctx.db.push_cfg_bump(CfgWait::SB, g);
    Ok(())
}

/// Waits until northd (`sb_cfg`) or every chassis (`hv_cfg`) caught up with the new `nb_cfg`.
pub(crate) async fn finish_wait(ctx: &mut Ctx, results: &[Value]) -> Result<(), CtlError> {
    let wait = if ctx.globals.wait == Wait::Hv {
        CfgWait::HV
    } else {
        CfgWait::SB
    };
    ctx.db.wait_cfg_applied(wait, results).await
}

fn str_of(ctx: &Ctx, table: &str, u: Uuid, col: &str) -> String {
    crate::value::datum_to_bare(&ctx.db.value(table, u, col))
}

fn int_of(ctx: &Ctx, table: &str, u: Uuid, col: &str) -> i64 {
    ctx.db
        .value(table, u, col)
        .as_scalar()
        .and_then(Atom::as_integer)
        .unwrap_or(0)
}

async fn members(
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
    for u in &v {
        ctx.db.select_uuid(table, *u).await?;
    }
    Ok(v)
}

/// `acl-add`, `acl-del`, `acl-list` on a switch or port group.
async fn acl(ctx: &mut Ctx, cmd: &Command, out: &mut CmdOut) -> Result<(), CtlError> {
    let a = &cmd.args;
    match cmd.name.as_str() {
        "acl-add" => check_arity(
            cmd,
            5,
            5,
            &[
                "log",
                "meter",
                "severity",
                "name",
                "label",
                "may-exist",
                "type",
                "apply-after-lb",
                "tier",
            ],
        )?,
        "acl-del" => check_arity(cmd, 1, 4, &["type", "tier"])?,
        _ => check_arity(cmd, 1, 1, &["type"])?,
    }
    let (owner_t, owner, kind) = match find(ctx, "Logical_Switch", "switch", &a[0], false).await? {
        Some(u) if cmd.opt("type") != Some("port-group") => ("Logical_Switch", u, "ls"),
        _ => match by_name(ctx, "Port_Group", &a[0]).await?.first().copied() {
            Some(u) if cmd.opt("type") != Some("switch") => ("Port_Group", u, "pg"),
            _ => {
                return Err(CtlError::NotFound(format!(
                    "'{}' is not found for port-group or switch.",
                    a[0]
                )));
            }
        },
    };
    let check_dir = |d: &str| {
        if d == "from-lport" || d == "to-lport" {
            Ok(())
        } else {
            Err(CtlError::Value(format!(
                "{d}: direction must be \"to-lport\" or \"from-lport\""
            )))
        }
    };
    let parse_prio = |p: &str| {
        p.parse::<i64>()
            .ok()
            .filter(|v| (0..=32767).contains(v))
            .ok_or_else(|| CtlError::Value(format!("{p}: priority must in range 0...32767")))
    };
    let acls = members(ctx, owner_t, owner, "acls", "ACL").await?;
    match cmd.name.as_str() {
        "acl-add" => {
            check_dir(&a[1])?;
            let prio = parse_prio(&a[2])?;
            let action = a[4].as_str();
            if ![
                "allow",
                "allow-related",
                "allow-stateless",
                "drop",
                "reject",
                "pass",
            ]
            .contains(&action)
            {
                return Err(CtlError::Value(format!(
                    "{action}: action must be one of \"allow\", \"allow-related\", \"allow-stateless\", \"drop\", and \"reject\""
                )));
            }
            let same = acls.iter().any(|u| {
                !ctx.db.is_new("ACL", *u)
                    && str_of(ctx, "ACL", *u, "direction") == a[1]
                    && int_of(ctx, "ACL", *u, "priority") == prio
                    && str_of(ctx, "ACL", *u, "match") == a[3]
                    && str_of(ctx, "ACL", *u, "action") == action
            });
            if same {
                if cmd.has("may-exist") {
                    return Ok(());
                }
                return Err(CtlError::Conflict(format!(
                    "Same ACL already existed on the {kind} {}.",
                    a[0]
                )));
            }
            let mut row = Row::new()
                .with("direction", s(&a[1]))
                .with("priority", Datum::scalar(prio))
                .with("match", s(&a[3]))
                .with("action", s(action));
            if cmd.has("log") {
                row.insert("log", Datum::scalar(true));
            }
            for col in ["name", "severity", "meter"] {
                if let Some(v) = cmd.opt(col) {
                    row.insert(col, s(v));
                }
            }
            if let Some(l) = cmd.opt("label") {
                let n: i64 = l
                    .parse()
                    .map_err(|_| CtlError::Value("label must be in range 0...4294967295".to_owned()))?;
                row.insert("label", Datum::scalar(n));
            }
            if cmd.has("apply-after-lb") {
                row.insert(
                    "options",
                    Datum::map([(Atom::string("apply-after-lb"), Atom::string("true"))]),
                );
            }
            let u = ctx.db.insert("ACL", row, None);
            ctx.db.mutate_insert(owner_t, owner, "acls", Datum::scalar(u));
        }
        "acl-del" => {
            if a.len() == 3 {
                return Err(CtlError::Usage("cannot specify priority without match".into()));
            }
            let mut del = Vec::new();
            if a.len() == 1 {
                del = acls;
            } else {
                check_dir(&a[1])?;
                let prio = if a.len() == 4 {
                    Some(parse_prio(&a[2])?)
                } else {
                    None
                };
                for u in acls {
                    let ok = str_of(ctx, "ACL", u, "direction") == a[1]
                        && prio.is_none_or(|p| {
                            int_of(ctx, "ACL", u, "priority") == p && str_of(ctx, "ACL", u, "match") == a[3]
                        });
                    if ok {
                        del.push(u);
                    }
                }
            }
            if !del.is_empty() {
                ctx.db
                    .mutate_delete(owner_t, owner, "acls", Datum::set(del.iter().copied()));
                for u in del {
                    ctx.db.delete("ACL", u);
                }
            }
        }
        _ => {
            let mut rows: Vec<(String, i64, String, Uuid)> = acls
                .iter()
                .map(|u| {
                    (
                        str_of(ctx, "ACL", *u, "direction"),
                        -int_of(ctx, "ACL", *u, "priority"),
                        str_of(ctx, "ACL", *u, "match"),
                        *u,
                    )
                })
                .collect();
            rows.sort();
            for (dir, negp, m, u) in rows {
                out.text.push_str(&format!(
                    "{dir:>10} {:>5} ({m}) {}",
                    -negp,
                    str_of(ctx, "ACL", u, "action")
                ));
                let log = ctx.db.value("ACL", u, "log").as_scalar().and_then(Atom::as_bool) == Some(true);
                if log {
                    let mut parts = Vec::new();
                    for col in ["name", "severity", "meter"] {
                        let v = str_of(ctx, "ACL", u, col);
                        if !v.is_empty() {
                            parts.push(format!("{col}={v}"));
                        }
                    }
                    out.text.push_str(&format!(" log({})", parts.join(",")));
                }
                out.text.push('\n');
            }
        }
    }
    Ok(())
}

fn valid_ip(s: &str, allow_net: bool) -> bool {
    let (ip, len) = match s.split_once('/') {
        Some((ip, len)) if allow_net => (ip, Some(len)),
        Some(_) => return false,
        None => (s, None),
    };
    match ip.parse::<std::net::IpAddr>() {
        Ok(addr) => len.is_none_or(|l| {
            l.parse::<u8>()
                .is_ok_and(|l| l <= if addr.is_ipv4() { 32 } else { 128 })
        }),
        Err(_) => false,
    }
}

/// `lr-nat-add`, `lr-nat-del`, `lr-nat-list`.
async fn nat(ctx: &mut Ctx, cmd: &Command, out: &mut CmdOut) -> Result<(), CtlError> {
    let a = &cmd.args;
    match cmd.name.as_str() {
        "lr-nat-add" => check_arity(
            cmd,
            4,
            6,
            &["may-exist", "stateless", "portrange", "add-route", "gateway-port"],
        )?,
        "lr-nat-del" => check_arity(cmd, 1, 3, &["if-exists"])?,
        _ => check_arity(cmd, 1, 1, &[])?,
    }
    let lr = find(ctx, "Logical_Router", "router", &a[0], true)
        .await?
        .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
    let nats = members(ctx, "Logical_Router", lr, "nat", "NAT").await?;
    let types = ["dnat", "snat", "dnat_and_snat"];
    let check_type = |t: &str| {
        if types.contains(&t) {
            Ok(())
        } else {
            Err(CtlError::Value(format!(
                "{t}: type must be one of \"dnat\", \"snat\" and \"dnat_and_snat\"."
            )))
        }
    };
    match cmd.name.as_str() {
        "lr-nat-add" => {
            let (ty, ext, log) = (a[1].as_str(), a[2].as_str(), a[3].as_str());
            check_type(ty)?;
            if !valid_ip(ext, false) {
                return Err(CtlError::Value(format!("{ext}: Not a valid IPv4 address.")));
            }
            if !valid_ip(log, ty == "snat") {
                return Err(CtlError::Value(format!("{log}: Not a valid IPv4 address.")));
            }
            if a.len() > 4 {
                if ty != "dnat_and_snat" {
                    return Err(CtlError::Value(
                        "logical_port and external_mac are only valid when type is \"dnat_and_snat\".".into(),
                    ));
                }
                if a.len() == 5 {
                    return Err(CtlError::Usage(
                        "lr-nat-add with logical_port must also specify external_mac.".into(),
                    ));
                }
                if !is_mac(&a[5]) {
                    return Err(CtlError::Value(format!("invalid mac address {}.", a[5])));
                }
            }
            let key_col = if ty == "snat" { "logical_ip" } else { "external_ip" };
            let key = if ty == "snat" { log } else { ext };
            for u in &nats {
                if str_of(ctx, "NAT", *u, "type") == ty
                    && str_of(ctx, "NAT", *u, "external_ip") == ext
                    && str_of(ctx, "NAT", *u, "logical_ip") == log
                {
                    if cmd.has("may-exist") {
                        return Ok(());
                    }
                    return Err(CtlError::Conflict(format!(
                        "{ext}, {log}: a NAT with this external_ip and logical_ip already exists"
                    )));
                }
            }
            for u in &nats {
                if str_of(ctx, "NAT", *u, "type") == ty && str_of(ctx, "NAT", *u, key_col) == key {
                    if cmd.has("may-exist") {
                        return Ok(());
                    }
                    return Err(CtlError::Conflict(format!(
                        "a NAT with this type ({ty}), {key_col} ({key}) already exists"
                    )));
                }
            }
            let mut row = Row::new()
                .with("type", s(ty))
                .with("external_ip", s(ext))
                .with("logical_ip", s(log));
            if a.len() == 6 {
                row.insert("logical_port", s(&a[4]));
                row.insert("external_mac", s(&a[5]));
            }
            let stateless = if cmd.has("stateless") { "true" } else { "false" };
            row.insert(
                "options",
                Datum::map([(Atom::string("stateless"), Atom::string(stateless))]),
            );
            let u = ctx.db.insert("NAT", row, None);
            ctx.db
                .mutate_insert("Logical_Router", lr, "nat", Datum::scalar(u));
        }
        "lr-nat-del" => {
            let mut del = Vec::new();
            if a.len() == 1 {
                del = nats;
            } else {
                check_type(&a[1])?;
                for u in nats {
                    if str_of(ctx, "NAT", u, "type") != a[1] {
                        continue;
                    }
                    let col = if a[1] == "snat" {
                        "logical_ip"
                    } else {
                        "external_ip"
                    };
                    if a.len() == 2 || str_of(ctx, "NAT", u, col) == a[2] {
                        del.push(u);
                        if a.len() == 3 {
                            break;
                        }
                    }
                }
            }
            if !del.is_empty() {
                ctx.db
                    .mutate_delete("Logical_Router", lr, "nat", Datum::set(del.iter().copied()));
                for u in del {
                    ctx.db.delete("NAT", u);
                }
            }
        }
        _ => {
            let mut rows: Vec<(String, String, String, Uuid)> = nats
                .iter()
                .map(|u| {
                    (
                        str_of(ctx, "NAT", *u, "type"),
                        str_of(ctx, "NAT", *u, "external_ip"),
                        str_of(ctx, "NAT", *u, "logical_ip"),
                        *u,
                    )
                })
                .collect();
            rows.sort();
            if !rows.is_empty() {
                out.text.push_str("TYPE             GATEWAY_PORT          EXTERNAL_IP        EXTERNAL_PORT    LOGICAL_IP          EXTERNAL_MAC         LOGICAL_PORT\n");
            }
            for (ty, ext, log, u) in rows {
                let gw = str_of(ctx, "NAT", u, "gateway_port");
                let gw = if gw.is_empty() { String::new() } else { gw };
                let port = str_of(ctx, "NAT", u, "external_port_range");
                let mut line = format!("{ty:<17}{gw:<22}{ext:<19}{port:<17}");
                let mac = str_of(ctx, "NAT", u, "external_mac");
                if mac.is_empty() {
                    line.push_str(&log);
                } else {
                    line.push_str(&format!(
                        "{log:<20}{mac:<21}{}",
                        str_of(ctx, "NAT", u, "logical_port")
                    ));
                }
                out.text.push_str(&line);
                out.text.push('\n');
            }
        }
    }
    Ok(())
}

/// A prefix `IP[/LEN]` normalized as ovn-nbctl does (host bits cleared, `/32` and `/128`
/// dropped), with its family and length.
fn normalize_prefix(p: &str) -> Option<(String, bool, u32)> {
    let (ip, len) = match p.split_once('/') {
        Some((ip, l)) => (ip, Some(l.parse::<u32>().ok()?)),
        None => (p, None),
    };
    match ip.parse::<std::net::IpAddr>().ok()? {
        std::net::IpAddr::V4(a) => {
            let len = len.unwrap_or(32);
            if len > 32 {
                return None;
            }
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            let net = std::net::Ipv4Addr::from(u32::from(a) & mask);
            Some((
                if len == 32 {
                    net.to_string()
                } else {
                    format!("{net}/{len}")
                },
                true,
                len,
            ))
        }
        std::net::IpAddr::V6(a) => {
            let len = len.unwrap_or(128);
            if len > 128 {
                return None;
            }
            let mask = if len == 0 { 0 } else { u128::MAX << (128 - len) };
            let net = std::net::Ipv6Addr::from(u128::from(a) & mask);
            Some((
                if len == 128 {
                    net.to_string()
                } else {
                    format!("{net}/{len}")
                },
                false,
                len,
            ))
        }
    }
}

fn route_policy(ctx: &Ctx, u: Uuid) -> String {
    let p = str_of(ctx, "Logical_Router_Static_Route", u, "policy");
    if p.is_empty() { "dst-ip".into() } else { p }
}

/// `lr-route-add`, `lr-route-del`, `lr-route-list`.
async fn route(ctx: &mut Ctx, cmd: &Command, out: &mut CmdOut) -> Result<(), CtlError> {
    const T: &str = "Logical_Router_Static_Route";
    let a = &cmd.args;
    match cmd.name.as_str() {
        "lr-route-add" => check_arity(
            cmd,
            3,
            4,
            &[
                "may-exist",
                "policy",
                "ecmp",
                "ecmp-symmetric-reply",
                "bfd",
                "route-table",
            ],
        )?,
        "lr-route-del" => check_arity(cmd, 1, 4, &["if-exists", "policy", "route-table"])?,
        _ => check_arity(cmd, 1, 1, &[])?,
    }
    let lr = find(ctx, "Logical_Router", "router", &a[0], true)
        .await?
        .ok_or_else(|| CtlError::NotFound(a[0].clone()))?;
    let routes = members(ctx, "Logical_Router", lr, "static_routes", T).await?;
    let policy = cmd.opt("policy");
    if let Some(p) = policy {
        if p != "src-ip" && p != "dst-ip" {
            return Err(CtlError::Value(format!("bad policy: {p}")));
        }
    }
    let table = cmd.opt("route-table").unwrap_or_default();
    match cmd.name.as_str() {
        "lr-route-add" => {
            let (prefix, v4, _) = normalize_prefix(&a[1])
                .ok_or_else(|| CtlError::Value(format!("bad prefix argument: {}", a[1])))?;
            let nexthop = if a[2] == "discard" {
                "discard".to_owned()
            } else {
                match normalize_prefix(&a[2]) {
                    Some((n, nv4, len))
                        if nv4 == v4 && len == if v4 { 32 } else { 128 } && !a[2].contains('/') =>
                    {
                        n
                    }
                    _ => {
                        return Err(CtlError::Value(format!(
                            "bad {} nexthop argument: {}",
                            if v4 { "IPv4" } else { "IPv6" },
                            a[2]
                        )));
                    }
                }
            };
            let want_policy = policy.unwrap_or("dst-ip");
            let ecmp = cmd.has("ecmp") || cmd.has("ecmp-symmetric-reply");
            for u in &routes {
                if str_of(ctx, T, *u, "route_table") != table || route_policy(ctx, *u) != want_policy {
                    continue;
                }
                let rp = normalize_prefix(&str_of(ctx, T, *u, "ip_prefix")).map(|x| x.0);
                if rp.as_deref() != Some(prefix.as_str()) {
                    continue;
                }
                if !ecmp {
                    if !cmd.has("may-exist") {
                        return Err(CtlError::Conflict(format!(
                            "duplicate prefix: {prefix} (policy: {want_policy}). Use option --ecmp to allow this for ECMP routing."
                        )));
                    }
                    ctx.db.update(T, *u, "nexthop", s(&nexthop));
                    let port = a.get(3).map(|p| s(p)).unwrap_or_else(Datum::empty_set);
                    ctx.db.update(T, *u, "output_port", port);
                    return Ok(());
                }
                if str_of(ctx, T, *u, "nexthop") == nexthop {
                    if cmd.has("may-exist") {
                        return Ok(());
                    }
                    return Err(CtlError::Conflict(format!(
                        "duplicate nexthop for the same ECMP route: {prefix} (policy: {want_policy})"
                    )));
                }
            }
            let mut row = Row::new()
                .with("ip_prefix", s(&prefix))
                .with("nexthop", s(&nexthop));
            if let Some(p) = a.get(3) {
                row.insert("output_port", s(p));
            }
            if let Some(p) = policy {
                row.insert("policy", s(p));
            }
            if !table.is_empty() {
                row.insert("route_table", s(table));
            }
            if cmd.has("ecmp-symmetric-reply") {
                row.insert(
                    "options",
                    Datum::map([(Atom::string("ecmp_symmetric_reply"), Atom::string("true"))]),
                );
            }
            let u = ctx.db.insert(T, row, None);
            ctx.db
                .mutate_insert("Logical_Router", lr, "static_routes", Datum::scalar(u));
        }
        "lr-route-del" => {
            let prefix = match a.get(1) {
                Some(p) => Some(
                    normalize_prefix(p)
                        .map(|x| x.0)
                        .ok_or_else(|| CtlError::Value(format!("bad prefix argument: {p}")))?,
                ),
                None => None,
            };
            let nexthop = match a.get(2) {
                Some(n) if n == "discard" => Some(n.clone()),
                Some(n) => Some(
                    normalize_prefix(n)
                        .map(|x| x.0)
                        .ok_or_else(|| CtlError::Value(format!("bad nexthop argument: {n}")))?,
                ),
                None => None,
            };
            let port = a.get(3).cloned();
            let mut del = Vec::new();
            for u in &routes {
                if cmd.opt("route-table").is_some() && str_of(ctx, T, *u, "route_table") != table {
                    continue;
                }
                if policy.is_some_and(|p| route_policy(ctx, *u) != p) {
                    continue;
                }
                if let Some(p) = &prefix {
                    if normalize_prefix(&str_of(ctx, T, *u, "ip_prefix"))
                        .map(|x| x.0)
                        .as_ref()
                        != Some(p)
                    {
                        continue;
                    }
                }
                if let Some(n) = &nexthop {
                    let rn = str_of(ctx, T, *u, "nexthop");
                    let rn = if rn == "discard" {
                        rn
                    } else {
                        normalize_prefix(&rn).map(|x| x.0).unwrap_or(rn)
                    };
                    if &rn != n {
                        continue;
                    }
                }
                if let Some(p) = &port {
                    if &str_of(ctx, T, *u, "output_port") != p {
                        continue;
                    }
                }
                del.push(*u);
            }
            if del.is_empty() && prefix.is_some() {
                if cmd.has("if-exists") {
                    return Ok(());
                }
                return Err(CtlError::NotFound(format!(
                    "no matching route: policy '{}', prefix '{}', nexthop '{}', output_port '{}'.",
                    policy.unwrap_or("any"),
                    a[1],
                    a.get(2).map(String::as_str).unwrap_or("any"),
                    a.get(3).map(String::as_str).unwrap_or("any"),
                )));
            }
            if !del.is_empty() {
                ctx.db.mutate_delete(
                    "Logical_Router",
                    lr,
                    "static_routes",
                    Datum::set(del.iter().copied()),
                );
                for u in del {
                    ctx.db.delete(T, u);
                }
            }
        }
        _ => {
            type Key = (String, std::cmp::Reverse<u32>, Vec<u8>, String, String);
            let mut v4: Vec<(Key, Uuid)> = Vec::new();
            let mut v6: Vec<(Key, Uuid)> = Vec::new();
            for u in &routes {
                let p = str_of(ctx, T, *u, "ip_prefix");
                let Some((np, is4, len)) = normalize_prefix(&p) else {
                    continue;
                };
                let addr: Vec<u8> = match np
                    .split('/')
                    .next()
                    .and_then(|ip| ip.parse::<std::net::IpAddr>().ok())
                {
                    Some(std::net::IpAddr::V4(x)) => x.octets().to_vec(),
                    Some(std::net::IpAddr::V6(x)) => x.octets().to_vec(),
                    None => Vec::new(),
                };
                let dst = u32::from(route_policy(ctx, *u) == "dst-ip");
                let key = (
                    str_of(ctx, T, *u, "route_table"),
                    std::cmp::Reverse(len * 2 + dst),
                    addr,
                    route_policy(ctx, *u),
                    str_of(ctx, T, *u, "nexthop"),
                );
                if is4 {
                    v4.push((key, *u))
                } else {
                    v6.push((key, *u))
                }
            }
            let mut first = true;
            for (title, mut list) in [("IPv4 Routes", v4), ("IPv6 Routes", v6)] {
                if list.is_empty() {
                    continue;
                }
                list.sort();
                if !first {
                    out.text.push('\n');
                }
                first = false;
                out.text.push_str(title);
                out.text.push('\n');
                let mut cur_table: Option<String> = None;
                for (key, u) in &list {
                    if cur_table.as_ref() != Some(&key.0) {
                        let name = if key.0.is_empty() {
                            "<main>".to_owned()
                        } else {
                            key.0.clone()
                        };
                        out.text.push_str(&format!("Route Table {name}:\n"));
                        cur_table = Some(key.0.clone());
                    }
                    let prefix = normalize_prefix(&str_of(ctx, T, *u, "ip_prefix"))
                        .map(|x| x.0)
                        .unwrap_or_default();
                    let mut line = format!("{prefix:>25} {:>25} {}", key.4, key.3);
                    let port = str_of(ctx, T, *u, "output_port");
                    if !port.is_empty() {
                        line.push(' ');
                        line.push_str(&port);
                    }
                    if !ctx.db.value(T, *u, "bfd").is_empty() {
                        line.push_str(" bfd");
                    }
                    let peers = list
                        .iter()
                        .filter(|(k, _)| k.0 == key.0 && k.1 == key.1 && k.2 == key.2 && k.3 == key.3)
                        .count();
                    if peers > 1 {
                        let sym = ctx
                            .db
                            .value(T, *u, "options")
                            .as_map()
                            .and_then(|m| m.get(&Atom::string("ecmp_symmetric_reply")).cloned())
                            == Some(Atom::string("true"));
                        line.push_str(if sym { " ecmp-symmetric-reply" } else { " ecmp" });
                    }
                    out.text.push_str(&line);
                    out.text.push('\n');
                }
            }
        }
    }
    Ok(())
}
