//! In-store retention of bot-state versions: the newest N stay, older ones go (by age when an
//! age is set); the dry run lists exactly what the real run removes; the newest version is
//! never removed.

mod common;

use std::sync::Arc;

use tradestore::housekeeping::{CleanupOptions, Housekeeper, RetentionSource, StateVersionRetention};

#[test]
fn state_versions_beyond_keep_last_go() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let store = tradestore::Store::open(dir.path())?;
    for i in 0..10 {
        store.save_state(&format!(r#"{{"i":{i}}}"#), None)?;
    }
    let now = tradestore::timefmt::now_ns();
    let keep3 = StateVersionRetention {
        keep_last: 3,
        max_age_ns: None,
    };
    let plan = keep3.plan(&store, now)?;
    let what: Vec<_> = plan.items.iter().map(|i| i.what.clone()).collect();
    assert_eq!(what, (1..=7).map(|v| format!("state version {v}")).collect::<Vec<_>>());
    assert!(plan.bytes > 0);
    assert_eq!(store.state_history()?.len(), 10, "planning removes nothing");

    // Through the housekeeper: dry run, then the real run removes exactly that.
    let mut cfg = common::hk::config(vec![]);
    cfg.store.state_keep_last = Some(3);
    let h = Housekeeper::new(cfg)?;
    let dry = h.cleanup(&store, &CleanupOptions::dry_run())?;
    assert_eq!(dry.store, vec![plan.clone()]);
    let real = h.cleanup(&store, &CleanupOptions::all())?;
    assert_eq!(real.store[0].items, plan.items);
    let left: Vec<u64> = store.state_history()?.iter().map(|s| s.version).collect();
    assert_eq!(left, [8, 9, 10]);

    // An age limit keeps young versions even beyond keep_last; keep_last 0 still keeps the newest.
    let young = StateVersionRetention {
        keep_last: 1,
        max_age_ns: Some(3_600 * common::SEC),
    };
    assert!(young.apply(&store, now)?.items.is_empty());
    let all_old = StateVersionRetention {
        keep_last: 0,
        max_age_ns: Some(0),
    };
    let far_future = now + 10 * 3_600 * common::SEC;
    assert_eq!(all_old.apply(&store, far_future)?.items.len(), 2);
    assert_eq!(store.load_state()?.map(|s| s.version), Some(10));
    let _: Arc<dyn RetentionSource> = Arc::new(all_old);
    Ok(())
}
