//! Acknowledged items and how to check them; a full scan of every record; the store's own
//! integrity scan.
//!
//! Add a kind here (artifact, …) with its check, and every harness (kill -9, power loss, faults,
//! bit flips, load) holds the store to it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tradestore::kv::{KeyTtl, Kv};
use tradestore::market::{Candle, Timeframe};
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
    /// `Collection::put` returned this version of this document.
    Document {
        /// Collection (it has a JSON schema).
        collection: String,
        /// Document key.
        key: String,
        /// Version returned.
        version: u64,
        /// The document put.
        json: serde_json::Value,
    },
    /// `Kv::set` returned for this value. The key may later hold a newer value: values start
    /// with the workload's sequence number and `seq|`, so a newer one is recognisable.
    KvSet {
        /// Key.
        key: String,
        /// Value set.
        value: String,
        /// TTL given, in seconds (long enough never to expire during a test).
        ttl_secs: Option<u64>,
    },
    /// `Kv::incr_by(key, 1)` returned this value; one single-threaded writer owns the key.
    KvCounter {
        /// Key.
        key: String,
        /// Value returned.
        value: i64,
    },
    /// `Market::write_candles` returned for these candles (all new `ts`, never rewritten).
    Candles {
        /// Pair as written.
        pair: String,
        /// Timeframe text.
        timeframe: String,
        /// The candles.
        candles: Vec<Candle>,
    },
    /// `Store::create_snapshot` returned this file.
    Snapshot {
        /// File name in `<store>/snapshots/`.
        name: String,
        /// Size returned.
        bytes: u64,
    },
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
            Item::Document {
                collection,
                key,
                version,
                json,
            } => check_document(store, collection, key, *version, json),
            Item::KvSet { key, value, ttl_secs } => check_kv_set(store, key, value, *ttl_secs),
            Item::KvCounter { key, value } => match store.kv().get(key) {
                Ok(Some(v)) => match std::str::from_utf8(&v).ok().and_then(|s| s.parse::<i64>().ok()) {
                    Some(n) if n >= *value => Outcome::Correct,
                    Some(n) => Outcome::Wrong(format!("counter {key}: {value} acknowledged, reads {n}")),
                    None => Outcome::Wrong(format!("counter {key} holds {v:?}")),
                },
                Ok(None) => Outcome::Missing(format!("counter {key}")),
                Err(e) => Outcome::Refused(e.to_string()),
            },
            Item::Candles {
                pair,
                timeframe,
                candles,
            } => check_candles(store, pair, timeframe, candles),
            Item::Snapshot { name, bytes } => check_snapshot(store, name, *bytes),
        }
    }

    /// A short name for reports.
    pub fn kind(&self) -> &'static str {
        match self {
            Item::Trade(_) => "trade",
            Item::State { .. } => "state",
            Item::Portfolio(_) => "portfolio",
            Item::Document { .. } => "document",
            Item::KvSet { ttl_secs: None, .. } => "kv_set",
            Item::KvSet { .. } => "kv_set_ttl",
            Item::KvCounter { .. } => "kv_incr",
            Item::Candles { .. } => "candle_write",
            Item::Snapshot { .. } => "snapshot",
        }
    }
}

fn refused_or_missing(e: Error) -> Outcome {
    match e {
        Error::NotFound(m) => Outcome::Missing(m),
        e => Outcome::Refused(e.to_string()),
    }
}

/// The version reads back as put, validated against a schema, and the key's head is not behind it.
fn check_document(store: &Store, collection: &str, key: &str, version: u64, json: &serde_json::Value) -> Outcome {
    let coll = match store.collection(collection) {
        Ok(c) => c,
        Err(e) => return Outcome::Refused(e.to_string()),
    };
    let doc = match coll.get_version(key, version) {
        Ok(d) => d,
        Err(e) => return refused_or_missing(e),
    };
    let checksum = serde_json::to_string(json).map(|j| blake3::hash(j.as_bytes()).to_hex().to_string());
    if doc.json != *json
        || doc.meta.version != version
        || doc.meta.deleted
        || doc.meta.schema_version == 0
        || checksum.as_deref().ok() != Some(doc.meta.checksum.as_str())
    {
        return Outcome::Wrong(format!(
            "document {collection}/{key} v{version}: stored {json}, read {} ({:?})",
            doc.json, doc.meta
        ));
    }
    match coll.metadata(key) {
        Ok(m) if m.version >= version => Outcome::Correct,
        Ok(m) => Outcome::Wrong(format!(
            "document {collection}/{key}: v{version} acknowledged, head is v{}",
            m.version
        )),
        Err(e) => refused_or_missing(e),
    }
}

/// The sequence number a workload value starts with (`seq|…`).
pub fn value_seq(value: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(value).ok()?;
    text.split_once('|')?.0.parse().ok()
}

/// The value reads back (with its TTL), or a newer value of the workload replaced it.
fn check_kv_set(store: &Store, key: &str, value: &str, ttl_secs: Option<u64>) -> Outcome {
    let kv = store.kv();
    let got = match kv.get(key) {
        Ok(Some(v)) => v,
        Ok(None) => return Outcome::Missing(format!("kv {key}")),
        Err(e) => return Outcome::Refused(e.to_string()),
    };
    if got != value.as_bytes() {
        return match (value_seq(&got), value_seq(value.as_bytes())) {
            (Some(now), Some(acked)) if now > acked => Outcome::Correct,
            _ => Outcome::Wrong(format!(
                "kv {key}: {value:?} acknowledged, reads {:?}",
                String::from_utf8_lossy(&got)
            )),
        };
    }
    match (kv.ttl(key), ttl_secs) {
        (Ok(KeyTtl::Persistent), None) => Outcome::Correct,
        (Ok(KeyTtl::Expires(left)), Some(t)) if left.as_secs() <= t => Outcome::Correct,
        (Ok(other), _) => Outcome::Wrong(format!("kv {key}: TTL {ttl_secs:?} s acknowledged, reads {other:?}")),
        (Err(e), _) => Outcome::Refused(e.to_string()),
    }
}

/// Every acknowledged candle reads back with its values.
fn check_candles(store: &Store, pair: &str, timeframe: &str, candles: &[Candle]) -> Outcome {
    let (Some(first), Some(last)) = (candles.first(), candles.last()) else {
        return Outcome::Correct;
    };
    let tf: Timeframe = match timeframe.parse() {
        Ok(tf) => tf,
        Err(e) => return Outcome::Refused(e.to_string()),
    };
    let found = match store.market().candles(pair, tf, Some(first.ts), Some(last.ts + 1)) {
        Ok(f) => f,
        Err(e) => return refused_or_missing(e),
    };
    let found: BTreeMap<i64, Candle> = found.into_iter().map(|c| (c.ts, c)).collect();
    for c in candles {
        match found.get(&c.ts) {
            Some(f) if f == c => {}
            Some(f) => return Outcome::Wrong(format!("candle {pair} {timeframe}: stored {c:?}, read {f:?}")),
            None => return Outcome::Missing(format!("candle {pair} {timeframe} at {}", c.ts)),
        }
    }
    Outcome::Correct
}

/// The snapshot is listed, with its size, and every hash in it verifies.
fn check_snapshot(store: &Store, name: &str, bytes: u64) -> Outcome {
    let listed = match store.list_snapshots() {
        Ok(l) => l,
        Err(e) => return Outcome::Refused(e.to_string()),
    };
    let Some(info) = listed
        .iter()
        .find(|s| s.path.file_name().and_then(|n| n.to_str()) == Some(name))
    else {
        return Outcome::Missing(format!("snapshot {name}"));
    };
    if let Some(p) = &info.problem {
        return Outcome::Refused(format!("snapshot {name}: {p}"));
    }
    if info.bytes != bytes {
        return Outcome::Wrong(format!(
            "snapshot {name}: {bytes} bytes acknowledged, {} listed",
            info.bytes
        ));
    }
    match tradestore::snapshot::verify_file(&info.path) {
        Ok(_) => Outcome::Correct,
        Err(e) => Outcome::Refused(e.to_string()),
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

/// Every item of `acked` must read back correctly (`Err` names the first that does not), and
/// nothing ran ahead of the acknowledgements (see [`check_not_ahead`]).
///
/// Candles are checked against one read of each series rather than one read per write.
pub fn check_all(store: &Store, acked: &[Item]) -> Result<(), String> {
    let mut series: BTreeMap<(&str, &str), BTreeMap<i64, Candle>> = BTreeMap::new();
    for item in acked {
        if let Item::Candles {
            pair,
            timeframe,
            candles,
        } = item
        {
            series
                .entry((pair, timeframe))
                .or_default()
                .extend(candles.iter().map(|c| (c.ts, *c)));
            continue;
        }
        match item.check(store) {
            Outcome::Correct => {}
            other => return Err(format!("acknowledged {} {other:?}", item.kind())),
        }
    }
    for ((pair, timeframe), candles) in series {
        let candles: Vec<Candle> = candles.into_values().collect();
        match check_candles(store, pair, timeframe, &candles) {
            Outcome::Correct => {}
            other => return Err(format!("acknowledged candles {other:?}")),
        }
    }
    check_not_ahead(store, acked)
}

/// Counters and document keys hold at most one write more than was acknowledged: each key
/// has one single-threaded writer, so only the call in flight when it stopped can be durable
/// without its acknowledgement. A counter further ahead means an increment was applied twice; a
/// document further ahead, versions nobody wrote.
pub fn check_not_ahead(store: &Store, acked: &[Item]) -> Result<(), String> {
    let mut counters: BTreeMap<&str, i64> = BTreeMap::new();
    let mut docs: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for item in acked {
        match item {
            Item::KvCounter { key, value } => {
                let max = counters.entry(key).or_default();
                *max = (*max).max(*value);
            }
            Item::Document {
                collection,
                key,
                version,
                ..
            } => {
                let max = docs.entry((collection, key)).or_default();
                *max = (*max).max(*version);
            }
            _ => {}
        }
    }
    for (key, max) in counters {
        let got = store.kv().get(key).map_err(|e| format!("counter {key}: {e}"))?;
        let n = got
            .as_deref()
            .and_then(|v| std::str::from_utf8(v).ok())
            .and_then(|s| s.parse::<i64>().ok());
        if n.is_none_or(|n| n > max + 1) {
            return Err(format!("counter {key}: {max} acknowledged, reads {n:?}"));
        }
    }
    for ((collection, key), max) in docs {
        let head = store
            .collection(collection)
            .and_then(|c| c.metadata(key))
            .map_err(|e| format!("document {collection}/{key}: {e}"))?;
        if head.version > max + 1 {
            return Err(format!(
                "document {collection}/{key}: v{max} acknowledged, head is v{}",
                head.version
            ));
        }
    }
    Ok(())
}

/// The store's own integrity scan ([`Store::verify`]: every record's checksum, the indexes,
/// documents against their heads and schemas, every listed snapshot fully hashed, every market
/// partition re-hashed against the catalog) finds nothing, and every candle series reads whole.
/// Files in `snapshots/` that are not listed (an interrupted snapshot's `.partial`) are not
/// snapshots: they are returned, for the caller to judge.
pub fn verify_clean(store: &Store) -> Result<Vec<std::path::PathBuf>, String> {
    let report = store.verify().map_err(|e| format!("verify: {e}"))?;
    if !report.ok {
        return Err(format!("verify found problems: {:?}", report.problems));
    }
    let market = store.market();
    for (pair, tf) in market.series().map_err(|e| format!("market series: {e}"))? {
        market
            .candles(&pair, tf, None, None)
            .map_err(|e| format!("reading {pair} {tf}: {e}"))?;
    }
    let listed: BTreeSet<std::path::PathBuf> = store
        .list_snapshots()
        .map_err(|e| format!("list snapshots: {e}"))?
        .into_iter()
        .map(|s| s.path)
        .collect();
    let dir = store.path().join(tradestore::snapshot::SNAPSHOT_DIR);
    let mut unlisted = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if !listed.contains(&path) {
                unlisted.push(path);
            }
        }
    }
    Ok(unlisted)
}

/// Whether `path` passes a full snapshot verification.
pub fn snapshot_verifies(path: &Path) -> bool {
    tradestore::snapshot::verify_file(path).is_ok()
}

/// Sum of realized P&L, to print in reports.
pub fn total_pnl(scan: &Scan) -> Decimal {
    scan.trades.values().map(|t| t.realized_pnl).sum()
}
