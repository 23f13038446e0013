//! The generic `show` of ovs-vsctl and ovn-sbctl: a tree from the root table through the
//! reference columns, each row headed by its name, with the non-default columns listed.

use std::future::Future;
use std::pin::Pin;

use ovsdb_proto::{Atom, Uuid};

use crate::Ctx;
use crate::db::column_type;
use crate::error::CtlError;
use crate::value::{datum_to_string, elements};

/// How one table appears in `show`.
pub(crate) struct ShowTable {
    pub(crate) table: &'static str,
    /// Column whose value heads the row (the uuid when `None`).
    pub(crate) name_column: Option<&'static str>,
    /// Columns listed under the row, in order; references to shown tables nest.
    pub(crate) columns: &'static [&'static str],
    /// Rows of another table referring to this row: (table, name column, referring column).
    pub(crate) referrers: Option<(&'static str, &'static str, &'static str)>,
}

/// ovs-vsctl's tree.
pub(crate) const VSCTL: &[ShowTable] = &[
    ShowTable {
        table: "Open_vSwitch",
        name_column: None,
        columns: &["manager_options", "bridges", "ovs_version"],
        referrers: None,
    },
    ShowTable {
        table: "Bridge",
        name_column: Some("name"),
        columns: &["controller", "fail_mode", "datapath_type", "ports"],
        referrers: None,
    },
    ShowTable {
        table: "Port",
        name_column: Some("name"),
        columns: &["tag", "trunks", "interfaces"],
        referrers: None,
    },
    ShowTable {
        table: "Interface",
        name_column: Some("name"),
        columns: &["type", "options", "error", "bfd_status"],
        referrers: None,
    },
    ShowTable {
        table: "Controller",
        name_column: Some("target"),
        columns: &["is_connected"],
        referrers: None,
    },
    ShowTable {
        table: "Manager",
        name_column: Some("target"),
        columns: &["is_connected"],
        referrers: None,
    },
];

/// ovn-sbctl's tree.
pub(crate) const SBCTL: &[ShowTable] = &[
    ShowTable {
        table: "Chassis",
        name_column: Some("name"),
        columns: &["hostname", "encaps"],
        referrers: Some(("Port_Binding", "logical_port", "chassis")),
    },
    ShowTable {
        table: "Encap",
        name_column: Some("type"),
        columns: &["ip", "options"],
        referrers: None,
    },
];

fn spec(specs: &'static [ShowTable], table: &str) -> Option<&'static ShowTable> {
    specs.iter().find(|s| s.table == table)
}

/// Renders the whole tree.
pub(crate) async fn show(ctx: &mut Ctx, specs: &'static [ShowTable]) -> Result<String, CtlError> {
    for s in specs {
        ctx.db.load_all(s.table).await?;
        if let Some((t, _, _)) = s.referrers {
            ctx.db.load_all(t).await?;
        }
    }
    let mut out = String::new();
    let Some(root) = specs.first() else { return Ok(out) };
    for u in ctx.db.uuids(root.table) {
        show_row(ctx, specs, root, u, 0, &mut out, &mut Vec::new()).await?;
    }
    Ok(out)
}

fn show_row<'a>(
    ctx: &'a mut Ctx,
    specs: &'static [ShowTable],
    s: &'static ShowTable,
    uuid: Uuid,
    level: usize,
    out: &'a mut String,
    path: &'a mut Vec<Uuid>,
) -> Pin<Box<dyn Future<Output = Result<(), CtlError>> + 'a>> {
    Box::pin(async move {
        let pad = "    ".repeat(level);
        let ts = crate::db::table_schema(ctx.db.schema, s.table)?;
        match s.name_column {
            Some(c) => {
                let ty = column_type(ts, c).unwrap_or_else(|| {
                    ovsdb_proto::ColumnType::scalar(ovsdb_proto::BaseType::new(
                        ovsdb_proto::AtomicType::String,
                    ))
                });
                out.push_str(&format!(
                    "{pad}{} {}\n",
                    s.table,
                    datum_to_string(&ty, &ctx.db.value(s.table, uuid, c))
                ));
            }
            None => out.push_str(&format!("{pad}{uuid}\n")),
        }
        if path.contains(&uuid) {
            return Ok(());
        }
        path.push(uuid);
        let pad1 = "    ".repeat(level + 1);
        for col in s.columns {
            let Some(cs) = ts.column(col) else { continue };
            let d = ctx.db.value(s.table, uuid, col);
            let target = cs.type_.key.ref_table().and_then(|t| spec(specs, t));
            if let Some(t) = target {
                for a in elements(&d) {
                    if let Some(r) = a.as_uuid() {
                        if ctx.db.get(t.table, r).is_none() {
                            ctx.db.select_uuid(t.table, r).await?;
                        }
                        if ctx.db.get(t.table, r).is_some() {
                            show_row(ctx, specs, t, r, level + 1, out, path).await?;
                        }
                    }
                }
            } else if d != cs.type_.default_datum() {
                out.push_str(&format!("{pad1}{col}: {}\n", datum_to_string(&cs.type_, &d)));
            }
        }
        if let Some((rt, name, refcol)) = s.referrers {
            let rts = crate::db::table_schema(ctx.db.schema, rt)?;
            for r in ctx.db.uuids(rt) {
                if elements(&ctx.db.value(rt, r, refcol)).contains(&Atom::Uuid(uuid)) {
                    let ty = column_type(rts, name).unwrap_or_else(|| {
                        ovsdb_proto::ColumnType::scalar(ovsdb_proto::BaseType::new(
                            ovsdb_proto::AtomicType::String,
                        ))
                    });
                    out.push_str(&format!(
                        "{pad1}{rt} {}\n",
                        datum_to_string(&ty, &ctx.db.value(rt, r, name))
                    ));
                }
            }
        }
        path.pop();
        Ok(())
    })
}
