//! The QoS, meter and mirror commands of ovn-nbctl(8).

use ovsdb_proto::{Atom, Datum, Row, Uuid};

use super::common::*;
use crate::cmd::{Mode, Section, run_fn};
use crate::error::CtlError;
use crate::value::{atom_to_bare, elements};
use crate::{CmdOut, Command, Ctx};

/// QoS commands (ovn-nbctl(8)).
pub(crate) const QOS: Section = Section {
    title: "QoS commands",
    commands: &[
        syntax(
            "qos-add",
            5,
            7,
            "SWITCH DIRECTION PRIORITY MATCH [rate=RATE [burst=BURST]] [dscp=DSCP]",
            &["--may-exist"],
            Mode::ReadWrite,
            "add a QoS rule to SWITCH",
            run_fn!(qos_add),
        ),
        syntax(
            "qos-del",
            1,
            4,
            "SWITCH [{DIRECTION | UUID} [PRIORITY MATCH]]",
            &[],
            Mode::ReadWrite,
            "remove QoS rules from SWITCH",
            run_fn!(qos_del),
        ),
        syntax(
            "qos-list",
            1,
            1,
            "SWITCH",
            &[],
            Mode::ReadOnly,
            "print the QoS rules of SWITCH",
            run_fn!(qos_list),
        ),
    ],
};

/// Mirror commands (ovn-nbctl(8)).
pub(crate) const MIRROR: Section = Section {
    title: "Mirror commands",
    commands: &[
        syntax(
            "mirror-add",
            5,
            5,
            "NAME TYPE INDEX FILTER IP",
            &["--may-exist"],
            Mode::ReadWrite,
            "add mirror NAME (TYPE gre or erspan, tunnel INDEX, FILTER to-lport or from-lport, sink IP)",
            run_fn!(mirror_add),
        ),
        syntax(
            "mirror-del",
            0,
            1,
            "[NAME]",
            &[],
            Mode::ReadWrite,
            "remove mirror NAME, or every mirror",
            run_fn!(mirror_del),
        ),
        syntax(
            "mirror-list",
            0,
            0,
            "",
            &[],
            Mode::ReadOnly,
            "print the mirrors",
            run_fn!(mirror_list),
        ),
    ],
};

/// Meter commands (ovn-nbctl(8)).
pub(crate) const METER: Section = Section {
    title: "Meter commands",
    commands: &[
        syntax(
            "meter-add",
            4,
            5,
            "NAME ACTION RATE UNIT [BURST]",
            &["--fair", "--may-exist"],
            Mode::ReadWrite,
            "add a meter",
            run_fn!(meter_add),
        ),
        syntax(
            "meter-del",
            0,
            1,
            "[NAME]",
            &[],
            Mode::ReadWrite,
            "remove meter NAME, or every meter",
            run_fn!(meter_del),
        ),
        syntax(
            "meter-list",
            0,
            0,
            "",
            &[],
            Mode::ReadOnly,
            "print the meters",
            run_fn!(meter_list),
        ),
    ],
};

/// ovn-nbctl's QoS order (and identity for `--may-exist`): direction (from-lport first),
/// priority descending, match.
fn qos_key(ctx: &Ctx, u: Uuid) -> (String, i64, String) {
    (
        str_of(ctx, "QoS", u, "direction"),
        -int_of(ctx, "QoS", u, "priority"),
        str_of(ctx, "QoS", u, "match"),
    )
}

/// An integer map column's value at `key`.
fn map_int(ctx: &Ctx, table: &str, u: Uuid, column: &str, key: &str) -> Option<i64> {
    ctx.db
        .value(table, u, column)
        .as_map()
        .and_then(|m| m.get(&Atom::string(key)))
        .and_then(Atom::as_integer)
}

/// `qos-add`.
async fn qos_add(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let direction = parse_direction(&a[1])?;
    let priority = parse_priority(&a[2])?;
    let ls = ls(ctx, &a[0]).await?;
    let (mut dscp, mut rate, mut burst) = (None, None, None);
    let range = |v: &str, lo: i64, hi: i64| scan_int(v).filter(|x| (lo..=hi).contains(x));
    let max = i64::from(u32::MAX);
    for arg in &a[4..] {
        if let Some(v) = arg.strip_prefix("dscp=") {
            dscp = Some(
                range(v, 0, 63)
                    .ok_or_else(|| CtlError::Value(format!("{v}: dscp must be in the range 0...63")))?,
            );
        } else if let Some(v) = arg.strip_prefix("rate=") {
            rate =
                Some(range(v, 1, max).ok_or_else(|| {
                    CtlError::Value(format!("{v}: rate must be in the range 1...4294967295"))
                })?);
        } else if let Some(v) = arg.strip_prefix("burst=") {
            burst =
                Some(range(v, 1, max).ok_or_else(|| {
                    CtlError::Value(format!("{v}: burst must be in the range 1...4294967295"))
                })?);
        } else {
            return Err(CtlError::Value(format!(
                "{arg}: supported arguments are \"dscp=\", \"rate=\", and \"burst=\""
            )));
        }
    }
    if dscp.is_none() && rate.is_none() {
        return Err(CtlError::Value(
            "Either \"rate\" and/or \"dscp\" must be specified".into(),
        ));
    }
    let mut row = Row::new()
        .with("priority", Datum::scalar(priority))
        .with("direction", s(direction))
        .with("match", s(&a[3]));
    if let Some(d) = dscp {
        row.insert("action", Datum::map([(Atom::string("dscp"), Atom::Integer(d))]));
    }
    if let Some(r) = rate {
        let mut bw = vec![(Atom::string("rate"), Atom::Integer(r))];
        if let Some(b) = burst {
            bw.push((Atom::string("burst"), Atom::Integer(b)));
        }
        row.insert("bandwidth", Datum::map(bw));
    }
    let rules = visible_members(ctx, "Logical_Switch", ls, "qos_rules", "QoS").await?;
    let key = (direction.to_owned(), -priority, a[3].clone());
    if rules.iter().any(|u| qos_key(ctx, *u) == key) {
        if cmd.has("may-exist") {
            return Ok(CmdOut::default());
        }
        return Err(CtlError::Conflict(format!(
            "Same qos already existed on the ls {}.",
            a[0]
        )));
    }
    let u = ctx.db.insert("QoS", row, None);
    ctx.db
        .mutate_insert("Logical_Switch", ls, "qos_rules", Datum::scalar(u));
    Ok(CmdOut::default())
}

/// `qos-del`.
async fn qos_del(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let ls = ls(ctx, &a[0]).await?;
    let all = visible_members(ctx, "Logical_Switch", ls, "qos_rules", "QoS").await?;
    let del: Vec<Uuid> = if a.len() == 1 {
        // A whole-column write, which the IDL shows at once.
        ctx.db
            .update("Logical_Switch", ls, "qos_rules", Datum::empty_set());
        return Ok(CmdOut::default());
    } else {
        let by_uuid = if is_uuid(&a[1]) {
            Uuid::parse_str(&a[1]).ok()
        } else {
            None
        };
        let direction = match by_uuid {
            Some(_) => None,
            None => Some(parse_direction(&a[1])?),
        };
        if a.len() == 2 {
            match (by_uuid, direction) {
                (Some(u), _) => {
                    if !all.contains(&u) {
                        return Err(CtlError::NotFound("uuid is not found".into()));
                    }
                    vec![u]
                }
                (None, Some(d)) => {
                    let rules = visible_members(ctx, "Logical_Switch", ls, "qos_rules", "QoS").await?;
                    rules
                        .into_iter()
                        .filter(|u| str_of(ctx, "QoS", *u, "direction") == d)
                        .collect()
                }
                (None, None) => Vec::new(),
            }
        } else {
            if by_uuid.is_some() {
                return Err(CtlError::Usage("uuid must be the only argument".into()));
            }
            let direction = direction.unwrap_or_default();
            let priority = parse_priority(&a[2])?;
            if a.len() == 3 {
                return Err(CtlError::Usage("cannot specify priority without match".into()));
            }
            let rules = visible_members(ctx, "Logical_Switch", ls, "qos_rules", "QoS").await?;
            rules
                .into_iter()
                .find(|u| {
                    int_of(ctx, "QoS", *u, "priority") == priority
                        && str_of(ctx, "QoS", *u, "match") == a[3]
                        && str_of(ctx, "QoS", *u, "direction") == direction
                })
                .into_iter()
                .collect()
        }
    };
    if !del.is_empty() {
        ctx.db
            .mutate_delete("Logical_Switch", ls, "qos_rules", Datum::set(del));
    }
    Ok(CmdOut::default())
}

/// `qos-list`.
async fn qos_list(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let ls = ls(ctx, &cmd.args[0]).await?;
    let rules = visible_members(ctx, "Logical_Switch", ls, "qos_rules", "QoS").await?;
    let mut rows: Vec<_> = rules.iter().map(|u| (qos_key(ctx, *u), *u)).collect();
    rows.sort();
    let mut out = CmdOut::default();
    for ((dir, negp, m), u) in rows {
        out.text.push_str(&format!("{dir:>10} {:>5} ({m})", -negp));
        for (col, key) in [("bandwidth", "rate"), ("bandwidth", "burst"), ("action", "dscp")] {
            if let Some(v) = map_int(ctx, "QoS", u, col, key) {
                out.text.push_str(&format!(" {key}={v}"));
            }
        }
        out.text.push('\n');
    }
    Ok(out)
}

/// Every row of `table`, sorted by name.
async fn all_by_name(ctx: &mut Ctx, table: &str) -> Result<Vec<Uuid>, CtlError> {
    ctx.db.load_all(table).await?;
    let mut v: Vec<(String, Uuid)> = ctx
        .db
        .uuids(table)
        .into_iter()
        .map(|u| (name_of(ctx, table, u), u))
        .collect();
    v.sort();
    Ok(v.into_iter().map(|(_, u)| u).collect())
}

/// `meter-add`.
async fn meter_add(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let name = a[0].as_str();
    let existing = by_name(ctx, "Meter", name).await?.first().copied();
    if existing.is_some() && !cmd.has("may-exist") {
        return Err(CtlError::Conflict(format!(
            "meter with name \"{name}\" already exists"
        )));
    }
    if name.starts_with("__") {
        return Err(CtlError::Value(
            "meter names that begin with \"__\" are reserved".into(),
        ));
    }
    if a[1] != "drop" {
        return Err(CtlError::Value("action must be \"drop\"".into()));
    }
    let max = i64::from(u32::MAX);
    let rate = scan_int(&a[2])
        .filter(|r| (1..=max).contains(r))
        .ok_or_else(|| CtlError::Value("rate must be in the range 1...4294967295".into()))?;
    let unit = a[3].as_str();
    if unit != "kbps" && unit != "pktps" {
        return Err(CtlError::Value("unit must be \"kbps\" or \"pktps\"".into()));
    }
    let burst = match a.get(4) {
        Some(b) => scan_int(b)
            .filter(|v| (0..=max).contains(v))
            .ok_or_else(|| CtlError::Value("burst must be in the range 0...4294967295".into()))?,
        None => 0,
    };
    let band_cols = [
        ("action", s("drop")),
        ("rate", Datum::scalar(rate)),
        ("burst_size", Datum::scalar(burst)),
    ];
    // With --may-exist, the meter and its first band are updated in place.
    let band = match existing.and_then(|m| {
        elements(&ctx.db.value("Meter", m, "bands"))
            .first()
            .and_then(Atom::as_uuid)
    }) {
        Some(b) => {
            ctx.db.select_uuid("Meter_Band", b).await?;
            for (c, d) in band_cols {
                ctx.db.update("Meter_Band", b, c, d);
            }
            b
        }
        None => {
            let mut row = Row::new();
            for (c, d) in band_cols {
                row.insert(c, d);
            }
            ctx.db.insert("Meter_Band", row, None)
        }
    };
    let meter = match existing {
        Some(m) => {
            ctx.db.update("Meter", m, "name", s(name));
            ctx.db.update("Meter", m, "unit", s(unit));
            ctx.db.update("Meter", m, "bands", Datum::scalar(band));
            m
        }
        None => {
            let row = Row::new()
                .with("name", s(name))
                .with("unit", s(unit))
                .with("bands", Datum::scalar(band));
            ctx.db.insert("Meter", row, None)
        }
    };
    if cmd.has("fair") {
        ctx.db.update("Meter", meter, "fair", Datum::scalar(true));
    }
    Ok(CmdOut::default())
}

/// `meter-del` and `mirror-del`: the named row (the first one found; none is no error), or
/// every row without a name.
async fn del_by_name(ctx: &mut Ctx, cmd: &Command, table: &str) -> Result<CmdOut, CtlError> {
    let del = match cmd.args.first() {
        None => {
            ctx.db.load_all(table).await?;
            ctx.db.uuids(table)
        }
        Some(name) => by_name(ctx, table, name).await?.into_iter().take(1).collect(),
    };
    for u in del {
        ctx.db.delete(table, u);
    }
    Ok(CmdOut::default())
}

/// `meter-del`.
async fn meter_del(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    del_by_name(ctx, cmd, "Meter").await
}

/// `meter-list`.
async fn meter_list(ctx: &mut Ctx, _cmd: &Command) -> Result<CmdOut, CtlError> {
    let meters = all_by_name(ctx, "Meter").await?;
    let mut out = CmdOut::default();
    for m in meters {
        out.text.push_str(&format!("{}:", name_of(ctx, "Meter", m)));
        if let Some(f) = ctx
            .db
            .value("Meter", m, "fair")
            .as_scalar()
            .and_then(Atom::as_bool)
        {
            out.text.push_str(if f { " (fair)" } else { " (shared)" });
        }
        out.text.push_str(" bands:\n");
        let unit = str_of(ctx, "Meter", m, "unit");
        for b in elements(&ctx.db.value("Meter", m, "bands")) {
            let Some(b) = b.as_uuid() else { continue };
            ctx.db.select_uuid("Meter_Band", b).await?;
            out.text.push_str(&format!(
                "  {}: {} {unit}",
                str_of(ctx, "Meter_Band", b, "action"),
                int_of(ctx, "Meter_Band", b, "rate")
            ));
            let burst = int_of(ctx, "Meter_Band", b, "burst_size");
            if burst != 0 {
                let what = if unit == "kbps" { "kb" } else { "packet" };
                out.text.push_str(&format!(", {burst} {what} burst"));
            }
        }
        out.text.push('\n');
    }
    Ok(out)
}

/// `mirror-add`.
async fn mirror_add(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let name = a[0].as_str();
    if !by_name(ctx, "Mirror", name).await?.is_empty() {
        return Err(CtlError::Conflict(format!(
            "Mirror with {name} name already exists."
        )));
    }
    let ty = match a[1].as_bytes().first() {
        Some(b'g') => "gre",
        Some(b'e') => "erspan",
        _ => {
            return Err(CtlError::Value(format!(
                "{}: type must be \"gre\" or \"erspan\"",
                a[1]
            )));
        }
    };
    // strtol's number: leading white space allowed, nothing after it.
    let index: i64 = a[2]
        .trim_start()
        .parse()
        .map_err(|_| CtlError::Value("Invalid Index".into()))?;
    let filter = match a[3].as_bytes().first() {
        Some(b't') => "to-lport",
        Some(b'f') => "from-lport",
        _ => {
            return Err(CtlError::Value(format!(
                "{}: selection must be \"to-lport\" or \"from-lport\"",
                a[3]
            )));
        }
    };
    let sink = a[4].as_str();
    if sink.parse::<std::net::IpAddr>().is_err() {
        return Err(CtlError::Value(format!("Invalid sink ip: {sink}")));
    }
    let row = Row::new()
        .with("name", s(name))
        .with("index", Datum::scalar(index))
        .with("filter", s(filter))
        .with("type", s(ty))
        .with("sink", s(sink));
    ctx.db.insert("Mirror", row, None);
    Ok(CmdOut::default())
}

/// `mirror-del`.
async fn mirror_del(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    del_by_name(ctx, cmd, "Mirror").await
}

/// `mirror-list`.
async fn mirror_list(ctx: &mut Ctx, _cmd: &Command) -> Result<CmdOut, CtlError> {
    let mirrors = all_by_name(ctx, "Mirror").await?;
    let mut out = CmdOut::default();
    for m in mirrors {
        let v = |c: &str| {
            atom_to_bare(
                ctx.db
                    .value("Mirror", m, c)
                    .as_scalar()
                    .unwrap_or(&Atom::string("")),
            )
        };
        out.text.push_str(&format!(
            "{}:\n  Type     :  {}\n  Sink     :  {}\n  Filter   :  {}\n  Index/Key:  {}\n\n",
            v("name"),
            v("type"),
            v("sink"),
            v("filter"),
            v("index")
        ));
    }
    Ok(out)
}
