//! With no closing fill (an empty store, or only opening fills) every per-trade ratio is null,
//! never NaN, and sums are zero; without snapshots every return metric is null.

#[path = "analytics_common/mod.rs"]
mod common;
use common::*;
use tradestore::analytics::Filter;
use tradestore::{Result, Side, Store};

#[test]
fn no_closing_fill_gives_nulls() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path())?;
    let empty = store.analytics().report(&Filter::default())?;
    assert_eq!((empty.trades.fills, empty.trades.trades), (0, 0));
    assert_eq!(empty.trades.realized_pnl, d("0"));
    let ret = empty.returns.expect("unfiltered report has return metrics");
    assert_eq!(ret.equity_points, 0);
    assert_eq!(
        (
            ret.total_return,
            ret.sharpe,
            ret.sortino,
            ret.max_drawdown,
            ret.max_drawdown_duration_s,
            ret.calmar
        ),
        (None, None, None, None, None, None)
    );

    fill(&store, Side::Buy, "1", "100", "0.25", DAY0)?;
    fill(&store, Side::Buy, "1", "110", "0.25", DAY0 + HOUR)?;
    let m = store.analytics().report(&Filter::default())?.trades;
    assert_eq!((m.fills, m.trades, m.wins, m.losses), (2, 0, 0, 0));
    assert_eq!((m.realized_pnl, m.fees), (d("0"), d("0.5")));
    assert_eq!((m.win_rate, m.profit_factor), (None, None));
    assert_eq!((m.avg_win, m.avg_loss, m.expectancy), (None, None, None));
    // A filter that matches nothing.
    let none = store.analytics().report(&Filter::default().symbol("ETH-EUR"))?;
    assert_eq!(none.trades.fills, 0);
    assert!(none.returns.is_none());
    Ok(())
}
