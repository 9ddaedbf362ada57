//! The KV step of `tradestore demo`: the nine bots take a per-pair lock before each order, count
//! orders in KV counters and shout every order on a pub/sub channel.

use std::time::Duration;

use serde_json::{Value, json};

use crate::kv::Kv;
use crate::{Error, Result, Store};

const ROUNDS: u64 = 20;

/// Runs the step and checks it: no order slipped past a lock, every counter adds up.
pub(super) fn run(store: &Store, symbols: &[&str], strategies: &[&str]) -> Result<Value> {
    let kv = store.kv();
    let signals = kv.subscribe("demo:orders")?;
    std::thread::scope(|s| -> Result<()> {
        let handles: Vec<_> = symbols
            .iter()
            .flat_map(|&sym| strategies.iter().map(move |&strat| (sym, strat)))
            .map(|(sym, strat)| {
                let kv = kv.clone();
                s.spawn(move || -> Result<()> {
                    for _ in 0..ROUNDS {
                        let lock = format!("demo:pair:{sym}");
                        let g = kv.acquire_lock_wait(&lock, Duration::from_secs(5), strat, Duration::from_secs(30))?;
                        kv.incr_by(&format!("demo:orders:{sym}"), 1)?;
                        kv.publish("demo:orders", format!("{strat} {sym} fencing {}", g.fencing).as_bytes())?;
                        kv.release_lock(&lock, &g.token)?;
                    }
                    Ok(())
                })
            })
            .collect();
        for h in handles {
            h.join()
                .map_err(|_| Error::Db("a demo KV bot thread panicked".into()))??;
        }
        Ok(())
    })?;
    let per_symbol = ROUNDS * strategies.len() as u64;
    let mut orders = 0;
    for sym in symbols {
        let n = kv.get(&format!("demo:orders:{sym}"))?.unwrap_or_default();
        let n: u64 = String::from_utf8_lossy(&n).parse().unwrap_or(0);
        if n != per_symbol {
            return Err(Error::Db(format!("KV counter for {sym} is {n}, expected {per_symbol}")));
        }
        orders += n;
    }
    let received = std::iter::from_fn(|| signals.try_recv()).count() as u64;
    let stats = kv.stats()?;
    Ok(json!({
        "locked_orders": orders,
        "signals_received": received,
        "signals_dropped": signals.dropped(),
        "backend": stats.backend,
        "keys": stats.keys,
    }))
}
