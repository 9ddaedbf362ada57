//! The background loops: a usage loop (usage, alerts, emergency cleanup) and a maintenance loop
//! (due cleanups, health). Both stop promptly when their handle is dropped or the store closes:
//! each waits on a select over a shutdown channel, the store's close signal and its timer.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, after, select};

use super::housekeeper::Housekeeper;
use crate::{Error, Result, Store, WeakStore};

/// Running background housekeeping. Dropping it (or [`MonitorHandle::stop`]) stops the loops
/// and joins their threads; so does closing the store.
#[derive(Debug)]
pub struct MonitorHandle {
    shutdown: Option<Sender<()>>,
    wake: Vec<Sender<Sender<()>>>,
    closed: Receiver<()>,
    threads: Vec<JoinHandle<()>>,
    passes: Arc<AtomicU64>,
    last_error: Arc<Mutex<Option<String>>>,
}

impl MonitorHandle {
    /// Passes completed by both loops together.
    pub fn passes(&self) -> u64 {
        self.passes.load(Ordering::SeqCst)
    }

    /// The last error a pass ended with, if any.
    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().ok().and_then(|e| e.clone())
    }

    /// Makes every loop run a pass now (without waiting for its timer) and returns when all
    /// have finished it.
    ///
    /// # Errors
    /// [`Error::Unavailable`] if the loops have stopped (the store closed).
    pub fn run_now(&self) -> Result<()> {
        let gone = || Error::Unavailable("housekeeping loops have stopped (the store is closed)".into());
        let mut waits = Vec::new();
        for w in &self.wake {
            let (tx, rx) = crossbeam_channel::bounded(1);
            select! {
                send(w, tx) -> sent => sent.map_err(|_| gone())?,
                recv(self.closed) -> _ => return Err(gone()),
            }
            waits.push(rx);
        }
        for rx in waits {
            // A loop that saw the store close drops its queue unread: the close signal ends the
            // wait then, unless the pass finished first.
            select! {
                recv(rx) -> done => done.map_err(|_| gone())?,
                recv(self.closed) -> _ => rx.try_recv().map_err(|_| gone())?,
            }
        }
        Ok(())
    }

    /// Stops the loops and waits for them to finish their current pass.
    pub fn stop(mut self) {
        self.join();
    }

    fn join(&mut self) {
        self.shutdown.take();
        for t in self.threads.drain(..) {
            // A panicked loop has nothing left to clean up.
            let _ = t.join();
        }
    }
}

impl Drop for MonitorHandle {
    fn drop(&mut self) {
        self.join();
    }
}

struct Loop {
    store: WeakStore,
    closed: Receiver<()>,
    shutdown: Receiver<()>,
    wake: Receiver<Sender<()>>,
    every: Duration,
    passes: Arc<AtomicU64>,
    last_error: Arc<Mutex<Option<String>>>,
}

impl Loop {
    fn run(self, pass: impl Fn(&Store) -> Result<()>) {
        loop {
            let mut reply = None;
            select! {
                recv(self.shutdown) -> _ => return,
                recv(self.closed) -> _ => return,
                recv(self.wake) -> msg => match msg {
                    Ok(r) => reply = Some(r),
                    Err(_) => return,
                },
                recv(after(self.every)) -> _ => {}
            }
            // Hold the store only for the pass, so closing it is never delayed by a sleeping loop.
            let Some(store) = self.store.upgrade() else { return };
            let outcome = pass(&store);
            drop(store);
            if let Ok(mut e) = self.last_error.lock() {
                *e = outcome.err().map(|e| e.to_string());
            }
            self.passes.fetch_add(1, Ordering::SeqCst);
            if let Some(r) = reply {
                // The caller of run_now may have gone; nothing to tell then.
                let _ = r.send(());
            }
        }
    }
}

impl Housekeeper {
    /// Starts the usage loop (every `monitor.usage_interval_secs`) and the maintenance loop
    /// (checks due cleanups at the same pace, health every `monitor.health_interval_secs`).
    ///
    /// # Errors
    /// [`Error::Io`] if a thread cannot be started.
    pub fn spawn(self: &Arc<Self>, store: &Store) -> Result<MonitorHandle> {
        let (tx, rx) = crossbeam_channel::bounded::<()>(0);
        let passes = Arc::new(AtomicU64::new(0));
        let last_error = Arc::new(Mutex::new(None));
        let every = Duration::from_secs(self.config().monitor.usage_interval_secs);
        let mut wake = Vec::new();
        let mut mk = || {
            let (wake_tx, wake_rx) = crossbeam_channel::bounded(1);
            wake.push(wake_tx);
            Loop {
                store: store.downgrade(),
                closed: store.closed(),
                shutdown: rx.clone(),
                wake: wake_rx,
                every,
                passes: passes.clone(),
                last_error: last_error.clone(),
            }
        };
        let mut threads = Vec::new();
        let hk = self.clone();
        let l = mk();
        threads.push(spawn("tradestore-hk-usage", move || {
            l.run(|s| hk.usage_pass(s).map(|_| ()));
        })?);
        let hk = self.clone();
        let l = mk();
        threads.push(spawn("tradestore-hk-maintenance", move || {
            l.run(|s| {
                hk.due_cleanups(s)?;
                hk.health_if_due(s).map(|_| ())
            });
        })?);
        Ok(MonitorHandle {
            shutdown: Some(tx),
            wake,
            closed: store.closed(),
            threads,
            passes,
            last_error,
        })
    }
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(f)
        .map_err(|e| Error::io(name, e))
}
