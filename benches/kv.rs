//! KV throughput: the embedded backend against a local Redis through the same `Kv` API, in one
//! run, one client and several; and durable sets (group commit, fsync per commit) against Redis
//! with `appendfsync always`.
//!
//! Run: `cargo bench --bench kv --features redis`. Without the feature or without a
//! `redis-server` binary the Redis columns are skipped with a note.

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tradestore::kv::{Kv, KvHandle};
use tradestore::{Durability, Store};

const RUN: Duration = Duration::from_millis(1500);
const WARMUP: Duration = Duration::from_millis(200);

/// Operations per second of `op` run by `clients` threads for [`RUN`].
fn measure(clients: usize, op: &(dyn Fn(usize, u64) + Sync)) -> f64 {
    let warm = Instant::now() + WARMUP;
    std::thread::scope(|s| {
        for t in 0..clients {
            s.spawn(move || {
                let mut i = 0;
                while Instant::now() < warm {
                    op(t, i);
                    i += 1;
                }
            });
        }
    });
    let done = AtomicU64::new(0);
    let start = Instant::now();
    let end = start + RUN;
    std::thread::scope(|s| {
        for t in 0..clients {
            let done = &done;
            s.spawn(move || {
                let mut i = 1 << 32;
                while Instant::now() < end {
                    op(t, i);
                    i += 1;
                }
                done.fetch_add(i - (1 << 32), Ordering::Relaxed);
            });
        }
    });
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

/// One operation of a workload: (backend, client number, iteration).
type Workload = Box<dyn Fn(&KvHandle, usize, u64) + Sync>;

fn workload(name: &str) -> Workload {
    match name {
        "set" => Box::new(|kv, t, i| {
            kv.set(&format!("b:{t}:{}", i % 1000), b"0123456789abcdef", None)
                .unwrap()
        }),
        "get" => Box::new(|kv, t, i| {
            kv.get(&format!("g:{}", (i + t as u64) % 1000)).unwrap().unwrap();
        }),
        "incr" => Box::new(|kv, t, _| {
            kv.incr_by(&format!("c:{t}"), 1).unwrap();
        }),
        "lock+unlock" => Box::new(|kv, t, _| {
            let g = kv
                .acquire_lock(&format!("l:{t}"), Duration::from_secs(30), "bench")
                .unwrap();
            kv.release_lock(&g.name, &g.token).unwrap();
        }),
        other => panic!("unknown workload {other}"),
    }
}

fn prefill(kv: &KvHandle) {
    kv.transaction(|tx| {
        for i in 0..1000 {
            tx.set(&format!("g:{i}"), b"0123456789abcdef", None);
        }
        Ok(())
    })
    .unwrap();
}

fn row(op: &str, clients: usize, ours: f64, peer: Option<f64>) {
    let (p, r) = match peer {
        Some(p) => (format!("{p:.0}"), format!("{:.2}", ours / p)),
        None => ("skipped".into(), "-".into()),
    };
    println!("| {op} | {clients} | {ours:.0} | {p} | {r} |");
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    // Embedded, commits acknowledged before fsync (Redis's default is no fsync at all).
    let fast = Store::builder()
        .durability(Durability::Eventual)
        .open(dir.path().join("fast"))
        .unwrap();
    let durable = Store::open(dir.path().join("durable")).unwrap();

    #[cfg(feature = "redis")]
    let servers = common::RedisServer::start(&["--appendonly", "no"]).zip(common::RedisServer::start(&[
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
    ]));
    #[cfg(not(feature = "redis"))]
    let servers: Option<(common::RedisServer, common::RedisServer)> = {
        eprintln!("note: built without the `redis` feature; Redis columns skipped");
        None
    };
    #[cfg(feature = "redis")]
    let redis: Option<(Store, Store)> = servers.as_ref().map(|(mem, aof)| {
        let a = Store::builder()
            .redis_url(mem.url())
            .open(dir.path().join("r1"))
            .unwrap();
        let b = Store::builder()
            .redis_url(aof.url())
            .open(dir.path().join("r2"))
            .unwrap();
        (a, b)
    });
    #[cfg(not(feature = "redis"))]
    let redis: Option<(Store, Store)> = None;
    let _ = &servers;

    println!("| operation | clients | embedded ops/s | redis ops/s | embedded / redis |");
    println!("|---|---:|---:|---:|---:|");
    let kv_fast = fast.kv();
    prefill(&kv_fast);
    let kv_redis = redis.as_ref().map(|(r, _)| r.kv());
    if let Some(r) = &kv_redis {
        prefill(r);
    }
    for op in ["set", "get", "incr", "lock+unlock"] {
        let w = workload(op);
        for clients in [1, 8] {
            let ours = measure(clients, &|t, i| w(&kv_fast, t, i));
            let peer = kv_redis.as_ref().map(|r| measure(clients, &|t, i| w(r, t, i)));
            row(op, clients, ours, peer);
        }
    }
    let kv_durable = durable.kv();
    let kv_aof = redis.as_ref().map(|(_, r)| r.kv());
    let w = workload("set");
    for clients in [1, 16] {
        let ours = measure(clients, &|t, i| w(&kv_durable, t, i));
        let peer = kv_aof.as_ref().map(|r| measure(clients, &|t, i| w(r, t, i)));
        row("durable set (fsync)", clients, ours, peer);
    }
    // The floor for one durable commit: rewrite 64 bytes in place + fdatasync, on the same disk.
    let floor = {
        use std::os::unix::fs::FileExt;
        let f = std::fs::File::create(dir.path().join("floor")).unwrap();
        f.write_all_at(&[0u8; 4096], 0).unwrap();
        f.sync_all().unwrap();
        let t = Instant::now();
        let mut n = 0u64;
        while t.elapsed() < RUN {
            f.write_all_at(&[7u8; 64], (n % 64) * 64).unwrap();
            f.sync_data().unwrap();
            n += 1;
        }
        n as f64 / t.elapsed().as_secs_f64()
    };
    println!();
    println!("floor: in-place 64-byte write + fdatasync on this disk: {floor:.0} ops/s (one client)");
    if let Some(r) = &kv_redis {
        assert!(
            !r.stats().unwrap().degraded,
            "Redis fell back during the run; figures invalid"
        );
    }
}
