//! Scheduled snapshots: a background thread takes one every interval and keeps the last K.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{RecvTimeoutError, Sender};
use redb::Database;

use super::{AUTO_PREFIX, create_from, list_in};
use crate::{Error, Result, Store};

/// What the snapshot schedule has done so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScheduleStatus {
    /// Snapshots taken.
    pub taken: u64,
    /// Old scheduled snapshots removed by the retention.
    pub removed: u64,
    /// The last failure, if the last attempt failed.
    pub last_error: Option<String>,
}

pub(crate) struct Scheduler {
    stop: Option<Sender<()>>,
    handle: Option<JoinHandle<()>>,
    status: Arc<Mutex<ScheduleStatus>>,
}

/// The scheduled (`auto-`) snapshots beyond the newest `keep`, oldest first: what the
/// schedule's retention removes. Snapshots taken by hand are never among them.
pub(crate) fn autos_beyond(root: &std::path::Path, keep: usize) -> Result<Vec<super::SnapshotInfo>> {
    let mut autos: Vec<_> = list_in(root)?
        .into_iter()
        .filter(|s| {
            s.path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(AUTO_PREFIX))
        })
        .collect();
    autos.truncate(autos.len().saturating_sub(keep));
    Ok(autos)
}

fn prune(root: &std::path::Path, keep: usize) -> Result<u64> {
    let mut removed = 0;
    for s in autos_beyond(root, keep)? {
        std::fs::remove_file(&s.path).map_err(|e| Error::io(&s.path, e))?;
        removed += 1;
    }
    Ok(removed)
}

impl Scheduler {
    pub(crate) fn spawn(db: Arc<Database>, root: PathBuf, every: Duration, keep: usize) -> Result<Scheduler> {
        let (stop, rx) = crossbeam_channel::bounded::<()>(0);
        let status = Arc::new(Mutex::new(ScheduleStatus::default()));
        let st = status.clone();
        let handle = std::thread::Builder::new()
            .name("tradestore-snapshots".into())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = rx.recv_timeout(every) {
                    let outcome = create_from(&db, &root, None, AUTO_PREFIX).and_then(|_| prune(&root, keep));
                    if let Ok(mut s) = st.lock() {
                        match outcome {
                            Ok(removed) => {
                                s.taken += 1;
                                s.removed += removed;
                                s.last_error = None;
                            }
                            Err(e) => s.last_error = Some(e.to_string()),
                        }
                    }
                }
            })
            .map_err(|e| Error::io("tradestore-snapshots thread", e))?;
        Ok(Scheduler {
            stop: Some(stop),
            handle: Some(handle),
            status,
        })
    }
}

impl Drop for Scheduler {
    fn drop(&mut self) {
        self.stop.take();
        if let Some(h) = self.handle.take() {
            // A snapshot in progress finishes first; a panicked thread has nothing left to clean.
            let _ = h.join();
        }
    }
}

impl Store {
    /// What the snapshot schedule has done, when one is configured
    /// ([`StoreBuilder::scheduled_snapshots`](crate::StoreBuilder::scheduled_snapshots)).
    pub fn snapshot_schedule(&self) -> Option<ScheduleStatus> {
        let s = self.inner().scheduler.as_ref()?;
        s.status.lock().ok().map(|g| g.clone())
    }
}
