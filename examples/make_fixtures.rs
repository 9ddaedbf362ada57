//! Writes the fixture stores under `tests/fixtures/`: a small store of the current format
//! (`v<FORMAT_VERSION>/`) and a copy with one document version's bytes damaged
//! (`v<FORMAT_VERSION>-corrupt/`). Run after a format change, then commit both:
//!
//! ```text
//! cargo run --example make_fixtures
//! ```

use std::path::Path;

use redb::ReadableTable;
use rust_decimal::Decimal;
use serde_json::json;
use tradestore::envelope::RecBytes;
use tradestore::tables::{DOC_VERSIONS, FORMAT_VERSION};
use tradestore::{NewTrade, PortfolioSnapshot, Side, Store};

const T0: i64 = 1_704_067_200_000_000_000; // 2024-01-01T00:00:00Z

fn fill(dir: &Path) -> tradestore::Result<()> {
    let store = Store::open(dir)?;
    for i in 0..20i64 {
        let side = if i % 3 == 2 { Side::Sell } else { Side::Buy };
        store.save_trade(
            NewTrade::new("BTC-EUR", side, Decimal::new(1, 1), Decimal::from(40_000 + i * 10))
                .fee(Decimal::new(25, 2))
                .ts(T0 + i * 60_000_000_000)
                .strategy(if i % 2 == 0 { "grid" } else { "momentum" })
                .venue("kraken")
                .order_id(format!("F-{i}")),
        )?;
    }
    store.save_state(r#"{"open_orders": [], "cursor": 20}"#, Some("fixture"))?;
    store.save_portfolio_snapshot(&PortfolioSnapshot {
        ts: T0,
        total_value: Decimal::new(1_000_000, 2),
        positions: vec![],
        balances: vec![],
        snapshot_type: "daily".into(),
        session_id: "fixture".into(),
    })?;
    let hub = store.hub();
    hub.config()?.put(
        "bot",
        &json!({"pairs": ["BTC-EUR"], "min_profit": "0.5", "dry_run": true}),
    )?;
    let opps = hub.opportunities()?;
    for (i, profit) in ["1.25", "2.50", "0.75"].iter().enumerate() {
        opps.put(
            "arb-1",
            &json!({"pair": "ETH-USDC", "buy_venue": "uniswap", "sell_venue": "curve", "buy_price": "3000.10",
                    "sell_price": "3003.00", "expected_profit": profit, "status": "detected", "timestamp": 1_704_067_200_000i64 + i as i64}),
        )?;
    }
    store.collection("notes")?.put(
        "fixture-marker",
        &json!({"text": "this version is damaged in the corrupt copy"}),
    )?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let good = root.join(format!("v{FORMAT_VERSION}"));
    let bad = root.join(format!("v{FORMAT_VERSION}-corrupt"));
    for d in [&good, &bad] {
        if d.exists() {
            std::fs::remove_dir_all(d)?;
        }
        std::fs::create_dir_all(d)?;
    }
    fill(&good)?;
    let file = good.join("tradestore.redb");
    redb::Database::create(&file)?.compact()?;
    std::fs::copy(&file, bad.join("tradestore.redb"))?;
    let db = redb::Database::create(bad.join("tradestore.redb"))?;
    let w = db.begin_write()?;
    {
        let mut t = w.open_table(DOC_VERSIONS)?;
        let key = ("notes", "fixture-marker", 1u64);
        let mut bytes = t.get(key)?.ok_or("marker document missing")?.value().bytes().to_vec();
        let at = bytes.len() - 10;
        bytes[at] ^= 0x04; // one flipped bit inside the payload: bit rot redb itself cannot see
        t.insert(key, RecBytes::new(&bytes))?;
    }
    w.commit()?;
    drop(db);
    redb::Database::create(bad.join("tradestore.redb"))?.compact()?;
    println!("wrote {} and {}", good.display(), bad.display());
    Ok(())
}
