//! `import_legacy` moves a bot's JSON data directory in: a corrupt portfolio.json is replaced by
//! its .bak (reported as repaired), bad files are skipped and named, and a second run imports
//! nothing new.

use rust_decimal::Decimal;
use serde_json::json;
use tradestore::Store;

fn write(dir: &std::path::Path, name: &str, text: &str) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

#[test]
fn imports_repairs_and_is_idempotent() -> tradestore::Result<()> {
    let tmp = tempfile::tempdir().unwrap();
    let legacy = tmp.path().join("data");
    write(
        &legacy,
        "portfolio.json",
        "{\"total_value\": 10450.25, \"positions\": {\"ETH\"",
    );
    write(
        &legacy,
        "portfolio.json.bak",
        &json!({"timestamp": 1704067200, "total_value": 10400.10,
                "positions": {"ETH": {"quantity": 1.5, "value": 3300.0}},
                "balances": {"USDC": 7100.10}, "session_id": "s-1"})
        .to_string(),
    );
    write(&legacy, "state.json", r#"{"open_orders": [], "nonce": 7}"#);
    write(
        &legacy,
        "config.json",
        r#"{"pairs": ["ETH-USDC"], "min_profit": "0.5", "api_key": "abc"}"#,
    );
    write(
        &legacy,
        "performance/2024-01-01.json",
        r#"{"timestamp": "2024-01-01T00:00:00Z", "total_profit": "12.5"}"#,
    );
    write(
        &legacy,
        "performance/2024-01-02.json",
        r#"{"timestamp": "2024-01-02T00:00:00Z", "total_profit": "-3.1"}"#,
    );
    write(
        &legacy,
        "opportunities/arb-1.json",
        r#"{"pair": "ETH-USDC", "profit": 1.25}"#,
    );
    write(&legacy, "opportunities/broken.json", "not json");

    let store = Store::open(tmp.path().join("store"))?;
    let first = store.import_legacy(&legacy)?;
    assert_eq!(first.imported.get("portfolio_snapshots"), Some(&1));
    assert_eq!(first.imported.get("state_versions"), Some(&1));
    assert_eq!(first.imported.get("documents"), Some(&4));
    assert_eq!(first.repaired.len(), 1, "{:?}", first.repaired);
    assert_eq!(first.repaired[0].0, "portfolio.json");
    assert_eq!(first.skipped.len(), 1, "{:?}", first.skipped);
    assert!(first.skipped[0].0.ends_with("broken.json"));

    let snap = &store.portfolio_history(None, None)?[0];
    assert_eq!(snap.total_value, Decimal::new(1_040_010, 2));
    assert_eq!(snap.ts, 1_704_067_200_000_000_000);
    assert_eq!(snap.positions[0].qty, Decimal::new(15, 1));
    assert_eq!(
        store.collection("performance")?.get("2024-01-02")?.json["total_profit"],
        "-3.1"
    );
    assert_eq!(store.collection("config")?.get("config")?.json["min_profit"], "0.5");

    let second = store.import_legacy(&legacy)?;
    assert!(second.imported.is_empty(), "{:?}", second.imported);
    assert_eq!(second.already_present, 6);
    assert_eq!(store.collection("opportunities")?.history("arb-1")?.len(), 1);
    assert_eq!(store.portfolio_history(None, None)?.len(), 1);
    assert_eq!(store.state_history()?.len(), 1);
    Ok(())
}
