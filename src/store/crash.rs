//! Named crash points for process-crash tests. Compiled in only with the cargo feature
//! `crash-points` (off by default); without it [`hit`] is an empty inline function.
//!
//! With the feature, `TRADESTORE_CRASH_POINT=<name>:<n>` makes the process abort (no
//! destructors, no flush: as abrupt as SIGKILL) the `n`-th time the writer thread reaches the
//! point `<name>`. Points: `before_commit` (the batch is applied, the commit not started) and
//! `after_commit` (the commit is durable, no caller has been answered yet).

#[cfg(feature = "crash-points")]
pub(crate) fn hit(name: &str) {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};

    static TARGET: OnceLock<Option<(String, u64)>> = OnceLock::new();
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let target = TARGET.get_or_init(|| {
        let spec = std::env::var("TRADESTORE_CRASH_POINT").ok()?;
        let (point, n) = spec.split_once(':')?;
        Some((point.to_owned(), n.parse().ok()?))
    });
    if let Some((point, n)) = target
        && point == name
        && COUNT.fetch_add(1, Ordering::SeqCst) + 1 == *n
    {
        std::process::abort();
    }
}

#[cfg(not(feature = "crash-points"))]
#[inline(always)]
pub(crate) fn hit(_name: &str) {}
