//! A seeded mix of store writes, each returning the items its call acknowledged.
//!
//! [`Mix`] picks the kinds: trades, state saves and portfolio snapshots always; documents and KV
//! keys (in the store file too) and candle appends and snapshots (files beside the store file)
//! when asked for.

use std::collections::BTreeMap;
use std::time::Duration;

use rust_decimal::Decimal;
use serde_json::json;
use tradestore::kv::Kv;
use tradestore::market::{Candle, Timeframe};
use tradestore::{Holding, NewTrade, PortfolioSnapshot, Side, Store};

use super::items::Item;

/// 2024-01-01T00:00:00Z in ns.
pub const T0: i64 = 1_704_067_200_000_000_000;
/// The collection documents go to; it gets [`order_schema`] before the first put.
pub const COLLECTION: &str = "orders";
/// The candle series appended to (shared by every workload on a store).
pub const CANDLE_PAIR: &str = "CRASH/EUR";
/// Its timeframe: day candles, year partitions, so a write sometimes spans two partitions.
pub const CANDLE_TF: &str = "1d";
/// TTL of the KV keys set with one: far longer than any test.
pub const KV_TTL: Duration = Duration::from_secs(3600);
const DAY: i64 = 86_400_000_000_000;

/// Which kinds of writes a [`Workload`] makes besides trades, state saves and portfolio
/// snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mix {
    /// Document puts (into [`COLLECTION`], which has a JSON schema), KV sets with and without a
    /// TTL, KV counter increments: all in the store file.
    pub docs_kv: bool,
    /// Candle appends (Parquet partitions beside the store file) and store snapshots (files in
    /// `snapshots/`): needs a real directory, not a simulated store file alone.
    pub files: bool,
}

impl Mix {
    /// Trades, state saves and portfolio snapshots only.
    pub const CORE: Mix = Mix {
        docs_kv: false,
        files: false,
    };
    /// Everything that lives in the store file.
    pub const STORE_FILE: Mix = Mix {
        docs_kv: true,
        files: false,
    };
    /// Everything, files beside the store file included.
    pub const ALL: Mix = Mix {
        docs_kv: true,
        files: true,
    };
}

/// The JSON schema of [`COLLECTION`].
pub fn order_schema() -> serde_json::Value {
    json!({
        "type": "object",
        "required": ["tag", "seq", "symbol", "qty", "status"],
        "properties": {
            "tag": {"type": "string", "minLength": 1},
            "seq": {"type": "integer", "minimum": 1},
            "symbol": {"enum": ["BTC-EUR", "ETH-EUR", "SOL-EUR"]},
            "qty": {"type": "string", "pattern": "^[0-9]+\\.[0-9]{3}$"},
            "status": {"enum": ["open", "partial", "filled", "cancelled"]},
            "note": {"type": "string", "maxLength": 4000}
        },
        "additionalProperties": false
    })
}

/// Generates writes; `tag` keeps order ids, document keys and KV keys unique between workloads
/// sharing a store.
pub struct Workload {
    rng: fastrand::Rng,
    tag: String,
    seq: u64,
    own_states: BTreeMap<u64, String>,
    mix: Mix,
    schema_set: bool,
    /// Open time of the next candle to append, once read from the catalog.
    next_candle: Option<i64>,
}

impl Workload {
    /// A workload of [`Mix::CORE`] seeded with `seed`; order ids start with `tag`.
    pub fn new(seed: u64, tag: impl Into<String>) -> Self {
        Workload::with_mix(seed, tag, Mix::CORE)
    }

    /// A workload making the kinds of writes `mix` asks for.
    pub fn with_mix(seed: u64, tag: impl Into<String>, mix: Mix) -> Self {
        Workload {
            rng: fastrand::Rng::with_seed(seed),
            tag: tag.into(),
            seq: 0,
            own_states: BTreeMap::new(),
            mix,
            schema_set: false,
            next_candle: None,
        }
    }

    /// A valid fill with a fresh order id.
    pub fn fill(&mut self) -> NewTrade {
        self.seq += 1;
        let r = &mut self.rng;
        let symbol = ["BTC-EUR", "ETH-EUR", "SOL-EUR"][r.usize(..3)];
        let side = if r.bool() { Side::Buy } else { Side::Sell };
        NewTrade::new(
            symbol,
            side,
            Decimal::new(r.i64(1..10_000), 3),
            Decimal::new(r.i64(10_000..20_000), 2),
        )
        .fee(Decimal::new(r.i64(0..10_000), 4))
        .ts(T0 + r.i64(0..86_400) * 1_000_000_000)
        .strategy(["grid", "trend"][r.usize(..2)])
        .venue("sim")
        .order_id(format!("{}-{}", self.tag, self.seq))
    }

    /// A state document unique to this point of the workload.
    pub fn state_json(&mut self) -> String {
        self.seq += 1;
        let pad = "x".repeat(self.rng.usize(0..2000));
        format!(r#"{{"tag":"{}","seq":{},"pad":"{pad}"}}"#, self.tag, self.seq)
    }

    /// A portfolio snapshot unique to this point of the workload.
    pub fn snapshot(&mut self) -> PortfolioSnapshot {
        self.seq += 1;
        let r = &mut self.rng;
        PortfolioSnapshot {
            ts: T0 + r.i64(0..1_000_000_000) * 1_000,
            total_value: Decimal::new(r.i64(0..10_000_000), 2),
            positions: vec![Holding {
                symbol: "BTC-EUR".into(),
                qty: Decimal::new(r.i64(-1000..1000), 3),
                value: Decimal::new(r.i64(0..1_000_000), 2),
            }],
            balances: vec![],
            snapshot_type: "periodic".into(),
            session_id: format!("{}-{}", self.tag, self.seq),
        }
    }

    /// Performs one randomly chosen write and returns what it acknowledged.
    ///
    /// # Errors
    /// Whatever the store returned; nothing is acknowledged then.
    pub fn step(&mut self, store: &Store) -> tradestore::Result<Vec<Item>> {
        if self.mix == Mix::CORE {
            return self.core_step(store);
        }
        let docs_kv = self.mix.docs_kv;
        let files = self.mix.files;
        match self.rng.u32(..1000) {
            0..80 if docs_kv => self.put_document(store),
            80..130 if docs_kv => self.set_kv(store, None),
            130..180 if docs_kv => self.set_kv(store, Some(KV_TTL)),
            180..220 if docs_kv => {
                let key = format!("{}:n{}", self.tag, self.rng.u32(..2));
                let value = store.kv().incr_by(&key, 1)?;
                Ok(vec![Item::KvCounter { key, value }])
            }
            220..260 if files => self.append_candles(store),
            260..265 if files => self.store_snapshot(store),
            _ => self.core_step(store),
        }
    }

    /// A snapshot of the whole store into `snapshots/`.
    ///
    /// # Errors
    /// Whatever the store returned; nothing is acknowledged then.
    pub fn store_snapshot(&mut self, store: &Store) -> tradestore::Result<Vec<Item>> {
        let info = store.create_snapshot(None)?;
        let name = info.path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        Ok(vec![Item::Snapshot {
            name: name.to_owned(),
            bytes: info.bytes,
        }])
    }

    /// A document of [`COLLECTION`] (valid against [`order_schema`]) under one of a few keys of
    /// this workload, so keys collect several versions.
    fn put_document(&mut self, store: &Store) -> tradestore::Result<Vec<Item>> {
        let coll = store.collection(COLLECTION)?;
        if !self.schema_set {
            let schema = order_schema();
            if coll.schema()?.map(|(_, s)| s) != Some(schema.clone()) {
                coll.set_schema(&schema)?;
            }
            self.schema_set = true;
        }
        self.seq += 1;
        let r = &mut self.rng;
        let key = format!("{}-o{}", self.tag, r.u32(..6));
        let symbol = ["BTC-EUR", "ETH-EUR", "SOL-EUR"][r.usize(..3)];
        let status = ["open", "partial", "filled", "cancelled"][r.usize(..4)];
        let doc = json!({
            "tag": self.tag,
            "seq": self.seq,
            "symbol": symbol,
            "qty": format!("{}.{:03}", r.u32(..100), r.u32(..1000)),
            "status": status,
            "note": "n".repeat(r.usize(0..1500)),
        });
        let meta = coll.put(&key, &doc)?;
        Ok(vec![Item::Document {
            collection: COLLECTION.into(),
            key,
            version: meta.version,
            json: doc,
        }])
    }

    /// A string under one of a few keys of this workload; the value starts with `seq|`.
    fn set_kv(&mut self, store: &Store, ttl: Option<Duration>) -> tradestore::Result<Vec<Item>> {
        self.seq += 1;
        let kind = if ttl.is_some() { 't' } else { 's' };
        let key = format!("{}:{kind}{}", self.tag, self.rng.u32(..4));
        let value = format!("{}|{}", self.seq, "v".repeat(self.rng.usize(0..400)));
        store.kv().set(&key, value.as_bytes(), ttl)?;
        Ok(vec![Item::KvSet {
            key,
            value,
            ttl_secs: ttl.map(|t| t.as_secs()),
        }])
    }

    /// Appends 1–12 day candles after the newest one of [`CANDLE_PAIR`]; one write in eight
    /// first skips to just before a new year, so that it spans two partitions.
    ///
    /// # Errors
    /// Whatever the store returned; nothing is acknowledged then.
    pub fn append_candles(&mut self, store: &Store) -> tradestore::Result<Vec<Item>> {
        let tf: Timeframe = CANDLE_TF.parse()?;
        let pair = tradestore::market::normalize_pair(CANDLE_PAIR)?;
        let mut ts = match self.next_candle {
            Some(ts) => ts,
            None => store
                .market()
                .list()?
                .iter()
                .filter(|p| p.pair == pair && p.timeframe == CANDLE_TF)
                .map(|p| p.meta.last_ts + DAY)
                .max()
                .unwrap_or(T0),
        };
        let n = self.rng.i64(1..13);
        if self.rng.u32(..8) == 0 {
            // Day candles go to year partitions: start a few days before the next 1 January.
            ts = ts.max(next_new_year(ts) - self.rng.i64(1..n + 1) * DAY);
        }
        let r = &mut self.rng;
        // Quarters: exact in binary and in the JSON the acknowledgement travels as.
        let q = |r: &mut fastrand::Rng, lo: u32, hi: u32| f64::from(r.u32(lo..hi)) * 0.25;
        let candles: Vec<Candle> = (0..n)
            .map(|i| {
                let (open, close) = (q(r, 40_000, 80_000), q(r, 40_000, 80_000));
                Candle {
                    ts: ts + i * DAY,
                    open,
                    high: open.max(close) + q(r, 0, 400),
                    low: open.min(close) - q(r, 0, 400),
                    close,
                    volume: q(r, 0, 1_000_000),
                }
            })
            .collect();
        store.market().write_candles(CANDLE_PAIR, tf, &candles)?;
        self.next_candle = Some(ts + n * DAY);
        Ok(vec![Item::Candles {
            pair: CANDLE_PAIR.into(),
            timeframe: CANDLE_TF.into(),
            candles,
        }])
    }

    /// Trades, state saves (and rollbacks), portfolio snapshots.
    fn core_step(&mut self, store: &Store) -> tradestore::Result<Vec<Item>> {
        match self.rng.u32(..100) {
            0..55 => Ok(vec![Item::Trade(store.save_trade(self.fill())?)]),
            55..65 => {
                let n = self.rng.usize(2..6);
                let batch: Vec<NewTrade> = (0..n).map(|_| self.fill()).collect();
                Ok(store.save_trades(&batch)?.into_iter().map(Item::Trade).collect())
            }
            65..85 => {
                let json = self.state_json();
                let label = format!("{}-{}", self.tag, self.seq);
                let version = store.save_state(&json, Some(&label))?;
                self.own_states.insert(version, json.clone());
                Ok(vec![Item::State {
                    version,
                    json,
                    label: Some(label),
                }])
            }
            85..90 if !self.own_states.is_empty() => {
                let keys: Vec<u64> = self.own_states.keys().copied().collect();
                let n = keys[self.rng.usize(..keys.len())];
                let json = self.own_states[&n].clone();
                let version = store.rollback(n)?;
                self.own_states.insert(version, json.clone());
                Ok(vec![Item::State {
                    version,
                    json,
                    label: Some(format!("rollback to {n}")),
                }])
            }
            _ => {
                let snap = self.snapshot();
                store.save_portfolio_snapshot(&snap)?;
                Ok(vec![Item::Portfolio(snap)])
            }
        }
    }
}

/// 1 January 00:00 UTC of the year after the one `ts` falls in, in ns.
fn next_new_year(ts: i64) -> i64 {
    let year = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ts)).map_or(2024, |t| t.year());
    time::Date::from_calendar_date(year + 1, time::Month::January, 1)
        .map(|d| d.midnight().assume_utc().unix_timestamp() * 1_000_000_000)
        .unwrap_or(ts)
}
