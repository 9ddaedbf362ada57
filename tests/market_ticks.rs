//! Ticks go to day partitions under `ticks/`, are unique by (ts, trade_id) with the newest
//! copy winning, and read back in order.

mod common;

use common::{DAY, JAN_2024};
use tradestore::market::Tick;
use tradestore::{Result, Side, Store};

fn tick(ts: i64, price: f64, id: &str) -> Tick {
    Tick {
        ts,
        price,
        amount: 0.5,
        side: if price > 100.0 { Side::Buy } else { Side::Sell },
        trade_id: id.into(),
    }
}

#[test]
fn ticks_partition_by_day_and_merge_by_trade_id() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path())?;
    let m = store.market();
    let ticks: Vec<Tick> = (0..3_000)
        .map(|i| tick(JAN_2024 + i * 97_000_000_000 + 123, 100.0 + i as f64, &format!("t{i}")))
        .collect();
    let report = m.write_ticks("BTC/EUR", &ticks)?;
    assert_eq!(report.partitions_written, 4); // 3000 x 97 s spans just over 3.3 days
    let list = m.list()?;
    assert!(list.iter().all(|p| p.timeframe == "ticks"));
    assert!(
        list[0]
            .path
            .ends_with("ticks/pair=BTC-EUR/period=2024-01-01/data.parquet")
    );

    // Same (ts, trade_id) replaces; same ts with another id is a second trade.
    let again = vec![tick(ticks[5].ts, 1.0, "t5"), tick(ticks[5].ts, 2.0, "t5b")];
    m.write_ticks("BTC-EUR", &again)?;
    let all = m.ticks("BTC-EUR", None, None)?;
    assert_eq!(all.len(), 3_001);
    let at: Vec<&Tick> = all.iter().filter(|t| t.ts == ticks[5].ts).collect();
    assert_eq!(
        at.iter().map(|t| (t.trade_id.as_str(), t.price)).collect::<Vec<_>>(),
        vec![("t5", 1.0), ("t5b", 2.0)]
    );

    let day2 = m.ticks("BTC-EUR", Some(JAN_2024 + DAY), Some(JAN_2024 + 2 * DAY))?;
    assert!(!day2.is_empty() && day2.iter().all(|t| t.ts >= JAN_2024 + DAY && t.ts < JAN_2024 + 2 * DAY));
    assert!(store.verify_market()?.ok());
    Ok(())
}
