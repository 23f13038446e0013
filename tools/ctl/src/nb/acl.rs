//! The ACL commands of ovn-nbctl(8), on logical switches and port groups.

use ovsdb_proto::{Atom, Datum, Row, Uuid};

use super::common::*;
use crate::cmd::{self, Section, run_fn};
use crate::error::CtlError;
use crate::{CmdOut, Command, Ctx, check_arity};

/// ACL commands (ovn-nbctl(8)).
pub(crate) const ACL: Section = Section {
    title: "ACL commands",
    commands: &[
        cmd::unchecked("acl-add", run_fn!(run)),
        cmd::unchecked("acl-del", run_fn!(run)),
        cmd::unchecked("acl-list", run_fn!(run)),
    ],
};

/// Runs `acl-add`, `acl-del`, `acl-list`.
pub(super) async fn run(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let mut out = CmdOut::default();
    acl(ctx, cmd, &mut out).await?;
    Ok(out)
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
