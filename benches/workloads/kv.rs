//! KV: set, get, incr and lock acquire + release, one client, on tradestore's embedded KV against
//! Redis over loopback. Both sides keep data in memory without waiting for the disk: the store
//! uses `Durability::Eventual` (each write committed and visible, fsynced within 100 ms), Redis
//! runs with persistence off. Values are 16 bytes over 1,000 keys.

use std::cell::RefCell;
use std::hint::black_box;
use std::time::Duration;

use tradestore::kv::Kv;
use tradestore::{Durability, Store};

use crate::harness::engine::{REDIS, TRADESTORE};
use crate::harness::stats::mean_ns_interleaved;
use crate::harness::{Ctx, Registry, Result, Sample, Target};
use crate::peers::redis::{RedisPeer, RedisServer};

const SET: &str = "kv_set";
const GET: &str = "kv_get";
const INCR: &str = "kv_incr";
const LOCK: &str = "kv_lock_unlock";
const KEYS: usize = 1_000;
const VALUE: &[u8; 16] = b"0123456789abcdef";
const LOCK_TTL: Duration = Duration::from_secs(30);
/// Lock names the acquisitions cycle through.
const LOCKS: usize = 8;
/// The counter the increments go to.
const COUNTER: &str = "bot:orders";

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

/// One engine's four operations, call `i` of each.
struct Ops<'a> {
    set: Box<dyn FnMut(usize) -> Result<()> + 'a>,
    get: Box<dyn FnMut(usize) -> Result<()> + 'a>,
    incr: Box<dyn FnMut(usize) -> Result<()> + 'a>,
    lock: Box<dyn FnMut(usize) -> Result<()> + 'a>,
}

/// The embedded KV, on `Durability::Eventual`.
fn embedded<'a, K: Kv>(kv: &'a K, p: &'a Plan) -> Ops<'a> {
    Ops {
        set: Box::new(move |i| Ok(kv.set(&p.keys[i % KEYS], VALUE, None)?)),
        get: Box::new(move |i| {
            black_box(kv.get(&p.keys[p.reads[i]])?.ok_or("a key set before is missing")?);
            Ok(())
        }),
        incr: Box::new(move |_| Ok(kv.incr_by(COUNTER, 1).map(drop)?)),
        lock: Box::new(move |i| {
            let g = kv.acquire_lock(&p.locks[i % LOCKS], LOCK_TTL, "bench")?;
            kv.release_lock(&g.name, &g.token)?;
            Ok(())
        }),
    }
}

/// Redis, through one connection.
fn redis<'a>(c: &'a RefCell<RedisPeer>, p: &'a Plan) -> Ops<'a> {
    Ops {
        set: Box::new(move |i| c.borrow_mut().set(&p.keys[i % KEYS], VALUE)),
        get: Box::new(move |i| {
            black_box(
                c.borrow_mut()
                    .get(&p.keys[p.reads[i]])?
                    .ok_or("a key set before is missing")?,
            );
            Ok(())
        }),
        incr: Box::new(move |_| c.borrow_mut().incr(COUNTER).map(drop)),
        lock: Box::new(move |i| {
            let mut c = c.borrow_mut();
            let name = &p.locks[i % LOCKS];
            let token = c.lock(name, LOCK_TTL)?.ok_or("a released lock is still held")?;
            if !c.unlock(name, &token)? {
                return Err("the lock was not released".into());
            }
            Ok(())
        }),
    }
}

/// Mean ns of each operation (set, get, incr, lock) of each engine, the engines taking turns
/// at each operation (see [`mean_ns_interleaved`]).
fn measure<const N: usize>(n: &Counts, mut engines: [Ops<'_>; N]) -> Result<[[f64; 4]; N]> {
    let set = mean_ns_interleaved(n.set, engines.each_mut().map(|o| &mut *o.set as _))?;
    let get = mean_ns_interleaved(n.get, engines.each_mut().map(|o| &mut *o.get as _))?;
    let incr = mean_ns_interleaved(n.incr, engines.each_mut().map(|o| &mut *o.incr as _))?;
    let lock = mean_ns_interleaved(n.lock, engines.each_mut().map(|o| &mut *o.lock as _))?;
    Ok(std::array::from_fn(|e| [set[e], get[e], incr[e], lock[e]]))
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
    let store = Store::builder()
        .durability(Durability::Eventual)
        .open(ctx.dir.join("tradestore"))?;
    let kv = store.kv();
    let counted = n.incr.to_string();

    let Some(server) = RedisServer::start(ctx.dir)? else {
        let [ours] = measure(&n, [embedded(&kv, &plan)])?;
        if kv.get(COUNTER)?.as_deref() != Some(counted.as_bytes()) {
            return Err("the embedded counter does not hold the number of increments".into());
        }
        return Ok(samples(TRADESTORE, ours));
    };
    let c = RefCell::new(server.connect()?);
    let [ours, theirs] = measure(&n, [embedded(&kv, &plan), redis(&c, &plan)])?;
    if kv.get(COUNTER)?.as_deref() != Some(counted.as_bytes()) {
        return Err("the embedded counter does not hold the number of increments".into());
    }
    if c.borrow_mut().get(COUNTER)?.as_deref() != Some(counted.as_bytes()) {
        return Err("the Redis counter does not hold the number of increments".into());
    }
    let mut out = samples(TRADESTORE, ours);
    out.extend(samples(REDIS, theirs));
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
