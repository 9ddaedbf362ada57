//! A TOML configuration replaces the components, sets thresholds per component, and refuses
//! typos and out-of-range values whole.

use tradestore::Error;
use tradestore::housekeeping::{HousekeepingConfig, Importance, StrategyKind};

const GOOD: &str = r#"
warning_percent = 75.0
target_percent = 60.0

[disk]
warning_percent = 80.0

[monitor]
usage_interval_secs = 10
alert_cooldown_secs = 60

[store]
state_keep_last = 50

[[component]]
name = "engine"
importance = "critical"
allocation_mb = 100
strategy = "priority"
interval_hours = 2
compression = false
critical_percent = 90.0
retention = { data_days = 30, logs_days = 7, cache_hours = 12 }

[[component]]
name = "feeds"
importance = "low"
allocation_mb = 10
strategy = "lru"
interval_hours = 0.5
retention = { data_days = 1, logs_days = 1, cache_hours = 1, temp_hours = 2 }
"#;

#[test]
fn toml_sets_components_and_thresholds() -> tradestore::Result<()> {
    let cfg = HousekeepingConfig::from_toml(GOOD)?;
    assert_eq!(cfg.components.len(), 2);
    let e = cfg.component("engine").ok_or(Error::NotFound("engine".into()))?;
    assert_eq!(e.importance, Importance::Critical);
    assert_eq!(e.strategy, StrategyKind::Priority);
    assert!(!e.compression);
    assert_eq!((cfg.warning_for(e), cfg.critical_for(e)), (75.0, 90.0));
    assert_eq!(e.retention.temp_hours, Some(24.0), "temp retention defaults to 24 h");
    let f = cfg.component("feeds").ok_or(Error::NotFound("feeds".into()))?;
    assert!(f.compression, "compression defaults to on");
    assert_eq!(f.retention.temp_hours, Some(2.0));
    assert_eq!(cfg.disk.warning_percent, 80.0);
    assert_eq!(cfg.disk.critical_percent, 95.0, "unset keys keep their default");
    assert_eq!(cfg.monitor.usage_interval_secs, 10);
    assert_eq!(cfg.monitor.health_interval_secs, 1800);
    assert_eq!(cfg.store.state_keep_last, Some(50));
    Ok(())
}

#[test]
fn bad_configurations_are_refused() {
    let cases = [
        ("typo", GOOD.replace("target_percent", "targt_percent")),
        ("unknown strategy", GOOD.replace("\"lru\"", "\"fifo\"")),
        ("path in a name", GOOD.replace("\"feeds\"", "\"../etc\"")),
        ("duplicate name", GOOD.replace("\"feeds\"", "\"engine\"")),
        (
            "zero allocation",
            GOOD.replace("allocation_mb = 10", "allocation_mb = 0"),
        ),
        (
            "warning above critical",
            GOOD.replace("critical_percent = 90.0", "critical_percent = 70.0"),
        ),
        (
            "percent over 100",
            GOOD.replace("warning_percent = 80.0", "warning_percent = 180.0"),
        ),
        ("negative retention", GOOD.replace("data_days = 1,", "data_days = -1,")),
    ];
    for (what, text) in cases {
        match HousekeepingConfig::from_toml(&text) {
            Err(Error::Validation { .. }) => {}
            other => panic!("{what}: expected a validation error, got {other:?}"),
        }
    }
}
