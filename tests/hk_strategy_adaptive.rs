//! The adaptive strategy applies time retention first and escalates (shorter retention, then
//! priority order) only while the component is still over its target.

mod common;

use common::hk::{self, DAY};
use tradestore::housekeeping::{CleanupOptions, Importance, StrategyKind};

#[test]
fn time_first_then_escalates_while_over_target() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let root = dir.path();
    let store = tradestore::Store::open(root)?;
    let clock = hk::clock();
    let h = hk::single("mem", Importance::Normal, StrategyKind::Adaptive, &clock, 10.0);
    h.ensure_layout(&store)?;
    // logs retention 7 d.
    hk::file(root, "components/mem/logs/expired", 100_000, &clock, 8 * DAY);
    hk::file(root, "components/mem/logs/five_days", 100_000, &clock, 5 * DAY);
    hk::file(root, "components/mem/logs/two_days", 100_000, &clock, 2 * DAY);
    hk::file(root, "components/mem/data/fresh", 300_000, &clock, 0);

    // 600 000 in use, under the 700 000 target: only the expired log goes.
    let r = h.cleanup(&store, &CleanupOptions::all())?;
    let removed: Vec<_> = r.components[0].planned.iter().map(|p| p.reason.clone()).collect();
    assert_eq!(removed.len(), 1, "{removed:?}");
    assert!(removed[0].starts_with("adaptive/time"), "{removed:?}");

    // Over target: half retention (3.5 d) takes five_days, still over → quarter retention
    // (1.75 d) takes two_days, still over → priority takes what is needed.
    hk::file(root, "components/mem/data/big", 450_000, &clock, 0);
    // 950 000 in use.
    let r = h.cleanup(&store, &CleanupOptions::dry_run())?;
    let plan: Vec<_> = r.components[0]
        .planned
        .iter()
        .map(|p| {
            (
                p.rel.display().to_string(),
                p.reason.split(':').next().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        plan,
        vec![
            (
                "components/mem/logs/five_days".to_string(),
                "adaptive/half-retention".to_string()
            ),
            (
                "components/mem/logs/two_days".to_string(),
                "adaptive/quarter-retention".to_string()
            ),
            ("components/mem/data/big".to_string(), "adaptive/priority".to_string()),
        ]
    );
    Ok(())
}
