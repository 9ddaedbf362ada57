//! Injectable time: housekeeping asks a [`Clock`], so tests drive a [`FakeClock`] instead of
//! sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// A source of "now", in ns since the Unix epoch, UTC.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current time.
    fn now_ns(&self) -> i64;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ns(&self) -> i64 {
        crate::timefmt::now_ns()
    }
}

/// A clock that moves only when told to.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use tradestore::housekeeping::{Clock, FakeClock};
/// let clock = FakeClock::new(1_000);
/// clock.advance(Duration::from_secs(1));
/// assert_eq!(clock.now_ns(), 1_000_001_000);
/// ```
#[derive(Debug, Default)]
pub struct FakeClock {
    ns: AtomicI64,
}

impl FakeClock {
    /// A clock standing at `start_ns`.
    pub fn new(start_ns: i64) -> FakeClock {
        FakeClock {
            ns: AtomicI64::new(start_ns),
        }
    }

    /// Moves the clock forward by `d`.
    pub fn advance(&self, d: Duration) {
        let step = i64::try_from(d.as_nanos()).unwrap_or(i64::MAX);
        let _ = self
            .ns
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |v| Some(v.saturating_add(step)));
    }

    /// Sets the clock to `ns`.
    pub fn set(&self, ns: i64) {
        self.ns.store(ns, Ordering::SeqCst);
    }
}

impl Clock for FakeClock {
    fn now_ns(&self) -> i64 {
        self.ns.load(Ordering::SeqCst)
    }
}

/// `d` in ns, saturating.
pub(crate) fn dur_ns(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}
