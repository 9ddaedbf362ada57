//! `verify_market` re-hashes every partition against the catalog and reports altered, torn,
//! missing and extra files, each with where and what.

mod common;

use common::{HOUR, JAN_2024, candles, tf};
use tradestore::{Result, Store};

#[test]
fn verify_reports_each_kind_of_damage() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path())?;
    let m = store.market();
    m.write_candles("BTC-EUR", tf("1h"), &candles(JAN_2024, HOUR, 24 * 120, 10.0))?; // Jan..Apr
    let clean = store.verify_market()?;
    assert!(clean.ok());
    assert_eq!((clean.partitions, clean.files), (4, 4));

    let parts = m.list()?;
    let mut altered = std::fs::read(&parts[0].path).unwrap();
    let mid = altered.len() / 2;
    altered[mid] ^= 0x01;
    std::fs::write(&parts[0].path, &altered).unwrap();
    let torn = std::fs::read(&parts[1].path).unwrap();
    std::fs::write(&parts[1].path, &torn[..torn.len() / 2]).unwrap();
    std::fs::remove_file(&parts[2].path).unwrap();
    let stray = dir.path().join("market/pair=BTC-EUR/timeframe=1h/period=2023-12");
    std::fs::create_dir_all(&stray).unwrap();
    std::fs::copy(&parts[3].path, stray.join("data.parquet")).unwrap();

    let report = store.verify_market()?;
    assert_eq!(report.partitions, 4);
    let mut found: Vec<(String, String)> = report
        .problems
        .iter()
        .map(|p| (p.what.clone(), p.place.clone()))
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            (
                "altered".into(),
                "market/pair=BTC-EUR/timeframe=1h/period=2024-01/data.parquet".into()
            ),
            (
                "extra".into(),
                "market/pair=BTC-EUR/timeframe=1h/period=2023-12/data.parquet".into()
            ),
            (
                "missing".into(),
                "market/pair=BTC-EUR/timeframe=1h/period=2024-03/data.parquet".into()
            ),
            (
                "torn".into(),
                "market/pair=BTC-EUR/timeframe=1h/period=2024-02/data.parquet".into()
            ),
        ]
    );
    let json = serde_json::to_value(&report.problems[0]).unwrap();
    assert!(json.get("where").is_some() && json.get("detail").is_some());
    Ok(())
}
