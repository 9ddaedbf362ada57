//! A lock holder that is killed (SIGKILL, no chance to release) loses the lock when its TTL
//! runs out, and not before; the next holder gets a higher fencing number.

use std::process::Command;
use std::time::{Duration, Instant};

use tradestore::kv::Kv;
use tradestore::{Concurrency, Error, Store};

/// Child mode: takes the lock, reports its fencing number and waits to be killed.
#[test]
fn holder_child() {
    let Ok(dir) = std::env::var("TS_HOLDER_STORE") else {
        return;
    };
    let store = Store::builder().concurrency(Concurrency::Shared).open(&dir).unwrap();
    let g = store
        .kv()
        .acquire_lock("lease", Duration::from_millis(1500), "doomed")
        .unwrap();
    let out = std::env::var("TS_HOLDER_OUT").unwrap();
    std::fs::write(format!("{out}.tmp"), g.fencing.to_string()).unwrap();
    std::fs::rename(format!("{out}.tmp"), out).unwrap();
    std::thread::sleep(Duration::from_secs(120));
}

#[test]
fn killed_holder_loses_lock_at_ttl() {
    if std::env::var("TS_HOLDER_STORE").is_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("store");
    let out = dir.path().join("fencing");
    let store = Store::builder()
        .concurrency(Concurrency::Shared)
        .open(&store_dir)
        .unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "holder_child", "--nocapture"])
        .env("TS_HOLDER_STORE", &store_dir)
        .env("TS_HOLDER_OUT", &out)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !out.exists() {
        assert!(Instant::now() < deadline, "child never took the lock");
        std::thread::sleep(Duration::from_millis(10));
    }
    let taken = Instant::now();
    let child_fencing: u64 = std::fs::read_to_string(&out).unwrap().parse().unwrap();
    child.kill().unwrap();
    child.wait().unwrap();

    let kv = store.kv();
    match kv.acquire_lock("lease", Duration::from_secs(10), "next") {
        Err(Error::Locked(why)) => assert!(why.contains("doomed"), "{why}"),
        other => panic!("the dead holder's lock was free before its TTL: {other:?}"),
    }
    let g = kv
        .acquire_lock_wait("lease", Duration::from_secs(10), "next", Duration::from_secs(30))
        .unwrap();
    assert!(
        taken.elapsed() >= Duration::from_millis(1000),
        "taken after {:?}",
        taken.elapsed()
    );
    assert_eq!(g.fencing, child_fencing + 1);
}
