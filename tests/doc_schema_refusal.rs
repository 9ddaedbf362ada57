//! A document that does not match its collection's schema is refused with every violation
//! (JSON pointer + reason) and nothing is stored; setting a schema reports stored documents that
//! would fail it; an invalid schema is `Error::Schema`.

use serde_json::json;
use tradestore::{Error, Store};

#[test]
fn refuses_with_every_violation() -> tradestore::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path())?;
    let c = store.collection("orders")?;
    c.put("old-bad", &json!({"qty": "lots"}))?;
    c.put("old-good", &json!({"pair": "BTC-EUR", "qty": 1}))?;
    let report = c.set_schema(&json!({
        "type": "object",
        "required": ["pair"],
        "properties": {"pair": {"type": "string"}, "qty": {"type": "number", "minimum": 0}}
    }))?;
    assert_eq!((report.version, report.checked), (1, 2));
    assert_eq!(report.failing.len(), 1);
    assert_eq!(report.failing[0].0, "old-bad");

    let err = c.put("x", &json!({"qty": -1, "pair": 5})).unwrap_err();
    let violations = c.check(&json!({"qty": -1, "pair": 5}))?;
    let pointers: Vec<&str> = violations.iter().map(|v| v.pointer.as_str()).collect();
    assert_eq!(pointers, vec!["/pair", "/qty"]);
    match err {
        Error::Schema(m) => {
            assert!(
                m.contains("/pair") && m.contains("/qty") && m.contains("2 violations"),
                "{m}"
            );
        }
        other => panic!("expected a schema error, got {other:?}"),
    }
    assert!(matches!(c.get("x"), Err(Error::NotFound(_))));
    assert_eq!(c.put("x", &json!({"pair": "ETH-EUR", "qty": 2}))?.schema_version, 1);

    let bad = c.set_schema(&json!({"type": "no-such-type"}));
    assert!(matches!(bad, Err(Error::Schema(_))));
    assert_eq!(c.schema()?.map(|s| s.0), Some(1));
    Ok(())
}

#[test]
fn hub_collections_carry_schemas() -> tradestore::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path())?;
    let hub = store.hub();
    for (name, _) in tradestore::documents::HUB_COLLECTIONS {
        assert_eq!(hub.open(name)?.schema()?.map(|s| s.0), Some(1), "{name}");
    }
    let opp = hub.opportunities()?;
    opp.put(
        "o1",
        &json!({"pair": "ETH-USDC", "buy_venue": "uniswap", "sell_venue": "sushiswap",
                "buy_price": "3000.10", "sell_price": "3004.25", "gas_cost": "2.1",
                "status": "detected", "timestamp": "2024-01-02T03:04:05Z"}),
    )?;
    assert!(matches!(
        opp.put("o2", &json!({"pair": "ETH-USDC", "buy_price": "3,000"})),
        Err(Error::Schema(_))
    ));
    Ok(())
}
