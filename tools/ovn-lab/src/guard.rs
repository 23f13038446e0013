//! [`LabGuard`]: a lab for a scripted test, torn down when the guard is dropped (also when the
//! test fails or panics).

use crate::error::Result;
use crate::lab::{DownReport, Lab, LabConfig, UpOptions, down, up};

/// A running lab that is torn down ([`down`]) when dropped. Made by [`LabGuard::up`]; drop it
/// (or call [`LabGuard::down`]) at the end of the test. The drop blocks on a thread of its own
/// (so it works inside any tokio runtime) until every process, namespace and file of the lab is
/// gone.
#[derive(Debug)]
pub struct LabGuard {
    cfg: LabConfig,
    armed: bool,
}

impl LabGuard {
    /// Brings the lab of `cfg` up with `opts`; a lab that fails half-way is torn down before
    /// the error is returned.
    ///
    /// # Errors
    /// As [`up`].
    pub async fn up(cfg: LabConfig, opts: &UpOptions) -> Result<LabGuard> {
        // Armed before `up` runs: whatever it started goes with the guard.
        let guard = LabGuard { cfg, armed: true };
        up(&guard.cfg, opts).await?;
        Ok(guard)
    }

    /// The lab's configuration.
    pub fn config(&self) -> &LabConfig {
        &self.cfg
    }

    /// Opens the lab (see [`Lab::open`]).
    ///
    /// # Errors
    /// As [`Lab::open`].
    pub async fn open(&self) -> Result<Lab> {
        Lab::open(self.cfg.clone()).await
    }

    /// Tears the lab down now and reports what was removed.
    ///
    /// # Errors
    /// As [`down`].
    pub async fn down(mut self) -> Result<DownReport> {
        self.armed = false;
        down(&self.cfg).await
    }
}

impl Drop for LabGuard {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let cfg = self.cfg.clone();
        // A runtime of its own on a thread of its own: `drop` may run inside a runtime (where
        // blocking on another future is not allowed) or during a panic.
        let res = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(down(&cfg)).map(|_| ()).map_err(|e| e.to_string())
        })
        .join();
        if let Ok(Err(e)) = res {
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr(), "ovn-lab: tearing down {}: {e}", self.cfg.name);
        }
    }
}
