//! Acknowledged items and how to check them; a full scan of every record.
//!
//! Add a kind here (document version, KV key, candle partition, artifact, …) with its check,
//! and every harness (kill -9, power loss, faults, bit flips, load) holds the store to it.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tradestore::{BotState, Error, PortfolioSnapshot, Position, Store, Trade, TradeQuery};

/// Something a store call acknowledged, with the value it must read back as.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Item {
    /// `save_trade` / `save_trades` returned this trade.
    Trade(Trade),
    /// `save_state` / `rollback` returned this version with this content.
    State {
        /// Version number returned.
        version: u64,
        /// JSON saved.
        json: String,
        /// Label saved.
        label: Option<String>,
    },
    /// `save_portfolio_snapshot` returned `Ok` for this snapshot.
    Portfolio(PortfolioSnapshot),
}

/// How reading an item back went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Read back equal to what was acknowledged.
    Correct,
    /// The store said it is missing.
    Missing(String),
    /// The store refused it with an error (corruption detected, I/O error, …).
    Refused(String),
    /// The store returned a different value: the one outcome that must never happen.
    Wrong(String),
}

impl Item {
    /// Reads the item back from `store` and judges it.
    pub fn check(&self, store: &Store) -> Outcome {
        match self {
            Item::Trade(t) => match store.get_trade(t.id) {
                Ok(got) if got == *t => Outcome::Correct,
                Ok(got) => Outcome::Wrong(format!("trade {}: stored {t:?}, read {got:?}", t.id)),
                Err(Error::NotFound(m)) => Outcome::Missing(m),
                Err(e) => Outcome::Refused(e.to_string()),
            },
            Item::State { version, json, label } => match store.load_state_version(*version) {
                Ok(s) if s.json == *json && s.label == *label && s.version == *version => Outcome::Correct,
                Ok(s) => Outcome::Wrong(format!("state {version}: stored {json:?}, read {:?}", s.json)),
                Err(Error::NotFound(m)) => Outcome::Missing(m),
                Err(e) => Outcome::Refused(e.to_string()),
            },
            Item::Portfolio(p) => match store.portfolio_history(Some(p.ts), Some(p.ts + 1)) {
                Ok(found) if found.contains(p) => Outcome::Correct,
                Ok(found) if found.is_empty() => Outcome::Missing(format!("portfolio snapshot at {}", p.ts)),
                Ok(found) => Outcome::Wrong(format!("portfolio at {}: stored {p:?}, read {found:?}", p.ts)),
                Err(e) => Outcome::Refused(e.to_string()),
            },
        }
    }

    /// A short name for reports.
    pub fn kind(&self) -> &'static str {
        match self {
            Item::Trade(_) => "trade",
            Item::State { .. } => "state",
            Item::Portfolio(_) => "portfolio",
        }
    }
}

/// What a full scan read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scan {
    /// Every trade, by id.
    pub trades: BTreeMap<u64, Trade>,
    /// Every state version.
    pub states: BTreeMap<u64, BotState>,
    /// Every portfolio snapshot, in key order.
    pub portfolio: Vec<PortfolioSnapshot>,
    /// Every position.
    pub positions: Vec<Position>,
}

/// Reads every record of every table through the public API and checks the tables agree with
/// each other: the time, symbol and strategy indexes list the same trades, each trade reads the
/// same by id, and the stored positions are exactly what replaying the trades in id order with
/// [`tradestore::trades::apply_fill`] gives (so no fill is half applied).
///
/// Any error (a corrupt record, a dangling index) is returned as `Err`.
pub fn full_scan(store: &Store) -> Result<Scan, String> {
    let e = |what: &str, err: Error| format!("{what}: {err}");
    let all = |q: TradeQuery| -> Result<Vec<Trade>, String> {
        let mut q = TradeQuery { limit: 10_000, ..q };
        let mut out = Vec::new();
        loop {
            let page = store.trade_history(&q).map_err(|err| e("trade history", err))?;
            out.extend(page.trades);
            match page.next_cursor {
                Some(c) => q.after = Some(c),
                None => return Ok(out),
            }
        }
    };
    let by_time = all(TradeQuery::default())?;
    let mut trades = BTreeMap::new();
    for t in by_time {
        if trades.insert(t.id, t.clone()).is_some() {
            return Err(format!("trade {} listed twice", t.id));
        }
    }
    let symbols: BTreeSet<String> = trades.values().map(|t| t.symbol.clone()).collect();
    let strategies: BTreeSet<String> = trades.values().map(|t| t.strategy.clone()).collect();
    let mut via_symbol = 0;
    for s in &symbols {
        for t in all(TradeQuery {
            symbol: Some(s.clone()),
            ..Default::default()
        })? {
            via_symbol += 1;
            if trades.get(&t.id) != Some(&t) {
                return Err(format!("symbol index disagrees on trade {}", t.id));
            }
        }
    }
    let mut via_strategy = 0;
    for s in &strategies {
        via_strategy += all(TradeQuery {
            strategy: Some(s.clone()),
            ..Default::default()
        })?
        .len();
    }
    if via_symbol != trades.len() || via_strategy != trades.len() {
        return Err(format!(
            "indexes disagree: {} by time, {via_symbol} by symbol, {via_strategy} by strategy",
            trades.len()
        ));
    }
    for t in trades.values() {
        let got = store.get_trade(t.id).map_err(|err| e("get_trade", err))?;
        if got != *t {
            return Err(format!("trade {} reads differently by id", t.id));
        }
    }
    let positions = store.positions().map_err(|err| e("positions", err))?;
    check_positions(&trades, &positions)?;
    let mut states = BTreeMap::new();
    for info in store.state_history().map_err(|err| e("state history", err))? {
        if !info.valid {
            return Err(format!("state version {} is corrupt", info.version));
        }
        let s = store
            .load_state_version(info.version)
            .map_err(|err| e("load_state_version", err))?;
        states.insert(info.version, s);
    }
    let portfolio = store.portfolio_history(None, None).map_err(|err| e("portfolio", err))?;
    Ok(Scan {
        trades,
        states,
        portfolio,
        positions,
    })
}

fn check_positions(trades: &BTreeMap<u64, Trade>, stored: &[Position]) -> Result<(), String> {
    let mut replay: BTreeMap<(String, String), Position> = BTreeMap::new();
    for t in trades.values() {
        let key = (t.symbol.clone(), t.strategy.clone());
        let pos = replay.entry(key.clone()).or_insert_with(|| Position {
            symbol: t.symbol.clone(),
            strategy: t.strategy.clone(),
            ..Position::default()
        });
        let (next, pnl) = tradestore::trades::apply_fill(pos, t.side, t.qty, t.price, t.fee, t.ts)
            .map_err(|err| format!("replaying trade {}: {err}", t.id))?;
        if pnl != t.realized_pnl {
            return Err(format!(
                "trade {} realized {} but replay gives {pnl}",
                t.id, t.realized_pnl
            ));
        }
        *pos = next;
    }
    let stored: BTreeMap<(String, String), &Position> = stored
        .iter()
        .map(|p| ((p.symbol.clone(), p.strategy.clone()), p))
        .collect();
    if stored.len() != replay.len() {
        return Err(format!(
            "{} positions stored, {} from replaying trades",
            stored.len(),
            replay.len()
        ));
    }
    for (k, p) in &replay {
        if stored.get(k) != Some(&p) {
            return Err(format!("position {k:?} differs from the replay of its trades"));
        }
    }
    Ok(())
}

/// Every item of `acked` must read back correctly (`Err` names the first that does not).
pub fn check_all(store: &Store, acked: &[Item]) -> Result<(), String> {
    for item in acked {
        match item.check(store) {
            Outcome::Correct => {}
            other => return Err(format!("acknowledged {} {other:?}", item.kind())),
        }
    }
    Ok(())
}

/// Sum of realized P&L, to print in reports.
pub fn total_pnl(scan: &Scan) -> Decimal {
    scan.trades.values().map(|t| t.realized_pnl).sum()
}
