//! Every read sees the writes answered before it. A durable save is answered once the operation
//! log holds it, and the writer commits it to the store file after that, sharing one commit
//! across the saves that follow; a read made right after a save must still find it, whatever it
//! reads: positions, bot state, documents, KV keys, a snapshot of the store.

mod common;

use common::{d, fill};
use serde_json::json;
use tradestore::kv::Kv;
use tradestore::{Side, Store};

#[test]
fn positions_states_and_documents_follow_each_save() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::builder().cache_bytes(0).open(dir.path())?;
    let bots = store.collection("bots")?;
    for i in 1..=150u64 {
        store.save_trade(fill("BTC-EUR", Side::Buy, "1", "100").order_id(format!("o{i}")))?;
        let btc = store
            .positions()?
            .into_iter()
            .find(|p| p.symbol == "BTC-EUR")
            .ok_or("no position")?;
        assert_eq!((btc.qty, btc.fills), (d(&i.to_string()), i));

        let version = store.save_state(&json!({ "step": i }).to_string(), None)?;
        let state = store.load_state()?.ok_or("no state after a save")?;
        assert_eq!((state.version, state.json), (version, json!({ "step": i }).to_string()));

        let meta = bots.put("alpha", &json!({ "step": i }))?;
        let doc = bots.get("alpha")?;
        assert_eq!((doc.meta.version, doc.json), (meta.version, json!({ "step": i })));

        // A KV write between logged saves: read back at once, then after the next save.
        store.kv().set("step", i.to_string().as_bytes(), None)?;
        assert_eq!(store.kv().get("step")?, Some(i.to_string().into_bytes()));
        store.save_trade(fill("ETH-EUR", Side::Buy, "1", "10").order_id(format!("e{i}")))?;
        assert_eq!(store.kv().get("step")?, Some(i.to_string().into_bytes()));
    }
    Ok(())
}

#[test]
fn a_snapshot_taken_right_after_a_save_holds_it() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let out = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    for i in 0..20 {
        store.save_trade(fill("ETH-EUR", Side::Sell, "2", "50").order_id(format!("s{i}")))?;
    }
    let info = store.create_snapshot(Some(&out.path().join("after.tsnap")))?;
    let trades = info.tables.iter().find(|(name, _)| name == "trades").map(|(_, n)| *n);
    assert_eq!(
        trades,
        Some(20),
        "the snapshot misses answered saves: {:?}",
        info.tables
    );
    Ok(())
}
