//! Only losing closes: win rate 0, no average win, profit factor 0, negative expectancy.

#[path = "analytics_common/mod.rs"]
mod common;
use common::*;
use tradestore::analytics::Filter;
use tradestore::{Result, Side, Store};

#[test]
fn all_losses() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path())?;
    // Buy 2 @ 50 fee 1 (cost 101): sell 1 @ 45 → 45 − 50.5 = −5.5; sell 1 @ 50 fee 1 → 50 − 50.5 − 1 = −1.5.
    fill(&store, Side::Buy, "2", "50", "1", DAY0)?;
    fill(&store, Side::Sell, "1", "45", "0", DAY0 + HOUR)?;
    fill(&store, Side::Sell, "1", "50", "1", DAY0 + 2 * HOUR)?;
    let m = store.analytics().report(&Filter::default())?.trades;
    assert_eq!((m.trades, m.wins, m.losses), (2, 0, 2));
    assert_eq!((m.realized_pnl, m.fees), (d("-7"), d("2")));
    assert_eq!(m.win_rate, Some(0.0));
    assert_eq!(m.avg_win, None);
    assert_eq!(m.avg_loss, Some(d("-3.5")));
    assert_eq!(m.profit_factor, Some(0.0));
    assert_eq!(m.expectancy, Some(d("-3.5")));
    Ok(())
}
