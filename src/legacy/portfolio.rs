//! Mapping a bot's `portfolio.json` to portfolio snapshots.

use serde_json::{Map, Value, json};

use crate::timefmt::NANOS_PER_SEC;
use crate::{Error, PortfolioSnapshot, Result};

/// A legacy time: RFC 3339 text, or a number read as epoch seconds (< 10^11), milliseconds
/// (< 10^14) or nanoseconds; returned as what `snapshot_from_json` accepts.
fn time(v: &Value) -> Result<Value> {
    match v {
        Value::String(s) => Ok(Value::String(s.clone())),
        Value::Number(n) => {
            let x = n
                .as_f64()
                .ok_or_else(|| Error::validation("timestamp", "not a number"))?;
            let ms = if x.abs() < 1e11 {
                x * 1e3
            } else if x.abs() < 1e14 {
                x
            } else {
                x / 1e6
            };
            Ok(json!(ms.round() as i64))
        }
        other => Err(Error::validation("timestamp", format!("{other} is not a time"))),
    }
}

fn holding(v: &Value) -> Value {
    match v {
        Value::Object(o) => {
            let qty = ["qty", "quantity", "amount", "size", "balance"]
                .iter()
                .find_map(|k| o.get(*k));
            let value = ["value", "value_usd", "usd_value", "market_value"]
                .iter()
                .find_map(|k| o.get(*k));
            let mut out = Map::new();
            out.insert("qty".into(), qty.cloned().unwrap_or(json!("0")));
            if let Some(v) = value {
                out.insert("value".into(), v.clone());
            }
            if let Some(s) = o.get("symbol").or_else(|| o.get("asset")).or_else(|| o.get("token")) {
                out.insert("symbol".into(), s.clone());
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

fn holdings(v: Option<&Value>) -> Value {
    match v {
        Some(Value::Object(m)) => Value::Object(m.iter().map(|(k, h)| (k.clone(), holding(h))).collect()),
        Some(Value::Array(a)) => Value::Array(a.iter().map(holding).collect()),
        _ => Value::Null,
    }
}

/// One legacy snapshot object as a [`PortfolioSnapshot`]. `default_ts` (epoch ms) is used when
/// it carries no time.
fn one(o: &Map<String, Value>, default_ts: i64) -> Result<PortfolioSnapshot> {
    let ts = match ["ts", "timestamp", "time", "date", "last_updated"]
        .iter()
        .find_map(|k| o.get(*k))
    {
        Some(t) => time(t)?,
        None => json!(default_ts),
    };
    let total = ["total_value", "total_value_usd", "portfolio_value", "total"]
        .iter()
        .find_map(|k| o.get(*k))
        .ok_or_else(|| Error::validation("total_value", "is missing"))?;
    let doc = json!({
        "ts": ts,
        "total_value": total,
        "positions": holdings(o.get("positions")),
        "balances": holdings(o.get("balances")),
        "snapshot_type": o.get("snapshot_type").and_then(Value::as_str).unwrap_or("legacy"),
        "session_id": o.get("session_id").and_then(Value::as_str).unwrap_or(""),
    });
    crate::portfolio::snapshot_from_json(&doc.to_string())
}

/// Every snapshot in a `portfolio.json`: one object, a list of them, or an object holding a
/// `snapshots` / `history` list.
pub(crate) fn snapshots(v: &Value, default_ts_ms: i64) -> Result<Vec<PortfolioSnapshot>> {
    let list: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        Value::Object(o) => match o.get("snapshots").or_else(|| o.get("history")) {
            Some(Value::Array(a)) => a.iter().collect(),
            _ => vec![v],
        },
        _ => return Err(Error::validation("portfolio", "is neither an object nor a list")),
    };
    list.into_iter()
        .enumerate()
        .map(|(i, s)| match s {
            Value::Object(o) => {
                one(o, default_ts_ms).map_err(|e| Error::validation(format!("snapshot {i}"), e.to_string()))
            }
            _ => Err(Error::validation(format!("snapshot {i}"), "is not an object")),
        })
        .collect()
}

/// ns → ms for a default timestamp.
pub(crate) fn ns_to_ms(ns: i64) -> i64 {
    ns / (NANOS_PER_SEC / 1000)
}
