//! The seven default components of a typical arbitrage system.

use super::config::{ComponentConfig, Importance, Retention, StrategyKind};

#[allow(clippy::too_many_arguments)]
fn component(
    name: &str,
    importance: Importance,
    allocation_mb: u64,
    (data_days, logs_days, cache_hours): (f64, f64, f64),
    strategy: StrategyKind,
    interval_hours: f64,
    compression: bool,
) -> ComponentConfig {
    ComponentConfig {
        name: name.to_owned(),
        importance,
        allocation_mb,
        retention: Retention {
            data_days: Some(data_days),
            logs_days: Some(logs_days),
            cache_hours: Some(cache_hours),
            temp_hours: Some(24.0),
            backup_days: None,
            config_days: None,
        },
        strategy,
        interval_hours,
        compression,
        warning_percent: None,
        critical_percent: None,
    }
}

/// arbitrage_engine, bridge_monitor, cross_chain_mev, price_feeds, wallet_manager,
/// memory_system, health_monitor.
pub(crate) fn components() -> Vec<ComponentConfig> {
    use Importance::*;
    use StrategyKind::*;
    vec![
        component(
            "arbitrage_engine",
            Critical,
            2000,
            (60.0, 14.0, 48.0),
            Priority,
            12.0,
            true,
        ),
        component("bridge_monitor", High, 1000, (30.0, 7.0, 24.0), Time, 8.0, true),
        component("cross_chain_mev", High, 1500, (45.0, 10.0, 36.0), Adaptive, 10.0, true),
        component("price_feeds", High, 3000, (90.0, 14.0, 72.0), Lru, 6.0, true),
        component(
            "wallet_manager",
            Critical,
            500,
            (365.0, 30.0, 12.0),
            Priority,
            24.0,
            false,
        ),
        component("memory_system", Normal, 5000, (180.0, 21.0, 168.0), Adaptive, 4.0, true),
        component("health_monitor", Low, 200, (14.0, 3.0, 6.0), Time, 4.0, true),
    ]
}
