//! Every trade-level metric on a hand-computed set of fills: long win, long loss, short win,
//! with fees on opening and closing fills.

#[path = "analytics_common/mod.rs"]
mod common;
use common::*;
use tradestore::analytics::{Filter, Source};
use tradestore::{Result, Side, Store};

#[test]
fn trade_metrics_match_hand_computation() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path())?;
    // Buy 1 @ 100 fee 1 (cost 101); sell 1 @ 120 fee 1: 120 − 101 − 1 = +18.
    fill(&store, Side::Buy, "1", "100", "1", DAY0)?;
    fill(&store, Side::Sell, "1", "120", "1", DAY0 + HOUR)?;
    // Buy 2 @ 100 (cost 200); sell 2 @ 95 fee 2: 190 − 200 − 2 = −12.
    fill(&store, Side::Buy, "2", "100", "0", DAY0 + 2 * HOUR)?;
    fill(&store, Side::Sell, "2", "95", "2", DAY0 + 3 * HOUR)?;
    // Short 1 @ 50 fee 0.5 (cost −49.5); cover @ 40 fee 0.5: −40 + 49.5 − 0.5 = +9.
    fill(&store, Side::Sell, "1", "50", "0.5", DAY0 + 4 * HOUR)?;
    fill(&store, Side::Buy, "1", "40", "0.5", DAY0 + 5 * HOUR)?;

    let r = store.analytics().report(&Filter::default())?;
    assert_eq!(r.source, Source::Incremental);
    let m = &r.trades;
    assert_eq!((m.fills, m.trades, m.wins, m.losses), (6, 3, 2, 1));
    assert_eq!(m.realized_pnl, d("15"));
    assert_eq!(m.fees, d("5"));
    assert_eq!((m.gross_profit, m.gross_loss), (d("27"), d("-12")));
    assert_eq!(m.win_rate, Some(2.0 / 3.0));
    assert_eq!(m.avg_win, Some(d("13.5")));
    assert_eq!(m.avg_loss, Some(d("-12")));
    assert_eq!(m.profit_factor, Some(2.25));
    assert_eq!(m.expectancy, Some(d("5")));
    assert_eq!((m.first_ts, m.last_ts), (Some(DAY0), Some(DAY0 + 5 * HOUR)));
    // The same figures from a scan of the window.
    let w = store
        .analytics()
        .report(&Filter::default().since(DAY0).until(DAY0 + DAY))?;
    assert_eq!(w.source, Source::Scan);
    assert_eq!(&w.trades, m);
    Ok(())
}
