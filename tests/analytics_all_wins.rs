//! Only winning closes: win rate 1, no average loss, and profit factor null (no losses to
//! divide by) rather than infinite.

#[path = "analytics_common/mod.rs"]
mod common;
use common::*;
use tradestore::analytics::Filter;
use tradestore::{Result, Side, Store};

#[test]
fn all_wins() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path())?;
    // Buy 3 @ 10; sell 1 @ 12 (+2), sell 1 @ 13 (+3), sell 1 @ 11 fee 0.4 (+0.6).
    fill(&store, Side::Buy, "3", "10", "0", DAY0)?;
    fill(&store, Side::Sell, "1", "12", "0", DAY0 + HOUR)?;
    fill(&store, Side::Sell, "1", "13", "0", DAY0 + 2 * HOUR)?;
    fill(&store, Side::Sell, "1", "11", "0.4", DAY0 + 3 * HOUR)?;
    let m = store.analytics().report(&Filter::default())?.trades;
    assert_eq!((m.trades, m.wins, m.losses), (3, 3, 0));
    assert_eq!(m.realized_pnl, d("5.6"));
    assert_eq!(m.win_rate, Some(1.0));
    assert_eq!(m.avg_win, Some(d("5.6") / d("3")));
    assert_eq!((m.avg_loss, m.profit_factor), (None, None));
    assert_eq!(m.expectancy, Some(d("5.6") / d("3")));
    assert_eq!(m.gross_loss, d("0"));
    Ok(())
}
