//! The background sweeper: a thread that reclaims expired keys every interval.
//!
//! Expired keys are never served whether or not the sweeper has reached them (every read
//! checks the expiry); the sweeper only gives their space back. It holds a weak reference to
//! the store so it never keeps a closed store alive, and it stops as soon as the store closes:
//! closing drops the stop channel, which wakes the thread at once.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{RecvTimeoutError, Sender};

use crate::store::Inner;
use crate::{Error, Result, Store};

/// Keys removed per sweep transaction, so one sweep never holds the writer for long.
const BATCH: usize = 1000;

#[derive(Default)]
pub(crate) struct Sweeper {
    stop: Mutex<Option<Sender<()>>>,
    handle: Mutex<Option<JoinHandle<()>>>,
    pub(super) reclaimed: Arc<AtomicU64>,
}

impl Sweeper {
    pub(crate) fn start(&self, store: Weak<Inner>, interval: Duration) -> Result<()> {
        let (tx, rx) = crossbeam_channel::bounded::<()>(0);
        let reclaimed = self.reclaimed.clone();
        let handle = std::thread::Builder::new()
            .name("tradestore-kv-sweeper".into())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = rx.recv_timeout(interval) {
                    let Some(inner) = store.upgrade() else { break };
                    let store = Store::from_inner(inner);
                    // A failed sweep (store busy, disk error) is retried at the next tick; the
                    // expired keys stay invisible meanwhile.
                    if let Ok(n) = super::embedded::sweep(&store, BATCH) {
                        reclaimed.fetch_add(n, Ordering::Relaxed);
                    }
                }
            })
            .map_err(|e| Error::io("tradestore-kv-sweeper thread", e))?;
        *self.stop.lock().unwrap_or_else(PoisonError::into_inner) = Some(tx);
        *self.handle.lock().unwrap_or_else(PoisonError::into_inner) = Some(handle);
        Ok(())
    }

    /// Stops the thread and waits for it (unless called from the thread itself, when it held
    /// the last handle on the store: it then ends on its own right after).
    pub(crate) fn shutdown(&self) {
        self.stop.lock().unwrap_or_else(PoisonError::into_inner).take();
        let handle = self.handle.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(h) = handle
            && h.thread().id() != std::thread::current().id()
        {
            let _ = h.join();
        }
    }
}
