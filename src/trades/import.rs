//! Parsing trade files (CSV with a header row, or JSON Lines) into fills.
//!
//! Columns / fields: `symbol`, `side`, `qty`, `price`, and optionally `fee`, `fee_currency`,
//! `ts` (RFC 3339 or epoch ms), `strategy`, `venue`, `order_id`, `model`, `meta` (JSON). A bad
//! row refuses the whole file, naming its line and field.

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::NewTrade;
use crate::records::Side;
use crate::timefmt::parse_ts;
use crate::{Error, Result};

/// What an import stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    /// Fills stored.
    pub imported: u64,
    /// Fills skipped because their (venue, order id) was already stored.
    pub skipped_duplicates: u64,
}

fn at(line: usize, e: Error) -> Error {
    match e {
        Error::Validation { field, reason } => Error::Validation {
            field: format!("line {line} field {field}"),
            reason,
        },
        other => other,
    }
}

fn decimal(field: &str, s: &str) -> Result<Decimal> {
    let t = s.trim();
    Decimal::from_str_exact(t)
        .or_else(|_| Decimal::from_scientific(t))
        .map_err(|_| Error::validation(field, format!("{t:?} is not a decimal number")))
}

/// Builds a fill from named text fields (`get` returns a field's text when present and
/// non-empty), validating it.
fn from_fields<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<NewTrade> {
    let need = |f: &str| get(f).ok_or_else(|| Error::validation(f, "is missing"));
    let side: Side = need("side")?.parse()?;
    let mut t = NewTrade::new(
        need("symbol")?,
        side,
        decimal("qty", need("qty")?)?,
        decimal("price", need("price")?)?,
    );
    if let Some(v) = get("fee") {
        t.fee = decimal("fee", v)?;
    }
    if let Some(v) = get("fee_currency") {
        t.fee_currency = v.into();
    }
    if let Some(v) = get("ts") {
        t.ts = Some(parse_ts("ts", v)?);
    }
    if let Some(v) = get("strategy") {
        t.strategy = v.into();
    }
    if let Some(v) = get("venue") {
        t.venue = v.into();
    }
    t.order_id = get("order_id").map(str::to_owned);
    t.model = get("model").map(str::to_owned);
    t.meta = get("meta").map(str::to_owned);
    t.validate()?;
    Ok(t)
}

const KNOWN: [&str; 12] = [
    "symbol",
    "side",
    "qty",
    "price",
    "fee",
    "fee_currency",
    "ts",
    "strategy",
    "venue",
    "order_id",
    "model",
    "meta",
];

/// Parses CSV text with a header row.
///
/// # Errors
/// [`Error::Validation`] naming the line and field of the first bad row (or an unknown column).
pub fn parse_csv(text: &str) -> Result<Vec<NewTrade>> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| Error::validation("line 1", format!("unreadable CSV header: {e}")))?
        .clone();
    for h in &headers {
        if !KNOWN.contains(&h) {
            return Err(Error::validation(
                "line 1",
                format!("unknown column {h:?}; known: {}", KNOWN.join(", ")),
            ));
        }
    }
    let mut out = Vec::new();
    for row in rdr.records() {
        let row = row.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            Error::validation(format!("line {line}"), format!("malformed CSV: {e}"))
        })?;
        let line = row.position().map_or(0, |p| p.line()) as usize;
        let map: HashMap<&str, &str> = headers.iter().zip(row.iter()).filter(|(_, v)| !v.is_empty()).collect();
        out.push(from_fields(|f| map.get(f).copied()).map_err(|e| at(line, e))?);
    }
    Ok(out)
}

/// Parses JSON Lines: one object per line; blank lines are skipped. Values may be strings or
/// numbers (numbers are read from their exact JSON text, so no precision is lost); `meta` may
/// be any JSON value.
///
/// # Errors
/// [`Error::Validation`] naming the line and field of the first bad row.
pub fn parse_jsonl(text: &str) -> Result<Vec<NewTrade>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let obj: serde_json::Map<String, serde_json::Value> = serde_json::from_str(line)
            .map_err(|e| Error::validation(format!("line {n}"), format!("not a JSON object: {e}")))?;
        let mut fields: HashMap<&str, String> = HashMap::new();
        for (k, v) in &obj {
            if !KNOWN.contains(&k.as_str()) {
                return Err(Error::validation(format!("line {n} field {k}"), "unknown field"));
            }
            let text = match (k.as_str(), v) {
                (_, serde_json::Value::Null) => continue,
                ("meta", v) => v.to_string(),
                (_, serde_json::Value::String(s)) => s.clone(),
                (_, serde_json::Value::Number(num)) => num.to_string(),
                (k, other) => {
                    return Err(Error::validation(
                        format!("line {n} field {k}"),
                        format!("{other} is not a string or number"),
                    ));
                }
            };
            if !text.is_empty() {
                fields.insert(k.as_str(), text);
            }
        }
        out.push(from_fields(|f| fields.get(f).map(String::as_str)).map_err(|e| at(n, e))?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_a_bad_row_names_line_and_field() {
        let text = "symbol,side,qty,price\nBTC-EUR,buy,1,100\nBTC-EUR,buy,-1,100\n";
        match parse_csv(text) {
            Err(Error::Validation { field, .. }) => assert_eq!(field, "line 3 field qty"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn jsonl_reads_numbers_exactly() {
        let t =
            parse_jsonl(r#"{"symbol":"BTC-EUR","side":"sell","qty":0.1,"price":"50000.10","meta":{"a":1}}"#).unwrap();
        assert_eq!(t[0].qty.to_string(), "0.1");
        assert_eq!(t[0].price.to_string(), "50000.10");
        assert_eq!(t[0].meta.as_deref(), Some(r#"{"a":1}"#));
    }
}
