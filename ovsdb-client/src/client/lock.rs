//! Locks (RFC 7047 §4.1.8–4.1.10) held across reconnects.

use std::sync::Arc;

use ovsdb_proto::method::{Lock, Steal, Unlock};
use ovsdb_proto::notify::Notification;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::{Client, Shared};
use crate::error::Error;

/// Where a lock stands, from [`LockHandle::state`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LockState {
    /// No session: the lock will be requested again on the next one.
    NotConnected,
    /// Requested; another client holds it. A `locked` notification will grant it.
    Waiting,
    /// Held by this client.
    Locked,
    /// Another client stole it (`stolen`); the request stays queued and `locked` may follow.
    Stolen,
}

/// A lock requested through a [`Client`]. The lock is requested on every new session (a lock
/// dies with its connection); [`LockHandle::state`] follows `locked`/`stolen`. Dropping the
/// handle releases it.
pub struct LockHandle {
    name: String,
    state: watch::Receiver<LockState>,
    task: JoinHandle<()>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for LockHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LockHandle")
            .field("name", &self.name)
            .field("state", &*self.state.borrow())
            .finish()
    }
}

impl LockHandle {
    /// The lock's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The lock's state, as a watch.
    pub fn state(&self) -> watch::Receiver<LockState> {
        self.state.clone()
    }

    /// Whether this client holds the lock now.
    pub fn is_locked(&self) -> bool {
        *self.state.borrow() == LockState::Locked
    }

    /// Waits until this client holds the lock, at most `timeout`.
    ///
    /// # Errors
    /// [`Error::Timeout`] (with method `"lock"`), [`Error::Shutdown`].
    pub async fn wait_locked(&self, timeout: std::time::Duration) -> Result<(), Error> {
        let mut rx = self.state.clone();
        match tokio::time::timeout(timeout, rx.wait_for(|s| *s == LockState::Locked)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(_)) => Err(Error::Shutdown),
            Err(_) => Err(Error::Timeout {
                method: "lock".into(),
                timeout,
                sent: true,
            }),
        }
    }

    /// Releases the lock (`unlock` on the current session) and stops requesting it.
    ///
    /// # Errors
    /// As [`Client::call`]; the lock is released anyway if the session is gone.
    pub async fn unlock(self) -> Result<(), Error> {
        self.task.abort();
        let session = self.shared.session.borrow().clone();
        if let Some(s) = session {
            s.routes.remove_lock(&self.name);
            s.rpc
                .call(&Unlock {
                    lock: self.name.clone(),
                })
                .await?;
        }
        Ok(())
    }
}

impl Drop for LockHandle {
    fn drop(&mut self) {
        self.task.abort();
        let session = self.shared.session.borrow().clone();
        if let Some(s) = session {
            s.routes.remove_lock(&self.name);
            let _ = s.rpc.notify("unlock", serde_json::json!([self.name]));
        }
    }
}

impl Client {
    /// Requests lock `name` (RFC 7047 §4.1.8) on this and every later session.
    pub fn lock(&self, name: &str) -> LockHandle {
        self.lock_with(name, false)
    }

    /// Steals lock `name` (RFC 7047 §4.1.9): held at once, the previous owner gets `stolen`.
    /// On later sessions the lock is requested normally.
    pub fn steal(&self, name: &str) -> LockHandle {
        self.lock_with(name, true)
    }

    fn lock_with(&self, name: &str, steal: bool) -> LockHandle {
        let (tx, rx) = watch::channel(LockState::NotConnected);
        let task = tokio::spawn(hold(self.shared.clone(), name.to_owned(), steal, tx));
        LockHandle {
            name: name.to_owned(),
            state: rx,
            task,
            shared: self.shared.clone(),
        }
    }
}

async fn hold(shared: Arc<Shared>, name: String, mut steal: bool, tx: watch::Sender<LockState>) {
    let mut previous = None;
    loop {
        tx.send_replace(LockState::NotConnected);
        let far = Instant::now() + std::time::Duration::from_secs(86_400 * 365);
        let Some(session) = shared.next_session(previous, far).await else {
            return;
        };
        previous = Some(session.id);
        let mut notes = session.routes.add_lock(&name);
        let reply = if steal {
            session.rpc.call(&Steal { lock: name.clone() }).await
        } else {
            session.rpc.call(&Lock { lock: name.clone() }).await
        };
        match reply {
            Ok(r) => {
                steal = false;
                tx.send_replace(if r.locked {
                    LockState::Locked
                } else {
                    LockState::Waiting
                });
            }
            Err(e) => {
                tracing::debug!(lock = %name, error = %e, "lock request failed; waiting for the next session");
                continue;
            }
        }
        while let Some(n) = notes.recv().await {
            match n {
                Notification::Locked { .. } => tx.send_replace(LockState::Locked),
                Notification::Stolen { .. } => tx.send_replace(LockState::Stolen),
                _ => continue,
            };
        }
    }
}
