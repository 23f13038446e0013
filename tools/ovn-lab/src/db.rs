//! Database access through `ovsdb-client`: typed selects, transactions and state waits.

use std::future::Future;
use std::time::{Duration, Instant};

use futures::FutureExt;
use ovsdb_client::{Client, ClientConfig, MonitorStream};
use ovsdb_proto::op::{Condition, Operation, OperationResult, Select};
use ovsdb_proto::update::{MonitorRequest, MonitorRequests};
use ovsdb_proto::{Table, Uuid};

use crate::error::{LabError, Result};

/// Longest pause between two reads of a waited-for state (and two liveness checks of the
/// daemons) when no change is reported.
pub(crate) const TICK: Duration = Duration::from_millis(100);

/// One database on one server: a client plus the database name used in requests.
#[derive(Clone)]
pub(crate) struct Db {
    client: Client,
    /// Database name on the wire (`"OVN_Northbound"`).
    name: &'static str,
    /// Label for errors (`"OVN_Northbound"`, `"ch1 Open_vSwitch"`).
    label: String,
}

impl Db {
    /// Connects to `remote` (one or more remotes separated by commas) for database `name`;
    /// `leader_only`: only to a cluster's leader, following it when it changes.
    pub(crate) async fn connect(
        remote: String,
        name: &'static str,
        label: String,
        leader_only: bool,
    ) -> Result<Db> {
        Db::connect_with(remote, name, label, leader_only, None).await
    }

    /// [`Db::connect`] with TLS settings for `ssl:` remotes.
    pub(crate) async fn connect_with(
        remote: String,
        name: &'static str,
        label: String,
        leader_only: bool,
        tls: Option<ovsdb_client::TlsConfig>,
    ) -> Result<Db> {
        let mut config = ClientConfig::default()
            .leader_only(leader_only)
            .startup_timeout(Duration::from_secs(10))
            .request_timeout(Duration::from_secs(30));
        if let Some(tls) = tls {
            config = config.tls(tls);
        }
        let client = Client::connect(&remote, config)
            .await
            .map_err(|source| LabError::Db {
                db: label.clone(),
                source,
            })?;
        Ok(Db { client, name, label })
    }

    /// Runs a transaction; any failed operation is an error.
    pub(crate) async fn transact(&self, ops: Vec<Operation>) -> Result<Vec<OperationResult>> {
        self.client
            .transact(self.name, ops)
            .await
            .map_err(|source| LabError::Db {
                db: self.label.clone(),
                source,
            })
    }

    /// Selects the rows of `T` matching `conditions`, with their UUIDs.
    pub(crate) async fn select<T: Table>(&self, conditions: Vec<Condition>) -> Result<Vec<(Uuid, T)>> {
        let res = self
            .transact(vec![Select::new(T::TABLE_NAME, conditions).into()])
            .await?;
        self.rows_of::<T>(res.into_iter().next())
    }

    /// Decodes a `select` result.
    pub(crate) fn rows_of<T: Table>(&self, result: Option<OperationResult>) -> Result<Vec<(Uuid, T)>> {
        match result {
            Some(OperationResult::Select { rows }) => rows
                .iter()
                .map(|r| {
                    let uuid = r
                        .uuid()
                        .ok_or_else(|| self.unexpected(format!("{} row without _uuid", T::TABLE_NAME)))?;
                    let row = T::from_row(r).map_err(|source| LabError::Row {
                        db: self.label.clone(),
                        source,
                    })?;
                    Ok((uuid, row))
                })
                .collect(),
            other => Err(self.unexpected(format!("expected select rows, got {other:?}"))),
        }
    }

    /// An [`LabError::Unexpected`] for this database.
    pub(crate) fn unexpected(&self, what: String) -> LabError {
        LabError::Unexpected {
            db: self.label.clone(),
            what,
        }
    }

    /// A monitor of `columns` of `table`: it reports every change to them, which is when a
    /// [`wait_for`] reads its state again.
    pub(crate) fn watch(&self, table: &str, columns: &[&str]) -> MonitorStream {
        let requests =
            MonitorRequests::new().with(table, MonitorRequest::all().columns(columns.iter().copied()));
        self.client.monitor(self.name, requests)
    }

    /// The client (for untyped requests such as `_Server` reads).
    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    /// Closes the connection.
    pub(crate) fn close(&self) {
        self.client.shutdown();
    }
}

/// Waits until `probe` yields `Some`, at most `timeout`; `what` describes the awaited state in
/// the timeout error. `probe` (a read of the state) runs first, then again after each change
/// `changes` reports (a monitor of the tables it reads, from [`Db::watch`]), and at the latest
/// every [`TICK`]. Every tick `alive` is asked whether the daemons still run, so a dead daemon
/// ends the wait at once with its error (its name and log's tail) instead of a timeout.
pub(crate) async fn wait_for<T, F, Fut>(
    alive: &(dyn Fn() -> Result<()> + Sync),
    what: impl Fn() -> String,
    timeout: Duration,
    changes: MonitorStream,
    mut probe: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>>>,
{
    let start = Instant::now();
    let mut changes = Some(changes);
    loop {
        if let Some(v) = probe().await? {
            return Ok(v);
        }
        if start.elapsed() >= timeout {
            alive()?;
            return Err(LabError::Timeout {
                what: what(),
                after: start.elapsed(),
            });
        }
        let tick = tokio::time::sleep(TICK);
        match changes.as_mut() {
            Some(stream) => {
                tokio::select! {
                    ev = stream.recv() => match ev {
                        // Several changes in a row need one probe: take what is queued.
                        Some(Ok(_)) => while let Some(Some(Ok(_))) = stream.recv().now_or_never() {},
                        // No monitor any more: poll on the tick alone.
                        None | Some(Err(_)) => changes = None,
                    },
                    _ = tick => alive()?,
                }
            }
            None => {
                tick.await;
                alive()?;
            }
        }
    }
}
