//! KV: set, get, incr and lock acquire + release, one client, on tradestore's embedded KV against
//! Redis over loopback. Both sides keep data in memory without waiting for the disk: the store
//! uses `Durability::Eventual` (each write committed and visible, fsynced within 100 ms), Redis
//! runs with persistence off. Values are 16 bytes over 1,000 keys.

use std::hint::black_box;
use std::time::Duration;

use tradestore::kv::Kv;
use tradestore::{Durability, Store};

use crate::harness::engine::{REDIS, TRADESTORE};
use crate::harness::stats::mean_ns;
use crate::harness::{Ctx, Registry, Result, Sample, Target};
use crate::peers::redis::RedisServer;

const SET: &str = "kv_set";
const GET: &str = "kv_get";
const INCR: &str = "kv_incr";
const LOCK: &str = "kv_lock_unlock";
const KEYS: usize = 1_000;
const VALUE: &[u8; 16] = b"0123456789abcdef";
const LOCK_TTL: Duration = Duration::from_secs(30);
/// Lock names the acquisitions cycle through.
const LOCKS: usize = 8;

/// Registers the KV workload and its target.
pub fn register(reg: &mut Registry) {
    reg.workload("kv", kv);
    reg.target(Target::ratio(GET, REDIS, 10.0));
}

/// How many calls of each operation one round makes.
struct Counts {
    set: usize,
    get: usize,
    incr: usize,
    lock: usize,
}

/// The keys of the run and the order reads visit them in.
struct Plan {
    keys: Vec<String>,
    reads: Vec<usize>,
    locks: Vec<String>,
}

fn kv(ctx: &Ctx) -> Result<Vec<Sample>> {
    let n = Counts {
        set: ctx.opts.size(20_000, 2_000),
        get: ctx.opts.size(100_000, 20_000),
        incr: ctx.opts.size(20_000, 2_000),
        lock: ctx.opts.size(5_000, 500),
    };
    let mut rng = fastrand::Rng::with_seed(ctx.round as u64 + 21);
    let plan = Plan {
        keys: (0..KEYS).map(|k| format!("bot:quote:{k:04}")).collect(),
        reads: (0..n.get).map(|_| rng.usize(..KEYS)).collect(),
        locks: (0..LOCKS).map(|k| format!("bot:lock:{k}")).collect(),
    };
    let mut out = embedded(ctx, &n, &plan)?;
    if let Some(server) = RedisServer::start(ctx.dir)? {
        out.extend(redis(&server, &n, &plan)?);
    }
    Ok(out)
}

fn samples(engine: &'static str, [set, get, incr, lock]: [f64; 4]) -> Vec<Sample> {
    vec![
        Sample::latency(SET, engine, set / 1e3, "µs"),
        Sample::latency(GET, engine, get / 1e3, "µs"),
        Sample::latency(INCR, engine, incr / 1e3, "µs"),
        Sample::latency(LOCK, engine, lock / 1e3, "µs"),
    ]
}

fn embedded(ctx: &Ctx, n: &Counts, p: &Plan) -> Result<Vec<Sample>> {
    let store = Store::builder()
        .durability(Durability::Eventual)
        .open(ctx.dir.join("tradestore"))?;
    let kv = store.kv();
    let set = mean_ns(n.set, |i| kv.set(&p.keys[i % KEYS], VALUE, None))?;
    let get = mean_ns(n.get, |i| -> Result<()> {
        black_box(kv.get(&p.keys[p.reads[i]])?.ok_or("a key set before is missing")?);
        Ok(())
    })?;
    let incr = mean_ns(n.incr, |_| kv.incr_by("bot:orders", 1).map(drop))?;
    if kv.get("bot:orders")?.as_deref() != Some(n.incr.to_string().as_bytes()) {
        return Err("the embedded counter does not hold the number of increments".into());
    }
    let lock = mean_ns(n.lock, |i| -> Result<()> {
        let g = kv.acquire_lock(&p.locks[i % LOCKS], LOCK_TTL, "bench")?;
        kv.release_lock(&g.name, &g.token)?;
        Ok(())
    })?;
    Ok(samples(TRADESTORE, [set, get, incr, lock]))
}

fn redis(server: &RedisServer, n: &Counts, p: &Plan) -> Result<Vec<Sample>> {
    let mut c = server.connect()?;
    let set = mean_ns(n.set, |i| c.set(&p.keys[i % KEYS], VALUE))?;
    let get = mean_ns(n.get, |i| -> Result<()> {
        black_box(c.get(&p.keys[p.reads[i]])?.ok_or("a key set before is missing")?);
        Ok(())
    })?;
    let incr = mean_ns(n.incr, |_| c.incr("bot:orders").map(drop))?;
    if c.get("bot:orders")?.as_deref() != Some(n.incr.to_string().as_bytes()) {
        return Err("the Redis counter does not hold the number of increments".into());
    }
    let lock = mean_ns(n.lock, |i| -> Result<()> {
        let name = &p.locks[i % LOCKS];
        let token = c.lock(name, LOCK_TTL)?.ok_or("a released lock is still held")?;
        if !c.unlock(name, &token)? {
            return Err("the lock was not released".into());
        }
        Ok(())
    })?;
    Ok(samples(REDIS, [set, get, incr, lock]))
}
