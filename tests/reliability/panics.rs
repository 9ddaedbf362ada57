//! Counts panics on every thread (the writer thread included), without printing them all.

use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};

static PANICS: AtomicU64 = AtomicU64::new(0);
static INSTALL: Once = Once::new();

/// Installs the counting hook (once per process). The first few panics are still printed.
pub fn install() {
    INSTALL.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if PANICS.fetch_add(1, Ordering::SeqCst) < 3 {
                default(info);
            }
        }));
    });
}

/// Panics seen so far in this process.
pub fn count() -> u64 {
    PANICS.load(Ordering::SeqCst)
}
