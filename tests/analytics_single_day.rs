//! Everything on one UTC day: the equity curve has one point, so there is no daily return and
//! every return metric is null; trade metrics are still computed.

#[path = "analytics_common/mod.rs"]
mod common;
use common::*;
use tradestore::analytics::Filter;
use tradestore::{Result, Side, Store};

#[test]
fn single_day() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path())?;
    snap(&store, DAY0 + HOUR, "1000")?;
    fill(&store, Side::Buy, "1", "100", "0", DAY0 + 2 * HOUR)?;
    fill(&store, Side::Sell, "1", "104", "0", DAY0 + 3 * HOUR)?;
    snap(&store, DAY0 + 23 * HOUR, "1004")?;
    let r = store.analytics().report(&Filter::default())?;
    let ret = r.returns.unwrap();
    assert_eq!(ret.equity_points, 1);
    assert_eq!(
        (ret.total_return, ret.annual_return, ret.sharpe, ret.sortino),
        (None, None, None, None)
    );
    assert_eq!(
        (ret.max_drawdown, ret.max_drawdown_duration_s, ret.calmar),
        (None, None, None)
    );
    assert_eq!((r.trades.trades, r.trades.realized_pnl), (1, d("4")));
    assert_eq!(r.trades.win_rate, Some(1.0));
    let json = serde_json::to_value(ret).unwrap();
    assert!(json["sharpe"].is_null());
    Ok(())
}
