//! In-store retention of market history: with `market_horizon_days` set, a cleanup removes the
//! partitions whose newest row is older than the horizon (catalog row and file), never the
//! partition holding a series' newest data, and `verify` stays clean; the dry run lists the
//! same; off by default.

mod common;

use std::sync::Arc;

use common::{DAY, HOUR, JAN_2024, candles, tf};
use tradestore::housekeeping::{CleanupOptions, FakeClock, Housekeeper, HousekeepingConfig};
use tradestore::market::PartitionKey;

#[test]
fn partitions_beyond_the_horizon_go() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let store = tradestore::Store::open(dir.path())?;
    let m = store.market();
    // January to March 2024, hourly: three monthly partitions.
    m.write_candles("BTC-EUR", tf("1h"), &candles(JAN_2024, HOUR, 91 * 24, 100.0))?;
    // One old partition only: it holds the series' newest data.
    m.write_candles("ETH-EUR", tf("1h"), &candles(JAN_2024, HOUR, 10, 5.0))?;
    assert_eq!(store.verify_market()?.partitions, 4);
    let key = |pair: &str, period: &str| PartitionKey {
        pair: pair.into(),
        timeframe: "1h".into(),
        period: period.into(),
    };
    let gone = [key("BTC-EUR", "2024-01"), key("BTC-EUR", "2024-02")];
    let kept = [key("BTC-EUR", "2024-03"), key("ETH-EUR", "2024-01")];
    let mut gone_bytes = 0;
    for k in &gone {
        gone_bytes += std::fs::metadata(dir.path().join(k.rel_file()))?.len();
    }

    assert!(
        HousekeepingConfig::default().store.market_horizon_days.is_none(),
        "off by default"
    );

    // End of April; horizon 45 days: January and February of BTC are past it.
    let clock = Arc::new(FakeClock::new(JAN_2024 + 120 * DAY));
    let mut cfg = common::hk::config(vec![]);
    cfg.store.market_horizon_days = Some(45.0);
    let h = Housekeeper::new(cfg)?.with_clock(clock);
    let dry = h.cleanup(&store, &CleanupOptions::dry_run())?;
    assert_eq!(dry.store[0].source, "market_partitions");
    let what: Vec<_> = dry.store[0].items.iter().map(|i| i.what.clone()).collect();
    assert_eq!(
        what,
        [
            "market partition BTC-EUR/1h/2024-01 (744 rows)",
            "market partition BTC-EUR/1h/2024-02 (696 rows)"
        ]
    );
    assert_eq!(dry.store[0].bytes, gone_bytes);
    assert_eq!(store.verify_market()?.partitions, 4, "a dry run removes nothing");

    let real = h.cleanup(&store, &CleanupOptions::all())?;
    assert_eq!(real.store, dry.store);
    for k in &gone {
        assert!(!dir.path().join(k.rel_file()).exists(), "{k} file removed");
    }
    for k in &kept {
        assert!(dir.path().join(k.rel_file()).exists(), "{k} kept");
    }
    let mut rows = 0;
    for batch in m.read_candles("BTC-EUR", tf("1h"), None, None)? {
        rows += batch?.num_rows();
    }
    assert_eq!(rows, 31 * 24, "reads serve only what is left");
    let v = store.verify_market()?;
    assert!(v.ok(), "{:?}", v.problems);
    assert_eq!(v.partitions, 2);
    assert!(h.cleanup(&store, &CleanupOptions::all())?.store[0].items.is_empty());
    Ok(())
}
