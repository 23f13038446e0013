//! `chassis-add` and `chassis-del` (ovn-sbctl(8) "Chassis Commands").

use ovsdb_proto::{Atom, Datum, Row};

use super::find_by;
use crate::cmd::{Mode, Section, Syntax, run_fn};
use crate::error::CtlError;
use crate::value::elements;
use crate::{CmdOut, Command, Ctx};

/// The chassis commands.
pub(crate) const CHASSIS: Section = Section {
    title: "Chassis commands",
    commands: &[
        Syntax {
            name: "chassis-add",
            min_args: 3,
            max_args: 3,
            arguments: "CHASSIS ENCAP-TYPE ENCAP-IP",
            options: &["--may-exist"],
            mode: Mode::ReadWrite,
            help: "add CHASSIS with an encap per ENCAP-TYPE (a,b,...)",
            run: run_fn!(chassis_add),
        },
        Syntax {
            name: "chassis-del",
            min_args: 1,
            max_args: 1,
            arguments: "CHASSIS",
            options: &["--if-exists"],
            mode: Mode::ReadWrite,
            help: "remove CHASSIS, its encaps and private row",
            run: run_fn!(chassis_del),
        },
    ],
};

/// `[--may-exist] chassis-add CHASSIS ENCAP-TYPE ENCAP-IP`: a `Chassis` named CHASSIS with one
/// `Encap` (options `csum=true`) per distinct non-empty type of the comma-separated list.
async fn chassis_add(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let (name, types, ip) = (&cmd.args[0], &cmd.args[1], &cmd.args[2]);
    if find_by(ctx, "Chassis", "name", name).await?.is_some() {
        if cmd.has("may-exist") {
            return Ok(CmdOut::default());
        }
        return Err(CtlError::Conflict(format!(
            "cannot create a chassis named {name} because a chassis named {name} already exists"
        )));
    }
    // A set of types: empty items are skipped, duplicates kept once.
    let types: std::collections::BTreeSet<&str> = types.split(',').filter(|t| !t.is_empty()).collect();
    let mut encaps = Vec::new();
    for t in types {
        let row = Row::new()
            .with("type", Datum::scalar(Atom::string(t)))
            .with("ip", Datum::scalar(Atom::string(ip.as_str())))
            .with(
                "options",
                Datum::map([(Atom::string("csum"), Atom::string("true"))]),
            )
            .with("chassis_name", Datum::scalar(Atom::string(name.as_str())));
        encaps.push(Atom::Uuid(ctx.db.insert("Encap", row, None)));
    }
    let row = Row::new()
        .with("name", Datum::scalar(Atom::string(name.as_str())))
        .with("encaps", Datum::set(encaps));
    ctx.db.insert("Chassis", row, None);
    Ok(CmdOut::default())
}

/// `[--if-exists] chassis-del CHASSIS`: deletes the chassis, its encaps and the
/// `Chassis_Private` row of the same name.
async fn chassis_del(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let name = &cmd.args[0];
    let Some(ch) = find_by(ctx, "Chassis", "name", name).await? else {
        if cmd.has("if-exists") {
            return Ok(CmdOut::default());
        }
        return Err(CtlError::NotFound(format!("no chassis named {name}")));
    };
    let encaps: Vec<_> = elements(&ctx.db.value("Chassis", ch, "encaps"))
        .iter()
        .filter_map(Atom::as_uuid)
        .collect();
    let reads = encaps
        .iter()
        .filter(|u| ctx.db.get("Encap", **u).is_none())
        .map(|u| {
            (
                "Encap".to_owned(),
                serde_json::json!([["_uuid", "==", ["uuid", u.to_string()]]]),
            )
        })
        .collect();
    ctx.db.select_batch(reads).await?;
    for e in encaps {
        ctx.db.delete("Encap", e);
    }
    if let Some(private) = find_by(ctx, "Chassis_Private", "name", name).await? {
        ctx.db.delete("Chassis_Private", private);
    }
    ctx.db.delete("Chassis", ch);
    Ok(CmdOut::default())
}
