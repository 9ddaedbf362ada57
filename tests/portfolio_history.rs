//! Portfolio snapshots come back in time order, filtered by time, with exact decimals.

mod common;

use common::{SEC, T0, d};
use tradestore::{Error, Holding, PortfolioSnapshot, Store};

fn snap(ts: i64, value: &str) -> PortfolioSnapshot {
    PortfolioSnapshot {
        ts,
        total_value: d(value),
        positions: vec![Holding {
            symbol: "BTC-EUR".into(),
            qty: d("0.5"),
            value: d("25000.01"),
        }],
        balances: vec![Holding {
            symbol: "EUR".into(),
            qty: d("75000.005"),
            value: d("75000.005"),
        }],
        snapshot_type: "periodic".into(),
        session_id: "s".into(),
    }
}

#[test]
fn snapshots_round_trip_in_time_order() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    for (i, v) in ["100000.015", "99999.99", "100500.10"].iter().enumerate().rev() {
        store.save_portfolio_snapshot(&snap(T0 + i as i64 * 3600 * SEC, v))?;
    }
    // Two snapshots at the same instant are both kept.
    store.save_portfolio_snapshot(&snap(T0, "1"))?;
    let all = store.portfolio_history(None, None)?;
    assert_eq!(all.len(), 4);
    assert!(all.windows(2).all(|w| w[0].ts <= w[1].ts));
    assert_eq!(all[2].total_value, d("99999.99"));
    assert_eq!(all[0].balances[0].qty, d("75000.005"));
    let window = store.portfolio_history(Some(T0 + 1), Some(T0 + 7200 * SEC))?;
    assert_eq!(
        window.iter().map(|s| s.total_value).collect::<Vec<_>>(),
        vec![d("99999.99")]
    );
    let mut bad = snap(T0, "1");
    bad.snapshot_type.clear();
    assert!(matches!(
        store.save_portfolio_snapshot(&bad),
        Err(Error::Validation { .. })
    ));
    Ok(())
}
