//! Threads mixing trade appends, point reads, history reads and state saves for a bounded time:
//! no lost update (every acknowledged trade and state version is there, ids unique, positions
//! replay exactly), no stale read (a read that starts after a write was acknowledged sees it),
//! and the file grows in proportion to what was written.
//!
//! Default: 2 s. Long mode: `TRADESTORE_LOAD_SECS=300`.

mod reliability;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reliability::items::{self, Item};
use reliability::workload::Workload;
use tradestore::{Store, TradeQuery};

const WRITERS: u64 = 3;
const READERS: u64 = 2;

#[derive(Default)]
struct Shared {
    trades: Mutex<Vec<tradestore::Trade>>,
    per_writer: [AtomicU64; WRITERS as usize],
    max_state: AtomicU64,
    states: Mutex<Vec<Item>>,
    stop: AtomicBool,
    reads: AtomicU64,
}

#[test]
fn mixed_load_loses_nothing_and_reads_are_fresh() -> reliability::TestResult {
    let seed = reliability::seed("concurrent_load");
    let secs = reliability::env_count("TRADESTORE_LOAD_SECS", 2);
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let sh = Arc::new(Shared::default());
    let mut handles = Vec::new();
    for w in 0..WRITERS {
        let (store, sh) = (store.clone(), sh.clone());
        handles.push(std::thread::spawn(move || -> Result<(), String> {
            let mut wl = Workload::new(seed + w, format!("w{w}"));
            while !sh.stop.load(Ordering::Relaxed) {
                let t = store
                    .save_trade(wl.fill().venue(format!("w{w}")))
                    .map_err(|e| e.to_string())?;
                // Read-your-write, from the cache or the file.
                if store.get_trade(t.id).map_err(|e| e.to_string())? != t {
                    return Err(format!("trade {} read back differently", t.id));
                }
                sh.per_writer[w as usize].fetch_add(1, Ordering::SeqCst);
                sh.trades.lock().map_err(|e| e.to_string())?.push(t);
            }
            Ok(())
        }));
    }
    {
        let (store, sh) = (store.clone(), sh.clone());
        handles.push(std::thread::spawn(move || -> Result<(), String> {
            let mut n = 0u64;
            while !sh.stop.load(Ordering::Relaxed) {
                n += 1;
                let json = format!(r#"{{"n":{n}}}"#);
                let v = store.save_state(&json, None).map_err(|e| e.to_string())?;
                sh.max_state.fetch_max(v, Ordering::SeqCst);
                sh.states.lock().map_err(|e| e.to_string())?.push(Item::State {
                    version: v,
                    json,
                    label: None,
                });
            }
            Ok(())
        }));
    }
    for r in 0..READERS {
        let (store, sh) = (store.clone(), sh.clone());
        handles.push(std::thread::spawn(move || -> Result<(), String> {
            let mut rng = fastrand::Rng::with_seed(seed ^ (r + 100));
            while !sh.stop.load(Ordering::Relaxed) {
                // Whatever was acknowledged before this read started must be visible to it.
                let floor_state = sh.max_state.load(Ordering::SeqCst);
                let w = rng.u64(..WRITERS);
                let floor_trades = sh.per_writer[w as usize].load(Ordering::SeqCst);
                let picked = {
                    let t = sh.trades.lock().map_err(|e| e.to_string())?;
                    (!t.is_empty()).then(|| t[rng.usize(..t.len())].clone())
                };
                let latest = store.load_state().map_err(|e| e.to_string())?.map_or(0, |s| s.version);
                if latest < floor_state {
                    return Err(format!(
                        "stale state: read version {latest} after {floor_state} was acknowledged"
                    ));
                }
                if let Some(t) = picked
                    && store.get_trade(t.id).map_err(|e| e.to_string())? != t
                {
                    return Err(format!("trade {} read back differently", t.id));
                }
                let page = store
                    .trade_history(&TradeQuery {
                        limit: 10_000,
                        ..Default::default()
                    })
                    .map_err(|e| e.to_string())?;
                let seen = page.trades.iter().filter(|t| t.venue == format!("w{w}")).count() as u64;
                if seen < floor_trades.min(10_000 / WRITERS) && page.next_cursor.is_none() {
                    return Err(format!(
                        "stale history: {seen} trades of writer {w} after {floor_trades} acknowledged"
                    ));
                }
                sh.reads.fetch_add(3, Ordering::Relaxed);
            }
            Ok(())
        }));
    }
    let started = Instant::now();
    std::thread::sleep(Duration::from_secs(secs));
    sh.stop.store(true, Ordering::SeqCst);
    for h in handles {
        h.join().map_err(|_| "a load thread panicked")??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let trades = sh.trades.lock().map_err(|e| e.to_string())?.clone();
    let states = sh.states.lock().map_err(|e| e.to_string())?.clone();
    let ids: BTreeSet<u64> = trades.iter().map(|t| t.id).collect();
    assert_eq!(ids.len(), trades.len(), "duplicate trade ids");
    let scan = items::full_scan(&store)?;
    assert_eq!(scan.trades.len(), trades.len(), "lost or phantom trades");
    assert_eq!(scan.states.len(), states.len(), "lost or phantom state versions");
    let file_bytes = store.stats().file_bytes;
    drop(store);
    let store = Store::open(dir.path())?;
    let acked: Vec<Item> = trades.into_iter().map(Item::Trade).chain(states).collect();
    items::check_all(&store, &acked)?;
    eprintln!(
        "load: {elapsed:.1} s, {} trades + {} state versions acknowledged ({:.0} writes/s), {} reads, file {} bytes ({:.0} bytes per record)",
        scan.trades.len(),
        scan.states.len(),
        acked.len() as f64 / elapsed,
        sh.reads.load(Ordering::Relaxed),
        file_bytes,
        file_bytes as f64 / acked.len().max(1) as f64
    );
    Ok(())
}
