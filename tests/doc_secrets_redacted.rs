//! Secret fields are stored as given but redacted in Debug output, and the store file becomes
//! 0600 once it holds them (and stays so after reopening).

use serde_json::json;
use tradestore::Store;

#[test]
fn redacts_and_restricts() -> tradestore::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path())?;
    let c = store.collection("config")?;
    c.put("plain", &json!({"pairs": ["BTC-EUR"]}))?;
    #[cfg(unix)]
    let mode = || {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(dir.path().join("tradestore.redb"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    #[cfg(unix)]
    assert_eq!(mode(), 0o640);
    c.put(
        "kraken",
        &json!({"venue": "kraken", "api_key": "AKIA-123", "auth": {"apiSecret": "s3cr3t"}}),
    )?;
    let doc = c.get("kraken")?;
    assert_eq!(doc.json["api_key"], "AKIA-123");
    let shown = format!("{doc:?}");
    assert!(!shown.contains("AKIA-123") && !shown.contains("s3cr3t"), "{shown}");
    assert!(shown.contains("[REDACTED]") && shown.contains("kraken"));
    #[cfg(unix)]
    assert_eq!(mode(), 0o600);
    drop((c, store));
    let _store = Store::open(dir.path())?;
    #[cfg(unix)]
    assert_eq!(mode(), 0o600);
    Ok(())
}
