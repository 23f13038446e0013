//! The generic database commands shared by the three tools (ovs-vsctl(8) "Database
//! Commands"), record lookup, and table and column name matching.

use std::collections::BTreeSet;
use std::time::Duration;

use ovsdb_proto::{Atom, ColumnType, Datum, Max, Row, TableSchema, Uuid};

use crate::cmd::{MANY, Mode, Section, Syntax, run_fn};
use crate::db::{column_type, table_schema};
use crate::error::CtlError;
use crate::table::OutTable;
use crate::value::{
    atom_from_string, atom_to_string, datum_from_string, datum_to_string, empty_datum, token,
};
use crate::{CmdOut, Command, Ctx, Tool};

/// The database commands (db-ctl-base's `db_ctl_commands`), the same for the three tools.
pub(crate) const DATABASE: Section = Section {
    title: "Database commands",
    commands: &[
        Syntax {
            name: "list",
            min_args: 1,
            max_args: MANY,
            arguments: "TABLE [RECORD]...",
            options: &["--if-exists", "--columns="],
            mode: Mode::ReadOnly,
            help: "list RECORD (or every record) of TABLE",
            run: run_fn!(run),
        },
        Syntax {
            name: "find",
            min_args: 1,
            max_args: MANY,
            arguments: "TABLE [COLUMN[:KEY]=VALUE]...",
            options: &["--columns="],
            mode: Mode::ReadOnly,
            help: "list the records of TABLE that meet every condition",
            run: run_fn!(run),
        },
        Syntax {
            name: "get",
            min_args: 2,
            max_args: MANY,
            arguments: "TABLE RECORD [COLUMN[:KEY]]...",
            options: &["--if-exists", "--id="],
            mode: Mode::ReadOnly,
            help: "print COLUMN values of RECORD in TABLE",
            run: run_fn!(run),
        },
        Syntax {
            name: "set",
            min_args: 3,
            max_args: MANY,
            arguments: "TABLE RECORD COLUMN[:KEY]=VALUE...",
            options: &["--if-exists"],
            mode: Mode::ReadWrite,
            help: "set COLUMN values of RECORD in TABLE",
            run: run_fn!(run),
        },
        Syntax {
            name: "add",
            min_args: 4,
            max_args: MANY,
            arguments: "TABLE RECORD COLUMN [KEY=]VALUE...",
            options: &["--if-exists"],
            mode: Mode::ReadWrite,
            help: "add (KEY=)VALUE to COLUMN of RECORD in TABLE",
            run: run_fn!(run),
        },
        Syntax {
            name: "remove",
            min_args: 4,
            max_args: MANY,
            arguments: "TABLE RECORD COLUMN KEY|VALUE|KEY=VALUE...",
            options: &["--if-exists"],
            mode: Mode::ReadWrite,
            help: "remove (KEY=)VALUE or KEY from COLUMN of RECORD in TABLE",
            run: run_fn!(run),
        },
        Syntax {
            name: "clear",
            min_args: 3,
            max_args: MANY,
            arguments: "TABLE RECORD COLUMN...",
            options: &["--if-exists"],
            mode: Mode::ReadWrite,
            help: "empty COLUMN of RECORD in TABLE",
            run: run_fn!(run),
        },
        Syntax {
            name: "create",
            min_args: 2,
            max_args: MANY,
            arguments: "TABLE COLUMN[:KEY]=VALUE...",
            options: &["--id="],
            mode: Mode::ReadWrite,
            help: "make a record of TABLE with the given values",
            run: run_fn!(run),
        },
        Syntax {
            name: "destroy",
            min_args: 1,
            max_args: MANY,
            arguments: "TABLE [RECORD]...",
            options: &["--if-exists", "--all"],
            mode: Mode::ReadWrite,
            help: "delete RECORD (or with --all every record) of TABLE",
            run: run_fn!(run),
        },
        Syntax {
            name: "wait-until",
            min_args: 2,
            max_args: MANY,
            arguments: "TABLE RECORD [COLUMN[:KEY]=VALUE]...",
            options: &[],
            mode: Mode::ReadOnly,
            help: "wait until RECORD of TABLE exists and meets every condition",
            run: run_fn!(run),
        },
        Syntax {
            name: "comment",
            min_args: 0,
            max_args: MANY,
            arguments: "[ARG]...",
            options: &[],
            mode: Mode::ReadOnly,
            help: "do nothing (a comment in the transaction)",
            run: run_fn!(run),
        },
    ],
};

/// The database commands under their former name, for the tables that still list it.
pub(crate) const LEGACY: Section = DATABASE;

/// Whether `name` is one of the database commands shared by the three tools.
pub(crate) fn is_generic(name: &str) -> bool {
    DATABASE.commands.iter().any(|c| c.name == name)
}

/// How a record of a table can be named.
struct RowId {
    table: &'static str,
    /// Table searched for the name (the same table, or a table referring to it).
    via: &'static str,
    name_column: &'static str,
    key: Option<&'static str>,
    /// Column of `via` holding the reference, when `via` is another table.
    uuid_column: Option<&'static str>,
}

const fn id(table: &'static str, col: &'static str) -> RowId {
    RowId {
        table,
        via: table,
        name_column: col,
        key: None,
        uuid_column: None,
    }
}

const NB_IDS: &[RowId] = &[
    id("Logical_Switch", "name"),
    RowId {
        table: "Logical_Switch",
        via: "Logical_Switch",
        name_column: "external_ids",
        key: Some("neutron:network_name"),
        uuid_column: None,
    },
    id("Logical_Switch_Port", "name"),
    RowId {
        table: "Logical_Switch_Port",
        via: "Logical_Switch_Port",
        name_column: "external_ids",
        key: Some("neutron:port_name"),
        uuid_column: None,
    },
    id("Logical_Router", "name"),
    RowId {
        table: "Logical_Router",
        via: "Logical_Router",
        name_column: "external_ids",
        key: Some("neutron:router_name"),
        uuid_column: None,
    },
    id("Logical_Router_Port", "name"),
    id("Address_Set", "name"),
    id("Port_Group", "name"),
    id("ACL", "name"),
    id("HA_Chassis", "chassis_name"),
    id("HA_Chassis_Group", "name"),
    id("Load_Balancer", "name"),
    id("Load_Balancer_Group", "name"),
    id("Load_Balancer_Health_Check", "vip"),
    id("Meter", "name"),
    id("NAT", "external_ip"),
    id("Forwarding_Group", "name"),
    id("Chassis_Template_Var", "chassis"),
    id("Connection", "target"),
    // A switch port (by name, then by its Neutron name) names its DHCPv4, then DHCPv6, options.
    lsp_dhcp("name", None, "dhcpv4_options"),
    lsp_dhcp("external_ids", Some("neutron:port_name"), "dhcpv4_options"),
    lsp_dhcp("name", None, "dhcpv6_options"),
    lsp_dhcp("external_ids", Some("neutron:port_name"), "dhcpv6_options"),
];

/// DHCP_Options named through the switch port whose `options_column` refers to them.
const fn lsp_dhcp(
    name_column: &'static str,
    key: Option<&'static str>,
    options_column: &'static str,
) -> RowId {
    RowId {
        table: "DHCP_Options",
        via: "Logical_Switch_Port",
        name_column,
        key,
        uuid_column: Some(options_column),
    }
}

const SB_IDS: &[RowId] = &[
    id("Chassis", "name"),
    id("Chassis_Private", "name"),
    id("Port_Binding", "logical_port"),
    key_id("Port_Binding", "name"),
    key_id("Datapath_Binding", "name"),
    key_id("Datapath_Binding", "name2"),
    key_id("Datapath_Binding", "logical-switch"),
    key_id("Datapath_Binding", "logical-router"),
    id("MAC_Binding", "logical_port"),
    id("Load_Balancer", "name"),
    id("Port_Group", "name"),
    id("Address_Set", "name"),
    id("HA_Chassis_Group", "name"),
    id("Meter", "name"),
    id("Service_Monitor", "logical_port"),
    id("DHCP_Options", "name"),
    id("DHCPv6_Options", "name"),
    id("Connection", "target"),
    id("RBAC_Role", "name"),
    id("RBAC_Permission", "table"),
    id("Gateway_Chassis", "name"),
    id("Mirror", "name"),
    id("Chassis_Template_Var", "chassis"),
];

/// A row named by the value of key `key` of its `external_ids`.
const fn key_id(table: &'static str, key: &'static str) -> RowId {
    RowId {
        table,
        via: table,
        name_column: "external_ids",
        key: Some(key),
        uuid_column: None,
    }
}

const VS_IDS: &[RowId] = &[
    id("Bridge", "name"),
    id("Port", "name"),
    id("Interface", "name"),
    id("Mirror", "name"),
    id("Flow_Table", "name"),
    id("Manager", "target"),
    id("Flow_Sample_Collector_Set", "id"),
    RowId {
        table: "Controller",
        via: "Bridge",
        name_column: "name",
        key: None,
        uuid_column: Some("controller"),
    },
    RowId {
        table: "NetFlow",
        via: "Bridge",
        name_column: "name",
        key: None,
        uuid_column: Some("netflow"),
    },
    RowId {
        table: "sFlow",
        via: "Bridge",
        name_column: "name",
        key: None,
        uuid_column: Some("sflow"),
    },
    RowId {
        table: "IPFIX",
        via: "Bridge",
        name_column: "name",
        key: None,
        uuid_column: Some("ipfix"),
    },
    RowId {
        table: "AutoAttach",
        via: "Bridge",
        name_column: "name",
        key: None,
        uuid_column: Some("auto_attach"),
    },
    RowId {
        table: "QoS",
        via: "Port",
        name_column: "name",
        key: None,
        uuid_column: Some("qos"),
    },
];

fn row_ids(tool: Tool) -> &'static [RowId] {
    match tool {
        Tool::Nbctl => NB_IDS,
        Tool::Sbctl => SB_IDS,
        Tool::Vsctl => VS_IDS,
    }
}

fn norm(c: u8) -> u8 {
    if c == b'-' { b'_' } else { c.to_ascii_lowercase() }
}

/// ovsdb ctl's partial-name score: exact > case/dash-insensitive > prefix length.
fn score(name: &str, s: &str) -> usize {
    if name == s {
        return usize::MAX;
    }
    let (n, sb) = (name.as_bytes(), s.as_bytes());
    let mut i = 0;
    loop {
        let a = n.get(i).copied().map(norm);
        let b = sb.get(i).copied().map(norm);
        if a != b {
            break;
        }
        if a.is_none() {
            return usize::MAX - 1;
        }
        i += 1;
    }
    if i == sb.len() { i } else { 0 }
}

fn best<'a>(names: impl Iterator<Item = &'a str>, s: &str) -> Vec<&'a str> {
    let mut best_score = 0;
    let mut found = Vec::new();
    for n in names {
        let sc = score(n, s);
        if sc > best_score {
            best_score = sc;
            found = vec![n];
        } else if sc == best_score && sc > 0 {
            found.push(n);
        }
    }
    found
}

/// Resolves a table name (exact, case-insensitive or unique prefix).
pub(crate) fn get_table(ctx: &Ctx, s: &str) -> Result<String, CtlError> {
    let found = best(ctx.db.schema.table_names(), s);
    match found.as_slice() {
        [one] => Ok((*one).to_owned()),
        [] => Err(CtlError::Schema(format!("unknown table \"{s}\""))),
        many => Err(CtlError::Schema(format!(
            "\"{s}\" matches multiple table names: {}",
            many.join(", ")
        ))),
    }
}

/// Resolves a column name of `table` (`_uuid` included).
pub(crate) fn get_column(ts: &TableSchema, table: &str, s: &str) -> Result<String, CtlError> {
    let names = ts.columns.keys().map(String::as_str);
    let found = best(names, s);
    match found.as_slice() {
        [one] => Ok((*one).to_owned()),
        [] => Err(CtlError::Schema(format!(
            "{table} does not contain a column whose name matches \"{s}\""
        ))),
        many => Err(CtlError::Schema(format!(
            "{table} contains more than one column whose name matches \"{s}\": {}",
            many.join(", ")
        ))),
    }
}

/// The column of each `COLUMN[:KEY][OP VALUE]` argument must exist: db-ctl-base checks it
/// before it looks the row up (its pre-parse), so a bad column wins over a missing row.
fn check_columns<'a>(
    ctx: &Ctx,
    table: &str,
    args: impl IntoIterator<Item = &'a String>,
) -> Result<(), CtlError> {
    let ts = table_schema(ctx.db.schema, table)?;
    for arg in args {
        let mut p = 0;
        let name = token(arg, &mut p)?;
        if name.is_empty() {
            return Err(CtlError::Schema(format!("{arg}: missing column name")));
        }
        get_column(ts, table, &name)?;
    }
    Ok(())
}

/// Finds a record by `.`, uuid, name columns or uuid prefix.
pub(crate) async fn get_row(
    ctx: &mut Ctx,
    table: &str,
    record: &str,
    must_exist: bool,
) -> Result<Option<Uuid>, CtlError> {
    let mut found: Option<Uuid> = None;
    if record == "." {
        ctx.db.load_all(table).await?;
        let all = ctx.db.uuids(table);
        if all.len() == 1 {
            found = Some(all[0]);
        }
    }
    if found.is_none() && record.len() == 36 {
        if let Ok(u) = Uuid::parse_str(record) {
            ctx.db.select_uuid(table, u).await?;
            found = ctx.db.get(table, u).map(|_| u);
        }
    }
    if found.is_none() {
        for rid in row_ids(ctx.tool).iter().filter(|r| r.table == table) {
            // An integer name column (Flow_Sample_Collector_Set `id`) matches only digits.
            let integer_name = rid.key.is_none()
                && ctx
                    .db
                    .schema
                    .table(rid.via)
                    .and_then(|t| t.column(rid.name_column))
                    .is_some_and(|c| c.type_.key.atomic == ovsdb_proto::AtomicType::Integer);
            let value = if integer_name {
                if record.is_empty() || !record.bytes().all(|c| c.is_ascii_digit()) {
                    continue;
                }
                match record.parse::<i64>() {
                    Ok(n) => Datum::scalar(Atom::Integer(n)),
                    Err(_) => continue,
                }
            } else {
                Datum::scalar(Atom::string(record))
            };
            match rid.key {
                None => ctx.db.select_eq(rid.via, rid.name_column, &value).await?,
                Some(k) => {
                    let m = Datum::map([(Atom::string(k), Atom::string(record))]);
                    ctx.db
                        .select(
                            rid.via,
                            serde_json::json!([[rid.name_column, "includes", m.to_json()]]),
                        )
                        .await?
                }
            }
            let mut matches = Vec::new();
            for u in ctx.db.uuids(rid.via) {
                let d = ctx.db.value(rid.via, u, rid.name_column);
                let hit = match rid.key {
                    None if integer_name => d == value,
                    None => d.as_scalar().and_then(Atom::as_str) == Some(record),
                    Some(k) => {
                        d.as_map()
                            .and_then(|m| m.get(&Atom::string(k)))
                            .and_then(Atom::as_str)
                            == Some(record)
                    }
                };
                if hit {
                    matches.push(u);
                }
            }
            if matches.len() > 1 {
                return Err(CtlError::NotFound(format!(
                    "multiple rows in {} match \"{record}\"",
                    rid.via
                )));
            }
            if let Some(u) = matches.first().copied() {
                match rid.uuid_column {
                    None => found = Some(u),
                    Some(col) => {
                        let d = ctx.db.value(rid.via, u, col);
                        if let Some(target) = d.as_scalar().and_then(Atom::as_uuid) {
                            ctx.db.select_uuid(table, target).await?;
                            found = ctx.db.get(table, target).map(|_| target);
                        }
                    }
                }
            }
            if found.is_some() {
                break;
            }
        }
    }
    if found.is_none() && is_partial_uuid(record) {
        let m = ctx.db.uuid_prefix(table, record).await?;
        if m.len() > 1 {
            // The reference names the first two it met (in its hash order).
            return Err(CtlError::NotFound(format!(
                "{table} contains 2 or more rows whose UUIDs begin with {record}: at least {} and {}",
                m[0], m[1]
            )));
        }
        found = m.first().copied();
    }
    if found.is_none() && must_exist {
        return Err(CtlError::NotFound(format!(
            "no row \"{record}\" in table {table}"
        )));
    }
    Ok(found)
}

fn is_partial_uuid(s: &str) -> bool {
    let hex = s.bytes().filter(|c| c.is_ascii_hexdigit()).count();
    hex >= 4
        && s.len() <= 36
        && s.bytes().enumerate().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// A relational operator of `find` and `wait-until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RelOp {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    SetEq,
    SetNe,
    SetLt,
    SetGt,
    SetLe,
    SetGe,
    In,
    NotIn,
}

const OPS: &[(&str, RelOp)] = &[
    ("{not-in}", RelOp::NotIn),
    ("{in}", RelOp::In),
    ("{!=}", RelOp::SetNe),
    ("{<=}", RelOp::SetLe),
    ("{>=}", RelOp::SetGe),
    ("{=}", RelOp::SetEq),
    ("{<}", RelOp::SetLt),
    ("{>}", RelOp::SetGt),
    ("!=", RelOp::Ne),
    ("<=", RelOp::Le),
    (">=", RelOp::Ge),
    ("=", RelOp::Eq),
    ("<", RelOp::Lt),
    (">", RelOp::Gt),
];

impl RelOp {
    fn is_set(self) -> bool {
        !matches!(
            self,
            RelOp::Eq | RelOp::Ne | RelOp::Lt | RelOp::Gt | RelOp::Le | RelOp::Ge
        )
    }
}

/// A parsed `COLUMN[:KEY][OP VALUE]` argument.
pub(crate) struct ColumnArg {
    pub(crate) column: String,
    pub(crate) ty: ColumnType,
    pub(crate) key: Option<Atom>,
    pub(crate) key_text: Option<String>,
    pub(crate) op: Option<RelOp>,
    pub(crate) value: Option<String>,
}

/// What a `COLUMN[:KEY]...` argument must end with.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    Nothing,
    Assign,
    Relop,
}

pub(crate) fn parse_column_arg(
    ctx: &mut Ctx,
    table: &str,
    arg: &str,
    want: Want,
) -> Result<ColumnArg, CtlError> {
    let ts = table_schema(ctx.db.schema, table)?;
    let mut p = 0;
    let name = token(arg, &mut p)?;
    if name.is_empty() {
        return Err(CtlError::Usage(format!("{arg}: missing column name")));
    }
    let column = get_column(ts, table, &name)?;
    let ty = column_type(ts, &column)
        .unwrap_or_else(|| ColumnType::scalar(ovsdb_proto::BaseType::new(ovsdb_proto::AtomicType::String)));
    let b = arg.as_bytes();
    let mut key = None;
    let mut key_text = None;
    if p < b.len() && b[p] == b':' {
        p += 1;
        let kt = token(arg, &mut p)?;
        // A key of a column that is not a map is refused by the caller before it is parsed.
        key = Some(if ty.value.is_some() {
            atom_from_string(&ty.key, &kt, &mut ctx.syms)?
        } else {
            Atom::String(kt.clone())
        });
        key_text = Some(kt);
    }
    let rest = &arg[p..];
    match want {
        Want::Nothing => {
            if !rest.is_empty() {
                return Err(CtlError::Usage(format!(
                    "{arg}: trailing garbage \"{rest}\" in argument"
                )));
            }
            Ok(ColumnArg {
                column,
                ty,
                key,
                key_text,
                op: None,
                value: None,
            })
        }
        Want::Assign | Want::Relop => {
            let ops: &[(&str, RelOp)] = if want == Want::Assign { &OPS[11..12] } else { OPS };
            let found = ops.iter().find(|(s, _)| rest.starts_with(s));
            match found {
                Some((s, op)) if rest.len() > s.len() => Ok(ColumnArg {
                    column,
                    ty,
                    key,
                    key_text,
                    op: Some(*op),
                    value: Some(rest[s.len()..].to_owned()),
                }),
                _ => Err(CtlError::Usage(if want == Want::Assign {
                    format!("{arg}: argument does not end in \"=\" followed by a value.")
                } else {
                    format!(
                        "{arg}: argument does not end in \"=\", \"!=\", \"<\", \">\", \"<=\", \">=\", \"{{=}}\", \"{{!=}}\", \"{{<}}\", \"{{>}}\", \"{{<=}}\", \"{{>=}}\", \"{{in}}\", or \"{{not-in}}\" followed by a value."
                    )
                })),
            }
        }
    }
}

fn check_mutable(ts: &TableSchema, table: &str, column: &str) -> Result<(), CtlError> {
    if column == "_uuid" || ts.column(column).is_some_and(|c| !c.mutable) {
        return Err(CtlError::Value(format!(
            "cannot modify read-only column {column} in table {table}"
        )));
    }
    Ok(())
}

/// Sets `COLUMN[:KEY]=VALUE` on a row.
pub(crate) fn set_column(ctx: &mut Ctx, table: &str, uuid: Uuid, arg: &str) -> Result<(), CtlError> {
    let ca = parse_column_arg(ctx, table, arg, Want::Assign)?;
    let ts = table_schema(ctx.db.schema, table)?;
    if !ctx.db.is_new(table, uuid) {
        check_mutable(ts, table, &ca.column)?;
    }
    let value = ca.value.unwrap_or_default();
    match ca.key {
        Some(k) => {
            let Some(vt) = ca.ty.value.clone() else {
                return Err(CtlError::Value(format!(
                    "cannot specify key to set for non-map column {}",
                    ca.column
                )));
            };
            let v = atom_from_string(&vt, &value, &mut ctx.syms)?;
            if ctx.db.is_new(table, uuid) {
                let mut cur = ctx.db.value(table, uuid, &ca.column);
                if let Datum::Map(m) = &mut cur {
                    m.insert(k, v);
                }
                ctx.db.update(table, uuid, &ca.column, cur);
            } else {
                ctx.db
                    .mutate_delete(table, uuid, &ca.column, Datum::Set([k.clone()].into()));
                ctx.db
                    .mutate_insert(table, uuid, &ca.column, Datum::map([(k, v)]));
            }
        }
        None => {
            let d = datum_from_string(&ca.ty, &value, &mut ctx.syms)?;
            ctx.db.update(table, uuid, &ca.column, d);
        }
    }
    Ok(())
}

fn equals(a: &Datum, b: &Datum) -> bool {
    match (a, b) {
        (Datum::Map(x), Datum::Map(y)) => x == y,
        (Datum::Set(x), Datum::Set(y)) => x == y,
        (Datum::Map(x), Datum::Set(y)) | (Datum::Set(y), Datum::Map(x)) => x.is_empty() && y.is_empty(),
    }
}

fn pairs(d: &Datum) -> BTreeSet<(Atom, Option<Atom>)> {
    match d {
        Datum::Set(s) => s.iter().map(|a| (a.clone(), None)).collect(),
        Datum::Map(m) => m.iter().map(|(k, v)| (k.clone(), Some(v.clone()))).collect(),
    }
}

fn includes_all(a: &Datum, b: &Datum) -> bool {
    let (a, b) = (pairs(a), pairs(b));
    a.is_subset(&b)
}

fn excludes_all(a: &Datum, b: &Datum) -> bool {
    let (a, b) = (pairs(a), pairs(b));
    a.is_disjoint(&b)
}

/// ovsdb's datum order: by number of elements, then keys, then values.
fn compare_3way(a: &Datum, b: &Datum) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| match (a, b) {
        (Datum::Set(x), Datum::Set(y)) => x.iter().cmp(y.iter()),
        (Datum::Map(x), Datum::Map(y)) => x.keys().cmp(y.keys()).then_with(|| x.values().cmp(y.values())),
        _ => std::cmp::Ordering::Equal,
    })
}

fn relop(a: &Datum, b: &Datum, op: RelOp) -> bool {
    let one = |d: &Datum| match d {
        Datum::Set(s) if s.len() == 1 => s.iter().next().cloned(),
        _ => None,
    };
    let _ = one;
    let cmp = || Some(compare_3way(a, b));
    use std::cmp::Ordering::*;
    match op {
        RelOp::Eq | RelOp::SetEq => equals(a, b),
        RelOp::Ne | RelOp::SetNe => !equals(a, b),
        RelOp::Lt => cmp() == Some(Less),
        RelOp::Gt => cmp() == Some(Greater),
        RelOp::Le => matches!(cmp(), Some(Less | Equal)),
        RelOp::Ge => matches!(cmp(), Some(Greater | Equal)),
        RelOp::SetLt => includes_all(a, b) && a.len() < b.len(),
        RelOp::SetGt => includes_all(b, a) && a.len() > b.len(),
        RelOp::SetLe => includes_all(a, b),
        RelOp::SetGe => includes_all(b, a),
        RelOp::In => includes_all(a, b),
        RelOp::NotIn => excludes_all(a, b),
    }
}

/// Parses a `find`/`wait-until` condition and evaluates it against a row.
pub(crate) struct Condition {
    column: String,
    key: Option<Atom>,
    op: RelOp,
    want: Datum,
}

pub(crate) fn parse_condition(ctx: &mut Ctx, table: &str, arg: &str) -> Result<Condition, CtlError> {
    let ca = parse_column_arg(ctx, table, arg, Want::Relop)?;
    let op = ca.op.unwrap_or(RelOp::Eq);
    let value = ca.value.unwrap_or_default();
    let want = match &ca.key {
        Some(_) => {
            let Some(vt) = ca.ty.value.clone() else {
                return Err(CtlError::Value(format!(
                    "cannot specify key to check for non-map column {}",
                    ca.column
                )));
            };
            // As db-ctl-base: a set of the map's values, as many as the column has at least.
            let t = ColumnType {
                key: vt,
                value: None,
                min: ca.ty.min,
                max: Max::Unlimited,
            };
            datum_from_string(&t, &value, &mut ctx.syms)?
        }
        // The column's own type, whatever the operator (db-ctl-base's check_condition).
        None => datum_from_string(&ca.ty, &value, &mut ctx.syms)?,
    };
    Ok(Condition {
        column: ca.column,
        key: ca.key,
        op,
        want,
    })
}

impl Condition {
    pub(crate) fn holds(&self, have: &Datum) -> bool {
        match &self.key {
            Some(k) => {
                let v = have.as_map().and_then(|m| m.get(k)).cloned();
                match v {
                    None if !self.op.is_set() => false,
                    None => relop(&Datum::empty_set(), &self.want, self.op),
                    Some(v) => relop(&Datum::scalar(v), &self.want, self.op),
                }
            }
            None => relop(have, &self.want, self.op),
        }
    }
}

fn list_columns(ctx: &Ctx, table: &str, cmd: &Command) -> Result<Vec<String>, CtlError> {
    let ts = table_schema(ctx.db.schema, table)?;
    match cmd.opt("columns") {
        Some(list) => list
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|c| {
                let c = c.trim();
                if c.eq_ignore_ascii_case("_uuid") {
                    Ok("_uuid".to_owned())
                } else {
                    get_column(ts, table, c)
                }
            })
            .collect(),
        None => Ok(std::iter::once("_uuid".to_owned())
            .chain(ts.columns.keys().cloned())
            .collect()),
    }
}

fn out_row(ctx: &Ctx, table: &str, uuid: Uuid, cols: &[String]) -> Vec<(ColumnType, Datum)> {
    let ts = ctx.db.schema.table(table);
    cols.iter()
        .map(|c| {
            let ty = ts.and_then(|t| column_type(t, c)).unwrap_or_else(|| {
                ColumnType::scalar(ovsdb_proto::BaseType::new(ovsdb_proto::AtomicType::String))
            });
            (ty, shown(ctx, ctx.db.value(table, uuid, c)))
        })
        .collect()
}

/// A value as `list`, `find` and `get` print it: ovs-vsctl and ovn-sbctl show the rows the
/// invocation inserts under the IDL's provisional UUIDs, which the server then replaces (only
/// `create` prints the final one): a stand-in UUID per such row.
fn shown(ctx: &Ctx, d: Datum) -> Datum {
    if ctx.tool == Tool::Nbctl {
        return d;
    }
    let f = |a: Atom| match a {
        // Under a UUID the user gave (`--id=UUID`) it is the final one already.
        Atom::Uuid(u)
            if ctx.db.inserted(u) == Some(false)
                || (ctx.db.inserted(u) == Some(true) && ctx.syms.map.values().any(|s| s.uuid == u)) =>
        {
            Atom::Uuid(Uuid::from_u128(
                u.as_u128() ^ 0x5a5a_5a5a_5a5a_5a5a_5a5a_5a5a_5a5a_5a5a,
            ))
        }
        a => a,
    };
    match d {
        Datum::Set(s) => Datum::Set(s.into_iter().map(f).collect()),
        Datum::Map(m) => Datum::Map(m.into_iter().map(|(k, v)| (f(k), f(v))).collect()),
    }
}

/// db-ctl-base's preparation of a database command, which runs for every command of the
/// invocation before any runs: the table and the column names of `get`, `set`, `add`,
/// `remove`, `clear` and `wait-until` are resolved first, so their errors come before any
/// "no row" (and before what the earlier commands would report).
pub(crate) fn pre_check(ctx: &Ctx, cmd: &Command) -> Result<(), CtlError> {
    let a = &cmd.args;
    let columns: &[String] = match (cmd.name.as_str(), a.len()) {
        ("get" | "set" | "clear" | "wait-until", n) if n >= 2 => &a[2..],
        ("add" | "remove", n) if n >= 3 => &a[2..3],
        _ => return Ok(()),
    };
    let table = get_table(ctx, &a[0])?;
    let ts = table_schema(ctx.db.schema, &table)?;
    for arg in columns {
        if cmd.name == "get" && (arg.eq_ignore_ascii_case("_uuid") || arg.eq_ignore_ascii_case("-uuid")) {
            continue;
        }
        let name = if matches!(cmd.name.as_str(), "add" | "remove" | "clear") {
            arg.clone()
        } else {
            let mut p = 0;
            let name = token(arg, &mut p)?;
            if name.is_empty() {
                return Err(CtlError::Usage(format!("{arg}: missing column name")));
            }
            name
        };
        get_column(ts, &table, &name)?;
    }
    Ok(())
}

/// Runs a generic command.
pub(crate) async fn run(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let mut out = CmdOut::default();
    match cmd.name.as_str() {
        "comment" => {}
        "get" => {
            let if_exists = cmd.has("if-exists");
            if if_exists && cmd.has("id") {
                return Err(CtlError::Usage(
                    "--if-exists and --id may not be specified together".into(),
                ));
            }
            let table = get_table(ctx, &a[0])?;
            let named = a[2..]
                .iter()
                .filter(|c| !c.eq_ignore_ascii_case("_uuid") && !c.eq_ignore_ascii_case("-uuid"));
            check_columns(ctx, &table, named)?;
            let Some(uuid) = get_row(ctx, &table, &a[1], !if_exists).await? else {
                return Ok(out);
            };
            if let Some(id) = cmd.opt("id") {
                define_symbol(ctx, id, uuid, true)?;
            }
            for arg in &a[2..] {
                if arg.eq_ignore_ascii_case("_uuid") || arg.eq_ignore_ascii_case("-uuid") {
                    if let Some(u) = shown(ctx, Datum::scalar(uuid)).as_set().and_then(|s| s.first()) {
                        out.text.push_str(&format!("{}\n", atom_to_string(u)));
                    }
                    continue;
                }
                let ca = parse_column_arg(ctx, &table, arg, Want::Nothing)?;
                let d = shown(ctx, ctx.db.value(&table, uuid, &ca.column));
                match &ca.key {
                    Some(k) => {
                        if ca.ty.value.is_none() {
                            return Err(CtlError::Value(format!(
                                "cannot specify key to get for non-map column {}",
                                ca.column
                            )));
                        }
                        match d.as_map().and_then(|m| m.get(k)) {
                            Some(v) => {
                                out.text.push_str(&atom_to_string(v));
                                out.text.push('\n');
                            }
                            None if if_exists => out.text.push('\n'),
                            None => {
                                return Err(CtlError::NotFound(format!(
                                    "no key \"{}\" in {table} record \"{}\" column {}",
                                    ca.key_text.as_deref().unwrap_or_default(),
                                    a[1],
                                    ca.column
                                )));
                            }
                        }
                    }
                    None => {
                        out.text.push_str(&datum_to_string(&ca.ty, &d));
                        out.text.push('\n');
                    }
                }
            }
        }
        "list" => {
            let table = get_table(ctx, &a[0])?;
            let cols = list_columns(ctx, &table, cmd)?;
            let mut t = OutTable {
                headings: cols.clone(),
                rows: Vec::new(),
            };
            if a.len() == 1 {
                ctx.db.load_all(&table).await?;
                for u in ctx.db.uuids(&table) {
                    t.rows.push(out_row(ctx, &table, u, &cols));
                }
            } else {
                for r in &a[1..] {
                    if let Some(u) = get_row(ctx, &table, r, !cmd.has("if-exists")).await? {
                        t.rows.push(out_row(ctx, &table, u, &cols));
                    }
                }
            }
            out.table = Some(t);
        }
        "find" => {
            let table = get_table(ctx, &a[0])?;
            let cols = list_columns(ctx, &table, cmd)?;
            // As db-ctl-base, a condition is parsed when a row reaches it: a malformed one
            // fails only once a row passed the conditions before it (none on an empty table).
            // Its column is checked first, for every condition.
            let conds: Vec<_> = a[1..].iter().map(|c| parse_condition(ctx, &table, c)).collect();
            check_columns(ctx, &table, &a[1..])?;
            ctx.db.load_all(&table).await?;
            let mut t = OutTable {
                headings: cols.clone(),
                rows: Vec::new(),
            };
            let mut failed = None;
            'rows: for u in ctx.db.uuids(&table) {
                for (i, c) in conds.iter().enumerate() {
                    match c {
                        Err(_) => {
                            failed = Some(i);
                            break 'rows;
                        }
                        Ok(c) if !c.holds(&ctx.db.value(&table, u, &c.column)) => continue 'rows,
                        Ok(_) => {}
                    }
                }
                t.rows.push(out_row(ctx, &table, u, &cols));
            }
            if let Some(Err(e)) = failed.and_then(|i| conds.into_iter().nth(i)) {
                return Err(e);
            }
            out.table = Some(t);
        }
        "set" => {
            let table = get_table(ctx, &a[0])?;
            check_columns(ctx, &table, &a[2..])?;
            let Some(uuid) = get_row(ctx, &table, &a[1], !cmd.has("if-exists")).await? else {
                return Ok(out);
            };
            for arg in &a[2..] {
                set_column(ctx, &table, uuid, arg)?;
            }
        }
        "add" | "remove" => {
            let table = get_table(ctx, &a[0])?;
            get_column(table_schema(ctx.db.schema, &table)?, &table, &a[2])?;
            let Some(uuid) = get_row(ctx, &table, &a[1], !cmd.has("if-exists")).await? else {
                return Ok(out);
            };
            let ts = table_schema(ctx.db.schema, &table)?;
            let column = get_column(ts, &table, &a[2])?;
            check_mutable(ts, &table, &column)?;
            let ty = column_type(ts, &column).unwrap_or_else(|| {
                ColumnType::scalar(ovsdb_proto::BaseType::new(ovsdb_proto::AtomicType::String))
            });
            // At least one element per argument, any number of them (db-ctl-base).
            let mut relaxed = ty.clone();
            relaxed.min = 1;
            relaxed.max = Max::Unlimited;
            let add = cmd.name == "add";
            // The last command's `add` to an existing row is a partial update, sent unchecked
            // (the server judges its size); another is checked with all its values first.
            let partial = ctx.last && !ctx.db.is_new(&table, uuid);
            if add && !partial {
                let mut all = ctx.db.value(&table, uuid, &column);
                for v in &a[3..] {
                    match (&mut all, datum_from_string(&relaxed, v, &mut ctx.syms)?) {
                        (Datum::Set(s), Datum::Set(x)) => s.extend(x),
                        (Datum::Map(m), Datum::Map(x)) => {
                            for (k, v) in x {
                                m.entry(k).or_insert(v);
                            }
                        }
                        _ => {}
                    }
                }
                if let Some(max) = ty.max.limit().filter(|m| all.len() as u64 > *m) {
                    let what = if ty.value.is_some() { "pairs" } else { "values" };
                    return Err(CtlError::Value(format!(
                        "\"add\" operation would put {} {what} in column {column} of table {table} but the maximum number is {max}",
                        all.len()
                    )));
                }
            }
            for v in &a[3..] {
                if add {
                    let d = datum_from_string(&relaxed, v, &mut ctx.syms)?;
                    let cur = ctx.db.value(&table, uuid, &column);
                    let mut merged = cur.clone();
                    match (&mut merged, &d) {
                        (Datum::Set(s), Datum::Set(x)) => s.extend(x.iter().cloned()),
                        (Datum::Map(m), Datum::Map(x)) => {
                            for (k, v) in x {
                                m.insert(k.clone(), v.clone());
                            }
                        }
                        _ => {}
                    }
                    if ctx.db.is_new(&table, uuid) || (ty.max.limit() == Some(1) && !partial) {
                        ctx.db.update(&table, uuid, &column, merged);
                    } else {
                        if let Datum::Map(m) = &d {
                            // A key already present takes the new value.
                            let keys: BTreeSet<Atom> = m.keys().cloned().collect();
                            let cur_keys = ctx.db.value(&table, uuid, &column);
                            if cur_keys
                                .as_map()
                                .is_some_and(|c| keys.iter().any(|k| c.contains_key(k)))
                            {
                                ctx.db.mutate_delete(&table, uuid, &column, Datum::Set(keys));
                            }
                        }
                        ctx.db.mutate_insert(&table, uuid, &column, d);
                    }
                } else {
                    // A map accepts keys alone or key=value pairs (the error is the one
                    // of the keys alone, as db-ctl-base's).
                    let d = match &ty.value {
                        Some(_) => match datum_from_string(&relaxed, v, &mut ctx.syms) {
                            Ok(d) => d,
                            Err(_) => {
                                let keys = ColumnType {
                                    key: ty.key.clone(),
                                    value: None,
                                    min: 1,
                                    max: Max::Unlimited,
                                };
                                datum_from_string(&keys, v, &mut ctx.syms)?
                            }
                        },
                        None => datum_from_string(&relaxed, v, &mut ctx.syms)?,
                    };
                    let cur = ctx.db.value(&table, uuid, &column);
                    let mut left = cur.clone();
                    match (&mut left, &d) {
                        (Datum::Set(s), Datum::Set(x)) => s.retain(|a| !x.contains(a)),
                        (Datum::Map(m), Datum::Set(x)) => m.retain(|k, _| !x.contains(k)),
                        (Datum::Map(m), Datum::Map(x)) => m.retain(|k, v| x.get(k) != Some(v)),
                        _ => {}
                    }
                    if (left.len() as u64) < ty.min {
                        return Err(CtlError::Value(format!(
                            "\"remove\" operation would put {} values in column {column} of table {table} but the minimum number is {}",
                            left.len(),
                            ty.min
                        )));
                    }
                    if ctx.db.is_new(&table, uuid) || ty.max.limit() == Some(1) {
                        ctx.db.update(&table, uuid, &column, left);
                    } else {
                        ctx.db.mutate_delete(&table, uuid, &column, d);
                    }
                }
            }
        }
        "clear" => {
            let table = get_table(ctx, &a[0])?;
            for c in &a[2..] {
                get_column(table_schema(ctx.db.schema, &table)?, &table, c)?;
            }
            let Some(uuid) = get_row(ctx, &table, &a[1], !cmd.has("if-exists")).await? else {
                return Ok(out);
            };
            let ts = table_schema(ctx.db.schema, &table)?;
            for c in &a[2..] {
                let column = get_column(ts, &table, c)?;
                check_mutable(ts, &table, &column)?;
                let ty = column_type(ts, &column).unwrap_or_else(|| {
                    ColumnType::scalar(ovsdb_proto::BaseType::new(ovsdb_proto::AtomicType::String))
                });
                if ty.min > 0 {
                    return Err(CtlError::Value(format!(
                        "\"clear\" operation cannot be applied to column {column} of table {table}, which is not allowed to be empty"
                    )));
                }
                ctx.db.update(&table, uuid, &column, empty_datum(&ty));
            }
        }
        "create" => {
            let table = get_table(ctx, &a[0])?;
            let is_root = ctx.db.schema.table(&table).is_none_or(|t| t.is_root);
            let uuid = match cmd.opt("id") {
                Some(id) if id.len() == 36 && Uuid::parse_str(id).is_ok() => {
                    let u = Uuid::parse_str(id).unwrap_or_default();
                    ctx.db.insert(&table, Row::new(), Some(u))
                }
                Some(id) => {
                    let u = create_symbol(ctx, id)?;
                    if is_root && let Some(s) = ctx.syms.map.get_mut(id) {
                        // A row of a root table stays without references.
                        s.strong_ref = true;
                    }
                    ctx.db.insert(&table, Row::new(), Some(u));
                    u
                }
                None => ctx.db.insert(&table, Row::new(), None),
            };
            for arg in &a[1..] {
                set_column(ctx, &table, uuid, arg)?;
            }
            out.text = format!("{uuid}\n");
        }
        "destroy" => {
            let table = get_table(ctx, &a[0])?;
            if cmd.has("all") {
                if a.len() > 1 {
                    return Err(CtlError::Usage(
                        "--all and records argument should not be specified together".into(),
                    ));
                }
                if cmd.has("if-exists") {
                    return Err(CtlError::Usage(
                        "--all and --if-exists should not be specified together".into(),
                    ));
                }
                ctx.db.load_all(&table).await?;
                for u in ctx.db.uuids(&table) {
                    destroy_row(ctx, &table, u).await?;
                }
            } else {
                if a.len() == 1 {
                    // A warning, not an error, in the reference tools.
                    out.log
                        .push("db_ctl_base|WARN|either --all or records argument should be specified".into());
                }
                for r in &a[1..] {
                    if let Some(u) = get_row(ctx, &table, r, !cmd.has("if-exists")).await? {
                        destroy_row(ctx, &table, u).await?;
                    }
                }
            }
        }
        "wait-until" => {
            let table = get_table(ctx, &a[0])?;
            let mut conds = Vec::new();
            for c in &a[2..] {
                conds.push(parse_condition(ctx, &table, c)?);
            }
            loop {
                if let Some(u) = get_row(ctx, &table, &a[1], false).await? {
                    if conds.iter().all(|c| c.holds(&ctx.db.value(&table, u, &c.column))) {
                        break;
                    }
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
                ctx.db.forget(&table);
            }
        }
        _ => return Err(CtlError::Usage(format!("unknown command '{}'", cmd.name))),
    }
    Ok(out)
}

/// Deletes a row, except a row of a non-root table that is still strongly referenced: the
/// reference tools leave such a row in place and succeed.
async fn destroy_row(ctx: &mut Ctx, table: &str, uuid: Uuid) -> Result<(), CtlError> {
    let is_root = ctx.db.schema.table(table).is_none_or(|t| t.is_root);
    if !is_root && referenced(ctx, table, uuid).await? {
        return Ok(());
    }
    ctx.db.delete(table, uuid);
    Ok(())
}

/// Whether any row refers strongly to `uuid` of `table` (one `select` per referring column).
async fn referenced(ctx: &mut Ctx, table: &str, uuid: Uuid) -> Result<bool, CtlError> {
    let schema = ctx.db.schema;
    for (tname, ts) in schema.tables() {
        for (cname, cs) in &ts.columns {
            let key_ref = cs.type_.key.ref_table() == Some(table) && cs.type_.key.is_strong_ref();
            let value_ref = cs
                .type_
                .value
                .as_ref()
                .is_some_and(|v| v.ref_table() == Some(table) && v.is_strong_ref());
            if !key_ref && !value_ref {
                continue;
            }
            if key_ref && !value_ref && cs.type_.value.is_none() {
                ctx.db
                    .select(
                        tname,
                        serde_json::json!([[cname, "includes", ["uuid", uuid.to_string()]]]),
                    )
                    .await?;
            } else {
                ctx.db.load_all(tname).await?;
            }
            for r in ctx.db.uuids(tname) {
                let d = ctx.db.value(tname, r, cname);
                let hit = match &d {
                    Datum::Set(s) => s.contains(&Atom::Uuid(uuid)),
                    Datum::Map(m) => {
                        (key_ref && m.contains_key(&Atom::Uuid(uuid)))
                            || (value_ref && m.values().any(|v| *v == Atom::Uuid(uuid)))
                    }
                };
                if hit {
                    return Ok(true);
                }
            }
        }
    }
    Ok(false)
}

/// The warnings db-ctl-base logs (vlog lines `MODULE|LEVEL|TEXT`) while it prepares the
/// commands, before it connects (so whatever happens next): a `create` without `--id` in a
/// non-root table makes a row that nothing can refer to.
pub(crate) fn pre_warnings(tool: Tool, cmds: &[Command]) -> Vec<String> {
    // Nothing is prepared when a command line does not parse.
    let parses = cmds
        .iter()
        .all(|c| crate::cmd::find(tool, &c.name).is_some_and(|s| s.check(c).is_ok()));
    if !parses {
        return Vec::new();
    }
    let schema = tool.schema();
    let mut w = Vec::new();
    for c in cmds.iter().filter(|c| c.name == "create" && !c.has("id")) {
        let Some(arg) = c.args.first() else { continue };
        if let [table] = best(schema.table_names(), arg).as_slice()
            && schema.table(table).is_some_and(|t| !t.is_root)
        {
            w.push(format!(
                "db_ctl_base|WARN|applying \"create\" command to table {table} without --id option will have no effect"
            ));
        }
    }
    w
}

/// ovsdb's `create_symbol`: marks `@name` created (it must begin with `@` and not have been
/// created before) and returns its uuid.
fn create_symbol(ctx: &mut Ctx, id: &str) -> Result<Uuid, CtlError> {
    if !id.starts_with('@') {
        return Err(CtlError::Value(format!(
            "row id \"{id}\" does not begin with \"@\""
        )));
    }
    let u = ctx.syms.reference(id);
    let s = ctx.syms.map.get_mut(id).expect("just referenced");
    if s.created {
        return Err(CtlError::Value(format!(
            "row id \"{id}\" may only be specified on one --id option"
        )));
    }
    s.created = true;
    Ok(u)
}

/// Defines `@name` as the existing row `uuid` (`get --id=@name`): the name must be new.
pub(crate) fn define_symbol(ctx: &mut Ctx, id: &str, uuid: Uuid, _strong: bool) -> Result<(), CtlError> {
    let new = !ctx.syms.map.contains_key(id);
    create_symbol(ctx, id)?;
    if !new {
        return Err(CtlError::Value(format!(
            "row id \"{id}\" specified on \"get\" command was used before it was defined"
        )));
    }
    if let Some(s) = ctx.syms.map.get_mut(id) {
        s.uuid = uuid;
        // The row exists already: no reference is needed to keep it.
        s.strong_ref = true;
    }
    Ok(())
}

/// The warnings ovsdb's tools log (vlog lines `MODULE|LEVEL|TEXT`: ovs-vsctl's module
/// `vsctl`, ovn-dbctl's `ovn_dbctl`) after running the commands, for each row created under an
/// `@name` that nothing refers to (strongly): it will not appear in the database.
pub(crate) fn symbol_warnings(ctx: &Ctx) -> Vec<String> {
    let module = if ctx.tool == Tool::Vsctl {
        "vsctl"
    } else {
        "ovn_dbctl"
    };
    let mut w = Vec::new();
    for (name, s) in &ctx.syms.map {
        if s.created && !s.strong_ref {
            w.push(if s.weak_ref {
                format!(
                    "{module}|WARN|row id \"{name}\" was created but only a weak reference to it was inserted, so it will not actually appear in the database"
                )
            } else {
                format!(
                    "{module}|WARN|row id \"{name}\" was created but no reference to it was inserted, so it will not actually appear in the database"
                )
            });
        }
    }
    w
}
