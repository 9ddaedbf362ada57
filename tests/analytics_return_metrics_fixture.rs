//! Return metrics on a hand-computed equity curve: the last snapshot of each UTC day, daily
//! simple returns, Sharpe (ddof 1, √365), Sortino, max drawdown and its duration, Calmar.

#[path = "analytics_common/mod.rs"]
mod common;
use common::*;
use tradestore::analytics::{Filter, RatioOptions};
use tradestore::{Result, Store};

#[test]
fn return_metrics_match_hand_computation() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path())?;
    let at = |day: i64, hour: i64| DAY0 + day * DAY + hour * HOUR;
    // Day values (last snapshot of each day, at 20:00): 100, 110, 99, 99, 118.8.
    snap(&store, at(0, 9), "95")?; // superseded by the 20:00 snapshot of the same day
    snap(&store, at(0, 20), "100")?;
    snap(&store, at(1, 20), "110")?;
    snap(&store, at(2, 20), "99")?;
    snap(&store, at(2, 8), "500")?; // earlier in the day, saved later: still superseded
    snap(&store, at(3, 20), "99")?;
    snap(&store, at(4, 20), "118.8")?;

    let curve = store.analytics().equity_curve(None, None)?;
    let values: Vec<String> = curve.iter().map(|p| p.total_value.to_string()).collect();
    assert_eq!(values, ["100", "110", "99", "99", "118.8"]);

    let r = store.analytics().report(&Filter::default())?.returns.unwrap();
    // Returns 0.1, −0.1, 0, 0.2: mean 0.05; squared deviations sum to 0.05, so var = 0.05 / 3.
    assert_eq!(r.equity_points, 5);
    close(r.total_return, 0.188);
    close(r.sharpe, 0.05 / (0.05f64 / 3.0).sqrt() * 365f64.sqrt());
    // Downside: mean(min(r, 0)²) = 0.01 / 4 → √ = 0.05; sortino = 0.05·365 / (0.05·√365) = √365.
    close(r.sortino, 365f64.sqrt());
    // Peak 110 (day 1) to 99: 10 %; under water from day 1 until day 4 (118.8 ≥ 110): 3 days.
    close(r.max_drawdown, 0.1);
    assert_eq!(r.max_drawdown_duration_s, Some(3 * 86_400));
    let annual = 1.188f64.powf(365.0 / 4.0) - 1.0;
    close(r.annual_return, annual);
    close(r.calmar, annual / 0.1);

    // Options: 252 periods and a daily risk-free rate of 0.01.
    let opts = RatioOptions {
        periods_per_year: 252.0,
        risk_free: 0.01,
    };
    let r2 = store
        .analytics()
        .with_options(opts)
        .report(&Filter::default())?
        .returns
        .unwrap();
    close(r2.sharpe, 0.04 / (0.05f64 / 3.0).sqrt() * 252f64.sqrt());
    // Excess −0.11 and −0.01 below zero: mean square (0.0121 + 0.0001) / 4.
    close(r2.sortino, 0.04 * 252.0 / ((0.0122f64 / 4.0).sqrt() * 252f64.sqrt()));

    // A window: days 1–3 only (110, 99, 99): never recovers, under water from day 1 to the end.
    let w = store
        .analytics()
        .report(&Filter::default().since(at(1, 0)).until(at(4, 0)))?;
    let w = w.returns.unwrap();
    close(w.total_return, -0.1);
    close(w.max_drawdown, 0.1);
    assert_eq!(w.max_drawdown_duration_s, Some(2 * 86_400));
    // Returns −0.1, 0: sample std √0.005, sortino downside √(0.01 / 2).
    close(w.sharpe, -0.05 / 0.005f64.sqrt() * 365f64.sqrt());
    close(w.sortino, -0.05 * 365.0 / ((0.01f64 / 2.0).sqrt() * 365f64.sqrt()));
    Ok(())
}
