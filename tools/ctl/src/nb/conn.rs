//! The connection and SSL commands of ovn-nbctl(8) (the NB_Global row's `connections` and
//! `ssl`).

use ovsdb_proto::{Atom, Datum, Row};

use super::common::*;
use crate::cmd::{MANY, Mode, Section, run_fn};
use crate::error::CtlError;
use crate::value::{atoll, known_method};
use crate::{CmdOut, Command, Ctx};

/// Connection commands (ovn-nbctl(8)).
pub(crate) const CONNECTION: Section = Section {
    title: "Connection commands",
    commands: &[
        syntax(
            "get-connection",
            0,
            0,
            "",
            &[],
            Mode::ReadOnly,
            "print the connections",
            run_fn!(get_connection),
        ),
        syntax(
            "del-connection",
            0,
            0,
            "",
            &[],
            Mode::ReadWrite,
            "delete the connections",
            run_fn!(del_connection),
        ),
        syntax(
            "set-connection",
            1,
            MANY,
            "TARGET...",
            &["--inactivity-probe="],
            Mode::ReadWrite,
            "set the connections to TARGET...",
            run_fn!(set_connection),
        ),
    ],
};

/// SSL commands (ovn-nbctl(8)).
pub(crate) const SSL: Section = Section {
    title: "SSL commands",
    commands: &[
        syntax(
            "get-ssl",
            0,
            0,
            "",
            &[],
            Mode::ReadOnly,
            "print the SSL configuration",
            run_fn!(get_ssl),
        ),
        syntax(
            "del-ssl",
            0,
            0,
            "",
            &[],
            Mode::ReadWrite,
            "delete the SSL configuration",
            run_fn!(del_ssl),
        ),
        syntax(
            "set-ssl",
            3,
            5,
            "PRIVATE-KEY CERTIFICATE CA-CERT [SSL-PROTOS [SSL-CIPHERS]]",
            &["--bootstrap"],
            Mode::ReadWrite,
            "set the SSL configuration",
            run_fn!(set_ssl),
        ),
    ],
};

/// `get-connection`: every Connection row's target, sorted, once each.
async fn get_connection(ctx: &mut Ctx, _cmd: &Command) -> Result<CmdOut, CtlError> {
    ctx.db.load_all("Connection").await?;
    let mut targets: Vec<String> = ctx
        .db
        .uuids("Connection")
        .into_iter()
        .map(|u| str_of(ctx, "Connection", u, "target"))
        .collect();
    targets.sort();
    targets.dedup();
    Ok(CmdOut {
        text: targets.into_iter().map(|t| t + "\n").collect(),
        ..CmdOut::default()
    })
}

/// Deletes every Connection row and empties NB_Global's `connections`.
async fn delete_connections(ctx: &mut Ctx) -> Result<ovsdb_proto::Uuid, CtlError> {
    let g = nb_global(ctx).await?;
    ctx.db.load_all("Connection").await?;
    for u in ctx.db.uuids("Connection") {
        ctx.db.delete("Connection", u);
    }
    ctx.db.update("NB_Global", g, "connections", Datum::empty_set());
    Ok(g)
}

/// `del-connection`.
async fn del_connection(ctx: &mut Ctx, _cmd: &Command) -> Result<CmdOut, CtlError> {
    delete_connections(ctx).await?;
    Ok(CmdOut::default())
}

/// `set-connection`.
async fn set_connection(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let g = delete_connections(ctx).await?;
    let mut out = CmdOut::default();
    let mut conns = Vec::new();
    for target in &cmd.args {
        if !known_method(target) {
            // Logged (vlog, module nbctl), as ovn-nbctl does.
            out.log.push(format!(
                "nbctl|WARN|target type \"{target}\" is possibly erroneous"
            ));
        }
        let mut row = Row::new().with("target", s(target));
        if let Some(p) = cmd.opt("inactivity-probe") {
            row.insert("inactivity_probe", Datum::scalar(atoll(p)));
        }
        conns.push(ctx.db.insert("Connection", row, None));
    }
    ctx.db.update("NB_Global", g, "connections", Datum::set(conns));
    Ok(out)
}

/// `get-ssl`: the first SSL row, if any.
async fn get_ssl(ctx: &mut Ctx, _cmd: &Command) -> Result<CmdOut, CtlError> {
    ctx.db.load_all("SSL").await?;
    let mut out = CmdOut::default();
    if let Some(u) = ctx.db.uuids("SSL").first().copied() {
        let boot = ctx
            .db
            .value("SSL", u, "bootstrap_ca_cert")
            .as_scalar()
            .and_then(Atom::as_bool)
            == Some(true);
        out.text = format!(
            "Private key: {}\nCertificate: {}\nCA Certificate: {}\nBootstrap: {boot}\n",
            str_of(ctx, "SSL", u, "private_key"),
            str_of(ctx, "SSL", u, "certificate"),
            str_of(ctx, "SSL", u, "ca_cert"),
        );
    }
    Ok(out)
}

/// `del-ssl`.
async fn del_ssl(ctx: &mut Ctx, _cmd: &Command) -> Result<CmdOut, CtlError> {
    ctx.db.load_all("SSL").await?;
    if let Some(u) = ctx.db.uuids("SSL").first().copied() {
        let g = nb_global(ctx).await?;
        ctx.db.delete("SSL", u);
        ctx.db.update("NB_Global", g, "ssl", Datum::empty_set());
    }
    Ok(CmdOut::default())
}

/// `set-ssl`.
async fn set_ssl(ctx: &mut Ctx, cmd: &Command) -> Result<CmdOut, CtlError> {
    let a = &cmd.args;
    let g = nb_global(ctx).await?;
    ctx.db.load_all("SSL").await?;
    if let Some(u) = ctx.db.uuids("SSL").first().copied() {
        ctx.db.delete("SSL", u);
    }
    let mut row = Row::new()
        .with("private_key", s(&a[0]))
        .with("certificate", s(&a[1]))
        .with("ca_cert", s(&a[2]))
        .with("bootstrap_ca_cert", Datum::scalar(cmd.has("bootstrap")));
    if let Some(p) = a.get(3) {
        row.insert("ssl_protocols", s(p));
    }
    if let Some(c) = a.get(4) {
        row.insert("ssl_ciphers", s(c));
    }
    let u = ctx.db.insert("SSL", row, None);
    ctx.db.update("NB_Global", g, "ssl", Datum::scalar(u));
    Ok(CmdOut::default())
}
