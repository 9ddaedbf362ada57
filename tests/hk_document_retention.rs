//! In-store retention of document versions: with `document_versions` on, a cleanup at
//! housekeeping's (fake) clock removes the versions that aged out of their collection's
//! `keep_newer_than` since their last write; the latest version of each key always stays, and a
//! collection without retention settings is untouched; the dry run lists the same.

mod common;

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tradestore::documents::Retention;
use tradestore::housekeeping::{CleanupOptions, FakeClock, Housekeeper};

#[test]
fn aged_out_document_versions_go() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let store = tradestore::Store::open(dir.path())?;
    let health = store.collection("health")?;
    health.set_retention(Retention {
        keep_last: Some(2),
        keep_newer_than: Some(Duration::from_secs(3600)),
    })?;
    let notes = store.collection("notes")?;
    for i in 0..4 {
        health.put("rpc", &json!({ "n": i }))?;
        health.put("ws", &json!({ "n": i }))?;
        notes.put("a", &json!({ "n": i }))?;
    }
    // All versions are younger than an hour: nothing goes now.
    let mut cfg = common::hk::config(vec![]);
    cfg.store.document_versions = true;
    let now = Housekeeper::new(cfg.clone())?;
    assert!(
        now.cleanup(&store, &CleanupOptions::dry_run())?.store[0]
            .items
            .is_empty()
    );

    // Two hours later by the housekeeper's clock, only the last 2 of each key are kept.
    let later = Arc::new(FakeClock::new(tradestore::timefmt::now_ns() + 7_200 * common::SEC));
    let h = Housekeeper::new(cfg)?.with_clock(later);
    let dry = h.cleanup(&store, &CleanupOptions::dry_run())?;
    assert_eq!(dry.store[0].source, "document_versions");
    let what: Vec<_> = dry.store[0].items.iter().map(|i| i.what.as_str()).collect();
    assert_eq!(
        what,
        [
            "document health/rpc version 1",
            "document health/rpc version 2",
            "document health/ws version 1",
            "document health/ws version 2"
        ]
    );
    assert!(dry.store[0].items.iter().all(|i| i.bytes > 0));
    assert_eq!(health.history("rpc")?.len(), 4, "a dry run removes nothing");

    let real = h.cleanup(&store, &CleanupOptions::all())?;
    assert_eq!(real.store, dry.store);
    let left: Vec<u64> = health.history("rpc")?.iter().map(|v| v.version).collect();
    assert_eq!(left, [3, 4]);
    assert_eq!(notes.history("a")?.len(), 4, "no retention set: untouched");
    Ok(())
}
