//! `ip-multicast-flush` (in ovn-sbctl's command table, not in its manual): asks the
//! ovn-controllers to flush the IGMP/MLD groups they learnt, by bumping `IP_Multicast:seq_no`.

use ovsdb_proto::{Atom, Datum};

use super::{resolve_datapath, uuid_of};
use crate::cmd::{Mode, Section, Syntax, run_fn};
use crate::error::CtlError;
use crate::{CmdOut, Command, Ctx};

/// The IP multicast commands.
pub(crate) const MCAST: Section = Section {
    title: "IP multicast commands",
    commands: &[Syntax {
        name: "ip-multicast-flush",
        min_args: 0,
        max_args: 1,
        arguments: "[SWITCH]",
        options: &[],
        mode: Mode::ReadWrite,
        help: "flush learnt multicast groups (of SWITCH)",
        run: run_fn!(ip_multicast_flush),
    }],
};

/// `ip-multicast-flush [SWITCH]`: increments `seq_no` of the `IP_Multicast` rows of datapath
/// SWITCH (found as `lflow-list` finds datapaths), or of every datapath.
async fn ip_multicast_flush(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let dp = match cmd.args.first() {
        Some(record) => {
            ctx.db.load_all("Datapath_Binding").await?;
            let rows: Vec<_> = ctx
                .db
                .uuids("Datapath_Binding")
                .into_iter()
                .filter_map(|u| ctx.db.get("Datapath_Binding", u).map(|r| (u, r.clone())))
                .collect();
            match resolve_datapath(&rows, record)? {
                Some(u) => Some(u),
                None => return Err(CtlError::NotFound(format!("{record} is not a valid datapath"))),
            }
        }
        None => None,
    };
    match dp {
        Some(u) => {
            ctx.db
                .select_eq("IP_Multicast", "datapath", &Datum::scalar(u))
                .await?
        }
        None => ctx.db.load_all("IP_Multicast").await?,
    }
    for u in ctx.db.uuids("IP_Multicast") {
        let Some(row) = ctx.db.get("IP_Multicast", u) else {
            continue;
        };
        let Some(its_dp) = uuid_of(row, "datapath") else {
            continue;
        };
        if dp.is_some_and(|d| d != its_dp) {
            continue;
        }
        let seq = row
            .get("seq_no")
            .and_then(Datum::as_scalar)
            .and_then(Atom::as_integer)
            .unwrap_or(0);
        ctx.db.update(
            "IP_Multicast",
            u,
            "seq_no",
            Datum::scalar(Atom::Integer(seq.wrapping_add(1))),
        );
    }
    Ok(CmdOut::default())
}
