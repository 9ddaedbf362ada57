//! Per-collection retention keeps the last N versions (the latest always stays).

use std::time::Duration;

use serde_json::json;
use tradestore::Store;
use tradestore::documents::Retention;

#[test]
fn keeps_last_n_and_newer_than() -> tradestore::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path())?;
    let c = store.collection("health")?;
    for i in 0..6 {
        c.put("rpc", &json!({"n": i}))?;
    }
    let removed = c.set_retention(Retention {
        keep_last: Some(3),
        keep_newer_than: None,
    })?;
    assert_eq!(removed, 3);
    let versions: Vec<u64> = c.history("rpc")?.iter().map(|h| h.version).collect();
    assert_eq!(versions, vec![4, 5, 6]);
    c.put("rpc", &json!({"n": 6}))?;
    let versions: Vec<u64> = c.history("rpc")?.iter().map(|h| h.version).collect();
    assert_eq!(versions, vec![5, 6, 7]);

    // Everything is newer than an hour: with both rules, age keeps what the count would drop.
    c.set_retention(Retention {
        keep_last: Some(1),
        keep_newer_than: Some(Duration::from_secs(3600)),
    })?;
    assert_eq!(c.history("rpc")?.len(), 3);
    // Nothing is newer than zero: only the latest stays.
    c.set_retention(Retention {
        keep_last: None,
        keep_newer_than: Some(Duration::ZERO),
    })?;
    std::thread::sleep(Duration::from_millis(2));
    c.put("rpc", &json!({"n": 8}))?;
    let versions: Vec<u64> = c.history("rpc")?.iter().map(|h| h.version).collect();
    assert_eq!(versions, vec![8]);
    assert_eq!(c.get("rpc")?.json, json!({"n": 8}));
    Ok(())
}
