//! Every put appends a version; restore appends a copy; delete keeps or purges history.

use serde_json::json;
use tradestore::{Error, Store};

#[test]
fn versions_restore_and_delete() -> tradestore::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path())?;
    let c = store.collection("opportunities")?;
    let m1 = c.put("arb-1", &json!({"profit": "1.0"}))?;
    let m2 = c.put("arb-1", &json!({"profit": "2.0"}))?;
    assert_eq!((m1.version, m2.version), (1, 2));
    assert_eq!(m2.created_at, m1.created_at);
    assert!(m2.updated_at >= m1.updated_at);
    assert_eq!(c.get_version("arb-1", 1)?.json, json!({"profit": "1.0"}));
    let m3 = c.restore("arb-1", 1)?;
    assert_eq!(m3.version, 3);
    assert_eq!(m3.origin.as_deref(), Some("restore of 1"));
    assert_eq!(m3.checksum, m1.checksum);
    assert_eq!(c.get("arb-1")?.json, json!({"profit": "1.0"}));
    let hist = c.history("arb-1")?;
    assert_eq!(hist.iter().map(|h| h.version).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert!(hist.iter().all(|h| h.valid));

    c.put("arb-2", &json!({"profit": "5"}))?;
    c.put("other", &json!({}))?;
    let page = c.list_keys("arb-", None, 1)?;
    assert_eq!(page.keys, vec!["arb-1"]);
    let page2 = c.list_keys("arb-", page.next.as_deref(), 10)?;
    assert_eq!((page2.keys, page2.next), (vec!["arb-2".to_string()], None));

    c.delete("arb-1", true)?;
    assert!(matches!(c.get("arb-1"), Err(Error::NotFound(_))));
    assert!(c.metadata("arb-1")?.deleted);
    assert_eq!(c.history("arb-1")?.len(), 4);
    assert_eq!(c.restore("arb-1", 2)?.version, 5);
    assert_eq!(c.get("arb-1")?.json, json!({"profit": "2.0"}));

    c.delete("arb-1", false)?;
    assert!(matches!(c.history("arb-1"), Err(Error::NotFound(_))));
    assert!(matches!(c.get_version("arb-1", 2), Err(Error::NotFound(_))));
    assert_eq!(c.list_keys("", None, 10)?.keys, vec!["arb-2", "other"]);
    Ok(())
}
