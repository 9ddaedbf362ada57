//! The in-process KV cache stays within its byte bound, evicts when it is reached (reported in
//! stats), and never serves a value older than the last write.

use tradestore::Store;
use tradestore::kv::Kv;

#[test]
fn bounded_cache_evicts_and_stays_fresh() -> tradestore::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let limit = 64 << 10;
    let store = Store::builder().kv_cache_bytes(limit).open(dir.path())?;
    let kv = store.kv();
    let value = vec![7u8; 1024];
    for i in 0..300 {
        kv.set(&format!("k{i}"), &value, None)?;
    }
    for _ in 0..3 {
        for i in 0..300 {
            assert_eq!(kv.get(&format!("k{i}"))?.as_deref(), Some(&value[..]));
        }
    }
    let s = kv.stats()?;
    assert_eq!(s.memory_limit, limit);
    assert!(s.memory_bytes <= limit, "{} > {limit}", s.memory_bytes);
    assert!(s.memory_bytes > 0);
    assert!(s.evictions > 0, "{s:?}");
    assert!(s.cache_hits > 0, "{s:?}");

    // Writes invalidate: a cached key read after a write shows the write.
    kv.set("hot", b"1", None)?;
    assert_eq!(kv.get("hot")?, Some(b"1".to_vec()));
    assert_eq!(kv.get("hot")?, Some(b"1".to_vec()));
    kv.set("hot", b"2", None)?;
    assert_eq!(kv.get("hot")?, Some(b"2".to_vec()));
    kv.transaction(|tx| {
        tx.incr_by("hot", 5);
        Ok(())
    })?;
    assert_eq!(kv.get("hot")?, Some(b"7".to_vec()));
    kv.del("hot")?;
    assert_eq!(kv.get("hot")?, None);
    Ok(())
}

#[test]
fn shared_stores_do_not_cache() -> tradestore::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let a = Store::builder()
        .concurrency(tradestore::Concurrency::Shared)
        .open(dir.path())?;
    let b = Store::builder()
        .concurrency(tradestore::Concurrency::Shared)
        .open(dir.path())?;
    a.kv().set("k", b"1", None)?;
    assert_eq!(b.kv().get("k")?, Some(b"1".to_vec()));
    a.kv().set("k", b"2", None)?;
    assert_eq!(b.kv().get("k")?, Some(b"2".to_vec()));
    assert_eq!(b.kv().stats()?.memory_limit, 0);
    Ok(())
}
