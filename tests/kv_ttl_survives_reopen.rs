//! Expiries are absolute times in the store file: a key keeps its TTL across a close and
//! reopen, and one that expired while the store was closed is gone after it.

mod common;

use std::time::Duration;

use tradestore::Store;
use tradestore::kv::{KeyTtl, Kv};

#[test]
fn ttl_survives_reopen() -> tradestore::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path())?;
        let kv = store.kv();
        kv.set("long", b"1", Some(Duration::from_secs(3600)))?;
        kv.set("short", b"1", Some(Duration::from_millis(200)))?;
        kv.set("forever", b"1", None)?;
    }
    std::thread::sleep(Duration::from_millis(300));
    let store = Store::open(dir.path())?;
    let kv = store.kv();
    match kv.ttl("long")? {
        KeyTtl::Expires(d) => assert!(d > Duration::from_secs(3590), "{d:?}"),
        other => panic!("long lost its expiry: {other:?}"),
    }
    assert_eq!(kv.get("short")?, None);
    assert_eq!(kv.ttl("forever")?, KeyTtl::Persistent);
    Ok(())
}
