//! The task that keeps a replica in step with the server, across sessions.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use ovsdb_proto::method::{
    GetSchema, Method, Monitor, MonitorCancel, MonitorCond, MonitorCondChange, MonitorCondSince,
};
use ovsdb_proto::notify::Notification;
use ovsdb_proto::update::{MonitorCondUpdateRequest, MonitorRequest, MonitorRequests};
use ovsdb_proto::{Condition, DatabaseSchema, ErrorKind, TableSchema, Uuid};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::store::{
    ApplyError, Changes, ReplyBody, ReplyError, Snapshot, changes_from_update, changes_from_update2,
    decode_reply_from, send_all,
};
use super::{Core, MonitorMethod, ReplicaError, ReplicaState};
use crate::client::{Session, Shared};
use crate::error::Error;
use crate::rpc::StreamedReply;

/// What the replica asks for, per table.
#[derive(Debug, Clone, Default)]
pub(crate) struct TableReq {
    /// Columns asked for by the user (`None`: all the model has).
    pub(crate) columns: Option<Vec<String>>,
    /// The compiled model's columns (`None`: untyped, every column the server has).
    pub(crate) model_columns: Option<Vec<String>>,
    /// `where` (a disjunction, ovsdb-server(7) §4.1.12); `None`: every row.
    pub(crate) conditions: Option<Vec<Condition>>,
}

/// Commands from the [`super::Replica`] handle.
pub(crate) enum Command {
    SetConditions {
        table: String,
        conditions: Option<Vec<Condition>>,
        done: oneshot::Sender<Result<(), ReplicaError>>,
    },
}

/// The monitor request for each table the server has, and the columns actually monitored.
type Requests = (MonitorRequests, BTreeMap<String, Option<Vec<String>>>);

fn requests(
    db: &str,
    spec: &BTreeMap<String, TableReq>,
    schema: &DatabaseSchema,
    method: MonitorMethod,
) -> Result<Requests, ReplicaError> {
    let mut reqs = MonitorRequests::new();
    let mut monitored = BTreeMap::new();
    for (table, req) in spec {
        let untyped = req.model_columns.is_none();
        let Some(ts) = schema.tables.get(table) else {
            if untyped {
                // Asked for by name at run time: a misspelling, or the wrong database.
                return Err(ReplicaError::UnknownTable {
                    db: db.to_owned(),
                    table: table.clone(),
                    tables: schema.tables.keys().cloned().collect(),
                });
            }
            // A typed model newer than the server.
            tracing::info!(%table, "table not in the server's schema; left empty");
            continue;
        };
        if untyped && let Some(cols) = &req.columns {
            if let Some(c) = cols
                .iter()
                .find(|c| !ts.columns.contains_key(*c) && *c != "_uuid")
            {
                return Err(ReplicaError::UnknownColumn {
                    table: table.clone(),
                    column: c.clone(),
                    columns: ts.columns.keys().cloned().collect(),
                });
            }
        }
        let wanted = req.columns.as_ref().or(req.model_columns.as_ref());
        // Ask only for columns the server has (a model newer than the server) and the model
        // knows (a server newer than the model).
        let columns: Option<Vec<String>> = wanted.map(|w| {
            w.iter()
                .filter(|c| ts.columns.contains_key(*c))
                .cloned()
                .collect()
        });
        let mut r = MonitorRequest::all();
        if let Some(c) = &columns {
            r = r.columns(c.iter().cloned());
        }
        if method != MonitorMethod::Monitor
            && let Some(w) = &req.conditions
        {
            r = r.where_(w.iter().cloned());
        }
        reqs = reqs.with(table.clone(), r);
        monitored.insert(table.clone(), columns);
    }
    Ok((reqs, monitored))
}

/// A monitor reply as received.
enum Fetched {
    /// The result's JSON text (update2 flavours).
    Raw(StreamedReply),
    /// Decoded changes (plain `monitor`).
    Changes(Changes),
}

/// Per-replica state that survives sessions.
pub(crate) struct Follow {
    pub(crate) db: String,
    pub(crate) spec: BTreeMap<String, TableReq>,
    pub(crate) method: MonitorMethod,
    pub(crate) last_txn_id: Option<Uuid>,
    pub(crate) synced: bool,
    /// Resyncs in a row that failed to apply.
    pub(crate) failures: u32,
    /// Conditions changed since the monitor was created: the next monitor must not resume (a
    /// resumed monitor would keep rows matching only the old conditions).
    pub(crate) conditions_changed: bool,
}

enum Step {
    SessionOver,
    Reissue,
    Stop,
}

pub(crate) async fn run(
    shared: Arc<Shared>,
    core: Arc<Core>,
    mut f: Follow,
    mut cmds: mpsc::UnboundedReceiver<Command>,
) {
    let mut previous: Option<u64> = None;
    loop {
        let far = Instant::now() + Duration::from_secs(86_400 * 365);
        let session = loop {
            tokio::select! {
                s = shared.next_session(previous, far) => match s {
                    Some(s) => break s,
                    None => {
                        core.fail(ReplicaError::Stopped);
                        return;
                    }
                },
                c = cmds.recv() => match c {
                    // Not connected: remember the latest conditions for the next session.
                    Some(Command::SetConditions { table, conditions, done }) => {
                        if let Some(t) = f.spec.get_mut(&table) {
                            t.conditions = conditions;
                            f.conditions_changed = true;
                        }
                        let _ = done.send(Ok(()));
                    }
                    None => return,
                },
            }
        };
        previous = Some(session.id);
        core.update_status(|s| {
            s.session = Some(session.id);
            s.state = ReplicaState::Syncing { session: session.id };
        });
        loop {
            match on_session(&shared, &session, &core, &mut f, &mut cmds).await {
                // A request failed (a timeout on a slow link) but the session lives on: try
                // again on it rather than wait for a session that may never come.
                Step::SessionOver if !session.rpc.is_closed() => {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Step::SessionOver => break,
                Step::Reissue => continue,
                Step::Stop => return,
            }
        }
        core.update_status(|s| {
            s.session = None;
            if s.state != ReplicaState::Stopped {
                s.state = ReplicaState::Connecting;
            }
        });
    }
}

fn is_session_error(e: &Error) -> bool {
    e.is_retryable() || matches!(e, Error::Timeout { .. } | Error::OutcomeUnknown { .. })
}

async fn on_session(
    shared: &Shared,
    session: &Session,
    core: &Core,
    f: &mut Follow,
    cmds: &mut mpsc::UnboundedReceiver<Command>,
) -> Step {
    let cfg = &shared.config;
    core.update_status(|s| {
        s.state = ReplicaState::Syncing { session: session.id };
    });
    // The initial snapshot may be large on a slow link: allow the longer of the two bounds.
    let rpc = session
        .rpc
        .with_timeout(cfg.request_timeout.max(cfg.sync_timeout));
    let schema = match rpc.call(&GetSchema { db: f.db.clone() }).await {
        Ok(s) => s,
        Err(e) if is_session_error(&e) => return Step::SessionOver,
        Err(e) => {
            core.fail(ReplicaError::Client(Arc::new(e)));
            return Step::Stop;
        }
    };
    let (reqs, monitored) = match requests(&f.db, &f.spec, &schema, f.method) {
        Ok(r) => r,
        Err(e) => {
            core.fail(e);
            return Step::Stop;
        }
    };
    if std::mem::take(&mut f.conditions_changed) {
        // Resuming would only send changes under the new conditions and keep rows that no
        // longer match: take a whole snapshot instead.
        f.last_txn_id = None;
        f.synced = false;
    }
    let (monitor_id, mut notes) = session.routes.add_monitor();
    let mut syncs = session.routes.add_sync();
    // The update2 flavours take the result as JSON text and decode it row by row into a new
    // snapshot (see `decode_reply_from`), off the async workers.
    let fetched = match f.method {
        MonitorMethod::MonitorCondSince => {
            let m = MonitorCondSince {
                db: f.db.clone(),
                monitor_id: monitor_id.clone(),
                requests: reqs,
                last_txn_id: f.last_txn_id,
            };
            rpc.request_streamed(MonitorCondSince::NAME, m.params_json())
                .await
                .map(Fetched::Raw)
        }
        MonitorMethod::MonitorCond => {
            let m = MonitorCond {
                db: f.db.clone(),
                monitor_id: monitor_id.clone(),
                requests: reqs,
            };
            rpc.request_streamed(MonitorCond::NAME, m.params_json())
                .await
                .map(Fetched::Raw)
        }
        MonitorMethod::Monitor => rpc
            .call(&Monitor {
                db: f.db.clone(),
                monitor_id: monitor_id.clone(),
                requests: reqs,
            })
            .await
            .map(|u| Fetched::Changes(changes_from_update(u))),
    };
    let reply = match fetched {
        Ok(Fetched::Raw(raw)) => {
            let since = f.method == MonitorMethod::MonitorCondSince;
            let resume = f.synced;
            let fresh = core.fresh_snapshot(&schema.tables, &monitored);
            let schemas = schema.tables.clone();
            let mut raw = raw;
            let decoded = tokio::task::spawn_blocking(move || {
                decode_reply_from(&mut raw, since, resume, fresh, &schemas)
            })
            .await;
            match decoded {
                Ok(Ok(d)) => Ok((d.found, d.last_txn_id, d.body)),
                Ok(Err(ReplyError::Json(source))) => Err(Error::Decode {
                    method: if since {
                        MonitorCondSince::NAME
                    } else {
                        MonitorCond::NAME
                    },
                    source,
                }),
                Ok(Err(ReplyError::Source(e))) => Err(e),
                Ok(Err(ReplyError::Apply(e))) => {
                    f.failures += 1;
                    if f.failures >= 3 {
                        core.fail(ReplicaError::Apply(e));
                        return Step::Stop;
                    }
                    return f.restart(core, e);
                }
                Err(join) => {
                    tracing::error!(error = %join, "decoding the monitor reply failed");
                    return Step::SessionOver;
                }
            }
        }
        Ok(Fetched::Changes(changes)) => Ok((false, None, ReplyBody::Changes(changes))),
        Err(e) => Err(e),
    };
    let (found, last_txn_id, body) = match reply {
        Ok(r) => r,
        Err(Error::Rpc { error, .. })
            if error.error == ErrorKind::UnknownMethod && f.method != MonitorMethod::Monitor =>
        {
            f.method = match f.method {
                MonitorMethod::MonitorCondSince => MonitorMethod::MonitorCond,
                _ => MonitorMethod::Monitor,
            };
            tracing::info!(
                method = f.method.as_str(),
                "server lacks the monitor method; falling back"
            );
            return Step::Reissue;
        }
        Err(e) if is_session_error(&e) => return Step::SessionOver,
        Err(e) => {
            core.fail(ReplicaError::Client(Arc::new(e)));
            return Step::Stop;
        }
    };
    let tables = &schema.tables;
    let method = f.method;
    core.update_status(|s| s.method = Some(method));
    let resynced = match body {
        ReplyBody::Snapshot(next) => {
            core.resync_snapshot(next, last_txn_id);
            Ok(())
        }
        ReplyBody::Changes(changes) if f.synced && found => {
            if let Err(e) = core.apply_delta(tables, &changes) {
                return f.restart(core, e);
            }
            core.update_status(|s| {
                s.resumes += 1;
                s.last_txn_id = last_txn_id;
            });
            Ok(())
        }
        ReplyBody::Changes(changes) => core.resync(tables, &monitored, &changes, last_txn_id),
    };
    if let Err(e) = resynced {
        f.failures += 1;
        if f.failures >= 3 {
            core.fail(ReplicaError::Apply(e));
            return Step::Stop;
        }
        return f.restart(core, e);
    }
    f.failures = 0;
    f.synced = true;
    f.last_txn_id = last_txn_id;
    // After the snapshot's events were sent (see `ReplicaState`).
    core.update_status(|s| {
        s.state = ReplicaState::Current { session: session.id };
    });
    loop {
        tokio::select! {
            biased;
            n = notes.recv() => {
                let Some(n) = n else { return Step::SessionOver };
                if let Some(step) = f.handle(core, tables, n) {
                    return cancel(&rpc, &monitor_id, step).await;
                }
            }
            Some(ack) = syncs.recv() => {
                // Everything routed before the request is in `notes` now: apply it, then confirm.
                while let Ok(n) = notes.try_recv() {
                    if let Some(step) = f.handle(core, tables, n) {
                        let _ = ack.send(());
                        return cancel(&rpc, &monitor_id, step).await;
                    }
                }
                let _ = ack.send(());
            }
            c = cmds.recv() => {
                let Some(Command::SetConditions { table, conditions, done }) = c else {
                    return Step::Stop;
                };
                let Some(t) = f.spec.get_mut(&table) else {
                    let _ = done.send(Ok(()));
                    continue;
                };
                t.conditions = conditions.clone();
                f.conditions_changed = true;
                if f.method == MonitorMethod::Monitor || !tables.contains_key(&table) {
                    // Plain monitors take no conditions; nothing to send.
                    let _ = done.send(Ok(()));
                    continue;
                }
                let change = MonitorCondChange {
                    monitor_id: monitor_id.clone(),
                    new_monitor_id: monitor_id.clone(),
                    requests: BTreeMap::from([(
                        table,
                        // An empty list means every row (as a missing `where`).
                        vec![MonitorCondUpdateRequest::where_(conditions.unwrap_or_default())],
                    )]),
                };
                match rpc.call(&change).await {
                    Ok(_) => {
                        // Acknowledged; `conditions_changed` stays set: the update that follows
                        // the acknowledgement could still be lost with the connection.
                        let _ = done.send(Ok(()));
                    }
                    Err(e) if is_session_error(&e) => {
                        // The next session monitors with the new conditions.
                        let _ = done.send(Ok(()));
                        return Step::SessionOver;
                    }
                    Err(e) => {
                        let _ = done.send(Err(ReplicaError::Client(Arc::new(e))));
                    }
                }
            }
        }
    }
}

/// Before monitoring again on the same session, cancels the old monitor (best effort: after
/// `monitor_canceled` the server no longer has it).
async fn cancel(rpc: &crate::rpc::RpcClient, monitor_id: &serde_json::Value, step: Step) -> Step {
    if matches!(step, Step::Reissue) {
        let _ = rpc
            .call(&MonitorCancel {
                monitor_id: monitor_id.clone(),
            })
            .await;
    }
    step
}

impl Follow {
    /// After a change that did not apply: start over from a fresh snapshot.
    fn restart(&mut self, core: &Core, e: ApplyError) -> Step {
        tracing::warn!(error = %e, "replica update did not apply; resynchronising");
        core.update_status(|s| s.apply_errors += 1);
        self.synced = false;
        self.last_txn_id = None;
        Step::Reissue
    }

    /// Applies one notification; `Some` ends the monitor on this session.
    fn handle(
        &mut self,
        core: &Core,
        tables: &BTreeMap<String, TableSchema>,
        n: Notification,
    ) -> Option<Step> {
        let (changes, txn) = match n {
            Notification::Update2 { updates, .. } => (changes_from_update2(updates), None),
            Notification::Update3(u) => (changes_from_update2(u.updates), Some(u.last_txn_id)),
            Notification::Update { updates, .. } => (changes_from_update(updates), None),
            Notification::MonitorCanceled { .. } => {
                // The database was converted: fetch the new schema and monitor again.
                tracing::info!(db = %self.db, "monitor canceled by the server; re-monitoring");
                self.synced = false;
                self.last_txn_id = None;
                // Syncing again from here (same session): a waiter for `Current` after the
                // cancel sees the re-monitored data, not the state before it.
                core.update_status(|s| {
                    s.canceled += 1;
                    if let ReplicaState::Current { session } = s.state {
                        s.state = ReplicaState::Syncing { session };
                    }
                });
                return Some(Step::Reissue);
            }
            _ => return None,
        };
        if let Err(e) = core.apply_delta(tables, &changes) {
            return Some(self.restart(core, e));
        }
        if let Some(id) = txn {
            self.last_txn_id = id;
            core.update_status(|s| s.last_txn_id = id);
        }
        None
    }
}

impl Core {
    pub(crate) fn apply_delta(
        &self,
        tables: &BTreeMap<String, TableSchema>,
        changes: &Changes,
    ) -> Result<(), ApplyError> {
        let prepared = self.read_snapshot().prepare(tables, changes)?;
        let events = self.write_snapshot().commit(prepared);
        send_all(events);
        Ok(())
    }

    pub(crate) fn resync(
        &self,
        tables: &BTreeMap<String, TableSchema>,
        monitored: &BTreeMap<String, Option<Vec<String>>>,
        initial: &Changes,
        last_txn_id: Option<Uuid>,
    ) -> Result<(), ApplyError> {
        let next = self.read_snapshot().rebuild(tables, monitored, initial)?;
        self.resync_snapshot(next, last_txn_id);
        Ok(())
    }

    /// An empty snapshot with the replica's tables, laid out for the server's schema.
    pub(crate) fn fresh_snapshot(
        &self,
        tables: &BTreeMap<String, TableSchema>,
        monitored: &BTreeMap<String, Option<Vec<String>>>,
    ) -> Snapshot {
        self.read_snapshot().fresh(tables, monitored)
    }

    /// Replaces the whole replica with `next` (built aside) and sends the differences.
    pub(crate) fn resync_snapshot(&self, next: Snapshot, last_txn_id: Option<Uuid>) {
        let old = std::mem::replace(&mut *self.write_snapshot(), next);
        let events = self.read_snapshot().resync_events(&old);
        drop(old);
        send_all(events);
        // One status update: whoever sees the snapshot counted also sees its transaction id.
        self.update_status(|s| {
            s.snapshots += 1;
            s.last_txn_id = last_txn_id;
        });
    }
}
