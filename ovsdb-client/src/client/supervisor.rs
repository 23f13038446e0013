//! The task behind a [`super::Client`]: picks a server, sets up a session, watches it, and
//! reconnects.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::Duration;

use ovsdb_proto::method::{Monitor, SetDbChangeAware};
use ovsdb_proto::notify::Notification;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::server_db::{self, MinIndex, SERVER_MONITOR_ID, ServerRows};
use super::{ConnectionState, Routes, Session, Shared};
use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::rpc::{self, Notifications, RpcOptions};
use crate::tls::TlsConnector;
use crate::transport;

/// A session shorter than this counts as a failed attempt for the backoff (a server that accepts
/// and drops at once must not be hammered).
const SHORT_SESSION: Duration = Duration::from_secs(1);
/// Rounds that use `election_retry` before the backoff applies (about 10 s of elections).
const ELECTION_ROUNDS: u32 = 40;

/// A small random source (no extra dependency): hashes a counter with a random key.
pub(crate) struct Rng {
    state: RandomState,
    n: u64,
}

impl Rng {
    pub(crate) fn new() -> Rng {
        Rng {
            state: RandomState::new(),
            n: 0,
        }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.n += 1;
        let mut h = self.state.build_hasher();
        h.write_u64(self.n);
        h.finish()
    }

    /// A float in `0.0..1.0`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub(crate) fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// Why a session ended.
enum End {
    Lost(Error),
    Disqualified(Error),
    Shutdown,
}

/// Whether an error means "the server answered but is not the one to use".
fn is_rejection(e: &Error) -> bool {
    matches!(
        e,
        Error::NotLeader { .. } | Error::NotConnectedToCluster { .. } | Error::StaleServer { .. }
    )
}

fn is_permanent(e: &Error) -> bool {
    matches!(e, Error::Tls(t) if t.is_permanent())
}

pub(crate) async fn run(shared: Arc<Shared>, mut endpoints: Vec<Endpoint>, tls: Option<TlsConnector>) {
    let mut rng = Rng::new();
    if shared.config.shuffle {
        rng.shuffle(&mut endpoints);
    }
    let cfg = shared.config.clone();
    let mut shutdown = shared.shutdown.subscribe();
    let mut min_index = MinIndex::default();
    let mut next = 0usize;
    let mut session_ids = 0u64;
    let mut backoff = cfg.backoff.min;
    let mut election_rounds = 0u32;
    // The current round: attempts, and how they failed.
    let mut attempts = 0usize;
    let mut rejected = 0usize;
    let mut permanent = 0usize;
    #[allow(unused_assignments)] // every path that ends a round sets it first
    let mut last_error: Option<Error> = None;
    loop {
        if *shutdown.borrow() {
            break;
        }
        let endpoint = endpoints[next % endpoints.len()].clone();
        next += 1;
        shared.state.send_replace(ConnectionState::Connecting {
            endpoint: endpoint.clone(),
        });
        let attempt = tokio::select! {
            r = establish(&shared, &endpoint, tls.as_ref(), &mut min_index) => r,
            _ = shutdown.wait_for(|s| *s) => break,
        };
        match attempt {
            Ok((session, conn, notes, rows)) => {
                session_ids += 1;
                // A connection that worked starts a new round (the backoff is kept until the
                // session proves long-lived).
                attempts = 0;
                rejected = 0;
                permanent = 0;
                election_rounds = 0;
                let session = Session {
                    id: session_ids,
                    ..session
                };
                tracing::info!(%endpoint, session = session.id, "connected");
                shared.session.send_replace(Some(session.clone()));
                shared.state.send_replace(ConnectionState::Connected {
                    endpoint: endpoint.clone(),
                    session: session.id,
                });
                let started = Instant::now();
                let end = watch_session(&shared, &session, conn, notes, rows, &mut min_index).await;
                shared.session.send_replace(None);
                session.routes.close();
                drop(session);
                match end {
                    End::Shutdown => break,
                    End::Lost(e) | End::Disqualified(e) if started.elapsed() < SHORT_SESSION => {
                        tracing::info!(%endpoint, error = %e, "session ended quickly");
                        attempts = 1;
                        last_error = Some(e);
                    }
                    End::Lost(e) | End::Disqualified(e) => {
                        tracing::info!(%endpoint, error = %e, "session ended; reconnecting");
                        backoff = cfg.backoff.min;
                        continue;
                    }
                }
            }
            Err(e) => {
                tracing::debug!(%endpoint, error = %e, "attempt failed");
                attempts += 1;
                rejected += usize::from(is_rejection(&e));
                permanent += usize::from(is_permanent(&e));
                last_error = Some(e);
            }
        }
        if attempts < endpoints.len() {
            continue;
        }
        // A full round failed.
        let delay = if rejected > 0 && election_rounds < ELECTION_ROUNDS {
            election_rounds += 1;
            cfg.election_retry
        } else {
            let d = backoff;
            backoff = (backoff * 2).min(cfg.backoff.max);
            d
        };
        let delay = delay.mul_f64(1.0 - cfg.backoff.jitter.clamp(0.0, 1.0) * rng.unit());
        let all_permanent = permanent == attempts;
        let last = Arc::new(last_error.take().unwrap_or(Error::Disconnected {
            method: "connect".into(),
        }));
        shared.state.send_replace(ConnectionState::Backoff {
            delay,
            last_error: last,
            all_permanent,
        });
        attempts = 0;
        rejected = 0;
        permanent = 0;
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            _ = shutdown.wait_for(|s| *s) => break,
        }
    }
    shared.session.send_replace(None);
    shared.state.send_replace(ConnectionState::Shutdown);
}

/// Aborts the connection task when dropped, so no task outlives the supervisor's use of it.
struct AbortOnDrop(JoinHandle<Result<(), Error>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

type Established = (Session, AbortOnDrop, Notifications, Option<ServerRows>);

async fn establish(
    shared: &Shared,
    endpoint: &Endpoint,
    tls: Option<&TlsConnector>,
    min_index: &mut MinIndex,
) -> Result<Established, Error> {
    let cfg = &shared.config;
    let stream = transport::open(endpoint, tls, cfg.connect_timeout).await?;
    let probe = if endpoint.is_network() {
        cfg.inactivity_probe
    } else {
        cfg.unix_inactivity_probe
    };
    let opts = RpcOptions::default()
        .max_frame_len(cfg.max_frame_len)
        .max_in_flight(cfg.max_in_flight)
        .request_timeout(cfg.request_timeout)
        .inactivity_probe(probe);
    let (rpc, notes, conn) = rpc::connect(stream, &opts);
    let conn = AbortOnDrop(tokio::spawn(conn));
    let setup = async {
        let sync = rpc.with_timeout(cfg.sync_timeout);
        if cfg.db_change_aware {
            match sync.call(&SetDbChangeAware { aware: true }).await {
                Ok(_) | Err(Error::Rpc { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        let reply = sync
            .call(&Monitor {
                db: "_Server".into(),
                monitor_id: SERVER_MONITOR_ID.into(),
                requests: server_db::monitor_requests(),
            })
            .await;
        match reply {
            Ok(updates) => {
                let mut rows = ServerRows::default();
                rows.apply(&updates);
                server_db::check(
                    &rows,
                    cfg.database.as_deref(),
                    cfg.leader_only,
                    min_index,
                    endpoint,
                )?;
                Ok(Some(rows))
            }
            // A server without _Server (older than OVS 2.9) is standalone.
            Err(Error::Rpc { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    };
    let mut conn = conn;
    let rows = match tokio::time::timeout(cfg.sync_timeout, setup).await {
        Ok(Err(e @ (Error::Disconnected { .. } | Error::OutcomeUnknown { .. }))) => {
            // The connection closed under the setup: its own error says why (for TLS 1.3, a
            // server refusing our certificate is only known at the first read).
            return match tokio::time::timeout(Duration::from_secs(1), &mut conn.0).await {
                Ok(Ok(Err(closed))) => Err(closed),
                _ => Err(e),
            };
        }
        Ok(r) => r?,
        Err(_) => {
            return Err(Error::Timeout {
                method: "session setup".into(),
                timeout: cfg.sync_timeout,
                sent: true,
            });
        }
    };
    let session = Session {
        id: 0,
        endpoint: endpoint.clone(),
        rpc,
        routes: Arc::new(Routes::default()),
    };
    Ok((session, conn, notes, rows))
}

async fn watch_session(
    shared: &Shared,
    session: &Session,
    mut conn: AbortOnDrop,
    mut notes: Notifications,
    mut rows: Option<ServerRows>,
    min_index: &mut MinIndex,
) -> End {
    let cfg = &shared.config;
    let mut shutdown = shared.shutdown.subscribe();
    let mut notes_open = true;
    loop {
        tokio::select! {
            done = &mut conn.0 => {
                return End::Lost(match done {
                    Ok(Ok(())) => Error::PeerClosed,
                    Ok(Err(e)) => e,
                    Err(_join) => Error::PeerClosed,
                });
            }
            n = notes.recv(), if notes_open => {
                let Some(raw) = n else {
                    notes_open = false;
                    continue;
                };
                let _routed = super::MarkRouted(&session.routes, raw.seq);
                let note = match raw.decode() {
                    Ok(n) => n,
                    Err(e) => {
                        tracing::warn!(error = %e, "undecodable notification ignored");
                        continue;
                    }
                };
                match note {
                    Notification::Update { monitor_id, updates } if monitor_id == SERVER_MONITOR_ID => {
                        if let Some(rows) = rows.as_mut() {
                            rows.apply(&updates);
                            if let Err(e) = server_db::check(
                                rows, cfg.database.as_deref(), cfg.leader_only, min_index, &session.endpoint,
                            ) {
                                tracing::info!(endpoint = %session.endpoint, error = %e, "server no longer qualifies");
                                return End::Disqualified(e);
                            }
                        }
                    }
                    other => {
                        if !session.routes.route(other) {
                            tracing::debug!(method = %raw.method, "notification for no subscriber");
                        }
                    }
                }
            }
            _ = shutdown.wait_for(|s| *s) => return End::Shutdown,
        }
    }
}
