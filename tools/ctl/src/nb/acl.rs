//! The ACL commands of ovn-nbctl(8), on logical switches and port groups.

use ovsdb_proto::{Atom, Datum, Row, Uuid};

use super::common::*;
use crate::cmd::{Mode, Section, run_fn};
use crate::error::CtlError;
use crate::{CmdOut, Command, Ctx};

/// ACL commands (ovn-nbctl(8)).
pub(crate) const ACL: Section = Section {
    title: "ACL commands",
    commands: &[
        syntax(
            "acl-add",
            5,
            6,
            "{SWITCH | PORTGROUP} DIRECTION PRIORITY MATCH ACTION",
            &[
                "--log",
                "--may-exist",
                "--type=",
                "--name=",
                "--severity=",
                "--meter=",
                "--label=",
                "--apply-after-lb",
            ],
            Mode::ReadWrite,
            "add an ACL to SWITCH or PORTGROUP",
            run_fn!(acl_add),
        ),
        syntax(
            "acl-del",
            1,
            4,
            "{SWITCH | PORTGROUP} [DIRECTION [PRIORITY MATCH]]",
            &["--type="],
            Mode::ReadWrite,
            "remove ACLs from SWITCH or PORTGROUP",
            run_fn!(acl_del),
        ),
        syntax(
            "acl-list",
            1,
            1,
            "{SWITCH | PORTGROUP}",
            &["--type="],
            Mode::ReadOnly,
            "print the ACLs of SWITCH or PORTGROUP",
            run_fn!(acl_list),
        ),
    ],
};

const ACTIONS: &[&str] = &["allow", "allow-related", "allow-stateless", "drop", "reject"];
const SEVERITIES: &[&str] = &["alert", "warning", "notice", "info", "debug"];

/// The switch or port group an ACL command names, as ovn-nbctl picks it (`--type`, else the
/// name must not be both): its table and row.
async fn owner(ctx: &mut Ctx, cmd: &Command) -> Result<(&'static str, Uuid), CtlError> {
    let id = &cmd.args[0];
    match cmd.opt("type") {
        None => {
            let pg = lookup(ctx, "Port_Group", "port group", id, false).await?;
            let ls = find(ctx, "Logical_Switch", "switch", id, false).await?;
            match (pg, ls) {
                (Some(_), Some(_)) => Err(CtlError::Value(format!(
                    "Same name '{id}' exists in both port-groups and logical switches. Specify --type=port-group or switch, or use a UUID."
                ))),
                (Some(pg), None) => Ok(("Port_Group", pg)),
                (None, Some(ls)) => Ok(("Logical_Switch", ls)),
                (None, None) => Err(CtlError::NotFound(format!(
                    "'{id}' is not found for port-group or switch."
                ))),
            }
        }
        Some("port-group") => Ok((
            "Port_Group",
            lookup(ctx, "Port_Group", "port group", id, true)
                .await?
                .ok_or_else(|| CtlError::NotFound(id.clone()))?,
        )),
        Some("switch") => Ok(("Logical_Switch", ls(ctx, id).await?)),
        Some(other) => Err(CtlError::Value(format!(
            "Invalid value '{other}' for option --type"
        ))),
    }
}

/// Whether an ACL has `options:apply-after-lb` true.
fn after_lb(ctx: &Ctx, u: Uuid) -> bool {
    ctx.db
        .value("ACL", u, "options")
        .as_map()
        .and_then(|m| m.get(&Atom::string("apply-after-lb")))
        .and_then(Atom::as_str)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// ovn-nbctl's ACL order (and identity for `--may-exist`): direction (from-lport first),
/// apply-after-lb ones last, priority descending, match.
fn acl_key(ctx: &Ctx, u: Uuid) -> (String, bool, i64, String) {
    (
        str_of(ctx, "ACL", u, "direction"),
        after_lb(ctx, u),
        -int_of(ctx, "ACL", u, "priority"),
        str_of(ctx, "ACL", u, "match"),
    )
}

/// `acl-add`.
async fn acl_add(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let (owner_t, owner) = owner(ctx, cmd).await?;
    let direction = parse_direction(&a[1])?;
    let priority = parse_priority(&a[2])?;
    let action = a[4].as_str();
    if !ACTIONS.contains(&action) {
        return Err(CtlError::Value(format!(
            "{action}: action must be one of \"allow\", \"allow-related\", \"allow-stateless\", \"drop\", and \"reject\""
        )));
    }
    let mut row = Row::new()
        .with("direction", s(direction))
        .with("priority", Datum::scalar(priority))
        .with("match", s(&a[3]))
        .with("action", s(action));
    let (severity, name, meter) = (cmd.opt("severity"), cmd.opt("name"), cmd.opt("meter"));
    if cmd.has("log") || severity.is_some() || name.is_some() || meter.is_some() {
        row.insert("log", Datum::scalar(true));
    }
    if let Some(sev) = severity {
        if !SEVERITIES.contains(&sev) {
            return Err(CtlError::Value(format!("bad severity: {sev}")));
        }
        row.insert("severity", s(sev));
    }
    if let Some(n) = name {
        row.insert("name", s(n));
    }
    if let Some(m) = meter {
        row.insert("meter", s(m));
    }
    if let Some(label) = cmd.opt("label") {
        if action != "allow" && action != "allow-related" {
            return Err(CtlError::Value(
                "label can only be set with actions \"allow\" or \"allow-related\"".into(),
            ));
        }
        let v = scan_int(label)
            .filter(|v| (0..=i64::from(u32::MAX)).contains(v))
            .ok_or_else(|| CtlError::Value(format!("{label}: label must in range 0...4294967295")))?;
        row.insert("label", Datum::scalar(v));
    }
    let after = direction == "from-lport" && cmd.has("apply-after-lb");
    if after {
        row.insert(
            "options",
            Datum::map([(Atom::string("apply-after-lb"), Atom::string("true"))]),
        );
    }
    let acls = visible_members(ctx, owner_t, owner, "acls", "ACL").await?;
    let key = (direction.to_owned(), after, -priority, a[3].clone());
    // As in ovn-nbctl, whose IDL shows the set edits only after the commit, the ACLs this
    // invocation added are not compared (those it removed are).
    if acls.iter().any(|u| acl_key(ctx, *u) == key) {
        if cmd.has("may-exist") {
            return Ok(CmdOut::default());
        }
        return Err(CtlError::Conflict(format!(
            "Same ACL already existed on the ls {}.",
            a[0]
        )));
    }
    let u = ctx.db.insert("ACL", row, None);
    ctx.db.mutate_insert(owner_t, owner, "acls", Datum::scalar(u));
    Ok(CmdOut::default())
}

/// `acl-del`.
async fn acl_del(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let (owner_t, owner) = owner(ctx, cmd).await?;
    let del: Vec<Uuid> = if a.len() == 1 {
        // A whole-column write, which the IDL shows at once.
        ctx.db.update(owner_t, owner, "acls", Datum::empty_set());
        return Ok(CmdOut::default());
    } else {
        let direction = parse_direction(&a[1])?;
        let acls = visible_members(ctx, owner_t, owner, "acls", "ACL").await?;
        if a.len() == 2 {
            acls.into_iter()
                .filter(|u| str_of(ctx, "ACL", *u, "direction") == direction)
                .collect()
        } else {
            let priority = parse_priority(&a[2])?;
            if a.len() == 3 {
                return Err(CtlError::Usage("cannot specify priority without match".into()));
            }
            acls.into_iter()
                .find(|u| {
                    int_of(ctx, "ACL", *u, "priority") == priority
                        && str_of(ctx, "ACL", *u, "match") == a[3]
                        && str_of(ctx, "ACL", *u, "direction") == direction
                })
                .into_iter()
                .collect()
        }
    };
    if !del.is_empty() {
        ctx.db
            .mutate_delete(owner_t, owner, "acls", Datum::set(del.iter().copied()));
    }
    Ok(CmdOut::default())
}

/// `acl-list`: one line per ACL in ovn-nbctl's order and format.
async fn acl_list(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let (owner_t, owner) = owner(ctx, cmd).await?;
    let acls = visible_members(ctx, owner_t, owner, "acls", "ACL").await?;
    let mut rows: Vec<_> = acls.iter().map(|u| (acl_key(ctx, *u), *u)).collect();
    rows.sort();
    let mut out = CmdOut::default();
    for ((dir, _, negp, m), u) in rows {
        out.text.push_str(&format!(
            "{dir:>10} {:>5} ({m}) {}",
            -negp,
            str_of(ctx, "ACL", u, "action")
        ));
        if ctx.db.value("ACL", u, "log").as_scalar().and_then(Atom::as_bool) == Some(true) {
            let mut parts = Vec::new();
            for col in ["name", "severity", "meter"] {
                if let Some(v) = ctx.db.value("ACL", u, col).as_scalar() {
                    let v = crate::value::atom_to_bare(v);
                    parts.push(if col == "meter" {
                        format!("{col}=\"{v}\"")
                    } else {
                        format!("{col}={v}")
                    });
                }
            }
            out.text.push_str(&format!(" log({})", parts.join(",")));
        }
        let label = int_of(ctx, "ACL", u, "label");
        if label != 0 {
            out.text.push_str(&format!(" label={label}"));
        }
        if after_lb(ctx, u) {
            out.text.push_str(" [after-lb]");
        }
        out.text.push('\n');
    }
    Ok(out)
}
