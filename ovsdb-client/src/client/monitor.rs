//! Monitors that follow the client across reconnects.

use ovsdb_proto::method::{MonitorCancel, MonitorCond, MonitorCondSince};
use ovsdb_proto::notify::Notification;
use ovsdb_proto::update::{MonitorRequests, TableUpdates2};
use ovsdb_proto::{ErrorKind, Uuid};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::{Client, Session, Shared};
use crate::endpoint::Endpoint;
use crate::error::Error;

/// What a [`MonitorStream`] yields.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum MonitorEvent {
    /// The complete contents of the monitored tables (rows as `initial`): the first snapshot,
    /// or a resynchronisation after a reconnect when the server no longer had the last
    /// transaction seen (`monitor_cond_since` answered `found: false`, always the case on
    /// standalone servers), or after `monitor_canceled`. Replace everything known before.
    Reset {
        /// The rows.
        updates: TableUpdates2,
        /// The server that sent them.
        endpoint: Endpoint,
    },
    /// Changes, in order: an `update2`/`update3` notification, or the missed changes a resumed
    /// `monitor_cond_since` returned (`found: true`) after a reconnect.
    Update {
        /// The changes.
        updates: TableUpdates2,
        /// The transaction id after these changes, when the server gives one.
        last_txn_id: Option<Uuid>,
    },
}

/// A monitor that survives reconnects (from [`Client::monitor`]): it is created on every new
/// session with `monitor_cond_since` and the last transaction id seen (so a cluster member
/// sends only what was missed), falling back to `monitor_cond` on servers without it. Dropping
/// it cancels the monitor.
#[derive(Debug)]
pub struct MonitorStream {
    rx: mpsc::UnboundedReceiver<Result<MonitorEvent, Error>>,
    task: JoinHandle<()>,
}

impl MonitorStream {
    /// The next event; `None` once the client is shut down. An `Err` is final (for example
    /// an unknown database or table): the stream ends after it.
    pub async fn recv(&mut self) -> Option<Result<MonitorEvent, Error>> {
        self.rx.recv().await
    }
}

impl futures::Stream for MonitorStream {
    type Item = Result<MonitorEvent, Error>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.rx.poll_recv(cx)
    }
}

impl Drop for MonitorStream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Client {
    /// Monitors tables of `db` (with optional conditions in the requests) for as long as the
    /// stream is kept, across reconnects and leader changes.
    pub fn monitor(&self, db: &str, requests: MonitorRequests) -> MonitorStream {
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(follow(self.shared.clone(), db.to_owned(), requests, tx));
        MonitorStream { rx, task }
    }
}

async fn follow(
    shared: std::sync::Arc<Shared>,
    db: String,
    requests: MonitorRequests,
    tx: mpsc::UnboundedSender<Result<MonitorEvent, Error>>,
) {
    let mut last_txn_id: Option<Uuid> = None;
    let mut use_since = true;
    let mut synced = false;
    let mut previous: Option<u64> = None;
    loop {
        // Wait (as long as it takes) for a session this monitor has not used yet.
        let far = Instant::now() + std::time::Duration::from_secs(86_400 * 365);
        let Some(session) = shared.next_session(previous, far).await else {
            return; // shut down
        };
        previous = Some(session.id);
        loop {
            match run_on(
                &session,
                &db,
                &requests,
                &mut last_txn_id,
                &mut use_since,
                &mut synced,
                &tx,
            )
            .await
            {
                Step::SessionOver => break,
                Step::Reissue => continue,
                Step::Stop => return,
            }
        }
    }
}

enum Step {
    SessionOver,
    Reissue,
    Stop,
}

async fn run_on(
    session: &Session,
    db: &str,
    requests: &MonitorRequests,
    last_txn_id: &mut Option<Uuid>,
    use_since: &mut bool,
    synced: &mut bool,
    tx: &mpsc::UnboundedSender<Result<MonitorEvent, Error>>,
) -> Step {
    let (monitor_id, mut notes) = session.routes.add_monitor();
    let reply = if *use_since {
        session
            .rpc
            .call(&MonitorCondSince {
                db: db.to_owned(),
                monitor_id: monitor_id.clone(),
                requests: requests.clone(),
                last_txn_id: *last_txn_id,
            })
            .await
    } else {
        session
            .rpc
            .call(&MonitorCond {
                db: db.to_owned(),
                monitor_id: monitor_id.clone(),
                requests: requests.clone(),
            })
            .await
            .map(|updates| ovsdb_proto::update::MonitorCondSinceReply {
                found: false,
                last_txn_id: None,
                updates,
            })
    };
    let reply = match reply {
        Ok(r) => r,
        Err(Error::Rpc { error, .. }) if *use_since && error.error == ErrorKind::UnknownMethod => {
            *use_since = false;
            return Step::Reissue;
        }
        Err(e) if e.is_retryable() || matches!(e, Error::Timeout { .. }) => return Step::SessionOver,
        Err(e) => {
            let _ = tx.send(Err(e));
            return Step::Stop;
        }
    };
    let event = if *synced && reply.found {
        (!reply.updates.is_empty()).then_some(MonitorEvent::Update {
            updates: reply.updates,
            last_txn_id: reply.last_txn_id,
        })
    } else {
        Some(MonitorEvent::Reset {
            updates: reply.updates,
            endpoint: session.endpoint.clone(),
        })
    };
    *synced = true;
    *last_txn_id = reply.last_txn_id;
    if let Some(ev) = event
        && tx.send(Ok(ev)).is_err()
    {
        return Step::Stop;
    }
    while let Some(n) = notes.recv().await {
        let ev = match n {
            Notification::Update2 { updates, .. } => MonitorEvent::Update {
                updates,
                last_txn_id: None,
            },
            Notification::Update3(u) => {
                *last_txn_id = u.last_txn_id;
                MonitorEvent::Update {
                    updates: u.updates,
                    last_txn_id: u.last_txn_id,
                }
            }
            Notification::MonitorCanceled { .. } => {
                // The database was converted or removed: its history is gone; start afresh.
                *last_txn_id = None;
                *synced = false;
                let _ = session
                    .rpc
                    .call(&MonitorCancel {
                        monitor_id: monitor_id.clone(),
                    })
                    .await;
                return Step::Reissue;
            }
            _ => continue,
        };
        if tx.send(Ok(ev)).is_err() {
            return Step::Stop;
        }
    }
    Step::SessionOver
}
