//! The running aggregates kept in each fill's commit agree exactly with a full recompute from
//! the fills, overall and per strategy, symbol and model, over thousands of random fills saved
//! out of time order, one by one and in batches.

use rust_decimal::Decimal;
use tradestore::analytics::{Filter, GroupBy, Source};
use tradestore::{NewTrade, Result, Side, Store};

const SYMBOLS: [&str; 3] = ["BTC-EUR", "ETH-EUR", "SOL-EUR"];
const STRATEGIES: [&str; 2] = ["grid", "momentum"];
const MODELS: [Option<&str>; 4] = [None, Some("pp@1.2.0"), Some("pp@1.3.0"), Some("other@0.1.0")];
const T0: i64 = 1_704_067_200_000_000_000;

fn random_fill(rng: &mut fastrand::Rng) -> NewTrade {
    let side = if rng.bool() { Side::Buy } else { Side::Sell };
    // Awkward quantities and prices so prorated P&L has many digits.
    let qty = Decimal::new(rng.i64(1..5_000_000), rng.u32(3..9));
    let price = Decimal::new(rng.i64(1_000..9_000_000), rng.u32(0..5));
    let fee = Decimal::new(rng.i64(0..10_000), rng.u32(2..8));
    let mut t = NewTrade::new(SYMBOLS[rng.usize(..3)], side, qty, price)
        .fee(fee)
        .strategy(STRATEGIES[rng.usize(..2)])
        .ts(T0 + rng.i64(0..90 * 86_400) * 1_000_000_000);
    if let Some(m) = MODELS[rng.usize(..4)] {
        t = t.model(m);
    }
    t
}

#[test]
fn incremental_aggregates_equal_full_recompute() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path())?;
    let mut rng = fastrand::Rng::with_seed(7);
    for _ in 0..300 {
        store.save_trade(random_fill(&mut rng))?;
    }
    for _ in 0..6 {
        let batch: Vec<NewTrade> = (0..500).map(|_| random_fill(&mut rng)).collect();
        store.save_trades(&batch)?;
    }
    let a = store.analytics();
    let mut filters = vec![Filter::default()];
    filters.extend(SYMBOLS.iter().map(|s| Filter::default().symbol(*s)));
    filters.extend(STRATEGIES.iter().map(|s| Filter::default().strategy(*s)));
    filters.extend(MODELS.iter().flatten().map(|m| Filter::default().model(*m)));
    filters.push(Filter::default().model("pp"));
    let mut closing = 0;
    for f in &filters {
        let (inc, source) = a.stats(f)?;
        assert_eq!(source, Source::Incremental, "{f:?}");
        assert_eq!(inc, a.recompute(f)?, "{f:?}");
        assert_eq!(inc.metrics()?, a.recompute(f)?.metrics()?);
        closing += inc.closing;
    }
    let all = a.stats(&Filter::default())?.0;
    assert_eq!(all.fills, 3_300);
    assert!(all.closing > 1_000 && all.wins > 0 && all.losses > 0, "{all:?}");
    assert!(closing > all.closing);
    // Realized P&L equals what the positions realized (whose running sums are plain decimal
    // additions, so they may differ in the 28th significant digit).
    let pos_pnl: Decimal = store.positions()?.iter().map(|p| p.realized_pnl).sum();
    assert!((all.metrics()?.realized_pnl - pos_pnl).abs() < Decimal::new(1, 15));
    for by in [GroupBy::Model, GroupBy::Strategy, GroupBy::Symbol] {
        assert_eq!(
            a.breakdown(&Filter::default(), by)?,
            a.recompute_breakdown(&Filter::default(), by)?
        );
    }
    // Reopening (which checks the aggregates cover every fill) keeps them as they are.
    drop(store);
    let store = Store::open(dir.path())?;
    assert_eq!(store.analytics().stats(&Filter::default())?.0, all);
    Ok(())
}
