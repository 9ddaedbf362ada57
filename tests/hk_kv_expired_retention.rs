//! In-store retention of expired KV keys: with `kv_expired` on, a cleanup at housekeeping's
//! (fake) clock reclaims exactly the keys expired by then, with their bytes; the dry run lists
//! the same and removes nothing; live keys stay.

mod common;

use std::sync::Arc;
use std::time::Duration;

use tradestore::housekeeping::{CleanupOptions, FakeClock, Housekeeper};
use tradestore::kv::Kv;

#[test]
fn expired_kv_keys_are_reclaimed_at_the_housekeeping_clock() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let store = tradestore::Store::open(dir.path())?;
    let kv = store.kv();
    kv.set("soon", &[1u8; 500], Some(Duration::from_secs(60)))?;
    kv.hset("quotes", "btc", &[2u8; 300])?;
    kv.hset("quotes", "eth", &[3u8; 300])?;
    assert!(kv.expire("quotes", Duration::from_secs(120))?);
    kv.set("later", b"x", Some(Duration::from_secs(30 * 86_400)))?;
    kv.set("forever", b"y", None)?;

    // An hour from now by the housekeeper's clock; nothing has expired by the wall clock.
    let clock = Arc::new(FakeClock::new(tradestore::timefmt::now_ns() + 3_600 * common::SEC));
    let mut cfg = common::hk::config(vec![]);
    cfg.store.kv_expired = true;
    let h = Housekeeper::new(cfg)?.with_clock(clock);

    let dry = h.cleanup(&store, &CleanupOptions::dry_run())?;
    assert_eq!(dry.store.len(), 1);
    let plan = &dry.store[0];
    assert_eq!(plan.source, "kv_expired");
    let mut what: Vec<_> = plan.items.iter().map(|i| i.what.as_str()).collect();
    what.sort_unstable();
    assert_eq!(what, ["expired kv key quotes", "expired kv key soon"]);
    let quotes = plan.items.iter().find(|i| i.what.ends_with("quotes")).ok_or("quotes")?;
    assert!(quotes.bytes > 600, "the hash's fields count: {}", quotes.bytes);
    assert_eq!(kv.stats()?.keys, 4, "a dry run removes nothing");

    let real = h.cleanup(&store, &CleanupOptions::all())?;
    assert_eq!(real.store, dry.store);
    assert_eq!(kv.stats()?.keys, 2);
    assert_eq!(kv.get("later")?.as_deref(), Some(&b"x"[..]));
    assert_eq!(kv.get("forever")?.as_deref(), Some(&b"y"[..]));
    assert!(h.cleanup(&store, &CleanupOptions::dry_run())?.store[0].items.is_empty());
    Ok(())
}
