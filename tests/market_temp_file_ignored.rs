//! A temp file left in a partition directory by an interrupted write is never read, is not an
//! integrity problem, does not match the analysts' `*.parquet` glob, and the next write to that
//! partition removes it.

mod common;

use common::{HOUR, JAN_2024, candles, tf};
use tradestore::market::PartitionKey;
use tradestore::{Result, Store};

#[test]
fn leftover_temp_file_is_ignored_then_removed() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path())?;
    store
        .market()
        .write_candles("BTC-EUR", tf("1h"), &candles(JAN_2024, HOUR, 24, 1.0))?;
    let key = PartitionKey {
        pair: "BTC-EUR".into(),
        timeframe: "1h".into(),
        period: "2024-01".into(),
    };
    let temp = dir
        .path()
        .join(key.rel_dir())
        .join(".data.parquet.00000000deadbeef.tmp");
    std::fs::write(&temp, b"PAR1 torn").unwrap();
    assert!(!temp.to_string_lossy().ends_with(".parquet"));

    assert_eq!(store.market().candles("BTC-EUR", tf("1h"), None, None)?.len(), 24);
    let report = store.verify_market()?;
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!(report.files, 1);

    store
        .market()
        .write_candles("BTC-EUR", tf("1h"), &candles(JAN_2024 + 24 * HOUR, HOUR, 24, 1.0))?;
    assert!(!temp.exists());
    assert_eq!(store.market().candles("BTC-EUR", tf("1h"), None, None)?.len(), 48);
    Ok(())
}
