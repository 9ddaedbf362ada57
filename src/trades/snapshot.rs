//! A read snapshot of the two tables a point read needs, shared by point reads for a few
//! milliseconds.
//!
//! Beginning a redb read transaction and opening a table (a lookup in the table tree and a check
//! of its key and value types) cost more than the two B-tree lookups of a point read itself.
//! Point reads therefore share one snapshot for at most [`MAX_AGE`]. That stays correct because a
//! committed trade never changes and is never removed: a trade found in an older snapshot is the
//! very trade a fresh one would return. A read that does not find its id in the shared snapshot
//! takes a fresh one (and shares it), so every acknowledged write is seen.
//!
//! A live snapshot keeps redb from reusing the pages freed after it was taken, so it is never
//! kept long: a small reaper thread drops it [`MAX_AGE`] after it was taken, and it is dropped
//! with the store.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use redb::{ReadOnlyTable, ReadTransaction};

use super::TRADES_NAME;
use crate::envelope::Rec;
use crate::records::Trade;
use crate::tables::{TRADE_IDS, TRADES};
use crate::{Error, Result};

/// How long a snapshot is shared after it was taken.
pub(crate) const MAX_AGE: Duration = Duration::from_millis(5);
/// How often an idle reaper checks whether its store is gone.
const IDLE_CHECK: Duration = Duration::from_secs(1);

/// The trade tables of one read transaction.
pub(crate) struct PointTables {
    ids: ReadOnlyTable<u64, (&'static str, i64)>,
    trades: ReadOnlyTable<(&'static str, i64, u64), Rec<Trade>>,
}

impl PointTables {
    /// Opens the id map and the trade table in `rtx`.
    pub(crate) fn open(rtx: &ReadTransaction) -> Result<Self> {
        Ok(PointTables {
            ids: rtx.open_table(TRADE_IDS)?,
            trades: rtx.open_table(TRADES)?,
        })
    }

    /// The trade with id `id`, verified and decoded; `None` if this snapshot does not hold it.
    pub(crate) fn get(&self, id: u64) -> Result<Option<Trade>> {
        let Some(key) = self.ids.get(id)? else {
            return Ok(None);
        };
        let (symbol, ts) = key.value();
        let rec = self
            .trades
            .get((symbol, ts, id))?
            .ok_or_else(|| Error::corruption("trade_ids", id, "index points at a missing trade"))?;
        rec.value().decode(TRADES_NAME, &id).map(Some)
    }
}

struct Held {
    tables: Arc<PointTables>,
    taken: Instant,
}

#[derive(Default)]
struct Shared {
    held: Mutex<Option<Held>>,
    /// Wakes the reaper when a snapshot is shared or the slot closes.
    wake: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Option<Held>> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Where the shared snapshot of one store lives.
#[derive(Default)]
pub(crate) struct SnapshotSlot {
    shared: Arc<Shared>,
    reaper: Mutex<bool>,
}

impl SnapshotSlot {
    /// The shared snapshot, if one was taken less than [`MAX_AGE`] ago.
    pub(crate) fn current(&self) -> Option<Arc<PointTables>> {
        let held = self.shared.lock();
        held.as_ref()
            .filter(|h| h.taken.elapsed() < MAX_AGE)
            .map(|h| h.tables.clone())
    }

    /// Shares `tables`, taken now, in place of the previous snapshot. Without a reaper thread
    /// (it could not be started) nothing is shared.
    pub(crate) fn share(&self, tables: Arc<PointTables>) {
        if !self.ensure_reaper() {
            return;
        }
        let previous = self.shared.lock().replace(Held {
            tables,
            taken: Instant::now(),
        });
        // A reaper with a snapshot to drop already wakes in time for this one too.
        if previous.is_none() {
            self.shared.wake.notify_one();
        }
    }

    fn ensure_reaper(&self) -> bool {
        let mut started = self.reaper.lock().unwrap_or_else(PoisonError::into_inner);
        if !*started {
            let weak = Arc::downgrade(&self.shared);
            *started = std::thread::Builder::new()
                .name("tradestore-snapshot-reaper".into())
                .spawn(move || reap(&weak))
                .is_ok();
        }
        *started
    }
}

impl SnapshotSlot {
    /// Drops the shared snapshot now (the store is closing: it must not hold the file).
    pub(crate) fn clear(&self) {
        self.shared.lock().take();
    }
}

impl Drop for SnapshotSlot {
    fn drop(&mut self) {
        self.shared.lock().take();
        self.shared.wake.notify_one();
    }
}

/// Drops each shared snapshot once it is [`MAX_AGE`] old; returns when the slot is gone.
fn reap(shared: &Weak<Shared>) {
    while let Some(s) = shared.upgrade() {
        let held = s.lock();
        let wait = match held.as_ref() {
            None => IDLE_CHECK,
            Some(h) => MAX_AGE.saturating_sub(h.taken.elapsed()),
        };
        let (mut held, _) = s.wake.wait_timeout(held, wait).unwrap_or_else(PoisonError::into_inner);
        if held.as_ref().is_some_and(|h| h.taken.elapsed() >= MAX_AGE) {
            held.take();
        }
    }
}
