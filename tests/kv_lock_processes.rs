//! Mutual exclusion across processes: several child processes (this test binary, re-run in a
//! child mode) take the same lock over and over and record when they held it. No two holders
//! may overlap and the fencing number must grow with every acquisition. The children also bump
//! a shared counter without the lock: no increment may be lost between processes.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use tradestore::kv::Kv;
use tradestore::{Concurrency, Store};

const CHILDREN: usize = 4;
const ROUNDS: usize = 15;

/// Child mode: does nothing unless started by `lock_held_by_one_process_at_a_time`.
#[test]
fn lock_child() {
    let Ok(dir) = std::env::var("TS_LOCK_CHILD_STORE") else {
        return;
    };
    let out = std::env::var("TS_LOCK_CHILD_OUT").unwrap();
    #[allow(unused_mut)]
    let mut b = Store::builder().concurrency(Concurrency::Shared);
    #[cfg(feature = "redis")]
    if let Ok(url) = std::env::var("TS_LOCK_CHILD_REDIS") {
        b = b.redis_url(url);
    }
    let store = b.open(&dir).unwrap();
    let kv = store.kv();
    let mut lines = String::new();
    for _ in 0..ROUNDS {
        let g = kv
            .acquire_lock_wait(
                "stress",
                Duration::from_secs(30),
                &format!("pid {}", std::process::id()),
                Duration::from_secs(120),
            )
            .unwrap();
        let start = tradestore::timefmt::now_ns();
        std::thread::sleep(Duration::from_millis(2));
        let end = tradestore::timefmt::now_ns();
        kv.release_lock("stress", &g.token).unwrap();
        kv.incr_by("stress:count", 1).unwrap();
        lines.push_str(&format!("{} {start} {end}\n", g.fencing));
    }
    std::fs::File::create(out).unwrap().write_all(lines.as_bytes()).unwrap();
}

fn run_children(store_dir: &Path, redis: Option<&str>) {
    let exe = std::env::current_exe().unwrap();
    let outs: Vec<_> = (0..CHILDREN)
        .map(|i| store_dir.with_extension(format!("out{i}")))
        .collect();
    let mut kids: Vec<_> = outs
        .iter()
        .map(|out| {
            let mut c = Command::new(&exe);
            c.args(["--exact", "lock_child", "--nocapture", "--test-threads=1"])
                .env("TS_LOCK_CHILD_STORE", store_dir)
                .env("TS_LOCK_CHILD_OUT", out);
            if let Some(url) = redis {
                c.env("TS_LOCK_CHILD_REDIS", url);
            }
            c.spawn().unwrap()
        })
        .collect();
    for k in &mut kids {
        assert!(k.wait().unwrap().success(), "a child failed");
    }
    #[allow(unused_mut)]
    let mut b = Store::builder().concurrency(Concurrency::Shared);
    #[cfg(feature = "redis")]
    if let Some(url) = redis {
        b = b.redis_url(url);
    }
    let store = b.open(store_dir).unwrap();
    let count = store.kv().get("stress:count").unwrap().unwrap();
    assert_eq!(String::from_utf8(count).unwrap(), (CHILDREN * ROUNDS).to_string());
    let mut held: Vec<(u64, i64, i64)> = Vec::new();
    for out in &outs {
        for line in std::fs::read_to_string(out).unwrap().lines() {
            let f: Vec<i64> = line.split(' ').map(|x| x.parse().unwrap()).collect();
            held.push((f[0] as u64, f[1], f[2]));
        }
    }
    assert_eq!(held.len(), CHILDREN * ROUNDS);
    held.sort();
    for w in held.windows(2) {
        let ((f1, _, end1), (f2, start2, _)) = (w[0], w[1]);
        assert!(f2 > f1, "fencing {f1} repeated");
        assert!(
            end1 <= start2,
            "holders overlap: fencing {f1} ended at {end1}, {f2} started at {start2}"
        );
    }
    // Fencing never goes backwards: sorted by start time, fencing is sorted too.
    let mut by_start = held.clone();
    by_start.sort_by_key(|h| h.1);
    assert!(by_start.windows(2).all(|w| w[0].0 < w[1].0));
}

#[test]
fn lock_held_by_one_process_at_a_time() {
    if std::env::var("TS_LOCK_CHILD_STORE").is_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("store");
    Store::builder()
        .concurrency(Concurrency::Shared)
        .open(&store_dir)
        .unwrap();
    run_children(&store_dir, None);
    #[cfg(not(feature = "redis"))]
    common::require_redis_feature();

    #[cfg(feature = "redis")]
    if let Some(server) = common::RedisServer::start(&[]) {
        let store_dir = dir.path().join("store-redis");
        Store::builder()
            .concurrency(Concurrency::Shared)
            .open(&store_dir)
            .unwrap();
        run_children(&store_dir, Some(&server.url()));
    }
}
