//! Portfolio snapshots: the bot's valuation over time.

use redb::ReadableTable;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::Value;

use crate::envelope::{self, RecBytes};
use crate::records::Holding;
pub use crate::records::PortfolioSnapshot;
use crate::tables::{META, META_NEXT_PORTFOLIO_SEQ, PORTFOLIO};
use crate::timefmt::{now_ns, parse_ts};
use crate::trades::check_name;
use crate::{Error, Result, Store};

const TABLE: &str = "portfolio";
/// Most positions or balances accepted in one snapshot.
pub const MAX_HOLDINGS: usize = 10_000;

fn validate(s: &PortfolioSnapshot) -> Result<()> {
    if s.ts < crate::trades::MIN_TS {
        return Err(Error::validation("ts", "is before 2000-01-01"));
    }
    check_name("snapshot_type", &s.snapshot_type, true)?;
    check_name("session_id", &s.session_id, false)?;
    for (field, list) in [("positions", &s.positions), ("balances", &s.balances)] {
        if list.len() > MAX_HOLDINGS {
            return Err(Error::validation(
                field,
                format!("{} entries, more than {MAX_HOLDINGS}", list.len()),
            ));
        }
        for h in list.iter() {
            check_name(&format!("{field}.symbol"), &h.symbol, true)?;
        }
    }
    Ok(())
}

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

/// Parses a snapshot document: `ts` (RFC 3339 or epoch ms; default now), `total_value`,
/// `positions` and `balances` (lists of `{symbol, qty, value}` or maps from symbol to
/// `{qty, value}`; balances also to a plain amount), `snapshot_type` (default `manual`),
/// `session_id`. Decimals may be strings or JSON numbers and are kept exact.
///
/// # Errors
/// [`Error::Validation`] naming the bad field.
pub fn snapshot_from_json(text: &str) -> Result<PortfolioSnapshot> {
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

impl Store {
    /// Records a portfolio snapshot.
    ///
    /// # Examples
    /// ```
    /// # use rust_decimal::Decimal;
    /// # use tradestore::{PortfolioSnapshot, Store};
    /// # let dir = tempfile::tempdir().map_err(|e| tradestore::Error::io("tempdir", e))?;
    /// # let store = Store::open(dir.path())?;
    /// store.save_portfolio_snapshot(&PortfolioSnapshot {
    ///     ts: 1_700_000_000_000_000_000,
    ///     total_value: Decimal::new(1_000_050, 2),
    ///     positions: vec![],
    ///     balances: vec![],
    ///     snapshot_type: "periodic".into(),
    ///     session_id: "s1".into(),
    /// })?;
    /// assert_eq!(store.portfolio_history(None, None)?.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] naming the bad field.
    pub fn save_portfolio_snapshot(&self, snap: &PortfolioSnapshot) -> Result<()> {
        validate(snap)?;
        let bytes = envelope::encode(snap)?;
        let ts = snap.ts;
        self.write(move |txn| {
            let mut meta = txn.open_table(META)?;
            let seq = meta.get(META_NEXT_PORTFOLIO_SEQ)?.map_or(0, |v| v.value());
            meta.insert(META_NEXT_PORTFOLIO_SEQ, seq + 1)?;
            txn.open_table(PORTFOLIO)?.insert((ts, seq), RecBytes::new(&bytes))?;
            Ok(())
        })
    }

    /// Snapshots with `since <= ts < until`, oldest first.
    ///
    /// # Errors
    /// [`Error::Corruption`] for a snapshot that fails its checks.
    pub fn portfolio_history(&self, since: Option<i64>, until: Option<i64>) -> Result<Vec<PortfolioSnapshot>> {
        let mut out = Vec::new();
        self.scan_portfolio(since, until, |rec, key| {
            out.push(rec.decode(TABLE, key)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// Calls `f` with every stored snapshot (unverified bytes, and its key printed for errors)
    /// with `since <= ts < until`, oldest first.
    pub(crate) fn scan_portfolio(
        &self,
        since: Option<i64>,
        until: Option<i64>,
        mut f: impl FnMut(RecBytes<'_, PortfolioSnapshot>, &dyn std::fmt::Display) -> Result<()>,
    ) -> Result<()> {
        let rtx = self.read_txn()?;
        let table = rtx.open_table(PORTFOLIO)?;
        let lo = (since.unwrap_or(i64::MIN), 0u64);
        let range = match until {
            Some(u) => table.range(lo..(u, 0u64))?,
            None => table.range(lo..)?,
        };
        for row in range {
            let (k, v) = row?;
            let (ts, seq) = k.value();
            f(v.value(), &format_args!("{ts}/{seq}"))?;
        }
        Ok(())
    }
}
