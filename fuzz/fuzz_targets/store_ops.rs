//! A structured fuzzer in the manner of redb's own: an arbitrary list of store operations runs
//! against the real store (on a simulated disk) and against a reference model (BTreeMaps and
//! the P&L function), and every step must agree: same success or same kind of error, same
//! values. Reopens and power cuts are operations too: a cut during a failing write (full disk or
//! failed fsync) reopens from the durable image plus a random subset of the unsynced writes,
//! and the store must then equal the model either before or after that write, nothing else.
#![no_main]
#![allow(dead_code)]

#[path = "../../tests/reliability/items.rs"]
mod items;
#[path = "../../tests/reliability/sim_backend.rs"]
mod sim_backend;

use std::collections::BTreeMap;
use std::path::PathBuf;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;
use sim_backend::{Faults, Sim};
use tradestore::trades::apply_fill;
use tradestore::{Error, Holding, NewTrade, PortfolioSnapshot, Position, Side, Store, Trade, TradeOrder, TradeQuery};

const T0: i64 = 1_704_067_200_000_000_000;
const SEC: i64 = 1_000_000_000;
const SYMBOLS: [&str; 4] = ["BTC-EUR", "ETH-EUR", "", " BAD"];
const STRATEGIES: [&str; 3] = ["grid", "trend", ""];
const VENUES: [&str; 2] = ["", "kraken"];
/// JSON documents and whether they are valid.
const JSONS: [(&str, bool); 6] = [
    ("{}", true),
    (r#"{"open_orders":[1,2,3],"mode":"live"}"#, true),
    ("[1, 2.5, null]", true),
    (r#"{"a":"#, false),
    ("", false),
    ("nope", false),
];
/// Labels and whether they are valid.
const LABELS: [(&str, bool); 4] = [("boot", true), ("", true), (" x", false), ("a\nb", false)];

#[derive(Arbitrary, Debug, Clone)]
struct Fill {
    symbol: u8,
    sell: bool,
    qty: u32,
    qty_scale: u8,
    price: u32,
    price_scale: u8,
    fee: u16,
    ts: u16,
    strategy: u8,
    venue: u8,
    order_id: Option<u8>,
}

impl Fill {
    fn to_new(&self) -> NewTrade {
        let mut qty = Decimal::from(self.qty);
        qty.set_scale(u32::from(self.qty_scale % 20)).ok();
        let mut price = Decimal::from(self.price);
        price.set_scale(u32::from(self.price_scale % 20)).ok();
        let mut t = NewTrade::new(
            SYMBOLS[usize::from(self.symbol) % SYMBOLS.len()],
            if self.sell { Side::Sell } else { Side::Buy },
            qty,
            price,
        )
        .fee(Decimal::new(i64::from(self.fee), 2))
        .ts(T0 + i64::from(self.ts) * SEC)
        .strategy(STRATEGIES[usize::from(self.strategy) % STRATEGIES.len()])
        .venue(VENUES[usize::from(self.venue) % VENUES.len()]);
        if let Some(o) = self.order_id {
            t = t.order_id(format!("o{}", o % 16));
        }
        t
    }
}

#[derive(Arbitrary, Debug, Clone)]
enum Op {
    SaveTrade(Fill),
    SaveTrades(Vec<Fill>),
    GetTrade(u8),
    History {
        symbol: Option<u8>,
        strategy: Option<u8>,
        side: Option<bool>,
        since: Option<u16>,
        until: Option<u16>,
        limit: u8,
        desc: bool,
    },
    Positions,
    SaveState {
        json: u8,
        label: Option<u8>,
    },
    Rollback(u8),
    LoadState,
    LoadStateVersion(u8),
    Portfolio {
        ts: u16,
        value: i32,
        bad_type: bool,
    },
    PortfolioHistory {
        since: Option<u16>,
        until: Option<u16>,
    },
    Reopen,
    /// The next operation meets a fault (a full disk after `budget` bytes, or a failing fsync);
    /// if it fails, the power is cut and the store reopened from a crash image.
    FaultThenCut {
        budget: Option<u16>,
        cut_seed: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Validation,
    Conflict,
    NotFound,
}

fn kind(e: &Error) -> Option<Kind> {
    match e {
        Error::Validation { .. } => Some(Kind::Validation),
        Error::Conflict { .. } => Some(Kind::Conflict),
        Error::NotFound(_) => Some(Kind::NotFound),
        _ => None,
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Model {
    trades: BTreeMap<u64, Trade>,
    positions: BTreeMap<(String, String), Position>,
    order_ids: BTreeMap<(String, String), u64>,
    next_id: u64,
    states: BTreeMap<u64, (String, Option<String>)>,
    portfolio: BTreeMap<(i64, u64), PortfolioSnapshot>,
    next_seq: u64,
}

impl Model {
    fn insert(&mut self, t: &NewTrade) -> Result<Trade, Kind> {
        if let Some(o) = &t.order_id
            && self.order_ids.contains_key(&(t.venue.clone(), o.clone()))
        {
            return Err(Kind::Conflict);
        }
        let key = (t.symbol.clone(), t.strategy.clone());
        let pos = self.positions.get(&key).cloned().unwrap_or_else(|| Position {
            symbol: t.symbol.clone(),
            strategy: t.strategy.clone(),
            ..Position::default()
        });
        let ts = t.ts.expect("the fuzzer always sets ts");
        let (pos, realized_pnl) = apply_fill(&pos, t.side, t.qty, t.price, t.fee, ts).map_err(|_| Kind::Validation)?;
        let id = self.next_id.max(1);
        self.next_id = id + 1;
        self.positions.insert(key, pos);
        if let Some(o) = &t.order_id {
            self.order_ids.insert((t.venue.clone(), o.clone()), id);
        }
        let trade = Trade {
            id,
            symbol: t.symbol.clone(),
            side: t.side,
            qty: t.qty,
            price: t.price,
            fee: t.fee,
            fee_currency: t.fee_currency.clone(),
            ts,
            strategy: t.strategy.clone(),
            venue: t.venue.clone(),
            order_id: t.order_id.clone(),
            model: None,
            meta: None,
            realized_pnl,
        };
        self.trades.insert(id, trade.clone());
        Ok(trade)
    }

    fn save_trades(&mut self, batch: &[NewTrade]) -> Result<Vec<Trade>, Kind> {
        if batch.iter().any(|t| t.validate().is_err()) {
            return Err(Kind::Validation);
        }
        let mut next = self.clone();
        let out = batch.iter().map(|t| next.insert(t)).collect::<Result<Vec<_>, _>>()?;
        *self = next;
        Ok(out)
    }

    fn append_state(&mut self, json: String, label: Option<String>) -> u64 {
        let v = self.states.keys().next_back().copied().unwrap_or(0) + 1;
        self.states.insert(v, (json, label));
        v
    }

    fn history(&self, q: &TradeQuery) -> Vec<Trade> {
        let mut v: Vec<Trade> = self
            .trades
            .values()
            .filter(|t| q.symbol.as_ref().is_none_or(|s| *s == t.symbol))
            .filter(|t| q.strategy.as_ref().is_none_or(|s| *s == t.strategy))
            .filter(|t| q.side.is_none_or(|s| s == t.side))
            .filter(|t| q.since.is_none_or(|s| t.ts >= s) && q.until.is_none_or(|u| t.ts < u))
            .cloned()
            .collect();
        v.sort_by_key(|t| (t.ts, t.id));
        if q.order == TradeOrder::Desc {
            v.reverse();
        }
        v
    }
}

fn same<T: PartialEq + std::fmt::Debug>(what: &str, store: tradestore::Result<T>, model: Result<T, Kind>) {
    match (store, model) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "{what}: values differ"),
        (Err(e), Err(k)) => assert_eq!(kind(&e), Some(k), "{what}: error {e} where the model says {k:?}"),
        (s, m) => panic!("{what}: store {s:?}, model {m:?}"),
    }
}

/// Everything the store holds equals the model.
fn compare(store: &Store, m: &Model) -> Result<(), String> {
    let scan = items::full_scan(store)?;
    if scan.trades != m.trades {
        return Err(format!(
            "trades differ: store {} model {}",
            scan.trades.len(),
            m.trades.len()
        ));
    }
    let states: BTreeMap<u64, (String, Option<String>)> =
        scan.states.into_iter().map(|(v, s)| (v, (s.json, s.label))).collect();
    if states != m.states {
        return Err("states differ".into());
    }
    let portfolio: Vec<PortfolioSnapshot> = m.portfolio.values().cloned().collect();
    if scan.portfolio != portfolio {
        return Err("portfolio differs".into());
    }
    let positions: Vec<Position> = m.positions.values().cloned().collect();
    if scan.positions != positions {
        return Err("positions differ".into());
    }
    Ok(())
}

fn dir() -> PathBuf {
    std::env::temp_dir().join(format!("tradestore-fuzz-{}", std::process::id()))
}

fn open(sim: &Sim) -> Store {
    Store::builder()
        .open_with_backend(dir(), sim.backend())
        .expect("a store on a healthy disk opens")
}

/// Runs one op on both sides. Under a fault, a store error means "the write may or may not
/// have happened" and is returned as `Err` for the caller to settle after a power cut.
fn step(store: &Store, m: &mut Model, op: &Op, faulty: bool) -> Result<(), String> {
    macro_rules! write {
        ($what:expr, $store:expr, $model:expr) => {{
            let s = $store;
            if faulty && s.as_ref().is_err_and(|e| kind(e).is_none()) {
                // Apply to the model anyway: the caller compares with before and after.
                let _ = $model;
                return Err(format!("{} failed under a fault", $what));
            }
            same($what, s, $model);
        }};
    }
    match op {
        Op::SaveTrade(f) => {
            let t = f.to_new();
            let model = match t.validate() {
                Err(_) => Err(Kind::Validation),
                Ok(()) => m.save_trades(std::slice::from_ref(&t)).map(|mut v| v.remove(0)),
            };
            write!("save_trade", store.save_trade(t), model);
        }
        Op::SaveTrades(fs) => {
            let batch: Vec<NewTrade> = fs.iter().take(8).map(Fill::to_new).collect();
            let model = m.save_trades(&batch);
            write!("save_trades", store.save_trades(&batch), model);
        }
        Op::GetTrade(i) => {
            let id = u64::from(*i % 40);
            let model = m.trades.get(&id).cloned().ok_or(Kind::NotFound);
            same("get_trade", store.get_trade(id), model);
        }
        Op::History {
            symbol,
            strategy,
            side,
            since,
            until,
            limit,
            desc,
        } => {
            let q = TradeQuery {
                symbol: symbol.map(|s| SYMBOLS[usize::from(s) % 2].to_owned()),
                strategy: strategy.map(|s| STRATEGIES[usize::from(s) % 2].to_owned()),
                side: side.map(|b| if b { Side::Sell } else { Side::Buy }),
                since: since.map(|s| T0 + i64::from(s) * SEC),
                until: until.map(|s| T0 + i64::from(s) * SEC),
                limit: usize::from(*limit % 20) + 1,
                after: None,
                order: if *desc { TradeOrder::Desc } else { TradeOrder::Asc },
            };
            let mut got = Vec::new();
            let mut page_q = q.clone();
            loop {
                let page = store.trade_history(&page_q).map_err(|e| e.to_string())?;
                if page.trades.len() > q.limit {
                    return Err("page longer than its limit".into());
                }
                got.extend(page.trades);
                match page.next_cursor {
                    Some(c) => page_q.after = Some(c),
                    None => break,
                }
            }
            if got != m.history(&q) {
                return Err(format!("history differs for {q:?}"));
            }
        }
        Op::Positions => {
            let want: Vec<Position> = m.positions.values().cloned().collect();
            same("positions", store.positions(), Ok(want));
        }
        Op::SaveState { json, label } => {
            let (json, json_ok) = JSONS[usize::from(*json) % JSONS.len()];
            let label = label.map(|l| LABELS[usize::from(l) % LABELS.len()]);
            let ok = json_ok && label.is_none_or(|(_, ok)| ok);
            let label = label.map(|(l, _)| l);
            let model = if ok {
                Ok(m.append_state(json.to_owned(), label.map(str::to_owned)))
            } else {
                Err(Kind::Validation)
            };
            write!("save_state", store.save_state(json, label), model);
        }
        Op::Rollback(n) => {
            let n = u64::from(*n % 12);
            let model = match m.states.get(&n).cloned() {
                Some((json, _)) => Ok(m.append_state(json, Some(format!("rollback to {n}")))),
                None => Err(Kind::NotFound),
            };
            write!("rollback", store.rollback(n), model);
        }
        Op::LoadState => {
            let got = store.load_state().map_err(|e| e.to_string())?;
            let want = m
                .states
                .iter()
                .next_back()
                .map(|(v, (j, l))| (*v, j.clone(), l.clone()));
            if got.map(|s| (s.version, s.json, s.label)) != want {
                return Err("latest state differs".into());
            }
        }
        Op::LoadStateVersion(n) => {
            let n = u64::from(*n % 12);
            let got = store.load_state_version(n).map(|s| (s.json, s.label));
            same(
                "load_state_version",
                got,
                m.states.get(&n).cloned().ok_or(Kind::NotFound),
            );
        }
        Op::Portfolio { ts, value, bad_type } => {
            let snap = PortfolioSnapshot {
                ts: T0 + i64::from(*ts % 64) * SEC,
                total_value: Decimal::new(i64::from(*value), 2),
                positions: vec![Holding {
                    symbol: "BTC-EUR".into(),
                    qty: Decimal::ONE,
                    value: Decimal::from(*value),
                }],
                balances: vec![],
                snapshot_type: if *bad_type { String::new() } else { "periodic".into() },
                session_id: "fuzz".into(),
            };
            let model = if *bad_type {
                Err(Kind::Validation)
            } else {
                m.portfolio.insert((snap.ts, m.next_seq), snap.clone());
                m.next_seq += 1;
                Ok(())
            };
            write!("save_portfolio_snapshot", store.save_portfolio_snapshot(&snap), model);
        }
        Op::PortfolioHistory { since, until } => {
            let since = since.map(|s| T0 + i64::from(s % 64) * SEC);
            let until = until.map(|s| T0 + i64::from(s % 64) * SEC);
            let want: Vec<PortfolioSnapshot> = m
                .portfolio
                .iter()
                .filter(|((ts, _), _)| since.is_none_or(|s| *ts >= s) && until.is_none_or(|u| *ts < u))
                .map(|(_, p)| p.clone())
                .collect();
            same("portfolio_history", store.portfolio_history(since, until), Ok(want));
        }
        Op::Reopen | Op::FaultThenCut { .. } => {}
    }
    Ok(())
}

fuzz_target!(|ops: Vec<Op>| {
    let mut ops = ops;
    ops.truncate(64);
    // A fault applies to the operation after it.
    let mut plan = Vec::with_capacity(ops.len());
    let mut next_fault = None;
    for op in ops {
        if let Op::FaultThenCut { budget, cut_seed } = op {
            next_fault = Some((budget, cut_seed));
            continue;
        }
        plan.push((next_fault.take(), op));
    }
    run_plan(plan);
});

fn run_plan(plan: Vec<(Option<(Option<u16>, u64)>, Op)>) {
    let mut sim = Sim::new(0);
    let mut store = open(&sim);
    let mut m = Model::default();
    for (fault, op) in plan {
        let before = m.clone();
        if let Some((budget, _)) = fault {
            sim.set_faults(match budget {
                Some(b) => Faults {
                    write_budget: Some(u64::from(b)),
                    ..Faults::default()
                },
                None => Faults {
                    fail_sync: true,
                    ..Faults::default()
                },
            });
        }
        let outcome = step(&store, &mut m, &op, fault.is_some());
        sim.set_faults(Faults::default());
        match (outcome, fault) {
            (Err(_), Some((_, cut_seed))) => {
                // The write failed under the fault: cut the power and reopen from what the
                // disk could hold. The store must be exactly the model before or after it.
                let image = sim.cut_power().bytes();
                drop(store);
                sim = Sim::from_bytes(image, cut_seed);
                store = open(&sim);
                if compare(&store, &before).is_ok() {
                    m = before;
                } else if let Err(e) = compare(&store, &m) {
                    panic!("after a power cut the store is neither before nor after {op:?}: {e}");
                }
            }
            (Err(e), _) => panic!("{op:?}: {e}"),
            (Ok(()), Some(_)) => {
                // The write may have failed after the model applied it (a refused write can be
                // applied by the model only on success), or succeeded: settle by reopening.
                drop(store);
                sim = Sim::from_bytes(sim.data(), 0);
                store = open(&sim);
                compare(&store, &m).unwrap_or_else(|e| panic!("after a fault that was survived: {e}"));
            }
            (Ok(()), None) => {
                if let Op::Reopen = op {
                    drop(store);
                    sim = Sim::from_bytes(sim.data(), 0);
                    store = open(&sim);
                    compare(&store, &m).unwrap_or_else(|e| panic!("after reopen: {e}"));
                }
            }
        }
    }
    compare(&store, &m).unwrap_or_else(|e| panic!("at the end: {e}"));
}
