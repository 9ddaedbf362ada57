//! `tradestore portfolio snapshot|history`.

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};

use super::args::PortfolioCmd;
use super::output::{print_json, print_table};
use super::{Ctx, read_input};
use crate::records::Holding;
use crate::timefmt::{NANOS_PER_DAY, format_ts, now_ns, parse_ts};
use crate::{Error, PortfolioSnapshot, Result};

/// The snapshot document accepted on input. `positions` and `balances` may be lists of
/// `{symbol, qty, value}` or maps from symbol to `{qty, value}` (balances also to a plain amount).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SnapshotInput {
    ts: Option<Value>,
    total_value: Value,
    #[serde(default)]
    positions: Value,
    #[serde(default)]
    balances: Value,
    #[serde(default)]
    snapshot_type: Option<String>,
    #[serde(default)]
    session_id: Option<String>,
}

fn dec(field: &str, v: &Value) -> Result<Decimal> {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => return Err(Error::validation(field, format!("{other} is not a decimal"))),
    };
    Decimal::from_str_exact(text.trim()).map_err(|_| Error::validation(field, format!("{text:?} is not a decimal")))
}

fn holdings(field: &str, v: &Value) -> Result<Vec<Holding>> {
    let one = |symbol: &str, h: &Value| -> Result<Holding> {
        let f = format!("{field}.{symbol}");
        match h {
            Value::Object(o) => {
                let qty = dec(&format!("{f}.qty"), o.get("qty").unwrap_or(&Value::Null))?;
                let value = match o.get("value") {
                    Some(v) => dec(&format!("{f}.value"), v)?,
                    None => Decimal::ZERO,
                };
                Ok(Holding {
                    symbol: symbol.to_owned(),
                    qty,
                    value,
                })
            }
            amount => {
                let qty = dec(&f, amount)?;
                Ok(Holding {
                    symbol: symbol.to_owned(),
                    qty,
                    value: Decimal::ZERO,
                })
            }
        }
    };
    match v {
        Value::Null => Ok(vec![]),
        Value::Object(map) => map.iter().map(|(k, h)| one(k, h)).collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let sym = h
                    .get("symbol")
                    .and_then(Value::as_str)
                    .ok_or_else(|| Error::validation(format!("{field}[{i}].symbol"), "is missing"))?;
                one(sym, h)
            })
            .collect(),
        other => Err(Error::validation(
            field,
            format!("{other} is neither a list nor an object"),
        )),
    }
}

fn parse_snapshot(text: &str) -> Result<PortfolioSnapshot> {
    let input: SnapshotInput =
        serde_json::from_str(text).map_err(|e| Error::validation("snapshot", format!("bad JSON: {e}")))?;
    let ts = match &input.ts {
        None | Some(Value::Null) => now_ns(),
        Some(Value::String(s)) => parse_ts("ts", s)?,
        Some(Value::Number(n)) => parse_ts("ts", &n.to_string())?,
        Some(other) => return Err(Error::validation("ts", format!("{other} is not a timestamp"))),
    };
    Ok(PortfolioSnapshot {
        ts,
        total_value: dec("total_value", &input.total_value)?,
        positions: holdings("positions", &input.positions)?,
        balances: holdings("balances", &input.balances)?,
        snapshot_type: input.snapshot_type.unwrap_or_else(|| "manual".into()),
        session_id: input.session_id.unwrap_or_default(),
    })
}

fn holdings_json(h: &[Holding]) -> Value {
    Value::Array(
        h.iter()
            .map(|h| json!({"symbol": h.symbol, "qty": h.qty.to_string(), "value": h.value.to_string()}))
            .collect(),
    )
}

pub(crate) fn run(ctx: &Ctx, cmd: PortfolioCmd) -> Result<()> {
    match cmd {
        PortfolioCmd::Snapshot { file } => {
            let snap = parse_snapshot(&read_input(file.as_deref())?)?;
            ctx.open_or_create()?.save_portfolio_snapshot(&snap)?;
            if ctx.json {
                print_json(&json!({"ts": format_ts(snap.ts), "total_value": snap.total_value.to_string()}))
            } else {
                println!(
                    "snapshot at {} saved: total value {}",
                    format_ts(snap.ts),
                    snap.total_value
                );
                Ok(())
            }
        }
        PortfolioCmd::History { days } => {
            let since = days.map(|d| now_ns().saturating_sub(NANOS_PER_DAY.saturating_mul(d as i64)));
            let hist = ctx.open_existing()?.portfolio_history(since, None)?;
            if ctx.json {
                let rows: Vec<Value> = hist
                    .iter()
                    .map(|s| {
                        json!({"ts": format_ts(s.ts), "total_value": s.total_value.to_string(),
                               "positions": holdings_json(&s.positions), "balances": holdings_json(&s.balances),
                               "snapshot_type": s.snapshot_type, "session_id": s.session_id})
                    })
                    .collect();
                return print_json(&Value::Array(rows));
            }
            let rows: Vec<Vec<String>> = hist
                .iter()
                .map(|s| {
                    vec![
                        format_ts(s.ts),
                        s.total_value.to_string(),
                        s.positions.len().to_string(),
                        s.snapshot_type.clone(),
                        s.session_id.clone(),
                    ]
                })
                .collect();
            print_table(&["ts", "total_value", "positions", "type", "session"], &rows);
            Ok(())
        }
    }
}
