//! The demo's analytics and model-lineage step.

use rust_decimal::Decimal;

use crate::records::Holding;
use serde_json::json;

use crate::{PortfolioSnapshot, Result, Side, Store, TradeQuery};

// ---------------------------------------------------------------------------------------------
// Analytics and model lineage step: an end-of-day valuation job writes one portfolio snapshot
// per day (all bots together, marked at each symbol's last fill price), the two model versions
// the fills are tagged with are stored and aliased (the demo trains nothing: the weights are
// small stand-in blobs), and the report plus the per-model comparison come from one call each.
// ---------------------------------------------------------------------------------------------

const MODEL: &str = "price_predictor";
/// Cash each demo bot starts with (see `run_bot`).
const BOT_CASH: i64 = 100_000;

pub(super) fn analytics_step(store: &Store) -> Result<(crate::analytics::Report, Vec<crate::analytics::Group>)> {
    daily_valuations(store)?;
    store_models(store)?;
    let analytics = store.analytics();
    let report = analytics.report(&crate::analytics::Filter::default())?;
    let models = analytics.breakdown(
        &crate::analytics::Filter::default().model(MODEL),
        crate::analytics::GroupBy::Model,
    )?;
    Ok((report, models))
}

/// Values the whole book at the end of every UTC day that had fills: starting cash, minus what
/// fills cost (fees included), plus open quantities at each symbol's last price of the day.
fn daily_valuations(store: &Store) -> Result<()> {
    use crate::timefmt::NANOS_PER_DAY;
    use std::collections::BTreeMap;
    let mut cash = Decimal::from(BOT_CASH * 9);
    let mut book: BTreeMap<String, (Decimal, Decimal)> = BTreeMap::new(); // symbol -> (qty, last price)
    let mut day: Option<i64> = None;
    let mut q = TradeQuery {
        limit: 10_000,
        ..Default::default()
    };
    let save = |day: i64, cash: Decimal, book: &BTreeMap<String, (Decimal, Decimal)>| -> Result<()> {
        let positions: Vec<Holding> = book
            .iter()
            .map(|(s, (qty, px))| Holding {
                symbol: s.clone(),
                qty: *qty,
                value: (qty * px).round_dp(2),
            })
            .collect();
        let total = cash + positions.iter().map(|h| h.value).sum::<Decimal>();
        store.save_portfolio_snapshot(&PortfolioSnapshot {
            ts: (day + 1) * NANOS_PER_DAY - 1,
            total_value: total.round_dp(2),
            positions,
            balances: vec![Holding {
                symbol: "EUR".into(),
                qty: cash.round_dp(2),
                value: cash.round_dp(2),
            }],
            snapshot_type: "daily".into(),
            session_id: "demo-portfolio".into(),
        })
    };
    loop {
        let page = store.trade_history(&q)?;
        for t in &page.trades {
            let d = t.ts.div_euclid(NANOS_PER_DAY);
            if let Some(prev) = day
                && prev != d
            {
                save(prev, cash, &book)?;
            }
            day = Some(d);
            let signed = if t.side == Side::Buy { t.qty } else { -t.qty };
            cash -= signed * t.price + t.fee;
            let entry = book.entry(t.symbol.clone()).or_default();
            *entry = (entry.0 + signed, t.price);
        }
        match page.next_cursor {
            Some(c) => q.after = Some(c),
            None => break,
        }
    }
    if let Some(d) = day {
        save(d, cash, &book)?;
    }
    Ok(())
}

/// Stores `price_predictor` 1.2.0 and 1.3.0 with metadata, aliases and training metrics.
fn store_models(store: &Store) -> Result<()> {
    let artifacts = store.artifacts();
    for (version, seed, auc) in [("1.2.0", 12u8, 0.61), ("1.3.0", 13u8, 0.64)] {
        let weights: Vec<u8> = (0..16_384u32)
            .map(|i| (i as u8).wrapping_mul(seed).wrapping_add(seed))
            .collect();
        let meta =
            json!({"framework": "none (demo stand-in)", "features": ["ret_1h", "ret_24h", "volume"], "val_auc": auc});
        artifacts.save_model(MODEL, version, &weights, Some(&meta.to_string()))?;
        for (step, loss) in [(0u64, 0.69), (1, 0.66), (2, 0.64)] {
            let experiment = format!("{MODEL}-{version}");
            artifacts.save_metrics(
                &experiment,
                &[("loss", loss), ("val_auc", auc - 0.01 * (2 - step) as f64)],
                Some(step),
            )?;
        }
    }
    artifacts.set_alias(MODEL, "production", "1.2.0")?;
    artifacts.set_alias(MODEL, "staging", "1.3.0")?;
    Ok(())
}

pub(super) fn print_performance(r: &crate::analytics::Report) {
    let m = &r.trades;
    let f = |x: Option<f64>| x.map_or_else(|| "-".into(), |v| format!("{v:.2}"));
    let p = |x: Option<f64>| x.map_or_else(|| "-".into(), |v| format!("{:.2}%", v * 100.0));
    outln!(
        "performance: {} closing fills, win rate {}, profit factor {}, realized {} EUR (fees {} EUR)",
        m.trades,
        p(m.win_rate),
        f(m.profit_factor),
        m.realized_pnl.round_dp(2),
        m.fees.round_dp(2)
    );
    if let Some(ret) = &r.returns {
        outln!(
            "  {} daily valuations: total return {}, sharpe {}, sortino {}, max drawdown {} over {:.1} days",
            ret.equity_points,
            p(ret.total_return),
            f(ret.sharpe),
            f(ret.sortino),
            p(ret.max_drawdown),
            ret.max_drawdown_duration_s.unwrap_or(0) as f64 / 86_400.0
        );
    }
}
