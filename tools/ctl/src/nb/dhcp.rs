//! DHCP options rows (ovn-nbctl(8) "DHCP Options commands"): `dhcp-options-create`,
//! `dhcp-options-del`, `dhcp-options-list`, `dhcp-options-set-options`,
//! `dhcp-options-get-options`.

use ovsdb_proto::{Row, Uuid};

use super::rows::{self, is_uuid, kv_map, s, str_of};
use crate::cmd::{MANY, Mode, Section, Syntax, run_fn};
use crate::error::CtlError;
use crate::{CmdOut, Command, Ctx};

const T: &str = "DHCP_Options";

/// The DHCP options commands, in `--help` order.
pub(crate) const SECTION: Section = Section {
    title: "DHCP Options commands",
    commands: &[
        Syntax {
            name: "dhcp-options-create",
            min_args: 1,
            max_args: MANY,
            arguments: "CIDR [EXTERNAL_IDS]",
            options: &[],
            mode: Mode::ReadWrite,
            help: "create a DHCP options row for CIDR (external ids as KEY=VALUE)",
            run: run_fn!(create),
        },
        Syntax {
            name: "dhcp-options-del",
            min_args: 1,
            max_args: 1,
            arguments: "DHCP_OPTIONS_UUID",
            options: &[],
            mode: Mode::ReadWrite,
            help: "delete the DHCP options row DHCP_OPTIONS_UUID",
            run: run_fn!(del),
        },
        Syntax {
            name: "dhcp-options-list",
            min_args: 0,
            max_args: 0,
            arguments: "",
            options: &[],
            mode: Mode::ReadOnly,
            help: "print the UUIDs of the DHCP options rows",
            run: run_fn!(list),
        },
        Syntax {
            name: "dhcp-options-set-options",
            min_args: 1,
            max_args: MANY,
            arguments: "DHCP_OPTIONS_UUID KEY=VALUE [KEY=VALUE]...",
            options: &[],
            mode: Mode::ReadWrite,
            help: "replace the options of DHCP_OPTIONS_UUID",
            run: run_fn!(set_options),
        },
        Syntax {
            name: "dhcp-options-get-options",
            min_args: 1,
            max_args: 1,
            arguments: "DHCP_OPTIONS_UUID",
            options: &[],
            mode: Mode::ReadOnly,
            help: "print the options of DHCP_OPTIONS_UUID",
            run: run_fn!(get_options),
        },
    ],
};

/// Whether `cidr` reads as OVS `ip_parse_cidr` or `ipv6_parse_cidr` would: an address, then
/// optionally `/LEN` or `/MASK` with a CIDR mask.
pub(super) fn valid_cidr(cidr: &str) -> bool {
    rows::ovs_ipv4_cidr(cidr).is_some() || rows::ovs_ipv6_cidr(cidr).is_some()
}

async fn create(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let cidr = &cmd.args[0];
    if !valid_cidr(cidr) {
        return Err(CtlError::Value(format!("Invalid cidr format '{cidr}'")));
    }
    let row = Row::new()
        .with("cidr", s(cidr))
        .with("external_ids", kv_map(&cmd.args[1..]));
    ctx.db.insert(T, row, None);
    Ok(CmdOut::default())
}

/// The DHCP options row of UUID `id` (read), or ovn-nbctl's message.
async fn get(ctx: &mut Ctx, id: &str) -> Result<Uuid, CtlError> {
    if is_uuid(id) {
        if let Ok(u) = Uuid::parse_str(id) {
            ctx.db.select_uuid(T, u).await?;
            if ctx.db.get(T, u).is_some() {
                return Ok(u);
            }
        }
    }
    Err(CtlError::NotFound(format!("{id}: dhcp options UUID not found")))
}

async fn del(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let u = get(ctx, &cmd.args[0]).await?;
    ctx.db.delete(T, u);
    Ok(CmdOut::default())
}

async fn list(ctx: &mut Ctx, _cmd: &Command) -> Result<CmdOut, CtlError> {
    ctx.db.load_all(T).await?;
    let mut all: Vec<(String, Uuid)> = ctx
        .db
        .uuids(T)
        .into_iter()
        .map(|u| (str_of(ctx, T, u, "cidr"), u))
        .collect();
    all.sort();
    Ok(CmdOut {
        text: all.into_iter().map(|(_, u)| format!("{u}\n")).collect(),
        ..CmdOut::default()
    })
}

async fn set_options(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let u = get(ctx, &cmd.args[0]).await?;
    ctx.db.update(T, u, "options", kv_map(&cmd.args[1..]));
    Ok(CmdOut::default())
}

async fn get_options(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let u = get(ctx, &cmd.args[0]).await?;
    let text = rows::smap_order(rows::pairs(ctx, T, u, "options"))
        .into_iter()
        .map(|(k, v)| format!("{k}={v}\n"))
        .collect();
    Ok(CmdOut {
        text,
        ..CmdOut::default()
    })
}

#[cfg(test)]
mod tests {
    use super::valid_cidr;

    #[test]
    fn cidrs_as_ovs_reads_them() {
        assert!(valid_cidr("10.0.0.0/24"));
        assert!(valid_cidr("10.0.0.1/24"));
        assert!(valid_cidr("10.0.0.0/255.255.255.0"));
        assert!(valid_cidr("ae::/64"));
        assert!(!valid_cidr("10.0.0.0/33"));
        assert!(!valid_cidr("10.0.0.0/255.0.255.0"));
        assert!(!valid_cidr("foo"));
    }
}
