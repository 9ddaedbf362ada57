//! The lru strategy removes the least recently accessed files first, until under target.

mod common;

use common::hk::{self, DAY};
use tradestore::housekeeping::{CleanupOptions, Importance, StrategyKind};

#[test]
fn least_recently_used_first() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let root = dir.path();
    let store = tradestore::Store::open(root)?;
    let clock = hk::clock();
    let h = hk::single("feeds", Importance::High, StrategyKind::Lru, &clock, 10.0);
    h.ensure_layout(&store)?;
    // Modified long ago but read recently vs. modified recently but not read since: access
    // time decides.
    let t = |age| hk::before(&clock, age);
    hk::file_times(root, "components/feeds/cache/hot", 300_000, t(90 * DAY), t(60));
    hk::file_times(root, "components/feeds/cache/cold", 300_000, t(2 * DAY), t(2 * DAY));
    hk::file_times(root, "components/feeds/data/colder", 300_000, t(3 * DAY), t(3 * DAY));
    hk::file_times(root, "components/feeds/logs/warm", 300_000, t(DAY), t(DAY));
    // 1 200 000 in use, target 700 000: the two least recently used go (colder, cold).
    let r = h.cleanup(&store, &CleanupOptions::all())?;
    let removed: Vec<_> = r.components[0]
        .planned
        .iter()
        .map(|p| p.rel.display().to_string())
        .collect();
    assert_eq!(
        removed,
        vec!["components/feeds/data/colder", "components/feeds/cache/cold"]
    );
    assert_eq!(
        hk::files_left(root, "components"),
        vec!["components/feeds/cache/hot", "components/feeds/logs/warm"]
    );
    Ok(())
}
