//! Fills tagged with the model that produced them: P&L per model version in one call, by a
//! model's bare name (every version) or one version, all-time from the aggregates or over a
//! window by scanning the model index — the two agree.

#[path = "analytics_common/mod.rs"]
mod common;
use common::*;
use tradestore::analytics::{Filter, GroupBy, Source};
use tradestore::{NewTrade, Result, Side, Store};

fn tagged(store: &Store, side: Side, px: &str, model: &str, strategy: &str, ts: i64) -> Result<()> {
    store.save_trade(
        NewTrade::new("BTC-EUR", side, d("1"), d(px))
            .strategy(strategy)
            .model(model)
            .ts(ts),
    )?;
    Ok(())
}

#[test]
fn pnl_per_model_version() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path())?;
    // Day 0, model 1.2.0: +10 then −5 (grid). Day 1, model 1.3.0: +20 (grid), −1 (momentum).
    tagged(&store, Side::Buy, "100", "pp@1.2.0", "grid", DAY0)?;
    tagged(&store, Side::Sell, "110", "pp@1.2.0", "grid", DAY0 + HOUR)?;
    tagged(&store, Side::Buy, "100", "pp@1.2.0", "grid", DAY0 + 2 * HOUR)?;
    tagged(&store, Side::Sell, "95", "pp@1.2.0", "grid", DAY0 + 3 * HOUR)?;
    tagged(&store, Side::Buy, "100", "pp@1.3.0", "grid", DAY + DAY0)?;
    tagged(&store, Side::Sell, "120", "pp@1.3.0", "grid", DAY + DAY0 + HOUR)?;
    tagged(&store, Side::Buy, "50", "pp@1.3.0", "momentum", DAY + DAY0 + 2 * HOUR)?;
    tagged(&store, Side::Sell, "49", "pp@1.3.0", "momentum", DAY + DAY0 + 3 * HOUR)?;
    tagged(&store, Side::Buy, "10", "other@2.0.0", "grid", DAY + DAY0 + 4 * HOUR)?;
    store.save_trade(
        NewTrade::new("BTC-EUR", Side::Sell, d("1"), d("12"))
            .strategy("grid")
            .ts(DAY + DAY0 + 5 * HOUR),
    )?;

    let a = store.analytics();
    let pnl = |groups: Vec<tradestore::analytics::Group>| -> Vec<(String, String)> {
        groups
            .iter()
            .map(|g| (g.key.clone(), g.stats.metrics().unwrap().realized_pnl.to_string()))
            .collect()
    };
    let want = [
        ("pp@1.2.0".to_string(), "5".to_string()),
        ("pp@1.3.0".to_string(), "19".to_string()),
    ];
    assert_eq!(pnl(a.breakdown(&Filter::default().model("pp"), GroupBy::Model)?), want);
    assert_eq!(
        pnl(a.recompute_breakdown(&Filter::default().model("pp"), GroupBy::Model)?),
        want
    );
    // Every model (the untagged closing fill is left out of a model breakdown).
    assert_eq!(a.breakdown(&Filter::default(), GroupBy::Model)?.len(), 3);

    let (v13, source) = a.stats(&Filter::default().model("pp@1.3.0"))?;
    assert_eq!(
        (source, v13.metrics()?.realized_pnl, v13.closing),
        (Source::Incremental, d("19"), 2)
    );
    let (all_pp, _) = a.stats(&Filter::default().model("pp"))?;
    assert_eq!(all_pp.metrics()?.realized_pnl, d("24"));
    assert_eq!(all_pp, a.recompute(&Filter::default().model("pp"))?);

    // Windowed: day 1 only, through the model index.
    let day1 = Filter::default().model("pp").since(DAY0 + DAY).until(DAY0 + 2 * DAY);
    let r = a.report(&day1)?;
    assert_eq!(
        (r.source, r.trades.realized_pnl, r.trades.trades),
        (Source::Scan, d("19"), 2)
    );
    assert!(
        r.returns.is_none(),
        "portfolio returns do not describe one model's fills"
    );
    // Model and strategy combined.
    let both = a.report(&Filter::default().model("pp@1.3.0").strategy("momentum"))?;
    assert_eq!(both.trades.realized_pnl, d("-1"));
    // By strategy over a window.
    let by_strategy = pnl(a.breakdown(&Filter::default().since(DAY0 + DAY), GroupBy::Strategy)?);
    assert_eq!(
        by_strategy,
        [
            ("grid".to_string(), "22".to_string()),
            ("momentum".to_string(), "-1".to_string())
        ]
    );
    Ok(())
}
