//! The built-in configuration is the seven components of a typical arbitrage system, and each
//! gets its six directories with mode 0750.

mod common;

use tradestore::housekeeping::{Housekeeper, HousekeepingConfig, Importance, StrategyKind};

#[test]
fn seven_default_components_with_their_quotas_and_directories() -> common::TestResult {
    let cfg = HousekeepingConfig::default();
    let got: Vec<_> = cfg
        .components
        .iter()
        .map(|c| {
            (
                c.name.as_str(),
                c.importance,
                c.allocation_mb,
                c.retention.data_days,
                c.retention.logs_days,
                c.retention.cache_hours,
                c.strategy,
                c.interval_hours,
                c.compression,
            )
        })
        .collect();
    use Importance::*;
    use StrategyKind::*;
    assert_eq!(
        got,
        vec![
            (
                "arbitrage_engine",
                Critical,
                2000,
                Some(60.0),
                Some(14.0),
                Some(48.0),
                Priority,
                12.0,
                true
            ),
            (
                "bridge_monitor",
                High,
                1000,
                Some(30.0),
                Some(7.0),
                Some(24.0),
                Time,
                8.0,
                true
            ),
            (
                "cross_chain_mev",
                High,
                1500,
                Some(45.0),
                Some(10.0),
                Some(36.0),
                Adaptive,
                10.0,
                true
            ),
            (
                "price_feeds",
                High,
                3000,
                Some(90.0),
                Some(14.0),
                Some(72.0),
                Lru,
                6.0,
                true
            ),
            (
                "wallet_manager",
                Critical,
                500,
                Some(365.0),
                Some(30.0),
                Some(12.0),
                Priority,
                24.0,
                false
            ),
            (
                "memory_system",
                Normal,
                5000,
                Some(180.0),
                Some(21.0),
                Some(168.0),
                Adaptive,
                4.0,
                true
            ),
            (
                "health_monitor",
                Low,
                200,
                Some(14.0),
                Some(3.0),
                Some(6.0),
                Time,
                4.0,
                true
            ),
        ]
    );
    for c in &cfg.components {
        assert_eq!(cfg.warning_for(c), 80.0);
        assert_eq!(cfg.critical_for(c), 95.0);
    }
    assert_eq!(
        (
            cfg.disk.warning_percent,
            cfg.disk.emergency_percent,
            cfg.disk.critical_percent
        ),
        (85.0, 90.0, 95.0)
    );
    assert_eq!(cfg.monitor.alert_cooldown_secs, 600);
    assert_eq!(cfg.monitor.usage_interval_secs, 30);
    assert_eq!(cfg.monitor.health_interval_secs, 1800);

    let dir = tempfile::tempdir()?;
    let store = tradestore::Store::open(dir.path())?;
    Housekeeper::new(cfg.clone())?.ensure_layout(&store)?;
    for c in &cfg.components {
        for t in ["data", "logs", "cache", "config", "temp", "backup"] {
            let p = dir.path().join("components").join(&c.name).join(t);
            let m = std::fs::symlink_metadata(&p)?;
            assert!(m.is_dir(), "{}", p.display());
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                assert_eq!(m.permissions().mode() & 0o777, 0o750, "{}", p.display());
            }
        }
    }
    Ok(())
}
