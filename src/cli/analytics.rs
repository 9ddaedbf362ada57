//! `tradestore analytics`: the performance report, optionally broken down by model, strategy or
//! symbol.

use serde_json::{Map, Value, json};

use super::Ctx;
use super::args::AnalyticsArgs;
use super::output::{print_json, print_table};
use crate::analytics::{Filter, Group, GroupBy, RatioOptions, Report, ReturnMetrics, TradeMetrics};
use crate::timefmt::{format_ts, parse_ts};
use crate::{Error, Result};

fn dec(d: Option<rust_decimal::Decimal>) -> Value {
    d.map_or(Value::Null, |d| Value::String(d.to_string()))
}

fn num<T: Into<Value>>(x: Option<T>) -> Value {
    x.map_or(Value::Null, Into::into)
}

/// Trade-level fields as the CLI contract spells them: money as decimal strings, ratios as
/// numbers, `null` where undefined.
pub(crate) fn trade_fields(m: &TradeMetrics) -> Map<String, Value> {
    let v = json!({
        "trades": m.trades,
        "fills": m.fills,
        "wins": m.wins,
        "losses": m.losses,
        "realized_pnl": m.realized_pnl.to_string(),
        "fees": m.fees.to_string(),
        "gross_profit": m.gross_profit.to_string(),
        "gross_loss": m.gross_loss.to_string(),
        "win_rate": num(m.win_rate),
        "avg_win": dec(m.avg_win),
        "avg_loss": dec(m.avg_loss),
        "profit_factor": num(m.profit_factor),
        "expectancy": dec(m.expectancy),
        "first_ts": m.first_ts.map(format_ts),
        "last_ts": m.last_ts.map(format_ts),
    });
    match v {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn return_fields(r: Option<&ReturnMetrics>) -> Map<String, Value> {
    let r = r.copied().unwrap_or_default();
    let v = json!({
        "equity_points": r.equity_points,
        "total_return": num(r.total_return),
        "annual_return": num(r.annual_return),
        "sharpe": num(r.sharpe),
        "sortino": num(r.sortino),
        "max_drawdown": num(r.max_drawdown),
        "max_drawdown_duration_s": num(r.max_drawdown_duration_s),
        "calmar": num(r.calmar),
    });
    match v {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The report as one flat JSON object (the contract's fields plus scope and extras).
pub(crate) fn report_json(r: &Report) -> Value {
    let mut out = trade_fields(&r.trades);
    out.extend(return_fields(r.returns.as_ref()));
    let f = &r.filter;
    out.insert("since".into(), json!(f.since.map(format_ts)));
    out.insert("until".into(), json!(f.until.map(format_ts)));
    out.insert("symbol".into(), json!(f.symbol));
    out.insert("strategy".into(), json!(f.strategy));
    out.insert("model".into(), json!(f.model));
    out.insert("source".into(), json!(r.source));
    Value::Object(out)
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{:.2}%", v * 100.0))
}

fn ratio(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{v:.3}"))
}

fn money(d: Option<rust_decimal::Decimal>) -> String {
    d.map_or_else(|| "-".into(), |d| d.round_dp(2).to_string())
}

/// Rows of a breakdown table: key, closing fills, win rate, P&L, fees, profit factor, expectancy.
pub(crate) fn group_rows(groups: &[Group]) -> Result<Vec<Vec<String>>> {
    groups
        .iter()
        .map(|g| {
            let m = g.stats.metrics()?;
            Ok(vec![
                g.key.clone(),
                m.fills.to_string(),
                m.trades.to_string(),
                pct(m.win_rate),
                money(Some(m.realized_pnl)),
                money(Some(m.fees)),
                ratio(m.profit_factor),
                money(m.expectancy),
            ])
        })
        .collect()
}

/// Header of [`group_rows`].
pub(crate) const GROUP_HEADER: [&str; 8] = [
    "group",
    "fills",
    "trades",
    "win rate",
    "realized P&L",
    "fees",
    "profit factor",
    "expectancy",
];

fn print_report(r: &Report) {
    let m = &r.trades;
    let mut rows = vec![
        vec!["fills".into(), m.fills.to_string()],
        vec!["trades (closing fills)".into(), m.trades.to_string()],
        vec!["realized P&L".into(), money(Some(m.realized_pnl))],
        vec!["fees".into(), money(Some(m.fees))],
        vec!["win rate".into(), pct(m.win_rate)],
        vec!["avg win".into(), money(m.avg_win)],
        vec!["avg loss".into(), money(m.avg_loss)],
        vec!["profit factor".into(), ratio(m.profit_factor)],
        vec!["expectancy".into(), money(m.expectancy)],
    ];
    match &r.returns {
        Some(ret) => rows.extend([
            vec!["equity curve days".into(), ret.equity_points.to_string()],
            vec!["total return".into(), pct(ret.total_return)],
            vec!["annual return".into(), pct(ret.annual_return)],
            vec!["sharpe".into(), ratio(ret.sharpe)],
            vec!["sortino".into(), ratio(ret.sortino)],
            vec!["max drawdown".into(), pct(ret.max_drawdown)],
            vec![
                "max drawdown duration".into(),
                ret.max_drawdown_duration_s
                    .map_or_else(|| "-".into(), |s| format!("{:.1} d", s as f64 / 86_400.0)),
            ],
            vec!["calmar".into(), ratio(ret.calmar)],
        ]),
        None => rows.push(vec![
            "return metrics".into(),
            "- (portfolio-level; not given for a symbol, strategy or model)".into(),
        ]),
    }
    print_table(&["metric", "value"], &rows);
}

pub(crate) fn run(ctx: &Ctx, a: &AnalyticsArgs) -> Result<()> {
    let filter = Filter {
        since: a.since.as_deref().map(|t| parse_ts("since", t)).transpose()?,
        until: a.until.as_deref().map(|t| parse_ts("until", t)).transpose()?,
        symbol: a.symbol.clone(),
        strategy: a.strategy.clone(),
        model: a.model.clone(),
    };
    if !(a.periods_per_year.is_finite() && a.periods_per_year > 0.0 && a.risk_free.is_finite()) {
        return Err(Error::validation(
            "--periods-per-year",
            "must be a positive number; --risk-free finite",
        ));
    }
    let opts = RatioOptions {
        periods_per_year: a.periods_per_year,
        risk_free: a.risk_free,
    };
    let store = ctx.open_existing()?;
    let analytics = store.analytics().with_options(opts);
    let report = analytics.report(&filter)?;
    let by = a.by.as_deref().map(str::parse::<GroupBy>).transpose()?;
    let groups = match by {
        Some(by) => Some(analytics.breakdown(&filter, by)?),
        None => None,
    };
    if ctx.json {
        let mut doc = report_json(&report);
        if let (Some(by), Some(groups), Value::Object(map)) = (&a.by, &groups, &mut doc) {
            let list: Result<Vec<Value>> = groups
                .iter()
                .map(|g| {
                    let mut fields = trade_fields(&g.stats.metrics()?);
                    fields.insert("key".into(), json!(g.key));
                    Ok(Value::Object(fields))
                })
                .collect();
            map.insert("by".into(), json!(by));
            map.insert("groups".into(), Value::Array(list?));
        }
        return print_json(&doc);
    }
    print_report(&report);
    if let (Some(by), Some(groups)) = (&a.by, &groups) {
        outln!();
        outln!("by {by}:");
        print_table(&GROUP_HEADER, &group_rows(groups)?);
    }
    Ok(())
}
