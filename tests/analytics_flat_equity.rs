//! A flat equity curve: zero return and drawdown; Sharpe, Sortino and Calmar are undefined
//! (zero volatility, no downside, no drawdown) and reported as null, not NaN or infinity.

#[path = "analytics_common/mod.rs"]
mod common;
use common::*;
use tradestore::analytics::Filter;
use tradestore::{Result, Store};

#[test]
fn flat_curve() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path())?;
    for day in 0..10 {
        snap(&store, DAY0 + day * DAY + 12 * HOUR, "10000.00")?;
    }
    let r = store.analytics().report(&Filter::default())?.returns.unwrap();
    assert_eq!(r.equity_points, 10);
    assert_eq!(r.total_return, Some(0.0));
    assert_eq!(r.annual_return, Some(0.0));
    assert_eq!(r.max_drawdown, Some(0.0));
    assert_eq!(r.max_drawdown_duration_s, Some(0));
    assert_eq!((r.sharpe, r.sortino, r.calmar), (None, None, None));
    Ok(())
}
