//! The demo's documents-and-snapshot step.

use rust_decimal::Decimal;
use serde_json::json;

use super::demo::{START_NS, SYMBOLS};
use crate::{Error, Result, Store};

// ---- Step: documents and a store snapshot ------------------------------------------------------

/// What the documents-and-snapshot step did.
pub(super) struct DemoDocs {
    pub(super) documents: u64,
    pub(super) versions: u64,
    pub(super) refused: u64,
    pub(super) snapshot: crate::snapshot::SnapshotInfo,
    pub(super) verified: bool,
}

/// Writes what a bot keeps as JSON into the hub collections (config with a secret, one
/// performance document per bot updated twice, opportunities, health), shows a schema refusal,
/// then snapshots the whole store and verifies the snapshot file.
pub(super) fn documents_and_snapshot(store: &Store, positions: &[crate::Position]) -> Result<DemoDocs> {
    let hub = store.hub();
    let mut versions = 0u64;
    hub.config()?.put(
        "bot",
        &json!({"pairs": SYMBOLS.iter().map(|s| s.0).collect::<Vec<_>>(), "venues": ["sim"],
                "min_profit": "0.50", "dry_run": true, "api_key": "demo-key-not-real"}),
    )?;
    versions += 1;
    let perf = hub.performance()?;
    for p in positions {
        let key = format!("{}-{}", p.strategy, p.symbol);
        for (period, share) in [("half", Decimal::new(5, 1)), ("total", Decimal::ONE)] {
            perf.put(
                &key,
                &json!({"timestamp": START_NS / 1_000_000, "period": period, "total_trades": p.fills,
                        "total_profit": (p.realized_pnl * share).round_dp(2).to_string(),
                        "total_fees": (p.fees * share).round_dp(2).to_string()}),
            )?;
            versions += 1;
        }
    }
    let opps = hub.opportunities()?;
    for (i, (sym, base)) in SYMBOLS.iter().enumerate() {
        let buy = Decimal::from(*base);
        let sell = buy * Decimal::new(1004, 3);
        opps.put(
            &format!("opp-{i}"),
            &json!({"pair": sym, "buy_venue": "sim-a", "sell_venue": "sim-b", "buy_price": buy.to_string(),
                    "sell_price": sell.round_dp(2).to_string(), "status": "detected", "timestamp": START_NS / 1_000_000}),
        )?;
        versions += 1;
    }
    hub.health()?.put(
        "writer",
        &json!({"component": "writer", "status": "ok", "timestamp": START_NS / 1_000_000}),
    )?;
    versions += 1;
    let refused = match opps.put("bad", &json!({"pair": "BTC-EUR", "buy_price": "cheap"})) {
        Err(Error::Schema(_)) => 1,
        other => {
            return Err(Error::Db(format!(
                "a document breaking its schema was not refused: {other:?}"
            )));
        }
    };
    let documents = 1 + positions.len() as u64 + SYMBOLS.len() as u64 + 1;
    let snapshot = store.create_snapshot(None)?;
    let verified = crate::snapshot::verify_file(&snapshot.path).is_ok();
    Ok(DemoDocs {
        documents,
        versions,
        refused,
        snapshot,
        verified,
    })
}
