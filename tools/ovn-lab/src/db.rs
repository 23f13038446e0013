//! Database access through `ovsdb-client`: typed selects, transactions and state waits.

use std::future::Future;
use std::time::{Duration, Instant};

use ovsdb_client::{Client, ClientConfig};
use ovsdb_proto::op::{Condition, Operation, OperationResult, Select};
use ovsdb_proto::{Table, Uuid};

use crate::error::{LabError, Result};

/// How often state waits poll.
pub(crate) const POLL: Duration = Duration::from_millis(10);

/// Polls between two liveness checks of the lab's daemons during a wait (about 0.1 s).
pub(crate) const ALIVE_EVERY: u32 = 10;

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
    /// Connects to `unix:path` for database `name`.
    pub(crate) async fn connect(remote: String, name: &'static str, label: String) -> Result<Db> {
        let config = ClientConfig::default()
            .leader_only(false)
            .startup_timeout(Duration::from_secs(10))
            .request_timeout(Duration::from_secs(30));
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

    /// Closes the connection.
    pub(crate) fn close(&self) {
        self.client.shutdown();
    }
}

/// Polls `probe` every [`POLL`] until it yields `Some`, at most `timeout`; `what` describes the
/// awaited state in the timeout error. `alive` is asked every [`ALIVE_EVERY`] polls whether the
/// daemons are still running, so a dead daemon ends the wait at once with its error (its name
/// and log's tail) instead of a timeout.
pub(crate) async fn wait_for<T, F, Fut>(
    alive: &(dyn Fn() -> Result<()> + Sync),
    what: impl Fn() -> String,
    timeout: Duration,
    mut probe: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>>>,
{
    let start = Instant::now();
    let mut polls: u32 = 0;
    loop {
        if let Some(v) = probe().await? {
            return Ok(v);
        }
        polls = polls.wrapping_add(1);
        if polls % ALIVE_EVERY == 0 {
            alive()?;
        }
        if start.elapsed() >= timeout {
            alive()?;
            return Err(LabError::Timeout {
                what: what(),
                after: start.elapsed(),
            });
        }
        tokio::time::sleep(POLL).await;
    }
}
