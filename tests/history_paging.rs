//! History filtered by symbol, strategy, side and time, in both orders, paged with a cursor:
//! every matching trade appears exactly once, in order.

mod common;

use common::{SEC, T0, d};
use tradestore::{NewTrade, Side, Store, Trade, TradeOrder, TradeQuery};

fn all_pages(store: &Store, mut q: TradeQuery) -> Vec<Trade> {
    let mut out = Vec::new();
    loop {
        let page = store.trade_history(&q).expect("page");
        assert!(page.trades.len() <= q.limit.max(1));
        out.extend(page.trades);
        match page.next_cursor {
            Some(c) => q.after = Some(c),
            None => return out,
        }
    }
}

#[test]
fn pages_have_no_duplicates_or_gaps() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let symbols = ["BTC-EUR", "ETH-EUR", "SOL-EUR"];
    let strategies = ["a", "b"];
    let mut batch = Vec::new();
    for i in 0..600i64 {
        // Several fills share a timestamp, so ties must be broken by id.
        let ts = T0 + (i / 3) * SEC;
        let side = if i % 4 == 0 { Side::Sell } else { Side::Buy };
        batch.push(
            NewTrade::new(symbols[(i % 3) as usize], side, d("1"), d("100"))
                .ts(ts)
                .strategy(strategies[(i % 2) as usize]),
        );
    }
    let saved = store.save_trades(&batch)?;

    let since = T0 + 20 * SEC;
    let until = T0 + 150 * SEC;
    for order in [TradeOrder::Asc, TradeOrder::Desc] {
        for (symbol, strategy, side) in [
            (Some("ETH-EUR"), None, None),
            (None, Some("b"), None),
            (None, None, None),
            (Some("BTC-EUR"), Some("a"), Some(Side::Sell)),
            (None, Some("a"), Some(Side::Buy)),
        ] {
            for limit in [1, 7, 100] {
                let q = TradeQuery {
                    symbol: symbol.map(Into::into),
                    strategy: strategy.map(Into::into),
                    side,
                    since: Some(since),
                    until: Some(until),
                    limit,
                    after: None,
                    order,
                };
                let got: Vec<u64> = all_pages(&store, q).iter().map(|t| t.id).collect();
                let mut want: Vec<&Trade> = saved
                    .iter()
                    .filter(|t| symbol.is_none_or(|s| t.symbol == s))
                    .filter(|t| strategy.is_none_or(|s| t.strategy == s))
                    .filter(|t| side.is_none_or(|s| t.side == s))
                    .filter(|t| t.ts >= since && t.ts < until)
                    .collect();
                want.sort_by_key(|t| (t.ts, t.id));
                if order == TradeOrder::Desc {
                    want.reverse();
                }
                let want: Vec<u64> = want.iter().map(|t| t.id).collect();
                assert!(!want.is_empty());
                assert_eq!(got, want, "{symbol:?} {strategy:?} {side:?} {order:?} limit {limit}");
            }
        }
    }
    Ok(())
}

#[test]
fn a_bad_cursor_is_a_validation_error() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let q = TradeQuery {
        after: Some("not-a-cursor".into()),
        ..Default::default()
    };
    assert!(matches!(
        store.trade_history(&q),
        Err(tradestore::Error::Validation { .. })
    ));
    Ok(())
}

#[test]
fn symbol_scan_reads_only_that_symbol_in_time_order() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let batch: Vec<NewTrade> = (0..300i64)
        .map(|i| {
            NewTrade::new(if i % 2 == 0 { "A-EUR" } else { "B-EUR" }, Side::Buy, d("1"), d("1"))
                .ts(T0 + (300 - i) * SEC)
        })
        .collect();
    store.save_trades(&batch)?;
    let mut seen = Vec::new();
    store.scan_symbol("A-EUR", Some(T0), None, |t| {
        assert_eq!(t.symbol.as_str(), "A-EUR");
        seen.push(t.ts.to_native());
        std::ops::ControlFlow::Continue(())
    })?;
    assert_eq!(seen.len(), 150);
    assert!(seen.windows(2).all(|w| w[0] <= w[1]));
    Ok(())
}
