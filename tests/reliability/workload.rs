//! A seeded mix of store writes, each returning the items its call acknowledged.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use tradestore::{Holding, NewTrade, PortfolioSnapshot, Side, Store};

use super::items::Item;

/// 2024-01-01T00:00:00Z in ns.
pub const T0: i64 = 1_704_067_200_000_000_000;

/// Generates writes; `tag` keeps order ids unique between workloads sharing a store.
pub struct Workload {
    rng: fastrand::Rng,
    tag: String,
    seq: u64,
    own_states: BTreeMap<u64, String>,
}

impl Workload {
    /// A workload seeded with `seed`; order ids start with `tag`.
    pub fn new(seed: u64, tag: impl Into<String>) -> Self {
        Workload {
            rng: fastrand::Rng::with_seed(seed),
            tag: tag.into(),
            seq: 0,
            own_states: BTreeMap::new(),
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
