//! The background sweeper removes expired keys (with their hash fields and list items) from the
//! store file, and stops promptly when the store closes.

use std::time::{Duration, Instant};

use tradestore::Store;
use tradestore::kv::Kv;

#[test]
fn sweeper_reclaims_expired_keys() -> tradestore::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::builder()
        .kv_sweep_interval(Duration::from_millis(20))
        .open(dir.path())?;
    let kv = store.kv();
    for i in 0..50 {
        kv.set(&format!("k{i}"), b"v", Some(Duration::from_millis(30)))?;
    }
    kv.hset("h", "a", b"1")?;
    kv.hset("h", "b", b"2")?;
    kv.expire("h", Duration::from_millis(30))?;
    kv.rpush("l", &[b"1", b"2", b"3"])?;
    kv.expire("l", Duration::from_millis(30))?;
    kv.set("stays", b"v", None)?;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        // The sweeper counts what it removed once its commit returns: a read between the two
        // sees the rows gone and the count not yet raised, so wait for both.
        let s = kv.stats()?;
        if s.keys == 1 && s.expired_reclaimed == 52 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "sweeper left {} keys, reclaimed {}",
            s.keys,
            s.expired_reclaimed
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let counts: std::collections::HashMap<String, u64> = store.table_counts()?.into_iter().collect();
    assert_eq!(counts["kv_hash"], 0);
    assert_eq!(counts["kv_list"], 0);
    assert_eq!(counts["kv_expiry"], 0);

    // Closing joins the sweeper at once, not after its interval.
    let slow = Store::builder()
        .kv_sweep_interval(Duration::from_secs(3600))
        .open(tempfile::tempdir().unwrap().path())?;
    let t = Instant::now();
    drop(slow);
    assert!(t.elapsed() < Duration::from_secs(60));
    Ok(())
}
