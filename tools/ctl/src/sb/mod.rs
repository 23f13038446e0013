//! ovn-sbctl's own commands (ovn-sbctl(8), OVN 23.03), one module per command family:
//! [`general`] (`init`, `show`), [`chassis`], [`binding`] (port binding), [`lflow`] (logical
//! flows), [`mcast`] (IP multicast), [`conn`] (connections and SSL).
//!
//! Every invocation first makes sure the one `SB_Global` row exists, inserting it when the
//! table is empty, as ovn-sbctl does before running any command ([`pre_execute`]).

mod binding;
mod chassis;
mod general;
mod lflow;
mod mcast;

use ovsdb_proto::{Atom, Datum, Row, Uuid};
use serde_json::json;

use crate::cmd::Section;
use crate::db::eq_where;
use crate::error::CtlError;
use crate::{Command, Ctx};

/// The tool's command table, in `--help` order (see [`crate::cmd`]).
pub(crate) const SECTIONS: &[&Section] = &[
    &general::GENERAL,
    &chassis::CHASSIS,
    &binding::BINDING,
    &lflow::LFLOW,
    &mcast::MCAST,
    &crate::conn::CONNECTION,
    &crate::conn::SSL,
    &crate::generic::LEGACY,
];

/// The reads the invocation will need, sent in ONE `transact` before the commands run: the
/// `SB_Global` table, and the rows the chassis and port binding commands name (later lookups
/// of the same rows are answered from the local view). Then inserts `SB_Global` when the table
/// is empty (ovn-sbctl's `pre_execute`: any invocation that commits creates it).
pub(crate) async fn pre_execute(ctx: &mut Ctx, cmds: &[Command]) -> Result<(), CtlError> {
    let mut reads = vec![("SB_Global".to_owned(), json!([]))];
    let by = |table: &str, column: &str, name: &str| {
        (
            table.to_owned(),
            eq_where(column, &Datum::scalar(Atom::string(name))),
        )
    };
    for c in cmds {
        let a = &c.args;
        match (c.name.as_str(), a.as_slice()) {
            ("chassis-add", [name, ..]) => reads.push(by("Chassis", "name", name)),
            ("chassis-del", [name]) => {
                reads.push(by("Chassis", "name", name));
                reads.push(by("Chassis_Private", "name", name));
            }
            ("lsp-bind", [port, chassis]) => {
                reads.push(by("Port_Binding", "logical_port", port));
                reads.push(by("Chassis", "name", chassis));
            }
            ("lsp-unbind", [port]) => reads.push(by("Port_Binding", "logical_port", port)),
            _ => {}
        }
    }
    ctx.db.select_batch(reads).await?;
    ctx.db.load_all("SB_Global").await?;
    if ctx.db.uuids("SB_Global").is_empty() {
        ctx.db.insert("SB_Global", Row::new(), None);
    }
    Ok(())
}

/// The `SB_Global` row ([`pre_execute`] made sure there is one).
pub(crate) fn sb_global(ctx: &Ctx) -> Result<Uuid, CtlError> {
    ctx.db
        .uuids("SB_Global")
        .first()
        .copied()
        .ok_or_else(|| CtlError::NotFound("database has no SB_Global row".into()))
}

/// The row of `table` whose string `column` is exactly `name` (ovn-sbctl looks chassis up by
/// `name` and port bindings by `logical_port`, never by UUID), read with one `select` unless
/// already read.
async fn find_by(ctx: &mut Ctx, table: &str, column: &str, name: &str) -> Result<Option<Uuid>, CtlError> {
    let d = Datum::scalar(Atom::string(name));
    ctx.db.select_eq(table, column, &d).await?;
    Ok(ctx
        .db
        .uuids(table)
        .into_iter()
        .find(|u| ctx.db.value(table, *u, column) == d))
}

/// The string value of a scalar string column (empty when unset).
fn string_of(row: &Row, column: &str) -> String {
    row.get(column)
        .and_then(Datum::as_scalar)
        .and_then(Atom::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The value of `key` in a string-to-string map column.
fn map_get<'a>(row: &'a Row, column: &str, key: &str) -> Option<&'a str> {
    row.get(column)?
        .as_map()?
        .get(&Atom::string(key))
        .and_then(Atom::as_str)
}

/// The uuid of a scalar reference column.
fn uuid_of(row: &Row, column: &str) -> Option<Uuid> {
    row.get(column)?.as_scalar()?.as_uuid()
}

/// Whether `s` is the beginning of a UUID in the 8-4-4-4-12 form (hex digits of either case
/// and dashes where they belong), and how long: OVS's `uuid_is_partial_string`.
fn partial_uuid_len(s: &str) -> usize {
    const TEMPLATE: &[u8] = b"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
    if s.len() > TEMPLATE.len() {
        return 0;
    }
    for (c, t) in s.bytes().zip(TEMPLATE) {
        let ok = if *t == b'x' {
            c.is_ascii_hexdigit()
        } else {
            c == b'-'
        };
        if !ok {
            return 0;
        }
    }
    s.len()
}

/// Finds a `Datapath_Binding` among `rows` (the whole table, with its `external_ids`) the way
/// db-ctl-base's `ctl_get_row` does for ovn-sbctl: by UUID, `.` for the only row, by
/// `external_ids:name`, `:name2`, `:logical-switch` or `:logical-router`, then by UUID prefix
/// (4 hex digits at least). `Ok(None)` when nothing matches; an error when several rows do.
fn resolve_datapath(rows: &[(Uuid, Row)], record: &str) -> Result<Option<Uuid>, CtlError> {
    if record.len() == 36 && partial_uuid_len(record) == 36 {
        if let Ok(u) = Uuid::parse_str(record) {
            if rows.iter().any(|(r, _)| *r == u) {
                return Ok(Some(u));
            }
        }
    }
    if record == "." && rows.len() == 1 {
        return Ok(Some(rows[0].0));
    }
    for key in ["name", "name2", "logical-switch", "logical-router"] {
        let mut hits = rows
            .iter()
            .filter(|(_, r)| map_get(r, "external_ids", key) == Some(record));
        if let Some((u, _)) = hits.next() {
            if hits.next().is_some() {
                return Err(CtlError::NotFound(format!(
                    "multiple rows in Datapath_Binding match \"{record}\""
                )));
            }
            return Ok(Some(*u));
        }
    }
    if partial_uuid_len(record) >= 4 {
        let mut hits: Vec<Uuid> = rows
            .iter()
            .map(|(u, _)| *u)
            .filter(|u| u.to_string().starts_with(record))
            .collect();
        hits.sort();
        return match hits.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(*one)),
            [a, b, ..] => Err(CtlError::NotFound(format!(
                "Datapath_Binding contains 2 or more rows whose UUIDs begin with {record}: at least {a} and {b}"
            ))),
        };
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use ovsdb_proto::{Atom, Datum, Row, Uuid};

    use super::{partial_uuid_len, resolve_datapath};

    #[test]
    fn partial_uuids_follow_the_template() {
        assert_eq!(partial_uuid_len("0123"), 4);
        assert_eq!(partial_uuid_len("0123abcd-A"), 10);
        assert_eq!(partial_uuid_len("0123abcdA"), 0);
        assert_eq!(partial_uuid_len("xyz"), 0);
        assert_eq!(partial_uuid_len(""), 0);
        assert_eq!(partial_uuid_len("01234567-89ab-cdef-0123-456789abcdef0"), 0);
    }

    #[test]
    fn datapaths_resolve_by_uuid_name_and_prefix() {
        let dp = |u: &str, name: &str| {
            let row = Row::new().with(
                "external_ids",
                Datum::map([(Atom::string("name"), Atom::string(name))]),
            );
            (Uuid::parse_str(u).unwrap(), row)
        };
        let rows = vec![
            dp("11111111-0000-0000-0000-000000000001", "sw0"),
            dp("11112222-0000-0000-0000-000000000002", "sw1"),
            dp("33333333-0000-0000-0000-000000000003", "sw1"),
        ];
        assert_eq!(resolve_datapath(&rows, "sw0").unwrap(), Some(rows[0].0));
        assert_eq!(resolve_datapath(&rows, "3333").unwrap(), Some(rows[2].0));
        assert_eq!(resolve_datapath(&rows, "nosuch").unwrap(), None);
        assert_eq!(resolve_datapath(&rows, ".").unwrap(), None);
        assert_eq!(
            resolve_datapath(&rows, "33333333-0000-0000-0000-000000000003").unwrap(),
            Some(rows[2].0)
        );
        let e = resolve_datapath(&rows, "sw1").unwrap_err().to_string();
        assert_eq!(e, "multiple rows in Datapath_Binding match \"sw1\"");
        let e = resolve_datapath(&rows, "1111").unwrap_err().to_string();
        assert!(
            e.starts_with(
                "Datapath_Binding contains 2 or more rows whose UUIDs begin with 1111: at least 11111111-"
            ),
            "{e}"
        );
    }
}
