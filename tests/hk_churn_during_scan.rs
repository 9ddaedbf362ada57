//! Files created and deleted while usage is measured and cleanups run (entries vanishing
//! between listing and stat, or between scan and delete) never fail a pass.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::hk::{self, DAY};
use tradestore::housekeeping::{CleanupOptions, Importance, StrategyKind};

#[test]
fn passes_finish_while_files_churn() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let root = dir.path().to_path_buf();
    let store = tradestore::Store::open(&root)?;
    let clock = hk::clock();
    let h = hk::single("bot", Importance::Low, StrategyKind::Adaptive, &clock, 10.0);
    h.ensure_layout(&store)?;
    let stop = Arc::new(AtomicBool::new(false));
    let churn = {
        let (root, stop, clock) = (root.clone(), stop.clone(), clock.clone());
        std::thread::spawn(move || {
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let rel = format!("components/bot/temp/d{}/f{i}", i % 7);
                hk::file(&root, &rel, 50_000, &clock, 2 * DAY);
                if i >= 5 {
                    let old = root.join(format!("components/bot/temp/d{}/f{}", (i - 5) % 7, i - 5));
                    let _ = std::fs::remove_file(old);
                }
                if i.is_multiple_of(50) {
                    let _ = std::fs::remove_dir_all(root.join(format!("components/bot/temp/d{}", (i / 50) % 7)));
                }
                i += 1;
            }
            i
        })
    };
    for _ in 0..30 {
        let u = h.usage(&store)?;
        assert_eq!(u.components.len(), 1);
        let r = h.cleanup(&store, &CleanupOptions::all())?;
        // Every failure is a file that disappeared first, never anything else.
        for f in &r.components[0].failed {
            assert!(f.path.starts_with("components/bot/temp"), "{f:?}");
        }
    }
    stop.store(true, Ordering::Relaxed);
    let made = churn.join().map_err(|_| "churn thread panicked")?;
    assert!(made > 0);
    Ok(())
}
